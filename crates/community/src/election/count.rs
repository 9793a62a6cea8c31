//! A poll's count as the committee sees it, from what is recorded: the two
//! entries compared, the ballot box they agree on recounted, the recorded
//! tie decision applied, the women's share, and what still stands in the
//! way of publishing. Pure: the store loads the records and saves nothing.

use super::ballot::BallotBox;
use super::entry::{compare_entries, EntryDifference};
use super::names::{Grouping, NameKey, PersonName, Residents};
use super::recount::{recount, Recount};
use super::register::ballot_order;
use super::settings::{ElectionSettings, Invalid, Level};
use super::suggest::{suggest_groups, Suggestion};
use super::tally::{TieDecision, TieError, TieRule};
use super::women::{women_share, WomenShare};
use jiff::civil::Date;
use lumbung_domain::{text, Sex, VoterId};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};
use std::num::NonZeroU64;

/// A person on the register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Voter {
    pub id: VoterId,
    pub name: String,
    pub sex: Option<Sex>,
    #[schemars(with = "Option<String>")]
    pub birth_date: Option<Date>,
    pub age: Option<u16>,
    pub married: bool,
    pub eligible: bool,
    pub voted: bool,
}

/// A ballot as one entry holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
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

/// A recorded tie decision: the rule, the winners, the note and, for a
/// re-vote, its count among the tied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockerCode {
    NoRegister,
    Differences,
    NoBallots,
    TooManyBallots,
    QuorumNotMet,
    TieUndecided,
    TieUnconfirmed,
    TieDecisionStale,
}

/// Why a poll cannot be published yet, with a sentence for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Blocker {
    pub code: BlockerCode,
    pub detail: String,
}

/// How many ballots an entry holds and who made it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct EntryInfo {
    pub ballots: usize,
    pub entered_by: Vec<String>,
}

/// A difference between the entries, and whether the committee resolved
/// it.
#[derive(Debug, Clone, Serialize)]
pub struct Difference {
    #[serde(flatten)]
    pub difference: EntryDifference,
    pub resolved: bool,
}

/// What a poll is counted from.
pub struct CountInput<'a> {
    pub level: Level,
    pub settings: &'a ElectionSettings,
    pub voters: &'a [Voter],
    pub entry_a: &'a [BallotRow],
    pub entry_b: &'a [BallotRow],
    pub resolutions: &'a [Resolution],
    pub grouping: &'a Grouping,
    /// The recorded tie decision, and whether a second member confirmed
    /// it (a lot counts only then).
    pub tie: Option<(&'a TieRecord, bool)>,
}

/// A poll's count.
#[derive(Debug, Clone)]
pub struct Tally {
    pub seats: usize,
    pub registered: u64,
    pub eligible: u64,
    pub voted: u64,
    pub entry_a: EntryInfo,
    pub entry_b: EntryInfo,
    /// Every difference between the entries, resolved or not.
    pub differences: Vec<Difference>,
    pub unresolved: usize,
    /// The agreed ballots (when no difference is left), in ballot order.
    pub ballots: Option<Vec<(String, Vec<String>)>>,
    pub suggestions: Vec<Suggestion>,
    pub recount: Option<Recount>,
    /// The final list: the recount's elected, then a tie's winners.
    pub elected: Option<Vec<String>>,
    pub women: Option<WomenShare>,
    pub blockers: Vec<Blocker>,
    /// Ballots counted and register flags disagree (a warning).
    pub voted_mismatch: bool,
}

/// A ballot box of one entry's rows (ids are unique per entry).
pub fn boxed(rows: &[BallotRow]) -> BallotBox {
    let mut b = BallotBox::new();
    for r in rows {
        let _ = b.push(&r.ballot_id, &r.names);
    }
    b
}

/// Who made an entry, each once, in order.
pub fn makers(rows: &[BallotRow]) -> Vec<String> {
    rows.iter()
        .map(|r| r.entered_by.as_str())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .map(str::to_owned)
        .collect()
}

/// The agreed ballot box: every ballot id of either entry in ballot order,
/// read from the resolution when there is one (none when it is "not a
/// ballot"), else from the entries (which agree).
fn agreed_ballots(
    a: &[BallotRow],
    b: &[BallotRow],
    resolved: &HashMap<&str, &Resolution>,
) -> Vec<(String, Vec<String>)> {
    let mut ids: Vec<&str> = a.iter().chain(b).map(|r| r.ballot_id.as_str()).collect();
    ids.sort_by(|x, y| ballot_order(x, y));
    ids.dedup();
    ids.into_iter()
        .filter_map(|bid| match resolved.get(bid) {
            Some(r) => r.names.clone().map(|n| (bid.to_owned(), n)),
            None => a
                .iter()
                .chain(b)
                .find(|r| r.ballot_id == bid)
                .map(|r| (bid.to_owned(), r.names.clone())),
        })
        .collect()
}

/// Counts a poll: the entries compared, the agreed box recounted, the tie
/// decision applied, and what still stands in the way of publishing.
pub fn count(input: &CountInput<'_>) -> Tally {
    let CountInput {
        level,
        settings,
        voters,
        entry_a: a,
        entry_b: b,
        resolutions,
        grouping,
        tie,
    } = *input;
    let info = |rows: &[BallotRow]| EntryInfo {
        ballots: rows.len(),
        entered_by: makers(rows),
    };
    let box_a = boxed(a);
    let compared = compare_entries(&box_a, &boxed(b));
    // A resolution holds only while its ballot still differs: one made
    // before an entry was typed or corrected to agree would otherwise
    // overrule both entries unseen.
    let resolved: HashMap<&str, &Resolution> = resolutions
        .iter()
        .filter(|r| compared.iter().any(|d| d.ballot_id() == r.ballot_id))
        .map(|r| (r.ballot_id.as_str(), r))
        .collect();
    let differences: Vec<Difference> = compared
        .into_iter()
        .map(|d| Difference {
            resolved: resolved.contains_key(d.ballot_id()),
            difference: d,
        })
        .collect();
    let unresolved = differences.iter().filter(|d| !d.resolved).count();

    let mut blockers = Vec::new();
    let block = |code: BlockerCode, detail: String| Blocker { code, detail };
    let registered = voters.len() as u64;
    let eligible = voters.iter().filter(|v| v.eligible).count() as u64;
    let voted = voters.iter().filter(|v| v.voted).count() as u64;
    if eligible == 0 {
        blockers.push(block(
            BlockerCode::NoRegister,
            "no eligible voter is on the register".into(),
        ));
    }
    if unresolved > 0 {
        blockers.push(block(
            BlockerCode::Differences,
            format!("{unresolved} difference(s) between entry A and entry B are not resolved"),
        ));
    }

    let ballots = (unresolved == 0).then(|| agreed_ballots(a, b, &resolved));
    let agreed: Option<BallotBox> = ballots.as_ref().map(|bs| {
        let mut bx = BallotBox::new();
        for (bid, names) in bs {
            let _ = bx.push(bid, names);
        }
        bx
    });
    if agreed.as_ref().is_some_and(|b| b.is_empty()) {
        blockers.push(block(
            BlockerCode::NoBallots,
            "no ballot has been entered".into(),
        ));
    }

    let suggestions = {
        let source = agreed.as_ref().unwrap_or(&box_a);
        suggest_groups(source.written_names(), grouping)
    };

    let residents: Option<Residents> = match level {
        Level::Rt if !settings.check_residents => None,
        _ => Some(voters.iter().map(|v| v.name.as_str()).collect()),
    };
    let seats = settings.seats(level).get();
    let recount = match (&agreed, NonZeroU64::new(eligible)) {
        (Some(bx), Some(eligible)) if !bx.is_empty() => {
            let config = settings.config(level, eligible);
            match recount(bx, &config, grouping, residents.as_ref()) {
                Ok(r) => Some(r),
                Err(e) => {
                    blockers.push(block(BlockerCode::TooManyBallots, e.to_string()));
                    None
                }
            }
        }
        _ => None,
    };

    let mut elected = None;
    if let Some(r) = &recount {
        if !r.quorum_met {
            blockers.push(block(
                BlockerCode::QuorumNotMet,
                format!(
                    "turnout {} is below the quorum {}: collect votes door to door",
                    r.turnout, r.quorum
                ),
            ));
        }
        if r.ties.is_empty() {
            elected = Some(r.elected.clone());
        } else {
            match tie {
                None => blockers.push(block(
                    BlockerCode::TieUndecided,
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
                Some((t, false)) if t.rule == TieRule::Lot => blockers.push(block(
                    BlockerCode::TieUnconfirmed,
                    format!(
                        "the lot's winners ({}) are confirmed by a second committee member",
                        t.winners.join(", ")
                    ),
                )),
                Some((t, _)) => match decision_of(t, r).apply(&r.outcome(), settings.tie_rule) {
                    Ok(list) => elected = Some(list),
                    Err(e) => blockers.push(block(
                        BlockerCode::TieDecisionStale,
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
            settings.women_target.value(),
        )
    });
    let voted_mismatch = recount.as_ref().is_some_and(|r| r.ballots != voted);
    Tally {
        seats,
        registered,
        eligible,
        voted,
        entry_a: info(a),
        entry_b: info(b),
        differences,
        unresolved,
        ballots,
        suggestions,
        recount,
        elected: elected.map(|l| l.iter().map(|p| p.as_str().to_owned()).collect()),
        women,
        blockers,
        voted_mismatch,
    }
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

/// Why a tie decision is refused: a value, or the decision against the
/// count and the rules.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TieRefused {
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error("{0}")]
    Tie(#[from] TieError),
}

/// Checks a tie decision against the count `r` and the kelurahan's rule:
/// a re-vote's count among the tied (the winners follow from it; a new tie
/// is refused) or the winners of a lot. Names are written as the count
/// writes them.
pub fn decide_tie(
    r: &Recount,
    configured: TieRule,
    input: &TieInput,
) -> Result<TieRecord, TieRefused> {
    let outcome = r.outcome();
    let named = |w: &str| -> Result<PersonName, Invalid> {
        let p = PersonName::new(w).ok_or_else(|| Invalid::new("winners", text!("election_name_empty_winner"; id: "ada nama yang kosong", en: "a name is empty")))?;
        Ok(r.ties
            .iter()
            .find(|t| t.key() == p.key())
            .cloned()
            .unwrap_or(p))
    };
    let revote = match input.rule {
        TieRule::Revote => input
            .revote
            .iter()
            .map(|(p, n)| Ok((named(p)?, *n)))
            .collect::<Result<Vec<_>, Invalid>>()?,
        TieRule::Lot => vec![],
    };
    let decision = match input.rule {
        TieRule::Revote => {
            if revote.iter().all(|(_, n)| *n == 0) {
                return Err(Invalid::new(
                    "revote",
                    text!("election_revote_count";
                        id: "tulis hasil pemungutan ulang untuk setiap yang bersuara sama",
                        en: "give the re-vote's count for each of the tied"),
                )
                .into());
            }
            TieDecision::from_revote(&outcome, revote.clone(), input.note.trim())?
        }
        TieRule::Lot => TieDecision {
            rule: TieRule::Lot,
            winners: input
                .winners
                .iter()
                .map(|w| named(w))
                .collect::<Result<_, _>>()?,
            note: input.note.trim().to_owned(),
        },
    };
    decision.apply(&outcome, configured)?;
    Ok(TieRecord {
        rule: decision.rule,
        winners: decision
            .winners
            .iter()
            .map(|p| p.as_str().to_owned())
            .collect(),
        note: decision.note.clone(),
        revote: revote
            .into_iter()
            .map(|(p, n)| (p.as_str().to_owned(), n))
            .collect(),
    })
}

/// True when `new` confirms `old`: both lots with the same winners, and
/// `old` not yet confirmed (the second member's signature, not a new
/// decision).
pub fn confirms_lot(old: &TieRecord, old_confirmed: bool, new: &TieRecord) -> bool {
    let winners = |t: &TieRecord| -> BTreeSet<Option<NameKey>> {
        t.winners.iter().map(|w| NameKey::new(w)).collect()
    };
    new.rule == TieRule::Lot
        && old.rule == TieRule::Lot
        && !old_confirmed
        && winners(old) == winners(new)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(lines: &[(&str, &[&str])]) -> Vec<BallotRow> {
        lines
            .iter()
            .map(|(id, names)| BallotRow {
                ballot_id: (*id).to_owned(),
                names: names.iter().map(|n| (*n).to_owned()).collect(),
                entered_by: "x".into(),
                entered_at: String::new(),
            })
            .collect()
    }

    fn voters(n: i64) -> Vec<Voter> {
        (1..=n)
            .map(|i| Voter {
                id: VoterId::new(i),
                name: format!("V{i}"),
                sex: Some(Sex::Male),
                birth_date: None,
                age: Some(30),
                married: false,
                eligible: true,
                voted: false,
            })
            .collect()
    }

    fn tally(
        voters: &[Voter],
        a: &[BallotRow],
        b: &[BallotRow],
        tie: Option<(&TieRecord, bool)>,
    ) -> Tally {
        let settings = ElectionSettings {
            delegates_per_rt: 2,
            ..Default::default()
        };
        count(&CountInput {
            level: Level::Rt,
            settings: &settings,
            voters,
            entry_a: a,
            entry_b: b,
            resolutions: &[],
            grouping: &Grouping::new(),
            tie,
        })
    }

    fn codes(t: &Tally) -> Vec<BlockerCode> {
        t.blockers.iter().map(|b| b.code).collect()
    }

    #[test]
    fn what_blocks_publishing() {
        let t = tally(&[], &[], &[], None);
        assert_eq!(codes(&t), [BlockerCode::NoRegister, BlockerCode::NoBallots]);
        let a = rows(&[("2", &["V1", "V2"]), ("10", &["V1", "V3"])]);
        let b = rows(&[("2", &["V1", "V2"]), ("10", &["V1", "V4"])]);
        let t = tally(&voters(10), &a, &b, None);
        assert_eq!(codes(&t), [BlockerCode::Differences]);
        assert!(t.ballots.is_none() && t.recount.is_none());
        // Agreed: the box in ballot order; 2 of 10 is below the quorum,
        // and V2, V3 tie for the second seat.
        let b = rows(&[("10", &["V3", "V1"]), ("2", &["V1", "V2"])]);
        let t = tally(&voters(10), &a, &b, None);
        let ids: Vec<&str> = t
            .ballots
            .iter()
            .flatten()
            .map(|(i, _)| i.as_str())
            .collect();
        assert_eq!(ids, ["2", "10"]);
        assert_eq!(
            codes(&t),
            [BlockerCode::QuorumNotMet, BlockerCode::TieUndecided]
        );
        let lot = TieRecord {
            rule: TieRule::Lot,
            winners: vec!["V3".into()],
            note: "undian".into(),
            revote: vec![],
        };
        let t = tally(&voters(6), &a, &b, Some((&lot, false)));
        assert_eq!(codes(&t), [BlockerCode::TieUnconfirmed]);
        let t = tally(&voters(6), &a, &b, Some((&lot, true)));
        assert_eq!(
            codes(&t),
            [BlockerCode::TieDecisionStale],
            "the rule is revote"
        );
        let women = t.women.unwrap();
        assert_eq!((women.women, women.men), (0, 1), "the recount's elected");
    }

    /// Regression: a resolution made while ballot 5 was missing from entry
    /// A ("not a ballot") still threw it out once A was typed and agreed
    /// with B, and no page showed it.
    #[test]
    fn a_resolution_no_longer_differing_is_not_applied() {
        let a = rows(&[("1", &["V1", "V2"]), ("5", &["V3", "V4"])]);
        let resolution = |names: Option<Vec<String>>| Resolution {
            ballot_id: "5".into(),
            names,
            note: "kosong".into(),
            resolved_by: "x".into(),
            resolved_at: "2026-12-06".into(),
        };
        let settings = ElectionSettings {
            delegates_per_rt: 2,
            ..Default::default()
        };
        let ballots = |b: &[BallotRow], resolved: Resolution| {
            count(&CountInput {
                level: Level::Rt,
                settings: &settings,
                voters: &voters(4),
                entry_a: &a,
                entry_b: b,
                resolutions: &[resolved],
                grouping: &Grouping::new(),
                tie: None,
            })
            .ballots
            .unwrap()
        };
        for stale in [resolution(None), resolution(Some(vec!["V1".into()]))] {
            assert_eq!(ballots(&a, stale), agreed_as_typed(&a));
        }
        // While it differs, the resolution is what counts.
        let b = rows(&[("1", &["V1", "V2"])]);
        assert_eq!(ballots(&b, resolution(None)), agreed_as_typed(&b));
    }

    fn agreed_as_typed(rows: &[BallotRow]) -> Vec<(String, Vec<String>)> {
        rows.iter()
            .map(|r| (r.ballot_id.clone(), r.names.clone()))
            .collect()
    }

    #[test]
    fn a_tie_decision_fits_the_count_and_the_rule() {
        let a = rows(&[("1", &["V1", "V2"]), ("2", &["V1", "V3"])]);
        let settings = ElectionSettings {
            delegates_per_rt: 2,
            ..Default::default()
        };
        let t = count(&CountInput {
            level: Level::Rt,
            settings: &settings,
            voters: &voters(4),
            entry_a: &a,
            entry_b: &a,
            resolutions: &[],
            grouping: &Grouping::new(),
            tie: None,
        });
        let r = t.recount.unwrap();
        let input = |rule, revote: &[(&str, u64)], winners: &[&str]| TieInput {
            rule,
            winners: winners.iter().map(|w| (*w).to_owned()).collect(),
            revote: revote.iter().map(|(p, n)| ((*p).to_owned(), *n)).collect(),
            note: " ulang ".into(),
        };
        let rec = decide_tie(
            &r,
            TieRule::Revote,
            &input(TieRule::Revote, &[("v2", 1), ("V3", 3)], &[]),
        )
        .unwrap();
        assert_eq!(rec.winners, ["V3"]);
        assert_eq!(rec.revote, [("V2".to_owned(), 1), ("V3".to_owned(), 3)]);
        assert_eq!(rec.note, "ulang");
        let zero = decide_tie(
            &r,
            TieRule::Revote,
            &input(TieRule::Revote, &[("V2", 0)], &[]),
        );
        assert!(matches!(
            zero,
            Err(TieRefused::Invalid(Invalid {
                field: "revote",
                ..
            }))
        ));
        let lot = input(TieRule::Lot, &[], &["v2"]);
        assert!(matches!(
            decide_tie(&r, TieRule::Revote, &lot),
            Err(TieRefused::Tie(TieError::WrongRule { .. }))
        ));
        let drawn = decide_tie(&r, TieRule::Lot, &lot).unwrap();
        assert_eq!(drawn.winners, ["V2"]);
        assert!(confirms_lot(&drawn, false, &drawn));
        assert!(!confirms_lot(&drawn, true, &drawn), "confirmed already");
        assert!(!confirms_lot(&drawn, false, &rec));
    }
}
