//! Several servers of one database: what one server counts or posts, the
//! others see, and money posted at once through both is posted once.

use crate::support::{org, spawn_app, Visitor};
use lumbung_domain::OrgKind;
use lumbung_store::Actor;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// Posts a repayment through the API, again while the server answers
/// 503 (busy): a client retries with the same key. Whether it posted.
async fn repay(v: &Visitor, loan: &str, key: &str) -> bool {
    let body = json!({"paid_on": "2024-02-10", "amount": 10_000, "key": key});
    for _ in 0..50 {
        let res = v
            .send_json(
                reqwest::Method::POST,
                &format!("/api/v1/fund/loans/{loan}/repayments"),
                body.clone(),
            )
            .await;
        match res.status() {
            StatusCode::OK => {
                let answer: Value = res.json().await.unwrap();
                return answer["posted"].as_bool().unwrap();
            }
            StatusCode::SERVICE_UNAVAILABLE => {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await
            }
            other => panic!("{loan} {key}: {other}: {}", res.text().await.unwrap()),
        }
    }
    panic!("{loan} {key}: busy for too long")
}

/// Eight clients, four on each of two servers, post repayments at once to
/// loans of two UPKs (two loans each, two clients on each loan, one
/// through either server), and each key is sent to both servers: every repayment is posted once, the
/// journal's chain holds and its debits equal its credits.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn repayments_posted_at_once_through_two_servers_post_once_and_keep_the_books_whole() {
    let app = spawn_app().await;
    let other = app.another_server().await;
    let cli = Actor::cli();
    let bkm = app
        .store
        .create_org(&org("BKM Kamasan", OrgKind::Bkm, "3604010002", None), &cli)
        .unwrap()
        .id
        .get();
    app.store
        .create_org(
            &org("UPK Kamasan", OrgKind::Upk, "3604010002", Some(bkm)),
            &cli,
        )
        .unwrap();
    let on = jiff::civil::date(2024, 1, 10);
    let mut loans = Vec::new();
    for i in 0..2 {
        loans.push(crate::fund::loan_record(
            "KSM Melati",
            &format!("A-{i}"),
            on,
            600_000,
        ));
        let mut kamasan = crate::fund::loan_record("KSM Kenanga", &format!("B-{i}"), on, 600_000);
        kamasan.upk = "UPK Kamasan".into();
        loans.push(kamasan);
    }
    crate::fund::import_loans(&app, loans);
    let before = app.store.fund_journal().unwrap().len();

    let mut clients = tokio::task::JoinSet::new();
    for c in 0..8usize {
        let (mine, theirs) = if c % 2 == 0 {
            (app.login("upk").await, other.login("upk").await)
        } else {
            (other.login("upk").await, app.login("upk").await)
        };
        let loan = format!("{}-{}", if c < 4 { "A" } else { "B" }, c % 2);
        clients.spawn(async move {
            let mut posted = 0;
            for j in 0..5 {
                let key = format!("client-{c}-{j}");
                posted += usize::from(repay(&mine, &loan, &key).await);
                assert!(!repay(&theirs, &loan, &key).await, "{key} twice");
            }
            posted
        });
    }
    let mut posted = 0;
    while let Some(n) = clients.join_next().await {
        posted += n.unwrap();
    }
    assert_eq!(posted, 40);
    let journal = app.store.fund_journal().unwrap();
    assert_eq!(journal.len() - before, 40, "each repayment once");
    let sum: i64 = journal
        .iter()
        .flat_map(|p| &p.entry.lines)
        .map(|l| l.amount.0)
        .sum();
    assert_eq!(sum, 0, "debits equal credits");
    assert_eq!(
        app.store.verify_fund_journal().unwrap(),
        Ok(journal.len() as u64)
    );
    for loan in ["A-0", "A-1", "B-0", "B-1"] {
        let n = app.store.loan_repayments(loan).unwrap().len();
        assert_eq!(n, 10, "{loan}");
    }
}

/// A file uploaded through one server is previewed and confirmed through
/// another, and its import followed through either: uploads and jobs live
/// in the database, not in one server's memory. Confirming it twice (once
/// through each server) starts one import.
#[tokio::test]
async fn an_upload_received_by_one_server_is_confirmed_through_another_once() {
    let app = spawn_app().await;
    let other = app.another_server().await;
    let here = app.login("analyst").await;
    let there = other.login("analyst").await;
    let csv = "Paid Date,Vendor,Amount\n01/05/2013,Ribble Print Ltd,120.00\n";
    let form = crate::support::file_form("file", csv.as_bytes(), "may.csv").text("anchor", "UCLan");
    let res = here.upload("/spend/import", form).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let preview_path = crate::support::location(&res);
    let preview = there.page(&preview_path, StatusCode::OK).await;
    assert!(preview.contains("Ribble Print Ltd"), "{preview}");
    // Another user finds nothing, on either server.
    let intruder = other.login("analyst-lancs").await;
    assert_eq!(intruder.status(&preview_path).await, StatusCode::NOT_FOUND);

    let job_path = crate::support::posted(&there, &preview_path, &[]).await;
    let again = here.post_form(&preview_path, &[]).await;
    assert_eq!(again.status(), StatusCode::NOT_FOUND, "confirmed once");
    let job = job_path.rsplit('/').next().unwrap().to_owned();
    assert_eq!(
        intruder.status(&format!("/api/v1/spend/jobs/{job}")).await,
        StatusCode::NOT_FOUND
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let state = loop {
        let state: Value = here.json(&format!("/api/v1/spend/jobs/{job}")).await;
        if state["state"] != "running" {
            break state;
        }
        assert!(std::time::Instant::now() < deadline, "{state}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    assert_eq!(state["state"], "done", "{state}");
    assert_eq!(state["summary"]["stored"], 1, "{state}");
    let page = here.page(&job_path, StatusCode::OK).await;
    assert!(page.contains("120,00"), "{page}");
}
