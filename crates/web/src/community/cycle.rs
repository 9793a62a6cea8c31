//! One kelurahan's cycle: its steps and records, recording the next step,
//! verifying one (the city coordinator) and the plan's target dates.

use super::progress::participation;
use super::*;

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
