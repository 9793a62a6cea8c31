//! The analyst's review of the spend catalogue, as pages and API: the
//! suppliers (search, those listed for review; fix a location, record a
//! branch site, merge two), and the imports (list, undo, the rows each
//! flagged for review) — what `lumbung spend suppliers`, `merge-suppliers`,
//! `locate-supplier`, `supplier-site`, `imports`, `undo` and `flagged` do.
//!
//! Suppliers are one catalogue for all anchors, so a decision about one is
//! a global operation: only an analyst whose scope is the whole system
//! makes it. Imports, suppliers and flagged rows are listed to scoped
//! users only as far as their anchors lie inside the scope (see
//! [`crate::spend::visible_imports`] and [`crate::spend::visible_suppliers`]).

use super::{actions, no_import, no_supplier};
use crate::auth::Ctx;
use crate::auth::Viewer;
use crate::core::actions::Failure;
use crate::core::api::{failure, Reply};
use crate::core::forms::FieldErrors;
use crate::edge::optional;
use crate::error::AppError;
use crate::listing::{sort_keys, Cell, Csv, Dir, Listing, Paged, Part};
use crate::render::render;
use crate::AppState;
use axum::extract::{Path, Query};
use axum::http::{StatusCode, Uri};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Form, Json};
use lumbung_domain::{AreaCode, Money, SupplierId};
use lumbung_spend::facts::Facts;
use lumbung_spend::report::{supplier_totals, SupplierTotal};
use lumbung_store::{SpendImport, StoreError, SupplierFilter, SupplierOrder};
use minijinja::context;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Suppliers the API returns at most in one answer.
pub const MAX_SUPPLIERS: u32 = 500;
/// Flagged rows listed at most, on the page and in the API.
pub const MAX_FLAGGED: u32 = 1000;

fn truthy(s: &str) -> bool {
    matches!(
        s.trim().to_ascii_lowercase().as_str(),
        "1" | "true" | "on" | "yes"
    )
}

/// An id from the path; one that is no number names nothing (`missing`).
fn parse_id(raw: &str, missing: impl Fn(String) -> AppError) -> Result<i64, AppError> {
    raw.parse().map_err(|_| missing(raw.to_owned()))
}

/// `?q=&review=1` (and for the API `limit=`).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct SupplierQuery {
    pub q: String,
    pub review: String,
    /// The supplier being merged: the list is a search for the one it
    /// goes into, each row offering to take it.
    pub merge: String,
    #[serde(skip_serializing, deserialize_with = "optional")]
    pub limit: Option<u32>,
}

impl SupplierQuery {
    fn search(&self) -> Option<String> {
        Some(self.q.trim().to_owned()).filter(|q| !q.is_empty())
    }

    fn review_only(&self) -> bool {
        truthy(&self.review)
    }

    fn filter(&self) -> SupplierFilter {
        SupplierFilter {
            search: self.search(),
            review_only: self.review_only(),
        }
    }
}

sort_keys! {
    /// The orders of the supplier list: by number or name (in the
    /// catalogue's SQL), by payments or total (of the viewer's scope,
    /// counted from the facts).
    pub enum SupplierSort {
        Number = "number",
        Name = "name",
        Payments = "payments",
        Total = "total",
    } default Name Asc
}

/// A supplier as the list shows it: the catalogue's row, and its payments
/// that the viewer may see (count and net sum).
#[derive(Debug, Serialize)]
struct SupplierLine {
    #[serde(flatten)]
    supplier: lumbung_store::Supplier,
    payments: u64,
    total: Money,
}

/// The suppliers the query finds that the viewer may see (for a scope
/// short of the whole system, those its anchors paid), in the order
/// asked: the page asked for, or all of them (`part`). Paged in SQL for a
/// viewer of the whole system in the catalogue's orders; otherwise the
/// numbers are filtered and ordered in memory, and only the page's rows
/// read whole.
async fn supplier_list(
    state: &AppState,
    viewer: &Viewer,
    q: &SupplierQuery,
    listing: &Listing<SupplierSort>,
    part: Part,
) -> Result<Paged<Vec<SupplierLine>>, AppError> {
    let (scope, filter, listing) = (viewer.scope(), q.filter(), listing.clone());
    state
        .blocking(move |s| {
            let scoped = s.spend_anchors_in(&scope)?.is_some();
            let facts = s.spend_facts_in(&scope)?;
            let refs: Vec<&Facts> = facts.iter().collect();
            let totals = supplier_totals(&refs).map_err(|e| StoreError::too_large(e.0))?;
            let of = |id: SupplierId| totals.get(&(id.get() as u32)).copied().unwrap_or_default();
            let desc = listing.dir() == Dir::Desc;
            let (order, in_sql) = match listing.sort() {
                Some(SupplierSort::Number) => (SupplierOrder::Number, true),
                Some(SupplierSort::Name) | None => (SupplierOrder::Name, true),
                Some(SupplierSort::Payments | SupplierSort::Total) => (SupplierOrder::Name, false),
            };
            let window = listing.window;
            let ids = if in_sql && !scoped && part == Part::Page {
                window.fetch(|n, at| s.supplier_ids(&filter, order, desc, Some((n, at))))?
            } else {
                let (mut ids, _) = s.supplier_ids(&filter, order, desc && in_sql, None)?;
                if scoped {
                    ids.retain(|id| of(*id).payments > 0);
                }
                listing.sort_rows(&mut ids, |key, a, b| match key {
                    SupplierSort::Payments => of(*a).payments.cmp(&of(*b).payments),
                    SupplierSort::Total => of(*a).total.cmp(&of(*b).total),
                    SupplierSort::Number | SupplierSort::Name => std::cmp::Ordering::Equal,
                });
                window.cut(ids, part)
            };
            let rows = s
                .suppliers_by_id(&ids.rows)?
                .into_iter()
                .map(|mut supplier| {
                    let SupplierTotal { payments, total } = of(supplier.id);
                    if scoped {
                        mask_note(&mut supplier, |id| of(SupplierId::new(id)).payments > 0);
                    }
                    SupplierLine {
                        supplier,
                        payments,
                        total,
                    }
                })
                .collect();
            Ok(Paged {
                rows,
                total: ids.total,
                window: ids.window,
            })
        })
        .await
}

/// A supplier's review note as a viewer who sees only the suppliers `sees`
/// keeps reads it: a note may name one that only other anchors pay.
fn mask_note(supplier: &mut lumbung_store::Supplier, sees: impl Fn(i64) -> bool) {
    supplier.review = supplier
        .review
        .take()
        .and_then(|n| lumbung_spend::suppliers::note_seen(&n, sees));
}

/// Suppliers matching the query that the viewer may see (see
/// [`crate::spend::visible_suppliers`]).
async fn suppliers(
    state: &AppState,
    viewer: &Viewer,
    q: &SupplierQuery,
    limit: u32,
) -> Result<Vec<lumbung_store::Supplier>, AppError> {
    let (search, review) = (q.search(), q.review_only());
    let visible = crate::spend::visible_suppliers(state, viewer).await?;
    // A scoped viewer's: the numbers found, those its anchors paid, and
    // only the first `limit` of them read whole (every supplier found was
    // read whole, three queries each, then filtered).
    let seen = visible.clone();
    let list = state
        .blocking(move |s| match seen {
            None => s.suppliers(search.as_deref(), review, limit),
            Some(seen) => {
                let filter = lumbung_store::SupplierFilter {
                    search,
                    review_only: review,
                };
                let (ids, _) =
                    s.supplier_ids(&filter, lumbung_store::SupplierOrder::Name, false, None)?;
                let ids: Vec<_> = (ids.into_iter())
                    .filter(|id| seen.contains(&id.get()))
                    .take(limit as usize)
                    .collect();
                s.suppliers_by_id(&ids)
            }
        })
        .await?;
    Ok(list
        .into_iter()
        .map(|mut s| {
            if let Some(v) = &visible {
                mask_note(&mut s, |id| v.contains(&id));
            }
            s
        })
        .collect())
}

/// An import by id that the viewer may see, or 404.
async fn import(state: &AppState, viewer: &Viewer, id: i64) -> Result<SpendImport, AppError> {
    crate::spend::visible_imports(state, viewer)
        .await?
        .into_iter()
        .find(|i| i.id.get() == id)
        .ok_or_else(|| no_import(id))
}

// ---- pages ----

/// The fields of the three forms on a supplier's row, and the list's
/// search to return to.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct SupplierForm {
    /// `locate`: the fixed area (empty clears it); `sites`: the branch site.
    pub area: String,
    /// `sites`: set (a checkbox) to forget the site instead.
    pub remove: String,
    /// `merge`: the number of the supplier that stays.
    pub into: String,
    /// `register`: the company number, and `confirm` or `reject`.
    pub company: String,
    pub decision: String,
    pub q: String,
    pub review: String,
    /// The list's page and order, to come back to.
    pub page: String,
    pub per: String,
    pub sort: String,
    pub dir: String,
}

impl SupplierForm {
    fn query(&self) -> SupplierQuery {
        SupplierQuery {
            q: self.q.clone(),
            review: self.review.clone(),
            merge: String::new(),
            limit: None,
        }
    }

    /// The list the form was sent from, with its search, page and order.
    fn list_path(&self) -> String {
        let q = self.query();
        let search = q.search().unwrap_or_default();
        let review = if q.review_only() { "1" } else { "" };
        let pairs: Vec<(&str, &str)> = [
            ("q", search.as_str()),
            ("review", review),
            ("sort", self.sort.trim()),
            ("dir", self.dir.trim()),
            ("per", self.per.trim()),
            ("page", self.page.trim()),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .collect();
        match serde_urlencoded::to_string(&pairs) {
            Ok(query) if !query.is_empty() => format!("/spend/suppliers?{query}"),
            _ => "/spend/suppliers".to_owned(),
        }
    }
}

/// A row form that failed: shown again beside its row, typed values kept.
#[derive(Debug, Serialize)]
struct Failed {
    id: i64,
    action: &'static str,
    /// Field → message, in the viewer's language.
    errors: std::collections::BTreeMap<String, String>,
    typed: SupplierForm,
}

/// A supplier as the merge forms name it: number, name, postal code.
type Named = (i64, String, String);

/// For the one who decides about the catalogue: each row's suggested
/// suppliers (row id → suppliers) from its review note, and the supplier
/// being merged when the list is a search for where it goes (`merge=`).
async fn merge_choices(
    state: &AppState,
    viewer: &Viewer,
    rows: &[SupplierLine],
    merge: &str,
) -> Result<(HashMap<String, Vec<Named>>, Option<Named>), AppError> {
    let wanted: Vec<(i64, Vec<i64>)> = rows
        .iter()
        .map(|line| {
            let s = &line.supplier;
            let note = s.review.as_deref().unwrap_or("");
            let ids = if viewer.decides_catalogue() {
                lumbung_spend::suppliers::suggested_in(note)
            } else {
                vec![]
            };
            (s.id.get(), ids)
        })
        .collect();
    let merging = merge
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|_| viewer.decides_catalogue());
    let mut ids: Vec<lumbung_domain::SupplierId> = wanted
        .iter()
        .flat_map(|(_, ids)| ids.iter().map(|id| lumbung_domain::SupplierId::new(*id)))
        .collect();
    ids.extend(merging.map(lumbung_domain::SupplierId::new));
    let found = state.blocking(move |s| s.suppliers_by_id(&ids)).await?;
    let by_id: HashMap<i64, Named> = found
        .iter()
        .map(|s| {
            let named = (
                s.id.get(),
                s.name.clone(),
                s.postcode.clone().unwrap_or_default(),
            );
            (s.id.get(), named)
        })
        .collect();
    let suggested = wanted
        .into_iter()
        .map(|(row, ids)| {
            let lines = ids.iter().filter_map(|id| by_id.get(id).cloned()).collect();
            (row.to_string(), lines)
        })
        .collect();
    Ok((suggested, merging.and_then(|id| by_id.get(&id).cloned())))
}

/// The list's page; `uri` is its own address (after a row form, the
/// list the form came from), for the language switch and the list's links.
async fn list_page(
    state: &AppState,
    viewer: &Viewer,
    uri: &Uri,
    q: &SupplierQuery,
    failed: Option<Failed>,
) -> Result<Response, AppError> {
    let listing = Listing::from_uri(uri);
    let paged = supplier_list(state, viewer, q, &listing, Part::Page).await?;
    let (suggested, merging) = merge_choices(state, viewer, &paged.rows, &q.merge).await?;
    // Register companies that may be the supplier, for an analyst to decide.
    let ids: Vec<SupplierId> = paged.rows.iter().map(|l| l.supplier.id).collect();
    let register: HashMap<String, Vec<lumbung_store::RegisterMatch>> = state
        .blocking(move |s| {
            let mut found = HashMap::new();
            for id in ids {
                found.insert(id.get().to_string(), s.pending_register_matches(id)?);
            }
            Ok(found)
        })
        .await?;
    // Areas are shown by name, their codes beside.
    let codes: Vec<String> = paged
        .rows
        .iter()
        .flat_map(|l| l.supplier.area_code.iter().chain(&l.supplier.sites))
        .cloned()
        .collect();
    let area_names: HashMap<String, String> = state
        .blocking(move |s| {
            let mut names = HashMap::new();
            for code in codes {
                let name = s.area(&code)?.map_or_else(|| code.clone(), |a| a.name);
                names.insert(code, name);
            }
            Ok(names)
        })
        .await?;
    let status = if failed.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = render(
        viewer,
        uri,
        "spend_suppliers.html",
        context! {
            list => listing.view(&paged, Some("/spend/suppliers.csv")),
            suppliers => paged.rows,
            q => q.search().unwrap_or_default(),
            review => q.review_only(),
            failed => failed,
            suggested => suggested,
            register => register,
            merging => merging,
            area_names => area_names,
            cur => crate::spend::currency(state).await?.map(|c| c.code()),
        },
    )?;
    Ok((status, page).into_response())
}

pub async fn suppliers_page(
    Ctx { state, viewer, uri }: Ctx,
    Query(q): Query<SupplierQuery>,
) -> Result<Response, AppError> {
    list_page(&state, &viewer, &uri, &q, None).await
}

/// The list as the page shows it (search, order), every page, as CSV.
pub async fn suppliers_csv(
    Ctx { state, viewer, .. }: Ctx,
    Query(q): Query<SupplierQuery>,
    listing: Listing<SupplierSort>,
) -> Result<Response, AppError> {
    let list = supplier_list(&state, &viewer, &q, &listing, Part::Whole).await?;
    // Every supplier written out on a blocking thread (a city's hundreds
    // of thousands held an async thread).
    let lang = viewer.lang;
    let csv = state
        .run(move |_| suppliers_csv_of(list.rows, lang))
        .await?;
    Ok(csv.download("lumbung-suppliers.csv"))
}

fn suppliers_csv_of(rows: Vec<SupplierLine>, lang: crate::i18n::Lang) -> Csv {
    let mut csv = Csv::new(
        lang,
        &[
            "spend_number",
            "spend_supplier",
            "spend_postcode",
            "spend_fixed_area",
            "spend_sites",
            "spend_keys",
            "spend_review_note",
            "payments",
            "figure_total",
        ],
    );
    for line in rows {
        let s = line.supplier;
        csv.row([
            Cell::number(s.id.get()),
            Cell::text(s.name),
            Cell::text(s.postcode.unwrap_or_default()),
            Cell::text(s.area_code.unwrap_or_default()),
            Cell::text(s.sites.join("; ")),
            Cell::text(s.keys.join("; ")),
            Cell::text(s.review.unwrap_or_default()),
            Cell::number(line.payments),
            Cell::number(line.total),
        ]);
    }
    csv
}

/// Back to the list on success, confirmed; bad fields show the list again
/// (422) with the error beside the row; an unknown supplier is a 404.
async fn after(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    action: &'static str,
    form: SupplierForm,
    result: Result<(), Failure>,
) -> Result<Response, AppError> {
    let (q, back) = (form.query(), form.list_path());
    match result {
        Ok(()) => Ok(crate::edge::done(&back, "saved")),
        Err(Failure::Fields(errors)) => {
            let failed = Failed {
                id,
                action,
                errors: errors
                    .into_iter()
                    .map(|(field, message)| (field, message.get(viewer.lang.into()).to_owned()))
                    .collect(),
                typed: form,
            };
            let uri: Uri = back.parse().unwrap_or_default();
            list_page(state, viewer, &uri, &q, Some(failed)).await
        }
        Err(Failure::App(e)) => Err(e),
    }
}

pub async fn locate(
    Ctx { state, viewer, .. }: Ctx,
    Path(id): Path<String>,
    Form(form): Form<SupplierForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id, no_supplier)?;
    let result = actions::locate_supplier(&state, &viewer, id, Some(&form.area))
        .await
        .map(drop);
    after(&state, &viewer, id, "locate", form, result).await
}

pub async fn site(
    Ctx { state, viewer, .. }: Ctx,
    Path(id): Path<String>,
    Form(form): Form<SupplierForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id, no_supplier)?;
    let remove = truthy(&form.remove);
    let result = actions::supplier_site(&state, &viewer, id, &form.area, remove)
        .await
        .map(drop);
    after(&state, &viewer, id, "sites", form, result).await
}

/// `POST /spend/suppliers/{id}/register`: a register company confirmed
/// (or rejected) as this supplier.
pub async fn register(
    Ctx { state, viewer, .. }: Ctx,
    Path(id): Path<String>,
    Form(form): Form<SupplierForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id, no_supplier)?;
    let confirm = match form.decision.as_str() {
        "confirm" => true,
        "reject" => false,
        _ => {
            return Err(AppError::BadRequest(
                lumbung_domain::text!("register_decision";
                id: "keputusan: konfirmasi atau tolak",
                en: "decision: confirm or reject"),
            ))
        }
    };
    let company = form.company.clone();
    let result = actions::decide_register_match(&state, &viewer, id, &company, confirm).await;
    after(&state, &viewer, id, "register", form, result).await
}

pub async fn merge(
    Ctx { state, viewer, .. }: Ctx,
    Path(id): Path<String>,
    Form(form): Form<SupplierForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id, no_supplier)?;
    let raw = form.into.trim();
    let result = match raw.parse::<i64>() {
        Ok(into) => actions::merge_supplier(&state, &viewer, id, into)
            .await
            .map(drop),
        Err(_) => Err(Failure::Fields(FieldErrors::from([(
            "into".to_owned(),
            lumbung_domain::text!("not_a_supplier_number", value = format!("{raw:?}");
                id: "{value} bukan nomor pemasok",
                en: "{value} is not a supplier number"),
        )]))),
    };
    after(&state, &viewer, id, "merge", form, result).await
}

pub async fn imports_page(Ctx { state, viewer, uri }: Ctx) -> Result<Html<String>, AppError> {
    let mut imports = crate::spend::visible_imports(&state, &viewer).await?;
    imports.reverse();
    render(
        &viewer,
        &uri,
        "spend_imports.html",
        context! { imports => imports, cur => crate::spend::currency(&state).await?.map(|c| c.code()), },
    )
}

pub async fn undo(
    Ctx { state, viewer, .. }: Ctx,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = parse_id(&id, no_import)?;
    match actions::undo_import(&state, &viewer, id).await {
        Ok(_) => Ok(Redirect::to("/spend/imports").into_response()),
        Err(Failure::Fields(errors)) => {
            let (id, en): (Vec<_>, Vec<_>) = errors
                .values()
                .map(|e| (e.indonesian(), e.english()))
                .unzip();
            Err(AppError::bad_request(lumbung_domain::Text::new(
                "undo_refused",
                vec![],
                id.join("; "),
                en.join("; "),
            )))
        }
        Err(Failure::App(e)) => Err(e),
    }
}

pub async fn flagged_page(
    Ctx { state, viewer, uri }: Ctx,
    Path(id): Path<String>,
) -> Result<Html<String>, AppError> {
    let id = parse_id(&id, no_import)?;
    let file = import(&state, &viewer, id).await?;
    let (rows, bad) = state
        .blocking(move |s| {
            let id = lumbung_domain::ImportId::new(id);
            Ok((
                s.spend_flagged(Some(id), MAX_FLAGGED)?,
                // A file's skipped rows may be nearly all of it.
                s.spend_bad_rows(id, Some(MAX_FLAGGED))?,
            ))
        })
        .await?;
    render(
        &viewer,
        &uri,
        "spend_flagged.html",
        context! {
            file => file, more => rows.len() as u32 >= MAX_FLAGGED, rows => rows,
            bad_more => bad.len() as u32 >= MAX_FLAGGED, bad => bad,
        },
    )
}

// ---- API ----

/// `GET /api/v1/spend/suppliers`.
#[derive(Serialize, JsonSchema)]
pub struct SupplierList {
    suppliers: Vec<lumbung_store::Supplier>,
    limit: u32,
}

pub async fn api_suppliers(
    Ctx { state, viewer, .. }: Ctx,
    Query(q): Query<SupplierQuery>,
) -> Result<Reply<SupplierList>, AppError> {
    let limit = q.limit.unwrap_or(100).clamp(1, MAX_SUPPLIERS);
    let suppliers = suppliers(&state, &viewer, &q, limit).await?;
    Ok(Reply(SupplierList { suppliers, limit }))
}

/// An API answer: the decision's result, or its failure.
fn answer<T: Serialize>(result: Result<T, Failure>) -> Response {
    match result {
        Ok(answer) => Reply(answer).into_response(),
        Err(f) => failure(f),
    }
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(default)]
pub struct LocateBody {
    /// The area; `null` (or absent, or empty) returns the supplier to its
    /// postal code.
    area: Option<String>,
}

/// `POST /api/v1/spend/suppliers/{id}/locate`.
#[derive(Serialize, JsonSchema)]
pub struct Located {
    id: i64,
    area_code: Option<AreaCode>,
}

pub async fn api_locate(
    Ctx { state, viewer, .. }: Ctx,
    Path(id): Path<String>,
    Json(body): Json<LocateBody>,
) -> Result<Response, AppError> {
    let id = parse_id(&id, no_supplier)?;
    let area = actions::locate_supplier(&state, &viewer, id, body.area.as_deref()).await;
    Ok(answer(area.map(|area_code| Located { id, area_code })))
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct SiteBody {
    area: String,
    #[serde(default)]
    remove: bool,
}

/// `POST /api/v1/spend/suppliers/{id}/sites`.
#[derive(Serialize, JsonSchema)]
pub struct SiteRecorded {
    id: i64,
    area_code: AreaCode,
    removed: bool,
}

pub async fn api_site(
    Ctx { state, viewer, .. }: Ctx,
    Path(id): Path<String>,
    Json(body): Json<SiteBody>,
) -> Result<Response, AppError> {
    let id = parse_id(&id, no_supplier)?;
    let area = actions::supplier_site(&state, &viewer, id, &body.area, body.remove).await;
    Ok(answer(area.map(|area_code| SiteRecorded {
        id,
        area_code,
        removed: body.remove,
    })))
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct MergeBody {
    /// The supplier that stays (a number, or its digits as text).
    #[schemars(schema_with = "crate::edge::text_or_number_schema")]
    into: SupplierId,
}

/// `POST /api/v1/spend/suppliers/{id}/merge`.
#[derive(Serialize, JsonSchema)]
pub struct Merged {
    kept: i64,
    merged: i64,
    payments_moved: u64,
}

pub async fn api_merge(
    Ctx { state, viewer, .. }: Ctx,
    Path(id): Path<String>,
    Json(body): Json<MergeBody>,
) -> Result<Response, AppError> {
    let id = parse_id(&id, no_supplier)?;
    let into = body.into.get();
    let moved = actions::merge_supplier(&state, &viewer, id, into).await;
    Ok(answer(moved.map(|payments_moved| Merged {
        kept: into,
        merged: id,
        payments_moved,
    })))
}

/// `DELETE /api/v1/spend/imports/{id}`: the import as it now stands.
#[derive(Serialize, JsonSchema)]
pub struct Undone {
    undone: SpendImport,
}

pub async fn api_undo(
    Ctx { state, viewer, .. }: Ctx,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = parse_id(&id, no_import)?;
    let undone = actions::undo_import(&state, &viewer, id).await;
    Ok(answer(undone.map(|undone| Undone { undone })))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct FlaggedQuery {
    #[serde(deserialize_with = "optional")]
    limit: Option<u32>,
}

/// `GET /api/v1/spend/imports/{id}/flagged`.
#[derive(Serialize, JsonSchema)]
pub struct FlaggedList {
    import: SpendImport,
    flagged: Vec<lumbung_store::FlaggedRow>,
    limit: u32,
}

pub async fn api_flagged(
    Ctx { state, viewer, .. }: Ctx,
    Path(id): Path<String>,
    Query(q): Query<FlaggedQuery>,
) -> Result<Reply<FlaggedList>, AppError> {
    let id = parse_id(&id, no_import)?;
    let import = import(&state, &viewer, id).await?;
    let limit = q.limit.unwrap_or(MAX_FLAGGED).clamp(1, MAX_FLAGGED);
    let flagged = state
        .blocking(move |s| s.spend_flagged(Some(lumbung_domain::ImportId::new(id)), limit))
        .await?;
    Ok(Reply(FlaggedList {
        import,
        flagged,
        limit,
    }))
}
