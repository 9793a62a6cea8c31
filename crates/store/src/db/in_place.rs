//! A statement whose text SQLite reads where it lies, for a write that
//! binds much of it (an OCDS import's million releases, a gigabyte of
//! text). rusqlite has SQLite copy every text bound (`SQLITE_TRANSIENT`):
//! for the releases, a sixth of the time of the thread that writes the
//! import. Here the values are bound without a copy (`SQLITE_STATIC`),
//! stepped and unbound within one call, so SQLite never holds a pointer
//! past the borrow it was given.

use super::value::{ToSql, ValueRef};
use super::{Connection, Error, Result, Statement};
use rusqlite::ffi;
use std::ffi::{c_char, c_int, CStr, CString};
use std::marker::PhantomData;
use std::ptr::NonNull;

/// A statement to run many times with borrowed values.
pub enum InPlace<'c> {
    Sqlite(Raw<'c>),
    /// PostgreSQL's client copies values into its message anyway.
    Other(Statement<'c>),
}

impl Connection {
    /// `sql` prepared to be run with [`InPlace::execute`].
    pub fn prepare_in_place(&self, sql: &str) -> Result<InPlace<'_>> {
        match self {
            Connection::Sqlite(c) => Ok(InPlace::Sqlite(Raw::prepare(c, sql)?)),
            Connection::Pg(_) => Ok(InPlace::Other(self.prepare(sql)?)),
        }
    }
}

impl InPlace<'_> {
    /// Runs the statement with `values` (one for each parameter, in order):
    /// how many rows it changed.
    pub fn execute(&mut self, values: &[ValueRef<'_>]) -> Result<usize> {
        match self {
            InPlace::Sqlite(raw) => raw.execute(values),
            InPlace::Other(s) => {
                let values: Vec<&dyn ToSql> = values.iter().map(|v| v as &dyn ToSql).collect();
                s.execute(&values)
            }
        }
    }
}

/// A prepared statement of SQLite's own, finalized when dropped. It holds
/// its connection borrowed (the connection outlives it) and, holding raw
/// pointers, never leaves the connection's thread.
pub struct Raw<'c> {
    db: *mut ffi::sqlite3,
    stmt: NonNull<ffi::sqlite3_stmt>,
    _conn: PhantomData<&'c rusqlite::Connection>,
}

impl<'c> Raw<'c> {
    fn prepare(conn: &'c rusqlite::Connection, sql: &str) -> Result<Raw<'c>> {
        let sql = CString::new(sql).map_err(|_| Error::Parameter("a NUL in the SQL".into()))?;
        // SAFETY: the handle is used only while `conn` is borrowed, and is
        // never closed here.
        let db = unsafe { conn.handle() };
        let mut stmt = std::ptr::null_mut();
        // SAFETY: `db` is open, `sql` is NUL-terminated, `stmt` is written.
        let rc = unsafe {
            ffi::sqlite3_prepare_v2(db, sql.as_ptr(), -1, &mut stmt, std::ptr::null_mut())
        };
        if rc != ffi::SQLITE_OK {
            return Err(failure(db, rc));
        }
        let stmt = NonNull::new(stmt)
            .ok_or_else(|| Error::Parameter("the SQL holds no statement".into()))?;
        Ok(Raw {
            db,
            stmt,
            _conn: PhantomData,
        })
    }

    fn execute(&mut self, values: &[ValueRef<'_>]) -> Result<usize> {
        let stmt = self.stmt.as_ptr();
        let ran = self.bind(values).and_then(|()| {
            // SAFETY: every value bound lives in `values`, borrowed until
            // this call returns; the statement is reset and unbound below.
            match unsafe { ffi::sqlite3_step(stmt) } {
                ffi::SQLITE_DONE | ffi::SQLITE_ROW => {
                    // SAFETY: `db` is open.
                    Ok(unsafe { ffi::sqlite3_changes64(self.db) } as usize)
                }
                rc => Err(failure(self.db, rc)),
            }
        });
        // SAFETY: `stmt` is a live statement of `db`. Reset's code repeats
        // the step's, handled above.
        unsafe {
            ffi::sqlite3_reset(stmt);
            ffi::sqlite3_clear_bindings(stmt);
        }
        ran
    }

    fn bind(&mut self, values: &[ValueRef<'_>]) -> Result<()> {
        let stmt = self.stmt.as_ptr();
        // SAFETY: `stmt` is a live statement.
        let expected = unsafe { ffi::sqlite3_bind_parameter_count(stmt) } as usize;
        if values.len() != expected {
            return Err(Error::Parameter(format!(
                "{} given where the statement takes {expected}",
                values.len()
            )));
        }
        let too_long = || Error::Parameter("a value longer than SQLite takes".into());
        for (i, value) in values.iter().enumerate() {
            let at = c_int::try_from(i + 1).map_err(|_| too_long())?;
            // SAFETY: `stmt` is live, `at` within its parameters; text and
            // blobs are borrowed for as long as they stay bound (above).
            let rc = unsafe {
                match *value {
                    ValueRef::Null => ffi::sqlite3_bind_null(stmt, at),
                    ValueRef::Integer(n) => ffi::sqlite3_bind_int64(stmt, at, n),
                    ValueRef::Real(f) => ffi::sqlite3_bind_double(stmt, at, f),
                    ValueRef::Text(t) => ffi::sqlite3_bind_text(
                        stmt,
                        at,
                        t.as_ptr().cast::<c_char>(),
                        c_int::try_from(t.len()).map_err(|_| too_long())?,
                        ffi::SQLITE_STATIC(),
                    ),
                    ValueRef::Blob(b) => ffi::sqlite3_bind_blob(
                        stmt,
                        at,
                        b.as_ptr().cast(),
                        c_int::try_from(b.len()).map_err(|_| too_long())?,
                        ffi::SQLITE_STATIC(),
                    ),
                }
            };
            if rc != ffi::SQLITE_OK {
                return Err(failure(self.db, rc));
            }
        }
        Ok(())
    }
}

impl Drop for Raw<'_> {
    fn drop(&mut self) {
        // SAFETY: the statement is live and finalized once, here.
        unsafe {
            ffi::sqlite3_finalize(self.stmt.as_ptr());
        }
    }
}

/// SQLite's error `rc`, with the connection's message, as rusqlite gives
/// its own.
fn failure(db: *mut ffi::sqlite3, rc: c_int) -> Error {
    // SAFETY: `db` is open; its message is copied before any other call.
    let message = unsafe { CStr::from_ptr(ffi::sqlite3_errmsg(db)) }
        .to_string_lossy()
        .into_owned();
    Error::Sqlite(rusqlite::Error::SqliteFailure(
        ffi::Error::new(rc),
        Some(message),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `check` given a table `t` in memory and `sql` prepared on it.
    fn with_table(sql: &str, check: impl FnOnce(InPlace<'_>, &Connection)) {
        let c = rusqlite::Connection::open_in_memory().unwrap();
        c.execute_batch("CREATE TABLE t (k TEXT PRIMARY KEY, n INTEGER, r REAL, b BLOB)")
            .unwrap();
        let conn = Connection::Sqlite(c);
        check(conn.prepare_in_place(sql).unwrap(), &conn);
    }

    #[test]
    fn values_are_stored_as_bound_and_conflicts_counted() {
        let sql = "INSERT INTO t VALUES (?1, ?2, ?3, ?4) ON CONFLICT (k) DO NOTHING";
        with_table(sql, |mut insert, conn| {
            for round in 0..2 {
                // Each text is dropped as soon as its row is written.
                let key = format!("k{}", "é".repeat(3));
                let changed = insert
                    .execute(&[
                        ValueRef::Text(&key),
                        ValueRef::Integer(-7),
                        ValueRef::Real(0.5),
                        ValueRef::Blob(&[0, 1, 2]),
                    ])
                    .unwrap();
                assert_eq!(changed, 1 - round, "round {round}");
            }
            insert
                .execute(&[
                    ValueRef::Text("n"),
                    ValueRef::Null,
                    ValueRef::Null,
                    ValueRef::Null,
                ])
                .unwrap();
            drop(insert);
            let Connection::Sqlite(c) = conn else {
                unreachable!()
            };
            type Row = (String, Option<i64>, Option<f64>, Option<Vec<u8>>);
            let rows: Vec<Row> = c
                .prepare("SELECT k, n, r, b FROM t ORDER BY k")
                .unwrap()
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap();
            assert_eq!(
                rows,
                [
                    ("kééé".to_owned(), Some(-7), Some(0.5), Some(vec![0, 1, 2])),
                    ("n".to_owned(), None, None, None),
                ]
            );
        });
    }

    #[test]
    fn a_wrong_count_of_values_or_a_failing_row_is_an_error_and_the_statement_runs_again() {
        with_table("INSERT INTO t (k) VALUES (?1)", |mut insert, conn| {
            assert!(matches!(insert.execute(&[]), Err(Error::Parameter(_))));
            insert.execute(&[ValueRef::Text("a")]).unwrap();
            let Err(Error::Sqlite(e)) = insert.execute(&[ValueRef::Text("a")]) else {
                panic!("a repeated key is refused");
            };
            assert_eq!(
                e.sqlite_error_code(),
                Some(rusqlite::ErrorCode::ConstraintViolation)
            );
            assert_eq!(insert.execute(&[ValueRef::Text("b")]).unwrap(), 1);
            assert!(conn.prepare_in_place("not SQL").is_err());
            assert!(conn.prepare_in_place("").is_err());
        });
    }
}
