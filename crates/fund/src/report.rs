//! The oversight report: a portfolio's health on a date, in all, per UPK
//! and rolled up per area (definitions in docs/fund.md).

use crate::loan::{add, arrears, sum, Arrears, Instalment, Rupiah, TooLarge};
use crate::settings::Settings;
use jiff::civil::Date;
use jiff::ToSpan;
use lumbung_domain::{KsmId, Money, Share, UpkId};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};

/// A schedule and the payments that went to it.
pub type Segment<'a> = (&'a [Instalment], Vec<(Date, Rupiah)>);

/// A new schedule for the principal remaining on a date; the old is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rescheduled {
    pub on: Date,
    /// The new term, in months (its instalments may be weekly).
    pub term_months: u16,
    pub schedule: Vec<Instalment>,
}

/// One loan with what is needed to judge it.
#[derive(Debug, Clone)]
pub struct LoanBook {
    pub upk: String,
    /// The UPK's organisation id, for scope checks and settings.
    pub upk_id: UpkId,
    pub ksm: KsmId,
    pub disbursed_on: Date,
    pub schedule: Vec<Instalment>,
    /// Payments in date order (reversed ones left out).
    pub payments: Vec<(Date, Rupiah)>,
    /// Reschedulings, oldest first.
    pub rescheduled: Vec<Rescheduled>,
    /// The date and principal written off, if it was.
    pub written_off: Option<(Date, Rupiah)>,
}

impl LoanBook {
    /// The schedule in force on a date and the payments that go to it: a
    /// rescheduling on day R takes the principal left after the payments
    /// dated on or before R; later payments go to the new schedule.
    pub fn segment(&self, as_of: Date) -> Segment<'_> {
        match self.rescheduled.iter().rev().find(|r| r.on <= as_of) {
            None => {
                let until = self.rescheduled.first().map(|r| r.on);
                let pays = self
                    .payments
                    .iter()
                    .copied()
                    .filter(|p| until.is_none_or(|u| p.0 <= u))
                    .collect();
                (&self.schedule, pays)
            }
            Some(r) => {
                let until = self
                    .rescheduled
                    .iter()
                    .find(|later| later.on > r.on)
                    .map(|l| l.on);
                let pays = self
                    .payments
                    .iter()
                    .copied()
                    .filter(|p| p.0 > r.on && until.is_none_or(|u| p.0 <= u))
                    .collect();
                (&r.schedule, pays)
            }
        }
    }

    /// Every schedule with the payments that went to it, oldest first.
    pub fn segments(&self) -> Vec<Segment<'_>> {
        let mut out = vec![self.segment(self.disbursed_on)];
        if self
            .rescheduled
            .first()
            .is_some_and(|r| r.on <= self.disbursed_on)
        {
            out.clear();
        }
        out.extend(self.rescheduled.iter().map(|r| self.segment(r.on)));
        out
    }

    /// What all payments covered, over every schedule: (principal, fee,
    /// left over beyond the loan). The journal's lines for the loan add up
    /// to these; refused when a sum does not fit.
    pub fn totals(&self) -> Result<(i64, i64, i64), TooLarge> {
        let of = |schedule: &[Instalment], payments: &[(Date, Rupiah)]| {
            let (alloc, left) = crate::loan::allocate(schedule, payments);
            Ok::<_, TooLarge>((
                sum("principal paid", alloc.iter().map(|a| a.principal_paid.0))?,
                sum("fee paid", alloc.iter().map(|a| a.fee_paid.0))?,
                left.0,
            ))
        };
        if self.rescheduled.is_empty() {
            // One schedule and every payment: no copies.
            return of(&self.schedule, &self.payments);
        }
        self.segments()
            .into_iter()
            .try_fold((0, 0, 0), |(p, f, l), (schedule, payments)| {
                let (sp, sf, sl) = of(schedule, &payments)?;
                Ok((
                    add("principal paid", p, sp)?,
                    add("fee paid", f, sf)?,
                    add("paid beyond the loan", l, sl)?,
                ))
            })
    }

    /// What the group owes at a meeting on `on`: the unpaid part of the
    /// instalments due by then, and the next instalment after it (its date
    /// and unpaid amount). Nothing once written off; refused when a sum
    /// does not fit.
    pub fn due(&self, on: Date) -> Result<Due, TooLarge> {
        if self.written_off.is_some_and(|(w, _)| w <= on) {
            return Ok(Due::default());
        }
        let (schedule, payments) = self.segment(on);
        let paid: Vec<(Date, Rupiah)> = payments.into_iter().filter(|p| p.0 <= on).collect();
        let (alloc, _) = crate::loan::allocate(schedule, &paid);
        let unpaid = |i: &Instalment, a: &crate::loan::Allocation| {
            let owed = i128::from(i.fee.0) + i128::from(i.principal.0);
            let paid = i128::from(a.fee_paid.0) + i128::from(a.principal_paid.0);
            rupiah("due", owed - paid)
        };
        let mut due = Due::default();
        for (i, a) in schedule.iter().zip(&alloc) {
            let unpaid = unpaid(i, a)?;
            if i.due <= on {
                due.overdue = add("due", due.overdue, unpaid)?;
            } else if unpaid > 0 {
                due.next = Some((i.due, unpaid));
                break;
            }
        }
        Ok(due)
    }

    /// The loan's standing on a date, or `None` once it is written off.
    pub fn standing(&self, as_of: Date, class_thresholds: &[u16]) -> Option<Arrears> {
        if self.written_off.is_some_and(|(on, _)| on <= as_of) {
            return None;
        }
        if self.rescheduled.is_empty() {
            return Some(arrears(
                &self.schedule,
                &self.payments,
                as_of,
                class_thresholds,
            ));
        }
        let (schedule, payments) = self.segment(as_of);
        Some(arrears(schedule, &payments, as_of, class_thresholds))
    }
}

/// `owed` shared by `parts` (each member's principal): each share rounded
/// down, the remainder on the first; `None` when the parts add up to
/// nothing. Exact in i128, since `owed × part` passes i64 for loans of
/// billions; refused when a share does not fit back.
pub fn split_due(owed: i64, parts: &[i64]) -> Result<Option<Vec<i64>>, TooLarge> {
    let whole: i128 = parts.iter().map(|p| i128::from(*p)).sum();
    if whole <= 0 {
        return Ok(None);
    }
    let mut shares = parts
        .iter()
        .map(|p| rupiah("due share", i128::from(owed) * i128::from(*p) / whole))
        .collect::<Result<Vec<i64>, TooLarge>>()?;
    let given: i128 = shares.iter().map(|s| i128::from(*s)).sum();
    if let Some(first) = shares.first_mut() {
        *first = rupiah("due share", i128::from(*first) + i128::from(owed) - given)?;
    }
    Ok(Some(shares))
}

/// What a loan asks of its group at a meeting.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Due {
    /// Unpaid fee and principal of the instalments due by the date.
    pub overdue: i64,
    /// The next instalment after the date: its due date and unpaid amount.
    #[schemars(with = "Option<(String, i64)>")]
    pub next: Option<(Date, i64)>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, schemars::JsonSchema)]
pub struct Indicators {
    pub loans: u64,
    /// Principal disbursed − principal repaid (− written off).
    pub outstanding: i64,
    /// Principal of instalments due on or before the date, not repaid.
    pub arrears: i64,
    /// Loans with at least the threshold of missed instalments.
    pub loans_in_arrears: u64,
    pub outstanding_in_arrears: i64,
    /// outstanding_in_arrears ÷ outstanding.
    #[schemars(with = "Option<String>")]
    pub par: Option<Share>,
    /// (outstanding − arrears) ÷ outstanding.
    #[schemars(with = "Option<String>")]
    pub rr: Option<Share>,
    /// KSM with outstanding > 0.
    pub active_ksm: u64,
    /// Active KSM with a loan in arrears.
    pub ksm_in_arrears: u64,
    /// ksm_in_arrears ÷ active_ksm.
    #[schemars(with = "Option<String>")]
    pub lar: Option<Share>,
    /// Fee income ÷ operating costs, year to date (when costs are known).
    #[schemars(with = "Option<String>")]
    pub ccr: Option<Share>,
    /// Annualised net profit (fee income − costs) ÷ capital (when capital is known).
    #[schemars(with = "Option<String>")]
    pub roi: Option<Share>,
    /// Each indicator's band by the revolving-loan SOP.
    pub health: Health,
    /// Loans and their outstanding by quality class (1 current, 2 special
    /// attention, 3 in arrears, further classes by the settings), with the
    /// loan-loss reserve each class needs at its configured rate.
    pub by_class: Vec<Bucket>,
    /// Loans with a missed instalment, by the days its oldest one is
    /// overdue.
    pub aging: Vec<Bucket>,
    /// The loan-loss reserve the portfolio needs: Σ outstanding × the rate
    /// of its class, each loan rounded down to the whole rupiah.
    pub reserve_required: i64,
    /// Loans written off by the date and the principal written off.
    pub written_off_loans: u64,
    pub written_off: i64,
}

/// A group of loans in the portfolio.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, schemars::JsonSchema)]
pub struct Bucket {
    pub bucket: String,
    pub loans: u64,
    pub outstanding: i64,
    pub reserve: i64,
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
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, PartialOrd, Ord, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    Satisfactory,
    Adequate,
    Inadequate,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, Default, schemars::JsonSchema)]
pub struct Health {
    pub par: Option<Band>,
    pub rr: Option<Band>,
    pub lar: Option<Band>,
    pub ccr: Option<Band>,
    pub roi: Option<Band>,
}

impl Health {
    fn named(&self) -> [(&'static str, Option<Band>); 5] {
        [
            ("par", self.par),
            ("rr", self.rr),
            ("lar", self.lar),
            ("ccr", self.ccr),
            ("roi", self.roi),
        ]
    }
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

impl Finances {
    fn plus(self, f: Finances) -> Result<Finances, TooLarge> {
        Ok(Finances {
            fee_income: add("fee income", self.fee_income, f.fee_income)?,
            costs: add("costs", self.costs, f.costs)?,
            capital: add("capital", self.capital, f.capital)?,
            months: self.months.max(f.months),
        })
    }

    /// The finances of several UPKs together (`None` when none is known).
    fn total(all: impl IntoIterator<Item = Finances>) -> Result<Option<Finances>, TooLarge> {
        all.into_iter().try_fold(None, |t: Option<Finances>, f| {
            Ok(Some(match t {
                None => f,
                Some(t) => t.plus(f)?,
            }))
        })
    }
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

/// An area a UPK's figures roll up into (its kecamatan, its city).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
pub struct AreaRef {
    pub code: String,
    pub name: String,
    /// `kecamatan`, `kabupaten`, `kota`, … (the area's kind).
    pub level: String,
}

/// What the report needs besides the loans; everything keyed by UPK id.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// Settings per UPK; a UPK not listed has the defaults.
    pub settings: BTreeMap<UpkId, Settings>,
    pub finances: BTreeMap<UpkId, Finances>,
    pub areas: BTreeMap<UpkId, Vec<AreaRef>>,
}

impl Context {
    pub fn settings_of(&self, upk: UpkId) -> std::borrow::Cow<'_, Settings> {
        match self.settings.get(&upk) {
            Some(s) => std::borrow::Cow::Borrowed(s),
            None => std::borrow::Cow::Owned(Settings::default()),
        }
    }
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct UpkIndicators {
    pub upk: String,
    pub upk_id: UpkId,
    #[serde(flatten)]
    pub indicators: Indicators,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct AreaIndicators {
    #[serde(flatten)]
    pub area: AreaRef,
    pub upks: u64,
    #[serde(flatten)]
    pub indicators: Indicators,
}

/// A UPK whose figures are not all satisfactory.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Attention {
    pub upk: String,
    pub upk_id: UpkId,
    pub inadequate: Vec<&'static str>,
    pub adequate: Vec<&'static str>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct FundReport {
    #[schemars(with = "String")]
    pub as_of: Date,
    #[serde(flatten)]
    pub indicators: Indicators,
    pub by_upk: Vec<UpkIndicators>,
    /// Rolled up per kecamatan and city (when the UPKs' areas are known).
    pub by_area: Vec<AreaIndicators>,
    /// The UPKs needing attention, worst first: most inadequate figures,
    /// then most adequate ones.
    pub attention: Vec<Attention>,
}

fn share(part: i64, whole: i64) -> Option<Share> {
    // A ratio: the unit does not matter, and minor units cannot overflow.
    Share::of(Money::from_minor(part), Money::from_minor(whole))
}

/// An exact sum back to whole rupiah, or [`TooLarge`] naming it.
fn rupiah(what: &'static str, v: i128) -> Result<i64, TooLarge> {
    i64::try_from(v).map_err(|_| TooLarge(what))
}

/// One loan's standing with what the sums need.
struct Judged {
    ksm: KsmId,
    standing: Option<Arrears>,
    in_arrears: bool,
    reserve: i64,
    written_off: i64,
}

/// A group of loans being summed: loans, outstanding, reserve.
#[derive(Default, Clone, Copy)]
struct Count {
    loans: u64,
    outstanding: i128,
    reserve: i128,
}

impl Count {
    fn merge(&mut self, o: Count) {
        self.loans += o.loans;
        self.outstanding += o.outstanding;
        self.reserve += o.reserve;
    }

    fn bucket(self, bucket: String) -> Result<Bucket, TooLarge> {
        Ok(Bucket {
            bucket,
            loans: self.loans,
            outstanding: rupiah("outstanding", self.outstanding)?,
            reserve: rupiah("reserve", self.reserve)?,
        })
    }
}

/// Sums loans into the figures; one per group of the report. Amounts are
/// summed in i128 (a loan's fit in i64, so no count of loans overflows
/// them) and checked once when they become figures.
#[derive(Default)]
struct Sums {
    loans: u64,
    outstanding: i128,
    arrears: i128,
    in_arrears: u64,
    out_in_arrears: i128,
    active: HashSet<KsmId>,
    ksm_late: HashSet<KsmId>,
    by_class: BTreeMap<u8, Count>,
    aging: [Count; 5],
    reserve: i128,
    written_off: (u64, i128),
}

impl Sums {
    /// Adds the sums of other loans (none of them among these).
    fn merge(&mut self, o: Sums) {
        self.loans += o.loans;
        self.outstanding += o.outstanding;
        self.arrears += o.arrears;
        self.in_arrears += o.in_arrears;
        self.out_in_arrears += o.out_in_arrears;
        self.active.extend(o.active);
        self.ksm_late.extend(o.ksm_late);
        for (class, c) in o.by_class {
            self.by_class.entry(class).or_default().merge(c);
        }
        for (mine, theirs) in self.aging.iter_mut().zip(o.aging) {
            mine.merge(theirs);
        }
        self.reserve += o.reserve;
        self.written_off.0 += o.written_off.0;
        self.written_off.1 += o.written_off.1;
    }

    fn add(&mut self, j: &Judged) {
        self.loans += 1;
        let Some(a) = &j.standing else {
            self.written_off.0 += 1;
            self.written_off.1 += j.written_off as i128;
            return;
        };
        let outstanding = a.outstanding.0 as i128;
        let reserve = j.reserve as i128;
        self.by_class
            .entry(a.quality_class)
            .or_default()
            .merge(Count {
                loans: 1,
                outstanding,
                reserve,
            });
        if let Some(i) = AGING
            .iter()
            .position(|(from, to, _)| (*from..=*to).contains(&a.days_overdue))
        {
            self.aging[i].loans += 1;
            self.aging[i].outstanding += outstanding;
        }
        self.outstanding += outstanding;
        self.arrears += a.principal_in_arrears.0 as i128;
        self.reserve += reserve;
        if a.outstanding.0 > 0 {
            self.active.insert(j.ksm);
        }
        if j.in_arrears {
            self.in_arrears += 1;
            self.out_in_arrears += outstanding;
            self.ksm_late.insert(j.ksm);
        }
    }

    fn indicators(self, f: Option<Finances>) -> Result<Indicators, TooLarge> {
        let ksm_in_arrears = self.ksm_late.intersection(&self.active).count() as u64;
        let active = self.active.len() as i64;
        let (mut ccr, mut roi) = (None, None);
        if let Some(f) = f {
            ccr = (f.costs > 0)
                .then(|| share(f.fee_income, f.costs))
                .flatten();
            let months = f.months.clamp(1, 12) as i128;
            if f.capital > 0 {
                let profit = (f.fee_income as i128 - f.costs as i128) * 12 / months;
                roi = share(rupiah("annual net profit", profit)?, f.capital);
            }
        }
        let outstanding = rupiah("outstanding", self.outstanding)?;
        let arrears = rupiah("arrears", self.arrears)?;
        let out_in_arrears = rupiah("outstanding in arrears", self.out_in_arrears)?;
        let par = share(out_in_arrears, outstanding);
        let rr = share(
            rupiah("repaid on time", self.outstanding - self.arrears)?,
            outstanding,
        );
        let lar = share(ksm_in_arrears as i64, active);
        Ok(Indicators {
            loans: self.loans,
            outstanding,
            arrears,
            loans_in_arrears: self.in_arrears,
            outstanding_in_arrears: out_in_arrears,
            par,
            rr,
            active_ksm: active as u64,
            ksm_in_arrears,
            lar,
            ccr,
            roi,
            health: Health {
                par: band_low(par),
                lar: band_low(lar),
                rr: band_high(rr, (90, 100), (80, 100)),
                ccr: band_high(ccr, (125, 100), (100, 100)),
                roi: band_high(roi, (10, 100), (0, 1)),
            },
            by_class: self
                .by_class
                .into_iter()
                .map(|(class, c)| c.bucket(class.to_string()))
                .collect::<Result<_, _>>()?,
            aging: AGING
                .iter()
                .zip(self.aging)
                .map(|((_, _, label), c)| c.bucket((*label).to_owned()))
                .collect::<Result<_, _>>()?,
            reserve_required: rupiah("reserve", self.reserve)?,
            written_off_loans: self.written_off.0,
            written_off: rupiah("written off", self.written_off.1)?,
        })
    }
}

/// A UPK's settings as judging a loan needs them, worked out once.
struct Rules<'a> {
    settings: std::borrow::Cow<'a, Settings>,
    thresholds: Vec<u16>,
    /// The reserve rate of quality classes 1, 2, … as far as a loan can go.
    reserve: Vec<crate::loan::FeeRate>,
}

impl<'a> Rules<'a> {
    fn new(settings: std::borrow::Cow<'a, Settings>) -> Rules<'a> {
        let thresholds = settings.class_thresholds();
        let reserve = if settings.reserve_rates.is_empty() {
            Vec::new()
        } else {
            (1..=2 + thresholds.len() as u8)
                .map(|class| settings.reserve_rate(class))
                .collect()
        };
        Rules {
            settings,
            thresholds,
            reserve,
        }
    }

    fn reserve_rate(&self, class: u8) -> crate::loan::FeeRate {
        match self.reserve.get(class.max(1) as usize - 1) {
            Some(rate) => *rate,
            None => self.settings.reserve_rate(class),
        }
    }
}

fn judge(loan: &LoanBook, as_of: Date, rules: &Rules<'_>) -> Judged {
    let standing = loan.standing(as_of, &rules.thresholds);
    let in_arrears = standing
        .as_ref()
        .is_some_and(|a| a.missed >= rules.settings.arrears_threshold);
    let reserve = standing.as_ref().map_or(0, |a| {
        rules.reserve_rate(a.quality_class).of(a.outstanding).0
    });
    Judged {
        ksm: loan.ksm,
        standing,
        in_arrears,
        reserve,
        written_off: loan.written_off.map_or(0, |(_, p)| p.0),
    }
}

/// The sums of some loans: in all, per UPK and per area.
#[derive(Default)]
struct Tally<'a> {
    total: Sums,
    upks: HashMap<(&'a str, UpkId), Sums>,
    areas: BTreeMap<&'a AreaRef, (Sums, HashSet<UpkId>)>,
}

impl<'a> Tally<'a> {
    fn of(loans: &'a [LoanBook], as_of: Date, ctx: &'a Context) -> Tally<'a> {
        let mut t = Tally::default();
        let mut rules: HashMap<UpkId, Rules<'_>> = HashMap::new();
        for loan in loans.iter().filter(|l| l.disbursed_on <= as_of) {
            let r = rules
                .entry(loan.upk_id)
                .or_insert_with(|| Rules::new(ctx.settings_of(loan.upk_id)));
            let j = judge(loan, as_of, r);
            t.total.add(&j);
            t.upks
                .entry((loan.upk.as_str(), loan.upk_id))
                .or_default()
                .add(&j);
            for area in ctx.areas.get(&loan.upk_id).into_iter().flatten() {
                let (sums, members) = t.areas.entry(area).or_default();
                sums.add(&j);
                members.insert(loan.upk_id);
            }
        }
        t
    }

    fn merge(mut self, other: Tally<'a>) -> Tally<'a> {
        self.total.merge(other.total);
        for (k, sums) in other.upks {
            self.upks.entry(k).or_default().merge(sums);
        }
        for (k, (sums, members)) in other.areas {
            let (s, m) = self.areas.entry(k).or_default();
            s.merge(sums);
            m.extend(members);
        }
        self
    }
}

/// How many threads judge `loans` loans: one for a few.
fn threads_for(loans: usize) -> usize {
    if loans < 20_000 {
        1
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get().min(8))
    }
}

/// The report as of a date (loans disbursed after it are left out; so are
/// payments after it), each loan judged by its UPK's settings. A figure
/// too large to keep refuses the report.
pub fn portfolio(loans: &[LoanBook], as_of: Date, ctx: &Context) -> Result<FundReport, TooLarge> {
    // A city's loans are judged on every core, each thread a share of
    // them; the sums are added up after (the same figures however split).
    let threads = threads_for(loans.len());
    let tally = if threads == 1 {
        Tally::of(loans, as_of, ctx)
    } else {
        std::thread::scope(|s| {
            let parts: Vec<_> = loans
                .chunks(loans.len().div_ceil(threads))
                .map(|part| s.spawn(move || Tally::of(part, as_of, ctx)))
                .collect();
            parts
                .into_iter()
                .map(|p| p.join().expect("a report thread panicked"))
                .reduce(Tally::merge)
                .unwrap_or_default()
        })
    };
    let total = tally.total;
    let upks: BTreeMap<(&str, UpkId), Sums> = tally.upks.into_iter().collect();
    let areas = tally.areas;
    let finances_of = |ids: &mut dyn Iterator<Item = UpkId>| {
        Finances::total(ids.filter_map(|id| ctx.finances.get(&id).copied()))
    };
    let all_finances = Finances::total(ctx.finances.values().copied())?;
    let by_upk: Vec<UpkIndicators> = upks
        .into_iter()
        .map(|((upk, id), sums)| {
            Ok(UpkIndicators {
                upk: upk.to_owned(),
                upk_id: id,
                indicators: sums.indicators(ctx.finances.get(&id).copied())?,
            })
        })
        .collect::<Result<_, TooLarge>>()?;
    let mut attention: Vec<Attention> = by_upk
        .iter()
        .filter_map(|u| {
            let named = u.indicators.health.named();
            let of = |band| -> Vec<&'static str> {
                named
                    .iter()
                    .filter(|(_, b)| *b == Some(band))
                    .map(|(n, _)| *n)
                    .collect()
            };
            let (inadequate, adequate) = (of(Band::Inadequate), of(Band::Adequate));
            (!inadequate.is_empty() || !adequate.is_empty()).then(|| Attention {
                upk: u.upk.clone(),
                upk_id: u.upk_id,
                inadequate,
                adequate,
            })
        })
        .collect();
    attention.sort_by(|a, b| {
        (b.inadequate.len(), b.adequate.len(), &a.upk).cmp(&(
            a.inadequate.len(),
            a.adequate.len(),
            &b.upk,
        ))
    });
    Ok(FundReport {
        as_of,
        indicators: total.indicators(all_finances)?,
        by_upk,
        by_area: areas
            .into_iter()
            .map(|(area, (sums, members))| {
                Ok(AreaIndicators {
                    area: area.clone(),
                    upks: members.len() as u64,
                    indicators: sums.indicators(finances_of(&mut members.iter().copied())?)?,
                })
            })
            .collect::<Result<_, TooLarge>>()?,
        attention,
    })
}

/// One month's figures for the trend.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct TrendPoint {
    #[schemars(with = "String")]
    pub as_of: Date,
    pub outstanding: i64,
    pub arrears: i64,
    #[schemars(with = "Option<String>")]
    pub par: Option<Share>,
    #[schemars(with = "Option<String>")]
    pub rr: Option<Share>,
    #[schemars(with = "Option<String>")]
    pub lar: Option<Share>,
}

/// The figures at the end of each of the `months` months up to `as_of`
/// (the last point is `as_of` itself), oldest first; refused when a figure
/// is too large to keep.
pub fn trend(
    loans: &[LoanBook],
    as_of: Date,
    months: u16,
    ctx: &Context,
) -> Result<Vec<TrendPoint>, TooLarge> {
    let mut dates: Vec<Date> = (1..months as i32)
        .rev()
        .map(|k| {
            as_of
                .first_of_month()
                .checked_sub((k - 1).months())
                .expect("dates in range")
                .yesterday()
                .expect("dates in range")
        })
        .collect();
    dates.push(as_of);
    // Each thread judges a share of the loans on every date.
    let sums_of = |loans: &[LoanBook]| -> Vec<Sums> {
        let mut rules: HashMap<UpkId, Rules<'_>> = HashMap::new();
        let mut sums: Vec<Sums> = dates.iter().map(|_| Sums::default()).collect();
        for loan in loans {
            let r = rules
                .entry(loan.upk_id)
                .or_insert_with(|| Rules::new(ctx.settings_of(loan.upk_id)));
            for (d, sums) in dates.iter().zip(&mut sums) {
                if loan.disbursed_on <= *d {
                    sums.add(&judge(loan, *d, r));
                }
            }
        }
        sums
    };
    let threads = threads_for(loans.len());
    let sums = std::thread::scope(|s| {
        let parts: Vec<_> = loans
            .chunks(loans.len().div_ceil(threads).max(1))
            .map(|part| s.spawn(move || sums_of(part)))
            .collect();
        parts
            .into_iter()
            .map(|p| p.join().expect("a trend thread panicked"))
            .reduce(|mut all, part| {
                for (a, p) in all.iter_mut().zip(part) {
                    a.merge(p);
                }
                all
            })
            .unwrap_or_else(|| dates.iter().map(|_| Sums::default()).collect())
    });
    dates
        .into_iter()
        .zip(sums)
        .map(|(d, sums)| {
            let i = sums.indicators(None)?;
            Ok(TrendPoint {
                as_of: d,
                outstanding: i.outstanding,
                arrears: i.arrears,
                par: i.par,
                rr: i.rr,
                lar: i.lar,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loan::{schedule, FeeRate, Frequency, ScheduleKind};
    use jiff::civil::date;

    /// A city's trend is judged on several threads: each month's point is
    /// the report as of that date.
    #[test]
    fn each_point_of_a_citys_trend_is_the_report_of_its_date() {
        let rate = FeeRate::parse("0.015").unwrap();
        let loans: Vec<LoanBook> = (0..20_500i64)
            .map(|i| {
                let disbursed = date(2024, 1, 1 + (i % 28) as i8);
                let s = schedule(
                    disbursed,
                    Rupiah(600_000 + i * 1_000),
                    6 + (i % 7) as u16,
                    rate,
                    ScheduleKind::Flat,
                    Frequency::Monthly,
                )
                .unwrap();
                let paid = (i % 9) as i8;
                LoanBook {
                    upk: format!("UPK {}", i % 5),
                    upk_id: UpkId::new(i % 5 + 1),
                    ksm: KsmId::new(i),
                    disbursed_on: disbursed,
                    schedule: s,
                    payments: (1..=paid)
                        .map(|m| (date(2024, 1 + m, 10), Rupiah(120_000)))
                        .collect(),
                    rescheduled: vec![],
                    written_off: None,
                }
            })
            .collect();
        let as_of = date(2024, 12, 15);
        let points = trend(&loans, as_of, 12, &Context::default()).unwrap();
        assert_eq!(points.len(), 12);
        assert_eq!(points[0].as_of, date(2024, 1, 31));
        for p in &points {
            let r = portfolio(&loans, p.as_of, &Context::default()).unwrap();
            assert_eq!(
                (p.outstanding, p.arrears, p.par, p.rr, p.lar),
                (
                    r.indicators.outstanding,
                    r.indicators.arrears,
                    r.indicators.par,
                    r.indicators.rr,
                    r.indicators.lar
                ),
                "{}",
                p.as_of
            );
        }
        assert!(points[11].arrears > 0 && points[0].outstanding > points[11].outstanding);
    }

    #[test]
    fn indicators_of_a_small_portfolio() {
        let rate = FeeRate::parse("0.015").unwrap();
        let disbursed = date(2024, 1, 10);
        let s = schedule(
            disbursed,
            Rupiah(600_000),
            6,
            rate,
            ScheduleKind::Flat,
            Frequency::Monthly,
        )
        .unwrap();
        let each = Rupiah(109_000);
        let good = LoanBook {
            upk: "UPK A".into(),
            upk_id: UpkId::new(1),
            ksm: KsmId::new(1),
            disbursed_on: disbursed,
            schedule: s.clone(),
            payments: (1..=4).map(|m| (date(2024, 1 + m, 10), each)).collect(),
            rescheduled: vec![],
            written_off: None,
        };
        let late = LoanBook {
            upk: "UPK A".into(),
            upk_id: UpkId::new(1),
            ksm: KsmId::new(2),
            disbursed_on: disbursed,
            schedule: s.clone(),
            payments: vec![(date(2024, 2, 10), each)],
            rescheduled: vec![],
            written_off: None,
        };
        let other = LoanBook {
            upk: "UPK B".into(),
            upk_id: UpkId::new(2),
            ksm: KsmId::new(3),
            disbursed_on: disbursed,
            schedule: s,
            payments: vec![],
            rescheduled: vec![],
            written_off: None,
        };
        let r = portfolio(&[good, late, other], date(2024, 5, 20), &Context::default()).unwrap();
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
            UpkId::new(1),
            Finances {
                fee_income: 150_000,
                costs: 100_000,
                capital: 1_000_000,
                months: 6,
            },
        )]);
        let with = portfolio(
            &[],
            date(2024, 6, 30),
            &Context {
                finances,
                ..Context::default()
            },
        )
        .unwrap();
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
        let before = portfolio(&[], date(2024, 5, 20), &Context::default()).unwrap();
        assert_eq!(before.indicators.par, None, "no outstanding: no ratio");
    }

    #[test]
    fn a_due_amount_is_shared_by_principal_without_overflow() {
        assert_eq!(split_due(100, &[1, 1, 1]), Ok(Some(vec![34, 33, 33])));
        assert_eq!(split_due(100, &[0, 0]), Ok(None));
        // A loan of Rp 30 billion: 6e9 × 1e10 passes i64 on the way.
        let ten_bn = 10_000_000_000;
        assert_eq!(
            split_due(6_000_000_001, &[ten_bn, ten_bn, ten_bn]),
            Ok(Some(vec![2_000_000_001, 2_000_000_000, 2_000_000_000]))
        );
        assert_eq!(
            split_due(i64::MAX, &[2, -1]),
            Err(TooLarge("due share")),
            "refused, not wrapped"
        );
    }

    /// Loans built directly, past the entry bound: a total that no longer
    /// fits refuses the report (in all, per area, the trend), never wraps.
    #[test]
    fn totals_too_large_to_keep_are_refused() {
        let on = date(2024, 1, 10);
        let loan = |upk_id: i64, ksm: i64| LoanBook {
            upk: format!("UPK {upk_id}"),
            upk_id: UpkId::new(upk_id),
            ksm: KsmId::new(ksm),
            disbursed_on: on,
            schedule: vec![Instalment {
                number: 1,
                due: date(2024, 2, 10),
                principal: Rupiah(i64::MAX - 1),
                fee: Rupiah(0),
            }],
            payments: vec![],
            rescheduled: vec![],
            written_off: None,
        };
        let one = portfolio(&[loan(1, 1)], date(2024, 3, 1), &Context::default()).unwrap();
        assert_eq!(one.indicators.outstanding, i64::MAX - 1, "one loan fits");
        let two = [loan(1, 1), loan(2, 2)];
        let as_of = date(2024, 3, 1);
        assert_eq!(
            portfolio(&two, as_of, &Context::default()).unwrap_err(),
            TooLarge("outstanding")
        );
        assert_eq!(
            trend(&two, as_of, 3, &Context::default()).unwrap_err(),
            TooLarge("outstanding")
        );
        // Each UPK alone fits; their area's roll-up does not.
        let area = AreaRef {
            code: "35.78.01".into(),
            name: "Kecamatan".into(),
            level: "kecamatan".into(),
        };
        let ctx = Context {
            areas: BTreeMap::from([
                (UpkId::new(1), vec![area.clone()]),
                (UpkId::new(2), vec![area]),
            ]),
            ..Context::default()
        };
        assert!(portfolio(&two[..1], as_of, &ctx).is_ok());
        assert_eq!(
            portfolio(&two, as_of, &ctx).unwrap_err(),
            TooLarge("outstanding")
        );
        // Finances summed over UPKs, and a profit annualised past i64.
        let rich = Finances {
            fee_income: i64::MAX,
            costs: 1,
            capital: i64::MAX,
            months: 1,
        };
        let finances = |ids: &[i64]| Context {
            finances: ids.iter().map(|id| (UpkId::new(*id), rich)).collect(),
            ..Context::default()
        };
        assert_eq!(
            portfolio(&[], as_of, &finances(&[1, 2])).unwrap_err(),
            TooLarge("fee income")
        );
        assert_eq!(
            portfolio(&[], as_of, &finances(&[1])).unwrap_err(),
            TooLarge("annual net profit")
        );
    }

    #[test]
    fn a_rescheduled_loan_follows_its_new_schedule_and_a_written_off_one_leaves() {
        let rate = FeeRate::parse("0.015").unwrap();
        let on = date(2024, 1, 10);
        let mut loan = LoanBook {
            upk: "UPK A".into(),
            upk_id: UpkId::new(1),
            ksm: KsmId::new(1),
            disbursed_on: on,
            schedule: schedule(
                on,
                Rupiah(600_000),
                6,
                rate,
                ScheduleKind::Flat,
                Frequency::Monthly,
            )
            .unwrap(),
            payments: vec![
                (date(2024, 2, 10), Rupiah(109_000)),
                (date(2024, 7, 1), Rupiah(59_000)),
            ],
            rescheduled: vec![],
            written_off: None,
        };
        let before = loan.standing(date(2024, 6, 30), &[3]).unwrap();
        assert_eq!((before.missed, before.outstanding), (4, Rupiah(500_000)));
        // On 30 June the 500,000 left is spread over 10 months from then.
        let new = schedule(
            date(2024, 6, 30),
            Rupiah(500_000),
            10,
            rate,
            ScheduleKind::Flat,
            Frequency::Monthly,
        )
        .unwrap();
        loan.rescheduled.push(Rescheduled {
            on: date(2024, 6, 30),
            term_months: 10,
            schedule: new,
        });
        let still = loan.standing(date(2024, 6, 1), &[3]).unwrap();
        assert_eq!(still, loan.standing(date(2024, 6, 1), &[3]).unwrap());
        assert_eq!(
            still.missed, 3,
            "before the rescheduling the old schedule holds"
        );
        let after = loan.standing(date(2024, 7, 31), &[3]).unwrap();
        assert_eq!(
            after.missed, 0,
            "the 1 July payment met the first new instalment"
        );
        assert_eq!(
            after.outstanding,
            Rupiah(450_000),
            "59,000 = 7,500 fee + 50,000 principal + 1,500 on"
        );
        let due = loan.due(date(2024, 9, 1)).unwrap();
        assert_eq!(
            due.overdue,
            57_500 - 1_500,
            "30 July was paid on 1 July; 30 August less the 1,500 paid ahead"
        );
        assert_eq!(due.next, Some((date(2024, 9, 30), 57_500)));
        loan.written_off = Some((date(2024, 12, 31), Rupiah(450_000)));
        assert!(loan.standing(date(2025, 1, 1), &[3]).is_none());
        let r = portfolio(&[loan], date(2025, 1, 1), &Context::default()).unwrap();
        assert_eq!(
            (
                r.indicators.outstanding,
                r.indicators.written_off_loans,
                r.indicators.written_off
            ),
            (0, 1, 450_000)
        );
    }
}
