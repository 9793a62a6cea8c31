//! `lumbung procurement lm3` and `lumbung spend whatif`: the local
//! multiplier of the anchors' spend, and scenarios that keep more of it
//! local (see docs/procurement.md).

use super::business::Format;
use crate::shared::{self, Db};
use anyhow::{Context, Result};
use clap::Args;
use lumbung_domain::{text, AreaCode, FiscalYear, Share};
use lumbung_procurement::lm3::{read_respend, Lm3, RespendRow};
use lumbung_procurement::whatif::{Shift, WhatIf};
use lumbung_store::{SpendSelection, Store};
use std::path::{Path, PathBuf};

/// Which spend a figure counts.
#[derive(Debug, Args)]
pub struct Selection {
    /// Only this anchor institution (default: all)
    #[arg(long, value_name = "NAME")]
    anchor: Option<String>,
    /// Only this fiscal year (2023 or 2023/24; default: all)
    #[arg(long, value_name = "FY", value_parser = fiscal_year)]
    year: Option<FiscalYear>,
}

#[derive(Debug, Args)]
pub struct Lm3Args {
    /// The survey: `supplier,local_respend_share` (0–1), optionally `postcode`
    #[arg(long, value_name = "FILE")]
    respend: PathBuf,
    #[command(flatten)]
    selection: Selection,
    /// The local area (default: the spend settings')
    #[arg(long, value_name = "AREA")]
    local: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Args)]
pub struct WhatIfArgs {
    /// Move SHARE (0.25 or 25%) of the outside spend in SECTOR (its code
    /// or name) to local suppliers; repeat for more sectors
    #[arg(long, value_name = "SECTOR=SHARE", required = true)]
    shift: Vec<String>,
    #[command(flatten)]
    selection: Selection,
    /// The local share aimed at (default: spend settings --target-local-share)
    #[arg(long, value_name = "SHARE", value_parser = super::spend::share)]
    target_local_share: Option<Share>,
    /// A re-spend survey, for the local multiplier before and after
    #[arg(long, value_name = "FILE")]
    respend: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

fn fiscal_year(raw: &str) -> Result<FiscalYear, String> {
    FiscalYear::parse(raw).map_err(|e| e.to_string())
}

fn selection(store: &Store, s: &Selection, local: Option<&str>) -> Result<SpendSelection> {
    let anchor = match &s.anchor {
        Some(name) => Some(store.anchor_id(name)?.with_context(|| {
            shared::Said(text!("no_anchor_named", name = format!("{name:?}");
                id: "tidak ada lembaga jangkar bernama {name}",
                en: "no anchor institution named {name}"))
        })?),
        None => None,
    };
    Ok(SpendSelection {
        anchor,
        year: s.year,
        local: local.map(AreaCode::parse).transpose()?,
    })
}

fn survey(path: &Path) -> Result<(String, Vec<RespendRow>)> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).with_context(|| shared::cannot_read(&name))?;
    let rows = read_respend(&name, &bytes)?;
    Ok((name, rows))
}

fn warn_ignored(file: &str, m: &Lm3) {
    for i in &m.ignored {
        let t = text!("lm3_ignored", file = file, line = i.line, supplier = i.supplier;
            id: "peringatan: {file} baris {line}: {supplier} bukan pemasok lokal, diabaikan",
            en: "warning: {file} line {line}: {supplier} is not a local supplier, ignored");
        eprintln!("{}", t.get(shared::language()));
    }
}

pub fn lm3(db: &Db, args: Lm3Args) -> Result<()> {
    let store = db.open()?;
    let (file, rows) = survey(&args.respend)?;
    let sel = selection(&store, &args.selection, args.local.as_deref())?;
    // The command line is the database's operator: every supplier is seen.
    let m = store.local_multiplier(&sel, &lumbung_domain::Scope::Global, &file, &rows)?;
    warn_ignored(&file, &m);
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&m)?),
        Format::Table => {
            let headers = [
                "anchor",
                "round1",
                "round2",
                "round3",
                "lm3",
                "coverage",
                "surveyed_suppliers",
                "local_suppliers",
            ];
            let row = |anchor: &str, r: &lumbung_procurement::lm3::Rounds| {
                vec![
                    anchor.to_owned(),
                    r.round1.to_string(),
                    r.round2.to_string(),
                    r.round3.to_string(),
                    r.lm3.clone().unwrap_or_default(),
                    r.coverage.clone().unwrap_or_default(),
                    r.surveyed_suppliers.to_string(),
                    r.local_suppliers.to_string(),
                ]
            };
            let mut rows = vec![row("(all)", &m.rounds)];
            rows.extend(m.by_anchor.iter().map(|a| row(&a.anchor, &a.rounds)));
            print!("{}", shared::table::render(&headers, &rows));
            println!("{}", m.method.get(shared::language()));
        }
    }
    Ok(())
}

pub fn what_if(store: &Store, args: WhatIfArgs) -> Result<()> {
    let shifts = args
        .shift
        .iter()
        .map(|raw| {
            Shift::parse(raw).map_err(|e| shared::said(e.prefixed("--shift: ", "--shift: ")))
        })
        .collect::<Result<Vec<_>>>()?;
    let survey = args.respend.as_deref().map(survey).transpose()?;
    let sel = selection(store, &args.selection, None)?;
    let w = store.what_if(
        &sel,
        &shifts,
        args.target_local_share,
        survey
            .as_ref()
            .map(|(f, rows)| (f.as_str(), rows.as_slice())),
    )?;
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&w)?),
        Format::Table => print!("{}", table(&w)),
    }
    Ok(())
}

fn table(w: &WhatIf) -> String {
    let shifts: Vec<Vec<String>> = w
        .shifts
        .iter()
        .map(|m| {
            vec![
                m.sector.clone(),
                m.sector_name.clone().unwrap_or_default(),
                m.share.clone(),
                m.outside_before.to_string(),
                m.kept.to_string(),
                m.outside_after.to_string(),
            ]
        })
        .collect();
    let share = |s: Option<Share>| s.map(|s| s.to_string()).unwrap_or_default();
    let position = |label: &str, p: &lumbung_procurement::whatif::Position| {
        vec![
            label.to_owned(),
            p.local.to_string(),
            share(p.local_share),
            p.regional.to_string(),
            share(p.regional_share),
            p.outside.to_string(),
            p.lm3.clone().unwrap_or_default(),
        ]
    };
    let mut out = shared::table::render(
        &[
            "sector",
            "name",
            "share",
            "outside_before",
            "kept",
            "outside_after",
        ],
        &shifts,
    );
    out.push_str(&format!("kept local: {}\n\n", w.kept));
    out.push_str(&shared::table::render(
        &[
            "",
            "local",
            "local_share",
            "regional",
            "regional_share",
            "outside",
            "lm3",
        ],
        &[position("before", &w.before), position("after", &w.after)],
    ));
    if let Some(p) = &w.progress {
        out.push_str(&format!(
            "target local share {}: {} still to keep local before, {} after{}\n",
            p.target_local_share,
            p.gap_before,
            p.gap_after,
            if p.reached { " (reached)" } else { "" }
        ));
    }
    out
}
