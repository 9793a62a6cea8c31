//! The organisation registry.

use crate::audit::{self, Actor};
use crate::db::Value;
use crate::db::{params, params_from_iter, Row, Transaction, TransactionBehavior};
use crate::{Result, Store, StoreError};
use lumbung_domain::org::lies_within;
use lumbung_domain::{
    text, AreaCode, AreaPath, CompanyNumber, ImportSummary, Npwp, OrgId, OrgKind, Placement,
    Rejected, RowError, Scope,
};
use serde::Serialize;
use std::collections::BTreeMap;

pub use lumbung_domain::org_file::{OrgInput, OrgRecord};

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Org {
    pub id: OrgId,
    pub name: String,
    pub kind: String,
    pub area_code: Option<String>,
    pub area_name: Option<String>,
    pub parent_id: Option<OrgId>,
    pub parent_name: Option<String>,
    pub company_number: Option<String>,
    pub npwp: Option<String>,
    pub attributes: BTreeMap<String, String>,
    pub created_at: String,
    pub updated_at: String,
    #[serde(skip)]
    pub placement: Placement,
}

/// How a caller names an organisation: by id, or by name. Names are not
/// unique, so a name is resolved only among the organisations within the
/// caller's reach and an ambiguous one is refused ([`Store::find_org`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrgRef {
    Id(OrgId),
    /// A name, case aside (ASCII letters, as SQL's `lower`).
    Name(String),
    /// A name, or when it is a whole number also the organisation with
    /// that id (the CLI's `--upk 26`).
    NameOrId(String),
}

#[derive(Debug, Clone, Default)]
pub struct OrgFilter {
    /// Case-insensitive part of the name, or an exact identifier.
    pub query: Option<String>,
    pub kind: Option<OrgKind>,
    /// Only organisations inside this area.
    pub within: Option<AreaPath>,
    /// Also match the query against company numbers and NPWPs (not for
    /// anonymous visitors: it would confirm identifiers they may not see).
    pub match_identifiers: bool,
}

const ORG_COLUMNS: &str = "o.id, o.name, o.kind, o.area_code, a.name, o.parent_id, p.name,
        o.company_number, o.npwp, o.attributes, o.created_at, o.updated_at, a.path";
const ORG_FROM: &str = "FROM organisations o
    LEFT JOIN areas a ON a.code = o.area_code
    LEFT JOIN organisations p ON p.id = o.parent_id";

fn org_from_row(r: &Row<'_>) -> crate::db::Result<Org> {
    from_row!(
        r,
        Org {
            id: OrgId::new,
            name,
            kind,
            area_code,
            area_name,
            parent_id: |p: Option<i64>| p.map(OrgId::new),
            parent_name,
            company_number,
            npwp,
            attributes: crate::sql::json_or_default,
            created_at,
            updated_at,
            placement: |area: Option<String>| Placement {
                area: area.map(AreaPath::from_stored),
                orgs: vec![],
            },
        }
    )
}

pub(crate) use crate::lineage::{effective_area, lineage};

pub(crate) fn load(conn: &crate::db::Connection, id: i64) -> Result<Option<Org>> {
    let org = crate::sql::optional_row(
        conn,
        &format!("SELECT {ORG_COLUMNS} {ORG_FROM} WHERE o.id = ?1"),
        [id],
        org_from_row,
    )?;
    Ok(match org {
        Some(mut org) => {
            org.placement.orgs = lineage(conn, org.id.get())?;
            Some(org)
        }
        None => None,
    })
}

fn snapshot(input: &OrgInput) -> serde_json::Value {
    serde_json::json!({
        "name": input.name,
        "kind": input.kind.as_str(),
        "area_code": input.area_code.as_ref().map(AreaCode::as_str),
        "parent_id": input.parent_id,
        "company_number": input.company_number.as_ref().map(CompanyNumber::as_str),
        "npwp": input.npwp.as_ref().map(Npwp::as_str),
        "attributes": input.attributes,
    })
}

fn org_snapshot(org: &Org) -> serde_json::Value {
    serde_json::json!({
        "name": org.name,
        "kind": org.kind,
        "area_code": org.area_code,
        "parent_id": org.parent_id,
        "company_number": org.company_number,
        "npwp": org.npwp,
        "attributes": org.attributes,
    })
}

fn same(org: &Org, input: &OrgInput) -> bool {
    org_snapshot(org) == snapshot(input)
}

/// An organisation id that names no organisation.
pub(crate) fn no_org(id: impl std::fmt::Display) -> lumbung_domain::Text {
    text!("no_org", org = id;
        id: "organisasi {org} tidak ada",
        en: "organisation {org} does not exist")
}

/// Checks what the schema cannot: the area and parent exist, the parent
/// link makes no cycle, the organisation lies inside its parent's area and
/// keeps its descendants inside its own, identifiers are not another
/// organisation's.
fn check(tx: &Transaction<'_>, id: Option<i64>, input: &OrgInput) -> Result<()> {
    if input.name.trim().is_empty() {
        return Err(StoreError::invalid(
            "name",
            text!("name_required"; id: "nama wajib diisi", en: "name is required"),
        ));
    }
    let own_area = match &input.area_code {
        Some(code) => Some(
            scope_path(tx, Some(code))?
                .map(AreaPath::from_stored)
                .ok_or_else(|| StoreError::invalid("area_code", crate::words::no_area(code)))?,
        ),
        None => None,
    };
    let mut parent_area = None;
    if let Some(parent) = input.parent_id.map(OrgId::get) {
        let chain = lineage(tx, parent)?;
        if chain.is_empty() {
            return Err(StoreError::invalid("parent_id", no_org(parent)));
        }
        if id.is_some_and(|id| chain.contains(&id)) {
            return Err(StoreError::invalid(
                "parent_id",
                text!("org_under_itself";
                    id: "organisasi tidak dapat berada di bawah dirinya sendiri",
                    en: "an organisation cannot sit under itself"),
            ));
        }
        parent_area = effective_area(tx, parent)?;
    }
    if !lies_within(parent_area.as_ref(), own_area.as_ref()) {
        return Err(StoreError::invalid(
            "area_code",
            text!("org_outside_parent_area",
                parent_area = parent_area.as_ref().map_or("", AreaPath::as_str),
                area = input.area_code.as_ref().map_or("", AreaCode::as_str);
                id: "organisasi anak berada di dalam wilayah induknya ({parent_area}); {area} di luarnya",
                en: "a child organisation lies inside its parent's area ({parent_area}); {area} is outside it"),
        ));
    }
    if let (Some(id), Some(area)) = (id, own_area.as_ref().or(parent_area.as_ref())) {
        if let Some((child, name, code)) = descendant_outside(tx, id, area)? {
            return Err(StoreError::invalid(
                "area_code",
                text!("org_descendant_outside", child = child, name = name, code = code;
                    id: "organisasi {child} ({name}) di bawah organisasi ini berada di {code}, di luar wilayah baru",
                    en: "organisation {child} ({name}) under this one sits in {code}, outside the new area"),
            ));
        }
    }
    for (field, value) in identifiers(input) {
        if let Some(value) = value {
            let holder: Option<(i64, String)> = crate::sql::optional_row(
                tx,
                &format!("SELECT id, name FROM organisations WHERE {field} = ?1"),
                [value],
                |r| r.try_into(),
            )?;
            if let Some((other, name)) = holder.filter(|(other, _)| Some(*other) != id) {
                return Err(StoreError::conflict(
                    text!("org_identifier_taken", field = field, value = value, other = other, name = name;
                        id: "{field} {value} sudah milik organisasi {other} ({name})",
                        en: "{field} {value} already belongs to organisation {other} ({name})"),
                ));
            }
        }
    }
    Ok(())
}

/// A descendant of `id` placed outside `area` (id, name, area code), if any.
fn descendant_outside(
    tx: &Transaction<'_>,
    id: i64,
    area: &AreaPath,
) -> Result<Option<(i64, String, String)>> {
    crate::sql::optional_row(
        tx,
        "WITH RECURSIVE down(id, n) AS (
             SELECT id, 0 FROM organisations WHERE parent_id = ?1
             UNION ALL SELECT o.id, down.n + 1 FROM organisations o JOIN down ON o.parent_id = down.id
             WHERE down.n < 64)
         SELECT o.id, o.name, a.code FROM down JOIN organisations o ON o.id = down.id
         JOIN areas a ON a.code = o.area_code
         WHERE NOT (a.path >= ?2 AND a.path < ?3) ORDER BY o.id LIMIT 1",
        params![id, area.as_str(), area.subtree_end()],
        |r| r.try_into(),
    )
}

/// The columns an [`OrgInput`] sets, in the order the insert and the update
/// bind them: `name, kind, area_code, parent_id, company_number, npwp,
/// attributes`, then now (`?8`).
fn columns(input: &OrgInput) -> Vec<Value> {
    let text = |s: Option<&str>| Value::from(s.map(str::to_owned));
    vec![
        Value::from(input.name.trim().to_owned()),
        Value::from(input.kind.as_str().to_owned()),
        text(input.area_code.as_ref().map(AreaCode::as_str)),
        Value::from(input.parent_id.map(OrgId::get)),
        text(input.company_number.as_ref().map(CompanyNumber::as_str)),
        text(input.npwp.as_ref().map(Npwp::as_str)),
        Value::from(serde_json::to_string(&input.attributes).expect("string map serialises")),
        Value::from(crate::now()),
    ]
}

fn insert(tx: &Transaction<'_>, input: &OrgInput) -> Result<i64> {
    Ok(tx.insert_id(
        "INSERT INTO organisations (name, kind, area_code, parent_id, company_number, npwp, attributes, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
        params_from_iter(columns(input)),
    )?)
}

/// An organisation, as what was not found.
fn organisation(id: i64) -> lumbung_domain::Text {
    text!("organisation", org = id; id: "organisasi {org}", en: "organisation {org}")
}

/// Creates an organisation that a file or a form names by name alone (no
/// identifiers, no attributes), with its audit entry; `details` say where
/// it came from.
pub(crate) fn create_named(
    tx: &Transaction<'_>,
    actor: &Actor,
    name: &str,
    kind: &str,
    (area_code, parent): (Option<&str>, Option<i64>),
    details: serde_json::Value,
) -> Result<i64> {
    let id = tx.insert_id(
        "INSERT INTO organisations (name, kind, area_code, parent_id, attributes, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, '{}', ?5, ?5)",
        params![name, kind, area_code, parent, crate::now()],
    )?;
    audit::record(
        tx,
        actor,
        "org.create",
        "organisation",
        &id.to_string(),
        None,
        details,
    )?;
    Ok(id)
}

/// Creates many organisations named by a file, none placed in an area of
/// its own (a fund import's UPKs and KSMs), as [`create_named`] does one:
/// all at the same time, each parent's scope read once.
pub(crate) struct Unplaced {
    at: String,
    /// The scope of each parent met so far.
    parents: std::collections::HashMap<i64, audit::OrgScope>,
}

impl Unplaced {
    pub(crate) fn new() -> Unplaced {
        Unplaced {
            at: crate::now(),
            parents: std::collections::HashMap::new(),
        }
    }

    pub(crate) fn create(
        &mut self,
        tx: &Transaction<'_>,
        actor: &Actor,
        (name, kind, parent): (&str, &str, Option<i64>),
        details: serde_json::Value,
    ) -> Result<i64> {
        let id = tx.insert_id(
            "INSERT INTO organisations (name, kind, area_code, parent_id, attributes, created_at, updated_at)
             VALUES (?1, ?2, NULL, ?3, '{}', ?4, ?4)",
            params![name, kind, parent, self.at],
        )?;
        let above = match parent {
            Some(p) => Some(match self.parents.entry(p) {
                std::collections::hash_map::Entry::Occupied(o) => o.into_mut(),
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert(audit::OrgScope::of(tx, p)?)
                }
            }),
            None => None,
        };
        let scope = audit::OrgScope::unplaced(id, above.as_deref());
        audit::record_created(tx, actor, &self.at, (id, &scope), details)?;
        Ok(id)
    }
}

fn update(tx: &Transaction<'_>, id: i64, input: &OrgInput) -> Result<()> {
    tx.execute(
        "UPDATE organisations SET name = ?1, kind = ?2, area_code = ?3, parent_id = ?4, company_number = ?5,
             npwp = ?6, attributes = ?7, updated_at = ?8 WHERE id = ?9",
        params_from_iter(columns(input).into_iter().chain([Value::from(id)])),
    )?;
    Ok(())
}

/// Records `action` (`org.create`, `org.update`) on organisation `id`,
/// scoped by the area `input` places it in.
fn audit_org(
    tx: &Transaction<'_>,
    actor: &Actor,
    action: &str,
    (id, input): (i64, &OrgInput),
    details: serde_json::Value,
) -> Result<()> {
    let path = scope_path(tx, input.area_code.as_ref())?;
    audit::record(
        tx,
        actor,
        action,
        "organisation",
        &id.to_string(),
        path.as_deref(),
        details,
    )
}

/// The identifiers an organisation may give, by column: each names one
/// organisation at most.
fn identifiers(input: &OrgInput) -> [(&'static str, Option<&str>); 2] {
    [
        (
            "company_number",
            input.company_number.as_ref().map(CompanyNumber::as_str),
        ),
        ("npwp", input.npwp.as_ref().map(Npwp::as_str)),
    ]
}

fn scope_path(tx: &Transaction<'_>, area: Option<&AreaCode>) -> Result<Option<String>> {
    Ok(match area {
        Some(code) => crate::sql::area_path(tx, code.as_str())?,
        None => None,
    })
}

/// The organisations of `kind` that `r` names, of any scope, oldest first.
pub(crate) fn named(conn: &crate::db::Connection, kind: OrgKind, r: &OrgRef) -> Result<Vec<Org>> {
    let (name, id) = match r {
        OrgRef::Id(id) => (None, Some(id.get())),
        OrgRef::Name(name) => (Some(name.trim()), None),
        OrgRef::NameOrId(raw) => (Some(raw.trim()), raw.trim().parse::<i64>().ok()),
    };
    let mut stmt = conn.prepare(
        "SELECT id FROM organisations
         WHERE kind = ?1 AND ((lower(name) = lower(?2) AND ?2 IS NOT NULL) OR id IS NOT DISTINCT FROM ?3) ORDER BY id",
    )?;
    let ids = stmt
        .query_map(params![kind.as_str(), name, id], |r| r.get::<_, i64>(0))?
        .collect::<crate::db::Result<Vec<_>>>()?;
    let mut orgs = Vec::with_capacity(ids.len());
    for id in ids {
        orgs.extend(load(conn, id)?);
    }
    Ok(orgs)
}

/// The one organisation among `candidates` that `scope` covers: `None` when
/// none is within reach, an error naming every candidate's id when several
/// are (`field` names the input, e.g. `upk` or `anchor`).
pub(crate) fn one_within(
    candidates: Vec<Org>,
    scope: &Scope,
    field: &str,
    r: &OrgRef,
) -> Result<Option<Org>> {
    let mut within: Vec<Org> = candidates
        .into_iter()
        .filter(|o| scope.covers(&o.placement))
        .collect();
    if within.len() > 1 {
        let listed: Vec<String> = within
            .iter()
            .map(|o| match &o.area_name {
                Some(area) => format!("{} ({}, {area})", o.id, o.name),
                None => format!("{} ({})", o.id, o.name),
            })
            .collect();
        let given = match r {
            OrgRef::Id(id) => id.to_string(),
            OrgRef::Name(n) | OrgRef::NameOrId(n) => n.trim().to_owned(),
        };
        return Err(StoreError::invalid(
            field,
            text!("org_name_fits_several", given = format!("{given:?}"), count = within.len(),
                kind = field, listed = listed.join(", ");
                id: "{given} cocok dengan {count} organisasi berjenis {kind}: {listed}; berikan id-nya",
                en: "{given} names {count} organisations of kind {kind}: {listed}; give the id instead"),
        ));
    }
    Ok(within.pop())
}

impl Store {
    pub fn org(&self, id: OrgId) -> Result<Option<Org>> {
        let id = id.get();
        let conn = self.conn()?;
        load(&conn, id)
    }

    /// The one organisation of `kind` that `r` names within `scope` (the
    /// CLI's reach is `Scope::Global`, the web's the viewer's scope); `None`
    /// when there is none within reach, an error listing the candidates'
    /// ids when a name fits several.
    pub fn find_org(&self, kind: OrgKind, r: &OrgRef, scope: &Scope) -> Result<Option<Org>> {
        let conn = self.conn()?;
        one_within(named(&conn, kind, r)?, scope, kind.as_str(), r)
    }

    pub fn create_org(&self, input: &OrgInput, actor: &Actor) -> Result<Org> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        check(&tx, None, input)?;
        let id = insert(&tx, input)?;
        audit_org(&tx, actor, "org.create", (id, input), snapshot(input))?;
        tx.commit()?;
        load(&conn, id)?.ok_or_else(|| StoreError::not_found(organisation(id)))
    }

    pub fn update_org(&self, id: OrgId, input: &OrgInput, actor: &Actor) -> Result<Org> {
        let id = id.get();
        let mut conn = self.conn()?;
        let before = load(&conn, id)?.ok_or_else(|| StoreError::not_found(organisation(id)))?;
        if same(&before, input) {
            return Ok(before);
        }
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        check(&tx, Some(id), input)?;
        update(&tx, id, input)?;
        let change = serde_json::json!({"before": org_snapshot(&before), "after": snapshot(input)});
        audit_org(&tx, actor, "org.update", (id, input), change)?;
        tx.commit()?;
        load(&conn, id)?.ok_or_else(|| StoreError::not_found(organisation(id)))
    }

    /// Organisations matching `filter`, by name, with the total count.
    pub fn search_orgs(
        &self,
        filter: &OrgFilter,
        limit: u32,
        offset: u32,
    ) -> Result<(Vec<Org>, u64)> {
        let conn = self.conn()?;
        let query = crate::sql::searched(&filter.query);
        let like = query.map(crate::sql::like);
        let exact = query
            .filter(|_| filter.match_identifiers)
            .map(|q| q.replace(['.', '-', ' '], "").to_uppercase());
        let (lo, hi) = crate::sql::subtree(filter.within.as_ref());
        let kind = filter.kind.map(OrgKind::as_str);
        let rows = format!(
            "{ORG_FROM} WHERE (lower(o.name) LIKE lower(?1) OR ?1 IS NULL OR o.company_number = ?2 OR o.npwp = ?2)
             AND (o.kind = ?3 OR ?3 IS NULL)
             AND ((a.path >= ?4 AND a.path < ?5) OR ?4 IS NULL)"
        );
        let (mut orgs, total) = crate::sql::page(
            &conn,
            (ORG_COLUMNS, &rows, "lower(o.name), o.id"),
            params![like, exact, kind, lo, hi],
            (limit, offset),
            org_from_row,
        )?;
        for org in &mut orgs {
            org.placement.orgs = lineage(&conn, org.id.get())?;
        }
        Ok((orgs, total))
    }

    /// Imports organisations, all or nothing. A row is the same
    /// organisation as a stored one with the same company number or NPWP,
    /// else the same name (ignoring case), kind and area; such rows update
    /// it, so the same file twice changes nothing.
    pub fn import_orgs(
        &self,
        file: &str,
        records: Vec<OrgRecord>,
        read_errors: Vec<RowError>,
        actor: &Actor,
    ) -> Result<ImportSummary> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut errors = read_errors;
        let mut summary = ImportSummary::default();
        // Two rows of one file that name the same organisation would
        // silently overwrite each other: refuse them instead.
        let mut first_line_of: std::collections::HashMap<i64, u64> =
            std::collections::HashMap::new();
        for r in &records {
            let existing = match find_same(&tx, &r.input) {
                Ok(found) => found,
                Err(StoreError::Conflict(message)) => {
                    errors.push(RowError::new(r.line, Some("name"), message));
                    continue;
                }
                Err(other) => return Err(other),
            };
            if let Some(id) = existing {
                if let Some(first) = first_line_of.get(&id) {
                    errors.push(RowError::new(
                        r.line,
                        Some("name"),
                        text!("org_same_as_line", first = first;
                            id: "organisasi yang sama dengan baris {first} (nama, jenis, dan wilayah sama, atau pengenal sama)",
                            en: "the same organisation as line {first} (same name, kind and area, or same identifier)"),
                    ));
                    continue;
                }
                first_line_of.insert(id, r.line);
            }
            let outcome = match existing {
                Some(id) => {
                    let before = load(&tx, id)?
                        .ok_or_else(|| StoreError::not_found(organisation(id)))?;
                    if same(&before, &r.input) {
                        summary.unchanged += 1;
                        Ok(())
                    } else {
                        check(&tx, Some(id), &r.input).and_then(|()| {
                            update(&tx, id, &r.input)?;
                            summary.updated += 1;
                            let change = serde_json::json!({"file": file, "line": r.line, "before": org_snapshot(&before), "after": snapshot(&r.input)});
                            audit_org(&tx, actor, "org.update", (id, &r.input), change)
                        })
                    }
                }
                None => check(&tx, None, &r.input).and_then(|()| {
                    let id = insert(&tx, &r.input)?;
                    first_line_of.insert(id, r.line);
                    summary.created += 1;
                    let created = serde_json::json!({"file": file, "line": r.line, "org": snapshot(&r.input)});
                    audit_org(&tx, actor, "org.create", (id, &r.input), created)
                }),
            };
            match outcome {
                Ok(()) => {}
                Err(StoreError::Invalid { field, message }) => {
                    errors.push(RowError::new(r.line, Some(&field), message))
                }
                Err(StoreError::Conflict(message)) => {
                    errors.push(RowError::new(r.line, None, message))
                }
                Err(other) => return Err(other),
            }
        }
        if !errors.is_empty() {
            errors.sort_by_key(|e| e.line);
            return Err(StoreError::Rejected(Rejected {
                file: file.to_owned(),
                errors,
            }));
        }
        tx.commit()?;
        Ok(summary)
    }
}

fn find_same(tx: &Transaction<'_>, input: &OrgInput) -> Result<Option<i64>> {
    // An identifier decides first; then name, kind and area.
    for (column, value) in identifiers(input) {
        let Some(value) = value else { continue };
        let found: Option<i64> = crate::sql::optional(
            tx,
            &format!("SELECT id FROM organisations WHERE {column} = ?1"),
            [value],
        )?;
        if found.is_some() {
            return Ok(found);
        }
    }
    // Names are not unique: a row that fits several is refused, never
    // taken for one of them.
    let mut stmt = tx.prepare(
        "SELECT id FROM organisations WHERE lower(name) = lower(?1) AND kind = ?2 AND area_code IS NOT DISTINCT FROM ?3 ORDER BY id",
    )?;
    let ids = stmt
        .query_map(
            params![
                input.name.trim(),
                input.kind.as_str(),
                input.area_code.as_ref().map(AreaCode::as_str)
            ],
            |r| r.get::<_, i64>(0),
        )?
        .collect::<crate::db::Result<Vec<_>>>()?;
    match ids.as_slice() {
        [] => Ok(None),
        [id] => Ok(Some(*id)),
        several => {
            let ids: Vec<String> = several.iter().map(i64::to_string).collect();
            Err(StoreError::conflict(
                text!("org_same_as_several", ids = ids.join(", ");
                id: "nama, jenis, dan wilayah sama dengan organisasi {ids}; berikan company_number atau npwp untuk membedakannya",
                en: "the same name, kind and area as organisations {ids}; give a company_number or npwp to tell them apart"),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::store;
    use lumbung_domain::AreaRecord;

    use crate::test_support::org_input as input;

    /// The row of a file at `line`.
    fn record(line: u64, input: OrgInput) -> OrgRecord {
        OrgRecord { line, input }
    }

    fn with_areas() -> (crate::test_support::TestDb, Store) {
        let (d, s) = store();
        let rec = |line, code: &str, parent: Option<&str>| AreaRecord {
            line,
            code: AreaCode::parse(code).unwrap(),
            name: code.into(),
            parent: parent.map(|p| AreaCode::parse(p).unwrap()),
            kind: None,
        };
        crate::areas::tests::import(
            &s,
            vec![
                rec(2, "UK", None),
                rec(3, "PRESTON", Some("UK")),
                rec(4, "OXFORD", Some("UK")),
            ],
        )
        .unwrap();
        (d, s)
    }

    /// The areas and a BKM in PRESTON.
    fn with_bkm() -> (crate::test_support::TestDb, Store, Org) {
        let (d, s) = with_areas();
        let bkm = input("BKM", OrgKind::Bkm, Some("PRESTON"));
        let bkm = s.create_org(&bkm, &Actor::cli()).unwrap();
        (d, s, bkm)
    }

    /// `org` under `parent`.
    fn under(parent: &Org, org: OrgInput) -> OrgInput {
        OrgInput {
            parent_id: Some(parent.id),
            ..org
        }
    }

    #[test]
    fn create_update_and_audit() {
        let (_d, s) = with_areas();
        let actor = Actor::cli();
        let org = s
            .create_org(
                &input("Preston City Council", OrgKind::Anchor, Some("PRESTON")),
                &actor,
            )
            .unwrap();
        assert_eq!(org.area_name.as_deref(), Some("PRESTON"));
        assert_eq!(org.placement.orgs, vec![org.id.get()]);
        let mut changed = input("Preston City Council", OrgKind::Anchor, Some("PRESTON"));
        changed.attributes.insert("employees".into(), "1200".into());
        let updated = s.update_org(org.id, &changed, &actor).unwrap();
        assert_eq!(updated.attributes["employees"], "1200");
        s.update_org(org.id, &changed, &actor).unwrap();
        let (log, total) = s
            .audit_entries(&lumbung_domain::Scope::Global, 10, 0)
            .unwrap();
        assert_eq!(
            total, 3,
            "areas import, create, one update; the no-op update is not logged"
        );
        assert_eq!(log[0].action, "org.update");
        assert_eq!(
            log[0].details["before"]["attributes"],
            serde_json::json!({})
        );
    }

    #[test]
    fn identifiers_are_unique_and_areas_must_exist() {
        let (_d, s) = with_areas();
        let actor = Actor::cli();
        let mut a = input("A Ltd", OrgKind::Supplier, None);
        a.company_number = Some(CompanyNumber::parse("01234567").unwrap());
        s.create_org(&a, &actor).unwrap();
        let mut b = input("B Ltd", OrgKind::Supplier, None);
        b.company_number = a.company_number.clone();
        assert!(matches!(
            s.create_org(&b, &actor),
            Err(StoreError::Conflict(_))
        ));
        let c = input("C", OrgKind::Ngo, Some("NOWHERE"));
        assert!(
            matches!(s.create_org(&c, &actor), Err(StoreError::Invalid { field, .. }) if field == "area_code")
        );
    }

    #[test]
    fn parents_cannot_form_cycles_and_placement_follows_them() {
        let (_d, s, bkm) = with_bkm();
        let actor = Actor::cli();
        let upk_in = under(&bkm, input("UPK", OrgKind::Upk, Some("PRESTON")));
        let upk = s.create_org(&upk_in, &actor).unwrap();
        assert_eq!(upk.placement.orgs, vec![upk.id.get(), bkm.id.get()]);
        let bkm_in = under(&upk, input("BKM", OrgKind::Bkm, Some("PRESTON")));
        assert!(matches!(
            s.update_org(bkm.id, &bkm_in, &actor),
            Err(StoreError::Invalid { .. })
        ));
    }

    #[test]
    fn search_by_name_kind_area_and_identifier() {
        let (_d, s) = with_areas();
        let actor = Actor::cli();
        s.create_org(
            &input("Preston City Council", OrgKind::Anchor, Some("PRESTON")),
            &actor,
        )
        .unwrap();
        let mut coop = input(
            "Preston Co-operative Development Network",
            OrgKind::Cooperative,
            Some("PRESTON"),
        );
        coop.npwp = Some(Npwp::parse("01.234.567.8-901.000").unwrap());
        s.create_org(&coop, &actor).unwrap();
        s.create_org(
            &input("Oxford City Council", OrgKind::Anchor, Some("OXFORD")),
            &actor,
        )
        .unwrap();
        let find = |f: OrgFilter| {
            s.search_orgs(&f, 50, 0)
                .unwrap()
                .0
                .into_iter()
                .map(|o| o.name)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            find(OrgFilter {
                query: Some("preston".into()),
                ..Default::default()
            })
            .len(),
            2
        );
        assert_eq!(
            find(OrgFilter {
                kind: Some(OrgKind::Anchor),
                within: s.area_path("PRESTON").unwrap(),
                ..Default::default()
            }),
            vec!["Preston City Council"]
        );
        assert_eq!(
            find(OrgFilter {
                query: Some("01.234.567.8-901.000".into()),
                match_identifiers: true,
                ..Default::default()
            }),
            vec!["Preston Co-operative Development Network"]
        );
    }

    #[test]
    fn two_rows_naming_the_same_organisation_are_refused() {
        let (_d, s) = with_areas();
        let actor = Actor::cli();
        let mut a = input("Good Ltd", OrgKind::Supplier, None);
        a.company_number = Some(CompanyNumber::parse("01234567").unwrap());
        let mut b = input("Other Ltd", OrgKind::Supplier, None);
        b.company_number = a.company_number.clone();
        let rows = vec![record(2, a), record(3, b)];
        let err = s.import_orgs("o.csv", rows, vec![], &actor).unwrap_err();
        assert!(
            err.to_string().contains("line 3") && err.to_string().contains("line 2"),
            "{err}"
        );
        let same_name = vec![
            record(2, input("Same Name", OrgKind::Ngo, None)),
            record(3, input("same name", OrgKind::Ngo, None)),
        ];
        assert!(s.import_orgs("o.csv", same_name, vec![], &actor).is_err());
        assert_eq!(s.search_orgs(&OrgFilter::default(), 10, 0).unwrap().1, 0);
    }

    #[test]
    fn names_fitting_several_organisations_are_refused_with_their_ids() {
        let (_d, s) = with_areas();
        let actor = Actor::cli();
        let twin = input("UPK Kembar", OrgKind::Upk, Some("PRESTON"));
        let a = s.create_org(&twin, &actor).unwrap().id;
        let b = s.create_org(&twin, &actor).unwrap().id;
        let rows = vec![record(2, twin.clone())];
        let err = s.import_orgs("o.csv", rows, vec![], &actor).unwrap_err();
        assert!(
            err.to_string().contains(&format!("organisations {a}, {b}")),
            "{err}"
        );
        let by_name = OrgRef::NameOrId("upk kembar".into());
        let err = s
            .find_org(OrgKind::Upk, &by_name, &Scope::Global)
            .unwrap_err()
            .to_string();
        assert!(err.contains(&format!("{a} (UPK Kembar, PRESTON)")), "{err}");
        let by_id = OrgRef::NameOrId(b.to_string());
        assert_eq!(
            s.find_org(OrgKind::Upk, &by_id, &Scope::Global)
                .unwrap()
                .map(|o| o.id),
            Some(b)
        );
        // Within a scope that covers one of them, the name is that one's.
        let oxford = s
            .create_org(&input("UPK Kembar", OrgKind::Upk, Some("OXFORD")), &actor)
            .unwrap();
        let within = Scope::Area {
            code: AreaCode::parse("OXFORD").unwrap(),
            path: oxford.placement.area.clone().unwrap(),
        };
        assert_eq!(
            s.find_org(OrgKind::Upk, &by_name, &within)
                .unwrap()
                .map(|o| o.id),
            Some(oxford.id)
        );
        assert_eq!(
            s.find_org(OrgKind::Upk, &OrgRef::Id(a), &within)
                .unwrap()
                .map(|o| o.id),
            None,
            "an id outside the scope is not found"
        );
    }

    #[test]
    fn a_child_organisation_lies_inside_its_parents_area() {
        let (_d, s, bkm) = with_bkm();
        let actor = Actor::cli();
        let away = under(&bkm, input("KSM", OrgKind::Ksm, Some("OXFORD")));
        assert!(
            matches!(s.create_org(&away, &actor), Err(StoreError::Invalid { field, .. }) if field == "area_code")
        );
        let unplaced = under(&bkm, input("UPK", OrgKind::Upk, None));
        let upk = s.create_org(&unplaced, &actor).unwrap();
        let mut below = under(&upk, input("KSM", OrgKind::Ksm, Some("OXFORD")));
        assert!(
            s.create_org(&below, &actor).is_err(),
            "a parent without an area sits where its own parent sits"
        );
        below.area_code = Some(AreaCode::parse("PRESTON").unwrap());
        s.create_org(&below, &actor).unwrap();
        assert!(
            s.update_org(bkm.id, &input("BKM", OrgKind::Bkm, Some("OXFORD")), &actor)
                .is_err(),
            "moving the BKM would leave its KSM outside it"
        );
    }

    #[test]
    fn an_organisation_placed_outside_its_parent_before_the_rule_reaches_no_area() {
        let (_d, s, bkm) = with_bkm();
        let actor = Actor::cli();
        let child = under(&bkm, input("KSM", OrgKind::Ksm, Some("PRESTON")));
        let child = s.create_org(&child, &actor).unwrap().id.get();
        let preston = s.area_path("PRESTON").unwrap();
        let conn = s.conn().unwrap();
        assert_eq!(effective_area(&conn, child).unwrap(), preston);
        conn.execute(
            "UPDATE organisations SET area_code = 'OXFORD' WHERE id = ?1",
            [child],
        )
        .unwrap();
        assert_eq!(effective_area(&conn, child).unwrap(), None);
        assert_eq!(effective_area(&conn, bkm.id.get()).unwrap(), preston);
    }

    #[test]
    fn import_matches_existing_rows_and_is_all_or_nothing() {
        let (_d, s) = with_areas();
        let actor = Actor::cli();
        let rows = vec![
            record(
                2,
                input("Preston City Council", OrgKind::Anchor, Some("PRESTON")),
            ),
            record(
                3,
                input("Lancashire Constabulary", OrgKind::Anchor, Some("PRESTON")),
            ),
        ];
        let first = s
            .import_orgs("o.csv", rows.clone(), vec![], &actor)
            .unwrap();
        assert_eq!(first.created, 2);
        let again = s
            .import_orgs("o.csv", rows.clone(), vec![], &actor)
            .unwrap();
        assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 2));
        let mut bad = rows;
        bad.push(record(
            4,
            input("Nowhere Ltd", OrgKind::Supplier, Some("ATLANTIS")),
        ));
        bad.push(record(5, input("Elsewhere Ltd", OrgKind::Supplier, None)));
        let err = s.import_orgs("o.csv", bad, vec![], &actor).unwrap_err();
        assert!(
            err.to_string().contains("line 4, column area_code"),
            "{err}"
        );
        assert_eq!(
            s.search_orgs(&OrgFilter::default(), 50, 0).unwrap().1,
            2,
            "Elsewhere Ltd was not kept"
        );
    }
}
