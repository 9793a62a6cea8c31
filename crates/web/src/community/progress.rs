//! Progress of the programme's kelurahan: in the viewer's scope and, as
//! aggregates without names of people, for everyone.

use super::*;

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

pub(super) fn participation(p: &lumbung_community::cycle::Participation) -> Value {
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
