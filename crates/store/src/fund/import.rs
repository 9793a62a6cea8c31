//! Spreadsheet books imported whole: loans, then repayments, in one
//! transaction, each row checked before anything is written.

use super::books::load_books;
use super::ledger::Poster;
use super::loans::repay_tx;
use super::rows::{bad, parse_date, parse_frequency, parse_kind};
use crate::audit::{self, Actor};
use crate::{Result, Store, StoreError};
use jiff::civil::Date;
use lumbung_domain::text;
use lumbung_domain::{Rejected, RowError};
use lumbung_fund::books_file::LoanTerms;
pub use lumbung_fund::books_file::{LoanRecord, RepaymentRecord};
use lumbung_fund::journal::{Account, Entry};
use lumbung_fund::loan::schedule;
use lumbung_fund::loan::{FeeRate, Rupiah};
use lumbung_fund::report::LoanBook;
use rusqlite::{params, OptionalExtension, Transaction};
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
                    text!("name_fits_several", name = format!("{:?}", name.trim()), count = ids.len(), kind = kind, ids = ids.join(", ");
                        id: "{name} cocok dengan {count} organisasi berjenis {kind} (id {ids}); ganti dulu nama salah satunya di registri",
                        en: "{name} names {count} organisations of kind {kind} (ids {ids}); rename one of them in the registry first"),
                ));
            }
            _ => {}
        }
        let id = crate::orgs::create_named(
            tx,
            actor,
            name.trim(),
            kind,
            (None, parent),
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
        crate::sql::with_cache(&mut conn, BULK_CACHE_MIB, |conn| {
            import_tx(conn, files, &loans, &repayments, errors, actor)
        })
    }
}

/// A bigger page cache for bulk work: the import's tables and indexes.
pub(crate) const BULK_CACHE_MIB: i64 = 512;

/// [`Store::import_fund`] on one connection.
fn import_tx(
    conn: &mut rusqlite::Connection,
    files: (&str, &str),
    loans: &[LoanRecord],
    repayments: &[RepaymentRecord],
    mut errors: (Vec<RowError>, Vec<RowError>),
    actor: &Actor,
) -> Result<FundImportSummary> {
    crate::write_on(conn, |tx| {
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
                        text!("loan_again", loan = l.loan_id, first = first.line;
                            id: "pinjaman {loan} muncul lagi (pertama di baris {first})",
                            en: "loan {loan} again (first on line {first})"),
                    ));
                    continue;
                }
                if let Err(e) = bound.movement("principal", l.principal) {
                    errors
                        .0
                        .push(RowError::new(l.line, Some("principal"), e.text()));
                }
                let held = held_stmt
                    .query_row([&l.loan_id], |r| {
                        Ok((
                            r.get::<_, String>(1)?,
                            r.get::<_, i64>(2)?,
                            r.get::<_, i64>(3)?,
                            r.get::<_, String>(4)?,
                            r.get::<_, String>(5)?,
                            r.get::<_, String>(6)?,
                        ))
                    })
                    .optional()?;
                if let Some((on, principal, term, rate, kind, frequency)) = held {
                    let held = LoanTerms {
                        disbursed_on: parse_date(&on)?,
                        principal: Rupiah(principal),
                        term_months: u16::try_from(term).map_err(|_| bad("term"))?,
                        fee_rate: FeeRate::parse(&rate).map_err(|_| bad("fee rate"))?,
                        schedule: parse_kind(&kind)?,
                        frequency: parse_frequency(&frequency)?,
                    };
                    if let Err(e) = l.check_held(&held) {
                        errors.0.push(e);
                    }
                }
            }
        }
        // loan_id → (row id, UPK, KSM) of every loan held.
        let known: HashMap<String, (i64, i64, i64)> = {
            let mut stmt = tx.prepare("SELECT loan_id, id, upk_id, ksm_id FROM fund_loans")?;
            let rows =
                stmt.query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?, r.get(3)?))))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        for r in repayments {
            if !known.contains_key(&r.loan_id) && !in_file.contains_key(r.loan_id.as_str()) {
                errors.1.push(RowError::new(
                    r.line,
                    Some("loan_id"),
                    text!("loan_unknown_to_import", loan = r.loan_id;
                        id: "pinjaman {loan} tidak ada di kedua berkas maupun di basis data",
                        en: "loan {loan} is in neither file nor the store"),
                ));
            }
            if let Err(e) = bound.movement("amount", r.amount) {
                errors
                    .1
                    .push(RowError::new(r.line, Some("amount"), e.text()));
            }
            if r.amount.0 <= 0 {
                errors.1.push(RowError::new(
                    r.line,
                    Some("amount"),
                    lumbung_fund::servicing::Refused::NotPositive.text(),
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

        let mut orgs = Orgs::load(tx)?;
        let mut poster = Poster::default();
        // loan_id → (row id, upk, ksm)
        let mut ids: HashMap<&str, (i64, i64, i64)> =
            HashMap::with_capacity(known.len() + loans.len());
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
                tx,
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
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert(match created.get(&loan) {
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
                        None => load_books(tx, "l.id = ?1", Some(loan))?
                            .into_iter()
                            .next()
                            .expect("the loan was stored"),
                    })
                }
            };
            let done = repay_tx(
                tx,
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
    })
}
