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

#[test]
fn projects_are_pooled_to_the_ticket_with_the_most_social_value() {
    let env = Env::new();
    let file = env.write("projects.csv", PROJECTS);
    let out = run(
        &env,
        &[
            "invest",
            "pools",
            &file,
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
    run(
        &env,
        &[
            "invest",
            "pools",
            &file,
            "--min-size",
            "20000000",
            "--max-size",
            "25000000",
        ],
    )
    .code(0)
    .stdout_has("pool 1:")
    .stdout_has("optimal");
    // Bad flags and a bad file are refused, named.
    run(&env, &["invest", "pools", &file, "--min-size", "0"]).refused(1, "--min-size");
    run(
        &env,
        &[
            "invest",
            "pools",
            &file,
            "--min-size",
            "10",
            "--max-high-risk",
            "1.5",
        ],
    )
    .refused(1, "--max-high-risk");
    run(
        &env,
        &[
            "invest",
            "pools",
            &file,
            "--min-size",
            "10",
            "--max-size",
            "5",
        ],
    )
    .refused(1, "--max-size");
    let bad = env.write(
        "bad.csv",
        "project,amount,sector,risk,social_value\nA,100,energy,risky,1\nA,-5,energy,low,1\n",
    );
    run(&env, &["invest", "pools", &bad, "--min-size", "10"])
        .refused(1, "line 2")
        .stderr_has("risk")
        .stderr_has("line 3");
    // Bounded: past 5,000 projects (where sums could leave an amount).
    let mut many = String::from("project,amount,sector,risk,social_value\n");
    for i in 0..5_001 {
        many.push_str(&format!("P{i},9999999999999,energy,low,9999999999999\n"));
    }
    let many = env.write("many.csv", &many);
    run(&env, &["invest", "pools", &many, "--min-size", "10"]).refused(1, "5000");
}
