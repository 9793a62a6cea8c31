use super::*;
use crate::business::Form;

fn candidate(id: i64, name: &str, path: &str, cpv: &[&str], sectors: &[&str]) -> Candidate {
    Candidate {
        id: BusinessId::new(id),
        name: name.into(),
        form: Some(Form::Conventional),
        size: Some(Size::Small),
        area: Some(path.rsplit('/').nth(1).unwrap_or("").into()),
        area_path: Some(path.into()),
        sectors: sectors.iter().map(|s| s.to_string()).collect(),
        sic: sectors.iter().map(|s| s.to_string()).collect(),
        kbli: Vec::new(),
        cpv: cpv.iter().map(|s| s.to_string()).collect(),
        consent: true,
    }
}

fn tender(cpv: &[&str], sectors: &[&str]) -> Tender {
    Tender {
        id: TenderId::new(1),
        ocid: None,
        anchor: None,
        anchor_name: Some("Preston City Council".into()),
        buyer: None,
        title: "Road repairs".into(),
        cpv: cpv.iter().map(|s| s.to_string()).collect(),
        sectors: sectors.iter().map(|s| s.to_string()).collect(),
        lots: 0,
        value: None,
        currency: None,
        closes_on: Some("2027-01-31".into()),
        status: "active".into(),
    }
}

#[test]
fn cpv_codes_fit_by_their_longest_shared_prefix() {
    assert_eq!(cpv_fit("45233142", "45233142"), Some(8));
    // Category, class, group, division.
    assert_eq!(cpv_fit("45233142", "45233000"), Some(5));
    assert_eq!(cpv_fit("45233142", "45210000"), Some(3));
    assert_eq!(cpv_fit("45233142", "45000000"), Some(2));
    assert_eq!(cpv_fit("45233142", "44000000"), None);
}

#[test]
fn tenders_are_matched_by_cpv_then_sector_then_nearness_within_the_region() {
    let region = "/UK/LANCS/";
    let preston = "/UK/LANCS/PRESTON/";
    let lancaster = "/UK/LANCS/LANCASTER/";
    let candidates = vec![
        candidate(1, "Division Builders", lancaster, &["45000000"], &[]),
        candidate(2, "Exact Roads", lancaster, &["45233142"], &[]),
        candidate(3, "Near Roads", preston, &["45233000"], &[]),
        candidate(4, "Far Roads", lancaster, &["45233000"], &[]),
        candidate(5, "Civil Engineering Co", preston, &[], &["42"]),
        candidate(6, "Leeds Roads", "/UK/YORKS/LEEDS/", &["45233142"], &[]),
        candidate(7, "Bakery", preston, &["15810000"], &["10"]),
    ];
    let found = matches(
        &tender(&["45233142"], &["4211"]),
        &candidates,
        region,
        preston,
        SectorList::Sic2007,
    );
    let names: Vec<&str> = found.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Exact Roads",
            "Near Roads",
            "Far Roads",
            "Division Builders",
            "Civil Engineering Co"
        ]
    );
    assert_eq!((found[0].cpv_fit, found[4].sector_fit), (8, 2));
}

#[test]
fn a_tender_form_is_checked_field_by_field() {
    let form = TenderForm {
        title: " Cleaning of schools ".into(),
        cpv: "90910000-9; 90919300".into(),
        sectors: "81".into(),
        lots: "2".into(),
        value: "125000.50".into(),
        currency: "gbp".into(),
        closes_on: "2027-02-28".into(),
    };
    let t = form.check().unwrap();
    assert_eq!(t.title, "Cleaning of schools");
    assert_eq!(t.cpv, ["90910000", "90919300"]);
    assert_eq!(t.currency.as_deref(), Some("GBP"));
    assert_eq!(t.value, Some(Money::from_minor(12_500_050)));

    let bad = TenderForm {
        title: "".into(),
        cpv: "9091".into(),
        sectors: "8x".into(),
        lots: "-1".into(),
        value: "1,000".into(),
        currency: "pounds".into(),
        closes_on: "31/02/2027".into(),
    };
    let fields: Vec<&str> = bad.check().unwrap_err().iter().map(|p| p.field).collect();
    assert_eq!(
        fields,
        [
            "title",
            "cpv",
            "sectors",
            "lots",
            "value",
            "currency",
            "closes_on"
        ]
    );
    let none = TenderForm {
        title: "Anything".into(),
        ..TenderForm::default()
    };
    assert_eq!(none.check().unwrap_err()[0].field, "cpv");
}

#[test]
fn a_notice_names_the_tender_in_the_business_language() {
    let t = tender(&["45233142"], &[]);
    let id = notice(&t, "Near Roads", Language::Indonesian);
    assert_eq!(id.subject, "Peluang pengadaan: Road repairs");
    assert!(id.body.contains("Preston City Council membuka tender"));
    let en = notice(&t, "Near Roads", Language::English);
    assert!(en.body.starts_with("Dear Near Roads"));
    assert!(en.body.contains("closing 2027-01-31"));
}
