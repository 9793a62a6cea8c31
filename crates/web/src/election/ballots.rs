//! The ballot box: both entries, corrections, resolutions, groupings,
//! door-to-door collections, ties, publishing; printable ballot sheets and
//! draft minutes.

use super::*;
use crate::auth::Ctx;
use crate::listing::{sort_keys, Cell, Csv, Dir, Listing, Paged, Part};
use axum::Form;
use lumbung_store::{BallotOrder, EntryList};

sort_keys! {
    /// The orders of the ballot entries; without one, as entered.
    pub enum BallotSort {
        Number = "number",
        EnteredBy = "entered_by",
    }
}

/// Both entries in the order asked, paged in SQL: the same page of each
/// (as many pages as the longer entry fills), or all of them.
async fn entry_lists(
    state: &AppState,
    poll: PollId,
    listing: &Listing<BallotSort>,
    part: Part,
) -> Result<Paged<[EntryList; 2]>, AppError> {
    let order = match listing.sort() {
        Some(BallotSort::Number) => BallotOrder::Number,
        Some(BallotSort::EnteredBy) => BallotOrder::EnteredBy,
        None => BallotOrder::Entered,
    };
    let (desc, window) = (listing.dir() == Dir::Desc, listing.window);
    state
        .blocking(move |s| {
            let lists = |window: Option<(u32, u32)>| {
                let lists = s.election_entry_lists(poll, order, desc, window)?;
                let longer = lists[0].count.max(lists[1].count);
                Ok((lists, longer))
            };
            match part {
                Part::Page => window.fetch(|n, at| lists(Some((n, at)))),
                Part::Whole => {
                    let (rows, total) = lists(None)?;
                    Ok(Paged {
                        rows,
                        total,
                        window,
                    })
                }
            }
        })
        .await
}

/// Both entries of the ballot box side by side, and the entry form.
pub async fn ballots_page(
    Ctx { state, viewer, uri }: Ctx,
    InScope(e): InScope<Election>,
    listing: Listing<BallotSort>,
) -> Result<Html<String>, AppError> {
    ballots_view(&state, &viewer, &uri, &e, listing, None).await
}

/// The ballots page; with `failed`, the form that failed shows why
/// beside its fields and keeps what was typed.
pub(super) async fn ballots_view(
    state: &AppState,
    viewer: &Viewer,
    uri: &axum::http::Uri,
    e: &Election,
    listing: Listing<BallotSort>,
    failed: Option<Failed>,
) -> Result<Html<String>, AppError> {
    let listing = listing.at("entries");
    let paged = entry_lists(state, e.id, &listing, Part::Page).await?;
    let [a, b] = &paged.rows;
    let mine = my_entry(viewer, &a.entered_by, &b.entered_by);
    let sight = sight(viewer, e, &a.entered_by, &b.entered_by);
    let shown = |list: &EntryList, seen: bool| EntryList {
        ballots: if seen { list.ballots.clone() } else { vec![] },
        ..list.clone()
    };
    let (a, b) = (shown(a, sight.first), shown(b, sight.second));
    let (min, max) = names_range(e);
    let csv = format!("/election/{}/ballots.csv", e.id);
    render(
        viewer,
        uri,
        "election_ballots.html",
        context! {
            list => listing.view(&paged, Some(&csv)),
            a => a,
            b => b,
            e => e,
            my_entry => mine,
            withheld => sight.withheld(),
            names_min => min,
            names_max => max,
            can_write => can_write(viewer, Resource::Election) && e.published_at.is_none(),
            failed => failed,
        },
    )
}

/// Both entries in the page's order, every page, as CSV: a row a ballot,
/// entry A's first.
pub async fn ballots_csv(
    Ctx { state, viewer, .. }: Ctx,
    InScope(e): InScope<Election>,
    listing: Listing<BallotSort>,
) -> Result<Response, AppError> {
    let lists = entry_lists(&state, e.id, &listing, Part::Whole).await?;
    let columns = [
        "election_entry",
        "election_ballot_id",
        "election_names",
        "election_entered_by",
    ];
    let [a, b] = &lists.rows;
    let sight = sight(&viewer, &e, &a.entered_by, &b.entered_by);
    let mut csv = Csv::new(viewer.lang, &columns);
    for ((entry, seen), list) in [("A", sight.first), ("B", sight.second)]
        .into_iter()
        .zip(lists.rows)
    {
        if !seen {
            continue;
        }
        for r in list.ballots {
            csv.row([
                Cell::text(entry),
                Cell::text(r.ballot_id),
                Cell::text(r.names.join(", ")),
                Cell::text(r.entered_by),
            ]);
        }
    }
    Ok(csv.download(&format!("lumbung-ballots-{}.csv", e.id)))
}

/// One entry's ballots typed in, a ballot a line.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct BallotsForm {
    entry: String,
    lines: String,
}

pub async fn enter_ballots(
    Ctx { state, viewer, uri }: Ctx,
    InScope(e): InScope<Election>,
    MultiForm(f): MultiForm<BallotsForm>,
) -> Result<Response, AppError> {
    let entered = async {
        let entry = entry_of(&f.entry)?;
        let ballots =
            read_ballot_lines(f.lines.trim()).map_err(|r| invalid("lines", r.by_line()))?;
        if ballots.is_empty() {
            return Err(invalid(
                "lines",
                text!("election_ballot_lines";
                    id: "ketik satu surat suara per baris: nomor surat suara, nama-nama",
                    en: "type one ballot per line: ballot id, names"),
            ));
        }
        step(&state, &viewer, e.id, "/ballots", move |s, poll, actor| {
            s.enter_ballots(poll, entry, &ballots, actor)
        })
        .await
    }
    .await;
    let typed = vec![("entry", f.entry.as_str()), ("lines", f.lines.as_str())];
    or_sent_back(
        (&state, &viewer, &uri),
        &e,
        Page::Ballots,
        ("ballots", typed),
        entered,
    )
    .await
}

/// A ballot of one entry corrected (`remove=1`: taken out), or a
/// difference resolved (`not_a_ballot=1`: no ballot), with a note.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct BallotForm {
    entry: String,
    ballot_id: String,
    names: String,
    remove: String,
    not_a_ballot: String,
    note: String,
}

impl BallotForm {
    /// The names written, or none when `flag` (the ballot is out) is set.
    fn names(&self, flag: &str) -> Option<Vec<String>> {
        (flag.trim() != "1").then(|| name_list(self.names.trim()))
    }
}

pub async fn correct_ballot(
    Ctx { state, viewer, uri }: Ctx,
    InScope(e): InScope<Election>,
    MultiForm(f): MultiForm<BallotForm>,
) -> Result<Response, AppError> {
    let corrected = async {
        let entry = entry_of(&f.entry)?;
        let (ballot, names) = (f.ballot_id.trim().to_owned(), f.names(&f.remove));
        step(&state, &viewer, e.id, "/ballots", move |s, poll, actor| {
            s.correct_ballot(poll, entry, &ballot, names.as_deref(), actor)
        })
        .await
    }
    .await;
    let typed = vec![
        ("entry", f.entry.as_str()),
        ("ballot_id", f.ballot_id.as_str()),
        ("names", f.names.as_str()),
        ("remove", f.remove.as_str()),
    ];
    or_sent_back(
        (&state, &viewer, &uri),
        &e,
        Page::Ballots,
        ("correct", typed),
        corrected,
    )
    .await
}

pub async fn resolve(
    Ctx { state, viewer, uri }: Ctx,
    InScope(e): InScope<Election>,
    MultiForm(f): MultiForm<BallotForm>,
) -> Result<Response, AppError> {
    let (ballot, names) = (f.ballot_id.trim().to_owned(), f.names(&f.not_a_ballot));
    let note = f.note.trim().to_owned();
    let resolved = step(
        &state,
        &viewer,
        e.id,
        "#differences",
        move |s, poll, actor| s.resolve_ballot(poll, &ballot, names.as_deref(), &note, actor),
    )
    .await;
    let typed = vec![
        ("ballot_id", f.ballot_id.as_str()),
        ("names", f.names.as_str()),
        ("not_a_ballot", f.not_a_ballot.as_str()),
        ("note", f.note.as_str()),
    ];
    or_sent_back(
        (&state, &viewer, &uri),
        &e,
        Page::Poll,
        ("resolve", typed),
        resolved,
    )
    .await
}

/// Written forms of a name grouped as one person (`written` repeats), or
/// one taken out of its group.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct GroupForm {
    person: String,
    written: Many,
}

pub async fn add_groups(
    Ctx { state, viewer, uri }: Ctx,
    InScope(e): InScope<Election>,
    MultiForm(f): MultiForm<GroupForm>,
) -> Result<Response, AppError> {
    let (person, written) = (f.person.trim().to_owned(), f.written.0.clone());
    let grouped = async {
        if person.is_empty() || written.is_empty() {
            return Err(invalid(
                "person",
                text!("election_group_needs";
                    id: "sebutkan orangnya dan sedikitnya satu bentuk tulisan",
                    en: "name the person and at least one written form"),
            ));
        }
        step(&state, &viewer, e.id, "#groups", move |s, poll, actor| {
            written
                .iter()
                .try_for_each(|w| s.add_group(poll, w, &person, actor))
        })
        .await
    }
    .await;
    let written = f.written.0.join(", ");
    let typed = vec![("person", f.person.as_str()), ("written", written.as_str())];
    or_sent_back(
        (&state, &viewer, &uri),
        &e,
        Page::Poll,
        ("groups", typed),
        grouped,
    )
    .await
}

pub async fn remove_group(
    Ctx { state, viewer, .. }: Ctx,
    InScope(e): InScope<Election>,
    MultiForm(f): MultiForm<GroupForm>,
) -> Result<Response, AppError> {
    let written = f.written.0.into_iter().next().unwrap_or_default();
    step(&state, &viewer, e.id, "#groups", move |s, poll, actor| {
        s.remove_group(poll, &written, actor)
    })
    .await
}

/// A door-to-door collection, on a day (blank: today).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DoorForm {
    on: String,
    note: String,
}

pub async fn door_to_door(
    Ctx { state, viewer, uri }: Ctx,
    InScope(e): InScope<Election>,
    MultiForm(f): MultiForm<DoorForm>,
) -> Result<Response, AppError> {
    let recorded = async {
        let on = date_of(&f.on, "on", state.store.clock().today())?;
        let note = f.note.trim().to_owned();
        step(&state, &viewer, e.id, "", move |s, poll, actor| {
            s.record_door_to_door(poll, on, &note, actor)
        })
        .await
    }
    .await;
    let typed = vec![("on", f.on.as_str()), ("note", f.note.as_str())];
    or_sent_back(
        (&state, &viewer, &uri),
        &e,
        Page::Poll,
        ("door", typed),
        recorded,
    )
    .await
}

/// A tie decided: by revote (`votes:<name>` for each tied name) or by lot
/// (`winner` repeats), with a note.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TieForm {
    rule: String,
    winner: Many,
    note: String,
    #[serde(flatten)]
    votes: Rest,
}

fn tie_from(f: TieForm) -> Result<TieInput, AppError> {
    let rule = match f.rule.trim() {
        "revote" => TieRule::Revote,
        "lot" => TieRule::Lot,
        other => return Err(invalid("rule", neither_revote_nor_lot(other))),
    };
    let mut revote = Vec::new();
    for (name, field, v) in f.votes.prefixed("votes:") {
        let n: u64 = v.parse().map_err(|_| {
            invalid(
                field,
                text!("election_not_votes", value = format!("{v:?}");
                    id: "{value} bukan jumlah suara", en: "{value} is not a number of votes"),
            )
        })?;
        revote.push((name.to_owned(), n));
    }
    Ok(TieInput {
        rule,
        winners: f.winner.0,
        revote,
        note: f.note.trim().to_owned(),
    })
}

pub async fn tie(
    Ctx { state, viewer, uri }: Ctx,
    InScope(e): InScope<Election>,
    MultiForm(f): MultiForm<TieForm>,
) -> Result<Response, AppError> {
    let note = f.note.clone();
    let decided = async {
        let input = tie_from(f)?;
        step(&state, &viewer, e.id, "", move |s, poll, actor| {
            s.record_tie(poll, &input, actor)
        })
        .await
    }
    .await;
    let typed = vec![("note", note.as_str())];
    or_sent_back(
        (&state, &viewer, &uri),
        &e,
        Page::Poll,
        ("tie", typed),
        decided,
    )
    .await
}

/// The publish form: the fingerprint of the count as its member saw it,
/// which it proposes, or confirms when another member proposed it.
#[derive(Debug, Default, Deserialize)]
pub struct PublishForm {
    #[serde(default)]
    confirms: String,
}

pub async fn publish(
    Ctx { state, viewer, uri }: Ctx,
    InScope(e): InScope<Election>,
    Form(f): Form<PublishForm>,
) -> Result<Response, AppError> {
    let poll = e.id;
    let confirms = Some(f.confirms.trim().to_owned()).filter(|c| !c.is_empty());
    let step = acting(&state, &viewer, move |s, actor| {
        s.publish_election(poll, confirms.as_deref(), actor)
    })
    .await;
    let published = step.map(|step| {
        redirect(&match step {
            PublishStep::Proposed(_) => format!("/election/{poll}#publication"),
            PublishStep::Published(_) => format!("/election/results/{poll}"),
        })
    });
    or_sent_back(
        (&state, &viewer, &uri),
        &e,
        Page::Poll,
        ("publish", vec![]),
        published,
    )
    .await
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
    Ctx { viewer, uri, .. }: Ctx,
    InScope(e): InScope<Election>,
    Query(q): Query<SheetQuery>,
) -> Result<Html<String>, AppError> {
    let (min, max) = names_range(&e);
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
    Ctx { state, viewer, uri }: Ctx,
    InScope(e): InScope<Election>,
) -> Result<Html<String>, AppError> {
    let c = state.blocking(move |s| s.election_count(e.id)).await?;
    render(
        &viewer,
        &uri,
        "election_minutes.html",
        // The differences still open come from the same count as the
        // election's page, so the two never disagree.
        context! { r => c.summary(), draft => !c.ready || c.election.published_at.is_none(), ready => c.ready, sha256 => "", unresolved => c.unresolved },
    )
}

/// Entry A or B, as the form names it.
fn entry_of(raw: &str) -> Result<BallotEntry, AppError> {
    BallotEntry::parse(raw.trim()).ok_or_else(|| {
        invalid(
            "entry",
            text!("election_choose_entry"; id: "pilih entri A atau entri B", en: "choose entry A or entry B"),
        )
    })
}
