//! `lumbung programme`: the P2KP programme's BLM grants and activities
//! imported from files, and the report of any area (seed 002's table).

use super::procurement::{csv_bytes, needs_output, write_out, xlsx, ReportFormat};
use crate::shared::{self, Db};
use anyhow::{Context, Result};
use clap::Subcommand;
use lumbung_programme::files::{read_activities, read_grants};
use lumbung_programme::report::{Figures, Report};
use lumbung_store::{Actor, ProgrammeImport};
use std::path::{Path, PathBuf};

#[derive(Debug, Subcommand)]
pub enum ProgrammeCommand {
    /// Import BLM grant tranches: `kelurahan,programme,tranche,date,amount`
    ImportGrants { file: PathBuf },
    /// Import activities: `kelurahan,programme,year,activity,kind,implementer,blm,spent,
    /// swadaya_cash,swadaya_labour_days,swadaya_wage,swadaya_materials,other_funds,
    /// beneficiaries,beneficiaries_poor,beneficiaries_women,progress`
    ImportActivities { file: PathBuf },
    /// Import plans (PJM Pronangkis, annual): `kelurahan,plan,years,problem,activity,kind,location,
    /// poor_households,women,cost,blm,swadaya,government,companies,other_programmes,schedule,
    /// responsible,musrenbang,spkd`; a changed plan becomes a new version, waiting for the BKM's approval
    ImportPlan { file: PathBuf },
    /// A programme's tranche rules: show them, or set them (flags, never refusals)
    Rules {
        /// The programme (its name)
        #[arg(long, value_name = "NAME")]
        programme: String,
        /// Whether the first tranche of a year needs an approved plan governing it
        #[arg(long, value_name = "yes|no", value_parser = clap::builder::BoolishValueParser::new())]
        plan_required: Option<bool>,
        /// The share (percent) of the tranches before a tranche that must be reported spent
        #[arg(long, value_name = "PERCENT")]
        previous_spent_percent: Option<u8>,
        /// Each tranche's share of the grant in percent, adding up to 100 (e.g. 20,50,30); "" for none
        #[arg(long, value_name = "PERCENTS")]
        shares: Option<String>,
    },
    /// BLM received, allocated and spent by kind, swadaya and its leverage,
    /// beneficiaries and implementers of an area and of each area below it
    Report {
        /// The area: a kelurahan, kecamatan, kabupaten/kota or province code
        #[arg(long, value_name = "CODE")]
        area: String,
        /// Only this programme (its name)
        #[arg(long, value_name = "NAME")]
        programme: Option<String>,
        /// Only this year (activities' year, grants' date)
        #[arg(long)]
        year: Option<i32>,
        #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
        format: ReportFormat,
        /// Write to this file (needed for xlsx)
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

pub fn run(db: &Db, command: ProgrammeCommand) -> Result<()> {
    match command {
        ProgrammeCommand::ImportGrants { file } => {
            let (name, bytes) = read(&file)?;
            let rows = read_grants(&name, &bytes)?;
            let done = db
                .open()?
                .import_programme(&name, &bytes, &rows, &Actor::cli())?;
            say(&name, &done)
        }
        ProgrammeCommand::ImportActivities { file } => {
            let (name, bytes) = read(&file)?;
            let rows = read_activities(&name, &bytes)?;
            let done = db
                .open()?
                .import_programme(&name, &bytes, &rows, &Actor::cli())?;
            say(&name, &done)
        }
        ProgrammeCommand::ImportPlan { file } => {
            let (name, bytes) = read(&file)?;
            let plans = lumbung_programme::plan::read_plans(&name, &bytes)?;
            let done = db
                .open()?
                .import_programme(&name, &bytes, &plans, &Actor::cli())?;
            say(&name, &done)
        }
        ProgrammeCommand::Rules {
            programme,
            plan_required,
            previous_spent_percent,
            shares,
        } => {
            let store = db.open()?;
            let held = store.programme_rules(&programme)?.unwrap_or_default();
            if plan_required.is_some() || previous_spent_percent.is_some() || shares.is_some() {
                let shares = match shares {
                    None => held.shares.clone(),
                    Some(raw) => raw
                        .split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(|s| s.parse::<u8>())
                        .collect::<std::result::Result<Vec<_>, _>>()
                        .map_err(|_| {
                            shared::said(
                                lumbung_domain::text!("programme_shares_numbers", raw = raw.clone();
                                id: "--shares: {raw:?} bukan persentase seperti 20,50,30",
                                en: "--shares: {raw:?} is not percentages such as 20,50,30"),
                            )
                        })?,
                };
                let rules = lumbung_programme::review::TrancheRules::new(
                    shares,
                    plan_required.unwrap_or(held.plan_required),
                    previous_spent_percent.unwrap_or(held.previous_spent_percent),
                )
                .map_err(shared::said)?;
                store.set_programme_rules(&programme, rules, &Actor::cli())?;
            }
            let rules = store.programme_rules(&programme)?.unwrap_or_default();
            println!("{}", serde_json::to_string(&rules)?);
            Ok(())
        }
        ProgrammeCommand::Report {
            area,
            programme,
            year,
            format,
            output,
        } => {
            let r = db
                .open()?
                .programme_report(&area, programme.as_deref(), year, None)?;
            write_report(&r, format, output.as_deref())
        }
    }
}

fn read(file: &Path) -> Result<(String, Vec<u8>)> {
    let name = file.display().to_string();
    let bytes = std::fs::read(file).with_context(|| shared::cannot_read(&name))?;
    Ok((name, bytes))
}

fn say(name: &str, done: &ProgrammeImport) -> Result<()> {
    if done.held_already {
        println!("{name}: imported before, nothing changed");
        return Ok(());
    }
    println!(
        "{name}: {} new, {} new versions, {} unchanged; {} flagged for review",
        done.stored,
        done.versions,
        done.unchanged,
        done.flags.len()
    );
    for f in &done.flags {
        println!("  review: {}", serde_json::to_string(f)?);
    }
    for c in &done.capital {
        println!(
            "  capital: {} {} {} → UPK {}: {} (journal entry {})",
            c.kelurahan, c.programme, c.year, c.upk_id, c.amount, c.journal_sequence
        );
    }
    Ok(())
}

const HEADERS: [&str; 22] = [
    "code",
    "name",
    "kelurahan",
    "blm_received",
    "blm_allocated_economic",
    "blm_allocated_physical",
    "blm_allocated_social",
    "blm_allocated_total",
    "blm_spent_economic",
    "blm_spent_physical",
    "blm_spent_social",
    "blm_spent_total",
    "blm_unallocated",
    "swadaya_cash",
    "swadaya_labour",
    "swadaya_materials",
    "swadaya_total",
    "leverage_total",
    "beneficiaries",
    "beneficiaries_poor",
    "beneficiaries_women",
    "implementers",
];

fn row(code: &str, name: &str, f: &Figures) -> Vec<String> {
    let m = |v: lumbung_domain::Money| v.to_string();
    vec![
        code.to_owned(),
        name.to_owned(),
        f.kelurahan.to_string(),
        m(f.blm_received),
        m(f.blm_allocated.economic),
        m(f.blm_allocated.physical),
        m(f.blm_allocated.social),
        m(f.blm_allocated.total),
        m(f.blm_spent.economic),
        m(f.blm_spent.physical),
        m(f.blm_spent.social),
        m(f.blm_spent.total),
        m(f.blm_unallocated),
        m(f.swadaya.cash),
        m(f.swadaya.labour),
        m(f.swadaya.materials),
        m(f.swadaya.total),
        f.leverage.total.clone().unwrap_or_default(),
        f.beneficiaries.all.to_string(),
        f.beneficiaries.poor.to_string(),
        f.beneficiaries.women.to_string(),
        f.implementers.to_string(),
    ]
}

/// The area first, then each area below it.
fn rows(r: &Report) -> Vec<Vec<String>> {
    std::iter::once(row(&r.code, &r.name, &r.figures))
        .chain(r.by_area.iter().map(|a| row(&a.code, &a.name, &a.figures)))
        .collect()
}

fn write_report(r: &Report, format: ReportFormat, output: Option<&Path>) -> Result<()> {
    let rows = rows(r);
    let bytes = match format {
        ReportFormat::Json => format!("{}\n", serde_json::to_string_pretty(r)?).into_bytes(),
        ReportFormat::Table => shared::table::render(&HEADERS, &rows).into_bytes(),
        ReportFormat::Csv => csv_bytes(&HEADERS, &rows)?,
        ReportFormat::Xlsx => {
            needs_output(output)?;
            xlsx(
                "programme",
                &HEADERS,
                &rows,
                &[3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16],
                &[2, 18, 19, 20, 21],
            )?
        }
    };
    write_out(&bytes, output)
}
