//! The election's stored values: entries, polls, groupings, signatures,
//! the count as the committee sees it, published results. The values the
//! rules work on are `lumbung_community::election`'s.

use jiff::civil::Date;
use lumbung_community::election::snapshot::{EntriesSummary, Place, RegisterCounts};
use lumbung_community::election::{
    Blocker, Difference, DoorToDoorNote, ElectionSettings, EntryInfo, Level, Poll, Recount,
    Resolution, ResolutionNote, ResultSummary, Suggestion, Term, TieRecord, WomenShare,
};
use lumbung_domain::{Placement, PollId};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One of the two independent entries of a ballot box.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Entry {
    A,
    B,
}

impl Entry {
    pub fn as_str(self) -> &'static str {
        match self {
            Entry::A => "a",
            Entry::B => "b",
        }
    }

    pub fn parse(raw: &str) -> Option<Entry> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "a" => Some(Entry::A),
            "b" => Some(Entry::B),
            _ => None,
        }
    }

    /// The entry the other committee member makes.
    pub fn other(self) -> Entry {
        match self {
            Entry::A => Entry::B,
            Entry::B => Entry::A,
        }
    }
}

/// The orders a ballot entry is listed in: as entered, by ballot number,
/// by who entered it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BallotOrder {
    Entered,
    Number,
    EnteredBy,
}

/// Part of one entry of a ballot box: ballots, the count of all of them,
/// and who entered them.
#[derive(Debug, Clone, Serialize)]
pub struct EntryList {
    pub ballots: Vec<lumbung_community::election::BallotRow>,
    pub count: u64,
    pub entered_by: Vec<String>,
}

/// One poll, with where it sits.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Election {
    pub id: PollId,
    pub level: Level,
    /// The RT (level 1) or the kelurahan (level 2, coordinator).
    pub area_code: String,
    pub area_name: String,
    pub kelurahan_code: String,
    pub kelurahan_name: String,
    #[schemars(with = "String")]
    pub held_on: Date,
    pub created_at: String,
    pub published_at: Option<String>,
    #[schemars(with = "Option<String>")]
    pub term_start: Option<Date>,
    #[schemars(with = "Option<String>")]
    pub term_end: Option<Date>,
    /// The kelurahan's settings as they were when the poll opened: the
    /// poll is counted with these (later changes apply to later polls).
    #[serde(skip)]
    pub settings: ElectionSettings,
    /// The poll's area, and the organisations in its kelurahan (a BKM or
    /// UPK scoped user reads the elections of its own kelurahan).
    #[serde(skip)]
    pub placement: Placement,
}

/// A confirmed grouping: a written variant and the person it means.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupRow {
    pub written: String,
    pub person: String,
    pub confirmed_by: String,
}

/// Votes collected door to door because the quorum was not met.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DoorToDoor {
    pub on: Date,
    pub note: String,
    pub recorded_by: String,
}

/// Who recorded a tie decision and, for a lot, the second member who
/// confirmed it (a lot counts only then).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TieSigners {
    pub decided_by: String,
    pub decided_at: String,
    pub confirmed_by: Option<String>,
    pub confirmed_at: Option<String>,
}

/// A proposal to publish a poll's result, and the second member's
/// confirmation (which publishes it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Publication {
    pub proposed_by: String,
    pub proposed_at: String,
    pub confirmed_by: Option<String>,
    pub confirmed_at: Option<String>,
    /// The count is still the one proposed (else a confirmation proposes
    /// anew).
    pub current: bool,
    /// The SHA-256 of the count proposed: a confirmation names it, so that
    /// it confirms the count its member looked at, never a later one.
    pub count_sha256: String,
}

/// What a request to publish did: proposed it (a second committee member
/// confirms), or published it (it was the confirmation).
#[derive(Debug, Clone)]
pub enum PublishStep {
    Proposed(Publication),
    Published(Box<Published>),
}

/// Everything about a poll's count, as the committee sees it.
#[derive(Debug, Clone, Serialize)]
pub struct Count {
    pub election: Election,
    pub settings: ElectionSettings,
    pub seats: usize,
    pub registered: u64,
    pub eligible: u64,
    pub voted: u64,
    pub entry_a: EntryInfo,
    pub entry_b: EntryInfo,
    /// Every difference between the entries, resolved or not.
    pub differences: Vec<Difference>,
    pub unresolved: usize,
    pub resolutions: Vec<Resolution>,
    /// The agreed ballots (when no difference is left).
    pub ballots: Option<Vec<(String, Vec<String>)>>,
    pub groups: Vec<GroupRow>,
    pub suggestions: Vec<Suggestion>,
    pub recount: Option<Recount>,
    pub tie: Option<TieRecord>,
    /// Who recorded the tie decision and, for a lot, who confirmed it.
    pub tie_signers: Option<TieSigners>,
    /// The proposal to publish, and its confirmation.
    pub publication: Option<Publication>,
    /// The fingerprint of the count as it stands, when it can be
    /// published: a request to publish names it (`confirms`), so that it
    /// proposes or confirms the count its member saw, never a later one.
    pub count_sha256: Option<String>,
    /// The final list: the recount's elected, then a tie's winners.
    pub elected: Option<Vec<String>>,
    pub women: Option<WomenShare>,
    pub door_to_door: Vec<DoorToDoor>,
    pub blockers: Vec<Blocker>,
    /// Ballots counted and register flags disagree (a warning).
    pub voted_mismatch: bool,
    pub ready: bool,
    /// The delegates used as the register of a level-2 poll (or the members
    /// of a coordinator vote), with the poll each came from.
    pub sources: Vec<PollId>,
}

impl Count {
    /// The public part of the count: what a published result shows and
    /// the minutes print — counts, the recount, the decision, the
    /// groupings — never the register nor who entered what.
    pub fn result_summary(&self) -> ResultSummary {
        let e = &self.election;
        let place = |code: &str, name: &str| Place {
            code: code.to_owned(),
            name: name.to_owned(),
        };
        ResultSummary {
            election: Poll {
                id: e.id,
                level: e.level,
                area: place(&e.area_code, &e.area_name),
                kelurahan: place(&e.kelurahan_code, &e.kelurahan_name),
                held_on: e.held_on,
            },
            term: e
                .term_start
                .zip(e.term_end)
                .map(|(start, end)| Term { start, end }),
            settings: self.settings.clone(),
            seats: self.seats,
            register: RegisterCounts {
                eligible: self.eligible,
                voted: self.voted,
            },
            entries: EntriesSummary {
                a: self.entry_a.ballots,
                b: self.entry_b.ballots,
                differences: self.differences.len(),
                resolutions: self
                    .resolutions
                    .iter()
                    .map(|r| ResolutionNote {
                        ballot_id: r.ballot_id.clone(),
                        names: r.names.clone(),
                        note: r.note.clone(),
                    })
                    .collect(),
            },
            recount: self.recount.clone(),
            ranking: self.recount.as_ref().map(|r| {
                r.votes
                    .iter()
                    .map(|(p, n)| (p.as_str().to_owned(), *n))
                    .collect()
            }),
            groups: self
                .groups
                .iter()
                .map(|g| (g.written.clone(), g.person.clone()))
                .collect(),
            tie: self.tie.clone(),
            elected: self.elected.clone(),
            women: self.women.clone(),
            door_to_door: self
                .door_to_door
                .iter()
                .map(|d| DoorToDoorNote {
                    on: d.on,
                    note: d.note.clone(),
                })
                .collect(),
        }
    }

    /// [`Count::result_summary`] as the pages and the minutes read it.
    pub fn summary(&self) -> Value {
        serde_json::to_value(self.result_summary()).expect("a summary serialises")
    }
}

/// A published result: the snapshot, the files anyone can recount, and
/// the SHA-256 of the snapshot.
#[derive(Debug, Clone, Serialize)]
pub struct Published {
    pub election_id: PollId,
    pub published_at: String,
    pub snapshot: Value,
    pub ballots_csv: String,
    pub groups_csv: String,
    pub residents_csv: Option<String>,
    pub sha256: String,
}

/// A line in the list of published results.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct PublishedSummary {
    pub election_id: PollId,
    pub level: Level,
    pub area_code: String,
    pub area_name: String,
    pub kelurahan_name: String,
    #[schemars(with = "String")]
    pub held_on: Date,
    pub published_at: String,
    pub elected: Vec<String>,
}

/// A new poll.
#[derive(Debug, Clone)]
pub struct NewElection {
    pub level: Level,
    pub area_code: String,
    pub held_on: Date,
}
