//! Files that would unfold into gigabytes are refused with a clear error,
//! in the user's language, and the server keeps answering (issue 10,
//! finding 3).

use crate::support::{file_form, location, spawn_app};
use reqwest::StatusCode;
use serde_json::Value;

/// The fuzz corpus's 1.5 KB workbook (hand-written XML, zipped) with cells
/// at A1 and XFD1048576: a dense range of 549 GB; the CLI's test reads it too.
fn corner_to_corner_workbook() -> Vec<u8> {
    let path = "fuzz/corpus/spend-xlsx/a1-xfd1048576.xlsx";
    std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

#[tokio::test]
async fn a_sheet_spanning_a1_to_xfd1048576_is_refused_and_the_server_keeps_answering() {
    let app = spawn_app().await;
    let bomb = corner_to_corner_workbook();
    assert!(bomb.len() < 8 * 1024, "{} bytes", bomb.len());
    let analyst = app.login("analyst").await;
    let form = file_form("file", &bomb, "bomb.xlsx").text("anchor", "UCLan");
    let res = analyst.upload("/spend/import", form).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let preview = location(&res);
    let html = analyst.page(&preview, StatusCode::OK).await;
    for part in [
        "bomb.xlsx",
        "lembar &quot;Payments&quot; terlalu besar",
        "A1:XFD1048576",
    ] {
        assert!(html.contains(part), "{part}: {html}");
    }

    let token = app.token("analyst").await;
    let res = app
        .import_spend(&token, "file_name=bomb.xlsx&anchor=UCLan", bomb)
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let err: Value = res.json().await.unwrap();
    let detail = err["error"]["detail"].as_str().unwrap();
    assert!(
        detail.contains("bomb.xlsx") && detail.contains("A1:XFD1048576"),
        "{err}"
    );

    assert_eq!(app.anonymous().status("/health").await, StatusCode::OK);
    assert_eq!(analyst.status("/spend").await, StatusCode::OK);
}
