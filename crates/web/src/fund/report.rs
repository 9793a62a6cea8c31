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
    /// Months of trend to add (the page shows 12 by default; the API none
    /// unless asked, as each month is a report of its own).
    trend: Option<u16>,
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
    let as_of = match q.as_of.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
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
            })?,
        None => state.store.clock().today(),
    };
    let scope = viewer.map(Viewer::scope).unwrap_or(Scope::Global);
    let held = turn.clone();
    let (books, ctx) = state
        .blocking(move |s| {
            let _turn = held;
            s.fund_report_inputs(&scope, as_of)
        })
        .await?;
    let months = months.min(36);
    state
        .blocking(move |_| {
            let _turn = turn;
            let points = if months > 0 {
                trend(&books, as_of, months, &ctx)?
            } else {
                Vec::new()
            };
            Ok((portfolio(&books, as_of, &ctx)?, points))
        })
        .await
}

/// The monthly trend as bars of the principal outstanding, labelled with PAR.
pub(crate) fn trend_chart(points: &[TrendPoint]) -> String {
    crate::charts::bars(
        "PAR",
        &points
            .iter()
            .map(|p| {
                (
                    format!("{}-{:02}", p.as_of.year(), p.as_of.month()),
                    p.outstanding,
                    p.par.map(|s| s.to_string()).unwrap_or_default(),
                )
            })
            .collect::<Vec<_>>(),
    )
}

/// Ratios and bands only: what the public may see.
pub async fn page(
    Ctx { state, viewer, uri }: Ctx,
    Query(q): Query<FundQuery>,
) -> Result<Html<String>, AppError> {
    let (r, points) =
        report_and_trend(&state, Some(&viewer), &q, q.trend.unwrap_or(12), None).await?;
    let chart = trend_chart(&points);
    render(
        &viewer,
        &uri,
        "fund.html",
        context! { r => r, public => false, trend => points, trend_chart => chart },
    )
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
    Query(q): Query<FundQuery>,
) -> Result<Html<String>, AppError> {
    let r = public_report(&state, &q).await?;
    render(
        &viewer,
        &uri,
        "fund.html",
        context! { r => PublicHealth::from(&r), public => true },
    )
}

pub async fn api_health(
    State(state): State<AppState>,
    Query(q): Query<FundQuery>,
) -> Result<Json<PublicHealth>, AppError> {
    let r = public_report(&state, &q).await?;
    Ok(Json(PublicHealth::from(&r)))
}

/// The city's report for the public health figures: every loan of every
/// UPK, so anonymous visitors compute it one at a time.
async fn public_report(state: &AppState, q: &FundQuery) -> Result<FundReport, AppError> {
    let turn = Arc::new(state.public_reports.admit().await?);
    Ok(report_and_trend(state, None, q, 0, Some(turn)).await?.0)
}
