//! Bringing spend back (`lumbung_procurement`): the local business base,
//! public contracts, opportunities, open tenders and the outbox. Analysts
//! write; auditors read; the public sees counts per area and form.

mod assessments;
mod business;
mod charters;
mod contracts;
mod evaluations;
mod lm3;
pub mod routes;
mod surveys;
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

/// A table given in a form: a `file` uploaded, else the `text` pasted
/// (with the file's name, or `default_name`), and the form's other fields.
struct TableUpload {
    name: String,
    /// The file's bytes, else the pasted text's; empty when neither.
    bytes: Vec<u8>,
    /// Which field the table came in (`file` or `text`): where a problem
    /// is shown.
    field: &'static str,
    /// Every text field, `text` included.
    fields: BTreeMap<String, String>,
}

async fn table_upload(
    mut multipart: axum::extract::Multipart,
    default_name: &str,
) -> Result<TableUpload, AppError> {
    let (mut name, mut bytes, mut fields) = (default_name.to_owned(), Vec::new(), BTreeMap::new());
    while let Some(part) = multipart
        .next_field()
        .await
        .map_err(AppError::unreadable_upload)?
    {
        let key = part.name().unwrap_or_default().to_owned();
        if key == "file" {
            if let Some(n) = part.file_name().filter(|n| !n.is_empty()) {
                name = n.to_owned();
            }
            let b = part.bytes().await.map_err(AppError::unreadable_upload)?;
            if !b.is_empty() {
                bytes = b.to_vec();
            }
        } else {
            let text = part.text().await.map_err(AppError::unreadable_upload)?;
            fields.insert(key, text);
        }
    }
    let field = if bytes.is_empty() { "text" } else { "file" };
    if bytes.is_empty() {
        bytes = fields.get("text").cloned().unwrap_or_default().into_bytes();
    }
    Ok(TableUpload {
        name,
        bytes,
        field,
        fields,
    })
}
