use super::*;
use proptest::prelude::*;

fn columns(r: Result<Vec<AssessmentRow>, Rejected>) -> Vec<(u64, Option<String>)> {
    r.unwrap_err()
        .errors
        .iter()
        .map(|e| (e.line, e.column.clone()))
        .collect()
}

#[test]
fn an_assessment_file_is_read_with_its_evidence_and_refused_by_line_and_column() {
    let rows = read_assessments(
        "a.csv",
        "pemasok,hasil,skor,bukti\nRibble Co-op,employment,4,\"Pays the living wage; 12 local staff\"\nRibble Co-op,Environment,2,\n"
            .as_bytes(),
    )
    .unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(
        (rows[0].outcome, rows[0].score, rows[0].evidence.as_str()),
        (
            Outcome::Employment,
            4,
            "Pays the living wage; 12 local staff"
        )
    );
    assert_eq!(rows[1].outcome, Outcome::Environment);
    let bad = read_assessments(
        "a.csv",
        b"supplier,outcome,score\n,employment,1\nA,happiness,2\nA,equity,6\nA,equity,3\nA,EQUITY,3\n",
    );
    assert_eq!(
        columns(bad),
        [
            (2, Some("supplier".into())),
            (3, Some("outcome".into())),
            (4, Some("score".into())),
            (6, Some("outcome".into())),
        ]
    );
    assert_eq!(
        columns(read_assessments("a.csv", b"supplier,score\nA,1\n")),
        [(1, Some("outcome".into()))]
    );
}

#[test]
fn rounds_and_scores_are_checked_as_typed() {
    assert_eq!(check_round(" 2026-H1 ").unwrap(), "2026-H1");
    assert!(check_round("").is_err());
    assert!(check_round("<script>").is_err());
    assert!(check_round(&"9".repeat(ROUND_MAX + 1)).is_err());
    assert_eq!(check_score("0"), Ok(0));
    assert_eq!(check_score(" 5 "), Ok(5));
    for bad in ["6", "-1", "2.5", "", "five"] {
        assert!(check_score(bad).is_err(), "{bad}");
    }
}

fn score(supplier: i64, round: &str, outcome: Outcome, score: u8) -> Score {
    Score {
        supplier: SupplierId::new(supplier),
        round: round.into(),
        outcome,
        score,
    }
}

fn spend(supplier: i64, name: &str, sector: &str, by_anchor: &[(&str, i64)]) -> SupplierSpend {
    SupplierSpend {
        supplier: SupplierId::new(supplier),
        name: name.into(),
        sector: Some(sector.into()),
        by_anchor: by_anchor
            .iter()
            .map(|(a, p)| ((*a).to_owned(), a.len() as u32, Money::from_minor(p * 100)))
            .collect(),
    }
}

/// Two suppliers, two rounds: the council pays Ribble 3,000 and Bowland
/// 1,000; the hospital pays Bowland only.
#[test]
fn the_dashboard_reads_outcomes_sectors_anchors_and_the_change_between_rounds() {
    use Outcome::{Employment, Environment};
    let scores = [
        score(1, "2025", Employment, 2),
        score(2, "2025", Employment, 3),
        score(1, "2026", Employment, 4),
        score(2, "2026", Employment, 2),
        score(1, "2026", Environment, 5),
    ];
    let facts = [
        spend(1, "Ribble Co-op", "81 Cleaning", &[("Council", 3_000)]),
        spend(
            2,
            "Bowland Ltd",
            "42 Civil engineering",
            &[("Council", 1_000), ("Hospital", 500)],
        ),
    ];
    let d = dashboard("2026", Some("2025"), &scores, &facts);
    assert_eq!(d.suppliers, 2);
    assert_eq!(d.by_anchor.len(), 2);
    let employment = &d.by_outcome[0];
    assert_eq!(
        (
            employment.suppliers,
            employment.mean.as_deref(),
            employment.previous_mean.as_deref(),
            employment.change.as_deref()
        ),
        (2, Some("3.00"), Some("2.50"), Some("+0.50"))
    );
    let environment = d
        .by_outcome
        .iter()
        .find(|o| o.outcome == Environment)
        .unwrap();
    assert_eq!(
        (environment.mean.as_deref(), environment.change.as_deref()),
        (Some("5.00"), None)
    );
    // The council: (4 × 3,000 + 2 × 1,000) ÷ 4,000 = 3.50, weighted by spend.
    let council = d.by_anchor.iter().find(|a| a.name == "Council").unwrap();
    assert_eq!(council.means[&Employment].as_deref(), Some("3.50"));
    assert_eq!(council.means[&Environment].as_deref(), Some("5.00"));
    let hospital = d.by_anchor.iter().find(|a| a.name == "Hospital").unwrap();
    assert_eq!(hospital.means[&Environment], None);
    assert_eq!(d.by_sector.len(), 2);
    assert_eq!(d.by_sector[0].name, "42 Civil engineering");
    let moves: Vec<_> = d
        .changes
        .iter()
        .map(|c| (c.name.as_str(), c.from, c.to))
        .collect();
    assert_eq!(moves, [("Ribble Co-op", 2, 4), ("Bowland Ltd", 3, 2)]);
    // Two anchors of one name stay two groups.
    let mut twins = facts.clone();
    twins[1].by_anchor = vec![("Council".into(), 99, Money::from_minor(100_000))];
    let d = dashboard("2026", Some("2025"), &scores, &twins);
    let councils: Vec<usize> = d
        .by_anchor
        .iter()
        .filter(|a| a.name == "Council")
        .map(|a| a.suppliers)
        .collect();
    assert_eq!(councils, [1, 1]);
    let first = dashboard("2025", None, &scores, &facts);
    assert!(first.changes.is_empty() && first.by_outcome[0].change.is_none());
}

proptest! {
    /// Every mean lies between the lowest and highest score given.
    #[test]
    fn means_lie_within_the_scores(given in proptest::collection::vec((0u8..=5, 1i64..10_000), 1..20)) {
        let scores: Vec<Score> = given.iter().enumerate()
            .map(|(i, (s, _))| score(i as i64 + 1, "r", Outcome::Equity, *s)).collect();
        let facts: Vec<SupplierSpend> = given.iter().enumerate()
            .map(|(i, (_, paid))| spend(i as i64 + 1, &format!("s{i}"), "x", &[("A", *paid)])).collect();
        let d = dashboard("r", None, &scores, &facts);
        let (lo, hi) = (given.iter().map(|g| g.0).min().unwrap(), given.iter().map(|g| g.0).max().unwrap());
        for mean in [d.by_outcome[4].mean.clone(), d.by_anchor[0].means[&Outcome::Equity].clone()] {
            let m: f64 = mean.unwrap().parse().unwrap();
            prop_assert!(m >= f64::from(lo) - 0.005 && m <= f64::from(hi) + 0.005);
        }
    }
}

#[test]
fn rows_name_one_supplier_within_the_assessors_scope() {
    let rows = read_assessments(
        "a.csv",
        b"supplier,outcome,score\nRibble,employment,3\nRIBBLE CO,employment,4\nNobody,equity,1\nSmith,equity,2\nFar Away,equity,2\n",
    )
    .unwrap();
    let (one, far) = (SupplierId::new(1), SupplierId::new(9));
    let found = [
        Found::One(one),
        Found::One(one),
        Found::None,
        Found::Several(vec![SupplierId::new(2), SupplierId::new(3)]),
        Found::One(far),
    ];
    let allowed: std::collections::HashSet<SupplierId> =
        [one, SupplierId::new(2), SupplierId::new(3)].into();
    let seen: Vec<Found> = (found.iter().cloned())
        .map(|f| f.within(Some(&allowed)))
        .collect();
    let refused = matched("a.csv", &rows, &seen).unwrap_err();
    let lines: Vec<(u64, Option<String>)> = refused
        .errors
        .iter()
        .map(|e| (e.line, e.column.clone()))
        .collect();
    assert_eq!(
        lines,
        [
            (3, Some("outcome".into())),
            (4, Some("supplier".into())),
            (5, Some("supplier".into())),
            (6, Some("supplier".into())),
        ]
    );
    // The supplier outside the scope is refused as a name nobody has.
    let said = |k: usize| refused.errors[k].message.english().to_owned();
    assert_eq!(
        said(3),
        said(1).replace("Nobody", "Far Away"),
        "{:?}",
        refused.errors
    );
    let fine = matched("a.csv", &rows[..1], &seen[..1]).unwrap();
    assert_eq!(fine, [(one, Outcome::Employment, 3, String::new())]);
    assert!(
        matched("a.csv", &rows[4..], &found[4..]).is_ok(),
        "no scope: every supplier"
    );
}
