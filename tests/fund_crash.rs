//! The fund's postings survive a crash: `fund repay --file` is stopped
//! dead (the process aborts: no rollback, no destructor) at points chosen
//! by row count — inside a batch's transaction and between two batches —
//! and posted again; afterwards exactly the batches before the point are
//! held, nothing is half-posted, nothing is lost, nothing is posted twice,
//! and the journal verifies.

use rusqlite::Connection;
use serde_json::Value;
use std::collections::BTreeMap;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

mod common;

const BATCH: usize = 50;
const ROWS: usize = 3_000;
const ITERATIONS: u64 = 8;
const FEE: (i64, i64) = (15, 1000);
/// The signal `std::process::abort` raises.
const SIGABRT: i32 = 6;

/// A loan of the fixture: id, principal, term (flat schedules at 0.015).
const LOANS: [(&str, i64, i64); 5] = [
    ("C-001", 5_000_000, 10),
    ("C-002", 2_400_000, 12),
    ("C-003", 600_000, 6),
    ("C-004", 9_000_000, 12),
    ("C-005", 1_000_000, 3),
];

fn lumbung(db: &Path) -> Command {
    let mut cmd = common::lumbung();
    cmd.arg("--db").arg(db);
    cmd
}

fn ok(db: &Path, args: &[&str]) -> String {
    common::stdout_of(args, lumbung(db).args(args).output().unwrap())
}

/// SplitMix64: small, deterministic, good enough for delays and amounts.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// One row of the repayments file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Row {
    loan: &'static str,
    paid_on: String,
    amount: i64,
}

/// The repayments file: `ROWS` rows over the fixture's loans, with a key
/// column or (every other iteration) without one, so that keys are made
/// from loan, date, amount and occurrence among identical rows.
fn repayments(rng: &mut Rng, keyed: bool) -> (String, Vec<Row>) {
    let mut text = String::from(if keyed {
        "loan_id,paid_on,amount,key\n"
    } else {
        "loan_id,paid_on,amount\n"
    });
    let mut rows = Vec::with_capacity(ROWS);
    for i in 0..ROWS {
        let loan = LOANS[rng.below(LOANS.len() as u64) as usize].0;
        // Dates after every disbursement (2024-01-10), not in order;
        // few distinct amounts, so that identical rows occur.
        let day = 1 + rng.below(28);
        let month = 2 + rng.below(11);
        let paid_on = format!("2024-{month:02}-{day:02}");
        let amount = 1_000 * (1 + rng.below(8) as i64);
        if keyed {
            text.push_str(&format!("{loan},{paid_on},{amount},crash-{i}\n"));
        } else {
            text.push_str(&format!("{loan},{paid_on},{amount}\n"));
        }
        rows.push(Row {
            loan,
            paid_on,
            amount,
        });
    }
    (text, rows)
}

/// Principal repaid of a flat loan once `paid` rupiah went to it:
/// instalments oldest first, each its fee (principal × 1.5%, rounded down)
/// before its principal (principal ÷ term, the remainder in the last).
fn principal_repaid(principal: i64, term: i64, mut paid: i64) -> i64 {
    let fee = principal * FEE.0 / FEE.1;
    let each = principal / term;
    let mut repaid = 0;
    for k in 1..=term {
        let part = if k == term {
            principal - each * (term - 1)
        } else {
            each
        };
        let to_fee = fee.min(paid);
        paid -= to_fee;
        let to_principal = part.min(paid);
        paid -= to_principal;
        repaid += to_principal;
    }
    repaid
}

/// What the database holds, read directly.
struct Held {
    repayments: Vec<Row>,
    amount: i64,
    journal: i64,
}

fn held(db: &Path) -> Held {
    let conn = Connection::open(db).unwrap();
    let ids: BTreeMap<i64, &'static str> = {
        let mut stmt = conn.prepare("SELECT id, loan_id FROM fund_loans").unwrap();
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
            .unwrap();
        rows.map(|r| {
            let (id, loan) = r.unwrap();
            let name = LOANS.iter().find(|l| l.0 == loan).unwrap().0;
            (id, name)
        })
        .collect()
    };
    let mut stmt = conn
        .prepare("SELECT loan, paid_on, amount FROM fund_repayments ORDER BY id")
        .unwrap();
    let repayments: Vec<Row> = stmt
        .query_map([], |r| {
            Ok(Row {
                loan: ids[&r.get::<_, i64>(0)?],
                paid_on: r.get(1)?,
                amount: r.get(2)?,
            })
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let amount = repayments.iter().map(|r| r.amount).sum();
    let journal: i64 = conn
        .query_row("SELECT count(*) FROM fund_journal", [], |r| r.get(0))
        .unwrap();
    // Every repayment points to its own journal entry, about its loan.
    let orphans: i64 = conn
        .query_row(
            "SELECT count(*) FROM fund_repayments r LEFT JOIN fund_journal j ON j.sequence = r.journal_seq
             WHERE j.sequence IS NULL OR j.loan IS NOT r.loan",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(orphans, 0, "repayments without their journal entry");
    let shared: i64 = conn
        .query_row(
            "SELECT count(*) - count(DISTINCT journal_seq) FROM fund_repayments",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(shared, 0, "two repayments on one journal entry");
    let keys: (i64, i64) = conn
        .query_row(
            "SELECT count(*), count(DISTINCT idempotency_key) FROM fund_journal",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(keys.0, keys.1, "an idempotency key posted twice");
    // Besides the loans' own entries (their keys are `loan:…`).
    let entries_without_row = conn
        .prepare(
            "SELECT j.entry, j.hash FROM fund_journal j
             WHERE NOT EXISTS (SELECT 1 FROM fund_repayments r WHERE r.journal_seq = j.sequence)",
        )
        .unwrap()
        .query_map([], |r| {
            Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, Vec<u8>>(1)?))
        })
        .unwrap()
        .map(Result::unwrap)
        .filter(|(entry, hash)| {
            let (entry, _) =
                lumbung_fund::journal::read_row(entry, hash).expect("a readable entry");
            !entry.idempotency_key.starts_with("loan:")
        })
        .count();
    assert_eq!(
        entries_without_row, 0,
        "a journal entry whose repayment row is missing"
    );
    Held {
        repayments,
        amount,
        journal,
    }
}

/// Checks a state after a kill: whole batches, the file's first rows in
/// order, the journal one entry per loan and per repayment, and verified.
fn check_prefix(db: &Path, rows: &[Row]) -> usize {
    let h = held(db);
    let n = h.repayments.len();
    assert_eq!(n % BATCH, 0, "{n} repayments held: a batch was half-posted");
    assert_eq!(
        h.repayments,
        rows[..n],
        "the repayments held are not the file's first {n}"
    );
    assert_eq!(h.journal, (LOANS.len() + n) as i64);
    ok(db, &["fund", "verify"]);
    n
}

/// Posts the file with the binary told to abort when it reaches row
/// `at` (counted from the file's first row: rows held already count, as
/// they are read and skipped). Whether it aborted; a run that ends before
/// the point succeeds.
fn post_until(db: &Path, file: &Path, at: usize) -> bool {
    let batch = BATCH.to_string();
    let status = stopped_at(
        db,
        at,
        &[
            "fund".as_ref(),
            "repay".as_ref(),
            "--file".as_ref(),
            file.as_os_str(),
            "--batch".as_ref(),
            batch.as_ref(),
        ],
    );
    assert!(
        status.signal() == Some(SIGABRT) || status.success(),
        "{status:?}"
    );
    !status.success()
}

fn import(db: &Path, loans: &Path, repayments: &Path) -> String {
    ok(
        db,
        &[
            "fund",
            "import",
            loans.to_str().unwrap(),
            repayments.to_str().unwrap(),
        ],
    )
}

/// How `lumbung ARGS` ended, told to abort at its row `at`.
fn stopped_at(db: &Path, at: usize, args: &[&std::ffi::OsStr]) -> std::process::ExitStatus {
    lumbung(db)
        .args(args)
        .env("LUMBUNG_TEST_ABORT_AT", at.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap()
}

/// The import told to abort at `at` of its reading (an import's rows).
fn aborted_at(db: &Path, at: usize, files: &[&Path]) {
    let mut args = vec!["fund".as_ref(), "import".as_ref()];
    args.extend(files.iter().map(|f| f.as_os_str()));
    let status = stopped_at(db, at, &args);
    assert_eq!(status.signal(), Some(SIGABRT), "{status:?}");
}

fn loans_file(dir: &Path) -> PathBuf {
    let mut text = String::from(
        "upk,ksm,loan_id,disbursed_on,principal,term_months,fee_rate_monthly,schedule\n",
    );
    for (i, (id, principal, term)) in LOANS.iter().enumerate() {
        let upk = if i % 2 == 0 {
            "UPK Ciruas"
        } else {
            "UPK Kramatwatu"
        };
        text.push_str(&format!(
            "{upk},KSM {i},{id},2024-01-10,{principal},{term},0.015,flat\n"
        ));
    }
    let path = dir.join("loans.csv");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn postings_stopped_at_chosen_rows_are_whole_once_posted_again() {
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let loans = loans_file(dir.path());
    let empty = dir.path().join("none.csv");
    std::fs::write(&empty, "loan_id,paid_on,amount\n").unwrap();

    let mut aborted = 0;
    for iteration in 1..=ITERATIONS {
        let mut rng = Rng(iteration * 7919);
        let db = dir.path().join(format!("crash-{iteration}.db"));
        let out = import(&db, &loans, &empty);
        assert!(out.contains("loans: 5 new"), "{out}");
        let keyed = iteration % 2 == 1;
        let (text, rows) = repayments(&mut rng, keyed);
        let file = dir.path().join(format!("repayments-{iteration}.csv"));
        std::fs::write(&file, &text).unwrap();

        // Three stops: inside a batch (after some of its rows, before its
        // commit), between two batches (after a commit, before the next
        // batch writes), and anywhere after (past the end: no stop).
        let inside = 1 + rng.below(ROWS as u64 / 2 - 1) as usize;
        let inside = if inside.is_multiple_of(BATCH) {
            inside + 1
        } else {
            inside
        };
        let between = (inside / BATCH + 1 + rng.below(10) as usize) * BATCH;
        let anywhere = between + 1 + rng.below((ROWS + BATCH - between) as u64) as usize;
        let mut before = 0;
        for at in [inside, between, anywhere] {
            let stopped = post_until(&db, &file, at);
            assert_eq!(stopped, at < ROWS, "stop at row {at}");
            let now = check_prefix(&db, &rows);
            // Exactly the batches committed before the stop.
            let expected = if at < ROWS { at / BATCH * BATCH } else { ROWS };
            assert_eq!(now, expected, "stop at row {at}, iteration {iteration}");
            assert!(now >= before, "postings were lost after a stop");
            aborted += usize::from(stopped);
            before = now;
        }

        // Posted again to the end: the rows held are skipped, the rest posted.
        let out = ok(
            &db,
            &[
                "fund",
                "repay",
                "--file",
                file.to_str().unwrap(),
                "--batch",
                &BATCH.to_string(),
            ],
        );
        let posted: usize = out
            .split("repayments: ")
            .nth(1)
            .and_then(|s| s.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{out}"));
        assert_eq!(
            posted,
            ROWS - before,
            "the rows held before were skipped: {out}"
        );
        assert!(ok(&db, &["fund", "verify"]).contains(&format!("{} entries", LOANS.len() + ROWS)));

        // Nothing lost, nothing twice: the same rows (as a multiset, in the
        // file's order even) and the same money.
        let h = held(&db);
        assert_eq!(h.repayments, rows, "iteration {iteration}");
        assert_eq!(h.amount, rows.iter().map(|r| r.amount).sum::<i64>());
        assert_eq!(h.journal, (LOANS.len() + ROWS) as i64);

        // The report's outstanding from the books equals principal −
        // principal repaid computed here from the file alone.
        let report: Value = serde_json::from_str(&ok(
            &db,
            &[
                "fund",
                "report",
                "--as-of",
                "2026-01-01",
                "--format",
                "json",
            ],
        ))
        .unwrap();
        let expected: i64 = LOANS
            .iter()
            .map(|(id, principal, term)| {
                let paid: i64 = rows
                    .iter()
                    .filter(|r| r.loan == *id)
                    .map(|r| r.amount)
                    .sum();
                principal - principal_repaid(*principal, *term, paid)
            })
            .sum();
        assert_eq!(
            report["outstanding"].as_i64(),
            Some(expected),
            "iteration {iteration}"
        );
        assert_eq!(report["loans"].as_i64(), Some(LOANS.len() as i64));
    }
    assert!(aborted >= 2 * ITERATIONS as usize, "{aborted} runs stopped");
    eprintln!(
        "{aborted} runs stopped at chosen rows in {:.1?}",
        started.elapsed()
    );
}

/// An import writes a file nobody else holds through the rollback journal
/// (`Store::open_alone`): stopped dead midway, it leaves a hot journal that
/// the next opening plays back — the file holds what it held, back in WAL —
/// and the import made again posts everything once.
#[test]
fn an_import_stopped_midway_leaves_the_file_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let loans = loans_file(dir.path());
    let db = dir.path().join("crash.db");
    let mut rng = Rng(17);
    let (text, rows) = repayments(&mut rng, false);
    let file = dir.path().join("repayments.csv");
    std::fs::write(&file, &text).unwrap();

    aborted_at(&db, ROWS / 2, &[&loans, &file]);
    let mut journal = db.as_os_str().to_owned();
    journal.push("-journal");
    assert!(
        Path::new(&journal).exists(),
        "the import ran in the rollback journal"
    );
    let h = held(&db);
    assert!(
        h.repayments.is_empty() && h.journal == 0,
        "nothing half-imported"
    );
    // Opened again by Lumbung: back in WAL, no journal left behind.
    assert!(ok(&db, &["fund", "verify"]).contains("0 entries"));
    assert!(!Path::new(&journal).exists(), "the journal is gone");

    let out = import(&db, &loans, &file);
    assert!(out.contains(&format!("repayments: {ROWS} stored")), "{out}");
    assert!(ok(&db, &["fund", "verify"]).contains(&format!("{} entries", LOANS.len() + ROWS)));
    let mut imported = held(&db).repayments;
    let mut expected = rows;
    imported.sort();
    expected.sort();
    assert_eq!(imported, expected);
    let mode: String = Connection::open(&db)
        .unwrap()
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}
