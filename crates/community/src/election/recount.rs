//! The recount of one ballot box: every ballot judged valid or not (after
//! grouping names), turnout against the quorum, votes per person, and the
//! seats.

use super::ballot::{BallotBox, NamesPerBallot, Quorum, Turnout};
use super::names::{collapse, normalise_into, Grouping, NameKey, PersonName, Residents};
use super::tally::{tally, Outcome};
use serde::{Serialize, Serializer};
use std::collections::HashMap;
use std::num::{NonZeroU64, NonZeroUsize};

/// What a recount needs besides the ballots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecountConfig {
    /// Voters who could have voted (level 1: residents aged 17+ or married;
    /// level 2: the delegates; the coordinator: the members).
    pub eligible: NonZeroU64,
    pub seats: NonZeroUsize,
    pub names: NamesPerBallot,
    pub quorum: Quorum,
}

impl RecountConfig {
    /// Level 1 (an RT): 2–3 names per ballot, quorum 0.30.
    pub fn rt(eligible: NonZeroU64, delegates: NonZeroUsize) -> RecountConfig {
        RecountConfig {
            eligible,
            seats: delegates,
            names: NamesPerBallot::default(),
            quorum: Quorum::default(),
        }
    }

    /// Level 2 (the kelurahan): the delegates elect the BKM members from
    /// among themselves, 9 seats by default. Names per ballot and the
    /// quorum are local rules (unconfirmed); the defaults are level 1's.
    pub fn kelurahan(delegates: NonZeroU64) -> RecountConfig {
        RecountConfig {
            eligible: delegates,
            seats: NonZeroUsize::new(9).expect("9 > 0"),
            names: NamesPerBallot::default(),
            quorum: Quorum::default(),
        }
    }

    /// The members elect their coordinator: one seat, one name per ballot.
    pub fn coordinator(members: NonZeroU64) -> RecountConfig {
        RecountConfig {
            eligible: members,
            seats: NonZeroUsize::new(1).expect("1 > 0"),
            names: NamesPerBallot::new(1, 1).expect("1 to 1"),
            quorum: Quorum::default(),
        }
    }
}

/// Why a ballot does not count. Checked in this order; the first that holds
/// is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InvalidReason {
    TooFewNames,
    TooManyNames,
    RepeatedName,
    NotAResident,
}

impl InvalidReason {
    pub fn code(self) -> &'static str {
        match self {
            InvalidReason::TooFewNames => "too_few_names",
            InvalidReason::TooManyNames => "too_many_names",
            InvalidReason::RepeatedName => "repeated_name",
            InvalidReason::NotAResident => "not_a_resident",
        }
    }
}

/// A ballot that does not count, with the reason and a sentence for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InvalidBallot {
    pub ballot_id: String,
    pub reason: InvalidReason,
    pub detail: String,
}

/// The recount of one ballot box. Serialised as the JSON of
/// `lumbung election recount` (see docs/election.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recount {
    pub eligible: u64,
    pub seats: usize,
    pub quorum: Quorum,
    pub names_per_ballot: NamesPerBallot,
    pub residents_checked: bool,
    pub ballots: u64,
    pub valid: u64,
    pub invalid: u64,
    pub turnout: Turnout,
    pub quorum_met: bool,
    /// Person → valid ballots naming them, most first, equal counts by name.
    #[serde(serialize_with = "as_map")]
    pub votes: Vec<(PersonName, u64)>,
    pub elected: Vec<PersonName>,
    pub ties: Vec<PersonName>,
    /// Seats the tie decides (0 when there is none).
    pub open_seats: usize,
    /// The ballots that do not count, in the order of the box.
    pub invalid_ballots: Vec<InvalidBallot>,
    /// The grouping applied: written → person, as published.
    pub groups: Grouping,
}

impl Recount {
    /// The count as a generic [`Outcome`] (for [`super::TieDecision::apply`]).
    pub fn outcome(&self) -> Outcome<PersonName> {
        Outcome {
            seats: self.seats,
            ranked: self.votes.clone(),
            elected: self.elected.clone(),
            ties: self.ties.clone(),
        }
    }
}

fn as_map<S: Serializer>(votes: &[(PersonName, u64)], s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = s.serialize_map(Some(votes.len()))?;
    for (p, n) in votes {
        map.serialize_entry(p, n)?;
    }
    map.end()
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecountError {
    #[error("{ballots} ballots but only {eligible} eligible voters: turnout cannot exceed 100%")]
    MoreBallotsThanEligible { ballots: u64, eligible: u64 },
}

impl RecountError {
    /// The refusal in both languages.
    pub fn text(&self) -> lumbung_domain::Text {
        let RecountError::MoreBallotsThanEligible { ballots, eligible } = self;
        lumbung_domain::text!("recount_more_ballots", ballots = ballots, eligible = eligible;
            id: "{ballots} surat suara padahal hanya {eligible} pemilih yang berhak: kehadiran tidak bisa lebih dari 100%",
            en: "{ballots} ballots but only {eligible} eligible voters: turnout cannot exceed 100%")
    }
}

/// A person as resolved from written names.
struct Person {
    name: PersonName,
    resident: bool,
}

/// Recounts `ballots`: each written name normalised, looked up among the
/// grouping's variants (else taken as written), checked against the
/// residents when given; each ballot then judged (names between min and
/// max, no person twice, everyone a resident) and the valid ones counted.
/// Never breaks a tie. The result depends on the ballots' contents, not on
/// their order, except for the shown form of ungrouped names (the form
/// first written).
pub fn recount(
    ballots: &BallotBox,
    config: &RecountConfig,
    grouping: &Grouping,
    residents: Option<&Residents>,
) -> Result<Recount, RecountError> {
    let cast = ballots.len() as u64;
    if cast > config.eligible.get() {
        return Err(RecountError::MoreBallotsThanEligible {
            ballots: cast,
            eligible: config.eligible.get(),
        });
    }

    // Each distinct written name resolved once.
    let mut people: Vec<Person> = Vec::new();
    let mut by_key: HashMap<NameKey, u32> = HashMap::new();
    let mut key = String::new();
    let person_of: Vec<u32> = ballots
        .distinct_written()
        .iter()
        .map(|written| {
            normalise_into(written, &mut key);
            let written_key = NameKey::new(&key).expect("written names are not blank");
            let name = match grouping.person_for(&written_key) {
                Some(p) => p.clone(),
                None => match residents.and_then(|r| r.get(&written_key)) {
                    Some(p) => p.clone(),
                    None => PersonName::new(&collapse(written)).expect("not blank"),
                },
            };
            if let Some(&id) = by_key.get(name.key()) {
                return id;
            }
            let resident = residents.is_none_or(|r| r.contains(name.key()));
            let id = people.len() as u32;
            by_key.insert(name.key().clone(), id);
            people.push(Person { name, resident });
            id
        })
        .collect();

    let (min, max) = (config.names.min(), config.names.max());
    let mut votes = vec![0u64; people.len()];
    let mut invalid_ballots = Vec::new();
    let mut persons: Vec<u32> = Vec::with_capacity(max);
    for ballot in ballots.iter() {
        let written = ballot.written_ids();
        let n = written.len();
        let reason = if n < min {
            Some((
                InvalidReason::TooFewNames,
                format!("{n} name{}; a ballot needs {}", plural(n), range(min, max)),
            ))
        } else if n > max {
            Some((
                InvalidReason::TooManyNames,
                format!("{n} names; a ballot holds {}", range(min, max)),
            ))
        } else {
            persons.clear();
            persons.extend(written.iter().map(|&w| person_of[w as usize]));
            repeated(ballot.names(), &persons, &people)
                .or_else(|| outsiders(ballot.names(), &persons, &people))
        };
        match reason {
            None => {
                for &p in &persons {
                    votes[p as usize] += 1;
                }
            }
            Some((reason, detail)) => invalid_ballots.push(InvalidBallot {
                ballot_id: ballot.id().to_owned(),
                reason,
                detail,
            }),
        }
    }

    let outcome = tally(
        people.iter().zip(&votes).map(|(p, &n)| (p.name.clone(), n)),
        config.seats,
    );
    let turnout = Turnout {
        ballots: cast,
        eligible: config.eligible,
    };
    let invalid = invalid_ballots.len() as u64;
    let open_seats = outcome.open_seats();
    Ok(Recount {
        eligible: config.eligible.get(),
        seats: config.seats.get(),
        quorum: config.quorum,
        names_per_ballot: config.names,
        residents_checked: residents.is_some(),
        ballots: cast,
        valid: cast - invalid,
        invalid,
        turnout,
        quorum_met: turnout.meets(config.quorum),
        votes: outcome.ranked,
        elected: outcome.elected,
        ties: outcome.ties,
        open_seats,
        invalid_ballots,
        groups: grouping.clone(),
    })
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn range(min: usize, max: usize) -> String {
    if min == max {
        format!("exactly {min}")
    } else {
        format!("{min} to {max}")
    }
}

/// The first person named twice, with the written forms.
fn repeated<'a>(
    names: impl Iterator<Item = &'a str>,
    persons: &[u32],
    people: &[Person],
) -> Option<(InvalidReason, String)> {
    let names: Vec<&str> = names.collect();
    for (i, p) in persons.iter().enumerate() {
        if let Some(j) = persons[..i].iter().position(|q| q == p) {
            let person = &people[*p as usize].name;
            let detail = if names[i] == names[j] {
                format!("{person} is named twice")
            } else {
                format!(
                    "{person} is named twice (as {:?} and {:?})",
                    names[j], names[i]
                )
            };
            return Some((InvalidReason::RepeatedName, detail));
        }
    }
    None
}

/// The names of people who do not live in the RT.
fn outsiders<'a>(
    names: impl Iterator<Item = &'a str>,
    persons: &[u32],
    people: &[Person],
) -> Option<(InvalidReason, String)> {
    let outside: Vec<String> = names
        .zip(persons)
        .filter(|(_, p)| !people[**p as usize].resident)
        .map(|(n, _)| format!("{n:?}"))
        .collect();
    if outside.is_empty() {
        return None;
    }
    let verb = if outside.len() == 1 { "is" } else { "are" };
    Some((
        InvalidReason::NotAResident,
        format!("{} {verb} not on the residents list", outside.join(", ")),
    ))
}
