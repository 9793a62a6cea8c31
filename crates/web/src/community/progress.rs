//! Progress of the programme's kelurahan: in the viewer's scope and, as
//! aggregates without names of people, for everyone.

use super::{percent, turnout_map};
use crate::auth::Ctx;
use crate::auth::Viewer;
use crate::charts;
use crate::edge::{parse_date, today};
use crate::error::AppError;
use crate::render::render;
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::Uri;
use axum::response::Html;
use axum::Json;
use jiff::civil::Date;
use lumbung_community::cycle::{
    progress_planned, whole_percent, CyclePlan, KelurahanCycle, Participation, Progress,
    ProgressSettings, Turnout,
};
use lumbung_community::mapping::Label;
use lumbung_domain::{text, AreaCode, Scope, Share};
use minijinja::context;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ProgressQuery {
    /// Only the kelurahan inside this area (a kecamatan, a city).
    area: Option<String>,
    as_of: Option<String>,
}

/// The progress of a set of kelurahan on a date, with the names of
/// kelurahan and steps; no names of people.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CycleProgress {
    as_of: Date,
    area: Option<ProgressArea>,
    kelurahan_count: u64,
    flagged: usize,
    steps: Vec<StepRow>,
    kelurahan: Vec<KelurahanRow>,
    participation: ParticipationView,
    turnout: Option<TurnoutView>,
    settings: ProgressSettings,
}

#[derive(Debug, Serialize, JsonSchema)]
struct ProgressArea {
    code: String,
    name: String,
}

/// One step over the set of kelurahan.
#[derive(Debug, Serialize, JsonSchema)]
struct StepRow {
    key: String,
    label: Label,
    order: u16,
    target: Option<Date>,
    done: u64,
    verified: u64,
    #[schemars(with = "Option<String>")]
    share_done: Option<Share>,
    percent_done: Option<u64>,
    on_time: Option<u64>,
    #[schemars(with = "Option<String>")]
    share_on_time: Option<Share>,
    percent_on_time: Option<u64>,
    participation: ParticipationView,
}

/// One kelurahan's standing.
#[derive(Debug, Serialize, JsonSchema)]
struct KelurahanRow {
    code: AreaCode,
    name: String,
    district: Option<String>,
    steps_done: u64,
    steps_total: u64,
    percent_done: Option<u64>,
    next_step: Option<Label>,
    last_done_on: Option<Date>,
    late: Vec<Option<Label>>,
    stalled: bool,
    days_idle: Option<i64>,
    flagged: bool,
    turnout: Option<TurnoutView>,
}

/// Adult turnout of the BKM election (published RT results).
#[derive(Debug, Serialize, JsonSchema)]
pub(super) struct TurnoutView {
    voted: u64,
    eligible: u64,
    #[schemars(with = "Option<String>")]
    share: Option<Share>,
    percent: Option<u64>,
}

impl From<Turnout> for TurnoutView {
    fn from(t: Turnout) -> TurnoutView {
        TurnoutView {
            voted: t.voted(),
            eligible: t.eligible(),
            share: t.share(),
            percent: whole_percent(t.voted(), t.eligible()),
        }
    }
}

/// Attendance summed over meetings, with its shares and percentages.
#[derive(Debug, Serialize, JsonSchema)]
pub(super) struct ParticipationView {
    meetings: u64,
    total: u64,
    women: u64,
    poor: u64,
    #[schemars(with = "Option<String>")]
    share_women: Option<Share>,
    #[schemars(with = "Option<String>")]
    share_poor: Option<Share>,
    percent_women: Option<u64>,
    percent_poor: Option<u64>,
}

impl From<&Participation> for ParticipationView {
    fn from(p: &Participation) -> ParticipationView {
        ParticipationView {
            meetings: p.meetings,
            total: p.total,
            women: p.women,
            poor: p.poor,
            share_women: p.share_women,
            share_poor: p.share_poor,
            percent_women: percent(p.women, p.total),
            percent_poor: percent(p.poor, p.total),
        }
    }
}

/// The progress of the programme's kelurahan inside the query's area that
/// `scope` covers, as of the query's date (default today), with the names
/// of kelurahan and steps. Holds no names of people.
async fn progress_data(
    state: &AppState,
    scope: Scope,
    q: &ProgressQuery,
) -> Result<CycleProgress, AppError> {
    let as_of =
        parse_date(q.as_of.as_deref().unwrap_or(""), "as_of")?.unwrap_or_else(|| today(state));
    let area = q
        .area
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(str::to_owned);
    let (area, cycles, turnout) = state
        .reading(move |s| {
            let area = match area.clone() {
                Some(code) => Some(s.area(&code)?.ok_or_else(|| {
                    lumbung_store::StoreError::invalid(
                        "area",
                        text!("no_area", code = code.clone();
                            id: "tidak ada wilayah {code}", en: "no area {code}"),
                    )
                })?),
                None => None,
            };
            let within = area
                .as_ref()
                .map(|a| lumbung_domain::AreaPath::from_stored(a.path.clone()));
            Ok((
                area,
                s.programme_cycles(within.as_ref(), &scope)?,
                s.election_turnout()?,
            ))
        })
        .await?;
    // Every kelurahan's plan weighed off the async threads (the programme
    // may hold thousands, each of up to 100 steps).
    state
        .run(move |_| progress_of(area, cycles, turnout, as_of))
        .await?
}

/// [`progress_data`] from what it read.
fn progress_of(
    area: Option<lumbung_store::Area>,
    cycles: Vec<lumbung_store::ProgrammeCycle>,
    turnout: std::collections::BTreeMap<String, (u64, u64)>,
    as_of: jiff::civil::Date,
) -> Result<CycleProgress, AppError> {
    let turnout = turnout_map(turnout);
    let pairs: Vec<(&CyclePlan, &KelurahanCycle)> =
        cycles.iter().map(|c| (&c.plan, &c.cycle)).collect();
    let programme = CyclePlan::default();
    let p: Progress = progress_planned(
        &programme,
        &pairs,
        &turnout,
        as_of,
        &ProgressSettings::default(),
    )
    .map_err(|e| AppError::conflict(e.text()))?;
    let by_code: HashMap<&str, &lumbung_store::ProgrammeCycle> = cycles
        .iter()
        .map(|c| (c.kelurahan.code.as_str(), c))
        .collect();
    let labels: HashMap<&str, &Label> =
        p.steps.iter().map(|s| (s.key.as_str(), &s.label)).collect();
    let steps = p
        .steps
        .iter()
        .map(|s| StepRow {
            key: s.key.clone(),
            label: s.label.clone(),
            order: s.order,
            target: s.target,
            done: s.done,
            verified: s.verified,
            share_done: s.share_done,
            percent_done: s.percent_done,
            on_time: s.on_time,
            share_on_time: s.share_on_time,
            percent_on_time: s.on_time.and_then(|t| percent(t, p.kelurahan_count)),
            participation: (&s.participation).into(),
        })
        .collect();
    let rows = p
        .kelurahan
        .iter()
        .map(|k| {
            let c = by_code[k.kelurahan.as_str()];
            let total = c.plan.steps().len() as u64;
            let label = |key: &str| {
                labels
                    .get(key)
                    .copied()
                    .or_else(|| c.plan.step(key).map(|s| &s.label))
                    .cloned()
            };
            KelurahanRow {
                code: k.kelurahan.clone(),
                name: c.kelurahan.name.clone(),
                district: c.kelurahan.district.clone(),
                steps_done: k.steps_done,
                steps_total: total,
                percent_done: percent(k.steps_done, total),
                next_step: k
                    .next_step
                    .as_deref()
                    .and_then(|n| c.plan.step(n))
                    .map(|s| s.label.clone()),
                last_done_on: k.last_done_on,
                late: k.late.iter().map(|l| label(l)).collect(),
                stalled: k.stalled,
                days_idle: k.days_idle,
                flagged: k.flagged(),
                turnout: k.turnout.map(Into::into),
            }
        })
        .collect();
    Ok(CycleProgress {
        as_of: p.as_of,
        area: area.map(|a| ProgressArea {
            code: a.code,
            name: a.name,
        }),
        kelurahan_count: p.kelurahan_count,
        flagged: p.kelurahan.iter().filter(|k| k.flagged()).count(),
        steps,
        kelurahan: rows,
        participation: (&p.participation).into(),
        turnout: p.turnout.map(Into::into),
        settings: ProgressSettings::default(),
    })
}

/// Bars of the share of kelurahan done per step.
fn progress_chart(data: &CycleProgress, lang: crate::i18n::Lang, title: &str) -> String {
    let rows: Vec<(String, i64, String)> = data
        .steps
        .iter()
        .map(|s| {
            let pct = s.percent_done.unwrap_or(0) as i64;
            let label = if lang == crate::i18n::Lang::En {
                &s.label.en
            } else {
                &s.label.id
            };
            (
                label.clone(),
                pct,
                format!("{pct}% ({}/{})", s.done, data.kelurahan_count),
            )
        })
        .collect();
    charts::bars(title, &rows)
}

async fn progress_page(
    state: AppState,
    viewer: Viewer,
    uri: Uri,
    q: ProgressQuery,
    public: bool,
) -> Result<Html<String>, AppError> {
    let scope = if public {
        Scope::Global
    } else {
        viewer.scope()
    };
    let data = progress_data(&state, scope, &q).await?;
    let chart = progress_chart(&data, viewer.lang, viewer.lang.t("cm_share_done"));
    render(
        &viewer,
        &uri,
        "community_progress.html",
        context! { p => data, chart => chart, public => public, area_query => q.area.unwrap_or_default() },
    )
}

/// `/community/cycle`: progress in the viewer's scope, with links to each
/// kelurahan.
pub async fn cycle_page(
    Ctx { state, viewer, uri }: Ctx,
    Query(q): Query<ProgressQuery>,
) -> Result<Html<String>, AppError> {
    progress_page(state, viewer, uri, q, false).await
}

/// `/community/progress`: the same aggregates for everyone.
pub async fn public_progress_page(
    Ctx { state, viewer, uri }: Ctx,
    Query(q): Query<ProgressQuery>,
) -> Result<Html<String>, AppError> {
    progress_page(state, viewer, uri, q, true).await
}

pub async fn api_progress(
    State(state): State<AppState>,
    Query(q): Query<ProgressQuery>,
) -> Result<Json<CycleProgress>, AppError> {
    Ok(Json(progress_data(&state, Scope::Global, &q).await?))
}

pub async fn api_cycle(
    Ctx { state, viewer, .. }: Ctx,
    Query(q): Query<ProgressQuery>,
) -> Result<Json<CycleProgress>, AppError> {
    Ok(Json(progress_data(&state, viewer.scope(), &q).await?))
}

/// A kelurahan with work waiting for its facilitators: steps late, the
/// cycle stalled, steps recorded and not yet verified.
#[derive(Debug, Serialize, JsonSchema)]
pub struct StepWork {
    code: AreaCode,
    name: String,
    late: Vec<Option<Label>>,
    stalled: bool,
    days_idle: Option<i64>,
    /// Steps recorded and waiting for the city coordinator.
    awaiting: Vec<Label>,
}

/// The kelurahan of the viewer's scope with late, stalled or unverified
/// steps: flagged ones first, as the progress report orders them.
pub(crate) async fn work(state: &AppState, viewer: &Viewer) -> Result<Vec<StepWork>, AppError> {
    let scope = viewer.scope();
    let progress = progress_data(state, scope.clone(), &ProgressQuery::default()).await?;
    let cycles = state
        .blocking(move |s| s.programme_cycles(None, &scope))
        .await?;
    let awaiting: HashMap<&str, Vec<Label>> = cycles
        .iter()
        .map(|c| {
            let steps = c
                .cycle
                .awaiting_verification()
                .filter_map(|r| c.plan.step(&r.step).map(|s| s.label.clone()))
                .collect();
            (c.kelurahan.code.as_str(), steps)
        })
        .collect();
    Ok(progress
        .kelurahan
        .into_iter()
        .filter_map(|k| {
            let waiting = awaiting.get(k.code.as_str()).cloned().unwrap_or_default();
            (k.flagged || !waiting.is_empty()).then_some(StepWork {
                code: k.code,
                name: k.name,
                late: k.late,
                stalled: k.stalled,
                days_idle: k.days_idle,
                awaiting: waiting,
            })
        })
        .collect())
}
