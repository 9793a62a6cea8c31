use super::*;

fn read(headers: &str, rows: &[&str]) -> Result<Vec<BusinessRecord>, Rejected> {
    let split = |s: &str| s.split(',').map(str::to_owned).collect::<Vec<_>>();
    records(
        "businesses.csv",
        &split(headers),
        rows.iter()
            .enumerate()
            .map(|(i, r)| (i as u64 + 2, split(r))),
    )
}

#[test]
fn english_and_indonesian_headers_are_read() {
    let uk = read(
        "Name,Company Number,Postcode,SIC,CPV,Employees,Turnover,Form,Contact Email,Consent",
        &["Preston Joinery,01234567,PR1 2HE,16230;43320,45421000,8,350000,employee-owned,hello@pj.example,yes"],
    )
    .unwrap();
    let b = &uk[0];
    assert_eq!(
        b.identifiers,
        vec![Identifier::CompanyNumber("01234567".into())]
    );
    assert_eq!(b.sectors, vec!["16230", "43320"]);
    assert_eq!(
        (b.sic.len(), b.kbli.len()),
        (2, 0),
        "the SIC column's codes are SIC"
    );
    assert_eq!(b.cpv, vec!["45421000"]);
    assert_eq!(
        (b.size, b.form, b.consent),
        (Some(Size::Micro), Some(Form::EmployeeOwned), true)
    );
    let id = read(
        "nama,npwp,kode_wilayah,kbli,omzet,bentuk,persetujuan",
        &["Koperasi Tani Makmur,01.234.567.8-901.000,3604240003,01111,3000000000,koperasi,ya"],
    )
    .unwrap();
    let b = &id[0];
    assert_eq!(
        b.identifiers,
        vec![Identifier::Npwp("012345678901000".into())]
    );
    assert_eq!(b.area_code.as_deref(), Some("3604240003"));
    assert_eq!(
        (b.sectors.clone(), b.sic.len(), b.kbli.clone()),
        (vec!["01111".to_owned()], 0, vec!["01111".to_owned()])
    );
    // Rp 3 miliar of sales a year: kecil under PP 7/2021.
    assert_eq!(
        (b.size, b.form, b.consent),
        (Some(Size::Small), Some(Form::Cooperative), true)
    );
}

#[test]
fn sizes_are_judged_by_each_countrys_thresholds() {
    let gbp = |units: i64| Some(Money::from_minor(units * 100));
    assert_eq!(Size::judge_uk(Some(9), gbp(2_000_000)), Some(Size::Micro));
    assert_eq!(Size::judge_uk(Some(10), gbp(100)), Some(Size::Small));
    assert_eq!(Size::judge_uk(Some(5), gbp(2_000_001)), Some(Size::Small));
    assert_eq!(Size::judge_uk(Some(249), None), Some(Size::Medium));
    assert_eq!(Size::judge_uk(None, gbp(50_000_001)), Some(Size::Large));
    assert_eq!(Size::judge_uk(None, None), None);
    assert_eq!(Size::judge_id(gbp(2_000_000_000)), Some(Size::Micro));
    assert_eq!(Size::judge_id(gbp(15_000_000_000)), Some(Size::Small));
    assert_eq!(Size::judge_id(gbp(50_000_000_000)), Some(Size::Medium));
    assert_eq!(Size::judge_id(gbp(50_000_000_001)), Some(Size::Large));
    // A size given wins over the figures.
    let b = read("name,size,employees", &["Big Ltd,large,3"]).unwrap();
    assert_eq!(b[0].size, Some(Size::Large));
}

#[test]
fn every_problem_is_named_by_line_and_column() {
    let e = read(
        "name,cpv,kbli,employees,form,contact_email,consent",
        &[
            "Good Ltd,45000000,,,,,no",
            ",,,,,,",
            ",45000000,,,,,",
            "Bad Ltd,4500,ABC,many,plc,nobody,maybe",
        ],
    )
    .unwrap_err();
    let got: Vec<(u64, Option<&str>)> = e
        .errors
        .iter()
        .map(|e| (e.line, e.column.as_deref()))
        .collect();
    assert_eq!(
        got,
        vec![
            (4, Some("name")),
            (5, Some("kbli")),
            (5, Some("cpv")),
            (5, Some("employees")),
            (5, Some("form")),
            (5, Some("contact_email")),
            (5, Some("consent")),
        ]
    );
    let e = read("company,postcode", &["X,PR1"]).unwrap_err();
    assert_eq!(e.errors[0].column.as_deref(), Some("name"));
}

#[test]
fn a_suppliers_payments_are_counted_and_summed_per_anchor_checked() {
    use lumbung_spend::facts::Facts;
    let mut f = Facts::default();
    for (anchor, supplier, amount) in [(1, 7, 100), (1, 7, -40), (2, 7, 5), (1, 8, 999)] {
        f.anchor.push(anchor);
        f.year.push(2024);
        f.date.push(0);
        f.supplier.push(supplier);
        f.amount.push(amount);
        f.sector.push(0);
        f.flags.push(0);
    }
    let sums = payments_to(std::slice::from_ref(&f), 7).unwrap();
    assert_eq!(
        sums.into_iter().collect::<Vec<_>>(),
        [
            (1, (2, Money::from_minor(60))),
            (2, (1, Money::from_minor(5)))
        ]
    );
    f.amount[1] = i64::MAX;
    assert_eq!(
        payments_to(&[f], 7),
        None,
        "a sum that would not fit is refused"
    );
}

#[test]
fn a_business_is_written_to_only_with_consent_and_an_address_in_its_language() {
    let rows = read_file(
        "b.csv",
        b"name,postcode,npwp,contact_email,consent\n\
          Joinery,PR1 2HE,,j@example.org,yes\n\
          Warung,42111,01.234.567.8-901.000,w@example.org,yes\n\
          Quiet,PR1 2HE,,q@example.org,no\n\
          Silent,PR1 2HE,,,yes\n",
    )
    .unwrap();
    assert_eq!(rows[0].contact(), Ok(("j@example.org", Language::English)));
    assert_eq!(
        rows[1].contact(),
        Ok(("w@example.org", Language::Indonesian))
    );
    assert_eq!(rows[2].contact(), Err(Unreachable::NoConsent));
    assert_eq!(rows[3].contact(), Err(Unreachable::NoEmail));
}

#[test]
fn a_record_kept_before_the_lists_were_told_apart_fits_either() {
    let uk = read("Name,SIC,KBLI", &["Both Ltd,16230,01111"]).unwrap();
    let kept = serde_json::to_value(&uk[0]).unwrap();
    let mut legacy = kept.clone();
    legacy.as_object_mut().unwrap().remove("sic");
    legacy.as_object_mut().unwrap().remove("kbli");
    let legacy: BusinessRecord = serde_json::from_value(legacy).unwrap();
    let codes = |r: &BusinessRecord, list| sector_codes(&r.sectors, &r.sic, &r.kbli, list).to_vec();
    assert_eq!(codes(&legacy, SectorList::Sic2007), vec!["16230", "01111"]);
    assert_eq!(codes(&legacy, SectorList::Kbli2020), vec!["16230", "01111"]);
    assert_eq!(codes(&uk[0], SectorList::Sic2007), vec!["16230"]);
    assert_eq!(codes(&uk[0], SectorList::Kbli2020), vec!["01111"]);
}
