//! The recount as a whole: validity rules, the quorum, seats and ties,
//! grouping and residents, level 2, determinism.

use super::*;
use lumbung_domain::Sex;
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::num::{NonZeroU64, NonZeroUsize};

fn config(eligible: u64, seats: usize) -> RecountConfig {
    RecountConfig::rt(
        NonZeroU64::new(eligible).unwrap(),
        NonZeroUsize::new(seats).unwrap(),
    )
}

fn ballots(rows: &[&[&str]]) -> BallotBox {
    let mut bx = BallotBox::new();
    for (i, names) in rows.iter().enumerate() {
        bx.push(&format!("b{}", i + 1), names).unwrap();
    }
    bx
}

fn count(rows: &[&[&str]], eligible: u64, seats: usize) -> Recount {
    recount(
        &ballots(rows),
        &config(eligible, seats),
        &Grouping::new(),
        None,
    )
    .unwrap()
}

fn shown(names: &[PersonName]) -> Vec<&str> {
    names.iter().map(PersonName::as_str).collect()
}

fn votes(r: &Recount) -> Vec<(&str, u64)> {
    r.votes.iter().map(|(p, n)| (p.as_str(), *n)).collect()
}

/// The detail of each invalid ballot, in order.
fn details(r: &Recount) -> Vec<&str> {
    r.invalid_ballots
        .iter()
        .map(|b| b.detail.as_str())
        .collect()
}

fn reasons(r: &Recount) -> Vec<(&str, InvalidReason)> {
    r.invalid_ballots
        .iter()
        .map(|b| (b.ballot_id.as_str(), b.reason))
        .collect()
}

#[test]
fn each_validity_rule() {
    let r = count(
        &[
            &["Udin", "Asep"],              // valid
            &["Udin"],                      // too few
            &[],                            // too few
            &["Udin", "Asep", "Siti", "X"], // too many
            &["Udin", "udin "],             // repeated (same key)
            &["Siti", "Ani", "Budi"],       // valid
        ],
        20,
        2,
    );
    assert_eq!((r.ballots, r.valid, r.invalid), (6, 2, 4));
    assert_eq!(
        reasons(&r),
        [
            ("b2", InvalidReason::TooFewNames),
            ("b3", InvalidReason::TooFewNames),
            ("b4", InvalidReason::TooManyNames),
            ("b5", InvalidReason::RepeatedName),
        ]
    );
    assert_eq!(
        details(&r),
        [
            "1 name; a ballot needs 2 to 3",
            "0 names; a ballot needs 2 to 3",
            "4 names; a ballot holds 2 to 3",
            "Udin is named twice (as \"Udin\" and \"udin\")",
        ]
    );
    // Names on invalid ballots get no votes.
    assert_eq!(
        votes(&r),
        [
            ("Ani", 1),
            ("Asep", 1),
            ("Budi", 1),
            ("Siti", 1),
            ("Udin", 1)
        ]
    );
    assert_eq!(r.turnout.to_string(), "0.300000");
    assert!(r.quorum_met);
}

#[test]
fn the_quorum_is_met_exactly_at_the_threshold() {
    let row: &[&str] = &["A", "B"];
    let r = count(&[row; 3], 10, 1);
    assert_eq!(r.turnout.to_string(), "0.300000");
    assert!(r.quorum_met);
    let r = count(&vec![row; 29], 100, 1);
    assert_eq!(r.turnout.to_string(), "0.290000");
    assert!(!r.quorum_met);
    let r = count(&vec![row; 30], 100, 1);
    assert!(r.quorum_met);
    // Invalid ballots count towards turnout.
    let r = count(&[&["A"], &["B"], &["C"]], 10, 1);
    assert!(r.quorum_met);
    assert_eq!(r.valid, 0);
    assert!(r.elected.is_empty() && r.ties.is_empty());
}

#[test]
fn more_ballots_than_voters_is_refused() {
    let row: &[&str] = &["A", "B"];
    let err = recount(&ballots(&[row; 3]), &config(2, 1), &Grouping::new(), None).unwrap_err();
    assert_eq!(
        err,
        RecountError::MoreBallotsThanEligible {
            ballots: 3,
            eligible: 2
        }
    );
    assert!(err.to_string().contains("turnout cannot exceed 100%"));
    assert!(count(&[row; 2], 2, 1).quorum_met);
}

#[test]
fn ties_at_the_last_seat_are_left_to_the_committee() {
    // A 5, B 3, C 3.
    let rows: &[&[&str]] = &[
        &["A", "B"],
        &["A", "B"],
        &["A", "B"],
        &["A", "C"],
        &["A", "C"],
        &["C", "D"],
    ];
    let r = count(rows, 10, 2);
    assert_eq!(votes(&r), [("A", 5), ("B", 3), ("C", 3), ("D", 1)]);
    assert_eq!(shown(&r.elected), ["A"]);
    assert_eq!(shown(&r.ties), ["B", "C"]);
    assert_eq!(r.open_seats, 1);
    let r3 = count(rows, 10, 3);
    assert_eq!(shown(&r3.elected), ["A", "B", "C"]);
    assert!(r3.ties.is_empty());
    assert_eq!(r3.open_seats, 0);

    // The committee re-votes between B and C.
    let outcome = r.outcome();
    let b = PersonName::new("B").unwrap();
    let c = PersonName::new("C").unwrap();
    let decision =
        TieDecision::from_revote(&outcome, [(b.clone(), 4), (c.clone(), 2)], "4–2").unwrap();
    let final_list = decision.apply(&outcome, TieRule::Revote).unwrap();
    assert_eq!(shown(&final_list), ["A", "B"]);
    // Or draws a lot, when that is the rule.
    let lot = TieDecision {
        rule: TieRule::Lot,
        winners: vec![c],
        note: "drawn by the chair".into(),
    };
    assert_eq!(
        shown(&lot.apply(&outcome, TieRule::Lot).unwrap()),
        ["A", "C"]
    );
    assert!(lot.apply(&outcome, TieRule::Revote).is_err());
}

#[test]
fn grouping_changes_validity_and_counts() {
    let mut g = Grouping::new();
    g.add("H. Udin", "Udin").unwrap();
    g.add("Pak Haji Udin", "Udin").unwrap();
    let bx = ballots(&[
        &["H. Udin", "Udin"],          // one person twice: invalid
        &["Pak Haji Udin", "Asep"],    // valid: Udin, Asep
        &["h.  UDIN", "Siti", "udin"], // invalid
        &["H. Udin", "Siti"],
    ]);
    let r = recount(&bx, &config(10, 1), &g, None).unwrap();
    assert_eq!(
        reasons(&r),
        [
            ("b1", InvalidReason::RepeatedName),
            ("b3", InvalidReason::RepeatedName)
        ]
    );
    assert_eq!(
        r.invalid_ballots[0].detail,
        "Udin is named twice (as \"H. Udin\" and \"Udin\")"
    );
    assert_eq!(votes(&r), [("Udin", 2), ("Asep", 1), ("Siti", 1)]);
    assert_eq!(shown(&r.elected), ["Udin"]);
    // Without the grouping, the same ballots are all valid and split.
    let r = recount(&bx, &config(10, 1), &Grouping::new(), None).unwrap();
    assert_eq!(r.invalid, 0);
    assert_eq!(r.votes.len(), 5);
    // The grouping is part of the result, as published.
    let g_json = serde_json::to_value(&r.groups).unwrap();
    assert_eq!(g_json, serde_json::json!({}));
}

#[test]
fn shown_names_come_from_the_grouping_then_residents_then_first_written() {
    let mut g = Grouping::new();
    g.add("H. Udin", "Udin Saprudin").unwrap();
    let residents: Residents = ["UDIN SAPRUDIN", "Siti Aminah", "Asep"]
        .into_iter()
        .collect();
    let bx = ballots(&[
        &["h. udin", "siti   aminah"],
        &["asep", "Siti Aminah"],
        &["ASEP", "udin saprudin"],
    ]);
    let r = recount(&bx, &config(10, 3), &g, Some(&residents)).unwrap();
    assert_eq!(r.invalid, 0, "{:?}", r.invalid_ballots);
    assert_eq!(
        votes(&r),
        [("Asep", 2), ("Siti Aminah", 2), ("Udin Saprudin", 2)]
    );
    let r = recount(&bx, &config(10, 3), &Grouping::new(), None).unwrap();
    assert_eq!(
        votes(&r),
        [
            ("asep", 2),
            ("siti aminah", 2),
            ("h. udin", 1),
            ("udin saprudin", 1),
        ]
    );
}

#[test]
fn names_outside_the_rt_make_a_ballot_invalid() {
    let residents: Residents = ["Udin", "Asep", "Siti"].into_iter().collect();
    let mut g = Grouping::new();
    g.add("Pak Joko", "Joko").unwrap();
    let bx = ballots(&[
        &["Udin", "Asep"],
        &["Udin", "Budi"],
        &["Pak Joko", "Budi", "Siti"],
        &["Udin", "Udin", "Budi"], // repeated is reported first
    ]);
    let r = recount(&bx, &config(10, 2), &g, Some(&residents)).unwrap();
    assert!(r.residents_checked);
    assert_eq!(
        reasons(&r),
        [
            ("b2", InvalidReason::NotAResident),
            ("b3", InvalidReason::NotAResident),
            ("b4", InvalidReason::RepeatedName),
        ]
    );
    assert_eq!(
        details(&r)[..2],
        [
            "\"Budi\" is not on the residents list",
            "\"Pak Joko\", \"Budi\" are not on the residents list",
        ]
    );
    assert_eq!(votes(&r), [("Asep", 1), ("Udin", 1)]);
    // Without the list, the same ballots are valid but b4.
    let r = recount(&bx, &config(10, 2), &g, None).unwrap();
    assert_eq!(reasons(&r), [("b4", InvalidReason::RepeatedName)]);
}

#[test]
fn names_per_ballot_are_configurable() {
    let mut c = config(10, 1);
    c.names = NamesPerBallot::new(1, 1).unwrap();
    let r = recount(
        &ballots(&[&["A"], &["A", "B"], &["B"]]),
        &c,
        &Grouping::new(),
        None,
    )
    .unwrap();
    assert_eq!(reasons(&r), [("b2", InvalidReason::TooManyNames)]);
    assert_eq!(
        r.invalid_ballots[0].detail,
        "2 names; a ballot holds exactly 1"
    );
    assert_eq!(shown(&r.ties), ["A", "B"]);
}

#[test]
fn level_2_elects_members_among_delegates_then_a_coordinator() {
    let delegates: Vec<PersonName> = [
        "Udin", "Asep", "Siti", "Ani", "Budi", "Joko", "Rina", "Dewi", "Eko", "Fajar", "Gita",
        "Hadi",
    ]
    .iter()
    .map(|n| PersonName::new(n).unwrap())
    .collect();
    let roll: Residents = delegates.iter().collect();
    let rows: Vec<Vec<&str>> = (0..12)
        .map(|i| {
            let a = delegates[i % 10].as_str();
            let b = delegates[(i + 1) % 10].as_str();
            let c = delegates[(i + 2) % 10].as_str();
            vec![a, b, c]
        })
        .collect();
    let mut bx = BallotBox::new();
    for (i, r) in rows.iter().enumerate() {
        bx.push(&format!("d{i}"), r).unwrap();
    }
    bx.push("outsider", &["Udin", "Pak Lurah"]).unwrap();
    let config = RecountConfig::kelurahan(NonZeroU64::new(13).unwrap());
    assert_eq!(config.seats.get(), 9);
    let r = recount(&bx, &config, &Grouping::new(), Some(&roll)).unwrap();
    assert_eq!(reasons(&r), [("outsider", InvalidReason::NotAResident)]);
    // Asep and Siti 5 votes, Ani and Udin 4 (the wrap-around), six more
    // with 3 tied for the five seats left; Gita and Hadi named by no one.
    assert_eq!(shown(&r.elected), ["Asep", "Siti", "Ani", "Udin"]);
    assert_eq!(r.ties.len(), 6);
    assert_eq!(r.open_seats, 5);

    // Women share of the members, when the sex of each is known.
    let women = ["Siti", "Ani", "Rina", "Dewi", "Gita"];
    let sex = |p: &PersonName| {
        Some(if women.contains(&p.as_str()) {
            Sex::Female
        } else {
            Sex::Male
        })
    };
    let members = &delegates[..9];
    let share = women_share(members, sex, Fraction::THIRTY_PERCENT);
    assert_eq!(share.women, 4);
    assert_eq!(share.share.as_deref(), Some("0.444444"));
    assert_eq!(share.target_met, Some(true));

    // The members elect a coordinator: one name per ballot.
    let member_roll: Residents = members.iter().collect();
    let mut bx = BallotBox::new();
    for (i, name) in [
        "Siti", "Siti", "Udin", "Siti", "Asep", "Siti", "Udin", "Ani", "Siti",
    ]
    .iter()
    .enumerate()
    {
        bx.push(&format!("m{i}"), &[name]).unwrap();
    }
    let config = RecountConfig::coordinator(NonZeroU64::new(9).unwrap());
    let r = recount(&bx, &config, &Grouping::new(), Some(&member_roll)).unwrap();
    assert_eq!(shown(&r.elected), ["Siti"]);
    assert_eq!(r.turnout.to_string(), "1.000000");
}

#[test]
fn the_recount_serialises_to_the_documented_keys() {
    let mut g = Grouping::new();
    g.add("H. Udin", "Udin").unwrap();
    let r = recount(
        &ballots(&[&["H. Udin", "Asep"], &["Udin"], &["Asep", "Siti"]]),
        &config(6, 1),
        &g,
        None,
    )
    .unwrap();
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["ballots"], 3);
    assert_eq!(json["valid"], 2);
    assert_eq!(json["invalid"], 1);
    assert_eq!(json["eligible"], 6);
    assert_eq!(json["seats"], 1);
    assert_eq!(json["quorum"], "0.300000");
    assert_eq!(json["turnout"], "0.500000");
    assert_eq!(json["quorum_met"], true);
    assert_eq!(
        json["votes"],
        serde_json::json!({"Asep": 2, "Siti": 1, "Udin": 1})
    );
    assert_eq!(json["elected"], serde_json::json!(["Asep"]));
    assert_eq!(json["ties"], serde_json::json!([]));
    assert_eq!(json["groups"], serde_json::json!({"H. Udin": "Udin"}));
    assert_eq!(
        json["invalid_ballots"],
        serde_json::json!([{
            "ballot_id": "b2",
            "reason": "too_few_names",
            "detail": "1 name; a ballot needs 2 to 3"
        }])
    );
    assert_eq!(
        json["names_per_ballot"],
        serde_json::json!({"min": 2, "max": 3})
    );
}

/// The result keyed by person keys: what must not depend on ballot order.
/// Votes, elected, ties (by person key), invalid ballots, valid count.
type Essence = (
    BTreeMap<String, u64>,
    Vec<String>,
    Vec<String>,
    BTreeMap<String, InvalidReason>,
    u64,
);

fn essence(r: &Recount) -> Essence {
    let key = |p: &PersonName| p.key().as_str().to_owned();
    (
        r.votes.iter().map(|(p, n)| (key(p), *n)).collect(),
        r.elected.iter().map(key).collect(),
        r.ties.iter().map(key).collect(),
        r.invalid_ballots
            .iter()
            .map(|b| (b.ballot_id.clone(), b.reason))
            .collect(),
        r.valid,
    )
}

const POOL: &[&str] = &[
    "Udin",
    "H. Udin",
    "Pak Haji Udin",
    "udin",
    "Asep",
    "Siti",
    "Bu Siti",
    "Ani",
    "Budi",
    "Joko",
    "Rina",
    "Outsider",
];

fn grouping() -> Grouping {
    let mut g = Grouping::new();
    g.add("H. Udin", "Udin").unwrap();
    g.add("Pak Haji Udin", "Udin").unwrap();
    g.add("Bu Siti", "Siti").unwrap();
    g
}

proptest! {
    #[test]
    fn shuffled_ballots_give_the_same_result(
        rows in proptest::collection::vec(proptest::collection::vec(0..POOL.len(), 0..5), 0..60),
        seed in any::<u64>(),
        seats in 1usize..5,
        with_residents in any::<bool>(),
    ) {
        let residents: Residents = POOL[..POOL.len() - 1].iter().copied().collect();
        let residents = with_residents.then_some(&residents);
        let named: Vec<(String, Vec<&str>)> = rows
            .iter()
            .enumerate()
            .map(|(i, r)| (format!("b{i}"), r.iter().map(|&j| POOL[j]).collect()))
            .collect();
        let mut shuffled = named.clone();
        // A Fisher–Yates shuffle driven by the seed.
        let mut state = seed | 1;
        for i in (1..shuffled.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            shuffled.swap(i, (state % (i as u64 + 1)) as usize);
        }
        let boxed = |rows: &[(String, Vec<&str>)]| {
            let mut bx = BallotBox::new();
            for (id, names) in rows {
                bx.push(id, names).unwrap();
            }
            bx
        };
        let eligible = rows.len().max(1) as u64 * 2;
        let c = config(eligible, seats);
        let a = recount(&boxed(&named), &c, &grouping(), residents).unwrap();
        let b = recount(&boxed(&shuffled), &c, &grouping(), residents).unwrap();
        prop_assert_eq!(essence(&a), essence(&b));
        prop_assert_eq!(a.turnout, b.turnout);
        prop_assert_eq!(a.valid + a.invalid, rows.len() as u64);
        // Votes add up to the names on valid ballots.
        let named_on_valid: u64 = named
            .iter()
            .filter(|(id, _)| !a.invalid_ballots.iter().any(|x| &x.ballot_id == id))
            .map(|(_, n)| n.len() as u64)
            .sum();
        prop_assert_eq!(a.votes.iter().map(|(_, n)| n).sum::<u64>(), named_on_valid);
    }

    #[test]
    fn the_quorum_is_exact(ballots_cast in 0u64..1000, extra in 0u64..1000, digits in 0u64..=100) {
        let eligible = NonZeroU64::new(ballots_cast + extra + 1).unwrap();
        let raw = if digits == 100 { "1".to_owned() } else { format!("0.{digits:02}") };
        let q = Quorum::parse(&raw).unwrap();
        let expected = ballots_cast * 100 >= digits * eligible.get();
        prop_assert_eq!(q.met_by(ballots_cast, eligible), expected);
    }
}
