//! Double entry: two committee members enter the same batch of ballots
//! independently; every difference between the two entries is flagged for
//! the committee to check against the paper ballot.

use super::ballot::{BallotBox, BallotRef};
use super::names::NameKey;
use serde::Serialize;

/// One difference between two entries of the same batch, by ballot id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EntryDifference {
    /// The ballot is in the second entry only.
    MissingInFirst { ballot_id: String },
    /// The ballot is in the first entry only.
    MissingInSecond { ballot_id: String },
    /// Both entries have the ballot with different names (compared after
    /// normalisation — case and spacing do not matter — and in any order).
    DifferentNames {
        ballot_id: String,
        first: Vec<String>,
        second: Vec<String>,
    },
}

impl EntryDifference {
    pub fn ballot_id(&self) -> &str {
        match self {
            EntryDifference::MissingInFirst { ballot_id }
            | EntryDifference::MissingInSecond { ballot_id }
            | EntryDifference::DifferentNames { ballot_id, .. } => ballot_id,
        }
    }
}

/// Every difference between two entries: first the first entry's ballots
/// in its order (missing in the second, or different), then the ballots
/// only the second entry has, in its order. Empty when they agree.
pub fn compare_entries(first: &BallotBox, second: &BallotBox) -> Vec<EntryDifference> {
    let mut out = Vec::new();
    for a in first.iter() {
        match second.find(a.id()) {
            None => out.push(EntryDifference::MissingInSecond {
                ballot_id: a.id().to_owned(),
            }),
            Some(b) => {
                if keys(a) != keys(b) {
                    out.push(EntryDifference::DifferentNames {
                        ballot_id: a.id().to_owned(),
                        first: a.names().map(str::to_owned).collect(),
                        second: b.names().map(str::to_owned).collect(),
                    });
                }
            }
        }
    }
    for b in second.iter() {
        if first.position(b.id()).is_none() {
            out.push(EntryDifference::MissingInFirst {
                ballot_id: b.id().to_owned(),
            });
        }
    }
    out
}

fn keys(ballot: BallotRef<'_>) -> Vec<NameKey> {
    let mut keys: Vec<NameKey> = ballot.names().filter_map(NameKey::new).collect();
    keys.sort();
    keys
}

/// What a viewer may read of the two entries while a poll is counted.
/// Double entry is two independent readings of the same paper, so before
/// the result is published a member who may type ballots reads the names
/// of the entries it typed in only: whoever could still type the other
/// entry (or correct its own) would otherwise copy names instead of
/// reading the paper, and the member resolving a difference reads it from
/// the paper too. The counts and which ballots differ stay in sight, so
/// that each can check its own entry against the paper; a viewer who may
/// not type (an auditor) reads both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sight {
    pub first: bool,
    pub second: bool,
}

impl Sight {
    /// The sight of `me`, who may type ballots or not, from who typed in
    /// each entry.
    pub fn of(
        me: &str,
        may_type: bool,
        first_typists: &[String],
        second_typists: &[String],
        published: bool,
    ) -> Sight {
        if published || !may_type {
            return Sight {
                first: true,
                second: true,
            };
        }
        Sight {
            first: first_typists.iter().any(|t| t == me),
            second: second_typists.iter().any(|t| t == me),
        }
    }

    /// The entries withheld (`"a"` the first, `"b"` the second).
    pub fn withheld(self) -> Vec<&'static str> {
        [(self.first, "a"), (self.second, "b")]
            .into_iter()
            .filter_map(|(seen, entry)| (!seen).then_some(entry))
            .collect()
    }

    /// Whether the grouping suggestions are in sight: they are made from
    /// entry A's names until the entries agree (`agreed`), so only to who
    /// reads both before then.
    pub fn suggestions(self, agreed: bool) -> bool {
        agreed || (self.first && self.second)
    }

    /// A difference as this member may read it: the names of an entry
    /// withheld taken out.
    pub fn difference(self, d: &EntryDifference) -> EntryDifference {
        let mut d = d.clone();
        if let EntryDifference::DifferentNames { first, second, .. } = &mut d {
            if !self.first {
                first.clear();
            }
            if !self.second {
                second.clear();
            }
        }
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_entries_agree_whatever_the_case_spacing_and_order() {
        let a = BallotBox::of(&[("1", &["Udin", "Asep"]), ("2", &["Siti", "Ani", "Budi"])]);
        let b = BallotBox::of(&[
            ("2", &["ani", "SITI", "  Budi "]),
            ("1", &["Asep", "udin", ""]),
        ]);
        assert_eq!(compare_entries(&a, &b), []);
    }

    #[test]
    fn missing_ballots_and_different_names_are_flagged() {
        let a = BallotBox::of(&[
            ("1", &["Udin", "Asep"]),
            ("2", &["Siti", "Ani"]),
            ("3", &["Budi", "Ani"]),
        ]);
        let b = BallotBox::of(&[
            ("1", &["H. Udin", "Asep"]),
            ("3", &["Budi", "Ani"]),
            ("4", &["Budi", "Siti"]),
        ]);
        let diff = compare_entries(&a, &b);
        assert_eq!(
            diff,
            [
                EntryDifference::DifferentNames {
                    ballot_id: "1".into(),
                    first: vec!["Udin".into(), "Asep".into()],
                    second: vec!["H. Udin".into(), "Asep".into()],
                },
                EntryDifference::MissingInSecond {
                    ballot_id: "2".into()
                },
                EntryDifference::MissingInFirst {
                    ballot_id: "4".into()
                },
            ]
        );
        assert_eq!(diff[1].ballot_id(), "2");
        let json = serde_json::to_string(&diff[2]).unwrap();
        assert_eq!(json, r#"{"kind":"missing_in_first","ballot_id":"4"}"#);
    }

    #[test]
    fn a_name_left_out_is_a_difference() {
        let a = BallotBox::of(&[("1", &["Udin", "Asep", "Siti"])]);
        let b = BallotBox::of(&[("1", &["Udin", "Asep"])]);
        assert_eq!(compare_entries(&a, &b).len(), 1);
        // The same name twice is not the same as once.
        let c = BallotBox::of(&[("1", &["Udin", "Udin", "Asep"])]);
        let d = BallotBox::of(&[("1", &["Udin", "Asep", "Asep"])]);
        assert_eq!(compare_entries(&c, &d).len(), 1);
    }

    #[test]
    fn a_member_who_may_type_reads_only_the_entries_it_typed_before_publication() {
        let (a, b) = (vec!["ani".to_owned()], vec!["budi".to_owned()]);
        let ani = Sight::of("ani", true, &a, &b, false);
        assert_eq!(ani.withheld(), ["b"]);
        assert!(!ani.suggestions(false) && ani.suggestions(true));
        let budi = Sight::of("budi", true, &a, &b, false);
        assert_eq!(budi.withheld(), ["a"]);
        // Before typing entry B, its typist reads nothing of entry A.
        assert_eq!(
            Sight::of("budi", true, &a, &[], false).withheld(),
            ["a", "b"]
        );
        // The member resolving the differences reads them from the paper.
        assert_eq!(
            Sight::of("citra", true, &a, &b, false).withheld(),
            ["a", "b"]
        );
        // Who may not type reads both; once published, everyone does.
        assert!(Sight::of("auditor", false, &a, &b, false)
            .withheld()
            .is_empty());
        assert!(Sight::of("budi", true, &a, &b, true).withheld().is_empty());
        let differs = EntryDifference::DifferentNames {
            ballot_id: "5".into(),
            first: vec!["Udin".into()],
            second: vec!["Asep".into()],
        };
        assert_eq!(
            budi.difference(&differs),
            EntryDifference::DifferentNames {
                ballot_id: "5".into(),
                first: vec![],
                second: vec!["Asep".into()],
            }
        );
    }
}
