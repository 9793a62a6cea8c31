//! One small API over the two databases Lumbung runs on, shaped like
//! rusqlite's (which the store was written against): SQLite through
//! rusqlite, PostgreSQL through `postgres`. The store's SQL is written once
//! in the dialect both accept; what must differ (the schema, locking,
//! tuning pragmas) asks [`Connection::backend`].
//!
//! A statement's parameters are `?1`, `?2`, … (or `?`), turned into
//! PostgreSQL's `$1`, `$2`, … when it is prepared there.

/// Calls macro `$m` with the tuples of 1 to 16 elements, each element's
/// position and type parameter (`(0 A, 1 B)`): rows read into tuples and
/// tuples bound as parameters take the same sizes.
macro_rules! with_tuples {
    ($m:ident) => {
        $m! {
            (0 A)
            (0 A, 1 B)
            (0 A, 1 B, 2 C)
            (0 A, 1 B, 2 C, 3 D)
            (0 A, 1 B, 2 C, 3 D, 4 E)
            (0 A, 1 B, 2 C, 3 D, 4 E, 5 F)
            (0 A, 1 B, 2 C, 3 D, 4 E, 5 F, 6 G)
            (0 A, 1 B, 2 C, 3 D, 4 E, 5 F, 6 G, 7 H)
            (0 A, 1 B, 2 C, 3 D, 4 E, 5 F, 6 G, 7 H, 8 I)
            (0 A, 1 B, 2 C, 3 D, 4 E, 5 F, 6 G, 7 H, 8 I, 9 J)
            (0 A, 1 B, 2 C, 3 D, 4 E, 5 F, 6 G, 7 H, 8 I, 9 J, 10 K)
            (0 A, 1 B, 2 C, 3 D, 4 E, 5 F, 6 G, 7 H, 8 I, 9 J, 10 K, 11 L)
            (0 A, 1 B, 2 C, 3 D, 4 E, 5 F, 6 G, 7 H, 8 I, 9 J, 10 K, 11 L, 12 M)
            (0 A, 1 B, 2 C, 3 D, 4 E, 5 F, 6 G, 7 H, 8 I, 9 J, 10 K, 11 L, 12 M, 13 N)
            (0 A, 1 B, 2 C, 3 D, 4 E, 5 F, 6 G, 7 H, 8 I, 9 J, 10 K, 11 L, 12 M, 13 N, 14 O)
            (0 A, 1 B, 2 C, 3 D, 4 E, 5 F, 6 G, 7 H, 8 I, 9 J, 10 K, 11 L, 12 M, 13 N, 14 O, 15 P)
        }
    };
}

mod pg;
pub(crate) mod tls;
mod value;

pub(crate) use value::params;
pub use value::{params_from_iter, FromSql, Params, ToSql, Value, ValueRef};

use std::cell::RefCell;
use std::collections::HashMap;

/// Which database a connection talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("{}", pg::describe(.0))]
    Pg(#[from] postgres::Error),
    #[error("the query found no row")]
    NoRows,
    #[error("a column's value: {0}")]
    Conversion(String),
    #[error("a parameter: {0}")]
    Parameter(String),
    /// A row referring to one that is not there, found by a check at the
    /// end of a write (`sql::foreign_keys_hold`).
    #[error("a broken reference: {0}")]
    Integrity(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A column's value that does not make the type asked for.
    pub fn conversion(e: impl std::fmt::Display) -> Error {
        Error::Conversion(e.to_string())
    }

    pub(crate) fn conversion_type(wanted: &str, found: &ValueRef<'_>) -> Error {
        Error::Conversion(format!("{} where {wanted} was expected", found.kind()))
    }

    /// Another writer holds the database (SQLite's busy or locked; a lock
    /// PostgreSQL gave up waiting for, a deadlock or a serialization
    /// failure).
    pub fn is_busy(&self) -> bool {
        match self {
            Error::Sqlite(e) => matches!(
                e.sqlite_error_code(),
                Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
            ),
            Error::Pg(e) => pg::is_busy(e),
            _ => false,
        }
    }

    /// The server could not be reached or gave up on the statement for a
    /// reason of its own (a connection lost, a server shutting down, a hot
    /// standby cancelling a query that conflicts with its recovery):
    /// nothing wrong with the statement.
    pub fn is_unreachable(&self) -> bool {
        match self {
            Error::Pg(e) => pg::is_unreachable(e),
            _ => false,
        }
    }

    /// The database's own message (a trigger's words, a constraint's).
    pub fn message(&self) -> Option<&str> {
        match self {
            Error::Sqlite(rusqlite::Error::SqliteFailure(_, Some(m))) => Some(m),
            Error::Pg(e) => e.as_db_error().map(|d| d.message()),
            _ => None,
        }
    }
}

/// `.optional()` on a query that may find no row, as rusqlite's.
pub trait OptionalExtension<T> {
    fn optional(self) -> Result<Option<T>>;
}

impl<T> OptionalExtension<T> for Result<T> {
    fn optional(self) -> Result<Option<T>> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(Error::NoRows) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// One open connection.
pub enum Connection {
    Sqlite(rusqlite::Connection),
    Pg(Box<pg::PgConnection>),
}

impl Connection {
    pub fn backend(&self) -> Backend {
        match self {
            Connection::Sqlite(_) => Backend::Sqlite,
            Connection::Pg(_) => Backend::Postgres,
        }
    }

    pub fn execute_batch(&self, sql: &str) -> Result<()> {
        match self {
            Connection::Sqlite(c) => Ok(c.execute_batch(sql)?),
            Connection::Pg(c) => c.execute_batch(sql),
        }
    }

    /// From the connection's cache of statements (bounded: see `configure`
    /// and [`PG_CACHED`]): the pages run the same few hundred statements,
    /// and compiling one again cost more than running it (on PostgreSQL a
    /// round trip more).
    pub fn prepare(&self, sql: &str) -> Result<Statement<'_>> {
        match self {
            Connection::Sqlite(c) => Ok(Statement::Sqlite(c.prepare_cached(sql)?)),
            Connection::Pg(c) => Ok(Statement::Pg(c.prepare(sql)?)),
        }
    }

    pub fn execute(&self, sql: &str, params: impl Params) -> Result<usize> {
        self.prepare(sql)?.execute(params)
    }

    pub fn query_row<T>(
        &self,
        sql: &str,
        params: impl Params,
        read: impl FnOnce(&Row<'_>) -> Result<T>,
    ) -> Result<T> {
        self.prepare(sql)?.query_row(params, read)
    }

    /// Runs an `INSERT` of one row into a table keyed by `id` and returns
    /// the new row's id. On SQLite without `RETURNING`: a statement with
    /// `RETURNING` counts as one that may write several rows, so inside a
    /// long transaction SQLite copies every page it touches to a statement
    /// journal first (a third of a city's import went to that).
    pub fn insert_id(&self, sql: &str, params: impl Params) -> Result<i64> {
        match self {
            Connection::Sqlite(c) => {
                self.prepare(sql)?.execute(params)?;
                Ok(c.last_insert_rowid())
            }
            Connection::Pg(_) => {
                self.query_row(&format!("{sql} RETURNING id"), params, |r| r.get(0))
            }
        }
    }

    pub fn transaction(&mut self) -> Result<Transaction<'_>> {
        self.transaction_with_behavior(TransactionBehavior::Deferred)
    }

    /// `Immediate` takes the write lock at once: SQLite's one writer; on
    /// PostgreSQL an advisory lock every immediate transaction takes, so
    /// the rules checked inside a write transaction see every earlier
    /// write, as on SQLite.
    pub fn transaction_with_behavior(
        &mut self,
        behavior: TransactionBehavior,
    ) -> Result<Transaction<'_>> {
        match self {
            Connection::Sqlite(c) => c.execute_batch(match behavior {
                TransactionBehavior::Deferred => "BEGIN DEFERRED",
                TransactionBehavior::Immediate | TransactionBehavior::UpkWrites => {
                    "BEGIN IMMEDIATE"
                }
            })?,
            Connection::Pg(c) => c.begin(behavior)?,
        }
        Ok(Transaction {
            conn: self,
            open: true,
            locked: std::cell::RefCell::new(match behavior {
                TransactionBehavior::Deferred => Locked::Nothing,
                TransactionBehavior::Immediate => Locked::Everything,
                TransactionBehavior::UpkWrites => Locked::Upks(Vec::new()),
            }),
        })
    }

    fn finish(&self, sql: &str) -> Result<()> {
        match self {
            Connection::Sqlite(c) => Ok(c.execute_batch(sql)?),
            Connection::Pg(c) => c.execute_batch(sql),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransactionBehavior {
    Deferred,
    Immediate,
    /// Writes to the funds of some UPKs only, each UPK taken with
    /// [`Transaction::lock_upks`] before its books are read: on PostgreSQL
    /// the write lock shared (every other writer waits, and waits for
    /// these) and a lock per UPK, so that different UPKs post at once; on
    /// SQLite its one writer, as `Immediate`.
    UpkWrites,
}

/// What a write transaction holds.
#[derive(Debug)]
enum Locked {
    Nothing,
    Everything,
    Upks(Vec<i64>),
}

/// An open transaction; rolled back when dropped uncommitted.
pub struct Transaction<'c> {
    conn: &'c mut Connection,
    open: bool,
    locked: std::cell::RefCell<Locked>,
}

impl Transaction<'_> {
    /// Takes the locks of these UPKs' funds (a transaction begun with
    /// [`TransactionBehavior::UpkWrites`]), in one order for every
    /// writer so that two never wait for each other. Recorded on both
    /// backends, so that a write outside them fails on SQLite's tests too.
    pub fn lock_upks(&self, upks: &[i64]) -> Result<()> {
        let mut locked = self.locked.borrow_mut();
        let Locked::Upks(held) = &mut *locked else {
            return Ok(());
        };
        let mut wanted: Vec<i64> = upks.iter().copied().filter(|u| !held.contains(u)).collect();
        if wanted.is_empty() {
            return Ok(());
        }
        if let Connection::Pg(c) = &*self.conn {
            c.lock_upks(&wanted)?;
        }
        held.append(&mut wanted);
        Ok(())
    }

    /// Whether this transaction may write to the fund of `upk`.
    pub fn holds_upk(&self, upk: i64) -> bool {
        match &*self.locked.borrow() {
            Locked::Nothing => false,
            Locked::Everything => true,
            Locked::Upks(held) => held.contains(&upk),
        }
    }

    pub fn commit(mut self) -> Result<()> {
        self.open = false;
        self.conn.finish("COMMIT")
    }
}

impl std::ops::Deref for Transaction<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        self.conn
    }
}

impl Drop for Transaction<'_> {
    fn drop(&mut self) {
        if self.open {
            let still_open = match &*self.conn {
                Connection::Sqlite(c) => !c.is_autocommit(),
                Connection::Pg(_) => true,
            };
            if still_open {
                let _ = self.conn.finish("ROLLBACK");
            }
        }
    }
}

/// A prepared statement.
pub enum Statement<'c> {
    /// Always from the connection's cache.
    Sqlite(rusqlite::CachedStatement<'c>),
    Pg(pg::PgStatement<'c>),
}

fn sqlite_value(v: ValueRef<'_>) -> rusqlite::types::ToSqlOutput<'_> {
    use rusqlite::types::ValueRef as R;
    rusqlite::types::ToSqlOutput::Borrowed(match v {
        ValueRef::Null => R::Null,
        ValueRef::Integer(i) => R::Integer(i),
        ValueRef::Real(f) => R::Real(f),
        ValueRef::Text(t) => R::Text(t.as_bytes()),
        ValueRef::Blob(b) => R::Blob(b),
    })
}

fn bind_sqlite(stmt: &mut rusqlite::Statement<'_>, params: impl Params) -> Result<()> {
    let expected = stmt.parameter_count();
    let given = params.bind_each(&mut |i, v| {
        if i > expected {
            return Err(Error::Parameter(format!(
                "{i} given where the statement takes {expected}"
            )));
        }
        Ok(stmt.raw_bind_parameter(i, sqlite_value(v))?)
    })?;
    if given != expected {
        return Err(Error::Parameter(format!(
            "{given} given where the statement takes {expected}"
        )));
    }
    Ok(())
}

fn sqlite_execute(s: &mut rusqlite::Statement<'_>, params: impl Params) -> Result<usize> {
    bind_sqlite(s, params)?;
    Ok(s.raw_execute()?)
}

fn sqlite_query<'s>(s: &'s mut rusqlite::Statement<'_>, params: impl Params) -> Result<Rows<'s>> {
    bind_sqlite(s, params)?;
    Ok(Rows::Sqlite(s.raw_query()))
}

impl Statement<'_> {
    pub fn execute(&mut self, params: impl Params) -> Result<usize> {
        match self {
            Statement::Sqlite(s) => sqlite_execute(s, params),
            Statement::Pg(p) => p.execute(params),
        }
    }

    pub fn query(&mut self, params: impl Params) -> Result<Rows<'_>> {
        match self {
            Statement::Sqlite(s) => sqlite_query(s, params),
            Statement::Pg(p) => Ok(Rows::Pg(p.query(params)?.into_iter())),
        }
    }

    pub fn query_map<T, F>(&mut self, params: impl Params, read: F) -> Result<MappedRows<'_, F>>
    where
        F: FnMut(&Row<'_>) -> Result<T>,
    {
        Ok(MappedRows {
            rows: self.query(params)?,
            read,
        })
    }

    pub fn query_row<T>(
        &mut self,
        params: impl Params,
        read: impl FnOnce(&Row<'_>) -> Result<T>,
    ) -> Result<T> {
        let mut rows = self.query(params)?;
        match rows.next()? {
            Some(row) => read(&row),
            None => Err(Error::NoRows),
        }
    }

    pub fn exists(&mut self, params: impl Params) -> Result<bool> {
        Ok(self.query(params)?.next()?.is_some())
    }
}

/// rusqlite's name for a statement kept prepared: one type here.
pub type CachedStatement<'c> = Statement<'c>;

/// The rows a query finds, read one by one.
pub enum Rows<'s> {
    Sqlite(rusqlite::Rows<'s>),
    Pg(std::vec::IntoIter<postgres::Row>),
}

/// The row being read (borrowed for the time of the read).
pub enum Row<'r> {
    Sqlite(&'r rusqlite::Row<'r>),
    Pg(postgres::Row),
}

impl Rows<'_> {
    #[allow(clippy::should_implement_trait)] // rusqlite's shape: a row borrows the cursor
    pub fn next(&mut self) -> Result<Option<Row<'_>>> {
        match self {
            Rows::Sqlite(rows) => Ok(rows.next()?.map(Row::Sqlite)),
            Rows::Pg(rows) => Ok(rows.next().map(Row::Pg)),
        }
    }
}

/// A column's position (rusqlite's `get::<_, T>(0)` shape).
pub trait RowIndex {
    fn index(self) -> usize;
}

impl RowIndex for usize {
    fn index(self) -> usize {
        self
    }
}

impl Row<'_> {
    pub fn get<I: RowIndex, T: FromSql>(&self, index: I) -> Result<T> {
        let index = index.index();
        T::from_sql(self.get_ref(index)?).map_err(|e| match e {
            Error::Conversion(m) => Error::Conversion(format!("column {index}: {m}")),
            other => other,
        })
    }

    /// A text's or a blob's bytes as stored, valid UTF-8 or not (what a
    /// damaged row holds is for its reader to judge).
    pub fn get_bytes(&self, index: usize) -> Result<&[u8]> {
        match self {
            Row::Sqlite(r) => {
                use rusqlite::types::ValueRef as R;
                match r.get_ref(index)? {
                    R::Text(b) | R::Blob(b) => Ok(b),
                    R::Null => Err(Error::conversion_type("bytes", &ValueRef::Null)),
                    R::Integer(i) => Err(Error::conversion_type("bytes", &ValueRef::Integer(i))),
                    R::Real(f) => Err(Error::conversion_type("bytes", &ValueRef::Real(f))),
                }
            }
            Row::Pg(_) => self.get_ref(index)?.as_bytes(),
        }
    }

    /// The column's value, borrowed from the row (no copy of its text).
    pub fn get_ref(&self, index: usize) -> Result<ValueRef<'_>> {
        match self {
            Row::Sqlite(r) => {
                use rusqlite::types::ValueRef as R;
                Ok(match r.get_ref(index)? {
                    R::Null => ValueRef::Null,
                    R::Integer(i) => ValueRef::Integer(i),
                    R::Real(f) => ValueRef::Real(f),
                    R::Text(t) => ValueRef::Text(
                        std::str::from_utf8(t)
                            .map_err(|e| Error::Conversion(format!("column {index}: {e}")))?,
                    ),
                    R::Blob(b) => ValueRef::Blob(b),
                })
            }
            Row::Pg(r) => pg::cell(r, index),
        }
    }
}

/// Rows read by a function as they come.
pub struct MappedRows<'s, F> {
    rows: Rows<'s>,
    read: F,
}

impl<T, F> Iterator for MappedRows<'_, F>
where
    F: FnMut(&Row<'_>) -> Result<T>,
{
    type Item = Result<T>;
    fn next(&mut self) -> Option<Result<T>> {
        match self.rows.next() {
            Ok(Some(row)) => Some((self.read)(&row)),
            Ok(None) => None,
            Err(e) => Some(Err(e)),
        }
    }
}

/// Opens pooled connections of either kind.
pub struct Manager {
    kind: ManagerKind,
}

enum ManagerKind {
    Sqlite(r2d2_sqlite::SqliteConnectionManager),
    Pg(pg::PgManager),
}

impl Manager {
    pub fn sqlite(manager: r2d2_sqlite::SqliteConnectionManager) -> Manager {
        Manager {
            kind: ManagerKind::Sqlite(manager),
        }
    }

    pub fn postgres(target: tls::Target) -> Manager {
        Manager {
            kind: ManagerKind::Pg(pg::PgManager::new(target)),
        }
    }
}

impl r2d2::ManageConnection for Manager {
    type Connection = Connection;
    type Error = Error;

    fn connect(&self) -> Result<Connection> {
        match &self.kind {
            ManagerKind::Sqlite(m) => Ok(Connection::Sqlite(m.connect()?)),
            ManagerKind::Pg(m) => Ok(Connection::Pg(Box::new(m.connect()?))),
        }
    }

    fn is_valid(&self, conn: &mut Connection) -> Result<()> {
        conn.execute_batch("")
    }

    fn has_broken(&self, conn: &mut Connection) -> bool {
        match conn {
            Connection::Sqlite(_) => false,
            Connection::Pg(c) => c.is_closed(),
        }
    }
}

/// Statements a PostgreSQL connection keeps prepared, by their text.
type PgCache = RefCell<HashMap<String, postgres::Statement>>;

/// How many statements a PostgreSQL connection keeps prepared at most; a
/// full cache starts again empty (texts built from data, such as lists of
/// ids, must not grow it without end).
pub(crate) const PG_CACHED: usize = 512;

macro_rules! tuple_from_row {
    ($(($($i:tt $t:ident),+))+) => {$(
        impl<$($t: FromSql),+> TryFrom<&Row<'_>> for ($($t,)+) {
            type Error = Error;
            fn try_from(row: &Row<'_>) -> Result<Self> {
                Ok(($(row.get::<_, $t>($i)?,)+))
            }
        }
    )+};
}
with_tuples!(tuple_from_row);
