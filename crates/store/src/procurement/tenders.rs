//! Open tenders — published in OCDS (kept by ocid, as the compiled
//! release says) or entered by hand for an anchor — their local matches,
//! and the outbox of notices to the matched businesses that consented.

use super::business::{reachable, stored_record};
use crate::audit::{self, Actor};
use crate::db::{params, Connection, OptionalExtension};
use crate::{Result, Store, StoreError};
use lumbung_domain::{
    text, AnchorId, BusinessId, Language, Money, NoticeId, OrgId, Scope, TenderId,
};
use lumbung_procurement::contracts::Process;
use lumbung_procurement::tenders::{matches, notice, NewTender, Tender, TenderMatch};
use serde::Serialize;

/// A tender with the local businesses able to answer it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TenderMatches {
    #[serde(flatten)]
    pub tender: Tender,
    pub matches: Vec<TenderMatch>,
}

/// What matching tenders reads once: the area paths of the local area
/// and the region, the business base, the sectors, and each anchor's area
/// path as met.
struct Matching {
    local: String,
    region: String,
    candidates: std::sync::Arc<Vec<lumbung_procurement::opportunities::Candidate>>,
    sectors: lumbung_spend::sectors::SectorList,
    near: std::collections::HashMap<AnchorId, String>,
}

/// What queueing a tender's notices did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Queued {
    pub queued: u64,
    /// Matched businesses queued before for this tender.
    pub already: u64,
    /// Matched businesses that did not consent: never written to.
    pub without_consent: u64,
    /// Consenting businesses without an email address.
    pub without_email: u64,
}

/// Where a notice stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeStatus {
    /// Waiting for the mail relay.
    Queued,
    Sent,
    /// The business withdrew its consent after the notice was queued:
    /// it is not to be sent.
    Withheld,
}

/// A notice of the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutboxNotice {
    pub id: NoticeId,
    pub tender_id: TenderId,
    /// The tender's title.
    pub tender: String,
    pub business_id: BusinessId,
    pub business: String,
    pub email: String,
    pub language: &'static str,
    pub subject: String,
    pub body: String,
    pub status: NoticeStatus,
    pub queued_at: String,
    pub sent_at: Option<String>,
}

/// The tender statuses that are open ([`Tender::is_open`]), for SQL.
const OPEN: &str = "'active', 'planned'";

const TENDER_COLUMNS: &str = "t.id, t.ocid, t.anchor_id, o.name, t.buyer, t.title, t.cpv, t.sectors, t.lots, t.value, t.currency, t.closes_on, t.status";

fn tender_row(r: &crate::db::Row<'_>) -> crate::db::Result<Tender> {
    let split = |s: String| -> Vec<String> {
        s.split(';')
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect()
    };
    from_row!(
        r,
        Tender {
            id: TenderId::new,
            ocid,
            anchor: |v: Option<i64>| v.map(AnchorId::new),
            anchor_name,
            buyer,
            title,
            cpv: split,
            sectors: split,
            lots: |v: i64| v as u64,
            value: |v: Option<i64>| v.map(Money::from_minor),
            currency,
            closes_on,
            status,
        }
    )
}

fn load_tender(conn: &Connection, id: TenderId) -> Result<Option<Tender>> {
    Ok(conn
        .query_row(
            &format!(
                "SELECT {TENDER_COLUMNS} FROM tenders t LEFT JOIN organisations o ON o.id = t.anchor_id WHERE t.id = ?1"
            ),
            [id.get()],
            tender_row,
        )
        .optional()?)
}

/// The rows of the tenders published in OCDS, many a statement (see
/// [`push_published`]).
pub(super) fn published_rows(per: usize) -> crate::sql::Bulk {
    crate::sql::Bulk::new(
        "INSERT INTO tenders (ocid, buyer, title, cpv, lots, currency, value, closes_on, status, entered_by, created_at, updated_at)",
        "ON CONFLICT (ocid) DO UPDATE SET buyer = excluded.buyer, title = excluded.title, cpv = excluded.cpv,
             lots = excluded.lots, currency = excluded.currency, value = excluded.value,
             closes_on = excluded.closes_on, status = excluded.status, updated_at = excluded.updated_at",
        12,
        per,
    )
}

/// The open tender a compiled process publishes, if it names one (a title
/// or CPV codes), as a row of `rows` ([`published_rows`]): saved or
/// updated by its `ocid`, at time `now`.
pub(super) fn push_published(rows: &mut crate::sql::Bulk, process: &Process, now: &str) {
    let t = &process.tender;
    if t.title.is_none() && t.cpv.is_empty() {
        return;
    }
    let (value, currency) = match &t.value {
        Some((v, c)) => (Some(v.minor()), Some(c.as_str()).filter(|c| !c.is_empty())),
        None => (None, None),
    };
    rows.push::<12>([
        process.ocid.as_str().into(),
        process.buyer.as_deref().into(),
        t.title.as_deref().unwrap_or(&process.ocid).into(),
        t.cpv.join(";").into(),
        (t.lots as i64).into(),
        currency.into(),
        value.into(),
        t.closes.as_deref().into(),
        process.tender_status.as_deref().unwrap_or("").into(),
        "ocds".into(),
        now.into(),
        now.into(),
    ]);
}

impl Store {
    /// Enters an open tender by hand for `anchor`.
    pub fn add_tender(&self, anchor: OrgId, tender: &NewTender, actor: &Actor) -> Result<TenderId> {
        self.write(|tx| {
            let Some(org) = crate::orgs::load(tx, anchor.get())?.filter(|o| o.kind == "anchor")
            else {
                return Err(StoreError::invalid(
                    "anchor",
                    text!("tender_no_anchor", id = anchor;
                        id: "tidak ada lembaga jangkar dengan id {id}",
                        en: "no anchor institution has id {id}"),
                ));
            };
            let now = crate::now();
            let id: i64 = tx.query_row(
                "INSERT INTO tenders (anchor_id, buyer, title, cpv, sectors, lots, currency, value, closes_on, status, entered_by, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'active', ?10, ?11, ?11) RETURNING id",
                params![
                    anchor.get(),
                    org.name,
                    tender.title,
                    tender.cpv.join(";"),
                    tender.sectors.join(";"),
                    tender.lots as i64,
                    tender.currency,
                    tender.value.map(|v| v.minor()),
                    tender.closes_on.map(|d| d.to_string()),
                    actor.label(),
                    now
                ], |r| r.get::<_, i64>(0),
            )?;
            audit::record(
                tx,
                actor,
                "procurement.add_tender",
                "tender",
                &id.to_string(),
                org.area_code.as_deref(),
                serde_json::json!({"anchor": anchor.get(), "title": tender.title, "cpv": tender.cpv}),
            )?;
            Ok(TenderId::new(id))
        })
    }

    /// Every tender held, the open ones (status `active`, or `planned`)
    /// first, then by closing date.
    pub fn tenders(&self) -> Result<Vec<Tender>> {
        self.tenders_from(u32::MAX, 0)
    }

    /// `limit` tenders from `offset`, in the order of [`Store::tenders`].
    fn tenders_from(&self, limit: u32, offset: u32) -> Result<Vec<Tender>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare(&format!(
            "SELECT {TENDER_COLUMNS} FROM tenders t LEFT JOIN organisations o ON o.id = t.anchor_id
             ORDER BY t.status NOT IN ({OPEN}), t.closes_on IS NULL, t.closes_on, t.id
             LIMIT ?1 OFFSET ?2"
        ))?;
        let out = stmt
            .query_map(params![i64::from(limit), i64::from(offset)], tender_row)?
            .collect::<crate::db::Result<_>>()?;
        Ok(out)
    }

    /// A page of tenders (`limit` from `offset`, in the order of
    /// [`Store::tenders`]), each with its matches, and how many tenders
    /// are held. The business base is read once for the page, not once
    /// a tender (an OCDS import holds hundreds of thousands of tenders).
    pub fn tenders_matched(&self, limit: u32, offset: u32) -> Result<(Vec<TenderMatches>, u64)> {
        let total: i64 = self
            .conn()?
            .query_row("SELECT count(*) FROM tenders", [], |r| r.get(0))?;
        let tenders = self.tenders_from(limit, offset)?;
        if tenders.is_empty() {
            return Ok((vec![], total as u64));
        }
        let mut matching = self.matching()?;
        let found = tenders
            .into_iter()
            .map(|t| self.matched(&mut matching, t))
            .collect::<Result<_>>()?;
        Ok((found, total as u64))
    }

    /// Every tender with its matches (the open ones only when
    /// `open_only`), the business base read once.
    pub fn all_tenders_matched(&self, open_only: bool) -> Result<Vec<TenderMatches>> {
        let tenders: Vec<Tender> = (self.tenders()?.into_iter())
            .filter(|t| !open_only || t.is_open())
            .collect();
        if tenders.is_empty() {
            return Ok(vec![]);
        }
        let mut matching = self.matching()?;
        tenders
            .into_iter()
            .map(|t| self.matched(&mut matching, t))
            .collect()
    }

    /// What matching reads once for any number of tenders.
    fn matching(&self) -> Result<Matching> {
        let (local, region) = self.local_and_region()?;
        Ok(Matching {
            local,
            region,
            candidates: self.business_candidates()?,
            sectors: self.sector_list()?,
            near: Default::default(),
        })
    }

    /// `tender` with the local businesses able to answer it (within the
    /// spend settings' region, nearest its anchor's area first).
    fn matched(&self, m: &mut Matching, tender: Tender) -> Result<TenderMatches> {
        let near = match tender.anchor {
            Some(anchor) => match m.near.get(&anchor) {
                Some(near) => near.clone(),
                None => {
                    let near = self.org_area_path(anchor.get())?.unwrap_or(m.local.clone());
                    m.near.insert(anchor, near.clone());
                    near
                }
            },
            None => m.local.clone(),
        };
        let found = matches(&tender, &m.candidates, &m.region, &near, m.sectors);
        Ok(TenderMatches {
            tender,
            matches: found,
        })
    }

    /// A tender, if held.
    pub fn tender(&self, id: TenderId) -> Result<Option<Tender>> {
        load_tender(&*self.conn()?, id)
    }

    /// A tender and the local businesses able to answer it (within the
    /// spend settings' region, nearest its anchor's area first).
    pub fn tender_matches(&self, id: TenderId) -> Result<Option<TenderMatches>> {
        let Some(tender) = load_tender(&*self.conn()?, id)? else {
            return Ok(None);
        };
        Ok(Some(self.matched(&mut self.matching()?, tender)?))
    }

    /// Queues a notice about tender `id` to each matched business that
    /// consented and has an email address, once per business.
    pub fn queue_notices(&self, id: TenderId, actor: &Actor) -> Result<Queued> {
        let Some(found) = self.tender_matches(id)? else {
            return Err(StoreError::invalid(
                "tender",
                text!("no_tender", id = id; id: "tidak ada tender dengan id {id}", en: "no tender has id {id}"),
            ));
        };
        if !found.tender.is_open() {
            return Err(StoreError::invalid(
                "tender",
                text!("tender_closed", id = id, status = found.tender.status;
                    id: "tender {id} berstatus {status}: pemberitahuan hanya untuk tender yang dibuka",
                    en: "tender {id} is {status}: notices are for open tenders only"),
            ));
        }
        self.write(|tx| {
            let mut q = Queued::default();
            for m in &found.matches {
                if !m.consent {
                    q.without_consent += 1;
                    continue;
                }
                let record: String = tx.query_row(
                    "SELECT record FROM businesses WHERE id = ?1",
                    [m.id.get()],
                    |r| r.get(0),
                )?;
                let record = stored_record(&record);
                // Consent is read again inside the transaction that queues.
                let Some((email, language)) =
                    reachable(&record, &mut q.without_consent, &mut q.without_email)
                else {
                    continue;
                };
                let n = notice(&found.tender, &record.name, language);
                let added = tx.execute(
                    "INSERT INTO outbox (tender_id, business_id, email, language, subject, body, queued_at, queued_by)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (tender_id, business_id) DO NOTHING",
                    params![id.get(), m.id.get(), email, language.code(), n.subject, n.body, crate::now(), actor.label()],
                )?;
                if added == 0 {
                    q.already += 1;
                } else {
                    q.queued += 1;
                }
            }
            if q.queued > 0 {
                audit::record(
                    tx,
                    actor,
                    "procurement.queue_notices",
                    "tender",
                    &id.to_string(),
                    None,
                    serde_json::json!({"queued": q.queued}),
                )?;
            }
            Ok(q)
        })
    }

    /// The outbox, oldest first. A queued notice whose business withdrew
    /// its consent since is withheld.
    pub fn outbox(&self) -> Result<Vec<OutboxNotice>> {
        self.outbox_in(&Scope::Global)
    }

    /// The notices of the outbox a viewer of `scope` may see and mark:
    /// those of tenders of its anchors, and of tenders published without
    /// one (as its tenders are seen).
    pub fn outbox_in(&self, scope: &Scope) -> Result<Vec<OutboxNotice>> {
        Ok(self.outbox_where(scope, "", u32::MAX, 0)?.0)
    }

    /// A page of [`Store::outbox_in`] (`limit` from `offset`, oldest
    /// first) and how many notices it holds in all: a write user can queue
    /// notices for every tender, so the page never reads them all.
    pub fn outbox_page(
        &self,
        scope: &Scope,
        limit: u32,
        offset: u32,
    ) -> Result<(Vec<OutboxNotice>, u64)> {
        self.outbox_where(scope, "", limit, offset)
    }

    /// The notices of [`Store::outbox_in`] that `also` keeps too (SQL over
    /// the notice `n`, empty for all), `limit` from `offset`, with their
    /// count.
    fn outbox_where(
        &self,
        scope: &Scope,
        also: &str,
        limit: u32,
        offset: u32,
    ) -> Result<(Vec<OutboxNotice>, u64)> {
        // The anchors' ids are numbers the store read: written into the
        // query as they are.
        let seen = match self.spend_anchors_in(scope)? {
            None => "1 = 1".to_owned(),
            Some(anchors) => {
                let ids: Vec<String> = anchors.iter().map(|a| a.get().to_string()).collect();
                match ids.is_empty() {
                    true => "t.anchor_id IS NULL".to_owned(),
                    false => format!(
                        "(t.anchor_id IS NULL OR t.anchor_id IN ({}))",
                        ids.join(", ")
                    ),
                }
            }
        };
        let also = match also {
            "" => String::new(),
            also => format!(" AND {also}"),
        };
        let from = format!(
            "FROM outbox n JOIN businesses b ON b.id = n.business_id JOIN tenders t ON t.id = n.tender_id
             WHERE {seen}{also}"
        );
        let conn = self.conn()?;
        let total: i64 = conn.query_row(&format!("SELECT count(*) {from}"), [], |r| r.get(0))?;
        let mut stmt = conn.prepare(&format!(
            "SELECT n.id, n.tender_id, n.business_id, b.record, n.email, n.language, n.subject, n.body,
                    n.queued_at, n.sent_at, t.title
             {from} ORDER BY n.id LIMIT ?1 OFFSET ?2"
        ))?;
        let rows = stmt
            .query_map(params![i64::from(limit), i64::from(offset)], |r| {
                let record = stored_record(&r.get::<_, String>(3)?);
                let sent_at: Option<String> = r.get(9)?;
                let language: String = r.get(5)?;
                Ok(OutboxNotice {
                    id: NoticeId::new(r.get(0)?),
                    tender_id: TenderId::new(r.get(1)?),
                    tender: r.get(10)?,
                    business_id: BusinessId::new(r.get(2)?),
                    status: match (&sent_at, record.consent) {
                        (Some(_), _) => NoticeStatus::Sent,
                        (None, true) => NoticeStatus::Queued,
                        (None, false) => NoticeStatus::Withheld,
                    },
                    business: record.name,
                    email: r.get(4)?,
                    language: Language::parse(&language).unwrap_or_default().code(),
                    subject: r.get(6)?,
                    body: r.get(7)?,
                    queued_at: r.get(8)?,
                    sent_at,
                })
            })?
            .collect::<crate::db::Result<Vec<_>>>()?;
        Ok((rows, total as u64))
    }

    /// Marks notices sent (by the mail relay), all or nothing: each must
    /// be queued, not sent, and its business still consenting.
    pub fn mark_sent(&self, ids: &[NoticeId], actor: &Actor) -> Result<u64> {
        self.mark_sent_in(&Scope::Global, ids, actor)
    }

    /// [`Store::mark_sent`] of notices a viewer of `scope` may see
    /// ([`Store::outbox_in`]); any other is no notice to it.
    pub fn mark_sent_in(&self, scope: &Scope, ids: &[NoticeId], actor: &Actor) -> Result<u64> {
        // Only the notices named are read (ids are numbers, written in).
        let named: Vec<String> = ids.iter().map(|id| id.get().to_string()).collect();
        let held: Vec<OutboxNotice> = match named.is_empty() {
            true => vec![],
            false => {
                let filter = format!("n.id IN ({})", named.join(", "));
                self.outbox_where(scope, &filter, u32::MAX, 0)?.0
            }
        };
        self.write(|tx| {
            for id in ids {
                match held.iter().find(|n| n.id == *id).map(|n| n.status) {
                    Some(NoticeStatus::Queued) => {}
                    status => {
                        return Err(StoreError::invalid(
                            "notice",
                            match status {
                                None => text!("no_notice", id = id;
                                    id: "tidak ada pemberitahuan dengan id {id}",
                                    en: "no notice has id {id}"),
                                Some(NoticeStatus::Sent) => text!("notice_sent_already", id = id;
                                    id: "pemberitahuan {id} sudah terkirim",
                                    en: "notice {id} was sent already"),
                                Some(_) => text!("notice_withheld", id = id;
                                    id: "pemberitahuan {id} ditahan: usahanya tidak lagi bersedia dihubungi",
                                    en: "notice {id} is withheld: its business no longer agrees to be contacted"),
                            },
                        ))
                    }
                }
                tx.execute(
                    "UPDATE outbox SET sent_at = ?2, sent_by = ?3 WHERE id = ?1 AND sent_at IS NULL",
                    params![id.get(), crate::now(), actor.label()],
                )?;
            }
            if !ids.is_empty() {
                audit::record(
                    tx,
                    actor,
                    "procurement.mark_sent",
                    "outbox",
                    &ids.len().to_string(),
                    None,
                    serde_json::json!({"notices": ids.iter().map(|i| i.get()).collect::<Vec<_>>()}),
                )?;
            }
            Ok(ids.len() as u64)
        })
    }

    /// The area path of an organisation's area, if it has one.
    pub(crate) fn org_area_path(&self, org: i64) -> Result<Option<String>> {
        crate::sql::optional(
            &*self.conn()?,
            "SELECT a.path FROM organisations o JOIN areas a ON a.code = o.area_code WHERE o.id = ?1",
            [org],
        )
    }

    /// The area paths of the spend settings' local area and region (the
    /// local area when no region is set).
    pub(crate) fn local_and_region(&self) -> Result<(String, String)> {
        let settings = self.spend_settings()?;
        let Some(local) = settings.local else {
            return Err(StoreError::invalid(
                "local",
                text!("procurement_needs_local_setting";
                    id: "wilayah lokal belum ditetapkan: spend settings --local AREA --region AREA",
                    en: "no local area is set: spend settings --local AREA --region AREA"),
            ));
        };
        let path = |code: &str| -> Result<String> {
            Ok(self
                .area_path(code)?
                .map(|p| p.as_str().to_owned())
                .unwrap_or_default())
        };
        let local = path(&local)?;
        let region = match settings.region {
            Some(region) => path(&region)?,
            None => local.clone(),
        };
        Ok((local, region))
    }
}
