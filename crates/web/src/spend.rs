//! Spend analysis in the web app and API: the same report as `lumbung
//! spend report`, drawn as charts and tables, exported as CSV/XLSX, with
//! the payments behind every figure one click away.

use crate::auth::Viewer;
use crate::error::AppError;
use crate::AppState;
use lumbung_domain::{AreaCode, FiscalYear, Share};
use lumbung_spend::export;
use lumbung_spend::facts::Facts;
use lumbung_spend::report::{compute, Dimensions, Location, ReportOptions, SpendReport};
use serde::Deserialize;
use std::collections::HashSet;

/// The report's options as a query string (`?year=2012/13&anchor=3&…`).
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize)]
#[serde(default)]
pub struct ReportQuery {
    pub year: Option<String>,
    pub anchor: Option<u32>,
    pub local: Option<String>,
    pub region: Option<String>,
    pub top_suppliers: Option<usize>,
    pub target_local_share: Option<String>,
    /// For CSV downloads: which table (default `by_anchor_year`).
    #[serde(skip_serializing)]
    pub table: Option<String>,
}

/// A report as one viewer may see it: only anchors inside their scope.
pub struct Computed {
    pub report: SpendReport,
    pub dims: Dimensions,
    pub facts: Vec<Facts>,
    pub selection: serde_json::Value,
    pub anchors: Vec<(u32, String)>,
}

fn blank(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// The imports a viewer may see and undo: those whose every anchor lies
/// inside their scope.
pub(crate) async fn visible_imports(
    state: &AppState,
    viewer: &Viewer,
) -> Result<Vec<lumbung_store::SpendImport>, AppError> {
    let allowed = allowed_anchors(state, viewer).await?;
    let imports = state.blocking(|s| s.spend_imports()).await?;
    Ok(imports
        .into_iter()
        .filter(|i| {
            allowed
                .as_ref()
                .is_none_or(|a| i.anchors.iter().all(|x| a.contains(x)))
        })
        .collect())
}

/// The suppliers a viewer may see: all for a global scope, else those paid
/// by an anchor inside it (supplier names may be persons').
pub(crate) async fn visible_suppliers(
    state: &AppState,
    viewer: &Viewer,
) -> Result<Option<HashSet<i64>>, AppError> {
    let Some(allowed) = allowed_anchors(state, viewer).await? else {
        return Ok(None);
    };
    let facts = state.blocking(|s| s.spend_facts()).await?;
    Ok(Some(
        facts
            .iter()
            .flat_map(|f| {
                (0..f.len())
                    .filter(|&i| allowed.contains(&f.anchor[i]))
                    .map(move |i| f.supplier[i] as i64)
            })
            .collect(),
    ))
}

/// The anchors a viewer may analyse: all for a global scope, else those
/// placed inside it.
pub(crate) async fn allowed_anchors(
    state: &AppState,
    viewer: &Viewer,
) -> Result<Option<HashSet<u32>>, AppError> {
    let scope = viewer.scope();
    let anchors = state.blocking(move |s| s.spend_anchors_in(&scope)).await?;
    // The facts number anchors by their id.
    Ok(anchors.map(|ids| ids.into_iter().map(|a| a.get() as u32).collect()))
}

pub async fn compute_for(
    state: &AppState,
    viewer: &Viewer,
    q: &ReportQuery,
) -> Result<Computed, AppError> {
    viewer.require()?;
    let year = blank(&q.year)
        .map(FiscalYear::parse)
        .transpose()
        .map_err(|e| AppError::Invalid {
            field: "year".into(),
            message: e.to_string().into(),
        })?;
    let target = blank(&q.target_local_share)
        .map(Share::parse)
        .transpose()
        .map_err(|e| AppError::Invalid {
            field: "target_local_share".into(),
            message: e.to_string().into(),
        })?;
    let code = |v: &Option<String>, field: &str| -> Result<Option<AreaCode>, AppError> {
        blank(v)
            .map(AreaCode::parse)
            .transpose()
            .map_err(|e| AppError::Invalid {
                field: field.into(),
                message: e.to_string().into(),
            })
    };
    let (local_q, region_q) = (code(&q.local, "local")?, code(&q.region, "region")?);
    let allowed = allowed_anchors(state, viewer).await?;
    if let (Some(allowed), Some(a)) = (&allowed, q.anchor) {
        if !allowed.contains(&a) {
            return Err(AppError::Forbidden);
        }
    }
    let options = ReportOptions {
        year,
        anchor: q.anchor,
        top_suppliers: q.top_suppliers,
        target_local_share: target,
        top_leaking: None,
    };
    // Reading and computing both run off the async threads.
    let in_scope = allowed.clone();
    let ((local, region), dims, facts, report) = state
        .blocking(move |s| {
            let settings = s.spend_settings()?;
            let parse = |c: Option<String>| c.and_then(|c| AreaCode::parse(&c).ok());
            let local = local_q.or_else(|| parse(settings.local.clone()));
            let region = region_q.or_else(|| parse(settings.region.clone()));
            let dims = s.spend_dimensions(local.as_ref(), region.as_ref(), settings.calendar())?;
            let facts = s.spend_facts()?;
            let facts: Vec<Facts> = match &in_scope {
                None => facts,
                Some(allowed) => facts
                    .iter()
                    .map(|f| f.filter(|f, i| allowed.contains(&f.anchor[i])))
                    .collect(),
            };
            let refs: Vec<&Facts> = facts.iter().collect();
            let report = compute(&refs, &dims, &options)
                .map_err(|e| lumbung_store::StoreError::too_large(e.0))?;
            Ok(((local, region), dims, facts, report))
        })
        .await?;
    let calendar = dims.calendar;
    let mut anchors: Vec<(u32, String)> = dims
        .anchors
        .iter()
        .filter(|(id, _)| allowed.as_ref().is_none_or(|a| a.contains(id)))
        .map(|(id, name)| (*id, name.clone()))
        .collect();
    anchors.sort_by(|a, b| a.1.cmp(&b.1));
    let selection = serde_json::json!({
        "local": local.as_ref().map(AreaCode::as_str),
        "region": region.as_ref().map(AreaCode::as_str),
        "year": year.map(|y| calendar.label(y)),
        "anchor": q.anchor,
        "top_suppliers": q.top_suppliers,
    });
    Ok(Computed {
        report,
        dims,
        facts,
        selection,
        anchors,
    })
}

/// The payments behind one figure: an anchor, a year and a location.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PaymentLine {
    pub anchor: String,
    pub fiscal_year: String,
    pub date: Option<String>,
    pub supplier: String,
    pub location: Location,
    pub amount: lumbung_domain::Money,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PaymentsQuery {
    pub year: Option<String>,
    pub anchor: Option<u32>,
    pub local: Option<String>,
    pub region: Option<String>,
    /// `local`, `regional` (the region, local included), `outside`, `unknown`, or none for all.
    pub location: Option<String>,
    /// The report's cut: only each anchor-year's N largest suppliers.
    pub top_suppliers: Option<usize>,
    /// Only this sector's payments (its id; 0 for none).
    pub sector: Option<u32>,
    /// Only this supplier's payments.
    pub supplier: Option<u32>,
    /// Only influenceable payments (`true`) or only the others (`false`).
    pub influenceable: Option<bool>,
}

impl PaymentsQuery {
    /// The report these payments belong to. (Not `#[serde(flatten)]`:
    /// flattened query values arrive as text and numbers fail to parse.)
    pub fn report(&self) -> ReportQuery {
        ReportQuery {
            year: self.year.clone(),
            anchor: self.anchor,
            local: self.local.clone(),
            region: self.region.clone(),
            top_suppliers: self.top_suppliers,
            ..Default::default()
        }
    }
}

pub const MAX_PAYMENT_LINES: usize = 1000;

/// Every payment matching the query (as the report counts it), the first
/// [`MAX_PAYMENT_LINES`] listed, with their count and sum.
pub fn payments(
    c: &Computed,
    q: &PaymentsQuery,
) -> Result<(Vec<PaymentLine>, u64, lumbung_domain::Money), AppError> {
    let wanted = blank(&q.location).map(str::to_owned);
    let matches_location = |l: Location| match wanted.as_deref() {
        None => true,
        Some("local") => l == Location::Local,
        Some("regional") => matches!(l, Location::Local | Location::Regional),
        Some("outside") => l == Location::Outside,
        Some("unknown") => l == Location::Unknown,
        Some(other) => other.is_empty(),
    };
    if let Some(w) = wanted.as_deref() {
        if !matches!(w, "local" | "regional" | "outside" | "unknown") {
            return Err(AppError::Invalid {
                field: "location".into(),
                message: format!("unknown location {w:?}").into(),
            });
        }
    }
    let year = blank(&q.year).and_then(|y| FiscalYear::parse(y).ok());
    // The same cut as the report's, so that the rows add up to its figure.
    let keep = q.top_suppliers.map(|n| {
        let opts = ReportOptions {
            year,
            anchor: q.anchor,
            ..Default::default()
        };
        let refs: Vec<&Facts> = c.facts.iter().collect();
        lumbung_spend::report::top_suppliers(&refs, &opts, n)
    });
    let mut lines = Vec::new();
    let mut count = 0u64;
    // Exact in i128 (a payment fits in i64); refused below if the sum does not.
    let mut sum = 0i128;
    for f in &c.facts {
        for i in 0..f.len() {
            if q.anchor.is_some_and(|a| f.anchor[i] != a)
                || year.is_some_and(|y| f.year[i] as i32 != y.start_year())
                || keep
                    .as_ref()
                    .is_some_and(|k| !k.contains(&(f.anchor[i], f.year[i], f.supplier[i])))
                || q.sector.is_some_and(|s| f.sector[i] != s)
                || q.supplier.is_some_and(|s| f.supplier[i] != s)
                || q.influenceable.is_some_and(|want| {
                    (f.flags[i] & lumbung_spend::facts::flag::NOT_INFLUENCEABLE == 0) != want
                })
            {
                continue;
            }
            let location = c
                .dims
                .supplier_location
                .get(f.supplier[i] as usize)
                .copied()
                .unwrap_or(Location::Unknown);
            if !matches_location(location) {
                continue;
            }
            count += 1;
            let amount = lumbung_domain::Money::from_minor(f.amount[i]);
            sum += amount.minor() as i128;
            if lines.len() < MAX_PAYMENT_LINES {
                let date = lumbung_spend::facts::date_of(f.date[i]).map(|d| d.to_string());
                lines.push(PaymentLine {
                    anchor: c
                        .dims
                        .anchors
                        .get(&f.anchor[i])
                        .cloned()
                        .unwrap_or_default(),
                    fiscal_year: FiscalYear::new(f.year[i] as i32)
                        .map(|y| c.dims.calendar.label(y))
                        .unwrap_or_default(),
                    date,
                    supplier: c
                        .dims
                        .supplier_name
                        .get(f.supplier[i] as usize)
                        .cloned()
                        .unwrap_or_default(),
                    location,
                    amount,
                });
            }
        }
    }
    let sum = i64::try_from(sum).map_err(|_| AppError::TooLarge {
        field: "total".into(),
        max: None,
    })?;
    Ok((lines, count, lumbung_domain::Money::from_minor(sum)))
}

pub fn csv(c: &Computed, table: Option<&str>) -> Result<Vec<u8>, AppError> {
    let table = table.unwrap_or(export::TABLES[0]);
    export::csv_table(&c.report, table).map_err(|e| match e {
        export::ExportError::UnknownTable(_) => AppError::Invalid {
            field: "table".into(),
            message: e.to_string().into(),
        },
        other => AppError::Internal(other.to_string()),
    })
}

pub fn xlsx(c: &Computed) -> Result<Vec<u8>, AppError> {
    export::xlsx(&c.report).map_err(|e| AppError::Internal(e.to_string()))
}

pub mod review;

pub mod handlers {
    //! The routes of spend analysis.

    use super::*;
    use crate::charts;
    use crate::render::render as render_page;
    use axum::extract::{Query, State};
    use axum::http::{header, Uri};
    use axum::response::{Html, IntoResponse, Response};
    use axum::{Extension, Json};
    use minijinja::context;

    pub async fn page(
        State(state): State<AppState>,
        Extension(viewer): Extension<Viewer>,
        uri: Uri,
        Query(q): Query<ReportQuery>,
    ) -> Result<Html<String>, AppError> {
        let c = compute_for(&state, &viewer, &q).await?;
        let t = viewer.lang;
        let legend = [
            t.t("location_local"),
            t.t("location_regional"),
            t.t("location_outside"),
            t.t("location_unknown"),
        ];
        let shares = charts::stacked(
            t.t("spend_chart_shares"),
            &c.report
                .by_anchor_year
                .iter()
                .map(|cell| {
                    let f = &cell.figures;
                    let regional_only = f.regional.minor() - f.local.minor();
                    (
                        format!("{} {}", cell.anchor, cell.fiscal_year),
                        vec![
                            f.local.minor(),
                            regional_only,
                            f.outside.minor(),
                            f.unknown.minor(),
                        ],
                    )
                })
                .collect::<Vec<_>>(),
            &legend,
        );
        let sectors = charts::bars(
            t.t("spend_chart_sectors"),
            &c.report
                .by_sector
                .iter()
                .take(10)
                .map(|s| {
                    let label = s
                        .sector_name
                        .clone()
                        .or(s.sector.clone())
                        .unwrap_or_else(|| t.t("spend_no_sector").to_owned());
                    (label, s.leakage.minor(), s.leakage.to_string())
                })
                .collect::<Vec<_>>(),
        );
        let trend = charts::bars(
            t.t("spend_chart_trend"),
            &c.report
                .progress
                .iter()
                .map(|p| {
                    let share = p.local_share.map(|s| s.to_string()).unwrap_or_default();
                    let minor = p
                        .local_share
                        .map(|s| (s.to_string().parse::<f64>().unwrap_or(0.0) * 1e6) as i64)
                        .unwrap_or(0);
                    (p.fiscal_year.clone(), minor, share)
                })
                .collect::<Vec<_>>(),
        );
        let query = serde_urlencoded::to_string(&q).unwrap_or_default();
        render_page(
            &viewer,
            &uri,
            "spend.html",
            context! {
                r => c.report,
                q => q,
                query => query,
                selection => c.selection,
                anchors => c.anchors.iter().map(|(id, name)| context! { id => id, name => name }).collect::<Vec<_>>(),
                chart_shares => minijinja::Value::from_safe_string(shares),
                chart_sectors => minijinja::Value::from_safe_string(sectors),
                chart_trend => minijinja::Value::from_safe_string(trend),
            },
        )
    }

    pub async fn payments_page(
        State(state): State<AppState>,
        Extension(viewer): Extension<Viewer>,
        uri: Uri,
        Query(q): Query<PaymentsQuery>,
    ) -> Result<Html<String>, AppError> {
        let c = compute_for(&state, &viewer, &q.report()).await?;
        let (lines, count, sum) = payments(&c, &q)?;
        render_page(
            &viewer,
            &uri,
            "spend_payments.html",
            context! { lines => lines, count => count, sum => sum, location => q.location, more => count as usize > lines.len() },
        )
    }

    fn download(bytes: Vec<u8>, content_type: &str, name: &str) -> Response {
        (
            [
                (header::CONTENT_TYPE, content_type.to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{name}\""),
                ),
            ],
            bytes,
        )
            .into_response()
    }

    pub async fn report_csv(
        State(state): State<AppState>,
        Extension(viewer): Extension<Viewer>,
        Query(q): Query<ReportQuery>,
    ) -> Result<Response, AppError> {
        let c = compute_for(&state, &viewer, &q).await?;
        Ok(download(
            // A byte-order mark tells spreadsheets the file is UTF-8.
            [b"\xEF\xBB\xBF".as_slice(), &csv(&c, q.table.as_deref())?].concat(),
            "text/csv; charset=utf-8",
            &format!(
                "lumbung-spend-{}.csv",
                q.table.as_deref().unwrap_or("by_anchor_year")
            ),
        ))
    }

    pub async fn report_xlsx(
        State(state): State<AppState>,
        Extension(viewer): Extension<Viewer>,
        Query(q): Query<ReportQuery>,
    ) -> Result<Response, AppError> {
        let c = compute_for(&state, &viewer, &q).await?;
        Ok(download(
            xlsx(&c)?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "lumbung-spend.xlsx",
        ))
    }

    pub async fn api_report(
        State(state): State<AppState>,
        Extension(viewer): Extension<Viewer>,
        Query(q): Query<ReportQuery>,
    ) -> Result<Json<serde_json::Value>, AppError> {
        let c = compute_for(&state, &viewer, &q).await?;
        let mut value =
            serde_json::to_value(&c.report).map_err(|e| AppError::Internal(e.to_string()))?;
        value["selection"] = c.selection;
        Ok(Json(value))
    }

    pub async fn api_payments(
        State(state): State<AppState>,
        Extension(viewer): Extension<Viewer>,
        Query(q): Query<PaymentsQuery>,
    ) -> Result<Json<serde_json::Value>, AppError> {
        let c = compute_for(&state, &viewer, &q.report()).await?;
        let (lines, count, sum) = payments(&c, &q)?;
        Ok(Json(
            serde_json::json!({"payments": lines, "count": count, "sum": sum, "listed": lines.len()}),
        ))
    }

    pub async fn api_imports(
        State(state): State<AppState>,
        Extension(viewer): Extension<Viewer>,
    ) -> Result<Json<serde_json::Value>, AppError> {
        let imports = visible_imports(&state, &viewer).await?;
        Ok(Json(serde_json::json!({ "imports": imports })))
    }
}

pub mod publications {
    //! Reports an analyst publishes: public pages of aggregate figures.

    use super::*;
    use crate::render::render;
    use axum::extract::{Path, State};
    use axum::http::Uri;
    use axum::response::{Html, IntoResponse, Redirect, Response};
    use axum::{Extension, Form, Json};
    use minijinja::context;

    #[derive(Debug, Default, Deserialize)]
    #[serde(default)]
    pub struct PublishForm {
        title: String,
        year: Option<String>,
        anchor: Option<u32>,
        local: Option<String>,
        region: Option<String>,
        top_suppliers: Option<usize>,
        target_local_share: Option<String>,
    }

    /// What the public sees of a report: every aggregate, no supplier
    /// names (a supplier may be a sole trader, a person).
    pub fn public_view(c: &Computed) -> serde_json::Value {
        let mut value = serde_json::to_value(&c.report).unwrap_or_default();
        if let Some(map) = value.as_object_mut() {
            map.remove("top_leaking_suppliers");
        }
        value["selection"] = c.selection.clone();
        value
    }

    pub async fn publish(
        State(state): State<AppState>,
        Extension(viewer): Extension<Viewer>,
        Form(form): Form<PublishForm>,
    ) -> Result<Response, AppError> {
        let q = ReportQuery {
            year: form.year,
            anchor: form.anchor,
            local: form.local,
            region: form.region,
            top_suppliers: form.top_suppliers,
            target_local_share: form.target_local_share,
            table: None,
        };
        let c = compute_for(&state, &viewer, &q).await?;
        let snapshot = public_view(&c);
        let actor = viewer.actor()?;
        let title = form.title;
        let id = state
            .blocking(move |s| s.publish_spend_report(&title, &snapshot, &actor))
            .await?;
        Ok(Redirect::to(&format!("/reports/{id}")).into_response())
    }

    pub async fn list(
        State(state): State<AppState>,
        Extension(viewer): Extension<Viewer>,
        uri: Uri,
    ) -> Result<Html<String>, AppError> {
        let list = state.blocking(|s| s.spend_publications()).await?;
        let items: Vec<_> = list
            .iter()
            .map(|p| context! { id => p.id, title => p.title, published_at => p.published_at.chars().take(10).collect::<String>() })
            .collect();
        render(&viewer, &uri, "reports.html", context! { reports => items })
    }

    fn parse_id(raw: &str) -> Result<i64, AppError> {
        raw.parse()
            .map_err(|_| AppError::not_found(format!("report {raw}")))
    }

    pub async fn show(
        State(state): State<AppState>,
        Extension(viewer): Extension<Viewer>,
        uri: Uri,
        Path(id): Path<String>,
    ) -> Result<Html<String>, AppError> {
        let id = parse_id(&id)?;
        let p = state
            .blocking(move |s| s.spend_publication(id))
            .await?
            .ok_or_else(|| AppError::not_found(format!("report {id}")))?;
        render(
            &viewer,
            &uri,
            "report.html",
            context! { p => p, r => p.report },
        )
    }

    pub async fn api_list(
        State(state): State<AppState>,
    ) -> Result<Json<serde_json::Value>, AppError> {
        let list = state.blocking(|s| s.spend_publications()).await?;
        // The public sees what was published, not who published it.
        let list: Vec<_> = list
            .iter()
            .map(|p| serde_json::json!({"id": p.id, "title": p.title, "published_at": p.published_at}))
            .collect();
        Ok(Json(serde_json::json!({ "reports": list })))
    }

    pub async fn api_show(
        State(state): State<AppState>,
        Path(id): Path<String>,
    ) -> Result<Json<serde_json::Value>, AppError> {
        let id = parse_id(&id)?;
        let p = state
            .blocking(move |s| s.spend_publication(id))
            .await?
            .ok_or_else(|| AppError::not_found(format!("report {id}")))?;
        Ok(Json(serde_json::json!({
            "id": p.id, "title": p.title, "published_at": p.published_at, "report": p.report,
        })))
    }
}
