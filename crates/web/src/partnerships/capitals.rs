//! `/capitals`: the community's capitals and its active citizens (seed
//! 004). Assets counted per area and capital; active citizens named only
//! to those who write here in their scope (recorded with consent), counted
//! for everyone else; where leadership is thin (`leadership`).

use super::{owner, problems_and_area, sent, Sent};
use crate::auth::{Ctx, Viewer};
use crate::edge::{acting, done, invalid, today};
use crate::error::AppError;
use crate::programme::pages::{home, reaches};
use crate::render::render;
use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use axum::Form;
use lumbung_domain::{text, CitizenId, Resource};
use lumbung_partnerships::capitals::{check_asset, check_citizen, leadership, Capital};
use minijinja::context;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

fn writes(viewer: &Viewer) -> bool {
    viewer
        .user()
        .is_some_and(|u| u.role.can_write(Resource::Partnerships))
}

async fn page_with(ctx: Ctx, typed: Sent) -> Result<Response, AppError> {
    let Ctx { state, viewer, uri } = ctx;
    let scope = viewer.scope();
    let sc = scope.clone();
    let assets = state.blocking(move |s| s.assets(&sc)).await?;
    // Per area: the count of each capital.
    let mut counts: BTreeMap<String, BTreeMap<&'static str, u64>> = BTreeMap::new();
    for a in &assets {
        *counts
            .entry(a.area_name.clone())
            .or_default()
            .entry(a.kind.as_str())
            .or_default() += 1;
    }
    let sc = scope.clone();
    let citizens = state.blocking(move |s| s.citizens(&sc)).await?;
    let households = state.blocking(|s| s.mapped_households()).await?;
    // Leadership per kelurahan the self-mapping counted, and per area with
    // active citizens but no count of households.
    let mut areas: BTreeMap<String, (String, Option<u64>, u64)> = BTreeMap::new();
    for (code, name, path, h) in households {
        if reaches(&scope, &path) {
            areas.insert(code, (name, Some(h), 0));
        }
    }
    for c in &citizens {
        areas
            .entry(c.area_code.clone())
            .or_insert((c.area_name.clone(), None, 0))
            .2 += 1;
    }
    let thin: Vec<_> = areas
        .into_iter()
        .map(|(code, (name, h, n))| context! { code => code, name => name, l => leadership(n, h) })
        .collect();
    // Activity over time: activities recorded each month, every citizen.
    let mut months: BTreeMap<String, u64> = BTreeMap::new();
    for c in &citizens {
        for (m, n) in &c.activity {
            *months.entry(m.clone()).or_default() += n;
        }
    }
    let names = writes(&viewer);
    Ok(render(
        &viewer,
        &uri,
        "capitals.html",
        context! {
            assets => assets, counts => counts, citizens => if names { citizens } else { vec![] },
            leadership => thin, months => months, sent => typed, can_write => names,
            home => home(&scope), today => today(&state).to_string(),
            kinds => Capital::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
        },
    )?
    .into_response())
}

pub async fn page(ctx: Ctx) -> Result<Response, AppError> {
    page_with(ctx, Sent::default()).await
}

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct AssetFields {
    area: String,
    kind: String,
    name: String,
    holder: String,
    used_by: String,
}

pub async fn add_asset(ctx: Ctx, Form(f): Form<AssetFields>) -> Result<Response, AppError> {
    let checked = check_asset(&f.kind, &f.name, &f.holder, &f.used_by);
    let (errors, area) = problems_and_area(&ctx, &checked, &f.area).await?;
    let (Ok(asset), Some(area)) = (checked, area) else {
        return page_with(ctx, sent("asset", &f, errors)).await;
    };
    let owner = owner(&ctx.viewer);
    acting(&ctx.state, &ctx.viewer, move |s, actor| {
        s.add_asset(&area, owner, &asset, actor)
    })
    .await?;
    Ok(done("/capitals#assets", "saved"))
}

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct CitizenFields {
    area: String,
    name: String,
    leads: String,
    consent: String,
}

/// An active citizen, recorded only with their consent (dated today).
pub async fn add_citizen(ctx: Ctx, Form(f): Form<CitizenFields>) -> Result<Response, AppError> {
    let checked = check_citizen(&f.name, &f.leads, f.consent == "yes");
    let (errors, area) = problems_and_area(&ctx, &checked, &f.area).await?;
    let (Ok(citizen), Some(area)) = (checked, area) else {
        return page_with(ctx, sent("citizen", &f, errors)).await;
    };
    let (owner, on) = (owner(&ctx.viewer), today(&ctx.state));
    acting(&ctx.state, &ctx.viewer, move |s, actor| {
        s.add_citizen(&area, owner, &citizen, on, actor)
    })
    .await?;
    Ok(done("/capitals#citizens", "saved"))
}

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct ActivityFields {
    month: String,
    note: String,
}

pub async fn add_activity(
    ctx: Ctx,
    Path(raw): Path<i64>,
    Form(f): Form<ActivityFields>,
) -> Result<Response, AppError> {
    let missing = || {
        AppError::not_found(
            text!("citizen_page", id = raw; id: "warga aktif {id}", en: "active citizen {id}"),
        )
    };
    let citizen = ctx
        .state
        .blocking(move |s| s.citizen(CitizenId::new(raw)))
        .await?
        .ok_or_else(missing)?;
    if !ctx.viewer.scope().covers(&citizen.placement) {
        return Err(missing());
    }
    let id = citizen.id;
    let month = f.month.trim().to_owned();
    let this_month = today(&ctx.state).strftime("%Y-%m").to_string();
    let valid = month.len() == 7
        && month.as_bytes()[4] == b'-'
        && format!("{month}-01").parse::<jiff::civil::Date>().is_ok()
        && month <= this_month;
    if !valid {
        return Err(invalid(
            "month",
            text!("citizen_bad_month"; id: "bulan seperti 2026-11, tidak setelah bulan ini",
                en: "a month such as 2026-11, not after this one"),
        ));
    }
    let note: String = f.note.trim().chars().take(1_000).collect();
    acting(&ctx.state, &ctx.viewer, move |s, actor| {
        s.add_citizen_activity(id, &month, &note, actor)
    })
    .await?;
    Ok(done("/capitals#citizens", "saved"))
}
