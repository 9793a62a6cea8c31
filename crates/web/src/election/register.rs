//! A poll's voter register: the page, typed-in voters, register files,
//! the voted flag.

use super::*;
use crate::auth::Ctx;
use crate::listing::{Listing, Unsorted};
use axum::extract::Multipart;

/// A register names voters: each reading is audited (no names in the entry).
pub(super) async fn read_register(
    state: &AppState,
    viewer: &Viewer,
    e: &Election,
    voters: usize,
) -> Result<(), AppError> {
    let details = json!({"election": e.id, "voters": voters});
    crate::community::audit_read(state, viewer, "register", &e.area_code, details).await
}

pub async fn register_page(
    Ctx { state, viewer, uri }: Ctx,
    InScope(e): InScope<Election>,
) -> Result<Html<String>, AppError> {
    register_view(&state, &viewer, &uri, &e, None).await
}

/// The register's page; with `failed`, the form that failed shows why
/// beside its fields and keeps what was typed.
pub(super) async fn register_view(
    state: &AppState,
    viewer: &Viewer,
    uri: &axum::http::Uri,
    e: &Election,
    failed: Option<Failed>,
) -> Result<Html<String>, AppError> {
    let pid = e.id;
    let voters = state.blocking(move |s| s.election_voters(pid)).await?;
    read_register(state, viewer, e, voters.len()).await?;
    let eligible = voters.iter().filter(|v| v.eligible).count();
    let voted = voters.iter().filter(|v| v.voted).count();
    // A page of a kelurahan's adults at a time; its links go to the
    // register's own address (a refused form answers at its action's).
    let here = format!("/election/{}/register?{}", e.id, uri.query().unwrap_or(""));
    let listing: Listing<Unsorted> =
        Listing::from_uri(&here.parse().unwrap_or_default()).at("voted-form");
    let paged = listing.window.slice(voters);
    render(
        viewer,
        uri,
        "election_register.html",
        context! {
            e => e,
            list => listing.view(&paged, None),
            voters => paged.rows,
            eligible => eligible,
            voted => voted,
            can_write => can_write(viewer, Resource::Election) && e.published_at.is_none(),
            failed => failed,
        },
    )
}

/// A voter typed in.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct VoterForm {
    name: String,
    sex: String,
    birth_date: String,
    age: String,
    married: String,
}

fn voter_from(f: &VoterForm) -> Result<VoterInput, AppError> {
    let sex = lumbung_store::parse_sex(f.sex.trim()).map_err(|m| AppError::refused("sex", m))?;
    let birth_date = match f.birth_date.trim() {
        "" => None,
        raw => Some(raw.parse().map_err(|_| {
            invalid(
                "birth_date",
                text!("not_a_date_such_as", value = format!("{raw:?}"), example = "1980-04-17";
                    id: "{value} bukan tanggal seperti {example}",
                    en: "{value} is not a date such as {example}"),
            )
        })?),
    };
    let age = match f.age.trim() {
        "" => None,
        raw => Some(
            raw.parse::<u16>()
                .ok()
                .filter(|a| *a <= 130)
                .ok_or_else(|| {
                    invalid(
                        "age",
                        text!("election_age", value = format!("{raw:?}");
                        id: "{value} bukan umur dalam tahun penuh",
                        en: "{value} is not an age in whole years"),
                    )
                })?,
        ),
    };
    Ok(VoterInput {
        line: 1,
        name: f.name.trim().to_owned(),
        sex,
        birth_date,
        age,
        married: matches!(f.married.trim(), "1" | "on" | "true" | "ya" | "yes"),
    })
}

pub async fn add_voter(
    Ctx { state, viewer, uri }: Ctx,
    InScope(e): InScope<Election>,
    MultiForm(f): MultiForm<VoterForm>,
) -> Result<Response, AppError> {
    let added = async {
        let voter = voter_from(&f)?
            .checked(e.held_on)
            .map_err(|r| invalid(r.field, r.message))?;
        step(&state, &viewer, e.id, "/register", move |s, poll, actor| {
            s.add_voters(poll, "form", &[voter], actor)
        })
        .await
    }
    .await;
    let typed = vec![
        ("name", f.name.as_str()),
        ("sex", f.sex.as_str()),
        ("birth_date", f.birth_date.as_str()),
        ("age", f.age.as_str()),
        ("married", f.married.as_str()),
    ];
    or_sent_back(
        (&state, &viewer, &uri),
        &e,
        Page::Register,
        ("voter", typed),
        added,
    )
    .await
}

/// A register file uploaded (multipart: `file`, or `text` pasted; the CSRF
/// token comes in the query string).
pub async fn import_voters(
    Ctx { state, viewer, uri }: Ctx,
    InScope(e): InScope<Election>,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    let (mut name, mut bytes, mut pasted) = (String::from("register.csv"), Vec::new(), None);
    while let Some(part) = multipart
        .next_field()
        .await
        .map_err(AppError::unreadable_upload)?
    {
        match part.name().unwrap_or_default() {
            "file" => {
                if let Some(n) = part.file_name().filter(|n| !n.is_empty()) {
                    name = n.to_owned();
                }
                let b = part.bytes().await.map_err(AppError::unreadable_upload)?;
                if !b.is_empty() {
                    bytes = b.to_vec();
                }
            }
            "text" => {
                let t = part.text().await.map_err(AppError::unreadable_upload)?;
                if bytes.is_empty() && !t.trim().is_empty() {
                    bytes = t.clone().into_bytes();
                }
                pasted = Some(t);
            }
            _ => {}
        }
    }
    let imported = async {
        if bytes.is_empty() {
            return Err(invalid(
                "file",
                text!("election_register_file";
                id: "pilih berkas atau tempelkan daftar pemilih",
                en: "choose a file or paste the register"),
            ));
        }
        // Read off the async threads: a register is a kelurahan's adults.
        let (name, voters) = state
            .run(move |_| {
                let voters = read_voters(&name, &bytes);
                (name, voters)
            })
            .await?;
        let voters = voters.map_err(|r| {
            let file = if pasted.is_some() { "text" } else { "file" };
            invalid(
                file,
                r.by_line()
                    .prefixed(&format!("{name}: "), &format!("{name}: ")),
            )
        })?;
        step(&state, &viewer, e.id, "/register", move |s, poll, actor| {
            s.add_voters(poll, &name, &voters, actor)
        })
        .await
    }
    .await;
    let typed = vec![("text", pasted.as_deref().unwrap_or_default())];
    or_sent_back(
        (&state, &viewer, &uri),
        &e,
        Page::Register,
        ("import", typed),
        imported,
    )
    .await
}

/// Voters marked as having voted (`voter` repeats; `voted=0` unmarks),
/// or one voter taken off the register.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct VotersForm {
    voter: Many,
    voted: String,
}

pub async fn mark_voted(
    Ctx { state, viewer, .. }: Ctx,
    InScope(e): InScope<Election>,
    MultiForm(f): MultiForm<VotersForm>,
) -> Result<Response, AppError> {
    let voters = f
        .voter
        .0
        .iter()
        .map(|v| {
            v.parse::<i64>().map(VoterId::new).map_err(|_| {
                invalid(
                    "voter",
                    text!("election_not_a_voter", value = format!("{v:?}");
                        id: "{value} bukan pemilih", en: "{value} is not a voter"),
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let voted = f.voted.trim() != "0";
    step(&state, &viewer, e.id, "/register", move |s, poll, actor| {
        s.mark_voted(poll, &voters, voted, actor)
    })
    .await
}

pub async fn remove_voter(
    Ctx { state, viewer, .. }: Ctx,
    InScope(e): InScope<Election>,
    MultiForm(f): MultiForm<VotersForm>,
) -> Result<Response, AppError> {
    let first = f.voter.0.first().map_or("", String::as_str);
    let voter = first.parse::<i64>().map(VoterId::new).map_err(|_| {
        invalid(
            "voter",
            text!("election_choose_voter"; id: "pilih seorang pemilih", en: "choose a voter"),
        )
    })?;
    step(&state, &viewer, e.id, "/register", move |s, poll, actor| {
        s.remove_voter(poll, voter, actor)
    })
    .await
}
