//! Suppliers' social-value scores, in rounds: a changed score is a new
//! row (the latest per round, supplier and outcome in use), the same
//! score again changes nothing. Rules: `lumbung_procurement::assessment`.

use crate::audit::{self, Actor};
use crate::db::{params, OptionalExtension};
use crate::{Result, Store, StoreError};
use lumbung_domain::{text, Scope, SupplierId};
use lumbung_procurement::assessment::{
    matched, supplier_spend, AssessmentRow, Score, SupplierSpend,
};
use lumbung_procurement::social_value::Outcome;
use lumbung_spend::report::Dimensions;
use serde::Serialize;
use std::collections::HashSet;

/// A score to keep: a supplier's outcome, with its evidence.
pub type NewScore = (SupplierId, Outcome, u8, String);

/// What keeping scores did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ScoresKept {
    pub round: String,
    pub stored: u64,
    /// The same score and evidence were held already.
    pub unchanged: u64,
}

/// A supplier's score in a round, as kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScoreRecord {
    pub round: String,
    pub outcome: Outcome,
    pub score: u8,
    pub evidence: String,
    pub assessed_by: String,
    pub assessed_at: String,
}

/// The rows in use: the latest per round, supplier and outcome.
const CURRENT: &str = "SELECT a.round, a.supplier_id, a.outcome, a.score, a.evidence, a.assessed_by, a.assessed_at
    FROM sv_assessments a
    WHERE a.id = (SELECT max(b.id) FROM sv_assessments b
                  WHERE b.round = a.round AND b.supplier_id = a.supplier_id AND b.outcome = a.outcome)";

fn outcome_of(raw: String) -> crate::db::Result<Outcome> {
    Outcome::parse(&raw)
        .ok_or_else(|| crate::db::Error::conversion(format!("column 2: {raw:?} is not an outcome")))
}

impl Store {
    /// Keeps `scores` in `round` (from `source`: a file's name or "form"),
    /// all or nothing; each the same as held already is skipped.
    pub fn keep_scores(
        &self,
        round: &str,
        source: &str,
        scores: &[NewScore],
        actor: &Actor,
    ) -> Result<ScoresKept> {
        self.write(|tx| {
            let mut held = tx.prepare(
                "SELECT score, evidence FROM sv_assessments WHERE round = ?1 AND supplier_id = ?2 AND outcome = ?3
                 ORDER BY id DESC LIMIT 1",
            )?;
            let mut insert = tx.prepare(
                "INSERT INTO sv_assessments (round, supplier_id, outcome, score, evidence, assessed_by, assessed_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            let (now, by) = (crate::now(), actor.label());
            let mut kept = ScoresKept {
                round: round.to_owned(),
                ..ScoresKept::default()
            };
            for (supplier, outcome, score, evidence) in scores {
                let before: Option<(u8, String)> = held
                    .query_row(params![round, supplier.get(), outcome.as_str()], |r| {
                        Ok((r.get(0)?, r.get(1)?))
                    })
                    .optional()?;
                if before.as_ref() == Some(&(*score, evidence.clone())) {
                    kept.unchanged += 1;
                    continue;
                }
                insert.execute(params![
                    round,
                    supplier.get(),
                    outcome.as_str(),
                    score,
                    evidence,
                    by,
                    now
                ])?;
                kept.stored += 1;
            }
            if kept.stored > 0 {
                audit::record(
                    tx,
                    actor,
                    "procurement.assess",
                    "assessment_round",
                    round,
                    None,
                    serde_json::json!({"source": source, "stored": kept.stored, "unchanged": kept.unchanged}),
                )?;
            }
            Ok(kept)
        })
    }

    /// Scores `rows` of `file` for `round` as a viewer of `scope` (who may
    /// score only the suppliers its anchors paid): every row must name one
    /// such supplier, else the file is refused whole.
    pub fn assess(
        &self,
        round: &str,
        file: &str,
        rows: &[AssessmentRow],
        scope: &Scope,
        actor: &Actor,
    ) -> Result<ScoresKept> {
        let names: Vec<(&str, Option<&str>)> = rows
            .iter()
            .map(|r| (r.supplier.as_str(), r.postcode.as_deref()))
            .collect();
        let found = self.find_suppliers_seen(&names, scope)?;
        let scores = matched(file, rows, &found)?;
        self.keep_scores(round, file, &scores, actor)
    }

    /// The rounds held, in the order of their names (`2025` before
    /// `2026`, `2026-H1` before `2026-H2`).
    pub fn assessment_rounds(&self) -> Result<Vec<String>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare("SELECT DISTINCT round FROM sv_assessments ORDER BY round")?;
        let rounds = stmt
            .query_map([], |r| r.get(0))?
            .collect::<crate::db::Result<_>>()?;
        Ok(rounds)
    }

    /// The scores in use of every round, of the suppliers `scope` reaches.
    pub fn assessment_scores(&self, scope: &Scope) -> Result<Vec<Score>> {
        let allowed = self.spend_supplier_ids_in(scope)?;
        let conn = self.conn()?;
        let mut stmt = conn.prepare(CURRENT)?;
        let rows = stmt.query_map([], |r| {
            Ok(Score {
                round: r.get(0)?,
                supplier: SupplierId::new(r.get(1)?),
                outcome: outcome_of(r.get(2)?)?,
                score: r.get(3)?,
            })
        })?;
        let mut out = Vec::new();
        for row in rows {
            let score = row?;
            if allowed
                .as_ref()
                .is_none_or(|a| a.contains(&score.supplier.get()))
            {
                out.push(score);
            }
        }
        Ok(out)
    }

    /// `supplier`'s scores in use, round by round (in the order of their
    /// names).
    pub fn supplier_scores(&self, supplier: SupplierId) -> Result<Vec<ScoreRecord>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare(&format!(
            "{CURRENT} AND a.supplier_id = ?1 ORDER BY a.round, a.outcome"
        ))?;
        let rows = stmt.query_map([supplier.get()], |r| {
            Ok(ScoreRecord {
                round: r.get(0)?,
                outcome: outcome_of(r.get(2)?)?,
                score: r.get(3)?,
                evidence: r.get(4)?,
                assessed_by: r.get(5)?,
                assessed_at: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<crate::db::Result<_>>()?)
    }

    /// The suppliers `scope` may assess: those its anchors paid; `None`:
    /// every supplier.
    pub fn assessable_suppliers(&self, scope: &Scope) -> Result<Option<HashSet<SupplierId>>> {
        Ok(self
            .spend_supplier_ids_in(scope)?
            .map(|ids| ids.into_iter().map(SupplierId::new).collect()))
    }

    /// What the spend analysis says of each supplier `scope` reaches (its
    /// main sector, what each of the scope's anchors paid it).
    pub fn assessment_spend(&self, scope: &Scope) -> Result<Vec<SupplierSpend>> {
        let settings = self.spend_settings()?;
        let dims: Dimensions = self.spend_dimensions(None, None, settings.calendar())?;
        let facts = self.spend_facts_in(scope)?;
        let refs: Vec<_> = facts.iter().collect();
        supplier_spend(&refs, &dims).map_err(|_| {
            StoreError::invalid(
                "amount",
                text!("assessment_spend_too_large";
                    id: "belanja seorang pemasok terlalu besar untuk dijumlahkan",
                    en: "a supplier's spend is too large to add up"),
            )
        })
    }
}
