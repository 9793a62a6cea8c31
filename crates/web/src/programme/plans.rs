//! A kelurahan's plans in the browser: a plan file brought in from the
//! kelurahan's programme page (each changed plan a new version), and the
//! BKM's approval of a version — never by whoever brought it in. KSM and
//! panitia proposals entered there, checked against the plan and the
//! PS-2 list, and the BKM's decision on each.

use super::pages::reaches;
use crate::auth::{Ctx, Viewer};
use crate::edge::{acting, done, invalid};
use crate::error::AppError;
use crate::AppState;
use axum::extract::{Multipart, Path};
use axum::response::IntoResponse;
use axum::response::Response;
use axum::Form;
use lumbung_domain::{text, AreaPath, Money, PlanId, ProposalId, Role};
use lumbung_programme::proposal::{Decision, Proposal};
use lumbung_programme::KelurahanRow;
use lumbung_store::ProgrammeRows;

/// The largest plan file taken from the browser.
pub const MAX_PLAN_BYTES: usize = 4 * 1024 * 1024;

fn unseen(raw: &str) -> AppError {
    AppError::not_found(text!("plan_page", id = raw; id: "rencana {id}", en: "plan {id}"))
}

/// The kelurahan `code` when the viewer's scope reaches it.
async fn area_in_scope(state: &AppState, viewer: &Viewer, code: &str) -> Result<(), AppError> {
    let looked = code.to_owned();
    let area = state.blocking(move |s| s.area(&looked)).await?;
    match area {
        Some(a) if reaches(&viewer.scope(), &AreaPath::from_stored(a.path.clone())) => Ok(()),
        _ => Err(AppError::not_found(
            text!("programme_area", code = code; id: "wilayah {code}", en: "area {code}"),
        )),
    }
}

/// The file of a multipart upload (field `file`), or the field's error.
pub(crate) async fn uploaded(mut multipart: Multipart) -> Result<(String, Vec<u8>), AppError> {
    let mut file = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(AppError::unreadable_upload)?
    {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or("plan.csv").to_owned();
            let bytes = field.bytes().await.map_err(AppError::unreadable_upload)?;
            file = Some((name, bytes.to_vec()));
        }
    }
    file.filter(|(_, b)| !b.is_empty()).ok_or_else(|| {
        invalid(
            "file",
            text!("plan_choose_file"; id: "pilih berkasnya", en: "choose the file"),
        )
    })
}

/// An uploaded file read by `read` off the async threads (a file of tens
/// of thousands of rows parses for a while); a refused file answers its
/// rows' problems. The name and bytes come back with what was read.
pub(crate) async fn read_uploaded<T: Send + 'static>(
    state: &AppState,
    (name, bytes): (String, Vec<u8>),
    read: fn(&str, &[u8]) -> Result<T, lumbung_domain::Rejected>,
) -> Result<(String, Vec<u8>, T), AppError> {
    let (name, bytes, read) = state
        .run(move |_| {
            let read = read(&name, &bytes);
            (name, bytes, read)
        })
        .await?;
    let read = read.map_err(|r| AppError::from(lumbung_store::StoreError::Rejected(r)))?;
    Ok((name, bytes, read))
}

/// A row of another kelurahan in a file brought in on a kelurahan's page.
fn other_kelurahan(line: u64, code: &str) -> AppError {
    invalid(
        "file",
        text!("plan_other_kelurahan", line = line, code = code;
            id: "baris {line}: kelurahan {code}, bukan kelurahan halaman ini",
            en: "line {line}: kelurahan {code}, not this page's"),
    )
}

/// A file of rows of one kelurahan that its programme page brings in:
/// how it is read, and the page's section and message once kept (all or
/// nothing, by `Store::import_programme`).
pub struct RowsFile<R> {
    read: fn(&str, &[u8]) -> Result<Vec<R>, lumbung_domain::Rejected>,
    /// Whether a role with write access to the programme may bring it in.
    may: fn(Role) -> bool,
    section: &'static str,
    message: &'static str,
}

/// Brings in `file` for the kelurahan `code` of the page (multipart
/// `file`, the CSRF token its first part) when every row is of it.
async fn import_rows<R: ProgrammeRows + Send + Sync + 'static>(
    Ctx { state, viewer, .. }: Ctx,
    code: &str,
    multipart: Multipart,
    file: RowsFile<R>,
) -> Result<Response, AppError> {
    area_in_scope(&state, &viewer, code).await?;
    if viewer.user().is_none_or(|u| !(file.may)(u.role)) {
        return Err(AppError::conflict(text!("plans_by_facilitator";
            id: "rencana dan dana BLM dimasukkan oleh fasilitator; BKM menyetujui rencana dan menulis kegiatan",
            en: "plans and BLM grants are brought in by the facilitator; the BKM approves plans and writes activities")));
    }
    let (name, bytes, rows) = read_uploaded(&state, uploaded(multipart).await?, file.read).await?;
    if let Some((line, other)) = rows
        .iter()
        .map(KelurahanRow::place)
        .find(|(_, k)| *k != code)
    {
        return Err(other_kelurahan(line, other));
    }
    acting(&state, &viewer, move |s, actor| {
        s.import_programme(&name, &bytes, &rows, actor)
    })
    .await?;
    Ok(done(
        &format!("/programme?area={code}#{}", file.section),
        file.message,
    ))
}

/// A kind of file of rows that a kelurahan's programme page brings in.
pub trait RowsKind {
    type Row: ProgrammeRows + Send + Sync + 'static;
    const FILE: RowsFile<Self::Row>;
}

/// A plan file; each changed plan a new version.
pub struct Plans;

impl RowsKind for Plans {
    type Row = lumbung_programme::plan::Plan;
    const FILE: RowsFile<Self::Row> = RowsFile {
        read: lumbung_programme::plan::read_plans,
        may: Role::brings_in_plans,
        section: "plans",
        message: "plan_imported",
    };
}

/// A grants file (`kelurahan,programme,tranche,date,amount`), as `lumbung
/// programme import-grants` takes it.
pub struct Grants;

impl RowsKind for Grants {
    type Row = lumbung_programme::files::GrantRow;
    const FILE: RowsFile<Self::Row> = RowsFile {
        read: lumbung_programme::files::read_grants,
        may: Role::brings_in_plans,
        section: "grants",
        message: "grants_imported",
    };
}

/// An activities file, as `lumbung programme import-activities` takes it
/// (a changed row a new version).
pub struct Activities;

impl RowsKind for Activities {
    type Row = lumbung_programme::files::ActivityRow;
    const FILE: RowsFile<Self::Row> = RowsFile {
        read: lumbung_programme::files::read_activities,
        // The BKM writes activities too (design.md).
        may: |_| true,
        section: "activities",
        message: "activities_imported",
    };
}

/// A file of kind `K` for the kelurahan of the page.
pub async fn import<K: RowsKind>(
    ctx: Ctx,
    Path(code): Path<String>,
    multipart: Multipart,
) -> Result<Response, AppError> {
    import_rows(ctx, &code, multipart, K::FILE).await
}

/// The BKM approves a version of a plan of its kelurahan.
pub async fn approve(
    Ctx { state, viewer, .. }: Ctx,
    Path(raw): Path<String>,
) -> Result<Response, AppError> {
    let id = raw
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .map(PlanId::new)
        .ok_or_else(|| unseen(&raw))?;
    let code = state
        .blocking(move |s| s.plan_area(id))
        .await?
        .ok_or_else(|| unseen(&raw))?;
    area_in_scope(&state, &viewer, &code).await?;
    if viewer.user().is_none_or(|u| !u.role.decides_plans()) {
        return Err(AppError::conflict(text!("plan_bkm_approves";
            id: "rencana disetujui oleh BKM", en: "the BKM approves plans")));
    }
    acting(&state, &viewer, move |s, actor| s.approve_plan(id, actor)).await?;
    Ok(done(
        &format!("/programme?area={code}#plans"),
        "plan_approved",
    ))
}

/// A proposal entered for a kelurahan of the viewer's scope: the page
/// again with its problems by field, or with the proposal and what its
/// check finds.
pub async fn propose(
    ctx: Ctx,
    Path(code): Path<String>,
    Form(f): Form<super::pages::ProposalFields>,
) -> Result<Response, AppError> {
    area_in_scope(&ctx.state, &ctx.viewer, &code).await?;
    let lang = ctx.viewer.lang;
    let mut errors = std::collections::BTreeMap::new();
    let year = f
        .year
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|y| (1990..=2200).contains(y));
    if year.is_none() {
        errors.insert("year".to_owned(), lang.t("programme_bad_year").to_owned());
    }
    let name = |raw: &str| {
        let v = raw.trim();
        (!v.is_empty() && v.chars().count() <= lumbung_programme::files::NAME_MAX)
            .then(|| v.to_owned())
    };
    let activity = name(&f.activity);
    if activity.is_none() {
        errors.insert(
            "activity".to_owned(),
            lang.t("proposal_name_needed").to_owned(),
        );
    }
    let implementer = name(&f.implementer);
    if implementer.is_none() {
        errors.insert(
            "implementer".to_owned(),
            lang.t("proposal_name_needed").to_owned(),
        );
    }
    let requested = Money::parse_plain(f.requested.trim())
        .ok()
        .filter(|m| m.minor() > 0 && *m <= lumbung_programme::files::AMOUNT_MAX);
    if requested.is_none() {
        errors.insert(
            "requested".to_owned(),
            lang.t("proposal_bad_amount").to_owned(),
        );
    }
    let count = |raw: &str| match raw.trim() {
        "" => Some(0),
        v => v.parse::<u64>().ok().filter(|n| *n <= 10_000_000),
    };
    let (poor, women) = (count(&f.poor), count(&f.women));
    for (field, v) in [("poor", poor), ("women", women)] {
        if v.is_none() {
            errors.insert(field.to_owned(), lang.t("proposal_bad_count").to_owned());
        }
    }
    let q = super::pages::ProgrammeQuery {
        area: code.clone(),
        ..Default::default()
    };
    let (
        Some(year),
        Some(activity),
        Some(implementer),
        Some(requested),
        Some(poor),
        Some(women),
        true,
    ) = (
        year,
        activity,
        implementer,
        requested,
        poor,
        women,
        errors.is_empty(),
    )
    else {
        return Ok(super::pages::page_with(ctx, q, f, errors)
            .await?
            .into_response());
    };
    let proposal = Proposal {
        year,
        activity,
        implementer,
        requested,
        poor,
        women,
    };
    acting(&ctx.state, &ctx.viewer, move |s, actor| {
        s.propose(&code, &proposal, actor)
    })
    .await?;
    Ok(done(
        &format!("/programme?area={}#proposals", q.area),
        "proposal_entered",
    ))
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct DecisionFields {
    decision: String,
}

/// The BKM funds or refuses a proposal of its kelurahan.
pub async fn decide(
    Ctx { state, viewer, .. }: Ctx,
    Path(raw): Path<String>,
    Form(f): Form<DecisionFields>,
) -> Result<Response, AppError> {
    let id = raw
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .map(ProposalId::new)
        .ok_or_else(|| unseen(&raw))?;
    let code = state
        .blocking(move |s| s.proposal_area(id))
        .await?
        .ok_or_else(|| unseen(&raw))?;
    area_in_scope(&state, &viewer, &code).await?;
    if viewer.user().is_none_or(|u| !u.role.decides_plans()) {
        return Err(AppError::conflict(text!("proposal_bkm_decides";
            id: "usulan diputuskan oleh BKM", en: "the BKM decides proposals")));
    }
    let decision = Decision::parse(&f.decision).ok_or_else(|| {
        invalid(
            "decision",
            text!("proposal_pick_decision"; id: "pilih: didanai atau ditolak",
            en: "choose: funded or refused"),
        )
    })?;
    acting(&state, &viewer, move |s, actor| {
        s.decide_proposal(id, decision, actor)
    })
    .await?;
    Ok(done(
        &format!("/programme?area={code}#proposals"),
        "proposal_decided",
    ))
}
