//! `lumbung invest pools` end to end: seed 000's case of local schemes
//! under a pension fund's minimum ticket.

use assert_cmd::Command;

mod common;
use common::{Env, Out};

const PROJECTS: &str = "project,amount,sector,risk,social_value\n\
    Solar schools,8000000,energy,low,40\n\
    Community homes,9500000,housing,medium,55\n\
    Co-op bakery,2500000,enterprise,high,30\n\
    Heat network,7000000,energy,medium,20\n\
    Wind share,6000000,energy,high,10\n";

fn run(env: &Env, args: &[&str]) -> Out {
    Out::of(&mut Command::from_std(env.command(args)))
}

/// `lumbung invest pools FILE FLAGS…`.
fn pools(env: &Env, file: &str, flags: &[&str]) -> Out {
    run(env, &[&["invest", "pools", file][..], flags].concat())
}

#[test]
fn projects_are_pooled_to_the_ticket_with_the_most_social_value() {
    let env = Env::new();
    let file = env.write("projects.csv", PROJECTS);
    let out = pools(
        &env,
        &file,
        &[
            "--min-size",
            "20000000",
            "--max-high-risk",
            "0.2",
            "--max-sector-share",
            "0.6",
            "--format",
            "json",
        ],
    )
    .code(0)
    .json();
    assert_eq!(out["optimal"], true);
    assert_eq!(out["social_value_placed"], "145.00");
    assert_eq!(out["amount_placed"], "27000000.00");
    let pool = &out["pools"][0];
    assert_eq!(pool["projects"].as_array().unwrap().len(), 4);
    assert_eq!(pool["high_risk_share"], "0.0926");
    assert_eq!(pool["sector_shares"]["energy"], "0.5556");
    assert_eq!(out["unplaced"][0]["project"], "Wind share");
    assert!(out["unplaced"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("no pool"));
    assert!(out.get("gap").is_none());
    // A table, and a maximum ticket.
    pools(
        &env,
        &file,
        &["--min-size", "20000000", "--max-size", "25000000"],
    )
    .code(0)
    .stdout_has("pool 1:")
    .stdout_has("optimal");
    // Bad flags and a bad file are refused, named.
    for (flags, named) in [
        (&["--min-size", "0"][..], "--min-size"),
        (
            &["--min-size", "10", "--max-high-risk", "1.5"],
            "--max-high-risk",
        ),
        (&["--min-size", "10", "--max-size", "5"], "--max-size"),
    ] {
        pools(&env, &file, flags).refused(1, named);
    }
    let bad = env.write(
        "bad.csv",
        "project,amount,sector,risk,social_value\nA,100,energy,risky,1\nA,-5,energy,low,1\n",
    );
    pools(&env, &bad, &["--min-size", "10"])
        .refused(1, "line 2")
        .stderr_has("risk")
        .stderr_has("line 3");
    // Bounded: past 5,000 projects (where sums could leave an amount).
    let mut many = String::from("project,amount,sector,risk,social_value\n");
    for i in 0..5_001 {
        many.push_str(&format!("P{i},9999999999999,energy,low,9999999999999\n"));
    }
    let many = env.write("many.csv", &many);
    pools(&env, &many, &["--min-size", "10"]).refused(1, "5000");
}

/// Two kecamatan of Serang with BLM, one with a UPK's loans, and Preston
/// with an anchor's spend.
fn cities() -> Env {
    let env = Env::preston();
    let areas = env.write(
        "serang.csv",
        "code,name,parent_code,kind\n\
         ID,Indonesia,,country\n\
         36,Banten,ID,province\n\
         3604,Kabupaten Serang,36,regency\n\
         3604240,Ciruas,3604,district\n\
         3604250,Kragilan,3604,district\n\
         3604240003,Citerep,3604240,village\n\
         3604250001,Kragilan,3604250,village\n",
    );
    env.stdout(&["areas", "import", &areas]);
    let orgs = env.write(
        "orgs.csv",
        "name,kind,area_code\nUPK Citerep,upk,3604240003\nPreston College,anchor,E07000123\n",
    );
    env.stdout(&["orgs", "import", &orgs]);
    let grants = env.write(
        "grants.csv",
        "kelurahan,programme,tranche,date,amount\n\
         3604240003,P2KP,1,2008-03-01,1080000000\n\
         3604250001,P2KP,1,2008-03-01,1800000000\n",
    );
    env.stdout(&["programme", "import-grants", &grants]);
    let loans = env.write(
        "loans.csv",
        "upk,ksm,loan_id,disbursed_on,principal,term_months,fee_rate_monthly,schedule\n\
         UPK Citerep,KSM Melati,L-001,2024-01-10,600000,6,0.015,flat\n\
         UPK Citerep,KSM Mawar,L-002,2024-01-10,600000,6,0.015,flat\n",
    );
    let paid = env.write(
        "paid.csv",
        "loan_id,paid_on,amount\nL-001,2024-02-10,109000\n",
    );
    env.stdout(&["fund", "import", &loans, &paid]);
    let ledger = env.write(
        "ledger.csv",
        "Date,Supplier,Postcode,Amount\n\
         2012-05-01,Local Builders,PR1 2HE,1000\n\
         2012-06-01,Far Away Ltd,SW1A 1AA,3000\n\
         2013-05-01,Local Builders,PR1 2HE,2500\n",
    );
    env.stdout(&["spend", "import", "--anchor", "Preston College", &ledger]);
    env
}

#[test]
fn cities_side_by_side_give_each_figure_as_their_own_reports_do() {
    let env = cities();
    let out = run(
        &env,
        &[
            "compare",
            "--areas",
            "3604240, 3604250,E07000123",
            "--as-of",
            "2024-05-20",
            "--format",
            "json",
        ],
    )
    .code(0);
    let cities = out.json();
    let list = cities.as_array().unwrap();
    let codes: Vec<_> = list.iter().map(|c| c["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["3604240", "3604250", "E07000123"]);
    assert_eq!(list[0]["name"], "Ciruas");
    // The BLM roll-up, as `programme report` gives it.
    for (i, code) in ["3604240", "3604250"].iter().enumerate() {
        let own = env.json(&["programme", "report", "--area", code]);
        assert_eq!(
            list[i]["programme"]["blm_received"], own["blm_received"],
            "{code}"
        );
        assert_eq!(list[i]["programme"]["kelurahan"], own["kelurahan"]);
    }
    // The fund's health, as `fund report` gives it for the UPK of Ciruas.
    let fund = env.json(&["fund", "report", "--as-of", "2024-05-20"]);
    for key in ["loans", "outstanding", "arrears", "par", "rr", "lar"] {
        assert_eq!(list[0]["fund"][key], fund[key], "fund {key}");
    }
    assert!(list[1]["fund"].is_null(), "no UPK in Kragilan");
    // The spend baseline and progress, as `spend report --local` gives it.
    let spend = env.json(&["spend", "report", "--local", "E07000123"]);
    let preston = &list[2]["spend"];
    for key in ["total", "local", "local_share", "outside_share"] {
        assert_eq!(preston[key], spend[key], "spend {key}");
    }
    assert_eq!(preston["by_year"].as_array().unwrap().len(), 2);
    assert!(list[0]["spend"].is_null() && list[2]["programme"].is_null());
    // The table, and an unknown area refused by name.
    run(&env, &["compare", "--areas", "3604240,E07000123"])
        .code(0)
        .stdout_has("Ciruas")
        .stdout_has("Preston");
    run(&env, &["compare", "--areas", "3604240,9999"]).refused(1, "9999");
    run(&env, &["compare", "--areas", " , "]).refused(1, "area");
}
