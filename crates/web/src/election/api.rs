//! The election's JSON API: every answer a named type (its schema is in
//! the OpenAPI document, [`answers`] lists every status of each route).

use super::pages::new_election;
use super::register::read_register;
use super::results::published;
use super::*;
use crate::auth::Ctx;
use lumbung_community::election::makers;
use lumbung_store::{BallotRow, ElectionCount, PublishedSummary, TieRecord, Voter};
use schemars::JsonSchema;
use serde::Serialize;
use std::collections::BTreeMap;

/// The published results, newest first.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Results {
    results: Vec<PublishedSummary>,
}

/// A published result: its snapshot (`result`, as hashed), the SHA-256 of
/// the snapshot and where to download the files to recount it.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ResultView {
    id: PollId,
    published_at: String,
    sha256: String,
    /// The published snapshot, exactly as stored.
    result: Value,
    /// File name → its address.
    downloads: BTreeMap<String, String>,
}

/// The polls in the viewer's scope.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Elections {
    elections: Vec<Election>,
}

/// A poll opened.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Opened {
    id: PollId,
}

/// A poll's count as the committee sees it.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PollCount {
    #[serde(flatten)]
    #[schemars(with = "serde_json::Map<String, Value>")]
    count: ElectionCount,
    /// The entries (`a`, `b`) whose names are withheld from you while the
    /// poll is counted: a member who may type ballots reads only those of
    /// the entries it typed in (their differences' names left empty).
    withheld: Vec<&'static str>,
}

/// A poll's voter register.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Register {
    voters: Vec<Voter>,
}

/// Voters put on the register, and those already on it as given.
#[derive(Debug, Serialize, JsonSchema)]
pub struct VotersAdded {
    added: u64,
    unchanged: u64,
}

/// How many voted flags changed.
#[derive(Debug, Serialize, JsonSchema)]
pub struct VotedChanged {
    changed: usize,
}

/// Both ballot entries, each in the order entered.
#[derive(Debug, Serialize, JsonSchema)]
pub struct EntryBoth {
    a: Vec<BallotRow>,
    b: Vec<BallotRow>,
    /// The entries (`a`, `b`) withheld from you while the poll is
    /// counted, left empty here (see the count's `withheld`).
    withheld: Vec<&'static str>,
}

/// Ballots newly entered (a ballot sent twice enters once).
#[derive(Debug, Serialize, JsonSchema)]
pub struct BallotsAdded {
    added: usize,
}

/// A ballot corrected.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Corrected {
    /// Always `true`.
    corrected: bool,
}

/// A difference resolved.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Resolved {
    /// Always `true`.
    resolved: bool,
}

/// A grouping confirmed or taken back.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Saved {
    /// Always `true`.
    saved: bool,
}

/// A door-to-door collection recorded.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Recorded {
    /// Always `true`.
    recorded: bool,
}

/// The tie decision as recorded (or the lot it confirmed).
#[derive(Debug, Serialize, JsonSchema)]
pub struct Decision {
    decision: TieRecord,
}

/// What a request to publish did: proposed it (`published: false`; a
/// second committee member confirms) or published it.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum PublishAnswer {
    Proposed {
        id: PollId,
        /// Always `false`.
        published: bool,
        proposed_by: String,
        proposed_at: String,
    },
    Published {
        id: PollId,
        /// Always `true`.
        published: bool,
        sha256: String,
        url: String,
    },
}

/// Every status each election API route answers (beside the guard's and
/// the body's, which the document adds).
pub mod answers {
    use super::*;
    use crate::spec::{error, json, Answer};

    /// A read of one poll or result: it may not exist, or be out of scope.
    const fn read<T: JsonSchema>() -> [Answer; 2] {
        [json::<T>(200), error(404)]
    }

    /// A committee step on a poll: refused fields, a missing poll or row,
    /// a conflict with what is recorded (a published poll, another
    /// member's entry), a refused file.
    const fn step<T: JsonSchema>() -> [Answer; 5] {
        [
            json::<T>(200),
            error(400),
            error(404),
            error(409),
            error(422),
        ]
    }

    pub const RESULTS: &[Answer] = &[json::<Results>(200)];
    pub const RESULT: &[Answer] = &read::<ResultView>();
    pub const ELECTIONS: &[Answer] = &[json::<Elections>(200)];
    pub const CREATE: &[Answer] = &step::<Opened>();
    pub const ELECTION: &[Answer] = &read::<PollCount>();
    pub const REGISTER: &[Answer] = &read::<Register>();
    pub const ADD_VOTERS: &[Answer] = &step::<VotersAdded>();
    pub const VOTED: &[Answer] = &step::<VotedChanged>();
    pub const ENTRIES: &[Answer] = &read::<EntryBoth>();
    pub const BALLOTS: &[Answer] = &step::<BallotsAdded>();
    pub const CORRECT: &[Answer] = &step::<Corrected>();
    pub const RESOLVE: &[Answer] = &step::<Resolved>();
    pub const GROUP: &[Answer] = &step::<Saved>();
    pub const DOOR_TO_DOOR: &[Answer] = &step::<Recorded>();
    pub const TIE: &[Answer] = &step::<Decision>();
    pub const PUBLISH: &[Answer] = &step::<PublishAnswer>();
    pub const SETTINGS: &[Answer] = &read::<ElectionSettings>();
    pub const SETTINGS_SAVE: &[Answer] = &step::<ElectionSettings>();
}

pub async fn api_results(State(state): State<AppState>) -> Result<Json<Results>, AppError> {
    let results = state
        .reading(|s| s.published_elections(super::RESULTS_LISTED))
        .await?;
    Ok(Json(Results { results }))
}

pub async fn api_result(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<ResultView>, AppError> {
    let p = published(&state, &id).await?;
    let base = format!("/election/results/{}", p.election_id);
    let mut names = vec!["BALLOTS.csv", "GROUPS.csv"];
    if p.residents_csv.is_some() {
        names.push("RESIDENTS.csv");
    }
    let downloads = names
        .into_iter()
        .map(|n| (n.to_owned(), format!("{base}/{n}")))
        .collect();
    Ok(Json(ResultView {
        id: p.election_id,
        published_at: p.published_at,
        sha256: p.sha256,
        result: p.snapshot,
        downloads,
    }))
}

pub async fn api_elections(Ctx { state, viewer, .. }: Ctx) -> Result<Json<Elections>, AppError> {
    if org_scoped_committee(&viewer) {
        return Ok(Json(Elections { elections: vec![] }));
    }
    let scope = viewer.scope();
    let elections = state.blocking(move |s| s.elections(&scope)).await?;
    Ok(Json(Elections { elections }))
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct NewElectionBody {
    level: String,
    area: String,
    #[serde(default)]
    held_on: String,
}

pub async fn api_create(
    Ctx { state, viewer, .. }: Ctx,
    Json(b): Json<NewElectionBody>,
) -> Result<Json<Opened>, AppError> {
    let new = new_election(&b.level, &b.area, &b.held_on, state.store.clock().today())?;
    let (scope, actor) = (committee_scope(&viewer)?, viewer.actor()?);
    let id = state
        .blocking(move |s| s.create_election(&new, &scope, &actor))
        .await?;
    Ok(Json(Opened { id }))
}

pub async fn api_election(
    Ctx { state, viewer, .. }: Ctx,
    InScope(e): InScope<Election>,
) -> Result<Json<PollCount>, AppError> {
    let mut c = state.blocking(move |s| s.election_count(e.id)).await?;
    let sight = super::count_in_sight(&viewer, &e, &mut c);
    Ok(Json(PollCount {
        count: c,
        withheld: sight.withheld(),
    }))
}

pub async fn api_register(
    Ctx { state, viewer, .. }: Ctx,
    InScope(e): InScope<Election>,
) -> Result<Json<Register>, AppError> {
    let pid = e.id;
    let voters = state.blocking(move |s| s.election_voters(pid)).await?;
    read_register(&state, &viewer, &e, voters.len()).await?;
    Ok(Json(Register { voters }))
}

#[derive(Debug, Deserialize, JsonSchema)]
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

#[derive(Debug, Deserialize, JsonSchema)]
pub struct VotersBody {
    voters: Vec<VoterBody>,
}

/// Voters for the register: a CSV file as the body (`Content-Type:
/// text/csv`, the register file's format) or JSON `{"voters": [...]}`.
pub async fn api_add_voters(
    Ctx { state, viewer, .. }: Ctx,
    InScope(e): InScope<Election>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<VotersAdded>, AppError> {
    let is_csv = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/csv") || ct.starts_with("text/plain"));
    let (file, voters) = if is_csv {
        // Read off the async threads: a register is a kelurahan's adults.
        let read = state
            .run(move |_| read_voters("register.csv", &body))
            .await?;
        (
            "register.csv".to_owned(),
            read.map_err(lumbung_store::StoreError::from)?,
        )
    } else {
        let b: VotersBody = serde_json::from_slice(&body).map_err(|err| {
            AppError::bad_request(text!("election_voters_body", error = err;
                id: "isinya bukan {{\"voters\": [...]}}: {error}",
                en: "the body is not {{\"voters\": [...]}}: {error}"))
        })?;
        let mut out = Vec::new();
        for (i, v) in b.voters.into_iter().enumerate() {
            let input = VoterInput {
                line: i as u64 + 1,
                name: v.name,
                sex: lumbung_store::parse_sex(&v.sex).map_err(|m| AppError::refused("sex", m))?,
                birth_date: v
                    .birth_date
                    .filter(|d| !d.trim().is_empty())
                    .map(|d| d.parse().map_err(|_| invalid("birth_date", not_a_date(&d))))
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
    let summary = acting(&state, &viewer, move |s, actor| {
        s.add_voters(e.id, &file, &voters, actor)
    })
    .await?;
    Ok(Json(VotersAdded {
        added: summary.created,
        unchanged: summary.unchanged,
    }))
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct VotedBody {
    voters: Vec<i64>,
    #[serde(default = "yes")]
    voted: bool,
}

fn yes() -> bool {
    true
}

pub async fn api_voted(
    Ctx { state, viewer, .. }: Ctx,
    InScope(e): InScope<Election>,
    Json(b): Json<VotedBody>,
) -> Result<Json<VotedChanged>, AppError> {
    let voters: Vec<VoterId> = b.voters.into_iter().map(VoterId::new).collect();
    let changed = acting(&state, &viewer, move |s, actor| {
        s.mark_voted(e.id, &voters, b.voted, actor)
    })
    .await?;
    Ok(Json(VotedChanged { changed }))
}

pub async fn api_entries(
    Ctx { state, viewer, .. }: Ctx,
    InScope(e): InScope<Election>,
) -> Result<Json<EntryBoth>, AppError> {
    let (mut a, mut b) = state.blocking(move |s| s.election_entries(e.id)).await?;
    let sight = super::sight(&viewer, &e, &makers(&a), &makers(&b));
    for (rows, seen) in [(&mut a, sight.first), (&mut b, sight.second)] {
        if !seen {
            rows.clear();
        }
    }
    Ok(Json(EntryBoth {
        a,
        b,
        withheld: sight.withheld(),
    }))
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct BallotBody {
    ballot_id: String,
    names: Vec<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct BallotsBody {
    entry: String,
    ballots: Vec<BallotBody>,
}

pub async fn api_ballots(
    Ctx { state, viewer, .. }: Ctx,
    InScope(e): InScope<Election>,
    Json(b): Json<BallotsBody>,
) -> Result<Json<BallotsAdded>, AppError> {
    let entry = BallotEntry::parse(&b.entry).ok_or_else(|| invalid("entry", entry_is_a_or_b()))?;
    let ballots: Vec<(String, Vec<String>)> = b
        .ballots
        .into_iter()
        .map(|b| (b.ballot_id, b.names))
        .collect();
    let added = acting(&state, &viewer, move |s, actor| {
        s.enter_ballots(e.id, entry, &ballots, actor)
    })
    .await?;
    Ok(Json(BallotsAdded { added }))
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct CorrectionBody {
    entry: String,
    ballot_id: String,
    /// The names; `null` takes the ballot out of the entry.
    names: Option<Vec<String>>,
}

pub async fn api_correct(
    Ctx { state, viewer, .. }: Ctx,
    InScope(e): InScope<Election>,
    Json(b): Json<CorrectionBody>,
) -> Result<Json<Corrected>, AppError> {
    let entry = BallotEntry::parse(&b.entry).ok_or_else(|| invalid("entry", entry_is_a_or_b()))?;
    acting(&state, &viewer, move |s, actor| {
        s.correct_ballot(e.id, entry, &b.ballot_id, b.names.as_deref(), actor)
    })
    .await?;
    Ok(Json(Corrected { corrected: true }))
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ResolutionBody {
    ballot_id: String,
    /// The names on the paper; `null` when it is not a ballot.
    names: Option<Vec<String>>,
    #[serde(default)]
    note: String,
}

pub async fn api_resolve(
    Ctx { state, viewer, .. }: Ctx,
    InScope(e): InScope<Election>,
    Json(b): Json<ResolutionBody>,
) -> Result<Json<Resolved>, AppError> {
    acting(&state, &viewer, move |s, actor| {
        s.resolve_ballot(e.id, &b.ballot_id, b.names.as_deref(), &b.note, actor)
    })
    .await?;
    Ok(Json(Resolved { resolved: true }))
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct GroupBody {
    written: String,
    /// The person; `null` takes the grouping back.
    person: Option<String>,
}

pub async fn api_group(
    Ctx { state, viewer, .. }: Ctx,
    InScope(e): InScope<Election>,
    Json(b): Json<GroupBody>,
) -> Result<Json<Saved>, AppError> {
    acting(&state, &viewer, move |s, actor| match &b.person {
        Some(p) => s.add_group(e.id, &b.written, p, actor),
        None => s.remove_group(e.id, &b.written, actor),
    })
    .await?;
    Ok(Json(Saved { saved: true }))
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct DoorBody {
    #[serde(default)]
    on: String,
    note: String,
}

pub async fn api_door_to_door(
    Ctx { state, viewer, .. }: Ctx,
    InScope(e): InScope<Election>,
    Json(b): Json<DoorBody>,
) -> Result<Json<Recorded>, AppError> {
    let on = date_of(&b.on, "on", state.store.clock().today())?;
    acting(&state, &viewer, move |s, actor| {
        s.record_door_to_door(e.id, on, &b.note, actor)
    })
    .await?;
    Ok(Json(Recorded { recorded: true }))
}

#[derive(Debug, Deserialize, JsonSchema)]
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
    Ctx { state, viewer, .. }: Ctx,
    InScope(e): InScope<Election>,
    Json(b): Json<TieBody>,
) -> Result<Json<Decision>, AppError> {
    let input = TieInput {
        rule: b.rule,
        winners: b.winners,
        revote: b.revote.into_iter().collect(),
        note: b.note,
    };
    let rec = acting(&state, &viewer, move |s, actor| {
        s.record_tie(e.id, &input, actor)
    })
    .await?;
    Ok(Json(Decision { decision: rec }))
}

/// A request to publish: optional. To confirm another member's proposal,
/// name the count confirmed.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct PublishBody {
    /// The `count_sha256` of the poll's count as its member saw it: the
    /// request confirms another member's proposal of that count, or
    /// proposes it, and is refused (409) when the count changed since.
    /// Without it, the request proposes the count as it stands and never
    /// confirms.
    #[serde(default)]
    pub confirms: Option<String>,
}

pub async fn api_publish(
    Ctx { state, viewer, .. }: Ctx,
    InScope(e): InScope<Election>,
    body: Option<Json<PublishBody>>,
) -> Result<Json<PublishAnswer>, AppError> {
    let confirms = body.and_then(|Json(b)| b.confirms);
    let step = acting(&state, &viewer, move |s, actor| {
        s.publish_election(e.id, confirms.as_deref(), actor)
    })
    .await?;
    Ok(Json(match step {
        PublishStep::Proposed(p) => PublishAnswer::Proposed {
            id: e.id,
            published: false,
            proposed_by: p.proposed_by,
            proposed_at: p.proposed_at,
        },
        PublishStep::Published(p) => PublishAnswer::Published {
            id: p.election_id,
            published: true,
            sha256: p.sha256,
            url: format!("/election/results/{}", p.election_id),
        },
    }))
}

pub async fn api_settings(
    Ctx { state, viewer, .. }: Ctx,
    Path(code): Path<String>,
) -> Result<Json<ElectionSettings>, AppError> {
    let (_, settings) = kelurahan_in_scope(&state, &viewer, &code).await?;
    Ok(Json(settings))
}

pub async fn api_settings_save(
    Ctx { state, viewer, .. }: Ctx,
    Path(code): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<ElectionSettings>, AppError> {
    kelurahan_in_scope(&state, &viewer, &code).await?;
    let text = std::str::from_utf8(&body).map_err(|_| {
        AppError::bad_request(text!("body_not_utf8";
                id: "isinya bukan UTF-8", en: "the body is not UTF-8"))
    })?;
    let settings = ElectionSettings::from_json(text).map_err(lumbung_store::StoreError::from)?;
    let (c, saved) = (code.clone(), settings.clone());
    acting(&state, &viewer, move |s, actor| {
        s.set_election_settings(&c, settings, actor)
    })
    .await?;
    Ok(Json(saved))
}

fn not_a_date(raw: &str) -> Text {
    text!("not_a_date", value = format!("{raw:?}"); id: "{value} bukan tanggal", en: "{value} is not a date")
}

fn entry_is_a_or_b() -> Text {
    text!("election_entry_a_or_b"; id: "entri adalah \"a\" atau \"b\"", en: "entry is \"a\" or \"b\"")
}
