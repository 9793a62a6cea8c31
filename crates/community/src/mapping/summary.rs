//! What the mapping shows: public aggregates per RT, RW and kelurahan
//! (counts only, no personal data) and the PS-2 list of poor households
//! (names; for facilitators and the BKM only).

use super::areas::KelurahanAreas;
use super::criteria::{Criteria, Label};
use super::household::{Classification, Household};
use lumbung_domain::{AreaCode, Money, Share};
use serde::Serialize;
use std::collections::BTreeMap;

/// The level of an aggregate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Rt,
    Rw,
    Kelurahan,
}

/// How many households of an area one indicator holds for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CriterionTally {
    pub key: String,
    pub label: Label,
    pub households: u64,
}

/// The mapping of one area in counts. Holds no personal data: this is what
/// public pages show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AreaTally {
    pub area: AreaCode,
    pub level: Level,
    pub households: u64,
    pub poor: u64,
    pub not_poor: u64,
    pub incomplete: u64,
    /// poor ÷ households (all mapped households, incomplete ones included,
    /// so a lower bound while some are incomplete); `None` with no
    /// households.
    pub share_poor: Option<Share>,
    pub members: u64,
    pub women: u64,
    /// One per indicator, in the criteria's order.
    pub criteria: Vec<CriterionTally>,
}

impl AreaTally {
    fn empty(area: AreaCode, level: Level, criteria: &Criteria) -> AreaTally {
        AreaTally {
            area,
            level,
            households: 0,
            poor: 0,
            not_poor: 0,
            incomplete: 0,
            share_poor: None,
            members: 0,
            women: 0,
            criteria: criteria
                .indicators()
                .iter()
                .map(|i| CriterionTally {
                    key: i.key.clone(),
                    label: i.label.clone(),
                    households: 0,
                })
                .collect(),
        }
    }

    fn add(&mut self, class: Classification, holds: &[bool], members: u64, women: u64) {
        self.households += 1;
        match class {
            Classification::Poor => self.poor += 1,
            Classification::NotPoor => self.not_poor += 1,
            Classification::Incomplete => self.incomplete += 1,
        }
        self.members += members;
        self.women += women;
        for (tally, &h) in self.criteria.iter_mut().zip(holds) {
            tally.households += u64::from(h);
        }
        self.share_poor = count_share(self.poor, self.households);
    }
}

/// `part ÷ whole` exactly; `None` when `whole` is 0.
pub(crate) fn count_share(part: u64, whole: u64) -> Option<Share> {
    Share::of(
        Money::from_units(part as i64),
        Money::from_units(whole as i64),
    )
}

/// The mapping of a kelurahan: the whole, each RW and each RT (every RT
/// and RW of the kelurahan, those without households too), in code order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MappingSummary {
    pub kelurahan: AreaTally,
    pub rws: Vec<AreaTally>,
    pub rts: Vec<AreaTally>,
}

/// A household placed in an RT that is not in the kelurahan.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("household {household} is in RT {rt}, which is not an RT of kelurahan {kelurahan}")]
pub struct UnknownRt {
    pub household: String,
    pub rt: AreaCode,
    pub kelurahan: AreaCode,
}

impl UnknownRt {
    /// The error in both languages (the English is the `Display` text).
    pub fn text(&self) -> lumbung_domain::Text {
        lumbung_domain::text!("household_rt_not_in_kelurahan",
            household = self.household, rt = self.rt, kelurahan = self.kelurahan;
            id: "rumah tangga {household} ada di RT {rt}, yang bukan RT kelurahan {kelurahan}",
            en: "household {household} is in RT {rt}, which is not an RT of kelurahan {kelurahan}")
    }
}

fn place<'a>(areas: &'a KelurahanAreas, h: &Household) -> Result<&'a AreaCode, UnknownRt> {
    areas.rw_of(&h.rt).ok_or_else(|| UnknownRt {
        household: h.id.clone(),
        rt: h.rt.clone(),
        kelurahan: areas.kelurahan().clone(),
    })
}

/// Counts households, poor households, members, women and each indicator
/// per RT, per RW and for the kelurahan.
pub fn summarise(
    criteria: &Criteria,
    areas: &KelurahanAreas,
    households: &[Household],
) -> Result<MappingSummary, UnknownRt> {
    let mut kel = AreaTally::empty(areas.kelurahan().clone(), Level::Kelurahan, criteria);
    let mut rws: BTreeMap<&AreaCode, AreaTally> = areas
        .rws()
        .into_iter()
        .map(|rw| (rw, AreaTally::empty(rw.clone(), Level::Rw, criteria)))
        .collect();
    let mut rts: BTreeMap<&AreaCode, AreaTally> = areas
        .rts()
        .map(|rt| (rt, AreaTally::empty(rt.clone(), Level::Rt, criteria)))
        .collect();
    for h in households {
        let rw = place(areas, h)?;
        let score = criteria.score(h);
        let holds: Vec<bool> = criteria
            .indicators()
            .iter()
            .map(|i| score.holds.contains(&i.key))
            .collect();
        let (members, women) = (h.members.len() as u64, h.women() as u64);
        for tally in [
            &mut kel,
            rws.get_mut(rw).expect("every RW of an RT is listed"),
            rts.get_mut(&h.rt).expect("placed above"),
        ] {
            tally.add(score.classification, &holds, members, women);
        }
    }
    Ok(MappingSummary {
        kelurahan: kel,
        rws: rws.into_values().collect(),
        rts: rts.into_values().collect(),
    })
}

/// One household on the PS-2 list. Personal data: for facilitators and the
/// BKM, never for public pages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ps2Entry {
    pub household_id: String,
    pub rw: AreaCode,
    pub rt: AreaCode,
    pub head_name: String,
    pub address: String,
    pub members: u64,
    pub women: u64,
    /// The indicators that hold, in the criteria's order.
    pub holds: Vec<String>,
    /// The indicators without an answer (empty for most poor households).
    pub missing: Vec<String>,
}

/// The PS-2 list: poor households, and apart from them the incomplete
/// ones that a facilitator should visit again; each sorted by RW, RT and
/// head's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ps2List {
    pub poor: Vec<Ps2Entry>,
    pub incomplete: Vec<Ps2Entry>,
}

/// The PS-2 list of a kelurahan's mapped households.
pub fn ps2_list(
    criteria: &Criteria,
    areas: &KelurahanAreas,
    households: &[Household],
) -> Result<Ps2List, UnknownRt> {
    let mut list = Ps2List {
        poor: Vec::new(),
        incomplete: Vec::new(),
    };
    for h in households {
        let rw = place(areas, h)?;
        let score = criteria.score(h);
        let entry = Ps2Entry {
            household_id: h.id.clone(),
            rw: rw.clone(),
            rt: h.rt.clone(),
            head_name: h.head_name.clone(),
            address: h.address.clone(),
            members: h.members.len() as u64,
            women: h.women() as u64,
            holds: score.holds,
            missing: score.missing,
        };
        match score.classification {
            Classification::Poor => list.poor.push(entry),
            Classification::Incomplete => list.incomplete.push(entry),
            Classification::NotPoor => {}
        }
    }
    let order = |a: &Ps2Entry, b: &Ps2Entry| {
        (&a.rw, &a.rt, &a.head_name, &a.household_id).cmp(&(
            &b.rw,
            &b.rt,
            &b.head_name,
            &b.household_id,
        ))
    };
    list.poor.sort_by(order);
    list.incomplete.sort_by(order);
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::household::tests::{household, member, yes_no_criteria as criteria};
    use crate::mapping::household::{Answer, Sex};
    use proptest::prelude::*;

    fn areas() -> KelurahanAreas {
        let kel = AreaCode::parse("3604010001").unwrap();
        KelurahanAreas::by_convention(kel, &[(3, 4), (3, 5), (5, 1), (5, 2)]).unwrap()
    }

    const RTS: [&str; 4] = [
        "3604010001.03.004",
        "3604010001.03.005",
        "3604010001.05.001",
        "3604010001.05.002",
    ];

    #[test]
    fn counts_per_rt_rw_and_kelurahan() {
        let c = criteria(3, 2);
        let yes = |v: [Option<bool>; 3]| {
            v.iter()
                .enumerate()
                .filter_map(|(i, b)| b.map(|b| (format!("i{i}"), Answer::YesNo(b))))
                .collect()
        };
        let hs = vec![
            household(
                RTS[0],
                yes([Some(true), Some(true), Some(false)]),
                vec![member(Sex::Female), member(Sex::Male)],
            ),
            household(
                RTS[0],
                yes([Some(false), Some(true), Some(false)]),
                vec![member(Sex::Male)],
            ),
            household(
                RTS[1],
                yes([Some(true), None, Some(false)]),
                vec![member(Sex::Female)],
            ),
            household(
                RTS[2],
                yes([Some(true), Some(true), Some(true)]),
                vec![member(Sex::Female), member(Sex::Female)],
            ),
        ];
        let s = summarise(&c, &areas(), &hs).unwrap();
        assert_eq!(s.rts.len(), 4);
        assert_eq!(s.rws.len(), 2);
        let k = &s.kelurahan;
        assert_eq!(
            (k.households, k.poor, k.not_poor, k.incomplete),
            (4, 2, 1, 1)
        );
        assert_eq!((k.members, k.women), (6, 4));
        assert_eq!(k.share_poor.unwrap().to_string(), "0.500000");
        assert_eq!(
            k.criteria.iter().map(|c| c.households).collect::<Vec<_>>(),
            vec![3, 3, 1]
        );
        let rw03 = &s.rws[0];
        assert_eq!(rw03.area.as_str(), "3604010001.03");
        assert_eq!((rw03.households, rw03.poor), (3, 1));
        assert_eq!(rw03.share_poor.unwrap().to_string(), "0.333333");
        let rt_empty = &s.rts[3];
        assert_eq!((rt_empty.households, rt_empty.share_poor), (0, None));
        // Public aggregates carry no names.
        let json = serde_json::to_string(&s).unwrap();
        assert!(!json.contains("Siti") && !json.contains("Cinangka"));

        let ps2 = ps2_list(&c, &areas(), &hs).unwrap();
        assert_eq!(ps2.poor.len(), 2);
        assert_eq!(ps2.poor[0].rt.as_str(), RTS[0]);
        assert_eq!(ps2.poor[0].holds, vec!["i0", "i1"]);
        assert_eq!(ps2.incomplete.len(), 1);
        assert_eq!(ps2.incomplete[0].missing, vec!["i1"]);
    }

    #[test]
    fn a_household_outside_the_kelurahan_is_refused() {
        let hs = vec![household("3604010002.01.001", BTreeMap::new(), vec![])];
        let err = summarise(&criteria(1, 1), &areas(), &hs).unwrap_err();
        assert!(err
            .to_string()
            .contains("not an RT of kelurahan 3604010001"));
        assert!(ps2_list(&criteria(1, 1), &areas(), &hs).is_err());
    }

    proptest! {
        /// The RTs add up to their RW, the RWs and the RTs to the kelurahan.
        #[test]
        fn aggregates_add_up(
            hs in prop::collection::vec(
                (0usize..4, prop::collection::vec(prop::option::of(any::<bool>()), 4), prop::collection::vec(any::<bool>(), 0..6)),
                0..40),
        ) {
            let c = criteria(4, 2);
            let hs: Vec<Household> = hs.into_iter().map(|(rt, ans, women)| {
                let a = ans.iter().enumerate()
                    .filter_map(|(i, b)| b.map(|b| (format!("i{i}"), Answer::YesNo(b)))).collect();
                let m = women.iter().map(|&w| member(if w { Sex::Female } else { Sex::Male })).collect();
                household(RTS[rt], a, m)
            }).collect();
            let s = summarise(&c, &areas(), &hs).unwrap();
            let key = |t: &AreaTally| (t.households, t.poor, t.not_poor, t.incomplete, t.members, t.women,
                t.criteria.iter().map(|c| c.households).collect::<Vec<_>>());
            let sum = |ts: &[&AreaTally]| {
                let mut acc = (0, 0, 0, 0, 0, 0, vec![0u64; 4]);
                for t in ts {
                    let k = key(t);
                    acc.0 += k.0; acc.1 += k.1; acc.2 += k.2; acc.3 += k.3; acc.4 += k.4; acc.5 += k.5;
                    for (a, b) in acc.6.iter_mut().zip(k.6) { *a += b; }
                }
                acc
            };
            let all_rts: Vec<&AreaTally> = s.rts.iter().collect();
            let all_rws: Vec<&AreaTally> = s.rws.iter().collect();
            prop_assert_eq!(sum(&all_rts), key(&s.kelurahan));
            prop_assert_eq!(sum(&all_rws), key(&s.kelurahan));
            for rw in &s.rws {
                let under: Vec<&AreaTally> = s.rts.iter().filter(|t| t.area.as_str().starts_with(rw.area.as_str())).collect();
                prop_assert_eq!(sum(&under), key(rw));
            }
            let k = &s.kelurahan;
            prop_assert_eq!(k.poor + k.not_poor + k.incomplete, k.households);
            prop_assert_eq!(ps2_list(&c, &areas(), &hs).unwrap().poor.len() as u64, k.poor);
        }
    }
}
