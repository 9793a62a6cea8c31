//! Each process's compiled release and what it says, typed: its buyer,
//! date and tender; its awards; each award's suppliers resolved to the
//! spend analysis's catalogue by the same rules as a payment's supplier,
//! so that one firm is one supplier across payments, awards and the
//! business base.

use crate::spend::SupplierResolver;
use crate::{Result, StoreError};
use lumbung_domain::{text, PostalCode, SupplierId};
use lumbung_procurement::contracts::{
    Facts, Filter, Overflow, Party, Place, Placing, Process, Report, Tally, Who,
};
use lumbung_procurement::ocds::compile;
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde_json::{Map, Value};
use std::cell::RefCell;
use std::collections::HashMap;

/// A process compiled off the store's thread, to be saved.
struct Compiled {
    ocid: String,
    /// The compiled release, as JSON text.
    json: String,
    process: Process,
    releases: usize,
}

/// Compiles `ocid` from its releases' stored text.
fn compiled(ocid: String, texts: Vec<String>) -> Compiled {
    let releases: Vec<Map<String, Value>> = texts
        .iter()
        .map(|t| serde_json::from_str(t).expect("releases are stored as JSON objects"))
        .collect();
    let compiled = compile(&ocid, &releases);
    Compiled {
        process: Process::of(&compiled),
        json: serde_json::to_string(&compiled).expect("JSON values serialise"),
        releases: releases.len(),
        ocid,
    }
}

/// How many processes go to the compiling thread at a time.
const BATCH: usize = 1_000;

/// Compiles each process of `ocids` again from every release held of it
/// and saves the compiled release, its awards, their suppliers and its
/// tender. The compiling (parsing, merging, writing JSON) runs on a second
/// thread while this one reads the next batch's releases and saves the
/// last one's: the transaction never leaves this thread.
pub(super) fn derive_many(
    tx: &Transaction<'_>,
    resolver: &mut SupplierResolver<'_>,
    ocids: &[String],
) -> Result<()> {
    std::thread::scope(|scope| {
        let (to_compile, batches) = std::sync::mpsc::sync_channel::<Vec<(String, Vec<String>)>>(1);
        let (to_save, done) = std::sync::mpsc::sync_channel::<Vec<Compiled>>(1);
        scope.spawn(move || {
            for batch in batches {
                let out = batch
                    .into_iter()
                    .map(|(ocid, texts)| compiled(ocid, texts))
                    .collect();
                if to_save.send(out).is_err() {
                    break;
                }
            }
        });
        let mut in_flight = 0;
        for chunk in ocids.chunks(BATCH) {
            let mut read =
                tx.prepare_cached("SELECT release FROM ocds_releases WHERE ocid = ?1 ORDER BY id")?;
            let mut batch = Vec::with_capacity(chunk.len());
            for ocid in chunk {
                let texts = read
                    .query_map([ocid], |r| r.get::<_, String>(0))?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                batch.push((ocid.clone(), texts));
            }
            to_compile
                .send(batch)
                .expect("the compiling thread waits for batches");
            in_flight += 1;
            if in_flight == 2 {
                for c in done.recv().expect("the compiling thread answers") {
                    save(tx, resolver, c)?;
                }
                in_flight -= 1;
            }
        }
        drop(to_compile);
        for batch in done {
            for c in batch {
                save(tx, resolver, c)?;
            }
        }
        Ok(())
    })
}

/// Saves a compiled process, its suppliers resolved.
fn save(tx: &Transaction<'_>, resolver: &mut SupplierResolver<'_>, c: Compiled) -> Result<()> {
    let Compiled {
        ocid,
        json,
        mut process,
        releases,
    } = c;
    let ocid = ocid.as_str();
    for award in &mut process.awards {
        for party in &mut award.suppliers {
            party.supplier = Some(supplier_of(tx, resolver, party)?);
        }
    }
    tx.prepare_cached(
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
    tx.prepare_cached(
        "INSERT INTO ocds_compiled (ocid, compiled) VALUES (?1, ?2)
         ON CONFLICT (ocid) DO UPDATE SET compiled = excluded.compiled",
    )?
    .execute(params![ocid, json])?;
    tx.prepare_cached("DELETE FROM ocds_award_suppliers WHERE ocid = ?1")?
        .execute([ocid])?;
    tx.prepare_cached("DELETE FROM ocds_awards WHERE ocid = ?1")?
        .execute([ocid])?;
    let mut award_row = tx.prepare_cached(
        "INSERT INTO ocds_awards (ocid, position, award_id, status, date, currency, amount)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    let mut supplier_row = tx.prepare_cached(
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
            .prepare_cached("SELECT id FROM suppliers WHERE company_number = ?1 LIMIT 1")?
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
    derive_many(tx, &mut resolver, &ocids)
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

impl From<rusqlite::Error> for ReportError {
    fn from(e: rusqlite::Error) -> Self {
        ReportError::Store(e.into())
    }
}

/// The report of the processes `filter` keeps, read one compact record
/// per process ([`Facts`]); a supplier whose party gives no postcode takes
/// its catalogue supplier's (from payments or the registers); each
/// postcode placed by the postcode map (read once) and `placing`.
pub(super) fn report(
    conn: &Connection,
    filter: &Filter,
    placing: &Placing,
) -> std::result::Result<Report, ReportError> {
    let mut prefixes: HashMap<String, String> = HashMap::new();
    let mut stmt = conn.prepare(
        "SELECT p.prefix, a.path FROM postcode_prefixes p JOIN areas a ON a.code = p.area_code",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        prefixes.insert(r.get(0)?, r.get(1)?);
    }
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
        let buyer = r
            .get_ref(0)?
            .as_str_or_null()
            .map_err(rusqlite::Error::from)?;
        let date = r.get_ref(1)?.as_str().map_err(rusqlite::Error::from)?;
        if !filter.keeps_at(buyer, date) {
            continue;
        }
        let releases = r.get::<_, i64>(2)? as u64;
        let bytes = r.get_ref(3)?.as_blob().map_err(rusqlite::Error::from)?;
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
