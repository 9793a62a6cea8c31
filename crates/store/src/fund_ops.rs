//! The revolving fund's day-to-day operations: KSM members, joint
//! liability and savings; applications approved by a second person;
//! disbursement, repayment, reversal, rescheduling, write-off and the
//! loan-loss reserve. Each operation is one IMMEDIATE transaction that
//! writes its record and its balanced journal entry together.

use crate::audit::{self, Actor};
use crate::fund::{book_by_loan_id, load_books_with_ids, parse_date, post, Poster};
use crate::{Result, Store, StoreError};
use jiff::civil::Date;
use lumbung_fund::journal::{Account, Entry};
use lumbung_fund::loan::{FeeRate, Rupiah};
use lumbung_fund::report::{portfolio, Context, LoanBook};
use lumbung_fund::rules::{self, Application, Group, Judgement, Member, Sex};
use lumbung_fund::settings::Settings;
use rusqlite::{params, OptionalExtension, Transaction, TransactionBehavior};
use serde::Serialize;
use std::collections::BTreeSet;

fn invalid(field: &str, message: impl Into<String>) -> StoreError {
    StoreError::invalid(field, message)
}

fn sex_text(s: Sex) -> &'static str {
    match s {
        Sex::F => "f",
        Sex::M => "m",
    }
}

/// A KSM member as stored.
#[derive(Debug, Clone, Serialize)]
pub struct MemberRow {
    pub id: i64,
    pub ksm_id: i64,
    pub name: String,
    pub sex: Sex,
    pub nik: Option<String>,
    /// The PS-2 household the member was picked from.
    pub household: Option<String>,
    pub joined_on: Date,
    pub left_on: Option<Date>,
}

/// A movement of a KSM's group savings.
#[derive(Debug, Clone, Serialize)]
pub struct SavingsRow {
    pub id: i64,
    pub member: Option<String>,
    pub on_date: Date,
    /// A deposit is positive, a withdrawal negative.
    pub amount: i64,
    pub journal_seq: i64,
}

/// A KSM with what its page and the rules need.
#[derive(Debug, Clone, Serialize)]
pub struct KsmView {
    pub id: i64,
    pub name: String,
    pub upk_id: i64,
    pub upk: String,
    pub joint_liability_on: Option<Date>,
    pub joint_liability_ref: Option<String>,
    pub members: Vec<MemberRow>,
    pub savings: Vec<SavingsRow>,
    pub savings_balance: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ApplicationRow {
    pub id: i64,
    pub upk_id: i64,
    pub upk: String,
    pub ksm_id: i64,
    pub ksm: String,
    pub applied_on: Date,
    /// (member id, member name, amount).
    pub amounts: Vec<(i64, String, i64)>,
    pub principal: i64,
    pub term_months: u16,
    pub fee_rate: String,
    pub schedule: String,
    pub frequency: String,
    pub warnings: Vec<rules::Finding>,
    pub entered_by: String,
    pub entered_by_id: i64,
    pub entered_at: String,
    pub status: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub note: Option<String>,
    pub loan_id: Option<String>,
}

/// One repayment as its loan's ledger and its receipt show it.
#[derive(Debug, Clone, Serialize)]
pub struct RepaymentRow {
    pub id: i64,
    pub loan_id: String,
    pub paid_on: Date,
    pub amount: i64,
    /// The journal entry that posted it: its receipt number.
    pub journal_seq: Option<i64>,
    pub principal: i64,
    pub fee: i64,
    pub left_over: i64,
    pub reversed: Option<String>,
}

/// What a repayment posting did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Repaid {
    /// The repayment's id, or `None` when its key was posted before.
    pub repayment: Option<i64>,
    pub journal_seq: Option<i64>,
}

/// A repayment to post (interactive or in a batch).
#[derive(Debug, Clone)]
pub struct RepaymentInput {
    pub loan_id: String,
    pub paid_on: Date,
    pub amount: Rupiah,
    /// The idempotency key: the same key twice posts once.
    pub key: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct BatchOutcome {
    pub posted: u64,
    pub already_posted: u64,
}

fn upk_of_ksm(tx: &rusqlite::Connection, ksm: i64) -> Result<(i64, String)> {
    tx.query_row(
        "SELECT k.parent_id, u.name FROM organisations k JOIN organisations u ON u.id = k.parent_id
         WHERE k.id = ?1 AND k.kind = 'ksm' AND u.kind = 'upk'",
        [ksm],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()?
    .ok_or_else(|| invalid("ksm", format!("no KSM {ksm} under a UPK")))
}

pub(crate) fn settings_tx(conn: &rusqlite::Connection, upk: i64) -> Result<Settings> {
    let raw: Option<String> = conn
        .query_row(
            "SELECT settings FROM fund_settings WHERE upk_id = ?1",
            [upk],
            |r| r.get(0),
        )
        .optional()?;
    match raw {
        None => Ok(Settings::default()),
        Some(raw) => Settings::from_json(&raw).map_err(|e| invalid("fund_settings", e.to_string())),
    }
}

fn cash_of(tx: &rusqlite::Connection, upk: i64) -> Result<i64> {
    Ok(tx.query_row(
        "SELECT coalesce(sum(amount), 0) FROM fund_account_days WHERE upk_id = ?1 AND account = 'cash'",
        [upk],
        |r| r.get(0),
    )?)
}

fn book_of(tx: &rusqlite::Connection, loan: i64) -> Result<LoanBook> {
    load_books_with_ids(tx, "l.id = ?1", Some(loan))?
        .pop()
        .map(|(_, b)| b)
        .ok_or_else(|| invalid("loan", format!("no loan {loan}")))
}

/// The loan's row id, UPK and KSM from its public id.
fn loan_by_id(tx: &rusqlite::Connection, loan_id: &str) -> Result<(i64, i64, i64)> {
    tx.prepare_cached("SELECT id, upk_id, ksm_id FROM fund_loans WHERE loan_id = ?1")?
        .query_row([loan_id.trim()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?
        .ok_or_else(|| invalid("loan_id", format!("no loan {:?}", loan_id.trim())))
}

/// Posts one repayment against a loan whose book is `book` (updated in
/// place): the split between principal, fee and money beyond the loan is
/// what the allocation of all payments covers with it, less without it.
#[allow(clippy::too_many_arguments)]
pub(crate) fn repay_tx(
    tx: &Transaction<'_>,
    poster: &mut Poster,
    loan: i64,
    loan_id: &str,
    upk: i64,
    ksm: i64,
    book: &mut LoanBook,
    paid_on: Date,
    amount: Rupiah,
    key: &str,
) -> Result<Repaid> {
    if amount.0 <= 0 {
        return Err(invalid(
            "amount",
            "a repayment must be more than zero (a correction is a reversal)",
        ));
    }
    poster.movement(tx, upk, "amount", amount)?;
    if paid_on < book.disbursed_on {
        return Err(invalid(
            "paid_on",
            format!(
                "{paid_on} is before the loan was disbursed ({})",
                book.disbursed_on
            ),
        ));
    }
    if let Some((on, _)) = book.written_off {
        return Err(invalid(
            "loan_id",
            format!("loan {loan_id} was written off on {on}"),
        ));
    }
    if let Some(r) = book.rescheduled.last() {
        if paid_on <= r.on {
            return Err(invalid(
                "paid_on",
                format!(
                    "{paid_on} is on or before the loan's rescheduling on {}",
                    r.on
                ),
            ));
        }
    }
    let (p0, f0, l0) = book.totals()?;
    let at = book.payments.partition_point(|p| p.0 <= paid_on);
    book.payments.insert(at, (paid_on, amount));
    // The allocation adds the loan's payments up: refused if they no
    // longer fit, before they are split.
    if lumbung_fund::loan::sum("repayments", book.payments.iter().map(|p| p.1 .0)).is_err() {
        book.payments.remove(at);
        return Err(StoreError::too_large("amount"));
    }
    let (p1, f1, l1) = book.totals()?;
    let seq = poster.post(
        tx,
        upk,
        Some(loan),
        &Entry::new(
            paid_on,
            format!("repayment of loan {loan_id}"),
            key.to_owned(),
            [
                (Account::Cash, amount.0),
                (Account::LoansReceivable(ksm), -(p1 - p0)),
                (Account::FeeIncome, -(f1 - f0)),
                (Account::SavingsHeld, -(l1 - l0)),
            ],
        ),
    )?;
    let Some(seq) = seq else {
        book.payments.remove(at);
        return Ok(Repaid {
            repayment: None,
            journal_seq: None,
        });
    };
    tx.prepare_cached(
        "INSERT INTO fund_repayments (loan, paid_on, amount, journal_seq) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![loan, paid_on.to_string(), amount.0, seq])?;
    Ok(Repaid {
        repayment: Some(tx.last_insert_rowid()),
        journal_seq: Some(seq),
    })
}

/// The page cache of a connection that posts batches, in KiB (512 MiB
/// was measured no faster across a city: the pages a batch needs are
/// scattered over the books, and the operating system caches the file).
const BULK_CACHE_KIB: i64 = 64 * 1024;

/// [`Store::repay_batch`] on one connection.
fn repay_batch_tx(
    conn: &mut rusqlite::Connection,
    batch: &[RepaymentInput],
    actor: &Actor,
) -> Result<BatchOutcome> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    // Each loan's row id by its public id, and its book, read once.
    let mut loans: std::collections::HashMap<&str, i64> = Default::default();
    let mut books: std::collections::HashMap<i64, LoanBook> = Default::default();
    let mut names = Default::default();
    let mut out = BatchOutcome::default();
    let mut poster = Poster::default();
    // UPK → (posted, already posted), for the audit log.
    let mut per_upk: std::collections::BTreeMap<i64, (u64, u64)> = Default::default();
    for (i, r) in batch.iter().enumerate() {
        let loan_id = r.loan_id.trim();
        let loan = match loans.get(loan_id) {
            Some(loan) => *loan,
            None => {
                let Some((loan, book)) = book_by_loan_id(&tx, loan_id, &mut names)? else {
                    // No such loan, or its UPK is gone: the errors `loan_by_id`
                    // and `book_of` give.
                    let (loan, _, _) = loan_by_id(&tx, loan_id)?;
                    return Err(invalid("loan", format!("no loan {loan}")));
                };
                loans.insert(loan_id, loan);
                books.insert(loan, book);
                loan
            }
        };
        let book = books.get_mut(&loan).expect("loaded");
        let (upk, ksm) = (book.upk_id, book.ksm);
        let done = repay_tx(
            &tx,
            &mut poster,
            loan,
            loan_id,
            upk,
            ksm,
            book,
            r.paid_on,
            r.amount,
            &r.key,
        )
        .map_err(|e| match e {
            StoreError::Invalid { field, message } => {
                invalid(&field, format!("repayment {}: {message}", i + 1))
            }
            other => other,
        })?;
        let counts = per_upk.entry(upk).or_default();
        if done.repayment.is_some() {
            out.posted += 1;
            counts.0 += 1;
        } else {
            out.already_posted += 1;
            counts.1 += 1;
        }
    }
    poster.finish(&tx)?;
    // One entry per UPK, so that each UPK's auditors see its part.
    for (upk, (posted, already_posted)) in per_upk {
        if posted > 0 {
            audit::record_for_org(
                &tx,
                actor,
                "fund.repay_batch",
                "fund",
                "batch",
                upk,
                serde_json::json!({"posted": posted, "already_posted": already_posted}),
            )?;
        }
    }
    tx.commit()?;
    Ok(out)
}

impl Store {
    pub fn fund_settings(&self, upk: i64) -> Result<Settings> {
        let conn = self.conn()?;
        settings_tx(&conn, upk)
    }

    pub fn set_fund_settings(&self, upk: i64, settings: Settings, actor: &Actor) -> Result<()> {
        let settings = settings
            .checked()
            .map_err(|e| invalid(e.field, e.message))?;
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let json = serde_json::to_string(&settings).expect("settings serialise");
        tx.execute(
            "INSERT INTO fund_settings (upk_id, settings, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (upk_id) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at",
            params![upk, json, crate::now()],
        )?;
        audit::record(
            &tx,
            actor,
            "fund.settings",
            "organisation",
            &upk.to_string(),
            None,
            serde_json::from_str(&json).expect("json"),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// What the portfolio report needs besides the loans: every UPK's
    /// settings, finances as of the date, and the areas it rolls up into
    /// (the proper ancestors of its area, or of its BKM's, below the root).
    pub fn fund_context(&self, as_of: Date) -> Result<Context> {
        let mut ctx = Context {
            finances: self.fund_finances(as_of)?,
            ..Context::default()
        };
        let conn = self.conn()?;
        let mut stmt = conn.prepare("SELECT upk_id, settings FROM fund_settings")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let s = Settings::from_json(&r.get::<_, String>(1)?)
                .map_err(|e| invalid("fund_settings", e.to_string()))?;
            ctx.settings.insert(r.get(0)?, s);
        }
        let mut stmt = conn.prepare(
            "SELECT u.id, a.path FROM organisations u
             LEFT JOIN organisations p ON p.id = u.parent_id
             JOIN areas a ON a.code = coalesce(u.area_code, p.area_code)
             WHERE u.kind = 'upk'",
        )?;
        let rows: Vec<(i64, String)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut area_stmt = conn
            .prepare_cached("SELECT code, name, coalesce(kind, '') FROM areas WHERE code = ?1")?;
        for (upk, path) in rows {
            // The stored path is `/root/…/own/`: roll up into each proper
            // ancestor except the root.
            let codes: Vec<&str> = path.split('/').filter(|c| !c.is_empty()).collect();
            let mut refs = Vec::new();
            for code in codes.iter().skip(1).take(codes.len().saturating_sub(2)) {
                if let Some(a) = area_stmt
                    .query_row([code], |r| {
                        Ok(lumbung_fund::report::AreaRef {
                            code: r.get(0)?,
                            name: r.get(1)?,
                            level: r.get(2)?,
                        })
                    })
                    .optional()?
                {
                    refs.push(a);
                }
            }
            ctx.areas.insert(upk, refs);
        }
        Ok(ctx)
    }

    /// Creates a KSM under a UPK (in the UPK's area); a KSM of that name
    /// under it already is an error.
    pub fn create_ksm(&self, upk: i64, name: &str, actor: &Actor) -> Result<i64> {
        let name = name.trim();
        if name.is_empty() {
            return Err(invalid("name", "a KSM needs a name"));
        }
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let area: Option<Option<String>> = tx
            .query_row(
                "SELECT coalesce(u.area_code, p.area_code) FROM organisations u
                 LEFT JOIN organisations p ON p.id = u.parent_id WHERE u.id = ?1 AND u.kind = 'upk'",
                [upk],
                |r| r.get(0),
            )
            .optional()?;
        let Some(area) = area else {
            return Err(invalid("upk", format!("no UPK {upk}")));
        };
        let taken: bool = tx
            .query_row(
                "SELECT 1 FROM organisations WHERE kind = 'ksm' AND parent_id = ?1 AND lower(name) = lower(?2)",
                params![upk, name],
                |_| Ok(true),
            )
            .optional()?
            .is_some();
        if taken {
            return Err(invalid(
                "name",
                format!("this UPK has a KSM named {name:?}"),
            ));
        }
        let now = crate::now();
        tx.execute(
            "INSERT INTO organisations (name, kind, area_code, parent_id, attributes, created_at, updated_at)
             VALUES (?1, 'ksm', ?2, ?3, '{}', ?4, ?4)",
            params![name, area, upk, now],
        )?;
        let id = tx.last_insert_rowid();
        audit::record(
            &tx,
            actor,
            "org.create",
            "organisation",
            &id.to_string(),
            None,
            serde_json::json!({"name": name, "kind": "ksm", "upk": upk}),
        )?;
        tx.commit()?;
        Ok(id)
    }

    pub fn ksm(&self, ksm: i64) -> Result<Option<KsmView>> {
        let conn = self.conn()?;
        let head: Option<(String, Option<String>, Option<String>)> = conn
            .query_row(
                "SELECT o.name, f.joint_liability_on, f.joint_liability_ref FROM organisations o
                 LEFT JOIN fund_ksm f ON f.ksm_id = o.id WHERE o.id = ?1 AND o.kind = 'ksm'",
                [ksm],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let Some((name, jl_on, jl_ref)) = head else {
            return Ok(None);
        };
        let (upk_id, upk) = upk_of_ksm(&conn, ksm)?;
        let members = members_tx(&conn, ksm)?;
        let mut stmt = conn.prepare(
            "SELECT s.id, m.name, s.on_date, s.amount, s.journal_seq FROM fund_savings s
             LEFT JOIN fund_members m ON m.id = s.member_id WHERE s.ksm_id = ?1 ORDER BY s.on_date, s.id",
        )?;
        let savings = stmt
            .query_map([ksm], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get::<_, String>(2)?,
                    r.get(3)?,
                    r.get(4)?,
                ))
            })?
            .map(|row| {
                let (id, member, on, amount, journal_seq) = row?;
                Ok(SavingsRow {
                    id,
                    member,
                    on_date: parse_date(&on)?,
                    amount,
                    journal_seq,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Some(KsmView {
            id: ksm,
            name,
            upk_id,
            upk,
            joint_liability_on: jl_on.as_deref().map(parse_date).transpose()?,
            joint_liability_ref: jl_ref,
            savings_balance: lumbung_fund::loan::sum("savings", savings.iter().map(|s| s.amount))?,
            members,
            savings,
        }))
    }

    /// The KSMs of a UPK: (id, name, active members).
    pub fn ksms_of(&self, upk: i64) -> Result<Vec<(i64, String, i64)>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare(
            "SELECT o.id, o.name, (SELECT count(*) FROM fund_members m WHERE m.ksm_id = o.id AND m.left_on IS NULL)
             FROM organisations o WHERE o.kind = 'ksm' AND o.parent_id = ?1 ORDER BY o.name COLLATE NOCASE",
        )?;
        let rows = stmt.query_map([upk], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn add_ksm_member(
        &self,
        ksm: i64,
        name: &str,
        sex: Sex,
        nik: Option<&str>,
        joined_on: Date,
        actor: &Actor,
    ) -> Result<i64> {
        self.insert_member(ksm, name, sex, nik, None, joined_on, actor)
    }

    /// Adds a member, typed in or (with `household`) from the PS-2 list.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn insert_member(
        &self,
        ksm: i64,
        name: &str,
        sex: Sex,
        nik: Option<&str>,
        household: Option<&str>,
        joined_on: Date,
        actor: &Actor,
    ) -> Result<i64> {
        let name = name.trim();
        if name.is_empty() {
            return Err(invalid("name", "a member needs a name"));
        }
        let nik = nik.map(str::trim).filter(|n| !n.is_empty());
        if let Some(n) = nik {
            if n.len() != 16 || !n.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid("nik", format!("NIK {n:?} must be 16 digits")));
            }
        }
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (upk, _) = upk_of_ksm(&tx, ksm)?;
        tx.execute(
            "INSERT INTO fund_members (ksm_id, name, sex, nik, household, joined_on, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![ksm, name, sex_text(sex), nik, household, joined_on.to_string(), crate::now()],
        )?;
        let id = tx.last_insert_rowid();
        audit::record(
            &tx,
            actor,
            "fund.member.add",
            "organisation",
            &upk.to_string(),
            None,
            serde_json::json!({"ksm": ksm, "member": id, "name": name, "household": household}),
        )?;
        tx.commit()?;
        Ok(id)
    }

    /// Records that a member left the group on a date (kept in history).
    pub fn member_leaves(&self, member: i64, on: Date, actor: &Actor) -> Result<()> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let changed = tx.execute(
            "UPDATE fund_members SET left_on = ?2 WHERE id = ?1 AND left_on IS NULL",
            params![member, on.to_string()],
        )?;
        if changed == 0 {
            return Err(invalid("member", format!("no current member {member}")));
        }
        let ksm: i64 = tx.query_row(
            "SELECT ksm_id FROM fund_members WHERE id = ?1",
            [member],
            |r| r.get(0),
        )?;
        let (upk, _) = upk_of_ksm(&tx, ksm)?;
        audit::record_for_org(
            &tx,
            actor,
            "fund.member.leave",
            "fund_member",
            &member.to_string(),
            upk,
            serde_json::json!({"on": on.to_string()}),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Records the group's written joint liability (tanggung renteng).
    pub fn record_joint_liability(
        &self,
        ksm: i64,
        on: Date,
        reference: &str,
        actor: &Actor,
    ) -> Result<()> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (upk, _) = upk_of_ksm(&tx, ksm)?;
        tx.execute(
            "INSERT INTO fund_ksm (ksm_id, joint_liability_on, joint_liability_ref) VALUES (?1, ?2, ?3)
             ON CONFLICT (ksm_id) DO UPDATE SET joint_liability_on = excluded.joint_liability_on,
                 joint_liability_ref = excluded.joint_liability_ref",
            params![ksm, on.to_string(), reference.trim()],
        )?;
        audit::record(
            &tx,
            actor,
            "fund.joint_liability",
            "organisation",
            &upk.to_string(),
            None,
            serde_json::json!({"ksm": ksm, "on": on.to_string(), "reference": reference.trim()}),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// A savings deposit (positive) or withdrawal (negative) of a KSM,
    /// posted against cash and savings held; a withdrawal beyond the
    /// group's balance is refused. The same key again posts once.
    #[allow(clippy::too_many_arguments)]
    pub fn post_savings(
        &self,
        ksm: i64,
        member: Option<i64>,
        on: Date,
        amount: Rupiah,
        key: &str,
        actor: &Actor,
    ) -> Result<bool> {
        if amount.0 == 0 {
            return Err(invalid("amount", "an amount of zero moves nothing"));
        }
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (upk, _) = upk_of_ksm(&tx, ksm)?;
        settings_tx(&tx, upk)?.movement("amount", amount)?;
        if let Some(m) = member {
            let ok: bool = tx
                .query_row(
                    "SELECT 1 FROM fund_members WHERE id = ?1 AND ksm_id = ?2",
                    params![m, ksm],
                    |_| Ok(true),
                )
                .optional()?
                .is_some();
            if !ok {
                return Err(invalid("member", format!("member {m} is not in this KSM")));
            }
        }
        if amount.0 < 0 {
            let balance: i64 = tx.query_row(
                "SELECT coalesce(sum(amount), 0) FROM fund_savings WHERE ksm_id = ?1",
                [ksm],
                |r| r.get(0),
            )?;
            if lumbung_fund::loan::add("savings", balance, amount.0)? < 0 {
                return Err(invalid(
                    "amount",
                    format!(
                        "a withdrawal of {} is more than the group's savings of {balance}",
                        -amount.0
                    ),
                ));
            }
        }
        let memo = if amount.0 > 0 {
            "savings deposit"
        } else {
            "savings withdrawal"
        };
        let Some(seq) = post(
            &tx,
            upk,
            None,
            &Entry::new(
                on,
                memo.into(),
                key.to_owned(),
                [(Account::Cash, amount.0), (Account::SavingsHeld, -amount.0)],
            ),
        )?
        else {
            return Ok(false);
        };
        tx.execute(
            "INSERT INTO fund_savings (ksm_id, member_id, on_date, amount, journal_seq) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![ksm, member, on.to_string(), amount.0, seq],
        )?;
        audit::record(
            &tx,
            actor,
            "fund.savings",
            "organisation",
            &upk.to_string(),
            None,
            serde_json::json!({"ksm": ksm, "amount": amount.0, "journal": seq}),
        )?;
        tx.commit()?;
        Ok(true)
    }

    /// What the rules know of a group on a date.
    fn group_tx(
        &self,
        conn: &rusqlite::Connection,
        ksm: i64,
        settings: &Settings,
    ) -> Result<Group> {
        let members = members_tx(conn, ksm)?;
        let ps2 = crate::fund_ps2::ps2_households(conn, ksm)?;
        let mut out = Vec::new();
        for m in members.into_iter().filter(|m| m.left_on.is_none()) {
            // A member's earlier loans: their shares of the KSM's loans.
            let loans: Vec<i64> = conn
                .prepare_cached("SELECT loan FROM fund_loan_members WHERE member_id = ?1")?
                .query_map([m.id], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            let mut good = true;
            for loan in &loans {
                let book = book_of(conn, *loan)?;
                let far = Date::constant(9999, 12, 31);
                let paid_off = book
                    .standing(far, &[])
                    .is_some_and(|a| a.outstanding.0 == 0);
                let never_late = book.schedule.iter().all(|i| {
                    book.standing(i.due, &settings.class_thresholds())
                        .is_some_and(|a| a.missed < settings.arrears_threshold)
                });
                good &= paid_off && never_late;
            }
            out.push(Member {
                id: m.id,
                name: m.name,
                sex: m.sex,
                earlier_loans: loans.len() as u16,
                good_record: good,
                on_ps2: ps2
                    .as_ref()
                    .map(|set| m.household.as_ref().is_some_and(|h| set.contains(h))),
            });
        }
        let joint_liability: bool = conn
            .query_row(
                "SELECT joint_liability_on IS NOT NULL FROM fund_ksm WHERE ksm_id = ?1",
                [ksm],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(false);
        let mut savings_months = BTreeSet::new();
        let mut stmt =
            conn.prepare("SELECT on_date FROM fund_savings WHERE ksm_id = ?1 AND amount > 0")?;
        for d in stmt.query_map([ksm], |r| r.get::<_, String>(0))? {
            let d = parse_date(&d?)?;
            savings_months.insert((d.year(), d.month()));
        }
        let had_loan: bool = conn
            .query_row(
                "SELECT 1 FROM fund_loans WHERE ksm_id = ?1 LIMIT 1",
                [ksm],
                |_| Ok(true),
            )
            .optional()?
            .is_some();
        Ok(Group {
            members: out,
            joint_liability,
            savings_months,
            had_loan,
        })
    }

    /// Judges an application without storing it (for a form's preview).
    pub fn judge_application(
        &self,
        ksm: i64,
        applied_on: Date,
        amounts: &[(i64, Rupiah)],
        term_months: u16,
    ) -> Result<Judgement> {
        let conn = self.conn()?;
        let (upk, _) = upk_of_ksm(&conn, ksm)?;
        let settings = settings_tx(&conn, upk)?;
        for (_, a) in amounts {
            settings.movement("amount", *a)?;
        }
        let group = self.group_tx(&conn, ksm, &settings)?;
        Ok(rules::judge(
            &settings,
            &group,
            &Application {
                applied_on,
                amounts: amounts.to_vec(),
                term_months,
            },
        ))
    }

    /// Enters an application (the maker). A broken rule refuses it, every
    /// finding listed; missed targets are kept as warnings for the checker.
    pub fn apply_for_loan(
        &self,
        ksm: i64,
        applied_on: Date,
        amounts: &[(i64, Rupiah)],
        term_months: u16,
        entered_by: i64,
        actor: &Actor,
    ) -> Result<i64> {
        lumbung_fund::book_day(applied_on).map_err(|e| invalid("date", e.to_string()))?;
        let judgement = self.judge_application(ksm, applied_on, amounts, term_months)?;
        if !judgement.refused.is_empty() {
            let text: Vec<String> = judgement.refused.iter().map(|f| f.detail.clone()).collect();
            return Err(invalid("application", text.join("; ")));
        }
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (upk, _) = upk_of_ksm(&tx, ksm)?;
        let settings = settings_tx(&tx, upk)?;
        let principal = lumbung_fund::loan::sum("principal", amounts.iter().map(|(_, a)| a.0))?;
        tx.execute(
            "INSERT INTO fund_applications (upk_id, ksm_id, applied_on, amounts, principal, term_months, fee_rate, schedule,
                 frequency, warnings, entered_by, entered_at, status)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 'pending')",
            params![
                upk,
                ksm,
                applied_on.to_string(),
                serde_json::to_string(&amounts.iter().map(|(m, a)| (*m, a.0)).collect::<Vec<_>>()).expect("json"),
                principal,
                term_months,
                settings.fee_rate,
                settings.schedule.as_str(),
                settings.frequency.as_str(),
                serde_json::to_string(&judgement.warnings).expect("json"),
                entered_by,
                crate::now()
            ],
        )?;
        let id = tx.last_insert_rowid();
        audit::record(
            &tx,
            actor,
            "fund.apply",
            "organisation",
            &upk.to_string(),
            None,
            serde_json::json!({"application": id, "ksm": ksm, "principal": principal}),
        )?;
        tx.commit()?;
        Ok(id)
    }

    /// Approves or rejects a pending application (the checker). The
    /// checker is never the one who entered it.
    pub fn decide_application(
        &self,
        id: i64,
        approve: bool,
        note: &str,
        decided_by: i64,
        actor: &Actor,
    ) -> Result<()> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (upk, status, entered_by): (i64, String, i64) = tx
            .query_row(
                "SELECT upk_id, status, entered_by FROM fund_applications WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?
            .ok_or_else(|| invalid("application", format!("no application {id}")))?;
        if status != "pending" {
            return Err(invalid(
                "application",
                format!("application {id} is {status}, not pending"),
            ));
        }
        if entered_by == decided_by {
            return Err(invalid(
                "application",
                "the person who entered an application cannot approve it (maker-checker)",
            ));
        }
        let to = if approve { "approved" } else { "rejected" };
        tx.execute(
            "UPDATE fund_applications SET status = ?2, decided_by = ?3, decided_at = ?4, note = ?5 WHERE id = ?1",
            params![id, to, decided_by, crate::now(), note.trim()],
        )?;
        audit::record(
            &tx,
            actor,
            &format!("fund.application.{to}"),
            "organisation",
            &upk.to_string(),
            None,
            serde_json::json!({"application": id, "note": note.trim()}),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Disburses an approved application: the loan, its members' shares and
    /// the entry moving cash to loans receivable, in one transaction. A UPK
    /// cannot lend cash it does not hold. Returns the new loan's id.
    pub fn disburse(&self, application: i64, on: Date, actor: &Actor) -> Result<String> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (upk, ksm, status, amounts, principal, term, rate, kind, applied_on, frequency): (
            i64,
            i64,
            String,
            String,
            i64,
            i64,
            String,
            String,
            String,
            String,
        ) = tx
            .query_row(
                "SELECT upk_id, ksm_id, status, amounts, principal, term_months, fee_rate, schedule, applied_on, frequency
                 FROM fund_applications WHERE id = ?1",
                [application],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?, r.get(9)?)),
            )
            .optional()?
            .ok_or_else(|| invalid("application", format!("no application {application}")))?;
        if status != "approved" {
            return Err(invalid(
                "application",
                format!("application {application} is {status}; only an approved one is disbursed"),
            ));
        }
        if on < parse_date(&applied_on)? {
            return Err(invalid(
                "on",
                "a loan cannot be disbursed before it was applied for",
            ));
        }
        let cash = cash_of(&tx, upk)?;
        if cash < principal {
            return Err(invalid(
                "principal",
                format!("the UPK holds Rp {cash} in cash, less than the Rp {principal} to lend"),
            ));
        }
        let loan_id = format!("UPK{upk}-{application:06}");
        tx.execute(
            "INSERT INTO fund_loans (loan_id, upk_id, ksm_id, disbursed_on, principal, term_months, fee_rate, schedule, frequency, migrated, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 0, ?10)",
            params![loan_id, upk, ksm, on.to_string(), principal, term, rate, kind, frequency, crate::now()],
        )?;
        let loan = tx.last_insert_rowid();
        let shares: Vec<(i64, i64)> =
            serde_json::from_str(&amounts).map_err(|_| invalid("amounts", "unreadable"))?;
        for (member, amount) in shares {
            tx.execute(
                "INSERT INTO fund_loan_members (loan, member_id, amount) VALUES (?1, ?2, ?3)",
                params![loan, member, amount],
            )?;
        }
        let ksm_name: String =
            tx.query_row("SELECT name FROM organisations WHERE id = ?1", [ksm], |r| {
                r.get(0)
            })?;
        post(
            &tx,
            upk,
            Some(loan),
            &Entry::new(
                on,
                format!("loan {loan_id} to {ksm_name}"),
                format!("loan:{loan_id}"),
                [
                    (Account::LoansReceivable(ksm), principal),
                    (Account::Cash, -principal),
                ],
            ),
        )?;
        tx.execute(
            "UPDATE fund_applications SET status = 'disbursed', loan = ?2 WHERE id = ?1",
            params![application, loan],
        )?;
        audit::record(
            &tx,
            actor,
            "fund.disburse",
            "organisation",
            &upk.to_string(),
            None,
            serde_json::json!({"application": application, "loan": loan_id, "principal": principal}),
        )?;
        tx.commit()?;
        Ok(loan_id)
    }

    /// The UPK an application belongs to.
    pub fn application_upk(&self, id: i64) -> Result<Option<i64>> {
        Ok(self
            .conn()?
            .query_row(
                "SELECT upk_id FROM fund_applications WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()?)
    }

    pub fn fund_applications(&self, upk: Option<i64>) -> Result<Vec<ApplicationRow>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare(
            "SELECT a.id, a.upk_id, u.name, a.ksm_id, k.name, a.applied_on, a.amounts, a.principal, a.term_months,
                    a.fee_rate, a.schedule, a.warnings, e.username, a.entered_by, a.entered_at, a.status,
                    d.username, a.decided_at, a.note, l.loan_id, a.frequency
             FROM fund_applications a
             JOIN organisations u ON u.id = a.upk_id JOIN organisations k ON k.id = a.ksm_id
             JOIN users e ON e.id = a.entered_by LEFT JOIN users d ON d.id = a.decided_by
             LEFT JOIN fund_loans l ON l.id = a.loan
             WHERE ?1 IS NULL OR a.upk_id = ?1 ORDER BY a.id DESC",
        )?;
        let mut rows = stmt.query([upk])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let amounts: Vec<(i64, i64)> =
                serde_json::from_str(&r.get::<_, String>(6)?).unwrap_or_default();
            let mut named = Vec::new();
            for (m, a) in amounts {
                let name: String = conn
                    .query_row("SELECT name FROM fund_members WHERE id = ?1", [m], |r| {
                        r.get(0)
                    })
                    .optional()?
                    .unwrap_or_else(|| m.to_string());
                named.push((m, name, a));
            }
            out.push(ApplicationRow {
                id: r.get(0)?,
                upk_id: r.get(1)?,
                upk: r.get(2)?,
                ksm_id: r.get(3)?,
                ksm: r.get(4)?,
                applied_on: parse_date(&r.get::<_, String>(5)?)?,
                amounts: named,
                principal: r.get(7)?,
                term_months: r.get::<_, i64>(8)? as u16,
                fee_rate: r.get(9)?,
                schedule: r.get(10)?,
                frequency: r.get(20)?,
                warnings: serde_json::from_str(&r.get::<_, String>(11)?).unwrap_or_default(),
                entered_by: r.get(12)?,
                entered_by_id: r.get(13)?,
                entered_at: r.get(14)?,
                status: r.get(15)?,
                decided_by: r.get(16)?,
                decided_at: r.get(17)?,
                note: r.get(18)?,
                loan_id: r.get(19)?,
            });
        }
        Ok(out)
    }

    /// Posts one repayment in its own transaction.
    pub fn repay(&self, input: &RepaymentInput, actor: &Actor) -> Result<Repaid> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (loan, upk, ksm) = loan_by_id(&tx, &input.loan_id)?;
        let mut book = book_of(&tx, loan)?;
        let mut poster = Poster::default();
        let done = repay_tx(
            &tx,
            &mut poster,
            loan,
            input.loan_id.trim(),
            upk,
            ksm,
            &mut book,
            input.paid_on,
            input.amount,
            &input.key,
        )?;
        poster.finish(&tx)?;
        if let Some(id) = done.repayment {
            audit::record(
                &tx,
                actor,
                "fund.repay",
                "organisation",
                &upk.to_string(),
                None,
                serde_json::json!({"loan": input.loan_id.trim(), "repayment": id, "amount": input.amount.0}),
            )?;
        }
        tx.commit()?;
        Ok(done)
    }

    /// Posts repayments in one transaction (one durable commit for the
    /// batch): all or none; keys posted before are skipped and counted.
    pub fn repay_batch(&self, batch: &[RepaymentInput], actor: &Actor) -> Result<BatchOutcome> {
        let mut conn = self.conn()?;
        // A city's batch touches index pages all over the books: this
        // connection keeps more of them in memory (for the batches after
        // too), and the WAL grows to ~400 MB before it is copied back into
        // the database, rather than after every batch. Each batch is still
        // one commit.
        let cache: i64 = conn.query_row("PRAGMA cache_size", [], |r| r.get(0))?;
        if (-BULK_CACHE_KIB..0).contains(&cache) || (0..BULK_CACHE_KIB / 4).contains(&cache) {
            conn.execute_batch(&format!("PRAGMA cache_size = -{BULK_CACHE_KIB}"))?;
        }
        // The commit is synced (not only written to the WAL), so that a
        // batch posted survives a power cut, not only a crash.
        let before: (i64, i64) = (
            conn.query_row("PRAGMA wal_autocheckpoint", [], |r| r.get(0))?,
            conn.query_row("PRAGMA synchronous", [], |r| r.get(0))?,
        );
        conn.execute_batch("PRAGMA wal_autocheckpoint = 100000; PRAGMA synchronous = FULL")?;
        let out = repay_batch_tx(&mut conn, batch, actor);
        let restored = conn.execute_batch(&format!(
            "PRAGMA wal_autocheckpoint = {}; PRAGMA synchronous = {}",
            before.0, before.1
        ));
        let out = out?;
        restored?;
        Ok(out)
    }

    /// Reverses a repayment: an entry that takes back what the payment
    /// changed (the split of later payments included), and a record of the
    /// reversal; the repayment row and its entry stay as they were.
    pub fn reverse_repayment(
        &self,
        repayment: i64,
        on: Date,
        reason: &str,
        actor: &Actor,
    ) -> Result<i64> {
        if reason.trim().is_empty() {
            return Err(invalid("reason", "a reversal needs a reason"));
        }
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (loan, paid_on, amount): (i64, String, i64) = tx
            .query_row(
                "SELECT loan, paid_on, amount FROM fund_repayments WHERE id = ?1",
                [repayment],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?
            .ok_or_else(|| invalid("repayment", format!("no repayment {repayment}")))?;
        let reversed: bool = tx
            .query_row(
                "SELECT 1 FROM fund_reversals WHERE repayment = ?1",
                [repayment],
                |_| Ok(true),
            )
            .optional()?
            .is_some();
        if reversed {
            return Err(invalid(
                "repayment",
                format!("repayment {repayment} is reversed already"),
            ));
        }
        let paid_on = parse_date(&paid_on)?;
        let (loan_id, upk, ksm): (String, i64, i64) = tx.query_row(
            "SELECT loan_id, upk_id, ksm_id FROM fund_loans WHERE id = ?1",
            [loan],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        let mut book = book_of(&tx, loan)?;
        if let Some((w, _)) = book.written_off {
            return Err(invalid(
                "repayment",
                format!("loan {loan_id} was written off on {w}"),
            ));
        }
        if book.rescheduled.last().is_some_and(|r| paid_on <= r.on) {
            return Err(invalid(
                "repayment",
                "a payment made before the loan's rescheduling stays: its remaining principal was settled on it",
            ));
        }
        let (p1, f1, l1) = book.totals()?;
        let at = book
            .payments
            .iter()
            .position(|p| *p == (paid_on, Rupiah(amount)))
            .expect("a repayment not reversed is in its book");
        book.payments.remove(at);
        let (p0, f0, l0) = book.totals()?;
        let seq = post(
            &tx,
            upk,
            Some(loan),
            &Entry::new(
                on,
                format!(
                    "reversal of repayment {repayment} of loan {loan_id}: {}",
                    reason.trim()
                ),
                format!("reversal:repayment:{repayment}"),
                [
                    (Account::Cash, -amount),
                    (Account::LoansReceivable(ksm), p1 - p0),
                    (Account::FeeIncome, f1 - f0),
                    (Account::SavingsHeld, l1 - l0),
                ],
            ),
        )?
        .expect("a repayment is reversed once");
        tx.execute(
            "INSERT INTO fund_reversals (repayment, reason, journal_seq, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![repayment, reason.trim(), seq, crate::now()],
        )?;
        audit::record(
            &tx,
            actor,
            "fund.reverse",
            "organisation",
            &upk.to_string(),
            None,
            serde_json::json!({"repayment": repayment, "loan": loan_id, "reason": reason.trim()}),
        )?;
        tx.commit()?;
        Ok(seq)
    }

    /// Reschedules a loan: the principal left after the payments up to `on`
    /// is spread over a new term from `on` (the old schedule is kept; fee
    /// unpaid under it is not carried over). No payment may be dated after
    /// `on`.
    pub fn reschedule(
        &self,
        loan_id: &str,
        on: Date,
        term_months: u16,
        reason: &str,
        actor: &Actor,
    ) -> Result<()> {
        lumbung_fund::book_day(on).map_err(|e| invalid("date", e.to_string()))?;
        if reason.trim().is_empty() {
            return Err(invalid("reason", "a rescheduling needs a reason"));
        }
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (loan, upk, _) = loan_by_id(&tx, loan_id)?;
        let settings = settings_tx(&tx, upk)?;
        if !(settings.term_min..=settings.term_max).contains(&term_months) {
            return Err(invalid(
                "term_months",
                format!(
                    "a term of {term_months} months is outside {}–{}",
                    settings.term_min, settings.term_max
                ),
            ));
        }
        let book = book_of(&tx, loan)?;
        if book.written_off.is_some() {
            return Err(invalid("loan_id", "a written-off loan is not rescheduled"));
        }
        if on < book.disbursed_on || book.rescheduled.last().is_some_and(|r| on <= r.on) {
            return Err(invalid(
                "on",
                "a rescheduling follows the disbursement and any earlier rescheduling",
            ));
        }
        if let Some(last) = book.payments.last().filter(|p| p.0 > on) {
            return Err(invalid(
                "on",
                format!("a payment is dated {} after {on}", last.0),
            ));
        }
        let remaining = book.standing(on, &[]).map_or(0, |a| a.outstanding.0);
        if remaining <= 0 {
            return Err(invalid(
                "loan_id",
                format!("loan {loan_id} has nothing left to reschedule"),
            ));
        }
        // The new schedule keeps the loan's fee, kind and frequency.
        let (rate, kind, frequency): (String, String, String) = tx.query_row(
            "SELECT fee_rate, schedule, frequency FROM fund_loans WHERE id = ?1",
            [loan],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        tx.execute(
            "INSERT INTO fund_reschedules (loan, on_date, principal, term_months, fee_rate, schedule, frequency, reason, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![loan, on.to_string(), remaining, term_months, rate, kind, frequency, reason.trim(), crate::now()],
        )?;
        audit::record(
            &tx,
            actor,
            "fund.reschedule",
            "organisation",
            &upk.to_string(),
            None,
            serde_json::json!({"loan": loan_id.trim(), "on": on.to_string(), "principal": remaining, "term_months": term_months, "reason": reason.trim()}),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Writes off the principal a loan still has on a date, against the
    /// loan-loss reserve. Later payments are refused.
    pub fn write_off(&self, loan_id: &str, on: Date, reason: &str, actor: &Actor) -> Result<i64> {
        if reason.trim().is_empty() {
            return Err(invalid("reason", "a write-off needs a reason"));
        }
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (loan, upk, ksm) = loan_by_id(&tx, loan_id)?;
        let book = book_of(&tx, loan)?;
        if book.written_off.is_some() {
            return Err(invalid(
                "loan_id",
                format!("loan {loan_id} is written off already"),
            ));
        }
        if on < book.disbursed_on || book.rescheduled.last().is_some_and(|r| on < r.on) {
            return Err(invalid(
                "on",
                "a write-off follows the disbursement and any rescheduling",
            ));
        }
        if let Some(last) = book.payments.last().filter(|p| p.0 > on) {
            return Err(invalid(
                "on",
                format!("a payment is dated {} after {on}", last.0),
            ));
        }
        // Everything paid counts, whatever its date.
        let (paid, _, _) = book.totals()?;
        let principal =
            lumbung_fund::loan::sum("principal", book.schedule.iter().map(|i| i.principal.0))?
                .checked_sub(paid)
                .ok_or(lumbung_fund::TooLarge("principal"))?;
        if principal <= 0 {
            return Err(invalid(
                "loan_id",
                format!("loan {loan_id} has nothing left to write off"),
            ));
        }
        let seq = post(
            &tx,
            upk,
            Some(loan),
            &Entry::new(
                on,
                format!("write-off of loan {}: {}", loan_id.trim(), reason.trim()),
                format!("write_off:{}", loan_id.trim()),
                [
                    (Account::LoanLossReserve, principal),
                    (Account::LoansReceivable(ksm), -principal),
                ],
            ),
        )?
        .expect("a loan is written off once");
        tx.execute(
            "INSERT INTO fund_write_offs (loan, on_date, principal, reason, journal_seq, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![loan, on.to_string(), principal, reason.trim(), seq, crate::now()],
        )?;
        audit::record(
            &tx,
            actor,
            "fund.write_off",
            "organisation",
            &upk.to_string(),
            None,
            serde_json::json!({"loan": loan_id.trim(), "principal": principal, "reason": reason.trim()}),
        )?;
        tx.commit()?;
        Ok(principal)
    }

    /// Brings a UPK's loan-loss reserve to what its portfolio needs on a
    /// date (outstanding × the rate of each loan's class): one entry for
    /// the difference. Returns the amount posted (negative releases).
    pub fn provision(&self, upk: i64, as_of: Date, actor: &Actor) -> Result<i64> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let books = crate::fund::load_books(&tx, "l.upk_id = ?1", Some(upk))?;
        let mut ctx = Context::default();
        ctx.settings.insert(upk, settings_tx(&tx, upk)?);
        let needed = portfolio(&books, as_of, &ctx)?.indicators.reserve_required;
        let held: i64 = -tx.query_row(
            "SELECT coalesce(sum(amount), 0) FROM fund_account_days WHERE upk_id = ?1 AND account = 'loan_loss_reserve' AND day <= ?2",
            params![upk, as_of.to_string()],
            |r| r.get::<_, i64>(0),
        )?;
        let change = needed - held;
        if change != 0 {
            post(
                &tx,
                upk,
                None,
                &Entry::new(
                    as_of,
                    format!("loan-loss reserve to Rp {needed}"),
                    format!("provision:{upk}:{as_of}:{needed}:{held}"),
                    [
                        (Account::ReserveExpense, change),
                        (Account::LoanLossReserve, -change),
                    ],
                ),
            )?;
            audit::record(
                &tx,
                actor,
                "fund.provision",
                "organisation",
                &upk.to_string(),
                None,
                serde_json::json!({"as_of": as_of.to_string(), "needed": needed, "change": change}),
            )?;
        }
        tx.commit()?;
        Ok(change)
    }

    /// A loan's repayments with the split each was posted with, its
    /// reversals, for its ledger and receipts.
    pub fn loan_repayments(&self, loan_id: &str) -> Result<Vec<RepaymentRow>> {
        let conn = self.conn()?;
        let (loan, _, _) = loan_by_id(&conn, loan_id)?;
        let mut stmt = conn.prepare(
            "SELECT r.id, r.paid_on, r.amount, r.journal_seq, j.entry, v.reason
             FROM fund_repayments r LEFT JOIN fund_journal j ON j.sequence = r.journal_seq
             LEFT JOIN fund_reversals v ON v.repayment = r.id WHERE r.loan = ?1 ORDER BY r.paid_on, r.id",
        )?;
        let rows = stmt.query_map([loan], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, Option<i64>>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, Option<String>>(5)?,
            ))
        })?;
        rows.map(|row| {
            let (id, on, amount, seq, entry, reversed) = row?;
            let (mut principal, mut fee, mut left_over) = (0, 0, 0);
            if let Some(e) = entry.and_then(|e| serde_json::from_str::<Entry>(&e).ok()) {
                for l in e.lines {
                    match l.account {
                        Account::LoansReceivable(_) => principal -= l.amount.0,
                        Account::FeeIncome => fee -= l.amount.0,
                        Account::SavingsHeld => left_over -= l.amount.0,
                        _ => {}
                    }
                }
            }
            Ok(RepaymentRow {
                id,
                loan_id: loan_id.trim().to_owned(),
                paid_on: parse_date(&on)?,
                amount,
                journal_seq: seq,
                principal,
                fee,
                left_over,
                reversed,
            })
        })
        .collect()
    }

    /// One loan's book by its public id, with the row's facts.
    pub fn loan(&self, loan_id: &str) -> Result<Option<LoanView>> {
        let conn = self.conn()?;
        let Some((loan, upk, ksm)) = conn
            .query_row(
                "SELECT id, upk_id, ksm_id FROM fund_loans WHERE loan_id = ?1",
                [loan_id.trim()],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, i64>(2)?,
                    ))
                },
            )
            .optional()?
        else {
            return Ok(None);
        };
        let book = book_of(&conn, loan)?;
        let (ksm_name, principal, term, rate, kind, migrated, frequency): (
            String,
            i64,
            i64,
            String,
            String,
            bool,
            String,
        ) = conn.query_row(
            "SELECT k.name, l.principal, l.term_months, l.fee_rate, l.schedule, l.migrated, l.frequency
             FROM fund_loans l JOIN organisations k ON k.id = l.ksm_id WHERE l.id = ?1",
            [loan],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            },
        )?;
        let mut stmt = conn.prepare(
            "SELECT m.id, m.name, s.amount FROM fund_loan_members s JOIN fund_members m ON m.id = s.member_id
             WHERE s.loan = ?1 ORDER BY m.name",
        )?;
        let members = stmt
            .query_map([loan], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let settings = settings_tx(&conn, upk)?;
        Ok(Some(LoanView {
            loan_id: loan_id.trim().to_owned(),
            upk_id: upk,
            upk: book.upk.clone(),
            ksm_id: ksm,
            ksm: ksm_name,
            principal,
            term_months: term as u16,
            fee_rate: FeeRate::parse(&rate).map(FeeRate::text).unwrap_or(rate),
            schedule_kind: kind,
            frequency,
            migrated,
            members,
            settings,
            book,
        }))
    }

    /// Loans of a UPK or a KSM: (public id, KSM id, KSM name, disbursed on, principal).
    pub fn loans_of(&self, upk: Option<i64>, ksm: Option<i64>) -> Result<Vec<(String, LoanBook)>> {
        let conn = self.conn()?;
        let (filter, param) = match (upk, ksm) {
            (_, Some(k)) => ("l.ksm_id = ?1", Some(k)),
            (Some(u), None) => ("l.upk_id = ?1", Some(u)),
            (None, None) => ("?1 IS NULL", None),
        };
        let books = load_books_with_ids(&conn, filter, param)?;
        let mut ids = std::collections::HashMap::new();
        let mut stmt = conn.prepare(&format!(
            "SELECT l.id, l.loan_id FROM fund_loans l WHERE {filter}"
        ))?;
        let mut rows = stmt.query([param])?;
        while let Some(r) = rows.next()? {
            ids.insert(r.get::<_, i64>(0)?, r.get::<_, String>(1)?);
        }
        Ok(books
            .into_iter()
            .map(|(id, b)| (ids.remove(&id).unwrap_or_default(), b))
            .collect())
    }

    /// The journal of one UPK, in sequence order.
    pub fn upk_journal(&self, upk: i64) -> Result<Vec<lumbung_fund::journal::Posted>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare(
            "SELECT sequence, entry, hash FROM fund_journal WHERE upk_id = ?1 ORDER BY sequence",
        )?;
        let rows = stmt.query_map([upk], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        rows.map(|row| {
            let (sequence, entry, hash) = row?;
            Ok(lumbung_fund::journal::Posted {
                sequence: sequence as u64,
                entry: serde_json::from_str(&entry).map_err(|_| {
                    invalid("fund_journal", format!("entry {sequence} is unreadable"))
                })?,
                hash,
            })
        })
        .collect()
    }

    /// The repayment a receipt is for, with its loan, KSM and UPK names.
    pub fn receipt(&self, repayment: i64) -> Result<Option<Receipt>> {
        let conn = self.conn()?;
        let row: Option<(String, i64)> = conn
            .query_row(
                "SELECT l.loan_id, l.upk_id FROM fund_repayments r JOIN fund_loans l ON l.id = r.loan WHERE r.id = ?1",
                [repayment],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((loan_id, upk_id)) = row else {
            return Ok(None);
        };
        drop(conn);
        let view = self
            .loan(&loan_id)?
            .expect("the loan of a repayment exists");
        let row = self
            .loan_repayments(&loan_id)?
            .into_iter()
            .find(|r| r.id == repayment)
            .expect("the repayment is among its loan's");
        Ok(Some(Receipt {
            upk_id,
            upk: view.upk,
            ksm: view.ksm,
            ksm_id: view.ksm_id,
            repayment: row,
        }))
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Receipt {
    pub upk_id: i64,
    pub upk: String,
    pub ksm_id: i64,
    pub ksm: String,
    pub repayment: RepaymentRow,
}

#[derive(Debug, Clone, Serialize)]
pub struct LoanView {
    pub loan_id: String,
    pub upk_id: i64,
    pub upk: String,
    pub ksm_id: i64,
    pub ksm: String,
    pub principal: i64,
    pub term_months: u16,
    pub fee_rate: String,
    pub schedule_kind: String,
    /// `monthly`, `fortnightly` or `weekly`.
    pub frequency: String,
    pub migrated: bool,
    /// (member id, name, amount) of new loans.
    pub members: Vec<(i64, String, i64)>,
    pub settings: Settings,
    #[serde(skip)]
    pub book: LoanBook,
}

fn members_tx(conn: &rusqlite::Connection, ksm: i64) -> Result<Vec<MemberRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, name, sex, nik, joined_on, left_on, household FROM fund_members WHERE ksm_id = ?1 ORDER BY name COLLATE NOCASE, id",
    )?;
    let rows = stmt.query_map([ksm], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, Option<String>>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, Option<String>>(5)?,
            r.get::<_, Option<String>>(6)?,
        ))
    })?;
    rows.map(|row| {
        let (id, name, sex, nik, joined, left, household) = row?;
        Ok(MemberRow {
            id,
            ksm_id: ksm,
            name,
            sex: if sex == "f" { Sex::F } else { Sex::M },
            nik,
            household,
            joined_on: parse_date(&joined)?,
            left_on: left.as_deref().map(parse_date).transpose()?,
        })
    })
    .collect()
}

#[cfg(test)]
mod tests;
