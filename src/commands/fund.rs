//! `lumbung fund …`: the UPK revolving fund's books from spreadsheets, the
//! oversight report, and the journal's check.

use crate::shared::{self, table, Db};
use anyhow::{Context, Result};
use clap::Subcommand;
use jiff::civil::Date;
use lumbung_domain::{text, OrgKind, RepaymentId, Scope, UpkId};
use lumbung_fund::books_file::{
    date, loan_rows, repayment_rows, repayments, RepaymentReading, RepaymentSource,
};
use lumbung_fund::loan::Rupiah;
use lumbung_fund::report::{portfolio, trend};
use lumbung_store::{Actor, OrgRef, RepaymentInput, Store};
use lumbung_tabular::csv_file::CsvRows;
use lumbung_tabular::{CsvFile, Header, Rejected, RowError};
use std::path::{Path, PathBuf};

#[derive(Debug, Subcommand)]
pub enum FundCommand {
    /// Import loans and repayments kept in spreadsheets (each file all or nothing; rows held are skipped)
    #[command(long_about = "Import a UPK's books from two CSV files.\n\n\
        LOANS.csv: upk,ksm,loan_id,disbursed_on,principal,term_months,fee_rate_monthly[,schedule][,frequency] \
        (fee_rate_monthly a fraction such as 0.015; schedule flat or declining; frequency monthly, \
        fortnightly or weekly). REPAYMENTS.csv: \
        loan_id,paid_on,amount. UPKs and KSMs are created when missing. Imported loans are history: \
        rules for new loans are reported as warnings, not enforced. See docs/fund.md.")]
    Import {
        #[arg(value_name = "LOANS.csv")]
        loans: PathBuf,
        #[arg(value_name = "REPAYMENTS.csv")]
        repayments: PathBuf,
        /// List every UPK and KSM the import created (by default: how many, and the first few)
        #[arg(long)]
        list_created: bool,
    },
    /// The portfolio's health on a date: outstanding, arrears, PAR, RR, LAR, per UPK and in all
    Report {
        /// The date (default today); payments after it are ignored
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
        /// Only this UPK
        #[arg(long, value_name = "NAME")]
        upk: Option<String>,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
        /// Also the figures at the end of each of the last MONTHS months (1–36; JSON key `trend`)
        #[arg(long, value_name = "MONTHS", value_parser = clap::value_parser!(u16).range(1..=36))]
        trend: Option<u16>,
    },
    /// Check the journal: every entry balanced, the hash chain unbroken (exit 1 names the first broken entry)
    Verify {
        /// Also require the entry with this hash (a published board's journal head) to be in the chain unchanged
        #[arg(long, value_name = "HASH")]
        head: Option<String>,
    },
    /// Post a UPK's operating cost or capital received (CCR and ROI need them); the same --key posts once
    Post {
        #[arg(long, value_name = "NAME")]
        upk: String,
        /// cost (paid from cash) or capital (received into cash, e.g. a BLM grant)
        #[arg(long, value_parser = ["cost", "capital"])]
        kind: String,
        /// Whole rupiah
        #[arg(long)]
        amount: i64,
        /// The date (default today)
        #[arg(long, value_name = "DATE")]
        date: Option<String>,
        #[arg(long, default_value = "")]
        memo: String,
        /// Idempotency key (default: made from the UPK, kind, date, amount and memo)
        #[arg(long)]
        key: Option<String>,
    },
    /// Post repayments: one (LOAN_ID --amount) or a file of them (--file), each batch one durable commit
    #[command(
        long_about = "Post repayments as a UPK's cashier does, each one idempotent.\n\n\
        One: `lumbung fund repay LOAN_ID --amount 90833 [--date 2024-05-03] [--key KUITANSI-001]`.\n\
        Many: `lumbung fund repay --file REPAYMENTS.csv [--batch 1000]` with columns \
        loan_id,paid_on,amount[,key]; each batch is committed at once (all of it or none), and a row \
        whose key was posted before is skipped and counted, so a file cut short (a crash, a power cut) \
        can simply be posted again. Without a key column, a row's key is made from its loan, date, \
        amount and occurrence among identical rows, as `fund import` does."
    )]
    Repay {
        #[arg(
            value_name = "LOAN_ID",
            required_unless_present = "file",
            conflicts_with = "file"
        )]
        loan_id: Option<String>,
        /// Whole rupiah
        #[arg(long, required_unless_present = "file")]
        amount: Option<i64>,
        /// The date paid (default today)
        #[arg(long, value_name = "DATE")]
        date: Option<String>,
        /// Idempotency key, e.g. the receipt number (default: made from loan, date and amount)
        #[arg(long)]
        key: Option<String>,
        #[arg(long, value_name = "REPAYMENTS.csv")]
        file: Option<PathBuf>,
        /// Repayments per commit
        #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..))]
        batch: u32,
    },
    /// Reverse a repayment (by its id, the receipt's number column in `fund ledger`); it is never edited
    Reverse {
        repayment: i64,
        #[arg(long)]
        reason: String,
        #[arg(long, value_name = "DATE")]
        date: Option<String>,
    },
    /// Give a loan a new schedule for the principal it has left (the old one is kept)
    Reschedule {
        loan_id: String,
        #[arg(long)]
        term_months: u16,
        #[arg(long)]
        reason: String,
        #[arg(long, value_name = "DATE")]
        date: Option<String>,
    },
    /// Write off what a loan has left, against the loan-loss reserve
    WriteOff {
        loan_id: String,
        #[arg(long)]
        reason: String,
        #[arg(long, value_name = "DATE")]
        date: Option<String>,
    },
    /// Bring a UPK's loan-loss reserve to what its portfolio needs on a date
    Provision {
        #[arg(long, value_name = "NAME")]
        upk: String,
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
    },
    /// Show a UPK's settings (JSON), or change some: --set arrears_threshold=3 --set reserve_rates='["0.01","0.1","0.5","1"]'
    Settings {
        #[arg(long, value_name = "NAME")]
        upk: String,
        #[arg(long, value_name = "KEY=VALUE")]
        set: Vec<String>,
    },
    /// A UPK's balance sheet, income statement (year to date) and cash book
    Statements {
        #[arg(long, value_name = "NAME")]
        upk: String,
        /// The date (default today)
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
        /// The first day of the income statement and cash book (default: 1 January of as-of's year)
        #[arg(long, value_name = "DATE")]
        from: Option<String>,
        #[arg(long, value_enum, default_value = "table")]
        format: StatementFormat,
    },
    /// A loan's ledger: its schedule and every repayment with its split
    Ledger {
        loan_id: String,
        #[arg(long, value_enum, default_value = "table")]
        format: StatementFormat,
    },
}

/// `lumbung fund …`.
pub fn run(db: &Db, command: FundCommand) -> Result<()> {
    let store = match command {
        FundCommand::Import { .. } => db.open_alone()?,
        _ => db.open()?,
    };
    let store = &store;
    match command {
        FundCommand::Import {
            loans,
            repayments,
            list_created,
        } => import(store, &loans, &repayments, list_created),
        FundCommand::Report {
            as_of,
            upk,
            format,
            trend,
        } => report(store, as_of.as_deref(), upk.as_deref(), format, trend),
        FundCommand::Verify { head } => verify(store, head.as_deref()),
        FundCommand::Post {
            upk,
            kind,
            amount,
            date,
            memo,
            key,
        } => post(
            store,
            &upk,
            &kind,
            amount,
            date.as_deref(),
            &memo,
            key.as_deref(),
        ),
        FundCommand::Repay {
            loan_id,
            amount,
            date,
            key,
            file,
            batch,
        } => match file {
            Some(path) => repay_file(store, &path, batch as usize),
            None => repay_one(
                store,
                loan_id.as_deref().unwrap_or_default(),
                amount.unwrap_or_default(),
                date.as_deref(),
                key.as_deref(),
            ),
        },
        FundCommand::Reverse {
            repayment,
            reason,
            date,
        } => reverse(store, repayment, &reason, date.as_deref()),
        FundCommand::Reschedule {
            loan_id,
            term_months,
            reason,
            date,
        } => reschedule(store, &loan_id, term_months, &reason, date.as_deref()),
        FundCommand::WriteOff {
            loan_id,
            reason,
            date,
        } => write_off(store, &loan_id, &reason, date.as_deref()),
        FundCommand::Provision { upk, as_of } => provision(store, &upk, as_of.as_deref()),
        FundCommand::Settings { upk, set } => settings(store, &upk, &set),
        FundCommand::Statements {
            upk,
            as_of,
            from,
            format,
        } => statements(store, &upk, as_of.as_deref(), from.as_deref(), format),
        FundCommand::Ledger { loan_id, format } => ledger(store, &loan_id, format),
    }
}

/// REPAYMENTS.csv, read from its file at each pass of the import: a
/// city's is gigabytes, never held whole.
struct RepaymentFile {
    path: PathBuf,
    name: String,
}

impl RepaymentFile {
    fn open(path: &Path) -> Result<RepaymentFile> {
        let name = path.display().to_string();
        std::fs::File::open(path).with_context(|| shared::cannot_read(&name))?;
        Ok(RepaymentFile {
            path: path.to_owned(),
            name,
        })
    }
}

impl RepaymentSource for RepaymentFile {
    fn rows(&mut self) -> RepaymentReading<'_> {
        let file = std::fs::File::open(&self.path).map_err(|e| Rejected {
            file: self.name.clone(),
            errors: vec![RowError::new(
                1,
                None,
                text!("file_unreadable", error = e;
                    id: "berkas tidak dapat dibaca: {error}",
                    en: "the file cannot be read: {error}"),
            )],
        })?;
        let rows = CsvRows::new(&self.name, file, Header::InFile);
        Ok(Box::new(repayment_rows(rows)?))
    }
}

fn read(path: &Path) -> Result<CsvFile> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).with_context(|| shared::cannot_read(&name))?;
    Ok(CsvFile::read(&name, &bytes, Header::InFile))
}

pub fn import(
    store: &Store,
    loans_path: &Path,
    repayments_path: &Path,
    list_created: bool,
) -> Result<()> {
    // Row by row: a city's loans are a million rows, held as records only.
    let loans_name = loans_path.display().to_string();
    let file = std::fs::File::open(loans_path).with_context(|| shared::cannot_read(&loans_name))?;
    let (mut l, mut le) = (Vec::new(), Vec::new());
    for row in loan_rows(CsvRows::new(&loans_name, file, Header::InFile))? {
        match row {
            Ok(loan) => l.push(loan),
            Err(problem) => le.push(problem),
        }
    }
    let mut repayments = RepaymentFile::open(repayments_path)?;
    let name = repayments.name.clone();
    let s = store.import_fund((&loans_name, &name), l, &mut repayments, le, &Actor::cli())?;
    println!(
        "loans: {} new, {} already held; repayments: {} stored, {} already held and skipped",
        s.loans_created, s.loans_unchanged, s.repayments_stored, s.repayments_skipped
    );
    for (what, names) in [("UPKs", &s.upks_created), ("KSMs", &s.ksms_created)] {
        if let Some(line) = created_line(what, names, list_created) {
            println!("{line}");
        }
    }
    for w in &s.warnings {
        println!("warning (migrated loan, not enforced): {w}");
    }
    Ok(())
}

/// How many created names the summary shows without `--list-created`.
const FIRST_CREATED: usize = 5;

/// `  new KSMs: 12000 in all — A, B, C, D, E, …`: a city's import creates
/// thousands, so only the count and the first few unless all are asked for.
fn created_line(what: &str, names: &[String], all: bool) -> Option<String> {
    if names.is_empty() {
        return None;
    }
    if all || names.len() <= FIRST_CREATED {
        return Some(format!("  new {what}: {}", names.join(", ")));
    }
    Some(format!(
        "  new {what}: {} in all — {}, … (`fund import --list-created` lists them all)",
        names.len(),
        names[..FIRST_CREATED].join(", ")
    ))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
}

pub fn report(
    store: &Store,
    as_of: Option<&str>,
    upk: Option<&str>,
    format: Format,
    months: Option<u16>,
) -> Result<()> {
    if months.is_some() && format == Format::Csv {
        return Err(shared::said(text!("fund_trend_not_csv";
            id: "--trend tersedia untuk --format json atau table",
            en: "--trend goes with --format json or table")));
    }
    let as_of = match as_of {
        Some(d) => date(d).map_err(anyhow::Error::msg)?,
        None => store.clock().today(),
    };
    let upk = upk.map(|raw| upk_id(store, raw)).transpose()?;
    // The UPKs' finances are read while the books are: the books' reading
    // waits on memory more than on the cores.
    let (books, ctx) = std::thread::scope(|s| {
        let ctx = s.spawn(|| store.fund_context(as_of));
        let books = store.fund_books(upk);
        (books, ctx.join().expect("the context's reading panicked"))
    });
    let (books, mut ctx) = (books?, ctx?);
    if let Some(id) = upk {
        if books.is_empty() {
            return Err(shared::said(text!("no_loans_of_upk", upk = id;
                id: "UPK {upk} tidak punya pinjaman", en: "no loans of UPK {upk}")));
        }
    }
    if upk.is_some() {
        let ids: std::collections::HashSet<UpkId> = books.iter().map(|b| b.upk_id).collect();
        ctx.finances.retain(|id, _| ids.contains(id));
    }
    let report = portfolio(&books, as_of, &ctx).context("the fund report cannot be computed")?;
    let points = months
        .map(|m| trend(&books, as_of, m, &ctx))
        .transpose()
        .context("the fund report's trend cannot be computed")?;
    // A city's books are millions of small allocations that the process's
    // end gives back at once: freeing them one by one took a tenth of the
    // report's time.
    std::mem::forget(books);
    let opt = |s: &Option<lumbung_domain::Share>| s.map(|s| s.to_string()).unwrap_or_default();
    match format {
        Format::Json => {
            /// The report's keys in their order, then the trend if asked for.
            #[derive(serde::Serialize)]
            struct WithTrend<'a> {
                #[serde(flatten)]
                report: &'a lumbung_fund::report::FundReport,
                #[serde(skip_serializing_if = "Option::is_none")]
                trend: Option<&'a [lumbung_fund::report::TrendPoint]>,
            }
            let json = WithTrend {
                report: &report,
                trend: points.as_deref(),
            };
            println!("{}", serde_json::to_string_pretty(&json)?)
        }
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
                // The UPK's name is text (escaped if it starts like a
                // formula); every other column is a number.
                let mut w = lumbung_domain::CsvOut::new(std::io::stdout());
                w.text_row(headers)?;
                for r in &rows {
                    w.row(r.iter().enumerate().map(|(i, c)| match i {
                        0 => lumbung_domain::CsvCell::Text(c),
                        _ => lumbung_domain::CsvCell::Number(c),
                    }))?;
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
                if let Some(points) = &points {
                    let rows: Vec<Vec<String>> = points
                        .iter()
                        .map(|p| {
                            vec![
                                p.as_of.to_string(),
                                p.outstanding.to_string(),
                                p.arrears.to_string(),
                                opt(&p.par),
                                opt(&p.rr),
                                opt(&p.lar),
                            ]
                        })
                        .collect();
                    println!("\ntrend");
                    print!(
                        "{}",
                        table::render(
                            &["AS OF", "OUTSTANDING", "ARREARS", "PAR", "RR", "LAR"],
                            &rows
                        )
                    );
                }
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
        None => store.clock().today(),
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
    let id = upk_id(store, upk)?;
    if store.post_fund_movement(id, movement, on, Rupiah(amount), memo, &key, &Actor::cli())? {
        println!("posted: {kind} of {amount} rupiah for {upk} on {on}");
    } else {
        println!("already posted (key {key}); nothing changed");
    }
    Ok(())
}

/// The UPK that `--upk` names: by name (case aside) or by id. The CLI is
/// the operator's tool and reaches the whole database, so a name is looked
/// for among every UPK; one that fits several is refused with their ids.
pub fn upk_id(store: &Store, raw: &str) -> Result<UpkId> {
    let r = OrgRef::NameOrId(raw.to_owned());
    match store.find_org(OrgKind::Upk, &r, &Scope::Global)? {
        Some(upk) => Ok(UpkId::new(upk.id.get())),
        None => Err(shared::said(
            text!("no_upk_named", name = format!("{:?}", raw.trim());
            id: "tidak ada UPK bernama {name} (maupun dengan id itu)",
            en: "no UPK named {name} (nor with that id)"),
        )),
    }
}

/// Checks every chain and, given a `head` hash, that the entry it names is
/// still in the journal: each hash follows from every entry of its chain
/// before it (its UPK's, and the city's from before the UPKs had their
/// own), so an unbroken chain holding that hash holds those unchanged.
pub fn verify(store: &Store, head: Option<&str>) -> Result<()> {
    match store.verify_fund_journal()? {
        Ok(entries) => {
            if let Some(hash) = head {
                let Some(sequence) = store.fund_journal_entry_with_hash(hash)? else {
                    return Err(shared::said(
                        text!("journal_head_missing", hash = hash.trim();
                        id: "jurnal tidak memuat entri dengan hash {hash}: buku diubah sejak hash itu dicatat",
                        en: "the journal holds no entry with hash {hash}: the books changed since it was taken"),
                    ));
                };
                println!(
                    "journal verified: {entries} entries, every one balanced and chained; entry {sequence} has hash {} unchanged",
                    hash.trim()
                );
                return Ok(());
            }
            println!("journal verified: {entries} entries, every one balanced and chained");
            Ok(())
        }
        Err(seq) => Err(shared::said(text!("journal_chain_broken", seq = seq;
            id: "entri jurnal {seq} tidak cocok dengan rantainya: riwayat diubah pada entri itu atau sebelumnya",
            en: "journal entry {seq} does not match the chain: history was changed at or before it"))),
    }
}

fn date_or_today(store: &Store, raw: Option<&str>) -> Result<Date> {
    match raw {
        Some(d) => date(d).map_err(anyhow::Error::msg),
        None => Ok(store.clock().today()),
    }
}

pub fn repay_one(
    store: &Store,
    loan_id: &str,
    amount: i64,
    on: Option<&str>,
    key: Option<&str>,
) -> Result<()> {
    let paid_on = date_or_today(store, on)?;
    let key = key
        .map(str::to_owned)
        .unwrap_or_else(|| format!("repayment:{}:{paid_on}:{amount}:cli", loan_id.trim()));
    let done = store.repay(
        &RepaymentInput {
            loan_id: loan_id.to_owned(),
            paid_on,
            amount: Rupiah(amount),
            key: key.clone(),
        },
        &Actor::cli(),
    )?;
    match done.repayment {
        Some(id) => println!(
            "posted: repayment {id} of {amount} rupiah to loan {} on {paid_on} (journal entry {})",
            loan_id.trim(),
            done.journal_seq.unwrap_or_default()
        ),
        None => println!("already posted (key {key}); nothing changed"),
    }
    Ok(())
}

/// Posts a file of repayments in batches, each one commit; rows posted
/// before (by key) are skipped, so a file cut short can be posted again.
pub fn repay_file(store: &Store, path: &Path, batch: usize) -> Result<()> {
    let file = read(path)?;
    let (rows, errors) = repayments(&file)?;
    let key_col = file.column("key");
    if !errors.is_empty() {
        return Err(lumbung_domain::Rejected {
            file: file.name.clone(),
            errors,
        }
        .into());
    }
    let keys: std::collections::HashMap<u64, String> = match key_col {
        Some(col) => file
            .rows
            .iter()
            .map(|r| (r.line, r.get(col).trim().to_owned()))
            .filter(|(_, k)| !k.is_empty())
            .collect(),
        None => Default::default(),
    };
    let mut seen: std::collections::HashMap<(String, Date, i64), u64> = Default::default();
    let inputs: Vec<(u64, RepaymentInput)> = rows
        .into_iter()
        .map(|r| {
            let n = seen
                .entry((r.loan_id.clone(), r.paid_on, r.amount.0))
                .or_insert(0);
            *n += 1;
            let key = keys.get(&r.line).cloned().unwrap_or_else(|| {
                format!("repayment:{}:{}:{}:{n}", r.loan_id, r.paid_on, r.amount.0)
            });
            (
                r.line,
                RepaymentInput {
                    loan_id: r.loan_id,
                    paid_on: r.paid_on,
                    amount: r.amount,
                    key,
                },
            )
        })
        .collect();
    let bar = crate::shared::progress::bar("posting");
    bar.set_length(inputs.len() as u64);
    let (mut posted, mut held) = (0u64, 0u64);
    for chunk in inputs.chunks(batch) {
        let batch: Vec<RepaymentInput> = chunk.iter().map(|(_, r)| r.clone()).collect();
        let out = store
            .repay_batch(&batch, &Actor::cli())
            .map_err(|e| match e {
                lumbung_store::StoreError::Invalid { field, message } => {
                    // "repayment N: …" names the row within the batch.
                    let n: usize = message
                        .strip_prefix("repayment ")
                        .and_then(|m| m.split(':').next())
                        .and_then(|n| n.parse().ok())
                        .unwrap_or(1);
                    let line = chunk[n.saturating_sub(1).min(chunk.len() - 1)].0;
                    anyhow::anyhow!(
                        "{}: line {line}: {field}: {message} (batches before it are posted; fix the row and post the file again)",
                        file.name
                    )
                }
                other => other.into(),
            })?;
        posted += out.posted;
        held += out.already_posted;
        bar.inc(chunk.len() as u64);
    }
    bar.finish_and_clear();
    println!("repayments: {posted} posted, {held} posted before and skipped");
    Ok(())
}

pub fn reverse(store: &Store, repayment: i64, reason: &str, on: Option<&str>) -> Result<()> {
    let seq = store.reverse_repayment(
        RepaymentId::new(repayment),
        date_or_today(store, on)?,
        reason,
        &Actor::cli(),
    )?;
    println!("reversed: repayment {repayment} (journal entry {seq})");
    Ok(())
}

pub fn reschedule(
    store: &Store,
    loan_id: &str,
    term: u16,
    reason: &str,
    on: Option<&str>,
) -> Result<()> {
    let on = date_or_today(store, on)?;
    store.reschedule(loan_id, on, term, reason, &Actor::cli())?;
    println!(
        "rescheduled: loan {} over {term} months from {on}",
        loan_id.trim()
    );
    Ok(())
}

pub fn write_off(store: &Store, loan_id: &str, reason: &str, on: Option<&str>) -> Result<()> {
    let amount = store.write_off(loan_id, date_or_today(store, on)?, reason, &Actor::cli())?;
    println!("written off: {amount} rupiah of loan {}", loan_id.trim());
    Ok(())
}

pub fn provision(store: &Store, upk: &str, as_of: Option<&str>) -> Result<()> {
    let id = upk_id(store, upk)?;
    let change = store.provision(id, date_or_today(store, as_of)?, &Actor::cli())?;
    match change {
        0 => println!("the reserve already holds what the portfolio needs"),
        c if c > 0 => println!("reserve raised by {c} rupiah"),
        c => println!("reserve released by {} rupiah", -c),
    }
    Ok(())
}

pub fn settings(store: &Store, upk: &str, set: &[String]) -> Result<()> {
    let id = upk_id(store, upk)?;
    let current = store.fund_settings(id)?;
    if set.is_empty() {
        println!("{}", serde_json::to_string_pretty(&current)?);
        return Ok(());
    }
    let mut json = serde_json::to_value(&current)?;
    for pair in set {
        let Some((key, value)) = pair.split_once('=') else {
            return Err(shared::said(
                text!("set_not_key_value", pair = format!("{pair:?}");
                id: "--set {pair}: seharusnya KUNCI=NILAI", en: "--set {pair}: expected KEY=VALUE"),
            ));
        };
        let key = key.trim();
        if json.get(key).is_none() {
            return Err(shared::said(
                text!("set_no_such_setting", key = key, upk = upk;
                id: "--set {key}: pengaturan itu tidak ada (lihat `lumbung fund settings --upk {upk}`)",
                en: "--set {key}: no such setting (see `lumbung fund settings --upk {upk}`)"),
            ));
        }
        // A value is JSON when it reads as JSON (numbers, lists), else a string.
        json[key] = serde_json::from_str(value.trim())
            .unwrap_or_else(|_| serde_json::Value::String(value.trim().to_owned()));
    }
    let next = lumbung_fund::settings::Settings::from_json(&json.to_string())?;
    store.set_fund_settings(id, next.clone(), &Actor::cli())?;
    println!("{}", serde_json::to_string_pretty(&next)?);
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StatementFormat {
    Table,
    Json,
}

pub fn statements(
    store: &Store,
    upk: &str,
    as_of: Option<&str>,
    from: Option<&str>,
    format: StatementFormat,
) -> Result<()> {
    use lumbung_fund::statements::{balance_sheet, cash_book, income_statement};
    let id = upk_id(store, upk)?;
    let as_of = date_or_today(store, as_of)?;
    let from = match from {
        Some(d) => date(d).map_err(anyhow::Error::msg)?,
        None => Date::new(as_of.year(), 1, 1)?,
    };
    let journal = store.upk_journal(id)?;
    let sheet = balance_sheet(&journal, as_of)?;
    let income = income_statement(&journal, from, as_of)?;
    let cash = cash_book(&journal, from, as_of)?;
    if format == StatementFormat::Json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "upk": upk.trim(), "balance_sheet": sheet, "income_statement": income, "cash_book": cash,
            }))?
        );
        return Ok(());
    }
    let rows = |pairs: &[(&str, i64)]| -> Vec<Vec<String>> {
        pairs
            .iter()
            .map(|(k, v)| vec![(*k).to_owned(), v.to_string()])
            .collect()
    };
    println!("Balance sheet of {} on {as_of}", upk.trim());
    print!(
        "{}",
        table::render(
            &["ITEM", "RUPIAH"],
            &rows(&[
                ("cash", sheet.cash),
                ("loans receivable", sheet.loans_receivable),
                ("less loan-loss reserve", -sheet.loan_loss_reserve),
                ("total assets", sheet.total_assets),
                ("savings held", sheet.savings_held),
                ("capital (BLM)", sheet.capital_blm),
                ("retained surplus", sheet.retained_surplus),
                (
                    "total liabilities and equity",
                    sheet.total_liabilities_and_equity
                ),
            ])
        )
    );
    println!("\nIncome statement {from} to {as_of}");
    print!(
        "{}",
        table::render(
            &["ITEM", "RUPIAH"],
            &rows(&[
                ("fee income", income.fee_income),
                ("operating costs", -income.operating_costs),
                ("reserve expense", -income.reserve_expense),
                ("surplus", income.surplus),
            ])
        )
    );
    println!("\nCash book {from} to {as_of} (opening {})", cash.opening);
    let lines = table::rows(&cash.lines, |l| {
        vec![
            l.date.to_string(),
            l.sequence.to_string(),
            l.memo.clone(),
            l.cash_in.to_string(),
            l.cash_out.to_string(),
            l.balance.to_string(),
        ]
    });
    print!(
        "{}",
        table::render(&["DATE", "ENTRY", "MEMO", "IN", "OUT", "BALANCE"], &lines)
    );
    println!("closing {}", cash.closing);
    Ok(())
}

pub fn ledger(store: &Store, loan_id: &str, format: StatementFormat) -> Result<()> {
    let Some(view) = store.loan(loan_id)? else {
        return Err(shared::said(
            text!("no_loan", loan = format!("{:?}", loan_id.trim());
            id: "tidak ada pinjaman {loan}", en: "no loan {loan}"),
        ));
    };
    let repayments = store.loan_repayments(loan_id)?;
    if format == StatementFormat::Json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "loan": view, "schedule": view.book.schedule,
                "rescheduled": view.book.rescheduled.iter().map(|r| serde_json::json!({"on": r.on, "term_months": r.term_months, "schedule": r.schedule})).collect::<Vec<_>>(),
                "written_off": view.book.written_off, "repayments": repayments,
            }))?
        );
        return Ok(());
    }
    println!(
        "Loan {} to {} ({}): {} rupiah over {} months at {} a month, {}, {} instalments",
        view.loan_id,
        view.ksm,
        view.upk,
        view.principal,
        view.term_months,
        view.fee_rate,
        view.schedule_kind.as_str(),
        view.frequency.as_str()
    );
    let schedule = table::rows(&view.book.schedule, |i| {
        vec![
            i.number.to_string(),
            i.due.to_string(),
            i.principal.0.to_string(),
            i.fee.0.to_string(),
        ]
    });
    print!(
        "{}",
        table::render(&["NO", "DUE", "PRINCIPAL", "FEE"], &schedule)
    );
    let paid = table::rows(&repayments, |r| {
        vec![
            r.id.to_string(),
            r.paid_on.to_string(),
            r.amount.to_string(),
            r.principal.to_string(),
            r.fee.to_string(),
            r.reversed
                .as_deref()
                .map(|why| format!("reversed: {why}"))
                .unwrap_or_default(),
        ]
    });
    println!();
    print!(
        "{}",
        table::render(
            &["REPAYMENT", "PAID ON", "AMOUNT", "PRINCIPAL", "FEE", ""],
            &paid
        )
    );
    Ok(())
}
