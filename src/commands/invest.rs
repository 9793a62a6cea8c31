//! `lumbung invest …`: local projects grouped into investment pools an
//! investor can take (seed 000), the grouping of most social value.

use crate::shared::{self, language};
use anyhow::{Context, Result};
use clap::Subcommand;
use lumbung_domain::{text, Money};
use lumbung_partnerships::pools::{group, read_projects, Constraints, Pools, Share4};
use serde_json::{json, Value};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum PoolFormat {
    Json,
    Table,
}

#[derive(Debug, Subcommand)]
pub enum InvestCommand {
    /// Group projects (project,amount,sector,risk,social_value) into pools placing the most social value
    #[command(
        long_about = "Group local projects into disjoint pools an investor can take: each pool's \
        total at least --min-size (and at most --max-size), its high-risk amount at most --max-high-risk \
        of its total, no sector more than --max-sector-share of it. The grouping maximises the social \
        value of the projects placed (ties: fewer pools, then the smallest amount placed); proven \
        optimal up to 20 projects, a heuristic with its bound beyond. See docs/partnerships.md."
    )]
    Pools {
        #[arg(value_name = "PROJECTS.csv")]
        file: PathBuf,
        #[arg(long, value_name = "AMOUNT")]
        min_size: String,
        #[arg(long, value_name = "AMOUNT")]
        max_size: Option<String>,
        /// A share from 0 to 1, such as 0.25
        #[arg(long, value_name = "SHARE")]
        max_high_risk: Option<String>,
        /// A share from 0 to 1, such as 0.5
        #[arg(long, value_name = "SHARE")]
        max_sector_share: Option<String>,
        #[arg(long, value_enum, default_value = "table")]
        format: PoolFormat,
    },
}

fn amount(flag: &str, raw: &str) -> Result<Money> {
    Money::parse_plain(raw.trim())
        .ok()
        .filter(|m| m.minor() > 0 && *m <= lumbung_partnerships::pools::AMOUNT_MAX)
        .ok_or_else(|| {
            shared::said(text!("invest_bad_amount", flag = flag, value = raw;
                id: "{flag}: {value:?} bukan jumlah di atas 0", en: "{flag}: {value:?} is not an amount above 0"))
        })
}

fn share(flag: &str, raw: &str) -> Result<Share4> {
    Share4::parse_plain(raw.trim())
        .ok()
        .filter(|s| (0..=Share4::UNIT).contains(&s.raw()))
        .ok_or_else(|| {
            shared::said(text!("invest_bad_share", flag = flag, value = raw;
                id: "{flag}: {value:?} bukan bagian 0 sampai 1 (paling banyak 4 desimal)",
                en: "{flag}: {value:?} is not a share from 0 to 1 (at most 4 decimals)"))
        })
}

pub fn run(command: InvestCommand) -> Result<()> {
    match command {
        InvestCommand::Pools {
            file,
            min_size,
            max_size,
            max_high_risk,
            max_sector_share,
            format,
        } => {
            let c = Constraints {
                min_size: amount("--min-size", &min_size)?,
                max_size: max_size
                    .as_deref()
                    .map(|m| amount("--max-size", m))
                    .transpose()?,
                max_high_risk: max_high_risk
                    .as_deref()
                    .map(|s| share("--max-high-risk", s))
                    .transpose()?,
                max_sector_share: max_sector_share
                    .as_deref()
                    .map(|s| share("--max-sector-share", s))
                    .transpose()?,
            };
            if c.max_size.is_some_and(|m| m < c.min_size) {
                return Err(shared::said(text!("invest_max_below_min";
                    id: "--max-size lebih kecil dari --min-size", en: "--max-size is below --min-size")));
            }
            let name = file.display().to_string();
            let bytes = std::fs::read(&file).with_context(|| shared::cannot_read(&name))?;
            let projects = read_projects(&name, &bytes)?;
            let pools = group(&projects, &c);
            match format {
                PoolFormat::Json => println!("{}", serde_json::to_string_pretty(&answer(&pools))?),
                PoolFormat::Table => table(&pools),
            }
            Ok(())
        }
    }
}

/// The JSON answer: the pools, the unplaced with their reason in words,
/// the totals, and the bound and gap when not proven optimal.
fn answer(p: &Pools) -> Value {
    let lang = language();
    let mut out = json!({
        "pools": p.pools,
        "unplaced": p.unplaced.iter().map(|(project, reason)| json!({
            "project": project, "reason": reason.words().get(lang),
        })).collect::<Vec<_>>(),
        "social_value_placed": p.social_value_placed.full().to_string(),
        "amount_placed": p.amount_placed,
        "optimal": p.optimal,
    });
    if let Some(bound) = p.upper_bound {
        let gap =
            lumbung_domain::fixed::Fixed::<2>::from_raw(bound.raw() - p.social_value_placed.raw());
        out["upper_bound"] = json!(bound.full().to_string());
        out["gap"] = json!(gap.full().to_string());
    }
    out
}

fn table(p: &Pools) {
    for (i, pool) in p.pools.iter().enumerate() {
        println!(
            "pool {}: {} · social value {} · high risk {} · {}",
            i + 1,
            pool.amount,
            pool.social_value,
            pool.high_risk_share,
            pool.projects.join(", ")
        );
    }
    let lang = language();
    for (project, reason) in &p.unplaced {
        println!("unplaced: {project} — {}", reason.words().get(lang));
    }
    println!(
        "placed: {} of social value, {} of amount; {}",
        p.social_value_placed.full(),
        p.amount_placed,
        match p.upper_bound {
            None => "optimal".to_owned(),
            Some(b) => format!("not proven optimal: bound {}", b.full()),
        }
    );
}
