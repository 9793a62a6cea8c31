//! `lumbung serve` and `lumbung demo`: the bound address, a read replica
//! it can or cannot use, an address in use, and the demo's own database.

use super::*;

/// A running `lumbung`, killed when dropped; its stdout comes line by line.
struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
    stderr: std::sync::Arc<std::sync::Mutex<String>>,
    stderr_reader: Option<std::thread::JoinHandle<()>>,
}

impl Running {
    fn spawn(cwd: &Path, args: &[&str]) -> Running {
        let mut cmd = common::lumbung();
        let mut child = cmd
            .current_dir(cwd)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, lines) = mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        // Drained so that logs can never fill the pipe and stall the child;
        // kept for failure messages.
        let stderr = child.stderr.take().unwrap();
        let errors = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let sink = errors.clone();
        let stderr_reader = std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                let mut sink = sink.lock().unwrap();
                sink.push_str(&line);
                sink.push('\n');
            }
        });
        Running {
            child,
            lines,
            seen: Vec::new(),
            stderr: errors,
            stderr_reader: Some(stderr_reader),
        }
    }

    /// Reads stdout until a line contains `text`; returns that line.
    fn wait_for(&mut self, text: &str) -> String {
        loop {
            match self.lines.recv_timeout(Duration::from_secs(120)) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(text) {
                        return line;
                    }
                }
                Err(e) => {
                    // All of stderr for the message: the child ended, then
                    // its reader has read to the end.
                    let status = self.child.try_wait();
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    if let Some(reader) = self.stderr_reader.take() {
                        let _ = reader.join();
                    }
                    panic!(
                        "no line with {text:?} ({e}); status {status:?}; stdout so far:\n{}\nstderr:\n{}",
                        self.seen.join("\n"),
                        self.stderr.lock().unwrap()
                    )
                }
            }
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The bound address from `Lumbung is serving http://ADDR/`.
fn served_addr(line: &str) -> std::net::SocketAddr {
    let addr = line
        .strip_prefix("Lumbung is serving http://")
        .and_then(|rest| rest.strip_suffix('/'))
        .unwrap_or_else(|| panic!("unexpected line {line:?}"));
    let addr: std::net::SocketAddr = addr.parse().unwrap();
    assert_ne!(addr.port(), 0, "the real port is printed");
    addr
}

/// A minimal HTTP/1.1 exchange: returns the status line and the body.
fn http(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    json: Option<&str>,
) -> (String, String) {
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let body = json.unwrap_or("");
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if json.is_some() {
        request.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response.lines().next().unwrap_or_default().to_owned();
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

#[test]
fn serve_prints_the_bound_address_and_serves() {
    let env = Env::file();
    let db = env.db.to_str().unwrap().to_owned();
    let mut running = Running::spawn(
        env.dir.path(),
        &["--db", &db, "serve", "--addr", "127.0.0.1:0"],
    );
    let line = running.wait_for("Lumbung is serving");
    let addr = served_addr(&line);
    assert!(env.db.exists(), "serve creates and migrates the database");
    let (status, body) = http(addr, "GET", "/health", None);
    assert!(status.contains("200"), "{status}\n{body}");
    assert!(body.contains("\"ok\""), "{body}");
}

#[test]
fn serve_refuses_a_read_replica_it_cannot_use_in_the_users_language() {
    // A replica of a file: there is none (the URL is never dialled).
    let file = Env::file();
    let db = file.db.to_str().unwrap().to_owned();
    let nowhere = "postgres://lumbung@127.0.0.1:1/lumbung";
    for (lang, words) in [
        (
            "en",
            "--read-db: a read replica is for a PostgreSQL database",
        ),
        (
            "id",
            "--read-db: replika baca hanya untuk basis data PostgreSQL",
        ),
    ] {
        let args = ["--db", &db, "serve", "--addr", "127.0.0.1:0"];
        Out::of(
            bare_cmd(file.dir.path())
                .env("LUMBUNG_LANG", lang)
                .args(args)
                .args(["--read-db", nowhere]),
        )
        .code(1)
        .stderr_has(words);
    }
    // A database that is not (yet) a replica of this program's schema: an
    // empty one, a file's path; the primary is left serving nothing.
    let primary = Env::postgres();
    let empty = common::PgDatabase::new();
    let url = primary.db.to_str().unwrap().to_owned();
    for (lang, words) in [
        ("en", "the read replica holds schema 0, this program needs"),
        (
            "id",
            "replika baca memegang skema 0, program ini memerlukan",
        ),
    ] {
        Out::of(
            bare_cmd(primary.dir.path())
                .env("LUMBUNG_LANG", lang)
                .args(["--db", &url, "serve", "--addr", "127.0.0.1:0"])
                .args(["--read-db", &empty.url]),
        )
        .code(1)
        .stderr_has(words);
    }
    for (lang, words) in [
        ("en", "replica.db: a read replica is a PostgreSQL server"),
        ("id", "replica.db: replika baca adalah server PostgreSQL"),
    ] {
        Out::of(
            bare_cmd(primary.dir.path())
                .env("LUMBUNG_LANG", lang)
                .args(["--db", &url, "serve", "--addr", "127.0.0.1:0"])
                .args(["--read-db", "replica.db"]),
        )
        .code(1)
        .stderr_has(words);
    }
}

#[test]
fn serve_with_a_read_replica_says_it_answers() {
    let env = Env::postgres();
    let url = env.db.to_str().unwrap().to_owned();
    // The primary itself stands in for its replica here; tests/web's
    // replica suite gives the replica data of its own.
    let mut running = Running::spawn(
        env.dir.path(),
        &[
            "--db",
            &url,
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--read-db",
            &url,
        ],
    );
    let addr = served_addr(&running.wait_for("Lumbung is serving"));
    let (status, body) = http(addr, "GET", "/health", None);
    assert!(status.contains("200"), "{status}\n{body}");
    let health: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(health["read_replica"], "ok", "{body}");
}

#[test]
fn serve_refuses_an_address_in_use() {
    let env = Env::new();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    env.run(&["serve", "--addr", &addr])
        .code(1)
        .stderr_has(&format!("cannot listen on {addr}"));
}

const DEMO_USERS: [&str; 17] = [
    "admin",
    "analyst",
    "korkot.serang",
    "faskel.ciruas",
    "panitia.ciruas",
    "saksi.ciruas",
    "admin.serang",
    "analyst.lancashire",
    "analyst.serang",
    "facilitator.ciruas",
    "facilitator.kramatwatu",
    "bkm.ketua",
    "bkm.sekretaris",
    "upk.manajer",
    "upk.kasir",
    "auditor",
    "auditor.serang",
];

#[test]
fn demo_builds_its_own_database_prints_the_logins_and_serves() {
    let env = Env::new();
    // Other files in the directory, the default database among them, are
    // never touched.
    let bystander = env.write("lumbung.db", "not the demo's business");
    let demo_db = env.path("lumbung-demo.db");
    for run in 0..2 {
        let mut running = Running::spawn(env.dir.path(), &["demo", "--addr", "127.0.0.1:0"]);
        running.wait_for("Demo database ./lumbung-demo.db");
        let addr = served_addr(&running.wait_for("Lumbung is serving"));
        running.wait_for("lumbung-demo-2026");
        running.wait_for("Stop with Ctrl-C");
        let table = running.seen.join("\n");
        for user in DEMO_USERS {
            assert!(
                table.lines().any(|l| l.starts_with(&format!("{user} "))),
                "login {user} missing (run {run}):\n{table}"
            );
        }
        assert_has_all(
            &table,
            &["area 3604 KABUPATEN SERANG", "BKM Ciruas Sejahtera"],
        );
        assert!(demo_db.exists());

        let login = r#"{"username":"admin.serang","password":"lumbung-demo-2026"}"#;
        let (status, body) = http(addr, "POST", "/api/v1/session", Some(login));
        assert!(status.contains("200"), "{status}\n{body}");
        let wrong = r#"{"username":"admin.serang","password":"not-the-password"}"#;
        let (status, _) = http(addr, "POST", "/api/v1/session", Some(wrong));
        assert!(status.contains("401"), "{status}");
        drop(running);
    }
    assert_eq!(
        std::fs::read_to_string(&bystander).unwrap(),
        "not the demo's business"
    );
    let names: Vec<String> = std::fs::read_dir(env.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with("lumbung-demo.db"))
        .collect();
    assert_eq!(
        names,
        vec!["lumbung.db".to_owned()],
        "the demo made or touched no other file"
    );
}

#[test]
fn demo_with_db_uses_that_file_but_never_deletes_a_real_database() {
    // A file of its own (on PostgreSQL: `demo_fills_only_an_empty_postgresql_database`).
    let env = Env::file();
    let demo_db = env.path("my-demo.db");
    let db_arg = demo_db.to_str().unwrap().to_owned();
    {
        let mut running = Running::spawn(
            env.dir.path(),
            &["--db", &db_arg, "demo", "--addr", "127.0.0.1:0"],
        );
        running.wait_for(&format!("Demo database {db_arg}"));
        running.wait_for("Lumbung is serving");
    }
    assert!(demo_db.exists());
    assert!(
        !env.path("lumbung-demo.db").exists(),
        "--db replaces the default demo path"
    );
    Out::of(
        bare_cmd(env.dir.path())
            .arg("--db")
            .arg(&demo_db)
            .args(["areas", "locate", "PR1 2HE"]),
    )
    .code(0)
    .stdout_has("Preston");
    Out::of(bare_cmd(env.dir.path()).arg("--db").arg(&demo_db).args([
        "areas",
        "list",
        "--parent",
        "3604240003.02",
    ]))
    .code(0)
    .stdout_has("3604240003.02.004")
    .stdout_has("RT 004")
    .stdout_has("rt");

    // A database with real data: refused, untouched.
    let areas = env.write("areas.csv", GOOD_AREAS);
    env.ok(&["areas", "import", &areas]);
    // What the file holds, read through lumbung: the bytes may move when
    // SQLite folds a write-ahead log left by the import into the file.
    let holds =
        || env.stdout(&["areas", "list", "--parent", "LANCS"]) + &env.stdout(&["areas", "list"]);
    let before = holds();
    env.fails(&["demo", "--addr", "127.0.0.1:0"], "not a demo database");
    assert_eq!(holds(), before);
    // LUMBUNG_DB counts as --db.
    let text = env.write(
        "notes.db",
        "plain text, not a database; plain text, not a database; plain text",
    );
    Out::of(bare_cmd(env.dir.path()).env("LUMBUNG_DB", &text).args([
        "demo",
        "--addr",
        "127.0.0.1:0",
    ]))
    .code(1)
    .stderr_has("not a Lumbung database");
    assert!(std::fs::read_to_string(&text)
        .unwrap()
        .starts_with("plain text"));
}

/// On a PostgreSQL server the demo fills an empty database and serves it;
/// a database holding data is refused and left as it was, the demo's own
/// earlier data too (it never deletes a server's rows). Needs PostgreSQL.
#[test]
fn demo_fills_only_an_empty_postgresql_database() {
    let env = Env::postgres();
    let url = env.db.to_str().unwrap().to_owned();
    {
        let mut running = Running::spawn(
            env.dir.path(),
            &["--db", &url, "demo", "--addr", "127.0.0.1:0"],
        );
        running.wait_for("Demo database PostgreSQL:");
        let addr = served_addr(&running.wait_for("Lumbung is serving"));
        let login = r#"{"username":"admin.serang","password":"lumbung-demo-2026"}"#;
        let (status, body) = http(addr, "POST", "/api/v1/session", Some(login));
        assert!(status.contains("200"), "{status}\n{body}");
    }
    let holds = || env.stdout(&["areas", "list", "--parent", "3604240003"]);
    let before = holds();
    assert!(before.contains("3604240003.02"), "{before}");
    env.fails(
        &["demo", "--addr", "127.0.0.1:0"],
        "this PostgreSQL database already holds data",
    );
    assert_eq!(holds(), before);
}
