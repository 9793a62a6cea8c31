//! `/partnerships/offers`: offers and needs, the offers that fit each
//! need (nearest first), a match made a partnership with one click, and
//! the notices queued for both sides. Rules:
//! `lumbung_partnerships::offers`.

use super::{errors_of, Errors};
use crate::auth::{Ctx, Viewer};
use crate::edge::{acting, done, Many, MultiForm};
use crate::error::AppError;
use crate::programme::pages::{home, reaches};
use crate::render::render;
use axum::response::{IntoResponse, Response};
use axum::Form;
use lumbung_domain::{
    text, AreaCode, AreaPath, OfferId, OrgId, PartnershipNoticeId, Placement, Resource, Scope,
};
use lumbung_partnerships::offers::{check_posting, Kind, PostingDraft, Side, Theme};
use lumbung_partnerships::partnership::check_founding;
use lumbung_store::{OfferView, OrgFilter, ProposedMatch};
use minijinja::context;
use serde::{Deserialize, Serialize};

fn writes(viewer: &Viewer) -> bool {
    viewer
        .user()
        .is_some_and(|u| u.role.can_write(Resource::Partnerships))
}

/// Whether the viewer acts for an organisation placed at `placement`: its
/// scope holds it (a whole-system user acts for any).
fn acts_for(viewer: &Viewer, placement: &Placement) -> bool {
    writes(viewer) && viewer.scope().covers(placement)
}

/// The form as a repeated-field form reads it; sent back as typed.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct PostingForm {
    side: String,
    org: String,
    area: String,
    title: String,
    description: String,
    contact: String,
    theme: Many,
    kind: Many,
}

async fn page_with(ctx: Ctx, typed: PostingForm, errors: Errors) -> Result<Response, AppError> {
    let Ctx { state, viewer, uri } = ctx;
    let offers = state.blocking(|s| s.offers()).await?;
    let matches: Vec<ProposedMatch> = state.blocking(|s| s.offer_matches()).await?;
    // Who may make a match a partnership: one who acts for the need's side.
    let matches: Vec<_> = matches
        .into_iter()
        .map(|m| {
            let can = acts_for(&viewer, &m.need.placement);
            context! { m => m, can_partner => can }
        })
        .collect();
    let (orgs, _) = if writes(&viewer) {
        state
            .blocking(|s| s.search_orgs(&OrgFilter::default(), 1_000, 0))
            .await?
    } else {
        (vec![], 0)
    };
    let orgs: Vec<_> = orgs
        .into_iter()
        .filter(|o| acts_for(&viewer, &o.placement))
        .map(|o| (o.id.get(), o.name))
        .collect();
    // A side's notices, to those whose scope holds that side.
    let scope = viewer.scope();
    let sc = scope.clone();
    let outbox = state.blocking(move |s| s.partnership_outbox(&sc)).await?;
    render(
        &viewer,
        &uri,
        "offers.html",
        context! {
            offers => offers, matches => matches, orgs => orgs, typed => typed, errors => errors,
            outbox => outbox, can_write => writes(&viewer), home => home(&scope),
            sides => Side::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
            themes => Theme::ALL.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
            kinds => Kind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
        },
    )
    .map(IntoResponse::into_response)
}

pub async fn page(ctx: Ctx) -> Result<Response, AppError> {
    page_with(ctx, PostingForm::default(), Errors::new()).await
}

/// Publishes an offer or a need of an organisation the viewer acts for,
/// in an area of its scope.
pub async fn post(
    ctx: Ctx,
    MultiForm(typed): MultiForm<PostingForm>,
) -> Result<Response, AppError> {
    let checked = check_posting(&PostingDraft {
        side: &typed.side,
        title: &typed.title,
        description: &typed.description,
        themes: &typed.theme.0,
        kinds: &typed.kind.0,
        contact: &typed.contact,
    });
    let mut errors = match &checked {
        Ok(_) => Errors::new(),
        Err(p) => errors_of(p.clone(), &ctx.viewer),
    };
    let lang = ctx.viewer.lang;
    let org = match typed.org.trim().parse::<OrgId>() {
        Ok(id) => {
            let found = ctx.state.blocking(move |s| s.org(id)).await?;
            found.filter(|o| acts_for(&ctx.viewer, &o.placement))
        }
        Err(_) => None,
    };
    if org.is_none() {
        errors.insert("org".into(), lang.t("offer_pick_org").to_owned());
    }
    let code = typed.area.trim().to_owned();
    let area = ctx.state.blocking(move |s| s.area(&code)).await?;
    let scope = ctx.viewer.scope();
    let area = area.filter(|a| {
        let path = AreaPath::from_stored(a.path.clone());
        reaches(&scope, &path) || matches!(scope, Scope::Global)
    });
    if area.is_none() {
        errors.insert("area".into(), lang.t("partnership_pick_area").to_owned());
    }
    let (Ok(posting), Some(org), Some(area), true) = (checked, org, area, errors.is_empty()) else {
        return page_with(ctx, typed, errors).await;
    };
    let code = AreaCode::parse(&area.code).map_err(|e| crate::edge::invalid("area", e))?;
    let id = org.id;
    acting(&ctx.state, &ctx.viewer, move |s, actor| {
        s.post_offer(id, &code, &posting, actor)
    })
    .await?;
    Ok(done("/partnerships/offers", "saved"))
}

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct MatchFields {
    offer: String,
    need: String,
}

fn notice(lang: crate::i18n::Lang, to: &OfferView, other: &OfferView) -> (String, String) {
    let t = |k: &str| lang.t(k).to_owned();
    (
        format!("{}: {}", t("offer_notice_subject"), other.org_name),
        format!(
            "{} {}\n\n{} «{}» — {} «{}» ({}).\n{}",
            t("offer_notice_hello"),
            to.org_name,
            t("offer_notice_matched"),
            to.title,
            other.org_name,
            other.title,
            other.area_name,
            t("offer_notice_next")
        ),
    )
}

/// Makes a match a partnership of both organisations, and queues a notice
/// to each side; by one who acts for the need's side.
pub async fn partner_up(ctx: Ctx, Form(f): Form<MatchFields>) -> Result<Response, AppError> {
    let parse = |raw: &str| raw.trim().parse::<OfferId>().ok();
    let (Some(offer), Some(need)) = (parse(&f.offer), parse(&f.need)) else {
        return Err(crate::edge::invalid(
            "match",
            text!("offer_pick_match"; id: "pilih pasangan tawaran dan kebutuhan", en: "choose an offer and a need"),
        ));
    };
    let found = ctx
        .state
        .blocking(move |s| s.offer_match(offer, need))
        .await?
        .ok_or_else(|| {
            AppError::conflict(text!("offer_not_a_match";
                id: "tawaran dan kebutuhan itu tidak cocok", en: "that offer and need do not match"))
        })?;
    if !acts_for(&ctx.viewer, &found.need.placement) {
        return Err(AppError::conflict(text!("offer_not_your_need";
            id: "hanya yang mewakili pihak yang membutuhkan yang menjadikannya kemitraan",
            en: "only one who acts for the side in need makes it a partnership")));
    }
    let lang = ctx.viewer.lang;
    let name: String = format!("{} × {}", found.offer.org_name, found.need.org_name)
        .chars()
        .take(lumbung_partnerships::partnership::NAME_MAX)
        .collect();
    let vision = if found.need.description.is_empty() {
        found.need.title.clone()
    } else {
        found.need.description.clone()
    };
    let founding = check_founding(&name, &vision, &found.offer.title)
        .map_err(|p| AppError::conflict(p.into_iter().next().map(|(_, m)| m).unwrap_or_else(|| text!("offer_unfounded"; id: "kemitraan tidak dapat dibuat", en: "the partnership cannot be made"))))?;
    let notices = [
        notice(lang, &found.offer, &found.need),
        notice(lang, &found.need, &found.offer),
    ];
    let language = lang.code().to_owned();
    let id = acting(&ctx.state, &ctx.viewer, move |s, actor| {
        s.partner_up(offer, need, &founding, &notices, &language, actor)
    })
    .await?;
    Ok(done(&format!("/partnerships/{id}"), "partnership_created"))
}

/// Marks a notice of a side the viewer acts for sent (once).
pub async fn mark_sent(
    ctx: Ctx,
    axum::extract::Path(raw): axum::extract::Path<i64>,
) -> Result<Response, AppError> {
    let missing = || {
        AppError::not_found(
            text!("notice_page", id = raw; id: "pemberitahuan {id}", en: "notice {id}"),
        )
    };
    let notice = ctx
        .state
        .blocking(move |s| s.partnership_notice(PartnershipNoticeId::new(raw)))
        .await?
        .ok_or_else(missing)?;
    let (id, offer) = (notice.id, notice.offer_id);
    let side = ctx
        .state
        .blocking(move |s| s.offer(offer))
        .await?
        .ok_or_else(missing)?;
    if !acts_for(&ctx.viewer, &side.placement) {
        return Err(missing());
    }
    acting(&ctx.state, &ctx.viewer, move |s, actor| {
        s.mark_partnership_notice_sent(id, actor)
    })
    .await?;
    Ok(done("/partnerships/offers#outbox", "saved"))
}
