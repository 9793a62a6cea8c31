//! Offers and needs, the matches between them (the rule:
//! `lumbung_partnerships::offers::matches`), a match turned into a
//! partnership, and the notices to both sides queued in the outbox.

use super::insert_partnership;
use crate::audit::{self, Actor};
use crate::db::{params, Connection};
use crate::{Result, Store, StoreError};
use lumbung_domain::{
    text, AreaCode, AreaPath, OfferId, OrgId, PartnershipId, PartnershipNoticeId, Placement, Scope,
};
use lumbung_partnerships::offers::{matches, pair, Kind, Listing, Posting, Side, Theme};
use lumbung_partnerships::partnership::{Founding, PartnerRole};
use serde::Serialize;
use std::collections::HashMap;

/// The most offers and needs a listing reads.
const OFFERS_MAX: i64 = 5_000;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OfferView {
    pub id: OfferId,
    pub side: Side,
    pub org_id: OrgId,
    pub org_name: String,
    pub area_code: String,
    pub area_name: String,
    pub title: String,
    pub description: String,
    pub themes: Vec<Theme>,
    pub kinds: Vec<Kind>,
    pub contact: String,
    pub created_at: String,
    /// Where it sits: its area and its organisation's lineage.
    #[serde(skip)]
    pub placement: Placement,
}

/// A match between an offer and a need, with the partnership it became.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProposedMatch {
    pub offer: OfferView,
    pub need: OfferView,
    pub themes: Vec<Theme>,
    pub kinds: Vec<Kind>,
    pub distance: usize,
    pub partnership: Option<PartnershipId>,
}

/// A notice waiting in the outbox.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outboxed {
    pub id: PartnershipNoticeId,
    pub partnership_id: PartnershipId,
    /// The offer or need whose side is notified.
    pub offer_id: OfferId,
    pub email: String,
    pub language: String,
    pub subject: String,
    pub body: String,
    pub queued_at: String,
    pub sent_at: Option<String>,
}

fn list<T>(raw: &str, parse: impl Fn(&str) -> Option<T>) -> Vec<T> {
    raw.split(',').filter_map(parse).collect()
}

/// An offer's row ([`OFFER_SELECT`]), with its organisation's name and
/// its area's name and path.
struct OfferRow {
    id: i64,
    side: String,
    org_id: i64,
    org_name: String,
    area_code: String,
    area_name: String,
    path: String,
    title: String,
    description: String,
    themes: String,
    kinds: String,
    contact: String,
    created_at: String,
}

const OFFER_SELECT: &str = "SELECT f.id, f.side, f.org_id, o.name, f.area_code, a.name, a.path,
        f.title, f.description, f.themes, f.kinds, f.contact, f.created_at
    FROM offers f JOIN organisations o ON o.id = f.org_id JOIN areas a ON a.code = f.area_code";

fn offers_where(conn: &Connection, filter: &str, id: Option<OfferId>) -> Result<Vec<OfferView>> {
    let sql = format!("{OFFER_SELECT} {filter} ORDER BY f.id DESC LIMIT {OFFERS_MAX}");
    let params = crate::db::params_from_iter(id.map(OfferId::get));
    let rows: Vec<OfferRow> = crate::sql::all(conn, &sql, params, |r| {
        from_row!(
            r,
            OfferRow {
                id,
                side,
                org_id,
                org_name,
                area_code,
                area_name,
                path,
                title,
                description,
                themes,
                kinds,
                contact,
                created_at
            }
        )
    })?;
    let mut out = Vec::with_capacity(rows.len());
    for o in rows {
        out.push(OfferView {
            id: OfferId::new(o.id),
            side: Side::parse(&o.side).ok_or_else(|| unreadable("side"))?,
            org_id: OrgId::new(o.org_id),
            org_name: o.org_name,
            area_code: o.area_code,
            area_name: o.area_name,
            title: o.title,
            description: o.description,
            themes: list(&o.themes, Theme::parse),
            kinds: list(&o.kinds, Kind::parse),
            contact: o.contact,
            created_at: o.created_at,
            placement: super::placement_of(conn, o.path, Some(o.org_id))?,
        });
    }
    Ok(out)
}

fn unreadable(what: &str) -> StoreError {
    StoreError::invalid(
        "offers",
        text!("offer_unreadable", what = what;
            id: "nilai {what} tawaran yang tersimpan tidak terbaca",
            en: "an offer's stored {what} cannot be read"),
    )
}

fn joined<T: Copy>(items: &[T], key: impl Fn(T) -> &'static str) -> String {
    items.iter().map(|i| key(*i)).collect::<Vec<_>>().join(",")
}

/// What matching reads of an offer or a need (one placed in no area is
/// never matched).
fn listing(o: &OfferView) -> Option<Listing> {
    Some(Listing {
        id: o.id,
        side: o.side,
        org: o.org_id,
        themes: o.themes.clone(),
        kinds: o.kinds.clone(),
        area: o.placement.area.clone()?,
    })
}

impl Store {
    /// Publishes an offer or a need of `org` in `area`.
    pub fn post_offer(
        &self,
        org: OrgId,
        area: &AreaCode,
        posting: &Posting,
        actor: &Actor,
    ) -> Result<OfferId> {
        self.write(|tx| {
            let Some(path) = crate::sql::area_path(tx, area.as_str())? else {
                return Err(StoreError::invalid(
                    "area",
                    text!("offer_no_area", code = area;
                        id: "wilayah {code} tidak ada", en: "there is no area {code}"),
                ));
            };
            if crate::orgs::load(tx, org.get())?.is_none() {
                return Err(super::no_org(org));
            }
            let id: i64 = tx.query_row(
                "INSERT INTO offers (side, org_id, area_code, title, description, themes, kinds,
                    contact, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) RETURNING id",
                params![
                    posting.side.as_str(),
                    org.get(),
                    area.as_str(),
                    posting.title,
                    posting.description,
                    joined(&posting.themes, Theme::as_str),
                    joined(&posting.kinds, Kind::as_str),
                    posting.contact,
                    actor.label(),
                    crate::now()
                ], |r| r.get::<_, i64>(0),
            )?;
            audit::record(
                tx,
                actor,
                "offer.post",
                "offer",
                &id.to_string(),
                Some(&path),
                serde_json::json!({"side": posting.side, "org": org.get(), "title": posting.title}),
            )?;
            Ok(OfferId::new(id))
        })
    }

    /// Every offer and need, newest first (at most 5,000).
    pub fn offers(&self) -> Result<Vec<OfferView>> {
        offers_where(&*self.conn()?, "", None)
    }

    pub fn offer(&self, id: OfferId) -> Result<Option<OfferView>> {
        Ok(offers_where(&*self.conn()?, "WHERE f.id = ?1", Some(id))?.pop())
    }

    /// The offers that fit each need (its best few, the best thousand in
    /// all: `lumbung_partnerships::offers::matches`), nearest first, with
    /// the partnership each became.
    pub fn offer_matches(&self) -> Result<Vec<ProposedMatch>> {
        let conn = self.conn()?;
        let all = offers_where(&conn, "", None)?;
        let listings: Vec<Listing> = all.iter().filter_map(listing).collect();
        let made: Vec<((i64, i64), i64)> = crate::sql::all(
            &conn,
            "SELECT offer_id, need_id, partnership_id FROM offer_matches",
            [],
            |r| Ok(((r.get(0)?, r.get(1)?), r.get(2)?)),
        )?;
        let made: HashMap<(i64, i64), i64> = made.into_iter().collect();
        let by_id: HashMap<OfferId, &OfferView> = all.iter().map(|o| (o.id, o)).collect();
        Ok(matches(&listings)
            .into_iter()
            .filter_map(|m| {
                Some(ProposedMatch {
                    partnership: made
                        .get(&(m.offer.get(), m.need.get()))
                        .map(|p| PartnershipId::new(*p)),
                    offer: (*by_id.get(&m.offer)?).clone(),
                    need: (*by_id.get(&m.need)?).clone(),
                    themes: m.themes,
                    kinds: m.kinds,
                    distance: m.distance,
                })
            })
            .collect())
    }

    /// Offer `offer` and need `need` as a match, when they fit
    /// (`lumbung_partnerships::offers::pair`), with the partnership it
    /// became: the two listings alone, by id, whatever else is listed.
    pub fn offer_match(&self, offer: OfferId, need: OfferId) -> Result<Option<ProposedMatch>> {
        let conn = self.conn()?;
        let one =
            |id: OfferId| offers_where(&conn, "WHERE f.id = ?1", Some(id)).map(|mut v| v.pop());
        let (Some(offer_view), Some(need_view)) = (one(offer)?, one(need)?) else {
            return Ok(None);
        };
        let Some(fit) = listing(&need_view)
            .zip(listing(&offer_view))
            .and_then(|(n, o)| pair(&n, &o))
        else {
            return Ok(None);
        };
        let partnership: Option<i64> = crate::sql::optional(
            &conn,
            "SELECT partnership_id FROM offer_matches WHERE offer_id = ?1 AND need_id = ?2",
            params![offer.get(), need.get()],
        )?;
        Ok(Some(ProposedMatch {
            partnership: partnership.map(PartnershipId::new),
            offer: offer_view,
            need: need_view,
            themes: fit.themes,
            kinds: fit.kinds,
            distance: fit.distance,
        }))
    }

    /// Turns a match into a partnership of both organisations, in the
    /// need's area and owned by the need's organisation, and queues a
    /// notice to each side (`notices`: subject and body, in the viewer's
    /// language). Once per match.
    pub fn partner_up(
        &self,
        offer: OfferId,
        need: OfferId,
        founding: &Founding,
        notices: &[(String, String)],
        language: &str,
        actor: &Actor,
    ) -> Result<PartnershipId> {
        let found = self.offer_match(offer, need)?.ok_or_else(|| {
            StoreError::invalid(
                "match",
                text!("offer_no_match";
                    id: "tawaran dan kebutuhan itu tidak cocok", en: "that offer and need do not match"),
            )
        })?;
        if found.partnership.is_some() {
            return Err(StoreError::conflict(text!("offer_matched_already";
                id: "pasangan ini sudah menjadi kemitraan", en: "this match is a partnership already")));
        }
        self.write(|tx| {
            let area = AreaCode::parse(&found.need.area_code).map_err(|_| unreadable("area"))?;
            let partners = [
                (found.need.org_id, PartnerRole::Implementer),
                (found.offer.org_id, PartnerRole::Funder),
            ];
            let id = insert_partnership(
                tx,
                &area,
                Some(found.need.org_id),
                founding,
                &partners,
                actor,
            )?;
            tx.execute(
                "INSERT INTO offer_matches (offer_id, need_id, partnership_id, created_by, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![offer.get(), need.get(), id.get(), actor.label(), crate::now()],
            )?;
            for (side, (subject, body)) in [&found.offer, &found.need].into_iter().zip(notices) {
                tx.execute(
                    "INSERT INTO partnership_outbox (partnership_id, offer_id, email, language, subject,
                        body, queued_at, queued_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    params![
                        id.get(),
                        side.id.get(),
                        side.contact,
                        language,
                        subject,
                        body,
                        crate::now(),
                        actor.label()
                    ],
                )?;
            }
            audit::record(
                tx,
                actor,
                "offer.match",
                "partnership",
                &id.to_string(),
                found.need.placement.area.as_ref().map(AreaPath::as_str),
                serde_json::json!({"offer": offer.get(), "need": need.get()}),
            )?;
            Ok(id)
        })
    }

    /// Marks a queued notice sent (by the mail relay's operator); `false`
    /// when it was sent already.
    pub fn mark_partnership_notice_sent(
        &self,
        id: PartnershipNoticeId,
        actor: &Actor,
    ) -> Result<bool> {
        self.write(|tx| {
            let changed = tx.execute(
                "UPDATE partnership_outbox SET sent_at = ?2, sent_by = ?3 WHERE id = ?1 AND sent_at IS NULL",
                params![id.get(), crate::now(), actor.label()],
            )?;
            if changed > 0 {
                audit::record(tx, actor, "offer.notice_sent", "partnership_outbox", &id.to_string(), None,
                    serde_json::json!({"notice": id.get()}))?;
            }
            Ok(changed > 0)
        })
    }

    /// The notices queued for partnerships from offers `scope` sees
    /// (placed in its area, and under its organisation for an
    /// organisation's scope), newest first (at most 2,000).
    pub fn partnership_outbox(&self, scope: &Scope) -> Result<Vec<Outboxed>> {
        let (seen, params) = crate::sql::seen_by(scope, "a.path", Some("f.org_id"));
        let filter = format!(
            "WHERE offer_id IN (SELECT f.id FROM offers f JOIN areas a ON a.code = f.area_code WHERE {seen})"
        );
        outboxed_where(&*self.conn()?, &filter, params)
    }

    /// One queued notice, by id (not found in a list others can fill).
    pub fn partnership_notice(&self, id: PartnershipNoticeId) -> Result<Option<Outboxed>> {
        Ok(outboxed_where(&*self.conn()?, "WHERE id = ?1", vec![id.get().into()])?.pop())
    }
}

/// The notices `filter` keeps (`WHERE …`, with `params`), newest first
/// (at most 2,000).
fn outboxed_where(
    conn: &Connection,
    filter: &str,
    params: Vec<crate::db::Value>,
) -> Result<Vec<Outboxed>> {
    crate::sql::all(
        conn,
        &format!(
            "SELECT id, partnership_id, offer_id, email, language, subject, body, queued_at, sent_at
             FROM partnership_outbox {filter} ORDER BY id DESC LIMIT 2000"
        ),
        crate::db::params_from_iter(params),
        |r| {
            from_row!(
                r,
                Outboxed {
                    id: PartnershipNoticeId::new,
                    partnership_id: PartnershipId::new,
                    offer_id: OfferId::new,
                    email,
                    language,
                    subject,
                    body,
                    queued_at,
                    sent_at,
                }
            )
        },
    )
}
