//! The collection sheet of a group meeting: what each loan asks of the
//! group on a date and each member's share of it.

use crate::loan::{add, TooLarge};
use crate::report::{split_due, Due, LoanBook};
use jiff::civil::Date;
use serde::Serialize;

/// A loan of the group, with its members' parts of the principal
/// (name, amount); migrated loans have none.
#[derive(Debug, Clone, Copy)]
pub struct GroupLoan<'a> {
    pub loan_id: &'a str,
    pub book: &'a LoanBook,
    pub members: &'a [(String, i64)],
}

/// One loan's line of the sheet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Line {
    pub loan_id: String,
    /// Unpaid fee and principal due by the date.
    pub overdue: i64,
    /// The next instalment after the date: its due date and amount.
    pub next: Option<(Date, i64)>,
    /// `overdue` and the next instalment.
    pub owed: i64,
    /// Who pays what of `owed`: each member by their part of the
    /// principal, or the whole group when the loan has no member parts.
    pub shares: Vec<(String, i64)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sheet {
    /// Loans owing anything, in the order given.
    pub lines: Vec<Line>,
    pub total: i64,
}

/// The sheet of `group` on `on`: loans owing nothing are left out; every
/// sum and share is exact (the shares of a loan add up to what it owes), and
/// a sum that does not fit is refused.
pub fn sheet(group: &str, loans: &[GroupLoan<'_>], on: Date) -> Result<Sheet, TooLarge> {
    let mut lines = Vec::new();
    let mut total = 0i64;
    for loan in loans {
        let due = loan.book.due(on)?;
        let owed = add("due", due.overdue, due.next.map_or(0, |n| n.1))?;
        if owed == 0 {
            continue;
        }
        total = add("due", total, owed)?;
        let parts: Vec<i64> = loan.members.iter().map(|m| m.1).collect();
        let shares = match split_due(owed, &parts)? {
            Some(split) => loan
                .members
                .iter()
                .map(|m| m.0.clone())
                .zip(split)
                .collect(),
            None => vec![(group.to_owned(), owed)],
        };
        lines.push(Line {
            loan_id: loan.loan_id.to_owned(),
            overdue: due.overdue,
            next: due.next,
            owed,
            shares,
        });
    }
    Ok(Sheet { lines, total })
}

/// The loans a cashier collects from soon, each with what it asks: those
/// with an unpaid instalment due by `on` (most owed first), then those
/// whose next instalment falls within `days` after `on` (soonest first).
/// Written-off and repaid loans ask nothing and are left out.
pub fn to_collect<K>(
    loans: &[(K, LoanBook)],
    on: Date,
    days: i64,
) -> Result<Vec<(&K, Due)>, TooLarge> {
    let horizon = on.saturating_add(jiff::Span::new().days(days));
    let mut out = Vec::new();
    for (key, book) in loans {
        let mut due = book.due(on)?;
        due.next = due.next.filter(|(date, _)| *date <= horizon);
        if due.overdue > 0 || due.next.is_some() {
            out.push((key, due));
        }
    }
    out.sort_by_key(|(_, due)| {
        (
            std::cmp::Reverse(due.overdue),
            due.next.map(|(date, _)| date),
        )
    });
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loan::{schedule, FeeRate, Frequency, Rupiah, ScheduleKind};
    use jiff::civil::date;

    fn book(principal: i64) -> LoanBook {
        let on = date(2024, 1, 10);
        LoanBook {
            upk: "UPK".into(),
            upk_id: lumbung_domain::UpkId::new(1),
            ksm: lumbung_domain::KsmId::new(2),
            disbursed_on: on,
            schedule: schedule(
                on,
                Rupiah(principal),
                3,
                FeeRate::parse("0.01").unwrap(),
                ScheduleKind::Flat,
                Frequency::Monthly,
            )
            .unwrap(),
            payments: vec![],
            rescheduled: vec![],
            written_off: None,
        }
    }

    #[test]
    fn a_due_amount_is_shared_by_parts_and_the_remainder_goes_to_the_first() {
        let (a, b) = (book(300_000), book(900_000));
        let three = [
            ("Siti".to_owned(), 1),
            ("Nur".to_owned(), 1),
            ("Euis".to_owned(), 1),
        ];
        let sheet = sheet(
            "KSM Mawar",
            &[
                GroupLoan {
                    loan_id: "A",
                    book: &a,
                    members: &three,
                },
                GroupLoan {
                    loan_id: "B",
                    book: &b,
                    members: &[],
                },
            ],
            date(2024, 2, 10),
        )
        .unwrap();
        // A: the first instalment (100,000 + 3,000 fee) is due; the next too.
        let first = &sheet.lines[0];
        assert_eq!(first.owed, first.overdue + first.next.unwrap().1);
        assert_eq!(first.shares.iter().map(|s| s.1).sum::<i64>(), first.owed);
        assert_eq!(first.owed, 206_000);
        assert_eq!(
            first.shares,
            vec![
                ("Siti".to_owned(), 68_668),
                ("Nur".to_owned(), 68_666),
                ("Euis".to_owned(), 68_666)
            ]
        );
        // A loan without member parts is the group's to pay.
        assert_eq!(
            sheet.lines[1].shares,
            vec![("KSM Mawar".to_owned(), sheet.lines[1].owed)]
        );
        assert_eq!(sheet.total, first.owed + sheet.lines[1].owed);
    }

    #[test]
    fn a_loan_owing_nothing_is_left_out() {
        let mut paid = book(300_000);
        paid.payments.push((date(2024, 1, 11), Rupiah(309_000)));
        let sheet = sheet(
            "KSM",
            &[GroupLoan {
                loan_id: "A",
                book: &paid,
                members: &[],
            }],
            date(2024, 2, 10),
        )
        .unwrap();
        assert_eq!(
            sheet,
            Sheet {
                lines: vec![],
                total: 0
            }
        );
    }

    #[test]
    fn a_total_that_does_not_fit_is_refused() {
        let big = book(i64::MAX / 2);
        let loans = [
            GroupLoan {
                loan_id: "A",
                book: &big,
                members: &[],
            },
            GroupLoan {
                loan_id: "B",
                book: &big,
                members: &[],
            },
            GroupLoan {
                loan_id: "C",
                book: &big,
                members: &[],
            },
        ];
        assert!(sheet("KSM", &loans, date(2024, 5, 10)).is_err());
    }

    #[test]
    fn to_collect_lists_the_overdue_first_then_what_falls_due_soon() {
        // Due 10 Feb, 10 Mar, 10 Apr 2024; 33,334 + 1% fee of 100,000.
        let late = book(100_000);
        let mut soon = book(100_000);
        soon.payments = vec![(date(2024, 2, 10), Rupiah(34_333))];
        let mut paid = book(100_000);
        paid.payments = vec![(date(2024, 2, 10), Rupiah(103_000))];
        let mut gone = book(100_000);
        gone.written_off = Some((date(2024, 2, 20), Rupiah(100_000)));
        let loans = [
            ("paid", paid),
            ("soon", soon),
            ("gone", gone),
            ("late", late),
        ];
        let on = date(2024, 3, 1);
        let list = to_collect(&loans, on, 14).unwrap();
        let keys: Vec<&str> = list.iter().map(|(k, _)| **k).collect();
        assert_eq!(keys, ["late", "soon"]);
        assert_eq!(list[0].1.overdue, 34_333);
        assert_eq!(
            list[1].1,
            Due {
                overdue: 0,
                next: Some((date(2024, 3, 10), 34_333))
            }
        );
        // A week ahead, the 10 March instalment is not yet close.
        let keys: Vec<&str> = to_collect(&loans, on, 7)
            .unwrap()
            .iter()
            .map(|(k, _)| **k)
            .collect();
        assert_eq!(keys, ["late"]);
    }
}
