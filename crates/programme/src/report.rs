//! The programme's figures for an area (`lumbung programme report`): BLM
//! received, allocated and spent by kind, what is left unallocated, the
//! community's contributions and their leverage, beneficiaries and
//! implementers — for the area and for each area one level below it.

use crate::Kind;
use lumbung_domain::Money;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// A grant tranche held (its latest version), placed by its kelurahan's
/// area path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldGrant {
    pub path: String,
    pub amount: Money,
}

/// An activity held (its latest version), placed by its kelurahan's path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldActivity {
    pub path: String,
    pub kelurahan: String,
    pub kind: Kind,
    pub implementer: String,
    pub blm: Money,
    pub spent: Money,
    pub swadaya_cash: Money,
    pub swadaya_labour: Money,
    pub swadaya_materials: Money,
    pub beneficiaries: u64,
    pub poor: u64,
    pub women: u64,
}

/// An amount per kind and in all.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ByKind {
    pub economic: Money,
    pub physical: Money,
    pub social: Money,
    pub total: Money,
}

/// Swadaya by what was given.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Swadaya {
    pub cash: Money,
    pub labour: Money,
    pub materials: Money,
    pub total: Money,
}

/// Swadaya of a kind ÷ BLM spent on that kind, 4 decimals (none where
/// nothing was spent).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Leverage {
    pub economic: Option<String>,
    pub physical: Option<String>,
    pub social: Option<String>,
    pub total: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Beneficiaries {
    pub all: u64,
    pub poor: u64,
    pub women: u64,
}

/// The figures of an area.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Figures {
    /// Kelurahan with grants.
    pub kelurahan: u64,
    pub blm_received: Money,
    pub blm_allocated: ByKind,
    pub blm_spent: ByKind,
    /// Received − allocated: a gap shown, never hidden (negative when more
    /// was allocated than received).
    pub blm_unallocated: Money,
    pub swadaya: Swadaya,
    pub leverage: Leverage,
    pub beneficiaries: Beneficiaries,
    /// Distinct implementers of economic activities (a name is its own
    /// within its kelurahan).
    pub implementers: u64,
}

/// An area below the one reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AreaFigures {
    pub code: String,
    pub name: String,
    #[serde(flatten)]
    pub figures: Figures,
}

/// The report of an area.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub code: String,
    pub name: String,
    #[serde(flatten)]
    pub figures: Figures,
    pub by_area: Vec<AreaFigures>,
}

/// A sum would not fit an amount: refused, never wrapped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the programme's figures are too large to add up")]
pub struct TooLarge;

/// Sums kept wide, checked once as amounts.
#[derive(Default)]
struct Acc {
    kelurahan: BTreeSet<String>,
    received: i128,
    allocated: [i128; 3],
    spent: [i128; 3],
    swadaya: [[i128; 3]; 3],
    beneficiaries: [u64; 3],
    implementers: BTreeSet<(String, String)>,
}

fn at(kind: Kind) -> usize {
    match kind {
        Kind::Economic => 0,
        Kind::Physical => 1,
        Kind::Social => 2,
    }
}

fn money(v: i128) -> Result<Money, TooLarge> {
    i64::try_from(v)
        .map(Money::from_minor)
        .map_err(|_| TooLarge)
}

/// `part ÷ whole` rounded half-up to 4 decimals.
fn ratio(part: i128, whole: i128) -> Option<String> {
    if whole == 0 {
        return None;
    }
    let scaled = (part * 10_000 * 2 + whole) / (whole * 2);
    Some(format!("{}.{:04}", scaled / 10_000, scaled % 10_000))
}

impl Acc {
    fn grant(&mut self, kelurahan: &str, g: &HeldGrant) {
        self.kelurahan.insert(kelurahan.to_owned());
        self.received += i128::from(g.amount.minor());
    }

    fn activity(&mut self, a: &HeldActivity) -> Result<(), TooLarge> {
        let k = at(a.kind);
        self.allocated[k] += i128::from(a.blm.minor());
        self.spent[k] += i128::from(a.spent.minor());
        self.swadaya[k][0] += i128::from(a.swadaya_cash.minor());
        self.swadaya[k][1] += i128::from(a.swadaya_labour.minor());
        self.swadaya[k][2] += i128::from(a.swadaya_materials.minor());
        for (sum, n) in self
            .beneficiaries
            .iter_mut()
            .zip([a.beneficiaries, a.poor, a.women])
        {
            *sum = sum.checked_add(n).ok_or(TooLarge)?;
        }
        if a.kind == Kind::Economic {
            self.implementers
                .insert((a.kelurahan.clone(), a.implementer.trim().to_lowercase()));
        }
        Ok(())
    }

    fn figures(&self) -> Result<Figures, TooLarge> {
        let by_kind = |v: &[i128; 3]| -> Result<ByKind, TooLarge> {
            Ok(ByKind {
                economic: money(v[0])?,
                physical: money(v[1])?,
                social: money(v[2])?,
                total: money(v.iter().sum())?,
            })
        };
        let kind_swadaya = |k: usize| self.swadaya[k].iter().sum::<i128>();
        let given = |what: usize| self.swadaya.iter().map(|k| k[what]).sum::<i128>();
        let all_swadaya: i128 = (0..3).map(kind_swadaya).sum();
        let all_spent: i128 = self.spent.iter().sum();
        let allocated: i128 = self.allocated.iter().sum();
        Ok(Figures {
            kelurahan: self.kelurahan.len() as u64,
            blm_received: money(self.received)?,
            blm_allocated: by_kind(&self.allocated)?,
            blm_spent: by_kind(&self.spent)?,
            blm_unallocated: money(self.received - allocated)?,
            swadaya: Swadaya {
                cash: money(given(0))?,
                labour: money(given(1))?,
                materials: money(given(2))?,
                total: money(all_swadaya)?,
            },
            leverage: Leverage {
                economic: ratio(kind_swadaya(0), self.spent[0]),
                physical: ratio(kind_swadaya(1), self.spent[1]),
                social: ratio(kind_swadaya(2), self.spent[2]),
                total: ratio(all_swadaya, all_spent),
            },
            beneficiaries: Beneficiaries {
                all: self.beneficiaries[0],
                poor: self.beneficiaries[1],
                women: self.beneficiaries[2],
            },
            implementers: self.implementers.len() as u64,
        })
    }
}

/// The kelurahan a path ends at: its last segment.
fn last(path: &str) -> &str {
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(path)
}

/// The report of the area (`code`, `name`, `path`) over the grants and
/// activities held under it, and of each area one level below it
/// (`children`: code, name, path), in the children's order; grants and
/// activities outside the area are left out.
pub fn report(
    area: (&str, &str, &str),
    children: &[(String, String, String)],
    grants: &[HeldGrant],
    activities: &[HeldActivity],
) -> Result<Report, TooLarge> {
    let (code, name, path) = area;
    let under = |p: &str, root: &str| {
        p == root || p.starts_with(&format!("{}/", root.trim_end_matches('/')))
    };
    let mut all = Acc::default();
    let mut below: BTreeMap<usize, Acc> = BTreeMap::new();
    let child_of = |p: &str| children.iter().position(|(_, _, c)| under(p, c));
    for g in grants.iter().filter(|g| under(&g.path, path)) {
        all.grant(last(&g.path), g);
        if let Some(i) = child_of(&g.path) {
            below.entry(i).or_default().grant(last(&g.path), g);
        }
    }
    for a in activities.iter().filter(|a| under(&a.path, path)) {
        all.activity(a)?;
        if let Some(i) = child_of(&a.path) {
            below.entry(i).or_default().activity(a)?;
        }
    }
    let mut by_area = Vec::new();
    for (i, acc) in below {
        let (c, n, _) = &children[i];
        by_area.push(AreaFigures {
            code: c.clone(),
            name: n.clone(),
            figures: acc.figures()?,
        });
    }
    Ok(Report {
        code: code.to_owned(),
        name: name.to_owned(),
        figures: all.figures()?,
        by_area,
    })
}

#[cfg(test)]
#[path = "report_tests.rs"]
mod tests;
