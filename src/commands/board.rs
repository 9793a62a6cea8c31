//! `lumbung board …`: a kelurahan's public board published as a frozen,
//! fingerprinted version; exported as a file; a file checked against what
//! was published.

use crate::shared::{self, Db};
use anyhow::{Context, Result};
use clap::Subcommand;
use jiff::civil::Date;
use lumbung_domain::{text, BoardId};
use lumbung_programme::board::first_difference;
use lumbung_store::Actor;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum BoardCommand {
    /// Publish an area's board as of a date (default today): prints its id and SHA-256
    Publish {
        #[arg(value_name = "AREA_CODE")]
        area: String,
        /// Figures as of this date (YYYY-MM-DD)
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
    },
    /// Write a published board to a JSON file
    Export {
        id: i64,
        #[arg(long)]
        output: PathBuf,
    },
    /// Check a board file against what was published: exit 0 when it is exactly that, 1 naming the first differing field
    Verify {
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
}

pub fn run(db: &Db, command: BoardCommand) -> Result<()> {
    match command {
        BoardCommand::Publish { area, as_of } => {
            let store = db.open()?;
            let as_of = match as_of {
                Some(raw) => raw.trim().parse::<Date>().map_err(|_| {
                    shared::said(text!("board_bad_date", date = raw.clone();
                        id: "--as-of: tanggal {date:?} tidak sah (TTTT-BB-HH)",
                        en: "--as-of: {date:?} is not a date (YYYY-MM-DD)"))
                })?,
                None => store.clock().today(),
            };
            let published = store.publish_board(area.trim(), as_of, &Actor::cli())?;
            println!("{}\t{}", published.id, published.sha256);
            Ok(())
        }
        BoardCommand::Export { id, output } => {
            let store = db.open()?;
            let published = store
                .published_board(BoardId::new(id))?
                .ok_or_else(|| missing(id))?;
            let document = published
                .document()
                .context("the published board cannot be read")?;
            let text = serde_json::to_string_pretty(&document).expect("JSON serialises");
            std::fs::write(&output, text + "\n")
                .with_context(|| format!("cannot write {}", output.display()))?;
            Ok(())
        }
        BoardCommand::Verify { file } => {
            let name = file.display().to_string();
            let bytes = std::fs::read(&file).map_err(|_| shared::cannot_read(&name))?;
            let claimed: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
                shared::said(text!("board_not_json", file = name.clone(), line = e.line(), column = e.column();
                    id: "{file} baris {line} kolom {column}: bukan JSON papan informasi",
                    en: "{file} line {line} column {column}: not a board's JSON"))
            })?;
            let id = claimed.get("id").and_then(serde_json::Value::as_i64).ok_or_else(|| {
                shared::said(text!("board_no_id", file = name.clone();
                    id: "{file}: kolom \"id\" papan tidak ada", en: "{file}: the board's \"id\" field is missing"))
            })?;
            let store = db.open()?;
            let published = store
                .published_board(BoardId::new(id))?
                .ok_or_else(|| missing(id))?;
            if !published.intact() {
                return Err(shared::said(text!("board_store_altered", id = id;
                    id: "papan {id} yang tersimpan tidak lagi cocok dengan sidik SHA-256-nya",
                    en: "board {id} as stored no longer matches its SHA-256")));
            }
            let document = published
                .document()
                .context("the published board cannot be read")?;
            match first_difference(&document, &claimed) {
                None => {
                    println!(
                        "{name}: board {id} as published on {} (SHA-256 {})",
                        published.published_at, published.sha256
                    );
                    Ok(())
                }
                Some(field) => Err(shared::said(
                    text!("board_altered", file = name, id = id, field = field;
                    id: "{file} bukan papan {id} seperti diterbitkan: kolom {field} berbeda",
                    en: "{file} is not board {id} as published: the field {field} differs"),
                )),
            }
        }
    }
}

fn missing(id: i64) -> anyhow::Error {
    shared::said(text!("board_missing", id = id;
        id: "tidak ada papan terbitan {id}", en: "there is no published board {id}"))
}
