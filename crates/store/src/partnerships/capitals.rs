//! Community capitals and active citizens: assets by area and capital,
//! citizens kept with the date of their consent and their activity by
//! month, and the households the self-mapping counted per kelurahan.

use super::placement_of;
use crate::audit::{self, Actor};
use crate::db::{params, Connection};
use crate::{Result, Store, StoreError};
use jiff::civil::Date;
use lumbung_domain::{text, AreaCode, AreaPath, CitizenId, OrgId, Placement, Scope};
use lumbung_partnerships::capitals::{Asset, Capital, Citizen};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AssetView {
    pub area_code: String,
    pub area_name: String,
    pub kind: Capital,
    pub name: String,
    pub holder: String,
    pub used_by: String,
    #[serde(skip)]
    pub placement: Placement,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CitizenView {
    pub id: CitizenId,
    pub area_code: String,
    pub area_name: String,
    pub name: String,
    pub leads: String,
    pub consent_on: String,
    /// Activities recorded by month (`YYYY-MM`).
    pub activity: BTreeMap<String, u64>,
    /// Activities recorded in all.
    pub activities: u64,
    #[serde(skip)]
    pub placement: Placement,
}

fn area_path(conn: &Connection, code: &str) -> Result<String> {
    crate::sql::area_path(conn, code)?.ok_or_else(|| {
        StoreError::invalid(
            "area",
            text!("capital_no_area", code = code; id: "wilayah {code} tidak ada", en: "there is no area {code}"),
        )
    })
}

impl Store {
    pub fn add_asset(
        &self,
        area: &AreaCode,
        owner: Option<OrgId>,
        a: &Asset,
        actor: &Actor,
    ) -> Result<()> {
        self.write(|tx| {
            let path = area_path(tx, area.as_str())?;
            let inserted: i64 = tx.query_row(
                "INSERT INTO capital_assets (area_code, owner_org_id, kind, name, holder, used_by, created_by, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id",
                params![area.as_str(), owner.map(OrgId::get), a.kind.as_str(), a.name, a.holder, a.used_by, actor.label(), crate::now()], |r| r.get::<_, i64>(0),
            )?;
            audit::record(tx, actor, "capital.asset", "capital_assets", &inserted.to_string(),
                Some(&path), serde_json::json!({"kind": a.kind, "name": a.name}))
        })
    }

    /// The community's assets `scope` sees (placed in its area, and under
    /// its organisation for an organisation's scope).
    pub fn assets(&self, scope: &Scope) -> Result<Vec<AssetView>> {
        let conn = self.conn()?;
        let (seen, params) = crate::sql::seen_by(scope, "a.path", Some("c.owner_org_id"));
        struct AssetRow {
            area_code: String,
            area_name: String,
            path: String,
            owner: Option<i64>,
            kind: String,
            name: String,
            holder: String,
            used_by: String,
        }
        let rows: Vec<AssetRow> = crate::sql::all(
            &conn,
            &format!("SELECT c.area_code, a.name, a.path, c.owner_org_id, c.kind, c.name, c.holder, c.used_by
             FROM capital_assets c JOIN areas a ON a.code = c.area_code WHERE {seen}
             ORDER BY a.name, c.kind, c.name LIMIT 20000"),
            crate::db::params_from_iter(params),
            |r| {
                from_row!(
                    r,
                    AssetRow {
                        area_code,
                        area_name,
                        path,
                        owner,
                        kind,
                        name,
                        holder,
                        used_by
                    }
                )
            },
        )?;
        rows.into_iter()
            .map(|a| {
                Ok(AssetView {
                    area_code: a.area_code,
                    area_name: a.area_name,
                    kind: Capital::parse(&a.kind).ok_or_else(|| {
                        StoreError::invalid("capital_assets", text!("capital_unreadable";
                            id: "jenis modal yang tersimpan tidak terbaca", en: "a stored capital cannot be read"))
                    })?,
                    name: a.name,
                    holder: a.holder,
                    used_by: a.used_by,
                    placement: placement_of(&conn, a.path, a.owner)?,
                })
            })
            .collect()
    }

    /// Records an active citizen who consented on `consent_on`.
    pub fn add_citizen(
        &self,
        area: &AreaCode,
        owner: Option<OrgId>,
        c: &Citizen,
        consent_on: Date,
        actor: &Actor,
    ) -> Result<CitizenId> {
        self.write(|tx| {
            let path = area_path(tx, area.as_str())?;
            let id = tx.query_row(
                "INSERT INTO active_citizens (area_code, owner_org_id, name, leads, consent_on, created_by, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
                params![area.as_str(), owner.map(OrgId::get), c.name, c.leads, consent_on.to_string(), actor.label(), crate::now()], |r| Ok(CitizenId::new(r.get(0)?)),
            )?;
            // The audit log names no one: the citizen's id only.
            audit::record(tx, actor, "citizen.add", "active_citizen", &id.to_string(), Some(&path),
                serde_json::json!({"consent_on": consent_on}))?;
            Ok(id)
        })
    }

    /// Records what an active citizen did in a month.
    pub fn add_citizen_activity(
        &self,
        id: CitizenId,
        month: &str,
        note: &str,
        actor: &Actor,
    ) -> Result<()> {
        self.write(|tx| {
            let code: String = crate::sql::optional(tx, "SELECT area_code FROM active_citizens WHERE id = ?1", [id.get()])?
                .ok_or_else(|| StoreError::not_found(text!("citizen_missing", id = id; id: "warga aktif {id}", en: "active citizen {id}")))?;
            let path = area_path(tx, &code)?;
            tx.execute(
                "INSERT INTO citizen_activity (citizen_id, month, note, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id.get(), month, note, actor.label(), crate::now()],
            )?;
            audit::record(tx, actor, "citizen.activity", "active_citizen", &id.to_string(), Some(&path),
                serde_json::json!({"month": month}))
        })
    }

    /// The active citizens `scope` sees (as [`Store::assets`]).
    pub fn citizens(&self, scope: &Scope) -> Result<Vec<CitizenView>> {
        let (seen, params) = crate::sql::seen_by(scope, "a.path", Some("c.owner_org_id"));
        citizens_where(&*self.conn()?, &format!("WHERE {seen}"), params)
    }

    /// One active citizen, by id (not found in a list others can fill).
    pub fn citizen(&self, id: CitizenId) -> Result<Option<CitizenView>> {
        Ok(citizens_where(&*self.conn()?, "WHERE c.id = ?1", vec![id.get().into()])?.pop())
    }

    /// The households the self-mapping holds, per kelurahan (code, name,
    /// path, households).
    pub fn mapped_households(&self) -> Result<Vec<(String, String, AreaPath, u64)>> {
        let conn = self.conn()?;
        let rows: Vec<(String, String, String, i64)> = crate::sql::all(
            &conn,
            "SELECT h.kelurahan, a.name, a.path, COUNT(*) FROM community_households h
             JOIN areas a ON a.code = h.kelurahan GROUP BY h.kelurahan, a.name, a.path ORDER BY a.name",
            [],
            |r| r.try_into(),
        )?;
        Ok(rows
            .into_iter()
            .map(|(c, n, p, h)| (c, n, AreaPath::from_stored(p), h.max(0) as u64))
            .collect())
    }
}

/// The active citizens `filter` keeps (`WHERE …` over `active_citizens
/// c` and its area `a`, with `params`), by area and name (at most 20,000).
fn citizens_where(
    conn: &Connection,
    filter: &str,
    params: Vec<crate::db::Value>,
) -> Result<Vec<CitizenView>> {
    struct CitizenRow {
        id: i64,
        area_code: String,
        area_name: String,
        path: String,
        owner: Option<i64>,
        name: String,
        leads: String,
        consent_on: String,
    }
    let rows: Vec<CitizenRow> = crate::sql::all(
        conn,
        &format!("SELECT c.id, c.area_code, a.name, a.path, c.owner_org_id, c.name, c.leads, c.consent_on
         FROM active_citizens c JOIN areas a ON a.code = c.area_code {filter} ORDER BY a.name, c.name LIMIT 20000"),
        crate::db::params_from_iter(params),
        |r| {
            from_row!(
                r,
                CitizenRow {
                    id,
                    area_code,
                    area_name,
                    path,
                    owner,
                    name,
                    leads,
                    consent_on
                }
            )
        },
    )?;
    rows.into_iter()
        .map(|c| {
            let months: Vec<(String, i64)> = crate::sql::all(
                conn,
                "SELECT month, COUNT(*) FROM citizen_activity WHERE citizen_id = ?1 GROUP BY month ORDER BY month",
                [c.id],
                |r| r.try_into(),
            )?;
            let activity: BTreeMap<String, u64> =
                months.into_iter().map(|(m, n)| (m, n.max(0) as u64)).collect();
            Ok(CitizenView {
                id: CitizenId::new(c.id),
                area_code: c.area_code,
                area_name: c.area_name,
                name: c.name,
                leads: c.leads,
                consent_on: c.consent_on,
                activities: activity.values().sum(),
                activity,
                placement: placement_of(conn, c.path, c.owner)?,
            })
        })
        .collect()
}
