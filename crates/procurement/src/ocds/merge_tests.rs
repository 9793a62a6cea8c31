use super::*;
use serde_json::json;

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

fn compiled(releases: Vec<Value>) -> Value {
    let ocid = releases[0]["ocid"].as_str().unwrap().to_owned();
    let releases: Vec<Map<String, Value>> = releases.into_iter().map(object).collect();
    Value::Object(compile(&ocid, &releases))
}

/// The worked example of the OCDS documentation ("Merging"): an
/// opportunity announced, corrected, amended, then awarded to two bidders.
#[test]
fn the_worked_example_of_the_standard_compiles_to_its_record() {
    let ocid = "ocds-213czf-000-00001";
    let releases = vec![
        json!({"ocid": ocid, "id": "ocds-213czf-000-00001-05-award", "date": "2016-03-03T09:30:00Z",
               "tag": ["award"], "initiationType": "tender",
               "awards": [{"id": "ocds-213czf-000-00001-award-02", "title": "Award of contract B",
                           "status": "active", "value": {"amount": 750, "currency": "USD"},
                           "suppliers": [{"id": "GB-COH-5678", "name": "Company B"}]}]}),
        json!({"ocid": ocid, "id": "ocds-213czf-000-00001-01-tender", "date": "2016-01-01T09:30:00Z",
               "tag": ["tender"], "initiationType": "tender", "language": "en",
               "buyer": {"id": "GB-LAC-E09000003", "name": "London Borough of Barnet"},
               "tender": {"id": "ocds-213czf-000-00001-01-tender", "title": "Repairs to street lighting",
                          "description": "Repairs", "status": "active",
                          "value": {"amount": 1000, "currency": "USD"},
                          "items": [{"id": "1", "description": "Lamp posts",
                                     "classification": {"scheme": "CPV", "id": "45316110"},
                                     "additionalClassifications": [{"scheme": "CPV", "id": "1"}, {"scheme": "CPV", "id": "2"}]}]}}),
        json!({"ocid": ocid, "id": "ocds-213czf-000-00001-02-tender", "date": "2016-01-31T09:30:00Z",
               "tag": ["tenderUpdate"],
               "tender": {"description": "Repairs to street lighting across the borough",
                          "items": [{"id": "1", "additionalClassifications": [{"scheme": "CPV", "id": "3"}]}]}}),
        json!({"ocid": ocid, "id": "ocds-213czf-000-00001-03-tenderAmendment", "date": "2016-02-05T09:30:00Z",
               "tag": ["tenderAmendment"],
               "tender": {"value": {"amount": 2000}}}),
        json!({"ocid": ocid, "id": "ocds-213czf-000-00001-04-award", "date": "2016-03-01T09:30:00Z",
               "tag": ["award"],
               "awards": [{"id": "ocds-213czf-000-00001-award-01", "title": "Award of contract A",
                           "status": "active", "value": {"amount": 750, "currency": "USD"},
                           "suppliers": [{"id": "GB-COH-1234", "name": "Company A"}]}]}),
    ];
    let want = json!({
        "ocid": ocid,
        "id": "ocds-213czf-000-00001-2016-03-03T09:30:00Z",
        "date": "2016-03-03T09:30:00Z",
        "tag": ["compiled"],
        "initiationType": "tender",
        "language": "en",
        "buyer": {"id": "GB-LAC-E09000003", "name": "London Borough of Barnet"},
        "tender": {"id": "ocds-213czf-000-00001-01-tender", "title": "Repairs to street lighting",
                   "description": "Repairs to street lighting across the borough", "status": "active",
                   "value": {"amount": 2000, "currency": "USD"},
                   "items": [{"id": "1", "description": "Lamp posts",
                              "classification": {"scheme": "CPV", "id": "45316110"},
                              "additionalClassifications": [{"scheme": "CPV", "id": "3"}]}]},
        "awards": [
            {"id": "ocds-213czf-000-00001-award-01", "title": "Award of contract A", "status": "active",
             "value": {"amount": 750, "currency": "USD"},
             "suppliers": [{"id": "GB-COH-1234", "name": "Company A"}]},
            {"id": "ocds-213czf-000-00001-award-02", "title": "Award of contract B", "status": "active",
             "value": {"amount": 750, "currency": "USD"},
             "suppliers": [{"id": "GB-COH-5678", "name": "Company B"}]}
        ]
    });
    assert_eq!(compiled(releases), want);
}

/// An `awardUpdate` replaces what it names of an award, a `null` removes
/// a field, and a list of strings is replaced whole.
#[test]
fn an_award_update_changes_its_award_and_a_null_removes_a_field() {
    let got = compiled(vec![
        json!({"ocid": "o", "id": "1", "date": "2024-01-01", "tag": ["award"],
               "tender": {"submissionMethod": ["electronicSubmission", "written"], "status": "active"},
               "awards": [{"id": "A1", "status": "pending", "value": {"amount": 100, "currency": "GBP"},
                           "description": "first"},
                          {"id": "A2", "status": "active"}]}),
        json!({"ocid": "o", "id": "2", "date": "2024-02-01", "tag": ["awardUpdate"],
               "tender": {"submissionMethod": ["written"], "status": "complete"},
               "awards": [{"id": "A1", "status": "active", "value": {"amount": 120}, "description": null}]}),
    ]);
    assert_eq!(
        got["awards"],
        json!([{"id": "A1", "status": "active", "value": {"amount": 120, "currency": "GBP"}},
               {"id": "A2", "status": "active"}])
    );
    assert_eq!(
        got["tender"],
        json!({"submissionMethod": ["written"], "status": "complete"})
    );
    assert_eq!(got["tag"], json!(["compiled"]));
    assert_eq!(got["id"], json!("o-2024-02-01"));
}

/// Releases merge in date order whatever order they come in; releases of
/// one date keep theirs.
#[test]
fn releases_merge_in_date_order() {
    let a = json!({"ocid": "o", "id": "a", "date": "2024-03-01", "tender": {"title": "third"}});
    let b = json!({"ocid": "o", "id": "b", "date": "2024-01-01", "tender": {"title": "first"}});
    let c = json!({"ocid": "o", "id": "c", "date": "2024-02-01", "tender": {"title": "second"}});
    let d = json!({"ocid": "o", "id": "d", "date": "2024-03-01", "tender": {"title": "fourth"}});
    let got = compiled(vec![a.clone(), b.clone(), c.clone(), d.clone()]);
    assert_eq!(got["tender"]["title"], "fourth");
    assert_eq!(got["date"], "2024-03-01");
    let got = compiled(vec![d, c, b, a]);
    assert_eq!(got["tender"]["title"], "third");
}

/// Inside one release, entries with one `id` are one entry, the later
/// winning; objects without an `id` are appended; empty objects and
/// arrays change nothing, while an empty list of strings replaces.
#[test]
fn repeated_ids_missing_ids_and_empty_values() {
    let got = compiled(vec![
        json!({"ocid": "o", "id": "1", "date": "2024-01-01",
               "parties": [{"id": "P1", "name": "First", "roles": ["supplier"]},
                           {"id": "P1", "name": "Later", "address": {"postalCode": "PR1 2HE"}}],
               "planning": {"milestones": [{"title": "no id"}]},
               "tender": {"title": "T", "submissionMethod": ["written"], "items": [{"id": "1"}]}}),
        json!({"ocid": "o", "id": "2", "date": "2024-01-02",
               "planning": {"milestones": [{"title": "no id either"}]},
               "tender": {"items": [], "value": {}, "submissionMethod": []},
               "awards": []}),
    ]);
    assert_eq!(
        got["parties"],
        json!([{"id": "P1", "name": "Later", "roles": ["supplier"], "address": {"postalCode": "PR1 2HE"}}])
    );
    assert_eq!(
        got["planning"]["milestones"],
        json!([{"title": "no id"}, {"title": "no id either"}])
    );
    assert_eq!(
        got["tender"],
        json!({"title": "T", "submissionMethod": [], "items": [{"id": "1"}]})
    );
    assert!(got.get("awards").is_none(), "{got}");
}

/// What merging `value` into an empty value of its kind makes, by the
/// general rule ([`merge_field`]): what [`fresh`] makes in place.
fn merged_into_nothing(key: &str, value: Json<'static>) -> Option<Json<'static>> {
    let mut held = match &value {
        Json::Object(_) => Json::Object(Object::default()),
        Json::Array(items) if merges_by_id(key, items) => Json::Array(Vec::new()),
        _ => return Some(value),
    };
    merge_field(&mut held, key, value);
    let empty = match &held {
        Json::Object(map) => map.is_empty(),
        Json::Array(items) => items.is_empty(),
        _ => false,
    };
    (!empty).then_some(held)
}

fn json_value() -> impl proptest::strategy::Strategy<Value = Value> {
    use proptest::prelude::*;
    let leaf = prop_oneof![
        Just(Value::Null),
        Just(json!(true)),
        Just(json!(1)),
        Just(json!("1")),
        Just(json!("2")),
        Just(json!("x")),
    ];
    leaf.prop_recursive(4, 40, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop::sample::select(vec![
                        "id",
                        "a",
                        "items",
                        "roles",
                        "additionalClassifications"
                    ]),
                    inner
                ),
                0..4
            )
            .prop_map(|fields| Value::Object(
                fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
            )),
        ]
    })
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]

    #[test]
    fn a_fresh_value_is_what_merging_it_into_nothing_makes(
        key in proptest::sample::select(vec!["items", "roles", "tender"]),
        value in json_value()
    ) {
        let value = Json::from_value(value);
        proptest::prop_assert_eq!(fresh(key, value.clone()), merged_into_nothing(key, value));
    }
}

/// An id of the kinds `ById` tells apart: texts, integers, decimals (0.0
/// and -0.0 equal), booleans, null, and arrays and objects.
fn any_id() -> impl proptest::strategy::Strategy<Value = Value> {
    use proptest::prelude::*;
    prop_oneof![
        (0..40u8).prop_map(|n| json!(format!("id-{n}"))),
        (0..40u64).prop_map(|n| json!(n)),
        (-5..0i64).prop_map(|n| json!(n)),
        prop_oneof![Just(0.0f64), Just(-0.0), Just(1.0), Just(2.5)].prop_map(|f| json!(f)),
        any::<bool>().prop_map(|b| json!(b)),
        Just(Value::Null),
        (0..3u8).prop_map(|n| json!([n])),
        (0..3u8).prop_map(|n| json!({"n": n})),
    ]
}

proptest::proptest! {
    /// Entries found by id, in lists short and long, are those a scan
    /// finds: the first entry whose id equals, as JSON.
    #[test]
    fn entries_are_found_by_id_as_a_scan_finds_them(
        steps in proptest::collection::vec((any_id(), proptest::bool::ANY), 0..200)
    ) {
        let mut entries: Vec<Json<'static>> = Vec::new();
        let mut by_id = ById::default();
        for (id, push) in steps {
            let id = Json::from_value(id);
            if !id.is_null() {
                let scanned = entries.iter().position(|e| entry_id(e) == Some(&id));
                proptest::prop_assert_eq!(by_id.find(&entries, entry_id, &id), scanned);
            }
            if push {
                let mut entry = Object::default();
                entry.insert("id", id);
                entries.push(Json::Object(entry));
                by_id.pushed(&entries, entry_id);
            }
        }
    }
}

/// A release naming 20,000 parties, merged into a compiled release that
/// names 20,000 others: each party looked up by its id, not compared with
/// every party before it (200 million comparisons before).
#[test]
fn long_lists_merge_without_comparing_every_pair() {
    let parties = |from: usize| -> Vec<Json<'static>> {
        (from..from + 20_000)
            .map(|n| Json::from_value(json!({"id": format!("P{n}"), "name": format!("Firm {n}")})))
            .collect()
    };
    let mut held = Json::Array(parties(0));
    let later = Json::Array([parties(10_000), parties(30_000)].concat());
    merge_field(&mut held, "parties", later);
    let Json::Array(merged) = &held else {
        panic!("an array")
    };
    assert_eq!(merged.len(), 50_000, "10,000 merged into those held");
    let mut by_id = ById::default();
    for n in [0, 19_999, 29_999, 49_999] {
        let id = Json::from_value(json!(format!("P{n}")));
        assert!(by_id.find(merged, entry_id, &id).is_some(), "P{n}");
    }
    assert_eq!(by_id.compared, 0, "a long list is looked up, not scanned");
    let mut short = ById::default();
    let few = parties(0);
    short.find(&few[..3], entry_id, &Json::from_value(json!("P2")));
    assert_eq!(short.compared, 3, "a short one is scanned");
}
