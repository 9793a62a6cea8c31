//! A disbursed loan's servicing: a repayment, its reversal, a rescheduling
//! and a write-off, each decided on the loan's book. Pure decisions; the
//! store loads the book, posts what these return and saves the row.

use crate::journal::Account;
use crate::loan::{sum, Rupiah, TooLarge};
use crate::report::LoanBook;
use crate::settings::{AboveMax, Settings};
use jiff::civil::Date;
use lumbung_domain::{text, RepaymentId, Text};

/// What needs a reason to be recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Reversal,
    Rescheduling,
    WriteOff,
}

/// Why a servicing step is refused; `field()` names the input at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// A repayment of zero or less.
    NotPositive,
    /// An amount above the UPK's bound on one movement.
    AboveMax(AboveMax),
    /// A total that no longer fits.
    TooLarge(TooLarge),
    NoReason(Action),
    BeforeDisbursal {
        paid_on: Date,
        disbursed_on: Date,
    },
    /// The loan was written off; `field` is the input that named it.
    WrittenOff {
        field: &'static str,
        loan: String,
        on: Date,
    },
    NotAfterRescheduling {
        paid_on: Date,
        rescheduled_on: Date,
    },
    ReversedAlready(RepaymentId),
    PaidBeforeRescheduling,
    TermOutside {
        term: u16,
        min: u16,
        max: u16,
    },
    WrittenOffNotRescheduled,
    RescheduleOrder,
    WrittenOffAlready(String),
    WriteOffOrder,
    PaymentAfter {
        paid_on: Date,
        on: Date,
    },
    NothingLeft {
        loan: String,
        action: Action,
    },
    /// A provision as of `as_of` when the reserve moved later, on `latest`.
    ReserveMovedLater {
        as_of: Date,
        latest: Date,
    },
}

impl From<TooLarge> for Refused {
    fn from(e: TooLarge) -> Refused {
        Refused::TooLarge(e)
    }
}

impl Refused {
    pub fn field(&self) -> &'static str {
        match self {
            Refused::NotPositive | Refused::AboveMax(_) | Refused::TooLarge(_) => "amount",
            Refused::NoReason(_) => "reason",
            Refused::BeforeDisbursal { .. } | Refused::NotAfterRescheduling { .. } => "paid_on",
            Refused::WrittenOff { field, .. } => field,
            Refused::ReversedAlready(_) | Refused::PaidBeforeRescheduling => "repayment",
            Refused::TermOutside { .. } => "term_months",
            Refused::WrittenOffNotRescheduled
            | Refused::WrittenOffAlready(_)
            | Refused::NothingLeft { .. } => "loan_id",
            Refused::RescheduleOrder
            | Refused::WriteOffOrder
            | Refused::PaymentAfter { .. }
            | Refused::ReserveMovedLater { .. } => "on",
        }
    }

    /// The refusal in both languages.
    pub fn text(&self) -> Text {
        match self {
            Refused::NotPositive => text!("repayment_not_positive";
                id: "pembayaran harus lebih dari nol (koreksi dilakukan dengan pembatalan)",
                en: "a repayment must be more than zero (a correction is a reversal)"),
            Refused::AboveMax(e) => e.text(),
            Refused::TooLarge(e) => e.text(),
            Refused::NoReason(Action::Reversal) => text!("reversal_needs_reason";
                id: "pembatalan perlu alasan",
                en: "a reversal needs a reason"),
            Refused::NoReason(Action::Rescheduling) => text!("rescheduling_needs_reason";
                id: "penjadwalan ulang perlu alasan",
                en: "a rescheduling needs a reason"),
            Refused::NoReason(Action::WriteOff) => text!("write_off_needs_reason";
                id: "penghapusbukuan perlu alasan",
                en: "a write-off needs a reason"),
            Refused::BeforeDisbursal {
                paid_on,
                disbursed_on,
            } => text!("paid_before_disbursal",
                paid_on = paid_on, disbursed_on = disbursed_on;
                id: "{paid_on} sebelum pinjaman dicairkan ({disbursed_on})",
                en: "{paid_on} is before the loan was disbursed ({disbursed_on})"),
            Refused::WrittenOff { loan, on, .. } => text!("loan_written_off", loan = loan, on = on;
                id: "pinjaman {loan} dihapusbukukan pada {on}",
                en: "loan {loan} was written off on {on}"),
            Refused::NotAfterRescheduling {
                paid_on,
                rescheduled_on,
            } => text!("paid_not_after_rescheduling",
                paid_on = paid_on, on = rescheduled_on;
                id: "{paid_on} sama dengan atau sebelum penjadwalan ulang pinjaman pada {on}",
                en: "{paid_on} is on or before the loan's rescheduling on {on}"),
            Refused::ReversedAlready(id) => text!("repayment_reversed_already", repayment = id;
                id: "pembayaran {repayment} sudah dibatalkan",
                en: "repayment {repayment} is reversed already"),
            Refused::PaidBeforeRescheduling => text!("paid_before_rescheduling_stays";
                id: "pembayaran sebelum penjadwalan ulang pinjaman tetap berlaku: sisa pokoknya dihitung dengan pembayaran itu",
                en: "a payment made before the loan's rescheduling stays: its remaining principal was settled on it"),
            Refused::TermOutside { term, min, max } => {
                text!("term_outside", term = term, min = min, max = max;
                id: "jangka waktu {term} bulan di luar {min}–{max}",
                en: "a term of {term} months is outside {min}–{max}")
            }
            Refused::WrittenOffNotRescheduled => text!("written_off_not_rescheduled";
                id: "pinjaman yang sudah dihapusbukukan tidak dijadwalkan ulang",
                en: "a written-off loan is not rescheduled"),
            Refused::RescheduleOrder => text!("rescheduling_order";
                id: "penjadwalan ulang harus sesudah pencairan dan sesudah penjadwalan ulang sebelumnya",
                en: "a rescheduling follows the disbursement and any earlier rescheduling"),
            Refused::WrittenOffAlready(loan) => text!("loan_written_off_already", loan = loan;
                id: "pinjaman {loan} sudah dihapusbukukan",
                en: "loan {loan} is written off already"),
            Refused::WriteOffOrder => text!("write_off_order";
                id: "penghapusbukuan harus sesudah pencairan dan sesudah setiap penjadwalan ulang",
                en: "a write-off follows the disbursement and any rescheduling"),
            Refused::PaymentAfter { paid_on, on } => {
                text!("payment_after", paid_on = paid_on, on = on;
                id: "ada pembayaran bertanggal {paid_on}, sesudah {on}",
                en: "a payment is dated {paid_on} after {on}")
            }
            Refused::NothingLeft {
                loan,
                action: Action::WriteOff,
            } => text!("nothing_to_write_off", loan = loan;
                id: "pinjaman {loan} tidak punya sisa untuk dihapusbukukan",
                en: "loan {loan} has nothing left to write off"),
            Refused::NothingLeft { loan, .. } => text!("nothing_to_reschedule", loan = loan;
                id: "pinjaman {loan} tidak punya sisa untuk dijadwalkan ulang",
                en: "loan {loan} has nothing left to reschedule"),
            Refused::ReserveMovedLater { as_of, latest } => {
                text!("reserve_moved_later", as_of = as_of, latest = latest;
                id: "cadangan kerugian pinjaman sudah bergerak pada {latest}, sesudah {as_of}: bentuk cadangan per {latest} atau sesudahnya",
                en: "the loan-loss reserve moved on {latest}, after {as_of}: provision as of {latest} or later")
            }
        }
    }
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.text().english())
    }
}

impl std::error::Error for Refused {}

/// What a payment changes in the loan's books: the principal, fee and
/// money beyond the loan that the allocation of all payments covers with
/// it, less without it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Split {
    pub principal: i64,
    pub fee: i64,
    pub left_over: i64,
}

impl Split {
    fn between(before: (i64, i64, i64), after: (i64, i64, i64)) -> Split {
        Split {
            principal: after.0 - before.0,
            fee: after.1 - before.1,
            left_over: after.2 - before.2,
        }
    }
}

/// The reason given, trimmed; an empty one is refused.
pub fn reason(action: Action, reason: &str) -> Result<&str, Refused> {
    match reason.trim() {
        "" => Err(Refused::NoReason(action)),
        r => Ok(r),
    }
}

/// Adds a repayment of `amount` on `paid_on` to the book of loan `loan`:
/// more than zero, within the UPK's bound, after the disbursal and any
/// rescheduling, never on a written-off loan. Returns where it went among
/// the book's payments (to take it back when its key was posted before)
/// and what it covers.
pub fn repay(
    book: &mut LoanBook,
    settings: &Settings,
    loan: &str,
    paid_on: Date,
    amount: Rupiah,
) -> Result<(usize, Split), Refused> {
    if amount.0 <= 0 {
        return Err(Refused::NotPositive);
    }
    settings
        .movement("amount", amount)
        .map_err(Refused::AboveMax)?;
    if paid_on < book.disbursed_on {
        return Err(Refused::BeforeDisbursal {
            paid_on,
            disbursed_on: book.disbursed_on,
        });
    }
    if let Some((on, _)) = book.written_off {
        return Err(Refused::WrittenOff {
            field: "loan_id",
            loan: loan.to_owned(),
            on,
        });
    }
    if let Some(r) = book.rescheduled.last() {
        if paid_on <= r.on {
            return Err(Refused::NotAfterRescheduling {
                paid_on,
                rescheduled_on: r.on,
            });
        }
    }
    let before = book.totals()?;
    let at = book.payments.partition_point(|p| p.0 <= paid_on);
    book.payments.insert(at, (paid_on, amount));
    // The allocation adds the loan's payments up: refused if they no
    // longer fit, before they are split.
    let after = sum("repayments", book.payments.iter().map(|p| p.1 .0)).and_then(|_| book.totals());
    match after {
        Ok(after) => Ok((at, Split::between(before, after))),
        Err(e) => {
            book.payments.remove(at);
            Err(e.into())
        }
    }
}

/// Takes repayment `id` (`amount` paid on `paid_on`, `reversed` already
/// or not) out of the book of loan `loan`: never on a written-off loan,
/// never a payment the loan's rescheduling settled on. Returns what it
/// had covered.
pub fn reverse(
    book: &mut LoanBook,
    loan: &str,
    id: RepaymentId,
    reversed: bool,
    paid_on: Date,
    amount: Rupiah,
) -> Result<Split, Refused> {
    if reversed {
        return Err(Refused::ReversedAlready(id));
    }
    if let Some((on, _)) = book.written_off {
        return Err(Refused::WrittenOff {
            field: "repayment",
            loan: loan.to_owned(),
            on,
        });
    }
    if book.rescheduled.last().is_some_and(|r| paid_on <= r.on) {
        return Err(Refused::PaidBeforeRescheduling);
    }
    let with = book.totals()?;
    let at = book
        .payments
        .iter()
        .position(|p| *p == (paid_on, amount))
        .expect("a repayment not reversed is in its book");
    book.payments.remove(at);
    let without = book.totals()?;
    Ok(Split::between(without, with))
}

/// The principal a rescheduling of loan `loan` on `on` over
/// `term_months` spreads: the term within the UPK's, after the
/// disbursal and any earlier rescheduling, no payment dated after `on`,
/// something left to pay, never a written-off loan.
pub fn reschedule(
    book: &LoanBook,
    settings: &Settings,
    loan: &str,
    on: Date,
    term_months: u16,
) -> Result<i64, Refused> {
    if !(settings.term_min..=settings.term_max).contains(&term_months) {
        return Err(Refused::TermOutside {
            term: term_months,
            min: settings.term_min,
            max: settings.term_max,
        });
    }
    if book.written_off.is_some() {
        return Err(Refused::WrittenOffNotRescheduled);
    }
    if on < book.disbursed_on || book.rescheduled.last().is_some_and(|r| on <= r.on) {
        return Err(Refused::RescheduleOrder);
    }
    no_payment_after(book, on)?;
    let remaining = book.standing(on, &[]).map_or(0, |a| a.outstanding.0);
    if remaining <= 0 {
        return Err(Refused::NothingLeft {
            loan: loan.to_owned(),
            action: Action::Rescheduling,
        });
    }
    Ok(remaining)
}

/// The change that brings a UPK's loan-loss reserve to `needed` as of
/// `as_of`, where it held `held` at the end of that day: refused when the
/// reserve moved after `as_of` (last on `latest`), which the change would
/// count a second time.
pub fn provision(
    needed: i64,
    held: i64,
    as_of: Date,
    latest: Option<Date>,
) -> Result<i64, Refused> {
    if let Some(latest) = latest.filter(|l| *l > as_of) {
        return Err(Refused::ReserveMovedLater { as_of, latest });
    }
    Ok(needed.checked_sub(held).ok_or(TooLarge("reserve"))?)
}

/// The principal a write-off of loan `loan` on `on` takes off the books:
/// everything paid counts, whatever its date; after the disbursal and any
/// rescheduling, no payment dated after `on`, once.
pub fn write_off(book: &LoanBook, loan: &str, on: Date) -> Result<i64, Refused> {
    if book.written_off.is_some() {
        return Err(Refused::WrittenOffAlready(loan.to_owned()));
    }
    if on < book.disbursed_on || book.rescheduled.last().is_some_and(|r| on < r.on) {
        return Err(Refused::WriteOffOrder);
    }
    no_payment_after(book, on)?;
    let (paid, _, _) = book.totals()?;
    let principal = sum("principal", book.schedule.iter().map(|i| i.principal.0))?
        .checked_sub(paid)
        .ok_or(TooLarge("principal"))?;
    if principal <= 0 {
        return Err(Refused::NothingLeft {
            loan: loan.to_owned(),
            action: Action::WriteOff,
        });
    }
    Ok(principal)
}

/// How a write-off is booked: the principal leaves the KSM's receivable,
/// first against the loan-loss reserve the UPK holds; a shortfall is
/// provisioned as an expense in the same entry, so the reserve never turns
/// negative.
pub fn write_off_lines(ksm: i64, principal: i64, reserve_held: i64) -> [(Account, i64); 3] {
    let from_reserve = principal.min(reserve_held.max(0));
    [
        (Account::LoanLossReserve, from_reserve),
        (Account::ReserveExpense, principal - from_reserve),
        (Account::LoansReceivable(ksm), -principal),
    ]
}

fn no_payment_after(book: &LoanBook, on: Date) -> Result<(), Refused> {
    match book.payments.last().filter(|p| p.0 > on) {
        Some(last) => Err(Refused::PaymentAfter {
            paid_on: last.0,
            on,
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loan::{schedule, FeeRate, Frequency, ScheduleKind};
    use crate::report::Rescheduled;
    use jiff::civil::date;

    /// Rp 1,000,000 over 10 months at 1.5% flat from 31 January 2024.
    fn book() -> LoanBook {
        LoanBook {
            upk: "UPK".into(),
            upk_id: lumbung_domain::UpkId::new(1),
            ksm: lumbung_domain::KsmId::new(2),
            disbursed_on: date(2024, 1, 31),
            schedule: schedule(
                date(2024, 1, 31),
                Rupiah(1_000_000),
                10,
                FeeRate::parse("0.015").unwrap(),
                ScheduleKind::Flat,
                Frequency::Monthly,
            )
            .unwrap(),
            payments: Vec::new(),
            rescheduled: Vec::new(),
            written_off: None,
        }
    }

    fn refused<T: std::fmt::Debug>(r: Result<T, Refused>) -> (&'static str, String) {
        let e = r.unwrap_err();
        (e.field(), e.to_string())
    }

    #[test]
    fn a_repayment_pays_fee_then_principal_and_keeps_the_payments_in_order() {
        let mut b = book();
        let s = Settings::default();
        let (at, split) = repay(&mut b, &s, "L-1", date(2024, 3, 1), Rupiah(115_000)).unwrap();
        assert_eq!(at, 0);
        assert_eq!(split.principal + split.fee + split.left_over, 115_000);
        assert_eq!(split.fee, 15_000);
        let (at, _) = repay(&mut b, &s, "L-1", date(2024, 2, 28), Rupiah(1)).unwrap();
        assert_eq!(at, 0, "an earlier payment goes first");
        assert_eq!(b.payments.len(), 2);
    }

    #[test]
    fn a_repayment_is_refused_before_the_loan_or_after_it_ended() {
        let s = Settings::default();
        let on = date(2024, 3, 1);
        assert_eq!(
            refused(repay(&mut book(), &s, "L-1", on, Rupiah(0))),
            (
                "amount",
                "a repayment must be more than zero (a correction is a reversal)".into()
            )
        );
        assert!(matches!(
            repay(&mut book(), &s, "L-1", on, Rupiah(s.max_movement.0 + 1)),
            Err(Refused::AboveMax(_))
        ));
        assert_eq!(
            refused(repay(&mut book(), &s, "L-1", date(2024, 1, 30), Rupiah(5))),
            (
                "paid_on",
                "2024-01-30 is before the loan was disbursed (2024-01-31)".into()
            )
        );
        let mut written = book();
        written.written_off = Some((date(2024, 2, 15), Rupiah(1)));
        assert_eq!(
            refused(repay(&mut written, &s, "L-1", on, Rupiah(5))),
            ("loan_id", "loan L-1 was written off on 2024-02-15".into())
        );
        let mut rescheduled = book();
        rescheduled.rescheduled.push(Rescheduled {
            on,
            term_months: 6,
            schedule: Vec::new(),
        });
        let e = repay(&mut rescheduled, &s, "L-1", on, Rupiah(5)).unwrap_err();
        assert_eq!(
            e.text().indonesian(),
            "2024-03-01 sama dengan atau sebelum penjadwalan ulang pinjaman pada 2024-03-01"
        );
        assert!(rescheduled.payments.is_empty());
    }

    #[test]
    fn payments_that_no_longer_fit_are_refused_and_left_out() {
        let mut b = book();
        b.payments.push((date(2024, 2, 1), Rupiah(i64::MAX)));
        let s = Settings {
            max_movement: Rupiah(i64::MAX),
            ..Settings::default()
        };
        let r = repay(&mut b, &s, "L-1", date(2024, 3, 1), Rupiah(1));
        assert!(matches!(r, Err(Refused::TooLarge(_))), "{r:?}");
        assert_eq!(b.payments.len(), 1);
    }

    #[test]
    fn a_reversal_takes_back_what_the_payment_covered() {
        let mut b = book();
        let s = Settings::default();
        let (_, paid) = repay(&mut b, &s, "L-1", date(2024, 3, 1), Rupiah(115_000)).unwrap();
        let id = RepaymentId::new(9);
        assert_eq!(
            refused(reverse(
                &mut b.clone(),
                "L-1",
                id,
                true,
                date(2024, 3, 1),
                Rupiah(115_000)
            )),
            ("repayment", "repayment 9 is reversed already".into())
        );
        let back = reverse(&mut b, "L-1", id, false, date(2024, 3, 1), Rupiah(115_000)).unwrap();
        assert_eq!(back, paid);
        assert!(b.payments.is_empty());
        assert_eq!(reason(Action::Reversal, "  typo "), Ok("typo"));
        assert_eq!(
            refused(reason(Action::Reversal, " ")),
            ("reason", "a reversal needs a reason".into())
        );
        assert_eq!(
            Refused::NoReason(Action::WriteOff).text().indonesian(),
            "penghapusbukuan perlu alasan"
        );
    }

    #[test]
    fn a_payment_the_rescheduling_settled_on_stays() {
        let mut b = book();
        b.payments.push((date(2024, 3, 1), Rupiah(115_000)));
        b.rescheduled.push(Rescheduled {
            on: date(2024, 3, 1),
            term_months: 6,
            schedule: Vec::new(),
        });
        let r = reverse(
            &mut b,
            "L-1",
            RepaymentId::new(1),
            false,
            date(2024, 3, 1),
            Rupiah(115_000),
        );
        assert_eq!(r, Err(Refused::PaidBeforeRescheduling));
        b.written_off = Some((date(2024, 4, 1), Rupiah(1)));
        let r = reverse(
            &mut b,
            "L-1",
            RepaymentId::new(1),
            false,
            date(2024, 3, 1),
            Rupiah(115_000),
        );
        assert_eq!(refused(r).0, "repayment");
    }

    #[test]
    fn a_rescheduling_spreads_what_is_left_over_a_term_the_upk_allows() {
        let s = Settings::default();
        let mut b = book();
        b.payments.push((date(2024, 2, 29), Rupiah(115_000)));
        assert_eq!(
            reschedule(&b, &s, "L-1", date(2024, 3, 15), 12),
            Ok(900_000)
        );
        let outside = s.term_max + 1;
        assert_eq!(
            refused(reschedule(&b, &s, "L-1", date(2024, 3, 15), outside)),
            (
                "term_months",
                format!(
                    "a term of {outside} months is outside {}–{}",
                    s.term_min, s.term_max
                )
            )
        );
        assert_eq!(
            refused(reschedule(&b, &s, "L-1", date(2024, 2, 1), 12)),
            (
                "on",
                "a payment is dated 2024-02-29 after 2024-02-01".into()
            )
        );
        assert_eq!(
            reschedule(&b, &s, "L-1", date(2024, 1, 1), 12),
            Err(Refused::RescheduleOrder)
        );
        let mut paid = book();
        paid.payments.push((date(2024, 2, 1), Rupiah(2_000_000)));
        assert_eq!(
            refused(reschedule(&paid, &s, "L-1", date(2024, 3, 1), 12)),
            ("loan_id", "loan L-1 has nothing left to reschedule".into())
        );
        b.written_off = Some((date(2024, 4, 1), Rupiah(1)));
        assert_eq!(
            reschedule(&b, &s, "L-1", date(2024, 5, 1), 12),
            Err(Refused::WrittenOffNotRescheduled)
        );
    }

    #[test]
    fn a_write_off_takes_the_principal_still_owed_once() {
        let mut b = book();
        b.payments.push((date(2024, 2, 29), Rupiah(115_000)));
        assert_eq!(write_off(&b, "L-1", date(2024, 6, 1)), Ok(900_000));
        assert_eq!(
            write_off(&b, "L-1", date(2024, 1, 1)),
            Err(Refused::WriteOffOrder)
        );
        assert_eq!(refused(write_off(&b, "L-1", date(2024, 2, 1))).0, "on");
        b.written_off = Some((date(2024, 6, 1), Rupiah(900_000)));
        assert_eq!(
            refused(write_off(&b, "L-1", date(2024, 7, 1))),
            ("loan_id", "loan L-1 is written off already".into())
        );
        let mut paid = book();
        paid.payments.push((date(2024, 2, 1), Rupiah(2_000_000)));
        let e = write_off(&paid, "L-1", date(2024, 3, 1)).unwrap_err();
        assert_eq!(e.to_string(), "loan L-1 has nothing left to write off");
        assert_eq!(
            e.text().indonesian(),
            "pinjaman L-1 tidak punya sisa untuk dihapusbukukan"
        );
    }

    #[test]
    fn a_write_off_uses_the_reserve_first_and_expenses_the_shortfall() {
        let ksm = 7;
        // Reserve enough: all of it from the reserve.
        assert_eq!(
            write_off_lines(ksm, 900_000, 1_000_000),
            [
                (Account::LoanLossReserve, 900_000),
                (Account::ReserveExpense, 0),
                (Account::LoansReceivable(ksm), -900_000),
            ]
        );
        // Reserve short: what it holds, the rest an expense.
        assert_eq!(
            write_off_lines(ksm, 900_000, 40_000),
            [
                (Account::LoanLossReserve, 40_000),
                (Account::ReserveExpense, 860_000),
                (Account::LoansReceivable(ksm), -900_000),
            ]
        );
        // No reserve (or one already short): all an expense.
        for held in [0, -5_000] {
            assert_eq!(
                write_off_lines(ksm, 900_000, held)[0],
                (Account::LoanLossReserve, 0)
            );
            assert_eq!(
                write_off_lines(ksm, 900_000, held)[1],
                (Account::ReserveExpense, 900_000)
            );
        }
    }

    /// A provision brings the reserve to what is needed, unless the
    /// reserve moved after its day.
    #[test]
    fn a_provision_is_the_difference_unless_the_reserve_moved_later() {
        let (d1, d2) = (date(2024, 12, 30), date(2024, 12, 31));
        assert_eq!(provision(500, 200, d2, Some(d2)), Ok(300));
        assert_eq!(provision(100, 200, d2, Some(d1)), Ok(-100));
        assert_eq!(provision(100, 0, d1, None), Ok(100));
        let refused = provision(500, 0, d1, Some(d2)).unwrap_err();
        assert_eq!(
            refused,
            Refused::ReserveMovedLater {
                as_of: d1,
                latest: d2
            }
        );
        assert_eq!(refused.field(), "on");
        assert!(matches!(
            provision(i64::MIN, 1, d2, None),
            Err(Refused::TooLarge(_))
        ));
    }
}
