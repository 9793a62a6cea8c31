//! The fund's part of a user's "your work": the loans the UPK collects
//! from in the coming week and the applications waiting for the BKM, in
//! the UPKs the viewer's scope covers.

use super::*;
use lumbung_fund::application::ApplicationStatus;
use lumbung_fund::collection::to_collect;
use lumbung_fund::report::Due;
use schemars::JsonSchema;
use serde::Serialize;

/// Days ahead in which an instalment counts as due soon.
const DUE_WITHIN_DAYS: i64 = 7;
/// UPKs read for one page: a UPK's or a BKM's users have one; a city's
/// officers read the oversight report instead.
const MAX_UPKS: usize = 20;

/// A loan to collect from: what is overdue and the next instalment.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CollectLine {
    pub loan_id: String,
    pub upk_id: UpkId,
    pub ksm_id: KsmId,
    pub ksm: String,
    #[serde(flatten)]
    pub due: Due,
}

/// An application the BKM has not decided yet, or approved and not yet
/// disbursed.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PendingLine {
    pub id: ApplicationId,
    pub status: ApplicationStatus,
    pub upk_id: UpkId,
    pub ksm_id: KsmId,
    pub ksm: String,
    #[schemars(with = "String")]
    pub applied_on: Date,
    pub principal: i64,
}

#[derive(Debug, Default, Serialize, JsonSchema)]
pub struct FundWork {
    pub collect: Vec<CollectLine>,
    pub pending: Vec<PendingLine>,
}

/// The covered UPKs' loans due in the coming week and applications waiting.
pub(crate) async fn work(state: &AppState, viewer: &Viewer) -> Result<FundWork, AppError> {
    let scope = viewer.scope();
    let on = today(state);
    // Each UPK's loans judged on the blocking thread that read them.
    state
        .blocking(move |s| {
            let mut work = FundWork::default();
            for upk_id in s.upks_covered(&scope)?.into_iter().take(MAX_UPKS) {
                let (ksms, loans) = (s.ksms_of(upk_id)?, s.loans_of(Some(upk_id), None)?);
                let applications = s.fund_applications(Some(upk_id))?;
                let names: HashMap<KsmId, &str> =
                    ksms.iter().map(|k| (k.id, k.name.as_str())).collect();
                let ksm = |id: KsmId| names.get(&id).copied().unwrap_or("").to_owned();
                let due = to_collect(&loans, on, DUE_WITHIN_DAYS)
                    .map_err(lumbung_store::StoreError::from)?;
                let books: HashMap<&str, &LoanBook> =
                    loans.iter().map(|(id, b)| (id.as_str(), b)).collect();
                work.collect.extend(due.into_iter().map(|(loan_id, due)| {
                    let ksm_id = books[loan_id.as_str()].ksm;
                    CollectLine {
                        loan_id: loan_id.clone(),
                        upk_id,
                        ksm_id,
                        ksm: ksm(ksm_id),
                        due,
                    }
                }));
                work.pending.extend(
                    applications
                        .into_iter()
                        .filter(|a| {
                            matches!(
                                a.status,
                                ApplicationStatus::Pending | ApplicationStatus::Approved
                            )
                        })
                        .map(|a| PendingLine {
                            id: a.id,
                            status: a.status,
                            upk_id,
                            ksm_id: a.ksm_id,
                            ksm: a.ksm,
                            applied_on: a.applied_on,
                            principal: a.principal,
                        }),
                );
            }
            Ok(work)
        })
        .await
}
