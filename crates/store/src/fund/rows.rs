//! The fund's row types and the small helpers every fund module shares
//! (reading stored values back): a leaf, importing no other fund module.

use crate::{Result, StoreError};
use jiff::civil::Date;
use lumbung_domain::text;
use lumbung_domain::{ApplicationId, KsmId, MemberId, RepaymentId, Sex, UpkId, UserId};
use lumbung_fund::loan::{Frequency, Rupiah, ScheduleKind};
use lumbung_fund::report::LoanBook;
use lumbung_fund::rules;
use lumbung_fund::settings::Settings;
use serde::Serialize;

/// A UPK's stored settings that do not read back.
pub(super) fn stored_settings(e: impl std::fmt::Display) -> lumbung_domain::Text {
    text!("stored_settings_unreadable", e = e;
        id: "pengaturan UPK tersimpan tidak bisa dibaca: {e}", en: "{e}")
}

pub(super) fn invalid(field: &str, message: impl Into<lumbung_domain::Text>) -> StoreError {
    StoreError::invalid(field, message)
}

/// A KSM member as stored.
#[derive(Debug, Clone, Serialize)]
pub struct MemberRow {
    pub id: MemberId,
    pub ksm_id: KsmId,
    pub name: String,
    #[serde(with = "lumbung_domain::sex::letter")]
    pub sex: Sex,
    pub nik: Option<String>,
    /// The PS-2 household the member was picked from.
    pub household: Option<String>,
    pub joined_on: Date,
    pub left_on: Option<Date>,
}

/// A movement of a KSM's group savings.
#[derive(Debug, Clone, Serialize)]
pub struct SavingsRow {
    pub id: i64,
    pub member: Option<String>,
    pub on_date: Date,
    /// A deposit is positive, a withdrawal negative.
    pub amount: i64,
    pub journal_seq: i64,
}

/// A KSM with what its page and the rules need.
#[derive(Debug, Clone, Serialize)]
pub struct KsmView {
    pub id: KsmId,
    pub name: String,
    pub upk_id: UpkId,
    pub upk: String,
    pub joint_liability_on: Option<Date>,
    pub joint_liability_ref: Option<String>,
    pub members: Vec<MemberRow>,
    pub savings: Vec<SavingsRow>,
    pub savings_balance: i64,
}

/// A KSM in its UPK's list.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct KsmSummary {
    pub id: KsmId,
    pub name: String,
    /// Members who have not left.
    pub members: i64,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ApplicationRow {
    pub id: ApplicationId,
    pub upk_id: UpkId,
    pub upk: String,
    pub ksm_id: KsmId,
    pub ksm: String,
    #[schemars(with = "String")]
    pub applied_on: Date,
    /// (member id, member name, amount).
    pub amounts: Vec<(MemberId, String, i64)>,
    pub principal: i64,
    pub term_months: u16,
    pub fee_rate: String,
    pub schedule: ScheduleKind,
    pub frequency: Frequency,
    pub warnings: Vec<rules::Finding>,
    pub entered_by: String,
    pub entered_by_id: UserId,
    pub entered_at: String,
    pub status: lumbung_fund::application::ApplicationStatus,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub note: Option<String>,
    pub loan_id: Option<String>,
}

/// One repayment as its loan's ledger and its receipt show it.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct RepaymentRow {
    pub id: RepaymentId,
    pub loan_id: String,
    #[schemars(with = "String")]
    pub paid_on: Date,
    pub amount: i64,
    /// The journal entry that posted it: its receipt number.
    pub journal_seq: Option<i64>,
    pub principal: i64,
    pub fee: i64,
    pub left_over: i64,
    pub reversed: Option<String>,
}

/// What a repayment posting did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Repaid {
    /// The repayment's id, or `None` when its key was posted before.
    pub repayment: Option<RepaymentId>,
    pub journal_seq: Option<i64>,
}

/// A repayment to post (interactive or in a batch).
#[derive(Debug, Clone)]
pub struct RepaymentInput {
    pub loan_id: String,
    pub paid_on: Date,
    pub amount: Rupiah,
    /// The idempotency key: the same key twice posts once.
    pub key: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct BatchOutcome {
    pub posted: u64,
    pub already_posted: u64,
}

pub(super) fn settings_tx(conn: &crate::db::Connection, upk: i64) -> Result<Settings> {
    let raw: Option<String> = crate::sql::optional(
        conn,
        "SELECT settings FROM fund_settings WHERE upk_id = ?1",
        [upk],
    )?;
    match raw {
        None => Ok(Settings::default()),
        Some(raw) => {
            Settings::from_json(&raw).map_err(|e| invalid("fund_settings", stored_settings(e)))
        }
    }
}

pub(super) fn bad(what: &str) -> StoreError {
    StoreError::invalid(
        "fund_loans",
        text!("stored_value_unreadable", what = what;
            id: "{what} yang tersimpan tidak terbaca", en: "stored {what} is unreadable"),
    )
}

/// "no UPK 7", in both languages.
pub(super) fn no_upk(upk: i64) -> lumbung_domain::Text {
    text!("no_upk", upk = upk; id: "tidak ada UPK {upk}", en: "no UPK {upk}")
}

pub(super) fn parse_date(raw: &str) -> Result<Date> {
    raw.parse().map_err(|_| bad("date"))
}

pub(super) fn parse_kind(raw: &str) -> Result<ScheduleKind> {
    ScheduleKind::parse(raw).map_err(|_| bad("schedule"))
}

pub(super) fn parse_frequency(raw: &str) -> Result<Frequency> {
    Frequency::parse(raw).map_err(|_| bad("frequency"))
}

#[derive(Debug, Clone, Serialize)]
pub struct Receipt {
    pub upk_id: UpkId,
    pub upk: String,
    pub ksm_id: KsmId,
    pub ksm: String,
    pub repayment: RepaymentRow,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct LoanView {
    pub loan_id: String,
    pub upk_id: UpkId,
    pub upk: String,
    pub ksm_id: KsmId,
    pub ksm: String,
    pub principal: i64,
    pub term_months: u16,
    pub fee_rate: String,
    pub schedule_kind: ScheduleKind,
    pub frequency: Frequency,
    pub migrated: bool,
    /// (member id, name, amount) of new loans.
    pub members: Vec<(MemberId, String, i64)>,
    pub settings: Settings,
    #[serde(skip)]
    pub book: LoanBook,
}

impl From<lumbung_fund::servicing::Refused> for StoreError {
    fn from(e: lumbung_fund::servicing::Refused) -> Self {
        use lumbung_fund::servicing::Refused;
        match e {
            Refused::AboveMax(e) => e.into(),
            Refused::TooLarge(e) => e.into(),
            e => invalid(e.field(), e.text()),
        }
    }
}

impl From<lumbung_fund::group::Refused> for StoreError {
    fn from(e: lumbung_fund::group::Refused) -> Self {
        use lumbung_fund::group::Refused;
        match e {
            Refused::TooLarge(e) => e.into(),
            e => invalid(e.field(), e.text()),
        }
    }
}

impl crate::Store {
    /// `on` typed for what happened (a joining, an application, a
    /// rescheduling), the field it came in: a
    /// day the books keep, not ahead of today anywhere
    /// ([`lumbung_fund::not_ahead`]), by the store's clock.
    pub(super) fn day_passed(
        &self,
        field: &str,
        on: jiff::civil::Date,
    ) -> crate::Result<jiff::civil::Date> {
        let on = lumbung_fund::book_day(on).map_err(|e| invalid(field, e.text()))?;
        lumbung_fund::not_ahead(on, self.clock().latest_today())
            .map_err(|e| invalid(field, e.text()))
    }
}
