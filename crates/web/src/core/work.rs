//! "Your work": what waits for a signed-in user in their scope, first on
//! the home page after sign-in and as `GET /api/v1/work`. Each domain
//! gathers its part; the role decides which parts a user is given: the
//! UPK its loans to collect from and applications to follow, the BKM the
//! applications to decide, the facilitator the kelurahan steps late or
//! awaiting verification, the analyst the latest imports and the review
//! queue. Administrators and auditors get their starting points as links.

use crate::auth::Viewer;
use crate::community::StepWork;
use crate::error::AppError;
use crate::fund::work::FundWork;
use crate::spend::SpendWork;
use crate::AppState;
use lumbung_domain::Role;
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
