//! What every store module does with SQL the same way: a row into a
//! struct ([`from_row!`]), the one value a query may find ([`optional`]),
//! every row it finds ([`all`]).

use crate::db::FromSql;
use crate::db::{Connection, OptionalExtension, Params, Row, ToSql};
use crate::Result;
use lumbung_domain::{AreaPath, Scope};
use std::borrow::Cow;

/// `from_row!(r, Area { code, name, depth })` builds the struct from the
/// row's columns in the order the fields are written (column 0 into `code`,
/// 1 into `name`, …: field initialisers run in order). A field written
/// `field: f` passes its column's value through `f`
/// (`id: PollId::new`, `details: |s: String| …`); fields after a `;` take
/// the values given, not a column (`; already_imported: false`).
macro_rules! from_row {
    ($r:expr, $ty:ident { $($field:ident $(: $convert:expr)?),* $(,)? }
        $(; $($fixed:ident: $value:expr),* $(,)?)?) => {{
        let row: &crate::db::Row<'_> = $r;
        let mut column = 0usize..;
        Ok($ty {
            $($field: from_row!(@column row, column $(, $convert)?),)*
            $($($fixed: $value),*)?
        })
    }};
    (@column $row:ident, $column:ident) => {
        $row.get($column.next().expect("columns never run out"))?
    };
    (@column $row:ident, $column:ident, $convert:expr) => {
        ($convert)($row.get($column.next().expect("columns never run out"))?)
    };
}

/// The first column of the first row `sql` finds, or `None` when it finds
/// no row.
pub(crate) fn optional<T: FromSql>(
    conn: &Connection,
    sql: &str,
    params: impl Params,
) -> Result<Option<T>> {
    optional_row(conn, sql, params, |r| r.get(0))
}

/// Whether `sql` finds a row.
pub(crate) fn exists(conn: &Connection, sql: &str, params: impl Params) -> Result<bool> {
    Ok(conn.prepare(sql)?.exists(params)?)
}

/// The first row `sql` finds, read by `read`, or `None` when it finds no
/// row.
pub(crate) fn optional_row<T>(
    conn: &Connection,
    sql: &str,
    params: impl Params,
    read: impl FnOnce(&Row<'_>) -> crate::db::Result<T>,
) -> Result<Option<T>> {
    Ok(conn.prepare(sql)?.query_row(params, read).optional()?)
}

/// Every row `sql` finds, each read by `read`, collected (a `Vec`, a set).
pub(crate) fn all<T, C: FromIterator<T>>(
    conn: &Connection,
    sql: &str,
    params: impl Params,
    read: impl FnMut(&Row<'_>) -> crate::db::Result<T>,
) -> Result<C> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map(params, read)?;
    Ok(rows.collect::<crate::db::Result<_>>()?)
}

/// One page of a listing, with the count of all its rows: `rows` is its
/// `FROM … WHERE …` (parameters `?1`, `?2`, … in `params`), `columns` what
/// `read` reads of each row, `order` its `ORDER BY`; the page is `limit`
/// rows from `offset`.
pub(crate) fn page<T>(
    conn: &Connection,
    (columns, rows, order): (&str, &str, &str),
    params: &[&dyn ToSql],
    (limit, offset): (u32, u32),
    read: impl FnMut(&Row<'_>) -> crate::db::Result<T>,
) -> Result<(Vec<T>, u64)> {
    let total: i64 = conn.query_row(&format!("SELECT count(*) {rows}"), params, |r| r.get(0))?;
    let (l, o) = (params.len() + 1, params.len() + 2);
    let sql = format!("SELECT {columns} {rows} ORDER BY {order} LIMIT ?{l} OFFSET ?{o}");
    let mut bound = params.to_vec();
    bound.extend([&limit as &dyn ToSql, &offset]);
    let found = all(conn, &sql, bound.as_slice(), read)?;
    Ok((found, total as u64))
}

/// The stored path of area `code`, if there is one.
pub(crate) fn area_path(conn: &Connection, code: &str) -> Result<Option<String>> {
    optional(conn, "SELECT path FROM areas WHERE code = ?1", [code])
}

/// A listing's search text, trimmed; `None` when there is none.
pub(crate) fn searched(query: &Option<String>) -> Option<&str> {
    query.as_deref().map(str::trim).filter(|q| !q.is_empty())
}

/// The `LIKE` pattern that finds `query` anywhere (its own `%` and `_`
/// dropped, so they match nothing special).
pub(crate) fn like(query: &str) -> String {
    format!("%{}%", query.replace(['%', '_'], ""))
}

/// The range of stored paths inside `within` (`path >= lo AND path < hi`),
/// or none for no bound.
pub(crate) fn subtree(within: Option<&AreaPath>) -> (Option<String>, Option<String>) {
    match within {
        Some(p) => (Some(p.as_str().to_owned()), Some(p.subtree_end())),
        None => (None, None),
    }
}

/// The rows of a list that `scope` sees, as a condition to stand after
/// `WHERE` and its parameters (`?1`…): `path` names the column of a
/// row's area path, `owner` the column of the organisation a row is
/// placed under (`None` for rows no organisation owns, which an
/// organisation's scope sees by its area alone). The rows are those
/// [`Scope::covers`] keeps, so that a list read up to a bound holds the
/// reader's rows whatever others fill elsewhere.
pub(crate) fn seen_by(
    scope: &Scope,
    path: &str,
    owner: Option<&str>,
) -> (String, Vec<crate::db::Value>) {
    let range = |p: &AreaPath| {
        (
            format!("{path} >= ?1 AND {path} < ?2"),
            vec![p.as_str().into(), p.subtree_end().into()],
        )
    };
    match scope {
        Scope::Global => ("1 = 1".to_owned(), vec![]),
        Scope::Area { path: within, .. } => range(within),
        Scope::Org { area: None, .. } => ("1 = 0".to_owned(), vec![]),
        Scope::Org {
            id,
            area: Some(within),
        } => {
            let (mut sql, mut params) = range(within);
            if let Some(owner) = owner {
                sql.push_str(&format!(" AND {owner} IN {}", under_org(3)));
                params.push((*id).into());
            }
            (sql, params)
        }
    }
}

/// The organisation whose id is parameter `?{k}` and those under it, as
/// a subquery: a row placed under any of them has that organisation in
/// its lineage.
pub(crate) fn under_org(k: usize) -> String {
    format!(
        "(WITH RECURSIVE down(id) AS (
             SELECT id FROM organisations WHERE id = ?{k}
             UNION SELECT o.id FROM organisations o JOIN down ON o.parent_id = down.id)
         SELECT id FROM down)"
    )
}

/// A JSON column's value, or the type's default when it does not parse.
pub(crate) fn json_or_default<T: serde::de::DeserializeOwned + Default>(json: String) -> T {
    serde_json::from_str(&json).unwrap_or_default()
}

/// Runs bulk work `f` with a page cache of `mib` MiB on this (pooled)
/// connection and its statement journals in memory, then gives the
/// connection its own settings back. Each multi-row insert of a long
/// transaction first copies the pages it changes to a statement journal
/// (to undo the statement alone): a tenth-size city's fund import wrote
/// 2.4 GB of them to a temporary file, a tenth of its time; in memory one
/// statement's few pages are held at a time.
pub(crate) fn with_cache<T>(
    conn: &mut crate::db::Connection,
    mib: i64,
    f: impl FnOnce(&mut crate::db::Connection) -> Result<T>,
) -> Result<T> {
    if conn.backend() != crate::db::Backend::Sqlite {
        // PostgreSQL's shared buffers are the server's to size.
        return f(conn);
    }
    let before: (i64, i64) = conn.query_row(
        "SELECT cache_size, temp_store FROM pragma_cache_size, pragma_temp_store",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    conn.execute_batch(&format!(
        "PRAGMA cache_size = -{}; PRAGMA temp_store = MEMORY",
        mib * 1024
    ))?;
    let out = f(conn);
    let restored = conn.execute_batch(&format!(
        "PRAGMA cache_size = {}; PRAGMA temp_store = {}",
        before.0, before.1
    ));
    let out = out?;
    restored?;
    Ok(out)
}

/// Inserts rows of `width` values each (`values` one row after the other)
/// with one statement per `per` rows: `{head} VALUES (…), (…) {tail}`, a
/// round trip per statement rather than per row on a database server.
/// Returns the rows changed.
pub(crate) fn insert_many(
    conn: &Connection,
    head: &str,
    tail: &str,
    width: usize,
    per: usize,
    values: &[crate::db::Value],
) -> Result<usize> {
    debug_assert_eq!(values.len() % width, 0);
    let mut changed = 0;
    // The statement's text for a number of rows, written once a call (an
    // import writes millions of rows this way).
    let mut sql = (0, String::new());
    for chunk in values.chunks(width * per) {
        let rows = chunk.len() / width;
        if sql.0 != rows {
            sql = (rows, values_sql(head, tail, width, rows));
        }
        // Full chunks share one statement, kept prepared (so is the last,
        // shorter one: the caches are bounded).
        let mut stmt = conn.prepare(&sql.1)?;
        changed += stmt.execute(crate::db::params_from_iter(chunk))?;
    }
    Ok(changed)
}

/// Rows of one table written many a statement as they come: each full
/// chunk of `per` rows with one statement, prepared once; what is left
/// waits for more rows or for [`Bulk::finish`]. A child table's rows may
/// wait after their parents' are written, never before.
///
/// On SQLite a statement that fails is not undone alone (`INSERT OR
/// FAIL`): the caller's transaction is, as every store write is when it
/// fails, so SQLite need not first copy each page a statement changes to
/// undo it (with foreign keys checked at the end, [`foreign_keys_at_end`],
/// a city's OCDS import 9% faster).
pub(crate) struct Bulk {
    head: &'static str,
    tail: &'static str,
    width: usize,
    per: usize,
    values: Vec<crate::db::Value>,
    /// The statement of a full chunk, once written for the backend.
    full: Option<String>,
}

impl Bulk {
    /// `head` is `INSERT INTO table (columns…)`, `tail` what follows the
    /// rows (`ON CONFLICT …`).
    pub(crate) fn new(head: &'static str, tail: &'static str, width: usize, per: usize) -> Bulk {
        assert!(head.starts_with("INSERT INTO "), "{head}");
        Bulk {
            head,
            tail,
            width,
            per,
            values: Vec::with_capacity(width * per),
            full: None,
        }
    }

    /// Adds a row of `width` values (written when its chunk is full).
    pub(crate) fn push<const W: usize>(&mut self, row: [crate::db::Value; W]) {
        // A row of another width would shift every row after it.
        assert_eq!(W, self.width, "a row of {W} values for {}", self.head);
        self.values.extend(row);
    }

    /// The statement's head on the backend of `conn`.
    fn head(&self, conn: &Connection) -> Cow<'static, str> {
        match conn.backend() {
            crate::db::Backend::Sqlite => Cow::Owned(self.head.replacen(
                "INSERT INTO ",
                "INSERT OR FAIL INTO ",
                1,
            )),
            crate::db::Backend::Postgres => Cow::Borrowed(self.head),
        }
    }

    /// Writes the full chunks held, keeping the rest.
    pub(crate) fn write_full(&mut self, conn: &Connection) -> Result<()> {
        self.write_full_on(conn, &mut None)
    }

    /// As [`Bulk::write_full`], on a statement the caller keeps from one
    /// call to the next (prepared into `held` when it is `None`): the
    /// buffers of its bound values serve again, where a statement going
    /// back to the connection's cache frees each (thousands a statement).
    pub(crate) fn write_full_on<'c>(
        &mut self,
        conn: &'c Connection,
        held: &mut Option<crate::db::Statement<'c>>,
    ) -> Result<()> {
        let chunk = self.width * self.per;
        if self.values.len() < chunk {
            return Ok(());
        }
        if self.full.is_none() {
            self.full = Some(values_sql(
                &self.head(conn),
                self.tail,
                self.width,
                self.per,
            ));
        }
        let stmt = match held {
            Some(stmt) => stmt,
            None => held.insert(conn.prepare(self.full.as_deref().expect("written above"))?),
        };
        let whole = self.values.len() / chunk * chunk;
        for rows in self.values[..whole].chunks(chunk) {
            stmt.execute(crate::db::params_from_iter(rows))?;
        }
        self.values.drain(..whole);
        Ok(())
    }

    /// Writes every row held.
    pub(crate) fn finish(&mut self, conn: &Connection) -> Result<()> {
        self.write_full(conn)?;
        if !self.values.is_empty() {
            insert_many(
                conn,
                &self.head(conn),
                self.tail,
                self.width,
                self.per,
                &self.values,
            )?;
            self.values.clear();
        }
        Ok(())
    }
}

/// Runs `f`, which writes in a transaction of its own, with SQLite's
/// foreign keys unchecked as rows are written (a checked key makes SQLite
/// copy each page a statement of many rows changes, to undo it alone):
/// `f` checks them with [`foreign_keys_hold`] before it commits. Checked
/// again afterwards, even when `f` panics (the connection goes back to
/// the pool).
pub(crate) fn foreign_keys_at_end<T>(
    conn: &mut Connection,
    f: impl FnOnce(&mut Connection) -> Result<T>,
) -> Result<T> {
    if conn.backend() != crate::db::Backend::Sqlite {
        // PostgreSQL checks each row without copying anything.
        return f(conn);
    }
    conn.execute_batch("PRAGMA foreign_keys = OFF")?;
    let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(conn)));
    // Setting them does nothing inside a transaction (one a failed commit
    // left open): read back, so that this is an error, not a connection
    // going back to the pool unchecked.
    let restored = conn
        .execute_batch("PRAGMA foreign_keys = ON")
        .and_then(|()| conn.query_row("PRAGMA foreign_keys", [], |r| r.get::<_, i64>(0)));
    let out = out.unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
    if restored? != 1 {
        return Err(crate::StoreError::Db(crate::db::Error::Integrity(
            "foreign keys could not be checked again on this connection".into(),
        )));
    }
    Ok(out)
}

/// Whether every row of `tables` refers to rows that are there (SQLite's
/// `foreign_key_check`); the first that does not is an error. Each table
/// is read whole.
pub(crate) fn foreign_keys_hold(tx: &Connection, tables: &[&str]) -> Result<()> {
    if tx.backend() != crate::db::Backend::Sqlite {
        return Ok(());
    }
    for table in tables {
        // A table `WITHOUT ROWID` names no row.
        let broken: Option<(String, Option<i64>, String)> = optional_row(
            tx,
            &format!("SELECT \"table\", rowid, parent FROM pragma_foreign_key_check('{table}')"),
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        if let Some((table, row, parent)) = broken {
            let row = row.map_or_else(|| "a row".to_owned(), |r| format!("row {r}"));
            return Err(crate::StoreError::Db(crate::db::Error::Integrity(format!(
                "{row} of {table} refers to a row of {parent} that is not there"
            ))));
        }
    }
    Ok(())
}

/// `{head} VALUES (?1, …), (…) {tail}` for `rows` rows of `width` values.
fn values_sql(head: &str, tail: &str, width: usize, rows: usize) -> String {
    use std::fmt::Write as _;
    let mut text = format!("{head} VALUES ");
    for r in 0..rows {
        text.push_str(if r == 0 { "(" } else { ", (" });
        for c in 1..=width {
            let _ = write!(text, "{}?{}", if c == 1 { "" } else { ", " }, r * width + c);
        }
        text.push(')');
    }
    let _ = write!(text, " {tail}");
    text
}

/// Fills the temporary table `table` (one text column, `value`) with
/// `values`, many a statement (a batch's ids, looked up by joining it).
pub(crate) fn temp_texts(tx: &Connection, table: &str, values: &[&str]) -> Result<()> {
    let values: Vec<crate::db::Value> = values
        .iter()
        .map(|v| crate::db::Value::Text((*v).to_owned()))
        .collect();
    temp_values(tx, table, "TEXT", "TEXT COLLATE \"C\"", &values)
}

/// [`temp_texts`] of values of another type, named for each backend.
pub(crate) fn temp_values(
    tx: &Connection,
    table: &str,
    sqlite_type: &str,
    pg_type: &str,
    values: &[crate::db::Value],
) -> Result<()> {
    let column = match tx.backend() {
        crate::db::Backend::Sqlite => sqlite_type,
        crate::db::Backend::Postgres => pg_type,
    };
    tx.execute_batch(&format!(
        "CREATE TEMP TABLE IF NOT EXISTS {table} (value {column} PRIMARY KEY)"
    ))?;
    tx.execute(&format!("DELETE FROM {table}"), [])?;
    insert_many(
        tx,
        &format!("INSERT INTO {table} (value)"),
        "ON CONFLICT DO NOTHING",
        1,
        1000,
        values,
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Value;
    use crate::test_support::store;

    /// Full chunks go as they fill, the rest on `finish`: every row
    /// written once, in order, its values as given.
    #[test]
    fn bulk_rows_are_written_in_full_chunks_then_the_rest() {
        let (_d, s) = store();
        let conn = s.conn().unwrap();
        conn.execute_batch("CREATE TABLE bulk_t (n BIGINT NOT NULL, t TEXT, b BYTEA)")
            .unwrap();
        let count = |conn: &Connection| -> i64 {
            conn.query_row("SELECT count(*) FROM bulk_t", [], |r| r.get(0))
                .unwrap()
        };
        let mut rows = Bulk::new("INSERT INTO bulk_t (n, t, b)", "", 3, 3);
        for n in 0..7i64 {
            let text = (n % 2 == 0).then(|| format!("row {n}"));
            rows.push([n.into(), text.into(), Value::Blob(vec![n as u8; 2])]);
            if n == 1 {
                rows.write_full(&conn).unwrap();
                assert_eq!(count(&conn), 0, "a chunk not yet full waits");
            }
        }
        rows.write_full(&conn).unwrap();
        assert_eq!(count(&conn), 6);
        rows.finish(&conn).unwrap();
        rows.finish(&conn).unwrap();
        let got: Vec<(i64, Option<String>, Vec<u8>)> =
            all(&conn, "SELECT n, t, b FROM bulk_t ORDER BY n", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .unwrap();
        let want: Vec<(i64, Option<String>, Vec<u8>)> = (0..7i64)
            .map(|n| {
                (
                    n,
                    (n % 2 == 0).then(|| format!("row {n}")),
                    vec![n as u8; 2],
                )
            })
            .collect();
        assert_eq!(got, want);
    }

    /// A row referring to nothing is refused at the end of the write, which
    /// is undone; the connection checks foreign keys again afterwards.
    #[test]
    fn foreign_keys_checked_at_the_end_refuse_a_broken_reference() {
        let (_d, s) = store();
        let mut conn = s.conn().unwrap();
        conn.execute_batch(
            "CREATE TABLE fk_parent (id BIGINT PRIMARY KEY);
             CREATE TABLE fk_child (id BIGINT PRIMARY KEY, parent BIGINT NOT NULL REFERENCES fk_parent(id));
             INSERT INTO fk_parent (id) VALUES (1);",
        )
        .unwrap();
        let write = |conn: &mut Connection, parent: i64| {
            foreign_keys_at_end(conn, |conn| {
                crate::write_on(conn, |tx| {
                    let mut rows = Bulk::new("INSERT INTO fk_child (id, parent)", "", 2, 2);
                    rows.push([parent.into(), parent.into()]);
                    rows.push([parent + 10, 1].map(Value::from));
                    rows.finish(tx)?;
                    foreign_keys_hold(tx, &["fk_child"])
                })
            })
        };
        write(&mut conn, 1).unwrap();
        let e = write(&mut conn, 2).unwrap_err();
        if conn.backend() == crate::db::Backend::Sqlite {
            assert!(e.to_string().contains("fk_child"), "{e}");
        }
        let count: i64 = conn
            .query_row("SELECT count(*) FROM fk_child", [], |r| r.get(0))
            .unwrap();
        assert_eq!(count, 2, "the refused write is undone whole");
        assert!(conn
            .execute("INSERT INTO fk_child (id, parent) VALUES (99, 42)", [])
            .is_err());
        // A write that panics leaves the keys checked too.
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            foreign_keys_at_end(&mut conn, |_| -> Result<()> { panic!("a bug") })
        }));
        assert!(panicked.is_err());
        assert!(conn
            .execute("INSERT INTO fk_child (id, parent) VALUES (99, 42)", [])
            .is_err());
    }
}
