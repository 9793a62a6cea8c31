//! The public mapping: counts only.

use super::mapping::{summary_charts, CriteriaView, SummaryView};
use super::{kelurahan, may_read, KelurahanView};
use crate::auth::Ctx;
use crate::error::AppError;
use crate::render::render;
use crate::AppState;
use axum::extract::{Path, State};
use axum::response::Html;
use axum::Json;
use lumbung_community::mapping::{public_summary, summarise, MappingSummary, MIN_PUBLIC_CELL};
use lumbung_domain::Resource;
use lumbung_store::MappingData;
use minijinja::context;
use schemars::JsonSchema;
use serde::Serialize;

/// A kelurahan's poverty map in counts per RT and RW, small cells
/// withheld: no households, no names, no ids.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PublicMapping {
    kelurahan: KelurahanView,
    criteria: CriteriaView,
    criteria_adopted: bool,
    summary: SummaryView,
    min_cell: u64,
    /// The RTs withheld, by name ("RW 02 · RT 001").
    withheld: Vec<String>,
}

/// Built from the summary alone; also the summary shown, for the charts.
async fn public_mapping_data(
    state: &AppState,
    code: &str,
) -> Result<(PublicMapping, MappingSummary, MappingData), AppError> {
    let kel = kelurahan(state, code).await?;
    // Every household is read and summarised off the async threads, and
    // for everyone a public report at a time: a crowd of visitors took
    // every connection (a kelurahan may hold a million households), and
    // summarised on the threads that serve every other request.
    let turn = state.public_reports.admit().await?;
    let kel_code = kel.code.clone();
    let (mut data, exact) = state
        .blocking(move |s| {
            let _turn = turn;
            let data = s.mapping_data(&kel_code)?;
            let exact = summarise(&data.criteria, &data.areas, &data.households);
            Ok((data, exact))
        })
        .await?;
    let exact = exact.map_err(|e| AppError::conflict(e.text()))?;
    // What a public page shows holds no household.
    data.households = Vec::new();
    // Small cells withheld (see `public_summary`); facilitators and the
    // BKM see exact counts on their own page.
    let min_cell = state.config.public_min_cell.unwrap_or(MIN_PUBLIC_CELL);
    let public = public_summary(&exact, &data.areas, min_cell);
    let withheld: Vec<String> = public
        .withheld
        .iter()
        .map(|c| {
            // "RW 02 · RT 001": RT names repeat across RWs.
            let name = |code: &str| data.area_names.get(code).cloned();
            let rt = name(c.as_str()).unwrap_or_else(|| c.to_string());
            match c.as_str().rsplit_once('.').and_then(|(rw, _)| name(rw)) {
                Some(rw) => format!("{rw} · {rt}"),
                None => rt,
            }
        })
        .collect();
    let summary = MappingSummary {
        kelurahan: public.kelurahan,
        rws: public.rws,
        rts: public.rts,
    };
    let mapping = PublicMapping {
        kelurahan: (&kel).into(),
        criteria: (&data.criteria).into(),
        criteria_adopted: data.criteria_adopted,
        summary: SummaryView::new(&summary, &data.area_names).public(),
        min_cell: public.min_cell,
        withheld,
    };
    Ok((mapping, summary, data))
}

pub async fn public_mapping_page(
    Ctx { state, viewer, uri }: Ctx,
    Path(code): Path<String>,
) -> Result<Html<String>, AppError> {
    let (d, summary, data) = public_mapping_data(&state, &code).await?;
    let charts = summary_charts(&summary, &data, viewer.lang);
    let private = kelurahan(&state, &code)
        .await
        .ok()
        .is_some_and(|k| may_read(&viewer, Resource::Mapping, &k));
    render(
        &viewer,
        &uri,
        "community_mapping_public.html",
        context! { d => d, charts => charts, private_link => private },
    )
}

pub async fn api_public_mapping(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Json<PublicMapping>, AppError> {
    Ok(Json(public_mapping_data(&state, &code).await?.0))
}
