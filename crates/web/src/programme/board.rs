//! `/board/{code}`: a kelurahan's public board, without login and
//! printable for the physical notice board — the programme's money by
//! kind, the unallocated gap, swadaya, tranches and activities with their
//! progress. Aggregates only: no household, member or voter appears.

use crate::auth::Ctx;
use crate::error::AppError;
use crate::render::render;
use axum::extract::Path;
use axum::response::Html;
use lumbung_domain::text;
use minijinja::context;

pub async fn page(
    Ctx { state, viewer, uri }: Ctx,
    Path(code): Path<String>,
) -> Result<Html<String>, AppError> {
    let missing = || {
        AppError::not_found(
            text!("board_area", code = code.clone(); id: "wilayah {code}", en: "area {code}"),
        )
    };
    let looked = code.clone();
    let area = state
        .blocking(move |s| s.area(&looked))
        .await?
        .ok_or_else(missing)?;
    let c = code.clone();
    let (report, (grants, activities)) = state
        .blocking(move |s| {
            Ok((
                s.programme_report(&c, None, None, None)?,
                s.programme_in_kelurahan(&c, None)?,
            ))
        })
        .await?;
    render(
        &viewer,
        &uri,
        "board.html",
        context! { area => area.name, code => area.code, r => report, grants => grants, activities => activities },
    )
}
