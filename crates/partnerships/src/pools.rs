//! Local investment pools (seed 000: pension managers want at least
//! ~£20m, while local schemes are under £10m). Projects are grouped into
//! disjoint pools such that each pool's total is at least the investor's
//! minimum ticket (and at most its maximum), its high-risk amount at most
//! a share of its total, and no sector more than a share of its total;
//! the grouping **maximises the social value of the projects placed**,
//! ties broken by fewer pools, then the smallest amount placed.
//!
//! Up to [`EXACT_MAX`] projects the answer is proven optimal:
//!
//! 1. every subset of projects (a bit mask) is judged once as a pool —
//!    its sums built from the subset without its lowest project;
//! 2. without a maximum size, the union of two valid pools is a valid
//!    pool (a sum of amounts each at least the minimum is at least the
//!    minimum; shares bounded in each part are bounded in the whole), so
//!    the best grouping is the best single pool;
//! 3. with a maximum, `fewest[m]` — the fewest valid pools that exactly
//!    cover the subset `m`, or none — is computed over every subset,
//!    splitting off the pool that holds its lowest project (3ⁿ⁄2 steps at
//!    most); the best covered subset wins.
//!
//! Beyond that a heuristic: the exact search on the [`EXACT_MAX`]
//! projects of most social value per unit of amount, then each other
//! project added to a pool it still fits; the answer reports an upper
//! bound (the social value of every project that fits a pool alone by
//! size) and the gap to it.

use lumbung_domain::fixed::Fixed;
use lumbung_domain::{text, Money, Text};
use serde::Serialize;
use std::collections::BTreeMap;

/// The most projects searched exactly.
pub const EXACT_MAX: usize = 20;

/// A share written with four decimals (`0.2500`), from 0 to 1.
pub type Share4 = Fixed<4>;

/// A project's risk band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Risk {
    Low,
    Medium,
    High,
}

impl Risk {
    pub fn parse(raw: &str) -> Option<Risk> {
        match raw.trim().to_lowercase().as_str() {
            "low" | "rendah" => Some(Risk::Low),
            "medium" | "sedang" => Some(Risk::Medium),
            "high" | "tinggi" => Some(Risk::High),
            _ => None,
        }
    }
}

/// A local project seeking investment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    pub name: String,
    /// More than zero.
    pub amount: Money,
    pub sector: String,
    pub risk: Risk,
    /// Zero or more, in hundredths.
    pub social_value: Fixed<2>,
}

/// What an investor asks of a pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Constraints {
    pub min_size: Money,
    pub max_size: Option<Money>,
    /// The most of a pool's total in high-risk projects.
    pub max_high_risk: Option<Share4>,
    /// The most of a pool's total in one sector.
    pub max_sector_share: Option<Share4>,
}

/// A pool as answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pool {
    pub projects: Vec<String>,
    pub amount: Money,
    pub social_value: String,
    pub high_risk_share: String,
    pub sector_shares: BTreeMap<String, String>,
}

/// Why a project is in no pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// Larger than the largest pool allowed.
    TooLarge,
    /// No pool meeting the constraints can hold it.
    NoPool,
    /// The pools place more social value without it.
    Outweighed,
    /// The heuristic did not place it.
    NotPlaced,
}

impl Reason {
    pub fn words(&self) -> Text {
        match self {
            Reason::TooLarge => text!("pool_reason_too_large";
                id: "lebih besar dari ukuran pool terbesar", en: "larger than the largest pool allowed"),
            Reason::NoPool => text!("pool_reason_no_pool";
                id: "tidak ada pool yang memenuhi batasan dapat memuatnya",
                en: "no pool that meets the constraints can hold it"),
            Reason::Outweighed => text!("pool_reason_outweighed";
                id: "pool-pool menempatkan nilai sosial lebih besar tanpanya",
                en: "the pools place more social value without it"),
            Reason::NotPlaced => text!("pool_reason_not_placed";
                id: "tidak ditempatkan oleh pencarian perkiraan (di atas 20 proyek)",
                en: "not placed by the approximate search (beyond 20 projects)"),
        }
    }
}

/// The grouping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pools {
    pub pools: Vec<Pool>,
    /// Each project in no pool, with why.
    pub unplaced: Vec<(String, Reason)>,
    pub social_value_placed: Fixed<2>,
    pub amount_placed: Money,
    /// Proven optimal (the exact search ran).
    pub optimal: bool,
    /// When not proven: a bound on the social value placeable.
    pub upper_bound: Option<Fixed<2>>,
}

/// Sums of a set of projects, wide enough never to overflow.
#[derive(Debug, Clone, Copy, Default)]
struct Sums {
    amount: i128,
    value: i128,
    high: i128,
}

/// Whether the projects of `members` make a valid pool.
fn valid(projects: &[Project], members: &[usize], sums: Sums, c: &Constraints) -> bool {
    let total = sums.amount;
    if total < i128::from(c.min_size.minor()) || total <= 0 {
        return false;
    }
    if c.max_size.is_some_and(|m| total > i128::from(m.minor())) {
        return false;
    }
    let within =
        |part: i128, share: Share4| part * Share4::UNIT as i128 <= i128::from(share.raw()) * total;
    if c.max_high_risk.is_some_and(|h| !within(sums.high, h)) {
        return false;
    }
    if let Some(s) = c.max_sector_share {
        let mut sectors: BTreeMap<&str, i128> = BTreeMap::new();
        for &i in members {
            *sectors.entry(projects[i].sector.as_str()).or_default() +=
                i128::from(projects[i].amount.minor());
        }
        if sectors.values().any(|&a| !within(a, s)) {
            return false;
        }
    }
    true
}

fn sums_of(projects: &[Project], members: &[usize]) -> Sums {
    members.iter().fold(Sums::default(), |s, &i| Sums {
        amount: s.amount + i128::from(projects[i].amount.minor()),
        value: s.value + i128::from(projects[i].social_value.raw()),
        high: s.high
            + if projects[i].risk == Risk::High {
                i128::from(projects[i].amount.minor())
            } else {
                0
            },
    })
}

/// `part ÷ whole` with four decimals, half up.
fn share(part: i128, whole: i128) -> String {
    if whole <= 0 {
        return "0.0000".into();
    }
    let q = (part * 20_000 + whole) / (2 * whole);
    format!("{}.{:04}", q / 10_000, q % 10_000)
}

fn pool_of(projects: &[Project], members: &[usize]) -> Pool {
    let s = sums_of(projects, members);
    let mut sectors: BTreeMap<String, i128> = BTreeMap::new();
    for &i in members {
        *sectors.entry(projects[i].sector.clone()).or_default() +=
            i128::from(projects[i].amount.minor());
    }
    Pool {
        projects: members.iter().map(|&i| projects[i].name.clone()).collect(),
        amount: Money::from_minor(fits(s.amount)),
        social_value: Fixed::<2>::from_raw(fits(s.value)).full().to_string(),
        high_risk_share: share(s.high, s.amount),
        sector_shares: sectors
            .into_iter()
            .map(|(k, a)| (k, share(a, s.amount)))
            .collect(),
    }
}

/// A sum of the projects' amounts or social values: it fits, as at most
/// [`PROJECTS_MAX`] projects of at most [`AMOUNT_MAX`] each are grouped
/// (the store keeps no more).
fn fits(sum: i128) -> i64 {
    i64::try_from(sum).expect("at most PROJECTS_MAX projects are grouped")
}

fn bits(mask: u32) -> Vec<usize> {
    (0..32).filter(|i| mask & (1 << i) != 0).collect()
}

/// The best grouping of `projects` (at most [`EXACT_MAX`]): the pools as
/// lists of indices, proven optimal; and the projects that belong to some
/// valid pool (a mask).
fn exact(projects: &[Project], c: &Constraints) -> (Vec<Vec<usize>>, u32) {
    let n = projects.len();
    assert!(
        n <= EXACT_MAX,
        "the exact search takes at most {EXACT_MAX} projects"
    );
    let size = 1usize << n;
    // Sums of every subset, each from the subset without its lowest project.
    let mut sums = vec![Sums::default(); size];
    let mut ok = vec![false; size];
    for m in 1..size {
        let low = m.trailing_zeros() as usize;
        let p = &projects[low];
        let rest = sums[m & (m - 1)];
        sums[m] = Sums {
            amount: rest.amount + i128::from(p.amount.minor()),
            value: rest.value + i128::from(p.social_value.raw()),
            high: rest.high
                + if p.risk == Risk::High {
                    i128::from(p.amount.minor())
                } else {
                    0
                },
        };
        ok[m] = valid(projects, &bits(m as u32), sums[m], c);
    }
    let covered = (1..size).filter(|&m| ok[m]).fold(0u32, |a, m| a | m as u32);
    // Better: more value, then fewer pools, then less amount.
    let better = |a: (i128, u32, i128), b: (i128, u32, i128)| {
        a.0 > b.0 || (a.0 == b.0 && (a.1 < b.1 || (a.1 == b.1 && a.2 < b.2)))
    };
    if c.max_size.is_none() {
        let mut best: (i128, u32, i128) = (0, 0, 0);
        let mut chosen = 0usize;
        for m in 1..size {
            if ok[m] {
                let here = (sums[m].value, 1, sums[m].amount);
                if chosen == 0 || better(here, best) {
                    best = here;
                    chosen = m;
                }
            }
        }
        let pools = if chosen == 0 {
            vec![]
        } else {
            vec![bits(chosen as u32)]
        };
        return (pools, covered);
    }
    const NONE: u8 = u8::MAX;
    let mut fewest = vec![NONE; size];
    let mut split = vec![0u32; size];
    fewest[0] = 0;
    for m in 1..size {
        let low = m & m.wrapping_neg();
        let rest = m ^ low;
        // Every subset of the rest, joined to the lowest project.
        let mut s = rest;
        loop {
            let pool = s | low;
            if ok[pool] {
                let before = fewest[m ^ pool];
                if before != NONE && before + 1 < fewest[m] {
                    fewest[m] = before + 1;
                    split[m] = pool as u32;
                }
            }
            if s == 0 {
                break;
            }
            s = (s - 1) & rest;
        }
    }
    let mut best: (i128, u32, i128) = (0, 0, 0);
    let mut chosen = 0usize;
    for m in 1..size {
        if fewest[m] != NONE {
            let here = (sums[m].value, u32::from(fewest[m]), sums[m].amount);
            if chosen == 0 || better(here, best) {
                best = here;
                chosen = m;
            }
        }
    }
    let mut out = Vec::new();
    let mut m = chosen;
    while m != 0 {
        let pool = split[m] as usize;
        out.push(bits(pool as u32));
        m ^= pool;
    }
    (out, covered)
}

/// Groups `projects` into pools under `c`.
pub fn group(projects: &[Project], c: &Constraints) -> Pools {
    let too_large = |p: &Project| c.max_size.is_some_and(|m| p.amount > m);
    let (chosen, optimal, covered): (Vec<Vec<usize>>, bool, u32) = if projects.len() <= EXACT_MAX {
        let (pools, covered) = exact(projects, c);
        (pools, true, covered)
    } else {
        // The projects of most social value per unit of amount, searched
        // exactly; each other one added where it still fits.
        let mut order: Vec<usize> = (0..projects.len())
            .filter(|&i| !too_large(&projects[i]))
            .collect();
        order.sort_by(|&a, &b| {
            let (pa, pb) = (&projects[a], &projects[b]);
            (i128::from(pb.social_value.raw()) * i128::from(pa.amount.minor()))
                .cmp(&(i128::from(pa.social_value.raw()) * i128::from(pb.amount.minor())))
                .then(a.cmp(&b))
        });
        let head: Vec<usize> = order.iter().copied().take(EXACT_MAX).collect();
        let sub: Vec<Project> = head.iter().map(|&i| projects[i].clone()).collect();
        let mut pools: Vec<Vec<usize>> = exact(&sub, c)
            .0
            .into_iter()
            .map(|p| p.into_iter().map(|i| head[i]).collect())
            .collect();
        for &i in order.iter().skip(EXACT_MAX) {
            for pool in pools.iter_mut() {
                let mut with = pool.clone();
                with.push(i);
                if valid(projects, &with, sums_of(projects, &with), c) {
                    *pool = with;
                    break;
                }
            }
        }
        (pools, false, 0)
    };
    let mut placed = vec![false; projects.len()];
    let mut pools: Vec<Pool> = Vec::new();
    for mut members in chosen {
        members.sort_unstable();
        for &i in &members {
            placed[i] = true;
        }
        pools.push(pool_of(projects, &members));
    }
    let value: i128 = (0..projects.len())
        .filter(|&i| placed[i])
        .map(|i| i128::from(projects[i].social_value.raw()))
        .sum();
    let amount: i128 = (0..projects.len())
        .filter(|&i| placed[i])
        .map(|i| i128::from(projects[i].amount.minor()))
        .sum();
    let unplaced = (0..projects.len())
        .filter(|&i| !placed[i])
        .map(|i| {
            let p = &projects[i];
            let reason = if too_large(p) {
                Reason::TooLarge
            } else if !optimal {
                Reason::NotPlaced
            } else if covered & (1 << i) == 0 {
                Reason::NoPool
            } else {
                Reason::Outweighed
            };
            (p.name.clone(), reason)
        })
        .collect();
    let upper_bound = (!optimal).then(|| {
        Fixed::from_raw(
            projects
                .iter()
                .filter(|p| !too_large(p))
                .map(|p| i128::from(p.social_value.raw()))
                .sum::<i128>()
                .min(i128::from(i64::MAX)) as i64,
        )
    });
    Pools {
        pools,
        unplaced,
        social_value_placed: Fixed::from_raw(fits(value)),
        amount_placed: Money::from_minor(fits(amount)),
        optimal,
        upper_bound,
    }
}

#[cfg(test)]
#[path = "pools_tests.rs"]
mod tests;

/// The largest project amount read (10 trillion).
pub const AMOUNT_MAX: Money = Money::from_minor(10_000_000_000_000 * 100);
/// The most projects one file may hold: their amounts and social values
/// then always add up within an amount (5,000 × 10 trillion).
pub const PROJECTS_MAX: usize = 5_000;

/// Reads a projects file: `project,amount,sector,risk,social_value` (CSV
/// or XLSX; Indonesian names too), every problem by line and column.
pub fn read_projects(name: &str, bytes: &[u8]) -> Result<Vec<Project>, lumbung_domain::Rejected> {
    use lumbung_domain::RowError;
    use lumbung_tabular::small::{cell, read_table, require};
    let table = read_table(name, bytes)?;
    let at = require(
        name,
        &table,
        &[
            ("project", &["project", "proyek", "name"]),
            ("amount", &["amount", "jumlah", "nilai"]),
            ("sector", &["sector", "sektor"]),
            ("risk", &["risk", "risiko"]),
            ("social_value", &["social_value", "nilai_sosial"]),
        ],
    )?;
    let mut errors = Vec::new();
    let mut out: Vec<Project> = Vec::new();
    for (line, cells) in &table.rows {
        let mut fail =
            |column: &str, message: Text| errors.push(RowError::new(*line, Some(column), message));
        let required = || text!("pool_required"; id: "wajib diisi", en: "required");
        let name = cell(cells, at[0]).map(str::to_owned);
        if name.is_none() {
            fail("project", required());
        }
        let amount = match cell(cells, at[1]).map(|a| (a, Money::parse_plain(a))) {
            Some((_, Ok(m))) if m.minor() > 0 && m <= AMOUNT_MAX => Some(m),
            Some((raw, _)) => {
                fail(
                    "amount",
                    text!("pool_bad_amount", value = raw;
                    id: "{value:?} bukan jumlah di atas 0 sampai 10 triliun",
                    en: "{value:?} is not an amount above 0 up to 10 trillion"),
                );
                None
            }
            None => {
                fail("amount", required());
                None
            }
        };
        let sector = cell(cells, at[2]).map(str::to_owned);
        if sector.is_none() {
            fail("sector", required());
        }
        let risk = match cell(cells, at[3]) {
            Some(raw) => Risk::parse(raw).or_else(|| {
                fail(
                    "risk",
                    text!("pool_bad_risk", value = raw;
                    id: "{value:?} bukan risiko: low, medium atau high",
                    en: "{value:?} is not a risk: low, medium or high"),
                );
                None
            }),
            None => {
                fail("risk", required());
                None
            }
        };
        let social_value = match cell(cells, at[4]).map(|v| (v, Fixed::<2>::parse_plain(v))) {
            Some((_, Ok(v))) if v.raw() >= 0 && v.raw() <= AMOUNT_MAX.minor() => Some(v),
            Some((raw, _)) => {
                fail(
                    "social_value",
                    text!("pool_bad_value", value = raw;
                    id: "{value:?} bukan nilai sosial 0 atau lebih (paling banyak 2 desimal)",
                    en: "{value:?} is not a social value of 0 or more (at most 2 decimals)"),
                );
                None
            }
            None => {
                fail("social_value", required());
                None
            }
        };
        if let Some(n) = &name {
            if out.iter().any(|p| &p.name == n) {
                fail(
                    "project",
                    text!("pool_duplicate", name = n.clone();
                    id: "proyek {name:?} sudah ada di baris sebelumnya", en: "the project {name:?} is on an earlier line"),
                );
            }
        }
        if let (Some(name), Some(amount), Some(sector), Some(risk), Some(social_value)) =
            (name, amount, sector, risk, social_value)
        {
            out.push(Project {
                name,
                amount,
                sector,
                risk,
                social_value,
            });
        }
    }
    if table.rows.len() > PROJECTS_MAX {
        let line = table.rows.get(PROJECTS_MAX).map_or(0, |(l, _)| *l);
        errors.push(RowError::new(
            line,
            None,
            text!("pool_too_many", max = PROJECTS_MAX;
            id: "paling banyak {max} proyek", en: "at most {max} projects"),
        ));
    }
    lumbung_domain::Rejected::unless_any(name, errors, out)
}
