//! Published results, for everyone: the list, one result, its minutes and
//! the files to recount it.

use super::*;
use crate::auth::Ctx;

// ------------------------------------------------------ published results

pub(super) async fn published(state: &AppState, raw: &str) -> Result<Published, AppError> {
    let id = parse_id(raw)?;
    state
        .reading_one(move |s| s.published_election(id))
        .await?
        .ok_or_else(|| {
            AppError::not_found(text!("election_published_result", election = raw;
                id: "hasil pemilihan {election} yang diumumkan", en: "published election {election}"))
        })
}

pub async fn results_page(Ctx { state, viewer, uri }: Ctx) -> Result<Html<String>, AppError> {
    let results = state
        .reading(|s| s.published_elections(super::RESULTS_LISTED))
        .await?;
    render(
        &viewer,
        &uri,
        "election_results.html",
        context! { results => results },
    )
}

/// A page of the published result `raw`: `template` with what `context`
/// makes of the result for the viewer.
async fn published_page(
    Ctx { state, viewer, uri }: Ctx,
    raw: &str,
    template: &str,
    context: impl FnOnce(Published, &Viewer) -> minijinja::Value,
) -> Result<Html<String>, AppError> {
    let p = published(&state, raw).await?;
    render(&viewer, &uri, template, context(p, &viewer))
}

/// A published result: votes per nominee, the groupings, the decisions and
/// the files to recount it. Nothing of the register.
pub async fn result_page(ctx: Ctx, Path(id): Path<String>) -> Result<Html<String>, AppError> {
    published_page(ctx, &id, "election_result.html", |p, viewer| {
        context! {
            r => p.snapshot,
            id => p.election_id,
            sha256 => p.sha256,
            has_residents => p.residents_csv.is_some(),
            committee => can_read(viewer, Resource::Election),
        }
    })
    .await
}

pub async fn result_minutes(ctx: Ctx, Path(id): Path<String>) -> Result<Html<String>, AppError> {
    published_page(ctx, &id, "election_minutes.html", |p, _| {
        context! { r => p.snapshot, draft => false, ready => true, sha256 => p.sha256 }
    })
    .await
}

fn csv_file(name: &str, text: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        text,
    )
        .into_response()
}

/// One file of a published result, as a download.
async fn download(
    state: &AppState,
    id: &str,
    name: &str,
    file: fn(Published) -> String,
) -> Result<Response, AppError> {
    Ok(csv_file(name, file(published(state, id).await?)))
}

pub async fn ballots_csv(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    download(&state, &id, "BALLOTS.csv", |p| p.ballots_csv).await
}

pub async fn groups_csv(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    download(&state, &id, "GROUPS.csv", |p| p.groups_csv).await
}

pub async fn residents_csv(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let p = published(&state, &id).await?;
    let text = p
        .residents_csv
        .ok_or_else(|| {
            AppError::not_found(text!("election_residents_file", election = id;
                id: "RESIDENTS.csv pemilihan {election}", en: "RESIDENTS.csv of election {election}"))
        })?;
    Ok(csv_file("RESIDENTS.csv", text))
}
