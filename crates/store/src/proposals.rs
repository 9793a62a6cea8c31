//! Proposals of KSM and panitia for BLM, checked against the approved
//! plan governing their year and the kelurahan's PS-2 list each time
//! they are read or decided (so a proposal funded since counts), and the
//! BKM's decision: once, never by whoever entered the proposal, and never
//! to fund one with findings. The rules live in
//! `lumbung_programme::proposal`.

use crate::audit::{self, Actor};
use crate::db::{params, Connection, OptionalExtension};
use crate::programme::{name_key, ps2_people_in};
use crate::{Result, Store, StoreError};
use lumbung_domain::{text, Money, ProposalId};
use lumbung_programme::plan::{governing_at, Approved, PlanKind};
use lumbung_programme::proposal::{check, may_decide, Decision, Finding, Planned, Proposal};
use serde::Serialize;

/// A proposal with what its check finds now and the BKM's decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProposalView {
    pub id: ProposalId,
    #[serde(flatten)]
    pub proposal: Proposal,
    pub made_at: String,
    pub made_by: String,
    pub findings: Vec<Finding>,
    pub decision: Option<Decision>,
    pub decided_by: Option<String>,
}

/// The activities (name, BLM) of the approved plan governing `year` in
/// kelurahan `code`, with its years; `None` when none governs it.
fn governing_plan(
    conn: &Connection,
    code: &str,
    year: i32,
) -> Result<Option<(Vec<Planned>, i32, i32)>> {
    let heads: Vec<(i64, String, i32, i32)> = crate::sql::all(
        conn,
        "SELECT p.id, p.kind, p.first_year, p.last_year FROM programme_plans p
         WHERE p.area_code = ?1 AND p.version = (SELECT max(l.version) FROM programme_plans l
             JOIN programme_plan_approvals a ON a.plan_id = l.id
             WHERE l.area_code = p.area_code AND l.kind = p.kind AND l.first_year = p.first_year)
         ORDER BY p.first_year DESC",
        [code],
        |r| r.try_into(),
    )?;
    let approved = heads
        .iter()
        .map(|(_, kind, first_year, last_year)| {
            Ok(Approved {
                kind: PlanKind::parse(kind).ok_or_else(|| {
                    StoreError::invalid(
                        "programme_plans",
                        text!("proposal_plan_kind"; id: "jenis rencana yang tersimpan tidak terbaca",
                            en: "a plan's stored kind cannot be read"),
                    )
                })?,
                first_year: *first_year,
                last_year: *last_year,
                activities: Default::default(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let Some(at) = governing_at(&approved, year) else {
        return Ok(None);
    };
    let (id, _, first, last) = &heads[at];
    let lines: Vec<(String, i64)> = crate::sql::all(
        conn,
        "SELECT name, blm FROM programme_plan_activities WHERE plan_id = ?1 ORDER BY position",
        [id],
        |r| r.try_into(),
    )?;
    Ok(Some((
        lines
            .into_iter()
            .map(|(name, blm)| Planned {
                name,
                blm: Money::from_minor(blm),
            })
            .collect(),
        *first,
        *last,
    )))
}

/// What a kelurahan's proposals are checked against, each read once:
/// its PS-2 list's people and the plan governing each year asked about.
struct Against {
    ps2: Option<u64>,
    plans: std::collections::HashMap<i32, Option<(Vec<Planned>, i32, i32)>>,
}

impl Against {
    fn of(conn: &Connection, code: &str) -> Result<Against> {
        Ok(Against {
            ps2: ps2_people_in(conn, code)?,
            plans: Default::default(),
        })
    }
}

/// What `p` (of kelurahan `code`, stored as `own` if it is) is found
/// wanting in now.
fn findings(
    conn: &Connection,
    code: &str,
    p: &Proposal,
    own: Option<i64>,
    against: &mut Against,
) -> Result<Vec<Finding>> {
    if let std::collections::hash_map::Entry::Vacant(e) = against.plans.entry(p.year) {
        e.insert(governing_plan(conn, code, p.year)?);
    }
    let plan = &against.plans[&p.year];
    let funded_before = match &plan {
        None => Money::ZERO,
        Some((_, first, last)) => {
            let sum: i64 = crate::sql::optional(
                conn,
                "SELECT coalesce(sum(x.requested), 0) FROM programme_proposals x
                 JOIN programme_proposal_decisions d ON d.proposal_id = x.id AND d.decision = 'funded'
                 WHERE x.area_code = ?1 AND x.activity_key = ?2 AND x.year BETWEEN ?3 AND ?4
                   AND x.id IS DISTINCT FROM ?5",
                params![code, name_key(&p.activity), first, last, own],
            )?
            .unwrap_or(0);
            Money::from_minor(sum)
        }
    };
    Ok(check(
        p,
        plan.as_ref().map(|(lines, ..)| lines.as_slice()),
        funded_before,
        against.ps2,
    ))
}

/// A stored proposal's row.
struct Stored {
    id: i64,
    proposal: Proposal,
    made_at: String,
    made_by: String,
    decision: Option<String>,
    decided_by: Option<String>,
}

fn proposal_of(r: &crate::db::Row<'_>) -> crate::db::Result<Stored> {
    Ok(Stored {
        id: r.get(0)?,
        proposal: Proposal {
            year: r.get(1)?,
            activity: r.get(2)?,
            implementer: r.get(3)?,
            requested: Money::from_minor(r.get(4)?),
            poor: r.get::<_, i64>(5)? as u64,
            women: r.get::<_, i64>(6)? as u64,
        },
        made_at: r.get(7)?,
        made_by: r.get(8)?,
        decision: r.get(9)?,
        decided_by: r.get(10)?,
    })
}

const PROPOSALS: &str = "SELECT x.id, x.year, x.activity, x.implementer, x.requested, x.poor, x.women, x.made_at, x.made_by,
        d.decision, d.decided_by
    FROM programme_proposals x LEFT JOIN programme_proposal_decisions d ON d.proposal_id = x.id";

impl Store {
    /// Enters a proposal for kelurahan `code`; its findings are shown
    /// with it, never a refusal.
    pub fn propose(&self, code: &str, p: &Proposal, actor: &Actor) -> Result<ProposalId> {
        self.write(|tx| {
            let path = crate::sql::area_path(tx, code)?;
            let Some(path) = path else {
                return Err(StoreError::not_found(text!("proposal_area", code = code;
                    id: "wilayah {code}", en: "area {code}")));
            };
            let id: i64 = tx.query_row(
                "INSERT INTO programme_proposals (area_code, year, activity, activity_key, implementer, requested, poor, women,
                    made_at, made_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) RETURNING id",
                params![
                    code, p.year, p.activity.trim(), name_key(&p.activity), p.implementer.trim(), p.requested.minor(),
                    p.poor as i64, p.women as i64, crate::now(), actor.label()
                ], |r| r.get::<_, i64>(0),
            )?;
            let found = findings(tx, code, p, Some(id), &mut Against::of(tx, code)?)?;
            audit::record(tx, actor, "programme.propose", "programme_proposal", &id.to_string(), Some(&path),
                serde_json::json!({"activity": p.activity, "requested": p.requested, "findings": found}))?;
            Ok(ProposalId::new(id))
        })
    }

    /// Kelurahan `code`'s proposals, newest first, each checked now.
    pub fn proposals_of(&self, code: &str) -> Result<Vec<ProposalView>> {
        let conn = self.conn()?;
        let rows = crate::sql::all::<_, Vec<_>>(
            &conn,
            &format!("{PROPOSALS} WHERE x.area_code = ?1 ORDER BY x.id DESC"),
            [code],
            proposal_of,
        )?;
        let mut against = Against::of(&conn, code)?;
        rows.into_iter()
            .map(|row: Stored| {
                let p = row.proposal;
                Ok(ProposalView {
                    id: ProposalId::new(row.id),
                    findings: findings(&conn, code, &p, Some(row.id), &mut against)?,
                    proposal: p,
                    made_at: row.made_at,
                    made_by: row.made_by,
                    decision: row.decision.as_deref().and_then(Decision::parse),
                    decided_by: row.decided_by,
                })
            })
            .collect()
    }

    /// The kelurahan a proposal is of.
    pub fn proposal_area(&self, id: ProposalId) -> Result<Option<String>> {
        crate::sql::optional(
            &*self.conn()?,
            "SELECT area_code FROM programme_proposals WHERE id = ?1",
            [id.get()],
        )
    }

    /// The BKM decides a proposal: once, never by whoever entered it, and
    /// funded only when its check finds nothing now.
    pub fn decide_proposal(&self, id: ProposalId, decision: Decision, actor: &Actor) -> Result<()> {
        self.write(|tx| {
            let row = tx
                .query_row(
                    &format!("{PROPOSALS} WHERE x.id = ?1"),
                    [id.get()],
                    proposal_of,
                )
                .optional()?;
            let Some(Stored {
                proposal: p,
                made_by,
                decision: decided,
                ..
            }) = row
            else {
                return Err(StoreError::not_found(text!("proposal_missing", id = id.get();
                    id: "usulan {id}", en: "proposal {id}")));
            };
            if decided.is_some() {
                return Err(StoreError::conflict(text!("proposal_decided";
                    id: "usulan ini sudah diputuskan", en: "this proposal is decided already")));
            }
            if made_by == actor.label() {
                return Err(StoreError::conflict(text!("proposal_decider_maker";
                    id: "yang mencatat usulan tidak dapat memutuskannya sendiri",
                    en: "whoever entered the proposal cannot decide it")));
            }
            let code: String = tx.query_row(
                "SELECT area_code FROM programme_proposals WHERE id = ?1",
                [id.get()],
                |r| r.get(0),
            )?;
            let found = findings(tx, &code, &p, Some(id.get()), &mut Against::of(tx, &code)?)?;
            may_decide(&found, decision).map_err(StoreError::conflict)?;
            tx.execute(
                "INSERT INTO programme_proposal_decisions (proposal_id, decision, decided_at, decided_by) VALUES (?1, ?2, ?3, ?4)",
                params![id.get(), decision.as_str(), crate::now(), actor.label()],
            )?;
            let path = crate::sql::area_path(tx, &code)?;
            audit::record(tx, actor, "programme.proposal_decide", "programme_proposal", &id.get().to_string(),
                path.as_deref(), serde_json::json!({"decision": decision}))
        })
    }
}
