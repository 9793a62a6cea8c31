//! The web app and JSON API: axum routes, templates, message catalogues,
//! sessions and CSRF. Holds no business rules: it parses requests into
//! domain types, calls the store and renders what comes back.

mod auth;
mod charts;
mod community;
mod core;
mod csrf;
mod edge;
mod election;
mod error;
mod fund;
mod gate;
mod headers;
mod i18n;
mod listing;
mod partnerships;
mod procurement;
mod programme;
mod render;
mod replica;
pub mod routes;
mod spec;
mod spend;
mod templates;
mod work;

pub use auth::{CSRF_HEADER, LOGIN_CSRF_COOKIE, SESSION_COOKIE};
pub use csrf::CSRF_FIELD;
pub use i18n::LANG_COOKIE;

/// The OpenAPI document served at `/api/v1/openapi.json`.
pub fn openapi_document() -> serde_json::Value {
    routes::openapi::document()
}

use axum::http::StatusCode;
use axum::Router;
use error::{AppError, ErrorInfo};
use i18n::Lang;
use lumbung_store::Store;
use std::net::SocketAddr;
use std::sync::Arc;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

/// Settings of the web server.
#[derive(Debug, Clone, Default)]
pub struct WebConfig {
    /// Mark cookies `Secure` (set when Lumbung is served over HTTPS, e.g.
    /// behind a TLS proxy).
    pub secure_cookies: bool,
    /// A proxy in front forwards the client's address in
    /// `X-Forwarded-For` (the last address in it is the one the proxy saw);
    /// otherwise the header is ignored and the socket's peer counts.
    pub behind_proxy: bool,
    /// A TLS-terminating proxy is in front: cookies are `Secure`, pages
    /// send `Strict-Transport-Security`, and `X-Forwarded-For` is trusted.
    pub behind_tls_proxy: bool,
    /// The smallest count public mapping pages show (`None`: the default,
    /// `lumbung_community::mapping::MIN_PUBLIC_CELL`).
    pub public_min_cell: Option<u64>,
    /// How long a request may wait for a free database connection (or a
    /// public report for its turn) before the server answers 503 (`None`:
    /// [`gate::MAX_WAIT`]).
    pub queue_wait: Option<std::time::Duration>,
    /// How many long pieces of work (a payment file read for its preview
    /// or imported, a KoBo export imported) run at once, each holding a
    /// database connection for seconds or minutes; others wait their turn
    /// as a request waits for a connection (`None`: half the store's
    /// connections, at least one, so that no one account's imports take
    /// every connection from everyone else's pages; `Some(0)`: none).
    pub long_work: Option<usize>,
    /// A read replica of the database ([`Store::open_replica`]): public
    /// pages and reports read there, everything else on the primary.
    pub read_replica: Option<Store>,
}

impl WebConfig {
    /// Whether visitors reach the server over HTTPS.
    pub fn https(&self) -> bool {
        self.secure_cookies || self.behind_tls_proxy
    }

    fn trusts_forwarded_for(&self) -> bool {
        self.behind_proxy || self.behind_tls_proxy
    }
}

#[derive(Clone)]
pub struct AppState {
    store: Store,
    config: WebConfig,
    /// One permit per pooled connection: store work waits here, on the
    /// async side, never in the pool on a blocking thread.
    gate: gate::Gate,
    replica: Option<Arc<replica::Replica>>,
    /// Password checks running at once (one per core).
    hashing: gate::Gate,
    /// City-wide reports computed for anonymous visitors (the fund's
    /// health figures), one at a time: a crowd of them waits here, and
    /// signed-in users keep the rest of the gate.
    public_reports: gate::Gate,
    /// Searches that may take seconds of one core (the investment pools'
    /// exact grouping), one at a time: without a turn, a few hundred
    /// requests abandoned at once took every core and gigabytes.
    searches: gate::Gate,
    /// Long work's turns ([`WebConfig::long_work`]): taken before the
    /// store's gate, so that it never holds more than its share of it.
    long_work: gate::Gate,
    /// The public health figures being computed, by day: visitors asking
    /// for the same day meanwhile share the one computation.
    public_health: Arc<gate::Shared<jiff::civil::Date, Arc<lumbung_fund::report::FundReport>>>,
    /// Complaints filed from the public form, per address.
    complaint_filings: crate::core::signin::Limit,
    /// Tracking codes looked up, per address (a code cannot be guessed).
    complaint_lookups: crate::core::signin::Limit,
    /// The declared route of a method and path ([`routes::spec`]), handed to
    /// the guard so that it needs no import of the table.
    declared: fn(&axum::http::Method, &str) -> Option<&'static spec::Route>,
}

impl AppState {
    /// Runs blocking store work off the async threads, so a long query
    /// never stalls other requests.
    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Store) -> Result<T, lumbung_store::StoreError> + Send + 'static,
    ) -> Result<T, AppError> {
        Ok(self.run(work).await??)
    }

    /// The one way to the store: waits for a permit of the gate (503 when
    /// the queue is full or the wait too long), then runs `work` on a
    /// blocking thread holding the permit, so that at most as many tasks
    /// as the pool has connections ask it for one.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Store) -> T + Send + 'static,
    ) -> Result<T, AppError> {
        let permit = self.gate.admit().await?;
        let store = self.store.clone();
        Ok(tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work(&store)
        })
        .await?)
    }

    /// [`AppState::blocking`] for long work: it first waits for a turn of
    /// [`WebConfig::long_work`] (503 when the queue is full or the wait
    /// too long).
    async fn blocking_long<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Store) -> Result<T, lumbung_store::StoreError> + Send + 'static,
    ) -> Result<T, AppError> {
        let turn = self.long_work.admit().await?;
        self.blocking(move |s| {
            let _turn = turn;
            work(s)
        })
        .await
    }

    /// [`AppState::blocking`] for reads that may lag the primary by a
    /// moment (public pages and reports): on the read replica when there
    /// is one ([`replica::Replica::read`]), else on the primary.
    async fn reading<T: Send + 'static>(
        &self,
        work: impl Fn(&Store) -> Result<T, lumbung_store::StoreError> + Send + Sync + 'static,
    ) -> Result<T, AppError> {
        match &self.replica {
            Some(replica) => replica.read(self, work, |_| false).await,
            None => self.blocking(work).await,
        }
    }

    /// [`AppState::reading`] of one thing by its id: what the replica does
    /// not hold (yet) is looked for on the primary.
    async fn reading_one<T: Send + 'static>(
        &self,
        work: impl Fn(&Store) -> Result<Option<T>, lumbung_store::StoreError> + Send + Sync + 'static,
    ) -> Result<Option<T>, AppError> {
        match &self.replica {
            Some(replica) => replica.read(self, work, Option::is_none).await,
            None => self.blocking(work).await,
        }
    }

    fn error_page(
        &self,
        lang: Lang,
        status: StatusCode,
        info: &ErrorInfo,
        visitor: &axum::http::Extensions,
        path: &str,
    ) -> Result<String, minijinja::Error> {
        let layout = match (
            visitor.get::<auth::Viewer>(),
            path.parse::<axum::http::Uri>(),
        ) {
            (Some(viewer), Ok(uri)) => render::common(viewer, &uri),
            _ => minijinja::context! { me => (), path => "/" },
        };
        templates::render(
            "error.html",
            lang,
            layout,
            minijinja::context! {
                status => status.as_u16(),
                title_key => info.title_key,
                detail => info.detail.as_ref().map(|d| d.get(lang.into())),
                detail_key => info.detail_key,
                field => info.field,
            },
        )
    }
}

/// An address no route answers: not found, for the visitor as signed in
/// (the guard, which resolves the visitor, guards routes only).
async fn unknown_page(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let (parts, _) = request.into_parts();
    let mut response =
        AppError::not_found(lumbung_domain::text!("page"; id: "halaman", en: "page"))
            .into_response();
    if let Ok(viewer) = auth::resolve(&state, &parts).await {
        response.extensions_mut().insert(viewer);
    }
    response
}

/// The whole app: every route of [`routes::all`] behind the guard, a
/// 404 for everything else, errors rendered for people or programs.
pub fn app(store: Store, config: WebConfig) -> Router {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let connections = store.max_connections();
    let replica = config.read_replica.clone().map(|store| {
        let wait = config.queue_wait.unwrap_or(gate::MAX_WAIT);
        Arc::new(replica::Replica::new(store, wait))
    });
    let state = AppState {
        replica,
        gate: gate::Gate::new(
            connections,
            64 * connections,
            config.queue_wait.unwrap_or(gate::MAX_WAIT),
        ),
        hashing: gate::Gate::new(cores, 64 * cores, gate::MAX_WAIT),
        // One public report at a time, as many waiting as one connection's
        // share of the store's queue, with the same wait: a crowd of
        // dashboards waits its turn rather than being turned away.
        public_reports: gate::Gate::new(1, 64, config.queue_wait.unwrap_or(gate::MAX_WAIT)),
        searches: gate::Gate::new(1, 16, config.queue_wait.unwrap_or(gate::MAX_WAIT)),
        long_work: gate::Gate::new(
            config.long_work.unwrap_or((connections / 2).max(1)),
            64,
            config.queue_wait.unwrap_or(gate::MAX_WAIT),
        ),
        public_health: Default::default(),
        complaint_filings: crate::core::signin::Limit::new(
            "complaints.filed",
            programme::complaints::FILINGS_PER_HOUR,
            std::time::Duration::from_secs(3600),
        ),
        complaint_lookups: crate::core::signin::Limit::new(
            "complaints.tracked",
            programme::complaints::LOOKUPS_PER_MINUTE,
            std::time::Duration::from_secs(60),
        ),
        declared: routes::spec,
        store,
        config,
    };
    let mut router: Router<AppState> = Router::new();
    for r in routes::all() {
        router = router.route(r.path, (r.handler)());
    }
    router
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::guard,
        ))
        .fallback(unknown_page)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            error::render_errors,
        ))
        .layer(CatchPanicLayer::new())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            headers::security_headers,
        ))
        // The span names the path only: a query string may carry a token
        // (older upload clients send `?csrf=`), which must not be logged.
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &axum::extract::Request| {
                tracing::debug_span!(
                    "request",
                    method = %req.method(),
                    path = %req.uri().path(),
                    version = ?req.version(),
                )
            }),
        )
        .with_state(state)
}

/// Serves the app on `listener` until the process is stopped.
pub async fn serve(
    store: Store,
    config: WebConfig,
    listener: tokio::net::TcpListener,
) -> std::io::Result<()> {
    // The peer's address reaches the guard (the sign-in limit counts it).
    axum::serve(
        listener,
        app(store, config).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .await
}

/// Binds `addr`, for callers that do not hold a listener yet.
pub async fn bind(addr: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr).await
}
