//! Every route with the permission it needs. The router is built from this
//! table, so no route exists without a declared need; the guard
//! ([`crate::auth::guard`]) enforces it and a test walks it.

use crate::spend::handlers as spend;
use crate::spend::publications;
use crate::spend::review;
use crate::spend_import::{self, MAX_UPLOAD_BYTES};
use crate::{api, fund_books, pages, AppState};
use axum::extract::DefaultBodyLimit;
use axum::http::Method;
use axum::routing::{delete, get, post, put, MethodRouter};
use lumbung_domain::Resource;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Anyone, signed in or not. Handlers show only public data to visitors.
    Public,
    SignedIn,
    Read(Resource),
    Write(Resource),
}

pub struct Route {
    pub method: Method,
    pub path: &'static str,
    pub need: Need,
    /// Requests that may come without a CSRF token: only the JSON sign-in,
    /// which has no session yet and needs a JSON body (which a cross-site
    /// form cannot send).
    pub csrf_exempt: bool,
    pub summary: &'static str,
    pub handler: fn() -> MethodRouter<AppState>,
}

const fn route(
    method: Method,
    path: &'static str,
    need: Need,
    summary: &'static str,
    handler: fn() -> MethodRouter<AppState>,
) -> Route {
    Route {
        method,
        path,
        need,
        csrf_exempt: false,
        summary,
        handler,
    }
}

const fn csrf_exempt(mut r: Route) -> Route {
    r.csrf_exempt = true;
    r
}

use Need::{Public, Read, SignedIn, Write};
use Resource::{AreasOrgs, AuditLog, Fund, FundApproval, Spend, Users};

pub static ROUTES: &[Route] = &[
    route(
        Method::GET,
        "/",
        Public,
        "Home: what this Lumbung holds",
        || get(pages::home),
    ),
    route(
        Method::GET,
        "/health",
        Public,
        "Liveness and database check",
        || get(api::health),
    ),
    route(Method::GET, "/assets/app.css", Public, "Stylesheet", || {
        get(pages::stylesheet)
    }),
    route(
        Method::GET,
        "/lang/{lang}",
        Public,
        "Switch the interface language",
        || get(pages::switch_lang),
    ),
    route(Method::GET, "/login", Public, "Sign-in form", || {
        get(pages::login_form)
    }),
    route(Method::POST, "/login", Public, "Sign in", || {
        post(pages::login)
    }),
    route(Method::POST, "/logout", SignedIn, "Sign out", || {
        post(pages::logout)
    }),
    route(
        Method::GET,
        "/areas",
        Public,
        "Areas: roots or search",
        || get(pages::areas),
    ),
    route(
        Method::GET,
        "/areas/{code}",
        Public,
        "One area with its children",
        || get(pages::area),
    ),
    route(Method::GET, "/orgs", Public, "Organisations", || {
        get(pages::orgs)
    }),
    route(
        Method::GET,
        "/orgs/new",
        Write(AreasOrgs),
        "New organisation form",
        || get(pages::org_new),
    ),
    route(
        Method::POST,
        "/orgs",
        Write(AreasOrgs),
        "Create an organisation",
        || post(pages::org_create),
    ),
    route(
        Method::GET,
        "/orgs/{id}",
        Public,
        "One organisation",
        || get(pages::org),
    ),
    route(
        Method::GET,
        "/orgs/{id}/edit",
        Write(AreasOrgs),
        "Edit form",
        || get(pages::org_edit),
    ),
    route(
        Method::POST,
        "/orgs/{id}",
        Write(AreasOrgs),
        "Save an organisation",
        || post(pages::org_update),
    ),
    route(Method::GET, "/users", Read(Users), "Users", || {
        get(pages::users)
    }),
    route(
        Method::GET,
        "/users/new",
        Write(Users),
        "New user form",
        || get(pages::user_new),
    ),
    route(
        Method::POST,
        "/users",
        Write(Users),
        "Create a user",
        || post(pages::user_create),
    ),
    route(
        Method::GET,
        "/users/{id}/password",
        Write(Users),
        "Password reset form",
        || get(pages::password_form),
    ),
    route(
        Method::POST,
        "/users/{id}/password",
        Write(Users),
        "Reset a password",
        || post(pages::password_reset),
    ),
    route(Method::GET, "/audit", Read(AuditLog), "Audit log", || {
        get(pages::audit)
    }),
    route(
        Method::GET,
        "/spend",
        Read(Spend),
        "Spend analysis: where the anchors' money goes",
        || get(spend::page),
    ),
    route(
        Method::GET,
        "/spend/payments",
        Read(Spend),
        "The payments behind a figure",
        || get(spend::payments_page),
    ),
    route(
        Method::GET,
        "/spend/report.csv",
        Read(Spend),
        "The per anchor × year table as CSV",
        || get(spend::report_csv),
    ),
    route(
        Method::GET,
        "/spend/report.xlsx",
        Read(Spend),
        "The report as a workbook",
        || get(spend::report_xlsx),
    ),
    route(
        Method::GET,
        "/api/v1/spend/report",
        Read(Spend),
        "The spend report (same keys as `lumbung spend report --format json`)",
        || get(spend::api_report),
    ),
    route(
        Method::GET,
        "/api/v1/spend/payments",
        Read(Spend),
        "The payments behind a figure",
        || get(spend::api_payments),
    ),
    route(
        Method::GET,
        "/api/v1/spend/imports",
        Read(Spend),
        "Spend imports",
        || get(spend::api_imports),
    ),
    // The supplier catalogue is shared by all anchors: a decision about a
    // supplier needs an analyst of the whole system, and scoped users see
    // and undo only what concerns their anchors (checked in the handlers).
    route(
        Method::GET,
        "/spend/suppliers",
        Read(Spend),
        "Suppliers: search, those listed for review; for analysts the decisions",
        || get(review::suppliers_page),
    ),
    route(
        Method::POST,
        "/spend/suppliers/{id}/locate",
        Write(Spend),
        "Fix a supplier's location (empty area: back to its postal code)",
        || post(review::locate),
    ),
    route(
        Method::POST,
        "/spend/suppliers/{id}/sites",
        Write(Spend),
        "Record (or with remove, forget) a supplier's branch site",
        || post(review::site),
    ),
    route(
        Method::POST,
        "/spend/suppliers/{id}/merge",
        Write(Spend),
        "Merge a supplier into another (field into: the one that stays)",
        || post(review::merge),
    ),
    route(
        Method::GET,
        "/spend/imports",
        Read(Spend),
        "Imported payment files",
        || get(review::imports_page),
    ),
    route(
        Method::POST,
        "/spend/imports/{id}/undo",
        Write(Spend),
        "Undo an import (its payments are removed)",
        || post(review::undo),
    ),
    route(
        Method::GET,
        "/spend/imports/{id}/flagged",
        Read(Spend),
        "The rows of an import flagged for review",
        || get(review::flagged_page),
    ),
    route(
        Method::GET,
        "/api/v1/spend/suppliers",
        Read(Spend),
        "Suppliers (?q=&review=true&limit=)",
        || get(review::api_suppliers),
    ),
    route(
        Method::POST,
        "/api/v1/spend/suppliers/{id}/locate",
        Write(Spend),
        "Fix a supplier's location: {\"area\": \"E07000123\"}, or null to clear",
        || post(review::api_locate),
    ),
    route(
        Method::POST,
        "/api/v1/spend/suppliers/{id}/sites",
        Write(Spend),
        "Record a branch site: {\"area\": \"E07000123\", \"remove\": false}",
        || post(review::api_site),
    ),
    route(
        Method::POST,
        "/api/v1/spend/suppliers/{id}/merge",
        Write(Spend),
        "Merge this supplier into another: {\"into\": 12} (the one that stays)",
        || post(review::api_merge),
    ),
    route(
        Method::DELETE,
        "/api/v1/spend/imports/{id}",
        Write(Spend),
        "Undo an import (its payments are removed)",
        || delete(review::api_undo),
    ),
    route(
        Method::GET,
        "/api/v1/spend/imports/{id}/flagged",
        Read(Spend),
        "The rows of an import flagged for review (?limit=)",
        || get(review::api_flagged),
    ),
    route(
        Method::GET,
        "/spend/import",
        Write(Spend),
        "Upload a payment file",
        || get(spend_import::form),
    ),
    route(
        Method::POST,
        "/spend/import",
        Write(Spend),
        "Receive a payment file for preview",
        || post(spend_import::upload).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
    ),
    route(
        Method::GET,
        "/spend/import/{id}",
        Write(Spend),
        "Preview an uploaded file with its detected mapping",
        || get(spend_import::preview),
    ),
    route(
        Method::POST,
        "/spend/import/{id}",
        Write(Spend),
        "Confirm and import an uploaded file",
        || post(spend_import::confirm),
    ),
    route(
        Method::GET,
        "/spend/jobs/{id}",
        Write(Spend),
        "An import's progress",
        || get(spend_import::job_page),
    ),
    route(
        Method::POST,
        "/api/v1/spend/imports",
        Write(Spend),
        "Import a payment file sent as the body (?file_name=&anchor=&year=&locale=)",
        || post(spend_import::api_import).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
    ),
    route(
        Method::GET,
        "/api/v1/spend/jobs/{id}",
        Write(Spend),
        "An import's progress",
        || get(spend_import::api_job),
    ),
    route(
        Method::POST,
        "/spend/publish",
        Write(Spend),
        "Publish the report for everyone (aggregates only)",
        || post(publications::publish),
    ),
    route(
        Method::GET,
        "/reports",
        Public,
        "Published spend reports",
        || get(publications::list),
    ),
    route(
        Method::GET,
        "/reports/{id}",
        Public,
        "A published spend report",
        || get(publications::show),
    ),
    route(
        Method::GET,
        "/api/v1/reports",
        Public,
        "Published spend reports",
        || get(publications::api_list),
    ),
    route(
        Method::GET,
        "/api/v1/reports/{id}",
        Public,
        "A published spend report",
        || get(publications::api_show),
    ),
    route(
        Method::GET,
        "/fund",
        Read(Fund),
        "The revolving fund's oversight report",
        || get(crate::fund::page),
    ),
    route(
        Method::GET,
        "/fund/health",
        Public,
        "The revolving fund's health: ratios and bands",
        || get(crate::fund::health_page),
    ),
    route(
        Method::GET,
        "/api/v1/fund/report",
        Read(Fund),
        "The revolving fund's oversight report (?as_of=)",
        || get(crate::fund::api_report),
    ),
    route(
        Method::GET,
        "/api/v1/fund/health",
        Public,
        "The revolving fund's health figures (public)",
        || get(crate::fund::api_health),
    ),
    route(
        Method::GET,
        "/fund/upk/{id}",
        Read(Fund),
        "A UPK's books: KSMs, loans, applications, trend",
        || get(fund_books::upk_page),
    ),
    route(
        Method::POST,
        "/fund/upk/{id}/ksm",
        Write(Fund),
        "Form a KSM under the UPK",
        || post(fund_books::create_ksm),
    ),
    route(
        Method::POST,
        "/fund/upk/{id}/post",
        Write(Fund),
        "Post an operating cost or capital received",
        || post(fund_books::post_movement),
    ),
    route(
        Method::POST,
        "/fund/upk/{id}/provision",
        Write(Fund),
        "Bring the loan-loss reserve to what the portfolio needs",
        || post(fund_books::provision),
    ),
    route(
        Method::GET,
        "/fund/upk/{id}/settings",
        Read(Fund),
        "A UPK's settings",
        || get(fund_books::settings_page),
    ),
    route(
        Method::POST,
        "/fund/upk/{id}/settings",
        Write(Fund),
        "Change a UPK's settings",
        || post(fund_books::settings_save),
    ),
    route(
        Method::GET,
        "/fund/upk/{id}/statements",
        Read(Fund),
        "Balance sheet, income statement and cash book (?as_of=&from=)",
        || get(fund_books::statements_page),
    ),
    route(
        Method::GET,
        "/fund/ksm/{id}",
        Read(Fund),
        "A KSM: members, joint liability, savings, loans",
        || get(fund_books::ksm_page),
    ),
    route(
        Method::GET,
        "/fund/ksm/{id}/collection",
        Read(Fund),
        "Collection sheet for a group meeting (?on=), printable",
        || get(fund_books::collection_page),
    ),
    route(
        Method::POST,
        "/fund/ksm/{id}/members",
        Write(Fund),
        "Add a KSM member",
        || post(fund_books::add_member),
    ),
    route(
        Method::POST,
        "/fund/ksm/{id}/joint-liability",
        Write(Fund),
        "Record the group's joint liability (tanggung renteng)",
        || post(fund_books::joint_liability),
    ),
    route(
        Method::POST,
        "/fund/ksm/{id}/savings",
        Write(Fund),
        "A group savings deposit or withdrawal",
        || post(fund_books::savings),
    ),
    route(
        Method::POST,
        "/fund/ksm/{id}/apply",
        Write(Fund),
        "Enter a loan application (the maker)",
        || post(fund_books::apply),
    ),
    route(
        Method::POST,
        "/fund/applications/{id}/decide",
        Write(FundApproval),
        "Approve or reject an application (the checker, never the maker)",
        || post(fund_books::decide),
    ),
    route(
        Method::POST,
        "/fund/applications/{id}/disburse",
        Write(Fund),
        "Disburse an approved application",
        || post(fund_books::disburse),
    ),
    route(
        Method::GET,
        "/fund/loans/{id}",
        Read(Fund),
        "A loan's ledger: schedule, repayments, receipts",
        || get(fund_books::loan_page),
    ),
    route(
        Method::POST,
        "/fund/loans/{id}/repay",
        Write(Fund),
        "Post a repayment (idempotent)",
        || post(fund_books::repay),
    ),
    route(
        Method::POST,
        "/fund/loans/{id}/reschedule",
        Write(Fund),
        "Reschedule the principal left (the old schedule is kept)",
        || post(fund_books::reschedule),
    ),
    route(
        Method::POST,
        "/fund/loans/{id}/write-off",
        Write(Fund),
        "Write off what the loan has left",
        || post(fund_books::write_off),
    ),
    route(
        Method::POST,
        "/fund/repayments/{id}/reverse",
        Write(Fund),
        "Reverse a repayment (never edited)",
        || post(fund_books::reverse),
    ),
    route(
        Method::GET,
        "/fund/receipts/{id}",
        Read(Fund),
        "A repayment's receipt (kuitansi), printable",
        || get(fund_books::receipt_page),
    ),
    route(
        Method::GET,
        "/api/v1/fund/upk/{id}",
        Read(Fund),
        "A UPK's books",
        || get(fund_books::api_upk),
    ),
    route(
        Method::GET,
        "/api/v1/fund/upk/{id}/statements",
        Read(Fund),
        "A UPK's statements (?as_of=&from=)",
        || get(fund_books::api_statements),
    ),
    route(
        Method::GET,
        "/api/v1/fund/loans/{id}",
        Read(Fund),
        "A loan's ledger",
        || get(fund_books::api_loan),
    ),
    route(
        Method::POST,
        "/api/v1/fund/loans/{id}/repayments",
        Write(Fund),
        "Post a repayment: {paid_on, amount, key}; the same key posts once",
        || post(fund_books::api_repay),
    ),
    route(
        Method::GET,
        "/api/v1/fund/applications",
        Read(Fund),
        "Loan applications in the viewer's scope",
        || get(fund_books::api_applications),
    ),
    route(
        Method::POST,
        "/api/v1/fund/applications/{id}/decision",
        Write(FundApproval),
        "Approve or reject: {decision: approve|reject, note}",
        || post(fund_books::api_decide),
    ),
    route(
        Method::GET,
        "/api/v1/openapi.json",
        Public,
        "This document",
        || get(api::openapi),
    ),
    csrf_exempt(route(
        Method::POST,
        "/api/v1/session",
        Public,
        "Sign in; returns a bearer token",
        || post(api::login),
    )),
    route(
        Method::DELETE,
        "/api/v1/session",
        SignedIn,
        "Sign out (ends the token's session)",
        || delete(api::logout),
    ),
    route(
        Method::GET,
        "/api/v1/me",
        SignedIn,
        "The signed-in user",
        || get(api::me),
    ),
    route(
        Method::GET,
        "/api/v1/overview",
        Public,
        "What this Lumbung holds",
        || get(api::overview),
    ),
    route(
        Method::GET,
        "/api/v1/areas",
        Public,
        "Areas: roots, children of `parent`, or search by `q`",
        || get(api::areas),
    ),
    route(
        Method::GET,
        "/api/v1/areas/{code}",
        Public,
        "One area with its lineage and children",
        || get(api::area),
    ),
    route(
        Method::GET,
        "/api/v1/postcodes/{postcode}",
        Public,
        "The area a postal code maps to",
        || get(api::locate_postcode),
    ),
    route(
        Method::GET,
        "/api/v1/orgs",
        Public,
        "Organisations (names only outside your scope)",
        || get(api::orgs),
    ),
    route(
        Method::POST,
        "/api/v1/orgs",
        Write(AreasOrgs),
        "Create an organisation",
        || post(api::org_create),
    ),
    route(
        Method::GET,
        "/api/v1/orgs/{id}",
        Public,
        "One organisation",
        || get(api::org),
    ),
    route(
        Method::PUT,
        "/api/v1/orgs/{id}",
        Write(AreasOrgs),
        "Replace an organisation's fields",
        || put(api::org_update),
    ),
    route(
        Method::GET,
        "/api/v1/users",
        Read(Users),
        "Users in your scope",
        || get(api::users),
    ),
    route(
        Method::POST,
        "/api/v1/users",
        Write(Users),
        "Create a user",
        || post(api::user_create),
    ),
    route(
        Method::POST,
        "/api/v1/users/{id}/password",
        Write(Users),
        "Reset a user's password",
        || post(api::password_reset),
    ),
    route(
        Method::GET,
        "/api/v1/audit",
        Read(AuditLog),
        "Audit log, newest first",
        || get(api::audit),
    ),
];

/// The declared route for a request; HEAD is answered as GET.
pub fn spec(method: &Method, path: &str) -> Option<&'static Route> {
    let method = if method == Method::HEAD {
        &Method::GET
    } else {
        method
    };
    ROUTES.iter().find(|r| r.method == method && r.path == path)
}
