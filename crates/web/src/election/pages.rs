//! The committee's pages: the elections in scope, a kelurahan's settings,
//! opening a poll and the poll's count.

use super::*;
use crate::auth::Ctx;
use lumbung_community::election::SettingsText;
use lumbung_domain::AreaPath;
use lumbung_store::{AreaFilter, NewElection};
use std::collections::HashMap;

// ---------------------------------------------------------------- pages

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct IndexQuery {
    kelurahan: Option<String>,
}

/// The elections: published results for everyone; for the committee, the
/// BKM and auditors, the polls in their scope and the kelurahan to open.
pub async fn index(
    Ctx { state, viewer, uri }: Ctx,
    Query(q): Query<IndexQuery>,
) -> Result<Response, AppError> {
    if let Some(k) = q
        .kelurahan
        .as_deref()
        .map(str::trim)
        .filter(|k| !k.is_empty())
    {
        let code =
            lumbung_domain::AreaCode::parse(k).map_err(|e| AppError::refused("kelurahan", e))?;
        return Ok(redirect(&format!("/election/kelurahan/{code}")));
    }
    let reads = can_read(&viewer, Resource::Election);
    // A committee member scoped to an organisation reaches no poll, so
    // lists none either.
    let lists = !org_scoped_committee(&viewer);
    let scope = viewer.scope();
    let within: Option<AreaPath> = scope.area_path().cloned();
    let (results, polls, kelurahan) = state
        .blocking(move |s| {
            let results = s.published_elections(super::RESULTS_LISTED)?;
            if !reads {
                return Ok((results, vec![], vec![]));
            }
            let polls = if lists { s.elections(&scope)? } else { vec![] };
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
    Ctx { state, viewer, uri }: Ctx,
    Path(code): Path<String>,
) -> Result<Html<String>, AppError> {
    kelurahan_view(&state, &viewer, &uri, &code, None).await
}

/// A kelurahan's page; with `refused`, the settings form shows why it was
/// refused beside what was typed (`{typed, errors}`).
async fn kelurahan_view(
    state: &AppState,
    viewer: &Viewer,
    uri: &axum::http::Uri,
    code: &str,
    refused: Option<Value>,
) -> Result<Html<String>, AppError> {
    let (area, settings) = kelurahan_in_scope(state, viewer, code).await?;
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
        viewer,
        uri,
        "election_kelurahan.html",
        context! {
            area => json!({"code": area.code, "name": area.name}),
            settings => settings,
            refused => refused,
            rts => rts,
            level2 => level2,
            can_write => can_write(viewer, Resource::Election),
            today => state.store.clock().today(),
        },
    )
}

/// A kelurahan's election settings as typed.
#[derive(Debug, Default, Deserialize, serde::Serialize)]
#[serde(default)]
pub struct SettingsForm {
    names_min: String,
    names_max: String,
    quorum: String,
    delegates_per_rt: String,
    bkm_seats: String,
    bkm_names_min: String,
    bkm_names_max: String,
    tie_rule: String,
    women_target: String,
    term_years: String,
    check_residents: String,
}

/// Settings from the form: every field, defaults for the blank ones.
fn settings_from(f: &SettingsForm) -> Result<ElectionSettings, AppError> {
    let d = SettingsText::default();
    let num = |raw: &str, name: &str, default: usize| -> Result<usize, AppError> {
        match raw.trim() {
            "" => Ok(default),
            raw => raw.parse().map_err(|_| {
                invalid(
                    name,
                    text!("not_a_whole_number", value = format!("{raw:?}");
                        id: "{value} bukan bilangan bulat", en: "{value} is not a whole number"),
                )
            }),
        }
    };
    let text = |raw: &str, default: &str| match raw.trim() {
        "" => default.to_owned(),
        v => v.replace(',', "."),
    };
    let s = SettingsText {
        names_min: num(&f.names_min, "names_min", d.names_min)?,
        names_max: num(&f.names_max, "names_max", d.names_max)?,
        quorum: text(&f.quorum, &d.quorum),
        delegates_per_rt: num(&f.delegates_per_rt, "delegates_per_rt", d.delegates_per_rt)?,
        bkm_seats: num(&f.bkm_seats, "bkm_seats", d.bkm_seats)?,
        bkm_names_min: num(&f.bkm_names_min, "bkm_names_min", d.bkm_names_min)?,
        bkm_names_max: num(&f.bkm_names_max, "bkm_names_max", d.bkm_names_max)?,
        tie_rule: match f.tie_rule.trim() {
            "" | "revote" => TieRule::Revote,
            "lot" => TieRule::Lot,
            other => return Err(invalid("tie_rule", neither_revote_nor_lot(other))),
        },
        women_target: text(&f.women_target, &d.women_target),
        term_years: num(&f.term_years, "term_years", d.term_years.into())?
            .try_into()
            .map_err(|_| {
                invalid(
                    "term_years",
                    text!("election_term_years";
                    id: "masa bakti 1 sampai 10 tahun", en: "a term is 1 to 10 years"),
                )
            })?,
        check_residents: matches!(f.check_residents.trim(), "1" | "on" | "true"),
    };
    Ok(s.checked().map_err(lumbung_store::StoreError::from)?)
}

pub async fn settings_save(
    Ctx { state, viewer, uri }: Ctx,
    Path(code): Path<String>,
    MultiForm(f): MultiForm<SettingsForm>,
) -> Result<Response, AppError> {
    kelurahan_in_scope(&state, &viewer, &code).await?;
    let saved = match settings_from(&f) {
        Ok(settings) => {
            let c = code.clone();
            acting(&state, &viewer, move |s, actor| {
                s.set_election_settings(&c, settings, actor)
            })
            .await
        }
        Err(e) => Err(e),
    };
    match saved {
        Ok(()) => Ok(crate::edge::done(
            &format!("/election/kelurahan/{code}"),
            "saved",
        )),
        // Shown again beside the form, as typed, with why.
        Err(AppError::Invalid { field, message }) => {
            let refused = json!({
                "typed": f,
                "field": field,
                "errors": [message.get(viewer.lang.into())],
            });
            let html = kelurahan_view(&state, &viewer, &uri, &code, Some(refused)).await?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
        Err(e) => Err(e),
    }
}

pub(super) fn new_election(
    level: &str,
    area: &str,
    held_on: &str,
    today: Date,
) -> Result<NewElection, AppError> {
    Ok(NewElection {
        level: ElectionLevel::parse(level).ok_or_else(|| {
            invalid(
                "level",
                text!("election_level", value = format!("{level:?}");
                    id: "{value} bukan rt, bkm atau coordinator",
                    en: "{value} is not rt, bkm or coordinator"),
            )
        })?,
        area_code: area.trim().to_owned(),
        held_on: date_of(held_on, "held_on", today)?,
    })
}

/// A poll opened: its level, its area, the day it is held.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NewPollForm {
    level: String,
    area: String,
    held_on: String,
}

pub async fn create(
    Ctx { state, viewer, .. }: Ctx,
    MultiForm(f): MultiForm<NewPollForm>,
) -> Result<Response, AppError> {
    let new = new_election(
        f.level.trim(),
        f.area.trim(),
        f.held_on.trim(),
        state.store.clock().today(),
    )?;
    let scope = committee_scope(&viewer)?;
    let id = acting(&state, &viewer, move |s, actor| {
        s.create_election(&new, &scope, actor)
    })
    .await?;
    Ok(redirect(&format!("/election/{id}")))
}

/// `rows` by their id, the first of each.
fn by_id<T>(rows: &[T], id: impl Fn(&T) -> &str) -> HashMap<&str, &T> {
    let mut found = HashMap::with_capacity(rows.len());
    for r in rows {
        found.entry(id(r)).or_insert(r);
    }
    found
}

/// The committee's page of a poll: where the count stands and what is left.
pub async fn poll_page(
    Ctx { state, viewer, uri }: Ctx,
    InScope(e): InScope<Election>,
) -> Result<Html<String>, AppError> {
    poll_view(&state, &viewer, &uri, &e, None).await
}

/// The poll's page; with `failed`, the form that failed shows why beside
/// its fields and keeps what was typed.
pub(super) async fn poll_view(
    state: &AppState,
    viewer: &Viewer,
    uri: &axum::http::Uri,
    e: &Election,
    failed: Option<Failed>,
) -> Result<Html<String>, AppError> {
    let poll = e.id;
    let (mut c, (a, b)) = state
        .blocking(move |s| Ok((s.election_count(poll)?, s.election_entries(poll)?)))
        .await?;
    let sight = count_in_sight(viewer, e, &mut c);
    // Each ballot and resolution by its id (found one by one, a poll's
    // thousands of differences took the square of its ballots).
    let (a, b) = (by_id(&a, |r| &r.ballot_id), by_id(&b, |r| &r.ballot_id));
    let resolutions = by_id(&c.resolutions, |r| &r.ballot_id);
    let names = |rows: &HashMap<&str, &lumbung_store::BallotRow>, id: &str| {
        rows.get(id).map(|r| r.names.clone())
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
                "a": names(&a, id).filter(|_| sight.first),
                "b": names(&b, id).filter(|_| sight.second),
                "a_withheld": !sight.first,
                "b_withheld": !sight.second,
                "resolved": d.resolved,
                "resolution": resolutions.get(id),
            })
        })
        .collect();
    let mine = my_entry(viewer, &c.entry_a.entered_by, &c.entry_b.entered_by);
    render(
        viewer,
        uri,
        "election_poll.html",
        context! {
            c => c,
            summary => c.summary(),
            diffs => diffs,
            can_write => can_write(viewer, Resource::Election) && c.election.published_at.is_none(),
            can_publish => can_write(viewer, Resource::ElectionResult) && c.election.published_at.is_none(),
            my_entry => mine,
            today => state.store.clock().today(),
            failed => failed,
        },
    )
}
