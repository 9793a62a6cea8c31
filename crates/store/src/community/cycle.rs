//! The P2KP cycle of each kelurahan: its plan and the steps recorded and
//! verified.

use super::*;
use crate::audit::Actor;
use crate::db::{params, Transaction};
use crate::{Result, Store, StoreError};
use jiff::Timestamp;
use lumbung_community::cycle::{
    Attendance, CyclePlan, Document, KelurahanCycle, StepRecord, StepReport, Verification,
};
use lumbung_domain::Scope;
use lumbung_domain::{text, AreaPath, Username};

pub(super) fn cycle_error(e: lumbung_community::cycle::CycleError) -> StoreError {
    use lumbung_community::cycle::CycleError as E;
    match e {
        E::UnknownStep(_) | E::NotRecorded(_) => StoreError::not_found(e.text()),
        E::MoreWomenThanAttendance { .. } | E::MorePoorThanAttendance { .. } => {
            StoreError::invalid("attendance", e.text())
        }
        E::EmptyDocumentTitle(_) => StoreError::invalid("documents", e.text()),
        other => StoreError::conflict(other.text()),
    }
}

pub(super) fn plan_in(tx: &crate::db::Connection, code: &str) -> Result<Option<CyclePlan>> {
    stored_json_of(
        tx,
        "cycle plan",
        "SELECT plan FROM community_plans WHERE kelurahan = ?1",
        code,
    )
}

pub(super) fn records_in(tx: &crate::db::Connection, code: &str) -> Result<Vec<StepRecord>> {
    /// A step's row as stored.
    struct Raw {
        step: String,
        done_on: String,
        total: u32,
        women: u32,
        poor: u32,
        docs: String,
        by: String,
        at: String,
        vby: Option<String>,
        vat: Option<String>,
    }
    let rows: Vec<Raw> = crate::sql::all(
        tx,
        "SELECT step, done_on, attendance_total, attendance_women, attendance_poor, documents,
                recorded_by, recorded_at, verified_by, verified_at
         FROM community_steps WHERE kelurahan = ?1 ORDER BY done_on, recorded_at",
        [code],
        |r| {
            from_row!(
                r,
                Raw {
                    step,
                    done_on,
                    total,
                    women,
                    poor,
                    docs,
                    by,
                    at,
                    vby,
                    vat
                }
            )
        },
    )?;
    rows.into_iter()
        .map(|row| {
            let verification = match (row.vby, row.vat) {
                (Some(by), Some(at)) => Verification::Verified {
                    by: parse_user(&by)?,
                    at: parse_time(&at)?,
                },
                _ => Verification::Recorded,
            };
            let done_on = &row.done_on;
            Ok(StepRecord {
                done_on: done_on.parse().map_err(|e: jiff::Error| {
                    StoreError::conflict(text!("stored_date_unreadable",
                        value = format!("{done_on:?}"), e = e;
                        id: "tanggal tersimpan {value} tidak bisa dibaca: {e}",
                        en: "stored date {value} cannot be read: {e}"))
                })?,
                attendance: Attendance::new(row.total, row.women, row.poor).map_err(cycle_error)?,
                documents: stored_json::<Vec<Document>>("documents", &row.docs)?,
                recorded_by: parse_user(&row.by)?,
                recorded_at: parse_time(&row.at)?,
                step: row.step,
                verification,
            })
        })
        .collect()
}

/// The kelurahan's plan (stored, or the programme's default) and its
/// records, re-checked by the cycle's rules.
pub(super) fn cycle_in(
    tx: &crate::db::Connection,
    kel: &Kelurahan,
) -> Result<(CyclePlan, KelurahanCycle)> {
    let plan = plan_in(tx, &kel.code)?.unwrap_or_default();
    let records = records_in(tx, &kel.code)?;
    let cycle =
        KelurahanCycle::from_records(kel.area_code(), &plan, records).map_err(cycle_error)?;
    Ok((plan, cycle))
}

pub(super) fn save_plan(
    tx: &Transaction<'_>,
    code: &str,
    plan: &CyclePlan,
    now: Timestamp,
) -> Result<()> {
    tx.execute(
        "INSERT INTO community_plans (kelurahan, plan, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (kelurahan) DO UPDATE SET plan = excluded.plan, updated_at = excluded.updated_at",
        params![
            code,
            serde_json::to_string(plan).expect("plans serialise"),
            now.to_string()
        ],
    )?;
    Ok(())
}

impl Store {
    /// The kelurahan's plan and records; the programme's default plan when
    /// it has none yet.
    pub fn kelurahan_cycle(&self, code: &str) -> Result<(Kelurahan, CyclePlan, KelurahanCycle)> {
        let conn = self.conn()?;
        let kel = kelurahan_in(&conn, code)?;
        let (plan, cycle) = cycle_in(&conn, &kel)?;
        Ok((kel, plan, cycle))
    }

    /// Every kelurahan of the programme (those with a plan) inside `within`
    /// (all when `None`) that `scope` covers, by code, with plan and
    /// records.
    pub fn programme_cycles(
        &self,
        within: Option<&AreaPath>,
        scope: &Scope,
    ) -> Result<Vec<ProgrammeCycle>> {
        let conn = self.conn()?;
        let range = |p: Option<&AreaPath>| match p {
            Some(p) => (p.as_str().to_owned(), p.subtree_end()),
            None => (String::new(), "\u{10FFFF}".to_owned()),
        };
        let (lo, hi) = range(within);
        // A kelurahan lies within an area scope's area, or an organisation
        // scope's own area (none: no kelurahan).
        let (scope_lo, scope_hi) = match scope {
            Scope::Global => range(None),
            Scope::Area { path, .. } => range(Some(path)),
            Scope::Org {
                area: Some(path), ..
            } => range(Some(path)),
            Scope::Org { area: None, .. } => return Ok(vec![]),
        };
        let mut stmt = conn.prepare(
            "SELECT p.kelurahan FROM community_plans p JOIN areas a ON a.code = p.kelurahan
             WHERE a.path >= ?1 AND a.path < ?2 AND a.path >= ?3 AND a.path < ?4
             ORDER BY p.kelurahan",
        )?;
        let codes = stmt
            .query_map(params![lo, hi, scope_lo, scope_hi], |r| {
                r.get::<_, String>(0)
            })?
            .collect::<crate::db::Result<Vec<_>>>()?;
        let mut cycles = Vec::new();
        for code in &codes {
            let kelurahan = kelurahan_in(&conn, code)?;
            // An organisation scope also needs its organisation inside.
            if !scope.covers(&kelurahan.placement) {
                continue;
            }
            let (plan, cycle) = cycle_in(&conn, &kelurahan)?;
            cycles.push(ProgrammeCycle {
                kelurahan,
                plan,
                cycle,
            });
        }
        Ok(cycles)
    }

    /// Stores the kelurahan's plan (and so makes it part of the programme).
    /// Refused when the steps already recorded do not fit the new plan.
    pub fn set_cycle_plan(&self, code: &str, plan: &CyclePlan, actor: &Actor) -> Result<()> {
        self.write(|tx| {
            let kel = kelurahan_in(tx, code)?;
            let records = records_in(tx, code)?;
            KelurahanCycle::from_records(kel.area_code(), plan, records).map_err(|e| {
                StoreError::conflict(text!("plan_does_not_fit", e = e.text();
                    id: "langkah yang sudah dicatat tidak cocok dengan rencana ini: {e}",
                    en: "the recorded steps do not fit this plan: {e}"))
            })?;
            let before = plan_in(tx, code)?;
            if before.as_ref() == Some(plan) {
                return Ok(());
            }
            save_plan(tx, code, plan, self.clock().now())?;
            kel.audit(
                tx,
                actor,
                "cycle.plan",
                serde_json::json!({"plan": plan, "before": before}),
            )?;
            Ok(())
        })
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
        self.write(|tx| {
            let kel = kelurahan_in(tx, code)?;
            let stored_plan = plan_in(tx, code)?;
            let (plan, mut cycle) = cycle_in(tx, &kel)?;
            let record = cycle
                .record(&plan, report, by.clone(), self.clock().now())
                .map_err(cycle_error)?
                .clone();
            if stored_plan.is_none() {
                save_plan(tx, code, &plan, self.clock().now())?;
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
            kel.audit(
                tx,
                actor,
                "cycle.record",
                serde_json::json!({
                    "step": record.step,
                    "done_on": record.done_on,
                    "attendance": record.attendance,
                    "documents": record.documents,
                    "joined_programme": stored_plan.is_none(),
                }),
            )?;
            Ok(record)
        })
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
        self.write(|tx| {
            let kel = kelurahan_in(tx, code)?;
            let (_, mut cycle) = cycle_in(tx, &kel)?;
            let at = self.clock().now();
            let record = cycle.verify(step, by, at).map_err(cycle_error)?.clone();
            tx.execute(
                "UPDATE community_steps SET verified_by = ?3, verified_at = ?4
                 WHERE kelurahan = ?1 AND step = ?2 AND verified_by IS NULL",
                params![code, step, by.as_str(), at.to_string()],
            )?;
            kel.audit(
                tx,
                actor,
                "cycle.verify",
                serde_json::json!({"step": step, "recorded_by": record.recorded_by}),
            )?;
            Ok(record)
        })
    }
}
