//! `lumbung orgs …`: the organisation registry.

use crate::table;
use anyhow::Result;
use lumbung_domain::org_file::parse_orgs;
use lumbung_domain::{ImportSummary, OrgKind};
use lumbung_store::{Actor, OrgFilter, Store};
use lumbung_tabular::{CsvFile, Header};

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
