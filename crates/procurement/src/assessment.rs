//! Suppliers assessed against the six social-value outcomes (seed 000:
//! Preston assessed its top 300 suppliers), in rounds, and the dashboard
//! that reads the scores by outcome, sector and anchor, with the change
//! since the round before. Scores run from 0 (nothing shown) to
//! [`SCORE_MAX`] (leading practice); see `docs/procurement.md`.

use crate::exact::{self, Exact};
use crate::files::read_table;
use crate::lm3::{unmatched, Found};
use crate::social_value::{cell, require, Outcome};
use lumbung_domain::{text, Money, Rejected, RowError, SupplierId, Text};
use lumbung_spend::facts::{Facts, NO_SECTOR};
use lumbung_spend::report::{Dimensions, TooLarge};
use num_traits::Zero;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// The highest score.
pub const SCORE_MAX: u8 = 5;
/// The longest evidence, in characters.
pub const EVIDENCE_MAX: usize = 2_000;
/// The longest round name, in characters.
pub const ROUND_MAX: usize = 40;

/// A row of an assessment file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssessmentRow {
    pub line: u64,
    pub supplier: String,
    /// A postal code, to tell apart suppliers of one name.
    pub postcode: Option<String>,
    pub outcome: Outcome,
    pub score: u8,
    pub evidence: String,
}

/// A score as typed: a whole number from 0 to [`SCORE_MAX`].
pub fn check_score(raw: &str) -> Result<u8, Text> {
    raw.trim()
        .parse::<u8>()
        .ok()
        .filter(|s| *s <= SCORE_MAX)
        .ok_or_else(|| {
            text!("assessment_score", value = raw.trim(), max = SCORE_MAX;
                id: "{value:?} bukan skor: bilangan bulat 0 sampai {max}",
                en: "{value:?} is not a score: a whole number from 0 to {max}")
        })
}

/// Evidence as typed: at most [`EVIDENCE_MAX`] characters, trimmed.
pub fn check_evidence(raw: &str) -> Result<String, Text> {
    let e = raw.trim();
    if e.chars().count() > EVIDENCE_MAX {
        return Err(text!("assessment_evidence_long", max = EVIDENCE_MAX;
            id: "bukti paling panjang {max} karakter", en: "the evidence may be at most {max} characters"));
    }
    Ok(e.to_owned())
}

/// A round's name as typed (`2026`, `2026-H1`): 1 to [`ROUND_MAX`]
/// letters, digits, spaces, `-`, `_`, `/` or `.`.
pub fn check_round(raw: &str) -> Result<String, Text> {
    let r = raw.trim();
    let fits = |c: char| c.is_alphanumeric() || " -_/.".contains(c);
    if r.is_empty() || r.chars().count() > ROUND_MAX || !r.chars().all(fits) {
        return Err(text!("assessment_round", value = r, max = ROUND_MAX;
            id: "{value:?} bukan nama putaran: 1 sampai {max} huruf, angka, spasi, - _ / .",
            en: "{value:?} is not a round's name: 1 to {max} letters, digits, spaces, - _ / ."));
    }
    Ok(r.to_owned())
}

/// Reads an assessment file (`supplier,outcome,score,evidence`, optionally
/// `postcode`; Indonesian `pemasok,hasil,skor,bukti,kode_pos`): an unknown
/// outcome, a score outside 0–5, or a supplier's outcome scored twice
/// refuses the file, naming line and column.
pub fn read_assessments(name: &str, bytes: &[u8]) -> Result<Vec<AssessmentRow>, Rejected> {
    let table = read_table(name, bytes)?;
    let at = require(
        name,
        &table,
        &[
            ("supplier", &["supplier", "pemasok"]),
            ("outcome", &["outcome", "hasil"]),
            ("score", &["score", "skor", "nilai"]),
        ],
    )?;
    let evidence = table.column(&["evidence", "bukti"]);
    let postcode = table.column(&["postcode", "postal_code", "kode_pos"]);
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut first: HashMap<(String, Option<String>, Outcome), u64> = HashMap::new();
    for (line, cells) in &table.rows {
        let mut fail = |column: &'static str, message: Text| {
            errors.push(RowError::new(*line, Some(column), message))
        };
        let supplier = cell(cells, at[0]);
        if supplier.is_none() {
            fail(
                "supplier",
                text!("assessment_supplier_empty"; id: "nama pemasok kosong", en: "the supplier is empty"),
            );
        }
        let raw_outcome = cell(cells, at[1]).unwrap_or("");
        let outcome = Outcome::parse(raw_outcome);
        if outcome.is_none() {
            fail(
                "outcome",
                text!("assessment_outcome", value = raw_outcome;
                    id: "{value:?} bukan hasil: employment, living_standards, participation, voluntary_sector, equity atau environment",
                    en: "{value:?} is not an outcome: employment, living_standards, participation, voluntary_sector, equity or environment"),
            );
        }
        let score = check_score(cell(cells, at[2]).unwrap_or(""))
            .map_err(|m| fail("score", m))
            .ok();
        let evidence = check_evidence(cell(cells, evidence).unwrap_or(""))
            .map_err(|m| fail("evidence", m))
            .ok();
        let (Some(supplier), Some(outcome), Some(score), Some(evidence)) =
            (supplier, outcome, score, evidence)
        else {
            continue;
        };
        let postcode = cell(cells, postcode).map(str::to_owned);
        let key = (supplier.to_lowercase(), postcode.clone(), outcome);
        if let Some(earlier) = first.insert(key, *line) {
            fail(
                "outcome",
                text!("assessment_twice", supplier = supplier, line = earlier;
                    id: "hasil ini untuk {supplier} sudah dinilai di baris {line}",
                    en: "this outcome of {supplier} is scored on line {line} already"),
            );
            continue;
        }
        rows.push(AssessmentRow {
            line: *line,
            supplier: supplier.to_owned(),
            postcode,
            outcome,
            score,
            evidence,
        });
    }
    if rows.is_empty() && errors.is_empty() {
        errors.push(RowError::new(
            1,
            None,
            text!("assessment_none"; id: "tidak ada penilaian", en: "there are no scores"),
        ));
    }
    Rejected::unless_any(name, errors, rows)
}

/// Matches the file's rows to suppliers (`found` beside each, among those
/// the assessor may assess: [`Found::within`]): a row naming no supplier,
/// or several, refuses the file.
pub fn matched(
    file: &str,
    rows: &[AssessmentRow],
    found: &[Found],
) -> Result<Vec<(SupplierId, Outcome, u8, String)>, Rejected> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    // The same supplier under two spellings would be scored twice.
    let mut first: HashMap<(SupplierId, Outcome), u64> = HashMap::new();
    for (row, found) in rows.iter().zip(found) {
        let fail = |message: Text| RowError::new(row.line, Some("supplier"), message);
        match found {
            Found::One(id) => match first.insert((*id, row.outcome), row.line) {
                Some(line) => errors.push(RowError::new(
                    row.line,
                    Some("outcome"),
                    text!("assessment_twice", supplier = row.supplier, line = line;
                        id: "hasil ini untuk {supplier} sudah dinilai di baris {line}",
                        en: "this outcome of {supplier} is scored on line {line} already"),
                )),
                None => out.push((*id, row.outcome, row.score, row.evidence.clone())),
            },
            Found::None | Found::Several(_) => {
                errors.extend(unmatched(&row.supplier, found).map(fail))
            }
        }
    }
    Rejected::unless_any(file, errors, out)
}

/// A score held: a supplier's outcome in a round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Score {
    pub supplier: SupplierId,
    pub round: String,
    pub outcome: Outcome,
    pub score: u8,
}

/// What the spend analysis says of a supplier: its sector and what each
/// anchor paid it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupplierSpend {
    pub supplier: SupplierId,
    pub name: String,
    /// The sector most of its spend is in, as shown.
    pub sector: Option<String>,
    /// (anchor's name, its id, net spend): anchors of one name stay apart.
    pub by_anchor: Vec<(String, u32, Money)>,
}

/// Each supplier's spend among `facts` as [`SupplierSpend`]: its sector
/// the one most of its net spend is in, its anchors by name.
pub fn supplier_spend(facts: &[&Facts], dims: &Dimensions) -> Result<Vec<SupplierSpend>, TooLarge> {
    /// Net spend by sector id, and by anchor id.
    type Sums = (HashMap<u32, i128>, HashMap<u32, i128>);
    let mut by_supplier: HashMap<u32, Sums> = HashMap::new();
    for f in facts {
        for i in 0..f.len() {
            let (sectors, anchors) = by_supplier.entry(f.supplier[i]).or_default();
            let amount = i128::from(f.amount[i]);
            *sectors.entry(dims.sector_of(f, i)).or_default() += amount;
            *anchors.entry(f.anchor[i]).or_default() += amount;
        }
    }
    let money = |v: i128| {
        i64::try_from(v)
            .map(Money::from_minor)
            .map_err(|_| TooLarge("supplier spend"))
    };
    let mut out = Vec::with_capacity(by_supplier.len());
    for (supplier, (sectors, anchors)) in by_supplier {
        let sector = sectors
            .into_iter()
            .filter(|(s, v)| *s != NO_SECTOR && *v > 0)
            .max_by_key(|(s, v)| (*v, std::cmp::Reverse(*s)))
            .and_then(|(s, _)| dims.sectors.get(&s))
            .map(|(code, name)| match name {
                Some(name) => format!("{code} {name}"),
                None => code.clone(),
            });
        let mut by_anchor = anchors
            .into_iter()
            .map(|(a, v)| {
                Ok((
                    dims.anchors.get(&a).cloned().unwrap_or_default(),
                    a,
                    money(v)?,
                ))
            })
            .collect::<Result<Vec<_>, TooLarge>>()?;
        by_anchor.sort();
        out.push(SupplierSpend {
            supplier: SupplierId::new(i64::from(supplier)),
            name: dims
                .supplier_name
                .get(supplier as usize)
                .cloned()
                .unwrap_or_default(),
            sector,
            by_anchor,
        });
    }
    out.sort_by_key(|s| s.supplier);
    Ok(out)
}

/// The suppliers most paid in all (net), largest first: the ones to
/// assess first.
pub fn most_paid(spend: &[SupplierSpend], n: usize) -> Vec<(&SupplierSpend, Money)> {
    let mut totals: Vec<(&SupplierSpend, i128)> = spend
        .iter()
        .map(|s| {
            (
                s,
                s.by_anchor
                    .iter()
                    .map(|(_, _, m)| i128::from(m.minor()))
                    .sum(),
            )
        })
        .filter(|(_, t)| *t > 0)
        .collect();
    totals.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.supplier.cmp(&b.0.supplier)));
    totals
        .into_iter()
        .take(n)
        .filter_map(|(s, t)| Some((s, Money::from_minor(i64::try_from(t).ok()?))))
        .collect()
}

/// Mean scores per outcome (2 decimals), none where nobody was scored.
pub type Means = BTreeMap<Outcome, Option<String>>;

/// An outcome's mean score this round and the round before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutcomeScore {
    pub outcome: Outcome,
    pub suppliers: usize,
    pub mean: Option<String>,
    pub previous_mean: Option<String>,
    /// Mean now − mean before, over the suppliers scored in both rounds,
    /// with its sign (`+0.50`).
    pub change: Option<String>,
}

/// A sector's or an anchor's mean scores.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupScores {
    pub name: String,
    pub suppliers: usize,
    pub means: Means,
}

/// A supplier's score that moved since the round before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScoreChange {
    pub supplier: SupplierId,
    pub name: String,
    pub outcome: Outcome,
    pub from: u8,
    pub to: u8,
}

/// The assessment dashboard of a round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dashboard {
    pub round: String,
    pub previous: Option<String>,
    pub suppliers: usize,
    pub by_outcome: Vec<OutcomeScore>,
    /// Plain means of the suppliers of each sector.
    pub by_sector: Vec<GroupScores>,
    /// Means weighted by what the anchor paid each supplier: where its
    /// money goes, not how many firms it uses.
    pub by_anchor: Vec<GroupScores>,
    /// Largest moves first.
    pub changes: Vec<ScoreChange>,
}

fn mean_text(sum: &Exact, weight: &Exact) -> Option<String> {
    (!weight.is_zero()).then(|| exact::decimal(&(sum / weight), 2))
}

fn signed(value: &Exact) -> String {
    let s = exact::decimal(value, 2);
    if s.starts_with('-') {
        s
    } else {
        format!("+{s}")
    }
}

/// Weighted means per outcome of `scores` (supplier → outcome → score),
/// each supplier weighing `weight(supplier)`.
fn means(
    scores: &HashMap<SupplierId, BTreeMap<Outcome, u8>>,
    members: &[(SupplierId, Exact)],
) -> Means {
    Outcome::ALL
        .into_iter()
        .map(|o| {
            let (mut sum, mut weight) = (Exact::zero(), Exact::zero());
            for (s, w) in members {
                if let Some(score) = scores.get(s).and_then(|by| by.get(&o)) {
                    sum += w * exact::int(i64::from(*score));
                    weight += w;
                }
            }
            (o, mean_text(&sum, &weight))
        })
        .collect()
}

/// The dashboard of `round` (with `previous`, the round before, for the
/// change) over `scores` of every round and what the spend analysis says
/// of the suppliers (`spend`; a scored supplier without spend counts in
/// the outcomes, not in a sector or an anchor).
pub fn dashboard(
    round: &str,
    previous: Option<&str>,
    scores: &[Score],
    spend: &[SupplierSpend],
) -> Dashboard {
    let of_round = |r: &str| {
        let mut m: HashMap<SupplierId, BTreeMap<Outcome, u8>> = HashMap::new();
        for s in scores.iter().filter(|s| s.round == r) {
            m.entry(s.supplier).or_default().insert(s.outcome, s.score);
        }
        m
    };
    let now = of_round(round);
    let before = previous.map(of_round).unwrap_or_default();
    let everyone: Vec<(SupplierId, Exact)> = now.keys().map(|s| (*s, exact::int(1))).collect();
    let all_before: Vec<(SupplierId, Exact)> = before.keys().map(|s| (*s, exact::int(1))).collect();
    let (mean_now, mean_before) = (means(&now, &everyone), means(&before, &all_before));
    let by_outcome = Outcome::ALL
        .into_iter()
        .map(|o| {
            let both: Vec<(u8, u8)> = now
                .iter()
                .filter_map(|(s, by)| Some((*before.get(s)?.get(&o)?, *by.get(&o)?)))
                .collect();
            let change = (!both.is_empty()).then(|| {
                let diff: i64 = both
                    .iter()
                    .map(|(b, n)| i64::from(*n) - i64::from(*b))
                    .sum();
                signed(&(exact::int(diff) / exact::int(both.len() as i64)))
            });
            OutcomeScore {
                outcome: o,
                suppliers: now.values().filter(|by| by.contains_key(&o)).count(),
                mean: mean_now[&o].clone(),
                previous_mean: previous.and(mean_before[&o].clone()),
                change,
            }
        })
        .collect();
    let known: HashMap<SupplierId, &SupplierSpend> =
        spend.iter().map(|s| (s.supplier, s)).collect();
    let mut sectors: BTreeMap<String, Vec<(SupplierId, Exact)>> = BTreeMap::new();
    let mut anchors: BTreeMap<(String, u32), Vec<(SupplierId, Exact)>> = BTreeMap::new();
    for s in now.keys() {
        let Some(facts) = known.get(s) else { continue };
        if let Some(sector) = &facts.sector {
            sectors
                .entry(sector.clone())
                .or_default()
                .push((*s, exact::int(1)));
        }
        for (anchor, id, paid) in &facts.by_anchor {
            if paid.minor() > 0 {
                anchors
                    .entry((anchor.clone(), *id))
                    .or_default()
                    .push((*s, exact::money(*paid)));
            }
        }
    }
    let groups = |g: Vec<(String, Vec<(SupplierId, Exact)>)>| -> Vec<GroupScores> {
        g.into_iter()
            .map(|(name, members)| GroupScores {
                suppliers: members.len(),
                means: means(&now, &members),
                name,
            })
            .collect()
    };
    let name_of = |s: &SupplierId| {
        known
            .get(s)
            .map(|f| f.name.clone())
            .unwrap_or_else(|| s.to_string())
    };
    let mut changes: Vec<ScoreChange> = now
        .iter()
        .flat_map(|(s, by)| {
            let before = before.get(s);
            by.iter().filter_map(move |(o, to)| {
                let from = *before?.get(o)?;
                (from != *to).then_some((*s, *o, from, *to))
            })
        })
        .map(|(supplier, outcome, from, to)| ScoreChange {
            name: name_of(&supplier),
            supplier,
            outcome,
            from,
            to,
        })
        .collect();
    changes.sort_by(|a, b| {
        let moved = |c: &ScoreChange| (i16::from(c.to) - i16::from(c.from)).abs();
        moved(b)
            .cmp(&moved(a))
            .then_with(|| a.name.cmp(&b.name))
            .then(a.outcome.cmp(&b.outcome))
    });
    Dashboard {
        round: round.to_owned(),
        previous: previous.map(str::to_owned),
        suppliers: now.len(),
        by_outcome,
        by_sector: groups(sectors.into_iter().collect()),
        by_anchor: groups(
            anchors
                .into_iter()
                .map(|((name, _), m)| (name, m))
                .collect(),
        ),
        changes,
    }
}

#[cfg(test)]
#[path = "assessment_tests.rs"]
mod tests;
