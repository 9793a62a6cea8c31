//! The local multiplier (LM3) in the browser: a re-spend survey uploaded
//! (or pasted) is matched to the suppliers and the three rounds shown for
//! the viewer's anchors, per anchor and in all. Nothing is kept: the
//! figures follow the survey given. Rules: `lumbung_procurement::lm3`.

use super::surveys::SurveyFields;
use super::tenders::anchor_choices;
use super::{table_upload, FormErrors, TableUpload};
use crate::auth::Ctx;
use crate::error::AppError;
use crate::render::render;
use axum::extract::Multipart;
use axum::response::Html;
use lumbung_domain::{FiscalYear, Language, OrgId, Scope};
use lumbung_procurement::lm3::{read_respend, Lm3};
use lumbung_store::{SpendSelection, StoreError, SurveySummary};
use minijinja::context;
use serde::Serialize;

/// The longest survey read, in lines.
const MAX_LINES: usize = 20_000;

/// The form as typed.
#[derive(Debug, Default, Clone, Serialize)]
struct Fields {
    anchor: String,
    year: String,
    text: String,
}

async fn page_with(
    ctx: Ctx,
    f: Fields,
    errors: FormErrors,
    lm3: Option<Lm3>,
) -> Result<Html<String>, AppError> {
    page_full(ctx, f, errors, lm3, SurveyFields::default(), None).await
}

/// The page with the survey form as typed, refused.
pub(super) async fn page_with_survey(
    ctx: Ctx,
    survey: SurveyFields,
    errors: FormErrors,
) -> Result<Html<String>, AppError> {
    page_full(ctx, Fields::default(), errors, None, survey, None).await
}

/// The page with the multiplier figured from a survey's answers.
pub(super) async fn page_of_survey(
    ctx: Ctx,
    (survey, lm3): (SurveySummary, Lm3),
) -> Result<Html<String>, AppError> {
    let f = Fields {
        anchor: survey.anchor.map(|a| a.to_string()).unwrap_or_default(),
        year: survey.year.map(|y| y.to_string()).unwrap_or_default(),
        text: String::new(),
    };
    page_full(
        ctx,
        f,
        FormErrors::new(),
        Some(lm3),
        SurveyFields::default(),
        Some(survey),
    )
    .await
}

async fn page_full(
    ctx: Ctx,
    f: Fields,
    errors: FormErrors,
    lm3: Option<Lm3>,
    survey_form: SurveyFields,
    from_survey: Option<SurveySummary>,
) -> Result<Html<String>, AppError> {
    let surveys = super::surveys::surveys_seen(&ctx.state, &ctx.viewer).await?;
    let Ctx { state, viewer, uri } = ctx;
    let anchors = anchor_choices(&state, &viewer).await?;
    let lang: Language = viewer.lang.into();
    let method = lm3.as_ref().map(|m| m.method.get(lang).to_owned());
    let can_write = viewer
        .user()
        .is_some_and(|u| u.role.can_write(lumbung_domain::Resource::Contracts));
    render(
        &viewer,
        &uri,
        "lm3.html",
        context! {
            f => f, errors => errors, anchors => anchors, m => lm3, method => method,
            scoped => viewer.scope() != Scope::Global, surveys => surveys, sf => survey_form,
            from_survey => from_survey, can_write => can_write,
        },
    )
}

pub async fn page(ctx: Ctx) -> Result<Html<String>, AppError> {
    page_with(ctx, Fields::default(), FormErrors::new(), None).await
}

/// The survey given (multipart: anchor, year, and file or text), figured.
pub async fn figure(ctx: Ctx, multipart: Multipart) -> Result<Html<String>, AppError> {
    let lang: Language = ctx.viewer.lang.into();
    let upload = table_upload(multipart, "respend.csv").await?;
    let field_of = |k: &str| upload.fields.get(k).cloned().unwrap_or_default();
    let f = Fields {
        anchor: field_of("anchor"),
        year: field_of("year"),
        text: field_of("text"),
    };
    let TableUpload {
        name, bytes, field, ..
    } = upload;
    let mut errors = FormErrors::new();
    let anchors = anchor_choices(&ctx.state, &ctx.viewer).await?;
    let scoped = ctx.viewer.scope() != Scope::Global;
    let anchor = match f.anchor.trim() {
        "" if scoped => None.or_else(|| {
            errors.insert("anchor", ctx.viewer.lang.t("tender_pick_anchor").to_owned());
            None
        }),
        "" => None,
        raw => raw
            .parse::<i64>()
            .ok()
            .filter(|a| anchors.iter().any(|(id, _)| id == a))
            .or_else(|| {
                errors.insert("anchor", ctx.viewer.lang.t("tender_pick_anchor").to_owned());
                None
            }),
    };
    let year = match f.year.trim() {
        "" => None,
        raw => FiscalYear::parse(raw)
            .map_err(|e| errors.insert("year", e.0.get(lang).to_owned()))
            .ok(),
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        errors.insert("file", ctx.viewer.lang.t("lm3_file").to_owned());
    } else if bytes.iter().filter(|b| **b == b'\n').count() > MAX_LINES {
        errors.insert(field, ctx.viewer.lang.t("lm3_too_long").to_owned());
    }
    if !errors.is_empty() {
        return page_with(ctx, f, errors, None).await;
    }
    let selection = SpendSelection {
        anchor: anchor.map(OrgId::new),
        year,
        local: None,
    };
    let scope = ctx.viewer.scope();
    let figured = ctx
        .state
        .blocking(move |s| {
            let rows = match read_respend(&name, &bytes) {
                Ok(rows) => rows,
                Err(refused) => return Ok(Err(refused.in_language(lang))),
            };
            match s.local_multiplier(&selection, &scope, &name, &rows) {
                Ok(m) => Ok(Ok(m)),
                Err(StoreError::Rejected(refused)) => Ok(Err(refused.in_language(lang))),
                Err(StoreError::Invalid { message, .. }) => Ok(Err(message.get(lang).to_owned())),
                Err(e) => Err(e),
            }
        })
        .await?;
    match figured {
        Ok(m) => page_with(ctx, f, errors, Some(m)).await,
        Err(problem) => {
            errors.insert(field, problem);
            page_with(ctx, f, errors, None).await
        }
    }
}
