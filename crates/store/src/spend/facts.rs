//! Reading the stored payments: facts, the report's dimensions, where
//! suppliers are, and the rows flagged for review.

use super::resolve::*;
use super::*;
use crate::audit::{self, Actor};
use crate::db::{params, OptionalExtension};
use crate::{Result, Store, StoreError};
use lumbung_domain::{AreaCode, FiscalCalendar, PostalCode};
use lumbung_domain::{ImportId, SupplierId};
use lumbung_spend::facts::Facts;
use lumbung_spend::facts::NO_SECTOR;
use lumbung_spend::report::{winning_location, Dimensions, LocatedBy, Location};
use lumbung_spend::sectors;
use lumbung_spend::suppliers::name_key;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;

impl Store {
    /// Every stored payment, as columnar chunks: read again only when the
    /// payments changed since (on any server of the database), and shared
    /// by every request meanwhile.
    pub fn spend_facts(&self) -> Result<Arc<Vec<Facts>>> {
        let conn = self.conn()?;
        self.spend_facts
            .get(&conn, &[super::PAYMENTS], || load_facts(&conn, None))
    }

    /// Names and locations for a report: each supplier's location from the
    /// analyst's fixed area or its postal code through the postcode map,
    /// against the given local area and region. Without either, every
    /// location is unknown.
    pub fn spend_dimensions(
        &self,
        local: Option<&AreaCode>,
        region: Option<&AreaCode>,
        calendar: FiscalCalendar,
    ) -> Result<Dimensions> {
        let conn = self.conn()?;
        let places = Self::places(&conn, local, region)?;
        let prefixes = self.postcode_paths(&conn)?;
        let classify = |path: &str| places.classify(path);
        let mut supplier_location = vec![Location::Unknown];
        let mut supplier_name = vec![String::new()];
        let mut supplier_source = vec![None];
        let mut supplier_sector = vec![NO_SECTOR];
        let mut supplier_sme = vec![None];
        {
            // A "postal code" that is no mapped postcode may be an area code
            // (Indonesian files give "Kode Wilayah").
            let mut area_path = conn.prepare("SELECT path FROM areas WHERE code = ?1")?;
            let mut stmt = conn.prepare(
                "SELECT s.id, s.name, s.postcode, a.path, s.located_by, s.located_postcode, s.located_sector, s.located_sme
                 FROM suppliers s LEFT JOIN areas a ON a.code = s.area_code ORDER BY s.id",
            )?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let id: i64 = r.get(0)?;
                let idx = id as usize;
                if supplier_location.len() <= idx {
                    supplier_location.resize(idx + 1, Location::Unknown);
                    supplier_name.resize(idx + 1, String::new());
                    supplier_source.resize(idx + 1, None);
                    supplier_sector.resize(idx + 1, NO_SECTOR);
                    supplier_sme.resize(idx + 1, None);
                }
                supplier_name[idx] = r.get(1)?;
                let postcode: Option<String> = r.get(2)?;
                let fixed: Option<String> = r.get(3)?;
                let register: Option<String> = r.get(4)?;
                let registered: Option<String> = r.get(5)?;
                supplier_sector[idx] = r.get::<_, Option<u32>>(6)?.unwrap_or(NO_SECTOR);
                supplier_sme[idx] = r.get(7)?;
                let mut path_of = |postcode: Option<&str>| {
                    PostalCode::parse(postcode?)
                        .ok()
                        .and_then(|pc| {
                            pc.lookup_prefixes()
                                .into_iter()
                                .find_map(|p| prefixes.get(p).cloned())
                        })
                        .or_else(|| {
                            area_path
                                .query_row([postcode?], |r| r.get::<_, String>(0))
                                .optional()
                                .ok()
                                .flatten()
                        })
                };
                let register = register
                    .as_deref()
                    .and_then(LocatedBy::of_register)
                    .and_then(|by| Some((by, path_of(registered.as_deref())?)));
                let found = winning_location(fixed, path_of(postcode.as_deref()), register);
                if let Some((path, by)) = found {
                    supplier_location[idx] = classify(&path);
                    supplier_source[idx] = Some(by);
                }
            }
        }
        if setting(&conn, "spend.count_branches")?.as_deref() == Some("true") {
            // "Based or branched in": the best of its own location and its sites.
            let rank = |l: Location| match l {
                Location::Local => 0,
                Location::Regional => 1,
                Location::Outside => 2,
                Location::Unknown => 3,
            };
            let mut stmt = conn.prepare(
                "SELECT s.supplier_id, a.path FROM supplier_sites s JOIN areas a ON a.code = s.area_code",
            )?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let idx = r.get::<_, i64>(0)? as usize;
                let site = classify(&r.get::<_, String>(1)?);
                if let Some(own) = supplier_location.get_mut(idx) {
                    if rank(site) < rank(*own) {
                        *own = site;
                        // Sites are recorded by an analyst.
                        supplier_source[idx] = Some(LocatedBy::Manual);
                    }
                }
            }
        }
        let mut anchors = HashMap::new();
        let mut anchor_calendar = HashMap::new();
        {
            let mut stmt = conn.prepare(
                "SELECT id, name, fiscal_year_start FROM organisations WHERE kind = 'anchor'",
            )?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let id = r.get::<_, i64>(0)? as u32;
                anchors.insert(id, r.get::<_, String>(1)?);
                if let Some(own) = r
                    .get::<_, Option<u8>>(2)?
                    .and_then(|m| FiscalCalendar::starting(m).ok())
                {
                    anchor_calendar.insert(id, own);
                }
            }
        }
        let sectors = {
            let mut stmt = conn.prepare("SELECT id, code FROM sectors")?;
            let prefer = sectors::list_for(calendar.start_month());
            let rows = stmt.query_map([], |r| {
                let code: String = r.get(1)?;
                let name = sectors::label(&code, prefer);
                Ok((r.get::<_, i64>(0)? as u32, (code, name)))
            })?;
            rows.collect::<crate::db::Result<_>>()?
        };
        Ok(Dimensions {
            calendar,
            anchor_calendar,
            anchors,
            supplier_location,
            supplier_name,
            sectors,
            supplier_source,
            supplier_sector,
            supplier_sme,
        })
    }
}

impl Store {
    /// Records (or with `remove`, forgets) a branch site of a supplier.
    pub fn supplier_site(
        &self,
        supplier: SupplierId,
        area: &AreaCode,
        remove: bool,
        actor: &Actor,
    ) -> Result<()> {
        let supplier = supplier.get();
        if self.area_path(area.as_str())?.is_none() {
            return Err(StoreError::invalid("area", super::no_area(area)));
        }
        self.write(|tx| {
            super::supplier_exists(tx, supplier)?;
            if remove {
                tx.execute(
                    "DELETE FROM supplier_sites WHERE supplier_id = ?1 AND area_code = ?2",
                    params![supplier, area.as_str()],
                )?;
            } else {
                tx.execute(
                    "INSERT INTO supplier_sites (supplier_id, area_code) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                    params![supplier, area.as_str()],
                )?;
            }
            audit::record(
                tx,
                actor,
                if remove {
                    "spend.site_remove"
                } else {
                    "spend.site_add"
                },
                "supplier",
                &supplier.to_string(),
                None,
                serde_json::json!({"area_code": area.as_str()}),
            )?;
            Ok(())
        })
    }
}

/// What a report straight from a file needs from the database: where each
/// postcode prefix lies, and the analysts' decisions about suppliers.
pub struct SpendLocator {
    /// Postcode prefix → location.
    pub prefixes: HashMap<String, Location>,
    /// Supplier key (`id:…` or `name:<normal name>|<postcode>`) → the
    /// location an analyst fixed for that supplier.
    pub fixed: HashMap<String, Location>,
    /// Area code → location, for files that give an area code where a
    /// postal code would be.
    pub areas: HashMap<String, Location>,
}

impl SpendLocator {
    /// Locations for a file's suppliers: an analyst's fixed location when
    /// the supplier is known by its identifier or name and postcode, else
    /// its postcode through the prefix map.
    pub fn locate(&self, suppliers: &[lumbung_spend::fast::FileSupplier]) -> Vec<Location> {
        let by_postcode =
            lumbung_spend::fast::classify_suppliers(suppliers, &|p| self.prefixes.get(p).copied());
        let by_postcode: Vec<Location> = suppliers
            .iter()
            .zip(by_postcode)
            .map(|(s, l)| match (l, s.postcode.as_deref()) {
                (Location::Unknown, Some(code)) => {
                    self.areas.get(code.trim()).copied().unwrap_or(l)
                }
                _ => l,
            })
            .collect();
        if self.fixed.is_empty() {
            return by_postcode;
        }
        suppliers
            .iter()
            .zip(by_postcode)
            .map(|(s, l)| {
                let id =
                    s.id.as_deref()
                        .and_then(|id| self.fixed.get(&format!("id:{}", id.trim())));
                let name = || {
                    let pc = s
                        .postcode
                        .as_deref()
                        .and_then(|pc| PostalCode::parse(pc).ok());
                    let key = name_key(&s.name, pc.as_ref().map(PostalCode::as_str));
                    self.fixed.get(&format!("name:{key}"))
                };
                id.or_else(name).copied().unwrap_or(l)
            })
            .collect()
    }
}

impl Store {
    pub fn spend_locator(
        &self,
        local: Option<&AreaCode>,
        region: Option<&AreaCode>,
    ) -> Result<SpendLocator> {
        let conn = self.conn()?;
        let places = Self::places(&conn, local, region)?;
        let classify = |path: String| places.classify(&path);
        let prefixes = self
            .postcode_paths(&conn)?
            .iter()
            .map(|(prefix, path)| (prefix.clone(), places.classify(path)))
            .collect();
        let mut fixed = HashMap::new();
        let mut stmt = conn.prepare(
            "SELECT k.kind || ':' || k.key, a.path FROM supplier_keys k
             JOIN suppliers s ON s.id = k.supplier_id JOIN areas a ON a.code = s.area_code",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            fixed.insert(r.get::<_, String>(0)?, classify(r.get(1)?));
        }
        let mut areas = HashMap::new();
        if places.local.is_some() || places.region.is_some() {
            let mut stmt = conn.prepare("SELECT code, path FROM areas")?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                areas.insert(r.get::<_, String>(0)?, classify(r.get(1)?));
            }
        }
        Ok(SpendLocator {
            prefixes,
            fixed,
            areas,
        })
    }
}

/// A row an import flagged for a person to look at.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct FlaggedRow {
    #[schemars(with = "i64")]
    pub import_id: ImportId,
    pub file_name: String,
    pub line: i64,
    pub message: String,
}

/// A row an import skipped as damaged (`--skip-bad-rows`), as read.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct SkippedRow {
    pub line: i64,
    pub text: String,
    /// The amount, where it could be read.
    pub amount: Option<Money>,
    pub reason: String,
    /// The reason in Indonesian.
    pub reason_id: String,
}

impl Store {
    /// The rows one import skipped as damaged, by line: the first `limit`
    /// of them, or all.
    pub fn spend_bad_rows(
        &self,
        import_id: ImportId,
        limit: Option<u32>,
    ) -> Result<Vec<SkippedRow>> {
        let conn = self.conn()?;
        crate::sql::all(
            &conn,
            "SELECT line, text, amount, reason, reason_id FROM spend_bad_rows WHERE import_id = ?1 ORDER BY line LIMIT ?2",
            params![import_id.get(), limit.map_or(i64::MAX, i64::from)],
            |r| {
                from_row!(
                    r,
                    SkippedRow {
                        line,
                        text,
                        amount: |v: Option<i64>| v.map(Money::from_minor),
                        reason,
                        reason_id,
                    }
                )
            },
        )
    }

    /// The rows flagged for review, of one import or all, by file and line.
    pub fn spend_flagged(
        &self,
        import_id: Option<ImportId>,
        limit: u32,
    ) -> Result<Vec<FlaggedRow>> {
        let import_id = import_id.map(ImportId::get);
        let conn = self.conn()?;
        crate::sql::all(
            &conn,
            "SELECT f.import_id, i.file_name, f.line, f.message FROM spend_flags f
             JOIN spend_imports i ON i.id = f.import_id
             WHERE f.import_id = ?1 OR ?1 IS NULL ORDER BY f.import_id, f.line LIMIT ?2",
            params![import_id, limit],
            |r| {
                from_row!(
                    r,
                    FlaggedRow {
                        import_id: ImportId::new,
                        file_name,
                        line,
                        message
                    }
                )
            },
        )
    }
}
