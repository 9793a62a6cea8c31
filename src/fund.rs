//! `lumbung fund …`: the UPK revolving fund's books from spreadsheets, the
//! oversight report, and the journal's check.

use crate::csvfile::{CsvFile, Header};
use crate::table;
use anyhow::{bail, Context, Result};
use jiff::civil::Date;
use lumbung_domain::RowError;
use lumbung_fund::loan::{FeeRate, Rupiah, ScheduleKind};
use lumbung_fund::report::portfolio;
use lumbung_store::{Actor, LoanRecord, RepaymentRecord, Store};
use std::path::Path;

/// A date as spreadsheets write it: `2024-01-31` or `31/01/2024`.
fn date(raw: &str) -> Result<Date, String> {
    let s = raw.trim();
    if let Ok(d) = s.parse::<Date>() {
        return Ok(d);
    }
    let parts: Vec<&str> = s.split(['/', '-', '.']).collect();
    if let [d, m, y] = parts[..] {
        if let (Ok(d), Ok(m), Ok(y)) = (d.parse::<i8>(), m.parse::<i8>(), y.parse::<i16>()) {
            if let Ok(date) = Date::new(y, m, d) {
                return Ok(date);
            }
        }
    }
    Err(format!("{s:?} is not a date (2024-01-31 or 31/01/2024)"))
}

/// Whole rupiah, with `.` or `,` as thousands separators allowed.
fn rupiah(raw: &str) -> Result<Rupiah, String> {
    let s: String = raw
        .trim()
        .chars()
        .filter(|c| !matches!(c, '.' | ',' | ' '))
        .collect();
    let s = s.strip_prefix("Rp").unwrap_or(&s);
    s.parse::<i64>()
        .map(Rupiah)
        .map_err(|_| format!("{:?} is not a whole-rupiah amount", raw.trim()))
}

fn read(path: &Path) -> Result<CsvFile> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {name}"))?;
    Ok(CsvFile::read(&name, &bytes, Header::InFile))
}

fn loans(file: &CsvFile) -> Result<(Vec<LoanRecord>, Vec<RowError>)> {
    let cols = file.require(&[
        "upk",
        "ksm",
        "loan_id",
        "disbursed_on",
        "principal",
        "term_months",
        "fee_rate_monthly",
    ])?;
    let kind_col = file.column("schedule");
    let mut errors = file.errors.clone();
    let mut out = Vec::new();
    for row in &file.rows {
        let mut bad = |col: &str, msg: String| errors.push(RowError::new(row.line, Some(col), msg));
        let text = |i: usize| row.get(cols[i]).trim().to_owned();
        let (upk, ksm, loan_id) = (text(0), text(1), text(2));
        for (name, v) in [("upk", &upk), ("ksm", &ksm), ("loan_id", &loan_id)] {
            if v.is_empty() {
                bad(name, format!("{name} is empty"));
            }
        }
        let disbursed_on = date(row.get(cols[3]))
            .map_err(|e| bad("disbursed_on", e))
            .ok();
        let principal = rupiah(row.get(cols[4]))
            .map_err(|e| bad("principal", e))
            .ok();
        let term = row
            .get(cols[5])
            .trim()
            .parse::<u16>()
            .ok()
            .filter(|t| *t >= 1);
        if term.is_none() {
            bad(
                "term_months",
                format!("{:?} is not a number of months", row.get(cols[5]).trim()),
            );
        }
        let rate = FeeRate::parse(row.get(cols[6]))
            .map_err(|e| bad("fee_rate_monthly", e.0))
            .ok();
        let kind = match row
            .opt(kind_col)
            .map(|k| k.trim().to_lowercase())
            .as_deref()
        {
            None | Some("") | Some("flat") => Some(ScheduleKind::Flat),
            Some("declining") => Some(ScheduleKind::Declining),
            Some(other) => {
                bad(
                    "schedule",
                    format!("{other:?}: the schedule is flat or declining"),
                );
                None
            }
        };
        if let (
            Some(disbursed_on),
            Some(principal),
            Some(term_months),
            Some(fee_rate),
            Some(schedule),
        ) = (disbursed_on, principal, term, rate, kind)
        {
            if !upk.is_empty() && !ksm.is_empty() && !loan_id.is_empty() {
                out.push(LoanRecord {
                    line: row.line,
                    upk,
                    ksm,
                    loan_id,
                    disbursed_on,
                    principal,
                    term_months,
                    fee_rate,
                    schedule,
                });
            }
        }
    }
    Ok((out, errors))
}

fn repayments(file: &CsvFile) -> Result<(Vec<RepaymentRecord>, Vec<RowError>)> {
    let cols = file.require(&["loan_id", "paid_on", "amount"])?;
    let mut errors = file.errors.clone();
    let mut out = Vec::new();
    for row in &file.rows {
        let mut bad = |col: &str, msg: String| errors.push(RowError::new(row.line, Some(col), msg));
        let loan_id = row.get(cols[0]).trim().to_owned();
        if loan_id.is_empty() {
            bad("loan_id", "loan_id is empty".into());
        }
        let paid_on = date(row.get(cols[1])).map_err(|e| bad("paid_on", e)).ok();
        let amount = rupiah(row.get(cols[2])).map_err(|e| bad("amount", e)).ok();
        if let (Some(paid_on), Some(amount), false) = (paid_on, amount, loan_id.is_empty()) {
            out.push(RepaymentRecord {
                line: row.line,
                loan_id,
                paid_on,
                amount,
            });
        }
    }
    Ok((out, errors))
}

pub fn import(store: &Store, loans_path: &Path, repayments_path: &Path) -> Result<()> {
    let (lf, rf) = (read(loans_path)?, read(repayments_path)?);
    let (l, le) = loans(&lf)?;
    let (r, re) = repayments(&rf)?;
    let s = store.import_fund((&lf.name, &rf.name), l, r, (le, re), &Actor::cli())?;
    println!(
        "loans: {} new, {} already held; repayments: {} stored, {} already held and skipped",
        s.loans_created, s.loans_unchanged, s.repayments_stored, s.repayments_skipped
    );
    if !s.upks_created.is_empty() {
        println!("  new UPKs: {}", s.upks_created.join(", "));
    }
    if !s.ksms_created.is_empty() {
        println!("  new KSMs: {}", s.ksms_created.join(", "));
    }
    for w in &s.warnings {
        println!("warning (migrated loan, not enforced): {w}");
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
}

pub fn report(store: &Store, as_of: Option<&str>, upk: Option<&str>, format: Format) -> Result<()> {
    let as_of = match as_of {
        Some(d) => date(d).map_err(anyhow::Error::msg)?,
        None => jiff::Zoned::now().date(),
    };
    let books = store.fund_books(upk)?;
    if let Some(name) = upk {
        if books.is_empty() {
            bail!("no loans of a UPK named {name:?}");
        }
    }
    let mut ctx = store.fund_context(as_of)?;
    if upk.is_some() {
        let ids: std::collections::HashSet<i64> = books.iter().map(|b| b.upk_id).collect();
        ctx.finances.retain(|id, _| ids.contains(id));
    }
    let report = portfolio(&books, as_of, &ctx);
    let opt = |s: &Option<lumbung_domain::Share>| s.map(|s| s.to_string()).unwrap_or_default();
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        Format::Csv | Format::Table => {
            let headers = [
                "upk",
                "loans",
                "outstanding",
                "arrears",
                "loans_in_arrears",
                "outstanding_in_arrears",
                "par",
                "rr",
                "active_ksm",
                "ksm_in_arrears",
                "lar",
            ];
            let rows: Vec<Vec<String>> = report
                .by_upk
                .iter()
                .map(|u| (u.upk.clone(), &u.indicators))
                .chain(std::iter::once(("(all)".to_owned(), &report.indicators)))
                .map(|(name, i)| {
                    vec![
                        name,
                        i.loans.to_string(),
                        i.outstanding.to_string(),
                        i.arrears.to_string(),
                        i.loans_in_arrears.to_string(),
                        i.outstanding_in_arrears.to_string(),
                        opt(&i.par),
                        opt(&i.rr),
                        i.active_ksm.to_string(),
                        i.ksm_in_arrears.to_string(),
                        opt(&i.lar),
                    ]
                })
                .collect();
            if format == Format::Csv {
                let mut w = csv::Writer::from_writer(std::io::stdout());
                w.write_record(headers)?;
                for r in rows {
                    w.write_record(r)?;
                }
                w.flush()?;
            } else {
                println!("as of {as_of}");
                print!(
                    "{}",
                    table::render(
                        &headers
                            .map(|h| h.to_uppercase())
                            .iter()
                            .map(String::as_str)
                            .collect::<Vec<_>>(),
                        &rows
                    )
                );
            }
        }
    }
    Ok(())
}

pub fn post(
    store: &Store,
    upk: &str,
    kind: &str,
    amount: i64,
    on: Option<&str>,
    memo: &str,
    key: Option<&str>,
) -> Result<()> {
    let on = match on {
        Some(d) => date(d).map_err(anyhow::Error::msg)?,
        None => jiff::Zoned::now().date(),
    };
    let movement = if kind == "capital" {
        lumbung_store::Movement::Capital
    } else {
        lumbung_store::Movement::Cost
    };
    let key = key
        .map(str::to_owned)
        .unwrap_or_else(|| format!("{kind}:{}:{on}:{amount}:{memo}", upk.trim().to_lowercase()));
    let memo = if memo.is_empty() { kind } else { memo };
    if store.post_fund_movement(upk, movement, on, Rupiah(amount), memo, &key, &Actor::cli())? {
        println!("posted: {kind} of {amount} rupiah for {upk} on {on}");
    } else {
        println!("already posted (key {key}); nothing changed");
    }
    Ok(())
}

pub fn verify(store: &Store) -> Result<()> {
    let journal = store.fund_journal()?;
    match lumbung_fund::journal::verify(&journal) {
        Ok(()) => {
            println!(
                "journal verified: {} entries, every one balanced and chained",
                journal.len()
            );
            Ok(())
        }
        Err(seq) => bail!(
            "journal entry {seq} does not match the chain: history was changed at or before it"
        ),
    }
}
