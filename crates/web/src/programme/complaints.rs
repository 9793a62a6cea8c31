//! Complaints and questions (PPM). Anyone files one on the public form,
//! named or anonymous, and follows it by the tracking code it is given;
//! facilitators enter those that came by text message, paper or a visit.
//! The BKM and facilitators answer those of their scope, each change of
//! status with its reply; a complaint whose answer is late is the
//! facilitator's, one past its resolution deadline the city
//! coordinator's. Monthly summaries per city; deadlines set by
//! facilitators. The rules: `lumbung_programme::complaints`.

use super::pages::reaches;
use crate::auth::{Ctx, Viewer};
use crate::edge::{acting, done, parse_date};
use crate::error::AppError;
use crate::render::render;
use crate::AppState;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::Form;
use lumbung_domain::{text, AreaPath, ComplaintId, Scope};
use lumbung_programme::complaints::{check, Channel, Deadlines, Draft, Status};
use lumbung_store::{Actor, ComplaintView};
use minijinja::context;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Complaints one address may file from the public form in an hour.
pub const FILINGS_PER_HOUR: usize = 10;
/// Tracking codes one address may look up in a minute.
pub const LOOKUPS_PER_MINUTE: usize = 20;
/// The longest reply, in characters.
const MAX_REPLY: usize = 4_000;

type Errors = BTreeMap<String, String>;

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct ComplaintFields {
    kelurahan: String,
    category: String,
    subject: String,
    text: String,
    anonymous: String,
    name: String,
    contact: String,
    channel: String,
    received_on: String,
}

impl ComplaintFields {
    fn draft(&self) -> Draft<'_> {
        Draft {
            category: &self.category,
            subject: &self.subject,
            text: &self.text,
            anonymous: !self.anonymous.is_empty(),
            name: &self.name,
            contact: &self.contact,
        }
    }
}

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct NewQuery {
    kelurahan: String,
}

fn unseen(raw: &str) -> AppError {
    AppError::not_found(
        text!("complaint_page", id = raw; id: "pengaduan {id}", en: "complaint {id}"),
    )
}

/// The kelurahan a viewer may file about: every one of the programme for
/// the public form, those of its scope otherwise.
async fn places(state: &AppState, scope: Option<Scope>) -> Result<Vec<(String, String)>, AppError> {
    let all = state.blocking(|s| s.complaint_places()).await?;
    Ok(all
        .into_iter()
        .filter(|(_, _, path)| {
            scope
                .as_ref()
                .is_none_or(|s| reaches(s, &AreaPath::from_stored(path.clone())))
        })
        .map(|(code, name, _)| (code, name))
        .collect())
}

/// The checked problems of a form, by field, in the viewer's language.
fn errors_of(problems: Vec<(&'static str, lumbung_domain::Text)>, viewer: &Viewer) -> Errors {
    problems
        .into_iter()
        .map(|(f, m)| (f.to_owned(), m.get(viewer.lang.into()).to_owned()))
        .collect()
}

async fn new_page(
    ctx: Ctx,
    typed: ComplaintFields,
    errors: Errors,
    filed: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let choices = places(&ctx.state, None).await?;
    let page = render(
        &ctx.viewer,
        &ctx.uri,
        "complaint_new.html",
        context! { typed => typed, errors => errors, places => choices, filed => filed },
    )?;
    Ok((status, page).into_response())
}

pub async fn new_form(ctx: Ctx, Query(q): Query<NewQuery>) -> Result<Response, AppError> {
    let typed = ComplaintFields {
        kelurahan: q.kelurahan,
        ..ComplaintFields::default()
    };
    new_page(ctx, typed, Errors::new(), None, StatusCode::OK).await
}

/// Files a complaint from the public form (limited per address).
pub async fn file(ctx: Ctx, Form(f): Form<ComplaintFields>) -> Result<Response, AppError> {
    let filings = ctx.state.complaint_filings;
    if let Err(wait) = filings.take(&ctx.state, ctx.viewer.address).await? {
        let minutes = wait.as_secs().div_ceil(60).max(1);
        let message = text!("complaint_limited", minutes = minutes;
            id: "terlalu banyak pengaduan dari alamat ini: coba lagi dalam {minutes} menit",
            en: "too many complaints from this address: try again in {minutes} minutes");
        let errors = [(
            "form".to_owned(),
            message.get(ctx.viewer.lang.into()).to_owned(),
        )]
        .into();
        return new_page(ctx, f, errors, None, StatusCode::TOO_MANY_REQUESTS).await;
    }
    // Only a kelurahan of the programme, as the form offers them.
    let choices = places(&ctx.state, None).await?;
    if !choices.iter().any(|(code, _)| *code == f.kelurahan.trim()) {
        let errors = [(
            "kelurahan".to_owned(),
            ctx.viewer.lang.t("complaint_pick_place").to_owned(),
        )]
        .into();
        return new_page(ctx, f, errors, None, StatusCode::OK).await;
    }
    filed(ctx, f, Channel::Web).await
}

/// Checks and files a complaint; the public form's page with the tracking
/// code, or the form again with its problems.
async fn filed(ctx: Ctx, f: ComplaintFields, channel: Channel) -> Result<Response, AppError> {
    let submission = match check(&f.draft()) {
        Ok(s) => s,
        Err(problems) => {
            let errors = errors_of(problems, &ctx.viewer);
            return match channel {
                Channel::Web => new_page(ctx, f, errors, None, StatusCode::OK).await,
                _ => list_page(ctx, f, errors).await,
            };
        }
    };
    let actor = match channel {
        Channel::Web => Actor::Visitor {
            address: "public form".into(),
        },
        _ => ctx.viewer.actor()?,
    };
    let received = match channel {
        Channel::Web => None,
        _ => match parse_date(&f.received_on, "received_on") {
            Ok(d) => d,
            Err(AppError::Invalid { field, message }) => {
                let errors = [(field, message.get(ctx.viewer.lang.into()).to_owned())].into();
                return list_page(ctx, f, errors).await;
            }
            Err(e) => return Err(e),
        },
    };
    let code = f.kelurahan.trim().to_owned();
    let language = ctx.viewer.lang.code().to_owned();
    let result = ctx
        .state
        .blocking(move |s| {
            s.file_complaint(&code, &submission, channel, received, &language, &actor)
        })
        .await;
    match (result, channel) {
        (Ok(filed), Channel::Web) => {
            new_page(
                ctx,
                ComplaintFields::default(),
                Errors::new(),
                Some(filed.tracking_code),
                StatusCode::OK,
            )
            .await
        }
        (Ok(filed), _) => show_with(ctx, filed.id, Some(filed.tracking_code), Errors::new()).await,
        (Err(AppError::Invalid { field, message }), _) => {
            let errors = [(field, message.get(ctx.viewer.lang.into()).to_owned())].into();
            match channel {
                Channel::Web => new_page(ctx, f, errors, None, StatusCode::OK).await,
                _ => list_page(ctx, f, errors).await,
            }
        }
        (Err(e), _) => Err(e),
    }
}

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct TrackFields {
    code: String,
}

pub async fn track_form(Ctx { viewer, uri, .. }: Ctx) -> Result<Html<String>, AppError> {
    render(
        &viewer,
        &uri,
        "complaint_track.html",
        context! { typed => TrackFields::default(), errors => Errors::new(), tracked => None::<()> },
    )
}

/// A complaint by its tracking code, as its complainant sees it (the code
/// sent in the body, never in an address).
pub async fn track(
    Ctx { state, viewer, uri }: Ctx,
    Form(f): Form<TrackFields>,
) -> Result<Response, AppError> {
    let mut errors = Errors::new();
    let mut tracked = None;
    let mut status = StatusCode::OK;
    let lookups = state.complaint_lookups;
    if let Err(wait) = lookups.take(&state, viewer.address).await? {
        let seconds = wait.as_secs().max(1);
        errors.insert(
            "code".into(),
            text!("complaint_lookups_limited", seconds = seconds;
                id: "terlalu banyak pencarian: coba lagi dalam {seconds} detik",
                en: "too many lookups: try again in {seconds} seconds")
            .get(viewer.lang.into())
            .to_owned(),
        );
        status = StatusCode::TOO_MANY_REQUESTS;
    } else {
        let code = f.code.clone();
        tracked = state.blocking(move |s| s.complaint_by_code(&code)).await?;
        if tracked.is_none() {
            errors.insert(
                "code".into(),
                viewer.lang.t("complaint_code_unknown").to_owned(),
            );
        }
    }
    let page = render(
        &viewer,
        &uri,
        "complaint_track.html",
        context! { typed => f, errors => errors, tracked => tracked },
    )?;
    Ok((status, page).into_response())
}

/// The handlers' list, with the form to enter a complaint received
/// otherwise and (facilitators) the deadlines.
async fn list_page(ctx: Ctx, typed: ComplaintFields, errors: Errors) -> Result<Response, AppError> {
    let scope = ctx.viewer.scope();
    let s2 = scope.clone();
    let complaints = ctx
        .state
        .blocking(move |s| s.complaints_in(&s2, 500))
        .await?;
    let choices = places(&ctx.state, Some(scope.clone())).await?;
    let home = super::pages::home(&scope);
    let deadlines = match home.clone() {
        Some(code) => {
            ctx.state
                .blocking(move |s| s.complaint_deadlines(&code))
                .await?
        }
        None => Deadlines::default(),
    };
    let sets_deadlines = ctx
        .viewer
        .user()
        .is_some_and(|u| u.role.sets_complaint_deadlines());
    Ok(render(
        &ctx.viewer,
        &ctx.uri,
        "complaints.html",
        context! {
            complaints => complaints, typed => typed, errors => errors, places => choices,
            deadlines => deadlines, home => home, sets_deadlines => sets_deadlines,
            channels => [Channel::Sms, Channel::Paper, Channel::InPerson].map(Channel::as_str),
        },
    )?
    .into_response())
}

pub async fn list(ctx: Ctx) -> Result<Response, AppError> {
    list_page(ctx, ComplaintFields::default(), Errors::new()).await
}

/// A complaint received by text message, paper or a visit, entered by a
/// handler for a kelurahan of its scope.
pub async fn enter(ctx: Ctx, Form(f): Form<ComplaintFields>) -> Result<Response, AppError> {
    let channel = match Channel::parse(&f.channel) {
        Some(c) if c != Channel::Web => c,
        _ => {
            let errors = [(
                "channel".to_owned(),
                ctx.viewer.lang.t("complaint_pick_channel").to_owned(),
            )]
            .into();
            return list_page(ctx, f, errors).await;
        }
    };
    let choices = places(&ctx.state, Some(ctx.viewer.scope())).await?;
    if !choices.iter().any(|(code, _)| *code == f.kelurahan.trim()) {
        let errors = [(
            "kelurahan".to_owned(),
            ctx.viewer.lang.t("complaint_pick_kelurahan").to_owned(),
        )]
        .into();
        return list_page(ctx, f, errors).await;
    }
    filed(ctx, f, channel).await
}

/// The complaint an address names, when the viewer's scope reaches it.
async fn in_scope(state: &AppState, viewer: &Viewer, raw: &str) -> Result<ComplaintView, AppError> {
    let id = raw
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .map(ComplaintId::new)
        .ok_or_else(|| unseen(raw))?;
    let found = state
        .blocking(move |s| s.complaint(id))
        .await?
        .filter(|c| reaches(&viewer.scope(), &c.area_path))
        .ok_or_else(|| unseen(raw))?;
    Ok(found)
}

async fn show_with(
    ctx: Ctx,
    id: ComplaintId,
    tracking_code: Option<String>,
    errors: Errors,
) -> Result<Response, AppError> {
    let complaint = in_scope(&ctx.state, &ctx.viewer, &id.get().to_string()).await?;
    let moves: Vec<&str> = Status::ALL
        .iter()
        .filter(|to| lumbung_programme::complaints::may_move(complaint.status, **to).is_ok())
        .map(|s| s.as_str())
        .collect();
    Ok(render(
        &ctx.viewer,
        &ctx.uri,
        "complaint.html",
        context! { c => complaint, moves => moves, tracking_code => tracking_code, errors => errors },
    )?
    .into_response())
}

pub async fn show(ctx: Ctx, Path(raw): Path<String>) -> Result<Response, AppError> {
    let complaint = in_scope(&ctx.state, &ctx.viewer, &raw).await?;
    show_with(ctx, complaint.id, None, Errors::new()).await
}

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct AnswerFields {
    status: String,
    reply: String,
}

/// A reply and the status it leaves the complaint in.
pub async fn answer(
    ctx: Ctx,
    Path(raw): Path<String>,
    Form(f): Form<AnswerFields>,
) -> Result<Response, AppError> {
    let complaint = in_scope(&ctx.state, &ctx.viewer, &raw).await?;
    let lang = ctx.viewer.lang;
    let mut errors = Errors::new();
    let status = Status::parse(&f.status);
    if status.is_none() {
        errors.insert("status".into(), lang.t("complaint_pick_status").to_owned());
    }
    let reply = f.reply.trim().to_owned();
    if reply.is_empty() || reply.chars().count() > MAX_REPLY {
        errors.insert("reply".into(), lang.t("complaint_reply_needed").to_owned());
    }
    let (Some(to), true) = (status, errors.is_empty()) else {
        return show_with(ctx, complaint.id, None, errors).await;
    };
    let id = complaint.id;
    match acting(&ctx.state, &ctx.viewer, move |s, actor| {
        s.answer_complaint(id, to, &reply, actor)
    })
    .await
    {
        Ok(()) => Ok(done(&format!("/complaints/{id}"), "complaint_answered")),
        Err(AppError::Invalid { field, message }) => {
            let errors = [(field, message.get(lang.into()).to_owned())].into();
            show_with(ctx, id, None, errors).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct SummaryQuery {
    area: String,
    year: String,
}

/// Complaints received each month in an area of the viewer's scope (a
/// city's), of one year or all.
pub async fn summary(
    Ctx { state, viewer, uri }: Ctx,
    Query(q): Query<SummaryQuery>,
) -> Result<Html<String>, AppError> {
    let scope = viewer.scope();
    let wanted = q.area.trim().to_owned();
    let code = if wanted.is_empty() {
        super::pages::home(&scope).unwrap_or_default()
    } else {
        wanted
    };
    let looked = code.clone();
    let area = state.blocking(move |s| s.area(&looked)).await?;
    let area = match area {
        Some(a) if reaches(&scope, &AreaPath::from_stored(a.path.clone())) => Some(a),
        Some(_) => return Err(unseen(&code)),
        None if code.is_empty() => None,
        None => return Err(unseen(&code)),
    };
    let year = q
        .year
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|y| (1990..=2200).contains(y));
    let months = match &area {
        Some(a) => {
            let c = a.code.clone();
            state
                .blocking(move |s| s.complaint_summary(&c, year))
                .await?
        }
        None => vec![],
    };
    render(
        &viewer,
        &uri,
        "complaint_summary.html",
        context! { area => area.map(|a| context! { code => a.code, name => a.name }), months => months, q => q },
    )
}

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct DeadlineFields {
    area: String,
    answer_days: String,
    resolve_days: String,
}

/// A facilitator sets the deadlines of complaints in an area of its scope.
pub async fn deadlines(ctx: Ctx, Form(f): Form<DeadlineFields>) -> Result<Response, AppError> {
    if ctx
        .viewer
        .user()
        .is_none_or(|u| !u.role.sets_complaint_deadlines())
    {
        // The BKM answers for the deadlines: it never sets them.
        let errors = [(
            "deadlines".to_owned(),
            ctx.viewer
                .lang
                .t("complaint_deadlines_facilitators")
                .to_owned(),
        )]
        .into();
        return list_page(ctx, ComplaintFields::default(), errors).await;
    }
    let code = f.area.trim().to_owned();
    let looked = code.clone();
    let area = ctx
        .state
        .blocking(move |s| s.area(&looked))
        .await?
        .filter(|a| reaches(&ctx.viewer.scope(), &AreaPath::from_stored(a.path.clone())))
        .ok_or_else(|| unseen(&code))?;
    let days = |raw: &str| raw.trim().parse::<u16>().ok();
    let checked = match (days(&f.answer_days), days(&f.resolve_days)) {
        (Some(a), Some(r)) => Deadlines::new(a, r),
        _ => Err(
            text!("complaint_days"; id: "isi jumlah hari dengan angka bulat",
            en: "enter the days as whole numbers"),
        ),
    };
    match checked {
        Ok(d) => {
            let c = area.code.clone();
            acting(&ctx.state, &ctx.viewer, move |s, actor| {
                s.set_complaint_deadlines(&c, d, actor)
            })
            .await?;
            Ok(done("/complaints", "complaint_deadlines_set"))
        }
        Err(message) => {
            let errors = [(
                "deadlines".to_owned(),
                message.get(ctx.viewer.lang.into()).to_owned(),
            )]
            .into();
            list_page(ctx, ComplaintFields::default(), errors).await
        }
    }
}
