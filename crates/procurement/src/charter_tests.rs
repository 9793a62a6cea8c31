use super::*;
use proptest::prelude::*;

fn m(units: i64) -> Money {
    Money::from_units(units)
}

fn goal(id: i64, indicator: Indicator, target: i64) -> Goal {
    Goal {
        id: GoalId::new(id),
        preset: None,
        title: Some(format!("goal {id}")),
        indicator,
        measure: None,
        target: exact::int(target),
    }
}

fn entered(goal: i64, anchor: Option<i64>, value: i64, at: &str) -> Entered {
    Entered {
        goal: GoalId::new(goal),
        anchor: anchor.map(OrgId::new),
        value: exact::int(value),
        by: "analyst".into(),
        at: at.into(),
    }
}

/// The worked example of docs/procurement.md: the council spends 100 with
/// 8 local, the college 300 with 36 local; the group's share is 44 ÷ 400
/// = 11%, not the mean of 8% and 12%.
#[test]
fn the_groups_share_is_of_the_groups_money() {
    let council = Known {
        spend_total: m(100),
        spend_local: m(8),
        spend_regional: m(30),
        ..Known::default()
    };
    let college = Known {
        spend_total: m(300),
        spend_local: m(36),
        spend_regional: m(90),
        ..Known::default()
    };
    let members = [
        (OrgId::new(1), "Council".to_owned(), council),
        (OrgId::new(2), "College".to_owned(), college),
    ];
    let card = scorecard(&[goal(1, Indicator::LocalShare, 10)], &members, &[]).unwrap();
    let g = &card.goals[0];
    assert_eq!(g.group.value.as_deref(), Some("11.0"));
    assert_eq!(g.group.met, Some(true));
    assert_eq!(g.group.progress, Some(100));
    assert_eq!(g.anchors[0].standing.value.as_deref(), Some("8.0"));
    assert_eq!(g.anchors[0].standing.met, Some(false));
    assert_eq!(g.anchors[0].standing.progress, Some(80));
    assert_eq!(g.anchors[1].standing.value.as_deref(), Some("12.0"));
    assert_eq!((card.met, card.measured), (1, 1));
}

#[test]
fn a_share_without_money_is_unknown_not_zero() {
    let members = [(OrgId::new(1), "Council".to_owned(), Known::default())];
    let card = scorecard(&[goal(1, Indicator::AwardedLocalShare, 25)], &members, &[]).unwrap();
    assert_eq!(card.goals[0].group.value, None);
    assert_eq!(card.goals[0].group.met, None);
    assert_eq!(card.measured, 0);
}

#[test]
fn manual_figures_take_the_last_entered_and_the_group_sums_counts() {
    let members = [
        (OrgId::new(1), "Council".to_owned(), Known::default()),
        (OrgId::new(2), "College".to_owned(), Known::default()),
    ];
    let goals = [
        goal(1, Indicator::ManualCount, 4),
        goal(2, Indicator::ManualPercent, 50),
    ];
    let entries = [
        entered(1, Some(1), 1, "2015-01-01"),
        entered(1, Some(1), 3, "2015-02-01"),
        entered(1, Some(2), 2, "2015-02-01"),
        entered(2, Some(1), 60, "2015-02-01"),
    ];
    let card = scorecard(&goals, &members, &entries).unwrap();
    let count = &card.goals[0];
    assert_eq!(count.anchors[0].standing.value.as_deref(), Some("3"));
    assert_eq!(
        count.anchors[0].standing.entered_at.as_deref(),
        Some("2015-02-01")
    );
    assert_eq!(count.group.value.as_deref(), Some("5"));
    assert_eq!(count.group.met, Some(true));
    // Percentages of different anchors do not add up: the group's is
    // unknown until entered for the group itself.
    let pct = &card.goals[1];
    assert_eq!(pct.group.value, None);
    assert_eq!(pct.anchors[1].standing.value, None);
    let with_group = [entered(2, None, 40, "2015-03-01")];
    let card = scorecard(&goals, &members, &with_group).unwrap();
    assert_eq!(card.goals[1].group.value.as_deref(), Some("40.0"));
    assert_eq!(card.goals[1].group.met, Some(false));
}

#[test]
fn awards_split_equally_and_count_local_and_social_parts() {
    let mut k = Known::default();
    add_awards(
        &mut k,
        &[
            AwardPart {
                amount: Money::from_minor(1_001),
                suppliers: vec![(true, true), (false, false), (true, false)],
            },
            AwardPart {
                amount: m(50),
                suppliers: vec![],
            },
        ],
    )
    .unwrap();
    assert_eq!(k.awarded_total, Money::from_minor(6_001));
    // 1001 = 334 + 334 + 333.
    assert_eq!(k.awarded_local, Money::from_minor(667));
    assert_eq!(k.awarded_social, Money::from_minor(334));
    let mut huge = Known {
        awarded_total: Money::from_minor(i64::MAX),
        ..Known::default()
    };
    let one = [AwardPart {
        amount: m(1),
        suppliers: vec![],
    }];
    assert_eq!(add_awards(&mut huge, &one), Err(TooLarge));
}

#[test]
fn goals_as_typed_are_checked_field_by_field() {
    let ok = check_goal(None, " Fewer leaks ", "local_share", "", "12.5").unwrap();
    assert_eq!(ok.title.as_deref(), Some("Fewer leaks"));
    assert_eq!(plain(&ok.target), "12.5");
    assert_eq!(ok.measure, None);
    let fields = |r: Result<GoalInput, Vec<GoalProblem>>| -> Vec<&'static str> {
        r.unwrap_err().iter().map(|p| p.field).collect()
    };
    assert_eq!(
        fields(check_goal(None, "", "nonsense", "", "-1")),
        ["title", "indicator", "target"]
    );
    assert_eq!(
        fields(check_goal(None, "Events", "manual_count", "", "2.5")),
        ["measure", "target"]
    );
    assert_eq!(
        fields(check_goal(None, "Local", "local_share", "", "101")),
        ["target"]
    );
    // A preset goal keeps its own title and measure when left blank.
    let preset = check_goal(
        Some(Preset::KnowBusinessBase),
        "",
        "manual_count",
        "",
        "300",
    )
    .unwrap();
    assert_eq!((preset.title, preset.measure), (None, None));
}

#[test]
fn the_default_charter_is_seed_000s_six_goals() {
    let goals = default_goals(None);
    assert_eq!(goals.len(), 6);
    assert_eq!(
        goals.iter().filter_map(|g| g.preset).collect::<Vec<_>>(),
        Preset::ALL
    );
    let leakage = &goals[1];
    assert_eq!(leakage.indicator, Indicator::LocalShare);
    assert_eq!(plain(&leakage.target), "10");
    let own = default_goals(Some(exact::int(45)));
    assert_eq!(plain(&own[1].target), "45");
    assert_eq!(plain(&own[0].target), "10");
}

proptest! {
    /// Met exactly when the value reaches the target; the bar never
    /// passes 100 and grows with the value.
    #[test]
    fn met_and_progress_follow_the_value(local in 0i64..1_000, extra in 0i64..1_000, target in 0i64..=100) {
        let k = |local| Known { spend_total: m(1_000), spend_local: m(local), ..Known::default() };
        let members = [(OrgId::new(1), "A".to_owned(), k(local))];
        let more = [(OrgId::new(1), "A".to_owned(), k((local + extra).min(1_000)))];
        let goals = [goal(1, Indicator::LocalShare, target)];
        let a = scorecard(&goals, &members, &[]).unwrap().goals[0].group.clone();
        let b = scorecard(&goals, &more, &[]).unwrap().goals[0].group.clone();
        prop_assert_eq!(a.met, Some(local * 100 >= target * 1_000));
        prop_assert!(a.progress.unwrap() <= 100);
        prop_assert!(b.progress >= a.progress);
    }
}

#[test]
fn a_charter_shows_the_year_asked_else_the_latest_with_spend_else_todays() {
    let fy = |y| FiscalYear::new(y).unwrap();
    assert_eq!(
        year_shown(Some(fy(2019)), &[2021, 2022], fy(2026)),
        Ok(fy(2019))
    );
    assert_eq!(year_shown(None, &[2022, 2021], fy(2026)), Ok(fy(2022)));
    assert_eq!(year_shown(None, &[], fy(2026)), Ok(fy(2026)));
    assert!(year_shown(None, &[1200], fy(2026)).is_err());
}

#[test]
fn an_anchor_with_identifiers_buys_only_by_them_and_one_without_by_its_name() {
    let (council, hospital) = (OrgId::new(1), OrgId::new(2));
    let keys = [
        BuyerKey::new(
            council,
            "Preston City Council",
            ["GB-GOR-E07000123".to_owned()],
        ),
        BuyerKey::new(hospital, " Dinas Kesehatan ", Vec::new()),
    ];
    let at = |name, id| buyer_anchor(&keys, name, id);
    assert_eq!(
        at("Preston City Council", Some("gb-gor-e07000123")),
        Some(council)
    );
    // The council's name with another identifier, or none: another buyer.
    assert_eq!(at("Preston City Council", Some("GB-GOR-E99999999")), None);
    assert_eq!(at("PRESTON CITY COUNCIL", None), None);
    // The council's identifier under another name is still the council.
    assert_eq!(at("Preston CC", Some("GB-GOR-E07000123")), Some(council));
    // Without identifiers, the name (any case) whatever the buyer's identifier.
    assert_eq!(at("dinas kesehatan", Some("ID-X-1")), Some(hospital));
    assert_eq!(at("Dinas Pendidikan", None), None);
    // Blank identifiers are none.
    let blank = [BuyerKey::new(
        council,
        "Preston City Council",
        [" ".to_owned()],
    )];
    assert_eq!(
        buyer_anchor(&blank, "preston city council", None),
        Some(council)
    );
}
