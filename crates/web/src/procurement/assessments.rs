//! Supplier assessment: the dashboard of a round (by outcome, sector and
//! anchor, the change since the round before), the suppliers most paid to
//! assess first, an import of scores, and a supplier's own form. A viewer
//! sees and scores only the suppliers its anchors paid.

use super::{not_found, table_upload, FormErrors, TableUpload};
use crate::auth::{Ctx, Viewer};
use crate::edge::{acting, done};
use crate::error::AppError;
use crate::render::render;
use crate::AppState;
use axum::extract::{Multipart, Path, Query};
use axum::response::{Html, IntoResponse, Response};
use axum::Form;
use lumbung_domain::{Language, Resource, SupplierId};
use lumbung_procurement::assessment::{
    check_evidence, check_round, check_score, dashboard, most_paid, read_assessments, EVIDENCE_MAX,
    SCORE_MAX,
};
use lumbung_procurement::social_value::Outcome;
use lumbung_store::StoreError;
use minijinja::context;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};

/// How many of the most-paid suppliers the page lists to assess (seed
/// 000: Preston assessed its top 300).
const TO_ASSESS: usize = 300;
/// The most score changes listed.
const CHANGES_SHOWN: usize = 50;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RoundQuery {
    round: Option<String>,
}

/// The import form as typed.
#[derive(Debug, Default, Clone, Serialize)]
struct ImportFields {
    round: String,
    text: String,
}

fn can_write(viewer: &Viewer) -> bool {
    viewer
        .user()
        .is_some_and(|u| u.role.can_write(Resource::Contracts))
}

async fn page_with(
    ctx: Ctx,
    wanted: Option<String>,
    typed: ImportFields,
    errors: FormErrors,
) -> Result<Html<String>, AppError> {
    let Ctx { state, viewer, uri } = ctx;
    let scope = viewer.scope();
    // Every supplier paid in scope weighed and sorted on the blocking
    // thread that read them (a city's suppliers held an async thread).
    let (rounds, round, d, to_assess) = state
        .run(move |s| -> Result<_, AppError> {
            let rounds = s.assessment_rounds()?;
            let scores = s.assessment_scores(&scope)?;
            let spend = s.assessment_spend(&scope)?;
            let round = match wanted.filter(|r| !r.is_empty()) {
                Some(r) => Some(
                    rounds
                        .iter()
                        .find(|x| **x == r)
                        .cloned()
                        .ok_or_else(|| not_found("round", &r))?,
                ),
                None => rounds.last().cloned(),
            };
            let previous = round.as_ref().and_then(|r| {
                let i = rounds.iter().position(|x| x == r)?;
                i.checked_sub(1).map(|i| rounds[i].clone())
            });
            let d = round
                .as_ref()
                .map(|r| dashboard(r, previous.as_deref(), &scores, &spend));
            let assessed: HashSet<SupplierId> = scores
                .iter()
                .filter(|s| Some(&s.round) == round.as_ref())
                .map(|s| s.supplier)
                .collect();
            let to_assess: Vec<_> = most_paid(&spend, TO_ASSESS)
                .into_iter()
                .map(|(s, paid)| {
                    context! {
                        id => s.supplier, name => s.name, sector => s.sector, paid => paid,
                        assessed => assessed.contains(&s.supplier),
                    }
                })
                .collect();
            Ok((rounds, round, d, to_assess))
        })
        .await??;
    let cur = crate::spend::currency(&state).await?.map(|c| c.code());
    let changes = d
        .as_ref()
        .map(|d| d.changes.iter().take(CHANGES_SHOWN).collect::<Vec<_>>());
    let import = if typed.round.is_empty() {
        ImportFields {
            round: round.clone().unwrap_or_default(),
            ..typed
        }
    } else {
        typed
    };
    render(
        &viewer,
        &uri,
        "assessments.html",
        context! {
            rounds => rounds, d => d, changes => changes, to_assess => to_assess,
            to_assess_max => TO_ASSESS, cur => cur, can_write => can_write(&viewer),
            f => import, errors => errors, outcomes => Outcome::ALL.map(|o| o.as_str()),
            score_max => SCORE_MAX,
        },
    )
}

pub async fn page(ctx: Ctx, Query(q): Query<RoundQuery>) -> Result<Html<String>, AppError> {
    page_with(ctx, q.round, ImportFields::default(), FormErrors::new()).await
}

/// Scores imported for a round (multipart: `round`, and `file` or `text`
/// pasted): all or nothing, the same scores again change nothing.
pub async fn import(ctx: Ctx, multipart: Multipart) -> Result<Response, AppError> {
    let lang: Language = ctx.viewer.lang.into();
    let upload = table_upload(multipart, "assessments.csv").await?;
    let field_of = |k: &str| upload.fields.get(k).cloned().unwrap_or_default();
    let typed = ImportFields {
        round: field_of("round"),
        text: field_of("text"),
    };
    let TableUpload {
        name, bytes, field, ..
    } = upload;
    let mut errors = FormErrors::new();
    let round = check_round(&typed.round)
        .map_err(|e| errors.insert("round", e.get(lang).to_owned()))
        .ok();
    if bytes.iter().all(u8::is_ascii_whitespace) {
        errors.insert("file", ctx.viewer.lang.t("assessment_file").to_owned());
    }
    let (name, rows) = if errors.contains_key("file") {
        (name, None)
    } else {
        // Read off the async threads: a round may score every supplier.
        let (name, read) = (ctx.state)
            .run(move |_| {
                let read = read_assessments(&name, &bytes);
                (name, read)
            })
            .await?;
        let rows = read.map_err(|r| errors.insert(field, r.in_language(lang)));
        (name, rows.ok())
    };
    match (round, rows) {
        (Some(round), Some(rows)) if errors.is_empty() => {
            let r = round.clone();
            let scope = ctx.viewer.scope();
            let kept = acting(&ctx.state, &ctx.viewer, move |s, actor| {
                match s.assess(&r, &name, &rows, &scope, actor) {
                    Ok(kept) => Ok(Ok(kept)),
                    Err(StoreError::Rejected(refused)) => Ok(Err(refused)),
                    Err(e) => Err(e),
                }
            })
            .await?;
            match kept {
                Ok(_) => Ok(done(
                    &format!(
                        "/procurement/assessments?round={}",
                        crate::error::urlencode(&round)
                    ),
                    "scores_kept",
                )),
                Err(refused) => {
                    errors.insert(field, refused.in_language(lang));
                    Ok(page_with(ctx, None, typed, errors).await?.into_response())
                }
            }
        }
        _ => Ok(page_with(ctx, None, typed, errors).await?.into_response()),
    }
}

/// A supplier in an address, if the viewer's anchors paid it; any other
/// answers as an unknown id does (a 403 told which ids exist outside).
async fn supplier_in_scope(
    state: &AppState,
    viewer: &Viewer,
    raw: &str,
) -> Result<(SupplierId, String), AppError> {
    let id = raw
        .parse::<i64>()
        .map(SupplierId::new)
        .map_err(|_| not_found("supplier", raw))?;
    let scope = viewer.scope();
    let (found, allowed) = state
        .blocking(move |s| Ok((s.suppliers_by_id(&[id])?, s.assessable_suppliers(&scope)?)))
        .await?;
    let supplier = found
        .into_iter()
        .next()
        .ok_or_else(|| not_found("supplier", raw))?;
    if allowed.is_some_and(|a| !a.contains(&id)) {
        return Err(not_found("supplier", raw));
    }
    Ok((id, supplier.name))
}

/// The supplier form as typed: the round, and per outcome a score
/// (`score_<outcome>`, blank: not scored) and evidence.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
pub struct SupplierFields {
    #[serde(default)]
    round: String,
    #[serde(flatten)]
    per_outcome: BTreeMap<String, String>,
}

async fn supplier_page_with(
    ctx: Ctx,
    raw: String,
    typed: Option<SupplierFields>,
    errors: FormErrors,
) -> Result<Html<String>, AppError> {
    let Ctx { state, viewer, uri } = ctx;
    let (id, name) = supplier_in_scope(&state, &viewer, &raw).await?;
    let (history, rounds) = state
        .blocking(move |s| Ok((s.supplier_scores(id)?, s.assessment_rounds()?)))
        .await?;
    // The form starts from the latest round's scores of this supplier.
    let f = typed.unwrap_or_else(|| {
        let round = rounds.last().cloned().unwrap_or_default();
        let mut per_outcome = BTreeMap::new();
        for h in history.iter().filter(|h| h.round == round) {
            per_outcome.insert(format!("score_{}", h.outcome.as_str()), h.score.to_string());
            per_outcome.insert(
                format!("evidence_{}", h.outcome.as_str()),
                h.evidence.clone(),
            );
        }
        SupplierFields { round, per_outcome }
    });
    render(
        &viewer,
        &uri,
        "assessment_supplier.html",
        context! {
            supplier => context! { id => id, name => name },
            history => history, rounds => rounds, f => f, errors => errors,
            can_write => can_write(&viewer), outcomes => Outcome::ALL.map(|o| o.as_str()),
            scores => (0..=SCORE_MAX).collect::<Vec<_>>(), evidence_max => EVIDENCE_MAX,
        },
    )
}

pub async fn supplier_page(ctx: Ctx, Path(raw): Path<String>) -> Result<Html<String>, AppError> {
    supplier_page_with(ctx, raw, None, FormErrors::new()).await
}

/// A supplier scored by hand for a round: the outcomes given a score are
/// kept; a blank score leaves that outcome as it is.
pub async fn score_supplier(
    ctx: Ctx,
    Path(raw): Path<String>,
    Form(f): Form<SupplierFields>,
) -> Result<Response, AppError> {
    let lang: Language = ctx.viewer.lang.into();
    let (id, _) = supplier_in_scope(&ctx.state, &ctx.viewer, &raw).await?;
    let mut errors = FormErrors::new();
    let round = check_round(&f.round)
        .map_err(|e| errors.insert("round", e.get(lang).to_owned()))
        .ok();
    let mut scores = Vec::new();
    for o in Outcome::ALL {
        let field = |what: &str| format!("{what}_{}", o.as_str());
        let raw_score = f.per_outcome.get(&field("score")).map_or("", |s| s.trim());
        let evidence = f
            .per_outcome
            .get(&field("evidence"))
            .map_or("", String::as_str);
        let evidence = check_evidence(evidence)
            .map_err(|e| errors.insert(evidence_key(o), e.get(lang).to_owned()))
            .ok();
        if raw_score.is_empty() {
            continue;
        }
        match (check_score(raw_score), evidence) {
            (Ok(score), Some(evidence)) => scores.push((id, o, score, evidence)),
            (Err(e), _) => {
                errors.insert(score_key(o), e.get(lang).to_owned());
            }
            _ => {}
        }
    }
    if scores.is_empty() && errors.is_empty() {
        errors.insert(
            "round",
            ctx.viewer.lang.t("assessment_nothing_scored").to_owned(),
        );
    }
    match round {
        Some(round) if errors.is_empty() => {
            acting(&ctx.state, &ctx.viewer, move |s, actor| {
                s.keep_scores(&round, "form", &scores, actor)
            })
            .await?;
            Ok(done(
                &format!("/procurement/assessments/suppliers/{id}"),
                "scores_kept",
            ))
        }
        _ => Ok(supplier_page_with(ctx, raw, Some(f), errors)
            .await?
            .into_response()),
    }
}

/// The form's field names, as `FormErrors` keys (static).
fn score_key(o: Outcome) -> &'static str {
    match o {
        Outcome::Employment => "score_employment",
        Outcome::LivingStandards => "score_living_standards",
        Outcome::Participation => "score_participation",
        Outcome::VoluntarySector => "score_voluntary_sector",
        Outcome::Equity => "score_equity",
        Outcome::Environment => "score_environment",
    }
}

fn evidence_key(o: Outcome) -> &'static str {
    match o {
        Outcome::Employment => "evidence_employment",
        Outcome::LivingStandards => "evidence_living_standards",
        Outcome::Participation => "evidence_participation",
        Outcome::VoluntarySector => "evidence_voluntary_sector",
        Outcome::Equity => "evidence_equity",
        Outcome::Environment => "evidence_environment",
    }
}
