//! A kelurahan's plans (PJM Pronangkis, annual) kept as versions: a plan
//! brought in again unchanged is no new version; a version counts once
//! the BKM approves it, never by whoever brought it in. Each programme's
//! tranche rules. The rules live in `lumbung_programme::plan` and
//! `::review`.

use crate::audit::{self, Actor};
use crate::db::{params, OptionalExtension, Transaction};
use crate::programme::{name_key, ProgrammeRows};
use crate::{Result, Store, StoreError};
use lumbung_domain::{text, Money, PlanId};
use lumbung_programme::plan::{Funding, Plan, PlanKind, PlannedActivity};
use lumbung_programme::review::TrancheRules;
use lumbung_programme::versions::Versioned;
use lumbung_programme::Kind;
use serde::Serialize;

/// A version of a plan as its kelurahan's page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanView {
    pub id: PlanId,
    pub kind: PlanKind,
    pub first_year: i32,
    pub last_year: i32,
    pub version: u32,
    pub musrenbang: String,
    pub spkd: String,
    pub made_at: String,
    pub made_by: String,
    pub approved_at: Option<String>,
    pub approved_by: Option<String>,
    pub activities: Vec<PlannedActivity>,
    /// Per activity: local government, companies and other programmes.
    pub others: Vec<Money>,
    /// Σ cost of its activities.
    pub cost: Money,
}

fn unreadable(what: &str) -> StoreError {
    StoreError::invalid(
        "programme_plans",
        text!("plan_unreadable", what = what;
            id: "nilai {what} rencana yang tersimpan tidak terbaca",
            en: "a plan's stored {what} cannot be read"),
    )
}

/// A plan changed from its latest version becomes a new version, waiting
/// for approval.
impl ProgrammeRows for Plan {
    const WHAT: &'static str = "plans";

    fn keep(&self, tx: &Transaction<'_>, import: i64, actor: &Actor) -> Result<Versioned> {
        let plan = self;
        let fingerprint = plan.fingerprint();
        let latest: Option<(i64, String)> = tx
            .query_row(
                "SELECT version, fingerprint FROM programme_plans WHERE area_code = ?1 AND kind = ?2 AND first_year = ?3
                 ORDER BY version DESC LIMIT 1",
                params![plan.kelurahan, plan.kind.as_str(), plan.first_year],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let kept = Versioned::of(latest, &fingerprint);
        let Some(version) = kept.version() else {
            return Ok(kept);
        };
        let id: i64 = tx.query_row(
            "INSERT INTO programme_plans (area_code, kind, first_year, last_year, version, musrenbang, spkd,
                fingerprint, import_id, made_at, made_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) RETURNING id",
            params![
                plan.kelurahan, plan.kind.as_str(), plan.first_year, plan.last_year, version,
                plan.musrenbang, plan.spkd, fingerprint, import, crate::now(), actor.label()
            ], |r| r.get::<_, i64>(0),
        )?;
        let mut add = tx.prepare(
            "INSERT INTO programme_plan_activities (plan_id, position, name, name_key, kind, problem, location,
                poor_households, women, cost, blm, swadaya, government, companies, other_programmes, schedule, responsible)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
        )?;
        for (i, a) in plan.activities.iter().enumerate() {
            add.execute(params![
                id,
                i as i64,
                a.name,
                name_key(&a.name),
                a.kind.as_str(),
                a.problem,
                a.location,
                a.poor_households as i64,
                a.women as i64,
                a.cost.minor(),
                a.funding.blm.minor(),
                a.funding.swadaya.minor(),
                a.funding.government.minor(),
                a.funding.companies.minor(),
                a.funding.other_programmes.minor(),
                a.schedule,
                a.responsible
            ])?;
        }
        Ok(kept)
    }
}

impl Store {
    /// The versions of kelurahan `code`'s plans, newest first.
    pub fn plans_of(&self, code: &str) -> Result<Vec<PlanView>> {
        let conn = self.conn()?;
        let heads: Vec<PlanView> = crate::sql::all(
            &conn,
            "SELECT p.id, p.kind, p.first_year, p.last_year, p.version, p.musrenbang, p.spkd, p.made_at, p.made_by,
                    a.approved_at, a.approved_by
             FROM programme_plans p LEFT JOIN programme_plan_approvals a ON a.plan_id = p.id
             WHERE p.area_code = ?1 ORDER BY p.first_year DESC, p.kind, p.version DESC",
            [code],
            |r| {
                let kind: String = r.get(1)?;
                Ok(PlanView {
                    id: PlanId::new(r.get(0)?),
                    kind: PlanKind::parse(&kind).ok_or_else(|| {
                        crate::db::Error::conversion(format!("column 1: {kind:?} is not a plan kind"))
                    })?,
                    first_year: r.get(2)?,
                    last_year: r.get(3)?,
                    version: r.get::<_, i64>(4)? as u32,
                    musrenbang: r.get(5)?,
                    spkd: r.get(6)?,
                    made_at: r.get(7)?,
                    made_by: r.get(8)?,
                    approved_at: r.get(9)?,
                    approved_by: r.get(10)?,
                    activities: Vec::new(),
                    others: Vec::new(),
                    cost: Money::ZERO,
                })
            },
        )?;
        let mut out = Vec::with_capacity(heads.len());
        for mut plan in heads {
            let id = plan.id.get();
            let mut stmt = conn.prepare(
                "SELECT name, kind, problem, location, poor_households, women, cost, blm, swadaya, government, companies,
                        other_programmes, schedule, responsible
                 FROM programme_plan_activities WHERE plan_id = ?1 ORDER BY position",
            )?;
            let mut activities = Vec::new();
            let mut rows = stmt.query([id])?;
            while let Some(r) = rows.next()? {
                let kind: String = r.get(1)?;
                let m = |i: usize| -> crate::db::Result<Money> { Ok(Money::from_minor(r.get(i)?)) };
                activities.push(PlannedActivity {
                    name: r.get(0)?,
                    kind: Kind::parse(&kind).map_err(|_| unreadable("kind"))?,
                    problem: r.get(2)?,
                    location: r.get(3)?,
                    poor_households: r.get::<_, i64>(4)? as u64,
                    women: r.get::<_, i64>(5)? as u64,
                    cost: m(6)?,
                    funding: Funding {
                        blm: m(7)?,
                        swadaya: m(8)?,
                        government: m(9)?,
                        companies: m(10)?,
                        other_programmes: m(11)?,
                    },
                    schedule: r.get(12)?,
                    responsible: r.get(13)?,
                });
            }
            let cost = activities
                .iter()
                .try_fold(Money::ZERO, |s, a| s.checked_add(a.cost))
                .ok_or_else(|| unreadable("cost"))?;
            let others = activities
                .iter()
                .map(|a| {
                    let f = &a.funding;
                    f.government
                        .checked_add(f.companies)
                        .and_then(|s| s.checked_add(f.other_programmes))
                        .ok_or_else(|| unreadable("funding"))
                })
                .collect::<Result<_>>()?;
            plan.activities = activities;
            plan.others = others;
            plan.cost = cost;
            out.push(plan);
        }
        Ok(out)
    }

    /// The kelurahan a plan version is of.
    pub fn plan_area(&self, id: PlanId) -> Result<Option<String>> {
        crate::sql::optional(
            &*self.conn()?,
            "SELECT area_code FROM programme_plans WHERE id = ?1",
            [id.get()],
        )
    }

    /// The BKM approves a plan version: once, and never by whoever brought
    /// it in (two people).
    pub fn approve_plan(&self, id: PlanId, actor: &Actor) -> Result<()> {
        self.write(|tx| {
            let plan: Option<(String, String, Option<String>)> = tx
                .query_row(
                    "SELECT p.area_code, p.made_by, a.approved_by FROM programme_plans p
                     LEFT JOIN programme_plan_approvals a ON a.plan_id = p.id WHERE p.id = ?1",
                    [id.get()],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            let Some((area, made_by, approved)) = plan else {
                return Err(StoreError::not_found(text!("plan_missing", id = id.get();
                    id: "rencana {id}", en: "plan {id}")));
            };
            if approved.is_some() {
                return Err(StoreError::conflict(text!("plan_approved_already";
                    id: "versi rencana ini sudah disetujui", en: "this version of the plan is approved already")));
            }
            if made_by == actor.label() {
                return Err(StoreError::conflict(text!("plan_approver_maker";
                    id: "yang memasukkan rencana tidak dapat menyetujuinya sendiri: orang kedua yang menyetujui",
                    en: "whoever brought the plan in cannot approve it: a second person approves")));
            }
            tx.execute(
                "INSERT INTO programme_plan_approvals (plan_id, approved_at, approved_by) VALUES (?1, ?2, ?3)",
                params![id.get(), crate::now(), actor.label()],
            )?;
            let path = crate::sql::area_path(tx, &area)?;
            audit::record(tx, actor, "programme.plan_approve", "programme_plan", &id.get().to_string(), path.as_deref(),
                serde_json::json!({"area": area}))
        })
    }

    /// What is flagged for review now, in area `code` and below.
    pub fn programme_flags(&self, code: &str) -> Result<Vec<lumbung_programme::review::Flag>> {
        use lumbung_programme::review::Flag;
        let mut conn = self.conn()?;
        let path = crate::areas::area_path_in(&conn, code)?;
        let tx = conn.transaction()?;
        let all = lumbung_programme::review::flags(&crate::programme::held(&tx)?);
        drop(tx);
        let Some(path) = path else {
            return Ok(vec![]);
        };
        let codes: std::collections::HashSet<String> = crate::sql::all(
            &conn,
            "SELECT code FROM areas WHERE path >= ?1 AND path < ?2",
            params![path.as_str(), path.subtree_end()],
            |r| r.get(0),
        )?;
        Ok(all
            .into_iter()
            .filter(|f| match f {
                Flag::SpentBeyondGrants { kelurahan, .. }
                | Flag::TrancheOutOfOrder { kelurahan, .. }
                | Flag::NoUpk { kelurahan }
                | Flag::TrancheConditionUnmet { kelurahan, .. }
                | Flag::OutsidePlan { kelurahan, .. }
                | Flag::BeyondPs2 { kelurahan, .. } => codes.contains(kelurahan),
            })
            .collect())
    }

    /// A programme's tranche rules (the defaults until set), by name.
    pub fn programme_rules(&self, programme: &str) -> Result<Option<TrancheRules>> {
        let conn = self.conn()?;
        let row: Option<(Option<i64>, Option<i64>, Option<String>)> = crate::sql::optional_row(
            &conn,
            "SELECT r.plan_required, r.previous_spent_percent, r.shares FROM programmes p
             LEFT JOIN programme_rules r ON r.programme_id = p.id WHERE p.name_key = ?1",
            [name_key(programme)],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        row.map(|r| match r {
            (Some(plan), Some(percent), shares) => {
                crate::programme::stored_rules(plan, percent, shares.as_deref().unwrap_or(""))
            }
            _ => Ok(TrancheRules::default()),
        })
        .transpose()
    }

    /// Sets a programme's tranche rules (the programme created by name if
    /// new).
    pub fn set_programme_rules(
        &self,
        programme: &str,
        rules: TrancheRules,
        actor: &Actor,
    ) -> Result<()> {
        self.write(|tx| {
            let id = crate::programme::programme_id(tx, programme)?;
            tx.execute(
                "INSERT INTO programme_rules (programme_id, plan_required, previous_spent_percent, set_at, set_by, shares)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (programme_id) DO UPDATE SET plan_required = excluded.plan_required,
                     previous_spent_percent = excluded.previous_spent_percent, set_at = excluded.set_at,
                     set_by = excluded.set_by, shares = excluded.shares",
                params![
                    id,
                    rules.plan_required,
                    rules.previous_spent_percent,
                    crate::now(),
                    actor.label(),
                    rules.shares.iter().map(u8::to_string).collect::<Vec<_>>().join(",")
                ],
            )?;
            audit::record(tx, actor, "programme.rules", "programme", &id.to_string(), None, serde_json::json!(rules))
        })
    }
}
