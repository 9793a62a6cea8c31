//! `/economy`: the co-operative economy — co-operatives from an idea to
//! trading with the support they asked and their mentors, each anchor's
//! spend with co-operatives by year (to those who read spend), a credit
//! union's members, savings and loans by area with its service points and
//! the bank branches closed, and employee buy-outs as a funnel. Rules:
//! `lumbung_partnerships::economy`.

use super::{area_of, errors_of, owner, problems_and_area, sent, Errors, Sent};
use crate::auth::{Ctx, Viewer};
use crate::charts;
use crate::edge::{acting, done, invalid, parse_date, today};
use crate::error::AppError;
use crate::programme::plans::{read_uploaded, uploaded};
use crate::render::render;
use axum::extract::{Multipart, Path};
use axum::response::{IntoResponse, Response};
use axum::Form;
use lumbung_domain::{text, AreaPath, BuyoutId, CoopId, OrgId, Resource};
use lumbung_partnerships::economy::{
    check_buyout, check_coop, check_member, coop_spend, cu_month, funnel, read_closures,
    read_cu_months, served, BuyoutStage, CoopDraft, CoopStage, PointKind,
};
use minijinja::context;
use serde::{Deserialize, Serialize};

/// The largest credit union or closures file taken.
pub const MAX_FILE_BYTES: usize = 4 * 1024 * 1024;

fn writes(viewer: &Viewer) -> bool {
    viewer
        .user()
        .is_some_and(|u| u.role.can_write(Resource::Partnerships))
}

async fn page_with(ctx: Ctx, typed: Sent) -> Result<Response, AppError> {
    let orgs = if writes(&ctx.viewer) {
        coop_orgs(&ctx).await?
    } else {
        vec![]
    };
    let Ctx { state, viewer, uri } = ctx;
    let scope = viewer.scope();
    let lang = viewer.lang;
    let sc = scope.clone();
    let coops = state.blocking(move |s| s.coops(&sc)).await?;
    let reads_spend = viewer
        .user()
        .is_some_and(|u| u.role.can_read(Resource::Spend));
    let spend = if reads_spend {
        let s2 = scope.clone();
        // Every payment in scope summed on the blocking thread that read
        // them (a city's millions held an async thread).
        let (rows, anchors) = state
            .blocking(move |s| {
                let facts = s.spend_facts_in(&s2)?;
                let refs: Vec<_> = facts.iter().collect();
                let rows = coop_spend(&refs, &s.coop_supplier_ids()?).unwrap_or_default();
                let anchors = s.search_orgs(
                    &lumbung_store::OrgFilter {
                        kind: Some(lumbung_domain::OrgKind::Anchor),
                        ..Default::default()
                    },
                    5_000,
                    0,
                )?;
                Ok((rows, anchors.0))
            })
            .await?;
        let anchors: std::collections::HashMap<i64, String> =
            anchors.into_iter().map(|o| (o.id.get(), o.name)).collect();
        rows.into_iter()
            .map(|r| {
                let name = anchors
                    .get(&(r.anchor as i64))
                    .cloned()
                    .unwrap_or_else(|| r.anchor.to_string());
                context! { anchor => name, row => r }
            })
            .collect()
    } else {
        vec![]
    };
    let sc = scope.clone();
    let months = state.blocking(move |s| s.cu_months(&sc)).await?;
    // Every month of each area (by area, then month), with the change in
    // members since the area's month before.
    let credit: Vec<_> = months
        .iter()
        .enumerate()
        .map(|(i, now)| {
            let before = i
                .checked_sub(1)
                .map(|b| &months[b])
                .filter(|b| b.area_code == now.area_code);
            context! { now => now, before => before }
        })
        .collect();
    let sc = scope.clone();
    let points = state.blocking(move |s| s.cu_points(&sc)).await?;
    let point_paths: Vec<AreaPath> = points.iter().map(|p| p.path.clone()).collect();
    let sc = scope.clone();
    let closures: Vec<_> = state
        .blocking(move |s| s.closures(&sc))
        .await?
        .into_iter()
        .map(|c| {
            let ok = served(&c.path, &point_paths);
            context! { c => c, served => ok }
        })
        .collect();
    let sc = scope.clone();
    let buyouts = state.blocking(move |s| s.buyouts(&sc)).await?;
    let f = funnel(
        &buyouts
            .iter()
            .map(|b| (b.stages.iter().map(|s| s.stage).collect(), b.jobs))
            .collect::<Vec<_>>(),
    );
    let chart_rows: Vec<(String, i64, String)> = f
        .steps
        .iter()
        .map(|s| {
            (
                lang.t(&format!("buyout_stage_{}", s.stage.as_str()))
                    .to_owned(),
                s.reached as i64,
                s.reached.to_string(),
            )
        })
        .collect();
    let chart = charts::bars(lang.t("buyout_funnel"), &chart_rows);
    Ok(render(
        &viewer,
        &uri,
        "economy.html",
        context! {
            coops => coops, spend => spend, reads_spend => reads_spend, credit => credit,
            points => points, closures => closures, buyouts => buyouts, funnel => f,
            chart => chart, sent => typed, can_write => writes(&viewer), orgs => orgs,
            home => crate::programme::pages::home(&scope), today => today(&state).to_string(),
            coop_stages => CoopStage::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
            buyout_stages => BuyoutStage::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
            point_kinds => PointKind::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        },
    )?
    .into_response())
}

pub async fn page(ctx: Ctx) -> Result<Response, AppError> {
    page_with(ctx, Sent::default()).await
}

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct CoopFields {
    name: String,
    area: String,
    sector: String,
    stage: String,
    members: String,
    members_women: String,
    support_asked: String,
    mentor: String,
    org: String,
}

/// The registry's co-operatives and social enterprises in the viewer's
/// scope, a co-op's record may name (id, name): naming one counts its
/// payments as spend with co-operatives in every anchor's figures, so a
/// writer names only those of its own scope.
async fn coop_orgs(ctx: &Ctx) -> Result<Vec<(OrgId, String)>, AppError> {
    let scope = ctx.viewer.scope();
    let mut out = Vec::new();
    for kind in [
        lumbung_domain::OrgKind::Cooperative,
        lumbung_domain::OrgKind::SocialEnterprise,
    ] {
        let filter = lumbung_store::OrgFilter {
            kind: Some(kind),
            ..Default::default()
        };
        let (orgs, _) = ctx
            .state
            .blocking(move |s| s.search_orgs(&filter, 1_000, 0))
            .await?;
        out.extend(
            orgs.into_iter()
                .filter(|o| scope.covers(&o.placement))
                .map(|o| (o.id, o.name)),
        );
    }
    Ok(out)
}

pub async fn add_coop(ctx: Ctx, Form(f): Form<CoopFields>) -> Result<Response, AppError> {
    let checked = check_coop(&CoopDraft {
        name: &f.name,
        sector: &f.sector,
        stage: &f.stage,
        members: &f.members,
        members_women: &f.members_women,
        support_asked: &f.support_asked,
        mentor: &f.mentor,
    });
    let (mut errors, area) = problems_and_area(&ctx, &checked, &f.area).await?;
    let org = match f.org.trim() {
        "" => None,
        raw => {
            let choices = coop_orgs(&ctx).await?;
            let found = raw
                .parse::<OrgId>()
                .ok()
                .filter(|id| choices.iter().any(|(c, _)| c == id));
            if found.is_none() {
                errors.insert(
                    "org".into(),
                    ctx.viewer.lang.t("partnership_pick_org").to_owned(),
                );
            }
            found
        }
    };
    let (Ok(coop), Some(area), true) = (checked, area, errors.is_empty()) else {
        return page_with(ctx, sent("coop", &f, errors)).await;
    };
    let (owner, on) = (owner(&ctx.viewer), today(&ctx.state));
    acting(&ctx.state, &ctx.viewer, move |s, actor| {
        s.add_coop(&area, owner, org, &coop, on, actor)
    })
    .await?;
    Ok(done("/economy#coops", "saved"))
}

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct StageFields {
    stage: String,
    on: String,
    note: String,
}

fn stage_date(ctx: &Ctx, raw: &str) -> Result<jiff::civil::Date, AppError> {
    match parse_date(raw, "on")? {
        Some(d) if d <= today(&ctx.state) => Ok(d),
        None => Ok(today(&ctx.state)),
        Some(_) => Err(invalid(
            "on",
            text!("economy_future"; id: "tanggal tidak boleh setelah hari ini", en: "the date may not be after today"),
        )),
    }
}

/// The co-operative `raw` (its id in the address) when it is of the
/// viewer's scope, else not found.
async fn coop_in_scope(ctx: &Ctx, raw: i64) -> Result<CoopId, AppError> {
    let missing = || {
        AppError::not_found(
            text!("coop_page", id = raw; id: "koperasi {id}", en: "co-operative {id}"),
        )
    };
    let coop = ctx
        .state
        .blocking(move |s| s.coop(CoopId::new(raw)))
        .await?
        .ok_or_else(missing)?;
    if ctx.viewer.scope().covers(&coop.placement) {
        Ok(coop.id)
    } else {
        Err(missing())
    }
}

/// Refuses a file whose row (line, area) names an area that does not
/// exist or lies outside the viewer's scope, naming the first.
async fn rows_in_scope<'a>(
    ctx: &Ctx,
    rows: impl Iterator<Item = (u64, &'a str)> + Clone,
) -> Result<(), AppError> {
    let found = super::areas_of(ctx, rows.clone().map(|(_, code)| code)).await?;
    for (line, code) in rows {
        if found.get(code.trim()).is_none_or(Option::is_none) {
            let code = code.to_owned();
            return Err(invalid(
                "file",
                text!("cu_area_outside", line = line, code = code;
                    id: "baris {line}: wilayah {code} tidak ada atau di luar cakupan Anda",
                    en: "line {line}: area {code} does not exist or is outside your scope"),
            ));
        }
    }
    Ok(())
}

pub async fn move_coop(
    ctx: Ctx,
    Path(raw): Path<i64>,
    Form(f): Form<StageFields>,
) -> Result<Response, AppError> {
    let id = coop_in_scope(&ctx, raw).await?;
    let stage = CoopStage::parse(&f.stage).ok_or_else(|| {
        invalid(
            "stage",
            text!("coop_pick_stage"; id: "pilih tahap", en: "choose a stage"),
        )
    })?;
    let on = stage_date(&ctx, &f.on)?;
    acting(&ctx.state, &ctx.viewer, move |s, actor| {
        s.move_coop(id, stage, on, actor)
    })
    .await?;
    Ok(done("/economy#coops", "saved"))
}

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct MemberFields {
    name: String,
    consent: String,
}

/// A member on a co-operative's own list (of the viewer's scope), with
/// their consent, dated today.
pub async fn add_member(
    ctx: Ctx,
    Path(raw): Path<i64>,
    Form(f): Form<MemberFields>,
) -> Result<Response, AppError> {
    let id = coop_in_scope(&ctx, raw).await?;
    let name = match check_member(&f.name, f.consent == "yes") {
        Ok(n) => n,
        Err(p) => {
            let mut typed = sent("member", &f, errors_of(p, &ctx.viewer));
            typed.typed.insert("coop".into(), id.to_string());
            return page_with(ctx, typed).await;
        }
    };
    let on = today(&ctx.state);
    acting(&ctx.state, &ctx.viewer, move |s, actor| {
        s.add_coop_member(id, &name, on, actor)
    })
    .await?;
    Ok(done("/economy#coops", "saved"))
}

/// A credit union's monthly figures (`area,month,members,savings,loans`),
/// every row's area in the viewer's scope; all or nothing.
pub async fn import_months(ctx: Ctx, multipart: Multipart) -> Result<Response, AppError> {
    let (name, _, rows) =
        read_uploaded(&ctx.state, uploaded(multipart).await?, read_cu_months).await?;
    rows_in_scope(&ctx, rows.iter().map(|r| (r.line, r.area.as_str()))).await?;
    acting(&ctx.state, &ctx.viewer, move |s, actor| {
        s.import_cu_months(&name, &rows, actor)
    })
    .await?;
    Ok(done("/economy#credit-union", "saved"))
}

/// Closed bank branches (`area,bank,closed_on`), in the viewer's scope.
pub async fn import_closures(ctx: Ctx, multipart: Multipart) -> Result<Response, AppError> {
    let (name, _, rows) =
        read_uploaded(&ctx.state, uploaded(multipart).await?, read_closures).await?;
    rows_in_scope(&ctx, rows.iter().map(|r| (r.line, r.area.as_str()))).await?;
    acting(&ctx.state, &ctx.viewer, move |s, actor| {
        s.import_closures(&name, &rows, actor)
    })
    .await?;
    Ok(done("/economy#credit-union", "saved"))
}

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct MonthFields {
    area: String,
    month: String,
    members: String,
    savings: String,
    loans: String,
}

/// A credit union's month entered by hand, in an area of the viewer's
/// scope (a month given again replaces its figures).
pub async fn enter_month(ctx: Ctx, Form(f): Form<MonthFields>) -> Result<Response, AppError> {
    let checked = cu_month(1, [&f.area, &f.month, &f.members, &f.savings, &f.loans]);
    let mut errors = match &checked {
        Ok(_) => Errors::new(),
        Err(p) => errors_of(p.clone(), &ctx.viewer),
    };
    if area_of(&ctx, &f.area).await?.is_none() {
        errors.insert(
            "area".into(),
            ctx.viewer.lang.t("partnership_pick_area").to_owned(),
        );
    }
    let (Ok(row), true) = (checked, errors.is_empty()) else {
        return page_with(ctx, sent("month", &f, errors)).await;
    };
    acting(&ctx.state, &ctx.viewer, move |s, actor| {
        s.import_cu_months("form", &[row], actor)
    })
    .await?;
    Ok(done("/economy#credit-union", "saved"))
}

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct PointFields {
    name: String,
    area: String,
    kind: String,
}

pub async fn add_point(ctx: Ctx, Form(f): Form<PointFields>) -> Result<Response, AppError> {
    let lang = ctx.viewer.lang;
    let mut errors = Errors::new();
    let name = f.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 200 {
        errors.insert("name".into(), lang.t("economy_name_needed").to_owned());
    }
    let kind = PointKind::parse(&f.kind);
    if kind.is_none() {
        errors.insert("kind".into(), lang.t("economy_pick_kind").to_owned());
    }
    let area = area_of(&ctx, &f.area).await?;
    if area.is_none() {
        errors.insert("area".into(), lang.t("partnership_pick_area").to_owned());
    }
    let (Some(kind), Some(area), true) = (kind, area, errors.is_empty()) else {
        return page_with(ctx, sent("point", &f, errors)).await;
    };
    acting(&ctx.state, &ctx.viewer, move |s, actor| {
        s.add_cu_point(&name, &area, kind, actor)
    })
    .await?;
    Ok(done("/economy#credit-union", "saved"))
}

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct BuyoutFields {
    business: String,
    area: String,
    owner_retires: String,
    jobs: String,
}

pub async fn add_buyout(ctx: Ctx, Form(f): Form<BuyoutFields>) -> Result<Response, AppError> {
    let checked = check_buyout(&f.business, &f.owner_retires, &f.jobs);
    let (errors, area) = problems_and_area(&ctx, &checked, &f.area).await?;
    let (Ok(b), Some(area)) = (checked, area) else {
        return page_with(ctx, sent("buyout", &f, errors)).await;
    };
    let (owner, on) = (owner(&ctx.viewer), today(&ctx.state));
    acting(&ctx.state, &ctx.viewer, move |s, actor| {
        s.add_buyout(&area, owner, &b, on, actor)
    })
    .await?;
    Ok(done("/economy#buyouts", "saved"))
}

pub async fn move_buyout(
    ctx: Ctx,
    Path(raw): Path<i64>,
    Form(f): Form<StageFields>,
) -> Result<Response, AppError> {
    let missing = || {
        AppError::not_found(
            text!("buyout_page", id = raw; id: "pengambilalihan {id}", en: "buy-out {id}"),
        )
    };
    let b = ctx
        .state
        .blocking(move |s| s.buyout(BuyoutId::new(raw)))
        .await?
        .ok_or_else(missing)?;
    if !ctx.viewer.scope().covers(&b.placement) {
        return Err(missing());
    }
    let id = b.id;
    let stage = BuyoutStage::parse(&f.stage).ok_or_else(|| {
        invalid(
            "stage",
            text!("buyout_pick_stage"; id: "pilih tahap", en: "choose a stage"),
        )
    })?;
    let on = stage_date(&ctx, &f.on)?;
    let note: String = f.note.trim().chars().take(1_000).collect();
    acting(&ctx.state, &ctx.viewer, move |s, actor| {
        s.move_buyout(id, stage, on, &note, actor)
    })
    .await?;
    Ok(done("/economy#buyouts", "saved"))
}
