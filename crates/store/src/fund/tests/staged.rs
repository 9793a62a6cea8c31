//! A first import stages its repayments away from the database: their ids
//! and blocks made as they are staged are those the table would give.

use super::*;

/// A block as stored: first id, last id, rows, data.
type Block = (i64, i64, i64, Vec<u8>);

/// The blocks held, and those packing the table's rows would make.
fn blocks_and_expected(s: &Store) -> (Vec<Block>, Vec<Block>) {
    let raw = rusqlite::Connection::open(s.path()).unwrap();
    let mut held = raw
        .prepare("SELECT first_id, last_id, row_count, data FROM fund_repayment_blocks ORDER BY first_id")
        .unwrap();
    let held = held
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<rusqlite::Result<Vec<_>>>()
        .unwrap();
    let mut rows = raw
        .prepare("SELECT id, loan, paid_on, amount FROM fund_repayments ORDER BY id")
        .unwrap();
    let rows: Vec<super::super::packed::PackedRow> = rows
        .query_map([], |r| {
            let on: String = r.get(2)?;
            Ok(super::super::packed::PackedRow {
                id: r.get(0)?,
                loan: r.get(1)?,
                paid_on: on.parse().unwrap(),
                amount: r.get(3)?,
            })
        })
        .unwrap()
        .collect::<rusqlite::Result<Vec<_>>>()
        .unwrap();
    let mut covered = 0;
    let expected = rows
        .chunks_exact(super::super::packed::BLOCK_ROWS)
        .map(|block| {
            let first = covered + 1;
            covered = block.last().unwrap().id;
            (
                first,
                covered,
                block.len() as i64,
                super::super::packed::pack(block),
            )
        })
        .collect();
    (held, expected)
}

fn rows_of(loan: &str, days: std::ops::RangeInclusive<i8>) -> Vec<RepaymentRecord> {
    days.enumerate()
        .map(|(i, day)| paid(i as u64 + 2, loan, day, 10_000 + i64::from(day)))
        .collect()
}

#[test]
fn repayments_staged_get_the_ids_and_blocks_the_table_would_give() {
    // Rows unpacked before (fewer than a block), and (a database from
    // before the blocks) more than a block's worth: the blocks tile the
    // ids either way, each holding what packing the table makes.
    for blocks_lost in [false, true] {
        let (_d, s) = crate::test_support::sqlite_store();
        let loans = two_loans();
        import(&s, loans[..1].to_vec(), &mut rows_of("L1", 1..=7)).unwrap();
        if blocks_lost {
            let raw = rusqlite::Connection::open(s.path()).unwrap();
            raw.execute_batch(
                "DROP TRIGGER fund_repayment_blocks_no_delete;
                 DELETE FROM fund_repayment_blocks;",
            )
            .unwrap();
        }
        let imported = import(&s, loans[1..].to_vec(), &mut rows_of("L2", 1..=10)).unwrap();
        assert_eq!(imported.repayments_stored, 10);
        let (held, expected) = blocks_and_expected(&s);
        assert_eq!(held.len(), 4, "17 rows: four whole blocks of four");
        assert_eq!(held, expected, "blocks lost before: {blocks_lost}");
        let city = s.fund_books(None).unwrap();
        assert_eq!(
            city.iter().map(|b| b.payments.len()).collect::<Vec<_>>(),
            [7, 10]
        );
    }
}
