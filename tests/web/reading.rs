//! What people read: money with its currency, shares as percentages,
//! supplier keys and suggestions in words, the books' narrations in the
//! reader's language, area names beside codes.

use crate::fund::import_one_loan;
use crate::support::{assert_has_all, signed_in};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn amounts_shares_keys_and_narrations_read_as_people_read_them() {
    let (app, [analyst, upk]) = signed_in(["analyst", "upk"]).await;
    crate::spend::spend_places(&app);
    let cli = lumbung_store::Actor::cli();
    let preston = "Preston City Council";
    let first = vec![crate::spend::payment(
        preston,
        "Fylde Foods Ltd",
        "PR1 2HE",
        300,
    )];
    app.store
        .import_spend("one.csv", "one", &first, &json!({}), &cli)
        .unwrap();
    // Another spelling at the same postcode is suggested, not merged.
    let second = vec![crate::spend::payment(
        preston,
        "Fylde Food Limited",
        "PR1 2HE",
        100,
    )];
    app.store
        .import_spend("two.csv", "two", &second, &json!({}), &cli)
        .unwrap();

    let html = analyst
        .page("/spend/suppliers?review=1", StatusCode::OK)
        .await;
    assert!(!html.contains("name:"), "no internal key on screen: {html}");
    assert!(
        html.contains("nama “fylde food”, kode pos PR12HE"),
        "{html}"
    );
    // The suggestion is one click (with a confirmation) away, by name.
    assert!(html.contains("Gabungkan ke #1 Fylde Foods Ltd"), "{html}");
    // Or picked from a search: the list becomes a search for where it goes.
    assert!(
        html.contains("href=\"/spend/suppliers?merge=2&amp;q=Fylde\""),
        "{html}"
    );
    let search = analyst
        .page("/spend/suppliers?merge=2&q=Fylde", StatusCode::OK)
        .await;
    assert!(
        search.contains("Menggabungkan #2 Fylde Food Limited"),
        "{search}"
    );
    let here = "<form method=\"post\" action=\"/spend/suppliers/2/merge\" class=\"merge-here\">";
    assert_eq!(
        search.matches(here).count(),
        1,
        "only the other row: {search}"
    );
    assert!(search.contains("name=\"into\" value=\"1\""), "{search}");

    // Money carries the local area's currency, grouped per language.
    let html = analyst.page("/spend", StatusCode::OK).await;
    assert!(html.contains("£400,00") || html.contains("£400"), "{html}");
    assert!(
        html.contains("<span id=\"local-name\" class=\"hint\">Preston</span>"),
        "{html}"
    );
    // How the locations were found, in the reader's language.
    assert_has_all(
        &html,
        &[
            "Asal lokasi pemasok: berkas pembayaran £400",
            "lokasi diketahui seluruhnya 100%",
        ],
    );

    // The books: rupiah with its sign, narrations in Indonesian.
    crate::fund::group_applies(&app, &upk).await;
    import_one_loan(&app);
    let home = upk.page("/", StatusCode::OK).await;
    assert!(home.contains("Rp\u{a0}500.000"), "{home}");
    // Rates and ratios as percentages: "Jasa 1,5% per bulan", PAR.
    let loan = upk.page("/fund/loans/L-1", StatusCode::OK).await;
    assert!(loan.contains("Jasa 1,5% per bulan"), "{loan}");
    let books = upk
        .page(&format!("/fund/upk/{}", app.upk), StatusCode::OK)
        .await;
    assert!(
        books.contains("<td>100%"),
        "PAR of the one loan, all late: {books}"
    );
    let statements = format!("/fund/upk/{}/statements?from=2024-01-01", app.upk);
    let html = upk.page(&statements, StatusCode::OK).await;
    assert!(html.contains("setoran simpanan"), "{html}");
    assert!(!html.contains("savings deposit"), "{html}");
}
