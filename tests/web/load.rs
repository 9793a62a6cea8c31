//! A crowd of signed-in users: every request is answered (a request once
//! held two pooled connections, so nine at once waited on each other until
//! the pool gave up after 30 s and the requests failed). No clock is read:
//! the queue here waits as long as it takes, so a busy machine is only
//! slower, while a deadlock still ends in the pool's error, which fails
//! the test. Speed lives in the benchmarks.

use crate::community::{HOUSEHOLDS, ROSTER};
use crate::support::{column, file_form, location, spawn_app_with, TestApp};
use reqwest::StatusCode;
use std::time::Duration;

/// The app whose queue waits as long as it takes (see above).
async fn spawn_patient_app() -> TestApp {
    spawn_app_with(lumbung_web::WebConfig {
        queue_wait: Some(Duration::from_secs(3600)),
        ..Default::default()
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_signed_in_clients_get_every_dashboard_without_a_stall() {
    let app = spawn_patient_app().await;
    // Each dashboard with a role that may read it; public pages signed in too.
    let dashboards = [
        ("analyst", "/spend"),
        ("auditor", "/fund"),
        ("facilitator", "/community/cycle"),
        ("facilitator", "/election"),
        ("analyst-lancs", "/"),
        ("auditor", "/fund/health"),
        ("bkm-user", "/community/progress"),
    ];
    let mut visitors = Vec::new();
    for (user, _) in dashboards {
        visitors.push(app.login(user).await);
    }
    for (v, (_, path)) in visitors.iter().zip(dashboards) {
        assert_eq!(v.status(path).await, StatusCode::OK, "{path}");
    }

    let health = {
        let client = app.anonymous().client;
        let base = app.base.clone();
        tokio::spawn(async move {
            for _ in 0..40 {
                let res = client.get(format!("{base}/health")).send().await.unwrap();
                assert_eq!(res.status(), StatusCode::OK);
                tokio::task::yield_now().await;
            }
        })
    };
    let clients: Vec<_> = (0..64)
        .map(|i| {
            let (user, _) = dashboards[i % dashboards.len()];
            let v = &visitors[dashboards.iter().position(|d| d.0 == user).unwrap()];
            let (client, base) = (v.client.clone(), v.base.clone());
            tokio::spawn(async move {
                let mut answers = Vec::new();
                for round in 0..3 {
                    for (who, path) in dashboards {
                        if who != user {
                            continue;
                        }
                        let res = client.get(format!("{base}{path}")).send().await.unwrap();
                        let status = res.status();
                        let body = res.text().await.unwrap();
                        // What a refusal said, to tell its cause.
                        let said = if status == StatusCode::OK {
                            String::new()
                        } else {
                            body
                        };
                        answers.push((round, path, status, said));
                    }
                }
                answers
            })
        })
        .collect();
    let mut answered = 0;
    for c in clients {
        for (round, path, status, said) in c.await.unwrap() {
            assert_eq!(status, StatusCode::OK, "{path} (round {round}): {said}");
            answered += 1;
        }
    }
    assert!(answered >= 64 * 3);
    health.await.unwrap();
}

/// A crowd of anonymous visitors on the public health figures: each is
/// answered (they once queued one at a time for a city-wide report each,
/// 64 at most, and the rest were turned away with 503). Those arriving
/// while the report is being computed share it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_visitors_of_the_public_health_figures_are_all_answered() {
    let app = spawn_patient_app().await;
    let visitors: Vec<_> = (0..200)
        .map(|_| {
            let (client, base) = (app.anonymous().client, app.base.clone());
            tokio::spawn(async move {
                let mut refused = Vec::new();
                for _ in 0..3 {
                    let res = client
                        .get(format!("{base}/api/v1/fund/health"))
                        .send()
                        .await
                        .unwrap();
                    if res.status() != StatusCode::OK {
                        refused.push(res.status());
                    }
                }
                refused
            })
        })
        .collect();
    let mut refused = Vec::new();
    for v in visitors {
        refused.extend(v.await.unwrap());
    }
    assert!(refused.is_empty(), "{} refused: {refused:?}", refused.len());
}

/// Long work (a payment file read for its preview or imported, a KoBo
/// export imported) takes a turn of its own before a database connection:
/// one account's imports once took every connection from everyone's
/// pages. With no turn to give, each is answered 503 and nothing starts,
/// while every other page is served.
#[tokio::test]
async fn imports_previews_and_long_trends_wait_for_a_turn_of_long_work_and_pages_do_not() {
    let app = spawn_app_with(lumbung_web::WebConfig {
        long_work: Some(0),
        queue_wait: Some(Duration::from_millis(50)),
        ..Default::default()
    })
    .await;
    let analyst = app.login("analyst").await;
    let csv =
        "Paid Date,Vendor,Gross Amount,Net Amount\n01/05/2013,Ribble Print Ltd,120.00,100.00\n";
    let token = app.token("analyst").await;
    let res = app
        .import_spend(&token, "file_name=may.csv&anchor=UCLan", csv)
        .await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);

    // The upload is kept; reading it for its preview, or importing it,
    // waits for a turn.
    let form = file_form("file", csv.as_bytes(), "may.csv").text("anchor", "UCLan");
    let res = analyst.upload("/spend/import", form).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let preview = location(&res);
    assert_eq!(
        analyst.status(&preview).await,
        StatusCode::SERVICE_UNAVAILABLE
    );
    let res = analyst
        .post_form(
            &preview,
            &[
                ("map_amount", "Gross Amount"),
                ("map_supplier_name", "Vendor"),
                ("map_payment_date", "Paid Date"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);

    crate::community::sample_areas(&app);
    let field = app.login("facilitator-kel").await;
    let kel = crate::community::KEL;
    let res = crate::community::upload(&field, kel, HOUSEHOLDS, ROSTER).await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);

    // A longer trend than the page's is long work too; the page's is not.
    let auditor = app.login("auditor").await;
    assert_eq!(auditor.status("/fund").await, StatusCode::OK);
    assert_eq!(auditor.status("/fund?trend=12").await, StatusCode::OK);
    // So are the downloads of every payment and of every tender with
    // its matches (regression: they ran whenever asked, as many at once).
    for path in [
        "/fund?trend=36",
        "/api/v1/fund/report?trend=13",
        "/compare?areas=3604,3604010001",
        "/spend/payments.csv",
        "/procurement/tenders.csv",
    ] {
        assert_eq!(
            auditor.status(path).await,
            StatusCode::SERVICE_UNAVAILABLE,
            "{path}"
        );
    }

    assert_eq!(analyst.status("/spend").await, StatusCode::OK);
    assert_eq!(analyst.status("/spend/payments").await, StatusCode::OK);
    assert_eq!(analyst.status("/procurement/tenders").await, StatusCode::OK);
    let imports: serde_json::Value = analyst.json("/api/v1/spend/imports").await;
    assert!(
        column(&imports, "imports", "file_name").is_empty(),
        "{imports}"
    );
}
