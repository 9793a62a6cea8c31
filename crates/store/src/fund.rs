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

fn org_or_create(
    tx: &Transaction<'_>,
    kind: &str,
    name: &str,
    parent: Option<i64>,
    actor: &Actor,
    created: &mut Vec<String>,
) -> Result<i64> {
    let found: Option<i64> = tx
        .query_row(
            "SELECT id FROM organisations WHERE kind = ?1 AND lower(name) = lower(?2) ORDER BY id LIMIT 1",
            params![kind, name.trim()],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(id) = found {
        return Ok(id);
    }
    let now = crate::now();
    tx.execute(
        "INSERT INTO organisations (name, kind, parent_id, attributes, created_at, updated_at) VALUES (?1, ?2, ?3, '{}', ?4, ?4)",
        params![name.trim(), kind, parent, now],
    )?;
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
    Ok(id)
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
    entry
        .check()
        .map_err(|e| StoreError::invalid("journal", e.to_string()))?;
    let held: bool = tx
        .prepare_cached("SELECT 1 FROM fund_journal WHERE idempotency_key = ?1")?
        .query_row([&entry.idempotency_key], |_| Ok(true))
        .optional()?
        .unwrap_or(false);
    if held {
        return Ok(None);
    }
    let last: Option<(i64, String)> = tx
        .prepare_cached("SELECT sequence, hash FROM fund_journal ORDER BY sequence DESC LIMIT 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let (sequence, previous) = last.map_or((1, GENESIS.to_owned()), |(s, h)| (s + 1, h));
    let hash = entry.chain_hash(sequence as u64, &previous);
    tx.prepare_cached(
        "INSERT INTO fund_journal (sequence, upk_id, entry, idempotency_key, hash, loan) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![sequence, upk, serde_json::to_string(entry).expect("entries serialise"), entry.idempotency_key, hash, loan])?;
    let day = entry.date.to_string();
    let mut add = tx.prepare_cached(
        "INSERT INTO fund_account_days (upk_id, account, day, amount) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (upk_id, account, day) DO UPDATE SET amount = amount + excluded.amount",
    )?;
    for l in &entry.lines {
        add.execute(params![upk, l.account.kind(), day, l.amount.0])?;
    }
    Ok(Some(sequence))
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
        mut errors: (Vec<RowError>, Vec<RowError>),
        actor: &Actor,
    ) -> Result<FundImportSummary> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut summary = FundImportSummary::default();
        // Loans: a loan id is unique in the whole database.
        let mut in_file: HashMap<&str, &LoanRecord> = HashMap::new();
        for l in &loans {
            if let Some(first) = in_file.insert(&l.loan_id, l) {
                errors.0.push(RowError::new(
                    l.line,
                    Some("loan_id"),
                    format!("loan {} again (first on line {})", l.loan_id, first.line),
                ));
                continue;
            }
            let held: Option<(i64, String, i64, i64, String, String)> = tx
                .query_row(
                    "SELECT id, disbursed_on, principal, term_months, fee_rate, schedule FROM fund_loans WHERE loan_id = ?1",
                    [&l.loan_id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
                )
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
        let known: HashMap<String, i64> = {
            let mut stmt = tx.prepare("SELECT loan_id, id FROM fund_loans")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        for r in &repayments {
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

        let mut ids: HashMap<String, (i64, i64, i64)> = HashMap::new(); // loan_id → (row id, upk, ksm)
        for l in &loans {
            if let Some(id) = known.get(&l.loan_id) {
                summary.loans_unchanged += 1;
                let (upk, ksm): (i64, i64) = tx.query_row(
                    "SELECT upk_id, ksm_id FROM fund_loans WHERE id = ?1",
                    [id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?;
                ids.insert(l.loan_id.clone(), (*id, upk, ksm));
                continue;
            }
            let upk = org_or_create(&tx, "upk", &l.upk, None, actor, &mut summary.upks_created)?;
            let ksm = org_or_create(
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
            tx.execute(
                "INSERT INTO fund_loans (loan_id, upk_id, ksm_id, disbursed_on, principal, term_months, fee_rate, schedule, migrated, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1, ?9)",
                params![l.loan_id, upk, ksm, l.disbursed_on.to_string(), l.principal.0, l.term_months, l.fee_rate.text(), kind_text(l.schedule), crate::now()],
            )?;
            let id = tx.last_insert_rowid();
            ids.insert(l.loan_id.clone(), (id, upk, ksm));
            post(
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
        for (loan_id, id) in &known {
            if !ids.contains_key(loan_id) {
                let (upk, ksm): (i64, i64) = tx.query_row(
                    "SELECT upk_id, ksm_id FROM fund_loans WHERE id = ?1",
                    [id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?;
                ids.insert(loan_id.clone(), (*id, upk, ksm));
            }
        }

        // Repayments: the k-th identical row is held when the store has k.
        let mut seen: HashMap<(i64, String, i64), i64> = HashMap::new();
        let mut books: HashMap<i64, LoanBook> = HashMap::new();
        for r in &repayments {
            let (loan, upk, ksm) = ids[&r.loan_id];
            let key = (loan, r.paid_on.to_string(), r.amount.0);
            let nth = seen.entry(key.clone()).or_insert(0);
            *nth += 1;
            let held: i64 = tx.query_row(
                "SELECT count(*) FROM fund_repayments WHERE loan = ?1 AND paid_on = ?2 AND amount = ?3",
                params![loan, key.1, key.2],
                |row| row.get(0),
            )?;
            if held >= *nth {
                summary.repayments_skipped += 1;
                continue;
            }
            let occurrence = held + 1;
            if let std::collections::hash_map::Entry::Vacant(v) = books.entry(loan) {
                let book = load_books(&tx, "l.id = ?1", Some(loan))?;
                v.insert(book.into_iter().next().expect("the loan was stored"));
            }
            crate::fund_ops::repay_tx(
                &tx,
                loan,
                &r.loan_id,
                upk,
                ksm,
                books.get_mut(&loan).expect("loaded"),
                r.paid_on,
                r.amount,
                &format!("repayment:{}:{}:{}:{occurrence}", r.loan_id, key.1, key.2),
            )
            .map_err(|e| match e {
                StoreError::Invalid { field, message } => StoreError::Rejected(Rejected {
                    file: files.1.to_owned(),
                    errors: vec![RowError::new(r.line, Some(field.as_str()), message)],
                }),
                other => other,
            })?;
            summary.repayments_stored += 1;
        }
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
    let mut index: HashMap<i64, usize> = HashMap::new();
    {
        let mut stmt = conn.prepare(&format!(
            "SELECT l.id, o.name, l.upk_id, l.ksm_id, l.disbursed_on, l.principal, l.term_months, l.fee_rate, l.schedule
             FROM fund_loans l JOIN organisations o ON o.id = l.upk_id WHERE {filter} ORDER BY l.id"
        ))?;
        let mut rows = stmt.query([param])?;
        while let Some(r) = rows.next()? {
            let on = parse_date(&r.get::<_, String>(4)?)?;
            let rate = FeeRate::parse(&r.get::<_, String>(7)?).map_err(|_| bad("rate"))?;
            let kind = parse_kind(&r.get::<_, String>(8)?);
            let id: i64 = r.get(0)?;
            index.insert(id, books.len());
            books.push((
                id,
                LoanBook {
                    upk: r.get(1)?,
                    upk_id: r.get(2)?,
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
    let scoped = format!("(SELECT l.id FROM fund_loans l WHERE {filter})");
    let mut stmt = conn.prepare(&format!(
        "SELECT r.loan, r.paid_on, r.amount FROM fund_repayments r
         WHERE r.loan IN {scoped} AND NOT EXISTS (SELECT 1 FROM fund_reversals v WHERE v.repayment = r.id)
         ORDER BY r.loan, r.paid_on, r.id"
    ))?;
    let mut rows = stmt.query([param])?;
    while let Some(r) = rows.next()? {
        if let Some(i) = index.get(&r.get::<_, i64>(0)?) {
            let on = parse_date(&r.get::<_, String>(1)?)?;
            books[*i].1.payments.push((on, Rupiah(r.get(2)?)));
        }
    }
    let mut stmt = conn.prepare(&format!(
        "SELECT loan, on_date, principal, term_months, fee_rate, schedule FROM fund_reschedules
         WHERE loan IN {scoped} ORDER BY loan, on_date, id"
    ))?;
    let mut rows = stmt.query([param])?;
    while let Some(r) = rows.next()? {
        if let Some(i) = index.get(&r.get::<_, i64>(0)?) {
            let on = parse_date(&r.get::<_, String>(1)?)?;
            let rate = FeeRate::parse(&r.get::<_, String>(4)?).map_err(|_| bad("rate"))?;
            let kind = parse_kind(&r.get::<_, String>(5)?);
            books[*i]
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
    let mut stmt = conn.prepare(&format!(
        "SELECT loan, on_date, principal FROM fund_write_offs WHERE loan IN {scoped}"
    ))?;
    let mut rows = stmt.query([param])?;
    while let Some(r) = rows.next()? {
        if let Some(i) = index.get(&r.get::<_, i64>(0)?) {
            books[*i].1.written_off =
                Some((parse_date(&r.get::<_, String>(1)?)?, Rupiah(r.get(2)?)));
        }
    }
    Ok(books)
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
