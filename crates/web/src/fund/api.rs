//! What the fund's API answers and takes, as named types: the OpenAPI
//! document carries their schemas, and the pages render the same values.

use jiff::civil::Date;
use lumbung_domain::{ApplicationId, KsmId, RepaymentId, UpkId};
use lumbung_fund::application::ApplicationStatus;
use lumbung_fund::loan::{Arrears, Instalment};
use lumbung_fund::report::{Due, FundReport, Health, Indicators, TrendPoint};
use lumbung_fund::settings::Settings;
use lumbung_fund::statements::{BalanceSheet, CashBook, IncomeStatement};
use lumbung_store::{ApplicationRow, KsmSummary, LoanView, RepaymentRow};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The oversight report, with its monthly trend when asked for.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Report {
    #[serde(flatten)]
    pub report: FundReport,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub trend: Vec<TrendPoint>,
}

/// The health figures of the fund or a UPK: ratios and bands, no money.
#[derive(Debug, Serialize, JsonSchema)]
pub struct HealthFigures {
    #[schemars(with = "Option<String>")]
    pub par: Option<lumbung_domain::Share>,
    #[schemars(with = "Option<String>")]
    pub rr: Option<lumbung_domain::Share>,
    #[schemars(with = "Option<String>")]
    pub lar: Option<lumbung_domain::Share>,
    #[schemars(with = "Option<String>")]
    pub ccr: Option<lumbung_domain::Share>,
    #[schemars(with = "Option<String>")]
    pub roi: Option<lumbung_domain::Share>,
    pub health: Health,
}

impl From<&Indicators> for HealthFigures {
    fn from(i: &Indicators) -> Self {
        HealthFigures {
            par: i.par,
            rr: i.rr,
            lar: i.lar,
            ccr: i.ccr,
            roi: i.roi,
            health: i.health,
        }
    }
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct UpkHealth {
    pub upk: String,
    #[serde(flatten)]
    pub figures: HealthFigures,
}

/// The public health figures: the whole fund's and each UPK's.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PublicHealth {
    #[schemars(with = "String")]
    pub as_of: Date,
    pub all: HealthFigures,
    pub by_upk: Vec<UpkHealth>,
}

impl From<&FundReport> for PublicHealth {
    fn from(r: &FundReport) -> Self {
        PublicHealth {
            as_of: r.as_of,
            all: (&r.indicators).into(),
            by_upk: r
                .by_upk
                .iter()
                .map(|u| UpkHealth {
                    upk: u.upk.clone(),
                    figures: (&u.indicators).into(),
                })
                .collect(),
        }
    }
}

/// A UPK as its books name it.
#[derive(Debug, Serialize, JsonSchema)]
pub struct UpkHead {
    pub id: UpkId,
    pub name: String,
    pub area: Option<String>,
    pub parent: Option<String>,
}

/// A loan's line in a list: its standing today.
#[derive(Debug, Serialize, JsonSchema)]
pub struct LoanLine {
    pub loan_id: String,
    pub ksm: KsmId,
    /// The KSM's name, in a UPK's list.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ksm_name: Option<String>,
    #[schemars(with = "String")]
    pub disbursed_on: Date,
    pub principal: i64,
    pub outstanding: Option<i64>,
    pub missed: Option<u16>,
    /// Days the oldest missed instalment is overdue (0 when none).
    pub days_late: Option<i32>,
    pub class: Option<u8>,
    pub written_off: Option<i64>,
    pub rescheduled: bool,
}

/// A UPK's books: its KSMs, loans, applications, figures and settings.
#[derive(Debug, Serialize, JsonSchema)]
pub struct UpkBooks {
    pub upk: UpkHead,
    pub ksms: Vec<KsmSummary>,
    pub loans: Vec<LoanLine>,
    pub applications: Vec<ApplicationRow>,
    pub indicators: Indicators,
    pub trend: Vec<TrendPoint>,
    pub settings: Settings,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct UpkRef {
    pub id: UpkId,
    pub name: String,
}

/// A UPK's balance sheet, income statement and cash book.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Statements {
    pub upk: UpkRef,
    #[schemars(with = "String")]
    pub as_of: Date,
    #[schemars(with = "String")]
    pub from: Date,
    pub balance_sheet: BalanceSheet,
    pub income_statement: IncomeStatement,
    pub cash_book: CashBook,
}

/// An instalment of the schedule in force, with what paid it.
#[derive(Debug, Serialize, JsonSchema)]
pub struct InstalmentLine {
    pub number: u16,
    #[schemars(with = "String")]
    pub due: Date,
    pub principal: i64,
    pub fee: i64,
    pub paid: i64,
    #[schemars(with = "Option<String>")]
    pub settled_on: Option<Date>,
    pub missed: bool,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct RescheduledLine {
    #[schemars(with = "String")]
    pub on: Date,
    pub principal: i64,
    pub term_months: u16,
    pub instalments: usize,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct WrittenOff {
    #[schemars(with = "String")]
    pub on: Date,
    pub principal: i64,
}

/// A loan's ledger: its terms, standing, schedules and repayments.
#[derive(Debug, Serialize, JsonSchema)]
pub struct LoanLedger {
    pub loan: LoanView,
    pub standing: Option<Arrears>,
    pub due: Due,
    pub instalments: Vec<InstalmentLine>,
    pub original_schedule: Vec<Instalment>,
    pub rescheduled: Vec<RescheduledLine>,
    pub written_off: Option<WrittenOff>,
    pub repayments: Vec<RepaymentRow>,
}

/// A repayment sent to the API (`paid_on` defaults to today).
#[derive(Debug, Deserialize, JsonSchema)]
pub struct RepaymentBody {
    #[serde(default, deserialize_with = "lenient_text")]
    pub paid_on: Option<String>,
    #[serde(default)]
    #[schemars(with = "Option<AmountSchema>")]
    pub amount: Option<serde_json::Value>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub key: Option<String>,
}

/// A whole-rupiah amount: a number or its digits as text.
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum AmountSchema {
    Number(i64),
    Text(String),
}

/// A field read as text when it is text, and as absent otherwise, as the
/// API always read it.
fn lenient_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => Some(s),
        _ => None,
    })
}

/// What posting a repayment did.
#[derive(Debug, Serialize, JsonSchema)]
pub struct RepaymentPosted {
    pub posted: bool,
    pub repayment: Option<RepaymentId>,
    pub journal_entry: Option<i64>,
}

/// The applications in the viewer's scope.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Applications {
    pub applications: Vec<ApplicationRow>,
}

/// The checker's decision sent to the API.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct DecisionBody {
    #[serde(default, deserialize_with = "lenient_text")]
    pub decision: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub note: Option<String>,
}

/// An application decided.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Decided {
    pub application: ApplicationId,
    pub status: ApplicationStatus,
}

/// Every status each fund API operation answers, besides those of its
/// kind (sign-in, CSRF, body, busy).
pub mod answers {
    use super::*;
    use crate::spec::{error, json, Answer};

    pub const REPORT: &[Answer] = &[json::<Report>(200), error(422)];
    pub const HEALTH: &[Answer] = &[json::<PublicHealth>(200), error(422)];
    pub const UPK: &[Answer] = &[json::<UpkBooks>(200), error(404), error(422)];
    pub const STATEMENTS: &[Answer] = &[json::<Statements>(200), error(404), error(422)];
    pub const LOAN: &[Answer] = &[json::<LoanLedger>(200), error(404), error(422)];
    pub const REPAY: &[Answer] = &[json::<RepaymentPosted>(200), error(404), error(422)];
    pub const APPLICATIONS: &[Answer] = &[json::<Applications>(200)];
    pub const DECIDE: &[Answer] = &[json::<Decided>(200), error(404), error(422)];
}
