//! What an import records for review instead of refusing (seed 001: no
//! rupiah may leak, and anyone may check): spending beyond the grants a
//! kelurahan received for a programme, a tranche received before the one
//! it follows, and a kelurahan without a UPK, whose economic allocation
//! cannot be posted to a UPK's books yet.

use lumbung_domain::Money;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Why something is flagged.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Flag {
    /// BLM spent on a programme's activities in a kelurahan is more than
    /// the grants it received for it.
    SpentBeyondGrants {
        kelurahan: String,
        programme: String,
        spent: Money,
        received: Money,
    },
    /// A tranche is held without the one before it.
    TrancheOutOfOrder {
        kelurahan: String,
        programme: String,
        tranche: u32,
    },
    /// Economic activities in a kelurahan without a UPK: their capital
    /// posting waits.
    NoUpk { kelurahan: String },
}

/// What the flags are judged on, per (kelurahan, programme): the grants'
/// tranches and amounts held, the BLM spent on its activities, whether it
/// has economic activities; and the kelurahan that have a UPK.
#[derive(Debug, Clone, Default)]
pub struct Held {
    pub tranches: BTreeMap<(String, String), Vec<(u32, Money)>>,
    pub spent: BTreeMap<(String, String), Money>,
    pub economic: BTreeSet<String>,
    pub with_upk: BTreeSet<String>,
}

/// The flags of what is held, in order.
pub fn flags(held: &Held) -> Vec<Flag> {
    let mut out = Vec::new();
    for ((kelurahan, programme), spent) in &held.spent {
        let received = held
            .tranches
            .get(&(kelurahan.clone(), programme.clone()))
            .map(|t| t.iter().map(|(_, m)| i128::from(m.minor())).sum::<i128>())
            .unwrap_or(0);
        if i128::from(spent.minor()) > received {
            out.push(Flag::SpentBeyondGrants {
                kelurahan: kelurahan.clone(),
                programme: programme.clone(),
                spent: *spent,
                received: Money::from_minor(i64::try_from(received).unwrap_or(i64::MAX)),
            });
        }
    }
    for ((kelurahan, programme), tranches) in &held.tranches {
        let numbers: BTreeSet<u32> = tranches.iter().map(|(n, _)| *n).collect();
        for n in &numbers {
            if *n > 1 && !numbers.contains(&(n - 1)) {
                out.push(Flag::TrancheOutOfOrder {
                    kelurahan: kelurahan.clone(),
                    programme: programme.clone(),
                    tranche: *n,
                });
            }
        }
    }
    for k in held.economic.difference(&held.with_upk) {
        out.push(Flag::NoUpk {
            kelurahan: k.clone(),
        });
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overspending_a_skipped_tranche_and_a_missing_upk_are_flagged() {
        let key = |k: &str| (k.to_owned(), "P2KP".to_owned());
        let mut held = Held::default();
        held.tranches.insert(
            key("A"),
            vec![(1, Money::from_units(100)), (3, Money::from_units(50))],
        );
        held.tranches
            .insert(key("B"), vec![(1, Money::from_units(100))]);
        held.spent.insert(key("A"), Money::from_units(150));
        held.spent.insert(key("B"), Money::from_units(101));
        held.economic.extend(["A".to_owned(), "B".to_owned()]);
        held.with_upk.insert("A".to_owned());
        assert_eq!(
            flags(&held),
            [
                Flag::SpentBeyondGrants {
                    kelurahan: "B".into(),
                    programme: "P2KP".into(),
                    spent: Money::from_units(101),
                    received: Money::from_units(100)
                },
                Flag::TrancheOutOfOrder {
                    kelurahan: "A".into(),
                    programme: "P2KP".into(),
                    tranche: 3
                },
                Flag::NoUpk {
                    kelurahan: "B".into()
                },
            ]
        );
    }
}
