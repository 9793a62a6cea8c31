//! What-if scenarios: move a share of the outside spend in some sectors
//! to local suppliers and see the local and regional shares, the money
//! kept, the local multiplier and the progress to the target local share
//! that would follow. Worked example: `docs/procurement.md`.

use crate::exact::{self, Exact};
use crate::lm3::Lm3;
use lumbung_domain::{text, Money, Share, Text};
use num_traits::{Signed, Zero};
use serde::Serialize;

/// A sector to move spend in, and the share of its outside spend moved.
#[derive(Debug, Clone, PartialEq)]
pub struct Shift {
    /// The sector's code as the spend analysis has it, or its name.
    pub sector: String,
    pub share: Exact,
}

impl Shift {
    /// Parses `SECTOR=SHARE`, the share a fraction (`0.25`) or a
    /// percentage (`25%`) from 0 to 1.
    pub fn parse(raw: &str) -> Result<Shift, Text> {
        let bad = || {
            text!("whatif_shift", value = raw;
                id: "{value:?} bukan pergeseran: tulis SEKTOR=PORSI, misalnya 43=0.25 atau 43=25%",
                en: "{value:?} is not a shift: write SECTOR=SHARE, e.g. 43=0.25 or 43=25%")
        };
        let (sector, share) = raw.rsplit_once('=').ok_or_else(bad)?;
        let share = match share.trim().strip_suffix('%') {
            Some(pct) => exact::parse_decimal(pct, 4).map(|p| p / exact::int(100)),
            None => exact::parse_decimal(share, 6),
        }
        .filter(|s| !s.is_negative() && *s <= exact::int(1))
        .ok_or_else(bad)?;
        let sector = sector.trim();
        if sector.is_empty() {
            return Err(bad());
        }
        Ok(Shift {
            sector: sector.to_owned(),
            share,
        })
    }
}

/// A sector's outside spend in the selection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectorLeak {
    pub sector: String,
    pub sector_name: Option<String>,
    pub outside: Money,
}

/// Where the spend stands, before or after the scenario.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Position {
    pub total: Money,
    pub local: Money,
    pub regional: Money,
    pub outside: Money,
    pub local_share: Option<Share>,
    pub regional_share: Option<Share>,
    /// The local multiplier, 4 decimals.
    pub lm3: Option<String>,
}

/// One sector's shift.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Moved {
    pub sector: String,
    pub sector_name: Option<String>,
    /// The share of its outside spend moved, 6 decimals.
    pub share: String,
    pub outside_before: Money,
    /// outside_before × share, to the cent (half up): money kept local.
    pub kept: Money,
    pub outside_after: Money,
}

/// How far the scenario takes the anchors to the target local share.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TargetProgress {
    pub target_local_share: Share,
    /// total × target share, to the cent.
    pub target_local: Money,
    /// What is still to keep local to reach the target (0 once reached).
    pub gap_before: Money,
    pub gap_after: Money,
    /// The share of the gap before that the scenario closes, 6 decimals.
    pub gap_closed: Option<Share>,
    pub reached: bool,
}

/// A scenario's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WhatIf {
    pub shifts: Vec<Moved>,
    /// The money kept local in all.
    pub kept: Money,
    pub before: Position,
    pub after: Position,
    /// LM3 after − LM3 before, 4 decimals.
    pub lm3_change: Option<String>,
    /// The mean local re-spend share the moved money takes (LM3's).
    pub respend_share: String,
    pub progress: Option<TargetProgress>,
}

/// Why a scenario cannot be figured.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WhatIfError {
    #[error("no spend in sector {0} in this selection")]
    UnknownSector(String),
    #[error("sector {0} is shifted twice")]
    Twice(String),
    #[error("a sum is too large")]
    TooLarge,
}

impl WhatIfError {
    pub fn text(&self) -> Text {
        match self {
            WhatIfError::UnknownSector(s) => text!("whatif_unknown_sector", sector = s;
                id: "tidak ada belanja di sektor {sector} dalam pilihan ini",
                en: "there is no spend in sector {sector} in this selection"),
            WhatIfError::Twice(s) => text!("whatif_sector_twice", sector = s;
                id: "sektor {sector} digeser dua kali", en: "sector {sector} is shifted twice"),
            WhatIfError::TooLarge => text!("whatif_too_large";
                id: "jumlahnya terlalu besar", en: "a sum is too large"),
        }
    }
}

/// The spend of the selection as the spend report figures it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Baseline {
    pub total: Money,
    pub local: Money,
    pub regional: Money,
    pub outside: Money,
}

/// The sectors a shift names: the one of that code, else of that name,
/// else every sector whose code starts with those digits (a SIC division
/// such as `43`, or a KBLI group).
fn named<'a>(sectors: &'a [SectorLeak], wanted: &str) -> Result<Vec<&'a SectorLeak>, WhatIfError> {
    let by_code = sectors.iter().filter(|s| s.sector == wanted);
    let by_name = sectors.iter().filter(|s| {
        s.sector_name
            .as_deref()
            .is_some_and(|n| n.eq_ignore_ascii_case(wanted))
    });
    let digits = !wanted.is_empty() && wanted.bytes().all(|b| b.is_ascii_digit());
    let by_prefix = sectors
        .iter()
        .filter(|s| digits && s.sector.starts_with(wanted));
    for found in [
        by_code.collect::<Vec<_>>(),
        by_name.collect(),
        by_prefix.collect(),
    ] {
        if !found.is_empty() {
            return Ok(found);
        }
    }
    Err(WhatIfError::UnknownSector(wanted.to_owned()))
}

/// Moves each shift's share of its sector's outside spend to local
/// suppliers (local ⊆ regional, so both rise by it; outside falls). The
/// moved money takes `lm3`'s mean re-spend share in round 3.
pub fn what_if(
    base: Baseline,
    sectors: &[SectorLeak],
    shifts: &[Shift],
    lm3: &Lm3,
    target: Option<Share>,
) -> Result<WhatIf, WhatIfError> {
    let mut moved = Vec::new();
    let mut kept = 0i64;
    let mut used: Vec<&str> = Vec::new();
    for shift in shifts {
        for s in named(sectors, &shift.sector)? {
            if used.contains(&s.sector.as_str()) {
                return Err(WhatIfError::Twice(s.sector.clone()));
            }
            used.push(&s.sector);
            let k = exact::to_money(&(exact::money(s.outside) * &shift.share))
                .ok_or(WhatIfError::TooLarge)?;
            kept = kept.checked_add(k.minor()).ok_or(WhatIfError::TooLarge)?;
            moved.push(Moved {
                sector: s.sector.clone(),
                sector_name: s.sector_name.clone(),
                share: exact::decimal(&shift.share, 6),
                outside_before: s.outside,
                kept: k,
                outside_after: s.outside.checked_sub(k).ok_or(WhatIfError::TooLarge)?,
            });
        }
    }
    let kept = Money::from_minor(kept);
    let add = |m: Money| m.checked_add(kept).ok_or(WhatIfError::TooLarge);
    let after = Baseline {
        total: base.total,
        local: add(base.local)?,
        regional: add(base.regional)?,
        outside: base
            .outside
            .checked_sub(kept)
            .ok_or(WhatIfError::TooLarge)?,
    };
    // Round 1 is the same spend; round 2 gains the money kept; round 3
    // what the local suppliers re-spend of it.
    let r1 = exact::money(lm3.rounds.round1);
    let lm3_after = (!r1.is_zero()).then(|| {
        let r2 = exact::money(lm3.rounds.round2) + exact::money(kept);
        let r3 = &lm3.exact_round3 + exact::money(kept) * &lm3.exact_mean;
        (&r1 + r2 + r3) / &r1
    });
    let position = |b: Baseline, lm3: Option<&Exact>| Position {
        total: b.total,
        local: b.local,
        regional: b.regional,
        outside: b.outside,
        local_share: Share::of(b.local, b.total),
        regional_share: Share::of(b.regional, b.total),
        lm3: lm3.map(|v| exact::decimal(v, 4)),
    };
    let progress = match target {
        Some(t) => {
            let target_local = base.total.times(t).ok_or(WhatIfError::TooLarge)?;
            let gap = |local: Money| {
                target_local
                    .checked_sub(local)
                    .map(|g| g.max(Money::ZERO))
                    .ok_or(WhatIfError::TooLarge)
            };
            let (gap_before, gap_after) = (gap(base.local)?, gap(after.local)?);
            Some(TargetProgress {
                target_local_share: t,
                target_local,
                gap_before,
                gap_after,
                gap_closed: gap_before
                    .checked_sub(gap_after)
                    .and_then(|closed| Share::of(closed, gap_before)),
                reached: gap_after == Money::ZERO,
            })
        }
        None => None,
    };
    Ok(WhatIf {
        shifts: moved,
        kept,
        before: position(base, lm3.exact_lm3.as_ref()),
        after: position(after, lm3_after.as_ref()),
        lm3_change: match (&lm3.exact_lm3, &lm3_after) {
            (Some(b), Some(a)) => Some(exact::decimal(&(a - b), 4)),
            _ => None,
        },
        respend_share: lm3.mean_respend_share.clone(),
        progress,
    })
}

#[cfg(test)]
#[path = "whatif_tests.rs"]
mod tests;
