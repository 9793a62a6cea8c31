//! What-if scenarios in the browser: a slider per leaking sector (the page
//! figures again on "Update", without scripts), the chart of local,
//! regional and outside spend before and after, and scenarios kept to set
//! beside what the year after showed. Rules: `lumbung_procurement::whatif`.

use super::tenders::anchor_choices;
use super::FormErrors;
use crate::auth::Ctx;
use crate::charts;
use crate::edge::{acting, done};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::render::render;
use axum::extract::Query;
use axum::response::{Html, IntoResponse, Response};
use axum::Form;
use lumbung_domain::{FiscalYear, OrgId, Resource};
use lumbung_procurement::exact;
use lumbung_procurement::whatif::{SectorLeak, Shift, WhatIf};
use lumbung_store::SpendSelection;
use minijinja::context;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The most sectors given a slider: the ones leaking most.
const SLIDERS: usize = 12;
/// The most kept scenarios set beside the year after.
const SCENARIOS_SHOWN: usize = 20;
/// The longest name of a scenario.
const NAME_MAX: usize = 120;

/// The scenario as typed: anchor, year, a percentage per sector
/// (`s_<code>`), and a name when it is kept.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
pub struct ScenarioFields {
    #[serde(default)]
    anchor: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    name: String,
    #[serde(flatten)]
    sliders: BTreeMap<String, String>,
}

/// A scenario read from its fields.
struct Read {
    anchor: Option<i64>,
    year: Option<FiscalYear>,
    /// (sector code, percentage) of each slider above 0.
    shifts: Vec<(String, u8)>,
}

impl Read {
    /// The sliders above 0 as the rule takes them: a share of 1.
    fn to_shifts(&self) -> Vec<Shift> {
        self.shifts
            .iter()
            .map(|(sector, p)| Shift {
                sector: sector.clone(),
                share: exact::int(i64::from(*p)) / exact::int(100),
            })
            .collect()
    }
}

fn read(
    f: &ScenarioFields,
    anchors: &[(i64, String)],
    lang: Lang,
    errors: &mut FormErrors,
) -> Read {
    let anchor = match f.anchor.trim() {
        "" => None,
        raw => match raw
            .parse::<i64>()
            .ok()
            .filter(|a| anchors.iter().any(|(id, _)| id == a))
        {
            Some(a) => Some(a),
            None => {
                errors.insert("anchor", lang.t("tender_pick_anchor").to_owned());
                None
            }
        },
    };
    let year = match f.year.trim() {
        "" => None,
        raw => FiscalYear::parse(raw)
            .map_err(|e| errors.insert("year", e.0.get(lang.into()).to_owned()))
            .ok(),
    };
    let mut shifts = Vec::new();
    for (key, value) in &f.sliders {
        let Some(code) = key.strip_prefix("s_") else {
            continue;
        };
        match value.trim().parse::<u8>().ok().filter(|p| *p <= 100) {
            Some(0) => {}
            Some(p) => shifts.push((code.to_owned(), p)),
            None => {
                errors.insert("sliders", lang.t("whatif_bad_slider").to_owned());
            }
        }
    }
    Read {
        anchor,
        year,
        shifts,
    }
}

fn shifts_text(shifts: &[(String, u8)]) -> String {
    shifts
        .iter()
        .map(|(s, p)| format!("{s}={p}%"))
        .collect::<Vec<_>>()
        .join(";")
}

async fn page_with(
    ctx: Ctx,
    f: ScenarioFields,
    mut errors: FormErrors,
) -> Result<Html<String>, AppError> {
    let Ctx { state, viewer, uri } = ctx;
    let lang = viewer.lang;
    let anchors = anchor_choices(&state, &viewer).await?;
    let scoped = viewer.scope() != lumbung_domain::Scope::Global;
    let mut r = read(&f, &anchors, lang, &mut errors);
    // A scoped viewer figures one of its anchors, never the whole system.
    if scoped && r.anchor.is_none() {
        r.anchor = anchors.first().map(|(id, _)| *id);
    }
    let selection = SpendSelection {
        anchor: r.anchor.map(OrgId::new),
        year: r.year,
        local: None,
    };
    let shifts = r.to_shifts();
    let figured = if scoped && r.anchor.is_none() {
        None
    } else {
        let sel = selection.clone();
        Some(
            state
                .blocking(move |s| {
                    let sectors = s.leaking_sectors(&sel)?;
                    let result = s.what_if(&sel, &shifts, None, None)?;
                    Ok((sectors, result))
                })
                .await,
        )
    };
    let (sectors, result, problem): (Vec<SectorLeak>, Option<WhatIf>, Option<String>) =
        match figured {
            Some(Ok((sectors, result))) => (sectors, Some(result), None),
            Some(Err(AppError::Invalid { message, .. })) => {
                (Vec::new(), None, Some(message.get(lang.into()).to_owned()))
            }
            Some(Err(e)) => return Err(e),
            None => (Vec::new(), None, None),
        };
    let percent_of = |code: &str| {
        r.shifts
            .iter()
            .find(|(s, _)| s == code)
            .map_or(0, |(_, p)| *p)
    };
    let sliders: Vec<_> = sectors
        .iter()
        .take(SLIDERS)
        .map(|s| context! { code => s.sector, name => s.sector_name, outside => s.outside, pct => percent_of(&s.sector) })
        .collect();
    let chart = result.as_ref().map(|w| {
        let part = |p: &lumbung_procurement::whatif::Position| {
            vec![
                p.local.minor(),
                (p.regional.minor() - p.local.minor()).max(0),
                p.outside.minor(),
            ]
        };
        charts::stacked(
            viewer.lang.t("whatif_chart_title"),
            &[
                (viewer.lang.t("whatif_before").to_owned(), part(&w.before)),
                (viewer.lang.t("whatif_after").to_owned(), part(&w.after)),
            ],
            &[
                viewer.lang.t("whatif_local"),
                viewer.lang.t("whatif_regional_only"),
                viewer.lang.t("whatif_outside"),
            ],
        )
    });
    // Kept scenarios of the viewer's anchors, each beside the year after.
    let seen: Vec<i64> = anchors.iter().map(|(id, _)| *id).collect();
    let kept = state.blocking(|s| s.scenarios()).await?;
    let mut scenarios = Vec::new();
    for sc in kept
        .into_iter()
        .filter(|sc| match sc.anchor {
            Some(a) => seen.contains(&a.get()),
            None => !scoped,
        })
        .take(SCENARIOS_SHOWN)
    {
        let next = sc.year.and_then(|y| FiscalYear::new(y + 1).ok());
        let actual = match next {
            Some(next) => {
                let sel = SpendSelection {
                    anchor: sc.anchor,
                    year: Some(next),
                    local: None,
                };
                state
                    .blocking(move |s| s.what_if(&sel, &[], None, None))
                    .await
                    .ok()
                    .filter(|w| w.before.total.minor() != 0)
                    .and_then(|w| w.before.local_share)
                    .map(|s| s.to_string())
            }
            None => None,
        };
        scenarios.push(context! { s => sc, next => next, actual => actual });
    }
    let can_write = viewer
        .user()
        .is_some_and(|u| u.role.can_write(Resource::Contracts));
    let cur = crate::spend::currency(&state).await?.map(|c| c.code());
    render(
        &viewer,
        &uri,
        "whatif.html",
        context! {
            f => f, anchor => r.anchor, anchors => anchors, scoped => scoped, sliders => sliders,
            w => result, chart => chart, problem => problem, errors => errors,
            scenarios => scenarios, can_write => can_write, cur => cur, name_max => NAME_MAX,
            shifts => shifts_text(&r.shifts),
        },
    )
}

pub async fn page(ctx: Ctx, Query(f): Query<ScenarioFields>) -> Result<Html<String>, AppError> {
    page_with(ctx, f, FormErrors::new()).await
}

/// Keeps the scenario as typed, under its name, with what it came to.
pub async fn save(ctx: Ctx, Form(f): Form<ScenarioFields>) -> Result<Response, AppError> {
    let lang = ctx.viewer.lang;
    let anchors = anchor_choices(&ctx.state, &ctx.viewer).await?;
    let mut errors = FormErrors::new();
    let r = read(&f, &anchors, lang, &mut errors);
    let name = f.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > NAME_MAX {
        errors.insert("name", lang.t("whatif_name_needed").to_owned());
    }
    let scoped = ctx.viewer.scope() != lumbung_domain::Scope::Global;
    if scoped && r.anchor.is_none() {
        errors.insert("anchor", lang.t("tender_pick_anchor").to_owned());
    }
    if !errors.is_empty() {
        return Ok(page_with(ctx, f, errors).await?.into_response());
    }
    let shifts = r.to_shifts();
    let (anchor, year, text) = (r.anchor.map(OrgId::new), r.year, shifts_text(&r.shifts));
    acting(&ctx.state, &ctx.viewer, move |s, actor| {
        let sel = SpendSelection {
            anchor,
            year,
            local: None,
        };
        let result = s.what_if(&sel, &shifts, None, None)?;
        s.save_scenario(&name, anchor, year, &text, &result, actor)
    })
    .await?;
    Ok(done("/procurement/whatif#kept", "scenario_kept"))
}
