//! The economic allocation as the UPK's capital (seed 001: the economic
//! share of BLM becomes the revolving fund's capital). Per kelurahan,
//! programme and year, the UPK's books must hold as BLM capital what the
//! economic activities are allocated; an import that changes the
//! allocation posts the difference — capital received, or returned when
//! it fell — as a new journal entry, never an edit of an earlier one. A
//! kelurahan without a UPK posts nothing (flagged `no_upk`) until it has
//! one.

use lumbung_domain::{Money, UpkId};
use lumbung_fund::journal::Account;
use std::collections::BTreeMap;

/// What the capital is held for: (kelurahan, programme, year).
pub type CapitalKey = (String, String, i32);

/// A difference to post to a UPK's books: positive capital received,
/// negative capital returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posting {
    pub key: CapitalKey,
    pub upk: UpkId,
    pub amount: i64,
}

impl Posting {
    /// The posting in whole rupiah, as the UPK's books keep money (`amount`
    /// counts hundredths, as the allocation does): `None` when it has a
    /// part of a rupiah, which the books cannot hold.
    pub fn rupiah(&self) -> Option<i64> {
        rupiah_of(self.amount)
    }
}

/// Hundredths of a rupiah as whole rupiah, when they are.
pub fn rupiah_of(hundredths: i64) -> Option<i64> {
    const HUNDREDTHS: i64 = 100;
    (hundredths % HUNDREDTHS == 0).then_some(hundredths / HUNDREDTHS)
}

/// The lines of BLM capital `rupiah` (whole) in a UPK's books: received
/// into cash when positive, returned from it when negative.
pub fn capital_lines(rupiah: i64) -> [(Account, i64); 2] {
    if rupiah > 0 {
        [(Account::Cash, rupiah), (Account::CapitalBlm, -rupiah)]
    } else {
        [(Account::CapitalBlm, -rupiah), (Account::Cash, rupiah)]
    }
}

/// The postings that bring what was posted up to what is allocated, for
/// the kelurahan that have a UPK; `None` when a difference does not fit.
pub fn postings(
    allocated: &BTreeMap<CapitalKey, Money>,
    posted: &BTreeMap<CapitalKey, i64>,
    upks: &BTreeMap<String, UpkId>,
) -> Option<Vec<Posting>> {
    let mut out = Vec::new();
    let keys = allocated.keys().chain(posted.keys());
    let mut seen = std::collections::BTreeSet::new();
    for key in keys {
        if !seen.insert(key.clone()) {
            continue;
        }
        let Some(upk) = upks.get(&key.0) else {
            continue;
        };
        let want = allocated.get(key).map_or(0, |m| m.minor());
        let held = posted.get(key).copied().unwrap_or(0);
        let amount = want.checked_sub(held)?;
        if amount != 0 {
            out.push(Posting {
                key: key.clone(),
                upk: *upk,
                amount,
            });
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(k: &str) -> CapitalKey {
        (k.to_owned(), "P2KP".to_owned(), 2008)
    }

    #[test]
    fn only_the_difference_is_posted_and_only_where_there_is_a_upk() {
        let allocated = BTreeMap::from([
            (key("A"), Money::from_units(100)),
            (key("B"), Money::from_units(50)),
            (key("C"), Money::from_units(70)),
        ]);
        let posted = BTreeMap::from([(key("A"), 100 * 100), (key("B"), 80 * 100)]);
        let upks = BTreeMap::from([
            ("A".to_owned(), UpkId::new(1)),
            ("B".to_owned(), UpkId::new(2)),
        ]);
        // A holds its capital already; B fell by 30 (returned); C has no
        // UPK: nothing yet.
        assert_eq!(
            postings(&allocated, &posted, &upks).unwrap(),
            [Posting {
                key: key("B"),
                upk: UpkId::new(2),
                amount: -30 * 100
            }]
        );
        let mut with_c = upks.clone();
        with_c.insert("C".to_owned(), UpkId::new(3));
        let all = postings(&allocated, &posted, &with_c).unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[1].amount, 70 * 100);
        // An activity gone from the allocation returns its capital.
        let gone = postings(&BTreeMap::new(), &posted, &upks).unwrap();
        assert_eq!(gone.iter().map(|p| p.amount).sum::<i64>(), -180 * 100);
    }

    /// The books keep whole rupiah: a posting is whole rupiah or none.
    #[test]
    fn a_posting_goes_to_the_books_in_whole_rupiah() {
        let posting = |amount| Posting {
            key: key("A"),
            upk: UpkId::new(1),
            amount,
        };
        let allocated = Money::from_units(1_066_235_000);
        assert_eq!(posting(allocated.minor()).rupiah(), Some(1_066_235_000));
        assert_eq!(posting(-6_623_500_000).rupiah(), Some(-66_235_000));
        assert_eq!(posting(150).rupiah(), None);
        assert_eq!(
            capital_lines(1_000),
            [(Account::Cash, 1_000), (Account::CapitalBlm, -1_000)]
        );
        assert_eq!(
            capital_lines(-1_000),
            [(Account::CapitalBlm, 1_000), (Account::Cash, -1_000)]
        );
    }
}
