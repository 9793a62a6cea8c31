//! `lumbung mapping …`: the self-mapping of poor households from the
//! command line. `import-kobo` loads a KoboToolbox export (the household
//! file and its roster) into a kelurahan, all or nothing and once per pair
//! of files; `summary` prints the counts per RW and RT (no personal data).
//! Rules and file formats: docs/mapping.md.

use crate::shared::{self, progress, table, Db};
use anyhow::{Context, Result};
use clap::Subcommand;
use lumbung_community::mapping::{summarise, CsvFile, KoboMapping};
use lumbung_domain::text;
use lumbung_store::{Actor, KoboImportError, Store};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum MappingCommand {
    /// Import a KoboToolbox/ODK export (households CSV + roster CSV) into a kelurahan
    #[command(long_about = "Import a KoboToolbox/ODK export into a kelurahan.\n\n\
        HOUSEHOLDS.csv has one row per household (_uuid, _index, RW and RT or the RT's code, the \
        head's name, the answers); ROSTER.csv one row per member (_parent_index = the household's \
        _index). All or nothing: every problem of either file is listed with file, line and \
        column, and nothing is stored. A household already stored (same _uuid) is replaced; the \
        same two files again change nothing. Households are scored against the kelurahan's \
        criteria (the 14 BPS criteria until the community adopts its own). See docs/mapping.md.")]
    ImportKobo {
        /// The kelurahan's area code (its RW and RT must be in the area tree)
        #[arg(long, value_name = "CODE")]
        kelurahan: String,
        #[arg(value_name = "HOUSEHOLDS.csv")]
        households: PathBuf,
        #[arg(value_name = "ROSTER.csv")]
        roster: PathBuf,
        /// The form's column mapping as JSON (default: the sample form's, see docs/mapping.md)
        #[arg(long, value_name = "MAPPING.json")]
        mapping: Option<PathBuf>,
    },
    /// The mapping of a kelurahan in counts per RW and RT (no personal data)
    Summary {
        #[arg(long, value_name = "CODE")]
        kelurahan: String,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
}

/// `lumbung mapping …`.
pub fn run(db: &Db, command: MappingCommand) -> Result<()> {
    let store = &db.open()?;
    match command {
        MappingCommand::ImportKobo {
            kelurahan,
            households,
            roster,
            mapping,
        } => import_kobo(store, &kelurahan, &households, &roster, mapping.as_deref()),
        MappingCommand::Summary { kelurahan, format } => summary(store, &kelurahan, format),
    }
}

fn read(path: &Path) -> Result<(String, Vec<u8>)> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).with_context(|| shared::cannot_read(&name))?;
    Ok((name, bytes))
}

pub fn import_kobo(
    store: &Store,
    kelurahan: &str,
    households: &Path,
    roster: &Path,
    mapping: Option<&Path>,
) -> Result<()> {
    let (h_name, h_bytes) = read(households)?;
    let (r_name, r_bytes) = read(roster)?;
    let mapping: Option<KoboMapping> = match mapping {
        Some(path) => {
            let (name, bytes) = read(path)?;
            Some(serde_json::from_slice(&bytes).with_context(|| {
                shared::Said(text!("not_a_column_mapping", file = name;
                            id: "{file}: bukan pemetaan kolom", en: "{file}: not a column mapping"))
            })?)
        }
        None => None,
    };
    let bar = progress::bar("households");
    let result = store.import_kobo(
        kelurahan,
        CsvFile::new(&h_name, &h_bytes),
        CsvFile::new(&r_name, &r_bytes),
        mapping.as_ref(),
        &Actor::cli(),
        &mut progress::callback(&bar),
    );
    bar.finish_and_clear();
    let import = match result {
        Ok(i) => i,
        Err(KoboImportError::Kobo(e)) => {
            anyhow::bail!("{}", e.text().get(crate::language()).trim_end())
        }
        Err(KoboImportError::Store(e)) => return Err(e.into()),
    };
    if import.already_imported {
        println!(
            "{h_name} + {r_name}: already imported into {kelurahan} (import {}); nothing changed",
            import.id
        );
    } else {
        println!(
            "{h_name} + {r_name}: {} households, {} members into {kelurahan} (import {}): {} added, {} replaced, {} unchanged",
            import.households, import.members, import.id, import.created, import.updated, import.unchanged
        );
    }
    summary(store, kelurahan, Format::Table)
}

pub fn summary(store: &Store, kelurahan: &str, format: Format) -> Result<()> {
    let data = store.mapping_data(kelurahan)?;
    let s = summarise(&data.criteria, &data.areas, &data.households)?;
    if format == Format::Json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "kelurahan": data.kelurahan.code,
                "criteria": data.criteria.name(),
                "criteria_adopted": data.criteria_adopted,
                "summary": s,
            }))?
        );
        return Ok(());
    }
    let name = |code: &str| {
        data.area_names
            .get(code)
            .cloned()
            .unwrap_or_else(|| code.to_owned())
    };
    let share = |t: &lumbung_community::mapping::AreaTally| {
        t.share_poor
            .map(|s| s.to_string())
            .unwrap_or_else(|| "–".into())
    };
    let mut rows = Vec::new();
    for rw in &s.rws {
        rows.push(vec![
            name(rw.area.as_str()),
            String::new(),
            rw.households.to_string(),
            rw.poor.to_string(),
            share(rw),
            rw.incomplete.to_string(),
        ]);
        for rt in s
            .rts
            .iter()
            .filter(|rt| data.areas.rw_of(&rt.area) == Some(&rw.area))
        {
            rows.push(vec![
                String::new(),
                name(rt.area.as_str()),
                rt.households.to_string(),
                rt.poor.to_string(),
                share(rt),
                rt.incomplete.to_string(),
            ]);
        }
    }
    let k = &s.kelurahan;
    rows.push(vec![
        format!("{} {}", data.kelurahan.name, data.kelurahan.code),
        String::new(),
        k.households.to_string(),
        k.poor.to_string(),
        share(k),
        k.incomplete.to_string(),
    ]);
    println!(
        "Criteria: {}{} (poor when ≥ {} of {} hold)",
        data.criteria.name(),
        if data.criteria_adopted {
            ""
        } else {
            " (template; not adopted yet)"
        },
        data.criteria.poor_when_at_least(),
        data.criteria.indicators().len()
    );
    print!(
        "{}",
        table::render(
            &["RW", "RT", "HOUSEHOLDS", "POOR", "SHARE POOR", "INCOMPLETE"],
            &rows
        )
    );
    Ok(())
}
