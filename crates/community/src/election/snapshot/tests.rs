//! The published bytes are pinned: a result published before the snapshot
//! was typed (this one, from the store's `json!` of then) must hash the
//! same for ever.

use super::*;
use crate::election::{
    count, BallotRow, CountInput, Grouping, Resolution, TieRecord, TieRule, Voter,
};

const SUMMARY: &str = r#"{"door_to_door":[{"note":"RW 01, Pak RT","on":"2025-03-02"}],"elected":["V1","V3"],"election":{"area":{"code":"3604240003.01.001","name":"3604240003.01.001"},"held_on":"2025-03-02","id":1,"kelurahan":{"code":"3604240003","name":"3604240003"},"level":"rt"},"entries":{"a":5,"b":5,"differences":1,"resolutions":[{"ballot_id":"10","names":["Bu V4","V5"],"note":"kertas"}]},"groups":[["Bu V4","V4"]],"ranking":[["V1",3],["V2",2],["V3",2],["V4",1],["V5",1]],"recount":{"ballots":5,"elected":["V1"],"eligible":8,"groups":{"Bu V4":"V4"},"invalid":1,"invalid_ballots":[{"ballot_id":"11","detail":"\"X\" is not on the residents list","reason":"not_a_resident"}],"names_per_ballot":{"max":3,"min":2},"open_seats":1,"quorum":"0.300000","quorum_met":true,"residents_checked":true,"seats":2,"ties":["V2","V3"],"turnout":"0.625000","valid":4,"votes":{"V1":3,"V2":2,"V3":2,"V4":1,"V5":1}},"register":{"eligible":8,"voted":0},"seats":2,"settings":{"bkm_names_max":3,"bkm_names_min":2,"bkm_seats":9,"check_residents":true,"delegates_per_rt":2,"names_max":3,"names_min":2,"quorum":".3","term_years":3,"tie_rule":"revote","women_target":"0.30"},"term":null,"tie":{"note":"pemilihan ulang","revote":[["V2",1],["V3",4]],"rule":"revote","winners":["V3"]},"women":{"men":0,"share":"1.000000","target":"0.300000","target_met":true,"unknown":0,"women":2}}"#;
const SNAPSHOT: &str = r#"{"command":"lumbung election recount BALLOTS.csv --groups GROUPS.csv --eligible 8 --seats 2 --min-names 2 --max-names 3 --quorum 0.300000 --residents RESIDENTS.csv --format json","door_to_door":[{"note":"RW 01, Pak RT","on":"2025-03-02"}],"elected":["V1","V3"],"election":{"area":{"code":"3604240003.01.001","name":"3604240003.01.001"},"held_on":"2025-03-02","id":1,"kelurahan":{"code":"3604240003","name":"3604240003"},"level":"rt"},"entries":{"a":5,"b":5,"differences":1,"resolutions":[{"ballot_id":"10","names":["Bu V4","V5"],"note":"kertas"}]},"files":{"BALLOTS.csv":"a96ccffcc121165dafff79870da5dafa77e93bcbfe692882821beae56b11b117","GROUPS.csv":"e2d0831dce4d5131cd2e323d06f26db0266d952b5b0c26a952ed39c78669249c","RESIDENTS.csv":"9ad859b2fd361040e37c1e2820ea92a43c2031fa412fc23b5df76d76421e5da1"},"groups":[["Bu V4","V4"]],"published_at":"2025-03-03T10:00:00Z","ranking":[["V1",3],["V2",2],["V3",2],["V4",1],["V5",1]],"recount":{"ballots":5,"elected":["V1"],"eligible":8,"groups":{"Bu V4":"V4"},"invalid":1,"invalid_ballots":[{"ballot_id":"11","detail":"\"X\" is not on the residents list","reason":"not_a_resident"}],"names_per_ballot":{"max":3,"min":2},"open_seats":1,"quorum":"0.300000","quorum_met":true,"residents_checked":true,"seats":2,"ties":["V2","V3"],"turnout":"0.625000","valid":4,"votes":{"V1":3,"V2":2,"V3":2,"V4":1,"V5":1}},"register":{"eligible":8,"voted":0},"seats":2,"settings":{"bkm_names_max":3,"bkm_names_min":2,"bkm_seats":9,"check_residents":true,"delegates_per_rt":2,"names_max":3,"names_min":2,"quorum":".3","term_years":3,"tie_rule":"revote","women_target":"0.30"},"term":null,"tie":{"note":"pemilihan ulang","revote":[["V2",1],["V3",4]],"rule":"revote","winners":["V3"]},"women":{"men":0,"share":"1.000000","target":"0.300000","target_met":true,"unknown":0,"women":2}}"#;
const SHA256: &str = "e6c7f1f75f90d7c0a2e7ef375a3a41f87b145427acadb3fd4ec9a3addc07e979";

fn rows(lines: &[(&str, &[&str])], by: &str) -> Vec<BallotRow> {
    lines
        .iter()
        .map(|(id, names)| BallotRow {
            ballot_id: (*id).to_owned(),
            names: names.iter().map(|n| (*n).to_owned()).collect(),
            entered_by: by.to_owned(),
            entered_at: "2025-03-02T12:00:00Z".into(),
        })
        .collect()
}

/// The poll the pinned bytes were published from: an RT electing two
/// delegates among eight adults (three women), a difference resolved, a
/// grouping, a resident check refusing a ballot, a tie broken by a
/// re-vote, a door-to-door collection.
fn pinned_summary() -> ResultSummary {
    let settings = ElectionSettings::from_json(
        r#"{"delegates_per_rt": 2, "quorum": ".3", "check_residents": true}"#,
    )
    .unwrap();
    let voters: Vec<Voter> = (1..=8)
        .map(|i| Voter {
            id: lumbung_domain::VoterId::new(i),
            name: format!("V{i}"),
            sex: Some(if i <= 3 {
                lumbung_domain::Sex::Female
            } else {
                lumbung_domain::Sex::Male
            }),
            birth_date: None,
            age: Some(20 + i as u16),
            married: false,
            eligible: true,
            voted: false,
        })
        .collect();
    let common: [(&str, &[&str]); 3] = [
        ("1", &["V1", "V2"]),
        ("2", &["V1", "V3"]),
        ("3", &["V1", "V2", "V3"]),
    ];
    let mut a = common.to_vec();
    a.extend([("10", &["Bu V4", "V5"][..]), ("11", &["V6", "X"][..])]);
    let mut b = common.to_vec();
    b.extend([("10", &["Bu V4", "V6"][..]), ("11", &["V6", "X"][..])]);
    let (a, b) = (rows(&a, "cli:ani"), rows(&b, "cli:budi"));
    let resolutions = [Resolution {
        ballot_id: "10".into(),
        names: Some(vec!["Bu V4".into(), "V5".into()]),
        note: "kertas".into(),
        resolved_by: "cli:cici".into(),
        resolved_at: "2025-03-02T13:00:00Z".into(),
    }];
    let mut grouping = Grouping::new();
    grouping.add("Bu V4", "V4").unwrap();
    let tie = TieRecord {
        rule: TieRule::Revote,
        winners: vec!["V3".into()],
        note: "pemilihan ulang".into(),
        revote: vec![("V2".into(), 1), ("V3".into(), 4)],
    };
    let t = count(&CountInput {
        level: Level::Rt,
        settings: &settings,
        voters: &voters,
        entry_a: &a,
        entry_b: &b,
        resolutions: &resolutions,
        grouping: &grouping,
        tie: Some((&tie, false)),
    });
    assert!(t.blockers.is_empty(), "{:?}", t.blockers);
    let place = |code: &str| Place {
        code: code.into(),
        name: code.into(),
    };
    ResultSummary {
        election: Poll {
            id: PollId::new(1),
            level: Level::Rt,
            area: place("3604240003.01.001"),
            kelurahan: place("3604240003"),
            held_on: "2025-03-02".parse().unwrap(),
        },
        term: None,
        settings,
        seats: t.seats,
        register: RegisterCounts {
            eligible: t.eligible,
            voted: t.voted,
        },
        entries: EntriesSummary {
            a: t.entry_a.ballots,
            b: t.entry_b.ballots,
            differences: t.differences.len(),
            resolutions: resolutions.iter().map(ResolutionNote::from).collect(),
        },
        ranking: t.recount.as_ref().map(|r| {
            r.votes
                .iter()
                .map(|(p, n)| (p.as_str().to_owned(), *n))
                .collect()
        }),
        recount: t.recount,
        groups: vec![("Bu V4".into(), "V4".into())],
        tie: Some(tie),
        elected: t.elected,
        women: t.women,
        door_to_door: vec![DoorToDoorNote {
            on: "2025-03-02".parse().unwrap(),
            note: "RW 01, Pak RT".into(),
        }],
    }
}

#[test]
fn a_published_result_keeps_its_bytes_and_its_hash() {
    let summary = pinned_summary();
    assert_eq!(summary.to_json(), SUMMARY);
    let recount = summary.recount.clone().unwrap();
    let files = [
        (
            "BALLOTS.csv",
            "a96ccffcc121165dafff79870da5dafa77e93bcbfe692882821beae56b11b117",
        ),
        (
            "GROUPS.csv",
            "e2d0831dce4d5131cd2e323d06f26db0266d952b5b0c26a952ed39c78669249c",
        ),
        (
            "RESIDENTS.csv",
            "9ad859b2fd361040e37c1e2820ea92a43c2031fa412fc23b5df76d76421e5da1",
        ),
    ];
    let snapshot = PublishedSnapshot {
        version: SnapshotVersion::FIRST,
        summary,
        published_at: "2025-03-03T10:00:00Z".into(),
        files: files
            .iter()
            .map(|(f, h)| ((*f).to_owned(), (*h).to_owned()))
            .collect(),
        command: recount_command(&recount, true),
    };
    let json = snapshot.to_json();
    assert_eq!(json, SNAPSHOT);
    assert_eq!(sha256_hex(&json), SHA256);
}

fn sha256_hex(text: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(text.as_bytes()))
}
