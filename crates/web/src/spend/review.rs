//! The analyst's review of the spend catalogue, as pages and API: the
//! suppliers (search, those listed for review; fix a location, record a
//! branch site, merge two), and the imports (list, undo, the rows each
//! flagged for review) — what `lumbung spend suppliers`, `merge-suppliers`,
//! `locate-supplier`, `supplier-site`, `imports`, `undo` and `flagged` do.
//!
//! Suppliers are one catalogue for all anchors, so a decision about one is
//! a global operation: only an analyst whose scope is the whole system
//! makes it. Imports, suppliers and flagged rows are listed to scoped
//! users only as far as their anchors lie inside the scope (see
//! [`crate::spend::visible_imports`] and [`crate::spend::visible_suppliers`]).

use super::{actions, no_import, no_supplier};
use crate::auth::Ctx;
use crate::auth::Viewer;
use crate::core::actions::Failure;
use crate::core::api::{failure, Reply};
use crate::core::forms::FieldErrors;
use crate::edge::optional;
use crate::error::AppError;
use crate::render::render;
use crate::AppState;
use axum::extract::{Path, Query};
use axum::http::{StatusCode, Uri};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Form, Json};
use lumbung_domain::{AreaCode, SupplierId};
use lumbung_store::SpendImport;
use minijinja::context;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Suppliers listed on the page (a search narrows the list).
pub const PAGE_SUPPLIERS: u32 = 200;
/// Suppliers the API returns at most in one answer.
pub const MAX_SUPPLIERS: u32 = 500;
/// Flagged rows listed at most, on the page and in the API.
pub const MAX_FLAGGED: u32 = 1000;

fn truthy(s: &str) -> bool {
    matches!(
        s.trim().to_ascii_lowercase().as_str(),
        "1" | "true" | "on" | "yes"
    )
}

/// An id from the path; one that is no number names nothing (`missing`).
fn parse_id(raw: &str, missing: impl Fn(String) -> AppError) -> Result<i64, AppError> {
    raw.parse().map_err(|_| missing(raw.to_owned()))
}

/// `?q=&review=1` (and for the API `limit=`).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct SupplierQuery {
    pub q: String,
    pub review: String,
    #[serde(skip_serializing, deserialize_with = "optional")]
    pub limit: Option<u32>,
}

impl SupplierQuery {
    fn search(&self) -> Option<String> {
        Some(self.q.trim().to_owned()).filter(|q| !q.is_empty())
    }

    fn review_only(&self) -> bool {
        truthy(&self.review)
    }

    /// The list with this search: where the row forms come back to.
    fn list_path(&self) -> String {
        let mut pairs = vec![];
        if let Some(q) = self.search() {
            pairs.push(("q", q));
        }
        if self.review_only() {
            pairs.push(("review", "1".to_owned()));
        }
        match serde_urlencoded::to_string(&pairs) {
            Ok(query) if !query.is_empty() => format!("/spend/suppliers?{query}"),
            _ => "/spend/suppliers".to_owned(),
        }
    }
}

/// Suppliers matching the query that the viewer may see (see
/// [`crate::spend::visible_suppliers`]).
async fn suppliers(
    state: &AppState,
    viewer: &Viewer,
    q: &SupplierQuery,
    limit: u32,
) -> Result<Vec<lumbung_store::Supplier>, AppError> {
    let (search, review) = (q.search(), q.review_only());
    let visible = crate::spend::visible_suppliers(state, viewer).await?;
    let fetch = if visible.is_some() { u32::MAX } else { limit };
    let list = state
        .blocking(move |s| s.suppliers(search.as_deref(), review, fetch))
        .await?;
    Ok(list
        .into_iter()
        .filter(|s| visible.as_ref().is_none_or(|v| v.contains(&s.id.get())))
        .take(limit as usize)
        .collect())
}

/// An import by id that the viewer may see, or 404.
async fn import(state: &AppState, viewer: &Viewer, id: i64) -> Result<SpendImport, AppError> {
    crate::spend::visible_imports(state, viewer)
        .await?
        .into_iter()
        .find(|i| i.id.get() == id)
        .ok_or_else(|| no_import(id))
}

// ---- pages ----

/// The fields of the three forms on a supplier's row, and the list's
/// search to return to.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct SupplierForm {
    /// `locate`: the fixed area (empty clears it); `sites`: the branch site.
    pub area: String,
    /// `sites`: set (a checkbox) to forget the site instead.
    pub remove: String,
    /// `merge`: the number of the supplier that stays.
    pub into: String,
    pub q: String,
    pub review: String,
}

impl SupplierForm {
    fn query(&self) -> SupplierQuery {
        SupplierQuery {
            q: self.q.clone(),
            review: self.review.clone(),
            limit: None,
        }
    }
}

/// A row form that failed: shown again beside its row, typed values kept.
#[derive(Debug, Serialize)]
struct Failed {
    id: i64,
    action: &'static str,
    /// Field → message, in the viewer's language.
    errors: std::collections::BTreeMap<String, String>,
    typed: SupplierForm,
}

async fn list_page(
    state: &AppState,
    viewer: &Viewer,
    q: &SupplierQuery,
    failed: Option<Failed>,
) -> Result<Response, AppError> {
    let list = suppliers(state, viewer, q, PAGE_SUPPLIERS).await?;
    let status = if failed.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    // The page's own address (not the form's), for the language switch.
    let uri: Uri = q.list_path().parse().unwrap_or_default();
    let page = render(
        viewer,
        &uri,
        "spend_suppliers.html",
        context! {
            more => list.len() as u32 >= PAGE_SUPPLIERS,
            suppliers => list,
            q => q.search().unwrap_or_default(),
            review => q.review_only(),
            failed => failed,
        },
    )?;
    Ok((status, page).into_response())
}

pub async fn suppliers_page(
    Ctx { state, viewer, .. }: Ctx,
    Query(q): Query<SupplierQuery>,
) -> Result<Response, AppError> {
    list_page(&state, &viewer, &q, None).await
}

/// Back to the list on success; bad fields show the list again (422) with
/// the error beside the row; an unknown supplier is a 404.
async fn after(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    action: &'static str,
    form: SupplierForm,
    result: Result<(), Failure>,
) -> Result<Response, AppError> {
    let q = form.query();
    match result {
        Ok(()) => Ok(Redirect::to(&q.list_path()).into_response()),
        Err(Failure::Fields(errors)) => {
            let failed = Failed {
                id,
                action,
                errors: errors
                    .into_iter()
                    .map(|(field, message)| (field, message.get(viewer.lang.into()).to_owned()))
                    .collect(),
                typed: form,
            };
            list_page(state, viewer, &q, Some(failed)).await
        }
        Err(Failure::App(e)) => Err(e),
    }
}

pub async fn locate(
    Ctx { state, viewer, .. }: Ctx,
    Path(id): Path<String>,
    Form(form): Form<SupplierForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id, no_supplier)?;
    let result = actions::locate_supplier(&state, &viewer, id, Some(&form.area))
        .await
        .map(drop);
    after(&state, &viewer, id, "locate", form, result).await
}

pub async fn site(
    Ctx { state, viewer, .. }: Ctx,
    Path(id): Path<String>,
    Form(form): Form<SupplierForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id, no_supplier)?;
    let remove = truthy(&form.remove);
    let result = actions::supplier_site(&state, &viewer, id, &form.area, remove)
        .await
        .map(drop);
    after(&state, &viewer, id, "sites", form, result).await
}

pub async fn merge(
    Ctx { state, viewer, .. }: Ctx,
    Path(id): Path<String>,
    Form(form): Form<SupplierForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id, no_supplier)?;
    let raw = form.into.trim();
    let result = match raw.parse::<i64>() {
        Ok(into) => actions::merge_supplier(&state, &viewer, id, into)
            .await
            .map(drop),
        Err(_) => Err(Failure::Fields(FieldErrors::from([(
            "into".to_owned(),
            lumbung_domain::text!("not_a_supplier_number", value = format!("{raw:?}");
                id: "{value} bukan nomor pemasok",
                en: "{value} is not a supplier number"),
        )]))),
    };
    after(&state, &viewer, id, "merge", form, result).await
}

pub async fn imports_page(Ctx { state, viewer, uri }: Ctx) -> Result<Html<String>, AppError> {
    let mut imports = crate::spend::visible_imports(&state, &viewer).await?;
    imports.reverse();
    render(
        &viewer,
        &uri,
        "spend_imports.html",
        context! { imports => imports },
    )
}

pub async fn undo(
    Ctx { state, viewer, .. }: Ctx,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = parse_id(&id, no_import)?;
    match actions::undo_import(&state, &viewer, id).await {
        Ok(_) => Ok(Redirect::to("/spend/imports").into_response()),
        Err(Failure::Fields(errors)) => {
            let (id, en): (Vec<_>, Vec<_>) = errors
                .values()
                .map(|e| (e.indonesian(), e.english()))
                .unzip();
            Err(AppError::bad_request(lumbung_domain::Text::new(
                "undo_refused",
                vec![],
                id.join("; "),
                en.join("; "),
            )))
        }
        Err(Failure::App(e)) => Err(e),
    }
}

pub async fn flagged_page(
    Ctx { state, viewer, uri }: Ctx,
    Path(id): Path<String>,
) -> Result<Html<String>, AppError> {
    let id = parse_id(&id, no_import)?;
    let file = import(&state, &viewer, id).await?;
    let rows = state
        .blocking(move |s| s.spend_flagged(Some(lumbung_domain::ImportId::new(id)), MAX_FLAGGED))
        .await?;
    render(
        &viewer,
        &uri,
        "spend_flagged.html",
        context! { file => file, more => rows.len() as u32 >= MAX_FLAGGED, rows => rows },
    )
}

// ---- API ----

/// `GET /api/v1/spend/suppliers`.
#[derive(Serialize, JsonSchema)]
pub struct SupplierList {
    suppliers: Vec<lumbung_store::Supplier>,
    limit: u32,
}

pub async fn api_suppliers(
    Ctx { state, viewer, .. }: Ctx,
    Query(q): Query<SupplierQuery>,
) -> Result<Reply<SupplierList>, AppError> {
    let limit = q.limit.unwrap_or(100).clamp(1, MAX_SUPPLIERS);
    let suppliers = suppliers(&state, &viewer, &q, limit).await?;
    Ok(Reply(SupplierList { suppliers, limit }))
}

/// An API answer: the decision's result, or its failure.
fn answer<T: Serialize>(result: Result<T, Failure>) -> Response {
    match result {
        Ok(answer) => Reply(answer).into_response(),
        Err(f) => failure(f),
    }
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(default)]
pub struct LocateBody {
    /// The area; `null` (or absent, or empty) returns the supplier to its
    /// postal code.
    area: Option<String>,
}

/// `POST /api/v1/spend/suppliers/{id}/locate`.
#[derive(Serialize, JsonSchema)]
pub struct Located {
    id: i64,
    area_code: Option<AreaCode>,
}

pub async fn api_locate(
    Ctx { state, viewer, .. }: Ctx,
    Path(id): Path<String>,
    Json(body): Json<LocateBody>,
) -> Result<Response, AppError> {
    let id = parse_id(&id, no_supplier)?;
    let area = actions::locate_supplier(&state, &viewer, id, body.area.as_deref()).await;
    Ok(answer(area.map(|area_code| Located { id, area_code })))
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct SiteBody {
    area: String,
    #[serde(default)]
    remove: bool,
}

/// `POST /api/v1/spend/suppliers/{id}/sites`.
#[derive(Serialize, JsonSchema)]
pub struct SiteRecorded {
    id: i64,
    area_code: AreaCode,
    removed: bool,
}

pub async fn api_site(
    Ctx { state, viewer, .. }: Ctx,
    Path(id): Path<String>,
    Json(body): Json<SiteBody>,
) -> Result<Response, AppError> {
    let id = parse_id(&id, no_supplier)?;
    let area = actions::supplier_site(&state, &viewer, id, &body.area, body.remove).await;
    Ok(answer(area.map(|area_code| SiteRecorded {
        id,
        area_code,
        removed: body.remove,
    })))
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct MergeBody {
    /// The supplier that stays (a number, or its digits as text).
    #[schemars(schema_with = "crate::edge::text_or_number_schema")]
    into: SupplierId,
}

/// `POST /api/v1/spend/suppliers/{id}/merge`.
#[derive(Serialize, JsonSchema)]
pub struct Merged {
    kept: i64,
    merged: i64,
    payments_moved: u64,
}

pub async fn api_merge(
    Ctx { state, viewer, .. }: Ctx,
    Path(id): Path<String>,
    Json(body): Json<MergeBody>,
) -> Result<Response, AppError> {
    let id = parse_id(&id, no_supplier)?;
    let into = body.into.get();
    let moved = actions::merge_supplier(&state, &viewer, id, into).await;
    Ok(answer(moved.map(|payments_moved| Merged {
        kept: into,
        merged: id,
        payments_moved,
    })))
}

/// `DELETE /api/v1/spend/imports/{id}`: the import as it now stands.
#[derive(Serialize, JsonSchema)]
pub struct Undone {
    undone: SpendImport,
}

pub async fn api_undo(
    Ctx { state, viewer, .. }: Ctx,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = parse_id(&id, no_import)?;
    let undone = actions::undo_import(&state, &viewer, id).await;
    Ok(answer(undone.map(|undone| Undone { undone })))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct FlaggedQuery {
    #[serde(deserialize_with = "optional")]
    limit: Option<u32>,
}

/// `GET /api/v1/spend/imports/{id}/flagged`.
#[derive(Serialize, JsonSchema)]
pub struct FlaggedList {
    import: SpendImport,
    flagged: Vec<lumbung_store::FlaggedRow>,
    limit: u32,
}

pub async fn api_flagged(
    Ctx { state, viewer, .. }: Ctx,
    Path(id): Path<String>,
    Query(q): Query<FlaggedQuery>,
) -> Result<Reply<FlaggedList>, AppError> {
    let id = parse_id(&id, no_import)?;
    let import = import(&state, &viewer, id).await?;
    let limit = q.limit.unwrap_or(MAX_FLAGGED).clamp(1, MAX_FLAGGED);
    let flagged = state
        .blocking(move |s| s.spend_flagged(Some(lumbung_domain::ImportId::new(id)), limit))
        .await?;
    Ok(Reply(FlaggedList {
        import,
        flagged,
        limit,
    }))
}
