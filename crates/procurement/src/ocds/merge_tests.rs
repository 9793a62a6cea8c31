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
