//! Importing a payment file in the web app: upload, preview with the
//! detected mapping (which the analyst may change), confirm, and follow the
//! import's progress. The import runs on a blocking thread, so the server
//! keeps answering; while it runs its page says so, with a link to reload
//! it (no JavaScript, and no page that reloads itself under a reader).

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
use lumbung_domain::{text, FiscalYear, Resource, Scope};
use lumbung_spend::read::{Field, Locale};
use lumbung_store::{OrgRef, SpendFile, SpendImportSummary, StoreError};
use minijinja::context;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tempfile::TempPath;
use tokio::io::AsyncWriteExt;

/// Files wait here between upload and confirmation: spooled to temporary
/// files (deleted when the upload is confirmed, replaced or forgotten; an
/// upload not confirmed before a restart is simply uploaded again), listed
/// in memory with their owner.
#[derive(Default, Clone)]
pub struct Uploads {
    files: Arc<Mutex<Waiting>>,
    /// Each job with the user who started it (only they follow it).
    jobs: Arc<Mutex<Jobs>>,
}

/// What an upload says besides its bytes.
#[derive(Clone)]
struct Meta {
    owner: i64,
    /// The uploader's scope: anchors are named among those it covers and
    /// new ones are placed inside it.
    reach: Scope,
    name: String,
    anchor: String,
    /// The anchor by id (wins over `anchor`).
    anchor_id: Option<i64>,
    year: String,
    locale: String,
}

#[derive(Clone)]
struct Upload {
    meta: Meta,
    /// The spooled file; deleted when the last holder lets go.
    file: Arc<TempPath>,
    /// Order of arrival: the oldest goes first.
    seq: u64,
    at: Instant,
}

impl Upload {
    fn bytes(&self) -> Result<Vec<u8>, StoreError> {
        std::fs::read(&**self.file).map_err(|e| {
            StoreError::invalid(
                "file",
                text!("upload_unreadable", file = self.meta.name, error = e;
                    id: "{file}: unggahan tidak dapat dibaca: {error}",
                    en: "{file}: cannot read the upload: {error}"),
            )
        })
    }
}

#[derive(Default)]
struct Waiting {
    files: HashMap<String, Upload>,
    next: u64,
}

impl Waiting {
    /// Keeps the upload, first forgetting expired ones, then the owner's
    /// oldest beyond [`PER_USER`], then the oldest of all beyond
    /// [`MAX_WAITING`].
    fn put(&mut self, id: String, mut upload: Upload, now: Instant) {
        self.files
            .retain(|_, u| now.duration_since(u.at) < UPLOAD_TTL);
        let owner = upload.meta.owner;
        self.evict_oldest(PER_USER, |u| u.meta.owner == owner);
        self.evict_oldest(MAX_WAITING, |_| true);
        upload.seq = self.next;
        self.next += 1;
        self.files.insert(id, upload);
    }

    /// Removes the oldest uploads that `which` selects until fewer than
    /// `keep` remain.
    fn evict_oldest(&mut self, keep: usize, which: impl Fn(&Upload) -> bool) {
        loop {
            let mine: Vec<(&String, u64)> = self
                .files
                .iter()
                .filter(|(_, u)| which(u))
                .map(|(id, u)| (id, u.seq))
                .collect();
            if mine.len() < keep {
                return;
            }
            let oldest = mine
                .into_iter()
                .min_by_key(|(_, seq)| *seq)
                .map(|(id, _)| id.clone())
                .expect("not empty");
            self.files.remove(&oldest);
        }
    }
}

struct JobEntry {
    owner: i64,
    job: Job,
    /// When it finished; running jobs are never pruned.
    finished: Option<Instant>,
}

#[derive(Default)]
struct Jobs(HashMap<String, JobEntry>);

impl Jobs {
    fn start(&mut self, id: String, owner: i64, file: String, now: Instant) {
        self.prune(now);
        self.0.insert(
            id,
            JobEntry {
                owner,
                job: Job::Running { file },
                finished: None,
            },
        );
    }

    fn finish(&mut self, id: &str, job: Job, now: Instant) {
        if let Some(entry) = self.0.get_mut(id) {
            entry.job = job;
            entry.finished = Some(now);
        }
        self.prune(now);
    }

    /// Forgets finished jobs after [`JOB_TTL`], and the oldest finished
    /// beyond [`MAX_FINISHED`].
    fn prune(&mut self, now: Instant) {
        self.0
            .retain(|_, e| e.finished.is_none_or(|at| now.duration_since(at) < JOB_TTL));
        let mut finished: Vec<(Instant, String)> = self
            .0
            .iter()
            .filter_map(|(id, e)| e.finished.map(|at| (at, id.clone())))
            .collect();
        if finished.len() > MAX_FINISHED {
            finished.sort();
            for (_, id) in &finished[..finished.len() - MAX_FINISHED] {
                self.0.remove(id);
            }
        }
    }
}

#[derive(Clone, serde::Serialize, schemars::JsonSchema)]
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

/// Uploads waiting for confirmation, in all and per user.
const MAX_WAITING: usize = 32;
const PER_USER: usize = 4;
/// An upload not confirmed within this time is forgotten.
const UPLOAD_TTL: Duration = Duration::from_secs(60 * 60);
/// A finished job can be followed for this long, and only the latest
/// [`MAX_FINISHED`] finished jobs are kept.
const JOB_TTL: Duration = Duration::from_secs(60 * 60);
const MAX_FINISHED: usize = 256;
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
    let mut meta = Meta {
        owner: user,
        reach: viewer.scope(),
        name: String::new(),
        anchor: String::new(),
        anchor_id: None,
        year: String::new(),
        locale: "en".into(),
    };
    let mut spooled: Option<(TempPath, usize)> = None;
    let bad = AppError::unreadable_upload;
    while let Some(mut field) = multipart.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "file" => {
                meta.name = field.file_name().unwrap_or("upload.csv").to_owned();
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
                            message: text!("upload_too_large", file = meta.name, mb = MAX_UPLOAD_BYTES >> 20;
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
                    "anchor" => meta.anchor = text.trim().to_owned(),
                    "anchor_id" => meta.anchor_id = anchor_id(Some(&text))?,
                    "year" => meta.year = text.trim().to_owned(),
                    _ => meta.locale = text.trim().to_owned(),
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
    tracing::debug!(file = %meta.name, size, "upload spooled");
    let id = token();
    let upload = Upload {
        meta,
        file: Arc::new(file),
        seq: 0,
        at: Instant::now(),
    };
    state
        .uploads
        .files
        .lock()
        .expect("uploads lock")
        .put(id.clone(), upload, Instant::now());
    Ok(redirect(&format!("/spend/import/{id}")))
}

fn waiting(state: &AppState, viewer: &Viewer, id: &str) -> Result<Upload, AppError> {
    let me = viewer.require()?.id.get();
    let files = state.uploads.files.lock().expect("uploads lock");
    match files.files.get(id) {
        Some(u) if u.meta.owner == me => Ok(u.clone()),
        _ => Err(AppError::not_found(text!("no_upload", upload = id;
            id: "unggahan {upload}",
            en: "upload {upload}"))),
    }
}

fn spend_file<'a>(
    u: &'a Meta,
    bytes: &'a [u8],
    mapping: Option<BTreeMap<Field, String>>,
) -> Result<SpendFile<'a>, AppError> {
    let year = super::parsed(&Some(u.year.clone()), "year", FiscalYear::parse)?;
    let anchor = match u.anchor_id {
        Some(id) => Some(OrgRef::Id(id)),
        None => Some(u.anchor.as_str())
            .filter(|a| !a.is_empty())
            .map(|a| OrgRef::Name(a.to_owned())),
    };
    Ok(SpendFile {
        name: &u.name,
        bytes,
        anchor,
        year,
        period: None,
        skip_bad_rows: false,
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

pub async fn preview(
    Ctx { state, viewer, uri }: Ctx,
    Path(id): Path<String>,
) -> Result<Html<String>, AppError> {
    let upload = waiting(&state, &viewer, &id)?;
    let u = upload.clone();
    let ledger = state
        .blocking(move |s| {
            let bytes = u.bytes()?;
            let file = spend_file(&u.meta, &bytes, None)
                .map_err(|e| StoreError::invalid("year", crate::error::refused_text(e)))?;
            match s.read_spend_file(&file) {
                Ok(l) => Ok(Ok(l)),
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
                .take(20)
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
                .take(50)
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
            id => id, file => upload.meta.name, anchor => upload.meta.anchor, year => upload.meta.year,
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
    let upload = waiting(&state, &viewer, &id)?;
    let actor = viewer.actor()?;
    let mapping = form.mapping();
    spend_file(&upload.meta, &[], mapping.clone())?;
    state
        .uploads
        .files
        .lock()
        .expect("uploads lock")
        .files
        .remove(&id);
    let job = token();
    state.uploads.jobs.lock().expect("jobs lock").start(
        job.clone(),
        upload.meta.owner,
        upload.meta.name.clone(),
        Instant::now(),
    );
    let jobs = state.uploads.jobs.clone();
    let job_id = job.clone();
    // The import runs in the background, through the store's gate like
    // every other store call; the page follows its progress.
    let background = state.clone();
    tokio::spawn(async move {
        let file = upload.meta.name.clone();
        let outcome = background
            .run(move |store| {
                let bytes = upload.bytes().map_err(|e| e.to_string())?;
                let file = spend_file(&upload.meta, &bytes, mapping).map_err(|e| e.to_string())?;
                store
                    .import_spend_file(&file, &actor)
                    .map_err(|e| e.to_string())
            })
            .await
            .unwrap_or_else(|e| Err(e.to_string()));
        let done = match outcome {
            Ok(summary) => Job::Done { file, summary },
            Err(problems) => Job::Failed { file, problems },
        };
        jobs.lock()
            .expect("jobs lock")
            .finish(&job_id, done, Instant::now());
    });
    Ok(redirect(&format!("/spend/jobs/{job}")))
}

/// A job the viewer started; anyone else's is not found.
fn job(state: &AppState, viewer: &Viewer, id: &str) -> Result<Job, AppError> {
    let me = viewer.require()?.id.get();
    match state.uploads.jobs.lock().expect("jobs lock").0.get(id) {
        Some(e) if e.owner == me => Ok(e.job.clone()),
        _ => Err(AppError::not_found(text!("no_import_job", job = id;
            id: "pekerjaan impor {job}",
            en: "import job {job}"))),
    }
}

pub async fn job_page(
    Ctx { state, viewer, uri }: Ctx,
    Path(id): Path<String>,
) -> Result<Html<String>, AppError> {
    let job = job(&state, &viewer, &id)?;
    let cur = crate::spend::currency(&state).await?.map(|c| c.code());
    let lang: lumbung_domain::Language = viewer.lang.into();
    let notes: Vec<String> = match &job {
        Job::Done { summary, .. } => summary
            .notes
            .iter()
            .map(|n| n.get(lang).to_owned())
            .collect(),
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
    Ctx { state, viewer, .. }: Ctx,
    axum::extract::Query(q): axum::extract::Query<ApiImport>,
    body: axum::body::Bytes,
) -> Result<Json<SpendImportSummary>, AppError> {
    let user = viewer.require()?;
    if !user.role.can_write(Resource::Spend) {
        return Err(AppError::Forbidden);
    }
    let meta = Meta {
        owner: user.id.get(),
        reach: viewer.scope(),
        name: q.file_name.unwrap_or_else(|| "upload.csv".into()),
        anchor: q.anchor.unwrap_or_default(),
        anchor_id: anchor_id(q.anchor_id.as_deref())?,
        year: q.year.unwrap_or_default(),
        locale: q.locale.unwrap_or_else(|| "en".into()),
    };
    spend_file(&meta, &[], None)?;
    let actor = viewer.actor()?;
    let summary = state
        .blocking(move |s| {
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

    fn upload(owner: i64, at: Instant) -> Upload {
        let (mut file, path) = tempfile::NamedTempFile::new().unwrap().into_parts();
        std::io::Write::write_all(&mut file, b"supplier,amount\nA,1\n").unwrap();
        Upload {
            meta: Meta {
                owner,
                reach: Scope::Global,
                name: "payments.csv".into(),
                anchor: String::new(),
                anchor_id: None,
                year: String::new(),
                locale: "en".into(),
            },
            file: Arc::new(path),
            seq: 0,
            at,
        }
    }

    #[test]
    fn uploads_are_spooled_and_evicted_oldest_first_per_user() {
        let now = Instant::now();
        let mut w = Waiting::default();
        w.put("a0".into(), upload(1, now), now);
        let a0 = w.files["a0"].file.clone();
        assert_eq!(w.files["a0"].bytes().unwrap(), b"supplier,amount\nA,1\n");
        // Another analyst's many uploads push out only their own oldest.
        for i in 0..(PER_USER + 3) {
            w.put(format!("b{i}"), upload(2, now), now);
        }
        assert!(w.files.contains_key("a0"));
        let bs: Vec<_> = (0..PER_USER + 3)
            .filter(|i| w.files.contains_key(&format!("b{i}")))
            .collect();
        assert_eq!(bs, (3..PER_USER + 3).collect::<Vec<_>>());
        // A forgotten upload's file is deleted with its last holder.
        w.files.remove("a0");
        let path = a0.to_path_buf();
        assert!(path.exists());
        drop(a0);
        assert!(!path.exists());
        // Past the overall bound the oldest of anyone goes; expired ones first.
        for owner in 10..10 + MAX_WAITING as i64 {
            w.put(format!("u{owner}"), upload(owner, now), now);
        }
        assert_eq!(w.files.len(), MAX_WAITING);
        assert!(!w.files.contains_key("b3"));
        w.put("late".into(), upload(99, now), now + UPLOAD_TTL);
        assert_eq!(w.files.len(), 1);
    }

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

    #[test]
    fn finished_jobs_are_pruned_running_ones_kept() {
        let now = Instant::now();
        let mut jobs = Jobs::default();
        jobs.start("running".into(), 1, "a.csv".into(), now);
        for i in 0..MAX_FINISHED + 5 {
            let id = format!("j{i}");
            jobs.start(id.clone(), 1, "a.csv".into(), now);
            let done = Job::Failed {
                file: "a.csv".into(),
                problems: "x".into(),
            };
            jobs.finish(&id, done, now + Duration::from_millis(i as u64));
        }
        assert_eq!(jobs.0.len(), MAX_FINISHED + 1);
        assert!(!jobs.0.contains_key("j0"));
        assert!(jobs.0.contains_key(&format!("j{}", MAX_FINISHED + 4)));
        jobs.prune(now + JOB_TTL + Duration::from_secs(1));
        assert_eq!(jobs.0.keys().collect::<Vec<_>>(), vec!["running"]);
    }
}
