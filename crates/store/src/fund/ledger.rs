//! The hash-chained journal: posting balanced entries (one by one or
//! many in a transaction), checking and reading the chain, and the
//! movements and finances read from the per-day balances.

use super::rows::{invalid, no_upk, settings_tx};
use crate::audit::{self, Actor};
use crate::db::{params, OptionalExtension, Transaction, Value};
use crate::{Result, Store, StoreError};
use jiff::civil::Date;
use lumbung_domain::text;
use lumbung_domain::UpkId;
use lumbung_fund::journal::{Account, Entry, EntryError, Posted, GENESIS};
use lumbung_fund::loan::Rupiah;
use std::collections::HashMap;

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
/// How many (day, UPK, account) sums a poster holds before it adds them
/// to the table: a city's years of days would otherwise take hundreds of
/// megabytes.
const DAYS_HELD: usize = 100_000;

#[derive(Default)]
pub(super) struct Poster {
    /// The first sequence chained per UPK and the city chain's last hash
    /// ([`lumbung_fund::journal::upk_genesis`]), once read.
    chains: Option<(i64, String)>,
    /// Each UPK's last hash, once read.
    tails: HashMap<i64, String>,
    /// SQLite: the last sequence used, once read.
    last: Option<i64>,
    /// PostgreSQL: sequence numbers taken and not used yet.
    sequences: std::collections::VecDeque<i64>,
    /// (day, UPK, account kind) → the sum of the lines posted, keyed in
    /// the table's order.
    days: HashMap<(Date, i64, &'static str), i64>,
    /// Each UPK's settings, once read: their bound on one movement.
    settings: HashMap<i64, lumbung_fund::settings::Settings>,
    /// The latest date an entry may have, once read of the store's clock.
    latest_today: Option<Date>,
    /// A batch's rows, written together ([`Poster::deferring`]).
    deferred: Option<Deferred>,
    /// How many repayments were recorded: they are packed by
    /// [`Poster::finish`].
    repaid: usize,
    /// Whether the journal holds keys as text (entries from before
    /// migration 48), once read.
    text_keys: Option<bool>,
    /// The hashed text of the entry being posted (reused).
    scratch: String,
}

/// What a deferring poster holds until it writes: the keys held (in the
/// journal before, or staged here) and the rows of the journal and of
/// repayments, each row's values one after the other.
#[derive(Default)]
struct Deferred {
    held: std::collections::HashSet<String>,
    /// A bulk import's: no key remembered (millions of them), a key the
    /// journal holds found when the rows are written.
    bulk: bool,
    journal: Vec<Value>,
    repayments: Vec<Value>,
    /// Staging a first import: each repayment's id, and the blocks packed.
    packer: Option<super::packed::Packer>,
    blocks: Vec<super::packed::Block>,
}

/// Which of a batch's keys the journal holds: looked up one by one in the
/// journal's index (as a join, SQLite would scan the whole index for them),
/// each key as the column keeps it and, in a journal from before migration 48, as
/// text too.
pub(super) fn held_keys_sql(table: &str) -> String {
    format!(
        "SELECT k.value FROM {table} k
         WHERE EXISTS (SELECT 1 FROM fund_journal j WHERE j.idempotency_key = k.value)"
    )
}

fn held_keys(
    tx: &Transaction<'_>,
    table: &str,
    keys: Vec<Value>,
    mut each: impl FnMut(&[u8]),
) -> Result<()> {
    // The journal's column holds bytes on PostgreSQL (text before 48 too).
    crate::sql::temp_values(tx, table, "BLOB", "BYTEA", &keys)?;
    let mut stmt = tx.prepare(&held_keys_sql(table))?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        each(r.get_bytes(0)?);
    }
    Ok(())
}

/// Whether the journal holds keys as text: entries posted before
/// migration 48.
fn text_keys(conn: &crate::db::Connection) -> Result<bool> {
    crate::sql::exists(conn, "SELECT 1 FROM fund_text_keys", [])
}

/// How a key is held in the journal's unique column.
fn key_value(key: &str) -> Value {
    Value::Blob(lumbung_fund::journal::compact::key_column(key))
}

/// A journal row's hash as the chain's text uses it, in either format.
pub(crate) fn stored_hash(sequence: i64, hash: &[u8]) -> Result<String> {
    lumbung_fund::journal::stored_hash(hash)
        .ok_or_else(|| invalid("fund_journal", unreadable(sequence)))
}

/// A journal row's entry and hash, in either format.
pub(crate) fn stored_entry(sequence: i64, entry: &[u8], hash: &[u8]) -> Result<Posted> {
    let (entry, hash) = lumbung_fund::journal::read_row(entry, hash)
        .ok_or_else(|| invalid("fund_journal", unreadable(sequence)))?;
    Ok(Posted {
        sequence: sequence as u64,
        entry,
        hash,
    })
}

/// Journal rows held before they are written (a batch of 1,000 in one go).
const ROWS_HELD: usize = 1_000;
const JOURNAL_COLUMNS: usize = 6;
const REPAYMENT_COLUMNS: usize = 4;

impl Poster {
    /// A poster for a batch: which of `keys` the journal holds is read
    /// once; entries and repayments are written together, many rows a
    /// statement, when enough are held and by [`Poster::finish`] (a round
    /// trip per statement, not per row, on a database server). A key
    /// posted meanwhile by another UPK's writer (PostgreSQL) makes the
    /// batch fail as busy, to be sent again: then it is counted as posted.
    pub(super) fn deferring(tx: &Transaction<'_>, keys: &[&str]) -> Result<Poster> {
        let mut held = std::collections::HashSet::new();
        let by_column: HashMap<Vec<u8>, &str> = keys
            .iter()
            .map(|k| (lumbung_fund::journal::compact::key_column(k), *k))
            .collect();
        let columns = by_column.keys().map(|c| Value::Blob(c.clone())).collect();
        held_keys(tx, "fund_batch_key_columns", columns, |column| {
            if let Some(key) = by_column.get(column) {
                held.insert((*key).to_owned());
            }
        })?;
        let text_keys = text_keys(tx)?;
        if text_keys {
            // As text, and as its bytes: a journal copied from PostgreSQL
            // into SQLite holds its older keys as blobs.
            let texts = keys
                .iter()
                .flat_map(|k| {
                    [
                        Value::Text((*k).to_owned()),
                        Value::Blob(k.as_bytes().to_vec()),
                    ]
                })
                .collect();
            held_keys(tx, "fund_batch_text_keys", texts, |key| {
                held.insert(String::from_utf8_lossy(key).into_owned());
            })?;
        }
        Ok(Poster {
            deferred: Some(Deferred {
                held,
                ..Default::default()
            }),
            text_keys: Some(text_keys),
            ..Default::default()
        })
    }

    /// A poster for a bulk import: rows written many a statement as in a
    /// batch, no key remembered; a key the journal already holds refuses
    /// the import when its row is written.
    pub(super) fn bulk() -> Poster {
        Poster {
            deferred: Some(Deferred {
                bulk: true,
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    /// Records a repayment posted as entry `seq`: its row id, or `None`
    /// while the row waits to be written with its batch.
    pub(super) fn repayment(
        &mut self,
        tx: &Transaction<'_>,
        loan: i64,
        paid_on: Date,
        amount: Rupiah,
        seq: i64,
    ) -> Result<Option<i64>> {
        if self.deferred.is_some() {
            self.stage_repayment(loan, paid_on, amount, seq);
            return Ok(None);
        }
        self.repaid += 1;
        Ok(Some(tx.insert_id(
            "INSERT INTO fund_repayments (loan, paid_on, amount, journal_seq) VALUES (?1, ?2, ?3, ?4)",
            params![loan, paid_on.to_string(), amount.0, seq],
        )?))
    }

    /// Holds a repayment's row, posted as entry `seq`, to be written with
    /// its entry's.
    pub(super) fn stage_repayment(&mut self, loan: i64, paid_on: Date, amount: Rupiah, seq: i64) {
        self.repaid += 1;
        if let Some(deferred) = &mut self.deferred {
            if let Some(packer) = &mut deferred.packer {
                let (id, block) = packer.push(loan, paid_on, amount.0);
                deferred.repayments.push(Value::Integer(id));
                deferred.blocks.extend(block);
            }
            deferred.repayments.extend([
                Value::Integer(loan),
                Value::Text(paid_on.to_string()),
                Value::Integer(amount.0),
                Value::Integer(seq),
            ]);
        }
    }

    /// Writes the rows a deferring poster holds: the entries, then the
    /// repayments that refer to them.
    fn write_rows(&mut self, tx: &Transaction<'_>) -> Result<()> {
        let Some(deferred) = &mut self.deferred else {
            return Ok(());
        };
        // The buffers are kept for the next rows: an import fills them
        // thousands of times.
        let ids = deferred.packer.is_some();
        write_journal(
            tx,
            &deferred.journal,
            (&deferred.repayments, ids),
            deferred.bulk,
        )?;
        super::packed::write_blocks(tx, &deferred.blocks)?;
        deferred.journal.clear();
        deferred.repayments.clear();
        deferred.blocks.clear();
        Ok(())
    }

    /// The latest date an entry may have ([`lumbung_fund::not_ahead`]), of
    /// the store's clock (read on the thread holding the transaction).
    pub(super) fn latest_today(&mut self) -> Date {
        *self.latest_today.get_or_insert_with(crate::latest_today)
    }

    /// The UPK's settings, read once.
    pub(super) fn settings(
        &mut self,
        tx: &Transaction<'_>,
        upk: i64,
    ) -> Result<&lumbung_fund::settings::Settings> {
        Ok(match self.settings.entry(upk) {
            std::collections::hash_map::Entry::Occupied(o) => o.into_mut(),
            std::collections::hash_map::Entry::Vacant(v) => v.insert(settings_tx(tx, upk)?),
        })
    }

    pub(super) fn post(
        &mut self,
        tx: &Transaction<'_>,
        upk: i64,
        loan: Option<i64>,
        entry: &Entry,
    ) -> Result<Option<i64>> {
        checked(entry, self.latest_today())?;
        locked(tx, upk)?;
        if let Some(deferred) = &self.deferred {
            if deferred.held.contains(&entry.idempotency_key) {
                return Ok(None);
            }
        }
        if self.deferred.is_none() && self.holds_text_key(tx, &entry.idempotency_key)? {
            return Ok(None);
        }
        let sequence = self.next_sequence(tx)?;
        self.tail(tx, upk)?;
        if let Some(deferred) = &mut self.deferred {
            if !deferred.bulk {
                deferred.held.insert(entry.idempotency_key.clone());
            }
            self.stage_row(sequence, upk, loan, entry)?;
            self.write_days_if_full(tx)?;
            if self.deferred.as_ref().map_or(0, |d| d.journal.len()) >= ROWS_HELD * JOURNAL_COLUMNS
            {
                self.write_rows(tx)?;
            }
            return Ok(Some(sequence));
        }
        let (row, hash) = self.row(sequence, upk, loan, entry);
        // The key's uniqueness is the check: a key held already inserts
        // nothing (and the tail stays).
        let inserted = tx
            .prepare(
                "INSERT INTO fund_journal (sequence, upk_id, entry, idempotency_key, hash, loan) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (idempotency_key) DO NOTHING",
            )?
            .execute(crate::db::params_from_iter(&row))?;
        if inserted == 0 {
            match tx.backend() {
                crate::db::Backend::Sqlite => self.last = Some(sequence - 1),
                crate::db::Backend::Postgres => self.sequences.push_front(sequence),
            }
            return Ok(None);
        }
        self.tails.insert(upk, hash);
        self.add_day_lines(upk, entry)?;
        self.write_days_if_full(tx)?;
        Ok(Some(sequence))
    }

    /// An entry's journal row, and its hash as the chain's text: it
    /// follows the UPK's tail, which must have been read.
    fn row(
        &mut self,
        sequence: i64,
        upk: i64,
        loan: Option<i64>,
        entry: &Entry,
    ) -> ([Value; JOURNAL_COLUMNS], String) {
        let digest = entry.chain_digest(sequence as u64, &self.tails[&upk], &mut self.scratch);
        let mut bytes = Vec::with_capacity(48);
        lumbung_fund::journal::compact::encode(entry, &mut bytes);
        let row = [
            Value::Integer(sequence),
            Value::Integer(upk),
            Value::Blob(bytes),
            key_value(&entry.idempotency_key),
            Value::Blob(digest.to_vec()),
            loan.map_or(Value::Null, Value::Integer),
        ];
        (row, lumbung_fund::journal::digest_hex(&digest))
    }

    /// Holds an entry's row to be written with the others, as the UPK's
    /// new tail, and its lines in the day sums.
    fn stage_row(
        &mut self,
        sequence: i64,
        upk: i64,
        loan: Option<i64>,
        entry: &Entry,
    ) -> Result<()> {
        let (row, hash) = self.row(sequence, upk, loan, entry);
        if let Some(deferred) = &mut self.deferred {
            deferred.journal.extend(row);
        }
        self.tails.insert(upk, hash);
        self.add_day_lines(upk, entry)
    }

    /// Makes a bulk poster ready to stage entries away from the database
    /// ([`Poster::stage`]): the last sequence (SQLite: one writer), and the
    /// tail and settings of each UPK it will post to, read now.
    pub(super) fn ready_to_stage(
        &mut self,
        tx: &Transaction<'_>,
        upks: impl IntoIterator<Item = i64>,
    ) -> Result<()> {
        if self.last.is_none() {
            self.last = Some(self.next_sequence(tx)? - 1);
        }
        // Read here: the staging thread does not hold the store's clock.
        self.latest_today();
        for upk in upks {
            locked(tx, upk)?;
            self.tail(tx, upk)?;
            self.settings(tx, upk)?;
        }
        Ok(())
    }

    /// Makes a bulk poster give each repayment it stages its id and pack
    /// them in blocks as it goes ([`super::packed::Packer`]): nothing else
    /// may write repayments until it has finished.
    pub(super) fn pack_while_staging(&mut self, tx: &Transaction<'_>) -> Result<()> {
        if let Some(deferred) = &mut self.deferred {
            deferred.packer = Some(super::packed::Packer::after_held(tx)?);
        }
        Ok(())
    }

    /// Stages an entry as [`Poster::post`] writes it, on a thread without
    /// the database: everything it needs was read by
    /// [`Poster::ready_to_stage`]. A key the journal holds is found when
    /// the rows are written ([`Poster::bulk`]).
    pub(super) fn stage(&mut self, upk: i64, loan: Option<i64>, entry: &Entry) -> Result<i64> {
        let (Some(last), Some(latest_today), true) =
            (self.last, self.latest_today, self.tails.contains_key(&upk))
        else {
            return Err(StoreError::Db(crate::db::Error::Parameter(format!(
                "staging for UPK {upk} before its chain was read"
            ))));
        };
        checked(entry, latest_today)?;
        let sequence = last + 1;
        self.last = Some(sequence);
        self.stage_row(sequence, upk, loan, entry)?;
        Ok(sequence)
    }

    /// A UPK's settings read by [`Poster::ready_to_stage`].
    pub(super) fn staged_settings(&self, upk: i64) -> Result<&lumbung_fund::settings::Settings> {
        self.settings.get(&upk).ok_or_else(|| {
            StoreError::Db(crate::db::Error::Parameter(format!(
                "staging for UPK {upk} before its settings were read"
            )))
        })
    }

    /// The rows staged, taken to be written by the thread that holds the
    /// database ([`Staged::write`]) once a batch's worth is held, or all
    /// of them with `all`.
    pub(super) fn take_staged(&mut self, all: bool) -> Option<Staged> {
        let days_full = all || self.days_full();
        let deferred = self.deferred.as_mut()?;
        if !days_full && deferred.journal.len() < ROWS_HELD * JOURNAL_COLUMNS {
            return None;
        }
        Some(Staged {
            journal: std::mem::take(&mut deferred.journal),
            repayments: (
                std::mem::take(&mut deferred.repayments),
                deferred.packer.is_some(),
            ),
            blocks: std::mem::take(&mut deferred.blocks),
            days: if days_full {
                day_rows(std::mem::take(&mut self.days))
            } else {
                Vec::new()
            },
            bulk: deferred.bulk,
        })
    }

    /// Whether the journal holds `key` as text, from before migration 48
    /// (the unique column's conflict finds only its new form).
    fn holds_text_key(&mut self, tx: &Transaction<'_>, key: &str) -> Result<bool> {
        let text_keys = match self.text_keys {
            Some(t) => t,
            None => *self.text_keys.insert(text_keys(tx)?),
        };
        Ok(text_keys
            && crate::sql::exists(
                tx,
                "SELECT 1 FROM fund_journal WHERE idempotency_key = ?1 OR idempotency_key = ?2",
                params![key, key.as_bytes().to_vec()],
            )?)
    }

    /// Adds an entry's lines to the per-day sums held.
    fn add_day_lines(&mut self, upk: i64, entry: &Entry) -> Result<()> {
        for l in &entry.lines {
            let day = self
                .days
                .entry((entry.date, upk, l.account.kind()))
                .or_insert(0);
            *day = lumbung_fund::loan::add("balance", *day, l.amount.0)?;
        }
        Ok(())
    }

    /// The hash the UPK's next entry follows: its last entry's in its own
    /// chain, else where its chain starts.
    fn tail(&mut self, tx: &Transaction<'_>, upk: i64) -> Result<&str> {
        if !self.tails.contains_key(&upk) {
            let (from, city_tail) = match &self.chains {
                Some(chains) => chains,
                None => self.chains.insert(chains(tx)?),
            };
            let last = last_hash(
                tx,
                "SELECT sequence, hash FROM fund_journal WHERE upk_id = ?1 AND sequence >= ?2
                 ORDER BY sequence DESC LIMIT 1",
                params![upk, *from],
            )?;
            let tail = last.unwrap_or_else(|| lumbung_fund::journal::upk_genesis(city_tail, upk));
            self.tails.insert(upk, tail);
        }
        Ok(&self.tails[&upk])
    }

    /// The next entry's sequence: after the last on SQLite (one writer);
    /// from the table's own sequence on PostgreSQL, where UPKs post at once
    /// (taken a growing block at a time; numbers left unused are gaps,
    /// which no chain minds: each entry's hash holds its own number).
    fn next_sequence(&mut self, tx: &Transaction<'_>) -> Result<i64> {
        match tx.backend() {
            crate::db::Backend::Sqlite => {
                let last = match self.last {
                    Some(last) => last,
                    None => tx
                        .prepare("SELECT coalesce(max(sequence), 0) FROM fund_journal")?
                        .query_row([], |r| r.get(0))?,
                };
                self.last = Some(last + 1);
                Ok(last + 1)
            }
            crate::db::Backend::Postgres => {
                if self.sequences.is_empty() {
                    let block = (self.tails.len().max(1) * 64).min(1024) as i64;
                    let mut taken = tx.prepare(
                        "SELECT nextval(pg_get_serial_sequence('fund_journal', 'sequence'))
                         FROM generate_series(1, ?1)",
                    )?;
                    let mut rows = taken.query([block])?;
                    while let Some(r) = rows.next()? {
                        self.sequences.push_back(r.get(0)?);
                    }
                }
                self.sequences
                    .pop_front()
                    .ok_or_else(|| StoreError::Db(crate::db::Error::NoRows))
            }
        }
    }

    /// Writes the rows held and the per-day balance movements gathered.
    pub(super) fn finish(mut self, tx: &Transaction<'_>) -> Result<()> {
        self.write_rows(tx)?;
        self.write_days(tx)?;
        if self.repaid > 0 {
            // A bulk write packs everything; a batch what it wrote and a
            // little of what a database from before the blocks holds.
            let most = if self.repaid >= super::packed::BLOCK_ROWS {
                usize::MAX
            } else {
                2
            };
            super::packed::pack_new(tx, most)?;
        }
        Ok(())
    }

    /// Whether the poster holds as many per-day sums as it may.
    fn days_full(&self) -> bool {
        self.days.len() >= DAYS_HELD
    }

    fn write_days_if_full(&mut self, tx: &Transaction<'_>) -> Result<()> {
        if self.days_full() {
            self.write_days(tx)?;
        }
        Ok(())
    }

    /// Adds the per-day balance movements gathered so far to the table.
    fn write_days(&mut self, tx: &Transaction<'_>) -> Result<()> {
        write_days(tx, &day_rows(std::mem::take(&mut self.days)))
    }
}

/// Rows staged by a bulk poster on one thread, written by the thread that
/// holds the database.
pub(super) struct Staged {
    journal: Vec<Value>,
    /// The repayments' rows, and whether each starts with its id.
    repayments: (Vec<Value>, bool),
    blocks: Vec<super::packed::Block>,
    days: Vec<Value>,
    bulk: bool,
}

impl Staged {
    pub(super) fn write(&self, tx: &Transaction<'_>) -> Result<()> {
        let (repayments, ids) = &self.repayments;
        write_journal(tx, &self.journal, (repayments, *ids), self.bulk)?;
        super::packed::write_blocks(tx, &self.blocks)?;
        write_days(tx, &self.days)
    }
}

/// Writes journal rows, then the repayments that refer to them (each
/// with its id first, or not), many a statement. A key already held inserts nothing: then the batch is
/// refused as busy (another writer posted it since the keys were read) or,
/// in a bulk import, the import is refused.
fn write_journal(
    tx: &Transaction<'_>,
    journal: &[Value],
    (repayments, ids): (&[Value], bool),
    bulk: bool,
) -> Result<()> {
    let inserted = crate::sql::insert_many(
        tx,
        "INSERT INTO fund_journal (sequence, upk_id, entry, idempotency_key, hash, loan)",
        "ON CONFLICT (idempotency_key) DO NOTHING",
        JOURNAL_COLUMNS,
        100,
        journal,
    )?;
    if inserted * JOURNAL_COLUMNS != journal.len() {
        if bulk {
            // Not one row's error: the rows go many a statement.
            return Err(StoreError::Conflict(text!("import_key_held";
                id: "sebuah entri impor ini sudah ada di jurnal dengan kuncinya; tidak ada yang disimpan",
                en: "an entry of this import is already in the journal under its key; nothing was stored")));
        }
        return Err(StoreError::Busy);
    }
    let (head, width) = if ids {
        (
            "INSERT INTO fund_repayments (id, loan, paid_on, amount, journal_seq)",
            REPAYMENT_COLUMNS + 1,
        )
    } else {
        (
            "INSERT INTO fund_repayments (loan, paid_on, amount, journal_seq)",
            REPAYMENT_COLUMNS,
        )
    };
    crate::sql::insert_many(tx, head, "", width, 250, repayments)?;
    Ok(())
}

/// The per-day sums as rows of `fund_account_days`, in the key's order: a
/// day's rows of the whole city are neighbours.
fn day_rows(days: HashMap<(Date, i64, &'static str), i64>) -> Vec<Value> {
    let mut days: Vec<_> = days.into_iter().collect();
    days.sort_unstable();
    days.into_iter()
        .flat_map(|((day, upk, account), amount)| {
            [
                Value::Text(day.to_string()),
                Value::Integer(upk),
                Value::Text(account.to_owned()),
                Value::Integer(amount),
            ]
        })
        .collect()
}

/// Adds per-day balance movements to the table.
fn write_days(tx: &Transaction<'_>, values: &[Value]) -> Result<()> {
    crate::sql::insert_many(
        tx,
        "INSERT INTO fund_account_days (day, upk_id, account, amount)",
        "ON CONFLICT (day, upk_id, account) DO UPDATE SET amount = fund_account_days.amount + excluded.amount",
        4,
        250,
        values,
    )?;
    Ok(())
}

/// Refuses to post to a UPK whose lock the transaction does not hold.
fn locked(tx: &Transaction<'_>, upk: i64) -> Result<()> {
    if tx.holds_upk(upk) {
        return Ok(());
    }
    Err(StoreError::Db(crate::db::Error::Parameter(format!(
        "posting to UPK {upk} without its lock"
    ))))
}

/// An entry as the journal takes it: balanced, dated, lines not zero.
fn checked(entry: &Entry, latest_today: Date) -> Result<()> {
    entry.check_new(latest_today).map_err(|e| match e {
        EntryError::TooLarge(e) => StoreError::from(e),
        EntryError::Date(e) => StoreError::invalid("date", e.text()),
        EntryError::Ahead(e) => StoreError::invalid("date", e.text()),
        EntryError::Unbalanced(by) => StoreError::invalid(
            "journal",
            text!("entry_unbalanced", by = by;
                id: "debit dan kredit berselisih {by} rupiah",
                en: "debits and credits differ by {by} rupiah"),
        ),
        EntryError::TooFewLines => StoreError::invalid(
            "journal",
            text!("entry_too_few_lines";
                id: "sebuah entri memerlukan paling sedikit dua baris",
                en: "an entry needs at least two lines"),
        ),
        EntryError::ZeroLine => StoreError::invalid(
            "journal",
            text!("entry_zero_line"; id: "baris bernilai nol rupiah", en: "a line of zero rupiah"),
        ),
    })
}

/// The hash of the journal row that `sql` selects (sequence, hash), if
/// any, as the chain's text uses it.
fn last_hash(
    conn: &crate::db::Connection,
    sql: &str,
    params: impl crate::db::Params,
) -> Result<Option<String>> {
    let row: Option<(i64, Vec<u8>)> = conn
        .prepare(sql)?
        .query_row(params, |r| Ok((r.get(0)?, r.get_bytes(1)?.to_vec())))
        .optional()?;
    row.map(|(sequence, hash)| stored_hash(sequence, &hash))
        .transpose()
}

/// The first sequence chained per UPK (1 when the journal began after
/// the change) and the hash of the city chain's last entry (or
/// [`GENESIS`]).
fn chains(conn: &crate::db::Connection) -> Result<(i64, String)> {
    let from: i64 =
        crate::sql::optional(conn, "SELECT per_upk_from FROM fund_chains", [])?.unwrap_or(1);
    let city_tail = last_hash(
        conn,
        "SELECT sequence, hash FROM fund_journal WHERE sequence < ?1 ORDER BY sequence DESC LIMIT 1",
        [from],
    )?;
    Ok((from, city_tail.unwrap_or_else(|| GENESIS.to_owned())))
}

/// A share of the journal to check: the city chain's entries with a
/// sequence in `city` (from, until), then those of the UPKs' chains in
/// `upks`.
struct Part {
    city: (i64, i64),
    /// The UPKs' chains' entries with a sequence in (from, until), read
    /// in sequence order.
    upks: (i64, i64),
}

/// What checking a part found: its entries, and the least sequence of an
/// unreadable and of a broken entry.
#[derive(Default)]
struct Found {
    entries: u64,
    unreadable: Option<i64>,
    broken: Option<i64>,
}

impl Found {
    fn merge(&mut self, other: Found) {
        let least = |a: Option<i64>, b: Option<i64>| a.into_iter().chain(b).min();
        self.entries += other.entries;
        self.unreadable = least(self.unreadable, other.unreadable);
        self.broken = least(self.broken, other.broken);
    }

    /// Checks one row and keeps its hash as the next row's `previous`.
    fn check(
        &mut self,
        sequence: i64,
        entry: &[u8],
        hash: &[u8],
        previous: &mut String,
        scratch: &mut String,
    ) {
        use lumbung_fund::journal::{check_row, write_stored_hash, Stored};
        self.entries += 1;
        let least =
            |held: &mut Option<i64>| *held = Some(held.map_or(sequence, |h| h.min(sequence)));
        match check_row(entry, sequence as u64, hash, previous, scratch) {
            Stored::Follows => {}
            Stored::Broken => least(&mut self.broken),
            Stored::Unreadable => least(&mut self.unreadable),
        }
        if !write_stored_hash(hash, previous) {
            // The next entry cannot follow a hash that is not one.
            least(&mut self.broken);
        }
    }
}

impl Part {
    /// Checks the part in one read transaction (one state of the
    /// database, also on PostgreSQL), so that a UPK's chain is read as it
    /// stood.
    fn check(&self, reading: &crate::db::Connection, city_tail: &str, from: i64) -> Result<Found> {
        reading.execute_batch(match reading.backend() {
            crate::db::Backend::Sqlite => "BEGIN",
            crate::db::Backend::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        })?;
        let found = self.check_in(reading, city_tail, from);
        reading.execute_batch("ROLLBACK")?;
        found
    }

    fn check_in(
        &self,
        reading: &crate::db::Connection,
        city_tail: &str,
        from: i64,
    ) -> Result<Found> {
        let mut found = Found::default();
        let mut scratch = String::with_capacity(512);
        if self.city.0 < self.city.1 {
            let before = last_hash(
                reading,
                "SELECT sequence, hash FROM fund_journal WHERE sequence < ?1 ORDER BY sequence DESC LIMIT 1",
                [self.city.0],
            )?;
            let mut previous = before.unwrap_or_else(|| GENESIS.to_owned());
            let mut stmt = reading.prepare(
                "SELECT sequence, entry, hash FROM fund_journal
                 WHERE sequence >= ?1 AND sequence < ?2 ORDER BY sequence",
            )?;
            in_windows(&mut stmt, self.city, |r| {
                let (entry, hash) = (r.get_bytes(1)?, r.get_bytes(2)?);
                found.check(r.get(0)?, entry, hash, &mut previous, &mut scratch);
                Ok(())
            })?;
        }
        // In sequence order, each UPK's chain followed from its last hash
        // seen: the hash before the part's first entry of a UPK is read
        // when the UPK is first met (the same state of the database: one
        // read transaction, so that no entry of its chain lands between).
        let last_before = "SELECT sequence, hash FROM fund_journal
             WHERE upk_id = ?1 AND sequence >= ?2 AND sequence < ?3
             ORDER BY sequence DESC LIMIT 1";
        let mut stmt = reading.prepare(
            "SELECT upk_id, sequence, entry, hash FROM fund_journal
             WHERE sequence >= ?1 AND sequence < ?2 ORDER BY sequence",
        )?;
        let mut tails: HashMap<i64, String> = HashMap::new();
        in_windows(&mut stmt, self.upks, |r| {
            let upk: i64 = r.get(0)?;
            let previous = match tails.entry(upk) {
                std::collections::hash_map::Entry::Occupied(o) => o.into_mut(),
                std::collections::hash_map::Entry::Vacant(v) => {
                    let before = last_hash(reading, last_before, params![upk, from, self.upks.0])?;
                    v.insert(
                        before
                            .unwrap_or_else(|| lumbung_fund::journal::upk_genesis(city_tail, upk)),
                    )
                }
            };
            let (entry, hash) = (r.get_bytes(2)?, r.get_bytes(3)?);
            found.check(r.get(1)?, entry, hash, previous, &mut scratch);
            Ok(())
        })?;
        Ok(found)
    }
}

/// Runs a query of the journal over the sequences in (from, until), a
/// window of them at a time (a database server hands a query's rows over
/// whole), calling `each` with every row.
fn in_windows(
    stmt: &mut crate::db::Statement<'_>,
    (from, until): (i64, i64),
    mut each: impl FnMut(&crate::db::Row<'_>) -> Result<()>,
) -> Result<()> {
    // A few in the store's own tests, so that windows join there.
    const WINDOW: i64 = if cfg!(test) { 7 } else { 1 << 18 };
    let mut at = from;
    while at < until {
        let end = at.saturating_add(WINDOW).min(until);
        let mut rows = stmt.query(params![at, end])?;
        while let Some(r) = rows.next()? {
            each(&r)?;
        }
        at = end;
    }
    Ok(())
}

impl Store {
    /// Checks the whole journal, each chain as
    /// [`lumbung_fund::journal::verify_from`] does, without holding it in
    /// memory: an entry's hash follows from the stored hash before it, so
    /// two connections check at once, each a half of the city chain's
    /// entries and then of the UPKs' chains (each UPK's read whole in one
    /// state of the database). `Ok(entries)` or `Err(the least broken
    /// entry's sequence)`; an unreadable entry is an error, as in
    /// [`Store::fund_journal`].
    pub fn verify_fund_journal(&self) -> Result<std::result::Result<u64, u64>> {
        let conn = self.conn()?;
        let (from, city_tail) = chains(&conn)?;
        let last: i64 = conn.query_row(
            "SELECT coalesce(max(sequence), 0) FROM fund_journal",
            [],
            |r| r.get(0),
        )?;
        let middle = from + (last + 1 - from).max(0) / 2;
        let parts = [
            Part {
                city: (1, from / 2),
                upks: (from, middle),
            },
            Part {
                city: (from / 2, from),
                upks: (middle, last + 1),
            },
        ];
        let found: Vec<Result<Found>> = match self.spare_conn() {
            Some(other) => std::thread::scope(|s| {
                let (second, tail) = (&parts[1], city_tail.as_str());
                let second = s.spawn(move || second.check(&other, tail, from));
                vec![
                    parts[0].check(&conn, &city_tail, from),
                    second.join().expect("a checking thread panicked"),
                ]
            }),
            None => parts
                .iter()
                .map(|p| p.check(&conn, &city_tail, from))
                .collect(),
        };
        let mut all = Found::default();
        for f in found {
            all.merge(f?);
        }
        if let Some(sequence) = all.unreadable {
            return Err(StoreError::invalid("fund_journal", unreadable(sequence)));
        }
        Ok(match all.broken {
            Some(sequence) => Err(sequence as u64),
            None => Ok(all.entries),
        })
    }

    /// The whole journal in sequence order, as stored.
    pub fn fund_journal(&self) -> Result<Vec<Posted>> {
        journal_in(
            &*self.conn()?,
            "SELECT sequence, entry, hash FROM fund_journal ORDER BY sequence",
            [],
        )
    }

    /// The whole journal with each entry's UPK and where the UPKs' own
    /// chains begin, for [`lumbung_fund::journal::verify_journal`].
    pub fn fund_journal_chains(&self) -> Result<lumbung_fund::journal::Journal> {
        let conn = self.conn()?;
        let (from, _) = chains(&conn)?;
        let mut entries = Vec::new();
        let mut stmt = conn
            .prepare("SELECT upk_id, sequence, entry, hash FROM fund_journal ORDER BY sequence")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            entries.push((
                r.get(0)?,
                stored_entry(r.get(1)?, r.get_bytes(2)?, r.get_bytes(3)?)?,
            ));
        }
        Ok(lumbung_fund::journal::Journal {
            per_upk_from: from as u64,
            entries,
        })
    }

    /// The journal of one UPK, in sequence order.
    pub fn upk_journal(&self, upk: UpkId) -> Result<Vec<lumbung_fund::journal::Posted>> {
        let upk = upk.get();
        journal_in(
            &*self.conn()?,
            "SELECT sequence, entry, hash FROM fund_journal WHERE upk_id = ?1 ORDER BY sequence",
            [upk],
        )
    }
}

/// The journal's entries that `sql` selects (sequence, entry, hash), as
/// stored.
fn journal_in(
    conn: &crate::db::Connection,
    sql: &str,
    params: impl crate::db::Params,
) -> Result<Vec<Posted>> {
    let mut out = Vec::new();
    let mut stmt = conn.prepare(sql)?;
    let mut rows = stmt.query(params)?;
    while let Some(r) = rows.next()? {
        out.push(stored_entry(r.get(0)?, r.get_bytes(1)?, r.get_bytes(2)?)?);
    }
    Ok(out)
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
        upk_id: UpkId,
        movement: Movement,
        date: Date,
        amount: Rupiah,
        memo: &str,
        key: &str,
        actor: &Actor,
    ) -> Result<bool> {
        let upk_id = upk_id.get();
        if amount.0 <= 0 {
            return Err(StoreError::invalid(
                "amount",
                text!("amount_not_positive";
                    id: "jumlah harus lebih dari nol (koreksi dilakukan dengan pembatalan)",
                    en: "an amount must be more than zero (a correction is a reversal)"),
            ));
        }
        self.write(|tx| {
            let is_upk = crate::sql::exists(
                tx,
                "SELECT 1 FROM organisations WHERE id = ?1 AND kind = 'upk'",
                [upk_id],
            )?;
            if !is_upk {
                return Err(StoreError::invalid("upk", no_upk(upk_id)));
            }
            settings_tx(tx, upk_id)?.movement("amount", amount)?;
            let lines = match movement {
                Movement::Cost => [
                    (Account::OperatingCosts, amount.0),
                    (Account::Cash, -amount.0),
                ],
                Movement::Capital => [(Account::Cash, amount.0), (Account::CapitalBlm, -amount.0)],
            };
            let posted = post(
                tx,
                upk_id,
                None,
                &Entry::new(date, memo.to_owned(), key.to_owned(), lines),
            )?
            .is_some();
            if posted {
                audit::record_on_org(
                    tx,
                    actor,
                    "fund.post",
                    upk_id,
                    serde_json::json!({"key": key, "amount": amount.0, "memo": memo, "capital": movement == Movement::Capital}),
                )?;
            }
            Ok(posted)
        })
    }

    /// Each UPK's fee income and costs in the year of `as_of` up to it, and
    /// the capital it holds then, by UPK id.
    pub fn fund_finances(
        &self,
        as_of: Date,
    ) -> Result<std::collections::BTreeMap<UpkId, lumbung_fund::report::Finances>> {
        let conn = self.conn()?;
        let day = as_of.to_string();
        let year_start = format!("{:04}-01-01", as_of.year());
        // The year's income and costs: one range of the key (day first),
        // read in order; `account || ''` keeps SQLite off the per-account index,
        // which would look each row up again.
        let mut year: HashMap<i64, (i64, i64)> = HashMap::new();
        let mut stmt = conn.prepare(
            "SELECT upk_id, account, sum(amount) FROM fund_account_days
             WHERE day >= ?1 AND day <= ?2 AND account || '' IN ('fee_income', 'operating_costs')
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
        let mut next = conn.prepare(
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
        let mut capital = conn.prepare(
            "SELECT -coalesce(sum(amount), 0) FROM fund_account_days
             WHERE account = 'capital_blm' AND upk_id = ?1 AND day <= ?2",
        )?;
        let mut out = std::collections::BTreeMap::new();
        for (upk, first) in since {
            let (fee_income, costs) = year.get(&upk).copied().unwrap_or_default();
            if first <= day {
                out.insert(
                    UpkId::new(upk),
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

/// A journal entry that does not read back.
fn unreadable(sequence: i64) -> lumbung_domain::Text {
    text!("journal_entry_unreadable", sequence = sequence;
        id: "entri {sequence} tidak terbaca", en: "entry {sequence} is unreadable")
}
