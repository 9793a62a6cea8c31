//! The oversight report: a portfolio's health on a date, per UPK and in
//! all (definitions in docs/fund.md).

use crate::loan::{arrears, Instalment, Rupiah};
use jiff::civil::Date;
use lumbung_domain::{Money, Share};
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};

/// One loan with what is needed to judge it.
#[derive(Debug, Clone)]
pub struct LoanBook {
    pub upk: String,
    /// The UPK's organisation id, for scope checks.
    pub upk_id: i64,
    pub ksm: i64,
    pub disbursed_on: Date,
    pub schedule: Vec<Instalment>,
    pub payments: Vec<(Date, Rupiah)>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Indicators {
    pub loans: u64,
    /// Principal disbursed − principal repaid.
    pub outstanding: i64,
    /// Principal of instalments due on or before the date, not repaid.
    pub arrears: i64,
    /// Loans with at least the threshold of missed instalments.
    pub loans_in_arrears: u64,
    pub outstanding_in_arrears: i64,
    /// outstanding_in_arrears ÷ outstanding.
    pub par: Option<Share>,
    /// (outstanding − arrears) ÷ outstanding.
    pub rr: Option<Share>,
    /// KSM with outstanding > 0.
    pub active_ksm: u64,
    /// Active KSM with a loan in arrears.
    pub ksm_in_arrears: u64,
    /// ksm_in_arrears ÷ active_ksm.
    pub lar: Option<Share>,
    /// Fee income ÷ operating costs, year to date (when costs are known).
    pub ccr: Option<Share>,
    /// Annualised net profit (fee income − costs) ÷ capital (when capital is known).
    pub roi: Option<Share>,
    /// Each indicator's band by the revolving-loan SOP.
    pub health: Health,
    /// Loans and their outstanding by quality class (1 current, 2 special
    /// attention, 3 in arrears).
    pub by_class: Vec<Bucket>,
    /// Loans with a missed instalment, by the days its oldest one is
    /// overdue.
    pub aging: Vec<Bucket>,
}

/// A group of loans in the portfolio.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Bucket {
    pub bucket: String,
    pub loans: u64,
    pub outstanding: i64,
}

/// The aging buckets: days overdue from, to (inclusive), label.
const AGING: [(i32, i32, &str); 5] = [
    (1, 30, "1-30"),
    (31, 60, "31-60"),
    (61, 90, "61-90"),
    (91, 180, "91-180"),
    (181, i32::MAX, "181+"),
];

/// The SOP's bands.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    Satisfactory,
    Adequate,
    Inadequate,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, Default)]
pub struct Health {
    pub par: Option<Band>,
    pub rr: Option<Band>,
    pub lar: Option<Band>,
    pub ccr: Option<Band>,
    pub roi: Option<Band>,
}

/// A UPK's money other than loans, from its journal: year to date as of the
/// report's date, and the capital it holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Finances {
    pub fee_income: i64,
    pub costs: i64,
    pub capital: i64,
    /// Months of the year elapsed by the date (1–12), to annualise.
    pub months: u32,
}

/// Lower is better (PAR, LAR): ≤ 10% satisfactory, 10–20% adequate.
fn band_low(s: Option<Share>) -> Option<Band> {
    s.map(|s| {
        if s.at_most(1, 10) {
            Band::Satisfactory
        } else if s.at_most(2, 10) {
            Band::Adequate
        } else {
            Band::Inadequate
        }
    })
}

/// Higher is better: at least `good` satisfactory, at least `fair` adequate.
fn band_high(s: Option<Share>, good: (i64, i64), fair: (i64, i64)) -> Option<Band> {
    s.map(|s| {
        if s.at_least(good.0, good.1) {
            Band::Satisfactory
        } else if s.at_least(fair.0, fair.1) {
            Band::Adequate
        } else {
            Band::Inadequate
        }
    })
}

impl Indicators {
    /// Adds CCR and ROI from the UPK's finances, and every band.
    fn with_finances(mut self, f: Option<Finances>) -> Indicators {
        if let Some(f) = f {
            self.ccr = (f.costs > 0)
                .then(|| share(f.fee_income, f.costs))
                .flatten();
            let months = f.months.clamp(1, 12) as i64;
            self.roi = (f.capital > 0)
                .then(|| share((f.fee_income - f.costs) * 12 / months, f.capital))
                .flatten();
        }
        self.health = Health {
            par: band_low(self.par),
            lar: band_low(self.lar),
            rr: band_high(self.rr, (90, 100), (80, 100)),
            ccr: band_high(self.ccr, (125, 100), (100, 100)),
            roi: band_high(self.roi, (10, 100), (0, 1)),
        };
        self
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct UpkIndicators {
    pub upk: String,
    #[serde(flatten)]
    pub indicators: Indicators,
}

#[derive(Debug, Clone, Serialize)]
pub struct FundReport {
    pub as_of: Date,
    #[serde(flatten)]
    pub indicators: Indicators,
    pub by_upk: Vec<UpkIndicators>,
}

fn share(part: i64, whole: i64) -> Option<Share> {
    Share::of(Money::from_units(part), Money::from_units(whole))
}

fn indicators<'a>(
    loans: impl Iterator<Item = &'a LoanBook>,
    as_of: Date,
    threshold: u16,
) -> Indicators {
    let (mut n, mut outstanding, mut arrears_sum, mut in_arrears, mut out_in_arrears) =
        (0u64, 0i64, 0i64, 0u64, 0i64);
    let mut active: HashSet<i64> = HashSet::new();
    let mut ksm_late: HashSet<i64> = HashSet::new();
    let mut by_class: BTreeMap<u8, Bucket> = BTreeMap::new();
    let mut aging: Vec<Bucket> = AGING
        .iter()
        .map(|(_, _, label)| Bucket {
            bucket: (*label).to_owned(),
            loans: 0,
            outstanding: 0,
        })
        .collect();
    for loan in loans {
        n += 1;
        let a = arrears(&loan.schedule, &loan.payments, as_of, &[threshold]);
        let class = by_class.entry(a.quality_class).or_insert_with(|| Bucket {
            bucket: a.quality_class.to_string(),
            loans: 0,
            outstanding: 0,
        });
        class.loans += 1;
        class.outstanding += a.outstanding.0;
        if let Some(i) = AGING
            .iter()
            .position(|(from, to, _)| (*from..=*to).contains(&a.days_overdue))
        {
            aging[i].loans += 1;
            aging[i].outstanding += a.outstanding.0;
        }
        outstanding += a.outstanding.0;
        arrears_sum += a.principal_in_arrears.0;
        if a.outstanding.0 > 0 {
            active.insert(loan.ksm);
        }
        if a.missed >= threshold {
            in_arrears += 1;
            out_in_arrears += a.outstanding.0;
            ksm_late.insert(loan.ksm);
        }
    }
    let ksm_in_arrears = ksm_late.intersection(&active).count() as u64;
    Indicators {
        loans: n,
        outstanding,
        arrears: arrears_sum,
        loans_in_arrears: in_arrears,
        outstanding_in_arrears: out_in_arrears,
        par: share(out_in_arrears, outstanding),
        rr: share(outstanding - arrears_sum, outstanding),
        active_ksm: active.len() as u64,
        ksm_in_arrears,
        lar: share(ksm_in_arrears as i64, active.len() as i64),
        ccr: None,
        roi: None,
        health: Health::default(),
        by_class: by_class.into_values().collect(),
        aging,
    }
}

/// The report as of a date (loans disbursed after it are left out; so are
/// payments after it). `threshold` is the number of missed instalments
/// that puts a loan in arrears (3 by default).
pub fn portfolio(loans: &[LoanBook], as_of: Date, threshold: u16) -> FundReport {
    portfolio_with(loans, as_of, threshold, &BTreeMap::new())
}

/// [`portfolio`] with each UPK's finances (by UPK name), for CCR and ROI.
pub fn portfolio_with(
    loans: &[LoanBook],
    as_of: Date,
    threshold: u16,
    finances: &BTreeMap<String, Finances>,
) -> FundReport {
    let current: Vec<&LoanBook> = loans.iter().filter(|l| l.disbursed_on <= as_of).collect();
    let mut upks: BTreeMap<&str, Vec<&LoanBook>> = BTreeMap::new();
    for l in &current {
        upks.entry(l.upk.as_str()).or_default().push(l);
    }
    let total = (!finances.is_empty()).then(|| {
        finances
            .values()
            .fold(Finances::default(), |a, f| Finances {
                fee_income: a.fee_income + f.fee_income,
                costs: a.costs + f.costs,
                capital: a.capital + f.capital,
                months: f.months.max(a.months),
            })
    });
    FundReport {
        as_of,
        indicators: indicators(current.iter().copied(), as_of, threshold).with_finances(total),
        by_upk: upks
            .into_iter()
            .map(|(upk, loans)| UpkIndicators {
                upk: upk.to_owned(),
                indicators: indicators(loans.into_iter(), as_of, threshold)
                    .with_finances(finances.get(upk).copied()),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loan::{schedule, FeeRate, ScheduleKind};
    use jiff::civil::date;

    #[test]
    fn indicators_of_a_small_portfolio() {
        let rate = FeeRate::parse("0.015").unwrap();
        let disbursed = date(2024, 1, 10);
        let s = schedule(disbursed, Rupiah(600_000), 6, rate, ScheduleKind::Flat);
        let each = Rupiah(109_000);
        let good = LoanBook {
            upk: "UPK A".into(),
            upk_id: 1,
            ksm: 1,
            disbursed_on: disbursed,
            schedule: s.clone(),
            payments: (1..=4).map(|m| (date(2024, 1 + m, 10), each)).collect(),
        };
        let late = LoanBook {
            upk: "UPK A".into(),
            upk_id: 1,
            ksm: 2,
            disbursed_on: disbursed,
            schedule: s.clone(),
            payments: vec![(date(2024, 2, 10), each)],
        };
        let other = LoanBook {
            upk: "UPK B".into(),
            upk_id: 2,
            ksm: 3,
            disbursed_on: disbursed,
            schedule: s,
            payments: vec![],
        };
        let r = portfolio(&[good, late, other], date(2024, 5, 20), 3);
        assert_eq!(r.indicators.outstanding, 200_000 + 500_000 + 600_000);
        assert_eq!(
            r.indicators.arrears,
            300_000 + 400_000,
            "late: Mar–May; other: Feb–May"
        );
        assert_eq!(r.indicators.loans_in_arrears, 2);
        assert_eq!(r.indicators.outstanding_in_arrears, 1_100_000);
        assert_eq!(r.indicators.par.unwrap().to_string(), "0.846154");
        assert_eq!(r.indicators.rr.unwrap().to_string(), "0.461538");
        assert_eq!(
            (r.indicators.active_ksm, r.indicators.ksm_in_arrears),
            (3, 2)
        );
        assert_eq!(r.indicators.lar.unwrap().to_string(), "0.666667");
        assert_eq!(r.by_upk.len(), 2);
        let classes: Vec<_> = r
            .indicators
            .by_class
            .iter()
            .map(|b| (b.bucket.as_str(), b.loans))
            .collect();
        assert_eq!(classes, vec![("1", 1), ("3", 2)]);
        // late: oldest missed 10 March (71 days); other: 10 February (100 days).
        let aging: Vec<_> = r.indicators.aging.iter().map(|b| b.loans).collect();
        assert_eq!(aging, vec![0, 0, 1, 1, 0]);
        assert_eq!(r.by_upk[1].indicators.loans_in_arrears, 1);
        assert_eq!(r.indicators.health.par, Some(Band::Inadequate));
        assert_eq!(r.indicators.health.rr, Some(Band::Inadequate));
        assert_eq!(r.indicators.ccr, None, "no costs known");
        let finances = BTreeMap::from([(
            "UPK A".to_owned(),
            Finances {
                fee_income: 150_000,
                costs: 100_000,
                capital: 1_000_000,
                months: 6,
            },
        )]);
        let with = portfolio_with(&[], date(2024, 6, 30), 3, &finances);
        assert_eq!(with.indicators.ccr.unwrap().to_string(), "1.500000");
        assert_eq!(with.indicators.health.ccr, Some(Band::Satisfactory));
        assert_eq!(
            with.indicators.roi.unwrap().to_string(),
            "0.100000",
            "50,000 in 6 months = 100,000 a year on 1,000,000"
        );
        assert_eq!(with.indicators.health.roi, Some(Band::Satisfactory));
        assert_eq!(
            band_low(share(10, 100)),
            Some(Band::Satisfactory),
            "10% is still satisfactory"
        );
        assert_eq!(
            band_low(Some(Share::parse("0.15").unwrap())),
            Some(Band::Adequate)
        );
        assert_eq!(
            band_high(Some(Share::parse("0.85").unwrap()), (90, 100), (80, 100)),
            Some(Band::Adequate)
        );
        let before = portfolio(&[], date(2024, 5, 20), 3);
        assert_eq!(before.indicators.par, None, "no outstanding: no ratio");
    }
}
