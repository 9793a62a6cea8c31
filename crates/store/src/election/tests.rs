//! The election store's tests.

use super::rows::sha256_hex;
use super::*;
use crate::test_support::store;
use crate::{Actor, Store, StoreError};
use lumbung_community::election::{recount, BlockerCode, PersonName, SettingsText, TieRule};
use lumbung_domain::{AreaCode, AreaKind, AreaRecord, PollId, Scope};
use serde_json::json;
use std::num::NonZeroU64;

const KEL: &str = "3604240003";
const RT1: &str = "3604240003.01.001";
const RT2: &str = "3604240003.01.002";

/// A kelurahan with one RW of two RTs, each area named by its code.
fn seeded() -> (crate::test_support::TestDb, Store) {
    let (dir, s) = store();
    let rw = "3604240003.01";
    let areas = [
        ("ID", None, "country"),
        (KEL, Some("ID"), "kelurahan"),
        (rw, Some(KEL), "rw"),
        (RT1, Some(rw), "rt"),
        (RT2, Some(rw), "rt"),
    ];
    let records = (1..)
        .zip(areas)
        .map(|(line, (code, parent, kind))| AreaRecord {
            line,
            code: AreaCode::parse(code).unwrap(),
            name: code.to_owned(),
            parent: parent.map(|p: &str| AreaCode::parse(p).unwrap()),
            kind: Some(AreaKind::parse(kind).unwrap()),
        });
    let (cli, no_progress) = (Actor::cli(), &mut |_, _| {});
    let summary = s.import_areas("t", records.collect(), vec![], vec![], &cli, no_progress);
    summary.unwrap();
    (dir, s)
}

fn user(name: &str) -> Actor {
    Actor::Cli {
        os_user: name.into(),
    }
}

fn poll(s: &Store, level: Level, area: &str) -> PollId {
    open_poll(s, level, area, "2025-03-02", "fasilitator")
}

/// A poll opened by `by` over the whole system.
fn open_poll(s: &Store, level: Level, area: &str, held_on: &str, by: &str) -> PollId {
    let held_on = held_on.parse().unwrap();
    let election = NewElection {
        level,
        area_code: area.into(),
        held_on,
    };
    let by = user(by);
    s.create_election(&election, &Scope::Global, &by).unwrap()
}

/// A register of `n` adults named V1…Vn, the first `women` women.
fn register(s: &Store, id: PollId, n: usize, women: usize) {
    let mut csv = String::from("nama,jenis_kelamin,umur,kawin\n");
    for i in 1..=n {
        let sex = if i <= women { "P" } else { "L" };
        csv.push_str(&format!("V{i},{sex},{},tidak\n", 20 + i));
    }
    let voters = read_voters("register.csv", csv.as_bytes()).unwrap();
    s.add_voters(id, "register.csv", &voters, &user("fasilitator"))
        .unwrap();
}

/// The seeded store with an RT election in RT1 and a register of `n`
/// voters, `women` of them women.
fn rt_poll(n: usize, women: usize) -> (crate::test_support::TestDb, Store, PollId) {
    let (dir, s) = seeded();
    let id = poll(&s, Level::Rt, RT1);
    register(&s, id, n, women);
    (dir, s, id)
}

fn ballots(lines: &str) -> Vec<(String, Vec<String>)> {
    read_ballot_lines(lines).unwrap()
}

/// Publishes with two members: Ani proposes, Dedi (who entered nothing)
/// confirms.
fn publish(s: &Store, id: PollId) -> Published {
    match s.publish_election(id, None, &user("ani")).unwrap() {
        PublishStep::Proposed(p) => assert_eq!(p.proposed_by, "cli:ani"),
        PublishStep::Published(_) => panic!("one member published alone"),
    }
    let seen = s.election_count(id).unwrap().count_sha256;
    match s
        .publish_election(id, seen.as_deref(), &user("dedi"))
        .unwrap()
    {
        PublishStep::Published(p) => *p,
        PublishStep::Proposed(_) => panic!("the confirmation did not publish"),
    }
}

fn both(s: &Store, id: PollId, lines: &str) {
    s.enter_ballots(id, Entry::A, &ballots(lines), &user("ani"))
        .unwrap();
    s.enter_ballots(id, Entry::B, &ballots(lines), &user("budi"))
        .unwrap();
}

#[test]
fn settings_default_check_and_are_kept_per_kelurahan() {
    let (_d, s) = seeded();
    let d = s.election_settings(KEL).unwrap();
    assert_eq!(d, ElectionSettings::default());
    assert_eq!((d.names.min(), d.names.max(), d.bkm_seats), (2, 3, 9));
    let changed = SettingsText {
        quorum: "0.5".into(),
        tie_rule: TieRule::Lot,
        ..d.text()
    }
    .checked()
    .unwrap();
    s.set_election_settings(KEL, changed.clone(), &Actor::cli())
        .unwrap();
    assert_eq!(s.election_settings(KEL).unwrap(), changed);
    let json = serde_json::to_string(&changed).unwrap();
    assert_eq!(ElectionSettings::from_json(&json).unwrap(), changed);
    assert_eq!(
        ElectionSettings::from_json(r#"{"bkm_seats": 11}"#)
            .unwrap()
            .bkm_seats,
        11,
        "missing fields take their default"
    );
    for bad in [
        r#"{"quorum": "1.5"}"#,
        r#"{"names_min": 4}"#,
        r#"{"bkm_seats": 0}"#,
        r#"{"seats": 3}"#,
    ] {
        assert!(ElectionSettings::from_json(bad).is_err(), "{bad}");
    }
    assert!(matches!(
        s.set_election_settings(RT1, d, &Actor::cli()),
        Err(StoreError::Invalid { .. })
    ));
}

#[test]
fn a_register_file_is_all_or_nothing_and_idempotent() {
    let (_d, s, id) = rt_poll(4, 2);
    let again = read_voters(
        "r.csv",
        b"nama,jenis_kelamin,umur,kawin\nV1,P,21,tidak\nV9,L,40,ya\n",
    )
    .unwrap();
    let sum = s.add_voters(id, "r.csv", &again, &user("f")).unwrap();
    assert_eq!((sum.created, sum.unchanged), (1, 1));
    let clash = read_voters(
        "r.csv",
        b"nama,jenis_kelamin,umur,kawin\nV10,P,21,tidak\nv2,P,50,tidak\n",
    )
    .unwrap();
    let err = s.add_voters(id, "r.csv", &clash, &user("f")).unwrap_err();
    assert!(err.to_string().contains("line 3"), "{err}");
    assert_eq!(s.election_voters(id).unwrap().len(), 5, "nothing added");
}

#[test]
fn double_entry_flags_differences_and_blocks_until_resolved() {
    let (_d, s, id) = rt_poll(10, 5);
    let a = "1,V1,V2\n2,V1,V3\n3,V2,V3\n4,V1,V2,V4\n";
    let b = "1,V1,V2\n2,V1,V8\n4,v1,V4, V2\n5,V3,V4\n";
    s.enter_ballots(id, Entry::A, &ballots(a), &user("ani"))
        .unwrap();
    // Ani entered A: she cannot also make entry B.
    let err = s
        .enter_ballots(id, Entry::B, &ballots(b), &user("ani"))
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    s.enter_ballots(id, Entry::B, &ballots(b), &user("budi"))
        .unwrap();
    let c = s.election_count(id).unwrap();
    let kinds: Vec<String> = c
        .differences
        .iter()
        .map(|d| {
            format!(
                "{}:{}",
                d.difference.ballot_id(),
                serde_json::to_value(&d.difference).unwrap()["kind"]
                    .as_str()
                    .unwrap()
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "2:different_names",
            "3:missing_in_second",
            "5:missing_in_first"
        ],
        "order and case of names do not matter (ballot 4)"
    );
    assert!(!c.ready);
    assert!(c.recount.is_none() && c.ballots.is_none());
    assert_eq!(c.blockers[0].code, BlockerCode::Differences);
    assert!(s.publish_election(id, None, &user("ani")).is_err());

    // The committee reads the paper ballots.
    let names = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    s.resolve_ballot(
        id,
        "2",
        Some(&names(&["V1", "V3"])),
        "kertas: V1, V3",
        &user("cici"),
    )
    .unwrap();
    // Ballot 3 is missing from entry B: its maker types it from the paper.
    let err = s
        .resolve_ballot(
            id,
            "3",
            Some(&names(&["V2", "V3"])),
            "terlewat di entri B",
            &user("cici"),
        )
        .unwrap_err();
    assert!(err.to_string().contains("missing from entry B"), "{err}");
    s.enter_ballots(id, Entry::B, &ballots("3,V2,V3\n"), &user("budi"))
        .unwrap();
    let c = s.election_count(id).unwrap();
    assert_eq!(c.unresolved, 1);
    s.resolve_ballot(
        id,
        "5",
        None,
        "bukan surat suara: salah ketik nomor",
        &user("cici"),
    )
    .unwrap();
    let c = s.election_count(id).unwrap();
    assert_eq!(c.unresolved, 0);
    let agreed: Vec<&str> = c
        .ballots
        .as_ref()
        .unwrap()
        .iter()
        .map(|b| b.0.as_str())
        .collect();
    assert_eq!(agreed, ["1", "2", "3", "4"]);
    let r = c.recount.as_ref().unwrap();
    assert_eq!((r.ballots, r.valid), (4, 4));
    // A resolution of a ballot nobody entered is refused.
    assert!(s
        .resolve_ballot(id, "99", None, "x", &user("cici"))
        .is_err());
    // An enterer corrects only their own entry.
    assert!(s
        .correct_ballot(
            id,
            Entry::A,
            "1",
            Some(&names(&["V1", "V5"])),
            &user("budi")
        )
        .is_err());
    s.correct_ballot(id, Entry::A, "1", Some(&names(&["V1", "V5"])), &user("ani"))
        .unwrap();
    assert_eq!(s.election_count(id).unwrap().unresolved, 1);
    let (log, _) = s.audit_entries(&Scope::Global, 50, 0).unwrap();
    let correction = log
        .iter()
        .find(|e| e.action == "election_ballot_correct")
        .unwrap();
    assert_eq!(correction.details["before"], json!(["V1", "V2"]));
    assert_eq!(correction.details["after"], json!(["V1", "V5"]));
    assert!(
        log.iter()
            .filter(|e| e.action == "election_ballot_resolve")
            .count()
            == 2
    );
}

#[test]
fn the_quorum_is_met_at_exactly_thirty_percent() {
    let (_d, s, id) = rt_poll(10, 3);
    both(&s, id, "1,V1,V2\n2,V1,V3\n");
    let c = s.election_count(id).unwrap();
    let r = c.recount.as_ref().unwrap();
    assert_eq!(r.turnout.to_string(), "0.200000");
    assert!(!r.quorum_met);
    assert!(c
        .blockers
        .iter()
        .any(|b| b.code == BlockerCode::QuorumNotMet));
    s.record_door_to_door(
        id,
        "2025-03-03".parse().unwrap(),
        "RT 001, rumah ke rumah, 2 petugas",
        &user("ani"),
    )
    .unwrap();
    s.enter_ballots(id, Entry::A, &ballots("3,V2,V3\n"), &user("ani"))
        .unwrap();
    s.enter_ballots(id, Entry::B, &ballots("3,V2,V3\n"), &user("budi"))
        .unwrap();
    let c = s.election_count(id).unwrap();
    let r = c.recount.as_ref().unwrap();
    assert_eq!(r.turnout.to_string(), "0.300000");
    assert!(r.quorum_met, "3 of 10 meets 0.30");
    assert!(c.ready, "{:?}", c.blockers);
    assert_eq!(c.door_to_door.len(), 1);
    assert!(c.voted_mismatch, "nobody is marked as voted yet");
    let ids: Vec<lumbung_domain::VoterId> = s
        .election_voters(id)
        .unwrap()
        .iter()
        .take(3)
        .map(|v| v.id)
        .collect();
    s.mark_voted(id, &ids, true, &user("ani")).unwrap();
    assert!(!s.election_count(id).unwrap().voted_mismatch);
}

#[test]
fn a_tie_needs_a_recorded_decision_by_the_configured_rule() {
    let (_d, s) = seeded();
    let rules = ElectionSettings {
        delegates_per_rt: 2,
        ..Default::default()
    };
    s.set_election_settings(KEL, rules, &Actor::cli()).unwrap();
    let id = poll(&s, Level::Rt, RT1);
    register(&s, id, 6, 3);
    // V1 3 votes; V2 and V3 2 each, for the last seat.
    both(&s, id, "1,V1,V2\n2,V1,V3\n3,V1,V2,V3\n");
    let c = s.election_count(id).unwrap();
    let r = c.recount.as_ref().unwrap();
    assert_eq!(r.ties.len(), 2);
    assert!(c
        .blockers
        .iter()
        .any(|b| b.code == BlockerCode::TieUndecided));
    assert!(c.elected.is_none());
    let lot = TieInput {
        rule: TieRule::Lot,
        winners: vec!["V3".into()],
        revote: vec![],
        note: "undian".into(),
    };
    let err = s.record_tie(id, &lot, &user("ani")).unwrap_err();
    assert!(err.to_string().contains("revote"), "{err}");
    let again = TieInput {
        rule: TieRule::Revote,
        winners: vec![],
        revote: vec![("V2".into(), 2), ("v3".into(), 2)],
        note: "pemilihan ulang".into(),
    };
    assert!(
        s.record_tie(id, &again, &user("ani")).is_err(),
        "tied again"
    );
    let revote = TieInput {
        revote: vec![("V2".into(), 1), ("v3".into(), 4)],
        ..again
    };
    let rec = s.record_tie(id, &revote, &user("ani")).unwrap();
    assert_eq!(rec.winners, ["V3"]);
    let c = s.election_count(id).unwrap();
    assert_eq!(c.elected.as_deref().unwrap(), ["V1", "V3"]);
    assert!(c.ready, "{:?}", c.blockers);
    let women = c.women.unwrap();
    assert_eq!((women.women, women.men), (2, 0));
    // More ballots change the count: the decision no longer fits.
    s.enter_ballots(id, Entry::A, &ballots("4,V2,V4\n"), &user("ani"))
        .unwrap();
    s.enter_ballots(id, Entry::B, &ballots("4,V2,V4\n"), &user("budi"))
        .unwrap();
    let c = s.election_count(id).unwrap();
    assert!(c.tie.is_some());
    assert!(c.recount.as_ref().unwrap().ties.is_empty());
    assert_eq!(c.elected.as_deref().unwrap(), ["V1", "V2"]);
}

#[test]
fn groupings_are_confirmed_by_the_committee_and_published_with_the_ballots() {
    let (_d, s, id) = rt_poll(6, 3);
    both(
        &s,
        id,
        "1,Pak Haji Udin,Siti\n2,H. Udin,Siti\n3,Udin,\"Bu Siti\"\n",
    );
    let c = s.election_count(id).unwrap();
    assert!(!c.suggestions.is_empty(), "the app suggests");
    assert!(c.groups.is_empty(), "…but never applies");
    assert_eq!(c.recount.as_ref().unwrap().valid, 3);
    for (w, p) in [
        ("Pak Haji Udin", "Udin"),
        ("H. Udin", "Udin"),
        ("Bu Siti", "Siti"),
    ] {
        s.add_group(id, w, p, &user("ani")).unwrap();
    }
    // A variant cannot mean two people.
    assert!(s
        .add_group(id, "h. udin", "Udin Saprudin", &user("ani"))
        .is_err());
    let c = s.election_count(id).unwrap();
    let r = c.recount.as_ref().unwrap();
    assert_eq!(
        r.votes,
        [
            (PersonName::new("Siti").unwrap(), 3),
            (PersonName::new("Udin").unwrap(), 3)
        ]
    );
    let p = publish(&s, id);
    assert!(p.ballots_csv.starts_with("ballot_id,name1,name2,name3\n"));
    assert!(p.groups_csv.contains("H. Udin,Udin"));
    assert!(p.residents_csv.is_none());
    // The files recount to the published result.
    let bx = lumbung_community::election::read_ballots("B", p.ballots_csv.as_bytes()).unwrap();
    let g = lumbung_community::election::read_groups("G", p.groups_csv.as_bytes()).unwrap();
    let config = s
        .election(id)
        .unwrap()
        .unwrap()
        .settings
        .config(Level::Rt, NonZeroU64::new(6).unwrap());
    let again = recount(&bx, &config, &g, None).unwrap();
    assert_eq!(serde_json::to_value(&again).unwrap(), p.snapshot["recount"]);
    assert_eq!(p.sha256, sha256_hex(&p.snapshot.to_string()));
    // Published: no more changes, and no voter identity.
    assert!(matches!(
        s.add_group(id, "Udin S", "Udin", &user("ani")),
        Err(StoreError::Conflict(_))
    ));
    let snap = p.snapshot.to_string();
    assert!(!snap.contains("V5") && !snap.contains("\"ani\""), "{snap}");
    assert_eq!(s.published_elections(10).unwrap().len(), 1);
}

#[test]
fn level_two_takes_the_delegates_and_the_coordinator_the_members() {
    let (_d, s) = seeded();
    let rules = ElectionSettings {
        delegates_per_rt: 2,
        bkm_seats: 3,
        ..Default::default()
    };
    s.set_election_settings(KEL, rules, &Actor::cli()).unwrap();
    assert!(
        s.create_election(
            &NewElection {
                level: Level::Bkm,
                area_code: KEL.into(),
                held_on: "2025-04-01".parse().unwrap()
            },
            &Scope::Global,
            &user("f")
        )
        .is_err(),
        "no published RT yet"
    );
    for (rt, lines) in [(RT1, "1,V1,V2\n2,V1,V2\n"), (RT2, "1,V1,V3\n2,V3,V1\n")] {
        let id = poll(&s, Level::Rt, rt);
        register(&s, id, 5, 2);
        both(&s, id, lines);
        publish(&s, id);
    }
    let bkm = open_poll(&s, Level::Bkm, KEL, "2025-04-01", "f");
    let names: Vec<String> = s
        .election_voters(bkm)
        .unwrap()
        .into_iter()
        .map(|v| v.name)
        .collect();
    assert_eq!(
        names,
        [
            format!("V1 ({RT1})"),
            format!("V1 ({RT2})"),
            "V2".to_owned(),
            "V3".to_owned()
        ],
        "a name two RTs share gets its RT"
    );
    assert!(
        s.add_voters(bkm, "x", &[], &user("f")).is_err(),
        "no typed register at level 2"
    );
    // Regression: one member removed a rival delegate from the level-2
    // register, voiding every ballot naming them.
    let rival = s.election_voters(bkm).unwrap()[3].id;
    assert!(
        s.remove_voter(bkm, rival, &user("f")).is_err(),
        "no voter removed by hand at level 2"
    );
    assert_eq!(s.election_voters(bkm).unwrap().len(), 4);
    let lines = format!("1,V1 ({RT1}),V2\n2,V2,V3\n3,V1 ({RT1}),V3\n4,V2,Outsider\n");
    both(&s, bkm, &lines);
    let c = s.election_count(bkm).unwrap();
    let r = c.recount.as_ref().unwrap();
    assert_eq!(r.invalid, 1, "a delegate elects from among the delegates");
    assert!(c.ready, "{:?}", c.blockers);
    let p = publish(&s, bkm);
    assert!(p.residents_csv.as_deref().unwrap().contains("V3"));
    let e = s.election(bkm).unwrap().unwrap();
    assert_eq!(e.term_start.unwrap().to_string(), "2025-04-01");
    assert_eq!(e.term_end.unwrap().to_string(), "2028-04-01");
    let coord = open_poll(&s, Level::Coordinator, KEL, "2025-04-01", "f");
    assert_eq!(s.election_voters(coord).unwrap().len(), 3);
    both(&s, coord, "1,V2\n2,V2\n3,V3\n");
    let c = s.election_count(coord).unwrap();
    assert_eq!(c.elected.as_deref().unwrap(), ["V2"]);
}

#[test]
fn scope_and_kind_are_checked_when_a_poll_is_opened() {
    let (_d, s) = seeded();
    let elsewhere = Scope::Area {
        code: AreaCode::parse(RT2).unwrap(),
        path: s.area_path(RT2).unwrap().unwrap(),
    };
    let new = NewElection {
        level: Level::Rt,
        area_code: RT1.into(),
        held_on: "2025-03-02".parse().unwrap(),
    };
    assert!(matches!(
        s.create_election(&new, &elsewhere, &user("f")),
        Err(StoreError::NotFound(_))
    ));
    let kel = NewElection {
        area_code: KEL.into(),
        ..new.clone()
    };
    assert!(matches!(
        s.create_election(&kel, &Scope::Global, &user("f")),
        Err(StoreError::Invalid { .. })
    ));
    let id = s.create_election(&new, &Scope::Global, &user("f")).unwrap();
    assert_eq!(s.elections(&elsewhere).unwrap().len(), 0);
    assert_eq!(s.elections(&Scope::Global).unwrap()[0].id, id);
}

/// Runs raw SQL as an attacker with database access through the app would
/// need to: the triggers must refuse it.
fn raw(s: &Store, sql: &str, id: PollId) -> crate::db::Result<usize> {
    s.conn().unwrap().execute(sql, [id.get()])
}

#[test]
fn only_a_member_who_made_neither_entry_resolves_and_only_a_difference() {
    let (_d, s, id) = rt_poll(10, 5);
    s.enter_ballots(
        id,
        Entry::A,
        &ballots("1,V1,V2\n2,V1,V3\n3,V2,V3\n"),
        &user("ani"),
    )
    .unwrap();
    s.enter_ballots(id, Entry::B, &ballots("1,v2, V1\n2,V1,V8\n"), &user("budi"))
        .unwrap();
    let names = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    // The maker of entry A resolves her own difference, or the ballot
    // missing from entry B: refused.
    for (who, ballot) in [("ani", "2"), ("ani", "3"), ("budi", "2")] {
        let err = s
            .resolve_ballot(id, ballot, Some(&names(&["V1", "V8"])), "x", &user(who))
            .unwrap_err();
        assert!(
            matches!(err, StoreError::Conflict(_)),
            "{who} {ballot}: {err}"
        );
        assert!(err.to_string().contains("made neither entry"), "{err}");
    }
    // Ballot 1 is the same in both entries: nothing to overwrite.
    let err = s
        .resolve_ballot(id, "1", Some(&names(&["V9", "V8"])), "x", &user("cici"))
        .unwrap_err();
    assert!(err.to_string().contains("agree on ballot 1"), "{err}");
    // The missing ballot: only "not a ballot", else entry B's maker types it.
    assert!(s
        .resolve_ballot(id, "3", Some(&names(&["V2", "V3"])), "x", &user("cici"))
        .is_err());
    s.resolve_ballot(
        id,
        "2",
        Some(&names(&["V1", "V3"])),
        "kertas",
        &user("cici"),
    )
    .unwrap();
    // A resolver makes no entry afterwards.
    assert!(s
        .enter_ballots(id, Entry::B, &ballots("3,V2,V3\n"), &user("cici"))
        .is_err());
    // The database refuses the same, written past the store.
    let now = "'2025-03-02T00:00:00Z'";
    for sql in [
        format!("INSERT INTO election_resolutions VALUES (?1, '2', '[\"V1\"]', 'x', 'cli:ani', {now}) ON CONFLICT (poll, ballot_id) DO UPDATE SET resolved_by = excluded.resolved_by"),
        format!("INSERT INTO election_resolutions VALUES (?1, '1', '[\"V9\",\"V8\"]', 'x', 'cli:cici', {now})"),
        format!("INSERT INTO election_resolutions VALUES (?1, '3', '[\"V2\",\"V3\"]', 'x', 'cli:cici', {now})"),
        format!("INSERT INTO election_ballots VALUES (?1, 'b', '3', '[\"V2\",\"V3\"]', 'cli:cici', {now}, 99)"),
    ] {
        assert!(raw(&s, &sql, id).is_err(), "{sql}");
    }
}

#[test]
fn publishing_needs_both_entries_and_a_second_members_confirmation() {
    let (_d, s, id) = rt_poll(4, 2);
    let lines = "1,V1,V2\n2,V1,V3\n3,V2,V3\n";
    s.enter_ballots(id, Entry::A, &ballots(lines), &user("ani"))
        .unwrap();
    // Entry B is empty: nothing to publish, and "not a ballot" for every
    // ballot leaves nothing to count either.
    assert!(s.publish_election(id, None, &user("ani")).is_err());
    for b in ["1", "2", "3"] {
        s.resolve_ballot(id, b, None, "x", &user("cici")).unwrap();
    }
    let err = s.publish_election(id, None, &user("ani")).unwrap_err();
    assert!(err.to_string().contains("no ballot"), "{err}");
    let id = poll(&s, Level::Rt, RT2);
    register(&s, id, 4, 2);
    both(&s, id, lines);
    assert!(s.election_count(id).unwrap().ready);
    // Ani proposes; Ani again does not confirm.
    assert!(matches!(
        s.publish_election(id, None, &user("ani")).unwrap(),
        PublishStep::Proposed(_)
    ));
    let shown = s.election_count(id).unwrap().count_sha256;
    let err = s
        .publish_election(id, shown.as_deref(), &user("ani"))
        .unwrap_err();
    assert!(
        err.to_string().contains("a second committee member"),
        "{err}"
    );
    assert!(s.published_election(id).unwrap().is_none());
    let c = s.election_count(id).unwrap();
    let p = c.publication.unwrap();
    assert_eq!((p.proposed_by.as_str(), p.current), ("cli:ani", true));
    let seen = p.count_sha256;
    // The count changes after the proposal: Budi's request proposes anew.
    s.add_group(id, "V 1", "V1", &user("ani")).unwrap();
    assert!(!s.election_count(id).unwrap().publication.unwrap().current);
    // Regression: Budi's confirmation of the count he looked at proposed
    // the changed count in his name, for Ani to publish. It is refused.
    let err = s
        .publish_election(id, Some(&seen), &user("budi"))
        .unwrap_err();
    assert!(err.to_string().contains("count changed"), "{err}");
    let p = s.election_count(id).unwrap().publication.unwrap();
    assert_eq!((p.proposed_by.as_str(), p.current), ("cli:ani", false));
    assert!(matches!(
        s.publish_election(id, None, &user("budi")).unwrap(),
        PublishStep::Proposed(p) if p.proposed_by == "cli:budi"
    ));
    // The database refuses a result nobody confirmed, and a self-confirmation.
    let insert =
        "INSERT INTO election_results VALUES (?1, 'now', 'cli:budi', '{}', '', '', NULL, '')";
    assert!(raw(&s, insert, id).is_err());
    assert!(raw(
        &s,
        "UPDATE election_publications SET confirmed_by = proposed_by, confirmed_at = 'now' WHERE poll = ?1",
        id
    )
    .is_err());
    let seen = s
        .election_count(id)
        .unwrap()
        .publication
        .unwrap()
        .count_sha256;
    match s.publish_election(id, Some(&seen), &user("ani")).unwrap() {
        PublishStep::Published(p) => assert_eq!(p.election_id, id),
        PublishStep::Proposed(_) => panic!("Ani confirms Budi's proposal"),
    }
    let c = s.election_count(id).unwrap();
    let p = c.publication.unwrap();
    assert_eq!(
        (p.proposed_by.as_str(), p.confirmed_by.as_deref()),
        ("cli:budi", Some("cli:ani"))
    );
    let (log, _) = s.audit_entries(&Scope::Global, 50, 0).unwrap();
    let published = log.iter().find(|e| e.action == "election_publish").unwrap();
    assert_eq!(
        (published.actor.as_str(), &published.details["proposed_by"]),
        ("cli:ani", &json!("cli:budi"))
    );
}

/// Regression: a request that named no count confirmed whatever proposal
/// was current, so a member's click on a page opened before another
/// member changed the count and proposed it published a count the
/// clicking member never saw. A confirmation names the count its member
/// saw; a request naming none only proposes.
#[test]
fn a_page_opened_before_the_count_changed_confirms_nothing() {
    let (_d, s, id) = rt_poll(4, 2);
    both(&s, id, "1,V1,V2\n2,V1,V3\n3,V2,V3\n");
    // Budi opens the page: no proposal yet, the count as it stands.
    let budi_saw = s.election_count(id).unwrap().count_sha256.unwrap();
    // Ani changes the count alone, then proposes it.
    s.add_group(id, "V 1", "V3", &user("ani")).unwrap();
    assert!(matches!(
        s.publish_election(id, None, &user("ani")).unwrap(),
        PublishStep::Proposed(_)
    ));
    // Budi's click names the count he saw: refused.
    let err = s
        .publish_election(id, Some(&budi_saw), &user("budi"))
        .unwrap_err();
    assert!(err.to_string().contains("count changed"), "{err}");
    // Without a count named, it proposes in Budi's name, never confirms.
    assert!(matches!(
        s.publish_election(id, None, &user("budi")).unwrap(),
        PublishStep::Proposed(p) if p.proposed_by == "cli:budi"
    ));
    assert!(s.published_election(id).unwrap().is_none());
    // Ani, having seen the count Budi proposed, confirms it.
    let now = s.election_count(id).unwrap().count_sha256;
    assert!(matches!(
        s.publish_election(id, now.as_deref(), &user("ani"))
            .unwrap(),
        PublishStep::Published(_)
    ));
}

/// Regression: the proposal's fingerprint held the register's counts,
/// not its names, so after Ani proposed, one member could swap a voter
/// for another (the counts equal) and confirm alone a register that Ani
/// never saw published. The fingerprint now covers what is published
/// with the count: the register's names and the groupings.
#[test]
fn a_register_swapped_after_the_proposal_is_not_published_unseen() {
    let (_d, s, id) = rt_poll(4, 2);
    both(&s, id, "1,V1,V2\n2,V1,V3\n3,V2,V3\n");
    assert!(matches!(
        s.publish_election(id, None, &user("ani")).unwrap(),
        PublishStep::Proposed(_)
    ));
    let before = s.election_count(id).unwrap();
    let seen = before.publication.as_ref().unwrap().count_sha256.clone();
    let v4 = s.election_voters(id).unwrap();
    let v4 = v4.iter().find(|v| v.name == "V4").unwrap();
    s.remove_voter(id, v4.id, &user("dedi")).unwrap();
    let csv = "nama,jenis_kelamin,umur,kawin\nW4,L,24,tidak\n";
    let w4 = read_voters("w4.csv", csv.as_bytes()).unwrap();
    s.add_voters(id, "w4.csv", &w4, &user("dedi")).unwrap();
    let after = s.election_count(id).unwrap();
    assert_eq!(
        (after.eligible, after.voted, after.elected.clone()),
        (before.eligible, before.voted, before.elected.clone())
    );
    assert!(!after.publication.unwrap().current);
    let err = s
        .publish_election(id, Some(&seen), &user("dedi"))
        .unwrap_err();
    assert!(err.to_string().contains("count changed"), "{err}");
    assert!(matches!(
        s.publish_election(id, None, &user("dedi")).unwrap(),
        PublishStep::Proposed(p) if p.proposed_by == "cli:dedi"
    ));
    assert!(s.published_election(id).unwrap().is_none());
}

/// The same for the ballots: two ballots' names swapped in both entries
/// after the proposal leave every total as it was, but not the ballots
/// published.
#[test]
fn ballots_swapped_after_the_proposal_are_not_published_unseen() {
    let (_d, s, id) = rt_poll(4, 2);
    both(&s, id, "1,V1,V2\n2,V1,V3\n3,V2,V3\n");
    assert!(matches!(
        s.publish_election(id, None, &user("dedi")).unwrap(),
        PublishStep::Proposed(_)
    ));
    let before = s.election_count(id).unwrap();
    let names = |n: &[&str]| n.iter().map(|n| n.to_string()).collect::<Vec<_>>();
    for (entry, who) in [(Entry::A, "ani"), (Entry::B, "budi")] {
        s.correct_ballot(id, entry, "1", Some(&names(&["V1", "V3"])), &user(who))
            .unwrap();
        s.correct_ballot(id, entry, "2", Some(&names(&["V1", "V2"])), &user(who))
            .unwrap();
    }
    let after = s.election_count(id).unwrap();
    assert_eq!(after.result_summary(), before.result_summary());
    assert!(!after.publication.unwrap().current);
}

#[test]
fn a_poll_counts_with_the_settings_frozen_when_it_opened() {
    let (_d, s, id) = rt_poll(10, 5);
    both(&s, id, "1,V1,V2\n2,V1,V3\n");
    let before = s.election_count(id).unwrap();
    assert!(!before.recount.as_ref().unwrap().quorum_met, "2 of 10");
    // Lowering the quorum, seats and names while the poll is open changes
    // nothing for it.
    let lower = SettingsText {
        quorum: "0.1".into(),
        delegates_per_rt: 1,
        names_min: 1,
        ..Default::default()
    }
    .checked()
    .unwrap();
    s.set_election_settings(KEL, lower.clone(), &Actor::cli())
        .unwrap();
    let after = s.election_count(id).unwrap();
    assert_eq!(after.settings, ElectionSettings::default());
    assert_eq!(after.seats, 3);
    assert!(!after.recount.as_ref().unwrap().quorum_met);
    assert!(after
        .blockers
        .iter()
        .any(|b| b.code == BlockerCode::QuorumNotMet));
    assert!(raw(
        &s,
        "UPDATE election_polls SET settings = '{\"quorum\": \"0.1\"}' WHERE id = ?1",
        id
    )
    .is_err());
    // A poll opened later takes them.
    let later = poll(&s, Level::Rt, RT2);
    assert_eq!(s.election_count(later).unwrap().settings, lower);
}

#[test]
fn a_lot_counts_once_a_second_member_records_the_same_winners() {
    let (_d, s) = seeded();
    let rules = ElectionSettings {
        delegates_per_rt: 2,
        tie_rule: TieRule::Lot,
        ..Default::default()
    };
    s.set_election_settings(KEL, rules, &Actor::cli()).unwrap();
    let id = poll(&s, Level::Rt, RT1);
    register(&s, id, 6, 3);
    both(&s, id, "1,V1,V2\n2,V1,V3\n3,V1,V2,V3\n");
    let lot = |w: &str| TieInput {
        rule: TieRule::Lot,
        winners: vec![w.into()],
        revote: vec![],
        note: "undian di balai RW, disaksikan warga".into(),
    };
    s.record_tie(id, &lot("V3"), &user("ani")).unwrap();
    let c = s.election_count(id).unwrap();
    assert!(c.elected.is_none(), "one member's lot does not count");
    assert!(c
        .blockers
        .iter()
        .any(|b| b.code == BlockerCode::TieUnconfirmed));
    assert!(s.publish_election(id, None, &user("ani")).is_err());
    let err = s.record_tie(id, &lot("V3"), &user("ani")).unwrap_err();
    assert!(
        err.to_string().contains("a second committee member"),
        "{err}"
    );
    assert!(raw(
        &s,
        "UPDATE election_ties SET confirmed_by = decided_by, confirmed_at = 'now' WHERE poll = ?1",
        id
    )
    .is_err());
    // Other winners replace the decision, unconfirmed again.
    s.record_tie(id, &lot("V2"), &user("budi")).unwrap();
    assert!(s.election_count(id).unwrap().elected.is_none());
    s.record_tie(id, &lot("v2"), &user("ani")).unwrap();
    let c = s.election_count(id).unwrap();
    assert_eq!(c.elected.as_deref().unwrap(), ["V1", "V2"]);
    let signers = c.tie_signers.unwrap();
    assert_eq!(
        (signers.decided_by.as_str(), signers.confirmed_by.as_deref()),
        ("cli:budi", Some("cli:ani"))
    );
    assert!(c.ready, "{:?}", c.blockers);
}

#[test]
fn published_files_escape_formulas_and_still_recount() {
    let (_d, s, id) = rt_poll(4, 2);
    both(
        &s,
        id,
        "1,\"=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",V1\n2,V1,@V2\n",
    );
    s.add_group(id, "@V2", "V2", &user("ani")).unwrap();
    let p = publish(&s, id);
    assert!(
        p.ballots_csv.contains("\"'=HYPERLINK(") && p.ballots_csv.contains("'@V2"),
        "{}",
        p.ballots_csv
    );
    assert!(p.groups_csv.contains("'@V2,V2"), "{}", p.groups_csv);
    let bx = lumbung_community::election::read_ballots("B", p.ballots_csv.as_bytes()).unwrap();
    let g = lumbung_community::election::read_groups("G", p.groups_csv.as_bytes()).unwrap();
    let config = ElectionSettings::default().config(Level::Rt, NonZeroU64::new(4).unwrap());
    let again = recount(&bx, &config, &g, None).unwrap();
    assert_eq!(serde_json::to_value(&again).unwrap(), p.snapshot["recount"]);
    assert!(p.snapshot["recount"]["votes"]
        .as_object()
        .unwrap()
        .contains_key("=HYPERLINK(\"http://x\",\"y\")"));
}

/// A published result's snapshot with its time fixed: the bytes hashed.
fn pinned_snapshot(p: &Published) -> String {
    let mut snap = p.snapshot.clone();
    snap["published_at"] = json!("2025-03-03T10:00:00Z");
    snap.to_string()
}

fn pinned_poll(s: &Store) -> PollId {
    let rules = ElectionSettings::from_json(
        r#"{"delegates_per_rt": 2, "quorum": ".3", "check_residents": true}"#,
    )
    .unwrap();
    s.set_election_settings(KEL, rules, &Actor::cli()).unwrap();
    let id = poll(s, Level::Rt, RT1);
    register(s, id, 8, 3);
    s.enter_ballots(
        id,
        Entry::A,
        &ballots("1,V1,V2\n2,V1,V3\n3,V1,V2,V3\n10,Bu V4,V5\n11,V6,X\n"),
        &user("ani"),
    )
    .unwrap();
    s.enter_ballots(
        id,
        Entry::B,
        &ballots("1,V1,V2\n2,V1,V3\n3,V1,V2,V3\n10,Bu V4,V6\n11,V6,X\n"),
        &user("budi"),
    )
    .unwrap();
    s.resolve_ballot(
        id,
        "10",
        Some(&["Bu V4".to_owned(), "V5".to_owned()]),
        "kertas",
        &user("cici"),
    )
    .unwrap();
    s.add_group(id, "Bu V4", "V4", &user("ani")).unwrap();
    s.record_door_to_door(
        id,
        "2025-03-02".parse().unwrap(),
        "RW 01, Pak RT",
        &user("ani"),
    )
    .unwrap();
    let revote = TieInput {
        rule: TieRule::Revote,
        winners: vec![],
        revote: vec![("V2".into(), 1), ("v3".into(), 4)],
        note: "pemilihan ulang".into(),
    };
    s.record_tie(id, &revote, &user("ani")).unwrap();
    id
}

/// The bytes (and so the hash) of a published result never change: this
/// poll, published before the snapshot was a typed value, hashed so then.
/// `lumbung_community`'s snapshot tests pin the same bytes.
#[test]
fn a_published_snapshot_hashes_as_it_did() {
    let (_d, s) = seeded();
    let id = pinned_poll(&s);
    let p = publish(&s, id);
    assert_eq!(p.sha256, sha256_hex(&p.snapshot.to_string()));
    assert_eq!(
        sha256_hex(&pinned_snapshot(&p)),
        "e6c7f1f75f90d7c0a2e7ef375a3a41f87b145427acadb3fd4ec9a3addc07e979"
    );
}

/// Regression: numbering an entered ballot and its trigger (the other
/// entry's maker) scanned the whole poll, so a batch of ballots took
/// quadratic time under the write lock. Both are searches of an index.
#[test]
fn entering_a_ballot_searches_the_poll_never_scans_it() {
    // SQLite's plan; PostgreSQL has the same indexes (migration 49).
    let (_d, s) = crate::test_support::sqlite_store();
    let conn = s.conn().unwrap();
    for sql in [
        "SELECT coalesce(max(seq), 0) + 1 FROM election_ballots WHERE poll = 1",
        "SELECT 1 FROM election_ballots WHERE poll = 1 AND entry <> 'a' AND entered_by = 'x'",
    ] {
        let plan: Vec<String> =
            crate::sql::all(&conn, &format!("EXPLAIN QUERY PLAN {sql}"), [], |r| {
                r.get(3)
            })
            .unwrap();
        assert!(
            plan.iter().all(|step| !step.starts_with("SCAN")),
            "{sql}: {plan:?}"
        );
        assert!(
            plan.iter().any(|step| step.contains("election_ballots_")),
            "{sql}: {plan:?}"
        );
    }
}
