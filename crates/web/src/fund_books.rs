//! The UPK's books in the web app: a UPK's page (its KSMs, loans and
//! applications), a KSM's page (members, joint liability, savings, loans),
//! a loan's ledger, receipts (kuitansi), statements, settings and the
//! collection sheet of a group meeting; and the forms behind them. The UPK
//! writes (the maker), the BKM approves (the checker); everyone who reads
//! the books sees them, within their scope. Every form carries an
//! idempotency key made when the form was shown, so a form sent twice
//! posts once.

use crate::auth::Viewer;
use crate::edge::{invalid, redirect, today};
use crate::error::AppError;
use crate::render::render;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::Uri;
use axum::response::{Html, Response};
use axum::{Extension, Form, Json};
use jiff::civil::Date;
use lumbung_domain::Sex;
use lumbung_fund::loan::Rupiah;
use lumbung_fund::report::{portfolio, trend, Context, LoanBook, TrendPoint};
use lumbung_fund::settings::Settings;
use lumbung_fund::statements::{balance_sheet, cash_book, income_statement};
use lumbung_store::{Org, RepaymentInput};
use minijinja::context;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;

type Fields = HashMap<String, String>;

/// Today by the store's clock (tests fix it).
/// A fresh idempotency key for a form.
fn form_key() -> String {
    hex::encode(rand::random::<[u8; 12]>())
}

fn text<'a>(f: &'a Fields, name: &str) -> &'a str {
    f.get(name).map(|s| s.trim()).unwrap_or("")
}

fn date_field(f: &Fields, name: &str, today: Date) -> Result<Date, AppError> {
    match text(f, name) {
        "" => Ok(today),
        raw => book_day(raw, name),
    }
}

/// A date typed in, on a day the books keep.
fn book_day(raw: &str, name: &str) -> Result<Date, AppError> {
    let date = raw
        .parse()
        .map_err(|_| invalid(name, format!("{raw:?} is not a date such as 2024-06-30")))?;
    lumbung_fund::book_day(date).map_err(|e| invalid(name, e.to_string()))
}

fn query_date(raw: Option<&str>, name: &str) -> Result<Option<Date>, AppError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(d) => book_day(d, name).map(Some),
    }
}

fn rupiah_field(f: &Fields, name: &str) -> Result<i64, AppError> {
    let raw: String = text(f, name)
        .chars()
        .filter(|c| !matches!(c, '.' | ',' | ' '))
        .collect();
    raw.parse().map_err(|_| {
        invalid(
            name,
            format!("{:?} is not a whole-rupiah amount", text(f, name)),
        )
    })
}

/// An amount beyond any bound, refused before it reaches the books.
fn too_large(field: &str) -> AppError {
    AppError::TooLarge {
        field: field.to_owned(),
        max: None,
    }
}

fn number_field<T: std::str::FromStr>(f: &Fields, name: &str) -> Result<T, AppError> {
    text(f, name)
        .parse()
        .map_err(|_| invalid(name, format!("{:?} is not a number", text(f, name))))
}

fn key_field(f: &Fields) -> Result<String, AppError> {
    match text(f, "key") {
        "" => Err(invalid("key", "the form has no key; load the page again")),
        k => Ok(format!("web:{k}")),
    }
}

fn parse_id(raw: &str, what: &str) -> Result<i64, AppError> {
    raw.parse()
        .map_err(|_| AppError::not_found(format!("{what} {raw}")))
}

/// The organisation of `kind` with this id, when the viewer's scope covers
/// it; otherwise not found (its existence is not told).
async fn org_in_scope(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    kind: &'static str,
) -> Result<Org, AppError> {
    let org = state
        .blocking(move |s| s.org(lumbung_domain::OrgId::new(id)))
        .await?;
    match org {
        Some(o) if o.kind == kind && viewer.scope().covers(&o.placement) => Ok(o),
        _ => Err(AppError::not_found(format!("{kind} {id}"))),
    }
}

/// A loan's UPK, checked against the viewer's scope.
async fn loan_in_scope(
    state: &AppState,
    viewer: &Viewer,
    loan_id: &str,
) -> Result<lumbung_store::LoanView, AppError> {
    let id = loan_id.to_owned();
    let view = state
        .blocking(move |s| s.loan(&id))
        .await?
        .ok_or_else(|| AppError::not_found(format!("loan {loan_id}")))?;
    org_in_scope(state, viewer, view.upk_id, "upk").await?;
    Ok(view)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DateQuery {
    as_of: Option<String>,
    from: Option<String>,
    on: Option<String>,
}

/// A loan's line in a list: its standing today.
fn loan_line(loan_id: &str, book: &LoanBook, settings: &Settings, on: Date) -> Value {
    let standing = book.standing(on, &settings.class_thresholds());
    json!({
        "loan_id": loan_id,
        "ksm": book.ksm,
        "disbursed_on": book.disbursed_on,
        "principal": book.schedule.iter().map(|i| i.principal.0).sum::<i64>(),
        "outstanding": standing.map(|a| a.outstanding.0),
        "missed": standing.map(|a| a.missed),
        "class": standing.map(|a| a.quality_class),
        "written_off": book.written_off.map(|w| w.1 .0),
        "rescheduled": !book.rescheduled.is_empty(),
    })
}

/// Everything on a UPK's page, shared with its JSON.
async fn upk_data(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
) -> Result<(Value, Vec<TrendPoint>), AppError> {
    let upk = org_in_scope(state, viewer, id, "upk").await?;
    let as_of = today(state);
    let (ksms, loans, applications, settings, ctx) = state
        .blocking(move |s| {
            Ok((
                s.ksms_of(id)?,
                s.loans_of(Some(id), None)?,
                s.fund_applications(Some(id))?,
                s.fund_settings(id)?,
                s.fund_context(as_of)?,
            ))
        })
        .await?;
    let names: HashMap<i64, &str> = ksms.iter().map(|(k, n, _)| (*k, n.as_str())).collect();
    let books: Vec<LoanBook> = loans.iter().map(|(_, b)| b.clone()).collect();
    let ctx = Context {
        settings: ctx.settings.into_iter().filter(|(u, _)| *u == id).collect(),
        finances: ctx.finances.into_iter().filter(|(u, _)| *u == id).collect(),
        areas: Default::default(),
    };
    let report = portfolio(&books, as_of, &ctx).map_err(lumbung_store::StoreError::from)?;
    let points = trend(&books, as_of, 12, &ctx).map_err(lumbung_store::StoreError::from)?;
    Ok((
        json!({
            "upk": {"id": upk.id, "name": upk.name, "area": upk.area_name, "parent": upk.parent_name},
            "ksms": ksms.iter().map(|(k, n, m)| json!({"id": k, "name": n, "members": m})).collect::<Vec<_>>(),
            "loans": loans.iter().map(|(l, b)| {
                let mut v = loan_line(l, b, &settings, as_of);
                v["ksm_name"] = json!(names.get(&b.ksm).copied().unwrap_or(""));
                v
            }).collect::<Vec<_>>(),
            "applications": applications,
            "indicators": report.indicators,
            "trend": &points,
            "settings": settings,
        }),
        points,
    ))
}

pub async fn upk_page(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    uri: Uri,
    Path(id): Path<String>,
) -> Result<Html<String>, AppError> {
    let id = parse_id(&id, "upk")?;
    let (data, points) = upk_data(&state, &viewer, id).await?;
    render(
        &viewer,
        &uri,
        "fund_upk.html",
        context! { d => data, trend_chart => crate::fund::trend_chart(&points), key => form_key(), today => today(&state) },
    )
}

pub async fn api_upk(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    let id = parse_id(&id, "upk")?;
    Ok(Json(upk_data(&state, &viewer, id).await?.0))
}

pub async fn create_ksm(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> Result<Response, AppError> {
    let id = parse_id(&id, "upk")?;
    org_in_scope(&state, &viewer, id, "upk").await?;
    let (name, actor) = (text(&f, "name").to_owned(), viewer.actor()?);
    let ksm = state
        .blocking(move |s| s.create_ksm(id, &name, &actor))
        .await?;
    Ok(redirect(&format!("/fund/ksm/{ksm}")))
}

pub async fn post_movement(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> Result<Response, AppError> {
    let id = parse_id(&id, "upk")?;
    let upk = org_in_scope(&state, &viewer, id, "upk").await?;
    let movement = match text(&f, "kind") {
        "cost" => lumbung_store::Movement::Cost,
        "capital" => lumbung_store::Movement::Capital,
        other => {
            return Err(invalid(
                "kind",
                format!("{other:?} is neither cost nor capital"),
            ))
        }
    };
    let (on, amount, key) = (
        date_field(&f, "date", today(&state))?,
        rupiah_field(&f, "amount")?,
        key_field(&f)?,
    );
    let (memo, actor) = (text(&f, "memo").to_owned(), viewer.actor()?);
    state
        .blocking(move |s| {
            s.post_fund_movement(upk.id, movement, on, Rupiah(amount), &memo, &key, &actor)
        })
        .await?;
    Ok(redirect(&format!("/fund/upk/{id}")))
}

pub async fn provision(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> Result<Response, AppError> {
    let id = parse_id(&id, "upk")?;
    org_in_scope(&state, &viewer, id, "upk").await?;
    let (on, actor) = (date_field(&f, "date", today(&state))?, viewer.actor()?);
    state.blocking(move |s| s.provision(id, on, &actor)).await?;
    Ok(redirect(&format!("/fund/upk/{id}/statements")))
}

/// The settings a form shows, one input each.
const SETTING_FIELDS: [&str; 13] = [
    "arrears_threshold",
    "further_classes",
    "min_members",
    "women_target_percent",
    "savings_months",
    "first_loan_limit",
    "loan_limit",
    "loans_before_bank",
    "term_min",
    "term_max",
    "fee_rate",
    "reserve_rates",
    "max_movement",
];

fn settings_fields(s: &Settings) -> Vec<(String, String)> {
    let json = serde_json::to_value(s).expect("settings serialise");
    SETTING_FIELDS
        .iter()
        .map(|k| {
            let v = &json[*k];
            let shown = match v {
                Value::Array(items) => items
                    .iter()
                    .map(|i| {
                        i.as_str()
                            .map(str::to_owned)
                            .unwrap_or_else(|| i.to_string())
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            ((*k).to_owned(), shown)
        })
        .collect()
}

pub async fn settings_page(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    uri: Uri,
    Path(id): Path<String>,
) -> Result<Html<String>, AppError> {
    let id = parse_id(&id, "upk")?;
    let upk = org_in_scope(&state, &viewer, id, "upk").await?;
    let settings = state.blocking(move |s| s.fund_settings(id)).await?;
    render(
        &viewer,
        &uri,
        "fund_settings.html",
        context! { upk => json!({"id": upk.id, "name": upk.name}), fields => settings_fields(&settings), schedule => settings.schedule, frequency => settings.frequency },
    )
}

pub async fn settings_save(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> Result<Response, AppError> {
    let id = parse_id(&id, "upk")?;
    org_in_scope(&state, &viewer, id, "upk").await?;
    let mut json = serde_json::Map::new();
    for k in SETTING_FIELDS {
        let raw = text(&f, k);
        // A form from before the bound existed keeps its default.
        if k == "max_movement" && raw.is_empty() {
            continue;
        }
        let value = match k {
            "further_classes" => Value::Array(
                raw.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|n| {
                        n.parse::<u16>()
                            .map(Value::from)
                            .map_err(|_| invalid(k, format!("{n:?} is not a number")))
                    })
                    .collect::<Result<_, _>>()?,
            ),
            "reserve_rates" => Value::Array(
                raw.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(Value::from)
                    .collect(),
            ),
            "fee_rate" => Value::from(raw),
            _ => Value::from(number_field::<i64>(&f, k)?),
        };
        json.insert(k.to_owned(), value);
    }
    // Choices left out keep their defaults (a form from before a choice
    // existed still saves).
    for k in ["schedule", "frequency"] {
        let chosen = text(&f, k);
        if !chosen.is_empty() {
            json.insert(k.into(), Value::from(chosen));
        }
    }
    let settings = Settings::from_json(&Value::Object(json).to_string())
        .map_err(|e| invalid(e.field, e.message))?;
    let actor = viewer.actor()?;
    state
        .blocking(move |s| s.set_fund_settings(id, settings, &actor))
        .await?;
    Ok(redirect(&format!("/fund/upk/{id}/settings")))
}

async fn statements_data(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    q: &DateQuery,
) -> Result<Value, AppError> {
    let upk = org_in_scope(state, viewer, id, "upk").await?;
    let as_of = query_date(q.as_of.as_deref(), "as_of")?.unwrap_or_else(|| today(state));
    let from = query_date(q.from.as_deref(), "from")?
        .unwrap_or_else(|| Date::new(as_of.year(), 1, 1).expect("1 January"));
    let journal = state.blocking(move |s| s.upk_journal(id)).await?;
    Ok(json!({
        "upk": {"id": upk.id, "name": upk.name},
        "as_of": as_of, "from": from,
        "balance_sheet": balance_sheet(&journal, as_of).map_err(lumbung_store::StoreError::from)?,
        "income_statement": income_statement(&journal, from, as_of).map_err(lumbung_store::StoreError::from)?,
        "cash_book": cash_book(&journal, from, as_of).map_err(lumbung_store::StoreError::from)?,
    }))
}

pub async fn statements_page(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    uri: Uri,
    Path(id): Path<String>,
    Query(q): Query<DateQuery>,
) -> Result<Html<String>, AppError> {
    let id = parse_id(&id, "upk")?;
    let d = statements_data(&state, &viewer, id, &q).await?;
    render(
        &viewer,
        &uri,
        "fund_statements.html",
        context! { d => d, today => today(&state) },
    )
}

pub async fn api_statements(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Query(q): Query<DateQuery>,
) -> Result<Json<Value>, AppError> {
    let id = parse_id(&id, "upk")?;
    Ok(Json(statements_data(&state, &viewer, id, &q).await?))
}

pub async fn ksm_page(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    uri: Uri,
    Path(id): Path<String>,
) -> Result<Html<String>, AppError> {
    let id = parse_id(&id, "ksm")?;
    org_in_scope(&state, &viewer, id, "ksm").await?;
    // Members are picked from the PS-2 list by those who may read it.
    let read_ps2 = viewer
        .user()
        .is_some_and(|u| u.role.can_read(lumbung_domain::Resource::PoorList));
    let (ksm, loans, settings, ps2) = state
        .blocking(move |s| {
            let ksm = s
                .ksm(id)?
                .ok_or_else(|| lumbung_store::StoreError::not_found(format!("ksm {id}")))?;
            let settings = s.fund_settings(ksm.upk_id)?;
            let ps2 = if read_ps2 {
                s.ps2_candidates(id)?
            } else {
                None
            };
            Ok((ksm, s.loans_of(None, Some(id))?, settings, ps2))
        })
        .await?;
    // Names of the PS-2 list were read: audited like the list's own page,
    // under the kelurahan (an RT's code starts with its kelurahan's).
    if let Some(first) = ps2.as_ref().and_then(|c| c.first()) {
        let kelurahan = first.rt.split('.').next().unwrap_or(&first.rt).to_owned();
        let details = serde_json::json!({"ksm": id, "members": ps2.as_ref().map_or(0, Vec::len)});
        crate::community::audit_read(&state, &viewer, "ps2", &kelurahan, details).await?;
    }
    let taken: std::collections::HashSet<(String, String)> = ksm
        .members
        .iter()
        .filter_map(|m| m.household.clone().map(|h| (h, m.name.clone())))
        .collect();
    let ps2: Option<Vec<_>> = ps2.map(|c| {
        c.into_iter()
            .filter(|c| !taken.contains(&(c.household_id.clone(), c.name.clone())))
            .collect()
    });
    let on = today(&state);
    let women = ksm
        .members
        .iter()
        .filter(|m| m.left_on.is_none() && m.sex == Sex::Female)
        .count();
    let active = ksm.members.iter().filter(|m| m.left_on.is_none()).count();
    render(
        &viewer,
        &uri,
        "fund_ksm.html",
        context! {
            ksm => ksm,
            active => active,
            women => women,
            loans => loans.iter().map(|(l, b)| loan_line(l, b, &settings, on)).collect::<Vec<_>>(),
            settings => settings,
            ps2 => ps2,
            key => form_key(),
            today => on,
        },
    )
}

async fn ksm_for_write(state: &AppState, viewer: &Viewer, id: &str) -> Result<i64, AppError> {
    let id = parse_id(id, "ksm")?;
    org_in_scope(state, viewer, id, "ksm").await?;
    Ok(id)
}

pub async fn add_member(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> Result<Response, AppError> {
    let id = ksm_for_write(&state, &viewer, &id).await?;
    if let Some(pick) = f.get("from_ps2").map(|p| p.trim().to_owned()) {
        let (household, index) = pick
            .rsplit_once('|')
            .and_then(|(h, i)| Some((h.to_owned(), i.parse::<usize>().ok()?)))
            .ok_or_else(|| invalid("from_ps2", format!("{pick:?} names no household member")))?;
        let (on, actor) = (date_field(&f, "joined_on", today(&state))?, viewer.actor()?);
        state
            .blocking(move |s| s.add_ksm_member_from_ps2(id, &household, index, on, &actor))
            .await?;
        return Ok(redirect(&format!("/fund/ksm/{id}")));
    }
    let sex = match text(&f, "sex") {
        "f" => Sex::Female,
        "m" => Sex::Male,
        other => return Err(invalid("sex", format!("{other:?} is neither f nor m"))),
    };
    let (name, nik, on, actor) = (
        text(&f, "name").to_owned(),
        text(&f, "nik").to_owned(),
        date_field(&f, "joined_on", today(&state))?,
        viewer.actor()?,
    );
    state
        .blocking(move |s| s.add_ksm_member(id, &name, sex, Some(&nik), on, &actor))
        .await?;
    Ok(redirect(&format!("/fund/ksm/{id}")))
}

pub async fn joint_liability(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> Result<Response, AppError> {
    let id = ksm_for_write(&state, &viewer, &id).await?;
    let reference = text(&f, "reference").to_owned();
    if reference.is_empty() {
        return Err(invalid(
            "reference",
            "name the signed agreement (its number or date)",
        ));
    }
    let (on, actor) = (date_field(&f, "date", today(&state))?, viewer.actor()?);
    state
        .blocking(move |s| s.record_joint_liability(id, on, &reference, &actor))
        .await?;
    Ok(redirect(&format!("/fund/ksm/{id}")))
}

pub async fn savings(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> Result<Response, AppError> {
    let id = ksm_for_write(&state, &viewer, &id).await?;
    let amount = rupiah_field(&f, "amount")?;
    let signed = match text(&f, "direction") {
        "withdrawal" => amount.checked_neg().ok_or_else(|| too_large("amount"))?,
        _ => amount,
    };
    let member = match text(&f, "member") {
        "" => None,
        m => Some(parse_id(m, "member")?),
    };
    let (on, key, actor) = (
        date_field(&f, "date", today(&state))?,
        key_field(&f)?,
        viewer.actor()?,
    );
    state
        .blocking(move |s| s.post_savings(id, member, on, Rupiah(signed), &key, &actor))
        .await?;
    Ok(redirect(&format!("/fund/ksm/{id}")))
}

pub async fn apply(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> Result<Response, AppError> {
    let id = ksm_for_write(&state, &viewer, &id).await?;
    let mut amounts = Vec::new();
    for (name, raw) in &f {
        if let Some(member) = name.strip_prefix("amount_") {
            if raw.trim().is_empty() || raw.trim() == "0" {
                continue;
            }
            let member = parse_id(member, "member")?;
            amounts.push((member, Rupiah(rupiah_field(&f, name)?)));
        }
    }
    amounts.sort();
    let term: u16 = number_field(&f, "term_months")?;
    let on = date_field(&f, "applied_on", today(&state))?;
    let (maker, actor) = (viewer.require()?.id.get(), viewer.actor()?);
    let application = state
        .blocking(move |s| s.apply_for_loan(id, on, &amounts, term, maker, &actor))
        .await?;
    Ok(redirect(&format!("/fund/ksm/{id}?applied={application}")))
}

/// The application's UPK, checked against the viewer's scope.
async fn application_upk(state: &AppState, viewer: &Viewer, id: i64) -> Result<i64, AppError> {
    let upk = state
        .blocking(move |s| s.application_upk(id))
        .await?
        .ok_or_else(|| AppError::not_found(format!("application {id}")))?;
    org_in_scope(state, viewer, upk, "upk").await?;
    Ok(upk)
}

pub async fn decide(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> Result<Response, AppError> {
    let id = parse_id(&id, "application")?;
    let upk = application_upk(&state, &viewer, id).await?;
    let approve = match text(&f, "decision") {
        "approve" => true,
        "reject" => false,
        other => {
            return Err(invalid(
                "decision",
                format!("{other:?} is neither approve nor reject"),
            ))
        }
    };
    let (note, checker, actor) = (
        text(&f, "note").to_owned(),
        viewer.require()?.id.get(),
        viewer.actor()?,
    );
    state
        .blocking(move |s| s.decide_application(id, approve, &note, checker, &actor))
        .await?;
    Ok(redirect(&format!("/fund/upk/{upk}")))
}

pub async fn api_decide(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> Result<Json<Value>, AppError> {
    let id = parse_id(&id, "application")?;
    application_upk(&state, &viewer, id).await?;
    let approve = match body["decision"].as_str() {
        Some("approve") => true,
        Some("reject") => false,
        _ => return Err(invalid("decision", "expected \"approve\" or \"reject\"")),
    };
    let note = body["note"].as_str().unwrap_or("").to_owned();
    let (checker, actor) = (viewer.require()?.id.get(), viewer.actor()?);
    state
        .blocking(move |s| s.decide_application(id, approve, &note, checker, &actor))
        .await?;
    Ok(Json(
        json!({"application": id, "status": if approve { "approved" } else { "rejected" }}),
    ))
}

pub async fn api_applications(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
) -> Result<Json<Value>, AppError> {
    let scope = viewer.scope();
    let (all, upks) = state
        .blocking(|s| {
            let filter = lumbung_store::OrgFilter {
                kind: Some(lumbung_domain::OrgKind::Upk),
                ..Default::default()
            };
            Ok((
                s.fund_applications(None)?,
                s.search_orgs(&filter, u32::MAX, 0)?.0,
            ))
        })
        .await?;
    let allowed: std::collections::HashSet<i64> = upks
        .iter()
        .filter(|u| scope.covers(&u.placement))
        .map(|u| u.id)
        .collect();
    Ok(Json(json!({
        "applications": all.into_iter().filter(|a| allowed.contains(&a.upk_id)).collect::<Vec<_>>()
    })))
}

pub async fn disburse(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> Result<Response, AppError> {
    let id = parse_id(&id, "application")?;
    application_upk(&state, &viewer, id).await?;
    let (on, actor) = (date_field(&f, "date", today(&state))?, viewer.actor()?);
    let loan = state.blocking(move |s| s.disburse(id, on, &actor)).await?;
    Ok(redirect(&format!("/fund/loans/{loan}")))
}

async fn loan_data(state: &AppState, viewer: &Viewer, loan_id: &str) -> Result<Value, AppError> {
    let view = loan_in_scope(state, viewer, loan_id).await?;
    let id = view.loan_id.clone();
    let repayments = state.blocking(move |s| s.loan_repayments(&id)).await?;
    let on = today(state);
    let settings = view.settings.clone();
    let standing = view.book.standing(on, &settings.class_thresholds());
    let (schedule, payments) = view.book.segment(on);
    let paid: Vec<_> = payments.into_iter().filter(|p| p.0 <= on).collect();
    let (alloc, _) = lumbung_fund::allocate(schedule, &paid);
    let instalments: Vec<Value> = schedule
        .iter()
        .zip(&alloc)
        .map(|(i, a)| {
            json!({"number": i.number, "due": i.due, "principal": i.principal.0, "fee": i.fee.0,
                   "paid": a.fee_paid.0 + a.principal_paid.0, "settled_on": a.settled_on,
                   "missed": i.due <= on && a.settled_on.is_none()})
        })
        .collect();
    Ok(json!({
        "loan": view,
        "standing": standing,
        "due": view.book.due(on).map_err(lumbung_store::StoreError::from)?,
        "instalments": instalments,
        "original_schedule": view.book.schedule,
        "rescheduled": view.book.rescheduled.iter().map(|r| json!({"on": r.on, "principal": r.schedule.iter().map(|i| i.principal.0).sum::<i64>(), "term_months": r.term_months, "instalments": r.schedule.len()})).collect::<Vec<_>>(),
        "written_off": view.book.written_off.map(|(d, p)| json!({"on": d, "principal": p.0})),
        "repayments": repayments,
    }))
}

pub async fn loan_page(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    uri: Uri,
    Path(id): Path<String>,
) -> Result<Html<String>, AppError> {
    let d = loan_data(&state, &viewer, &id).await?;
    render(
        &viewer,
        &uri,
        "fund_loan.html",
        context! { d => d, key => form_key(), today => today(&state) },
    )
}

pub async fn api_loan(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    Ok(Json(loan_data(&state, &viewer, &id).await?))
}

pub async fn repay(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> Result<Response, AppError> {
    let view = loan_in_scope(&state, &viewer, &id).await?;
    let input = RepaymentInput {
        loan_id: view.loan_id.clone(),
        paid_on: date_field(&f, "date", today(&state))?,
        amount: Rupiah(rupiah_field(&f, "amount")?),
        key: key_field(&f)?,
    };
    let actor = viewer.actor()?;
    let done = state.blocking(move |s| s.repay(&input, &actor)).await?;
    Ok(match done.repayment {
        Some(r) => redirect(&format!("/fund/receipts/{r}")),
        None => redirect(&format!("/fund/loans/{}", view.loan_id)),
    })
}

pub async fn api_repay(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> Result<Json<Value>, AppError> {
    let view = loan_in_scope(&state, &viewer, &id).await?;
    let paid_on = match body["paid_on"].as_str() {
        Some(d) => d
            .parse()
            .map_err(|_| invalid("paid_on", format!("{d:?} is not a date such as 2024-06-30")))?,
        None => today(&state),
    };
    let amount = body["amount"]
        .as_i64()
        .or_else(|| body["amount"].as_str().and_then(|s| s.parse().ok()))
        .ok_or_else(|| invalid("amount", "a whole-rupiah amount is needed"))?;
    let key = body["key"]
        .as_str()
        .filter(|k| !k.trim().is_empty())
        .ok_or_else(|| {
            invalid(
                "key",
                "an idempotency key is needed (e.g. the receipt number)",
            )
        })?;
    let input = RepaymentInput {
        loan_id: view.loan_id,
        paid_on,
        amount: Rupiah(amount),
        key: format!("api:{}", key.trim()),
    };
    let actor = viewer.actor()?;
    let done = state.blocking(move |s| s.repay(&input, &actor)).await?;
    Ok(Json(json!({
        "posted": done.repayment.is_some(),
        "repayment": done.repayment,
        "journal_entry": done.journal_seq,
    })))
}

pub async fn reverse(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> Result<Response, AppError> {
    let id = parse_id(&id, "repayment")?;
    let receipt = state
        .blocking(move |s| s.receipt(id))
        .await?
        .ok_or_else(|| AppError::not_found(format!("repayment {id}")))?;
    org_in_scope(&state, &viewer, receipt.upk_id, "upk").await?;
    let (reason, on, actor) = (
        text(&f, "reason").to_owned(),
        date_field(&f, "date", today(&state))?,
        viewer.actor()?,
    );
    state
        .blocking(move |s| s.reverse_repayment(id, on, &reason, &actor))
        .await?;
    Ok(redirect(&format!(
        "/fund/loans/{}",
        receipt.repayment.loan_id
    )))
}

pub async fn reschedule(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> Result<Response, AppError> {
    let view = loan_in_scope(&state, &viewer, &id).await?;
    let term: u16 = number_field(&f, "term_months")?;
    let (reason, on, actor) = (
        text(&f, "reason").to_owned(),
        date_field(&f, "date", today(&state))?,
        viewer.actor()?,
    );
    let loan_id = view.loan_id.clone();
    state
        .blocking(move |s| s.reschedule(&loan_id, on, term, &reason, &actor))
        .await?;
    Ok(redirect(&format!("/fund/loans/{}", view.loan_id)))
}

pub async fn write_off(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> Result<Response, AppError> {
    let view = loan_in_scope(&state, &viewer, &id).await?;
    let (reason, on, actor) = (
        text(&f, "reason").to_owned(),
        date_field(&f, "date", today(&state))?,
        viewer.actor()?,
    );
    let loan_id = view.loan_id.clone();
    state
        .blocking(move |s| s.write_off(&loan_id, on, &reason, &actor))
        .await?;
    Ok(redirect(&format!("/fund/loans/{}", view.loan_id)))
}

pub async fn receipt_page(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    uri: Uri,
    Path(id): Path<String>,
) -> Result<Html<String>, AppError> {
    let id = parse_id(&id, "repayment")?;
    let receipt = state
        .blocking(move |s| s.receipt(id))
        .await?
        .ok_or_else(|| AppError::not_found(format!("repayment {id}")))?;
    org_in_scope(&state, &viewer, receipt.upk_id, "upk").await?;
    let amount = receipt.repayment.amount;
    render(
        &viewer,
        &uri,
        "fund_receipt.html",
        context! {
            r => receipt,
            words => if viewer.lang.code() == "id" { lumbung_fund::words::terbilang(amount) } else { lumbung_fund::words::in_english(amount) },
        },
    )
}

pub async fn collection_page(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    uri: Uri,
    Path(id): Path<String>,
    Query(q): Query<DateQuery>,
) -> Result<Html<String>, AppError> {
    let id = parse_id(&id, "ksm")?;
    org_in_scope(&state, &viewer, id, "ksm").await?;
    let on = query_date(q.on.as_deref(), "on")?.unwrap_or_else(|| today(&state));
    let (ksm, loans) = state
        .blocking(move |s| {
            let ksm = s
                .ksm(id)?
                .ok_or_else(|| lumbung_store::StoreError::not_found(format!("ksm {id}")))?;
            let mut loans = Vec::new();
            for (loan_id, book) in s.loans_of(None, Some(id))? {
                if let Some(view) = s.loan(&loan_id)? {
                    loans.push((loan_id, book, view.members));
                }
            }
            Ok((ksm, loans))
        })
        .await?;
    // Each loan's due amount, shared among its members by their part of
    // the principal; a sum that does not fit is refused.
    let parts: Vec<Vec<(String, i64)>> = loans
        .iter()
        .map(|(_, _, members)| members.iter().map(|m| (m.1.clone(), m.2)).collect())
        .collect();
    let group: Vec<_> = loans
        .iter()
        .zip(&parts)
        .map(
            |((loan_id, book, _), members)| lumbung_fund::collection::GroupLoan {
                loan_id,
                book,
                members,
            },
        )
        .collect();
    let sheet = lumbung_fund::collection::sheet(&ksm.name, &group, on)
        .map_err(lumbung_store::StoreError::from)?;
    let rows: Vec<Value> = sheet
        .lines
        .iter()
        .map(|l| json!({"loan_id": l.loan_id, "overdue": l.overdue, "next": l.next, "owed": l.owed, "shares": l.shares}))
        .collect();
    let total = sheet.total;
    render(
        &viewer,
        &uri,
        "fund_collection.html",
        context! { ksm => ksm, on => on, rows => rows, total => total },
    )
}
