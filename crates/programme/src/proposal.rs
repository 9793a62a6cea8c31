//! A KSM's or panitia's proposal for BLM (seed 001): checked against the
//! approved plan governing its year and the kelurahan's PS-2 list before
//! the BKM funds it. A proposal with any finding is not funded; it is
//! refused, or made again right.

use crate::plan::name_key;
use lumbung_domain::{text, Money, Text};
use serde::Serialize;

/// A proposal as typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Proposal {
    pub year: i32,
    /// The plan's activity it would carry out.
    pub activity: String,
    /// The KSM or panitia proposing.
    pub implementer: String,
    /// BLM asked for.
    pub requested: Money,
    /// Poor beneficiaries it names.
    pub poor: u64,
    pub women: u64,
}

/// An activity of the approved plan governing the proposal's year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub name: String,
    pub blm: Money,
}

/// What the check found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "finding", rename_all = "snake_case")]
pub enum Finding {
    /// No approved plan governs the year.
    NoPlan { year: i32 },
    /// The approved plan does not hold the activity.
    NotInPlan,
    /// With the proposals funded before, more BLM than the plan gives
    /// the activity.
    BeyondPlan {
        planned: Money,
        funded_before: Money,
        requested: Money,
    },
    /// More poor beneficiaries than there are people on the PS-2 list
    /// (`None`: the kelurahan has no list yet).
    BeyondPs2 { poor: u64, on_list: Option<u64> },
}

/// Checks `p` against the governing plan's activities (`None`: no
/// approved plan governs its year), the BLM of proposals funded before
/// for the same activity, and the people on the PS-2 list.
pub fn check(
    p: &Proposal,
    plan: Option<&[Planned]>,
    funded_before: Money,
    ps2_people: Option<u64>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    match plan {
        None => out.push(Finding::NoPlan { year: p.year }),
        Some(activities) => {
            let key = name_key(&p.activity);
            match activities.iter().find(|a| name_key(&a.name) == key) {
                None => out.push(Finding::NotInPlan),
                Some(a) => {
                    let total = funded_before.checked_add(p.requested);
                    if total.is_none_or(|t| t > a.blm) {
                        out.push(Finding::BeyondPlan {
                            planned: a.blm,
                            funded_before,
                            requested: p.requested,
                        });
                    }
                }
            }
        }
    }
    if p.poor > ps2_people.unwrap_or(0) {
        out.push(Finding::BeyondPs2 {
            poor: p.poor,
            on_list: ps2_people,
        });
    }
    out
}

/// What the BKM decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Funded,
    Refused,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Funded => "funded",
            Decision::Refused => "refused",
        }
    }

    pub fn parse(raw: &str) -> Option<Decision> {
        match raw.trim() {
            "funded" => Some(Decision::Funded),
            "refused" => Some(Decision::Refused),
            _ => None,
        }
    }
}

/// Whether the BKM may decide so: a proposal with findings is not
/// funded.
pub fn may_decide(findings: &[Finding], decision: Decision) -> Result<(), Text> {
    if decision == Decision::Funded && !findings.is_empty() {
        return Err(text!("proposal_has_findings";
            id: "usulan dengan temuan tidak dapat didanai: tolak, atau ajukan lagi dengan benar",
            en: "a proposal with findings cannot be funded: refuse it, or propose again rightly"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proposal(activity: &str, requested: i64, poor: u64) -> Proposal {
        Proposal {
            year: 2008,
            activity: activity.into(),
            implementer: "KSM Maju".into(),
            requested: Money::from_units(requested),
            poor,
            women: 0,
        }
    }

    #[test]
    fn a_proposal_is_checked_against_the_plan_the_funded_before_and_the_ps2_list() {
        let plan = [Planned {
            name: "Pinjaman bergulir KSM".into(),
            blm: Money::from_units(70),
        }];
        let ok = proposal("pinjaman  bergulir ksm", 30, 10);
        assert_eq!(check(&ok, Some(&plan), Money::from_units(40), Some(10)), []);
        assert_eq!(may_decide(&[], Decision::Funded), Ok(()));
        assert_eq!(
            check(&ok, Some(&plan), Money::from_units(41), Some(9)),
            [
                Finding::BeyondPlan {
                    planned: Money::from_units(70),
                    funded_before: Money::from_units(41),
                    requested: Money::from_units(30)
                },
                Finding::BeyondPs2 {
                    poor: 10,
                    on_list: Some(9)
                },
            ]
        );
        assert_eq!(
            check(
                &proposal("Balai warga", 1, 0),
                Some(&plan),
                Money::ZERO,
                None
            ),
            [Finding::NotInPlan]
        );
        let none = check(&proposal("Balai warga", 1, 1), None, Money::ZERO, None);
        assert_eq!(
            none,
            [
                Finding::NoPlan { year: 2008 },
                Finding::BeyondPs2 {
                    poor: 1,
                    on_list: None
                }
            ]
        );
        assert!(may_decide(&none, Decision::Funded).is_err());
        assert_eq!(may_decide(&none, Decision::Refused), Ok(()));
    }
}
