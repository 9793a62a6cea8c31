//! `lumbung business …` end to end: the local business base imported,
//! again, and updated.

mod common;
use common::Env;

#[test]
fn businesses_import_once_update_by_identifier_or_name_and_link_to_suppliers() {
    // Its check reads the stored JSON with SQLite's json_extract.
    let env = Env::file();
    // A supplier the spend analysis already knows, at a postcode.
    env.anchor_with_spend(
        "Preston City Council",
        "Date,Supplier,Postcode,Amount\n03/05/2023,Fishergate Bakery Ltd,PR1 2HE,120.00\n",
    );

    let first = env.write(
        "firms.csv",
        "Name,Company Number,Postcode,SIC,Employees,Turnover,Form,Contact Email,Consent\n\
         Preston Joinery,01234567,PR1 3AB,16230,8,350000,employee_owned,hi@pj.example,yes\n\
         Fishergate Bakery,,PR1 2HE,10710,30,,conventional,,no\n",
    );
    let out = env.stdout(&["business", "import", &first, "--source", "chamber"]);
    assert!(
        out.contains("2 new, 0 updated, 0 unchanged") && out.contains("spend analysis: 1"),
        "{out}"
    );
    let again = env.stdout(&["business", "import", &first]);
    assert!(again.contains("0 new, 0 updated, 2 unchanged"), "{again}");

    // A later file: the joinery by its company number under a new name,
    // the bakery by name and postcode, and a new co-operative (XLSX, in
    // Indonesian).
    let later = env.write(
        "later.csv",
        "name,company_number,postcode,sic,employees,turnover,form,consent\n\
         Preston Joinery & Sons,01234567,PR1 3AB,16230,12,350000,employee_owned,yes\n\
         FISHERGATE BAKERY LIMITED,,PR1 2HE,10710,30,,conventional,yes\n",
    );
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["nama", "kode_pos", "kbli", "omzet", "bentuk", "persetujuan"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for (c, v) in [
        "Koperasi Pekerja Preston",
        "PR2 1AA",
        "43320",
        "",
        "koperasi",
        "ya",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(1, c as u16, *v).unwrap();
    }
    let xlsx = env.path("koperasi.xlsx");
    book.save(&xlsx).unwrap();
    let out = env.stdout(&["business", "import", &later, xlsx.to_str().unwrap()]);
    assert!(out.contains("1 new, 2 updated, 0 unchanged"), "{out}");

    let rows = env.sqlite(
        "SELECT o.name, o.kind, coalesce(o.company_number, ''), b.supplier_id IS NOT NULL,
                (SELECT count(*) FROM business_history h WHERE h.business_id = b.id),
                json_extract(b.record, '$.size'), json_extract(b.record, '$.consent')
         FROM businesses b JOIN organisations o ON o.id = b.org_id ORDER BY b.id",
    );
    assert_eq!(
        rows,
        vec![
            vec![
                "Preston Joinery & Sons",
                "company",
                "01234567",
                "0",
                "1",
                "small",
                "1"
            ],
            vec![
                "FISHERGATE BAKERY LIMITED",
                "company",
                "",
                "1",
                "1",
                "small",
                "1"
            ],
            vec![
                "Koperasi Pekerja Preston",
                "cooperative",
                "",
                "0",
                "0",
                "NULL",
                "1"
            ],
        ]
    );
}

#[test]
fn a_bad_row_refuses_every_file_of_the_import() {
    let env = Env::new();
    let good = env.write("good.csv", "name,postcode\nGood Ltd,PR1 1AA\n");
    let bad = env.write("bad.csv", "name,cpv,consent\nBad Ltd,4500,maybe\n");
    let out = env.output(&["business", "import", &good, &bad]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.csv")
            && err.contains("line 2, column cpv")
            && err.contains("column consent"),
        "{err}"
    );
    assert_eq!(
        env.sqlite("SELECT count(*) FROM businesses"),
        vec![vec!["0"]]
    );
}

#[test]
fn the_base_is_searched_by_name_sector_area_size_and_form() {
    let env = Env::lancashire();
    let firms = env.write(
        "firms.csv",
        "name,postcode,sic,size,form,consent\n\
         Preston Cleaning Co-operative,PR1 2HE,81210,small,cooperative,yes\n\
         Lancaster Joinery,LA1 1AA,16230,micro,conventional,no\n",
    );
    env.stdout(&["business", "import", &firms]);
    let names = |args: &[&str]| -> Vec<String> {
        let out = env.stdout(&[&["business", "list", "--format", "json"], args].concat());
        let list: serde_json::Value = serde_json::from_str(&out).unwrap();
        list.as_array()
            .unwrap()
            .iter()
            .map(|b| b["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        names(&["--name", "prestn claning"]),
        ["Preston Cleaning Co-operative"]
    );
    assert_eq!(names(&["--area", "E07000121"]), ["Lancaster Joinery"]);
    assert_eq!(
        names(&["--area", "E10000017", "--sector", "812"]),
        ["Preston Cleaning Co-operative"]
    );
    assert_eq!(
        names(&["--size", "micro", "--form", "conventional"]),
        ["Lancaster Joinery"]
    );
    assert!(names(&["--form", "charity"]).is_empty());
    let table = env.stdout(&["business", "list"]);
    assert!(
        table.contains("Lancaster Joinery") && table.contains("81210"),
        "{table}"
    );
    let out = env.output(&["business", "list", "--area", "NOWHERE"]);
    assert!(!out.status.success());
    // 16230 is joinery in SIC and wooden crates in KBLI: the lists are
    // told apart when asked.
    let crates = env.write(
        "peti.csv",
        "nama,kode_pos,kbli\nIndustri Peti Kayu,PR1 2HE,16230\n",
    );
    env.stdout(&["business", "import", &crates]);
    let joinery = |list: &[&str]| names(&[&["--sector", "1623"], list].concat());
    assert_eq!(joinery(&["--list", "sic"]), ["Lancaster Joinery"]);
    assert_eq!(joinery(&["--list", "KBLI"]), ["Industri Peti Kayu"]);
    assert_eq!(joinery(&[]).len(), 2);
    assert!(!env
        .output(&["business", "list", "--list", "isic"])
        .status
        .success());
}
