//! The BKM election in the web app and the API: the committee's work on a
//! poll (register, the two ballot entries and their differences, groupings,
//! door-to-door collections, ties, publishing), printable ballot sheets and
//! minutes (berita acara), and the published results for everyone — votes
//! per nominee, the groupings, the minutes and the anonymised ballots as
//! the CSV files of `lumbung election recount`.
//!
//! Who: the facilitators covering the kelurahan work as the committee
//! (writes; no member decides alone: a third member resolves differences,
//! a second confirms publishing and a lot — see the store), the BKM and the
//! auditor read, within their scope (a poll's area and the organisations
//! of its kelurahan); a poll outside the scope is "not found". Published
//! results are public and hold no voter identity.

use crate::auth::Viewer;
use crate::edge::{invalid, redirect};
use crate::error::AppError;
use crate::render::render;
use crate::AppState;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, HeaderMap, Uri};
use axum::response::{Html, IntoResponse, Response};
use axum::{Extension, Form, Json};
use jiff::civil::Date;
use lumbung_community::election::{SettingsText, TieRule};
use lumbung_domain::{AreaPath, PollId, Resource};
use lumbung_store::{
    read_ballot_lines, read_voters, AreaFilter, BallotEntry, Election, ElectionLevel,
    ElectionSettings, NewElection, PublishStep, Published, TieInput, VoterInput,
};
use minijinja::context;
use serde::Deserialize;
use serde_json::{json, Value};

type Pairs = Vec<(String, String)>;

/// The first value of a form field, trimmed ("" when missing).
fn field<'a>(f: &'a Pairs, name: &str) -> &'a str {
    f.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim())
        .unwrap_or("")
}

/// Every value of a repeated form field (checkboxes), trimmed, non-empty.
fn fields<'a>(f: &'a Pairs, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    f.iter()
        .filter(move |(k, _)| k == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

/// A date from a form; blank is `today`.
fn date_of(raw: &str, name: &str, today: Date) -> Result<Date, AppError> {
    match raw.trim() {
        "" => Ok(today),
        d => d
            .parse()
            .map_err(|_| invalid(name, format!("{d:?} is not a date such as 2025-03-02"))),
    }
}

fn parse_id(raw: &str) -> Result<PollId, AppError> {
    raw.parse::<i64>()
        .map(PollId::new)
        .map_err(|_| AppError::not_found(format!("election {raw}")))
}

/// Names written on one line, separated by commas.
fn name_list(raw: &str) -> Vec<String> {
    raw.split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .collect()
}

fn can_write(viewer: &Viewer, resource: Resource) -> bool {
    viewer.user().is_some_and(|u| u.role.can_write(resource))
}

fn can_read(viewer: &Viewer, resource: Resource) -> bool {
    viewer.user().is_some_and(|u| u.role.can_read(resource))
}

/// A writer of elections who is no committee member
/// (`Role::sits_on_committee`).
fn org_scoped_committee(viewer: &Viewer) -> bool {
    viewer.user().is_some_and(|u| {
        u.role.can_write(Resource::Election) && !u.role.sits_on_committee(&u.scope)
    })
}

/// Whether the viewer's scope reaches data placed at `placement`.
fn reaches(viewer: &Viewer, placement: &lumbung_domain::Placement) -> bool {
    !org_scoped_committee(viewer) && viewer.scope().covers(placement)
}

/// The scope a committee member opens polls in.
fn committee_scope(viewer: &Viewer) -> Result<lumbung_domain::Scope, AppError> {
    if org_scoped_committee(viewer) {
        return Err(AppError::Forbidden);
    }
    Ok(viewer.scope())
}

/// The poll with this id when the viewer's scope covers it; otherwise not
/// found (its existence is not told).
async fn poll_in_scope(state: &AppState, viewer: &Viewer, raw: &str) -> Result<Election, AppError> {
    let id = parse_id(raw)?;
    let e = state.blocking(move |s| s.election(id)).await?;
    match e {
        Some(e) if reaches(viewer, &e.placement) => Ok(e),
        _ => Err(AppError::not_found(format!("election {raw}"))),
    }
}

/// A kelurahan the viewer works in: its area, path and settings.
async fn kelurahan_in_scope(
    state: &AppState,
    viewer: &Viewer,
    code: &str,
) -> Result<(lumbung_store::Area, ElectionSettings), AppError> {
    let c = code.to_owned();
    let (area, placement, settings) = state
        .blocking(move |s| {
            Ok((
                s.area(&c)?,
                s.election_placement(&c)?,
                s.election_settings(&c)?,
            ))
        })
        .await?;
    match (area, placement) {
        (Some(a), Some(p)) if a.kind.as_deref() == Some("kelurahan") && reaches(viewer, &p) => {
            Ok((a, settings))
        }
        _ => Err(AppError::not_found(format!("kelurahan {code}"))),
    }
}

// ---------------------------------------------------------------- pages

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct IndexQuery {
    kelurahan: Option<String>,
}

/// The elections: published results for everyone; for the committee, the
/// BKM and auditors, the polls in their scope and the kelurahan to open.
pub async fn index(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    uri: Uri,
    Query(q): Query<IndexQuery>,
) -> Result<Response, AppError> {
    if let Some(k) = q
        .kelurahan
        .as_deref()
        .map(str::trim)
        .filter(|k| !k.is_empty())
    {
        let code =
            lumbung_domain::AreaCode::parse(k).map_err(|e| invalid("kelurahan", e.to_string()))?;
        return Ok(redirect(&format!("/election/kelurahan/{code}")));
    }
    let reads = can_read(&viewer, Resource::Election);
    let scope = viewer.scope();
    let within: Option<AreaPath> = scope.area_path().cloned();
    let (results, polls, kelurahan) = state
        .blocking(move |s| {
            let results = s.published_elections()?;
            if !reads {
                return Ok((results, vec![], vec![]));
            }
            let polls = s.elections(&scope)?;
            let kelurahan = match within {
                Some(path) => {
                    let filter = AreaFilter {
                        kind: Some("kelurahan".into()),
                        within: Some(path),
                        ..Default::default()
                    };
                    s.search_areas(&filter, 200, 0)?.0
                }
                None => vec![],
            };
            Ok((results, polls, kelurahan))
        })
        .await?;
    let kelurahan: Vec<Value> = kelurahan
        .iter()
        .map(|a| json!({"code": a.code, "name": a.name}))
        .collect();
    Ok(render(
        &viewer,
        &uri,
        "election_index.html",
        context! { results => results, polls => polls, kelurahan => kelurahan, reads => reads },
    )?
    .into_response())
}

/// A kelurahan's elections: its settings, its RTs and their polls, the
/// level-2 polls, and the forms to open polls.
pub async fn kelurahan_page(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    uri: Uri,
    Path(code): Path<String>,
) -> Result<Html<String>, AppError> {
    let (area, settings) = kelurahan_in_scope(&state, &viewer, &code).await?;
    let scope = viewer.scope();
    let path = AreaPath::from_stored(area.path.clone());
    let kel = area.code.clone();
    let (polls, rts) = state
        .blocking(move |s| {
            let polls: Vec<Election> = s
                .elections(&scope)?
                .into_iter()
                .filter(|e| e.kelurahan_code == kel)
                .collect();
            let filter = AreaFilter {
                kind: Some("rt".into()),
                within: Some(path),
                ..Default::default()
            };
            let mut rts = s.search_areas(&filter, 1000, 0)?.0;
            rts.sort_by(|a, b| a.code.cmp(&b.code));
            Ok((polls, rts))
        })
        .await?;
    let rts: Vec<Value> = rts
        .iter()
        .map(|a| {
            let of: Vec<&Election> = polls.iter().filter(|e| e.area_code == a.code).collect();
            json!({"code": a.code, "name": a.name, "polls": of})
        })
        .collect();
    let level2: Vec<&Election> = polls
        .iter()
        .filter(|e| e.level != ElectionLevel::Rt)
        .collect();
    render(
        &viewer,
        &uri,
        "election_kelurahan.html",
        context! {
            area => json!({"code": area.code, "name": area.name}),
            settings => settings,
            rts => rts,
            level2 => level2,
            can_write => can_write(&viewer, Resource::Election),
            today => state.store.clock().today(),
        },
    )
}

/// Settings from the form: every field, defaults for the blank ones.
fn settings_from(f: &Pairs) -> Result<ElectionSettings, AppError> {
    let d = SettingsText::default();
    let num = |name: &str, default: usize| -> Result<usize, AppError> {
        match field(f, name) {
            "" => Ok(default),
            raw => raw
                .parse()
                .map_err(|_| invalid(name, format!("{raw:?} is not a whole number"))),
        }
    };
    let text = |name: &str, default: &str| match field(f, name) {
        "" => default.to_owned(),
        v => v.replace(',', "."),
    };
    let s = SettingsText {
        names_min: num("names_min", d.names_min)?,
        names_max: num("names_max", d.names_max)?,
        quorum: text("quorum", &d.quorum),
        delegates_per_rt: num("delegates_per_rt", d.delegates_per_rt)?,
        bkm_seats: num("bkm_seats", d.bkm_seats)?,
        bkm_names_min: num("bkm_names_min", d.bkm_names_min)?,
        bkm_names_max: num("bkm_names_max", d.bkm_names_max)?,
        tie_rule: match field(f, "tie_rule") {
            "" | "revote" => TieRule::Revote,
            "lot" => TieRule::Lot,
            other => {
                return Err(invalid(
                    "tie_rule",
                    format!("{other:?} is neither revote nor lot"),
                ))
            }
        },
        women_target: text("women_target", &d.women_target),
        term_years: num("term_years", d.term_years.into())?
            .try_into()
            .map_err(|_| invalid("term_years", "a term is 1 to 10 years"))?,
        check_residents: matches!(field(f, "check_residents"), "1" | "on" | "true"),
    };
    Ok(s.checked().map_err(lumbung_store::StoreError::from)?)
}

pub async fn settings_save(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(code): Path<String>,
    Form(f): Form<Pairs>,
) -> Result<Response, AppError> {
    kelurahan_in_scope(&state, &viewer, &code).await?;
    let settings = settings_from(&f)?;
    let (c, actor) = (code.clone(), viewer.actor()?);
    state
        .blocking(move |s| s.set_election_settings(&c, settings, &actor))
        .await?;
    Ok(redirect(&format!("/election/kelurahan/{code}")))
}

fn new_election(
    level: &str,
    area: &str,
    held_on: &str,
    today: Date,
) -> Result<NewElection, AppError> {
    Ok(NewElection {
        level: ElectionLevel::parse(level)
            .ok_or_else(|| invalid("level", format!("{level:?} is not rt, bkm or coordinator")))?,
        area_code: area.trim().to_owned(),
        held_on: date_of(held_on, "held_on", today)?,
    })
}

pub async fn create(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Form(f): Form<Pairs>,
) -> Result<Response, AppError> {
    let new = new_election(
        field(&f, "level"),
        field(&f, "area"),
        field(&f, "held_on"),
        state.store.clock().today(),
    )?;
    let (scope, actor) = (committee_scope(&viewer)?, viewer.actor()?);
    let id = state
        .blocking(move |s| s.create_election(&new, &scope, &actor))
        .await?;
    Ok(redirect(&format!("/election/{id}")))
}

/// The committee's page of a poll: where the count stands and what is left.
pub async fn poll_page(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    uri: Uri,
    Path(id): Path<String>,
) -> Result<Html<String>, AppError> {
    let e = poll_in_scope(&state, &viewer, &id).await?;
    let (c, (a, b)) = state
        .blocking(move |s| Ok((s.election_count(e.id)?, s.election_entries(e.id)?)))
        .await?;
    let names = |rows: &[lumbung_store::BallotRow], id: &str| {
        rows.iter()
            .find(|r| r.ballot_id == id)
            .map(|r| r.names.clone())
    };
    let diffs: Vec<Value> = c
        .differences
        .iter()
        .map(|d| {
            let id = d.difference.ballot_id();
            let kind = serde_json::to_value(&d.difference)
                .ok()
                .and_then(|v| v["kind"].as_str().map(str::to_owned))
                .unwrap_or_default();
            json!({
                "ballot_id": id,
                "kind": kind,
                "a": names(&a, id),
                "b": names(&b, id),
                "resolved": d.resolved,
                "resolution": c.resolutions.iter().find(|r| r.ballot_id == id),
            })
        })
        .collect();
    let me = viewer
        .user()
        .map(|u| u.username.clone())
        .unwrap_or_default();
    let my_entry = if c.entry_a.entered_by.contains(&me) {
        "a"
    } else if c.entry_b.entered_by.contains(&me) {
        "b"
    } else {
        ""
    };
    render(
        &viewer,
        &uri,
        "election_poll.html",
        context! {
            c => c,
            summary => c.summary(),
            diffs => diffs,
            can_write => can_write(&viewer, Resource::Election) && c.election.published_at.is_none(),
            can_publish => can_write(&viewer, Resource::ElectionResult) && c.election.published_at.is_none(),
            my_entry => my_entry,
            today => state.store.clock().today(),
        },
    )
}

/// A register names voters: each reading is audited (no names in the entry).
async fn read_register(
    state: &AppState,
    viewer: &Viewer,
    e: &Election,
    voters: usize,
) -> Result<(), AppError> {
    let details = json!({"election": e.id, "voters": voters});
    crate::community::audit_read(state, viewer, "register", &e.area_code, details).await
}

pub async fn register_page(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    uri: Uri,
    Path(id): Path<String>,
) -> Result<Html<String>, AppError> {
    let e = poll_in_scope(&state, &viewer, &id).await?;
    let pid = e.id;
    let voters = state.blocking(move |s| s.election_voters(pid)).await?;
    read_register(&state, &viewer, &e, voters.len()).await?;
    let eligible = voters.iter().filter(|v| v.eligible).count();
    let voted = voters.iter().filter(|v| v.voted).count();
    render(
        &viewer,
        &uri,
        "election_register.html",
        context! {
            e => e,
            voters => voters,
            eligible => eligible,
            voted => voted,
            can_write => can_write(&viewer, Resource::Election) && e.published_at.is_none(),
        },
    )
}

fn voter_from(f: &Pairs) -> Result<VoterInput, AppError> {
    let sex = lumbung_store::parse_sex(field(f, "sex")).map_err(|m| invalid("sex", m))?;
    let birth_date = match field(f, "birth_date") {
        "" => None,
        raw => Some(raw.parse().map_err(|_| {
            invalid(
                "birth_date",
                format!("{raw:?} is not a date such as 1980-04-17"),
            )
        })?),
    };
    let age = match field(f, "age") {
        "" => None,
        raw => Some(
            raw.parse::<u16>()
                .ok()
                .filter(|a| *a <= 130)
                .ok_or_else(|| invalid("age", format!("{raw:?} is not an age in whole years")))?,
        ),
    };
    Ok(VoterInput {
        line: 1,
        name: field(f, "name").to_owned(),
        sex,
        birth_date,
        age,
        married: matches!(field(f, "married"), "1" | "on" | "true" | "ya" | "yes"),
    })
}

pub async fn add_voter(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Form(f): Form<Pairs>,
) -> Result<Response, AppError> {
    let e = poll_in_scope(&state, &viewer, &id).await?;
    let voter = voter_from(&f)?
        .checked(e.held_on)
        .map_err(lumbung_store::StoreError::from)?;
    let actor = viewer.actor()?;
    state
        .blocking(move |s| s.add_voters(e.id, "form", &[voter], &actor))
        .await?;
    Ok(redirect(&format!("/election/{}/register", e.id)))
}

/// A register file uploaded (multipart: `file`, or `text` pasted; the CSRF
/// token comes in the query string).
pub async fn import_voters(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    let e = poll_in_scope(&state, &viewer, &id).await?;
    let (mut name, mut bytes) = (String::from("register.csv"), Vec::new());
    while let Some(part) = multipart
        .next_field()
        .await
        .map_err(|e| AppError::bad_request(e.body_text()))?
    {
        match part.name().unwrap_or_default() {
            "file" => {
                if let Some(n) = part.file_name().filter(|n| !n.is_empty()) {
                    name = n.to_owned();
                }
                let b = part
                    .bytes()
                    .await
                    .map_err(|e| AppError::bad_request(e.body_text()))?;
                if !b.is_empty() {
                    bytes = b.to_vec();
                }
            }
            "text" => {
                let t = part
                    .text()
                    .await
                    .map_err(|e| AppError::bad_request(e.body_text()))?;
                if bytes.is_empty() && !t.trim().is_empty() {
                    bytes = t.into_bytes();
                }
            }
            _ => {}
        }
    }
    if bytes.is_empty() {
        return Err(invalid("file", "choose a file or paste the register"));
    }
    let voters = read_voters(&name, &bytes).map_err(lumbung_store::StoreError::from)?;
    let actor = viewer.actor()?;
    state
        .blocking(move |s| s.add_voters(e.id, &name, &voters, &actor))
        .await?;
    Ok(redirect(&format!("/election/{}/register", e.id)))
}

pub async fn mark_voted(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Form(f): Form<Pairs>,
) -> Result<Response, AppError> {
    let e = poll_in_scope(&state, &viewer, &id).await?;
    let voters = fields(&f, "voter")
        .map(|v| {
            v.parse::<i64>()
                .map_err(|_| invalid("voter", format!("{v:?} is not a voter")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let voted = field(&f, "voted") != "0";
    let actor = viewer.actor()?;
    state
        .blocking(move |s| s.mark_voted(e.id, &voters, voted, &actor))
        .await?;
    Ok(redirect(&format!("/election/{}/register", e.id)))
}

pub async fn remove_voter(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Form(f): Form<Pairs>,
) -> Result<Response, AppError> {
    let e = poll_in_scope(&state, &viewer, &id).await?;
    let voter: i64 = field(&f, "voter")
        .parse()
        .map_err(|_| invalid("voter", "choose a voter"))?;
    let actor = viewer.actor()?;
    state
        .blocking(move |s| s.remove_voter(e.id, voter, &actor))
        .await?;
    Ok(redirect(&format!("/election/{}/register", e.id)))
}

/// Both entries of the ballot box side by side, and the entry form.
pub async fn ballots_page(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    uri: Uri,
    Path(id): Path<String>,
) -> Result<Html<String>, AppError> {
    let e = poll_in_scope(&state, &viewer, &id).await?;
    let pid = e.id;
    let (a, b) = state.blocking(move |s| s.election_entries(pid)).await?;
    let settings = &e.settings;
    let me = viewer
        .user()
        .map(|u| u.username.clone())
        .unwrap_or_default();
    let my_entry = if a.iter().any(|r| r.entered_by == me) {
        "a"
    } else if b.iter().any(|r| r.entered_by == me) {
        "b"
    } else {
        ""
    };
    let (min, max) = match e.level {
        ElectionLevel::Rt => (settings.names.min(), settings.names.max()),
        ElectionLevel::Bkm => (settings.bkm_names.min(), settings.bkm_names.max()),
        ElectionLevel::Coordinator => (1, 1),
    };
    render(
        &viewer,
        &uri,
        "election_ballots.html",
        context! {
            e => e,
            a => a,
            b => b,
            my_entry => my_entry,
            names_min => min,
            names_max => max,
            can_write => can_write(&viewer, Resource::Election) && e.published_at.is_none(),
        },
    )
}

pub async fn enter_ballots(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Form(f): Form<Pairs>,
) -> Result<Response, AppError> {
    let e = poll_in_scope(&state, &viewer, &id).await?;
    let entry = BallotEntry::parse(field(&f, "entry"))
        .ok_or_else(|| invalid("entry", "choose entry A or entry B"))?;
    let ballots = read_ballot_lines(field(&f, "lines")).map_err(lumbung_store::StoreError::from)?;
    if ballots.is_empty() {
        return Err(invalid(
            "lines",
            "type one ballot per line: ballot id, names",
        ));
    }
    let actor = viewer.actor()?;
    state
        .blocking(move |s| s.enter_ballots(e.id, entry, &ballots, &actor))
        .await?;
    Ok(redirect(&format!("/election/{}/ballots", e.id)))
}

pub async fn correct_ballot(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Form(f): Form<Pairs>,
) -> Result<Response, AppError> {
    let e = poll_in_scope(&state, &viewer, &id).await?;
    let entry = BallotEntry::parse(field(&f, "entry"))
        .ok_or_else(|| invalid("entry", "choose entry A or entry B"))?;
    let ballot = field(&f, "ballot_id").to_owned();
    let names = (field(&f, "remove") != "1").then(|| name_list(field(&f, "names")));
    let actor = viewer.actor()?;
    state
        .blocking(move |s| s.correct_ballot(e.id, entry, &ballot, names.as_deref(), &actor))
        .await?;
    Ok(redirect(&format!("/election/{}/ballots", e.id)))
}

pub async fn resolve(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Form(f): Form<Pairs>,
) -> Result<Response, AppError> {
    let e = poll_in_scope(&state, &viewer, &id).await?;
    let ballot = field(&f, "ballot_id").to_owned();
    let names = (field(&f, "not_a_ballot") != "1").then(|| name_list(field(&f, "names")));
    let note = field(&f, "note").to_owned();
    let actor = viewer.actor()?;
    state
        .blocking(move |s| s.resolve_ballot(e.id, &ballot, names.as_deref(), &note, &actor))
        .await?;
    Ok(redirect(&format!("/election/{}#differences", e.id)))
}

pub async fn add_groups(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Form(f): Form<Pairs>,
) -> Result<Response, AppError> {
    let e = poll_in_scope(&state, &viewer, &id).await?;
    let person = field(&f, "person").to_owned();
    let written: Vec<String> = fields(&f, "written").map(str::to_owned).collect();
    if person.is_empty() || written.is_empty() {
        return Err(invalid(
            "person",
            "name the person and at least one written form",
        ));
    }
    let actor = viewer.actor()?;
    state
        .blocking(move |s| {
            for w in &written {
                s.add_group(e.id, w, &person, &actor)?;
            }
            Ok(())
        })
        .await?;
    Ok(redirect(&format!("/election/{}#groups", e.id)))
}

pub async fn remove_group(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Form(f): Form<Pairs>,
) -> Result<Response, AppError> {
    let e = poll_in_scope(&state, &viewer, &id).await?;
    let written = field(&f, "written").to_owned();
    let actor = viewer.actor()?;
    state
        .blocking(move |s| s.remove_group(e.id, &written, &actor))
        .await?;
    Ok(redirect(&format!("/election/{}#groups", e.id)))
}

pub async fn door_to_door(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Form(f): Form<Pairs>,
) -> Result<Response, AppError> {
    let e = poll_in_scope(&state, &viewer, &id).await?;
    let on = date_of(field(&f, "on"), "on", state.store.clock().today())?;
    let note = field(&f, "note").to_owned();
    let actor = viewer.actor()?;
    state
        .blocking(move |s| s.record_door_to_door(e.id, on, &note, &actor))
        .await?;
    Ok(redirect(&format!("/election/{}", e.id)))
}

fn tie_from(f: &Pairs) -> Result<TieInput, AppError> {
    let rule = match field(f, "rule") {
        "revote" => TieRule::Revote,
        "lot" => TieRule::Lot,
        other => {
            return Err(invalid(
                "rule",
                format!("{other:?} is neither revote nor lot"),
            ))
        }
    };
    let mut revote = Vec::new();
    for (k, v) in f {
        if let Some(name) = k.strip_prefix("votes:") {
            let v = v.trim();
            if v.is_empty() {
                continue;
            }
            let n: u64 = v
                .parse()
                .map_err(|_| invalid(k, format!("{v:?} is not a number of votes")))?;
            revote.push((name.to_owned(), n));
        }
    }
    Ok(TieInput {
        rule,
        winners: fields(f, "winner").map(str::to_owned).collect(),
        revote,
        note: field(f, "note").to_owned(),
    })
}

pub async fn tie(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Form(f): Form<Pairs>,
) -> Result<Response, AppError> {
    let e = poll_in_scope(&state, &viewer, &id).await?;
    let input = tie_from(&f)?;
    let actor = viewer.actor()?;
    state
        .blocking(move |s| s.record_tie(e.id, &input, &actor))
        .await?;
    Ok(redirect(&format!("/election/{}", e.id)))
}

pub async fn publish(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let e = poll_in_scope(&state, &viewer, &id).await?;
    let actor = viewer.actor()?;
    let step = state
        .blocking(move |s| s.publish_election(e.id, &actor))
        .await?;
    Ok(redirect(&match step {
        PublishStep::Proposed(_) => format!("/election/{}#publication", e.id),
        PublishStep::Published(_) => format!("/election/results/{}", e.id),
    }))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SheetQuery {
    from: Option<u32>,
    count: Option<u32>,
    per_page: Option<u32>,
}

/// Blank ballots for printing: numbered (the number is the ballot id the
/// two entries use), `per_page` to an A4 page, a line per name.
pub async fn ballot_sheets(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    uri: Uri,
    Path(id): Path<String>,
    Query(q): Query<SheetQuery>,
) -> Result<Html<String>, AppError> {
    let e = poll_in_scope(&state, &viewer, &id).await?;
    let settings = &e.settings;
    let (min, max) = match e.level {
        ElectionLevel::Rt => (settings.names.min(), settings.names.max()),
        ElectionLevel::Bkm => (settings.bkm_names.min(), settings.bkm_names.max()),
        ElectionLevel::Coordinator => (1, 1),
    };
    // Ballot numbers stay far from the end of u32.
    let from = q.from.unwrap_or(1).clamp(1, 1_000_000_000);
    let count = q.count.unwrap_or(12).clamp(1, 1000);
    let per_page = q.per_page.unwrap_or(6).clamp(1, 12);
    let numbers: Vec<u32> = (from..from + count).collect();
    let pages: Vec<Vec<u32>> = numbers
        .chunks(per_page as usize)
        .map(<[u32]>::to_vec)
        .collect();
    render(
        &viewer,
        &uri,
        "election_sheets.html",
        context! {
            e => e,
            pages => pages,
            lines => (1..=max).collect::<Vec<_>>(),
            names_min => min,
            names_max => max,
            from => from,
            count => count,
            per_page => per_page,
        },
    )
}

/// The minutes (berita acara) of the count as it stands, for the committee
/// to check before publishing.
pub async fn draft_minutes(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    uri: Uri,
    Path(id): Path<String>,
) -> Result<Html<String>, AppError> {
    let e = poll_in_scope(&state, &viewer, &id).await?;
    let c = state.blocking(move |s| s.election_count(e.id)).await?;
    render(
        &viewer,
        &uri,
        "election_minutes.html",
        context! { r => c.summary(), draft => !c.ready || c.election.published_at.is_none(), ready => c.ready, sha256 => "" },
    )
}

// ------------------------------------------------------ published results

async fn published(state: &AppState, raw: &str) -> Result<Published, AppError> {
    let id = parse_id(raw)?;
    state
        .blocking(move |s| s.published_election(id))
        .await?
        .ok_or_else(|| AppError::not_found(format!("published election {raw}")))
}

pub async fn results_page(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    uri: Uri,
) -> Result<Html<String>, AppError> {
    let results = state.blocking(|s| s.published_elections()).await?;
    render(
        &viewer,
        &uri,
        "election_results.html",
        context! { results => results },
    )
}

/// A published result: votes per nominee, the groupings, the decisions and
/// the files to recount it. Nothing of the register.
pub async fn result_page(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    uri: Uri,
    Path(id): Path<String>,
) -> Result<Html<String>, AppError> {
    let p = published(&state, &id).await?;
    render(
        &viewer,
        &uri,
        "election_result.html",
        context! {
            r => p.snapshot,
            id => p.election_id,
            sha256 => p.sha256,
            has_residents => p.residents_csv.is_some(),
            committee => can_read(&viewer, Resource::Election),
        },
    )
}

pub async fn result_minutes(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    uri: Uri,
    Path(id): Path<String>,
) -> Result<Html<String>, AppError> {
    let p = published(&state, &id).await?;
    render(
        &viewer,
        &uri,
        "election_minutes.html",
        context! { r => p.snapshot, draft => false, ready => true, sha256 => p.sha256 },
    )
}

fn csv_file(name: &str, text: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        text,
    )
        .into_response()
}

pub async fn ballots_csv(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    Ok(csv_file(
        "BALLOTS.csv",
        published(&state, &id).await?.ballots_csv,
    ))
}

pub async fn groups_csv(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    Ok(csv_file(
        "GROUPS.csv",
        published(&state, &id).await?.groups_csv,
    ))
}

pub async fn residents_csv(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let p = published(&state, &id).await?;
    let text = p
        .residents_csv
        .ok_or_else(|| AppError::not_found(format!("RESIDENTS.csv of election {id}")))?;
    Ok(csv_file("RESIDENTS.csv", text))
}

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
        .blocking(move |s| s.mark_voted(e.id, &b.voters, b.voted, &actor))
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
