//! The journal's check: the city chain and the UPKs' chains, in pieces,
//! halves and windows, the least broken entry named.

use super::*;

/// Changes an entry's amounts behind the program's back (its trigger
/// dropped), as a tamperer would: a rupiah more credited on its second
/// line, written back in the row's own format.
fn unbalance(s: &Store, sequence: i64) {
    let conn = s.conn().unwrap();
    let (entry, hash): (Vec<u8>, Vec<u8>) = conn
        .query_row(
            "SELECT entry, hash FROM fund_journal WHERE sequence = ?1",
            [sequence],
            |r| Ok((r.get_bytes(0)?.to_vec(), r.get_bytes(1)?.to_vec())),
        )
        .unwrap();
    let (mut changed, _) = lumbung_fund::journal::read_row(&entry, &hash).unwrap();
    changed.lines[1].amount.0 -= 1;
    let written = if entry.first() == Some(&b'{') {
        crate::db::Value::Text(serde_json::to_string(&changed).unwrap())
    } else {
        let mut bytes = Vec::new();
        lumbung_fund::journal::compact::encode(&changed, &mut bytes);
        crate::db::Value::Blob(bytes)
    };
    conn.execute(
        "UPDATE fund_journal SET entry = ?1 WHERE sequence = ?2",
        crate::db::params![written, sequence],
    )
    .unwrap();
}

/// Another program's connection to the store's SQLite file, as a tamperer
/// would have: the journal's trigger that refuses changes dropped.
fn tamperer(s: &Store) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(s.path()).unwrap();
    conn.execute_batch("DROP TRIGGER fund_journal_no_update")
        .unwrap();
    conn
}

#[test]
fn the_journal_is_checked_in_pieces_as_it_is_whole() {
    let (_dir, s) = crate::test_support::sqlite_store();
    // Three UPKs' chains, each longer than a piece.
    books(&s, 5, 15_000);
    let whole = |s: &Store| verify_journal(&s.fund_journal_chains().unwrap());
    assert_eq!(whole(&s), Ok(()));
    assert_eq!(s.verify_fund_journal().unwrap(), Ok(15_005));
    let conn = tamperer(&s);
    // Changed history in the third piece, then in the second too: the
    // first change is named, as the whole journal's check names it.
    for sequence in [8_500, 5_000, 4_097, 4_096] {
        unbalance(&s, sequence as i64);
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
    let raw = tamperer(&s);
    let rows = s.fund_journal().unwrap();
    let mut previous = lumbung_fund::journal::GENESIS.to_owned();
    for p in &rows {
        previous = p.entry.chain_hash(p.sequence, &previous);
        raw.execute(
            "UPDATE fund_journal SET hash = ?1 WHERE sequence = ?2",
            rusqlite::params![hex::decode(&previous).unwrap(), p.sequence],
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
    unbalance(&s, city);
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
    let conn = tamperer(&s);
    let one = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    let early_of_last_upk = one(
        "SELECT min(sequence) FROM fund_journal WHERE loan IS NOT NULL
         AND upk_id = (SELECT max(upk_id) FROM fund_journal)",
    );
    let late_of_first_upk = one(
        "SELECT max(sequence) FROM fund_journal WHERE upk_id = (SELECT min(upk_id) FROM fund_journal)",
    );
    assert!(early_of_last_upk < late_of_first_upk);
    unbalance(&s, late_of_first_upk);
    unbalance(&s, early_of_last_upk);
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
        unbalance(&s, sequence);
        assert_eq!(s.verify_fund_journal().unwrap(), Err(sequence as u64));
    }
}

/// A journal from before migration 48 (each entry as JSON, its hash in
/// hex, its key as text: on PostgreSQL their bytes, as the migration
/// converts them) is checked as it was, its keys still count as posted
/// — one by one and in batches — and entries posted since are compact
/// and chain on from it.
#[test]
fn a_journal_from_before_compact_entries_stays_checked_and_keeps_its_keys() {
    // As text, and as the bytes a copy from PostgreSQL leaves in SQLite.
    for as_bytes in [false, true] {
        older_journal_kept(as_bytes);
    }
}

fn older_journal_kept(as_bytes: bool) {
    let (_dir, s) = store();
    books(&s, 5, 40);
    let text = |t: String| match as_bytes {
        true => crate::db::Value::Blob(t.into_bytes()),
        false => crate::db::Value::Text(t),
    };
    let old = s.fund_journal().unwrap();
    {
        let conn = s.conn().unwrap();
        conn.execute_batch(match conn.backend() {
            crate::db::Backend::Postgres => "DROP TRIGGER fund_journal_no_update ON fund_journal",
            crate::db::Backend::Sqlite => "DROP TRIGGER fund_journal_no_update",
        })
        .unwrap();
        for p in &old {
            conn.execute(
                "UPDATE fund_journal SET entry = ?1, hash = ?2, idempotency_key = ?3 WHERE sequence = ?4",
                crate::db::params![
                    text(serde_json::to_string(&p.entry).unwrap()),
                    text(p.hash.clone()),
                    text(p.entry.idempotency_key.clone()),
                    p.sequence as i64
                ],
            )
            .unwrap();
        }
        // Migration 48's own statement.
        conn.execute(
            "INSERT INTO fund_text_keys (one, before_sequence)
             SELECT 1, max(sequence) + 1 FROM fund_journal HAVING count(*) > 0",
            [],
        )
        .unwrap();
        let text: i64 = conn
            .query_row(
                "SELECT count(*) FROM fund_journal WHERE length(hash) = 64",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(text, 45, "every entry as it stood before 48");
    }
    assert_eq!(s.fund_journal().unwrap(), old);
    assert_eq!(s.verify_fund_journal().unwrap(), Ok(45));

    let imported = old
        .iter()
        .find_map(|p| {
            let key = &p.entry.idempotency_key;
            let parts: Vec<&str> = key.strip_prefix("repayment:")?.split(':').collect();
            Some(RepaymentInput {
                loan_id: parts[0].into(),
                paid_on: p.entry.date,
                amount: Rupiah(parts[2].parse().unwrap()),
                key: key.clone(),
            })
        })
        .unwrap();
    assert_eq!(
        s.repay(&imported, &actor()).unwrap().repayment,
        None,
        "a key held as text is posted"
    );
    let new = RepaymentInput {
        key: "after-48".into(),
        ..imported.clone()
    };
    let batch = s.repay_batch(&[imported, new.clone()], &actor()).unwrap();
    assert_eq!((batch.posted, batch.already_posted), (1, 1));
    assert_eq!(s.repay(&new, &actor()).unwrap().repayment, None);
    assert_eq!(s.verify_fund_journal().unwrap(), Ok(46));
    assert_eq!(verify_journal(&s.fund_journal_chains().unwrap()), Ok(()));
    let compact: i64 = s
        .conn()
        .unwrap()
        .query_row(
            "SELECT count(*) FROM fund_journal WHERE length(hash) = 32 AND length(idempotency_key) = 9",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(compact, 1, "the entry posted since is compact");
    let head = &old.last().unwrap().hash;
    assert_eq!(
        s.fund_journal_entry_with_hash(head).unwrap(),
        Some(old.last().unwrap().sequence)
    );
    unbalance(&s, 30);
    assert_eq!(s.verify_fund_journal().unwrap(), Err(30));
}

/// Regression (review of 2026-12-08): BLM capital was posted to a UPK's
/// books in hundredths of a rupiah, a hundred times its allocation.
/// Migration 58 reverses each such entry and posts it again in rupiah,
/// leaving both in the journal and noting the pair.
#[test]
fn capital_posted_in_hundredths_is_reversed_and_posted_again_in_rupiah() {
    use lumbung_programme::capital::capital_lines;
    let (d, s) = store();
    let u = upk_with_group(&s, 1_000_000);
    let held = |s: &Store, account: Account| {
        let b = balances(&s.fund_journal().unwrap()).unwrap();
        b.get(&account).copied().unwrap_or(0)
    };
    let (cash, capital) = (held(&s, Account::Cash), held(&s, Account::CapitalBlm));
    // As an activities import posted 1,066,235,000 allocated before.
    let hundredths = 106_623_500_000;
    let wrong = s
        .write(|tx| {
            tx.execute_batch(
                "INSERT INTO areas (code, name, kind, path, depth) VALUES ('3604240003', 'Citerep', 'kelurahan', '3604240003', 0);
                 INSERT INTO programmes (id, name, name_key, created_at) VALUES (1, 'P2KP', 'p2kp', '2024-01-10T00:00:00Z');
                 INSERT INTO programme_imports (id, what, file, fingerprint, rows, flags, imported_at, imported_by)
                     VALUES (1, 'activities', 'activities.csv', 'f', 1, '[]', '2024-01-10T00:00:00Z', 'test');",
            )?;
            let entry = Entry::new(
                date(2024, 1, 10),
                "BLM economic capital P2KP 2008 received (import 1)".into(),
                "programme:1:3604240003:P2KP:2008".into(),
                capital_lines(hundredths),
            );
            let sequence = crate::fund::post_entry(tx, u.upk.get(), None, &entry)?.unwrap();
            tx.execute(
                "INSERT INTO programme_capital (area_code, programme_id, year, upk_id, amount, journal_seq, import_id)
                 VALUES ('3604240003', 1, 2008, ?1, ?2, ?3, 1)",
                params![u.upk.get(), hundredths, sequence],
            )?;
            Ok(sequence)
        })
        .unwrap();
    assert_eq!(held(&s, Account::Cash) - cash, hundredths);
    // The database as it was before migration 58: opened again, the
    // migration corrects it.
    let conn = s.conn().unwrap();
    conn.execute_batch(match conn.backend() {
        crate::db::Backend::Sqlite => {
            "DROP TABLE programme_capital_corrections; PRAGMA user_version = 57;"
        }
        crate::db::Backend::Postgres => {
            "DROP TABLE programme_capital_corrections; DELETE FROM lumbung_migrations WHERE version = 58;"
        }
    })
    .unwrap();
    drop(conn);
    drop(s);
    let s = d.open_again();
    assert_eq!(held(&s, Account::Cash) - cash, 1_066_235_000);
    assert_eq!(held(&s, Account::CapitalBlm) - capital, -1_066_235_000);
    let (reversal, repost): (Option<i64>, Option<i64>) = s
        .conn()
        .unwrap()
        .query_row(
            "SELECT reversal_seq, repost_seq FROM programme_capital_corrections WHERE journal_seq = ?1",
            [wrong],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert!(reversal.is_some_and(|r| r > wrong) && repost > reversal);
    // The wrong entry stays; the chains still verify.
    let journal = s.fund_journal().unwrap();
    assert!(journal.iter().any(|p| p.sequence as i64 == wrong));
    assert_eq!(verify_journal(&s.fund_journal_chains().unwrap()), Ok(()));
    check_books(&s, &u);
}
