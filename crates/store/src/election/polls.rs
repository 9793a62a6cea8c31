//! Polls and where they sit: a kelurahan's settings, opening a poll (with
//! its register at level 2: the delegates or members of published
//! results), and finding polls in a scope.

use super::rows::{
    invalid, kelurahan_of, load_election, orgs_within, settings_tx, sex_str, voters_tx,
};
use super::types::{Election, NewElection};
use crate::audit::record;
use crate::db::{params, Connection};
use crate::{now, Actor, Result, Store, StoreError};
use jiff::civil::Date;
use lumbung_community::election::publish::{
    check_poll_area, check_settings_area, delegates, members, Delegate, PollArea, PublishedFacts,
    SourceResult,
};
use lumbung_community::election::{ElectionSettings, Level, NameKey};
use lumbung_domain::{text, AreaPath, Placement, PollId, Scope};
use serde_json::json;
use std::collections::BTreeSet;

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
        let not_found = || StoreError::not_found(text!("kelurahan", kelurahan = kelurahan;
            id: "kelurahan {kelurahan}", en: "kelurahan {kelurahan}"));
        let area = area_row(tx, kelurahan)?.ok_or_else(not_found)?;
        if area.kind.is_none() {
            return Err(not_found());
        }
        check_settings_area(kelurahan, area.poll_area()).map_err(|e| invalid("kelurahan", e.text()))?;
        let path = area.path;
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
        let not_found = || StoreError::not_found(text!("area", area = new.area_code;
            id: "wilayah {area}", en: "area {area}"));
        let area = area_row(tx, &new.area_code)?.ok_or_else(not_found)?;
        let (kel_code, kel_path) = kelurahan_of(tx, &new.area_code)?
            .ok_or_else(|| invalid("area", text!("election_not_in_kelurahan", area = new.area_code;
                id: "{area} tidak berada di kelurahan mana pun", en: "{area} is not in a kelurahan")))?;
        let placement = Placement {
            area: Some(AreaPath::from_stored(area.path.clone())),
            orgs: orgs_within(tx, &AreaPath::from_stored(kel_path))?,
        };
        if !scope.covers(&placement) {
            return Err(not_found());
        }
        check_poll_area(&new.area_code, new.level, area.poll_area())
            .map_err(|e| invalid("area", e.text()))?;
        let path = area.path;
        // The settings are frozen now: the count never follows a later change.
        let settings =
            serde_json::to_string(&settings_tx(tx, &kel_code)?).expect("settings serialise");
        let id: i64 = tx.query_row(
            "INSERT INTO election_polls (level, area_code, kelurahan_code, held_on, created_at, settings)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
            params![
                new.level.as_str(),
                new.area_code,
                kel_code,
                new.held_on.to_string(),
                now(),
                settings
            ], |r| r.get::<_, i64>(0),
        )?;
        let register = match new.level {
            Level::Rt => vec![],
            Level::Bkm => delegates_of(tx, &kel_code, new.held_on)?,
            Level::Coordinator => members_of(tx, &kel_code, new.held_on)?,
        };
        let mut sources = BTreeSet::new();
        for Delegate { name, sex, source } in &register {
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
            sources.insert(source.get());
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
        let conn = self.conn()?;
        load_election(&conn, poll)
    }

    /// Every poll `scope` covers, newest first.
    pub fn elections(&self, scope: &Scope) -> Result<Vec<Election>> {
        let conn = self.conn()?;
        let ids: Vec<PollId> = {
            let mut stmt = conn.prepare(
                "SELECT p.id FROM election_polls p JOIN areas a ON a.code = p.area_code
                 ORDER BY p.held_on DESC, a.path, p.id DESC",
            )?;
            let rows = stmt.query_map([], |r| r.get(0).map(PollId::new))?;
            rows.collect::<crate::db::Result<_>>()?
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

/// The delegates of a kelurahan (`lumbung_community::election::publish::
/// delegates`) from the latest result published for each of its RTs, for
/// a poll held on or before `on`.
pub(super) fn delegates_of(conn: &Connection, kelurahan: &str, on: Date) -> Result<Vec<Delegate>> {
    let mut stmt = conn.prepare(
        "SELECT p.id, a.name, r.snapshot FROM election_polls p JOIN election_results r ON r.poll = p.id
         JOIN areas a ON a.code = p.area_code
         WHERE p.kelurahan_code = ?1 AND p.level = 'rt' AND p.held_on <= ?2
           AND NOT EXISTS (SELECT 1 FROM election_polls q JOIN election_results s ON s.poll = q.id
                           WHERE q.area_code = p.area_code AND q.level = 'rt' AND q.held_on <= ?2
                             AND (q.held_on > p.held_on OR (q.held_on = p.held_on AND q.id > p.id)))
         ORDER BY a.path",
    )?;
    let rows: Vec<ResultRow> = stmt
        .query_map(params![kelurahan, on.to_string()], ResultRow::read)?
        .collect::<crate::db::Result<_>>()?;
    let rts: Vec<SourceResult> = rows
        .into_iter()
        .map(|row| row.source(conn))
        .collect::<Result<_>>()?;
    delegates(kelurahan, &rts).map_err(|e| StoreError::conflict(e.text()))
}

/// The BKM members (`lumbung_community::election::publish::members`) of
/// the latest level-2 result published for the kelurahan on or before `on`.
pub(super) fn members_of(conn: &Connection, kelurahan: &str, on: Date) -> Result<Vec<Delegate>> {
    let row = crate::sql::optional_row(
        conn,
        "SELECT p.id, '', r.snapshot FROM election_polls p JOIN election_results r ON r.poll = p.id
             WHERE p.kelurahan_code = ?1 AND p.level = 'bkm' AND p.held_on <= ?2
             ORDER BY p.held_on DESC, p.id DESC LIMIT 1",
        params![kelurahan, on.to_string()],
        ResultRow::read,
    )?;
    let bkm = row.map(|row| row.source(conn)).transpose()?;
    members(kelurahan, bkm.as_ref()).map_err(|e| StoreError::conflict(e.text()))
}

/// A published result a level-2 register is made of: its poll, area name
/// and stored snapshot.
struct ResultRow {
    poll: PollId,
    area_name: String,
    snapshot: String,
}

impl ResultRow {
    fn read(r: &crate::db::Row<'_>) -> crate::db::Result<ResultRow> {
        from_row!(
            r,
            ResultRow {
                poll: PollId::new,
                area_name,
                snapshot
            }
        )
    }

    /// With who was elected and the sex of the people on its register.
    fn source(self, conn: &Connection) -> Result<SourceResult> {
        let facts = PublishedFacts::read(&self.snapshot).unwrap_or_default();
        Ok(SourceResult {
            poll: self.poll,
            area_name: self.area_name,
            elected: facts.elected().to_vec(),
            register: voters_tx(conn, self.poll)?
                .into_iter()
                .map(|v| (v.name, v.sex))
                .collect(),
        })
    }
}

/// An `areas` row as an election step reads it.
struct AreaRow {
    path: String,
    kind: Option<String>,
}

impl AreaRow {
    fn poll_area(&self) -> PollArea {
        PollArea::of_kind(self.kind.as_deref())
    }
}

fn area_row(conn: &Connection, code: &str) -> Result<Option<AreaRow>> {
    crate::sql::optional_row(
        conn,
        "SELECT path, kind FROM areas WHERE code = ?1",
        [code],
        |r| from_row!(r, AreaRow { path, kind }),
    )
}
