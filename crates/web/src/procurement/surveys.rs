//! The re-spend survey collected in the web app: an analyst queues a short
//! form to the local suppliers an anchor paid (the outbox's invitations,
//! each with a link of its own); each supplier answers on a public page
//! its link opens, no account needed; the local multiplier is figured from
//! the answers kept. Rules: `lumbung_procurement::respend_survey`.

use super::tenders::anchor_choices;
use super::{not_found, FormErrors};
use crate::auth::{Ctx, Viewer};
use crate::edge::{acting, done};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::render::render;
use crate::AppState;
use axum::extract::Path;
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};
use axum::Form;
use lumbung_domain::{FiscalYear, InvitationId, Language, OrgId, Scope, SurveyId};
use lumbung_procurement::respend_survey::{check_answer, SURVEY_NAME_MAX};
use lumbung_store::{Actor, SpendSelection, SurveySummary};
use minijinja::context;
use serde::{Deserialize, Serialize};

/// The surveys of the viewer's anchors (all of them for a whole-system
/// viewer).
pub(super) async fn surveys_seen(
    state: &AppState,
    viewer: &Viewer,
) -> Result<Vec<SurveySummary>, AppError> {
    let anchors = anchor_choices(state, viewer).await?;
    let global = viewer.scope() == Scope::Global;
    Ok(state
        .blocking(|s| s.surveys())
        .await?
        .into_iter()
        .filter(|s| match s.anchor {
            Some(a) => anchors.iter().any(|(id, _)| *id == a.get()),
            None => global,
        })
        .collect())
}

/// The survey form as typed.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct SurveyFields {
    name: String,
    anchor: String,
    year: String,
}

/// Queues a survey of the local suppliers of the anchor chosen (one of the
/// viewer's; a whole-system viewer may choose all) and year.
pub async fn create(
    ctx: Ctx,
    headers: HeaderMap,
    Form(f): Form<SurveyFields>,
) -> Result<Response, AppError> {
    let lang = ctx.viewer.lang;
    let anchors = anchor_choices(&ctx.state, &ctx.viewer).await?;
    let mut errors = FormErrors::new();
    let name = f.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > SURVEY_NAME_MAX {
        errors.insert("survey_name", lang.t("survey_name_needed").to_owned());
    }
    let anchor = match f.anchor.trim() {
        "" if ctx.viewer.scope() == Scope::Global => None,
        raw => match raw
            .parse::<i64>()
            .ok()
            .filter(|a| anchors.iter().any(|(id, _)| id == a))
        {
            Some(a) => Some(OrgId::new(a)),
            None => {
                errors.insert("survey_anchor", lang.t("tender_pick_anchor").to_owned());
                None
            }
        },
    };
    let year = match f.year.trim() {
        "" => None,
        raw => FiscalYear::parse(raw)
            .map_err(|e| errors.insert("survey_year", e.0.get(lang.into()).to_owned()))
            .ok(),
    };
    if !errors.is_empty() {
        return Ok(super::lm3::page_with_survey(ctx, f, errors)
            .await?
            .into_response());
    }
    let base = crate::edge::origin(&ctx.state, &headers);
    let selection = SpendSelection {
        anchor,
        year,
        local: None,
    };
    acting(&ctx.state, &ctx.viewer, move |s, actor| {
        s.create_survey(&name, &selection, &base, actor)
    })
    .await?;
    Ok(done("/procurement/outbox#invitations", "survey_queued"))
}

/// The local multiplier from a survey's answers.
pub async fn figured(ctx: Ctx, Path(raw): Path<String>) -> Result<Html<String>, AppError> {
    let id: SurveyId = raw.parse().map_err(|_| not_found("survey", &raw))?;
    let seen = surveys_seen(&ctx.state, &ctx.viewer).await?;
    if !seen.iter().any(|s| s.id == id) {
        return Err(not_found("survey", &raw));
    }
    let found = ctx
        .state
        .blocking(move |s| s.survey_multiplier(id))
        .await?
        .ok_or_else(|| not_found("survey", &raw))?;
    super::lm3::page_of_survey(ctx, found).await
}

/// Marks an invitation sent (by whoever sent it by hand).
pub async fn mark_sent(ctx: Ctx, Path(raw): Path<String>) -> Result<Response, AppError> {
    let id: InvitationId = raw.parse().map_err(|_| not_found("invitation", &raw))?;
    let seen = surveys_seen(&ctx.state, &ctx.viewer).await?;
    let survey = ctx.state.blocking(move |s| s.invitation_survey(id)).await?;
    if !survey.is_some_and(|survey| seen.iter().any(|s| s.id == survey)) {
        return Err(not_found("invitation", &raw));
    }
    acting(&ctx.state, &ctx.viewer, move |s, actor| {
        s.mark_invitation_sent(id, actor)
    })
    .await?;
    Ok(done("/procurement/outbox#invitations", "notice_sent"))
}

/// The answer as typed.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct AnswerFields {
    wages: String,
    suppliers: String,
}

async fn answer_page(
    ctx: Ctx,
    headers: &HeaderMap,
    token: &str,
    typed: Option<AnswerFields>,
    errors: FormErrors,
    thanks: bool,
) -> Result<Html<String>, AppError> {
    let owned = token.to_owned();
    let found = ctx
        .state
        .blocking(move |s| s.invitation(&owned))
        .await?
        .ok_or_else(|| not_found("survey", "link"))?;
    let f = typed.unwrap_or_else(|| AnswerFields {
        wages: found.wages.clone().unwrap_or_default(),
        suppliers: found.suppliers.clone().unwrap_or_default(),
    });
    let Ctx {
        mut viewer, uri, ..
    } = ctx;
    // A supplier who has not chosen a language reads the invitation's.
    if crate::headers::cookie(headers, crate::i18n::LANG_COOKIE).is_none() {
        viewer.lang = Lang::parse(&found.language).unwrap_or(viewer.lang);
    }
    render(
        &viewer,
        &uri,
        "respend_answer.html",
        context! { i => found, f => f, errors => errors, thanks => thanks, token => token },
    )
}

/// The answer form a supplier's link opens.
pub async fn answer_form(
    ctx: Ctx,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Result<Html<String>, AppError> {
    answer_page(ctx, &headers, &token, None, FormErrors::new(), false).await
}

/// Keeps a supplier's answer; a later one replaces it.
pub async fn answer(
    ctx: Ctx,
    headers: HeaderMap,
    Path(token): Path<String>,
    Form(f): Form<AnswerFields>,
) -> Result<Html<String>, AppError> {
    let lang: Language = ctx.viewer.lang.into();
    let owned = token.clone();
    let found = ctx
        .state
        .blocking(move |s| s.invitation(&owned))
        .await?
        .ok_or_else(|| not_found("survey", "link"))?;
    match check_answer(&f.wages, &f.suppliers) {
        Ok(answer) => {
            let actor = Actor::Visitor {
                address: format!("invitation {}", found.id),
            };
            let id = found.id;
            ctx.state
                .blocking(move |s| s.answer_survey(id, &answer, &actor))
                .await?;
            answer_page(ctx, &headers, &token, None, FormErrors::new(), true).await
        }
        Err(problems) => {
            let mut errors = FormErrors::new();
            for (field, message) in problems {
                errors.insert(field, message.get(lang).to_owned());
            }
            answer_page(ctx, &headers, &token, Some(f), errors, false).await
        }
    }
}
