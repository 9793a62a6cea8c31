use super::*;
use crate::lm3::lm3;
use crate::lm3::tests::{answer, worked_example};
use proptest::prelude::*;

fn example_lm3() -> Lm3 {
    lm3(
        &worked_example(),
        &[answer(2, 1, "0.5"), answer(3, 4, "0.2")],
    )
    .unwrap()
}

fn base() -> Baseline {
    Baseline {
        total: Money::from_units(5000),
        local: Money::from_units(2000),
        regional: Money::from_units(2000),
        outside: Money::from_units(3000),
    }
}

fn sectors() -> Vec<SectorLeak> {
    vec![
        SectorLeak {
            sector: "43".into(),
            sector_name: Some("Specialised construction activities".into()),
            outside: Money::from_units(2500),
        },
        SectorLeak {
            sector: "56".into(),
            sector_name: Some("Food and beverage service activities".into()),
            outside: Money::from_units(500),
        },
    ]
}

/// The worked example of docs/procurement.md.
#[test]
fn a_fifth_of_the_construction_leak_kept_local() {
    let w = what_if(
        base(),
        &sectors(),
        &[Shift::parse("43=20%").unwrap()],
        &example_lm3(),
        Some(Share::parse("0.6").unwrap()),
    )
    .unwrap();
    assert_eq!(w.kept, Money::from_units(500));
    assert_eq!(w.shifts[0].outside_after, Money::from_units(2000));
    assert_eq!(w.shifts[0].share, "0.200000");
    assert_eq!(w.after.local, Money::from_units(2500));
    assert_eq!(w.after.local_share.unwrap().to_string(), "0.500000");
    assert_eq!(w.after.outside, Money::from_units(2500));
    assert_eq!(
        (
            w.before.lm3.as_deref(),
            w.after.lm3.as_deref(),
            w.lm3_change.as_deref()
        ),
        (Some("1.5760"), Some("1.7200"), Some("0.1440"))
    );
    let p = w.progress.unwrap();
    assert_eq!(
        (
            p.target_local,
            p.gap_before,
            p.gap_after,
            p.gap_closed.unwrap().to_string(),
            p.reached
        ),
        (
            Money::from_units(3000),
            Money::from_units(1000),
            Money::from_units(500),
            "0.500000".to_owned(),
            false
        )
    );
}

#[test]
fn sectors_are_named_by_code_or_name_once() {
    let by_name = Shift::parse("food and beverage service activities=1").unwrap();
    let w = what_if(base(), &sectors(), &[by_name], &example_lm3(), None).unwrap();
    assert_eq!(
        (w.shifts[0].sector.as_str(), w.kept),
        ("56", Money::from_units(500))
    );
    assert!(w.progress.is_none());
    let twice = [
        Shift::parse("56=0.1").unwrap(),
        Shift::parse("56=0.2").unwrap(),
    ];
    assert_eq!(
        what_if(base(), &sectors(), &twice, &example_lm3(), None),
        Err(WhatIfError::Twice("56".into()))
    );
    assert_eq!(
        what_if(
            base(),
            &sectors(),
            &[Shift::parse("99=0.1").unwrap()],
            &example_lm3(),
            None
        ),
        Err(WhatIfError::UnknownSector("99".into()))
    );
    // A division names every sector of it.
    let w = what_if(
        base(),
        &sectors(),
        &[Shift::parse("4=10%").unwrap()],
        &example_lm3(),
        None,
    )
    .unwrap();
    assert_eq!((w.shifts.len(), w.kept), (1, Money::from_units(250)));
    for bad in ["43", "43=1.5", "43=-0.1", "=0.1", "43=abc", "43=101%"] {
        assert!(Shift::parse(bad).is_err(), "{bad}");
    }
}

proptest! {
    /// Shifting 0% changes nothing; any shift keeps no more than leaks and
    /// never lowers the local share or LM3.
    #[test]
    fn shifting_nothing_changes_nothing(pct in 0u32..=100, which in 0usize..2) {
        let sector = ["43", "56"][which];
        let lm3 = example_lm3();
        let none = what_if(base(), &sectors(), &[Shift::parse(&format!("{sector}=0")).unwrap()], &lm3, None).unwrap();
        prop_assert_eq!(&none.before, &none.after);
        prop_assert_eq!(none.kept, Money::ZERO);
        prop_assert_eq!(none.lm3_change.as_deref(), Some("0.0000"));
        let some = what_if(base(), &sectors(), &[Shift::parse(&format!("{sector}={pct}%")).unwrap()], &lm3, None).unwrap();
        prop_assert!(some.kept <= some.shifts[0].outside_before);
        prop_assert!(some.after.local >= some.before.local);
        prop_assert!(!some.lm3_change.unwrap().starts_with('-'));
    }
}
