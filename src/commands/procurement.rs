//! `lumbung procurement …`: public contracts in OCDS — imported as
//! publishers serve them, each process compiled by the merge routine.

use crate::shared::{self, Db};
use anyhow::{Context, Result};
use clap::Subcommand;
use jiff::civil::Date;
use lumbung_domain::text;
use lumbung_procurement::contracts::{self, Filter, Report};
use lumbung_procurement::ocds;
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
    let store = db.open()?;
    match command {
        ProcurementCommand::ImportOcds { files } => import_ocds(&store, &files),
        ProcurementCommand::Release {
            ocid,
            format: Format::Json,
        } => release(&store, &ocid),
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
            let r = store.procurement_report(&filter, local.as_deref(), region.as_deref())?;
            write_report(&r, format, output.as_deref())
        }
    }
}

fn import_ocds(store: &Store, paths: &[PathBuf]) -> Result<()> {
    let mut files = Vec::with_capacity(paths.len());
    // Every file is read and checked before anything is stored.
    for path in paths {
        let name = path.display().to_string();
        let bytes = std::fs::read(path).with_context(|| shared::cannot_read(&name))?;
        files.push((name.clone(), ocds::read(&name, &bytes)?));
    }
    let s = store.import_ocds(files, &Actor::cli())?;
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
    let bytes = match format {
        ReportFormat::Json => format!("{}\n", serde_json::to_string_pretty(r)?).into_bytes(),
        ReportFormat::Table => shared::table::render(&REPORT_HEADERS, &report_rows(r)).into_bytes(),
        ReportFormat::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record(REPORT_HEADERS)?;
            for row in report_rows(r) {
                w.write_record(&row)?;
            }
            w.into_inner()?
        }
        ReportFormat::Xlsx => {
            if output.is_none() {
                return Err(shared::said(text!("xlsx_needs_output";
                    id: "xlsx memerlukan --output BERKAS", en: "xlsx needs --output FILE")));
            }
            xlsx(&report_rows(r))?
        }
    };
    match output {
        Some(path) => std::fs::write(path, bytes)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => {
            use std::io::Write;
            std::io::stdout().write_all(&bytes)?;
        }
    }
    Ok(())
}

/// The report's rows as one sheet, amounts and counts as numbers.
fn xlsx(rows: &[Vec<String>]) -> Result<Vec<u8>> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("#,##0.00");
    let sheet = book.add_worksheet().set_name("awards")?;
    for (c, h) in REPORT_HEADERS.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (r, row) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row.iter().enumerate() {
            let col = c as u16;
            match (c, cell.parse::<f64>()) {
                (6..=11, Ok(v)) => sheet.write_number_with_format(r, col, v, &money)?,
                (2..=5 | 12, Ok(v)) => sheet.write_number(r, col, v)?,
                _ => sheet.write_string(r, col, cell)?,
            };
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(book.save_to_buffer()?)
}
