use super::*;
use proptest::prelude::*;

pub(crate) fn paid(anchor: &str, supplier: i64, local: bool, units: i64) -> Paid {
    Paid {
        anchor: anchor.into(),
        supplier: SupplierId::new(supplier),
        local,
        spend: Money::from_units(units),
    }
}

pub(crate) fn answer(line: u64, supplier: i64, share: &str) -> Answer {
    Answer {
        line,
        name: format!("supplier {supplier}"),
        supplier: SupplierId::new(supplier),
        share: exact::parse_decimal(share, SHARE_PLACES).unwrap(),
    }
}

/// The payments of the worked example of docs/procurement.md.
pub(crate) fn worked_example() -> [Paid; 6] {
    [
        paid("Council", 1, true, 1000),
        paid("Council", 2, true, 500),
        paid("Council", 3, false, 2500),
        paid("College", 1, true, 200),
        paid("College", 4, true, 300),
        paid("College", 3, false, 500),
    ]
}

/// The worked example of docs/procurement.md.
#[test]
fn the_worked_example_counts_three_rounds() {
    let paid = worked_example();
    let survey = [
        answer(2, 1, "0.5"),
        answer(3, 4, "0.2"),
        answer(4, 3, "0.9"),
    ];
    let m = lm3(&paid, &survey).unwrap();
    let json = serde_json::to_value(&m).unwrap();
    assert_eq!(
        (
            &json["round1"],
            &json["round2"],
            &json["round3"],
            &json["lm3"],
            &json["coverage"],
            &json["surveyed_suppliers"],
            &json["local_suppliers"],
            &json["mean_respend_share"],
        ),
        (
            &serde_json::json!("5000.00"),
            &serde_json::json!("2000.00"),
            &serde_json::json!("880.00"),
            &serde_json::json!("1.5760"),
            &serde_json::json!("0.750000"),
            &serde_json::json!(2),
            &serde_json::json!(3),
            &serde_json::json!("0.440000"),
        )
    );
    let anchors: Vec<_> = m
        .by_anchor
        .iter()
        .map(|a| {
            (
                a.anchor.as_str(),
                a.rounds.round3.to_string(),
                a.rounds.lm3.clone().unwrap(),
                a.rounds.coverage.clone().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        anchors,
        vec![
            (
                "College",
                "160.00".into(),
                "1.6600".into(),
                "1.000000".into()
            ),
            (
                "Council",
                "720.00".into(),
                "1.5550".into(),
                "0.666667".into()
            ),
        ]
    );
    assert_eq!(
        m.ignored,
        vec![Ignored {
            line: 4,
            supplier: "supplier 3".into()
        }]
    );
    assert!(m.method.english().contains("0.440000"));
}

#[test]
fn without_answers_round_three_is_zero_and_said_so() {
    let m = lm3(
        &[paid("Council", 1, true, 10), paid("Council", 2, false, 30)],
        &[],
    )
    .unwrap();
    assert_eq!(m.rounds.round3, Money::ZERO);
    assert_eq!(m.rounds.lm3.as_deref(), Some("1.2500"));
    assert_eq!(m.rounds.coverage.as_deref(), Some("0.000000"));
    assert!(m.method.english().contains("counted as 0"));
    let none = lm3(&[], &[]).unwrap();
    assert_eq!((none.rounds.lm3, none.rounds.coverage), (None, None));
}

#[test]
fn survey_rows_are_refused_by_line() {
    let e = read_respend(
        "respend.csv",
        b"supplier,local_respend_share\nA,0.5\nB,1.2\nC,-0.1\n,0.3\nD,45%\n",
    )
    .unwrap_err();
    let lines: Vec<_> = e.errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, vec![3, 4, 5, 6]);
    let rows = read_respend(
        "respend.csv",
        b"pemasok,porsi_belanja_lokal,kode_pos\nA,0.5,PR1 2HE\nB,1\n",
    )
    .unwrap();
    assert_eq!(rows[0].postcode.as_deref(), Some("PR1 2HE"));
    let found = [
        Found::One(SupplierId::new(1)),
        Found::One(SupplierId::new(1)),
    ];
    let e = answers("respend.csv", &rows, &found).unwrap_err();
    assert_eq!(e.errors[0].line, 3);
    let e = answers("respend.csv", &rows[..1], &[Found::None]).unwrap_err();
    assert!(e.errors[0].message.english().contains("no supplier \"A\""));
    let e = answers(
        "respend.csv",
        &rows[..1],
        &[Found::Several(vec![SupplierId::new(4), SupplierId::new(9)])],
    )
    .unwrap_err();
    assert!(e.errors[0].message.english().contains("ids 4, 9"));
}

fn arb_paid() -> impl Strategy<Value = Vec<(u8, i64, bool, i64)>> {
    prop::collection::vec((0u8..3, 1i64..8, any::<bool>(), 0i64..1_000_000), 0..30)
}

proptest! {
    /// With spend ≥ 0 and shares in 0–1, LM3 lies in 1–3, and the anchors'
    /// first two rounds add up to the group's.
    #[test]
    fn lm3_lies_between_one_and_three(rows in arb_paid(), shares in prop::collection::vec((1i64..8, 0u32..=100), 0..8)) {
        // A supplier is local or not everywhere.
        let paid: Vec<Paid> = rows
            .iter()
            .map(|(a, s, _, units)| paid(&format!("anchor {a}"), *s, s % 2 == 0, *units))
            .collect();
        let mut seen = HashSet::new();
        let survey: Vec<Answer> = shares
            .iter()
            .filter(|(s, _)| seen.insert(*s))
            .enumerate()
            .map(|(i, (s, pct))| answer(i as u64 + 2, *s, &format!("{}", f64::from(*pct) / 100.0)))
            .collect();
        let m = lm3(&paid, &survey).unwrap();
        if let Some(v) = &m.exact_lm3 {
            prop_assert!(*v >= exact::int(1) && *v <= exact::int(3));
        } else {
            prop_assert_eq!(m.rounds.round1, Money::ZERO);
        }
        let sum = |f: fn(&Rounds) -> Money| m.by_anchor.iter().map(|a| f(&a.rounds).minor()).sum::<i64>();
        prop_assert_eq!(sum(|r| r.round1), m.rounds.round1.minor());
        prop_assert_eq!(sum(|r| r.round2), m.rounds.round2.minor());
    }
}

#[test]
fn a_reader_is_told_only_of_the_suppliers_it_sees() {
    let id = SupplierId::new;
    let seen: HashSet<SupplierId> = [id(1), id(2), id(3)].into();
    let within = |f: Found| f.within(Some(&seen));
    assert_eq!(within(Found::One(id(2))), Found::One(id(2)));
    assert_eq!(within(Found::One(id(9))), Found::None, "as if unknown");
    assert_eq!(within(Found::None), Found::None);
    assert_eq!(within(Found::Several(vec![id(7), id(9)])), Found::None);
    assert_eq!(
        within(Found::Several(vec![id(3), id(9)])),
        Found::One(id(3))
    );
    assert_eq!(
        within(Found::Several(vec![id(1), id(3), id(9)])),
        Found::Several(vec![id(1), id(3)]),
        "no id outside"
    );
    assert_eq!(
        Found::One(id(9)).within(None),
        Found::One(id(9)),
        "all seen"
    );
}
