//! `lumbung`: the command line and the wiring of the store and the web app.
//!
//! Exit status: 0 done, 1 refused or failed (the reason on stderr, starting
//! with `error: `), 2 wrong usage (clap).

mod areas;
mod cli;
mod community;
mod demo;
mod election;
mod fund;
#[cfg(test)]
mod fuzz;
mod orgs;
mod progress;
mod serve;
mod spend;
mod table;
mod users;

use anyhow::Result;
use clap::Parser;
use cli::{AreasCommand, Cli, Command, FundCommand, OrgsCommand, SpendCommand, UserCommand};
use lumbung_domain::Language;
use lumbung_store::Store;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

fn main() -> ExitCode {
    // Like other Unix tools, end quietly when the reader of our output goes
    // away (`lumbung spend suppliers | head`) instead of panicking on the
    // failed write.
    #[cfg(unix)]
    // SAFETY: restoring the default action of a signal before any thread
    // starts touches no memory.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = Cli::parse();
    init_logging(matches!(cli.command, Command::Serve(_) | Command::Demo(_)));
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let language = language();
            let label = match language {
                Language::Indonesian => "kesalahan",
                Language::English => "error",
            };
            eprintln!("{label}: {}", describe(&e, language));
            ExitCode::FAILURE
        }
    }
}

/// Logs go to stderr, filtered by `LUMBUNG_LOG` (default: warn, or info
/// when serving); `LUMBUNG_LOG_FORMAT=json` writes one JSON object per line
/// for log collectors.
fn init_logging(serving: bool) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("LUMBUNG_LOG")
        .unwrap_or_else(|_| EnvFilter::new(if serving { "info" } else { "warn" }));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if std::env::var("LUMBUNG_LOG_FORMAT").is_ok_and(|f| f == "json") {
        builder.json().init();
    } else {
        builder.with_ansi(std::io::stderr().is_terminal()).init();
    }
}

/// The language of the CLI's messages: `LUMBUNG_LANG` (`id` or `en`),
/// English when unset, as the CLI always spoke.
fn language() -> Language {
    std::env::var("LUMBUNG_LANG")
        .ok()
        .and_then(|code| Language::parse(&code))
        .unwrap_or(Language::English)
}

/// The error and its causes, each said once, in `language` where the
/// error carries its words in both.
fn describe(e: &anyhow::Error, language: Language) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in e.chain() {
        let text = if let Some(e) = cause.downcast_ref::<lumbung_store::StoreError>() {
            e.in_language(language)
        } else if let Some(e) = cause.downcast_ref::<lumbung_domain::Rejected>() {
            e.in_language(language)
        } else {
            cause.to_string()
        };
        let text = text.trim_end();
        if parts.last().is_some_and(|p| p.contains(text)) {
            continue;
        }
        parts.push(text.to_owned());
    }
    parts.join(": ")
}

fn open(db: Option<&Path>, busy_timeout: Duration) -> Result<Store> {
    let path = db.unwrap_or(Path::new(cli::DEFAULT_DB));
    let clock = clock()?;
    Ok(Store::open_with(path, busy_timeout)?.with_clock(clock))
}

/// The clock every command reads "now" from: the system's, or the instant
/// `LUMBUNG_NOW` fixes (a testing aid); a value that is neither is refused.
fn clock() -> Result<lumbung_domain::Clock> {
    lumbung_domain::Clock::from_env().map_err(anyhow::Error::msg)
}

/// Reads the file at `path` and hands its bytes to `import` (one of the
/// `import_*_file` functions), then prints the summary: the shape of every
/// `… import FILE` command.
pub fn import_path(
    store: &lumbung_store::Store,
    path: &std::path::Path,
    import: fn(&lumbung_store::Store, &str, &[u8]) -> anyhow::Result<lumbung_domain::ImportSummary>,
) -> anyhow::Result<()> {
    use anyhow::Context;
    let name = path.display().to_string();
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {name}"))?;
    let summary = import(store, &name, &bytes)?;
    print!("{name}: {summary}");
    Ok(())
}

fn run(cli: Cli) -> Result<()> {
    let db: Option<PathBuf> = cli.db;
    let db = db.as_deref();
    let busy_timeout = Duration::from_millis(cli.busy_timeout_ms);
    match cli.command {
        Command::Serve(args) => {
            let store = open(db, busy_timeout)?;
            let config = lumbung_web::WebConfig {
                secure_cookies: args.secure_cookies,
                behind_proxy: args.proxy.behind_proxy,
                behind_tls_proxy: args.proxy.behind_tls_proxy,
                public_min_cell: args.public_min_cell,
                ..Default::default()
            };
            serve::run(store, args.listen.addr, config, serve::announce)
        }
        Command::Migrate => {
            let store = open(db, busy_timeout)?;
            println!(
                "{}: schema version {}",
                store.path().display(),
                store.schema_version()?
            );
            Ok(())
        }
        Command::Backup { file } => {
            let store = open(db, busy_timeout)?;
            store.backup(&file)?;
            println!(
                "{}: backed up to {}",
                store.path().display(),
                file.display()
            );
            Ok(())
        }
        Command::User(command) => {
            let store = open(db, busy_timeout)?;
            match command {
                UserCommand::Add {
                    name,
                    role,
                    area,
                    org,
                    password_stdin,
                } => users::add(&store, &name, role, area.as_deref(), org, password_stdin),
                UserCommand::Passwd {
                    name,
                    password_stdin,
                } => users::passwd(&store, &name, password_stdin),
                UserCommand::List => users::list(&store),
            }
        }
        Command::Areas(command) => {
            let store = open(db, busy_timeout)?;
            match command {
                AreasCommand::Import { file } => {
                    import_path(&store, &file, areas::import_areas_file)
                }
                AreasCommand::ImportIndonesia { dir } => areas::import_indonesia(&store, &dir),
                AreasCommand::MapPostcodes { file } => {
                    import_path(&store, &file, areas::import_postcodes_file)
                }
                AreasCommand::Locate { postcode } => areas::locate(&store, &postcode),
                AreasCommand::List {
                    parent,
                    search,
                    limit,
                } => areas::list(&store, parent.as_deref(), search.as_deref(), limit),
            }
        }
        Command::Spend(command) => {
            let store = open(db, busy_timeout)?;
            match command {
                SpendCommand::Import {
                    files,
                    anchor,
                    year,
                    mapping,
                    locale,
                    sheet,
                } => spend::import(
                    &store,
                    &spend::ImportArgs {
                        files: &files,
                        anchor: anchor.as_deref(),
                        year,
                        mapping: mapping.as_deref(),
                        sheet: sheet.as_deref(),
                        locale: if locale == "id" {
                            lumbung_spend::read::Locale::Id
                        } else {
                            lumbung_spend::read::Locale::En
                        },
                    },
                ),
                SpendCommand::Imports => spend::imports(&store),
                SpendCommand::Flagged { import_id, limit } => {
                    spend::flagged(&store, import_id, limit)
                }
                SpendCommand::Suppliers {
                    review,
                    search,
                    limit,
                } => spend::suppliers(&store, review, search.as_deref(), limit),
                SpendCommand::MergeSuppliers { keep, other } => {
                    spend::merge_suppliers(&store, keep, other)
                }
                SpendCommand::SplitSupplier {
                    supplier,
                    key,
                    name,
                } => spend::split_supplier(&store, supplier, &key, &name),
                SpendCommand::LocateSupplier { supplier, area } => {
                    spend::locate_supplier(&store, supplier, area.as_deref())
                }
                SpendCommand::Undo { import_id } => spend::undo(&store, import_id),
                SpendCommand::Settings {
                    local,
                    region,
                    fiscal_year_start,
                    count_branches,
                } => spend::settings(&store, local, region, fiscal_year_start, count_branches),
                SpendCommand::SupplierSite {
                    supplier,
                    area,
                    remove,
                } => spend::supplier_site(&store, supplier, &area, remove),
                SpendCommand::Report {
                    local,
                    region,
                    year,
                    anchor,
                    top_suppliers,
                    target_local_share,
                    format,
                    output,
                    from_file,
                } => spend::report(
                    &store,
                    spend::ReportArgs {
                        local,
                        region,
                        year,
                        anchor,
                        top_suppliers: top_suppliers.map(|n| n as usize),
                        target_local_share,
                        format,
                        output,
                        from_file,
                    },
                ),
            }
        }
        Command::Fund(command) => {
            let store = open(db, busy_timeout)?;
            match command {
                FundCommand::Import { loans, repayments } => {
                    fund::import(&store, &loans, &repayments)
                }
                FundCommand::Report { as_of, upk, format } => {
                    fund::report(&store, as_of.as_deref(), upk.as_deref(), format)
                }
                FundCommand::Verify => fund::verify(&store),
                FundCommand::Post {
                    upk,
                    kind,
                    amount,
                    date,
                    memo,
                    key,
                } => fund::post(
                    &store,
                    &upk,
                    &kind,
                    amount,
                    date.as_deref(),
                    &memo,
                    key.as_deref(),
                ),
                FundCommand::Repay {
                    loan_id,
                    amount,
                    date,
                    key,
                    file,
                    batch,
                } => match file {
                    Some(path) => fund::repay_file(&store, &path, batch as usize),
                    None => fund::repay_one(
                        &store,
                        loan_id.as_deref().unwrap_or_default(),
                        amount.unwrap_or_default(),
                        date.as_deref(),
                        key.as_deref(),
                    ),
                },
                FundCommand::Reverse {
                    repayment,
                    reason,
                    date,
                } => fund::reverse(&store, repayment, &reason, date.as_deref()),
                FundCommand::Reschedule {
                    loan_id,
                    term_months,
                    reason,
                    date,
                } => fund::reschedule(&store, &loan_id, term_months, &reason, date.as_deref()),
                FundCommand::WriteOff {
                    loan_id,
                    reason,
                    date,
                } => fund::write_off(&store, &loan_id, &reason, date.as_deref()),
                FundCommand::Provision { upk, as_of } => {
                    fund::provision(&store, &upk, as_of.as_deref())
                }
                FundCommand::Settings { upk, set } => fund::settings(&store, &upk, &set),
                FundCommand::Statements {
                    upk,
                    as_of,
                    from,
                    format,
                } => fund::statements(&store, &upk, as_of.as_deref(), from.as_deref(), format),
                FundCommand::Ledger { loan_id, format } => fund::ledger(&store, &loan_id, format),
            }
        }
        Command::Orgs(command) => {
            let store = open(db, busy_timeout)?;
            match command {
                OrgsCommand::Import { file } => import_path(&store, &file, orgs::import_orgs_file),
                OrgsCommand::List {
                    search,
                    kind,
                    limit,
                } => orgs::list(&store, search.as_deref(), kind, limit),
            }
        }
        Command::Election(cli::ElectionCommand::Recount(args)) => election::recount_command(&args),
        Command::Mapping(command) => community::run(&open(db, busy_timeout)?, command),
        Command::Demo(args) => {
            let path = db.unwrap_or(Path::new(cli::DEFAULT_DEMO_DB));
            let config = lumbung_web::WebConfig {
                behind_proxy: args.proxy.behind_proxy,
                behind_tls_proxy: args.proxy.behind_tls_proxy,
                ..Default::default()
            };
            demo::run(path, args.listen.addr, config)
        }
    }
}
