//! Repayments packed in blocks: a copy of `fund_repayments` in id order,
//! a few bytes a row, so that a city's report reads ~150 MB of blobs
//! instead of stepping through 20 M rows (the spend facts' idea).
//!
//! The blocks tile the ids from 1 without a gap: a block holds every row
//! with `first_id <= id <= last_id`, and the next block starts at
//! `last_id + 1`. Rows past the last block (fewer than a block's worth)
//! are read from the table. Only SQLite's single writer packs: its rows
//! are committed in id order, so that a packed range can never gain a row
//! later; PostgreSQL's sequences hand out ids that commit out of order.
//! The rows never change (append-only), nor do the blocks.

use super::rows::bad;
use crate::db::Transaction;
use crate::varint::{put, take};
use crate::Result;
use jiff::civil::Date;

/// Rows a block holds (a few in the store's own tests, so that they
/// pack).
#[cfg(not(test))]
pub(super) const BLOCK_ROWS: usize = 65_536;
#[cfg(test)]
pub(super) const BLOCK_ROWS: usize = 4;

/// The format's version, the first byte of every block.
const VERSION: u8 = 1;

/// A date as one ordered number: year × 512 + month × 32 + day, so that
/// neighbouring dates differ by little and no calendar arithmetic is
/// needed either way.
fn day_code(d: Date) -> i64 {
    i64::from(d.year()) * 512 + i64::from(d.month()) * 32 + i64::from(d.day())
}

fn date_of_code(code: i64) -> Option<Date> {
    let year = i16::try_from(code >> 9).ok()?;
    Date::new(year, ((code >> 5) & 15) as i8, (code & 31) as i8).ok()
}

/// One repayment as packed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct PackedRow {
    pub(super) id: i64,
    pub(super) loan: i64,
    pub(super) paid_on: Date,
    pub(super) amount: i64,
}

/// Packs rows given in id order: each column as the difference from the
/// row before.
pub(super) fn pack(rows: &[PackedRow]) -> Vec<u8> {
    let mut out = Vec::with_capacity(rows.len() * 8 + 8);
    out.push(VERSION);
    put(&mut out, rows.len() as i64);
    let (mut id, mut loan, mut day) = (0, 0, 0);
    for r in rows {
        let d = day_code(r.paid_on);
        // Differences wrap: a bijection on i64, whatever the values.
        put(&mut out, r.id.wrapping_sub(id));
        put(&mut out, r.loan.wrapping_sub(loan));
        put(&mut out, d.wrapping_sub(day));
        put(&mut out, r.amount);
        (id, loan, day) = (r.id, r.loan, d);
    }
    out
}

/// Calls `each` with every row of a block, in id order; refused when the
/// bytes are not a block.
pub(super) fn unpack(data: &[u8], mut each: impl FnMut(PackedRow)) -> Result<()> {
    let corrupt = || bad("packed repayments");
    if data.first() != Some(&VERSION) {
        return Err(corrupt());
    }
    let mut at = 1;
    let rows = take(data, &mut at).ok_or_else(corrupt)?;
    let (mut id, mut loan, mut day) = (0i64, 0i64, 0i64);
    for _ in 0..rows {
        let mut next = || take(data, &mut at);
        let (Some(di), Some(dl), Some(dd), Some(amount)) = (next(), next(), next(), next()) else {
            return Err(corrupt());
        };
        id = id.wrapping_add(di);
        loan = loan.wrapping_add(dl);
        day = day.wrapping_add(dd);
        each(PackedRow {
            id,
            loan,
            paid_on: date_of_code(day).ok_or_else(corrupt)?,
            amount,
        });
    }
    if at != data.len() {
        return Err(corrupt());
    }
    Ok(())
}

/// The last id the blocks cover (0 when none).
pub(super) fn covered(conn: &crate::db::Connection) -> Result<i64> {
    Ok(crate::sql::optional(
        conn,
        "SELECT last_id FROM fund_repayment_blocks ORDER BY first_id DESC LIMIT 1",
        [],
    )?
    .unwrap_or(0))
}

/// Packs the rows past the last block into new blocks, whole blocks only
/// and at most `most` of them (a posting batch packs what it and a few
/// before it wrote; an import all it wrote). SQLite only (see above).
pub(super) fn pack_new(tx: &Transaction<'_>, most: usize) -> Result<()> {
    if tx.backend() != crate::db::Backend::Sqlite {
        return Ok(());
    }
    let mut from = covered(tx)?;
    let top: i64 = tx
        .prepare("SELECT coalesce(max(id), 0) FROM fund_repayments")?
        .query_row([], |r| r.get(0))?;
    if top - from < BLOCK_ROWS as i64 {
        return Ok(());
    }
    let mut read = tx.prepare(
        "SELECT id, loan, paid_on, amount FROM fund_repayments WHERE id > ?1 ORDER BY id LIMIT ?2",
    )?;
    let mut write = tx.prepare(INSERT_BLOCK)?;
    let mut rows: Vec<PackedRow> = Vec::with_capacity(BLOCK_ROWS);
    for _ in 0..most {
        rows.clear();
        let mut found = read.query(crate::db::params![from, BLOCK_ROWS as i64])?;
        while let Some(r) = found.next()? {
            rows.push(row(&r)?);
        }
        drop(found);
        if rows.len() < BLOCK_ROWS {
            break;
        }
        let block = Block::of(from, &rows);
        block.write(&mut write)?;
        from = block.last_id;
    }
    Ok(())
}

fn row(r: &crate::db::Row<'_>) -> Result<PackedRow> {
    let on = super::books::date_of(r.get_ref(2)?.as_bytes().map_err(|_| bad("date"))?)?;
    from_row!(r, PackedRow { id, loan }; paid_on: on, amount: r.get(3)?)
}

/// A block as stored: the rows after `covered` up to `last_id`.
pub(super) struct Block {
    covered: i64,
    last_id: i64,
    rows: i64,
    data: Vec<u8>,
}

impl Block {
    /// The block of `rows` (not empty), the rows after `covered` in id order.
    fn of(covered: i64, rows: &[PackedRow]) -> Block {
        Block {
            covered,
            last_id: rows.last().map_or(covered, |r| r.id),
            rows: rows.len() as i64,
            data: pack(rows),
        }
    }

    fn write(&self, insert: &mut crate::db::Statement<'_>) -> Result<()> {
        insert.execute(crate::db::params![
            self.covered + 1,
            self.last_id,
            self.rows,
            &self.data
        ])?;
        Ok(())
    }
}

const INSERT_BLOCK: &str =
    "INSERT INTO fund_repayment_blocks (first_id, last_id, row_count, data) VALUES (?1, ?2, ?3, ?4)";

/// Writes blocks made by a [`Packer`], in order.
pub(super) fn write_blocks(tx: &Transaction<'_>, blocks: &[Block]) -> Result<()> {
    if blocks.is_empty() {
        return Ok(());
    }
    let mut insert = tx.prepare(INSERT_BLOCK)?;
    blocks.iter().try_for_each(|b| b.write(&mut insert))
}

/// Ids for the repayments a first import stages away from the database,
/// and their blocks packed as they fill (SQLite: the one writer's rows are
/// committed in id order), so that the import need not read them back.
pub(super) struct Packer {
    next_id: i64,
    /// The last id the blocks cover.
    covered: i64,
    /// The rows after it, fewer than a block's worth; `None` when more
    /// than that were waiting before (the import packs them at its end).
    rows: Option<Vec<PackedRow>>,
}

impl Packer {
    /// After the rows the store holds: those not packed yet are read
    /// (fewer than a block's worth, unless the database is older than the
    /// blocks).
    pub(super) fn after_held(tx: &Transaction<'_>) -> Result<Packer> {
        let covered = covered(tx)?;
        let top: i64 = tx
            .prepare("SELECT coalesce(max(id), 0) FROM fund_repayments")?
            .query_row([], |r| r.get(0))?;
        let rows = if top - covered < BLOCK_ROWS as i64 {
            let mut read = tx.prepare(
                "SELECT id, loan, paid_on, amount FROM fund_repayments WHERE id > ?1 ORDER BY id",
            )?;
            let mut found = read.query(crate::db::params![covered])?;
            let mut rows = Vec::with_capacity(BLOCK_ROWS);
            while let Some(r) = found.next()? {
                rows.push(row(&r)?);
            }
            Some(rows)
        } else {
            None
        };
        Ok(Packer {
            next_id: top + 1,
            covered,
            rows,
        })
    }

    /// The id of the next repayment, and the block it fills, if it does.
    pub(super) fn push(&mut self, loan: i64, paid_on: Date, amount: i64) -> (i64, Option<Block>) {
        let id = self.next_id;
        self.next_id += 1;
        let Some(rows) = &mut self.rows else {
            return (id, None);
        };
        rows.push(PackedRow {
            id,
            loan,
            paid_on,
            amount,
        });
        if rows.len() < BLOCK_ROWS {
            return (id, None);
        }
        let block = Block::of(self.covered, rows);
        self.covered = id;
        rows.clear();
        (id, Some(block))
    }
}

/// Calls `each` with every repayment with `after < id <= until`, in id
/// order: from the blocks, then the table.
pub(super) fn scan(
    conn: &crate::db::Connection,
    after: i64,
    until: i64,
    mut each: impl FnMut(PackedRow),
) -> Result<()> {
    let mut next = None::<i64>;
    let mut stmt = conn.prepare(
        "SELECT first_id, last_id, data FROM fund_repayment_blocks
         WHERE last_id > ?1 AND first_id <= ?2 ORDER BY first_id",
    )?;
    let mut blocks = stmt.query(crate::db::params![after, until])?;
    while let Some(b) = blocks.next()? {
        let (first, last): (i64, i64) = (b.get(0)?, b.get(1)?);
        // Blocks tile the ids from 1: a gap or an overlap is damage.
        if next.unwrap_or(first.min(after + 1)) != first || last < first {
            return Err(bad("packed repayments"));
        }
        next = Some(last + 1);
        let data = b
            .get_ref(2)?
            .as_blob()
            .map_err(|_| bad("packed repayments"))?;
        let whole = first > after && last <= until;
        unpack(data, |row| {
            if whole || (row.id > after && row.id <= until) {
                each(row)
            }
        })?;
    }
    drop(blocks);
    let from = next.map_or(after, |n| (n - 1).max(after));
    if from >= until {
        return Ok(());
    }
    let mut stmt = conn.prepare(
        "SELECT id, loan, paid_on, amount FROM fund_repayments WHERE id > ?1 AND id <= ?2 ORDER BY id",
    )?;
    let mut rows = stmt.query(crate::db::params![from, until])?;
    while let Some(r) = rows.next()? {
        each(row(&r)?);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use proptest::prelude::*;

    fn packed_row(id: i64, loan: i64, paid_on: Date, amount: i64) -> PackedRow {
        PackedRow {
            id,
            loan,
            paid_on,
            amount,
        }
    }

    #[test]
    fn rows_come_back_as_packed() {
        let rows = vec![
            packed_row(1, 7, date(2024, 1, 31), 150_000),
            packed_row(2, 7, date(2024, 2, 29), 1),
            packed_row(5, 3, date(2023, 12, 1), -20),
            packed_row(6, 900_000, date(9999, 12, 31), i64::MAX),
            packed_row(7, 1, date(-9999, 1, 1), i64::MIN),
        ];
        let mut back = Vec::new();
        unpack(&pack(&rows), |r| back.push(r)).unwrap();
        assert_eq!(back, rows);
    }

    #[test]
    fn a_damaged_block_is_refused() {
        let rows = vec![packed_row(1, 7, date(2024, 1, 31), 150_000)];
        let packed = pack(&rows);
        for cut in 0..packed.len() {
            assert!(unpack(&packed[..cut], |_| ()).is_err(), "cut at {cut}");
        }
        let mut longer = packed.clone();
        longer.push(0);
        assert!(unpack(&longer, |_| ()).is_err());
        let mut other = packed;
        other[0] = 9;
        assert!(unpack(&other, |_| ()).is_err());
    }

    proptest! {
        #[test]
        fn any_rows_round_trip(raw in proptest::collection::vec(
            (1i64..1_000, any::<i64>(), 1i16..9999, 1i8..13, 1i8..29, any::<i64>()), 0..200)
        ) {
            let mut id = 0;
            let rows: Vec<PackedRow> = raw
                .into_iter()
                .map(|(step, loan, y, m, d, amount)| {
                    id += step;
                    packed_row(id, loan, date(y, m, d), amount)
                })
                .collect();
            let mut back = Vec::new();
            unpack(&pack(&rows), |r| back.push(r)).unwrap();
            prop_assert_eq!(back, rows);
        }
    }
}
