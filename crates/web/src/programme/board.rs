//! A kelurahan's public board, without login and printable for the
//! physical notice board: `/board/{code}` as of today, with the versions
//! published; `/boards/{id}` a published version as it was frozen, with
//! its SHA-256, the fund journal's head and a QR code to itself;
//! `/boards/{id}/board.json` the file `lumbung board verify` checks. Aggregates
//! only: no household, member or voter appears.

use super::pages::reaches;
use crate::auth::Ctx;
use crate::edge::{acting, origin, parse_date, today};
use crate::error::AppError;
use crate::render::render;
use axum::extract::Path;
use axum::http::{header, HeaderMap};
use axum::response::{Html, IntoResponse, Response};
use axum::Form;
use lumbung_domain::{text, AreaPath, BoardId, Resource};
use lumbung_programme::board::PublishedBoard;
use minijinja::context;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

fn unseen_area(code: &str) -> AppError {
    AppError::not_found(text!("board_area", code = code; id: "wilayah {code}", en: "area {code}"))
}

fn unseen_board(raw: &str) -> AppError {
    AppError::not_found(text!("board_published", id = raw; id: "papan {id}", en: "board {id}"))
}

/// The published board an address names.
fn board_id(raw: &str) -> Result<BoardId, AppError> {
    raw.trim()
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .map(BoardId::new)
        .ok_or_else(|| unseen_board(raw))
}

/// A QR code of `url` as an SVG image.
fn qr_svg(url: &str) -> Result<String, AppError> {
    let code = qrcode::QrCode::new(url.as_bytes()).map_err(|_| {
        AppError::bad_request(
            text!("board_qr"; id: "alamat terlalu panjang untuk kode QR",
            en: "the address is too long for a QR code"),
        )
    })?;
    Ok(code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(132, 132)
        .quiet_zone(true)
        .build())
}

pub async fn page(
    Ctx { state, viewer, uri }: Ctx,
    Path(code): Path<String>,
) -> Result<Html<String>, AppError> {
    let looked = code.clone();
    let area = state
        .reading_one(move |s| s.area(&looked))
        .await?
        .ok_or_else(|| unseen_area(&code))?;
    let on = today(&state);
    let c = code.clone();
    // A kelurahan's board is light; an area above many (a city's, the
    // country's) is every loan of every UPK in it, which anyone may ask
    // for: those are computed one at a time, as the public health figures.
    let turn = match area.children {
        0 => None,
        _ if area.kind.as_deref() == Some("kelurahan") => None,
        _ => Some(Arc::new(state.public_reports.admit().await?)),
    };
    let (board, versions) = state
        .reading(move |s| {
            let _turn = &turn;
            Ok((s.board(&c, on)?, s.published_boards(&c)?))
        })
        .await?;
    let can_publish = viewer.user().is_some_and(|u| {
        u.role.can_write(Resource::Programme)
            && reaches(&viewer.scope(), &AreaPath::from_stored(area.path.clone()))
    });
    render(
        &viewer,
        &uri,
        "board.html",
        context! {
            b => board, versions => versions.into_iter().map(|(id, as_of, at, sha)| context! {
                id => id, as_of => as_of, published_at => at, sha256 => sha,
            }).collect::<Vec<_>>(),
            can_publish => can_publish, published => None::<()>, typed => PublishFields::default(),
        },
    )
}

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct PublishFields {
    as_of: String,
}

/// Publishes the board of a kelurahan in the viewer's scope as of a date
/// (default today) and shows the version frozen.
pub async fn publish(
    Ctx { state, viewer, .. }: Ctx,
    Path(code): Path<String>,
    Form(f): Form<PublishFields>,
) -> Result<Response, AppError> {
    let looked = code.clone();
    let area = state
        .blocking(move |s| s.area(&looked))
        .await?
        .ok_or_else(|| unseen_area(&code))?;
    if !reaches(&viewer.scope(), &AreaPath::from_stored(area.path)) {
        return Err(unseen_area(&code));
    }
    let as_of = parse_date(&f.as_of, "as_of")?.unwrap_or_else(|| today(&state));
    let published = acting(&state, &viewer, move |s, actor| {
        s.publish_board(&code, as_of, actor)
    })
    .await?;
    Ok(crate::edge::done(
        &format!("/boards/{}", published.id),
        "board_published",
    ))
}

/// The published board an address names, and its document.
async fn load_published(
    state: &crate::AppState,
    raw: &str,
) -> Result<(BoardId, PublishedBoard, serde_json::Value), AppError> {
    let id = board_id(raw)?;
    let board = state
        .reading_one(move |s| s.published_board(id))
        .await?
        .ok_or_else(|| unseen_board(raw))?;
    let document = board
        .document()
        .map_err(|_| AppError::Internal("a published board does not read as JSON".into()))?;
    Ok((id, board, document))
}

pub async fn published(
    Ctx { state, viewer, uri }: Ctx,
    headers: HeaderMap,
    Path(raw): Path<String>,
) -> Result<Html<String>, AppError> {
    let (id, board, document) = load_published(&state, &raw).await?;
    let url = format!("{}/boards/{id}", origin(&state, &headers));
    render(
        &viewer,
        &uri,
        "board.html",
        context! {
            b => document["board"].clone(),
            published => context! {
                id => id, as_of => board.as_of, published_at => board.published_at,
                sha256 => board.sha256, intact => board.intact(), url => url, qr => qr_svg(&url)?,
            },
        },
    )
}

/// The published board as the file `lumbung board verify` checks.
pub async fn export(Ctx { state, .. }: Ctx, Path(raw): Path<String>) -> Result<Response, AppError> {
    let (id, _, document) = load_published(&state, &raw).await?;
    let body = serde_json::to_string_pretty(&document).expect("JSON serialises") + "\n";
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"board-{id}.json\""),
            ),
        ],
        body,
    )
        .into_response())
}
