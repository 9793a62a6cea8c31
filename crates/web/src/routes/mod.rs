//! Every route with the permission it needs. The router is built from this
//! table, so no route exists without a declared need; the guard
//! ([`crate::auth::guard`]) enforces it and a test walks it. Each entry is
//! one line, `r!(METHOD "/path", need, handler, "summary")`; what a route
//! declares is in [`crate::spec`], which imports no handler. The table
//! sits above every feature: nothing but `lib.rs` imports it.

pub mod openapi;

use crate::api;
use crate::community::routes::ROUTES as COMMUNITY;
use crate::pages;
use crate::spec::r;
pub use crate::spec::{Answer, Need, Route};
use crate::spend::handlers as spend;
use crate::spend::publications;
use crate::spend::review;
use crate::spend_import::{self, MAX_UPLOAD_BYTES};
use axum::http::Method;
use lumbung_domain::Resource;

use Need::{Public, Read, SignedIn, Write};
use Resource::{AreasOrgs, AuditLog, Spend, Users};

/// Every route, one table per feature: its folder may own its table.
pub static TABLES: &[&[Route]] = &[DOCUMENT, CORE, SPEND, FUND, COMMUNITY, ELECTION];

/// The API's own description, made from the table.
#[rustfmt::skip]
static DOCUMENT: &[Route] = &[
    r!(GET "/api/v1/openapi.json", Public, openapi::serve, "This document").answers(openapi::ANSWERS),
];

/// Every route of every table.
pub fn all() -> impl Iterator<Item = &'static Route> {
    TABLES.iter().flat_map(|table| table.iter())
}

#[rustfmt::skip]
static CORE: &[Route] = &[
    // Core: sign-in, areas, organisations, users, the audit log.
    r!(GET "/", Public, pages::home, "Home: what this Lumbung holds"),
    r!(GET "/health", Public, api::health, "Liveness and database check").answers(api::answers::HEALTH),
    r!(GET "/assets/app.css", Public, pages::stylesheet, "Stylesheet"),
    r!(GET "/lang/{lang}", Public, pages::switch_lang, "Switch the interface language"),
    r!(GET "/login", Public, pages::login_form, "Sign-in form"),
    r!(POST "/login", Public, pages::login, "Sign in"),
    r!(POST "/logout", SignedIn, pages::logout, "Sign out"),
    r!(GET "/areas", Public, pages::areas, "Areas: roots or search"),
    r!(GET "/areas/{code}", Public, pages::area, "One area with its children"),
    r!(GET "/orgs", Public, pages::orgs, "Organisations"),
    r!(GET "/orgs/new", Write(AreasOrgs), pages::org_new, "New organisation form"),
    r!(POST "/orgs", Write(AreasOrgs), pages::org_create, "Create an organisation"),
    r!(GET "/orgs/{id}", Public, pages::org, "One organisation"),
    r!(GET "/orgs/{id}/edit", Write(AreasOrgs), pages::org_edit, "Edit form"),
    r!(POST "/orgs/{id}", Write(AreasOrgs), pages::org_update, "Save an organisation"),
    r!(GET "/users", Read(Users), pages::users, "Users"),
    r!(GET "/users/new", Write(Users), pages::user_new, "New user form"),
    r!(POST "/users", Write(Users), pages::user_create, "Create a user"),
    r!(GET "/users/{id}/password", Write(Users), pages::password_form, "Password reset form"),
    r!(POST "/users/{id}/password", Write(Users), pages::password_reset, "Reset a password"),
    r!(GET "/audit", Read(AuditLog), pages::audit, "Audit log"),
    // The core JSON API (crate::api), typed: see crate::api::typed.
    r!(POST "/api/v1/session", Public, api::login, "Sign in; returns a bearer token").csrf_exempt().takes::<api::LoginRequest>().answers(api::answers::SIGN_IN),
    r!(DELETE "/api/v1/session", SignedIn, api::logout, "Sign out (ends the token's session)").answers(api::answers::SIGN_OUT),
    r!(GET "/api/v1/me", SignedIn, api::me, "The signed-in user").answers(api::answers::ME),
    r!(GET "/api/v1/overview", Public, api::overview, "What this Lumbung holds").answers(api::answers::OVERVIEW),
    r!(GET "/api/v1/areas", Public, api::areas, "Areas: roots, children of `parent`, or search by `q`").answers(api::answers::AREAS),
    r!(GET "/api/v1/areas/{code}", Public, api::area, "One area with its lineage and children").answers(api::answers::AREA),
    r!(GET "/api/v1/postcodes/{postcode}", Public, api::locate_postcode, "The area a postal code maps to").answers(api::answers::POSTCODE),
    r!(GET "/api/v1/orgs", Public, api::orgs, "Organisations (names only outside your scope)").answers(api::answers::ORGS),
    r!(POST "/api/v1/orgs", Write(AreasOrgs), api::org_create, "Create an organisation").takes::<api::OrgBody>().answers(api::answers::ORG_CREATE),
    r!(GET "/api/v1/orgs/{id}", Public, api::org, "One organisation").answers(api::answers::ORG),
    r!(PUT "/api/v1/orgs/{id}", Write(AreasOrgs), api::org_update, "Replace an organisation's fields").takes::<api::OrgBody>().answers(api::answers::ORG_UPDATE),
    r!(GET "/api/v1/users", Read(Users), api::users, "Users in your scope").answers(api::answers::USERS),
    r!(POST "/api/v1/users", Write(Users), api::user_create, "Create a user").takes::<crate::forms::UserFields>().answers(api::answers::USER_CREATE),
    r!(POST "/api/v1/users/{id}/password", Write(Users), api::password_reset, "Reset a user's password").takes::<api::PasswordBody>().answers(api::answers::PASSWORD),
    r!(GET "/api/v1/audit", Read(AuditLog), api::audit, "Audit log, newest first").answers(api::answers::AUDIT),
];

#[rustfmt::skip]
static SPEND: &[Route] = &[
    // Anchor spend (crate::spend, crate::spend_import) and its published reports.
    r!(GET "/spend", Read(Spend), spend::page, "Spend analysis: where the anchors' money goes"),
    r!(GET "/spend/payments", Read(Spend), spend::payments_page, "The payments behind a figure"),
    r!(GET "/spend/report.csv", Read(Spend), spend::report_csv, "The per anchor × year table as CSV"),
    r!(GET "/spend/report.xlsx", Read(Spend), spend::report_xlsx, "The report as a workbook"),
    r!(GET "/api/v1/spend/report", Read(Spend), spend::api_report, "The spend report (same keys as `lumbung spend report --format json`)"),
    r!(GET "/api/v1/spend/payments", Read(Spend), spend::api_payments, "The payments behind a figure"),
    r!(GET "/api/v1/spend/imports", Read(Spend), spend::api_imports, "Spend imports"),
    // The supplier catalogue is shared by all anchors: a decision about a
    // supplier needs an analyst of the whole system, and scoped users see
    // and undo only what concerns their anchors (checked in the handlers).
    r!(GET "/spend/suppliers", Read(Spend), review::suppliers_page, "Suppliers: search, those listed for review; for analysts the decisions"),
    r!(POST "/spend/suppliers/{id}/locate", Write(Spend), review::locate, "Fix a supplier's location (empty area: back to its postal code)"),
    r!(POST "/spend/suppliers/{id}/sites", Write(Spend), review::site, "Record (or with remove, forget) a supplier's branch site"),
    r!(POST "/spend/suppliers/{id}/merge", Write(Spend), review::merge, "Merge a supplier into another (field into: the one that stays)"),
    r!(GET "/spend/imports", Read(Spend), review::imports_page, "Imported payment files"),
    r!(POST "/spend/imports/{id}/undo", Write(Spend), review::undo, "Undo an import (its payments are removed)"),
    r!(GET "/spend/imports/{id}/flagged", Read(Spend), review::flagged_page, "The rows of an import flagged for review"),
    r!(GET "/api/v1/spend/suppliers", Read(Spend), review::api_suppliers, "Suppliers (?q=&review=true&limit=)"),
    r!(POST "/api/v1/spend/suppliers/{id}/locate", Write(Spend), review::api_locate, "Fix a supplier's location: {\"area\": \"E07000123\"}, or null to clear"),
    r!(POST "/api/v1/spend/suppliers/{id}/sites", Write(Spend), review::api_site, "Record a branch site: {\"area\": \"E07000123\", \"remove\": false}"),
    r!(POST "/api/v1/spend/suppliers/{id}/merge", Write(Spend), review::api_merge, "Merge this supplier into another: {\"into\": 12} (the one that stays)"),
    r!(DELETE "/api/v1/spend/imports/{id}", Write(Spend), review::api_undo, "Undo an import (its payments are removed)"),
    r!(GET "/api/v1/spend/imports/{id}/flagged", Read(Spend), review::api_flagged, "The rows of an import flagged for review (?limit=)"),
    r!(GET "/spend/import", Write(Spend), spend_import::form, "Upload a payment file"),
    r!(POST "/spend/import", Write(Spend), spend_import::upload, "Receive a payment file for preview", limit MAX_UPLOAD_BYTES),
    r!(GET "/spend/import/{id}", Write(Spend), spend_import::preview, "Preview an uploaded file with its detected mapping"),
    r!(POST "/spend/import/{id}", Write(Spend), spend_import::confirm, "Confirm and import an uploaded file"),
    r!(GET "/spend/jobs/{id}", Write(Spend), spend_import::job_page, "An import's progress"),
    r!(POST "/api/v1/spend/imports", Write(Spend), spend_import::api_import, "Import a payment file sent as the body (?file_name=&anchor=&anchor_id=&year=&locale=)", limit MAX_UPLOAD_BYTES),
    r!(GET "/api/v1/spend/jobs/{id}", Write(Spend), spend_import::api_job, "An import's progress"),
    r!(POST "/spend/publish", Write(Spend), publications::publish, "Publish the report for everyone (aggregates only)"),
    r!(GET "/reports", Public, publications::list, "Published spend reports"),
    r!(GET "/reports/{id}", Public, publications::show, "A published spend report"),
    r!(GET "/api/v1/reports", Public, publications::api_list, "Published spend reports"),
    r!(GET "/api/v1/reports/{id}", Public, publications::api_show, "A published spend report"),
];

use crate::fund::routes::ROUTES as FUND;

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
