//! `lumbung mapping …` from the outside: the sample KoboToolbox export into
//! a kelurahan of a small area tree, once; a bad export refused whole with
//! every problem's line; the counts per RW and RT as a table and as JSON.

use std::path::Path;
use std::process::Output;

mod common;
use common::{assert_has_all, repo};

fn kobo(name: &str) -> String {
    repo()
        .join("crates/community/tests/data/kobo")
        .join(name)
        .to_str()
        .unwrap()
        .to_owned()
}

fn lumbung(dir: &Path, args: &[&str]) -> Output {
    common::lumbung()
        .current_dir(dir)
        .arg("--db")
        .arg(dir.join("test.db"))
        .args(args)
        .output()
        .unwrap()
}

fn text(out: &Output) -> (i32, String, String) {
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Kelurahan 3604010001 with the RW and RT of the sample export.
fn areas(dir: &Path) {
    let csv = "code,name,parent_code,kind\n\
        ID,Indonesia,,country\n\
        36,BANTEN,ID,province\n\
        3604,KABUPATEN SERANG,36,regency\n\
        3604010,CINANGKA,3604,district\n\
        3604010001,UMBUL TANJUNG,3604010,kelurahan\n\
        3604010001.03,RW 03,3604010001,rw\n\
        3604010001.03.004,RT 004,3604010001.03,rt\n\
        3604010001.03.005,RT 005,3604010001.03,rt\n\
        3604010001.05,RW 05,3604010001,rw\n\
        3604010001.05.001,RT 001,3604010001.05,rt\n\
        3604010001.05.002,RT 002,3604010001.05,rt\n";
    std::fs::write(dir.join("areas.csv"), csv).unwrap();
    let (code, _, err) = text(&lumbung(dir, &["areas", "import", "areas.csv"]));
    assert_eq!(code, 0, "{err}");
}

#[test]
fn a_kobo_export_is_imported_once_and_summarised() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    areas(dir);
    let import = |h: &str, r: &str| {
        text(&lumbung(
            dir,
            &[
                "mapping",
                "import-kobo",
                "--kelurahan",
                "3604010001",
                &kobo(h),
                &kobo(r),
            ],
        ))
    };
    let (code, out, err) = import("households_bad.csv", "roster_bad.csv");
    assert_eq!(code, 1, "{out}{err}");
    assert_has_all(
        &err,
        &["households_bad.csv: line 5", "roster_bad.csv: line 42"],
    );
    let (code, out, err) = import("households.csv", "roster.csv");
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("30 households, 131 members") && out.contains("30 added"),
        "{out}"
    );
    assert!(
        out.contains("RT 004") && out.contains("UMBUL TANJUNG"),
        "{out}"
    );
    let (code, out, _) = import("households.csv", "roster.csv");
    assert_eq!(code, 0);
    assert!(out.contains("already imported"), "{out}");
    let (code, out, err) = text(&lumbung(
        dir,
        &[
            "mapping",
            "summary",
            "--kelurahan",
            "3604010001",
            "--format",
            "json",
        ],
    ));
    assert_eq!(code, 0, "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["summary"]["kelurahan"]["households"], 30);
    assert_eq!(json["summary"]["rts"].as_array().unwrap().len(), 4);
    assert!(!out.contains("Mulyadi"), "counts only");
    let (code, _, err) = text(&lumbung(
        dir,
        &["mapping", "summary", "--kelurahan", "3604"],
    ));
    assert_eq!(code, 1);
    assert!(err.contains("kelurahan 3604 not found"), "{err}");
}
