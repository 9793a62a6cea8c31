//! The spend catalogue's decisions, shared by pages and API: the scope
//! checks and store calls behind fixing a supplier, merging two, and
//! undoing an import.

use crate::auth::Viewer;
use crate::core::actions::{blocking, Failure};
use crate::error::AppError;
use crate::AppState;
use lumbung_domain::{AreaCode, ImportId, SupplierId};
use lumbung_store::SpendImport;
use std::collections::BTreeMap;

// Spend catalogue decisions. The supplier catalogue and the imports are
// shared by every anchor (one supplier serves many anchors; one file may
// hold several), so they have no placement to check a scope against: the
// route table's `Write(Spend)` — analysts, of any scope — is the whole
// permission. Reading them needs `Read(Spend)`.

/// An area code typed into `field`, parsed at the edge.
fn area_field(field: &str, raw: &str) -> Result<AreaCode, Failure> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(field_error(
            field,
            lumbung_domain::text!("area_required";
                id: "kode area wajib diisi",
                en: "an area code is required"),
        ));
    }
    AreaCode::parse(raw).map_err(|e| field_error(field, crate::error::refused_text(e)))
}

fn field_error(field: &str, message: impl Into<lumbung_domain::Text>) -> Failure {
    Failure::Fields(BTreeMap::from([(field.to_owned(), message.into())]))
}

/// Fixes a supplier's location to `area`, or with none (or an empty code)
/// returns it to its postal code.
/// Suppliers are one catalogue for every anchor: a decision about one
/// changes figures everywhere it was paid, so only an analyst whose scope
/// is the whole system makes it (the access rule: a role holds inside its
/// scope).
fn require_whole_catalogue(viewer: &Viewer) -> Result<(), Failure> {
    if viewer.decides_catalogue() {
        Ok(())
    } else {
        Err(Failure::App(AppError::Forbidden))
    }
}

pub async fn locate_supplier(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    area: Option<&str>,
) -> Result<Option<AreaCode>, Failure> {
    require_whole_catalogue(viewer)?;
    let area = match area.map(str::trim).filter(|a| !a.is_empty()) {
        Some(raw) => Some(area_field("area", raw)?),
        None => None,
    };
    let actor = viewer.actor()?;
    let fixed = area.clone();
    blocking(state, move |s| {
        s.locate_supplier(SupplierId::new(id), fixed.as_ref(), &actor)
    })
    .await?;
    Ok(area)
}

/// Records (or with `remove`, forgets) a branch site of a supplier.
pub async fn supplier_site(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    area: &str,
    remove: bool,
) -> Result<AreaCode, Failure> {
    require_whole_catalogue(viewer)?;
    let area = area_field("area", area)?;
    let actor = viewer.actor()?;
    let site = area.clone();
    blocking(state, move |s| {
        s.supplier_site(SupplierId::new(id), &site, remove, &actor)
    })
    .await?;
    Ok(area)
}

/// Merges supplier `other` into `into` (the one that stays); returns the
/// number of payments moved.
pub async fn merge_supplier(
    state: &AppState,
    viewer: &Viewer,
    other: i64,
    into: i64,
) -> Result<u64, Failure> {
    require_whole_catalogue(viewer)?;
    let actor = viewer.actor()?;
    blocking(state, move |s| {
        s.merge_suppliers(SupplierId::new(into), SupplierId::new(other), &actor)
    })
    .await
    .map_err(|f| match f {
        // The store names the pair "supplier"; the form's field is `into`.
        Failure::Fields(errors) => Failure::Fields(
            errors
                .into_iter()
                .map(|(k, v)| (if k == "supplier" { "into".into() } else { k }, v))
                .collect(),
        ),
        other => other,
    })
}

/// Confirms (or rejects) a register's company as a supplier: a decision
/// about the shared catalogue, so an analyst of the whole system's.
pub async fn decide_register_match(
    state: &AppState,
    viewer: &Viewer,
    supplier: i64,
    company: &str,
    confirm: bool,
) -> Result<(), Failure> {
    require_whole_catalogue(viewer)?;
    let actor = viewer.actor()?;
    let company = company.to_owned();
    blocking(state, move |s| {
        s.decide_register_match(SupplierId::new(supplier), &company, confirm, &actor)
    })
    .await
    .map(drop)
}

/// Removes an import and its payments (recorded in the audit log).
pub async fn undo_import(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
) -> Result<SpendImport, Failure> {
    // An import whose anchors lie outside the viewer's scope is not theirs
    // to see, let alone undo: it answers as an unknown id does, so that
    // nobody learns which imports exist outside their scope.
    let visible = crate::spend::visible_imports(state, viewer).await?;
    if !visible.iter().any(|i| i.id.get() == id) {
        return Err(Failure::App(super::no_import(id)));
    }
    let actor = viewer.actor()?;
    blocking(state, move |s| {
        s.undo_spend_import(ImportId::new(id), &actor)
    })
    .await
}
