//! The supplier catalogue: list, merge, locate and split suppliers.

use crate::audit::{self, Actor};
use crate::db::{params, OptionalExtension};
use crate::{Result, Store, StoreError};
use lumbung_domain::SupplierId;
use lumbung_domain::{text, AreaCode};
use serde::Serialize;

/// A supplier as the catalogue holds it.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Supplier {
    #[schemars(with = "i64")]
    pub id: SupplierId,
    pub name: String,
    pub postcode: Option<String>,
    /// The area an analyst fixed for it (wins over the postal code).
    pub area_code: Option<String>,
    /// Why it is listed for review, if it is: in signs, not words, read
    /// the same in either language — `≈ #7 "Name" PC` (perhaps supplier
    /// 7), `"Name Ltd" = "Name Limited"` (spellings merged), `id:1001 =
    /// "Other"` (an identifier naming another), `id:1001 ≠ id:2002` (merged
    /// by name and postal code, identifiers differ), `→ #7` (merged into 7).
    pub review: Option<String>,
    /// Identifiers and name keys that lead rows to it.
    pub keys: Vec<String>,
    /// Areas of its branch sites.
    pub sites: Vec<String>,
    /// Its Companies House number, when a payment file or vendor line gave
    /// it or a register matched it.
    pub company_number: Option<String>,
    /// Which register placed it, if one did: `register` (Companies
    /// House) or `vendor` (the anchor's vendor master).
    pub located_by: Option<String>,
    /// The postal code that register gives it.
    pub located_postcode: Option<String>,
    /// Its entry there: the company number, or the vendor master's
    /// supplier number.
    pub located_ref: Option<String>,
}

/// Which suppliers a list holds: a name search, and only those listed for
/// review.
#[derive(Debug, Clone, Default)]
pub struct SupplierFilter {
    pub search: Option<String>,
    pub review_only: bool,
}

/// The orders the catalogue lists suppliers in (each its own `ORDER BY`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SupplierOrder {
    Name,
    Number,
}

impl Store {
    /// Suppliers by name; only those listed for review when `review_only`.
    pub fn suppliers(
        &self,
        search: Option<&str>,
        review_only: bool,
        limit: u32,
    ) -> Result<Vec<Supplier>> {
        let filter = SupplierFilter {
            search: search.map(str::to_owned),
            review_only,
        };
        let (ids, _) = self.supplier_ids(&filter, SupplierOrder::Name, false, Some((limit, 0)))?;
        self.suppliers_by_id(&ids)
    }

    /// The numbers of the suppliers `filter` finds, in `order` (downward
    /// when `desc`; ties by number), with their count: `window` (limit,
    /// offset) of them, or all.
    pub fn supplier_ids(
        &self,
        filter: &SupplierFilter,
        order: SupplierOrder,
        desc: bool,
        window: Option<(u32, u32)>,
    ) -> Result<(Vec<SupplierId>, u64)> {
        let conn = self.conn()?;
        let like = crate::sql::searched(&filter.search).map(crate::sql::like);
        let review = filter.review_only as i64;
        let params: [&dyn crate::db::ToSql; 2] = [&like, &review];
        let rows =
            "FROM suppliers WHERE (lower(name) LIKE lower(?1) OR ?1 IS NULL) AND (?2 = 0 OR review IS NOT NULL
               OR id IN (SELECT supplier_id FROM supplier_register_matches WHERE kind IN ('ambiguous', 'suggested')))";
        let order = match (order, desc) {
            (SupplierOrder::Name, false) => "lower(name), name, id",
            (SupplierOrder::Name, true) => "lower(name) DESC, name DESC, id DESC",
            (SupplierOrder::Number, false) => "id",
            (SupplierOrder::Number, true) => "id DESC",
        };
        let id = |r: &crate::db::Row<'_>| r.get(0).map(SupplierId::new);
        match window {
            Some(window) => crate::sql::page(&conn, ("id", rows, order), &params, window, id),
            None => {
                let sql = format!("SELECT id {rows} ORDER BY {order}");
                let ids: Vec<SupplierId> = crate::sql::all(&conn, &sql, params.as_slice(), id)?;
                let total = ids.len() as u64;
                Ok((ids, total))
            }
        }
    }

    /// The suppliers numbered `ids`, in that order, with their keys and
    /// sites (a number that names none is left out).
    pub fn suppliers_by_id(&self, ids: &[SupplierId]) -> Result<Vec<Supplier>> {
        let conn = self.conn()?;
        let mut one = conn.prepare(
            "SELECT id, name, postcode, area_code, review, company_number, located_by, located_postcode, located_ref
             FROM suppliers WHERE id = ?1",
        )?;
        let mut keys = conn.prepare(
            "SELECT kind || ':' || key FROM supplier_keys WHERE supplier_id = ?1 ORDER BY kind, key",
        )?;
        let mut sites = conn.prepare(
            "SELECT area_code FROM supplier_sites WHERE supplier_id = ?1 ORDER BY area_code",
        )?;
        let mut list = Vec::with_capacity(ids.len());
        for id in ids {
            let found = one
                .query_row([id.get()], |r| {
                    from_row!(r, Supplier {
                        id: SupplierId::new,
                        name,
                        postcode,
                        area_code,
                        review,
                        company_number,
                        located_by,
                        located_postcode,
                        located_ref,
                    }; keys: vec![], sites: vec![])
                })
                .optional()?;
            let Some(mut s) = found else { continue };
            s.keys = keys
                .query_map([id.get()], |r| r.get(0))?
                .collect::<crate::db::Result<_>>()?;
            s.sites = sites
                .query_map([id.get()], |r| r.get(0))?
                .collect::<crate::db::Result<_>>()?;
            list.push(s);
        }
        Ok(list)
    }

    /// Fixes a supplier's location to an area (or clears the fix with
    /// `None`, returning to its postal code).
    pub fn locate_supplier(
        &self,
        id: SupplierId,
        area: Option<&AreaCode>,
        actor: &Actor,
    ) -> Result<()> {
        let id = id.get();
        if let Some(code) = area {
            if self.area_path(code.as_str())?.is_none() {
                return Err(StoreError::invalid("area", super::no_area(code)));
            }
        }
        self.write(|tx| {
            let changed = tx.execute(
                "UPDATE suppliers SET area_code = ?2 WHERE id = ?1",
                params![id, area.map(AreaCode::as_str)],
            )?;
            if changed == 0 {
                return Err(super::no_supplier(id));
            }
            audit::record(
                tx,
                actor,
                "spend.supplier_locate",
                "supplier",
                &id.to_string(),
                None,
                serde_json::json!({"area_code": area.map(AreaCode::as_str)}),
            )?;
            Ok(())
        })
    }
}

impl Store {
    /// Splits a key (`id:…` or `name:…`, as `spend suppliers` lists them)
    /// off a supplier into a new supplier named `name`: rows that come with
    /// that key go to the new supplier from now on. Payments already held
    /// stay where they are (a payment does not remember which key found
    /// it); undo and re-import a file to move its payments too.
    pub fn split_supplier(
        &self,
        supplier: SupplierId,
        key: &str,
        name: &str,
        actor: &Actor,
    ) -> Result<SupplierId> {
        let supplier = supplier.get();
        let (kind, key) = key
            .split_once(':')
            .filter(|(k, _)| matches!(*k, "id" | "name"))
            .ok_or_else(|| {
                StoreError::invalid(
                    "key",
                    text!("supplier_key_form";
                        id: "kunci berbentuk id:… atau name:…, seperti yang dicantumkan `spend suppliers`",
                        en: "a key is id:… or name:…, as `spend suppliers` lists it"),
                )
            })?;
        let name = name.trim();
        if name.is_empty() {
            return Err(StoreError::invalid(
                "name",
                text!("supplier_needs_name";
                    id: "pemasok baru memerlukan nama",
                    en: "the new supplier needs a name"),
            ));
        }
        self.write(|tx| {
            let owner: Option<i64> = crate::sql::optional(
                tx,
                "SELECT supplier_id FROM supplier_keys WHERE kind = ?1 AND key = ?2",
                params![kind, key],
            )?;
            if owner != Some(supplier) {
                return Err(StoreError::invalid(
                    "key",
                    text!("supplier_has_no_key", supplier = supplier, key = format!("{kind}:{key}");
                        id: "pemasok {supplier} tidak memiliki kunci {key}",
                        en: "supplier {supplier} has no key {key}"),
                ));
            }
            let left: i64 = tx.query_row(
                "SELECT count(*) FROM supplier_keys WHERE supplier_id = ?1",
                [supplier],
                |r| r.get(0),
            )?;
            if left < 2 {
                return Err(StoreError::invalid(
                    "key",
                    text!("supplier_last_key";
                        id: "pemasok tetap memiliki paling sedikit satu kunci; tidak ada yang dapat dipisahkan",
                        en: "a supplier keeps at least one key; there is nothing to split"),
                ));
            }
            let new_id: i64 = tx.query_row(
                "INSERT INTO suppliers (name, created_at) VALUES (?1, ?2) RETURNING id",
                params![name, crate::now()], |r| r.get::<_, i64>(0),
            )?;
            tx.execute(
                "UPDATE supplier_keys SET supplier_id = ?3, decided_by = ?4 WHERE kind = ?1 AND key = ?2",
                params![kind, key, new_id, actor.label()],
            )?;
            audit::record(
                tx,
                actor,
                "spend.supplier_split",
                "supplier",
                &supplier.to_string(),
                None,
                serde_json::json!({"key": format!("{kind}:{key}"), "new_supplier": new_id, "name": name}),
            )?;
            Ok(SupplierId::new(new_id))
        })
    }
}
