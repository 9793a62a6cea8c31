//! Polls and where they sit: a kelurahan's settings, opening a poll (with
//! its register at level 2: the delegates or members of published
//! results), and finding polls in a scope.

use super::rows::{
    invalid, kelurahan_of, load_election, orgs_within, settings_tx, sex_str, voters_tx,
};
use super::types::{Election, NewElection};
use crate::audit::record;
use crate::{now, Actor, Result, Store, StoreError};
use jiff::civil::Date;
use lumbung_community::election::{ElectionSettings, Level, NameKey};
use lumbung_domain::{AreaPath, Placement, PollId, Scope, Sex};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Value};
use std::collections::{BTreeSet, HashMap};

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
        self.write(|tx| {
        let path: Option<(String, Option<String>)> = tx
            .query_row(
                "SELECT path, kind FROM areas WHERE code = ?1",
                [kelurahan],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((path, Some(kind))) = path else {
            return Err(StoreError::not_found(format!("kelurahan {kelurahan}")));
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
            tx,
            actor,
            "election_settings",
            "area",
            kelurahan,
            Some(&path),
            serde_json::to_value(&settings).expect("settings serialise"),
        )?;
        Ok(())
        })
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
    pub fn create_election(
        &self,
        new: &NewElection,
        scope: &Scope,
        actor: &Actor,
    ) -> Result<PollId> {
        self.write(|tx| {
        let area: Option<(String, Option<String>)> = tx
            .query_row(
                "SELECT path, kind FROM areas WHERE code = ?1",
                [&new.area_code],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let not_found = || StoreError::not_found(format!("area {}", new.area_code));
        let (path, kind) = area.ok_or_else(not_found)?;
        let (kel_code, kel_path) = kelurahan_of(tx, &new.area_code)?
            .ok_or_else(|| invalid("area", format!("{} is not in a kelurahan", new.area_code)))?;
        let placement = Placement {
            area: Some(AreaPath::from_stored(path.clone())),
            orgs: orgs_within(tx, &AreaPath::from_stored(kel_path))?,
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
            serde_json::to_string(&settings_tx(tx, &kel_code)?).expect("settings serialise");
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
            Level::Bkm => delegates_of(tx, &kel_code, new.held_on)?,
            Level::Coordinator => members_of(tx, &kel_code, new.held_on)?,
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
            tx,
            actor,
            "election_create",
            "election",
            &id.to_string(),
            Some(&path),
            json!({"level": new.level, "area": new.area_code, "held_on": new.held_on, "register": register.len(), "sources": sources}),
        )?;
        Ok(PollId::new(id))
        })
    }

    pub fn election(&self, poll: PollId) -> Result<Option<Election>> {
        let id = poll.get();
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
}

/// latest result published for a poll held on or before `on`; with their
/// sex from that RT's register. A name two RTs share gets the RT's name.
pub(super) fn delegates_of(
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
        return Err(StoreError::conflict(format!(
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
pub(super) fn members_of(
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
        return Err(StoreError::conflict(format!(
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
