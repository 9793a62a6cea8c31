//! The home page and "your work": what waits for a signed-in user in
//! their scope, first on the home page after sign-in and as
//! `GET /api/v1/work`. It reads every feature, so it sits above them all
//! (only the route table imports it). Each domain
//! gathers its part; the role decides which parts a user is given: the
//! UPK its loans to collect from and applications to follow, the BKM the
//! applications to decide, the facilitator the kelurahan steps late or
//! awaiting verification, the analyst the latest imports and the review
//! queue. Administrators and auditors get their starting points as links.

pub mod routes;

use crate::auth::{Ctx, Viewer};
use crate::community::StepWork;
use crate::core::api::Reply;
use crate::error::AppError;
use crate::fund::work::FundWork;
use crate::render::render;
use crate::spend::SpendWork;
use crate::AppState;
use axum::response::Html;
use lumbung_domain::Role;
use minijinja::context;
use schemars::JsonSchema;
use serde::Serialize;

#[derive(Debug, Default, Serialize, JsonSchema)]
pub struct YourWork {
    /// UPK and BKM users: loans due within a week, applications waiting.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fund: Option<FundWork>,
    /// Facilitators: kelurahan with late, stalled or unverified steps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub steps: Option<Vec<StepWork>>,
    /// Analysts: the latest imports and the suppliers to review.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spend: Option<SpendWork>,
}

/// The work of the signed-in viewer; nothing for a visitor.
pub async fn your_work(state: &AppState, viewer: &Viewer) -> Result<YourWork, AppError> {
    let Some(user) = viewer.user() else {
        return Ok(YourWork::default());
    };
    Ok(match user.role {
        Role::Upk | Role::Bkm => YourWork {
            fund: Some(crate::fund::work::work(state, viewer).await?),
            ..Default::default()
        },
        Role::Facilitator => YourWork {
            steps: Some(crate::community::work(state, viewer).await?),
            ..Default::default()
        },
        Role::Analyst => YourWork {
            spend: Some(crate::spend::work(state, viewer).await?),
            ..Default::default()
        },
        Role::Admin | Role::Auditor => YourWork::default(),
    })
}

/// `GET /`: what this Lumbung holds, and first, for a signed-in user,
/// their work.
pub async fn home(Ctx { state, viewer, uri }: Ctx) -> Result<Html<String>, AppError> {
    let (overview, reports) = state
        .reading(|s| Ok((s.overview()?, s.spend_publications(10)?)))
        .await?;
    let work = your_work(&state, &viewer).await?;
    let reports: Vec<_> = reports
        .iter()
        .map(|p| context! { id => p.id, title => p.title })
        .collect();
    render(
        &viewer,
        &uri,
        "home.html",
        context! { overview => overview, reports => reports, work => work, today => crate::edge::today(&state) },
    )
}

/// `GET /api/v1/work`: what waits for the signed-in user.
pub async fn api_work(Ctx { state, viewer, .. }: Ctx) -> Result<Reply<YourWork>, AppError> {
    viewer.require()?;
    Ok(Reply(your_work(&state, &viewer).await?))
}
