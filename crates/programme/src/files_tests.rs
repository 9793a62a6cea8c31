use super::*;

const ACTIVITIES: &str = "kelurahan,programme,year,activity,kind,implementer,blm,spent,swadaya_cash,swadaya_labour_days,swadaya_wage,swadaya_materials,other_funds,beneficiaries,beneficiaries_poor,beneficiaries_women,progress\n";

#[test]
fn grants_are_read_and_every_problem_is_named_by_line_and_column() {
    let ok = read_grants(
        "g.csv",
        b"kelurahan,programme,tranche,date,amount\n3604240003,P2KP,1,2008-03-01,150000000\n",
    )
    .unwrap();
    assert_eq!(ok[0].tranche, 1);
    assert_eq!(ok[0].amount, Money::from_units(150_000_000));
    let bad = read_grants(
        "g.csv",
        b"kelurahan,programme,tranche,date,amount\n,P2KP,0,2008-13-01,-5\n",
    )
    .unwrap_err();
    let columns: Vec<_> = bad
        .errors
        .iter()
        .map(|e| (e.line, e.column.clone()))
        .collect();
    assert_eq!(
        columns,
        [
            (2, Some("kelurahan".to_owned())),
            (2, Some("tranche".to_owned())),
            (2, Some("date".to_owned())),
            (2, Some("amount".to_owned()))
        ]
    );
    let missing = read_grants("g.csv", b"kelurahan,programme,date,amount\n").unwrap_err();
    assert_eq!(missing.errors[0].column.as_deref(), Some("tranche"));
}

#[test]
fn activities_value_labour_and_keep_beneficiaries_within_all() {
    let file = format!(
        "{ACTIVITIES}3604240003,P2KP,2008,Jalan lingkungan RW 03,fisik,Panitia RW 03,50000000,48000000,1000000,120.5,50000,3000000,,60,40,30,100\n"
    );
    let rows = read_activities("a.csv", file.as_bytes()).unwrap();
    let a = &rows[0];
    assert_eq!(a.kind, Kind::Physical);
    assert_eq!(a.labour(), Money::from_units(6_025_000));
    assert_eq!(
        (a.beneficiaries, a.poor, a.women, a.progress),
        (60, 40, 30, 100)
    );
    let bad = format!("{ACTIVITIES}3604240003,P2KP,2008,Kios,budaya,KSM,10,,,3,,,,5,6,7,120\n");
    let e = read_activities("a.csv", bad.as_bytes()).unwrap_err();
    let columns: Vec<_> = e.errors.iter().filter_map(|e| e.column.clone()).collect();
    assert_eq!(
        columns,
        [
            "kind",
            "swadaya_wage",
            "beneficiaries_poor",
            "beneficiaries_women",
            "progress"
        ]
    );
}
