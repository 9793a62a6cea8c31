use super::locate::memo_key;
use super::*;
use crate::report::{compute, ReportOptions};
use lumbung_domain::AreaCode;
use std::cell::Cell;
use std::collections::HashMap;

/// Found by the fuzzer: 17 digits and more overflowed (a panic in a
/// debug build) before they were sent to the slow path.
#[test]
fn amounts_too_long_for_the_fast_path_go_to_the_slow_one() {
    assert_eq!(
        parse_amount(b"1234567890123456"),
        Some(123_456_789_012_345_600)
    );
    assert_eq!(parse_amount(b"12345678901234567"), None);
    assert_eq!(parse_amount(b"19999999999999999999900.0"), None);
    assert_eq!(parse_amount(b"-99999999999999999999"), None);
}

const HEADER: &str = "anchor,fiscal_year,payment_date,supplier_id,supplier_name,postcode,sic,sme,contract_type,amount\n";

fn scan_with(
    text: &str,
    block: usize,
    threads: usize,
    calendar: FiscalCalendar,
) -> Result<FileFacts, Rejected> {
    let opts = ScanOptions {
        block_size: block,
        threads,
        ..ScanOptions::new(calendar)
    };
    scan_reader(
        "test.csv",
        text.as_bytes(),
        text.len() as u64,
        &opts,
        &mut |_, _| {},
    )
}

fn scan(text: &str) -> FileFacts {
    scan_with(text, DEFAULT_BLOCK_SIZE, 1, FiscalCalendar::UK).unwrap()
}

fn rejected(text: &str) -> Vec<RowError> {
    scan_with(text, DEFAULT_BLOCK_SIZE, 2, FiscalCalendar::UK)
        .unwrap_err()
        .errors
}

/// The line and column of each error.
fn places(errors: &[RowError]) -> Vec<(u64, Option<&str>)> {
    let places = errors.iter();
    places.map(|e| (e.line, e.column.as_deref())).collect()
}

/// The reader's limit on one payment, as in `read`: the row's error.
#[test]
fn amounts_above_the_largest_payment_are_row_errors() {
    let text = format!(
        "{HEADER}A,2012/13,,S1,Acme,,,,,1000000000.00\n\
         A,2012/13,,S1,Acme,,,,,1000000000.01\n\
         A,2012/13,,S1,Acme,,,,,-9223372036854775.80\n"
    );
    let errors = rejected(&text);
    let got = places(&errors);
    assert_eq!(got, vec![(3, Some("amount")), (4, Some("amount"))]);
    assert!(errors[0].message.contains("1000000000.00"));
}

/// Every payment with its names: (anchor, year, date, supplier, amount, sector, flags).
type Row = (String, i16, i32, String, i64, String, u8);

fn rows(ff: &FileFacts) -> Vec<Row> {
    let mut out = Vec::new();
    for f in &ff.facts {
        for i in 0..f.len() {
            out.push((
                ff.anchors[f.anchor[i] as usize].clone(),
                f.year[i],
                f.date[i],
                ff.suppliers[f.supplier[i] as usize].name.clone(),
                f.amount[i],
                ff.sectors[f.sector[i] as usize].clone(),
                f.flags[i],
            ));
        }
    }
    out
}

fn all_facts(ff: &FileFacts) -> Facts {
    let mut all = Facts::default();
    for f in &ff.facts {
        all.anchor.extend_from_slice(&f.anchor);
        all.year.extend_from_slice(&f.year);
        all.date.extend_from_slice(&f.date);
        all.supplier.extend_from_slice(&f.supplier);
        all.amount.extend_from_slice(&f.amount);
        all.sector.extend_from_slice(&f.sector);
        all.flags.extend_from_slice(&f.flags);
    }
    all
}

#[test]
fn headers_in_common_spellings_a_bom_and_semicolons() {
    let text = "\u{feff}Anchor;Financial Year;Payment Date;Supplier Name;Postcode;SIC;SME;Contract Type;Amount\n\
                Preston City Council;2012/13;01/04/2012;Acme Ltd;PR1 2HE;81210;Y;local contract;10.50\n";
    let ff = scan(text);
    assert_eq!(ff.delimiter, b';');
    assert_eq!(ff.columns[&Field::SupplierName], "Supplier Name");
    assert_eq!(ff.columns[&Field::Amount], "Amount");
    assert_eq!(ff.columns[&Field::Anchor], "Anchor");
    assert_eq!(ff.columns.len(), 9);
    assert_eq!(
        rows(&ff),
        vec![(
            "Preston City Council".into(),
            2012,
            days_from_civil(2012, 4, 1),
            "Acme Ltd".into(),
            1050,
            "81210".into(),
            flag::SME_KNOWN | flag::SME
        )]
    );
    // The snake_case names are recognised, in any order.
    let ff = scan(&format!("{HEADER}A,2012/13,,S1,Acme,,,,,1\n"));
    assert_eq!(ff.columns.len(), 10);
    assert_eq!(ff.columns[&Field::SupplierId], "supplier_id");

    // A mapping names a column recognition would not find.
    let opts = ScanOptions {
        mapping: BTreeMap::from([(Field::Amount, "Betrag".to_owned())]),
        ..ScanOptions::new(FiscalCalendar::UK)
    };
    let text = "anchor,fiscal_year,supplier_name,Betrag\nA,2012/13,Acme,5\n";
    let ff = scan_reader("m.csv", text.as_bytes(), 0, &opts, &mut |_, _| {}).unwrap();
    assert_eq!(all_facts(&ff).amount, vec![500]);
}

#[test]
fn missing_columns_reject_the_file_at_line_one() {
    let errors = rejected("anchor,supplier_name,note\nA,Acme,x\n");
    assert!(errors.iter().all(|e| e.line == 1));
    let text: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
    assert!(
        text.iter().any(|m| m.starts_with("no amount column")),
        "{text:?}"
    );
    assert!(text
        .iter()
        .any(|m| m.starts_with("no fiscal_year or payment_date column")));
    // Without an anchor column every row is the given anchor's.
    let opts = ScanOptions {
        anchor: Some("UCLan".into()),
        ..ScanOptions::new(FiscalCalendar::UK)
    };
    let text = "fiscal_year,supplier_name,amount\n2013/14,Acme,5\n";
    let ff = scan_reader("a.csv", text.as_bytes(), 0, &opts, &mut |_, _| {}).unwrap();
    assert_eq!(ff.anchors, vec!["UCLan".to_owned()]);
    assert_eq!(all_facts(&ff).anchor, vec![0]);
    assert!(!rejected("").is_empty());
}

/// Rows with quoted delimiters, quotes and newlines, read with blocks
/// of every small size so that block ends fall everywhere.
#[test]
fn quoted_fields_across_block_boundaries() {
    let mut text = HEADER.to_owned();
    for i in 0..40 {
        match i % 4 {
            0 => text.push_str(&format!(
                "A,2012/13,,S{i},\"Smith, Jones\nand \"\"Sons\"\"\",PR1 2HE,,,,{i}.25\n"
            )),
            1 => text.push_str(&format!("\"B\",2012/13,,\"S{i}\",Plain {i},,,,,\"-{i}\"\n")),
            2 => text.push_str(&format!("A,2013/14,,S{i},\"\",,,,,{i}\n")),
            _ => text.push_str(&format!("A,2013/14,,S{i},\"Quote \"\"x\"\"\",,,,,{i}\n")),
        }
    }
    let whole = scan(&text);
    assert_eq!(whole.rows, 40);
    let r = rows(&whole);
    assert_eq!(r[0].3, "Smith, Jones\nand \"Sons\"");
    assert_eq!(r[0].4, 25);
    assert_eq!(
        (r[1].0.as_str(), r[1].3.as_str(), r[1].4),
        ("B", "Plain 1", -100)
    );
    assert_eq!(r[2].3, "S2", "an empty name falls back to the id");
    assert_eq!(r[3].3, "Quote \"x\"");
    for block in [1, 2, 7, 16, 33, 64, 100, 1000] {
        for threads in [1, 2, 3] {
            let ff = scan_with(&text, block, threads, FiscalCalendar::UK).unwrap();
            assert_eq!(rows(&ff), r, "block {block}, threads {threads}");
            assert_eq!(ff.suppliers, whole.suppliers, "ids by first appearance");
            assert_eq!(all_facts(&ff), all_facts(&whole));
        }
    }
    // Lines count the newlines inside quotes: row 37 (0-based 36, a
    // multi-line one) starts on line 2 + 36 + 9.
    let bad = text.replacen("36.25", "36.2x5", 1);
    for block in [5, 64, DEFAULT_BLOCK_SIZE] {
        let errors = scan_with(&bad, block, 2, FiscalCalendar::UK)
            .unwrap_err()
            .errors;
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, 2 + 36 + 9, "block {block}");
        assert_eq!(errors[0].column.as_deref(), Some("amount"));
    }
}

#[test]
fn crlf_line_ends() {
    let lf = format!("{HEADER}A,2012/13,31/03/2013,S1,Acme,PR1 2HE,81210,N,national framework,12.5\nA,2012/13,,S2,\"Two\nlines\",,,,,7\n\nB,2013/14,,S1,Acme,,,Y,,-3\n");
    let crlf = lf.replace('\n', "\r\n");
    let (a, b) = (scan(&lf), scan(&crlf));
    assert_eq!(a.rows, 3, "the blank line is no row");
    let mut expected = rows(&a);
    expected[1].3 = "Two\r\nlines".into();
    assert_eq!(rows(&b), expected);
    assert_eq!(rows(&b)[0].4, 1250);
    assert_eq!(rows(&b)[2].4, -300);
    assert_eq!(b.suppliers[0].postcode.as_deref(), Some("PR1 2HE"));
    // A last line without a line end.
    let ff = scan(crlf.trim_end());
    assert_eq!(ff.rows, 3);
}

#[test]
fn bad_rows_are_reported_with_line_and_column() {
    let text = format!(
        "{HEADER}A,2012/13,,S1,Acme,,,,,1.00\n\
         A,2012/13,,S1,Acme,,,,,\"12,34\"\n\
         A,2012/13,,S1,Acme,,,,,1.234\n\
         A,2012/13,,S1,Acme,,,,,\n\
         A,2012/13,32/01/2013,S1,Acme,,,maybe,,1\n\
         ,2012/14,,,,,,,,1\n\
         A,2012/13,,S1\n"
    );
    let errors = rejected(&text);
    let got = places(&errors);
    assert_eq!(
        got,
        vec![
            (3, Some("amount")),
            (4, Some("amount")),
            (5, Some("amount")),
            (6, Some("payment_date")),
            (6, Some("sme")),
            (7, Some("fiscal_year")),
            (7, Some("anchor")),
            (7, None),
            (8, None),
        ]
    );
    assert!(errors[0].message.contains("\"12,34\" is not an amount"));
    assert!(errors[1].message.contains("more than two decimals"));
    assert_eq!(errors[2].message, "the amount is empty");
    assert_eq!(errors[7].message, "no supplier id and no supplier name");
    assert_eq!(errors[8].message, "the row has 4 fields, the header has 10");
    // Bytes that are not UTF-8.
    let mut bytes = format!("{HEADER}A,2012/13,,S1,Acme,,,,,1\n").into_bytes();
    bytes.extend_from_slice(b"A,2012/13,,S1,Ac\xffme,,,,,1\n");
    let opts = ScanOptions::new(FiscalCalendar::UK);
    let err = scan_reader("b.csv", bytes.as_slice(), 0, &opts, &mut |_, _| {}).unwrap_err();
    assert_eq!(err.errors[0].line, 3);
    // A quote never closed.
    let errors = rejected(&format!(
        "{HEADER}A,2012/13,,S1,Acme,,,,,1\nA,2012/13,,S1,\"Acme,,,,,1\nA,2012/13,,S1,Acme,,,,,1\n"
    ));
    assert_eq!(errors.len(), 1);
    assert_eq!(
        (errors[0].line, errors[0].message.as_str()),
        (3, "a quoted field is never closed")
    );
}

#[test]
fn too_many_problems_are_counted_not_listed() {
    let mut text = HEADER.to_owned();
    for _ in 0..MAX_LISTED_ERRORS + 5 {
        text.push_str("A,2012/13,,S1,Acme,,,,,x\n");
    }
    let errors = scan_with(&text, 4096, 2, FiscalCalendar::UK)
        .unwrap_err()
        .errors;
    assert_eq!(errors.len(), MAX_LISTED_ERRORS + 1);
    assert_eq!(
        errors[MAX_LISTED_ERRORS - 1].line,
        MAX_LISTED_ERRORS as u64 + 1
    );
    assert_eq!(
        errors[MAX_LISTED_ERRORS].message,
        "… and 5 more problems, not listed"
    );
}

#[test]
fn suppliers_are_keyed_by_id_else_by_name_and_postcode() {
    let text = format!(
        "{HEADER}A,2012/13,,7,Acme,PR1 2HE,,,,1\n\
         A,2012/13,,7,Acme Trading Ltd,M1 1AA,,,,1\n\
         A,2012/13,,,Beta Ltd,PR1 2HE,,,,1\n\
         A,2012/13,,,BETA LIMITED,pr12he,,,,1\n\
         A,2012/13,,,Beta Ltd,M1 1AA,,,,1\n\
         A,2012/13,,8,Beta Ltd,PR1 2HE,,,,1\n\
         A,2012/13,,12345678901234567890,Long Id,,,,,1\n\
         A,2012/13,,007,Seven,,,,,1\n"
    );
    let ff = scan(&text);
    let names: Vec<(Option<&str>, &str, Option<&str>)> = ff
        .suppliers
        .iter()
        .map(|s| (s.id.as_deref(), s.name.as_str(), s.postcode.as_deref()))
        .collect();
    assert_eq!(
        names,
        vec![
            (Some("7"), "Acme", Some("PR1 2HE")),
            (None, "Beta Ltd", Some("PR1 2HE")),
            (None, "Beta Ltd", Some("M1 1AA")),
            (Some("8"), "Beta Ltd", Some("PR1 2HE")),
            (Some("12345678901234567890"), "Long Id", None),
            (Some("007"), "Seven", None),
        ]
    );
    assert_eq!(all_facts(&ff).supplier, vec![0, 0, 1, 1, 2, 3, 4, 5]);
    // The same with several threads and tiny blocks.
    let ff2 = scan_with(&text, 8, 3, FiscalCalendar::UK).unwrap();
    assert_eq!(ff2.suppliers, ff.suppliers);
    assert_eq!(all_facts(&ff2), all_facts(&ff));
}

proptest::proptest! {
    /// The bit-trick splitter agrees with a plain split, whatever the
    /// bytes (delimiters at every place of the 8-byte words).
    #[test]
    fn fields_split_as_a_plain_split_does(
        text in proptest::collection::vec(proptest::sample::select(vec![b'a', b',', b';', b'\t', b'|', b' ', 0x80, 0xff, 0x00]), 0..80),
        delim in proptest::sample::select(vec![b',', b';', b'\t', b'|']),
    ) {
        let mut ranges = Vec::new();
        split_fields(&text, delim, &mut ranges);
        let got: Vec<&[u8]> = ranges.iter().map(|&(s, e)| &text[s as usize..e as usize]).collect();
        let want: Vec<&[u8]> = text.split(|&b| b == delim).collect();
        proptest::prop_assert_eq!(got, want);
    }
}

#[test]
fn key_packing_round_trips() {
    for key in [
        "",
        "7",
        "1234567",
        "12345678",
        "0000000000000001",
        "00000061",
        "Anchor 13",
        "123456789012345",
        "12345678901234567",
        "a longer key than fifteen",
    ] {
        let mut map = KeyMap::default();
        map.insert(key.as_bytes(), 3);
        assert_eq!(map.get(key.as_bytes()), Some(3), "{key}");
        let entries: Vec<_> = map.entries().collect();
        assert_eq!(entries, vec![(key.as_bytes().to_vec(), 3)], "{key}");
    }
    let mut map = KeyMap::default();
    map.insert(b"61", 1);
    map.insert(b"0000061", 2);
    map.insert(b"00000061", 3);
    assert_eq!(map.get(b"61"), Some(1));
    assert_eq!(map.get(b"0000061"), Some(2));
    assert_eq!(map.get(b"00000061"), Some(3));
    assert_eq!(map.get(b"000000061"), None);
}

#[test]
fn sme_and_contract_type_flags() {
    let mut text = HEADER.to_owned();
    for (sme, ct) in [
        ("Y", "national framework"),
        ("yes", "National Framework"),
        ("TRUE", " long-term contract "),
        ("1", "long_term contract"),
        ("N", "local contract"),
        ("no", ""),
        ("false", "framework"),
        ("0", "Kontrak Jangka Panjang"),
        ("", "national frameworks"),
    ] {
        text.push_str(&format!("A,2012/13,,S1,Acme,,,{sme},{ct},1\n"));
    }
    let (y, n, ni) = (
        flag::SME_KNOWN | flag::SME,
        flag::SME_KNOWN,
        flag::NOT_INFLUENCEABLE,
    );
    assert_eq!(
        all_facts(&scan(&text)).flags,
        vec![y | ni, y | ni, y | ni, y | ni, n, n, n, n | ni, 0]
    );
}

#[test]
fn fiscal_year_from_the_column_or_the_date() {
    let text = format!(
        "{HEADER}A,2012/13,,S1,Acme,,,,,1\n\
         A,2013-14,,S1,Acme,,,,,1\n\
         A,FY2014/15,,S1,Acme,,,,,1\n\
         A,2015,,S1,Acme,,,,,1\n\
         A,,31/03/2013,S1,Acme,,,,,1\n\
         A,,2013-04-01,S1,Acme,,,,,1\n\
         A,2016/17,29/02/2016,S1,Acme,,,,,1\n"
    );
    let f = all_facts(&scan(&text));
    assert_eq!(f.year, vec![2012, 2013, 2014, 2015, 2012, 2013, 2016]);
    assert_eq!(
        f.date,
        vec![NO_DATE, NO_DATE, NO_DATE, NO_DATE, 15795, 15796, 16860]
    );
    // No fiscal_year column: years from the dates, by the calendar.
    let text = "anchor,payment_date,supplier_name,amount\n\
                A,31/03/2013,Acme,1\nA,1/4/2013,Acme,1\nA,2013-01-15 00:00:00,Acme,1\nA,31.12.2012,Acme,1\n";
    let uk = all_facts(&scan(text));
    assert_eq!(uk.year, vec![2012, 2013, 2012, 2012]);
    let cal = scan_with(text, 64, 2, FiscalCalendar::CALENDAR).unwrap();
    assert_eq!(all_facts(&cal).year, vec![2013, 2013, 2013, 2012]);
    for (y, m, d) in [(1970, 1, 1), (1900, 3, 1), (2013, 4, 1), (2200, 12, 31)] {
        assert_eq!(
            days_from_civil(y, m, d),
            crate::facts::day_number(jiff::civil::date(y as i16, m as i8, d as i8)),
            "as the store counts days"
        );
    }
    for bad in ["2012/14", "12/13"] {
        let errors = rejected(&format!("{HEADER}A,{bad},,S1,Acme,,,,,1\n"));
        assert_eq!(errors[0].column.as_deref(), Some("fiscal_year"), "{bad}");
    }
    for bad in ["29/02/2013", "2013/02/01", "31/13/2013", "1/1/13"] {
        let errors = rejected(&format!("{HEADER}A,,{bad},S1,Acme,,,,,1\n"));
        assert_eq!(errors[0].column.as_deref(), Some("payment_date"), "{bad}");
    }
}

#[test]
fn progress_reaches_the_file_size() {
    let text = format!("{HEADER}{}", "A,2012/13,,S1,Acme,,,,,1\n".repeat(100));
    let mut last = (0, 0);
    let opts = ScanOptions {
        block_size: 200,
        ..ScanOptions::new(FiscalCalendar::UK)
    };
    scan_reader(
        "p.csv",
        text.as_bytes(),
        text.len() as u64,
        &opts,
        &mut |done, total| {
            assert!(done >= last.0);
            last = (done, total);
        },
    )
    .unwrap();
    assert_eq!(last, (text.len() as u64, text.len() as u64));
}

#[test]
fn locations_from_postcodes_memoised_per_outward_code() {
    let sup = |p: Option<&str>| FileSupplier {
        id: None,
        name: "x".into(),
        postcode: p.map(str::to_owned),
    };
    let suppliers = [
        sup(Some("PR1 2HE")),
        sup(Some("pr12ab")),
        sup(Some("BB1 1AA")),
        sup(Some("M1 1AA")),
        sup(Some("ZZ9 9ZZ")),
        sup(None),
        sup(Some("P-R1")),
        sup(Some("42111")),
    ];
    let calls = Cell::new(0);
    let map: HashMap<&str, Location> = HashMap::from([
        ("PR1", Location::Local),
        ("BB1", Location::Regional),
        ("M1", Location::Outside),
        ("421", Location::Local),
    ]);
    let locate = |p: &str| {
        calls.set(calls.get() + 1);
        map.get(p).copied()
    };
    assert_eq!(
        classify_suppliers(&suppliers, &locate),
        vec![
            Location::Local,
            Location::Local,
            Location::Regional,
            Location::Outside,
            Location::Unknown,
            Location::Unknown,
            Location::Unknown,
            Location::Local,
        ]
    );
    assert_eq!(
        calls.get(),
        4 + 3,
        "PR1, BB1, M1, ZZ9 once each; 42111, 4211 and 421 for the kode pos"
    );

    // The quick memo key is the one PostalCode gives.
    for raw in [
        "PR1 2HE",
        "pr12he",
        " SW1A 1AA ",
        "M1",
        "42111",
        "EC1A1BB",
        "A",
    ] {
        let code = PostalCode::parse(raw).unwrap();
        let want = if code.is_uk() {
            code.outward()
        } else {
            code.as_str()
        };
        assert_eq!(memo_key(raw, &mut [0; 16]), Some(want), "{raw}");
    }
    assert_eq!(memo_key("P-R1", &mut [0; 16]), None);
    assert_eq!(memo_key("ÄB1 2CD", &mut [0; 16]), None);

    let code = |c: &str| AreaCode::parse(c).unwrap();
    let region = AreaPath::root(&code("E10000017"));
    let local = region.child(&code("E07000123"));
    let neighbour = region.child(&code("E07000120"));
    let elsewhere = AreaPath::root(&code("E92000001"));
    assert_eq!(location_of(&local, &local, &region), Location::Local);
    assert_eq!(
        location_of(&local.child(&code("W1")), &local, &region),
        Location::Local
    );
    assert_eq!(location_of(&neighbour, &local, &region), Location::Regional);
    assert_eq!(location_of(&region, &local, &region), Location::Regional);
    assert_eq!(location_of(&elsewhere, &local, &region), Location::Outside);
}

/// A small deterministic generator.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// A generated ledger scanned and reported gives the figures summed
/// straight from the rows.
#[test]
fn report_from_a_scanned_file_equals_the_sums_of_its_rows() {
    let anchors = ["Anchor A", "Anchor B", "Preston City Council"];
    let years = ["2012/13", "2013/14", "2014/15"];
    let postcodes = [
        ("PR1 1AA", Location::Local),
        ("BB1 2BB", Location::Regional),
        ("M1 3CC", Location::Outside),
        ("EC1A 1BB", Location::Outside),
        ("ZZ9 9ZZ", Location::Unknown),
        ("", Location::Unknown),
    ];
    let sics = ["", "81210", "62020", "41201"];
    let mut g = Lcg(42);
    // Suppliers: (id, name, postcode index, sic, sme).
    let suppliers: Vec<(Option<String>, String, usize, &str, &str)> = (0..60)
        .map(|i| {
            let id = (i % 5 != 0).then(|| format!("{:08}", i));
            let name = if i % 7 == 0 {
                format!("\"Smith, Jones & Co {i}\"")
            } else {
                format!("Supplier {i} Ltd")
            };
            (
                id,
                name,
                g.next(6) as usize,
                sics[g.next(4) as usize],
                ["Y", "N", ""][g.next(3) as usize],
            )
        })
        .collect();
    let mut text = HEADER.to_owned();
    #[derive(Default)]
    struct Expect {
        total: i64,
        local: i64,
        regional: i64,
        outside: i64,
        unknown: i64,
        sme: i64,
        infl_total: i64,
        infl_outside: i64,
        cells: BTreeMap<(String, i16), i64>,
        sector: BTreeMap<String, (i64, i64)>,
        leak: BTreeMap<String, i64>,
    }
    let mut e = Expect::default();
    for _ in 0..3000 {
        let s = &suppliers[g.next(60) as usize];
        let anchor = anchors[g.next(3) as usize];
        let yi = g.next(3) as usize;
        let framework = g.next(5) == 0;
        let pence = g.next(1_000_000) as i64 - 20_000;
        let amount = match g.next(3) {
            0 => format!(
                "{}{}.{:02}",
                if pence < 0 { "-" } else { "" },
                pence.abs() / 100,
                pence.abs() % 100
            ),
            1 => format!("{}", pence / 100),
            _ => format!("{}.{}", pence / 100, (pence.abs() % 100) / 10),
        };
        let minor = Money::parse_plain(&amount).unwrap().minor();
        let (pc, loc) = postcodes[s.2];
        text.push_str(&format!(
            "{anchor},{},,{},{},{pc},{},{},{},{amount}\n",
            years[yi],
            s.0.as_deref().unwrap_or(""),
            s.1,
            s.3,
            s.4,
            if framework {
                "national framework"
            } else {
                "local contract"
            },
        ));
        e.total += minor;
        match loc {
            Location::Local => {
                e.local += minor;
                e.regional += minor
            }
            Location::Regional => e.regional += minor,
            Location::Outside => e.outside += minor,
            Location::Unknown => e.unknown += minor,
        }
        if s.4 == "Y" {
            e.sme += minor;
        }
        if !framework {
            e.infl_total += minor;
            if loc == Location::Outside {
                e.infl_outside += minor;
            }
        }
        *e.cells
            .entry((anchor.to_owned(), 2012 + yi as i16))
            .or_default() += minor;
        let sec = e.sector.entry(s.3.to_owned()).or_default();
        sec.0 += minor;
        if loc == Location::Outside {
            sec.1 += minor;
            *e.leak.entry(s.1.trim_matches('"').to_owned()).or_default() += minor;
        }
    }

    let prefixes: HashMap<&str, Location> = HashMap::from([
        ("PR1", Location::Local),
        ("BB1", Location::Regional),
        ("M1", Location::Outside),
        ("EC1A", Location::Outside),
    ]);
    for (block, threads) in [(DEFAULT_BLOCK_SIZE, 1), (997, 2), (4096, 3)] {
        let ff = scan_with(&text, block, threads, FiscalCalendar::UK).unwrap();
        assert_eq!(ff.rows, 3000);
        assert_eq!(ff.suppliers.len(), 60);
        let locations = classify_suppliers(&ff.suppliers, &|p| prefixes.get(p).copied());
        let dims = ff.dimensions(FiscalCalendar::UK, locations);
        let r = compute(&ff.segments(), &dims, &ReportOptions::default()).unwrap();
        let m = Money::from_minor;
        assert_eq!(r.figures.total, m(e.total));
        assert_eq!(r.figures.local, m(e.local));
        assert_eq!(r.figures.regional, m(e.regional));
        assert_eq!(r.figures.outside, m(e.outside));
        assert_eq!(r.figures.unknown, m(e.unknown));
        assert_eq!(r.figures.sme, m(e.sme));
        assert_eq!(r.figures.payments, 3000);
        assert_eq!(r.influenceable.total, m(e.infl_total));
        assert_eq!(r.influenceable.outside, m(e.infl_outside));
        let cells: BTreeMap<(String, i16), i64> = r
            .by_anchor_year
            .iter()
            .map(|c| {
                (
                    (c.anchor.clone(), c.fiscal_year_start as i16),
                    c.figures.total.minor(),
                )
            })
            .collect();
        assert_eq!(cells, e.cells);
        let sectors: BTreeMap<String, (i64, i64)> = r
            .by_sector
            .iter()
            .map(|s| {
                (
                    s.sector.clone().unwrap_or_default(),
                    (s.total.minor(), s.leakage.minor()),
                )
            })
            .collect();
        assert_eq!(sectors, e.sector);
        let mut leak: Vec<(i64, String)> = e.leak.iter().map(|(k, v)| (*v, k.clone())).collect();
        leak.sort_by_key(|l| std::cmp::Reverse(l.0));
        let top: Vec<(i64, String)> = r
            .top_leaking_suppliers
            .iter()
            .map(|s| (s.leakage.minor(), s.supplier.clone()))
            .collect();
        assert_eq!(top, leak.into_iter().take(20).collect::<Vec<_>>());

        // Anchor ids too sparse for arrays take the hash-map path: the
        // same figures.
        let mut sparse: Vec<Facts> = ff.facts.clone();
        for f in &mut sparse {
            f.anchor.iter_mut().for_each(|a| *a += 1 << 21);
        }
        let mut sparse_dims = dims.clone();
        sparse_dims.anchors = dims
            .anchors
            .iter()
            .map(|(k, v)| (k + (1 << 21), v.clone()))
            .collect();
        let segments: Vec<&Facts> = sparse.iter().collect();
        let h = compute(&segments, &sparse_dims, &ReportOptions::default()).unwrap();
        assert_eq!(h.figures, r.figures);
        assert_eq!(h.influenceable, r.influenceable);
        let strip = |v: &serde_json::Value| {
            let mut v = v.clone();
            for k in ["by_anchor", "by_anchor_year"] {
                for c in v[k].as_array_mut().unwrap() {
                    c.as_object_mut().unwrap().remove("anchor_id");
                }
            }
            v
        };
        assert_eq!(
            strip(&serde_json::to_value(&h).unwrap()),
            strip(&serde_json::to_value(&r).unwrap())
        );
    }
}
