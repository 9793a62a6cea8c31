//! The journal's check: the city chain and the UPKs' chains, in pieces,
//! halves and windows, the least broken entry named.

use super::*;

/// Changes an entry's amounts behind the program's back (its trigger
/// dropped), as a tamperer would.
fn unbalance(conn: &rusqlite::Connection, sequence: i64) {
    conn.execute(
        "UPDATE fund_journal SET entry = replace(entry, '\"amount\":-', '\"amount\":-1') WHERE sequence = ?1",
        [sequence],
    )
    .unwrap();
}

#[test]
fn the_journal_is_checked_in_pieces_as_it_is_whole() {
    let (_dir, s) = crate::test_support::sqlite_store();
    // Three UPKs' chains, each longer than a piece.
    books(&s, 5, 15_000);
    let whole = |s: &Store| verify_journal(&s.fund_journal_chains().unwrap());
    assert_eq!(whole(&s), Ok(()));
    assert_eq!(s.verify_fund_journal().unwrap(), Ok(15_005));
    // Another program's connection, as a tamperer would have.
    let conn = rusqlite::Connection::open(s.path()).unwrap();
    conn.execute_batch("DROP TRIGGER fund_journal_no_update")
        .unwrap();
    // Changed history in the third piece, then in the second too: the
    // first change is named, as the whole journal's check names it.
    for sequence in [8_500, 5_000, 4_097, 4_096] {
        unbalance(&conn, sequence as i64);
        assert_eq!(whole(&s), Err(sequence as u64));
        assert_eq!(s.verify_fund_journal().unwrap(), Err(sequence as u64));
    }
    conn.execute(
        "UPDATE fund_journal SET entry = 'not json' WHERE sequence = 7000",
        [],
    )
    .unwrap();
    assert!(s.fund_journal().is_err());
    let unreadable = s.verify_fund_journal().unwrap_err().to_string();
    assert!(unreadable.contains("entry 7000"), "{unreadable}");
}

/// A journal posted before the UPKs had chains of their own, one chain
/// for the city, as migration 43 finds it: those entries stay checked as
/// one chain, entries posted since chain per UPK from its end, and a
/// change on either side — an entry moved to another UPK too — is named.
#[test]
fn a_journal_from_before_the_upk_chains_stays_checked_and_goes_on_per_upk() {
    let (_dir, s) = crate::test_support::sqlite_store();
    books(&s, 5, 30);
    let raw = rusqlite::Connection::open(s.path()).unwrap();
    raw.execute_batch("DROP TRIGGER fund_journal_no_update")
        .unwrap();
    let mut rows = Vec::new();
    {
        let mut stmt = raw
            .prepare("SELECT sequence, entry FROM fund_journal ORDER BY sequence")
            .unwrap();
        let mut read = stmt.query([]).unwrap();
        while let Some(r) = read.next().unwrap() {
            rows.push((r.get::<_, i64>(0).unwrap(), r.get::<_, String>(1).unwrap()));
        }
    }
    let mut previous = lumbung_fund::journal::GENESIS.to_owned();
    for (sequence, entry) in &rows {
        let entry: lumbung_fund::journal::Entry = serde_json::from_str(entry).unwrap();
        previous = entry.chain_hash(*sequence as u64, &previous);
        raw.execute(
            "UPDATE fund_journal SET hash = ?1 WHERE sequence = ?2",
            rusqlite::params![previous, sequence],
        )
        .unwrap();
    }
    let city = rows.len() as i64;
    // Migration 43's own statement.
    raw.execute(
        "INSERT INTO fund_chains (one, per_upk_from) SELECT 1, max(sequence) + 1 FROM fund_journal HAVING count(*) > 0",
        [],
    )
    .unwrap();
    for (i, loan) in ["L0", "L1", "L2", "L3", "L0"].iter().enumerate() {
        s.repay(
            &RepaymentInput {
                loan_id: (*loan).into(),
                paid_on: date(2024, 9, 1),
                amount: Rupiah(5_000),
                key: format!("after:{i}"),
            },
            &actor(),
        )
        .unwrap();
    }
    let whole = |s: &Store| verify_journal(&s.fund_journal_chains().unwrap());
    assert_eq!(
        s.fund_journal_chains().unwrap().per_upk_from,
        city as u64 + 1
    );
    assert_eq!(whole(&s), Ok(()));
    assert_eq!(s.verify_fund_journal().unwrap(), Ok(city as u64 + 5));

    // L0's second payment since, moved to L1's UPK.
    let moved = city + 5;
    let upk_of = |sequence: i64| -> i64 {
        raw.query_row(
            "SELECT upk_id FROM fund_journal WHERE sequence = ?1",
            [sequence],
            |r| r.get(0),
        )
        .unwrap()
    };
    let (home, away) = (upk_of(moved), upk_of(city + 2));
    assert_ne!(home, away);
    let set_upk = |upk: i64| {
        raw.execute(
            "UPDATE fund_journal SET upk_id = ?1 WHERE sequence = ?2",
            [upk, moved],
        )
        .unwrap()
    };
    set_upk(away);
    assert_eq!(whole(&s), Err(moved as u64));
    assert_eq!(s.verify_fund_journal().unwrap(), Err(moved as u64));
    set_upk(home);
    assert_eq!(whole(&s), Ok(()));
    // The city chain's last entry changed: named, though the UPKs' chains
    // after it follow its stored hash.
    unbalance(&raw, city);
    assert_eq!(whole(&s), Err(city as u64));
    assert_eq!(s.verify_fund_journal().unwrap(), Err(city as u64));
}

/// The journal's check names the least broken entry by sequence, though it
/// reads the UPKs' chains one UPK after another: a later entry of the first
/// UPK broken too is not the one named.
#[test]
fn the_least_broken_entry_is_named_whichever_upk_is_read_first() {
    let (_dir, s) = crate::test_support::sqlite_store();
    books(&s, 5, 600);
    let conn = rusqlite::Connection::open(s.path()).unwrap();
    conn.execute_batch("DROP TRIGGER fund_journal_no_update")
        .unwrap();
    let one = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    let early_of_last_upk = one(
        "SELECT min(sequence) FROM fund_journal WHERE loan IS NOT NULL
         AND upk_id = (SELECT max(upk_id) FROM fund_journal)",
    );
    let late_of_first_upk = one(
        "SELECT max(sequence) FROM fund_journal WHERE upk_id = (SELECT min(upk_id) FROM fund_journal)",
    );
    assert!(early_of_last_upk < late_of_first_upk);
    unbalance(&conn, late_of_first_upk);
    unbalance(&conn, early_of_last_upk);
    assert_eq!(
        s.verify_fund_journal().unwrap(),
        Err(early_of_last_upk as u64)
    );
    assert_eq!(
        verify_journal(&s.fund_journal_chains().unwrap()),
        Err(early_of_last_upk as u64)
    );
}

/// The journal's check on either backend: each UPK's chain followed in
/// sequence order across both halves and the windows of rows, the least
/// broken entry named.
#[test]
fn the_journal_is_checked_in_halves_and_windows_on_either_backend() {
    let (_dir, s) = store();
    books(&s, 5, 200);
    assert_eq!(s.verify_fund_journal().unwrap(), Ok(205));
    let sql = |sql: &str, sequence: i64| {
        let conn = s.conn().unwrap();
        let sql = match conn.backend() {
            crate::db::Backend::Postgres => sql.replace(
                "fund_journal_no_update",
                "fund_journal_no_update ON fund_journal",
            ),
            crate::db::Backend::Sqlite => sql.to_owned(),
        };
        if sequence == 0 {
            conn.execute_batch(&sql).unwrap();
        } else {
            conn.execute(&sql, [sequence]).unwrap();
        }
    };
    sql("DROP TRIGGER fund_journal_no_update", 0);
    for sequence in [180, 150, 103, 9] {
        sql(
            "UPDATE fund_journal SET entry = replace(entry, '\"amount\":-', '\"amount\":-1') WHERE sequence = ?1",
            sequence,
        );
        assert_eq!(s.verify_fund_journal().unwrap(), Err(sequence as u64));
    }
}
