//! The ballot box: both entries, corrections, resolutions, groupings,
//! door-to-door collections, ties, publishing; printable ballot sheets and
//! draft minutes.

use super::*;

/// Both entries of the ballot box side by side, and the entry form.
pub async fn ballots_page(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    uri: Uri,
    Path(id): Path<String>,
) -> Result<Html<String>, AppError> {
    let e = poll_in_scope(&state, &viewer, &id).await?;
    let pid = e.id;
    let (a, b) = state.blocking(move |s| s.election_entries(pid)).await?;
    let settings = &e.settings;
    let me = viewer
        .user()
        .map(|u| u.username.clone())
        .unwrap_or_default();
    let my_entry = if a.iter().any(|r| r.entered_by == me) {
        "a"
    } else if b.iter().any(|r| r.entered_by == me) {
        "b"
    } else {
        ""
    };
    let (min, max) = match e.level {
        ElectionLevel::Rt => (settings.names.min(), settings.names.max()),
        ElectionLevel::Bkm => (settings.bkm_names.min(), settings.bkm_names.max()),
        ElectionLevel::Coordinator => (1, 1),
    };
    render(
        &viewer,
        &uri,
        "election_ballots.html",
        context! {
            e => e,
            a => a,
            b => b,
            my_entry => my_entry,
            names_min => min,
            names_max => max,
            can_write => can_write(&viewer, Resource::Election) && e.published_at.is_none(),
        },
    )
}

pub async fn enter_ballots(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Form(f): Form<Pairs>,
) -> Result<Response, AppError> {
    let e = poll_in_scope(&state, &viewer, &id).await?;
    let entry =
        BallotEntry::parse(field(&f, "entry")).ok_or_else(|| invalid("entry", choose_entry()))?;
    let ballots = read_ballot_lines(field(&f, "lines")).map_err(lumbung_store::StoreError::from)?;
    if ballots.is_empty() {
        return Err(invalid(
            "lines",
            text!("election_ballot_lines";
                id: "ketik satu surat suara per baris: nomor surat suara, nama-nama",
                en: "type one ballot per line: ballot id, names"),
        ));
    }
    as_viewer(&state, &viewer, e.id, move |s, poll, actor| {
        s.enter_ballots(poll, entry, &ballots, actor)
    })
    .await?;
    Ok(redirect(&format!("/election/{}/ballots", e.id)))
}

pub async fn correct_ballot(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Form(f): Form<Pairs>,
) -> Result<Response, AppError> {
    let e = poll_in_scope(&state, &viewer, &id).await?;
    let entry =
        BallotEntry::parse(field(&f, "entry")).ok_or_else(|| invalid("entry", choose_entry()))?;
    let ballot = field(&f, "ballot_id").to_owned();
    let names = (field(&f, "remove") != "1").then(|| name_list(field(&f, "names")));
    as_viewer(&state, &viewer, e.id, move |s, poll, actor| {
        s.correct_ballot(poll, entry, &ballot, names.as_deref(), actor)
    })
    .await?;
    Ok(redirect(&format!("/election/{}/ballots", e.id)))
}

pub async fn resolve(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Form(f): Form<Pairs>,
) -> Result<Response, AppError> {
    let e = poll_in_scope(&state, &viewer, &id).await?;
    let ballot = field(&f, "ballot_id").to_owned();
    let names = (field(&f, "not_a_ballot") != "1").then(|| name_list(field(&f, "names")));
    let note = field(&f, "note").to_owned();
    as_viewer(&state, &viewer, e.id, move |s, poll, actor| {
        s.resolve_ballot(poll, &ballot, names.as_deref(), &note, actor)
    })
    .await?;
    Ok(redirect(&format!("/election/{}#differences", e.id)))
}

pub async fn add_groups(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Form(f): Form<Pairs>,
) -> Result<Response, AppError> {
    let e = poll_in_scope(&state, &viewer, &id).await?;
    let person = field(&f, "person").to_owned();
    let written: Vec<String> = fields(&f, "written").map(str::to_owned).collect();
    if person.is_empty() || written.is_empty() {
        return Err(invalid(
            "person",
            text!("election_group_needs";
                id: "sebutkan orangnya dan sedikitnya satu bentuk tulisan",
                en: "name the person and at least one written form"),
        ));
    }
    let actor = viewer.actor()?;
    state
        .blocking(move |s| {
            for w in &written {
                s.add_group(e.id, w, &person, &actor)?;
            }
            Ok(())
        })
        .await?;
    Ok(redirect(&format!("/election/{}#groups", e.id)))
}

pub async fn remove_group(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Form(f): Form<Pairs>,
) -> Result<Response, AppError> {
    let e = poll_in_scope(&state, &viewer, &id).await?;
    let written = field(&f, "written").to_owned();
    as_viewer(&state, &viewer, e.id, move |s, poll, actor| {
        s.remove_group(poll, &written, actor)
    })
    .await?;
    Ok(redirect(&format!("/election/{}#groups", e.id)))
}

pub async fn door_to_door(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Form(f): Form<Pairs>,
) -> Result<Response, AppError> {
    let e = poll_in_scope(&state, &viewer, &id).await?;
    let on = date_of(field(&f, "on"), "on", state.store.clock().today())?;
    let note = field(&f, "note").to_owned();
    as_viewer(&state, &viewer, e.id, move |s, poll, actor| {
        s.record_door_to_door(poll, on, &note, actor)
    })
    .await?;
    Ok(redirect(&format!("/election/{}", e.id)))
}

fn tie_from(f: &Pairs) -> Result<TieInput, AppError> {
    let rule = match field(f, "rule") {
        "revote" => TieRule::Revote,
        "lot" => TieRule::Lot,
        other => return Err(invalid("rule", neither_revote_nor_lot(other))),
    };
    let mut revote = Vec::new();
    for (k, v) in f {
        if let Some(name) = k.strip_prefix("votes:") {
            let v = v.trim();
            if v.is_empty() {
                continue;
            }
            let n: u64 = v.parse().map_err(|_| {
                invalid(
                    k,
                    text!("election_not_votes", value = format!("{v:?}");
                        id: "{value} bukan jumlah suara", en: "{value} is not a number of votes"),
                )
            })?;
            revote.push((name.to_owned(), n));
        }
    }
    Ok(TieInput {
        rule,
        winners: fields(f, "winner").map(str::to_owned).collect(),
        revote,
        note: field(f, "note").to_owned(),
    })
}

pub async fn tie(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Form(f): Form<Pairs>,
) -> Result<Response, AppError> {
    let e = poll_in_scope(&state, &viewer, &id).await?;
    let input = tie_from(&f)?;
    as_viewer(&state, &viewer, e.id, move |s, poll, actor| {
        s.record_tie(poll, &input, actor)
    })
    .await?;
    Ok(redirect(&format!("/election/{}", e.id)))
}

pub async fn publish(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let e = poll_in_scope(&state, &viewer, &id).await?;
    let step = as_viewer(&state, &viewer, e.id, move |s, poll, actor| {
        s.publish_election(poll, actor)
    })
    .await?;
    Ok(redirect(&match step {
        PublishStep::Proposed(_) => format!("/election/{}#publication", e.id),
        PublishStep::Published(_) => format!("/election/results/{}", e.id),
    }))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SheetQuery {
    from: Option<u32>,
    count: Option<u32>,
    per_page: Option<u32>,
}

/// Blank ballots for printing: numbered (the number is the ballot id the
/// two entries use), `per_page` to an A4 page, a line per name.
pub async fn ballot_sheets(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    uri: Uri,
    Path(id): Path<String>,
    Query(q): Query<SheetQuery>,
) -> Result<Html<String>, AppError> {
    let e = poll_in_scope(&state, &viewer, &id).await?;
    let settings = &e.settings;
    let (min, max) = match e.level {
        ElectionLevel::Rt => (settings.names.min(), settings.names.max()),
        ElectionLevel::Bkm => (settings.bkm_names.min(), settings.bkm_names.max()),
        ElectionLevel::Coordinator => (1, 1),
    };
    // Ballot numbers stay far from the end of u32.
    let from = q.from.unwrap_or(1).clamp(1, 1_000_000_000);
    let count = q.count.unwrap_or(12).clamp(1, 1000);
    let per_page = q.per_page.unwrap_or(6).clamp(1, 12);
    let numbers: Vec<u32> = (from..from + count).collect();
    let pages: Vec<Vec<u32>> = numbers
        .chunks(per_page as usize)
        .map(<[u32]>::to_vec)
        .collect();
    render(
        &viewer,
        &uri,
        "election_sheets.html",
        context! {
            e => e,
            pages => pages,
            lines => (1..=max).collect::<Vec<_>>(),
            names_min => min,
            names_max => max,
            from => from,
            count => count,
            per_page => per_page,
        },
    )
}

/// The minutes (berita acara) of the count as it stands, for the committee
/// to check before publishing.
pub async fn draft_minutes(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    uri: Uri,
    Path(id): Path<String>,
) -> Result<Html<String>, AppError> {
    let e = poll_in_scope(&state, &viewer, &id).await?;
    let c = state.blocking(move |s| s.election_count(e.id)).await?;
    render(
        &viewer,
        &uri,
        "election_minutes.html",
        context! { r => c.summary(), draft => !c.ready || c.election.published_at.is_none(), ready => c.ready, sha256 => "" },
    )
}

fn choose_entry() -> Text {
    text!("election_choose_entry"; id: "pilih entri A atau entri B", en: "choose entry A or entry B")
}
