//! The import of a store opened alone ([`Store::open_alone`]): written once
//! through the rollback journal when nobody else has the file open.

use super::*;
use std::path::Path;
use std::time::Duration;

fn alone(path: &Path) -> Store {
    Store::open_alone(path, Duration::from_secs(5)).unwrap()
}

fn journal_mode(path: &Path) -> String {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap()
}

/// Bytes in the file's WAL (none when there is no WAL file).
fn wal_bytes(path: &Path) -> u64 {
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    std::fs::metadata(wal).map(|m| m.len()).unwrap_or(0)
}

fn rows() -> Vec<RepaymentRecord> {
    vec![paid(2, "L1", 10, 200_000), paid(3, "L2", 11, 200_000)]
}

#[test]
fn an_import_alone_writes_the_file_once_and_leaves_it_in_wal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let s = alone(&path);
    let imported = import(&s, two_loans(), &mut rows()).unwrap();
    assert_eq!(imported.repayments_stored, 2);
    assert_eq!(
        wal_bytes(&path),
        0,
        "nothing of the import went through the WAL"
    );
    assert_eq!(journal_mode(&path), "wal");
    assert_eq!(loans_and_entries(&s), (2, 4));
    // The same import through a store shared with others goes through
    // the WAL, as every other write.
    let (_d, shared) = crate::test_support::sqlite_store();
    import(&shared, two_loans(), &mut rows()).unwrap();
    assert!(wal_bytes(shared.path()) > 0);
    assert_eq!(loans_and_entries(&shared), (2, 4));
}

#[test]
fn a_refused_import_alone_leaves_the_file_as_it_was_and_in_wal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let s = alone(&path);
    import(&s, two_loans()[..1].to_vec(), &mut vec![]).unwrap();
    let held = |s: &Store| {
        let conn = rusqlite::Connection::open(s.path()).unwrap();
        let audit: i64 = conn
            .query_row("SELECT count(*) FROM audit_log", [], |r| r.get(0))
            .unwrap();
        (
            loans_and_entries(s),
            audit,
            std::fs::metadata(s.path()).unwrap().len(),
        )
    };
    let before = held(&s);
    let e = import(
        &s,
        two_loans(),
        &mut vec![paid(2, "L1", 10, 200_000), paid(3, "L9", 11, 200_000)],
    )
    .unwrap_err();
    assert!(e.to_string().contains("L9"), "{e}");
    assert_eq!(journal_mode(&path), "wal");
    assert_eq!(
        held(&s),
        before,
        "the file holds what it held, in as many pages"
    );
    assert_eq!(before.0, (1, 1));
}

#[test]
fn another_program_holding_the_file_keeps_it_in_wal_and_reads_while_the_import_writes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let other = Store::open(&path).unwrap();
    assert_eq!(loans_and_entries(&other), (0, 0));
    // The other program has read: it holds the file open in WAL.
    let reader = rusqlite::Connection::open(&path).unwrap();
    let held: i64 = reader
        .query_row("SELECT count(*) FROM fund_loans", [], |r| r.get(0))
        .unwrap();
    assert_eq!(held, 0);
    let s = alone(&path);
    import(&s, two_loans(), &mut rows()).unwrap();
    assert!(wal_bytes(&path) > 0, "written through the WAL");
    assert_eq!(journal_mode(&path), "wal");
    assert_eq!(loans_and_entries(&other), (2, 4));
}

#[test]
fn a_file_left_in_the_rollback_journal_is_opened_in_wal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    drop(Store::open(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    // The pool's connections may still be closing on its threads.
    assert_eq!(
        crate::set_journal_mode(&conn, "delete", Duration::from_secs(30)),
        Ok(true)
    );
    drop(conn);
    let s = Store::open(&path).unwrap();
    assert_eq!(journal_mode(&path), "wal");
    assert_eq!(loans_and_entries(&s), (0, 0));
}

/// Rows whose second reading waits, after its first row, until `go`
/// says so: an import held midway.
struct Held {
    rows: Vec<RepaymentRecord>,
    readings: usize,
    midway: std::sync::mpsc::SyncSender<()>,
    go: std::sync::Arc<std::sync::Mutex<std::sync::mpsc::Receiver<()>>>,
}

impl RepaymentSource for Held {
    fn rows(&mut self) -> lumbung_fund::books_file::RepaymentReading<'_> {
        self.readings += 1;
        let rows = self.rows.clone().into_iter().map(Ok);
        if self.readings == 1 {
            return Ok(Box::new(rows));
        }
        let (midway, go) = (self.midway.clone(), self.go.clone());
        Ok(Box::new(rows.enumerate().map(move |(i, row)| {
            if i == 1 {
                midway.send(()).unwrap();
                go.lock().unwrap().recv().unwrap();
            }
            row
        })))
    }
}

#[test]
fn a_program_opening_the_file_while_an_import_has_it_alone_is_told_it_is_locked() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let s = alone(&path);
    let (midway, at_midway) = std::sync::mpsc::sync_channel(0);
    let (release, go) = std::sync::mpsc::sync_channel(0);
    let mut held = Held {
        rows: rows(),
        readings: 0,
        midway,
        go: std::sync::Arc::new(std::sync::Mutex::new(go)),
    };
    std::thread::scope(|scope| {
        let import = scope.spawn(|| import(&s, two_loans(), &mut held));
        at_midway.recv().unwrap();
        let e = Store::open_with(&path, Duration::from_millis(200)).err();
        assert!(
            matches!(e, Some(StoreError::Locked { .. })),
            "{:?}",
            e.map(|e| e.to_string())
        );
        release.send(()).unwrap();
        let imported = import.join().unwrap().unwrap();
        assert_eq!(imported.repayments_stored, 2);
    });
    let other = Store::open_with(&path, Duration::from_secs(5)).unwrap();
    assert_eq!(journal_mode(&path), "wal");
    assert_eq!(loans_and_entries(&other), (2, 4));
}
