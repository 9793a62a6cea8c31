//! `/invest`: local projects seeking investment, and the pools an investor
//! with a minimum ticket and constraints could take, with why each project
//! is in or out (`lumbung_partnerships::pools::group`, off the async
//! threads: up to 20 projects it searches every grouping).

use super::Errors;
use crate::auth::Ctx;
use crate::edge::{acting, done};
use crate::error::AppError;
use crate::programme::plans::{read_uploaded, uploaded};
use crate::render::render;
use axum::extract::{Multipart, Query};
use axum::response::{IntoResponse, Response};
use lumbung_domain::Resource;
use lumbung_partnerships::pools::group;
use lumbung_partnerships::projects::{check_constraints, read_listed};
use minijinja::context;
use serde::{Deserialize, Serialize};

/// The largest projects file taken.
pub const MAX_PROJECTS_BYTES: usize = 4 * 1024 * 1024;

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct InvestorQuery {
    min_size: String,
    max_size: String,
    max_high_risk: String,
    max_sector_share: String,
}

pub async fn page(ctx: Ctx, Query(q): Query<InvestorQuery>) -> Result<Response, AppError> {
    let lang = ctx.viewer.lang;
    let projects = ctx.state.blocking(|s| s.invest_projects()).await?;
    let mut errors = Errors::new();
    let mut result = None;
    let asked = !q.min_size.trim().is_empty()
        || !q.max_size.trim().is_empty()
        || !q.max_high_risk.trim().is_empty()
        || !q.max_sector_share.trim().is_empty();
    if asked {
        match check_constraints(
            &q.min_size,
            &q.max_size,
            &q.max_high_risk,
            &q.max_sector_share,
        ) {
            Ok(c) => {
                let list: Vec<_> = projects.iter().map(|p| p.project.clone()).collect();
                // One grouping at a time: its turn is held until it ends,
                // even when its visitor has gone.
                let turn = ctx.state.searches.admit().await?;
                let pools = tokio::task::spawn_blocking(move || {
                    let _turn = turn;
                    group(&list, &c)
                })
                .await?;
                let gap = pools.upper_bound.map(|b| {
                    lumbung_domain::Fixed::<2>::from_raw(b.raw() - pools.social_value_placed.raw())
                        .short()
                        .to_string()
                });
                result = Some(context! {
                    pools => pools.pools,
                    unplaced => pools.unplaced.iter().map(|(name, why)| (name.clone(), why.words().get(lang.into()).to_owned())).collect::<Vec<_>>(),
                    social_value_placed => pools.social_value_placed.short().to_string(),
                    amount_placed => pools.amount_placed,
                    optimal => pools.optimal,
                    upper_bound => pools.upper_bound.map(|b| b.short().to_string()),
                    gap => gap,
                });
            }
            Err(p) => errors = super::errors_of(p, &ctx.viewer),
        }
    }
    let writes = ctx
        .viewer
        .user()
        .is_some_and(|u| u.role.can_write(Resource::Partnerships));
    Ok(render(
        &ctx.viewer,
        &ctx.uri,
        "invest.html",
        context! { projects => projects, q => q, errors => errors, result => result, can_write => writes },
    )?
    .into_response())
}

/// A projects file (all or nothing; the same file twice changes nothing).
/// A viewer short of the whole system brings in only projects of areas in
/// its scope; a project is its area's by its name, so none kept for an
/// area outside it is changed, and another area's names are free here.
pub async fn import(ctx: Ctx, multipart: Multipart) -> Result<Response, AppError> {
    let (name, _, listed) =
        read_uploaded(&ctx.state, uploaded(multipart).await?, read_listed).await?;
    let scope = ctx.viewer.scope();
    if scope != lumbung_domain::Scope::Global {
        let found = super::areas_of(&ctx, listed.iter().filter_map(|l| l.area.as_deref())).await?;
        for l in &listed {
            let here = (l.area.as_deref())
                .is_some_and(|code| found.get(code.trim()).is_some_and(Option::is_some));
            if !here {
                let line = l.line;
                return Err(crate::edge::invalid(
                    "file",
                    lumbung_domain::text!("project_outside_scope", line = line;
                        id: "baris {line}: proyek harus berada di wilayah dalam cakupan Anda (kolom area)",
                        en: "line {line}: a project must be in an area of your scope (the area column)"),
                ));
            }
        }
    }
    acting(&ctx.state, &ctx.viewer, move |s, actor| {
        s.import_projects(&name, &listed, actor)
    })
    .await?;
    Ok(done("/invest", "projects_imported"))
}
