//! A UPK's books: its page (KSMs, loans, applications, trend), the KSMs
//! it forms, its postings and reserve, its settings and statements.

use super::*;
use crate::auth::Ctx;
use crate::listing::{natural, sort_keys, Cell, Csv, Listing, Paged, Part};

/// A loan's line in a list: its standing today.
pub(super) fn loan_line(
    loan_id: &str,
    book: &LoanBook,
    settings: &Settings,
    on: Date,
) -> api::LoanLine {
    let standing = book.standing(on, &settings.class_thresholds());
    api::LoanLine {
        loan_id: loan_id.to_owned(),
        ksm: book.ksm,
        ksm_name: None,
        disbursed_on: book.disbursed_on,
        principal: book.schedule.iter().map(|i| i.principal.0).sum::<i64>(),
        outstanding: standing.map(|a| a.outstanding.0),
        missed: standing.map(|a| a.missed),
        days_late: standing.map(|a| a.days_overdue),
        class: standing.map(|a| a.quality_class),
        written_off: book.written_off.map(|w| w.1 .0),
        rescheduled: !book.rescheduled.is_empty(),
    }
}

/// Everything on a UPK's page, shared with its JSON.
async fn upk_data(state: &AppState, viewer: &Viewer, id: UpkId) -> Result<api::UpkBooks, AppError> {
    let upk = org_in_scope(state, viewer, id, "upk").await?;
    let as_of = today(state);
    // The books judged off the async threads: a UPK's loans and their
    // repayments grow with every posting.
    let (ksms, loans, applications, settings, report, points) = state
        .blocking(move |s| {
            let (ksms, loans) = (s.ksms_of(id)?, s.loans_of(Some(id), None)?);
            let (applications, settings) = (s.fund_applications(Some(id))?, s.fund_settings(id)?);
            let ctx = s.fund_context(as_of)?;
            let names: HashMap<KsmId, &str> =
                ksms.iter().map(|k| (k.id, k.name.as_str())).collect();
            let books: Vec<LoanBook> = loans.iter().map(|(_, b)| b.clone()).collect();
            let ctx = Context {
                settings: ctx.settings.into_iter().filter(|(u, _)| *u == id).collect(),
                finances: ctx.finances.into_iter().filter(|(u, _)| *u == id).collect(),
                areas: Default::default(),
            };
            let report = portfolio(&books, as_of, &ctx)?;
            let points = trend(&books, as_of, 12, &ctx)?;
            let loans: Vec<api::LoanLine> = loans
                .iter()
                .map(|(l, b)| api::LoanLine {
                    ksm_name: Some(names.get(&b.ksm).copied().unwrap_or("").to_owned()),
                    ..loan_line(l, b, &settings, as_of)
                })
                .collect();
            Ok((ksms, loans, applications, settings, report, points))
        })
        .await?;
    Ok(api::UpkBooks {
        upk: api::UpkHead {
            id,
            name: upk.name,
            area: upk.area_name,
            parent: upk.parent_name,
        },
        ksms,
        loans,
        applications,
        indicators: report.indicators,
        trend: points,
        settings,
    })
}

sort_keys! {
    /// The orders of a UPK's loans; without one, the books' order.
    pub enum LoanSort {
        Loan = "loan",
        Ksm = "ksm",
        Disbursed = "disbursed",
        Principal = "principal",
        Outstanding = "outstanding",
        Late = "late",
    }
}

/// A UPK's loans in the order asked: the page asked for, or all of them.
fn loan_list(
    mut loans: Vec<api::LoanLine>,
    listing: &Listing<LoanSort>,
    part: Part,
) -> Paged<Vec<api::LoanLine>> {
    listing.sort_rows(&mut loans, |key, a, b| match key {
        LoanSort::Loan => natural(&a.loan_id, &b.loan_id),
        LoanSort::Ksm => natural(
            a.ksm_name.as_deref().unwrap_or(""),
            b.ksm_name.as_deref().unwrap_or(""),
        ),
        LoanSort::Disbursed => a.disbursed_on.cmp(&b.disbursed_on),
        LoanSort::Principal => a.principal.cmp(&b.principal),
        LoanSort::Outstanding => a.outstanding.cmp(&b.outstanding),
        LoanSort::Late => a.days_late.cmp(&b.days_late),
    });
    listing.window.cut(loans, part)
}

pub async fn upk_page(
    Ctx { state, viewer, uri }: Ctx,
    Path(id): Path<String>,
    listing: Listing<LoanSort>,
) -> Result<Html<String>, AppError> {
    let id: UpkId = parse_id(&id, "upk")?;
    let mut data = upk_data(&state, &viewer, id).await?;
    let chart = super::report::trend_chart(&data.trend, viewer.lang);
    let listing = listing.at("loans");
    let loans = loan_list(std::mem::take(&mut data.loans), &listing, Part::Page);
    let csv = format!("/fund/upk/{id}/loans.csv");
    render(
        &viewer,
        &uri,
        "fund_upk.html",
        context! {
            list => listing.view(&loans, Some(&csv)),
            loans => loans.rows,
            d => data,
            trend_chart => chart,
            key => form_key(),
            today => today(&state),
        },
    )
}

/// A UPK's loans as its page sorts them, every page, as CSV.
pub async fn loans_csv(
    Ctx { state, viewer, .. }: Ctx,
    Path(id): Path<String>,
    listing: Listing<LoanSort>,
) -> Result<Response, AppError> {
    let id: UpkId = parse_id(&id, "upk")?;
    let data = upk_data(&state, &viewer, id).await?;
    let loans = loan_list(data.loans, &listing, Part::Whole);
    let columns = [
        "fund_loan",
        "fund_ksm",
        "fund_disbursed_on",
        "fund_principal",
        "fund_outstanding",
        "fund_missed",
        "fund_days_late",
        "fund_class",
        "fund_written_off",
    ];
    let mut csv = Csv::new(viewer.lang, &columns);
    for l in loans.rows {
        csv.row([
            Cell::text(l.loan_id),
            Cell::text(l.ksm_name.unwrap_or_default()),
            Cell::text(l.disbursed_on.to_string()),
            Cell::number(l.principal),
            Cell::maybe(l.outstanding),
            Cell::maybe(l.missed),
            Cell::maybe(l.days_late),
            Cell::maybe(l.class),
            Cell::maybe(l.written_off),
        ]);
    }
    Ok(csv.download(&format!("lumbung-loans-upk-{id}.csv")))
}

pub async fn api_upk(
    Ctx { state, viewer, .. }: Ctx,
    Path(id): Path<String>,
) -> Result<Json<api::UpkBooks>, AppError> {
    let id: UpkId = parse_id(&id, "upk")?;
    Ok(Json(upk_data(&state, &viewer, id).await?))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct KsmForm {
    name: String,
}

pub async fn create_ksm(
    Ctx { state, viewer, .. }: Ctx,
    InScope(id): InScope<UpkId>,
    Form(f): Form<KsmForm>,
) -> Result<Response, AppError> {
    let name = f.name.trim().to_owned();
    let ksm = acting(&state, &viewer, move |s, actor| {
        s.create_ksm(id, &name, actor)
    })
    .await?;
    Ok(done(&format!("/fund/ksm/{ksm}"), "saved"))
}

/// Money in or out of the UPK's books: an operating cost or capital.
pub async fn post_movement(
    Ctx { state, viewer, .. }: Ctx,
    InScope(id): InScope<UpkId>,
    Form(f): Form<PostingForm>,
) -> Result<Response, AppError> {
    let movement = match f.kind.trim() {
        "cost" => lumbung_store::Movement::Cost,
        "capital" => lumbung_store::Movement::Capital,
        other => return Err(neither("kind", other, "cost", "capital")),
    };
    let (on, amount, key) = (
        day_or(&f.date, "date", &state)?,
        rupiah(&f.amount, "amount")?,
        posting_key(&f.key)?,
    );
    let memo = kept_text(&f.memo, "memo")?;
    acting(&state, &viewer, move |s, actor| {
        s.post_fund_movement(id, movement, on, Rupiah(amount), &memo, &key, actor)
    })
    .await?;
    Ok(done(&format!("/fund/upk/{id}"), "saved"))
}

pub async fn provision(
    Ctx { state, viewer, .. }: Ctx,
    InScope(id): InScope<UpkId>,
    Form(f): Form<PostingForm>,
) -> Result<Response, AppError> {
    let on = f.on(&state)?;
    acting(&state, &viewer, move |s, actor| s.provision(id, on, actor)).await?;
    Ok(done(&format!("/fund/upk/{id}/statements"), "saved"))
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
    Ctx { state, viewer, uri }: Ctx,
    Path(id): Path<String>,
) -> Result<Html<String>, AppError> {
    let id: UpkId = parse_id(&id, "upk")?;
    let upk = org_in_scope(&state, &viewer, id, "upk").await?;
    let settings = state.blocking(move |s| s.fund_settings(id)).await?;
    render(
        &viewer,
        &uri,
        "fund_settings.html",
        context! { upk => api::UpkRef { id, name: upk.name }, fields => settings_fields(&settings), schedule => settings.schedule, frequency => settings.frequency, refused => () },
    )
}

/// A UPK's settings as typed: the two choices, and a value for each of
/// [`SETTING_FIELDS`].
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SettingsForm {
    schedule: String,
    frequency: String,
    #[serde(flatten)]
    values: Rest,
}

pub async fn settings_save(
    Ctx { state, viewer, uri }: Ctx,
    InScope(id): InScope<UpkId>,
    Form(f): Form<SettingsForm>,
) -> Result<Response, AppError> {
    match save_settings(&state, &viewer, id, &f).await {
        // Shown again beside the form: what was typed, and why not.
        Err(AppError::Invalid { field, message }) => {
            let upk = org_in_scope(&state, &viewer, id, "upk").await?;
            let fields: Vec<(String, String)> = SETTING_FIELDS
                .iter()
                .map(|k| (k.to_string(), f.values.value(k).to_owned()))
                .collect();
            let refused = json!({"field": field, "errors": [message.get(viewer.lang.into())]});
            let html = render(
                &viewer,
                &uri,
                "fund_settings.html",
                context! {
                    upk => api::UpkRef { id, name: upk.name },
                    fields => fields,
                    schedule => f.schedule.trim(),
                    frequency => f.frequency.trim(),
                    refused => refused,
                },
            )?;
            let answer = (axum::http::StatusCode::UNPROCESSABLE_ENTITY, html);
            Ok(axum::response::IntoResponse::into_response(answer))
        }
        other => other,
    }
}

async fn save_settings(
    state: &AppState,
    viewer: &Viewer,
    id: UpkId,
    f: &SettingsForm,
) -> Result<Response, AppError> {
    let mut json = serde_json::Map::new();
    for k in SETTING_FIELDS {
        let raw = f.values.value(k);
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
                            .map_err(|_| not_a_number(k, n))
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
            _ => Value::from(number::<i64>(raw, k)?),
        };
        json.insert(k.to_owned(), value);
    }
    // Choices left out keep their defaults (a form from before a choice
    // existed still saves).
    for (k, chosen) in [("schedule", &f.schedule), ("frequency", &f.frequency)] {
        let chosen = chosen.trim();
        if !chosen.is_empty() {
            json.insert(k.into(), Value::from(chosen));
        }
    }
    let settings = Settings::from_json(&Value::Object(json).to_string())
        .map_err(|e| AppError::refused(e.field, e.message))?;
    acting(state, viewer, move |s, actor| {
        s.set_fund_settings(id, settings, actor)
    })
    .await?;
    Ok(done(&format!("/fund/upk/{id}/settings"), "saved"))
}

async fn statements_data(
    state: &AppState,
    viewer: &Viewer,
    id: UpkId,
    q: &DateQuery,
) -> Result<api::Statements, AppError> {
    let upk = org_in_scope(state, viewer, id, "upk").await?;
    let as_of = query_date(q.as_of.as_deref(), "as_of")?.unwrap_or_else(|| today(state));
    let from = query_date(q.from.as_deref(), "from")?
        .unwrap_or_else(|| Date::new(as_of.year(), 1, 1).expect("1 January"));
    // Off the async threads: the journal grows with every posting.
    let (balance_sheet, income_statement, cash_book) = state
        .blocking(move |s| {
            let journal = s.upk_journal(id)?;
            Ok((
                balance_sheet(&journal, as_of)?,
                income_statement(&journal, from, as_of)?,
                cash_book(&journal, from, as_of)?,
            ))
        })
        .await?;
    Ok(api::Statements {
        upk: api::UpkRef { id, name: upk.name },
        as_of,
        from,
        balance_sheet,
        income_statement,
        cash_book,
    })
}

pub async fn statements_page(
    Ctx { state, viewer, uri }: Ctx,
    Path(id): Path<String>,
    Query(q): Query<DateQuery>,
) -> Result<Html<String>, AppError> {
    let id: UpkId = parse_id(&id, "upk")?;
    let d = statements_data(&state, &viewer, id, &q).await?;
    render(
        &viewer,
        &uri,
        "fund_statements.html",
        context! { d => d, today => today(&state) },
    )
}

pub async fn api_statements(
    Ctx { state, viewer, .. }: Ctx,
    Path(id): Path<String>,
    Query(q): Query<DateQuery>,
) -> Result<Json<api::Statements>, AppError> {
    let id: UpkId = parse_id(&id, "upk")?;
    Ok(Json(statements_data(&state, &viewer, id, &q).await?))
}
