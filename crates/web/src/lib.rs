//! The web app and JSON API: axum routes, templates, message catalogues,
//! sessions and CSRF. Holds no business rules: it parses requests into
//! domain types, calls the store and renders what comes back.

use lumbung_store::Store;
use std::net::SocketAddr;

/// Settings of the web server.
#[derive(Debug, Clone, Default)]
pub struct WebConfig {
    /// Mark cookies `Secure` (set when Lumbung is served over HTTPS, e.g.
    /// behind a TLS proxy).
    pub secure_cookies: bool,
}

/// Serves the app on `listener` until the process is stopped.
pub async fn serve(store: Store, config: WebConfig, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    let _ = (store, config, listener);
    todo!()
}

/// Binds `addr`, for callers that do not hold a listener yet.
pub async fn bind(addr: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr).await
}
