//! The `lumbung` binary from the outside: every command over its own
//! temporary database, checking exit status, stdout and stderr.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const PASSWORD: &str = "a-long-test-password";

#[path = "../common/mod.rs"]
mod common;
mod serve;
use common::{assert_has_all, repo, shared_dir, Env, Out};

impl Env {
    /// `lumbung --db <tmp>/test.db ARGS…`, run in the temporary directory.
    fn cmd(&self, args: &[&str]) -> assert_cmd::Command {
        let mut cmd = assert_cmd::Command::from_std(self.command(args));
        cmd.timeout(Duration::from_secs(120));
        cmd
    }

    fn run(&self, args: &[&str]) -> Out {
        Out::of(&mut self.cmd(args))
    }

    fn ok(&self, args: &[&str]) -> Out {
        self.run(args).code(0)
    }

    /// A run that must fail (exit code 1) saying `text` on stderr.
    fn fails(&self, args: &[&str], text: &str) -> Out {
        self.run(args).code(1).stderr_has(text)
    }

    /// Whether `user` signs in with `password`, as the store checks it.
    fn signs_in(&self, user: &str, password: &str) -> bool {
        let store = self.store();
        store.verify_login(user, password).unwrap().is_some()
    }

    /// `ARGS… --password-stdin` with the test password on stdin.
    fn with_password(&self, args: &[&str]) -> Out {
        let args = [args, &["--password-stdin"]].concat();
        Out::of(self.cmd(&args).write_stdin(format!("{PASSWORD}\n")))
    }
}

fn bare_cmd(cwd: &Path) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::from_std(common::lumbung());
    cmd.current_dir(cwd);
    cmd.timeout(Duration::from_secs(120));
    cmd
}

// ------------------------------------------------------------------ basics

#[test]
fn help_lists_the_commands() {
    let env = Env::new();
    // Each help page and the words it must hold.
    for (args, commands) in [
        (
            "--help",
            "serve migrate backup user areas orgs demo --db LUMBUNG_DB",
        ),
        (
            "areas --help",
            "import import-indonesia map-postcodes locate list",
        ),
        ("user --help", "add passwd list"),
    ] {
        let out = Out::of(bare_cmd(env.dir.path()).args(args.split(' '))).code(0);
        for command in commands.split(' ') {
            assert!(
                out.stdout.contains(command),
                "{command} missing from\n{}",
                out.stdout
            );
        }
    }
    Out::of(bare_cmd(env.dir.path()).args(["areas", "import-indonesia", "--help"]))
        .code(0)
        .stdout_has("-2, -3")
        .stdout_has("first row with an id keeps it");
    Out::of(bare_cmd(env.dir.path()).args(["user", "add", "--help"]))
        .code(0)
        .stdout_has("LUMBUNG_PASSWORD")
        .stdout_has("--password-stdin");
    assert!(!env.db.exists(), "help opens no database");
}

#[test]
fn wrong_usage_exits_2() {
    let env = Env::new();
    env.run(&["frobnicate"]).code(2).stderr_has("frobnicate");
    env.run(&["user", "add", "ana"])
        .code(2)
        .stderr_has("--role");
    env.run(&["serve", "--addr", "not-an-address"]).code(2);
    env.run(&[
        "user",
        "add",
        "ana",
        "--role",
        "admin",
        "--password",
        "secret-secret",
    ])
    .code(2);
    assert!(!env.db.exists(), "wrong usage opens no database");
}

#[test]
fn a_postgresql_address_is_never_taken_for_a_file_nor_repeated_with_its_password() {
    let dir = tempfile::tempdir().unwrap();
    // Nothing listens on port 1: the server cannot be reached.
    let url = "postgres://lumbung:rahasia@127.0.0.1:1/lumbung";
    for (lang, words) in [
        ("en", "cannot open the database"),
        ("id", "tidak dapat dibuka"),
    ] {
        for args in [
            &["--db", url, "migrate"][..],
            &["--db", url, "demo", "--addr", "127.0.0.1:0"],
        ] {
            let out = bare_cmd(dir.path())
                .env("LUMBUNG_LANG", lang)
                .args(args)
                .output()
                .unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
            assert!(err.contains(words), "{args:?}: {err}");
            assert!(
                !err.contains("rahasia"),
                "the password is never repeated: {err}"
            );
        }
    }
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing created"
    );
}

#[test]
fn migrate_creates_the_database_and_prints_the_schema_version() {
    let env = Env::file();
    let out = env.ok(&["migrate"]).stdout_has("schema version ");
    let version: i64 = out
        .stdout
        .trim()
        .rsplit(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(version >= 1);
    assert!(env.db.exists());
    // Again: nothing to do, same version.
    env.ok(&["migrate"])
        .stdout_has(&format!("schema version {version}"));
}

#[test]
fn migrate_creates_the_schema_on_postgresql_and_commands_work_there() {
    let env = Env::postgres();
    let sqlite = Env::file();
    let version = |env: &Env| env.ok(&["migrate"]).stdout_has("schema version ").stdout;
    let on_pg = version(&env);
    assert!(
        on_pg.starts_with("postgres://lumbung") || on_pg.starts_with("postgres://"),
        "{on_pg}"
    );
    let number = |s: &str| {
        s.lines()
            .next()
            .unwrap()
            .rsplit(' ')
            .next()
            .unwrap()
            .to_owned()
    };
    assert_eq!(
        number(&on_pg),
        number(&version(&sqlite)),
        "both count alike"
    );
    assert_eq!(
        number(&version(&env)),
        number(&on_pg),
        "again: nothing to do"
    );
    env.cmd(&["user", "add", "ana", "--role", "admin"])
        .env("LUMBUNG_PASSWORD", "another-long-password")
        .assert()
        .success();
    env.ok(&["user", "list"]).stdout_has("ana");
    assert_eq!(
        std::fs::read_dir(env.dir.path()).unwrap().count(),
        0,
        "no file made"
    );
}

/// `.ci/run` starts its PostgreSQL with TLS on (a self-signed certificate
/// for localhost and 127.0.0.1, named by `LUMBUNG_TEST_PG_ROOT_CERT`).
#[test]
fn postgresql_connections_are_encrypted_and_checked_as_the_url_asks() {
    let root = std::env::var("LUMBUNG_TEST_PG_ROOT_CERT").expect(
        "this test needs PostgreSQL with TLS: set LUMBUNG_TEST_PG_ROOT_CERT to its certificate (.ci/run does)",
    );
    let env = Env::postgres();
    let url = env.db.display().to_string();
    let with = |query: &str| {
        let mut cmd = common::lumbung();
        cmd.args(["--db", &format!("{url}?{query}"), "migrate"]);
        cmd
    };
    let said = |query: &str| {
        let out = with(query).output().unwrap();
        assert!(out.status.success(), "{query}: {out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    // prefer, the default: encrypted, since this server offers TLS.
    assert!(env
        .ok(&["migrate"])
        .stdout
        .contains("TLS connection; the server's identity not checked"),);
    assert!(said("sslmode=require").contains("the server's identity not checked"));
    assert!(said("sslmode=disable").contains("connection not encrypted"));
    let checked = said(&format!("sslmode=verify-full&sslrootcert={root}"));
    assert!(
        checked.contains("whose certificate was checked"),
        "{checked}"
    );
    // Another authority's certificate does not vouch for this server.
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("other.pem");
    std::fs::write(&other, OTHER_AUTHORITY).unwrap();
    let out = with(&format!(
        "sslmode=verify-full&sslrootcert={}",
        other.display()
    ))
    .env("LUMBUNG_LANG", "id")
    .output()
    .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("certificate") || err.contains("Certificate"),
        "{err}"
    );
    let out = with("sslmode=verify-full").output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("sslrootcert=FILE"));
}

/// A certificate authority that signed nothing of the test server's (ISRG
/// Root X1, Let's Encrypt's root).
const OTHER_AUTHORITY: &str = include_str!("../common/isrg-root-x1.pem");

#[test]
fn copy_takes_a_file_to_postgresql_and_back_with_every_row_and_refuses_a_full_target() {
    let file = Env::preston();
    let loans = file.write(
        "loans.csv",
        "upk,ksm,loan_id,disbursed_on,principal,term_months,fee_rate_monthly,schedule
UPK Ciruas,KSM Melati,L-001,2024-01-10,600000,6,0.015,flat
UPK Kramatwatu,KSM Kenanga,L-003,2024-01-10,600000,6,0.015,flat
",
    );
    let none = file.write("none.csv", "loan_id,paid_on,amount\n");
    file.stdout(&["fund", "import", &loans, &none]);
    let pg = Env::postgres();
    let copy = |from: &Path, to: &Path| {
        Out::of(bare_cmd(file.dir.path()).args([
            "copy",
            "--from",
            from.to_str().unwrap(),
            "--to",
            to.to_str().unwrap(),
        ]))
    };
    let there = copy(&file.db, &pg.db)
        .code(0)
        .stdout_has("every table's count equal");
    let back = file.path("back.db");
    copy(&pg.db, &back)
        .code(0)
        .stdout_has("every table's count equal");
    // The same rows everywhere: the counts printed, and what a command shows.
    let counts = |out: &str| {
        out.lines()
            .filter(|l| !l.contains("->"))
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    let areas = counts(&there.stdout);
    assert!(areas.iter().any(|l| l.starts_with("areas: ")), "{areas:?}");
    let listing = |db: &Path| {
        common::stdout_of(
            &[],
            common::lumbung()
                .arg("--db")
                .arg(db)
                .args(["spend", "settings"])
                .output()
                .unwrap(),
        )
    };
    let settings = listing(&file.db);
    assert!(settings.contains("local"), "{settings}");
    assert_eq!(listing(&pg.db), settings);
    assert_eq!(listing(&back), listing(&file.db));
    // The journal goes on after the entries copied, on either side.
    for db in [&pg.db, &back] {
        let post = |memo: &str| {
            Out::of(bare_cmd(file.dir.path()).arg("--db").arg(db).args([
                "fund",
                "post",
                "--upk",
                "UPK Ciruas",
                "--kind",
                "cost",
                "--amount",
                "1000",
                "--date",
                "2024-02-01",
                "--memo",
                memo,
            ]))
            .code(0)
            .stdout_has("posted");
        };
        post("copied");
        post("again");
        Out::of(
            bare_cmd(file.dir.path())
                .arg("--db")
                .arg(db)
                .args(["fund", "verify"]),
        )
        .code(0)
        .stdout_has("journal verified: 4 entries");
    }
    // A target holding data is refused, in either language.
    for (lang, words) in [("en", "already holds data"), ("id", "sudah berisi data")] {
        Out::of(bare_cmd(file.dir.path()).env("LUMBUNG_LANG", lang).args([
            "copy",
            "--from",
            file.db.to_str().unwrap(),
            "--to",
            &pg.pg.as_ref().unwrap().url,
        ]))
        .code(1)
        .stderr_has(words);
    }
}

#[test]
fn the_database_defaults_to_lumbung_db_or_lumbung_db_env() {
    let env = Env::new();
    Out::of(bare_cmd(env.dir.path()).arg("migrate")).code(0);
    assert!(env.path("lumbung.db").exists());
    Out::of(
        bare_cmd(env.dir.path())
            .arg("migrate")
            .env("LUMBUNG_DB", env.path("from-env.db")),
    )
    .code(0);
    assert!(env.path("from-env.db").exists());
}

// ------------------------------------------------------------------- users

#[test]
fn user_add_takes_the_password_from_stdin_or_the_environment_only() {
    let env = Env::new();
    env.cmd(&["user", "add", "Ana", "--role", "admin", "--password-stdin"])
        .write_stdin(format!("{PASSWORD}\n"))
        .assert()
        .success();
    env.cmd(&["user", "add", "budi", "--role", "AUDITOR"])
        .env("LUMBUNG_PASSWORD", "another-long-password")
        .assert()
        .success();
    env.fails(
        &["user", "add", "citra", "--role", "analyst"],
        "error: no password given",
    )
    .stderr_has("--password-stdin");
    let short = Out::of(
        env.cmd(&[
            "user",
            "add",
            "dewi",
            "--role",
            "analyst",
            "--password-stdin",
        ])
        .write_stdin("short\n"),
    );
    short.code(1).stderr_has("at least 10 characters");
    env.with_password(&["user", "add", "ana", "--role", "analyst"])
        .code(1)
        .stderr_has("user ana already exists");
    env.run(&["user", "add", "eko", "--role", "root"])
        .code(2)
        .stderr_has("admin")
        .stderr_has("analyst")
        .stderr_has("facilitator")
        .stderr_has("auditor");
    env.with_password(&[
        "user", "add", "eko", "--role", "analyst", "--area", "NOWHERE",
    ])
    .code(1)
    .stderr_has("area NOWHERE does not exist");
    env.with_password(&["user", "add", "eko", "--role", "bkm", "--org", "999"])
        .code(1)
        .stderr_has("organisation 999 does not exist");
    env.with_password(&["user", "add", "not a name", "--role", "bkm"])
        .code(1)
        .stderr_has("user name");

    for (user, password, can) in [
        ("ana", PASSWORD, true),
        ("budi", "another-long-password", true),
        ("citra", PASSWORD, false),
    ] {
        assert_eq!(env.signs_in(user, password), can, "{user}");
    }
}

#[test]
fn user_passwd_sets_a_new_password() {
    let env = Env::new();
    env.with_password(&["user", "add", "ana", "--role", "admin"])
        .code(0);
    Out::of(
        env.cmd(&["user", "passwd", "ana", "--password-stdin"])
            .write_stdin("the-new-password\r\n"),
    )
    .code(0)
    .stdout_has("password of ana changed");
    env.fails(&["user", "passwd", "ana"], "no password given");
    Out::of(
        env.cmd(&["user", "passwd", "nobody"])
            .env("LUMBUNG_PASSWORD", "the-new-password"),
    )
    .code(1)
    .stderr_has("user nobody not found");
    assert!(!env.signs_in("ana", PASSWORD));
    assert!(env.signs_in("ana", "the-new-password"));
}

#[test]
fn user_list_shows_name_role_and_scope() {
    let env = Env::new();
    env.run(&["user", "list"])
        .code(0)
        .stderr_has("no users yet");
    env.import_lancashire();
    for (name, role, scope) in [
        ("ana", "admin", None),
        ("lina", "analyst", Some("E10000017")),
    ] {
        let mut args = vec!["user", "add", name, "--role", role];
        if let Some(area) = scope {
            args.extend(["--area", area]);
        }
        Out::of(env.cmd(&args).env("LUMBUNG_PASSWORD", PASSWORD)).code(0);
    }
    let out = env.ok(&["user", "list"]);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", out.stdout);
    assert!(
        lines[0].starts_with("NAME") && lines[0].contains("ROLE") && lines[0].contains("SCOPE")
    );
    assert!(
        lines[1].starts_with("ana ") && lines[1].contains("admin") && lines[1].contains("global")
    );
    assert!(lines[2].starts_with("lina") && lines[2].contains("analyst"));
    assert!(
        lines[2].contains("area E10000017 Lancashire"),
        "{}",
        lines[2]
    );
    assert!(!out.stdout.contains(PASSWORD));
}

// ------------------------------------------------------------------- areas

const GOOD_AREAS: &str = "\u{feff}Code, Name ,PARENT_CODE,kind\r\n\
    P1,Preston Ward,LANCS,ward\r\n\
    LANCS,Lancashire,UK,county\r\n\
    UK,United Kingdom,,country\r\n\
    P2,\"Ribbleton, East\",LANCS,ward\r\n";

#[test]
fn areas_import_then_the_same_file_again_changes_nothing() {
    let env = Env::new();
    let file = env.write("areas.csv", GOOD_AREAS);
    let file = &file;
    env.ok(&["areas", "import", file])
        .stdout_has("4 created, 0 updated, 0 unchanged");
    env.ok(&["areas", "import", file])
        .stdout_has("0 created, 0 updated, 4 unchanged");

    let roots = env.ok(&["areas", "list"]);
    assert_eq!(roots.stdout.lines().count(), 2, "{}", roots.stdout);
    assert!(
        roots.stdout.contains("UK")
            && roots.stdout.contains("United Kingdom")
            && roots.stdout.contains("country")
    );
    let wards = env.ok(&["areas", "list", "--parent", "LANCS"]);
    assert!(
        wards.stdout.contains("P1") && wards.stdout.contains("Ribbleton, East"),
        "{}",
        wards.stdout
    );
    assert!(!wards.stdout.contains("United Kingdom"));
    env.ok(&["areas", "list", "--search", "ribble"])
        .stdout_has("P2");
    env.ok(&["areas", "list", "--search", "P1", "--parent", "UK"])
        .stdout_has("Preston Ward");
    env.fails(
        &["areas", "list", "--parent", "NOPE"],
        "area NOPE not found",
    );

    // A changed name is an update.
    let changed = env.write(
        "changed.csv",
        "code,name,parent_code\nP1,Preston Central,LANCS\n",
    );
    env.ok(&["areas", "import", &changed])
        .stdout_has("0 created, 1 updated, 0 unchanged");
}

#[test]
fn a_bad_areas_file_is_refused_whole_with_every_problem_named() {
    let env = Env::new();
    let file = env.write(
        "bad.csv",
        "code,name,parent_code,kind\n\
         A,Alpha,,region\n\
         B,Beta,MISSING,region\n\
         C,Gamma,D,region\n\
         D,Delta,C,region\n\
         A,Alpha again,,region\n\
         E E,Bad code,A,region\n\
         F,Too few\n\
         G,Gee,A,rt 1\n",
    );
    let out = env.run(&["areas", "import", &file]).code(1);
    let name = file.clone();
    out.stderr_has("error: ")
        .stderr_has("rejected, nothing imported")
        .stderr_has(&format!(
            "{name}: line 3, column parent_code: parent MISSING"
        ))
        .stderr_has(&format!(
            "{name}: line 4, column parent_code: parent links form a cycle"
        ))
        .stderr_has(&format!(
            "{name}: line 5, column parent_code: parent links form a cycle"
        ))
        .stderr_has(&format!(
            "{name}: line 6, column code: duplicate code A (first on line 2)"
        ))
        .stderr_has(&format!("{name}: line 7, column code:"))
        .stderr_has(&format!(
            "{name}: line 8, column parent_code: the row has 2 fields"
        ))
        .stderr_has(&format!("{name}: line 9, column kind:"));
    let listed = env.ok(&["areas", "list"]).stderr_has("no areas found");
    assert_eq!(listed.stdout, "", "nothing was imported");
    env.ok(&["areas", "list", "--search", "Alpha"])
        .stderr_has("no areas found");

    let no_parent_col = env.write("cols.csv", "code,name\nA,Alpha\n");
    env.fails(
        &["areas", "import", &no_parent_col],
        "line 1, column parent_code: the required column parent_code is missing",
    );
    env.fails(
        &["areas", "import", env.path("absent.csv").to_str().unwrap()],
        "cannot read",
    );
}

/// A small BPS-shaped directory: no header lines, CRLF in villages.csv, a
/// quoted name with a comma and a duplicate village id.
fn bps_fixture(env: &Env, villages: &str) -> PathBuf {
    let dir = env.path("bps");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("provinces.csv"), "36,BANTEN\n91,PAPUA BARAT\n").unwrap();
    std::fs::write(
        dir.join("regencies.csv"),
        "3604,36,KABUPATEN SERANG\n9107,91,KABUPATEN TAMBRAUW\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("districts.csv"),
        "3604240,3604,CIRUAS\n9107182,9107,KWOR\n",
    )
    .unwrap();
    std::fs::write(dir.join("villages.csv"), villages).unwrap();
    dir
}

#[test]
fn import_indonesia_renames_duplicate_ids_and_warns() {
    let env = Env::new();
    let dir = bps_fixture(
        &env,
        "3604240003,3604240,CIRUAS\r\n\
         3604240002,3604240,\"RANJENG, LAMA\"\r\n\
         9107182005,9107182,KAMLIN\r\n\
         9107182005,9107182,KWARI\r\n",
    );
    let dir_arg = dir.to_str().unwrap();
    let out = env
        .ok(&["areas", "import-indonesia", dir_arg])
        .stdout_has("read 2 provinces, 2 regencies, 2 districts, 4 villages")
        .stdout_has("11 created, 0 updated, 0 unchanged");
    let warning = out
        .stdout
        .lines()
        .find(|l| l.starts_with("warning:"))
        .unwrap_or_else(|| panic!("no warning in {out:#?}"))
        .to_owned();
    for part in [
        "villages.csv",
        "line 4",
        "9107182005",
        "KAMLIN",
        "KWARI",
        "9107182005-2",
    ] {
        assert!(warning.contains(part), "{part} missing from {warning}");
    }
    env.ok(&["areas", "list", "--search", "9107182005-2"])
        .stdout_has("KWARI");
    env.ok(&["areas", "list", "--search", "9107182005"])
        .stdout_has("KAMLIN");
    env.ok(&["areas", "list"])
        .stdout_has("Indonesia")
        .stdout_has("country");
    env.ok(&["areas", "list", "--parent", "ID"])
        .stdout_has("BANTEN")
        .stdout_has("province");
    env.ok(&["areas", "list", "--parent", "3604240"])
        .stdout_has("RANJENG, LAMA")
        .stdout_has("kelurahan");

    env.ok(&["areas", "import-indonesia", dir_arg])
        .stdout_has("0 created, 0 updated, 10 unchanged")
        .stdout_has("9107182005-2");
}

#[test]
fn import_indonesia_names_the_file_line_and_column_of_each_problem() {
    let env = Env::new();
    let dir = bps_fixture(
        &env,
        "3604240003,3604240,CIRUAS\r\n3604240004,9999999,NOWHERE\r\n3604240005,3604240\r\n",
    );
    let villages = dir.join("villages.csv").display().to_string();
    env.run(&["areas", "import-indonesia", dir.to_str().unwrap()])
        .code(1)
        .stderr_has(&format!(
            "{villages}: line 2, column parent_id: 9999999 is not an id in districts.csv"
        ))
        .stderr_has(&format!("{villages}: line 3, column name"));
    env.ok(&["areas", "list"]).stderr_has("no areas found");
    std::fs::remove_file(dir.join("districts.csv")).unwrap();
    env.fails(
        &["areas", "import-indonesia", dir.to_str().unwrap()],
        "districts.csv",
    );
}

/// The whole BPS 2018 set, from `shared/` beside the repository.
#[test]
fn import_indonesia_reads_the_real_bps_data() {
    let dir = shared_dir("data/id-wilayah-bps-2018");
    let env = Env::new();
    let out = env
        .ok(&["areas", "import-indonesia", dir.to_str().unwrap()])
        .stdout_has("read 34 provinces, 514 regencies, 7215 districts, 80534 villages")
        .stdout_has("88298 created, 0 updated, 0 unchanged");
    let warnings: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.starts_with("warning:"))
        .collect();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(
        warnings[0].contains("9107182005")
            && warnings[0].contains("KAMLIN")
            && warnings[0].contains("KWARI")
    );
    assert!(
        warnings[1].contains("9109070015")
            && warnings[1].contains("ANARUM")
            && warnings[1].contains("JAMBUANI")
    );
    env.ok(&["areas", "list", "--search", "9109070015-2"])
        .stdout_has("JAMBUANI");
    env.ok(&["areas", "list", "--search", "9109070015"])
        .stdout_has("ANARUM");
    let store = env.store();
    let overview = store.overview().unwrap();
    let kelurahan = overview
        .areas_by_kind
        .iter()
        .find(|(k, _)| k == "kelurahan")
        .unwrap()
        .1;
    assert_eq!(kelurahan, 80_534);
}

#[test]
fn postcodes_map_to_areas_by_outward_code() {
    let env = Env::new();
    let dir = repo().join("demo/uk-lancashire");
    env.ok(&["areas", "import", dir.join("areas.csv").to_str().unwrap()])
        .stdout_has("17 created");
    let postcodes = dir.join("postcodes.csv");
    env.ok(&["areas", "map-postcodes", postcodes.to_str().unwrap()])
        .stdout_has("3114 created, 0 updated, 0 unchanged");
    env.ok(&["areas", "map-postcodes", postcodes.to_str().unwrap()])
        .stdout_has("0 created, 0 updated, 3114 unchanged");
    env.ok(&["areas", "locate", "PR1 2HE"])
        .stdout_has("E07000123")
        .stdout_has("Preston")
        .stdout_has("by prefix PR1")
        .stdout_has("United Kingdom > Lancashire > Preston");
    env.ok(&["areas", "locate", "bb1 1aa"])
        .stdout_has("Blackburn with Darwen");
    env.fails(&["areas", "locate", "42182"], "not in the postcode map");
    env.fails(&["areas", "locate", "PR1-2HE"], "letters and digits");

    let bad = env.write(
        "bad-map.csv",
        "Prefix,Area_Code\nPR1,E07000123\nPR-9,E07000123\nPR10,NOWHERE\nPR1,E07000118\n",
    );
    let name = bad.clone();
    env.run(&["areas", "map-postcodes", &bad])
        .code(1)
        .stderr_has(&format!("{name}: line 3, column prefix"))
        .stderr_has(&format!(
            "{name}: line 4, column area_code: area NOWHERE is not stored"
        ))
        .stderr_has(&format!(
            "{name}: line 5, column prefix: duplicate prefix PR1"
        ));
    let missing = env.write("cols.csv", "prefix,area\nPR1,E07000123\n");
    env.fails(&["areas", "map-postcodes", &missing], "column area_code");
}

// ------------------------------------------------------------ organisations

const ORGS: &str = "name,kind,area_code,company_number,npwp,Website,Sector\n\
    Preston City Council,anchor,E07000123,,,https://www.preston.gov.uk,84110\n\
    Guild Builders Ltd,supplier,E07000123,1234567,,,43390\n\
    Fylde Food Co-operative,coop,E07000119,,,,\n\
    Koperasi Tani Makmur,koperasi,,,01.234.567.8-901.000,,\n";

#[test]
fn orgs_import_is_idempotent_and_extra_columns_are_attributes() {
    let env = Env::lancashire();
    let file = env.write("orgs.csv", ORGS);
    env.ok(&["orgs", "import", &file])
        .stdout_has("4 created, 0 updated, 0 unchanged");
    env.ok(&["orgs", "import", &file])
        .stdout_has("0 created, 0 updated, 4 unchanged");

    let store = env.store();
    let (found, _) = store
        .search_orgs(
            &lumbung_store::OrgFilter {
                query: Some("Guild".into()),
                ..Default::default()
            },
            10,
            0,
        )
        .unwrap();
    assert_eq!(found[0].company_number.as_deref(), Some("01234567"));
    assert_eq!(
        found[0].attributes.get("Sector").map(String::as_str),
        Some("43390")
    );
    assert!(
        !found[0].attributes.contains_key("Website"),
        "empty cells are skipped"
    );
    drop(store);

    let listed = env.ok(&["orgs", "list"]);
    let lines: Vec<&str> = listed.stdout.lines().collect();
    assert_eq!(lines.len(), 5, "{}", listed.stdout);
    assert!(
        lines[0].starts_with("ID")
            && lines[0].contains("NAME")
            && lines[0].contains("KIND")
            && lines[0].contains("AREA")
    );
    assert!(listed.stdout.contains("E07000123 Preston"));
    let coops = env.ok(&["orgs", "list", "--kind", "cooperative"]);
    assert!(
        coops.stdout.contains("Fylde Food Co-operative")
            && coops.stdout.contains("Koperasi Tani Makmur")
    );
    assert!(!coops.stdout.contains("Guild"));
    env.ok(&["orgs", "list", "--search", "guild"])
        .stdout_has("Guild Builders Ltd");
    env.ok(&["orgs", "list", "--search", "012345678901000"])
        .stdout_has("Koperasi Tani Makmur");
    env.run(&["orgs", "list", "--kind", "bank"])
        .code(2)
        .stderr_has("cooperative");

    // An organisation scope for a user.
    let council = listed
        .stdout
        .lines()
        .find(|l| l.contains("Preston City Council"))
        .unwrap();
    let id = council.split_whitespace().next().unwrap();
    Out::of(
        env.cmd(&["user", "add", "rina", "--role", "bkm", "--org", id])
            .env("LUMBUNG_PASSWORD", PASSWORD),
    )
    .code(0);
    env.ok(&["user", "list"])
        .stdout_has(&format!("org {id} Preston City Council"));
}

#[test]
fn a_bad_orgs_file_is_refused_whole() {
    let env = Env::lancashire();
    let file = env.write(
        "orgs.csv",
        "name,kind,area_code,company_number,parent_id\n\
         Good Org,supplier,E07000123,,\n\
         Bad Kind,bank,E07000123,,\n\
         Nowhere Org,supplier,XX999,,\n\
         Bad Number,supplier,,12345678901,\n\
         Orphan,ksm,,,777\n",
    );
    let name = file.clone();
    env.fails(&["orgs", "import", &file], "rejected, nothing imported")
        .stderr_has(&format!(
            "{name}: line 3, column kind: unknown organisation kind"
        ))
        .stderr_has(&format!(
            "{name}: line 4, column area_code: area XX999 does not exist"
        ))
        .stderr_has(&format!("{name}: line 5, column company_number"))
        .stderr_has(&format!(
            "{name}: line 6, column parent_id: organisation 777 does not exist"
        ));
    env.ok(&["orgs", "list"])
        .stderr_has("no organisations found");
    let no_kind = env.write("nokind.csv", "name,type\nA,b\n");
    env.fails(&["orgs", "import", &no_kind], "column kind");
}

// ------------------------------------------------------- files and backups

#[test]
fn backup_writes_a_database_and_never_overwrites() {
    let env = Env::file();
    let areas = env.write("areas.csv", GOOD_AREAS);
    env.ok(&["areas", "import", &areas]);
    let copy = env.path("copy.db");
    env.ok(&["backup", copy.to_str().unwrap()])
        .stdout_has("backed up");
    Out::of(
        bare_cmd(env.dir.path())
            .arg("--db")
            .arg(&copy)
            .arg("migrate"),
    )
    .code(0)
    .stdout_has("schema version");
    Out::of(
        bare_cmd(env.dir.path())
            .arg("--db")
            .arg(&copy)
            .args(["areas", "list", "--parent", "LANCS"]),
    )
    .code(0)
    .stdout_has("Preston Ward");
    let before = std::fs::read(&copy).unwrap();
    env.fails(&["backup", copy.to_str().unwrap()], "file exists");
    assert_eq!(std::fs::read(&copy).unwrap(), before);
}

#[test]
fn a_file_that_is_not_a_lumbung_database_is_left_alone() {
    let env = Env::file();
    let text = "my shopping list: rice, eggs, tea — not a database at all, honestly, believe me\n"
        .repeat(10);
    std::fs::write(&env.db, &text).unwrap();
    for args in [&["migrate"][..], &["user", "list"], &["areas", "list"]] {
        env.run(args)
            .code(1)
            .stderr_has("error: ")
            .stderr_has("not a Lumbung database");
    }
    assert_eq!(std::fs::read_to_string(&env.db).unwrap(), text);
    assert!(!env.path("test.db-wal").exists());
}

#[cfg(unix)]
#[test]
fn a_read_only_database_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::file();
    env.ok(&["migrate"]);
    std::fs::set_permissions(&env.db, std::fs::Permissions::from_mode(0o444)).unwrap();
    let before = std::fs::read(&env.db).unwrap();
    env.fails(&["user", "list"], "read-only");
    let areas = env.write("areas.csv", GOOD_AREAS);
    env.fails(&["areas", "import", &areas], "read-only");
    assert_eq!(std::fs::read(&env.db).unwrap(), before);
}

#[test]
fn logs_can_be_json_lines() {
    let env = Env::new();
    let mut cmd = bare_cmd(env.dir.path());
    cmd.env("LUMBUNG_LOG", "info")
        .env("LUMBUNG_LOG_FORMAT", "json")
        .args(["--db", env.db.to_str().unwrap(), "migrate"]);
    let out = Out::of(&mut cmd).code(0);
    let line = out
        .stderr
        .lines()
        .find(|l| l.contains("applied migration"))
        .expect("the migration is logged");
    let entry: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
    assert_eq!(entry["level"], "INFO");
    // The first migration applied one by one: 1 on SQLite, the first after
    // PostgreSQL's base schema there.
    let first = if env.pg.is_some() { 41 } else { 1 };
    assert_eq!(entry["fields"]["version"], first, "{line}");
}

#[test]
fn a_database_locked_by_another_program_is_a_clear_refusal() {
    let env = Env::file();
    env.ok(&["migrate"]);
    let other = rusqlite::Connection::open(&env.db).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    let areas = env.write("areas.csv", GOOD_AREAS);
    env.fails(
        &["--busy-timeout-ms", "100", "areas", "import", &areas],
        "busy",
    );
    other.execute_batch("ROLLBACK").unwrap();
    let listed = env.run(&["areas", "list"]).code(0);
    assert!(
        !listed.stdout.contains("Lancashire"),
        "nothing was imported: {listed:#?}"
    );
}

// ------------------------------------------------------- names and ids

/// Names of organisations are not unique: the CLI (an operator's tool that
/// reaches the whole database) refuses a `--upk` or `--anchor` name that
/// fits several, listing their ids, and takes an id instead.
#[test]
fn options_that_name_an_organisation_refuse_an_ambiguous_name() {
    let env = Env::lancashire();
    let orgs = env.write(
        "orgs.csv",
        "name,kind,area_code\n\
         UPK Kembar,upk,E07000123\n\
         UPK Kembar,upk,E07000118\n\
         Kembar Council,anchor,E07000123\n\
         Kembar Council,anchor,E07000118\n",
    );
    env.ok(&["orgs", "import", &orgs]);
    let ambiguous = |out: Out| {
        out.code(1)
            .stderr_has("names 2 organisations")
            .stderr_has("1 (UPK Kembar, Preston)")
            .stderr_has("2 (UPK Kembar, Chorley)");
    };
    ambiguous(env.run(&[
        "fund",
        "post",
        "--upk",
        "upk kembar",
        "--kind",
        "cost",
        "--amount",
        "1000",
    ]));
    ambiguous(env.run(&["fund", "settings", "--upk", "UPK Kembar"]));
    ambiguous(env.run(&["fund", "statements", "--upk", "UPK Kembar"]));
    ambiguous(env.run(&["fund", "provision", "--upk", "UPK Kembar"]));
    ambiguous(env.run(&["fund", "report", "--upk", "UPK Kembar"]));
    env.ok(&[
        "fund",
        "post",
        "--upk",
        "2",
        "--kind",
        "cost",
        "--amount",
        "1000",
        "--date",
        "2024-03-01",
    ])
    .stdout_has("posted");
    let sheet = env.ok(&[
        "fund",
        "statements",
        "--upk",
        "2",
        "--as-of",
        "2024-12-31",
        "--format",
        "json",
    ]);
    let sheet: serde_json::Value = serde_json::from_str(&sheet.stdout).unwrap();
    assert_eq!(sheet["balance_sheet"]["cash"], -1000, "in UPK 2's books");
    let first = env.ok(&[
        "fund",
        "statements",
        "--upk",
        "1",
        "--as-of",
        "2024-12-31",
        "--format",
        "json",
    ]);
    let first: serde_json::Value = serde_json::from_str(&first.stdout).unwrap();
    assert_eq!(first["balance_sheet"]["cash"], 0, "not in UPK 1's");
    // Books imported from spreadsheets name their UPK: an ambiguous name
    // rejects the file with its line.
    let loans = env.write(
        "loans.csv",
        "upk,ksm,loan_id,disbursed_on,principal,term_months,fee_rate_monthly\n\
         UPK Kembar,KSM Mawar,K-1,2024-01-10,1000000,10,0.015\n",
    );
    let repayments = env.write("repayments.csv", "loan_id,paid_on,amount\n");
    env.fails(
        &["fund", "import", &loans, &repayments],
        "line 2, column upk",
    )
    .stderr_has("ids 1, 2");
    env.fails(
        &["fund", "settings", "--upk", "UPK Nobody"],
        "no UPK named \"UPK Nobody\"",
    );

    let ledger = env.write(
        "ledger.csv",
        "Date,Supplier,Amount\n03/05/2013,Toko Maju,5.00\n",
    );
    env.fails(
        &["spend", "import", "--anchor", "Kembar Council", &ledger],
        "names 2 organisations",
    )
    .stderr_has("3 (Kembar Council, Preston)")
    .stderr_has("4 (Kembar Council, Chorley)");
    env.fails(
        &["spend", "report", "--anchor", "Kembar Council"],
        "3 (Kembar Council, Preston)",
    );
    env.ok(&["spend", "import", "--anchor", "4", &ledger]);
    let report = env.ok(&["spend", "report", "--anchor", "4", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&report.stdout).unwrap();
    assert_eq!(report["total"], "5.00", "{report}");
}

// ------------------------------------------------------------------- clock

/// `LUMBUNG_NOW` (a testing aid) fixes the day every command takes as
/// today; a value that is neither an instant nor a date is refused before
/// any database is opened.
#[test]
fn lumbung_now_fixes_today_and_a_bad_value_is_refused() {
    let env = Env::new();
    Out::of(env.cmd(&["migrate"]).env("LUMBUNG_NOW", "yesterday"))
        .code(1)
        .stderr_has("LUMBUNG_NOW: not an instant or a date: \"yesterday\"");
    assert!(!env.db.exists(), "nothing opened");
    for (now, day) in [
        ("2024-05-20", "2024-05-20"),
        ("2024-06-30T12:00:00Z", "2024-06-30"),
    ] {
        let out = Out::of(
            env.cmd(&["fund", "report", "--format", "json"])
                .env("LUMBUNG_NOW", now),
        )
        .code(0);
        assert_eq!(out.json()["as_of"], day, "{out:#?}");
    }
}

#[test]
fn errors_speak_indonesian_when_asked() {
    let env = Env::new();
    let file = env.write("areas.csv", "code,name,parent_code\nA,,\n");
    let out = Out::from(
        env.command(&["areas", "import", &file])
            .env("LUMBUNG_LANG", "id")
            .output()
            .unwrap(),
    )
    .code(1);
    out.stderr_has(&format!(
        "kesalahan: {file}: ditolak, tidak ada yang diimpor (1 masalah)\n  {file}: baris 2, kolom name: nama kosong"
    ));
    let out = env.run(&["areas", "import", &file]).code(1);
    out.stderr_has(&format!("{file}: line 2, column name: name is empty"));
}
