//! The BKM election as stored: per-kelurahan settings, polls (an RT's level
//! 1, a kelurahan's level 2 and its coordinator vote), the voter register,
//! the two ballot entries and the committee's resolutions of their
//! differences, groupings of written names, door-to-door collections, tie
//! decisions and published results.
//!
//! The rules are `lumbung_community::election`'s; this module keeps the
//! data, assembles the ballot box the committee agreed on and counts it
//! with [`recount`], so that the page, the API and the published result
//! show one count. Every change is audited in its own transaction, and a
//! published poll takes no more changes.
//!
//! Secrecy: the register records only *that* a person voted (a flag — no
//! time, no order); ballots carry a ballot id and the names written, never
//! who wrote them.

use crate::audit::record;
use crate::{now, Actor, Result, Store, StoreError};
use jiff::civil::Date;
use jiff::ToSpan;
use lumbung_community::election::{
    compare_entries, recount, suggest_groups, women_share, BallotBox, EntryDifference, Fraction,
    Grouping, NameKey, NamesPerBallot, PersonName, Quorum, Recount, RecountConfig, Residents, Sex,
    Suggestion, TieDecision, TieRule, WomenShare,
};
use lumbung_domain::import::{too_many_fields, too_many_rows, MAX_FIELDS, MAX_ROWS};
use lumbung_domain::{AreaPath, ImportSummary, Placement, Rejected, RowError, Scope};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::{BTreeSet, HashMap};
use std::num::{NonZeroU64, NonZeroUsize};

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
        if self.delegates_per_rt == 0 {
            return Err(bad(
                "delegates_per_rt",
                "an RT elects at least one delegate".into(),
            ));
        }
        if self.bkm_seats == 0 {
            return Err(bad("bkm_seats", "a BKM has at least one member".into()));
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

/// Why a poll cannot be published yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Blocker {
    /// `no_register`, `differences`, `no_ballots`, `too_many_ballots`,
    /// `quorum_not_met`, `tie_undecided`, `tie_decision_stale`.
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

fn invalid(field: &str, message: impl Into<String>) -> StoreError {
    StoreError::invalid(field, message)
}

fn sex_str(s: Option<Sex>) -> Option<&'static str> {
    s.map(|s| match s {
        Sex::Female => "female",
        Sex::Male => "male",
    })
}

fn sex_parse(raw: Option<String>) -> Option<Sex> {
    match raw.as_deref() {
        Some("female") => Some(Sex::Female),
        Some("male") => Some(Sex::Male),
        _ => None,
    }
}

/// Reads a sex as people write it: f/female/p/perempuan/w/wanita,
/// m/male/l/laki-laki/pria; blank is unknown.
pub fn parse_sex(raw: &str) -> std::result::Result<Option<Sex>, String> {
    match raw.trim().to_lowercase().as_str() {
        "" => Ok(None),
        "f" | "female" | "p" | "perempuan" | "w" | "wanita" => Ok(Some(Sex::Female)),
        "m" | "male" | "l" | "laki-laki" | "laki laki" | "lk" | "pria" => Ok(Some(Sex::Male)),
        other => Err(format!(
            "{other:?} is not a sex: write P or L (perempuan, laki-laki), F or M"
        )),
    }
}

/// Reads married as people write it: ya/yes/y/1/true/kawin/menikah/sudah,
/// and cerai/janda/duda (married before); tidak/no/n/0/false/belum or
/// blank is not married.
pub fn parse_married(raw: &str) -> std::result::Result<bool, String> {
    match raw.trim().to_lowercase().as_str() {
        "ya" | "yes" | "y" | "1" | "true" | "kawin" | "menikah" | "sudah" | "sudah menikah"
        | "cerai" | "cerai hidup" | "cerai mati" | "janda" | "duda" => Ok(true),
        "" | "tidak" | "no" | "n" | "t" | "0" | "false" | "belum" | "belum kawin"
        | "belum menikah" => Ok(false),
        other => Err(format!("{other:?} is not yes or no (ya/tidak)")),
    }
}

/// Reads a voter register file: `name,sex,birth_date,married` or
/// `name,sex,age,married` (both birth_date and age may be columns; one is
/// enough), with Indonesian headers too (nama, jenis_kelamin, tanggal_lahir,
/// umur, kawin). Every problem is reported with its line and column; a
/// name twice is refused.
pub fn read_voters(file: &str, bytes: &[u8]) -> std::result::Result<Vec<VoterInput>, Rejected> {
    let reject = |errors: Vec<RowError>| Rejected {
        file: file.to_owned(),
        errors,
    };
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut records = reader.byte_records();
    let header = match records.next() {
        Some(Ok(h)) => h,
        Some(Err(e)) => return Err(reject(vec![RowError::new(1, None, e.to_string())])),
        None => {
            return Err(reject(vec![RowError::new(
                1,
                None,
                "the file is empty; expected a header name,sex,birth_date,married",
            )]))
        }
    };
    if header.len() > MAX_FIELDS {
        return Err(reject(vec![RowError::new(
            1,
            None,
            too_many_fields(header.len()),
        )]));
    }
    let names: Vec<String> = header
        .iter()
        .map(|c| {
            String::from_utf8_lossy(c)
                .trim()
                .to_lowercase()
                .replace([' ', '-'], "_")
        })
        .collect();
    let find = |aliases: &[&str]| names.iter().position(|n| aliases.contains(&n.as_str()));
    let col_name = find(&["name", "nama", "nama_lengkap"]);
    let col_sex = find(&["sex", "jenis_kelamin", "jk", "gender", "kelamin"]);
    let col_birth = find(&["birth_date", "tanggal_lahir", "tgl_lahir", "date_of_birth"]);
    let col_age = find(&["age", "umur", "usia"]);
    let col_married = find(&[
        "married",
        "kawin",
        "menikah",
        "status_kawin",
        "status_perkawinan",
    ]);
    let Some(col_name) = col_name else {
        return Err(reject(vec![RowError::new(
            1,
            None,
            "no name column; expected a header name,sex,birth_date,married (or age instead of birth_date)",
        )]));
    };
    if col_birth.is_none() && col_age.is_none() && col_married.is_none() {
        return Err(reject(vec![RowError::new(
            1,
            None,
            "no birth_date, age or married column: eligibility (17+ or married) cannot be judged",
        )]));
    }
    let mut errors = Vec::new();
    let mut out: Vec<VoterInput> = Vec::new();
    let mut seen: HashMap<NameKey, u64> = HashMap::new();
    for (i, rec) in records.enumerate() {
        let line = i as u64 + 2;
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                errors.push(RowError::new(line, None, e.to_string()));
                continue;
            }
        };
        if i >= MAX_ROWS {
            errors.push(RowError::new(line, None, too_many_rows()));
            break;
        }
        if rec.len() > names.len() {
            errors.push(RowError::new(
                line,
                None,
                format!(
                    "{} cells, but the header has {} columns",
                    rec.len(),
                    names.len()
                ),
            ));
            continue;
        }
        let mut cells: Vec<&str> = Vec::with_capacity(names.len());
        let mut utf8_ok = true;
        for (c, raw) in rec.iter().enumerate() {
            match std::str::from_utf8(raw) {
                Ok(s) => cells.push(s.trim()),
                Err(_) => {
                    errors.push(RowError::new(
                        line,
                        Some(&names[c]),
                        "the cell is not UTF-8 text; save the file as UTF-8",
                    ));
                    utf8_ok = false;
                    cells.push("");
                }
            }
        }
        if !utf8_ok {
            continue;
        }
        if cells.iter().all(|c| c.is_empty()) {
            continue;
        }
        let cell = |c: Option<usize>| c.and_then(|c| cells.get(c).copied()).unwrap_or("");
        let colname = |c: Option<usize>| c.map(|c| names[c].clone());
        let before = errors.len();
        let name = cell(Some(col_name))
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        match NameKey::new(&name) {
            None => errors.push(RowError::new(
                line,
                Some(&names[col_name]),
                "the name is empty",
            )),
            Some(key) => {
                if let Some(first) = seen.get(&key) {
                    errors.push(RowError::new(
                        line,
                        Some(&names[col_name]),
                        format!(
                            "{name:?} is already on line {first}; write two people of one name apart (e.g. \"{name} (no. 12)\")"
                        ),
                    ));
                } else {
                    seen.insert(key, line);
                }
            }
        }
        let sex = parse_sex(cell(col_sex)).unwrap_or_else(|m| {
            errors.push(RowError::new(line, colname(col_sex).as_deref(), m));
            None
        });
        let birth_date = match cell(col_birth) {
            "" => None,
            raw => match raw.parse::<Date>() {
                Ok(d) => Some(d),
                Err(_) => {
                    errors.push(RowError::new(
                        line,
                        colname(col_birth).as_deref(),
                        format!("{raw:?} is not a date such as 1980-04-17"),
                    ));
                    None
                }
            },
        };
        let age = match cell(col_age) {
            "" => None,
            raw => match raw.parse::<u16>() {
                Ok(a) if a <= 130 => Some(a),
                _ => {
                    errors.push(RowError::new(
                        line,
                        colname(col_age).as_deref(),
                        format!("{raw:?} is not an age in whole years"),
                    ));
                    None
                }
            },
        };
        let married = parse_married(cell(col_married)).unwrap_or_else(|m| {
            errors.push(RowError::new(line, colname(col_married).as_deref(), m));
            false
        });
        if errors.len() > before {
            continue;
        }
        if birth_date.is_none() && age.is_none() && !married {
            errors.push(RowError::new(
                line,
                None,
                "give the birth date or the age (or married = ya)",
            ));
            continue;
        }
        out.push(VoterInput {
            line,
            name,
            sex,
            birth_date,
            age,
            married,
        });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(reject(errors))
    }
}

/// Reads ballots typed one per line: `ballot_id,name,name,…` (CSV, no
/// header). Every problem is reported with its line.
pub fn read_ballot_lines(text: &str) -> std::result::Result<Vec<(String, Vec<String>)>, Rejected> {
    let mut errors = Vec::new();
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    for (i, rec) in reader.records().enumerate() {
        let line = i as u64 + 1;
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                errors.push(RowError::new(line, None, e.to_string()));
                continue;
            }
        };
        if i >= MAX_ROWS || rec.len() > MAX_FIELDS {
            let message = if i >= MAX_ROWS {
                too_many_rows()
            } else {
                too_many_fields(rec.len())
            };
            errors.push(RowError::new(line, None, message));
            break;
        }
        let mut cells = rec.iter().map(str::trim);
        let id = cells.next().unwrap_or("").to_owned();
        let names: Vec<String> = cells.filter(|c| !c.is_empty()).map(str::to_owned).collect();
        if id.is_empty() && names.is_empty() {
            continue;
        }
        if id.is_empty() {
            errors.push(RowError::new(
                line,
                Some("ballot_id"),
                "the ballot id is empty",
            ));
            continue;
        }
        if let Some(first) = seen.insert(id.clone(), line) {
            errors.push(RowError::new(
                line,
                Some("ballot_id"),
                format!("the ballot id {id} is used twice (first on line {first})"),
            ));
            continue;
        }
        out.push((id, names));
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(Rejected {
            file: "ballots".into(),
            errors,
        })
    }
}

/// Ballot ids in the order people read them: digit runs by their number
/// ("2" before "10"), the rest as text.
pub fn ballot_order(a: &str, b: &str) -> std::cmp::Ordering {
    fn parts(s: &str) -> Vec<(bool, &str)> {
        let mut out = Vec::new();
        let mut start = 0;
        let bytes = s.as_bytes();
        for i in 1..=bytes.len() {
            if i == bytes.len() || bytes[i].is_ascii_digit() != bytes[start].is_ascii_digit() {
                out.push((bytes[start].is_ascii_digit(), &s[start..i]));
                start = i;
            }
        }
        out
    }
    let (pa, pb) = (parts(a), parts(b));
    for (x, y) in pa.iter().zip(&pb) {
        let o = match (x.0, y.0) {
            (true, true) => {
                let (tx, ty) = (x.1.trim_start_matches('0'), y.1.trim_start_matches('0'));
                tx.len().cmp(&ty.len()).then(tx.cmp(ty))
            }
            _ => x.1.cmp(y.1),
        };
        if o.is_ne() {
            return o;
        }
    }
    pa.len().cmp(&pb.len()).then(a.cmp(b))
}

fn names_json(names: &[String]) -> String {
    serde_json::to_string(names).expect("names serialise")
}

fn names_from(raw: &str) -> Vec<String> {
    serde_json::from_str(raw).unwrap_or_default()
}

fn clean_names(names: &[String]) -> Vec<String> {
    names
        .iter()
        .map(|n| n.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|n| !n.is_empty())
        .collect()
}

/// The poll row and where it sits.
fn load_election(conn: &Connection, id: i64) -> Result<Option<Election>> {
    let row = conn
        .query_row(
            "SELECT p.id, p.level, p.area_code, a.name, p.kelurahan_code, k.name, k.path,
                    p.held_on, p.created_at, p.published_at, p.term_start, p.term_end, a.path
             FROM election_polls p JOIN areas a ON a.code = p.area_code
             JOIN areas k ON k.code = p.kelurahan_code WHERE p.id = ?1",
            [id],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, String>(7)?,
                    r.get::<_, String>(8)?,
                    r.get::<_, Option<String>>(9)?,
                    r.get::<_, Option<String>>(10)?,
                    r.get::<_, Option<String>>(11)?,
                    r.get::<_, String>(12)?,
                ))
            },
        )
        .optional()?;
    let Some((
        id,
        level,
        area_code,
        area_name,
        kel_code,
        kel_name,
        kel_path,
        held_on,
        created_at,
        published_at,
        term_start,
        term_end,
        area_path,
    )) = row
    else {
        return Ok(None);
    };
    let date = |s: String| s.parse::<Date>().map_err(|_| invalid("date", s));
    Ok(Some(Election {
        id,
        level: Level::parse(&level).unwrap_or(Level::Rt),
        area_code,
        area_name,
        kelurahan_code: kel_code,
        kelurahan_name: kel_name,
        held_on: date(held_on)?,
        created_at,
        published_at,
        term_start: term_start.map(date).transpose()?,
        term_end: term_end.map(date).transpose()?,
        placement: Placement {
            area: Some(AreaPath::from_stored(area_path)),
            orgs: orgs_within(conn, &AreaPath::from_stored(kel_path))?,
        },
    }))
}

/// The organisations placed in `kelurahan` (or under it), with their
/// ancestors: whoever is scoped to one of them works with its elections.
fn orgs_within(conn: &Connection, kelurahan: &AreaPath) -> Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT o.id FROM organisations o JOIN areas a ON a.code = o.area_code
         WHERE a.path >= ?1 AND a.path < ?2 ORDER BY o.id",
    )?;
    let ids: Vec<i64> = stmt
        .query_map(params![kelurahan.as_str(), kelurahan.subtree_end()], |r| {
            r.get(0)
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut all = BTreeSet::new();
    for id in ids {
        all.extend(crate::orgs::lineage(conn, id)?);
    }
    Ok(all.into_iter().collect())
}

/// The poll, refused when it is published (its result is kept as it was).
fn open_poll(conn: &Connection, id: i64) -> Result<Election> {
    let e =
        load_election(conn, id)?.ok_or_else(|| StoreError::NotFound(format!("election {id}")))?;
    if e.published_at.is_some() {
        return Err(StoreError::Conflict(format!(
            "election {id} is published: its result is kept as it was"
        )));
    }
    Ok(e)
}

fn settings_tx(conn: &Connection, kelurahan: &str) -> Result<ElectionSettings> {
    let raw: Option<String> = conn
        .query_row(
            "SELECT settings FROM election_settings WHERE kelurahan_code = ?1",
            [kelurahan],
            |r| r.get(0),
        )
        .optional()?;
    match raw {
        Some(json) => ElectionSettings::from_json(&json),
        None => Ok(ElectionSettings::default()),
    }
}

fn voters_tx(conn: &Connection, poll: i64) -> Result<Vec<Voter>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, name, sex, birth_date, age, married, eligible, voted FROM election_voters
         WHERE poll = ?1 ORDER BY name COLLATE NOCASE, id",
    )?;
    let rows = stmt.query_map([poll], |r| {
        Ok(Voter {
            id: r.get(0)?,
            name: r.get(1)?,
            sex: sex_parse(r.get(2)?),
            birth_date: r.get::<_, Option<String>>(3)?.and_then(|d| d.parse().ok()),
            age: r.get(4)?,
            married: r.get(5)?,
            eligible: r.get(6)?,
            voted: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn entry_tx(conn: &Connection, poll: i64, entry: Entry) -> Result<Vec<BallotRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT ballot_id, names, entered_by, entered_at FROM election_ballots
         WHERE poll = ?1 AND entry = ?2 ORDER BY seq",
    )?;
    let rows = stmt.query_map(params![poll, entry.as_str()], |r| {
        Ok(BallotRow {
            ballot_id: r.get(0)?,
            names: names_from(&r.get::<_, String>(1)?),
            entered_by: r.get(2)?,
            entered_at: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn resolutions_tx(conn: &Connection, poll: i64) -> Result<Vec<Resolution>> {
    let mut stmt = conn.prepare_cached(
        "SELECT ballot_id, names, note, resolved_by, resolved_at FROM election_resolutions
         WHERE poll = ?1 ORDER BY resolved_at, ballot_id",
    )?;
    let rows = stmt.query_map([poll], |r| {
        Ok(Resolution {
            ballot_id: r.get(0)?,
            names: r.get::<_, Option<String>>(1)?.map(|n| names_from(&n)),
            note: r.get(2)?,
            resolved_by: r.get(3)?,
            resolved_at: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn groups_tx(conn: &Connection, poll: i64) -> Result<Vec<GroupRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT written, person, confirmed_by FROM election_groups WHERE poll = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([poll], |r| {
        Ok(GroupRow {
            written: r.get(0)?,
            person: r.get(1)?,
            confirmed_by: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn grouping_of(rows: &[GroupRow]) -> Result<Grouping> {
    let mut g = Grouping::new();
    for row in rows {
        g.add(&row.written, &row.person)
            .map_err(|e| invalid("written", e.to_string()))?;
    }
    Ok(g)
}

fn tie_tx(conn: &Connection, poll: i64) -> Result<Option<TieRecord>> {
    let raw: Option<String> = conn
        .query_row(
            "SELECT decision FROM election_ties WHERE poll = ?1",
            [poll],
            |r| r.get(0),
        )
        .optional()?;
    Ok(raw.and_then(|j| serde_json::from_str(&j).ok()))
}

fn door_to_door_tx(conn: &Connection, poll: i64) -> Result<Vec<DoorToDoor>> {
    let mut stmt = conn.prepare_cached(
        "SELECT on_date, note, recorded_by FROM election_door_to_door WHERE poll = ?1 ORDER BY on_date, id",
    )?;
    let rows = stmt.query_map([poll], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    rows.map(|r| {
        let (on, note, recorded_by) = r?;
        Ok(DoorToDoor {
            on: on.parse().map_err(|_| invalid("on", on.clone()))?,
            note,
            recorded_by,
        })
    })
    .collect()
}

fn boxed(rows: &[BallotRow]) -> BallotBox {
    let mut b = BallotBox::new();
    for r in rows {
        // Ids are unique per entry (the primary key).
        let _ = b.push(&r.ballot_id, &r.names);
    }
    b
}

/// Counts a poll: the entries compared, the agreed box recounted, the tie
/// decision applied, and what still stands in the way of publishing.
fn count_tx(conn: &Connection, id: i64) -> Result<Count> {
    let election =
        load_election(conn, id)?.ok_or_else(|| StoreError::NotFound(format!("election {id}")))?;
    let settings = settings_tx(conn, &election.kelurahan_code)?;
    let voters = voters_tx(conn, id)?;
    let (a, b) = (entry_tx(conn, id, Entry::A)?, entry_tx(conn, id, Entry::B)?);
    let resolutions = resolutions_tx(conn, id)?;
    let groups = groups_tx(conn, id)?;
    let grouping = grouping_of(&groups)?;
    let tie = tie_tx(conn, id)?;
    let door_to_door = door_to_door_tx(conn, id)?;
    let sources: Vec<i64> = {
        let mut stmt = conn.prepare_cached(
            "SELECT source FROM election_sources WHERE poll = ?1 ORDER BY source",
        )?;
        let rows = stmt.query_map([id], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };

    let info = |rows: &[BallotRow]| EntryInfo {
        ballots: rows.len(),
        entered_by: rows
            .iter()
            .map(|r| r.entered_by.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect(),
    };
    let (box_a, box_b) = (boxed(&a), boxed(&b));
    let resolved: HashMap<&str, &Resolution> = resolutions
        .iter()
        .map(|r| (r.ballot_id.as_str(), r))
        .collect();
    let differences: Vec<Difference> = compare_entries(&box_a, &box_b)
        .into_iter()
        .map(|d| Difference {
            resolved: resolved.contains_key(d.ballot_id()),
            difference: d,
        })
        .collect();
    let unresolved = differences.iter().filter(|d| !d.resolved).count();

    let mut blockers = Vec::new();
    let block = |code: &'static str, detail: String| Blocker { code, detail };
    let registered = voters.len() as u64;
    let eligible = voters.iter().filter(|v| v.eligible).count() as u64;
    let voted = voters.iter().filter(|v| v.voted).count() as u64;
    if eligible == 0 {
        blockers.push(block(
            "no_register",
            "no eligible voter is on the register".into(),
        ));
    }
    if unresolved > 0 {
        blockers.push(block(
            "differences",
            format!("{unresolved} difference(s) between entry A and entry B are not resolved"),
        ));
    }

    // The agreed box: every ballot id of either entry, read from the
    // resolution when there is one, else from the entries (which agree).
    let ballots: Option<Vec<(String, Vec<String>)>> = (unresolved == 0).then(|| {
        let mut ids: Vec<&str> = a.iter().chain(&b).map(|r| r.ballot_id.as_str()).collect();
        ids.sort_by(|x, y| ballot_order(x, y));
        ids.dedup();
        ids.into_iter()
            .filter_map(|bid| match resolved.get(bid) {
                Some(r) => r.names.clone().map(|n| (bid.to_owned(), n)),
                None => a
                    .iter()
                    .chain(&b)
                    .find(|r| r.ballot_id == bid)
                    .map(|r| (bid.to_owned(), r.names.clone())),
            })
            .collect()
    });
    let agreed: Option<BallotBox> = ballots.as_ref().map(|bs| {
        let mut bx = BallotBox::new();
        for (bid, names) in bs {
            let _ = bx.push(bid, names);
        }
        bx
    });
    if agreed.as_ref().is_some_and(|b| b.is_empty()) {
        blockers.push(block("no_ballots", "no ballot has been entered".into()));
    }

    let suggestions = {
        let source = agreed.as_ref().unwrap_or(&box_a);
        suggest_groups(source.written_names(), &grouping)
    };

    let residents: Option<Residents> = match election.level {
        Level::Rt if !settings.check_residents => None,
        _ => Some(voters.iter().map(|v| v.name.as_str()).collect()),
    };
    let seats;
    let recount = match (&agreed, NonZeroU64::new(eligible)) {
        (Some(bx), Some(eligible)) if !bx.is_empty() => {
            let config = settings.config(election.level, eligible);
            seats = config.seats.get();
            match recount(bx, &config, &grouping, residents.as_ref()) {
                Ok(r) => Some(r),
                Err(e) => {
                    blockers.push(block("too_many_ballots", e.to_string()));
                    None
                }
            }
        }
        (_, e) => {
            seats = settings
                .config(election.level, e.unwrap_or(NonZeroU64::MIN))
                .seats
                .get();
            None
        }
    };

    let mut elected = None;
    if let Some(r) = &recount {
        if !r.quorum_met {
            blockers.push(block(
                "quorum_not_met",
                format!(
                    "turnout {} is below the quorum {}: collect votes door to door",
                    r.turnout, r.quorum
                ),
            ));
        }
        if r.ties.is_empty() {
            elected = Some(r.elected.clone());
        } else {
            match &tie {
                None => blockers.push(block(
                    "tie_undecided",
                    format!(
                        "{} are tied for {} seat(s): record the {} decision",
                        r.ties
                            .iter()
                            .map(PersonName::as_str)
                            .collect::<Vec<_>>()
                            .join(", "),
                        r.open_seats,
                        settings.tie_rule.as_str()
                    ),
                )),
                Some(t) => match decision_of(t, r).apply(&r.outcome(), settings.tie_rule) {
                    Ok(list) => elected = Some(list),
                    Err(e) => blockers.push(block(
                        "tie_decision_stale",
                        format!("the recorded decision does not fit the count: {e}"),
                    )),
                },
            }
        }
    }
    let sex_of: HashMap<NameKey, Sex> = voters
        .iter()
        .filter_map(|v| Some((NameKey::new(&v.name)?, v.sex?)))
        .collect();
    let women = recount.as_ref().map(|r| {
        let people: Vec<PersonName> = elected.clone().unwrap_or_else(|| r.elected.clone());
        women_share(
            &people,
            |p| sex_of.get(p.key()).copied(),
            settings.women_target(),
        )
    });
    let voted_mismatch = recount.as_ref().is_some_and(|r| r.ballots != voted);
    Ok(Count {
        ready: blockers.is_empty(),
        election,
        seats,
        registered,
        eligible,
        voted,
        entry_a: info(&a),
        entry_b: info(&b),
        differences,
        unresolved,
        resolutions,
        ballots,
        groups,
        suggestions,
        recount,
        tie,
        elected: elected.map(|l| l.iter().map(|p| p.as_str().to_owned()).collect()),
        women,
        door_to_door,
        blockers,
        voted_mismatch,
        settings,
        sources,
    })
}

/// The recorded decision with its winners named as the count names them.
fn decision_of(t: &TieRecord, r: &Recount) -> TieDecision<PersonName> {
    let named = |w: &str| -> PersonName {
        let key = NameKey::new(w);
        r.ties
            .iter()
            .find(|p| Some(p.key()) == key.as_ref())
            .cloned()
            .unwrap_or_else(|| {
                PersonName::new(w).unwrap_or_else(|| PersonName::new("?").expect("?"))
            })
    };
    TieDecision {
        rule: t.rule,
        winners: t.winners.iter().map(|w| named(w)).collect(),
        note: t.note.clone(),
    }
}

fn csv_text(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header).expect("in memory");
    for row in rows {
        w.write_record(&row).expect("in memory");
    }
    String::from_utf8(w.into_inner().expect("in memory")).expect("UTF-8 in, UTF-8 out")
}

fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

impl Store {
    /// A kelurahan's election settings (the defaults when none are stored).
    pub fn election_settings(&self, kelurahan: &str) -> Result<ElectionSettings> {
        let conn = self.conn()?;
        settings_tx(&conn, kelurahan)
    }

    pub fn set_election_settings(
        &self,
        kelurahan: &str,
        settings: ElectionSettings,
        actor: &Actor,
    ) -> Result<()> {
        let settings = settings.checked()?;
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let path: Option<(String, Option<String>)> = tx
            .query_row(
                "SELECT path, kind FROM areas WHERE code = ?1",
                [kelurahan],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((path, Some(kind))) = path else {
            return Err(StoreError::NotFound(format!("kelurahan {kelurahan}")));
        };
        if kind != "kelurahan" {
            return Err(invalid(
                "kelurahan",
                format!("{kelurahan} is not a kelurahan"),
            ));
        }
        let json = serde_json::to_string(&settings).expect("settings serialise");
        tx.execute(
            "INSERT INTO election_settings (kelurahan_code, settings, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (kelurahan_code) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at",
            params![kelurahan, json, now()],
        )?;
        record(
            &tx,
            actor,
            "election_settings",
            "area",
            kelurahan,
            Some(&path),
            serde_json::to_value(&settings).expect("settings serialise"),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The placement of an area for election work: its path and the
    /// organisations of its kelurahan. `None` when there is no such area.
    pub fn election_placement(&self, area: &str) -> Result<Option<Placement>> {
        let conn = self.conn()?;
        let Some(path) = self.area_path(area)? else {
            return Ok(None);
        };
        let kel = kelurahan_of(&conn, area)?.map(|(_, p)| p);
        Ok(Some(Placement {
            orgs: match kel {
                Some(k) => orgs_within(&conn, &AreaPath::from_stored(k))?,
                None => vec![],
            },
            area: Some(path),
        }))
    }

    /// Opens a poll. An RT's poll starts with an empty register; a
    /// kelurahan's level-2 poll takes the delegates of the latest published
    /// result of each of its RTs (held on or before this poll) as its
    /// register, and a coordinator vote the members of the latest published
    /// level-2 result. `scope` must cover the area (else: not found).
    pub fn create_election(&self, new: &NewElection, scope: &Scope, actor: &Actor) -> Result<i64> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let area: Option<(String, Option<String>)> = tx
            .query_row(
                "SELECT path, kind FROM areas WHERE code = ?1",
                [&new.area_code],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let not_found = || StoreError::NotFound(format!("area {}", new.area_code));
        let (path, kind) = area.ok_or_else(not_found)?;
        let (kel_code, kel_path) = kelurahan_of(&tx, &new.area_code)?
            .ok_or_else(|| invalid("area", format!("{} is not in a kelurahan", new.area_code)))?;
        let placement = Placement {
            area: Some(AreaPath::from_stored(path.clone())),
            orgs: orgs_within(&tx, &AreaPath::from_stored(kel_path))?,
        };
        if !scope.covers(&placement) {
            return Err(not_found());
        }
        match (new.level, kind.as_deref()) {
            (Level::Rt, Some("rt")) => {}
            (Level::Rt, _) => {
                return Err(invalid(
                    "area",
                    format!("{} is not an RT: level 1 is held per RT", new.area_code),
                ))
            }
            (_, Some("kelurahan")) => {}
            _ => {
                return Err(invalid(
                    "area",
                    format!(
                    "{} is not a kelurahan: the BKM and its coordinator are elected per kelurahan",
                    new.area_code
                ),
                ))
            }
        }
        tx.execute(
            "INSERT INTO election_polls (level, area_code, kelurahan_code, held_on, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                new.level.as_str(),
                new.area_code,
                kel_code,
                new.held_on.to_string(),
                now()
            ],
        )?;
        let id = tx.last_insert_rowid();
        let register = match new.level {
            Level::Rt => vec![],
            Level::Bkm => delegates_of(&tx, &kel_code, new.held_on)?,
            Level::Coordinator => members_of(&tx, &kel_code, new.held_on)?,
        };
        let mut sources = BTreeSet::new();
        for (name, sex, source) in &register {
            tx.execute(
                "INSERT INTO election_voters (poll, name, name_key, sex, married, eligible)
                 VALUES (?1, ?2, ?3, ?4, 0, 1)",
                params![
                    id,
                    name,
                    NameKey::new(name).expect("not blank").as_str(),
                    sex_str(*sex)
                ],
            )?;
            sources.insert(*source);
        }
        for s in &sources {
            tx.execute(
                "INSERT INTO election_sources (poll, source) VALUES (?1, ?2)",
                params![id, s],
            )?;
        }
        record(
            &tx,
            actor,
            "election_create",
            "election",
            &id.to_string(),
            Some(&path),
            json!({"level": new.level, "area": new.area_code, "held_on": new.held_on, "register": register.len(), "sources": sources}),
        )?;
        tx.commit()?;
        Ok(id)
    }

    pub fn election(&self, id: i64) -> Result<Option<Election>> {
        let conn = self.conn()?;
        load_election(&conn, id)
    }

    /// Every poll `scope` covers, newest first.
    pub fn elections(&self, scope: &Scope) -> Result<Vec<Election>> {
        let conn = self.conn()?;
        let ids: Vec<i64> = {
            let mut stmt = conn.prepare(
                "SELECT p.id FROM election_polls p JOIN areas a ON a.code = p.area_code
                 ORDER BY p.held_on DESC, a.path, p.id DESC",
            )?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let mut out = Vec::new();
        for id in ids {
            if let Some(e) = load_election(&conn, id)? {
                if scope.covers(&e.placement) {
                    out.push(e);
                }
            }
        }
        Ok(out)
    }

    pub fn election_voters(&self, id: i64) -> Result<Vec<Voter>> {
        let conn = self.conn()?;
        voters_tx(&conn, id)
    }

    /// Both entries of the ballot box, each in the order entered.
    pub fn election_entries(&self, id: i64) -> Result<(Vec<BallotRow>, Vec<BallotRow>)> {
        let conn = self.conn()?;
        Ok((
            entry_tx(&conn, id, Entry::A)?,
            entry_tx(&conn, id, Entry::B)?,
        ))
    }

    /// Puts voters on an RT's register, all or none. A voter already on it
    /// with the same details is left as is (the same file twice changes
    /// nothing); with other details, or a name used by someone else, the
    /// file is refused with the lines to blame.
    pub fn add_voters(
        &self,
        id: i64,
        file: &str,
        voters: &[VoterInput],
        actor: &Actor,
    ) -> Result<ImportSummary> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let e = open_poll(&tx, id)?;
        if e.level != Level::Rt {
            return Err(invalid(
                "level",
                "a level-2 register is the delegates (or members) of the published results",
            ));
        }
        let existing: HashMap<String, Voter> = voters_tx(&tx, id)?
            .into_iter()
            .map(|v| {
                (
                    NameKey::new(&v.name)
                        .expect("not blank")
                        .as_str()
                        .to_owned(),
                    v,
                )
            })
            .collect();
        let mut summary = ImportSummary::default();
        let mut errors = Vec::new();
        let mut seen = HashMap::new();
        for v in voters {
            let key = NameKey::new(&v.name).ok_or_else(|| invalid("name", "the name is empty"))?;
            if let Some(first) = seen.insert(key.clone(), v.line) {
                errors.push(RowError::new(
                    v.line,
                    Some("name"),
                    format!("{:?} is already on line {first}", v.name),
                ));
                continue;
            }
            let eligible = v.eligible(e.held_on);
            match existing.get(key.as_str()) {
                Some(old) => {
                    let same = old.sex == v.sex
                        && old.birth_date == v.birth_date
                        && old.age == v.age
                        && old.married == v.married;
                    if same {
                        summary.unchanged += 1;
                    } else {
                        errors.push(RowError::new(
                            v.line,
                            Some("name"),
                            format!(
                                "{:?} is already on the register with other details; correct or remove that entry first",
                                old.name
                            ),
                        ));
                    }
                }
                None => {
                    tx.execute(
                        "INSERT INTO election_voters (poll, name, name_key, sex, birth_date, age, married, eligible)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                        params![
                            id,
                            v.name,
                            key.as_str(),
                            sex_str(v.sex),
                            v.birth_date.map(|d| d.to_string()),
                            v.age,
                            v.married,
                            eligible
                        ],
                    )?;
                    summary.created += 1;
                }
            }
        }
        if !errors.is_empty() {
            return Err(Rejected {
                file: file.to_owned(),
                errors,
            }
            .into());
        }
        if summary.created > 0 {
            record(
                &tx,
                actor,
                "election_register",
                "election",
                &id.to_string(),
                e.placement.area.as_ref().map(AreaPath::as_str),
                json!({"file": file, "added": summary.created, "unchanged": summary.unchanged}),
            )?;
        }
        tx.commit()?;
        Ok(summary)
    }

    /// Takes a voter off the register (entered by mistake).
    pub fn remove_voter(&self, id: i64, voter: i64, actor: &Actor) -> Result<()> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let e = open_poll(&tx, id)?;
        let n = tx.execute(
            "DELETE FROM election_voters WHERE poll = ?1 AND id = ?2",
            params![id, voter],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("voter {voter}")));
        }
        record(
            &tx,
            actor,
            "election_register_remove",
            "election",
            &id.to_string(),
            e.placement.area.as_ref().map(AreaPath::as_str),
            json!({"voter": voter}),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Records that voters voted (or undoes it). Only the flag is kept: no
    /// time, no order, nothing that could tie a voter to a ballot.
    pub fn mark_voted(&self, id: i64, voters: &[i64], voted: bool, actor: &Actor) -> Result<usize> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let e = open_poll(&tx, id)?;
        let mut changed = 0;
        for v in voters {
            let eligible: Option<bool> = tx
                .query_row(
                    "SELECT eligible FROM election_voters WHERE poll = ?1 AND id = ?2",
                    params![id, v],
                    |r| r.get(0),
                )
                .optional()?;
            match eligible {
                None => return Err(StoreError::NotFound(format!("voter {v}"))),
                Some(false) if voted => {
                    return Err(invalid(
                        "voter",
                        format!("voter {v} is not eligible (under 17 and not married)"),
                    ))
                }
                _ => {}
            }
            changed += tx.execute(
                "UPDATE election_voters SET voted = ?3 WHERE poll = ?1 AND id = ?2 AND voted <> ?3",
                params![id, v, voted],
            )?;
        }
        if changed > 0 {
            record(
                &tx,
                actor,
                if voted {
                    "election_voted"
                } else {
                    "election_voted_undo"
                },
                "election",
                &id.to_string(),
                e.placement.area.as_ref().map(AreaPath::as_str),
                json!({"voters": changed}),
            )?;
        }
        tx.commit()?;
        Ok(changed)
    }

    /// Enters ballots into one entry. A committee member makes only one of
    /// the two entries of a poll. A ballot already in the entry with the
    /// same names is left as is (a batch sent twice enters once); with other
    /// names it is refused: correct it instead.
    pub fn enter_ballots(
        &self,
        id: i64,
        entry: Entry,
        ballots: &[(String, Vec<String>)],
        actor: &Actor,
    ) -> Result<usize> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let e = open_poll(&tx, id)?;
        let me = actor.label();
        let other = match entry {
            Entry::A => Entry::B,
            Entry::B => Entry::A,
        };
        let in_other: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM election_ballots WHERE poll = ?1 AND entry = ?2 AND entered_by = ?3)",
            params![id, other.as_str(), me],
            |r| r.get(0),
        )?;
        if in_other {
            return Err(StoreError::Conflict(format!(
                "{me} made entry {}: entry {} is made by another committee member",
                other.as_str().to_uppercase(),
                entry.as_str().to_uppercase()
            )));
        }
        let mut added = 0;
        let mut errors = Vec::new();
        for (i, (bid, names)) in ballots.iter().enumerate() {
            let bid = bid.trim();
            if bid.is_empty() {
                errors.push(RowError::new(
                    i as u64 + 1,
                    Some("ballot_id"),
                    "the ballot id is empty",
                ));
                continue;
            }
            let names = clean_names(names);
            let old: Option<String> = tx
                .query_row(
                    "SELECT names FROM election_ballots WHERE poll = ?1 AND entry = ?2 AND ballot_id = ?3",
                    params![id, entry.as_str(), bid],
                    |r| r.get(0),
                )
                .optional()?;
            match old {
                Some(old) if names_from(&old) == names => {}
                Some(_) => errors.push(RowError::new(
                    i as u64 + 1,
                    Some("ballot_id"),
                    format!(
                        "ballot {bid} is already in entry {} with other names; correct it instead",
                        entry.as_str().to_uppercase()
                    ),
                )),
                None => {
                    tx.execute(
                        "INSERT INTO election_ballots (poll, entry, ballot_id, names, entered_by, entered_at, seq)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6,
                                 (SELECT coalesce(max(seq), 0) + 1 FROM election_ballots WHERE poll = ?1))",
                        params![id, entry.as_str(), bid, names_json(&names), me, now()],
                    )?;
                    added += 1;
                }
            }
        }
        if !errors.is_empty() {
            return Err(Rejected {
                file: format!("entry {}", entry.as_str().to_uppercase()),
                errors,
            }
            .into());
        }
        if added > 0 {
            record(
                &tx,
                actor,
                "election_ballots",
                "election",
                &id.to_string(),
                e.placement.area.as_ref().map(AreaPath::as_str),
                json!({"entry": entry, "added": added}),
            )?;
        }
        tx.commit()?;
        Ok(added)
    }

    /// Corrects a ballot in one entry (a typing mistake of its own
    /// enterer), or takes it out (`names` = `None`). Logged with the names
    /// before and after.
    pub fn correct_ballot(
        &self,
        id: i64,
        entry: Entry,
        ballot_id: &str,
        names: Option<&[String]>,
        actor: &Actor,
    ) -> Result<()> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let e = open_poll(&tx, id)?;
        let old: Option<(String, String)> = tx
            .query_row(
                "SELECT names, entered_by FROM election_ballots WHERE poll = ?1 AND entry = ?2 AND ballot_id = ?3",
                params![id, entry.as_str(), ballot_id.trim()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((old, by)) = old else {
            return Err(StoreError::NotFound(format!(
                "ballot {ballot_id} in entry {}",
                entry.as_str().to_uppercase()
            )));
        };
        if by != actor.label() {
            return Err(StoreError::Conflict(format!(
                "entry {} of ballot {ballot_id} was made by {by}: only they correct it; the committee resolves differences",
                entry.as_str().to_uppercase()
            )));
        }
        let new = names.map(clean_names);
        match &new {
            Some(n) => tx.execute(
                "UPDATE election_ballots SET names = ?4 WHERE poll = ?1 AND entry = ?2 AND ballot_id = ?3",
                params![id, entry.as_str(), ballot_id.trim(), names_json(n)],
            )?,
            None => tx.execute(
                "DELETE FROM election_ballots WHERE poll = ?1 AND entry = ?2 AND ballot_id = ?3",
                params![id, entry.as_str(), ballot_id.trim()],
            )?,
        };
        record(
            &tx,
            actor,
            "election_ballot_correct",
            "election",
            &id.to_string(),
            e.placement.area.as_ref().map(AreaPath::as_str),
            json!({"entry": entry, "ballot_id": ballot_id.trim(), "before": names_from(&old), "after": new}),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The committee's reading of a paper ballot where the two entries
    /// differ: the names on it, or `None` when it is not a ballot. Replaces
    /// an earlier resolution of the same ballot; both stay in the audit log.
    pub fn resolve_ballot(
        &self,
        id: i64,
        ballot_id: &str,
        names: Option<&[String]>,
        note: &str,
        actor: &Actor,
    ) -> Result<()> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let e = open_poll(&tx, id)?;
        let bid = ballot_id.trim();
        let known: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM election_ballots WHERE poll = ?1 AND ballot_id = ?2)",
            params![id, bid],
            |r| r.get(0),
        )?;
        if !known {
            return Err(StoreError::NotFound(format!("ballot {bid}")));
        }
        let names = names.map(clean_names);
        let before: Option<Option<String>> = tx
            .query_row(
                "SELECT names FROM election_resolutions WHERE poll = ?1 AND ballot_id = ?2",
                params![id, bid],
                |r| r.get(0),
            )
            .optional()?;
        tx.execute(
            "INSERT INTO election_resolutions (poll, ballot_id, names, note, resolved_by, resolved_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (poll, ballot_id) DO UPDATE SET names = excluded.names, note = excluded.note,
                 resolved_by = excluded.resolved_by, resolved_at = excluded.resolved_at",
            params![
                id,
                bid,
                names.as_deref().map(names_json),
                note.trim(),
                actor.label(),
                now()
            ],
        )?;
        record(
            &tx,
            actor,
            "election_ballot_resolve",
            "election",
            &id.to_string(),
            e.placement.area.as_ref().map(AreaPath::as_str),
            json!({
                "ballot_id": bid,
                "names": names,
                "note": note.trim(),
                "before": before.map(|b| b.map(|n| names_from(&n))),
            }),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Confirms that `written` means `person` (the committee decides; the
    /// app only suggests). Refused when it contradicts an earlier grouping.
    pub fn add_group(&self, id: i64, written: &str, person: &str, actor: &Actor) -> Result<()> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let e = open_poll(&tx, id)?;
        let mut g = grouping_of(&groups_tx(&tx, id)?)?;
        let before = g.len();
        g.add(written, person)
            .map_err(|e| invalid("written", e.to_string()))?;
        if g.len() > before {
            let (w, p) = g.entries().last().expect("just added");
            tx.execute(
                "INSERT INTO election_groups (poll, written, written_key, person, confirmed_by, confirmed_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    id,
                    w,
                    NameKey::new(w).expect("not blank").as_str(),
                    p.as_str(),
                    actor.label(),
                    now()
                ],
            )?;
            record(
                &tx,
                actor,
                "election_group",
                "election",
                &id.to_string(),
                e.placement.area.as_ref().map(AreaPath::as_str),
                json!({"written": w, "person": p.as_str()}),
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Takes a grouping back.
    pub fn remove_group(&self, id: i64, written: &str, actor: &Actor) -> Result<()> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let e = open_poll(&tx, id)?;
        let key = NameKey::new(written).ok_or_else(|| invalid("written", "empty"))?;
        let person: Option<String> = tx
            .query_row(
                "SELECT person FROM election_groups WHERE poll = ?1 AND written_key = ?2",
                params![id, key.as_str()],
                |r| r.get(0),
            )
            .optional()?;
        let Some(person) = person else {
            return Err(StoreError::NotFound(format!("grouping of {written:?}")));
        };
        tx.execute(
            "DELETE FROM election_groups WHERE poll = ?1 AND written_key = ?2",
            params![id, key.as_str()],
        )?;
        // What is left must still be a grouping (a person's own name may
        // have been a variant's only link).
        grouping_of(&groups_tx(&tx, id)?)?;
        record(
            &tx,
            actor,
            "election_group_remove",
            "election",
            &id.to_string(),
            e.placement.area.as_ref().map(AreaPath::as_str),
            json!({"written": written.trim(), "person": person}),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Records a door-to-door collection (the quorum was not met); the
    /// ballots collected are then entered like the others.
    pub fn record_door_to_door(&self, id: i64, on: Date, note: &str, actor: &Actor) -> Result<()> {
        if note.trim().is_empty() {
            return Err(invalid(
                "note",
                "say where and by whom the votes were collected",
            ));
        }
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let e = open_poll(&tx, id)?;
        tx.execute(
            "INSERT INTO election_door_to_door (poll, on_date, note, recorded_by, recorded_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, on.to_string(), note.trim(), actor.label(), now()],
        )?;
        record(
            &tx,
            actor,
            "election_door_to_door",
            "election",
            &id.to_string(),
            e.placement.area.as_ref().map(AreaPath::as_str),
            json!({"on": on, "note": note.trim()}),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Records how a tie was broken, checked against the count and the
    /// kelurahan's rule: a re-vote's count among the tied (the winners
    /// follow from it; a new tie is refused) or the winners of a lot.
    /// Replaces an earlier decision.
    pub fn record_tie(&self, id: i64, input: &TieInput, actor: &Actor) -> Result<TieRecord> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let e = open_poll(&tx, id)?;
        let count = count_tx(&tx, id)?;
        let r = count.recount.as_ref().ok_or_else(|| {
            StoreError::Conflict("there is no count yet to break a tie in".into())
        })?;
        let outcome = r.outcome();
        let named = |w: &str| -> Result<PersonName> {
            let p = PersonName::new(w).ok_or_else(|| invalid("winners", "a name is empty"))?;
            Ok(r.ties
                .iter()
                .find(|t| t.key() == p.key())
                .cloned()
                .unwrap_or(p))
        };
        let tie_err = |e: lumbung_community::election::TieError| invalid("tie", e.to_string());
        let decision = match input.rule {
            TieRule::Revote => {
                let votes = input
                    .revote
                    .iter()
                    .map(|(p, n)| Ok((named(p)?, *n)))
                    .collect::<Result<Vec<_>>>()?;
                if votes.iter().all(|(_, n)| *n == 0) {
                    return Err(invalid(
                        "revote",
                        "give the re-vote's count for each of the tied",
                    ));
                }
                TieDecision::from_revote(&outcome, votes, input.note.trim()).map_err(tie_err)?
            }
            TieRule::Lot => TieDecision {
                rule: TieRule::Lot,
                winners: input
                    .winners
                    .iter()
                    .map(|w| named(w))
                    .collect::<Result<_>>()?,
                note: input.note.trim().to_owned(),
            },
        };
        decision
            .apply(&outcome, count.settings.tie_rule)
            .map_err(tie_err)?;
        let rec = TieRecord {
            rule: decision.rule,
            winners: decision
                .winners
                .iter()
                .map(|p| p.as_str().to_owned())
                .collect(),
            note: decision.note.clone(),
            revote: match input.rule {
                TieRule::Revote => input
                    .revote
                    .iter()
                    .map(|(p, n)| Ok((named(p)?.as_str().to_owned(), *n)))
                    .collect::<Result<_>>()?,
                TieRule::Lot => vec![],
            },
        };
        let json = serde_json::to_string(&rec).expect("decision serialises");
        tx.execute(
            "INSERT INTO election_ties (poll, decision, decided_by, decided_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (poll) DO UPDATE SET decision = excluded.decision,
                 decided_by = excluded.decided_by, decided_at = excluded.decided_at",
            params![id, json, actor.label(), now()],
        )?;
        record(
            &tx,
            actor,
            "election_tie",
            "election",
            &id.to_string(),
            e.placement.area.as_ref().map(AreaPath::as_str),
            serde_json::to_value(&rec).expect("decision serialises"),
        )?;
        tx.commit()?;
        Ok(rec)
    }

    /// The poll's count as it stands.
    pub fn election_count(&self, id: i64) -> Result<Count> {
        let conn = self.conn()?;
        count_tx(&conn, id)
    }

    /// Publishes a poll whose count is ready: the snapshot of its result,
    /// the agreed ballots (ballot id and names only) and the groupings as
    /// the CSV files of `lumbung election recount`, and their hashes. The
    /// poll takes no more changes. A level-2 result starts the BKM's term.
    pub fn publish_election(&self, id: i64, actor: &Actor) -> Result<Published> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let e = open_poll(&tx, id)?;
        let count = count_tx(&tx, id)?;
        if !count.ready {
            let why: Vec<String> = count.blockers.iter().map(|b| b.detail.clone()).collect();
            return Err(StoreError::Conflict(format!(
                "the result cannot be published yet: {}",
                why.join("; ")
            )));
        }
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
                    let register: HashMap<NameKey, String> = voters_tx(&tx, id)
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
                _ => voters_tx(&tx, id)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|v| vec![v.name])
                    .collect(),
            };
            csv_text(&["person"], people.into_iter())
        });
        let published_at = now();
        let term = (e.level == Level::Bkm).then(|| {
            let start = e.held_on;
            let end = start
                .checked_add(i64::from(count.settings.term_years).years())
                .unwrap_or(start);
            (start, end)
        });
        let mut command = format!(
            "lumbung election recount BALLOTS.csv --groups GROUPS.csv --eligible {} --seats {} --min-names {} --max-names {} --quorum {}",
            r.eligible,
            r.seats,
            r.names_per_ballot.min(),
            r.names_per_ballot.max(),
            r.quorum
        );
        if residents_csv.is_some() {
            command.push_str(" --residents RESIDENTS.csv");
        }
        command.push_str(" --format json");
        let mut files = serde_json::Map::new();
        files.insert("BALLOTS.csv".into(), json!(sha256_hex(&ballots_csv)));
        files.insert("GROUPS.csv".into(), json!(sha256_hex(&groups_csv)));
        if let Some(res) = &residents_csv {
            files.insert("RESIDENTS.csv".into(), json!(sha256_hex(res)));
        }
        let mut snapshot = count.summary();
        snapshot["published_at"] = json!(published_at);
        snapshot["term"] = json!(term.map(|(s, t)| json!({"start": s, "end": t})));
        snapshot["files"] = Value::Object(files);
        snapshot["command"] = json!(command);
        let snapshot_text = snapshot.to_string();
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
            &tx,
            actor,
            "election_publish",
            "election",
            &id.to_string(),
            e.placement.area.as_ref().map(AreaPath::as_str),
            json!({"sha256": sha, "elected": count.elected}),
        )?;
        tx.commit()?;
        Ok(Published {
            election_id: id,
            published_at,
            snapshot,
            ballots_csv,
            groups_csv,
            residents_csv,
            sha256: sha,
        })
    }

    /// A published result, for everyone.
    pub fn published_election(&self, id: i64) -> Result<Option<Published>> {
        let conn = self.conn()?;
        let row = conn
            .query_row(
                "SELECT published_at, snapshot, ballots_csv, groups_csv, residents_csv, sha256
                 FROM election_results WHERE poll = ?1",
                [id],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, Option<String>>(4)?,
                        r.get::<_, String>(5)?,
                    ))
                },
            )
            .optional()?;
        Ok(row.map(|(at, snap, b, g, res, sha)| Published {
            election_id: id,
            published_at: at,
            snapshot: serde_json::from_str(&snap).unwrap_or(Value::Null),
            ballots_csv: b,
            groups_csv: g,
            residents_csv: res,
            sha256: sha,
        }))
    }

    /// Every published result, newest first.
    pub fn published_elections(&self) -> Result<Vec<PublishedSummary>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare(
            "SELECT p.id, p.level, p.area_code, a.name, k.name, p.held_on, r.published_at, r.snapshot
             FROM election_results r JOIN election_polls p ON p.id = r.poll
             JOIN areas a ON a.code = p.area_code JOIN areas k ON k.code = p.kelurahan_code
             ORDER BY r.published_at DESC, p.id DESC",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, String>(7)?,
            ))
        })?;
        rows.map(|row| {
            let (id, level, code, name, kel, held_on, at, snap) = row?;
            let snap: Value = serde_json::from_str(&snap).unwrap_or(Value::Null);
            Ok(PublishedSummary {
                election_id: id,
                level: Level::parse(&level).unwrap_or(Level::Rt),
                area_code: code,
                area_name: name,
                kelurahan_name: kel,
                held_on: held_on
                    .parse()
                    .map_err(|_| invalid("held_on", held_on.clone()))?,
                published_at: at,
                elected: snap["elected"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|v| v.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default(),
            })
        })
        .collect()
    }
}

/// The kelurahan an area is in (itself, or its nearest ancestor of kind
/// `kelurahan`): its code and path.
fn kelurahan_of(conn: &Connection, code: &str) -> Result<Option<(String, String)>> {
    let path: Option<String> = conn
        .query_row("SELECT path FROM areas WHERE code = ?1", [code], |r| {
            r.get(0)
        })
        .optional()?;
    let Some(path) = path else { return Ok(None) };
    let mut stmt =
        conn.prepare_cached("SELECT code, path FROM areas WHERE code = ?1 AND kind = 'kelurahan'")?;
    for c in path.trim_matches('/').split('/').rev() {
        if let Some(found) = stmt
            .query_row([c], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?
        {
            return Ok(Some(found));
        }
    }
    Ok(None)
}

/// The delegates of a kelurahan: for each of its RTs, the elected of the
/// latest result published for a poll held on or before `on`; with their
/// sex from that RT's register. A name two RTs share gets the RT's name.
fn delegates_of(
    conn: &Connection,
    kelurahan: &str,
    on: Date,
) -> Result<Vec<(String, Option<Sex>, i64)>> {
    let mut stmt = conn.prepare(
        "SELECT p.id, a.name, r.snapshot FROM election_polls p JOIN election_results r ON r.poll = p.id
         JOIN areas a ON a.code = p.area_code
         WHERE p.kelurahan_code = ?1 AND p.level = 'rt' AND p.held_on <= ?2
           AND NOT EXISTS (SELECT 1 FROM election_polls q JOIN election_results s ON s.poll = q.id
                           WHERE q.area_code = p.area_code AND q.level = 'rt' AND q.held_on <= ?2
                             AND (q.held_on > p.held_on OR (q.held_on = p.held_on AND q.id > p.id)))
         ORDER BY a.path",
    )?;
    let rows: Vec<(i64, String, String)> = stmt
        .query_map(params![kelurahan, on.to_string()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut out: Vec<(String, Option<Sex>, i64, String)> = Vec::new();
    for (poll, rt_name, snap) in rows {
        let snap: Value = serde_json::from_str(&snap).unwrap_or(Value::Null);
        let sex: HashMap<NameKey, Sex> = voters_tx(conn, poll)?
            .into_iter()
            .filter_map(|v| Some((NameKey::new(&v.name)?, v.sex?)))
            .collect();
        for name in snap["elected"].as_array().into_iter().flatten() {
            let Some(name) = name.as_str() else { continue };
            let s = NameKey::new(name).and_then(|k| sex.get(&k).copied());
            out.push((name.to_owned(), s, poll, rt_name.clone()));
        }
    }
    if out.is_empty() {
        return Err(StoreError::Conflict(format!(
            "no RT of {kelurahan} has a published result yet: the delegates come from them"
        )));
    }
    let mut counts: HashMap<NameKey, usize> = HashMap::new();
    for (n, ..) in &out {
        *counts
            .entry(NameKey::new(n).expect("not blank"))
            .or_default() += 1;
    }
    Ok(out
        .into_iter()
        .map(|(n, s, p, rt)| {
            if counts[&NameKey::new(&n).expect("not blank")] > 1 {
                (format!("{n} ({rt})"), s, p)
            } else {
                (n, s, p)
            }
        })
        .collect())
}

/// The BKM members: the elected of the latest level-2 result published for
/// the kelurahan on or before `on`, with their sex from its register.
fn members_of(
    conn: &Connection,
    kelurahan: &str,
    on: Date,
) -> Result<Vec<(String, Option<Sex>, i64)>> {
    let row: Option<(i64, String)> = conn
        .query_row(
            "SELECT p.id, r.snapshot FROM election_polls p JOIN election_results r ON r.poll = p.id
             WHERE p.kelurahan_code = ?1 AND p.level = 'bkm' AND p.held_on <= ?2
             ORDER BY p.held_on DESC, p.id DESC LIMIT 1",
            params![kelurahan, on.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((poll, snap)) = row else {
        return Err(StoreError::Conflict(format!(
            "{kelurahan} has no published BKM result yet: the members elect the coordinator"
        )));
    };
    let snap: Value = serde_json::from_str(&snap).unwrap_or(Value::Null);
    let sex: HashMap<NameKey, Sex> = voters_tx(conn, poll)?
        .into_iter()
        .filter_map(|v| Some((NameKey::new(&v.name)?, v.sex?)))
        .collect();
    Ok(snap["elected"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|n| n.as_str())
        .map(|n| {
            let s = NameKey::new(n).and_then(|k| sex.get(&k).copied());
            (n.to_owned(), s, poll)
        })
        .collect())
}

impl Store {
    /// Adult turnout of the BKM election per kelurahan, from the published
    /// RT (level 1) results: (voted, eligible) summed over its RTs.
    pub fn election_turnout(&self) -> Result<std::collections::BTreeMap<String, (u64, u64)>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare(
            "SELECT p.kelurahan_code, r.snapshot FROM election_results r
             JOIN election_polls p ON p.id = r.poll WHERE p.level = 'rt'",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        let mut out: std::collections::BTreeMap<String, (u64, u64)> = Default::default();
        for row in rows {
            let (kel, snap) = row?;
            let snap: Value = serde_json::from_str(&snap)
                .map_err(|_| invalid("election_results", "a published snapshot is unreadable"))?;
            let t = out.entry(kel).or_default();
            t.0 += snap["recount"]["ballots"].as_u64().unwrap_or(0);
            t.1 += snap["recount"]["eligible"].as_u64().unwrap_or(0);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::store;
    use lumbung_domain::{AreaCode, AreaKind, AreaRecord};

    const KEL: &str = "3604240003";
    const RT1: &str = "3604240003.01.001";
    const RT2: &str = "3604240003.01.002";

    fn area(line: u64, code: &str, parent: Option<&str>, kind: &str) -> AreaRecord {
        AreaRecord {
            line,
            code: AreaCode::parse(code).unwrap(),
            name: code.to_owned(),
            parent: parent.map(|p| AreaCode::parse(p).unwrap()),
            kind: Some(AreaKind::parse(kind).unwrap()),
        }
    }

    fn seeded() -> (tempfile::TempDir, Store) {
        let (dir, s) = store();
        s.import_areas(
            "t",
            vec![
                area(1, "ID", None, "country"),
                area(2, KEL, Some("ID"), "kelurahan"),
                area(3, "3604240003.01", Some(KEL), "rw"),
                area(4, RT1, Some("3604240003.01"), "rt"),
                area(5, RT2, Some("3604240003.01"), "rt"),
            ],
            vec![],
            vec![],
            &Actor::cli(),
            &mut |_, _| {},
        )
        .unwrap();
        (dir, s)
    }

    fn user(name: &str) -> Actor {
        Actor::Cli {
            os_user: name.into(),
        }
    }

    fn poll(s: &Store, level: Level, area: &str) -> i64 {
        s.create_election(
            &NewElection {
                level,
                area_code: area.into(),
                held_on: "2025-03-02".parse().unwrap(),
            },
            &Scope::Global,
            &user("fasilitator"),
        )
        .unwrap()
    }

    /// A register of `n` adults named V1…Vn, the first `women` women.
    fn register(s: &Store, id: i64, n: usize, women: usize) {
        let mut csv = String::from("nama,jenis_kelamin,umur,kawin\n");
        for i in 1..=n {
            let sex = if i <= women { "P" } else { "L" };
            csv.push_str(&format!("V{i},{sex},{},tidak\n", 20 + i));
        }
        let voters = read_voters("register.csv", csv.as_bytes()).unwrap();
        s.add_voters(id, "register.csv", &voters, &user("fasilitator"))
            .unwrap();
    }

    fn ballots(lines: &str) -> Vec<(String, Vec<String>)> {
        read_ballot_lines(lines).unwrap()
    }

    fn both(s: &Store, id: i64, lines: &str) {
        s.enter_ballots(id, Entry::A, &ballots(lines), &user("ani"))
            .unwrap();
        s.enter_ballots(id, Entry::B, &ballots(lines), &user("budi"))
            .unwrap();
    }

    #[test]
    fn settings_default_check_and_are_kept_per_kelurahan() {
        let (_d, s) = seeded();
        let d = s.election_settings(KEL).unwrap();
        assert_eq!(d, ElectionSettings::default());
        assert_eq!((d.names_min, d.names_max, d.bkm_seats), (2, 3, 9));
        let mut changed = d.clone();
        changed.quorum = "0.5".into();
        changed.tie_rule = TieRule::Lot;
        s.set_election_settings(KEL, changed.clone(), &Actor::cli())
            .unwrap();
        assert_eq!(s.election_settings(KEL).unwrap(), changed);
        let json = serde_json::to_string(&changed).unwrap();
        assert_eq!(ElectionSettings::from_json(&json).unwrap(), changed);
        assert_eq!(
            ElectionSettings::from_json(r#"{"bkm_seats": 11}"#)
                .unwrap()
                .bkm_seats,
            11,
            "missing fields take their default"
        );
        for bad in [
            r#"{"quorum": "1.5"}"#,
            r#"{"names_min": 4}"#,
            r#"{"bkm_seats": 0}"#,
            r#"{"seats": 3}"#,
        ] {
            assert!(ElectionSettings::from_json(bad).is_err(), "{bad}");
        }
        assert!(matches!(
            s.set_election_settings(RT1, d, &Actor::cli()),
            Err(StoreError::Invalid { .. })
        ));
    }

    #[test]
    fn the_register_reads_ages_birth_dates_and_marriage() {
        let csv = "name,sex,birth_date,married\n\
                   Siti Aminah,P,1990-05-01,ya\n\
                   Udin,L,2008-03-03,tidak\n\
                   Ujang,L,2008-03-02,\n\
                   Neng,P,2010-01-01,kawin\n";
        let v = read_voters("r.csv", csv.as_bytes()).unwrap();
        let on: Date = "2025-03-02".parse().unwrap();
        let eligible: Vec<bool> = v.iter().map(|v| v.eligible(on)).collect();
        // Udin turns 17 the day after; Ujang on the day; Neng is married.
        assert_eq!(eligible, [true, false, true, true]);
        let bad = "nama,jk,umur,kawin\nA,X,20,ya\n,P,20,ya\nB,P,abc,ya\nC,P,,tidak\nA,P,30,ya\n";
        let err = read_voters("r.csv", bad.as_bytes()).unwrap_err();
        let lines: Vec<(u64, Option<&str>)> = err
            .errors
            .iter()
            .map(|e| (e.line, e.column.as_deref()))
            .collect();
        assert_eq!(
            lines,
            [
                (2, Some("jk")),
                (3, Some("nama")),
                (4, Some("umur")),
                (5, None),
                (6, Some("nama"))
            ]
        );
        assert!(read_voters("r.csv", b"nama,jk\nA,P\n").is_err());
    }

    #[test]
    fn a_register_file_is_all_or_nothing_and_idempotent() {
        let (_d, s) = seeded();
        let id = poll(&s, Level::Rt, RT1);
        register(&s, id, 4, 2);
        let again = read_voters(
            "r.csv",
            b"nama,jenis_kelamin,umur,kawin\nV1,P,21,tidak\nV9,L,40,ya\n",
        )
        .unwrap();
        let sum = s.add_voters(id, "r.csv", &again, &user("f")).unwrap();
        assert_eq!((sum.created, sum.unchanged), (1, 1));
        let clash = read_voters(
            "r.csv",
            b"nama,jenis_kelamin,umur,kawin\nV10,P,21,tidak\nv2,P,50,tidak\n",
        )
        .unwrap();
        let err = s.add_voters(id, "r.csv", &clash, &user("f")).unwrap_err();
        assert!(err.to_string().contains("line 3"), "{err}");
        assert_eq!(s.election_voters(id).unwrap().len(), 5, "nothing added");
    }

    #[test]
    fn double_entry_flags_differences_and_blocks_until_resolved() {
        let (_d, s) = seeded();
        let id = poll(&s, Level::Rt, RT1);
        register(&s, id, 10, 5);
        let a = "1,V1,V2\n2,V1,V3\n3,V2,V3\n4,V1,V2,V4\n";
        let b = "1,V1,V2\n2,V1,V8\n4,v1,V4, V2\n5,V3,V4\n";
        s.enter_ballots(id, Entry::A, &ballots(a), &user("ani"))
            .unwrap();
        // Ani entered A: she cannot also make entry B.
        let err = s
            .enter_ballots(id, Entry::B, &ballots(b), &user("ani"))
            .unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{err}");
        s.enter_ballots(id, Entry::B, &ballots(b), &user("budi"))
            .unwrap();
        let c = s.election_count(id).unwrap();
        let kinds: Vec<String> = c
            .differences
            .iter()
            .map(|d| {
                format!(
                    "{}:{}",
                    d.difference.ballot_id(),
                    serde_json::to_value(&d.difference).unwrap()["kind"]
                        .as_str()
                        .unwrap()
                )
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "2:different_names",
                "3:missing_in_second",
                "5:missing_in_first"
            ],
            "order and case of names do not matter (ballot 4)"
        );
        assert!(!c.ready);
        assert!(c.recount.is_none() && c.ballots.is_none());
        assert_eq!(c.blockers[0].code, "differences");
        assert!(s.publish_election(id, &user("ani")).is_err());

        // The committee reads the paper ballots.
        let names = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        s.resolve_ballot(
            id,
            "2",
            Some(&names(&["V1", "V3"])),
            "kertas: V1, V3",
            &user("cici"),
        )
        .unwrap();
        s.resolve_ballot(
            id,
            "3",
            Some(&names(&["V2", "V3"])),
            "terlewat di entri B",
            &user("cici"),
        )
        .unwrap();
        let c = s.election_count(id).unwrap();
        assert_eq!(c.unresolved, 1);
        s.resolve_ballot(
            id,
            "5",
            None,
            "bukan surat suara: salah ketik nomor",
            &user("cici"),
        )
        .unwrap();
        let c = s.election_count(id).unwrap();
        assert_eq!(c.unresolved, 0);
        let agreed: Vec<&str> = c
            .ballots
            .as_ref()
            .unwrap()
            .iter()
            .map(|b| b.0.as_str())
            .collect();
        assert_eq!(agreed, ["1", "2", "3", "4"]);
        let r = c.recount.as_ref().unwrap();
        assert_eq!((r.ballots, r.valid), (4, 4));
        // A resolution of a ballot nobody entered is refused.
        assert!(s
            .resolve_ballot(id, "99", None, "x", &user("cici"))
            .is_err());
        // An enterer corrects only their own entry.
        assert!(s
            .correct_ballot(
                id,
                Entry::A,
                "1",
                Some(&names(&["V1", "V5"])),
                &user("budi")
            )
            .is_err());
        s.correct_ballot(id, Entry::A, "1", Some(&names(&["V1", "V5"])), &user("ani"))
            .unwrap();
        assert_eq!(s.election_count(id).unwrap().unresolved, 1);
        let (log, _) = s.audit_entries(&Scope::Global, 50, 0).unwrap();
        let correction = log
            .iter()
            .find(|e| e.action == "election_ballot_correct")
            .unwrap();
        assert_eq!(correction.details["before"], json!(["V1", "V2"]));
        assert_eq!(correction.details["after"], json!(["V1", "V5"]));
        assert!(
            log.iter()
                .filter(|e| e.action == "election_ballot_resolve")
                .count()
                == 3
        );
    }

    #[test]
    fn the_quorum_is_met_at_exactly_thirty_percent() {
        let (_d, s) = seeded();
        let id = poll(&s, Level::Rt, RT1);
        register(&s, id, 10, 3);
        both(&s, id, "1,V1,V2\n2,V1,V3\n");
        let c = s.election_count(id).unwrap();
        let r = c.recount.as_ref().unwrap();
        assert_eq!(r.turnout.to_string(), "0.200000");
        assert!(!r.quorum_met);
        assert!(c.blockers.iter().any(|b| b.code == "quorum_not_met"));
        s.record_door_to_door(
            id,
            "2025-03-03".parse().unwrap(),
            "RT 001, rumah ke rumah, 2 petugas",
            &user("ani"),
        )
        .unwrap();
        s.enter_ballots(id, Entry::A, &ballots("3,V2,V3\n"), &user("ani"))
            .unwrap();
        s.enter_ballots(id, Entry::B, &ballots("3,V2,V3\n"), &user("budi"))
            .unwrap();
        let c = s.election_count(id).unwrap();
        let r = c.recount.as_ref().unwrap();
        assert_eq!(r.turnout.to_string(), "0.300000");
        assert!(r.quorum_met, "3 of 10 meets 0.30");
        assert!(c.ready, "{:?}", c.blockers);
        assert_eq!(c.door_to_door.len(), 1);
        assert!(c.voted_mismatch, "nobody is marked as voted yet");
        let ids: Vec<i64> = s
            .election_voters(id)
            .unwrap()
            .iter()
            .take(3)
            .map(|v| v.id)
            .collect();
        s.mark_voted(id, &ids, true, &user("ani")).unwrap();
        assert!(!s.election_count(id).unwrap().voted_mismatch);
    }

    #[test]
    fn a_tie_needs_a_recorded_decision_by_the_configured_rule() {
        let (_d, s) = seeded();
        let rules = ElectionSettings {
            delegates_per_rt: 2,
            ..Default::default()
        };
        s.set_election_settings(KEL, rules, &Actor::cli()).unwrap();
        let id = poll(&s, Level::Rt, RT1);
        register(&s, id, 6, 3);
        // V1 3 votes; V2 and V3 2 each, for the last seat.
        both(&s, id, "1,V1,V2\n2,V1,V3\n3,V1,V2,V3\n");
        let c = s.election_count(id).unwrap();
        let r = c.recount.as_ref().unwrap();
        assert_eq!(r.ties.len(), 2);
        assert!(c.blockers.iter().any(|b| b.code == "tie_undecided"));
        assert!(c.elected.is_none());
        let lot = TieInput {
            rule: TieRule::Lot,
            winners: vec!["V3".into()],
            revote: vec![],
            note: "undian".into(),
        };
        let err = s.record_tie(id, &lot, &user("ani")).unwrap_err();
        assert!(err.to_string().contains("revote"), "{err}");
        let again = TieInput {
            rule: TieRule::Revote,
            winners: vec![],
            revote: vec![("V2".into(), 2), ("v3".into(), 2)],
            note: "pemilihan ulang".into(),
        };
        assert!(
            s.record_tie(id, &again, &user("ani")).is_err(),
            "tied again"
        );
        let revote = TieInput {
            revote: vec![("V2".into(), 1), ("v3".into(), 4)],
            ..again
        };
        let rec = s.record_tie(id, &revote, &user("ani")).unwrap();
        assert_eq!(rec.winners, ["V3"]);
        let c = s.election_count(id).unwrap();
        assert_eq!(c.elected.as_deref().unwrap(), ["V1", "V3"]);
        assert!(c.ready, "{:?}", c.blockers);
        let women = c.women.unwrap();
        assert_eq!((women.women, women.men), (2, 0));
        // More ballots change the count: the decision no longer fits.
        s.enter_ballots(id, Entry::A, &ballots("4,V2,V4\n"), &user("ani"))
            .unwrap();
        s.enter_ballots(id, Entry::B, &ballots("4,V2,V4\n"), &user("budi"))
            .unwrap();
        let c = s.election_count(id).unwrap();
        assert!(c.tie.is_some());
        assert!(c.recount.as_ref().unwrap().ties.is_empty());
        assert_eq!(c.elected.as_deref().unwrap(), ["V1", "V2"]);
    }

    #[test]
    fn groupings_are_confirmed_by_the_committee_and_published_with_the_ballots() {
        let (_d, s) = seeded();
        let id = poll(&s, Level::Rt, RT1);
        register(&s, id, 6, 3);
        both(
            &s,
            id,
            "1,Pak Haji Udin,Siti\n2,H. Udin,Siti\n3,Udin,\"Bu Siti\"\n",
        );
        let c = s.election_count(id).unwrap();
        assert!(!c.suggestions.is_empty(), "the app suggests");
        assert!(c.groups.is_empty(), "…but never applies");
        assert_eq!(c.recount.as_ref().unwrap().valid, 3);
        for (w, p) in [
            ("Pak Haji Udin", "Udin"),
            ("H. Udin", "Udin"),
            ("Bu Siti", "Siti"),
        ] {
            s.add_group(id, w, p, &user("ani")).unwrap();
        }
        // A variant cannot mean two people.
        assert!(s
            .add_group(id, "h. udin", "Udin Saprudin", &user("ani"))
            .is_err());
        let c = s.election_count(id).unwrap();
        let r = c.recount.as_ref().unwrap();
        assert_eq!(
            r.votes,
            [
                (PersonName::new("Siti").unwrap(), 3),
                (PersonName::new("Udin").unwrap(), 3)
            ]
        );
        let p = s.publish_election(id, &user("ani")).unwrap();
        assert!(p.ballots_csv.starts_with("ballot_id,name1,name2,name3\n"));
        assert!(p.groups_csv.contains("H. Udin,Udin"));
        assert!(p.residents_csv.is_none());
        // The files recount to the published result.
        let bx = lumbung_community::election::read_ballots("B", p.ballots_csv.as_bytes()).unwrap();
        let g = lumbung_community::election::read_groups("G", p.groups_csv.as_bytes()).unwrap();
        let config = s
            .election_settings(KEL)
            .unwrap()
            .config(Level::Rt, NonZeroU64::new(6).unwrap());
        let again = recount(&bx, &config, &g, None).unwrap();
        assert_eq!(serde_json::to_value(&again).unwrap(), p.snapshot["recount"]);
        assert_eq!(p.sha256, sha256_hex(&p.snapshot.to_string()));
        // Published: no more changes, and no voter identity.
        assert!(matches!(
            s.add_group(id, "Udin S", "Udin", &user("ani")),
            Err(StoreError::Conflict(_))
        ));
        let snap = p.snapshot.to_string();
        assert!(!snap.contains("V5") && !snap.contains("\"ani\""), "{snap}");
        assert_eq!(s.published_elections().unwrap().len(), 1);
    }

    #[test]
    fn level_two_takes_the_delegates_and_the_coordinator_the_members() {
        let (_d, s) = seeded();
        let rules = ElectionSettings {
            delegates_per_rt: 2,
            bkm_seats: 3,
            ..Default::default()
        };
        s.set_election_settings(KEL, rules, &Actor::cli()).unwrap();
        assert!(
            s.create_election(
                &NewElection {
                    level: Level::Bkm,
                    area_code: KEL.into(),
                    held_on: "2025-04-01".parse().unwrap()
                },
                &Scope::Global,
                &user("f")
            )
            .is_err(),
            "no published RT yet"
        );
        for (rt, lines) in [(RT1, "1,V1,V2\n2,V1,V2\n"), (RT2, "1,V1,V3\n2,V3,V1\n")] {
            let id = poll(&s, Level::Rt, rt);
            register(&s, id, 5, 2);
            both(&s, id, lines);
            s.publish_election(id, &user("ani")).unwrap();
        }
        let bkm = s
            .create_election(
                &NewElection {
                    level: Level::Bkm,
                    area_code: KEL.into(),
                    held_on: "2025-04-01".parse().unwrap(),
                },
                &Scope::Global,
                &user("f"),
            )
            .unwrap();
        let names: Vec<String> = s
            .election_voters(bkm)
            .unwrap()
            .into_iter()
            .map(|v| v.name)
            .collect();
        assert_eq!(
            names,
            [
                format!("V1 ({RT1})"),
                format!("V1 ({RT2})"),
                "V2".to_owned(),
                "V3".to_owned()
            ],
            "a name two RTs share gets its RT"
        );
        assert!(
            s.add_voters(bkm, "x", &[], &user("f")).is_err(),
            "no typed register at level 2"
        );
        let lines = format!("1,V1 ({RT1}),V2\n2,V2,V3\n3,V1 ({RT1}),V3\n4,V2,Outsider\n");
        both(&s, bkm, &lines);
        let c = s.election_count(bkm).unwrap();
        let r = c.recount.as_ref().unwrap();
        assert_eq!(r.invalid, 1, "a delegate elects from among the delegates");
        assert!(c.ready, "{:?}", c.blockers);
        let p = s.publish_election(bkm, &user("ani")).unwrap();
        assert!(p.residents_csv.as_deref().unwrap().contains("V3"));
        let e = s.election(bkm).unwrap().unwrap();
        assert_eq!(e.term_start.unwrap().to_string(), "2025-04-01");
        assert_eq!(e.term_end.unwrap().to_string(), "2028-04-01");
        let coord = s
            .create_election(
                &NewElection {
                    level: Level::Coordinator,
                    area_code: KEL.into(),
                    held_on: "2025-04-01".parse().unwrap(),
                },
                &Scope::Global,
                &user("f"),
            )
            .unwrap();
        assert_eq!(s.election_voters(coord).unwrap().len(), 3);
        both(&s, coord, "1,V2\n2,V2\n3,V3\n");
        let c = s.election_count(coord).unwrap();
        assert_eq!(c.elected.as_deref().unwrap(), ["V2"]);
    }

    #[test]
    fn scope_and_kind_are_checked_when_a_poll_is_opened() {
        let (_d, s) = seeded();
        let elsewhere = Scope::Area {
            code: AreaCode::parse(RT2).unwrap(),
            path: s.area_path(RT2).unwrap().unwrap(),
        };
        let new = NewElection {
            level: Level::Rt,
            area_code: RT1.into(),
            held_on: "2025-03-02".parse().unwrap(),
        };
        assert!(matches!(
            s.create_election(&new, &elsewhere, &user("f")),
            Err(StoreError::NotFound(_))
        ));
        let kel = NewElection {
            area_code: KEL.into(),
            ..new.clone()
        };
        assert!(matches!(
            s.create_election(&kel, &Scope::Global, &user("f")),
            Err(StoreError::Invalid { .. })
        ));
        let id = s.create_election(&new, &Scope::Global, &user("f")).unwrap();
        assert_eq!(s.elections(&elsewhere).unwrap().len(), 0);
        assert_eq!(s.elections(&Scope::Global).unwrap()[0].id, id);
    }

    #[test]
    fn ballot_ids_sort_as_people_read_them() {
        let mut ids = vec!["10", "2", "A-10", "A-9", "1", "B1"];
        ids.sort_by(|a, b| ballot_order(a, b));
        assert_eq!(ids, ["1", "2", "10", "A-9", "A-10", "B1"]);
    }
}
