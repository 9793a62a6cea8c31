//! `lumbung programme …` end to end: grants and activities files in,
//! versions kept, flags for review, and seed 002's roll-up out.

use assert_cmd::Command;

mod common;
use common::{Env, Out};

const AREAS: &str = "code,name,parent_code,kind\n\
    36,Banten,,province\n\
    3604,Kabupaten Serang,36,regency\n\
    3604240,Ciruas,3604,district\n\
    3604250,Kragilan,3604,district\n\
    3604240003,Citerep,3604240,village\n\
    3604250001,Kragilan,3604250,village\n";

const GRANTS: &str = "kelurahan,programme,tranche,date,amount\n\
    3604240003,P2KP,1,2008-03-01,1080000000\n\
    3604240003,P2KP,2,2008-08-01,720000000\n\
    3604250001,P2KP,1,2008-03-01,1800000000\n";

const ACTIVITIES: &str = "kelurahan,programme,year,activity,kind,implementer,blm,spent,swadaya_cash,swadaya_labour_days,swadaya_wage,swadaya_materials,other_funds,beneficiaries,beneficiaries_poor,beneficiaries_women,progress\n\
    3604240003,P2KP,2008,Pinjaman bergulir,ekonomi,KSM Maju,1066235000,1066235000,,,,,,40,30,25,100\n\
    3604250001,P2KP,2008,Pinjaman bergulir,economic,KSM Maju,1066235000,1066235000,,,,,,20,15,10,100\n\
    3604240003,P2KP,2008,Jalan lingkungan RW 03,fisik,Panitia RW 03,1158080000,1158080000,500000000,25000,80000,1500000000,,300,120,150,100\n\
    3604250001,P2KP,2008,Santunan lansia,sosial,Panitia santunan,189450000,189450000,,,,,,50,50,30,100\n";

fn run(env: &Env, args: &[&str]) -> Out {
    Out::of(&mut Command::from_std(env.command(args)))
}

/// `lumbung programme rules --programme P2KP FLAGS…`.
fn rules(env: &Env, flags: &[&str]) -> Out {
    run(
        env,
        &[&["programme", "rules", "--programme", "P2KP"][..], flags].concat(),
    )
}

/// Writes `csv` to `name` and runs `programme import-KIND` on it.
fn import(env: &Env, kind: &str, name: &str, csv: &str) -> Out {
    let file = env.write(name, csv);
    run(env, &["programme", &format!("import-{kind}"), &file])
}

fn setup() -> Env {
    setup_in(Env::new())
}

fn setup_in(env: Env) -> Env {
    let areas = env.write("areas.csv", AREAS);
    run(&env, &["areas", "import", &areas]).code(0);
    env
}

#[test]
fn grants_and_activities_roll_up_to_serangs_table_with_the_gap_shown() {
    let env = setup();
    import(&env, "grants", "grants.csv", GRANTS)
        .code(0)
        .stdout_has("3 new, 0 new versions, 0 unchanged");
    import(&env, "grants", "grants.csv", GRANTS)
        .code(0)
        .stdout_has("imported before, nothing changed");
    // No UPK in either kelurahan: their economic capital waits, flagged.
    import(&env, "activities", "activities.csv", ACTIVITIES)
        .code(0)
        .stdout_has("4 new")
        .stdout_has("\"kind\":\"no_upk\"");
    let r = env.json(&["programme", "report", "--area", "3604"]);
    assert_eq!(r["kelurahan"], 2);
    assert_eq!(r["blm_received"], "3600000000.00");
    assert_eq!(r["blm_allocated"]["economic"], "2132470000.00");
    assert_eq!(r["blm_allocated"]["physical"], "1158080000.00");
    assert_eq!(r["blm_allocated"]["social"], "189450000.00");
    assert_eq!(r["blm_unallocated"], "120000000.00");
    // 25,000 days at Rp 80,000: Rp 2,000,000,000 of labour.
    assert_eq!(r["swadaya"]["labour"], "2000000000.00");
    assert_eq!(r["swadaya"]["total"], "4000000000.00");
    assert_eq!(r["leverage"]["physical"], "3.4540");
    assert_eq!(r["leverage"]["social"], "0.0000");
    assert_eq!(r["beneficiaries"]["poor"], 215);
    assert_eq!(r["implementers"], 2);
    let by_area = r["by_area"].as_array().unwrap();
    assert_eq!(by_area.len(), 2);
    assert_eq!(by_area[0]["code"], "3604240");
    assert_eq!(by_area[0]["blm_unallocated"], "-424315000.00");
    // Nothing physical was spent in Kragilan: no leverage, not zero.
    assert!(by_area[1]["leverage"]["physical"].is_null(), "{by_area:?}");
    // Another year: nothing.
    let other = env.json(&["programme", "report", "--area", "3604", "--year", "2009"]);
    assert_eq!(other["blm_received"], "0.00");
    // A changed row of a file imported before is a new version of it.
    import(
        &env,
        "activities",
        "changed.csv",
        &ACTIVITIES.replace("189450000,189450000", "189450000,100000000"),
    )
    .code(0)
    .stdout_has("0 new, 1 new versions, 3 unchanged");
    let r = env.json(&["programme", "report", "--area", "3604250"]);
    assert_eq!(r["blm_spent"]["social"], "100000000.00");
    let versions = env.sqlite("SELECT count(*) FROM programme_activities");
    assert_eq!(versions[0][0], "5");
    // Table, CSV; XLSX needs a file.
    run(
        &env,
        &["programme", "report", "--area", "3604", "--format", "csv"],
    )
    .code(0)
    .stdout_has("3604240,Ciruas,1,");
    run(
        &env,
        &["programme", "report", "--area", "3604", "--format", "xlsx"],
    )
    .refused(1, "--output");
}

#[test]
fn a_bad_file_is_refused_whole_and_review_flags_never_refuse() {
    let env = setup();
    let bad = "kelurahan,programme,tranche,date,amount\n3604240003,P2KP,1,2008-03-01,100\n9999999999,P2KP,1,2008-03-01,100\n3604240003,P2KP,x,2008-03-01,100\n";
    import(&env, "grants", "bad.csv", bad)
        .refused(1, "line 4")
        .stderr_has("tranche");
    let unknown = "kelurahan,programme,tranche,date,amount\n3604240003,P2KP,1,2008-03-01,100\n9999999999,P2KP,1,2008-03-01,100\n";
    import(&env, "grants", "unknown.csv", unknown).refused(1, "9999999999");
    assert_eq!(
        env.sqlite("SELECT count(*) FROM programme_grants")[0][0],
        "0"
    );
    // A tranche without the one before, and spending beyond the grant:
    // kept and flagged.
    let skipped = "kelurahan,programme,tranche,date,amount\n3604240003,P2KP,1,2008-03-01,100\n3604240003,P2KP,3,2008-09-01,100\n";
    import(&env, "grants", "skipped.csv", skipped)
        .code(0)
        .stdout_has("tranche_out_of_order");
    let over = "kelurahan,programme,year,activity,kind,implementer,blm,spent\n3604240003,P2KP,2008,Balai warga,fisik,Panitia,300,250\n";
    import(&env, "activities", "over.csv", over)
        .code(0)
        .stdout_has("spent_beyond_grants");
    assert_eq!(
        env.sqlite("SELECT count(*) FROM programme_activities")[0][0],
        "1"
    );
}

/// The areas, a UPK in Citerep (none in Kragilan) and the grants.
fn with_citerep_upk() -> Env {
    let env = setup();
    let orgs = env.write(
        "orgs.csv",
        "name,kind,area_code\nUPK Citerep,upk,3604240003\n",
    );
    run(&env, &["orgs", "import", &orgs]).code(0);
    import(&env, "grants", "grants.csv", GRANTS).code(0);
    env
}

#[test]
fn the_economic_allocation_becomes_the_upks_capital_and_a_change_posts_the_difference() {
    let env = with_citerep_upk();
    // Citerep has a UPK: its economic allocation is posted as capital;
    // Kragilan has none: flagged, nothing posted.
    import(&env, "activities", "activities.csv", ACTIVITIES)
        .code(0)
        .stdout_has("capital: 3604240003 P2KP 2008")
        .stdout_has("1066235000.00")
        .stdout_has("\"kelurahan\":\"3604250001\"");
    let capital = || {
        env.sqlite(
            "SELECT area_code, sum(amount), count(*) FROM programme_capital GROUP BY area_code",
        )
    };
    assert_eq!(capital(), [["3604240003", "106623500000", "1"]]);
    // The UPK's books hold it in whole rupiah (it had been a hundred times
    // more: the allocation's hundredths).
    let cash = || env.sqlite("SELECT sum(amount) FROM fund_account_days WHERE account = 'cash'");
    assert_eq!(cash(), [["1066235000"]]);
    // The allocation falls: the difference is returned by a new entry;
    // the first one stays.
    let lower = ACTIVITIES.replace(
        "Pinjaman bergulir,ekonomi,KSM Maju,1066235000,1066235000",
        "Pinjaman bergulir,ekonomi,KSM Maju,1000000000,1000000000",
    );
    import(&env, "activities", "lower.csv", &lower)
        .code(0)
        .stdout_has("-66235000.00");
    assert_eq!(capital(), [["3604240003", "100000000000", "2"]]);
    assert_eq!(cash(), [["1000000000"]]);
    // The journal still verifies, and holds both entries.
    run(&env, &["fund", "verify"]).code(0);
    let entries =
        env.sqlite("SELECT count(*) FROM fund_journal j JOIN programme_capital c ON c.journal_seq = j.sequence");
    assert_eq!(entries[0][0], "2");
    // The same file again posts nothing.
    import(&env, "activities", "lower.csv", &lower)
        .code(0)
        .stdout_has("imported before");
    assert_eq!(capital()[0][2], "2");
}

/// Regression (review of 2026-12-06): an activities file of one kelurahan
/// posted the waiting capital of every other kelurahan whose UPK had been
/// registered since, into books outside its writer's scope. Each file now
/// posts the capital of its own kelurahan only; another's waits for its own.
#[test]
fn an_activities_file_posts_the_capital_of_its_own_kelurahan_only() {
    let env = with_citerep_upk();
    import(&env, "activities", "activities.csv", ACTIVITIES)
        .code(0)
        .stdout_has("\"kelurahan\":\"3604250001\"");
    // Kragilan's UPK is registered after; Citerep brings in its own file.
    let orgs = env.write(
        "orgs2.csv",
        "name,kind,area_code\nUPK Kragilan,upk,3604250001\n",
    );
    run(&env, &["orgs", "import", &orgs]).code(0);
    let of = |code: &str| -> String {
        let lines: Vec<&str> = ACTIVITIES.lines().collect();
        let mut out = format!("{}\n", lines[0]);
        for l in lines[1..]
            .iter()
            .filter(|l| l.trim_start().starts_with(code))
        {
            out.push_str(l.trim_start());
            out.push('\n');
        }
        out
    };
    let citerep = of("3604240003").replace(
        "KSM Maju,1066235000,1066235000",
        "KSM Maju,1000000000,1000000000",
    );
    import(&env, "activities", "citerep.csv", &citerep).code(0);
    let areas =
        || env.sqlite("SELECT DISTINCT area_code FROM programme_capital ORDER BY area_code");
    assert_eq!(areas(), [["3604240003"]]);
    // Kragilan's own file posts Kragilan's.
    import(&env, "activities", "kragilan.csv", &of("3604250001"))
        .code(0)
        .stdout_has("capital: 3604250001 P2KP 2008");
    assert_eq!(areas(), [["3604240003"], ["3604250001"]]);
    run(&env, &["fund", "verify"]).code(0);
}

#[test]
fn a_published_board_is_frozen_verifiable_and_carries_the_journals_head() {
    // It edits the file behind the program's back: SQLite's.
    let env = setup_in(Env::file());
    let orgs = env.write(
        "orgs.csv",
        "name,kind,area_code\nUPK Citerep,upk,3604240003\nUPK Tetangga,upk,3604250001\n",
    );
    run(&env, &["orgs", "import", &orgs]).code(0);
    import(&env, "grants", "g.csv", GRANTS).code(0);
    import(&env, "activities", "a.csv", ACTIVITIES).code(0);
    // Another kelurahan's UPK posts after: its entry is the journal's last,
    // but not of this board's UPK, whose own chain the head pins.
    run(
        &env,
        &[
            "fund",
            "post",
            "--upk",
            "UPK Tetangga",
            "--kind",
            "capital",
            "--amount",
            "1000",
            "--date",
            "2008-06-01",
            "--memo",
            "elsewhere",
        ],
    )
    .code(0);
    let published = run(&env, &["board", "publish", "3604240003"]).code(0);
    let (id, sha) = published.stdout.trim().split_once('\t').unwrap();
    assert_eq!(sha.len(), 64, "{published:#?}");
    let file = env.path("board.json");
    let file = file.to_str().unwrap();
    run(&env, &["board", "export", id, "--output", file]).code(0);
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    assert_eq!(doc["sha256"], sha);
    let board = &doc["board"];
    assert_eq!(board["figures"]["blm_received"], "1800000000.00");
    assert_eq!(board["activities"].as_array().unwrap().len(), 2);
    // The economic allocation's capital, down to its journal entry, and
    // the journal's head at publication.
    let capital = &board["capital"][0];
    assert_eq!(capital["amount"], "1066235000.00");
    let head = board["journal_head"]["hash"].as_str().unwrap().to_owned();
    assert_eq!(capital["journal_hash"], head.as_str());
    assert_eq!(board["fund"]["upks"], 1);
    assert_eq!(board["complaints"]["received"], 0);
    run(&env, &["board", "verify", file])
        .code(0)
        .stdout_has(sha);
    // One figure changed: refused, naming it.
    let altered = env.write(
        "altered.json",
        &std::fs::read_to_string(file)
            .unwrap()
            .replace("\"1800000000.00\"", "\"1700000000.00\""),
    );
    run(&env, &["board", "verify", &altered])
        .refused(1, "board.figures.blm_received")
        .stderr_has(&format!("board {id}"));
    let garbled = env.write("garbled.json", "{\"id\": ");
    run(&env, &["board", "verify", &garbled]).refused(1, "line 1");
    // Figures as of an earlier date: the first tranche only (the
    // activities of 2008 as last reported); the board published before is
    // unchanged.
    let early = run(
        &env,
        &["board", "publish", "3604240003", "--as-of", "2008-05-01"],
    )
    .code(0);
    let early_id = early.stdout.split('\t').next().unwrap().to_owned();
    let early_file = env.path("early.json");
    let early_file = early_file.to_str().unwrap();
    run(
        &env,
        &["board", "export", &early_id, "--output", early_file],
    )
    .code(0);
    let early: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(early_file).unwrap()).unwrap();
    assert_eq!(early["board"]["figures"]["blm_received"], "1080000000.00");
    assert_eq!(early["board"]["grants"].as_array().unwrap().len(), 1);
    assert_eq!(early["board"]["activities"].as_array().unwrap().len(), 2);
    run(&env, &["board", "verify", file]).code(0);
    run(
        &env,
        &["board", "publish", "3604240003", "--as-of", "2008-13-01"],
    )
    .refused(1, "--as-of");
    run(&env, &["board", "publish", "9999"]).refused(1, "9999");
    // The printed board's head proves the books later.
    run(&env, &["fund", "verify", "--head", &head])
        .code(0)
        .stdout_has(&head);
    run(&env, &["fund", "verify", "--head", &"0".repeat(64)]).refused(1, "000000");
    // A published board cannot be changed in the database.
    let conn = rusqlite::Connection::open(&env.db).unwrap();
    assert!(conn
        .execute("UPDATE boards SET body = '{}' WHERE id = ?1", [id])
        .is_err());
    assert!(conn.execute("DELETE FROM boards", []).is_err());
    // The books rewritten (the head entry gone, the rest still chained):
    // `fund verify` alone passes, with the printed head it fails.
    conn.execute_batch("PRAGMA foreign_keys = OFF; DROP TRIGGER fund_journal_no_delete;")
        .unwrap();
    conn.execute(
        "DELETE FROM fund_journal WHERE lower(hex(hash)) = ?1",
        [&head],
    )
    .unwrap();
    drop(conn);
    run(&env, &["fund", "verify"]).code(0);
    run(&env, &["fund", "verify", "--head", &head]).refused(1, &head);
}

const PLAN: &str = "kelurahan,plan,years,problem,activity,kind,location,poor_households,women,cost,blm,swadaya,government,companies,other_programmes,schedule,responsible,musrenbang,spkd\n\
    3604240003,pjm,2008-2010,Modal usaha kurang,Pinjaman bergulir,ekonomi,RW 01,30,25,1066235000,1066235000,,,,,2008,KSM Maju,Musrenbang Ciruas 2008,SPKD Serang\n\
    3604240003,pjm,2008-2010,Jalan rusak,Jalan lingkungan RW 03,fisik,RW 03,120,150,1658080000,1158080000,500000000,,,,2008,Panitia RW 03,,\n";

#[test]
fn activities_outside_an_approved_plan_and_unmet_tranche_conditions_are_flagged() {
    let env = setup();
    import(&env, "grants", "g.csv", GRANTS)
        .code(0)
        .stdout_has("\"unmet\":{\"condition\":\"plan_approved\",\"year\":2008}");
    // Nothing spent yet: the second tranche's condition is unmet too.
    import(
        &env,
        "grants",
        "g2.csv",
        &format!("{GRANTS}3604250001,P2KP,2,2008-09-01,1\n"),
    )
    .code(0)
    .stdout_has("\"condition\":\"previous_spent\"");
    import(&env, "plan", "plan.csv", PLAN)
        .code(0)
        .stdout_has("1 new, 0 new versions, 0 unchanged");
    import(&env, "plan", "plan.csv", PLAN)
        .code(0)
        .stdout_has("imported before");
    // Not approved yet: Citerep's activities are outside any plan.
    let out = import(&env, "activities", "a.csv", ACTIVITIES).code(0);
    assert_eq!(
        out.stdout.matches("\"kind\":\"outside_plan\"").count(),
        4,
        "{out:#?}"
    );
    // Approved by a second person: only Kragilan's (no plan) stay outside.
    let plan_id = env.sqlite("SELECT id FROM programme_plans")[0][0].clone();
    env.sqlite(&format!(
        "INSERT INTO programme_plan_approvals (plan_id, approved_at, approved_by) VALUES ({plan_id}, '2008-02-01T00:00:00Z', 'bkm.ketua') RETURNING plan_id"
    ));
    let out = import(
        &env,
        "activities",
        "changed.csv",
        &ACTIVITIES.replace("189450000,189450000", "189450000,1"),
    )
    .code(0);
    assert_eq!(
        out.stdout.matches("\"kind\":\"outside_plan\"").count(),
        2,
        "{out:#?}"
    );
    assert!(
        out.stdout.contains("\"activity\":\"Santunan lansia\""),
        "{out:#?}"
    );
    // Citerep's first tranche now has its approved plan; Kragilan's not.
    let unmet_plan = |k: &str| {
        format!("\"kelurahan\":\"{k}\",\"programme\":\"P2KP\",\"tranche\":1,\"unmet\":{{\"condition\":\"plan_approved\"")
    };
    assert!(!out.stdout.contains(&unmet_plan("3604240003")), "{out:#?}");
    assert!(out.stdout.contains(&unmet_plan("3604250001")), "{out:#?}");
    // A changed plan is a new version; the approved one stays as it was.
    import(
        &env,
        "plan",
        "plan2.csv",
        &PLAN.replace("Jalan rusak", "Jalan rusak dan becek"),
    )
    .code(0)
    .stdout_has("0 new, 1 new versions");
    assert_eq!(
        env.sqlite("SELECT version FROM programme_plans ORDER BY version"),
        [["1"], ["2"]]
    );
    // A bad plan is refused whole, by line and column.
    import(
        &env,
        "plan",
        "bad.csv",
        &PLAN.replace("1658080000,1158080000,500000000", "1658080000,1158080000,5"),
    )
    .refused(1, "line 3")
    .stderr_has("cost");
    // The programme's rules: shown, set, checked.
    rules(&env, &[])
        .code(0)
        .stdout_has("{\"shares\":[],\"plan_required\":true,\"previous_spent_percent\":80}");
    rules(
        &env,
        &["--plan-required", "no", "--previous-spent-percent", "50"],
    )
    .code(0)
    .stdout_has("{\"shares\":[],\"plan_required\":false,\"previous_spent_percent\":50}");
    // Shares of 60 and 40: Citerep's 1,080,000,000 and 720,000,000 are
    // exactly that; a tranche of Kragilan beyond the second is flagged.
    rules(&env, &["--shares", "60, 40"])
        .code(0)
        .stdout_has("\"shares\":[60,40]");
    rules(&env, &["--shares", "60,30"]).refused(1, "100");
    rules(&env, &["--shares", "sixty"]).refused(1, "--shares");
    let out = import(
        &env,
        "grants",
        "g3.csv",
        &format!("{GRANTS}3604250001,P2KP,2,2008-09-01,1\n3604250001,P2KP,3,2008-10-01,1\n"),
    )
    .code(0);
    assert!(
        out.stdout
            .contains("\"tranche\":3,\"unmet\":{\"condition\":\"number\",\"tranches\":2}"),
        "{out:#?}"
    );
    assert!(!out.stdout.contains("\"kelurahan\":\"3604240003\",\"programme\":\"P2KP\",\"tranche\":1,\"unmet\":{\"condition\":\"share\""), "{out:#?}");
    assert!(
        out.stdout
            .contains("\"condition\":\"share\",\"expected\":60,\"actual\":\"100.00\""),
        "{out:#?}"
    );
    rules(&env, &["--previous-spent-percent", "101"]).refused(1, "100");
}
