//! A UPK's financial statements, read straight from its journal: the
//! balance sheet on a date, the income statement of a period and the cash
//! book. Every figure is a sum of posted lines, so the statements agree
//! with the journal by construction.

use crate::journal::{Account, Posted};
use jiff::civil::Date;
use serde::Serialize;

/// Assets = liabilities + equity, on a date.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BalanceSheet {
    pub as_of: Option<Date>,
    pub cash: i64,
    pub loans_receivable: i64,
    /// Held against losses (shown as a deduction from loans).
    pub loan_loss_reserve: i64,
    pub total_assets: i64,
    /// Members' savings and overpayments held for KSM.
    pub savings_held: i64,
    pub capital_blm: i64,
    /// Income less expenses since the start.
    pub retained_surplus: i64,
    pub total_liabilities_and_equity: i64,
}

/// Income and expenses of a period.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IncomeStatement {
    pub from: Option<Date>,
    pub to: Option<Date>,
    pub fee_income: i64,
    pub operating_costs: i64,
    pub reserve_expense: i64,
    pub surplus: i64,
}

/// One movement of cash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CashLine {
    pub sequence: u64,
    pub date: Date,
    pub memo: String,
    pub cash_in: i64,
    pub cash_out: i64,
    pub balance: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CashBook {
    pub opening: i64,
    pub lines: Vec<CashLine>,
    pub closing: i64,
}

/// The balance sheet from the entries dated on or before `as_of`.
pub fn balance_sheet(journal: &[Posted], as_of: Date) -> BalanceSheet {
    let mut b = BalanceSheet {
        as_of: Some(as_of),
        ..Default::default()
    };
    for l in journal
        .iter()
        .filter(|p| p.entry.date <= as_of)
        .flat_map(|p| &p.entry.lines)
    {
        let a = l.amount.0;
        match l.account {
            Account::Cash => b.cash += a,
            Account::LoansReceivable(_) => b.loans_receivable += a,
            Account::LoanLossReserve => b.loan_loss_reserve -= a,
            Account::SavingsHeld => b.savings_held -= a,
            Account::CapitalBlm => b.capital_blm -= a,
            Account::FeeIncome | Account::OperatingCosts | Account::ReserveExpense => {
                b.retained_surplus -= a
            }
        }
    }
    b.total_assets = b.cash + b.loans_receivable - b.loan_loss_reserve;
    b.total_liabilities_and_equity = b.savings_held + b.capital_blm + b.retained_surplus;
    b
}

/// The income statement of the entries dated from `from` to `to`, both included.
pub fn income_statement(journal: &[Posted], from: Date, to: Date) -> IncomeStatement {
    let mut s = IncomeStatement {
        from: Some(from),
        to: Some(to),
        ..Default::default()
    };
    for l in journal
        .iter()
        .filter(|p| (from..=to).contains(&p.entry.date))
        .flat_map(|p| &p.entry.lines)
    {
        match l.account {
            Account::FeeIncome => s.fee_income -= l.amount.0,
            Account::OperatingCosts => s.operating_costs += l.amount.0,
            Account::ReserveExpense => s.reserve_expense += l.amount.0,
            _ => {}
        }
    }
    s.surplus = s.fee_income - s.operating_costs - s.reserve_expense;
    s
}

/// Every movement of cash from `from` to `to`, in date order (posting order
/// within a day), with the balance brought forward.
pub fn cash_book(journal: &[Posted], from: Date, to: Date) -> CashBook {
    let cash_of = |p: &Posted| -> i64 {
        p.entry
            .lines
            .iter()
            .filter(|l| l.account == Account::Cash)
            .map(|l| l.amount.0)
            .sum()
    };
    let mut sorted: Vec<&Posted> = journal.iter().collect();
    sorted.sort_by_key(|p| (p.entry.date, p.sequence));
    let opening: i64 = sorted
        .iter()
        .filter(|p| p.entry.date < from)
        .map(|p| cash_of(p))
        .sum();
    let mut balance = opening;
    let lines = sorted
        .into_iter()
        .filter(|p| (from..=to).contains(&p.entry.date))
        .filter_map(|p| {
            let c = cash_of(p);
            (c != 0).then(|| {
                balance += c;
                CashLine {
                    sequence: p.sequence,
                    date: p.entry.date,
                    memo: p.entry.memo.clone(),
                    cash_in: c.max(0),
                    cash_out: (-c).max(0),
                    balance,
                }
            })
        })
        .collect();
    CashBook {
        opening,
        lines,
        closing: balance,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::{append, Entry};
    use jiff::civil::date;
    use proptest::prelude::*;

    fn book() -> Vec<Posted> {
        let mut j = Vec::new();
        let mut post = |d, key: &str, lines: Vec<(Account, i64)>| {
            append(&mut j, Entry::new(d, key.into(), key.into(), lines)).unwrap();
        };
        post(
            date(2024, 1, 2),
            "capital",
            vec![
                (Account::Cash, 10_000_000),
                (Account::CapitalBlm, -10_000_000),
            ],
        );
        post(
            date(2024, 1, 10),
            "loan",
            vec![
                (Account::LoansReceivable(7), 600_000),
                (Account::Cash, -600_000),
            ],
        );
        post(
            date(2024, 2, 10),
            "repay",
            vec![
                (Account::Cash, 109_000),
                (Account::LoansReceivable(7), -100_000),
                (Account::FeeIncome, -9_000),
            ],
        );
        post(
            date(2024, 2, 28),
            "cost",
            vec![(Account::OperatingCosts, 4_000), (Account::Cash, -4_000)],
        );
        post(
            date(2024, 3, 1),
            "reserve",
            vec![
                (Account::ReserveExpense, 5_000),
                (Account::LoanLossReserve, -5_000),
            ],
        );
        j
    }

    #[test]
    fn statements_of_a_small_book() {
        let j = book();
        let b = balance_sheet(&j, date(2024, 3, 31));
        assert_eq!(
            (b.cash, b.loans_receivable, b.loan_loss_reserve),
            (9_505_000, 500_000, 5_000)
        );
        assert_eq!(
            b.retained_surplus, 0,
            "9,000 fee − 4,000 costs − 5,000 reserve"
        );
        assert_eq!(b.total_assets, b.total_liabilities_and_equity);
        let s = income_statement(&j, date(2024, 2, 1), date(2024, 2, 29));
        assert_eq!(
            (
                s.fee_income,
                s.operating_costs,
                s.reserve_expense,
                s.surplus
            ),
            (9_000, 4_000, 0, 5_000)
        );
        let c = cash_book(&j, date(2024, 2, 1), date(2024, 3, 31));
        assert_eq!(c.opening, 9_400_000);
        assert_eq!(c.lines.len(), 2, "the reserve moves no cash");
        assert_eq!((c.lines[0].cash_in, c.lines[1].cash_out), (109_000, 4_000));
        assert_eq!(c.closing, b.cash);
    }

    fn account() -> impl Strategy<Value = Account> {
        prop_oneof![
            Just(Account::Cash),
            (1i64..4).prop_map(Account::LoansReceivable),
            Just(Account::FeeIncome),
            Just(Account::SavingsHeld),
            Just(Account::LoanLossReserve),
            Just(Account::OperatingCosts),
            Just(Account::CapitalBlm),
            Just(Account::ReserveExpense),
        ]
    }

    proptest! {
        #[test]
        fn the_balance_sheet_always_balances(entries in proptest::collection::vec((account(), account(), 1i64..1_000_000, 0i32..60), 0..40)) {
            let mut j = Vec::new();
            for (n, (a, b, amount, day)) in entries.into_iter().enumerate() {
                if a == b { continue; }
                let d = date(2024, 1, 1).checked_add(jiff::Span::new().days(day)).unwrap();
                append(&mut j, Entry::new(d, String::new(), n.to_string(), [(a, amount), (b, -amount)])).unwrap();
            }
            for d in [date(2024, 1, 15), date(2024, 12, 31)] {
                let b = balance_sheet(&j, d);
                prop_assert_eq!(b.total_assets, b.total_liabilities_and_equity);
            }
            let all = income_statement(&j, date(2000, 1, 1), date(2024, 12, 31));
            prop_assert_eq!(all.surplus, balance_sheet(&j, date(2024, 12, 31)).retained_surplus);
        }
    }
}
