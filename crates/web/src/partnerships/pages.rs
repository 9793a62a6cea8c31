//! `/partnerships`: the partnerships a viewer sees, what stands out in
//! each (overdue commitments, no recent meeting), one partnership with its
//! forms, and a published partnership's public page.

use super::{errors_of, reach, seen, sent, Errors, Sent};
use crate::auth::{Ctx, Viewer};
use crate::edge::{acting, done, invalid, parse_date, today};
use crate::error::AppError;
use crate::programme::pages::{home, reaches};
use crate::render::render;
use crate::AppState;
use axum::extract::Path;
use axum::response::{Html, IntoResponse, Response};
use axum::Form;
use lumbung_domain::{text, AreaCode, AreaPath, CommitmentId, IndicatorId, OrgId, Scope};
use lumbung_partnerships::partnership::{
    check_founding, check_measure, check_minutes, check_pledge, check_reading, CommitmentKind,
    PartnerRole, PledgeDraft, Settings,
};
use lumbung_store::OrgFilter;
use minijinja::{context, Value};
use serde::{Deserialize, Serialize};

/// The organisations a partner may be chosen from.
const ORG_CHOICES: u32 = 1_000;

/// A store refusal a person can put right on the form (a value, a
/// conflict), as that form's problems; any other error as it is.
fn refused(
    form: &'static str,
    typed: &impl Serialize,
    error: AppError,
    viewer: &Viewer,
) -> Result<Sent, AppError> {
    let (field, message) = match error {
        AppError::Invalid { field, message } => (field, message),
        AppError::Conflict(message) => ("form".to_owned(), message),
        other => return Err(other),
    };
    Ok(sent(
        form,
        typed,
        [(field, message.get(viewer.lang.into()).to_owned())].into(),
    ))
}

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct NewPartnership {
    name: String,
    area: String,
    vision: String,
    goals: String,
    lead: String,
}

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct SettingsFields {
    no_meeting_days: String,
}

async fn org_choices(state: &AppState) -> Result<Vec<(OrgId, String)>, AppError> {
    let (orgs, _) = state
        .blocking(|s| s.search_orgs(&OrgFilter::default(), ORG_CHOICES, 0))
        .await?;
    Ok(orgs
        .into_iter()
        .filter(|o| o.kind != "supplier")
        .map(|o| (o.id, o.name))
        .collect())
}

fn writes(viewer: &Viewer) -> bool {
    viewer
        .user()
        .is_some_and(|u| u.role.can_write(lumbung_domain::Resource::Partnerships))
}

async fn list_with(ctx: Ctx, typed: Sent) -> Result<Response, AppError> {
    let Ctx { state, viewer, uri } = ctx;
    let scope = viewer.scope();
    let all = state.blocking(move |s| s.partnerships(&scope)).await?;
    let rows: Vec<_> = all
        .into_iter()
        .filter(|p| reach(&viewer, &p.placement, &p.partners).sees())
        .collect();
    let settings = state.blocking(|s| s.partnership_settings()).await?;
    let orgs = if writes(&viewer) {
        org_choices(&state).await?
    } else {
        vec![]
    };
    let scope = viewer.scope();
    Ok(render(
        &viewer,
        &uri,
        "partnerships.html",
        context! {
            partnerships => rows, settings => settings, sent => typed, orgs => orgs,
            home => home(&scope), can_write => writes(&viewer),
            sets => viewer.user().is_some_and(|u| u.role.sets_partnership_settings(&scope)),
        },
    )?
    .into_response())
}

pub async fn list(ctx: Ctx) -> Result<Response, AppError> {
    list_with(ctx, Sent::default()).await
}

/// A new partnership in an area of the viewer's scope; an organisation's
/// user makes it for its organisation, which leads it.
pub async fn create(ctx: Ctx, Form(f): Form<NewPartnership>) -> Result<Response, AppError> {
    let founding = match check_founding(&f.name, &f.vision, &f.goals) {
        Ok(x) => x,
        Err(p) => {
            let errors = errors_of(p, &ctx.viewer);
            return list_with(ctx, sent("create", &f, errors)).await;
        }
    };
    let scope = ctx.viewer.scope();
    let code = f.area.trim().to_owned();
    let lookup = code.clone();
    let area = ctx.state.blocking(move |s| s.area(&lookup)).await?;
    let Some(area) = area.filter(|a| reaches(&scope, &AreaPath::from_stored(a.path.clone())))
    else {
        let message = ctx.viewer.lang.t("partnership_pick_area").to_owned();
        return list_with(ctx, sent("create", &f, [("area".into(), message)].into())).await;
    };
    let area = AreaCode::parse(&area.code).map_err(|e| invalid("area", e))?;
    let owner = match scope {
        Scope::Org { id, .. } => Some(OrgId::new(id)),
        _ => None,
    };
    let mut partners = Vec::new();
    if let Some(o) = owner {
        partners.push((o, PartnerRole::Lead));
    }
    match f.lead.trim() {
        "" => {}
        raw => {
            let choices = org_choices(&ctx.state).await?;
            match raw
                .parse::<OrgId>()
                .ok()
                .filter(|id| choices.iter().any(|(c, _)| c == id))
            {
                Some(id) => partners.push((id, PartnerRole::Lead)),
                None => {
                    let message = ctx.viewer.lang.t("partnership_pick_org").to_owned();
                    return list_with(ctx, sent("create", &f, [("lead".into(), message)].into()))
                        .await;
                }
            }
        }
    }
    let made = acting(&ctx.state, &ctx.viewer, move |s, actor| {
        s.create_partnership(&area, owner, &founding, &partners, actor)
    })
    .await;
    match made {
        Ok(id) => Ok(done(&format!("/partnerships/{id}"), "partnership_created")),
        Err(e) => {
            let typed = refused("create", &f, e, &ctx.viewer)?;
            list_with(ctx, typed).await
        }
    }
}

/// The days without a meeting after which a partnership stands out: a
/// setting of the whole system, for its whole-system writers.
pub async fn settings(ctx: Ctx, Form(f): Form<SettingsFields>) -> Result<Response, AppError> {
    let scope = ctx.viewer.scope();
    if ctx
        .viewer
        .user()
        .is_none_or(|u| !u.role.sets_partnership_settings(&scope))
    {
        return Err(AppError::conflict(text!("partnership_settings_global";
            id: "pengaturan ini berlaku untuk seluruh sistem: hanya pengguna seluruh sistem yang mengubahnya",
            en: "this setting holds for the whole system: only whole-system users change it")));
    }
    let parsed = f
        .no_meeting_days
        .trim()
        .parse::<u32>()
        .ok()
        .and_then(|d| Settings::new(d).ok());
    let Some(settings) = parsed else {
        let message = Settings::new(0)
            .err()
            .map(|t| t.get(ctx.viewer.lang.into()).to_owned());
        let errors = [("no_meeting_days".into(), message.unwrap_or_default())].into();
        return list_with(ctx, sent("settings", &f, errors)).await;
    };
    acting(&ctx.state, &ctx.viewer, move |s, actor| {
        s.set_partnership_settings(settings, actor)
    })
    .await?;
    Ok(done("/partnerships", "saved"))
}

async fn page_with(ctx: Ctx, raw: &str, typed: Sent) -> Result<Response, AppError> {
    let (view, reach) = seen(&ctx.state, &ctx.viewer, raw).await?;
    let orgs = if reach.manages {
        org_choices(&ctx.state).await?
    } else {
        vec![]
    };
    // The partners the viewer may commit for.
    let committers: Vec<_> = view
        .partners
        .iter()
        .filter(|p| reach.commits_for(p.org_id))
        .map(|p| (p.org_id, p.name.clone()))
        .collect();
    Ok(render(
        &ctx.viewer,
        &ctx.uri,
        "partnership.html",
        context! {
            p => view, reach => reach, sent => typed, orgs => orgs, committers => committers,
            roles => PartnerRole::ALL.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
            kinds => CommitmentKind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
            today => today(&ctx.state).to_string(),
        },
    )?
    .into_response())
}

pub async fn page(ctx: Ctx, Path(raw): Path<String>) -> Result<Response, AppError> {
    page_with(ctx, &raw, Sent::default()).await
}

/// Refuses a change that only those who hold the partnership make.
fn must_manage(reach: &lumbung_partnerships::partnership::Reach) -> Result<(), AppError> {
    if reach.manages {
        Ok(())
    } else {
        Err(AppError::conflict(text!("partnership_not_yours";
            id: "hanya yang memegang kemitraan ini yang mengubahnya",
            en: "only those who hold this partnership change it")))
    }
}

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct PartnerFields {
    org: String,
    role: String,
}

pub async fn add_partner(
    ctx: Ctx,
    Path(raw): Path<String>,
    Form(f): Form<PartnerFields>,
) -> Result<Response, AppError> {
    let (view, reach) = seen(&ctx.state, &ctx.viewer, &raw).await?;
    must_manage(&reach)?;
    let lang = ctx.viewer.lang;
    let mut errors = Errors::new();
    let choices = org_choices(&ctx.state).await?;
    let org = f
        .org
        .trim()
        .parse::<OrgId>()
        .ok()
        .filter(|id| choices.iter().any(|(c, _)| c == id));
    if org.is_none() {
        errors.insert("org".into(), lang.t("partnership_pick_org").to_owned());
    }
    let role = PartnerRole::parse(&f.role);
    if role.is_none() {
        errors.insert("role".into(), lang.t("partnership_pick_role").to_owned());
    }
    let (Some(org), Some(role)) = (org, role) else {
        return page_with(ctx, &raw, sent("partner", &f, errors)).await;
    };
    let id = view.id;
    match acting(&ctx.state, &ctx.viewer, move |s, actor| {
        s.add_partner(id, org, role, actor)
    })
    .await
    {
        Ok(()) => Ok(done(&format!("/partnerships/{id}#partners"), "saved")),
        Err(e) => {
            let typed = refused("partner", &f, e, &ctx.viewer)?;
            page_with(ctx, &raw, typed).await
        }
    }
}

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct CommitmentFields {
    org: String,
    kind: String,
    description: String,
    amount: String,
    hours: String,
    due_on: String,
}

pub async fn add_commitment(
    ctx: Ctx,
    Path(raw): Path<String>,
    Form(f): Form<CommitmentFields>,
) -> Result<Response, AppError> {
    let (view, reach) = seen(&ctx.state, &ctx.viewer, &raw).await?;
    let org = f
        .org
        .trim()
        .parse::<OrgId>()
        .ok()
        .filter(|o| view.partners.iter().any(|p| p.org_id == *o) && reach.commits_for(*o));
    let checked = check_pledge(&PledgeDraft {
        kind: &f.kind,
        description: &f.description,
        amount: &f.amount,
        hours: &f.hours,
        due_on: &f.due_on,
    });
    let mut errors = match &checked {
        Ok(_) => Errors::new(),
        Err(p) => errors_of(p.clone(), &ctx.viewer),
    };
    if org.is_none() {
        errors.insert(
            "org".into(),
            ctx.viewer.lang.t("partnership_pick_partner").to_owned(),
        );
    }
    let (Some(org), Ok(pledge)) = (org, checked) else {
        return page_with(ctx, &raw, sent("commitment", &f, errors)).await;
    };
    let id = view.id;
    acting(&ctx.state, &ctx.viewer, move |s, actor| {
        s.add_commitment(id, org, &pledge, actor)
    })
    .await?;
    Ok(done(&format!("/partnerships/{id}#commitments"), "saved"))
}

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct KeptFields {
    kept_on: String,
    note: String,
}

/// Records a commitment kept: by those who hold the partnership, or by
/// the committed partner's own people.
pub async fn keep(
    ctx: Ctx,
    Path(raw): Path<String>,
    Form(f): Form<KeptFields>,
) -> Result<Response, AppError> {
    let missing = || {
        AppError::not_found(
            text!("commitment_page", id = raw.clone(); id: "komitmen {id}", en: "commitment {id}"),
        )
    };
    let cid: CommitmentId = raw.parse().map_err(|_| missing())?;
    let (pid, owner) = ctx
        .state
        .blocking(move |s| s.commitment_owner(cid))
        .await?
        .ok_or_else(missing)?;
    let (_, reach) = seen(&ctx.state, &ctx.viewer, &pid.to_string())
        .await
        .map_err(|_| missing())?;
    if !reach.commits_for(owner) {
        return Err(must_manage(&reach).unwrap_err());
    }
    let kept_on = match parse_date(&f.kept_on, "kept_on") {
        Ok(Some(d)) if d <= today(&ctx.state) => d,
        Ok(_) => {
            let errors = [(
                "kept_on".into(),
                ctx.viewer.lang.t("partnership_kept_on_bad").to_owned(),
            )]
            .into();
            return page_with(ctx, &pid.to_string(), sent("kept", &f, errors)).await;
        }
        Err(e) => {
            let typed = refused("kept", &f, e, &ctx.viewer)?;
            return page_with(ctx, &pid.to_string(), typed).await;
        }
    };
    let note: String = f.note.trim().chars().take(1_000).collect();
    match acting(&ctx.state, &ctx.viewer, move |s, actor| {
        s.keep_commitment(cid, kept_on, &note, actor)
    })
    .await
    {
        Ok(()) => Ok(done(&format!("/partnerships/{pid}#commitments"), "saved")),
        Err(e) => {
            let typed = refused("kept", &f, e, &ctx.viewer)?;
            page_with(ctx, &pid.to_string(), typed).await
        }
    }
}

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct MeetingFields {
    held_on: String,
    attendees: String,
    minutes: String,
    decisions: String,
}

pub async fn add_meeting(
    ctx: Ctx,
    Path(raw): Path<String>,
    Form(f): Form<MeetingFields>,
) -> Result<Response, AppError> {
    let (view, reach) = seen(&ctx.state, &ctx.viewer, &raw).await?;
    must_manage(&reach)?;
    let checked = check_minutes(
        &f.held_on,
        &f.attendees,
        &f.minutes,
        &f.decisions,
        today(&ctx.state),
    );
    let minutes = match checked {
        Ok(m) => m,
        Err(p) => {
            let errors = errors_of(p, &ctx.viewer);
            return page_with(ctx, &raw, sent("meeting", &f, errors)).await;
        }
    };
    let id = view.id;
    acting(&ctx.state, &ctx.viewer, move |s, actor| {
        s.add_meeting(id, &minutes, actor)
    })
    .await?;
    Ok(done(&format!("/partnerships/{id}#meetings"), "saved"))
}

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct IndicatorFields {
    name: String,
    unit: String,
    baseline: String,
    target: String,
}

pub async fn add_indicator(
    ctx: Ctx,
    Path(raw): Path<String>,
    Form(f): Form<IndicatorFields>,
) -> Result<Response, AppError> {
    let (view, reach) = seen(&ctx.state, &ctx.viewer, &raw).await?;
    must_manage(&reach)?;
    let measure = match check_measure(&f.name, &f.unit, &f.baseline, &f.target) {
        Ok(m) => m,
        Err(p) => {
            let errors = errors_of(p, &ctx.viewer);
            return page_with(ctx, &raw, sent("indicator", &f, errors)).await;
        }
    };
    let id = view.id;
    acting(&ctx.state, &ctx.viewer, move |s, actor| {
        s.add_indicator(id, &measure, actor)
    })
    .await?;
    Ok(done(&format!("/partnerships/{id}#indicators"), "saved"))
}

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct ReadingFields {
    read_on: String,
    value: String,
}

pub async fn add_reading(
    ctx: Ctx,
    Path(raw): Path<String>,
    Form(f): Form<ReadingFields>,
) -> Result<Response, AppError> {
    let missing = || {
        AppError::not_found(
            text!("indicator_page", id = raw.clone(); id: "indikator {id}", en: "indicator {id}"),
        )
    };
    let iid: IndicatorId = raw.parse().map_err(|_| missing())?;
    let pid = ctx
        .state
        .blocking(move |s| s.indicator_partnership(iid))
        .await?
        .ok_or_else(missing)?;
    let (_, reach) = seen(&ctx.state, &ctx.viewer, &pid.to_string())
        .await
        .map_err(|_| missing())?;
    must_manage(&reach)?;
    let mut errors = Errors::new();
    let read_on = match parse_date(&f.read_on, "read_on") {
        Ok(Some(d)) if d <= today(&ctx.state) => Some(d),
        _ => {
            errors.insert(
                "read_on".into(),
                ctx.viewer.lang.t("partnership_read_on").to_owned(),
            );
            None
        }
    };
    let value = match check_reading(&f.value) {
        Ok(v) => Some(v),
        Err(p) => {
            errors.extend(errors_of(p, &ctx.viewer));
            None
        }
    };
    let (Some(read_on), Some(value)) = (read_on, value) else {
        let mut typed = sent("reading", &f, errors);
        typed.typed.insert("indicator".into(), iid.to_string());
        return page_with(ctx, &pid.to_string(), typed).await;
    };
    acting(&ctx.state, &ctx.viewer, move |s, actor| {
        s.add_reading(iid, read_on, value, actor)
    })
    .await?;
    Ok(done(&format!("/partnerships/{pid}#indicators"), "saved"))
}

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct PublishFields {
    published: String,
}

pub async fn publish(
    ctx: Ctx,
    Path(raw): Path<String>,
    Form(f): Form<PublishFields>,
) -> Result<Response, AppError> {
    let (view, reach) = seen(&ctx.state, &ctx.viewer, &raw).await?;
    must_manage(&reach)?;
    let published = match f.published.trim() {
        "yes" => true,
        "no" => false,
        _ => {
            return Err(invalid(
                "published",
                text!("partnership_published_yes_no"; id: "pilih ya atau tidak", en: "choose yes or no"),
            ))
        }
    };
    let id = view.id;
    acting(&ctx.state, &ctx.viewer, move |s, actor| {
        s.publish_partnership(id, published, actor)
    })
    .await?;
    Ok(done(&format!("/partnerships/{id}"), "saved"))
}

/// A published partnership's summary: goals, partners, commitments kept
/// and overdue (no person, no amount of any one partner).
pub async fn public(ctx: Ctx, Path(raw): Path<String>) -> Result<Html<String>, AppError> {
    let missing = || super::unseen(&raw);
    let id = raw.parse().map_err(|_| missing())?;
    let summary = ctx
        .state
        .reading_one(move |s| s.public_partnership(id))
        .await?
        .ok_or_else(missing)?;
    render(
        &ctx.viewer,
        &ctx.uri,
        "partnership_public.html",
        context! { p => Value::from_serialize(&summary) },
    )
}
