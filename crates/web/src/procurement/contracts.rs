//! Contracts awarded (from OCDS) and opportunities: leaking spend matched
//! to local capacity, with the redirectable spend per anchor in a chart.

use super::{anchors_seen, typed, FormErrors};
use crate::auth::Ctx;
use crate::charts;
use crate::edge::parse_date;
use crate::error::AppError;
use crate::render::render;
use axum::extract::Query;
use axum::response::Html;
use lumbung_domain::{FiscalYear, Money, Share};
use lumbung_procurement::contracts::{Figures, Filter};
use lumbung_procurement::opportunities::{Opportunities, Opportunity, Overflow};
use minijinja::context;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct ContractsQuery {
    buyer: String,
    from: String,
    to: String,
}

/// One currency's figures as the page shows them, with the local and
/// small-firm shares of the awarded value.
#[derive(Debug, Serialize)]
struct CurrencyRow {
    currency: String,
    awarded: Money,
    sme: Money,
    local: Money,
    regional: Money,
    outside: Money,
    unknown: Money,
    local_share: Option<Share>,
    sme_share: Option<Share>,
}

fn currency_rows(f: &Figures) -> Vec<CurrencyRow> {
    let get = |m: &BTreeMap<String, Money>, c: &str| m.get(c).copied().unwrap_or(Money::ZERO);
    f.awarded_value
        .iter()
        .map(|(c, &awarded)| CurrencyRow {
            currency: c.clone(),
            awarded,
            sme: get(&f.awarded_sme, c),
            local: get(&f.by_location.local, c),
            regional: get(&f.by_location.regional, c),
            outside: get(&f.by_location.outside, c),
            unknown: get(&f.by_location.unknown, c),
            local_share: Share::of(get(&f.by_location.local, c), awarded),
            sme_share: Share::of(get(&f.awarded_sme, c), awarded),
        })
        .collect()
}

pub async fn page(
    Ctx { state, viewer, uri }: Ctx,
    Query(q): Query<ContractsQuery>,
) -> Result<Html<String>, AppError> {
    let lang = viewer.lang;
    let mut errors = FormErrors::new();
    let mut day = |raw: &str, field: &'static str| match parse_date(raw, field) {
        Ok(d) => d,
        Err(_) => {
            errors.insert(field, lang.t("contracts_bad_date").to_owned());
            None
        }
    };
    let filter = Filter {
        buyer: typed(&q.buyer),
        from: day(&q.from, "from"),
        to: day(&q.to, "to"),
    };
    let report = state
        .reading(move |s| s.procurement_report(&filter, None, None))
        .await;
    let (report, problem) = match report {
        Ok(r) => (Some(r), None),
        Err(AppError::Invalid { message, .. }) => (None, Some(message.get(lang.into()).to_owned())),
        Err(e) => return Err(e),
    };
    let (all, buyers) = match &report {
        Some(r) => (
            currency_rows(&r.all),
            r.by_buyer
                .iter()
                .map(|b| context! { buyer => b.buyer, f => b.figures, rows => currency_rows(&b.figures) })
                .collect(),
        ),
        None => (Vec::new(), Vec::new()),
    };
    render(
        &viewer,
        &uri,
        "contracts.html",
        context! { q => q, errors => errors, problem => problem, r => report.map(|r| r.all), rows => all, buyers => buyers },
    )
}

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct OpportunitiesQuery {
    year: String,
}

/// The businesses an opportunity's card lists, the best first.
const BUSINESSES_SHOWN: usize = 20;

/// An opportunity as its card shows it: its best businesses and how many
/// others.
#[derive(Serialize)]
struct OpportunityShown {
    #[serde(flatten)]
    op: Opportunity,
    more: usize,
}

/// The opportunities as the page shows them, with each anchor's
/// redirectable spend (of every business matched, not only those shown).
#[derive(Serialize)]
struct OpportunitiesShown {
    opportunities: Vec<OpportunityShown>,
    redirectable_spend: Money,
    #[serde(skip)]
    per_anchor: BTreeMap<String, Money>,
}

impl TryFrom<Opportunities> for OpportunitiesShown {
    type Error = Overflow;

    fn try_from(o: Opportunities) -> Result<Self, Overflow> {
        let per_anchor = o.redirectable_by_anchor()?;
        let opportunities = (o.opportunities.into_iter())
            .map(|mut op| {
                let more = op.businesses.len().saturating_sub(BUSINESSES_SHOWN);
                op.businesses.truncate(BUSINESSES_SHOWN);
                OpportunityShown { op, more }
            })
            .collect();
        Ok(OpportunitiesShown {
            opportunities,
            redirectable_spend: o.redirectable_spend,
            per_anchor,
        })
    }
}

pub async fn opportunities_page(
    Ctx { state, viewer, uri }: Ctx,
    Query(q): Query<OpportunitiesQuery>,
) -> Result<Html<String>, AppError> {
    let lang = viewer.lang;
    let mut errors = FormErrors::new();
    let year = match typed(&q.year).map(|y| FiscalYear::parse(&y)) {
        None => None,
        Some(Ok(y)) => Some(y),
        Some(Err(_)) => {
            errors.insert("year", lang.t("opportunities_bad_year").to_owned());
            None
        }
    };
    let seen = anchors_seen(&state, viewer.scope()).await?;
    // Only what the cards show leaves the blocking thread (a city's every
    // fitting business, for each anchor and sector).
    let found = state
        .blocking(move |s| {
            let o = s.procurement_opportunities(
                |id, _| seen.as_ref().is_none_or(|ids| ids.contains(&id)),
                year,
            )?;
            Ok(OpportunitiesShown::try_from(o))
        })
        .await
        .and_then(|shown| {
            // Money is added checked: a sum past its bound is refused,
            // never shown cut to the largest number.
            shown.map_err(|Overflow| AppError::TooLarge {
                field: "redirectable_spend".into(),
                max: None,
            })
        });
    let (found, problem) = match found {
        Ok(o) => (Some(o), None),
        Err(AppError::Invalid { message, .. }) => (None, Some(message.get(lang.into()).to_owned())),
        Err(e) => return Err(e),
    };
    let cur = crate::spend::currency(&state).await?.map(|c| c.code());
    let chart = found.as_ref().map(|o| {
        let rows: Vec<(String, i64, String)> = (o.per_anchor.iter())
            .map(|(a, sum)| {
                let text = crate::templates::money_text(
                    &sum.to_string(),
                    lang.code(),
                    cur.and_then(lumbung_domain::Currency::parse),
                );
                (a.clone(), sum.minor(), text)
            })
            .collect();
        charts::bars(lang.t("opportunities_chart_title"), &rows)
    });
    render(
        &viewer,
        &uri,
        "opportunities.html",
        context! { q => q, errors => errors, problem => problem, o => found, chart => chart, cur => cur },
    )
}
