//! The long lists — suppliers, payments, a UPK's loans, a kelurahan's
//! households, a poll's ballots — paged (`?page=&per=`), sorted by their
//! column headers (`?sort=&dir=`) and downloaded as CSV exactly as
//! filtered and sorted, every page; the downloads scoped as their pages.

use crate::support::{assert_has_all, signed_in, TestApp, Visitor};
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
        ..crate::spend::payment(anchor, supplier, postcode, pounds)
    }
}

/// Six payments of Preston City Council (inside Lancashire) to five
/// suppliers, one with a name a spreadsheet would run, and one of RSUD
/// Serang (outside it).
fn seed_spend(app: &TestApp) {
    crate::spend::spend_places(app);
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
    // A decision on a row comes back to the page and order it was made on.
    let html = page(
        &analyst,
        "/spend/suppliers?sort=total&dir=desc&per=2&page=2",
    )
    .await;
    for (name, value) in [
        ("sort", "total"),
        ("dir", "desc"),
        ("per", "2"),
        ("page", "2"),
    ] {
        assert!(
            html.contains(&format!("name=\"{name}\" value=\"{value}\"")),
            "{name}"
        );
    }
    let list: serde_json::Value = analyst.json("/api/v1/spend/suppliers?q=Alpha").await;
    let alpha = list["suppliers"][0]["id"].as_i64().unwrap();
    let fields = [
        ("area", "E07000123"),
        ("sort", "total"),
        ("dir", "desc"),
        ("per", "2"),
        ("page", "2"),
    ];
    let to = crate::support::posted(
        &analyst,
        &format!("/spend/suppliers/{alpha}/locate"),
        &fields,
    )
    .await;
    assert_eq!(
        to,
        "/spend/suppliers?sort=total&dir=desc&per=2&page=2&done=saved"
    );

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

/// What follows each `start` in `html`, up to `end`: a column of a page's
/// tables, in its order.
fn after_each(html: &str, start: &str, end: char) -> Vec<String> {
    let rest = html.split(start).skip(1);
    rest.map(|r| r.split(end).next().unwrap().to_owned())
        .collect()
}

/// The ids of the loans a UPK page lists, in their order.
fn loan_ids(html: &str) -> Vec<String> {
    after_each(html, "href=\"/fund/loans/", '"')
}

#[tokio::test]
async fn a_upks_loans_are_paged_sorted_and_downloaded_within_the_scope() {
    let (app, [upk, bkm]) = signed_in(["upk", "bkm-user"]).await;
    // Seven loans, disbursed a month apart from L-100 (the oldest, the
    // latest in arrears) to L-1; none repaid.
    let ids = ["L-100", "L-20", "L-11", "L-10", "L-3", "L-2", "L-1"];
    let loans = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let on = jiff::civil::date(2024, 1 + i as i8, 10);
            let ksm = if i % 2 == 0 {
                "KSM Anggrek"
            } else {
                "KSM Bakung"
            };
            crate::fund::loan_record(ksm, id, on, 100_000 * (1 + i as i64 % 3))
        })
        .collect();
    crate::fund::import_loans(&app, loans);
    let books = format!("/fund/upk/{}", app.upk);

    let html = page(&upk, &format!("{books}?per=3")).await;
    assert!(
        html.contains(&page_of(1, 3)) && html.contains("Ditemukan: 7"),
        "{html}"
    );
    assert_eq!(loan_ids(&html).len(), 3);
    let html = page(&upk, &format!("{books}?per=3&sort=loan")).await;
    assert_eq!(
        loan_ids(&html),
        ["L-1", "L-2", "L-3"],
        "numbers in ids as numbers"
    );
    assert!(html.contains(&format!(
        "href=\"{books}?sort=loan&dir=asc&per=3&page=2#loans\""
    )));
    let html = page(&upk, &format!("{books}?per=3&sort=loan&page=3")).await;
    assert_eq!(loan_ids(&html), ["L-100"]);
    let html = page(&upk, &format!("{books}?per=3&sort=late&dir=desc&page=")).await;
    assert_eq!(
        loan_ids(&html),
        ["L-100", "L-20", "L-11"],
        "the longest in arrears first"
    );

    let csv = format!("{books}/loans.csv?sort=principal&dir=desc");
    let (header, rows) = download(&upk, &csv).await;
    assert_eq!(header[..2], ["Pinjaman", "KSM"]);
    assert_eq!(rows.len(), 7);
    assert_eq!(
        column(&rows, 3),
        ["300000", "300000", "200000", "200000", "100000", "100000", "100000"]
    );
    let late = header.iter().position(|h| h == "Hari terlambat").unwrap();
    let (_, by_id) = download(&upk, &format!("{books}/loans.csv?sort=loan")).await;
    assert_eq!(
        column(&by_id, 0),
        ["L-1", "L-2", "L-3", "L-10", "L-11", "L-20", "L-100"]
    );
    let days: Vec<i64> = column(&by_id, late)
        .iter()
        .map(|d| d.parse().unwrap())
        .collect();
    assert!(
        days.windows(2).all(|w| w[0] < w[1]),
        "older loans are later: {days:?}"
    );

    // The BKM's user reads its UPK's loans; another UPK is not found for
    // it, its download neither; who may not read the books is refused.
    let (_, rows) = download(&bkm, &csv).await;
    assert_eq!(rows.len(), 7);
    let other = app.add_org("UPK Lain", lumbung_domain::OrgKind::Upk, "E07000123");
    for path in [
        format!("/fund/upk/{other}"),
        format!("/fund/upk/{other}/loans.csv"),
    ] {
        assert_eq!(bkm.status(&path).await, StatusCode::NOT_FOUND, "{path}");
    }
    let analyst = app.login("analyst").await;
    assert_eq!(analyst.status(&csv).await, StatusCode::FORBIDDEN);
}

const KEL: &str = "3604010001";

#[tokio::test]
async fn a_kelurahans_households_are_paged_sorted_and_downloaded_within_the_scope() {
    let (app, [field, auditor]) = signed_in(["facilitator-kel", "auditor"]).await;
    crate::community::sample_areas(&app);
    let res = crate::community::upload(
        &field,
        KEL,
        crate::community::HOUSEHOLDS,
        crate::community::ROSTER,
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let mapping = format!("/community/kelurahan/{KEL}/mapping");
    let heads = crate::community::head_names();

    // Ten a page: three pages that together list every household once.
    let mut listed = vec![];
    for n in 1..=3 {
        let html = page(&field, &format!("{mapping}?per=10&page={n}")).await;
        assert!(
            html.contains(&page_of(n, 3)) && html.contains("Ditemukan: 30"),
            "{html}"
        );
        let here: Vec<&String> = heads
            .iter()
            .filter(|h| html.contains(&format!("<td>{h}</td>")))
            .collect();
        assert_eq!(here.len(), 10, "page {n}: {here:?}");
        listed.extend(here);
    }
    listed.sort();
    listed.dedup();
    assert_eq!(listed.len(), 30);
    // A notice of the import stays off the list's links.
    let html = page(&field, &format!("{mapping}?import=1&per=10")).await;
    assert!(
        html.contains(&format!("href=\"{mapping}?per=10&page=2#households\"")),
        "{html}"
    );

    // The download: every household, in the order asked.
    let csv = format!("/community/kelurahan/{KEL}/households.csv");
    let before = audited(&auditor).await;
    let (header, rows) = download(&field, &format!("{csv}?sort=score&dir=desc")).await;
    assert_eq!(
        audited(&auditor).await,
        before + 1,
        "reading them is audited"
    );
    assert_eq!(header[..3], ["RW", "RT", "Kepala rumah tangga"]);
    assert_eq!(rows.len(), 30);
    let held = header
        .iter()
        .position(|h| h == "Indikator terpenuhi")
        .unwrap();
    let scores: Vec<u32> = column(&rows, held)
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    assert!(scores[0] > scores[29]);
    // The page shows the download's first rows.
    let html = page(&field, &format!("{mapping}?per=10&sort=score&dir=desc")).await;
    let first: Vec<&str> = rows[..10].iter().map(|r| r[2].as_str()).collect();
    assert!(in_order(&html, &first), "{first:?}");
    let (_, by_head) = download(&field, &format!("{csv}?sort=head")).await;
    let mut sorted: Vec<String> = heads.clone();
    sorted.sort_by_key(|h| h.to_lowercase());
    assert_eq!(
        column(&by_head, 2),
        sorted.iter().map(String::as_str).collect::<Vec<_>>()
    );

    // A facilitator of the other kelurahan: refused as the page refuses.
    app.add_user(
        "fasilitator-kamasan",
        lumbung_domain::Role::Facilitator,
        crate::support::in_area("3604010002"),
    );
    let other = app.login("fasilitator-kamasan").await;
    let refused = other.status(&mapping).await;
    assert!(
        matches!(refused, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
        "{refused}"
    );
    assert_eq!(other.status(&csv).await, refused);
    let analyst = app.login("analyst").await;
    assert_eq!(analyst.status(&csv).await, StatusCode::FORBIDDEN);
}

/// How many readings of a kelurahan's mapping the audit log holds.
async fn audited(auditor: &Visitor) -> usize {
    let log: serde_json::Value = auditor.json("/api/v1/audit").await;
    let entries = log["entries"].as_array().unwrap();
    entries
        .iter()
        .filter(|e| e["action"] == "read.mapping")
        .count()
}

/// The ballot ids of a ballots page's tables, in their order.
fn ballot_ids(html: &str) -> Vec<String> {
    after_each(html, "<tr><td>", '<')
}

#[tokio::test]
async fn a_polls_ballots_are_paged_sorted_and_downloaded_within_the_scope() {
    let (app, [ani, budi]) = signed_in(["facilitator-kel", "facilitator"]).await;
    let rt = "3604010001.01.001";
    let to = crate::support::posted(
        &ani,
        "/election",
        &[("level", "rt"), ("area", rt), ("held_on", "2025-03-02")],
    )
    .await;
    let id: i64 = to.trim_start_matches("/election/").parse().unwrap();
    let enter = |v: &'static str, lines: &'static str| (v, lines);
    for (entry, lines) in [
        enter(
            "a",
            "10, Udin\n2, Siti\n100, Ani\n1, Dodi\n20, Udin\n3, Siti\n11, Ani\n",
        ),
        enter("b", "2, Siti\n1, =HYPERLINK(\"x\")\n"),
    ] {
        let who = if entry == "a" { &ani } else { &budi };
        crate::support::posted(
            who,
            &format!("/election/{id}/ballots"),
            &[("entry", entry), ("lines", lines)],
        )
        .await;
    }
    let ballots = format!("/election/{id}/ballots");
    // Both entries are read by who may not type (an auditor): a member
    // who typed one reads that one only (`withheld_entries_…` in
    // election.rs).
    let auditor = app.login("auditor").await;

    // Three a page: entry A's seven fill three pages; B's two, the first.
    let html = page(&auditor, &format!("{ballots}?per=3")).await;
    assert!(
        html.contains(&page_of(1, 3))
            && html.contains("Entri A (7)")
            && html.contains("Entri B (2)"),
        "{html}"
    );
    assert_eq!(
        ballot_ids(&html),
        ["10", "2", "100", "2", "1"],
        "as entered"
    );
    let html = page(&auditor, &format!("{ballots}?per=3&sort=number")).await;
    assert_eq!(ballot_ids(&html), ["1", "2", "3", "1", "2"]);
    let html = page(&auditor, &format!("{ballots}?per=3&sort=number&page=3")).await;
    assert_eq!(ballot_ids(&html), ["100"]);
    assert!(
        !html.contains("Belum ada surat suara"),
        "entry B has ballots, on other pages"
    );
    let html = page(
        &auditor,
        &format!("{ballots}?per=3&sort=number&dir=desc&page=7"),
    )
    .await;
    assert!(html.contains(&page_of(3, 3)));
    assert_eq!(ballot_ids(&html), ["1"]);
    assert!(html.contains(&format!(
        "href=\"{ballots}?sort=number&dir=desc&per=3&page=2#entries\""
    )));

    let csv = format!("/election/{id}/ballots.csv?sort=number&dir=desc");
    let (header, rows) = download(&auditor, &csv).await;
    assert_eq!(
        header,
        ["Entri", "No. surat suara", "Nama", "Dimasukkan oleh"]
    );
    assert_eq!(
        column(&rows, 0),
        ["A", "A", "A", "A", "A", "A", "A", "B", "B"]
    );
    assert_eq!(
        column(&rows, 1),
        ["100", "20", "11", "10", "3", "2", "1", "2", "1"]
    );
    assert_eq!(
        rows[8][2], "'=HYPERLINK(\"x\")",
        "a formula is written as text"
    );
    assert_eq!(rows[8][3], "facilitator");
    let (_, rows) = download(&ani, &csv).await;
    assert_eq!(column(&rows, 0), ["A"; 7], "entry A's typist reads A only");

    // A poll outside the viewer's scope is not found, nor its download.
    app.add_user(
        "fasilitator-kamasan",
        lumbung_domain::Role::Facilitator,
        crate::support::in_area("3604010002"),
    );
    let other = app.login("fasilitator-kamasan").await;
    assert_eq!(other.status(&ballots).await, StatusCode::NOT_FOUND);
    assert_eq!(other.status(&csv).await, StatusCode::NOT_FOUND);
    let analyst = app.login("analyst").await;
    assert_eq!(analyst.status(&csv).await, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_paged_lists_of_before_answer_any_page() {
    let (_app, [admin]) = signed_in(["admin"]).await;
    for path in [
        "/orgs?page=",
        "/orgs?q=&kind=&area=&page=x",
        "/areas?q=a&page=-1",
        "/audit?page=99999999999",
        "/audit?page=3&per=1",
    ] {
        let html = page(&admin, path).await;
        assert!(!html.contains("??"), "{path}");
    }
    let html = page(&admin, "/audit?per=1&page=2").await;
    assert!(
        html.contains("href=\"/audit?per=1&page=1\"")
            && html.contains("href=\"/audit?per=1&page=3\""),
        "{html}"
    );
}

#[tokio::test]
async fn register_companies_that_may_be_a_supplier_are_decided_on_the_review_list() {
    let (app, [analyst, lancs]) = signed_in(["analyst", "analyst-lancs"]).await;
    crate::spend::spend_places(&app);
    let cli = lumbung_store::Actor::cli();
    let nowhere = |name: &str| lumbung_spend::prepare::Payment {
        postcode: None,
        ..crate::spend::payment("Preston City Council", name, "", 100)
    };
    app.store
        .import_spend(
            "a.csv",
            "a",
            &[nowhere("Acme Widgets Ltd")],
            &serde_json::json!({}),
            &cli,
        )
        .unwrap();
    let register = "CompanyName, CompanyNumber,RegAddress.PostCode,CompanyStatus\n\
        ACME WIDGETS LIMITED,02222222,PR1 3CD,Active\n\
        ACME WIDGETS LTD,02222223,M1 1AA,Active\n";
    app.store
        .import_register(
            lumbung_spend::registers::RegisterKind::CompaniesHouse,
            None,
            vec![("BasicCompanyData.csv".to_owned(), register.as_bytes())],
            &cli,
        )
        .unwrap();
    let acme = app.store.suppliers(Some("Acme"), false, 5).unwrap()[0]
        .id
        .get();

    // Listed for review, with both companies to decide between.
    let html = analyst
        .page("/spend/suppliers?review=1", StatusCode::OK)
        .await;
    assert_has_all(
        &html,
        &[
            "ACME WIDGETS LIMITED",
            "Salah satu dari beberapa perusahaan bernama sama di daftar Companies House",
        ],
    );
    assert_eq!(
        html.matches("class=\"register-confirm\"").count(),
        2,
        "{html}"
    );
    // An analyst of one county sees no decision it cannot make, and is
    // refused when it tries.
    let scoped = lancs
        .page("/spend/suppliers?review=1", StatusCode::OK)
        .await;
    assert!(!scoped.contains("register-confirm"), "{scoped}");
    let path = format!("/spend/suppliers/{acme}/register");
    let fields = [("company", "02222222"), ("decision", "confirm")];
    lancs
        .post_form_expect(&path, &fields, StatusCode::FORBIDDEN)
        .await;
    // A company that is no register's is refused, naming it.
    let html = analyst
        .post_form_expect(
            &path,
            &[("company", "99999999"), ("decision", "confirm")],
            StatusCode::NOT_FOUND,
        )
        .await;
    assert!(html.contains("99999999"), "{html}");

    let to = crate::support::posted(&analyst, &path, &fields).await;
    assert!(to.contains("done=saved"), "{to}");
    let r: serde_json::Value = analyst.json("/api/v1/spend/report").await;
    assert_eq!(r["located"]["register"], "100.00");
    assert_eq!(r["local"], "100.00");
    let html = analyst.page("/spend/suppliers", StatusCode::OK).await;
    assert!(
        html.contains("PR13CD <small>(daftar perusahaan Companies House 02222222)</small>"),
        "{html}"
    );
}
