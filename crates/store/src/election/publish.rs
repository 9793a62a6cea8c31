//! Counting a poll and publishing its result: two committee members (one
//! proposes the count, another confirms it), then the snapshot, the CSV
//! files anyone can recount and their hashes. The poll then takes no more
//! changes.

use super::committee;
use super::rows::{area_of, count_tx, grouping_of, open_poll, sha256_hex, voters_tx};
use super::types::{Count, Election, PublishStep, Published};
use crate::audit::record;
use crate::{now, Actor, Result, Store, StoreError};
use jiff::ToSpan;
use lumbung_community::election::snapshot::{recount_command, SnapshotVersion};
use lumbung_community::election::{
    check_double_entry, check_second_member, Level, NameKey, PublishedSnapshot, ResultSummary,
    Term, TwoMemberStep,
};
use lumbung_domain::{csv_text, PollId};
use rusqlite::params;
use serde_json::json;
use std::collections::{BTreeMap, HashMap};

impl Store {
    /// The poll's count as it stands, with the proposal to publish it.
    pub fn election_count(&self, poll: PollId) -> Result<Count> {
        let id = poll.get();
        let conn = self.conn()?;
        let mut count = count_tx(&conn, id)?;
        count.publication = committee::publication_tx(&conn, id, &count)?;
        Ok(count)
    }

    /// Publishing takes two committee members: the first request proposes
    /// the count as it is; a request by another member, while the count is
    /// still the one proposed, confirms and publishes it (when the count
    /// changed, it proposes anew). Every ballot counted must be in both
    /// entries, made by two members. See [`publish_tx`] for what is
    /// published.
    pub fn publish_election(&self, poll: PollId, actor: &Actor) -> Result<PublishStep> {
        let id = poll.get();
        self.write(|tx| {
            let e = open_poll(tx, id)?;
            let count = count_tx(tx, id)?;
            if !count.ready {
                let why: Vec<String> = count.blockers.iter().map(|b| b.detail.clone()).collect();
                return Err(StoreError::conflict(format!(
                    "the result cannot be published yet: {}",
                    why.join("; ")
                )));
            }
            let not_ballots = committee::not_ballots(tx, id)?;
            let not_ballots: Vec<&str> = not_ballots.iter().map(String::as_str).collect();
            check_double_entry(&committee::EntryBoxes::of(tx, id)?.entries(), &not_ballots)
                .map_err(committee::refused)?;
            let me = actor.label();
            let sha = committee::count_sha(&count);
            let area = area_of(&e);
            match committee::proposal_row(tx, id)? {
                Some(p) if p.count_sha256 == sha => {
                    check_second_member(TwoMemberStep::Publication, &p.proposed_by, &me)
                        .map_err(committee::refused)?;
                    committee::confirm(tx, id, &me)?;
                    let published = publish_tx(tx, &e, &count, actor, &p.proposed_by)?;
                    Ok(PublishStep::Published(Box::new(published)))
                }
                _ => {
                    let p = committee::propose(tx, id, &sha, &me)?;
                    record(
                        tx,
                        actor,
                        "election_publish_propose",
                        "election",
                        &id.to_string(),
                        area,
                        json!({"elected": count.elected}),
                    )?;
                    Ok(PublishStep::Proposed(p))
                }
            }
        })
    }
}

/// Publishes a poll whose count is ready and confirmed: the snapshot of
/// its result, the agreed ballots (ballot id and names only) and the
/// groupings as the CSV files of `lumbung election recount` (cells that
/// start like a spreadsheet formula escaped), and their hashes. The poll
/// takes no more changes. A level-2 result starts the BKM's term.
fn publish_tx(
    tx: &rusqlite::Transaction<'_>,
    e: &Election,
    count: &Count,
    actor: &Actor,
    proposed_by: &str,
) -> Result<Published> {
    let id = e.id.get();
    let r = count.recount.as_ref().expect("ready means counted");
    let ballots = count.ballots.as_ref().expect("ready means agreed");
    let width = ballots
        .iter()
        .map(|(_, n)| n.len())
        .max()
        .unwrap_or(0)
        .max(r.names_per_ballot.max());
    let header: Vec<String> = std::iter::once("ballot_id".to_owned())
        .chain((1..=width).map(|i| format!("name{i}")))
        .collect();
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let ballots_csv = csv_text(
        &header,
        ballots.iter().map(|(bid, names)| {
            let mut row = vec![bid.clone()];
            row.extend(names.iter().cloned());
            row.resize(width + 1, String::new());
            row
        }),
    );
    let groups_csv = csv_text(
        &["written", "person"],
        count
            .groups
            .iter()
            .map(|g| vec![g.written.clone(), g.person.clone()]),
    );
    // Who may be named: at level 2 the delegates (public already); at
    // level 1 only the named people who are on the register, so that
    // the register itself is never published.
    let residents_csv = r.residents_checked.then(|| {
        let people: Vec<Vec<String>> = match e.level {
            Level::Rt => {
                let register: HashMap<NameKey, String> = voters_tx(tx, id)
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|v| Some((NameKey::new(&v.name)?, v.name)))
                    .collect();
                let grouping = grouping_of(&count.groups).unwrap_or_default();
                let mut named: Vec<String> = Vec::new();
                for (_, names) in ballots {
                    for n in names {
                        let Some(k) = NameKey::new(n) else { continue };
                        let key = grouping
                            .person_for(&k)
                            .map(|p| p.key().clone())
                            .unwrap_or(k);
                        if let Some(shown) = register.get(&key) {
                            if !named.contains(shown) {
                                named.push(shown.clone());
                            }
                        }
                    }
                }
                named.sort_by_key(|n| n.to_lowercase());
                named.into_iter().map(|n| vec![n]).collect()
            }
            _ => voters_tx(tx, id)
                .unwrap_or_default()
                .into_iter()
                .map(|v| vec![v.name])
                .collect(),
        };
        csv_text(&["person"], people)
    });
    let published_at = now();
    let term = (e.level == Level::Bkm).then(|| {
        let start = e.held_on;
        let end = start
            .checked_add(i64::from(count.settings.term_years).years())
            .unwrap_or(start);
        (start, end)
    });
    let mut files = BTreeMap::new();
    files.insert("BALLOTS.csv".to_owned(), sha256_hex(&ballots_csv));
    files.insert("GROUPS.csv".to_owned(), sha256_hex(&groups_csv));
    if let Some(res) = &residents_csv {
        files.insert("RESIDENTS.csv".to_owned(), sha256_hex(res));
    }
    let snapshot = PublishedSnapshot {
        version: SnapshotVersion::FIRST,
        summary: ResultSummary {
            term: term.map(|(start, end)| Term { start, end }),
            ..count.result_summary()
        },
        published_at: published_at.clone(),
        files,
        command: recount_command(r, residents_csv.is_some()),
    };
    let snapshot_text = snapshot.to_json();
    let sha = sha256_hex(&snapshot_text);
    tx.execute(
        "INSERT INTO election_results (poll, published_at, published_by, snapshot, ballots_csv, groups_csv, residents_csv, sha256)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            id,
            published_at,
            actor.label(),
            snapshot_text,
            ballots_csv,
            groups_csv,
            residents_csv,
            sha
        ],
    )?;
    tx.execute(
        "UPDATE election_polls SET published_at = ?2, term_start = ?3, term_end = ?4 WHERE id = ?1",
        params![
            id,
            published_at,
            term.map(|t| t.0.to_string()),
            term.map(|t| t.1.to_string())
        ],
    )?;
    record(
        tx,
        actor,
        "election_publish",
        "election",
        &id.to_string(),
        area_of(e),
        json!({"sha256": sha, "elected": count.elected, "proposed_by": proposed_by}),
    )?;
    Ok(Published {
        election_id: e.id,
        published_at,
        snapshot: serde_json::to_value(&snapshot).expect("a snapshot serialises"),
        ballots_csv,
        groups_csv,
        residents_csv,
        sha256: sha,
    })
}
