//! Every route with the permission it needs. The router is built from this
//! table, so no route exists without a declared need; the guard
//! ([`crate::auth::guard`]) enforces it and a test walks it. Each entry is
//! one line, `r!(METHOD "/path", need, handler, "summary")`; what a route
//! declares is in [`spec`], which imports no handler.

pub mod spec;

use crate::api;
use crate::pages;
use crate::spend::handlers as spend;
use crate::spend::publications;
use crate::spend::review;
use crate::spend_import::{self, MAX_UPLOAD_BYTES};
use axum::http::Method;
use lumbung_domain::Resource;
use spec::r;
pub use spec::{Answer, Need, Route};

use Need::{Public, Read, SignedIn, Write};
use Resource::{AreasOrgs, AuditLog, Spend, Users};

/// Every route, one table per feature: its folder may own its table.
pub static TABLES: &[&[Route]] = &[CORE, SPEND, FUND, COMMUNITY, ELECTION];

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
    r!(GET "/api/v1/openapi.json", Public, api::openapi, "This document").answers(api::answers::OPENAPI),
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

#[rustfmt::skip]
static COMMUNITY: &[Route] = &[
    // The P2KP community cycle and self-mapping (crate::community).
    r!(GET "/community/progress", Public, crate::community::public_progress_page, "The P2KP cycle's progress: per step and per kelurahan, no names of people (?area=&as_of=)"),
    r!(GET "/community/cycle", Read(Resource::Cycle), crate::community::cycle_page, "The cycle's progress of the kelurahan in your scope, late and stalled first (?area=&as_of=)"),
    r!(GET "/community/kelurahan/{code}", Read(Resource::Cycle), crate::community::kelurahan_page, "A kelurahan's cycle: steps, records, verification, plan"),
    r!(POST "/community/kelurahan/{code}/steps", Write(Resource::Cycle), crate::community::record_step, "Record the next step (the kelurahan's facilitator)"),
    r!(POST "/community/kelurahan/{code}/verify", Write(Resource::Cycle), crate::community::verify_step, "Verify a recorded step (the city coordinator, never the recorder)"),
    r!(POST "/community/kelurahan/{code}/plan", Write(Resource::Cycle), crate::community::plan_save, "Set the start and target dates of a kelurahan's plan"),
    r!(GET "/community/kelurahan/{code}/mapping", Read(Resource::Mapping), crate::community::mapping_page, "A kelurahan's self-mapping: criteria, households, tables and charts per RT/RW"),
    r!(POST "/community/kelurahan/{code}/criteria", Write(Resource::Mapping), crate::community::criteria_save, "Adopt the community's poverty criteria (JSON, or the BPS 14 template)"),
    r!(POST "/community/kelurahan/{code}/households", Write(Resource::Mapping), crate::community::household_add, "Add a household typed in by hand: RT, head, address, answers, members (one per line)"),
    r!(POST "/community/kelurahan/{code}/households/remove", Write(Resource::Mapping), crate::community::household_remove, "Remove a household (typed in or imported): household, confirm"),
    r!(POST "/community/kelurahan/{code}/mapping/import", Write(Resource::Mapping), crate::community::import_upload, "Import a KoboToolbox export: households and roster CSV (multipart; all or nothing)", limit crate::community::MAX_KOBO_BYTES),
    r!(GET "/community/kelurahan/{code}/ps2", Read(Resource::PoorList), crate::community::ps2_page, "The PS-2 list of poor households, printable"),
    r!(GET "/community/mapping/{code}", Public, crate::community::public_mapping_page, "A kelurahan's poverty map in counts per RT and RW (no personal data)"),
    r!(GET "/api/v1/community/progress", Public, crate::community::api_progress, "The cycle's progress, aggregates only (?area=&as_of=)"),
    r!(GET "/api/v1/community/cycle", Read(Resource::Cycle), crate::community::api_cycle, "The cycle's progress in your scope (?area=&as_of=)"),
    r!(GET "/api/v1/community/kelurahan/{code}", Read(Resource::Cycle), crate::community::api_kelurahan, "A kelurahan's cycle: plan, steps and records"),
    r!(POST "/api/v1/community/kelurahan/{code}/steps", Write(Resource::Cycle), crate::community::api_record_step, "Record the next step: {step, done_on, attendance: {total, women, poor}, documents: [{title, reference}]}"),
    r!(POST "/api/v1/community/kelurahan/{code}/verify", Write(Resource::Cycle), crate::community::api_verify_step, "Verify a recorded step: {step} (the city coordinator)"),
    r!(PUT "/api/v1/community/kelurahan/{code}/plan", Write(Resource::Cycle), crate::community::api_plan_save, "Replace a kelurahan's plan: {steps: [{key, label: {id, en}, order, target}], starts_on}"),
    r!(GET "/api/v1/community/kelurahan/{code}/mapping", Read(Resource::Mapping), crate::community::api_mapping, "A kelurahan's self-mapping: criteria, summary per RT/RW, households, imports"),
    r!(PUT "/api/v1/community/kelurahan/{code}/criteria", Write(Resource::Mapping), crate::community::api_criteria_save, "Adopt poverty criteria: {name, indicators, poor_when_at_least}"),
    r!(POST "/api/v1/community/kelurahan/{code}/households", Write(Resource::Mapping), crate::community::api_household_add, "Add a household: {id (optional), rt, head_name, address, answers: {key: true/false or number}, members: [{name, sex, age: {years} or {birth_year}, relation, nik}]}"),
    r!(GET "/api/v1/community/kelurahan/{code}/ps2", Read(Resource::PoorList), crate::community::api_ps2, "The PS-2 list of poor households"),
    r!(GET "/api/v1/community/mapping/{code}", Public, crate::community::api_public_mapping, "A kelurahan's mapping in counts per RT and RW"),
];

#[rustfmt::skip]
static ELECTION: &[Route] = &[
    // The BKM election (crate::election): the committee's work, printable
    // sheets and minutes, and the published results for everyone.
    r!(GET "/election", Public, crate::election::index, "Elections: published results; the polls in your scope"),
    r!(POST "/election", Write(Resource::Election), crate::election::create, "Open a poll: level (rt, bkm, coordinator), area, held_on"),
    r!(GET "/election/results", Public, crate::election::results_page, "Published election results"),
    r!(GET "/election/results/{id}", Public, crate::election::result_page, "A published result: votes per nominee, groupings, decisions, the files to recount"),
    r!(GET "/election/results/{id}/minutes", Public, crate::election::result_minutes, "The minutes (berita acara) of a published result, printable"),
    r!(GET "/election/results/{id}/BALLOTS.csv", Public, crate::election::ballots_csv, "The anonymised ballots of a published result (ballot id and names only)"),
    r!(GET "/election/results/{id}/GROUPS.csv", Public, crate::election::groups_csv, "The groupings of written names of a published result"),
    r!(GET "/election/results/{id}/RESIDENTS.csv", Public, crate::election::residents_csv, "Who could be named (level 2: the delegates), when the count checked it"),
    r!(GET "/election/kelurahan/{code}", Read(Resource::Election), crate::election::kelurahan_page, "A kelurahan's elections: settings, RTs and polls"),
    r!(POST "/election/kelurahan/{code}/settings", Write(Resource::Election), crate::election::settings_save, "Change a kelurahan's election settings"),
    r!(GET "/election/{id}", Read(Resource::Election), crate::election::poll_page, "A poll: the count, differences, groupings, ties, what is left"),
    r!(GET "/election/{id}/register", Read(Resource::Election), crate::election::register_page, "A poll's voter register"),
    r!(POST "/election/{id}/register", Write(Resource::Election), crate::election::add_voter, "Put a voter on the register"),
    r!(POST "/election/{id}/register/import", Write(Resource::Election), crate::election::import_voters, "Import a register file: name,sex,birth_date or age,married (multipart)"),
    r!(POST "/election/{id}/register/remove", Write(Resource::Election), crate::election::remove_voter, "Take a voter off the register"),
    r!(POST "/election/{id}/voted", Write(Resource::Election), crate::election::mark_voted, "Record that voters voted (a flag only)"),
    r!(GET "/election/{id}/ballots", Read(Resource::Election), crate::election::ballots_page, "Both ballot entries side by side"),
    r!(POST "/election/{id}/ballots", Write(Resource::Election), crate::election::enter_ballots, "Enter ballots into entry A or B, one per line"),
    r!(POST "/election/{id}/ballots/correct", Write(Resource::Election), crate::election::correct_ballot, "Correct a ballot in one's own entry"),
    r!(POST "/election/{id}/resolve", Write(Resource::Election), crate::election::resolve, "Resolve a difference between the entries from the paper ballot"),
    r!(POST "/election/{id}/groups", Write(Resource::Election), crate::election::add_groups, "Confirm that written names mean one person"),
    r!(POST "/election/{id}/groups/remove", Write(Resource::Election), crate::election::remove_group, "Take a grouping back"),
    r!(POST "/election/{id}/door-to-door", Write(Resource::Election), crate::election::door_to_door, "Record a door-to-door collection"),
    r!(POST "/election/{id}/tie", Write(Resource::Election), crate::election::tie, "Record how a tie was broken (re-vote or lot)"),
    r!(POST "/election/{id}/publish", Write(Resource::ElectionResult), crate::election::publish, "Propose publishing the result, or confirm another member's proposal (publishes it)"),
    r!(GET "/election/{id}/ballot-sheets", Read(Resource::Election), crate::election::ballot_sheets, "Blank numbered ballots to print (?from=&count=&per_page=)"),
    r!(GET "/election/{id}/minutes", Read(Resource::Election), crate::election::draft_minutes, "Draft minutes (berita acara) of the count as it stands, printable"),
    r!(GET "/api/v1/election/results", Public, crate::election::api_results, "Published election results"),
    r!(GET "/api/v1/election/results/{id}", Public, crate::election::api_result, "A published result with its hash and the files to recount"),
    r!(GET "/api/v1/election/elections", Read(Resource::Election), crate::election::api_elections, "Polls in your scope"),
    r!(POST "/api/v1/election/elections", Write(Resource::Election), crate::election::api_create, "Open a poll: {level, area, held_on}"),
    r!(GET "/api/v1/election/elections/{id}", Read(Resource::Election), crate::election::api_election, "A poll's count: entries, differences, recount, ties, blockers"),
    r!(GET "/api/v1/election/elections/{id}/register", Read(Resource::Election), crate::election::api_register, "A poll's voter register"),
    r!(POST "/api/v1/election/elections/{id}/register", Write(Resource::Election), crate::election::api_add_voters, "Add voters: a register CSV (text/csv) or {voters: [...]}"),
    r!(POST "/api/v1/election/elections/{id}/voted", Write(Resource::Election), crate::election::api_voted, "Record that voters voted: {voters: [ids], voted}"),
    r!(GET "/api/v1/election/elections/{id}/entries", Read(Resource::Election), crate::election::api_entries, "Both ballot entries"),
    r!(POST "/api/v1/election/elections/{id}/ballots", Write(Resource::Election), crate::election::api_ballots, "Enter ballots: {entry, ballots: [{ballot_id, names}]}"),
    r!(POST "/api/v1/election/elections/{id}/corrections", Write(Resource::Election), crate::election::api_correct, "Correct a ballot of one's own entry: {entry, ballot_id, names|null}"),
    r!(POST "/api/v1/election/elections/{id}/resolutions", Write(Resource::Election), crate::election::api_resolve, "Resolve a difference: {ballot_id, names|null, note}"),
    r!(POST "/api/v1/election/elections/{id}/groups", Write(Resource::Election), crate::election::api_group, "Confirm a grouping {written, person}, or take it back (person null)"),
    r!(POST "/api/v1/election/elections/{id}/door-to-door", Write(Resource::Election), crate::election::api_door_to_door, "Record a door-to-door collection: {on, note}"),
    r!(POST "/api/v1/election/elections/{id}/tie", Write(Resource::Election), crate::election::api_tie, "Record a tie decision: {rule, winners, revote: {person: votes}, note}"),
    r!(POST "/api/v1/election/elections/{id}/publish", Write(Resource::ElectionResult), crate::election::api_publish, "Propose publishing the result, or confirm another member's proposal (publishes it)"),
    r!(GET "/api/v1/election/settings/{code}", Read(Resource::Election), crate::election::api_settings, "A kelurahan's election settings"),
    r!(PUT "/api/v1/election/settings/{code}", Write(Resource::Election), crate::election::api_settings_save, "Replace a kelurahan's election settings (JSON; missing fields take defaults)"),
];

/// The declared route for a request; HEAD is answered as GET.
pub fn spec(method: &Method, path: &str) -> Option<&'static Route> {
    let method = if method == Method::HEAD {
        &Method::GET
    } else {
        method
    };
    all().find(|r| r.method == method && r.path == path)
}
