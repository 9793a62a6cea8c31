//! The only place SQL lives. SQLite today (WAL, foreign keys on, versioned
//! migrations); a PostgreSQL backend would be a sibling of this crate with
//! the same public API, so nothing above it changes.
//!
//! Every method that changes data takes an [`Actor`] and writes the audit
//! log in the same transaction as the change.

#[macro_use]
mod sql;
mod areas;
mod audit;
mod board;
mod cached;
mod community;
mod compare;
mod complaints;
mod copy;
mod db;
mod election;
mod fund;
mod limits;
mod lineage;
mod orgs;
mod partnerships;
mod pg_store;
mod plans;
mod procurement;
mod programme;
mod proposals;
mod schema;
mod spend;
mod supplier_merge;
mod users;
mod varint;
mod words;
mod work;
mod writeback;

pub use areas::{Area, AreaFilter, PostcodeMatch, PostcodeRecord};
pub use audit::{Actor, AuditEntry};
pub use community::{Kelurahan, KoboImport, KoboImportError, MappingData, ProgrammeCycle};
pub use complaints::{ComplaintEvent, ComplaintView, Filed, Tracked};
pub use copy::CopySummary;
pub use election::{
    ballot_order, parse_married, parse_sex, read_ballot_lines, read_voters, BallotOrder, BallotRow,
    Blocker, Count as ElectionCount, Difference as EntryDiff, DoorToDoor, Election,
    ElectionSettings, Entry as BallotEntry, EntryInfo, EntryList, GroupRow, Level as ElectionLevel,
    NewElection, Publication as ElectionPublication, PublishStep, Published, PublishedSummary,
    Resolution, TieInput, TieRecord, TieSigners, Voter, VoterInput,
};
pub use fund::{
    ApplicationRow, BatchOutcome, FundImportSummary, KsmSummary, KsmView, LoanRecord, LoanView,
    MemberRow, Movement, Ps2Candidate, Receipt, Repaid, RepaymentInput, RepaymentRecord,
    RepaymentRow, SavingsRow,
};
pub use limits::UseId;
pub use lumbung_programme::board::{ActivityView, GrantView};
pub use orgs::{Org, OrgFilter, OrgInput, OrgRecord, OrgRef};
pub use partnerships::{
    AssetView, BuyoutView, CitizenView, ClosureView, CommitmentView, CoopView, CuMonthView,
    IndicatorView, MeetingView, OfferView, Outboxed, PartnerView, PartnershipRow, PartnershipView,
    PointView, ProjectView, ProjectsImport, ProposedMatch, PublicPartnership, ReadingView,
    StageView,
};
pub use pg_store::{is_postgres_url, Transport};
pub use plans::PlanView;
pub use procurement::{
    Award, AwardTo, BusinessCount, BusinessImportSummary, BusinessView, Charter, CharterSummary,
    CharterYear, DeliveryReport, EvaluationVersion, InvitationView, NewScore, NoticeStatus,
    OcdsImportSummary, OutboxNotice, PaymentsTo, ProxyImport, Queued, SavedScenario, ScoreRecord,
    ScoresKept, SkippedRelease, SpendSelection, SurveyNotice, SurveyQueued, SurveySummary,
    TenderMatches, VersionInput,
};
pub use programme::{ProgrammeImport, ProgrammeRows};
pub use proposals::ProposalView;
pub use spend::{
    FlaggedRow, MatchKind, Publication, PublicationHead, RegisterImportSummary, RegisterMatch,
    Relocated, SkippedRow, SpendFile, SpendImport, SpendImportSummary, SpendSettings, Supplier,
    SupplierFilter, SupplierOrder, UNNAMED_SUPPLIER,
};
pub use users::{
    LoginCandidate, PasswordCost, ScopeRef, SessionEvent, SessionUser, User, SESSION_HOURS,
};

pub use db::Backend;
use db::{Connection, Transaction, TransactionBehavior};
use lumbung_domain::{text, Language, Rejected, Text};
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{ErrorCode, OpenFlags};
use std::cell::Cell;
use std::path::{Path, PathBuf};
pub use work::{JobOutcome, JobRecord, JobState, UploadMeta};

/// `PRAGMA application_id` of a Lumbung database ("LMBG"): tells our files
/// from other SQLite files, which we refuse to touch.
const APPLICATION_ID: i64 = 0x4c4d_4247;
/// How long a write waits for another writer to finish before giving up.
pub const DEFAULT_BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: not a Lumbung database (left untouched)")]
    NotLumbung { path: PathBuf },
    #[error("{path}: the database is read-only; Lumbung needs to write to it")]
    ReadOnly { path: PathBuf },
    #[error("{path}: the database is locked by another program; try again when it has finished")]
    Locked { path: PathBuf },
    #[error("{path}: the database was made by a newer Lumbung (schema {found}, this program knows {known}); upgrade Lumbung")]
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error("{path}: cannot open the database: {reason}")]
    Open { path: PathBuf, reason: String },
    /// A read replica named by something else than a PostgreSQL URL.
    #[error("{path}: a read replica is a PostgreSQL server (postgres://…)")]
    ReplicaNotPostgres { path: PathBuf },
    /// A read replica whose schema is not yet this program's: the
    /// primary's migration has not reached it (or it is another database).
    #[error("{path}: the read replica holds schema {found}, this program needs {known}; start the server once the primary's migrations have reached the replica")]
    ReplicaBehind {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    /// What was not found ("loan 7"), in both languages.
    #[error("{0} not found")]
    NotFound(Text),
    #[error("{0}")]
    Conflict(Text),
    #[error("{field}: {message}")]
    Invalid { field: String, message: Text },
    /// An amount above its bound (`max`, e.g. the UPK's `max_movement`),
    /// or a total that no longer fits (`max` is `None`): refused, never
    /// wrapped.
    #[error("{field}: the amount is too large{}", .max.as_ref().map(|m| format!(" (at most {m})")).unwrap_or_default())]
    TooLarge { field: String, max: Option<String> },
    #[error(transparent)]
    Rejected(#[from] Rejected),
    #[error(
        "the database is busy: another program is writing to it; try again when it has finished"
    )]
    Busy,
    #[error("database error: {0}")]
    Db(db::Error),
    #[error("database pool: {0}")]
    Pool(#[from] r2d2::Error),
}

impl From<lumbung_fund::settings::AboveMax> for StoreError {
    fn from(e: lumbung_fund::settings::AboveMax) -> Self {
        StoreError::TooLarge {
            field: e.field.to_owned(),
            max: Some(e.max.to_string()),
        }
    }
}

impl From<lumbung_fund::TooLarge> for StoreError {
    /// The amounts typed are what made the total too large.
    fn from(_: lumbung_fund::TooLarge) -> Self {
        StoreError::too_large("amount")
    }
}

impl From<db::Error> for StoreError {
    fn from(e: db::Error) -> Self {
        if e.is_busy() {
            return StoreError::Busy;
        }
        match e.message() {
            // SQLite's sum() refusing to overflow, or the triggers that keep
            // per-day balances integers.
            Some(m) if m == "integer overflow" || m.ends_with("too large to keep") => {
                StoreError::TooLarge {
                    field: "amount".into(),
                    max: None,
                }
            }
            _ => StoreError::Db(e),
        }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        db::Error::from(e).into()
    }
}

impl StoreError {
    pub fn invalid(field: &str, message: impl Into<Text>) -> Self {
        StoreError::Invalid {
            field: field.to_owned(),
            message: message.into(),
        }
    }

    pub fn not_found(what: impl Into<Text>) -> Self {
        StoreError::NotFound(what.into())
    }

    pub fn conflict(message: impl Into<Text>) -> Self {
        StoreError::Conflict(message.into())
    }

    /// The whole message in `language`: the details written in both
    /// languages ([`Text`]), the database's own words as they are.
    pub fn in_language(&self, language: Language) -> String {
        let id = language == Language::Indonesian;
        match self {
            StoreError::NotFound(what) if id => format!("{} tidak ditemukan", what.get(language)),
            StoreError::Conflict(message) => message.get(language).to_owned(),
            StoreError::Invalid { field, message } => {
                format!("{field}: {}", message.get(language))
            }
            StoreError::Rejected(r) if id => r.in_language(language),
            StoreError::Open { path, reason } if id => format!(
                "{}: basis data tidak dapat dibuka: {reason}",
                path.display()
            ),
            StoreError::NotLumbung { path } if id => format!(
                "{}: bukan basis data Lumbung (tidak diubah)",
                path.display()
            ),
            StoreError::ReadOnly { path } if id => format!(
                "{}: basis data hanya-baca; Lumbung perlu menulis ke dalamnya",
                path.display()
            ),
            StoreError::Locked { path } if id => format!(
                "{}: basis data dikunci program lain; coba lagi setelah program itu selesai",
                path.display()
            ),
            StoreError::TooNew { path, found, known } if id => format!(
                "{}: basis data dibuat oleh Lumbung yang lebih baru (skema {found}, program ini mengenal {known}); perbarui Lumbung",
                path.display()
            ),
            StoreError::ReplicaNotPostgres { path } if id => format!(
                "{}: replika baca adalah server PostgreSQL (postgres://…)",
                path.display()
            ),
            StoreError::ReplicaBehind { path, found, known } if id => format!(
                "{}: replika baca memegang skema {found}, program ini memerlukan {known}; jalankan server setelah migrasi basis data utama sampai ke replika",
                path.display()
            ),
            StoreError::TooLarge { field, max } if id => format!(
                "{field}: jumlahnya terlalu besar{}",
                max.as_ref().map(|m| format!(" (paling banyak {m})")).unwrap_or_default()
            ),
            StoreError::Busy if id => {
                "basis data sedang sibuk: program lain sedang menulis; coba lagi setelah selesai"
                    .to_owned()
            }
            other => other.to_string(),
        }
    }

    /// The database did not answer, or gave up on the work for a reason of
    /// its own (a lost connection, a busy or recovering server): the same
    /// work may succeed elsewhere or later.
    pub fn is_unreachable(&self) -> bool {
        match self {
            StoreError::Pool(_) | StoreError::Busy => true,
            StoreError::Db(e) => e.is_unreachable(),
            _ => false,
        }
    }

    /// A total that does not fit, named by the field it came from.
    pub fn too_large(field: &str) -> Self {
        StoreError::TooLarge {
            field: field.to_owned(),
            max: None,
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A handle on one Lumbung database. Cheap to clone; every method is
/// blocking, so async callers run them on a blocking thread.
#[derive(Clone)]
pub struct Store {
    pool: r2d2::Pool<db::Manager>,
    /// Spare connections in use now (at most [`SPARES`]).
    spares: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    path: PathBuf,
    clock: lumbung_domain::Clock,
    password_cost: PasswordCost,
    /// A PostgreSQL server's certificate was checked (`sslmode=verify-full`).
    server_verified: bool,
    /// Shared by the clones, like the pool.
    postcode_paths: std::sync::Arc<areas::PostcodePathsCache>,
    /// Every stored payment as last read: a city's millions (hundreds of
    /// MB) were read again for each view of every page built on them.
    spend_facts: std::sync::Arc<cached::Cached<Vec<lumbung_spend::facts::Facts>>>,
    /// The business base as last read: the tenders, opportunities and
    /// business pages, and the public counts, read it whole on each view.
    business_candidates:
        std::sync::Arc<cached::Cached<Vec<lumbung_procurement::opportunities::Candidate>>>,
    /// Opened by [`Store::open_alone`]: its bulk imports may take the file
    /// for themselves ([`Store::written_once`]), waiting this long for
    /// other writers otherwise.
    alone: Option<std::time::Duration>,
}

/// How long a caller waits for a pooled connection (a new one included).
const POOL_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

fn configure(
    conn: &mut rusqlite::Connection,
    busy_timeout: std::time::Duration,
) -> rusqlite::Result<()> {
    conn.busy_timeout(busy_timeout)?;
    // Every statement goes through the cache (`db::Connection::prepare`);
    // a page's statements, and those of the next pages, stay compiled.
    conn.set_prepared_statement_cache_capacity(256);
    conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;")
}

impl Store {
    /// Opens the database at `path`, creating it when missing, and brings
    /// its schema up to date. A file that is not a Lumbung database, is
    /// read-only, is locked or is newer than this program is refused and
    /// left as it was.
    pub fn open(path: &Path) -> Result<Store> {
        Self::open_with(path, DEFAULT_BUSY_TIMEOUT)
    }

    /// [`Store::open`] with a chosen wait for other writers.
    pub fn open_with(path: &Path, busy_timeout: std::time::Duration) -> Result<Store> {
        Self::open_sized(path, busy_timeout, WORKERS + SPARES)
    }

    /// [`Store::open_with`] for a command that runs in a process of its own
    /// (the CLI's bulk imports): one connection, so that an import into a
    /// file no other program has open can write it once, through the
    /// rollback journal instead of the WAL ([`Store::written_once`]).
    pub fn open_alone(path: &Path, busy_timeout: std::time::Duration) -> Result<Store> {
        let mut store = Self::open_sized(path, busy_timeout, 1)?;
        store.alone = Some(busy_timeout);
        Ok(store)
    }

    fn open_sized(
        path: &Path,
        busy_timeout: std::time::Duration,
        connections: usize,
    ) -> Result<Store> {
        let path = path.to_path_buf();
        if let Ok(meta) = std::fs::metadata(&path) {
            if meta.permissions().readonly() {
                return Err(StoreError::ReadOnly { path });
            }
        }
        let classify = |e: rusqlite::Error, path: &Path| -> StoreError {
            let path = path.to_path_buf();
            match e.sqlite_error_code() {
                Some(ErrorCode::NotADatabase) => StoreError::NotLumbung { path },
                Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
                    StoreError::Locked { path }
                }
                Some(ErrorCode::ReadOnly) => StoreError::ReadOnly { path },
                _ => StoreError::Open {
                    path,
                    reason: e.to_string(),
                },
            }
        };
        let conn = rusqlite::Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| classify(e, &path))?;
        let mut conn = conn;
        configure(&mut conn, busy_timeout).map_err(|e| classify(e, &path))?;
        let check = || -> rusqlite::Result<(i64, i64)> {
            let app: i64 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
            let tables: i64 =
                conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
            Ok((app, tables))
        };
        let (app, tables) = check().map_err(|e| classify(e, &path))?;
        if app != APPLICATION_ID && !(app == 0 && tables == 0) {
            return Err(StoreError::NotLumbung { path });
        }
        // A file left in the rollback journal by an import that stopped
        // midway (its journal already played back by SQLite) goes back to
        // WAL, where readers never wait for the writer.
        if let Err(e) = set_journal_mode(&conn, "wal", busy_timeout) {
            // Held by an import that has the file to itself
            // (`Store::written_once`). (A file system where WAL cannot be
            // keeps the journal it has, as before.)
            return Err(classify(e, &path));
        }
        let mut conn = Connection::Sqlite(conn);
        migrate(&mut conn, &path).map_err(|e| match e {
            StoreError::Db(db::Error::Sqlite(e)) => classify(e, &path),
            StoreError::Busy => StoreError::Locked { path: path.clone() },
            other => other,
        })?;
        drop(conn);
        let manager =
            SqliteConnectionManager::file(&path).with_init(move |c| configure(c, busy_timeout));
        Store::pooled(db::Manager::sqlite(manager), path, connections, POOL_WAIT)
    }

    /// The store over a pool of `manager`'s connections, all opened at
    /// once (a spare is taken only when idle). Callers admit at most
    /// `WORKERS` tasks at once (the web app's gate), each holding one
    /// connection, and the spares are counted apart: nobody waits here; a
    /// bug that still waits gives up well before r2d2's 30 s.
    fn pooled(
        manager: db::Manager,
        path: PathBuf,
        connections: usize,
        wait: std::time::Duration,
    ) -> Result<Store> {
        let pool = r2d2::Pool::builder()
            .max_size(connections as u32)
            .connection_timeout(wait)
            .build(manager)?;
        Ok(Store {
            pool,
            spares: Default::default(),
            path,
            clock: lumbung_domain::Clock::system(),
            password_cost: PasswordCost::Production,
            server_verified: false,
            postcode_paths: Default::default(),
            spend_facts: Default::default(),
            business_candidates: Default::default(),
            alone: None,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The same store reading the time from `clock` (tests fix the date).
    pub fn with_clock(mut self, clock: lumbung_domain::Clock) -> Store {
        self.clock = clock;
        self
    }

    pub fn clock(&self) -> lumbung_domain::Clock {
        self.clock
    }

    /// The same store hashing new passwords at `cost` (tests choose
    /// [`PasswordCost::TestsOnly`]; a store is opened at the production cost).
    pub fn with_password_cost(mut self, cost: PasswordCost) -> Store {
        self.password_cost = cost;
        self
    }

    pub fn password_cost(&self) -> PasswordCost {
        self.password_cost
    }

    /// One use case's writes: an IMMEDIATE transaction (so that two
    /// writers never deadlock upgrading a read), `f` writes its rows and
    /// its audit entry, then commit. An error rolls everything back.
    pub(crate) fn write<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.conn()?;
        write_on(&mut conn, f)
    }

    /// [`write_upks_on`] on a connection of the pool.
    pub(crate) fn write_upks<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.conn()?;
        write_upks_on(&mut conn, f)
    }

    /// The schema version: how many migrations have been applied.
    pub fn schema_version(&self) -> Result<i64> {
        let conn = self.conn()?;
        match conn.backend() {
            db::Backend::Sqlite => Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?),
            db::Backend::Postgres => pg_store::version(&conn),
        }
    }

    /// Which database this store keeps its data in.
    pub fn backend(&self) -> Result<db::Backend> {
        Ok(self.conn()?.backend())
    }

    /// Writes a consistent copy of the whole database to `dest` while
    /// others keep reading and writing (`VACUUM INTO` reads one snapshot).
    /// Refuses to overwrite an existing file.
    pub fn backup(&self, dest: &Path) -> Result<()> {
        if dest.exists() {
            return Err(StoreError::conflict(
                text!("backup_exists", path = dest.display();
                id: "{path}: berkas sudah ada; pilih nama baru untuk cadangan",
                en: "{path}: file exists; choose a new name for the backup"),
            ));
        }
        let dest_str = dest.to_str().ok_or_else(|| {
            StoreError::invalid(
                "FILE",
                text!("backup_path_not_utf8";
                    id: "jalur cadangan harus UTF-8 yang sah",
                    en: "backup path must be valid UTF-8"),
            )
        })?;
        let conn = self.conn()?;
        if conn.backend() == db::Backend::Postgres {
            return Err(StoreError::conflict(text!("backup_on_postgres";
                id: "basis data ini ada di server PostgreSQL: cadangkan dengan pg_dump (lihat docs/operations.md)",
                en: "this database is on a PostgreSQL server: back it up with pg_dump (see docs/operations.md)")));
        }
        conn.execute("VACUUM INTO ?1", [dest_str])?;
        Ok(())
    }

    /// A quick liveness check for `/health`.
    pub fn ping(&self) -> Result<()> {
        self.conn()?.query_row("SELECT 1", [], |_| Ok(()))?;
        Ok(())
    }

    /// How many connections the pool holds: callers that run store work
    /// concurrently admit at most this many at once, so that nobody waits
    /// for the pool.
    pub fn max_connections(&self) -> usize {
        WORKERS
    }

    /// The one connection of the calling thread. A thread holding one never
    /// waits for a second: with every connection held by someone waiting
    /// for another, all would wait until the pool's timeout. Store methods
    /// therefore pass their connection to helpers instead of calling
    /// another public method while holding it (checked in debug builds).
    fn conn(&self) -> Result<Conn> {
        let held = HELD.with(Cell::get);
        debug_assert_eq!(
            held, 0,
            "a thread holding a pooled connection asked for another"
        );
        if held > 0 {
            tracing::error!("a thread holding a pooled connection asked for another");
        }
        let inner = self.pool.get()?;
        HELD.with(|h| h.set(h.get() + 1));
        let outer_clock = CLOCK.with(|c| c.replace(self.clock));
        Ok(Conn {
            inner,
            outer_clock,
            _not_send: std::marker::PhantomData,
        })
    }

    /// A second connection only if a spare one is free right now (never
    /// waits): for reading one snapshot on two cores at once. Spares are
    /// counted apart from the workers' connections, so taking one never
    /// leaves an admitted task waiting for the pool.
    fn spare_conn(&self) -> Option<Spare> {
        use std::sync::atomic::Ordering;
        self.spares
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < SPARES).then_some(n + 1)
            })
            .ok()?;
        // Counted back on drop even when no connection is free.
        let mut spare = Spare {
            conn: None,
            count: self.spares.clone(),
        };
        spare.conn = Some(self.pool.try_get()?);
        Some(spare)
    }
}

impl Store {
    /// Runs the bulk write `f` on `conn` (the caller's connection of a
    /// store opened by [`Store::open_alone`]) with the file in the rollback
    /// journal when no other connection has it open: the pages an import
    /// adds are then written once, to the file, instead of to the WAL and
    /// again when it is checkpointed (the fund import of a city: a third
    /// less time). Pages it changes are journaled as usual: a failed or
    /// interrupted import leaves the file as it was. Other programs wait
    /// for the file meanwhile; one that holds it open already keeps it in
    /// WAL, and `f` runs as any other write. Afterwards the file is back in
    /// WAL (else the next [`Store::open`] puts it back).
    pub(crate) fn written_once<T>(
        &self,
        conn: &mut Connection,
        f: impl FnOnce(&mut Connection) -> Result<T>,
    ) -> Result<T> {
        let (Some(busy_timeout), Connection::Sqlite(c)) = (self.alone, &mut *conn) else {
            return f(conn);
        };
        if set_journal_mode(c, "delete", std::time::Duration::ZERO) != Ok(true) {
            return f(conn);
        }
        // The rollback journal is synced before the file is written, and
        // the file before the journal goes.
        c.execute_batch("PRAGMA synchronous = FULL")?;
        // `f` ends its transaction before it returns.
        let out = writeback::while_writing(Some(&self.path), || f(conn));
        if let Connection::Sqlite(c) = conn {
            let normal = c.execute_batch("PRAGMA synchronous = NORMAL");
            if normal.is_err() || set_journal_mode(c, "wal", busy_timeout) != Ok(true) {
                tracing::warn!("the file stays in the rollback journal until it is opened again");
            }
        }
        out
    }
}

/// Puts the file of `c` in journal `mode`, trying again for `wait` while
/// other connections hold it (SQLite does not wait for them here): whether
/// it is (SQLite may keep another mode, as for a database in memory), or
/// the error once the wait is over.
fn set_journal_mode(
    c: &rusqlite::Connection,
    mode: &str,
    wait: std::time::Duration,
) -> rusqlite::Result<bool> {
    let until = std::time::Instant::now() + wait;
    loop {
        let set = c.query_row(&format!("PRAGMA journal_mode = {mode}"), [], |r| {
            r.get::<_, String>(0)
        });
        match set {
            Ok(now) => return Ok(now.eq_ignore_ascii_case(mode)),
            Err(e)
                if e.sqlite_error_code() == Some(ErrorCode::DatabaseBusy)
                    && std::time::Instant::now() < until =>
            {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            Err(e) => return Err(e),
        }
    }
}

/// Tasks that hold a connection at once (the web app admits as many).
const WORKERS: usize = 8;
/// Connections beyond the workers', taken only when free ([`Store::spare_conn`]).
const SPARES: usize = 2;

/// A spare connection; counted back when dropped.
struct Spare {
    conn: Option<r2d2::PooledConnection<db::Manager>>,
    count: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl std::ops::Deref for Spare {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        self.conn
            .as_ref()
            .expect("a spare holds its connection until dropped")
    }
}

impl std::ops::DerefMut for Spare {
    fn deref_mut(&mut self) -> &mut Connection {
        self.conn
            .as_mut()
            .expect("a spare holds its connection until dropped")
    }
}

impl Drop for Spare {
    fn drop(&mut self) {
        self.conn.take();
        self.count.fetch_sub(1, std::sync::atomic::Ordering::AcqRel);
    }
}

thread_local! {
    /// Connections taken through [`Store::conn`] by this thread.
    static HELD: Cell<u32> = const { Cell::new(0) };
    /// The clock of the store whose connection this thread holds: what
    /// [`now`] reads, so every timestamp a write stores (audit entries
    /// included, deep inside a transaction) follows the injected clock.
    static CLOCK: Cell<lumbung_domain::Clock> = const { Cell::new(lumbung_domain::Clock::system()) };
}

/// A pooled connection counted in [`HELD`]; it stays on the thread that
/// took it (not `Send`), so the count is that thread's.
struct Conn {
    inner: r2d2::PooledConnection<db::Manager>,
    /// The thread's clock before this connection was taken, put back on drop.
    outer_clock: lumbung_domain::Clock,
    _not_send: std::marker::PhantomData<*const ()>,
}

impl Drop for Conn {
    fn drop(&mut self) {
        HELD.with(|h| h.set(h.get().saturating_sub(1)));
        CLOCK.with(|c| c.set(self.outer_clock));
    }
}

impl std::ops::Deref for Conn {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        &self.inner
    }
}

impl std::ops::DerefMut for Conn {
    fn deref_mut(&mut self) -> &mut Connection {
        &mut self.inner
    }
}

fn migrate(conn: &mut Connection, path: &Path) -> Result<()> {
    let known = schema::MIGRATIONS.len() as i64;
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if current > known {
        return Err(StoreError::TooNew {
            path: path.to_path_buf(),
            found: current,
            known,
        });
    }
    if current == known {
        return Ok(());
    }
    conn.execute_batch("PRAGMA journal_mode = WAL")?;
    for (i, sql) in schema::MIGRATIONS.iter().enumerate().skip(current as usize) {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(sql)?;
        after_migration(&tx, i + 1)?;
        tx.execute_batch(&format!(
            "PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {};",
            i + 1
        ))?;
        tx.commit()?;
        tracing::info!(version = i + 1, "applied migration");
    }
    Ok(())
}

/// What a migration needs beyond SQL, in its transaction: data derived
/// by a rule the code holds.
fn after_migration(tx: &Transaction<'_>, version: usize) -> Result<()> {
    match version {
        // The repayments held, packed once for the reports.
        46 => fund::pack_repayments(tx),
        // The releases held, into their process's blocks.
        50 => procurement::pack_releases(tx),
        // The releases held, from their blocks into chunks, and what each
        // process says derived again from them, with its awards in its
        // row as 55 keeps them (migrations 19 to 21 added what it says
        // as rows of their own: databases from before those are derived
        // here, once).
        56 => procurement::derive_all(tx),
        // BLM capital posted in hundredths, reversed and posted in rupiah.
        58 => programme::correct_capital_scale(tx),
        _ => Ok(()),
    }
}

/// [`Store::write`] on a connection the caller holds (batches that tune it).
pub(crate) fn write_on<T>(
    conn: &mut Connection,
    f: impl FnOnce(&Transaction<'_>) -> Result<T>,
) -> Result<T> {
    write_with(conn, TransactionBehavior::Immediate, f)
}

/// [`write_on`] of a transaction that posts to the funds of the UPKs it
/// locks ([`Transaction::lock_upks`]) and writes nothing else but
/// append-only rows (the audit log): other UPKs post at the same time.
pub(crate) fn write_upks_on<T>(
    conn: &mut Connection,
    f: impl FnOnce(&Transaction<'_>) -> Result<T>,
) -> Result<T> {
    write_with(conn, TransactionBehavior::UpkWrites, f)
}

fn write_with<T>(
    conn: &mut Connection,
    behavior: TransactionBehavior,
    f: impl FnOnce(&Transaction<'_>) -> Result<T>,
) -> Result<T> {
    let tx = conn.transaction_with_behavior(behavior)?;
    let out = f(&tx)?;
    tx.commit()?;
    Ok(out)
}

/// Now, as stored: RFC 3339 in UTC, which sorts as text; from the clock of
/// the store whose connection this thread holds ([`Store::clock`]).
fn now() -> String {
    CLOCK.with(Cell::get).now().to_string()
}

/// Today, by the same clock.
fn today() -> jiff::civil::Date {
    CLOCK.with(Cell::get).today()
}

/// [`lumbung_domain::Clock::latest_today`] of the store's clock.
fn latest_today() -> jiff::civil::Date {
    CLOCK.with(Cell::get).latest_today()
}

/// Counts for the public home page.
#[derive(Debug, Clone, Default, serde::Serialize, schemars::JsonSchema)]
pub struct Overview {
    pub areas: u64,
    #[schemars(schema_with = "kind_counts_schema")]
    pub areas_by_kind: Vec<(String, u64)>,
    pub organisations: u64,
    #[schemars(schema_with = "kind_counts_schema")]
    pub organisations_by_kind: Vec<(String, u64)>,
    pub postcode_prefixes: u64,
}

/// `[["kelurahan", 12], …]`, written without `prefixItems`, which some
/// OpenAPI tools (Schemathesis) cannot read yet.
fn kind_counts_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "type": "array",
        "items": {
            "type": "array",
            "minItems": 2,
            "maxItems": 2,
            "items": {"anyOf": [{"type": "string"}, {"type": "integer", "minimum": 0}]}
        }
    })
}

impl Store {
    pub fn overview(&self) -> Result<Overview> {
        let conn = self.conn()?;
        let count = |sql: &str| -> Result<u64> {
            Ok(conn.query_row(sql, [], |r| r.get::<_, i64>(0))? as u64)
        };
        let grouped = |sql: &str| -> Result<Vec<(String, u64)>> {
            crate::sql::all(&conn, sql, [], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
            })
        };
        Ok(Overview {
            areas: count("SELECT count(*) FROM areas")?,
            areas_by_kind: grouped(
                "SELECT coalesce(kind, ''), count(*) FROM areas GROUP BY 1 ORDER BY min(depth), 1",
            )?,
            organisations: count("SELECT count(*) FROM organisations")?,
            organisations_by_kind: grouped(
                "SELECT kind, count(*) FROM organisations GROUP BY 1 ORDER BY 1",
            )?,
            postcode_prefixes: count("SELECT count(*) FROM postcode_prefixes")?,
        })
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::*;

    /// Where a test's database lives; removed when dropped.
    pub enum TestDb {
        File(tempfile::TempDir),
        /// A database made for the test on the server of `LUMBUNG_TEST_PG`.
        Postgres {
            server: String,
            name: String,
        },
    }

    impl TestDb {
        /// Opens the same database again (a second server of it).
        pub fn open_again(&self) -> Store {
            match self {
                TestDb::File(dir) => Store::open(&dir.path().join("t.db")).unwrap(),
                TestDb::Postgres { server, name } => {
                    Store::open_postgres(&database_url(server, name)).unwrap()
                }
            }
            .with_password_cost(PasswordCost::TestsOnly)
        }
    }

    impl Drop for TestDb {
        fn drop(&mut self) {
            if let TestDb::Postgres { server, name } = self {
                if let Ok(mut admin) = postgres::Client::connect(server, postgres::NoTls) {
                    let _ = admin
                        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
                }
            }
        }
    }

    /// `server` (a URL naming any database) with its database `name`.
    fn database_url(server: &str, name: &str) -> String {
        let base = server.split('?').next().unwrap_or(server);
        let query = server
            .split_once('?')
            .map(|(_, q)| format!("?{q}"))
            .unwrap_or_default();
        let host = base.rsplit_once('/').map_or(base, |(h, _)| h);
        format!("{host}/{name}{query}")
    }

    /// A new, empty database: on the PostgreSQL server `LUMBUNG_TEST_PG`
    /// names when it is set, else in a SQLite file.
    pub fn store() -> (TestDb, Store) {
        match std::env::var("LUMBUNG_TEST_PG") {
            Ok(server) if !server.trim().is_empty() => {
                static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
                let name = format!(
                    "lumbung_test_{}_{}",
                    std::process::id(),
                    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
                );
                let mut admin = postgres::Client::connect(&server, postgres::NoTls)
                    .expect("LUMBUNG_TEST_PG: the test server answers");
                admin
                    .batch_execute(&format!(
                        "CREATE DATABASE {name} TEMPLATE {}",
                        template(&server)
                    ))
                    .expect("a test database is created");
                let db = TestDb::Postgres { server, name };
                let store = db.open_again();
                (db, store)
            }
            _ => {
                let (dir, store) = sqlite_store();
                (TestDb::File(dir), store)
            }
        }
    }

    /// A database migrated once per test process, which each test's
    /// database copies (far quicker than migrating each).
    fn template(server: &str) -> &'static str {
        static TEMPLATE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        TEMPLATE.get_or_init(|| {
            let name = format!("lumbung_template_{}", std::process::id());
            let mut admin = postgres::Client::connect(server, postgres::NoTls)
                .expect("LUMBUNG_TEST_PG: the test server answers");
            admin
                .batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
                .and_then(|()| admin.batch_execute(&format!("CREATE DATABASE {name}")))
                .expect("the template database is created");
            drop(
                Store::open_postgres(&database_url(server, &name)).expect("the template migrates"),
            );
            name
        })
    }

    /// A new SQLite database, for a test of what only SQLite has.
    pub fn sqlite_store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.db"))
            .unwrap()
            .with_password_cost(PasswordCost::TestsOnly);
        (dir, store)
    }

    /// Adds `ana`, an admin of everything.
    pub fn add_ana(store: &Store) -> Result<User> {
        store.create_user(
            &lumbung_domain::Username::parse("ana").unwrap(),
            &lumbung_domain::Password::parse("0123456789").unwrap(),
            lumbung_domain::Role::Admin,
            &ScopeRef::Global,
            &Actor::cli(),
        )
    }

    /// Adds an analyst of everything named `name`: their id.
    pub fn user(store: &Store, name: &str) -> lumbung_domain::UserId {
        store
            .create_user(
                &lumbung_domain::Username::parse(name).unwrap(),
                &lumbung_domain::Password::parse("0123456789").unwrap(),
                lumbung_domain::Role::Analyst,
                &ScopeRef::Global,
                &Actor::cli(),
            )
            .unwrap()
            .id
    }

    /// An organisation by name and kind alone, in `area` if given.
    pub fn org_input(name: &str, kind: lumbung_domain::OrgKind, area: Option<&str>) -> OrgInput {
        OrgInput {
            name: name.into(),
            kind,
            area_code: area.map(|a| lumbung_domain::AreaCode::parse(a).unwrap()),
            parent_id: None,
            company_number: None,
            npwp: None,
            attributes: Default::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lumbung_domain::{Password, Role, Username};

    #[test]
    fn spares_never_take_the_connection_an_admitted_task_needs() {
        // The web app admits `max_connections` tasks; with all of them
        // holding a connection, the city-wide read still finds its two
        // spares, and a third is refused rather than taken from a task.
        let (_d, s) = test_support::store();
        let workers: Vec<_> = (0..s.max_connections())
            .map(|_| s.pool.get().unwrap())
            .collect();
        let a = s.spare_conn().expect("a spare");
        let b = s.spare_conn().expect("a second spare");
        assert!(s.spare_conn().is_none(), "two spares at most");
        drop(a);
        assert!(s.spare_conn().is_some(), "a spare is counted back");
        drop((b, workers));
    }

    #[test]
    fn a_new_file_is_created_and_migrated_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.db");
        let store = Store::open(&path).unwrap();
        assert_eq!(
            store.schema_version().unwrap(),
            schema::MIGRATIONS.len() as i64
        );
        drop(store);
        let again = Store::open(&path).unwrap();
        assert_eq!(
            again.schema_version().unwrap(),
            schema::MIGRATIONS.len() as i64
        );
    }

    #[test]
    fn other_files_are_refused_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let text = dir.path().join("notes.db");
        std::fs::write(
            &text,
            "shopping list, not a database, but long enough to be read as a header block",
        )
        .unwrap();
        assert!(matches!(
            Store::open(&text),
            Err(StoreError::NotLumbung { .. })
        ));
        assert!(std::fs::read_to_string(&text)
            .unwrap()
            .starts_with("shopping list"));

        let other = dir.path().join("other.db");
        rusqlite::Connection::open(&other)
            .unwrap()
            .execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (1);")
            .unwrap();
        assert!(matches!(
            Store::open(&other),
            Err(StoreError::NotLumbung { .. })
        ));
        let n: i64 = rusqlite::Connection::open(&other)
            .unwrap()
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 1, "no Lumbung tables were added");
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let (dir, store) = test_support::sqlite_store();
        let path = store.path().to_path_buf();
        drop(store);
        rusqlite::Connection::open(&path)
            .unwrap()
            .execute_batch("PRAGMA user_version = 999")
            .unwrap();
        assert!(matches!(
            Store::open(&path),
            Err(StoreError::TooNew { found: 999, .. })
        ));
        drop(dir);
    }

    #[test]
    fn backup_is_a_full_lumbung_database_and_never_overwrites() {
        let (dir, store) = test_support::sqlite_store();
        let dest = dir.path().join("copy.db");
        store.backup(&dest).unwrap();
        let copy = Store::open(&dest).unwrap();
        assert_eq!(
            copy.schema_version().unwrap(),
            store.schema_version().unwrap()
        );
        assert!(matches!(store.backup(&dest), Err(StoreError::Conflict(_))));
    }

    /// Writers take the write lock when they begin (IMMEDIATE), so
    /// concurrent requests wait for each other instead of failing with
    /// SQLITE_BUSY when a read-then-write transaction meets a newer commit.
    #[test]
    fn concurrent_writers_all_succeed() {
        let (_dir, store) = test_support::store();
        let pw = Password::parse("0123456789").unwrap();
        let handles: Vec<_> = (0..4)
            .map(|t| {
                let store = store.clone();
                let pw = pw.clone();
                std::thread::spawn(move || {
                    for i in 0..5 {
                        let name = Username::parse(&format!("u{t}x{i}")).unwrap();
                        store
                            .create_user(
                                &name,
                                &pw,
                                Role::Analyst,
                                &ScopeRef::Global,
                                &Actor::cli(),
                            )
                            .unwrap();
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        assert_eq!(
            store.users(&lumbung_domain::Scope::Global).unwrap().len(),
            20
        );
    }

    #[test]
    fn a_writer_blocked_by_another_program_gets_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("locked.db");
        let store = Store::open_with(&path, std::time::Duration::from_millis(100)).unwrap();
        let other = rusqlite::Connection::open(&path).unwrap();
        other.execute_batch("BEGIN IMMEDIATE").unwrap();
        let err = test_support::add_ana(&store).unwrap_err();
        assert!(matches!(err, StoreError::Busy), "{err:?}");
        assert!(err.to_string().contains("another program"));
        other.execute_batch("ROLLBACK").unwrap();
    }
}
