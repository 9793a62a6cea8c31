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

use crate::auth::Viewer;
use crate::core::actions::{self, Failure};
use crate::core::api::failure;
use crate::core::forms::FieldErrors;
use crate::error::AppError;
use crate::render::render;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, Uri};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Form, Json};
use lumbung_store::SpendImport;
use minijinja::context;
use serde::{Deserialize, Serialize};
use serde_json::json;

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

fn parse_id(raw: &str, what: &str) -> Result<i64, AppError> {
    raw.parse()
        .map_err(|_| AppError::not_found(format!("{what} {raw}")))
}

/// `?q=&review=1` (and for the API `limit=`).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct SupplierQuery {
    pub q: String,
    pub review: String,
    #[serde(skip_serializing)]
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
        .filter(|s| visible.as_ref().is_none_or(|v| v.contains(&s.id)))
        .take(limit as usize)
        .collect())
}

/// An import by id that the viewer may see, or 404.
async fn import(state: &AppState, viewer: &Viewer, id: i64) -> Result<SpendImport, AppError> {
    crate::spend::visible_imports(state, viewer)
        .await?
        .into_iter()
        .find(|i| i.id == id)
        .ok_or_else(|| AppError::not_found(format!("spend import {id}")))
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
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
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
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Form(form): Form<SupplierForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id, "supplier")?;
    let result = actions::locate_supplier(&state, &viewer, id, Some(&form.area))
        .await
        .map(drop);
    after(&state, &viewer, id, "locate", form, result).await
}

pub async fn site(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Form(form): Form<SupplierForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id, "supplier")?;
    let remove = truthy(&form.remove);
    let result = actions::supplier_site(&state, &viewer, id, &form.area, remove)
        .await
        .map(drop);
    after(&state, &viewer, id, "sites", form, result).await
}

pub async fn merge(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Form(form): Form<SupplierForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id, "supplier")?;
    let raw = form.into.trim();
    let result = match raw.parse::<i64>() {
        Ok(into) => actions::merge_supplier(&state, &viewer, id, into)
            .await
            .map(drop),
        Err(_) => Err(Failure::Fields(FieldErrors::from([(
            "into".to_owned(),
            format!("{raw:?} is not a supplier number").into(),
        )]))),
    };
    after(&state, &viewer, id, "merge", form, result).await
}

pub async fn imports_page(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    uri: Uri,
) -> Result<Html<String>, AppError> {
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
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = parse_id(&id, "spend import")?;
    match actions::undo_import(&state, &viewer, id).await {
        Ok(_) => Ok(Redirect::to("/spend/imports").into_response()),
        Err(Failure::Fields(errors)) => Err(AppError::bad_request(
            errors
                .into_values()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("; "),
        )),
        Err(Failure::App(e)) => Err(e),
    }
}

pub async fn flagged_page(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    uri: Uri,
    Path(id): Path<String>,
) -> Result<Html<String>, AppError> {
    let id = parse_id(&id, "spend import")?;
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

pub async fn api_suppliers(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Query(q): Query<SupplierQuery>,
) -> Result<Json<serde_json::Value>, AppError> {
    let limit = q.limit.unwrap_or(100).clamp(1, MAX_SUPPLIERS);
    let list = suppliers(&state, &viewer, &q, limit).await?;
    Ok(Json(json!({ "suppliers": list, "limit": limit })))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LocateBody {
    /// The area; `null` (or absent, or empty) returns the supplier to its
    /// postal code.
    area: Option<String>,
}

pub async fn api_locate(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Json(body): Json<LocateBody>,
) -> Response {
    let id = match parse_id(&id, "supplier") {
        Ok(id) => id,
        Err(e) => return e.into_response(),
    };
    match actions::locate_supplier(&state, &viewer, id, body.area.as_deref()).await {
        Ok(area) => Json(json!({"id": id, "area_code": area})).into_response(),
        Err(f) => failure(f),
    }
}

#[derive(Debug, Deserialize)]
pub struct SiteBody {
    area: String,
    #[serde(default)]
    remove: bool,
}

pub async fn api_site(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Json(body): Json<SiteBody>,
) -> Response {
    let id = match parse_id(&id, "supplier") {
        Ok(id) => id,
        Err(e) => return e.into_response(),
    };
    match actions::supplier_site(&state, &viewer, id, &body.area, body.remove).await {
        Ok(area) => {
            Json(json!({"id": id, "area_code": area, "removed": body.remove})).into_response()
        }
        Err(f) => failure(f),
    }
}

#[derive(Debug, Deserialize)]
pub struct MergeBody {
    /// The supplier that stays.
    into: i64,
}

pub async fn api_merge(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Json(body): Json<MergeBody>,
) -> Response {
    let id = match parse_id(&id, "supplier") {
        Ok(id) => id,
        Err(e) => return e.into_response(),
    };
    match actions::merge_supplier(&state, &viewer, id, body.into).await {
        Ok(moved) => {
            Json(json!({"kept": body.into, "merged": id, "payments_moved": moved})).into_response()
        }
        Err(f) => failure(f),
    }
}

pub async fn api_undo(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
) -> Response {
    let id = match parse_id(&id, "spend import") {
        Ok(id) => id,
        Err(e) => return e.into_response(),
    };
    match actions::undo_import(&state, &viewer, id).await {
        Ok(undone) => Json(json!({ "undone": undone })).into_response(),
        Err(f) => failure(f),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct FlaggedQuery {
    limit: Option<u32>,
}

pub async fn api_flagged(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Query(q): Query<FlaggedQuery>,
) -> Result<Json<serde_json::Value>, AppError> {
    let id = parse_id(&id, "spend import")?;
    let file = import(&state, &viewer, id).await?;
    let limit = q.limit.unwrap_or(MAX_FLAGGED).clamp(1, MAX_FLAGGED);
    let rows = state
        .blocking(move |s| s.spend_flagged(Some(lumbung_domain::ImportId::new(id)), limit))
        .await?;
    Ok(Json(
        json!({"import": file, "flagged": rows, "limit": limit}),
    ))
}
