//! `lumbung procurement …`: public contracts in OCDS — imported as
//! publishers serve them, each process compiled by the merge routine.

use crate::shared::{self, Db};
use anyhow::{Context, Result};
use clap::Subcommand;
use lumbung_domain::text;
use lumbung_procurement::ocds;
use lumbung_store::{Actor, Store};
use std::path::PathBuf;

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

pub fn run(db: &Db, command: ProcurementCommand) -> Result<()> {
    let store = db.open()?;
    match command {
        ProcurementCommand::ImportOcds { files } => import_ocds(&store, &files),
        ProcurementCommand::Release {
            ocid,
            format: Format::Json,
        } => release(&store, &ocid),
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
