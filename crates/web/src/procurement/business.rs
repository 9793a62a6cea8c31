//! The local business base: search, counts per area (the public's view),
//! and a business with its payments and awards.

use super::{not_found, typed, FormErrors};
use crate::auth::Ctx;
use crate::charts;
use crate::error::AppError;
use crate::render::render;
use axum::extract::{Path, Query};
use axum::response::Html;
use lumbung_domain::{BusinessId, Resource};
use lumbung_procurement::business::{Form, Size};
use lumbung_procurement::opportunities::Search;
use lumbung_spend::sectors::SectorList;
use minijinja::context;
use serde::{Deserialize, Serialize};

/// The most businesses a search lists.
const SHOWN: usize = 200;

/// The search as typed.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct SearchQuery {
    q: String,
    sector: String,
    /// `sic`, `kbli`, or either when empty.
    list: String,
    area: String,
    size: String,
    form: String,
}

/// The longest name searched.
const NAME_MAX: usize = 100;

pub async fn page(
    Ctx { state, viewer, uri }: Ctx,
    Query(q): Query<SearchQuery>,
) -> Result<Html<String>, AppError> {
    let lang = viewer.lang;
    let mut errors = FormErrors::new();
    // Each business is compared with the name typed, trigram by trigram:
    // a name of 60,000 letters held a connection for minutes.
    let name = typed(&q.q).filter(|n| {
        let fits = n.chars().count() <= NAME_MAX;
        if !fits {
            errors.insert("q", lang.t("business_bad_name").to_owned());
        }
        fits
    });
    let sector = typed(&q.sector);
    if sector
        .as_deref()
        .is_some_and(|s| !(2..=5).contains(&s.len()) || !s.bytes().all(|b| b.is_ascii_digit()))
    {
        errors.insert("sector", lang.t("business_bad_sector").to_owned());
    }
    let list = typed(&q.list).and_then(|l| {
        SectorList::parse(&l).or_else(|| {
            errors.insert("list", lang.t("business_bad_list").to_owned());
            None
        })
    });
    let size = typed(&q.size).and_then(|s| {
        Size::parse(&s).or_else(|| {
            errors.insert("size", lang.t("business_bad_size").to_owned());
            None
        })
    });
    let form = typed(&q.form).and_then(|f| {
        Form::parse(&f).or_else(|| {
            errors.insert("form", lang.t("business_bad_form").to_owned());
            None
        })
    });
    let search = Search {
        name,
        sector,
        list,
        area_path: None,
        size,
        form,
    };
    let area = typed(&q.area);
    let searched = errors.is_empty();
    let (found, counts) = state
        .blocking(move |s| {
            Ok((
                s.find_businesses(search, area.as_deref())?,
                s.business_counts()?,
            ))
        })
        .await?;
    let found = match found {
        Some(found) if searched => found,
        Some(_) => Vec::new(),
        None => {
            errors.insert("area", lang.t("business_bad_area").to_owned());
            Vec::new()
        }
    };
    let total: u64 = counts.iter().map(|c| c.businesses).sum();
    let chart = area_chart(&counts, lang.t("business_map_title"));
    render(
        &viewer,
        &uri,
        "business.html",
        context! {
            q => q, errors => errors, found_count => found.len(),
            found => found.into_iter().take(SHOWN).collect::<Vec<_>>(),
            shown => SHOWN, total => total, counts => counts, chart => chart,
            sizes => ["micro", "small", "medium", "large"],
            forms => ["cooperative", "employee_owned", "social_enterprise", "community_business", "charity", "conventional"],
        },
    )
}

/// Businesses per area as bars, most first.
fn area_chart(counts: &[lumbung_store::BusinessCount], title: &str) -> String {
    let mut per_area: std::collections::BTreeMap<String, i64> = Default::default();
    for c in counts {
        let label = c
            .area_name
            .clone()
            .or_else(|| c.area.clone())
            .unwrap_or_else(|| "—".to_owned());
        *per_area.entry(label).or_default() += c.businesses as i64;
    }
    let mut rows: Vec<(String, i64, String)> = per_area
        .into_iter()
        .map(|(label, n)| (label, n, n.to_string()))
        .collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    charts::bars(title, &rows)
}

/// What anyone sees of the base: counts per area and form, nothing else.
pub async fn counts_page(Ctx { state, viewer, uri }: Ctx) -> Result<Html<String>, AppError> {
    let counts = state.reading(|s| s.business_counts()).await?;
    let total: u64 = counts.iter().map(|c| c.businesses).sum();
    let chart = area_chart(&counts, viewer.lang.t("business_map_title"));
    render(
        &viewer,
        &uri,
        "business_counts.html",
        context! { counts => counts, total => total, chart => chart },
    )
}

pub async fn business_page(
    Ctx { state, viewer, uri }: Ctx,
    Path(raw): Path<String>,
) -> Result<Html<String>, AppError> {
    let id = raw
        .parse::<i64>()
        .map(BusinessId::new)
        .map_err(|_| not_found("business", &raw))?;
    let scope = viewer.scope();
    let b = state
        .blocking(move |s| s.business(id, &scope))
        .await?
        .ok_or_else(|| not_found("business", &raw))?;
    let sees_spend = viewer
        .user()
        .is_some_and(|u| u.role.can_read(Resource::Spend));
    render(
        &viewer,
        &uri,
        "business_one.html",
        context! { b => b, sees_spend => sees_spend, cur => crate::spend::currency(&state).await?.map(|c| c.code()) },
    )
}
