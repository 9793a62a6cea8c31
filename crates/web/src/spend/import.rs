//! Importing a payment file in the web app: upload, preview with the
//! detected mapping (which the analyst may change), confirm, and follow the
//! import's progress. The import runs on a blocking thread, so the server
//! keeps answering; while it runs its page says so, with a link to reload
//! it (no JavaScript, and no page that reloads itself under a reader).
//! Uploads and jobs are kept in the database (`lumbung_store::work`): any
//! server of it previews, confirms and follows them.

use crate::auth::Ctx;
use crate::auth::Viewer;
use crate::edge::{invalid, redirect};
use crate::error::AppError;
use crate::render::render;
use crate::AppState;
use axum::extract::{Multipart, Path};
use axum::http::Uri;
use axum::response::{Html, Response};
use axum::{Extension, Form, Json};
use lumbung_domain::{text, FiscalYear, Resource, Scope, UserId};
use lumbung_spend::read::{Field, Locale};
use lumbung_store::{
    JobOutcome, JobState, OrgRef, SpendFile, SpendImportSummary, StoreError, UploadMeta,
};
use minijinja::context;
use std::collections::BTreeMap;
use tokio::io::AsyncWriteExt;

/// What an upload says besides its bytes, with the uploader's scope as
/// it is now: anchors are named among those it covers and new ones are
/// placed inside it.
#[derive(Clone)]
struct Meta {
    upload: UploadMeta,
    reach: Scope,
}

impl Meta {
    fn of(upload: UploadMeta, viewer: &Viewer) -> Meta {
        Meta {
            upload,
            reach: viewer.scope(),
        }
    }
}

/// An import and how it went, as its page and the API show it.
#[derive(Clone, serde::Serialize, schemars::JsonSchema)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Job {
    Running {
        file: String,
    },
    Done {
        file: String,
        /// The import's summary as it was answered when it finished.
        #[schemars(with = "SpendImportSummary")]
        summary: serde_json::Value,
    },
    Failed {
        file: String,
        problems: String,
    },
}

fn token() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The largest file the web app takes (the CLI takes any size).
pub const MAX_UPLOAD_BYTES: usize = 256 * 1024 * 1024;

pub async fn form(
    Extension(viewer): Extension<Viewer>,
    uri: Uri,
) -> Result<Html<String>, AppError> {
    render(&viewer, &uri, "spend_import.html", context! {})
}

/// Receives the file (multipart; the CSRF token comes as the first part or
/// the `X-CSRF-Token` header, which the guard reads, see [`crate::csrf`])
/// and spools it to a temporary file as it arrives.
pub async fn upload(
    Ctx { state, viewer, .. }: Ctx,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    let user = viewer.require()?.id.get();
    let mut meta = Meta::of(
        UploadMeta {
            owner: UserId::new(user),
            file_name: String::new(),
            anchor: String::new(),
            anchor_id: None,
            year: String::new(),
            locale: "en".into(),
        },
        &viewer,
    );
    let mut spooled: Option<(tempfile::TempPath, usize)> = None;
    let bad = AppError::unreadable_upload;
    while let Some(mut field) = multipart.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "file" => {
                meta.upload.file_name = field.file_name().unwrap_or("upload.csv").to_owned();
                let spool_error =
                    |e: std::io::Error| AppError::Internal(format!("spooling an upload: {e}"));
                let (file, path) = tempfile::NamedTempFile::new()
                    .map_err(spool_error)?
                    .into_parts();
                let mut out = tokio::fs::File::from_std(file);
                let mut size = 0usize;
                while let Some(chunk) = field.chunk().await.map_err(bad)? {
                    size += chunk.len();
                    if size > MAX_UPLOAD_BYTES {
                        return Err(AppError::Invalid {
                            field: "file".into(),
                            message: text!("upload_too_large", file = meta.upload.file_name, mb = MAX_UPLOAD_BYTES >> 20;
                                id: "{file}: lebih besar dari {mb} MB",
                                en: "{file}: larger than {mb} MB"),
                        });
                    }
                    out.write_all(&chunk).await.map_err(spool_error)?;
                }
                out.flush().await.map_err(spool_error)?;
                spooled = Some((path, size));
            }
            "anchor" | "anchor_id" | "year" | "locale" => {
                let text = field.text().await.map_err(bad)?;
                match name.as_str() {
                    "anchor" => meta.upload.anchor = text.trim().to_owned(),
                    "anchor_id" => meta.upload.anchor_id = anchor_id(Some(&text))?,
                    "year" => meta.upload.year = text.trim().to_owned(),
                    _ => meta.upload.locale = text.trim().to_owned(),
                }
            }
            _ => {}
        }
    }
    let Some((file, size)) = spooled.filter(|(_, size)| *size > 0) else {
        return Err(invalid(
            "file",
            text!("choose_a_file"; id: "pilih berkas untuk diunggah", en: "choose a file to upload"),
        ));
    };
    tracing::debug!(file = %meta.upload.file_name, size, "upload spooled");
    let id = token();
    let token = id.clone();
    let owner = UserId::new(user);
    state
        .blocking(move |s| {
            let bytes = std::fs::read(&file).map_err(|e| {
                StoreError::invalid(
                    "file",
                    text!("upload_unreadable", file = meta.upload.file_name, error = e;
                        id: "{file}: unggahan tidak dapat dibaca: {error}",
                        en: "{file}: cannot read the upload: {error}"),
                )
            })?;
            s.put_upload(&token, &meta.upload, &bytes, |waiting, now| {
                lumbung_domain::work::uploads_to_forget(waiting, owner, now)
            })
        })
        .await?;
    Ok(redirect(&format!("/spend/import/{id}")))
}

/// The viewer's upload `id`; anyone else's is not found.
async fn waiting(state: &AppState, viewer: &Viewer, id: &str) -> Result<Meta, AppError> {
    let me = viewer.require()?.id;
    let token = id.to_owned();
    match state.blocking(move |s| s.upload(&token, me)).await? {
        Some((upload, _)) => Ok(Meta::of(upload, viewer)),
        None => Err(no_upload(id)),
    }
}

fn no_upload(id: &str) -> AppError {
    AppError::not_found(no_upload_text(id))
}

fn no_upload_text(id: &str) -> lumbung_domain::Text {
    text!("no_upload", upload = id;
        id: "unggahan {upload}",
        en: "upload {upload}")
}

fn spend_file<'a>(
    u: &'a Meta,
    bytes: &'a [u8],
    mapping: Option<BTreeMap<Field, String>>,
) -> Result<SpendFile<'a>, AppError> {
    let year = super::parsed(&Some(u.upload.year.clone()), "year", FiscalYear::parse)?;
    let anchor = match u.upload.anchor_id {
        Some(id) => Some(OrgRef::Id(id)),
        None => Some(u.upload.anchor.as_str())
            .filter(|a| !a.is_empty())
            .map(|a| OrgRef::Name(a.to_owned())),
    };
    Ok(SpendFile {
        name: &u.upload.file_name,
        bytes,
        anchor,
        year,
        period: None,
        skip_bad_rows: false,
        locale: if u.upload.locale == "id" {
            Locale::Id
        } else {
            Locale::En
        },
        sheet: None,
        mapping,
        reach: u.reach.clone(),
    })
}

/// An `anchor_id` given (blank is none), parsed at the edge.
fn anchor_id(raw: Option<&str>) -> Result<Option<lumbung_domain::OrgId>, AppError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(raw) => raw.parse().map(Some).map_err(|_| AppError::Invalid {
            field: "anchor_id".into(),
            message: text!("not_an_org_id", value = format!("{raw:?}");
                id: "{value} bukan id organisasi (bilangan bulat)",
                en: "{value} is not an organisation id (a whole number)"),
        }),
    }
}

/// The confirmation form: for each field, the header it reads
/// (`map_<field>`; empty: as detected).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ConfirmForm {
    map_anchor: String,
    map_fiscal_year: String,
    map_payment_date: String,
    map_supplier_id: String,
    map_supplier_name: String,
    map_postcode: String,
    map_sic: String,
    map_sme: String,
    map_contract_type: String,
    map_amount: String,
    map_transaction: String,
    map_description: String,
    map_payment_id: String,
}

impl ConfirmForm {
    /// The mapping the analyst chose, if any.
    fn mapping(&self) -> Option<BTreeMap<Field, String>> {
        let chosen = [
            (Field::Anchor, &self.map_anchor),
            (Field::FiscalYear, &self.map_fiscal_year),
            (Field::PaymentDate, &self.map_payment_date),
            (Field::SupplierId, &self.map_supplier_id),
            (Field::SupplierName, &self.map_supplier_name),
            (Field::Postcode, &self.map_postcode),
            (Field::Sic, &self.map_sic),
            (Field::Sme, &self.map_sme),
            (Field::ContractType, &self.map_contract_type),
            (Field::Amount, &self.map_amount),
            (Field::Transaction, &self.map_transaction),
            (Field::Description, &self.map_description),
            (Field::PaymentId, &self.map_payment_id),
        ];
        let mapping: BTreeMap<Field, String> = chosen
            .into_iter()
            .map(|(f, header)| (f, header.trim()))
            .filter(|(_, header)| !header.is_empty())
            .map(|(f, header)| (f, header.to_owned()))
            .collect();
        (!mapping.is_empty()).then_some(mapping)
    }
}

/// The rows and the errors a preview shows, the first of each.
const PREVIEW_ROWS: usize = 20;
const PREVIEW_ERRORS: usize = 50;

pub async fn preview(
    Ctx { state, viewer, uri }: Ctx,
    Path(id): Path<String>,
) -> Result<Html<String>, AppError> {
    let upload = waiting(&state, &viewer, &id).await?;
    let u = upload.clone();
    let token = id.clone();
    let ledger = state
        .blocking_long(move |s| {
            let bytes = s
                .upload_bytes(&token, u.upload.owner)?
                .ok_or_else(|| StoreError::not_found(no_upload_text(&token)))?;
            let file = spend_file(&u, &bytes, None)
                .map_err(|e| StoreError::invalid("year", crate::error::refused_text(e)))?;
            match s.read_spend_file(&file) {
                // Only what the preview shows leaves this thread (the
                // rest of a file of millions of rows is freed here).
                Ok(mut l) => {
                    l.rows.truncate(PREVIEW_ROWS);
                    l.errors.truncate(PREVIEW_ERRORS);
                    Ok(Ok(l))
                }
                Err(StoreError::Rejected(r)) => Ok(Err(r)),
                Err(e) => Err(e),
            }
        })
        .await?;
    let lang: lumbung_domain::Language = viewer.lang.into();
    let indonesian = lang == lumbung_domain::Language::Indonesian;
    let (mapping, headers, rows, errors, notes, problem) = match ledger {
        Ok(l) => {
            let rows: Vec<_> = l
                .rows
                .iter()
                .map(|r| {
                    context! {
                        line => r.line,
                        date => r.date.map(|d| d.to_string()),
                        supplier => r.supplier_name,
                        postcode => r.postcode,
                        amount => r.amount,
                        flags => lumbung_spend::words::flags(&r.flags.join("; "), indonesian),
                    }
                })
                .collect();
            let errors: Vec<_> = l
                .errors
                .iter()
                .map(|e| format!("{}: {}", e.line, e.message.get(lang)))
                .collect();
            let notes: Vec<_> = l.notes.iter().map(|n| n.get(lang).to_owned()).collect();
            (l.mapping, l.headers, rows, errors, notes, None)
        }
        Err(rejected) => (
            BTreeMap::new(),
            vec![],
            vec![],
            vec![],
            vec![],
            Some(rejected.in_language(lang)),
        ),
    };
    let fields: Vec<_> = Field::ALL
        .iter()
        .map(|f| context! { key => f.name(), header => mapping.get(f) })
        .collect();
    let cur = crate::spend::currency(&state).await?.map(|c| c.code());
    render(
        &viewer,
        &uri,
        "spend_preview.html",
        context! {
            id => id, file => upload.upload.file_name, anchor => upload.upload.anchor, year => upload.upload.year,
            fields => fields, headers => headers, rows => rows, errors => errors, notes => notes, problem => problem,
            cur => cur,
        },
    )
}

pub async fn confirm(
    Ctx { state, viewer, .. }: Ctx,
    Path(id): Path<String>,
    Form(form): Form<ConfirmForm>,
) -> Result<Response, AppError> {
    let upload = waiting(&state, &viewer, &id).await?;
    let actor = viewer.actor()?;
    let mapping = form.mapping();
    spend_file(&upload, &[], mapping.clone())?;
    // The import's turn of long work, taken before its job starts: when
    // none comes, nothing has started and the analyst is told to retry.
    let turn = state.long_work.admit().await?;
    let job = token();
    let (token, job_id, owner) = (id.clone(), job.clone(), upload.upload.owner);
    let bytes = state
        .blocking(move |s| {
            s.start_job(&token, owner, &job_id, lumbung_domain::work::jobs_to_forget)
        })
        .await?
        .ok_or_else(|| no_upload(&id))?;
    // The import runs in the background, through the store's gate like
    // every other store call; any server of the database shows its page.
    let background = state.clone();
    let job_id = job.clone();
    tokio::spawn(async move {
        let outcome = background
            .run(move |store| {
                let _turn = turn;
                let file = spend_file(&upload, &bytes, mapping).map_err(|e| e.to_string())?;
                store
                    .import_spend_file(&file, &actor)
                    .map_err(|e| e.to_string())
            })
            .await
            .unwrap_or_else(|e| Err(e.to_string()));
        let outcome = match outcome {
            Ok(summary) => JobOutcome::Done {
                summary: serde_json::to_string(&summary).expect("summaries serialise"),
                notes_id: serde_json::to_string(
                    &summary
                        .notes
                        .iter()
                        .map(|n| n.get(lumbung_domain::Language::Indonesian))
                        .collect::<Vec<_>>(),
                )
                .expect("strings serialise"),
            },
            Err(problems) => JobOutcome::Failed { problems },
        };
        let recorded = background
            .blocking(move |s| s.finish_job(&job_id, &outcome))
            .await;
        if let Err(e) = recorded {
            tracing::error!(error = ?e, "an import's outcome could not be recorded");
        }
    });
    Ok(redirect(&format!("/spend/jobs/{job}")))
}

/// A job the viewer started, with its notes in Indonesian when it is
/// done; anyone else's is not found.
async fn job(state: &AppState, viewer: &Viewer, id: &str) -> Result<(Job, Vec<String>), AppError> {
    let me = viewer.require()?.id;
    let token = id.to_owned();
    let Some(record) = state.blocking(move |s| s.job(&token, me)).await? else {
        return Err(AppError::not_found(text!("no_import_job", job = id;
            id: "pekerjaan impor {job}",
            en: "import job {job}")));
    };
    let file = record.file_name;
    let stored = |text: Option<String>| -> Result<serde_json::Value, AppError> {
        serde_json::from_str(text.as_deref().unwrap_or("null"))
            .map_err(|e| AppError::Internal(format!("import job {id}: {e}")))
    };
    Ok(match record.state {
        JobState::Running => (Job::Running { file }, vec![]),
        JobState::Failed => (
            Job::Failed {
                file,
                problems: record.problems.unwrap_or_default(),
            },
            vec![],
        ),
        JobState::Done => {
            let notes_id = serde_json::from_value(stored(record.notes_id)?).unwrap_or_default();
            (
                Job::Done {
                    file,
                    summary: stored(record.summary)?,
                },
                notes_id,
            )
        }
    })
}

pub async fn job_page(
    Ctx { state, viewer, uri }: Ctx,
    Path(id): Path<String>,
) -> Result<Html<String>, AppError> {
    let (job, notes_id) = job(&state, &viewer, &id).await?;
    let cur = crate::spend::currency(&state).await?.map(|c| c.code());
    let notes: Vec<serde_json::Value> = match (&job, viewer.lang.into()) {
        (Job::Done { .. }, lumbung_domain::Language::Indonesian) => notes_id
            .into_iter()
            .map(serde_json::Value::String)
            .collect(),
        (Job::Done { summary, .. }, _) => summary["notes"].as_array().cloned().unwrap_or_default(),
        _ => Vec::new(),
    };
    render(
        &viewer,
        &uri,
        "spend_job.html",
        context! { job => job, cur => cur, notes => notes },
    )
}

pub async fn api_job(
    Ctx { state, viewer, .. }: Ctx,
    Path(id): Path<String>,
) -> Result<Json<Job>, AppError> {
    Ok(Json(job(&state, &viewer, &id).await?.0))
}

/// `POST /api/v1/spend/imports?file_name=…&anchor=…&year=…&locale=…` with
/// the file as the body: imports it on a blocking thread and answers with
/// the summary, or 400 with every problem. `anchor` is a name, looked for
/// among the anchors inside the caller's scope (created there when new);
/// `anchor_id` names one by id instead.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ApiImport {
    file_name: Option<String>,
    anchor: Option<String>,
    anchor_id: Option<String>,
    year: Option<String>,
    locale: Option<String>,
}

pub async fn api_import(
    Ctx { state, viewer, .. }: Ctx,
    axum::extract::Query(q): axum::extract::Query<ApiImport>,
    body: axum::body::Bytes,
) -> Result<Json<SpendImportSummary>, AppError> {
    let user = viewer.require()?;
    if !user.role.can_write(Resource::Spend) {
        return Err(AppError::Forbidden);
    }
    let meta = Meta::of(
        UploadMeta {
            owner: user.id,
            file_name: q.file_name.unwrap_or_else(|| "upload.csv".into()),
            anchor: q.anchor.unwrap_or_default(),
            anchor_id: anchor_id(q.anchor_id.as_deref())?,
            year: q.year.unwrap_or_default(),
            locale: q.locale.unwrap_or_else(|| "en".into()),
        },
        &viewer,
    );
    spend_file(&meta, &[], None)?;
    let actor = viewer.actor()?;
    let summary = state
        .blocking_long(move |s| {
            let file = spend_file(&meta, &body, None)
                .map_err(|e| StoreError::invalid("year", crate::error::refused_text(e)))?;
            s.import_spend_file(&file, &actor)
        })
        .await?;
    Ok(Json(summary))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_confirmation_form_reads_every_field_s_header() {
        for field in Field::ALL {
            let form: ConfirmForm =
                serde_urlencoded::from_str(&format!("map_{}=+Col+&csrf=x", field.name())).unwrap();
            let chosen = BTreeMap::from([(field, "Col".to_owned())]);
            assert_eq!(form.mapping(), Some(chosen), "{}", field.name());
        }
        let blank: ConfirmForm = serde_urlencoded::from_str("map_amount=&csrf=x").unwrap();
        assert_eq!(blank.mapping(), None);
    }
}
