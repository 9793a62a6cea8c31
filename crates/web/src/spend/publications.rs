//! Reports an analyst publishes: public pages of aggregate figures.

use super::*;
use crate::auth::Ctx;
use crate::core::api::Reply;
use crate::edge::acting;
use crate::render::render;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use lumbung_domain::PublicationId;
use minijinja::context;
use schemars::JsonSchema;
use serde::Serialize;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PublishForm {
    title: String,
    year: Option<String>,
    #[serde(deserialize_with = "optional")]
    anchor: Option<u32>,
    local: Option<String>,
    region: Option<String>,
    #[serde(deserialize_with = "optional")]
    top_suppliers: Option<usize>,
    target_local_share: Option<String>,
}

/// What the public sees of a report: every aggregate, no supplier
/// names (a supplier may be a sole trader, a person).
pub fn public_view(c: &Computed) -> serde_json::Value {
    let mut value = serde_json::to_value(&c.report).unwrap_or_default();
    if let Some(map) = value.as_object_mut() {
        map.remove("top_leaking_suppliers");
    }
    value["selection"] = serde_json::to_value(&c.selection).unwrap_or_default();
    value
}

pub async fn publish(
    Ctx { state, viewer, .. }: Ctx,
    Form(form): Form<PublishForm>,
) -> Result<Response, AppError> {
    let q = ReportQuery {
        year: form.year,
        anchor: form.anchor,
        local: form.local,
        region: form.region,
        top_suppliers: form.top_suppliers,
        target_local_share: form.target_local_share,
        table: None,
    };
    let c = compute_for(&state, &viewer, &q).await?;
    let snapshot = public_view(&c);
    let title = form.title;
    let id = acting(&state, &viewer, move |s, actor| {
        s.publish_spend_report(&title, &snapshot, actor)
    })
    .await?;
    Ok(Redirect::to(&format!("/reports/{id}")).into_response())
}

/// How many published reports the lists name (the newest).
pub const REPORTS_LISTED: u32 = 1_000;

pub async fn list(Ctx { state, viewer, uri }: Ctx) -> Result<Html<String>, AppError> {
    let list = state
        .reading(|s| s.spend_publications(REPORTS_LISTED))
        .await?;
    let items: Vec<_> = list
        .iter()
        .map(|p| context! { id => p.id, title => p.title, published_at => p.published_at.chars().take(10).collect::<String>() })
        .collect();
    render(&viewer, &uri, "reports.html", context! { reports => items })
}

/// A published report's number that names none.
fn no_report(id: impl std::fmt::Display) -> AppError {
    AppError::not_found(text!("no_report", report = id;
        id: "laporan {report}",
        en: "report {report}"))
}

/// A published report by the number in its address, or not found.
async fn publication(state: &AppState, raw: &str) -> Result<lumbung_store::Publication, AppError> {
    let id = parse_id(raw)?;
    state
        .reading_one(move |s| s.spend_publication(id))
        .await?
        .ok_or_else(|| no_report(id))
}

fn parse_id(raw: &str) -> Result<PublicationId, AppError> {
    raw.parse()
        .map(PublicationId::new)
        .map_err(|_| no_report(raw))
}

pub async fn show(
    Ctx { state, viewer, uri }: Ctx,
    Path(id): Path<String>,
) -> Result<Html<String>, AppError> {
    let p = publication(&state, &id).await?;
    render(
        &viewer,
        &uri,
        "report.html",
        context! { p => p, r => p.report, cur => crate::spend::currency(&state).await?.map(|c| c.code()), },
    )
}

/// `GET /api/v1/reports`: what was published, not who published it.
#[derive(Serialize, JsonSchema)]
pub struct ReportList {
    reports: Vec<ReportEntry>,
}

#[derive(Serialize, JsonSchema)]
pub struct ReportEntry {
    #[schemars(with = "i64")]
    id: PublicationId,
    title: String,
    published_at: String,
}

/// `GET /api/v1/reports/{id}`: a published report's aggregates as they
/// were published.
#[derive(Serialize, JsonSchema)]
pub struct PublishedReport {
    #[schemars(with = "i64")]
    id: PublicationId,
    title: String,
    published_at: String,
    report: serde_json::Value,
}

pub async fn api_list(State(state): State<AppState>) -> Result<Reply<ReportList>, AppError> {
    let list = state
        .reading(|s| s.spend_publications(REPORTS_LISTED))
        .await?;
    let reports = list
        .into_iter()
        .map(|p| ReportEntry {
            id: p.id,
            title: p.title,
            published_at: p.published_at,
        })
        .collect();
    Ok(Reply(ReportList { reports }))
}

pub async fn api_show(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Reply<PublishedReport>, AppError> {
    let p = publication(&state, &id).await?;
    Ok(Reply(PublishedReport {
        id: p.id,
        title: p.title,
        published_at: p.published_at,
        report: p.report,
    }))
}
