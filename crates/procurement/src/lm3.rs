//! The local multiplier (LM3, seed 000: CLES measured what a pound spent
//! locally does as it is spent again): round 1 is what the anchors spend,
//! round 2 what of it goes to local suppliers, round 3 what those
//! suppliers spend again locally (wages to local staff, local
//! sub-suppliers), from a survey of their local re-spend share. LM3 =
//! (round 1 + round 2 + round 3) ÷ round 1. Worked example:
//! `docs/procurement.md`.

use crate::exact::{self, Exact};
use crate::files::read_table;
use crate::social_value::{cell, require};
use lumbung_domain::{text, Money, Rejected, RowError, SupplierId, Text};
use num_traits::{Signed, Zero};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};

/// The most decimals of a re-spend share.
pub const SHARE_PLACES: usize = 6;

/// An anchor's net spend with one supplier in the selection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paid {
    pub anchor: String,
    pub supplier: SupplierId,
    /// Whether the supplier is in the local area.
    pub local: bool,
    pub spend: Money,
}

/// A row of the re-spend survey as read: who, and the share.
#[derive(Debug, Clone, PartialEq)]
pub struct RespendRow {
    pub line: u64,
    pub supplier: String,
    /// A postal code, to tell apart suppliers of one name.
    pub postcode: Option<String>,
    pub share: Exact,
}

/// Reads RESPEND (`supplier,local_respend_share`, optionally `postcode`;
/// Indonesian `pemasok,porsi_belanja_lokal,kode_pos`): a share outside
/// 0–1 refuses the file, naming the line.
pub fn read_respend(name: &str, bytes: &[u8]) -> Result<Vec<RespendRow>, Rejected> {
    let table = read_table(name, bytes)?;
    let at = require(
        name,
        &table,
        &[
            ("supplier", &["supplier", "pemasok"]),
            (
                "local_respend_share",
                &[
                    "local_respend_share",
                    "porsi_belanja_lokal",
                    "respend_share",
                ],
            ),
        ],
    )?;
    let postcode = table.column(&["postcode", "postal_code", "kode_pos"]);
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for (line, cells) in &table.rows {
        let Some(supplier) = cell(cells, at[0]) else {
            errors.push(RowError::new(
                *line,
                Some("supplier"),
                text!("respend_supplier_empty"; id: "nama pemasok kosong", en: "the supplier is empty"),
            ));
            continue;
        };
        let raw = cell(cells, at[1]);
        match raw.and_then(|v| exact::parse_decimal(v, SHARE_PLACES)) {
            Some(share) if !share.is_negative() && share <= exact::int(1) => {
                rows.push(RespendRow {
                    line: *line,
                    supplier: supplier.to_owned(),
                    postcode: cell(cells, postcode).map(str::to_owned),
                    share,
                })
            }
            _ => errors.push(RowError::new(
                *line,
                Some("local_respend_share"),
                text!("respend_share", value = raw.unwrap_or("");
                    id: "{value:?} bukan porsi antara 0 dan 1 (misalnya 0.35)",
                    en: "{value:?} is not a share between 0 and 1 (e.g. 0.35)"),
            )),
        }
    }
    Rejected::unless_any(name, errors, rows)
}

/// What the supplier catalogue says a survey row's supplier is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    One(SupplierId),
    None,
    /// Several suppliers have the name: a postal code tells them apart.
    Several(Vec<SupplierId>),
}

impl Found {
    /// What a reader who sees only the suppliers `seen` (`None`: all) is
    /// told: the others are unknown to them, so that a file of guessed
    /// names does not say who is paid outside their scope, nor the ids.
    pub fn within(self, seen: Option<&HashSet<SupplierId>>) -> Found {
        let Some(seen) = seen else {
            return self;
        };
        match self {
            Found::One(id) if seen.contains(&id) => Found::One(id),
            Found::One(_) | Found::None => Found::None,
            Found::Several(ids) => {
                let mut ids: Vec<SupplierId> =
                    ids.into_iter().filter(|id| seen.contains(id)).collect();
                match ids.len() {
                    0 => Found::None,
                    1 => Found::One(ids.remove(0)),
                    _ => Found::Several(ids),
                }
            }
        }
    }
}

/// Why a row's supplier name leads to no single supplier (none when it
/// leads to one).
pub fn unmatched(supplier: &str, found: &Found) -> Option<Text> {
    match found {
        Found::One(_) => None,
        Found::None => Some(text!("respend_unknown", supplier = supplier;
            id: "tidak ada pemasok {supplier:?} dalam analisis belanja",
            en: "no supplier {supplier:?} is in the spend analysis")),
        Found::Several(ids) => {
            let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
            Some(
                text!("respend_several", supplier = supplier, ids = ids.join(", ");
                id: "beberapa pemasok bernama {supplier:?} (id {ids}): tambahkan kolom kode_pos",
                en: "several suppliers are named {supplier:?} (ids {ids}): add a postcode column"),
            )
        }
    }
}

/// A survey answer matched to a supplier.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub line: u64,
    pub name: String,
    pub supplier: SupplierId,
    pub share: Exact,
}

/// Matches the survey's rows (`found` beside each): a row naming no
/// supplier, several, or one answered on an earlier line refuses the file.
pub fn answers(file: &str, rows: &[RespendRow], found: &[Found]) -> Result<Vec<Answer>, Rejected> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut first: HashMap<SupplierId, u64> = HashMap::new();
    for (row, found) in rows.iter().zip(found) {
        let fail = |message: Text| RowError::new(row.line, Some("supplier"), message);
        match found {
            Found::One(id) => {
                if let Some(earlier) = first.insert(*id, row.line) {
                    errors.push(fail(
                        text!("respend_twice", supplier = row.supplier, line = earlier;
                        id: "{supplier} sudah dijawab di baris {line}",
                        en: "{supplier} is answered on line {line} already"),
                    ));
                } else {
                    out.push(Answer {
                        line: row.line,
                        name: row.supplier.clone(),
                        supplier: *id,
                        share: row.share.clone(),
                    });
                }
            }
            Found::None | Found::Several(_) => {
                errors.extend(unmatched(&row.supplier, found).map(fail))
            }
        }
    }
    Rejected::unless_any(file, errors, out)
}

/// The rounds of one selection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rounds {
    pub round1: Money,
    pub round2: Money,
    pub round3: Money,
    /// (round 1 + round 2 + round 3) ÷ round 1, 4 decimals; none without spend.
    pub lm3: Option<String>,
    /// Surveyed local spend ÷ round 2, 6 decimals; none without local spend.
    pub coverage: Option<String>,
    pub surveyed_suppliers: u64,
    pub local_suppliers: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnchorRounds {
    pub anchor: String,
    #[serde(flatten)]
    pub rounds: Rounds,
}

/// A survey row left out: its supplier is not in the local area.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ignored {
    pub line: u64,
    pub supplier: String,
}

/// The local multiplier of the group of anchors and of each.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Lm3 {
    #[serde(flatten)]
    pub rounds: Rounds,
    /// The spend-weighted mean share of the surveyed local suppliers, 6
    /// decimals: what an unsurveyed local supplier is taken to re-spend.
    pub mean_respend_share: String,
    pub method: Text,
    pub by_anchor: Vec<AnchorRounds>,
    pub ignored: Vec<Ignored>,
    #[serde(skip)]
    pub exact_lm3: Option<Exact>,
    #[serde(skip)]
    pub exact_mean: Exact,
    #[serde(skip)]
    pub exact_round3: Exact,
}

/// A sum past what an amount holds: refused, never cut.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the spend is too large to add up")]
pub struct TooLarge;

/// The local multiplier of `paid` (every anchor–supplier pair of the
/// selection) with the survey's `answers`: a local supplier without an
/// answer takes the spend-weighted mean share of the answered ones (over
/// the whole selection, so the anchors' rounds add up to the group's);
/// an answer about a supplier that is not local is left out, listed.
pub fn lm3(paid: &[Paid], answers: &[Answer]) -> Result<Lm3, TooLarge> {
    let local: HashSet<SupplierId> = paid
        .iter()
        .filter(|p| p.local)
        .map(|p| p.supplier)
        .collect();
    let mut ignored = Vec::new();
    let mut share: HashMap<SupplierId, &Exact> = HashMap::new();
    for a in answers {
        if local.contains(&a.supplier) {
            share.insert(a.supplier, &a.share);
        } else {
            ignored.push(Ignored {
                line: a.line,
                supplier: a.name.clone(),
            });
        }
    }
    let (mut weighted, mut weight) = (Exact::zero(), Exact::zero());
    for p in paid.iter().filter(|p| p.local) {
        if let Some(s) = share.get(&p.supplier) {
            let spend = exact::money(p.spend);
            weighted += &spend * *s;
            weight += spend;
        }
    }
    let (mean, method) = if weight.is_positive() {
        let mean = weighted / weight;
        let method = text!("lm3_method", mean = exact::decimal(&mean, 6), n = share.len();
            id: "putaran 3 = belanja dengan tiap pemasok lokal × porsi belanja ulang lokalnya menurut survei; pemasok lokal yang tidak menjawab memakai rata-rata berbobot belanja dari {n} pemasok yang menjawab ({mean})",
            en: "round 3 = spend with each local supplier × its surveyed local re-spend share; a local supplier without an answer takes the spend-weighted mean share of the {n} surveyed ones ({mean})");
        (mean, method)
    } else {
        let method = text!("lm3_method_unsurveyed";
            id: "tidak ada pemasok lokal berbelanja yang menjawab survei: putaran 3 dihitung 0",
            en: "no local supplier with spend answered the survey: round 3 is counted as 0");
        (Exact::zero(), method)
    };
    let rounds = |rows: &mut dyn Iterator<Item = &Paid>| -> Result<(Rounds, Option<Exact>, Exact), TooLarge> {
        let (mut r1, mut r2, mut r3, mut surveyed_spend) = (0i128, 0i128, Exact::zero(), 0i128);
        let (mut locals, mut surveyed) = (HashSet::new(), HashSet::new());
        for p in rows {
            r1 += i128::from(p.spend.minor());
            if !p.local {
                continue;
            }
            r2 += i128::from(p.spend.minor());
            locals.insert(p.supplier);
            let s = match share.get(&p.supplier) {
                Some(s) => {
                    surveyed.insert(p.supplier);
                    surveyed_spend += i128::from(p.spend.minor());
                    *s
                }
                None => &mean,
            };
            r3 += exact::money(p.spend) * s;
        }
        let money = |v: i128| i64::try_from(v).map(Money::from_minor).map_err(|_| TooLarge);
        let (round1, round2) = (money(r1)?, money(r2)?);
        let cents = |v: i128| Exact::new(v.into(), 100.into());
        let lm3 = (r1 != 0).then(|| (cents(r1) + cents(r2) + &r3) / cents(r1));
        Ok((
            Rounds {
                round1,
                round2,
                round3: exact::to_money(&r3).ok_or(TooLarge)?,
                lm3: lm3.as_ref().map(|v| exact::decimal(v, 4)),
                coverage: (r2 != 0).then(|| exact::decimal(&(cents(surveyed_spend) / cents(r2)), 6)),
                surveyed_suppliers: surveyed.len() as u64,
                local_suppliers: locals.len() as u64,
            },
            lm3,
            r3,
        ))
    };
    let (all, exact_lm3, exact_round3) = rounds(&mut paid.iter())?;
    let mut anchors: BTreeMap<(String, &str), Vec<&Paid>> = BTreeMap::new();
    for p in paid {
        anchors
            .entry((p.anchor.to_lowercase(), p.anchor.as_str()))
            .or_default()
            .push(p);
    }
    let by_anchor = anchors
        .into_iter()
        .map(|((_, anchor), rows)| {
            Ok(AnchorRounds {
                anchor: anchor.to_owned(),
                rounds: rounds(&mut rows.into_iter())?.0,
            })
        })
        .collect::<Result<_, TooLarge>>()?;
    Ok(Lm3 {
        rounds: all,
        mean_respend_share: exact::decimal(&mean, 6),
        method,
        by_anchor,
        ignored,
        exact_lm3,
        exact_mean: mean,
        exact_round3,
    })
}

#[cfg(test)]
#[path = "lm3_tests.rs"]
pub(crate) mod tests;
