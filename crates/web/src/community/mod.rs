//! The P2KP community cycle and self-mapping in the web app and the API.
//!
//! - Progress of the kelurahan of the programme: in the viewer's scope for
//!   those who read the cycle (`/community/cycle`), and for everyone as
//!   aggregates without names of people (`/community/progress`).
//! - A kelurahan's cycle: its steps with their records, the form that
//!   records the next step (its facilitator), verification (the city
//!   coordinator: `Role::coordinates`, never the recorder) and the plan's
//!   target dates.
//! - Self-mapping: the community's criteria, the KoboToolbox upload (both
//!   files, all or nothing), households typed in per RT (and removed), the
//!   tables and charts per RT and RW, the households; the PS-2 list. Personal data only for the roles of the
//!   access table inside their scope; the public mapping page shows counts.
//!
//! The figures are `lumbung_community`'s; this module only gathers, checks
//! scope and renders.

mod criteria;
mod cycle;
mod households;
mod mapping;
mod progress;
pub(crate) use progress::{work, StepWork};
mod ps2;
mod public;
pub mod routes;

use crate::auth::Viewer;
use crate::edge::acting;
use crate::error::AppError;
use crate::AppState;
use lumbung_community::cycle::{whole_percent, Turnout};
use lumbung_domain::{AreaCode, Resource, Username};
use lumbung_store::{Kelurahan, MappingData};
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// The largest pair of Kobo files the web app takes.
pub const MAX_KOBO_BYTES: usize = 32 * 1024 * 1024;

fn percent(part: u64, whole: u64) -> Option<u64> {
    whole_percent(part, whole)
}

// ---------------------------------------------------------------------
// Who may see and do what, for one kelurahan.

async fn kelurahan(state: &AppState, code: &str) -> Result<Kelurahan, AppError> {
    let code = code.to_owned();
    state.blocking(move |s| s.kelurahan(&code)).await
}

/// The kelurahan whose mapping the viewer writes to (forbidden unless
/// their role and scope allow it there).
async fn mapping_to_write(
    state: &AppState,
    viewer: &Viewer,
    code: &str,
) -> Result<Kelurahan, AppError> {
    let kel = kelurahan(state, code).await?;
    viewer.require_write_at(lumbung_domain::Resource::Mapping, &kel.placement)?;
    Ok(kel)
}

/// The kelurahan, when the signed-in viewer's scope covers it.
async fn kelurahan_in_scope(
    state: &AppState,
    viewer: &Viewer,
    code: &str,
) -> Result<Kelurahan, AppError> {
    let user = viewer.require()?;
    let kel = kelurahan(state, code).await?;
    if user.scope.covers(&kel.placement) {
        Ok(kel)
    } else {
        Err(AppError::Forbidden)
    }
}

fn may_read(viewer: &Viewer, resource: Resource, kel: &Kelurahan) -> bool {
    viewer
        .user()
        .is_some_and(|u| u.role.can_read(resource) && u.scope.covers(&kel.placement))
}

fn may_write(viewer: &Viewer, resource: Resource, kel: &Kelurahan) -> bool {
    viewer
        .user()
        .is_some_and(|u| u.role.can_write(resource) && u.scope.covers(&kel.placement))
}

fn coordinates(viewer: &Viewer, kel: &Kelurahan) -> bool {
    viewer
        .user()
        .is_some_and(|u| u.role.coordinates(&u.scope, &kel.path))
}

fn username(viewer: &Viewer) -> Result<Username, AppError> {
    let user = viewer.require()?;
    Username::parse(&user.username).map_err(|e| AppError::Internal(e.to_string()))
}

/// A kelurahan as pages and the API show it.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "CommunityKelurahan")]
pub struct KelurahanView {
    pub code: String,
    pub name: String,
    pub district: Option<String>,
    pub regency: Option<String>,
}

impl From<&Kelurahan> for KelurahanView {
    fn from(k: &Kelurahan) -> KelurahanView {
        KelurahanView {
            code: k.code.clone(),
            name: k.name.clone(),
            district: k.district.clone(),
            regency: k.regency.clone(),
        }
    }
}

/// The name of an RW or RT of the mapping, its code when it has none.
fn area_name(data: &MappingData, code: &AreaCode) -> String {
    data.area_names
        .get(code.as_str())
        .cloned()
        .unwrap_or_else(|| code.to_string())
}

/// "RW 03 · RT 004": RT names repeat across RWs.
fn rt_label(data: &MappingData, rt: &AreaCode) -> String {
    match data.areas.rw_of(rt) {
        Some(rw) => format!("{} · {}", area_name(data, rw), area_name(data, rt)),
        None => area_name(data, rt),
    }
}

/// The BKM election's adult turnout per kelurahan, for the progress view.
fn turnout_map(raw: BTreeMap<String, (u64, u64)>) -> BTreeMap<AreaCode, Turnout> {
    raw.into_iter()
        .filter_map(|(code, (voted, eligible))| {
            Some((AreaCode::parse(&code).ok()?, Turnout::new(voted, eligible)?))
        })
        .collect()
}

/// Records that the viewer read personal data in an area (a PS-2 list, a
/// voter register, a self-mapping's households): who, what, where and
/// when, scoped to the area so that its auditors see it. `details` holds
/// counts, never names.
pub(crate) async fn audit_read(
    state: &AppState,
    viewer: &Viewer,
    what: &'static str,
    area: &str,
    details: Value,
) -> Result<(), AppError> {
    let area = area.to_owned();
    acting(state, viewer, move |s, actor| {
        s.record_read(actor, what, &area, details)
    })
    .await
}

async fn mapping_data(state: &AppState, kel: &Kelurahan) -> Result<MappingData, AppError> {
    let code = kel.code.clone();
    state.blocking(move |s| s.mapping_data(&code)).await
}

/// [`mapping_data`] without the households, for a form adding one.
async fn mapping_frame(state: &AppState, kel: &Kelurahan) -> Result<MappingData, AppError> {
    let code = kel.code.clone();
    state.blocking(move |s| s.mapping_frame(&code)).await
}
