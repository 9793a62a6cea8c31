//! The P2KP community cycle and self-mapping in the web app and the API.
//!
//! - Progress of the kelurahan of the programme: in the viewer's scope for
//!   those who read the cycle (`/community/cycle`), and for everyone as
//!   aggregates without names of people (`/community/progress`).
//! - A kelurahan's cycle: its steps with their records, the form that
//!   records the next step (its facilitator), verification (the city
//!   coordinator: `Role::coordinates`, never the recorder) and the plan's
//!   target dates.
//! - Self-mapping: the community's criteria, the KoboToolbox upload (both
//!   files, all or nothing), households typed in per RT (and removed), the
//!   tables and charts per RT and RW, the households; the PS-2 list. Personal data only for the roles of the
//!   access table inside their scope; the public mapping page shows counts.
//!
//! The figures are `lumbung_community`'s; this module only gathers, checks
//! scope and renders.

use crate::auth::Viewer;
use crate::charts;
use crate::edge::{invalid, parse_date, today};
use crate::error::AppError;
use crate::render::render;
use crate::AppState;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{StatusCode, Uri};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Form, Json};
use lumbung_community::cycle::{
    progress_planned, whole_percent, Attendance, CyclePlan, Document, KelurahanCycle, Progress,
    ProgressSettings, StepRecord, StepReport, Turnout, Verification,
};
use lumbung_community::mapping::{
    bps_template, parse_yes_no, ps2_list, summarise, Age, Answer, AreaTally, Criteria, CsvFile,
    Decimal, Household, KoboError, Label, MappingSummary, Member, Nik, Ps2Entry, Ps2List, Relation,
    Sex, Test,
};
use lumbung_domain::{AreaCode, Resource, Scope, Username};
use lumbung_store::{Kelurahan, KoboImportError, MappingData};
use minijinja::context;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};

/// The largest pair of Kobo files the web app takes.
pub const MAX_KOBO_BYTES: usize = 32 * 1024 * 1024;

type Fields = HashMap<String, String>;

fn text<'a>(f: &'a Fields, name: &str) -> &'a str {
    f.get(name).map(|s| s.trim()).unwrap_or("")
}

fn percent(part: u64, whole: u64) -> Option<u64> {
    whole_percent(part, whole)
}

// ---------------------------------------------------------------------
// Who may see and do what, for one kelurahan.

async fn kelurahan(state: &AppState, code: &str) -> Result<Kelurahan, AppError> {
    let code = code.to_owned();
    state.blocking(move |s| s.kelurahan(&code)).await
}

/// The kelurahan, when the signed-in viewer's scope covers it.
async fn kelurahan_in_scope(
    state: &AppState,
    viewer: &Viewer,
    code: &str,
) -> Result<Kelurahan, AppError> {
    let user = viewer.require()?;
    let kel = kelurahan(state, code).await?;
    if user.scope.covers(&kel.placement) {
        Ok(kel)
    } else {
        Err(AppError::Forbidden)
    }
}

fn may_read(viewer: &Viewer, resource: Resource, kel: &Kelurahan) -> bool {
    viewer
        .user()
        .is_some_and(|u| u.role.can_read(resource) && u.scope.covers(&kel.placement))
}

fn may_write(viewer: &Viewer, resource: Resource, kel: &Kelurahan) -> bool {
    viewer
        .user()
        .is_some_and(|u| u.role.can_write(resource) && u.scope.covers(&kel.placement))
}

fn coordinates(viewer: &Viewer, kel: &Kelurahan) -> bool {
    viewer
        .user()
        .is_some_and(|u| u.role.coordinates(&u.scope, &kel.path))
}

fn username(viewer: &Viewer) -> Result<Username, AppError> {
    let user = viewer.require()?;
    Username::parse(&user.username).map_err(|e| AppError::Internal(e.to_string()))
}

fn kelurahan_json(k: &Kelurahan) -> Value {
    json!({"code": k.code, "name": k.name, "district": k.district, "regency": k.regency})
}

// ---------------------------------------------------------------------
// Progress.

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ProgressQuery {
    /// Only the kelurahan inside this area (a kecamatan, a city).
    area: Option<String>,
    as_of: Option<String>,
}

/// The progress of the programme's kelurahan inside the query's area that
/// `scope` covers, as of the query's date (default today), with the names
/// of kelurahan and steps. Holds no names of people.
async fn progress_data(
    state: &AppState,
    scope: Scope,
    q: &ProgressQuery,
) -> Result<Value, AppError> {
    let as_of =
        parse_date(q.as_of.as_deref().unwrap_or(""), "as_of")?.unwrap_or_else(|| today(state));
    let area = q
        .area
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(str::to_owned);
    let (area, cycles, turnout) = state
        .blocking(move |s| {
            let area = match area {
                Some(code) => Some(s.area(&code)?.ok_or_else(|| {
                    lumbung_store::StoreError::invalid("area", format!("no area {code}"))
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
    .map_err(|e| AppError::conflict(e.to_string()))?;
    let by_code: HashMap<&str, &lumbung_store::ProgrammeCycle> = cycles
        .iter()
        .map(|c| (c.kelurahan.code.as_str(), c))
        .collect();
    let labels: HashMap<&str, &Label> =
        p.steps.iter().map(|s| (s.key.as_str(), &s.label)).collect();
    let steps: Vec<Value> = p
        .steps
        .iter()
        .map(|s| {
            json!({
                "key": s.key, "label": s.label, "order": s.order, "target": s.target,
                "done": s.done, "verified": s.verified, "share_done": s.share_done,
                "percent_done": s.percent_done, "on_time": s.on_time,
                "share_on_time": s.share_on_time,
                "percent_on_time": s.on_time.and_then(|t| percent(t, p.kelurahan_count)),
                "participation": participation(&s.participation),
            })
        })
        .collect();
    let rows: Vec<Value> = p
        .kelurahan
        .iter()
        .map(|k| {
            let c = by_code[k.kelurahan.as_str()];
            let total = c.plan.steps().len() as u64;
            json!({
                "code": k.kelurahan, "name": c.kelurahan.name, "district": c.kelurahan.district,
                "steps_done": k.steps_done, "steps_total": total,
                "percent_done": percent(k.steps_done, total),
                "next_step": k.next_step.as_deref().and_then(|n| c.plan.step(n)).map(|s| &s.label),
                "last_done_on": k.last_done_on,
                "late": k.late.iter().map(|l| labels.get(l.as_str()).copied().or_else(|| c.plan.step(l).map(|s| &s.label))).collect::<Vec<_>>(),
                "stalled": k.stalled, "days_idle": k.days_idle, "flagged": k.flagged(),
                "turnout": k.turnout.map(turnout_json),
            })
        })
        .collect();
    Ok(json!({
        "as_of": p.as_of,
        "area": area.map(|a| json!({"code": a.code, "name": a.name})),
        "kelurahan_count": p.kelurahan_count,
        "flagged": p.kelurahan.iter().filter(|k| k.flagged()).count(),
        "steps": steps,
        "kelurahan": rows,
        "participation": participation(&p.participation),
        "turnout": p.turnout.map(turnout_json),
        "settings": ProgressSettings::default(),
    }))
}

/// Adult turnout of the BKM election (published RT results).
fn turnout_json(t: Turnout) -> Value {
    json!({
        "voted": t.voted(), "eligible": t.eligible(), "share": t.share(),
        "percent": whole_percent(t.voted(), t.eligible()),
    })
}

fn participation(p: &lumbung_community::cycle::Participation) -> Value {
    json!({
        "meetings": p.meetings, "total": p.total, "women": p.women, "poor": p.poor,
        "share_women": p.share_women, "share_poor": p.share_poor,
        "percent_women": percent(p.women, p.total), "percent_poor": percent(p.poor, p.total),
    })
}

/// Bars of the share of kelurahan done per step.
fn progress_chart(data: &Value, lang: crate::i18n::Lang, title: &str) -> String {
    let rows: Vec<(String, i64, String)> = data["steps"]
        .as_array()
        .map(|steps| {
            steps
                .iter()
                .map(|s| {
                    let pct = s["percent_done"].as_i64().unwrap_or(0);
                    (
                        s["label"][lang.code()].as_str().unwrap_or("").to_owned(),
                        pct,
                        format!(
                            "{pct}% ({}/{})",
                            s["done"],
                            data["kelurahan_count"].as_u64().unwrap_or(0)
                        ),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
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
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    uri: Uri,
    Query(q): Query<ProgressQuery>,
) -> Result<Html<String>, AppError> {
    progress_page(state, viewer, uri, q, false).await
}

/// `/community/progress`: the same aggregates for everyone.
pub async fn public_progress_page(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    uri: Uri,
    Query(q): Query<ProgressQuery>,
) -> Result<Html<String>, AppError> {
    progress_page(state, viewer, uri, q, true).await
}

pub async fn api_progress(
    State(state): State<AppState>,
    Query(q): Query<ProgressQuery>,
) -> Result<Json<Value>, AppError> {
    Ok(Json(progress_data(&state, Scope::Global, &q).await?))
}

pub async fn api_cycle(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Query(q): Query<ProgressQuery>,
) -> Result<Json<Value>, AppError> {
    Ok(Json(progress_data(&state, viewer.scope(), &q).await?))
}

// ---------------------------------------------------------------------
// One kelurahan's cycle.

fn record_json(r: &StepRecord) -> Value {
    let a = r.attendance;
    let (verified_by, verified_at) = match &r.verification {
        Verification::Verified { by, at } => (Some(by.as_str()), Some(at.to_string())),
        Verification::Recorded => (None, None),
    };
    json!({
        "done_on": r.done_on,
        "attendance": {"total": a.total(), "women": a.women(), "poor": a.poor(),
            "percent_women": percent(a.women().into(), a.total().into()),
            "percent_poor": percent(a.poor().into(), a.total().into())},
        "documents": r.documents.iter().map(|d| json!({"title": d.title, "reference": d.reference})).collect::<Vec<_>>(),
        "recorded_by": r.recorded_by.as_str(),
        "recorded_at": r.recorded_at.to_string(),
        "verified": r.is_verified(),
        "verified_by": verified_by,
        "verified_at": verified_at,
    })
}

/// The BKM election's adult turnout per kelurahan, for the progress view.
fn turnout_map(raw: BTreeMap<String, (u64, u64)>) -> BTreeMap<AreaCode, Turnout> {
    raw.into_iter()
        .filter_map(|(code, (voted, eligible))| {
            Some((AreaCode::parse(&code).ok()?, Turnout::new(voted, eligible)?))
        })
        .collect()
}

async fn kelurahan_data(state: &AppState, kel: &Kelurahan) -> Result<Value, AppError> {
    let code = kel.code.clone();
    let ((_, plan, cycle), turnout) = state
        .blocking(move |s| Ok((s.kelurahan_cycle(&code)?, s.election_turnout()?)))
        .await?;
    let turnout = turnout_map(turnout);
    let as_of = today(state);
    let p = progress_planned(
        &plan,
        &[(&plan, &cycle)],
        &turnout,
        as_of,
        &ProgressSettings::default(),
    )
    .map_err(|e| AppError::conflict(e.to_string()))?;
    let row = &p.kelurahan[0];
    let steps: Vec<Value> = plan
        .steps()
        .iter()
        .map(|s| {
            json!({
                "key": s.key, "label": s.label, "order": s.order, "target": s.target,
                "record": cycle.record_of(&s.key).map(record_json),
                "late": row.late.contains(&s.key),
            })
        })
        .collect();
    let total = plan.steps().len() as u64;
    Ok(json!({
        "kelurahan": kelurahan_json(kel),
        "as_of": as_of,
        "starts_on": plan.starts_on(),
        "steps": steps,
        "next_step": cycle.next_step(&plan).map(|s| json!({"key": s.key, "label": s.label})),
        "progress": {
            "steps_done": row.steps_done, "steps_total": total,
            "percent_done": percent(row.steps_done, total),
            "last_done_on": row.last_done_on, "late": row.late, "stalled": row.stalled,
            "days_idle": row.days_idle,
            "participation": participation(&p.participation),
        },
    }))
}

pub async fn kelurahan_page(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    uri: Uri,
    Path(code): Path<String>,
) -> Result<Html<String>, AppError> {
    let kel = kelurahan_in_scope(&state, &viewer, &code).await?;
    let data = kelurahan_data(&state, &kel).await?;
    render(
        &viewer,
        &uri,
        "community_kelurahan.html",
        context! {
            k => data,
            today => today(&state),
            can_record => may_write(&viewer, Resource::Cycle, &kel),
            can_verify => coordinates(&viewer, &kel),
            can_mapping => may_read(&viewer, Resource::Mapping, &kel),
            can_ps2 => may_read(&viewer, Resource::PoorList, &kel),
            me_name => viewer.user().map(|u| u.username.clone()),
            stalled_after => ProgressSettings::default().stalled_after_days,
        },
    )
}

pub async fn api_kelurahan(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(code): Path<String>,
) -> Result<Json<Value>, AppError> {
    let kel = kelurahan_in_scope(&state, &viewer, &code).await?;
    Ok(Json(kelurahan_data(&state, &kel).await?))
}

/// `title | reference` per line.
fn documents(raw: &str) -> Vec<Document> {
    raw.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (title, reference) = match l.split_once('|') {
                Some((t, r)) => (t.trim(), Some(r.trim()).filter(|r| !r.is_empty())),
                None => (l, None),
            };
            Document {
                title: title.to_owned(),
                reference: reference.map(str::to_owned),
            }
        })
        .collect()
}

fn count(f: &Fields, name: &str) -> Result<u32, AppError> {
    match text(f, name) {
        "" => Ok(0),
        raw => raw
            .parse()
            .map_err(|_| invalid(name, format!("{raw:?} is not a whole number"))),
    }
}

fn step_report(f: &Fields) -> Result<StepReport, AppError> {
    let step = text(f, "step");
    if step.is_empty() {
        return Err(invalid("step", "choose the step to record"));
    }
    let done_on = parse_date(text(f, "done_on"), "done_on")?
        .ok_or_else(|| invalid("done_on", "give the date the step was done"))?;
    let attendance = Attendance::new(count(f, "total")?, count(f, "women")?, count(f, "poor")?)
        .map_err(|e| invalid("attendance", e.to_string()))?;
    Ok(StepReport {
        step: step.to_owned(),
        done_on,
        attendance,
        documents: documents(text(f, "documents")),
    })
}

async fn record(
    state: &AppState,
    viewer: &Viewer,
    code: &str,
    report: StepReport,
) -> Result<StepRecord, AppError> {
    let kel = kelurahan(state, code).await?;
    viewer.require_write_at(Resource::Cycle, &kel.placement)?;
    let (by, actor) = (username(viewer)?, viewer.actor()?);
    let code = kel.code.clone();
    state
        .blocking(move |s| s.record_cycle_step(&code, report, &by, &actor))
        .await
}

async fn verify(
    state: &AppState,
    viewer: &Viewer,
    code: &str,
    step: &str,
) -> Result<StepRecord, AppError> {
    let kel = kelurahan(state, code).await?;
    viewer.require_write_at(Resource::Cycle, &kel.placement)?;
    if !coordinates(viewer, &kel) {
        return Err(AppError::Forbidden);
    }
    if step.trim().is_empty() {
        return Err(invalid("step", "name the step to verify"));
    }
    let (by, actor) = (username(viewer)?, viewer.actor()?);
    let (code, step) = (kel.code.clone(), step.trim().to_owned());
    state
        .blocking(move |s| s.verify_cycle_step(&code, &step, &by, &actor))
        .await
}

pub async fn record_step(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(code): Path<String>,
    Form(f): Form<Fields>,
) -> Result<Response, AppError> {
    let report = step_report(&f)?;
    record(&state, &viewer, &code, report).await?;
    Ok(Redirect::to(&format!("/community/kelurahan/{code}")).into_response())
}

pub async fn verify_step(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(code): Path<String>,
    Form(f): Form<Fields>,
) -> Result<Response, AppError> {
    verify(&state, &viewer, &code, text(&f, "step")).await?;
    Ok(Redirect::to(&format!("/community/kelurahan/{code}")).into_response())
}

pub async fn api_record_step(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(code): Path<String>,
    Json(report): Json<StepReport>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let r = record(&state, &viewer, &code, report).await?;
    let mut v = record_json(&r);
    v["step"] = json!(r.step);
    Ok((StatusCode::CREATED, Json(v)))
}

#[derive(Debug, Deserialize)]
pub struct VerifyBody {
    step: String,
}

pub async fn api_verify_step(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(code): Path<String>,
    Json(body): Json<VerifyBody>,
) -> Result<Json<Value>, AppError> {
    let r = verify(&state, &viewer, &code, &body.step).await?;
    let mut v = record_json(&r);
    v["step"] = json!(r.step);
    Ok(Json(v))
}

async fn save_plan(
    state: &AppState,
    viewer: &Viewer,
    code: &str,
    change: impl FnOnce(CyclePlan) -> Result<CyclePlan, AppError>,
) -> Result<(), AppError> {
    let kel = kelurahan(state, code).await?;
    viewer.require_write_at(Resource::Cycle, &kel.placement)?;
    let c = kel.code.clone();
    let (_, plan, _) = state.blocking(move |s| s.kelurahan_cycle(&c)).await?;
    let plan = change(plan)?;
    let actor = viewer.actor()?;
    let code = kel.code.clone();
    state
        .blocking(move |s| s.set_cycle_plan(&code, &plan, &actor))
        .await
}

/// The plan form: the start date and a target date per step (empty: none).
pub async fn plan_save(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(code): Path<String>,
    Form(f): Form<Fields>,
) -> Result<Response, AppError> {
    save_plan(&state, &viewer, &code, |mut plan| {
        plan.set_start(parse_date(text(&f, "starts_on"), "starts_on")?);
        let keys: Vec<String> = plan.steps().iter().map(|s| s.key.clone()).collect();
        for key in keys {
            let field = format!("target_{key}");
            let target = parse_date(text(&f, &field), &field)?;
            plan.set_target(&key, target)
                .map_err(|e| invalid(&field, e.to_string()))?;
        }
        Ok(plan)
    })
    .await?;
    Ok(Redirect::to(&format!("/community/kelurahan/{code}")).into_response())
}

/// Replaces the kelurahan's plan (steps, targets, start) with the JSON body.
pub async fn api_plan_save(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(code): Path<String>,
    Json(plan): Json<CyclePlan>,
) -> Result<Json<Value>, AppError> {
    save_plan(&state, &viewer, &code, |_| Ok(plan.clone())).await?;
    Ok(Json(json!({"plan": plan})))
}

// ---------------------------------------------------------------------
// Self-mapping.

/// A test, for a template to phrase in the page's language.
fn test_json(t: &Test) -> Value {
    match t {
        Test::YesNo { holds_when } => json!({
            "kind": "yes_no", "holds_when": holds_when, "symbol": null, "threshold": null,
            "per_member": false, "unit": null,
        }),
        Test::Number {
            op,
            threshold,
            per_member,
            unit,
        } => json!({
            "kind": "number", "holds_when": null, "symbol": op.symbol(),
            "threshold": threshold.to_string(), "per_member": per_member, "unit": unit,
        }),
    }
}

fn criteria_json(c: &Criteria) -> Value {
    json!({
        "name": c.name(),
        "poor_when_at_least": c.poor_when_at_least(),
        "count": c.indicators().len(),
        "indicators": c.indicators().iter().map(|i| json!({
            "key": i.key, "label": i.label, "test": test_json(&i.test),
        })).collect::<Vec<_>>(),
    })
}

fn tally_json(t: &AreaTally, names: &BTreeMap<String, String>) -> Value {
    json!({
        "area": t.area, "name": names.get(t.area.as_str()).cloned().unwrap_or_else(|| t.area.to_string()),
        "households": t.households, "poor": t.poor, "not_poor": t.not_poor,
        "incomplete": t.incomplete, "share_poor": t.share_poor,
        "percent_poor": percent(t.poor, t.households),
        "members": t.members, "women": t.women,
        "criteria": t.criteria.iter().map(|c| json!({"key": c.key, "label": c.label, "households": c.households, "percent": percent(c.households, t.households)})).collect::<Vec<_>>(),
    })
}

/// Counts only: what public pages and the public API show.
fn summary_json(s: &MappingSummary, names: &BTreeMap<String, String>) -> Value {
    json!({
        "kelurahan": tally_json(&s.kelurahan, names),
        "rws": s.rws.iter().map(|t| tally_json(t, names)).collect::<Vec<_>>(),
        "rts": s.rts.iter().map(|t| tally_json(t, names)).collect::<Vec<_>>(),
    })
}

fn summary_charts(s: &MappingSummary, data: &MappingData, lang: crate::i18n::Lang) -> Value {
    let name = |c: &lumbung_domain::AreaCode| {
        data.area_names
            .get(c.as_str())
            .cloned()
            .unwrap_or_else(|| c.to_string())
    };
    let per_rt: Vec<(String, Vec<i64>)> = s
        .rts
        .iter()
        .map(|t| {
            // "RW 03 · RT 004": the RW of an RT is its parent in the tree.
            let label = match data.areas.rw_of(&t.area) {
                Some(rw) => format!("{} · {}", name(rw), name(&t.area)),
                None => name(&t.area),
            };
            (
                label,
                vec![t.poor as i64, t.not_poor as i64, t.incomplete as i64],
            )
        })
        .collect();
    let legend = [
        lang.t("cm_poor"),
        lang.t("cm_not_poor"),
        lang.t("cm_incomplete"),
    ];
    let per_criterion: Vec<(String, i64, String)> = s
        .kelurahan
        .criteria
        .iter()
        .map(|c| {
            let label = if lang == crate::i18n::Lang::En {
                &c.label.en
            } else {
                &c.label.id
            };
            (
                label.clone(),
                c.households as i64,
                format!(
                    "{} ({}%)",
                    c.households,
                    percent(c.households, s.kelurahan.households).unwrap_or(0)
                ),
            )
        })
        .collect();
    json!({
        "per_rt": charts::stacked(lang.t("cm_chart_per_rt"), &per_rt, &legend),
        "per_criterion": charts::bars(lang.t("cm_chart_per_criterion"), &per_criterion),
    })
}

fn mapping_summary(data: &MappingData) -> Result<MappingSummary, AppError> {
    summarise(&data.criteria, &data.areas, &data.households)
        .map_err(|e| AppError::conflict(e.to_string()))
}

fn household_row(h: &Household, data: &MappingData) -> Value {
    let score = data.criteria.score(h);
    let rw = data.areas.rw_of(&h.rt);
    let name = |c: Option<&lumbung_domain::AreaCode>| {
        c.map(|c| {
            data.area_names
                .get(c.as_str())
                .cloned()
                .unwrap_or_else(|| c.to_string())
        })
    };
    json!({
        "id": h.id, "rw": name(rw), "rt": name(Some(&h.rt)), "head_name": h.head_name,
        "address": h.address, "members": h.members.len(), "women": h.women(),
        "holds": score.holds.len(), "missing": score.missing.len(),
        "classification": score.classification,
        "import": data.imported.get(&h.id),
    })
}

/// Records that the viewer read personal data in an area (a PS-2 list, a
/// voter register, a self-mapping's households): who, what, where and
/// when, scoped to the area so that its auditors see it. `details` holds
/// counts, never names.
pub(crate) async fn audit_read(
    state: &AppState,
    viewer: &Viewer,
    what: &'static str,
    area: &str,
    details: Value,
) -> Result<(), AppError> {
    let (actor, area) = (viewer.actor()?, area.to_owned());
    state
        .blocking(move |s| s.record_read(&actor, what, &area, details))
        .await
}

async fn mapping_data(state: &AppState, kel: &Kelurahan) -> Result<MappingData, AppError> {
    let code = kel.code.clone();
    state.blocking(move |s| s.mapping_data(&code)).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MappingQuery {
    /// The import just made, to report on.
    import: Option<i64>,
    again: Option<String>,
    /// The household just typed in, or just removed (ids).
    added: Option<String>,
    removed: Option<String>,
}

pub async fn mapping_page(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    uri: Uri,
    Path(code): Path<String>,
    Query(q): Query<MappingQuery>,
) -> Result<Html<String>, AppError> {
    let kel = kelurahan_in_scope(&state, &viewer, &code).await?;
    let data = mapping_data(&state, &kel).await?;
    let n = data.households.len();
    audit_read(
        &state,
        &viewer,
        "mapping",
        &kel.code,
        json!({"households": n}),
    )
    .await?;
    let form = household_form_json(&data, &Fields::new(), &FormErrors::new());
    mapping_view(&state, &viewer, &uri, &kel, &data, &q, form).await
}

/// The mapping page: criteria, upload, summary, households and the form
/// that adds one (`form`: its values and errors).
async fn mapping_view(
    state: &AppState,
    viewer: &Viewer,
    uri: &Uri,
    kel: &Kelurahan,
    data: &MappingData,
    q: &MappingQuery,
    form: Value,
) -> Result<Html<String>, AppError> {
    let c = kel.code.clone();
    let imports = state.blocking(move |s| s.kobo_imports(&c)).await?;
    let summary = mapping_summary(data)?;
    let charts = summary_charts(&summary, data, viewer.lang);
    let households: Vec<Value> = data
        .households
        .iter()
        .map(|h| household_row(h, data))
        .collect();
    let just = q
        .import
        .and_then(|id| imports.iter().find(|i| i.id == id))
        .map(|i| json!({"import": i, "again": q.again.is_some()}));
    let added = q
        .added
        .as_deref()
        .and_then(|id| data.households.iter().find(|h| h.id == id))
        .map(|h| household_row(h, data));
    let can_write = may_write(viewer, Resource::Mapping, kel);
    render(
        viewer,
        uri,
        "community_mapping.html",
        context! {
            kelurahan => kelurahan_json(kel),
            criteria => criteria_json(&data.criteria),
            criteria_edit => serde_json::to_string_pretty(&data.criteria).expect("criteria serialise"),
            adopted => data.criteria_adopted,
            summary => summary_json(&summary, &data.area_names),
            charts => charts,
            households => households,
            imports => imports,
            just => just,
            added => added,
            removed => q.removed.clone(),
            can_write => can_write,
            can_ps2 => may_read(viewer, Resource::PoorList, kel),
            rts => rt_choices(data),
            form => form,
        },
    )
}

pub async fn api_mapping(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(code): Path<String>,
) -> Result<Json<Value>, AppError> {
    let kel = kelurahan_in_scope(&state, &viewer, &code).await?;
    let data = mapping_data(&state, &kel).await?;
    let n = data.households.len();
    audit_read(
        &state,
        &viewer,
        "mapping",
        &kel.code,
        json!({"households": n}),
    )
    .await?;
    let c = kel.code.clone();
    let imports = state.blocking(move |s| s.kobo_imports(&c)).await?;
    let summary = mapping_summary(&data)?;
    Ok(Json(json!({
        "kelurahan": kelurahan_json(&kel),
        "criteria": data.criteria,
        "criteria_adopted": data.criteria_adopted,
        "summary": summary_json(&summary, &data.area_names),
        "households": data.households.iter().map(|h| household_row(h, &data)).collect::<Vec<_>>(),
        "imports": imports,
    })))
}

async fn adopt_criteria(
    state: &AppState,
    viewer: &Viewer,
    code: &str,
    criteria: Criteria,
) -> Result<(), AppError> {
    let kel = kelurahan(state, code).await?;
    viewer.require_write_at(Resource::Mapping, &kel.placement)?;
    let actor = viewer.actor()?;
    let code = kel.code.clone();
    state
        .blocking(move |s| s.set_mapping_criteria(&code, &criteria, &actor))
        .await
}

/// The criteria form: the JSON of the criteria, or `template=bps` for the
/// 14 BPS criteria.
pub async fn criteria_save(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(code): Path<String>,
    Form(f): Form<Fields>,
) -> Result<Response, AppError> {
    let criteria = if text(&f, "template") == "bps" {
        bps_template()
    } else {
        let raw = text(&f, "criteria");
        if raw.is_empty() {
            return Err(invalid(
                "criteria",
                "write the criteria, or use the BPS template",
            ));
        }
        serde_json::from_str::<Criteria>(raw).map_err(|e| invalid("criteria", e.to_string()))?
    };
    adopt_criteria(&state, &viewer, &code, criteria).await?;
    Ok(Redirect::to(&format!("/community/kelurahan/{code}/mapping")).into_response())
}

pub async fn api_criteria_save(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(code): Path<String>,
    Json(criteria): Json<Criteria>,
) -> Result<Json<Value>, AppError> {
    adopt_criteria(&state, &viewer, &code, criteria.clone()).await?;
    Ok(Json(json!({"criteria": criteria})))
}

/// Receives both files of a Kobo export (multipart: `households`,
/// `roster`; the CSRF token in the query string). All or nothing: a
/// refused export shows every problem, with file, line and column.
pub async fn import_upload(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    uri: Uri,
    Path(code): Path<String>,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    let kel = kelurahan(&state, &code).await?;
    viewer.require_write_at(Resource::Mapping, &kel.placement)?;
    let mut files: BTreeMap<String, (String, Vec<u8>)> = BTreeMap::new();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| AppError::bad_request(e.body_text()))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "households" || name == "roster" {
            let file_name = field
                .file_name()
                .map(str::to_owned)
                .unwrap_or_else(|| format!("{name}.csv"));
            let bytes = field
                .bytes()
                .await
                .map_err(|e| AppError::bad_request(e.body_text()))?;
            files.insert(name, (file_name, bytes.to_vec()));
        }
    }
    for part in ["households", "roster"] {
        if files.get(part).is_none_or(|f| f.1.is_empty()) {
            return Err(invalid(part, "choose both files of the export"));
        }
    }
    let (h_name, h_bytes) = files.remove("households").expect("checked");
    let (r_name, r_bytes) = files.remove("roster").expect("checked");
    let actor = viewer.actor()?;
    let c = kel.code.clone();
    let result = state
        .run(move |store| {
            store.import_kobo(
                &c,
                CsvFile {
                    name: &h_name,
                    bytes: &h_bytes,
                },
                CsvFile {
                    name: &r_name,
                    bytes: &r_bytes,
                },
                None,
                &actor,
                &mut |_, _| {},
            )
        })
        .await?;
    match result {
        Ok(import) => {
            let again = if import.already_imported {
                "&again=1"
            } else {
                ""
            };
            Ok(Redirect::to(&format!(
                "/community/kelurahan/{}/mapping?import={}{again}",
                kel.code, import.id
            ))
            .into_response())
        }
        Err(KoboImportError::Store(e)) => Err(e.into()),
        Err(KoboImportError::Kobo(e)) => {
            let (files, mapping): (Vec<Value>, Vec<String>) = match &e {
                KoboError::Rejected(files) => {
                    (files.iter().map(|f| json!(f)).collect(), Vec::new())
                }
                KoboError::Mapping(errors) => {
                    (Vec::new(), errors.iter().map(ToString::to_string).collect())
                }
            };
            // The page's own address without the query (its CSRF token).
            let here: Uri = uri.path().parse().unwrap_or(uri);
            let html = render(
                &viewer,
                &here,
                "community_rejected.html",
                context! { kelurahan => kelurahan_json(&kel), files => files, mapping => mapping },
            )?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
    }
}

// ---------------------------------------------------------------------
// Households typed in by hand.

/// Problems of the add-a-household form, by field (`rt`, `head_name`,
/// `members`, `answer_<key>`, …), in the page's language where the web app
/// finds them, as the store words them otherwise.
type FormErrors = BTreeMap<String, Vec<String>>;

fn form_error(errors: &mut FormErrors, field: &str, message: String) {
    errors.entry(field.to_owned()).or_default().push(message);
}

/// The kelurahan's RTs for the form's select: code and "RW 03 · RT 004".
fn rt_choices(data: &MappingData) -> Vec<Value> {
    let name = |c: &AreaCode| {
        data.area_names
            .get(c.as_str())
            .cloned()
            .unwrap_or_else(|| c.to_string())
    };
    data.areas
        .rts()
        .map(|rt| {
            let label = match data.areas.rw_of(rt) {
                Some(rw) => format!("{} · {}", name(rw), name(rt)),
                None => name(rt),
            };
            json!({"code": rt, "label": label})
        })
        .collect()
}

/// The form's values (as typed) and errors, with every field present so
/// that the template reads them all.
fn household_form_json(data: &MappingData, f: &Fields, errors: &FormErrors) -> Value {
    let raw = |name: &str| f.get(name).cloned().unwrap_or_default();
    let answers: serde_json::Map<String, Value> = data
        .criteria
        .indicators()
        .iter()
        .map(|i| (i.key.clone(), json!(raw(&format!("answer_{}", i.key)))))
        .collect();
    json!({
        "rt": raw("rt"), "id": raw("id"), "head_name": raw("head_name"),
        "address": raw("address"), "members": raw("members"), "answers": answers,
        "errors": errors,
    })
}

/// A number as typed in a form: a plain decimal with `.` or, when there is
/// no `.`, with a decimal comma (`7,5`).
fn form_number(raw: &str) -> Option<Decimal> {
    let raw = raw.trim();
    let normal = if raw.contains('.') || raw.matches(',').count() != 1 {
        raw.to_owned()
    } else {
        raw.replace(',', ".")
    };
    Decimal::parse(&normal).ok()
}

/// One line of the members textarea:
/// `name; sex (P/L, F/M); age or year of birth; relation; NIK (optional)`.
fn member_line(line: &str, lang: crate::i18n::Lang) -> Result<Member, Vec<String>> {
    let parts: Vec<&str> = line.split(';').map(str::trim).collect();
    let parts = match parts.as_slice() {
        [rest @ .., ""] if rest.len() >= 4 => rest,
        p => p,
    };
    if !(4..=5).contains(&parts.len()) {
        return Err(vec![lang.t("cm_err_member_fields").to_owned()]);
    }
    let mut errors = Vec::new();
    let name = parts[0];
    if name.is_empty() {
        errors.push(lang.t("cm_err_member_name").to_owned());
    }
    let sex = Sex::parse(parts[1]);
    if sex.is_none() {
        errors.push(format!("{:?}: {}", parts[1], lang.t("cm_err_member_sex")));
    }
    let age = match parts[2].parse::<u16>() {
        Ok(y) if y <= 130 => Some(Age::Years(y)),
        Ok(y) if (1880..=2100).contains(&y) => Some(Age::BirthYear(y as i16)),
        _ => {
            errors.push(format!("{:?}: {}", parts[2], lang.t("cm_err_member_age")));
            None
        }
    };
    let relation = Relation::parse(parts[3]);
    if relation.is_none() {
        errors.push(format!(
            "{:?}: {}",
            parts[3],
            lang.t("cm_err_member_relation")
        ));
    }
    let nik = match parts.get(4).copied().filter(|n| !n.is_empty()) {
        Some(raw) => match Nik::parse(raw) {
            Ok(n) => Some(n),
            Err(_) => {
                errors.push(format!("{raw:?}: {}", lang.t("cm_err_member_nik")));
                None
            }
        },
        None => None,
    };
    match (sex, age, relation) {
        (Some(sex), Some(age), Some(relation)) if errors.is_empty() => Ok(Member {
            name: name.to_owned(),
            sex,
            age,
            relation,
            nik,
        }),
        _ => Err(errors),
    }
}

/// Reads the add-a-household form against the kelurahan's RTs and the
/// criteria in force: every problem, by field, or the household (its id
/// empty when the form gives none; the store then makes one).
fn household_from_form(
    f: &Fields,
    data: &MappingData,
    lang: crate::i18n::Lang,
) -> Result<Household, FormErrors> {
    let mut errors = FormErrors::new();
    let rt = match text(f, "rt") {
        "" => {
            form_error(&mut errors, "rt", lang.t("cm_err_rt_choose").to_owned());
            None
        }
        raw => match AreaCode::parse(raw) {
            Ok(rt) if data.areas.rw_of(&rt).is_some() => Some(rt),
            _ => {
                form_error(
                    &mut errors,
                    "rt",
                    format!("{raw:?}: {}", lang.t("cm_err_rt_unknown")),
                );
                None
            }
        },
    };
    let head_name = text(f, "head_name");
    if head_name.is_empty() {
        form_error(
            &mut errors,
            "head_name",
            lang.t("cm_err_head_name").to_owned(),
        );
    }
    let mut answers = BTreeMap::new();
    for ind in data.criteria.indicators() {
        let field = format!("answer_{}", ind.key);
        let raw = text(f, &field);
        if raw.is_empty() {
            continue;
        }
        let answer = match &ind.test {
            Test::YesNo { .. } => parse_yes_no(raw).map(Answer::YesNo),
            Test::Number { .. } => form_number(raw).map(Answer::Number),
        };
        match answer {
            Some(a) => {
                answers.insert(ind.key.clone(), a);
            }
            None => {
                let key = match ind.test {
                    Test::YesNo { .. } => "cm_err_yes_no",
                    Test::Number { .. } => "cm_err_number",
                };
                form_error(&mut errors, &field, format!("{raw:?}: {}", lang.t(key)));
            }
        }
    }
    let mut members = Vec::new();
    for (i, line) in text(f, "members").lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match member_line(line, lang) {
            Ok(m) => members.push(m),
            Err(problems) => {
                for p in problems {
                    let message = format!("{} {}: {p}", lang.t("cm_line"), i + 1);
                    form_error(&mut errors, "members", message);
                }
            }
        }
    }
    if members.is_empty() && !errors.contains_key("members") {
        form_error(
            &mut errors,
            "members",
            lang.t("cm_err_no_members").to_owned(),
        );
    }
    match rt {
        Some(rt) if errors.is_empty() => Ok(Household {
            id: text(f, "id").to_owned(),
            rt,
            head_name: head_name.to_owned(),
            address: text(f, "address").to_owned(),
            answers,
            members,
        }),
        _ => Err(errors),
    }
}

/// The add-a-household form: stored, then back to the mapping page with
/// the household shown; a refused form comes back (422) filled in, with
/// every problem next to its field (members by line).
pub async fn household_add(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(code): Path<String>,
    Form(f): Form<Fields>,
) -> Result<Response, AppError> {
    let kel = kelurahan(&state, &code).await?;
    viewer.require_write_at(Resource::Mapping, &kel.placement)?;
    let data = mapping_data(&state, &kel).await?;
    let result = match household_from_form(&f, &data, viewer.lang) {
        Ok(h) => {
            let actor = viewer.actor()?;
            let c = kel.code.clone();
            match state
                .blocking(move |s| s.add_household(&c, &h, &actor))
                .await
            {
                Ok(stored) => Ok(stored),
                Err(AppError::Invalid { field, message }) => {
                    Err(FormErrors::from([(field, vec![message.to_string()])]))
                }
                Err(e) => return Err(e),
            }
        }
        Err(errors) => Err(errors),
    };
    match result {
        Ok(stored) => Ok(Redirect::to(&format!(
            "/community/kelurahan/{}/mapping?added={}#households",
            kel.code,
            crate::error::urlencode(&stored.id)
        ))
        .into_response()),
        Err(errors) => {
            let form = household_form_json(&data, &f, &errors);
            let here: Uri = format!("/community/kelurahan/{}/mapping", kel.code)
                .parse()
                .map_err(|_| AppError::Internal("mapping page address".into()))?;
            let html = mapping_view(
                &state,
                &viewer,
                &here,
                &kel,
                &data,
                &MappingQuery::default(),
                form,
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
    }
}

/// Removes a household (typed in or imported; a later Kobo export that
/// holds it brings an imported one back). The form asks to confirm.
pub async fn household_remove(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(code): Path<String>,
    Form(f): Form<Fields>,
) -> Result<Response, AppError> {
    let kel = kelurahan(&state, &code).await?;
    viewer.require_write_at(Resource::Mapping, &kel.placement)?;
    let id = text(&f, "household").to_owned();
    if id.is_empty() {
        return Err(invalid("household", "name the household to remove"));
    }
    if text(&f, "confirm").is_empty() {
        return Err(invalid(
            "confirm",
            "tick the box to confirm the removal of the household",
        ));
    }
    let actor = viewer.actor()?;
    let c = kel.code.clone();
    let removed = state
        .blocking(move |s| s.remove_household(&c, &id, &actor))
        .await?;
    Ok(Redirect::to(&format!(
        "/community/kelurahan/{}/mapping?removed={}#households",
        kel.code,
        crate::error::urlencode(&removed.id)
    ))
    .into_response())
}

/// Adds a household from its JSON (`lumbung_community::mapping::Household`;
/// an absent or empty `id` gets `manual-<n>`). Answers: `true`/`false` or a
/// number per indicator key of the criteria in force.
pub async fn api_household_add(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(code): Path<String>,
    Json(mut body): Json<Value>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let kel = kelurahan(&state, &code).await?;
    viewer.require_write_at(Resource::Mapping, &kel.placement)?;
    if let Some(obj) = body.as_object_mut() {
        obj.entry("id").or_insert_with(|| json!(""));
        obj.entry("address").or_insert_with(|| json!(""));
    }
    let household: Household =
        serde_json::from_value(body).map_err(|e| invalid("household", e.to_string()))?;
    let actor = viewer.actor()?;
    let c = kel.code.clone();
    let stored = state
        .blocking(move |s| s.add_household(&c, &household, &actor))
        .await?;
    let data = mapping_data(&state, &kel).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "household": stored,
            "score": data.criteria.score(&stored),
        })),
    ))
}

// ---------------------------------------------------------------------
// The PS-2 list.

fn ps2_entry(e: &Ps2Entry, data: &MappingData, labels: &HashMap<&str, &Label>) -> Value {
    let name = |c: &lumbung_domain::AreaCode| {
        data.area_names
            .get(c.as_str())
            .cloned()
            .unwrap_or_else(|| c.to_string())
    };
    json!({
        "household_id": e.household_id, "rw": name(&e.rw), "rt": name(&e.rt),
        "head_name": e.head_name, "address": e.address, "members": e.members, "women": e.women,
        "holds": e.holds.iter().map(|k| labels.get(k.as_str()).copied()).collect::<Vec<_>>(),
        "holds_count": e.holds.len(),
        "missing": e.missing.iter().map(|k| labels.get(k.as_str()).copied()).collect::<Vec<_>>(),
    })
}

async fn ps2_data(state: &AppState, viewer: &Viewer, code: &str) -> Result<Value, AppError> {
    let kel = kelurahan_in_scope(state, viewer, code).await?;
    let data = mapping_data(state, &kel).await?;
    let list: Ps2List = ps2_list(&data.criteria, &data.areas, &data.households)
        .map_err(|e| AppError::conflict(e.to_string()))?;
    let n = list.poor.len() + list.incomplete.len();
    audit_read(state, viewer, "ps2", &kel.code, json!({"households": n})).await?;
    let labels: HashMap<&str, &Label> = data
        .criteria
        .indicators()
        .iter()
        .map(|i| (i.key.as_str(), &i.label))
        .collect();
    Ok(json!({
        "kelurahan": kelurahan_json(&kel),
        "criteria": criteria_json(&data.criteria),
        "criteria_adopted": data.criteria_adopted,
        "as_of": today(state),
        "households": data.households.len(),
        "poor": list.poor.iter().map(|e| ps2_entry(e, &data, &labels)).collect::<Vec<_>>(),
        "incomplete": list.incomplete.iter().map(|e| ps2_entry(e, &data, &labels)).collect::<Vec<_>>(),
    }))
}

pub async fn ps2_page(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    uri: Uri,
    Path(code): Path<String>,
) -> Result<Html<String>, AppError> {
    let d = ps2_data(&state, &viewer, &code).await?;
    render(&viewer, &uri, "community_ps2.html", context! { d => d })
}

pub async fn api_ps2(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(code): Path<String>,
) -> Result<Json<Value>, AppError> {
    Ok(Json(ps2_data(&state, &viewer, &code).await?))
}

// ---------------------------------------------------------------------
// The public mapping: counts only.

/// Built from the summary alone (no households, no names, no ids).
async fn public_mapping_data(
    state: &AppState,
    code: &str,
    lang: crate::i18n::Lang,
) -> Result<(Value, Value), AppError> {
    let kel = kelurahan(state, code).await?;
    let data = mapping_data(state, &kel).await?;
    let exact = mapping_summary(&data)?;
    // Small cells withheld (see `public_summary`); facilitators and the
    // BKM see exact counts on their own page.
    let min_cell = state
        .config
        .public_min_cell
        .unwrap_or(lumbung_community::mapping::MIN_PUBLIC_CELL);
    let public = lumbung_community::mapping::public_summary(&exact, &data.areas, min_cell);
    let withheld: Vec<String> = public
        .withheld
        .iter()
        .map(|c| {
            // "RW 02 · RT 001": RT names repeat across RWs.
            let name = |code: &str| data.area_names.get(code).cloned();
            let rt = name(c.as_str()).unwrap_or_else(|| c.to_string());
            match c.as_str().rsplit_once('.').and_then(|(rw, _)| name(rw)) {
                Some(rw) => format!("{rw} · {rt}"),
                None => rt,
            }
        })
        .collect();
    let summary = MappingSummary {
        kelurahan: public.kelurahan,
        rws: public.rws,
        rts: public.rts,
    };
    let charts = summary_charts(&summary, &data, lang);
    let criteria = criteria_json(&data.criteria);
    let mut summary_json = summary_json(&summary, &data.area_names);
    summary_json["public"] = json!(true);
    Ok((
        json!({
            "kelurahan": kelurahan_json(&kel),
            "criteria": criteria,
            "criteria_adopted": data.criteria_adopted,
            "summary": summary_json,
            "min_cell": public.min_cell,
            "withheld": withheld,
        }),
        charts,
    ))
}

pub async fn public_mapping_page(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    uri: Uri,
    Path(code): Path<String>,
) -> Result<Html<String>, AppError> {
    let (d, charts) = public_mapping_data(&state, &code, viewer.lang).await?;
    let private = kelurahan(&state, &code)
        .await
        .ok()
        .is_some_and(|k| may_read(&viewer, Resource::Mapping, &k));
    render(
        &viewer,
        &uri,
        "community_mapping_public.html",
        context! { d => d, charts => charts, private_link => private },
    )
}

pub async fn api_public_mapping(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Json<Value>, AppError> {
    Ok(Json(
        public_mapping_data(&state, &code, crate::i18n::Lang::En)
            .await?
            .0,
    ))
}
