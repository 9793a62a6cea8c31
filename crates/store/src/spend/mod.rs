//! Spend analysis storage: settings, the supplier catalogue, imports and
//! their payment facts. Facts are kept as columnar blobs
//! ([`lumbung_spend::facts::Facts`]) in the same database, so an import's
//! facts and its catalogue row commit together, and a backup holds them.

mod facts;
mod imports;
mod publish;
mod registers;
mod resolve;
mod scoped;
mod suppliers;

pub use facts::{FlaggedRow, SkippedRow};
pub use imports::SpendFile;
pub use publish::{Publication, PublicationHead};
pub use registers::{MatchKind, RegisterImportSummary, RegisterMatch, Relocated};
pub use suppliers::{Supplier, SupplierFilter, SupplierOrder};

use resolve::Places;
pub(crate) use resolve::SupplierResolver;

use crate::audit::{self, Actor};
use crate::db::params;
use crate::{Result, Store, StoreError};
use lumbung_domain::{text, AreaCode, AreaPath, FiscalCalendar, ImportId, Money, OrgId, Scope};
use serde::Serialize;

/// Rows per stored facts blob: big enough to scan fast, small enough to
/// keep memory steady while importing.
const CHUNK_ROWS: usize = 1 << 20;

/// The name under which changes of the stored payments (`spend_facts`)
/// are counted: a server keeps them read between requests until it moves
/// ([`Store::spend_facts`]).
pub(crate) const PAYMENTS: &str = "spend_facts";
/// The supplier record of payments that name no supplier.
pub const UNNAMED_SUPPLIER: &str = "(unnamed supplier)";

/// The programme's spend settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SpendSettings {
    pub local: Option<String>,
    pub region: Option<String>,
    /// The month fiscal years start in (4 = April, the UK; 1 = January).
    pub fiscal_year_start: u8,
    /// Count a supplier as local (or regional) when it is "based or
    /// branched in" the area: its branch sites count as well as its own
    /// location (the CLES rule). Off: its own location only.
    pub count_branches: bool,
    /// The local share the anchors aim at (Preston: 5% to 10%), which
    /// what-if scenarios measure their progress against.
    pub target_local_share: Option<lumbung_domain::Share>,
}

impl SpendSettings {
    pub fn calendar(&self) -> FiscalCalendar {
        FiscalCalendar::starting(self.fiscal_year_start).unwrap_or(FiscalCalendar::UK)
    }
}

#[derive(Debug, Clone, Default, Serialize, schemars::JsonSchema)]
pub struct SpendImportSummary {
    /// The new import, or the earlier one when the same file was imported
    /// before.
    #[schemars(with = "Option<i64>")]
    pub import_id: Option<ImportId>,
    pub already_imported: bool,
    pub rows: u64,
    pub stored: u64,
    /// Rows already held (the same anchor, date, supplier and amount).
    pub skipped_duplicates: u64,
    pub flagged: u64,
    pub total: Money,
    pub anchors_created: Vec<String>,
    pub suppliers_created: u64,
    /// Suppliers that rows joined by name and postal code although their
    /// identifiers differ: listed for review.
    pub suppliers_merged: u64,
    /// New suppliers whose names look like another's (another spelling,
    /// another postal code): listed for review as perhaps the same.
    #[serde(default)]
    pub suppliers_suggested: u64,
    /// New suppliers the registers located (a vendor master, Companies
    /// House).
    #[serde(default)]
    pub suppliers_located: u64,
    /// What the reader noticed about the file (title lines and their
    /// parameters, total and footer lines skipped, encoding, …), in
    /// English here; pages show them in the reader's language.
    #[schemars(with = "Vec<String>")]
    pub notes: Vec<lumbung_domain::Text>,
    /// The file's grand total beside the sum of its payments, when it
    /// states one (a mismatch is flagged in the notes, not fatal).
    pub total_check: Option<lumbung_spend::read::TotalCheck>,
    /// Rows skipped as damaged (`--skip-bad-rows`), kept with the import.
    pub bad_rows_skipped: u64,
    /// What those rows would have held, where their amount could be read.
    pub bad_rows_amount: Money,
    /// How many of them have no readable amount.
    pub bad_rows_unreadable: u64,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct SpendImport {
    /// When the import was undone (its payments removed), if it was.
    pub undone_at: Option<String>,
    /// The anchor institutions whose payments it holds.
    pub anchors: Vec<u32>,
    #[schemars(with = "i64")]
    pub id: ImportId,
    pub file_name: String,
    pub rows_read: i64,
    pub rows_stored: i64,
    pub rows_skipped: i64,
    pub total: Money,
    pub imported_at: String,
    pub imported_by: String,
}

pub(super) use crate::words::no_area;

/// A supplier id that names no supplier.
pub(super) fn no_supplier(id: i64) -> StoreError {
    StoreError::not_found(text!("no_supplier", supplier = id;
        id: "pemasok {supplier}",
        en: "supplier {supplier}"))
}

/// Refuses a supplier id that names no supplier.
pub(crate) fn supplier_exists(tx: &crate::db::Connection, id: i64) -> Result<()> {
    match crate::sql::optional::<i64>(tx, "SELECT 1 FROM suppliers WHERE id = ?1", [id])? {
        Some(_) => Ok(()),
        None => Err(no_supplier(id)),
    }
}

/// A spend import id that names no import.
pub(super) fn no_import(id: i64) -> StoreError {
    StoreError::not_found(text!("no_spend_import", import = id;
        id: "impor belanja {import}",
        en: "spend import {import}"))
}

pub(super) fn setting(tx: &crate::db::Connection, key: &str) -> Result<Option<String>> {
    crate::sql::optional_row(
        tx,
        "SELECT value FROM settings WHERE key = ?1",
        [key],
        |r| r.get(0),
    )
}

impl Store {
    fn places(
        conn: &crate::db::Connection,
        local: Option<&AreaCode>,
        region: Option<&AreaCode>,
    ) -> Result<Places> {
        let path_of = |code: &AreaCode, field: &str| -> Result<AreaPath> {
            crate::areas::area_path_in(conn, code.as_str())?
                .ok_or_else(|| StoreError::invalid(field, no_area(code)))
        };
        Ok(Places {
            local: local.map(|c| path_of(c, "local")).transpose()?,
            region: region.map(|c| path_of(c, "region")).transpose()?,
        })
    }

    pub fn spend_settings(&self) -> Result<SpendSettings> {
        let conn = self.conn()?;
        Ok(SpendSettings {
            local: setting(&conn, "spend.local")?,
            region: setting(&conn, "spend.region")?,
            fiscal_year_start: setting(&conn, "spend.fiscal_year_start")?
                .and_then(|v| v.parse().ok())
                .unwrap_or(4),
            count_branches: setting(&conn, "spend.count_branches")?.as_deref() == Some("true"),
            target_local_share: setting(&conn, "spend.target_local_share")?
                .and_then(|v| lumbung_domain::Share::parse(&v).ok()),
        })
    }

    /// Stores the local area and region (the region must contain the local
    /// area) and the fiscal calendar.
    pub fn set_spend_settings(&self, settings: &SpendSettings, actor: &Actor) -> Result<()> {
        let paths = |code: &Option<String>, field: &str| -> Result<Option<AreaPath>> {
            match code {
                Some(c) => Ok(Some(
                    self.area_path(c)?
                        .ok_or_else(|| StoreError::invalid(field, no_area(c)))?,
                )),
                None => Ok(None),
            }
        };
        let local = paths(&settings.local, "local")?;
        let region = paths(&settings.region, "region")?;
        if let (Some(l), Some(r)) = (&local, &region) {
            if !r.contains(l) {
                return Err(StoreError::invalid(
                    "region",
                    text!("region_without_local";
                        id: "wilayah harus memuat area lokal",
                        en: "the region must contain the local area"),
                ));
            }
        }
        FiscalCalendar::starting(settings.fiscal_year_start).map_err(|_| {
            StoreError::invalid(
                "fiscal_year_start",
                text!("fiscal_year_start_month", month = settings.fiscal_year_start;
                        id: "tahun anggaran dimulai pada bulan 1–12, bukan {month}",
                        en: "fiscal years start in a month 1–12, not {month}"),
            )
        })?;
        self.write(|tx| {
            for (key, value) in [
                ("spend.local", settings.local.clone()),
                ("spend.region", settings.region.clone()),
                (
                    "spend.fiscal_year_start",
                    Some(settings.fiscal_year_start.to_string()),
                ),
                (
                    "spend.count_branches",
                    Some(settings.count_branches.to_string()),
                ),
                (
                    "spend.target_local_share",
                    settings.target_local_share.map(|s| s.to_string()),
                ),
            ] {
                match value {
                    Some(v) => tx.execute(
                        "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                        params![key, v],
                    )?,
                    None => tx.execute("DELETE FROM settings WHERE key = ?1", [key])?,
                };
            }
            audit::record(
                tx,
                actor,
                "spend.settings",
                "settings",
                "spend",
                None,
                serde_json::json!(settings),
            )?;
            Ok(())
        })
    }

    /// An anchor's own fiscal year start month, if it has one, beside the
    /// spend settings' (which it follows otherwise).
    pub fn anchor_fiscal_year_start(&self, anchor: OrgId) -> Result<(Option<u8>, u8)> {
        let settings = self.spend_settings()?.fiscal_year_start;
        let conn = self.conn()?;
        let own: Option<Option<u8>> = crate::sql::optional(
            &conn,
            "SELECT fiscal_year_start FROM organisations WHERE id = ?1 AND kind = 'anchor'",
            [anchor.get()],
        )?;
        match own {
            Some(own) => Ok((own, settings)),
            None => Err(StoreError::NotFound(
                text!("anchor_numbered", id = anchor.get();
                id: "lembaga jangkar {id}", en: "anchor {id}"),
            )),
        }
    }

    /// Gives an anchor its own fiscal calendar (`None`: the spend
    /// settings' again) and moves its dated payments to their years in
    /// it; returns how many payments moved.
    pub fn set_anchor_fiscal_year_start(
        &self,
        anchor: OrgId,
        month: Option<u8>,
        actor: &Actor,
    ) -> Result<u64> {
        let calendar = match month {
            Some(m) => FiscalCalendar::starting(m).map_err(|_| {
                StoreError::invalid(
                    "fiscal_year_start",
                    text!("fiscal_year_start_month", month = m;
                        id: "tahun anggaran dimulai pada bulan 1–12, bukan {month}",
                        en: "fiscal years start in a month 1–12, not {month}"),
                )
            })?,
            None => self.spend_settings()?.calendar(),
        };
        self.write(|tx| {
            let changed = tx.execute(
                "UPDATE organisations SET fiscal_year_start = ?2 WHERE id = ?1 AND kind = 'anchor'",
                params![anchor.get(), month],
            )?;
            if changed == 0 {
                return Err(StoreError::NotFound(text!("anchor_numbered", id = anchor.get();
                    id: "lembaga jangkar {id}", en: "anchor {id}")));
            }
            let id = anchor.get() as u32;
            let chunks: Vec<(i64, i64, Vec<u8>)> = crate::sql::all(
                tx,
                "SELECT f.import_id, f.chunk, f.data FROM spend_facts f JOIN spend_imports i ON i.id = f.import_id
                 WHERE i.undone_at IS NULL",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?;
            let mut moved = 0u64;
            for (import, chunk, data) in chunks {
                let mut facts = lumbung_spend::facts::Facts::decode(&data)
                    .map_err(|m| StoreError::invalid("spend_facts", m))?;
                let n = facts.reyear(|a| (a == id).then_some(calendar));
                if n > 0 {
                    tx.execute(
                        "UPDATE spend_facts SET data = ?3 WHERE import_id = ?1 AND chunk = ?2",
                        params![import, chunk, facts.encode()],
                    )?;
                    moved += n as u64;
                }
            }
            crate::cached::count_change(tx, PAYMENTS)?;
            audit::record(
                tx,
                actor,
                "spend.anchor_calendar",
                "organisation",
                &anchor.get().to_string(),
                None,
                serde_json::json!({"fiscal_year_start": month, "payments_moved": moved}),
            )?;
            Ok(moved)
        })
    }

    /// The anchors `scope` covers: those placed inside an area scope's
    /// area, or an organisation scope's organisation and those under it
    /// (with no area, or one inside the organisation's). `None` for the
    /// whole system: every anchor, even one no longer catalogued.
    pub fn spend_anchors_in(
        &self,
        scope: &Scope,
    ) -> Result<Option<std::collections::HashSet<lumbung_domain::AnchorId>>> {
        let conn = self.conn()?;
        let ids = match scope {
            Scope::Global => return Ok(None),
            Scope::Area { path, .. } => conn
                .prepare(
                    "SELECT o.id FROM organisations o JOIN areas a ON a.code = o.area_code
                     WHERE o.kind = 'anchor' AND a.path >= ?1 AND a.path < ?2",
                )?
                .query_map(params![path.as_str(), path.subtree_end()], |r| r.get(0))?
                .collect::<crate::db::Result<Vec<i64>>>()?,
            Scope::Org { id, area } => conn
                .prepare(
                    "WITH RECURSIVE down(id) AS (
                         SELECT id FROM organisations WHERE id = ?1
                         UNION SELECT o.id FROM organisations o JOIN down ON o.parent_id = down.id)
                     SELECT o.id FROM down JOIN organisations o ON o.id = down.id
                     LEFT JOIN areas a ON a.code = o.area_code
                     WHERE o.kind = 'anchor'
                       AND (a.path IS NULL OR (a.path >= ?2 AND a.path < ?3))",
                )?
                .query_map(
                    params![
                        id,
                        area.as_ref().map(AreaPath::as_str),
                        area.as_ref().map(AreaPath::subtree_end)
                    ],
                    |r| r.get(0),
                )?
                .collect::<crate::db::Result<Vec<i64>>>()?,
        };
        Ok(Some(
            ids.into_iter().map(lumbung_domain::AnchorId::new).collect(),
        ))
    }

    /// The imports `scope` may see and undo: those whose every anchor it
    /// covers (see [`Store::spend_anchors_in`]); all for the whole system.
    pub fn spend_imports_in(&self, scope: &Scope) -> Result<Vec<SpendImport>> {
        let imports = self.spend_imports()?;
        let Some(allowed) = self.spend_anchors_in(scope)? else {
            return Ok(imports);
        };
        Ok(imports
            .into_iter()
            .filter(|i| {
                i.anchors
                    .iter()
                    .all(|&a| allowed.contains(&lumbung_domain::AnchorId::new(i64::from(a))))
            })
            .collect())
    }
}
