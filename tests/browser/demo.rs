//! `lumbung demo` as its users start it: the real binary on a free port
//! over a fresh database — a file, or with `LUMBUNG_TEST_BROWSER_PG=1`
//! (beside `LUMBUNG_TEST_PG`) a database of its own on PostgreSQL.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::PgDatabase;

/// The demo's password of every login (README.md, the startup list).
pub const PASSWORD: &str = "lumbung-demo-2026";

/// The demo's logins, one of each kind of work.
pub const USERS: &[&str] = &[
    "admin",
    "analyst",
    "admin.serang",
    "analyst.lancashire",
    "analyst.serang",
    "facilitator.ciruas",
    "bkm.ketua",
    "upk.kasir",
    "auditor",
];

/// Stands for the anonymous visitor in the journeys.
pub const VISITOR: &str = "visitor";

pub struct Demo {
    pub base: String,
    child: Child,
    dir: tempfile::TempDir,
    /// Dropped after `child` (declared after it) is stopped, in `drop`.
    pg: Option<PgDatabase>,
}

impl Demo {
    /// Starts the demo on a port the system picks, read from the line the
    /// demo prints once it listens: a port picked here and handed over
    /// could be taken by another test's demo in between, and this test
    /// would then talk to that one until it stopped.
    pub fn start() -> Demo {
        let dir = tempfile::tempdir().unwrap();
        let log = std::fs::File::create(dir.path().join("server.log")).unwrap();
        let pg = std::env::var("LUMBUNG_TEST_BROWSER_PG")
            .is_ok_and(|v| v == "1")
            .then(PgDatabase::new);
        let db = match &pg {
            Some(pg) => pg.url.clone().into(),
            None => dir.path().join("demo.db").into_os_string(),
        };
        let mut child = Command::new(env!("CARGO_BIN_EXE_lumbung"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("LUMBUNG_DB", db)
            .args(["demo", "--addr", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("start lumbung demo");
        let (tx, serving) = std::sync::mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("Lumbung is serving ") {
                    let _ = tx.send(url.trim_end_matches('/').to_owned());
                }
            }
        });
        let mut demo = Demo {
            base: String::new(),
            child,
            dir,
            pg,
        };
        let deadline = Instant::now() + Duration::from_secs(120);
        demo.base = loop {
            if let Ok(base) = serving.recv_timeout(Duration::from_millis(200)) {
                break base;
            }
            if let Ok(Some(status)) = demo.child.try_wait() {
                panic!(
                    "lumbung demo stopped ({status}):\n{}",
                    std::fs::read_to_string(demo.dir.path().join("server.log")).unwrap_or_default()
                );
            }
            assert!(
                Instant::now() < deadline,
                "lumbung demo did not listen within 120 s:\n{}",
                std::fs::read_to_string(demo.dir.path().join("server.log")).unwrap_or_default()
            );
        };
        demo
    }

    /// The first column of every row `sql` finds, as text, on either backend.
    pub fn texts(&self, sql: &str) -> Vec<String> {
        match &self.pg {
            Some(pg) => {
                let (url, sql) = (pg.url.clone(), sql.to_owned());
                // The database's URL may carry options the client ignores.
                let url = url.split('?').next().unwrap().to_owned();
                std::thread::spawn(move || {
                    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
                    let rows = client.query(&sql, &[]).unwrap();
                    rows.iter().map(|r| r.get::<_, String>(0)).collect()
                })
                .join()
                .unwrap()
            }
            None => {
                let conn = rusqlite::Connection::open(self.dir.path().join("demo.db")).unwrap();
                let mut stmt = conn.prepare(sql).unwrap();
                let rows = stmt.query_map([], |r| r.get::<_, String>(0)).unwrap();
                rows.map(Result::unwrap).collect()
            }
        }
    }

    /// Writes a failing page's screenshot; returns where.
    pub fn failure_shot(&self, name: &str, png: &[u8]) -> String {
        let dir = PathBuf::from(
            std::env::var("CARGO_TARGET_DIR")
                .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/target").into()),
        )
        .join("browser-failures");
        write_shot(&dir, name, png)
    }
}

/// Writes a screenshot as `dir/name.png`, the name made safe for a file
/// (creating `dir`); returns where.
pub fn write_shot(dir: &Path, name: &str, png: &[u8]) -> String {
    std::fs::create_dir_all(dir).unwrap();
    let file: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        // A file name's limit is 255 bytes; a long query is cut.
        .take(200)
        .collect();
    let path = dir.join(format!("{file}.png"));
    std::fs::write(&path, png).unwrap();
    path.display().to_string()
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
