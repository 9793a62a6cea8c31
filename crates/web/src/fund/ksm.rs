//! A KSM: its page, members (typed in or from the PS-2 list), joint
//! liability, savings, loan applications and the collection sheet of a
//! group meeting.

use super::*;
use crate::auth::Ctx;
use crate::edge::Failed;

/// What the KSM's page is asked: a search of the PS-2 list.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct KsmQuery {
    ps2: String,
}

pub async fn ksm_page(
    Ctx { state, viewer, uri }: Ctx,
    InScope(id): InScope<KsmId>,
    axum::extract::Query(q): axum::extract::Query<KsmQuery>,
) -> Result<Html<String>, AppError> {
    ksm_view(&state, &viewer, &uri, id, &q.ps2, None).await
}

/// What a KSM form answers: where to go after it, or — when a value was
/// refused — the KSM's page again with `action`'s form showing why, in
/// the visitor's language, beside what was `typed`.
async fn or_sent_back(
    state: &AppState,
    viewer: &Viewer,
    uri: &axum::http::Uri,
    id: KsmId,
    (action, typed): (&'static str, Vec<(&str, &str)>),
    result: Result<Response, AppError>,
) -> Result<Response, AppError> {
    match result {
        Err(e @ AppError::Invalid { .. }) => {
            let failed = Failed::of(action, typed, e, viewer.lang)?;
            let search = failed.typed.get("ps2").cloned().unwrap_or_default();
            let html = ksm_view(state, viewer, uri, id, &search, Some(failed)).await?;
            Ok(axum::response::IntoResponse::into_response((
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                html,
            )))
        }
        other => other,
    }
}

/// The KSM's page, the members of the PS-2 list that `search` finds
/// shown to pick from (none without a search); with `failed`, the form
/// that failed shows its errors beside its fields and keeps what was
/// typed.
async fn ksm_view(
    state: &AppState,
    viewer: &Viewer,
    uri: &axum::http::Uri,
    id: KsmId,
    search: &str,
    failed: Option<Failed>,
) -> Result<Html<String>, AppError> {
    // Members are picked from the PS-2 list by those who may read it.
    let may_read_ps2 = viewer
        .user()
        .is_some_and(|u| u.role.can_read(lumbung_domain::Resource::PoorList));
    let search = search.trim().to_owned();
    let scope = viewer.scope();
    let (ksm, loans, settings, ps2, applications) = state
        .blocking(move |s| {
            let ksm = s
                .ksm(id)?
                .ok_or_else(|| lumbung_store::StoreError::not_found(thing("ksm", id)))?;
            let settings = s.fund_settings(ksm.upk_id)?;
            let ps2 = if may_read_ps2 {
                s.ps2_candidates(id, &scope)?
            } else {
                None
            };
            let applications = s.ksm_applications(id)?;
            Ok((
                ksm,
                s.loans_of(None, Some(id))?,
                settings,
                ps2,
                applications,
            ))
        })
        .await?;
    let taken =
        (ksm.members.iter()).filter_map(|m| Some((m.household.as_deref()?, m.name.as_str())));
    let ps2 = lumbung_fund::ps2::search(ps2, taken, &search);
    // Names of the PS-2 list were shown: audited like the list's own page,
    // under the kelurahan.
    if let Some(first) = ps2.shown.first() {
        let kelurahan = first.kelurahan().to_owned();
        let details = serde_json::json!({"ksm": id, "members": ps2.shown.len()});
        crate::community::audit_read(state, viewer, "ps2", &kelurahan, details).await?;
    }
    let on = today(state);
    let women = ksm
        .members
        .iter()
        .filter(|m| m.left_on.is_none() && m.sex == Sex::Female)
        .count();
    let active = ksm.members.iter().filter(|m| m.left_on.is_none()).count();
    render(
        viewer,
        uri,
        "fund_ksm.html",
        context! {
            ksm => ksm,
            active => active,
            women => women,
            loans => loans.iter().map(|(l, b)| super::upk::loan_line(l, b, &settings, on)).collect::<Vec<_>>(),
            settings => settings,
            ps2_open => ps2.open,
            ps2_search => search,
            ps2_more => ps2.more,
            ps2 => ps2.shown,
            applications => applications,
            key => form_key(),
            today => on,
            failed => failed,
        },
    )
}

/// A member typed in, or picked from the PS-2 list (`household|index`).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MemberForm {
    from_ps2: Option<String>,
    /// The search of the PS-2 list the pick came from (shown again when
    /// the pick is refused).
    ps2: String,
    sex: String,
    name: String,
    nik: String,
    joined_on: String,
}

pub async fn add_member(
    Ctx { state, viewer, uri }: Ctx,
    InScope(id): InScope<KsmId>,
    Form(f): Form<MemberForm>,
) -> Result<Response, AppError> {
    // Each form keeps what it was sent: a pick, its date and the search
    // it came from; a member typed in, what was typed.
    let joined_on = ("joined_on", f.joined_on.as_str());
    let (action, typed) = match f.from_ps2 {
        Some(_) => ("ps2", vec![joined_on, ("ps2", f.ps2.as_str())]),
        None => {
            let typed = [("name", &f.name), ("sex", &f.sex), ("nik", &f.nik)];
            let typed = typed.into_iter().map(|(k, v)| (k, v.as_str()));
            ("member", typed.chain([joined_on]).collect())
        }
    };
    let result = member(&state, &viewer, id, &f).await;
    or_sent_back(&state, &viewer, &uri, id, (action, typed), result).await
}

async fn member(
    state: &AppState,
    viewer: &Viewer,
    id: KsmId,
    f: &MemberForm,
) -> Result<Response, AppError> {
    let on = day_or(&f.joined_on, "joined_on", state);
    if let Some(pick) = f.from_ps2.as_deref().map(str::trim) {
        let (household, index) = pick
            .rsplit_once('|')
            .and_then(|(h, i)| Some((h.to_owned(), i.parse::<usize>().ok()?)))
            .ok_or_else(|| {
                invalid(
                    "from_ps2",
                    text!("no_household_member", pick = format!("{pick:?}");
                        id: "{pick} tidak menunjuk anggota rumah tangga mana pun",
                        en: "{pick} names no household member"),
                )
            })?;
        let on = on?;
        let scope = viewer.scope();
        acting(state, viewer, move |s, actor| {
            s.add_ksm_member_from_ps2(id, &household, index, on, &scope, actor)
        })
        .await?;
        return Ok(done(&format!("/fund/ksm/{id}"), "member_added"));
    }
    let sex = match f.sex.trim() {
        "f" => Sex::Female,
        "m" => Sex::Male,
        other => return Err(neither("sex", other, "f", "m")),
    };
    let (name, nik, on) = (f.name.trim().to_owned(), f.nik.trim().to_owned(), on?);
    acting(state, viewer, move |s, actor| {
        s.add_ksm_member(id, &name, sex, Some(&nik), on, actor)
    })
    .await?;
    Ok(done(&format!("/fund/ksm/{id}"), "member_added"))
}

/// The signed joint-liability agreement.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AgreementForm {
    reference: String,
    date: String,
}

pub async fn joint_liability(
    Ctx { state, viewer, uri }: Ctx,
    InScope(id): InScope<KsmId>,
    Form(f): Form<AgreementForm>,
) -> Result<Response, AppError> {
    let typed = vec![
        ("reference", f.reference.as_str()),
        ("date", f.date.as_str()),
    ];
    let result = agreement(&state, &viewer, id, &f).await;
    or_sent_back(&state, &viewer, &uri, id, ("agreement", typed), result).await
}

async fn agreement(
    state: &AppState,
    viewer: &Viewer,
    id: KsmId,
    f: &AgreementForm,
) -> Result<Response, AppError> {
    let reference = f.reference.trim().to_owned();
    if reference.is_empty() {
        return Err(invalid(
            "reference",
            text!("name_the_agreement";
                id: "sebutkan perjanjian yang ditandatangani (nomor atau tanggalnya)",
                en: "name the signed agreement (its number or date)"),
        ));
    }
    let on = day_or(&f.date, "date", state)?;
    acting(state, viewer, move |s, actor| {
        s.record_joint_liability(id, on, &reference, actor)
    })
    .await?;
    Ok(done(&format!("/fund/ksm/{id}"), "saved"))
}

/// Savings paid in (or, `direction=withdrawal`, taken out), by a member
/// or the group.
pub async fn savings(
    Ctx { state, viewer, uri }: Ctx,
    InScope(id): InScope<KsmId>,
    Form(f): Form<PostingForm>,
) -> Result<Response, AppError> {
    let typed = vec![
        ("direction", f.direction.as_str()),
        ("member", f.member.as_str()),
        ("amount", f.amount.as_str()),
        ("date", f.date.as_str()),
    ];
    let result = save(&state, &viewer, id, &f).await;
    or_sent_back(&state, &viewer, &uri, id, ("savings", typed), result).await
}

async fn save(
    state: &AppState,
    viewer: &Viewer,
    id: KsmId,
    f: &PostingForm,
) -> Result<Response, AppError> {
    let amount = rupiah(&f.amount, "amount")?;
    let signed = match f.direction.trim() {
        "withdrawal" => amount.checked_neg().ok_or_else(|| too_large("amount"))?,
        _ => amount,
    };
    let member = match f.member.trim() {
        "" => None,
        m => Some(parse_id::<MemberId>(m, "member")?),
    };
    let (on, key) = (day_or(&f.date, "date", state)?, posting_key(&f.key)?);
    acting(state, viewer, move |s, actor| {
        s.post_savings(id, member, on, Rupiah(signed), &key, actor)
    })
    .await?;
    Ok(done(&format!("/fund/ksm/{id}"), "saved"))
}

/// A loan application: each member's amount (`amount_<member>`), the term.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ApplicationForm {
    term_months: String,
    applied_on: String,
    /// Made when the form was shown: the same form sent twice records one
    /// application.
    key: String,
    #[serde(flatten)]
    amounts: Rest,
}

pub async fn apply(
    Ctx { state, viewer, uri }: Ctx,
    InScope(id): InScope<KsmId>,
    Form(f): Form<ApplicationForm>,
) -> Result<Response, AppError> {
    let mut typed: Vec<(&str, &str)> = f
        .amounts
        .prefixed("amount_")
        .map(|(_, name, value)| (name, value))
        .collect();
    typed.push(("term_months", &f.term_months));
    typed.push(("applied_on", &f.applied_on));
    let result = application(&state, &viewer, id, &f).await;
    or_sent_back(&state, &viewer, &uri, id, ("apply", typed), result).await
}

/// Reads and records the application; where its page goes after.
async fn application(
    state: &AppState,
    viewer: &Viewer,
    id: KsmId,
    f: &ApplicationForm,
) -> Result<Response, AppError> {
    let mut amounts = Vec::new();
    for (member, name, raw) in f.amounts.prefixed("amount_") {
        if raw == "0" {
            continue;
        }
        let member: MemberId = parse_id(member, "member")?;
        amounts.push((member, Rupiah(rupiah(raw, name)?)));
    }
    amounts.sort();
    let term: u16 = number(&f.term_months, "term_months")?;
    let on = day_or(&f.applied_on, "applied_on", state)?;
    let (maker, key) = (viewer.require()?.id, f.key.clone());
    let application = acting(state, viewer, move |s, actor| {
        s.apply_for_loan(id, on, &amounts, term, maker, Some(&key), actor)
    })
    .await?;
    Ok(done(
        &format!("/fund/ksm/{id}?applied={application}"),
        "applied",
    ))
}

pub async fn collection_page(
    Ctx { state, viewer, uri }: Ctx,
    InScope(id): InScope<KsmId>,
    Query(q): Query<DateQuery>,
) -> Result<Html<String>, AppError> {
    let on = query_date(q.on.as_deref(), "on")?.unwrap_or_else(|| today(&state));
    let (ksm, loans) = state
        .blocking(move |s| {
            let ksm = s
                .ksm(id)?
                .ok_or_else(|| lumbung_store::StoreError::not_found(thing("ksm", id)))?;
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
