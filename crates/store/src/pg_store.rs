//! Opening a Lumbung database on a PostgreSQL server: the connection
//! pool, and the schema created or brought up to date under an advisory
//! lock, so that servers starting at once do not race.

use crate::db::{self, Connection};
use crate::{schema, Result, Store, StoreError, SPARES, WORKERS};
use std::path::PathBuf;

/// The session lock migrations run under ("LMBM").
const MIGRATION_LOCK: i64 = 0x4c4d_424d;

/// Whether `target` names a PostgreSQL server rather than a file.
pub fn is_postgres_url(target: &str) -> bool {
    let t = target.trim().to_ascii_lowercase();
    t.starts_with("postgres://") || t.starts_with("postgresql://")
}

/// `postgres://user@host:port/db`: the address without its password, to
/// show and to log.
fn shown(config: &postgres::Config) -> String {
    let host = config
        .get_hosts()
        .first()
        .map(|h| match h {
            postgres::config::Host::Tcp(name) => name.clone(),
            postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .unwrap_or_default();
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!(
        "postgres://{}@{host}:{port}/{}",
        config.get_user().unwrap_or(""),
        config.get_dbname().unwrap_or("")
    )
}

impl Store {
    /// Opens the database at a PostgreSQL URL
    /// (`postgres://user:password@host:5432/lumbung`), creating the schema
    /// in an empty database and bringing an older one up to date. A
    /// database holding other tables, or a newer schema, is refused and
    /// left as it was. The password is never repeated in an error.
    pub fn open_postgres(url: &str) -> Result<Store> {
        let target = db::tls::target(url).map_err(|reason| StoreError::Open {
            path: PathBuf::from("postgres://…"),
            reason,
        })?;
        let path = PathBuf::from(shown(&target.config));
        let verified = target.verified;
        let manager = db::Manager::postgres(target);
        let open_error = |e: db::Error| StoreError::Open {
            path: path.clone(),
            reason: e.to_string(),
        };
        let mut conn = r2d2::ManageConnection::connect(&manager).map_err(open_error)?;
        migrate(&mut conn, &path)?;
        drop(conn);
        let mut store = Store::pooled(manager, path, WORKERS + SPARES, crate::POOL_WAIT)?;
        store.server_verified = verified;
        Ok(store)
    }

    /// Opens a read replica of a PostgreSQL database (a hot standby), for
    /// the reads that may lag the primary by a moment: public pages and
    /// reports. Nothing is migrated and nothing can be written: every
    /// connection starts its transactions read-only, so a write sent here
    /// by mistake fails rather than landing on a copy. Its schema must be
    /// this program's own.
    pub fn open_replica(url: &str) -> Result<Store> {
        let shown_url = PathBuf::from("postgres://…");
        if !is_postgres_url(url) {
            // Another kind of URL may hold a password: its scheme only.
            let named = match url.split_once("://") {
                Some((scheme, _)) => format!("{scheme}://…"),
                None => url.to_owned(),
            };
            return Err(StoreError::ReplicaNotPostgres {
                path: PathBuf::from(named),
            });
        }
        let mut target = db::tls::target(url).map_err(|reason| StoreError::Open {
            path: shown_url,
            reason,
        })?;
        let options = match target.config.get_options() {
            Some(given) => format!("{given} -c default_transaction_read_only=on"),
            None => "-c default_transaction_read_only=on".to_owned(),
        };
        target.config.options(&options);
        let path = PathBuf::from(shown(&target.config));
        let verified = target.verified;
        let manager = db::Manager::postgres(target);
        let conn = r2d2::ManageConnection::connect(&manager).map_err(|e| StoreError::Open {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        let ours: bool = conn.query_row(
            "SELECT to_regclass('lumbung_migrations') IS NOT NULL",
            [],
            |r| r.get(0),
        )?;
        let found = if ours { version(&conn)? } else { 0 };
        let known = schema::MIGRATIONS.len() as i64;
        if found > known {
            return Err(StoreError::TooNew { path, found, known });
        }
        if found < known {
            return Err(StoreError::ReplicaBehind { path, found, known });
        }
        drop(conn);
        // A replica that stops answering costs its readers this wait once
        // (the web server then reads the primary a while).
        let wait = std::time::Duration::from_secs(2);
        let mut store = Store::pooled(manager, path, WORKERS + SPARES, wait)?;
        store.server_verified = verified;
        Ok(store)
    }

    /// How the connection to the database travels: `None` for a file.
    pub fn transport(&self) -> Result<Option<Transport>> {
        let conn = self.conn()?;
        if conn.backend() == db::Backend::Sqlite {
            return Ok(None);
        }
        let encrypted: bool = conn.query_row(
            "SELECT coalesce((SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()), false)",
            [],
            |r| r.get(0),
        )?;
        Ok(Some(match (encrypted, self.server_verified) {
            (false, _) => Transport::Plain,
            (true, false) => Transport::Encrypted,
            (true, true) => Transport::Verified,
        }))
    }
}

/// How a connection to a PostgreSQL server travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// Not encrypted (`sslmode=disable`, or `prefer` and a server without TLS).
    Plain,
    /// Encrypted, the server's identity not checked (`prefer`, `require`).
    Encrypted,
    /// Encrypted to the server that `sslrootcert` vouches for (`verify-full`).
    Verified,
}

/// The schema version a PostgreSQL database holds (0: none yet).
pub(crate) fn version(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT coalesce(max(version), 0) FROM lumbung_migrations",
        [],
        |r| r.get(0),
    )?)
}

fn migrate(conn: &mut Connection, path: &std::path::Path) -> Result<()> {
    conn.execute_batch(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))?;
    let out = migrate_locked(conn, path);
    let unlocked = conn.execute_batch(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"));
    out?;
    Ok(unlocked?)
}

fn migrate_locked(conn: &mut Connection, path: &std::path::Path) -> Result<()> {
    let ours: bool = conn.query_row(
        "SELECT to_regclass('lumbung_migrations') IS NOT NULL",
        [],
        |r| r.get(0),
    )?;
    if !ours {
        let tables: i64 = conn.query_row(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()",
            [],
            |r| r.get(0),
        )?;
        if tables > 0 {
            return Err(StoreError::NotLumbung {
                path: path.to_path_buf(),
            });
        }
    }
    let known = schema::MIGRATIONS.len() as i64;
    let current = if ours { version(conn)? } else { 0 };
    if current > known {
        return Err(StoreError::TooNew {
            path: path.to_path_buf(),
            found: current,
            known,
        });
    }
    let record = |tx: &Connection, version: i64| -> Result<()> {
        tx.execute(
            "INSERT INTO lumbung_migrations (version, applied_at) VALUES (?1, ?2)",
            db::params![version, crate::now()],
        )?;
        Ok(())
    };
    if current == 0 {
        let tx = conn.transaction()?;
        tx.execute_batch(
            "CREATE TABLE lumbung_migrations (version BIGINT PRIMARY KEY, applied_at TEXT NOT NULL)",
        )?;
        tx.execute_batch(schema::PG_BASE)?;
        record(&tx, schema::PG_BASELINE as i64)?;
        tx.commit()?;
        tracing::info!(
            version = schema::PG_BASELINE,
            "created the PostgreSQL schema"
        );
    }
    let current = version(conn)?;
    for (i, sql) in schema::PG_MIGRATIONS
        .iter()
        .enumerate()
        .map(|(i, sql)| (schema::PG_BASELINE + 1 + i, sql))
        .skip_while(|(i, _)| (*i as i64) <= current)
    {
        // Immediate: a migration may post to the funds' books (58).
        let tx = conn.transaction_with_behavior(db::TransactionBehavior::Immediate)?;
        tx.execute_batch(sql)?;
        crate::after_migration(&tx, i)?;
        record(&tx, i as i64)?;
        tx.commit()?;
        tracing::info!(version = i, "applied migration");
    }
    Ok(())
}
