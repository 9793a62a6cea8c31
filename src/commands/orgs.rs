//! `lumbung orgs …`: the organisation registry.

use crate::shared::{import_path, table, Db};
use anyhow::Result;
use clap::Subcommand;
use lumbung_domain::org_file::parse_orgs;
use lumbung_domain::{ImportSummary, OrgKind};
use lumbung_store::{Actor, OrgFilter, Store};
use lumbung_tabular::{CsvFile, Header};
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum OrgsCommand {
    /// Import organisations from a CSV file (header with name,kind; all or nothing)
    #[command(
        long_about = "Import organisations from a CSV file, all or nothing.\n\n\
        The header must name the columns name and kind; area_code, company_number, npwp and \
        parent_id are optional. Every other column with a non-empty header becomes a free attribute \
        (key = the header, value = the cell; empty cells are skipped). A row updates the stored \
        organisation with the same company number or NPWP, else with the same name (any case), kind \
        and area, so the same file twice changes nothing."
    )]
    Import {
        /// The CSV file (UTF-8, with a header line)
        file: PathBuf,
    },
    /// List organisations by name
    List {
        /// Organisations whose name contains TEXT (any case), or with this company number or NPWP
        #[arg(long, value_name = "TEXT")]
        search: Option<String>,
        /// Only organisations of this kind (anchor, supplier, cooperative, bkm, ksm, upk, …)
        #[arg(long, value_parser = org_kind)]
        kind: Option<OrgKind>,
        /// Show at most this many organisations
        #[arg(long, default_value_t = 200)]
        limit: u32,
    },
}

fn org_kind(raw: &str) -> Result<OrgKind, String> {
    OrgKind::parse(raw).map_err(|e| e.to_string())
}

/// `lumbung orgs …`.
pub fn run(db: &Db, command: OrgsCommand) -> Result<()> {
    let store = db.open()?;
    match command {
        OrgsCommand::Import { file } => import_path(&store, &file, import_orgs_file),
        OrgsCommand::List {
            search,
            kind,
            limit,
        } => list(&store, search.as_deref(), kind, limit),
    }
}

/// Imports an organisations file given as bytes: the path of `orgs import`
/// and of the demo.
pub fn import_orgs_file(store: &Store, name: &str, bytes: &[u8]) -> Result<ImportSummary> {
    let file = CsvFile::read(name, bytes, Header::InFile);
    let (records, errors) = parse_orgs(&file)?;
    Ok(store.import_orgs(name, records, errors, &Actor::cli())?)
}

pub fn list(store: &Store, search: Option<&str>, kind: Option<OrgKind>, limit: u32) -> Result<()> {
    let filter = OrgFilter {
        query: search.map(str::to_owned),
        kind,
        within: None,
        match_identifiers: true,
    };
    let (orgs, total) = store.search_orgs(&filter, limit, 0)?;
    if orgs.is_empty() {
        eprintln!("no organisations found");
        return Ok(());
    }
    let rows: Vec<Vec<String>> = orgs
        .iter()
        .map(|o| {
            let area = match (&o.area_code, &o.area_name) {
                (Some(code), Some(name)) => format!("{code} {name}"),
                (Some(code), None) => code.clone(),
                _ => String::new(),
            };
            vec![o.id.to_string(), o.name.clone(), o.kind.clone(), area]
        })
        .collect();
    table::print_page(&["ID", "NAME", "KIND", "AREA"], &rows, total);
    Ok(())
}
