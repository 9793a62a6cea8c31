//! One error type for every handler. It becomes a status code and a
//! message; a middleware ([`render_errors`]) then shows it as a page in
//! the visitor's language or as JSON under `/api/`. Internal causes are
//! logged, never shown.

use crate::i18n::Lang;
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use lumbung_domain::{Language, Text};
use lumbung_store::StoreError;
use schemars::JsonSchema;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not signed in")]
    Unauthenticated,
    #[error("not allowed")]
    Forbidden,
    /// The user's password was set by an admin: nothing else until they
    /// choose their own (`/account/password`).
    #[error("the password must be changed first")]
    PasswordTemporary,
    #[error("the form has expired or did not come from this site")]
    Csrf,
    #[error("not found: {0}")]
    NotFound(Text),
    #[error("{0}")]
    BadRequest(Text),
    #[error("{field}: {message}")]
    Invalid { field: String, message: Text },
    /// An amount above its bound (`max`), or a total that would not fit.
    #[error("{field}: the amount is too large")]
    TooLarge { field: String, max: Option<String> },
    #[error("{0}")]
    Conflict(Text),
    #[error("the database is busy")]
    Busy,
    #[error("the server is busy")]
    Overloaded,
    #[error("too many failed sign-ins; try again in {retry_after} s")]
    TooManyAttempts { retry_after: u64 },
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    pub fn not_found(what: impl Into<Text>) -> Self {
        AppError::NotFound(what.into())
    }

    pub fn bad_request(message: impl Into<Text>) -> Self {
        AppError::BadRequest(message.into())
    }

    pub fn conflict(message: impl Into<Text>) -> Self {
        AppError::Conflict(message.into())
    }

    /// An upload whose parts could not be read (the detail in the HTTP
    /// library's English).
    pub fn unreadable_upload(e: axum::extract::multipart::MultipartError) -> Self {
        AppError::BadRequest(
            lumbung_domain::text!("unreadable_upload", detail = e.body_text();
            id: "unggahan tidak terbaca: {detail}", en: "{detail}"),
        )
    }

    /// A value refused by a rule worded elsewhere in English only (a
    /// domain type's parser): its field, and the rule's words.
    pub fn refused(field: &str, detail: impl std::fmt::Display) -> Self {
        AppError::Invalid {
            field: field.to_owned(),
            message: refused_text(detail),
        }
    }
}

/// The words of a rule written elsewhere in English only, with an
/// Indonesian lead.
pub fn refused_text(detail: impl std::fmt::Display) -> Text {
    lumbung_domain::text!("refused_value", detail = detail.to_string();
        id: "nilai ditolak: {detail}", en: "{detail}")
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => AppError::not_found(what),
            StoreError::Conflict(msg) => AppError::conflict(msg),
            StoreError::Invalid { field, message } => AppError::Invalid { field, message },
            StoreError::TooLarge { field, max } => AppError::TooLarge { field, max },
            StoreError::Rejected(r) => AppError::bad_request(Text::new(
                "rejected",
                vec![("file", r.file.clone())],
                r.in_language(Language::Indonesian),
                r.to_string(),
            )),
            StoreError::Busy | StoreError::Locked { .. } => AppError::Busy,
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<minijinja::Error> for AppError {
    fn from(e: minijinja::Error) -> Self {
        AppError::Internal(format!("template: {e:#}"))
    }
}

impl From<tokio::task::JoinError> for AppError {
    fn from(e: tokio::task::JoinError) -> Self {
        AppError::Internal(format!("task: {e}"))
    }
}

/// The body of every API error ([`crate::error`] writes it for one error,
/// [`crate::core::api::failure`] for invalid fields, each named in `fields`).
#[derive(Serialize, JsonSchema)]
pub struct ApiError {
    pub error: ApiErrorDetail,
}

#[derive(Serialize, JsonSchema)]
pub struct ApiErrorDetail {
    pub code: String,
    pub message: String,
    /// What exactly is wrong (null when nothing more is safe to say).
    pub detail: Option<String>,
    /// The stable code of the detail (`untranslated` while its words
    /// exist in one wording only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail_code: Option<String>,
    /// The values the detail names, by name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub params: Option<BTreeMap<String, String>>,
    /// The field to blame, or null.
    pub field: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<BTreeMap<String, String>>,
}

/// What [`render_errors`] needs to show an error.
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    pub code: &'static str,
    /// The catalogue key of the headline.
    pub title_key: &'static str,
    /// The detail, when it is safe to show.
    pub detail: Option<Text>,
    /// A catalogue key shown before the detail (in the visitor's language).
    pub detail_key: Option<&'static str>,
    pub field: Option<String>,
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::Csrf | AppError::PasswordTemporary => {
                StatusCode::FORBIDDEN
            }
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Invalid { .. } | AppError::TooLarge { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Busy | AppError::Overloaded => StatusCode::SERVICE_UNAVAILABLE,
            AppError::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn info(&self) -> ErrorInfo {
        let (code, title_key) = match self {
            AppError::Unauthenticated => ("unauthenticated", "error_unauthenticated"),
            AppError::Forbidden => ("forbidden", "error_forbidden"),
            AppError::PasswordTemporary => ("password_temporary", "error_password_temporary"),
            AppError::Csrf => ("csrf", "error_csrf"),
            AppError::NotFound(_) => ("not_found", "error_not_found"),
            AppError::BadRequest(_) => ("bad_request", "error_bad_request"),
            AppError::Invalid { .. } => ("invalid", "error_invalid"),
            AppError::TooLarge { .. } => ("too_large", "error_too_large"),
            AppError::Conflict(_) => ("conflict", "error_conflict"),
            AppError::Busy => ("busy", "error_busy"),
            AppError::Overloaded => ("overloaded", "error_overloaded"),
            AppError::TooManyAttempts { .. } => ("too_many_attempts", "error_too_many_attempts"),
            AppError::MethodNotAllowed => ("method_not_allowed", "error_method_not_allowed"),
            AppError::Internal(_) => ("internal", "error_internal"),
        };
        let detail = match self {
            AppError::NotFound(d) | AppError::BadRequest(d) | AppError::Conflict(d) => {
                Some(d.clone())
            }
            AppError::Invalid { message, .. } => Some(message.clone()),
            AppError::TooLarge { max, .. } => {
                Some(Text::verbatim("amount", max.clone().unwrap_or_default()))
            }
            _ => None,
        };
        let detail_key = match self {
            AppError::TooLarge { max: Some(_), .. } => Some("error_too_large_max"),
            AppError::TooLarge { max: None, .. } => Some("error_too_large_total"),
            _ => None,
        };
        let field = match self {
            AppError::Invalid { field, .. } | AppError::TooLarge { field, .. } => {
                Some(field.clone())
            }
            _ => None,
        };
        ErrorInfo {
            code,
            title_key,
            detail,
            detail_key,
            field,
        }
    }
}

/// When to come back after a 503 for a full server, in seconds.
const OVERLOADED_RETRY_AFTER: u64 = 2;

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(cause) = &self {
            tracing::error!(%cause, "request failed");
        }
        let mut response = self.status().into_response();
        let retry_after = match &self {
            AppError::Overloaded => Some(OVERLOADED_RETRY_AFTER),
            AppError::TooManyAttempts { retry_after } => Some(*retry_after),
            _ => None,
        };
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, seconds.into());
        }
        response.extensions_mut().insert(self.info());
        response
    }
}

/// Turns every error response into a page or JSON: ours (marked with
/// [`ErrorInfo`]) and the plain-text ones of axum's extractors, so that bad
/// input never meets a bare status line.
pub async fn render_errors(
    State(state): State<crate::AppState>,
    request: Request,
    next: Next,
) -> Response {
    let api = request.uri().path().starts_with("/api/");
    let replayable = request.method() == axum::http::Method::GET;
    let lang = crate::i18n::lang_of(request.headers());
    let path = request
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "/".into());
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let retry_after = response.headers().get(header::RETRY_AFTER).cloned();
    let mut rendered = rendered(&state, response, api, replayable, lang, &path).await;
    if let Some(v) = retry_after {
        rendered.headers_mut().insert(header::RETRY_AFTER, v);
    }
    rendered
}

async fn rendered(
    state: &crate::AppState,
    response: Response,
    api: bool,
    replayable: bool,
    lang: Lang,
    path: &str,
) -> Response {
    let status = response.status();
    // The guard leaves the visitor here: the page keeps its header.
    let visitor = response.extensions().clone();
    let info = match response.extensions().get::<ErrorInfo>() {
        Some(info) => info.clone(),
        None if is_plain(&response) => {
            let body = axum::body::to_bytes(response.into_body(), 64 * 1024)
                .await
                .unwrap_or_default();
            let (code, title_key) = if status == StatusCode::NOT_FOUND {
                ("not_found", "error_not_found")
            } else if status == StatusCode::METHOD_NOT_ALLOWED {
                ("method_not_allowed", "error_method_not_allowed")
            } else if status.is_server_error() {
                ("internal", "error_internal")
            } else {
                ("bad_request", "error_bad_request")
            };
            ErrorInfo {
                code,
                title_key,
                detail: Some(String::from_utf8_lossy(&body).into_owned())
                    .filter(|d| !d.is_empty() && status.is_client_error())
                    .map(|d| Text::verbatim("extractor", d)),
                detail_key: None,
                field: None,
            }
        }
        None => return response,
    };
    if api {
        return (status, axum::Json(api_error(info))).into_response();
    }
    if status == StatusCode::UNAUTHORIZED {
        let next = if replayable {
            urlencode(path)
        } else {
            "/".to_owned()
        };
        return Redirect::to(&format!("/login?next={next}")).into_response();
    }
    match state.error_page(lang, status, &info, &visitor, path) {
        Ok(html) => (status, axum::response::Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "error page failed");
            (status, Lang::En.t(info.title_key)).into_response()
        }
    }
}

/// The API's error body: in English, with the detail's code and values for
/// programs that word it themselves.
fn api_error(info: ErrorInfo) -> ApiError {
    let detail = info.detail.as_ref();
    ApiError {
        error: ApiErrorDetail {
            code: info.code.to_owned(),
            message: Lang::En.t(info.title_key).to_owned(),
            detail: match info.detail_key {
                Some(k) => Some(
                    format!("{} {}", Lang::En.t(k), detail.map_or("", |d| d.english()))
                        .trim_end()
                        .to_owned(),
                ),
                None => detail.map(|d| d.english().to_owned()),
            },
            detail_code: detail.map(|d| d.code().to_owned()),
            params: detail.filter(|d| !d.params().is_empty()).map(|d| {
                d.params()
                    .iter()
                    .map(|(name, value)| ((*name).to_owned(), value.clone()))
                    .collect()
            }),
            field: info.field,
            fields: None,
        },
    }
}

fn is_plain(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|ct| ct.starts_with("text/plain"))
}

/// Percent-encodes a path for a query value.
pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
