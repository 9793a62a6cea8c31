use super::*;

fn source(poll: i64, rt: &str, elected: &[&str], register: &[(&str, Sex)]) -> SourceResult {
    SourceResult {
        poll: PollId::new(poll),
        area_name: rt.to_owned(),
        elected: elected.iter().map(|n| n.to_string()).collect(),
        register: register
            .iter()
            .map(|(n, s)| (n.to_string(), Some(*s)))
            .collect(),
    }
}

#[test]
fn delegates_take_their_sex_from_their_rt_and_a_shared_name_its_rt() {
    let rts = [
        source(1, "RT 01", &["Siti", "Budi"], &[("siti", Sex::Female)]),
        source(2, "RT 02", &["Budi", "Ani"], &[("Ani", Sex::Female)]),
    ];
    let d = delegates("K1", &rts).unwrap();
    let names: Vec<&str> = d.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["Siti", "Budi (RT 01)", "Budi (RT 02)", "Ani"]);
    assert_eq!(d[0].sex, Some(Sex::Female));
    assert_eq!(d[1].sex, None);
    assert_eq!(d[3].source, PollId::new(2));
}

#[test]
fn no_published_source_is_refused_in_both_languages() {
    let e = delegates("K1", &[source(1, "RT 01", &[], &[])]).unwrap_err();
    assert_eq!(
        e.text(),
        "no RT of K1 has a published result yet: the delegates come from them"
    );
    assert_eq!(e.text().to_string(), e.to_string());
    let e = members("K1", None).unwrap_err();
    assert!(e
        .text()
        .indonesian()
        .starts_with("K1 belum punya hasil BKM"));
    let m = members(
        "K1",
        Some(&source(9, "K1", &["Ani"], &[("ani", Sex::Female)])),
    )
    .unwrap();
    assert_eq!(
        m,
        [Delegate {
            name: "Ani".into(),
            sex: Some(Sex::Female),
            source: PollId::new(9)
        }]
    );
}

#[test]
fn polls_are_held_in_the_right_kind_of_area() {
    let rt = PollArea::of_kind(Some("rt"));
    let kel = PollArea::of_kind(Some("kelurahan"));
    assert!(check_poll_area("A", Level::Rt, rt).is_ok());
    assert!(check_poll_area("A", Level::Bkm, kel).is_ok());
    assert_eq!(
        check_poll_area("A", Level::Rt, kel)
            .unwrap_err()
            .to_string(),
        "A is not an RT: level 1 is held per RT"
    );
    assert_eq!(
        check_poll_area("A", Level::Coordinator, PollArea::of_kind(None)).unwrap_err(),
        AreaRefused::NotKelurahanForLevel2("A".into())
    );
    assert!(check_settings_area("A", kel).is_ok());
    assert_eq!(
        check_settings_area("A", rt).unwrap_err().text(),
        "A is not a kelurahan"
    );
}

#[test]
fn level_one_residents_are_the_named_people_on_the_register_only() {
    let mut grouping = Grouping::new();
    grouping.add("Bu Siti", "Siti").unwrap();
    let ballots = vec![
        (
            "1".to_owned(),
            vec!["Bu Siti".to_owned(), "Stranger".to_owned()],
        ),
        ("2".to_owned(), vec!["andi".to_owned(), "=cmd".to_owned()]),
    ];
    let groups = vec![("Bu Siti".to_owned(), "Siti".to_owned())];
    let register = vec!["Siti".to_owned(), "Andi".to_owned(), "Unnamed".to_owned()];
    let input = PublishInput {
        level: Level::Rt,
        names_per_ballot: NamesPerBallot::new(2, 3).unwrap(),
        residents_checked: true,
        ballots: &ballots,
        groups: &groups,
        grouping: &grouping,
        register: &register,
    };
    let files = PublishFiles::of(&input);
    assert_eq!(files.residents_csv.as_deref(), Some("person\nAndi\nSiti\n"));
    assert_eq!(
        files.ballots_csv,
        "ballot_id,name1,name2,name3\n1,Bu Siti,Stranger,\n2,andi,'=cmd,\n"
    );
    assert_eq!(files.groups_csv, "written,person\nBu Siti,Siti\n");
    let names: Vec<&str> = files.named().iter().map(|(n, _)| *n).collect();
    assert_eq!(names, ["BALLOTS.csv", "GROUPS.csv", "RESIDENTS.csv"]);
    let unchecked = PublishFiles::of(&PublishInput {
        residents_checked: false,
        ..input
    });
    assert_eq!(unchecked.residents_csv, None);
}

#[test]
fn a_bkm_result_starts_a_term() {
    let d: Date = "2025-03-02".parse().unwrap();
    let t = term_of(Level::Bkm, d, 3).unwrap();
    assert_eq!(t.end.to_string(), "2028-03-02");
    assert_eq!(term_of(Level::Rt, d, 3), None);
}

#[test]
fn stored_facts_read_what_is_there() {
    let f = PublishedFacts::read(r#"{"elected":["A"],"recount":{"ballots":3,"eligible":9,"x":1}}"#)
        .unwrap();
    assert_eq!(f.elected(), ["A"]);
    assert_eq!(
        f.recount,
        Some(TurnoutFacts {
            ballots: 3,
            eligible: 9
        })
    );
    assert_eq!(
        PublishedFacts::read("{}").unwrap().elected(),
        &[] as &[String]
    );
    assert_eq!(PublishedFacts::read("nonsense"), None);
}
