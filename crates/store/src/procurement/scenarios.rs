//! What-if scenarios kept (never changed), so that what they foresaw can be
//! set beside what the spend of the year after shows.

use crate::audit::{self, Actor};
use crate::db::params;
use crate::{Result, Store};
use lumbung_domain::{FiscalYear, Money, OrgId, ScenarioId};
use lumbung_procurement::whatif::WhatIf;
use serde::Serialize;

/// A scenario as kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SavedScenario {
    pub id: ScenarioId,
    pub name: String,
    pub anchor: Option<OrgId>,
    pub anchor_name: Option<String>,
    pub year: Option<i32>,
    /// `SECTOR=SHARE;…` as typed.
    pub shifts: String,
    pub local_share_before: Option<String>,
    pub local_share_after: Option<String>,
    pub kept: Money,
    pub created_by: String,
    pub created_at: String,
}

impl Store {
    /// Keeps scenario `name` over (`anchor`, `year`) with `shifts` and the
    /// figures it came to.
    pub fn save_scenario(
        &self,
        name: &str,
        anchor: Option<OrgId>,
        year: Option<FiscalYear>,
        shifts: &str,
        result: &WhatIf,
        actor: &Actor,
    ) -> Result<ScenarioId> {
        self.write(|tx| {
            let inserted: i64 = tx.query_row(
                "INSERT INTO whatif_scenarios (name, anchor_id, year, shifts, local_share_before, local_share_after, kept, created_by, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id",
                params![
                    name,
                    anchor.map(|a| a.get()),
                    year.map(|y| y.start_year()),
                    shifts,
                    result.before.local_share.map(|s| s.to_string()),
                    result.after.local_share.map(|s| s.to_string()),
                    result.kept.minor(),
                    actor.label(),
                    crate::now()
                ], |r| r.get::<_, i64>(0),
            )?;
            let id = ScenarioId::new(inserted);
            audit::record(
                tx,
                actor,
                "procurement.save_scenario",
                "scenario",
                &id.to_string(),
                None,
                serde_json::json!({"name": name, "shifts": shifts}),
            )?;
            Ok(id)
        })
    }

    /// Every scenario kept, the newest first.
    pub fn scenarios(&self) -> Result<Vec<SavedScenario>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare(
            "SELECT w.id, w.name, w.anchor_id, o.name, w.year, w.shifts, w.local_share_before, w.local_share_after,
                    w.kept, w.created_by, w.created_at
             FROM whatif_scenarios w LEFT JOIN organisations o ON o.id = w.anchor_id ORDER BY w.id DESC",
        )?;
        let rows = stmt.query_map([], |r| {
            from_row!(
                r,
                SavedScenario {
                    id: ScenarioId::new,
                    name,
                    anchor: |v: Option<i64>| v.map(OrgId::new),
                    anchor_name,
                    year,
                    shifts,
                    local_share_before,
                    local_share_after,
                    kept: Money::from_minor,
                    created_by,
                    created_at,
                }
            )
        })?;
        Ok(rows.collect::<crate::db::Result<_>>()?)
    }
}
