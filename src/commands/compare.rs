//! `lumbung compare --areas CODE,CODE,…`: several cities or programmes side
//! by side (seed 000's URBACT partner cities), each figure as its own
//! report gives it (`lumbung_partnerships::compare`).

use crate::shared::{self, table, Db};
use anyhow::Result;
use lumbung_partnerships::compare::{area_list, City};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CompareFormat {
    Table,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// The areas: city, kabupaten, kecamatan, kelurahan or district codes, separated by commas (at most 20)
    #[arg(long, value_name = "CODE,CODE,…")]
    areas: String,
    /// The date the fund and the cycle are judged on (default today)
    #[arg(long, value_name = "DATE")]
    as_of: Option<String>,
    #[arg(long, value_enum, default_value = "table")]
    format: CompareFormat,
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_else(|| "–".into())
}

fn row(c: &City) -> Vec<String> {
    let spend = c.spend.as_ref();
    let fund = c.fund.as_ref();
    let cycle = c.cycle.as_ref();
    let programme = c.programme.as_ref();
    vec![
        c.code.clone(),
        c.name.clone(),
        opt(spend.map(|s| s.figures.total)),
        opt(spend.and_then(|s| s.figures.local_share)),
        opt(spend
            .and_then(|s| s.progress.as_ref())
            .and_then(|p| p.local_share_change_pp.clone())),
        opt(fund.map(|f| f.outstanding)),
        opt(fund.and_then(|f| f.par)),
        opt(fund.and_then(|f| f.rr)),
        opt(cycle.map(|c| c.kelurahan)),
        opt(cycle.map(|c| c.late_or_stalled)),
        opt(programme.map(|p| p.blm_received)),
        opt(programme.map(|p| p.blm_spent.total)),
    ]
}

pub fn run(db: &Db, args: CompareArgs) -> Result<()> {
    let codes = area_list(&args.areas).map_err(shared::said)?;
    let as_of = match args.as_of.as_deref() {
        Some(raw) => Some(raw.trim().parse().map_err(|_| {
            shared::said(
                lumbung_domain::text!("compare_bad_date", value = format!("{raw:?}");
                id: "--as-of: {value} bukan tanggal seperti 2026-06-30",
                en: "--as-of: {value} is not a date such as 2026-06-30"),
            )
        })?),
        None => None,
    };
    let cities = db
        .open()?
        .compare(&codes, as_of, &lumbung_domain::Scope::Global)?;
    match args.format {
        CompareFormat::Json => println!("{}", serde_json::to_string_pretty(&cities)?),
        CompareFormat::Table => {
            let rows: Vec<Vec<String>> = cities.iter().map(row).collect();
            print!(
                "{}",
                table::render(
                    &[
                        "CODE",
                        "NAME",
                        "SPEND",
                        "LOCAL",
                        "CHANGE PP",
                        "OUTSTANDING",
                        "PAR",
                        "RR",
                        "KELURAHAN",
                        "LATE/STALLED",
                        "BLM RECEIVED",
                        "BLM SPENT",
                    ],
                    &rows
                )
            );
        }
    }
    Ok(())
}
