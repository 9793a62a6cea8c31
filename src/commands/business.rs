//! `lumbung business …`: the local business base (see docs/procurement.md).

use crate::shared::{self, Db};
use anyhow::{Context, Result};
use clap::Subcommand;
use lumbung_domain::text;
use lumbung_procurement::business;
use lumbung_procurement::opportunities::Search;
use lumbung_spend::sectors::SectorList;
use lumbung_store::Actor;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum BusinessCommand {
    /// Import files of local businesses (CSV or XLSX), all or nothing; the
    /// same file twice changes nothing, a later file updates a business
    /// named by identifier, else by name and postcode, keeping the history
    Import {
        /// The files
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Where the records come from (a directory, a survey), kept with them
        #[arg(long, value_name = "NAME")]
        source: Option<String>,
    },
    /// Search the business base: by name (misspellings forgiven), sector
    /// (SIC/KBLI code or its prefix), area (within the area tree), size
    /// and form; every criterion given must hold
    List {
        #[arg(long, value_name = "TEXT")]
        name: Option<String>,
        #[arg(long, value_name = "CODE")]
        sector: Option<String>,
        /// The list `--sector` is of (`sic` or `kbli`; either when not given:
        /// the two lists share their digits, 16230 is joinery in one and
        /// wooden crates in the other)
        #[arg(long, value_parser = list)]
        list: Option<SectorList>,
        #[arg(long, value_name = "AREA")]
        area: Option<String>,
        #[arg(long, value_parser = size)]
        size: Option<business::Size>,
        #[arg(long, value_parser = form)]
        form: Option<business::Form>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
}

fn list(raw: &str) -> Result<SectorList, String> {
    SectorList::parse(raw).ok_or_else(|| "sic or kbli".to_owned())
}

fn size(raw: &str) -> Result<business::Size, String> {
    business::Size::parse(raw).ok_or_else(|| "micro, small, medium or large".to_owned())
}

fn form(raw: &str) -> Result<business::Form, String> {
    business::Form::parse(raw).ok_or_else(|| {
        "cooperative, employee_owned, social_enterprise, community_business, charity or conventional"
            .to_owned()
    })
}

pub fn run(db: &Db, command: BusinessCommand) -> Result<()> {
    let store = db.open()?;
    match command {
        BusinessCommand::Import { files, source } => {
            // Every file is read and checked before anything is stored.
            let mut read = Vec::with_capacity(files.len());
            for path in &files {
                let name = path.display().to_string();
                let bytes = std::fs::read(path).with_context(|| shared::cannot_read(&name))?;
                read.push((name.clone(), business::read_file(&name, &bytes)?));
            }
            let s = store.import_businesses(&read, source.as_deref(), &Actor::cli())?;
            println!(
                "businesses: {} new, {} updated, {} unchanged; linked to a supplier of the spend analysis: {}",
                s.created, s.updated, s.unchanged, s.linked
            );
            Ok(())
        }
        BusinessCommand::List {
            name,
            sector,
            list,
            area,
            size,
            form,
            format,
        } => {
            let search = Search {
                name,
                sector,
                list,
                area_path: None,
                size,
                form,
            };
            let found = store
                .find_businesses(search, area.as_deref().map(str::trim))?
                .ok_or_else(|| {
                    shared::said(text!("unknown_area", area = area.unwrap_or_default();
                        id: "wilayah {area} tidak ada", en: "no area {area}"))
                })?;
            match format {
                Format::Json => {
                    let list: Vec<_> = found
                        .iter()
                        .map(|c| {
                            serde_json::json!({"id": c.id, "name": c.name, "form": c.form, "size": c.size,
                                "area": c.area, "sectors": c.sectors, "consent": c.consent})
                        })
                        .collect();
                    println!("{}", serde_json::to_string_pretty(&list)?);
                }
                Format::Table => {
                    let rows: Vec<Vec<String>> = found
                        .iter()
                        .map(|c| {
                            vec![
                                c.id.to_string(),
                                c.name.clone(),
                                c.size.map(|s| s.as_str().to_owned()).unwrap_or_default(),
                                c.area.clone().unwrap_or_default(),
                                c.sectors.join(";"),
                                if c.consent { "yes" } else { "no" }.to_owned(),
                            ]
                        })
                        .collect();
                    print!(
                        "{}",
                        shared::table::render(
                            &["id", "name", "size", "area", "sectors", "consent"],
                            &rows
                        )
                    );
                }
            }
            Ok(())
        }
    }
}
