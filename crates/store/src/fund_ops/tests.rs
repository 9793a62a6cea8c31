use super::*;
use crate::test_support::store;
use crate::{OrgInput, ScopeRef};
use jiff::civil::date;
use jiff::ToSpan;
use lumbung_domain::{OrgKind, Password, Role, Username};
use lumbung_fund::journal::{balances, verify};
use lumbung_fund::loan::Frequency;
use proptest::prelude::*;

struct Upk {
    upk: i64,
    ksm: i64,
    maker: i64,
    checker: i64,
    members: Vec<i64>,
}

fn actor() -> Actor {
    Actor::Cli {
        os_user: "test".into(),
    }
}

fn user(s: &Store, name: &str, role: Role) -> i64 {
    s.create_user(
        &Username::parse(name).unwrap(),
        &Password::parse("a-long-password-1").unwrap(),
        role,
        &ScopeRef::Global,
        &actor(),
    )
    .unwrap()
    .id
}

/// A UPK with capital and one KSM of five members (two women) that has
/// saved for three months and signed its joint liability.
fn upk_with_group(s: &Store, capital: i64) -> Upk {
    let org = |name: &str, kind, parent| {
        s.create_org(
            &OrgInput {
                name: name.into(),
                kind,
                area_code: None,
                parent_id: parent,
                company_number: None,
                npwp: None,
                attributes: Default::default(),
            },
            &actor(),
        )
        .unwrap()
        .id
    };
    let bkm = org("BKM Maju", OrgKind::Bkm, None);
    let upk = org("UPK Maju", OrgKind::Upk, Some(bkm));
    let ksm = s.create_ksm(upk, "KSM Melati", &actor()).unwrap();
    let members = ["Siti", "Aminah", "Budi", "Joko", "Rudi"]
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let sex = if i < 2 { Sex::F } else { Sex::M };
            s.add_ksm_member(ksm, n, sex, None, date(2023, 12, 1), &actor())
                .unwrap()
        })
        .collect();
    s.record_joint_liability(ksm, date(2023, 12, 1), "surat 01/2023", &actor())
        .unwrap();
    for m in 1..=3 {
        let on = date(2024, 1, 5).checked_add((m - 1).months()).unwrap();
        s.post_savings(
            ksm,
            None,
            on,
            Rupiah(50_000),
            &format!("save:{m}"),
            &actor(),
        )
        .unwrap();
    }
    s.post_fund_movement(
        "UPK Maju",
        crate::Movement::Capital,
        date(2023, 12, 1),
        Rupiah(capital),
        "BLM",
        "capital:1",
        &actor(),
    )
    .unwrap();
    Upk {
        upk,
        ksm,
        maker: user(s, "upk.maker", Role::Upk),
        checker: user(s, "bkm.checker", Role::Bkm),
        members,
    }
}

fn lend(s: &Store, u: &Upk, on: Date, per_member: i64, term: u16) -> Result<String> {
    let amounts: Vec<(i64, Rupiah)> = u.members.iter().map(|m| (*m, Rupiah(per_member))).collect();
    let app = s.apply_for_loan(u.ksm, on, &amounts, term, u.maker, &actor())?;
    s.decide_application(app, true, "ok", u.checker, &actor())?;
    s.disburse(app, on, &actor())
}

/// Checks the invariants of the books against the loans' own view.
fn check_books(s: &Store, u: &Upk) {
    let journal = s.fund_journal().unwrap();
    assert_eq!(verify(&journal), Ok(()), "the chain verifies");
    let b = balances(&journal).unwrap();
    assert_eq!(b.values().sum::<i64>(), 0, "debits equal credits");
    let loans = s.loans_of(Some(u.upk), None).unwrap();
    let far = date(2099, 1, 1);
    let outstanding: i64 = loans
        .iter()
        .map(|(_, l)| l.standing(far, &[]).map_or(0, |a| a.outstanding.0))
        .sum();
    assert_eq!(
        b.get(&Account::LoansReceivable(u.ksm))
            .copied()
            .unwrap_or(0),
        outstanding,
        "the ledger's receivable is the loans' outstanding"
    );
    let fees: i64 = loans.iter().map(|(_, l)| l.totals().1).sum();
    assert_eq!(
        -b.get(&Account::FeeIncome).copied().unwrap_or(0),
        fees,
        "fee income is the fees the loans were paid"
    );
    let written_off: i64 = loans
        .iter()
        .filter_map(|(_, l)| l.written_off)
        .map(|w| w.1 .0)
        .sum();
    let reserve_posted: i64 = journal
        .iter()
        .flat_map(|p| &p.entry.lines)
        .filter(|l| l.account == Account::ReserveExpense)
        .map(|l| l.amount.0)
        .sum();
    assert_eq!(
        -b.get(&Account::LoanLossReserve).copied().unwrap_or(0),
        reserve_posted - written_off,
        "the reserve is what was provided less what was written off"
    );
    // The per-day balances agree with the journal, account by account.
    let conn = s.conn().unwrap();
    let mut by_kind: std::collections::BTreeMap<&str, i64> = Default::default();
    for (a, v) in &b {
        *by_kind.entry(a.kind()).or_default() += v;
    }
    for (kind, v) in by_kind {
        let days: i64 = conn
            .query_row(
                "SELECT coalesce(sum(amount), 0) FROM fund_account_days WHERE account = ?1",
                [kind],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(days, v, "per-day balances of {kind}");
    }
}

#[test]
fn a_loan_from_application_to_receipt() {
    let (_d, s) = store();
    let u = upk_with_group(&s, 10_000_000);
    // 600,000 each is above the first-loan limit: refused, nothing stored.
    let e = lend(&s, &u, date(2024, 4, 2), 600_000, 6).unwrap_err();
    assert!(e.to_string().contains("500000"), "{e}");
    assert!(s.fund_applications(Some(u.upk)).unwrap().is_empty());
    // The maker cannot approve their own application.
    let amounts: Vec<(i64, Rupiah)> = u.members.iter().map(|m| (*m, Rupiah(100_000))).collect();
    let app = s
        .apply_for_loan(u.ksm, date(2024, 4, 2), &amounts, 6, u.maker, &actor())
        .unwrap();
    let e = s
        .decide_application(app, true, "", u.maker, &actor())
        .unwrap_err();
    assert!(e.to_string().contains("maker-checker"), "{e}");
    let e = s.disburse(app, date(2024, 4, 3), &actor()).unwrap_err();
    assert!(
        e.to_string().contains("pending"),
        "only an approved application is disbursed: {e}"
    );
    s.decide_application(app, true, "checked", u.checker, &actor())
        .unwrap();
    let loan = s.disburse(app, date(2024, 4, 3), &actor()).unwrap();
    let view = s.loan(&loan).unwrap().unwrap();
    assert_eq!((view.principal, view.members.len()), (500_000, 5));
    assert_eq!(view.book.schedule[0].due, date(2024, 5, 3));
    // 83,333 principal + 7,500 fee a month; the same key twice posts once.
    let pay = RepaymentInput {
        loan_id: loan.clone(),
        paid_on: date(2024, 5, 3),
        amount: Rupiah(90_833),
        key: "kuitansi-001".into(),
    };
    let first = s.repay(&pay, &actor()).unwrap();
    assert!(first.repayment.is_some());
    assert_eq!(s.repay(&pay, &actor()).unwrap().repayment, None);
    let receipt = s.receipt(first.repayment.unwrap()).unwrap().unwrap();
    assert_eq!(
        (receipt.repayment.principal, receipt.repayment.fee),
        (83_333, 7_500)
    );
    assert_eq!(receipt.ksm, "KSM Melati");
    check_books(&s, &u);
    // Reversed, then re-posted right: the books follow.
    s.reverse_repayment(
        first.repayment.unwrap(),
        date(2024, 5, 4),
        "typed wrong",
        &actor(),
    )
    .unwrap();
    assert!(s
        .reverse_repayment(
            first.repayment.unwrap(),
            date(2024, 5, 4),
            "again",
            &actor()
        )
        .is_err());
    let rows = s.loan_repayments(&loan).unwrap();
    assert_eq!(rows[0].reversed.as_deref(), Some("typed wrong"));
    check_books(&s, &u);
    // The group's second loan is not a first loan any more, but the first
    // is still running: no good record yet, so the first-loan limit holds.
    let e = lend(&s, &u, date(2024, 6, 1), 600_000, 6).unwrap_err();
    assert!(e.to_string().contains("good record"), "{e}");
    // Statements balance and the cash book closes on the ledger's cash.
    let journal = s.upk_journal(u.upk).unwrap();
    let sheet = lumbung_fund::statements::balance_sheet(&journal, date(2024, 12, 31)).unwrap();
    assert_eq!(sheet.total_assets, sheet.total_liabilities_and_equity);
    assert_eq!(sheet.loans_receivable, 500_000);
    assert_eq!(sheet.savings_held, 150_000);
}

#[test]
fn a_first_loan_waits_for_three_months_of_savings_and_cash() {
    let (_d, s) = store();
    let u = upk_with_group(&s, 1_000_000);
    let e = lend(&s, &u, date(2024, 3, 20), 100_000, 6).unwrap_err();
    assert!(
        e.to_string().contains("2023-12"),
        "no savings in December: {e}"
    );
    let e = lend(&s, &u, date(2024, 4, 2), 300_000, 6).unwrap_err();
    assert!(
        e.to_string().contains("cash"),
        "1,150,000 in cash is less than 1,500,000: {e}"
    );
    let e = s
        .post_savings(
            u.ksm,
            None,
            date(2024, 4, 2),
            Rupiah(-150_001),
            "w",
            &actor(),
        )
        .unwrap_err();
    assert!(
        e.to_string().contains("more than the group's savings"),
        "{e}"
    );
}

#[test]
fn weekly_loans_keep_their_frequency_through_arrears_and_rescheduling() {
    let (_d, s) = store();
    let u = upk_with_group(&s, 10_000_000);
    let weekly = Settings {
        frequency: Frequency::Weekly,
        ..Settings::default()
    };
    s.set_fund_settings(u.upk, weekly, &actor()).unwrap();
    let loan = lend(&s, &u, date(2024, 4, 1), 100_000, 3).unwrap();
    // The UPK lends monthly again: the loan keeps the weekly schedule it
    // was given.
    s.set_fund_settings(u.upk, Settings::default(), &actor())
        .unwrap();
    let view = s.loan(&loan).unwrap().unwrap();
    assert_eq!(view.frequency, "weekly");
    let plan = &view.book.schedule;
    // 1 April + 3 months = 1 July, 91 days: 13 weeks.
    assert_eq!(plan.len(), 13);
    assert_eq!(
        (plan[0].due, plan[12].due),
        (date(2024, 4, 8), date(2024, 7, 1))
    );
    // 500,000 ÷ 13 = 38,461 (the remainder in the last); three months of
    // fee, 22,500, spread over 13 weeks: 1,730 a week.
    assert_eq!(
        (plan[0].principal, plan[0].fee),
        (Rupiah(38_461), Rupiah(1_730))
    );
    assert_eq!(plan[12].principal, Rupiah(500_000 - 38_461 * 12));
    for (week, on) in [(1, date(2024, 4, 8)), (2, date(2024, 4, 15))] {
        s.repay(
            &RepaymentInput {
                loan_id: loan.clone(),
                paid_on: on,
                amount: Rupiah(40_191),
                key: format!("week-{week}"),
            },
            &actor(),
        )
        .unwrap();
    }
    let view = s.loan(&loan).unwrap().unwrap();
    let on = |d| view.book.standing(d, &[3]).unwrap();
    assert_eq!(
        on(date(2024, 4, 29)).quality_class,
        2,
        "weeks 3 and 4 missed"
    );
    let may = on(date(2024, 5, 6));
    assert_eq!(
        (may.missed, may.quality_class),
        (3, 3),
        "three weeks missed: in arrears"
    );
    assert_eq!(may.days_overdue, 14, "since 22 April");
    s.reschedule(&loan, date(2024, 5, 10), 3, "harvest failed", &actor())
        .unwrap();
    let view = s.loan(&loan).unwrap().unwrap();
    let new = &view.book.rescheduled[0];
    assert_eq!(new.term_months, 3);
    assert_eq!(new.schedule[0].due, date(2024, 5, 17), "still weekly");
    assert_eq!(
        new.schedule.iter().map(|i| i.principal.0).sum::<i64>(),
        500_000 - 2 * 38_461
    );
    check_books(&s, &u);
}

#[derive(Debug, Clone)]
enum Op {
    Lend {
        per_member: i64,
        term: u16,
    },
    Repay {
        loan: usize,
        amount: i64,
    },
    Reverse {
        repayment: usize,
    },
    Reschedule {
        loan: usize,
        term: u16,
    },
    WriteOff {
        loan: usize,
    },
    Provision,
    /// New loans' instalments from now on.
    Frequency(Frequency),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => (1i64..=5, 3u16..=12).prop_map(|(k, term)| Op::Lend { per_member: k * 20_000, term }),
        6 => (0usize..8, 1i64..300_000).prop_map(|(loan, amount)| Op::Repay { loan, amount }),
        1 => (0usize..20).prop_map(|repayment| Op::Reverse { repayment }),
        1 => (0usize..8, 3u16..=12).prop_map(|(loan, term)| Op::Reschedule { loan, term }),
        1 => (0usize..8).prop_map(|loan| Op::WriteOff { loan }),
        1 => Just(Op::Provision),
        1 => prop_oneof![Just(Frequency::Monthly), Just(Frequency::Fortnightly), Just(Frequency::Weekly)].prop_map(Op::Frequency),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]
    #[test]
    fn random_operations_keep_the_books_whole(ops in proptest::collection::vec((op(), 0i32..25), 1..30)) {
        let (_d, s) = store();
        let u = upk_with_group(&s, 50_000_000);
        let mut today = date(2024, 4, 1);
        let mut loans: Vec<String> = Vec::new();
        let first = (Op::Lend { per_member: 100_000, term: 6 }, 0);
        for (op, days) in std::iter::once(first).chain(ops) {
            today = today.checked_add(days.days()).unwrap();
            let before = s.fund_journal().unwrap().len();
            let result: Result<()> = match &op {
                Op::Lend { per_member, term } => lend(&s, &u, today, *per_member, *term).map(|id| loans.push(id)),
                Op::Repay { loan, amount } => match loans.get(*loan) {
                    Some(id) => s.repay(&RepaymentInput { loan_id: id.clone(), paid_on: today, amount: Rupiah(*amount), key: format!("{id}:{today}:{before}") }, &actor()).map(|_| ()),
                    None => Ok(()),
                },
                Op::Reverse { repayment } => s.reverse_repayment(*repayment as i64 + 1, today, "test", &actor()).map(|_| ()),
                Op::Reschedule { loan, term } => match loans.get(*loan) {
                    Some(id) => s.reschedule(id, today, *term, "hardship", &actor()),
                    None => Ok(()),
                },
                Op::WriteOff { loan } => match loans.get(*loan) {
                    Some(id) => s.write_off(id, today, "lost", &actor()).map(|_| ()),
                    None => Ok(()),
                },
                Op::Provision => s.provision(u.upk, today, &actor()).map(|_| ()),
                Op::Frequency(frequency) => s.set_fund_settings(u.upk, Settings { frequency: *frequency, ..Settings::default() }, &actor()),
            };
            if result.is_err() {
                prop_assert_eq!(s.fund_journal().unwrap().len(), before, "a refused operation posts nothing: {:?}", op);
            }
            check_books(&s, &u);
        }
    }
}
