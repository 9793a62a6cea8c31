use super::*;
use serde_json::json;

fn compiled(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("{other}"),
    }
}

#[test]
fn postcodes_are_found_in_free_text() {
    assert_eq!(
        postcode_in("Unit 4, Preston PR1 2HE").as_deref(),
        Some("PR1 2HE")
    );
    assert_eq!(postcode_in("Lancaster, la14yw").as_deref(), Some("LA14YW"));
    assert_eq!(
        postcode_in("10 Downing St, London SW1A 2AA").as_deref(),
        Some("SW1A 2AA")
    );
    // The last match wins; a word inside a longer word does not match.
    assert_eq!(
        postcode_in("from BB1 1AA to PR2 3XY").as_deref(),
        Some("PR2 3XY")
    );
    assert_eq!(postcode_in("XPR12HEX road"), None);
    assert_eq!(
        postcode_in("Jl. Raya Serang No. 5, Ciruas 42182").as_deref(),
        Some("42182")
    );
    assert_eq!(postcode_in("Suite 100"), None);
}

/// Suppliers' postcodes appear only inside `streetAddress`; an award with
/// two suppliers is split equally (the odd hundredth to the first).
#[test]
fn awards_are_placed_by_their_suppliers_postcodes_and_split_equally() {
    let process = Process::of(&compiled(json!({
        "ocid": "o-1", "date": "2024-03-01T00:00:00Z",
        "buyer": {"id": "B", "name": "Preston City Council"},
        "tender": {"status": "active"},
        "parties": [
            {"id": "S1", "name": "Local Ltd", "address": {"streetAddress": "1 Fishergate, Preston PR1 2HE"},
             "details": {"scale": "micro"}},
            {"id": "S2", "name": "Far plc", "address": {"streetAddress": "1 High St", "locality": "Leeds LS1 1AA"},
             "details": {"scale": "large"}},
            {"id": "S3", "name": "Nowhere Ltd"}
        ],
        "awards": [
            {"id": "A1", "status": "active", "value": {"amount": 100.01, "currency": "GBP"},
             "suppliers": [{"id": "S1", "name": "Local Ltd"}, {"id": "S2", "name": "Far plc"}]},
            {"id": "A2", "status": "active", "value": {"amount": 50, "currency": "GBP"},
             "suppliers": [{"id": "S3", "name": "Nowhere Ltd"}]},
            {"id": "A3", "status": "pending", "value": {"amount": 999, "currency": "GBP"},
             "suppliers": [{"id": "S1"}]}
        ]
    })));
    assert_eq!(
        process.awards[0].suppliers[0].postcode.as_deref(),
        Some("PR1 2HE")
    );
    assert_eq!(
        process.awards[0].suppliers[1].postcode.as_deref(),
        Some("LS1 1AA")
    );
    let place = |pc: Option<&str>| match pc {
        Some(pc) if pc.starts_with("PR") => Place::Local,
        Some(_) => Place::Outside,
        None => Place::Unknown,
    };
    let releases = HashMap::from([("o-1".to_owned(), 3)]);
    let r = report(&[process], &releases, &place).unwrap();
    let got = serde_json::to_value(&r).unwrap();
    assert_eq!(got["processes"], 1);
    assert_eq!(got["releases"], 3);
    assert_eq!(got["open_tenders"], 1);
    assert_eq!(got["awards"], 2);
    assert_eq!(got["awarded_value"], json!({"GBP": "150.01"}));
    assert_eq!(got["awarded_sme"], json!({"GBP": "50.01"}));
    assert_eq!(
        got["by_location"],
        json!({"local": {"GBP": "50.01"}, "regional": {"GBP": "50.01"},
               "outside": {"GBP": "50.00"}, "unknown": {"GBP": "50.00"}})
    );
    assert_eq!(got["suppliers"], 3);
    assert_eq!(got["by_buyer"][0]["buyer"], "Preston City Council");
    assert_eq!(
        got["by_buyer"][0]["awarded_value"],
        json!({"GBP": "150.01"})
    );
}

#[test]
fn sums_that_do_not_fit_are_refused() {
    let p = Process {
        ocid: "o".into(),
        date: String::new(),
        buyer: None,
        buyer_identifier: None,
        tender_status: None,
        tender: Tender::default(),
        awards: (0..2)
            .map(|_| Award {
                id: None,
                status: Some("active".into()),
                date: String::new(),
                value: Some((Money::from_minor(i64::MAX - 1), "GBP".into())),
                suppliers: vec![],
            })
            .collect(),
    };
    let e = report(&[p], &HashMap::new(), &|_| Place::Unknown).unwrap_err();
    assert_eq!(e.currency, "GBP");
}

#[test]
fn filters_and_places_need_no_database() {
    let p = |buyer: &str, date: &str| Process {
        ocid: "o".into(),
        date: date.into(),
        buyer: Some(buyer.into()),
        buyer_identifier: None,
        tender_status: None,
        tender: Tender::default(),
        awards: vec![],
    };
    let day = |s: &str| s.parse::<jiff::civil::Date>().unwrap();
    let filter = Filter {
        buyer: Some(" preston city council".into()),
        from: Some(day("2024-01-01")),
        to: Some(day("2024-01-31")),
    };
    assert!(filter.keeps(&p("Preston City Council", "2024-01-31T23:00:00Z")));
    assert!(!filter.keeps(&p("Preston City Council", "2024-02-01T00:00:00Z")));
    assert!(!filter.keeps(&p("Lancashire Police", "2024-01-10")));
    assert!(!filter.keeps(&p("Preston City Council", "")));
    assert!(Filter::default().keeps(&p("x", "")));

    let placing = Placing {
        local: "/UK/E10000017/E07000123/".into(),
        region: "/UK/E10000017/".into(),
        located: HashMap::from([
            (
                "PR1 2HE".to_owned(),
                Some("/UK/E10000017/E07000123/".to_owned()),
            ),
            (
                "LA1 1AA".to_owned(),
                Some("/UK/E10000017/E07000121/".to_owned()),
            ),
            ("M1 1AA".to_owned(), Some("/UK/UK-OTHER/".to_owned())),
            ("ZZ1 1ZZ".to_owned(), None),
        ]),
    };
    assert_eq!(placing.place(Some("PR1 2HE")), Place::Local);
    assert_eq!(placing.place(Some("LA1 1AA")), Place::Regional);
    assert_eq!(placing.place(Some("M1 1AA")), Place::Outside);
    assert_eq!(placing.place(Some("ZZ1 1ZZ")), Place::Unknown);
    assert_eq!(placing.place(None), Place::Unknown);
}

/// A tender's CPV codes come from its classification, its additional
/// classifications and its items' (8 digits, once each); a party's
/// Companies House identifier is a company number as the registers write
/// it, another scheme's is kept with its scheme.
#[test]
fn tenders_and_identifiers_are_read_from_the_compiled_release() {
    let p = Process::of(&compiled(json!({
        "ocid": "o", "date": "2024-01-01",
        "tender": {"title": "Roads", "status": "active", "lots": [{"id": "1"}, {"id": "2"}],
            "classification": {"scheme": "CPV", "id": "45233142-6"},
            "additionalClassifications": [{"scheme": "CPV", "id": "45233000"}, {"scheme": "UNSPSC", "id": "72141000"}],
            "items": [{"id": "1", "classification": {"scheme": "cpv", "id": "45233142"}},
                      {"id": "2", "classification": {"scheme": "CPV", "id": "4523"}}],
            "value": {"amount": "1500.5", "currency": "GBP"},
            "tenderPeriod": {"endDate": "2024-02-01T12:00:00Z"}},
        "parties": [{"id": "S1", "name": "A", "identifier": {"scheme": "GB-COH", "id": "1234567"}},
                    {"id": "S2", "name": "B", "identifier": {"scheme": "GB-CHC", "id": 1100}}],
        "awards": [{"id": "A", "status": "active", "suppliers": [{"id": "S1"}, {"id": "S2"}]}]
    })));
    assert_eq!(p.tender.title.as_deref(), Some("Roads"));
    assert_eq!(p.tender.cpv, ["45233142", "45233000"]);
    assert_eq!(p.tender.lots, 2);
    assert_eq!(
        p.tender.value,
        Some((Money::from_minor(150_050), "GBP".into()))
    );
    assert_eq!(p.tender.closes.as_deref(), Some("2024-02-01T12:00:00Z"));
    let ids: Vec<Option<&str>> = p.awards[0]
        .suppliers
        .iter()
        .map(|s| s.identifier.as_deref())
        .collect();
    assert_eq!(ids, [Some("01234567"), Some("GB-CHC-1100")]);
    assert_eq!(p.awards[0].id.as_deref(), Some("A"));
}

/// A process's facts read back from their bytes are the same facts; bytes
/// they did not write are refused, never misread.
#[test]
fn facts_are_written_and_read_back_as_bytes() {
    let facts = Facts {
        tender_active: true,
        awards: vec![
            AwardFacts {
                value: Some((Money::from_minor(-12_345), "GBP")),
                suppliers: vec![
                    SupplierFacts {
                        who: Who::Supplier(SupplierId::new(7)),
                        sme: true,
                        postcode: Some("PR1 2HE"),
                    },
                    SupplierFacts {
                        who: Who::Party("S-2"),
                        sme: false,
                        postcode: None,
                    },
                ],
            },
            AwardFacts {
                value: None,
                suppliers: vec![],
            },
        ],
    };
    let bytes = facts.encode();
    assert_eq!(Facts::decode(&bytes), Some(facts));
    assert_eq!(Facts::decode(&bytes[..bytes.len() - 1]), None);
    assert_eq!(Facts::decode(&[bytes.clone(), vec![0]].concat()), None);
    assert_eq!(
        Facts::decode(&[1, 255, 255, 255, 255]),
        None,
        "a count past the end"
    );
}

proptest::proptest! {
    /// Regression: a negative award's hundredths left over were never
    /// given out (Rust's `%` of a negative number is negative), so its
    /// parts summed to less than the award.
    #[test]
    fn an_award_splits_into_parts_that_sum_to_it(minor in -1_000_000i64..1_000_000, n in 0usize..7) {
        let parts = split(Money::from_minor(minor), n);
        proptest::prop_assert_eq!(parts.len(), n);
        if n == 0 {
            return Ok(());
        }
        proptest::prop_assert_eq!(parts.iter().map(|p| p.minor()).sum::<i64>(), minor);
        let (low, high) = (parts.iter().min().unwrap().minor(), parts.iter().max().unwrap().minor());
        proptest::prop_assert!(high - low <= 1, "{:?}", parts);
        proptest::prop_assert!(parts.windows(2).all(|w| w[0] >= w[1]), "the first parts take the rest");
    }
}

#[test]
fn the_buyer_is_known_by_its_partys_identifier() {
    let of = |release: Value| Process::of(release.as_object().unwrap());
    let p = of(
        json!({"ocid": "o", "buyer": {"id": "B", "name": "Preston City Council"},
        "parties": [{"id": "B", "name": "Preston City Council",
                     "identifier": {"scheme": "GB-GOR", "id": "E07000123"}}]}),
    );
    assert_eq!(p.buyer.as_deref(), Some("Preston City Council"));
    assert_eq!(p.buyer_identifier.as_deref(), Some("GB-GOR-E07000123"));
    // A company number as the registers write it; the name from the party.
    let p = of(json!({"ocid": "o", "buyer": {"id": "B"},
        "parties": [{"id": "B", "name": "Anchor Trust", "identifier": {"scheme": "GB-COH", "id": "1234567"}}]}));
    assert_eq!(p.buyer.as_deref(), Some("Anchor Trust"));
    assert_eq!(p.buyer_identifier.as_deref(), Some("01234567"));
    // Without a party, a name and no identifier.
    let p = of(json!({"ocid": "o", "buyer": {"name": "Dinas Kesehatan"}}));
    assert_eq!(
        (p.buyer.as_deref(), p.buyer_identifier),
        (Some("Dinas Kesehatan"), None)
    );
}
