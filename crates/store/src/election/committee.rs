//! No committee member decides alone (`lumbung_community::election::
//! committee` holds the rules): the entries and who made them, the
//! proposal to publish and its confirmation by a second member. The
//! schema's triggers back each rule up.

use super::rows::{entry_tx, resolutions_tx, sha256_hex, voters_tx};
use super::types::{Count, Entry, Publication};
use crate::db::{params, Connection};
use crate::{now, Result, StoreError};
use lumbung_community::election::{boxed, makers, BallotBox, CommitteeError, Entries};
use lumbung_domain::{text, PollId};

/// The two entries of a poll as ballot boxes, with who made each.
pub(super) struct EntryBoxes {
    a: BallotBox,
    b: BallotBox,
    made_a: Vec<String>,
    made_b: Vec<String>,
}

impl EntryBoxes {
    pub(super) fn of(conn: &Connection, poll: PollId) -> Result<EntryBoxes> {
        let (a, b) = (
            entry_tx(conn, poll, Entry::A)?,
            entry_tx(conn, poll, Entry::B)?,
        );
        Ok(EntryBoxes {
            made_a: makers(&a),
            made_b: makers(&b),
            a: boxed(&a),
            b: boxed(&b),
        })
    }

    pub(super) fn entries(&self) -> Entries<'_> {
        Entries {
            a: &self.a,
            b: &self.b,
            made_a: &self.made_a,
            made_b: &self.made_b,
        }
    }
}

/// A refused committee step as the store says it: an unknown ballot is
/// not found, every other refusal a conflict with what is recorded.
pub(super) fn refused(e: CommitteeError) -> StoreError {
    match e {
        CommitteeError::UnknownBallot(b) => {
            StoreError::not_found(text!("election_ballot", ballot = b;
            id: "surat suara {ballot}", en: "ballot {ballot}"))
        }
        other => StoreError::conflict(other.text()),
    }
}

/// The ballot ids resolved as "not a ballot".
pub(super) fn not_ballots(conn: &Connection, poll: PollId) -> Result<Vec<String>> {
    Ok(resolutions_tx(conn, poll)?
        .into_iter()
        .filter(|r| r.names.is_none())
        .map(|r| r.ballot_id)
        .collect())
}

/// The fingerprint of a count a proposal is about: its public summary.
/// The fingerprint a proposal to publish is confirmed against: the count's
/// summary, and what is published with it or bears on it that the
/// summary only counts — the register (each voter's row), the groupings
/// and the agreed ballots. (A voter swapped for another after the
/// proposal, the counts equal, once left the proposal current for one
/// member to confirm.)
pub(super) fn count_sha(conn: &Connection, poll: PollId, count: &Count) -> Result<String> {
    let mut text = count.result_summary().to_json();
    text.push('\n');
    let register = voters_tx(conn, poll)?;
    text.push_str(
        &serde_json::to_string(&(&register, &count.groups, &count.ballots))
            .expect("rows serialise as JSON"),
    );
    Ok(sha256_hex(&text))
}

/// The proposal row: proposer, time, the count's fingerprint, confirmer.
pub(super) struct ProposalRow {
    pub proposed_by: String,
    pub proposed_at: String,
    pub count_sha256: String,
    pub confirmed_by: Option<String>,
    pub confirmed_at: Option<String>,
}

pub(super) fn proposal_row(conn: &Connection, poll: PollId) -> Result<Option<ProposalRow>> {
    crate::sql::optional_row(
        conn,
        "SELECT proposed_by, proposed_at, count_sha256, confirmed_by, confirmed_at
             FROM election_publications WHERE poll = ?1",
        [poll.get()],
        |r| {
            from_row!(
                r,
                ProposalRow {
                    proposed_by,
                    proposed_at,
                    count_sha256,
                    confirmed_by,
                    confirmed_at
                }
            )
        },
    )
}

impl ProposalRow {
    pub(super) fn publication(&self, current: bool) -> Publication {
        Publication {
            proposed_by: self.proposed_by.clone(),
            proposed_at: self.proposed_at.clone(),
            confirmed_by: self.confirmed_by.clone(),
            confirmed_at: self.confirmed_at.clone(),
            current,
            count_sha256: self.count_sha256.clone(),
        }
    }
}

/// The proposal to publish a poll, if any, and whether the count is
/// still the one proposed.
pub(super) fn publication_tx(
    conn: &Connection,
    poll: PollId,
    count: &Count,
    sha: Option<&str>,
) -> Result<Option<Publication>> {
    let Some(p) = proposal_row(conn, poll)? else {
        return Ok(None);
    };
    let current = p.confirmed_by.is_some()
        || match sha {
            Some(sha) => p.count_sha256 == sha,
            None => p.count_sha256 == count_sha(conn, poll, count)?,
        };
    Ok(Some(p.publication(current)))
}

/// Records (or renews) `who`'s proposal to publish the count as it is.
pub(super) fn propose(
    conn: &Connection,
    poll: PollId,
    count_sha256: &str,
    who: &str,
) -> Result<Publication> {
    let at = now();
    conn.execute(
        "INSERT INTO election_publications (poll, proposed_by, proposed_at, count_sha256)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (poll) DO UPDATE SET proposed_by = excluded.proposed_by,
             proposed_at = excluded.proposed_at, count_sha256 = excluded.count_sha256",
        params![poll.get(), who, at, count_sha256],
    )?;
    Ok(Publication {
        proposed_by: who.to_owned(),
        proposed_at: at,
        confirmed_by: None,
        confirmed_at: None,
        current: true,
        count_sha256: count_sha256.to_owned(),
    })
}

/// Records `who`'s confirmation of the proposal (the trigger and the
/// CHECK refuse the proposer).
pub(super) fn confirm(conn: &Connection, poll: PollId, who: &str) -> Result<()> {
    conn.execute(
        "UPDATE election_publications SET confirmed_by = ?2, confirmed_at = ?3 WHERE poll = ?1",
        params![poll.get(), who, now()],
    )?;
    Ok(())
}
