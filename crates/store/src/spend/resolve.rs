//! Within one import's transaction: suppliers found or created, anchors
//! named or created, sectors numbered, and the facts stored.

use super::*;
use crate::audit::{self, Actor};
use crate::db::{params, OptionalExtension, Transaction};
use crate::orgs::{self, OrgRef};
use crate::{Result, StoreError};
use lumbung_domain::{text, AreaCode, AreaPath, FiscalCalendar, Money, OrgKind, PostalCode, Scope};
use lumbung_spend::facts::{Facts, NO_SECTOR};
use lumbung_spend::report::Location;
use lumbung_spend::suppliers::{name_key, near_duplicates, normalise_name, Listed};
use std::collections::{HashMap, HashSet};

/// Finds or creates suppliers for rows, within one import's transaction.
pub(crate) struct SupplierResolver<'a> {
    pub(super) tx: &'a Transaction<'a>,
    /// Suppliers found by key, by kind of key (looked up without making
    /// a key: every payment and award looks up several).
    cache: HashMap<&'static str, HashMap<String, i64>>,
    pub(super) created: u64,
    /// The suppliers this import created.
    pub(super) created_ids: HashSet<i64>,
    /// The file's supplier numbers are company numbers: each supplier
    /// keeps its own for the registers.
    pub(crate) company_numbers: bool,
    numbered: HashSet<i64>,
    /// Suppliers found by company number, and numbers no supplier holds
    /// (`None`: a lookup of each for every award that names it was a
    /// twentieth of a city's OCDS import); forgotten when the import
    /// gives the number to a supplier ([`Self::resolve`]).
    by_number: HashMap<String, Option<i64>>,
    pub(super) merged: HashSet<i64>,
    /// Display names already read, by supplier.
    pub(super) names: HashMap<i64, String>,
}

impl<'a> SupplierResolver<'a> {
    pub(crate) fn new(tx: &'a Transaction<'a>) -> Self {
        SupplierResolver {
            tx,
            cache: HashMap::new(),
            created: 0,
            created_ids: HashSet::new(),
            company_numbers: false,
            numbered: HashSet::new(),
            by_number: HashMap::new(),
            merged: HashSet::new(),
            names: HashMap::new(),
        }
    }

    pub(super) fn lookup(&mut self, kind: &'static str, key: &str) -> Result<Option<i64>> {
        if let Some(id) = self.cache.get(kind).and_then(|keys| keys.get(key)) {
            return Ok(Some(*id));
        }
        let id: Option<i64> = self
            .tx
            .prepare("SELECT supplier_id FROM supplier_keys WHERE kind = ?1 AND key = ?2")?
            .query_row(params![kind, key], |r| r.get(0))
            .optional()?;
        if let Some(id) = id {
            self.remember(kind, key, id);
        }
        Ok(id)
    }

    /// The supplier holding company number `number` (the first made, on
    /// either database), if one does.
    pub(crate) fn by_company_number(&mut self, number: &str) -> Result<Option<i64>> {
        if let Some(id) = self.by_number.get(number) {
            return Ok(*id);
        }
        let id: Option<i64> = self
            .tx
            .prepare("SELECT id FROM suppliers WHERE company_number = ?1 ORDER BY id LIMIT 1")?
            .query_row([number], |r| r.get(0))
            .optional()?;
        self.by_number.insert(number.to_owned(), id);
        Ok(id)
    }

    pub(super) fn add_key(&mut self, kind: &'static str, key: &str, supplier: i64) -> Result<()> {
        self.tx
            .prepare(
                "INSERT INTO supplier_keys (kind, key, supplier_id) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
            )?
            .execute(params![kind, key, supplier])?;
        self.remember(kind, key, supplier);
        Ok(())
    }

    fn remember(&mut self, kind: &'static str, key: &str, supplier: i64) {
        self.cache
            .entry(kind)
            .or_default()
            .insert(key.to_owned(), supplier);
    }

    pub(super) fn display_name(&mut self, supplier: i64) -> Result<String> {
        if let Some(name) = self.names.get(&supplier) {
            return Ok(name.clone());
        }
        let name: String = self
            .tx
            .prepare("SELECT name FROM suppliers WHERE id = ?1")?
            .query_row([supplier], |r| r.get(0))?;
        self.names.insert(supplier, name.clone());
        Ok(name)
    }

    /// Lists a supplier for review (once per import) with the reason, in
    /// signs (see `Supplier::review`).
    pub(super) fn review(&mut self, supplier: i64, reason: String) -> Result<()> {
        if self.merged.insert(supplier) {
            self.tx
                .prepare("UPDATE suppliers SET review = ?2 WHERE id = ?1")?
                .execute(params![supplier, reason])?;
        }
        Ok(())
    }

    /// Lists each supplier this import created whose name looks like
    /// another's of the catalogue (`near_duplicates`) for review, unless
    /// already listed; returns how many.
    pub(super) fn suggest_near_duplicates(&mut self) -> Result<u64> {
        if self.created_ids.is_empty() {
            return Ok(0);
        }
        let rows: Vec<(i64, String, Option<String>)> = crate::sql::all(
            self.tx,
            "SELECT id, name, postcode FROM suppliers",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        let listed: Vec<Listed> = rows
            .iter()
            .map(|(id, name, postcode)| Listed {
                id: *id,
                name,
                postcode: postcode.as_deref(),
            })
            .collect();
        let by_id: HashMap<i64, &Listed> = listed.iter().map(|l| (l.id, l)).collect();
        let mut suggested = 0;
        for (new, like) in near_duplicates(&listed, &self.created_ids) {
            if self.merged.contains(&new) {
                continue;
            }
            let other = by_id[&like];
            let note = lumbung_spend::suppliers::suggestion_note(like, other.name, other.postcode);
            self.tx
                .prepare("UPDATE suppliers SET review = ?2 WHERE id = ?1")?
                .execute(params![new, note])?;
            suggested += 1;
        }
        Ok(suggested)
    }

    /// [`Self::resolve_by_rule`], keeping the supplier's company number
    /// when the file's supplier numbers are company numbers.
    pub(crate) fn resolve(
        &mut self,
        supplier_id: Option<&str>,
        name: Option<&str>,
        postcode: Option<&str>,
    ) -> Result<i64> {
        let s = self.resolve_by_rule(supplier_id, name, postcode)?;
        if self.company_numbers && !self.numbered.contains(&s) {
            if let Some(number) = supplier_id.and_then(lumbung_spend::registers::company_number) {
                // Another supplier may hold it first from now on.
                self.by_number.remove(&number);
                self.tx
                    .prepare(
                        "UPDATE suppliers SET company_number = coalesce(company_number, ?2) WHERE id = ?1",
                    )?
                    .execute(params![s, number])?;
            }
            self.numbered.insert(s);
        }
        Ok(s)
    }

    /// The rule: the same identifier is the same supplier; otherwise the
    /// same normalised name and postal code is, and when identifiers
    /// differ that merge is listed for review.
    fn resolve_by_rule(
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
                        self.review(s, format!("id:{idk} = {name:?}"))?;
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
                self.review(s, format!("{known:?} = {:?}", name.trim()))?;
            }
            if let Some(idk) = id_key {
                let other_id: Option<String> = crate::sql::optional(
                    self.tx,
                    "SELECT key FROM supplier_keys WHERE supplier_id = ?1 AND kind = 'id' ORDER BY key LIMIT 1",
                    [s],
                )?;
                self.add_key("id", idk, s)?;
                if let Some(other) = other_id {
                    self.review(s, format!("id:{other} ≠ id:{idk}"))?;
                }
            }
            return Ok(s);
        }
        let s = self.tx.insert_id(
            "INSERT INTO suppliers (name, postcode, created_at) VALUES (?1, ?2, ?3)",
            params![name, postcode, crate::now()],
        )?;
        self.created += 1;
        self.created_ids.insert(s);
        self.add_key("name", &nkey, s)?;
        if let Some(idk) = id_key {
            self.add_key("id", idk, s)?;
        }
        Ok(s)
    }
}

pub(super) fn load_facts(
    conn: &crate::db::Connection,
    import_ids: Option<&[i64]>,
) -> Result<Vec<Facts>> {
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
pub(super) fn already_imported(
    tx: &Transaction<'_>,
    sha256: &str,
    rows: u64,
) -> Result<Option<SpendImportSummary>> {
    let earlier: Option<i64> = crate::sql::optional(
        tx,
        "SELECT id FROM spend_imports WHERE sha256 = ?1 AND undone_at IS NULL",
        [sha256],
    )?;
    Ok(earlier.map(|id| SpendImportSummary {
        import_id: Some(ImportId::new(id)),
        already_imported: true,
        rows,
        skipped_duplicates: rows,
        ..Default::default()
    }))
}

/// The programme's local area and region, to place areas by.
pub(super) struct Places {
    pub(super) local: Option<AreaPath>,
    pub(super) region: Option<AreaPath>,
}

impl Places {
    /// Where an area (by its stored path) lies; without a local area and
    /// region every location is unknown.
    pub(super) fn classify(&self, path: &str) -> Location {
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
pub(super) fn anchor_or_create(
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
        return Ok(org.id.get() as u32);
    }
    // Names are public, and an anchor of the same name beside an existing
    // one would make that name ambiguous for everyone who imports by it.
    let elsewhere = orgs::named(tx, OrgKind::Anchor, &r)?;
    if !elsewhere.is_empty() {
        let ids: Vec<String> = elsewhere.iter().map(|o| o.id.to_string()).collect();
        return Err(StoreError::invalid(
            "anchor",
            text!("anchor_outside_scope", name = format!("{name:?}"), ids = ids.join(", ");
                id: "lembaga jangkar {name} (id {ids}) di luar cakupan Anda: analis yang cakupannya meliputinya yang mengimpor berkasnya",
                en: "the anchor institution {name} (id {ids}) is outside your scope: an analyst whose scope covers it imports its files"),
        ));
    }
    let area = match reach {
        Scope::Global => None,
        Scope::Area { code, .. } => Some(code),
        Scope::Org { .. } => {
            return Err(StoreError::invalid(
                "anchor",
                text!("no_anchor_named_in_scope", name = format!("{name:?}");
                    id: "tidak ada lembaga jangkar bernama {name} dalam cakupan Anda, dan analis sebuah organisasi tidak dapat membuatnya",
                    en: "no anchor institution named {name} within your scope, and an organisation's analyst cannot create one"),
            ))
        }
    };
    let id = orgs::create_named(
        tx,
        actor,
        name,
        OrgKind::Anchor.as_str(),
        (area.map(AreaCode::as_str), None),
        serde_json::json!({"name": name, "kind": "anchor", "file": file}),
    )?;
    summary.anchors_created.push(name.to_owned());
    Ok(id as u32)
}

/// The anchor a whole file names (by id or name) within `reach`: its id
/// when it exists, and the name its rows take. An id outside the reach is
/// not found; a name not found is created on import.
pub(super) fn file_anchor(
    conn: &crate::db::Connection,
    reach: &Scope,
    r: &OrgRef,
) -> Result<(Option<i64>, String)> {
    match orgs::one_within(orgs::named(conn, OrgKind::Anchor, r)?, reach, "anchor", r)? {
        Some(org) => Ok((Some(org.id.get()), org.name)),
        None => match r {
            OrgRef::Id(id) => Err(StoreError::invalid(
                "anchor_id",
                text!("no_anchor_in_scope", anchor = id;
                    id: "tidak ada lembaga jangkar {anchor} dalam cakupan Anda",
                    en: "no anchor institution {anchor} within your scope"),
            )),
            OrgRef::Name(name) | OrgRef::NameOrId(name) => Ok((None, name.trim().to_owned())),
        },
    }
}

/// The anchors with a fiscal calendar of their own.
pub(super) fn anchor_calendars(tx: &Transaction<'_>) -> Result<HashMap<u32, FiscalCalendar>> {
    let rows: Vec<(i64, u8)> = crate::sql::all(
        tx,
        "SELECT id, fiscal_year_start FROM organisations WHERE kind = 'anchor' AND fiscal_year_start IS NOT NULL",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, m)| Some((id as u32, FiscalCalendar::starting(m).ok()?)))
        .collect())
}

/// An anchor refused for one row becomes that row's error.
pub(super) fn at_line(e: StoreError, file: &str, line: u64) -> StoreError {
    match e {
        StoreError::Invalid { field, message } => StoreError::Rejected(lumbung_domain::Rejected {
            file: file.to_owned(),
            errors: vec![lumbung_domain::RowError::new(line, Some(&field), message)],
        }),
        other => other,
    }
}

/// The id of a sector code (or text), added when new; empty is none.
pub(super) fn sector_id(
    tx: &Transaction<'_>,
    code: &str,
    cache: &mut HashMap<String, u32>,
) -> Result<u32> {
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
    let found: Option<i64> = crate::sql::optional(
        tx,
        "SELECT id FROM sectors WHERE lower(code) = ?1 ORDER BY id LIMIT 1",
        [&key],
    )?;
    let id = match found {
        Some(id) => id,
        None => tx.insert_id("INSERT INTO sectors (code) VALUES (?1)", [code])?,
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
pub(super) fn store_facts(
    tx: Transaction<'_>,
    file: &str,
    sha256: &str,
    mapping: &serde_json::Value,
    actor: &Actor,
    mut segments: Vec<Facts>,
    anchor_ids: &HashSet<u32>,
    flag_of: &dyn Fn(usize) -> Option<(u64, String)>,
    bad_rows: &[lumbung_spend::read::BadRow],
    summary: &mut SpendImportSummary,
) -> Result<()> {
    let own = anchor_calendars(&tx)?;
    if !own.is_empty() {
        for f in &mut segments {
            f.reyear(|a| own.get(&a).copied());
        }
    }
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
    // Added checked: a file of ~92 million payments at the largest amount
    // wrapped the import's total.
    let total: i128 = (kept.iter().flat_map(|f| f.amount.iter()))
        .map(|&a| i128::from(a))
        .sum();
    summary.total = i64::try_from(total)
        .map(Money::from_minor)
        .map_err(|_| StoreError::too_large("total"))?;
    if summary.stored == 0 {
        // Everything was held already: nothing changes, no import is recorded.
        return Ok(());
    }
    let anchors_json =
        serde_json::to_string(&anchor_ids.iter().collect::<Vec<_>>()).expect("ids serialise");
    let import_id: i64 = tx.query_row(
        "INSERT INTO spend_imports (file_name, sha256, rows_read, rows_stored, rows_skipped, total, anchors, mapping, imported_at, imported_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) RETURNING id",
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
        ], |r| r.get::<_, i64>(0),
    )?;
    summary.import_id = Some(ImportId::new(import_id));
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
        crate::cached::count_change(&tx, super::PAYMENTS)?;
        let mut flag_row =
            tx.prepare("INSERT INTO spend_flags (import_id, line, message) VALUES (?1, ?2, ?3)")?;
        for row in kept_rows {
            if let Some((line, message)) = flag_of(row) {
                summary.flagged += 1;
                flag_row.execute(params![import_id, line as i64, message])?;
            }
        }
        let mut bad_row = tx.prepare(
            "INSERT INTO spend_bad_rows (import_id, line, text, amount, reason, reason_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        for b in bad_rows {
            bad_row.execute(params![
                import_id,
                b.line as i64,
                b.text,
                b.amount.map(Money::minor),
                b.reason.english(),
                b.reason.indonesian()
            ])?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::store;

    /// A number found is remembered, and forgotten when the import gives
    /// it to another supplier: the catalogue's answer, never a stale one.
    #[test]
    fn a_company_number_finds_the_supplier_the_catalogue_would() {
        let (_d, s) = store();
        s.write(|tx| {
            // X first, without a number.
            let x = SupplierResolver::new(tx).resolve(Some("x-1"), Some("X Ltd"), None)?;
            let mut r = SupplierResolver::new(tx);
            r.company_numbers = true;
            assert_eq!(r.by_company_number("12345678")?, None);
            let y = r.resolve(Some("12345678"), Some("Y Ltd"), None)?;
            assert_eq!(r.by_company_number("12345678")?, Some(y));
            // X by its name, the same number written another way: X holds
            // it too, and comes first in the catalogue.
            assert_eq!(r.resolve(Some("1234 5678"), Some("X Ltd"), None)?, x);
            let first: i64 = tx.query_row(
                "SELECT id FROM suppliers WHERE company_number = '12345678' ORDER BY id LIMIT 1",
                [],
                |row| row.get(0),
            )?;
            assert_eq!((first, r.by_company_number("12345678")?), (x, Some(x)));
            Ok(())
        })
        .unwrap();
    }
}
