//! The JSON API under `/api/v1`: the same data and actions as the pages.
//! Programs sign in with `POST /api/v1/session` and send the returned token
//! as `Authorization: Bearer …` (no CSRF token needed then); a browser
//! session cookie also works, with the `X-CSRF-Token` header on changes.

use crate::actions::{self, Failure};
use crate::auth::Viewer;
use crate::error::AppError;
use crate::forms::{OrgFields, UserFields};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use lumbung_domain::{OrgKind, PostalCode};
use lumbung_store::{AreaFilter, OrgFilter};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;

const MAX_LIMIT: u32 = 500;

/// Field errors as JSON: 422 with every bad field named.
pub(crate) fn failure(f: Failure) -> Response {
    match f {
        Failure::Fields(errors) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({"error": {"code": "invalid", "message": "some fields are invalid", "fields": errors}})),
        )
            .into_response(),
        Failure::App(e) => e.into_response(),
    }
}

pub async fn health(State(state): State<AppState>) -> Result<Json<Value>, AppError> {
    let version = state
        .blocking(|s| {
            s.ping()?;
            s.schema_version()
        })
        .await?;
    Ok(Json(json!({"status": "ok", "schema_version": version})))
}

pub async fn openapi() -> Json<Value> {
    Json(crate::openapi::document())
}

#[derive(Debug, Deserialize)]
pub struct LoginRequest {
    username: String,
    password: String,
}

pub async fn login(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Json(req): Json<LoginRequest>,
) -> Result<Response, AppError> {
    let user = crate::signin::sign_in(&state, &viewer, &req.username, req.password).await?;
    let id = user.id;
    let token = state.blocking(move |s| s.create_session(id)).await?;
    let csrf = state
        .blocking({
            let token = token.clone();
            move |s| s.session_user(&token)
        })
        .await?
        .map(|s| s.csrf_token);
    Ok((
        [(
            axum::http::header::SET_COOKIE,
            crate::pages::session_cookie(&state, &token),
        )],
        Json(json!({"token": token, "csrf_token": csrf, "user": user})),
    )
        .into_response())
}

pub async fn logout(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
) -> Result<StatusCode, AppError> {
    if let Some(token) = viewer.token.clone() {
        state.blocking(move |s| s.end_session(&token)).await?;
        crate::signin::audit_sign_out(&state, &viewer).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

pub async fn me(Extension(viewer): Extension<Viewer>) -> Result<Json<Value>, AppError> {
    let session = viewer.session.as_ref().ok_or(AppError::Unauthenticated)?;
    Ok(Json(
        json!({"user": session.user, "csrf_token": session.csrf_token}),
    ))
}

pub async fn overview(State(state): State<AppState>) -> Result<Json<Value>, AppError> {
    Ok(Json(
        serde_json::to_value(state.blocking(|s| s.overview()).await?)
            .map_err(|e| AppError::Internal(e.to_string()))?,
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AreaQuery {
    q: Option<String>,
    kind: Option<String>,
    parent: Option<String>,
    within: Option<String>,
    limit: Option<u32>,
    offset: Option<u32>,
}

/// The stored path of an area named in a query (for "within this area"
/// filters); an unknown code is a 404.
pub(crate) async fn area_path_of(
    state: &AppState,
    code: Option<String>,
) -> Result<Option<lumbung_domain::AreaPath>, AppError> {
    let Some(code) = code else {
        return Ok(None);
    };
    let lookup = code.clone();
    state
        .blocking(move |s| s.area_path(&lookup))
        .await?
        .map(Some)
        .ok_or_else(|| AppError::NotFound(format!("area {code}")))
}

pub async fn areas(
    State(state): State<AppState>,
    Query(q): Query<AreaQuery>,
) -> Result<Json<Value>, AppError> {
    let limit = q.limit.unwrap_or(100).min(MAX_LIMIT);
    let offset = q.offset.unwrap_or(0);
    if q.q.is_none() && q.kind.is_none() && q.within.is_none() {
        let parent = q.parent.clone();
        if let Some(p) = &parent {
            let p = p.clone();
            if state.blocking(move |s| s.area(&p)).await?.is_none() {
                return Err(AppError::NotFound(format!(
                    "area {}",
                    parent.unwrap_or_default()
                )));
            }
        }
        let children = state
            .blocking(move |s| s.area_children(parent.as_deref()))
            .await?;
        let total = children.len();
        return Ok(Json(json!({"areas": children, "total": total})));
    }
    let within = area_path_of(&state, q.within.clone()).await?;
    let filter = AreaFilter {
        query: q.q,
        kind: q.kind,
        within,
    };
    let (found, total) = state
        .blocking(move |s| s.search_areas(&filter, limit, offset))
        .await?;
    Ok(Json(
        json!({"areas": found, "total": total, "limit": limit, "offset": offset}),
    ))
}

pub async fn area(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Json<Value>, AppError> {
    let lookup = code.clone();
    let (lineage, children) = state
        .blocking(move |s| {
            let lineage = s.area_lineage(&lookup)?;
            let children = match lineage.last() {
                Some(a) => s.area_children(Some(&a.code))?,
                None => vec![],
            };
            Ok((lineage, children))
        })
        .await?;
    let Some(area) = lineage.last() else {
        return Err(AppError::NotFound(format!("area {code}")));
    };
    Ok(Json(
        json!({"area": area, "lineage": &lineage[..lineage.len() - 1], "children": children}),
    ))
}

pub async fn locate_postcode(
    State(state): State<AppState>,
    Path(raw): Path<String>,
) -> Result<Json<Value>, AppError> {
    let postcode = PostalCode::parse(&raw).map_err(|e| AppError::BadRequest(e.to_string()))?;
    let found = state
        .blocking(move |s| s.locate_postcode(&postcode))
        .await?;
    let found =
        found.ok_or_else(|| AppError::NotFound(format!("postcode {raw} in the postcode map")))?;
    Ok(Json(json!(found)))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct OrgQuery {
    q: Option<String>,
    kind: Option<String>,
    area: Option<String>,
    limit: Option<u32>,
    offset: Option<u32>,
}

pub async fn orgs(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Query(q): Query<OrgQuery>,
) -> Result<Json<Value>, AppError> {
    let limit = q.limit.unwrap_or(100).min(MAX_LIMIT);
    let offset = q.offset.unwrap_or(0);
    let kind = q
        .kind
        .as_deref()
        .map(OrgKind::parse)
        .transpose()
        .map_err(|e| AppError::BadRequest(e.to_string()))?;
    let within = area_path_of(&state, q.area.clone()).await?;
    let filter = OrgFilter {
        query: q.q,
        kind,
        within,
        match_identifiers: viewer.session.is_some(),
    };
    let (found, total) = state
        .blocking(move |s| s.search_orgs(&filter, limit, offset))
        .await?;
    let orgs: Vec<_> = found
        .into_iter()
        .map(|o| actions::org_view(&viewer, o))
        .collect();
    Ok(Json(
        json!({"organisations": orgs, "total": total, "limit": limit, "offset": offset}),
    ))
}

/// An organisation in JSON: like the form, but `attributes` is an object
/// and `parent_id` a number.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct OrgBody {
    name: String,
    kind: String,
    area_code: Option<String>,
    parent_id: Option<i64>,
    company_number: Option<String>,
    npwp: Option<String>,
    attributes: BTreeMap<String, String>,
}

impl OrgBody {
    fn fields(self) -> (OrgFields, BTreeMap<String, String>) {
        (
            OrgFields {
                name: self.name,
                kind: self.kind,
                area_code: self.area_code.unwrap_or_default(),
                parent_id: self.parent_id.map(|p| p.to_string()).unwrap_or_default(),
                company_number: self.company_number.unwrap_or_default(),
                npwp: self.npwp.unwrap_or_default(),
                attributes: String::new(),
            },
            self.attributes,
        )
    }
}

pub async fn org_create(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Json(body): Json<OrgBody>,
) -> Response {
    let (fields, attributes) = body.fields();
    match actions::create_org(&state, &viewer, &fields, attributes).await {
        Ok(org) => (StatusCode::CREATED, Json(json!(org))).into_response(),
        Err(f) => failure(f),
    }
}

pub async fn org(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    let id: i64 = id
        .parse()
        .map_err(|_| AppError::NotFound(format!("organisation {id}")))?;
    let org = state
        .blocking(move |s| s.org(id))
        .await?
        .ok_or_else(|| AppError::NotFound(format!("organisation {id}")))?;
    Ok(Json(json!(actions::org_view(&viewer, org))))
}

pub async fn org_update(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Json(body): Json<OrgBody>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return AppError::NotFound(format!("organisation {id}")).into_response();
    };
    let (fields, attributes) = body.fields();
    match actions::update_org(&state, &viewer, id, &fields, attributes).await {
        Ok(org) => Json(json!(org)).into_response(),
        Err(f) => failure(f),
    }
}

pub async fn users(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
) -> Result<Json<Value>, AppError> {
    let scope = viewer.scope();
    let users = state.blocking(move |s| s.users(&scope)).await?;
    Ok(Json(json!({"users": users})))
}

pub async fn user_create(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Json(fields): Json<UserFields>,
) -> Response {
    match actions::create_user(&state, &viewer, &fields).await {
        Ok(user) => (StatusCode::CREATED, Json(json!(user))).into_response(),
        Err(f) => failure(f),
    }
}

#[derive(Debug, Deserialize)]
pub struct PasswordBody {
    password: String,
}

pub async fn password_reset(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Json(body): Json<PasswordBody>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return AppError::NotFound(format!("user {id}")).into_response();
    };
    match actions::reset_password(&state, &viewer, id, &body.password, None).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(f) => failure(f),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PageQuery {
    limit: Option<u32>,
    offset: Option<u32>,
}

pub async fn audit(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Query(q): Query<PageQuery>,
) -> Result<Json<Value>, AppError> {
    let scope = viewer.scope();
    let limit = q.limit.unwrap_or(100).min(MAX_LIMIT);
    let offset = q.offset.unwrap_or(0);
    let (entries, total) = state
        .blocking(move |s| s.audit_entries(&scope, limit, offset))
        .await?;
    Ok(Json(
        json!({"entries": entries, "total": total, "limit": limit, "offset": offset}),
    ))
}
