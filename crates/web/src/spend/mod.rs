//! Spend analysis in the web app and API: the same report as `lumbung
//! spend report`, drawn as charts and tables, exported as CSV/XLSX, with
//! the payments behind every figure one click away.

use crate::auth::Viewer;
use crate::edge::optional;
use crate::error::AppError;
use crate::listing::{natural, sort_keys, Listing, Paged, Part};
use crate::AppState;
use lumbung_domain::{text, AreaCode, FiscalYear, Share};
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
    #[serde(deserialize_with = "optional")]
    pub anchor: Option<u32>,
    pub local: Option<String>,
    pub region: Option<String>,
    #[serde(deserialize_with = "optional")]
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
    pub facts: std::sync::Arc<Vec<Facts>>,
    pub selection: Selection,
    pub anchors: Vec<(u32, String)>,
}

/// What a report was computed for, as the API and the published
/// snapshot state it.
#[derive(Debug, Clone, serde::Serialize, schemars::JsonSchema)]
pub struct Selection {
    pub local: Option<String>,
    pub region: Option<String>,
    /// The names of the local area and the region, for people to read.
    pub local_name: Option<String>,
    pub region_name: Option<String>,
    pub year: Option<String>,
    pub anchor: Option<u32>,
    pub top_suppliers: Option<usize>,
}

fn blank(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// A field typed as text, parsed at the edge: blank is none, a value that
/// does not parse is refused by its field's name.
pub(crate) fn parsed<T, E: std::fmt::Display>(
    raw: &Option<String>,
    field: &str,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> Result<Option<T>, AppError> {
    blank(raw)
        .map(parse)
        .transpose()
        .map_err(|e| AppError::refused(field, e))
}

/// The imports a viewer may see and undo: those whose every anchor lies
/// inside their scope.
pub(crate) async fn visible_imports(
    state: &AppState,
    viewer: &Viewer,
) -> Result<Vec<lumbung_store::SpendImport>, AppError> {
    let scope = viewer.scope();
    state.blocking(move |s| s.spend_imports_in(&scope)).await
}

/// The suppliers a viewer may see: all for a global scope, else those paid
/// by an anchor inside it (supplier names may be persons').
pub(crate) async fn visible_suppliers(
    state: &AppState,
    viewer: &Viewer,
) -> Result<Option<HashSet<i64>>, AppError> {
    let scope = viewer.scope();
    state
        .blocking(move |s| s.spend_supplier_ids_in(&scope))
        .await
}

/// The analyst's part of "your work": the latest imports the viewer may
/// see, newest first, and how many of their suppliers wait for review.
#[derive(Debug, serde::Serialize, schemars::JsonSchema)]
pub struct SpendWork {
    pub imports: Vec<lumbung_store::SpendImport>,
    pub to_review: u64,
    #[schemars(with = "Option<String>")]
    pub currency: Option<lumbung_domain::Currency>,
}

/// Imports shown in "your work"; the rest are on the imports page.
const LATEST_IMPORTS: usize = 5;

pub(crate) async fn work(state: &AppState, viewer: &Viewer) -> Result<SpendWork, AppError> {
    let mut imports = visible_imports(state, viewer).await?;
    imports.reverse();
    imports.truncate(LATEST_IMPORTS);
    let visible = visible_suppliers(state, viewer).await?;
    // Counted by their numbers alone (every supplier listed for review was
    // read whole, three queries each, to be counted).
    let review_only = lumbung_store::SupplierFilter {
        search: None,
        review_only: true,
    };
    let (review, _) = state
        .blocking(move |s| {
            s.supplier_ids(
                &review_only,
                lumbung_store::SupplierOrder::Number,
                false,
                None,
            )
        })
        .await?;
    let to_review = review
        .iter()
        .filter(|id| visible.as_ref().is_none_or(|v| v.contains(&id.get())))
        .count() as u64;
    let currency = currency(state).await?;
    Ok(SpendWork {
        imports,
        to_review,
        currency,
    })
}

/// The currency spend is shown in: the local area's country's (the
/// settings name one local area for every anchor).
pub(crate) async fn currency(
    state: &AppState,
) -> Result<Option<lumbung_domain::Currency>, AppError> {
    state
        .blocking(|s| {
            let Some(local) = s.spend_settings()?.local else {
                return Ok(None);
            };
            let country = s.area(&local)?.and_then(|a| {
                let root = a.path.trim_start_matches('/').split('/').next()?;
                lumbung_domain::Currency::of_country(root)
            });
            Ok(country)
        })
        .await
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
    let year = parsed(&q.year, "year", FiscalYear::parse)?;
    let target = parsed(&q.target_local_share, "target_local_share", Share::parse)?;
    let (local_q, region_q) = (
        parsed(&q.local, "local", AreaCode::parse)?,
        parsed(&q.region, "region", AreaCode::parse)?,
    );
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
    // Reading and computing both run off the async threads, reading on
    // the read replica when there is one (a report may lag a moment).
    let scope = viewer.scope();
    let ((local, region), (local_name, region_name), dims, facts, report) = state
        .reading(move |s| {
            let settings = s.spend_settings()?;
            let parse = |c: Option<String>| c.and_then(|c| AreaCode::parse(&c).ok());
            let local = local_q.clone().or_else(|| parse(settings.local.clone()));
            let region = region_q.clone().or_else(|| parse(settings.region.clone()));
            let dims = s.spend_dimensions(local.as_ref(), region.as_ref(), settings.calendar())?;
            let name = |c: &Option<AreaCode>| -> lumbung_store::Result<Option<String>> {
                Ok(match c {
                    Some(code) => s.area(code.as_str())?.map(|a| a.name),
                    None => None,
                })
            };
            let names = (name(&local)?, name(&region)?);
            let facts = s.spend_facts_in(&scope)?;
            let refs: Vec<&Facts> = facts.iter().collect();
            let report = compute(&refs, &dims, &options)
                .map_err(|e| lumbung_store::StoreError::too_large(e.0))?;
            Ok(((local, region), names, dims, facts, report))
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
    let selection = Selection {
        local: local.as_ref().map(|c| c.as_str().to_owned()),
        region: region.as_ref().map(|c| c.as_str().to_owned()),
        local_name,
        region_name,
        year: year.map(|y| calendar.label(y)),
        anchor: q.anchor,
        top_suppliers: q.top_suppliers,
    };
    Ok(Computed {
        report,
        dims,
        facts,
        selection,
        anchors,
    })
}

/// The payments behind one figure: an anchor, a year and a location.
#[derive(Debug, Clone, serde::Serialize, schemars::JsonSchema)]
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
    #[serde(deserialize_with = "optional")]
    pub anchor: Option<u32>,
    pub local: Option<String>,
    pub region: Option<String>,
    /// `local`, `regional` (the region, local included), `outside`, `unknown`, or none for all.
    pub location: Option<String>,
    /// The report's cut: only each anchor-year's N largest suppliers.
    #[serde(deserialize_with = "optional")]
    pub top_suppliers: Option<usize>,
    /// Only this sector's payments (its id; 0 for none).
    #[serde(deserialize_with = "optional")]
    pub sector: Option<u32>,
    /// Only this supplier's payments.
    #[serde(deserialize_with = "optional")]
    pub supplier: Option<u32>,
    /// Only influenceable payments (`true`) or only the others (`false`).
    #[serde(deserialize_with = "optional")]
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

sort_keys! {
    /// The orders of the payments list; without one, the files' order.
    pub enum PaymentSort {
        Anchor = "anchor",
        Year = "year",
        Date = "date",
        Supplier = "supplier",
        Amount = "amount",
    }
}

/// A payment among the computed facts: its chunk and its row.
#[derive(Debug, Clone, Copy)]
struct At {
    chunk: u32,
    row: u32,
}

/// Every payment matching the query (as the report counts it), in the
/// files' order, with their sum.
fn matching(c: &Computed, q: &PaymentsQuery) -> Result<(Vec<At>, lumbung_domain::Money), AppError> {
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
                message: text!("unknown_location", location = format!("{w:?}");
                    id: "lokasi {location} tidak dikenal",
                    en: "unknown location {location}"),
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
    let mut found = Vec::new();
    // Exact in i128 (a payment fits in i64); refused below if the sum does not.
    let mut sum = 0i128;
    for (chunk, f) in c.facts.iter().enumerate() {
        for i in 0..f.len() {
            if q.anchor.is_some_and(|a| f.anchor[i] != a)
                || year.is_some_and(|y| f.year[i] as i32 != y.start_year())
                || keep
                    .as_ref()
                    .is_some_and(|k| !k.contains(&(f.anchor[i], f.year[i], f.supplier[i])))
                || q.sector.is_some_and(|s| c.dims.sector_of(f, i) != s)
                || q.supplier.is_some_and(|s| f.supplier[i] != s)
                || q.influenceable.is_some_and(|want| {
                    (f.flags[i] & lumbung_spend::facts::flag::NOT_INFLUENCEABLE == 0) != want
                })
                || !matches_location(location_of(c, f.supplier[i]))
            {
                continue;
            }
            sum += f.amount[i] as i128;
            found.push(At {
                chunk: chunk as u32,
                row: i as u32,
            });
        }
    }
    let sum = i64::try_from(sum).map_err(|_| AppError::TooLarge {
        field: "total".into(),
        max: None,
    })?;
    Ok((found, lumbung_domain::Money::from_minor(sum)))
}

fn location_of(c: &Computed, supplier: u32) -> Location {
    let known = c.dims.supplier_location.get(supplier as usize);
    known.copied().unwrap_or(Location::Unknown)
}

fn anchor_name(c: &Computed, anchor: u32) -> &str {
    c.dims.anchors.get(&anchor).map_or("", String::as_str)
}

fn supplier_name(c: &Computed, supplier: u32) -> &str {
    let name = c.dims.supplier_name.get(supplier as usize);
    name.map_or("", String::as_str)
}

/// The payment at `at`, as a list shows it.
fn line(c: &Computed, at: At) -> PaymentLine {
    let (f, i) = (&c.facts[at.chunk as usize], at.row as usize);
    PaymentLine {
        anchor: anchor_name(c, f.anchor[i]).to_owned(),
        fiscal_year: FiscalYear::new(f.year[i] as i32)
            .map(|y| c.dims.calendar.label(y))
            .unwrap_or_default(),
        date: lumbung_spend::facts::date_of(f.date[i]).map(|d| d.to_string()),
        supplier: supplier_name(c, f.supplier[i]).to_owned(),
        location: location_of(c, f.supplier[i]),
        amount: lumbung_domain::Money::from_minor(f.amount[i]),
    }
}

/// Every payment matching the query (as the report counts it), the first
/// [`MAX_PAYMENT_LINES`] listed, with their count and sum.
pub fn payments(
    c: &Computed,
    q: &PaymentsQuery,
) -> Result<(Vec<PaymentLine>, u64, lumbung_domain::Money), AppError> {
    let (found, sum) = matching(c, q)?;
    let lines = found.iter().take(MAX_PAYMENT_LINES);
    let lines = lines.map(|at| line(c, *at)).collect();
    Ok((lines, found.len() as u64, sum))
}

/// The payments matching the query in the order asked: the page asked
/// for or all of them (`part`); and their sum. Callers run it as the
/// store's work (`AppState::run`): filtering and sorting a city's
/// millions of payments must not hold an async thread.
pub fn payment_list(
    c: &Computed,
    q: &PaymentsQuery,
    listing: &Listing<PaymentSort>,
    part: Part,
) -> Result<(Paged<Vec<PaymentLine>>, lumbung_domain::Money), AppError> {
    let (mut found, sum) = matching(c, q)?;
    listing.sort_rows(&mut found, |key, a, b| {
        let (fa, i) = (&c.facts[a.chunk as usize], a.row as usize);
        let (fb, j) = (&c.facts[b.chunk as usize], b.row as usize);
        match key {
            PaymentSort::Anchor => {
                natural(anchor_name(c, fa.anchor[i]), anchor_name(c, fb.anchor[j]))
            }
            PaymentSort::Year => fa.year[i].cmp(&fb.year[j]),
            PaymentSort::Date => fa.date[i].cmp(&fb.date[j]),
            PaymentSort::Supplier => natural(
                supplier_name(c, fa.supplier[i]),
                supplier_name(c, fb.supplier[j]),
            ),
            PaymentSort::Amount => fa.amount[i].cmp(&fb.amount[j]),
        }
    });
    let paged = listing.window.cut(found, part);
    let rows = paged.rows.iter().map(|at| line(c, *at)).collect();
    Ok((
        Paged {
            rows,
            total: paged.total,
            window: paged.window,
        },
        sum,
    ))
}

pub fn csv(c: &Computed, table: Option<&str>) -> Result<Vec<u8>, AppError> {
    let table = table.unwrap_or(export::TABLES[0]);
    export::csv_table(&c.report, table).map_err(|e| match e {
        export::ExportError::UnknownTable(_) => AppError::Invalid {
            field: "table".into(),
            message: crate::error::refused_text(e),
        },
        other => AppError::Internal(other.to_string()),
    })
}

pub fn xlsx(c: &Computed) -> Result<Vec<u8>, AppError> {
    export::xlsx(&c.report).map_err(|e| AppError::Internal(e.to_string()))
}

/// A supplier's number that names none (or no number at all).
pub(crate) fn no_supplier(id: impl std::fmt::Display) -> AppError {
    AppError::not_found(text!("no_supplier", supplier = id;
        id: "pemasok {supplier}",
        en: "supplier {supplier}"))
}

/// An import's number that names none the viewer may see.
pub(crate) fn no_import(id: impl std::fmt::Display) -> AppError {
    AppError::not_found(text!("no_spend_import", import = id;
        id: "impor belanja {import}",
        en: "spend import {import}"))
}

pub mod actions;
pub mod handlers;
pub mod import;
pub mod publications;
pub mod review;
pub mod routes;
