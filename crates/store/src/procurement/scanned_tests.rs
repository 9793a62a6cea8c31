//! An import of JSON Lines scans each release for what names it and
//! checks it whole as its process is compiled: a release that is not what
//! its scan said sends the files back to be read the checking way, which
//! refuses them with their problems (nothing kept) or keeps what it keeps.

use super::*;
use crate::test_support::store;

fn actor() -> Actor {
    Actor::Cli {
        os_user: "test".into(),
    }
}

/// `lines` as a JSON Lines file.
fn jsonl(name: &str, lines: &[String]) -> (String, Vec<u8>) {
    (name.to_owned(), lines.join("\n").into_bytes())
}

/// A release of process `o-{n}` that passes every check.
fn good(n: usize) -> String {
    format!(
        r#"{{"ocid": "o-{n}", "id": "1", "date": "2024-01-01", "awards": [{{"id": "A", "status": "active", "value": {{"amount": 5, "currency": "GBP"}}}}]}}"#
    )
}

/// Releases and processes held.
fn held(s: &Store) -> (i64, i64) {
    let conn = s.conn().unwrap();
    let count = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap();
    (
        count("SELECT coalesce(sum(releases), 0) FROM ocds_release_chunks"),
        count("SELECT count(*) FROM ocds_processes"),
    )
}

/// Problems after what names a release, in a file of more processes than
/// a batch (so that batches before it were saved): refused with the line
/// and path the checking reading gives, nothing kept.
#[test]
fn a_problem_after_what_names_a_release_refuses_the_file_with_its_line() {
    let bad_ones = [
        (
            r#""awards": [{"id": "A", "value": {"currency": "GBP"}}]"#,
            "/awards/0/value",
        ),
        (
            r#""tender": {"value": {"amount": "1.234"}}"#,
            "/tender/value/amount",
        ),
        (
            r#""contracts": [{"value": {"amount": null}}]"#,
            "/contracts/0/value",
        ),
    ];
    for (bad, path) in bad_ones {
        let (_d, s) = store();
        let mut lines: Vec<String> = (0..700).map(good).collect();
        lines[600] = format!(r#"{{"ocid": "o-600", "id": "1", "date": "2024-01-01", {bad}}}"#);
        let e = s
            .import_ocds(&[jsonl("a.jsonl", &lines)], &actor())
            .unwrap_err();
        let StoreError::Rejected(rejected) = e else {
            panic!("{e}")
        };
        assert_eq!(rejected.file, "a.jsonl");
        let problem = &rejected.errors[0];
        assert_eq!(
            (problem.line, problem.column.as_deref()),
            (601, Some(path)),
            "{bad}"
        );
        assert_eq!(held(&s), (0, 0), "{bad}");
    }
}

/// A line of broken JSON past what names its release refuses the file.
#[test]
fn a_line_broken_past_what_names_it_refuses_the_file() {
    let (_d, s) = store();
    let broken = r#"{"ocid": "o-1", "id": "1", "date": "2024-01-01", "tender": {"title": "x",}}"#;
    let lines = [good(0), broken.to_owned(), good(2)];
    let e = s
        .import_ocds(&[jsonl("a.jsonl", &lines)], &actor())
        .unwrap_err();
    assert!(
        matches!(&e, StoreError::Rejected(r) if r.errors[0].line == 2),
        "{e}"
    );
    assert_eq!(held(&s), (0, 0));
}

/// A line that names its release again past where the scan stopped (a
/// second `ocid`, a package's `releases`), or goes on past its release,
/// is kept as the checking reading keeps it: the later `ocid`, the
/// package's releases, each value of the line.
#[test]
fn a_release_named_again_past_its_start_is_kept_as_the_checking_reading_keeps_it() {
    let (_d, s) = store();
    let lines = [
        good(0),
        r#"{"ocid": "o-1", "id": "1", "date": "2024-01-01", "ocid": "o-9"}"#.to_owned(),
        r#"{"ocid": "o-2", "id": "1", "date": "2024-01-01", "releases": [{"ocid": "o-3", "id": "7"}]}"#
            .to_owned(),
        r#"{"ocid": "o-4", "id": "1", "date": "2024-01-01"} {"ocid": "o-5"}"#.to_owned(),
    ];
    let summary = s
        .import_ocds(&[jsonl("a.jsonl", &lines)], &actor())
        .unwrap();
    assert_eq!((summary.releases, summary.processes), (5, 5));
    assert!(s.ocds_compiled("o-5").unwrap().is_some());
    assert!(s.ocds_compiled("o-9").unwrap().is_some());
    assert!(s.ocds_compiled("o-3").unwrap().is_some());
    assert!(s.ocds_compiled("o-1").unwrap().is_none());
    assert!(s.ocds_compiled("o-2").unwrap().is_none());
}

/// A release held already is skipped, yet checked whole all the same: a
/// file whose skipped release is broken past what names it is refused.
#[test]
fn a_skipped_release_is_checked_whole() {
    let (_d, s) = store();
    let lines: Vec<String> = (0..3).map(good).collect();
    s.import_ocds(&[jsonl("a.jsonl", &lines)], &actor())
        .unwrap();
    let mut again = lines.clone();
    again[1] =
        r#"{"ocid": "o-1", "id": "1", "date": "2024-01-01", "awards": [{"value": {}}]}"#.to_owned();
    let e = s
        .import_ocds(&[jsonl("b.jsonl", &again)], &actor())
        .unwrap_err();
    assert!(
        matches!(&e, StoreError::Rejected(r) if r.file == "b.jsonl" && r.errors[0].line == 2),
        "{e}"
    );
    // Whole, the same file is skipped whole.
    let same = s
        .import_ocds(&[jsonl("c.jsonl", &lines)], &actor())
        .unwrap();
    assert_eq!((same.releases, same.skipped.len()), (0, 3));
    assert_eq!(held(&s), (3, 3));
}
