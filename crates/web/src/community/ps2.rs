//! The PS-2 list of poor households.

use super::mapping::CriteriaView;
use super::{area_name, audit_read, kelurahan_in_scope, mapping_data, KelurahanView};
use crate::auth::Ctx;
use crate::auth::Viewer;
use crate::edge::today;
use crate::error::AppError;
use crate::render::render;
use crate::AppState;
use axum::extract::Path;
use axum::response::Html;
use axum::Json;
use jiff::civil::Date;
use lumbung_community::mapping::{ps2_list, Label, Ps2Entry, Ps2List};
use lumbung_store::MappingData;
use minijinja::context;
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::json;
use std::collections::HashMap;

/// The PS-2 list: poor households, and apart from them the incomplete
/// ones, with the indicators each holds and misses.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Ps2 {
    kelurahan: KelurahanView,
    criteria: CriteriaView,
    criteria_adopted: bool,
    as_of: Date,
    households: usize,
    poor: Vec<Ps2Row>,
    incomplete: Vec<Ps2Row>,
}

#[derive(Debug, Serialize, JsonSchema)]
struct Ps2Row {
    household_id: String,
    rw: String,
    rt: String,
    head_name: String,
    address: String,
    members: u64,
    women: u64,
    holds: Vec<Option<Label>>,
    holds_count: usize,
    missing: Vec<Option<Label>>,
}

impl Ps2Row {
    fn new(e: &Ps2Entry, data: &MappingData, labels: &HashMap<&str, &Label>) -> Ps2Row {
        let labelled = |keys: &[String]| {
            keys.iter()
                .map(|k| labels.get(k.as_str()).map(|l| (*l).clone()))
                .collect()
        };
        Ps2Row {
            household_id: e.household_id.clone(),
            rw: area_name(data, &e.rw),
            rt: area_name(data, &e.rt),
            head_name: e.head_name.clone(),
            address: e.address.clone(),
            members: e.members,
            women: e.women,
            holds: labelled(&e.holds),
            holds_count: e.holds.len(),
            missing: labelled(&e.missing),
        }
    }
}

async fn ps2_data(state: &AppState, viewer: &Viewer, code: &str) -> Result<Ps2, AppError> {
    let kel = kelurahan_in_scope(state, viewer, code).await?;
    let data = mapping_data(state, &kel).await?;
    let (kelurahan, as_of) = ((&kel).into(), today(state));
    // Every household scored and listed off the async threads (a
    // kelurahan may hold a million).
    let ps2 = state
        .run(move |_| ps2_of(&data, kelurahan, as_of))
        .await??;
    let n = ps2.poor.len() + ps2.incomplete.len();
    audit_read(state, viewer, "ps2", &kel.code, json!({"households": n})).await?;
    Ok(ps2)
}

fn ps2_of(data: &MappingData, kelurahan: KelurahanView, as_of: Date) -> Result<Ps2, AppError> {
    let list: Ps2List = ps2_list(&data.criteria, &data.areas, &data.households)
        .map_err(|e| AppError::conflict(e.text()))?;
    let labels: HashMap<&str, &Label> = data
        .criteria
        .indicators()
        .iter()
        .map(|i| (i.key.as_str(), &i.label))
        .collect();
    let rows = |entries: &[Ps2Entry]| {
        entries
            .iter()
            .map(|e| Ps2Row::new(e, data, &labels))
            .collect()
    };
    Ok(Ps2 {
        kelurahan,
        criteria: (&data.criteria).into(),
        criteria_adopted: data.criteria_adopted,
        as_of,
        households: data.households.len(),
        poor: rows(&list.poor),
        incomplete: rows(&list.incomplete),
    })
}

pub async fn ps2_page(
    Ctx { state, viewer, uri }: Ctx,
    Path(code): Path<String>,
) -> Result<Html<String>, AppError> {
    let d = ps2_data(&state, &viewer, &code).await?;
    render(&viewer, &uri, "community_ps2.html", context! { d => d })
}

pub async fn api_ps2(
    Ctx { state, viewer, .. }: Ctx,
    Path(code): Path<String>,
) -> Result<Json<Ps2>, AppError> {
    Ok(Json(ps2_data(&state, &viewer, &code).await?))
}
