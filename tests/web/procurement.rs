//! The procurement pages: the business base (its readers see contacts,
//! the public counts), contracts, opportunities, tenders entered and
//! matched, and the outbox.

use crate::support::*;
use reqwest::StatusCode;

/// Payments, an award and a business base around Preston: "Preston
/// Roads" is paid, awarded and in the base; it consents to be contacted.
fn seed(app: &TestApp) {
    crate::spend_places(app);
    let cli = lumbung_store::Actor::cli();
    app.store
        .import_spend(
            "seed.csv",
            "abc",
            &[
                crate::payment("Preston City Council", "Preston Roads Ltd", "PR1 2HE", 300),
                crate::payment("Preston City Council", "Faraway Cleaning PLC", "42111", 700),
            ],
            &serde_json::json!({}),
            &cli,
        )
        .unwrap();
    let award = br#"{"ocid": "ocds-w-1", "id": "1", "date": "2024-03-01T00:00:00Z",
        "buyer": {"name": "Lancashire County Council"},
        "tender": {"title": "Resurfacing", "status": "active",
                   "items": [{"id": "1", "classification": {"scheme": "CPV", "id": "45233142-6"}}]},
        "parties": [{"id": "S1", "name": "Preston Roads Limited", "address": {"streetAddress": "1 Fishergate, Preston PR1 2HE"},
                     "details": {"scale": "small"}}],
        "awards": [{"id": "A1", "status": "active", "value": {"amount": 2500, "currency": "GBP"},
                    "suppliers": [{"id": "S1", "name": "Preston Roads Limited"}]}]}"#;
    app.store
        .import_ocds(&[("award.json".into(), award.to_vec())], &cli)
        .unwrap();
    let firms = b"name,postcode,sic,cpv,size,form,contact_email,consent\n\
        Preston Roads Ltd,PR1 2HE,42110,45233000,small,employee_owned,roads@example.org,yes\n\
        Ribble Cleaning Co-operative,PR1 3AB,81210,90910000,micro,cooperative,clean@example.org,yes\n\
        Quiet Builders,PR1 4XY,41201,45000000,micro,conventional,quiet@example.org,no\n";
    let records = lumbung_procurement::business::read_file("firms.csv", firms).unwrap();
    app.store
        .import_businesses(&[("firms.csv".into(), records)], Some("chamber"), &cli)
        .unwrap();
}

#[tokio::test]
async fn the_business_base_is_searched_by_its_readers_and_only_counted_in_public() {
    let (app, [analyst, facilitator, anon_probe]) =
        signed_in(["analyst", "facilitator", "upk"]).await;
    seed(&app);
    // A misspelt name finds the business; the page links to it.
    let found = analyst
        .page("/business?q=prestn+roads", StatusCode::OK)
        .await;
    let id = app.store.business_candidates().unwrap()[0].id;
    assert!(
        found.contains(&format!("href=\"/business/{id}\"")),
        "{found}"
    );
    assert!(!found.contains("Ribble Cleaning"), "{found}");
    // A bad criterion is named, and the search keeps what was typed.
    let bad = analyst
        .page("/business?q=roads&size=huge", StatusCode::OK)
        .await;
    assert!(
        bad.contains("role=\"alert\"") && bad.contains("value=\"roads\""),
        "{bad}"
    );
    // The business: its contact, its payments and the award made to it.
    for lang in ["id", "en"] {
        analyst.get(&format!("/lang/{lang}")).await;
        let page = analyst
            .page(&format!("/business/{id}"), StatusCode::OK)
            .await;
        assert!(page.contains(&format!("<html lang=\"{lang}\">")));
        assert!(page.contains("roads@example.org"), "{page}");
        assert!(page.contains("ocds-w-1"), "the award: {page}");
        assert!(
            page.contains("Preston City Council"),
            "the payments: {page}"
        );
        assert!(!page.contains("??"), "{page}");
    }
    // A facilitator reads the base (contacts) but not the payments.
    let page = facilitator
        .page(&format!("/business/{id}"), StatusCode::OK)
        .await;
    assert!(page.contains("roads@example.org") && !page.contains("/spend/payments?supplier="));
    assert_eq!(
        facilitator.status("/procurement").await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(anon_probe.status("/business").await, StatusCode::FORBIDDEN);
    // The public: counts per area and form, no names, no contacts.
    let public = app
        .anonymous()
        .page("/business/counts", StatusCode::OK)
        .await;
    assert!(public.contains("Preston"), "{public}");
    for private in ["Preston Roads", "Ribble", "Quiet Builders", "@example.org"] {
        assert!(!public.contains(private), "{private} in {public}");
    }
    assert_eq!(
        app.anonymous().status(&format!("/business/{id}")).await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        analyst.status("/business/999999").await,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn contracts_and_opportunities_show_the_local_and_sme_shares() {
    let (app, [analyst, auditor]) = signed_in(["analyst", "auditor"]).await;
    seed(&app);
    analyst.get("/lang/en").await;
    let page = analyst.page("/procurement", StatusCode::OK).await;
    // One award of £2,500 to a small local firm: all of it local and SME.
    assert!(page.contains("2,500.00"), "{page}");
    assert!(page.matches("100").count() >= 2, "{page}");
    assert!(page.contains("Lancashire County Council"), "{page}");
    let dated = analyst
        .page("/procurement?from=2030-01-01", StatusCode::OK)
        .await;
    assert!(dated.contains("No active award"), "{dated}");
    let bad = analyst.page("/procurement?from=soon", StatusCode::OK).await;
    assert!(
        bad.contains("role=\"alert\"") && bad.contains("value=\"soon\""),
        "{bad}"
    );
    // Cleaning leaks to Serang; the co-operative can supply it and agreed
    // to be contacted.
    let o = auditor
        .page("/procurement/opportunities", StatusCode::OK)
        .await;
    assert!(o.contains("Ribble Cleaning Co-operative"), "{o}");
    assert!(o.contains("<svg class=\"chart\""), "{o}");
}

#[tokio::test]
async fn tenders_are_entered_matched_and_only_consenting_firms_are_written_to() {
    let (app, [analyst, lancs, auditor]) = signed_in(["analyst", "analyst-lancs", "auditor"]).await;
    seed(&app);
    let preston = app.preston_council.to_string();
    // A bad form keeps what was typed and names the fields.
    let bad = analyst
        .post_form_expect(
            "/procurement/tenders",
            &[
                ("anchor", &preston),
                ("title", "Pothole repairs"),
                ("cpv", "4523"),
                ("closes_on", "soon"),
            ],
            StatusCode::OK,
        )
        .await;
    assert!(
        bad.contains("value=\"Pothole repairs\"")
            && bad.contains("id=\"e-cpv\"")
            && bad.contains("id=\"e-closes_on\""),
        "{bad}"
    );
    assert!(app
        .store
        .tenders()
        .unwrap()
        .iter()
        .all(|t| t.title != "Pothole repairs"));
    // An anchor outside the analyst's scope is refused.
    let serang = app
        .add_org("RSUD Serang", lumbung_domain::OrgKind::Anchor, "3604")
        .to_string();
    let outside = lancs
        .post_form_expect(
            "/procurement/tenders",
            &[("anchor", &serang), ("title", "Beds"), ("cpv", "33192000")],
            StatusCode::OK,
        )
        .await;
    assert!(outside.contains("id=\"e-anchor\""), "{outside}");
    let res = lancs
        .post_form(
            "/procurement/tenders",
            &[
                ("anchor", &preston),
                ("title", "Pothole repairs"),
                ("cpv", "45233142"),
                ("closes_on", "2027-01-31"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let tender = app
        .store
        .tenders()
        .unwrap()
        .into_iter()
        .find(|t| t.title == "Pothole repairs")
        .unwrap();
    let page = auditor.page("/procurement/tenders", StatusCode::OK).await;
    assert!(
        page.contains("Preston Roads Ltd") && page.contains("Quiet Builders"),
        "{page}"
    );
    assert!(!page.contains("/notify\""), "an auditor only reads: {page}");
    let csv = auditor.text("/procurement/tenders.csv").await;
    assert!(
        csv.contains("Pothole repairs") && csv.contains("Quiet Builders"),
        "{csv}"
    );
    // Notify: the consenting firm is queued, the other never.
    let res = lancs
        .post_form(&format!("/procurement/tenders/{}/notify", tender.id), &[])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let outbox = app.store.outbox().unwrap();
    let emails: Vec<&str> = outbox.iter().map(|n| n.email.as_str()).collect();
    assert_eq!(emails, ["roads@example.org"]);
    let page = auditor.page("/procurement/outbox", StatusCode::OK).await;
    assert!(page.contains("roads@example.org") && !page.contains("quiet@example.org"));
    let res = analyst
        .post_form(&format!("/procurement/outbox/{}/sent", outbox[0].id), &[])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.store.outbox().unwrap()[0].status,
        lumbung_store::NoticeStatus::Sent
    );
    // Marking it again is refused, with the reason.
    let again = analyst
        .post_form(&format!("/procurement/outbox/{}/sent", outbox[0].id), &[])
        .await;
    assert_eq!(again.status(), StatusCode::UNPROCESSABLE_ENTITY);
}
