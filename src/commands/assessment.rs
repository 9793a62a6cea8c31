//! `lumbung procurement assess` and `procurement assessments`: suppliers
//! scored against the six social-value outcomes in rounds, and the
//! dashboard of a round.

use super::business::Format;
use crate::shared::{self, Db};
use anyhow::{Context, Result};
use clap::Args;
use lumbung_domain::{text, Scope};
use lumbung_procurement::assessment::{check_round, dashboard, read_assessments, Dashboard};
use lumbung_store::Actor;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct AssessArgs {
    /// The scores: `supplier,outcome,score[,evidence][,postcode]`, score 0–5
    file: PathBuf,
    /// The assessment round they belong to (e.g. 2026)
    #[arg(long)]
    round: String,
}

#[derive(Debug, Args)]
pub struct AssessmentsArgs {
    /// The round to show (default: the latest)
    #[arg(long)]
    round: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

pub fn assess(db: &Db, args: AssessArgs) -> Result<()> {
    let round =
        check_round(&args.round).map_err(|e| shared::said(e.prefixed("--round: ", "--round: ")))?;
    let name = args.file.display().to_string();
    let bytes = std::fs::read(&args.file).with_context(|| shared::cannot_read(&name))?;
    let rows = read_assessments(&name, &bytes)?;
    let kept = db
        .open()?
        .assess(&round, &name, &rows, &Scope::Global, &Actor::cli())?;
    println!(
        "round {}: {} scores kept, {} held already",
        kept.round, kept.stored, kept.unchanged
    );
    Ok(())
}

pub fn assessments(db: &Db, args: AssessmentsArgs) -> Result<()> {
    let store = db.open()?;
    let rounds = store.assessment_rounds()?;
    let round = match args.round {
        Some(r) => rounds.iter().find(|x| **x == r).cloned().ok_or_else(|| {
            shared::said(text!("assessment_no_round", round = r;
                id: "tidak ada putaran penilaian {round:?}", en: "there is no assessment round {round:?}"))
        })?,
        None => rounds.last().cloned().ok_or_else(|| {
            shared::said(text!("assessment_no_rounds";
                id: "belum ada penilaian pemasok: procurement assess BERKAS --round NAMA",
                en: "no supplier is assessed yet: procurement assess FILE --round NAME"))
        })?,
    };
    let previous = rounds
        .iter()
        .position(|r| *r == round)
        .and_then(|i| i.checked_sub(1))
        .map(|i| rounds[i].as_str());
    let d = dashboard(
        &round,
        previous,
        &store.assessment_scores(&Scope::Global)?,
        &store.assessment_spend(&Scope::Global)?,
    );
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&d)?),
        Format::Table => print!("{}", table(&d)),
    }
    Ok(())
}

fn table(d: &Dashboard) -> String {
    let rows: Vec<Vec<String>> = d
        .by_outcome
        .iter()
        .map(|o| {
            vec![
                o.outcome.as_str().to_owned(),
                o.suppliers.to_string(),
                o.mean.clone().unwrap_or_default(),
                o.previous_mean.clone().unwrap_or_default(),
                o.change.clone().unwrap_or_default(),
            ]
        })
        .collect();
    format!(
        "round {} ({} suppliers){}\n{}",
        d.round,
        d.suppliers,
        d.previous
            .as_ref()
            .map(|p| format!(", compared with {p}"))
            .unwrap_or_default(),
        shared::table::render(
            &["outcome", "suppliers", "mean", "previous_mean", "change"],
            &rows
        )
    )
}
