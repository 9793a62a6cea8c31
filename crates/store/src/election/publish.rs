//! Counting a poll and publishing its result: two committee members (one
//! proposes the count, another confirms it), then the snapshot, the CSV
//! files anyone can recount and their hashes. The poll then takes no more
//! changes.

use super::committee;
use super::rows::{
    area_of, count_tx, grouping_of, open_poll, record_on_poll, sha256_hex, voters_tx,
};
use super::types::{Count, Election, PublishStep, Published};
use crate::audit::record;
use crate::db::params;
use crate::{now, Actor, Result, Store, StoreError};
use lumbung_community::election::committee::{publish_request, PublishRequest};
use lumbung_community::election::publish::{snapshot_of, term_of, PublishFiles, PublishInput};
use lumbung_community::election::{check_double_entry, check_second_member, TwoMemberStep};
use lumbung_domain::{text, PollId};
use serde_json::json;

impl Store {
    /// The poll's count as it stands, with the proposal to publish it.
    pub fn election_count(&self, poll: PollId) -> Result<Count> {
        let conn = self.conn()?;
        let mut count = count_tx(&conn, poll)?;
        let sha = match count.ready {
            true => Some(committee::count_sha(&conn, poll, &count)?),
            false => None,
        };
        count.publication = committee::publication_tx(&conn, poll, &count, sha.as_deref())?;
        count.count_sha256 = sha;
        Ok(count)
    }

    /// Publishing takes two committee members: the first request proposes
    /// the count; a request by another member naming the count proposed,
    /// while it is still the count, confirms and publishes it. Every
    /// ballot counted must be in both entries, made by two members. See
    /// [`publish_tx`] for what is published.
    ///
    /// `confirms`, the fingerprint of the count its member looked at
    /// (`Count::count_sha256`): when the count changed since, the request
    /// is refused, never proposing or confirming in its member's name a
    /// count they have not seen. Without it, the request proposes the
    /// count as it stands and never confirms (a page opened before another
    /// member changed the count and proposed it once confirmed it).
    pub fn publish_election(
        &self,
        poll: PollId,
        confirms: Option<&str>,
        actor: &Actor,
    ) -> Result<PublishStep> {
        let id = poll.get();
        self.write(|tx| {
            let e = open_poll(tx, poll)?;
            let count = count_tx(tx, poll)?;
            if !count.ready {
                let why: Vec<String> = count.blockers.iter().map(|b| b.detail.clone()).collect();
                return Err(StoreError::conflict(
                    text!("election_not_ready", why = why.join("; ");
                    id: "hasilnya belum bisa diumumkan: {why}",
                    en: "the result cannot be published yet: {why}"),
                ));
            }
            let not_ballots = committee::not_ballots(tx, poll)?;
            let not_ballots: Vec<&str> = not_ballots.iter().map(String::as_str).collect();
            check_double_entry(
                &committee::EntryBoxes::of(tx, poll)?.entries(),
                &not_ballots,
            )
            .map_err(committee::refused)?;
            let me = actor.label();
            let sha = committee::count_sha(tx, poll, &count)?;
            let area = area_of(&e);
            let proposal = committee::proposal_row(tx, poll)?;
            let proposed = proposal.as_ref().map(|p| p.count_sha256.as_str());
            match (publish_request(proposed, &sha, confirms), &proposal) {
                (PublishRequest::Confirm, Some(p)) => {
                    check_second_member(TwoMemberStep::Publication, &p.proposed_by, &me)
                        .map_err(committee::refused)?;
                    committee::confirm(tx, poll, &me)?;
                    let published = publish_tx(tx, &e, &count, actor, &p.proposed_by)?;
                    Ok(PublishStep::Published(Box::new(published)))
                }
                (PublishRequest::CountChanged, _) => Err(StoreError::conflict(
                    text!("election_count_changed";
                        id: "hitungannya berubah sejak Anda melihatnya: periksa lagi, lalu usulkan",
                        en: "the count changed since you looked at it: look at it again, then propose it"),
                )),
                _ => {
                    let p = committee::propose(tx, poll, &sha, &me)?;
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
/// its result, the files anyone can recount it from
/// (`lumbung_community::election::PublishFiles`) and their hashes. The
/// poll takes no more changes. A level-2 result starts the BKM's term.
fn publish_tx(
    tx: &crate::db::Transaction<'_>,
    e: &Election,
    count: &Count,
    actor: &Actor,
    proposed_by: &str,
) -> Result<Published> {
    let id = e.id.get();
    let r = count.recount.as_ref().expect("ready means counted");
    let ballots = count.ballots.as_ref().expect("ready means agreed");
    let register: Vec<String> = if r.residents_checked {
        voters_tx(tx, e.id)?.into_iter().map(|v| v.name).collect()
    } else {
        vec![]
    };
    let groups: Vec<(String, String)> = count
        .groups
        .iter()
        .map(|g| (g.written.clone(), g.person.clone()))
        .collect();
    let files = PublishFiles::of(&PublishInput {
        level: e.level,
        names_per_ballot: r.names_per_ballot,
        residents_checked: r.residents_checked,
        ballots,
        groups: &groups,
        grouping: &grouping_of(&count.groups)?,
        register: &register,
    });
    let published_at = now();
    let term = term_of(e.level, e.held_on, count.settings.term_years);
    let snapshot = snapshot_of(
        count.result_summary(),
        term,
        r,
        &files,
        published_at.clone(),
        sha256_hex,
    );
    let PublishFiles {
        ballots_csv,
        groups_csv,
        residents_csv,
    } = files;
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
            term.map(|t| t.start.to_string()),
            term.map(|t| t.end.to_string())
        ],
    )?;
    record_on_poll(
        tx,
        actor,
        "election_publish",
        e,
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
