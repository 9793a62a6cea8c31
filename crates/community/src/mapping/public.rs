//! What the public may see of a mapping: counts with no small cells.
//!
//! A count of fewer than `min_cell` households (or people) can make a
//! household recognisable, and so can a count that differs by a few from
//! its total (9 of 10 households poor names the one that is not). An RT
//! is published only when every count in its row is safe: it has at least
//! `min_cell` households, and poor, not poor, incomplete, women and men are
//! each 0 or at least `min_cell`, and so is what each leaves of its total.
//! Withheld RTs are left out of the RW and kelurahan figures too: every
//! public figure is the exact sum of the published RTs' figures, and a sum
//! of safe counts is safe, so no difference between levels (an RW less its
//! shown RTs) reveals a withheld RT, and a household added to a withheld RT
//! changes no public figure until the RT is published as a whole. The
//! households per indicator are shown for the kelurahan only (one level,
//! so no difference between levels), each only when it and what it leaves
//! are safe; there is no sum between indicators to undo a hidden one.

use super::areas::KelurahanAreas;
use super::summary::{count_share, AreaTally, MappingSummary};
use lumbung_domain::AreaCode;
use serde::Serialize;

/// The smallest count published by default (`docs/mapping.md`).
pub const MIN_PUBLIC_CELL: u64 = 5;

/// The public mapping of a kelurahan: its published RTs, and the RWs and
/// kelurahan as the sums of those. Only the kelurahan has indicators, and
/// only the safe ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicSummary {
    /// The smallest count shown.
    pub min_cell: u64,
    pub kelurahan: AreaTally,
    pub rws: Vec<AreaTally>,
    /// The RTs published, in code order.
    pub rts: Vec<AreaTally>,
    /// The RTs withheld (codes only: their counts are not told).
    pub withheld: Vec<AreaCode>,
}

/// A count is safe when it is 0 or at least `k`.
fn safe(count: u64, k: u64) -> bool {
    count == 0 || count >= k
}

/// Whether every figure of an RT may be shown (an RT with no households
/// has nothing to hide).
fn publishable(t: &AreaTally, k: u64) -> bool {
    let h = t.households;
    let part = |c: u64| safe(c, k) && safe(h - c, k);
    h == 0
        || (h >= k
            && part(t.poor)
            && part(t.not_poor)
            && part(t.incomplete)
            && safe(t.women, k)
            && safe(t.members - t.women, k))
}

/// Adds an RT's counts to an RW's or the kelurahan's.
fn add(to: &mut AreaTally, t: &AreaTally) {
    to.households += t.households;
    to.poor += t.poor;
    to.not_poor += t.not_poor;
    to.incomplete += t.incomplete;
    to.members += t.members;
    to.women += t.women;
    for (a, b) in to.criteria.iter_mut().zip(&t.criteria) {
        a.households += b.households;
    }
    to.share_poor = count_share(to.poor, to.households);
}

/// Zero counts with the same area, level and indicators.
fn zero(t: &AreaTally) -> AreaTally {
    let mut z = t.clone();
    z.households = 0;
    z.poor = 0;
    z.not_poor = 0;
    z.incomplete = 0;
    z.members = 0;
    z.women = 0;
    z.share_poor = None;
    for c in &mut z.criteria {
        c.households = 0;
    }
    z
}

/// The public view of `summary`: RTs with a small cell withheld and left
/// out of every total; `min_cell` is at least 1.
pub fn public_summary(
    summary: &MappingSummary,
    areas: &KelurahanAreas,
    min_cell: u64,
) -> PublicSummary {
    let k = min_cell.max(1);
    let mut kelurahan = zero(&summary.kelurahan);
    let mut rws: Vec<AreaTally> = summary.rws.iter().map(zero).collect();
    let (mut rts, mut withheld) = (Vec::new(), Vec::new());
    for t in &summary.rts {
        if !publishable(t, k) {
            withheld.push(t.area.clone());
            continue;
        }
        add(&mut kelurahan, t);
        if let Some(rw) = areas
            .rw_of(&t.area)
            .and_then(|rw| rws.iter_mut().find(|r| &r.area == rw))
        {
            add(rw, t);
        }
        rts.push(t.clone());
    }
    let h = kelurahan.households;
    kelurahan
        .criteria
        .retain(|c| safe(c.households, k) && safe(h - c.households, k));
    for t in rws.iter_mut().chain(&mut rts) {
        t.criteria.clear();
    }
    PublicSummary {
        min_cell: k,
        kelurahan,
        rws,
        rts,
        withheld,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::criteria::{Criteria, Indicator, Label, Test};
    use crate::mapping::household::tests::{household, member};
    use crate::mapping::household::{Answer, Household, Sex};
    use crate::mapping::summarise;
    use proptest::prelude::*;

    const BIG: &str = "3604010001.01.001";
    const SMALL: &str = "3604010001.01.002";

    fn areas() -> KelurahanAreas {
        let kel = AreaCode::parse("3604010001").unwrap();
        KelurahanAreas::by_convention(kel, &[(1, 1), (1, 2)]).unwrap()
    }

    fn criteria() -> Criteria {
        let ind = Indicator {
            key: "i0".into(),
            label: Label::new("x", "x"),
            test: Test::YesNo { holds_when: true },
        };
        Criteria::new("c", vec![ind], 1).unwrap()
    }

    /// A household of five women and five men; poor when `poor`.
    fn home(id: usize, rt: &str, poor: bool) -> Household {
        let answers = [("i0".to_owned(), Answer::YesNo(poor))].into();
        let mut members = vec![member(Sex::Female); 5];
        members.extend(vec![member(Sex::Male); 5]);
        let mut h = household(rt, answers, members);
        h.id = format!("h{id}");
        h
    }

    fn public(homes: &[Household]) -> PublicSummary {
        let s = summarise(&criteria(), &areas(), homes).unwrap();
        public_summary(&s, &areas(), MIN_PUBLIC_CELL)
    }

    #[test]
    fn a_small_rt_is_withheld_and_left_out_of_the_totals() {
        // 10 households in one RT (5 poor), 3 in the other (1 poor).
        let mut homes: Vec<Household> = (0..10).map(|i| home(i, BIG, i < 5)).collect();
        homes.extend((10..13).map(|i| home(i, SMALL, i == 10)));
        let p = public(&homes);
        assert_eq!(p.withheld, vec![AreaCode::parse(SMALL).unwrap()]);
        assert_eq!(p.rts.len(), 1);
        assert_eq!((p.kelurahan.households, p.kelurahan.poor), (10, 5));
        assert_eq!(
            p.rws[0].households, 10,
            "the RW is the sum of its shown RTs"
        );
        // One more household in the small RT moves no public figure.
        homes.push(home(13, SMALL, true));
        assert_eq!(public(&homes), p);
    }

    #[test]
    fn a_row_with_a_small_count_or_a_small_remainder_is_withheld() {
        let big_shown = |poor: usize| {
            let homes: Vec<Household> = (0..10).map(|i| home(i, BIG, i < poor)).collect();
            public(&homes).rts.iter().any(|t| t.area.as_str() == BIG)
        };
        // 9 poor of 10 would tell the one that is not; 1 of 10 the one that is.
        assert!(!big_shown(9) && !big_shown(1));
        assert!(big_shown(5) && big_shown(10) && big_shown(0));
    }

    proptest! {
        /// Every figure shown is 0 or at least the threshold, and so is
        /// what it leaves of its area's households; the totals are the
        /// sums of the RTs shown.
        #[test]
        fn no_small_cell_is_shown(poor in proptest::collection::vec((any::<bool>(), any::<bool>()), 0..40)) {
            let homes: Vec<Household> = poor.iter().enumerate()
                .map(|(i, (big, p))| home(i, if *big { BIG } else { SMALL }, *p)).collect();
            let p = public(&homes);
            for t in p.rts.iter().chain(&p.rws).chain([&p.kelurahan]) {
                let indicators = t.criteria.iter().map(|c| c.households);
                for c in [t.households, t.poor, t.not_poor, t.incomplete, t.households - t.poor, t.women].into_iter().chain(indicators) {
                    prop_assert!(c == 0 || c >= MIN_PUBLIC_CELL, "{:?}", t);
                }
            }
            prop_assert_eq!(p.kelurahan.households, p.rts.iter().map(|t| t.households).sum::<u64>());
        }
    }
}
