//! Reading a poll's rows: the poll and where it sits, its register, the
//! entries, resolutions, groupings, tie decision and door-to-door notes;
//! and the count, which loads them and asks `lumbung_community::election::
//! count`.

use super::types::{Count, DoorToDoor, Election, Entry, GroupRow, TieSigners};
use crate::db::{params, Connection, OptionalExtension, Row, Transaction};
use crate::{Actor, Result, StoreError};
use jiff::civil::Date;
use lumbung_community::election::{
    count, BallotRow, CountInput, ElectionSettings, Grouping, Invalid, Level, Resolution,
    TieRecord, Voter,
};
use lumbung_domain::{text, AreaPath, Placement, PollId, Sex, VoterId};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;

/// A stored date that does not read back, shown as it is stored.
pub(super) fn stored_date(raw: String) -> lumbung_domain::Text {
    lumbung_domain::Text::verbatim("stored_date", raw)
}

pub(super) fn invalid(field: &str, message: impl Into<lumbung_domain::Text>) -> StoreError {
    StoreError::invalid(field, message)
}

impl From<Invalid> for StoreError {
    fn from(e: Invalid) -> Self {
        StoreError::invalid(e.field, e.message)
    }
}

pub(super) fn sex_str(s: Option<Sex>) -> Option<&'static str> {
    s.map(|s| match s {
        Sex::Female => "female",
        Sex::Male => "male",
    })
}

fn sex_parse(raw: Option<String>) -> Option<Sex> {
    match raw.as_deref() {
        Some("female") => Some(Sex::Female),
        Some("male") => Some(Sex::Male),
        _ => None,
    }
}

pub(super) fn names_json(names: &[String]) -> String {
    serde_json::to_string(names).expect("names serialise")
}

pub(super) fn names_from(raw: &str) -> Vec<String> {
    serde_json::from_str(raw).unwrap_or_default()
}

pub(super) fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// An `election_polls` row with its area and kelurahan.
struct PollRow {
    id: i64,
    level: String,
    area_code: String,
    area_name: String,
    area_path: String,
    kelurahan_code: String,
    kelurahan_name: String,
    kelurahan_path: String,
    held_on: String,
    created_at: String,
    published_at: Option<String>,
    term_start: Option<String>,
    term_end: Option<String>,
    settings: Option<String>,
}

impl PollRow {
    fn read(r: &Row<'_>) -> crate::db::Result<PollRow> {
        from_row!(
            r,
            PollRow {
                id,
                level,
                area_code,
                area_name,
                kelurahan_code,
                kelurahan_name,
                kelurahan_path,
                held_on,
                created_at,
                published_at,
                term_start,
                term_end,
                area_path,
                settings
            }
        )
    }
}

/// The poll row and where it sits.
pub(super) fn load_election(conn: &Connection, id: PollId) -> Result<Option<Election>> {
    let row = crate::sql::optional_row(
        conn,
        "SELECT p.id, p.level, p.area_code, a.name, p.kelurahan_code, k.name, k.path,
                    p.held_on, p.created_at, p.published_at, p.term_start, p.term_end, a.path,
                    p.settings
             FROM election_polls p JOIN areas a ON a.code = p.area_code
             JOIN areas k ON k.code = p.kelurahan_code WHERE p.id = ?1",
        [id.get()],
        PollRow::read,
    )?;
    let Some(row) = row else {
        return Ok(None);
    };
    let date = |s: String| {
        s.parse::<Date>()
            .map_err(|_| invalid("date", stored_date(s)))
    };
    Ok(Some(Election {
        id: PollId::new(row.id),
        level: Level::parse(&row.level).unwrap_or(Level::Rt),
        area_code: row.area_code,
        area_name: row.area_name,
        kelurahan_code: row.kelurahan_code,
        kelurahan_name: row.kelurahan_name,
        held_on: date(row.held_on)?,
        created_at: row.created_at,
        published_at: row.published_at,
        term_start: row.term_start.map(date).transpose()?,
        term_end: row.term_end.map(date).transpose()?,
        settings: match row.settings {
            Some(json) => ElectionSettings::from_json(&json)?,
            None => ElectionSettings::default(),
        },
        placement: Placement {
            area: Some(AreaPath::from_stored(row.area_path)),
            orgs: orgs_within(conn, &AreaPath::from_stored(row.kelurahan_path))?,
        },
    }))
}

/// The organisations placed in `kelurahan` (or under it), with their
/// ancestors: whoever is scoped to one of them works with its elections.
pub(super) fn orgs_within(conn: &Connection, kelurahan: &AreaPath) -> Result<Vec<i64>> {
    let mut stmt = conn.prepare(
        "SELECT o.id FROM organisations o JOIN areas a ON a.code = o.area_code
         WHERE a.path >= ?1 AND a.path < ?2 ORDER BY o.id",
    )?;
    let ids: Vec<i64> = stmt
        .query_map(params![kelurahan.as_str(), kelurahan.subtree_end()], |r| {
            r.get(0)
        })?
        .collect::<crate::db::Result<_>>()?;
    let mut all = BTreeSet::new();
    for id in ids {
        all.extend(crate::orgs::lineage(conn, id)?);
    }
    Ok(all.into_iter().collect())
}

/// "election 7", as what was not found.
pub(super) fn election_text(poll: PollId) -> lumbung_domain::Text {
    text!("election", election = poll; id: "pemilihan {election}", en: "election {election}")
}

/// The poll, refused when it is published (its result is kept as it was).
pub(super) fn open_poll(conn: &Connection, id: PollId) -> Result<Election> {
    let e = load_election(conn, id)?.ok_or_else(|| StoreError::not_found(election_text(id)))?;
    if e.published_at.is_some() {
        return Err(StoreError::conflict(
            text!("election_published", election = id;
            id: "pemilihan {election} sudah diumumkan: hasilnya disimpan apa adanya",
            en: "election {election} is published: its result is kept as it was"),
        ));
    }
    Ok(e)
}

/// The poll's area path, as the audit log records it.
pub(super) fn area_of(e: &Election) -> Option<&str> {
    e.placement.area.as_ref().map(AreaPath::as_str)
}

/// Records `action` on the poll `e` in the audit log, scoped by its area.
pub(super) fn record_on_poll(
    tx: &Transaction<'_>,
    actor: &Actor,
    action: &str,
    e: &Election,
    details: serde_json::Value,
) -> Result<()> {
    crate::audit::record(
        tx,
        actor,
        action,
        "election",
        &e.id.to_string(),
        area_of(e),
        details,
    )
}

pub(super) fn settings_tx(conn: &Connection, kelurahan: &str) -> Result<ElectionSettings> {
    let raw: Option<String> = crate::sql::optional(
        conn,
        "SELECT settings FROM election_settings WHERE kelurahan_code = ?1",
        [kelurahan],
    )?;
    match raw {
        Some(json) => Ok(ElectionSettings::from_json(&json)?),
        None => Ok(ElectionSettings::default()),
    }
}

pub(super) fn voters_tx(conn: &Connection, poll: PollId) -> Result<Vec<Voter>> {
    crate::sql::all(
        conn,
        "SELECT id, name, sex, birth_date, age, married, eligible, voted FROM election_voters
         WHERE poll = ?1 ORDER BY lower(name), id",
        [poll.get()],
        |r| {
            from_row!(
                r,
                Voter {
                    id: VoterId::new,
                    name,
                    sex: sex_parse,
                    birth_date: |v: Option<String>| v.and_then(|d| d.parse().ok()),
                    age,
                    married,
                    eligible,
                    voted,
                }
            )
        },
    )
}

pub(super) fn entry_tx(conn: &Connection, poll: PollId, entry: Entry) -> Result<Vec<BallotRow>> {
    let sql = format!(
        "SELECT {BALLOT_COLUMNS} FROM election_ballots WHERE poll = ?1 AND entry = ?2 ORDER BY seq"
    );
    crate::sql::all(conn, &sql, params![poll.get(), entry.as_str()], ballot_row)
}

/// Who made entry `entry` of `poll` so far, in name order.
pub(super) fn makers_tx(conn: &Connection, poll: PollId, entry: Entry) -> Result<Vec<String>> {
    crate::sql::all(
        conn,
        "SELECT DISTINCT entered_by FROM election_ballots WHERE poll = ?1 AND entry = ?2 ORDER BY entered_by",
        params![poll.get(), entry.as_str()],
        |r| r.get(0),
    )
}

/// The columns [`ballot_row`] reads.
pub(super) const BALLOT_COLUMNS: &str = "ballot_id, names, entered_by, entered_at";

/// A ballot of an entry, from [`BALLOT_COLUMNS`].
pub(super) fn ballot_row(r: &crate::db::Row<'_>) -> crate::db::Result<BallotRow> {
    from_row!(
        r,
        BallotRow {
            ballot_id,
            names: |n: String| names_from(&n),
            entered_by,
            entered_at,
        }
    )
}

pub(super) fn resolutions_tx(conn: &Connection, poll: PollId) -> Result<Vec<Resolution>> {
    crate::sql::all(
        conn,
        "SELECT ballot_id, names, note, resolved_by, resolved_at FROM election_resolutions
         WHERE poll = ?1 ORDER BY resolved_at, ballot_id",
        [poll.get()],
        |r| {
            from_row!(
                r,
                Resolution {
                    ballot_id,
                    names: |n: Option<String>| n.map(|n| names_from(&n)),
                    note,
                    resolved_by,
                    resolved_at,
                }
            )
        },
    )
}

pub(super) fn groups_tx(conn: &Connection, poll: PollId) -> Result<Vec<GroupRow>> {
    crate::sql::all(
        conn,
        "SELECT written, person, confirmed_by FROM election_groups WHERE poll = ?1 ORDER BY id",
        [poll.get()],
        |r| {
            from_row!(
                r,
                GroupRow {
                    written,
                    person,
                    confirmed_by
                }
            )
        },
    )
}

pub(super) fn grouping_of(rows: &[GroupRow]) -> Result<Grouping> {
    let mut g = Grouping::new();
    for row in rows {
        g.add(&row.written, &row.person)
            .map_err(|e| invalid("written", e.text()))?;
    }
    Ok(g)
}

pub(super) fn tie_tx(conn: &Connection, poll: PollId) -> Result<Option<(TieRecord, TieSigners)>> {
    let raw = crate::sql::optional_row(
        conn,
        "SELECT decision, decided_by, decided_at, confirmed_by, confirmed_at
             FROM election_ties WHERE poll = ?1",
        [poll.get()],
        |r| {
            Ok((
                r.get::<_, String>(0)?,
                TieSigners {
                    decided_by: r.get(1)?,
                    decided_at: r.get(2)?,
                    confirmed_by: r.get(3)?,
                    confirmed_at: r.get(4)?,
                },
            ))
        },
    )?;
    Ok(raw.and_then(|(j, signers)| Some((serde_json::from_str(&j).ok()?, signers))))
}

fn door_to_door_tx(conn: &Connection, poll: PollId) -> Result<Vec<DoorToDoor>> {
    let mut stmt = conn.prepare(
        "SELECT on_date, note, recorded_by FROM election_door_to_door WHERE poll = ?1 ORDER BY on_date, id",
    )?;
    let rows = stmt.query_map([poll.get()], |r| {
        from_row!(
            r,
            DoorToDoorRow {
                on,
                note,
                recorded_by
            }
        )
    })?;
    rows.map(|r| {
        let DoorToDoorRow {
            on,
            note,
            recorded_by,
        } = r?;
        Ok(DoorToDoor {
            on: on
                .parse()
                .map_err(|_| invalid("on", stored_date(on.clone())))?,
            note,
            recorded_by,
        })
    })
    .collect()
}

/// An `election_door_to_door` row as stored.
struct DoorToDoorRow {
    on: String,
    note: String,
    recorded_by: String,
}

fn sources_tx(conn: &Connection, poll: PollId) -> Result<Vec<PollId>> {
    let mut stmt =
        conn.prepare("SELECT source FROM election_sources WHERE poll = ?1 ORDER BY source")?;
    let rows = stmt.query_map([poll.get()], |r| r.get(0).map(PollId::new))?;
    Ok(rows.collect::<crate::db::Result<_>>()?)
}

/// Loads a poll's records and counts them (`lumbung_community::election::
/// count`), so that the page, the API and the published result show one
/// count.
pub(super) fn count_tx(conn: &Connection, id: PollId) -> Result<Count> {
    let election =
        load_election(conn, id)?.ok_or_else(|| StoreError::not_found(election_text(id)))?;
    let settings = election.settings.clone();
    let voters = voters_tx(conn, id)?;
    let (a, b) = (entry_tx(conn, id, Entry::A)?, entry_tx(conn, id, Entry::B)?);
    let resolutions = resolutions_tx(conn, id)?;
    let groups = groups_tx(conn, id)?;
    let grouping = grouping_of(&groups)?;
    let (tie, tie_signers) = tie_tx(conn, id)?.unzip();
    let t = count(&CountInput {
        level: election.level,
        settings: &settings,
        voters: &voters,
        entry_a: &a,
        entry_b: &b,
        resolutions: &resolutions,
        grouping: &grouping,
        tie: tie
            .as_ref()
            .zip(tie_signers.as_ref())
            .map(|(t, s)| (t, s.confirmed_by.is_some())),
    });
    Ok(Count {
        ready: t.blockers.is_empty(),
        election,
        seats: t.seats,
        registered: t.registered,
        eligible: t.eligible,
        voted: t.voted,
        entry_a: t.entry_a,
        entry_b: t.entry_b,
        // Those that hold (their ballot still differs), as the count.
        resolutions: resolutions
            .into_iter()
            .filter(|r| {
                t.differences
                    .iter()
                    .any(|d| d.difference.ballot_id() == r.ballot_id)
            })
            .collect(),
        differences: t.differences,
        unresolved: t.unresolved,
        ballots: t.ballots,
        groups,
        suggestions: t.suggestions,
        recount: t.recount,
        tie,
        tie_signers,
        publication: None,
        count_sha256: None,
        elected: t.elected,
        women: t.women,
        door_to_door: door_to_door_tx(conn, id)?,
        blockers: t.blockers,
        voted_mismatch: t.voted_mismatch,
        settings,
        sources: sources_tx(conn, id)?,
    })
}

/// The kelurahan an area is in (itself, or its nearest ancestor of kind
/// `kelurahan`): its code and path.
pub(super) fn kelurahan_of(conn: &Connection, code: &str) -> Result<Option<(String, String)>> {
    let path = crate::sql::area_path(conn, code)?;
    let Some(path) = path else { return Ok(None) };
    let mut stmt =
        conn.prepare("SELECT code, path FROM areas WHERE code = ?1 AND kind = 'kelurahan'")?;
    for c in path.trim_matches('/').split('/').rev() {
        if let Some(found) = stmt.query_row([c], |r| r.try_into()).optional()? {
            return Ok(Some(found));
        }
    }
    Ok(None)
}
