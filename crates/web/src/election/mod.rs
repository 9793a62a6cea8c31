//! The BKM election in the web app and the API: the committee's work on a
//! poll (register, the two ballot entries and their differences, groupings,
//! door-to-door collections, ties, publishing), printable ballot sheets and
//! minutes (berita acara), and the published results for everyone — votes
//! per nominee, the groupings, the minutes and the anonymised ballots as
//! the CSV files of `lumbung election recount`.
//!
//! Who: the facilitators covering the kelurahan work as the committee
//! (writes; no member decides alone: a third member resolves differences,
//! a second confirms publishing and a lot — see the store), the BKM and the
//! auditor read, within their scope (a poll's area and the organisations
//! of its kelurahan); a poll outside the scope is "not found". Published
//! results are public and hold no voter identity.

use crate::auth::{InScope, Named, Viewer};
use crate::edge::{acting, invalid, redirect, Failed, Many, MultiForm, Rest};
use crate::error::AppError;
use crate::render::render;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use jiff::civil::Date;
use lumbung_community::election::{Sight, TieRule};
use lumbung_domain::{text, PollId, Resource, Text, VoterId};
use lumbung_store::{
    read_ballot_lines, read_voters, BallotEntry, Election, ElectionLevel, ElectionSettings,
    PublishStep, Published, TieInput, VoterInput,
};
use minijinja::context;
use serde::Deserialize;
use serde_json::{json, Value};

/// How many published results a list shows at most, newest first.
pub const RESULTS_LISTED: u32 = 1_000;

pub mod api;
pub mod ballots;
pub mod pages;
pub mod register;
pub mod results;
pub mod routes;

/// A date from a form; blank is `today`.
fn date_of(raw: &str, name: &str, today: Date) -> Result<Date, AppError> {
    match raw.trim() {
        "" => Ok(today),
        d => d.parse().map_err(|_| {
            invalid(
                name,
                text!("not_a_date_such_as", value = format!("{d:?}"), example = "2025-03-02";
                    id: "{value} bukan tanggal seperti {example}",
                    en: "{value} is not a date such as {example}"),
            )
        }),
    }
}

fn parse_id(raw: &str) -> Result<PollId, AppError> {
    raw.parse::<i64>()
        .map(PollId::new)
        .map_err(|_| AppError::not_found(election_text(raw)))
}

/// "election 7", as what was not found.
fn election_text(raw: &str) -> Text {
    text!("election", election = raw; id: "pemilihan {election}", en: "election {election}")
}

/// "neither revote nor lot", for a tie rule typed in.
fn neither_revote_nor_lot(raw: &str) -> Text {
    text!("election_tie_rule", value = format!("{raw:?}");
        id: "{value} bukan pemungutan ulang (revote) atau undian (lot)",
        en: "{value} is neither revote nor lot")
}

/// Names written on one line, separated by commas.
fn name_list(raw: &str) -> Vec<String> {
    raw.split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .collect()
}

fn can_write(viewer: &Viewer, resource: Resource) -> bool {
    viewer.user().is_some_and(|u| u.role.can_write(resource))
}

fn can_read(viewer: &Viewer, resource: Resource) -> bool {
    viewer.user().is_some_and(|u| u.role.can_read(resource))
}

/// A writer of elections who is no committee member
/// (`Role::sits_on_committee`).
fn org_scoped_committee(viewer: &Viewer) -> bool {
    viewer.user().is_some_and(|u| {
        u.role.can_write(Resource::Election) && !u.role.sits_on_committee(&u.scope)
    })
}

/// Whether the viewer's scope reaches data placed at `placement`.
fn reaches(viewer: &Viewer, placement: &lumbung_domain::Placement) -> bool {
    !org_scoped_committee(viewer) && viewer.scope().covers(placement)
}

/// The scope a committee member opens polls in.
fn committee_scope(viewer: &Viewer) -> Result<lumbung_domain::Scope, AppError> {
    if org_scoped_committee(viewer) {
        return Err(AppError::Forbidden);
    }
    Ok(viewer.scope())
}

/// The poll with this id when the viewer's scope covers it; otherwise not
/// found (its existence is not told).
async fn poll_in_scope(state: &AppState, viewer: &Viewer, raw: &str) -> Result<Election, AppError> {
    let id = parse_id(raw)?;
    let e = state.blocking(move |s| s.election(id)).await?;
    match e {
        Some(e) if reaches(viewer, &e.placement) => Ok(e),
        _ => Err(AppError::not_found(election_text(raw))),
    }
}

/// A poll of the address (`/election/{id}/…`), in the viewer's scope.
impl Named for Election {
    async fn find(state: &AppState, viewer: &Viewer, raw: &str) -> Result<Self, AppError> {
        poll_in_scope(state, viewer, raw).await
    }
}

/// A committee's step on a poll, made as the viewer; then back to the
/// poll's page `to` (`""`, `"/ballots"`, `"#groups"`, …).
async fn step<T: Send + 'static>(
    state: &AppState,
    viewer: &Viewer,
    poll: PollId,
    to: &str,
    work: impl FnOnce(&lumbung_store::Store, PollId, &lumbung_store::Actor) -> lumbung_store::Result<T>
        + Send
        + 'static,
) -> Result<Response, AppError> {
    acting(state, viewer, move |s, actor| work(s, poll, actor)).await?;
    Ok(redirect(&format!("/election/{poll}{to}")))
}

/// The pages of a poll that hold forms.
enum Page {
    Poll,
    Ballots,
    Register,
}

/// What a poll's form answers: where its work sent it when the work was
/// done, or — when it was refused for a reason a person can put right —
/// `page` again with `action`'s form showing why beside what was `typed`.
async fn or_sent_back(
    (state, viewer, uri): (&AppState, &Viewer, &axum::http::Uri),
    e: &Election,
    page: Page,
    (action, typed): (&'static str, Vec<(&str, &str)>),
    result: Result<Response, AppError>,
) -> Result<Response, AppError> {
    let Err(error) = result else {
        return result;
    };
    let failed = Some(Failed::of(action, typed, error, viewer.lang)?);
    let html = match page {
        Page::Poll => pages::poll_view(state, viewer, uri, e, failed).await?,
        Page::Ballots => {
            let listing = crate::listing::Listing::from_uri(uri);
            ballots::ballots_view(state, viewer, uri, e, listing, failed).await?
        }
        Page::Register => register::register_view(state, viewer, uri, e, failed).await?,
    };
    Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
}

/// The fewest and the most names a ballot of this poll carries.
fn names_range(e: &Election) -> (usize, usize) {
    let settings = &e.settings;
    match e.level {
        ElectionLevel::Rt => (settings.names.min(), settings.names.max()),
        ElectionLevel::Bkm => (settings.bkm_names.min(), settings.bkm_names.max()),
        ElectionLevel::Coordinator => (1, 1),
    }
}

/// Which of the two entries (`"a"`, `"b"` or `""`) the viewer typed in,
/// from who entered each.
fn my_entry(viewer: &Viewer, a: &[String], b: &[String]) -> &'static str {
    let me = viewer
        .user()
        .map(|u| u.username.clone())
        .unwrap_or_default();
    if a.contains(&me) {
        "a"
    } else if b.contains(&me) {
        "b"
    } else {
        ""
    }
}

/// What `viewer` may read of poll `e`'s entries, from who typed in each
/// ([`Sight`]: before publication, a member who may type reads only the
/// names of the entries it typed in).
fn sight(viewer: &Viewer, e: &Election, a: &[String], b: &[String]) -> Sight {
    let me = viewer
        .user()
        .map(|u| u.username.clone())
        .unwrap_or_default();
    let may_type = can_write(viewer, Resource::Election);
    Sight::of(&me, may_type, a, b, e.published_at.is_some())
}

/// Poll `e`'s count as `viewer` may read it ([`sight`]): the names of the
/// entries withheld taken out of the differences, and, while the entries
/// still differ, the grouping suggestions (made from entry A's names).
fn count_in_sight(viewer: &Viewer, e: &Election, c: &mut lumbung_store::ElectionCount) -> Sight {
    let sight = sight(viewer, e, &c.entry_a.entered_by, &c.entry_b.entered_by);
    for d in &mut c.differences {
        d.difference = sight.difference(&d.difference);
    }
    if !sight.suggestions(c.ballots.is_some()) {
        c.suggestions.clear();
    }
    sight
}

/// A kelurahan the viewer works in: its area, path and settings.
async fn kelurahan_in_scope(
    state: &AppState,
    viewer: &Viewer,
    code: &str,
) -> Result<(lumbung_store::Area, ElectionSettings), AppError> {
    let c = code.to_owned();
    let (area, placement, settings) = state
        .blocking(move |s| {
            Ok((
                s.area(&c)?,
                s.election_placement(&c)?,
                s.election_settings(&c)?,
            ))
        })
        .await?;
    match (area, placement) {
        (Some(a), Some(p)) if a.kind.as_deref() == Some("kelurahan") && reaches(viewer, &p) => {
            Ok((a, settings))
        }
        _ => Err(AppError::not_found(text!("kelurahan", kelurahan = code;
            id: "kelurahan {kelurahan}", en: "kelurahan {kelurahan}"))),
    }
}
