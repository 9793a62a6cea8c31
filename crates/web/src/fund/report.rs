//! The revolving fund's oversight report in the web app and the API: in
//! full for the roles that read the books (within their scope), and its
//! health figures — ratios and bands, no money, no KSM — for everyone.

use super::api::{PublicHealth, Report};
use crate::auth::Ctx;
use crate::auth::Viewer;
use crate::error::AppError;
use crate::render::render;
use crate::AppState;
use axum::extract::{Query, State};
use axum::response::Html;
use axum::response::Response;
use axum::Json;
use jiff::civil::Date;
use lumbung_domain::Scope;
use lumbung_fund::report::{portfolio, trend, FundReport, TrendPoint};
use minijinja::context;
use serde::Deserialize;
use std::sync::Arc;
use tokio::sync::OwnedSemaphorePermit;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct FundQuery {
    as_of: Option<String>,
    /// Months of trend to add (the page shows [`PAGE_TREND`] by default;
    /// the API none unless asked, as each month is a report of its own).
    trend: Option<u16>,
}

/// The months of trend the page shows unless asked for more. More (up to
/// 36) is long work: it waits for a turn of [`crate::WebConfig::long_work`],
/// so that one account asking for it again and again cannot hold every
/// permit of the store's gate while it computes.
const PAGE_TREND: u16 = 12;

/// The query's date, or today when none is given.
fn as_of_date(state: &AppState, q: &FundQuery) -> Result<Date, AppError> {
    match q.as_of.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(d) => d
            .parse::<Date>()
            .map_err(|_| {
                lumbung_domain::text!("not_a_date", value = format!("{d:?}");
                    id: "{value} bukan tanggal seperti 2024-06-30",
                    en: "{value} is not a date such as 2024-06-30")
            })
            .and_then(|d| lumbung_fund::book_day(d).map_err(|e| e.text()))
            .map_err(|message| AppError::Invalid {
                field: "as_of".into(),
                message,
            }),
        None => Ok(state.store.clock().today()),
    }
}

/// The report as of the query's date (default today), over the UPKs the
/// viewer may see (all for the public health figures), and the monthly
/// trend of its portfolio over `months`.
/// `turn`, when given, is held by the work itself until it ends, even if
/// the visitor leaves before.
async fn report_and_trend(
    state: &AppState,
    viewer: Option<&Viewer>,
    q: &FundQuery,
    months: u16,
    turn: Option<Arc<OwnedSemaphorePermit>>,
) -> Result<(FundReport, Vec<TrendPoint>), AppError> {
    let as_of = as_of_date(state, q)?;
    let scope = viewer.map(Viewer::scope).unwrap_or(Scope::Global);
    let months = months.min(36);
    // Taken before the books are read: waiting for it holds nothing.
    let long = if months > PAGE_TREND {
        Some(Arc::new(state.long_work.admit().await?))
    } else {
        None
    };
    let held = (turn.clone(), long.clone());
    let (books, ctx) = state
        .reading(move |s| {
            let _turn = &held;
            s.fund_report_inputs(&scope, as_of)
        })
        .await?;
    state
        .blocking(move |_| {
            let _turn = (turn, long);
            let points = if months > 0 {
                trend(&books, as_of, months, &ctx)?
            } else {
                Vec::new()
            };
            Ok((portfolio(&books, as_of, &ctx)?, points))
        })
        .await
}

/// The monthly trend as bars of the principal outstanding, labelled with
/// PAR as a percentage in the visitor's language.
pub(crate) fn trend_chart(points: &[TrendPoint], lang: crate::i18n::Lang) -> String {
    crate::charts::bars(
        "PAR",
        &points
            .iter()
            .map(|p| {
                (
                    format!("{}-{:02}", p.as_of.year(), p.as_of.month()),
                    p.outstanding,
                    p.par
                        .map(|s| crate::templates::percent_text(&s.to_string(), lang.code()))
                        .unwrap_or_default(),
                )
            })
            .collect::<Vec<_>>(),
    )
}

/// Ratios and bands only: what the public may see.
pub async fn page(
    Ctx { state, viewer, uri }: Ctx,
    Query(mut q): Query<FundQuery>,
) -> Result<Response, AppError> {
    let months = q.trend.unwrap_or(PAGE_TREND);
    let (found, bad) = match report_and_trend(&state, Some(&viewer), &q, months, None).await {
        Err(AppError::Invalid { field, message }) if field == "as_of" => {
            let bad = unreadable_date(&mut q, &viewer, &message);
            (
                report_and_trend(&state, Some(&viewer), &q, months, None).await?,
                bad,
            )
        }
        other => (other?, None),
    };
    let (r, points) = found;
    let chart = trend_chart(&points, viewer.lang);
    let html = render(
        &viewer,
        &uri,
        "fund.html",
        context! { r => r, public => false, trend => points, trend_chart => chart, bad_as_of => bad },
    )?;
    Ok(shown(html, bad.is_some()))
}

/// A date the form's field cannot take: today's figures are shown, with
/// what was typed and why beside the field.
fn unreadable_date(
    q: &mut FundQuery,
    viewer: &Viewer,
    message: &lumbung_domain::Text,
) -> Option<serde_json::Value> {
    let typed = q.as_of.take().unwrap_or_default();
    Some(serde_json::json!({"typed": typed, "message": message.get(viewer.lang.into())}))
}

/// The page, as 422 when a field came back with a problem.
fn shown(html: Html<String>, refused: bool) -> Response {
    let status = if refused {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    axum::response::IntoResponse::into_response((status, html))
}

pub async fn api_report(
    Ctx { state, viewer, .. }: Ctx,
    Query(q): Query<FundQuery>,
) -> Result<Json<Report>, AppError> {
    let (report, trend) =
        report_and_trend(&state, Some(&viewer), &q, q.trend.unwrap_or(0), None).await?;
    Ok(Json(Report { report, trend }))
}

pub async fn health_page(
    Ctx { state, viewer, uri }: Ctx,
    Query(mut q): Query<FundQuery>,
) -> Result<Response, AppError> {
    let (r, bad) = match public_report(&state, &q).await {
        Err(AppError::Invalid { field, message }) if field == "as_of" => {
            let bad = unreadable_date(&mut q, &viewer, &message);
            (public_report(&state, &q).await?, bad)
        }
        other => (other?, None),
    };
    let html = render(
        &viewer,
        &uri,
        "fund.html",
        context! { r => PublicHealth::from(r.as_ref()), public => true, bad_as_of => bad },
    )?;
    Ok(shown(html, bad.is_some()))
}

pub async fn api_health(
    State(state): State<AppState>,
    Query(q): Query<FundQuery>,
) -> Result<Json<PublicHealth>, AppError> {
    let r = public_report(&state, &q).await?;
    Ok(Json(PublicHealth::from(r.as_ref())))
}

/// The city's report for the public health figures: every loan of every
/// UPK, so anonymous visitors compute it one at a time, and those asking
/// for the same day while it is computed share it.
async fn public_report(state: &AppState, q: &FundQuery) -> Result<Arc<FundReport>, AppError> {
    let as_of = as_of_date(state, q)?;
    state
        .public_health
        .get(as_of, || async {
            let turn = Arc::new(state.public_reports.admit().await?);
            let (report, _) = report_and_trend(state, None, q, 0, Some(turn)).await?;
            Ok(Arc::new(report))
        })
        .await
}
