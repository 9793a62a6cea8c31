//! The spend feature's routes: analysis, the catalogue's review, imports
//! and the published reports. Listed in [`crate::routes::TABLES`].

use super::handlers as spend;
use super::import::{self, MAX_UPLOAD_BYTES};
use super::{publications, review};
use crate::spec::{r, Need, Route};
use lumbung_domain::Resource::Spend;
use Need::{Public, Read, Write};

#[rustfmt::skip]
pub static ROUTES: &[Route] = &[
    // Anchor spend (crate::spend) and its published reports.
    r!(GET "/spend", Read(Spend), spend::page, "Spend analysis: where the anchors' money goes"),
    r!(GET "/spend/payments", Read(Spend), spend::payments_page, "The payments behind a figure, paged and sorted (?page=&sort=anchor|year|date|supplier|amount&dir=)"),
    r!(GET "/spend/payments.csv", Read(Spend), spend::payments_csv, "The payments behind a figure as the page filters and sorts them, every page, as CSV"),
    r!(GET "/spend/report.csv", Read(Spend), spend::report_csv, "The per anchor × year table as CSV"),
    r!(GET "/spend/report.xlsx", Read(Spend), spend::report_xlsx, "The report as a workbook"),
    r!(GET "/api/v1/spend/report", Read(Spend), spend::api_report, "The spend report (same keys as `lumbung spend report --format json`)").answers(answers::REPORT),
    r!(GET "/api/v1/spend/payments", Read(Spend), spend::api_payments, "The payments behind a figure").answers(answers::PAYMENTS),
    r!(GET "/api/v1/spend/imports", Read(Spend), spend::api_imports, "Spend imports").answers(answers::IMPORTS),
    // The supplier catalogue is shared by all anchors: a decision about a
    // supplier needs an analyst of the whole system, and scoped users see
    // and undo only what concerns their anchors (checked in the handlers).
    r!(GET "/spend/suppliers", Read(Spend), review::suppliers_page, "Suppliers: search, those listed for review, paged and sorted (?q=&review=1&page=&sort=number|name|payments|total&dir=); for analysts the decisions"),
    r!(GET "/spend/suppliers.csv", Read(Spend), review::suppliers_csv, "The supplier list as the page filters and sorts it, every page, as CSV"),
    r!(POST "/spend/suppliers/{id}/locate", Write(Spend), review::locate, "Fix a supplier's location (empty area: back to its postal code)"),
    r!(POST "/spend/suppliers/{id}/sites", Write(Spend), review::site, "Record (or with remove, forget) a supplier's branch site"),
    r!(POST "/spend/suppliers/{id}/merge", Write(Spend), review::merge, "Merge a supplier into another (field into: the one that stays)"),
    r!(POST "/spend/suppliers/{id}/register", Write(Spend), review::register, "Confirm or reject a register's company as the supplier (fields company, decision=confirm|reject)"),
    r!(GET "/spend/imports", Read(Spend), review::imports_page, "Imported payment files"),
    r!(POST "/spend/imports/{id}/undo", Write(Spend), review::undo, "Undo an import (its payments are removed)"),
    r!(GET "/spend/imports/{id}/flagged", Read(Spend), review::flagged_page, "The rows of an import flagged for review"),
    r!(GET "/api/v1/spend/suppliers", Read(Spend), review::api_suppliers, "Suppliers (?q=&review=true&limit=)").answers(answers::SUPPLIERS),
    r!(POST "/api/v1/spend/suppliers/{id}/locate", Write(Spend), review::api_locate, "Fix a supplier's location: {\"area\": \"E07000123\"}, or null to clear").takes::<review::LocateBody>().answers(answers::LOCATE),
    r!(POST "/api/v1/spend/suppliers/{id}/sites", Write(Spend), review::api_site, "Record a branch site: {\"area\": \"E07000123\", \"remove\": false}").takes::<review::SiteBody>().answers(answers::SITE),
    r!(POST "/api/v1/spend/suppliers/{id}/merge", Write(Spend), review::api_merge, "Merge this supplier into another: {\"into\": 12} (the one that stays)").takes::<review::MergeBody>().answers(answers::MERGE),
    r!(DELETE "/api/v1/spend/imports/{id}", Write(Spend), review::api_undo, "Undo an import (its payments are removed)").answers(answers::UNDO),
    r!(GET "/api/v1/spend/imports/{id}/flagged", Read(Spend), review::api_flagged, "The rows of an import flagged for review (?limit=)").answers(answers::FLAGGED),
    r!(GET "/spend/import", Write(Spend), import::form, "Upload a payment file"),
    r!(POST "/spend/import", Write(Spend), import::upload, "Receive a payment file for preview", limit MAX_UPLOAD_BYTES),
    r!(GET "/spend/import/{id}", Write(Spend), import::preview, "Preview an uploaded file with its detected mapping"),
    r!(POST "/spend/import/{id}", Write(Spend), import::confirm, "Confirm and import an uploaded file"),
    r!(GET "/spend/jobs/{id}", Write(Spend), import::job_page, "An import's progress"),
    r!(POST "/api/v1/spend/imports", Write(Spend), import::api_import, "Import a payment file sent as the body (?file_name=&anchor=&anchor_id=&year=&locale=)", limit MAX_UPLOAD_BYTES).answers(answers::IMPORT),
    r!(GET "/api/v1/spend/jobs/{id}", Write(Spend), import::api_job, "An import's progress").answers(answers::JOB),
    r!(POST "/spend/publish", Write(Spend), publications::publish, "Publish the report for everyone (aggregates only)"),
    r!(GET "/reports", Public, publications::list, "Published spend reports (the newest 1,000)"),
    r!(GET "/reports/{id}", Public, publications::show, "A published spend report"),
    r!(GET "/api/v1/reports", Public, publications::api_list, "Published spend reports (the newest 1,000)").answers(answers::REPORTS),
    r!(GET "/api/v1/reports/{id}", Public, publications::api_show, "A published spend report").answers(answers::PUBLISHED),
];

/// Every status each spend API operation answers besides those of its
/// kind (see `crate::openapi`): bad queries are 400, unknown or unseen ids
/// 404, refused values 422.
mod answers {
    use super::{import, publications, review, spend};
    use crate::spec::{error, json, Answer};

    pub const REPORT: &[Answer] = &[json::<spend::ReportAnswer>(200), error(400), error(422)];
    pub const PAYMENTS: &[Answer] = &[json::<spend::PaymentList>(200), error(400), error(422)];
    pub const IMPORTS: &[Answer] = &[json::<spend::ImportList>(200)];
    pub const SUPPLIERS: &[Answer] = &[json::<review::SupplierList>(200), error(400)];
    pub const LOCATE: &[Answer] = &[json::<review::Located>(200), error(404), error(422)];
    pub const SITE: &[Answer] = &[json::<review::SiteRecorded>(200), error(404), error(422)];
    pub const MERGE: &[Answer] = &[json::<review::Merged>(200), error(404), error(422)];
    pub const UNDO: &[Answer] = &[json::<review::Undone>(200), error(404), error(422)];
    pub const FLAGGED: &[Answer] = &[json::<review::FlaggedList>(200), error(400), error(404)];
    pub const IMPORT: &[Answer] = &[
        json::<lumbung_store::SpendImportSummary>(200),
        error(400),
        error(404),
        error(409),
        error(413),
        error(422),
    ];
    pub const JOB: &[Answer] = &[json::<import::Job>(200), error(404)];
    pub const REPORTS: &[Answer] = &[json::<publications::ReportList>(200)];
    pub const PUBLISHED: &[Answer] = &[json::<publications::PublishedReport>(200), error(404)];
}
