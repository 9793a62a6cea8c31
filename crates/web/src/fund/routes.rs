//! The fund's routes: its pages, forms and API.

use super::api::{self, answers};
use super::{ksm, loans, report, upk};
use crate::spec::{r, Need, Route};
use lumbung_domain::Resource::{Fund, FundApproval};
use Need::{Public, Read, Write};

#[rustfmt::skip]
pub static ROUTES: &[Route] = &[
    r!(GET "/fund", Read(Fund), report::page, "The revolving fund's oversight report"),
    r!(GET "/fund/health", Public, report::health_page, "The revolving fund's health: ratios and bands"),
    r!(GET "/api/v1/fund/report", Read(Fund), report::api_report, "The revolving fund's oversight report (?as_of=)").answers(answers::REPORT),
    r!(GET "/api/v1/fund/health", Public, report::api_health, "The revolving fund's health figures (public)").answers(answers::HEALTH),
    r!(GET "/fund/upk/{id}", Read(Fund), upk::upk_page, "A UPK's books: KSMs, loans (paged and sorted: ?page=&sort=loan|ksm|disbursed|principal|outstanding|late&dir=), applications, trend"),
    r!(GET "/fund/upk/{id}/loans.csv", Read(Fund), upk::loans_csv, "A UPK's loans as its page sorts them, every page, as CSV"),
    r!(POST "/fund/upk/{id}/ksm", Write(Fund), upk::create_ksm, "Form a KSM under the UPK"),
    r!(POST "/fund/upk/{id}/post", Write(Fund), upk::post_movement, "Post an operating cost or capital received"),
    r!(POST "/fund/upk/{id}/provision", Write(Fund), upk::provision, "Bring the loan-loss reserve to what the portfolio needs"),
    r!(GET "/fund/upk/{id}/settings", Read(Fund), upk::settings_page, "A UPK's settings"),
    r!(POST "/fund/upk/{id}/settings", Write(Fund), upk::settings_save, "Change a UPK's settings"),
    r!(GET "/fund/upk/{id}/statements", Read(Fund), upk::statements_page, "Balance sheet, income statement and cash book (?as_of=&from=)"),
    r!(GET "/fund/ksm/{id}", Read(Fund), ksm::ksm_page, "A KSM: members, joint liability, savings, loans"),
    r!(GET "/fund/ksm/{id}/collection", Read(Fund), ksm::collection_page, "Collection sheet for a group meeting (?on=), printable"),
    r!(POST "/fund/ksm/{id}/members", Write(Fund), ksm::add_member, "Add a KSM member"),
    r!(POST "/fund/ksm/{id}/joint-liability", Write(Fund), ksm::joint_liability, "Record the group's joint liability (tanggung renteng)"),
    r!(POST "/fund/ksm/{id}/savings", Write(Fund), ksm::savings, "A group savings deposit or withdrawal"),
    r!(POST "/fund/ksm/{id}/apply", Write(Fund), ksm::apply, "Enter a loan application (the maker)"),
    r!(POST "/fund/applications/{id}/decide", Write(FundApproval), loans::decide, "Approve or reject an application (the checker, never the maker)"),
    r!(POST "/fund/applications/{id}/disburse", Write(Fund), loans::disburse, "Disburse an approved application"),
    r!(GET "/fund/loans/{id}", Read(Fund), loans::loan_page, "A loan's ledger: schedule, repayments, receipts"),
    r!(POST "/fund/loans/{id}/repay", Write(Fund), loans::repay, "Post a repayment (idempotent)"),
    r!(POST "/fund/loans/{id}/reschedule", Write(Fund), loans::reschedule, "Reschedule the principal left (the old schedule is kept)"),
    r!(POST "/fund/loans/{id}/write-off", Write(Fund), loans::write_off, "Write off what the loan has left"),
    r!(POST "/fund/repayments/{id}/reverse", Write(Fund), loans::reverse, "Reverse a repayment (never edited)"),
    r!(GET "/fund/receipts/{id}", Read(Fund), loans::receipt_page, "A repayment's receipt (kuitansi), printable"),
    r!(GET "/api/v1/fund/upk/{id}", Read(Fund), upk::api_upk, "A UPK's books").answers(answers::UPK),
    r!(GET "/api/v1/fund/upk/{id}/statements", Read(Fund), upk::api_statements, "A UPK's statements (?as_of=&from=)").answers(answers::STATEMENTS),
    r!(GET "/api/v1/fund/loans/{id}", Read(Fund), loans::api_loan, "A loan's ledger").answers(answers::LOAN),
    r!(POST "/api/v1/fund/loans/{id}/repayments", Write(Fund), loans::api_repay, "Post a repayment: {paid_on, amount, key}; the same key posts once").takes::<api::RepaymentBody>().answers(answers::REPAY),
    r!(GET "/api/v1/fund/applications", Read(Fund), loans::api_applications, "Loan applications in the viewer's scope").answers(answers::APPLICATIONS),
    r!(POST "/api/v1/fund/applications/{id}/decision", Write(FundApproval), loans::api_decide, "Approve or reject: {decision: approve|reject, note}").takes::<api::DecisionBody>().answers(answers::DECIDE),
];
