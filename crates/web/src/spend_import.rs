//! Importing a payment file in the web app: upload, preview with the
//! detected mapping (which the analyst may change), confirm, and follow the
//! import's progress. The import runs on a blocking thread, so the server
//! keeps answering; pages refresh themselves while it runs (no JavaScript).

use crate::auth::Viewer;
use crate::error::AppError;
use crate::pages::render;
use crate::AppState;
use axum::extract::{Multipart, Path, State};
use axum::http::Uri;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Form, Json};
use lumbung_domain::{FiscalYear, Resource, Scope};
use lumbung_spend::read::{Field, Locale};
use lumbung_store::{OrgRef, SpendFile, SpendImportSummary, StoreError};
use minijinja::context;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// Files wait here between upload and confirmation (in memory: an upload
/// not confirmed before a restart is simply uploaded again).
#[derive(Default, Clone)]
pub struct Uploads {
    files: Arc<Mutex<BTreeMap<String, Upload>>>,
    /// Each job with the user who started it (only they follow it).
    jobs: Arc<Mutex<BTreeMap<String, (i64, Job)>>>,
}

#[derive(Clone)]
struct Upload {
    owner: i64,
    /// The uploader's scope: anchors are named among those it covers and
    /// new ones are placed inside it.
    reach: Scope,
    name: String,
    bytes: Arc<Vec<u8>>,
    anchor: String,
    /// The anchor by id (wins over `anchor`).
    anchor_id: Option<i64>,
    year: String,
    locale: String,
}

#[derive(Clone, serde::Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Job {
    Running {
        file: String,
    },
    Done {
        file: String,
        summary: SpendImportSummary,
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

/// Uploads keep at most this many files in memory at once.
const MAX_WAITING: usize = 32;
/// The largest file the web app takes (the CLI takes any size).
pub const MAX_UPLOAD_BYTES: usize = 256 * 1024 * 1024;

pub async fn form(
    Extension(viewer): Extension<Viewer>,
    uri: Uri,
) -> Result<Html<String>, AppError> {
    render(&viewer, &uri, "spend_import.html", context! {})
}

/// Receives the file (multipart; the CSRF token comes in the query string,
/// which the guard reads for multipart forms).
pub async fn upload(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    let user = viewer.require()?.id;
    let mut upload = Upload {
        owner: user,
        reach: viewer.scope(),
        name: String::new(),
        bytes: Arc::new(Vec::new()),
        anchor: String::new(),
        anchor_id: None,
        year: String::new(),
        locale: "en".into(),
    };
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| AppError::BadRequest(e.body_text()))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "file" => {
                upload.name = field.file_name().unwrap_or("upload.csv").to_owned();
                upload.bytes = Arc::new(
                    field
                        .bytes()
                        .await
                        .map_err(|e| AppError::BadRequest(e.body_text()))?
                        .to_vec(),
                );
            }
            "anchor" | "anchor_id" | "year" | "locale" => {
                let text = field
                    .text()
                    .await
                    .map_err(|e| AppError::BadRequest(e.body_text()))?;
                match name.as_str() {
                    "anchor" => upload.anchor = text.trim().to_owned(),
                    "anchor_id" => upload.anchor_id = anchor_id(Some(&text))?,
                    "year" => upload.year = text.trim().to_owned(),
                    _ => upload.locale = text.trim().to_owned(),
                }
            }
            _ => {}
        }
    }
    if upload.bytes.is_empty() {
        return Err(AppError::Invalid {
            field: "file".into(),
            message: "choose a file to upload".into(),
        });
    }
    let id = token();
    let mut files = state.uploads.files.lock().expect("uploads lock");
    while files.len() >= MAX_WAITING {
        let oldest = files.keys().next().cloned().expect("not empty");
        files.remove(&oldest);
    }
    files.insert(id.clone(), upload);
    Ok(Redirect::to(&format!("/spend/import/{id}")).into_response())
}

fn waiting(state: &AppState, viewer: &Viewer, id: &str) -> Result<Upload, AppError> {
    let me = viewer.require()?.id;
    let files = state.uploads.files.lock().expect("uploads lock");
    match files.get(id) {
        Some(u) if u.owner == me => Ok(u.clone()),
        _ => Err(AppError::NotFound(format!("upload {id}"))),
    }
}

fn spend_file<'a>(
    u: &'a Upload,
    mapping: Option<BTreeMap<Field, String>>,
) -> Result<SpendFile<'a>, AppError> {
    let year = Some(u.year.as_str())
        .filter(|y| !y.is_empty())
        .map(FiscalYear::parse)
        .transpose()
        .map_err(|e| AppError::Invalid {
            field: "year".into(),
            message: e.to_string(),
        })?;
    let anchor = match u.anchor_id {
        Some(id) => Some(OrgRef::Id(id)),
        None => Some(u.anchor.as_str())
            .filter(|a| !a.is_empty())
            .map(|a| OrgRef::Name(a.to_owned())),
    };
    Ok(SpendFile {
        name: &u.name,
        bytes: &u.bytes,
        anchor,
        year,
        locale: if u.locale == "id" {
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
fn anchor_id(raw: Option<&str>) -> Result<Option<i64>, AppError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(raw) => raw.parse().map(Some).map_err(|_| AppError::Invalid {
            field: "anchor_id".into(),
            message: format!("{raw:?} is not an organisation id (a whole number)"),
        }),
    }
}

/// The mapping fields of the confirmation form: `map_<field>` = header.
fn mapping_of(form: &BTreeMap<String, String>) -> Option<BTreeMap<Field, String>> {
    let mapping: BTreeMap<Field, String> = Field::ALL
        .iter()
        .filter_map(|f| {
            let v = form.get(&format!("map_{}", f.name()))?.trim();
            (!v.is_empty()).then(|| (*f, v.to_owned()))
        })
        .collect();
    (!mapping.is_empty()).then_some(mapping)
}

pub async fn preview(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    uri: Uri,
    Path(id): Path<String>,
) -> Result<Html<String>, AppError> {
    let upload = waiting(&state, &viewer, &id)?;
    let u = upload.clone();
    let ledger = state
        .blocking(move |s| {
            let file =
                spend_file(&u, None).map_err(|e| StoreError::invalid("year", e.to_string()))?;
            match s.read_spend_file(&file) {
                Ok(l) => Ok(Ok(l)),
                Err(StoreError::Rejected(r)) => Ok(Err(r)),
                Err(e) => Err(e),
            }
        })
        .await?;
    let (mapping, rows, errors, notes, problem) = match ledger {
        Ok(l) => {
            let rows: Vec<_> = l
                .rows
                .iter()
                .take(20)
                .map(|r| {
                    context! {
                        line => r.line,
                        date => r.date.map(|d| d.to_string()),
                        supplier => r.supplier_name,
                        postcode => r.postcode,
                        amount => r.amount,
                        flags => r.flags.join("; "),
                    }
                })
                .collect();
            let errors: Vec<_> = l
                .errors
                .iter()
                .take(50)
                .map(|e| format!("{}: {}", e.line, e.message))
                .collect();
            (l.mapping, rows, errors, l.notes, None)
        }
        Err(rejected) => (
            BTreeMap::new(),
            vec![],
            vec![],
            vec![],
            Some(rejected.to_string()),
        ),
    };
    let fields: Vec<_> = Field::ALL
        .iter()
        .map(|f| context! { key => f.name(), header => mapping.get(f) })
        .collect();
    render(
        &viewer,
        &uri,
        "spend_preview.html",
        context! {
            id => id, file => upload.name, anchor => upload.anchor, year => upload.year,
            fields => fields, rows => rows, errors => errors, notes => notes, problem => problem,
        },
    )
}

pub async fn confirm(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Form(form): Form<BTreeMap<String, String>>,
) -> Result<Response, AppError> {
    let upload = waiting(&state, &viewer, &id)?;
    let actor = viewer.actor()?;
    let mapping = mapping_of(&form);
    spend_file(&upload, mapping.clone())?;
    state
        .uploads
        .files
        .lock()
        .expect("uploads lock")
        .remove(&id);
    let job = token();
    state.uploads.jobs.lock().expect("jobs lock").insert(
        job.clone(),
        (
            upload.owner,
            Job::Running {
                file: upload.name.clone(),
            },
        ),
    );
    let (store, jobs) = (state.store.clone(), state.uploads.jobs.clone());
    let job_id = job.clone();
    tokio::task::spawn_blocking(move || {
        let outcome = spend_file(&upload, mapping)
            .map_err(|e| e.to_string())
            .and_then(|file| {
                store
                    .import_spend_file(&file, &actor)
                    .map_err(|e| e.to_string())
            });
        let done = match outcome {
            Ok(summary) => Job::Done {
                file: upload.name.clone(),
                summary,
            },
            Err(problems) => Job::Failed {
                file: upload.name.clone(),
                problems,
            },
        };
        jobs.lock()
            .expect("jobs lock")
            .insert(job_id, (upload.owner, done));
    });
    Ok(Redirect::to(&format!("/spend/jobs/{job}")).into_response())
}

/// A job the viewer started; anyone else's is not found.
fn job(state: &AppState, viewer: &Viewer, id: &str) -> Result<Job, AppError> {
    let me = viewer.require()?.id;
    match state.uploads.jobs.lock().expect("jobs lock").get(id) {
        Some((owner, job)) if *owner == me => Ok(job.clone()),
        _ => Err(AppError::NotFound(format!("import job {id}"))),
    }
}

pub async fn job_page(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    uri: Uri,
    Path(id): Path<String>,
) -> Result<Html<String>, AppError> {
    let job = job(&state, &viewer, &id)?;
    render(&viewer, &uri, "spend_job.html", context! { job => job })
}

pub async fn api_job(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
) -> Result<Json<Job>, AppError> {
    Ok(Json(job(&state, &viewer, &id)?))
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
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    axum::extract::Query(q): axum::extract::Query<ApiImport>,
    body: axum::body::Bytes,
) -> Result<Json<SpendImportSummary>, AppError> {
    let user = viewer.require()?;
    if !user.role.can_write(Resource::Spend) {
        return Err(AppError::Forbidden);
    }
    let upload = Upload {
        owner: user.id,
        reach: viewer.scope(),
        name: q.file_name.unwrap_or_else(|| "upload.csv".into()),
        bytes: Arc::new(body.to_vec()),
        anchor: q.anchor.unwrap_or_default(),
        anchor_id: anchor_id(q.anchor_id.as_deref())?,
        year: q.year.unwrap_or_default(),
        locale: q.locale.unwrap_or_else(|| "en".into()),
    };
    spend_file(&upload, None)?;
    let actor = viewer.actor()?;
    let summary = state
        .blocking(move |s| {
            let file = spend_file(&upload, None)
                .map_err(|e| StoreError::invalid("year", e.to_string()))?;
            s.import_spend_file(&file, &actor)
        })
        .await?;
    Ok(Json(summary))
}
