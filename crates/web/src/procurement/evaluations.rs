//! A tender's evaluation with social value, kept as versions (a change is
//! a new version beside the old ones), the award decision (who, on which
//! version, why), and the winner's promises against what it delivered.
//! The rules: `lumbung_procurement::{evaluation, monitoring}`.

use super::tenders::tender_in_scope;
use super::FormErrors;
use crate::auth::Ctx;
use crate::auth::Viewer;
use crate::edge::{acting, done};
use crate::error::AppError;
use crate::render::render;
use crate::AppState;
use axum::extract::{Path, Query};
use axum::response::{Html, IntoResponse, Response};
use axum::Form;
use lumbung_domain::{text, DeliveryId, Language, Text};
use lumbung_procurement::evaluation::{
    evaluate, read_bids, read_commitments, Bid, Commitment, Evaluation, Weights, PLACES,
};
use lumbung_procurement::monitoring::{check_award, check_delivery, monitor, REASON_MAX};
use lumbung_procurement::social_value::{plain, ProxySet};
use lumbung_procurement::tenders::Tender;
use lumbung_store::{EvaluationVersion, VersionInput};
use minijinja::context;
use serde::{Deserialize, Serialize};

/// The most bids and commitments one version may hold: a tender's, with
/// room to spare, never a whole register.
const MAX_ROWS: usize = 2_000;
/// The longest note or evidence, in characters.
const NOTE_MAX: usize = 4_000;

/// A new version as typed: the weights, and bids and commitments as
/// pasted tables (CSV or tab-separated, as copied from a spreadsheet).
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct VersionFields {
    price: String,
    quality: String,
    social: String,
    bids: String,
    commitments: String,
    note: String,
}

/// The award decision as typed.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct AwardFields {
    version: String,
    bidder: String,
    reason: String,
}

/// A report of delivery as typed.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct DeliveryFields {
    measure: String,
    quantity: String,
    period: String,
    evidence: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Shown {
    version: Option<u32>,
}

/// The forms of the page as typed, and their problems.
#[derive(Default)]
struct Typed {
    version: Option<VersionFields>,
    award: AwardFields,
    delivery: DeliveryFields,
    errors: FormErrors,
}

/// The tender in an address, if the viewer may weigh and award it: one of
/// an anchor in its scope; a published tender (no anchor) only for a
/// viewer of the whole system, since its buyer is no anchor of a scope.
async fn tender_to_evaluate(
    state: &AppState,
    viewer: &Viewer,
    raw: &str,
) -> Result<Tender, AppError> {
    let tender = tender_in_scope(state, viewer, raw).await?;
    if tender.anchor.is_none() && viewer.scope() != lumbung_domain::Scope::Global {
        return Err(AppError::Forbidden);
    }
    Ok(tender)
}

/// A cell written back into a pasted table.
fn cell(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// A version's inputs as the form shows them, to change into the next.
fn fields_of(v: &EvaluationVersion) -> VersionFields {
    let w = &v.input.weights;
    let mut bids = String::from("bidder,price,quality\n");
    for b in &v.input.bids {
        bids.push_str(&format!(
            "{},{},{}\n",
            cell(&b.bidder),
            b.price,
            plain(&b.quality, PLACES as u32)
        ));
    }
    let mut commitments = String::from("bidder,measure,quantity\n");
    for c in &v.input.commitments {
        commitments.push_str(&format!(
            "{},{},{}\n",
            cell(&c.bidder),
            cell(&c.measure),
            plain(&c.quantity, PLACES as u32)
        ));
    }
    VersionFields {
        price: plain(&w.price, PLACES as u32),
        quality: plain(&w.quality, PLACES as u32),
        social: plain(&w.social, PLACES as u32),
        bids,
        commitments,
        note: String::new(),
    }
}

/// A new tender's first version: the default weights and the headers.
fn first_fields() -> VersionFields {
    VersionFields {
        price: "60".into(),
        quality: "30".into(),
        social: "10".into(),
        bids: "bidder,price,quality\n".into(),
        commitments: "bidder,measure,quantity\n".into(),
        note: String::new(),
    }
}

fn weigh(v: &EvaluationVersion, proxies: &ProxySet) -> Result<Evaluation, AppError> {
    evaluate(
        &v.input.weights,
        &v.input.bids,
        &v.input.commitments,
        proxies,
    )
    .map_err(|e| AppError::bad_request(e.text()))
}

async fn page_with(
    ctx: Ctx,
    raw: String,
    shown: Option<u32>,
    typed: Typed,
) -> Result<Html<String>, AppError> {
    let Ctx { state, viewer, uri } = ctx;
    let tender = tender_to_evaluate(&state, &viewer, &raw).await?;
    let id = tender.id;
    let (versions, award, deliveries, in_use) = state
        .blocking(move |s| {
            // The award first: the versions read after it hold its version.
            let award = s.tender_award(id)?;
            Ok((
                s.evaluation_versions(id)?,
                award,
                s.deliveries(id)?,
                s.proxies()?,
            ))
        })
        .await?;
    let sets: Vec<_> = {
        let mut ids: Vec<_> = versions.iter().map(|v| v.input.proxy_set).collect();
        ids.sort();
        ids.dedup();
        ids
    };
    let sets = state
        .blocking(move |s| {
            sets.into_iter()
                .map(|id| Ok((id, s.proxy_set(id)?)))
                .collect::<lumbung_store::Result<Vec<_>>>()
        })
        .await?;
    let set_of = |v: &EvaluationVersion| {
        &sets
            .iter()
            .find(|(id, _)| *id == v.input.proxy_set)
            .expect("each version's set was loaded")
            .1
    };
    let mut history = Vec::new();
    for v in versions.iter().rev() {
        let e = weigh(v, set_of(v))?;
        history.push(context! {
            version => v.version, created_by => v.created_by, created_at => v.created_at,
            note => v.input.note, weights => e.weights, winner => e.winner, bids => v.input.bids.len(),
        });
    }
    let latest = versions.last();
    let current = shown
        .and_then(|n| versions.iter().find(|v| v.version == n))
        .or(latest);
    let evaluation = current.map(|v| weigh(v, set_of(v))).transpose()?;
    let can_write = viewer
        .user()
        .is_some_and(|u| u.role.can_write(lumbung_domain::Resource::Contracts));
    let (monitoring, measures) = match &award {
        Some(a) => {
            let v = versions
                .iter()
                .find(|v| v.version == a.version)
                .expect("an award names a kept version");
            let set = set_of(v);
            let delivered: Vec<_> = deliveries.iter().map(|d| d.delivery()).collect();
            let m = monitor(&a.bidder, &v.input.commitments, &delivered, set)
                .map_err(|e| AppError::bad_request(e.text()))?;
            let measures: Vec<_> = set
                .proxies
                .iter()
                .map(|p| context! { measure => p.measure, unit => p.unit, outcome => p.outcome })
                .collect();
            (Some(m), measures)
        }
        None => (None, Vec::new()),
    };
    let version_fields = typed
        .version
        .unwrap_or_else(|| latest.map(fields_of).unwrap_or_else(first_fields));
    let award_fields = AwardFields {
        version: latest.map(|v| v.version.to_string()).unwrap_or_default(),
        bidder: if typed.award.bidder.is_empty() {
            latest
                .and_then(|v| weigh(v, set_of(v)).ok())
                .map(|e| e.winner)
                .unwrap_or_default()
        } else {
            typed.award.bidder
        },
        reason: typed.award.reason,
    };
    render(
        &viewer,
        &uri,
        "evaluation.html",
        context! {
            tender => tender,
            versions => history,
            shown => current.map(|v| context! {
                version => v.version, created_by => v.created_by, created_at => v.created_at,
                note => v.input.note, latest => Some(v.version) == latest.map(|l| l.version),
            }),
            evaluation => evaluation,
            award => award,
            monitoring => monitoring,
            deliveries => deliveries,
            measures => measures,
            proxies_loaded => in_use.is_some(),
            can_write => can_write,
            f => version_fields,
            a => award_fields,
            d => typed.delivery,
            errors => typed.errors,
            outcomes => lumbung_procurement::social_value::Outcome::ALL.map(|o| o.as_str()),
            reason_max => REASON_MAX,
            note_max => NOTE_MAX,
        },
    )
}

pub async fn page(
    ctx: Ctx,
    Path(raw): Path<String>,
    Query(q): Query<Shown>,
) -> Result<Html<String>, AppError> {
    page_with(ctx, raw, q.version, Typed::default()).await
}

fn too_long(max: usize) -> Text {
    text!("field_too_long", max = max;
        id: "paling panjang {max} karakter", en: "at most {max} characters")
}

/// Reads a pasted table, refused past [`MAX_ROWS`] lines before it is
/// read (the checks of each row are not free).
fn rows_of<T>(
    name: &str,
    raw: &str,
    lang: Language,
    read: impl FnOnce(&[u8]) -> Result<Vec<T>, lumbung_domain::Rejected>,
) -> Result<Vec<T>, String> {
    if raw.lines().count() > MAX_ROWS + 1 {
        return Err(text!("table_too_many_rows", name = name, max = MAX_ROWS;
            id: "{name}: paling banyak {max} baris", en: "{name}: at most {max} rows")
        .get(lang)
        .to_owned());
    }
    read(raw.as_bytes()).map_err(|r| r.in_language(lang))
}

/// Checks a new version as typed against the proxy set in use.
fn check_version(
    f: &VersionFields,
    proxies: &ProxySet,
    lang: Language,
    errors: &mut FormErrors,
) -> Option<(Weights, Vec<Bid>, Vec<Commitment>)> {
    let weights = Weights::parse(&format!(
        "price={},quality={},social={}",
        f.price.trim(),
        f.quality.trim(),
        f.social.trim()
    ))
    .map_err(|e| errors.insert("weights", e.get(lang).to_owned()))
    .ok();
    let bids = rows_of("bids", &f.bids, lang, |b| read_bids("bids", b))
        .map_err(|e| errors.insert("bids", e))
        .ok();
    let commitments = match &bids {
        Some(bids)
            if f.commitments
                .lines()
                .filter(|l| !l.trim().is_empty())
                .count()
                > 1 =>
        {
            rows_of("commitments", &f.commitments, lang, |c| {
                read_commitments("commitments", c, bids, proxies)
            })
            .map_err(|e| errors.insert("commitments", e))
            .ok()
        }
        Some(_) => Some(Vec::new()),
        None => None,
    };
    if f.note.chars().count() > NOTE_MAX {
        errors.insert("note", too_long(NOTE_MAX).get(lang).to_owned());
    }
    let (weights, bids, commitments) = (weights?, bids?, commitments?);
    if let Err(e) = evaluate(&weights, &bids, &commitments, proxies) {
        errors.insert("commitments", e.text().get(lang).to_owned());
    }
    errors.is_empty().then_some((weights, bids, commitments))
}

/// Keeps a new version of the evaluation (the first, or a change).
pub async fn add_version(
    ctx: Ctx,
    Path(raw): Path<String>,
    Form(f): Form<VersionFields>,
) -> Result<Response, AppError> {
    let lang: Language = ctx.viewer.lang.into();
    let tender = tender_to_evaluate(&ctx.state, &ctx.viewer, &raw).await?;
    let in_use = ctx.state.blocking(|s| s.proxies()).await?;
    let mut errors = FormErrors::new();
    let checked = match &in_use {
        Some((_, set)) => check_version(&f, set, lang, &mut errors),
        None => {
            errors.insert(
                "bids",
                ctx.viewer.lang.t("evaluation_no_proxies").to_owned(),
            );
            None
        }
    };
    match (checked, in_use) {
        (Some((weights, bids, commitments)), Some((set, _))) => {
            let input = VersionInput {
                weights,
                bids,
                commitments,
                note: f.note.trim().to_owned(),
                proxy_set: set,
            };
            let id = tender.id;
            acting(&ctx.state, &ctx.viewer, move |s, actor| {
                s.add_evaluation_version(id, &input, actor)
            })
            .await?;
            Ok(done(
                &format!("/procurement/tenders/{id}/evaluation"),
                "evaluation_saved",
            ))
        }
        _ => {
            let typed = Typed {
                version: Some(f),
                errors,
                ..Typed::default()
            };
            Ok(page_with(ctx, raw, None, typed).await?.into_response())
        }
    }
}

/// Awards the tender on the version the form showed.
pub async fn award(
    ctx: Ctx,
    Path(raw): Path<String>,
    Form(f): Form<AwardFields>,
) -> Result<Response, AppError> {
    let lang: Language = ctx.viewer.lang.into();
    let tender = tender_to_evaluate(&ctx.state, &ctx.viewer, &raw).await?;
    let id = tender.id;
    let versions = ctx
        .state
        .blocking(move |s| s.evaluation_versions(id))
        .await?;
    let version = f
        .version
        .trim()
        .parse::<u32>()
        .ok()
        .and_then(|n| versions.iter().find(|v| v.version == n))
        .ok_or_else(|| {
            AppError::not_found(text!("evaluation_version", version = f.version.trim();
                id: "versi penilaian {version}", en: "evaluation version {version}"))
        })?;
    let set = {
        let set_id = version.input.proxy_set;
        ctx.state.blocking(move |s| s.proxy_set(set_id)).await?
    };
    let evaluation = weigh(version, &set)?;
    match check_award(&evaluation, &f.bidder, &f.reason) {
        Ok(choice) => {
            let n = version.version;
            acting(&ctx.state, &ctx.viewer, move |s, actor| {
                s.award_tender(id, n, &choice, actor)
            })
            .await?;
            Ok(done(
                &format!("/procurement/tenders/{id}/evaluation"),
                "tender_awarded",
            ))
        }
        Err(problems) => {
            let mut errors = FormErrors::new();
            for (field, message) in problems {
                errors
                    .entry(if field == "bidder" {
                        "award_bidder"
                    } else {
                        "award_reason"
                    })
                    .or_insert_with(|| message.get(lang).to_owned());
            }
            let typed = Typed {
                award: f,
                errors,
                ..Typed::default()
            };
            Ok(page_with(ctx, raw, None, typed).await?.into_response())
        }
    }
}

/// Reports social value delivered under the award.
pub async fn report_delivery(
    ctx: Ctx,
    Path(raw): Path<String>,
    Form(f): Form<DeliveryFields>,
) -> Result<Response, AppError> {
    let lang: Language = ctx.viewer.lang.into();
    let tender = tender_to_evaluate(&ctx.state, &ctx.viewer, &raw).await?;
    let id = tender.id;
    let (award, versions) = ctx
        .state
        .blocking(move |s| Ok((s.tender_award(id)?, s.evaluation_versions(id)?)))
        .await?;
    let award = award.ok_or_else(|| {
        AppError::conflict(text!("tender_not_awarded";
            id: "tender ini belum diputuskan pemenangnya", en: "this tender is not awarded yet"))
    })?;
    let set_id = versions
        .iter()
        .find(|v| v.version == award.version)
        .expect("an award names a kept version")
        .input
        .proxy_set;
    let set = ctx.state.blocking(move |s| s.proxy_set(set_id)).await?;
    let mut errors = FormErrors::new();
    let delivery = check_delivery(&f.measure, &f.quantity, &set)
        .map_err(|problems| {
            for (field, message) in problems {
                errors.insert(field, message.get(lang).to_owned());
            }
        })
        .ok();
    let period = f.period.trim().parse::<jiff::civil::Date>().ok();
    if period.is_none() {
        errors.insert(
            "period",
            text!("not_a_date", value = format!("{:?}", f.period.trim());
                id: "{value} bukan tanggal seperti 2024-06-30",
                en: "{value} is not a date such as 2024-06-30")
            .get(lang)
            .to_owned(),
        );
    }
    if f.evidence.chars().count() > NOTE_MAX {
        errors.insert("evidence", too_long(NOTE_MAX).get(lang).to_owned());
    }
    if let Some(d) = &delivery {
        let version = versions
            .iter()
            .find(|v| v.version == award.version)
            .expect("an award names a kept version");
        let reported = ctx.state.blocking(move |s| s.deliveries(id)).await?;
        let mut all: Vec<_> = reported.iter().map(|r| r.delivery()).collect();
        all.push(d.clone());
        if let Err(e) = monitor(&award.bidder, &version.input.commitments, &all, &set) {
            errors.insert("quantity", e.text().get(lang).to_owned());
        }
    }
    match (delivery, period) {
        (Some(delivery), Some(period)) if errors.is_empty() => {
            let evidence = f.evidence.trim().to_owned();
            let version = (versions.into_iter())
                .find(|v| v.version == award.version)
                .expect("an award names a kept version");
            let (bidder, promises) = (award.bidder, version.input.commitments);
            acting(&ctx.state, &ctx.viewer, move |s, actor| {
                let monitored = |all: &[_]| {
                    (monitor(&bidder, &promises, all, &set).map(|_| ())).map_err(|e| e.text())
                };
                s.report_delivery(
                    id,
                    &delivery,
                    &period.to_string(),
                    &evidence,
                    actor,
                    monitored,
                )
            })
            .await?;
            Ok(done(
                &format!("/procurement/tenders/{id}/evaluation#delivered"),
                "delivery_reported",
            ))
        }
        _ => {
            let typed = Typed {
                delivery: f,
                errors,
                ..Typed::default()
            };
            Ok(page_with(ctx, raw, None, typed).await?.into_response())
        }
    }
}

/// Reverses a report of delivery (the original stays in the history).
pub async fn reverse_delivery(
    ctx: Ctx,
    Path((raw, delivery)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let tender = tender_to_evaluate(&ctx.state, &ctx.viewer, &raw).await?;
    let delivery = delivery
        .parse::<i64>()
        .map(DeliveryId::new)
        .map_err(|_| super::not_found("report", &delivery))?;
    let id = tender.id;
    acting(&ctx.state, &ctx.viewer, move |s, actor| {
        s.reverse_delivery(id, delivery, actor)
    })
    .await?;
    Ok(done(
        &format!("/procurement/tenders/{id}/evaluation#delivered"),
        "delivery_reversed",
    ))
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn cells_with_separators_or_quotes_are_quoted() {
        assert_eq!(cell("Alpha Ltd"), "Alpha Ltd");
        assert_eq!(cell("Smith, Jones & Co"), "\"Smith, Jones & Co\"");
        assert_eq!(cell("The \"Best\" Co"), "\"The \"\"Best\"\" Co\"");
    }
}
