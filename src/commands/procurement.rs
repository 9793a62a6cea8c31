//! `lumbung procurement …`: public contracts in OCDS — imported as
//! publishers serve them, each process compiled by the merge routine.

use crate::shared::{self, Db};
use anyhow::{Context, Result};
use clap::Subcommand;
use jiff::civil::Date;
use lumbung_domain::text;
use lumbung_procurement::contracts::{self, Filter, Report};
use lumbung_procurement::opportunities::Opportunities;
use lumbung_store::{Actor, Store};
use std::path::{Path, PathBuf};

#[derive(Debug, Subcommand)]
pub enum ProcurementCommand {
    /// Import OCDS 1.1 files, all or nothing: release or record packages,
    /// single releases, arrays of releases or JSON Lines, optionally gzipped
    #[command(name = "import-ocds")]
    ImportOcds {
        /// The files
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Contracts awarded: processes, awards, awarded value, to small firms
    /// and by where the suppliers are (see docs/procurement.md)
    Report {
        /// Only processes of this buyer (its name, any case)
        #[arg(long, value_name = "NAME")]
        buyer: Option<String>,
        /// Only processes whose compiled date is on or after this day (YYYY-MM-DD)
        #[arg(long, value_name = "DATE")]
        from: Option<String>,
        /// Only processes whose compiled date is on or before this day
        #[arg(long, value_name = "DATE")]
        to: Option<String>,
        /// The local area (default: the spend settings')
        #[arg(long, value_name = "AREA")]
        local: Option<String>,
        /// The region (default: the spend settings'; without one, regional = local)
        #[arg(long, value_name = "AREA", requires = "local")]
        region: Option<String>,
        #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
        format: ReportFormat,
        /// Write to FILE instead of standard output (needed for xlsx)
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Leaking spend matched to local capacity: for each anchor and sector
    /// with spend outside the region, the local businesses able to supply it
    Opportunities {
        /// Only this anchor institution
        #[arg(long, value_name = "NAME")]
        anchor: Option<String>,
        /// Only this fiscal year (2023 or 2023/24)
        #[arg(long, value_name = "FY", value_parser = fiscal_year)]
        year: Option<lumbung_domain::FiscalYear>,
        #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
        format: ReportFormat,
        /// Write to FILE instead of standard output (needed for xlsx)
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Enter an open tender by hand, to be matched to local businesses
    #[command(name = "tender-add")]
    TenderAdd(super::tenders::TenderArgs),
    /// Open tenders (from OCDS or entered by hand), each with the local
    /// businesses able to answer it: by CPV code, then sector, then nearness
    Tenders {
        /// Only tenders whose status is active or planned
        #[arg(long)]
        open: bool,
        #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
        format: ReportFormat,
        /// Write to FILE instead of standard output (needed for xlsx)
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Queue a notice about a tender to each matched business that
    /// consented to be contacted (never to one that did not)
    Notify {
        /// The tender's id
        tender: i64,
    },
    /// The notices queued for the mail relay (JSON), or mark some sent
    Outbox {
        #[arg(long, value_enum, default_value_t = Format::Json)]
        format: Format,
        /// Only the notices waiting to be sent
        #[arg(long)]
        unsent: bool,
        /// Mark these notices sent (ids, comma-separated)
        #[arg(long, value_name = "IDS", value_delimiter = ',')]
        mark_sent: Vec<i64>,
    },
    /// Social-value proxy values (the money value of a unit of a measure)
    Proxies {
        #[command(subcommand)]
        command: super::social_value::ProxiesCommand,
    },
    /// Weigh a tender's bids on price, quality and social value, exactly
    /// (see docs/procurement.md)
    Evaluate(super::social_value::EvaluateArgs),
    /// Score suppliers against the six social-value outcomes in a round
    /// (`supplier,outcome,score[,evidence]`, score 0–5); the same scores
    /// again change nothing
    Assess(super::assessment::AssessArgs),
    /// The supplier assessment of a round: mean scores by outcome and the
    /// change since the round before
    Assessments(super::assessment::AssessmentsArgs),
    /// The local multiplier (LM3) of the anchors' spend, from a survey of
    /// the local suppliers' re-spend (see docs/procurement.md)
    Lm3(super::multiplier::Lm3Args),
    /// Print a process's compiled release, as the OCDS merge routine makes it
    Release {
        /// The process's ocid
        ocid: String,
        #[arg(long, value_enum, default_value_t = Format::Json)]
        format: Format,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    Table,
    Json,
    Csv,
    Xlsx,
}

pub fn run(db: &Db, command: ProcurementCommand) -> Result<()> {
    use super::tenders;
    match command {
        ProcurementCommand::TenderAdd(args) => tenders::add(db, args),
        ProcurementCommand::Tenders {
            open,
            format,
            output,
        } => tenders::list(db, open, format, output.as_deref()),
        ProcurementCommand::Notify { tender } => tenders::notify(db, tender),
        ProcurementCommand::Proxies { command } => super::social_value::proxies(db, command),
        ProcurementCommand::Evaluate(args) => super::social_value::evaluate(db, args),
        ProcurementCommand::Lm3(args) => super::multiplier::lm3(db, args),
        ProcurementCommand::Assess(args) => super::assessment::assess(db, args),
        ProcurementCommand::Assessments(args) => super::assessment::assessments(db, args),
        ProcurementCommand::Outbox {
            format: Format::Json,
            unsent,
            mark_sent,
        } => tenders::outbox(db, &mark_sent, unsent),
        ProcurementCommand::ImportOcds { files } => import_ocds(&db.open_alone()?, &files),
        ProcurementCommand::Release {
            ocid,
            format: Format::Json,
        } => release(&db.open()?, &ocid),
        ProcurementCommand::Opportunities {
            anchor,
            year,
            format,
            output,
        } => {
            let o = opportunities(&db.open()?, anchor.as_deref(), year)?;
            write_opportunities(&o, format, output.as_deref())
        }
        ProcurementCommand::Report {
            buyer,
            from,
            to,
            local,
            region,
            format,
            output,
        } => {
            let filter = Filter {
                buyer,
                from: from.as_deref().map(day).transpose()?,
                to: to.as_deref().map(day).transpose()?,
            };
            let r = db
                .open()?
                .procurement_report(&filter, local.as_deref(), region.as_deref())?;
            write_report(&r, format, output.as_deref())
        }
    }
}

fn import_ocds(store: &Store, paths: &[PathBuf]) -> Result<()> {
    let mut files = Vec::with_capacity(paths.len());
    // Every file is read and checked before anything is stored.
    for path in paths {
        let name = path.display().to_string();
        let bytes = mapped(path).with_context(|| shared::cannot_read(&name))?;
        files.push((name, bytes));
    }
    let s = store.import_ocds(&files, &Actor::cli())?;
    println!(
        "releases: {} stored, {} already held and skipped; processes compiled: {}",
        s.releases,
        s.skipped.len(),
        s.processes
    );
    for skipped in &s.skipped {
        println!(
            "  skipped: {}: {} release {}",
            skipped.file, skipped.ocid, skipped.identity
        );
    }
    Ok(())
}

/// The bytes of file `path`, mapped into memory rather than copied (a
/// city's releases are a gigabyte; the readers then share the page cache's
/// copy). An empty file cannot be mapped, nor can a pipe or a device
/// (`<(zcat …)`, `/dev/stdin`): those are read.
fn mapped(path: &Path) -> std::io::Result<Mapped> {
    let file = std::fs::File::open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() || meta.len() == 0 {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut &file, &mut bytes)?;
        return Ok(Mapped::Read(bytes));
    }
    // SAFETY: the map is only read, and this process writes no file it
    // imports; the files must not be changed while they are imported (as
    // with any import reading them twice). One truncated meanwhile stops
    // this process (SIGBUS) before it commits: nothing is then stored.
    let map = unsafe { memmap2::MmapOptions::new().populate().map(&file)? };
    Ok(Mapped::Map(map))
}

enum Mapped {
    Map(memmap2::Mmap),
    Read(Vec<u8>),
}

impl AsRef<[u8]> for Mapped {
    fn as_ref(&self) -> &[u8] {
        match self {
            Mapped::Map(map) => map,
            Mapped::Read(bytes) => bytes,
        }
    }
}

fn release(store: &Store, ocid: &str) -> Result<()> {
    let Some(compiled) = store.ocds_compiled(ocid)? else {
        return Err(shared::said(text!("ocds_unknown_process", ocid = ocid;
            id: "tidak ada rilis untuk proses {ocid}",
            en: "no release of the process {ocid} is held")));
    };
    println!("{}", serde_json::to_string_pretty(&compiled)?);
    Ok(())
}

fn day(raw: &str) -> Result<Date> {
    raw.trim().parse().map_err(|_| {
        shared::said(text!("not_a_day", value = format!("{raw:?}");
            id: "{value} bukan tanggal (YYYY-MM-DD)", en: "{value} is not a date (YYYY-MM-DD)"))
    })
}

const REPORT_HEADERS: [&str; 13] = [
    "buyer",
    "currency",
    "processes",
    "releases",
    "open_tenders",
    "awards",
    "awarded_value",
    "awarded_sme",
    "local",
    "regional",
    "outside",
    "unknown",
    "suppliers",
];

/// The report as rows: in all (buyer empty), then per buyer; a row per
/// currency awarded (one row without a currency when nothing was).
fn report_rows(r: &Report) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let scopes = std::iter::once(("(all)", &r.all))
        .chain(r.by_buyer.iter().map(|b| (b.buyer.as_str(), &b.figures)));
    for (buyer, f) in scopes {
        let mut currencies: Vec<&String> = f.awarded_value.keys().collect();
        if currencies.is_empty() {
            currencies.push(&EMPTY);
        }
        for currency in currencies {
            let money = |m: &contracts::PerCurrency| {
                m.get(currency)
                    .map(ToString::to_string)
                    .unwrap_or_else(|| "0.00".into())
            };
            rows.push(vec![
                buyer.to_owned(),
                currency.clone(),
                f.processes.to_string(),
                f.releases.to_string(),
                f.open_tenders.to_string(),
                f.awards.to_string(),
                money(&f.awarded_value),
                money(&f.awarded_sme),
                money(&f.by_location.local),
                money(&f.by_location.regional),
                money(&f.by_location.outside),
                money(&f.by_location.unknown),
                f.suppliers.to_string(),
            ]);
        }
    }
    rows
}

static EMPTY: String = String::new();

fn write_report(r: &Report, format: ReportFormat, output: Option<&Path>) -> Result<()> {
    let rows = report_rows(r);
    let bytes = match format {
        ReportFormat::Json => format!("{}\n", serde_json::to_string_pretty(r)?).into_bytes(),
        ReportFormat::Table => shared::table::render(&REPORT_HEADERS, &rows).into_bytes(),
        ReportFormat::Csv => csv_bytes(&REPORT_HEADERS, &rows)?,
        ReportFormat::Xlsx => {
            needs_output(output)?;
            xlsx(
                "awards",
                &REPORT_HEADERS,
                &rows,
                &[6, 7, 8, 9, 10, 11],
                &[2, 3, 4, 5, 12],
            )?
        }
    };
    write_out(&bytes, output)
}

pub(super) fn needs_output(output: Option<&Path>) -> Result<()> {
    match output {
        Some(_) => Ok(()),
        None => Err(shared::said(text!("xlsx_needs_output";
            id: "xlsx memerlukan --output BERKAS", en: "xlsx needs --output FILE"))),
    }
}

pub(super) fn write_out(bytes: &[u8], output: Option<&Path>) -> Result<()> {
    match output {
        Some(path) => std::fs::write(path, bytes)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => {
            use std::io::Write;
            std::io::stdout().write_all(bytes)?;
        }
    }
    Ok(())
}

pub(super) fn csv_bytes(headers: &[&str], rows: &[Vec<String>]) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(headers)?;
    for row in rows {
        w.write_record(row)?;
    }
    Ok(w.into_inner()?)
}

/// Rows as one sheet: the columns `money` and `counts` as numbers.
pub(super) fn xlsx(
    name: &str,
    headers: &[&str],
    rows: &[Vec<String>],
    money: &[usize],
    counts: &[usize],
) -> Result<Vec<u8>> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let amount = Format::new().set_num_format("#,##0.00");
    let sheet = book.add_worksheet().set_name(name)?;
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (r, row) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row.iter().enumerate() {
            let col = c as u16;
            match cell.parse::<f64>() {
                Ok(v) if money.contains(&c) => {
                    sheet.write_number_with_format(r, col, v, &amount)?
                }
                Ok(v) if counts.contains(&c) => sheet.write_number(r, col, v)?,
                _ => sheet.write_string(r, col, cell)?,
            };
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(book.save_to_buffer()?)
}

fn fiscal_year(raw: &str) -> Result<lumbung_domain::FiscalYear, String> {
    lumbung_domain::FiscalYear::parse(raw).map_err(|e| e.to_string())
}

/// The opportunities of the anchor named (all anchors without a name).
fn opportunities(
    store: &Store,
    anchor: Option<&str>,
    year: Option<lumbung_domain::FiscalYear>,
) -> Result<Opportunities> {
    let named = |name: &str| anchor.is_none_or(|a| name.eq_ignore_ascii_case(a.trim()));
    let found = store.procurement_opportunities(|_, name| named(name), year)?;
    if let (Some(name), true) = (anchor, found.opportunities.is_empty()) {
        let known = store
            .spend_dimensions(None, None, store.spend_settings()?.calendar())?
            .anchors
            .values()
            .any(|n| named(n));
        if !known {
            return Err(shared::said(
                text!("no_anchor_named", name = format!("{name:?}");
                id: "tidak ada lembaga jangkar bernama {name}",
                en: "no anchor institution named {name}"),
            ));
        }
    }
    Ok(found)
}

const OPPORTUNITY_HEADERS: [&str; 10] = [
    "anchor",
    "sector",
    "sector_name",
    "outside_spend",
    "business_id",
    "business",
    "size",
    "area",
    "fit",
    "consent",
];

/// A row per matched business (one without a business when none matched).
fn opportunity_rows(o: &Opportunities) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for op in &o.opportunities {
        let head = [
            op.anchor.clone(),
            op.sector.clone(),
            op.sector_name.clone().unwrap_or_default(),
            op.outside_spend.to_string(),
        ];
        if op.businesses.is_empty() {
            rows.push([&head[..], &vec![String::new(); 6]].concat());
        }
        for b in &op.businesses {
            rows.push(
                [
                    &head[..],
                    &[
                        b.id.to_string(),
                        b.name.clone(),
                        b.size.map(|s| s.as_str().to_owned()).unwrap_or_default(),
                        b.area.clone().unwrap_or_default(),
                        b.fit.to_string(),
                        if b.consent { "yes" } else { "no" }.to_owned(),
                    ],
                ]
                .concat(),
            );
        }
    }
    rows
}

fn write_opportunities(
    o: &Opportunities,
    format: ReportFormat,
    output: Option<&Path>,
) -> Result<()> {
    let rows = opportunity_rows(o);
    let bytes = match format {
        ReportFormat::Json => format!("{}\n", serde_json::to_string_pretty(o)?).into_bytes(),
        ReportFormat::Table => format!(
            "{}redirectable spend: {}\n",
            shared::table::render(&OPPORTUNITY_HEADERS, &rows),
            o.redirectable_spend
        )
        .into_bytes(),
        ReportFormat::Csv => csv_bytes(&OPPORTUNITY_HEADERS, &rows)?,
        ReportFormat::Xlsx => {
            needs_output(output)?;
            xlsx("opportunities", &OPPORTUNITY_HEADERS, &rows, &[3], &[4, 8])?
        }
    };
    write_out(&bytes, output)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A regular file is mapped; a pipe (whose length reads as 0) is read
    /// to its end.
    #[test]
    fn files_are_mapped_and_pipes_read() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("r.jsonl");
        std::fs::write(&file, b"{\"ocid\": \"o-1\"}\n").unwrap();
        let got = mapped(&file).unwrap();
        assert!(matches!(got, Mapped::Map(_)));
        assert_eq!(got.as_ref(), b"{\"ocid\": \"o-1\"}\n");
        let fifo = dir.path().join("pipe");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let writer = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::write(fifo, b"{\"ocid\": \"o-2\"}").unwrap())
        };
        let got = mapped(&fifo).unwrap();
        writer.join().unwrap();
        assert_eq!(got.as_ref(), b"{\"ocid\": \"o-2\"}");
    }
}
