//! Counting votes into seats, for both levels: who is sure of a seat, who
//! is tied for the last one(s), and the recorded decision that breaks a tie.
//! A count never breaks a tie itself.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::num::NonZeroUsize;

/// The result of counting votes for `seats` seats.
///
/// `ranked` lists everyone with at least one vote, most votes first, equal
/// counts by name (the order of `P`). `elected` are sure of a seat; `ties`
/// are tied for the remaining `seats − elected.len()` seat(s) and empty when
/// there is no tie. With fewer people than seats, all are elected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome<P> {
    pub seats: usize,
    pub ranked: Vec<(P, u64)>,
    pub elected: Vec<P>,
    pub ties: Vec<P>,
}

impl<P> Outcome<P> {
    /// Seats the tie decides (0 when there is no tie).
    pub fn open_seats(&self) -> usize {
        if self.ties.is_empty() {
            0
        } else {
            self.seats - self.elected.len()
        }
    }

    /// The elected, when no tie is left to break.
    pub fn decided(&self) -> Option<&[P]> {
        self.ties.is_empty().then_some(&self.elected[..])
    }
}

/// Counts `votes` (a person may appear more than once; counts add up)
/// into `seats` seats. People with 0 votes are never elected.
pub fn tally<P: Ord + Clone>(
    votes: impl IntoIterator<Item = (P, u64)>,
    seats: NonZeroUsize,
) -> Outcome<P> {
    let mut summed: BTreeMap<P, u64> = BTreeMap::new();
    for (p, n) in votes {
        *summed.entry(p).or_insert(0) += n;
    }
    let mut ranked: Vec<(P, u64)> = summed.into_iter().filter(|(_, n)| *n > 0).collect();
    // Stable sort over name order: equal counts stay by name.
    ranked.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
    let seats = seats.get();
    let (elected, ties) = if ranked.len() <= seats {
        (ranked.iter().map(|(p, _)| p.clone()).collect(), Vec::new())
    } else {
        let last = ranked[seats - 1].1;
        let above = ranked.iter().take_while(|(_, n)| *n > last).count();
        let at = ranked[above..]
            .iter()
            .take_while(|(_, n)| *n == last)
            .count();
        if above + at == seats {
            (
                ranked[..seats].iter().map(|(p, _)| p.clone()).collect(),
                Vec::new(),
            )
        } else {
            (
                ranked[..above].iter().map(|(p, _)| p.clone()).collect(),
                ranked[above..above + at]
                    .iter()
                    .map(|(p, _)| p.clone())
                    .collect(),
            )
        }
    };
    Outcome {
        seats,
        ranked,
        elected,
        ties,
    }
}

/// How the local rules break a tie for the last seat(s).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum TieRule {
    /// A new vote among the tied only (the default).
    #[default]
    Revote,
    /// Lots drawn in public, recorded with who drew and who witnessed.
    Lot,
}

impl TieRule {
    pub fn as_str(self) -> &'static str {
        match self {
            TieRule::Revote => "revote",
            TieRule::Lot => "lot",
        }
    }
}

/// A tie broken and recorded: under which rule, who won the open seat(s),
/// and a note (the re-vote's count, or who drew the lot before whom).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TieDecision<P> {
    pub rule: TieRule,
    pub winners: Vec<P>,
    pub note: String,
}

lumbung_domain::text_enum! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum TieError {
        NoTie => "election_no_tie";
            id: "tidak ada suara sama yang perlu diputuskan", en: "there is no tie to decide",
        WrongRule { configured: &'static str, given: &'static str } => "election_wrong_tie_rule",
            given = given, configured = configured;
            id: "keputusan diambil dengan {given}, tetapi aturannya {configured}",
            en: "the decision was taken by {given}, but the rules say {configured}",
        WrongCount { open: usize, given: usize } => "election_wrong_winner_count",
            open = open, given = given;
            id: "suara sama untuk {open} kursi, keputusan menyebut {given} pemenang",
            en: "the tie is for {open} seat(s), the decision names {given} winner(s)",
        NotTied(p: String) => "election_not_tied", person = p;
            id: "{person} tidak termasuk yang bersuara sama",
            en: "{person} was not among the tied",
        Repeated(p: String) => "election_repeated_winner", person = p;
            id: "{person} disebut dua kali di antara pemenang",
            en: "{person} is named twice among the winners",
        NoNote => "election_tie_no_note";
            id: "keputusan perlu catatan (hasil pemungutan ulang, atau siapa yang menarik undian di depan siapa)",
            en: "a decision needs a note (the re-vote's count, or who drew the lot before whom)",
        StillTied(p: String) => "election_still_tied", people = p;
            id: "pemungutan ulang kembali sama antara {people}: pilih lagi atau undi",
            en: "the re-vote is tied again between {people}: vote again or draw a lot",
        RevoteOutsideTie(p: String) => "election_revote_outside_tie", person = p;
            id: "pemungutan ulang menyebut {person}, yang tidak termasuk yang bersuara sama",
            en: "the re-vote named {person}, who was not among the tied",
    }
}

impl<P: Ord + Clone + std::fmt::Display> TieDecision<P> {
    /// Applies the decision to a count with a tie: the final elected list,
    /// those sure of a seat first, then the winners in the order given.
    pub fn apply(&self, outcome: &Outcome<P>, configured: TieRule) -> Result<Vec<P>, TieError> {
        if outcome.ties.is_empty() {
            return Err(TieError::NoTie);
        }
        if self.rule != configured {
            return Err(TieError::WrongRule {
                configured: configured.as_str(),
                given: self.rule.as_str(),
            });
        }
        if self.note.trim().is_empty() {
            return Err(TieError::NoNote);
        }
        let open = outcome.open_seats();
        if self.winners.len() != open {
            return Err(TieError::WrongCount {
                open,
                given: self.winners.len(),
            });
        }
        for (i, w) in self.winners.iter().enumerate() {
            if !outcome.ties.contains(w) {
                return Err(TieError::NotTied(w.to_string()));
            }
            if self.winners[..i].contains(w) {
                return Err(TieError::Repeated(w.to_string()));
            }
        }
        let mut elected = outcome.elected.clone();
        elected.extend(self.winners.iter().cloned());
        Ok(elected)
    }

    /// A decision by re-vote: `revote` counted among the tied only, for the
    /// open seats. Fails when it names someone outside the tie or ties again.
    pub fn from_revote(
        outcome: &Outcome<P>,
        revote: impl IntoIterator<Item = (P, u64)>,
        note: &str,
    ) -> Result<TieDecision<P>, TieError> {
        let open = NonZeroUsize::new(outcome.open_seats()).ok_or(TieError::NoTie)?;
        let votes: Vec<(P, u64)> = revote.into_iter().collect();
        if let Some((p, _)) = votes
            .iter()
            .find(|(p, n)| *n > 0 && !outcome.ties.contains(p))
        {
            return Err(TieError::RevoteOutsideTie(p.to_string()));
        }
        let again = tally(votes, open);
        if !again.ties.is_empty() {
            let names: Vec<String> = again.ties.iter().map(ToString::to_string).collect();
            return Err(TieError::StillTied(names.join(", ")));
        }
        Ok(TieDecision {
            rule: TieRule::Revote,
            winners: again.elected,
            note: note.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn seats(n: usize) -> NonZeroUsize {
        NonZeroUsize::new(n).unwrap()
    }

    fn count(votes: &[(&'static str, u64)], k: usize) -> Outcome<&'static str> {
        tally(votes.iter().copied(), seats(k))
    }

    #[test]
    fn a_tie_at_the_last_seat_is_left_open() {
        let o = count(&[("C", 3), ("A", 5), ("B", 3)], 2);
        assert_eq!(o.elected, ["A"]);
        assert_eq!(o.ties, ["B", "C"]);
        assert_eq!(o.open_seats(), 1);
        assert_eq!(o.decided(), None);
        assert_eq!(o.ranked, [("A", 5), ("B", 3), ("C", 3)]);

        let o = count(&[("C", 3), ("A", 5), ("B", 3)], 3);
        assert_eq!(o.elected, ["A", "B", "C"]);
        assert!(o.ties.is_empty());
        assert_eq!(o.decided(), Some(&["A", "B", "C"][..]));
    }

    #[test]
    fn ties_above_the_last_seat_do_not_matter() {
        let o = count(&[("A", 5), ("B", 5), ("C", 2), ("D", 1)], 3);
        assert_eq!(o.elected, ["A", "B", "C"]);
        assert!(o.ties.is_empty());
        // All tied for two seats.
        let o = count(&[("A", 1), ("B", 1), ("C", 1)], 2);
        assert!(o.elected.is_empty());
        assert_eq!(o.ties, ["A", "B", "C"]);
        assert_eq!(o.open_seats(), 2);
    }

    #[test]
    fn zero_votes_never_elect_and_counts_add_up() {
        let o = count(&[("A", 2), ("B", 0), ("A", 1)], 3);
        assert_eq!(o.elected, ["A"]);
        assert_eq!(o.ranked, [("A", 3)]);
        let o = count(&[], 1);
        assert!(o.elected.is_empty() && o.ties.is_empty());
    }

    #[test]
    fn a_recorded_decision_fills_the_open_seats() {
        let o = count(&[("A", 5), ("B", 3), ("C", 3), ("D", 3)], 3);
        assert_eq!(o.elected, ["A"]);
        assert_eq!(o.open_seats(), 2);
        let lot = TieDecision {
            rule: TieRule::Lot,
            winners: vec!["D", "B"],
            note: "drawn by the committee chair before 12 witnesses".into(),
        };
        assert_eq!(lot.apply(&o, TieRule::Lot).unwrap(), ["A", "D", "B"]);
        assert_eq!(
            lot.apply(&o, TieRule::Revote),
            Err(TieError::WrongRule {
                configured: "revote",
                given: "lot"
            })
        );
        for (winners, note, refused) in [
            (vec!["D"], None, TieError::WrongCount { open: 2, given: 1 }),
            (vec!["D", "A"], None, TieError::NotTied("A".into())),
            (vec!["D", "D"], None, TieError::Repeated("D".into())),
            (vec!["D", "B"], Some(" "), TieError::NoNote),
        ] {
            let decision = TieDecision {
                winners,
                note: note.map_or(lot.note.clone(), str::to_owned),
                ..lot.clone()
            };
            assert_eq!(decision.apply(&o, TieRule::Lot), Err(refused));
        }
        let none = count(&[("A", 5)], 1);
        assert_eq!(lot.apply(&none, TieRule::Lot), Err(TieError::NoTie));
    }

    #[test]
    fn a_revote_among_the_tied_decides_or_ties_again() {
        let o = count(&[("A", 5), ("B", 3), ("C", 3)], 2);
        let d = TieDecision::from_revote(&o, [("B", 4), ("C", 6)], "re-vote 4–6").unwrap();
        assert_eq!(d.rule, TieRule::Revote);
        assert_eq!(d.winners, ["C"]);
        assert_eq!(d.apply(&o, TieRule::Revote).unwrap(), ["A", "C"]);
        assert_eq!(
            TieDecision::from_revote(&o, [("B", 5), ("C", 5)], "x"),
            Err(TieError::StillTied("B, C".into()))
        );
        assert_eq!(
            TieDecision::from_revote(&o, [("A", 1), ("C", 5)], "x"),
            Err(TieError::RevoteOutsideTie("A".into()))
        );
    }

    #[test]
    fn decisions_serialise_with_the_rule_in_snake_case() {
        let d = TieDecision {
            rule: TieRule::Lot,
            winners: vec!["B".to_owned()],
            note: "n".into(),
        };
        let json = serde_json::to_string(&d).unwrap();
        assert_eq!(json, r#"{"rule":"lot","winners":["B"],"note":"n"}"#);
        let back: TieDecision<String> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, d);
    }

    proptest! {
        #[test]
        fn elected_and_ties_follow_the_ranking(
            votes in proptest::collection::btree_map(0u8..30, 0u64..6, 0..20),
            k in 1usize..8,
        ) {
            let o = tally(votes.iter().map(|(p, n)| (*p, *n)), seats(k));
            prop_assert!(o.elected.len() <= k);
            prop_assert!(o.ranked.iter().all(|(_, n)| *n > 0));
            let count = |p: &u8| votes[p];
            if o.ties.is_empty() {
                prop_assert_eq!(o.elected.len(), k.min(o.ranked.len()));
            } else {
                prop_assert!(o.elected.len() + o.ties.len() > k);
                let t = count(&o.ties[0]);
                prop_assert!(o.ties.iter().all(|p| count(p) == t));
                prop_assert!(o.elected.iter().all(|p| count(p) > t));
            }
            // Everyone elected has more votes than everyone left out.
            for (p, n) in &o.ranked {
                if !o.elected.contains(p) && !o.ties.contains(p) {
                    prop_assert!(o.elected.iter().chain(&o.ties).all(|e| count(e) > *n));
                }
            }
        }
    }
}
