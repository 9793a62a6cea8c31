//! `lumbung copy`: every row of one database into an empty one, on either
//! backend (a kelurahan laptop's file to the city's PostgreSQL and back),
//! ids kept, in one transaction; then the row counts compared.

use crate::db::{self, params_from_iter, Backend, Connection, Value};
use crate::{Result, Store, StoreError};
use lumbung_domain::text;
use serde::Serialize;

/// Rows copied, table by table (equal on both sides afterwards).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CopySummary {
    pub tables: Vec<(String, u64)>,
    pub rows: u64,
}

/// Parameters in one INSERT at most (PostgreSQL takes 65,535).
const PARAMS_PER_INSERT: usize = 30_000;

impl Store {
    /// Copies every row of this database into `target`, which must hold
    /// none yet (it is migrated when opened, so both schemas are the
    /// same version). All or nothing: one transaction on the target, its
    /// references checked at the commit and its checking triggers quiet
    /// while rows that passed them once are copied. `progress` hears each
    /// table's name and its rows.
    pub fn copy_into(
        &self,
        target: &Store,
        progress: &mut dyn FnMut(&str, u64),
    ) -> Result<CopySummary> {
        let (from_version, to_version) = (self.schema_version()?, target.schema_version()?);
        if from_version != to_version {
            return Err(StoreError::conflict(
                text!("copy_versions", from = from_version, to = to_version;
                    id: "skema sumber ({from}) dan tujuan ({to}) berbeda: perbarui Lumbung lalu jalankan migrate pada keduanya",
                    en: "the source's schema ({from}) and the target's ({to}) differ: upgrade Lumbung and run migrate on both"),
            ));
        }
        let source = self.conn()?;
        let tables = tables(&source)?;
        // The target's is a spare: this thread holds the source's.
        let mut out = target.spare_conn().ok_or(StoreError::Busy)?;
        if let Some(table) = first_filled(&out)? {
            return Err(StoreError::conflict(
                text!("copy_target_not_empty", table = table;
                id: "basis data tujuan sudah berisi data (tabel {table}): salin hanya ke basis data kosong",
                en: "the target database already holds data (table {table}): copy only into an empty database"),
            ));
        }
        let mut summary = CopySummary {
            tables: Vec::new(),
            rows: 0,
        };
        let tx = out.transaction_with_behavior(db::TransactionBehavior::Immediate)?;
        let quiet = Quiet::begin(&tx)?;
        for (table, columns) in &tables {
            let n = copy_table(&source, &tx, table, columns)?;
            progress(table, n);
            summary.tables.push((table.clone(), n));
            summary.rows += n;
        }
        quiet.end(&tx)?;
        if tx.backend() == Backend::Postgres {
            // Ids (and the journal's sequence) generated after the copy
            // follow the largest copied.
            for (table, _) in &tables {
                let generated: Vec<String> = crate::sql::all(
                    &tx,
                    "SELECT CAST(column_name AS TEXT) FROM information_schema.columns
                     WHERE table_schema = current_schema() AND table_name = ?1 AND is_identity = 'YES'",
                    [table],
                    |r| r.get(0),
                )?;
                for column in generated {
                    tx.query_row(
                        &format!("SELECT setval(pg_get_serial_sequence(?1, ?2), coalesce(max({column}), 0) + 1, false) FROM {table}"),
                        [table, &column],
                        |_| Ok(()),
                    )?;
                }
            }
        }
        tx.commit()?;
        for (table, copied) in &summary.tables {
            let count = |c: &Connection| -> Result<u64> {
                Ok(
                    c.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| {
                        r.get::<_, i64>(0)
                    })? as u64,
                )
            };
            let (there, here) = (count(&out)?, count(&source)?);
            if there != *copied || here != *copied {
                return Err(StoreError::conflict(
                    text!("copy_counts_differ", table = table, here = here, there = there;
                        id: "tabel {table}: {here} baris di sumber, {there} di tujuan",
                        en: "table {table}: {here} rows in the source, {there} in the target"),
                ));
            }
        }
        Ok(summary)
    }
}

impl Store {
    /// Whether no table holds a row (what `copy` and the demo fill).
    pub fn holds_no_data(&self) -> Result<bool> {
        Ok(first_filled(&*self.conn()?)?.is_none())
    }
}

/// The first table, by name, that holds a row.
fn first_filled(conn: &Connection) -> Result<Option<String>> {
    for (table, _) in tables(conn)? {
        if crate::sql::exists(conn, &format!("SELECT 1 FROM {table} LIMIT 1"), [])? {
            return Ok(Some(table));
        }
    }
    Ok(None)
}

/// Every table holding Lumbung's data, with its columns, as the source
/// lists them (the same on both sides: same schema version).
fn tables(conn: &Connection) -> Result<Vec<(String, Vec<String>)>> {
    let names: Vec<String> = match conn.backend() {
        Backend::Sqlite => crate::sql::all(
            conn,
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
            [],
            |r| r.get(0),
        )?,
        Backend::Postgres => crate::sql::all(
            conn,
            "SELECT table_name::text FROM information_schema.tables
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'
               AND table_name <> 'lumbung_migrations' ORDER BY 1",
            [],
            |r| r.get(0),
        )?,
    };
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        let columns: Vec<String> = match conn.backend() {
            Backend::Sqlite => crate::sql::all(
                conn,
                "SELECT name FROM pragma_table_info(?1) ORDER BY cid",
                [&name],
                |r| r.get(0),
            )?,
            Backend::Postgres => crate::sql::all(
                conn,
                "SELECT column_name::text FROM information_schema.columns
                 WHERE table_schema = current_schema() AND table_name = ?1 ORDER BY ordinal_position",
                [&name],
                |r| r.get(0),
            )?,
        };
        out.push((name, columns));
    }
    Ok(out)
}

fn copy_table(
    source: &Connection,
    tx: &Connection,
    table: &str,
    columns: &[String],
) -> Result<u64> {
    let list = columns.join(", ");
    let per_insert = (PARAMS_PER_INSERT / columns.len().max(1)).clamp(1, 1_000);
    let insert_sql = |rows: usize| {
        let mut sql = format!("INSERT INTO {table} ({list}) VALUES ");
        let mut n = 0;
        for r in 0..rows {
            sql.push_str(if r == 0 { "(" } else { ", (" });
            for c in 0..columns.len() {
                n += 1;
                sql.push_str(&format!("{}?{n}", if c == 0 { "" } else { ", " }));
            }
            sql.push(')');
        }
        sql
    };
    let full = insert_sql(per_insert);
    let mut stmt = source.prepare(&format!("SELECT {list} FROM {table}"))?;
    let mut rows = stmt.query([])?;
    let mut batch: Vec<Value> = Vec::with_capacity(per_insert * columns.len());
    let mut copied = 0u64;
    let flush = |batch: &mut Vec<Value>| -> Result<()> {
        let n = batch.len() / columns.len().max(1);
        if n == 0 {
            return Ok(());
        }
        let sql = if n == per_insert {
            full.clone()
        } else {
            insert_sql(n)
        };
        tx.prepare(&sql)?
            .execute(params_from_iter(batch.drain(..)))?;
        Ok(())
    };
    while let Some(row) = rows.next()? {
        for c in 0..columns.len() {
            batch.push(row.get(c)?);
        }
        copied += 1;
        if batch.len() >= per_insert * columns.len() {
            flush(&mut batch)?;
        }
    }
    flush(&mut batch)?;
    Ok(copied)
}

/// The target's checks that would judge copied rows again: references
/// wait for the commit, checking triggers are set aside (SQLite: dropped
/// and made again from their text, inside the transaction).
struct Quiet {
    sqlite_triggers: Vec<String>,
    pg_tables: Vec<String>,
}

impl Quiet {
    fn begin(tx: &Connection) -> Result<Quiet> {
        match tx.backend() {
            Backend::Sqlite => {
                tx.execute_batch("PRAGMA defer_foreign_keys = ON")?;
                let triggers: Vec<(String, String)> = crate::sql::all(
                    tx,
                    "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?;
                for (name, _) in &triggers {
                    tx.execute_batch(&format!("DROP TRIGGER {name}"))?;
                }
                Ok(Quiet {
                    sqlite_triggers: triggers.into_iter().map(|(_, sql)| sql).collect(),
                    pg_tables: vec![],
                })
            }
            Backend::Postgres => {
                tx.execute_batch("SET CONSTRAINTS ALL DEFERRED")?;
                let tables: Vec<String> = crate::sql::all(
                    tx,
                    "SELECT DISTINCT event_object_table::text FROM information_schema.triggers
                     WHERE trigger_schema = current_schema() ORDER BY 1",
                    [],
                    |r| r.get(0),
                )?;
                for t in &tables {
                    tx.execute_batch(&format!("ALTER TABLE {t} DISABLE TRIGGER USER"))?;
                }
                Ok(Quiet {
                    sqlite_triggers: vec![],
                    pg_tables: tables,
                })
            }
        }
    }

    fn end(self, tx: &Connection) -> Result<()> {
        for sql in &self.sqlite_triggers {
            tx.execute_batch(sql)?;
        }
        if !self.pg_tables.is_empty() {
            // Every row is in: the references are checked now, so that no
            // check is pending when the triggers come back.
            tx.execute_batch("SET CONSTRAINTS ALL IMMEDIATE")?;
        }
        for t in &self.pg_tables {
            tx.execute_batch(&format!("ALTER TABLE {t} ENABLE TRIGGER USER"))?;
        }
        Ok(())
    }
}
