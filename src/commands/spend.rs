//! `lumbung spend …`: import anchor institutions' payment files and report
//! where the money goes.

use crate::shared::{self, table, Db};
use anyhow::{bail, Context, Result};
use clap::Subcommand;
use lumbung_domain::{text, AreaCode, FiscalYear, ImportId, Scope, Share, SupplierId};
use lumbung_spend::export::{self, cell_rows, opt};
use lumbung_spend::read::{Field, Locale};
use lumbung_spend::report::{compute, ReportOptions, SpendReport};
use lumbung_store::{Actor, OrgRef, SpendFile, SpendSettings, Store, StoreError};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Subcommand)]
pub enum SpendCommand {
    /// Import payment files (CSV or XLSX), each as one import, all or nothing
    #[command(
        long_about = "Import anchor institutions' payment files (CSV with , ; | or TAB, UTF-8 or \
        Windows-1252, or XLSX), each file as one import: all rows or none.\n\n\
        Columns are recognised from common English and Indonesian headers; --mapping overrides them \
        with a TOML file:\n\n  [columns]\n  amount = \"Net Amount\"\n  supplier_name = \"Vendor\"\n\n\
        A mapping given with --anchor is saved for that anchor and used for its next files. The same \
        file again changes nothing; a payment already held (the same anchor, date, supplier and \
        amount, counted) is skipped and counted. See docs/spend.md."
    )]
    Import {
        /// The files
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The anchor institution, for files without an anchor column (created when new)
        #[arg(long, value_name = "NAME")]
        anchor: Option<String>,
        /// The fiscal year, for rows without a readable date (e.g. 2012/13)
        #[arg(long, value_name = "FY", value_parser = fiscal_year)]
        year: Option<lumbung_domain::FiscalYear>,
        /// The month a file without dates covers (e.g. 2011-01), when its name
        /// does not say: its rows are dated the month's last day
        #[arg(long, value_name = "YYYY-MM", value_parser = period)]
        period: Option<lumbung_spend::read::Period>,
        /// Import the good rows of a file with damaged ones (a lost separator,
        /// a broken line end); each skipped row is kept with the import
        /// (`spend imports --id N --bad-rows`), never repaired
        #[arg(long)]
        skip_bad_rows: bool,
        /// A TOML file naming the column for each field
        #[arg(long, value_name = "MAP.toml")]
        mapping: Option<PathBuf>,
        /// Number format for ambiguous columns: en (1,234.50) or id (1.234,50)
        #[arg(long, default_value = "en", value_parser = ["en", "id"])]
        locale: String,
        /// The sheet to read in XLSX files (default: the first with a header)
        #[arg(long, value_name = "NAME")]
        sheet: Option<String>,
    },
    /// List the imports
    Imports {
        /// Only this import
        #[arg(long, value_name = "N")]
        id: Option<i64>,
        /// The rows the import skipped as damaged (`import --skip-bad-rows`)
        #[arg(long, requires = "id")]
        bad_rows: bool,
    },
    /// List the rows imports flagged for review (e.g. no supplier name, no readable date)
    Flagged {
        /// Only this import's rows
        import_id: Option<i64>,
        /// At most this many
        #[arg(long, default_value_t = 200)]
        limit: u32,
    },
    /// List suppliers (with --review: those automatic merges or imports listed for review)
    Suppliers {
        /// Only suppliers listed for review
        #[arg(long)]
        review: bool,
        /// Part of the name
        #[arg(long, value_name = "TEXT")]
        search: Option<String>,
        /// At most this many
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// Merge supplier OTHER into KEEP by hand; later imports follow the decision
    MergeSuppliers {
        /// The supplier that stays
        keep: i64,
        /// The supplier merged into it
        other: i64,
    },
    /// Split a key (id:… or name:…, as `spend suppliers` lists it) off a supplier into a new one;
    /// later imports follow (undo and re-import a file to move its past payments)
    SplitSupplier {
        /// The supplier that has the key
        supplier: i64,
        /// The key to split off
        key: String,
        /// The new supplier's name
        #[arg(long)]
        name: String,
    },
    /// Fix a supplier's location to an area (no AREA: back to its postal code)
    LocateSupplier {
        /// The supplier's id (see `spend suppliers`)
        supplier: i64,
        /// An area code
        area: Option<String>,
    },
    /// Remove an import and its payments (recorded in the audit log)
    Undo {
        /// The import's id (see `spend imports`)
        import_id: i64,
    },
    /// Registers that locate suppliers: Companies House, anchors' vendor masters
    #[command(subcommand)]
    Registers(super::registers::RegistersCommand),
    /// Show or set the programme's local area, region and fiscal calendar
    /// (with --anchor: that anchor's own fiscal calendar)
    Settings {
        /// Only this anchor institution's fiscal calendar: its dated payments
        /// move to their years in it
        #[arg(long, value_name = "NAME", conflicts_with_all = ["local", "region", "count_branches"])]
        anchor: Option<String>,
        /// The local area (an area code, e.g. E07000123 for Preston)
        #[arg(long, value_name = "CODE")]
        local: Option<String>,
        /// The region, which contains the local area (e.g. E10000017 for Lancashire)
        #[arg(long, value_name = "CODE")]
        region: Option<String>,
        /// The month fiscal years start in: 4 for April (UK), 1 for January (Indonesia)
        #[arg(long, value_name = "MONTH", value_parser = clap::value_parser!(u8).range(1..=12))]
        fiscal_year_start: Option<u8>,
        /// Count suppliers "based or branched in" the area: their branch sites count too
        #[arg(long, value_name = "true|false")]
        count_branches: Option<bool>,
        /// The local share aimed at (e.g. 0.10), which what-if scenarios measure against
        #[arg(long, value_name = "SHARE", value_parser = share)]
        target_local_share: Option<lumbung_domain::Share>,
    },
    /// Record a branch site of a supplier (with --remove: forget it)
    SupplierSite {
        /// The supplier's id (see `spend suppliers`)
        supplier: i64,
        /// The area the branch is in
        area: String,
        #[arg(long)]
        remove: bool,
    },
    /// What if a share of the outside spend in some sectors went to local
    /// suppliers: local and regional shares, money kept, LM3, the target
    Whatif(super::multiplier::WhatIfArgs),
    /// Where the money goes: local, regional, outside (leakage) and unknown, by anchor, year, sector
    Report {
        /// The local area (overrides the setting)
        #[arg(long, value_name = "CODE")]
        local: Option<String>,
        /// The region (overrides the setting)
        #[arg(long, value_name = "CODE")]
        region: Option<String>,
        /// Only this fiscal year (e.g. 2012/13)
        #[arg(long, value_name = "FY", value_parser = fiscal_year)]
        year: Option<lumbung_domain::FiscalYear>,
        /// Only this anchor institution
        #[arg(long, value_name = "NAME")]
        anchor: Option<String>,
        /// Keep each anchor-year's N largest suppliers by net spend (the Preston baseline used 300)
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
        top_suppliers: Option<u64>,
        /// Show the extra money kept local at this local share (e.g. 0.10)
        #[arg(long, value_name = "F", value_parser = share)]
        target_local_share: Option<lumbung_domain::Share>,
        /// Output format; csv and xlsx hold the per anchor × year table (xlsx one sheet per table)
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
        /// Write to FILE instead of standard output
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Take the payments straight from this CSV ledger instead of the store (areas,
        /// the postcode map and supplier decisions still come from the database)
        #[arg(long, value_name = "LEDGER.csv")]
        from_file: Option<PathBuf>,
    },
}

fn fiscal_year(raw: &str) -> Result<lumbung_domain::FiscalYear, String> {
    lumbung_domain::FiscalYear::parse(raw).map_err(|e| e.to_string())
}

fn period(raw: &str) -> Result<lumbung_spend::read::Period, String> {
    lumbung_spend::read::Period::month(raw)
        .ok_or_else(|| format!("{raw:?} is not a month such as 2011-01"))
}

pub(super) fn share(raw: &str) -> Result<lumbung_domain::Share, String> {
    let share = lumbung_domain::Share::parse(raw).map_err(|e| e.to_string())?;
    let as_text = share.to_string();
    if as_text.starts_with('-') || as_text.as_str() > "1.000000" {
        return Err(format!("{raw} is not a share between 0 and 1"));
    }
    Ok(share)
}

/// `lumbung spend …`.
pub fn run(db: &Db, command: SpendCommand) -> Result<()> {
    let store = db.open()?;
    let store = &store;
    match command {
        SpendCommand::Import {
            files,
            anchor,
            year,
            period,
            skip_bad_rows,
            mapping,
            locale,
            sheet,
        } => import(
            store,
            &ImportArgs {
                files: &files,
                anchor: anchor.as_deref(),
                year,
                period,
                skip_bad_rows,
                mapping: mapping.as_deref(),
                sheet: sheet.as_deref(),
                locale: if locale == "id" {
                    Locale::Id
                } else {
                    Locale::En
                },
            },
        ),
        SpendCommand::Imports { id, bad_rows } => imports(store, id, bad_rows),
        SpendCommand::Flagged { import_id, limit } => flagged(store, import_id, limit),
        SpendCommand::Suppliers {
            review,
            search,
            limit,
        } => suppliers(store, review, search.as_deref(), limit),
        SpendCommand::MergeSuppliers { keep, other } => merge_suppliers(store, keep, other),
        SpendCommand::SplitSupplier {
            supplier,
            key,
            name,
        } => split_supplier(store, supplier, &key, &name),
        SpendCommand::LocateSupplier { supplier, area } => {
            locate_supplier(store, supplier, area.as_deref())
        }
        SpendCommand::Undo { import_id } => undo(store, import_id),
        SpendCommand::Registers(command) => super::registers::run(store, command),
        SpendCommand::Settings {
            anchor: Some(anchor),
            fiscal_year_start,
            ..
        } => anchor_calendar(store, &anchor, fiscal_year_start),
        SpendCommand::Settings {
            anchor: None,
            local,
            region,
            fiscal_year_start,
            count_branches,
            target_local_share,
        } => settings(
            store,
            local,
            region,
            fiscal_year_start,
            count_branches,
            target_local_share,
        ),
        SpendCommand::SupplierSite {
            supplier,
            area,
            remove,
        } => supplier_site(store, supplier, &area, remove),
        SpendCommand::Whatif(args) => super::multiplier::what_if(store, args),
        SpendCommand::Report {
            local,
            region,
            year,
            anchor,
            top_suppliers,
            target_local_share,
            format,
            output,
            from_file,
        } => report(
            store,
            ReportArgs {
                local,
                region,
                year,
                anchor,
                top_suppliers: top_suppliers.map(|n| n as usize),
                target_local_share,
                format,
                output,
                from_file,
            },
        ),
    }
}

/// A mapping file: `[columns]` field = "header as written in the file".
#[derive(Debug, serde::Deserialize)]
struct MappingFile {
    columns: BTreeMap<Field, String>,
}

fn read_mapping(path: &Path) -> Result<BTreeMap<Field, String>> {
    let text =
        std::fs::read_to_string(path).with_context(|| shared::cannot_read(path.display()))?;
    let parsed: MappingFile =
        toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    Ok(parsed.columns)
}

pub struct ImportArgs<'a> {
    pub files: &'a [PathBuf],
    pub anchor: Option<&'a str>,
    pub year: Option<FiscalYear>,
    pub period: Option<lumbung_spend::read::Period>,
    pub skip_bad_rows: bool,
    pub mapping: Option<&'a Path>,
    pub locale: Locale,
    pub sheet: Option<&'a str>,
}

/// `--anchor`: a name or an id. The CLI is the operator's tool and reaches
/// the whole database, so a name is looked for among every anchor; one
/// that fits several is refused with their ids.
fn anchor_ref(raw: Option<&str>) -> Option<OrgRef> {
    raw.map(|a| OrgRef::NameOrId(a.to_owned()))
}

/// What became of the files of one `spend import`.
#[derive(Default)]
struct Tally {
    imported: usize,
    held: usize,
    refused: usize,
}

impl Tally {
    fn files(&self) -> usize {
        self.imported + self.held + self.refused
    }

    fn count(&mut self, summary: &lumbung_store::SpendImportSummary) {
        if summary.already_imported || summary.import_id.is_none() {
            self.held += 1;
        } else {
            self.imported += 1;
        }
    }
}

/// Imports each file as one import: a folder's payment files and a ZIP
/// archive's, each in byte order of their names, and each sheet with a
/// header of a workbook. Every file is all or nothing: one with any bad
/// row is refused whole, with every problem, and the others go on.
pub fn import(store: &Store, args: &ImportArgs<'_>) -> Result<()> {
    let mapping = args.mapping.map(read_mapping).transpose()?;
    let mut tally = Tally::default();
    for path in args.files {
        let name = path.display().to_string();
        if path.is_dir() {
            for file in payment_files_in(path)? {
                import_path(store, &file, args, &mapping, &mut tally)?;
            }
        } else if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("zip"))
        {
            let bytes = std::fs::read(path).with_context(|| shared::cannot_read(&name))?;
            let mut archive = lumbung_tabular::archive::Archive::open(&bytes)
                .map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
            for entry in archive.payment_files() {
                let inner = format!("{name}/{entry}");
                match archive.read(&entry) {
                    Ok(bytes) => import_bytes(store, &inner, &bytes, args, &mapping, &mut tally)?,
                    Err(e) => {
                        eprintln!("{inner}: {e}");
                        tally.refused += 1;
                    }
                }
            }
        } else {
            import_path(store, path, args, &mapping, &mut tally)?;
        }
    }
    if tally.files() > 1 {
        println!(
            "{} files: {} imported, {} refused, {} already held",
            tally.files(),
            tally.imported,
            tally.refused,
            tally.held
        );
    }
    if tally.refused > 0 {
        bail!(
            "{} of {} files refused; nothing from them was imported",
            tally.refused,
            tally.files()
        );
    }
    Ok(())
}

/// A folder's payment files, its subfolders' too, in byte order of their
/// paths.
fn payment_files_in(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let entries =
            std::fs::read_dir(&folder).with_context(|| shared::cannot_read(folder.display()))?;
        for entry in entries {
            let path = entry
                .with_context(|| shared::cannot_read(folder.display()))?
                .path();
            if path.is_dir() {
                folders.push(path);
            } else if lumbung_tabular::archive::is_payment_file(&path.to_string_lossy()) {
                found.push(path);
            }
        }
    }
    found.sort_unstable_by(|a, b| {
        a.as_os_str()
            .as_encoded_bytes()
            .cmp(b.as_os_str().as_encoded_bytes())
    });
    Ok(found)
}

/// One file on disk: a large clean CSV through the fast scanner, else read
/// whole.
fn import_path(
    store: &Store,
    path: &Path,
    args: &ImportArgs<'_>,
    mapping: &Option<BTreeMap<Field, String>>,
    tally: &mut Tally,
) -> Result<()> {
    let name = path.display().to_string();
    if let Some(summary) = import_large(store, path, &name, args)? {
        report_import(&name, &summary);
        tally.count(&summary);
        return Ok(());
    }
    let bytes = std::fs::read(path).with_context(|| shared::cannot_read(&name))?;
    import_bytes(store, &name, &bytes, args, mapping, tally)
}

/// One file's bytes: a workbook with several sheets with a header as one
/// import per sheet (unless `--sheet` names one), anything else as one.
fn import_bytes(
    store: &Store,
    name: &str,
    bytes: &[u8],
    args: &ImportArgs<'_>,
    mapping: &Option<BTreeMap<Field, String>>,
    tally: &mut Tally,
) -> Result<()> {
    let options = lumbung_spend::read::ReadOptions {
        mapping: mapping.clone().unwrap_or_default(),
        ..Default::default()
    };
    let sheets = match args.sheet {
        Some(_) => None,
        None => lumbung_spend::read::sheets_with_header(name, bytes, &options)
            .ok()
            .flatten()
            .filter(|s| s.with_header.len() > 1),
    };
    let Some(lumbung_spend::read::Sheets {
        with_header,
        without,
    }) = sheets
    else {
        return import_one(
            store,
            name,
            bytes,
            args.sheet.map(str::to_owned),
            args,
            mapping,
            tally,
        );
    };
    if !without.is_empty() {
        println!(
            "{name}: sheets without a header row, skipped: {}",
            without.join(", ")
        );
    }
    for sheet in with_header {
        let named = format!("{name} [{sheet}]");
        import_one(store, &named, bytes, Some(sheet), args, mapping, tally)?;
    }
    Ok(())
}

fn import_one(
    store: &Store,
    name: &str,
    bytes: &[u8],
    sheet: Option<String>,
    args: &ImportArgs<'_>,
    mapping: &Option<BTreeMap<Field, String>>,
    tally: &mut Tally,
) -> Result<()> {
    let file = SpendFile {
        name,
        bytes,
        anchor: anchor_ref(args.anchor),
        year: args.year,
        period: args.period,
        skip_bad_rows: args.skip_bad_rows,
        locale: args.locale,
        sheet,
        mapping: mapping.clone(),
        reach: Scope::Global,
    };
    match store.import_spend_file(&file, &Actor::cli()) {
        Ok(summary) => {
            report_import(name, &summary);
            tally.count(&summary);
            Ok(())
        }
        Err(StoreError::Rejected(rejected)) => {
            eprint!("{rejected}");
            tally.refused += 1;
            Ok(())
        }
        Err(other) => Err(other.into()),
    }
}

/// Files larger than this go through the fast scanner first (clean CSV
/// ledgers of millions of rows); anything it cannot read falls back to the
/// general reader, which explains every problem.
const LARGE_FILE: u64 = 32 << 20;

fn import_large(
    store: &Store,
    path: &Path,
    name: &str,
    args: &ImportArgs<'_>,
) -> Result<Option<lumbung_store::SpendImportSummary>> {
    let size = std::fs::metadata(path)
        .with_context(|| shared::cannot_read(name))?
        .len();
    let csv_like = !path.extension().is_some_and(|e| {
        e.eq_ignore_ascii_case("xlsx")
            || e.eq_ignore_ascii_case("xls")
            || e.eq_ignore_ascii_case("ods")
    });
    if size < LARGE_FILE
        || !csv_like
        || args.mapping.is_some()
        || args.year.is_some()
        || args.period.is_some()
    {
        return Ok(None);
    }
    let settings = store.spend_settings()?;
    let bar = crate::shared::progress::bar("reading");
    // Streamed, never held whole: the file is read once for its digest
    // (the same file twice is one import) and once by the scanner.
    let sha = {
        use sha2::Digest;
        let mut hasher = sha2::Sha256::new();
        let mut file = std::fs::File::open(path).with_context(|| shared::cannot_read(name))?;
        std::io::copy(&mut file, &mut hasher).with_context(|| shared::cannot_read(name))?;
        hex::encode(hasher.finalize())
    };
    if let Some(id) = store.spend_import_by_sha(&sha)? {
        return Ok(Some(lumbung_store::SpendImportSummary {
            import_id: Some(id),
            already_imported: true,
            ..Default::default()
        }));
    }
    let scanned = match lumbung_spend::fast::scan_file(
        path,
        settings.calendar(),
        &mut crate::shared::progress::callback(&bar),
    ) {
        Ok(s) => s,
        // The general reader explains what the scanner cannot read.
        Err(_) => return Ok(None),
    };
    bar.finish_and_clear();
    Ok(Some(store.import_spend_facts(
        name,
        &sha,
        scanned,
        anchor_ref(args.anchor).as_ref(),
        &Actor::cli(),
    )?))
}

fn report_import(name: &str, summary: &lumbung_store::SpendImportSummary) {
    if summary.already_imported {
        println!(
            "{name}: already imported as import {}; nothing changed",
            summary.import_id.map_or(0, ImportId::get)
        );
        return;
    }
    match summary.import_id {
        Some(id) => println!(
            "{name}: import {id}: {} rows, {} stored (total {}), {} already held and skipped, {} flagged for review",
            summary.rows, summary.stored, summary.total, summary.skipped_duplicates, summary.flagged
        ),
        None => println!(
            "{name}: all {} rows are already held; nothing changed",
            summary.rows
        ),
    }
    if !summary.anchors_created.is_empty() {
        println!(
            "  new anchor institutions: {}",
            summary.anchors_created.join(", ")
        );
    }
    println!(
        "  suppliers: {} new, {} merged by name and postal code (listed for review)",
        summary.suppliers_created, summary.suppliers_merged
    );
    if summary.suppliers_suggested > 0 {
        println!(
            "  {} new suppliers look like others (another spelling or postal code): listed for review",
            summary.suppliers_suggested
        );
    }
    if summary.suppliers_located > 0 {
        println!(
            "  {} new suppliers located by a register (Companies House, a vendor master)",
            summary.suppliers_located
        );
    }
    if summary.bad_rows_skipped > 0 {
        println!(
            "  {} damaged rows skipped, kept with the import (spend imports --id {} --bad-rows): they held {}{}",
            summary.bad_rows_skipped,
            summary.import_id.map_or(0, ImportId::get),
            summary.bad_rows_amount,
            match summary.bad_rows_unreadable {
                0 => String::new(),
                n => format!(" and {n} amounts that cannot be read"),
            }
        );
    }
    for note in &summary.notes {
        println!("  note: {note}");
    }
}

pub fn imports(store: &Store, id: Option<i64>, bad_rows: bool) -> Result<()> {
    let list = store.spend_imports()?;
    if let Some(id) = id {
        if !list.iter().any(|i| i.id.get() == id) {
            bail!("there is no import {id}");
        }
    }
    if let (Some(id), true) = (id, bad_rows) {
        let rows = table::rows(store.spend_bad_rows(ImportId::new(id), None)?, |b| {
            vec![
                b.line.to_string(),
                b.amount
                    .map(|a| a.to_string())
                    .unwrap_or_else(|| "?".into()),
                b.reason,
                b.text,
            ]
        });
        print!(
            "{}",
            table::render(&["LINE", "AMOUNT", "WHY", "AS READ"], &rows)
        );
        return Ok(());
    }
    let list = list
        .into_iter()
        .filter(|i| id.is_none_or(|id| i.id.get() == id));
    let rows = table::rows(list, |i| {
        vec![
            i.id.to_string(),
            i.file_name,
            i.rows_read.to_string(),
            i.rows_stored.to_string(),
            i.rows_skipped.to_string(),
            i.total.to_string(),
            i.imported_at.chars().take(19).collect(),
            i.imported_by,
            i.undone_at
                .map(|u| u.chars().take(19).collect())
                .unwrap_or_default(),
        ]
    });
    print!(
        "{}",
        table::render(
            &["ID", "FILE", "ROWS", "STORED", "SKIPPED", "TOTAL", "IMPORTED", "BY", "UNDONE"],
            &rows
        )
    );
    Ok(())
}

pub fn flagged(store: &Store, import_id: Option<i64>, limit: u32) -> Result<()> {
    let flagged = store.spend_flagged(import_id.map(ImportId::new), limit)?;
    table::note_limit(flagged.len(), limit, "rows");
    let rows = table::rows(flagged, |f| {
        vec![
            f.import_id.to_string(),
            f.file_name,
            f.line.to_string(),
            f.message,
        ]
    });
    print!(
        "{}",
        table::render(&["IMPORT", "FILE", "LINE", "FOR REVIEW"], &rows)
    );
    Ok(())
}

pub fn suppliers(store: &Store, review: bool, search: Option<&str>, limit: u32) -> Result<()> {
    let list = store.suppliers(search, review, limit)?;
    table::note_limit(list.len(), limit, "suppliers");
    let rows = table::rows(list, |s| {
        vec![
            s.id.to_string(),
            s.name,
            s.postcode.unwrap_or_default(),
            s.area_code.unwrap_or_default(),
            s.sites.join(" "),
            s.keys.join(" "),
            s.review.unwrap_or_default(),
            match (s.located_by, s.located_postcode) {
                (Some(by), Some(pc)) => {
                    format!("{pc} ({by} {})", s.located_ref.unwrap_or_default())
                }
                _ => String::new(),
            },
        ]
    });
    print!(
        "{}",
        table::render(
            &[
                "ID",
                "NAME",
                "POSTCODE",
                "FIXED AREA",
                "SITES",
                "KEYS",
                "REVIEW",
                "REGISTERED"
            ],
            &rows
        )
    );
    Ok(())
}

pub fn merge_suppliers(store: &Store, keep: i64, other: i64) -> Result<()> {
    let moved =
        store.merge_suppliers(SupplierId::new(keep), SupplierId::new(other), &Actor::cli())?;
    println!("supplier {other} merged into {keep}: {moved} payments moved");
    Ok(())
}

pub fn split_supplier(store: &Store, supplier: i64, key: &str, name: &str) -> Result<()> {
    let new_id = store.split_supplier(SupplierId::new(supplier), key, name, &Actor::cli())?;
    println!("{key} split off supplier {supplier} into new supplier {new_id} ({name}); later imports follow");
    Ok(())
}

pub fn locate_supplier(store: &Store, supplier: i64, area: Option<&str>) -> Result<()> {
    let area = area.map(AreaCode::parse).transpose()?;
    store.locate_supplier(SupplierId::new(supplier), area.as_ref(), &Actor::cli())?;
    match area {
        Some(a) => println!("supplier {supplier} is located in {a}"),
        None => println!("supplier {supplier} is located by its postal code again"),
    }
    Ok(())
}

pub fn undo(store: &Store, id: i64) -> Result<()> {
    let import = store.undo_spend_import(ImportId::new(id), &Actor::cli())?;
    println!(
        "import {id} ({}) removed: {} payments, total {}",
        import.file_name, import.rows_stored, import.total
    );
    Ok(())
}

pub fn settings(
    store: &Store,
    local: Option<String>,
    region: Option<String>,
    fiscal_year_start: Option<u8>,
    count_branches: Option<bool>,
    target_local_share: Option<lumbung_domain::Share>,
) -> Result<()> {
    let mut current = store.spend_settings()?;
    if local.is_some()
        || region.is_some()
        || fiscal_year_start.is_some()
        || count_branches.is_some()
        || target_local_share.is_some()
    {
        if let Some(l) = local {
            current.local = Some(AreaCode::parse(&l)?.as_str().to_owned());
        }
        if let Some(r) = region {
            current.region = Some(AreaCode::parse(&r)?.as_str().to_owned());
        }
        if let Some(m) = fiscal_year_start {
            current.fiscal_year_start = m;
        }
        if let Some(b) = count_branches {
            current.count_branches = b;
        }
        if let Some(t) = target_local_share {
            current.target_local_share = Some(t);
        }
        store.set_spend_settings(&current, &Actor::cli())?;
    }
    let SpendSettings {
        local,
        region,
        fiscal_year_start,
        count_branches,
        target_local_share,
    } = current;
    println!(
        "local area:        {}",
        local.as_deref().unwrap_or("(not set)")
    );
    println!(
        "region:            {}",
        region.as_deref().unwrap_or("(not set)")
    );
    println!("fiscal year start: month {fiscal_year_start}");
    println!("count branches:    {count_branches}");
    if let Some(t) = target_local_share {
        println!("target local share: {t}");
    }
    Ok(())
}

/// `spend settings --anchor NAME [--fiscal-year-start M]`.
fn anchor_calendar(store: &Store, anchor: &str, month: Option<u8>) -> Result<()> {
    let Some(id) = store.anchor_id(anchor)? else {
        bail!("no anchor institution named {anchor:?} (see `lumbung orgs list`)");
    };
    if let Some(m) = month {
        let moved = store.set_anchor_fiscal_year_start(id, Some(m), &Actor::cli())?;
        println!("{anchor}: {moved} payments moved to their fiscal years");
    }
    let (own, settings) = store.anchor_fiscal_year_start(id)?;
    match own {
        Some(m) => println!("{anchor}: fiscal year starts in month {m} (its own)"),
        None => println!("{anchor}: fiscal year starts in month {settings} (the spend settings')"),
    }
    Ok(())
}

pub fn supplier_site(store: &Store, supplier: i64, area: &str, remove: bool) -> Result<()> {
    let area = AreaCode::parse(area)?;
    store.supplier_site(SupplierId::new(supplier), &area, remove, &Actor::cli())?;
    if remove {
        println!("supplier {supplier}: branch site in {area} removed");
    } else {
        println!("supplier {supplier}: branch site in {area} recorded");
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
    Xlsx,
}

pub struct ReportArgs {
    pub local: Option<String>,
    pub region: Option<String>,
    pub year: Option<FiscalYear>,
    pub anchor: Option<String>,
    pub top_suppliers: Option<usize>,
    pub target_local_share: Option<Share>,
    pub format: Format,
    pub output: Option<PathBuf>,
    pub from_file: Option<PathBuf>,
}

pub fn report(store: &Store, args: ReportArgs) -> Result<()> {
    let settings = store.spend_settings()?;
    let local = args
        .local
        .or(settings.local.clone())
        .map(|c| AreaCode::parse(&c))
        .transpose()?;
    let region = args
        .region
        .or(settings.region.clone())
        .map(|c| AreaCode::parse(&c))
        .transpose()?;
    if let (Some(l), Some(r)) = (&local, &region) {
        let (lp, rp) = (store.area_path(l.as_str())?, store.area_path(r.as_str())?);
        match (lp, rp) {
            (Some(lp), Some(rp)) if rp.contains(&lp) => {}
            (None, _) => {
                return Err(shared::said(text!("no_local_area", area = l;
                    id: "wilayah lokal {area} tidak ada", en: "local area {area} does not exist")))
            }
            (_, None) => {
                return Err(shared::said(text!("no_region", region = r;
                    id: "kawasan {region} tidak ada", en: "region {region} does not exist")))
            }
            _ => {
                return Err(shared::said(
                    text!("region_without_local", region = r, local = l;
                    id: "kawasan {region} harus mencakup wilayah lokal {local}",
                    en: "the region {region} must contain the local area {local}"),
                ))
            }
        }
    }
    let options = ReportOptions {
        year: args.year,
        anchor: None,
        top_suppliers: args.top_suppliers,
        target_local_share: args.target_local_share,
        top_leaking: None,
    };
    let report = match &args.from_file {
        Some(path) => {
            let bar = crate::shared::progress::bar("reading");
            let file = lumbung_spend::fast::scan_file(
                path,
                settings.calendar(),
                &mut crate::shared::progress::callback(&bar),
            )?;
            bar.finish_and_clear();
            let locations = store
                .spend_locator(local.as_ref(), region.as_ref())?
                .locate(&file.suppliers);
            let mut dims = file.dimensions(settings.calendar(), locations);
            let prefer = lumbung_spend::sectors::list_for(settings.fiscal_year_start);
            for (code, name) in dims.sectors.values_mut() {
                *name = lumbung_spend::sectors::label(code, prefer);
            }
            let anchor = match &args.anchor {
                Some(name) => Some(
                    file.anchors
                        .iter()
                        .position(|a| a.eq_ignore_ascii_case(name.trim()))
                        .with_context(|| {
                            format!("no anchor institution named {name:?} in {}", path.display())
                        })? as u32,
                ),
                None => None,
            };
            compute(
                &file.segments(),
                &dims,
                &ReportOptions { anchor, ..options },
            )
            .context("the spend report cannot be computed")?
        }
        None => {
            let dims =
                store.spend_dimensions(local.as_ref(), region.as_ref(), settings.calendar())?;
            let anchor = match &args.anchor {
                Some(name) => Some(
                    store
                        .anchor_id(name)?
                        .with_context(|| {
                            shared::Said(text!("no_anchor_named", name = format!("{name:?}");
                                id: "tidak ada lembaga jangkar bernama {name}",
                                en: "no anchor institution named {name}"))
                        })?
                        .get() as u32,
                ),
                None => None,
            };
            let facts = store.spend_facts()?;
            let refs: Vec<_> = facts.iter().collect();
            compute(&refs, &dims, &ReportOptions { anchor, ..options })
                .context("the spend report cannot be computed")?
        }
    };
    let selection = serde_json::json!({
        "local": local.as_ref().map(AreaCode::as_str),
        "region": region.as_ref().map(AreaCode::as_str),
        "year": args.year.map(|y| settings.calendar().label(y)),
        "anchor": args.anchor,
        "top_suppliers": args.top_suppliers,
        "from_file": args.from_file.as_ref().map(|p| p.display().to_string()),
    });
    let bytes = render(&report, &selection, args.format)?;
    match args.output {
        Some(path) => std::fs::write(&path, bytes).with_context(|| {
            shared::Said(text!("cannot_write", file = path.display();
                    id: "tidak dapat menulis {file}", en: "cannot write {file}"))
        })?,
        None => {
            if args.format == Format::Xlsx {
                return Err(shared::said(text!("xlsx_needs_output";
                    id: "xlsx memerlukan --output BERKAS", en: "xlsx needs --output FILE")));
            }
            use std::io::Write;
            std::io::stdout().write_all(&bytes)?;
        }
    }
    Ok(())
}

fn render(report: &SpendReport, selection: &serde_json::Value, format: Format) -> Result<Vec<u8>> {
    Ok(match format {
        Format::Json => export::json(report, selection)?,
        Format::Csv => export::csv(report)?,
        Format::Table => {
            let f = &report.figures;
            let mut out = String::new();
            out.push_str(&format!(
                "total {}  local {} ({})  regional {} ({})  outside/leakage {} ({})  unknown {} ({})\n\n",
                f.total,
                f.local,
                opt(&f.local_share),
                f.regional,
                opt(&f.regional_share),
                f.outside,
                opt(&f.outside_share),
                f.unknown,
                opt(&f.unknown_share)
            ));
            let rows = table::rows(cell_rows(report), |r| {
                vec![
                    r[0].clone(),
                    r[1].clone(),
                    r[2].clone(),
                    r[8].clone(),
                    r[9].clone(),
                    r[10].clone(),
                    r[11].clone(),
                ]
            });
            out.push_str(&table::render(
                &[
                    "ANCHOR", "YEAR", "TOTAL", "LOCAL", "REGIONAL", "OUTSIDE", "UNKNOWN",
                ],
                &rows,
            ));
            if !report.top_leaking_suppliers.is_empty() {
                out.push_str("\nTop leaking suppliers\n");
                let rows: Vec<Vec<String>> = report
                    .top_leaking_suppliers
                    .iter()
                    .map(|s| vec![s.supplier.clone(), s.leakage.to_string()])
                    .collect();
                out.push_str(&table::render(&["SUPPLIER", "LEAKAGE"], &rows));
            }
            if let Some(t) = &report.target {
                out.push_str(&format!(
                    "\nAt a local share of {}: {} more kept local\n",
                    t.target_local_share, t.extra_local
                ));
            }
            out.into_bytes()
        }
        Format::Xlsx => export::xlsx(report)?,
    })
}
