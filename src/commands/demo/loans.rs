//! The demo's revolving fund: the UPK's books moved in about a year and a
//! half ago, then its work since. Every date is counted back from today's
//! month, so that whenever the demo runs the programme is alive: Melati's
//! loan has instalments paid and instalments due in the coming weeks,
//! Mawar is three instalments behind, Kenanga's loan was written off, and an
//! application waits for the BKM.

use super::{org_id, KSM, UPK};
use crate::commands::fund;
use anyhow::{Context, Result};
use jiff::civil::Date;
use jiff::ToSpan;
use lumbung_domain::{KsmId, OrgKind, Sex, UserId, Username};
use lumbung_fund::books_file::LoanTerms;
use lumbung_fund::loan::{FeeRate, Frequency, Rupiah, ScheduleKind};
use lumbung_store::{Actor, LoanRecord, Movement, RepaymentInput, RepaymentRecord, Store};

/// Today's month, from which the demo's dates are counted back.
#[derive(Clone, Copy)]
struct Calendar {
    today: Date,
}

impl Calendar {
    fn of(store: &Store) -> Calendar {
        Calendar {
            today: store.clock().today(),
        }
    }

    /// Day `day` of the month `months` before today's (a later day than
    /// the month has falls on its last).
    fn at(self, months: i32, day: i8) -> Result<Date> {
        let month = self.today.first_of_month().checked_sub(months.months())?;
        Ok(month.with().day(day.min(month.days_in_month())).build()?)
    }
}

/// The loan each KSM got when the books were moved in.
fn first_loan_id(on: Date, k: usize) -> String {
    format!("CRS-{}-{:03}", on.year(), k + 1)
}

/// Months before today's month in which the first loans were disbursed.
const FIRST_LOANS: i32 = 17;

/// The UPK's books as they were moved in: a loan to each KSM (Rp 500,000
/// per member for 5–6 members, 6 months, 1.5% flat), Melati repaying on
/// time, Mawar late, Kenanga not at all; BLM capital and a month's costs.
pub fn load_books(store: &Store) -> Result<()> {
    let cal = Calendar::of(store);
    let on = cal.at(FIRST_LOANS, 10)?;
    let rate = FeeRate::parse("0.015")?;
    let loans: Vec<LoanRecord> = KSM
        .iter()
        .enumerate()
        .map(|(i, (ksm, _))| LoanRecord {
            line: i as u64 + 2,
            upk: UPK.into(),
            ksm: (*ksm).into(),
            loan_id: first_loan_id(on, i),
            terms: LoanTerms {
                disbursed_on: on,
                principal: Rupiah(if i == 1 { 2_500_000 } else { 3_000_000 }),
                term_months: 6,
                fee_rate: rate,
                schedule: ScheduleKind::Flat,
                frequency: Frequency::Monthly,
            },
        })
        .collect();
    // Instalments: 500,000 + 45,000 (Melati, Kenanga); 416,666 + 37,500 (Mawar).
    let mut repayments = Vec::new();
    for month in 1..=6 {
        repayments.push((0, cal.at(FIRST_LOANS - month, 10)?, 545_000));
    }
    repayments.push((1, cal.at(FIRST_LOANS - 1, 12)?, 454_166));
    repayments.push((1, cal.at(FIRST_LOANS - 4, 2)?, 454_166));
    let mut repayments = repayments
        .into_iter()
        .enumerate()
        .map(|(i, (k, paid_on, amount))| RepaymentRecord {
            line: i as u64 + 2,
            loan_id: first_loan_id(on, k),
            paid_on,
            amount: Rupiah(amount),
        })
        .collect::<Vec<_>>();
    store.import_fund(
        ("demo: loans", "demo: repayments"),
        loans,
        &mut repayments,
        vec![],
        &Actor::cli(),
    )?;
    let upk = fund::upk_id(store, UPK)?;
    for (movement, on, amount, memo, key) in [
        (
            Movement::Capital,
            cal.at(FIRST_LOANS, 2)?,
            25_000_000,
            "BLM",
            "demo:blm",
        ),
        (
            Movement::Cost,
            cal.at(FIRST_LOANS - 2, 1)?,
            150_000,
            "ATK dan rapat",
            "demo:cost",
        ),
    ] {
        store.post_fund_movement(upk, movement, on, Rupiah(amount), memo, key, &Actor::cli())?;
    }
    Ok(())
}

const MEMBERS: [[(&str, Sex); 7]; 3] = [
    [
        ("Siti Aminah", Sex::Female),
        ("Nur Hayati", Sex::Female),
        ("Euis Kurniasih", Sex::Female),
        ("Dedi Supriadi", Sex::Male),
        ("Ujang Saepudin", Sex::Male),
        ("Rohmat", Sex::Male),
        ("Iis Sumiati", Sex::Female),
    ],
    [
        ("Aisyah", Sex::Female),
        ("Entin Kartini", Sex::Female),
        ("Asep Saepuloh", Sex::Male),
        ("Jajang Nurjaman", Sex::Male),
        ("Yayah Rokayah", Sex::Female),
        ("Endang", Sex::Male),
        ("Cucu Suryani", Sex::Female),
    ],
    [
        ("Imas Masitoh", Sex::Female),
        ("Tatang", Sex::Male),
        ("Ade Rahmat", Sex::Male),
        ("Neneng Hasanah", Sex::Female),
        ("Oman Abdurahman", Sex::Male),
        ("Wawan Setiawan", Sex::Male),
        ("Lilis Suryani", Sex::Female),
    ],
];

pub(super) fn demo_user(store: &Store, name: &str) -> Result<(UserId, Actor)> {
    let u = store
        .user_by_name(&Username::parse(name)?)?
        .with_context(|| format!("demo user {name} not found"))?;
    Ok((
        u.id,
        Actor::User {
            id: u.id.get(),
            username: u.username,
        },
    ))
}

/// The UPK's work since the books were moved in: members and joint
/// liability, monthly group savings and costs, Mawar's loan rescheduled
/// and now three instalments behind, Kenanga's written off against the reserve, a
/// second loan to Melati entered by the cashier and approved by the BKM's
/// chair (maker-checker) and repaid on time so far, and Mawar's new
/// application waiting for the BKM.
pub fn run(store: &Store) -> Result<()> {
    let cal = Calendar::of(store);
    let cli = Actor::cli();
    let (maker, kasir) = demo_user(store, "upk.kasir")?;
    let (checker, ketua) = demo_user(store, "bkm.ketua")?;
    let joined = cal.at(FIRST_LOANS + 2, 1)?;
    let mut ids = Vec::new();
    for ((name, _), members) in KSM.iter().zip(MEMBERS) {
        let ksm = KsmId::new(org_id(store, name, OrgKind::Ksm)?.get());
        let mut member_ids = Vec::new();
        for (person, sex) in members {
            member_ids.push(store.add_ksm_member(ksm, person, sex, None, joined, &kasir)?);
        }
        let deed = format!("Surat perjanjian tanggung renteng {}", joined.year());
        store.record_joint_liability(ksm, joined, &deed, &kasir)?;
        for months in (1..=9).rev() {
            let month = cal.at(months, 5)?;
            let key = format!("demo:savings:{name}:{month}");
            store.post_savings(ksm, None, month, Rupiah(70_000), &key, &kasir)?;
        }
        ids.push((ksm, member_ids));
    }
    let upk = fund::upk_id(store, UPK)?;
    for months in (1..=12).rev() {
        let on = cal.at(months, 1)?;
        let key = format!("demo:cost:{on}");
        store.post_fund_movement(
            upk,
            Movement::Cost,
            on,
            Rupiah(60_000),
            "ATK dan rapat",
            &key,
            &cli,
        )?;
    }
    let first = cal.at(FIRST_LOANS, 10)?;
    // Mawar could not keep up: the rest over 12 months, paid for eight,
    // then three missed.
    let mawar_loan = first_loan_id(first, 1);
    let rescheduled = cal.at(FIRST_LOANS - 6, 1)?;
    let reason = "Usaha anggota terdampak banjir";
    store.reschedule(&mawar_loan, rescheduled, 12, reason, &cli)?;
    for months in (3..=FIRST_LOANS - 7).rev() {
        store.repay(
            &RepaymentInput {
                loan_id: mawar_loan.clone(),
                paid_on: cal.at(months, 3)?,
                amount: Rupiah(176_389),
                key: format!("demo:mawar:{months}"),
            },
            &kasir,
        )?;
    }
    let written_off = cal.at(5, 28)?;
    store.provision(upk, written_off, &kasir)?;
    store.write_off(
        &first_loan_id(first, 2),
        written_off,
        "Kelompok bubar; ditagih terus secara kekeluargaan",
        &kasir,
    )?;
    // Melati's second loan: 7 × 400,000 over 6 months, each instalment
    // paid on its day up to today; the rest falls due in the coming weeks.
    let (melati, members) = &ids[0];
    let amounts: Vec<_> = members.iter().map(|m| (*m, Rupiah(400_000))).collect();
    let applied = cal.at(4, 10)?;
    let app = store.apply_for_loan(*melati, applied, &amounts, 6, maker, None, &kasir)?;
    let minutes = format!("Rapat BKM {}", cal.at(4, 12)?.strftime("%d-%m-%Y"));
    store.decide_application(app, true, &minutes, checker, &ketua)?;
    let loan = store.disburse(app, cal.at(4, 15)?, &kasir)?;
    let view = store.loan(&loan)?.context("the demo loan was disbursed")?;
    for (k, i) in view.book.schedule.iter().enumerate() {
        if i.due > cal.today {
            break;
        }
        store.repay(
            &RepaymentInput {
                loan_id: loan.clone(),
                paid_on: i.due,
                amount: Rupiah(i.principal.0 + i.fee.0),
                key: format!("demo:kuitansi:{loan}:{}", k + 1),
            },
            &kasir,
        )?;
    }
    // Mawar asks again; the BKM has not decided yet.
    let (mawar, members) = &ids[1];
    let amounts: Vec<_> = members
        .iter()
        .take(5)
        .map(|m| (*m, Rupiah(300_000)))
        .collect();
    let asked = cal.today.checked_sub(10.days())?;
    store.apply_for_loan(*mawar, asked, &amounts, 10, maker, None, &kasir)?;
    Ok(())
}
