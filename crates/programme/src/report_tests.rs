use super::*;

fn rp(units: i64) -> Money {
    Money::from_units(units)
}

fn activity(path: &str, kind: Kind, implementer: &str, blm: i64, spent: i64) -> HeldActivity {
    HeldActivity {
        path: path.into(),
        kelurahan: path.rsplit('/').next().unwrap().into(),
        kind,
        implementer: implementer.into(),
        blm: rp(blm),
        spent: rp(spent),
        swadaya_cash: Money::ZERO,
        swadaya_labour: Money::ZERO,
        swadaya_materials: Money::ZERO,
        beneficiaries: 0,
        poor: 0,
        women: 0,
    }
}

/// Seed 002's table for Kabupaten Serang: Rp 3,600,000,000 received,
/// 2,132,470,000 to economic, 1,158,080,000 to physical and 189,450,000
/// to social activities — the Rp 120,000,000 not allocated is shown.
#[test]
fn serangs_table_shows_the_gap_between_received_and_allocated() {
    let children = [
        (
            "3604240".to_owned(),
            "Ciruas".to_owned(),
            "/ID/36/3604/3604240".to_owned(),
        ),
        (
            "3604250".to_owned(),
            "Kragilan".to_owned(),
            "/ID/36/3604/3604250".to_owned(),
        ),
    ];
    let a = "/ID/36/3604/3604240/3604240003";
    let b = "/ID/36/3604/3604250/3604250001";
    let grants = [
        HeldGrant {
            path: a.into(),
            amount: rp(1_800_000_000),
        },
        HeldGrant {
            path: b.into(),
            amount: rp(1_800_000_000),
        },
    ];
    let mut acts = vec![
        activity(a, Kind::Economic, "KSM Maju", 1_066_235_000, 1_000_000_000),
        activity(b, Kind::Economic, "KSM Maju", 1_066_235_000, 1_066_235_000),
        activity(
            a,
            Kind::Physical,
            "Panitia jalan",
            1_158_080_000,
            1_158_080_000,
        ),
        activity(
            b,
            Kind::Social,
            "Panitia santunan",
            189_450_000,
            189_450_000,
        ),
    ];
    acts[2].swadaya_cash = rp(500_000_000);
    acts[2].swadaya_labour = rp(2_000_000_000);
    acts[2].swadaya_materials = rp(1_500_000_000);
    acts[0].beneficiaries = 40;
    acts[0].poor = 30;
    acts[0].women = 25;
    // Outside the area: left out.
    let elsewhere = [HeldGrant {
        path: "/ID/32/3201/x".into(),
        amount: rp(5),
    }];
    let all_grants: Vec<_> = grants.iter().chain(&elsewhere).cloned().collect();
    let r = report(
        ("3604", "Kabupaten Serang", "/ID/36/3604"),
        &children,
        &all_grants,
        &acts,
    )
    .unwrap();
    let f = &r.figures;
    assert_eq!(f.kelurahan, 2);
    assert_eq!(f.blm_received, rp(3_600_000_000));
    assert_eq!(f.blm_allocated.economic, rp(2_132_470_000));
    assert_eq!(f.blm_allocated.physical, rp(1_158_080_000));
    assert_eq!(f.blm_allocated.social, rp(189_450_000));
    assert_eq!(f.blm_unallocated, rp(120_000_000));
    assert_eq!(f.blm_spent.economic, rp(2_066_235_000));
    // Seed 001: more than 300% of the grant for infrastructure.
    assert_eq!(f.swadaya.total, rp(4_000_000_000));
    assert_eq!(f.leverage.physical.as_deref(), Some("3.4540"));
    assert_eq!(f.leverage.economic.as_deref(), Some("0.0000"));
    // 4,000,000,000 ÷ 3,413,765,000 spent in all.
    assert_eq!(f.leverage.total.as_deref(), Some("1.1717"));
    assert_eq!(
        (
            f.beneficiaries.all,
            f.beneficiaries.poor,
            f.beneficiaries.women
        ),
        (40, 30, 25)
    );
    // "KSM Maju" of two kelurahan are two implementers.
    assert_eq!(f.implementers, 2);
    assert_eq!(r.by_area.len(), 2);
    assert_eq!(r.by_area[0].name, "Ciruas");
    assert_eq!(
        r.by_area[0].figures.blm_unallocated,
        rp(1_800_000_000 - 1_066_235_000 - 1_158_080_000)
    );
    assert_eq!(r.by_area[1].figures.leverage.physical, None);
}

#[test]
fn leverage_rounds_half_up_to_four_decimals() {
    assert_eq!(ratio(1, 3).as_deref(), Some("0.3333"));
    assert_eq!(ratio(2, 3).as_deref(), Some("0.6667"));
    assert_eq!(ratio(1, 20_000).as_deref(), Some("0.0001"));
    assert_eq!(ratio(5, 0), None);
}
