//! The revolving fund in the web app: the oversight report and its public
//! health figures (`report`), and the UPK's books: a UPK's page, settings
//! and statements (`upk`), a KSM's page, its members, savings,
//! applications and collection sheet (`ksm`), and a loan's ledger,
//! repayments and receipts (`loans`); `routes` lists them. The UPK writes
//! (the maker), the BKM approves (the checker); everyone who reads the
//! books sees them, within their scope. Every form carries an idempotency
//! key made when the form was shown, so a form sent twice posts once.

pub mod api;
mod ksm;
mod loans;
pub mod report;
pub mod routes;
mod upk;
pub(crate) mod work;

use crate::auth::{InScope, Named, Viewer};
use crate::edge::{acting, done, invalid, redirect, today, Rest};
use crate::error::AppError;
use crate::render::render;
use crate::AppState;
use axum::extract::{Path, Query};
use axum::response::{Html, Response};
use axum::{Form, Json};
use jiff::civil::Date;
use lumbung_domain::text;
use lumbung_domain::{ApplicationId, KsmId, MemberId, RepaymentId, Sex, UpkId};
use lumbung_fund::loan::Rupiah;
use lumbung_fund::report::{portfolio, trend, Context, LoanBook};
use lumbung_fund::settings::Settings;
use lumbung_fund::statements::{balance_sheet, cash_book, income_statement};
use lumbung_store::{Org, RepaymentInput};
use minijinja::context;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;

/// A fresh idempotency key for a form.
pub(super) fn form_key() -> String {
    hex::encode(rand::random::<[u8; 12]>())
}

/// A book day typed in a form for what happened (a movement, a joining,
/// an application): never ahead of today anywhere
/// ([`lumbung_fund::not_ahead`]); blank is today.
pub(super) fn day_or(raw: &str, name: &str, state: &AppState) -> Result<Date, AppError> {
    let clock = state.store.clock();
    match raw.trim() {
        "" => Ok(clock.today()),
        raw => lumbung_fund::not_ahead(book_day(raw, name)?, clock.latest_today())
            .map_err(|e| invalid(name, e.text())),
    }
}

/// A date typed in, on a day the books keep.
pub(super) fn book_day(raw: &str, name: &str) -> Result<Date, AppError> {
    let date = crate::edge::parse_date(raw, name)?.ok_or_else(|| not_a_date(name, raw))?;
    lumbung_fund::book_day(date).map_err(|e| invalid(name, e.text()))
}

pub(super) fn query_date(raw: Option<&str>, name: &str) -> Result<Option<Date>, AppError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(d) => book_day(d, name).map(Some),
    }
}

/// Whole rupiah as typed ([`Rupiah::parse_written`]).
pub(super) fn rupiah(raw: &str, name: &str) -> Result<i64, AppError> {
    let typed = raw.trim();
    let amount = Rupiah::parse_written(typed).map(|r| r.0);
    amount.ok_or_else(|| {
        invalid(
            name,
            text!("not_whole_rupiah", value = format!("{typed:?}");
                id: "{value} bukan jumlah rupiah bulat",
                en: "{value} is not a whole-rupiah amount"),
        )
    })
}

/// The longest note, memo, reason or key typed into the books: they are
/// kept for good (the journal is never edited).
pub(super) const TEXT_MAX: usize = 500;

/// `raw` trimmed, refused beside `field` when longer than [`TEXT_MAX`].
pub(super) fn kept_text(raw: &str, field: &str) -> Result<String, AppError> {
    let text = raw.trim();
    if text.chars().count() > TEXT_MAX {
        return Err(invalid(
            field,
            text!("fund_text_too_long", max = TEXT_MAX;
                id: "paling panjang {max} karakter", en: "at most {max} characters"),
        ));
    }
    Ok(text.to_owned())
}

/// An amount beyond any bound, refused before it reaches the books.
pub(super) fn too_large(field: &str) -> AppError {
    AppError::TooLarge {
        field: field.to_owned(),
        max: None,
    }
}

pub(super) fn number<T: std::str::FromStr>(raw: &str, name: &str) -> Result<T, AppError> {
    let raw = raw.trim();
    raw.parse().map_err(|_| not_a_number(name, raw))
}

/// The form's idempotency key (made when the form was shown).
pub(super) fn posting_key(raw: &str) -> Result<String, AppError> {
    match raw.trim() {
        "" => Err(invalid(
            "key",
            text!("form_without_key";
                id: "formulir tidak punya kunci; muat ulang halamannya",
                en: "the form has no key; load the page again"),
        )),
        k => Ok(format!("web:{}", kept_text(k, "key")?)),
    }
}

/// The fields of the forms that post to the books: each on a day (blank:
/// today), each form with those it needs — an amount and its idempotency
/// key, a reason, a term, a memo, the kind of movement, the direction and
/// member of savings.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct PostingForm {
    date: String,
    amount: String,
    key: String,
    reason: String,
    term_months: String,
    memo: String,
    kind: String,
    direction: String,
    member: String,
}

impl PostingForm {
    pub(super) fn on(&self, state: &AppState) -> Result<Date, AppError> {
        day_or(&self.date, "date", state)
    }
}

pub(super) fn parse_id<T: std::str::FromStr>(raw: &str, what: &str) -> Result<T, AppError> {
    raw.parse()
        .map_err(|_| AppError::not_found(thing(what, raw)))
}

/// A KSM or a UPK: by its id, when it is of its kind and in scope.
macro_rules! named_org {
    ($id:ty, $kind:literal) => {
        impl Named for $id {
            async fn find(state: &AppState, viewer: &Viewer, raw: &str) -> Result<Self, AppError> {
                let id: $id = parse_id(raw, $kind)?;
                org_in_scope(state, viewer, id, $kind).await?;
                Ok(id)
            }
        }
    };
}
named_org!(KsmId, "ksm");
named_org!(UpkId, "upk");

impl Named for lumbung_store::LoanView {
    async fn find(state: &AppState, viewer: &Viewer, raw: &str) -> Result<Self, AppError> {
        loan_in_scope(state, viewer, raw).await
    }
}

/// The organisation of `kind` with this id, when the viewer's scope covers
/// it; otherwise not found (its existence is not told).
pub(super) async fn org_in_scope(
    state: &AppState,
    viewer: &Viewer,
    id: impl Into<i64>,
    kind: &'static str,
) -> Result<Org, AppError> {
    let id: i64 = id.into();
    let org = state
        .blocking(move |s| s.org(lumbung_domain::OrgId::new(id)))
        .await?;
    match org {
        Some(o) if o.kind == kind && viewer.scope().covers(&o.placement) => Ok(o),
        _ => Err(AppError::not_found(thing(kind, id))),
    }
}

/// A loan's UPK, checked against the viewer's scope.
pub(super) async fn loan_in_scope(
    state: &AppState,
    viewer: &Viewer,
    loan_id: &str,
) -> Result<lumbung_store::LoanView, AppError> {
    let id = loan_id.to_owned();
    let view = state
        .blocking(move |s| s.loan(&id))
        .await?
        .ok_or_else(|| AppError::not_found(thing("loan", loan_id)))?;
    org_in_scope(state, viewer, view.upk_id, "upk").await?;
    Ok(view)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DateQuery {
    pub(super) as_of: Option<String>,
    pub(super) from: Option<String>,
    pub(super) on: Option<String>,
}

/// A thing named by its kind and id, as "not found" names it.
pub(super) fn thing(kind: &str, id: impl std::fmt::Display) -> lumbung_domain::Text {
    let kind_id = match kind {
        "application" => "permohonan",
        "repayment" => "pembayaran",
        "loan" => "pinjaman",
        "ksm" => "KSM",
        "upk" => "UPK",
        "member" => "anggota",
        other => other,
    };
    lumbung_domain::Text::new(
        "thing",
        vec![("kind", kind.to_owned()), ("id", id.to_string())],
        format!("{kind_id} {id}"),
        format!("{kind} {id}"),
    )
}

pub(super) fn not_a_date(field: &str, raw: &str) -> AppError {
    invalid(
        field,
        text!("not_a_date", value = format!("{raw:?}");
            id: "{value} bukan tanggal seperti 2024-06-30",
            en: "{value} is not a date such as 2024-06-30"),
    )
}

pub(super) fn not_a_number(field: &str, raw: &str) -> AppError {
    invalid(
        field,
        text!("not_a_number", value = format!("{raw:?}");
            id: "{value} bukan angka", en: "{value} is not a number"),
    )
}

/// A choice that is neither of the two a field takes.
pub(super) fn neither(field: &str, value: &str, a: &str, b: &str) -> AppError {
    invalid(
        field,
        text!("neither_choice", value = format!("{value:?}"), a = a, b = b;
            id: "{value} bukan {a} maupun {b}", en: "{value} is neither {a} nor {b}"),
    )
}

#[cfg(test)]
mod tests {
    /// Regression: a decimal point was dropped as a thousands separator,
    /// so `25000.50` was posted as Rp 2,500,050.
    #[test]
    fn amounts_take_thousands_separators_and_refuse_decimals() {
        for (typed, amount) in [
            ("107.500", 107_500),
            ("1,000,000", 1_000_000),
            ("25 000", 25_000),
            ("25000", 25_000),
            ("-5.000", -5_000),
        ] {
            assert_eq!(super::rupiah(typed, "amount").unwrap(), amount, "{typed}");
        }
        for typed in [
            "25000.50",
            "1.000,5",
            "12.34.567",
            ".500",
            "",
            "abc",
            "1..000",
        ] {
            assert!(super::rupiah(typed, "amount").is_err(), "{typed}");
        }
    }

    /// Regression: a memo, reason or key of a megabyte was kept in the
    /// books for good, each form sent.
    #[test]
    fn text_kept_in_the_books_is_bounded() {
        let long = "x".repeat(super::TEXT_MAX + 1);
        assert!(super::kept_text(&long, "memo").is_err());
        assert!(super::posting_key(&long).is_err());
        let most = "é".repeat(super::TEXT_MAX);
        assert_eq!(
            super::kept_text(&format!(" {most} "), "memo").unwrap(),
            most
        );
    }
}
