//! Open tenders and their local matches (entered by hand for an anchor in
//! the viewer's scope, or published in OCDS), the notices queued to the
//! businesses that consented, and the outbox a mail relay sends from.

use super::{anchors_seen, not_found, FormErrors};
use crate::auth::{Ctx, Viewer};
use crate::edge::{acting, done};
use crate::error::AppError;
use crate::listing::{Cell, Csv, Listing, Unsorted};
use crate::render::render;
use crate::AppState;
use axum::extract::Path;
use axum::response::{Html, IntoResponse, Response};
use axum::Form;
use lumbung_domain::{NoticeId, OrgId, OrgKind, Resource, TenderId};
use lumbung_procurement::tenders::{Tender, TenderForm};
use lumbung_store::{OrgFilter, TenderMatches};
use minijinja::context;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// The add-a-tender form as typed.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct TenderFields {
    anchor: String,
    title: String,
    cpv: String,
    sectors: String,
    lots: String,
    value: String,
    currency: String,
    closes_on: String,
}

/// The anchors the viewer may enter tenders for: (id, name).
pub(super) async fn anchor_choices(
    state: &AppState,
    viewer: &Viewer,
) -> Result<Vec<(i64, String)>, AppError> {
    let seen = anchors_seen(state, viewer.scope()).await?;
    let (orgs, _) = state
        .blocking(|s| {
            s.search_orgs(
                &OrgFilter {
                    kind: Some(OrgKind::Anchor),
                    ..OrgFilter::default()
                },
                1_000,
                0,
            )
        })
        .await?;
    Ok(orgs
        .into_iter()
        .filter(|o| {
            seen.as_ref()
                .is_none_or(|ids| ids.contains(&(o.id.get() as u32)))
        })
        .map(|o| (o.id.get(), o.name))
        .collect())
}

async fn page_with(
    ctx: Ctx,
    fields: TenderFields,
    errors: FormErrors,
) -> Result<Html<String>, AppError> {
    let Ctx { state, viewer, uri } = ctx;
    // A page of tenders at a time: an OCDS import holds hundreds of
    // thousands, each matched against the whole business base.
    let listing: Listing<Unsorted> = Listing::from_uri(&uri);
    let window = listing.window;
    let paged = state
        .blocking(move |s| window.fetch(|n, at| s.tenders_matched(n, at)))
        .await?;
    let list = listing.view(&paged, None);
    let tenders: Vec<TenderMatches> = paged.rows;
    let can_write = viewer
        .user()
        .is_some_and(|u| u.role.can_write(Resource::Contracts));
    let anchors = if can_write {
        anchor_choices(&state, &viewer).await?
    } else {
        Vec::new()
    };
    let cur = crate::spend::currency(&state).await?.map(|c| c.code());
    // The anchors whose tenders' evaluations the viewer may open.
    let seen: Option<Vec<u32>> = anchors_seen(&state, viewer.scope())
        .await?
        .map(|ids| ids.into_iter().collect());
    render(
        &viewer,
        &uri,
        "tenders.html",
        context! { tenders => tenders, list => list, f => fields, errors => errors, anchors => anchors, can_write => can_write, cur => cur, seen => seen },
    )
}

pub async fn page(ctx: Ctx) -> Result<Html<String>, AppError> {
    page_with(ctx, TenderFields::default(), FormErrors::new()).await
}

pub async fn add(ctx: Ctx, Form(f): Form<TenderFields>) -> Result<Response, AppError> {
    let lang = ctx.viewer.lang;
    let mut errors = FormErrors::new();
    let choices = anchor_choices(&ctx.state, &ctx.viewer).await?;
    let anchor = f
        .anchor
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|id| choices.iter().any(|(a, _)| a == id));
    if anchor.is_none() {
        errors.insert("anchor", lang.t("tender_pick_anchor").to_owned());
    }
    let form = TenderForm {
        title: f.title.clone(),
        cpv: f.cpv.clone(),
        sectors: f.sectors.clone(),
        lots: f.lots.clone(),
        value: f.value.clone(),
        currency: f.currency.clone(),
        closes_on: f.closes_on.clone(),
    };
    let checked = form.check();
    if let Err(problems) = &checked {
        for p in problems {
            errors
                .entry(p.field)
                .or_insert_with(|| p.text.get(lang.into()).to_owned());
        }
    }
    match (anchor, checked) {
        (Some(anchor), Ok(tender)) if errors.is_empty() => {
            acting(&ctx.state, &ctx.viewer, move |s, actor| {
                s.add_tender(OrgId::new(anchor), &tender, actor)
            })
            .await?;
            Ok(done("/procurement/tenders", "tender_added"))
        }
        _ => Ok(page_with(ctx, f, errors).await?.into_response()),
    }
}

/// The tender in an address, if the viewer may see and act on it: a
/// published one, or one of an anchor in the viewer's scope.
pub(super) async fn tender_in_scope(
    state: &AppState,
    viewer: &Viewer,
    raw: &str,
) -> Result<Tender, AppError> {
    let id = raw
        .parse::<i64>()
        .map(TenderId::new)
        .map_err(|_| not_found("tender", raw))?;
    let tender = state
        .blocking(move |s| s.tender(id))
        .await?
        .ok_or_else(|| not_found("tender", raw))?;
    let seen: Option<HashSet<u32>> = anchors_seen(state, viewer.scope()).await?;
    match (tender.anchor, seen) {
        (Some(anchor), Some(seen)) if !seen.contains(&(anchor.get() as u32)) => {
            Err(AppError::Forbidden)
        }
        _ => Ok(tender),
    }
}

pub async fn notify(
    Ctx { state, viewer, .. }: Ctx,
    Path(raw): Path<String>,
) -> Result<Response, AppError> {
    let id = tender_in_scope(&state, &viewer, &raw).await?.id;
    acting(&state, &viewer, move |s, actor| s.queue_notices(id, actor)).await?;
    Ok(done("/procurement/outbox", "notices_queued"))
}

/// Every tender and its matches, a row per match, as CSV.
pub async fn csv(Ctx { state, viewer, .. }: Ctx) -> Result<Response, AppError> {
    // Every tender matched against the whole business base, and written
    // out, on a blocking thread: long work, waiting for a turn before
    // reading anything.
    let turn = state.long_work.admit().await?;
    let lang = viewer.lang;
    let csv = state
        .blocking(move |s| {
            let _turn = turn;
            Ok(tenders_csv(s.all_tenders_matched(false)?, lang))
        })
        .await?;
    Ok(csv.download("lumbung-tenders.csv"))
}

fn tenders_csv(all: Vec<TenderMatches>, lang: crate::i18n::Lang) -> Csv {
    let columns = [
        "tender_id",
        "tender_ocid",
        "tender_buyer",
        "tender_title",
        "tender_cpv",
        "tender_closes_on",
        "tender_status",
        "business_id",
        "business_name",
        "business_size",
        "business_area",
        "tender_cpv_fit",
        "business_consent",
    ];
    let mut csv = Csv::new(lang, &columns);
    for t in all {
        let head = |csv: &mut Csv, tail: [Cell; 6]| {
            let tender = &t.tender;
            let head = [
                Cell::number(tender.id),
                Cell::text(tender.ocid.clone().unwrap_or_default()),
                Cell::text(
                    tender
                        .anchor_name
                        .clone()
                        .or(tender.buyer.clone())
                        .unwrap_or_default(),
                ),
                Cell::text(tender.title.clone()),
                Cell::text(tender.cpv.join(";")),
                Cell::text(tender.closes_on.clone().unwrap_or_default()),
                Cell::text(tender.status.clone()),
            ];
            csv.row(head.into_iter().chain(tail));
        };
        if t.matches.is_empty() {
            head(&mut csv, std::array::from_fn(|_| Cell::text("")));
        }
        for m in &t.matches {
            head(
                &mut csv,
                [
                    Cell::number(m.id),
                    Cell::text(m.name.clone()),
                    Cell::text(m.size.map(|s| s.as_str()).unwrap_or_default()),
                    Cell::text(m.area.clone().unwrap_or_default()),
                    Cell::number(m.cpv_fit),
                    Cell::text(lang.t(if m.consent { "yes" } else { "no" })),
                ],
            );
        }
    }
    csv
}

/// The most survey invitations the outbox page shows: those still to send
/// first, then the sent (a survey invites every supplier, and surveys
/// repeat: the page read every invitation ever queued).
const INVITATIONS_SHOWN: u32 = 1_000;

pub async fn outbox_page(Ctx { state, viewer, uri }: Ctx) -> Result<Html<String>, AppError> {
    // Notices of tenders the viewer sees only (its anchors', and those
    // published without one).
    let scope = viewer.scope();
    let listing: Listing<Unsorted> = Listing::from_uri(&uri);
    let window = listing.window;
    let paged = state
        .blocking(move |s| window.fetch(|n, at| s.outbox_page(&scope, n, at)))
        .await?;
    let list = listing.view(&paged, None);
    let notices = paged.rows;
    // Survey invitations of the viewer's anchors' surveys only.
    let seen: Vec<_> = (super::surveys::surveys_seen(&state, &viewer).await?)
        .into_iter()
        .map(|s| s.id)
        .collect();
    let invitations = state
        .blocking(move |s| s.survey_outbox_of(&seen, INVITATIONS_SHOWN))
        .await?;
    render(
        &viewer,
        &uri,
        "outbox.html",
        context! { notices => notices, list => list, invitations => invitations },
    )
}

/// Marks a notice sent (by whoever sent it by hand).
pub async fn mark_sent(
    Ctx { state, viewer, .. }: Ctx,
    Path(raw): Path<String>,
) -> Result<Response, AppError> {
    let id = raw
        .parse::<i64>()
        .map(NoticeId::new)
        .map_err(|_| not_found("notice", &raw))?;
    let scope = viewer.scope();
    acting(&state, &viewer, move |s, actor| {
        s.mark_sent_in(&scope, &[id], actor)
    })
    .await?;
    Ok(done("/procurement/outbox", "notice_sent"))
}
