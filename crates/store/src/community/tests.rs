use super::*;
use crate::audit::Actor;
use crate::test_support::store;
use jiff::civil::date;
use lumbung_community::cycle::{progress_planned, ProgressSettings};
use lumbung_community::cycle::{Attendance, Document, StepReport};
use lumbung_community::mapping::{bps_template, CsvFile, KoboError};
use lumbung_community::mapping::{ps2_list, summarise, Age, Answer, Test};
use lumbung_domain::{AreaKind, AreaRecord, Scope};

const HOUSEHOLDS: &[u8] = include_bytes!("../../../community/tests/data/kobo/households.csv");
const ROSTER: &[u8] = include_bytes!("../../../community/tests/data/kobo/roster.csv");
const HOUSEHOLDS_BAD: &[u8] =
    include_bytes!("../../../community/tests/data/kobo/households_bad.csv");
const ROSTER_BAD: &[u8] = include_bytes!("../../../community/tests/data/kobo/roster_bad.csv");

const KEL: &str = "3604010001";

fn area(line: u64, code: &str, parent: Option<&str>, kind: &str) -> AreaRecord {
    AreaRecord {
        line,
        code: AreaCode::parse(code).unwrap(),
        name: code.to_owned(),
        parent: parent.map(|p| AreaCode::parse(p).unwrap()),
        kind: Some(AreaKind::parse(kind).unwrap()),
    }
}

/// Kabupaten Serang with two kelurahan; the sample's RW and RT under
/// the first.
fn seeded() -> (crate::test_support::TestDb, Store) {
    let (dir, s) = store();
    let mut records = Vec::new();
    let mut add = |code: &str, parent: Option<&str>, kind: &str| {
        let line = records.len() as u64 + 1;
        records.push(area(line, code, parent, kind));
    };
    add("ID", None, "country");
    add("36", Some("ID"), "province");
    add("3604", Some("36"), "regency");
    add("3604010", Some("3604"), "district");
    add(KEL, Some("3604010"), "kelurahan");
    add("3604010002", Some("3604010"), "kelurahan");
    for (rw, rts) in [(3u16, [4u16, 5]), (5, [1, 2])] {
        let rw_code = AreaCode::parse(KEL).unwrap().rw(rw).unwrap();
        add(rw_code.as_str(), Some(KEL), "rw");
        for rt in rts {
            add(
                rw_code.rt(rt).unwrap().as_str(),
                Some(rw_code.as_str()),
                "rt",
            );
        }
    }
    let (cli, no_progress) = (Actor::cli(), &mut |_, _| {});
    let summary = s.import_areas("t.csv", records, vec![], vec![], &cli, no_progress);
    summary.unwrap();
    (dir, s)
}

fn user(u: &str) -> Username {
    Username::parse(u).unwrap()
}

fn report(step: &str, on: jiff::civil::Date) -> StepReport {
    StepReport {
        step: step.into(),
        done_on: on,
        attendance: Attendance::new(40, 18, 12).unwrap(),
        documents: vec![Document {
            title: "Berita acara".into(),
            reference: None,
        }],
    }
}

fn audit_actions(s: &Store) -> Vec<String> {
    s.audit_entries(&Scope::Global, 100, 0)
        .unwrap()
        .0
        .into_iter()
        .map(|e| e.action)
        .filter(|a| !a.starts_with("area"))
        .collect()
}

fn file<'a>(name: &'a str, bytes: &'a [u8]) -> CsvFile<'a> {
    CsvFile::new(name, bytes)
}

/// A Kobo export into the kelurahan `code`, imported by the CLI.
fn import(
    s: &Store,
    code: &str,
    households: CsvFile,
    roster: CsvFile,
) -> Result<KoboImport, KoboImportError> {
    let (cli, no_progress) = (Actor::cli(), &mut |_, _| {});
    s.import_kobo(code, households, roster, None, &cli, no_progress)
}

/// The sample export, imported by the CLI.
fn import_sample(s: &Store) -> KoboImport {
    let households = file("households.csv", HOUSEHOLDS);
    import(s, KEL, households, file("roster.csv", ROSTER)).unwrap()
}

/// The sample again, with one head of household's name written longer.
fn import_renamed(s: &Store) -> KoboImport {
    let text = String::from_utf8(HOUSEHOLDS.to_vec()).unwrap();
    let changed = text.replacen("Mulyadi", "Mulyadi bin Sarta", 1);
    let households = file("households-2.csv", changed.as_bytes());
    import(s, KEL, households, file("roster.csv", ROSTER)).unwrap()
}

#[test]
fn only_kelurahan_have_a_cycle() {
    let (_d, s) = seeded();
    assert!(matches!(s.kelurahan("3604"), Err(StoreError::NotFound(_))));
    assert!(matches!(s.kelurahan("nope"), Err(StoreError::NotFound(_))));
    let k = s.kelurahan(KEL).unwrap();
    assert_eq!(k.district.as_deref(), Some("3604010"));
    assert_eq!(k.regency.as_deref(), Some("3604"));
}

#[test]
fn steps_are_recorded_in_order_verified_by_another_and_audited() {
    let (_d, s) = seeded();
    let actor = Actor::cli();
    let fac = user("fasilitator");
    assert!(s.programme_cycles(None, &Scope::Global).unwrap().is_empty());
    let err = s
        .record_cycle_step(KEL, report("volunteers", date(2024, 1, 10)), &fac, &actor)
        .unwrap_err();
    assert!(err.to_string().contains("before step rkm"), "{err}");
    s.record_cycle_step(KEL, report("rkm", date(2024, 1, 10)), &fac, &actor)
        .unwrap();
    assert!(matches!(
        s.record_cycle_step(KEL, report("rkm", date(2024, 1, 11)), &fac, &actor),
        Err(StoreError::Conflict(_))
    ));
    let mut bad = report("volunteers", date(2024, 2, 1));
    bad.attendance = Attendance::new(10, 0, 0).unwrap();
    bad.documents[0].title = " ".into();
    assert!(matches!(
        s.record_cycle_step(KEL, bad, &fac, &actor),
        Err(StoreError::Invalid { .. })
    ));
    // Joined the programme with the default plan.
    let all = s.programme_cycles(None, &Scope::Global).unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].cycle.records().len(), 1);
    assert!(matches!(
        s.verify_cycle_step(KEL, "rkm", &fac, &actor),
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        s.verify_cycle_step(KEL, "volunteers", &user("korkot"), &actor),
        Err(StoreError::NotFound(_))
    ));
    let r = s
        .verify_cycle_step(KEL, "rkm", &user("korkot"), &actor)
        .unwrap();
    assert!(r.is_verified());
    assert!(s
        .verify_cycle_step(KEL, "rkm", &user("korkot2"), &actor)
        .is_err());
    let (_, _, cycle) = s.kelurahan_cycle(KEL).unwrap();
    assert!(cycle.records()[0].is_verified());
    assert_eq!(
        audit_actions(&s),
        ["cycle.verify", "cycle.record"],
        "refused changes leave no trace"
    );
}

#[test]
fn plans_keep_targets_and_must_fit_the_records() {
    let (_d, s) = seeded();
    let actor = Actor::cli();
    let mut plan = CyclePlan::default();
    plan.set_target("rkm", Some(date(2024, 1, 31))).unwrap();
    plan.set_start(Some(date(2024, 1, 2)));
    s.set_cycle_plan(KEL, &plan, &actor).unwrap();
    s.set_cycle_plan(KEL, &plan, &actor).unwrap();
    assert_eq!(
        audit_actions(&s),
        ["cycle.plan"],
        "the same plan again is no change"
    );
    s.record_cycle_step(
        KEL,
        report("rkm", date(2024, 2, 10)),
        &user("fasilitator"),
        &actor,
    )
    .unwrap();
    let mut steps = lumbung_community::cycle::default_steps();
    steps.remove(0);
    let without_rkm = CyclePlan::new(steps, None).unwrap();
    assert!(matches!(
        s.set_cycle_plan(KEL, &without_rkm, &actor),
        Err(StoreError::Conflict(_))
    ));
    let path = s.area_path("3604010").unwrap().unwrap();
    let cycles = s.programme_cycles(Some(&path), &Scope::Global).unwrap();
    let pairs: Vec<_> = cycles.iter().map(|c| (&c.plan, &c.cycle)).collect();
    let p = progress_planned(
        &CyclePlan::default(),
        &pairs,
        &BTreeMap::new(),
        date(2024, 3, 1),
        &ProgressSettings::default(),
    )
    .unwrap();
    assert_eq!(
        p.steps[0].on_time,
        Some(0),
        "done after the 31 January target"
    );
    let other = s.area_path("3603").unwrap();
    assert!(other.is_none());
}

#[test]
fn a_kobo_export_imports_whole_once() {
    let (_d, s) = seeded();
    let actor = Actor::cli();
    let mut calls = 0;
    let first = s
        .import_kobo(
            KEL,
            file("households.csv", HOUSEHOLDS),
            file("roster.csv", ROSTER),
            None,
            &actor,
            &mut |_, _| calls += 1,
        )
        .unwrap();
    assert!(calls > 0);
    assert_eq!((first.households, first.members), (30, 131));
    assert_eq!((first.created, first.updated, first.unchanged), (30, 0, 0));
    assert!(!first.already_imported);
    let again = import_sample(&s);
    assert!(again.already_imported);
    assert_eq!(again.id, first.id);
    assert_eq!(s.kobo_imports(KEL).unwrap().len(), 1);
    assert_eq!(audit_actions(&s), ["mapping.import"]);

    let data = s.mapping_data(KEL).unwrap();
    assert!(!data.criteria_adopted);
    assert_eq!(data.households.len(), 30);
    let summary = summarise(&data.criteria, &data.areas, &data.households).unwrap();
    assert_eq!(summary.kelurahan.households, 30);
    assert_eq!(summary.rws.len(), 2);
    assert_eq!(summary.rts.len(), 4);
    let list = ps2_list(&data.criteria, &data.areas, &data.households).unwrap();
    assert_eq!(list.poor.len() as u64, summary.kelurahan.poor);
    // What a form adding a household is checked against: the same
    // criteria, RTs and names, none of the households.
    let frame = s.mapping_frame(KEL).unwrap();
    assert!(frame.households.is_empty() && frame.imported.is_empty());
    assert_eq!(
        (
            frame.kelurahan.code,
            frame.criteria,
            frame.areas,
            frame.area_names
        ),
        (
            data.kelurahan.code.clone(),
            data.criteria.clone(),
            data.areas.clone(),
            data.area_names.clone()
        )
    );

    // Another kelurahan has no such RT: refused whole.
    let households = file("households.csv", HOUSEHOLDS);
    let err = import(&s, "3604010002", households, file("roster.csv", ROSTER)).unwrap_err();
    assert!(matches!(err, KoboImportError::Kobo(KoboError::Rejected(_))));
    assert!(s.mapping_data("3604010002").unwrap().households.is_empty());
}

#[test]
fn a_bad_export_stores_nothing_and_names_every_problem() {
    let (_d, s) = seeded();
    let households = file("households_bad.csv", HOUSEHOLDS_BAD);
    let err = import(&s, KEL, households, file("roster_bad.csv", ROSTER_BAD)).unwrap_err();
    let KoboImportError::Kobo(KoboError::Rejected(files)) = err else {
        panic!("expected a rejection, got {err:?}");
    };
    assert_eq!(files[0].file, "households_bad.csv");
    assert!(files.iter().all(|f| f.errors.iter().all(|e| e.line > 0)));
    assert!(s.mapping_data(KEL).unwrap().households.is_empty());
    assert!(s.kobo_imports(KEL).unwrap().is_empty());
    assert!(audit_actions(&s).is_empty());
}

#[test]
fn criteria_are_adopted_and_households_scored_against_them() {
    let (_d, s) = seeded();
    let actor = Actor::cli();
    import_sample(&s);
    let bps = s.mapping_data(KEL).unwrap();
    let poor_bps = summarise(&bps.criteria, &bps.areas, &bps.households)
        .unwrap()
        .kelurahan
        .poor;
    let mut json = serde_json::to_value(bps_template()).unwrap();
    json["name"] = "Kriteria warga".into();
    json["poor_when_at_least"] = 3.into();
    let ours: Criteria = serde_json::from_value(json).unwrap();
    s.set_mapping_criteria(KEL, &ours, &actor).unwrap();
    s.set_mapping_criteria(KEL, &ours, &actor).unwrap();
    let data = s.mapping_data(KEL).unwrap();
    assert!(data.criteria_adopted);
    assert_eq!(data.criteria.name(), "Kriteria warga");
    let poor = summarise(&data.criteria, &data.areas, &data.households)
        .unwrap()
        .kelurahan
        .poor;
    assert!(poor > poor_bps, "a laxer rule finds more poor households");
    assert_eq!(audit_actions(&s), ["mapping.criteria", "mapping.import"]);
}

#[test]
fn a_new_export_replaces_households_by_uuid() {
    let (_d, s) = seeded();
    import_sample(&s);
    let second = import_renamed(&s);
    assert_eq!(
        (second.created, second.updated, second.unchanged),
        (0, 1, 29)
    );
    let data = s.mapping_data(KEL).unwrap();
    assert_eq!(data.households.len(), 30);
    assert!(data
        .households
        .iter()
        .any(|h| h.head_name == "Mulyadi bin Sarta"));
}

fn typed_in(rt: &str, id: &str, floor_area: &str) -> Household {
    use lumbung_community::mapping::{Decimal, Member, Relation, Sex};
    let criteria = bps_template();
    let mut answers: BTreeMap<String, Answer> = criteria
        .indicators()
        .iter()
        .filter(|i| matches!(i.test, Test::YesNo { .. }))
        .map(|i| (i.key.clone(), Answer::YesNo(true)))
        .collect();
    answers.insert(
        "floor_area".into(),
        Answer::Number(Decimal::parse(floor_area).unwrap()),
    );
    let member = |name: &str, sex, age, relation| Member {
        name: name.into(),
        sex,
        age,
        relation,
        nik: None,
    };
    Household {
        id: id.into(),
        rt: AreaCode::parse(rt).unwrap(),
        head_name: " Siti Aminah ".into(),
        address: "Kp. Cibogo".into(),
        answers,
        members: vec![
            member("Siti Aminah", Sex::Female, Age::Years(41), Relation::Head),
            member("Rudi", Sex::Male, Age::BirthYear(2010), Relation::Child),
        ],
    }
}

fn invalid_field(r: Result<Household>) -> (String, String) {
    match r {
        Err(StoreError::Invalid { field, message }) => (field, message.to_string()),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn households_are_typed_in_checked_scored_and_removed() {
    let (_d, s) = seeded();
    let actor = Actor::cli();
    let rt = AreaCode::parse(KEL).unwrap().rw(3).unwrap().rt(4).unwrap();
    let rt = rt.as_str();
    let first = s
        .add_household(KEL, &typed_in(rt, "", "10"), &actor)
        .unwrap();
    assert_eq!(first.id, "manual-1");
    assert_eq!(first.head_name, "Siti Aminah", "trimmed");
    let second = s
        .add_household(KEL, &typed_in(rt, " ", "10"), &actor)
        .unwrap();
    assert_eq!(second.id, "manual-2");
    let own = s
        .add_household(KEL, &typed_in(rt, "kk-7", "40"), &actor)
        .unwrap();
    assert_eq!(own.id, "kk-7");

    let data = s.mapping_data(KEL).unwrap();
    assert_eq!(data.households.len(), 3);
    assert!(data.imported.is_empty(), "typed in, not imported");
    // 13 yes + 10 m² for 2 members (5 m² each, under 8): all 14 hold.
    // 40 m² for 2 is 20 m² each: 13 hold, still poor (9 of 14).
    let summary = summarise(&data.criteria, &data.areas, &data.households).unwrap();
    assert_eq!(summary.kelurahan.poor, 3);
    assert_eq!(summary.kelurahan.members, 6);
    let list = ps2_list(&data.criteria, &data.areas, &data.households).unwrap();
    assert_eq!(list.poor.len(), 3);
    assert!(list.poor.iter().any(|e| e.household_id == "kk-7"));

    // Refused, each naming its field; nothing stored, nothing audited.
    let before = audit_actions(&s).len();
    let (f, m) = invalid_field(s.add_household(KEL, &typed_in(rt, "kk-7", "1"), &actor));
    assert_eq!(f, "id");
    assert!(m.contains("already mapped"), "{m}");
    let (f, _) = invalid_field(s.add_household(KEL, &typed_in(rt, "manual-9", "1"), &actor));
    assert_eq!(f, "id");
    let other_rt = AreaCode::parse("3604010002")
        .unwrap()
        .rw(3)
        .unwrap()
        .rt(4)
        .unwrap();
    let (f, m) = invalid_field(s.add_household(KEL, &typed_in(other_rt.as_str(), "", "1"), &actor));
    assert_eq!(f, "rt");
    assert!(m.contains(other_rt.as_str()), "{m}");
    // The RT is fine, but the kelurahan is another one.
    assert_eq!(
        invalid_field(s.add_household("3604010002", &typed_in(rt, "", "1"), &actor)).0,
        "rt"
    );
    let mut h = typed_in(rt, "", "1");
    h.answers.insert("no_such".into(), Answer::YesNo(true));
    h.answers.insert("floor_area".into(), Answer::YesNo(true));
    let (f, m) = invalid_field(s.add_household(KEL, &h, &actor));
    assert_eq!(f, "answers");
    assert!(m.contains("no_such") && m.contains("floor_area"), "{m}");
    let mut h = typed_in(rt, "", "1");
    h.head_name = "  ".into();
    assert_eq!(
        invalid_field(s.add_household(KEL, &h, &actor)).0,
        "head_name"
    );
    let mut h = typed_in(rt, "", "1");
    h.members.clear();
    assert_eq!(invalid_field(s.add_household(KEL, &h, &actor)).0, "members");
    let mut h = typed_in(rt, "", "1");
    h.members[1].name = " ".into();
    h.members[0].age = Age::Years(200);
    let (f, m) = invalid_field(s.add_household(KEL, &h, &actor));
    assert_eq!(f, "members");
    assert!(
        m.contains("member 1: 200") && m.contains("member 2: the name"),
        "{m}"
    );
    assert!(matches!(
        s.add_household("3604", &typed_in(rt, "", "1"), &actor),
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(audit_actions(&s).len(), before);
    assert_eq!(s.mapping_data(KEL).unwrap().households.len(), 3);

    // Removed, audited; ids are not given twice.
    let removed = s.remove_household(KEL, "manual-2", &actor).unwrap();
    assert_eq!(removed.head_name, "Siti Aminah");
    assert!(matches!(
        s.remove_household(KEL, "manual-2", &actor),
        Err(StoreError::NotFound(_))
    ));
    let next = s
        .add_household(KEL, &typed_in(rt, "", "10"), &actor)
        .unwrap();
    assert_eq!(next.id, "manual-4", "the fourth household typed in");
    let data = s.mapping_data(KEL).unwrap();
    let ids: Vec<&str> = data.households.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(ids, ["manual-1", "kk-7", "manual-4"]);
    assert_eq!(
        audit_actions(&s),
        [
            "mapping.household.add",
            "mapping.household.remove",
            "mapping.household.add",
            "mapping.household.add",
            "mapping.household.add",
        ]
    );
    let entries = s.audit_entries(&Scope::Global, 1, 0).unwrap().0;
    let logged = entries[0].details.to_string();
    assert!(
        !logged.contains("Siti"),
        "no names in the audit log: {logged}"
    );
    assert_eq!(entries[0].details["household"], "manual-4");
}

#[test]
fn imported_households_are_edited_and_removed_until_a_new_export() {
    let (_d, s) = seeded();
    let actor = Actor::cli();
    let import = import_sample(&s);
    let data = s.mapping_data(KEL).unwrap();
    assert_eq!(data.imported.len(), 30);
    let gone = data
        .households
        .iter()
        .find(|h| !h.head_name.contains("Mulyadi"))
        .unwrap()
        .clone();
    assert_eq!(data.imported[&gone.id], import.id);

    // Edited by hand: kept as its import's.
    let mut edited = gone.clone();
    edited.address = "Kp. Baru".into();
    s.update_household(KEL, &edited, &actor).unwrap();
    s.update_household(KEL, &edited, &actor).unwrap();
    let data = s.mapping_data(KEL).unwrap();
    assert!(data.households.iter().any(|h| h.address == "Kp. Baru"));
    assert_eq!(data.imported[&gone.id], import.id);
    let mut unknown = edited.clone();
    unknown.id = "nope".into();
    assert!(matches!(
        s.update_household(KEL, &unknown, &actor),
        Err(StoreError::NotFound(_))
    ));
    let mut bad = edited.clone();
    bad.members.clear();
    assert!(matches!(
        s.update_household(KEL, &bad, &actor),
        Err(StoreError::Invalid { .. })
    ));

    s.remove_household(KEL, &gone.id, &actor).unwrap();
    assert_eq!(s.mapping_data(KEL).unwrap().households.len(), 29);
    // The same files again change nothing: it stays removed.
    let again = import_sample(&s);
    assert!(again.already_imported);
    assert_eq!(s.mapping_data(KEL).unwrap().households.len(), 29);
    // A new export that still holds it brings it back.
    let later = import_renamed(&s);
    assert_eq!((later.created, later.updated), (1, 1));
    let data = s.mapping_data(KEL).unwrap();
    assert_eq!(data.households.len(), 30);
    assert_eq!(data.imported[&gone.id], later.id);
    assert_eq!(
        audit_actions(&s),
        [
            "mapping.import",
            "mapping.household.remove",
            "mapping.household.update",
            "mapping.import",
        ]
    );
}

#[test]
fn the_cycle_and_the_mapping_take_the_time_from_the_store_clock() {
    let (_d, s) = seeded();
    let at: jiff::Timestamp = "2024-03-05T08:00:00Z".parse().unwrap();
    let s = s.with_clock(lumbung_domain::Clock::fixed(at));
    let actor = Actor::cli();
    let recorded = s
        .record_cycle_step(KEL, report("rkm", date(2024, 1, 10)), &user("fas"), &actor)
        .unwrap();
    assert_eq!(recorded.recorded_at, at);
    let verified = s
        .verify_cycle_step(KEL, "rkm", &user("korkot"), &actor)
        .unwrap();
    assert_eq!(
        verified.verification,
        lumbung_community::cycle::Verification::Verified {
            by: user("korkot"),
            at
        }
    );
    let import = import_sample(&s);
    assert_eq!(import.imported_at, at.to_string());
}
