//! The command line: every command, option and environment variable.

use clap::builder::{FalseyValueParser, PossibleValuesParser, TypedValueParser};
use clap::{ArgAction, Args, Parser, Subcommand};
use lumbung_domain::{OrgKind, Role};
use std::net::SocketAddr;
use std::path::PathBuf;

/// The database used when neither `--db` nor `LUMBUNG_DB` is given.
pub const DEFAULT_DB: &str = "./lumbung.db";
/// The database `demo` replaces when neither `--db` nor `LUMBUNG_DB` is given.
pub const DEFAULT_DEMO_DB: &str = "./lumbung-demo.db";

#[derive(Debug, Parser)]
#[command(
    name = "lumbung",
    version,
    about = "Lumbung: community wealth building — anchor spend, revolving funds, community cycle",
    after_help = "Exit status: 0 done, 1 refused or failed (the reason is on stderr), 2 wrong usage.\n\
                  Logging: set LUMBUNG_LOG (e.g. LUMBUNG_LOG=debug); the default is warn, info for serve and demo.\n\
                  LUMBUNG_LOG_FORMAT=json writes logs as JSON lines."
)]
pub struct Cli {
    /// The database file, created and migrated on first use
    /// [default: ./lumbung.db; `demo` uses ./lumbung-demo.db]
    #[arg(long, global = true, env = "LUMBUNG_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,

    /// How long a write waits for another program that is writing to the
    /// database, in milliseconds
    #[arg(
        long,
        global = true,
        env = "LUMBUNG_BUSY_TIMEOUT_MS",
        default_value_t = 5000,
        value_name = "MS"
    )]
    pub busy_timeout_ms: u64,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web app and the JSON API
    Serve(ServeArgs),
    /// Create the database if needed, bring its schema up to date and print the schema version
    Migrate,
    /// Write a consistent copy of the database to FILE (never overwrites a file)
    Backup {
        /// Where to write the copy; must not exist yet
        file: PathBuf,
    },
    /// Add users, reset passwords, list users
    #[command(subcommand)]
    User(UserCommand),
    /// Import and browse the area tree and the postcode map
    #[command(subcommand)]
    Areas(AreasCommand),
    /// Import and browse the organisation registry
    #[command(subcommand)]
    Orgs(OrgsCommand),
    /// Anchor institutions' spend: import payment files, report where the money goes
    #[command(subcommand)]
    Spend(SpendCommand),
    /// The UPK revolving fund: import spreadsheet books, the oversight report, check the journal
    #[command(subcommand)]
    Fund(FundCommand),
    /// The BKM election without candidates: recount a ballot box
    #[command(subcommand)]
    Election(ElectionCommand),
    /// Self-mapping of poor households: import a KoboToolbox export, counts per RW and RT
    #[command(subcommand)]
    Mapping(crate::community::MappingCommand),
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
    Demo(DemoArgs),
}

#[derive(Debug, Args)]
pub struct ListenArgs {
    /// The address to listen on (port 0 picks a free port; the real address is printed)
    #[arg(
        long,
        env = "LUMBUNG_ADDR",
        default_value = "127.0.0.1:8080",
        value_name = "IP:PORT"
    )]
    pub addr: SocketAddr,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub listen: ListenArgs,

    /// Mark cookies Secure: set this when Lumbung is reached over HTTPS (e.g. behind a TLS proxy)
    #[arg(
        long,
        env = "LUMBUNG_SECURE_COOKIES",
        action = ArgAction::SetTrue,
        value_parser = FalseyValueParser::new()
    )]
    pub secure_cookies: bool,

    #[command(flatten)]
    pub proxy: ProxyArgs,

    /// The smallest count the public self-mapping pages show (default 5): an RT with a smaller
    /// count, or one that leaves fewer of its total, is withheld and left out of every total
    #[arg(long, env = "LUMBUNG_PUBLIC_MIN_CELL", value_name = "N",
        value_parser = clap::value_parser!(u64).range(2..))]
    pub public_min_cell: Option<u64>,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    pub listen: ListenArgs,

    #[command(flatten)]
    pub proxy: ProxyArgs,
}

/// What sits in front of the server (docs/security.md).
#[derive(Debug, Args)]
pub struct ProxyArgs {
    /// A reverse proxy is in front: take the client's address (for the sign-in limits) from the last X-Forwarded-For entry instead of the socket
    #[arg(
        long,
        env = "LUMBUNG_BEHIND_PROXY",
        action = ArgAction::SetTrue,
        value_parser = FalseyValueParser::new()
    )]
    pub behind_proxy: bool,

    /// A TLS-terminating proxy is in front: as --behind-proxy, plus Secure cookies and Strict-Transport-Security
    #[arg(
        long,
        env = "LUMBUNG_BEHIND_TLS_PROXY",
        action = ArgAction::SetTrue,
        value_parser = FalseyValueParser::new()
    )]
    pub behind_tls_proxy: bool,
}

const PASSWORD_HELP: &str = "The password is read from stdin (--password-stdin, one line) or from the \
    environment variable LUMBUNG_PASSWORD, never from an argument. It must have at least 10 characters.";

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user with a role and a scope (global unless --area or --org is given)
    #[command(after_help = PASSWORD_HELP)]
    Add {
        /// Login name: 2–64 lowercase letters, digits, '.', '_' or '-'
        name: String,
        /// What the user may do
        #[arg(long, value_parser = role_parser(), ignore_case = true)]
        role: Role,
        /// Limit the role to this area and everything under it (an area code)
        #[arg(long, value_name = "CODE", conflicts_with = "org")]
        area: Option<String>,
        /// Limit the role to this organisation and those under it (an organisation id)
        #[arg(long, value_name = "ID")]
        org: Option<i64>,
        /// Read the password from the first line of stdin
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a new password for a user (ends all their sessions)
    #[command(after_help = PASSWORD_HELP)]
    Passwd {
        /// Login name
        name: String,
        /// Read the password from the first line of stdin
        #[arg(long)]
        password_stdin: bool,
    },
    /// List all users with their role and scope
    List,
}

fn role_parser() -> impl TypedValueParser<Value = Role> {
    PossibleValuesParser::new(Role::ALL.map(Role::as_str))
        .map(|s| Role::parse(&s).expect("possible values are valid roles"))
}

fn org_kind(raw: &str) -> Result<OrgKind, String> {
    OrgKind::parse(raw).map_err(|e| e.to_string())
}

#[derive(Debug, Subcommand)]
pub enum AreasCommand {
    /// Import areas from a CSV file with the header code,name,parent_code[,kind] (all or nothing)
    #[command(long_about = "Import areas from a CSV file, all or nothing.\n\n\
        The header line names the columns code, name, parent_code and optionally kind (any order, any \
        case). An empty parent_code makes a root area. Parents may come later in the file or be \
        stored already. Rows already stored unchanged are left alone, so the same file twice changes \
        nothing. Any problem (a bad row, a missing parent, a cycle, a duplicate code) rejects the \
        whole file and lists every problem with its line and column. See docs/areas.md.")]
    Import {
        /// The CSV file (UTF-8, with a header line)
        file: PathBuf,
    },
    /// Import the BPS areas of Indonesia (provinces, regencies, districts, villages) from a directory
    #[command(
        long_about = "Import the BPS administrative areas of Indonesia from DIR, all or nothing.\n\n\
        DIR holds provinces.csv (id,name), regencies.csv, districts.csv and villages.csv \
        (id,parent_id,name), without header lines. A root area ID \"Indonesia\" (kind country) is \
        created when missing; provinces sit under it. Kinds: province, regency, district, kelurahan.\n\n\
        Duplicate ids: the first row with an id keeps it; each later row with the same id is imported \
        with the id plus a suffix -2, -3, … (e.g. 9107182005-2), and a warning names the file, line, \
        id, both names and the new code. Rows under a duplicated id belong to the first row with it.\n\n\
        Re-running with the same files changes nothing. See docs/areas.md."
    )]
    ImportIndonesia {
        /// Directory with provinces.csv, regencies.csv, districts.csv and villages.csv
        dir: PathBuf,
    },
    /// Import a postcode map from a CSV file with the header prefix,area_code (all or nothing)
    #[command(
        long_about = "Import a postcode map from a CSV file, all or nothing.\n\n\
        Header: prefix,area_code. A prefix is upper-cased with spaces removed. UK postcodes (with \
        letters) are matched by their outward code (all but the last three characters: PR1 2HE → \
        PR1); other postal codes by the longest mapped prefix. See docs/areas.md."
    )]
    MapPostcodes {
        /// The CSV file (UTF-8, with a header line)
        file: PathBuf,
    },
    /// Print the area a postcode maps to (exit status 1 when none)
    Locate {
        /// A postal code, e.g. "PR1 2HE" or 42182
        postcode: String,
    },
    /// List areas: the roots, the children of --parent, or those matching --search
    List {
        /// List the children of this area (with --search: search inside it)
        #[arg(long, value_name = "CODE")]
        parent: Option<String>,
        /// Areas whose name contains TEXT (any case) or whose code is TEXT
        #[arg(long, value_name = "TEXT")]
        search: Option<String>,
        /// Show at most this many areas
        #[arg(long, default_value_t = 200)]
        limit: u32,
    },
}

#[derive(Debug, Subcommand)]
pub enum OrgsCommand {
    /// Import organisations from a CSV file (header with name,kind; all or nothing)
    #[command(
        long_about = "Import organisations from a CSV file, all or nothing.\n\n\
        The header must name the columns name and kind; area_code, company_number, npwp and \
        parent_id are optional. Every other column with a non-empty header becomes a free attribute \
        (key = the header, value = the cell; empty cells are skipped). A row updates the stored \
        organisation with the same company number or NPWP, else with the same name (any case), kind \
        and area, so the same file twice changes nothing."
    )]
    Import {
        /// The CSV file (UTF-8, with a header line)
        file: PathBuf,
    },
    /// List organisations by name
    List {
        /// Organisations whose name contains TEXT (any case), or with this company number or NPWP
        #[arg(long, value_name = "TEXT")]
        search: Option<String>,
        /// Only organisations of this kind (anchor, supplier, cooperative, bkm, ksm, upk, …)
        #[arg(long, value_parser = org_kind)]
        kind: Option<OrgKind>,
        /// Show at most this many organisations
        #[arg(long, default_value_t = 200)]
        limit: u32,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

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

#[derive(Debug, Subcommand)]
pub enum SpendCommand {
    /// Import payment files (CSV or XLSX), each as one import, all or nothing
    #[command(
        long_about = "Import anchor institutions' payment files (CSV with , ; | or TAB, UTF-8 or \
        Windows-1252, or XLSX), each file as one import: all rows or none.\n\n\
        Columns are recognised from common English and Indonesian headers; --mapping overrides them \
        with a TOML file:\n\n  [columns]\n  amount = \"Net Amount\"\n  supplier_name = \"Vendor\"\n\n\
        A mapping given with --anchor is saved for that anchor and used for its next files. The same \
        file again changes nothing; a payment already held (the same anchor, date, supplier and \
        amount, counted) is skipped and counted. See docs/spend.md."
    )]
    Import {
        /// The files
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The anchor institution, for files without an anchor column (created when new)
        #[arg(long, value_name = "NAME")]
        anchor: Option<String>,
        /// The fiscal year, for rows without a readable date (e.g. 2012/13)
        #[arg(long, value_name = "FY", value_parser = fiscal_year)]
        year: Option<lumbung_domain::FiscalYear>,
        /// A TOML file naming the column for each field
        #[arg(long, value_name = "MAP.toml")]
        mapping: Option<PathBuf>,
        /// Number format for ambiguous columns: en (1,234.50) or id (1.234,50)
        #[arg(long, default_value = "en", value_parser = ["en", "id"])]
        locale: String,
        /// The sheet to read in XLSX files (default: the first with a header)
        #[arg(long, value_name = "NAME")]
        sheet: Option<String>,
    },
    /// List the imports
    Imports,
    /// List the rows imports flagged for review (e.g. no supplier name, no readable date)
    Flagged {
        /// Only this import's rows
        import_id: Option<i64>,
        /// At most this many
        #[arg(long, default_value_t = 200)]
        limit: u32,
    },
    /// List suppliers (with --review: those automatic merges or imports listed for review)
    Suppliers {
        /// Only suppliers listed for review
        #[arg(long)]
        review: bool,
        /// Part of the name
        #[arg(long, value_name = "TEXT")]
        search: Option<String>,
        /// At most this many
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// Merge supplier OTHER into KEEP by hand; later imports follow the decision
    MergeSuppliers {
        /// The supplier that stays
        keep: i64,
        /// The supplier merged into it
        other: i64,
    },
    /// Split a key (id:… or name:…, as `spend suppliers` lists it) off a supplier into a new one;
    /// later imports follow (undo and re-import a file to move its past payments)
    SplitSupplier {
        /// The supplier that has the key
        supplier: i64,
        /// The key to split off
        key: String,
        /// The new supplier's name
        #[arg(long)]
        name: String,
    },
    /// Fix a supplier's location to an area (no AREA: back to its postal code)
    LocateSupplier {
        /// The supplier's id (see `spend suppliers`)
        supplier: i64,
        /// An area code
        area: Option<String>,
    },
    /// Remove an import and its payments (recorded in the audit log)
    Undo {
        /// The import's id (see `spend imports`)
        import_id: i64,
    },
    /// Show or set the programme's local area, region and fiscal calendar
    Settings {
        /// The local area (an area code, e.g. E07000123 for Preston)
        #[arg(long, value_name = "CODE")]
        local: Option<String>,
        /// The region, which contains the local area (e.g. E10000017 for Lancashire)
        #[arg(long, value_name = "CODE")]
        region: Option<String>,
        /// The month fiscal years start in: 4 for April (UK), 1 for January (Indonesia)
        #[arg(long, value_name = "MONTH", value_parser = clap::value_parser!(u8).range(1..=12))]
        fiscal_year_start: Option<u8>,
        /// Count suppliers "based or branched in" the area: their branch sites count too
        #[arg(long, value_name = "true|false")]
        count_branches: Option<bool>,
    },
    /// Record a branch site of a supplier (with --remove: forget it)
    SupplierSite {
        /// The supplier's id (see `spend suppliers`)
        supplier: i64,
        /// The area the branch is in
        area: String,
        #[arg(long)]
        remove: bool,
    },
    /// Where the money goes: local, regional, outside (leakage) and unknown, by anchor, year, sector
    Report {
        /// The local area (overrides the setting)
        #[arg(long, value_name = "CODE")]
        local: Option<String>,
        /// The region (overrides the setting)
        #[arg(long, value_name = "CODE")]
        region: Option<String>,
        /// Only this fiscal year (e.g. 2012/13)
        #[arg(long, value_name = "FY", value_parser = fiscal_year)]
        year: Option<lumbung_domain::FiscalYear>,
        /// Only this anchor institution
        #[arg(long, value_name = "NAME")]
        anchor: Option<String>,
        /// Keep each anchor-year's N largest suppliers by net spend (the Preston baseline used 300)
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
        top_suppliers: Option<u64>,
        /// Show the extra money kept local at this local share (e.g. 0.10)
        #[arg(long, value_name = "F", value_parser = share)]
        target_local_share: Option<lumbung_domain::Share>,
        /// Output format; csv and xlsx hold the per anchor × year table (xlsx one sheet per table)
        #[arg(long, value_enum, default_value = "table")]
        format: crate::spend::Format,
        /// Write to FILE instead of standard output
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Take the payments straight from this CSV ledger instead of the store (areas,
        /// the postcode map and supplier decisions still come from the database)
        #[arg(long, value_name = "LEDGER.csv")]
        from_file: Option<PathBuf>,
    },
}

fn fiscal_year(raw: &str) -> Result<lumbung_domain::FiscalYear, String> {
    lumbung_domain::FiscalYear::parse(raw).map_err(|e| e.to_string())
}

fn share(raw: &str) -> Result<lumbung_domain::Share, String> {
    let share = lumbung_domain::Share::parse(raw).map_err(|e| e.to_string())?;
    let as_text = share.to_string();
    if as_text.starts_with('-') || as_text.as_str() > "1.000000" {
        return Err(format!("{raw} is not a share between 0 and 1"));
    }
    Ok(share)
}

#[derive(Debug, Subcommand)]
pub enum FundCommand {
    /// Import loans and repayments kept in spreadsheets (each file all or nothing; rows held are skipped)
    #[command(long_about = "Import a UPK's books from two CSV files.\n\n\
        LOANS.csv: upk,ksm,loan_id,disbursed_on,principal,term_months,fee_rate_monthly[,schedule][,frequency] \
        (fee_rate_monthly a fraction such as 0.015; schedule flat or declining; frequency monthly, \
        fortnightly or weekly). REPAYMENTS.csv: \
        loan_id,paid_on,amount. UPKs and KSMs are created when missing. Imported loans are history: \
        rules for new loans are reported as warnings, not enforced. See docs/fund.md.")]
    Import {
        #[arg(value_name = "LOANS.csv")]
        loans: PathBuf,
        #[arg(value_name = "REPAYMENTS.csv")]
        repayments: PathBuf,
    },
    /// The portfolio's health on a date: outstanding, arrears, PAR, RR, LAR, per UPK and in all
    Report {
        /// The date (default today); payments after it are ignored
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
        /// Only this UPK
        #[arg(long, value_name = "NAME")]
        upk: Option<String>,
        #[arg(long, value_enum, default_value = "table")]
        format: crate::fund::Format,
    },
    /// Check the journal: every entry balanced, the hash chain unbroken (exit 1 names the first broken entry)
    Verify,
    /// Post a UPK's operating cost or capital received (CCR and ROI need them); the same --key posts once
    Post {
        #[arg(long, value_name = "NAME")]
        upk: String,
        /// cost (paid from cash) or capital (received into cash, e.g. a BLM grant)
        #[arg(long, value_parser = ["cost", "capital"])]
        kind: String,
        /// Whole rupiah
        #[arg(long)]
        amount: i64,
        /// The date (default today)
        #[arg(long, value_name = "DATE")]
        date: Option<String>,
        #[arg(long, default_value = "")]
        memo: String,
        /// Idempotency key (default: made from the UPK, kind, date, amount and memo)
        #[arg(long)]
        key: Option<String>,
    },
    /// Post repayments: one (LOAN_ID --amount) or a file of them (--file), each batch one durable commit
    #[command(
        long_about = "Post repayments as a UPK's cashier does, each one idempotent.\n\n\
        One: `lumbung fund repay LOAN_ID --amount 90833 [--date 2024-05-03] [--key KUITANSI-001]`.\n\
        Many: `lumbung fund repay --file REPAYMENTS.csv [--batch 1000]` with columns \
        loan_id,paid_on,amount[,key]; each batch is committed at once (all of it or none), and a row \
        whose key was posted before is skipped and counted, so a file cut short (a crash, a power cut) \
        can simply be posted again. Without a key column, a row's key is made from its loan, date, \
        amount and occurrence among identical rows, as `fund import` does."
    )]
    Repay {
        #[arg(
            value_name = "LOAN_ID",
            required_unless_present = "file",
            conflicts_with = "file"
        )]
        loan_id: Option<String>,
        /// Whole rupiah
        #[arg(long, required_unless_present = "file")]
        amount: Option<i64>,
        /// The date paid (default today)
        #[arg(long, value_name = "DATE")]
        date: Option<String>,
        /// Idempotency key, e.g. the receipt number (default: made from loan, date and amount)
        #[arg(long)]
        key: Option<String>,
        #[arg(long, value_name = "REPAYMENTS.csv")]
        file: Option<PathBuf>,
        /// Repayments per commit
        #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..))]
        batch: u32,
    },
    /// Reverse a repayment (by its id, the receipt's number column in `fund ledger`); it is never edited
    Reverse {
        repayment: i64,
        #[arg(long)]
        reason: String,
        #[arg(long, value_name = "DATE")]
        date: Option<String>,
    },
    /// Give a loan a new schedule for the principal it has left (the old one is kept)
    Reschedule {
        loan_id: String,
        #[arg(long)]
        term_months: u16,
        #[arg(long)]
        reason: String,
        #[arg(long, value_name = "DATE")]
        date: Option<String>,
    },
    /// Write off what a loan has left, against the loan-loss reserve
    WriteOff {
        loan_id: String,
        #[arg(long)]
        reason: String,
        #[arg(long, value_name = "DATE")]
        date: Option<String>,
    },
    /// Bring a UPK's loan-loss reserve to what its portfolio needs on a date
    Provision {
        #[arg(long, value_name = "NAME")]
        upk: String,
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
    },
    /// Show a UPK's settings (JSON), or change some: --set arrears_threshold=3 --set reserve_rates='["0.01","0.1","0.5","1"]'
    Settings {
        #[arg(long, value_name = "NAME")]
        upk: String,
        #[arg(long, value_name = "KEY=VALUE")]
        set: Vec<String>,
    },
    /// A UPK's balance sheet, income statement (year to date) and cash book
    Statements {
        #[arg(long, value_name = "NAME")]
        upk: String,
        /// The date (default today)
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
        /// The first day of the income statement and cash book (default: 1 January of as-of's year)
        #[arg(long, value_name = "DATE")]
        from: Option<String>,
        #[arg(long, value_enum, default_value = "table")]
        format: crate::fund::StatementFormat,
    },
    /// A loan's ledger: its schedule and every repayment with its split
    Ledger {
        loan_id: String,
        #[arg(long, value_enum, default_value = "table")]
        format: crate::fund::StatementFormat,
    },
}

#[derive(Debug, Subcommand)]
pub enum ElectionCommand {
    /// Recount a ballot box from CSV: validity, turnout against the quorum, votes, elected and ties
    #[command(
        long_about = "Recount a ballot box of the BKM election without candidates.\n\n\
        BALLOTS.csv: ballot_id,name1,name2,… (blank cells ignored). A leading apostrophe is \
        taken off every cell (published files escape spreadsheet formulas so). Written names are trimmed, \
        spaces collapsed and lowercased, then grouped by --groups (written,person) and checked \
        against --residents (person). A ballot is valid with --min-names to --max-names names, no \
        person twice, everyone a resident. The result stands when ballots ÷ --eligible reaches \
        --quorum. Ties for the last seat are listed, never broken. Reads no database. See \
        docs/election.md."
    )]
    Recount(crate::election::RecountArgs),
}
