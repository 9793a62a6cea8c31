//! `/programme`: an area's roll-up, the areas below it with their charts,
//! and, for a kelurahan, its tranches and activities. A viewer reaches
//! only the areas its scope holds (an organisation's scope: the
//! organisation's area); a whole-system viewer starts at the top areas
//! that hold grants.

use crate::auth::Ctx;
use crate::charts;
use crate::error::AppError;
use crate::render::render;
use axum::extract::Query;
use axum::response::Html;
use lumbung_domain::{text, AreaPath, Scope};
use lumbung_programme::report::Report;
use minijinja::context;
use serde::{Deserialize, Serialize};

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct ProgrammeQuery {
    pub area: String,
    pub programme: String,
    pub year: String,
}

/// Whether `scope` reaches the area at `path`.
pub(crate) fn reaches(scope: &Scope, path: &AreaPath) -> bool {
    match scope {
        Scope::Global => true,
        Scope::Area { path: own, .. } => own.contains(path),
        Scope::Org { area, .. } => area.as_ref().is_some_and(|own| own.contains(path)),
    }
}

/// The area a viewer starts at: its scope's (an organisation's: the
/// organisation's area), the last code of its path.
pub(crate) fn home(scope: &Scope) -> Option<String> {
    let path = match scope {
        Scope::Global => None,
        Scope::Area { path, .. } => Some(path),
        Scope::Org { area, .. } => area.as_ref(),
    }?;
    path.as_str()
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .map(str::to_owned)
}

fn unseen(code: &str) -> AppError {
    AppError::not_found(
        text!("programme_area", code = code; id: "wilayah {code}", en: "area {code}"),
    )
}

pub async fn page(ctx: Ctx, Query(q): Query<ProgrammeQuery>) -> Result<Html<String>, AppError> {
    page_with(ctx, q, ProposalFields::default(), Default::default()).await
}

/// A proposal as typed on a kelurahan's page.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct ProposalFields {
    pub year: String,
    pub activity: String,
    pub implementer: String,
    pub requested: String,
    pub poor: String,
    pub women: String,
}

/// The page with a proposal as typed and its problems by field.
pub async fn page_with(
    Ctx { state, viewer, uri }: Ctx,
    q: ProgrammeQuery,
    proposal: ProposalFields,
    proposal_errors: std::collections::BTreeMap<String, String>,
) -> Result<Html<String>, AppError> {
    let scope = viewer.scope();
    let lang = viewer.lang;
    let mut errors: std::collections::BTreeMap<&str, String> = Default::default();
    let year = match q.year.trim() {
        "" => None,
        raw => match raw
            .parse::<i32>()
            .ok()
            .filter(|y| (1990..=2200).contains(y))
        {
            Some(y) => Some(y),
            None => {
                errors.insert("year", lang.t("programme_bad_year").to_owned());
                None
            }
        },
    };
    let programme = Some(q.programme.trim().to_owned()).filter(|p| !p.is_empty());
    // The area asked for, else the viewer's own, else (whole system) the
    // first top area holding grants.
    let wanted = q.area.trim().to_owned();
    let roots = state.blocking(|s| s.programme_roots()).await?;
    let code = if !wanted.is_empty() {
        Some(wanted.clone())
    } else if let Some(code) = home(&scope) {
        Some(code)
    } else {
        roots.first().map(|(c, _)| c.clone())
    };
    let Some(code) = code else {
        return render(
            &viewer,
            &uri,
            "programme.html",
            context! {
                r => None::<Report>, q => q, errors => errors, roots => roots,
                crumbs => Vec::<(String, String)>::new(), kelurahan => false,
            },
        );
    };
    let looked = code.clone();
    let area = state
        .blocking(move |s| s.area(&looked))
        .await?
        .ok_or_else(|| unseen(&code))?;
    let path = AreaPath::from_stored(area.path.clone());
    if !reaches(&scope, &path) {
        return Err(unseen(&code));
    }
    let (c, p) = (code.clone(), programme.clone());
    let report = state
        .blocking(move |s| s.programme_report(&c, p.as_deref(), year, None))
        .await?;
    let lineage = {
        let c = code.clone();
        state.blocking(move |s| s.area_lineage(&c)).await?
    };
    let crumbs: Vec<_> = lineage
        .into_iter()
        .filter(|a| reaches(&scope, &AreaPath::from_stored(a.path.clone())) && a.code != area.code)
        .map(|a| (a.code, a.name))
        .collect();
    // The area's own tranches and activities (a kelurahan's).
    let (grants, activities) = {
        let c = code.clone();
        state
            .blocking(move |s| s.programme_in_kelurahan(&c, None))
            .await?
    };
    let (plans, flags, proposals) = {
        let c = code.clone();
        state
            .blocking(move |s| Ok((s.plans_of(&c)?, s.programme_flags(&c)?, s.proposals_of(&c)?)))
            .await?
    };
    let kelurahan = !grants.is_empty()
        || !activities.is_empty()
        || !plans.is_empty()
        || area.kind.as_deref() == Some("kelurahan");
    let can_write = viewer
        .user()
        .is_some_and(|u| u.role.can_write(lumbung_domain::Resource::Programme));
    let approves = viewer.user().is_some_and(|u| u.role.decides_plans());
    let brings_in_plans = viewer.user().is_some_and(|u| u.role.brings_in_plans());
    let allocation = (!report.by_area.is_empty()).then(|| {
        let rows: Vec<(String, Vec<i64>)> = report
            .by_area
            .iter()
            .map(|a| {
                let b = &a.figures.blm_allocated;
                (
                    a.name.clone(),
                    vec![b.economic.minor(), b.physical.minor(), b.social.minor()],
                )
            })
            .collect();
        charts::stacked(
            lang.t("programme_chart_allocation"),
            &rows,
            &[
                lang.t("programme_kind_economic"),
                lang.t("programme_kind_physical"),
                lang.t("programme_kind_social"),
            ],
        )
    });
    let leverage = {
        let l = &report.figures.leverage;
        let bars: Vec<(String, i64, String)> = [
            (lang.t("programme_kind_economic"), &l.economic),
            (lang.t("programme_kind_physical"), &l.physical),
            (lang.t("programme_kind_social"), &l.social),
        ]
        .into_iter()
        .filter_map(|(label, v)| {
            let v = v.as_ref()?;
            let hundredths = v.replace('.', "").parse::<i64>().ok()? / 100;
            Some((label.to_owned(), hundredths, format_ratio(v, lang.code())))
        })
        .collect();
        (!bars.is_empty()).then(|| charts::bars(lang.t("programme_chart_leverage"), &bars))
    };
    render(
        &viewer,
        &uri,
        "programme.html",
        context! {
            r => Some(report), q => q, errors => errors, roots => roots, crumbs => crumbs,
            grants => grants, activities => activities, kelurahan => kelurahan,
            allocation => allocation, leverage => leverage, plans => plans, flags => flags,
            can_write => can_write, approves => approves, proposals => proposals,
            brings_in_plans => brings_in_plans,
            proposal => proposal, proposal_errors => proposal_errors,
        },
    )
}

/// A ratio (`3.4540`) as the page's language writes it, to 2 decimals.
fn format_ratio(v: &str, lang: &str) -> String {
    let (int, frac) = v.split_once('.').unwrap_or((v, "0000"));
    let two = &frac[..frac.len().min(2)];
    let point = if lang == "id" { "," } else { "." };
    format!("{int}{point}{two}×")
}
