//! "Your work" after sign-in: each role is given what waits for it in its
//! scope, on the home page and as `GET /api/v1/work`.

use crate::community::{record, KEL};
use crate::fund::import_one_loan;
use crate::support::signed_in;
use reqwest::StatusCode;
use serde_json::Value;

#[tokio::test]
async fn the_upk_collects_the_bkm_decides_the_facilitator_verifies_the_analyst_reviews() {
    let (app, [upk, bkm, field, analyst, admin]) =
        signed_in(["upk", "bkm-user", "facilitator-kel", "analyst", "admin"]).await;

    // Nothing waits yet.
    let w: Value = upk.json("/api/v1/work").await;
    assert_eq!(w["fund"]["collect"].as_array().unwrap().len(), 0, "{w}");
    assert!(w.get("steps").is_none() && w.get("spend").is_none(), "{w}");

    // A group applies; the BKM is asked to decide, the UPK sees it waiting.
    crate::fund::group_applies(&app, &upk).await;
    for v in [&upk, &bkm] {
        let w: Value = v.json("/api/v1/work").await;
        let pending = w["fund"]["pending"].as_array().unwrap();
        assert_eq!(pending.len(), 1, "{w}");
        assert_eq!(pending[0]["status"], "pending");
        assert_eq!(pending[0]["ksm"], "KSM Mawar");
        assert_eq!(pending[0]["principal"], 500_000);
    }
    let home = bkm.page("/", StatusCode::OK).await;
    assert!(
        home.contains("Pekerjaan Anda") && home.contains("menunggu keputusan Anda"),
        "{home}"
    );
    let home = upk.page("/", StatusCode::OK).await;
    assert!(
        !home.contains("menunggu keputusan Anda"),
        "the UPK does not decide"
    );

    // A loan of January 2024 with nothing repaid is overdue.
    import_one_loan(&app);
    let w: Value = upk.json("/api/v1/work").await;
    let collect = &w["fund"]["collect"][0];
    assert_eq!(collect["loan_id"], "L-1", "{w}");
    assert_eq!(collect["ksm"], "KSM Melati");
    assert_eq!(collect["overdue"], 600_000 + 6 * 9_000);
    let home = upk.page("/", StatusCode::OK).await;
    assert!(home.contains("href=\"/fund/loans/L-1\""), "{home}");

    // A step recorded waits for the coordinator's verification.
    let w: Value = field.json("/api/v1/work").await;
    assert!(w.get("fund").is_none(), "{w}");
    let before = w["steps"].as_array().unwrap().len();
    let res = record(&field, KEL, "rkm", "2024-01-10").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let w: Value = field.json("/api/v1/work").await;
    let mine = w["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["code"] == KEL)
        .unwrap_or_else(|| panic!("{w}"));
    assert_eq!(
        mine["awaiting"][0]["en"], "Community readiness meeting (RKM)",
        "{w}"
    );
    assert!(w["steps"].as_array().unwrap().len() >= before);

    // The analyst: imports and the review queue; the admin: links only.
    let w: Value = analyst.json("/api/v1/work").await;
    assert!(
        w["spend"]["imports"].is_array() && w["spend"]["to_review"].is_u64(),
        "{w}"
    );
    let w: Value = admin.json("/api/v1/work").await;
    assert_eq!(w, serde_json::json!({}));
    let home = admin.page("/", StatusCode::OK).await;
    assert!(home.contains("href=\"/users\"") && home.contains("Pekerjaan Anda"));

    // A visitor has no work and no such section.
    let visitor = app.anonymous();
    assert_eq!(
        visitor.status("/api/v1/work").await,
        StatusCode::UNAUTHORIZED
    );
    assert!(!visitor
        .page("/", StatusCode::OK)
        .await
        .contains("Pekerjaan Anda"));
}
