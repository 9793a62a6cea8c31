//! The web app and JSON API: axum routes, templates, message catalogues,
//! sessions and CSRF. Holds no business rules: it parses requests into
//! domain types, calls the store and renders what comes back.

mod actions;
mod api;
mod auth;
mod charts;
mod community;
mod election;
mod error;
mod forms;
mod fund;
mod fund_books;
mod i18n;
mod openapi;
mod pages;
pub mod routes;
mod spend;
mod spend_import;
mod templates;

pub use auth::{CSRF_FIELD, CSRF_HEADER, LOGIN_CSRF_COOKIE, SESSION_COOKIE};
pub use i18n::LANG_COOKIE;

use axum::http::StatusCode;
use axum::Router;
use error::{AppError, ErrorInfo};
use i18n::Lang;
use lumbung_store::Store;
use std::net::SocketAddr;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

/// Settings of the web server.
#[derive(Debug, Clone, Default)]
pub struct WebConfig {
    /// Mark cookies `Secure` (set when Lumbung is served over HTTPS, e.g.
    /// behind a TLS proxy).
    pub secure_cookies: bool,
    /// The smallest count public mapping pages show (`None`: the default,
    /// `lumbung_community::mapping::MIN_PUBLIC_CELL`).
    pub public_min_cell: Option<u64>,
}

#[derive(Clone)]
pub struct AppState {
    store: Store,
    config: WebConfig,
    uploads: spend_import::Uploads,
}

impl AppState {
    /// Runs blocking store work off the async threads, so a long query
    /// never stalls other requests.
    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Store) -> Result<T, lumbung_store::StoreError> + Send + 'static,
    ) -> Result<T, AppError> {
        let store = self.store.clone();
        Ok(tokio::task::spawn_blocking(move || work(&store)).await??)
    }

    fn error_page(
        &self,
        lang: Lang,
        status: StatusCode,
        info: &ErrorInfo,
    ) -> Result<String, minijinja::Error> {
        templates::render(
            "error.html",
            lang,
            minijinja::context! { me => (), path => "/" },
            minijinja::context! {
                status => status.as_u16(),
                title_key => info.title_key,
                detail => info.detail,
                detail_key => info.detail_key,
                field => info.field,
            },
        )
    }
}

/// The whole app: every route of [`routes::ROUTES`] behind the guard, a
/// 404 for everything else, errors rendered for people or programs.
pub fn app(store: Store, config: WebConfig) -> Router {
    let state = AppState {
        store,
        config,
        uploads: Default::default(),
    };
    let mut router: Router<AppState> = Router::new();
    for r in routes::ROUTES {
        router = router.route(r.path, (r.handler)());
    }
    router
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::guard,
        ))
        .fallback(|| async { AppError::NotFound("page".into()) })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            error::render_errors,
        ))
        .layer(CatchPanicLayer::new())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves the app on `listener` until the process is stopped.
pub async fn serve(
    store: Store,
    config: WebConfig,
    listener: tokio::net::TcpListener,
) -> std::io::Result<()> {
    axum::serve(listener, app(store, config)).await
}

/// Binds `addr`, for callers that do not hold a listener yet.
pub async fn bind(addr: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr).await
}
