//! `lumbung areas …`: the area tree (from an areas CSV or the BPS files of
//! Indonesia) and the postcode map.

use crate::shared::{self, import_path, progress, table, Db};
use anyhow::{bail, Context, Result};
use clap::Subcommand;
use lumbung_domain::area_file::{parse_areas, parse_bps, parse_postcodes, BPS_LEVELS, INDONESIA};
use lumbung_domain::{text, AreaRecord, ImportSummary, PostalCode, RowError};
use lumbung_store::{Actor, AreaFilter, Store, StoreError};
use lumbung_tabular::{CsvFile, Header};
use std::path::{Path, PathBuf};

#[derive(Debug, Subcommand)]
pub enum AreasCommand {
    /// Import areas from a CSV file with the header code,name,parent_code[,kind] (all or nothing)
    #[command(long_about = "Import areas from a CSV file, all or nothing.\n\n\
        The header line names the columns code, name, parent_code and optionally kind (any order, any \
        case). An empty parent_code makes a root area. Parents may come later in the file or be \
        stored already. Rows already stored unchanged are left alone, so the same file twice changes \
        nothing. Any problem (a bad row, a missing parent, a cycle, a duplicate code) rejects the \
        whole file and lists every problem with its line and column. See docs/areas.md.")]
    Import {
        /// The CSV file (UTF-8, with a header line)
        file: PathBuf,
    },
    /// Import the BPS areas of Indonesia (provinces, regencies, districts, villages) from a directory
    #[command(
        long_about = "Import the BPS administrative areas of Indonesia from DIR, all or nothing.\n\n\
        DIR holds provinces.csv (id,name), regencies.csv, districts.csv and villages.csv \
        (id,parent_id,name), without header lines. A root area ID \"Indonesia\" (kind country) is \
        created when missing; provinces sit under it. Kinds: province, regency, district, kelurahan.\n\n\
        Duplicate ids: the first row with an id keeps it; each later row with the same id is imported \
        with the id plus a suffix -2, -3, … (e.g. 9107182005-2), and a warning names the file, line, \
        id, both names and the new code. Rows under a duplicated id belong to the first row with it.\n\n\
        Re-running with the same files changes nothing. See docs/areas.md."
    )]
    ImportIndonesia {
        /// Directory with provinces.csv, regencies.csv, districts.csv and villages.csv
        dir: PathBuf,
    },
    /// Import a postcode map from a CSV file with the header prefix,area_code (all or nothing)
    #[command(
        long_about = "Import a postcode map from a CSV file, all or nothing.\n\n\
        Header: prefix,area_code. A prefix is upper-cased with spaces removed. UK postcodes (with \
        letters) are matched by their outward code (all but the last three characters: PR1 2HE → \
        PR1); other postal codes by the longest mapped prefix. See docs/areas.md."
    )]
    MapPostcodes {
        /// The CSV file (UTF-8, with a header line)
        file: PathBuf,
    },
    /// Print the area a postcode maps to (exit status 1 when none)
    Locate {
        /// A postal code, e.g. "PR1 2HE" or 42182
        postcode: String,
    },
    /// List areas: the roots, the children of --parent, or those matching --search
    List {
        /// List the children of this area (with --search: search inside it)
        #[arg(long, value_name = "CODE")]
        parent: Option<String>,
        /// Areas whose name contains TEXT (any case) or whose code is TEXT
        #[arg(long, value_name = "TEXT")]
        search: Option<String>,
        /// Show at most this many areas
        #[arg(long, default_value_t = 200)]
        limit: u32,
    },
}

/// `lumbung areas …`.
pub fn run(db: &Db, command: AreasCommand) -> Result<()> {
    let store = db.open()?;
    match command {
        AreasCommand::Import { file } => import_path(&store, &file, import_areas_file),
        AreasCommand::ImportIndonesia { dir } => import_indonesia(&store, &dir),
        AreasCommand::MapPostcodes { file } => import_path(&store, &file, import_postcodes_file),
        AreasCommand::Locate { postcode } => locate(&store, &postcode),
        AreasCommand::List {
            parent,
            search,
            limit,
        } => list(&store, parent.as_deref(), search.as_deref(), limit),
    }
}

// ---------------------------------------------------------------- areas CSV

/// Imports an areas file given as bytes: the path of `areas import` and of
/// the demo.
pub fn import_areas_file(store: &Store, name: &str, bytes: &[u8]) -> Result<ImportSummary> {
    let file = CsvFile::read(name, bytes, Header::InFile);
    let (records, errors) = parse_areas(&file)?;
    import_records(store, name, records, errors, vec![])
}

/// Hands parsed areas to the store with a progress bar.
pub fn import_records(
    store: &Store,
    name: &str,
    records: Vec<AreaRecord>,
    errors: Vec<RowError>,
    warnings: Vec<String>,
) -> Result<ImportSummary> {
    let bar = progress::bar("areas");
    let result = store.import_areas(
        name,
        records,
        errors,
        warnings,
        &Actor::cli(),
        &mut progress::callback(&bar),
    );
    bar.finish_and_clear();
    match result {
        Ok(summary) => Ok(summary),
        // Problems found while reading and those found against the tree,
        // listed in file order.
        Err(StoreError::Rejected(mut rejected)) => {
            rejected.errors.sort_by_key(|e| e.line);
            Err(StoreError::Rejected(rejected).into())
        }
        Err(other) => Err(other.into()),
    }
}

// ------------------------------------------------------------ BPS Indonesia

/// Imports the BPS files: the path of `areas import-indonesia` and of the
/// demo. `label` names the set in the audit log (the directory).
pub fn import_bps(
    store: &Store,
    label: &str,
    files: &[(String, &[u8]); 4],
) -> Result<(ImportSummary, [u64; 4])> {
    let root_stored = store.area(INDONESIA.0)?.is_some();
    let mut batch = parse_bps(files, root_stored);
    let records = std::mem::take(&mut batch.records);
    let errors = std::mem::take(&mut batch.errors);
    let warnings = std::mem::take(&mut batch.warnings);
    match import_records(store, label, records, errors, warnings) {
        Ok(summary) => Ok((summary, batch.counts)),
        Err(e) => match e.downcast::<StoreError>() {
            Ok(StoreError::Rejected(rejected)) => bail!("{}", batch.explain(rejected).trim_end()),
            Ok(other) => Err(other.into()),
            Err(other) => Err(other),
        },
    }
}

pub fn import_indonesia(store: &Store, dir: &Path) -> Result<()> {
    let mut contents = Vec::with_capacity(4);
    for (file, _, _) in BPS_LEVELS {
        let path = dir.join(file);
        let name = path.display().to_string();
        let bytes = std::fs::read(&path).with_context(|| shared::cannot_read(&name))?;
        contents.push((name, bytes));
    }
    let files: [(String, &[u8]); 4] =
        std::array::from_fn(|i| (contents[i].0.clone(), contents[i].1.as_slice()));
    let label = dir.display().to_string();
    let (summary, counts) = import_bps(store, &label, &files)?;
    println!(
        "{label}: read {} provinces, {} regencies, {} districts, {} villages",
        counts[0], counts[1], counts[2], counts[3]
    );
    print!("{label}: {summary}");
    Ok(())
}

// ------------------------------------------------------------ postcode map

/// Imports a postcode map given as bytes: the path of `areas map-postcodes`
/// and of the demo.
pub fn import_postcodes_file(store: &Store, name: &str, bytes: &[u8]) -> Result<ImportSummary> {
    let file = CsvFile::read(name, bytes, Header::InFile);
    let (records, errors) = parse_postcodes(&file)?;
    Ok(store.import_postcodes(name, records, errors, &Actor::cli())?)
}

pub fn locate(store: &Store, raw: &str) -> Result<()> {
    let postcode = PostalCode::parse(raw)?;
    let Some(found) = store.locate_postcode(&postcode)? else {
        return Err(shared::said(text!("postcode_not_mapped",
            prefixes = postcode.lookup_prefixes().join(", "), code = raw.trim();
            id: "kode pos {code} tidak ada di peta kode pos (dicari {prefixes})",
            en: "postcode {code} is not in the postcode map (looked for {prefixes})")));
    };
    let area = &found.area;
    println!(
        "{}  {}  {}",
        area.code,
        area.name,
        area.kind.as_deref().unwrap_or("-")
    );
    let lineage: Vec<String> = store
        .area_lineage(&area.code)?
        .into_iter()
        .map(|a| a.name)
        .collect();
    println!(
        "matched {} by prefix {}; in {}",
        found.postcode,
        found.prefix,
        lineage.join(" > ")
    );
    Ok(())
}

// ------------------------------------------------------------------ listing

pub fn list(store: &Store, parent: Option<&str>, search: Option<&str>, limit: u32) -> Result<()> {
    let within = match parent {
        None => None,
        Some(code) => Some(store.area_path(code)?.with_context(|| {
            shared::Said(text!("cli_area_not_found", area = code;
                        id: "wilayah {area} tidak ditemukan", en: "area {area} not found"))
        })?),
    };
    let (areas, total) = match search {
        Some(query) => store.search_areas(
            &AreaFilter {
                query: Some(query.to_owned()),
                kind: None,
                within,
            },
            limit,
            0,
        )?,
        None => {
            let mut all = store.area_children(parent)?;
            let total = all.len() as u64;
            all.truncate(limit as usize);
            (all, total)
        }
    };
    if areas.is_empty() {
        eprintln!("no areas found");
        return Ok(());
    }
    let rows = table::rows(&areas, |a| {
        vec![
            a.code.clone(),
            a.name.clone(),
            a.kind.clone().unwrap_or_default(),
        ]
    });
    table::print_page(&["CODE", "NAME", "KIND"], &rows, total);
    Ok(())
}
