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
}
