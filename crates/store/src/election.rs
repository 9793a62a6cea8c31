//! The BKM election as stored: per-kelurahan settings, polls (an RT's level
//! 1, a kelurahan's level 2 and its coordinator vote), the voter register,
//! the two ballot entries and the committee's resolutions of their
//! differences, groupings of written names, door-to-door collections, tie
//! decisions and published results.
//!
//! The rules are `lumbung_community::election`'s; this module keeps the
//! data, assembles the ballot box the committee agreed on and counts it
//! with [`recount`], so that the page, the API and the published result
//! show one count. Every change is audited in its own transaction, and a
//! published poll takes no more changes.
//!
//! Secrecy: the register records only *that* a person voted (a flag — no
//! time, no order); ballots carry a ballot id and the names written, never
//! who wrote them.

mod committee;
mod files;
mod published;
mod types;

pub use files::{ballot_order, parse_married, parse_sex, read_ballot_lines, read_voters};
pub use types::{
    BallotRow, Blocker, Count, Difference, DoorToDoor, Election, ElectionSettings, Entry,
    EntryInfo, GroupRow, Level, NewElection, Publication, PublishStep, Published, PublishedSummary,
    Resolution, TieInput, TieRecord, TieSigners, Voter, VoterInput,
};

use crate::audit::record;
use crate::{now, Actor, Result, Store, StoreError};
use jiff::civil::Date;
use jiff::ToSpan;
use lumbung_community::election::{
    check_double_entry, check_resolution, check_second_member, compare_entries, recount,
    suggest_groups, women_share, BallotBox, EntryDifference, Fraction, Grouping, NameKey,
    NamesPerBallot, PersonName, Quorum, Recount, RecountConfig, Residents, Sex, Suggestion,
    TieDecision, TieRule, TwoMemberStep, WomenShare,
};
use lumbung_domain::import::{too_many_fields, too_many_rows, MAX_FIELDS, MAX_ROWS};
use lumbung_domain::{csv_text, AreaPath, ImportSummary, Placement, Rejected, RowError, Scope};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::{BTreeSet, HashMap};
use std::num::{NonZeroU64, NonZeroUsize};

fn invalid(field: &str, message: impl Into<String>) -> StoreError {
    StoreError::invalid(field, message)
}

fn sex_str(s: Option<Sex>) -> Option<&'static str> {
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

fn names_json(names: &[String]) -> String {
    serde_json::to_string(names).expect("names serialise")
}

fn names_from(raw: &str) -> Vec<String> {
    serde_json::from_str(raw).unwrap_or_default()
}

fn clean_names(names: &[String]) -> Vec<String> {
    names
        .iter()
        .map(|n| n.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|n| !n.is_empty())
        .collect()
}

/// The poll row and where it sits.
fn load_election(conn: &Connection, id: i64) -> Result<Option<Election>> {
    let row = conn
        .query_row(
            "SELECT p.id, p.level, p.area_code, a.name, p.kelurahan_code, k.name, k.path,
                    p.held_on, p.created_at, p.published_at, p.term_start, p.term_end, a.path,
                    p.settings
             FROM election_polls p JOIN areas a ON a.code = p.area_code
             JOIN areas k ON k.code = p.kelurahan_code WHERE p.id = ?1",
            [id],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, String>(7)?,
                    r.get::<_, String>(8)?,
                    r.get::<_, Option<String>>(9)?,
                    r.get::<_, Option<String>>(10)?,
                    r.get::<_, Option<String>>(11)?,
                    r.get::<_, String>(12)?,
                    r.get::<_, Option<String>>(13)?,
                ))
            },
        )
        .optional()?;
    let Some((
        id,
        level,
        area_code,
        area_name,
        kel_code,
        kel_name,
        kel_path,
        held_on,
        created_at,
        published_at,
        term_start,
        term_end,
        area_path,
        settings,
    )) = row
    else {
        return Ok(None);
    };
    let date = |s: String| s.parse::<Date>().map_err(|_| invalid("date", s));
    Ok(Some(Election {
        id,
        level: Level::parse(&level).unwrap_or(Level::Rt),
        area_code,
        area_name,
        kelurahan_code: kel_code,
        kelurahan_name: kel_name,
        held_on: date(held_on)?,
        created_at,
        published_at,
        term_start: term_start.map(date).transpose()?,
        term_end: term_end.map(date).transpose()?,
        settings: match settings {
            Some(json) => ElectionSettings::from_json(&json)?,
            None => ElectionSettings::default(),
        },
        placement: Placement {
            area: Some(AreaPath::from_stored(area_path)),
            orgs: orgs_within(conn, &AreaPath::from_stored(kel_path))?,
        },
    }))
}

/// The organisations placed in `kelurahan` (or under it), with their
/// ancestors: whoever is scoped to one of them works with its elections.
fn orgs_within(conn: &Connection, kelurahan: &AreaPath) -> Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT o.id FROM organisations o JOIN areas a ON a.code = o.area_code
         WHERE a.path >= ?1 AND a.path < ?2 ORDER BY o.id",
    )?;
    let ids: Vec<i64> = stmt
        .query_map(params![kelurahan.as_str(), kelurahan.subtree_end()], |r| {
            r.get(0)
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut all = BTreeSet::new();
    for id in ids {
        all.extend(crate::orgs::lineage(conn, id)?);
    }
    Ok(all.into_iter().collect())
}

/// The poll, refused when it is published (its result is kept as it was).
fn open_poll(conn: &Connection, id: i64) -> Result<Election> {
    let e =
        load_election(conn, id)?.ok_or_else(|| StoreError::NotFound(format!("election {id}")))?;
    if e.published_at.is_some() {
        return Err(StoreError::Conflict(format!(
            "election {id} is published: its result is kept as it was"
        )));
    }
    Ok(e)
}

fn settings_tx(conn: &Connection, kelurahan: &str) -> Result<ElectionSettings> {
    let raw: Option<String> = conn
        .query_row(
            "SELECT settings FROM election_settings WHERE kelurahan_code = ?1",
            [kelurahan],
            |r| r.get(0),
        )
        .optional()?;
    match raw {
        Some(json) => ElectionSettings::from_json(&json),
        None => Ok(ElectionSettings::default()),
    }
}

fn voters_tx(conn: &Connection, poll: i64) -> Result<Vec<Voter>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, name, sex, birth_date, age, married, eligible, voted FROM election_voters
         WHERE poll = ?1 ORDER BY name COLLATE NOCASE, id",
    )?;
    let rows = stmt.query_map([poll], |r| {
        Ok(Voter {
            id: r.get(0)?,
            name: r.get(1)?,
            sex: sex_parse(r.get(2)?),
            birth_date: r.get::<_, Option<String>>(3)?.and_then(|d| d.parse().ok()),
            age: r.get(4)?,
            married: r.get(5)?,
            eligible: r.get(6)?,
            voted: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn entry_tx(conn: &Connection, poll: i64, entry: Entry) -> Result<Vec<BallotRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT ballot_id, names, entered_by, entered_at FROM election_ballots
         WHERE poll = ?1 AND entry = ?2 ORDER BY seq",
    )?;
    let rows = stmt.query_map(params![poll, entry.as_str()], |r| {
        Ok(BallotRow {
            ballot_id: r.get(0)?,
            names: names_from(&r.get::<_, String>(1)?),
            entered_by: r.get(2)?,
            entered_at: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn resolutions_tx(conn: &Connection, poll: i64) -> Result<Vec<Resolution>> {
    let mut stmt = conn.prepare_cached(
        "SELECT ballot_id, names, note, resolved_by, resolved_at FROM election_resolutions
         WHERE poll = ?1 ORDER BY resolved_at, ballot_id",
    )?;
    let rows = stmt.query_map([poll], |r| {
        Ok(Resolution {
            ballot_id: r.get(0)?,
            names: r.get::<_, Option<String>>(1)?.map(|n| names_from(&n)),
            note: r.get(2)?,
            resolved_by: r.get(3)?,
            resolved_at: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn groups_tx(conn: &Connection, poll: i64) -> Result<Vec<GroupRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT written, person, confirmed_by FROM election_groups WHERE poll = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([poll], |r| {
        Ok(GroupRow {
            written: r.get(0)?,
            person: r.get(1)?,
            confirmed_by: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn grouping_of(rows: &[GroupRow]) -> Result<Grouping> {
    let mut g = Grouping::new();
    for row in rows {
        g.add(&row.written, &row.person)
            .map_err(|e| invalid("written", e.to_string()))?;
    }
    Ok(g)
}

fn tie_tx(conn: &Connection, poll: i64) -> Result<Option<(TieRecord, TieSigners)>> {
    let raw = conn
        .query_row(
            "SELECT decision, decided_by, decided_at, confirmed_by, confirmed_at
             FROM election_ties WHERE poll = ?1",
            [poll],
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
        )
        .optional()?;
    Ok(raw.and_then(|(j, signers)| Some((serde_json::from_str(&j).ok()?, signers))))
}

fn door_to_door_tx(conn: &Connection, poll: i64) -> Result<Vec<DoorToDoor>> {
    let mut stmt = conn.prepare_cached(
        "SELECT on_date, note, recorded_by FROM election_door_to_door WHERE poll = ?1 ORDER BY on_date, id",
    )?;
    let rows = stmt.query_map([poll], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    rows.map(|r| {
        let (on, note, recorded_by) = r?;
        Ok(DoorToDoor {
            on: on.parse().map_err(|_| invalid("on", on.clone()))?,
            note,
            recorded_by,
        })
    })
    .collect()
}

fn boxed(rows: &[BallotRow]) -> BallotBox {
    let mut b = BallotBox::new();
    for r in rows {
        // Ids are unique per entry (the primary key).
        let _ = b.push(&r.ballot_id, &r.names);
    }
    b
}

/// Counts a poll: the entries compared, the agreed box recounted, the tie
/// decision applied, and what still stands in the way of publishing.
fn count_tx(conn: &Connection, id: i64) -> Result<Count> {
    let election =
        load_election(conn, id)?.ok_or_else(|| StoreError::NotFound(format!("election {id}")))?;
    let settings = election.settings.clone();
    let voters = voters_tx(conn, id)?;
    let (a, b) = (entry_tx(conn, id, Entry::A)?, entry_tx(conn, id, Entry::B)?);
    let resolutions = resolutions_tx(conn, id)?;
    let groups = groups_tx(conn, id)?;
    let grouping = grouping_of(&groups)?;
    let (tie, tie_signers) = tie_tx(conn, id)?.unzip();
    let door_to_door = door_to_door_tx(conn, id)?;
    let sources: Vec<i64> = {
        let mut stmt = conn.prepare_cached(
            "SELECT source FROM election_sources WHERE poll = ?1 ORDER BY source",
        )?;
        let rows = stmt.query_map([id], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };

    let info = |rows: &[BallotRow]| EntryInfo {
        ballots: rows.len(),
        entered_by: rows
            .iter()
            .map(|r| r.entered_by.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect(),
    };
    let (box_a, box_b) = (boxed(&a), boxed(&b));
    let resolved: HashMap<&str, &Resolution> = resolutions
        .iter()
        .map(|r| (r.ballot_id.as_str(), r))
        .collect();
    let differences: Vec<Difference> = compare_entries(&box_a, &box_b)
        .into_iter()
        .map(|d| Difference {
            resolved: resolved.contains_key(d.ballot_id()),
            difference: d,
        })
        .collect();
    let unresolved = differences.iter().filter(|d| !d.resolved).count();

    let mut blockers = Vec::new();
    let block = |code: &'static str, detail: String| Blocker { code, detail };
    let registered = voters.len() as u64;
    let eligible = voters.iter().filter(|v| v.eligible).count() as u64;
    let voted = voters.iter().filter(|v| v.voted).count() as u64;
    if eligible == 0 {
        blockers.push(block(
            "no_register",
            "no eligible voter is on the register".into(),
        ));
    }
    if unresolved > 0 {
        blockers.push(block(
            "differences",
            format!("{unresolved} difference(s) between entry A and entry B are not resolved"),
        ));
    }

    // The agreed box: every ballot id of either entry, read from the
    // resolution when there is one, else from the entries (which agree).
    let ballots: Option<Vec<(String, Vec<String>)>> = (unresolved == 0).then(|| {
        let mut ids: Vec<&str> = a.iter().chain(&b).map(|r| r.ballot_id.as_str()).collect();
        ids.sort_by(|x, y| ballot_order(x, y));
        ids.dedup();
        ids.into_iter()
            .filter_map(|bid| match resolved.get(bid) {
                Some(r) => r.names.clone().map(|n| (bid.to_owned(), n)),
                None => a
                    .iter()
                    .chain(&b)
                    .find(|r| r.ballot_id == bid)
                    .map(|r| (bid.to_owned(), r.names.clone())),
            })
            .collect()
    });
    let agreed: Option<BallotBox> = ballots.as_ref().map(|bs| {
        let mut bx = BallotBox::new();
        for (bid, names) in bs {
            let _ = bx.push(bid, names);
        }
        bx
    });
    if agreed.as_ref().is_some_and(|b| b.is_empty()) {
        blockers.push(block("no_ballots", "no ballot has been entered".into()));
    }

    let suggestions = {
        let source = agreed.as_ref().unwrap_or(&box_a);
        suggest_groups(source.written_names(), &grouping)
    };

    let residents: Option<Residents> = match election.level {
        Level::Rt if !settings.check_residents => None,
        _ => Some(voters.iter().map(|v| v.name.as_str()).collect()),
    };
    let seats;
    let recount = match (&agreed, NonZeroU64::new(eligible)) {
        (Some(bx), Some(eligible)) if !bx.is_empty() => {
            let config = settings.config(election.level, eligible);
            seats = config.seats.get();
            match recount(bx, &config, &grouping, residents.as_ref()) {
                Ok(r) => Some(r),
                Err(e) => {
                    blockers.push(block("too_many_ballots", e.to_string()));
                    None
                }
            }
        }
        (_, e) => {
            seats = settings
                .config(election.level, e.unwrap_or(NonZeroU64::MIN))
                .seats
                .get();
            None
        }
    };

    let mut elected = None;
    if let Some(r) = &recount {
        if !r.quorum_met {
            blockers.push(block(
                "quorum_not_met",
                format!(
                    "turnout {} is below the quorum {}: collect votes door to door",
                    r.turnout, r.quorum
                ),
            ));
        }
        if r.ties.is_empty() {
            elected = Some(r.elected.clone());
        } else {
            match &tie {
                None => blockers.push(block(
                    "tie_undecided",
                    format!(
                        "{} are tied for {} seat(s): record the {} decision",
                        r.ties
                            .iter()
                            .map(PersonName::as_str)
                            .collect::<Vec<_>>()
                            .join(", "),
                        r.open_seats,
                        settings.tie_rule.as_str()
                    ),
                )),
                Some(t)
                    if t.rule == TieRule::Lot
                        && tie_signers
                            .as_ref()
                            .is_some_and(|s| s.confirmed_by.is_none()) =>
                {
                    blockers.push(block(
                        "tie_unconfirmed",
                        format!(
                            "the lot's winners ({}) are confirmed by a second committee member",
                            t.winners.join(", ")
                        ),
                    ))
                }
                Some(t) => match decision_of(t, r).apply(&r.outcome(), settings.tie_rule) {
                    Ok(list) => elected = Some(list),
                    Err(e) => blockers.push(block(
                        "tie_decision_stale",
                        format!("the recorded decision does not fit the count: {e}"),
                    )),
                },
            }
        }
    }
    let sex_of: HashMap<NameKey, Sex> = voters
        .iter()
        .filter_map(|v| Some((NameKey::new(&v.name)?, v.sex?)))
        .collect();
    let women = recount.as_ref().map(|r| {
        let people: Vec<PersonName> = elected.clone().unwrap_or_else(|| r.elected.clone());
        women_share(
            &people,
            |p| sex_of.get(p.key()).copied(),
            settings.women_target(),
        )
    });
    let voted_mismatch = recount.as_ref().is_some_and(|r| r.ballots != voted);
    Ok(Count {
        ready: blockers.is_empty(),
        election,
        seats,
        registered,
        eligible,
        voted,
        entry_a: info(&a),
        entry_b: info(&b),
        differences,
        unresolved,
        resolutions,
        ballots,
        groups,
        suggestions,
        recount,
        tie,
        tie_signers,
        publication: None,
        elected: elected.map(|l| l.iter().map(|p| p.as_str().to_owned()).collect()),
        women,
        door_to_door,
        blockers,
        voted_mismatch,
        settings,
        sources,
    })
}

/// The recorded decision with its winners named as the count names them.
fn decision_of(t: &TieRecord, r: &Recount) -> TieDecision<PersonName> {
    let named = |w: &str| -> PersonName {
        let key = NameKey::new(w);
        r.ties
            .iter()
            .find(|p| Some(p.key()) == key.as_ref())
            .cloned()
            .unwrap_or_else(|| {
                PersonName::new(w).unwrap_or_else(|| PersonName::new("?").expect("?"))
            })
    };
    TieDecision {
        rule: t.rule,
        winners: t.winners.iter().map(|w| named(w)).collect(),
        note: t.note.clone(),
    }
}

fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

impl Store {
    /// A kelurahan's election settings (the defaults when none are stored).
    pub fn election_settings(&self, kelurahan: &str) -> Result<ElectionSettings> {
        let conn = self.conn()?;
        settings_tx(&conn, kelurahan)
    }

    pub fn set_election_settings(
        &self,
        kelurahan: &str,
        settings: ElectionSettings,
        actor: &Actor,
    ) -> Result<()> {
        let settings = settings.checked()?;
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let path: Option<(String, Option<String>)> = tx
            .query_row(
                "SELECT path, kind FROM areas WHERE code = ?1",
                [kelurahan],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((path, Some(kind))) = path else {
            return Err(StoreError::NotFound(format!("kelurahan {kelurahan}")));
        };
        if kind != "kelurahan" {
            return Err(invalid(
                "kelurahan",
                format!("{kelurahan} is not a kelurahan"),
            ));
        }
        let json = serde_json::to_string(&settings).expect("settings serialise");
        tx.execute(
            "INSERT INTO election_settings (kelurahan_code, settings, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (kelurahan_code) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at",
            params![kelurahan, json, now()],
        )?;
        record(
            &tx,
            actor,
            "election_settings",
            "area",
            kelurahan,
            Some(&path),
            serde_json::to_value(&settings).expect("settings serialise"),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The placement of an area for election work: its path and the
    /// organisations of its kelurahan. `None` when there is no such area.
    pub fn election_placement(&self, area: &str) -> Result<Option<Placement>> {
        let conn = self.conn()?;
        let Some(path) = crate::areas::area_path_in(&conn, area)? else {
            return Ok(None);
        };
        let kel = kelurahan_of(&conn, area)?.map(|(_, p)| p);
        Ok(Some(Placement {
            orgs: match kel {
                Some(k) => orgs_within(&conn, &AreaPath::from_stored(k))?,
                None => vec![],
            },
            area: Some(path),
        }))
    }

    /// Opens a poll. An RT's poll starts with an empty register; a
    /// kelurahan's level-2 poll takes the delegates of the latest published
    /// result of each of its RTs (held on or before this poll) as its
    /// register, and a coordinator vote the members of the latest published
    /// level-2 result. `scope` must cover the area (else: not found).
    pub fn create_election(&self, new: &NewElection, scope: &Scope, actor: &Actor) -> Result<i64> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let area: Option<(String, Option<String>)> = tx
            .query_row(
                "SELECT path, kind FROM areas WHERE code = ?1",
                [&new.area_code],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let not_found = || StoreError::NotFound(format!("area {}", new.area_code));
        let (path, kind) = area.ok_or_else(not_found)?;
        let (kel_code, kel_path) = kelurahan_of(&tx, &new.area_code)?
            .ok_or_else(|| invalid("area", format!("{} is not in a kelurahan", new.area_code)))?;
        let placement = Placement {
            area: Some(AreaPath::from_stored(path.clone())),
            orgs: orgs_within(&tx, &AreaPath::from_stored(kel_path))?,
        };
        if !scope.covers(&placement) {
            return Err(not_found());
        }
        match (new.level, kind.as_deref()) {
            (Level::Rt, Some("rt")) => {}
            (Level::Rt, _) => {
                return Err(invalid(
                    "area",
                    format!("{} is not an RT: level 1 is held per RT", new.area_code),
                ))
            }
            (_, Some("kelurahan")) => {}
            _ => {
                return Err(invalid(
                    "area",
                    format!(
                    "{} is not a kelurahan: the BKM and its coordinator are elected per kelurahan",
                    new.area_code
                ),
                ))
            }
        }
        // The settings are frozen now: the count never follows a later change.
        let settings =
            serde_json::to_string(&settings_tx(&tx, &kel_code)?).expect("settings serialise");
        tx.execute(
            "INSERT INTO election_polls (level, area_code, kelurahan_code, held_on, created_at, settings)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                new.level.as_str(),
                new.area_code,
                kel_code,
                new.held_on.to_string(),
                now(),
                settings
            ],
        )?;
        let id = tx.last_insert_rowid();
        let register = match new.level {
            Level::Rt => vec![],
            Level::Bkm => delegates_of(&tx, &kel_code, new.held_on)?,
            Level::Coordinator => members_of(&tx, &kel_code, new.held_on)?,
        };
        let mut sources = BTreeSet::new();
        for (name, sex, source) in &register {
            tx.execute(
                "INSERT INTO election_voters (poll, name, name_key, sex, married, eligible)
                 VALUES (?1, ?2, ?3, ?4, 0, 1)",
                params![
                    id,
                    name,
                    NameKey::new(name).expect("not blank").as_str(),
                    sex_str(*sex)
                ],
            )?;
            sources.insert(*source);
        }
        for s in &sources {
            tx.execute(
                "INSERT INTO election_sources (poll, source) VALUES (?1, ?2)",
                params![id, s],
            )?;
        }
        record(
            &tx,
            actor,
            "election_create",
            "election",
            &id.to_string(),
            Some(&path),
            json!({"level": new.level, "area": new.area_code, "held_on": new.held_on, "register": register.len(), "sources": sources}),
        )?;
        tx.commit()?;
        Ok(id)
    }

    pub fn election(&self, id: i64) -> Result<Option<Election>> {
        let conn = self.conn()?;
        load_election(&conn, id)
    }

    /// Every poll `scope` covers, newest first.
    pub fn elections(&self, scope: &Scope) -> Result<Vec<Election>> {
        let conn = self.conn()?;
        let ids: Vec<i64> = {
            let mut stmt = conn.prepare(
                "SELECT p.id FROM election_polls p JOIN areas a ON a.code = p.area_code
                 ORDER BY p.held_on DESC, a.path, p.id DESC",
            )?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let mut out = Vec::new();
        for id in ids {
            if let Some(e) = load_election(&conn, id)? {
                if scope.covers(&e.placement) {
                    out.push(e);
                }
            }
        }
        Ok(out)
    }

    pub fn election_voters(&self, id: i64) -> Result<Vec<Voter>> {
        let conn = self.conn()?;
        voters_tx(&conn, id)
    }

    /// Both entries of the ballot box, each in the order entered.
    pub fn election_entries(&self, id: i64) -> Result<(Vec<BallotRow>, Vec<BallotRow>)> {
        let conn = self.conn()?;
        Ok((
            entry_tx(&conn, id, Entry::A)?,
            entry_tx(&conn, id, Entry::B)?,
        ))
    }

    /// Puts voters on an RT's register, all or none. A voter already on it
    /// with the same details is left as is (the same file twice changes
    /// nothing); with other details, or a name used by someone else, the
    /// file is refused with the lines to blame.
    pub fn add_voters(
        &self,
        id: i64,
        file: &str,
        voters: &[VoterInput],
        actor: &Actor,
    ) -> Result<ImportSummary> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let e = open_poll(&tx, id)?;
        if e.level != Level::Rt {
            return Err(invalid(
                "level",
                "a level-2 register is the delegates (or members) of the published results",
            ));
        }
        let existing: HashMap<String, Voter> = voters_tx(&tx, id)?
            .into_iter()
            .map(|v| {
                (
                    NameKey::new(&v.name)
                        .expect("not blank")
                        .as_str()
                        .to_owned(),
                    v,
                )
            })
            .collect();
        let mut summary = ImportSummary::default();
        let mut errors = Vec::new();
        let mut seen = HashMap::new();
        for v in voters {
            let key = NameKey::new(&v.name).ok_or_else(|| invalid("name", "the name is empty"))?;
            if let Some(first) = seen.insert(key.clone(), v.line) {
                errors.push(RowError::new(
                    v.line,
                    Some("name"),
                    format!("{:?} is already on line {first}", v.name),
                ));
                continue;
            }
            let eligible = v.eligible(e.held_on);
            match existing.get(key.as_str()) {
                Some(old) => {
                    let same = old.sex == v.sex
                        && old.birth_date == v.birth_date
                        && old.age == v.age
                        && old.married == v.married;
                    if same {
                        summary.unchanged += 1;
                    } else {
                        errors.push(RowError::new(
                            v.line,
                            Some("name"),
                            format!(
                                "{:?} is already on the register with other details; correct or remove that entry first",
                                old.name
                            ),
                        ));
                    }
                }
                None => {
                    tx.execute(
                        "INSERT INTO election_voters (poll, name, name_key, sex, birth_date, age, married, eligible)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                        params![
                            id,
                            v.name,
                            key.as_str(),
                            sex_str(v.sex),
                            v.birth_date.map(|d| d.to_string()),
                            v.age,
                            v.married,
                            eligible
                        ],
                    )?;
                    summary.created += 1;
                }
            }
        }
        if !errors.is_empty() {
            return Err(Rejected {
                file: file.to_owned(),
                errors,
            }
            .into());
        }
        if summary.created > 0 {
            record(
                &tx,
                actor,
                "election_register",
                "election",
                &id.to_string(),
                e.placement.area.as_ref().map(AreaPath::as_str),
                json!({"file": file, "added": summary.created, "unchanged": summary.unchanged}),
            )?;
        }
        tx.commit()?;
        Ok(summary)
    }

    /// Takes a voter off the register (entered by mistake).
    pub fn remove_voter(&self, id: i64, voter: i64, actor: &Actor) -> Result<()> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let e = open_poll(&tx, id)?;
        let n = tx.execute(
            "DELETE FROM election_voters WHERE poll = ?1 AND id = ?2",
            params![id, voter],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("voter {voter}")));
        }
        record(
            &tx,
            actor,
            "election_register_remove",
            "election",
            &id.to_string(),
            e.placement.area.as_ref().map(AreaPath::as_str),
            json!({"voter": voter}),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Records that voters voted (or undoes it). Only the flag is kept: no
    /// time, no order, nothing that could tie a voter to a ballot.
    pub fn mark_voted(&self, id: i64, voters: &[i64], voted: bool, actor: &Actor) -> Result<usize> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let e = open_poll(&tx, id)?;
        let mut changed = 0;
        for v in voters {
            let eligible: Option<bool> = tx
                .query_row(
                    "SELECT eligible FROM election_voters WHERE poll = ?1 AND id = ?2",
                    params![id, v],
                    |r| r.get(0),
                )
                .optional()?;
            match eligible {
                None => return Err(StoreError::NotFound(format!("voter {v}"))),
                Some(false) if voted => {
                    return Err(invalid(
                        "voter",
                        format!("voter {v} is not eligible (under 17 and not married)"),
                    ))
                }
                _ => {}
            }
            changed += tx.execute(
                "UPDATE election_voters SET voted = ?3 WHERE poll = ?1 AND id = ?2 AND voted <> ?3",
                params![id, v, voted],
            )?;
        }
        if changed > 0 {
            record(
                &tx,
                actor,
                if voted {
                    "election_voted"
                } else {
                    "election_voted_undo"
                },
                "election",
                &id.to_string(),
                e.placement.area.as_ref().map(AreaPath::as_str),
                json!({"voters": changed}),
            )?;
        }
        tx.commit()?;
        Ok(changed)
    }

    /// Enters ballots into one entry. A committee member makes only one of
    /// the two entries of a poll. A ballot already in the entry with the
    /// same names is left as is (a batch sent twice enters once); with other
    /// names it is refused: correct it instead.
    pub fn enter_ballots(
        &self,
        id: i64,
        entry: Entry,
        ballots: &[(String, Vec<String>)],
        actor: &Actor,
    ) -> Result<usize> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let e = open_poll(&tx, id)?;
        let me = actor.label();
        let other = match entry {
            Entry::A => Entry::B,
            Entry::B => Entry::A,
        };
        let in_other: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM election_ballots WHERE poll = ?1 AND entry = ?2 AND entered_by = ?3)",
            params![id, other.as_str(), me],
            |r| r.get(0),
        )?;
        if in_other {
            return Err(StoreError::Conflict(format!(
                "{me} made entry {}: entry {} is made by another committee member",
                other.as_str().to_uppercase(),
                entry.as_str().to_uppercase()
            )));
        }
        let resolved: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM election_resolutions WHERE poll = ?1 AND resolved_by = ?2)",
            params![id, me],
            |r| r.get(0),
        )?;
        if resolved {
            return Err(StoreError::Conflict(format!(
                "{me} resolved differences of this poll: the entries are made by other committee members"
            )));
        }
        let mut added = 0;
        let mut errors = Vec::new();
        for (i, (bid, names)) in ballots.iter().enumerate() {
            let bid = bid.trim();
            if bid.is_empty() {
                errors.push(RowError::new(
                    i as u64 + 1,
                    Some("ballot_id"),
                    "the ballot id is empty",
                ));
                continue;
            }
            let names = clean_names(names);
            let old: Option<String> = tx
                .query_row(
                    "SELECT names FROM election_ballots WHERE poll = ?1 AND entry = ?2 AND ballot_id = ?3",
                    params![id, entry.as_str(), bid],
                    |r| r.get(0),
                )
                .optional()?;
            match old {
                Some(old) if names_from(&old) == names => {}
                Some(_) => errors.push(RowError::new(
                    i as u64 + 1,
                    Some("ballot_id"),
                    format!(
                        "ballot {bid} is already in entry {} with other names; correct it instead",
                        entry.as_str().to_uppercase()
                    ),
                )),
                None => {
                    tx.execute(
                        "INSERT INTO election_ballots (poll, entry, ballot_id, names, entered_by, entered_at, seq)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6,
                                 (SELECT coalesce(max(seq), 0) + 1 FROM election_ballots WHERE poll = ?1))",
                        params![id, entry.as_str(), bid, names_json(&names), me, now()],
                    )?;
                    added += 1;
                }
            }
        }
        if !errors.is_empty() {
            return Err(Rejected {
                file: format!("entry {}", entry.as_str().to_uppercase()),
                errors,
            }
            .into());
        }
        if added > 0 {
            record(
                &tx,
                actor,
                "election_ballots",
                "election",
                &id.to_string(),
                e.placement.area.as_ref().map(AreaPath::as_str),
                json!({"entry": entry, "added": added}),
            )?;
        }
        tx.commit()?;
        Ok(added)
    }

    /// Corrects a ballot in one entry (a typing mistake of its own
    /// enterer), or takes it out (`names` = `None`). Logged with the names
    /// before and after.
    pub fn correct_ballot(
        &self,
        id: i64,
        entry: Entry,
        ballot_id: &str,
        names: Option<&[String]>,
        actor: &Actor,
    ) -> Result<()> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let e = open_poll(&tx, id)?;
        let old: Option<(String, String)> = tx
            .query_row(
                "SELECT names, entered_by FROM election_ballots WHERE poll = ?1 AND entry = ?2 AND ballot_id = ?3",
                params![id, entry.as_str(), ballot_id.trim()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((old, by)) = old else {
            return Err(StoreError::NotFound(format!(
                "ballot {ballot_id} in entry {}",
                entry.as_str().to_uppercase()
            )));
        };
        if by != actor.label() {
            return Err(StoreError::Conflict(format!(
                "entry {} of ballot {ballot_id} was made by {by}: only they correct it; the committee resolves differences",
                entry.as_str().to_uppercase()
            )));
        }
        let new = names.map(clean_names);
        match &new {
            Some(n) => tx.execute(
                "UPDATE election_ballots SET names = ?4 WHERE poll = ?1 AND entry = ?2 AND ballot_id = ?3",
                params![id, entry.as_str(), ballot_id.trim(), names_json(n)],
            )?,
            None => tx.execute(
                "DELETE FROM election_ballots WHERE poll = ?1 AND entry = ?2 AND ballot_id = ?3",
                params![id, entry.as_str(), ballot_id.trim()],
            )?,
        };
        record(
            &tx,
            actor,
            "election_ballot_correct",
            "election",
            &id.to_string(),
            e.placement.area.as_ref().map(AreaPath::as_str),
            json!({"entry": entry, "ballot_id": ballot_id.trim(), "before": names_from(&old), "after": new}),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The committee's reading of a paper ballot where the two entries
    /// differ: the names on it, or `None` when it is not a ballot. Only by
    /// a member who made neither entry, only for a real difference, and a
    /// ballot missing from one entry only as "not a ballot" (that entry's
    /// maker types it in otherwise). Replaces an earlier resolution of the
    /// same ballot; both stay in the audit log.
    pub fn resolve_ballot(
        &self,
        id: i64,
        ballot_id: &str,
        names: Option<&[String]>,
        note: &str,
        actor: &Actor,
    ) -> Result<()> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let e = open_poll(&tx, id)?;
        let bid = ballot_id.trim();
        check_resolution(
            &committee::EntryBoxes::of(&tx, id)?.entries(),
            bid,
            names.is_some(),
            &actor.label(),
        )
        .map_err(committee::refused)?;
        let names = names.map(clean_names);
        let before: Option<Option<String>> = tx
            .query_row(
                "SELECT names FROM election_resolutions WHERE poll = ?1 AND ballot_id = ?2",
                params![id, bid],
                |r| r.get(0),
            )
            .optional()?;
        tx.execute(
            "INSERT INTO election_resolutions (poll, ballot_id, names, note, resolved_by, resolved_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (poll, ballot_id) DO UPDATE SET names = excluded.names, note = excluded.note,
                 resolved_by = excluded.resolved_by, resolved_at = excluded.resolved_at",
            params![
                id,
                bid,
                names.as_deref().map(names_json),
                note.trim(),
                actor.label(),
                now()
            ],
        )?;
        record(
            &tx,
            actor,
            "election_ballot_resolve",
            "election",
            &id.to_string(),
            e.placement.area.as_ref().map(AreaPath::as_str),
            json!({
                "ballot_id": bid,
                "names": names,
                "note": note.trim(),
                "before": before.map(|b| b.map(|n| names_from(&n))),
            }),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Confirms that `written` means `person` (the committee decides; the
    /// app only suggests). Refused when it contradicts an earlier grouping.
    pub fn add_group(&self, id: i64, written: &str, person: &str, actor: &Actor) -> Result<()> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let e = open_poll(&tx, id)?;
        let mut g = grouping_of(&groups_tx(&tx, id)?)?;
        let before = g.len();
        g.add(written, person)
            .map_err(|e| invalid("written", e.to_string()))?;
        if g.len() > before {
            let (w, p) = g.entries().last().expect("just added");
            tx.execute(
                "INSERT INTO election_groups (poll, written, written_key, person, confirmed_by, confirmed_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    id,
                    w,
                    NameKey::new(w).expect("not blank").as_str(),
                    p.as_str(),
                    actor.label(),
                    now()
                ],
            )?;
            record(
                &tx,
                actor,
                "election_group",
                "election",
                &id.to_string(),
                e.placement.area.as_ref().map(AreaPath::as_str),
                json!({"written": w, "person": p.as_str()}),
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Takes a grouping back.
    pub fn remove_group(&self, id: i64, written: &str, actor: &Actor) -> Result<()> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let e = open_poll(&tx, id)?;
        let key = NameKey::new(written).ok_or_else(|| invalid("written", "empty"))?;
        let person: Option<String> = tx
            .query_row(
                "SELECT person FROM election_groups WHERE poll = ?1 AND written_key = ?2",
                params![id, key.as_str()],
                |r| r.get(0),
            )
            .optional()?;
        let Some(person) = person else {
            return Err(StoreError::NotFound(format!("grouping of {written:?}")));
        };
        tx.execute(
            "DELETE FROM election_groups WHERE poll = ?1 AND written_key = ?2",
            params![id, key.as_str()],
        )?;
        // What is left must still be a grouping (a person's own name may
        // have been a variant's only link).
        grouping_of(&groups_tx(&tx, id)?)?;
        record(
            &tx,
            actor,
            "election_group_remove",
            "election",
            &id.to_string(),
            e.placement.area.as_ref().map(AreaPath::as_str),
            json!({"written": written.trim(), "person": person}),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Records a door-to-door collection (the quorum was not met); the
    /// ballots collected are then entered like the others.
    pub fn record_door_to_door(&self, id: i64, on: Date, note: &str, actor: &Actor) -> Result<()> {
        if note.trim().is_empty() {
            return Err(invalid(
                "note",
                "say where and by whom the votes were collected",
            ));
        }
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let e = open_poll(&tx, id)?;
        tx.execute(
            "INSERT INTO election_door_to_door (poll, on_date, note, recorded_by, recorded_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, on.to_string(), note.trim(), actor.label(), now()],
        )?;
        record(
            &tx,
            actor,
            "election_door_to_door",
            "election",
            &id.to_string(),
            e.placement.area.as_ref().map(AreaPath::as_str),
            json!({"on": on, "note": note.trim()}),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Records how a tie was broken, checked against the count and the
    /// kelurahan's rule: a re-vote's count among the tied (the winners
    /// follow from it; a new tie is refused) or the winners of a lot.
    /// Replaces an earlier decision. A lot counts once a second committee
    /// member records the same winners: that confirms it.
    pub fn record_tie(&self, id: i64, input: &TieInput, actor: &Actor) -> Result<TieRecord> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let e = open_poll(&tx, id)?;
        let count = count_tx(&tx, id)?;
        let r = count.recount.as_ref().ok_or_else(|| {
            StoreError::Conflict("there is no count yet to break a tie in".into())
        })?;
        let outcome = r.outcome();
        let named = |w: &str| -> Result<PersonName> {
            let p = PersonName::new(w).ok_or_else(|| invalid("winners", "a name is empty"))?;
            Ok(r.ties
                .iter()
                .find(|t| t.key() == p.key())
                .cloned()
                .unwrap_or(p))
        };
        let tie_err = |e: lumbung_community::election::TieError| invalid("tie", e.to_string());
        let decision = match input.rule {
            TieRule::Revote => {
                let votes = input
                    .revote
                    .iter()
                    .map(|(p, n)| Ok((named(p)?, *n)))
                    .collect::<Result<Vec<_>>>()?;
                if votes.iter().all(|(_, n)| *n == 0) {
                    return Err(invalid(
                        "revote",
                        "give the re-vote's count for each of the tied",
                    ));
                }
                TieDecision::from_revote(&outcome, votes, input.note.trim()).map_err(tie_err)?
            }
            TieRule::Lot => TieDecision {
                rule: TieRule::Lot,
                winners: input
                    .winners
                    .iter()
                    .map(|w| named(w))
                    .collect::<Result<_>>()?,
                note: input.note.trim().to_owned(),
            },
        };
        decision
            .apply(&outcome, count.settings.tie_rule)
            .map_err(tie_err)?;
        let rec = TieRecord {
            rule: decision.rule,
            winners: decision
                .winners
                .iter()
                .map(|p| p.as_str().to_owned())
                .collect(),
            note: decision.note.clone(),
            revote: match input.rule {
                TieRule::Revote => input
                    .revote
                    .iter()
                    .map(|(p, n)| Ok((named(p)?.as_str().to_owned(), *n)))
                    .collect::<Result<_>>()?,
                TieRule::Lot => vec![],
            },
        };
        if let Some((old, signers)) = tie_tx(&tx, id)? {
            let winners = |t: &TieRecord| -> BTreeSet<Option<NameKey>> {
                t.winners.iter().map(|w| NameKey::new(w)).collect()
            };
            if rec.rule == TieRule::Lot
                && old.rule == TieRule::Lot
                && signers.confirmed_by.is_none()
                && winners(&old) == winners(&rec)
            {
                check_second_member(TwoMemberStep::Lot, &signers.decided_by, &actor.label())
                    .map_err(committee::refused)?;
                tx.execute(
                    "UPDATE election_ties SET confirmed_by = ?2, confirmed_at = ?3 WHERE poll = ?1",
                    params![id, actor.label(), now()],
                )?;
                record(
                    &tx,
                    actor,
                    "election_tie_confirm",
                    "election",
                    &id.to_string(),
                    e.placement.area.as_ref().map(AreaPath::as_str),
                    json!({"winners": old.winners, "decided_by": signers.decided_by}),
                )?;
                tx.commit()?;
                return Ok(old);
            }
        }
        let json = serde_json::to_string(&rec).expect("decision serialises");
        tx.execute(
            "INSERT INTO election_ties (poll, decision, decided_by, decided_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (poll) DO UPDATE SET decision = excluded.decision,
                 decided_by = excluded.decided_by, decided_at = excluded.decided_at,
                 confirmed_by = NULL, confirmed_at = NULL",
            params![id, json, actor.label(), now()],
        )?;
        record(
            &tx,
            actor,
            "election_tie",
            "election",
            &id.to_string(),
            e.placement.area.as_ref().map(AreaPath::as_str),
            serde_json::to_value(&rec).expect("decision serialises"),
        )?;
        tx.commit()?;
        Ok(rec)
    }

    /// The poll's count as it stands, with the proposal to publish it.
    pub fn election_count(&self, id: i64) -> Result<Count> {
        let conn = self.conn()?;
        let mut count = count_tx(&conn, id)?;
        count.publication = committee::publication_tx(&conn, id, &count)?;
        Ok(count)
    }

    /// Publishing takes two committee members: the first request proposes
    /// the count as it is; a request by another member, while the count is
    /// still the one proposed, confirms and publishes it (when the count
    /// changed, it proposes anew). Every ballot counted must be in both
    /// entries, made by two members. See [`published::publish_tx`] for what is
    /// published.
    pub fn publish_election(&self, id: i64, actor: &Actor) -> Result<PublishStep> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let e = open_poll(&tx, id)?;
        let count = count_tx(&tx, id)?;
        if !count.ready {
            let why: Vec<String> = count.blockers.iter().map(|b| b.detail.clone()).collect();
            return Err(StoreError::Conflict(format!(
                "the result cannot be published yet: {}",
                why.join("; ")
            )));
        }
        let not_ballots = committee::not_ballots(&tx, id)?;
        let not_ballots: Vec<&str> = not_ballots.iter().map(String::as_str).collect();
        check_double_entry(&committee::EntryBoxes::of(&tx, id)?.entries(), &not_ballots)
            .map_err(committee::refused)?;
        let me = actor.label();
        let sha = committee::count_sha(&count);
        let area = e.placement.area.as_ref().map(AreaPath::as_str);
        match committee::proposal_row(&tx, id)? {
            Some(p) if p.count_sha256 == sha => {
                check_second_member(TwoMemberStep::Publication, &p.proposed_by, &me)
                    .map_err(committee::refused)?;
                committee::confirm(&tx, id, &me)?;
                let published = published::publish_tx(&tx, &e, &count, actor, &p.proposed_by)?;
                tx.commit()?;
                Ok(PublishStep::Published(Box::new(published)))
            }
            _ => {
                let p = committee::propose(&tx, id, &sha, &me)?;
                record(
                    &tx,
                    actor,
                    "election_publish_propose",
                    "election",
                    &id.to_string(),
                    area,
                    json!({"elected": count.elected}),
                )?;
                tx.commit()?;
                Ok(PublishStep::Proposed(p))
            }
        }
    }
}

/// The kelurahan an area is in (itself, or its nearest ancestor of kind
/// `kelurahan`): its code and path.
fn kelurahan_of(conn: &Connection, code: &str) -> Result<Option<(String, String)>> {
    let path: Option<String> = conn
        .query_row("SELECT path FROM areas WHERE code = ?1", [code], |r| {
            r.get(0)
        })
        .optional()?;
    let Some(path) = path else { return Ok(None) };
    let mut stmt =
        conn.prepare_cached("SELECT code, path FROM areas WHERE code = ?1 AND kind = 'kelurahan'")?;
    for c in path.trim_matches('/').split('/').rev() {
        if let Some(found) = stmt
            .query_row([c], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?
        {
            return Ok(Some(found));
        }
    }
    Ok(None)
}

/// The delegates of a kelurahan: for each of its RTs, the elected of the
/// latest result published for a poll held on or before `on`; with their
/// sex from that RT's register. A name two RTs share gets the RT's name.
fn delegates_of(
    conn: &Connection,
    kelurahan: &str,
    on: Date,
) -> Result<Vec<(String, Option<Sex>, i64)>> {
    let mut stmt = conn.prepare(
        "SELECT p.id, a.name, r.snapshot FROM election_polls p JOIN election_results r ON r.poll = p.id
         JOIN areas a ON a.code = p.area_code
         WHERE p.kelurahan_code = ?1 AND p.level = 'rt' AND p.held_on <= ?2
           AND NOT EXISTS (SELECT 1 FROM election_polls q JOIN election_results s ON s.poll = q.id
                           WHERE q.area_code = p.area_code AND q.level = 'rt' AND q.held_on <= ?2
                             AND (q.held_on > p.held_on OR (q.held_on = p.held_on AND q.id > p.id)))
         ORDER BY a.path",
    )?;
    let rows: Vec<(i64, String, String)> = stmt
        .query_map(params![kelurahan, on.to_string()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut out: Vec<(String, Option<Sex>, i64, String)> = Vec::new();
    for (poll, rt_name, snap) in rows {
        let snap: Value = serde_json::from_str(&snap).unwrap_or(Value::Null);
        let sex: HashMap<NameKey, Sex> = voters_tx(conn, poll)?
            .into_iter()
            .filter_map(|v| Some((NameKey::new(&v.name)?, v.sex?)))
            .collect();
        for name in snap["elected"].as_array().into_iter().flatten() {
            let Some(name) = name.as_str() else { continue };
            let s = NameKey::new(name).and_then(|k| sex.get(&k).copied());
            out.push((name.to_owned(), s, poll, rt_name.clone()));
        }
    }
    if out.is_empty() {
        return Err(StoreError::Conflict(format!(
            "no RT of {kelurahan} has a published result yet: the delegates come from them"
        )));
    }
    let mut counts: HashMap<NameKey, usize> = HashMap::new();
    for (n, ..) in &out {
        *counts
            .entry(NameKey::new(n).expect("not blank"))
            .or_default() += 1;
    }
    Ok(out
        .into_iter()
        .map(|(n, s, p, rt)| {
            if counts[&NameKey::new(&n).expect("not blank")] > 1 {
                (format!("{n} ({rt})"), s, p)
            } else {
                (n, s, p)
            }
        })
        .collect())
}

/// The BKM members: the elected of the latest level-2 result published for
/// the kelurahan on or before `on`, with their sex from its register.
fn members_of(
    conn: &Connection,
    kelurahan: &str,
    on: Date,
) -> Result<Vec<(String, Option<Sex>, i64)>> {
    let row: Option<(i64, String)> = conn
        .query_row(
            "SELECT p.id, r.snapshot FROM election_polls p JOIN election_results r ON r.poll = p.id
             WHERE p.kelurahan_code = ?1 AND p.level = 'bkm' AND p.held_on <= ?2
             ORDER BY p.held_on DESC, p.id DESC LIMIT 1",
            params![kelurahan, on.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((poll, snap)) = row else {
        return Err(StoreError::Conflict(format!(
            "{kelurahan} has no published BKM result yet: the members elect the coordinator"
        )));
    };
    let snap: Value = serde_json::from_str(&snap).unwrap_or(Value::Null);
    let sex: HashMap<NameKey, Sex> = voters_tx(conn, poll)?
        .into_iter()
        .filter_map(|v| Some((NameKey::new(&v.name)?, v.sex?)))
        .collect();
    Ok(snap["elected"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|n| n.as_str())
        .map(|n| {
            let s = NameKey::new(n).and_then(|k| sex.get(&k).copied());
            (n.to_owned(), s, poll)
        })
        .collect())
}

#[cfg(test)]
mod tests;
