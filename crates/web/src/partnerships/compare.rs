//! `/compare`: several cities or programmes side by side (seed 000's URBACT
//! partner cities), each figure as its own report gives it
//! (`lumbung_partnerships::compare`). Spend figures only for those who
//! read spend; the fund's health, the cycle's progress and the BLM roll-up
//! are aggregates every reader of partnerships may compare.

use crate::auth::Ctx;
use crate::edge::parse_date;
use crate::error::AppError;
use crate::render::render;
use axum::extract::Query;
use axum::response::{IntoResponse, Response};
use lumbung_domain::Resource;
use lumbung_partnerships::compare::{area_list, AREAS_MAX};
use minijinja::context;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct CompareQuery {
    areas: String,
    as_of: String,
}

pub async fn page(ctx: Ctx, Query(q): Query<CompareQuery>) -> Result<Response, AppError> {
    let lang = ctx.viewer.lang;
    let mut errors: BTreeMap<String, String> = BTreeMap::new();
    let mut cities = Vec::new();
    if !q.areas.trim().is_empty() {
        let as_of = match parse_date(&q.as_of, "as_of") {
            Ok(d) => d,
            Err(AppError::Invalid { field, message }) => {
                errors.insert(field, message.get(lang.into()).to_owned());
                None
            }
            Err(e) => return Err(e),
        };
        match area_list(&q.areas) {
            Ok(codes) if errors.is_empty() => {
                // Spend figures only of the areas the viewer's scope covers.
                // Long work: each area is a whole fund report.
                let scope = ctx.viewer.scope();
                let compared = ctx
                    .state
                    .blocking_long(move |s| s.compare(&codes, as_of, &scope))
                    .await;
                match compared {
                    Ok(found) => cities = found,
                    Err(AppError::Invalid { field, message }) => {
                        errors.insert(field, message.get(lang.into()).to_owned());
                    }
                    Err(e) => return Err(e),
                }
            }
            Ok(_) => {}
            Err(message) => {
                errors.insert("areas".into(), message.get(lang.into()).to_owned());
            }
        }
    }
    let reads_spend = ctx
        .viewer
        .user()
        .is_some_and(|u| u.role.can_read(Resource::Spend));
    if !reads_spend {
        for c in &mut cities {
            c.spend = None;
        }
    }
    Ok(render(
        &ctx.viewer,
        &ctx.uri,
        "compare.html",
        context! {
            q => q, cities => cities, errors => errors, reads_spend => reads_spend,
            areas_max => AREAS_MAX,
        },
    )?
    .into_response())
}
