//! HTML pages. Each handler gathers data through [`crate::core::actions`] or the
//! store and renders one template; forms post back to the same path and are
//! shown again with their errors.

use crate::auth::Ctx;
use crate::auth::{Viewer, LOGIN_CSRF_COOKIE, SESSION_COOKIE};
use crate::core::actions::{self, no_area, no_org, no_user, Failure, FORM_ERROR};
use crate::core::forms::{
    attribute_lines, parse_attribute_lines, FieldErrors, OrgFields, UserFields,
};
use crate::core::signin::{self, Refused};
use crate::edge::redirect;
use crate::error::{refused_text, AppError};
use crate::i18n::{Lang, LANG_COOKIE};
use crate::listing::{Listing, Unsorted};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use lumbung_domain::{OrgKind, Resource, Role};
use lumbung_store::{AreaFilter, OrgFilter, SESSION_HOURS};
use minijinja::{context, Value};
use serde::Deserialize;
use std::collections::BTreeMap;

// Feature modules still import `render` from here; it lives in crate::render.
pub(crate) use crate::render::render;

/// Only paths on this site: never `//host` or a full URL (open redirects).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n[1..].starts_with(['/', '\\'])
                && n.chars()
                    .all(|c| !c.is_control() && !c.is_whitespace() && c != '\\') =>
        {
            n.to_owned()
        }
        _ => "/".to_owned(),
    }
}

/// The search of a list (its page is a [`Listing`]).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    q: String,
    kind: String,
    area: String,
}

pub async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../assets/app.css"),
    )
}

/// Served at the address browsers ask for by themselves.
pub async fn icon() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        include_str!("../assets/icon.svg"),
    )
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NextQuery {
    next: Option<String>,
}

pub async fn switch_lang(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<NextQuery>,
) -> Result<Response, AppError> {
    let lang = Lang::parse(&code).ok_or_else(|| {
        AppError::not_found(lumbung_domain::text!("no_language", language = code;
            id: "bahasa {language}", en: "language {language}"))
    })?;
    let cookie = format!(
        "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax{}",
        lang.code(),
        secure_attr(&state)
    );
    Ok((
        [(header::SET_COOKIE, cookie)],
        Redirect::to(&safe_next(q.next.as_deref())),
    )
        .into_response())
}

fn new_token() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Why the sign-in form is shown again.
#[derive(Clone, Copy, PartialEq, Eq)]
enum LoginProblem {
    None,
    Failed,
    /// Too many failures: the minutes to wait.
    Limited(u64),
}

fn login_page(
    viewer: &Viewer,
    uri: &Uri,
    csrf: &str,
    next: &str,
    username: &str,
    problem: LoginProblem,
) -> Result<Html<String>, AppError> {
    let limited_minutes = match problem {
        LoginProblem::Limited(minutes) => Some(minutes),
        _ => None,
    };
    render(
        viewer,
        uri,
        "login.html",
        context! {
            login_csrf => csrf, next => next, username => username,
            failed => problem == LoginProblem::Failed, limited_minutes => limited_minutes,
        },
    )
}

pub async fn login_form(
    Ctx { state, viewer, uri }: Ctx,
    headers: HeaderMap,
    Query(q): Query<NextQuery>,
) -> Result<Response, AppError> {
    // Signed in already (to switch accounts), the guard checks the
    // session's token; otherwise the double-submit cookie's.
    if let Some(session) = &viewer.session {
        let csrf = session.csrf_token.clone();
        return Ok(login_page(
            &viewer,
            &uri,
            &csrf,
            &safe_next(q.next.as_deref()),
            "",
            LoginProblem::None,
        )?
        .into_response());
    }
    let existing = crate::headers::cookie(&headers, LOGIN_CSRF_COOKIE).map(str::to_owned);
    let token = existing.clone().unwrap_or_else(new_token);
    let page = login_page(
        &viewer,
        &uri,
        &token,
        &safe_next(q.next.as_deref()),
        "",
        LoginProblem::None,
    )?;
    Ok(match existing {
        Some(_) => page.into_response(),
        None => (
            [(
                header::SET_COOKIE,
                format!(
                    "{LOGIN_CSRF_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict{}",
                    secure_attr(&state)
                ),
            )],
            page,
        )
            .into_response(),
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LoginForm {
    username: String,
    password: String,
    next: String,
    csrf: String,
}

pub async fn login(
    Ctx { state, viewer, uri }: Ctx,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    let user = match signin::sign_in(&state, &viewer, &form.username, form.password.clone()).await {
        Ok(user) => user,
        Err(refused) => {
            let (status, problem, retry_after) = match refused {
                Refused::Failed => {
                    tracing::info!(username = %form.username, "failed sign-in");
                    (StatusCode::UNAUTHORIZED, LoginProblem::Failed, None)
                }
                Refused::Limited(seconds) => (
                    StatusCode::TOO_MANY_REQUESTS,
                    LoginProblem::Limited(seconds.div_ceil(60)),
                    Some(seconds),
                ),
                Refused::App(e) => return Err(e),
            };
            let page = login_page(
                &viewer,
                &uri,
                &form.csrf,
                &safe_next(Some(&form.next)),
                &form.username,
                problem,
            )?;
            let mut response = (status, page).into_response();
            if let Some(seconds) = retry_after {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, seconds.into());
            }
            return Ok(response);
        }
    };
    if let Some(old) = viewer.token.clone() {
        state.blocking(move |s| s.end_session(&old)).await?;
    }
    let id = user.id;
    let token = state.blocking(move |s| s.create_session(id)).await?;
    Ok((
        [(header::SET_COOKIE, session_cookie(&state, &token))],
        Redirect::to(&safe_next(Some(&form.next))),
    )
        .into_response())
}

/// `; Secure` when visitors come over HTTPS, for every cookie we set.
pub fn secure_attr(state: &AppState) -> &'static str {
    if state.config.https() {
        "; Secure"
    } else {
        ""
    }
}

pub fn session_cookie(state: &AppState, token: &str) -> String {
    format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
        SESSION_HOURS * 3600,
        secure_attr(state)
    )
}

pub async fn logout(Ctx { state, viewer, .. }: Ctx) -> Result<Response, AppError> {
    if let Some(token) = viewer.token.clone() {
        state.blocking(move |s| s.end_session(&token)).await?;
        signin::audit_sign_out(&state, &viewer).await?;
    }
    Ok((
        [(
            header::SET_COOKIE,
            format!(
                "{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}",
                secure_attr(&state)
            ),
        )],
        Redirect::to("/"),
    )
        .into_response())
}

pub async fn areas(
    Ctx { state, viewer, uri }: Ctx,
    Query(q): Query<ListQuery>,
    listing: Listing<Unsorted>,
) -> Result<Html<String>, AppError> {
    let query = q.q.trim().to_owned();
    if query.is_empty() {
        let roots = state.blocking(|s| s.area_children(None)).await?;
        return render(
            &viewer,
            &uri,
            "areas.html",
            context! { q => "", areas => roots, list => () },
        );
    }
    let filter = AreaFilter {
        query: Some(query.clone()),
        ..Default::default()
    };
    let window = listing.window;
    let paged = state
        .blocking(move |s| window.fetch(|n, at| s.search_areas(&filter, n, at)))
        .await?;
    render(
        &viewer,
        &uri,
        "areas.html",
        context! { q => query, list => listing.view(&paged, None), areas => paged.rows },
    )
}

pub async fn area(
    Ctx { state, viewer, uri }: Ctx,
    Path(code): Path<String>,
) -> Result<Html<String>, AppError> {
    let lookup = code.clone();
    let (lineage, children, orgs) = state
        .blocking(move |s| {
            let lineage = s.area_lineage(&lookup)?;
            let Some(area) = lineage.last() else {
                return Ok((lineage, vec![], (vec![], 0)));
            };
            let children = s.area_children(Some(&area.code))?;
            let filter = OrgFilter {
                within: Some(lumbung_domain::AreaPath::from_stored(area.path.clone())),
                ..Default::default()
            };
            let orgs = s.search_orgs(&filter, 20, 0)?;
            Ok((lineage, children, orgs))
        })
        .await?;
    let Some(area) = lineage.last() else {
        return Err(no_area(code));
    };
    render(
        &viewer,
        &uri,
        "area.html",
        context! {
            area => area,
            lineage => &lineage[..lineage.len() - 1],
            children => children,
            orgs => orgs.0.into_iter().map(|o| actions::org_view(&viewer, o)).collect::<Vec<_>>(),
            orgs_total => orgs.1,
        },
    )
}

fn org_kinds(lang: Lang) -> Vec<Value> {
    OrgKind::ALL
        .iter()
        .map(|k| context! { key => k.as_str(), label => lang.t(&format!("org_kind_{}", k.as_str())) })
        .collect()
}

pub async fn orgs(
    Ctx { state, viewer, uri }: Ctx,
    Query(q): Query<ListQuery>,
    listing: Listing<Unsorted>,
) -> Result<Html<String>, AppError> {
    let kind = match q.kind.trim() {
        "" => None,
        k => Some(OrgKind::parse(k).map_err(|e| AppError::bad_request(refused_text(e)))?),
    };
    let area_code = q.area.trim().to_owned();
    let within =
        crate::core::api::area_path_of(&state, Some(area_code).filter(|c| !c.is_empty())).await?;
    let filter = OrgFilter {
        query: Some(q.q.clone()),
        kind,
        within,
        match_identifiers: viewer.session.is_some(),
    };
    let window = listing.window;
    let paged = state
        .blocking(move |s| window.fetch(|n, at| s.search_orgs(&filter, n, at)))
        .await?;
    let list = listing.view(&paged, None);
    render(
        &viewer,
        &uri,
        "orgs.html",
        context! {
            q => q.q, kind => q.kind, area => q.area,
            kinds => org_kinds(viewer.lang),
            orgs => paged.rows.into_iter().map(|o| actions::org_view(&viewer, o)).collect::<Vec<_>>(),
            list => list,
        },
    )
}

/// An id from the address; one that is no number names nothing (`missing`).
fn parse_id(raw: &str, missing: impl Fn(&str) -> AppError) -> Result<i64, AppError> {
    raw.parse().map_err(|_| missing(raw))
}

pub async fn org(
    Ctx { state, viewer, uri }: Ctx,
    Path(id): Path<String>,
) -> Result<Html<String>, AppError> {
    let id = parse_id(&id, |raw| no_org(raw))?;
    let org = state
        .blocking(move |s| s.org(lumbung_domain::OrgId::new(id)))
        .await?
        .ok_or_else(|| no_org(id))?;
    let can_edit = viewer
        .user()
        .is_some_and(|u| u.role.can_write(Resource::AreasOrgs) && u.scope.covers(&org.placement));
    render(
        &viewer,
        &uri,
        "org.html",
        context! { org => actions::org_view(&viewer, org), can_edit => can_edit },
    )
}

/// A form's page: as first shown (200), or shown again with what was
/// typed and its field errors beside the inputs (422).
pub(crate) fn form_page(
    viewer: &Viewer,
    uri: &Uri,
    template: &str,
    errors: &FieldErrors,
    ctx: Value,
) -> Result<Response, AppError> {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = render(
        viewer,
        uri,
        template,
        context! { errors => crate::core::forms::shown(errors, viewer.lang), form_error => errors.get(FORM_ERROR).map(|e| e.get(viewer.lang.into())), ..ctx },
    )?;
    Ok((status, page).into_response())
}

fn org_form(
    viewer: &Viewer,
    uri: &Uri,
    action: &str,
    fields: &OrgFields,
    errors: &FieldErrors,
) -> Result<Response, AppError> {
    let ctx = context! { action => action, f => fields, kinds => org_kinds(viewer.lang) };
    form_page(viewer, uri, "org_form.html", errors, ctx)
}

pub async fn org_new(Extension(viewer): Extension<Viewer>, uri: Uri) -> Result<Response, AppError> {
    org_form(
        &viewer,
        &uri,
        "/orgs",
        &OrgFields::default(),
        &FieldErrors::new(),
    )
}

/// Parses the form's attribute lines, then runs `action`; field errors show
/// the form again.
async fn submit_org<F, Fut>(
    viewer: &Viewer,
    uri: &Uri,
    action_path: &str,
    fields: OrgFields,
    action: F,
) -> Result<Response, AppError>
where
    F: FnOnce(OrgFields, BTreeMap<String, String>) -> Fut,
    Fut: std::future::Future<Output = Result<lumbung_store::Org, Failure>>,
{
    let result = match parse_attribute_lines(&fields.attributes) {
        Ok(attributes) => action(fields.clone(), attributes).await,
        Err(e) => Err(Failure::Fields(FieldErrors::from([(
            "attributes".to_owned(),
            e,
        )]))),
    };
    match result {
        Ok(org) => Ok(redirect(&format!("/orgs/{}", org.id))),
        Err(Failure::Fields(errors)) => org_form(viewer, uri, action_path, &fields, &errors),
        Err(Failure::App(e)) => Err(e),
    }
}

pub async fn org_create(
    Ctx { state, viewer, uri }: Ctx,
    Form(fields): Form<OrgFields>,
) -> Result<Response, AppError> {
    submit_org(&viewer, &uri, "/orgs", fields, |f, attrs| {
        let (state, viewer) = (state.clone(), viewer.clone());
        async move { actions::create_org(&state, &viewer, &f, attrs).await }
    })
    .await
}

pub async fn org_edit(
    Ctx { state, viewer, uri }: Ctx,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = parse_id(&id, |raw| no_org(raw))?;
    let org = actions::editable_org(&state, &viewer, id).await?;
    let fields = OrgFields {
        name: org.name,
        kind: org.kind,
        area_code: org.area_code.unwrap_or_default(),
        parent_id: org.parent_id.map(|p| p.to_string()).unwrap_or_default(),
        company_number: org.company_number.unwrap_or_default(),
        npwp: org.npwp.unwrap_or_default(),
        attributes: attribute_lines(&org.attributes),
    };
    let action = format!("/orgs/{id}");
    org_form(&viewer, &uri, &action, &fields, &FieldErrors::new())
}

pub async fn org_update(
    Ctx { state, viewer, uri }: Ctx,
    Path(id): Path<String>,
    Form(fields): Form<OrgFields>,
) -> Result<Response, AppError> {
    let id = parse_id(&id, |raw| no_org(raw))?;
    submit_org(&viewer, &uri, &format!("/orgs/{id}"), fields, |f, attrs| {
        let (state, viewer) = (state.clone(), viewer.clone());
        async move { actions::update_org(&state, &viewer, id, &f, attrs).await }
    })
    .await
}

pub async fn users(Ctx { state, viewer, uri }: Ctx) -> Result<Html<String>, AppError> {
    let scope = viewer.scope();
    let users = state.blocking(move |s| s.users(&scope)).await?;
    render(&viewer, &uri, "users.html", context! { users => users })
}

fn roles(lang: Lang) -> Vec<Value> {
    Role::ALL
        .iter()
        .map(|r| context! { key => r.as_str(), label => lang.t(&format!("role_{}", r.as_str())) })
        .collect()
}

fn user_form(
    viewer: &Viewer,
    uri: &Uri,
    fields: &UserFields,
    errors: &FieldErrors,
) -> Result<Response, AppError> {
    let ctx = context! { f => fields, roles => roles(viewer.lang) };
    form_page(viewer, uri, "user_form.html", errors, ctx)
}

pub async fn user_new(
    Extension(viewer): Extension<Viewer>,
    uri: Uri,
) -> Result<Response, AppError> {
    user_form(&viewer, &uri, &UserFields::default(), &FieldErrors::new())
}

pub async fn user_create(
    Ctx { state, viewer, uri }: Ctx,
    Form(fields): Form<UserFields>,
) -> Result<Response, AppError> {
    match actions::create_user(&state, &viewer, &fields).await {
        Ok(_) => Ok(redirect("/users")),
        Err(Failure::Fields(errors)) => user_form(&viewer, &uri, &fields, &errors),
        Err(Failure::App(e)) => Err(e),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PasswordForm {
    password: String,
    password_confirm: String,
}

fn password_page(
    viewer: &Viewer,
    uri: &Uri,
    user: &lumbung_store::User,
    errors: &FieldErrors,
) -> Result<Response, AppError> {
    let ctx = context! { user => user };
    form_page(viewer, uri, "password_form.html", errors, ctx)
}

pub async fn password_form(
    Ctx { state, viewer, uri }: Ctx,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = parse_id(&id, |raw| no_user(raw))?;
    let user = actions::managed_user(&state, &viewer, id).await?;
    password_page(&viewer, &uri, &user, &FieldErrors::new())
}

pub async fn password_reset(
    Ctx { state, viewer, uri }: Ctx,
    Path(id): Path<String>,
    Form(form): Form<PasswordForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id, |raw| no_user(raw))?;
    let confirm = Some(form.password_confirm.as_str());
    match actions::reset_password(&state, &viewer, id, &form.password, confirm).await {
        Ok(()) => Ok(redirect("/users")),
        Err(Failure::Fields(errors)) => {
            let user = actions::managed_user(&state, &viewer, id).await?;
            password_page(&viewer, &uri, &user, &errors)
        }
        Err(Failure::App(e)) => Err(e),
    }
}

pub async fn audit(
    Ctx { state, viewer, uri }: Ctx,
    listing: Listing<Unsorted>,
) -> Result<Html<String>, AppError> {
    let scope = viewer.scope();
    let window = listing.window;
    let paged = state
        .blocking(move |s| window.fetch(|n, at| s.audit_entries(&scope, n, at)))
        .await?;
    render(
        &viewer,
        &uri,
        "audit.html",
        context! { list => listing.view(&paged, None), entries => paged.rows },
    )
}
