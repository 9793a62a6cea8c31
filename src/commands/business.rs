//! `lumbung business …`: the local business base (see docs/procurement.md).

use crate::shared::{self, Db};
use anyhow::{Context, Result};
use clap::Subcommand;
use lumbung_procurement::business;
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
    }
}
