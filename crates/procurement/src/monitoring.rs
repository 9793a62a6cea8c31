//! After a tender is weighed: the award decision (who wins and why) and
//! the winner's social-value commitments, which become promises whose
//! delivery is reported over the contract's life and shown against them
//! per measure and per outcome.

use crate::evaluation::{Commitment, Evaluation, SocialValueTooLarge, PLACES};
use crate::exact::{self, Exact};
use crate::social_value::{plain, Outcome, ProxySet};
use lumbung_domain::{text, Money, Text};
use num_traits::{Signed, Zero};
use serde::Serialize;
use std::collections::BTreeMap;

/// The longest reason of an award, in characters.
pub const REASON_MAX: usize = 4_000;

/// An award decision as checked: the bidder as its bid spells it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AwardChoice {
    pub bidder: String,
    pub reason: String,
    /// The bidder is not the one ranked first: the reason says why.
    pub departs_from_ranking: bool,
}

/// Checks an award of `evaluation` to `bidder`: the bidder must have bid,
/// and the decision must say why (always; a reader of the history asks).
pub fn check_award(
    evaluation: &Evaluation,
    bidder: &str,
    reason: &str,
) -> Result<AwardChoice, Vec<(&'static str, Text)>> {
    let mut problems = Vec::new();
    let wanted = bidder.trim().to_lowercase();
    let bid = evaluation
        .bids
        .iter()
        .find(|b| b.bidder.to_lowercase() == wanted);
    if bid.is_none() {
        problems.push((
            "bidder",
            text!("award_bidder", bidder = bidder.trim();
                id: "{bidder:?} tidak menawar di versi penilaian ini",
                en: "{bidder:?} did not bid in this version of the evaluation"),
        ));
    }
    let reason = reason.trim();
    if reason.is_empty() {
        problems.push((
            "reason",
            text!("award_reason_empty";
                id: "tuliskan alasan keputusan ini", en: "write the reason for this decision"),
        ));
    } else if reason.chars().count() > REASON_MAX {
        problems.push((
            "reason",
            text!("award_reason_long", max = REASON_MAX;
                id: "alasan paling panjang {max} karakter", en: "the reason may be at most {max} characters"),
        ));
    }
    match bid {
        Some(bid) if problems.is_empty() => Ok(AwardChoice {
            bidder: bid.bidder.clone(),
            reason: reason.to_owned(),
            departs_from_ranking: bid.rank != 1,
        }),
        _ => Err(problems),
    }
}

/// A report of delivery as typed: a quantity of a measure of the proxy
/// set the evaluation used. A reversal is stored as its negation.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub measure: String,
    pub quantity: Exact,
}

/// Checks a delivery as typed: a measure of `proxies` (kept as the set
/// spells it) and a quantity above 0.
pub fn check_delivery(
    measure: &str,
    quantity: &str,
    proxies: &ProxySet,
) -> Result<Delivery, Vec<(&'static str, Text)>> {
    let mut problems = Vec::new();
    let proxy = proxies.find(measure);
    if proxy.is_none() {
        problems.push((
            "measure",
            text!("delivery_measure", measure = measure.trim();
                id: "ukuran {measure:?} tidak ada di nilai proksi penilaian ini",
                en: "the measure {measure:?} is not in this evaluation's proxy values"),
        ));
    }
    let quantity = match exact::parse_decimal(quantity, PLACES) {
        Some(q) if q.is_positive() => Some(q),
        _ => {
            problems.push((
                "quantity",
                text!("delivery_quantity", value = quantity.trim(), places = PLACES;
                    id: "{value:?} bukan jumlah (desimal di atas 0, paling banyak {places} angka di belakang titik)",
                    en: "{value:?} is not a quantity (a decimal above 0 with at most {places} decimals)"),
            ));
            None
        }
    };
    match (proxy, quantity) {
        (Some(p), Some(quantity)) => Ok(Delivery {
            measure: p.measure.clone(),
            quantity,
        }),
        _ => Err(problems),
    }
}

/// A measure promised or delivered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MeasureProgress {
    pub measure: String,
    pub outcome: Outcome,
    pub unit: String,
    /// Quantities, up to 4 decimals.
    pub promised: String,
    pub delivered: String,
    pub promised_value: Money,
    pub delivered_value: Money,
}

/// An outcome's promised and delivered social value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutcomeProgress {
    pub outcome: Outcome,
    pub promised: Money,
    pub delivered: Money,
    /// Delivered ÷ promised as a percentage with one decimal; none when
    /// nothing was promised.
    pub delivered_pct: Option<String>,
}

/// Promised vs delivered, per measure and per outcome, and in all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Monitoring {
    pub measures: Vec<MeasureProgress>,
    /// Every outcome, in the framework's order.
    pub outcomes: Vec<OutcomeProgress>,
    pub promised: Money,
    pub delivered: Money,
    pub delivered_pct: Option<String>,
}

fn pct(part: &Exact, whole: &Exact) -> Option<String> {
    (!whole.is_zero()).then(|| exact::decimal(&(part * exact::int(100) / whole), 1))
}

/// The winner's `promises` against the `deliveries` reported (reversals
/// negative), valued with `proxies`: per measure (promised ones first,
/// in the order promised, then measures delivered without a promise) and
/// per outcome.
pub fn monitor(
    winner: &str,
    promises: &[Commitment],
    deliveries: &[Delivery],
    proxies: &ProxySet,
) -> Result<Monitoring, SocialValueTooLarge> {
    let too_large = || SocialValueTooLarge(winner.to_owned());
    let money = |v: &Exact| exact::to_money(v).ok_or_else(too_large);
    // (measure, promised, delivered), in first-seen order.
    let mut amounts: Vec<(String, Exact, Exact)> = Vec::new();
    fn slot<'a>(
        amounts: &'a mut Vec<(String, Exact, Exact)>,
        measure: &str,
    ) -> &'a mut (String, Exact, Exact) {
        let key = measure.to_lowercase();
        match amounts.iter().position(|(m, _, _)| *m == key) {
            Some(i) => &mut amounts[i],
            None => {
                amounts.push((key, Exact::zero(), Exact::zero()));
                amounts.last_mut().expect("just pushed")
            }
        }
    }
    for p in promises.iter().filter(|p| p.bidder == winner) {
        slot(&mut amounts, &p.measure).1 += &p.quantity;
    }
    for d in deliveries {
        slot(&mut amounts, &d.measure).2 += &d.quantity;
    }
    let mut measures = Vec::new();
    let mut by_outcome: BTreeMap<Outcome, (Exact, Exact)> = BTreeMap::new();
    let (mut promised_all, mut delivered_all) = (Exact::zero(), Exact::zero());
    for (key, promised, delivered) in &amounts {
        let Some(proxy) = proxies.find(key) else {
            continue;
        };
        let (pv, dv) = (promised * &proxy.value, delivered * &proxy.value);
        let o = by_outcome
            .entry(proxy.outcome)
            .or_insert_with(|| (Exact::zero(), Exact::zero()));
        o.0 += &pv;
        o.1 += &dv;
        promised_all += &pv;
        delivered_all += &dv;
        measures.push(MeasureProgress {
            measure: proxy.measure.clone(),
            outcome: proxy.outcome,
            unit: proxy.unit.clone(),
            promised: plain(promised, PLACES as u32),
            delivered: plain(delivered, PLACES as u32),
            promised_value: money(&pv)?,
            delivered_value: money(&dv)?,
        });
    }
    let mut outcomes = Vec::new();
    for outcome in Outcome::ALL {
        let (p, d) = by_outcome
            .remove(&outcome)
            .unwrap_or_else(|| (Exact::zero(), Exact::zero()));
        outcomes.push(OutcomeProgress {
            outcome,
            promised: money(&p)?,
            delivered: money(&d)?,
            delivered_pct: pct(&d, &p),
        });
    }
    Ok(Monitoring {
        measures,
        outcomes,
        promised: money(&promised_all)?,
        delivered: money(&delivered_all)?,
        delivered_pct: pct(&delivered_all, &promised_all),
    })
}

#[cfg(test)]
#[path = "monitoring_tests.rs"]
mod tests;
