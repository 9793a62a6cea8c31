//! A read replica beside the primary (`lumbung serve --read-db`): public
//! pages and reports read the replica, everything else the primary; what
//! the replica does not hold yet, or a replica that stops answering, is
//! read from the primary. On PostgreSQL, whichever backend the suite runs
//! on: a stand-in replica (a database of its own, so that where a figure
//! came from shows) and a real hot standby (`LUMBUNG_TEST_PG_REPLICA`).

use crate::common::{database_url, PgDatabase};
use crate::support::{json_of, spawn_app_with_replica, TestApp};
use lumbung_store::{Actor, Store, StoreError};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// The public pages that read the replica (docs/operations.md).
const REPLICA_PUBLIC: &[&str] = &[
    "/",
    "/api/v1/overview",
    "/reports",
    "/api/v1/reports",
    "/board/3604010001",
    "/fund/health",
    "/api/v1/fund/health",
    "/community/progress",
    "/api/v1/community/progress",
    "/election/results",
    "/api/v1/election/results",
    "/business/counts",
];

/// The reports that read the replica, for those who may read them.
const REPLICA_REPORTS: &[&str] = &[
    "/fund",
    "/api/v1/fund/report",
    "/spend",
    "/api/v1/spend/report",
    "/spend/report.csv",
    "/spend/report.xlsx",
    "/procurement",
];

/// Blocking store work, off the async test's thread.
fn off_thread<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::spawn(work).join().unwrap()
}

/// A stand-in replica: a database of its own, migrated, holding one
/// published report of its own and no organisation.
fn stand_in() -> PgDatabase {
    let replica = PgDatabase::new();
    let url = replica.url.clone();
    off_thread(move || {
        let store = Store::open_postgres(&url).unwrap();
        let report = json!({"figures": "of the replica"});
        store
            .publish_spend_report("Replica report", &report, &Actor::cli())
            .unwrap();
    });
    replica
}

fn publish(app: &TestApp, title: &'static str) -> i64 {
    let store = app.store.clone();
    off_thread(move || {
        let report = json!({"figures": title});
        store
            .publish_spend_report(title, &report, &Actor::cli())
            .unwrap()
            .get()
    })
}

fn titles(list: &Value) -> Vec<&str> {
    list["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["title"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn public_pages_and_reports_read_the_replica_and_everything_else_the_primary() {
    let replica = stand_in();
    let url = replica.url.clone();
    let app = spawn_app_with_replica(move |_| url).await;
    publish(&app, "Primary report");
    let second = publish(&app, "Second primary report");
    let anon = app.anonymous();
    // The published reports and the overview come from the replica.
    let list = json_of(&anon, "/api/v1/reports").await;
    assert_eq!(titles(&list), ["Replica report"], "{list}");
    let overview = json_of(&anon, "/api/v1/overview").await;
    assert_eq!(overview["organisations"], 0, "{overview}");
    let page = anon.page("/reports", StatusCode::OK).await;
    assert!(page.contains("Replica report") && !page.contains("Primary report"));
    // What the replica does not hold (yet) is read from the primary: a
    // visitor sent to a report just published finds it.
    let one = json_of(&anon, &format!("/api/v1/reports/{second}")).await;
    assert_eq!(one["title"], "Second primary report", "{one}");
    // Signing in, and a page that is not a report, are the primary's.
    let admin = app.login("admin").await;
    let orgs = json_of(&admin, "/api/v1/orgs").await;
    assert!(orgs.to_string().contains("Preston City Council"), "{orgs}");
    // Writes go to the primary, and the replica never sees them.
    admin
        .post_json_expect(
            "/api/v1/orgs",
            json!({"name": "Koperasi Baru", "kind": "ngo"}),
            StatusCode::CREATED,
        )
        .await;
    let counts = off_thread({
        let (primary, url) = (app.store.clone(), replica.url.clone());
        move || {
            let replica = Store::open_postgres(&url).unwrap();
            (
                primary.overview().unwrap().organisations,
                replica.overview().unwrap().organisations,
            )
        }
    });
    assert_eq!(counts, (4, 0));
    let health = json_of(&anon, "/health").await;
    assert_eq!(health["read_replica"], "ok", "{health}");
}

#[tokio::test]
async fn a_replica_that_stops_answering_leaves_the_primary_to_read() {
    let replica = stand_in();
    let url = replica.url.clone();
    let app = spawn_app_with_replica(move |_| url).await;
    let anon = app.anonymous();
    let overview = json_of(&anon, "/api/v1/overview").await;
    assert_eq!(overview["organisations"], 0, "the replica answers first");
    // The replica's database goes (its connections are cut).
    off_thread(move || drop(replica));
    let started = Instant::now();
    let overview = json_of(&anon, "/api/v1/overview").await;
    assert_eq!(
        overview["organisations"], 3,
        "the primary answers: {overview}"
    );
    let health = json_of(&anon, "/health").await;
    assert_eq!(health["status"], "ok", "{health}");
    assert_eq!(health["read_replica"], "unreachable", "{health}");
    // Resting, the replica is not asked again: the next reads are quick.
    let again = Instant::now();
    for _ in 0..5 {
        json_of(&anon, "/api/v1/reports").await;
    }
    assert!(
        again.elapsed() < started.elapsed().max(Duration::from_secs(1)),
        "reads wait for a replica that is resting"
    );
}

#[test]
fn a_replicas_connections_write_nothing_and_its_schema_must_be_this_programs() {
    let primary = PgDatabase::new();
    let store = Store::open_postgres(&primary.url).unwrap();
    let replica = Store::open_replica(&primary.url).unwrap();
    let org = lumbung_store::OrgInput {
        name: "Tidak Tertulis".into(),
        kind: lumbung_domain::OrgKind::Ngo,
        area_code: None,
        parent_id: None,
        company_number: None,
        npwp: None,
        attributes: Default::default(),
    };
    let refused = replica.create_org(&org, &Actor::cli()).unwrap_err();
    assert!(
        refused.to_string().contains("read-only transaction"),
        "{refused}"
    );
    assert_eq!(store.overview().unwrap().organisations, 0);
    // A database not migrated (yet) is no replica of this program's.
    let empty = PgDatabase::new();
    match Store::open_replica(&empty.url) {
        Err(StoreError::ReplicaBehind {
            found: 0, known, ..
        }) => assert!(known > 40),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        Store::open_replica("replica.db"),
        Err(StoreError::ReplicaNotPostgres { .. })
    ));
    // Another kind of URL is refused without repeating its password.
    let refused = Store::open_replica("mysql://lumbung:rahasia@db/lumbung").unwrap_err();
    assert!(!refused.to_string().contains("rahasia"), "{refused}");
}

/// A real hot standby of the test server (`.ci/run` starts one beside it):
/// the primary writes, the standby replays, public pages read it there.
#[tokio::test]
async fn a_hot_standby_serves_the_public_pages_what_the_primary_wrote() {
    let standby = std::env::var("LUMBUNG_TEST_PG_REPLICA")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .expect("this test needs a hot standby: set LUMBUNG_TEST_PG_REPLICA=postgres://… (.ci/run does)");
    let app = spawn_app_with_replica(move |primary| {
        // The same database's name on the standby's server.
        let name = primary
            .rsplit('/')
            .next()
            .unwrap()
            .split('?')
            .next()
            .unwrap();
        database_url(&standby, name)
    })
    .await;
    let anon = app.anonymous();
    let health = json_of(&anon, "/health").await;
    assert_eq!(health["read_replica"], "ok", "{health}");
    // Every read sent to the replica runs there: a standby refuses any
    // write, so a read that wrote would fail here.
    let auditor = app.login("auditor").await;
    for path in REPLICA_PUBLIC {
        assert_eq!(anon.status(path).await, StatusCode::OK, "{path}");
    }
    for path in REPLICA_PUBLIC.iter().chain(REPLICA_REPORTS) {
        assert_eq!(auditor.status(path).await, StatusCode::OK, "{path}");
    }
    let id = publish(&app, "Laporan Belanja 2026");
    // The report's page is found at once (from the primary, if the standby
    // has not replayed it yet); the list shows it once the standby has.
    let one = json_of(&anon, &format!("/api/v1/reports/{id}")).await;
    assert_eq!(one["title"], "Laporan Belanja 2026");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let list = json_of(&anon, "/api/v1/reports").await;
        if titles(&list) == ["Laporan Belanja 2026"] {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the standby never showed it: {list}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
