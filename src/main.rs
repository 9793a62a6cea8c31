//! `lumbung`: the command line and the wiring of the store and the web app.
//!
//! Exit status: 0 done, 1 refused or failed (the reason on stderr, starting
//! with `error: `), 2 wrong usage (clap).

mod commands;
#[cfg(test)]
mod fuzz;
mod shared;

use anyhow::Result;
use clap::{CommandFactory, Parser, Subcommand};
use commands::{
    areas, board, business, community, compare, database, demo, election, fund, invest, orgs,
    procurement, programme, serve, spend, users,
};
use lumbung_domain::Language;
use shared::{language, Db};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// mimalloc: the OCDS import's many small values, made on one thread and
/// freed on another, cost glibc's allocator a quarter of the import's time
/// (BENCHMARKS.md, issue 14). It serves SQLite's allocations too (the
/// `override` feature): each value bound to a statement is a copy, some
/// ten million of them in a city's import.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Debug, Parser)]
#[command(
    name = "lumbung",
    version,
    about = "Lumbung: community wealth building — anchor spend, revolving funds, community cycle",
    after_help = "Exit status: 0 done, 1 refused or failed (the reason is on stderr), 2 wrong usage.\n\
                  Logging: set LUMBUNG_LOG (e.g. LUMBUNG_LOG=debug); the default is warn, info for serve and demo.\n\
                  LUMBUNG_LOG_FORMAT=json writes logs as JSON lines."
)]
struct Cli {
    /// The database file, created and migrated on first use
    /// [default: ./lumbung.db; `demo` uses ./lumbung-demo.db]
    #[arg(long, global = true, env = "LUMBUNG_DB", value_name = "PATH")]
    db: Option<PathBuf>,

    /// How long a write waits for another program that is writing to the
    /// database, in milliseconds
    #[arg(
        long,
        global = true,
        env = "LUMBUNG_BUSY_TIMEOUT_MS",
        default_value_t = 5000,
        value_name = "MS"
    )]
    busy_timeout_ms: u64,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the web app and the JSON API
    Serve(serve::ServeArgs),
    /// Create the database if needed, bring its schema up to date and print the schema version
    Migrate,
    /// Write a consistent copy of the database to FILE (never overwrites a file)
    Backup {
        /// Where to write the copy; must not exist yet
        file: PathBuf,
    },
    /// Copy every row of one database into a new, empty one (a SQLite file
    /// to PostgreSQL, or back), keeping ids, then check both agree
    Copy {
        /// The database to copy: a SQLite file or a postgres:// URL
        #[arg(long)]
        from: PathBuf,
        /// The empty database to fill (created and migrated if needed)
        #[arg(long)]
        to: PathBuf,
    },
    /// Add users, reset passwords, list users
    #[command(subcommand)]
    User(users::UserCommand),
    /// Import and browse the area tree and the postcode map
    #[command(subcommand)]
    Areas(areas::AreasCommand),
    /// Import and browse the organisation registry
    #[command(subcommand)]
    Orgs(orgs::OrgsCommand),
    /// Anchor institutions' spend: import payment files, report where the money goes
    #[command(subcommand)]
    Spend(spend::SpendCommand),
    /// The UPK revolving fund: import spreadsheet books, the oversight report, check the journal
    #[command(subcommand)]
    Fund(fund::FundCommand),
    /// The local business base: import the firms an anchor can buy from
    #[command(subcommand)]
    Business(business::BusinessCommand),
    /// Public contracts in OCDS: import releases, print a process's compiled release
    #[command(subcommand)]
    Procurement(procurement::ProcurementCommand),
    /// The P2KP programme: BLM grants and activities with community contributions, the report of an area
    #[command(subcommand)]
    Programme(programme::ProgrammeCommand),
    /// A kelurahan's public board: publish a frozen, fingerprinted version; export it; verify a file against it
    #[command(subcommand)]
    Board(board::BoardCommand),
    /// Local investment pools: projects grouped into pools an investor can take, of most social value
    #[command(subcommand)]
    Invest(invest::InvestCommand),
    /// Several cities or programmes side by side: spend baselines and progress, fund health,
    /// programme cycle progress and BLM roll-ups, each as its own report gives them
    Compare(compare::CompareArgs),
    /// The BKM election without candidates: recount a ballot box
    #[command(subcommand)]
    Election(election::ElectionCommand),
    /// Self-mapping of poor households: import a KoboToolbox export, counts per RW and RT
    #[command(subcommand)]
    Mapping(community::MappingCommand),
    /// Build a fresh demo database (Banten, Indonesia and Lancashire, UK) and serve it
    #[command(long_about = "Build a fresh demo database and serve it.\n\n\
        Uses ./lumbung-demo.db unless --db or LUMBUNG_DB is given. That file (with its -wal and -shm \
        files) is deleted and rebuilt on every run; no other file is touched. An existing file is \
        replaced only when it is an earlier demo database or holds no data: any other database is \
        refused and left as it is.\n\n\
        Loads the BPS areas of Banten with RW/RT under three desa of Kabupaten Serang, the \
        Lancashire districts and postcode map, anchor institutions, suppliers, co-operatives, a BKM \
        with its UPK and KSM, and two users of every role; prints the address and the logins, then \
        serves.")]
    Demo(demo::DemoArgs),
}

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

/// The error and its causes, each said once, in `language` where the
/// error carries its words in both.
fn describe(e: &anyhow::Error, language: Language) -> String {
    let mut parts: Vec<String> = Vec::new();
    for (i, cause) in e.chain().enumerate() {
        // A context is found by downcasting the whole error, the outermost.
        let said = cause
            .downcast_ref::<shared::Said>()
            .or_else(|| (i == 0).then(|| e.downcast_ref::<shared::Said>()).flatten());
        let text = if let Some(said) = said {
            said.0.get(language).to_owned()
        } else if let Some(e) = cause.downcast_ref::<lumbung_store::StoreError>() {
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

fn run(cli: Cli) -> Result<()> {
    let db = Db {
        path: cli.db,
        busy_timeout: Duration::from_millis(cli.busy_timeout_ms),
    };
    match cli.command {
        Command::Serve(args) => serve::run(&db, args),
        Command::Migrate => database::migrate(&db),
        Command::Backup { file } => database::backup(&db, &file),
        Command::Copy { from, to } => database::copy(&db, &from, &to),
        Command::User(command) => users::run(&db, command),
        Command::Areas(command) => areas::run(&db, command),
        Command::Spend(command) => spend::run(&db, command),
        Command::Fund(command) => fund::run(&db, command),
        Command::Orgs(command) => orgs::run(&db, command),
        Command::Procurement(command) => procurement::run(&db, command),
        Command::Business(command) => business::run(&db, command),
        Command::Programme(command) => programme::run(&db, command),
        Command::Board(command) => board::run(&db, command),
        Command::Invest(command) => invest::run(command),
        Command::Compare(args) => compare::run(&db, args),
        Command::Election(command) => {
            election::run(command).map_err(|e| match e.downcast::<election::Usage>() {
                Ok(usage) => Cli::command()
                    .error(clap::error::ErrorKind::ArgumentConflict, usage)
                    .exit(),
                Err(e) => e,
            })
        }
        Command::Mapping(command) => community::run(&db, command),
        Command::Demo(args) => demo::run(db.path.as_deref(), args),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;
    use lumbung_domain::Role;
    use users::UserCommand;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn roles_parse_in_any_case() {
        let cli =
            Cli::try_parse_from(["lumbung", "user", "add", "ana", "--role", "ADMIN"]).unwrap();
        match cli.command {
            Command::User(UserCommand::Add { role, .. }) => assert_eq!(role, Role::Admin),
            other => panic!("{other:?}"),
        }
        let err =
            Cli::try_parse_from(["lumbung", "user", "add", "ana", "--role", "root"]).unwrap_err();
        assert!(err.to_string().contains("auditor"), "{err}");
    }

    #[test]
    fn serve_and_demo_are_told_about_a_proxy_in_front() {
        let proxy = |args: &[&str]| match Cli::try_parse_from(args).unwrap().command {
            Command::Serve(s) => (s.proxy.behind_proxy, s.proxy.behind_tls_proxy),
            Command::Demo(d) => (d.proxy.behind_proxy, d.proxy.behind_tls_proxy),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            proxy(&["lumbung", "serve", "--behind-tls-proxy"]),
            (false, true)
        );
        assert_eq!(
            proxy(&["lumbung", "serve", "--behind-proxy"]),
            (true, false)
        );
        assert_eq!(
            proxy(&["lumbung", "demo", "--behind-tls-proxy"]),
            (false, true)
        );
    }

    #[test]
    fn secure_cookies_come_from_the_flag_or_a_truthy_environment_value() {
        let parse = |args: &[&str]| match Cli::try_parse_from(args).unwrap().command {
            Command::Serve(s) => s.secure_cookies,
            other => panic!("{other:?}"),
        };
        // The only test that touches this variable.
        std::env::remove_var("LUMBUNG_SECURE_COOKIES");
        assert!(!parse(&["lumbung", "serve"]));
        assert!(parse(&["lumbung", "serve", "--secure-cookies"]));
        for (value, expected) in [
            ("1", true),
            ("true", true),
            ("0", false),
            ("false", false),
            ("no", false),
        ] {
            std::env::set_var("LUMBUNG_SECURE_COOKIES", value);
            assert_eq!(
                parse(&["lumbung", "serve"]),
                expected,
                "LUMBUNG_SECURE_COOKIES={value}"
            );
        }
        std::env::remove_var("LUMBUNG_SECURE_COOKIES");
    }

    #[test]
    fn area_and_org_scopes_exclude_each_other() {
        assert!(Cli::try_parse_from([
            "lumbung", "user", "add", "ana", "--role", "admin", "--area", "X", "--org", "1"
        ])
        .is_err());
    }
}
