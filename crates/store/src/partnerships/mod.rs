//! Partnerships: partners, commitments (kept in a table of their own),
//! meetings, indicators and their readings, and the no-meeting setting.
//! The rules — what a commitment's state is, what stands out — live in
//! `lumbung_partnerships::partnership`; this module loads and saves.
//! Offers and needs: [`offers`].

mod capitals;
mod economy;
mod offers;
mod projects;
pub(crate) mod schema;
#[cfg(test)]
mod scoped_tests;

pub use capitals::{AssetView, CitizenView};
pub use economy::{BuyoutView, ClosureView, CoopView, CuMonthView, PointView, StageView};
pub use offers::{OfferView, Outboxed, ProposedMatch};
pub use projects::{ProjectView, ProjectsImport};

use crate::audit::{self, Actor};
use crate::db::{params, Connection, Transaction};
use crate::orgs::load as load_org;
use crate::{Result, Store, StoreError};
use jiff::civil::Date;
use lumbung_domain::{
    text, AreaCode, AreaPath, CommitmentId, Fixed, IndicatorId, Money, OrgId, PartnershipId,
    Placement, Scope,
};
use lumbung_partnerships::partnership::{
    indicator_progress, standing, CommitmentKind, CommitmentState, Founding, Measure, Minutes,
    PartnerRole, Pledge, Settings, Standing,
};
use serde::Serialize;

/// The most partnerships a listing reads.
const LISTING_MAX: usize = 2_000;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartnerView {
    pub org_id: OrgId,
    pub name: String,
    pub kind: String,
    pub role: PartnerRole,
    #[serde(skip)]
    pub placement: Placement,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CommitmentView {
    pub id: CommitmentId,
    pub org_id: OrgId,
    pub org_name: String,
    pub kind: CommitmentKind,
    pub description: String,
    pub amount: Option<Money>,
    pub hours: Option<u32>,
    pub due_on: Date,
    pub kept_on: Option<Date>,
    pub note: String,
    pub state: CommitmentState,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MeetingView {
    pub held_on: Date,
    pub attendees: u32,
    pub minutes: String,
    pub decisions: String,
    pub recorded_by: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReadingView {
    pub read_on: Date,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndicatorView {
    pub id: IndicatorId,
    pub name: String,
    pub unit: String,
    pub baseline: String,
    pub target: String,
    /// Readings, newest first.
    pub readings: Vec<ReadingView>,
    /// From the baseline towards the target, in whole percent.
    pub progress: Option<i64>,
}

/// A partnership as those who work in it see it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartnershipView {
    pub id: PartnershipId,
    pub name: String,
    pub area_code: String,
    pub area_name: String,
    pub vision: String,
    pub goals: String,
    pub started_on: Date,
    pub published: bool,
    pub partners: Vec<PartnerView>,
    pub commitments: Vec<CommitmentView>,
    /// Newest first.
    pub meetings: Vec<MeetingView>,
    pub indicators: Vec<IndicatorView>,
    pub standing: Standing,
    /// Where it sits: its area and the lineage of the organisation that
    /// made it (none when an area's or the whole system's user did).
    #[serde(skip)]
    pub placement: Placement,
}

/// A partnership as the list of partnerships shows it: its partners and
/// standing, read without its meetings' minutes or its indicators.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartnershipRow {
    pub id: PartnershipId,
    pub name: String,
    pub area_name: String,
    pub published: bool,
    pub partners: Vec<PartnerView>,
    pub standing: Standing,
    #[serde(skip)]
    pub placement: Placement,
}

/// What anyone sees of a published partnership: goals, partners and the
/// commitments counted, never a person.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublicPartnership {
    pub name: String,
    pub area_name: String,
    pub vision: String,
    pub goals: String,
    pub started_on: Date,
    pub partners: Vec<(String, PartnerRole)>,
    pub standing: Standing,
    pub meetings: u64,
    pub indicators: Vec<IndicatorView>,
}

fn unreadable(what: &str) -> StoreError {
    StoreError::invalid(
        "partnerships",
        text!("partnership_unreadable", what = what;
            id: "nilai {what} kemitraan yang tersimpan tidak terbaca",
            en: "a partnership's stored {what} cannot be read"),
    )
}

fn date(raw: &str) -> Result<Date> {
    raw.parse().map_err(|_| unreadable("date"))
}

fn fixed(raw: i64) -> String {
    Fixed::<2>::from_raw(raw).short().to_string()
}

fn missing(id: PartnershipId) -> StoreError {
    StoreError::not_found(text!("partnership_missing", id = id;
        id: "kemitraan {id}", en: "partnership {id}"))
}

fn settings_on(conn: &Connection) -> Result<Settings> {
    let days: Option<i64> = crate::sql::optional(
        conn,
        "SELECT no_meeting_days FROM partnership_settings WHERE id = 1",
        [],
    )?;
    Ok(days
        .and_then(|d| u32::try_from(d).ok())
        .and_then(|d| Settings::new(d).ok())
        .unwrap_or_default())
}

/// Where a row sits: its area's path and the lineage of the organisation
/// that owns it (none when an area's or the whole system's user made it).
fn placement_of(conn: &Connection, area_path: String, owner: Option<i64>) -> Result<Placement> {
    Ok(Placement {
        area: Some(AreaPath::from_stored(area_path)),
        orgs: match owner {
            Some(id) => crate::orgs::lineage(conn, id)?,
            None => vec![],
        },
    })
}

/// A partnership's own row, with its area's name and path.
struct Head {
    id: i64,
    name: String,
    area_code: String,
    area_name: String,
    path: String,
    vision: String,
    goals: String,
    started_on: String,
    published: bool,
    owner: Option<i64>,
}

fn head(conn: &Connection, id: PartnershipId) -> Result<Option<Head>> {
    crate::sql::optional_row(
        conn,
        "SELECT p.id, p.name, p.area_code, a.name, a.path, p.vision, p.goals, p.started_on,
                p.published, p.owner_org_id
         FROM partnerships p JOIN areas a ON a.code = p.area_code WHERE p.id = ?1",
        [id.get()],
        |r| {
            from_row!(
                r,
                Head {
                    id,
                    name,
                    area_code,
                    area_name,
                    path,
                    vision,
                    goals,
                    started_on,
                    published,
                    owner
                }
            )
        },
    )
}

fn partners_of(conn: &Connection, id: PartnershipId) -> Result<Vec<PartnerView>> {
    let rows: Vec<(i64, String)> = crate::sql::all(
        conn,
        "SELECT org_id, role FROM partnership_partners WHERE partnership_id = ?1 ORDER BY added_at, org_id",
        [id.get()],
        |r| r.try_into(),
    )?;
    let mut partners = Vec::with_capacity(rows.len());
    for (org, role) in rows {
        let o = load_org(conn, org)?.ok_or_else(|| unreadable("partner"))?;
        partners.push(PartnerView {
            org_id: o.id,
            name: o.name,
            kind: o.kind,
            role: PartnerRole::parse(&role).ok_or_else(|| unreadable("role"))?,
            placement: o.placement,
        });
    }
    Ok(partners)
}

/// A commitment's row, with its organisation's name and when it was kept.
struct CommitmentRow {
    id: i64,
    org_id: i64,
    org_name: String,
    kind: String,
    description: String,
    amount: Option<i64>,
    hours: Option<i64>,
    due_on: String,
    kept_on: Option<String>,
    note: Option<String>,
}

fn commitments_of(
    conn: &Connection,
    id: PartnershipId,
    today: Date,
) -> Result<Vec<CommitmentView>> {
    let rows: Vec<CommitmentRow> = crate::sql::all(
        conn,
        "SELECT c.id, c.org_id, o.name, c.kind, c.description, c.amount, c.hours, c.due_on,
                k.kept_on, k.note
         FROM partnership_commitments c JOIN organisations o ON o.id = c.org_id
         LEFT JOIN partnership_commitments_kept k ON k.commitment_id = c.id
         WHERE c.partnership_id = ?1 ORDER BY c.due_on, c.id",
        [id.get()],
        |r| {
            from_row!(
                r,
                CommitmentRow {
                    id,
                    org_id,
                    org_name,
                    kind,
                    description,
                    amount,
                    hours,
                    due_on,
                    kept_on,
                    note
                }
            )
        },
    )?;
    rows.into_iter()
        .map(|c| {
            let due_on = date(&c.due_on)?;
            let kept_on = c.kept_on.as_deref().map(date).transpose()?;
            Ok(CommitmentView {
                id: CommitmentId::new(c.id),
                org_id: OrgId::new(c.org_id),
                org_name: c.org_name,
                kind: CommitmentKind::parse(&c.kind).ok_or_else(|| unreadable("kind"))?,
                description: c.description,
                amount: c.amount.map(Money::from_minor),
                hours: c.hours.and_then(|h| u32::try_from(h).ok()),
                due_on,
                kept_on,
                note: c.note.unwrap_or_default(),
                state: CommitmentState::of(due_on, kept_on, today),
            })
        })
        .collect()
}

fn meetings_of(conn: &Connection, id: PartnershipId) -> Result<Vec<MeetingView>> {
    let rows: Vec<(String, i64, String, String, String)> = crate::sql::all(
        conn,
        "SELECT held_on, attendees, minutes, decisions, created_by FROM partnership_meetings
         WHERE partnership_id = ?1 ORDER BY held_on DESC, id DESC",
        [id.get()],
        |r| r.try_into(),
    )?;
    rows.into_iter()
        .map(|(held, attendees, minutes, decisions, by)| {
            Ok(MeetingView {
                held_on: date(&held)?,
                attendees: u32::try_from(attendees).map_err(|_| unreadable("attendees"))?,
                minutes,
                decisions,
                recorded_by: by,
            })
        })
        .collect()
}

fn indicators_of(conn: &Connection, id: PartnershipId) -> Result<Vec<IndicatorView>> {
    let rows: Vec<(i64, String, String, i64, i64)> = crate::sql::all(
        conn,
        "SELECT id, name, unit, baseline, target FROM partnership_indicators
         WHERE partnership_id = ?1 ORDER BY id",
        [id.get()],
        |r| r.try_into(),
    )?;
    let mut out = Vec::with_capacity(rows.len());
    for (iid, name, unit, baseline, target) in rows {
        let readings: Vec<(String, i64)> = crate::sql::all(
            conn,
            "SELECT read_on, value FROM partnership_readings WHERE indicator_id = ?1
             ORDER BY read_on DESC, id DESC",
            [iid],
            |r| r.try_into(),
        )?;
        let latest = readings.first().map(|(_, v)| Fixed::<2>::from_raw(*v));
        out.push(IndicatorView {
            id: IndicatorId::new(iid),
            name,
            unit,
            baseline: fixed(baseline),
            target: fixed(target),
            progress: indicator_progress(
                Fixed::from_raw(baseline),
                Fixed::from_raw(target),
                latest,
            ),
            readings: readings
                .into_iter()
                .map(|(on, v)| {
                    Ok(ReadingView {
                        read_on: date(&on)?,
                        value: fixed(v),
                    })
                })
                .collect::<Result<_>>()?,
        });
    }
    Ok(out)
}

fn view_on(conn: &Connection, id: PartnershipId, today: Date) -> Result<Option<PartnershipView>> {
    let Some(head) = head(conn, id)? else {
        return Ok(None);
    };
    let id = PartnershipId::new(head.id);
    let started_on = date(&head.started_on)?;
    let commitments = commitments_of(conn, id, today)?;
    let meetings = meetings_of(conn, id)?;
    let dates: Vec<(Date, Option<Date>)> =
        commitments.iter().map(|c| (c.due_on, c.kept_on)).collect();
    let met: Vec<Date> = meetings.iter().map(|m| m.held_on).collect();
    let standing = standing(started_on, &dates, &met, today, &settings_on(conn)?);
    Ok(Some(PartnershipView {
        id,
        name: head.name,
        area_code: head.area_code,
        area_name: head.area_name,
        vision: head.vision,
        goals: head.goals,
        started_on,
        published: head.published,
        partners: partners_of(conn, id)?,
        commitments,
        meetings,
        indicators: indicators_of(conn, id)?,
        standing,
        placement: placement_of(conn, head.path, head.owner)?,
    }))
}

/// A partnership as its list shows it, as of `today` under `settings`.
fn row_on(
    conn: &Connection,
    id: PartnershipId,
    today: Date,
    settings: &Settings,
) -> Result<Option<PartnershipRow>> {
    let Some(head) = head(conn, id)? else {
        return Ok(None);
    };
    let dates: Vec<(Date, Option<Date>)> = commitments_of(conn, id, today)?
        .iter()
        .map(|c| (c.due_on, c.kept_on))
        .collect();
    let met: Vec<String> = crate::sql::all(
        conn,
        "SELECT held_on FROM partnership_meetings WHERE partnership_id = ?1",
        [id.get()],
        |r| r.get(0),
    )?;
    let met = met.iter().map(|d| date(d)).collect::<Result<Vec<_>>>()?;
    Ok(Some(PartnershipRow {
        id,
        name: head.name,
        area_name: head.area_name,
        published: head.published,
        partners: partners_of(conn, id)?,
        standing: standing(date(&head.started_on)?, &dates, &met, today, settings),
        placement: placement_of(conn, head.path, head.owner)?,
    }))
}

/// The area path of row `id` of `table` (one with an `area_code`), or
/// `missing` when there is no such row.
fn row_area_path(
    conn: &Connection,
    table: &str,
    id: i64,
    missing: impl FnOnce() -> StoreError,
) -> Result<String> {
    crate::sql::optional(
        conn,
        &format!(
            "SELECT a.path FROM {table} t JOIN areas a ON a.code = t.area_code WHERE t.id = ?1"
        ),
        [id],
    )?
    .ok_or_else(missing)
}

fn exists(tx: &Transaction<'_>, id: PartnershipId) -> Result<String> {
    row_area_path(tx, "partnerships", id.get(), || missing(id))
}

/// The partnership commitment `cid` belongs to.
fn partnership_of_commitment(
    conn: &Connection,
    cid: CommitmentId,
) -> Result<Option<PartnershipId>> {
    let sql = "SELECT partnership_id FROM partnership_commitments WHERE id = ?1";
    Ok(crate::sql::optional(conn, sql, [cid.get()])?.map(PartnershipId::new))
}

/// The partnership indicator `iid` belongs to.
fn partnership_of_indicator(conn: &Connection, iid: IndicatorId) -> Result<Option<PartnershipId>> {
    let sql = "SELECT partnership_id FROM partnership_indicators WHERE id = ?1";
    Ok(crate::sql::optional(conn, sql, [iid.get()])?.map(PartnershipId::new))
}

fn is_partner(tx: &Transaction<'_>, id: PartnershipId, org: OrgId) -> Result<bool> {
    crate::sql::exists(
        tx,
        "SELECT 1 FROM partnership_partners WHERE partnership_id = ?1 AND org_id = ?2",
        params![id.get(), org.get()],
    )
}

/// Inserts a partner (the caller checked the organisation exists).
fn insert_partner(
    tx: &Transaction<'_>,
    id: PartnershipId,
    org: OrgId,
    role: PartnerRole,
    actor: &Actor,
) -> Result<()> {
    tx.execute(
        "INSERT INTO partnership_partners (partnership_id, org_id, role, added_by, added_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            id.get(),
            org.get(),
            role.as_str(),
            actor.label(),
            crate::now()
        ],
    )?;
    Ok(())
}

pub(crate) fn insert_partnership(
    tx: &Transaction<'_>,
    area: &AreaCode,
    owner: Option<OrgId>,
    founding: &Founding,
    partners: &[(OrgId, PartnerRole)],
    actor: &Actor,
) -> Result<PartnershipId> {
    let path = crate::sql::area_path(tx, area.as_str())?.ok_or_else(|| {
        StoreError::invalid(
            "area",
            text!("partnership_no_area", code = area;
                id: "wilayah {code} tidak ada", en: "there is no area {code}"),
        )
    })?;
    let id = tx.query_row(
        "INSERT INTO partnerships (name, area_code, owner_org_id, vision, goals, started_on,
            created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id",
        params![
            founding.name,
            area.as_str(),
            owner.map(OrgId::get),
            founding.vision,
            founding.goals,
            crate::today().to_string(),
            actor.label(),
            crate::now()
        ],
        |r| Ok(PartnershipId::new(r.get(0)?)),
    )?;
    for (org, role) in partners {
        if load_org(tx, org.get())?.is_none() {
            return Err(no_org(*org));
        }
        if !is_partner(tx, id, *org)? {
            insert_partner(tx, id, *org, *role, actor)?;
        }
    }
    audit::record(
        tx,
        actor,
        "partnership.create",
        "partnership",
        &id.to_string(),
        Some(&path),
        serde_json::json!({"name": founding.name, "area": area.as_str(),
            "partners": partners.iter().map(|(o, _)| o.get()).collect::<Vec<_>>()}),
    )?;
    Ok(id)
}

fn no_org(org: OrgId) -> StoreError {
    StoreError::invalid(
        "org",
        text!("partnership_no_org", id = org;
            id: "tidak ada organisasi {id}", en: "there is no organisation {id}"),
    )
}

impl Store {
    pub fn partnership_settings(&self) -> Result<Settings> {
        settings_on(&*self.conn()?)
    }

    pub fn set_partnership_settings(&self, settings: Settings, actor: &Actor) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO partnership_settings (id, no_meeting_days) VALUES (1, ?1)
                 ON CONFLICT (id) DO UPDATE SET no_meeting_days = excluded.no_meeting_days",
                [settings.no_meeting_days],
            )?;
            audit::record(
                tx,
                actor,
                "partnership.settings",
                "partnership_settings",
                "1",
                None,
                serde_json::json!({"no_meeting_days": settings.no_meeting_days}),
            )
        })
    }

    /// A new partnership in `area`, made by `owner`'s user (or an area's),
    /// with its first partners.
    pub fn create_partnership(
        &self,
        area: &AreaCode,
        owner: Option<OrgId>,
        founding: &Founding,
        partners: &[(OrgId, PartnerRole)],
        actor: &Actor,
    ) -> Result<PartnershipId> {
        self.write(|tx| insert_partnership(tx, area, owner, founding, partners, actor))
    }

    /// A partnership with everything in it, as of today.
    pub fn partnership(&self, id: PartnershipId) -> Result<Option<PartnershipView>> {
        view_on(&*self.conn()?, id, crate::today())
    }

    /// The partnerships `scope` may see, newest first (at most
    /// [`LISTING_MAX`]): those it holds (placed in its area, and under its
    /// organisation for an organisation's scope) and, for an
    /// organisation's scope, those with a partner under its organisation
    /// (whose exact reach `lumbung_partnerships::partnership::Reach`
    /// judges).
    pub fn partnerships(&self, scope: &Scope) -> Result<Vec<PartnershipRow>> {
        let conn = self.conn()?;
        let (mut seen, mut params) = crate::sql::seen_by(scope, "a.path", Some("p.owner_org_id"));
        if let Scope::Org { id, .. } = scope {
            let partner = crate::sql::under_org(params.len() + 1);
            seen = format!(
                "({seen}) OR EXISTS (SELECT 1 FROM partnership_partners pp
                     WHERE pp.partnership_id = p.id AND pp.org_id IN {partner})"
            );
            params.push((*id).into());
        }
        let ids: Vec<PartnershipId> = crate::sql::all(
            &conn,
            &format!(
                "SELECT p.id FROM partnerships p JOIN areas a ON a.code = p.area_code
                 WHERE {seen} ORDER BY p.id DESC LIMIT {LISTING_MAX}"
            ),
            crate::db::params_from_iter(params),
            |r| Ok(PartnershipId::new(r.get(0)?)),
        )?;
        let (today, settings) = (crate::today(), settings_on(&conn)?);
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.extend(row_on(&conn, id, today, &settings)?);
        }
        Ok(out)
    }

    /// A published partnership as anyone sees it; `None` when there is
    /// none or it is not published.
    pub fn public_partnership(&self, id: PartnershipId) -> Result<Option<PublicPartnership>> {
        let Some(v) = self.partnership(id)? else {
            return Ok(None);
        };
        Ok(v.published.then(|| PublicPartnership {
            name: v.name,
            area_name: v.area_name,
            vision: v.vision,
            goals: v.goals,
            started_on: v.started_on,
            partners: v.partners.into_iter().map(|p| (p.name, p.role)).collect(),
            standing: v.standing,
            meetings: v.meetings.len() as u64,
            indicators: v.indicators,
        }))
    }

    pub fn add_partner(
        &self,
        id: PartnershipId,
        org: OrgId,
        role: PartnerRole,
        actor: &Actor,
    ) -> Result<()> {
        self.write(|tx| {
            let path = exists(tx, id)?;
            if load_org(tx, org.get())?.is_none() {
                return Err(no_org(org));
            }
            if is_partner(tx, id, org)? {
                return Err(StoreError::conflict(text!("partner_already";
                    id: "organisasi itu sudah menjadi mitra", en: "that organisation is a partner already")));
            }
            let count: i64 = crate::sql::optional(
                tx,
                "SELECT COUNT(*) FROM partnership_partners WHERE partnership_id = ?1",
                [id.get()],
            )?
            .unwrap_or(0);
            if count as usize >= lumbung_partnerships::partnership::PARTNERS_MAX {
                return Err(StoreError::conflict(text!("partners_full",
                    max = lumbung_partnerships::partnership::PARTNERS_MAX;
                    id: "paling banyak {max} mitra", en: "at most {max} partners")));
            }
            insert_partner(tx, id, org, role, actor)?;
            audit::record(
                tx,
                actor,
                "partnership.partner",
                "partnership",
                &id.to_string(),
                Some(&path),
                serde_json::json!({"org": org.get(), "role": role}),
            )
        })
    }

    /// A partner's commitment (the organisation must be a partner).
    pub fn add_commitment(
        &self,
        id: PartnershipId,
        org: OrgId,
        pledge: &Pledge,
        actor: &Actor,
    ) -> Result<CommitmentId> {
        self.write(|tx| {
            let path = exists(tx, id)?;
            if !is_partner(tx, id, org)? {
                return Err(StoreError::invalid(
                    "org",
                    text!("commitment_not_partner";
                        id: "hanya mitra yang dapat berkomitmen", en: "only a partner makes commitments"),
                ));
            }
            let cid: i64 = tx.query_row(
                "INSERT INTO partnership_commitments (partnership_id, org_id, kind, description,
                    amount, hours, due_on, created_by, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id",
                params![
                    id.get(),
                    org.get(),
                    pledge.kind.as_str(),
                    pledge.description,
                    pledge.amount.map(Money::minor),
                    pledge.hours,
                    pledge.due_on.to_string(),
                    actor.label(),
                    crate::now()
                ], |r| r.get::<_, i64>(0),
            )?;
            audit::record(
                tx,
                actor,
                "partnership.commit",
                "partnership",
                &id.to_string(),
                Some(&path),
                serde_json::json!({"commitment": cid, "org": org.get(), "kind": pledge.kind,
                    "amount": pledge.amount, "hours": pledge.hours, "due_on": pledge.due_on}),
            )?;
            Ok(CommitmentId::new(cid))
        })
    }

    /// The partnership and owner of a commitment.
    pub fn commitment_owner(&self, cid: CommitmentId) -> Result<Option<(PartnershipId, OrgId)>> {
        let conn = self.conn()?;
        crate::sql::optional_row(
            &conn,
            "SELECT partnership_id, org_id FROM partnership_commitments WHERE id = ?1",
            [cid.get()],
            |r| Ok((PartnershipId::new(r.get(0)?), OrgId::new(r.get(1)?))),
        )
    }

    /// Records a commitment kept, once.
    pub fn keep_commitment(
        &self,
        cid: CommitmentId,
        kept_on: Date,
        note: &str,
        actor: &Actor,
    ) -> Result<()> {
        self.write(|tx| {
            let pid = partnership_of_commitment(tx, cid)?.ok_or_else(|| {
                StoreError::not_found(text!("commitment_missing", id = cid;
                    id: "komitmen {id}", en: "commitment {id}"))
            })?;
            let path = exists(tx, pid)?;
            if crate::sql::exists(
                tx,
                "SELECT 1 FROM partnership_commitments_kept WHERE commitment_id = ?1",
                [cid.get()],
            )? {
                return Err(StoreError::conflict(text!("commitment_kept_already";
                    id: "komitmen ini sudah tercatat ditepati", en: "this commitment is recorded as kept already")));
            }
            tx.execute(
                "INSERT INTO partnership_commitments_kept (commitment_id, kept_on, note, recorded_by, recorded_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![cid.get(), kept_on.to_string(), note, actor.label(), crate::now()],
            )?;
            audit::record(
                tx,
                actor,
                "partnership.kept",
                "partnership",
                &pid.to_string(),
                Some(&path),
                serde_json::json!({"commitment": cid.get(), "kept_on": kept_on}),
            )
        })
    }

    pub fn add_meeting(&self, id: PartnershipId, m: &Minutes, actor: &Actor) -> Result<()> {
        self.write(|tx| {
            let path = exists(tx, id)?;
            tx.execute(
                "INSERT INTO partnership_meetings (partnership_id, held_on, attendees, minutes,
                    decisions, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    id.get(),
                    m.held_on.to_string(),
                    m.attendees,
                    m.minutes,
                    m.decisions,
                    actor.label(),
                    crate::now()
                ],
            )?;
            audit::record(
                tx,
                actor,
                "partnership.meeting",
                "partnership",
                &id.to_string(),
                Some(&path),
                serde_json::json!({"held_on": m.held_on, "attendees": m.attendees}),
            )
        })
    }

    pub fn add_indicator(
        &self,
        id: PartnershipId,
        m: &Measure,
        actor: &Actor,
    ) -> Result<IndicatorId> {
        self.write(|tx| {
            let path = exists(tx, id)?;
            let iid: i64 = tx.query_row(
                "INSERT INTO partnership_indicators (partnership_id, name, unit, baseline, target,
                    created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
                params![
                    id.get(),
                    m.name,
                    m.unit,
                    m.baseline.raw(),
                    m.target.raw(),
                    actor.label(),
                    crate::now()
                ],
                |r| r.get::<_, i64>(0),
            )?;
            audit::record(
                tx,
                actor,
                "partnership.indicator",
                "partnership",
                &id.to_string(),
                Some(&path),
                serde_json::json!({"indicator": iid, "name": m.name}),
            )?;
            Ok(IndicatorId::new(iid))
        })
    }

    /// The partnership an indicator belongs to.
    pub fn indicator_partnership(&self, iid: IndicatorId) -> Result<Option<PartnershipId>> {
        partnership_of_indicator(&*self.conn()?, iid)
    }

    pub fn add_reading(
        &self,
        iid: IndicatorId,
        read_on: Date,
        value: Fixed<2>,
        actor: &Actor,
    ) -> Result<()> {
        self.write(|tx| {
            let pid = partnership_of_indicator(tx, iid)?.ok_or_else(|| {
                StoreError::not_found(text!("indicator_missing", id = iid;
                    id: "indikator {id}", en: "indicator {id}"))
            })?;
            let path = exists(tx, pid)?;
            tx.execute(
                "INSERT INTO partnership_readings (indicator_id, read_on, value, created_by, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![iid.get(), read_on.to_string(), value.raw(), actor.label(), crate::now()],
            )?;
            audit::record(
                tx,
                actor,
                "partnership.reading",
                "partnership",
                &pid.to_string(),
                Some(&path),
                serde_json::json!({"indicator": iid.get(), "read_on": read_on, "value": value.short().to_string()}),
            )
        })
    }

    /// Shows a partnership's summary to the public, or stops showing it.
    pub fn publish_partnership(
        &self,
        id: PartnershipId,
        published: bool,
        actor: &Actor,
    ) -> Result<()> {
        self.write(|tx| {
            let path = exists(tx, id)?;
            tx.execute(
                "UPDATE partnerships SET published = ?2 WHERE id = ?1",
                params![id.get(), published],
            )?;
            audit::record(
                tx,
                actor,
                "partnership.publish",
                "partnership",
                &id.to_string(),
                Some(&path),
                serde_json::json!({"published": published}),
            )
        })
    }
}
