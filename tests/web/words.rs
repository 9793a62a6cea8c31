//! Error details in the visitor's language: pages show the words of the
//! chosen language (Indonesian by default), the API answers in English with
//! the detail's code and values for programs.

use crate::support::spawn_app;
use reqwest::StatusCode;

#[tokio::test]
async fn a_bad_date_is_explained_in_the_visitors_language_and_coded_for_programs() {
    let app = spawn_app().await;
    let v = app.anonymous();

    let page = v
        .page(
            "/community/progress?as_of=30/06/2024",
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert!(
        page.contains("&quot;30&#x2f;06&#x2f;2024&quot; bukan tanggal seperti 2024-06-30"),
        "{page}"
    );
    assert!(!page.contains("is not a date"), "{page}");

    assert_eq!(v.status("/lang/en").await, StatusCode::SEE_OTHER);
    let (_, page) = v.get_html("/community/progress?as_of=30/06/2024").await;
    assert!(page.contains("is not a date such as 2024-06-30"), "{page}");
    assert!(!page.contains("bukan tanggal"), "{page}");

    let res = v.get("/api/v1/community/progress?as_of=30/06/2024").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: serde_json::Value = res.json().await.unwrap();
    let error = &body["error"];
    assert_eq!(error["code"], "invalid");
    assert_eq!(error["field"], "as_of");
    assert_eq!(
        error["detail"],
        "\"30/06/2024\" is not a date such as 2024-06-30"
    );
    assert_eq!(error["detail_code"], "not_a_date");
    assert_eq!(error["params"]["value"], "\"30/06/2024\"");
}
