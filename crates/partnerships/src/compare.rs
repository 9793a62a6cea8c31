//! Many cities side by side (seed 000's URBACT Procure network of partner
//! cities): each city's headline figures taken exactly as its own reports
//! give them — the spend report of its anchors with the city as the local
//! area, the fund report of its UPKs, the programme cycle's progress of
//! its kelurahan and its BLM roll-up. Nothing is recomputed here: each
//! figure is picked from the report that defines it.

use lumbung_community::cycle::{Participation, Progress, Turnout};
use lumbung_fund::report::{FundReport, Health};
use lumbung_spend::report::SpendReport;
use serde::Serialize;

/// The most areas one comparison holds.
pub const AREAS_MAX: usize = 20;

/// One city (or programme area) with its figures; a part is `None` when
/// the city has nothing of it (no anchors' spend, no loans, no kelurahan
/// in the cycle, no BLM).
#[derive(Debug, Clone, Serialize)]
pub struct City {
    pub code: String,
    pub name: String,
    pub spend: Option<SpendFigures>,
    pub fund: Option<FundFigures>,
    pub cycle: Option<CycleFigures>,
    pub programme: Option<lumbung_programme::report::Figures>,
}

/// One fiscal year of a city's spend.
#[derive(Debug, Clone, Serialize)]
pub struct SpendYear {
    pub fiscal_year: String,
    pub total: lumbung_domain::Money,
    pub local_share: Option<lumbung_domain::Share>,
    pub regional_share: Option<lumbung_domain::Share>,
}

/// The spend baseline and its progress: all years' figures, each year's
/// shares, and the latest year against the first (the baseline).
#[derive(Debug, Clone, Serialize)]
pub struct SpendFigures {
    pub anchors: u64,
    #[serde(flatten)]
    pub figures: lumbung_spend::report::Figures,
    pub by_year: Vec<SpendYear>,
    pub progress: Option<lumbung_spend::report::Progress>,
}

impl SpendFigures {
    /// `None` when the report holds no payment.
    pub fn of(r: &SpendReport) -> Option<SpendFigures> {
        (r.figures.payments > 0).then(|| SpendFigures {
            anchors: r.by_anchor.len() as u64,
            figures: r.figures.clone(),
            by_year: r
                .by_year
                .iter()
                .map(|y| SpendYear {
                    fiscal_year: y.fiscal_year.clone(),
                    total: y.figures.total,
                    local_share: y.figures.local_share,
                    regional_share: y.figures.regional_share,
                })
                .collect(),
            progress: r.progress.last().cloned(),
        })
    }
}

/// The revolving fund's health: the portfolio of the city's UPKs.
#[derive(Debug, Clone, Serialize)]
pub struct FundFigures {
    pub as_of: jiff::civil::Date,
    pub upks: u64,
    pub loans: u64,
    pub outstanding: i64,
    pub arrears: i64,
    pub par: Option<lumbung_domain::Share>,
    pub rr: Option<lumbung_domain::Share>,
    pub lar: Option<lumbung_domain::Share>,
    pub active_ksm: u64,
    pub health: Health,
}

impl FundFigures {
    /// `None` when the city's UPKs hold no loan.
    pub fn of(r: &FundReport) -> Option<FundFigures> {
        let i = &r.indicators;
        (i.loans > 0).then_some(FundFigures {
            as_of: r.as_of,
            upks: r.by_upk.len() as u64,
            loans: i.loans,
            outstanding: i.outstanding,
            arrears: i.arrears,
            par: i.par,
            rr: i.rr,
            lar: i.lar,
            active_ksm: i.active_ksm,
            health: i.health,
        })
    }
}

/// One step of the cycle over the city's kelurahan.
#[derive(Debug, Clone, Serialize)]
pub struct StepDone {
    pub key: String,
    pub done: u64,
    pub verified: u64,
    pub percent_done: Option<u64>,
}

/// The programme cycle's progress of the city's kelurahan.
#[derive(Debug, Clone, Serialize)]
pub struct CycleFigures {
    pub kelurahan: u64,
    pub steps: Vec<StepDone>,
    /// Kelurahan late on a step or stalled.
    pub late_or_stalled: u64,
    pub participation: Participation,
    pub turnout: Option<Turnout>,
}

impl CycleFigures {
    /// `None` when no kelurahan of the city follows the cycle.
    pub fn of(p: &Progress) -> Option<CycleFigures> {
        (p.kelurahan_count > 0).then(|| CycleFigures {
            kelurahan: p.kelurahan_count,
            steps: p
                .steps
                .iter()
                .map(|s| StepDone {
                    key: s.key.clone(),
                    done: s.done,
                    verified: s.verified,
                    percent_done: s.percent_done,
                })
                .collect(),
            late_or_stalled: p.kelurahan.iter().filter(|k| k.flagged()).count() as u64,
            participation: p.participation,
            turnout: p.turnout,
        })
    }
}

/// The area codes of `--areas A,B,…`: trimmed, blanks and repeats left
/// out, in their order; refused past [`AREAS_MAX`] or when none is given.
pub fn area_list(raw: &str) -> Result<Vec<String>, lumbung_domain::Text> {
    let mut codes: Vec<String> = Vec::new();
    for code in raw.split(',').map(str::trim).filter(|c| !c.is_empty()) {
        if !codes.iter().any(|c| c == code) {
            codes.push(code.to_owned());
        }
    }
    if codes.is_empty() || codes.len() > AREAS_MAX {
        return Err(lumbung_domain::text!("compare_areas", max = AREAS_MAX;
            id: "sebutkan 1 sampai {max} kode wilayah, dipisah koma",
            en: "give 1 to {max} area codes, separated by commas"));
    }
    Ok(codes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn area_lists_are_trimmed_deduplicated_and_bounded() {
        assert_eq!(area_list(" 3604, 3673,3604,, ").unwrap(), ["3604", "3673"]);
        assert!(area_list(" , ").is_err());
        let many: Vec<String> = (0..=AREAS_MAX).map(|i| format!("A{i}")).collect();
        assert!(area_list(&many.join(",")).is_err());
    }
}
