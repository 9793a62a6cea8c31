//! `lumbung procurement …` end to end: OCDS files in, compiled releases out.

use serde_json::{json, Value};
use std::io::Write;

mod common;
use common::Env;

#[test]
fn ocds_files_of_every_shape_import_once_and_compile() {
    let env = Env::new();
    let package = env.write(
        "package.json",
        &json!({"uri": "https://example.org/p.json", "releases": [
            {"ocid": "ocds-abc-1", "id": "1", "date": "2024-01-10T09:00:00Z", "tag": ["tender"],
             "buyer": {"id": "GB-LAC-E07000123", "name": "Preston City Council"},
             "tender": {"id": "T1", "title": "Street lighting", "status": "active",
                        "value": {"amount": 100000, "currency": "GBP"}}}
        ]})
        .to_string(),
    );
    // JSON Lines, gzipped: an award, then an update replacing its status.
    let lines = [
        json!({"ocid": "ocds-abc-1", "id": "2", "date": "2024-03-01T09:00:00Z", "tag": ["award"],
               "awards": [{"id": "A1", "status": "pending", "value": {"amount": 90000, "currency": "GBP"},
                           "suppliers": [{"id": "GB-COH-1", "name": "Lancashire Lamps Ltd"}]}]}),
        json!({"ocid": "ocds-abc-1", "id": "3", "date": "2024-03-15T09:00:00Z", "tag": ["awardUpdate"],
               "awards": [{"id": "A1", "status": "active"}], "tender": {"status": "complete"}}),
    ]
    .map(|l| l.to_string())
    .join("\n");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(lines.as_bytes()).unwrap();
    let gz_path = env.path("awards.jsonl.gz");
    std::fs::write(&gz_path, gz.finish().unwrap()).unwrap();
    let gz_path = gz_path.to_str().unwrap();

    let out = env.stdout(&["procurement", "import-ocds", &package, gz_path]);
    assert!(out.contains("releases: 3 stored, 0 already held"), "{out}");
    let again = env.stdout(&["procurement", "import-ocds", &package, gz_path]);
    assert!(
        again.contains("releases: 0 stored, 3 already held"),
        "{again}"
    );

    let compiled: Value = serde_json::from_str(&env.stdout(&[
        "procurement",
        "release",
        "ocds-abc-1",
        "--format",
        "json",
    ]))
    .unwrap();
    assert_eq!(compiled["tag"], json!(["compiled"]));
    assert_eq!(compiled["id"], "ocds-abc-1-2024-03-15T09:00:00Z");
    assert_eq!(compiled["date"], "2024-03-15T09:00:00Z");
    assert_eq!(compiled["tender"]["status"], "complete");
    assert_eq!(compiled["tender"]["title"], "Street lighting");
    assert_eq!(
        compiled["awards"],
        json!([{"id": "A1", "status": "active", "value": {"amount": 90000, "currency": "GBP"},
                "suppliers": [{"id": "GB-COH-1", "name": "Lancashire Lamps Ltd"}]}])
    );
}

#[test]
fn a_bad_file_refuses_the_import_whole_naming_line_and_path() {
    let env = Env::new();
    let good = env.write(
        "good.json",
        &json!({"ocid": "ocds-abc-2", "id": "1", "date": "2024-01-01"}).to_string(),
    );
    let bad = env.write(
        "bad.jsonl",
        &[
            json!({"ocid": "ocds-abc-3", "id": "1", "date": "2024-01-01"}).to_string(),
            json!({"ocid": "ocds-abc-3", "id": "2", "date": "2024-01-02",
                   "awards": [{"id": "A", "value": {"currency": "GBP"}}]})
            .to_string(),
        ]
        .join("\n"),
    );
    let out = env.output(&["procurement", "import-ocds", &good, &bad]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.jsonl"), "{err}");
    assert!(
        err.contains("2") && err.contains("/awards/0/value"),
        "{err}"
    );
    // Nothing of the good file was kept.
    let out = env.output(&["procurement", "release", "ocds-abc-2"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("ocds-abc-2"));
}
