//! Spend analysis storage: settings, the supplier catalogue, imports and
//! their payment facts. Facts are kept as columnar blobs
//! ([`lumbung_spend::facts::Facts`]) in the same database, so an import's
//! facts and its catalogue row commit together, and a backup holds them.

use crate::audit::{self, Actor};
use crate::orgs::{self, OrgRef};
use crate::{Result, Store, StoreError};
use lumbung_domain::{AreaCode, AreaPath, FiscalCalendar, Money, OrgKind, PostalCode, Scope};
use lumbung_spend::facts::{day_number, flag, payment_key, Facts, NO_DATE, NO_SECTOR};
use lumbung_spend::prepare::Payment;
use lumbung_spend::report::{Dimensions, Location};
use lumbung_spend::sectors;
use lumbung_spend::suppliers::{name_key, normalise_name};
use rusqlite::{params, OptionalExtension, Transaction, TransactionBehavior};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// Rows per stored facts blob: big enough to scan fast, small enough to
/// keep memory steady while importing.
const CHUNK_ROWS: usize = 1 << 20;
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
}

impl SpendSettings {
    pub fn calendar(&self) -> FiscalCalendar {
        FiscalCalendar::starting(self.fiscal_year_start).unwrap_or(FiscalCalendar::UK)
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct SpendImportSummary {
    /// The new import, or the earlier one when the same file was imported
    /// before.
    pub import_id: Option<i64>,
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
}

#[derive(Debug, Clone, Serialize)]
pub struct SpendImport {
    /// When the import was undone (its payments removed), if it was.
    pub undone_at: Option<String>,
    /// The anchor institutions whose payments it holds.
    pub anchors: Vec<u32>,
    pub id: i64,
    pub file_name: String,
    pub rows_read: i64,
    pub rows_stored: i64,
    pub rows_skipped: i64,
    pub total: Money,
    pub imported_at: String,
    pub imported_by: String,
}

fn setting(tx: &rusqlite::Connection, key: &str) -> Result<Option<String>> {
    Ok(tx
        .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
            r.get(0)
        })
        .optional()?)
}

/// Finds or creates suppliers for rows, within one import's transaction.
struct SupplierResolver<'a> {
    tx: &'a Transaction<'a>,
    cache: HashMap<(&'static str, String), i64>,
    created: u64,
    merged: HashSet<i64>,
    /// Display names already read, by supplier.
    names: HashMap<i64, String>,
}

impl<'a> SupplierResolver<'a> {
    fn lookup(&mut self, kind: &'static str, key: &str) -> Result<Option<i64>> {
        if let Some(id) = self.cache.get(&(kind, key.to_owned())) {
            return Ok(Some(*id));
        }
        let id: Option<i64> = self
            .tx
            .prepare_cached("SELECT supplier_id FROM supplier_keys WHERE kind = ?1 AND key = ?2")?
            .query_row(params![kind, key], |r| r.get(0))
            .optional()?;
        if let Some(id) = id {
            self.cache.insert((kind, key.to_owned()), id);
        }
        Ok(id)
    }

    fn add_key(&mut self, kind: &'static str, key: &str, supplier: i64) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT OR IGNORE INTO supplier_keys (kind, key, supplier_id) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![kind, key, supplier])?;
        self.cache.insert((kind, key.to_owned()), supplier);
        Ok(())
    }

    fn display_name(&mut self, supplier: i64) -> Result<String> {
        if let Some(name) = self.names.get(&supplier) {
            return Ok(name.clone());
        }
        let name: String = self
            .tx
            .prepare_cached("SELECT name FROM suppliers WHERE id = ?1")?
            .query_row([supplier], |r| r.get(0))?;
        self.names.insert(supplier, name.clone());
        Ok(name)
    }

    /// Lists a supplier for review (once per import) with the reason.
    fn review(&mut self, supplier: i64, reason: String) -> Result<()> {
        if self.merged.insert(supplier) {
            self.tx
                .prepare_cached("UPDATE suppliers SET review = ?2 WHERE id = ?1")?
                .execute(params![supplier, reason])?;
        }
        Ok(())
    }

    /// The rule: the same identifier is the same supplier; otherwise the
    /// same normalised name and postal code is, and when identifiers
    /// differ that merge is listed for review.
    fn resolve(
        &mut self,
        supplier_id: Option<&str>,
        name: Option<&str>,
        postcode: Option<&str>,
    ) -> Result<i64> {
        let id_key = supplier_id.map(str::trim).filter(|s| !s.is_empty());
        // A row with an identifier but no name is that identifier's
        // supplier, not the one "unnamed supplier" of nameless rows.
        let unnamed_with_id;
        let name = match (name, id_key) {
            (Some(n), _) => n,
            (None, Some(id)) => {
                unnamed_with_id = format!("{UNNAMED_SUPPLIER} {id}");
                &unnamed_with_id
            }
            (None, None) => UNNAMED_SUPPLIER,
        };
        let postcode = postcode
            .and_then(|pc| PostalCode::parse(pc).ok())
            .map(|pc| pc.as_str().to_owned());
        let nkey = name_key(name, postcode.as_deref());
        if let Some(idk) = id_key {
            if let Some(s) = self.lookup("id", idk)? {
                if self.lookup("name", &nkey)?.is_none() {
                    self.add_key("name", &nkey, s)?;
                    // The same identifier with another name: one supplier
                    // by the rule, but perhaps two anchors' vendor numbers
                    // that collide — a person should look.
                    let known = self.display_name(s)?;
                    if normalise_name(&known) != normalise_name(name) {
                        self.review(s, format!("identifier {idk} also names {name:?}"))?;
                    }
                }
                return Ok(s);
            }
        }
        if let Some(s) = self.lookup("name", &nkey)? {
            // Another spelling of the same normal name and postal code:
            // merged, and listed for review.
            let known = self.display_name(s)?;
            if known != name.trim() {
                self.review(
                    s,
                    format!("spellings merged: {known:?} and {:?}", name.trim()),
                )?;
            }
            if let Some(idk) = id_key {
                let has_other_id: bool = self
                    .tx
                    .query_row(
                        "SELECT 1 FROM supplier_keys WHERE supplier_id = ?1 AND kind = 'id' LIMIT 1",
                        [s],
                        |_| Ok(true),
                    )
                    .optional()?
                    .unwrap_or(false);
                self.add_key("id", idk, s)?;
                if has_other_id {
                    self.review(
                        s,
                        format!("merged by name and postal code; identifiers differ (e.g. {idk})"),
                    )?;
                }
            }
            return Ok(s);
        }
        self.tx
            .prepare_cached(
                "INSERT INTO suppliers (name, postcode, created_at) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![name, postcode, crate::now()])?;
        let s = self.tx.last_insert_rowid();
        self.created += 1;
        self.add_key("name", &nkey, s)?;
        if let Some(idk) = id_key {
            self.add_key("id", idk, s)?;
        }
        Ok(s)
    }
}

fn load_facts(conn: &rusqlite::Connection, import_ids: Option<&[i64]>) -> Result<Vec<Facts>> {
    let mut stmt =
        conn.prepare("SELECT import_id, data FROM spend_facts ORDER BY import_id, chunk")?;
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let import: i64 = r.get(0)?;
        if import_ids.is_some_and(|ids| !ids.contains(&import)) {
            continue;
        }
        let blob: Vec<u8> = r.get(1)?;
        out.push(Facts::decode(&blob).map_err(|e| StoreError::invalid("spend_facts", e))?);
    }
    Ok(out)
}

/// The summary of a file imported before (same SHA-256, not undone):
/// nothing changes.
fn already_imported(
    tx: &Transaction<'_>,
    sha256: &str,
    rows: u64,
) -> Result<Option<SpendImportSummary>> {
    let earlier: Option<i64> = tx
        .query_row(
            "SELECT id FROM spend_imports WHERE sha256 = ?1 AND undone_at IS NULL",
            [sha256],
            |r| r.get(0),
        )
        .optional()?;
    Ok(earlier.map(|id| SpendImportSummary {
        import_id: Some(id),
        already_imported: true,
        rows,
        skipped_duplicates: rows,
        ..Default::default()
    }))
}

/// The programme's local area and region, to place areas by.
struct Places {
    local: Option<AreaPath>,
    region: Option<AreaPath>,
}

impl Places {
    /// Where an area (by its stored path) lies; without a local area and
    /// region every location is unknown.
    fn classify(&self, path: &str) -> Location {
        let path = AreaPath::from_stored(path.to_owned());
        if self.local.as_ref().is_some_and(|l| l.contains(&path)) {
            Location::Local
        } else if self.region.as_ref().is_some_and(|r| r.contains(&path)) {
            Location::Regional
        } else if self.local.is_none() && self.region.is_none() {
            Location::Unknown
        } else {
            Location::Outside
        }
    }
}

/// The anchor institution a name gives, resolved among the anchors the
/// importer's `reach` covers (names are not unique: one that fits several
/// is refused with their ids); when there is none, a new one placed inside
/// the reach (an area scope's area; none for the whole system), listed in
/// the summary. An organisation-scoped importer has no area to place one
/// in, so it cannot create anchors.
fn anchor_or_create(
    tx: &Transaction<'_>,
    reach: &Scope,
    name: &str,
    file: &str,
    actor: &Actor,
    summary: &mut SpendImportSummary,
) -> Result<u32> {
    let name = name.trim();
    let r = OrgRef::Name(name.to_owned());
    if let Some(org) = orgs::one_within(orgs::named(tx, OrgKind::Anchor, &r)?, reach, "anchor", &r)?
    {
        return Ok(org.id as u32);
    }
    // Names are public, and an anchor of the same name beside an existing
    // one would make that name ambiguous for everyone who imports by it.
    let elsewhere = orgs::named(tx, OrgKind::Anchor, &r)?;
    if !elsewhere.is_empty() {
        let ids: Vec<String> = elsewhere.iter().map(|o| o.id.to_string()).collect();
        return Err(StoreError::invalid(
            "anchor",
            format!(
                "the anchor institution {name:?} (id {}) is outside your scope: an analyst whose scope covers it imports its files",
                ids.join(", ")
            ),
        ));
    }
    let area = match reach {
        Scope::Global => None,
        Scope::Area { code, .. } => Some(code),
        Scope::Org { .. } => {
            return Err(StoreError::invalid(
                "anchor",
                format!(
                    "no anchor institution named {name:?} within your scope, and an organisation's analyst cannot create one"
                ),
            ))
        }
    };
    let now = crate::now();
    tx.execute(
        "INSERT INTO organisations (name, kind, area_code, attributes, created_at, updated_at) VALUES (?1, ?2, ?3, '{}', ?4, ?4)",
        params![name, OrgKind::Anchor.as_str(), area.map(AreaCode::as_str), now],
    )?;
    let id = tx.last_insert_rowid();
    audit::record(
        tx,
        actor,
        "org.create",
        "organisation",
        &id.to_string(),
        None,
        serde_json::json!({"name": name, "kind": "anchor", "file": file}),
    )?;
    summary.anchors_created.push(name.to_owned());
    Ok(id as u32)
}

/// The anchor a whole file names (by id or name) within `reach`: its id
/// when it exists, and the name its rows take. An id outside the reach is
/// not found; a name not found is created on import.
fn file_anchor(
    conn: &rusqlite::Connection,
    reach: &Scope,
    r: &OrgRef,
) -> Result<(Option<i64>, String)> {
    match orgs::one_within(orgs::named(conn, OrgKind::Anchor, r)?, reach, "anchor", r)? {
        Some(org) => Ok((Some(org.id), org.name)),
        None => match r {
            OrgRef::Id(id) => Err(StoreError::invalid(
                "anchor_id",
                format!("no anchor institution {id} within your scope"),
            )),
            OrgRef::Name(name) | OrgRef::NameOrId(name) => Ok((None, name.trim().to_owned())),
        },
    }
}

/// An anchor refused for one row becomes that row's error.
fn at_line(e: StoreError, file: &str, line: u64) -> StoreError {
    match e {
        StoreError::Invalid { field, message } => StoreError::Rejected(lumbung_domain::Rejected {
            file: file.to_owned(),
            errors: vec![lumbung_domain::RowError::new(line, Some(&field), message)],
        }),
        other => other,
    }
}

/// The id of a sector code (or text), added when new; empty is none.
fn sector_id(tx: &Transaction<'_>, code: &str, cache: &mut HashMap<String, u32>) -> Result<u32> {
    let code = code.trim();
    if code.is_empty() {
        return Ok(NO_SECTOR);
    }
    // Free text differs in case from file to file ("Catering", "catering"):
    // one sector.
    let key = code.to_lowercase();
    if let Some(id) = cache.get(&key) {
        return Ok(*id);
    }
    let found: Option<i64> = tx
        .query_row(
            "SELECT id FROM sectors WHERE lower(code) = ?1 ORDER BY id LIMIT 1",
            [&key],
            |r| r.get(0),
        )
        .optional()?;
    let id = match found {
        Some(id) => id,
        None => {
            tx.execute("INSERT INTO sectors (code) VALUES (?1)", [code])?;
            tx.last_insert_rowid()
        }
    };
    cache.insert(key, id as u32);
    Ok(id as u32)
}

/// The end of every import: leave out payments already held (the k-th row
/// with a given anchor, date, supplier and amount is held when the store
/// has at least k such payments), then store the rest as one import with
/// its facts, flagged rows and audit entry, and commit. `flag_of` gives
/// the line and reason of a row (by its index over all segments) that a
/// person should review.
#[allow(clippy::too_many_arguments)]
fn store_facts(
    tx: Transaction<'_>,
    file: &str,
    sha256: &str,
    mapping: &serde_json::Value,
    actor: &Actor,
    segments: Vec<Facts>,
    anchor_ids: &HashSet<u32>,
    flag_of: &dyn Fn(usize) -> Option<(u64, String)>,
    summary: &mut SpendImportSummary,
) -> Result<()> {
    type Key = (u32, i32, u32, i64);
    let key_of =
        |f: &Facts, i: usize| -> Key { (f.anchor[i], f.date[i], f.supplier[i], f.amount[i]) };
    let candidate_imports: Vec<i64> = {
        let mut stmt =
            tx.prepare("SELECT id, anchors FROM spend_imports WHERE undone_at IS NULL")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
        let mut ids = Vec::new();
        for row in rows {
            let (id, list) = row?;
            let held: Vec<u32> = serde_json::from_str(&list).unwrap_or_default();
            if held.iter().any(|a| anchor_ids.contains(a)) {
                ids.push(id);
            }
        }
        ids
    };
    // Only imports of the same anchors can hold the same payments; with
    // none, every row is new and the counting is skipped.
    let (kept, kept_rows): (Vec<Facts>, Vec<usize>) = if candidate_imports.is_empty() {
        let total: usize = segments.iter().map(Facts::len).sum();
        (segments, (0..total).collect())
    } else {
        let wanted: HashSet<Key> = segments
            .iter()
            .flat_map(|f| (0..f.len()).map(move |i| key_of(f, i)))
            .collect();
        let wanted_ids: HashSet<(u32, u64)> = segments
            .iter()
            .flat_map(|f| {
                f.payment
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| **p != 0)
                    .map(move |(i, p)| (f.anchor[i], *p))
            })
            .collect();
        let mut held: HashMap<Key, u32> = HashMap::new();
        let mut held_ids: HashSet<(u32, u64)> = HashSet::new();
        for f in load_facts(&tx, Some(&candidate_imports))? {
            for i in 0..f.len() {
                let k = key_of(&f, i);
                if wanted.contains(&k) {
                    *held.entry(k).or_default() += 1;
                }
                if let Some(p) = f.payment.get(i).filter(|p| **p != 0) {
                    if wanted_ids.contains(&(f.anchor[i], *p)) {
                        held_ids.insert((f.anchor[i], *p));
                    }
                }
            }
        }
        // A payment with an id is held when its id is; one without, by the
        // k-th-row rule.
        let mut seen: HashMap<Key, u32> = HashMap::new();
        let mut kept = Vec::new();
        let mut kept_rows = Vec::new();
        let mut row = 0;
        for f in &segments {
            let mut keep = vec![false; f.len()];
            for (i, keep) in keep.iter_mut().enumerate() {
                let already = match f.payment.get(i).filter(|p| **p != 0) {
                    Some(p) => held_ids.contains(&(f.anchor[i], *p)),
                    None => {
                        let k = key_of(f, i);
                        let nth = seen.entry(k).or_default();
                        *nth += 1;
                        held.get(&k).copied().unwrap_or(0) >= *nth
                    }
                };
                if already {
                    summary.skipped_duplicates += 1;
                } else {
                    *keep = true;
                    kept_rows.push(row);
                }
                row += 1;
            }
            kept.push(f.filter(|_, i| keep[i]));
        }
        (kept, kept_rows)
    };
    summary.stored = kept.iter().map(|f| f.len() as u64).sum();
    summary.total = Money::from_minor(kept.iter().flat_map(|f| f.amount.iter()).sum());
    if summary.stored == 0 {
        // Everything was held already: nothing changes, no import is recorded.
        return Ok(());
    }
    let anchors_json =
        serde_json::to_string(&anchor_ids.iter().collect::<Vec<_>>()).expect("ids serialise");
    tx.execute(
        "INSERT INTO spend_imports (file_name, sha256, rows_read, rows_stored, rows_skipped, total, anchors, mapping, imported_at, imported_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            file,
            sha256,
            summary.rows as i64,
            summary.stored as i64,
            summary.skipped_duplicates as i64,
            summary.total.minor(),
            anchors_json,
            mapping.to_string(),
            crate::now(),
            actor.label()
        ],
    )?;
    let import_id = tx.last_insert_rowid();
    summary.import_id = Some(import_id);
    {
        let mut insert = tx.prepare(
            "INSERT INTO spend_facts (import_id, chunk, rows, data) VALUES (?1, ?2, ?3, ?4)",
        )?;
        let mut chunk = 0i64;
        for f in &kept {
            let n = f.len();
            for start in (0..n).step_by(CHUNK_ROWS) {
                let end = (start + CHUNK_ROWS).min(n);
                let part = f.filter(|_, i| (start..end).contains(&i));
                insert.execute(params![
                    import_id,
                    chunk,
                    (end - start) as i64,
                    part.encode()
                ])?;
                chunk += 1;
            }
        }
        let mut flag_row =
            tx.prepare("INSERT INTO spend_flags (import_id, line, message) VALUES (?1, ?2, ?3)")?;
        for row in kept_rows {
            if let Some((line, message)) = flag_of(row) {
                summary.flagged += 1;
                flag_row.execute(params![import_id, line as i64, message])?;
            }
        }
    }
    audit::record(
        &tx,
        actor,
        "spend.import",
        "spend_import",
        &import_id.to_string(),
        None,
        serde_json::json!({
            "file": file, "sha256": sha256, "rows": summary.rows, "stored": summary.stored,
            "skipped_duplicates": summary.skipped_duplicates, "total": summary.total,
            "anchors_created": summary.anchors_created,
        }),
    )?;
    tx.commit()?;
    Ok(())
}

impl Store {
    fn places(
        conn: &rusqlite::Connection,
        local: Option<&AreaCode>,
        region: Option<&AreaCode>,
    ) -> Result<Places> {
        let path_of = |code: &AreaCode, field: &str| -> Result<AreaPath> {
            crate::areas::area_path_in(conn, code.as_str())?
                .ok_or_else(|| StoreError::invalid(field, format!("area {code} does not exist")))
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
        })
    }

    /// Stores the local area and region (the region must contain the local
    /// area) and the fiscal calendar.
    pub fn set_spend_settings(&self, settings: &SpendSettings, actor: &Actor) -> Result<()> {
        let paths = |code: &Option<String>, field: &str| -> Result<Option<AreaPath>> {
            match code {
                Some(c) => Ok(Some(self.area_path(c)?.ok_or_else(|| {
                    StoreError::invalid(field, format!("area {c} does not exist"))
                })?)),
                None => Ok(None),
            }
        };
        let local = paths(&settings.local, "local")?;
        let region = paths(&settings.region, "region")?;
        if let (Some(l), Some(r)) = (&local, &region) {
            if !r.contains(l) {
                return Err(StoreError::invalid(
                    "region",
                    "the region must contain the local area",
                ));
            }
        }
        FiscalCalendar::starting(settings.fiscal_year_start)
            .map_err(|e| StoreError::invalid("fiscal_year_start", e.0))?;
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
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
            &tx,
            actor,
            "spend.settings",
            "settings",
            "spend",
            None,
            serde_json::json!(settings),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Stores one file's payments as one import, all or nothing. The same
    /// file (by content) again changes nothing; a payment already held —
    /// the k-th row with a given anchor, date, supplier and amount when the
    /// store holds at least k such payments — is skipped and counted.
    pub fn import_spend(
        &self,
        file: &str,
        sha256: &str,
        payments: &[Payment],
        mapping: &serde_json::Value,
        actor: &Actor,
    ) -> Result<SpendImportSummary> {
        let reach = AnchorReach {
            scope: &Scope::Global,
            known: None,
        };
        self.import_spend_within(file, sha256, payments, mapping, &reach, actor)
    }

    /// [`Store::import_spend`], naming anchors within a reach.
    fn import_spend_within(
        &self,
        file: &str,
        sha256: &str,
        payments: &[Payment],
        mapping: &serde_json::Value,
        reach: &AnchorReach<'_>,
        actor: &Actor,
    ) -> Result<SpendImportSummary> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if let Some(earlier) = already_imported(&tx, sha256, payments.len() as u64)? {
            return Ok(earlier);
        }
        let mut summary = SpendImportSummary {
            rows: payments.len() as u64,
            ..Default::default()
        };

        let mut anchors: HashMap<String, u32> = reach.known.iter().cloned().collect();
        for p in payments {
            if !anchors.contains_key(&p.anchor) {
                let id = anchor_or_create(&tx, reach.scope, &p.anchor, file, actor, &mut summary)
                    .map_err(|e| at_line(e, file, p.line))?;
                anchors.insert(p.anchor.clone(), id);
            }
        }
        let mut sectors: HashMap<String, u32> = HashMap::new();
        let mut resolver = SupplierResolver {
            tx: &tx,
            cache: HashMap::new(),
            created: 0,
            merged: HashSet::new(),
            names: HashMap::new(),
        };
        let mut facts = Facts::default();
        for p in payments {
            let supplier = resolver.resolve(
                p.supplier_id.as_deref(),
                p.supplier_name.as_deref(),
                p.postcode.as_deref(),
            )?;
            let sector = match p.sector.as_deref() {
                Some(code) => sector_id(&tx, code, &mut sectors)?,
                None => NO_SECTOR,
            };
            let mut flags = 0;
            if let Some(sme) = p.sme {
                flags |= flag::SME_KNOWN;
                if sme {
                    flags |= flag::SME;
                }
            }
            if !p.influenceable {
                flags |= flag::NOT_INFLUENCEABLE;
            }
            facts.push(
                anchors[&p.anchor],
                p.year.start_year() as i16,
                p.date.map(day_number).unwrap_or(NO_DATE),
                supplier as u32,
                p.amount,
                sector,
                flags,
            );
        }
        summary.suppliers_created = resolver.created;
        summary.suppliers_merged = resolver.merged.len() as u64;
        if payments.iter().any(|p| p.payment_id.is_some()) {
            facts.payment = payments
                .iter()
                .map(|p| p.payment_id.as_deref().map_or(0, payment_key))
                .collect();
        }
        let anchor_ids: HashSet<u32> = anchors.values().copied().collect();
        let flag_of = |i: usize| -> Option<(u64, String)> {
            let p = &payments[i];
            (!p.flags.is_empty()).then(|| (p.line, p.flags.join("; ")))
        };
        store_facts(
            tx,
            file,
            sha256,
            mapping,
            actor,
            vec![facts],
            &anchor_ids,
            &flag_of,
            &mut summary,
        )?;
        Ok(summary)
    }

    pub fn spend_imports(&self) -> Result<Vec<SpendImport>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare(
            "SELECT id, file_name, rows_read, rows_stored, rows_skipped, total, imported_at, imported_by, undone_at, anchors FROM spend_imports ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(SpendImport {
                id: r.get(0)?,
                file_name: r.get(1)?,
                rows_read: r.get(2)?,
                rows_stored: r.get(3)?,
                rows_skipped: r.get(4)?,
                total: Money::from_minor(r.get(5)?),
                imported_at: r.get(6)?,
                imported_by: r.get(7)?,
                undone_at: r.get(8)?,
                anchors: serde_json::from_str(&r.get::<_, String>(9)?).unwrap_or_default(),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Removes an import and its payments; recorded in the audit log.
    pub fn undo_spend_import(&self, id: i64, actor: &Actor) -> Result<SpendImport> {
        let import = self
            .spend_imports()?
            .into_iter()
            .find(|i| i.id == id)
            .ok_or_else(|| StoreError::NotFound(format!("spend import {id}")))?;
        if import.undone_at.is_some() {
            return Err(StoreError::Conflict(format!(
                "import {id} was undone already"
            )));
        }
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // A later import that skipped payments as held may have skipped this
        // one's: undoing it would lose them. Those go first.
        let anchors_of = |list: String| -> HashSet<u32> {
            serde_json::from_str::<Vec<u32>>(&list)
                .unwrap_or_default()
                .into_iter()
                .collect()
        };
        let mine: String = tx.query_row(
            "SELECT anchors FROM spend_imports WHERE id = ?1",
            [id],
            |r| r.get(0),
        )?;
        let mine = anchors_of(mine);
        let later: Vec<(i64, String)> = {
            let mut stmt = tx.prepare(
                "SELECT id, anchors FROM spend_imports WHERE id > ?1 AND rows_skipped > 0 AND undone_at IS NULL ORDER BY id",
            )?;
            let rows = stmt.query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        if let Some((blocking, _)) = later
            .into_iter()
            .find(|(_, a)| !anchors_of(a.clone()).is_disjoint(&mine))
        {
            return Err(StoreError::Conflict(format!(
                "import {blocking} skipped payments as already held, perhaps this import's: undo import {blocking} first, then this one, then import its file again"
            )));
        }
        tx.execute("DELETE FROM spend_facts WHERE import_id = ?1", [id])?;
        tx.execute("DELETE FROM spend_flags WHERE import_id = ?1", [id])?;
        tx.execute(
            "UPDATE spend_imports SET undone_at = ?2 WHERE id = ?1",
            params![id, crate::now()],
        )?;
        audit::record(
            &tx,
            actor,
            "spend.undo",
            "spend_import",
            &id.to_string(),
            None,
            serde_json::json!({
                "file": import.file_name, "rows_stored": import.rows_stored, "total": import.total,
            }),
        )?;
        tx.commit()?;
        Ok(import)
    }

    /// Every stored payment, as columnar chunks.
    pub fn spend_facts(&self) -> Result<Vec<Facts>> {
        let conn = self.conn()?;
        load_facts(&conn, None)
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
        let prefixes: HashMap<String, String> = {
            let mut stmt = conn.prepare("SELECT p.prefix, a.path FROM postcode_prefixes p JOIN areas a ON a.code = p.area_code")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let classify = |path: &str| places.classify(path);
        let mut supplier_location = vec![Location::Unknown];
        let mut supplier_name = vec![String::new()];
        {
            // A "postal code" that is no mapped postcode may be an area code
            // (Indonesian files give "Kode Wilayah").
            let mut area_path = conn.prepare("SELECT path FROM areas WHERE code = ?1")?;
            let mut stmt = conn.prepare(
                "SELECT s.id, s.name, s.postcode, a.path FROM suppliers s LEFT JOIN areas a ON a.code = s.area_code ORDER BY s.id",
            )?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let id: i64 = r.get(0)?;
                let idx = id as usize;
                if supplier_location.len() <= idx {
                    supplier_location.resize(idx + 1, Location::Unknown);
                    supplier_name.resize(idx + 1, String::new());
                }
                supplier_name[idx] = r.get(1)?;
                let postcode: Option<String> = r.get(2)?;
                let fixed: Option<String> = r.get(3)?;
                let path = fixed
                    .or_else(|| {
                        let pc = PostalCode::parse(postcode.as_deref()?).ok()?;
                        pc.lookup_prefixes()
                            .into_iter()
                            .find_map(|p| prefixes.get(p).cloned())
                    })
                    .or_else(|| {
                        area_path
                            .query_row([postcode.as_deref()?], |r| r.get::<_, String>(0))
                            .optional()
                            .ok()
                            .flatten()
                    });
                supplier_location[idx] = path.as_deref().map_or(Location::Unknown, classify);
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
                    }
                }
            }
        }
        let anchors = {
            let mut stmt =
                conn.prepare("SELECT id, name FROM organisations WHERE kind = 'anchor'")?;
            let rows = stmt.query_map([], |r| {
                Ok((r.get::<_, i64>(0)? as u32, r.get::<_, String>(1)?))
            })?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let sectors = {
            let mut stmt = conn.prepare("SELECT id, code FROM sectors")?;
            let prefer = sectors::list_for(calendar.start_month());
            let rows = stmt.query_map([], |r| {
                let code: String = r.get(1)?;
                let name = sectors::label(&code, prefer);
                Ok((r.get::<_, i64>(0)? as u32, (code, name)))
            })?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        Ok(Dimensions {
            calendar,
            anchors,
            supplier_location,
            supplier_name,
            sectors,
        })
    }

    /// The import that holds a file with this SHA-256, if any.
    pub fn spend_import_by_sha(&self, sha256: &str) -> Result<Option<i64>> {
        Ok(self
            .conn()?
            .query_row(
                "SELECT id FROM spend_imports WHERE sha256 = ?1 AND undone_at IS NULL",
                [sha256],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// The column mapping saved for an anchor's files, if any.
    pub fn spend_mapping(&self, anchor_id: i64) -> Result<Option<serde_json::Value>> {
        let text: Option<String> = self
            .conn()?
            .query_row(
                "SELECT mapping FROM spend_mappings WHERE anchor_id = ?1",
                [anchor_id],
                |r| r.get(0),
            )
            .optional()?;
        Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
    }

    /// Saves the mapping an analyst gave for an anchor's files, to be used
    /// again for its next file.
    pub fn save_spend_mapping(
        &self,
        anchor_id: i64,
        mapping: &serde_json::Value,
        actor: &Actor,
    ) -> Result<()> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO spend_mappings (anchor_id, mapping) VALUES (?1, ?2)
             ON CONFLICT (anchor_id) DO UPDATE SET mapping = excluded.mapping",
            params![anchor_id, mapping.to_string()],
        )?;
        audit::record(
            &tx,
            actor,
            "spend.mapping",
            "organisation",
            &anchor_id.to_string(),
            None,
            mapping.clone(),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The id of the anchor institution with this name, of any scope (an
    /// operator's question: the CLI's `--anchor`); a name that fits several
    /// is refused with their ids, a whole number is also taken as an id.
    pub fn anchor_id(&self, name: &str) -> Result<Option<i64>> {
        let r = OrgRef::NameOrId(name.to_owned());
        Ok(self
            .find_org(OrgKind::Anchor, &r, &Scope::Global)?
            .map(|o| o.id))
    }
}

/// A supplier as the catalogue holds it.
#[derive(Debug, Clone, Serialize)]
pub struct Supplier {
    pub id: i64,
    pub name: String,
    pub postcode: Option<String>,
    /// The area an analyst fixed for it (wins over the postal code).
    pub area_code: Option<String>,
    /// Why it is listed for review, if it is.
    pub review: Option<String>,
    /// Identifiers and name keys that lead rows to it.
    pub keys: Vec<String>,
    /// Areas of its branch sites.
    pub sites: Vec<String>,
}

impl Store {
    /// Suppliers by name; only those listed for review when `review_only`.
    pub fn suppliers(
        &self,
        search: Option<&str>,
        review_only: bool,
        limit: u32,
    ) -> Result<Vec<Supplier>> {
        let conn = self.conn()?;
        let like = search.map(|s| format!("%{}%", s.trim().replace(['%', '_'], "")));
        let mut stmt = conn.prepare(
            "SELECT id, name, postcode, area_code, review FROM suppliers
             WHERE (?1 IS NULL OR name LIKE ?1) AND (?2 = 0 OR review IS NOT NULL)
             ORDER BY name COLLATE NOCASE, id LIMIT ?3",
        )?;
        let rows = stmt.query_map(params![like, review_only as i64, limit], |r| {
            Ok(Supplier {
                id: r.get(0)?,
                name: r.get(1)?,
                postcode: r.get(2)?,
                area_code: r.get(3)?,
                review: r.get(4)?,
                keys: vec![],
                sites: vec![],
            })
        })?;
        let mut list: Vec<Supplier> = rows.collect::<rusqlite::Result<_>>()?;
        let mut keys = conn.prepare("SELECT kind || ':' || key FROM supplier_keys WHERE supplier_id = ?1 ORDER BY kind, key")?;
        for s in &mut list {
            s.keys = keys
                .query_map([s.id], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
        }
        let mut sites = conn.prepare(
            "SELECT area_code FROM supplier_sites WHERE supplier_id = ?1 ORDER BY area_code",
        )?;
        for s in &mut list {
            s.sites = sites
                .query_map([s.id], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
        }
        Ok(list)
    }

    /// Merges `other` into `keep` by hand: its payments become `keep`'s and
    /// its identifiers and name keys lead to `keep` from now on, so later
    /// imports follow the decision.
    pub fn merge_suppliers(&self, keep: i64, other: i64, actor: &Actor) -> Result<u64> {
        if keep == other {
            return Err(StoreError::invalid(
                "supplier",
                "a supplier cannot be merged into itself",
            ));
        }
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        for id in [keep, other] {
            let exists: bool = tx
                .query_row("SELECT 1 FROM suppliers WHERE id = ?1", [id], |_| Ok(true))
                .optional()?
                .unwrap_or(false);
            if !exists {
                return Err(StoreError::NotFound(format!("supplier {id}")));
            }
        }
        tx.execute(
            "UPDATE supplier_keys SET supplier_id = ?1, decided_by = ?3 WHERE supplier_id = ?2",
            params![keep, other, actor.label()],
        )?;
        let mut moved = 0u64;
        let chunks: Vec<(i64, i64, Vec<u8>)> = {
            let mut stmt = tx.prepare("SELECT import_id, chunk, data FROM spend_facts")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        for (import_id, chunk, blob) in chunks {
            let mut facts =
                Facts::decode(&blob).map_err(|e| StoreError::invalid("spend_facts", e))?;
            let mut changed = false;
            for s in facts.supplier.iter_mut().filter(|s| **s == other as u32) {
                *s = keep as u32;
                changed = true;
                moved += 1;
            }
            if changed {
                tx.execute(
                    "UPDATE spend_facts SET data = ?3 WHERE import_id = ?1 AND chunk = ?2",
                    params![import_id, chunk, facts.encode()],
                )?;
            }
        }
        tx.execute("UPDATE suppliers SET review = NULL WHERE id = ?1", [keep])?;
        tx.execute(
            "UPDATE suppliers SET review = ?2 WHERE id = ?1",
            params![other, format!("merged into supplier {keep}")],
        )?;
        audit::record(
            &tx,
            actor,
            "spend.supplier_merge",
            "supplier",
            &keep.to_string(),
            None,
            serde_json::json!({"kept": keep, "merged": other, "payments_moved": moved}),
        )?;
        tx.commit()?;
        Ok(moved)
    }

    /// Fixes a supplier's location to an area (or clears the fix with
    /// `None`, returning to its postal code).
    pub fn locate_supplier(&self, id: i64, area: Option<&AreaCode>, actor: &Actor) -> Result<()> {
        if let Some(code) = area {
            if self.area_path(code.as_str())?.is_none() {
                return Err(StoreError::invalid(
                    "area",
                    format!("area {code} does not exist"),
                ));
            }
        }
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let changed = tx.execute(
            "UPDATE suppliers SET area_code = ?2 WHERE id = ?1",
            params![id, area.map(AreaCode::as_str)],
        )?;
        if changed == 0 {
            return Err(StoreError::NotFound(format!("supplier {id}")));
        }
        audit::record(
            &tx,
            actor,
            "spend.supplier_locate",
            "supplier",
            &id.to_string(),
            None,
            serde_json::json!({"area_code": area.map(AreaCode::as_str)}),
        )?;
        tx.commit()?;
        Ok(())
    }
}

/// One payment file to import, with what the analyst said about it.
#[derive(Debug, Clone)]
pub struct SpendFile<'a> {
    pub name: &'a str,
    pub bytes: &'a [u8],
    /// The anchor institution of the whole file (wins over a column), by
    /// id or by name within `reach`.
    pub anchor: Option<OrgRef>,
    /// The fiscal year for rows without a readable date.
    pub year: Option<lumbung_domain::FiscalYear>,
    pub locale: lumbung_spend::read::Locale,
    pub sheet: Option<String>,
    /// Field → column header, given by the analyst; saved for the anchor.
    pub mapping: Option<std::collections::BTreeMap<lumbung_spend::read::Field, String>>,
    /// The importer's scope: anchors are named among those it covers, and
    /// new ones are placed inside it (an area-scoped analyst's area, so
    /// that they see what they import). The CLI's is the whole system.
    pub reach: Scope,
}

impl SpendFile<'_> {
    fn payment_file(&self) -> lumbung_spend::prepare::PaymentFile<'_> {
        lumbung_spend::prepare::PaymentFile {
            name: self.name,
            bytes: self.bytes,
            locale: self.locale,
            sheet: self.sheet.clone(),
            mapping: self.mapping.clone(),
        }
    }
}

/// Where an import names its anchors: among those `scope` covers, the
/// file's own anchor (name → id) already resolved.
struct AnchorReach<'a> {
    scope: &'a Scope,
    known: Option<(String, u32)>,
}

impl Store {
    /// Reads a file with the analyst's mapping, else the anchor's saved
    /// one (when it fits the file), else recognised headers.
    pub fn read_spend_file(&self, file: &SpendFile<'_>) -> Result<lumbung_spend::read::Ledger> {
        let saved = match (&file.mapping, self.spend_file_anchor(file)?) {
            (None, Some((Some(id), _))) => self
                .spend_mapping(id)?
                .and_then(|v| serde_json::from_value(v).ok()),
            _ => None,
        };
        Ok(file.payment_file().read(saved)?)
    }

    /// Reads, checks and imports one file as one import (see
    /// [`Store::import_spend`]). Any bad row rejects the file with every
    /// problem listed. A mapping the analyst gave is saved for the anchor.
    pub fn import_spend_file(
        &self,
        file: &SpendFile<'_>,
        actor: &Actor,
    ) -> Result<SpendImportSummary> {
        use lumbung_spend::prepare::{prepare_ledger, Defaults};
        use sha2::Digest;
        let ledger = self.read_spend_file(file)?;
        let anchor = self.spend_file_anchor(file)?;
        let defaults = Defaults {
            anchor: anchor.as_ref().map(|(_, name)| name.clone()),
            year: file.year,
            calendar: self.spend_settings()?.calendar(),
            period_hint: ledger.period_hint,
        };
        let prepared = prepare_ledger(file.name, ledger, &defaults)?;
        let payments = prepared.payments;
        let mapping = serde_json::to_value(&prepared.mapping).unwrap_or_default();
        let sha = hex::encode(sha2::Sha256::digest(file.bytes));
        let reach = AnchorReach {
            scope: &file.reach,
            known: anchor
                .as_ref()
                .and_then(|(id, name)| id.map(|id| (name.clone(), id as u32))),
        };
        let summary =
            self.import_spend_within(file.name, &sha, &payments, &mapping, &reach, actor)?;
        if let (Some(m), false) = (&file.mapping, summary.already_imported) {
            // The file's anchor exists now, created by the import if new.
            if let Some((Some(id), _)) = self.spend_file_anchor(file)? {
                self.save_spend_mapping(id, &serde_json::to_value(m).unwrap_or_default(), actor)?;
            }
        }
        Ok(summary)
    }

    /// The file's own anchor, resolved within its reach (see `file_anchor`).
    fn spend_file_anchor(&self, file: &SpendFile<'_>) -> Result<Option<(Option<i64>, String)>> {
        match &file.anchor {
            Some(r) => {
                let conn = self.conn()?;
                Ok(Some(file_anchor(&conn, &file.reach, r)?))
            }
            None => Ok(None),
        }
    }
}

/// A spend report published for the public: a snapshot of aggregate
/// figures, without supplier names (a supplier may be a person).
#[derive(Debug, Clone, Serialize)]
pub struct Publication {
    pub id: i64,
    pub title: String,
    pub report: serde_json::Value,
    pub published_at: String,
    pub published_by: String,
}

impl Store {
    pub fn publish_spend_report(
        &self,
        title: &str,
        report: &serde_json::Value,
        actor: &Actor,
    ) -> Result<i64> {
        let title = title.trim();
        if title.is_empty() {
            return Err(StoreError::invalid(
                "title",
                "a published report needs a title",
            ));
        }
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO spend_publications (title, report, published_at, published_by) VALUES (?1, ?2, ?3, ?4)",
            params![title, report.to_string(), crate::now(), actor.label()],
        )?;
        let id = tx.last_insert_rowid();
        audit::record(
            &tx,
            actor,
            "spend.publish",
            "spend_publication",
            &id.to_string(),
            None,
            serde_json::json!({"title": title}),
        )?;
        tx.commit()?;
        Ok(id)
    }

    pub fn spend_publications(&self) -> Result<Vec<Publication>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare(
            "SELECT id, title, report, published_at, published_by FROM spend_publications ORDER BY id DESC",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(Publication {
                id: r.get(0)?,
                title: r.get(1)?,
                report: serde_json::from_str(&r.get::<_, String>(2)?).unwrap_or_default(),
                published_at: r.get(3)?,
                published_by: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn spend_publication(&self, id: i64) -> Result<Option<Publication>> {
        Ok(self.spend_publications()?.into_iter().find(|p| p.id == id))
    }
}

impl Store {
    /// Records (or with `remove`, forgets) a branch site of a supplier.
    pub fn supplier_site(
        &self,
        supplier: i64,
        area: &AreaCode,
        remove: bool,
        actor: &Actor,
    ) -> Result<()> {
        if self.area_path(area.as_str())?.is_none() {
            return Err(StoreError::invalid(
                "area",
                format!("area {area} does not exist"),
            ));
        }
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let exists: bool = tx
            .query_row("SELECT 1 FROM suppliers WHERE id = ?1", [supplier], |_| {
                Ok(true)
            })
            .optional()?
            .unwrap_or(false);
        if !exists {
            return Err(StoreError::NotFound(format!("supplier {supplier}")));
        }
        if remove {
            tx.execute(
                "DELETE FROM supplier_sites WHERE supplier_id = ?1 AND area_code = ?2",
                params![supplier, area.as_str()],
            )?;
        } else {
            tx.execute(
                "INSERT OR IGNORE INTO supplier_sites (supplier_id, area_code) VALUES (?1, ?2)",
                params![supplier, area.as_str()],
            )?;
        }
        audit::record(
            &tx,
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
        tx.commit()?;
        Ok(())
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
        let mut prefixes = HashMap::new();
        let mut stmt = conn.prepare(
            "SELECT p.prefix, a.path FROM postcode_prefixes p JOIN areas a ON a.code = p.area_code",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            prefixes.insert(r.get::<_, String>(0)?, classify(r.get(1)?));
        }
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

impl Store {
    /// Stores a large clean ledger read by the fast scanner
    /// ([`lumbung_spend::fast::scan_file`]) as one import, with the same
    /// rules as [`Store::import_spend`]: suppliers resolved against the
    /// catalogue, payments already held skipped, all or nothing. `anchor`
    /// names the anchor of every row when given (as `--anchor` does). The
    /// CLI's import: anchors are named among all of them.
    pub fn import_spend_facts(
        &self,
        file: &str,
        sha256: &str,
        mut scanned: lumbung_spend::fast::FileFacts,
        anchor: Option<&OrgRef>,
        actor: &Actor,
    ) -> Result<SpendImportSummary> {
        let reach = Scope::Global;
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if let Some(earlier) = already_imported(&tx, sha256, scanned.rows)? {
            return Ok(earlier);
        }
        let mut summary = SpendImportSummary {
            rows: scanned.rows,
            ..Default::default()
        };
        let anchors: Vec<u32> = match anchor {
            Some(r) => {
                let id = match file_anchor(&tx, &reach, r)? {
                    (Some(id), _) => id as u32,
                    (None, name) => {
                        anchor_or_create(&tx, &reach, &name, file, actor, &mut summary)?
                    }
                };
                vec![id; scanned.anchors.len()]
            }
            None => scanned
                .anchors
                .iter()
                .map(|name| anchor_or_create(&tx, &reach, name, file, actor, &mut summary))
                .collect::<Result<_>>()?,
        };
        let mut resolver = SupplierResolver {
            tx: &tx,
            cache: HashMap::new(),
            created: 0,
            merged: HashSet::new(),
            names: HashMap::new(),
        };
        let suppliers: Vec<u32> = scanned
            .suppliers
            .iter()
            .map(|s| {
                let name = Some(s.name.as_str()).filter(|n| !n.trim().is_empty());
                resolver
                    .resolve(s.id.as_deref(), name, s.postcode.as_deref())
                    .map(|id| id as u32)
            })
            .collect::<Result<_>>()?;
        summary.suppliers_created = resolver.created;
        summary.suppliers_merged = resolver.merged.len() as u64;
        let mut cache = HashMap::new();
        let sectors: Vec<u32> = scanned
            .sectors
            .iter()
            .enumerate()
            .map(|(i, code)| {
                if i == 0 {
                    Ok(NO_SECTOR)
                } else {
                    sector_id(&tx, code, &mut cache)
                }
            })
            .collect::<Result<_>>()?;
        for f in &mut scanned.facts {
            f.anchor.iter_mut().for_each(|a| *a = anchors[*a as usize]);
            f.supplier
                .iter_mut()
                .for_each(|s| *s = suppliers[*s as usize]);
            f.sector.iter_mut().for_each(|s| *s = sectors[*s as usize]);
        }
        let anchor_ids: HashSet<u32> = anchors.iter().copied().collect();
        let mapping = serde_json::to_value(&scanned.columns).unwrap_or_default();
        store_facts(
            tx,
            file,
            sha256,
            &mapping,
            actor,
            scanned.facts,
            &anchor_ids,
            &|_| None,
            &mut summary,
        )?;
        Ok(summary)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::store;
    use lumbung_spend::fast::{scan_reader, ScanOptions};
    use lumbung_spend::read::{read_ledger, ReadOptions};

    const LEDGER: &str = "anchor,fiscal_year,payment_date,supplier_id,supplier_name,postcode,sic,sme,contract_type,amount
Anchor 00,2012/13,01/05/2012,00000001,Acme Print 1 Ltd,PR1 2HE,18129,Y,local contract,100.50
Anchor 00,2012/13,02/05/2012,00000002,Mersey Foods 2 Ltd,M1 1AE,10890,N,national framework,-20.00
Anchor 01,2013/14,03/05/2013,00000001,Acme Print 1 Ltd,PR1 2HE,18129,Y,local contract,75.25
Anchor 01,2013/14,03/05/2013,00000001,Acme Print 1 Ltd,PR1 2HE,18129,Y,local contract,75.25
";

    fn general(s: &Store, sha: &str) -> SpendImportSummary {
        let ledger = read_ledger("l.csv", LEDGER.as_bytes(), &ReadOptions::default()).unwrap();
        let defaults = lumbung_spend::prepare::Defaults {
            anchor: None,
            year: None,
            calendar: FiscalCalendar::UK,
            period_hint: None,
        };
        let (payments, errors) = lumbung_spend::prepare::prepare(ledger.rows, &defaults);
        assert!(errors.is_empty());
        let mapping = serde_json::Value::Null;
        s.import_spend("l.csv", sha, &payments, &mapping, &Actor::cli())
            .unwrap()
    }

    fn fast(s: &Store, sha: &str) -> SpendImportSummary {
        let scanned = scan_reader(
            "l.csv",
            LEDGER.as_bytes(),
            0,
            &ScanOptions::new(FiscalCalendar::UK),
            &mut |_, _| {},
        )
        .unwrap();
        s.import_spend_facts("l.csv", sha, scanned, None, &Actor::cli())
            .unwrap()
    }

    fn sorted_facts(s: &Store) -> Vec<(u32, i16, i32, u32, i64, u32, u8)> {
        let mut rows: Vec<_> = s
            .spend_facts()
            .unwrap()
            .iter()
            .flat_map(|f| {
                (0..f.len())
                    .map(|i| {
                        (
                            f.anchor[i],
                            f.year[i],
                            f.date[i],
                            f.supplier[i],
                            f.amount[i],
                            f.sector[i],
                            f.flags[i],
                        )
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        rows.sort();
        rows
    }

    #[test]
    fn the_fast_import_stores_what_the_general_import_stores() {
        let (_a, by_rows) = store();
        let (_b, by_scan) = store();
        let one = general(&by_rows, "x");
        let two = fast(&by_scan, "x");
        assert_eq!(
            (one.stored, one.total, one.suppliers_created),
            (two.stored, two.total, two.suppliers_created)
        );
        assert_eq!(one.anchors_created, two.anchors_created);
        assert_eq!(sorted_facts(&by_rows), sorted_facts(&by_scan));
    }

    #[test]
    fn the_fast_import_skips_what_is_held_and_the_same_file_changes_nothing() {
        let (_d, s) = store();
        fast(&s, "first");
        let again = fast(&s, "first");
        assert!(again.already_imported);
        let overlap = general(&s, "a re-issued copy");
        assert_eq!(
            (overlap.stored, overlap.skipped_duplicates),
            (0, 4),
            "all four already held"
        );
        assert_eq!(s.spend_imports().unwrap().len(), 1);
    }
}

/// A row an import flagged for a person to look at.
#[derive(Debug, Clone, Serialize)]
pub struct FlaggedRow {
    pub import_id: i64,
    pub file_name: String,
    pub line: i64,
    pub message: String,
}

impl Store {
    /// The rows flagged for review, of one import or all, by file and line.
    pub fn spend_flagged(&self, import_id: Option<i64>, limit: u32) -> Result<Vec<FlaggedRow>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare(
            "SELECT f.import_id, i.file_name, f.line, f.message FROM spend_flags f
             JOIN spend_imports i ON i.id = f.import_id
             WHERE ?1 IS NULL OR f.import_id = ?1 ORDER BY f.import_id, f.line LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![import_id, limit], |r| {
            Ok(FlaggedRow {
                import_id: r.get(0)?,
                file_name: r.get(1)?,
                line: r.get(2)?,
                message: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
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
        supplier: i64,
        key: &str,
        name: &str,
        actor: &Actor,
    ) -> Result<i64> {
        let (kind, key) = key
            .split_once(':')
            .filter(|(k, _)| matches!(*k, "id" | "name"))
            .ok_or_else(|| {
                StoreError::invalid(
                    "key",
                    "a key is id:… or name:…, as `spend suppliers` lists it",
                )
            })?;
        let name = name.trim();
        if name.is_empty() {
            return Err(StoreError::invalid("name", "the new supplier needs a name"));
        }
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let owner: Option<i64> = tx
            .query_row(
                "SELECT supplier_id FROM supplier_keys WHERE kind = ?1 AND key = ?2",
                params![kind, key],
                |r| r.get(0),
            )
            .optional()?;
        if owner != Some(supplier) {
            return Err(StoreError::invalid(
                "key",
                format!("supplier {supplier} has no key {kind}:{key}"),
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
                "a supplier keeps at least one key; there is nothing to split",
            ));
        }
        tx.execute(
            "INSERT INTO suppliers (name, created_at) VALUES (?1, ?2)",
            params![name, crate::now()],
        )?;
        let new_id = tx.last_insert_rowid();
        tx.execute(
            "UPDATE supplier_keys SET supplier_id = ?3, decided_by = ?4 WHERE kind = ?1 AND key = ?2",
            params![kind, key, new_id, actor.label()],
        )?;
        audit::record(
            &tx,
            actor,
            "spend.supplier_split",
            "supplier",
            &supplier.to_string(),
            None,
            serde_json::json!({"key": format!("{kind}:{key}"), "new_supplier": new_id, "name": name}),
        )?;
        tx.commit()?;
        Ok(new_id)
    }
}
