//! Uploads carry the CSRF token in the body or a header, never in the
//! query string: a URL can end up in a log.

use crate::support::{assert_has_all, file_part, location, signed_in, TestApp};
use reqwest::StatusCode;

const CSV: &[u8] = b"Paid Date,Vendor,Amount\n01/05/2013,Ribble Print Ltd,100.00\n";

fn file() -> reqwest::multipart::Part {
    file_part(CSV, "spend.csv")
}

#[tokio::test]
async fn the_upload_form_sends_its_token_as_the_first_part_not_in_the_url() {
    let (app, [analyst]) = signed_in(["analyst"]).await;
    let csrf = analyst.csrf.clone().unwrap();
    let html = analyst.page("/spend/import", StatusCode::OK).await;
    assert!(!html.contains("csrf="), "no token in a URL: {html}");
    let form = html
        .split("enctype=\"multipart/form-data\"")
        .nth(1)
        .unwrap();
    let first_input = form.split("<input").nth(1).unwrap();
    assert!(
        first_input.contains("name=\"csrf\"") && first_input.contains(&csrf),
        "the token is the form's first field: {first_input}"
    );

    // As the browser sends that form: the token first, then the file.
    let upload = |token: &str| {
        reqwest::multipart::Form::new()
            .text("csrf", token.to_owned())
            .part("file", file())
            .text("anchor", "UCLan")
    };
    let res = analyst.post_multipart("/spend/import", upload(&csrf)).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let preview = location(&res);
    let html = analyst.page(&preview, StatusCode::OK).await;
    assert!(
        html.contains("Ribble Print Ltd"),
        "the file came through whole"
    );
    // Fields are mapped by picking from the file's own headers.
    assert_has_all(
        &html,
        &[
            "<select id=\"map_amount\" name=\"map_amount\">",
            ">Nama pemasok</label>",
        ],
    );
    assert!(
        html.contains("<option value=\"Vendor\" selected>Vendor</option>"),
        "the column the reader chose is picked: {html}"
    );
    assert!(
        !html.contains("<code>supplier_name</code>"),
        "no internal key"
    );

    // A wrong token in the body is refused, and so is one after the file.
    let res = analyst
        .post_multipart("/spend/import", upload("not-the-token"))
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let late = reqwest::multipart::Form::new()
        .part("file", file())
        .text("csrf", csrf.clone());
    let res = analyst.post_multipart("/spend/import", late).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // The header works for scripts that hold a cookie session.
    let res = analyst
        .client
        .post(format!("{}/spend/import", app.base))
        .header("X-CSRF-Token", &csrf)
        .multipart(reqwest::multipart::Form::new().part("file", file()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    // The raw-body API with a bearer token needs no CSRF token at all.
    let token = app.token("analyst").await;
    let res = app
        .import_spend(&token, "file_name=spend.csv&anchor=UCLan", CSV.to_vec())
        .await;
    assert!(res.status().is_success(), "{}", res.status());
}

#[test]
fn no_template_puts_the_token_in_a_url() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/crates/web/src/templates");
    let mut uploads = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("csrf="), "{}", path.display());
        for form in text.split("<form").skip(1) {
            if form.contains("multipart/form-data") {
                uploads += 1;
                let first = form.split("<input").nth(1).unwrap_or_default();
                assert!(
                    first.contains("name=\"csrf\""),
                    "{}: the token is an upload form's first field",
                    path.display()
                );
            }
        }
    }
    assert_eq!(
        uploads, 6,
        "spend, mapping, register, assessment and LM3 survey uploads, and the shared upload form (plan, grants, activities, investment projects, credit union figures, bank closures)"
    );
}

/// What the reader noticed about a file, and the flags on its rows, read
/// in the user's language on the preview (they were English on an
/// Indonesian page).
#[tokio::test]
async fn the_preview_tells_what_the_reader_noticed_in_the_users_language() {
    let (_app, [analyst]) = signed_in(["analyst"]).await;
    let csrf = analyst.csrf.clone().unwrap();
    let csv = "Paid Date;Vendor;SME;Amount\n31/02/2013;;perhaps;100.00\n";
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf)
        .part("file", file_part(csv.as_bytes(), "spend.csv"))
        .text("anchor", "UCLan");
    let res = analyst.post_multipart("/spend/import", form).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let html = analyst.page(&location(&res), StatusCode::OK).await;
    for id in [
        "kolom dipisahkan oleh titik koma",
        "tanggal tak terbaca: 31&#x2f;02&#x2f;2013",
        "status UMKM tak terbaca: perhaps",
        "tanpa nama pemasok",
    ] {
        assert!(html.contains(id), "{id}: {html}");
    }
    for en in ["separated by", "unreadable", "no supplier name"] {
        assert!(!html.contains(en), "{en}: {html}");
    }
}

/// `csv` imported for UCLan as `spend import --skip-bad-rows` does.
fn import_skipping_bad_rows(app: &TestApp, csv: &str) -> lumbung_store::SpendImportSummary {
    let file = lumbung_store::SpendFile {
        name: "damaged.csv",
        bytes: csv.as_bytes(),
        anchor: Some(lumbung_store::OrgRef::Name("UCLan".into())),
        year: None,
        period: None,
        skip_bad_rows: true,
        locale: lumbung_spend::read::Locale::En,
        sheet: None,
        mapping: None,
        reach: lumbung_domain::Scope::Global,
    };
    app.store
        .import_spend_file(&file, &lumbung_store::Actor::cli())
        .unwrap()
}

/// A file's damaged rows may be nearly all of it: its page lists the
/// first 1,000 and says so (regression: it read and showed every one).
#[tokio::test]
async fn an_imports_page_lists_the_first_thousand_damaged_rows_and_says_there_are_more() {
    let (app, [analyst]) = signed_in(["analyst"]).await;
    let mut csv = String::from("Supplier,Paid Date,Amount\nFylde Foods Ltd,24/06/2012,100.00\n");
    for i in 0..1_001 {
        csv.push_str(&format!("Ribble Print {i},25/06/2012,50.00Acme Widgets\n"));
    }
    let import = import_skipping_bad_rows(&app, &csv).import_id.unwrap();
    assert_eq!(app.store.spend_bad_rows(import, None).unwrap().len(), 1_001);
    let html = analyst
        .page(&format!("/spend/imports/{import}/flagged"), StatusCode::OK)
        .await;
    assert_eq!(html.matches("Ribble Print ").count(), 1_000);
    assert!(
        html.contains("hanya 1.000 baris pertama yang ditampilkan"),
        "{html}"
    );
}

/// An import that skipped damaged rows shows them on its page, as read,
/// with why in the user's language (issue 13).
#[tokio::test]
async fn an_imports_page_lists_the_damaged_rows_it_skipped() {
    let (app, [analyst]) = signed_in(["analyst"]).await;
    let csv = "Supplier,Paid Date,Amount\nFylde Foods Ltd,24/06/2012,100.00\nLancs Care CIC,26/06/2012,50.00Acme\n";
    let summary = import_skipping_bad_rows(&app, csv);
    assert_eq!((summary.stored, summary.bad_rows_skipped), (1, 1));
    let id = summary.import_id.unwrap();
    let html = analyst
        .page(&format!("/spend/imports/{id}/flagged"), StatusCode::OK)
        .await;
    assert_has_all(
        &html,
        &[
            "Baris rusak yang dilewati",
            "Lancs Care CIC,26&#x2f;06&#x2f;2012,50.00Acme",
        ],
    );
    assert!(
        html.contains("bukan jumlah uang") && !html.contains("is not an amount"),
        "the reason in Indonesian: {html}"
    );
}
