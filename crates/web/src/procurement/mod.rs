//! Bringing spend back (`lumbung_procurement`): the local business base,
//! public contracts, opportunities, open tenders and the outbox. Analysts
//! write; auditors read; the public sees counts per area and form.

mod assessments;
mod business;
mod contracts;
mod evaluations;
mod lm3;
pub mod routes;
mod tenders;
mod whatif;

use crate::error::AppError;
use crate::AppState;
use lumbung_domain::{text, Scope};
use std::collections::{BTreeMap, HashSet};

/// Problems of a form or a search, by field, in the page's language; the
/// page shows them beside what was typed.
type FormErrors = BTreeMap<&'static str, String>;

/// The text typed, or none when blank.
fn typed(raw: &str) -> Option<String> {
    Some(raw.trim().to_owned()).filter(|s| !s.is_empty())
}

/// The anchors (organisation ids) whose spend the viewer may see; `None`:
/// all of them.
async fn anchors_seen(state: &AppState, scope: Scope) -> Result<Option<HashSet<u32>>, AppError> {
    let anchors = state.blocking(move |s| s.spend_anchors_in(&scope)).await?;
    Ok(anchors.map(|ids| ids.into_iter().map(|a| a.get() as u32).collect()))
}

/// An id in an address that names nothing (or nothing the viewer may see).
fn not_found(what: &'static str, id: &str) -> AppError {
    AppError::not_found(text!("procurement_not_found", what = what, id = id;
        id: "{what} {id}", en: "{what} {id}"))
}
