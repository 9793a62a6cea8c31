//! What an import records for review instead of refusing (seed 001: no
//! rupiah may leak, and anyone may check): spending beyond the grants a
//! kelurahan received for a programme, a tranche received before the one
//! it follows, a tranche whose conditions are unmet (a plan approved, the
//! tranches before it spent), an activity outside the approved plan, and
//! a kelurahan without a UPK, whose economic allocation cannot be posted
//! to a UPK's books yet.

use crate::plan::{governing, name_key, Approved};
use lumbung_domain::{text, Money, Text};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// A programme's tranches and their conditions (settings; p2kp-rules:
/// the real numbers are unconfirmed, so these defaults are Lumbung's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrancheRules {
    /// Each tranche's share of the grant, in percent, adding up to 100
    /// (its length the number of tranches); empty: not set.
    pub shares: Vec<u8>,
    /// The first tranche of a year needs an approved plan governing it.
    pub plan_required: bool,
    /// A later tranche needs this share (percent) of the tranches before
    /// it reported spent.
    pub previous_spent_percent: u8,
}

impl Default for TrancheRules {
    fn default() -> Self {
        TrancheRules {
            shares: Vec::new(),
            plan_required: true,
            previous_spent_percent: 80,
        }
    }
}

impl TrancheRules {
    /// Checked settings: a share from 0 to 100; the tranches' shares
    /// (at most 12, none 0) adding up to 100, or none.
    pub fn new(
        shares: Vec<u8>,
        plan_required: bool,
        previous_spent_percent: u8,
    ) -> Result<TrancheRules, Text> {
        if previous_spent_percent > 100 {
            return Err(text!("programme_bad_percent";
                id: "persentase 0 sampai 100", en: "a percentage from 0 to 100"));
        }
        let sum: u32 = shares.iter().map(|s| u32::from(*s)).sum();
        if !shares.is_empty() && (sum != 100 || shares.len() > 12 || shares.contains(&0)) {
            return Err(text!("programme_bad_shares";
                id: "bagian tiap tahap (paling banyak 12, tidak ada yang 0) harus berjumlah 100",
                en: "the tranches' shares (at most 12, none 0) must add up to 100"));
        }
        Ok(TrancheRules {
            shares,
            plan_required,
            previous_spent_percent,
        })
    }
}

/// A tranche condition not met.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "condition", rename_all = "snake_case")]
pub enum Unmet {
    /// No approved plan governs the tranche's year.
    PlanApproved { year: i32 },
    /// A tranche beyond the number the programme's shares set.
    Number { tranches: u32 },
    /// With every tranche held, a tranche's share of them is not the
    /// one set (percent, to the hundredth).
    Share { expected: u8, actual: String },
    /// Less than the share required of the tranches before it was
    /// reported spent.
    PreviousSpent {
        percent: u8,
        spent: Money,
        before: Money,
    },
}

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
    /// A tranche held though its conditions are not met.
    TrancheConditionUnmet {
        kelurahan: String,
        programme: String,
        tranche: u32,
        unmet: Unmet,
    },
    /// An activity reporting more poor beneficiaries than there are people
    /// in the poor households of its kelurahan's PS-2 list (`on_list`
    /// `None`: the kelurahan has no list yet).
    BeyondPs2 {
        kelurahan: String,
        programme: String,
        year: i32,
        activity: String,
        poor: u64,
        on_list: Option<u64>,
    },
    /// An activity that no approved plan governing its year holds.
    OutsidePlan {
        kelurahan: String,
        programme: String,
        year: i32,
        activity: String,
    },
}

/// What the flags are judged on, per (kelurahan, programme): the grants'
/// tranches and amounts held, the BLM spent on its activities, whether it
/// has economic activities; the kelurahan that have a UPK; each tranche's
/// year, each activity (kelurahan, programme, year, name, poor
/// beneficiaries), each kelurahan's approved plans, each programme's
/// tranche rules, and the people of each mapped kelurahan's PS-2 list.
#[derive(Debug, Clone, Default)]
pub struct Held {
    pub tranches: BTreeMap<(String, String), Vec<(u32, Money)>>,
    pub spent: BTreeMap<(String, String), Money>,
    pub economic: BTreeSet<String>,
    pub with_upk: BTreeSet<String>,
    pub tranche_years: BTreeMap<(String, String, u32), i32>,
    pub activities: Vec<(String, String, i32, String, u64)>,
    pub plans: BTreeMap<String, Vec<Approved>>,
    pub rules: BTreeMap<String, TrancheRules>,
    pub ps2_people: BTreeMap<String, u64>,
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
    for ((kelurahan, programme), tranches) in &held.tranches {
        let rules = held.rules.get(programme).cloned().unwrap_or_default();
        // The grant: the tranches the shares count.
        let total: i128 = tranches
            .iter()
            .filter(|(n, _)| (*n as usize) <= rules.shares.len())
            .map(|(_, a)| i128::from(a.minor()))
            .sum();
        let complete = !rules.shares.is_empty()
            && (1..=rules.shares.len() as u32).all(|n| tranches.iter().any(|(m, _)| *m == n));
        let plans = held.plans.get(kelurahan).map_or(&[][..], Vec::as_slice);
        let spent = held
            .spent
            .get(&(kelurahan.clone(), programme.clone()))
            .copied()
            .unwrap_or(Money::ZERO);
        for (n, _) in tranches {
            let year = held
                .tranche_years
                .get(&(kelurahan.clone(), programme.clone(), *n))
                .copied();
            let mut unmet = |u| {
                out.push(Flag::TrancheConditionUnmet {
                    kelurahan: kelurahan.clone(),
                    programme: programme.clone(),
                    tranche: *n,
                    unmet: u,
                })
            };
            match rules.shares.get(*n as usize - 1) {
                None if !rules.shares.is_empty() => unmet(Unmet::Number {
                    tranches: rules.shares.len() as u32,
                }),
                Some(share) if complete && total > 0 => {
                    let amount = tranches
                        .iter()
                        .filter(|(m, _)| m == n)
                        .map(|(_, a)| i128::from(a.minor()))
                        .sum::<i128>();
                    // Hundredths of a percent, half up; a share is met
                    // within half a percentage point.
                    let hundredths = (amount * 20_000 + total) / (2 * total);
                    if (hundredths - i128::from(*share) * 100).abs() > 50 {
                        unmet(Unmet::Share {
                            expected: *share,
                            actual: format!("{}.{:02}", hundredths / 100, hundredths % 100),
                        });
                    }
                }
                _ => {}
            }
            if let (true, 1, Some(year)) = (rules.plan_required, *n, year) {
                if governing(plans, year).is_none() {
                    unmet(Unmet::PlanApproved { year });
                }
            }
            if *n > 1 && rules.previous_spent_percent > 0 {
                let before: i128 = tranches
                    .iter()
                    .filter(|(m, _)| m < n)
                    .map(|(_, a)| i128::from(a.minor()))
                    .sum();
                let needed = before * i128::from(rules.previous_spent_percent);
                if i128::from(spent.minor()) * 100 < needed {
                    unmet(Unmet::PreviousSpent {
                        percent: rules.previous_spent_percent,
                        spent,
                        before: Money::from_minor(i64::try_from(before).unwrap_or(i64::MAX)),
                    });
                }
            }
        }
    }
    for (kelurahan, programme, year, activity, poor) in &held.activities {
        let on_list = held.ps2_people.get(kelurahan).copied();
        if *poor > on_list.unwrap_or(0) {
            out.push(Flag::BeyondPs2 {
                kelurahan: kelurahan.clone(),
                programme: programme.clone(),
                year: *year,
                activity: activity.clone(),
                poor: *poor,
                on_list,
            });
        }
        let plans = held.plans.get(kelurahan).map_or(&[][..], Vec::as_slice);
        let planned =
            governing(plans, *year).is_some_and(|p| p.activities.contains(&name_key(activity)));
        if !planned {
            out.push(Flag::OutsidePlan {
                kelurahan: kelurahan.clone(),
                programme: programme.clone(),
                year: *year,
                activity: activity.clone(),
            });
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

#[cfg(test)]
mod plan_tests {
    use super::*;
    use crate::plan::PlanKind;

    #[test]
    fn unmet_tranche_conditions_and_activities_outside_the_plan_are_flagged() {
        let key = |k: &str| (k.to_owned(), "P2KP".to_owned());
        let mut held = Held::default();
        held.tranches.insert(
            key("A"),
            vec![(1, Money::from_units(100)), (2, Money::from_units(50))],
        );
        held.tranche_years.extend([
            (("A".into(), "P2KP".into(), 1), 2008),
            (("A".into(), "P2KP".into(), 2), 2008),
        ]);
        // 79 of the first 100 spent: short of 80%.
        held.spent.insert(key("A"), Money::from_units(79));
        held.activities = vec![
            ("A".into(), "P2KP".into(), 2008, "Jalan  RW 02".into(), 40),
            ("A".into(), "P2KP".into(), 2008, "Balai warga".into(), 0),
        ];
        // 40 poor beneficiaries, 40 people on the list: nothing beyond it.
        held.ps2_people.insert("A".into(), 40);
        let all = flags(&held);
        assert!(all.contains(&Flag::TrancheConditionUnmet {
            kelurahan: "A".into(),
            programme: "P2KP".into(),
            tranche: 1,
            unmet: Unmet::PlanApproved { year: 2008 },
        }));
        assert!(all.contains(&Flag::TrancheConditionUnmet {
            kelurahan: "A".into(),
            programme: "P2KP".into(),
            tranche: 2,
            unmet: Unmet::PreviousSpent {
                percent: 80,
                spent: Money::from_units(79),
                before: Money::from_units(100)
            },
        }));
        assert_eq!(
            all.iter()
                .filter(|f| matches!(f, Flag::OutsidePlan { .. }))
                .count(),
            2
        );
        // A PJM approved holding the road; 80 spent: only the hall is left.
        held.plans.insert(
            "A".into(),
            vec![Approved {
                kind: PlanKind::Pjm,
                first_year: 2008,
                last_year: 2010,
                activities: ["jalan rw 02".to_owned()].into(),
            }],
        );
        held.spent.insert(key("A"), Money::from_units(80));
        assert_eq!(
            flags(&held),
            [Flag::OutsidePlan {
                kelurahan: "A".into(),
                programme: "P2KP".into(),
                year: 2008,
                activity: "Balai warga".into()
            }]
        );
        // A list of 39: one beyond it; no list at all: beyond it too.
        held.ps2_people.insert("A".into(), 39);
        assert!(flags(&held).contains(&Flag::BeyondPs2 {
            kelurahan: "A".into(),
            programme: "P2KP".into(),
            year: 2008,
            activity: "Jalan  RW 02".into(),
            poor: 40,
            on_list: Some(39)
        }));
        held.ps2_people.clear();
        assert!(flags(&held)
            .iter()
            .any(|f| matches!(f, Flag::BeyondPs2 { on_list: None, .. })));
        // Rules of the programme: no plan needed, nothing spent needed.
        held.plans.clear();
        held.spent.clear();
        held.activities.clear();
        held.rules
            .insert("P2KP".into(), TrancheRules::new(vec![], false, 0).unwrap());
        assert_eq!(flags(&held), []);
        assert!(TrancheRules::new(vec![], true, 101).is_err());
        assert!(TrancheRules::new(vec![40, 50], true, 80).is_err());
        assert!(TrancheRules::new(vec![100, 0], true, 80).is_err());
        // Shares of 60 and 40: 100 and 50 are 66.67% and 33.33%; a third
        // tranche is one too many.
        held.rules.insert(
            "P2KP".into(),
            TrancheRules::new(vec![60, 40], false, 0).unwrap(),
        );
        let share = |tranche, expected, actual: &str| Flag::TrancheConditionUnmet {
            kelurahan: "A".into(),
            programme: "P2KP".into(),
            tranche,
            unmet: Unmet::Share {
                expected,
                actual: actual.into(),
            },
        };
        assert_eq!(flags(&held), [share(1, 60, "66.67"), share(2, 40, "33.33")]);
        held.tranches.insert(
            key("A"),
            vec![
                (1, Money::from_units(60)),
                (2, Money::from_units(40)),
                (3, Money::from_units(1)),
            ],
        );
        assert_eq!(
            flags(&held),
            [Flag::TrancheConditionUnmet {
                kelurahan: "A".into(),
                programme: "P2KP".into(),
                tranche: 3,
                unmet: Unmet::Number { tranches: 2 },
            }]
        );
    }
}
