//! Running the web server: bind first, tell the caller the real address,
//! then serve until the process is stopped.

use crate::shared::{said, Db};
use anyhow::{Context, Result};
use clap::builder::FalseyValueParser;
use clap::{ArgAction, Args};
use lumbung_domain::text;
use lumbung_store::Store;
use lumbung_web::WebConfig;
use std::net::SocketAddr;

#[derive(Debug, Args)]
pub struct ListenArgs {
    /// The address to listen on (port 0 picks a free port; the real address is printed)
    #[arg(
        long,
        env = "LUMBUNG_ADDR",
        default_value = "127.0.0.1:8080",
        value_name = "IP:PORT"
    )]
    pub addr: SocketAddr,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub listen: ListenArgs,

    /// Mark cookies Secure: set this when Lumbung is reached over HTTPS (e.g. behind a TLS proxy)
    #[arg(
        long,
        env = "LUMBUNG_SECURE_COOKIES",
        action = ArgAction::SetTrue,
        value_parser = FalseyValueParser::new()
    )]
    pub secure_cookies: bool,

    #[command(flatten)]
    pub proxy: ProxyArgs,

    /// The smallest count the public self-mapping pages show (default 5): an RT with a smaller
    /// count, or one that leaves fewer of its total, is withheld and left out of every total
    #[arg(long, env = "LUMBUNG_PUBLIC_MIN_CELL", value_name = "N",
        value_parser = clap::value_parser!(u64).range(2..))]
    pub public_min_cell: Option<u64>,

    /// A read replica of the PostgreSQL database (a hot standby's postgres:// URL): public pages and reports read there, everything else on --db; what it does not hold yet is read from --db
    #[arg(long, env = "LUMBUNG_READ_DB", value_name = "URL")]
    pub read_db: Option<String>,
}

/// What sits in front of the server (docs/security.md).
#[derive(Debug, Args)]
pub struct ProxyArgs {
    /// A reverse proxy is in front: take the client's address (for the sign-in limits) from the last X-Forwarded-For entry instead of the socket
    #[arg(
        long,
        env = "LUMBUNG_BEHIND_PROXY",
        action = ArgAction::SetTrue,
        value_parser = FalseyValueParser::new()
    )]
    pub behind_proxy: bool,

    /// A TLS-terminating proxy is in front: as --behind-proxy, plus Secure cookies and Strict-Transport-Security
    #[arg(
        long,
        env = "LUMBUNG_BEHIND_TLS_PROXY",
        action = ArgAction::SetTrue,
        value_parser = FalseyValueParser::new()
    )]
    pub behind_tls_proxy: bool,
}

/// `lumbung serve`.
pub fn run(db: &Db, args: ServeArgs) -> Result<()> {
    let store = db.open()?;
    let read_replica = match args.read_db.as_deref() {
        Some(url) => Some(read_replica(&store, url)?),
        None => None,
    };
    let config = WebConfig {
        read_replica,
        secure_cookies: args.secure_cookies,
        behind_proxy: args.proxy.behind_proxy,
        behind_tls_proxy: args.proxy.behind_tls_proxy,
        public_min_cell: args.public_min_cell,
        ..Default::default()
    };
    listen(store, args.listen.addr, config, announce)
}

/// The read replica `url` names, of the PostgreSQL database `primary`.
fn read_replica(primary: &Store, url: &str) -> Result<Store> {
    if primary.backend()? != lumbung_store::Backend::Postgres {
        return Err(said(text!("read_db_needs_postgres";
            id: "--read-db: replika baca hanya untuk basis data PostgreSQL; --db menunjuk sebuah berkas",
            en: "--read-db: a read replica is for a PostgreSQL database; --db names a file")));
    }
    Ok(Store::open_replica(url)?.with_clock(primary.clock()))
}

/// Binds `addr`, calls `on_bound` with the bound address (port 0 becomes a
/// real port), then serves `store` until the process is stopped.
pub fn listen(
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
