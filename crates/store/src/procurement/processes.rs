//! Each process's compiled release and what it says, typed: its buyer,
//! date and tender; its awards; each award's suppliers resolved to the
//! spend analysis's catalogue by the same rules as a payment's supplier,
//! so that one firm is one supplier across payments, awards and the
//! business base.

use crate::spend::SupplierResolver;
use crate::Result;
use lumbung_domain::{Money, PostalCode, SupplierId};
use lumbung_procurement::contracts::{Award, Party, Process};
use lumbung_procurement::ocds::compile;
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// Compiles `ocid` again from every release held of it and saves the
/// compiled release, its awards, their suppliers and its tender.
pub(super) fn derive(
    tx: &Transaction<'_>,
    resolver: &mut SupplierResolver<'_>,
    ocid: &str,
) -> Result<()> {
    let releases: Vec<Map<String, Value>> = tx
        .prepare_cached("SELECT release FROM ocds_releases WHERE ocid = ?1 ORDER BY id")?
        .query_map([ocid], |r| r.get::<_, String>(0))?
        .map(|t| Ok(serde_json::from_str(&t?).expect("releases are stored as JSON objects")))
        .collect::<rusqlite::Result<_>>()?;
    let compiled = compile(ocid, &releases);
    let mut process = Process::of(&compiled);
    for award in &mut process.awards {
        for party in &mut award.suppliers {
            party.supplier = Some(supplier_of(tx, resolver, party)?);
        }
    }
    tx.prepare_cached(
        "INSERT INTO ocds_processes (ocid, buyer, date, tender_status, releases)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (ocid) DO UPDATE SET buyer = excluded.buyer,
             date = excluded.date, tender_status = excluded.tender_status, releases = excluded.releases",
    )?
    .execute(params![
        ocid,
        process.buyer,
        process.date,
        process.tender_status,
        releases.len() as i64
    ])?;
    tx.prepare_cached(
        "INSERT INTO ocds_compiled (ocid, compiled) VALUES (?1, ?2)
         ON CONFLICT (ocid) DO UPDATE SET compiled = excluded.compiled",
    )?
    .execute(params![
        ocid,
        serde_json::to_string(&compiled).expect("JSON values serialise")
    ])?;
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
    for ocid in &ocids {
        derive(tx, &mut resolver, ocid)?;
    }
    Ok(())
}

/// Every process held, typed (its tender left out), with its suppliers
/// resolved — a supplier whose party gives no postcode takes its
/// catalogue supplier's (from payments or the registers); and how many
/// releases of each are held.
pub(super) fn load(conn: &Connection) -> Result<(Vec<Process>, HashMap<String, u64>)> {
    let mut processes = Vec::new();
    let mut releases = HashMap::new();
    let mut index = HashMap::new();
    let mut stmt =
        conn.prepare("SELECT ocid, buyer, date, tender_status, releases FROM ocds_processes")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let ocid: String = r.get(0)?;
        releases.insert(ocid.clone(), r.get::<_, i64>(4)? as u64);
        index.insert(ocid.clone(), processes.len());
        processes.push(Process {
            ocid,
            buyer: r.get(1)?,
            date: r.get(2)?,
            tender_status: r.get(3)?,
            tender: Default::default(),
            awards: Vec::new(),
        });
    }
    let mut stmt = conn.prepare(
        "SELECT ocid, award_id, status, date, currency, amount FROM ocds_awards ORDER BY ocid, position",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let ocid = r.get_ref(0)?.as_str().map_err(rusqlite::Error::from)?;
        let at = index.get(ocid).copied();
        let amount: Option<i64> = r.get(5)?;
        let award = Award {
            id: r.get(1)?,
            status: r.get(2)?,
            date: r.get(3)?,
            value: amount
                .map(|a| {
                    Ok::<_, rusqlite::Error>((
                        Money::from_minor(a),
                        r.get::<_, Option<String>>(4)?.unwrap_or_default(),
                    ))
                })
                .transpose()?,
            suppliers: Vec::new(),
        };
        if let Some(i) = at {
            processes[i].awards.push(award);
        }
    }
    let mut stmt = conn.prepare(
        "SELECT a.ocid, a.award_position, a.party_key, a.name,
                coalesce(a.postcode, s.postcode, s.located_postcode), a.scale, a.identifier, a.supplier_id
         FROM ocds_award_suppliers a JOIN suppliers s ON s.id = a.supplier_id
         ORDER BY a.ocid, a.award_position, a.position",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let ocid = r.get_ref(0)?.as_str().map_err(rusqlite::Error::from)?;
        let at = index.get(ocid).copied();
        let award = r.get::<_, i64>(1)? as usize;
        let party = Party {
            key: r.get(2)?,
            name: r.get(3)?,
            postcode: r.get(4)?,
            scale: r.get(5)?,
            identifier: r.get(6)?,
            supplier: Some(SupplierId::new(r.get(7)?)),
        };
        if let Some(a) = at.and_then(|i| processes[i].awards.get_mut(award)) {
            a.suppliers.push(party);
        }
    }
    Ok((processes, releases))
}

/// The area path each postcode lies in by the postcode map (`None`: not
/// mapped), the map read once.
pub(super) fn postcode_areas<'a>(
    conn: &Connection,
    postcodes: impl IntoIterator<Item = &'a str>,
) -> Result<HashMap<String, Option<String>>> {
    let mut prefixes: HashMap<String, String> = HashMap::new();
    let mut stmt = conn.prepare(
        "SELECT p.prefix, a.path FROM postcode_prefixes p JOIN areas a ON a.code = p.area_code",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        prefixes.insert(r.get(0)?, r.get(1)?);
    }
    Ok(postcodes
        .into_iter()
        .map(|pc| {
            let path = PostalCode::parse(pc).ok().and_then(|code| {
                code.lookup_prefixes()
                    .into_iter()
                    .find_map(|p| prefixes.get(p).cloned())
            });
            (pc.to_owned(), path)
        })
        .collect())
}
