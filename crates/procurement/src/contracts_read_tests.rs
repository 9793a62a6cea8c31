use super::*;
use crate::ocds::{compile_json, compile_owned, Json};
use proptest::prelude::*;
use serde_json::{json, Value};

/// A value of `value`'s kind, or absent (`None`).
fn field(value: impl Strategy<Value = Value> + 'static) -> BoxedStrategy<Option<Value>> {
    prop::option::of(value).boxed()
}

/// An object of the fields given (those present).
fn object(fields: Vec<(&'static str, BoxedStrategy<Option<Value>>)>) -> BoxedStrategy<Value> {
    let (names, values): (Vec<_>, Vec<_>) = fields.into_iter().unzip();
    values
        .prop_map(move |values| {
            Value::Object(
                names
                    .iter()
                    .zip(values)
                    .filter_map(|(name, value)| Some(((*name).to_owned(), value?)))
                    .collect(),
            )
        })
        .boxed()
}

/// What a publisher may put where a text is expected.
fn scalar() -> BoxedStrategy<Value> {
    prop_oneof![
        Just(Value::Null),
        Just(json!("a")),
        Just(json!("B")),
        Just(json!(" ")),
        Just(json!("Unit 2, Preston PR1 2HE")),
        Just(json!("sme")),
        Just(json!(1)),
        Just(json!(2.5)),
        Just(json!(true)),
        Just(json!({})),
        Just(json!([])),
    ]
    .boxed()
}

fn id() -> BoxedStrategy<Value> {
    prop_oneof![
        4 => Just(json!("1")),
        1 => Just(json!("2")),
        1 => Just(json!(1)),
        1 => Just(json!(" ")),
        1 => Just(Value::Null),
    ]
    .boxed()
}

/// Where an address's text may hold a postcode.
fn place() -> BoxedStrategy<Value> {
    prop_oneof![
        Just(json!("Unit 2, Preston PR1 2HE")),
        Just(json!("Ciruas 42182")),
        scalar()
    ]
    .boxed()
}

/// An object as `fields` make it, or now and then null, a text or an
/// array of them (publishers make every mistake).
fn shaped(fields: Vec<(&'static str, BoxedStrategy<Option<Value>>)>) -> BoxedStrategy<Value> {
    let object = object(fields);
    prop_oneof![
        6 => object.clone(),
        1 => scalar(),
        1 => prop::collection::vec(object, 0..2).prop_map(Value::Array),
    ]
    .boxed()
}

fn list(item: BoxedStrategy<Value>) -> BoxedStrategy<Value> {
    prop_oneof![
        6 => prop::collection::vec(item, 0..4).prop_map(Value::Array),
        1 => scalar(),
        1 => prop::collection::vec(scalar(), 1..3).prop_map(Value::Array),
        // An object where a list was, holding only what is never read.
        1 => object(vec![("note", field(list_of_texts()))]),
    ]
    .boxed()
}

/// A field the process never reads: a text, or a list of texts (empty
/// or not).
fn list_of_texts() -> BoxedStrategy<Value> {
    prop_oneof![
        scalar(),
        prop::collection::vec(scalar(), 0..2).prop_map(Value::Array),
    ]
    .boxed()
}

/// A scheme and an id in it (as an identifier or a classification has),
/// each one of those given or anything else.
fn coded(schemes: [&'static str; 2], ids: [Value; 2], more: &'static str) -> BoxedStrategy<Value> {
    let one_of = |[a, b]: [Value; 2]| field(prop_oneof![Just(a), Just(b), scalar()]);
    shaped(vec![
        ("scheme", one_of(schemes.map(Value::from))),
        ("id", one_of(ids)),
        (more, field(scalar())),
    ])
}

fn identifier() -> BoxedStrategy<Value> {
    coded(["GB-COH", "X"], [json!("01234567"), json!(99)], "legalName")
}

fn classification() -> BoxedStrategy<Value> {
    coded(
        ["CPV", "cpv"],
        [json!("45233142-6"), json!("72000000")],
        "description",
    )
}

/// An address, its postcode in any of three places.
fn address() -> BoxedStrategy<Value> {
    let mut fields: Vec<_> = ["postalCode", "locality", "streetAddress"]
        .map(|name| (name, field(place())))
        .into();
    fields.push(("countryName", field(scalar())));
    shaped(fields)
}

fn party() -> BoxedStrategy<Value> {
    shaped(vec![
        ("id", field(id())),
        ("name", field(scalar())),
        ("identifier", field(identifier())),
        ("address", field(address())),
        (
            "details",
            field(shaped(vec![
                ("scale", field(prop_oneof![Just(json!("Small")), scalar()])),
                ("other", field(scalar())),
            ])),
        ),
        ("roles", field(list(scalar()))),
        (
            "contactPoint",
            field(shaped(vec![("email", field(scalar()))])),
        ),
    ])
}

fn value() -> BoxedStrategy<Value> {
    shaped(vec![
        (
            "amount",
            field(prop_oneof![Just(json!(10)), Just(json!("2.50")), scalar()]),
        ),
        ("currency", field(prop_oneof![Just(json!("GBP")), scalar()])),
    ])
}

/// A status, now and then `active`.
fn status() -> BoxedStrategy<Option<Value>> {
    field(prop_oneof![Just(json!("active")), scalar()])
}

fn award() -> BoxedStrategy<Value> {
    shaped(vec![
        ("id", field(id())),
        ("title", field(scalar())),
        ("status", status()),
        ("date", field(scalar())),
        ("value", field(value())),
        (
            "suppliers",
            field(list(shaped(vec![
                ("id", field(id())),
                ("name", field(prop_oneof![Just(json!("1")), scalar()])),
            ]))),
        ),
    ])
}

fn tender() -> BoxedStrategy<Value> {
    shaped(vec![
        ("id", field(id())),
        ("title", field(scalar())),
        ("description", field(scalar())),
        ("status", status()),
        ("classification", field(classification())),
        ("additionalClassifications", field(list(classification()))),
        (
            "items",
            field(list(shaped(vec![
                ("id", field(id())),
                ("description", field(scalar())),
                ("classification", field(classification())),
                ("additionalClassifications", field(list(classification()))),
                ("quantity", field(scalar())),
            ]))),
        ),
        ("value", field(value())),
        (
            "tenderPeriod",
            field(shaped(vec![
                ("startDate", field(scalar())),
                ("endDate", field(scalar())),
            ])),
        ),
        (
            "lots",
            field(list(shaped(vec![
                ("id", field(id())),
                ("title", field(scalar())),
            ]))),
        ),
        ("suitability", field(shaped(vec![("sme", field(scalar()))]))),
    ])
}

fn release() -> BoxedStrategy<Value> {
    object(vec![
        ("ocid", field(Just(json!("o-1")))),
        ("id", field(id())),
        (
            "date",
            field(prop_oneof![
                Just(json!("2024-01-01")),
                Just(json!("2024-01-02")),
                scalar()
            ]),
        ),
        ("tag", field(list(scalar()))),
        ("initiationType", field(scalar())),
        (
            "buyer",
            field(shaped(vec![
                ("id", field(id())),
                ("name", field(scalar())),
                ("identifier", field(identifier())),
            ])),
        ),
        ("parties", field(list(party()))),
        ("awards", field(list(award()))),
        ("tender", field(tender())),
        ("contracts", field(list(award()))),
    ])
}

/// The process a set of releases compiles to, each release read whole or
/// as [`Process::read_release`] reads it.
fn process_of(texts: &[String], partly: bool) -> Process {
    if partly {
        let releases = texts.iter().map(|t| Process::read_release(t).unwrap());
        Process::of_json(&compile_json("o-1", releases.collect()))
    } else {
        let releases = texts.iter().map(|t| serde_json::from_str(t).unwrap());
        Process::of(&compile_owned("o-1", releases.collect()))
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Releases read only as far as the process needs compile to the same
    /// process as the whole releases.
    #[test]
    fn reading_part_of_each_release_gives_the_same_process(
        releases in prop::collection::vec(release(), 1..4)
    ) {
        let texts: Vec<String> = releases.iter().map(Value::to_string).collect();
        prop_assert_eq!(process_of(&texts, true), process_of(&texts, false));
    }
}

/// What is skipped leaves a field `""` where it would have stayed in the
/// compiled release, none where it would not (a null, an empty object).
#[test]
fn what_the_process_never_reads_is_skipped() {
    let text = r#"{"ocid": "o-1", "id": "r1", "tag": ["tender"], "date": "2024-01-01",
        "tender": {"title": "Lamps", "description": "Long text", "items": [{"id": "1", "quantity": 3,
        "classification": {"scheme": "CPV", "id": "31500000", "description": null}}]},
        "parties": [{"id": "S", "name": "Joinery Ltd", "roles": ["supplier"],
        "address": {"postalCode": "PR1 2HE", "countryName": "United Kingdom"}},
        {"roles": []}, {"contactPoint": {"email": null}}]}"#;
    assert_eq!(
        Json::Object(Process::read_release(text).unwrap()).into_value(),
        json!({"ocid": "o-1", "date": "2024-01-01", "": true,
            "tender": {"title": "Lamps", "": true, "items": [{"id": "1", "": true,
                "classification": {"scheme": "CPV", "id": "31500000"}}]},
            "parties": [
                {"id": "S", "name": "Joinery Ltd", "": true,
                 "address": {"postalCode": "PR1 2HE", "": true}},
                {"": true},
                {}]})
    );
    assert!(Process::read_release("[1]").is_err());
    assert!(Process::read_release(r#"{"ocid": "o-1"} x"#).is_err());
}
