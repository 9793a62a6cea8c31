//! The women target: at least 30% women among the delegates (level 1) and
//! the BKM members (level 2). A target to report, not a rule that changes
//! who is elected.

use super::ballot::{six_decimals, Fraction};
use super::names::PersonName;
use lumbung_domain::Sex;
use serde::Serialize;
use std::num::NonZeroU64;

/// The share of women among a list of people. `share` and `target_met`
/// are given only when the sex of everyone is known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WomenShare {
    pub women: usize,
    pub men: usize,
    pub unknown: usize,
    /// women ÷ people, six decimals (`0.333333`).
    pub share: Option<String>,
    pub target: Fraction,
    pub target_met: Option<bool>,
}

/// Counts the women among `people` (`sex_of` says what is known) against
/// `target` (P2KP: [`Fraction::THIRTY_PERCENT`]).
pub fn women_share<'a>(
    people: impl IntoIterator<Item = &'a PersonName>,
    sex_of: impl Fn(&PersonName) -> Option<Sex>,
    target: Fraction,
) -> WomenShare {
    let (mut women, mut men, mut unknown) = (0, 0, 0);
    for p in people {
        match sex_of(p) {
            Some(Sex::Female) => women += 1,
            Some(Sex::Male) => men += 1,
            None => unknown += 1,
        }
    }
    let whole = NonZeroU64::new((women + men) as u64).filter(|_| unknown == 0);
    WomenShare {
        women,
        men,
        unknown,
        share: whole.map(|w| six_decimals(women as u64, w)),
        target,
        target_met: whole.map(|w| target.met_by(women as u64, w)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn the_share_is_reported_only_when_every_sex_is_known() {
        let names: Vec<PersonName> = ["Siti", "Udin", "Asep", "Ani", "Budi", "Joko"]
            .iter()
            .map(|n| PersonName::new(n).unwrap())
            .collect();
        let mut sex: HashMap<&str, Sex> = HashMap::new();
        for n in ["Siti", "Ani"] {
            sex.insert(n, Sex::Female);
        }
        for n in ["Udin", "Asep", "Budi", "Joko"] {
            sex.insert(n, Sex::Male);
        }
        let of = |p: &PersonName| sex.get(p.as_str()).copied();
        let s = women_share(&names, of, Fraction::THIRTY_PERCENT);
        assert_eq!((s.women, s.men, s.unknown), (2, 4, 0));
        assert_eq!(s.share.as_deref(), Some("0.333333"));
        assert_eq!(s.target_met, Some(true));
        // Exactly at the target counts; below does not.
        let s = women_share(&names[..5], of, Fraction::parse("0.4").unwrap());
        assert_eq!(s.target_met, Some(true));
        let s = women_share(&names[1..], of, Fraction::THIRTY_PERCENT);
        assert_eq!(s.share.as_deref(), Some("0.200000"));
        assert_eq!(s.target_met, Some(false));
        // One unknown: counted, no share.
        sex.remove("Joko");
        let of = |p: &PersonName| sex.get(p.as_str()).copied();
        let s = women_share(&names, of, Fraction::THIRTY_PERCENT);
        assert_eq!((s.women, s.men, s.unknown), (2, 3, 1));
        assert_eq!(s.share, None);
        assert_eq!(s.target_met, None);
        let none = women_share(&[], of, Fraction::THIRTY_PERCENT);
        assert_eq!(none.share, None);
    }
}
