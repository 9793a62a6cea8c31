//! The JSON API under `/api/v1`: the same data and actions as the pages.
//! Programs sign in with `POST /api/v1/session` and send the returned token
//! as `Authorization: Bearer …` (no CSRF token needed then); a browser
//! session cookie also works, with the `X-CSRF-Token` header on changes.

use crate::auth::Ctx;
use crate::auth::Viewer;
use crate::core::actions::{self, no_area, no_org, no_user, Failure, OrgView};
use crate::core::forms::{OrgFields, UserFields};
use crate::error::{refused_text, AppError};
use crate::error::{ApiError, ApiErrorDetail};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use lumbung_domain::{OrgKind, PostalCode};
use lumbung_store::{Area, AreaFilter, AuditEntry, Org, OrgFilter, Overview, PostcodeMatch, User};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

const MAX_LIMIT: u32 = 500;

/// Field errors as JSON: 422 with every bad field named.
pub(crate) fn failure(f: Failure) -> Response {
    match f {
        Failure::Fields(errors) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Reply(ApiError {
                error: ApiErrorDetail {
                    code: "invalid".into(),
                    message: "some fields are invalid".into(),
                    detail: None,
                    detail_code: None,
                    params: None,
                    field: None,
                    fields: Some(
                        errors
                            .into_iter()
                            .map(|(field, message)| (field, message.to_string()))
                            .collect(),
                    ),
                },
            }),
        )
            .into_response(),
        Failure::App(e) => e.into_response(),
    }
}

/// A typed JSON answer. It goes out through `serde_json::Value`, whose
/// objects keep their keys sorted, so the bytes are the ones this API has
/// always sent.
pub struct Reply<T>(pub T);

impl<T: Serialize> IntoResponse for Reply<T> {
    fn into_response(self) -> Response {
        match serde_json::to_value(&self.0) {
            Ok(value) => Json(value).into_response(),
            Err(e) => AppError::Internal(format!("encoding an answer: {e}")).into_response(),
        }
    }
}

/// `GET /health`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Health {
    /// Always `ok`: a broken database answers 503 or 500 instead.
    status: &'static str,
    schema_version: i64,
    /// With a read replica: `ok`, or `unreachable` (the primary then reads
    /// for it; the server stays healthy).
    #[serde(skip_serializing_if = "Option::is_none")]
    read_replica: Option<&'static str>,
}

pub async fn health(State(state): State<AppState>) -> Result<Reply<Health>, AppError> {
    let version = state
        .blocking(|s| {
            s.ping()?;
            s.schema_version()
        })
        .await?;
    let read_replica = match &state.replica {
        Some(replica) => Some(if replica.answers().await {
            "ok"
        } else {
            "unreachable"
        }),
        None => None,
    };
    Ok(Reply(Health {
        status: "ok",
        schema_version: version,
        read_replica,
    }))
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct LoginRequest {
    username: String,
    password: String,
}

/// `POST /api/v1/session`: the bearer token of a new session.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SessionStarted {
    token: String,
    csrf_token: Option<String>,
    user: User,
}

pub async fn login(
    Ctx { state, viewer, .. }: Ctx,
    Json(req): Json<LoginRequest>,
) -> Result<Response, AppError> {
    let user = crate::core::signin::sign_in(&state, &viewer, &req.username, req.password).await?;
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
            crate::core::pages::session_cookie(&state, &token),
        )],
        Reply(SessionStarted {
            token,
            csrf_token: csrf,
            user,
        }),
    )
        .into_response())
}

pub async fn logout(Ctx { state, viewer, .. }: Ctx) -> Result<StatusCode, AppError> {
    if let Some(token) = viewer.token.clone() {
        state.blocking(move |s| s.end_session(&token)).await?;
        crate::core::signin::audit_sign_out(&state, &viewer).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/me`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Me {
    user: User,
    csrf_token: String,
}

pub async fn me(Extension(viewer): Extension<Viewer>) -> Result<Reply<Me>, AppError> {
    let session = viewer.session.ok_or(AppError::Unauthenticated)?;
    Ok(Reply(Me {
        user: session.user,
        csrf_token: session.csrf_token,
    }))
}

pub async fn overview(State(state): State<AppState>) -> Result<Reply<Overview>, AppError> {
    Ok(Reply(state.reading(|s| s.overview()).await?))
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
        .ok_or_else(|| no_area(&code))
}

/// `GET /api/v1/areas`: a page of a search (with `limit` and `offset`), or
/// all the children of one area (without).
#[derive(Debug, Serialize, JsonSchema)]
pub struct Areas {
    areas: Vec<Area>,
    total: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    limit: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    offset: Option<u32>,
}

pub async fn areas(
    State(state): State<AppState>,
    Query(q): Query<AreaQuery>,
) -> Result<Reply<Areas>, AppError> {
    let limit = q.limit.unwrap_or(100).min(MAX_LIMIT);
    let offset = q.offset.unwrap_or(0);
    if q.q.is_none() && q.kind.is_none() && q.within.is_none() {
        let parent = q.parent.clone();
        if let Some(p) = &parent {
            let p = p.clone();
            if state.blocking(move |s| s.area(&p)).await?.is_none() {
                return Err(no_area(parent.unwrap_or_default()));
            }
        }
        let children = state
            .blocking(move |s| s.area_children(parent.as_deref()))
            .await?;
        return Ok(Reply(Areas {
            total: children.len() as u64,
            areas: children,
            limit: None,
            offset: None,
        }));
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
    Ok(Reply(Areas {
        areas: found,
        total,
        limit: Some(limit),
        offset: Some(offset),
    }))
}

/// `GET /api/v1/areas/{code}`: the area, its ancestors (root first) and its
/// children.
#[derive(Debug, Serialize, JsonSchema)]
pub struct AreaDetail {
    area: Area,
    lineage: Vec<Area>,
    children: Vec<Area>,
}

pub async fn area(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Reply<AreaDetail>, AppError> {
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
    let mut lineage = lineage;
    let Some(area) = lineage.pop() else {
        return Err(no_area(code));
    };
    Ok(Reply(AreaDetail {
        area,
        lineage,
        children,
    }))
}

pub async fn locate_postcode(
    State(state): State<AppState>,
    Path(raw): Path<String>,
) -> Result<Reply<PostcodeMatch>, AppError> {
    let postcode = PostalCode::parse(&raw).map_err(|e| AppError::bad_request(refused_text(e)))?;
    let found = state
        .blocking(move |s| s.locate_postcode(&postcode))
        .await?;
    let found =
        found.ok_or_else(|| {
        AppError::not_found(lumbung_domain::text!("no_postcode_match", postcode = raw;
            id: "kode pos {postcode} di peta kode pos", en: "postcode {postcode} in the postcode map"))
    })?;
    Ok(Reply(found))
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

/// `GET /api/v1/orgs`: a page of organisations.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Organisations {
    organisations: Vec<OrgView>,
    total: u64,
    limit: u32,
    offset: u32,
}

pub async fn orgs(
    Ctx { state, viewer, .. }: Ctx,
    Query(q): Query<OrgQuery>,
) -> Result<Reply<Organisations>, AppError> {
    let limit = q.limit.unwrap_or(100).min(MAX_LIMIT);
    let offset = q.offset.unwrap_or(0);
    let kind = q
        .kind
        .as_deref()
        .map(OrgKind::parse)
        .transpose()
        .map_err(|e| AppError::bad_request(refused_text(e)))?;
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
    let organisations = found
        .into_iter()
        .map(|o| actions::org_view(&viewer, o))
        .collect();
    Ok(Reply(Organisations {
        organisations,
        total,
        limit,
        offset,
    }))
}

/// An organisation in JSON: like the form, but `attributes` is an object
/// and `parent_id` a number.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(default)]
pub struct OrgBody {
    name: String,
    kind: String,
    area_code: Option<String>,
    /// A number, or its text; `""` or null for none.
    #[serde(deserialize_with = "crate::edge::optional")]
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

pub async fn org_create(Ctx { state, viewer, .. }: Ctx, Json(body): Json<OrgBody>) -> Response {
    let (fields, attributes) = body.fields();
    match actions::create_org(&state, &viewer, &fields, attributes).await {
        Ok(org) => (StatusCode::CREATED, Reply(org)).into_response(),
        Err(f) => failure(f),
    }
}

pub async fn org(
    Ctx { state, viewer, .. }: Ctx,
    Path(id): Path<String>,
) -> Result<Reply<OrgView>, AppError> {
    let id: i64 = id.parse().map_err(|_| no_org(&id))?;
    let org = state
        .blocking(move |s| s.org(lumbung_domain::OrgId::new(id)))
        .await?
        .ok_or_else(|| no_org(id))?;
    Ok(Reply(actions::org_view(&viewer, org)))
}

pub async fn org_update(
    Ctx { state, viewer, .. }: Ctx,
    Path(id): Path<String>,
    Json(body): Json<OrgBody>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return no_org(id).into_response();
    };
    let (fields, attributes) = body.fields();
    match actions::update_org(&state, &viewer, id, &fields, attributes).await {
        Ok(org) => Reply(org).into_response(),
        Err(f) => failure(f),
    }
}

/// `GET /api/v1/users`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Users {
    users: Vec<User>,
}

pub async fn users(Ctx { state, viewer, .. }: Ctx) -> Result<Reply<Users>, AppError> {
    let scope = viewer.scope();
    let users = state.blocking(move |s| s.users(&scope)).await?;
    Ok(Reply(Users { users }))
}

pub async fn user_create(
    Ctx { state, viewer, .. }: Ctx,
    Json(fields): Json<UserFields>,
) -> Response {
    match actions::create_user(&state, &viewer, &fields).await {
        Ok(user) => (StatusCode::CREATED, Reply(user)).into_response(),
        Err(f) => failure(f),
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct PasswordBody {
    password: String,
}

pub async fn password_reset(
    Ctx { state, viewer, .. }: Ctx,
    Path(id): Path<String>,
    Json(body): Json<PasswordBody>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return no_user(id).into_response();
    };
    match actions::reset_password(&state, &viewer, id, &body.password, None).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(f) => failure(f),
    }
}

/// `POST /api/v1/me/password`: the signed-in user's own new password
/// (`password_confirm`, when given, must repeat it).
pub async fn own_password(
    Ctx { state, viewer, .. }: Ctx,
    Json(body): Json<super::account::OwnPassword>,
) -> Response {
    let confirmed = !body.password_confirm.is_empty();
    match super::account::change_own(&state, &viewer, body, confirmed).await {
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

/// `GET /api/v1/audit`: a page of the audit log, newest first.
#[derive(Debug, Serialize, JsonSchema)]
pub struct AuditLog {
    entries: Vec<AuditEntry>,
    total: u64,
    limit: u32,
    offset: u32,
}

pub async fn audit(
    Ctx { state, viewer, .. }: Ctx,
    Query(q): Query<PageQuery>,
) -> Result<Reply<AuditLog>, AppError> {
    let scope = viewer.scope();
    let limit = q.limit.unwrap_or(100).min(MAX_LIMIT);
    let offset = q.offset.unwrap_or(0);
    let (entries, total) = state
        .blocking(move |s| s.audit_entries(&scope, limit, offset))
        .await?;
    Ok(Reply(AuditLog {
        entries,
        total,
        limit,
        offset,
    }))
}

/// What each core operation answers besides the errors every operation of
/// its kind can give (see [`crate::routes::openapi`]): the route table names these.
pub mod answers {
    use super::*;
    use crate::spec::{empty, error, json, Answer};

    pub const HEALTH: &[Answer] = &[json::<Health>(200)];
    pub const SIGN_IN: &[Answer] = &[json::<SessionStarted>(200), error(401), error(429)];
    pub const SIGN_OUT: &[Answer] = &[empty(204)];
    pub const ME: &[Answer] = &[json::<Me>(200)];
    pub const OVERVIEW: &[Answer] = &[json::<Overview>(200)];
    pub const AREAS: &[Answer] = &[json::<Areas>(200), error(400), error(404)];
    pub const AREA: &[Answer] = &[json::<AreaDetail>(200), error(404)];
    pub const POSTCODE: &[Answer] = &[json::<PostcodeMatch>(200), error(400), error(404)];
    pub const ORGS: &[Answer] = &[json::<Organisations>(200), error(400), error(404)];
    pub const ORG_CREATE: &[Answer] = &[json::<Org>(201), error(404), error(409)];
    pub const ORG: &[Answer] = &[json::<OrgView>(200), error(404)];
    pub const ORG_UPDATE: &[Answer] = &[json::<Org>(200), error(404), error(409)];
    pub const USERS: &[Answer] = &[json::<Users>(200)];
    pub const USER_CREATE: &[Answer] = &[json::<User>(201), error(404), error(409)];
    pub const PASSWORD: &[Answer] = &[empty(204), error(404)];
    pub const OWN_PASSWORD: &[Answer] = &[empty(204), error(429)];
    pub const AUDIT: &[Answer] = &[json::<AuditLog>(200), error(400)];
}
