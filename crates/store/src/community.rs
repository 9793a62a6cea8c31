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

use crate::audit::{self, Actor};
use crate::{Result, Store, StoreError};
use jiff::Timestamp;
use lumbung_community::cycle::{
    Attendance, CyclePlan, Document, KelurahanCycle, StepRecord, StepReport, Verification,
};
use lumbung_community::mapping::{
    bps_template, import_kobo, manual_ids, Criteria, CsvFile, Household, InvalidHousehold,
    KelurahanAreas, KoboError, KoboMapping,
};
use lumbung_domain::{AreaCode, AreaPath, Placement, Username};
use rusqlite::{params, OptionalExtension, Transaction, TransactionBehavior};
use serde::Serialize;
use sha2::{Digest, Sha256};
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
}

/// A kelurahan of the programme with its plan and its records.
#[derive(Debug, Clone)]
pub struct ProgrammeCycle {
    pub kelurahan: Kelurahan,
    pub plan: CyclePlan,
    pub cycle: KelurahanCycle,
}

/// One stored import of a Kobo export (both files).
#[derive(Debug, Clone, Serialize)]
pub struct KoboImport {
    pub id: i64,
    pub kelurahan: String,
    pub households_file: String,
    pub roster_file: String,
    pub households_sha256: String,
    pub roster_sha256: String,
    /// Households and members in the files.
    pub households: u64,
    pub members: u64,
    /// What this import changed: households added, replaced (same `_uuid`,
    /// other content) and left as they were.
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub imported_at: String,
    pub imported_by: String,
    /// True when these very files were imported before: nothing changed,
    /// and this is the earlier import.
    pub already_imported: bool,
}

/// Why an import of a Kobo export stored nothing.
#[derive(Debug, thiserror::Error)]
pub enum KoboImportError {
    /// The files or the column mapping: every problem, with file, line and
    /// column.
    #[error(transparent)]
    Kobo(#[from] KoboError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for KoboImportError {
    fn from(e: rusqlite::Error) -> Self {
        KoboImportError::Store(e.into())
    }
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
    pub imported: BTreeMap<String, i64>,
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn cycle_error(e: lumbung_community::cycle::CycleError) -> StoreError {
    use lumbung_community::cycle::CycleError as E;
    match e {
        E::UnknownStep(_) | E::NotRecorded(_) => StoreError::NotFound(e.to_string()),
        E::MoreWomenThanAttendance { .. } | E::MorePoorThanAttendance { .. } => {
            StoreError::invalid("attendance", e.to_string())
        }
        E::EmptyDocumentTitle(_) => StoreError::invalid("documents", e.to_string()),
        other => StoreError::Conflict(other.to_string()),
    }
}

fn stored_json<T: serde::de::DeserializeOwned>(what: &str, raw: &str) -> Result<T> {
    serde_json::from_str(raw)
        .map_err(|e| StoreError::Conflict(format!("stored {what} cannot be read: {e}")))
}

fn parse_time(raw: &str) -> Result<Timestamp> {
    raw.parse()
        .map_err(|e| StoreError::Conflict(format!("stored time {raw:?} cannot be read: {e}")))
}

fn parse_user(raw: &str) -> Result<Username> {
    Username::parse(raw)
        .map_err(|e| StoreError::Conflict(format!("stored user {raw:?} cannot be read: {e}")))
}

/// The kelurahan `code`, with its names and the organisations inside it.
fn kelurahan_in(tx: &rusqlite::Connection, code: &str) -> Result<Kelurahan> {
    let row: Option<(String, String, Option<String>, String)> = tx
        .query_row(
            "SELECT code, name, kind, path FROM areas WHERE code = ?1",
            [code],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    let (code, name, path) = match row {
        Some((code, name, Some(kind), path)) if kind == "kelurahan" => (code, name, path),
        _ => return Err(StoreError::NotFound(format!("kelurahan {code}"))),
    };
    let path = AreaPath::from_stored(path);
    let ancestors: Vec<&str> = path.as_str().trim_matches('/').split('/').collect();
    let name_of = |c: Option<&&str>| -> Result<Option<String>> {
        match c {
            Some(c) => Ok(tx
                .query_row("SELECT name FROM areas WHERE code = ?1", [c], |r| r.get(0))
                .optional()?),
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
        .collect::<rusqlite::Result<Vec<i64>>>()?;
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

fn plan_in(tx: &rusqlite::Connection, code: &str) -> Result<Option<CyclePlan>> {
    let raw: Option<String> = tx
        .query_row(
            "SELECT plan FROM community_plans WHERE kelurahan = ?1",
            [code],
            |r| r.get(0),
        )
        .optional()?;
    raw.map(|r| stored_json("cycle plan", &r)).transpose()
}

fn records_in(tx: &rusqlite::Connection, code: &str) -> Result<Vec<StepRecord>> {
    let mut stmt = tx.prepare(
        "SELECT step, done_on, attendance_total, attendance_women, attendance_poor, documents,
                recorded_by, recorded_at, verified_by, verified_at
         FROM community_steps WHERE kelurahan = ?1 ORDER BY done_on, recorded_at",
    )?;
    type Raw = (
        String,
        String,
        u32,
        u32,
        u32,
        String,
        String,
        String,
        Option<String>,
        Option<String>,
    );
    let rows = stmt
        .query_map([code], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                r.get(8)?,
                r.get(9)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<Raw>>>()?;
    rows.into_iter()
        .map(
            |(step, done_on, total, women, poor, docs, by, at, vby, vat)| {
                let verification = match (vby, vat) {
                    (Some(by), Some(at)) => Verification::Verified {
                        by: parse_user(&by)?,
                        at: parse_time(&at)?,
                    },
                    _ => Verification::Recorded,
                };
                Ok(StepRecord {
                    step,
                    done_on: done_on.parse().map_err(|e| {
                        StoreError::Conflict(format!("stored date {done_on:?} cannot be read: {e}"))
                    })?,
                    attendance: Attendance::new(total, women, poor).map_err(cycle_error)?,
                    documents: stored_json::<Vec<Document>>("documents", &docs)?,
                    recorded_by: parse_user(&by)?,
                    recorded_at: parse_time(&at)?,
                    verification,
                })
            },
        )
        .collect()
}

/// The kelurahan's plan (stored, or the programme's default) and its
/// records, re-checked by the cycle's rules.
fn cycle_in(tx: &rusqlite::Connection, kel: &Kelurahan) -> Result<(CyclePlan, KelurahanCycle)> {
    let plan = plan_in(tx, &kel.code)?.unwrap_or_default();
    let records = records_in(tx, &kel.code)?;
    let cycle =
        KelurahanCycle::from_records(kel.area_code(), &plan, records).map_err(cycle_error)?;
    Ok((plan, cycle))
}

fn save_plan(tx: &Transaction<'_>, code: &str, plan: &CyclePlan) -> Result<()> {
    tx.execute(
        "INSERT INTO community_plans (kelurahan, plan, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (kelurahan) DO UPDATE SET plan = excluded.plan, updated_at = excluded.updated_at",
        params![
            code,
            serde_json::to_string(plan).expect("plans serialise"),
            crate::now()
        ],
    )?;
    Ok(())
}

fn criteria_in(tx: &rusqlite::Connection, code: &str) -> Result<Option<Criteria>> {
    let raw: Option<String> = tx
        .query_row(
            "SELECT criteria FROM community_criteria WHERE kelurahan = ?1",
            [code],
            |r| r.get(0),
        )
        .optional()?;
    raw.map(|r| stored_json("criteria", &r)).transpose()
}

fn areas_in(tx: &rusqlite::Connection, kel: &Kelurahan) -> Result<KelurahanAreas> {
    let mut stmt = tx.prepare(
        "SELECT rw.code, rt.code FROM areas rw JOIN areas rt ON rt.parent_code = rw.code
         WHERE rw.parent_code = ?1 AND rw.kind = 'rw' AND rt.kind = 'rt'",
    )?;
    let pairs = stmt
        .query_map([&kel.code], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let pairs = pairs
        .into_iter()
        .map(|(rw, rt)| {
            Ok((
                AreaCode::parse(&rw).map_err(|e| StoreError::Conflict(e.to_string()))?,
                AreaCode::parse(&rt).map_err(|e| StoreError::Conflict(e.to_string()))?,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(KelurahanAreas::new(kel.area_code(), pairs))
}

fn households_in(
    tx: &rusqlite::Connection,
    code: &str,
) -> Result<(Vec<Household>, BTreeMap<String, i64>)> {
    let mut stmt = tx.prepare(
        "SELECT household, import_id FROM community_households WHERE kelurahan = ?1
         ORDER BY rt, rowid",
    )?;
    let raws = stmt
        .query_map([code], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Option<i64>>(1)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut imported = BTreeMap::new();
    let households = raws
        .iter()
        .map(|(raw, import)| {
            let h = stored_json::<Household>("household", raw)?;
            if let Some(i) = import {
                imported.insert(h.id.clone(), *i);
            }
            Ok(h)
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((households, imported))
}

/// The stored household `id` of kelurahan `code` and the import it came
/// from (`None`: typed in).
fn household_in(
    tx: &rusqlite::Connection,
    code: &str,
    id: &str,
) -> Result<Option<(Household, Option<i64>)>> {
    let row: Option<(String, Option<i64>)> = tx
        .query_row(
            "SELECT household, import_id FROM community_households WHERE kelurahan = ?1 AND id = ?2",
            params![code, id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    row.map(|(raw, import)| Ok((stored_json::<Household>("household", &raw)?, import)))
        .transpose()
}

/// A household refused by `lumbung_community`'s check, as the store's
/// refusal of the field it names.
fn refused(e: InvalidHousehold) -> StoreError {
    StoreError::invalid(e.field, e.message)
}

/// What the audit log keeps of a household: its id, RT and counts — no
/// names, addresses or NIKs (the log's readers are not the mapping's).
fn household_audit(h: &Household, import: Option<i64>) -> serde_json::Value {
    serde_json::json!({
        "household": h.id,
        "rt": h.rt,
        "members": h.members.len(),
        "answers": h.answers.len(),
        "import": import,
    })
}

fn import_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<KoboImport> {
    Ok(KoboImport {
        id: r.get(0)?,
        kelurahan: r.get(1)?,
        households_file: r.get(2)?,
        roster_file: r.get(3)?,
        households_sha256: r.get(4)?,
        roster_sha256: r.get(5)?,
        households: r.get::<_, i64>(6)? as u64,
        members: r.get::<_, i64>(7)? as u64,
        created: r.get::<_, i64>(8)? as u64,
        updated: r.get::<_, i64>(9)? as u64,
        unchanged: r.get::<_, i64>(10)? as u64,
        imported_at: r.get(11)?,
        imported_by: r.get(12)?,
        already_imported: false,
    })
}

const IMPORT_COLUMNS: &str = "id, kelurahan, households_file, roster_file, households_sha256, roster_sha256, households, members, created, updated, unchanged, imported_at, imported_by";

impl Store {
    /// The kelurahan `code` (an area of kind `kelurahan`), or not found.
    pub fn kelurahan(&self, code: &str) -> Result<Kelurahan> {
        let conn = self.conn()?;
        kelurahan_in(&conn, code)
    }

    /// The kelurahan's plan and records; the programme's default plan when
    /// it has none yet.
    pub fn kelurahan_cycle(&self, code: &str) -> Result<(Kelurahan, CyclePlan, KelurahanCycle)> {
        let conn = self.conn()?;
        let kel = kelurahan_in(&conn, code)?;
        let (plan, cycle) = cycle_in(&conn, &kel)?;
        Ok((kel, plan, cycle))
    }

    /// Every kelurahan of the programme (those with a plan) inside `within`
    /// (all when `None`), by code, with plan and records.
    pub fn programme_cycles(&self, within: Option<&AreaPath>) -> Result<Vec<ProgrammeCycle>> {
        let conn = self.conn()?;
        let (lo, hi) = match within {
            Some(p) => (p.as_str().to_owned(), p.subtree_end()),
            None => (String::new(), "\u{10FFFF}".to_owned()),
        };
        let mut stmt = conn.prepare(
            "SELECT p.kelurahan FROM community_plans p JOIN areas a ON a.code = p.kelurahan
             WHERE a.path >= ?1 AND a.path < ?2 ORDER BY p.kelurahan",
        )?;
        let codes = stmt
            .query_map(params![lo, hi], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        codes
            .iter()
            .map(|code| {
                let kelurahan = kelurahan_in(&conn, code)?;
                let (plan, cycle) = cycle_in(&conn, &kelurahan)?;
                Ok(ProgrammeCycle {
                    kelurahan,
                    plan,
                    cycle,
                })
            })
            .collect()
    }

    /// Stores the kelurahan's plan (and so makes it part of the programme).
    /// Refused when the steps already recorded do not fit the new plan.
    pub fn set_cycle_plan(&self, code: &str, plan: &CyclePlan, actor: &Actor) -> Result<()> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let kel = kelurahan_in(&tx, code)?;
        let records = records_in(&tx, code)?;
        KelurahanCycle::from_records(kel.area_code(), plan, records).map_err(|e| {
            StoreError::Conflict(format!("the recorded steps do not fit this plan: {e}"))
        })?;
        let before = plan_in(&tx, code)?;
        if before.as_ref() == Some(plan) {
            return Ok(());
        }
        save_plan(&tx, code, plan)?;
        audit::record(
            &tx,
            actor,
            "cycle.plan",
            "kelurahan",
            code,
            Some(kel.path.as_str()),
            serde_json::json!({"plan": plan, "before": before}),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Records a step a kelurahan has done, in the plan's order, by `by`
    /// (the facilitator). A kelurahan without a plan joins the programme
    /// with the default plan.
    pub fn record_cycle_step(
        &self,
        code: &str,
        report: StepReport,
        by: &Username,
        actor: &Actor,
    ) -> Result<StepRecord> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let kel = kelurahan_in(&tx, code)?;
        let stored_plan = plan_in(&tx, code)?;
        let (plan, mut cycle) = cycle_in(&tx, &kel)?;
        let record = cycle
            .record(&plan, report, by.clone(), Timestamp::now())
            .map_err(cycle_error)?
            .clone();
        if stored_plan.is_none() {
            save_plan(&tx, code, &plan)?;
        }
        tx.execute(
            "INSERT INTO community_steps (kelurahan, step, done_on, attendance_total,
                 attendance_women, attendance_poor, documents, recorded_by, recorded_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                code,
                record.step,
                record.done_on.to_string(),
                record.attendance.total(),
                record.attendance.women(),
                record.attendance.poor(),
                serde_json::to_string(&record.documents).expect("documents serialise"),
                record.recorded_by.as_str(),
                record.recorded_at.to_string(),
            ],
        )?;
        audit::record(
            &tx,
            actor,
            "cycle.record",
            "kelurahan",
            code,
            Some(kel.path.as_str()),
            serde_json::json!({
                "step": record.step,
                "done_on": record.done_on,
                "attendance": record.attendance,
                "documents": record.documents,
                "joined_programme": stored_plan.is_none(),
            }),
        )?;
        tx.commit()?;
        Ok(record)
    }

    /// Verifies a recorded step, by `by` (the city coordinator: someone
    /// other than the recorder; the caller checks the role and scope).
    pub fn verify_cycle_step(
        &self,
        code: &str,
        step: &str,
        by: &Username,
        actor: &Actor,
    ) -> Result<StepRecord> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let kel = kelurahan_in(&tx, code)?;
        let (_, mut cycle) = cycle_in(&tx, &kel)?;
        let at = Timestamp::now();
        let record = cycle.verify(step, by, at).map_err(cycle_error)?.clone();
        tx.execute(
            "UPDATE community_steps SET verified_by = ?3, verified_at = ?4
             WHERE kelurahan = ?1 AND step = ?2 AND verified_by IS NULL",
            params![code, step, by.as_str(), at.to_string()],
        )?;
        audit::record(
            &tx,
            actor,
            "cycle.verify",
            "kelurahan",
            code,
            Some(kel.path.as_str()),
            serde_json::json!({"step": step, "recorded_by": record.recorded_by}),
        )?;
        tx.commit()?;
        Ok(record)
    }

    /// The criteria the community of `code` adopted, if any.
    pub fn mapping_criteria(&self, code: &str) -> Result<Option<Criteria>> {
        let conn = self.conn()?;
        kelurahan_in(&conn, code)?;
        criteria_in(&conn, code)
    }

    /// Adopts (or replaces) the kelurahan's poverty criteria. Households
    /// keep their answers and are scored against the criteria in force
    /// whenever they are read.
    pub fn set_mapping_criteria(
        &self,
        code: &str,
        criteria: &Criteria,
        actor: &Actor,
    ) -> Result<()> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let kel = kelurahan_in(&tx, code)?;
        let before = criteria_in(&tx, code)?;
        if before.as_ref() == Some(criteria) {
            return Ok(());
        }
        tx.execute(
            "INSERT INTO community_criteria (kelurahan, criteria, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (kelurahan) DO UPDATE SET criteria = excluded.criteria,
                 updated_at = excluded.updated_at",
            params![
                code,
                serde_json::to_string(criteria).expect("criteria serialise"),
                crate::now()
            ],
        )?;
        audit::record(
            &tx,
            actor,
            "mapping.criteria",
            "kelurahan",
            code,
            Some(kel.path.as_str()),
            serde_json::json!({"criteria": criteria, "replaced": before.is_some()}),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Everything the mapping pages show: criteria in force, RW/RT and
    /// households (personal data: the caller decides who sees what).
    pub fn mapping_data(&self, code: &str) -> Result<MappingData> {
        mapping_data_in(&*self.conn()?, code)
    }

    /// The Kobo imports of a kelurahan, newest first.
    pub fn kobo_imports(&self, code: &str) -> Result<Vec<KoboImport>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare(&format!(
            "SELECT {IMPORT_COLUMNS} FROM community_imports WHERE kelurahan = ?1 ORDER BY id DESC"
        ))?;
        let rows = stmt.query_map([code], import_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Imports a KoboToolbox export (the household file and its roster) into
    /// kelurahan `code`, all or nothing: every problem of either file is
    /// reported and nothing is stored, or every household is. A household
    /// is known by its `_uuid`: one already stored is replaced, others are
    /// added, and stored households missing from the files are kept (an
    /// export may be filtered, e.g. per RW). The same two files again change
    /// nothing. `mapping` defaults to the sample form's, limited to the
    /// indicators of the criteria in force. `progress` is called with
    /// (households written, households to write).
    pub fn import_kobo(
        &self,
        code: &str,
        households: CsvFile<'_>,
        roster: CsvFile<'_>,
        mapping: Option<&KoboMapping>,
        actor: &Actor,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<KoboImport, KoboImportError> {
        let (h_sha, r_sha) = (sha256_hex(households.bytes), sha256_hex(roster.bytes));
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let kel = kelurahan_in(&tx, code)?;
        let earlier = tx
            .query_row(
                &format!(
                    "SELECT {IMPORT_COLUMNS} FROM community_imports
                     WHERE kelurahan = ?1 AND households_sha256 = ?2 AND roster_sha256 = ?3"
                ),
                params![code, h_sha, r_sha],
                import_from_row,
            )
            .optional()?;
        if let Some(mut earlier) = earlier {
            earlier.already_imported = true;
            return Ok(earlier);
        }
        let criteria = criteria_in(&tx, code)?.unwrap_or_else(bps_template);
        let areas = areas_in(&tx, &kel)?;
        let mapping = match mapping {
            Some(m) => m.clone(),
            None => {
                let mut m = KoboMapping::default();
                m.indicators
                    .retain(|_, key| criteria.indicator(key).is_some());
                m
            }
        };
        let read = import_kobo(households, roster, &mapping, &criteria, &areas)?;
        let total = read.len() as u64;
        let members: u64 = read.iter().map(|h| h.members.len() as u64).sum();
        let now = crate::now();
        tx.execute(
            "INSERT INTO community_imports (kelurahan, households_file, roster_file,
                 households_sha256, roster_sha256, households, members, created, updated,
                 unchanged, imported_at, imported_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, 0, 0, ?8, ?9)",
            params![
                code,
                households.name,
                roster.name,
                h_sha,
                r_sha,
                total as i64,
                members as i64,
                now,
                actor.label()
            ],
        )?;
        let import_id = tx.last_insert_rowid();
        let (mut created, mut updated, mut unchanged) = (0u64, 0u64, 0u64);
        {
            let mut find = tx.prepare(
                "SELECT household FROM community_households WHERE kelurahan = ?1 AND id = ?2",
            )?;
            let mut insert = tx.prepare(
                "INSERT INTO community_households (kelurahan, id, rt, household, import_id, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            let mut replace = tx.prepare(
                "UPDATE community_households SET rt = ?3, household = ?4, import_id = ?5,
                     updated_at = ?6 WHERE kelurahan = ?1 AND id = ?2",
            )?;
            for (i, h) in read.iter().enumerate() {
                let json = serde_json::to_string(h).expect("households serialise");
                let stored: Option<String> = find
                    .query_row(params![code, h.id], |r| r.get(0))
                    .optional()?;
                match stored {
                    None => {
                        insert.execute(params![code, h.id, h.rt.as_str(), json, import_id, now])?;
                        created += 1;
                    }
                    Some(old) if stored_json::<Household>("household", &old)? == *h => {
                        unchanged += 1;
                    }
                    Some(_) => {
                        replace.execute(params![
                            code,
                            h.id,
                            h.rt.as_str(),
                            json,
                            import_id,
                            now
                        ])?;
                        updated += 1;
                    }
                }
                if i % 500 == 499 || i + 1 == read.len() {
                    progress(i as u64 + 1, total);
                }
            }
        }
        tx.execute(
            "UPDATE community_imports SET created = ?2, updated = ?3, unchanged = ?4 WHERE id = ?1",
            params![import_id, created as i64, updated as i64, unchanged as i64],
        )?;
        audit::record(
            &tx,
            actor,
            "mapping.import",
            "kelurahan",
            code,
            Some(kel.path.as_str()),
            serde_json::json!({
                "import": import_id,
                "households_file": households.name,
                "roster_file": roster.name,
                "households_sha256": h_sha,
                "roster_sha256": r_sha,
                "households": total,
                "members": members,
                "created": created,
                "updated": updated,
                "unchanged": unchanged,
            }),
        )?;
        let stored = tx.query_row(
            &format!("SELECT {IMPORT_COLUMNS} FROM community_imports WHERE id = ?1"),
            [import_id],
            import_from_row,
        )?;
        tx.commit()?;
        Ok(stored)
    }

    /// Adds a household typed in by hand (a facilitator's form, or the
    /// API) to kelurahan `code`. Checked: the RT is one of the kelurahan's;
    /// every answer is to an indicator of the criteria in force and of its
    /// kind (yes/no or a number); the head is named; at least one member,
    /// each named, with an age of 0–130 or a year of birth of 1880–2100.
    /// The id must be new in the kelurahan; an empty one becomes
    /// `manual-<n>` (ids of that form are Lumbung's to give). Stored
    /// without an import, audited as `mapping.household.add`, scored by
    /// the criteria in force whenever read. Returns the household as
    /// stored (trimmed, with its id).
    pub fn add_household(
        &self,
        code: &str,
        household: &Household,
        actor: &Actor,
    ) -> Result<Household> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let kel = kelurahan_in(&tx, code)?;
        let criteria = criteria_in(&tx, code)?.unwrap_or_else(bps_template);
        let areas = areas_in(&tx, &kel)?;
        let mut h = household.checked(&criteria, &areas).map_err(refused)?;
        if h.id.is_empty() {
            h.id = next_manual_id(&tx, &kel)?;
        } else if let Err(e) = h.check_own_id() {
            return Err(refused(e));
        } else if household_in(&tx, code, &h.id)?.is_some() {
            return Err(StoreError::invalid(
                "id",
                format!("household {:?} is already mapped in this kelurahan", h.id),
            ));
        }
        tx.execute(
            "INSERT INTO community_households (kelurahan, id, rt, household, import_id, updated_at)
             VALUES (?1, ?2, ?3, ?4, NULL, ?5)",
            params![
                code,
                h.id,
                h.rt.as_str(),
                serde_json::to_string(&h).expect("households serialise"),
                crate::now()
            ],
        )?;
        audit::record(
            &tx,
            actor,
            "mapping.household.add",
            "kelurahan",
            code,
            Some(kel.path.as_str()),
            household_audit(&h, None),
        )?;
        tx.commit()?;
        Ok(h)
    }

    /// Replaces a stored household (typed in or imported), known by its
    /// id, after the checks of [`Store::add_household`]; the import it came
    /// from stays recorded (a later export with the same `_uuid` replaces
    /// the edit). The same household again is no change. Audited as
    /// `mapping.household.update`.
    pub fn update_household(&self, code: &str, household: &Household, actor: &Actor) -> Result<()> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let kel = kelurahan_in(&tx, code)?;
        let criteria = criteria_in(&tx, code)?.unwrap_or_else(bps_template);
        let areas = areas_in(&tx, &kel)?;
        let h = household.checked(&criteria, &areas).map_err(refused)?;
        let Some((before, import)) = household_in(&tx, code, &h.id)? else {
            return Err(StoreError::NotFound(format!(
                "household {:?} in kelurahan {code}",
                h.id
            )));
        };
        if before == h {
            return Ok(());
        }
        tx.execute(
            "UPDATE community_households SET rt = ?3, household = ?4, updated_at = ?5
             WHERE kelurahan = ?1 AND id = ?2",
            params![
                code,
                h.id,
                h.rt.as_str(),
                serde_json::to_string(&h).expect("households serialise"),
                crate::now()
            ],
        )?;
        let mut details = household_audit(&h, import);
        details["rt_before"] = serde_json::json!(before.rt);
        audit::record(
            &tx,
            actor,
            "mapping.household.update",
            "kelurahan",
            code,
            Some(kel.path.as_str()),
            details,
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Removes a household, typed in or imported, from kelurahan `code`;
    /// audited as `mapping.household.remove` (id, RT, counts and the
    /// import it came from). An imported household comes back with a
    /// later export that still holds its `_uuid` (the very same two files
    /// again change nothing). Returns the household removed.
    pub fn remove_household(&self, code: &str, id: &str, actor: &Actor) -> Result<Household> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let kel = kelurahan_in(&tx, code)?;
        let Some((h, import)) = household_in(&tx, code, id)? else {
            return Err(StoreError::NotFound(format!(
                "household {id:?} in kelurahan {code}"
            )));
        };
        tx.execute(
            "DELETE FROM community_households WHERE kelurahan = ?1 AND id = ?2",
            params![code, id],
        )?;
        audit::record(
            &tx,
            actor,
            "mapping.household.remove",
            "kelurahan",
            code,
            Some(kel.path.as_str()),
            household_audit(&h, import),
        )?;
        tx.commit()?;
        Ok(h)
    }
}

/// The id of the next household typed in without one
/// (`lumbung_community::mapping::manual_ids`): the households added by
/// hand so far are counted in the audit log (append-only, so a removed
/// household's id is not given again).
fn next_manual_id(tx: &Transaction<'_>, kel: &Kelurahan) -> Result<String> {
    let added: i64 = tx.query_row(
        "SELECT count(*) FROM audit_log
         WHERE scope_path = ?1 AND action = 'mapping.household.add' AND entity_id = ?2",
        params![kel.path.as_str(), kel.code],
        |r| r.get(0),
    )?;
    let mut stmt = tx.prepare(
        "SELECT id FROM community_households WHERE kelurahan = ?1 AND id LIKE 'manual-%'",
    )?;
    let stored = stmt
        .query_map([&kel.code], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for id in manual_ids(added.max(0) as u64, stored.iter().map(String::as_str)) {
        if household_in(tx, &kel.code, &id)?.is_none() {
            return Ok(id);
        }
    }
    unreachable!("manual_ids never ends")
}

/// [`Store::mapping_data`] on a connection the caller holds.
pub(crate) fn mapping_data_in(conn: &rusqlite::Connection, code: &str) -> Result<MappingData> {
    let kelurahan = kelurahan_in(conn, code)?;
    let adopted = criteria_in(conn, code)?;
    let areas = areas_in(conn, &kelurahan)?;
    let (households, imported) = households_in(conn, code)?;
    let mut stmt = conn.prepare(
        "SELECT code, name FROM areas WHERE path > ?1 AND path < ?2 AND kind IN ('rw', 'rt')",
    )?;
    let area_names = stmt
        .query_map(
            params![kelurahan.path.as_str(), kelurahan.path.subtree_end()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?
        .collect::<rusqlite::Result<_>>()?;
    Ok(MappingData {
        area_names,
        criteria_adopted: adopted.is_some(),
        criteria: adopted.unwrap_or_else(bps_template),
        areas,
        households,
        imported,
        kelurahan,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::store;
    use jiff::civil::date;
    use lumbung_community::cycle::{progress_planned, ProgressSettings};
    use lumbung_community::mapping::{ps2_list, summarise, Age, Answer, Test};
    use lumbung_domain::{AreaKind, AreaRecord, Scope};

    const HOUSEHOLDS: &[u8] = include_bytes!("../../community/tests/data/kobo/households.csv");
    const ROSTER: &[u8] = include_bytes!("../../community/tests/data/kobo/roster.csv");
    const HOUSEHOLDS_BAD: &[u8] =
        include_bytes!("../../community/tests/data/kobo/households_bad.csv");
    const ROSTER_BAD: &[u8] = include_bytes!("../../community/tests/data/kobo/roster_bad.csv");

    const KEL: &str = "3604010001";

    fn area(line: u64, code: &str, parent: Option<&str>, kind: &str) -> AreaRecord {
        AreaRecord {
            line,
            code: AreaCode::parse(code).unwrap(),
            name: code.to_owned(),
            parent: parent.map(|p| AreaCode::parse(p).unwrap()),
            kind: Some(AreaKind::parse(kind).unwrap()),
        }
    }

    /// Kabupaten Serang with two kelurahan; the sample's RW and RT under
    /// the first.
    fn seeded() -> (tempfile::TempDir, Store) {
        let (dir, s) = store();
        let mut records = vec![
            area(1, "ID", None, "country"),
            area(2, "36", Some("ID"), "province"),
            area(3, "3604", Some("36"), "regency"),
            area(4, "3604010", Some("3604"), "district"),
            area(5, KEL, Some("3604010"), "kelurahan"),
            area(6, "3604010002", Some("3604010"), "kelurahan"),
        ];
        for (rw, rts) in [(3u16, [4u16, 5]), (5, [1, 2])] {
            let rw_code = AreaCode::parse(KEL).unwrap().rw(rw).unwrap();
            records.push(area(
                records.len() as u64 + 1,
                rw_code.as_str(),
                Some(KEL),
                "rw",
            ));
            for rt in rts {
                records.push(area(
                    records.len() as u64 + 1,
                    rw_code.rt(rt).unwrap().as_str(),
                    Some(rw_code.as_str()),
                    "rt",
                ));
            }
        }
        s.import_areas(
            "t.csv",
            records,
            vec![],
            vec![],
            &Actor::cli(),
            &mut |_, _| {},
        )
        .unwrap();
        (dir, s)
    }

    fn user(u: &str) -> Username {
        Username::parse(u).unwrap()
    }

    fn report(step: &str, on: jiff::civil::Date) -> StepReport {
        StepReport {
            step: step.into(),
            done_on: on,
            attendance: Attendance::new(40, 18, 12).unwrap(),
            documents: vec![Document {
                title: "Berita acara".into(),
                reference: None,
            }],
        }
    }

    fn audit_actions(s: &Store) -> Vec<String> {
        s.audit_entries(&Scope::Global, 100, 0)
            .unwrap()
            .0
            .into_iter()
            .map(|e| e.action)
            .filter(|a| !a.starts_with("area"))
            .collect()
    }

    fn file<'a>(name: &'a str, bytes: &'a [u8]) -> CsvFile<'a> {
        CsvFile { name, bytes }
    }

    #[test]
    fn only_kelurahan_have_a_cycle() {
        let (_d, s) = seeded();
        assert!(matches!(s.kelurahan("3604"), Err(StoreError::NotFound(_))));
        assert!(matches!(s.kelurahan("nope"), Err(StoreError::NotFound(_))));
        let k = s.kelurahan(KEL).unwrap();
        assert_eq!(k.district.as_deref(), Some("3604010"));
        assert_eq!(k.regency.as_deref(), Some("3604"));
    }

    #[test]
    fn steps_are_recorded_in_order_verified_by_another_and_audited() {
        let (_d, s) = seeded();
        let actor = Actor::cli();
        let fac = user("fasilitator");
        assert!(s.programme_cycles(None).unwrap().is_empty());
        let err = s
            .record_cycle_step(KEL, report("volunteers", date(2024, 1, 10)), &fac, &actor)
            .unwrap_err();
        assert!(err.to_string().contains("before step rkm"), "{err}");
        s.record_cycle_step(KEL, report("rkm", date(2024, 1, 10)), &fac, &actor)
            .unwrap();
        assert!(matches!(
            s.record_cycle_step(KEL, report("rkm", date(2024, 1, 11)), &fac, &actor),
            Err(StoreError::Conflict(_))
        ));
        let mut bad = report("volunteers", date(2024, 2, 1));
        bad.attendance = Attendance::new(10, 0, 0).unwrap();
        bad.documents[0].title = " ".into();
        assert!(matches!(
            s.record_cycle_step(KEL, bad, &fac, &actor),
            Err(StoreError::Invalid { .. })
        ));
        // Joined the programme with the default plan.
        let all = s.programme_cycles(None).unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].cycle.records().len(), 1);
        assert!(matches!(
            s.verify_cycle_step(KEL, "rkm", &fac, &actor),
            Err(StoreError::Conflict(_))
        ));
        assert!(matches!(
            s.verify_cycle_step(KEL, "volunteers", &user("korkot"), &actor),
            Err(StoreError::NotFound(_))
        ));
        let r = s
            .verify_cycle_step(KEL, "rkm", &user("korkot"), &actor)
            .unwrap();
        assert!(r.is_verified());
        assert!(s
            .verify_cycle_step(KEL, "rkm", &user("korkot2"), &actor)
            .is_err());
        let (_, _, cycle) = s.kelurahan_cycle(KEL).unwrap();
        assert!(cycle.records()[0].is_verified());
        assert_eq!(
            audit_actions(&s),
            ["cycle.verify", "cycle.record"],
            "refused changes leave no trace"
        );
    }

    #[test]
    fn plans_keep_targets_and_must_fit_the_records() {
        let (_d, s) = seeded();
        let actor = Actor::cli();
        let mut plan = CyclePlan::default();
        plan.set_target("rkm", Some(date(2024, 1, 31))).unwrap();
        plan.set_start(Some(date(2024, 1, 2)));
        s.set_cycle_plan(KEL, &plan, &actor).unwrap();
        s.set_cycle_plan(KEL, &plan, &actor).unwrap();
        assert_eq!(
            audit_actions(&s),
            ["cycle.plan"],
            "the same plan again is no change"
        );
        s.record_cycle_step(
            KEL,
            report("rkm", date(2024, 2, 10)),
            &user("fasilitator"),
            &actor,
        )
        .unwrap();
        let mut steps = lumbung_community::cycle::default_steps();
        steps.remove(0);
        let without_rkm = CyclePlan::new(steps, None).unwrap();
        assert!(matches!(
            s.set_cycle_plan(KEL, &without_rkm, &actor),
            Err(StoreError::Conflict(_))
        ));
        let path = s.area_path("3604010").unwrap().unwrap();
        let cycles = s.programme_cycles(Some(&path)).unwrap();
        let pairs: Vec<_> = cycles.iter().map(|c| (&c.plan, &c.cycle)).collect();
        let p = progress_planned(
            &CyclePlan::default(),
            &pairs,
            &BTreeMap::new(),
            date(2024, 3, 1),
            &ProgressSettings::default(),
        )
        .unwrap();
        assert_eq!(
            p.steps[0].on_time,
            Some(0),
            "done after the 31 January target"
        );
        let other = s.area_path("3603").unwrap();
        assert!(other.is_none());
    }

    #[test]
    fn a_kobo_export_imports_whole_once() {
        let (_d, s) = seeded();
        let actor = Actor::cli();
        let mut calls = 0;
        let first = s
            .import_kobo(
                KEL,
                file("households.csv", HOUSEHOLDS),
                file("roster.csv", ROSTER),
                None,
                &actor,
                &mut |_, _| calls += 1,
            )
            .unwrap();
        assert!(calls > 0);
        assert_eq!((first.households, first.members), (30, 131));
        assert_eq!((first.created, first.updated, first.unchanged), (30, 0, 0));
        assert!(!first.already_imported);
        let again = s
            .import_kobo(
                KEL,
                file("households.csv", HOUSEHOLDS),
                file("roster.csv", ROSTER),
                None,
                &actor,
                &mut |_, _| {},
            )
            .unwrap();
        assert!(again.already_imported);
        assert_eq!(again.id, first.id);
        assert_eq!(s.kobo_imports(KEL).unwrap().len(), 1);
        assert_eq!(audit_actions(&s), ["mapping.import"]);

        let data = s.mapping_data(KEL).unwrap();
        assert!(!data.criteria_adopted);
        assert_eq!(data.households.len(), 30);
        let summary = summarise(&data.criteria, &data.areas, &data.households).unwrap();
        assert_eq!(summary.kelurahan.households, 30);
        assert_eq!(summary.rws.len(), 2);
        assert_eq!(summary.rts.len(), 4);
        let list = ps2_list(&data.criteria, &data.areas, &data.households).unwrap();
        assert_eq!(list.poor.len() as u64, summary.kelurahan.poor);

        // Another kelurahan has no such RT: refused whole.
        let err = s
            .import_kobo(
                "3604010002",
                file("households.csv", HOUSEHOLDS),
                file("roster.csv", ROSTER),
                None,
                &actor,
                &mut |_, _| {},
            )
            .unwrap_err();
        assert!(matches!(err, KoboImportError::Kobo(KoboError::Rejected(_))));
        assert!(s.mapping_data("3604010002").unwrap().households.is_empty());
    }

    #[test]
    fn a_bad_export_stores_nothing_and_names_every_problem() {
        let (_d, s) = seeded();
        let err = s
            .import_kobo(
                KEL,
                file("households_bad.csv", HOUSEHOLDS_BAD),
                file("roster_bad.csv", ROSTER_BAD),
                None,
                &Actor::cli(),
                &mut |_, _| {},
            )
            .unwrap_err();
        let KoboImportError::Kobo(KoboError::Rejected(files)) = err else {
            panic!("expected a rejection, got {err:?}");
        };
        assert_eq!(files[0].file, "households_bad.csv");
        assert!(files.iter().all(|f| f.errors.iter().all(|e| e.line > 0)));
        assert!(s.mapping_data(KEL).unwrap().households.is_empty());
        assert!(s.kobo_imports(KEL).unwrap().is_empty());
        assert!(audit_actions(&s).is_empty());
    }

    #[test]
    fn criteria_are_adopted_and_households_scored_against_them() {
        let (_d, s) = seeded();
        let actor = Actor::cli();
        s.import_kobo(
            KEL,
            file("households.csv", HOUSEHOLDS),
            file("roster.csv", ROSTER),
            None,
            &actor,
            &mut |_, _| {},
        )
        .unwrap();
        let bps = s.mapping_data(KEL).unwrap();
        let poor_bps = summarise(&bps.criteria, &bps.areas, &bps.households)
            .unwrap()
            .kelurahan
            .poor;
        let mut json = serde_json::to_value(bps_template()).unwrap();
        json["name"] = "Kriteria warga".into();
        json["poor_when_at_least"] = 3.into();
        let ours: Criteria = serde_json::from_value(json).unwrap();
        s.set_mapping_criteria(KEL, &ours, &actor).unwrap();
        s.set_mapping_criteria(KEL, &ours, &actor).unwrap();
        let data = s.mapping_data(KEL).unwrap();
        assert!(data.criteria_adopted);
        assert_eq!(data.criteria.name(), "Kriteria warga");
        let poor = summarise(&data.criteria, &data.areas, &data.households)
            .unwrap()
            .kelurahan
            .poor;
        assert!(poor > poor_bps, "a laxer rule finds more poor households");
        assert_eq!(audit_actions(&s), ["mapping.criteria", "mapping.import"]);
    }

    #[test]
    fn a_new_export_replaces_households_by_uuid() {
        let (_d, s) = seeded();
        let actor = Actor::cli();
        s.import_kobo(
            KEL,
            file("households.csv", HOUSEHOLDS),
            file("roster.csv", ROSTER),
            None,
            &actor,
            &mut |_, _| {},
        )
        .unwrap();
        let text = String::from_utf8(HOUSEHOLDS.to_vec()).unwrap();
        let changed = text.replacen("Mulyadi", "Mulyadi bin Sarta", 1);
        let second = s
            .import_kobo(
                KEL,
                file("households-2.csv", changed.as_bytes()),
                file("roster.csv", ROSTER),
                None,
                &actor,
                &mut |_, _| {},
            )
            .unwrap();
        assert_eq!(
            (second.created, second.updated, second.unchanged),
            (0, 1, 29)
        );
        let data = s.mapping_data(KEL).unwrap();
        assert_eq!(data.households.len(), 30);
        assert!(data
            .households
            .iter()
            .any(|h| h.head_name == "Mulyadi bin Sarta"));
    }

    fn typed_in(rt: &str, id: &str, floor_area: &str) -> Household {
        use lumbung_community::mapping::{Decimal, Member, Relation, Sex};
        let criteria = bps_template();
        let mut answers: BTreeMap<String, Answer> = criteria
            .indicators()
            .iter()
            .filter(|i| matches!(i.test, Test::YesNo { .. }))
            .map(|i| (i.key.clone(), Answer::YesNo(true)))
            .collect();
        answers.insert(
            "floor_area".into(),
            Answer::Number(Decimal::parse(floor_area).unwrap()),
        );
        let member = |name: &str, sex, age, relation| Member {
            name: name.into(),
            sex,
            age,
            relation,
            nik: None,
        };
        Household {
            id: id.into(),
            rt: AreaCode::parse(rt).unwrap(),
            head_name: " Siti Aminah ".into(),
            address: "Kp. Cibogo".into(),
            answers,
            members: vec![
                member("Siti Aminah", Sex::Female, Age::Years(41), Relation::Head),
                member("Rudi", Sex::Male, Age::BirthYear(2010), Relation::Child),
            ],
        }
    }

    fn invalid_field(r: Result<Household>) -> (String, String) {
        match r {
            Err(StoreError::Invalid { field, message }) => (field, message),
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn households_are_typed_in_checked_scored_and_removed() {
        let (_d, s) = seeded();
        let actor = Actor::cli();
        let rt = AreaCode::parse(KEL).unwrap().rw(3).unwrap().rt(4).unwrap();
        let rt = rt.as_str();
        let first = s
            .add_household(KEL, &typed_in(rt, "", "10"), &actor)
            .unwrap();
        assert_eq!(first.id, "manual-1");
        assert_eq!(first.head_name, "Siti Aminah", "trimmed");
        let second = s
            .add_household(KEL, &typed_in(rt, " ", "10"), &actor)
            .unwrap();
        assert_eq!(second.id, "manual-2");
        let own = s
            .add_household(KEL, &typed_in(rt, "kk-7", "40"), &actor)
            .unwrap();
        assert_eq!(own.id, "kk-7");

        let data = s.mapping_data(KEL).unwrap();
        assert_eq!(data.households.len(), 3);
        assert!(data.imported.is_empty(), "typed in, not imported");
        // 13 yes + 10 m² for 2 members (5 m² each, under 8): all 14 hold.
        // 40 m² for 2 is 20 m² each: 13 hold, still poor (9 of 14).
        let summary = summarise(&data.criteria, &data.areas, &data.households).unwrap();
        assert_eq!(summary.kelurahan.poor, 3);
        assert_eq!(summary.kelurahan.members, 6);
        let list = ps2_list(&data.criteria, &data.areas, &data.households).unwrap();
        assert_eq!(list.poor.len(), 3);
        assert!(list.poor.iter().any(|e| e.household_id == "kk-7"));

        // Refused, each naming its field; nothing stored, nothing audited.
        let before = audit_actions(&s).len();
        let (f, m) = invalid_field(s.add_household(KEL, &typed_in(rt, "kk-7", "1"), &actor));
        assert_eq!(f, "id");
        assert!(m.contains("already mapped"), "{m}");
        let (f, _) = invalid_field(s.add_household(KEL, &typed_in(rt, "manual-9", "1"), &actor));
        assert_eq!(f, "id");
        let other_rt = AreaCode::parse("3604010002")
            .unwrap()
            .rw(3)
            .unwrap()
            .rt(4)
            .unwrap();
        let (f, m) =
            invalid_field(s.add_household(KEL, &typed_in(other_rt.as_str(), "", "1"), &actor));
        assert_eq!(f, "rt");
        assert!(m.contains(other_rt.as_str()), "{m}");
        // The RT is fine, but the kelurahan is another one.
        assert_eq!(
            invalid_field(s.add_household("3604010002", &typed_in(rt, "", "1"), &actor)).0,
            "rt"
        );
        let mut h = typed_in(rt, "", "1");
        h.answers.insert("no_such".into(), Answer::YesNo(true));
        h.answers.insert("floor_area".into(), Answer::YesNo(true));
        let (f, m) = invalid_field(s.add_household(KEL, &h, &actor));
        assert_eq!(f, "answers");
        assert!(m.contains("no_such") && m.contains("floor_area"), "{m}");
        let mut h = typed_in(rt, "", "1");
        h.head_name = "  ".into();
        assert_eq!(
            invalid_field(s.add_household(KEL, &h, &actor)).0,
            "head_name"
        );
        let mut h = typed_in(rt, "", "1");
        h.members.clear();
        assert_eq!(invalid_field(s.add_household(KEL, &h, &actor)).0, "members");
        let mut h = typed_in(rt, "", "1");
        h.members[1].name = " ".into();
        h.members[0].age = Age::Years(200);
        let (f, m) = invalid_field(s.add_household(KEL, &h, &actor));
        assert_eq!(f, "members");
        assert!(
            m.contains("member 1: 200") && m.contains("member 2: the name"),
            "{m}"
        );
        assert!(matches!(
            s.add_household("3604", &typed_in(rt, "", "1"), &actor),
            Err(StoreError::NotFound(_))
        ));
        assert_eq!(audit_actions(&s).len(), before);
        assert_eq!(s.mapping_data(KEL).unwrap().households.len(), 3);

        // Removed, audited; ids are not given twice.
        let removed = s.remove_household(KEL, "manual-2", &actor).unwrap();
        assert_eq!(removed.head_name, "Siti Aminah");
        assert!(matches!(
            s.remove_household(KEL, "manual-2", &actor),
            Err(StoreError::NotFound(_))
        ));
        let next = s
            .add_household(KEL, &typed_in(rt, "", "10"), &actor)
            .unwrap();
        assert_eq!(next.id, "manual-4", "the fourth household typed in");
        let data = s.mapping_data(KEL).unwrap();
        let ids: Vec<&str> = data.households.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(ids, ["manual-1", "kk-7", "manual-4"]);
        assert_eq!(
            audit_actions(&s),
            [
                "mapping.household.add",
                "mapping.household.remove",
                "mapping.household.add",
                "mapping.household.add",
                "mapping.household.add",
            ]
        );
        let entries = s.audit_entries(&Scope::Global, 1, 0).unwrap().0;
        let logged = entries[0].details.to_string();
        assert!(
            !logged.contains("Siti"),
            "no names in the audit log: {logged}"
        );
        assert_eq!(entries[0].details["household"], "manual-4");
    }

    #[test]
    fn imported_households_are_edited_and_removed_until_a_new_export() {
        let (_d, s) = seeded();
        let actor = Actor::cli();
        let import = s
            .import_kobo(
                KEL,
                file("households.csv", HOUSEHOLDS),
                file("roster.csv", ROSTER),
                None,
                &actor,
                &mut |_, _| {},
            )
            .unwrap();
        let data = s.mapping_data(KEL).unwrap();
        assert_eq!(data.imported.len(), 30);
        let gone = data
            .households
            .iter()
            .find(|h| !h.head_name.contains("Mulyadi"))
            .unwrap()
            .clone();
        assert_eq!(data.imported[&gone.id], import.id);

        // Edited by hand: kept as its import's.
        let mut edited = gone.clone();
        edited.address = "Kp. Baru".into();
        s.update_household(KEL, &edited, &actor).unwrap();
        s.update_household(KEL, &edited, &actor).unwrap();
        let data = s.mapping_data(KEL).unwrap();
        assert!(data.households.iter().any(|h| h.address == "Kp. Baru"));
        assert_eq!(data.imported[&gone.id], import.id);
        let mut unknown = edited.clone();
        unknown.id = "nope".into();
        assert!(matches!(
            s.update_household(KEL, &unknown, &actor),
            Err(StoreError::NotFound(_))
        ));
        let mut bad = edited.clone();
        bad.members.clear();
        assert!(matches!(
            s.update_household(KEL, &bad, &actor),
            Err(StoreError::Invalid { .. })
        ));

        s.remove_household(KEL, &gone.id, &actor).unwrap();
        assert_eq!(s.mapping_data(KEL).unwrap().households.len(), 29);
        // The same files again change nothing: it stays removed.
        let again = s
            .import_kobo(
                KEL,
                file("households.csv", HOUSEHOLDS),
                file("roster.csv", ROSTER),
                None,
                &actor,
                &mut |_, _| {},
            )
            .unwrap();
        assert!(again.already_imported);
        assert_eq!(s.mapping_data(KEL).unwrap().households.len(), 29);
        // A new export that still holds it brings it back.
        let text = String::from_utf8(HOUSEHOLDS.to_vec()).unwrap();
        let changed = text.replacen("Mulyadi", "Mulyadi bin Sarta", 1);
        let later = s
            .import_kobo(
                KEL,
                file("households-2.csv", changed.as_bytes()),
                file("roster.csv", ROSTER),
                None,
                &actor,
                &mut |_, _| {},
            )
            .unwrap();
        assert_eq!((later.created, later.updated), (1, 1));
        let data = s.mapping_data(KEL).unwrap();
        assert_eq!(data.households.len(), 30);
        assert_eq!(data.imported[&gone.id], later.id);
        assert_eq!(
            audit_actions(&s),
            [
                "mapping.import",
                "mapping.household.remove",
                "mapping.household.update",
                "mapping.import",
            ]
        );
    }
}
