//! The public part of a count, and the published result: what the minutes
//! print and the results page shows, never the register nor who entered
//! what. The SHA-256 of a published snapshot's JSON is the public
//! integrity hash, so its serialisation is fixed: [`PublishedSnapshot::
//! to_json`] writes every object with its keys sorted and no whitespace
//! (the bytes `serde_json::Value` writes), and a test pins the bytes.

use super::count::{Resolution, TieRecord};
use super::recount::Recount;
use super::settings::{ElectionSettings, Level};
use super::women::WomenShare;
use jiff::civil::Date;
use lumbung_domain::PollId;
use serde::Serialize;
use std::collections::BTreeMap;

/// A code and a name (an RT, a kelurahan).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Place {
    pub code: String,
    pub name: String,
}

/// Which poll a result is of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Poll {
    pub id: PollId,
    pub level: Level,
    pub area: Place,
    pub kelurahan: Place,
    pub held_on: Date,
}

/// A BKM's term.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Term {
    pub start: Date,
    pub end: Date,
}

/// The counts of the register (never its names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RegisterCounts {
    pub eligible: u64,
    pub voted: u64,
}

/// How the committee read a ballot the entries differ on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResolutionNote {
    pub ballot_id: String,
    pub names: Option<Vec<String>>,
    pub note: String,
}

/// A resolution as published: without who resolved it or when.
impl From<&Resolution> for ResolutionNote {
    fn from(r: &Resolution) -> ResolutionNote {
        ResolutionNote {
            ballot_id: r.ballot_id.clone(),
            names: r.names.clone(),
            note: r.note.clone(),
        }
    }
}

/// The two entries: their sizes, differences and resolutions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntriesSummary {
    pub a: usize,
    pub b: usize,
    pub differences: usize,
    pub resolutions: Vec<ResolutionNote>,
}

/// A door-to-door collection: when and what was noted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DoorToDoorNote {
    pub on: Date,
    pub note: String,
}

/// The public part of a count. `ranking` and `groups` are lists so that
/// they keep their order (JSON objects need not).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResultSummary {
    pub election: Poll,
    pub term: Option<Term>,
    pub settings: ElectionSettings,
    pub seats: usize,
    pub register: RegisterCounts,
    pub entries: EntriesSummary,
    pub recount: Option<Recount>,
    pub ranking: Option<Vec<(String, u64)>>,
    pub groups: Vec<(String, String)>,
    pub tie: Option<TieRecord>,
    pub elected: Option<Vec<String>>,
    pub women: Option<WomenShare>,
    pub door_to_door: Vec<DoorToDoorNote>,
}

impl ResultSummary {
    /// The summary's JSON as hashed: keys sorted, no whitespace.
    pub fn to_json(&self) -> String {
        canonical(self)
    }
}

/// The shape of a published snapshot. Version 1 is written without a
/// `version` key (as every result published before versions were named);
/// a later shape writes its number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct SnapshotVersion(u32);

impl SnapshotVersion {
    pub const FIRST: SnapshotVersion = SnapshotVersion(1);

    fn is_first(&self) -> bool {
        *self == Self::FIRST
    }
}

/// A published result: the summary as it was at publication, when, the
/// SHA-256 of each file anyone can recount it from, and the command that
/// does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublishedSnapshot {
    #[serde(skip_serializing_if = "SnapshotVersion::is_first")]
    pub version: SnapshotVersion,
    #[serde(flatten)]
    pub summary: ResultSummary,
    pub published_at: String,
    /// File name → SHA-256 (hex).
    pub files: BTreeMap<String, String>,
    pub command: String,
}

impl PublishedSnapshot {
    /// The snapshot's JSON as stored and hashed: keys sorted, no
    /// whitespace.
    pub fn to_json(&self) -> String {
        canonical(self)
    }
}

/// The command that recounts a published result from its files.
pub fn recount_command(r: &Recount, with_residents: bool) -> String {
    let mut command = format!(
        "lumbung election recount BALLOTS.csv --groups GROUPS.csv --eligible {} --seats {} --min-names {} --max-names {} --quorum {}",
        r.eligible,
        r.seats,
        r.names_per_ballot.min(),
        r.names_per_ballot.max(),
        r.quorum
    );
    if with_residents {
        command.push_str(" --residents RESIDENTS.csv");
    }
    command.push_str(" --format json");
    command
}

/// JSON with every object's keys sorted (`serde_json::Value` keeps its
/// keys in a sorted map: the workspace never enables `preserve_order`).
fn canonical(value: &impl Serialize) -> String {
    serde_json::to_value(value)
        .expect("a snapshot serialises")
        .to_string()
}

#[cfg(test)]
mod tests;
