//! A UPK's financial statements, read straight from its journal: the
//! balance sheet on a date, the income statement of a period and the cash
//! book. Every figure is a sum of posted lines, so the statements agree
//! with the journal by construction.

use crate::journal::{Account, Posted};
use crate::loan::{add, sum, TooLarge};
use jiff::civil::Date;
use serde::Serialize;

/// Assets = liabilities + equity, on a date.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct BalanceSheet {
    #[schemars(with = "Option<String>")]
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
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct IncomeStatement {
    #[schemars(with = "Option<String>")]
    pub from: Option<Date>,
    #[schemars(with = "Option<String>")]
    pub to: Option<Date>,
    pub fee_income: i64,
    pub operating_costs: i64,
    pub reserve_expense: i64,
    pub surplus: i64,
}

/// One movement of cash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct CashLine {
    pub sequence: u64,
    #[schemars(with = "String")]
    pub date: Date,
    pub memo: String,
    pub cash_in: i64,
    pub cash_out: i64,
    pub balance: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct CashBook {
    pub opening: i64,
    pub lines: Vec<CashLine>,
    pub closing: i64,
}

/// The balance sheet from the entries dated on or before `as_of`; a
/// figure too large to keep is refused, never wrapped.
pub fn balance_sheet(journal: &[Posted], as_of: Date) -> Result<BalanceSheet, TooLarge> {
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
        // Credit balances are kept positive: a credit line adds its
        // negation, which fits unless the line is i64::MIN.
        let credit = a.checked_neg().ok_or(TooLarge("balance sheet"))?;
        let (figure, by) = match l.account {
            Account::Cash => (&mut b.cash, a),
            Account::LoansReceivable(_) => (&mut b.loans_receivable, a),
            Account::LoanLossReserve => (&mut b.loan_loss_reserve, credit),
            Account::SavingsHeld => (&mut b.savings_held, credit),
            Account::CapitalBlm => (&mut b.capital_blm, credit),
            Account::FeeIncome | Account::OperatingCosts | Account::ReserveExpense => {
                (&mut b.retained_surplus, credit)
            }
        };
        *figure = add("balance sheet", *figure, by)?;
    }
    b.total_assets = add("total assets", b.cash, b.loans_receivable)?
        .checked_sub(b.loan_loss_reserve)
        .ok_or(TooLarge("total assets"))?;
    b.total_liabilities_and_equity = sum(
        "total liabilities and equity",
        [b.savings_held, b.capital_blm, b.retained_surplus],
    )?;
    Ok(b)
}

/// The income statement of the entries dated from `from` to `to`, both
/// included; a figure too large to keep is refused.
pub fn income_statement(
    journal: &[Posted],
    from: Date,
    to: Date,
) -> Result<IncomeStatement, TooLarge> {
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
        let a = l.amount.0;
        let (figure, by) = match l.account {
            Account::FeeIncome => (
                &mut s.fee_income,
                a.checked_neg().ok_or(TooLarge("fee income"))?,
            ),
            Account::OperatingCosts => (&mut s.operating_costs, a),
            Account::ReserveExpense => (&mut s.reserve_expense, a),
            _ => continue,
        };
        *figure = add("income statement", *figure, by)?;
    }
    s.surplus = s
        .fee_income
        .checked_sub(s.operating_costs)
        .and_then(|v| v.checked_sub(s.reserve_expense))
        .ok_or(TooLarge("surplus"))?;
    Ok(s)
}

/// Every movement of cash from `from` to `to`, in date order (posting order
/// within a day), with the balance brought forward; a balance too large to
/// keep is refused.
pub fn cash_book(journal: &[Posted], from: Date, to: Date) -> Result<CashBook, TooLarge> {
    let cash_of = |p: &Posted| {
        sum(
            "cash book",
            p.entry
                .lines
                .iter()
                .filter(|l| l.account == Account::Cash)
                .map(|l| l.amount.0),
        )
    };
    let mut sorted: Vec<&Posted> = journal.iter().collect();
    sorted.sort_by_key(|p| (p.entry.date, p.sequence));
    let mut opening = 0i64;
    for p in sorted.iter().filter(|p| p.entry.date < from) {
        opening = add("cash book", opening, cash_of(p)?)?;
    }
    let mut balance = opening;
    let mut lines = Vec::new();
    for p in sorted
        .into_iter()
        .filter(|p| (from..=to).contains(&p.entry.date))
    {
        let c = cash_of(p)?;
        if c == 0 {
            continue;
        }
        balance = add("cash book", balance, c)?;
        let out = c.checked_neg().ok_or(TooLarge("cash book"))?;
        lines.push(CashLine {
            sequence: p.sequence,
            date: p.entry.date,
            memo: p.entry.memo.clone(),
            cash_in: c.max(0),
            cash_out: out.max(0),
            balance,
        });
    }
    Ok(CashBook {
        opening,
        lines,
        closing: balance,
    })
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
        let b = balance_sheet(&j, date(2024, 3, 31)).unwrap();
        assert_eq!(
            (b.cash, b.loans_receivable, b.loan_loss_reserve),
            (9_505_000, 500_000, 5_000)
        );
        assert_eq!(
            b.retained_surplus, 0,
            "9,000 fee − 4,000 costs − 5,000 reserve"
        );
        assert_eq!(b.total_assets, b.total_liabilities_and_equity);
        let s = income_statement(&j, date(2024, 2, 1), date(2024, 2, 29)).unwrap();
        assert_eq!(
            (
                s.fee_income,
                s.operating_costs,
                s.reserve_expense,
                s.surplus
            ),
            (9_000, 4_000, 0, 5_000)
        );
        let c = cash_book(&j, date(2024, 2, 1), date(2024, 3, 31)).unwrap();
        assert_eq!(c.opening, 9_400_000);
        assert_eq!(c.lines.len(), 2, "the reserve moves no cash");
        assert_eq!((c.lines[0].cash_in, c.lines[1].cash_out), (109_000, 4_000));
        assert_eq!(c.closing, b.cash);
    }

    fn account() -> impl Strategy<Value = Account> {
        crate::journal::any_account(1i64..4)
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
                let b = balance_sheet(&j, d).unwrap();
                prop_assert_eq!(b.total_assets, b.total_liabilities_and_equity);
            }
            let all = income_statement(&j, date(2000, 1, 1), date(2024, 12, 31)).unwrap();
            prop_assert_eq!(all.surplus, balance_sheet(&j, date(2024, 12, 31)).unwrap().retained_surplus);
        }

        /// Amounts up to the largest an i64 holds: the statements are
        /// exact (the i128 sum) or refused, never wrapped.
        #[test]
        fn large_amounts_never_wrap(entries in proptest::collection::vec((account(), account(), 1i64..=i64::MAX, 0i32..60), 0..12)) {
            let mut j = Vec::new();
            for (n, (a, b, amount, day)) in entries.into_iter().enumerate() {
                if a == b { continue; }
                let d = date(2024, 1, 1).checked_add(jiff::Span::new().days(day)).unwrap();
                append(&mut j, Entry::new(d, String::new(), n.to_string(), [(a, amount), (b, -amount)])).unwrap();
            }
            let to = date(2024, 12, 31);
            let exact = |account: &dyn Fn(&Account) -> bool| -> i128 {
                j.iter().flat_map(|p| &p.entry.lines).filter(|l| account(&l.account)).map(|l| l.amount.0 as i128).sum()
            };
            let cash = exact(&|a| *a == Account::Cash);
            match balance_sheet(&j, to) {
                Ok(b) => {
                    prop_assert_eq!(b.cash as i128, cash);
                    prop_assert_eq!(b.loans_receivable as i128, exact(&|a| matches!(a, Account::LoansReceivable(_))));
                    prop_assert_eq!(b.total_assets, b.total_liabilities_and_equity);
                }
                Err(e) => prop_assert_eq!(e.0.is_empty(), false),
            }
            match cash_book(&j, date(2024, 1, 1), to) {
                Ok(c) => prop_assert_eq!(c.closing as i128, cash),
                Err(_) => prop_assert!(cash > i64::MAX as i128 || cash < i64::MIN as i128 || j.len() > 1,
                    "refused only when a running balance left the i64 range"),
            }
            let fee = -exact(&|a| *a == Account::FeeIncome);
            if let Ok(s) = income_statement(&j, date(2024, 1, 1), to) {
                prop_assert_eq!(s.fee_income as i128, fee);
            }
        }
    }
}
