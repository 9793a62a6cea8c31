//! `lumbung election recount` from the outside: small CSV files in a
//! temporary directory, checking exit status, stdout and stderr.

use std::time::Duration;

use serde_json::Value;

mod common;
use common::{Env, Out};

impl Env {
    /// `lumbung election recount ARGS…`, run in the temporary directory
    /// (file names are given relative to it).
    fn recount(&self, args: &[&str]) -> Out {
        let mut cmd = assert_cmd::Command::from_std(common::lumbung());
        cmd.current_dir(self.dir.path())
            .timeout(Duration::from_secs(60))
            .args(["election", "recount"])
            .args(args);
        Out::of(&mut cmd)
    }

    /// `recount FILE --eligible ELIGIBLE --seats SEATS EXTRA…`.
    fn count(&self, file: &str, eligible: &str, seats: &str, extra: &[&str]) -> Out {
        let mut args = vec![file, "--eligible", eligible, "--seats", seats];
        args.extend_from_slice(extra);
        self.recount(&args)
    }

    /// [`Env::count`] with `--format json`, which must succeed.
    fn count_json(&self, file: &str, eligible: &str, seats: &str, extra: &[&str]) -> Value {
        let extra = [extra, &["--format", "json"]].concat();
        self.count(file, eligible, seats, &extra).code(0).json()
    }
}

/// A 5, B 3, C 3, D 1, and two invalid ballots; ballot 7 is valid only
/// without the grouping.
const BALLOTS: &str = "ballot_id,name1,name2,name3\n\
    1,A,B,\n\
    2,A,B\n\
    3, a ,B,\n\
    4,A,C,\n\
    5,A,C,\n\
    6,C,D,\n\
    7,H. Udin,udin,\n\
    8,X,,\n";

const GROUPS: &str = "written,person\nH. Udin,Udin\nPak Haji Udin,Udin\n";

/// An environment holding `ballots.csv` and `groups.csv`.
fn ballot_box() -> Env {
    let env = Env::new();
    env.write("ballots.csv", BALLOTS);
    env.write("groups.csv", GROUPS);
    env
}

#[test]
fn json_has_every_key_with_exact_values() {
    let env = ballot_box();
    let out = env
        .count(
            "ballots.csv",
            "20",
            "2",
            &["--groups", "groups.csv", "--format", "json"],
        )
        .code(0);
    assert!(out.stderr.is_empty(), "{out:#?}");
    let j = out.json();
    let summary = serde_json::json!({
        "ballots": 8, "valid": 6, "invalid": 2, "eligible": 20, "seats": 2,
        "quorum": "0.300000", "turnout": "0.400000", "quorum_met": true,
    });
    for (key, value) in summary.as_object().unwrap() {
        assert_eq!(&j[key], value, "{key}");
    }
    assert_eq!(
        j["votes"],
        serde_json::json!({"A": 5, "B": 3, "C": 3, "D": 1})
    );
    // The votes object is written in ranking order.
    let at = |text: &str| out.stdout.find(text).unwrap();
    assert!(at("\"A\": 5") < at("\"B\": 3") && at("\"C\": 3") < at("\"D\": 1"));
    assert_eq!(j["elected"], serde_json::json!(["A"]));
    assert_eq!(j["ties"], serde_json::json!(["B", "C"]));
    assert_eq!(
        j["groups"],
        serde_json::json!({"H. Udin": "Udin", "Pak Haji Udin": "Udin"})
    );
    assert_eq!(
        j["invalid_ballots"],
        serde_json::json!([
            {
                "ballot_id": "7",
                "reason": "repeated_name",
                "detail": "Udin is named twice (as \"H. Udin\" and \"udin\")"
            },
            {
                "ballot_id": "8",
                "reason": "too_few_names",
                "detail": "1 name; a ballot needs 2 to 3"
            }
        ])
    );

    // Three seats: no tie.
    let j = env.count_json("ballots.csv", "20", "3", &["--groups", "groups.csv"]);
    assert_eq!(j["elected"], serde_json::json!(["A", "B", "C"]));
    assert_eq!(j["ties"], serde_json::json!([]));

    // Without the grouping ballot 7 names two people (the first-written forms).
    let j = env.count_json("ballots.csv", "20", "2", &[]);
    assert_eq!(j["valid"], 7);
    assert_eq!(j["votes"]["H. Udin"], 1);
    assert_eq!(j["votes"]["udin"], 1);
    assert_eq!(j["groups"], serde_json::json!({}));
}

#[test]
fn the_quorum_is_compared_exactly() {
    let env = Env::new();
    env.write("three.csv", "ballot_id,n1,n2\n1,A,B\n2,A,B\n3,A,C\n");
    let run = |eligible: &str, quorum: &str| {
        env.recount(&[
            "three.csv",
            "--eligible",
            eligible,
            "--seats",
            "1",
            "--quorum",
            quorum,
            "--format",
            "json",
        ])
        .code(0)
        .json()
    };
    // (eligible, quorum, a figure and its value, whether the quorum is met)
    for (eligible, quorum, key, value, met) in [
        ("10", "0.30", "turnout", "0.300000", true),
        ("10", "0.31", "quorum", "0.310000", false),
        ("9", "0.333333", "turnout", "0.333333", true),
        ("9", "0.3333334", "quorum", "0.3333334", false),
    ] {
        let j = run(eligible, quorum);
        assert_eq!(j[key], value, "{eligible} {quorum}");
        assert_eq!(j["quorum_met"], met, "{eligible} {quorum}");
    }

    // 29 of 100 is below the default 0.30.
    let mut text = String::from("ballot_id,n1,n2\n");
    for i in 0..29 {
        text.push_str(&format!("{i},A,B\n"));
    }
    env.write("29.csv", &text);
    let j = env.count_json("29.csv", "100", "1", &[]);
    assert_eq!(j["turnout"], "0.290000");
    assert_eq!(j["quorum_met"], false);
}

#[test]
fn residents_and_names_per_ballot() {
    let env = Env::new();
    env.write(
        "b.csv",
        "ballot_id,name1,name2,name3\n1,Udin,Asep,\n2,Udin,Joko,\n3,Udin,,\n4,Pak Haji Udin,Asep,Siti\n",
    );
    env.write("r.csv", "person\nUdin\nAsep\nSiti\n");
    env.write("g.csv", GROUPS);
    let j = env.count_json(
        "b.csv",
        "10",
        "1",
        &["--residents", "r.csv", "--groups", "g.csv"],
    );
    assert_eq!(j["residents_checked"], true);
    assert_eq!(j["invalid_ballots"][0]["ballot_id"], "2");
    assert_eq!(j["invalid_ballots"][0]["reason"], "not_a_resident");
    assert_eq!(
        j["invalid_ballots"][0]["detail"],
        "\"Joko\" is not on the residents list"
    );
    assert_eq!(j["invalid_ballots"][1]["reason"], "too_few_names");
    assert_eq!(
        j["votes"],
        serde_json::json!({"Udin": 2, "Asep": 2, "Siti": 1})
    );
    assert_eq!(j["ties"], serde_json::json!(["Asep", "Udin"]));
    assert_eq!(j["elected"], serde_json::json!([]));

    // One name per ballot allowed, at most two.
    let j = env.count_json(
        "b.csv",
        "10",
        "1",
        &["--min-names", "1", "--max-names", "2"],
    );
    assert_eq!(j["invalid"], 1);
    assert_eq!(j["invalid_ballots"][0]["reason"], "too_many_names");
    assert_eq!(j["elected"], serde_json::json!(["Udin"]));
}

#[test]
fn the_table_shows_turnout_ranking_elected_ties_and_invalid_ballots() {
    let env = ballot_box();
    let out = env
        .recount(&["ballots.csv", "--eligible", "20", "--seats", "2", "--groups", "groups.csv"])
        .code(0)
        .stdout_has("Ballots: 8 (6 valid, 2 invalid) of 20 eligible voters")
        .stdout_has("Turnout: 0.400000 — quorum 0.300000: met")
        .stdout_has("RANK  PERSON  VOTES  RESULT\n1     A       5      elected\n2     B       3      tied\n2     C       3      tied\n4     D       1\n")
        .stdout_has("Elected: A\n")
        .stdout_has("Tied for the last 1 seat: B, C")
        .stdout_has("INVALID BALLOT  REASON         DETAIL\n")
        .stdout_has("7               repeated_name  Udin is named twice")
        .stdout_has("8               too_few_names  1 name; a ballot needs 2 to 3");
    assert!(out.stderr.is_empty());
    env.count("ballots.csv", "100", "3", &["--format", "table"])
        .code(0)
        .stdout_has("Turnout: 0.080000 — quorum 0.300000: NOT met")
        .stdout_has("Ties: none");
}

#[test]
fn file_errors_name_the_file_line_and_column_and_exit_1() {
    let env = Env::new();
    env.write("ok.csv", "ballot_id,name1,name2\n1,A,B\n");
    let base = |file: &str| -> Vec<String> {
        vec![
            file.into(),
            "--eligible".into(),
            "10".into(),
            "--seats".into(),
            "1".into(),
        ]
    };
    let run = |args: Vec<String>| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        env.recount(&args)
    };

    run(base("missing.csv")).refused(1, "error: cannot read missing.csv");

    env.write("noid.csv", "id,name1\n1,A\n");
    run(base("noid.csv")).refused(
        1,
        "noid.csv: line 1, column ballot_id: the required column ballot_id is missing",
    );

    env.write("dup.csv", "ballot_id,name1,name2\n1,A,B\n2,A,C\n\n1,B,C\n");
    run(base("dup.csv")).refused(
        1,
        "dup.csv: line 5, column ballot_id: the ballot id 1 is used twice (first on line 2)",
    );

    env.write("g1.csv", "written,name\nH. Udin,Udin\n");
    let mut args = base("ok.csv");
    args.extend(["--groups".into(), "g1.csv".into()]);
    run(args).refused(
        1,
        "g1.csv: line 1, column person: the required column person is missing",
    );

    env.write(
        "g2.csv",
        "written,person\nH. Udin,Udin\nh. udin,Udin Saprudin\n",
    );
    let mut args = base("ok.csv");
    args.extend(["--groups".into(), "g2.csv".into()]);
    run(args).refused(
        1,
        "g2.csv: line 3, column person: \"h. udin\" is mapped to two different persons: \
         \"Udin\" (line 2) and \"Udin Saprudin\"",
    );

    env.write("r.csv", "name\nUdin\n");
    let mut args = base("ok.csv");
    args.extend(["--residents".into(), "r.csv".into()]);
    run(args).refused(
        1,
        "r.csv: line 1, column person: the required column person is missing",
    );

    env.write("many.csv", "ballot_id,n1,n2\n1,A,B\n2,A,B\n3,A,B\n");
    let mut args = base("many.csv");
    args[2] = "2".into();
    run(args).refused(
        1,
        "many.csv: 3 ballots but only 2 eligible voters: turnout cannot exceed 100% (--eligible 2)",
    );
}

#[test]
fn usage_errors_exit_2() {
    let env = Env::new();
    env.write("ok.csv", "ballot_id,name1,name2\n1,A,B\n");
    env.recount(&["ok.csv", "--eligible", "0", "--seats", "1"])
        .refused(2, "--eligible");
    env.recount(&["ok.csv", "--eligible", "10", "--seats", "0"])
        .refused(2, "--seats");
    env.count("ok.csv", "10", "1", &["--quorum", "1.5"])
        .refused(2, "is not a quorum");
    env.count("ok.csv", "10", "1", &["--quorum", "30%"])
        .refused(2, "--quorum");
    env.count(
        "ok.csv",
        "10",
        "1",
        &["--min-names", "3", "--max-names", "2"],
    )
    .refused(2, "--min-names 3 --max-names 2");
    env.count("ok.csv", "10", "1", &["--format", "xml"])
        .refused(2, "--format");
    env.recount(&["ok.csv", "--seats", "1"])
        .refused(2, "--eligible");
    assert!(
        std::fs::read_dir(env.dir.path()).unwrap().count() == 1,
        "a recount writes no file (no database)"
    );
}
