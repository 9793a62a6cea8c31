//! A tender's bids weighed on price, quality and social value (seed 000:
//! progressive procurement weighs social value beside cost and quality),
//! exactly: each score is an exact ratio, a bid's total their exact sum,
//! rounded once for display. Definitions and a worked example:
//! `docs/procurement.md`.

use crate::exact::{self, Exact};
use crate::files::read_table;
use crate::social_value::{cell, require, Outcome, ProxySet};
use lumbung_domain::{text, Money, Rejected, RowError, Text};
use num_traits::{Signed, Zero};
use serde::Serialize;
use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};

/// The most decimals of a quality mark, a weight or a quantity.
pub const PLACES: usize = 4;

/// How much of 100 each part of a bid's score weighs.
#[derive(Debug, Clone, PartialEq)]
pub struct Weights {
    pub price: Exact,
    pub quality: Exact,
    pub social: Exact,
}

impl Default for Weights {
    /// 60 price, 30 quality, 10 social value.
    fn default() -> Self {
        Weights {
            price: exact::int(60),
            quality: exact::int(30),
            social: exact::int(10),
        }
    }
}

impl Weights {
    /// Parses `price=60,quality=30,social=10`; a part not named weighs 0.
    /// Each weight is a decimal ≥ 0; together they make exactly 100.
    pub fn parse(raw: &str) -> Result<Weights, Text> {
        let mut w = Weights {
            price: Exact::zero(),
            quality: Exact::zero(),
            social: Exact::zero(),
        };
        let mut seen = Vec::new();
        for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let bad = || {
                text!("weights_part", part = part;
                    id: "{part:?} bukan bobot: tulis seperti price=60,quality=30,social=10",
                    en: "{part:?} is not a weight: write it as price=60,quality=30,social=10")
            };
            let (name, value) = part.split_once('=').ok_or_else(bad)?;
            let value = exact::parse_decimal(value, PLACES)
                .filter(|v| !v.is_negative())
                .ok_or_else(bad)?;
            let name = name.trim().to_lowercase();
            let slot = match name.as_str() {
                "price" | "harga" => &mut w.price,
                "quality" | "kualitas" | "mutu" => &mut w.quality,
                "social" | "sosial" | "social_value" => &mut w.social,
                _ => return Err(bad()),
            };
            if seen.contains(&name) {
                return Err(bad());
            }
            seen.push(name);
            *slot = value;
        }
        let sum = &w.price + &w.quality + &w.social;
        if sum != exact::int(100) {
            return Err(
                text!("weights_sum", sum = crate::social_value::plain(&sum, PLACES as u32);
                id: "bobot harga, kualitas dan nilai sosial harus berjumlah 100, bukan {sum}",
                en: "the price, quality and social-value weights must add up to 100, not {sum}"),
            );
        }
        Ok(w)
    }
}

/// A bid: who, at what price, with what quality marks (0–100).
#[derive(Debug, Clone, PartialEq)]
pub struct Bid {
    pub bidder: String,
    pub price: Money,
    pub quality: Exact,
}

/// A bidder's social-value commitment: a quantity of a measure.
#[derive(Debug, Clone, PartialEq)]
pub struct Commitment {
    pub bidder: String,
    pub measure: String,
    pub quantity: Exact,
}

/// Checks a bid's fields as typed (in a file or a form): the bid, or the
/// problems by column.
pub fn check_bid(
    bidder: Option<&str>,
    price: Option<&str>,
    quality: Option<&str>,
) -> Result<Bid, Vec<(&'static str, Text)>> {
    let mut problems = Vec::new();
    let bidder = bidder.map(str::trim).filter(|b| !b.is_empty());
    if bidder.is_none() {
        problems.push((
            "bidder",
            text!("bid_bidder_empty"; id: "nama penawar kosong", en: "the bidder is empty"),
        ));
    }
    let price = match price.map(|p| Money::parse_plain(&p.replace(',', ""))) {
        Some(Ok(p)) if p.minor() > 0 => Some(p),
        _ => {
            problems.push((
                "price",
                text!("bid_price", value = price.unwrap_or("");
                    id: "{value:?} bukan harga: harus jumlah uang di atas 0",
                    en: "{value:?} is not a price: it must be an amount above 0"),
            ));
            None
        }
    };
    let quality = match quality.and_then(|q| exact::parse_decimal(q, PLACES)) {
        Some(q) if !q.is_negative() && q <= exact::int(100) => Some(q),
        _ => {
            problems.push((
                "quality",
                text!("bid_quality", value = quality.unwrap_or("");
                    id: "{value:?} bukan nilai kualitas (0 sampai 100)",
                    en: "{value:?} is not a quality mark (0 to 100)"),
            ));
            None
        }
    };
    match (bidder, price, quality) {
        (Some(bidder), Some(price), Some(quality)) if problems.is_empty() => Ok(Bid {
            bidder: bidder.to_owned(),
            price,
            quality,
        }),
        _ => Err(problems),
    }
}

/// Reads BIDS (`bidder,price,quality`; `penawar,harga,kualitas`): every
/// problem by line and column, a bidder named twice included.
pub fn read_bids(name: &str, bytes: &[u8]) -> Result<Vec<Bid>, Rejected> {
    let table = read_table(name, bytes)?;
    let at = require(
        name,
        &table,
        &[
            ("bidder", &["bidder", "penawar"]),
            ("price", &["price", "harga"]),
            ("quality", &["quality", "kualitas", "mutu"]),
        ],
    )?;
    let mut bids: Vec<Bid> = Vec::new();
    let mut errors = Vec::new();
    let mut first: HashMap<String, u64> = HashMap::new();
    for (line, cells) in &table.rows {
        if let Some(bidder) = cell(cells, at[0]) {
            if let Some(first) = first.insert(bidder.to_lowercase(), *line) {
                errors.push(RowError::new(
                    *line,
                    Some("bidder"),
                    text!("bid_twice", bidder = bidder, first = first;
                        id: "{bidder} sudah menawar di baris {first}",
                        en: "{bidder} bids on line {first} already"),
                ));
            }
        }
        match check_bid(cell(cells, at[0]), cell(cells, at[1]), cell(cells, at[2])) {
            Ok(bid) => bids.push(bid),
            Err(problems) => errors.extend(
                problems
                    .into_iter()
                    .map(|(column, message)| RowError::new(*line, Some(column), message)),
            ),
        }
    }
    if bids.is_empty() && errors.is_empty() {
        errors.push(RowError::new(
            1,
            None,
            text!("bids_none"; id: "tidak ada penawaran", en: "there are no bids"),
        ));
    }
    Rejected::unless_any(name, errors, ())?;
    Ok(bids)
}

/// Reads COMMITMENTS (`bidder,measure,quantity`; `penawar,ukuran,jumlah`)
/// against the bids and proxies: a bidder without a bid, a measure
/// without a proxy, or a quantity that is not a decimal ≥ 0 refuses the
/// file, naming line and column.
pub fn read_commitments(
    name: &str,
    bytes: &[u8],
    bids: &[Bid],
    proxies: &ProxySet,
) -> Result<Vec<Commitment>, Rejected> {
    let table = read_table(name, bytes)?;
    let at = require(
        name,
        &table,
        &[
            ("bidder", &["bidder", "penawar"]),
            ("measure", &["measure", "ukuran"]),
            ("quantity", &["quantity", "jumlah", "kuantitas"]),
        ],
    )?;
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (line, cells) in &table.rows {
        match check_commitment(
            cell(cells, at[0]),
            cell(cells, at[1]),
            cell(cells, at[2]),
            bids,
            proxies,
        ) {
            Ok(c) => out.push(c),
            Err(problems) => errors.extend(
                problems
                    .into_iter()
                    .map(|(column, message)| RowError::new(*line, Some(column), message)),
            ),
        }
    }
    Rejected::unless_any(name, errors, ())?;
    Ok(out)
}

/// Checks a commitment as typed: its bidder must have a bid and its
/// measure a proxy; names are kept as the bid and the proxy spell them.
pub fn check_commitment(
    bidder: Option<&str>,
    measure: Option<&str>,
    quantity: Option<&str>,
    bids: &[Bid],
    proxies: &ProxySet,
) -> Result<Commitment, Vec<(&'static str, Text)>> {
    let mut problems = Vec::new();
    let wanted = bidder.unwrap_or("").trim().to_lowercase();
    let bid = bids.iter().find(|b| b.bidder.to_lowercase() == wanted);
    if bid.is_none() {
        problems.push((
            "bidder",
            text!("commitment_bidder", bidder = bidder.unwrap_or("");
                id: "{bidder:?} tidak ada di antara penawar", en: "{bidder:?} is not among the bidders"),
        ));
    }
    let proxy = proxies.find(measure.unwrap_or(""));
    if proxy.is_none() {
        problems.push((
            "measure",
            text!("commitment_measure", measure = measure.unwrap_or("");
                id: "ukuran {measure:?} tidak ada di nilai proksi",
                en: "the measure {measure:?} has no proxy value"),
        ));
    }
    let quantity = match quantity.and_then(|q| exact::parse_decimal(q, PLACES)) {
        Some(q) if !q.is_negative() => Some(q),
        _ => {
            problems.push((
                "quantity",
                text!("commitment_quantity", value = quantity.unwrap_or(""), places = PLACES;
                    id: "{value:?} bukan jumlah (desimal ≥ 0, paling banyak {places} angka di belakang titik)",
                    en: "{value:?} is not a quantity (a decimal ≥ 0 with at most {places} decimals)"),
            ));
            None
        }
    };
    match (bid, proxy, quantity) {
        (Some(bid), Some(proxy), Some(quantity)) => Ok(Commitment {
            bidder: bid.bidder.clone(),
            measure: proxy.measure.clone(),
            quantity,
        }),
        _ => Err(problems),
    }
}

/// A bid as weighed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoredBid {
    pub bidder: String,
    pub price: Money,
    /// The quality mark, 4 decimals.
    pub quality: String,
    /// Σ quantity × proxy value of its commitments, to the cent.
    pub social_value: Money,
    /// The same by outcome (every outcome, 0 where none).
    pub social_value_by_outcome: BTreeMap<Outcome, Money>,
    pub price_score: String,
    pub quality_score: String,
    pub social_score: String,
    /// The exact sum of the three exact scores, rounded once.
    pub total: String,
    /// 1 for the best: by exact total, then lower price, then name.
    pub rank: u32,
    #[serde(skip)]
    pub exact_total: Exact,
    #[serde(skip)]
    pub exact_social_value: Exact,
}

/// The weights as shown, 4 decimals each.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WeightsShown {
    pub price: String,
    pub quality: String,
    pub social: String,
}

/// The evaluation of a tender's bids.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    pub weights: WeightsShown,
    /// Best first.
    pub bids: Vec<ScoredBid>,
    /// The bidder ranked first.
    pub winner: String,
}

/// A figure too large for an amount of money (a social value past
/// 92 quadrillion): refused, never cut.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the social value of {0} is too large")]
pub struct SocialValueTooLarge(pub String);

impl SocialValueTooLarge {
    pub fn text(&self) -> Text {
        text!("social_value_too_large", bidder = self.0;
            id: "nilai sosial {bidder} terlalu besar", en: "the social value of {bidder} is too large")
    }
}

const SCORE_PLACES: u32 = 4;

/// Weighs `bids` (at least one, bidders distinct) with their commitments
/// (checked against `bids` and `proxies`):
/// price_score = w_price × lowest price ÷ price; quality_score =
/// w_quality × quality ÷ 100; social_score = w_social × social value ÷ the
/// highest social value (0 when all are 0).
pub fn evaluate(
    weights: &Weights,
    bids: &[Bid],
    commitments: &[Commitment],
    proxies: &ProxySet,
) -> Result<Evaluation, SocialValueTooLarge> {
    let lowest = bids
        .iter()
        .map(|b| b.price)
        .min()
        .expect("an evaluation has a bid");
    let mut social: Vec<BTreeMap<Outcome, Exact>> = vec![BTreeMap::new(); bids.len()];
    for c in commitments {
        let (Some(i), Some(proxy)) = (
            bids.iter().position(|b| b.bidder == c.bidder),
            proxies.find(&c.measure),
        ) else {
            continue;
        };
        *social[i].entry(proxy.outcome).or_insert_with(Exact::zero) += &c.quantity * &proxy.value;
    }
    let values: Vec<Exact> = social
        .iter()
        .map(|by| by.values().fold(Exact::zero(), |a, v| a + v))
        .collect();
    let highest = values.iter().max().cloned().unwrap_or_else(Exact::zero);
    let mut scored = Vec::with_capacity(bids.len());
    for ((bid, by), value) in bids.iter().zip(&social).zip(values) {
        let price_score = &weights.price * exact::money(lowest) / exact::money(bid.price);
        let quality_score = &weights.quality * &bid.quality / exact::int(100);
        let social_score = if highest.is_zero() {
            Exact::zero()
        } else {
            &weights.social * &value / &highest
        };
        let total = &price_score + &quality_score + &social_score;
        let too_large = || SocialValueTooLarge(bid.bidder.clone());
        let mut by_outcome = BTreeMap::new();
        for o in Outcome::ALL {
            let v = by.get(&o).cloned().unwrap_or_else(Exact::zero);
            by_outcome.insert(o, exact::to_money(&v).ok_or_else(too_large)?);
        }
        scored.push(ScoredBid {
            bidder: bid.bidder.clone(),
            price: bid.price,
            quality: exact::decimal(&bid.quality, SCORE_PLACES),
            social_value: exact::to_money(&value).ok_or_else(too_large)?,
            social_value_by_outcome: by_outcome,
            price_score: exact::decimal(&price_score, SCORE_PLACES),
            quality_score: exact::decimal(&quality_score, SCORE_PLACES),
            social_score: exact::decimal(&social_score, SCORE_PLACES),
            total: exact::decimal(&total, SCORE_PLACES),
            rank: 0,
            exact_total: total,
            exact_social_value: value,
        });
    }
    scored.sort_by(|a, b| {
        b.exact_total
            .cmp(&a.exact_total)
            .then(a.price.cmp(&b.price))
            .then_with(|| by_name(&a.bidder, &b.bidder))
    });
    for (i, s) in scored.iter_mut().enumerate() {
        s.rank = i as u32 + 1;
    }
    Ok(Evaluation {
        weights: WeightsShown {
            price: exact::decimal(&weights.price, SCORE_PLACES),
            quality: exact::decimal(&weights.quality, SCORE_PLACES),
            social: exact::decimal(&weights.social, SCORE_PLACES),
        },
        winner: scored[0].bidder.clone(),
        bids: scored,
    })
}

fn by_name(a: &str, b: &str) -> Ordering {
    a.to_lowercase().cmp(&b.to_lowercase()).then(a.cmp(b))
}

#[cfg(test)]
#[path = "evaluation_tests.rs"]
mod tests;
