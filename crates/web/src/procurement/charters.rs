//! The anchors' charters: a group of the viewer's anchors agrees goals
//! (the six of seed 000 to start with), each with an indicator and a
//! target; one page shows the group and every anchor against them in a
//! year, the known indicators figured, the others entered by hand. A
//! viewer sees a charter only when it sees every anchor of it. Rules:
//! `lumbung_procurement::charter`.

use super::tenders::anchor_choices;
use super::{not_found, FormErrors};
use crate::auth::{Ctx, Viewer};
use crate::edge::{acting, done, Many, MultiForm};
use crate::error::AppError;
use crate::render::render;
use crate::AppState;
use axum::extract::{Path, Query};
use axum::response::{Html, IntoResponse, Response};
use axum::Form;
use lumbung_domain::{CharterId, FiscalYear, GoalId, Language, OrgId, Resource};
use lumbung_procurement::charter::{
    check_goal, check_value, default_goals, scorecard, Goal, Indicator, GOALS_MAX, MEMBERS_MAX,
    TITLE_MAX,
};
use lumbung_procurement::exact;
use lumbung_store::{Charter, CharterSummary};
use minijinja::context;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

fn can_write(viewer: &Viewer) -> bool {
    viewer
        .user()
        .is_some_and(|u| u.role.can_write(Resource::Contracts))
}

/// The charters whose every anchor the viewer sees.
fn visible(summary: &CharterSummary, seen: &[(i64, String)], global: bool) -> bool {
    global
        || summary
            .members
            .iter()
            .all(|(id, _)| seen.iter().any(|(s, _)| *s == id.get()))
}

fn is_global(viewer: &Viewer) -> bool {
    viewer.scope() == lumbung_domain::Scope::Global
}

/// A charter by the id in the address, when the viewer may see it.
async fn charter_seen(state: &AppState, viewer: &Viewer, raw: &str) -> Result<Charter, AppError> {
    let missing = || not_found("charter", raw);
    let id: CharterId = raw.parse().map_err(|_| missing())?;
    let charter = state
        .blocking(move |s| s.charter(id))
        .await?
        .ok_or_else(missing)?;
    let seen = anchor_choices(state, viewer).await?;
    if !visible(&charter.summary, &seen, is_global(viewer)) {
        return Err(missing());
    }
    Ok(charter)
}

/// The goal of `charter` that `raw` names; otherwise "goal … not found".
fn goal_of<'a>(charter: &'a Charter, raw: &str) -> Result<&'a Goal, AppError> {
    let raw = raw.trim();
    raw.parse::<GoalId>()
        .ok()
        .and_then(|g| charter.goals.iter().find(|x| x.id == g))
        .ok_or_else(|| not_found("goal", raw))
}

/// The new-charter form as typed.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct NewCharter {
    name: String,
    /// Anchor ids, each a `member` field (a checkbox).
    #[serde(rename(deserialize = "member"), skip_serializing)]
    members: Many,
}

async fn list_with(
    ctx: Ctx,
    typed: NewCharter,
    errors: FormErrors,
) -> Result<Html<String>, AppError> {
    let Ctx { state, viewer, uri } = ctx;
    let seen = anchor_choices(&state, &viewer).await?;
    let global = is_global(&viewer);
    let charters: Vec<_> = state
        .blocking(|s| s.charters())
        .await?
        .into_iter()
        .filter(|c| visible(c, &seen, global))
        .collect();
    render(
        &viewer,
        &uri,
        "charters.html",
        context! {
            charters => charters, anchors => seen, f => typed, members => typed.members,
            errors => errors, can_write => can_write(&viewer), title_max => TITLE_MAX,
        },
    )
}

pub async fn list(ctx: Ctx) -> Result<Html<String>, AppError> {
    list_with(ctx, NewCharter::default(), FormErrors::new()).await
}

/// Creates a charter of the anchors ticked (each one the viewer's) with
/// seed 000's six goals.
pub async fn create(
    ctx: Ctx,
    MultiForm(typed): MultiForm<NewCharter>,
) -> Result<Response, AppError> {
    let lang = ctx.viewer.lang;
    let seen = anchor_choices(&ctx.state, &ctx.viewer).await?;
    let mut errors = FormErrors::new();
    let name = typed.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > TITLE_MAX {
        errors.insert("name", lang.t("charter_name_needed").to_owned());
    }
    let mut members: Vec<OrgId> = Vec::new();
    for raw in &typed.members.0 {
        match raw
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|id| seen.iter().any(|(s, _)| s == id))
        {
            Some(id) if !members.contains(&OrgId::new(id)) => members.push(OrgId::new(id)),
            Some(_) => {}
            None => {
                errors.insert("members", lang.t("charter_pick_members").to_owned());
            }
        }
    }
    if members.is_empty() || members.len() > MEMBERS_MAX {
        errors.insert("members", lang.t("charter_pick_members").to_owned());
    }
    if !errors.is_empty() {
        return Ok(list_with(ctx, typed, errors).await?.into_response());
    }
    let id = acting(&ctx.state, &ctx.viewer, move |s, actor| {
        // The local share's target is the spend settings' when set.
        let target = s
            .spend_settings()?
            .target_local_share
            .and_then(|share| exact::parse_decimal(&share.to_string(), 12))
            .map(|share| share * exact::int(100));
        s.create_charter(&name, &members, &default_goals(target), actor)
    })
    .await?;
    Ok(done(
        &format!("/procurement/charters/{id}"),
        "charter_created",
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct YearQuery {
    year: String,
}

/// A goal's form as typed (to add one, or change one).
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct GoalFields {
    goal: String,
    title: String,
    indicator: String,
    measure: String,
    target: String,
}

/// A figure entered as typed.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct ValueFields {
    goal: String,
    /// An anchor's id, or `group`.
    anchor: String,
    year: String,
    value: String,
}

/// What a re-shown page keeps of a refused form.
#[derive(Default)]
struct Typed {
    goal: Option<GoalFields>,
    value: Option<ValueFields>,
    errors: FormErrors,
}

async fn page_with(
    ctx: Ctx,
    raw: String,
    year: String,
    typed: Typed,
) -> Result<Html<String>, AppError> {
    let lang = ctx.viewer.lang;
    let charter = charter_seen(&ctx.state, &ctx.viewer, &raw).await?;
    let Ctx { state, viewer, uri } = ctx;
    let mut errors = typed.errors;
    let wanted = match year.trim() {
        "" => None,
        y => match FiscalYear::parse(y) {
            Ok(y) => Some(y),
            Err(e) => {
                errors.insert("year", e.0.get(lang.into()).to_owned());
                None
            }
        },
    };
    let members = charter.summary.members.clone();
    let id = charter.summary.id;
    let figured = state
        .blocking(move |s| {
            let known = s.charter_known(&members, wanted)?;
            let entered = s.charter_entries(id, known.year)?;
            Ok((known, entered))
        })
        .await;
    let (card, years, year, problem) = match figured {
        Ok((known, entered)) => {
            let card = scorecard(&charter.goals, &known.members, &entered)
                .map_err(|_| AppError::bad_request(lumbung_domain::text!("charter_too_large";
                    id: "angka kelompok terlalu besar untuk dijumlah", en: "the group's figures are too large to add up")))?;
            (Some(card), known.years, Some(known.year.start_year()), None)
        }
        Err(AppError::Invalid { message, .. }) => (
            None,
            Vec::new(),
            None,
            Some(message.get(lang.into()).to_owned()),
        ),
        Err(e) => return Err(e),
    };
    let cur = crate::spend::currency(&state).await?.map(|c| c.code());
    let indicators: Vec<&str> = Indicator::ALL.iter().map(|i| i.as_str()).collect();
    render(
        &viewer,
        &uri,
        "charter.html",
        context! {
            c => charter.summary, card => card, years => years, year => year, problem => problem,
            errors => errors, goal_form => typed.goal, value_form => typed.value,
            indicators => indicators, can_write => can_write(&viewer), cur => cur,
            title_max => TITLE_MAX, goals_full => charter.goals.len() >= GOALS_MAX,
        },
    )
}

pub async fn page(
    ctx: Ctx,
    Path(raw): Path<String>,
    Query(q): Query<YearQuery>,
) -> Result<Html<String>, AppError> {
    page_with(ctx, raw, q.year, Typed::default()).await
}

/// Adds a goal, or changes the one named (`goal`).
pub async fn save_goal(
    ctx: Ctx,
    Path(raw): Path<String>,
    Form(f): Form<GoalFields>,
) -> Result<Response, AppError> {
    let lang: Language = ctx.viewer.lang.into();
    let charter = charter_seen(&ctx.state, &ctx.viewer, &raw).await?;
    let editing = match f.goal.trim() {
        "" => None,
        g => Some(goal_of(&charter, g)?),
    };
    if editing.is_none() && charter.goals.len() >= GOALS_MAX {
        return Err(AppError::conflict(
            lumbung_domain::text!("charter_goals_full", max = GOALS_MAX;
            id: "piagam paling banyak {max} tujuan", en: "a charter holds at most {max} goals"),
        ));
    }
    let preset = editing.and_then(|g| g.preset);
    match check_goal(preset, &f.title, &f.indicator, &f.measure, &f.target) {
        Ok(input) => {
            let id = charter.summary.id;
            let goal = editing.map(|g| g.id);
            acting(&ctx.state, &ctx.viewer, move |s, actor| match goal {
                Some(goal) => s.edit_goal(id, goal, &input, actor),
                None => s.add_goal(id, &input, actor).map(|_| ()),
            })
            .await?;
            Ok(done(
                &format!("/procurement/charters/{id}#goals"),
                "charter_goal_saved",
            ))
        }
        Err(problems) => {
            let mut errors = FormErrors::new();
            for p in problems {
                errors.insert(p.field, p.message.get(lang).to_owned());
            }
            let typed = Typed {
                goal: Some(f),
                value: None,
                errors,
            };
            Ok(page_with(ctx, raw, String::new(), typed)
                .await?
                .into_response())
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RetireFields {
    goal: String,
}

/// Retires a goal: kept with its figures, no longer shown.
pub async fn retire_goal(
    ctx: Ctx,
    Path(raw): Path<String>,
    Form(f): Form<RetireFields>,
) -> Result<Response, AppError> {
    let charter = charter_seen(&ctx.state, &ctx.viewer, &raw).await?;
    let goal = goal_of(&charter, &f.goal)?.id;
    let id = charter.summary.id;
    acting(&ctx.state, &ctx.viewer, move |s, actor| {
        s.retire_goal(id, goal, actor)
    })
    .await?;
    Ok(done(
        &format!("/procurement/charters/{id}#goals"),
        "charter_goal_retired",
    ))
}

/// Keeps a figure of a manual goal for an anchor of the charter (or the
/// group) in a year.
pub async fn enter_value(
    ctx: Ctx,
    Path(raw): Path<String>,
    Form(f): Form<ValueFields>,
) -> Result<Response, AppError> {
    let lang: Language = ctx.viewer.lang.into();
    let charter = charter_seen(&ctx.state, &ctx.viewer, &raw).await?;
    let goal = goal_of(&charter, &f.goal)?;
    if !goal.indicator.is_manual() {
        return Err(not_found("goal", f.goal.trim()));
    }
    let members: HashSet<i64> = charter
        .summary
        .members
        .iter()
        .map(|(id, _)| id.get())
        .collect();
    let mut errors = FormErrors::new();
    let anchor = match f.anchor.trim() {
        "group" => Some(None),
        raw => raw
            .parse::<i64>()
            .ok()
            .filter(|a| members.contains(a))
            .map(|a| Some(OrgId::new(a))),
    };
    if anchor.is_none() {
        errors.insert(
            "value_anchor",
            ctx.viewer.lang.t("charter_pick_anchor").to_owned(),
        );
    }
    let year = FiscalYear::parse(&f.year)
        .map_err(|e| errors.insert("value_year", e.0.get(lang).to_owned()))
        .ok();
    let value = check_value(&f.value, Some(goal.indicator.unit()))
        .map_err(|m| errors.insert("value", m.get(lang).to_owned()))
        .ok();
    match (anchor, year, value) {
        (Some(anchor), Some(year), Some(value)) if errors.is_empty() => {
            let (id, goal) = (charter.summary.id, goal.id);
            acting(&ctx.state, &ctx.viewer, move |s, actor| {
                s.enter_charter_value(id, goal, anchor, year, &value, actor)
            })
            .await?;
            Ok(done(
                &format!(
                    "/procurement/charters/{id}?year={}#scorecard",
                    year.start_year()
                ),
                "charter_value_kept",
            ))
        }
        _ => {
            let year = f.year.clone();
            let typed = Typed {
                goal: None,
                value: Some(f),
                errors,
            };
            Ok(page_with(ctx, raw, year, typed).await?.into_response())
        }
    }
}
