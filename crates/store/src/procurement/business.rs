//! The local business base: files of businesses saved all or nothing. A
//! record updates the business it names by identifier, else by normal
//! name and postcode (the spend analysis's key); the record it replaces
//! is kept in `business_history`. Each business is an organisation of the
//! registry (the one holding its company number or NPWP when there is
//! one) and is linked to the supplier of the spend analysis it is.

use crate::audit::{self, Actor};
use crate::db::{params, OptionalExtension, Transaction};
use crate::{Result, Store, StoreError};
use lumbung_domain::{text, BusinessId, Language, Money, Scope, SupplierId};
use lumbung_procurement::business::{BusinessRecord, Form, Unreachable};
use lumbung_procurement::opportunities::{Candidate, Search};
use lumbung_spend::suppliers::name_key;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

/// What a business import changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BusinessImportSummary {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Businesses linked to a supplier of the spend analysis by this import.
    pub linked: u64,
}

/// A business's record as `businesses.record` keeps it.
pub(super) fn stored_record(json: &str) -> BusinessRecord {
    serde_json::from_str(json).expect("business records are stored as JSON")
}

/// Where and in what language a business may be written to; `None`, counted
/// in `without_consent` or `without_email`, when it may not or cannot be.
pub(super) fn reachable<'r>(
    record: &'r BusinessRecord,
    without_consent: &mut u64,
    without_email: &mut u64,
) -> Option<(&'r str, Language)> {
    match record.contact() {
        Ok(contact) => Some(contact),
        Err(Unreachable::NoConsent) => {
            *without_consent += 1;
            None
        }
        Err(Unreachable::NoEmail) => {
            *without_email += 1;
            None
        }
    }
}

impl Store {
    /// Saves the records of business files (each file's records, read
    /// whole), all or nothing; `source` says where they come from.
    pub fn import_businesses(
        &self,
        files: &[(String, Vec<BusinessRecord>)],
        source: Option<&str>,
        actor: &Actor,
    ) -> Result<BusinessImportSummary> {
        let mut conn = self.conn()?;
        crate::write_on(&mut conn, |tx| {
            let mut summary = BusinessImportSummary::default();
            for (file, records) in files {
                for r in records {
                    save(tx, file, r, source, actor, &mut summary)?;
                }
            }
            if summary.created + summary.updated > 0 {
                crate::cached::count_change(tx, BUSINESSES)?;
                audit::record(
                    tx,
                    actor,
                    "procurement.import_businesses",
                    "business",
                    &(summary.created + summary.updated).to_string(),
                    None,
                    serde_json::json!({"created": summary.created, "updated": summary.updated,
                        "unchanged": summary.unchanged, "source": source}),
                )?;
            }
            Ok(summary)
        })
    }
}

/// The business a record names: by any of its identifiers, else by its
/// name key.
fn held(tx: &Transaction<'_>, r: &BusinessRecord, key: &str) -> Result<Option<(i64, i64, String)>> {
    let mut by_id = tx.prepare(
        "SELECT b.id, b.org_id, b.record FROM business_identifiers i JOIN businesses b ON b.id = i.business_id
         WHERE i.scheme = ?1 AND i.value = ?2",
    )?;
    for id in &r.identifiers {
        let (scheme, value) = id.parts();
        if let Some(found) = by_id
            .query_row(params![scheme, value], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?))
            })
            .optional()?
        {
            return Ok(Some(found));
        }
    }
    Ok(tx
        .prepare(
            "SELECT id, org_id, record FROM businesses WHERE name_key = ?1 ORDER BY id LIMIT 1",
        )?
        .query_row([key], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .optional()?)
}

fn save(
    tx: &Transaction<'_>,
    file: &str,
    r: &BusinessRecord,
    source: Option<&str>,
    actor: &Actor,
    summary: &mut BusinessImportSummary,
) -> Result<()> {
    let key = name_key(&r.name, r.postcode.as_deref());
    let kept = serde_json::to_string(&r.kept()).expect("records serialise");
    let business = match held(tx, r, &key)? {
        Some((_, _, record)) if record == kept => {
            summary.unchanged += 1;
            return Ok(());
        }
        Some((id, org, _)) => {
            tx.execute(
                "INSERT INTO business_history (business_id, record, source, file_name, replaced_at)
                 SELECT id, record, source, ?2, ?3 FROM businesses WHERE id = ?1",
                params![id, file, crate::now()],
            )?;
            tx.execute(
                "UPDATE businesses SET name_key = ?2, record = ?3, source = ?4, updated_at = ?5 WHERE id = ?1",
                params![id, key, kept, source, crate::now()],
            )?;
            tx.execute(
                "UPDATE organisations SET name = ?2, updated_at = ?3 WHERE id = ?1",
                params![org, r.name, crate::now()],
            )?;
            summary.updated += 1;
            id
        }
        None => {
            let org = organisation(tx, r, actor)?;
            let inserted: i64 = tx.query_row(
                "INSERT INTO businesses (org_id, name_key, record, source, updated_at) VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
                params![org, key, kept, source, crate::now()], |r| r.get::<_, i64>(0),
            )?;
            summary.created += 1;
            inserted
        }
    };
    for id in &r.identifiers {
        let (scheme, value) = id.parts();
        tx.execute(
            "INSERT INTO business_identifiers (scheme, value, business_id) VALUES (?1, ?2, ?3)
             ON CONFLICT (scheme, value) DO NOTHING",
            params![scheme, value, business],
        )?;
    }
    if link(tx, business, r, &key)? {
        summary.linked += 1;
    }
    Ok(())
}

/// The registry's organisation of the business: the one holding its
/// company number or NPWP, else a new one.
fn organisation(tx: &Transaction<'_>, r: &BusinessRecord, actor: &Actor) -> Result<i64> {
    for id in &r.identifiers {
        let column = match id.parts().0 {
            "company_number" => "company_number",
            "npwp" => "npwp",
            _ => continue,
        };
        let found: Option<i64> = tx
            .query_row(
                &format!("SELECT id FROM organisations WHERE {column} = ?1"),
                [id.parts().1],
                |row| row.get(0),
            )
            .optional()?;
        if let Some(org) = found {
            return Ok(org);
        }
    }
    let org = crate::orgs::create_named(
        tx,
        actor,
        &r.name,
        r.org_kind(),
        (None, None),
        serde_json::json!({"name": r.name, "kind": r.org_kind(), "business": true}),
    )?;
    for id in &r.identifiers {
        let (scheme, value) = id.parts();
        if matches!(scheme, "company_number" | "npwp") {
            tx.execute(
                &format!("UPDATE organisations SET {scheme} = ?2 WHERE id = ?1"),
                params![org, value],
            )?;
        }
    }
    Ok(org)
}

/// Links the business to the spend analysis's supplier that is the same
/// firm (by identifier, else by name key), when it has none yet; whether
/// it did.
fn link(tx: &Transaction<'_>, business: i64, r: &BusinessRecord, key: &str) -> Result<bool> {
    let linked: Option<i64> = tx.query_row(
        "SELECT supplier_id FROM businesses WHERE id = ?1",
        [business],
        |row| row.get(0),
    )?;
    if linked.is_some() {
        return Ok(false);
    }
    let mut supplier: Option<i64> = None;
    for id in &r.identifiers {
        let value = id.parts().1;
        supplier = tx
            .query_row(
                "SELECT supplier_id FROM supplier_keys WHERE kind = 'id' AND key = ?1
                 UNION ALL SELECT id FROM suppliers WHERE company_number = ?1 LIMIT 1",
                [value],
                |row| row.get(0),
            )
            .optional()?;
        if supplier.is_some() {
            break;
        }
    }
    if supplier.is_none() {
        supplier = tx
            .query_row(
                "SELECT supplier_id FROM supplier_keys WHERE kind = 'name' AND key = ?1",
                [key],
                |row| row.get(0),
            )
            .optional()?;
    }
    match supplier {
        Some(s) => {
            tx.execute(
                "UPDATE businesses SET supplier_id = ?2 WHERE id = ?1",
                params![business, s],
            )?;
            Ok(true)
        }
        None => Ok(false),
    }
}

impl Store {
    /// The businesses `search` finds within the area whose code is `area`
    /// (else anywhere): `None` when no area has that code.
    pub fn find_businesses(
        &self,
        mut search: Search,
        area: Option<&str>,
    ) -> Result<Option<Vec<Candidate>>> {
        if let Some(code) = area {
            let Some(path) = self.area_path(code)? else {
                return Ok(None);
            };
            search.area_path = Some(path.as_str().to_owned());
        }
        let candidates = self.business_candidates()?;
        Ok(Some(search.run(&candidates).into_iter().cloned().collect()))
    }

    /// Every business of the base as a candidate for opportunities: its
    /// record, and its place in the area tree (its area code, else its
    /// postcode by the postcode map). Read again only when the base, the
    /// areas or the postcode map changed (on any server of the database):
    /// the tenders, opportunities and business pages, and the public
    /// counts, read the whole base on each view.
    pub fn business_candidates(&self) -> Result<Arc<Vec<Candidate>>> {
        let conn = self.conn()?;
        self.business_candidates
            .get(&conn, &[BUSINESSES, crate::areas::POSTCODE_MAP], || {
                read_candidates(&conn)
            })
    }
}

/// The name under which changes of the business base are counted.
const BUSINESSES: &str = "businesses";

/// [`Store::business_candidates`], read.
fn read_candidates(conn: &crate::db::Connection) -> Result<Vec<Candidate>> {
    let rows: Vec<(i64, String)> = {
        let mut stmt = conn.prepare("SELECT id, record FROM businesses ORDER BY id")?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<crate::db::Result<_>>()?;
        rows
    };
    // Each area and postcode prefix looked up once, on one connection:
    // a base of 30,000 businesses took as many lookups a page.
    let mut path_of = conn.prepare("SELECT path FROM areas WHERE code = ?1")?;
    let mut prefix_of = conn.prepare(
        "SELECT a.code, a.path FROM postcode_prefixes p JOIN areas a ON a.code = p.area_code
             WHERE p.prefix = ?1",
    )?;
    let mut paths: HashMap<String, Option<String>> = HashMap::new();
    let mut prefixes: HashMap<String, Option<(String, String)>> = HashMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for (id, record) in rows {
        let r = stored_record(&record);
        let (area, area_path) = match r.area_code.as_deref() {
            Some(code) => {
                let path = match paths.get(code) {
                    Some(path) => path.clone(),
                    None => {
                        let path: Option<String> =
                            path_of.query_row([code], |r| r.get(0)).optional()?;
                        paths.insert(code.to_owned(), path.clone());
                        path
                    }
                };
                (Some(code.to_owned()), path)
            }
            None => {
                let postcode = r.postcode.as_deref();
                let pc = postcode.and_then(|p| lumbung_domain::PostalCode::parse(p).ok());
                let mut found = None;
                for prefix in pc.iter().flat_map(|pc| pc.lookup_prefixes()) {
                    let hit = match prefixes.get(prefix) {
                        Some(hit) => hit.clone(),
                        None => {
                            let hit: Option<(String, String)> = prefix_of
                                .query_row([prefix], |r| Ok((r.get(0)?, r.get(1)?)))
                                .optional()?;
                            prefixes.insert(prefix.to_owned(), hit.clone());
                            hit
                        }
                    };
                    if hit.is_some() {
                        found = hit;
                        break;
                    }
                }
                found.map_or((None, None), |(code, path)| (Some(code), Some(path)))
            }
        };
        out.push(Candidate {
            id: BusinessId::new(id),
            name: r.name,
            form: r.form,
            size: r.size,
            area,
            area_path,
            sectors: r.sectors,
            sic: r.sic,
            kbli: r.kbli,
            cpv: r.cpv,
            consent: r.consent,
        });
    }
    Ok(out)
}

/// A business of the base as its page shows it: its record, where it is,
/// the payments the anchors made to it and the contracts awarded to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BusinessView {
    pub id: BusinessId,
    pub record: BusinessRecord,
    pub area: Option<String>,
    pub area_name: Option<String>,
    pub source: Option<String>,
    pub updated_at: String,
    /// The supplier of the spend analysis it is.
    pub supplier: Option<SupplierId>,
    /// Per anchor the viewer may see: payments and their sum.
    pub payments: Vec<PaymentsTo>,
    pub awards: Vec<AwardTo>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PaymentsTo {
    pub anchor: String,
    pub payments: u64,
    pub total: Money,
}

/// An award of a published process to the business (its part when the
/// award has several suppliers is not split here: the award as published).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AwardTo {
    pub ocid: String,
    pub buyer: Option<String>,
    pub award: Option<String>,
    pub status: Option<String>,
    pub date: String,
    pub value: Option<Money>,
    pub currency: Option<String>,
}

/// How many businesses per area and form: what the public sees.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BusinessCount {
    pub area: Option<String>,
    pub area_name: Option<String>,
    pub form: Option<Form>,
    pub businesses: u64,
}

impl Store {
    /// The business `id`, with the payments of the anchors `scope` covers.
    pub fn business(&self, id: BusinessId, scope: &Scope) -> Result<Option<BusinessView>> {
        let row: Option<(String, Option<String>, String, Option<i64>)> = self
            .conn()?
            .query_row(
                "SELECT record, source, updated_at, supplier_id FROM businesses WHERE id = ?1",
                [id.get()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        let Some((record, source, updated_at, supplier)) = row else {
            return Ok(None);
        };
        let record = stored_record(&record);
        let candidates = self.business_candidates()?;
        let area = (candidates.iter())
            .find(|c| c.id == id)
            .and_then(|c| c.area.clone());
        let area_name = match &area {
            Some(code) => self.area(code)?.map(|a| a.name),
            None => None,
        };
        let supplier = supplier.map(SupplierId::new);
        let mut payments = Vec::new();
        let mut awards = Vec::new();
        if let Some(supplier) = supplier {
            let facts = self.spend_facts_in(scope)?;
            let sums = lumbung_procurement::business::payments_to(&facts, supplier.get() as u32)
                .ok_or_else(|| {
                    StoreError::invalid(
                        "payments",
                        text!("business_payments_overflow";
                            id: "jumlah pembayaran terlalu besar", en: "the payments are too large to add up"),
                    )
                })?;
            for (anchor, (count, total)) in sums {
                let name = crate::orgs::load(&*self.conn()?, i64::from(anchor))?
                    .map(|o| o.name)
                    .unwrap_or_else(|| anchor.to_string());
                payments.push(PaymentsTo {
                    anchor: name,
                    payments: count,
                    total,
                });
            }
            awards = self.awards_to(supplier)?;
        }
        Ok(Some(BusinessView {
            id,
            record,
            area,
            area_name,
            source,
            updated_at,
            supplier,
            payments,
            awards,
        }))
    }

    /// The awards of every process that awarded to `supplier`, newest
    /// first, each once.
    pub(crate) fn awards_to(&self, supplier: SupplierId) -> Result<Vec<AwardTo>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare(
            "SELECT p.ocid, p.buyer, p.awards FROM ocds_supplier_processes s
             JOIN ocds_processes p ON p.ocid = s.ocid WHERE s.supplier_id = ?1",
        )?;
        let mut rows = stmt.query([supplier.get()])?;
        let mut out: Vec<AwardTo> = Vec::new();
        while let Some(r) = rows.next()? {
            let (ocid, buyer): (String, Option<String>) = (r.get(0)?, r.get(1)?);
            // The process's awards listed so far, each once.
            let mut listed = HashSet::new();
            let awards = super::processes::awards_of(r.get_ref(2)?.as_blob_or_null()?)?;
            for a in awards {
                if !a.suppliers.iter().any(|p| p.supplier == Some(supplier)) {
                    continue;
                }
                let (value, currency) = match a.value {
                    Some((amount, currency)) => (Some(amount), Some(currency)),
                    None => (None, None),
                };
                let seen = (a.id, a.status, a.date, value, currency);
                if listed.insert(seen.clone()) {
                    let (award, status, date, value, currency) = seen;
                    out.push(AwardTo {
                        ocid: ocid.clone(),
                        buyer: buyer.clone(),
                        award,
                        status,
                        date,
                        value,
                        currency,
                    });
                }
            }
        }
        // Stable: a process's awards stay in their order.
        out.sort_by(|a, b| b.date.cmp(&a.date).then_with(|| a.ocid.cmp(&b.ocid)));
        Ok(out)
    }

    /// How many businesses the base holds per area and form.
    pub fn business_counts(&self) -> Result<Vec<BusinessCount>> {
        let mut counts: BTreeMap<(Option<String>, Option<Form>), u64> = BTreeMap::new();
        for c in self.business_candidates()?.iter() {
            *counts.entry((c.area.clone(), c.form)).or_default() += 1;
        }
        let mut out = Vec::with_capacity(counts.len());
        for ((area, form), businesses) in counts {
            let area_name = match &area {
                Some(code) => self.area(code)?.map(|a| a.name),
                None => None,
            };
            out.push(BusinessCount {
                area,
                area_name,
                form,
                businesses,
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::areas::tests::{import, import_prefixes, prefix, rec};
    use crate::test_support::store;

    fn firms(s: &Store, csv: &str) {
        let records =
            lumbung_procurement::business::read_file("firms.csv", csv.as_bytes()).unwrap();
        s.import_businesses(&[("firms.csv".into(), records)], None, &Actor::cli())
            .unwrap();
    }

    /// The base is read once for every page until it, the areas or the
    /// postcode map change, on any server of the database.
    #[test]
    fn the_business_base_is_read_again_only_when_it_or_the_map_changes() {
        let (d, s) = store();
        import(
            &s,
            vec![
                rec(2, "LANCS", "Lancashire", None),
                rec(3, "PRESTON", "Preston", Some("LANCS")),
            ],
        )
        .unwrap();
        firms(&s, "name,postcode,sic\nPreston Roads Ltd,PR1 2HE,42110\n");
        let first = s.business_candidates().unwrap();
        assert_eq!(first.len(), 1);
        assert_eq!(first[0].area, None, "no postcode map yet");
        assert!(Arc::ptr_eq(&first, &s.business_candidates().unwrap()));
        // Another server maps the postcode, then adds a business.
        let other = d.open_again();
        import_prefixes(&other, vec![prefix(2, "PR1", "PRESTON")]).unwrap();
        let mapped = s.business_candidates().unwrap();
        assert_eq!(mapped[0].area.as_deref(), Some("PRESTON"));
        firms(&other, "name,postcode,sic\nRibble Cleaning,PR1 3AB,81210\n");
        assert_eq!(s.business_candidates().unwrap().len(), 2);
    }
}
