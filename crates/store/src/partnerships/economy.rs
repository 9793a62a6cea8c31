//! The co-operative economy: co-operatives and buy-outs with their stages
//! (appended, moves judged by `lumbung_partnerships::economy`), a credit
//! union's monthly figures, service points and closed bank branches.

use super::{placement_of, row_area_path};
use crate::audit::{self, Actor};
use crate::db::{params, Connection, Transaction, Value as SqlValue};
use crate::sql::area_path;
use crate::{Result, Store, StoreError};
use jiff::civil::Date;
use lumbung_domain::{
    text, AreaCode, AreaPath, BuyoutId, CoopId, Money, OrgId, Placement, Rejected, RowError, Scope,
};
use lumbung_partnerships::economy::{
    coop_may_move, may_move, Buyout, BuyoutStage, Closure, Coop, CoopStage, CuMonth, PointKind,
};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StageView<S> {
    pub stage: S,
    pub on: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoopView {
    pub id: CoopId,
    pub name: String,
    pub area_code: String,
    pub area_name: String,
    pub org_name: Option<String>,
    pub sector: String,
    pub members: u64,
    pub members_women: u64,
    pub support_asked: String,
    pub mentor: String,
    /// The member list the co-operative keeps here (names), if any.
    pub member_list: Vec<String>,
    /// Oldest first; the last is where it is.
    pub stages: Vec<StageView<CoopStage>>,
    #[serde(skip)]
    pub placement: Placement,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BuyoutView {
    pub id: BuyoutId,
    pub business: String,
    pub area_code: String,
    pub area_name: String,
    pub owner_retires: Option<i32>,
    pub jobs: u64,
    pub stages: Vec<StageView<BuyoutStage>>,
    #[serde(skip)]
    pub placement: Placement,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CuMonthView {
    pub area_code: String,
    pub area_name: String,
    pub month: String,
    pub members: u64,
    pub savings: Money,
    pub loans: Money,
    #[serde(skip)]
    pub path: AreaPath,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PointView {
    pub name: String,
    pub area_code: String,
    pub area_name: String,
    pub kind: PointKind,
    #[serde(skip)]
    pub path: AreaPath,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClosureView {
    pub area_code: String,
    pub area_name: String,
    pub bank: String,
    pub closed_on: String,
    #[serde(skip)]
    pub path: AreaPath,
}

fn no_area(code: &str) -> StoreError {
    StoreError::invalid(
        "area",
        text!("economy_no_area", code = code; id: "wilayah {code} tidak ada", en: "there is no area {code}"),
    )
}

fn unreadable() -> StoreError {
    StoreError::invalid(
        "economy",
        text!("economy_unreadable"; id: "tahap yang tersimpan tidak terbaca", en: "a stored stage cannot be read"),
    )
}

fn stages<S>(
    conn: &Connection,
    table: &str,
    key: &str,
    id: i64,
    parse: fn(&str) -> Option<S>,
) -> Result<Vec<StageView<S>>> {
    let rows: Vec<(String, String)> = crate::sql::all(
        conn,
        &format!("SELECT stage, on_date FROM {table} WHERE {key} = ?1 ORDER BY id"),
        [id],
        |r| r.try_into(),
    )?;
    rows.into_iter()
        .map(|(s, on)| {
            Ok(StageView {
                stage: parse(&s).ok_or_else(unreadable)?,
                on,
            })
        })
        .collect()
}

/// A file's rows whose area is unknown, by line.
fn unknown_areas<'a>(
    tx: &Transaction<'_>,
    file: &str,
    rows: impl Iterator<Item = (u64, &'a str)>,
) -> Result<()> {
    let mut errors = Vec::new();
    for (line, code) in rows {
        if area_path(tx, code)?.is_none() {
            errors.push(RowError::new(
                line,
                Some("area"),
                text!("economy_row_no_area", code = code; id: "wilayah {code} tidak ada", en: "there is no area {code}"),
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(StoreError::Rejected(Rejected {
            file: file.to_owned(),
            errors,
        }))
    }
}

impl Store {
    pub fn add_coop(
        &self,
        area: &AreaCode,
        owner: Option<OrgId>,
        org: Option<OrgId>,
        coop: &Coop,
        on: Date,
        actor: &Actor,
    ) -> Result<CoopId> {
        self.write(|tx| {
            let path = area_path(tx, area.as_str())?.ok_or_else(|| no_area(area.as_str()))?;
            let id = tx.query_row(
                "INSERT INTO coops (name, area_code, owner_org_id, org_id, sector, members, members_women,
                    support_asked, mentor, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) RETURNING id",
                params![
                    coop.name,
                    area.as_str(),
                    owner.map(OrgId::get),
                    org.map(OrgId::get),
                    coop.sector,
                    coop.members,
                    coop.members_women,
                    coop.support_asked,
                    coop.mentor,
                    actor.label(),
                    crate::now()
                ], |r| Ok(CoopId::new(r.get(0)?)),
            )?;
            tx.execute(
                "INSERT INTO coop_stages (coop_id, stage, on_date, recorded_by, recorded_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id.get(), coop.stage.as_str(), on.to_string(), actor.label(), crate::now()],
            )?;
            audit::record(
                tx,
                actor,
                "coop.add",
                "coop",
                &id.to_string(),
                Some(&path),
                serde_json::json!({"name": coop.name, "stage": coop.stage, "members": coop.members}),
            )?;
            Ok(id)
        })
    }

    /// Moves a co-operative to a later stage.
    pub fn move_coop(&self, id: CoopId, stage: CoopStage, on: Date, actor: &Actor) -> Result<()> {
        self.write(|tx| {
            let path = row_area_path(tx, "coops", id.get(), || {
                StoreError::not_found(text!("coop_missing", id = id; id: "koperasi {id}", en: "co-operative {id}"))
            })?;
            let now = stages(tx, "coop_stages", "coop_id", id.get(), CoopStage::parse)?
                .pop()
                .ok_or_else(unreadable)?;
            if !coop_may_move(now.stage, stage) {
                return Err(StoreError::conflict(text!("coop_no_move";
                    id: "koperasi hanya bergerak ke tahap berikutnya", en: "a co-operative only moves to a later stage")));
            }
            tx.execute(
                "INSERT INTO coop_stages (coop_id, stage, on_date, recorded_by, recorded_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id.get(), stage.as_str(), on.to_string(), actor.label(), crate::now()],
            )?;
            audit::record(tx, actor, "coop.stage", "coop", &id.to_string(), Some(&path),
                serde_json::json!({"stage": stage, "on": on}))
        })
    }

    /// The co-operatives `scope` sees (placed in its area, and under its
    /// organisation for an organisation's scope).
    pub fn coops(&self, scope: &Scope) -> Result<Vec<CoopView>> {
        let (seen, params) = crate::sql::seen_by(scope, "a.path", Some("c.owner_org_id"));
        coops_where(&*self.conn()?, &format!("WHERE {seen}"), params)
    }

    /// One co-operative, by id (not found in a list others can fill).
    pub fn coop(&self, id: CoopId) -> Result<Option<CoopView>> {
        Ok(coops_where(&*self.conn()?, "WHERE c.id = ?1", vec![id.get().into()])?.pop())
    }

    /// Adds a member to a co-operative's own list, who agreed on
    /// `consent_on` to be listed.
    pub fn add_coop_member(
        &self,
        id: CoopId,
        name: &str,
        consent_on: Date,
        actor: &Actor,
    ) -> Result<()> {
        self.write(|tx| {
            let path = row_area_path(tx, "coops", id.get(), || {
                StoreError::not_found(text!("coop_missing", id = id; id: "koperasi {id}", en: "co-operative {id}"))
            })?;
            tx.execute(
                "INSERT INTO coop_members (coop_id, name, consent_on, recorded_by, recorded_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id.get(), name, consent_on.to_string(), actor.label(), crate::now()],
            )?;
            // The audit log names no one.
            audit::record(tx, actor, "coop.member", "coop", &id.to_string(), Some(&path),
                serde_json::json!({"consent_on": consent_on}))
        })
    }

    /// The spend catalogue's suppliers that are co-operatives: those whose
    /// organisation is of kind co-operative, or is a co-op of the network,
    /// through the local business base.
    pub fn coop_supplier_ids(&self) -> Result<std::collections::HashSet<u32>> {
        let conn = self.conn()?;
        let ids: Vec<i64> = crate::sql::all(
            &conn,
            "SELECT b.supplier_id FROM businesses b JOIN organisations o ON o.id = b.org_id
             WHERE b.supplier_id IS NOT NULL
               AND (o.kind = 'cooperative' OR o.id IN (SELECT org_id FROM coops WHERE org_id IS NOT NULL))",
            [],
            |r| r.get(0),
        )?;
        Ok(ids
            .into_iter()
            .filter_map(|i| u32::try_from(i).ok())
            .collect())
    }

    /// Saves a credit union's monthly figures (all or nothing; a month of
    /// an area given again replaces its figures). Returns how many rows
    /// changed.
    pub fn import_cu_months(&self, file: &str, rows: &[CuMonth], actor: &Actor) -> Result<u64> {
        self.write(|tx| {
            unknown_areas(tx, file, rows.iter().map(|r| (r.line, r.area.as_str())))?;
            let mut changed = 0;
            for r in rows {
                changed += tx.execute(
                    "INSERT INTO cu_months (area_code, month, members, savings, loans, recorded_by, recorded_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                     ON CONFLICT (area_code, month) DO UPDATE SET members = excluded.members,
                        savings = excluded.savings, loans = excluded.loans,
                        recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at
                     WHERE cu_months.members <> excluded.members OR cu_months.savings <> excluded.savings
                        OR cu_months.loans <> excluded.loans",
                    params![r.area, r.month, r.members, r.savings.minor(), r.loans.minor(), actor.label(), crate::now()],
                )? as u64;
            }
            if changed > 0 {
                audit::record(tx, actor, "credit_union.import", "cu_months", file, None,
                    serde_json::json!({"file": file, "rows": rows.len(), "changed": changed}))?;
            }
            Ok(changed)
        })
    }

    /// The credit union's months of the areas `scope` reaches.
    pub fn cu_months(&self, scope: &Scope) -> Result<Vec<CuMonthView>> {
        let conn = self.conn()?;
        let (seen, params) = crate::sql::seen_by(scope, "a.path", None);
        crate::sql::all(
            &conn,
            &format!(
                "SELECT m.area_code, a.name, a.path, m.month, m.members, m.savings, m.loans
             FROM cu_months m JOIN areas a ON a.code = m.area_code WHERE {seen}
             ORDER BY a.name, m.area_code, m.month LIMIT 20000"
            ),
            crate::db::params_from_iter(params),
            |r| {
                from_row!(
                    r,
                    CuMonthView {
                        area_code,
                        area_name,
                        path: AreaPath::from_stored,
                        month,
                        members: |m: i64| m.max(0) as u64,
                        savings: Money::from_minor,
                        loans: Money::from_minor
                    }
                )
            },
        )
    }

    pub fn add_cu_point(
        &self,
        name: &str,
        area: &AreaCode,
        kind: PointKind,
        actor: &Actor,
    ) -> Result<()> {
        self.write(|tx| {
            let path = area_path(tx, area.as_str())?.ok_or_else(|| no_area(area.as_str()))?;
            tx.execute(
                "INSERT INTO cu_points (name, area_code, kind, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![name, area.as_str(), kind.as_str(), actor.label(), crate::now()],
            )?;
            audit::record(tx, actor, "credit_union.point", "cu_points", name, Some(&path),
                serde_json::json!({"name": name, "kind": kind}))
        })
    }

    /// The credit union's points in the areas `scope` reaches.
    pub fn cu_points(&self, scope: &Scope) -> Result<Vec<PointView>> {
        let conn = self.conn()?;
        let (seen, params) = crate::sql::seen_by(scope, "a.path", None);
        let rows: Vec<(String, String, String, String, String)> = crate::sql::all(
            &conn,
            &format!(
                "SELECT p.name, p.area_code, a.name, a.path, p.kind FROM cu_points p
             JOIN areas a ON a.code = p.area_code WHERE {seen} ORDER BY a.name, p.name LIMIT 5000"
            ),
            crate::db::params_from_iter(params),
            |r| r.try_into(),
        )?;
        rows.into_iter()
            .map(|(name, area_code, area_name, path, kind)| {
                Ok(PointView {
                    name,
                    area_code,
                    area_name,
                    kind: PointKind::parse(&kind).ok_or_else(unreadable)?,
                    path: AreaPath::from_stored(path),
                })
            })
            .collect()
    }

    /// Saves closed bank branches (all or nothing; a closure listed again
    /// is kept once). Returns how many were new.
    pub fn import_closures(&self, file: &str, rows: &[Closure], actor: &Actor) -> Result<u64> {
        self.write(|tx| {
            unknown_areas(tx, file, rows.iter().map(|r| (r.line, r.area.as_str())))?;
            let mut new = 0;
            for r in rows {
                new += tx.execute(
                    "INSERT INTO bank_closures (area_code, bank, closed_on, recorded_by, recorded_at)
                     VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
                    params![r.area, r.bank, r.closed_on.to_string(), actor.label(), crate::now()],
                )? as u64;
            }
            if new > 0 {
                audit::record(tx, actor, "credit_union.closures", "bank_closures", file, None,
                    serde_json::json!({"file": file, "new": new}))?;
            }
            Ok(new)
        })
    }

    /// The bank branches closed in the areas `scope` reaches, latest first.
    pub fn closures(&self, scope: &Scope) -> Result<Vec<ClosureView>> {
        let conn = self.conn()?;
        let (seen, params) = crate::sql::seen_by(scope, "a.path", None);
        let rows: Vec<(String, String, String, String, String)> = crate::sql::all(
            &conn,
            &format!("SELECT c.area_code, a.name, a.path, c.bank, c.closed_on FROM bank_closures c
             JOIN areas a ON a.code = c.area_code WHERE {seen} ORDER BY c.closed_on DESC LIMIT 5000"),
            crate::db::params_from_iter(params),
            |r| r.try_into(),
        )?;
        Ok(rows
            .into_iter()
            .map(
                |(area_code, area_name, path, bank, closed_on)| ClosureView {
                    area_code,
                    area_name,
                    bank,
                    closed_on,
                    path: AreaPath::from_stored(path),
                },
            )
            .collect())
    }

    pub fn add_buyout(
        &self,
        area: &AreaCode,
        owner: Option<OrgId>,
        b: &Buyout,
        on: Date,
        actor: &Actor,
    ) -> Result<BuyoutId> {
        self.write(|tx| {
            let path = area_path(tx, area.as_str())?.ok_or_else(|| no_area(area.as_str()))?;
            let id = tx.query_row(
                "INSERT INTO buyouts (business, area_code, owner_org_id, owner_retires, jobs, created_by, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
                params![b.business, area.as_str(), owner.map(OrgId::get), b.owner_retires, b.jobs, actor.label(), crate::now()], |r| Ok(BuyoutId::new(r.get(0)?)),
            )?;
            tx.execute(
                "INSERT INTO buyout_stages (buyout_id, stage, on_date, note, recorded_by, recorded_at)
                 VALUES (?1, ?2, ?3, '', ?4, ?5)",
                params![id.get(), BuyoutStage::FirstContact.as_str(), on.to_string(), actor.label(), crate::now()],
            )?;
            audit::record(tx, actor, "buyout.add", "buyout", &id.to_string(), Some(&path),
                serde_json::json!({"business": b.business, "jobs": b.jobs}))?;
            Ok(id)
        })
    }

    /// Moves a buy-out on (forward, or dropped), once per stage.
    pub fn move_buyout(
        &self,
        id: BuyoutId,
        stage: BuyoutStage,
        on: Date,
        note: &str,
        actor: &Actor,
    ) -> Result<()> {
        self.write(|tx| {
            let path = row_area_path(tx, "buyouts", id.get(), || {
                StoreError::not_found(text!("buyout_missing", id = id; id: "pengambilalihan {id}", en: "buy-out {id}"))
            })?;
            let now = stages(tx, "buyout_stages", "buyout_id", id.get(), BuyoutStage::parse)?
                .pop()
                .map(|s| s.stage);
            if !may_move(now, stage) {
                return Err(StoreError::conflict(text!("buyout_no_move";
                    id: "pengambilalihan hanya maju ke tahap berikutnya, atau batal sebelum selesai",
                    en: "a buy-out only moves to a later stage, or is dropped before it ends")));
            }
            tx.execute(
                "INSERT INTO buyout_stages (buyout_id, stage, on_date, note, recorded_by, recorded_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![id.get(), stage.as_str(), on.to_string(), note, actor.label(), crate::now()],
            )?;
            audit::record(tx, actor, "buyout.stage", "buyout", &id.to_string(), Some(&path),
                serde_json::json!({"stage": stage, "on": on}))
        })
    }

    /// The buy-outs `scope` sees (as [`Store::coops`]).
    pub fn buyouts(&self, scope: &Scope) -> Result<Vec<BuyoutView>> {
        let (seen, params) = crate::sql::seen_by(scope, "a.path", Some("b.owner_org_id"));
        buyouts_where(&*self.conn()?, &format!("WHERE {seen}"), params)
    }

    /// One buy-out, by id (not found in a list others can fill).
    pub fn buyout(&self, id: BuyoutId) -> Result<Option<BuyoutView>> {
        Ok(buyouts_where(&*self.conn()?, "WHERE b.id = ?1", vec![id.get().into()])?.pop())
    }
}

/// The co-operatives `filter` keeps (`WHERE …` over `coops c` and its
/// area `a`, with `params`), by name (at most 5,000).
fn coops_where(conn: &Connection, filter: &str, params: Vec<SqlValue>) -> Result<Vec<CoopView>> {
    struct CoopRow {
        id: i64,
        name: String,
        area_code: String,
        area_name: String,
        path: String,
        owner: Option<i64>,
        org_name: Option<String>,
        sector: String,
        members: i64,
        members_women: i64,
        support_asked: String,
        mentor: String,
    }
    let rows: Vec<CoopRow> = crate::sql::all(
            conn,
            &format!("SELECT c.id, c.name, c.area_code, a.name, a.path, c.owner_org_id, o.name, c.sector,
                    c.members, c.members_women, c.support_asked, c.mentor
             FROM coops c JOIN areas a ON a.code = c.area_code
             LEFT JOIN organisations o ON o.id = c.org_id {filter} ORDER BY c.name, c.id LIMIT 5000"
            ),
            crate::db::params_from_iter(params),
            |r| {
                from_row!(
                    r,
                    CoopRow {
                        id,
                        name,
                        area_code,
                        area_name,
                        path,
                        owner,
                        org_name,
                        sector,
                        members,
                        members_women,
                        support_asked,
                        mentor
                    }
                )
            },
        )?;
    rows.into_iter()
        .map(|c| {
            Ok(CoopView {
                id: CoopId::new(c.id),
                name: c.name,
                area_code: c.area_code,
                area_name: c.area_name,
                org_name: c.org_name,
                sector: c.sector,
                members: c.members.max(0) as u64,
                members_women: c.members_women.max(0) as u64,
                support_asked: c.support_asked,
                mentor: c.mentor,
                member_list: crate::sql::all(
                    conn,
                    "SELECT name FROM coop_members WHERE coop_id = ?1 ORDER BY name, id",
                    [c.id],
                    |r| r.get(0),
                )?,
                stages: stages(conn, "coop_stages", "coop_id", c.id, CoopStage::parse)?,
                placement: placement_of(conn, c.path, c.owner)?,
            })
        })
        .collect()
}

/// The buy-outs `filter` keeps (`WHERE …` over `buyouts b` and its area
/// `a`, with `params`), oldest first (at most 5,000).
fn buyouts_where(
    conn: &Connection,
    filter: &str,
    params: Vec<SqlValue>,
) -> Result<Vec<BuyoutView>> {
    struct BuyoutRow {
        id: i64,
        business: String,
        area_code: String,
        area_name: String,
        path: String,
        owner: Option<i64>,
        owner_retires: Option<i32>,
        jobs: i64,
    }
    let rows: Vec<BuyoutRow> = crate::sql::all(
        conn,
        &format!("SELECT b.id, b.business, b.area_code, a.name, a.path, b.owner_org_id, b.owner_retires, b.jobs
         FROM buyouts b JOIN areas a ON a.code = b.area_code {filter} ORDER BY b.id LIMIT 5000"),
        crate::db::params_from_iter(params),
        |r| {
            from_row!(
                r,
                BuyoutRow {
                    id,
                    business,
                    area_code,
                    area_name,
                    path,
                    owner,
                    owner_retires,
                    jobs
                }
            )
        },
    )?;
    rows.into_iter()
        .map(|b| {
            Ok(BuyoutView {
                id: BuyoutId::new(b.id),
                business: b.business,
                area_code: b.area_code,
                area_name: b.area_name,
                owner_retires: b.owner_retires,
                jobs: b.jobs.max(0) as u64,
                stages: stages(conn, "buyout_stages", "buyout_id", b.id, BuyoutStage::parse)?,
                placement: placement_of(conn, b.path, b.owner)?,
            })
        })
        .collect()
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use lumbung_domain::{AreaKind, AreaRecord};
    use lumbung_partnerships::economy::CoopStage;

    /// A garment co-operative named `name` at its first stage.
    pub(crate) fn coop(name: &str) -> Coop {
        Coop {
            name: name.into(),
            sector: "garmen".into(),
            stage: CoopStage::parse("steering_group").unwrap(),
            members: 12,
            members_women: 10,
            support_asked: String::new(),
            mentor: String::new(),
        }
    }

    /// Regression: a co-operative's pages found it in the list of the
    /// first 5,000 by name, so one account adding 5,000 named "!" made
    /// every other area's co-operatives (and buy-outs, and active
    /// citizens) unreachable. Each is found by its id.
    #[test]
    fn a_cooperative_is_found_by_id_however_many_others_are_listed() {
        let (_d, s) = crate::test_support::store();
        let records = [
            ("ID", None, "country"),
            ("3604010001", Some("ID"), "kelurahan"),
        ]
        .into_iter()
        .zip(1..)
        .map(|((code, parent, kind), line)| AreaRecord {
            line,
            code: AreaCode::parse(code).unwrap(),
            name: code.to_owned(),
            parent: parent.map(|p: &str| AreaCode::parse(p).unwrap()),
            kind: Some(AreaKind::parse(kind).unwrap()),
        });
        let cli = Actor::cli();
        s.import_areas("t", records.collect(), vec![], vec![], &cli, &mut |_, _| {})
            .unwrap();
        let area = AreaCode::parse("3604010001").unwrap();
        let coop = coop("Koperasi Jahit Umbul");
        let on = jiff::civil::date(2024, 1, 10);
        let id = s.add_coop(&area, None, None, &coop, on, &cli).unwrap();
        s.conn()
            .unwrap()
            .execute_batch(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)
                 INSERT INTO coops (name, area_code, sector, members, members_women, support_asked, mentor, created_by, created_at)
                 SELECT '!', '3604010001', 'x', 1, 0, '', '', 'cli:flood', '2024-01-10' FROM n",
            )
            .unwrap();
        assert!(s.coops(&Scope::Global).unwrap().iter().all(|c| c.id != id));
        let found = s.coop(id).unwrap().unwrap();
        assert_eq!(
            (found.id, found.name.as_str()),
            (id, "Koperasi Jahit Umbul")
        );
        assert!(s.coop(CoopId::new(id.get() + 100_000)).unwrap().is_none());
    }
}
