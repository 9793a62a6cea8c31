//! Loans read back as books (schedules, payments, reschedulings,
//! write-offs), quickly for a whole city; the settings and the context
//! the portfolio report reads besides them.

use super::rows::{bad, invalid, parse_date, parse_frequency, parse_kind, settings_tx};
use crate::audit::{self, Actor};
use crate::db::{params, OptionalExtension};
use crate::{Result, Store};
use jiff::civil::Date;
use lumbung_domain::text;
use lumbung_domain::{KsmId, Scope, UpkId};
use lumbung_fund::loan::{schedule, FeeRate, Instalment, Rupiah};
use lumbung_fund::report::{Context, LoanBook};
use lumbung_fund::settings::Settings;
use std::collections::HashMap;

impl Store {
    /// Every loan (of one UPK, by id, when given) with its schedules,
    /// repayments (reversed ones left out), reschedulings and write-off.
    /// Read in a few scans, not a query per loan, so that a city's
    /// portfolio loads quickly.
    pub fn fund_books(&self, upk_id: Option<UpkId>) -> Result<Vec<LoanBook>> {
        let upk_id = upk_id.map(UpkId::get);
        let conn = self.conn()?;
        if upk_id.is_none() {
            drop(conn);
            if let Some(books) = self.city_books()? {
                return Ok(books);
            }
            let conn = self.conn()?;
            return load_books(&conn, ALL_LOANS, None);
        }
        load_books(&conn, "l.upk_id = ?1 OR ?1 IS NULL", upk_id)
    }

    /// How many UPKs `scope` covers (as [`Store::fund_report_inputs`]
    /// reads them).
    pub fn upks_in(&self, scope: &Scope) -> Result<u64> {
        let conn = self.conn()?;
        Ok(upks_within(&conn, scope)?.0.len() as u64)
    }

    /// The UPKs `scope` covers (as [`Store::upks_in`] counts them), by
    /// name: chosen in the query, not from every UPK read whole.
    pub fn upks_covered(&self, scope: &Scope) -> Result<Vec<UpkId>> {
        let conn = self.conn()?;
        let (covered, _) = upks_within(&conn, scope)?;
        let by_name: Vec<i64> = crate::sql::all(
            &conn,
            "SELECT id FROM organisations WHERE kind = 'upk' ORDER BY lower(name), id",
            [],
            |r| r.get(0),
        )?;
        Ok((by_name.into_iter())
            .filter(|id| covered.contains(id))
            .map(UpkId::new)
            .collect())
    }

    /// What the portfolio report of a viewer reads: the books of the
    /// UPKs `scope` covers, and the context with those UPKs' finances.
    /// A UPK is covered as [`Scope::covers`] reads an organisation's
    /// placement (its own area and its lineage); the selection is made in
    /// SQL, so that only the covered UPKs' loans are read.
    pub fn fund_report_inputs(
        &self,
        scope: &Scope,
        as_of: Date,
    ) -> Result<(Vec<LoanBook>, Context)> {
        let (upks, every) = {
            let conn = self.conn()?;
            upks_within(&conn, scope)?
        };
        let books = || -> Result<Vec<LoanBook>> {
            if every {
                return self.fund_books(None);
            }
            let conn = self.conn()?;
            let mut books = Vec::new();
            for upk in &upks {
                books.extend(load_books_with_ids(&conn, "l.upk_id = ?1", Some(*upk))?);
            }
            // In row order, as a city's books are read.
            books.sort_unstable_by_key(|b| b.0);
            Ok(books.into_iter().map(|(_, b)| b).collect())
        };
        // The finances are read while the books are (a city's books wait
        // on memory more than on the cores).
        let (books, ctx) = std::thread::scope(|s| {
            let ctx = s.spawn(|| self.fund_context(as_of));
            let books = books();
            (books, ctx.join().expect("the context's reading panicked"))
        });
        let (mut books, mut ctx) = (books?, ctx?);
        ctx.finances.retain(|id, _| upks.contains(&id.get()));
        books.retain(|b| upks.contains(&b.upk_id.get()));
        Ok((books, ctx))
    }

    /// Every loan's book, read by two connections at once, each the books
    /// of half the loans (by row id) with their payments. Both read the
    /// same state of the database: `None` when books were written while
    /// the two began (three times over), so that one connection reads
    /// alone.
    pub(super) fn city_books(&self) -> Result<Option<Vec<LoanBook>>> {
        // Two more connections if they are idle now: waiting for them while
        // holding one could deadlock a busy pool.
        let mut a = self.conn()?;
        if a.backend() != crate::db::Backend::Sqlite {
            // Two connections reading one snapshot is SQLite's trick here.
            return Ok(None);
        }
        let (Some(probe), Some(mut b)) = (self.spare_conn(), self.spare_conn()) else {
            return Ok(None);
        };
        let version = |c: &crate::db::Connection| -> Result<i64> {
            Ok(c.query_row("PRAGMA data_version", [], |r| r.get(0))?)
        };
        for _ in 0..3 {
            // No commit between the two readings of the probe: none
            // between the two read transactions' starts either.
            let before = version(&probe)?;
            let ra = Reading::begin(&mut a)?;
            let rb = Reading::begin(&mut b)?;
            if version(&probe)? != before {
                continue;
            }
            let (loans, repayments): (i64, i64) = ra.0.query_row(
                "SELECT (SELECT coalesce(max(id), 0) FROM fund_loans),
                        (SELECT coalesce(max(id), 0) FROM fund_repayments)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            let per_loan = (repayments / loans.max(1)).clamp(1, 64) as usize;
            // Each half: its loans, then every repayment in row order, its
            // loans' kept (the packed blocks are read twice: cheaper than
            // handing rows from one thread to the other).
            let half = |conn: &crate::db::Connection, filter: &str| {
                let mut books = load_loans(conn, filter, Some(loans / 2))?;
                let index = LoanIndex::new(&books);
                let reversed = reversed_repayments(conn)?;
                scan_repayments(conn, (0, i64::MAX), &reversed, |loan, on, amount| {
                    if let Some(i) = index.get(loan) {
                        let pays = &mut books[i].1.payments;
                        if pays.capacity() == 0 {
                            pays.reserve(per_loan);
                        }
                        pays.push((on, Rupiah(amount)));
                    }
                })?;
                sort_payments(&mut books);
                finish_books(conn, filter, Some(loans / 2), &mut books, &index)?;
                Ok::<_, crate::StoreError>(books)
            };
            let half = &half;
            let (low, high) = std::thread::scope(|s| {
                let high = s.spawn(move || half(rb.0, LOANS_AFTER));
                (
                    half(ra.0, LOANS_UP_TO),
                    high.join().expect("a reading thread panicked"),
                )
            });
            return Ok(Some(
                low?.into_iter().chain(high?).map(|(_, b)| b).collect(),
            ));
        }
        Ok(None)
    }

    pub fn fund_settings(&self, upk: UpkId) -> Result<Settings> {
        let upk = upk.get();
        let conn = self.conn()?;
        settings_tx(&conn, upk)
    }

    pub fn set_fund_settings(&self, upk: UpkId, settings: Settings, actor: &Actor) -> Result<()> {
        let upk = upk.get();
        let settings = settings
            .checked()
            .map_err(|e| invalid(e.field, e.message))?;
        self.write(|tx| {
            let json = serde_json::to_string(&settings).expect("settings serialise");
            tx.execute(
                "INSERT INTO fund_settings (upk_id, settings, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (upk_id) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at",
                params![upk, json, crate::now()],
            )?;
            audit::record_on_org(
                tx,
                actor,
                "fund.settings",
                upk,
                serde_json::from_str(&json).expect("json"),
            )?;
            Ok(())
        })
    }

    /// What the portfolio report needs besides the loans: every UPK's
    /// settings, finances as of the date, and the areas it rolls up into
    /// (the proper ancestors of its area, or of its BKM's, below the root).
    pub fn fund_context(&self, as_of: Date) -> Result<Context> {
        let mut ctx = Context {
            finances: self.fund_finances(as_of)?,
            ..Context::default()
        };
        let conn = self.conn()?;
        let mut stmt = conn.prepare("SELECT upk_id, settings FROM fund_settings")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let s = Settings::from_json(&r.get::<_, String>(1)?)
                .map_err(|e| invalid("fund_settings", super::rows::stored_settings(e)))?;
            ctx.settings.insert(UpkId::new(r.get(0)?), s);
        }
        let mut stmt = conn.prepare(
            "SELECT u.id, a.path FROM organisations u
             LEFT JOIN organisations p ON p.id = u.parent_id
             JOIN areas a ON a.code = coalesce(u.area_code, p.area_code)
             WHERE u.kind = 'upk'",
        )?;
        let rows: Vec<(i64, String)> = stmt
            .query_map([], |r| r.try_into())?
            .collect::<crate::db::Result<_>>()?;
        let mut area_stmt =
            conn.prepare("SELECT code, name, coalesce(kind, '') FROM areas WHERE code = ?1")?;
        for (upk, path) in rows {
            // The stored path is `/root/…/own/`: roll up into each proper
            // ancestor except the root.
            let codes: Vec<&str> = path.split('/').filter(|c| !c.is_empty()).collect();
            let mut refs = Vec::new();
            for code in codes.iter().skip(1).take(codes.len().saturating_sub(2)) {
                if let Some(a) = area_stmt
                    .query_row([code], |r| {
                        Ok(lumbung_fund::report::AreaRef {
                            code: r.get(0)?,
                            name: r.get(1)?,
                            level: r.get(2)?,
                        })
                    })
                    .optional()?
                {
                    refs.push(a);
                }
            }
            ctx.areas.insert(UpkId::new(upk), refs);
        }
        Ok(ctx)
    }
}

pub(super) fn book_of(tx: &crate::db::Connection, loan: i64) -> Result<LoanBook> {
    load_books_with_ids(tx, "l.id = ?1", Some(loan))?
        .pop()
        .map(|(_, b)| b)
        .ok_or_else(|| invalid("loan", text!("no_loan", loan = loan; id: "tidak ada pinjaman {loan}", en: "no loan {loan}")))
}

/// Loans matching `filter` (SQL over `fund_loans l`, one parameter) as
/// books, ordered by row id; the map gives each book's loan row id.
pub(super) fn load_books(
    conn: &crate::db::Connection,
    filter: &str,
    param: Option<i64>,
) -> Result<Vec<LoanBook>> {
    Ok(load_books_with_ids(conn, filter, param)?
        .into_iter()
        .map(|(_, b)| b)
        .collect())
}

pub(super) fn load_books_with_ids(
    conn: &crate::db::Connection,
    filter: &str,
    param: Option<i64>,
) -> Result<Vec<(i64, LoanBook)>> {
    let books = load_loans(conn, filter, param)?;
    fill_books(conn, filter, param, books)
}

/// The books of a posting batch's loans by their public ids (with their
/// row ids), as [`load_books_with_ids`] gives them, read by a few queries
/// for the whole batch rather than five for each loan (a round trip each
/// on a database server): the ids go into a temporary table first. A loan
/// not found, or whose UPK is gone, is left out; `names` keeps UPK names
/// between calls. Their UPKs' funds are locked before their books are read
/// (a loan's UPK never changes).
pub(super) fn books_by_loan_ids(
    conn: &crate::db::Transaction<'_>,
    loan_ids: &[&str],
    names: &mut HashMap<i64, Option<String>>,
) -> Result<HashMap<String, (i64, LoanBook)>> {
    crate::sql::temp_texts(conn, "fund_batch_ids", loan_ids)?;
    let mut public: HashMap<i64, String> = HashMap::with_capacity(loan_ids.len());
    let mut upks = Vec::new();
    let mut found = conn.prepare(BATCH_LOAN_UPKS)?;
    let mut rows = found.query([])?;
    while let Some(r) = rows.next()? {
        public.insert(r.get(0)?, r.get(1)?);
        upks.push(r.get::<_, i64>(2)?);
    }
    drop(rows);
    drop(found);
    upks.sort_unstable();
    upks.dedup();
    conn.lock_upks(&upks)?;
    let books = loans_where(conn, BATCH_LOANS, [None::<i64>], names)?;
    Ok(fill_books(conn, BATCH_LOANS, None, books)?
        .into_iter()
        .filter_map(|(id, book)| Some((public.get(&id)?.clone(), (id, book))))
        .collect())
}

/// The row id and UPK of each loan of a batch: the batch's ids first
/// (CROSS JOIN keeps SQLite from scanning every loan for them).
pub(super) const BATCH_LOAN_UPKS: &str = "SELECT l.id, l.loan_id, l.upk_id
     FROM fund_batch_ids b CROSS JOIN fund_loans l WHERE l.loan_id = b.value";

/// The loans whose public ids are in `fund_batch_ids` ([`books_by_loan_ids`]).
const BATCH_LOANS: &str =
    "l.loan_id IN (SELECT value FROM fund_batch_ids) AND CAST(?1 AS BIGINT) IS NULL";

/// Adds to loans just loaded (by `filter`) their payments, reschedulings
/// and write-offs.
fn fill_books(
    conn: &crate::db::Connection,
    filter: &str,
    param: Option<i64>,
    mut books: Vec<(i64, LoanBook)>,
) -> Result<Vec<(i64, LoanBook)>> {
    if books.is_empty() {
        return Ok(books);
    }
    let index = LoanIndex::new(&books);
    // Many loans (a city's portfolio): read the repayments whole, in row
    // order, keeping those of the loans loaded; few: through the loans'
    // index. Either way a loan's payments come in the order recorded and
    // are then put in date order.
    let whole = filter != ONE_LOAN && {
        let most: i64 = conn
            .prepare("SELECT coalesce(max(id), 0) FROM fund_loans")?
            .query_row([], |r| r.get(0))?;
        books.len() as i64 * 2 > most
    };
    if whole {
        let reversed = reversed_repayments(conn)?;
        scan_repayments(conn, (0, i64::MAX), &reversed, |loan, on, amount| {
            if let Some(i) = index.get(loan) {
                books[i].1.payments.push((on, Rupiah(amount)));
            }
        })?;
    } else {
        // A batch's books need each loan's payments in date order only
        // (what a repayment covers depends on sums, not on the order of one
        // day's payments): the loans' index's own order, no sort.
        let order = if filter == BATCH_LOANS {
            "r.loan, r.paid_on, r.amount"
        } else {
            "r.loan, r.id"
        };
        let mut stmt = conn.prepare(&format!(
            "SELECT r.loan, r.paid_on, r.amount FROM fund_repayments r
             WHERE {} AND NOT EXISTS (SELECT 1 FROM fund_reversals v WHERE v.repayment = r.id)
             ORDER BY {order}",
            loans_in("r.loan", filter)
        ))?;
        let mut rows = stmt.query([param])?;
        while let Some(r) = rows.next()? {
            if let Some(i) = index.get(r.get(0)?) {
                let on = date_of(r.get_ref(1)?.as_bytes().map_err(|_| bad("date"))?)?;
                books[i].1.payments.push((on, Rupiah(r.get(2)?)));
            }
        }
    }
    sort_payments(&mut books);
    finish_books(conn, filter, param, &mut books, &index)?;
    Ok(books)
}

/// The filter of every loan.
const ALL_LOANS: &str = "CAST(?1 AS BIGINT) IS NULL";

/// The filter of one loan by row id.
const ONE_LOAN: &str = "l.id = ?1";

/// The filters of the loans up to a row id and after it (a city's halves).
const LOANS_UP_TO: &str = "l.id <= ?1";
const LOANS_AFTER: &str = "l.id > ?1";

/// The condition on a table's loan column (`column`) that selects the
/// loans of `filter` (over `fund_loans l`), with its one parameter: for one
/// loan or every loan without a subquery (a posting loads its loan's book
/// many times a second; a city's loans would be listed whole).
fn loans_in(column: &str, filter: &str) -> String {
    match filter {
        ONE_LOAN => format!("{column} = ?1"),
        LOANS_UP_TO => format!("{column} <= ?1"),
        LOANS_AFTER => format!("{column} > ?1"),
        ALL_LOANS => ALL_LOANS.to_owned(),
        _ => format!("{column} IN (SELECT l.id FROM fund_loans l WHERE {filter})"),
    }
}

/// A read transaction on a pooled connection, ended when dropped (so that
/// the connection goes back to the pool without one).
struct Reading<'c>(&'c mut crate::db::Connection);

impl<'c> Reading<'c> {
    /// Begins reading: the database's state is fixed from here on.
    fn begin(conn: &'c mut crate::db::Connection) -> Result<Reading<'c>> {
        conn.execute_batch("BEGIN")?;
        let reading = Reading(conn);
        reading
            .0
            .query_row("SELECT 1 FROM fund_loans LIMIT 1", [], |_| Ok(()))
            .optional()?;
        Ok(reading)
    }
}

impl Drop for Reading<'_> {
    fn drop(&mut self) {
        let _ = self.0.execute_batch("ROLLBACK");
    }
}

/// The loans matching `filter` (SQL over `fund_loans l`, one parameter),
/// ordered by row id, with their schedules and no payments yet. A loan
/// whose UPK is not an organisation is left out.
fn load_loans(
    conn: &crate::db::Connection,
    filter: &str,
    param: Option<i64>,
) -> Result<Vec<(i64, LoanBook)>> {
    loans_where(conn, filter, [param], &mut HashMap::new())
}

/// [`load_loans`] by any condition over `fund_loans l`; `names` caches
/// the UPKs' names (`None`: no such organisation).
fn loans_where(
    conn: &crate::db::Connection,
    condition: &str,
    params: impl crate::db::Params,
    names: &mut HashMap<i64, Option<String>>,
) -> Result<Vec<(i64, LoanBook)>> {
    let mut books: Vec<(i64, LoanBook)> = Vec::new();
    let mut name_of = conn.prepare("SELECT name FROM organisations WHERE id = ?1")?;
    let mut stmt = conn.prepare(&format!(
        "SELECT l.id, l.upk_id, l.ksm_id, l.disbursed_on, l.principal, l.term_months, l.fee_rate, l.schedule, l.frequency
         FROM fund_loans l WHERE {condition} ORDER BY l.id"
    ))?;
    let mut rows = stmt.query(params)?;
    while let Some(r) = rows.next()? {
        let upk_id: i64 = r.get(1)?;
        let upk = match names.get(&upk_id) {
            Some(name) => name.clone(),
            None => {
                let name: Option<String> = name_of.query_row([upk_id], |r| r.get(0)).optional()?;
                names.insert(upk_id, name.clone());
                name
            }
        };
        let Some(upk) = upk else {
            continue;
        };
        let on = date_of(r.get_ref(3)?.as_bytes().map_err(|_| bad("date"))?)?;
        books.push((
            r.get(0)?,
            LoanBook {
                upk,
                upk_id: UpkId::new(upk_id),
                ksm: KsmId::new(r.get(2)?),
                disbursed_on: on,
                schedule: schedule_from(&r, 4, on)?,
                payments: Vec::new(),
                rescheduled: Vec::new(),
                written_off: None,
            },
        ));
    }
    Ok(books)
}

/// The repayments that were reversed, by id.
fn reversed_repayments(conn: &crate::db::Connection) -> Result<std::collections::HashSet<i64>> {
    Ok(conn
        .prepare("SELECT repayment FROM fund_reversals")?
        .query_map([], |r| r.get(0))?
        .collect::<crate::db::Result<_>>()?)
}

/// Every repayment with `after < id <= until`, in row order, but the
/// reversed: `each(loan, paid on, amount)`.
fn scan_repayments(
    conn: &crate::db::Connection,
    (after, until): (i64, i64),
    reversed: &std::collections::HashSet<i64>,
    mut each: impl FnMut(i64, Date, i64),
) -> Result<()> {
    super::packed::scan(conn, after, until, |r| {
        if reversed.is_empty() || !reversed.contains(&r.id) {
            each(r.loan, r.paid_on, r.amount);
        }
    })
}

/// Puts each book's payments in date order (among payments of one date,
/// as recorded).
fn sort_payments(books: &mut [(i64, LoanBook)]) {
    for (_, b) in books {
        if !b.payments.is_sorted_by_key(|p| p.0) {
            b.payments.sort_by_key(|p| p.0);
        }
    }
}

/// The schedule from `on` that five columns of a row from `first` hold:
/// principal, term in months, fee rate, schedule kind, frequency.
fn schedule_from(r: &crate::db::Row<'_>, first: usize, on: Date) -> Result<Vec<Instalment>> {
    let text = |i: usize, what: &str| -> Result<&str> {
        r.get_ref(first + i)?.as_str().map_err(|_| bad(what))
    };
    let rate = FeeRate::parse(text(2, "rate")?).map_err(|_| bad("rate"))?;
    let kind = parse_kind(text(3, "schedule")?)?;
    let frequency = parse_frequency(text(4, "frequency")?)?;
    let term_months = r.get::<_, i64>(first + 1)? as u16;
    let principal = Rupiah(r.get(first)?);
    Ok(schedule(on, principal, term_months, rate, kind, frequency)?)
}

/// Adds each book's reschedulings and write-off.
fn finish_books(
    conn: &crate::db::Connection,
    filter: &str,
    param: Option<i64>,
    books: &mut [(i64, LoanBook)],
    index: &LoanIndex,
) -> Result<()> {
    let scoped = loans_in("loan", filter);
    let mut stmt = conn.prepare(&format!(
        "SELECT loan, on_date, principal, term_months, fee_rate, schedule, frequency FROM fund_reschedules
         WHERE {scoped} ORDER BY loan, on_date, id"
    ))?;
    let mut rows = stmt.query([param])?;
    while let Some(r) = rows.next()? {
        if let Some(i) = index.get(r.get(0)?) {
            let on = parse_date(&r.get::<_, String>(1)?)?;
            books[i]
                .1
                .rescheduled
                .push(lumbung_fund::report::Rescheduled {
                    on,
                    term_months: r.get::<_, i64>(3)? as u16,
                    schedule: schedule_from(&r, 2, on)?,
                });
        }
    }
    let mut stmt = conn.prepare(&format!(
        "SELECT loan, on_date, principal FROM fund_write_offs WHERE {scoped}"
    ))?;
    let mut rows = stmt.query([param])?;
    while let Some(r) = rows.next()? {
        if let Some(i) = index.get(r.get(0)?) {
            books[i].1.written_off =
                Some((parse_date(&r.get::<_, String>(1)?)?, Rupiah(r.get(2)?)));
        }
    }
    Ok(())
}

/// Where a loan's book is among those loaded, by the loan's row id: a
/// table when the ids are dense (a city's portfolio), a map otherwise.
enum LoanIndex {
    Dense(Vec<u32>),
    Sparse(HashMap<i64, usize>),
}

impl LoanIndex {
    fn new(books: &[(i64, LoanBook)]) -> LoanIndex {
        let max = books.iter().map(|b| b.0).max().unwrap_or(0);
        if max >= 0 && max <= 4 * books.len() as i64 + 1024 && books.len() < u32::MAX as usize {
            let mut at = vec![u32::MAX; max as usize + 1];
            for (i, (id, _)) in books.iter().enumerate() {
                at[*id as usize] = i as u32;
            }
            LoanIndex::Dense(at)
        } else {
            LoanIndex::Sparse(
                books
                    .iter()
                    .enumerate()
                    .map(|(i, (id, _))| (*id, i))
                    .collect(),
            )
        }
    }

    fn get(&self, id: i64) -> Option<usize> {
        match self {
            LoanIndex::Dense(at) => usize::try_from(id)
                .ok()
                .and_then(|id| at.get(id))
                .filter(|i| **i != u32::MAX)
                .map(|i| *i as usize),
            LoanIndex::Sparse(map) => map.get(&id).copied(),
        }
    }
}

/// A stored date, `2024-01-31` read without the general parser.
pub(super) fn date_of(raw: &[u8]) -> Result<Date> {
    if let [y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1] = *raw {
        let digits = [y0, y1, y2, y3, m0, m1, d0, d1];
        if digits.iter().all(u8::is_ascii_digit) {
            let n = |d: &[u8]| d.iter().fold(0i16, |acc, c| acc * 10 + (c - b'0') as i16);
            if let Ok(date) = Date::new(
                n(&digits[..4]),
                n(&digits[4..6]) as i8,
                n(&digits[6..]) as i8,
            ) {
                return Ok(date);
            }
        }
    }
    std::str::from_utf8(raw)
        .map_err(|_| bad("date"))
        .and_then(parse_date)
}

/// The UPKs (organisations of kind `upk`) that `scope` covers, and
/// whether they are every UPK. An organisation scope covers the UPKs in
/// its subtree (as deep as a lineage is read) whose own area, if any, lies
/// in its area; an area scope those whose own area lies in it.
pub(crate) fn upks_within(
    conn: &crate::db::Connection,
    scope: &Scope,
) -> Result<(std::collections::HashSet<i64>, bool)> {
    const UPK: &str = "SELECT o.id FROM organisations o LEFT JOIN areas a ON a.code = o.area_code
         WHERE o.kind = 'upk'";
    let ids =
        |sql: &str, params: &[&dyn crate::db::ToSql]| -> Result<std::collections::HashSet<i64>> {
            crate::sql::all(conn, sql, params, |r| r.get(0))
        };
    let within = |path: &lumbung_domain::AreaPath| (path.as_str().to_owned(), path.subtree_end());
    Ok(match scope {
        Scope::Global => (ids(UPK, &[])?, true),
        Scope::Area { path, .. } => {
            let (lo, hi) = within(path);
            let upks = ids(
                &format!("{UPK} AND a.path >= ?1 AND a.path < ?2"),
                &[&lo, &hi],
            )?;
            (upks, false)
        }
        Scope::Org { id, area } => {
            let (lo, hi) = area.as_ref().map(within).unzip();
            let upks = ids(
                &format!(
                    "WITH RECURSIVE down(id, n) AS (
                         SELECT id, 0 FROM organisations WHERE id = ?1
                         UNION ALL SELECT o.id, down.n + 1 FROM organisations o JOIN down ON o.parent_id = down.id
                         WHERE down.n < 64)
                     {UPK} AND o.id IN (SELECT id FROM down)
                       AND (a.path IS NULL OR (a.path >= ?2 AND a.path < ?3 AND ?2 IS NOT NULL))"
                ),
                &[id, &lo, &hi],
            )?;
            (upks, false)
        }
    })
}
