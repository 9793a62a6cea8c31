//! `lumbung fund …` end to end: spreadsheet books in, the oversight report
//! out, and the journal's check.

use serde_json::Value;

mod common;
use common::{item, Env, Out};

const LOANS: &str = "upk,ksm,loan_id,disbursed_on,principal,term_months,fee_rate_monthly,schedule
UPK Ciruas,KSM Melati,L-001,2024-01-10,600000,6,0.015,flat
UPK Ciruas,KSM Mawar,L-002,10/01/2024,600.000,6,0.015,
UPK Kramatwatu,KSM Kenanga,L-003,2024-01-10,600000,6,0.015,flat
UPK Kramatwatu,KSM Anggrek,L-004,2024-01-10,5000000,24,0.015,declining
";

#[test]
fn spreadsheet_books_give_the_oversight_figures() {
    let env = Env::new();
    let loans = env.write("loans.csv", LOANS);
    // Melati pays every month; Mawar once; Kenanga never (as of 20 May).
    let march = env.write(
        "repayments-march.csv",
        "loan_id,paid_on,amount\nL-001,2024-02-10,109000\nL-001,2024-03-10,109000\nL-002,2024-02-10,109000\n",
    );
    let out = env.stdout(&["fund", "import", &loans, &march]);
    assert!(
        out.contains("loans: 4 new") && out.contains("repayments: 3 stored"),
        "{out}"
    );
    assert!(
        out.contains("new UPKs: UPK Ciruas, UPK Kramatwatu"),
        "{out}"
    );
    assert!(
        out.contains("24 months is outside 3–12"),
        "migrated loans warn, not refuse: {out}"
    );
    // Next month's longer file: the rows already held are skipped.
    let may = env.write(
        "repayments-may.csv",
        "loan_id,paid_on,amount\nL-001,2024-02-10,109000\nL-001,2024-03-10,109000\nL-002,2024-02-10,109000\nL-001,2024-04-10,109000\nL-001,2024-05-10,109000\n",
    );
    let out = env.stdout(&["fund", "import", &loans, &may]);
    assert!(
        out.contains("4 already held")
            && out.contains("2 stored")
            && out.contains("3 already held and skipped"),
        "{out}"
    );

    let r = env.json(&["fund", "report", "--as-of", "2024-05-20"]);
    let ciruas = item(&r, "by_upk", "upk", "UPK Ciruas");
    assert_eq!(ciruas["outstanding"], 200_000 + 500_000);
    assert_eq!(ciruas["arrears"], 300_000);
    assert_eq!(ciruas["loans_in_arrears"], 1);
    assert_eq!(ciruas["par"], "0.714286");
    assert_eq!(ciruas["rr"], "0.571429");
    assert_eq!(
        (
            ciruas["active_ksm"].as_u64(),
            ciruas["ksm_in_arrears"].as_u64()
        ),
        (Some(2), Some(1))
    );
    assert_eq!(ciruas["lar"], "0.500000");
    assert!(r["outstanding"].as_i64().unwrap() > ciruas["outstanding"].as_i64().unwrap());
    // Payments after the date are ignored.
    let before = env.json(&[
        "fund",
        "report",
        "--as-of",
        "2024-03-11",
        "--upk",
        "UPK Ciruas",
    ]);
    assert_eq!(before["outstanding"], 400_000 + 500_000);
    let csv = env.stdout(&["fund", "report", "--as-of", "2024-05-20", "--format", "csv"]);
    assert!(csv.starts_with("upk,loans,outstanding,arrears"), "{csv}");
    // The monthly trend beside the report: month ends, then the date itself.
    let with_trend = env.json(&["fund", "report", "--as-of", "2024-05-20", "--trend", "3"]);
    let points = with_trend["trend"].as_array().unwrap();
    let dates: Vec<&str> = points
        .iter()
        .map(|p| p["as_of"].as_str().unwrap())
        .collect();
    assert_eq!(dates, ["2024-03-31", "2024-04-30", "2024-05-20"]);
    assert_eq!(points[2]["outstanding"], r["outstanding"]);
    assert_eq!(points[2]["par"], r["par"]);
    assert_eq!(
        with_trend["by_upk"], r["by_upk"],
        "the report itself unchanged"
    );
    Out::from(env.output(&["fund", "report", "--trend", "3", "--format", "csv"]))
        .code(1)
        .stderr_has("--trend");
    for months in ["0", "37"] {
        assert!(!env
            .output(&["fund", "report", "--trend", months])
            .status
            .success());
    }
    let table = env.stdout(&["fund", "report", "--as-of", "2024-05-20", "--trend", "2"]);
    assert!(
        table.contains("trend") && table.contains("2024-04-30"),
        "{table}"
    );
    assert!(env
        .stdout(&["fund", "verify"])
        .contains("journal verified: 9 entries"));

    // Costs and capital make CCR and ROI; the same post again changes nothing.
    let capital = [
        "fund",
        "post",
        "--upk",
        "UPK Ciruas",
        "--kind",
        "capital",
        "--amount",
        "10000000",
        "--date",
        "2024-01-05",
        "--memo",
        "BLM",
    ];
    assert!(env.stdout(&capital).contains("posted"));
    assert!(env.stdout(&capital).contains("already posted"));
    env.stdout(&[
        "fund",
        "post",
        "--upk",
        "UPK Ciruas",
        "--kind",
        "cost",
        "--amount",
        "200000",
        "--date",
        "2024-03-01",
    ]);
    assert_eq!(
        env.output(&["fund", "post", "--upk", "Nobody", "--kind", "cost", "--amount", "1"])
            .status
            .code(),
        Some(1)
    );
    let r = env.json(&[
        "fund",
        "report",
        "--as-of",
        "2024-05-20",
        "--upk",
        "UPK Ciruas",
    ]);
    assert_eq!(r["ccr"], "0.225000", "fee income 45,000 over costs 200,000");
    assert_eq!(
        r["roi"], "-0.037200",
        "(45,000 − 200,000) × 12/5 over 10,000,000"
    );
    assert_eq!(r["health"]["ccr"], "inadequate");
    assert_eq!(r["health"]["par"], "inadequate");
    assert!(env.stdout(&["fund", "verify"]).contains("11 entries"));
}

#[test]
fn bad_rows_reject_the_files_with_every_problem_named() {
    let env = Env::new();
    let loans = env.write(
        "loans.csv",
        "upk,ksm,loan_id,disbursed_on,principal,term_months,fee_rate_monthly\nUPK A,KSM B,L-1,2024-13-01,100000,6,0.015\nUPK A,KSM B,L-2,2024-01-01,lots,6,1.5%\n",
    );
    let reps = env.write("r.csv", "loan_id,paid_on,amount\nL-9,2024-02-01,1000\n");
    let out = env.output(&["fund", "import", &loans, &reps]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    common::assert_has_all(
        &err,
        &[
            "line 2, column disbursed_on",
            "line 3, column principal",
            "line 3, column fee_rate_monthly",
        ],
    );
    let good = env.write("good.csv", LOANS);
    Out::from(env.output(&["fund", "import", &good, &reps]))
        .code(1)
        .stderr_has("line 2, column loan_id");
    assert!(
        env.stdout(&["fund", "verify"]).contains("0 entries"),
        "nothing was posted"
    );
    // The same id with other terms is an error.
    env.stdout(&[
        "fund",
        "import",
        &good,
        &env.write("none.csv", "loan_id,paid_on,amount\n"),
    ]);
    let changed = env.write(
        "changed.csv",
        &LOANS.replace("L-001,2024-01-10,600000", "L-001,2024-01-10,700000"),
    );
    Out::from(env.output(&[
        "fund",
        "import",
        &changed,
        &env.write("none2.csv", "loan_id,paid_on,amount\n"),
    ]))
    .code(1)
    .stderr_has("held with other terms");
}

#[test]
fn changed_history_is_found_by_verify() {
    let env = Env::file();
    let loans = env.write("loans.csv", LOANS);
    let reps = env.write(
        "r.csv",
        "loan_id,paid_on,amount\nL-001,2024-02-10,109000\nL-001,2024-03-10,109000\n",
    );
    env.stdout(&["fund", "import", &loans, &reps]);
    let db = rusqlite::Connection::open(&env.db).unwrap();
    let refused = db.execute(
        "UPDATE fund_journal SET entry = entry WHERE sequence = 5",
        [],
    );
    assert!(refused.is_err(), "the journal refuses edits");
    // Someone who gets round the trigger changes an amount.
    let (entry, hash): (Vec<u8>, Vec<u8>) = db
        .query_row(
            "SELECT entry, hash FROM fund_journal WHERE sequence = 5",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let (mut entry, _) = lumbung_fund::journal::read_row(&entry, &hash).unwrap();
    assert_eq!(entry.lines[0].amount.0, 109_000);
    entry.lines[0].amount.0 = 109_001;
    let mut changed = Vec::new();
    lumbung_fund::journal::compact::encode(&entry, &mut changed);
    db.execute_batch("DROP TRIGGER fund_journal_no_update")
        .unwrap();
    db.execute(
        "UPDATE fund_journal SET entry = ?1 WHERE sequence = 5",
        [changed],
    )
    .unwrap();
    Out::from(env.output(&["fund", "verify"]))
        .code(1)
        .stderr_has("entry 5");
}

#[test]
fn a_cashier_posts_corrects_and_closes_the_books_from_the_command_line() {
    let env = Env::new();
    let loans = env.write("loans.csv", LOANS);
    let none = env.write("none.csv", "loan_id,paid_on,amount\n");
    env.stdout(&["fund", "import", &loans, &none]);
    // One repayment with a receipt number as its key: posted once.
    let args = [
        "fund",
        "repay",
        "L-001",
        "--amount",
        "109000",
        "--date",
        "2024-02-10",
        "--key",
        "KW-1",
    ];
    assert!(env.stdout(&args).contains("posted: repayment"));
    assert!(env.stdout(&args).contains("already posted"));
    // A file, in batches: rows with a key posted before are skipped.
    let file = env.write(
        "pay.csv",
        "loan_id,paid_on,amount,key\nL-001,2024-02-10,109000,KW-1\nL-001,2024-03-10,109000,KW-2\nL-002,2024-02-10,109000,KW-3\n",
    );
    let out = env.stdout(&["fund", "repay", "--file", &file, "--batch", "2"]);
    assert!(out.contains("2 posted, 1 posted before"), "{out}");
    let out = env.stdout(&["fund", "repay", "--file", &file]);
    assert!(out.contains("0 posted, 3 posted before"), "{out}");
    let bad = env.write("bad.csv", "loan_id,paid_on,amount\nL-001,2024-04-10,0\n");
    Out::from(env.output(&["fund", "repay", "--file", &bad]))
        .code(1)
        .stderr_has("line 2");
    // The ledger shows each payment's split; a reversal marks one.
    let ledger = env.json(&["fund", "ledger", "L-001"]);
    let pays = ledger["repayments"].as_array().unwrap();
    assert_eq!(pays.len(), 2);
    assert_eq!(
        (pays[0]["principal"].as_i64(), pays[0]["fee"].as_i64()),
        (Some(100_000), Some(9_000))
    );
    let id = pays[1]["id"].to_string();
    env.stdout(&[
        "fund",
        "reverse",
        &id,
        "--reason",
        "double-counted",
        "--date",
        "2024-03-11",
    ]);
    let out = env.output(&["fund", "reverse", &id, "--reason", "again"]);
    assert_eq!(out.status.code(), Some(1), "a repayment is reversed once");
    // Mawar's loan over a new term; Kenanga's written off; a reserve made.
    env.stdout(&[
        "fund",
        "reschedule",
        "L-002",
        "--term-months",
        "10",
        "--reason",
        "banjir",
        "--date",
        "2024-04-01",
    ]);
    let out = env.stdout(&[
        "fund",
        "write-off",
        "L-003",
        "--reason",
        "bubar",
        "--date",
        "2024-12-31",
    ]);
    assert!(out.contains("600000"), "{out}");
    let out = env.output(&[
        "fund",
        "repay",
        "L-003",
        "--amount",
        "1000",
        "--date",
        "2025-01-05",
    ]);
    assert_eq!(out.status.code(), Some(1), "no repayment after a write-off");
    env.stdout(&[
        "fund",
        "provision",
        "--upk",
        "UPK Ciruas",
        "--as-of",
        "2024-12-31",
    ]);
    let r = env.json(&["fund", "report", "--as-of", "2024-12-31"]);
    assert_eq!(r["written_off"], 600_000);
    assert_eq!(r["by_upk"][0]["upk"], "UPK Ciruas");
    let s = env.json(&[
        "fund",
        "statements",
        "--upk",
        "UPK Ciruas",
        "--as-of",
        "2024-12-31",
    ]);
    let b = &s["balance_sheet"];
    assert_eq!(b["total_assets"], b["total_liabilities_and_equity"]);
    assert_eq!(
        b["loan_loss_reserve"], r["by_upk"][0]["reserve_required"],
        "the reserve holds what Ciruas's portfolio needs"
    );
    // Settings: shown, changed, and a wrong one named.
    let out = env.stdout(&[
        "fund",
        "settings",
        "--upk",
        "UPK Ciruas",
        "--set",
        "arrears_threshold=2",
        "--set",
        "reserve_rates=[\"0.02\",\"0.2\",\"1\"]",
    ]);
    assert!(out.contains("\"arrears_threshold\": 2"), "{out}");
    Out::from(env.output(&[
        "fund",
        "settings",
        "--upk",
        "UPK Ciruas",
        "--set",
        "colour=red",
    ]))
    .code(1)
    .stderr_has("no such setting");
    env.stdout(&["fund", "verify"]);
}

#[test]
fn a_ksm_name_is_its_own_only_within_its_upk() {
    let env = Env::new();
    let loans = env.write(
        "loans.csv",
        "upk,ksm,loan_id,disbursed_on,principal,term_months,fee_rate_monthly\n\
         UPK Ciruas,KSM Melati,A-1,2024-01-10,600000,6,0.015\n\
         UPK Kramatwatu,KSM Melati,B-1,2024-01-10,600000,6,0.015\n\
         UPK Ciruas,KSM Melati,A-2,2024-02-10,300000,6,0.015\n",
    );
    let none = env.write("none.csv", "loan_id,paid_on,amount\n");
    let out = env.stdout(&["fund", "import", &loans, &none]);
    assert!(out.contains("new KSMs: KSM Melati, KSM Melati"), "{out}");
    let r = env.json(&["fund", "report", "--as-of", "2024-03-01"]);
    assert_eq!(r["active_ksm"], 2, "one Melati in each UPK");
    assert_eq!(r["by_upk"][0]["active_ksm"], 1);
    assert_eq!(r["by_upk"][1]["active_ksm"], 1);
}

#[test]
fn spreadsheet_loans_may_be_repaid_weekly_or_fortnightly() {
    let env = Env::new();
    let loans = env.write(
        "loans.csv",
        "upk,ksm,loan_id,disbursed_on,principal,term_months,fee_rate_monthly,schedule,frequency\n\
         UPK Ciruas,KSM Melati,W-1,2024-01-01,1300000,3,0.015,flat,weekly\n\
         UPK Ciruas,KSM Mawar,F-1,2024-01-01,1200000,3,0.015,,fortnightly\n\
         UPK Ciruas,KSM Kenanga,M-1,2024-01-01,600000,3,0.015,flat,\n",
    );
    // W-1: 13 weeks of 100,000 + 4,500 (three months' fee over 13);
    // two paid. F-1: 6 fortnights of 200,000 + 9,000; all paid by 1 March.
    let reps = env.write(
        "reps.csv",
        "loan_id,paid_on,amount\nW-1,2024-01-08,104500\nW-1,2024-01-15,104500\nF-1,2024-03-01,1254000\n",
    );
    env.stdout(&["fund", "import", &loans, &reps]);
    let report = |as_of: &str| -> Value { env.json(&["fund", "report", "--as-of", as_of]) };
    // On 5 February W-1 has missed the weeks of 22 and 29 January and
    // 5 February (3: in arrears); F-1 the fortnights of 15 and 29 January
    // (2: not yet); M-1 its first month.
    let r = report("2024-02-05");
    assert_eq!(r["loans_in_arrears"], 1);
    assert_eq!(r["outstanding_in_arrears"], 1_100_000);
    assert_eq!(r["arrears"], 300_000 + 400_000 + 200_000);
    assert_eq!(report("2024-03-01")["outstanding"], 1_100_000 + 600_000);
    let ledger = env.json(&["fund", "ledger", "W-1"]);
    assert_eq!(ledger["loan"]["frequency"], "weekly", "{ledger}");
    assert_eq!(ledger["schedule"].as_array().unwrap().len(), 13);
    let table = env.stdout(&["fund", "ledger", "W-1"]);
    assert!(table.contains("flat, weekly instalments"), "{table}");
    // The same loan id with another frequency is held with other terms.
    let changed = env.write(
        "changed.csv",
        "upk,ksm,loan_id,disbursed_on,principal,term_months,fee_rate_monthly,frequency\n\
         UPK Ciruas,KSM Melati,W-1,2024-01-01,1300000,3,0.015,monthly\n",
    );
    let none = env.write("none.csv", "loan_id,paid_on,amount\n");
    Out::from(env.output(&["fund", "import", &changed, &none]))
        .code(1)
        .stderr_has("held with other terms");
    let bad = env.write(
        "bad.csv",
        "upk,ksm,loan_id,disbursed_on,principal,term_months,fee_rate_monthly,frequency\n\
         UPK Ciruas,KSM Melati,D-1,2024-01-01,1300000,3,0.015,daily\n",
    );
    Out::from(env.output(&["fund", "import", &bad, &none]))
        .code(1)
        .stderr_has("line 2, column frequency");
}

#[test]
fn a_city_import_counts_the_groups_it_created_and_lists_them_on_request() {
    let env = Env::new();
    let mut loans = String::from(
        "upk,ksm,loan_id,disbursed_on,principal,term_months,fee_rate_monthly,schedule\n",
    );
    for i in 0..12 {
        loans += &format!("UPK Kota,KSM {i:02},L-{i:03},2024-01-10,600000,6,0.015,flat\n");
    }
    let loans = env.write("loans.csv", &loans);
    let none = env.write("repayments.csv", "loan_id,paid_on,amount\n");
    let out = env.stdout(&["fund", "import", &loans, &none]);
    assert!(
        out.contains("new KSMs: 12 in all — KSM 00, KSM 01, KSM 02, KSM 03, KSM 04, …"),
        "{out}"
    );
    assert!(!out.contains("KSM 05"), "{out}");
    assert!(out.contains("new UPKs: UPK Kota\n"), "{out}");

    let env = Env::new();
    let loans = env.write("loans.csv", &std::fs::read_to_string(&loans).unwrap());
    let none = env.write("repayments.csv", "loan_id,paid_on,amount\n");
    let out = env.stdout(&["fund", "import", "--list-created", &loans, &none]);
    let all: Vec<String> = (0..12).map(|i| format!("KSM {i:02}")).collect();
    assert!(
        out.contains(&format!("new KSMs: {}", all.join(", "))),
        "{out}"
    );
}
