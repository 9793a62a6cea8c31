//! Applications decided and disbursed, and a loan's life: its ledger,
//! repayments, reversals, rescheduling, write-off and receipts.

use super::*;
use crate::auth::Ctx;
use lumbung_fund::application::ApplicationStatus;

/// An application and the UPK it was made to.
pub struct Application(ApplicationId, UpkId);

impl Named for Application {
    async fn find(state: &AppState, viewer: &Viewer, raw: &str) -> Result<Self, AppError> {
        let id: ApplicationId = parse_id(raw, "application")?;
        let upk = state
            .blocking(move |s| s.application_upk(id))
            .await?
            .ok_or_else(|| AppError::not_found(thing("application", id)))?;
        org_in_scope(state, viewer, upk, "upk").await?;
        Ok(Application(id, upk))
    }
}

/// The checker's decision on an application, with a note.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DecisionForm {
    decision: String,
    note: String,
}

pub async fn decide(
    Ctx { state, viewer, .. }: Ctx,
    InScope(Application(id, upk)): InScope<Application>,
    Form(f): Form<DecisionForm>,
) -> Result<Response, AppError> {
    let approve = match f.decision.trim() {
        "approve" => true,
        "reject" => false,
        other => return Err(neither("decision", other, "approve", "reject")),
    };
    let (note, checker) = (kept_text(&f.note, "note")?, viewer.require()?.id);
    acting(&state, &viewer, move |s, actor| {
        s.decide_application(id, approve, &note, checker, actor)
    })
    .await?;
    let what = if approve { "approved" } else { "rejected" };
    Ok(done(&format!("/fund/upk/{upk}"), what))
}

pub async fn api_decide(
    Ctx { state, viewer, .. }: Ctx,
    InScope(Application(id, _)): InScope<Application>,
    Json(body): Json<api::DecisionBody>,
) -> Result<Json<api::Decided>, AppError> {
    let approve = match body.decision.as_deref() {
        Some("approve") => true,
        Some("reject") => false,
        _ => {
            return Err(invalid(
                "decision",
                text!("expected_approve_or_reject";
                    id: "harus \"approve\" atau \"reject\"",
                    en: "expected \"approve\" or \"reject\""),
            ))
        }
    };
    let note = kept_text(body.note.as_deref().unwrap_or_default(), "note")?;
    let checker = viewer.require()?.id;
    acting(&state, &viewer, move |s, actor| {
        s.decide_application(id, approve, &note, checker, actor)
    })
    .await?;
    Ok(Json(api::Decided {
        application: id,
        status: if approve {
            ApplicationStatus::Approved
        } else {
            ApplicationStatus::Rejected
        },
    }))
}

pub async fn api_applications(
    Ctx { state, viewer, .. }: Ctx,
) -> Result<Json<api::Applications>, AppError> {
    let scope = viewer.scope();
    let applications = state
        .blocking(move |s| s.fund_applications_in(&scope))
        .await?;
    Ok(Json(api::Applications { applications }))
}

pub async fn disburse(
    Ctx { state, viewer, .. }: Ctx,
    InScope(Application(id, _)): InScope<Application>,
    Form(f): Form<PostingForm>,
) -> Result<Response, AppError> {
    let on = f.on(&state)?;
    let loan = acting(&state, &viewer, move |s, actor| s.disburse(id, on, actor)).await?;
    Ok(done(&format!("/fund/loans/{loan}"), "saved"))
}

async fn loan_data(
    state: &AppState,
    viewer: &Viewer,
    loan_id: &str,
) -> Result<api::LoanLedger, AppError> {
    let view = loan_in_scope(state, viewer, loan_id).await?;
    let id = view.loan_id.clone();
    let repayments = state.blocking(move |s| s.loan_repayments(&id)).await?;
    let on = today(state);
    let standing = view.book.standing(on, &view.settings.class_thresholds());
    let (schedule, payments) = view.book.segment(on);
    let paid: Vec<_> = payments.into_iter().filter(|p| p.0 <= on).collect();
    let (alloc, _) = lumbung_fund::allocate(schedule, &paid);
    let instalments = schedule
        .iter()
        .zip(&alloc)
        .map(|(i, a)| api::InstalmentLine {
            number: i.number,
            due: i.due,
            principal: i.principal.0,
            fee: i.fee.0,
            paid: a.fee_paid.0 + a.principal_paid.0,
            settled_on: a.settled_on,
            missed: i.due <= on && a.settled_on.is_none(),
        })
        .collect();
    let rescheduled = view
        .book
        .rescheduled
        .iter()
        .map(|r| api::RescheduledLine {
            on: r.on,
            principal: r.schedule.iter().map(|i| i.principal.0).sum::<i64>(),
            term_months: r.term_months,
            instalments: r.schedule.len(),
        })
        .collect();
    Ok(api::LoanLedger {
        standing,
        due: view.book.due(on).map_err(lumbung_store::StoreError::from)?,
        instalments,
        original_schedule: view.book.schedule.clone(),
        rescheduled,
        written_off: view
            .book
            .written_off
            .map(|(on, p)| api::WrittenOff { on, principal: p.0 }),
        repayments,
        loan: view,
    })
}

pub async fn loan_page(
    Ctx { state, viewer, uri }: Ctx,
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
    Ctx { state, viewer, .. }: Ctx,
    Path(id): Path<String>,
) -> Result<Json<api::LoanLedger>, AppError> {
    Ok(Json(loan_data(&state, &viewer, &id).await?))
}

pub async fn repay(
    Ctx { state, viewer, .. }: Ctx,
    InScope(view): InScope<lumbung_store::LoanView>,
    Form(f): Form<PostingForm>,
) -> Result<Response, AppError> {
    let input = RepaymentInput {
        loan_id: view.loan_id.clone(),
        paid_on: f.on(&state)?,
        amount: Rupiah(rupiah(&f.amount, "amount")?),
        key: posting_key(&f.key)?,
    };
    let done = acting(&state, &viewer, move |s, actor| s.repay(&input, actor)).await?;
    Ok(match done.repayment {
        Some(r) => redirect(&format!("/fund/receipts/{r}")),
        None => redirect(&format!("/fund/loans/{}", view.loan_id)),
    })
}

pub async fn api_repay(
    Ctx { state, viewer, .. }: Ctx,
    InScope(view): InScope<lumbung_store::LoanView>,
    Json(body): Json<api::RepaymentBody>,
) -> Result<Json<api::RepaymentPosted>, AppError> {
    let paid_on = day_or(body.paid_on.as_deref().unwrap_or(""), "paid_on", &state)?;
    let amount = body
        .amount
        .as_ref()
        .and_then(|a| a.as_i64().or_else(|| a.as_str()?.parse().ok()))
        .ok_or_else(|| {
            invalid(
                "amount",
                text!("amount_needed";
                    id: "perlu jumlah dalam rupiah bulat",
                    en: "a whole-rupiah amount is needed"),
            )
        })?;
    let key = body
        .key
        .as_deref()
        .filter(|k| !k.trim().is_empty())
        .ok_or_else(|| {
            invalid(
                "key",
                text!("idempotency_key_needed";
                    id: "perlu kunci idempotensi (misalnya nomor kuitansi)",
                    en: "an idempotency key is needed (e.g. the receipt number)"),
            )
        })?;
    // The key is the client's (a receipt number, say): another UPK may
    // number its receipts alike, so it holds for this loan only.
    let input = RepaymentInput {
        key: format!("api:{}:{}", view.loan_id, kept_text(key, "key")?),
        loan_id: view.loan_id,
        paid_on,
        amount: Rupiah(amount),
    };
    let done = acting(&state, &viewer, move |s, actor| s.repay(&input, actor)).await?;
    Ok(Json(api::RepaymentPosted {
        posted: done.repayment.is_some(),
        repayment: done.repayment,
        journal_entry: done.journal_seq,
    }))
}

/// The repayment `raw` names, with its receipt, when its UPK is in the
/// viewer's scope.
async fn receipt_in_scope(
    state: &AppState,
    viewer: &Viewer,
    raw: &str,
) -> Result<(RepaymentId, lumbung_store::Receipt), AppError> {
    let id: RepaymentId = parse_id(raw, "repayment")?;
    let receipt = state
        .blocking(move |s| s.receipt(id))
        .await?
        .ok_or_else(|| AppError::not_found(thing("repayment", id)))?;
    org_in_scope(state, viewer, receipt.upk_id, "upk").await?;
    Ok((id, receipt))
}

pub async fn reverse(
    Ctx { state, viewer, .. }: Ctx,
    Path(id): Path<String>,
    Form(f): Form<PostingForm>,
) -> Result<Response, AppError> {
    let (id, receipt) = receipt_in_scope(&state, &viewer, &id).await?;
    let (reason, on) = (kept_text(&f.reason, "reason")?, f.on(&state)?);
    acting(&state, &viewer, move |s, actor| {
        s.reverse_repayment(id, on, &reason, actor)
    })
    .await?;
    Ok(done(
        &format!("/fund/loans/{}", receipt.repayment.loan_id),
        "saved",
    ))
}

pub async fn reschedule(
    Ctx { state, viewer, .. }: Ctx,
    InScope(view): InScope<lumbung_store::LoanView>,
    Form(f): Form<PostingForm>,
) -> Result<Response, AppError> {
    let term: u16 = number(&f.term_months, "term_months")?;
    correct_loan(
        &state,
        &viewer,
        view,
        &f,
        move |s, loan, on, reason, actor| s.reschedule(loan, on, term, reason, actor),
    )
    .await
}

pub async fn write_off(
    Ctx { state, viewer, .. }: Ctx,
    InScope(view): InScope<lumbung_store::LoanView>,
    Form(f): Form<PostingForm>,
) -> Result<Response, AppError> {
    correct_loan(&state, &viewer, view, &f, |s, loan, on, reason, actor| {
        s.write_off(loan, on, reason, actor)
    })
    .await
}

pub async fn receipt_page(
    Ctx { state, viewer, uri }: Ctx,
    Path(id): Path<String>,
) -> Result<Html<String>, AppError> {
    let (_, receipt) = receipt_in_scope(&state, &viewer, &id).await?;
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

/// A correction of a loan (in the viewer's scope), dated (today when
/// blank) and with its reason; then back to the loan.
async fn correct_loan<T: Send + 'static>(
    state: &AppState,
    viewer: &Viewer,
    view: lumbung_store::LoanView,
    f: &PostingForm,
    work: impl FnOnce(
            &lumbung_store::Store,
            &str,
            Date,
            &str,
            &lumbung_store::Actor,
        ) -> lumbung_store::Result<T>
        + Send
        + 'static,
) -> Result<Response, AppError> {
    let (reason, on) = (kept_text(&f.reason, "reason")?, f.on(state)?);
    let loan_id = view.loan_id.clone();
    acting(state, viewer, move |s, actor| {
        work(s, &loan_id, on, &reason, actor)
    })
    .await?;
    Ok(done(&format!("/fund/loans/{}", view.loan_id), "saved"))
}
