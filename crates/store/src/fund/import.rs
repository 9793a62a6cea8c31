//! Spreadsheet books imported whole: loans, then repayments, in one
//! transaction, each row checked before anything is written.

use super::books::load_books;
use super::ledger::{Poster, Staged};
use super::loans::{repay_tx, repayment_entry};
use super::rows::{bad, parse_date, parse_frequency, parse_kind};
use crate::audit::{self, Actor};
use crate::db::{params, OptionalExtension, Transaction};
use crate::{Result, Store, StoreError};
use jiff::civil::Date;
use lumbung_domain::text;
use lumbung_domain::{KsmId, Rejected, RowError, UpkId};
use lumbung_fund::books_file::LoanTerms;
use lumbung_fund::books_file::RepaymentRow;
pub use lumbung_fund::books_file::{LoanRecord, RepaymentRecord, RepaymentSource};
use lumbung_fund::journal::{Account, Entry};
use lumbung_fund::loan::schedule;
use lumbung_fund::loan::{FeeRate, Rupiah};
use lumbung_fund::report::LoanBook;
use lumbung_fund::servicing;
use serde::Serialize;
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::mpsc::SyncSender;

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
    created: crate::orgs::Unplaced,
}

impl Orgs {
    fn load(tx: &Transaction<'_>) -> Result<Orgs> {
        let mut orgs = Orgs {
            by_name: HashMap::new(),
            upk_names: HashMap::new(),
            created: crate::orgs::Unplaced::new(),
        };
        let mut stmt = tx.prepare(
            "SELECT id, kind, name, parent_id FROM organisations WHERE kind IN ('upk', 'ksm') ORDER BY id",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let id: i64 = r.get(0)?;
            let kind: &'static str = if r.get_ref(1)?.as_str().ok() == Some("upk") {
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
                    text!("name_fits_several", name = format!("{:?}", name.trim()), count = ids.len(), kind = kind, ids = ids.join(", ");
                        id: "{name} cocok dengan {count} organisasi berjenis {kind} (id {ids}); ganti dulu nama salah satunya di registri",
                        en: "{name} names {count} organisations of kind {kind} (ids {ids}); rename one of them in the registry first"),
                ));
            }
            _ => {}
        }
        let id = self.created.create(
            tx,
            actor,
            (name.trim(), kind, parent),
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

impl Store {
    /// Imports spreadsheet books: loans, then repayments, in one
    /// transaction. Any bad row in either file rejects both, every problem
    /// listed; loans and rows already held are skipped and counted. The
    /// repayments are read twice, never held whole: checked, then posted.
    pub fn import_fund(
        &self,
        files: (&str, &str),
        loans: Vec<LoanRecord>,
        repayments: &mut impl RepaymentSource,
        loan_errors: Vec<RowError>,
        actor: &Actor,
    ) -> Result<FundImportSummary> {
        let mut conn = self.conn()?;
        self.written_once(&mut conn, |conn| {
            crate::sql::with_cache(conn, IMPORT_CACHE_MIB, |conn| {
                crate::write_on(conn, |tx| {
                    import_tx(tx, files, loans, repayments, loan_errors, actor)
                })
            })
        })
    }
}

/// A bigger page cache for bulk work: the import's tables and indexes.
pub(crate) const BULK_CACHE_MIB: i64 = 512;

/// The fund import's page cache: its postings append to the journal, so a
/// cache of the indexes it looks up is enough, and the whole import stays
/// under a gigabyte.
const IMPORT_CACHE_MIB: i64 = 256;

/// How many problems of the repayments file are gathered before reading
/// stops: a file of millions of bad rows would otherwise fill memory.
const MAX_PROBLEMS: usize = 10_000;

/// (row id, UPK, KSM) of a loan held.
type LoanIds = (i64, i64, i64);

/// What the import knows of one loan id named by either file (a million
/// of them in a city: kept small).
#[derive(Default)]
pub(super) struct Slot {
    /// Its row, UPK and KSM, once held (before the import or created by it).
    ids: Option<LoanIds>,
    /// Its row of LOANS.csv, by index.
    record: Option<u32>,
    /// Created by this import: its book starts empty.
    created: bool,
    /// Its rows in the repayments file not yet posted.
    rows: u32,
}

/// A loan whose repayments are being posted: its book, and how many rows
/// of each (date, amount) were met and are held, so that the k-th
/// identical row is skipped when the store holds k. Dropped after the
/// loan's last row.
struct Open {
    book: LoanBook,
    seen: HashMap<(Date, i64), (u32, i64)>,
}

/// [`Store::import_fund`] in its transaction.
fn import_tx(
    tx: &Transaction<'_>,
    files: (&str, &str),
    loans: Vec<LoanRecord>,
    repayments: &mut impl RepaymentSource,
    mut loan_errors: Vec<RowError>,
    actor: &Actor,
) -> Result<FundImportSummary> {
    let mut summary = FundImportSummary::default();
    let refused = |file: &str, mut errors: Vec<RowError>| {
        errors.sort_by_key(|e| e.line);
        StoreError::Rejected(Rejected {
            file: file.to_owned(),
            errors,
        })
    };
    // Every amount within the programme's default bound on one movement
    // (the UPKs may not exist yet).
    let bound = lumbung_fund::settings::Settings::default();
    // No movement dated ahead: refused a row at a time before any is
    // posted (posting would refuse it too, without its line).
    let latest_today = crate::latest_today();
    // Loans: a loan id is unique in the whole database (looked up only
    // when it holds any: a first import's million lookups cost a second).
    let any_held = crate::sql::exists(tx, "SELECT 1 FROM fund_loans", [])?;
    let mut slots: HashMap<Box<str>, Slot> = HashMap::with_capacity(loans.len());
    for (i, l) in loans.iter().enumerate() {
        let record = u32::try_from(i).map_err(|_| bad("loans"))?;
        if let Some(first) = slots.get(l.loan_id.as_str()).and_then(|s| s.record) {
            let first = loans[first as usize].line;
            loan_errors.push(RowError::new(
                l.line,
                Some("loan_id"),
                text!("loan_again", loan = l.loan_id, first = first;
                    id: "pinjaman {loan} muncul lagi (pertama di baris {first})",
                    en: "loan {loan} again (first on line {first})"),
            ));
            continue;
        }
        if let Err(e) = bound.movement("principal", l.terms.principal) {
            loan_errors.push(RowError::new(l.line, Some("principal"), e.text()));
        }
        if let Err(e) = lumbung_fund::not_ahead(l.terms.disbursed_on, latest_today) {
            loan_errors.push(RowError::new(l.line, Some("disbursed_on"), e.text()));
        }
        let held = match any_held {
            true => held_loan(tx, &l.loan_id)?,
            false => None,
        };
        if let Some((_, terms)) = &held {
            if let Err(e) = l.check_held(terms) {
                loan_errors.push(e);
            }
        }
        slots.insert(
            l.loan_id.as_str().into(),
            Slot {
                ids: held.map(|(ids, _)| ids),
                record: Some(record),
                ..Slot::default()
            },
        );
    }

    // The first pass over the repayments (each loan's rows counted, to let
    // its book go after its last; the good rows' digest, to know the second
    // pass reads the same) runs on a thread of its own while this one
    // writes the loans. A file with a problem is read again to name every
    // problem as one reading in order finds them: the import is refused.
    let mut orgs = Orgs::load(tx)?;
    let mut poster = Poster::bulk();
    let (first, written) = if loan_errors.is_empty() {
        // More loans outside LOANS.csv than the store holds: one of them
        // is unknown (and a hostile file's millions are never all kept).
        let held: i64 = tx.query_row("SELECT count(*) FROM fund_loans", [], |r| r.get(0))?;
        let rows = repayments.rows()?;
        let (slots, records) = (&slots, loans.len());
        std::thread::scope(|scope| {
            let counting =
                scope.spawn(move || count_rows(rows, slots, (records, held), latest_today));
            let written = write_loans(
                tx,
                files.0,
                &loans,
                slots,
                (&mut orgs, &mut poster),
                actor,
                &mut summary,
            );
            let first = counting
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (Some(first), written)
        })
    } else {
        (None, Ok(Vec::new()))
    };
    let first = first.transpose()?;
    let mut others = Vec::new();
    let mut unheld = false;
    if let Some(first) = &first {
        for (loan_id, rows) in &first.others {
            let ids = held_loan(tx, loan_id)?.map(|(ids, _)| ids);
            unheld |= ids.is_none();
            others.push((loan_id.clone(), ids, *rows));
        }
    }
    if first.as_ref().is_none_or(|f| f.problem.is_some() || unheld) {
        let errors = repayment_problems(tx, repayments, &mut slots, &bound, latest_today)?;
        if !loan_errors.is_empty() {
            return Err(refused(files.0, loan_errors));
        }
        if !errors.is_empty() {
            return Err(refused(files.1, errors));
        }
        // Read again, the file had no problem: it changed meanwhile.
        let line = first.and_then(|f| f.problem).unwrap_or(1);
        return Err(changed(files.1, line));
    }
    let first = first.expect("read on its thread");
    let digest = first.digest;
    for (record, ids) in written? {
        let slot = slots
            .get_mut(loans[record].loan_id.as_str())
            .expect("every loan has its slot");
        slot.ids = Some(ids);
        slot.created = true;
    }
    // No loan id came twice in LOANS.csv (that is a problem of the file).
    for (l, rows) in loans.iter().zip(first.rows) {
        slots
            .get_mut(l.loan_id.as_str())
            .expect("every loan has its slot")
            .rows = rows;
    }
    for (loan_id, ids, rows) in others {
        slots.insert(
            loan_id,
            Slot {
                ids,
                rows,
                ..Slot::default()
            },
        );
    }
    // The second pass posts; a file that changed since the first is
    // refused (a row or loan the first did not count, or another digest).
    let mut pass = SecondPass {
        slots: &mut slots,
        loans: &loans,
        upk_names: &orgs.upk_names,
        repayments_file: files.1,
        summary: &mut summary,
        open: HashMap::new(),
        again: DefaultHasher::new(),
        last_line: 0,
    };
    let rows = repayments.rows()?;
    // Rows of loans created by this import only (a first import): staged
    // on another thread while this one writes, everything staging needs
    // of the database read first. Rows of loans held before need reads
    // of their books as they go: posted here.
    let all_new = pass.slots.values().all(|s| s.rows == 0 || s.created);
    match tx.backend() {
        crate::db::Backend::Sqlite if all_new => {
            let upks: std::collections::BTreeSet<i64> = pass
                .slots
                .values()
                .filter(|s| s.rows > 0)
                .filter_map(|s| s.ids.map(|(_, upk, _)| upk))
                .collect();
            poster.ready_to_stage(tx, upks)?;
            poster.pack_while_staging(tx)?;
            poster = staged_beside(tx, poster, rows, &mut pass)?;
        }
        _ => {
            let mut inline = Inline {
                tx,
                poster: &mut poster,
            };
            read_ahead(rows, |rows| pass.run(&mut inline, rows))?;
        }
    }
    let (again, last_line) = (pass.again.finish(), pass.last_line);
    if again != digest {
        return Err(changed(files.1, last_line));
    }
    poster.finish(tx)?;
    if summary.loans_created + summary.repayments_stored > 0 {
        audit::record(
            tx,
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
    Ok(summary)
}

/// What the first reading of the repayments learns.
pub(super) struct FirstPass {
    /// How many rows pay each loan of LOANS.csv, by record.
    rows: Vec<u32>,
    /// How many rows pay each loan that LOANS.csv does not hold.
    pub(super) others: HashMap<Box<str>, u32>,
    /// The line of the first row with a problem (unreadable, an amount out
    /// of bounds, a loan neither file nor the store can hold): there the
    /// reading stopped.
    pub(super) problem: Option<u64>,
    digest: u64,
}

/// Counts each loan's rows (`slots` holds the loans of LOANS.csv) and
/// digests the rows, reading nothing of the database: it runs beside the
/// thread that writes the loans. Stops at a row's problem, or at more
/// loans outside LOANS.csv than the store holds (`held`).
pub(super) fn count_rows(
    rows: Box<dyn Iterator<Item = RepaymentRow> + Send + '_>,
    slots: &HashMap<Box<str>, Slot>,
    (loans, held): (usize, i64),
    latest_today: Date,
) -> Result<FirstPass> {
    let bound = lumbung_fund::settings::Settings::default();
    let mut first = FirstPass {
        rows: vec![0; loans],
        others: HashMap::new(),
        problem: None,
        digest: 0,
    };
    let mut digest = DefaultHasher::new();
    for row in rows {
        let r = match row {
            Ok(r)
                if r.amount.0 > 0
                    && bound.movement("amount", r.amount).is_ok()
                    && r.paid_on <= latest_today =>
            {
                r
            }
            Ok(RepaymentRecord { line, .. }) | Err(RowError { line, .. }) => {
                first.problem = Some(line);
                break;
            }
        };
        let count = match slots.get(r.loan_id.as_str()).and_then(|s| s.record) {
            Some(record) => &mut first.rows[record as usize],
            None => {
                let id = r.loan_id.as_str();
                if !first.others.contains_key(id) {
                    if first.others.len() as i64 >= held {
                        first.problem = Some(r.line);
                        break;
                    }
                    first.others.insert(id.into(), 0);
                }
                first.others.get_mut(id).expect("inserted above")
            }
        };
        *count = count.checked_add(1).ok_or_else(|| bad("rows"))?;
        digest_row(&mut digest, &r);
    }
    first.digest = digest.finish();
    Ok(first)
}

/// Every problem of the repayments, in the order one reading meets them
/// (at most [`MAX_PROBLEMS`]): a row that cannot be read, a loan in
/// neither file nor the store, an amount out of bounds, a date ahead.
fn repayment_problems(
    tx: &Transaction<'_>,
    repayments: &mut impl RepaymentSource,
    slots: &mut HashMap<Box<str>, Slot>,
    bound: &lumbung_fund::settings::Settings,
    latest_today: Date,
) -> Result<Vec<RowError>> {
    let mut errors = Vec::new();
    for row in repayments.rows()? {
        if errors.len() >= MAX_PROBLEMS {
            errors.push(RowError::new(
                errors.last().map_or(0, |e: &RowError| e.line),
                None,
                text!("reading_stopped", max = MAX_PROBLEMS;
                id: "berkas berhenti dibaca setelah {max} masalah",
                en: "reading stopped after {max} problems"),
            ));
            break;
        }
        let r = match row {
            Ok(r) => r,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        if !slots.contains_key(r.loan_id.as_str()) {
            let ids = held_loan(tx, &r.loan_id)?.map(|(ids, _)| ids);
            slots.insert(
                r.loan_id.as_str().into(),
                Slot {
                    ids,
                    ..Slot::default()
                },
            );
        }
        let slot = &slots[r.loan_id.as_str()];
        if slot.ids.is_none() && slot.record.is_none() {
            errors.push(RowError::new(
                r.line,
                Some("loan_id"),
                text!("loan_unknown_to_import", loan = r.loan_id;
                id: "pinjaman {loan} tidak ada di kedua berkas maupun di basis data",
                en: "loan {loan} is in neither file nor the store"),
            ));
        }
        if let Err(e) = bound.movement("amount", r.amount) {
            errors.push(RowError::new(r.line, Some("amount"), e.text()));
        }
        if let Err(e) = lumbung_fund::not_ahead(r.paid_on, latest_today) {
            errors.push(RowError::new(r.line, Some("paid_on"), e.text()));
        }
        if r.amount.0 <= 0 {
            errors.push(RowError::new(
                r.line,
                Some("amount"),
                lumbung_fund::servicing::Refused::NotPositive.text(),
            ));
        }
    }
    Ok(errors)
}

/// Creates the loans of LOANS.csv not held yet, each with its disbursal
/// entry: the record and ids of each.
fn write_loans(
    tx: &Transaction<'_>,
    file: &str,
    loans: &[LoanRecord],
    slots: &HashMap<Box<str>, Slot>,
    (orgs, poster): (&mut Orgs, &mut Poster),
    actor: &Actor,
    summary: &mut FundImportSummary,
) -> Result<Vec<(usize, LoanIds)>> {
    // Each new loan's UPK and KSM, found or created first: then the
    // loans' rows and entries need nothing more of the database.
    let mut new = Vec::new();
    for (record, l) in loans.iter().enumerate() {
        if slots[l.loan_id.as_str()].ids.is_some() {
            summary.loans_unchanged += 1;
            continue;
        }
        let at_line = |e: StoreError| match e {
            StoreError::Invalid { field, message } => StoreError::Rejected(Rejected {
                file: file.to_owned(),
                errors: vec![RowError::new(l.line, Some(&field), message)],
            }),
            other => other,
        };
        let upk = orgs
            .find_or_create(tx, "upk", &l.upk, None, actor, &mut summary.upks_created)
            .map_err(at_line)?;
        let ksm = orgs
            .find_or_create(
                tx,
                "ksm",
                &l.ksm,
                Some(upk),
                actor,
                &mut summary.ksms_created,
            )
            .map_err(at_line)?;
        if !(3..=12).contains(&l.terms.term_months) {
            summary.warnings.push(format!(
                "{}: line {}: loan {}: a term of {} months is outside 3–12",
                file, l.line, l.loan_id, l.terms.term_months
            ));
        }
        new.push((record, upk, ksm));
    }
    summary.loans_created += new.len() as u64;
    let created_at = crate::now();
    match tx.backend() {
        crate::db::Backend::Sqlite => loans_staged(tx, loans, new, poster, &created_at),
        crate::db::Backend::Postgres => {
            let mut written = Vec::with_capacity(new.len());
            for (record, upk, ksm) in new {
                let l = &loans[record];
                let id = tx.insert_id(
                    "INSERT INTO fund_loans (loan_id, upk_id, ksm_id, disbursed_on, principal, term_months, fee_rate, schedule, frequency, migrated, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 1, ?10)",
                    params![l.loan_id, upk, ksm, l.terms.disbursed_on.to_string(), l.terms.principal.0, l.terms.term_months, l.terms.fee_rate.text(), l.terms.schedule.as_str(), l.terms.frequency.as_str(), created_at],
                )?;
                poster.post(tx, upk, Some(id), &disbursal(l, ksm))?;
                written.push((record, (id, upk, ksm)));
            }
            Ok(written)
        }
    }
}

/// The entry that pays a loan out.
fn disbursal(l: &LoanRecord, ksm: i64) -> Entry {
    Entry::new(
        l.terms.disbursed_on,
        format!("loan {} to {}", l.loan_id, l.ksm.trim()),
        format!("loan:{}", l.loan_id),
        [
            (Account::LoansReceivable(ksm), l.terms.principal.0),
            (Account::Cash, -l.terms.principal.0),
        ],
    )
}

/// A loan row's columns, as [`loans_staged`] writes them.
const LOAN_COLUMNS: usize = 12;
/// How many loans go to the writer at a time.
const LOANS_SENT: usize = 900;

/// SQLite (one writer): the new loans take the ids after the last; their
/// rows are made and their entries hashed on a thread of their own while
/// this one writes them, many a statement.
fn loans_staged(
    tx: &Transaction<'_>,
    loans: &[LoanRecord],
    new: Vec<(usize, i64, i64)>,
    poster: &mut Poster,
    created_at: &str,
) -> Result<Vec<(usize, LoanIds)>> {
    let last: i64 = tx.query_row("SELECT coalesce(max(id), 0) FROM fund_loans", [], |r| {
        r.get(0)
    })?;
    let upks: std::collections::BTreeSet<i64> = new.iter().map(|(_, upk, _)| *upk).collect();
    poster.ready_to_stage(tx, upks)?;
    let written = new
        .iter()
        .zip(last + 1..)
        .map(|(&(record, upk, ksm), id)| (record, (id, upk, ksm)))
        .collect::<Vec<_>>();
    let staging = std::mem::take(poster);
    *poster = beside(
        |send: ToWriter<(Vec<crate::db::Value>, Option<Staged>)>| {
            let mut poster = staging;
            for chunk in written.chunks(LOANS_SENT) {
                use crate::db::Value;
                let mut rows = Vec::with_capacity(chunk.len() * LOAN_COLUMNS);
                for &(record, (id, upk, ksm)) in chunk {
                    let l = &loans[record];
                    rows.extend([
                        Value::Integer(id),
                        Value::Text(l.loan_id.clone()),
                        Value::Integer(upk),
                        Value::Integer(ksm),
                        Value::Text(l.terms.disbursed_on.to_string()),
                        Value::Integer(l.terms.principal.0),
                        Value::Integer(i64::from(l.terms.term_months)),
                        Value::Text(l.terms.fee_rate.text()),
                        Value::Text(l.terms.schedule.as_str().to_owned()),
                        Value::Text(l.terms.frequency.as_str().to_owned()),
                        Value::Integer(1),
                        Value::Text(created_at.to_owned()),
                    ]);
                    poster.stage(upk, Some(id), &disbursal(l, ksm))?;
                }
                send.send((rows, poster.take_staged(false)))?;
            }
            send.send((Vec::new(), poster.take_staged(true)))?;
            Ok(poster)
        },
        |(rows, staged)| {
            crate::sql::insert_many(
                tx,
                "INSERT INTO fund_loans (id, loan_id, upk_id, ksm_id, disbursed_on, principal, term_months, fee_rate, schedule, frequency, migrated, created_at)",
                "",
                LOAN_COLUMNS,
                90,
                rows,
            )?;
            staged.as_ref().map_or(Ok(()), |staged| staged.write(tx))
        },
    )?;
    Ok(written)
}

/// The refusal of a repayments file that changed between the two passes.
fn changed(file: &str, line: u64) -> StoreError {
    StoreError::Rejected(Rejected {
        file: file.to_owned(),
        errors: vec![RowError::new(
            line,
            None,
            text!("file_changed_during_import";
                id: "berkas berubah selama diimpor; tidak ada yang disimpan, impor lagi",
                en: "the file changed while it was imported; nothing was stored, import it again"),
        )],
    })
}

/// A repayment of the file to post.
struct Repayment<'a> {
    loan: i64,
    loan_id: &'a str,
    upk: i64,
    ksm: i64,
    paid_on: Date,
    amount: Rupiah,
    key: &'a str,
}

/// What posting the repayments needs of the database: done on the thread
/// that holds it ([`Inline`]), or asked of it from another ([`Staging`]).
trait Posting {
    /// The book of a loan held before the import.
    fn book(&mut self, loan: i64) -> Result<LoanBook>;
    /// How many repayments of that date and amount a loan held before the
    /// import has.
    fn held(&mut self, loan: i64, paid_on: Date, amount: Rupiah) -> Result<i64>;
    /// Posts a repayment, the book updated: whether it was (a key the
    /// journal holds posts nothing).
    fn repay(&mut self, r: &Repayment<'_>, book: &mut LoanBook) -> Result<bool>;
}

/// Posting on the thread that holds the transaction.
struct Inline<'a, 't> {
    tx: &'a Transaction<'t>,
    poster: &'a mut Poster,
}

impl Posting for Inline<'_, '_> {
    fn book(&mut self, loan: i64) -> Result<LoanBook> {
        held_book(self.tx, loan)
    }

    fn held(&mut self, loan: i64, paid_on: Date, amount: Rupiah) -> Result<i64> {
        held_count(self.tx, loan, paid_on, amount)
    }

    fn repay(&mut self, r: &Repayment<'_>, book: &mut LoanBook) -> Result<bool> {
        let done = repay_tx(
            self.tx,
            self.poster,
            r.loan,
            r.loan_id,
            r.upk,
            r.ksm,
            book,
            r.paid_on,
            r.amount,
            r.key,
        )?;
        Ok(done.journal_seq.is_some())
    }
}

/// Posting on a thread of its own, for loans created by the import:
/// entries hashed and rows made here, written by the thread that holds the
/// transaction. It reads nothing (a round trip between threads for each
/// loan held before would cost more than the reads).
struct Staging {
    poster: Poster,
    writer: ToWriter<Staged>,
}

impl Staging {
    fn send_staged(&mut self, all: bool) -> Result<()> {
        if let Some(staged) = self.poster.take_staged(all) {
            self.writer.send(staged)?;
        }
        Ok(())
    }
}

/// A loan held before the import met while staging (the import chose
/// staging because there was none).
fn held_while_staging(loan: i64) -> StoreError {
    StoreError::Db(crate::db::Error::Parameter(format!(
        "loan {loan} was held before the import: its rows are posted inline"
    )))
}

/// The writing thread stopped (its own error is the one reported).
fn writer_stopped() -> StoreError {
    StoreError::Db(crate::db::Error::Parameter(
        "the import's writer stopped".into(),
    ))
}

impl Posting for Staging {
    fn book(&mut self, loan: i64) -> Result<LoanBook> {
        Err(held_while_staging(loan))
    }

    fn held(&mut self, loan: i64, _: Date, _: Rupiah) -> Result<i64> {
        Err(held_while_staging(loan))
    }

    fn repay(&mut self, r: &Repayment<'_>, book: &mut LoanBook) -> Result<bool> {
        let settings = self.poster.staged_settings(r.upk)?;
        let (_, split) = servicing::repay(book, settings, r.loan_id, r.paid_on, r.amount)?;
        let entry = repayment_entry(r.loan_id, r.ksm, r.paid_on, r.amount, &split, r.key);
        let sequence = self.poster.stage(r.upk, Some(r.loan), &entry)?;
        self.poster
            .stage_repayment(r.loan, r.paid_on, r.amount, sequence);
        self.send_staged(false)?;
        Ok(true)
    }
}

/// Runs the second pass on a thread of its own, staging the rows, while
/// this thread writes them: two cores instead of one. Returns the poster
/// with what is left to finish.
fn staged_beside(
    tx: &Transaction<'_>,
    poster: Poster,
    rows: Box<dyn Iterator<Item = RepaymentRow> + Send + '_>,
    pass: &mut SecondPass<'_>,
) -> Result<Poster> {
    beside(
        move |writer| {
            let mut staging = Staging { poster, writer };
            read_ahead(rows, |rows| pass.run(&mut staging, rows))?;
            staging.send_staged(true)?;
            Ok(staging.poster)
        },
        |staged: &Staged| staged.write(tx),
    )
}

/// Runs `stage` on a thread of its own, which sends what it makes to this
/// one to `write`: two cores instead of one, a couple of batches in
/// flight. Either side failing stops the other; the first error is the
/// one returned.
fn beside<T: Send, R: Send>(
    stage: impl FnOnce(ToWriter<T>) -> Result<R> + Send,
    mut write: impl FnMut(&T) -> Result<()>,
) -> Result<R> {
    std::thread::scope(|scope| {
        let (send, made) = std::sync::mpsc::sync_channel::<T>(2);
        let (done, written) = std::sync::mpsc::channel::<T>();
        let staging = scope.spawn(move || stage(ToWriter { send, written }));
        let mut failed = None;
        for batch in &made {
            if let Err(e) = write(&batch) {
                failed = Some(e);
                break;
            }
            // Freed where it was made: a thread freeing another's
            // allocations costs the writer a tenth of its time.
            let _ = done.send(batch);
        }
        // A staging thread waiting to send finds no one and stops.
        drop(made);
        let staged = staging
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        match failed {
            Some(e) => Err(e),
            None => staged,
        }
    })
}

/// Where a staging thread sends its batches ([`beside`]), and gets them
/// back written, to free them.
struct ToWriter<T> {
    send: SyncSender<T>,
    written: std::sync::mpsc::Receiver<T>,
}

impl<T> ToWriter<T> {
    fn send(&self, batch: T) -> Result<()> {
        while let Ok(written) = self.written.try_recv() {
            drop(written);
        }
        self.send.send(batch).map_err(|_| writer_stopped())
    }
}

/// The book of a loan held before the import.
fn held_book(tx: &Transaction<'_>, loan: i64) -> Result<LoanBook> {
    Ok(load_books(tx, "l.id = ?1", Some(loan))?
        .into_iter()
        .next()
        .expect("the loan was stored"))
}

/// How many repayments of a date and amount a loan holds.
fn held_count(tx: &Transaction<'_>, loan: i64, paid_on: Date, amount: Rupiah) -> Result<i64> {
    Ok(tx
        .prepare(
            "SELECT count(*) FROM fund_repayments WHERE loan = ?1 AND paid_on = ?2 AND amount = ?3",
        )?
        .query_row(params![loan, paid_on.to_string(), amount.0], |row| {
            row.get(0)
        })?)
}

/// The second pass over the repayments: each row posted (or skipped when
/// the store holds it), each loan's book let go after its last row.
struct SecondPass<'a> {
    slots: &'a mut HashMap<Box<str>, Slot>,
    loans: &'a [LoanRecord],
    upk_names: &'a HashMap<i64, String>,
    repayments_file: &'a str,
    summary: &'a mut FundImportSummary,
    open: HashMap<i64, Open>,
    /// The digest of the rows read, to compare with the first pass's.
    again: DefaultHasher,
    last_line: u64,
}

impl SecondPass<'_> {
    fn run(
        &mut self,
        posting: &mut impl Posting,
        rows: &mut dyn Iterator<Item = RepaymentRow>,
    ) -> Result<()> {
        let file = self.repayments_file;
        for row in rows {
            super::loans::crash_point();
            let r = row.map_err(|e| changed(file, e.line))?;
            self.last_line = r.line;
            digest_row(&mut self.again, &r);
            let slot = match self.slots.get_mut(r.loan_id.as_str()) {
                Some(slot) if slot.rows > 0 => slot,
                _ => return Err(changed(file, r.line)),
            };
            slot.rows -= 1;
            let (loan, upk, ksm) = slot.ids.ok_or_else(|| changed(file, r.line))?;
            let Open { book, seen } = match self.open.entry(loan) {
                std::collections::hash_map::Entry::Occupied(o) => o.into_mut(),
                std::collections::hash_map::Entry::Vacant(v) => v.insert(Open {
                    book: match slot.record.filter(|_| slot.created) {
                        Some(record) => {
                            let l = &self.loans[record as usize];
                            LoanBook {
                                upk: self.upk_names.get(&upk).cloned().unwrap_or_default(),
                                upk_id: UpkId::new(upk),
                                ksm: KsmId::new(ksm),
                                disbursed_on: l.terms.disbursed_on,
                                schedule: schedule(
                                    l.terms.disbursed_on,
                                    l.terms.principal,
                                    l.terms.term_months,
                                    l.terms.fee_rate,
                                    l.terms.schedule,
                                    l.terms.frequency,
                                )?,
                                payments: Vec::new(),
                                rescheduled: Vec::new(),
                                written_off: None,
                            }
                        }
                        None => posting.book(loan)?,
                    },
                    seen: HashMap::new(),
                }),
            };
            let (nth, held) = match seen.entry((r.paid_on, r.amount.0)) {
                std::collections::hash_map::Entry::Occupied(o) => o.into_mut(),
                std::collections::hash_map::Entry::Vacant(v) => {
                    let held = if slot.created {
                        0
                    } else {
                        posting.held(loan, r.paid_on, r.amount)?
                    };
                    v.insert((0, held))
                }
            };
            *nth += 1;
            if *held >= i64::from(*nth) {
                self.summary.repayments_skipped += 1;
            } else {
                let occurrence = *held + 1;
                let key = format!(
                    "repayment:{}:{}:{}:{occurrence}",
                    r.loan_id, r.paid_on, r.amount.0
                );
                let repayment = Repayment {
                    loan,
                    loan_id: &r.loan_id,
                    upk,
                    ksm,
                    paid_on: r.paid_on,
                    amount: r.amount,
                    key: &key,
                };
                let posted = posting.repay(&repayment, book).map_err(|e| match e {
                    StoreError::Invalid { field, message } => StoreError::Rejected(Rejected {
                        file: file.to_owned(),
                        errors: vec![RowError::new(r.line, Some(field.as_str()), message)],
                    }),
                    other => other,
                })?;
                if posted {
                    *held += 1;
                }
                self.summary.repayments_stored += 1;
            }
            if slot.rows == 0 {
                self.open.remove(&loan);
            }
        }
        Ok(())
    }
}

/// Runs `f` over `rows` read on another thread a few thousand rows ahead,
/// so that reading the file and posting its rows use two cores. When `f`
/// stops early, the reader stops at its next chunk.
fn read_ahead<T: Send, R>(
    rows: Box<dyn Iterator<Item = T> + Send + '_>,
    f: impl FnOnce(&mut dyn Iterator<Item = T>) -> R,
) -> R {
    const CHUNK: usize = 4_096;
    std::thread::scope(|scope| {
        let (send, receive) = std::sync::mpsc::sync_channel::<Vec<T>>(4);
        scope.spawn(move || {
            let mut rows = rows;
            loop {
                let chunk: Vec<T> = rows.by_ref().take(CHUNK).collect();
                if chunk.is_empty() || send.send(chunk).is_err() {
                    break;
                }
            }
        });
        // Dropped before the scope waits for the reader: a reader blocked
        // on a full channel then stops.
        let mut received = receive.into_iter().flatten();
        f(&mut received)
    })
}

/// Feeds one repayment row to a digest of the file's rows.
fn digest_row(digest: &mut DefaultHasher, r: &RepaymentRecord) {
    (r.line, &r.loan_id, r.paid_on, r.amount.0).hash(digest);
}

/// The ids and terms of the loan held under `loan_id`, if one is.
fn held_loan(tx: &Transaction<'_>, loan_id: &str) -> Result<Option<(LoanIds, LoanTerms)>> {
    let held = tx
        .prepare(
            "SELECT id, upk_id, ksm_id, disbursed_on, principal, term_months, fee_rate, schedule, frequency FROM fund_loans WHERE loan_id = ?1",
        )?
        .query_row([loan_id], |r| {
            Ok((
                (r.get(0)?, r.get(1)?, r.get(2)?),
                (
                    r.get::<_, String>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, i64>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, String>(7)?,
                    r.get::<_, String>(8)?,
                ),
            ))
        })
        .optional()?;
    let Some((ids, (on, principal, term, rate, kind, frequency))) = held else {
        return Ok(None);
    };
    Ok(Some((
        ids,
        LoanTerms {
            disbursed_on: parse_date(&on)?,
            principal: Rupiah(principal),
            term_months: u16::try_from(term).map_err(|_| bad("term"))?,
            fee_rate: FeeRate::parse(&rate).map_err(|_| bad("fee rate"))?,
            schedule: parse_kind(&kind)?,
            frequency: parse_frequency(&frequency)?,
        },
    )))
}
