//! Each process's compiled release and what it says, typed: its buyer,
//! date and tender; its awards; each award's suppliers resolved to the
//! spend analysis's catalogue by the same rules as a payment's supplier,
//! so that one firm is one supplier across payments, awards and the
//! business base.

use crate::areas::PostcodePaths;
use crate::db::{params, Connection, OptionalExtension, Transaction};
use crate::spend::SupplierResolver;
use crate::{Result, StoreError};
use lumbung_domain::{text, PostalCode, SupplierId};
use lumbung_procurement::contracts::{
    Facts, Filter, Overflow, Party, Place, Placing, Process, Report, Tally, Who,
};
use lumbung_procurement::ocds::{compile_owned, parallel};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;

/// A process compiled off the store's thread, to be saved.
struct Compiled {
    ocid: String,
    process: Process,
    releases: usize,
    /// Whether rows of the process may be held from before.
    held: bool,
}

/// Compiles `ocid` from its releases' text.
fn compiled(ocid: String, texts: &[Cow<'_, str>], held: bool) -> Compiled {
    let releases = parsed(texts);
    Compiled {
        held,
        releases: releases.len(),
        process: Process::of(&compile_owned(&ocid, releases)),
        ocid,
    }
}

/// Releases as kept, parsed.
fn parsed(texts: &[Cow<'_, str>]) -> Vec<Map<String, Value>> {
    texts
        .iter()
        .map(|t| serde_json::from_str(t).expect("releases are stored as JSON objects"))
        .collect()
}

/// The text of the releases of `ocid` held, in the order they came
/// (those with ids up to `last` only).
pub(super) fn texts_before(
    tx: &Transaction<'_>,
    ocid: &str,
    last: i64,
) -> Result<Vec<Cow<'static, str>>> {
    let mut read =
        tx.prepare("SELECT release FROM ocds_releases WHERE ocid = ?1 AND id <= ?2 ORDER BY id")?;
    let texts = read
        .query_map(params![ocid, last], |r| r.get::<_, String>(0))?
        .map(|t| t.map(Cow::Owned))
        .collect::<crate::db::Result<Vec<_>>>()?;
    Ok(texts)
}

/// The compiled release of `ocid` from every release held of it (`None`
/// when none is).
pub(super) fn compiled_release(
    conn: &Connection,
    ocid: &str,
) -> Result<Option<Map<String, Value>>> {
    let texts: Vec<Cow<'static, str>> = crate::sql::all(
        conn,
        "SELECT release FROM ocds_releases WHERE ocid = ?1 ORDER BY id",
        [ocid],
        |r| r.get::<_, String>(0).map(Cow::Owned),
    )?;
    Ok((!texts.is_empty()).then(|| compile_owned(ocid, parsed(&texts))))
}

/// How many processes go to a compiling thread at a time.
const BATCH: usize = 256;

/// Compiles each process of `ocids` again from the text of every release
/// held of it (`texts_of`, read on this thread, which also says whether
/// the process may have been derived before) and saves what it says:
/// its awards, their suppliers and its tender. The compiling (parsing and
/// merging) runs on worker threads while this one reads the next batch
/// and saves the last: the transaction never leaves this thread.
pub(super) fn derive_many<'a>(
    tx: &Transaction<'_>,
    resolver: &mut SupplierResolver<'_>,
    ocids: &[String],
    mut texts_of: impl FnMut(&str) -> Result<(Vec<Cow<'a, str>>, bool)>,
) -> Result<()> {
    let mut failed = None;
    let batches = ocids.chunks(BATCH).map_while(|chunk| {
        let batch: Result<Vec<_>> = chunk
            .iter()
            .map(|ocid| {
                let (texts, held) = texts_of(ocid)?;
                Ok((ocid.clone(), texts, held))
            })
            .collect();
        batch.map_err(|e| failed = Some(e)).ok()
    });
    parallel::ordered_map(
        batches,
        parallel::threads(),
        |batch: Vec<(String, Vec<Cow<'a, str>>, bool)>| {
            batch
                .into_iter()
                .map(|(ocid, texts, held)| compiled(ocid, &texts, held))
                .collect::<Vec<_>>()
        },
        |done| done.into_iter().try_for_each(|c| save(tx, resolver, c)),
    )?;
    failed.map_or(Ok(()), Err)
}

/// Saves a compiled process, its suppliers resolved.
fn save(tx: &Transaction<'_>, resolver: &mut SupplierResolver<'_>, c: Compiled) -> Result<()> {
    let Compiled {
        ocid,
        mut process,
        releases,
        held,
    } = c;
    let ocid = ocid.as_str();
    for award in &mut process.awards {
        for party in &mut award.suppliers {
            party.supplier = Some(supplier_of(tx, resolver, party)?);
        }
    }
    tx.prepare(
        "INSERT INTO ocds_processes (ocid, buyer, date, tender_status, releases, facts)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (ocid) DO UPDATE SET buyer = excluded.buyer, date = excluded.date,
             tender_status = excluded.tender_status, releases = excluded.releases, facts = excluded.facts",
    )?
    .execute(params![
        ocid,
        process.buyer,
        process.date,
        process.tender_status,
        releases as i64,
        process.facts().encode()
    ])?;
    if held {
        tx.prepare("DELETE FROM ocds_award_suppliers WHERE ocid = ?1")?
            .execute([ocid])?;
        tx.prepare("DELETE FROM ocds_awards WHERE ocid = ?1")?
            .execute([ocid])?;
    }
    let mut award_row = tx.prepare(
        "INSERT INTO ocds_awards (ocid, position, award_id, status, date, currency, amount)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    let mut supplier_row = tx.prepare(
        "INSERT INTO ocds_award_suppliers
           (ocid, award_position, position, party_key, name, postcode, scale, identifier, supplier_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    for (i, a) in process.awards.iter().enumerate() {
        let (amount, currency) = match &a.value {
            Some((amount, currency)) => (Some(amount.minor()), Some(currency.as_str())),
            None => (None, None),
        };
        award_row.execute(params![
            ocid, i as i64, a.id, a.status, a.date, currency, amount
        ])?;
        for (j, s) in a.suppliers.iter().enumerate() {
            supplier_row.execute(params![
                ocid,
                i as i64,
                j as i64,
                s.key,
                s.name,
                s.postcode,
                s.scale,
                s.identifier,
                s.supplier.map(|id| id.get())
            ])?;
        }
    }
    super::tenders::save_published(tx, &process)?;
    Ok(())
}

/// The catalogue's supplier a party is: the one holding its company
/// number, else the spend analysis's rule (identifier, then normal name
/// and postcode), creating it when none is.
fn supplier_of(
    tx: &Transaction<'_>,
    resolver: &mut SupplierResolver<'_>,
    party: &Party,
) -> Result<SupplierId> {
    if let Some(number) = party.identifier.as_deref() {
        let held: Option<i64> = tx
            .prepare("SELECT id FROM suppliers WHERE company_number = ?1 LIMIT 1")?
            .query_row([number], |r| r.get(0))
            .optional()?;
        if let Some(id) = held {
            return Ok(SupplierId::new(id));
        }
    }
    let id = resolver.resolve(
        party.identifier.as_deref(),
        Some(&party.name),
        party.postcode.as_deref(),
    )?;
    Ok(SupplierId::new(id))
}

/// Derives every process held again (after the migration that added the
/// typed tables).
pub(crate) fn derive_all(tx: &Transaction<'_>) -> Result<()> {
    let ocids: Vec<String> = crate::sql::all(
        tx,
        "SELECT DISTINCT ocid FROM ocds_releases ORDER BY ocid",
        [],
        |r| r.get(0),
    )?;
    let mut resolver = SupplierResolver::new(tx);
    resolver.company_numbers = true;
    derive_many(tx, &mut resolver, &ocids, |ocid| {
        Ok((texts_before(tx, ocid, i64::MAX)?, true))
    })
}

/// Why the report could not be made.
pub(super) enum ReportError {
    Store(StoreError),
    Overflow(Overflow),
}

impl From<StoreError> for ReportError {
    fn from(e: StoreError) -> Self {
        ReportError::Store(e)
    }
}

impl From<crate::db::Error> for ReportError {
    fn from(e: crate::db::Error) -> Self {
        ReportError::Store(e.into())
    }
}

/// The report of the processes `filter` keeps, read one compact record
/// per process ([`Facts`]); a supplier whose party gives no postcode takes
/// its catalogue supplier's (from payments or the registers); each
/// postcode placed by the postcode map (read once) and `placing`.
pub(super) fn report(
    conn: &Connection,
    prefixes: &PostcodePaths,
    filter: &Filter,
    placing: &Placing,
) -> std::result::Result<Report, ReportError> {
    let mut catalogue: HashMap<SupplierId, String> = HashMap::new();
    let mut stmt = conn.prepare(
        "SELECT id, coalesce(postcode, located_postcode) FROM suppliers
         WHERE coalesce(postcode, located_postcode) IS NOT NULL",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        catalogue.insert(SupplierId::new(r.get(0)?), r.get(1)?);
    }
    let places: RefCell<HashMap<String, Place>> = RefCell::default();
    let place = |postcode: Option<&str>| -> Place {
        let Some(pc) = postcode else {
            return Place::Unknown;
        };
        if let Some(known) = places.borrow().get(pc) {
            return *known;
        }
        let path = PostalCode::parse(pc).ok().and_then(|code| {
            code.lookup_prefixes()
                .into_iter()
                .find_map(|p| prefixes.get(p).map(String::as_str))
        });
        let found = placing.at(path);
        places.borrow_mut().insert(pc.to_owned(), found);
        found
    };
    let mut tally = Tally::default();
    let mut stmt = conn.prepare("SELECT buyer, date, releases, facts FROM ocds_processes")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let buyer = r.get_ref(0)?.as_str_or_null()?;
        let date = r.get_ref(1)?.as_str()?;
        if !filter.keeps_at(buyer, date) {
            continue;
        }
        let releases = r.get::<_, i64>(2)? as u64;
        let bytes = r.get_ref(3)?.as_blob()?;
        let mut facts = Facts::decode(bytes).ok_or_else(|| {
            StoreError::invalid(
                "ocds_processes",
                text!("ocds_facts_unreadable";
                    id: "ringkasan sebuah proses tidak terbaca", en: "a process's summary cannot be read"),
            )
        })?;
        for s in facts.awards.iter_mut().flat_map(|a| a.suppliers.iter_mut()) {
            if let (None, Who::Supplier(id)) = (s.postcode, s.who) {
                s.postcode = catalogue.get(&id).map(String::as_str);
            }
        }
        tally
            .add(buyer, releases, &facts, &place)
            .map_err(ReportError::Overflow)?;
    }
    Ok(tally.finish())
}
