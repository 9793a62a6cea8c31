//! The revolving fund's storage: loans, repayments and the hash-chained
//! journal. Every money movement is posted as a balanced entry in the same
//! transaction as the row it records.

use crate::audit::{self, Actor};
use crate::{Result, Store, StoreError};
use jiff::civil::Date;
use lumbung_domain::{Rejected, RowError};
pub use lumbung_fund::books_file::{LoanRecord, RepaymentRecord};
use lumbung_fund::journal::{Account, Entry, EntryError, Posted, GENESIS};
use lumbung_fund::loan::{schedule, FeeRate, Frequency, Rupiah, ScheduleKind};
use lumbung_fund::report::LoanBook;
use rusqlite::{params, OptionalExtension, Transaction, TransactionBehavior};
use serde::Serialize;
use std::collections::HashMap;

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

/// The UPKs and KSMs an import finds or creates, read once: a name is
/// matched as SQL's `lower(name) = lower(?)` matches it (ASCII letters
/// only). Names are not unique: a name that fits several is refused with
/// their ids, never resolved to one of them.
struct Orgs {
    /// (kind, the UPK a KSM sits under — none for a UPK, lower-case name):
    /// a KSM's name is its own only within its UPK.
    by_name: HashMap<(&'static str, Option<i64>, String), Vec<i64>>,
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
            "SELECT id, kind, name, parent_id FROM organisations WHERE kind IN ('upk', 'ksm') ORDER BY id",
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
            let parent: Option<i64> = r.get(3)?;
            if kind == "upk" {
                orgs.upk_names.insert(id, name.clone());
            }
            let under = if kind == "ksm" { parent } else { None };
            orgs.by_name
                .entry((kind, under, name.to_ascii_lowercase()))
                .or_default()
                .push(id);
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
        let under = if kind == "ksm" { parent } else { None };
        let key = (kind, under, name.trim().to_ascii_lowercase());
        match self.by_name.get(&key).map(Vec::as_slice) {
            Some([id]) => return Ok(*id),
            Some(ids) if !ids.is_empty() => {
                let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
                return Err(StoreError::invalid(
                    kind,
                    format!(
                        "{:?} names {} organisations of kind {kind} (ids {}); rename one of them in the registry first",
                        name.trim(),
                        ids.len(),
                        ids.join(", ")
                    ),
                ));
            }
            _ => {}
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
        self.by_name.insert(key, vec![id]);
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
    /// (day, UPK, account kind) → the sum of the lines posted, keyed in
    /// the table's order.
    days: HashMap<(Date, i64, &'static str), i64>,
    /// Each UPK's settings, once read: their bound on one movement.
    settings: HashMap<i64, lumbung_fund::settings::Settings>,
}

impl Poster {
    /// `amount` when it is within the UPK's `max_movement`; refused,
    /// naming `field`, otherwise.
    pub(crate) fn movement(
        &mut self,
        tx: &Transaction<'_>,
        upk: i64,
        field: &'static str,
        amount: Rupiah,
    ) -> Result<Rupiah> {
        let settings = match self.settings.entry(upk) {
            std::collections::hash_map::Entry::Occupied(o) => o.into_mut(),
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(crate::fund_ops::settings_tx(tx, upk)?)
            }
        };
        Ok(settings.movement(field, amount)?)
    }

    pub(crate) fn post(
        &mut self,
        tx: &Transaction<'_>,
        upk: i64,
        loan: Option<i64>,
        entry: &Entry,
    ) -> Result<Option<i64>> {
        entry.check().map_err(|e| match e {
            EntryError::TooLarge(e) => StoreError::from(e),
            EntryError::Date(e) => StoreError::invalid("date", e.to_string()),
            e => StoreError::invalid("journal", e.to_string()),
        })?;
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
            let day = self
                .days
                .entry((entry.date, upk, l.account.kind()))
                .or_insert(0);
            *day = lumbung_fund::loan::add("balance", *day, l.amount.0)?;
        }
        Ok(Some(sequence))
    }

    /// Writes the per-day balance movements gathered.
    pub(crate) fn finish(mut self, tx: &Transaction<'_>) -> Result<()> {
        let mut add = tx.prepare_cached(
            "INSERT INTO fund_account_days (day, upk_id, account, amount) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (day, upk_id, account) DO UPDATE SET amount = amount + excluded.amount",
        )?;
        // In the key's order: a day's rows of the whole city are neighbours.
        let mut days: Vec<_> = std::mem::take(&mut self.days).into_iter().collect();
        days.sort_unstable();
        for ((day, upk, account), amount) in days {
            add.execute(params![day.to_string(), upk, account, amount])?;
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

    /// Every loan (of one UPK, by id, when given) with its schedules,
    /// repayments (reversed ones left out), reschedulings and write-off.
    /// Read in a few scans, not a query per loan, so that a city's
    /// portfolio loads quickly.
    pub fn fund_books(&self, upk_id: Option<i64>) -> Result<Vec<LoanBook>> {
        let conn = self.conn()?;
        if upk_id.is_none() {
            drop(conn);
            if let Some(books) = self.city_books()? {
                return Ok(books);
            }
            let conn = self.conn()?;
            return load_books(&conn, ALL_LOANS, None);
        }
        load_books(&conn, "l.upk_id = ?1 OR ?1 IS NULL", upk_id)
    }

    /// Every loan's book, read by two connections at once: one reads the
    /// loans and the first part of the repayments, the other the rest.
    /// Both read the same state of the database: `None` when books were
    /// written while the two began (three times over), so that one
    /// connection reads alone.
    fn city_books(&self) -> Result<Option<Vec<LoanBook>>> {
        // Two more connections if they are idle now: waiting for them while
        // holding one could deadlock a busy pool.
        let mut a = self.conn()?;
        let (Some(probe), Some(mut b)) = (self.spare_conn(), self.spare_conn()) else {
            return Ok(None);
        };
        let version = |c: &rusqlite::Connection| -> Result<i64> {
            Ok(c.query_row("PRAGMA data_version", [], |r| r.get(0))?)
        };
        for _ in 0..3 {
            // No commit between the two readings of the probe: none
            // between the two read transactions' starts either.
            let before = version(&probe)?;
            let ra = Reading::begin(&mut a)?;
            let rb = Reading::begin(&mut b)?;
            if version(&probe)? != before {
                continue;
            }
            let last: i64 = ra.0.query_row(
                "SELECT coalesce(max(id), 0) FROM fund_repayments",
                [],
                |r| r.get(0),
            )?;
            // The other reads the larger part: this one reads the loans too.
            let split = last * 2 / 5;
            let (books, rest) = std::thread::scope(|s| {
                let rest = s.spawn(move || -> Result<Vec<(i64, i64, Date)>> {
                    let reversed = reversed_repayments(rb.0)?;
                    let mut rows = Vec::with_capacity((last - split).max(0) as usize);
                    scan_repayments(rb.0, split, &reversed, |loan, on, amount| {
                        rows.push((loan, amount, on));
                    })?;
                    Ok(rows)
                });
                let mine = (|| -> Result<(Vec<(i64, LoanBook)>, LoanIndex)> {
                    let mut books = load_loans(ra.0, ALL_LOANS, None)?;
                    let index = LoanIndex::new(&books);
                    let per_loan = (last / books.len().max(1) as i64).clamp(1, 64) as usize;
                    let reversed = reversed_repayments(ra.0)?;
                    let mut stmt = ra.0.prepare_cached(
                        "SELECT loan, paid_on, amount, id FROM fund_repayments WHERE id <= ?1 ORDER BY id",
                    )?;
                    let mut rows = stmt.query([split])?;
                    while let Some(r) = rows.next()? {
                        if let Some(i) = index.get(r.get(0)?) {
                            if !reversed.is_empty() && reversed.contains(&r.get::<_, i64>(3)?) {
                                continue;
                            }
                            let on = date_of(r.get_ref(1)?.as_bytes().map_err(|_| bad("date"))?)?;
                            let pays = &mut books[i].1.payments;
                            if pays.capacity() == 0 {
                                pays.reserve(per_loan);
                            }
                            pays.push((on, Rupiah(r.get(2)?)));
                        }
                    }
                    Ok((books, index))
                })();
                (mine, rest.join().expect("a reading thread panicked"))
            });
            let (mut books, index) = books?;
            let rest = rest?;
            // The other part's payments come after this part's (by row id);
            // each half of the books is completed by a thread.
            let mid = books.len() / 2;
            let (low, high) = books.split_at_mut(mid);
            std::thread::scope(|s| {
                s.spawn(|| complete_payments(low, 0, &index, &rest));
                complete_payments(high, mid, &index, &rest);
            });
            drop(rest);
            finish_books(ra.0, ALL_LOANS, None, &mut books, &index)?;
            return Ok(Some(books.into_iter().map(|(_, b)| b).collect()));
        }
        Ok(None)
    }

    /// Checks the whole journal as [`lumbung_fund::journal::verify`] does,
    /// without holding it in memory: read in sequence order, checked on
    /// every core (an entry's hash follows from the stored hash before it,
    /// so pieces are checked apart). `Ok(entries)` or `Err(the first
    /// broken entry)`; an unreadable entry is an error, as in
    /// [`Store::fund_journal`].
    pub fn verify_fund_journal(&self) -> Result<std::result::Result<u64, u64>> {
        /// Entries in sequence order, with the stored hash before the first:
        /// their texts one after the other (entry, hash, entry, hash, …)
        /// and each one's sequence and the ends of its entry and hash.
        struct Piece {
            previous: String,
            text: String,
            rows: Vec<(i64, usize, usize)>,
        }
        const PIECE: usize = 4096;
        let conn = self.conn()?;
        let workers = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
        let (send, receive) = std::sync::mpsc::sync_channel::<Piece>(2 * workers);
        let receive = std::sync::Mutex::new(receive);
        // Per worker: the first unreadable and the first broken entry seen.
        let (read, found) = std::thread::scope(|s| {
            let checks: Vec<_> = (0..workers)
                .map(|_| {
                    s.spawn(|| {
                        let (mut unreadable, mut broken) = (None::<i64>, None::<i64>);
                        loop {
                            let piece = receive.lock().expect("a checking thread panicked").recv();
                            let Ok(piece) = piece else {
                                return (unreadable, broken);
                            };
                            let mut previous = piece.previous.as_str();
                            let mut start = 0;
                            for &(sequence, entry_end, hash_end) in &piece.rows {
                                let entry = &piece.text[start..entry_end];
                                let hash = &piece.text[entry_end..hash_end];
                                start = hash_end;
                                match serde_json::from_str::<Entry>(entry) {
                                    Err(_) => {
                                        unreadable.get_or_insert(sequence);
                                    }
                                    Ok(entry) => {
                                        if broken.is_none()
                                            && !lumbung_fund::journal::follows(
                                                &entry,
                                                sequence as u64,
                                                hash,
                                                previous,
                                            )
                                        {
                                            broken = Some(sequence);
                                        }
                                    }
                                }
                                previous = hash;
                            }
                        }
                    })
                })
                .collect();
            let read = (|| -> Result<u64> {
                let mut stmt = conn
                    .prepare("SELECT sequence, entry, hash FROM fund_journal ORDER BY sequence")?;
                let mut rows = stmt.query([])?;
                let empty = |previous: String| Piece {
                    previous,
                    text: String::with_capacity(PIECE * 512),
                    rows: Vec::with_capacity(PIECE),
                };
                let mut piece = empty(GENESIS.to_owned());
                let mut entries = 0u64;
                while let Some(r) = rows.next()? {
                    let text = |i: usize| -> Result<&str> {
                        r.get_ref(i)?.as_str().map_err(|e| {
                            rusqlite::Error::FromSqlConversionFailure(
                                i,
                                rusqlite::types::Type::Text,
                                Box::new(e),
                            )
                            .into()
                        })
                    };
                    piece.text.push_str(text(1)?);
                    let entry_end = piece.text.len();
                    piece.text.push_str(text(2)?);
                    piece.rows.push((r.get(0)?, entry_end, piece.text.len()));
                    entries += 1;
                    if piece.rows.len() == PIECE {
                        let previous = piece.text[entry_end..].to_owned();
                        let full = std::mem::replace(&mut piece, empty(previous));
                        if send.send(full).is_err() {
                            break;
                        }
                    }
                }
                if !piece.rows.is_empty() {
                    let _ = send.send(piece);
                }
                Ok(entries)
            })();
            drop(send);
            let found: Vec<(Option<i64>, Option<i64>)> = checks
                .into_iter()
                .map(|c| c.join().expect("a checking thread panicked"))
                .collect();
            (read, found)
        });
        let entries = read?;
        // Each worker saw its pieces in order: the least of its firsts is
        // the first of all.
        if let Some(sequence) = found.iter().filter_map(|f| f.0).min() {
            return Err(StoreError::invalid(
                "fund_journal",
                format!("entry {sequence} is unreadable"),
            ));
        }
        Ok(match found.iter().filter_map(|f| f.1).min() {
            Some(sequence) => Err(sequence as u64),
            None => Ok(entries),
        })
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
    // Every amount within the programme's default bound on one movement
    // (the UPKs may not exist yet).
    let bound = lumbung_fund::settings::Settings::default();
    // Loans: a loan id is unique in the whole database.
    let mut in_file: HashMap<&str, &LoanRecord> = HashMap::with_capacity(loans.len());
    {
        let mut held_stmt = tx.prepare_cached(
            "SELECT id, disbursed_on, principal, term_months, fee_rate, schedule, frequency FROM fund_loans WHERE loan_id = ?1",
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
            if let Err(e) = bound.movement("principal", l.principal) {
                errors
                    .0
                    .push(RowError::new(l.line, Some("principal"), e.to_string()));
            }
            let held: Option<(String, i64, i64, String, String, String)> = held_stmt
                .query_row([&l.loan_id], |r| {
                    Ok((
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                    ))
                })
                .optional()?;
            if let Some((on, p, t, rate, kind, frequency)) = held {
                let same = on == l.disbursed_on.to_string()
                    && p == l.principal.0
                    && t == l.term_months as i64
                    && rate == l.fee_rate.text()
                    && kind == l.schedule.as_str()
                    && frequency == l.frequency.as_str();
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
        if let Err(e) = bound.movement("amount", r.amount) {
            errors
                .1
                .push(RowError::new(r.line, Some("amount"), e.to_string()));
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
        let at_line = |e: StoreError| match e {
            StoreError::Invalid { field, message } => StoreError::Rejected(Rejected {
                file: files.0.to_owned(),
                errors: vec![RowError::new(l.line, Some(&field), message)],
            }),
            other => other,
        };
        let upk = orgs
            .find_or_create(&tx, "upk", &l.upk, None, actor, &mut summary.upks_created)
            .map_err(at_line)?;
        let ksm = orgs
            .find_or_create(
                &tx,
                "ksm",
                &l.ksm,
                Some(upk),
                actor,
                &mut summary.ksms_created,
            )
            .map_err(at_line)?;
        if !(3..=12).contains(&l.term_months) {
            summary.warnings.push(format!(
                "{}: line {}: loan {}: a term of {} months is outside 3–12",
                files.0, l.line, l.loan_id, l.term_months
            ));
        }
        tx.prepare_cached(
            "INSERT INTO fund_loans (loan_id, upk_id, ksm_id, disbursed_on, principal, term_months, fee_rate, schedule, frequency, migrated, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 1, ?10)",
        )?
        .execute(params![l.loan_id, upk, ksm, l.disbursed_on.to_string(), l.principal.0, l.term_months, l.fee_rate.text(), l.schedule.as_str(), l.frequency.as_str(), crate::now()])?;
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
                        l.frequency,
                    )?,
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

pub(crate) fn parse_kind(raw: &str) -> Result<ScheduleKind> {
    ScheduleKind::parse(raw).map_err(|_| bad("schedule"))
}

pub(crate) fn parse_frequency(raw: &str) -> Result<Frequency> {
    Frequency::parse(raw).map_err(|_| bad("frequency"))
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
    let books = load_loans(conn, filter, param)?;
    fill_books(conn, filter, param, books)
}

/// The book of one loan by its public id (with its row id), as
/// [`load_books_with_ids`] gives it; `names` keeps UPK names between calls.
pub(crate) fn book_by_loan_id(
    conn: &rusqlite::Connection,
    loan_id: &str,
    names: &mut HashMap<i64, Option<String>>,
) -> Result<Option<(i64, LoanBook)>> {
    let books = loans_where(conn, "l.loan_id = ?1", [loan_id], names)?;
    let Some(id) = books.first().map(|b| b.0) else {
        return Ok(None);
    };
    Ok(fill_books(conn, ONE_LOAN, Some(id), books)?.pop())
}

/// Adds to loans just loaded (by `filter`) their payments, reschedulings
/// and write-offs.
fn fill_books(
    conn: &rusqlite::Connection,
    filter: &str,
    param: Option<i64>,
    mut books: Vec<(i64, LoanBook)>,
) -> Result<Vec<(i64, LoanBook)>> {
    if books.is_empty() {
        return Ok(books);
    }
    let index = LoanIndex::new(&books);
    // Many loans (a city's portfolio): read the repayments whole, in row
    // order, keeping those of the loans loaded; few: through the loans'
    // index. Either way a loan's payments come in the order recorded and
    // are then put in date order.
    let whole = filter != ONE_LOAN && {
        let most: i64 = conn
            .prepare_cached("SELECT coalesce(max(id), 0) FROM fund_loans")?
            .query_row([], |r| r.get(0))?;
        books.len() as i64 * 2 > most
    };
    if whole {
        let reversed = reversed_repayments(conn)?;
        scan_repayments(conn, 0, &reversed, |loan, on, amount| {
            if let Some(i) = index.get(loan) {
                books[i].1.payments.push((on, Rupiah(amount)));
            }
        })?;
    } else {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT r.loan, r.paid_on, r.amount FROM fund_repayments r
             WHERE {} AND NOT EXISTS (SELECT 1 FROM fund_reversals v WHERE v.repayment = r.id)
             ORDER BY r.loan, r.id",
            loans_in("r.loan", filter)
        ))?;
        let mut rows = stmt.query([param])?;
        while let Some(r) = rows.next()? {
            if let Some(i) = index.get(r.get(0)?) {
                let on = date_of(r.get_ref(1)?.as_bytes().map_err(|_| bad("date"))?)?;
                books[i].1.payments.push((on, Rupiah(r.get(2)?)));
            }
        }
    }
    sort_payments(&mut books);
    finish_books(conn, filter, param, &mut books, &index)?;
    Ok(books)
}

/// The filter of every loan.
const ALL_LOANS: &str = "?1 IS NULL";

/// The filter of one loan by row id.
const ONE_LOAN: &str = "l.id = ?1";

/// The condition on a table's loan column (`column`) that selects the
/// loans of `filter` (over `fund_loans l`), with its one parameter: for one
/// loan or every loan without a subquery (a posting loads its loan's book
/// many times a second; a city's loans would be listed whole).
fn loans_in(column: &str, filter: &str) -> String {
    match filter {
        ONE_LOAN => format!("{column} = ?1"),
        ALL_LOANS => ALL_LOANS.to_owned(),
        _ => format!("{column} IN (SELECT l.id FROM fund_loans l WHERE {filter})"),
    }
}

/// A read transaction on a pooled connection, ended when dropped (so that
/// the connection goes back to the pool without one).
struct Reading<'c>(&'c mut rusqlite::Connection);

impl<'c> Reading<'c> {
    /// Begins reading: the database's state is fixed from here on.
    fn begin(conn: &'c mut rusqlite::Connection) -> Result<Reading<'c>> {
        conn.execute_batch("BEGIN")?;
        let reading = Reading(conn);
        reading
            .0
            .query_row("SELECT 1 FROM fund_loans LIMIT 1", [], |_| Ok(()))
            .optional()?;
        Ok(reading)
    }
}

impl Drop for Reading<'_> {
    fn drop(&mut self) {
        let _ = self.0.execute_batch("ROLLBACK");
    }
}

/// The loans matching `filter` (SQL over `fund_loans l`, one parameter),
/// ordered by row id, with their schedules and no payments yet. A loan
/// whose UPK is not an organisation is left out.
fn load_loans(
    conn: &rusqlite::Connection,
    filter: &str,
    param: Option<i64>,
) -> Result<Vec<(i64, LoanBook)>> {
    loans_where(conn, filter, [param], &mut HashMap::new())
}

/// [`load_loans`] by any condition over `fund_loans l`; `names` caches
/// the UPKs' names (`None`: no such organisation).
fn loans_where(
    conn: &rusqlite::Connection,
    condition: &str,
    params: impl rusqlite::Params,
    names: &mut HashMap<i64, Option<String>>,
) -> Result<Vec<(i64, LoanBook)>> {
    let mut books: Vec<(i64, LoanBook)> = Vec::new();
    let mut name_of = conn.prepare_cached("SELECT name FROM organisations WHERE id = ?1")?;
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT l.id, l.upk_id, l.ksm_id, l.disbursed_on, l.principal, l.term_months, l.fee_rate, l.schedule, l.frequency
         FROM fund_loans l WHERE {condition} ORDER BY l.id"
    ))?;
    let mut rows = stmt.query(params)?;
    while let Some(r) = rows.next()? {
        let upk_id: i64 = r.get(1)?;
        let upk = match names.get(&upk_id) {
            Some(name) => name.clone(),
            None => {
                let name: Option<String> = name_of.query_row([upk_id], |r| r.get(0)).optional()?;
                names.insert(upk_id, name.clone());
                name
            }
        };
        let Some(upk) = upk else {
            continue;
        };
        let on = date_of(r.get_ref(3)?.as_bytes().map_err(|_| bad("date"))?)?;
        let rate = FeeRate::parse(r.get_ref(6)?.as_str().map_err(|_| bad("rate"))?)
            .map_err(|_| bad("rate"))?;
        let kind = parse_kind(r.get_ref(7)?.as_str().map_err(|_| bad("schedule"))?)?;
        let frequency = parse_frequency(r.get_ref(8)?.as_str().map_err(|_| bad("frequency"))?)?;
        books.push((
            r.get(0)?,
            LoanBook {
                upk,
                upk_id,
                ksm: r.get(2)?,
                disbursed_on: on,
                schedule: schedule(
                    on,
                    Rupiah(r.get(4)?),
                    r.get::<_, i64>(5)? as u16,
                    rate,
                    kind,
                    frequency,
                )?,
                payments: Vec::new(),
                rescheduled: Vec::new(),
                written_off: None,
            },
        ));
    }
    Ok(books)
}

/// The repayments that were reversed, by id.
fn reversed_repayments(conn: &rusqlite::Connection) -> Result<std::collections::HashSet<i64>> {
    Ok(conn
        .prepare_cached("SELECT repayment FROM fund_reversals")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?)
}

/// Every repayment after row `after`, in row order, but the reversed:
/// `each(loan, paid on, amount)`.
fn scan_repayments(
    conn: &rusqlite::Connection,
    after: i64,
    reversed: &std::collections::HashSet<i64>,
    mut each: impl FnMut(i64, Date, i64),
) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "SELECT loan, paid_on, amount, id FROM fund_repayments WHERE id > ?1 ORDER BY id",
    )?;
    let mut rows = stmt.query([after])?;
    while let Some(r) = rows.next()? {
        if !reversed.is_empty() && reversed.contains(&r.get::<_, i64>(3)?) {
            continue;
        }
        let on = date_of(r.get_ref(1)?.as_bytes().map_err(|_| bad("date"))?)?;
        each(r.get(0)?, on, r.get(2)?);
    }
    Ok(())
}

/// Puts each book's payments in date order (among payments of one date,
/// as recorded).
fn sort_payments(books: &mut [(i64, LoanBook)]) {
    for (_, b) in books {
        if !b.payments.is_sorted_by_key(|p| p.0) {
            b.payments.sort_by_key(|p| p.0);
        }
    }
}

/// Adds `rows` (loan, amount, paid on), in row order, to the payments of
/// the books among `books` (which start at `first` of the index), and puts
/// them in date order.
fn complete_payments(
    books: &mut [(i64, LoanBook)],
    first: usize,
    index: &LoanIndex,
    rows: &[(i64, i64, Date)],
) {
    for (loan, amount, on) in rows {
        if let Some(b) = index
            .get(*loan)
            .and_then(|i| i.checked_sub(first))
            .and_then(|i| books.get_mut(i))
        {
            b.1.payments.push((*on, Rupiah(*amount)));
        }
    }
    sort_payments(books);
}

/// Adds each book's reschedulings and write-off.
fn finish_books(
    conn: &rusqlite::Connection,
    filter: &str,
    param: Option<i64>,
    books: &mut [(i64, LoanBook)],
    index: &LoanIndex,
) -> Result<()> {
    let scoped = loans_in("loan", filter);
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT loan, on_date, principal, term_months, fee_rate, schedule, frequency FROM fund_reschedules
         WHERE {scoped} ORDER BY loan, on_date, id"
    ))?;
    let mut rows = stmt.query([param])?;
    while let Some(r) = rows.next()? {
        if let Some(i) = index.get(r.get(0)?) {
            let on = parse_date(&r.get::<_, String>(1)?)?;
            let rate = FeeRate::parse(&r.get::<_, String>(4)?).map_err(|_| bad("rate"))?;
            let kind = parse_kind(&r.get::<_, String>(5)?)?;
            let frequency = parse_frequency(&r.get::<_, String>(6)?)?;
            books[i]
                .1
                .rescheduled
                .push(lumbung_fund::report::Rescheduled {
                    on,
                    term_months: r.get::<_, i64>(3)? as u16,
                    schedule: schedule(
                        on,
                        Rupiah(r.get(2)?),
                        r.get::<_, i64>(3)? as u16,
                        rate,
                        kind,
                        frequency,
                    )?,
                });
        }
    }
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT loan, on_date, principal FROM fund_write_offs WHERE {scoped}"
    ))?;
    let mut rows = stmt.query([param])?;
    while let Some(r) = rows.next()? {
        if let Some(i) = index.get(r.get(0)?) {
            books[i].1.written_off =
                Some((parse_date(&r.get::<_, String>(1)?)?, Rupiah(r.get(2)?)));
        }
    }
    Ok(())
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
        upk_id: i64,
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
        let is_upk = tx
            .query_row(
                "SELECT 1 FROM organisations WHERE id = ?1 AND kind = 'upk'",
                [upk_id],
                |_| Ok(()),
            )
            .optional()?
            .is_some();
        if !is_upk {
            return Err(StoreError::invalid("upk", format!("no UPK {upk_id}")));
        }
        crate::fund_ops::settings_tx(&tx, upk_id)?.movement("amount", amount)?;
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
        let day = as_of.to_string();
        let year_start = format!("{:04}-01-01", as_of.year());
        // The year's income and costs: one range of the key (day first),
        // read in order; `+account` keeps SQLite off the per-account index,
        // which would look each row up again.
        let mut year: HashMap<i64, (i64, i64)> = HashMap::new();
        let mut stmt = conn.prepare_cached(
            "SELECT upk_id, account, sum(amount) FROM fund_account_days
             WHERE day >= ?1 AND day <= ?2 AND +account IN ('fee_income', 'operating_costs')
             GROUP BY upk_id, account",
        )?;
        let mut rows = stmt.query(params![year_start, day])?;
        while let Some(r) = rows.next()? {
            let sums = year.entry(r.get(0)?).or_default();
            match r.get_ref(1)?.as_str().unwrap_or_default() {
                "fee_income" => sums.0 = -r.get::<_, i64>(2)?,
                _ => sums.1 = r.get(2)?,
            }
        }
        // Each UPK holding any of these accounts and the first day it did,
        // a seek a UPK along the index (account, UPK, day) — also a UPK
        // whose organisation's kind was edited since: its books still count.
        let mut next = conn.prepare_cached(
            "SELECT upk_id, day FROM fund_account_days WHERE account = ?1 AND upk_id > ?2
             ORDER BY upk_id, day LIMIT 1",
        )?;
        let mut since: std::collections::BTreeMap<i64, String> = Default::default();
        for account in ["fee_income", "operating_costs", "capital_blm"] {
            let mut after = i64::MIN;
            while let Some((upk, first)) = next
                .query_row(params![account, after], |r| {
                    Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
                })
                .optional()?
            {
                let held = since.entry(upk).or_insert_with(|| first.clone());
                if first < *held {
                    *held = first;
                }
                after = upk;
            }
        }
        let mut capital = conn.prepare_cached(
            "SELECT -coalesce(sum(amount), 0) FROM fund_account_days
             WHERE account = 'capital_blm' AND upk_id = ?1 AND day <= ?2",
        )?;
        let mut out = std::collections::BTreeMap::new();
        for (upk, first) in since {
            let (fee_income, costs) = year.get(&upk).copied().unwrap_or_default();
            if first <= day {
                out.insert(
                    upk,
                    lumbung_fund::report::Finances {
                        fee_income,
                        costs,
                        capital: capital.query_row(params![upk, day], |r| r.get(0))?,
                        months: as_of.month() as u32,
                    },
                );
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::store;
    use jiff::civil::date;
    use jiff::ToSpan;

    fn actor() -> Actor {
        Actor::Cli {
            os_user: "test".into(),
        }
    }

    /// A city's books, small: loans of three UPKs and their repayments.
    fn books(s: &Store, loans: usize, repayments: usize) {
        let loan = |i: usize| LoanRecord {
            line: i as u64 + 2,
            upk: format!("UPK {}", i % 3),
            ksm: format!("KSM {}", i % 7),
            loan_id: format!("L{i}"),
            disbursed_on: date(2024, 1, 10),
            principal: Rupiah(600_000 + 1_000 * i as i64),
            term_months: 6,
            fee_rate: FeeRate::parse("0.015").unwrap(),
            schedule: if i.is_multiple_of(4) {
                ScheduleKind::Declining
            } else {
                ScheduleKind::Flat
            },
            frequency: if i.is_multiple_of(5) {
                Frequency::Weekly
            } else {
                Frequency::Monthly
            },
        };
        let repayment = |i: usize| RepaymentRecord {
            line: i as u64 + 2,
            loan_id: format!("L{}", i % loans),
            paid_on: date(2024, 2, 1)
                .checked_add((((i * 7) % 300) as i32).days())
                .unwrap(),
            amount: Rupiah(1_000 * (1 + (i % 9) as i64)),
        };
        s.import_fund(
            ("loans.csv", "repayments.csv"),
            (0..loans).map(loan).collect(),
            (0..repayments).map(repayment).collect(),
            (vec![], vec![]),
            &actor(),
        )
        .unwrap();
    }

    #[test]
    fn the_journal_is_checked_in_pieces_as_it_is_whole() {
        let (_dir, s) = store();
        books(&s, 5, 9_000);
        let whole = |s: &Store| lumbung_fund::journal::verify(&s.fund_journal().unwrap());
        assert_eq!(whole(&s), Ok(()));
        assert_eq!(s.verify_fund_journal().unwrap(), Ok(9_005));
        // Another program's connection, as a tamperer would have.
        let conn = rusqlite::Connection::open(s.path()).unwrap();
        conn.execute_batch("DROP TRIGGER fund_journal_no_update")
            .unwrap();
        // Changed history in the third piece, then in the second too: the
        // first change is named, as the whole journal's check names it.
        for sequence in [8_500, 5_000, 4_097, 4_096] {
            conn.execute(
                "UPDATE fund_journal SET entry = replace(entry, '\"amount\":-', '\"amount\":-1') WHERE sequence = ?1",
                [sequence],
            )
            .unwrap();
            assert_eq!(whole(&s), Err(sequence as u64));
            assert_eq!(s.verify_fund_journal().unwrap(), Err(sequence as u64));
        }
        conn.execute(
            "UPDATE fund_journal SET entry = 'not json' WHERE sequence = 7000",
            [],
        )
        .unwrap();
        assert!(s.fund_journal().is_err());
        let unreadable = s.verify_fund_journal().unwrap_err().to_string();
        assert!(unreadable.contains("entry 7000"), "{unreadable}");
    }

    #[test]
    fn finances_read_upk_by_upk_are_those_of_one_pass() {
        let (_dir, s) = store();
        books(&s, 12, 600);
        for (i, name) in ["UPK 0", "UPK 1", "UPK 2"].iter().enumerate() {
            let upk = s
                .find_org(
                    lumbung_domain::OrgKind::Upk,
                    &crate::OrgRef::Name((*name).into()),
                    &lumbung_domain::Scope::Global,
                )
                .unwrap()
                .unwrap()
                .id;
            for (j, on) in [
                date(2023, 12, 31),
                date(2024, 1, 1),
                date(2024, 6, 30),
                date(2025, 3, 1),
            ]
            .into_iter()
            .enumerate()
            {
                if (i + j) % 3 != 2 {
                    let key = format!("cost:{name}:{on}");
                    s.post_fund_movement(
                        upk,
                        Movement::Cost,
                        on,
                        Rupiah(1_000 * (i + j + 1) as i64),
                        "ops",
                        &key,
                        &actor(),
                    )
                    .unwrap();
                }
                if (i + j) % 2 == 0 {
                    let key = format!("capital:{name}:{on}");
                    s.post_fund_movement(
                        upk,
                        Movement::Capital,
                        on,
                        Rupiah(500_000),
                        "blm",
                        &key,
                        &actor(),
                    )
                    .unwrap();
                }
            }
        }
        // The query it replaces, one pass over every UPK's history.
        let one_pass = |as_of: Date| {
            let conn = s.conn().unwrap();
            let mut stmt = conn
                .prepare(
                    "SELECT upk_id,
                            -sum(CASE WHEN account = 'fee_income' AND day >= ?2 THEN amount ELSE 0 END),
                            sum(CASE WHEN account = 'operating_costs' AND day >= ?2 THEN amount ELSE 0 END),
                            -sum(CASE WHEN account = 'capital_blm' THEN amount ELSE 0 END)
                     FROM fund_account_days
                     WHERE day <= ?1 AND account IN ('fee_income', 'operating_costs', 'capital_blm')
                     GROUP BY upk_id",
                )
                .unwrap();
            let year_start = format!("{:04}-01-01", as_of.year());
            stmt.query_map(params![as_of.to_string(), year_start], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    lumbung_fund::report::Finances {
                        fee_income: r.get(1)?,
                        costs: r.get(2)?,
                        capital: r.get(3)?,
                        months: as_of.month() as u32,
                    },
                ))
            })
            .unwrap()
            .collect::<rusqlite::Result<std::collections::BTreeMap<_, _>>>()
            .unwrap()
        };
        for as_of in [
            date(2023, 12, 30),
            date(2023, 12, 31),
            date(2024, 1, 1),
            date(2024, 3, 15),
            date(2024, 6, 30),
            date(2024, 12, 31),
            date(2025, 3, 1),
            date(2026, 1, 1),
        ] {
            let finances = s.fund_finances(as_of).unwrap();
            assert_eq!(finances, one_pass(as_of), "as of {as_of}");
        }
        assert_eq!(s.fund_finances(date(2024, 6, 30)).unwrap().len(), 3);
    }

    #[test]
    fn a_citys_books_read_by_two_connections_are_the_books_read_by_one() {
        let (_dir, s) = store();
        books(&s, 40, 3_000);
        s.reverse_repayment(10, date(2025, 1, 1), "wrong loan", &actor())
            .unwrap();
        s.reschedule("L3", date(2025, 1, 1), 6, "flood", &actor())
            .unwrap();
        s.write_off("L4", date(2025, 1, 2), "gone", &actor())
            .unwrap();
        let one = {
            let conn = s.conn().unwrap();
            load_books(&conn, "l.upk_id = ?1 OR ?1 IS NULL", None).unwrap()
        };
        let two = s
            .city_books()
            .unwrap()
            .expect("nothing was written meanwhile");
        assert_eq!(one.len(), 40);
        let key = |b: &LoanBook| {
            (
                b.upk.clone(),
                b.upk_id,
                b.ksm,
                b.disbursed_on,
                b.schedule.clone(),
                b.payments.clone(),
                b.rescheduled.clone(),
                b.written_off,
            )
        };
        assert_eq!(
            one.iter().map(key).collect::<Vec<_>>(),
            two.iter().map(key).collect::<Vec<_>>()
        );
        assert_eq!(
            s.fund_books(None)
                .unwrap()
                .iter()
                .map(key)
                .collect::<Vec<_>>(),
            one.iter().map(key).collect::<Vec<_>>()
        );
        assert_eq!(
            one.iter().map(|b| b.payments.len()).sum::<usize>(),
            3_000 - 1,
            "the reversed one left out"
        );
        assert!(one[3].rescheduled.len() == 1 && one[4].written_off.is_some());
    }
}
