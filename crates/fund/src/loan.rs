//! One loan: its schedule, the allocation of its repayments, its arrears.

use jiff::civil::Date;
use jiff::ToSpan;
use lumbung_domain::{text, ParseError};
use serde::Serialize;
use std::fmt;

/// Whole rupiah: the UPK's books carry no smaller unit.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
#[serde(transparent)]
pub struct Rupiah(pub i64);

impl Rupiah {
    /// Whole rupiah as a person writes them: an optional `Rp`, thousands
    /// separators (`.`, `,` or a space) only between groups of three
    /// digits. `25000.50` is no amount, never 2,500,050.
    pub fn parse_written(raw: &str) -> Option<Rupiah> {
        let typed = raw.trim();
        let typed = typed.strip_prefix("Rp").unwrap_or(typed).trim_start();
        let unsigned = typed.strip_prefix('-').unwrap_or(typed);
        let mut groups = unsigned.split(['.', ',', ' ']);
        let grouped = groups.next().is_some_and(|g| !g.is_empty())
            && groups.all(|g| g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit()));
        if !grouped {
            return None;
        }
        let digits: String = typed
            .chars()
            .filter(|c| !matches!(c, '.' | ',' | ' '))
            .collect();
        digits.parse().ok().map(Rupiah)
    }
}

impl fmt::Display for Rupiah {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A sum or product of amounts that the books cannot hold: refused, never
/// wrapped or cut to the largest number. Names what was being computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}: the amount is too large to keep")]
pub struct TooLarge(pub &'static str);

impl TooLarge {
    pub fn text(&self) -> lumbung_domain::Text {
        lumbung_domain::text!("too_large_to_keep", what = self.0;
            id: "{what}: jumlahnya terlalu besar untuk disimpan",
            en: "{what}: the amount is too large to keep")
    }
}

/// `a + b`, refused when it does not fit.
pub fn add(what: &'static str, a: i64, b: i64) -> Result<i64, TooLarge> {
    a.checked_add(b).ok_or(TooLarge(what))
}

/// The sum of `amounts`, refused when it (or a partial sum) does not fit.
pub fn sum(what: &'static str, amounts: impl IntoIterator<Item = i64>) -> Result<i64, TooLarge> {
    amounts.into_iter().try_fold(0i64, |t, a| add(what, t, a))
}

/// The days the books keep: every date a UPK enters lies in this window,
/// so a schedule built from it (terms of at most 100 years) never leaves
/// the calendar (a far-future date once made every report panic).
pub const FIRST_BOOK_DAY: Date = jiff::civil::date(1970, 1, 1);
pub const LAST_BOOK_DAY: Date = jiff::civil::date(2199, 12, 31);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0} is outside the dates the books keep ({FIRST_BOOK_DAY} to {LAST_BOOK_DAY})")]
pub struct DateOutOfRange(pub Date);

impl DateOutOfRange {
    pub fn text(&self) -> lumbung_domain::Text {
        lumbung_domain::text!("date_out_of_range", date = self.0, first = FIRST_BOOK_DAY, last = LAST_BOOK_DAY;
            id: "{date} di luar tanggal yang dicatat pembukuan ({first} sampai {last})",
            en: "{date} is outside the dates the books keep ({first} to {last})")
    }
}

/// A date that has not come yet anywhere on Earth.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{date} has not come yet: money is recorded on the day it moves (today at the latest, {today})"
)]
pub struct DateAhead {
    pub date: Date,
    pub today: Date,
}

impl DateAhead {
    pub fn text(&self) -> lumbung_domain::Text {
        lumbung_domain::text!("date_ahead", date = self.date, today = self.today;
            id: "{date} belum tiba: uang dicatat pada hari ia berpindah (paling lambat hari ini, {today})",
            en: "{date} has not come yet: money is recorded on the day it moves (today at the latest, {today})")
    }
}

/// `date` when it is not after `latest_today` ([`lumbung_domain::Clock::
/// latest_today`]): what the books record has happened, so a movement,
/// a member's joining or an application is never dated ahead (a
/// repayment dated next year would make a loan current in next year's
/// report while the cash never came).
pub fn not_ahead(date: Date, latest_today: Date) -> Result<Date, DateAhead> {
    if date <= latest_today {
        Ok(date)
    } else {
        Err(DateAhead {
            date,
            today: latest_today,
        })
    }
}

/// `date` when the books can keep it.
pub fn book_day(date: Date) -> Result<Date, DateOutOfRange> {
    if (FIRST_BOOK_DAY..=LAST_BOOK_DAY).contains(&date) {
        Ok(date)
    } else {
        Err(DateOutOfRange(date))
    }
}

/// A monthly fee rate as an exact decimal fraction (`0.015` = 1.5% a month).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeeRate {
    num: i64,
    den: i64,
}

impl FeeRate {
    pub fn parse(raw: &str) -> Result<FeeRate, ParseError> {
        let s = raw.trim();
        let (int, frac) = s.split_once('.').unwrap_or((s, ""));
        let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
        if s.is_empty() || !digits(int) || !digits(frac) || frac.len() > 9 {
            return Err(ParseError(
                text!("not_a_monthly_rate", value = format!("{raw:?}");
                id: "{value} bukan tarif bulanan seperti 0.015",
                en: "{value} is not a monthly rate such as 0.015"),
            ));
        }
        let den = 10i64.pow(frac.len() as u32);
        let int: i64 = if int.is_empty() {
            0
        } else {
            int.parse().map_err(|_| {
                ParseError(text!("too_large", value = format!("{raw:?}");
                        id: "{value} terlalu besar", en: "{value} is too large"))
            })?
        };
        let frac: i64 = if frac.is_empty() {
            0
        } else {
            frac.parse().expect("digits")
        };
        // Checked: a large whole part wrapped to a negative or zero rate,
        // which passed as at most 100%.
        let num = int.checked_mul(den).and_then(|n| n.checked_add(frac));
        let Some(num) = num.filter(|n| *n <= den) else {
            return Err(ParseError(
                text!("monthly_rate_above_100", value = format!("{raw:?}");
                id: "{value}: tarif bulanan di atas 100% pasti keliru",
                en: "{value}: a monthly rate above 100% is surely a mistake"),
            ));
        };
        Ok(FeeRate { num, den })
    }

    /// The rate as written (`0.015`).
    pub fn text(self) -> String {
        let digits = (self.den as f64).log10().round() as usize;
        if digits == 0 {
            return self.num.to_string();
        }
        format!(
            "{}.{:0width$}",
            self.num / self.den,
            self.num % self.den,
            width = digits
        )
    }

    /// `amount × rate`, rounded down to the whole rupiah (the rule). A
    /// rate is at most 1 (see [`FeeRate::parse`]), so the result is never
    /// larger than the amount.
    pub fn of(self, amount: Rupiah) -> Rupiah {
        Rupiah((amount.0 as i128 * self.num as i128 / self.den as i128) as i64)
    }

    /// `amount × rate × months ÷ parts`, rounded down: one instalment's
    /// fee when `months` of fee are spread over `parts` instalments;
    /// refused when it does not fit.
    pub fn share(self, amount: Rupiah, months: i64, parts: i64) -> Result<Rupiah, TooLarge> {
        let num = amount.0 as i128 * self.num as i128 * months as i128;
        let share = num / (self.den as i128 * parts.max(1) as i128);
        i64::try_from(share)
            .map(Rupiah)
            .map_err(|_| TooLarge("fee"))
    }
}

/// How the fee (jasa) is charged.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ScheduleKind {
    /// The programme's rule: the monthly rate of the original principal,
    /// every month of the term.
    #[default]
    Flat,
    /// Equal principal; each period's fee on the principal outstanding at
    /// its start.
    Declining,
}

impl ScheduleKind {
    pub fn parse(raw: &str) -> Result<ScheduleKind, ParseError> {
        match raw.trim().to_lowercase().as_str() {
            "" | "flat" => Ok(ScheduleKind::Flat),
            "declining" => Ok(ScheduleKind::Declining),
            _ => Err(ParseError(
                text!("unknown_schedule", value = format!("{:?}", raw.trim());
                id: "{value}: jadwalnya flat atau declining (menurun)",
                en: "{value}: the schedule is flat or declining"),
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ScheduleKind::Flat => "flat",
            ScheduleKind::Declining => "declining",
        }
    }
}

/// How often instalments fall due. The term is always in months; the
/// programme asks for instalments "at most monthly".
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Frequency {
    /// Each month on the day of disbursement.
    #[default]
    Monthly,
    /// Every 14 days.
    Fortnightly,
    /// Every 7 days.
    Weekly,
}

impl Frequency {
    pub fn parse(raw: &str) -> Result<Frequency, ParseError> {
        match raw.trim().to_lowercase().as_str() {
            "" | "monthly" => Ok(Frequency::Monthly),
            "fortnightly" => Ok(Frequency::Fortnightly),
            "weekly" => Ok(Frequency::Weekly),
            _ => Err(ParseError(
                text!("unknown_frequency", value = format!("{:?}", raw.trim());
                id: "{value}: angsuran monthly (bulanan), fortnightly (dua mingguan) atau weekly (mingguan)",
                en: "{value}: instalments are monthly, fortnightly or weekly"),
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Frequency::Monthly => "monthly",
            Frequency::Fortnightly => "fortnightly",
            Frequency::Weekly => "weekly",
        }
    }

    /// Days between instalments; none for monthly, which follows the
    /// calendar.
    fn step_days(self) -> Option<i32> {
        match self {
            Frequency::Monthly => None,
            Frequency::Fortnightly => Some(14),
            Frequency::Weekly => Some(7),
        }
    }

    /// How many instalments a term of `months` from `from` holds: the
    /// months themselves, or the whole steps of 7 or 14 days that fit
    /// before the term ends (13 weeks or 6 fortnights in 3 months from
    /// 1 January; 52 weeks or 26 fortnights in a year).
    /// A term with more instalments than a `u16` counts is refused.
    pub fn instalments(self, from: Date, months: u16) -> Result<u16, TooLarge> {
        match self.step_days() {
            None => Ok(months.max(1)),
            Some(step) => {
                let end = plus_months(from, months.max(1) as i32);
                let days = (end - from).get_days();
                u16::try_from(days / step)
                    .map(|n| n.max(1))
                    .map_err(|_| TooLarge("instalments"))
            }
        }
    }

    /// The due date of instalment `k` (1-based).
    fn due(self, from: Date, k: i32) -> Date {
        match self.step_days() {
            None => plus_months(from, k),
            Some(step) => from
                .checked_add((step * k).days())
                .expect("a loan's dates stay in range"),
        }
    }
}

/// One instalment of a schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Instalment {
    /// 1 … the number of instalments.
    pub number: u16,
    #[schemars(with = "String")]
    pub due: Date,
    pub principal: Rupiah,
    pub fee: Rupiah,
}

/// The schedule of a loan of `term_months` with instalments at
/// `frequency`: monthly, instalment k falls due k months after
/// disbursement on the same day of the month (the month's last day when
/// it is shorter); weekly or fortnightly, k × 7 or k × 14 days after it
/// (as many as [`Frequency::instalments`] gives). Principal ÷ the number
/// of instalments rounded down, the remainder in the last. The fee is the
/// monthly rate spread evenly over the instalments — each instalment's
/// share of `term_months × rate` of the principal (flat) or of the
/// principal outstanding at its start (declining), rounded down to the
/// whole rupiah; monthly, exactly `principal × rate` each. A fee or a
/// count of instalments too large to keep is refused.
pub fn schedule(
    disbursed_on: Date,
    principal: Rupiah,
    term_months: u16,
    rate: FeeRate,
    kind: ScheduleKind,
    frequency: Frequency,
) -> Result<Vec<Instalment>, TooLarge> {
    let months = term_months.max(1) as i64;
    let count = frequency.instalments(disbursed_on, term_months)? as i64;
    let each = principal.0 / count;
    let mut outstanding = principal.0;
    (1..=count)
        .map(|k| {
            let due = frequency.due(disbursed_on, k as i32);
            let part = if k == count {
                principal.0 - each * (count - 1)
            } else {
                each
            };
            let base = match kind {
                ScheduleKind::Flat => principal,
                ScheduleKind::Declining => Rupiah(outstanding),
            };
            outstanding -= part;
            Ok(Instalment {
                number: k as u16,
                due,
                principal: Rupiah(part),
                fee: rate.share(base, months, count)?,
            })
        })
        .collect()
}

/// `k` months after a date: the same day of the month, or the month's last
/// day when it is shorter (as `Date + k months` is, without the general
/// span arithmetic: a city's schedules are millions of due dates).
fn plus_months(on: Date, k: i32) -> Date {
    let months = on.month() as i32 - 1 + k;
    let year = on.year() as i32 + months.div_euclid(12);
    let month = (months.rem_euclid(12) + 1) as i8;
    i16::try_from(year)
        .ok()
        .and_then(|y| Date::new(y, month, 1).ok())
        .and_then(|first| Date::new(first.year(), month, on.day().min(first.days_in_month())).ok())
        .unwrap_or_else(|| {
            on.checked_add(k.months())
                .expect("a loan's dates stay in range")
        })
}

/// What payments have covered of one instalment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Allocation {
    pub fee_paid: Rupiah,
    pub principal_paid: Rupiah,
    /// The date of the payment that completed it, if one did.
    pub settled_on: Option<Date>,
}

/// Allocates payments (in date order) to the schedule: the oldest unpaid
/// instalment first, within it the fee before the principal; money beyond
/// what is due covers the next instalments in the same order, so a
/// prepayment lowers the principal outstanding. Returns the allocation of
/// each instalment and what is left over after the whole loan is paid.
pub fn allocate(schedule: &[Instalment], payments: &[(Date, Rupiah)]) -> (Vec<Allocation>, Rupiah) {
    if payments.is_sorted_by_key(|p| p.0) {
        return allocate_in_order(schedule, payments);
    }
    let mut sorted: Vec<(Date, Rupiah)> = payments.to_vec();
    sorted.sort_by_key(|p| p.0);
    allocate_in_order(schedule, &sorted)
}

/// [`allocate`] of payments already in date order.
fn allocate_in_order(
    schedule: &[Instalment],
    payments: &[(Date, Rupiah)],
) -> (Vec<Allocation>, Rupiah) {
    let mut alloc = vec![Allocation::default(); schedule.len()];
    let mut left_over = Rupiah(0);
    let mut next = 0;
    for &(date, amount) in payments {
        let mut money = amount.0;
        while money > 0 && next < schedule.len() {
            let (due, a) = (&schedule[next], &mut alloc[next]);
            let fee = (due.fee.0 - a.fee_paid.0).min(money);
            a.fee_paid.0 += fee;
            money -= fee;
            let principal = (due.principal.0 - a.principal_paid.0).min(money);
            a.principal_paid.0 += principal;
            money -= principal;
            if a.fee_paid == due.fee && a.principal_paid == due.principal {
                a.settled_on = Some(date);
                next += 1;
            }
        }
        left_over.0 += money;
    }
    (alloc, left_over)
}

/// A loan's standing on a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Arrears {
    /// Instalments due on or before the date and not fully paid by the
    /// payments dated on or before it.
    pub missed: u16,
    /// Principal of those instalments not yet repaid.
    pub principal_in_arrears: Rupiah,
    /// Principal disbursed − principal repaid by the date.
    pub outstanding: Rupiah,
    /// Days the oldest missed instalment is overdue (0 when none).
    pub days_overdue: i32,
    /// 1 current, 2 special attention (1–2 missed), 3 and up by the
    /// thresholds (≥ 3 missed at the default).
    pub quality_class: u8,
}

/// The loan's arrears as of `as_of`, ignoring payments after it.
/// `class_thresholds` are the missed-instalment counts that start classes
/// 3, 4, … (default `[3]`).
pub fn arrears(
    schedule: &[Instalment],
    payments: &[(Date, Rupiah)],
    as_of: Date,
    class_thresholds: &[u16],
) -> Arrears {
    // Payments cover the oldest instalment first, within it the fee before
    // the principal, and a payment of nothing covers nothing: what the
    // payments up to the date cover depends only on their sum, so no
    // allocation is made (a city's report judges millions of loans, its
    // trend a dozen times over).
    let known = |p: &&(Date, Rupiah)| p.0 <= as_of;
    let covering = |p: &(Date, Rupiah)| i128::from(p.1 .0.max(0));
    let mut money: i128 = if payments.is_sorted_by_key(|p| p.0) {
        payments[..payments.partition_point(|p| p.0 <= as_of)]
            .iter()
            .map(covering)
            .sum()
    } else {
        payments.iter().filter(known).map(covering).sum()
    };
    let (mut principal, mut repaid, mut in_arrears) = (0i128, 0i128, 0i128);
    let mut missed = 0u16;
    let mut oldest: Option<Date> = None;
    for i in schedule {
        let (fee, owed) = (i128::from(i.fee.0), i128::from(i.principal.0));
        let fee_paid = fee.min(money);
        money -= fee_paid;
        let principal_paid = owed.min(money);
        money -= principal_paid;
        principal += owed;
        repaid += principal_paid;
        if i.due <= as_of && (fee_paid != fee || principal_paid != owed) {
            missed += 1;
            in_arrears += owed - principal_paid;
            oldest.get_or_insert(i.due);
        }
    }
    // A schedule's principal fits (it was lent): so do its parts.
    let rupiah = |v: i128| Rupiah(i64::try_from(v).expect("within the principal lent"));
    Arrears {
        missed,
        principal_in_arrears: rupiah(in_arrears),
        outstanding: rupiah(principal - repaid),
        days_overdue: oldest.map_or(0, |d| (as_of - d).get_days()),
        quality_class: quality_class(missed, class_thresholds),
    }
}

/// 1 when nothing is missed, 2 for the first missed instalments, one more
/// for each threshold reached.
fn quality_class(missed: u16, class_thresholds: &[u16]) -> u8 {
    if missed == 0 {
        1
    } else {
        2 + class_thresholds.iter().filter(|t| missed >= **t).count() as u8
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use proptest::prelude::*;

    /// What [`arrears`] computed by allocating each payment in turn, as it
    /// did before it summed them: the reference it must equal.
    fn arrears_by_allocation(
        schedule: &[Instalment],
        payments: &[(Date, Rupiah)],
        as_of: Date,
        class_thresholds: &[u16],
    ) -> Arrears {
        let known: Vec<(Date, Rupiah)> =
            payments.iter().copied().filter(|p| p.0 <= as_of).collect();
        let (alloc, _) = allocate(schedule, &known);
        let principal: i64 = schedule.iter().map(|i| i.principal.0).sum();
        let repaid: i64 = alloc.iter().map(|a| a.principal_paid.0).sum();
        let mut missed = 0u16;
        let mut in_arrears = 0i64;
        let mut oldest: Option<Date> = None;
        for (i, a) in schedule.iter().zip(&alloc) {
            if i.due <= as_of && (a.fee_paid != i.fee || a.principal_paid != i.principal) {
                missed += 1;
                in_arrears += i.principal.0 - a.principal_paid.0;
                oldest.get_or_insert(i.due);
            }
        }
        Arrears {
            missed,
            principal_in_arrears: Rupiah(in_arrears),
            outstanding: Rupiah(principal - repaid),
            days_overdue: oldest.map_or(0, |d| (as_of - d).get_days()),
            quality_class: quality_class(missed, class_thresholds),
        }
    }

    proptest! {
        #[test]
        fn arrears_from_the_sum_paid_are_those_of_the_allocation(
            principal in 0i64..50_000_000,
            term in 1u16..25,
            kind in prop_oneof![Just(ScheduleKind::Flat), Just(ScheduleKind::Declining)],
            weekly in any::<bool>(),
            payments in proptest::collection::vec((0i32..800, -50_000i64..3_000_000), 0..40),
            as_of in 0i32..900,
            sorted in any::<bool>(),
        ) {
            let start = date(2024, 1, 31);
            let frequency = if weekly { Frequency::Weekly } else { Frequency::Monthly };
            let s = schedule(start, Rupiah(principal), term, rate("0.015"), kind, frequency).unwrap();
            let mut payments: Vec<(Date, Rupiah)> = payments
                .into_iter()
                .map(|(d, a)| (start.checked_add(d.days()).unwrap(), Rupiah(a)))
                .collect();
            if sorted {
                payments.sort_by_key(|p| p.0);
            }
            let on = start.checked_add(as_of.days()).unwrap();
            prop_assert_eq!(
                arrears(&s, &payments, on, &[3, 6]),
                arrears_by_allocation(&s, &payments, on, &[3, 6])
            );
        }
    }

    fn rate(r: &str) -> FeeRate {
        FeeRate::parse(r).unwrap()
    }

    #[test]
    fn the_programmes_worked_example() {
        // Rp 5,000,000 over 24 months: Rp 208,333 principal + Rp 75,000 fee a month.
        let s = schedule(
            date(2024, 1, 15),
            Rupiah(5_000_000),
            24,
            rate("0.015"),
            ScheduleKind::Flat,
            Frequency::Monthly,
        )
        .unwrap();
        assert_eq!(s.len(), 24);
        assert_eq!(
            (s[0].principal, s[0].fee),
            (Rupiah(208_333), Rupiah(75_000))
        );
        assert_eq!(
            s[23].principal,
            Rupiah(5_000_000 - 208_333 * 23),
            "the remainder in the last"
        );
        assert_eq!(s[0].due, date(2024, 2, 15));
    }

    #[test]
    fn due_dates_keep_the_day_or_take_the_months_last() {
        let s = schedule(
            date(2024, 1, 31),
            Rupiah(300_000),
            3,
            rate("0.015"),
            ScheduleKind::Flat,
            Frequency::Monthly,
        )
        .unwrap();
        let dues: Vec<_> = s.iter().map(|i| i.due).collect();
        assert_eq!(
            dues,
            vec![date(2024, 2, 29), date(2024, 3, 31), date(2024, 4, 30)]
        );
    }

    #[test]
    fn declining_fees_follow_the_principal_outstanding() {
        let s = schedule(
            date(2024, 1, 1),
            Rupiah(1_000_000),
            4,
            rate("0.015"),
            ScheduleKind::Declining,
            Frequency::Monthly,
        )
        .unwrap();
        let fees: Vec<_> = s.iter().map(|i| i.fee.0).collect();
        assert_eq!(fees, vec![15_000, 11_250, 7_500, 3_750]);
    }

    #[test]
    fn payments_cover_the_oldest_instalment_fee_first() {
        let s = schedule(
            date(2024, 1, 1),
            Rupiah(300_000),
            3,
            rate("0.015"),
            ScheduleKind::Flat,
            Frequency::Monthly,
        )
        .unwrap();
        // Each instalment: 100,000 principal + 4,500 fee.
        let (a, left) = allocate(&s, &[(date(2024, 2, 1), Rupiah(50_000))]);
        assert_eq!(
            (a[0].fee_paid, a[0].principal_paid),
            (Rupiah(4_500), Rupiah(45_500))
        );
        assert_eq!(left, Rupiah(0));
        // A prepayment covers the next instalment, lowering the principal outstanding.
        let (a, _) = allocate(&s, &[(date(2024, 2, 1), Rupiah(150_000))]);
        assert_eq!(a[0].settled_on, Some(date(2024, 2, 1)));
        assert_eq!(
            (a[1].fee_paid, a[1].principal_paid),
            (Rupiah(4_500), Rupiah(41_000))
        );
        let (_, left) = allocate(&s, &[(date(2024, 2, 1), Rupiah(400_000))]);
        assert_eq!(left, Rupiah(400_000 - 313_500));
    }

    #[test]
    fn arrears_count_missed_instalments_and_ignore_later_payments() {
        let s = schedule(
            date(2024, 1, 10),
            Rupiah(600_000),
            6,
            rate("0.015"),
            ScheduleKind::Flat,
            Frequency::Monthly,
        )
        .unwrap();
        let each = 100_000 + 9_000;
        let paid = [
            (date(2024, 2, 10), Rupiah(each)),
            (date(2024, 7, 1), Rupiah(each * 3)),
        ];
        let on = |d| arrears(&s, &paid, d, &[3]);
        assert_eq!(
            on(date(2024, 2, 10)).quality_class,
            1,
            "the first paid on its due date"
        );
        let may = on(date(2024, 5, 11));
        assert_eq!(
            (may.missed, may.quality_class),
            (3, 3),
            "March, April and May missed"
        );
        assert_eq!(may.principal_in_arrears, Rupiah(300_000));
        assert_eq!(may.outstanding, Rupiah(500_000));
        assert_eq!(may.days_overdue, 62, "since 10 March");
        let april = on(date(2024, 4, 10));
        assert_eq!((april.missed, april.quality_class), (2, 2));
        let july = on(date(2024, 7, 1));
        assert_eq!(
            july.missed, 1,
            "the catch-up covers three; June still missed"
        );
        assert_eq!(on(date(2024, 7, 1)).quality_class, 2);
        assert_eq!(
            arrears(&s, &paid, date(2024, 5, 11), &[3, 5]).quality_class,
            3
        );
    }

    #[test]
    fn weekly_and_fortnightly_instalments_fit_the_term() {
        let from = date(2024, 1, 1);
        // 1 January + 3 months = 1 April: 91 days, 13 weeks, 6 fortnights.
        let weekly = schedule(
            from,
            Rupiah(1_300_000),
            3,
            rate("0.015"),
            ScheduleKind::Flat,
            Frequency::Weekly,
        )
        .unwrap();
        assert_eq!(weekly.len(), 13);
        assert_eq!(weekly[0].due, date(2024, 1, 8));
        assert_eq!(weekly[12].due, date(2024, 4, 1));
        assert!(weekly.iter().all(|i| i.principal == Rupiah(100_000)));
        // Three months of fee (3 × 19,500 = 58,500) spread over 13 weeks.
        assert!(weekly.iter().all(|i| i.fee == Rupiah(4_500)));
        let fortnightly = schedule(
            from,
            Rupiah(1_000_000),
            3,
            rate("0.015"),
            ScheduleKind::Flat,
            Frequency::Fortnightly,
        )
        .unwrap();
        assert_eq!(fortnightly.len(), 6);
        assert_eq!(fortnightly[5].due, date(2024, 3, 25));
        assert_eq!(
            (fortnightly[0].principal, fortnightly[5].principal),
            (Rupiah(166_666), Rupiah(1_000_000 - 166_666 * 5)),
            "the remainder in the last"
        );
        assert_eq!(fortnightly[0].fee, Rupiah(7_500), "45,000 over 6, exactly");
        let year = Frequency::Weekly.instalments(date(2025, 3, 1), 12).unwrap();
        assert_eq!(year, 52);
        assert_eq!(
            Frequency::Fortnightly.instalments(date(2025, 3, 1), 12),
            Ok(26)
        );
        assert_eq!(Frequency::Monthly.instalments(date(2025, 3, 1), 12), Ok(12));
    }

    #[test]
    fn declining_weekly_fees_follow_the_principal_outstanding() {
        let s = schedule(
            date(2024, 1, 1),
            Rupiah(1_300_000),
            3,
            rate("0.015"),
            ScheduleKind::Declining,
            Frequency::Weekly,
        )
        .unwrap();
        // Each week's rate is 3 months' × 1.5% ÷ 13 of what is outstanding.
        assert_eq!(s[0].fee, Rupiah(4_500));
        assert_eq!(s[1].fee, Rupiah(4_153), "1,200,000 × 0.045 ÷ 13 = 4,153.8");
        assert_eq!(s[12].fee, Rupiah(346), "100,000 × 0.045 ÷ 13 = 346.1");
    }

    #[test]
    fn kinds_and_frequencies_parse_as_written() {
        assert_eq!(
            ScheduleKind::parse(" Declining").unwrap(),
            ScheduleKind::Declining
        );
        assert_eq!(ScheduleKind::parse("").unwrap(), ScheduleKind::Flat);
        assert!(ScheduleKind::parse("balloon").is_err());
        for f in [
            Frequency::Monthly,
            Frequency::Fortnightly,
            Frequency::Weekly,
        ] {
            assert_eq!(Frequency::parse(f.as_str()).unwrap(), f);
        }
        assert_eq!(Frequency::parse("").unwrap(), Frequency::Monthly);
        assert!(Frequency::parse("daily").unwrap_err().0.contains("weekly"));
    }

    #[test]
    fn rates_parse_exactly() {
        assert_eq!(rate("0.015").of(Rupiah(1_000_000)), Rupiah(15_000));
        assert_eq!(
            rate("0.015").of(Rupiah(333)),
            Rupiah(4),
            "4.995 rounds down"
        );
        assert!(FeeRate::parse("1.5%").is_err());
        assert!(FeeRate::parse("2").is_err());
        // Regression: these wrapped to -100% and 0% a month.
        for wraps in ["36028797018963967.000000000", "36028797018963968.000000000"] {
            let err = FeeRate::parse(wraps).unwrap_err();
            assert!(err.0.english().contains("above 100%"), "{err:?}");
        }
        assert_eq!(rate("1").text(), "1", "100% is the most");
        assert_eq!(rate("0.015").text(), "0.015");
        assert_eq!(
            FeeRate::parse(&rate("0.0125").text()).unwrap(),
            rate("0.0125")
        );
    }

    proptest! {
        #[test]
        fn schedules_repay_the_principal_exactly(p in 1i64..100_000_000, term in 1u16..=36, declining in any::<bool>(),
                frequency in prop_oneof![Just(Frequency::Monthly), Just(Frequency::Fortnightly), Just(Frequency::Weekly)]) {
            let kind = if declining { ScheduleKind::Declining } else { ScheduleKind::Flat };
            let from = date(2024, 1, 31);
            let s = schedule(from, Rupiah(p), term, rate("0.015"), kind, frequency).unwrap();
            prop_assert_eq!(s.iter().map(|i| i.principal.0).sum::<i64>(), p);
            prop_assert!(s.windows(2).all(|w| w[0].due < w[1].due));
            // Never past the term's end, and the flat fee never above the
            // monthly rule's total.
            prop_assert!(s.last().unwrap().due <= plus_months(from, term as i32));
            if kind == ScheduleKind::Flat {
                let fees: i64 = s.iter().map(|i| i.fee.0).sum();
                prop_assert!(fees <= rate("0.015").share(Rupiah(p), term as i64, 1).unwrap().0);
            }
        }

        #[test]
        fn due_dates_are_what_date_arithmetic_gives(days in -700_000i32..700_000, k in 0i32..400) {
            let on = date(2000, 1, 1).checked_add(days.days()).unwrap();
            prop_assert_eq!(plus_months(on, k), on.checked_add(k.months()).unwrap());
        }

        #[test]
        fn allocation_neither_creates_nor_loses_money(p in 1_000i64..10_000_000, term in 1u16..=12,
                amounts in proptest::collection::vec(0i64..5_000_000, 0..10)) {
            let s = schedule(date(2024, 1, 1), Rupiah(p), term, rate("0.015"), ScheduleKind::Flat, Frequency::Monthly).unwrap();
            let payments: Vec<_> = amounts.iter().enumerate().map(|(i, a)| (date(2024, 1, 1 + i as i8), Rupiah(*a))).collect();
            let (alloc, left) = allocate(&s, &payments);
            let allocated: i64 = alloc.iter().map(|a| a.fee_paid.0 + a.principal_paid.0).sum();
            prop_assert_eq!(allocated + left.0, amounts.iter().sum::<i64>());
            for (a, i) in alloc.iter().zip(&s) {
                prop_assert!(a.fee_paid <= i.fee && a.principal_paid <= i.principal);
                prop_assert!(a.principal_paid.0 == 0 || a.fee_paid == i.fee, "fee before principal");
            }
        }
    }
}
