//! A tender's evaluations kept as versions (a change of weights, marks or
//! commitments is a new version beside the old ones), its award, and the
//! social value delivered under it. The rules live in
//! `lumbung_procurement::{evaluation, monitoring}`.

use crate::audit::{self, Actor};
use crate::db::{params, Connection, OptionalExtension, Transaction};
use crate::{Result, Store, StoreError};
use lumbung_domain::{text, DeliveryId, Money, ProxySetId, TenderId};
use lumbung_procurement::evaluation::{Bid, Commitment, Weights, PLACES};
use lumbung_procurement::exact::{self, Exact};
use lumbung_procurement::monitoring::{AwardChoice, Delivery};
use lumbung_procurement::social_value::plain;
use serde::Serialize;

/// What a new version is made of, as checked.
#[derive(Debug, Clone, PartialEq)]
pub struct VersionInput {
    pub weights: Weights,
    pub bids: Vec<Bid>,
    pub commitments: Vec<Commitment>,
    /// What changed and why (may be empty for the first version).
    pub note: String,
    pub proxy_set: ProxySetId,
}

/// A version of a tender's evaluation as kept.
#[derive(Debug, Clone, PartialEq)]
pub struct EvaluationVersion {
    pub version: u32,
    pub input: VersionInput,
    pub created_by: String,
    pub created_at: String,
}

/// A tender's award.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Award {
    /// The version it was decided on.
    pub version: u32,
    pub bidder: String,
    pub reason: String,
    pub departs_from_ranking: bool,
    pub decided_by: String,
    pub decided_at: String,
}

/// A report of social value delivered, as kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeliveryReport {
    pub id: DeliveryId,
    pub measure: String,
    /// Up to 4 decimals; negative for a reversal.
    pub quantity: String,
    /// The date the quantity was delivered by.
    pub period: String,
    pub evidence: String,
    /// The report this one reverses.
    pub reverses: Option<DeliveryId>,
    /// Reversed by a later report.
    pub reversed: bool,
    pub reported_by: String,
    pub reported_at: String,
}

impl DeliveryReport {
    /// As the monitoring reads it.
    pub fn delivery(&self) -> Delivery {
        Delivery {
            measure: self.measure.clone(),
            quantity: exact::parse_decimal(&self.quantity, PLACES)
                .expect("stored quantities are decimals"),
        }
    }
}

fn awarded_already() -> StoreError {
    StoreError::conflict(text!("tender_awarded_already";
        id: "tender ini sudah diputuskan pemenangnya: penilaiannya tidak diubah lagi",
        en: "this tender has been awarded: its evaluation no longer changes"))
}

fn is_awarded(tx: &Connection, tender: TenderId) -> Result<bool> {
    Ok(tx
        .query_row(
            "SELECT 1 FROM sv_awards WHERE tender_id = ?1",
            [tender.get()],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

fn decimal(raw: String) -> crate::db::Result<Exact> {
    exact::parse_decimal(&raw, PLACES)
        .ok_or_else(|| crate::db::Error::conversion(format!("{raw:?} is not a stored decimal")))
}

impl Store {
    /// Keeps `input` as the next version of `tender`'s evaluation; refused
    /// once the tender is awarded.
    pub fn add_evaluation_version(
        &self,
        tender: TenderId,
        input: &VersionInput,
        actor: &Actor,
    ) -> Result<u32> {
        self.write(|tx| {
            if is_awarded(tx, tender)? {
                return Err(awarded_already());
            }
            let version: u32 = tx.query_row(
                "SELECT coalesce(max(version), 0) + 1 FROM sv_evaluations WHERE tender_id = ?1",
                [tender.get()],
                |r| r.get(0),
            )?;
            let w = &input.weights;
            let id: i64 = tx.query_row(
                "INSERT INTO sv_evaluations (tender_id, version, proxy_set_id, weight_price, weight_quality, weight_social, note, created_by, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id",
                params![
                    tender.get(),
                    version,
                    input.proxy_set.get(),
                    plain(&w.price, PLACES as u32),
                    plain(&w.quality, PLACES as u32),
                    plain(&w.social, PLACES as u32),
                    input.note,
                    actor.label(),
                    crate::now()
                ], |r| r.get::<_, i64>(0),
            )?;
            let mut bid = tx.prepare(
                "INSERT INTO sv_bids (evaluation_id, position, bidder, price, quality) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for (i, b) in input.bids.iter().enumerate() {
                bid.execute(params![
                    id,
                    i as i64,
                    b.bidder,
                    b.price.minor(),
                    plain(&b.quality, PLACES as u32)
                ])?;
            }
            let mut commitment = tx.prepare(
                "INSERT INTO sv_commitments (evaluation_id, position, bidder, measure, quantity) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for (i, c) in input.commitments.iter().enumerate() {
                commitment.execute(params![
                    id,
                    i as i64,
                    c.bidder,
                    c.measure,
                    plain(&c.quantity, PLACES as u32)
                ])?;
            }
            audit::record(
                tx,
                actor,
                "procurement.evaluate",
                "tender",
                &tender.to_string(),
                None,
                serde_json::json!({"version": version, "bids": input.bids.len(),
                    "commitments": input.commitments.len(), "proxy_set": input.proxy_set.get()}),
            )?;
            Ok(version)
        })
    }

    /// Every version of `tender`'s evaluation, the first first.
    pub fn evaluation_versions(&self, tender: TenderId) -> Result<Vec<EvaluationVersion>> {
        let conn = self.conn()?;
        let mut versions = conn
            .prepare(
                "SELECT id, version, proxy_set_id, weight_price, weight_quality, weight_social, note, created_by, created_at
                 FROM sv_evaluations WHERE tender_id = ?1 ORDER BY version",
            )?
            .query_map([tender.get()], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    EvaluationVersion {
                        version: r.get(1)?,
                        input: VersionInput {
                            proxy_set: ProxySetId::new(r.get(2)?),
                            weights: Weights {
                                price: decimal(r.get(3)?)?,
                                quality: decimal(r.get(4)?)?,
                                social: decimal(r.get(5)?)?,
                            },
                            bids: Vec::new(),
                            commitments: Vec::new(),
                            note: r.get(6)?,
                        },
                        created_by: r.get(7)?,
                        created_at: r.get(8)?,
                    },
                ))
            })?
            .collect::<crate::db::Result<Vec<_>>>()?;
        let mut bids = conn.prepare(
            "SELECT bidder, price, quality FROM sv_bids WHERE evaluation_id = ?1 ORDER BY position",
        )?;
        let mut commitments = conn.prepare(
            "SELECT bidder, measure, quantity FROM sv_commitments WHERE evaluation_id = ?1 ORDER BY position",
        )?;
        for (id, v) in &mut versions {
            v.input.bids = bids
                .query_map([*id], |r| {
                    Ok(Bid {
                        bidder: r.get(0)?,
                        price: Money::from_minor(r.get(1)?),
                        quality: decimal(r.get(2)?)?,
                    })
                })?
                .collect::<crate::db::Result<_>>()?;
            v.input.commitments = commitments
                .query_map([*id], |r| {
                    Ok(Commitment {
                        bidder: r.get(0)?,
                        measure: r.get(1)?,
                        quantity: decimal(r.get(2)?)?,
                    })
                })?
                .collect::<crate::db::Result<_>>()?;
        }
        Ok(versions.into_iter().map(|(_, v)| v).collect())
    }

    /// Awards `tender` as `choice` says, on `version`, which must be the
    /// latest (a decision on a page gone stale is refused); once only.
    pub fn award_tender(
        &self,
        tender: TenderId,
        version: u32,
        choice: &AwardChoice,
        actor: &Actor,
    ) -> Result<()> {
        self.write(|tx| {
            if is_awarded(tx, tender)? {
                return Err(awarded_already());
            }
            let latest: Option<(i64, u32)> = tx
                .query_row(
                    "SELECT id, version FROM sv_evaluations WHERE tender_id = ?1 ORDER BY version DESC LIMIT 1",
                    [tender.get()],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let evaluation = match latest {
                Some((id, v)) if v == version => id,
                Some((_, v)) => {
                    return Err(StoreError::conflict(text!("award_stale", seen = version, latest = v;
                        id: "keputusan ini dibuat atas versi {seen}, padahal versi terbarunya {latest}: periksa lagi",
                        en: "this decision was made on version {seen}, but the latest is version {latest}: check again")))
                }
                None => return Err(StoreError::not_found(text!("evaluation"; id: "penilaian", en: "evaluation"))),
            };
            tx.execute(
                "INSERT INTO sv_awards (tender_id, evaluation_id, bidder, reason, departs, decided_by, decided_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    tender.get(),
                    evaluation,
                    choice.bidder,
                    choice.reason,
                    choice.departs_from_ranking,
                    actor.label(),
                    crate::now()
                ],
            )?;
            audit::record(
                tx,
                actor,
                "procurement.award",
                "tender",
                &tender.to_string(),
                None,
                serde_json::json!({"version": version, "bidder": choice.bidder,
                    "departs_from_ranking": choice.departs_from_ranking}),
            )?;
            Ok(())
        })
    }

    /// `tender`'s award, if it is awarded.
    pub fn tender_award(&self, tender: TenderId) -> Result<Option<Award>> {
        Ok(self
            .conn()?
            .query_row(
                "SELECT e.version, a.bidder, a.reason, a.departs, a.decided_by, a.decided_at
                 FROM sv_awards a JOIN sv_evaluations e ON e.id = a.evaluation_id WHERE a.tender_id = ?1",
                [tender.get()],
                |r| {
                    from_row!(
                        r,
                        Award {
                            version,
                            bidder,
                            reason,
                            departs_from_ranking,
                            decided_by,
                            decided_at,
                        }
                    )
                },
            )
            .optional()?)
    }

    /// Reports `delivery` (checked against the awarded version's proxy
    /// set) under `tender`'s award.
    ///
    /// `monitored` is the award's monitoring of every delivery reported
    /// (`lumbung_procurement::monitoring::monitor`), given them with this
    /// one last, read in the transaction that saves it: two reports at
    /// once are weighed together, and the reports held always add up.
    pub fn report_delivery(
        &self,
        tender: TenderId,
        delivery: &Delivery,
        period: &str,
        evidence: &str,
        actor: &Actor,
        monitored: impl FnOnce(&[Delivery]) -> std::result::Result<(), lumbung_domain::Text>,
    ) -> Result<DeliveryId> {
        self.write(|tx| {
            let award = award_id(tx, tender)?;
            let mut all: Vec<Delivery> = (deliveries_in(tx, tender)?.iter())
                .map(DeliveryReport::delivery)
                .collect();
            all.push(delivery.clone());
            monitored(&all).map_err(|e| StoreError::invalid("quantity", e))?;
            insert_delivery(
                tx,
                award,
                &delivery.measure,
                &delivery.quantity,
                period,
                evidence,
                None,
                actor,
            )
        })
    }

    /// Reverses report `id` of `tender` (once): a report of the negated
    /// quantity, the original kept.
    pub fn reverse_delivery(
        &self,
        tender: TenderId,
        id: DeliveryId,
        actor: &Actor,
    ) -> Result<DeliveryId> {
        self.write(|tx| {
            let award = award_id(tx, tender)?;
            let found: Option<(String, String, String, Option<i64>, bool)> = tx
                .query_row(
                    "SELECT d.measure, d.quantity, d.period, d.reverses,
                            EXISTS (SELECT 1 FROM sv_deliveries r WHERE r.reverses = d.id)
                     FROM sv_deliveries d WHERE d.id = ?1 AND d.award_id = ?2",
                    params![id.get(), award],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
                )
                .optional()?;
            let Some((measure, quantity, period, reverses, reversed)) = found else {
                return Err(StoreError::not_found(
                    text!("delivery_report"; id: "laporan", en: "report"),
                ));
            };
            if reverses.is_some() || reversed {
                return Err(StoreError::conflict(text!("delivery_reversed_already";
                    id: "laporan ini sudah dibatalkan, atau ia sendiri pembatalan",
                    en: "this report is reversed already, or is itself a reversal")));
            }
            let quantity = -decimal(quantity)?;
            insert_delivery(tx, award, &measure, &quantity, &period, "", Some(id), actor)
        })
    }

    /// Every report of delivery under `tender`'s award, oldest first.
    pub fn deliveries(&self, tender: TenderId) -> Result<Vec<DeliveryReport>> {
        deliveries_in(&*self.conn()?, tender)
    }
}

/// [`Store::deliveries`] on a connection the caller holds.
fn deliveries_in(conn: &crate::db::Connection, tender: TenderId) -> Result<Vec<DeliveryReport>> {
    let mut stmt = conn.prepare(
        "SELECT d.id, d.measure, d.quantity, d.period, d.evidence, d.reverses,
                EXISTS (SELECT 1 FROM sv_deliveries r WHERE r.reverses = d.id), d.reported_by, d.reported_at
         FROM sv_deliveries d JOIN sv_awards a ON a.id = d.award_id
         WHERE a.tender_id = ?1 ORDER BY d.id",
    )?;
    let rows = stmt.query_map([tender.get()], |r| {
        from_row!(
            r,
            DeliveryReport {
                id: DeliveryId::new,
                measure,
                quantity,
                period,
                evidence,
                reverses: |v: Option<i64>| v.map(DeliveryId::new),
                reversed,
                reported_by,
                reported_at,
            }
        )
    })?;
    Ok(rows.collect::<crate::db::Result<_>>()?)
}

fn award_id(tx: &Transaction<'_>, tender: TenderId) -> Result<i64> {
    tx.query_row(
        "SELECT id FROM sv_awards WHERE tender_id = ?1",
        [tender.get()],
        |r| r.get(0),
    )
    .optional()?
    .ok_or_else(|| {
        StoreError::conflict(text!("tender_not_awarded";
            id: "tender ini belum diputuskan pemenangnya", en: "this tender is not awarded yet"))
    })
}

#[allow(clippy::too_many_arguments)]
fn insert_delivery(
    tx: &Transaction<'_>,
    award: i64,
    measure: &str,
    quantity: &Exact,
    period: &str,
    evidence: &str,
    reverses: Option<DeliveryId>,
    actor: &Actor,
) -> Result<DeliveryId> {
    let quantity = plain(quantity, PLACES as u32);
    let inserted: i64 = tx.query_row(
        "INSERT INTO sv_deliveries (award_id, measure, quantity, period, evidence, reverses, reported_by, reported_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id",
        params![
            award,
            measure,
            quantity,
            period,
            evidence,
            reverses.map(|r| r.get()),
            actor.label(),
            crate::now()
        ], |r| r.get::<_, i64>(0),
    )?;
    let id = DeliveryId::new(inserted);
    audit::record(
        tx,
        actor,
        if reverses.is_some() {
            "procurement.reverse_delivery"
        } else {
            "procurement.report_delivery"
        },
        "delivery",
        &id.to_string(),
        None,
        serde_json::json!({"measure": measure, "quantity": quantity, "period": period,
            "reverses": reverses.map(|r| r.get())}),
    )?;
    Ok(id)
}
