//! The election's JSON API.

use super::pages::new_election;
use super::register::read_register;
use super::results::published;
use super::*;

// ------------------------------------------------------------------- API

pub async fn api_results(State(state): State<AppState>) -> Result<Json<Value>, AppError> {
    let results = state.blocking(|s| s.published_elections()).await?;
    Ok(Json(json!({ "results": results })))
}

pub async fn api_result(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    let p = published(&state, &id).await?;
    let base = format!("/election/results/{}", p.election_id);
    let mut files = json!({
        "BALLOTS.csv": format!("{base}/BALLOTS.csv"),
        "GROUPS.csv": format!("{base}/GROUPS.csv"),
    });
    if p.residents_csv.is_some() {
        files["RESIDENTS.csv"] = json!(format!("{base}/RESIDENTS.csv"));
    }
    Ok(Json(json!({
        "id": p.election_id,
        "published_at": p.published_at,
        "sha256": p.sha256,
        "result": p.snapshot,
        "downloads": files,
    })))
}

pub async fn api_elections(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
) -> Result<Json<Value>, AppError> {
    let scope = viewer.scope();
    let polls = state.blocking(move |s| s.elections(&scope)).await?;
    Ok(Json(json!({ "elections": polls })))
}

#[derive(Debug, Deserialize)]
pub struct NewElectionBody {
    level: String,
    area: String,
    #[serde(default)]
    held_on: String,
}

pub async fn api_create(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Json(b): Json<NewElectionBody>,
) -> Result<Json<Value>, AppError> {
    let new = new_election(&b.level, &b.area, &b.held_on, state.store.clock().today())?;
    let (scope, actor) = (committee_scope(&viewer)?, viewer.actor()?);
    let id = state
        .blocking(move |s| s.create_election(&new, &scope, &actor))
        .await?;
    Ok(Json(json!({ "id": id })))
}

pub async fn api_election(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    let e = poll_in_scope(&state, &viewer, &id).await?;
    let c = state.blocking(move |s| s.election_count(e.id)).await?;
    Ok(Json(
        serde_json::to_value(&c).map_err(|e| AppError::Internal(e.to_string()))?,
    ))
}

pub async fn api_register(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    let e = poll_in_scope(&state, &viewer, &id).await?;
    let pid = e.id;
    let voters = state.blocking(move |s| s.election_voters(pid)).await?;
    read_register(&state, &viewer, &e, voters.len()).await?;
    Ok(Json(json!({ "voters": voters })))
}

#[derive(Debug, Deserialize)]
pub struct VoterBody {
    name: String,
    #[serde(default)]
    sex: String,
    #[serde(default)]
    birth_date: Option<String>,
    #[serde(default)]
    age: Option<u16>,
    #[serde(default)]
    married: bool,
}

#[derive(Debug, Deserialize)]
pub struct VotersBody {
    voters: Vec<VoterBody>,
}

/// Voters for the register: a CSV file as the body (`Content-Type:
/// text/csv`, the register file's format) or JSON `{"voters": [...]}`.
pub async fn api_add_voters(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<Value>, AppError> {
    let e = poll_in_scope(&state, &viewer, &id).await?;
    let is_csv = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/csv") || ct.starts_with("text/plain"));
    let (file, voters) = if is_csv {
        (
            "register.csv".to_owned(),
            read_voters("register.csv", &body).map_err(lumbung_store::StoreError::from)?,
        )
    } else {
        let b: VotersBody = serde_json::from_slice(&body).map_err(|err| {
            AppError::bad_request(format!("the body is not {{\"voters\": [...]}}: {err}"))
        })?;
        let mut out = Vec::new();
        for (i, v) in b.voters.into_iter().enumerate() {
            let input = VoterInput {
                line: i as u64 + 1,
                name: v.name,
                sex: lumbung_store::parse_sex(&v.sex).map_err(|m| invalid("sex", m))?,
                birth_date: v
                    .birth_date
                    .filter(|d| !d.trim().is_empty())
                    .map(|d| {
                        d.parse()
                            .map_err(|_| invalid("birth_date", format!("{d:?} is not a date")))
                    })
                    .transpose()?,
                age: v.age,
                married: v.married,
            };
            out.push(
                input
                    .checked(e.held_on)
                    .map_err(lumbung_store::StoreError::from)?,
            );
        }
        ("api".to_owned(), out)
    };
    let actor = viewer.actor()?;
    let summary = state
        .blocking(move |s| s.add_voters(e.id, &file, &voters, &actor))
        .await?;
    Ok(Json(
        json!({ "added": summary.created, "unchanged": summary.unchanged }),
    ))
}

#[derive(Debug, Deserialize)]
pub struct VotedBody {
    voters: Vec<i64>,
    #[serde(default = "yes")]
    voted: bool,
}

fn yes() -> bool {
    true
}

pub async fn api_voted(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Json(b): Json<VotedBody>,
) -> Result<Json<Value>, AppError> {
    let e = poll_in_scope(&state, &viewer, &id).await?;
    let actor = viewer.actor()?;
    let changed = state
        .blocking(move |s| {
            let voters: Vec<VoterId> = b.voters.into_iter().map(VoterId::new).collect();
            s.mark_voted(e.id, &voters, b.voted, &actor)
        })
        .await?;
    Ok(Json(json!({ "changed": changed })))
}

pub async fn api_entries(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    let e = poll_in_scope(&state, &viewer, &id).await?;
    let (a, b) = state.blocking(move |s| s.election_entries(e.id)).await?;
    Ok(Json(json!({ "a": a, "b": b })))
}

#[derive(Debug, Deserialize)]
pub struct BallotBody {
    ballot_id: String,
    names: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct BallotsBody {
    entry: String,
    ballots: Vec<BallotBody>,
}

pub async fn api_ballots(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Json(b): Json<BallotsBody>,
) -> Result<Json<Value>, AppError> {
    let e = poll_in_scope(&state, &viewer, &id).await?;
    let entry =
        BallotEntry::parse(&b.entry).ok_or_else(|| invalid("entry", "entry is \"a\" or \"b\""))?;
    let ballots: Vec<(String, Vec<String>)> = b
        .ballots
        .into_iter()
        .map(|b| (b.ballot_id, b.names))
        .collect();
    let actor = viewer.actor()?;
    let added = state
        .blocking(move |s| s.enter_ballots(e.id, entry, &ballots, &actor))
        .await?;
    Ok(Json(json!({ "added": added })))
}

#[derive(Debug, Deserialize)]
pub struct CorrectionBody {
    entry: String,
    ballot_id: String,
    /// The names; `null` takes the ballot out of the entry.
    names: Option<Vec<String>>,
}

pub async fn api_correct(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Json(b): Json<CorrectionBody>,
) -> Result<Json<Value>, AppError> {
    let e = poll_in_scope(&state, &viewer, &id).await?;
    let entry =
        BallotEntry::parse(&b.entry).ok_or_else(|| invalid("entry", "entry is \"a\" or \"b\""))?;
    let actor = viewer.actor()?;
    state
        .blocking(move |s| s.correct_ballot(e.id, entry, &b.ballot_id, b.names.as_deref(), &actor))
        .await?;
    Ok(Json(json!({ "corrected": true })))
}

#[derive(Debug, Deserialize)]
pub struct ResolutionBody {
    ballot_id: String,
    /// The names on the paper; `null` when it is not a ballot.
    names: Option<Vec<String>>,
    #[serde(default)]
    note: String,
}

pub async fn api_resolve(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Json(b): Json<ResolutionBody>,
) -> Result<Json<Value>, AppError> {
    let e = poll_in_scope(&state, &viewer, &id).await?;
    let actor = viewer.actor()?;
    state
        .blocking(move |s| {
            s.resolve_ballot(e.id, &b.ballot_id, b.names.as_deref(), &b.note, &actor)
        })
        .await?;
    Ok(Json(json!({ "resolved": true })))
}

#[derive(Debug, Deserialize)]
pub struct GroupBody {
    written: String,
    /// The person; `null` takes the grouping back.
    person: Option<String>,
}

pub async fn api_group(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Json(b): Json<GroupBody>,
) -> Result<Json<Value>, AppError> {
    let e = poll_in_scope(&state, &viewer, &id).await?;
    let actor = viewer.actor()?;
    state
        .blocking(move |s| match &b.person {
            Some(p) => s.add_group(e.id, &b.written, p, &actor),
            None => s.remove_group(e.id, &b.written, &actor),
        })
        .await?;
    Ok(Json(json!({ "saved": true })))
}

#[derive(Debug, Deserialize)]
pub struct DoorBody {
    #[serde(default)]
    on: String,
    note: String,
}

pub async fn api_door_to_door(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Json(b): Json<DoorBody>,
) -> Result<Json<Value>, AppError> {
    let e = poll_in_scope(&state, &viewer, &id).await?;
    let on = date_of(&b.on, "on", state.store.clock().today())?;
    let actor = viewer.actor()?;
    state
        .blocking(move |s| s.record_door_to_door(e.id, on, &b.note, &actor))
        .await?;
    Ok(Json(json!({ "recorded": true })))
}

#[derive(Debug, Deserialize)]
pub struct TieBody {
    rule: TieRule,
    #[serde(default)]
    winners: Vec<String>,
    /// The re-vote's count among the tied: person → votes.
    #[serde(default)]
    revote: std::collections::BTreeMap<String, u64>,
    #[serde(default)]
    note: String,
}

pub async fn api_tie(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Json(b): Json<TieBody>,
) -> Result<Json<Value>, AppError> {
    let e = poll_in_scope(&state, &viewer, &id).await?;
    let input = TieInput {
        rule: b.rule,
        winners: b.winners,
        revote: b.revote.into_iter().collect(),
        note: b.note,
    };
    let actor = viewer.actor()?;
    let rec = state
        .blocking(move |s| s.record_tie(e.id, &input, &actor))
        .await?;
    Ok(Json(json!({ "decision": rec })))
}

pub async fn api_publish(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    let e = poll_in_scope(&state, &viewer, &id).await?;
    let actor = viewer.actor()?;
    let step = state
        .blocking(move |s| s.publish_election(e.id, &actor))
        .await?;
    Ok(Json(match step {
        PublishStep::Proposed(p) => json!({
            "id": e.id,
            "published": false,
            "proposed_by": p.proposed_by,
            "proposed_at": p.proposed_at,
        }),
        PublishStep::Published(p) => json!({
            "id": p.election_id,
            "published": true,
            "sha256": p.sha256,
            "url": format!("/election/results/{}", p.election_id),
        }),
    }))
}

pub async fn api_settings(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(code): Path<String>,
) -> Result<Json<ElectionSettings>, AppError> {
    let (_, settings) = kelurahan_in_scope(&state, &viewer, &code).await?;
    Ok(Json(settings))
}

pub async fn api_settings_save(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(code): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<ElectionSettings>, AppError> {
    kelurahan_in_scope(&state, &viewer, &code).await?;
    let text =
        std::str::from_utf8(&body).map_err(|_| AppError::bad_request("the body is not UTF-8"))?;
    let settings = ElectionSettings::from_json(text).map_err(lumbung_store::StoreError::from)?;
    let (c, actor, saved) = (code.clone(), viewer.actor()?, settings.clone());
    state
        .blocking(move |s| s.set_election_settings(&c, settings, &actor))
        .await?;
    Ok(Json(saved))
}
