//! The P2KP community cycle and self-mapping of each kelurahan: its plan
//! (steps with target dates, start date), the steps it has recorded and
//! their verification, its poverty criteria, its mapped households and the
//! KoboToolbox exports they came from.
//!
//! The rules are `lumbung_community`'s: every change rebuilds the stored
//! state through them (`KelurahanCycle::from_records`, `import_kobo`), so
//! the database never holds what the rules refuse. Each change is one
//! transaction with its audit entry, placed at the kelurahan's area path.
//! Who may do what (the coordinator who verifies, the scope) is checked by
//! the callers with `lumbung_domain::access`.

mod cycle;
mod kobo;
mod mapping;
#[cfg(test)]
mod tests;

pub use kobo::{KoboImport, KoboImportError};
pub(crate) use mapping::mapping_data_in;

use crate::audit::{self, Actor};
use crate::db::params;
use crate::{Result, Store, StoreError};
use jiff::Timestamp;
use lumbung_community::cycle::{CyclePlan, KelurahanCycle};
use lumbung_community::mapping::{Criteria, Household, KelurahanAreas};
use lumbung_domain::{text, AreaCode, AreaPath, Placement, Username};
use serde::Serialize;
use std::collections::BTreeMap;

/// A kelurahan as the community pages need it: its names, its place in the
/// area tree and the organisations inside it (for scope checks: a BKM or
/// UPK user is scoped to an organisation of its kelurahan).
#[derive(Debug, Clone, Serialize)]
pub struct Kelurahan {
    pub code: String,
    pub name: String,
    /// The kecamatan (district), when the tree has one above.
    pub district: Option<String>,
    /// The kabupaten or kota, when the tree has one above the district.
    pub regency: Option<String>,
    #[serde(skip)]
    pub path: AreaPath,
    /// The kelurahan's area and every organisation placed inside it.
    #[serde(skip)]
    pub placement: Placement,
}

impl Kelurahan {
    pub fn area_code(&self) -> AreaCode {
        AreaCode::parse(&self.code).expect("stored area codes are valid")
    }

    /// Records a change to this kelurahan's data (`action`), scoped by its
    /// area so that its auditors see it.
    fn audit(
        &self,
        tx: &crate::db::Transaction<'_>,
        actor: &Actor,
        action: &str,
        details: serde_json::Value,
    ) -> Result<()> {
        audit::record(
            tx,
            actor,
            action,
            "kelurahan",
            &self.code,
            Some(self.path.as_str()),
            details,
        )
    }
}

/// A kelurahan of the programme with its plan and its records.
#[derive(Debug, Clone)]
pub struct ProgrammeCycle {
    pub kelurahan: Kelurahan,
    pub plan: CyclePlan,
    pub cycle: KelurahanCycle,
}

/// The mapping of a kelurahan: the criteria in force, whether the community
/// has adopted its own (otherwise the BPS template stands in), the RW and
/// RT, and the households.
#[derive(Debug, Clone)]
pub struct MappingData {
    pub kelurahan: Kelurahan,
    pub criteria: Criteria,
    pub criteria_adopted: bool,
    pub areas: KelurahanAreas,
    /// The names of the kelurahan's RW and RT, by code.
    pub area_names: BTreeMap<String, String>,
    pub households: Vec<Household>,
    /// The Kobo import each imported household came from (or was last
    /// replaced by), by household id; households typed in by hand are
    /// absent.
    pub imported: BTreeMap<String, lumbung_domain::id::KoboImportId>,
}

fn stored_json<T: serde::de::DeserializeOwned>(what: &str, raw: &str) -> Result<T> {
    serde_json::from_str(raw).map_err(|e| {
        StoreError::conflict(text!("stored_unreadable", what = what, e = e;
                id: "{what} yang tersimpan tidak bisa dibaca: {e}",
                en: "stored {what} cannot be read: {e}"))
    })
}

/// The JSON that `sql` finds for kelurahan `code` (its plan, its
/// criteria), read as `what`; `None` when there is none.
fn stored_json_of<T: serde::de::DeserializeOwned>(
    tx: &crate::db::Connection,
    what: &str,
    sql: &str,
    code: &str,
) -> Result<Option<T>> {
    crate::sql::optional::<String>(tx, sql, [code])?
        .map(|raw| stored_json(what, &raw))
        .transpose()
}

fn stored_area(e: lumbung_domain::ParseError) -> StoreError {
    StoreError::conflict(crate::words::stored_area(e))
}

fn parse_time(raw: &str) -> Result<Timestamp> {
    raw.parse().map_err(|e: jiff::Error| {
        StoreError::conflict(
            text!("stored_time_unreadable", value = format!("{raw:?}"), e = e;
                id: "waktu tersimpan {value} tidak bisa dibaca: {e}",
                en: "stored time {value} cannot be read: {e}"),
        )
    })
}

fn parse_user(raw: &str) -> Result<Username> {
    Username::parse(raw).map_err(|e| {
        StoreError::conflict(
            text!("stored_user_unreadable", value = format!("{raw:?}"), e = e;
                id: "pengguna tersimpan {value} tidak bisa dibaca: {e}",
                en: "stored user {value} cannot be read: {e}"),
        )
    })
}

/// The kelurahan `code`, with its names and the organisations inside it.
pub(crate) fn kelurahan_in(tx: &crate::db::Connection, code: &str) -> Result<Kelurahan> {
    let row: Option<(String, String, Option<String>, String)> = crate::sql::optional_row(
        tx,
        "SELECT code, name, kind, path FROM areas WHERE code = ?1",
        [code],
        |r| r.try_into(),
    )?;
    let (code, name, path) = match row {
        Some((code, name, Some(kind), path)) if kind == "kelurahan" => (code, name, path),
        _ => {
            return Err(StoreError::not_found(text!("kelurahan", code = code;
                id: "kelurahan {code}", en: "kelurahan {code}")))
        }
    };
    let path = AreaPath::from_stored(path);
    let ancestors: Vec<&str> = path.as_str().trim_matches('/').split('/').collect();
    let name_of = |c: Option<&&str>| -> Result<Option<String>> {
        match c {
            Some(c) => Ok(crate::sql::optional(
                tx,
                "SELECT name FROM areas WHERE code = ?1",
                [c],
            )?),
            None => Ok(None),
        }
    };
    let n = ancestors.len();
    let district = name_of(n.checked_sub(2).and_then(|i| ancestors.get(i)))?;
    let regency = name_of(n.checked_sub(3).and_then(|i| ancestors.get(i)))?;
    let mut stmt = tx.prepare(
        "SELECT o.id FROM organisations o JOIN areas a ON a.code = o.area_code
         WHERE a.path >= ?1 AND a.path < ?2 ORDER BY o.id",
    )?;
    let orgs = stmt
        .query_map(params![path.as_str(), path.subtree_end()], |r| r.get(0))?
        .collect::<crate::db::Result<Vec<i64>>>()?;
    Ok(Kelurahan {
        code,
        name,
        district,
        regency,
        placement: Placement {
            area: Some(path.clone()),
            orgs,
        },
        path,
    })
}

fn criteria_in(tx: &crate::db::Connection, code: &str) -> Result<Option<Criteria>> {
    stored_json_of(
        tx,
        "criteria",
        "SELECT criteria FROM community_criteria WHERE kelurahan = ?1",
        code,
    )
}

fn areas_in(tx: &crate::db::Connection, kel: &Kelurahan) -> Result<KelurahanAreas> {
    let mut stmt = tx.prepare(
        "SELECT rw.code, rt.code FROM areas rw JOIN areas rt ON rt.parent_code = rw.code
         WHERE rw.parent_code = ?1 AND rw.kind = 'rw' AND rt.kind = 'rt'",
    )?;
    let pairs = stmt
        .query_map([&kel.code], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?
        .collect::<crate::db::Result<Vec<_>>>()?;
    let pairs = pairs
        .into_iter()
        .map(|(rw, rt)| {
            Ok((
                AreaCode::parse(&rw).map_err(stored_area)?,
                AreaCode::parse(&rt).map_err(stored_area)?,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(KelurahanAreas::new(kel.area_code(), pairs))
}

impl Store {
    /// The kelurahan `code` (an area of kind `kelurahan`), or not found.
    pub fn kelurahan(&self, code: &str) -> Result<Kelurahan> {
        let conn = self.conn()?;
        kelurahan_in(&conn, code)
    }
}
