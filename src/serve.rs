//! Running the web server: bind first, tell the caller the real address,
//! then serve until the process is stopped.

use anyhow::{Context, Result};
use lumbung_store::Store;
use lumbung_web::WebConfig;
use std::net::SocketAddr;

/// Binds `addr`, calls `on_bound` with the bound address (port 0 becomes a
/// real port), then serves `store` until the process is stopped.
pub fn run(
    store: Store,
    addr: SocketAddr,
    config: WebConfig,
    on_bound: impl FnOnce(SocketAddr),
) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let listener = lumbung_web::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr}"))?;
        let bound = listener
            .local_addr()
            .context("cannot read the bound address")?;
        on_bound(bound);
        tracing::info!(%bound, db = %store.path().display(), "serving");
        lumbung_web::serve(store, config, listener)
            .await
            .context("the web server stopped")
    })
}

/// The line `serve` and `demo` print once they listen.
pub fn announce(bound: SocketAddr) {
    use std::io::Write;
    println!("Lumbung is serving http://{bound}/");
    let _ = std::io::stdout().flush();
}
