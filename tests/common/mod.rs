//! The harness of the test files that run the `lumbung` binary: a command
//! free of the developer's settings, a temporary directory with a database
//! path, the data beside the repository, and what a run printed.
//!
//! Each file under `tests/` is its own crate and uses a part of this.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository's root.
pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `rel` under `../shared` (the data sets and design beside the repository,
/// which CI always has). Panics naming the path when it is missing: a test
/// that needs it fails rather than passing without having run.
pub fn shared_dir(rel: &str) -> PathBuf {
    let path = repo().join("../shared").join(rel);
    assert!(
        path.exists(),
        "{} is missing: these tests read the shared data beside the repository \
         (check out `shared` next to it, as CI does)",
        path.display()
    );
    path
}

/// `lumbung` with none of the developer's settings: every `LUMBUNG_*`
/// variable (database, address, clock, logs, …) and `RUST_LOG` removed, so
/// that a shell's exports never change what a test sees.
pub fn lumbung() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lumbung"));
    for (name, _) in std::env::vars_os() {
        if name
            .to_str()
            .is_some_and(|n| n.starts_with("LUMBUNG_") || n == "RUST_LOG")
        {
            cmd.env_remove(name);
        }
    }
    cmd
}

/// The stdout of a run that must succeed; else panics with both streams.
pub fn stdout_of(args: &[&str], out: Output) -> String {
    assert!(
        out.status.success(),
        "{args:?}: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Panics unless `text` holds every one of `parts`.
pub fn assert_has_all(text: &str, parts: &[&str]) {
    for part in parts {
        assert!(text.contains(part), "{part}: {text}");
    }
}

/// The `key` text of each item of the list `list` of a JSON answer.
pub fn column<'a>(answer: &'a serde_json::Value, list: &str, key: &str) -> Vec<&'a str> {
    let items = answer[list].as_array().unwrap();
    items.iter().map(|i| i[key].as_str().unwrap()).collect()
}

/// The item of the list `list` of a JSON answer whose `key` is `value`.
pub fn item<'a, T>(
    answer: &'a serde_json::Value,
    list: &str,
    key: &str,
    value: T,
) -> &'a serde_json::Value
where
    serde_json::Value: PartialEq<T>,
    T: std::fmt::Debug,
{
    let items = answer[list].as_array().unwrap();
    let found = items.iter().find(|i| i[key] == value);
    found.unwrap_or_else(|| panic!("no {key} {value:?} in {list}: {answer}"))
}

/// A database of its own on the PostgreSQL server that
/// `LUMBUNG_TEST_PG` names (a test that needs PostgreSQL fails without
/// it: `.ci/run` starts one); dropped when the test ends.
pub struct PgDatabase {
    pub url: String,
    server: String,
    name: String,
}

impl PgDatabase {
    pub fn new() -> PgDatabase {
        let server = std::env::var("LUMBUNG_TEST_PG")
            .ok()
            .filter(|s| !s.trim().is_empty())
            .expect("this test needs PostgreSQL: set LUMBUNG_TEST_PG=postgres://… (.ci/run does)");
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let name = format!(
            "lumbung_it_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        );
        // On a thread of its own: an async test's thread may not block.
        let (admin, create) = (server.clone(), format!("CREATE DATABASE {name}"));
        std::thread::spawn(move || {
            postgres::Client::connect(&admin, postgres::NoTls)
                .expect("the PostgreSQL test server answers")
                .batch_execute(&create)
                .expect("a test database is created")
        })
        .join()
        .unwrap();
        let url = database_url(&server, &name);
        PgDatabase { url, server, name }
    }
}

/// The URL of database `name` on the server of URL `server` (its
/// parameters kept).
pub fn database_url(server: &str, name: &str) -> String {
    let (base, query) = server.split_once('?').unwrap_or((server, ""));
    let host = base.rsplit_once('/').map_or(base, |(h, _)| h);
    match query {
        "" => format!("{host}/{name}"),
        q => format!("{host}/{name}?{q}"),
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let (server, drop) = (
            self.server.clone(),
            format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
        );
        let _ = std::thread::spawn(move || {
            if let Ok(mut admin) = postgres::Client::connect(&server, postgres::NoTls) {
                let _ = admin.batch_execute(&drop);
            }
        })
        .join();
    }
}

/// A temporary directory with a database path in it (not yet created).
pub struct Env {
    pub dir: tempfile::TempDir,
    /// The file, or the PostgreSQL URL ([`Env::postgres`]).
    pub db: PathBuf,
    pub pg: Option<PgDatabase>,
}

impl Env {
    /// A new database: a file, or with `LUMBUNG_TEST_CLI_PG=1` (beside
    /// `LUMBUNG_TEST_PG`) a PostgreSQL database, so that the command-line
    /// suites run on either backend.
    pub fn new() -> Env {
        if std::env::var("LUMBUNG_TEST_CLI_PG").is_ok_and(|v| v == "1") {
            Env::postgres()
        } else {
            Env::file()
        }
    }

    /// A new database file, for a test of what only SQLite has (the file
    /// itself, its backups, its locks).
    pub fn file() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("test.db");
        Env { dir, db, pg: None }
    }

    /// An environment whose `--db` is a new PostgreSQL database.
    pub fn postgres() -> Env {
        let pg = PgDatabase::new();
        Env {
            dir: tempfile::tempdir().unwrap(),
            db: PathBuf::from(&pg.url),
            pg: Some(pg),
        }
    }

    /// The store of this environment's database, either backend.
    pub fn store(&self) -> lumbung_store::Store {
        match &self.pg {
            Some(pg) => lumbung_store::Store::open_postgres(&pg.url).unwrap(),
            None => lumbung_store::Store::open(&self.db).unwrap(),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes `text` to `name` in the directory; returns its full path.
    pub fn write(&self, name: &str, text: &str) -> String {
        let path = self.path(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_owned()
    }

    /// `lumbung --db <tmp>/test.db ARGS…`, run in the temporary directory.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = lumbung();
        cmd.current_dir(self.dir.path())
            .arg("--db")
            .arg(&self.db)
            .args(args);
        cmd
    }

    /// What `lumbung --db … ARGS…` ended with.
    pub fn output(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    /// The stdout of `lumbung --db … ARGS…`, which must succeed.
    pub fn stdout(&self, args: &[&str]) -> String {
        stdout_of(args, self.output(args))
    }

    /// What `lumbung --db … ARGS… --format json` printed, parsed; the run
    /// must succeed.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let args = [args, &["--format", "json"]].concat();
        let out = self.stdout(&args);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}: {out}"))
    }

    /// A new environment holding the Lancashire demo's areas and postcode map.
    pub fn lancashire() -> Env {
        let env = Env::new();
        env.import_lancashire();
        env
    }

    /// The Lancashire demo's areas with Preston as the local area and
    /// Lancashire as the region.
    pub fn preston() -> Env {
        let env = Env::lancashire();
        env.stdout(&[
            "spend",
            "settings",
            "--local",
            "E07000123",
            "--region",
            "E10000017",
        ]);
        env
    }

    /// The rows `sql` finds in the database (either backend), each value
    /// as text (`NULL`).
    pub fn sqlite(&self, sql: &str) -> Vec<Vec<String>> {
        if let Some(pg) = &self.pg {
            let (url, sql) = (pg.url.clone(), sql.to_owned());
            // On a thread of its own: an async test's thread may not block.
            return std::thread::spawn(move || {
                let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
                client
                    .simple_query(&sql)
                    .unwrap()
                    .into_iter()
                    .filter_map(|m| match m {
                        postgres::SimpleQueryMessage::Row(r) => Some(
                            (0..r.len())
                                .map(|i| r.get(i).unwrap_or("NULL").to_owned())
                                .collect(),
                        ),
                        _ => None,
                    })
                    .collect()
            })
            .join()
            .unwrap();
        }
        let conn = rusqlite::Connection::open(&self.db).unwrap();
        let mut stmt = conn.prepare(sql).unwrap();
        let n = stmt.column_count();
        stmt.query_map([], |r| {
            (0..n)
                .map(|i| {
                    r.get::<_, rusqlite::types::Value>(i).map(|v| match v {
                        rusqlite::types::Value::Null => "NULL".to_owned(),
                        rusqlite::types::Value::Integer(i) => i.to_string(),
                        rusqlite::types::Value::Text(t) => t,
                        other => format!("{other:?}"),
                    })
                })
                .collect()
        })
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
    }

    /// Adds an anchor institution to the registry.
    pub fn add_anchor(&self, name: &str) {
        let file = self.write("anchor.csv", &format!("name,kind\n{name},anchor\n"));
        self.stdout(&["orgs", "import", &file]);
    }

    /// Adds an anchor institution and imports its payments (`ledger`, a
    /// CSV's text).
    pub fn anchor_with_spend(&self, name: &str, ledger: &str) {
        self.add_anchor(name);
        let file = self.write("ledger.csv", ledger);
        self.stdout(&["spend", "import", "--anchor", name, &file]);
    }

    /// Imports the Lancashire demo's areas and postcode map.
    pub fn import_lancashire(&self) {
        let dir = repo().join("demo/uk-lancashire");
        let file = |name: &str| dir.join(name).to_str().unwrap().to_owned();
        self.stdout(&["areas", "import", &file("areas.csv")]);
        self.stdout(&["areas", "map-postcodes", &file("postcodes.csv")]);
    }
}

/// What a run ended with, lossily decoded for assertions.
#[derive(Debug)]
pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    pub fn of(cmd: &mut assert_cmd::Command) -> Out {
        Out::from(cmd.output().unwrap())
    }

    pub fn code(self, expected: i32) -> Out {
        assert_eq!(self.code, expected, "exit status; {self:#?}");
        self
    }

    pub fn stdout_has(self, text: &str) -> Out {
        assert!(
            self.stdout.contains(text),
            "stdout lacks {text:?}; {self:#?}"
        );
        self
    }

    pub fn stderr_has(self, text: &str) -> Out {
        assert!(
            self.stderr.contains(text),
            "stderr lacks {text:?}; {self:#?}"
        );
        self
    }

    /// A refusal: nothing on stdout, the reason on stderr.
    pub fn refused(self, code: i32, text: &str) -> Out {
        let out = self.code(code).stderr_has(text);
        assert!(
            out.stdout.is_empty(),
            "nothing partial is printed; {out:#?}"
        );
        out
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{e}: {self:#?}"))
    }
}

impl From<Output> for Out {
    fn from(out: Output) -> Out {
        Out {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}
