//! A kelurahan's plans in the browser: a plan file brought in from the
//! kelurahan's programme page (each changed plan a new version), and the
//! BKM's approval of a version — never by whoever brought it in.

use super::pages::reaches;
use crate::auth::{Ctx, Viewer};
use crate::edge::{acting, done, invalid};
use crate::error::AppError;
use crate::AppState;
use axum::extract::{Multipart, Path};
use axum::response::Response;
use lumbung_domain::{text, AreaPath, PlanId, Role};

/// The largest plan file taken from the browser.
pub const MAX_PLAN_BYTES: usize = 4 * 1024 * 1024;

fn unseen(raw: &str) -> AppError {
    AppError::not_found(text!("plan_page", id = raw; id: "rencana {id}", en: "plan {id}"))
}

/// The kelurahan `code` when the viewer's scope reaches it.
async fn area_in_scope(state: &AppState, viewer: &Viewer, code: &str) -> Result<(), AppError> {
    let looked = code.to_owned();
    let area = state.blocking(move |s| s.area(&looked)).await?;
    match area {
        Some(a) if reaches(&viewer.scope(), &AreaPath::from_stored(a.path.clone())) => Ok(()),
        _ => Err(AppError::not_found(
            text!("programme_area", code = code; id: "wilayah {code}", en: "area {code}"),
        )),
    }
}

/// A plan file for the kelurahan of the page (multipart `file`, the CSRF
/// token its first part); all or nothing.
pub async fn import(
    Ctx { state, viewer, .. }: Ctx,
    Path(code): Path<String>,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    area_in_scope(&state, &viewer, &code).await?;
    let mut file = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(AppError::unreadable_upload)?
    {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or("plan.csv").to_owned();
            let bytes = field.bytes().await.map_err(AppError::unreadable_upload)?;
            file = Some((name, bytes.to_vec()));
        }
    }
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return Err(invalid(
            "file",
            text!("plan_choose_file"; id: "pilih berkas rencananya", en: "choose the plan's file"),
        ));
    };
    let plans = lumbung_programme::plan::read_plans(&name, &bytes)
        .map_err(|r| AppError::from(lumbung_store::StoreError::Rejected(r)))?;
    if let Some(other) = plans.iter().find(|p| p.kelurahan != code) {
        return Err(invalid(
            "file",
            text!("plan_other_kelurahan", line = other.line, code = other.kelurahan.clone();
                id: "baris {line}: rencana kelurahan {code}, bukan kelurahan halaman ini",
                en: "line {line}: a plan of kelurahan {code}, not this page's"),
        ));
    }
    acting(&state, &viewer, move |s, actor| {
        s.import_plans(&name, &bytes, &plans, actor)
    })
    .await?;
    Ok(done(
        &format!("/programme?area={code}#plans"),
        "plan_imported",
    ))
}

/// The BKM approves a version of a plan of its kelurahan.
pub async fn approve(
    Ctx { state, viewer, .. }: Ctx,
    Path(raw): Path<String>,
) -> Result<Response, AppError> {
    let id = raw
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .map(PlanId::new)
        .ok_or_else(|| unseen(&raw))?;
    let code = state
        .blocking(move |s| s.plan_area(id))
        .await?
        .ok_or_else(|| unseen(&raw))?;
    area_in_scope(&state, &viewer, &code).await?;
    if viewer.user().is_none_or(|u| u.role != Role::Bkm) {
        return Err(AppError::conflict(text!("plan_bkm_approves";
            id: "rencana disetujui oleh BKM", en: "the BKM approves plans")));
    }
    acting(&state, &viewer, move |s, actor| s.approve_plan(id, actor)).await?;
    Ok(done(
        &format!("/programme?area={code}#plans"),
        "plan_approved",
    ))
}
