//! A loan's life after disbursal: repayments (one or a batch), their
//! reversal, rescheduling, write-off and the loan-loss reserve, and the
//! loan's ledger and receipts.

use super::books::{book_of, books_by_loan_ids, load_books, load_books_with_ids};
use super::ledger::{post, Poster};
use super::rows::{
    bad, invalid, parse_date, parse_frequency, parse_kind, settings_tx, BatchOutcome, LoanView,
    Receipt, Repaid, RepaymentInput, RepaymentRow,
};
use crate::audit::{self, Actor};
use crate::db::{params, OptionalExtension, Transaction, ValueRef};
use crate::{Result, Store, StoreError};
use jiff::civil::Date;
use lumbung_domain::text;
use lumbung_domain::{KsmId, MemberId, RepaymentId, UpkId};
use lumbung_fund::journal::{Account, Entry};
use lumbung_fund::loan::{FeeRate, Rupiah};
use lumbung_fund::report::{portfolio, Context, LoanBook};
use lumbung_fund::servicing::{self, Action};

/// The loan's row id, UPK and KSM from its public id.
fn loan_by_id(tx: &crate::db::Connection, loan_id: &str) -> Result<(i64, i64, i64)> {
    tx.prepare("SELECT id, upk_id, ksm_id FROM fund_loans WHERE loan_id = ?1")?
        .query_row([loan_id.trim()], |r| r.try_into())
        .optional()?
        .ok_or_else(|| {
            invalid(
                "loan_id",
                text!("no_loan", loan = format!("{:?}", loan_id.trim());
                    id: "tidak ada pinjaman {loan}", en: "no loan {loan}"),
            )
        })
}

/// Posts one repayment against a loan whose book is `book` (updated in
/// place): the split between principal, fee and money beyond the loan is
/// what the allocation of all payments covers with it, less without it.
#[allow(clippy::too_many_arguments)]
pub(super) fn repay_tx(
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
    // Named by its own field (the entry's check would say `date`).
    lumbung_fund::not_ahead(paid_on, poster.latest_today())
        .map_err(|e| invalid("paid_on", e.text()))?;
    let settings = poster.settings(tx, upk)?;
    let (at, split) = servicing::repay(book, settings, loan_id, paid_on, amount)?;
    let seq = poster.post(
        tx,
        upk,
        Some(loan),
        &repayment_entry(loan_id, ksm, paid_on, amount, &split, key),
    )?;
    let Some(seq) = seq else {
        book.payments.remove(at);
        return Ok(Repaid {
            repayment: None,
            journal_seq: None,
        });
    };
    let id = poster.repayment(tx, loan, paid_on, amount, seq)?;
    Ok(Repaid {
        repayment: id.map(RepaymentId::new),
        journal_seq: Some(seq),
    })
}

/// A repayment's journal entry: cash in, the loan's principal and fee
/// down, anything beyond them held as savings.
pub(super) fn repayment_entry(
    loan_id: &str,
    ksm: i64,
    paid_on: Date,
    amount: Rupiah,
    split: &servicing::Split,
    key: &str,
) -> Entry {
    Entry::new(
        paid_on,
        format!("repayment of loan {loan_id}"),
        key.to_owned(),
        [
            (Account::Cash, amount.0),
            (Account::LoansReceivable(ksm), -split.principal),
            (Account::FeeIncome, -split.fee),
            (Account::SavingsHeld, -split.left_over),
        ],
    )
}

/// The page cache of a connection that posts batches, in KiB (512 MiB
/// was measured no faster across a city: the pages a batch needs are
/// scattered over the books, and the operating system caches the file).
const BULK_CACHE_KIB: i64 = 64 * 1024;

/// For the crash test (`tests/fund_crash.rs`): with
/// `LUMBUNG_TEST_ABORT_AT=N` the process aborts when its batches (or an
/// import's second reading) reach their row N (counting every row of every
/// batch it posts, from 0), before posting it: no rollback, no destructor
/// runs, as under SIGKILL or a power cut, at a point chosen by count rather
/// than by timing.
pub(super) fn crash_point() {
    use std::sync::atomic::{AtomicU64, Ordering};
    static AT: std::sync::OnceLock<Option<u64>> = std::sync::OnceLock::new();
    static ROWS: AtomicU64 = AtomicU64::new(0);
    let at = AT.get_or_init(|| std::env::var("LUMBUNG_TEST_ABORT_AT").ok()?.parse().ok());
    if let Some(at) = *at {
        if ROWS.fetch_add(1, Ordering::Relaxed) == at {
            std::process::abort();
        }
    }
}

/// [`Store::repay_batch`] on one connection.
fn repay_batch_tx(
    conn: &mut crate::db::Connection,
    batch: &[RepaymentInput],
    actor: &Actor,
) -> Result<BatchOutcome> {
    crate::write_upks_on(conn, |tx| {
        // Each loan's row id by its public id, and its book, read once for
        // the whole batch.
        let mut names = Default::default();
        let mut wanted: Vec<&str> = batch.iter().map(|r| r.loan_id.trim()).collect();
        wanted.sort_unstable();
        wanted.dedup();
        let found = books_by_loan_ids(tx, &wanted, &mut names)?;
        let mut loans: std::collections::HashMap<&str, i64> = Default::default();
        let mut books: std::collections::HashMap<i64, LoanBook> = Default::default();
        for (loan_id, (loan, book)) in found {
            if let Ok(at) = wanted.binary_search(&loan_id.as_str()) {
                loans.insert(wanted[at], loan);
            }
            books.insert(loan, book);
        }
        let mut out = BatchOutcome::default();
        let keys: Vec<&str> = batch.iter().map(|r| r.key.as_str()).collect();
        let mut poster = Poster::deferring(tx, &keys)?;
        // UPK → (posted, already posted), for the audit log.
        let mut per_upk: std::collections::BTreeMap<i64, (u64, u64)> = Default::default();
        for (i, r) in batch.iter().enumerate() {
            crash_point();
            let loan_id = r.loan_id.trim();
            let Some(&loan) = loans.get(loan_id) else {
                // No such loan, or its UPK is gone: the errors `loan_by_id`
                // and `book_of` give.
                let (loan, _, _) = loan_by_id(tx, loan_id)?;
                return Err(invalid(
                    "loan",
                    text!("no_loan", loan = loan; id: "tidak ada pinjaman {loan}", en: "no loan {loan}"),
                ));
            };
            let book = books.get_mut(&loan).expect("loaded");
            let (upk, ksm) = (book.upk_id.get(), book.ksm.get());
            let done = repay_tx(
                tx,
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
                StoreError::Invalid { field, message } => invalid(
                    &field,
                    message.prefixed(
                        &format!("pembayaran {}: ", i + 1),
                        &format!("repayment {}: ", i + 1),
                    ),
                ),
                other => other,
            })?;
            let counts = per_upk.entry(upk).or_default();
            if done.journal_seq.is_some() {
                out.posted += 1;
                counts.0 += 1;
            } else {
                out.already_posted += 1;
                counts.1 += 1;
            }
        }
        poster.finish(tx)?;
        // One entry per UPK, so that each UPK's auditors see its part.
        for (upk, (posted, already_posted)) in per_upk {
            if posted > 0 {
                audit::record_for_org(
                    tx,
                    actor,
                    "fund.repay_batch",
                    "fund",
                    "batch",
                    upk,
                    serde_json::json!({"posted": posted, "already_posted": already_posted}),
                )?;
            }
        }
        Ok(out)
    })
}

impl Store {
    /// Posts one repayment in its own transaction.
    pub fn repay(&self, input: &RepaymentInput, actor: &Actor) -> Result<Repaid> {
        self.write_upks(|tx| {
            let (loan, upk, ksm) = loan_by_id(tx, &input.loan_id)?;
            tx.lock_upks(&[upk])?;
            let mut book = book_of(tx, loan)?;
            let mut poster = Poster::default();
            let done = repay_tx(
                tx,
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
            poster.finish(tx)?;
            if let Some(id) = done.repayment {
                audit::record_on_org(
                    tx,
                    actor,
                    "fund.repay",
                    upk,
                    serde_json::json!({"loan": input.loan_id.trim(), "repayment": id, "amount": input.amount.0}),
                )?;
            }
            Ok(done)
        })
    }

    /// Posts repayments in one transaction (one durable commit for the
    /// batch): all or none; keys posted before are skipped and counted.
    pub fn repay_batch(&self, batch: &[RepaymentInput], actor: &Actor) -> Result<BatchOutcome> {
        let mut conn = self.conn()?;
        if conn.backend() != crate::db::Backend::Sqlite {
            // PostgreSQL's commits are durable as the server is set up.
            // Busy: another UPK's writer posted one of the batch's keys
            // while it ran; the next try finds that key posted.
            let mut tries = 0;
            loop {
                match repay_batch_tx(&mut conn, batch, actor) {
                    Err(StoreError::Busy) if tries < 3 => tries += 1,
                    done => return done,
                }
            }
        }
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
        id: RepaymentId,
        on: Date,
        reason: &str,
        actor: &Actor,
    ) -> Result<i64> {
        let repayment = id.get();
        let reason = servicing::reason(Action::Reversal, reason)?;
        self.write(|tx| {
            let (loan, paid_on, amount): (i64, String, i64) = crate::sql::optional_row(
                tx,
                "SELECT loan, paid_on, amount FROM fund_repayments WHERE id = ?1",
                [repayment],
                |r| r.try_into(),
            )?
            .ok_or_else(|| {
                    invalid(
                        "repayment",
                        text!("no_repayment", repayment = repayment;
                            id: "tidak ada pembayaran {repayment}", en: "no repayment {repayment}"),
                    )
                })?;
            let reversed: bool = crate::sql::exists(
                tx,
                "SELECT 1 FROM fund_reversals WHERE repayment = ?1",
                [repayment],
            )?;
            let paid_on = parse_date(&paid_on)?;
            let (loan_id, upk, ksm): (String, i64, i64) = tx.query_row(
                "SELECT loan_id, upk_id, ksm_id FROM fund_loans WHERE id = ?1",
                [loan],
                |r| r.try_into(),
            )?;
            let mut book = book_of(tx, loan)?;
            let split = servicing::reverse(
                &mut book,
                &loan_id,
                id,
                reversed,
                paid_on,
                Rupiah(amount),
            )?;
            let seq = post(
                tx,
                upk,
                Some(loan),
                &Entry::new(
                    on,
                    format!(
                        "reversal of repayment {repayment} of loan {loan_id}: {}",
                        reason
                    ),
                    format!("reversal:repayment:{repayment}"),
                    [
                        (Account::Cash, -amount),
                        (Account::LoansReceivable(ksm), split.principal),
                        (Account::FeeIncome, split.fee),
                        (Account::SavingsHeld, split.left_over),
                    ],
                ),
            )?
            .expect("a repayment is reversed once");
            tx.execute(
                "INSERT INTO fund_reversals (repayment, reason, journal_seq, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![repayment, reason, seq, crate::now()],
            )?;
            audit::record_on_org(
                tx,
                actor,
                "fund.reverse",
                upk,
                serde_json::json!({"repayment": repayment, "loan": loan_id, "reason": reason}),
            )?;
            Ok(seq)
        })
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
        self.day_passed("date", on)?;
        let reason = servicing::reason(Action::Rescheduling, reason)?;
        self.write(|tx| {
            let (loan, upk, _) = loan_by_id(tx, loan_id)?;
            let settings = settings_tx(tx, upk)?;
            let book = book_of(tx, loan)?;
            let remaining = servicing::reschedule(&book, &settings, loan_id, on, term_months)?;
            // The new schedule keeps the loan's fee, kind and frequency.
            let (rate, kind, frequency): (String, String, String) = tx.query_row(
                "SELECT fee_rate, schedule, frequency FROM fund_loans WHERE id = ?1",
                [loan],
                |r| r.try_into(),
            )?;
            tx.execute(
                "INSERT INTO fund_reschedules (loan, on_date, principal, term_months, fee_rate, schedule, frequency, reason, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![loan, on.to_string(), remaining, term_months, rate, kind, frequency, reason, crate::now()],
            )?;
            audit::record_on_org(
                tx,
                actor,
                "fund.reschedule",
                upk,
                serde_json::json!({"loan": loan_id.trim(), "on": on.to_string(), "principal": remaining, "term_months": term_months, "reason": reason}),
            )?;
            Ok(())
        })
    }

    /// Writes off the principal a loan still has on a date, against the
    /// loan-loss reserve as far as it goes (`servicing::write_off_lines`).
    /// Later payments are refused.
    pub fn write_off(&self, loan_id: &str, on: Date, reason: &str, actor: &Actor) -> Result<i64> {
        let reason = servicing::reason(Action::WriteOff, reason)?;
        self.write(|tx| {
            let (loan, upk, ksm) = loan_by_id(tx, loan_id)?;
            let book = book_of(tx, loan)?;
            let principal = servicing::write_off(&book, loan_id, on)?;
            let reserve_held = reserve_held(tx, upk, on)?;
            let seq = post(
                tx,
                upk,
                Some(loan),
                &Entry::new(
                    on,
                    format!("write-off of loan {}: {}", loan_id.trim(), reason),
                    format!("write_off:{}", loan_id.trim()),
                    servicing::write_off_lines(ksm, principal, reserve_held),
                ),
            )?
            .expect("a loan is written off once");
            tx.execute(
                "INSERT INTO fund_write_offs (loan, on_date, principal, reason, journal_seq, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![loan, on.to_string(), principal, reason, seq, crate::now()],
            )?;
            audit::record_on_org(
                tx,
                actor,
                "fund.write_off",
                upk,
                serde_json::json!({"loan": loan_id.trim(), "principal": principal, "reason": reason}),
            )?;
            Ok(principal)
        })
    }

    /// Brings a UPK's loan-loss reserve to what its portfolio needs on a
    /// date (outstanding × the rate of each loan's class): one entry for
    /// the difference. Returns the amount posted (negative releases).
    pub fn provision(&self, upk: UpkId, as_of: Date, actor: &Actor) -> Result<i64> {
        let upk = upk.get();
        self.write(|tx| {
            let books = load_books(tx, "l.upk_id = ?1", Some(upk))?;
            let mut ctx = Context::default();
            ctx.settings.insert(UpkId::new(upk), settings_tx(tx, upk)?);
            let needed = portfolio(&books, as_of, &ctx)?.indicators.reserve_required;
            let held = reserve_held(tx, upk, as_of)?;
            let latest: Option<String> = tx.query_row(
                "SELECT max(day) FROM fund_account_days WHERE upk_id = ?1 AND account = 'loan_loss_reserve'",
                [upk],
                |r| r.get(0),
            )?;
            let latest = latest.as_deref().map(parse_date).transpose()?;
            let change = lumbung_fund::servicing::provision(needed, held, as_of, latest)
                .map_err(|e| StoreError::invalid(e.field(), e.text()))?;
            if change != 0 {
                post(
                    tx,
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
                audit::record_on_org(
                    tx,
                    actor,
                    "fund.provision",
                    upk,
                    serde_json::json!({"as_of": as_of.to_string(), "needed": needed, "change": change}),
                )?;
            }
            Ok(change)
        })
    }

    /// A loan's repayments with the split each was posted with, its
    /// reversals, for its ledger and receipts.
    pub fn loan_repayments(&self, loan_id: &str) -> Result<Vec<RepaymentRow>> {
        let conn = self.conn()?;
        let (loan, _, _) = loan_by_id(&conn, loan_id)?;
        /// A repayment's row with the entry it was posted with (read from
        /// two columns: the entry and its hash).
        struct Repaid {
            id: i64,
            paid_on: String,
            amount: i64,
            journal_seq: Option<i64>,
            entry: Option<Entry>,
            reversed: Option<String>,
        }
        let rows: Vec<Repaid> = crate::sql::all(
            &conn,
            "SELECT r.id, r.paid_on, r.amount, r.journal_seq, j.entry, j.hash, v.reason
             FROM fund_repayments r LEFT JOIN fund_journal j ON j.sequence = r.journal_seq
             LEFT JOIN fund_reversals v ON v.repayment = r.id WHERE r.loan = ?1 ORDER BY r.paid_on, r.id",
            [loan],
            |r| {
                let posted = match (r.get_ref(4)?, r.get_ref(5)?) {
                    (ValueRef::Null, _) | (_, ValueRef::Null) => None,
                    _ => lumbung_fund::journal::read_row(r.get_bytes(4)?, r.get_bytes(5)?)
                        .map(|(e, _)| e),
                };
                from_row!(
                    r,
                    Repaid {
                        id,
                        paid_on,
                        amount,
                        journal_seq
                    };
                    entry: posted,
                    reversed: r.get(6)?
                )
            },
        )?;
        rows.into_iter()
            .map(|row| {
                let (mut principal, mut fee, mut left_over) = (0, 0, 0);
                if let Some(e) = row.entry {
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
                    id: RepaymentId::new(row.id),
                    loan_id: loan_id.trim().to_owned(),
                    paid_on: parse_date(&row.paid_on)?,
                    amount: row.amount,
                    journal_seq: row.journal_seq,
                    principal,
                    fee,
                    left_over,
                    reversed: row.reversed,
                })
            })
            .collect()
    }

    /// One loan's book by its public id, with the row's facts.
    pub fn loan(&self, loan_id: &str) -> Result<Option<LoanView>> {
        let conn = self.conn()?;
        let Some((loan, upk, ksm)) = crate::sql::optional_row(
            &conn,
            "SELECT id, upk_id, ksm_id FROM fund_loans WHERE loan_id = ?1",
            [loan_id.trim()],
            |r| <(i64, i64, i64)>::try_from(r),
        )?
        else {
            return Ok(None);
        };
        let book = book_of(&conn, loan)?;
        let mut stmt = conn.prepare(
            "SELECT m.id, m.name, s.amount FROM fund_loan_members s JOIN fund_members m ON m.id = s.member_id
             WHERE s.loan = ?1 ORDER BY m.name",
        )?;
        let members = stmt
            .query_map([loan], |r| {
                Ok((MemberId::new(r.get(0)?), r.get(1)?, r.get(2)?))
            })?
            .collect::<crate::db::Result<_>>()?;
        let settings = settings_tx(&conn, upk)?;
        let row = conn.query_row(
            "SELECT k.name, l.principal, l.term_months, l.fee_rate, l.schedule, l.migrated, l.frequency
             FROM fund_loans l JOIN organisations k ON k.id = l.ksm_id WHERE l.id = ?1",
            [loan],
            |r| {
                from_row!(
                    r,
                    LoanTermsRow {
                        ksm,
                        principal,
                        term_months,
                        fee_rate,
                        schedule,
                        migrated,
                        frequency
                    }
                )
            },
        )?;
        let view = LoanView {
            loan_id: loan_id.trim().to_owned(),
            upk_id: UpkId::new(upk),
            upk: book.upk.clone(),
            ksm_id: KsmId::new(ksm),
            ksm: row.ksm,
            principal: row.principal,
            term_months: u16::try_from(row.term_months).map_err(|_| bad("term"))?,
            fee_rate: FeeRate::parse(&row.fee_rate)
                .map(FeeRate::text)
                .unwrap_or(row.fee_rate),
            schedule_kind: parse_kind(&row.schedule)?,
            migrated: row.migrated,
            frequency: parse_frequency(&row.frequency)?,
            members,
            settings,
            book,
        };
        Ok(Some(view))
    }

    /// Loans of a UPK or a KSM: (public id, KSM id, KSM name, disbursed on, principal).
    pub fn loans_of(
        &self,
        upk: Option<UpkId>,
        ksm: Option<KsmId>,
    ) -> Result<Vec<(String, LoanBook)>> {
        let conn = self.conn()?;
        let (filter, param) = match (upk, ksm) {
            (_, Some(k)) => ("l.ksm_id = ?1", Some(k.get())),
            (Some(u), None) => ("l.upk_id = ?1", Some(u.get())),
            (None, None) => ("CAST(?1 AS BIGINT) IS NULL", None),
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

    /// The repayment a receipt is for, with its loan, KSM and UPK names.
    pub fn receipt(&self, id: RepaymentId) -> Result<Option<Receipt>> {
        let repayment = id.get();
        let conn = self.conn()?;
        let row: Option<(String, i64)> = crate::sql::optional_row(
            &conn,
            "SELECT l.loan_id, l.upk_id FROM fund_repayments r JOIN fund_loans l ON l.id = r.loan WHERE r.id = ?1",
            [repayment],
            |r| r.try_into(),
        )?;
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
            .find(|r| r.id == id)
            .expect("the repayment is among its loan's");
        Ok(Some(Receipt {
            upk_id: UpkId::new(upk_id),
            upk: view.upk,
            ksm: view.ksm,
            ksm_id: view.ksm_id,
            repayment: row,
        }))
    }
}

/// A loan's row as its view reads it.
struct LoanTermsRow {
    ksm: String,
    principal: i64,
    term_months: i64,
    fee_rate: String,
    schedule: String,
    migrated: bool,
    frequency: String,
}

/// The loan-loss reserve a UPK holds at the end of a day (a credit
/// balance, positive).
fn reserve_held(tx: &crate::db::Connection, upk: i64, on: Date) -> Result<i64> {
    let balance: i64 = tx.query_row(
        "SELECT coalesce(sum(amount), 0) FROM fund_account_days WHERE upk_id = ?1 AND account = 'loan_loss_reserve' AND day <= ?2",
        params![upk, on.to_string()],
        |r| r.get(0),
    )?;
    balance
        .checked_neg()
        .ok_or_else(|| lumbung_fund::loan::TooLarge("reserve").into())
}
