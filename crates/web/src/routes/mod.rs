//! Every route with the permission it needs. The router is built from this
//! table, so no route exists without a declared need; the guard
//! ([`crate::auth::guard`]) enforces it and a test walks it. Each entry is
//! one line, `r!(METHOD "/path", need, handler, "summary")`; what a route
//! declares is in [`crate::spec`], which imports no handler. The table
//! sits above every feature: nothing but `lib.rs` imports it.

pub mod openapi;

use crate::community::routes::ROUTES as COMMUNITY;
use crate::core::routes::ROUTES as CORE;
use crate::procurement::routes::ROUTES as PROCUREMENT;
use crate::spec::r;
pub use crate::spec::{Answer, Need, Route};
use crate::spend::routes::ROUTES as SPEND;
use crate::work::routes::ROUTES as HOME;
use axum::http::Method;

use Need::Public;

/// Every route, one table per feature: its folder may own its table.
pub static TABLES: &[&[Route]] = &[
    DOCUMENT,
    HOME,
    CORE,
    SPEND,
    PROCUREMENT,
    PROGRAMME,
    FUND,
    COMMUNITY,
    ELECTION,
    PARTNERSHIPS,
];

/// The API's own description, made from the table.
#[rustfmt::skip]
static DOCUMENT: &[Route] = &[
    r!(GET "/api/v1/openapi.json", Public, openapi::serve, "This document").answers(openapi::ANSWERS),
];

/// Every route of every table.
pub fn all() -> impl Iterator<Item = &'static Route> {
    TABLES.iter().flat_map(|table| table.iter())
}

use crate::fund::routes::ROUTES as FUND;
use crate::partnerships::routes::ROUTES as PARTNERSHIPS;
use crate::programme::routes::ROUTES as PROGRAMME;

use crate::election::routes::ROUTES as ELECTION;

/// The declared route for a request; HEAD is answered as GET.
pub fn spec(method: &Method, path: &str) -> Option<&'static Route> {
    let method = if method == Method::HEAD {
        &Method::GET
    } else {
        method
    };
    all().find(|r| r.method == method && r.path == path)
}
