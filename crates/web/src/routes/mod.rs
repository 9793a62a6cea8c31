//! Every route with the permission it needs. The router is built from this
//! table, so no route exists without a declared need; the guard
//! ([`crate::auth::guard`]) enforces it and a test walks it. Each entry is
//! one line, `r!(METHOD "/path", need, handler, "summary")`; what a route
//! declares is in [`spec`], which imports no handler.

pub mod spec;

use crate::fund_books;
use crate::spend::handlers as spend;
use crate::spend::publications;
use crate::spend::review;
use crate::spend_import::{self, MAX_UPLOAD_BYTES};
use axum::http::Method;
use lumbung_domain::Resource;
use spec::r;
pub use spec::{Answer, Need, Route};

use Need::{Public, Read, Write};
use Resource::{Fund, FundApproval, Spend};

/// Every route, one table per feature: its folder may own its table.
pub static TABLES: &[&[Route]] = &[CORE, SPEND, FUND, COMMUNITY, ELECTION];

/// Every route of every table.
pub fn all() -> impl Iterator<Item = &'static Route> {
    TABLES.iter().flat_map(|table| table.iter())
}

use crate::core::routes::ROUTES as CORE;

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

#[rustfmt::skip]
static FUND: &[Route] = &[
    // The revolving fund (crate::fund, crate::fund_books).
    r!(GET "/fund", Read(Fund), crate::fund::page, "The revolving fund's oversight report"),
    r!(GET "/fund/health", Public, crate::fund::health_page, "The revolving fund's health: ratios and bands"),
    r!(GET "/api/v1/fund/report", Read(Fund), crate::fund::api_report, "The revolving fund's oversight report (?as_of=)"),
    r!(GET "/api/v1/fund/health", Public, crate::fund::api_health, "The revolving fund's health figures (public)"),
    r!(GET "/fund/upk/{id}", Read(Fund), fund_books::upk_page, "A UPK's books: KSMs, loans, applications, trend"),
    r!(POST "/fund/upk/{id}/ksm", Write(Fund), fund_books::create_ksm, "Form a KSM under the UPK"),
    r!(POST "/fund/upk/{id}/post", Write(Fund), fund_books::post_movement, "Post an operating cost or capital received"),
    r!(POST "/fund/upk/{id}/provision", Write(Fund), fund_books::provision, "Bring the loan-loss reserve to what the portfolio needs"),
    r!(GET "/fund/upk/{id}/settings", Read(Fund), fund_books::settings_page, "A UPK's settings"),
    r!(POST "/fund/upk/{id}/settings", Write(Fund), fund_books::settings_save, "Change a UPK's settings"),
    r!(GET "/fund/upk/{id}/statements", Read(Fund), fund_books::statements_page, "Balance sheet, income statement and cash book (?as_of=&from=)"),
    r!(GET "/fund/ksm/{id}", Read(Fund), fund_books::ksm_page, "A KSM: members, joint liability, savings, loans"),
    r!(GET "/fund/ksm/{id}/collection", Read(Fund), fund_books::collection_page, "Collection sheet for a group meeting (?on=), printable"),
    r!(POST "/fund/ksm/{id}/members", Write(Fund), fund_books::add_member, "Add a KSM member"),
    r!(POST "/fund/ksm/{id}/joint-liability", Write(Fund), fund_books::joint_liability, "Record the group's joint liability (tanggung renteng)"),
    r!(POST "/fund/ksm/{id}/savings", Write(Fund), fund_books::savings, "A group savings deposit or withdrawal"),
    r!(POST "/fund/ksm/{id}/apply", Write(Fund), fund_books::apply, "Enter a loan application (the maker)"),
    r!(POST "/fund/applications/{id}/decide", Write(FundApproval), fund_books::decide, "Approve or reject an application (the checker, never the maker)"),
    r!(POST "/fund/applications/{id}/disburse", Write(Fund), fund_books::disburse, "Disburse an approved application"),
    r!(GET "/fund/loans/{id}", Read(Fund), fund_books::loan_page, "A loan's ledger: schedule, repayments, receipts"),
    r!(POST "/fund/loans/{id}/repay", Write(Fund), fund_books::repay, "Post a repayment (idempotent)"),
    r!(POST "/fund/loans/{id}/reschedule", Write(Fund), fund_books::reschedule, "Reschedule the principal left (the old schedule is kept)"),
    r!(POST "/fund/loans/{id}/write-off", Write(Fund), fund_books::write_off, "Write off what the loan has left"),
    r!(POST "/fund/repayments/{id}/reverse", Write(Fund), fund_books::reverse, "Reverse a repayment (never edited)"),
    r!(GET "/fund/receipts/{id}", Read(Fund), fund_books::receipt_page, "A repayment's receipt (kuitansi), printable"),
    r!(GET "/api/v1/fund/upk/{id}", Read(Fund), fund_books::api_upk, "A UPK's books"),
    r!(GET "/api/v1/fund/upk/{id}/statements", Read(Fund), fund_books::api_statements, "A UPK's statements (?as_of=&from=)"),
    r!(GET "/api/v1/fund/loans/{id}", Read(Fund), fund_books::api_loan, "A loan's ledger"),
    r!(POST "/api/v1/fund/loans/{id}/repayments", Write(Fund), fund_books::api_repay, "Post a repayment: {paid_on, amount, key}; the same key posts once"),
    r!(GET "/api/v1/fund/applications", Read(Fund), fund_books::api_applications, "Loan applications in the viewer's scope"),
    r!(POST "/api/v1/fund/applications/{id}/decision", Write(FundApproval), fund_books::api_decide, "Approve or reject: {decision: approve|reject, note}"),
];

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
