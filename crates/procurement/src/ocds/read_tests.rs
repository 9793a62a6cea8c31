use super::*;
use serde_json::json;
use std::io::Write;

fn ocids(releases: &[Release]) -> Vec<(&str, &str, u64, &str)> {
    releases
        .iter()
        .map(|r| {
            (
                r.ocid.as_str(),
                r.identity.as_str(),
                r.line,
                r.path.as_str(),
            )
        })
        .collect()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

#[test]
fn every_shape_publishers_serve_is_read() {
    let r1 = json!({"ocid": "o-1", "id": "r1", "date": "2024-01-01"});
    let r2 = json!({"ocid": "o-1", "id": "r2", "date": "2024-02-01"});
    let package = json!({"uri": "x", "releases": [r1, r2]}).to_string();
    let got = read("p.json", package.as_bytes()).unwrap();
    assert_eq!(
        ocids(&got),
        vec![
            ("o-1", "r1", 1, "/releases/0"),
            ("o-1", "r2", 1, "/releases/1")
        ]
    );
    // The same, gzipped; and as an array; and one release alone.
    assert_eq!(read("p.json.gz", &gzip(package.as_bytes())).unwrap(), got);
    let array = json!([r1, r2]).to_string();
    assert_eq!(
        ocids(&read("a.json", array.as_bytes()).unwrap())[1],
        ("o-1", "r2", 1, "/1")
    );
    let one = read("r.json", r1.to_string().as_bytes()).unwrap();
    assert_eq!(ocids(&one), vec![("o-1", "r1", 1, "")]);
    // JSON Lines: a release or a package a line, blank lines between.
    let lines = format!("{r1}\n\n{}\n{r2}\n", json!({"releases": [r2]}));
    let got = read("l.jsonl", lines.as_bytes()).unwrap();
    assert_eq!(
        ocids(&got),
        vec![
            ("o-1", "r1", 1, ""),
            ("o-1", "r2", 3, "/releases/0"),
            ("o-1", "r2", 4, "")
        ]
    );
    // A record package: the compiled release when there is one, else the
    // record's releases.
    let records = json!({"records": [
        {"ocid": "o-1", "compiledRelease": {"ocid": "o-1", "id": "o-1-2024-02-01", "date": "2024-02-01"}, "releases": [r1]},
        {"ocid": "o-2", "releases": [{"ocid": "o-2", "id": "a", "date": "2024-03-01"}]}
    ]})
    .to_string();
    let got = read("rec.json", records.as_bytes()).unwrap();
    assert_eq!(
        ocids(&got),
        vec![
            ("o-1", "o-1-2024-02-01", 1, "/records/0/compiledRelease"),
            ("o-2", "a", 1, "/records/1/releases/0")
        ]
    );
}

#[test]
fn a_release_without_id_is_named_by_its_canonical_json() {
    let a = read(
        "a.json",
        br#"{"ocid": "o", "date": "2024-01-01", "tender": {"b": 1, "a": 2}}"#,
    )
    .unwrap();
    let b = read(
        "b.json",
        br#"{"tender": {"a": 2, "b": 1}, "date": "2024-01-01", "ocid": "o"}"#,
    )
    .unwrap();
    assert!(a[0].identity.starts_with("sha256:"), "{}", a[0].identity);
    assert_eq!(a[0].identity, b[0].identity);
    assert_eq!(a[0].id, None);
    let c = read(
        "c.json",
        br#"{"ocid": "o", "date": "2024-01-02", "tender": {"a": 2, "b": 1}}"#,
    )
    .unwrap();
    assert_ne!(a[0].identity, c[0].identity);
}

#[test]
fn problems_name_the_line_and_the_json_path() {
    let file = concat!(
        r#"{"ocid": "o-1", "id": "1", "tender": {"value": {"currency": "GBP"}}}"#,
        "\n",
        r#"{"id": "2", "awards": [{"id": "a", "value": {"amount": 5}}, {"id": "b", "value": {"amount": null}}]}"#,
        "\n"
    );
    let e = read("bad.jsonl", file.as_bytes()).unwrap_err();
    let got: Vec<(u64, Option<&str>, String)> = e
        .errors
        .iter()
        .map(|e| (e.line, e.column.as_deref(), e.message.to_string()))
        .collect();
    assert_eq!(
        got,
        vec![
            (
                1,
                Some("/tender/value"),
                "a value without amount".to_owned()
            ),
            (2, Some("/ocid"), "a release without ocid".to_owned()),
            (
                2,
                Some("/awards/1/value"),
                "a value without amount".to_owned()
            ),
        ]
    );
    let broken = read("broken.json", b"{\"releases\": [\n{\"ocid\": \"o\",}\n]}").unwrap_err();
    assert_eq!(broken.errors[0].line, 2);
    assert!(broken.errors[0]
        .message
        .to_string()
        .contains("not valid JSON"));
    let e = read("x.json", b"{\"publisher\": {}}").unwrap_err();
    assert_eq!(e.errors[0].column.as_deref(), Some("/ocid"));
    let e = read("n.json", b"[1]").unwrap_err();
    assert_eq!(e.errors[0].column.as_deref(), Some("/0"));
    assert!(read("e.json", b"  \n").is_err());
    assert!(read("g.json.gz", &[0x1f, 0x8b, 1, 2, 3]).is_err());
}

/// What `read_kept_in` hands out, in order, or the file's problems.
fn kept(bytes: &[u8], threads: usize, size: usize) -> Result<Vec<Kept<'_>>, Rejected> {
    let mut out = Vec::new();
    read_kept_in("r.jsonl", bytes, threads, size, false, |k| out.push(k)).map(|()| out)
}

#[test]
fn json_lines_read_in_chunks_on_threads_are_the_releases_of_the_whole_file_in_order() {
    let mut lines = String::from("\u{feff}");
    for i in 0..300 {
        match i % 3 {
            // A package on a line is unpacked; its releases are written compact.
            0 => lines.push_str(&format!(
                r#"{{"releases": [{{"ocid": "o-{i}", "id": "a", "date": "2024-01-01"}}, {{"ocid": "o-{i}", "date": "2024-02-01", "tag": []}}]}}"#
            )),
            _ => lines.push_str(&format!(
                r#"{{ "ocid": "o-{i}", "id": "{i}", "date": "2024-03-01", "tender": {{"value": {{"amount": 1.5}}}} }}"#
            )),
        }
        lines.push_str(if i % 7 == 0 { "\r\n\n" } else { "\n" });
    }
    let bytes = lines.as_bytes();
    let mut whole = Vec::new();
    read_each("r.jsonl", bytes, |r| whole.push(r)).unwrap();
    for (threads, size) in [(1, 1 << 20), (3, 64), (2, 1)] {
        let got = kept(bytes, threads, size).unwrap();
        assert_eq!(got.len(), 400);
        for (k, r) in got.iter().zip(&whole) {
            assert_eq!(
                (k.ocid.as_ref(), k.identity.as_ref(), k.date.as_ref()),
                (r.ocid.as_str(), r.identity.as_str(), r.date.as_str())
            );
            let text: Value = serde_json::from_str(&k.text).unwrap();
            assert_eq!(text, Value::Object(r.json.clone()));
        }
    }
    // A line's release is kept as the file gives it, spaces and all.
    assert_eq!(
        kept(bytes, 2, 64).unwrap()[2].text,
        r#"{ "ocid": "o-1", "id": "1", "date": "2024-03-01", "tender": {"value": {"amount": 1.5}} }"#
    );
}

#[test]
fn a_chunk_with_a_problem_refuses_the_file_as_a_whole_read_would() {
    let mut lines = String::new();
    for i in 0..100 {
        lines.push_str(&format!("{{\"ocid\": \"o-{i}\", \"id\": \"1\"}}\n"));
    }
    for bad in ["{\"id\": \"no ocid\"}\n", "{\"ocid\": \"o\",}\n"] {
        let bytes = format!("{lines}{bad}{lines}");
        let whole = read("r.jsonl", bytes.as_bytes()).unwrap_err();
        let chunked = kept(bytes.as_bytes(), 2, 50).unwrap_err();
        assert_eq!(chunked.errors, whole.errors);
        assert_eq!(chunked.errors[0].line, 101);
    }
    // Pretty-printed values after a first line that is whole are not JSON
    // Lines: read whole, every release once and in order.
    let pretty = b"{\"ocid\": \"a\", \"id\": \"1\"}\n{\"ocid\": \"b\",\n \"id\": \"2\"}\n{\"ocid\": \"c\", \"id\": \"3\"}\n";
    let got: Vec<String> = kept(pretty, 2, 1)
        .unwrap()
        .into_iter()
        .map(|k| k.ocid.into_owned())
        .collect();
    assert_eq!(got, ["a", "b", "c"]);
    // A gzipped file read here (not unpacked first) keeps each release's
    // own JSON, never bytes of the packed file.
    let mut packed = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut packed, pretty).unwrap();
    let packed = packed.finish().unwrap();
    let texts: Vec<Value> = kept(&packed, 2, 1)
        .unwrap()
        .into_iter()
        .map(|k| serde_json::from_str(&k.text).unwrap())
        .collect();
    assert_eq!(texts[1], serde_json::json!({"ocid": "b", "id": "2"}));
}

#[test]
fn a_plain_line_read_without_values_is_kept_as_a_value_read_keeps_it() {
    // Lines read without making values (`Some`) and those read as values
    // only (`None`): whichever way, the same releases are kept.
    let lines: [(&str, bool); 20] = [
        (
            r#"{"ocid": " o-1 ", "id": "r1", "date": "2024-01-01", "tender": {"value": {"amount": "12.50"}}}"#,
            true,
        ),
        (
            r#"  {"ocid":"o-1","id":7,"awards":[{"value":{"amount":3}},{"id":"a"}],"contracts":[]}	"#,
            true,
        ),
        (
            r#"{"ocid": "o-\u00e9\n", "id": "r\"1", "date": null, "tender": null, "awards": null}"#,
            true,
        ),
        (
            r#"{"ocid": "o-1", "id": "r1", "tender": {"value": null}, "date": "d\u0041"}"#,
            true,
        ),
        (
            r#"{"ocid": "o-1", "id": "r1", "tender": [null], "extra": {"releases": []}}"#,
            true,
        ),
        (r#"{"ocid": "o-1", "id": "r1", "date": 5}"#, false),
        (r#"{"ocid": "o-1", "id": "r1", "releases": null}"#, false),
        (r#"{"ocid": "o-1", "id": "r1", "records": 3}"#, false),
        (r#"{"releases": [{"ocid": "o-1", "id": "r1"}]}"#, false),
        (r#"[{"ocid": "o-1", "id": "r1"}]"#, false),
        (r#"["o-1", "r1", "2024", null, null, null, 0, 0]"#, false),
        (r#"{"ocid": "o-1", "date": "2024-01-01"}"#, false),
        (r#"{"ocid": "o-1", "id": "  "}"#, false),
        (r#"{"ocid": "o-1", "id": "r1", "ocid": "o-2"}"#, false),
        (r#"{"ocid": "o-1", "id": "r1", "tender": "x"}"#, false),
        (
            r#"{"ocid": "o-1", "id": "r1", "tender": {"value": "x"}}"#,
            false,
        ),
        (
            r#"{"ocid": "o-1", "id": "r1", "awards": {"value": {}}}"#,
            false,
        ),
        (
            r#"{"ocid": "o-1", "id": "r1", "awards": [{"value": {"amount": "1.5", "amount": 2}}]}"#,
            false,
        ),
        (
            r#"{"ocid": "o-1", "id": "r1"} {"ocid": "o-2", "id": "r2"}"#,
            false,
        ),
        ("\u{c}{\"ocid\": \"o-1\", \"id\": \"r1\"}", false),
    ];
    for (line, plain) in lines {
        let body = format!("\n{line}\r\n\n");
        let range = 0..body.len();
        let as_values = chunk_as_values(body.as_bytes(), range.clone());
        match plain_lines(body.as_bytes(), range, false) {
            Some(kept) => {
                assert!(plain, "read without values: {line}");
                assert_eq!(Some(kept), as_values, "{line}");
            }
            None => assert!(!plain, "not read without values: {line}"),
        }
    }
    // A chunk is read without values only when every line of it can be.
    let both = format!("{}\n{}\n", lines[0].0, lines[6].0);
    assert!(plain_lines(both.as_bytes(), 0..both.len(), false).is_none());
}

#[test]
fn a_line_failing_a_check_is_never_kept_by_the_plain_reading() {
    for line in [
        r#"{"ocid": "o-1", "id": "r1", "tender": {"value": {"currency": "GBP"}}}"#,
        r#"{"ocid": "o-1", "id": "r1", "awards": [{"value": {"amount": "1.234"}}]}"#,
        r#"{"ocid": "o-1", "id": "r1", "contracts": [{"value": {"amount": null}}]}"#,
        r#"{"ocid": "", "id": "r1"}"#,
        r#"{"id": "r1"}"#,
        r#"{"ocid": "o-1", "id": "r1",}"#,
    ] {
        assert!(
            plain_lines(line.as_bytes(), 0..line.len(), false).is_none(),
            "{line}"
        );
        assert!(read("r.jsonl", line.as_bytes()).is_err(), "{line}");
    }
}

/// A release's `id` of any kind names it as when the file is read whole
/// (the lines read as plain releases, and the others read as values); a
/// plain text `id` is borrowed from the file.
#[test]
fn ids_of_every_kind_name_releases_as_when_the_file_is_read_whole() {
    let ids = [
        r#""a""#,
        r#"" spaced ""#,
        r#""tab\tand \"quote\"""#,
        r#""\u0041""#,
        "7",
        "-3",
        "1.50",
        "1e3",
        "12345678901234567890",
        "0.1",
        r#""""#,
        "true",
        "null",
        "[1, [2]]",
        r#"{"x": {"y": 1}}"#,
    ];
    for id in ids {
        let lines = format!(
            "{{\"ocid\": \"o-1\", \"id\": {id}, \"date\": \"2024-01-01\"}}\n{{\"ocid\": \"o-2\", \"id\": \"b\"}}\n"
        );
        let mut whole = Vec::new();
        let read_whole = read_each("r.jsonl", lines.as_bytes(), |r| whole.push(r));
        match kept(lines.as_bytes(), 1, 1 << 20) {
            Ok(got) => {
                read_whole.unwrap_or_else(|e| panic!("{id}: {e:?}"));
                let got: Vec<&str> = got.iter().map(|k| k.identity.as_ref()).collect();
                let whole: Vec<&str> = whole.iter().map(|r| r.identity.as_str()).collect();
                assert_eq!(got, whole, "{id}");
            }
            Err(e) => assert_eq!(Err(e), read_whole, "{id}"),
        }
    }
    let plain = b"{\"ocid\": \"o-1\", \"id\": \" a \"}\n{\"ocid\": \"o-2\", \"id\": 2}\n";
    let got = kept(plain, 1, 1 << 20).unwrap();
    assert!(matches!(got[0].identity, std::borrow::Cow::Borrowed("a")));
    assert_eq!(got[1].identity, "2");
}

/// A scan reads what names a release from the start of its text and
/// stops there, unchecked; any other line is left to the checking way.
#[test]
fn a_scan_reads_what_names_a_release_and_stops() {
    use crate::ocds::scan::scan;
    let k = scan(r#"{"ocid": " o-1 ", "id": 7, "date": "2024", "tender": {broken"#).unwrap();
    assert_eq!(
        (&*k.ocid, &*k.identity, &*k.date, k.checked),
        ("o-1", "7", "2024", false)
    );
    // Without a date the text is read whole; a null date is none.
    assert_eq!(
        scan(r#"{"id": " a ", "ocid": "o-1"}"#).unwrap().identity,
        "a"
    );
    assert_eq!(
        scan(r#"{"ocid": "o-1", "date": null, "id": "a"}"#)
            .unwrap()
            .date,
        ""
    );
    for other in [
        r#"[{"ocid": "o-1", "id": "1", "date": ""}]"#,
        r#"{"releases": [], "ocid": "o-1", "id": "1", "date": ""}"#,
        r#"{"ocid": "o-1", "ocid": "o-2", "id": "1", "date": ""}"#,
        r#"{"ocid": "o-1", "date": ""}"#,
        r#"{"ocid": " ", "id": "1", "date": ""}"#,
        r#"{"ocid": 1, "id": "1", "date": ""}"#,
        r#"{"ocid": "o-1", "id": {}, "date": ""}"#,
        r#"{"ocid": "o-1", "id": "1", "date": 5}"#,
        r#"{"ocid": "o-1", "id": "1"} x"#,
    ] {
        assert!(scan(other).is_none(), "{other}");
    }
}
