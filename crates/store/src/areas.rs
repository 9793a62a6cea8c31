//! Areas and the postcode map.

use crate::audit::{self, Actor};
use crate::cached::{count_change, Cached};
use crate::db::{params, OptionalExtension, Row, TransactionBehavior};
use crate::{Result, Store, StoreError};
use lumbung_domain::area::{plan_area_import, StoredArea};
use lumbung_domain::{
    text, AreaCode, AreaKind, AreaPath, AreaRecord, ImportSummary, PostalCode, Rejected, RowError,
};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;

/// Postcode prefix → the path of its area.
pub(crate) type PostcodePaths = HashMap<String, String>;

/// The postcode map as last read (`cache_versions`).
pub(crate) type PostcodePathsCache = Cached<PostcodePaths>;

/// The name under which changes of the postcode map or the areas are
/// counted.
pub(crate) const POSTCODE_MAP: &str = "postcode_map";

impl Store {
    /// Every postcode prefix with its area's path, read again only when the
    /// map or the areas changed since (on any server of the database): the
    /// map has thousands of rows, a page needs it whole, and it seldom
    /// changes. Whatever writes either counts the change (`count_change`).
    pub(crate) fn postcode_paths(
        &self,
        conn: &crate::db::Connection,
    ) -> Result<Arc<PostcodePaths>> {
        self.postcode_paths.get(conn, &[POSTCODE_MAP], || {
            let mut stmt = conn.prepare(
                "SELECT p.prefix, a.path FROM postcode_prefixes p JOIN areas a ON a.code = p.area_code",
            )?;
            let rows = stmt.query_map([], |r| r.try_into())?;
            Ok(rows.collect::<crate::db::Result<PostcodePaths>>()?)
        })
    }
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Area {
    pub code: String,
    pub name: String,
    pub parent_code: Option<String>,
    pub kind: Option<String>,
    pub path: String,
    pub depth: i64,
    pub children: i64,
}

const AREA_COLUMNS: &str =
    "a.code, a.name, a.parent_code, a.kind, a.path, a.depth, (SELECT count(*) FROM areas c WHERE c.parent_code = a.code)";

fn area_from_row(r: &Row<'_>) -> crate::db::Result<Area> {
    from_row!(
        r,
        Area {
            code,
            name,
            parent_code,
            kind,
            path,
            depth,
            children
        }
    )
}

/// Which areas a listing shows.
#[derive(Debug, Clone, Default)]
pub struct AreaFilter {
    /// Case-insensitive part of the name (or the start of the code).
    pub query: Option<String>,
    /// Only areas of this kind.
    pub kind: Option<String>,
    /// Only areas inside this one.
    pub within: Option<AreaPath>,
}

pub use lumbung_domain::area_file::PostcodeRecord;

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PostcodeMatch {
    pub postcode: String,
    pub prefix: String,
    pub area: Area,
}

impl Store {
    pub fn area(&self, code: &str) -> Result<Option<Area>> {
        area_in(&*self.conn()?, code)
    }

    /// The path of the kelurahan the area at `path` is or lies in, if any.
    pub fn kelurahan_above(&self, path: &AreaPath) -> Result<Option<AreaPath>> {
        let conn = self.conn()?;
        let mut stmt =
            conn.prepare("SELECT path FROM areas WHERE code = ?1 AND kind = 'kelurahan'")?;
        for code in path.as_str().trim_matches('/').split('/').rev() {
            let found: Option<String> = stmt.query_row([code], |r| r.get(0)).optional()?;
            if let Some(found) = found {
                return Ok(Some(AreaPath::from_stored(found)));
            }
        }
        Ok(None)
    }

    /// The area and its ancestors, root first (for breadcrumbs).
    pub fn area_lineage(&self, code: &str) -> Result<Vec<Area>> {
        let Some(area) = self.area(code)? else {
            return Ok(vec![]);
        };
        let codes: Vec<&str> = area.path.trim_matches('/').split('/').collect();
        let conn = self.conn()?;
        let mut stmt = conn.prepare(&format!(
            "SELECT {AREA_COLUMNS} FROM areas a WHERE a.code = ?1"
        ))?;
        codes
            .iter()
            .map(|c| Ok(stmt.query_row([c], area_from_row)?))
            .collect()
    }

    /// Direct children of `parent` (or the roots), by name.
    pub fn area_children(&self, parent: Option<&str>) -> Result<Vec<Area>> {
        crate::sql::all(
            &*self.conn()?,
            &format!(
                "SELECT {AREA_COLUMNS} FROM areas a WHERE a.parent_code IS NOT DISTINCT FROM ?1 ORDER BY lower(a.name), a.code"
            ),
            [parent],
            area_from_row,
        )
    }

    /// Areas matching `filter`, shallowest first, with the total count.
    pub fn search_areas(
        &self,
        filter: &AreaFilter,
        limit: u32,
        offset: u32,
    ) -> Result<(Vec<Area>, u64)> {
        let conn = self.conn()?;
        let query = crate::sql::searched(&filter.query);
        let like = query.map(crate::sql::like);
        let code_prefix = query.map(|q| q.to_owned());
        let (lo, hi) = crate::sql::subtree(filter.within.as_ref());
        let rows = "FROM areas a WHERE (lower(a.name) LIKE lower(?1) OR ?1 IS NULL OR a.code = ?2)
             AND (a.kind = ?3 OR ?3 IS NULL)
             AND ((a.path >= ?4 AND a.path < ?5) OR ?4 IS NULL)";
        let order = "a.depth, lower(a.name), a.code";
        crate::sql::page(
            &conn,
            (AREA_COLUMNS, rows, order),
            params![like, code_prefix, filter.kind, lo, hi],
            (limit, offset),
            area_from_row,
        )
    }

    pub fn area_path(&self, code: &str) -> Result<Option<AreaPath>> {
        area_path_in(&*self.conn()?, code)
    }

    /// Imports a batch of areas as one transaction: every problem (those
    /// found while reading the file, `read_errors`, and those against the
    /// stored tree) rejects the whole batch; the same batch again changes
    /// nothing. `progress` is called with (rows written, rows to write).
    pub fn import_areas(
        &self,
        file: &str,
        records: Vec<AreaRecord>,
        read_errors: Vec<RowError>,
        warnings: Vec<String>,
        actor: &Actor,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<ImportSummary> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (stored, mut paths) =
            {
                let mut stmt =
                    tx.prepare("SELECT code, name, parent_code, kind, path FROM areas")?;
                let mut stored = HashMap::new();
                let mut paths = HashMap::new();
                let mut rows = stmt.query([])?;
                while let Some(r) = rows.next()? {
                    let code: String = r.get(0)?;
                    let parent: Option<String> = r.get(2)?;
                    let kind: Option<String> = r.get(3)?;
                    // Stored values were validated on the way in.
                    let code = AreaCode::parse(&code).map_err(|e| {
                        StoreError::invalid("areas.code", crate::words::stored_area(e))
                    })?;
                    stored.insert(
                        code.clone(),
                        StoredArea {
                            name: r.get(1)?,
                            parent: parent.as_deref().map(AreaCode::parse).transpose().map_err(
                                |e| {
                                    StoreError::invalid(
                                        "areas.parent_code",
                                        crate::words::stored_area(e),
                                    )
                                },
                            )?,
                            kind: kind.as_deref().map(AreaKind::parse).transpose().map_err(
                                |e| StoreError::invalid("areas.kind", crate::words::stored_area(e)),
                            )?,
                        },
                    );
                    paths.insert(code, AreaPath::from_stored(r.get(4)?));
                }
                (stored, paths)
            };
        let mut errors = read_errors;
        let plan = match plan_area_import(records, &stored) {
            Ok(plan) if errors.is_empty() => plan,
            Ok(_) => return Err(reject(file, errors)),
            Err(found) => {
                errors.extend(found);
                return Err(reject(file, errors));
            }
        };

        // New and changed areas get their paths from the merged tree.
        let mut parent_of: HashMap<AreaCode, Option<AreaCode>> = HashMap::new();
        for r in plan.inserts.iter().chain(&plan.updates) {
            parent_of.insert(r.code.clone(), r.parent.clone());
            paths.remove(&r.code);
        }
        let total = (plan.inserts.len() + plan.updates.len()) as u64;
        let mut done = 0;
        {
            let mut insert = tx.prepare(
                "INSERT INTO areas (code, name, parent_code, kind, path, depth) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for r in &plan.inserts {
                let path = path_of(&r.code, &parent_of, &mut paths);
                insert.execute(area_row(r, &path))?;
                done += 1;
                if done % 5_000 == 0 {
                    progress(done, total);
                }
            }
            let mut update = tx.prepare(
                "UPDATE areas SET name = ?2, parent_code = ?3, kind = ?4, path = ?5, depth = ?6 WHERE code = ?1",
            )?;
            for r in &plan.updates {
                let path = path_of(&r.code, &parent_of, &mut paths);
                let before = &stored[&r.code];
                update.execute(area_row(r, &path))?;
                audit::record(
                    &tx,
                    actor,
                    "area.update",
                    "area",
                    r.code.as_str(),
                    Some(path.as_str()),
                    serde_json::json!({
                        "file": file,
                        "line": r.line,
                        "before": {"name": before.name, "parent_code": before.parent.as_ref().map(AreaCode::as_str), "kind": before.kind.as_ref().map(AreaKind::as_str)},
                        "after": {"name": r.name, "parent_code": r.parent.as_ref().map(AreaCode::as_str), "kind": r.kind.as_ref().map(AreaKind::as_str)},
                    }),
                )?;
            }
        }
        if plan.moves {
            recompute_paths(&tx)?;
        }
        progress(total, total);
        let summary = ImportSummary {
            created: plan.inserts.len() as u64,
            updated: plan.updates.len() as u64,
            unchanged: plan.unchanged,
            warnings,
        };
        if summary.created + summary.updated > 0 {
            count_change(&tx, POSTCODE_MAP)?;
            audit::record(
                &tx,
                actor,
                "areas.import",
                "areas",
                file,
                None,
                serde_json::json!({
                    "created": summary.created,
                    "updated": summary.updated,
                    "unchanged": summary.unchanged,
                    "warnings": summary.warnings,
                }),
            )?;
        }
        tx.commit()?;
        Ok(summary)
    }

    /// Imports a postcode prefix map (`prefix → area`), all or nothing.
    pub fn import_postcodes(
        &self,
        file: &str,
        records: Vec<PostcodeRecord>,
        read_errors: Vec<RowError>,
        actor: &Actor,
    ) -> Result<ImportSummary> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut errors = read_errors;
        let mut seen: HashMap<&str, u64> = HashMap::new();
        {
            let mut exists = tx.prepare("SELECT 1 FROM areas WHERE code = ?1")?;
            for r in &records {
                if let Some(first) = seen.get(r.prefix.as_str()) {
                    errors.push(RowError::new(
                        r.line,
                        Some("prefix"),
                        text!("duplicate_prefix", prefix = r.prefix, first = first;
                            id: "awalan {prefix} ganda (pertama di baris {first})",
                            en: "duplicate prefix {prefix} (first on line {first})"),
                    ));
                } else {
                    seen.insert(&r.prefix, r.line);
                }
                if !exists.exists([r.area_code.as_str()])? {
                    errors.push(RowError::new(
                        r.line,
                        Some("area_code"),
                        text!("area_not_stored", area = r.area_code;
                            id: "wilayah {area} belum tersimpan; impor wilayahnya dulu",
                            en: "area {area} is not stored; import the areas first"),
                    ));
                }
            }
        }
        if !errors.is_empty() {
            errors.sort_by_key(|e| e.line);
            return Err(reject(file, errors));
        }
        let mut summary = ImportSummary::default();
        {
            let mut current =
                tx.prepare("SELECT area_code FROM postcode_prefixes WHERE prefix = ?1")?;
            let mut upsert = tx.prepare(
                "INSERT INTO postcode_prefixes (prefix, area_code) VALUES (?1, ?2)
                 ON CONFLICT (prefix) DO UPDATE SET area_code = excluded.area_code",
            )?;
            for r in &records {
                let before: Option<String> = current
                    .query_row([&r.prefix], |row| row.get(0))
                    .optional()?;
                match before.as_deref() {
                    Some(b) if b == r.area_code.as_str() => {
                        summary.unchanged += 1;
                        continue;
                    }
                    Some(_) => summary.updated += 1,
                    None => summary.created += 1,
                }
                upsert.execute(params![r.prefix, r.area_code.as_str()])?;
            }
        }
        if summary.created + summary.updated > 0 {
            count_change(&tx, POSTCODE_MAP)?;
            audit::record(
                &tx,
                actor,
                "postcodes.import",
                "postcode_map",
                file,
                None,
                serde_json::json!({"created": summary.created, "updated": summary.updated, "unchanged": summary.unchanged}),
            )?;
        }
        tx.commit()?;
        Ok(summary)
    }

    /// The area a postal code belongs to, by the postcode map: the outward
    /// code for UK postcodes, the longest mapped prefix otherwise.
    pub fn locate_postcode(&self, postcode: &PostalCode) -> Result<Option<PostcodeMatch>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare("SELECT area_code FROM postcode_prefixes WHERE prefix = ?1")?;
        for prefix in postcode.lookup_prefixes() {
            let area: Option<String> = stmt.query_row([prefix], |r| r.get(0)).optional()?;
            if let Some(code) = area {
                let area = area_in(&conn, &code)?.ok_or_else(|| {
                    StoreError::not_found(
                        text!("area", area = code; id: "wilayah {area}", en: "area {area}"),
                    )
                })?;
                return Ok(Some(PostcodeMatch {
                    postcode: postcode.as_str().to_owned(),
                    prefix: prefix.to_owned(),
                    area,
                }));
            }
        }
        Ok(None)
    }
}

fn area_in(conn: &crate::db::Connection, code: &str) -> Result<Option<Area>> {
    crate::sql::optional_row(
        conn,
        &format!("SELECT {AREA_COLUMNS} FROM areas a WHERE a.code = ?1"),
        [code],
        area_from_row,
    )
}

/// [`Store::area_path`] on a connection the caller holds.
pub(crate) fn area_path_in(conn: &crate::db::Connection, code: &str) -> Result<Option<AreaPath>> {
    let path = crate::sql::area_path(conn, code)?;
    Ok(path.map(AreaPath::from_stored))
}

fn reject(file: &str, errors: Vec<RowError>) -> StoreError {
    StoreError::Rejected(Rejected {
        file: file.to_owned(),
        errors,
    })
}

/// The path of `code`, from the new parents where the batch gives them and
/// the stored paths otherwise (memoised in `paths`). The batch was checked
/// for cycles and missing parents, so the walk ends.
/// An area's row as the import's insert and update bind it: code, name,
/// parent, kind, path, depth.
fn area_row<'a>(r: &'a AreaRecord, path: &'a AreaPath) -> impl crate::db::Params + 'a {
    (
        r.code.as_str(),
        r.name.as_str(),
        r.parent.as_ref().map(AreaCode::as_str),
        r.kind.as_ref().map(AreaKind::as_str),
        path.as_str(),
        path.depth() as i64,
    )
}

fn path_of(
    code: &AreaCode,
    new_parent: &HashMap<AreaCode, Option<AreaCode>>,
    paths: &mut HashMap<AreaCode, AreaPath>,
) -> AreaPath {
    if let Some(p) = paths.get(code) {
        return p.clone();
    }
    let path = match new_parent.get(code).cloned().flatten() {
        None => AreaPath::root(code),
        Some(parent) => path_of(&parent, new_parent, paths).child(code),
    };
    paths.insert(code.clone(), path.clone());
    path
}

/// Rebuilds every stored path from the parent links, after areas moved.
fn recompute_paths(tx: &crate::db::Transaction<'_>) -> Result<()> {
    let links: Vec<(String, Option<String>, String)> =
        crate::sql::all(tx, "SELECT code, parent_code, path FROM areas", [], |r| {
            r.try_into()
        })?;
    let mut parent_of = HashMap::new();
    for (code, parent, _) in &links {
        let code = AreaCode::parse(code)
            .map_err(|e| StoreError::invalid("areas.code", crate::words::stored_area(e)))?;
        let parent = parent
            .as_deref()
            .map(AreaCode::parse)
            .transpose()
            .map_err(|e| StoreError::invalid("areas.parent_code", crate::words::stored_area(e)))?;
        parent_of.insert(code, parent);
    }
    let mut paths = HashMap::new();
    let mut update = tx.prepare("UPDATE areas SET path = ?2, depth = ?3 WHERE code = ?1")?;
    for (code, _, old) in &links {
        let code = AreaCode::parse(code)
            .map_err(|e| StoreError::invalid("areas.code", crate::words::stored_area(e)))?;
        let path = path_of(&code, &parent_of, &mut paths);
        if path.as_str() != old {
            update.execute(params![code.as_str(), path.as_str(), path.depth() as i64])?;
        }
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::test_support::store;

    pub(crate) fn rec(line: u64, code: &str, name: &str, parent: Option<&str>) -> AreaRecord {
        AreaRecord {
            line,
            code: AreaCode::parse(code).unwrap(),
            name: name.into(),
            parent: parent.map(|p| AreaCode::parse(p).unwrap()),
            kind: None,
        }
    }

    /// Imports areas from a file named `t.csv`, without postcodes.
    pub(crate) fn import(store: &Store, records: Vec<AreaRecord>) -> Result<ImportSummary> {
        store.import_areas(
            "t.csv",
            records,
            vec![],
            vec![],
            &Actor::cli(),
            &mut |_, _| {},
        )
    }

    /// Postcode prefix `prefix` of area `code`, on `line`.
    pub(crate) fn prefix(line: u64, prefix: &str, code: &str) -> PostcodeRecord {
        PostcodeRecord {
            line,
            prefix: prefix.into(),
            area_code: AreaCode::parse(code).unwrap(),
        }
    }

    /// Imports postcode prefixes from a file named `p.csv`.
    pub(crate) fn import_prefixes(
        store: &Store,
        records: Vec<PostcodeRecord>,
    ) -> Result<ImportSummary> {
        store.import_postcodes("p.csv", records, vec![], &Actor::cli())
    }

    #[test]
    fn import_builds_paths_and_is_idempotent() {
        let (_d, s) = store();
        let batch = vec![
            rec(2, "36", "BANTEN", Some("ID")),
            rec(3, "ID", "Indonesia", None),
            rec(4, "3604", "KABUPATEN SERANG", Some("36")),
        ];
        let first = import(&s, batch.clone()).unwrap();
        assert_eq!(first.created, 3);
        assert_eq!(s.area("3604").unwrap().unwrap().path, "/ID/36/3604/");
        let again = import(&s, batch).unwrap();
        assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 3));
        let (entries, _) = s
            .audit_entries(&lumbung_domain::Scope::Global, 10, 0)
            .unwrap();
        assert_eq!(entries.len(), 1, "the no-op import is not audited");
    }

    #[test]
    fn moving_an_area_moves_its_subtree() {
        let (_d, s) = store();
        import(
            &s,
            vec![
                rec(2, "A", "A", None),
                rec(3, "B", "B", None),
                rec(4, "A1", "A1", Some("A")),
                rec(5, "A11", "A11", Some("A1")),
            ],
        )
        .unwrap();
        let moved = import(&s, vec![rec(2, "A1", "A1", Some("B"))]).unwrap();
        assert_eq!(moved.updated, 1);
        assert_eq!(s.area("A11").unwrap().unwrap().path, "/B/A1/A11/");
        assert_eq!(s.area("A11").unwrap().unwrap().depth, 3);
    }

    #[test]
    fn a_rejected_batch_writes_nothing() {
        let (_d, s) = store();
        let err = import(
            &s,
            vec![rec(2, "A", "A", None), rec(3, "B", "B", Some("NOPE"))],
        )
        .unwrap_err();
        match err {
            StoreError::Rejected(r) => assert_eq!(r.errors[0].line, 3),
            other => panic!("{other:?}"),
        }
        assert!(s.area("A").unwrap().is_none());
    }

    #[test]
    fn postcodes_resolve_by_outward_code_or_longest_prefix() {
        let (_d, s) = store();
        import(
            &s,
            vec![
                rec(2, "PRESTON", "Preston", None),
                rec(3, "SERANG", "Serang", None),
                rec(4, "CIRUAS", "Ciruas", Some("SERANG")),
            ],
        )
        .unwrap();
        let summary = import_prefixes(
            &s,
            vec![
                prefix(2, "PR1", "PRESTON"),
                prefix(3, "421", "SERANG"),
                prefix(4, "42182", "CIRUAS"),
            ],
        )
        .unwrap();
        assert_eq!(summary.created, 3);
        let at = |pc: &str| {
            s.locate_postcode(&PostalCode::parse(pc).unwrap())
                .unwrap()
                .map(|m| m.area.code)
        };
        assert_eq!(at("PR1 2HE").as_deref(), Some("PRESTON"));
        assert_eq!(at("PR12 3AB"), None, "PR12 is another district than PR1");
        assert_eq!(at("42182").as_deref(), Some("CIRUAS"));
        assert_eq!(at("42111").as_deref(), Some("SERANG"));
        assert_eq!(at("10110"), None);

        let err = import_prefixes(&s, vec![prefix(2, "OX1", "OXFORD")]).unwrap_err();
        assert!(
            err.to_string().contains("line 2, column area_code"),
            "{err}"
        );
    }

    #[test]
    fn the_postcode_map_is_read_again_when_any_server_changes_it() {
        let (d, s) = store();
        import(
            &s,
            vec![
                rec(2, "PRESTON", "Preston", None),
                rec(3, "LANCS", "Lancashire", None),
            ],
        )
        .unwrap();
        import_prefixes(&s, vec![prefix(2, "PR1", "PRESTON")]).unwrap();
        let paths = || s.postcode_paths(&s.conn().unwrap()).unwrap();
        let first = paths();
        assert_eq!(first.get("PR1").map(String::as_str), Some("/PRESTON/"));
        assert!(Arc::ptr_eq(&first, &paths()), "unchanged, the map is kept");

        // Another server of the same database changes the map, then an area.
        let other = d.open_again();
        import_prefixes(
            &other,
            vec![prefix(2, "PR1", "LANCS"), prefix(3, "PR2", "PRESTON")],
        )
        .unwrap();
        let after = paths();
        assert_eq!(after.get("PR1").map(String::as_str), Some("/LANCS/"));
        assert_eq!(after.get("PR2").map(String::as_str), Some("/PRESTON/"));
        import(&other, vec![rec(2, "PRESTON", "Preston", Some("LANCS"))]).unwrap();
        assert_eq!(
            paths().get("PR2").map(String::as_str),
            Some("/LANCS/PRESTON/")
        );
    }
}
