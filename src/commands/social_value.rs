//! `lumbung procurement proxies import` and `procurement evaluate`: a
//! tender's bids weighed on price, quality and social value.

use super::business::Format;
use crate::shared::{self, Db};
use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use lumbung_domain::text;
use lumbung_procurement::evaluation::{self, Evaluation, Weights};
use lumbung_procurement::social_value::{read_proxies, ProxySet};
use lumbung_store::Actor;
use std::path::{Path, PathBuf};

#[derive(Debug, Subcommand)]
pub enum ProxiesCommand {
    /// Load a proxy set (`measure,outcome,unit,proxy_value[,description]`)
    /// as the one in use; the same values again change nothing
    Import {
        /// The file (CSV or XLSX)
        file: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// The bids: `bidder,price,quality` (quality 0–100)
    bids: PathBuf,
    /// The social-value commitments: `bidder,measure,quantity`
    #[arg(long, value_name = "FILE")]
    commitments: Option<PathBuf>,
    /// The proxy values (default: the set loaded by `proxies import`)
    #[arg(long, value_name = "FILE")]
    proxies: Option<PathBuf>,
    /// How much of 100 each part weighs
    #[arg(long, value_name = "price=60,quality=30,social=10")]
    weights: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

fn read(path: &Path) -> Result<(String, Vec<u8>)> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).with_context(|| shared::cannot_read(&name))?;
    Ok((name, bytes))
}

pub fn proxies(db: &Db, command: ProxiesCommand) -> Result<()> {
    let ProxiesCommand::Import { file } = command;
    let (name, bytes) = read(&file)?;
    let set = read_proxies(&name, &bytes)?;
    let done = db.open()?.import_proxies(&name, &set, &Actor::cli())?;
    if done.unchanged {
        println!(
            "proxy set {} in use has these {} values already: nothing changed",
            done.set, done.measures
        );
    } else {
        println!("proxy set {} in use: {} measures", done.set, done.measures);
    }
    Ok(())
}

pub fn evaluate(db: &Db, args: EvaluateArgs) -> Result<()> {
    let weights = match &args.weights {
        Some(raw) => Weights::parse(raw)
            .map_err(|e| shared::said(e.prefixed("--weights: ", "--weights: ")))?,
        None => Weights::default(),
    };
    let proxies: ProxySet = match &args.proxies {
        Some(path) => {
            let (name, bytes) = read(path)?;
            read_proxies(&name, &bytes)?
        }
        None => match db.open()?.proxies()? {
            Some((_, set)) => set,
            None => {
                return Err(shared::said(text!("evaluate_needs_proxies";
                    id: "belum ada nilai proksi: pakai --proxies BERKAS atau procurement proxies import BERKAS",
                    en: "no proxy values are loaded: give --proxies FILE or run procurement proxies import FILE")))
            }
        },
    };
    let (name, bytes) = read(&args.bids)?;
    let bids = evaluation::read_bids(&name, &bytes)?;
    let commitments = match &args.commitments {
        Some(path) => {
            let (name, bytes) = read(path)?;
            evaluation::read_commitments(&name, &bytes, &bids, &proxies)?
        }
        None => Vec::new(),
    };
    let e = evaluation::evaluate(&weights, &bids, &commitments, &proxies)
        .map_err(|e| shared::said(e.text()))?;
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&e)?),
        Format::Table => print!("{}", table(&e)),
    }
    Ok(())
}

fn table(e: &Evaluation) -> String {
    let headers = [
        "rank",
        "bidder",
        "price",
        "quality",
        "social_value",
        "price_score",
        "quality_score",
        "social_score",
        "total",
    ];
    let rows: Vec<Vec<String>> = e
        .bids
        .iter()
        .map(|b| {
            vec![
                b.rank.to_string(),
                b.bidder.clone(),
                b.price.to_string(),
                b.quality.clone(),
                b.social_value.to_string(),
                b.price_score.clone(),
                b.quality_score.clone(),
                b.social_score.clone(),
                b.total.clone(),
            ]
        })
        .collect();
    format!(
        "weights: price {}, quality {}, social {}\n{}winner: {}\n",
        e.weights.price,
        e.weights.quality,
        e.weights.social,
        shared::table::render(&headers, &rows),
        e.winner
    )
}
