//! The sample KoboToolbox export of kelurahan 3604010001 (30 households in
//! RT 004 and 005 of RW 03 and RT 001 and 002 of RW 05), and bad files.

use lumbung_community::mapping::{
    bps_template, import_kobo, ps2_list, summarise, Age, Classification, CsvFile, Household,
    KelurahanAreas, KoboError, KoboMapping, Relation, Sex,
};
use lumbung_domain::{AreaCode, Rejected};

const HOUSEHOLDS: &[u8] = include_bytes!("data/kobo/households.csv");
const ROSTER: &[u8] = include_bytes!("data/kobo/roster.csv");
const HOUSEHOLDS_BAD: &[u8] = include_bytes!("data/kobo/households_bad.csv");
const ROSTER_BAD: &[u8] = include_bytes!("data/kobo/roster_bad.csv");
const HOUSEHOLDS_OLD: &[u8] = include_bytes!("data/kobo/households_old_version.csv");

/// A file of an export: its name and bytes.
type File = (&'static str, &'static [u8]);
const HOUSEHOLDS_FILE: File = ("households.csv", HOUSEHOLDS);
const ROSTER_FILE: File = ("roster.csv", ROSTER);
const HOUSEHOLDS_BAD_FILE: File = ("households_bad.csv", HOUSEHOLDS_BAD);
const ROSTER_BAD_FILE: File = ("roster_bad.csv", ROSTER_BAD);
const HOUSEHOLDS_OLD_FILE: File = ("households_old_version.csv", HOUSEHOLDS_OLD);

fn areas() -> KelurahanAreas {
    KelurahanAreas::by_convention(
        AreaCode::parse("3604010001").unwrap(),
        &[(3, 4), (3, 5), (5, 1), (5, 2)],
    )
    .unwrap()
}

fn import(h: (&str, &[u8]), r: (&str, &[u8])) -> Result<Vec<Household>, KoboError> {
    import_kobo(
        CsvFile::new(h.0, h.1),
        CsvFile::new(r.0, r.1),
        &KoboMapping::default(),
        &bps_template(),
        &areas(),
    )
}

fn sample() -> Vec<Household> {
    import(HOUSEHOLDS_FILE, ROSTER_FILE).unwrap()
}

fn rejected(result: Result<Vec<Household>, KoboError>) -> Vec<Rejected> {
    match result {
        Err(KoboError::Rejected(r)) => r,
        other => panic!("expected a rejection, got {other:?}"),
    }
}

/// (line, column, words in the message) of each problem of a file.
fn problems(r: &Rejected) -> Vec<(u64, String, String)> {
    r.errors
        .iter()
        .map(|e| {
            (
                e.line,
                e.column.clone().unwrap_or_default(),
                e.message.to_string(),
            )
        })
        .collect()
}

#[test]
fn the_sample_imports_whole_with_members_linked() {
    let hs = sample();
    assert_eq!(hs.len(), 30);
    assert_eq!(hs.iter().map(|h| h.members.len()).sum::<usize>(), 131);
    let first = &hs[0];
    assert_eq!(first.id, "696c63d6-f5ea-4065-877e-f32a3f3f37ea");
    assert_eq!(first.rt.as_str(), "3604010001.03.004");
    assert_eq!(first.head_name, "Mulyadi");
    assert_eq!(first.address, "Kp. Pasir Awi No. 46, RT 004/RW 003");
    assert_eq!(first.members.len(), 5);
    assert_eq!(first.members[0].relation, Relation::Head);
    assert_eq!(
        first.members[0].nik.as_ref().unwrap().as_str(),
        "3604010202650002"
    );
    assert_eq!(first.members[1].sex, Sex::Female);
    assert_eq!(first.members[3].age, Age::BirthYear(1990));
    // RT written "4" instead of "004" is the same RT.
    assert_eq!(hs[3].rt.as_str(), "3604010001.03.004");
    // The quoted note with a line break does not shift the households.
    assert_eq!(hs[4].head_name, "Arsyad");
    assert_eq!(hs[5].head_name, "Juhri");
    // Every member is in the roster once, under the right household.
    let last = &hs[29];
    assert_eq!(last.head_name, "Dulhadi");
    assert_eq!(last.members.len(), 2);
}

#[test]
fn counts_per_rt_and_rw_of_the_sample() {
    let hs = sample();
    let c = bps_template();
    let s = summarise(&c, &areas(), &hs).unwrap();
    let row = |t: &lumbung_community::mapping::AreaTally| {
        (
            t.area.to_string(),
            t.households,
            t.poor,
            t.not_poor,
            t.incomplete,
            t.members,
            t.women,
        )
    };
    assert_eq!(
        s.rts.iter().map(row).collect::<Vec<_>>(),
        vec![
            ("3604010001.03.004".into(), 8, 4, 4, 0, 38, 17),
            ("3604010001.03.005".into(), 7, 3, 3, 1, 30, 16),
            ("3604010001.05.001".into(), 9, 5, 4, 0, 40, 18),
            ("3604010001.05.002".into(), 6, 3, 3, 0, 23, 15),
        ]
    );
    assert_eq!(
        s.rws.iter().map(row).collect::<Vec<_>>(),
        vec![
            ("3604010001.03".into(), 15, 7, 7, 1, 68, 33),
            ("3604010001.05".into(), 15, 8, 7, 0, 63, 33),
        ]
    );
    assert_eq!(
        row(&s.kelurahan),
        ("3604010001".into(), 30, 15, 14, 1, 131, 66)
    );
    assert_eq!(s.kelurahan.share_poor.unwrap().to_string(), "0.500000");
    assert_eq!(s.rts[1].share_poor.unwrap().to_string(), "0.428571");
    let per_criterion: Vec<(String, u64)> = s
        .kelurahan
        .criteria
        .iter()
        .map(|t| (t.key.clone(), t.households))
        .collect();
    assert_eq!(
        per_criterion,
        [
            ("floor_area", 15),
            ("floor", 11),
            ("wall", 16),
            ("toilet", 19),
            ("electricity", 17),
            ("water", 15),
            ("cooking_fuel", 18),
            ("protein", 16),
            ("clothing", 14),
            ("meals", 17),
            ("healthcare", 20),
            ("income", 13),
            ("education", 18),
            ("savings", 17),
        ]
        .map(|(k, n)| (k.to_string(), n))
    );
    // The RTs add up to the kelurahan, criterion by criterion.
    for (i, t) in s.kelurahan.criteria.iter().enumerate() {
        assert_eq!(
            s.rts
                .iter()
                .map(|rt| rt.criteria[i].households)
                .sum::<u64>(),
            t.households
        );
    }
}

#[test]
fn edge_households_of_the_sample() {
    let hs = sample();
    let c = bps_template();
    let by_name = |n: &str| hs.iter().find(|h| h.head_name == n).unwrap();
    // 8 yes and exactly 8 m² per person: not poor.
    let s = c.score(by_name("Juhri"));
    assert_eq!((s.count(), s.classification), (8, Classification::NotPoor));
    // 8 yes and 7.5 m² per person: the ninth makes it poor.
    let s = c.score(by_name("Ujang Suherman"));
    assert_eq!((s.count(), s.classification), (9, Classification::Poor));
    // 8 yes, floor area not asked: incomplete.
    let s = c.score(by_name("Rasmin"));
    assert_eq!(s.missing, vec!["floor_area".to_string()]);
    assert_eq!(s.classification, Classification::Incomplete);
    // 9 hold and one answer missing: poor anyway.
    let s = c.score(by_name("Nurhayati"));
    assert_eq!(
        (s.count(), s.missing.len(), s.classification),
        (9, 1, Classification::Poor)
    );
    // 7 yes, floor area missing: cannot reach 9.
    assert_eq!(
        c.score(by_name("Jumadi")).classification,
        Classification::NotPoor
    );

    let ps2 = ps2_list(&c, &areas(), &hs).unwrap();
    assert_eq!(ps2.poor.len(), 15);
    assert_eq!(ps2.incomplete.len(), 1);
    assert_eq!(ps2.incomplete[0].head_name, "Rasmin");
    assert!(ps2
        .poor
        .windows(2)
        .all(|w| (&w[0].rt, &w[0].head_name) <= (&w[1].rt, &w[1].head_name)));
}

#[test]
fn semicolons_a_byte_order_mark_and_crlf_give_the_same_households() {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::WriterBuilder::new()
            .delimiter(b';')
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut out);
        for rec in csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(HOUSEHOLDS)
            .records()
        {
            w.write_record(&rec.unwrap()).unwrap();
        }
        w.flush().unwrap();
    }
    let again = import(("households.csv", &out), ROSTER_FILE).unwrap();
    assert_eq!(again, sample());
}

#[test]
fn a_bad_main_file_is_rejected_whole_with_line_and_column() {
    let r = rejected(import(HOUSEHOLDS_BAD_FILE, ROSTER_FILE));
    assert_eq!(r.len(), 1, "the roster is fine: {r:?}");
    assert_eq!(r[0].file, "households_bad.csv");
    let p = problems(&r[0]);
    assert_eq!(p.len(), 4, "{p:?}");
    assert_eq!((p[0].0, p[0].1.as_str()), (5, "household/rt"));
    assert!(p[0]
        .2
        .contains("RT 009 of RW 03 (3604010001.03.009) is not an RT of kelurahan 3604010001"));
    // Line 14: the quoted two-line note of line 6 counts as two lines.
    assert_eq!((p[1].0, p[1].1.as_str()), (14, "criteria/luas_lantai"));
    assert!(p[1].2.contains("\"tiga puluh\" is not a number"));
    assert_eq!((p[2].0, p[2].1.as_str()), (21, "criteria/tanpa_listrik"));
    assert!(p[2].2.contains("\"mungkin\" is not yes or no"));
    assert_eq!((p[3].0, p[3].1.as_str()), (29, "_uuid"));
    assert!(p[3].2.contains("(first on line 10)"));
    let text = KoboError::Rejected(r).to_string();
    assert!(text.contains("households_bad.csv: rejected, nothing imported (4 problems)"));
    assert!(text.contains("households_bad.csv: line 14, column criteria/luas_lantai:"));
}

#[test]
fn a_bad_roster_is_rejected_whole() {
    let r = rejected(import(HOUSEHOLDS_FILE, ROSTER_BAD_FILE));
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].file, "roster_bad.csv");
    let p = problems(&r[0]);
    assert_eq!(p.len(), 2, "{p:?}");
    assert_eq!((p[0].0, p[0].1.as_str()), (42, "household/anggota/umur"));
    assert!(p[0].2.contains("\"dua puluh\" is not an age"));
    assert_eq!((p[1].0, p[1].1.as_str()), (133, "_parent_index"));
    assert_eq!(p[1].2, "no household in households.csv has _index 31");
}

#[test]
fn an_older_form_without_a_mapped_column_is_rejected_on_its_header() {
    let r = rejected(import(HOUSEHOLDS_OLD_FILE, ROSTER_FILE));
    assert_eq!(r.len(), 1);
    let p = problems(&r[0]);
    assert_eq!(
        p,
        vec![(
            1,
            "criteria/tanpa_tabungan".to_string(),
            "column criteria/tanpa_tabungan is not in the file".to_string()
        )]
    );
}

#[test]
fn both_files_bad_are_both_reported() {
    let r = rejected(import(HOUSEHOLDS_BAD_FILE, ROSTER_BAD_FILE));
    assert_eq!(
        r.iter()
            .map(|f| (f.file.as_str(), f.errors.len()))
            .collect::<Vec<_>>(),
        vec![("households_bad.csv", 4), ("roster_bad.csv", 2)]
    );
}

#[test]
fn an_unknown_rt_when_the_kelurahan_has_fewer_rts() {
    let fewer = KelurahanAreas::by_convention(
        AreaCode::parse("3604010001").unwrap(),
        &[(3, 4), (3, 5), (5, 1)],
    )
    .unwrap();
    let r = match import_kobo(
        CsvFile::new("households.csv", HOUSEHOLDS),
        CsvFile::new("roster.csv", ROSTER),
        &KoboMapping::default(),
        &bps_template(),
        &fewer,
    ) {
        Err(KoboError::Rejected(r)) => r,
        other => panic!("{other:?}"),
    };
    // The six households of RT 002 of RW 05, and nothing about their members.
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].errors.len(), 6);
    assert!(r[0]
        .errors
        .iter()
        .all(|e| e.column.as_deref() == Some("household/rt")));
}
