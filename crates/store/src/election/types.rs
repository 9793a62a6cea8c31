//! The election's values: levels, entries, settings, polls, voters,
//! ballots, decisions and the count as the committee and the public see it.

use super::*;

/// Which vote a poll is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Level 1: an RT's residents elect its delegates (utusan).
    Rt,
    /// Level 2: the kelurahan's delegates elect the BKM members.
    Bkm,
    /// The members elect their coordinator.
    Coordinator,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Rt => "rt",
            Level::Bkm => "bkm",
            Level::Coordinator => "coordinator",
        }
    }

    pub fn parse(raw: &str) -> Option<Level> {
        match raw.trim() {
            "rt" => Some(Level::Rt),
            "bkm" => Some(Level::Bkm),
            "coordinator" => Some(Level::Coordinator),
            _ => None,
        }
    }
}

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
}

/// A kelurahan's election rules (its tata tertib), stored as JSON; every
/// field has the programme's default (`shared/p2kp-rules.md`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ElectionSettings {
    /// Names a valid level-1 ballot holds (2–3).
    pub names_min: usize,
    pub names_max: usize,
    /// Share of the eligible voters that must vote, a decimal fraction.
    pub quorum: String,
    /// Delegates each RT elects (unconfirmed in the sources: 3).
    pub delegates_per_rt: usize,
    /// BKM members, from the bylaws (9).
    pub bkm_seats: usize,
    /// Names a valid level-2 ballot holds (as level 1 by default).
    pub bkm_names_min: usize,
    pub bkm_names_max: usize,
    /// How a tie for the last seat is broken.
    pub tie_rule: TieRule,
    /// The women target among delegates and members, a decimal fraction.
    pub women_target: String,
    /// The BKM's term.
    pub term_years: u8,
    /// Level 1: a ballot naming someone not on the RT's register is
    /// invalid (off by default: nicknames must then be grouped to the
    /// register's names).
    pub check_residents: bool,
}

impl Default for ElectionSettings {
    fn default() -> Self {
        ElectionSettings {
            names_min: 2,
            names_max: 3,
            quorum: "0.30".into(),
            delegates_per_rt: 3,
            bkm_seats: 9,
            bkm_names_min: 2,
            bkm_names_max: 3,
            tie_rule: TieRule::Revote,
            women_target: "0.30".into(),
            term_years: 3,
            check_residents: false,
        }
    }
}

/// The most seats a poll fills (delegates of an RT, members of a BKM):
/// counts and published files grow with it.
const MAX_SEATS: usize = 100;

impl ElectionSettings {
    /// Reads settings from JSON (missing fields take their default) and
    /// checks them.
    pub fn from_json(json: &str) -> Result<ElectionSettings> {
        let s: ElectionSettings = serde_json::from_str(json)
            .map_err(|e| StoreError::invalid("settings", e.to_string()))?;
        s.checked()
    }

    /// The settings when every value is usable.
    pub fn checked(self) -> Result<ElectionSettings> {
        let bad = |f: &str, m: String| StoreError::invalid(f, m);
        NamesPerBallot::new(self.names_min, self.names_max)
            .map_err(|e| bad("names_max", e.to_string()))?;
        NamesPerBallot::new(self.bkm_names_min, self.bkm_names_max)
            .map_err(|e| bad("bkm_names_max", e.to_string()))?;
        Quorum::parse(&self.quorum).map_err(|e| bad("quorum", e.to_string()))?;
        Fraction::parse(&self.women_target).map_err(|e| bad("women_target", e.to_string()))?;
        if !(1..=MAX_SEATS).contains(&self.delegates_per_rt) {
            return Err(bad(
                "delegates_per_rt",
                format!("an RT elects 1 to {MAX_SEATS} delegates"),
            ));
        }
        if !(1..=MAX_SEATS).contains(&self.bkm_seats) {
            return Err(bad(
                "bkm_seats",
                format!("a BKM has 1 to {MAX_SEATS} members"),
            ));
        }
        if !(1..=10).contains(&self.term_years) {
            return Err(bad("term_years", "a term is 1 to 10 years".into()));
        }
        Ok(self)
    }

    pub fn quorum(&self) -> Quorum {
        Quorum::parse(&self.quorum).unwrap_or_default()
    }

    pub fn women_target(&self) -> Fraction {
        Fraction::parse(&self.women_target).unwrap_or(Fraction::THIRTY_PERCENT)
    }

    /// What a recount of a poll at `level` needs.
    pub fn config(&self, level: Level, eligible: NonZeroU64) -> RecountConfig {
        let one = NonZeroUsize::MIN;
        let (seats, names) = match level {
            Level::Rt => (
                NonZeroUsize::new(self.delegates_per_rt).unwrap_or(one),
                NamesPerBallot::new(self.names_min, self.names_max).unwrap_or_default(),
            ),
            Level::Bkm => (
                NonZeroUsize::new(self.bkm_seats).unwrap_or(one),
                NamesPerBallot::new(self.bkm_names_min, self.bkm_names_max).unwrap_or_default(),
            ),
            Level::Coordinator => (one, NamesPerBallot::new(1, 1).expect("1 to 1")),
        };
        RecountConfig {
            eligible,
            seats,
            names,
            quorum: self.quorum(),
        }
    }
}

/// One poll, with where it sits.
#[derive(Debug, Clone, Serialize)]
pub struct Election {
    pub id: i64,
    pub level: Level,
    /// The RT (level 1) or the kelurahan (level 2, coordinator).
    pub area_code: String,
    pub area_name: String,
    pub kelurahan_code: String,
    pub kelurahan_name: String,
    pub held_on: Date,
    pub created_at: String,
    pub published_at: Option<String>,
    pub term_start: Option<Date>,
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

/// A person on the register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Voter {
    pub id: i64,
    pub name: String,
    pub sex: Option<Sex>,
    pub birth_date: Option<Date>,
    pub age: Option<u16>,
    pub married: bool,
    pub eligible: bool,
    pub voted: bool,
}

/// A person to put on the register. `line` is the file line, for errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoterInput {
    pub line: u64,
    pub name: String,
    pub sex: Option<Sex>,
    pub birth_date: Option<Date>,
    pub age: Option<u16>,
    pub married: bool,
}

impl VoterInput {
    /// Eligible on `on`: 17 or older, or married (now or before).
    pub fn eligible(&self, on: Date) -> bool {
        self.married || self.age_on(on).is_some_and(|a| a >= 17)
    }

    fn age_on(&self, on: Date) -> Option<i64> {
        match (self.birth_date, self.age) {
            (Some(b), _) => {
                let mut years = i64::from(on.year() - b.year());
                if (on.month(), on.day()) < (b.month(), b.day()) {
                    years -= 1;
                }
                Some(years)
            }
            (None, Some(a)) => Some(i64::from(a)),
            (None, None) => None,
        }
    }

    /// Checks a voter typed in a form (the file reader checks its own rows).
    pub fn checked(self, on: Date) -> Result<VoterInput> {
        if PersonName::new(&self.name).is_none() {
            return Err(StoreError::invalid("name", "the name is empty"));
        }
        if self.birth_date.is_none() && self.age.is_none() && !self.married {
            return Err(StoreError::invalid(
                "birth_date",
                "give the birth date or the age (or tick married)",
            ));
        }
        if self.birth_date.is_some_and(|b| b > on) {
            return Err(StoreError::invalid(
                "birth_date",
                "the birth date is after the election",
            ));
        }
        Ok(self)
    }
}

/// A ballot as one entry holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BallotRow {
    pub ballot_id: String,
    pub names: Vec<String>,
    pub entered_by: String,
    pub entered_at: String,
}

/// The committee's reading of a paper ballot where the entries differ:
/// the names on it, or `None` when it is not a ballot after all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Resolution {
    pub ballot_id: String,
    pub names: Option<Vec<String>>,
    pub note: String,
    pub resolved_by: String,
    pub resolved_at: String,
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

/// A recorded tie decision: the rule, the winners, the note and, for a
/// re-vote, its count among the tied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TieRecord {
    pub rule: TieRule,
    pub winners: Vec<String>,
    pub note: String,
    #[serde(default)]
    pub revote: Vec<(String, u64)>,
}

/// What the committee decides for a tie: a re-vote's count among the tied
/// (the winners follow from it), or the winners of a lot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TieInput {
    pub rule: TieRule,
    pub winners: Vec<String>,
    pub revote: Vec<(String, u64)>,
    pub note: String,
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
}

/// What a request to publish did: proposed it (a second committee member
/// confirms), or published it (it was the confirmation).
#[derive(Debug, Clone)]
pub enum PublishStep {
    Proposed(Publication),
    Published(Box<Published>),
}

/// Why a poll cannot be published yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Blocker {
    /// `no_register`, `differences`, `no_ballots`, `too_many_ballots`,
    /// `quorum_not_met`, `tie_undecided`, `tie_unconfirmed`,
    /// `tie_decision_stale`.
    pub code: &'static str,
    pub detail: String,
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
    pub sources: Vec<i64>,
}

impl Count {
    /// The public part of the count: what a published result shows and
    /// the minutes print — counts, the recount, the decision, the
    /// groupings — never the register nor who entered what. `ranking` and
    /// `groups` keep their order (JSON objects need not).
    pub fn summary(&self) -> Value {
        let e = &self.election;
        json!({
            "election": {
                "id": e.id,
                "level": e.level,
                "area": {"code": e.area_code, "name": e.area_name},
                "kelurahan": {"code": e.kelurahan_code, "name": e.kelurahan_name},
                "held_on": e.held_on,
            },
            "term": e.term_start.zip(e.term_end).map(|(s, t)| json!({"start": s, "end": t})),
            "settings": self.settings,
            "seats": self.seats,
            "register": {"eligible": self.eligible, "voted": self.voted},
            "entries": {
                "a": self.entry_a.ballots,
                "b": self.entry_b.ballots,
                "differences": self.differences.len(),
                "resolutions": self.resolutions.iter().map(|r| json!({
                    "ballot_id": r.ballot_id, "names": r.names, "note": r.note,
                })).collect::<Vec<_>>(),
            },
            "recount": self.recount,
            "ranking": self.recount.as_ref().map(|r| r.votes.iter().map(|(p, n)| json!([p.as_str(), n])).collect::<Vec<_>>()),
            "groups": self.groups.iter().map(|g| json!([g.written, g.person])).collect::<Vec<_>>(),
            "tie": self.tie,
            "elected": self.elected,
            "women": self.women,
            "door_to_door": self.door_to_door.iter().map(|d| json!({"on": d.on, "note": d.note})).collect::<Vec<_>>(),
        })
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct EntryInfo {
    pub ballots: usize,
    pub entered_by: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Difference {
    #[serde(flatten)]
    pub difference: EntryDifference,
    pub resolved: bool,
}

/// A published result: the snapshot, the files anyone can recount, and
/// the SHA-256 of the snapshot.
#[derive(Debug, Clone, Serialize)]
pub struct Published {
    pub election_id: i64,
    pub published_at: String,
    pub snapshot: Value,
    pub ballots_csv: String,
    pub groups_csv: String,
    pub residents_csv: Option<String>,
    pub sha256: String,
}

/// A line in the list of published results.
#[derive(Debug, Clone, Serialize)]
pub struct PublishedSummary {
    pub election_id: i64,
    pub level: Level,
    pub area_code: String,
    pub area_name: String,
    pub kelurahan_name: String,
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
