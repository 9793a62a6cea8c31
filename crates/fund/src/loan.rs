//! One loan: its schedule, the allocation of its repayments, its arrears.

use jiff::civil::Date;
use jiff::ToSpan;
use lumbung_domain::ParseError;
use serde::Serialize;
use std::fmt;

/// Whole rupiah: the UPK's books carry no smaller unit.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct Rupiah(pub i64);

impl fmt::Display for Rupiah {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
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
            return Err(ParseError(format!(
                "{raw:?} is not a monthly rate such as 0.015"
            )));
        }
        let den = 10i64.pow(frac.len() as u32);
        let int: i64 = if int.is_empty() {
            0
        } else {
            int.parse()
                .map_err(|_| ParseError(format!("{raw:?} is too large")))?
        };
        let frac: i64 = if frac.is_empty() {
            0
        } else {
            frac.parse().expect("digits")
        };
        let num = int * den + frac;
        if num > den {
            return Err(ParseError(format!(
                "{raw:?}: a monthly rate above 100% is surely a mistake"
            )));
        }
        Ok(FeeRate { num, den })
    }

    /// `amount × rate`, rounded down to the whole rupiah (the rule).
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

    pub fn of(self, amount: Rupiah) -> Rupiah {
        Rupiah(((amount.0 as i128 * self.num as i128) / self.den as i128) as i64)
    }
}

/// How the fee (jasa) is charged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScheduleKind {
    /// The programme's rule: the monthly rate of the original principal,
    /// every instalment.
    Flat,
    /// Equal principal; each period's fee on the principal outstanding at
    /// its start.
    Declining,
}

/// One instalment of a schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Instalment {
    /// 1 … term.
    pub number: u16,
    pub due: Date,
    pub principal: Rupiah,
    pub fee: Rupiah,
}

/// The schedule of a loan: instalment k falls due k months after
/// disbursement on the same day of the month (the month's last day when it
/// is shorter); principal ÷ term rounded down, the remainder in the last;
/// the fee by `kind`, rounded down to the whole rupiah.
pub fn schedule(
    disbursed_on: Date,
    principal: Rupiah,
    term_months: u16,
    rate: FeeRate,
    kind: ScheduleKind,
) -> Vec<Instalment> {
    let term = term_months.max(1) as i64;
    let each = principal.0 / term;
    let mut outstanding = principal.0;
    (1..=term)
        .map(|k| {
            let due = plus_months(disbursed_on, k as i32);
            let part = if k == term {
                principal.0 - each * (term - 1)
            } else {
                each
            };
            let fee = match kind {
                ScheduleKind::Flat => rate.of(principal),
                ScheduleKind::Declining => rate.of(Rupiah(outstanding)),
            };
            outstanding -= part;
            Instalment {
                number: k as u16,
                due,
                principal: Rupiah(part),
                fee,
            }
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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
    let (alloc, _) = if payments.is_sorted_by_key(|p| p.0) {
        allocate_in_order(
            schedule,
            &payments[..payments.partition_point(|p| p.0 <= as_of)],
        )
    } else {
        let known: Vec<(Date, Rupiah)> =
            payments.iter().copied().filter(|p| p.0 <= as_of).collect();
        allocate(schedule, &known)
    };
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
    let quality_class = if missed == 0 {
        1
    } else {
        2 + class_thresholds.iter().filter(|t| missed >= **t).count() as u8
    };
    Arrears {
        missed,
        principal_in_arrears: Rupiah(in_arrears),
        outstanding: Rupiah(principal - repaid),
        days_overdue: oldest.map_or(0, |d| (as_of - d).get_days()),
        quality_class,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use proptest::prelude::*;

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
        );
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
        );
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
        );
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
        );
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
        );
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
    fn rates_parse_exactly() {
        assert_eq!(rate("0.015").of(Rupiah(1_000_000)), Rupiah(15_000));
        assert_eq!(
            rate("0.015").of(Rupiah(333)),
            Rupiah(4),
            "4.995 rounds down"
        );
        assert!(FeeRate::parse("1.5%").is_err());
        assert!(FeeRate::parse("2").is_err());
        assert_eq!(rate("0.015").text(), "0.015");
        assert_eq!(
            FeeRate::parse(&rate("0.0125").text()).unwrap(),
            rate("0.0125")
        );
    }

    proptest! {
        #[test]
        fn schedules_repay_the_principal_exactly(p in 1i64..100_000_000, term in 1u16..=36, declining in any::<bool>()) {
            let kind = if declining { ScheduleKind::Declining } else { ScheduleKind::Flat };
            let s = schedule(date(2024, 1, 31), Rupiah(p), term, rate("0.015"), kind);
            prop_assert_eq!(s.iter().map(|i| i.principal.0).sum::<i64>(), p);
            prop_assert!(s.windows(2).all(|w| w[0].due < w[1].due));
        }

        #[test]
        fn due_dates_are_what_date_arithmetic_gives(days in -700_000i32..700_000, k in 0i32..400) {
            let on = date(2000, 1, 1).checked_add(days.days()).unwrap();
            prop_assert_eq!(plus_months(on, k), on.checked_add(k.months()).unwrap());
        }

        #[test]
        fn allocation_neither_creates_nor_loses_money(p in 1_000i64..10_000_000, term in 1u16..=12,
                amounts in proptest::collection::vec(0i64..5_000_000, 0..10)) {
            let s = schedule(date(2024, 1, 1), Rupiah(p), term, rate("0.015"), ScheduleKind::Flat);
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
