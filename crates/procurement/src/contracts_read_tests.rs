use super::*;
use crate::ocds::compile_owned;
use proptest::prelude::*;
use serde_json::{json, Value};

/// A release read typed, as the compiling reads it.
fn read_typed(text: &str) -> serde_json::Result<Release<'_>> {
    let mut release = Release::default();
    Release::read_into(text, &mut release).map(|()| release)
}

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

/// Whether releases are made with every mistake publishers make (an
/// object where a list is expected, a text where an object is), or only
/// with those the typed reading takes (any value where a text is read,
/// null anywhere).
#[derive(Clone, Copy)]
enum Shape {
    Wild,
    Tame,
}

/// An object as `fields` make it, or now and then null, or (wild) a text
/// or an array of them.
fn shaped(
    shape: Shape,
    fields: Vec<(&'static str, BoxedStrategy<Option<Value>>)>,
) -> BoxedStrategy<Value> {
    let object = object(fields);
    match shape {
        Shape::Wild => prop_oneof![
            6 => object.clone(),
            1 => scalar(),
            1 => prop::collection::vec(object, 0..2).prop_map(Value::Array),
        ]
        .boxed(),
        Shape::Tame => prop_oneof![6 => object, 1 => Just(Value::Null)].boxed(),
    }
}

fn list(shape: Shape, item: BoxedStrategy<Value>) -> BoxedStrategy<Value> {
    let item = match shape {
        Shape::Wild => item,
        // A null among objects makes a list one merged whole.
        Shape::Tame => item
            .prop_map(|v| if v.is_null() { json!({}) } else { v })
            .boxed(),
    };
    let items = prop::collection::vec(item, 0..4).prop_map(Value::Array);
    match shape {
        Shape::Wild => prop_oneof![
            6 => items,
            1 => scalar(),
            1 => prop::collection::vec(scalar(), 1..3).prop_map(Value::Array),
            // An object where a list was, holding only what is never read.
            1 => object(vec![("note", field(list_of_texts()))]),
        ]
        .boxed(),
        Shape::Tame => prop_oneof![6 => items, 1 => Just(Value::Null)].boxed(),
    }
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
fn coded(
    s: Shape,
    schemes: [&'static str; 2],
    ids: [Value; 2],
    more: &'static str,
) -> BoxedStrategy<Value> {
    let one_of = |[a, b]: [Value; 2]| field(prop_oneof![Just(a), Just(b), scalar()]);
    shaped(
        s,
        vec![
            ("scheme", one_of(schemes.map(Value::from))),
            ("id", one_of(ids)),
            (more, field(scalar())),
        ],
    )
}

fn identifier(s: Shape) -> BoxedStrategy<Value> {
    coded(
        s,
        ["GB-COH", "X"],
        [json!("01234567"), json!(99)],
        "legalName",
    )
}

fn classification(s: Shape) -> BoxedStrategy<Value> {
    coded(
        s,
        ["CPV", "cpv"],
        [json!("45233142-6"), json!("72000000")],
        "description",
    )
}

/// An address, its postcode in any of three places.
fn address(s: Shape) -> BoxedStrategy<Value> {
    let mut fields: Vec<_> = ["postalCode", "locality", "streetAddress"]
        .map(|name| (name, field(place())))
        .into();
    fields.push(("countryName", field(scalar())));
    shaped(s, fields)
}

fn party(s: Shape) -> BoxedStrategy<Value> {
    shaped(
        s,
        vec![
            ("id", field(id())),
            ("name", field(scalar())),
            ("identifier", field(identifier(s))),
            ("address", field(address(s))),
            (
                "details",
                field(shaped(
                    s,
                    vec![
                        ("scale", field(prop_oneof![Just(json!("Small")), scalar()])),
                        ("other", field(scalar())),
                    ],
                )),
            ),
            ("roles", field(list(Shape::Wild, scalar()))),
            (
                "contactPoint",
                field(shaped(Shape::Wild, vec![("email", field(scalar()))])),
            ),
        ],
    )
}

fn value(s: Shape) -> BoxedStrategy<Value> {
    shaped(
        s,
        vec![
            (
                "amount",
                field(prop_oneof![Just(json!(10)), Just(json!("2.50")), scalar()]),
            ),
            ("currency", field(prop_oneof![Just(json!("GBP")), scalar()])),
        ],
    )
}

/// A status, now and then `active`.
fn status() -> BoxedStrategy<Option<Value>> {
    field(prop_oneof![Just(json!("active")), scalar()])
}

fn award(s: Shape) -> BoxedStrategy<Value> {
    shaped(
        s,
        vec![
            ("id", field(id())),
            ("title", field(scalar())),
            ("status", status()),
            ("date", field(scalar())),
            ("value", field(value(s))),
            (
                "suppliers",
                field(list(
                    s,
                    shaped(
                        s,
                        vec![
                            ("id", field(id())),
                            ("name", field(prop_oneof![Just(json!("1")), scalar()])),
                        ],
                    ),
                )),
            ),
        ],
    )
}

fn tender(s: Shape) -> BoxedStrategy<Value> {
    shaped(
        s,
        vec![
            ("id", field(id())),
            ("title", field(scalar())),
            ("description", field(scalar())),
            ("status", status()),
            ("classification", field(classification(s))),
            (
                "additionalClassifications",
                field(list(s, classification(s))),
            ),
            (
                "items",
                field(list(
                    s,
                    shaped(
                        s,
                        vec![
                            ("id", field(id())),
                            ("description", field(scalar())),
                            ("classification", field(classification(s))),
                            (
                                "additionalClassifications",
                                field(list(s, classification(s))),
                            ),
                            ("quantity", field(scalar())),
                        ],
                    ),
                )),
            ),
            ("value", field(value(s))),
            (
                "tenderPeriod",
                field(shaped(
                    s,
                    vec![("startDate", field(scalar())), ("endDate", field(scalar()))],
                )),
            ),
            (
                "lots",
                field(list(
                    s,
                    shaped(s, vec![("id", field(id())), ("title", field(scalar()))]),
                )),
            ),
            (
                "suitability",
                field(shaped(Shape::Wild, vec![("sme", field(scalar()))])),
            ),
        ],
    )
}

fn release(s: Shape) -> BoxedStrategy<Value> {
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
        ("tag", field(list(Shape::Wild, scalar()))),
        ("initiationType", field(scalar())),
        (
            "buyer",
            field(shaped(
                s,
                vec![
                    ("id", field(id())),
                    ("name", field(scalar())),
                    ("identifier", field(identifier(s))),
                ],
            )),
        ),
        ("parties", field(list(s, party(s)))),
        ("awards", field(list(s, award(s)))),
        ("tender", field(tender(s))),
        ("contracts", field(list(Shape::Wild, award(Shape::Wild)))),
    ])
}

/// The process a set of releases compiles to by the general merge of
/// the whole releases.
fn merged_whole(texts: &[String]) -> Process {
    let releases = texts.iter().map(|t| serde_json::from_str(t).unwrap());
    Process::of(&compile_owned("o-1", releases.collect()))
}

fn compiled_typed(texts: &[String]) -> Process {
    let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    Process::compile_texts("o-1", &texts, &[]).unwrap().unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Releases shaped as the typed reading takes them are read so, and
    /// compile to the process the general merge of the whole releases
    /// gives.
    #[test]
    fn the_typed_merge_gives_the_process_the_general_merge_gives(
        releases in prop::collection::vec(release(Shape::Tame), 1..4)
    ) {
        let texts: Vec<String> = releases.iter().map(Value::to_string).collect();
        for text in &texts {
            prop_assert!(read_typed(text).is_ok(), "not read typed: {}", text);
        }
        prop_assert_eq!(compiled_typed(&texts), merged_whole(&texts));
    }

    /// Releases with every mistake compile to the same process too, read
    /// typed or (when a release is shaped otherwise) whole.
    #[test]
    fn badly_shaped_releases_give_the_process_the_general_merge_gives(
        releases in prop::collection::vec(release(Shape::Wild), 1..4)
    ) {
        let texts: Vec<String> = releases.iter().map(Value::to_string).collect();
        prop_assert_eq!(compiled_typed(&texts), merged_whole(&texts));
    }

    /// A release only scanned for what names it is kept (compiled, or
    /// found to hold by the checking way) only when the checking reading
    /// keeps it, named the same; releases of the shapes the typed reading
    /// takes, kept by the checking reading, are kept without it.
    #[test]
    fn a_scanned_release_is_kept_only_as_the_checking_reading_keeps_it(
        release in prop_oneof![release(Shape::Wild), release(Shape::Tame)]
    ) {
        let text = release.to_string();
        let lines = format!("{text}\n{text}\n");
        let mut scanned = Vec::new();
        crate::ocds::read_kept("r.jsonl", lines.as_bytes(), 1, true, |k| scanned.push(k)).ok();
        let checked = crate::ocds::read("r.jsonl", text.as_bytes())
            .ok()
            .map(|mut r| r.remove(0));
        for k in scanned.iter().filter(|k| !k.checked) {
            let named = Named { ocid: &k.ocid, identity: &k.identity, date: &k.date };
            let names = checked.as_ref().is_some_and(|r| {
                (r.ocid.as_str(), r.identity.as_str(), r.date.as_str())
                    == (named.ocid, named.identity, named.date)
            });
            let compiled = Process::compile_texts("o-1", &[&text], &[Some(named)]);
            prop_assert!(compiled.is_none() || names, "kept unlike the checking reading: {}", text);
            // The checking way that reads plain lines is stricter still.
            prop_assert!(!named.holds(&text) || names, "held unlike the checking reading: {}", text);
            if names && read_typed(&text).is_ok() {
                prop_assert!(compiled.is_some(), "read again needlessly: {}", text);
            }
        }
    }
}

/// What is read typed: the fields the process reads; of an award or a
/// lot, whether the others would stay; a key given twice, or an object where a list is descended
/// into, is not read typed (the process is then compiled from the whole
/// releases, to the same process).
#[test]
fn a_release_is_read_typed_only_where_it_has_the_shape_read() {
    let text = r#"{"ocid": "o-1", "id": "r1", "tag": ["tender"], "date": "2024-01-01",
        "tender": {"title": "Lamps", "description": "Long text", "items": [{"id": "1", "quantity": 3,
        "classification": {"scheme": "CPV", "id": "31500000", "description": null}}]},
        "awards": [{"id": "a", "status": "active"}, {"title": "x"}, {"title": null}, {"documents": [{}]}]}"#;
    let release = read_typed(text).unwrap();
    let awards = &release.awards.get().unwrap().0;
    assert_eq!(
        awards.iter().map(|a| a.other).collect::<Vec<_>>(),
        [false, true, false, false]
    );
    let tender = release.tender.get().unwrap();
    assert_eq!(text_of(&tender.title), Some("Lamps"));
    // Two awards stay: the one with an id and the one with a title.
    let process = compiled_typed(&[text.to_owned()]);
    assert_eq!(process.awards.len(), 2);
    assert_eq!(process, merged_whole(&[text.to_owned()]));
    assert_eq!(process.tender.cpv, ["31500000"]);

    // What an object not counted by position skips is only checked to be
    // JSON: a key given twice there changes nothing read.
    let twice = r#"{"ocid": "o-1", "buyer": {"id": "S"},
        "parties": [{"id": "S", "name": "Joinery", "roles": ["buyer"], "roles": null}]}"#;
    assert!(read_typed(twice).is_ok());
    let process = compiled_typed(&[twice.to_owned()]);
    assert_eq!(process.buyer.as_deref(), Some("Joinery"));
    assert_eq!(process, merged_whole(&[twice.to_owned()]));

    for shaped_otherwise in [
        r#"{"ocid": "o-1", "ocid": "o-2"}"#,
        r#"{"ocid": "o-1", "awards": [{"title": "x", "title": null}]}"#,
        r#"{"ocid": "o-1", "awards": [{"items": [{"a": 1, "a": null}]}]}"#,
        r#"{"ocid": "o-1", "buyer": ["B", "b"]}"#,
        r#"{"ocid": "o-1", "parties": {"note": "x"}}"#,
        r#"{"ocid": "o-1", "parties": ["x"]}"#,
    ] {
        assert!(read_typed(shaped_otherwise).is_err(), "{shaped_otherwise}");
        let text = shaped_otherwise.to_owned();
        assert_eq!(
            compiled_typed(std::slice::from_ref(&text)),
            merged_whole(&[text])
        );
    }
    // Regression: each key of an award was checked against all those
    // before it, so an award of a million keys took quadratic time; one
    // (or a value it skips) of more than MOST_KEYS goes to the general
    // merge.
    for (open, close) in [
        ("", ""),
        (r#""items": [{"#, "}]"),
        (r#""documents": {"#, "}"),
    ] {
        let many: Vec<String> = (0..=MOST_KEYS).map(|i| format!(r#""k{i}": {i}"#)).collect();
        let text = format!(
            r#"{{"ocid": "o-1", "awards": [{{"id": "a", {open}{}{close}}}]}}"#,
            many.join(", ")
        );
        assert!(read_typed(&text).is_err(), "{text}");
        assert_eq!(
            compiled_typed(std::slice::from_ref(&text)),
            merged_whole(&[text])
        );
    }
    assert!(Process::compile_texts("o-1", &["[1]"], &[])
        .unwrap()
        .is_err());
    assert!(
        Process::compile_texts("o-1", &[r#"{"ocid": "o-1"} x"#], &[])
            .unwrap()
            .is_err()
    );
}

fn text_of<'r>(leaf: &'r Slot<Leaf<'_>>) -> Option<&'r str> {
    text(leaf)
}
