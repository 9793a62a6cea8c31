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
