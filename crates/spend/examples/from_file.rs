//! The spend report straight from a payment file, without a database: the
//! benchmark's stand-in for `lumbung spend report --from-file` until the
//! CLI has it.
//!
//! ```text
//! cargo run --release -p lumbung-spend --example from_file -- \
//!     LEDGER.csv AREAS.csv POSTCODES.csv --local E07000123 --region E10000017 [--full] [--timings] [--block-mb N] [--threads N]
//! ```
//!
//! AREAS.csv has `code,name,parent_code,kind`; POSTCODES.csv has
//! `prefix,area_code`. Prints a JSON summary (the keys of `SpendReport`
//! plus counts like the peers print), or the whole report with `--full`.
//! `--timings` prints the time of each phase to stderr.

use lumbung_domain::postcode::normalise_prefix;
use lumbung_domain::{AreaCode, AreaPath, FiscalCalendar};
use lumbung_spend::fast::{classify_suppliers, location_of, scan_file_with, ScanOptions};
use lumbung_spend::report::{compute, Location, ReportOptions};
use std::collections::HashMap;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("from_file: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let mut positional = Vec::new();
    let (mut local, mut region) = (None, None);
    let (mut full, mut timings) = (false, false);
    let mut scan_opts = ScanOptions::new(FiscalCalendar::UK);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--local" => local = args.next(),
            "--region" => region = args.next(),
            "--full" => full = true,
            "--timings" => timings = true,
            "--block-mb" => {
                let mb: usize = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .ok_or("--block-mb N")?;
                scan_opts.block_size = mb << 20;
            }
            "--threads" => {
                scan_opts.threads = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .ok_or("--threads N")?
            }
            _ if a.starts_with("--") => return Err(format!("unknown option {a}")),
            _ => positional.push(a),
        }
    }
    let [ledger, areas, postcodes] = positional.as_slice() else {
        return Err("usage: from_file LEDGER.csv AREAS.csv POSTCODES.csv --local CODE --region CODE [--full] [--timings]".into());
    };
    let local = local.ok_or("--local CODE is required")?;
    let region = region.ok_or("--region CODE is required")?;
    let started = Instant::now();
    let phase = |name: &str, since: Instant| {
        if timings {
            eprintln!("{name:>10}: {:>8.3} s", since.elapsed().as_secs_f64());
        }
    };

    let t = Instant::now();
    let prefixes = prefix_map(Path::new(areas), Path::new(postcodes), &local, &region)?;
    phase("maps", t);

    let t = Instant::now();
    let calendar = scan_opts.calendar;
    let file =
        scan_file_with(Path::new(ledger), &scan_opts, &mut |_, _| {}).map_err(|e| e.to_string())?;
    phase("scan", t);

    let t = Instant::now();
    let locations = classify_suppliers(&file.suppliers, &|p| prefixes.get(p).copied());
    let dims = file.dimensions(calendar, locations);
    phase("classify", t);

    let t = Instant::now();
    let report =
        compute(&file.segments(), &dims, &ReportOptions::default()).map_err(|e| e.to_string())?;
    phase("compute", t);

    let t = Instant::now();
    let out = if full {
        serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?
    } else {
        let f = &report.figures;
        serde_json::json!({
            "total": f.total,
            "local": f.local,
            "regional": f.regional,
            "outside": f.outside,
            "unknown": f.unknown,
            "leakage": f.leakage,
            "sme": f.sme,
            "payments": f.payments,
            "influenceable": {"total": report.influenceable.total, "outside": report.influenceable.outside},
            "rows_by_anchor_year": report.by_anchor_year.len(),
            "sectors": report.by_sector.len(),
            "suppliers": file.suppliers.len(),
            "anchors": file.anchors.len(),
            "top_leaking_suppliers": report.top_leaking_suppliers.iter()
                .map(|s| serde_json::json!([file.suppliers[s.supplier_id as usize].id, s.supplier, s.leakage]))
                .collect::<Vec<_>>(),
        })
        .to_string()
    };
    println!("{out}");
    phase("output", t);
    phase("total", started);
    Ok(())
}

/// Postcode prefix → location, from the areas and the postcode map.
fn prefix_map(
    areas: &Path,
    postcodes: &Path,
    local: &str,
    region: &str,
) -> Result<HashMap<String, Location>, String> {
    let read = |p: &Path| -> Result<Vec<csv::StringRecord>, String> {
        let mut r = csv::Reader::from_path(p).map_err(|e| format!("{}: {e}", p.display()))?;
        r.records()
            .collect::<Result<_, _>>()
            .map_err(|e| format!("{}: {e}", p.display()))
    };
    let parent: HashMap<String, String> = read(areas)?
        .iter()
        .map(|r| (r[0].trim().to_owned(), r[2].trim().to_owned()))
        .collect();
    let code = |c: &str| AreaCode::parse(c).map_err(|e| format!("area {c:?}: {e}"));
    let path = |c: &str| -> Result<AreaPath, String> {
        let mut chain = vec![c.to_owned()];
        while let Some(p) = parent
            .get(chain.last().expect("one"))
            .filter(|p| !p.is_empty())
        {
            if chain.contains(p) || chain.len() > 64 {
                return Err(format!("area {c}: its parents go round in a circle"));
            }
            chain.push(p.clone());
        }
        let mut path = AreaPath::root(&code(chain.last().expect("one"))?);
        for c in chain.iter().rev().skip(1) {
            path = path.child(&code(c)?);
        }
        Ok(path)
    };
    let (local, region) = (path(local)?, path(region)?);
    read(postcodes)?
        .iter()
        .map(|r| {
            let prefix = normalise_prefix(&r[0]).map_err(|e| e.to_string())?;
            Ok((prefix, location_of(&path(r[1].trim())?, &local, &region)))
        })
        .collect()
}
