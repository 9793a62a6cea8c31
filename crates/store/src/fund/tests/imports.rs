//! Repayments files brought in: all or nothing whatever the file does
//! while it is read, every problem named, the same books whatever the
//! order or the path (staged or inline), and repayments packed in blocks.

use super::*;

#[test]
fn a_repayments_file_that_changes_between_its_readings_is_refused_whole() {
    let (_d, s) = crate::test_support::sqlite_store();
    let first = vec![paid(2, "L1", 10, 200_000), paid(3, "L2", 11, 200_000)];
    let seconds = [
        vec![paid(2, "L1", 10, 200_000), paid(3, "L2", 11, 300_000)],
        vec![paid(2, "L1", 10, 200_000)],
        vec![
            paid(2, "L1", 10, 200_000),
            paid(3, "L2", 11, 200_000),
            paid(4, "L2", 12, 200_000),
        ],
        vec![paid(2, "L1", 10, 200_000), paid(3, "L3", 11, 200_000)],
        vec![paid(2, "L1", 10, 200_000), paid(3, "L1", 11, 200_000)],
    ];
    for second in seconds {
        let e = refused_import(&s, vec![first.clone(), second.clone()]);
        assert!(
            e.to_string().contains("REPAYMENTS.csv")
                && e.to_string()
                    .contains("the file changed while it was imported"),
            "{second:?}: {e}"
        );
        assert_eq!(loans_and_entries(&s), (0, 0), "{second:?}");
    }
    let mut same = Changing {
        readings: vec![first.clone(), first],
    };
    let summary = import(&s, two_loans(), &mut same).unwrap();
    assert_eq!((summary.loans_created, summary.repayments_stored), (2, 2));
}

/// The first reading runs beside the writing of the loans and stops at a
/// row's problem; the file is then read again to name every problem, in
/// the file's order, and nothing is stored.
#[test]
fn every_problem_of_the_repayments_is_named_though_the_loans_were_being_written() {
    let (_d, s) = crate::test_support::sqlite_store();
    let refused = |readings| match refused_import(&s, readings) {
        StoreError::Rejected(r) if r.file == "REPAYMENTS.csv" => r.errors,
        other => panic!("{other}"),
    };
    let bad = vec![
        paid(2, "L1", 10, 200_000),
        paid(3, "L1", 11, 0),
        paid(4, "L9", 12, 200_000),
        paid(5, "L2", 12, 200_000),
    ];
    let named: Vec<(u64, Option<String>)> = refused(vec![bad.clone(), bad.clone()])
        .into_iter()
        .map(|e| (e.line, e.column))
        .collect();
    assert_eq!(
        named,
        [(3, Some("amount".into())), (4, Some("loan_id".into()))]
    );
    // A problem the second reading no longer finds: the file changed.
    let errors = refused(vec![bad, vec![paid(2, "L1", 10, 200_000)]]);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].line, 3);
    assert!(errors[0]
        .message
        .to_string()
        .contains("the file changed while it was imported"));
}

/// Regression: the first reading kept every loan id it did not know from
/// LOANS.csv, so a file naming millions of made-up loans filled memory
/// before any was found unknown. It keeps no more than the store holds.
#[test]
fn the_first_reading_keeps_no_more_unknown_loans_than_the_store_holds() {
    let rows: Vec<RepaymentRecord> = (0..1_000)
        .map(|i| paid(i + 2, &format!("X{i}"), 10, 1_000))
        .collect();
    let count = |held| {
        let rows = Box::new(rows.clone().into_iter().map(Ok));
        let first = crate::fund::import::count_rows(
            rows,
            &Default::default(),
            (0, held),
            lumbung_fund::loan::LAST_BOOK_DAY,
        )
        .unwrap();
        (first.others.len(), first.problem)
    };
    assert_eq!(count(3), (3, Some(5)));
    assert_eq!(count(1_000), (1_000, None));
}

/// Rows of loans held before, named by no row of LOANS.csv, are counted
/// beside those of the new loans; a loan in neither file nor the store is
/// named by its line.
#[test]
fn rows_of_loans_held_before_are_posted_beside_those_of_new_loans() {
    let (_d, s) = crate::test_support::sqlite_store();
    let loans = two_loans();
    let (first, later) = loans.split_at(1);
    let imported = import(&s, first.to_vec(), &mut vec![paid(2, "L1", 10, 200_000)]).unwrap();
    assert_eq!((imported.loans_created, imported.repayments_stored), (1, 1));
    let rows = vec![
        paid(2, "L1", 10, 200_000),
        paid(3, "L2", 11, 150_000),
        paid(4, "L1", 12, 100_000),
    ];
    let summary = import(&s, later.to_vec(), &mut rows.clone()).unwrap();
    assert_eq!(
        (
            summary.loans_created,
            summary.repayments_stored,
            summary.repayments_skipped
        ),
        (1, 2, 1)
    );
    assert_eq!(loans_and_entries(&s), (2, 5));
    let mut unknown = rows;
    unknown.push(paid(5, "L9", 12, 100_000));
    let e = import(&s, vec![], &mut unknown).unwrap_err();
    let StoreError::Rejected(r) = e else {
        panic!("{e}")
    };
    assert_eq!(r.errors.iter().map(|e| e.line).collect::<Vec<_>>(), vec![5]);
    assert_eq!(loans_and_entries(&s), (2, 5));
}

#[test]
fn a_file_of_bad_rows_is_read_only_up_to_a_bounded_number_of_problems() {
    struct Bad;
    impl RepaymentSource for Bad {
        fn rows(&mut self) -> lumbung_fund::books_file::RepaymentReading<'_> {
            Ok(Box::new((2..1_000_000).map(|line| {
                Err(lumbung_domain::RowError::new(line, Some("amount"), "bad"))
            })))
        }
    }
    let (_d, s) = store();
    let e = import(&s, vec![], &mut Bad).unwrap_err();
    let StoreError::Rejected(r) = e else {
        panic!("{e}")
    };
    assert_eq!(r.errors.len(), 10_001);
    assert!(r.errors[10_000]
        .message
        .to_string()
        .contains("reading stopped after 10000 problems"));
}

/// Each loan's book is let go after its last row: rows of the loans
/// interleaved or loan after loan post the same entries.
#[test]
fn the_order_of_the_repayment_rows_does_not_change_the_books() {
    let rows = |interleaved: bool| {
        let mut rows = Vec::new();
        for day in 1..=20i8 {
            for loan in ["L1", "L2"] {
                // An instalment paid in two equal parts on one day: the
                // second is another row, not one held.
                rows.push(paid(0, loan, day, 60_000));
                rows.push(paid(0, loan, day, 60_000));
            }
        }
        if !interleaved {
            rows.sort_by_key(|r| r.loan_id.clone());
        }
        for (i, r) in rows.iter_mut().enumerate() {
            r.line = i as u64 + 2;
        }
        rows
    };
    let entries = |interleaved: bool| {
        let (_d, s) = crate::test_support::sqlite_store();
        let import = || import(&s, two_loans(), &mut rows(interleaved)).unwrap();
        assert_eq!(import().repayments_stored, 80);
        // Again: every row is held already.
        let again = import();
        assert_eq!((again.repayments_stored, again.repayments_skipped), (0, 80));
        let mut entries: Vec<(String, lumbung_fund::journal::Entry)> = s
            .fund_journal()
            .unwrap()
            .into_iter()
            .map(|p| (p.entry.idempotency_key.clone(), p.entry))
            .collect();
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        entries
    };
    let (loan_after_loan, interleaved) = (entries(false), entries(true));
    assert_eq!(loan_after_loan.len(), 82);
    assert!(loan_after_loan
        .iter()
        .any(|(k, _)| k == "repayment:L2:2024-02-20:60000:2"));
    assert_eq!(loan_after_loan, interleaved);
}

/// A first import's rows are staged on a second thread and written by the
/// first; an import that meets loans held before posts on one thread. Both
/// make the same entries of the same rows.
#[test]
fn staged_and_inline_imports_make_the_same_entries() {
    let rows = || {
        let mut rows: Vec<_> = (1..=12i8)
            .flat_map(|day| [paid(0, "L1", day, 60_000), paid(0, "L2", day, 45_000)])
            .chain([paid(0, "L2", 12, 45_000)])
            .collect();
        for (i, r) in rows.iter_mut().enumerate() {
            r.line = i as u64 + 2;
        }
        rows
    };
    let repayments = |s: &Store| {
        let mut entries: Vec<_> = s
            .fund_journal()
            .unwrap()
            .into_iter()
            .filter(|p| p.entry.idempotency_key.starts_with("repayment:"))
            .map(|p| (p.entry.idempotency_key.clone(), p.entry))
            .collect();
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        entries
    };
    // Both loans new: staged.
    let (_d1, staged) = crate::test_support::sqlite_store();
    let summary = import(&staged, two_loans(), &mut rows()).unwrap();
    assert_eq!(summary.repayments_stored, 25);
    // L1 held before (without repayments): inline.
    let (_d2, inline) = crate::test_support::sqlite_store();
    import(&inline, two_loans()[..1].to_vec(), &mut Vec::new()).unwrap();
    let summary = import(&inline, two_loans(), &mut rows()).unwrap();
    assert_eq!((summary.loans_created, summary.repayments_stored), (1, 25));
    let (a, b) = (repayments(&staged), repayments(&inline));
    assert_eq!(a.len(), 25);
    assert_eq!(a, b);
    for s in [&staged, &inline] {
        assert_eq!(s.verify_fund_journal().unwrap(), Ok(27));
    }
}

/// A row the second pass refuses (paid before its loan was disbursed) is
/// named by its line, from the staging thread too, and nothing is stored.
#[test]
fn a_row_refused_while_staging_is_named_and_nothing_is_stored() {
    let (_d, s) = crate::test_support::sqlite_store();
    let mut rows: Vec<_> = (1..=20i8)
        .flat_map(|day| [paid(0, "L1", day, 60_000), paid(0, "L2", day, 45_000)])
        .collect();
    rows.push(RepaymentRecord {
        line: 0,
        loan_id: "L2".into(),
        paid_on: date(2024, 1, 5),
        amount: Rupiah(45_000),
    });
    for (i, r) in rows.iter_mut().enumerate() {
        r.line = i as u64 + 2;
    }
    let e = s
        .import_fund(
            ("l", "REPAYMENTS.csv"),
            two_loans(),
            &mut rows,
            vec![],
            &actor(),
        )
        .unwrap_err();
    let StoreError::Rejected(r) = e else {
        panic!("{e}")
    };
    assert_eq!(r.file, "REPAYMENTS.csv");
    assert_eq!(
        (
            r.errors.len(),
            r.errors[0].line,
            r.errors[0].column.as_deref()
        ),
        (1, 42, Some("paid_on"))
    );
    assert_eq!(loans_and_entries(&s), (0, 0));
}

/// A staged import posts no key twice: when the journal already holds one
/// of its keys (here a receipt's key chosen to look like an import's), the
/// import is refused whole when its rows are written. (Before staging, the
/// row was skipped yet counted as stored.)
#[test]
fn an_import_whose_key_the_journal_holds_is_refused_whole() {
    let (_d, s) = crate::test_support::sqlite_store();
    let u = upk_with_group(&s, 10_000_000);
    let loan = lend(&s, &u, date(2024, 4, 2), 100_000, 6).unwrap();
    s.repay(
        &RepaymentInput {
            loan_id: loan,
            paid_on: date(2024, 5, 3),
            amount: Rupiah(20_000),
            key: "repayment:L1:2024-02-10:200000:1".into(),
        },
        &actor(),
    )
    .unwrap();
    let before = loans_and_entries(&s);
    let e = import(
        &s,
        two_loans(),
        &mut vec![paid(2, "L1", 10, 200_000), paid(3, "L2", 11, 200_000)],
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("already in the journal under its key"),
        "{e}"
    );
    assert_eq!(loans_and_entries(&s), before);
}

/// The reports read repayments from their packed blocks and the rows past
/// them: the same payments as each loan's rows read through its index,
/// reversals left out; a block gone is damage, not fewer payments.
#[test]
fn packed_repayments_read_as_their_rows() {
    let (_d, s) = crate::test_support::sqlite_store();
    let mut rows: Vec<_> = (1..=21i8)
        .flat_map(|day| [paid(0, "L1", day, 60_000), paid(0, "L2", day, 45_000)])
        .collect();
    for (i, r) in rows.iter_mut().enumerate() {
        r.line = i as u64 + 2;
    }
    import(&s, two_loans(), &mut rows).unwrap();
    s.reverse_repayment(RepaymentId::new(5), date(2024, 3, 1), "typo", &actor())
        .unwrap();
    for (i, day) in [2, 3, 4, 5, 6].into_iter().enumerate() {
        let input = RepaymentInput {
            loan_id: format!("L{}", i % 2 + 1),
            paid_on: date(2024, 3, day),
            amount: Rupiah(70_000),
            key: format!("k{i}"),
        };
        s.repay(&input, &actor()).unwrap();
    }
    let raw = rusqlite::Connection::open(s.path()).unwrap();
    let count = |sql: &str| -> i64 { raw.query_row(sql, [], |r| r.get(0)).unwrap() };
    let held = count("SELECT count(*) FROM fund_repayments");
    assert_eq!(held, 47);
    let block = super::packed::BLOCK_ROWS as i64;
    assert_eq!(
        count("SELECT coalesce(max(last_id), 0) FROM fund_repayment_blocks"),
        held - held % block,
        "whole blocks are packed as they are written"
    );
    let city = s.fund_books(None).unwrap();
    let conn = s.conn().unwrap();
    assert_eq!(city.len(), 2);
    for (id, book) in (1..=2).zip(&city) {
        let one = load_books(&conn, "l.id = ?1", Some(id)).unwrap();
        assert_eq!(one[0].payments, book.payments, "loan {id}");
    }
    assert_eq!(
        city.iter().map(|b| b.payments.len()).sum::<usize>(),
        46,
        "every repayment but the reversed"
    );
    drop(conn);
    raw.execute_batch(
        "DROP TRIGGER fund_repayment_blocks_no_delete;
         DELETE FROM fund_repayment_blocks WHERE first_id = 5;",
    )
    .unwrap();
    assert!(
        s.fund_books(None).is_err(),
        "a gap between blocks is damage"
    );
    raw.execute("DELETE FROM fund_repayment_blocks WHERE first_id < 5", [])
        .unwrap();
    assert!(s.fund_books(None).is_err(), "so is a first block gone");
}

/// A database from before the blocks (migration 46) has its repayments
/// packed when it is migrated, and reads the same books.
#[test]
fn a_database_from_before_the_blocks_is_packed_when_migrated() {
    let (_d, s) = crate::test_support::sqlite_store();
    books(&s, 5, 30);
    let before = s.fund_books(None).unwrap();
    let raw = rusqlite::Connection::open(s.path()).unwrap();
    // As it stood at 45: no blocks, the index that 47 drops, the awards'
    // tables that 55 drops, nothing else of 48 to 58.
    raw.execute_batch(
        "DROP TABLE programme_capital_corrections;
         DROP TABLE ocds_release_chunks;
         ALTER TABLE ocds_processes DROP COLUMN chunks;
         DROP TABLE ocds_supplier_processes;
         ALTER TABLE ocds_processes DROP COLUMN awards;
         ALTER TABLE ocds_processes DROP COLUMN buyer_identifier;
         CREATE TABLE ocds_awards (
             ocid TEXT NOT NULL REFERENCES ocds_processes(ocid), position INTEGER NOT NULL,
             award_id TEXT, status TEXT, date TEXT NOT NULL, currency TEXT, amount INTEGER,
             PRIMARY KEY (ocid, position));
         CREATE TABLE ocds_award_suppliers (
             ocid TEXT NOT NULL, award_position INTEGER NOT NULL, position INTEGER NOT NULL,
             party_key TEXT NOT NULL, name TEXT NOT NULL, postcode TEXT, scale TEXT,
             identifier TEXT, supplier_id INTEGER NOT NULL REFERENCES suppliers(id),
             PRIMARY KEY (ocid, award_position, position));
         CREATE INDEX ocds_award_suppliers_supplier ON ocds_award_suppliers(supplier_id);
         DROP INDEX invest_projects_area_name;
         CREATE UNIQUE INDEX invest_projects_name ON invest_projects(name);
         DROP INDEX businesses_supplier;
         ALTER TABLE users DROP COLUMN password_temporary;
         DROP TABLE fund_repayment_blocks;
         CREATE INDEX fund_repayments_journal ON fund_repayments(journal_seq);
         DROP TABLE fund_text_keys;
         DROP INDEX election_ballots_seq;
         DROP INDEX election_ballots_makers;
         CREATE TABLE ocds_releases (
             id INTEGER PRIMARY KEY, ocid TEXT NOT NULL, identity TEXT NOT NULL,
             release_date TEXT NOT NULL, release TEXT NOT NULL,
             import_id INTEGER NOT NULL REFERENCES ocds_imports(id), UNIQUE (ocid, identity));
         PRAGMA user_version = 45;",
    )
    .unwrap();
    let again = Store::open(s.path()).unwrap();
    let covered: i64 = raw
        .query_row("SELECT max(last_id) FROM fund_repayment_blocks", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(covered, 28, "30 repayments: seven whole blocks of four");
    let after = again.fund_books(None).unwrap();
    assert_eq!(
        before.iter().map(|b| &b.payments).collect::<Vec<_>>(),
        after.iter().map(|b| &b.payments).collect::<Vec<_>>()
    );
}
