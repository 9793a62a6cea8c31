//! One kelurahan's cycle: its steps and records, recording the next step,
//! verifying one (the city coordinator) and the plan's target dates.

use super::progress::ParticipationView;
use super::{
    coordinates, kelurahan, kelurahan_in_scope, may_read, may_write, percent, turnout_map,
    username, KelurahanView,
};
use crate::auth::Ctx;
use crate::auth::Viewer;
use crate::edge::{acting, done, invalid, parse_date, today};
use crate::error::AppError;
use crate::render::render;
use crate::AppState;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{Html, Response};
use axum::{Form, Json};
use jiff::civil::Date;
use lumbung_community::cycle::{
    progress_planned, Attendance, CyclePlan, Document, ProgressSettings, StepRecord, StepReport,
    Verification,
};
use lumbung_community::mapping::Label;
use lumbung_domain::{text, Resource};
use lumbung_store::Kelurahan;
use minijinja::context;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A step done, as pages and the API show it.
#[derive(Debug, Serialize, JsonSchema)]
pub struct RecordView {
    done_on: Date,
    attendance: AttendanceView,
    documents: Vec<DocumentView>,
    recorded_by: String,
    recorded_at: String,
    verified: bool,
    verified_by: Option<String>,
    verified_at: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
struct AttendanceView {
    total: u32,
    women: u32,
    poor: u32,
    percent_women: Option<u64>,
    percent_poor: Option<u64>,
}

/// A document of a step; `reference` is `null` when there is none.
#[derive(Debug, Serialize, JsonSchema)]
struct DocumentView {
    title: String,
    reference: Option<String>,
}

/// A step just recorded or verified: its key and its record.
#[derive(Debug, Serialize, JsonSchema)]
pub struct StepRecorded {
    step: String,
    #[serde(flatten)]
    record: RecordView,
}

impl From<&StepRecord> for RecordView {
    fn from(r: &StepRecord) -> RecordView {
        let a = r.attendance;
        let (verified_by, verified_at) = match &r.verification {
            Verification::Verified { by, at } => {
                (Some(by.as_str().to_owned()), Some(at.to_string()))
            }
            Verification::Recorded => (None, None),
        };
        RecordView {
            done_on: r.done_on,
            attendance: AttendanceView {
                total: a.total(),
                women: a.women(),
                poor: a.poor(),
                percent_women: percent(a.women().into(), a.total().into()),
                percent_poor: percent(a.poor().into(), a.total().into()),
            },
            documents: r
                .documents
                .iter()
                .map(|d| DocumentView {
                    title: d.title.clone(),
                    reference: d.reference.clone(),
                })
                .collect(),
            recorded_by: r.recorded_by.as_str().to_owned(),
            recorded_at: r.recorded_at.to_string(),
            verified: r.is_verified(),
            verified_by,
            verified_at,
        }
    }
}

impl From<StepRecord> for StepRecorded {
    fn from(r: StepRecord) -> StepRecorded {
        StepRecorded {
            record: (&r).into(),
            step: r.step,
        }
    }
}

/// A kelurahan's cycle: plan, steps with their records, and its standing.
#[derive(Debug, Serialize, JsonSchema)]
pub struct KelurahanCycleView {
    kelurahan: KelurahanView,
    as_of: Date,
    starts_on: Option<Date>,
    steps: Vec<PlannedStep>,
    next_step: Option<NextStep>,
    progress: Standing,
}

#[derive(Debug, Serialize, JsonSchema)]
struct PlannedStep {
    key: String,
    label: Label,
    order: u16,
    target: Option<Date>,
    record: Option<RecordView>,
    late: bool,
}

#[derive(Debug, Serialize, JsonSchema)]
struct NextStep {
    key: String,
    label: Label,
}

#[derive(Debug, Serialize, JsonSchema)]
struct Standing {
    steps_done: u64,
    steps_total: u64,
    percent_done: Option<u64>,
    last_done_on: Option<Date>,
    late: Vec<String>,
    stalled: bool,
    days_idle: Option<i64>,
    participation: ParticipationView,
}

/// The plan as saved.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PlanSaved {
    plan: CyclePlan,
}

/// Verifying a step: its key.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct VerifyBody {
    step: String,
}

/// The form that records a step; numbers as typed (empty: 0).
#[derive(Debug, Deserialize, Serialize)]
pub struct StepForm {
    #[serde(default)]
    step: String,
    #[serde(default)]
    done_on: String,
    #[serde(default)]
    total: String,
    #[serde(default)]
    women: String,
    #[serde(default)]
    poor: String,
    #[serde(default)]
    documents: String,
}

/// The form that verifies a step.
#[derive(Debug, Deserialize)]
pub struct VerifyForm {
    #[serde(default)]
    step: String,
}

/// The plan form: the start date and `target_<step key>` per step.
#[derive(Debug, Deserialize)]
pub struct PlanForm {
    #[serde(default)]
    starts_on: String,
    #[serde(flatten)]
    targets: HashMap<String, String>,
}

async fn kelurahan_data(state: &AppState, kel: &Kelurahan) -> Result<KelurahanCycleView, AppError> {
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
    .map_err(|e| AppError::conflict(e.text()))?;
    let row = &p.kelurahan[0];
    let steps = plan
        .steps()
        .iter()
        .map(|s| PlannedStep {
            key: s.key.clone(),
            label: s.label.clone(),
            order: s.order,
            target: s.target,
            record: cycle.record_of(&s.key).map(Into::into),
            late: row.late.contains(&s.key),
        })
        .collect();
    let total = plan.steps().len() as u64;
    Ok(KelurahanCycleView {
        kelurahan: kel.into(),
        as_of,
        starts_on: plan.starts_on(),
        steps,
        next_step: cycle.next_step(&plan).map(|s| NextStep {
            key: s.key.clone(),
            label: s.label.clone(),
        }),
        progress: Standing {
            steps_done: row.steps_done,
            steps_total: total,
            percent_done: percent(row.steps_done, total),
            last_done_on: row.last_done_on,
            late: row.late.clone(),
            stalled: row.stalled,
            days_idle: row.days_idle,
            participation: (&p.participation).into(),
        },
    })
}

pub async fn kelurahan_page(
    Ctx { state, viewer, uri }: Ctx,
    Path(code): Path<String>,
) -> Result<Html<String>, AppError> {
    kelurahan_view(&state, &viewer, &uri, &code, None).await
}

/// The step form sent back: what was typed and the problem, in the
/// visitor's language, shown beside the form.
#[derive(Debug, serde::Serialize)]
struct FailedStep<'a> {
    typed: &'a StepForm,
    field: String,
    message: String,
}

/// A kelurahan's cycle page; with `failed`, the step form shows its
/// problem and keeps what was typed.
async fn kelurahan_view(
    state: &AppState,
    viewer: &Viewer,
    uri: &axum::http::Uri,
    code: &str,
    failed: Option<FailedStep<'_>>,
) -> Result<Html<String>, AppError> {
    let kel = kelurahan_in_scope(state, viewer, code).await?;
    let data = kelurahan_data(state, &kel).await?;
    render(
        viewer,
        uri,
        "community_kelurahan.html",
        context! {
            k => data,
            today => today(state),
            can_record => may_write(viewer, Resource::Cycle, &kel),
            can_verify => coordinates(viewer, &kel),
            can_mapping => may_read(viewer, Resource::Mapping, &kel),
            can_ps2 => may_read(viewer, Resource::PoorList, &kel),
            me_name => viewer.user().map(|u| u.username.clone()),
            stalled_after => ProgressSettings::default().stalled_after_days,
            failed => failed,
        },
    )
}

pub async fn api_kelurahan(
    Ctx { state, viewer, .. }: Ctx,
    Path(code): Path<String>,
) -> Result<Json<KelurahanCycleView>, AppError> {
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

fn count(raw: &str, name: &str) -> Result<u32, AppError> {
    match raw.trim() {
        "" => Ok(0),
        raw => raw.parse().map_err(|_| {
            invalid(
                name,
                text!("not_a_whole_number", value = format!("{raw:?}");
                    id: "{value} bukan bilangan bulat", en: "{value} is not a whole number"),
            )
        }),
    }
}

fn step_report(f: &StepForm) -> Result<StepReport, AppError> {
    let step = f.step.trim();
    if step.is_empty() {
        return Err(invalid(
            "step",
            text!("cycle_choose_step"; id: "pilih langkah yang dicatat", en: "choose the step to record"),
        ));
    }
    let done_on = parse_date(&f.done_on, "done_on")?.ok_or_else(|| {
        invalid(
            "done_on",
            text!("cycle_give_done_on";
                id: "isi tanggal langkah itu dilakukan", en: "give the date the step was done"),
        )
    })?;
    let attendance = Attendance::new(
        count(&f.total, "total")?,
        count(&f.women, "women")?,
        count(&f.poor, "poor")?,
    )
    .map_err(|e| invalid("attendance", e.text()))?;
    Ok(StepReport {
        step: step.to_owned(),
        done_on,
        attendance,
        documents: documents(&f.documents),
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
        return Err(invalid(
            "step",
            text!("cycle_name_step"; id: "sebutkan langkah yang diverifikasi", en: "name the step to verify"),
        ));
    }
    let (by, actor) = (username(viewer)?, viewer.actor()?);
    let (code, step) = (kel.code.clone(), step.trim().to_owned());
    state
        .blocking(move |s| s.verify_cycle_step(&code, &step, &by, &actor))
        .await
}

pub async fn record_step(
    Ctx { state, viewer, uri }: Ctx,
    Path(code): Path<String>,
    Form(f): Form<StepForm>,
) -> Result<Response, AppError> {
    let recorded = match step_report(&f) {
        Ok(report) => record(&state, &viewer, &code, report).await.map(|_| ()),
        Err(e) => Err(e),
    };
    match recorded {
        Ok(()) => Ok(done(&format!("/community/kelurahan/{code}"), "saved")),
        Err(AppError::Invalid { field, message }) => {
            let failed = FailedStep {
                typed: &f,
                field,
                message: message.get(viewer.lang.into()).to_owned(),
            };
            let html = kelurahan_view(&state, &viewer, &uri, &code, Some(failed)).await?;
            Ok(axum::response::IntoResponse::into_response((
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                html,
            )))
        }
        Err(e) => Err(e),
    }
}

pub async fn verify_step(
    Ctx { state, viewer, .. }: Ctx,
    Path(code): Path<String>,
    Form(f): Form<VerifyForm>,
) -> Result<Response, AppError> {
    verify(&state, &viewer, &code, &f.step).await?;
    Ok(done(&format!("/community/kelurahan/{code}"), "saved"))
}

pub async fn api_record_step(
    Ctx { state, viewer, .. }: Ctx,
    Path(code): Path<String>,
    Json(report): Json<StepReport>,
) -> Result<(StatusCode, Json<StepRecorded>), AppError> {
    let r = record(&state, &viewer, &code, report).await?;
    Ok((StatusCode::CREATED, Json(r.into())))
}

pub async fn api_verify_step(
    Ctx { state, viewer, .. }: Ctx,
    Path(code): Path<String>,
    Json(body): Json<VerifyBody>,
) -> Result<Json<StepRecorded>, AppError> {
    let r = verify(&state, &viewer, &code, &body.step).await?;
    Ok(Json(r.into()))
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
    let code = kel.code.clone();
    acting(state, viewer, move |s, actor| {
        s.set_cycle_plan(&code, &plan, actor)
    })
    .await
}

/// The plan form: the start date and a target date per step (empty: none).
pub async fn plan_save(
    Ctx { state, viewer, .. }: Ctx,
    Path(code): Path<String>,
    Form(f): Form<PlanForm>,
) -> Result<Response, AppError> {
    save_plan(&state, &viewer, &code, |mut plan| {
        plan.set_start(parse_date(&f.starts_on, "starts_on")?);
        let keys: Vec<String> = plan.steps().iter().map(|s| s.key.clone()).collect();
        for key in keys {
            let field = format!("target_{key}");
            let raw = f.targets.get(&field).map(String::as_str).unwrap_or("");
            let target = parse_date(raw, &field)?;
            plan.set_target(&key, target)
                .map_err(|e| invalid(&field, e.text()))?;
        }
        Ok(plan)
    })
    .await?;
    Ok(done(&format!("/community/kelurahan/{code}"), "saved"))
}

/// Replaces the kelurahan's plan (steps, targets, start) with the JSON body.
pub async fn api_plan_save(
    Ctx { state, viewer, .. }: Ctx,
    Path(code): Path<String>,
    Json(plan): Json<CyclePlan>,
) -> Result<Json<PlanSaved>, AppError> {
    save_plan(&state, &viewer, &code, |_| Ok(plan.clone())).await?;
    Ok(Json(PlanSaved { plan }))
}
