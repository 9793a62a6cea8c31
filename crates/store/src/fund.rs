//! The revolving fund's storage: loans, repayments and the hash-chained
//! journal. Every money movement is posted as a balanced entry in the same
//! transaction as the row it records.

use crate::audit::{self, Actor};
use crate::{Result, Store, StoreError};
use jiff::civil::Date;
use lumbung_domain::{Rejected, RowError};
use lumbung_fund::journal::{Account, Entry, Posted, GENESIS};
use lumbung_fund::loan::{schedule, FeeRate, Rupiah, ScheduleKind};
use lumbung_fund::report::LoanBook;
use rusqlite::{params, OptionalExtension, Transaction, TransactionBehavior};
use serde::Serialize;
use std::collections::HashMap;

/// A loan as a LOANS.csv row gives it.
#[derive(Debug, Clone)]
pub struct LoanRecord {
    pub line: u64,
    pub upk: String,
    pub ksm: String,
    pub loan_id: String,
    pub disbursed_on: Date,
    pub principal: Rupiah,
    pub term_months: u16,
    pub fee_rate: FeeRate,
    pub schedule: ScheduleKind,
}

/// A repayment as a REPAYMENTS.csv row gives it.
#[derive(Debug, Clone)]
pub struct RepaymentRecord {
    pub line: u64,
    pub loan_id: String,
    pub paid_on: Date,
    pub amount: Rupiah,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct FundImportSummary {
    pub loans_created: u64,
    pub loans_unchanged: u64,
    pub repayments_stored: u64,
    /// Rows already held (same loan, date, amount and occurrence).
    pub repayments_skipped: u64,
    pub upks_created: Vec<String>,
    pub ksms_created: Vec<String>,
    /// Rules for new loans that these (migrated, historical) loans break.
    pub warnings: Vec<String>,
}

fn kind_text(k: ScheduleKind) -> &'static str {
    match k {
        ScheduleKind::Flat => "flat",
        ScheduleKind::Declining => "declining",
    }
}

/// The UPKs and KSMs an import finds or creates, read once: a name is
/// matched as SQL's `lower(name) = lower(?)` matches it (ASCII letters
/// only), the oldest organisation of that kind and name first.
struct Orgs {
    by_name: HashMap<(&'static str, String), i64>,
    /// The stored names of UPKs, as the loans' books carry them.
    upk_names: HashMap<i64, String>,
}

impl Orgs {
    fn load(tx: &Transaction<'_>) -> Result<Orgs> {
        let mut orgs = Orgs {
            by_name: HashMap::new(),
            upk_names: HashMap::new(),
        };
        let mut stmt = tx.prepare(
            "SELECT id, kind, name FROM organisations WHERE kind IN ('upk', 'ksm') ORDER BY id",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let id: i64 = r.get(0)?;
            let kind: &'static str = if r.get_ref(1)?.as_str() == Ok("upk") {
                "upk"
            } else {
                "ksm"
            };
            let name: String = r.get(2)?;
            if kind == "upk" {
                orgs.upk_names.insert(id, name.clone());
            }
            orgs.by_name
                .entry((kind, name.to_ascii_lowercase()))
                .or_insert(id);
        }
        Ok(orgs)
    }

    fn find_or_create(
        &mut self,
        tx: &Transaction<'_>,
        kind: &'static str,
        name: &str,
        parent: Option<i64>,
        actor: &Actor,
        created: &mut Vec<String>,
    ) -> Result<i64> {
        let key = (kind, name.trim().to_ascii_lowercase());
        if let Some(id) = self.by_name.get(&key) {
            return Ok(*id);
        }
        let now = crate::now();
        tx.prepare_cached(
            "INSERT INTO organisations (name, kind, parent_id, attributes, created_at, updated_at) VALUES (?1, ?2, ?3, '{}', ?4, ?4)",
        )?
        .execute(params![name.trim(), kind, parent, now])?;
        let id = tx.last_insert_rowid();
        audit::record(
            tx,
            actor,
            "org.create",
            "organisation",
            &id.to_string(),
            None,
            serde_json::json!({"name": name.trim(), "kind": kind}),
        )?;
        created.push(name.trim().to_owned());
        self.by_name.insert(key, id);
        if kind == "upk" {
            self.upk_names.insert(id, name.trim().to_owned());
        }
        Ok(id)
    }
}

/// Appends an entry to the journal (tagged with the loan it is about, if
/// any); a key posted before is not posted again. Returns the new entry's
/// sequence number, or `None` when the key was held.
pub(crate) fn post(
    tx: &Transaction<'_>,
    upk: i64,
    loan: Option<i64>,
    entry: &Entry,
) -> Result<Option<i64>> {
    let mut poster = Poster::default();
    let posted = poster.post(tx, upk, loan, entry)?;
    poster.finish(tx)?;
    Ok(posted)
}

/// Posts many entries in one transaction, as [`post`] does one by one: it
/// reads the chain's tail once and keeps it, and sums the per-day balance
/// movements in memory until [`Poster::finish`] writes them. While a
/// poster is in use, nothing else in the transaction may append to the
/// journal or read `fund_account_days`; `finish` must run before commit.
#[derive(Default)]
pub(crate) struct Poster {
    /// The last entry's sequence and hash, once read.
    tail: Option<(i64, String)>,
    /// (UPK, account kind, day) → the sum of the lines posted.
    days: HashMap<(i64, &'static str, Date), i64>,
}

impl Poster {
    pub(crate) fn post(
        &mut self,
        tx: &Transaction<'_>,
        upk: i64,
        loan: Option<i64>,
        entry: &Entry,
    ) -> Result<Option<i64>> {
        entry
            .check()
            .map_err(|e| StoreError::invalid("journal", e.to_string()))?;
        if self.tail.is_none() {
            let last: Option<(i64, String)> = tx
                .prepare_cached(
                    "SELECT sequence, hash FROM fund_journal ORDER BY sequence DESC LIMIT 1",
                )?
                .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            self.tail = Some(last.unwrap_or((0, GENESIS.to_owned())));
        }
        let (last, previous) = self.tail.as_ref().expect("read above");
        let sequence = last + 1;
        let hash = entry.chain_hash(sequence as u64, previous);
        // The key's uniqueness is the check: a key held already inserts
        // nothing (and the tail stays).
        let inserted = tx
            .prepare_cached(
                "INSERT INTO fund_journal (sequence, upk_id, entry, idempotency_key, hash, loan) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (idempotency_key) DO NOTHING",
            )?
            .execute(params![sequence, upk, serde_json::to_string(entry).expect("entries serialise"), entry.idempotency_key, hash, loan])?;
        if inserted == 0 {
            return Ok(None);
        }
        self.tail = Some((sequence, hash));
        for l in &entry.lines {
            *self
                .days
                .entry((upk, l.account.kind(), entry.date))
                .or_insert(0) += l.amount.0;
        }
        Ok(Some(sequence))
    }

    /// Writes the per-day balance movements gathered.
    pub(crate) fn finish(mut self, tx: &Transaction<'_>) -> Result<()> {
        let mut add = tx.prepare_cached(
            "INSERT INTO fund_account_days (upk_id, account, day, amount) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (upk_id, account, day) DO UPDATE SET amount = amount + excluded.amount",
        )?;
        let mut days: Vec<_> = std::mem::take(&mut self.days).into_iter().collect();
        days.sort_unstable();
        for ((upk, account, day), amount) in days {
            add.execute(params![upk, account, day.to_string(), amount])?;
        }
        Ok(())
    }
}

impl Store {
    /// Imports spreadsheet books: loans, then repayments, in one
    /// transaction. Any bad row in either file rejects both, every problem
    /// listed; loans and rows already held are skipped and counted.
    pub fn import_fund(
        &self,
        files: (&str, &str),
        loans: Vec<LoanRecord>,
        repayments: Vec<RepaymentRecord>,
        errors: (Vec<RowError>, Vec<RowError>),
        actor: &Actor,
    ) -> Result<FundImportSummary> {
        let mut conn = self.conn()?;
        with_cache(&mut conn, BULK_CACHE_MIB, |conn| {
            import_tx(conn, files, &loans, &repayments, errors, actor)
        })
    }

    /// Every loan (of one UPK, by name, when given) with its schedules,
    /// repayments (reversed ones left out), reschedulings and write-off.
    /// Read in a few scans, not a query per loan, so that a city's
    /// portfolio loads quickly.
    pub fn fund_books(&self, upk: Option<&str>) -> Result<Vec<LoanBook>> {
        let conn = self.conn()?;
        let upk_id: Option<i64> = match upk {
            None => None,
            Some(name) => Some(
                conn.query_row(
                    "SELECT id FROM organisations WHERE kind = 'upk' AND lower(name) = lower(?1) ORDER BY id LIMIT 1",
                    [name.trim()],
                    |r| r.get(0),
                )
                .optional()?
                .unwrap_or(-1),
            ),
        };
        load_books(&conn, "l.upk_id = ?1 OR ?1 IS NULL", upk_id)
    }

    /// The whole journal in sequence order, as stored.
    pub fn fund_journal(&self) -> Result<Vec<Posted>> {
        let conn = self.conn()?;
        let mut stmt =
            conn.prepare("SELECT sequence, entry, hash FROM fund_journal ORDER BY sequence")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        rows.map(|row| {
            let (sequence, entry, hash) = row?;
            let entry: Entry = serde_json::from_str(&entry).map_err(|_| {
                StoreError::invalid("fund_journal", format!("entry {sequence} is unreadable"))
            })?;
            Ok(Posted {
                sequence: sequence as u64,
                entry,
                hash,
            })
        })
        .collect()
    }
}

/// A bigger page cache for bulk work: the import's tables and indexes.
const BULK_CACHE_MIB: i64 = 512;

/// Runs `f` with a page cache of `mib` MiB on this (pooled) connection,
/// then gives the connection its own cache size back.
pub(crate) fn with_cache<T>(
    conn: &mut rusqlite::Connection,
    mib: i64,
    f: impl FnOnce(&mut rusqlite::Connection) -> Result<T>,
) -> Result<T> {
    let before: i64 = conn.query_row("PRAGMA cache_size", [], |r| r.get(0))?;
    conn.execute_batch(&format!("PRAGMA cache_size = -{}", mib * 1024))?;
    let out = f(conn);
    let restored = conn.execute_batch(&format!("PRAGMA cache_size = {before}"));
    let out = out?;
    restored?;
    Ok(out)
}

/// [`Store::import_fund`] on one connection.
fn import_tx(
    conn: &mut rusqlite::Connection,
    files: (&str, &str),
    loans: &[LoanRecord],
    repayments: &[RepaymentRecord],
    mut errors: (Vec<RowError>, Vec<RowError>),
    actor: &Actor,
) -> Result<FundImportSummary> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut summary = FundImportSummary::default();
    // Loans: a loan id is unique in the whole database.
    let mut in_file: HashMap<&str, &LoanRecord> = HashMap::with_capacity(loans.len());
    {
        let mut held_stmt = tx.prepare_cached(
            "SELECT id, disbursed_on, principal, term_months, fee_rate, schedule FROM fund_loans WHERE loan_id = ?1",
        )?;
        for l in loans {
            if let Some(first) = in_file.insert(&l.loan_id, l) {
                errors.0.push(RowError::new(
                    l.line,
                    Some("loan_id"),
                    format!("loan {} again (first on line {})", l.loan_id, first.line),
                ));
                continue;
            }
            let held: Option<(i64, String, i64, i64, String, String)> = held_stmt
                .query_row([&l.loan_id], |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                    ))
                })
                .optional()?;
            if let Some((_, on, p, t, rate, kind)) = held {
                let same = on == l.disbursed_on.to_string()
                    && p == l.principal.0
                    && t == l.term_months as i64
                    && rate == l.fee_rate.text()
                    && kind == kind_text(l.schedule);
                if !same {
                    errors.0.push(RowError::new(
                        l.line,
                        Some("loan_id"),
                        format!("loan {} is held with other terms", l.loan_id),
                    ));
                }
            }
        }
    }
    // loan_id → (row id, UPK, KSM) of every loan held.
    let known: HashMap<String, (i64, i64, i64)> = {
        let mut stmt = tx.prepare("SELECT loan_id, id, upk_id, ksm_id FROM fund_loans")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?, r.get(3)?))))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    for r in repayments {
        if !known.contains_key(&r.loan_id) && !in_file.contains_key(r.loan_id.as_str()) {
            errors.1.push(RowError::new(
                r.line,
                Some("loan_id"),
                format!("loan {} is in neither file nor the store", r.loan_id),
            ));
        }
        if r.amount.0 <= 0 {
            errors.1.push(RowError::new(
                r.line,
                Some("amount"),
                "a repayment must be more than zero (a correction is a reversal)",
            ));
        }
    }
    if !errors.0.is_empty() {
        errors.0.sort_by_key(|e| e.line);
        return Err(StoreError::Rejected(Rejected {
            file: files.0.to_owned(),
            errors: errors.0,
        }));
    }
    if !errors.1.is_empty() {
        errors.1.sort_by_key(|e| e.line);
        return Err(StoreError::Rejected(Rejected {
            file: files.1.to_owned(),
            errors: errors.1,
        }));
    }

    let mut orgs = Orgs::load(&tx)?;
    let mut poster = Poster::default();
    // loan_id → (row id, upk, ksm)
    let mut ids: HashMap<&str, (i64, i64, i64)> = HashMap::with_capacity(known.len() + loans.len());
    // Loans created here, by row id: their books start empty.
    let mut created: HashMap<i64, &LoanRecord> = HashMap::new();
    for l in loans {
        if let Some(held) = known.get(&l.loan_id) {
            summary.loans_unchanged += 1;
            ids.insert(&l.loan_id, *held);
            continue;
        }
        let upk =
            orgs.find_or_create(&tx, "upk", &l.upk, None, actor, &mut summary.upks_created)?;
        let ksm = orgs.find_or_create(
            &tx,
            "ksm",
            &l.ksm,
            Some(upk),
            actor,
            &mut summary.ksms_created,
        )?;
        if !(3..=12).contains(&l.term_months) {
            summary.warnings.push(format!(
                "{}: line {}: loan {}: a term of {} months is outside 3–12",
                files.0, l.line, l.loan_id, l.term_months
            ));
        }
        tx.prepare_cached(
            "INSERT INTO fund_loans (loan_id, upk_id, ksm_id, disbursed_on, principal, term_months, fee_rate, schedule, migrated, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1, ?9)",
        )?
        .execute(params![l.loan_id, upk, ksm, l.disbursed_on.to_string(), l.principal.0, l.term_months, l.fee_rate.text(), kind_text(l.schedule), crate::now()])?;
        let id = tx.last_insert_rowid();
        ids.insert(&l.loan_id, (id, upk, ksm));
        created.insert(id, l);
        poster.post(
            &tx,
            upk,
            Some(id),
            &Entry::new(
                l.disbursed_on,
                format!("loan {} to {}", l.loan_id, l.ksm.trim()),
                format!("loan:{}", l.loan_id),
                [
                    (Account::LoansReceivable(ksm), l.principal.0),
                    (Account::Cash, -l.principal.0),
                ],
            ),
        )?;
        summary.loans_created += 1;
    }
    for (loan_id, held) in &known {
        ids.entry(loan_id).or_insert(*held);
    }

    // Repayments: the k-th identical row is held when the store has k
    // (counted once per loan, date and amount, then kept here).
    let mut seen: HashMap<(i64, Date, i64), (u32, i64)> = HashMap::new();
    let mut books: HashMap<i64, LoanBook> = HashMap::new();
    for r in repayments {
        let (loan, upk, ksm) = ids[r.loan_id.as_str()];
        let key = (loan, r.paid_on, r.amount.0);
        let (nth, held) = match seen.entry(key) {
            std::collections::hash_map::Entry::Occupied(o) => o.into_mut(),
            std::collections::hash_map::Entry::Vacant(v) => {
                let held = if created.contains_key(&loan) {
                    0
                } else {
                    tx.prepare_cached(
                        "SELECT count(*) FROM fund_repayments WHERE loan = ?1 AND paid_on = ?2 AND amount = ?3",
                    )?
                    .query_row(params![loan, r.paid_on.to_string(), r.amount.0], |row| row.get(0))?
                };
                v.insert((0, held))
            }
        };
        *nth += 1;
        if *held >= *nth as i64 {
            summary.repayments_skipped += 1;
            continue;
        }
        let occurrence = *held + 1;
        let book = match books.entry(loan) {
            std::collections::hash_map::Entry::Occupied(o) => o.into_mut(),
            std::collections::hash_map::Entry::Vacant(v) => v.insert(match created.get(&loan) {
                Some(l) => LoanBook {
                    upk: orgs.upk_names.get(&upk).cloned().unwrap_or_default(),
                    upk_id: upk,
                    ksm,
                    disbursed_on: l.disbursed_on,
                    schedule: schedule(
                        l.disbursed_on,
                        l.principal,
                        l.term_months,
                        l.fee_rate,
                        l.schedule,
                    ),
                    payments: Vec::new(),
                    rescheduled: Vec::new(),
                    written_off: None,
                },
                None => load_books(&tx, "l.id = ?1", Some(loan))?
                    .into_iter()
                    .next()
                    .expect("the loan was stored"),
            }),
        };
        let done = crate::fund_ops::repay_tx(
            &tx,
            &mut poster,
            loan,
            &r.loan_id,
            upk,
            ksm,
            book,
            r.paid_on,
            r.amount,
            &format!(
                "repayment:{}:{}:{}:{occurrence}",
                r.loan_id, r.paid_on, r.amount.0
            ),
        )
        .map_err(|e| match e {
            StoreError::Invalid { field, message } => StoreError::Rejected(Rejected {
                file: files.1.to_owned(),
                errors: vec![RowError::new(r.line, Some(field.as_str()), message)],
            }),
            other => other,
        })?;
        if done.repayment.is_some() {
            *held += 1;
        }
        summary.repayments_stored += 1;
    }
    poster.finish(&tx)?;
    if summary.loans_created + summary.repayments_stored > 0 {
        audit::record(
            &tx,
            actor,
            "fund.import",
            "fund",
            files.0,
            None,
            serde_json::json!({
                "repayments_file": files.1, "loans_created": summary.loans_created,
                "repayments_stored": summary.repayments_stored, "repayments_skipped": summary.repayments_skipped,
            }),
        )?;
    }
    tx.commit()?;
    Ok(summary)
}

fn bad(what: &str) -> StoreError {
    StoreError::invalid("fund_loans", format!("stored {what} is unreadable"))
}

pub(crate) fn parse_date(raw: &str) -> Result<Date> {
    raw.parse().map_err(|_| bad("date"))
}

pub(crate) fn parse_kind(raw: &str) -> ScheduleKind {
    if raw == "declining" {
        ScheduleKind::Declining
    } else {
        ScheduleKind::Flat
    }
}

/// Loans matching `filter` (SQL over `fund_loans l`, one parameter) as
/// books, ordered by row id; the map gives each book's loan row id.
pub(crate) fn load_books(
    conn: &rusqlite::Connection,
    filter: &str,
    param: Option<i64>,
) -> Result<Vec<LoanBook>> {
    Ok(load_books_with_ids(conn, filter, param)?
        .into_iter()
        .map(|(_, b)| b)
        .collect())
}

pub(crate) fn load_books_with_ids(
    conn: &rusqlite::Connection,
    filter: &str,
    param: Option<i64>,
) -> Result<Vec<(i64, LoanBook)>> {
    let mut books: Vec<(i64, LoanBook)> = Vec::new();
    {
        let mut upk_names: HashMap<i64, String> = HashMap::new();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT l.id, o.name, l.upk_id, l.ksm_id, l.disbursed_on, l.principal, l.term_months, l.fee_rate, l.schedule
             FROM fund_loans l JOIN organisations o ON o.id = l.upk_id WHERE {filter} ORDER BY l.id"
        ))?;
        let mut rows = stmt.query([param])?;
        while let Some(r) = rows.next()? {
            let on = date_of(r.get_ref(4)?.as_bytes().map_err(|_| bad("date"))?)?;
            let rate = FeeRate::parse(r.get_ref(7)?.as_str().map_err(|_| bad("rate"))?)
                .map_err(|_| bad("rate"))?;
            let kind = parse_kind(r.get_ref(8)?.as_str().map_err(|_| bad("schedule"))?);
            let id: i64 = r.get(0)?;
            let upk_id: i64 = r.get(2)?;
            let upk = match upk_names.get(&upk_id) {
                Some(name) => name.clone(),
                None => {
                    let name: String = r.get(1)?;
                    upk_names.insert(upk_id, name.clone());
                    name
                }
            };
            books.push((
                id,
                LoanBook {
                    upk,
                    upk_id,
                    ksm: r.get(3)?,
                    disbursed_on: on,
                    schedule: schedule(
                        on,
                        Rupiah(r.get(5)?),
                        r.get::<_, i64>(6)? as u16,
                        rate,
                        kind,
                    ),
                    payments: Vec::new(),
                    rescheduled: Vec::new(),
                    written_off: None,
                },
            ));
        }
    }
    if books.is_empty() {
        return Ok(books);
    }
    let index = LoanIndex::new(&books);
    // Many loans (a city's portfolio): read the repayments whole, in row
    // order, keeping those of the loans loaded; few: through the loans'
    // index. Either way a loan's payments come in the order recorded and
    // are then put in date order.
    let most: i64 = conn
        .prepare_cached("SELECT coalesce(max(id), 0) FROM fund_loans")?
        .query_row([], |r| r.get(0))?;
    let whole = books.len() as i64 * 2 > most;
    let scoped = format!("(SELECT l.id FROM fund_loans l WHERE {filter})");
    {
        let (mut stmt, reversed) = if whole {
            let reversed: std::collections::HashSet<i64> = conn
                .prepare_cached("SELECT repayment FROM fund_reversals")?
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            (
                conn.prepare_cached(
                    "SELECT loan, paid_on, amount, id FROM fund_repayments ORDER BY id",
                )?,
                reversed,
            )
        } else {
            (
                conn.prepare_cached(&format!(
                    "SELECT r.loan, r.paid_on, r.amount, r.id FROM fund_repayments r
                     WHERE r.loan IN {scoped} AND NOT EXISTS (SELECT 1 FROM fund_reversals v WHERE v.repayment = r.id)
                     ORDER BY r.loan, r.id"
                ))?,
                Default::default(),
            )
        };
        let mut rows = if whole {
            stmt.query([])?
        } else {
            stmt.query([param])?
        };
        while let Some(r) = rows.next()? {
            if let Some(i) = index.get(r.get(0)?) {
                if !reversed.is_empty() && reversed.contains(&r.get::<_, i64>(3)?) {
                    continue;
                }
                let on = date_of(r.get_ref(1)?.as_bytes().map_err(|_| bad("date"))?)?;
                books[i].1.payments.push((on, Rupiah(r.get(2)?)));
            }
        }
    }
    // In date order; among payments of one date, as recorded.
    for (_, b) in &mut books {
        if !b.payments.is_sorted_by_key(|p| p.0) {
            b.payments.sort_by_key(|p| p.0);
        }
    }
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT loan, on_date, principal, term_months, fee_rate, schedule FROM fund_reschedules
         WHERE loan IN {scoped} ORDER BY loan, on_date, id"
    ))?;
    let mut rows = stmt.query([param])?;
    while let Some(r) = rows.next()? {
        if let Some(i) = index.get(r.get(0)?) {
            let on = parse_date(&r.get::<_, String>(1)?)?;
            let rate = FeeRate::parse(&r.get::<_, String>(4)?).map_err(|_| bad("rate"))?;
            let kind = parse_kind(&r.get::<_, String>(5)?);
            books[i]
                .1
                .rescheduled
                .push(lumbung_fund::report::Rescheduled {
                    on,
                    schedule: schedule(
                        on,
                        Rupiah(r.get(2)?),
                        r.get::<_, i64>(3)? as u16,
                        rate,
                        kind,
                    ),
                });
        }
    }
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT loan, on_date, principal FROM fund_write_offs WHERE loan IN {scoped}"
    ))?;
    let mut rows = stmt.query([param])?;
    while let Some(r) = rows.next()? {
        if let Some(i) = index.get(r.get(0)?) {
            books[i].1.written_off =
                Some((parse_date(&r.get::<_, String>(1)?)?, Rupiah(r.get(2)?)));
        }
    }
    Ok(books)
}

/// Where a loan's book is among those loaded, by the loan's row id: a
/// table when the ids are dense (a city's portfolio), a map otherwise.
enum LoanIndex {
    Dense(Vec<u32>),
    Sparse(HashMap<i64, usize>),
}

impl LoanIndex {
    fn new(books: &[(i64, LoanBook)]) -> LoanIndex {
        let max = books.iter().map(|b| b.0).max().unwrap_or(0);
        if max >= 0 && max <= 4 * books.len() as i64 + 1024 && books.len() < u32::MAX as usize {
            let mut at = vec![u32::MAX; max as usize + 1];
            for (i, (id, _)) in books.iter().enumerate() {
                at[*id as usize] = i as u32;
            }
            LoanIndex::Dense(at)
        } else {
            LoanIndex::Sparse(
                books
                    .iter()
                    .enumerate()
                    .map(|(i, (id, _))| (*id, i))
                    .collect(),
            )
        }
    }

    fn get(&self, id: i64) -> Option<usize> {
        match self {
            LoanIndex::Dense(at) => usize::try_from(id)
                .ok()
                .and_then(|id| at.get(id))
                .filter(|i| **i != u32::MAX)
                .map(|i| *i as usize),
            LoanIndex::Sparse(map) => map.get(&id).copied(),
        }
    }
}

/// A stored date, `2024-01-31` read without the general parser.
fn date_of(raw: &[u8]) -> Result<Date> {
    if let [y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1] = *raw {
        let digits = [y0, y1, y2, y3, m0, m1, d0, d1];
        if digits.iter().all(u8::is_ascii_digit) {
            let n = |d: &[u8]| d.iter().fold(0i16, |acc, c| acc * 10 + (c - b'0') as i16);
            if let Ok(date) = Date::new(
                n(&digits[..4]),
                n(&digits[4..6]) as i8,
                n(&digits[6..]) as i8,
            ) {
                return Ok(date);
            }
        }
    }
    std::str::from_utf8(raw)
        .map_err(|_| bad("date"))
        .and_then(parse_date)
}

/// What `fund post` records besides loans: a UPK's costs and the capital
/// it receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Movement {
    /// Operating costs paid from cash.
    Cost,
    /// Capital received into cash (e.g. a BLM grant).
    Capital,
}

impl Store {
    /// Posts a cost or capital received for a UPK; the same key again is
    /// posted once. Returns whether it was posted.
    #[allow(clippy::too_many_arguments)]
    pub fn post_fund_movement(
        &self,
        upk: &str,
        movement: Movement,
        date: Date,
        amount: Rupiah,
        memo: &str,
        key: &str,
        actor: &Actor,
    ) -> Result<bool> {
        if amount.0 <= 0 {
            return Err(StoreError::invalid(
                "amount",
                "an amount must be more than zero (a correction is a reversal)",
            ));
        }
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let upk_id: i64 = tx
            .query_row(
                "SELECT id FROM organisations WHERE kind = 'upk' AND lower(name) = lower(?1) ORDER BY id LIMIT 1",
                [upk.trim()],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| StoreError::invalid("upk", format!("no UPK named {upk:?}")))?;
        let lines = match movement {
            Movement::Cost => [
                (Account::OperatingCosts, amount.0),
                (Account::Cash, -amount.0),
            ],
            Movement::Capital => [(Account::Cash, amount.0), (Account::CapitalBlm, -amount.0)],
        };
        let posted = post(
            &tx,
            upk_id,
            None,
            &Entry::new(date, memo.to_owned(), key.to_owned(), lines),
        )?
        .is_some();
        if posted {
            audit::record(
                &tx,
                actor,
                "fund.post",
                "organisation",
                &upk_id.to_string(),
                None,
                serde_json::json!({"key": key, "amount": amount.0, "memo": memo, "capital": movement == Movement::Capital}),
            )?;
        }
        tx.commit()?;
        Ok(posted)
    }

    /// Each UPK's fee income and costs in the year of `as_of` up to it, and
    /// the capital it holds then, by UPK id.
    pub fn fund_finances(
        &self,
        as_of: Date,
    ) -> Result<std::collections::BTreeMap<i64, lumbung_fund::report::Finances>> {
        let conn = self.conn()?;
        let year_start = format!("{:04}-01-01", as_of.year());
        let mut stmt = conn.prepare(
            "SELECT upk_id,
                    -sum(CASE WHEN account = 'fee_income' AND day >= ?2 THEN amount ELSE 0 END),
                    sum(CASE WHEN account = 'operating_costs' AND day >= ?2 THEN amount ELSE 0 END),
                    -sum(CASE WHEN account = 'capital_blm' THEN amount ELSE 0 END)
             FROM fund_account_days
             WHERE day <= ?1 AND account IN ('fee_income', 'operating_costs', 'capital_blm')
             GROUP BY upk_id",
        )?;
        let rows = stmt.query_map(params![as_of.to_string(), year_start], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                lumbung_fund::report::Finances {
                    fee_income: r.get(1)?,
                    costs: r.get(2)?,
                    capital: r.get(3)?,
                    months: as_of.month() as u32,
                },
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
