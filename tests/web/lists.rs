//! The long lists — suppliers, payments, a UPK's loans, a kelurahan's
//! households, a poll's ballots — paged (`?page=&per=`), sorted by their
//! column headers (`?sort=&dir=`) and downloaded as CSV exactly as
//! filtered and sorted, every page; the downloads scoped as their pages.

use crate::support::{signed_in, TestApp, Visitor};
use lumbung_spend::prepare::Payment;
use reqwest::StatusCode;
use serde_json::json;

/// `names` each appear in `html`, in this order.
fn in_order(html: &str, names: &[&str]) -> bool {
    let at: Vec<Option<usize>> = names.iter().map(|n| html.find(n)).collect();
    at.iter().all(Option::is_some) && at.windows(2).all(|w| w[0] < w[1])
}

/// The page at `path` (200), its `/` and `&` unescaped for reading links.
async fn page(v: &Visitor, path: &str) -> String {
    let html = v.page(path, StatusCode::OK).await;
    html.replace("&#x2f;", "/").replace("&amp;", "&")
}

/// A CSV download: its header and rows, after checking what it is.
async fn download(v: &Visitor, path: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let res = v.get(path).await;
    assert_eq!(res.status(), StatusCode::OK, "{path}");
    let kind = res.headers()["content-type"].to_str().unwrap().to_owned();
    assert_eq!(kind, "text/csv; charset=utf-8", "{path}");
    let disposition = res.headers()["content-disposition"].to_str().unwrap();
    assert!(disposition.starts_with("attachment; filename="), "{path}");
    let text = res.text().await.unwrap();
    let body = text.strip_prefix('\u{feff}').expect("a byte-order mark");
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let header = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    (header, rows)
}

/// Column `i` of every row.
fn column(rows: &[Vec<String>], i: usize) -> Vec<&str> {
    rows.iter().map(|r| r[i].as_str()).collect()
}

/// "Halaman X / Y" as the pager writes it, in Indonesian.
fn page_of(x: u32, y: u32) -> String {
    format!("Halaman {x} / {y}")
}

/// A payment of 2013/14 on 2013-06-`day`.
fn payment(anchor: &str, supplier: &str, postcode: &str, pounds: i64, day: i8) -> Payment {
    let date = Some(jiff::civil::date(2013, 6, day));
    Payment {
        date,
        ..crate::payment(anchor, supplier, postcode, pounds)
    }
}

/// Six payments of Preston City Council (inside Lancashire) to five
/// suppliers, one with a name a spreadsheet would run, and one of RSUD
/// Serang (outside it).
fn seed_spend(app: &TestApp) {
    crate::spend_places(app);
    let cli = lumbung_store::Actor::cli();
    let preston = "Preston City Council";
    let payments = vec![
        payment(preston, "Bravo Ltd", "PR1 2HE", 300, 3),
        payment(preston, "Alpha Ltd", "PR1 2HE", 100, 1),
        payment(preston, "Delta Ltd", "PR1 2HE", 700, 5),
        payment(preston, "Bravo Ltd", "PR1 2HE", 300, 2),
        payment(preston, "Charlie Ltd", "PR1 2HE", 50, 4),
        payment(preston, "=SUM(1+1)", "PR1 2HE", 10, 6),
        payment("RSUD Serang", "Echo Apotek", "42111", 20, 7),
    ];
    app.store
        .import_spend("seed.csv", "abc", &payments, &json!({}), &cli)
        .unwrap();
}

#[tokio::test]
async fn suppliers_are_paged_sorted_and_downloaded_as_the_scope_sees_them() {
    let (app, [analyst, lancs]) = signed_in(["analyst", "analyst-lancs"]).await;
    seed_spend(&app);

    // Two a page, by name: six suppliers fill three pages.
    let html = page(&analyst, "/spend/suppliers?per=2").await;
    assert!(
        html.contains(&page_of(1, 3)) && html.contains("Ditemukan: 6"),
        "{html}"
    );
    assert!(in_order(&html, &["=SUM(1+1)", "Alpha Ltd"]) && !html.contains("Bravo Ltd"));
    assert!(
        html.contains("aria-sort=\"ascending\""),
        "the default order is shown"
    );
    let html = page(&analyst, "/spend/suppliers?per=2&page=2").await;
    assert!(in_order(&html, &["Bravo Ltd", "Charlie Ltd"]) && !html.contains("Alpha Ltd"));
    assert!(
        html.contains("href=\"/spend/suppliers?per=2&page=1\""),
        "{html}"
    );
    // Past the last page: the last; a page that is no number: the first.
    let html = page(&analyst, "/spend/suppliers?per=2&page=99").await;
    assert!(
        html.contains(&page_of(3, 3)) && html.contains("Echo Apotek"),
        "{html}"
    );
    for garbage in [
        "page=",
        "page=x&per=&sort=&dir=",
        "page=-1&sort=nope&dir=sideways",
    ] {
        let html = page(&analyst, &format!("/spend/suppliers?{garbage}")).await;
        assert!(
            in_order(&html, &["Alpha Ltd", "Bravo Ltd", "Echo Apotek"]),
            "{garbage}"
        );
    }

    // By total, largest first; the search and order stay in the links.
    let html = page(&analyst, "/spend/suppliers?q=Ltd&sort=total&dir=desc&per=2").await;
    assert!(in_order(&html, &["Delta Ltd", "Bravo Ltd"]) && !html.contains("Alpha Ltd"));
    assert!(html.contains("aria-sort=\"descending\"") && html.contains("▼"));
    assert!(
        html.contains("href=\"/spend/suppliers?q=Ltd&sort=total&dir=desc&per=2&page=2\""),
        "{html}"
    );
    assert!(html.contains("href=\"/spend/suppliers.csv?q=Ltd&sort=total&dir=desc\""));

    // The download: the search's rows of every page, in the page's order.
    let (header, rows) = download(&analyst, "/spend/suppliers.csv?q=Ltd&sort=total&dir=desc").await;
    assert_eq!(header[..2], ["No.", "Pemasok"]);
    assert_eq!(
        column(&rows, 1),
        ["Delta Ltd", "Bravo Ltd", "Alpha Ltd", "Charlie Ltd"]
    );
    let total = header.iter().position(|h| h == "Total").unwrap();
    assert_eq!(
        column(&rows, total),
        ["700.00", "600.00", "100.00", "50.00"]
    );
    let payments = header
        .iter()
        .position(|h| h == "Jumlah pembayaran")
        .unwrap();
    assert_eq!(column(&rows, payments), ["1", "2", "1", "1"]);
    let (_, rows) = download(&analyst, "/spend/suppliers.csv?sort=number&dir=desc").await;
    assert_eq!(rows.len(), 6);
    let numbers: Vec<i64> = column(&rows, 0)
        .iter()
        .map(|n| n.parse().unwrap())
        .collect();
    assert!(numbers.windows(2).all(|w| w[0] > w[1]), "{numbers:?}");
    assert!(
        column(&rows, 1).contains(&"'=SUM(1+1)"),
        "a formula is written as text"
    );

    // A scoped analyst pages and downloads only the suppliers their
    // anchors paid, and their payments only.
    let html = page(&lancs, "/spend/suppliers?per=2&page=3").await;
    assert!(
        html.contains(&page_of(3, 3)) && html.contains("Ditemukan: 5"),
        "{html}"
    );
    assert!(!html.contains("Echo Apotek"));
    let (_, rows) = download(&lancs, "/spend/suppliers.csv?sort=payments&dir=desc").await;
    assert_eq!(rows.len(), 5);
    assert_eq!(rows[0][1], "Bravo Ltd");
    assert!(!column(&rows, 1).contains(&"Echo Apotek"));
    // Whom the page refuses, the download refuses.
    let facilitator = app.login("facilitator").await;
    for path in ["/spend/suppliers", "/spend/suppliers.csv"] {
        assert_eq!(
            facilitator.status(path).await,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
}

#[tokio::test]
async fn payments_are_paged_sorted_and_downloaded_as_the_scope_sees_them() {
    let (app, [analyst, lancs]) = signed_in(["analyst", "analyst-lancs"]).await;
    seed_spend(&app);

    let html = page(&analyst, "/spend/payments?per=3").await;
    assert!(html.contains(&page_of(1, 3)), "{html}");
    assert!(
        html.contains("Jumlah pembayaran: 7") && html.contains("1.480,00"),
        "{html}"
    );
    let html = page(&analyst, "/spend/payments?per=3&sort=amount&dir=desc").await;
    assert!(in_order(&html, &["Delta Ltd", "Bravo Ltd"]) && !html.contains("Alpha Ltd"));
    let html = page(&analyst, "/spend/payments?per=3&sort=date&page=3").await;
    assert!(
        html.contains("Echo Apotek") && !html.contains("Alpha Ltd"),
        "{html}"
    );
    let html = page(&analyst, "/spend/payments?per=3&sort=date&page=-3").await;
    assert!(in_order(&html, &["Alpha Ltd", "Bravo Ltd"]), "{html}");

    // The figure's filter and the order, every page.
    let anchor = app.preston_council;
    let path = format!("/spend/payments.csv?anchor={anchor}&location=local&sort=date&dir=desc");
    let (header, rows) = download(&analyst, &path).await;
    assert_eq!(
        header,
        [
            "Lembaga jangkar",
            "Tahun anggaran",
            "Tanggal",
            "Pemasok",
            "Lokasi",
            "Nilai"
        ]
    );
    assert_eq!(
        column(&rows, 2),
        [
            "2013-06-06",
            "2013-06-05",
            "2013-06-04",
            "2013-06-03",
            "2013-06-02",
            "2013-06-01"
        ]
    );
    assert_eq!(
        column(&rows, 5),
        ["10.00", "700.00", "50.00", "300.00", "300.00", "100.00"]
    );
    assert!(rows.iter().all(|r| r[4] == "Lokal"));

    let (_, rows) = download(&lancs, "/spend/payments.csv?sort=supplier").await;
    assert_eq!(rows.len(), 6, "RSUD Serang's payment is not Lancashire's");
    assert_eq!(rows[1][3], "Alpha Ltd");
    let facilitator = app.login("facilitator").await;
    assert_eq!(
        facilitator.status("/spend/payments.csv").await,
        StatusCode::FORBIDDEN
    );
}
