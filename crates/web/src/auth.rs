//! Who is asking: sessions (cookie or bearer token), the route guard and
//! CSRF protection. One middleware does all three before any handler runs,
//! so a handler cannot forget them.

use crate::csrf::CSRF_FIELD;
use crate::error::AppError;
use crate::headers::cookie;
use crate::i18n::lang_of;
use crate::i18n::Lang;
use crate::spec::Need;
use crate::AppState;
use axum::body::Body;
use axum::extract::{FromRequestParts, MatchedPath, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, Method, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use lumbung_domain::{Placement, Resource, Scope};
use lumbung_store::{SessionUser, User};
use std::net::{IpAddr, SocketAddr};

pub const SESSION_COOKIE: &str = "lumbung_session";
/// The double-submit token of the sign-in form, before there is a session.
pub const LOGIN_CSRF_COOKIE: &str = "lumbung_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";
const MAX_FORM_BYTES: usize = 1024 * 1024;

/// The visitor of one request, available to every handler as an extension.
#[derive(Clone, Debug)]
pub struct Viewer {
    pub session: Option<SessionUser>,
    /// The raw session token, to end the session on sign-out.
    pub token: Option<String>,
    pub lang: Lang,
    /// The client's address: the socket's peer, or what a trusted proxy
    /// forwarded (`None` when neither is known).
    pub address: Option<IpAddr>,
}

impl Viewer {
    pub fn user(&self) -> Option<&User> {
        self.session.as_ref().map(|s| &s.user)
    }

    pub fn require(&self) -> Result<&User, AppError> {
        self.user().ok_or(AppError::Unauthenticated)
    }

    /// Fails unless the user may write `resource` where `placement` is.
    pub fn require_write_at(
        &self,
        resource: Resource,
        placement: &Placement,
    ) -> Result<&User, AppError> {
        let user = self.require()?;
        if user.role.can_write(resource) && user.scope.covers(placement) {
            Ok(user)
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// Whether the viewer decides about the one supplier catalogue of all
    /// anchors (a decision changes figures wherever the supplier was
    /// paid): a writer of spend whose scope is the whole system.
    pub fn decides_catalogue(&self) -> bool {
        self.user()
            .is_some_and(|u| u.role.can_write(Resource::Spend) && u.scope == Scope::Global)
    }

    pub fn scope(&self) -> Scope {
        self.user()
            .map(|u| u.scope.clone())
            .unwrap_or(Scope::Global)
    }

    pub fn actor(&self) -> Result<lumbung_store::Actor, AppError> {
        let user = self.require()?;
        Ok(lumbung_store::Actor::User {
            id: user.id.get(),
            username: user.username.clone(),
        })
    }
}

/// What every handler starts from: the app's state, the visitor (the
/// guard's [`Viewer`]) and the address asked for.
#[derive(Clone)]
pub struct Ctx {
    pub state: AppState,
    pub viewer: Viewer,
    pub uri: Uri,
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let viewer = parts
            .extensions
            .get::<Viewer>()
            .cloned()
            .ok_or_else(|| AppError::Internal("the guard left no viewer".into()))?;
        Ok(Ctx {
            state: state.clone(),
            viewer,
            uri: parts.uri.clone(),
        })
    }
}

/// What an address names by its one parameter (`/fund/ksm/{id}`,
/// `/election/{id}`, …), found only within the viewer's scope.
pub trait Named: Sized + Send + 'static {
    fn find(
        state: &AppState,
        viewer: &Viewer,
        raw: &str,
    ) -> impl std::future::Future<Output = Result<Self, AppError>> + Send;
}

/// What the address names, when the viewer's scope covers it; otherwise
/// not found (its existence is not told).
pub struct InScope<T>(pub T);

impl<T: Named> FromRequestParts<AppState> for InScope<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let axum::extract::Path(raw) =
            axum::extract::Path::<String>::from_request_parts(parts, state)
                .await
                .map_err(IntoResponse::into_response)?;
        let ctx = Ctx::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        T::find(state, &ctx.viewer, &raw)
            .await
            .map(InScope)
            .map_err(IntoResponse::into_response)
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
}

/// The client's address: with a trusted proxy in front, the last address
/// of the last `X-Forwarded-For` (the one the proxy appended; earlier ones
/// are the client's to invent); otherwise the socket's peer.
fn client_address(state: &AppState, parts: &axum::http::request::Parts) -> Option<IpAddr> {
    let forwarded = state
        .config
        .trusts_forwarded_for()
        .then(|| parts.headers.get_all("x-forwarded-for").iter().next_back())
        .flatten()
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .and_then(|a| a.trim().parse().ok());
    forwarded.or_else(|| {
        parts
            .extensions
            .get::<axum::extract::ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
    })
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The `csrf` parameter of the query string, which older upload clients
/// send (see [`crate::csrf`]).
fn query_token(parts: &axum::http::request::Parts) -> Option<String> {
    let pairs = serde_urlencoded::from_str::<Vec<(String, String)>>(parts.uri.query()?).ok()?;
    pairs
        .into_iter()
        .find(|(k, _)| k == CSRF_FIELD)
        .map(|(_, v)| v)
}

/// Where a user chooses their own password (`core::account`).
pub const OWN_PASSWORD_PAGE: &str = "/account/password";

/// What a user whose password an admin set may do before choosing their
/// own: choose it, see who they are, sign out.
const BEFORE_OWN_PASSWORD: [&str; 5] = [
    OWN_PASSWORD_PAGE,
    "/api/v1/me/password",
    "/api/v1/me",
    "/api/v1/session",
    "/logout",
];

/// For a user whose password is temporary (an admin set it), any page but
/// those of [`BEFORE_OWN_PASSWORD`] and the public ones: a page leads to
/// the form that changes it; anything else is refused, saying why.
fn password_first(viewer: &Viewer, parts: &Parts, matched: &str, need: Need) -> Option<Response> {
    let user = viewer.user().filter(|u| u.password_temporary)?;
    if matches!(need, Need::Public) || BEFORE_OWN_PASSWORD.contains(&matched) {
        return None;
    }
    if parts.method == Method::GET && !matched.starts_with("/api/") {
        return Some(axum::response::Redirect::to(OWN_PASSWORD_PAGE).into_response());
    }
    tracing::info!(user = %user.username, path = %matched, "refused until the password is changed");
    Some(AppError::PasswordTemporary.into_response())
}

/// Resolves the visitor, enforces the route's declared need, and checks the
/// CSRF token of every state-changing request that rides on a cookie.
pub async fn guard(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Result<Response, AppError> {
    let (parts, body) = request.into_parts();
    let viewer = resolve(&state, &parts).await?;
    // Error pages render for the same visitor: signed in, they keep the
    // signed-in header (`AppState::error_page` reads it back).
    let mut response = match checked(&state, parts, body, viewer.clone(), next).await {
        Ok(response) => response,
        Err(e) => e.into_response(),
    };
    response.extensions_mut().insert(viewer);
    Ok(response)
}

/// Who asks: the session of the bearer token or cookie, the language, the
/// address.
pub async fn resolve(state: &AppState, parts: &Parts) -> Result<Viewer, AppError> {
    let via_bearer = bearer(&parts.headers).map(str::to_owned);
    let token = via_bearer.or_else(|| cookie(&parts.headers, SESSION_COOKIE).map(str::to_owned));
    let session = match token.clone() {
        Some(token) => state.blocking(move |s| s.session_user(&token)).await?,
        None => None,
    };
    Ok(Viewer {
        session,
        token,
        lang: lang_of(&parts.headers),
        address: client_address(state, parts),
    })
}

/// The route's permission and the CSRF token, then the handler.
async fn checked(
    state: &AppState,
    mut parts: Parts,
    body: Body,
    viewer: Viewer,
    next: Next,
) -> Result<Response, AppError> {
    let via_bearer = bearer(&parts.headers).map(str::to_owned);

    let matched = parts
        .extensions
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_default();
    // A path that exists with other methods only: axum answers 405 after
    // this layer, so there is nothing to guard.
    let Some(spec) = (state.declared)(&parts.method, &matched) else {
        return Err(AppError::MethodNotAllowed);
    };
    match spec.need {
        Need::Public => {}
        Need::SignedIn => {
            viewer.require()?;
        }
        Need::Read(resource) => {
            if !viewer.require()?.role.can_read(resource) {
                return Err(AppError::Forbidden);
            }
        }
        Need::Write(resource) => {
            if !viewer.require()?.role.can_write(resource) {
                return Err(AppError::Forbidden);
            }
        }
    }

    if let Some(refused) = password_first(&viewer, &parts, &matched, spec.need) {
        return Ok(refused);
    }

    let unsafe_method = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
    let body = if unsafe_method && via_bearer.is_none() && !spec.csrf_exempt {
        let expected = match &viewer.session {
            Some(s) => Some(s.csrf_token.clone()),
            None => cookie(&parts.headers, LOGIN_CSRF_COOKIE).map(str::to_owned),
        };
        let header_token = parts
            .headers
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let content_type = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let (given, body) = if content_type.starts_with("application/x-www-form-urlencoded") {
            let bytes = axum::body::to_bytes(body, MAX_FORM_BYTES)
                .await
                .map_err(|_| {
                    AppError::bad_request(lumbung_domain::text!("form_too_large";
                    id: "formulirnya terlalu besar", en: "form too large"))
                })?;
            let field = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
                .ok()
                .and_then(|pairs| {
                    pairs
                        .into_iter()
                        .find(|(k, _)| k == CSRF_FIELD)
                        .map(|(_, v)| v)
                });
            (header_token.or(field), Body::from(bytes))
        } else if header_token.is_none() && content_type.starts_with("multipart/form-data") {
            // Uploads: the forms send the token as their first part. The
            // query string (`?csrf=`) is still taken from older clients,
            // but nothing this app serves puts it there.
            let (field, body) = crate::csrf::multipart_token(&content_type, body).await;
            (field.or_else(|| query_token(&parts)), body)
        } else {
            (header_token, body)
        };
        match (expected, given) {
            (Some(e), Some(g)) if !e.is_empty() && constant_time_eq(&e, &g) => {}
            _ => return Err(AppError::Csrf),
        }
        body
    } else {
        body
    };

    parts.extensions.insert(viewer);
    Ok(next.run(Request::from_parts(parts, body)).await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, "a=1; lumbung_lang=en; b=2".parse().unwrap());
        assert_eq!(cookie(&headers, "lumbung_lang"), Some("en"));
        assert_eq!(lang_of(&headers), Lang::En);
        assert_eq!(cookie(&headers, "c"), None);
        assert_eq!(lang_of(&HeaderMap::new()), Lang::Id);
    }

    #[test]
    fn token_comparison() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "ab"));
    }
}
