//! The procurement pages: the business base (its readers see contacts,
//! the public counts), contracts, opportunities, tenders entered and
//! matched, and the outbox.

use crate::support::*;
use reqwest::StatusCode;

/// Payments, an award and a business base around Preston: "Preston
/// Roads" is paid, awarded and in the base; it consents to be contacted.
fn seed(app: &TestApp) {
    crate::spend::spend_places(app);
    let cli = lumbung_store::Actor::cli();
    app.store
        .import_spend(
            "seed.csv",
            "abc",
            &[
                crate::spend::payment("Preston City Council", "Preston Roads Ltd", "PR1 2HE", 300),
                crate::spend::payment("Preston City Council", "Faraway Cleaning PLC", "42111", 700),
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
    let bad = analyst
        .page("/business?q=roads&list=isic", StatusCode::OK)
        .await;
    assert!(bad.contains("id=\"list-error\""), "{bad}");
    // Regression: a name of 60,000 letters was compared with every
    // business, trigram by trigram, for minutes. It is refused.
    let long = "q".repeat(101);
    let bad = analyst
        .page(&format!("/business?q={long}"), StatusCode::OK)
        .await;
    assert!(bad.contains("id=\"q-error\""), "{bad}");
    assert!(!bad.contains(&format!("href=\"/business/{id}\"")), "{bad}");
    let sic = analyst
        .page("/business?sector=42&list=sic", StatusCode::OK)
        .await;
    assert!(sic.contains("<option value=\"sic\" selected"), "{sic}");
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
    assert_has_all(
        &o,
        &["Ribble Cleaning Co-operative", "<svg class=\"chart\""],
    );
    // An opportunity shows its best 20 businesses and counts the others
    // (regression: every business of a sector was listed, each page).
    let mut more = String::from("name,postcode,sic,size,consent\n");
    for n in 0..25 {
        more.push_str(&format!("Cleaner {n:02} Ltd,PR1 5AB,81210,micro,yes\n"));
    }
    let records = lumbung_procurement::business::read_file("more.csv", more.as_bytes()).unwrap();
    app.store
        .import_businesses(
            &[("more.csv".into(), records)],
            None,
            &lumbung_store::Actor::cli(),
        )
        .unwrap();
    let o = analyst
        .page("/procurement/opportunities", StatusCode::OK)
        .await;
    assert_eq!(o.matches("Cleaner ").count(), 20, "{o}");
    assert!(o.contains("and 6 more"), "{o}");
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
    posted(
        &lancs,
        "/procurement/tenders",
        &[
            ("anchor", &preston),
            ("title", "Pothole repairs"),
            ("cpv", "45233142"),
            ("closes_on", "2027-01-31"),
        ],
    )
    .await;
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
    posted(
        &lancs,
        &format!("/procurement/tenders/{}/notify", tender.id),
        &[],
    )
    .await;
    let outbox = app.store.outbox().unwrap();
    let emails: Vec<&str> = outbox.iter().map(|n| n.email.as_str()).collect();
    assert_eq!(emails, ["roads@example.org"]);
    let page = auditor.page("/procurement/outbox", StatusCode::OK).await;
    assert!(page.contains("roads@example.org") && !page.contains("quiet@example.org"));
    // Regression (review of 2026-12-06): an analyst of another area saw
    // every anchor's notices and could mark one sent, so that the relay
    // never sent it. Now it is no notice to them; the one of the anchor's
    // area still marks it.
    app.add_user(
        "analyst-serang",
        lumbung_domain::Role::Analyst,
        crate::support::in_area("3604"),
    );
    let serang_analyst = app.login("analyst-serang").await;
    for other in [&serang_analyst, &app.login("auditor-serang").await] {
        let page = other.page("/procurement/outbox", StatusCode::OK).await;
        assert!(!page.contains("roads@example.org"), "{page}");
    }
    serang_analyst
        .post_form_expect(
            &format!("/procurement/outbox/{}/sent", outbox[0].id),
            &[],
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_eq!(
        app.store.outbox().unwrap()[0].status,
        lumbung_store::NoticeStatus::Queued
    );
    let page = lancs.page("/procurement/outbox", StatusCode::OK).await;
    assert!(page.contains("roads@example.org"), "{page}");
    posted(
        &analyst,
        &format!("/procurement/outbox/{}/sent", outbox[0].id),
        &[],
    )
    .await;
    assert_eq!(
        app.store.outbox().unwrap()[0].status,
        lumbung_store::NoticeStatus::Sent
    );
    // Marking it again is refused, with the reason.
    analyst
        .post_form_expect(
            &format!("/procurement/outbox/{}/sent", outbox[0].id),
            &[],
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
}

/// Regression: the tenders page matched every tender held against the
/// whole business base, read again for each tender; after an OCDS import
/// of a city's contracts (hundreds of thousands of tenders) any reader
/// could hold the server for hours. A page of tenders at a time, the base
/// read once for it; matched as one tender alone is.
#[tokio::test]
async fn tenders_are_shown_a_page_at_a_time_each_matched_as_alone() {
    let (app, [auditor]) = signed_in(["auditor"]).await;
    seed(&app);
    let cli = lumbung_store::Actor::cli();
    for n in 0..60 {
        let tender = lumbung_procurement::tenders::TenderForm {
            title: format!("Road works {n:02}"),
            cpv: "45233142".into(),
            closes_on: format!("2027-02-{:02}", n % 28 + 1),
            ..Default::default()
        }
        .check()
        .unwrap();
        app.store
            .add_tender(
                lumbung_domain::OrgId::new(app.preston_council),
                &tender,
                &cli,
            )
            .unwrap();
    }
    let held = app.store.tenders().unwrap().len();
    assert!(held > 60, "{held}");
    let cards = |page: &str| page.matches("<section class=\"card\" id=\"tender-").count();
    let first = auditor.page("/procurement/tenders", StatusCode::OK).await;
    assert_eq!(cards(&first), 50, "{first}");
    assert!(first.contains("tenders?page=2\" rel=\"next\""), "{first}");
    let second = auditor
        .page("/procurement/tenders?page=2", StatusCode::OK)
        .await;
    assert_eq!(cards(&second), held - 50, "{second}");
    // The page's tenders are those of the whole list, in its order, each
    // with the matches it has alone.
    let (page, total) = app.store.tenders_matched(50, 50).unwrap();
    assert_eq!(total as usize, held);
    let ids: Vec<_> = app.store.tenders().unwrap()[50..]
        .iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(page.iter().map(|m| m.tender.id).collect::<Vec<_>>(), ids);
    for m in &page {
        assert_eq!(
            Some(m),
            app.store.tender_matches(m.tender.id).unwrap().as_ref()
        );
    }
    assert!(page
        .iter()
        .filter(|m| m.tender.title.starts_with("Road works"))
        .all(|m| m
            .matches
            .iter()
            .any(|b| b.name.starts_with("Preston Roads"))));
    // The outbox too, a page at a time (a write user can queue notices
    // for every tender: the page read them all).
    for t in app.store.tenders().unwrap().iter().filter(|t| t.is_open()) {
        app.store.queue_notices(t.id, &cli).unwrap();
    }
    let queued = app.store.outbox().unwrap().len();
    assert!(queued > 50, "{queued}");
    let rows = |page: &str| page.matches("href=\"/procurement/tenders#tender-").count();
    let first = auditor.page("/procurement/outbox", StatusCode::OK).await;
    assert_eq!(rows(&first), 50, "{first}");
    let second = auditor
        .page("/procurement/outbox?page=2", StatusCode::OK)
        .await;
    assert_eq!(rows(&second), queued - 50, "{second}");
}

/// A tender entered by hand for `anchor`, and the example proxy set.
fn tender_with_proxies(app: &TestApp, anchor: i64, title: &str) -> lumbung_domain::TenderId {
    let cli = lumbung_store::Actor::cli();
    let proxies = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/examples/social-value-proxies.csv"
    ))
    .unwrap();
    let set = lumbung_procurement::social_value::read_proxies("p.csv", &proxies).unwrap();
    app.store.import_proxies("p.csv", &set, &cli).unwrap();
    let tender = lumbung_procurement::tenders::TenderForm {
        title: title.into(),
        cpv: "90910000".into(),
        currency: "GBP".into(),
        ..Default::default()
    }
    .check()
    .unwrap();
    app.store
        .add_tender(lumbung_domain::OrgId::new(anchor), &tender, &cli)
        .unwrap();
    app.store
        .tenders()
        .unwrap()
        .into_iter()
        .find(|t| t.title == title)
        .unwrap()
        .id
}

#[tokio::test]
async fn a_tender_is_weighed_in_versions_awarded_with_a_reason_and_its_promises_followed() {
    let (app, [lancs, analyst, auditor]) = signed_in(["analyst-lancs", "analyst", "auditor"]).await;
    seed(&app);
    let id = tender_with_proxies(&app, app.preston_council, "Office cleaning");
    // A published tender has no anchor: no scoped analyst weighs or awards
    // it (its buyer is no anchor of a scope), one of the whole system may.
    let published = app
        .store
        .tenders()
        .unwrap()
        .into_iter()
        .find(|t| t.title == "Resurfacing")
        .unwrap()
        .id;
    let published = format!("/procurement/tenders/{published}/evaluation");
    assert_eq!(lancs.status(&published).await, StatusCode::FORBIDDEN);
    lancs
        .post_form_expect(
            &published,
            &[("price", "60"), ("quality", "30"), ("social", "10")],
            StatusCode::FORBIDDEN,
        )
        .await;
    assert_eq!(analyst.status(&published).await, StatusCode::OK);
    let listed = lancs.page("/procurement/tenders", StatusCode::OK).await;
    assert!(!listed.contains(&published), "{listed}");
    let page = format!("/procurement/tenders/{id}/evaluation");
    let bids = "bidder,price,quality\nAlpha Ltd,100000,80\nBeta Co,90000,70\n";
    let commitments =
        "bidder,measure,quantity\nAlpha Ltd,local_hire,2\nBeta Co,volunteer_hour,10\n";
    // A bad version keeps what was typed and names the line and column.
    let bad = lancs
        .post_form_expect(
            &page,
            &[
                ("price", "60"),
                ("quality", "30"),
                ("social", "20"),
                ("bids", "bidder,price,quality\nAlpha Ltd,-5,80\n"),
                ("commitments", commitments),
            ],
            StatusCode::OK,
        )
        .await;
    assert!(
        bad.contains("id=\"e-weights\"")
            && bad.contains("id=\"e-bids\"")
            && bad.contains("Alpha Ltd,-5,80"),
        "{bad}"
    );
    assert!(app.store.evaluation_versions(id).unwrap().is_empty());
    let keep = |weights: [&'static str; 3], note: &'static str| {
        [
            ("price", weights[0]),
            ("quality", weights[1]),
            ("social", weights[2]),
            ("bids", bids),
            ("commitments", commitments),
            ("note", note),
        ]
    };
    posted(&lancs, &page, &keep(["60", "30", "10"], "")).await;
    // A change is a second version; the first stays in the history.
    posted(
        &lancs,
        &page,
        &keep(["40", "30", "30"], "more weight on social value"),
    )
    .await;
    let versions = app.store.evaluation_versions(id).unwrap();
    assert_eq!(
        versions.iter().map(|v| v.version).collect::<Vec<_>>(),
        [1, 2]
    );
    let shown = auditor.page(&page, StatusCode::OK).await;
    assert!(
        shown.contains("more weight on social value") && shown.contains("?version=1"),
        "{shown}"
    );
    assert!(
        !shown.contains("/award\""),
        "an auditor only reads: {shown}"
    );
    let first = auditor
        .page(&format!("{page}?version=1"), StatusCode::OK)
        .await;
    // Price scores: 60 × 90,000 ÷ 100,000 in the first, 40 × … in the second.
    assert!(
        first.contains("54.0000") && !first.contains("36.0000"),
        "{first}"
    );
    assert!(
        shown.contains("36.0000") && !shown.contains("54.0000"),
        "{shown}"
    );
    // An earlier version shows no award form: a decision is made on the
    // rankings of the latest.
    let old = lancs
        .page(&format!("{page}?version=1"), StatusCode::OK)
        .await;
    let latest = lancs.page(&page, StatusCode::OK).await;
    assert!(
        !old.contains("/award#decide") && latest.contains("/award#decide"),
        "{old}"
    );
    // The auditor cannot keep a version; an analyst of another scope
    // cannot see a tender of an anchor outside it.
    auditor
        .post_form_expect(&page, &keep(["60", "30", "10"], ""), StatusCode::FORBIDDEN)
        .await;
    let serang = app.add_org("RSUD Serang", lumbung_domain::OrgKind::Anchor, "3604");
    let other = tender_with_proxies(&app, serang, "Linen");
    assert_eq!(
        lancs
            .status(&format!("/procurement/tenders/{other}/evaluation"))
            .await,
        StatusCode::FORBIDDEN
    );
    lancs
        .post_form_expect(
            &format!("/procurement/tenders/{other}/evaluation"),
            &keep(["60", "30", "10"], ""),
            StatusCode::FORBIDDEN,
        )
        .await;
    // The award says why; without a reason it is refused, the form kept.
    let refused = lancs
        .post_form_expect(
            &format!("/procurement/tenders/{id}/award"),
            &[("version", "2"), ("bidder", "Beta Co"), ("reason", " ")],
            StatusCode::OK,
        )
        .await;
    assert!(refused.contains("id=\"e-award_reason\""), "{refused}");
    // A decision on a stale version is refused.
    lancs
        .post_form_expect(
            &format!("/procurement/tenders/{id}/award"),
            &[
                ("version", "1"),
                ("bidder", "Alpha Ltd"),
                ("reason", "best"),
            ],
            StatusCode::CONFLICT,
        )
        .await;
    posted(
        &lancs,
        &format!("/procurement/tenders/{id}/award"),
        &[
            ("version", "2"),
            ("bidder", "Alpha Ltd"),
            ("reason", "Highest total; two local jobs"),
        ],
    )
    .await;
    let award = app.store.tender_award(id).unwrap().unwrap();
    assert_eq!(
        (
            award.bidder.as_str(),
            award.version,
            award.decided_by.as_str()
        ),
        ("Alpha Ltd", 2, "analyst-lancs")
    );
    // Awarded: no more versions, no second award.
    analyst
        .post_form_expect(&page, &keep(["60", "30", "10"], ""), StatusCode::CONFLICT)
        .await;
    assert_eq!(app.store.evaluation_versions(id).unwrap().len(), 2);
    // Deliveries: a bad report names its fields; a good one counts; a
    // mistaken one is reversed, never edited.
    let deliveries = format!("/procurement/tenders/{id}/deliveries");
    let bad = lancs
        .post_form_expect(
            &deliveries,
            &[("measure", "trees"), ("quantity", "0"), ("period", "June")],
            StatusCode::OK,
        )
        .await;
    assert!(
        bad.contains("id=\"e-measure\"")
            && bad.contains("id=\"e-quantity\"")
            && bad.contains("id=\"e-period\""),
        "{bad}"
    );
    // A quantity whose value would not fit an amount is refused before it
    // is kept, so that the page can always add the reports up.
    let huge = lancs
        .post_form_expect(
            &deliveries,
            &[
                ("measure", "local_hire"),
                ("quantity", "999999999999999999999999"),
                ("period", "2026-06-30"),
            ],
            StatusCode::OK,
        )
        .await;
    assert!(huge.contains("id=\"e-quantity\""), "{huge}");
    assert!(app.store.deliveries(id).unwrap().is_empty());
    for quantity in ["1", "5"] {
        posted(
            &lancs,
            &deliveries,
            &[
                ("measure", "local_hire"),
                ("quantity", quantity),
                ("period", "2026-06-30"),
                ("evidence", "payroll"),
            ],
        )
        .await;
    }
    let wrong = app.store.deliveries(id).unwrap()[1].id;
    posted(&lancs, &format!("{deliveries}/{wrong}/reverse"), &[]).await;
    lancs
        .post_form_expect(
            &format!("{deliveries}/{wrong}/reverse"),
            &[],
            StatusCode::CONFLICT,
        )
        .await;
    let reports = app.store.deliveries(id).unwrap();
    assert_eq!(
        reports
            .iter()
            .map(|r| r.quantity.as_str())
            .collect::<Vec<_>>(),
        ["1.00", "5.00", "-5.00"]
    );
    // A report is weighed with every one held, in the transaction that
    // saves it (two sent at once had each passed alone): refused there,
    // nothing is kept.
    let held = reports.len();
    let again = reports[0].delivery();
    let refused = app.store.report_delivery(
        id,
        &again,
        "2026-06-30",
        "",
        &lumbung_store::Actor::Cli {
            os_user: "test".into(),
        },
        |all| {
            assert_eq!(all.len(), held + 1, "every report held, this one last");
            assert_eq!(all[held], again);
            Err(lumbung_domain::Text::new(
                "too_large",
                Vec::new(),
                "terlalu besar".into(),
                "too large".into(),
            ))
        },
    );
    assert!(
        matches!(&refused, Err(lumbung_store::StoreError::Invalid { field, .. }) if field == "quantity"),
        "{refused:?}"
    );
    assert_eq!(app.store.deliveries(id).unwrap().len(), held);
    let followed = auditor.page(&page, StatusCode::OK).await;
    assert!(
        followed.contains("id=\"outcomes\"") && followed.contains("50.0%"),
        "{followed}"
    );
    assert!(
        followed.contains("Highest total; two local jobs"),
        "{followed}"
    );
}

/// A supplier's id by its name.
fn supplier_named(app: &TestApp, name: &str) -> lumbung_domain::SupplierId {
    match &app.store.find_suppliers(&[(name, None)]).unwrap()[0] {
        lumbung_procurement::lm3::Found::One(id) => *id,
        other => panic!("{name}: {other:?}"),
    }
}

#[tokio::test]
async fn suppliers_are_scored_in_rounds_within_the_assessors_scope() {
    let (app, [lancs, auditor]) = signed_in(["analyst-lancs", "auditor"]).await;
    seed(&app);
    let serang = app.add_org("RSUD Serang", lumbung_domain::OrgKind::Anchor, "3604");
    assert!(serang > 0);
    app.store
        .import_spend(
            "serang.csv",
            "def",
            &[crate::spend::payment(
                "RSUD Serang",
                "Serang Linen",
                "42111",
                100,
            )],
            &serde_json::json!({}),
            &lumbung_store::Actor::cli(),
        )
        .unwrap();
    let form = |round: &str, text: &str| {
        reqwest::multipart::Form::new()
            .text("round", round.to_owned())
            .text("text", text.to_owned())
    };
    // A bad table is refused whole and kept as pasted.
    let bad = "supplier,outcome,score\nPreston Roads Ltd,employment,7\n";
    let res = lancs
        .upload("/procurement/assessments", form("2026", bad))
        .await;
    let page = expect_status("/procurement/assessments", res, StatusCode::OK).await;
    assert!(
        page.contains("id=\"e-text\"") && page.contains("employment,7"),
        "{page}"
    );
    // A supplier no anchor of the scope paid is refused as a name nobody
    // has: a file of guessed names tells nothing of other scopes.
    let outside = "supplier,outcome,score\nSerang Linen,equity,3\n";
    let res = lancs
        .upload("/procurement/assessments", form("2026", outside))
        .await;
    let page = expect_status("/procurement/assessments", res, StatusCode::OK).await;
    assert!(
        page.contains("tidak ada pemasok &quot;Serang Linen&quot;")
            || page.contains("no supplier &quot;Serang Linen&quot;"),
        "{page}"
    );
    assert!(
        !page.contains("cakupan Anda") && !page.contains("of your scope"),
        "{page}"
    );
    assert!(
        app.store.assessment_rounds().unwrap().is_empty(),
        "nothing kept"
    );
    let good = "supplier,outcome,score,evidence\nPreston Roads Ltd,employment,4,Local crew\nFaraway Cleaning PLC,environment,1,\n";
    let res = lancs
        .upload("/procurement/assessments", form("2026", good))
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.store.assessment_rounds().unwrap(), ["2026"]);
    // The form of one supplier: a second round, a score out of range kept.
    let roads = supplier_named(&app, "Preston Roads Ltd");
    let path = format!("/procurement/assessments/suppliers/{roads}");
    let bad = lancs
        .post_form_expect(
            &path,
            &[
                ("round", "2027"),
                ("score_employment", "9"),
                ("evidence_employment", "Apprentices"),
            ],
            StatusCode::OK,
        )
        .await;
    assert!(
        bad.contains("id=\"e-score_employment\"") && bad.contains("Apprentices"),
        "{bad}"
    );
    posted(
        &lancs,
        &path,
        &[
            ("round", "2027"),
            ("score_employment", "5"),
            ("evidence_employment", "Apprentices"),
            ("score_equity", ""),
        ],
    )
    .await;
    let history = app.store.supplier_scores(roads).unwrap();
    let rows: Vec<_> = history
        .iter()
        .map(|h| (h.round.as_str(), h.outcome.as_str(), h.score))
        .collect();
    assert_eq!(rows, [("2026", "employment", 4), ("2027", "employment", 5)]);
    // The dashboard: the change between the rounds, read by the auditor.
    let d = auditor
        .page("/procurement/assessments", StatusCode::OK)
        .await;
    assert!(
        d.contains("+1.00") && d.contains("Preston Roads Ltd"),
        "{d}"
    );
    assert!(!d.contains("id=\"a-round\""), "an auditor only reads: {d}");
    let earlier = auditor
        .page("/procurement/assessments?round=2026", StatusCode::OK)
        .await;
    assert!(!earlier.contains("+1.00"), "{earlier}");
    assert_eq!(
        auditor.status("/procurement/assessments?round=1999").await,
        StatusCode::NOT_FOUND
    );
    // Out of scope: the Serang supplier's page and form.
    let linen = supplier_named(&app, "Serang Linen");
    let linen_path = format!("/procurement/assessments/suppliers/{linen}");
    // As an id nobody has: a 403 told which ids exist outside the scope.
    assert_eq!(lancs.status(&linen_path).await, StatusCode::NOT_FOUND);
    assert_eq!(
        lancs
            .status("/procurement/assessments/suppliers/987654")
            .await,
        StatusCode::NOT_FOUND
    );
    lancs
        .post_form_expect(
            &linen_path,
            &[("round", "2027"), ("score_equity", "2")],
            StatusCode::NOT_FOUND,
        )
        .await;
    assert!(app.store.supplier_scores(linen).unwrap().is_empty());
    auditor
        .post_form_expect(
            &path,
            &[("round", "2027"), ("score_equity", "2")],
            StatusCode::FORBIDDEN,
        )
        .await;
    auditor.get("/lang/en").await;
    let english = auditor.page(&path, StatusCode::OK).await;
    assert!(
        english.contains("<html lang=\"en\">") && !english.contains("??"),
        "{english}"
    );
}

#[tokio::test]
async fn a_what_if_scenario_moves_leaking_spend_and_is_kept_beside_the_year_after() {
    let (app, [lancs, auditor]) = signed_in(["analyst-lancs", "auditor"]).await;
    seed(&app);
    let preston = app.preston_council;
    // Faraway Cleaning (outside) was paid 700 in sector 81210: half moved.
    let page = lancs
        .page(
            &format!("/procurement/whatif?anchor={preston}&year=2013&s_81210=50"),
            StatusCode::OK,
        )
        .await;
    assert!(
        page.contains("name=\"s_81210\"") && page.contains("350,00"),
        "{page}"
    );
    assert!(page.contains("<svg class=\"chart\""), "{page}");
    // A slider outside 0–100 is refused, the page still shown.
    let bad = lancs
        .page(
            &format!("/procurement/whatif?anchor={preston}&s_81210=150"),
            StatusCode::OK,
        )
        .await;
    assert!(bad.contains("id=\"e-sliders\""), "{bad}");
    let keep = [
        ("anchor", preston.to_string()),
        ("year", "2013".to_owned()),
        ("s_81210", "50".to_owned()),
        ("name", "Clean local".to_owned()),
    ];
    let fields: Vec<(&str, &str)> = keep.iter().map(|(k, v)| (*k, v.as_str())).collect();
    auditor
        .post_form_expect(
            "/procurement/whatif/scenarios",
            &fields,
            StatusCode::FORBIDDEN,
        )
        .await;
    posted(&lancs, "/procurement/whatif/scenarios", &fields).await;
    let kept = app.store.scenarios().unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(
        (
            kept[0].name.as_str(),
            kept[0].shifts.as_str(),
            kept[0].kept.to_string()
        ),
        ("Clean local", "81210=50%", "350.00".to_owned())
    );
    // Local share foreseen: (300 + 350) ÷ 1,000.
    assert_eq!(kept[0].local_share_after.as_deref(), Some("0.650000"));
    let page = auditor.page("/procurement/whatif", StatusCode::OK).await;
    assert!(
        page.contains("Clean local") && page.contains("81210=50%"),
        "{page}"
    );
    // Without a name, nothing is kept and the form says why.
    let unnamed: Vec<(&str, &str)> = fields
        .iter()
        .copied()
        .filter(|(k, _)| *k != "name")
        .collect();
    let page = lancs
        .post_form_expect("/procurement/whatif/scenarios", &unnamed, StatusCode::OK)
        .await;
    assert!(page.contains("id=\"e-name\""), "{page}");
    assert_eq!(app.store.scenarios().unwrap().len(), 1);
}

#[tokio::test]
async fn the_local_multiplier_is_figured_from_a_survey_given_in_the_browser() {
    let (app, [lancs, auditor]) = signed_in(["analyst-lancs", "auditor"]).await;
    seed(&app);
    let preston = app.preston_council.to_string();
    let form = |anchor: &str, text: &str| {
        reqwest::multipart::Form::new()
            .text("anchor", anchor.to_owned())
            .text("text", text.to_owned())
    };
    // Preston paid its local Roads 300 and Faraway 700: 1,000 + 300 + 150.
    let survey = "supplier,local_respend_share\nPreston Roads Ltd,0.5\n";
    let res = lancs
        .upload("/procurement/lm3", form(&preston, survey))
        .await;
    let page = expect_status("/procurement/lm3", res, StatusCode::OK).await;
    assert!(
        page.contains("1.4500") && page.contains("id=\"rounds\""),
        "{page}"
    );
    // A scoped analyst names one of its anchors; a bad survey is refused
    // by line and kept as pasted.
    let res = lancs.upload("/procurement/lm3", form("", survey)).await;
    let page = expect_status("/procurement/lm3", res, StatusCode::OK).await;
    assert!(
        page.contains("id=\"e-anchor\"") && !page.contains("1.4500"),
        "{page}"
    );
    // A supplier paid only outside the analyst's scope is a name nobody
    // has, its id untold (a survey of guessed names told both).
    app.add_org("RSUD Serang", lumbung_domain::OrgKind::Anchor, "3604");
    for (sha, supplier) in [("s1", "Serang Linen"), ("s2", "Serang Linen")] {
        let postcode = if sha == "s1" { "42111" } else { "42182" };
        app.store
            .import_spend(
                "serang.csv",
                sha,
                &[crate::spend::payment(
                    "RSUD Serang",
                    supplier,
                    postcode,
                    100,
                )],
                &serde_json::json!({}),
                &lumbung_store::Actor::cli(),
            )
            .unwrap();
    }
    let outside = "supplier,local_respend_share\nSerang Linen,0.5\n";
    let res = lancs
        .upload("/procurement/lm3", form(&preston, outside))
        .await;
    let page = expect_status("/procurement/lm3", res, StatusCode::OK).await;
    assert!(
        page.contains("no supplier &quot;Serang Linen&quot;")
            || page.contains("tidak ada pemasok &quot;Serang Linen&quot;"),
        "{page}"
    );
    let bad = "supplier,local_respend_share\nPreston Roads Ltd,1.5\n";
    let res = auditor
        .upload("/procurement/lm3", form(&preston, bad))
        .await;
    let page = expect_status("/procurement/lm3", res, StatusCode::OK).await;
    assert!(
        page.contains("id=\"e-text\"") && page.contains("Preston Roads Ltd,1.5"),
        "{page}"
    );
}

/// The current fiscal year (April to March) of the system clock: awards
/// decided in a test fall in it.
fn this_fiscal_year() -> i32 {
    let today = jiff::Zoned::now().date();
    i32::from(today.year()) - i32::from(today.month() < 4)
}

/// A cleaning tender of the council weighed and awarded to the local
/// co-operative, which promised two local hires.
fn award_cleaning(app: &TestApp) {
    use lumbung_procurement::evaluation::{read_bids, read_commitments, Weights};
    use lumbung_procurement::monitoring::check_award;
    let cli = lumbung_store::Actor::cli();
    let tender = lumbung_procurement::tenders::TenderForm {
        title: "Cleaning".into(),
        cpv: "90910000".into(),
        ..Default::default()
    }
    .check()
    .unwrap();
    let council = lumbung_domain::OrgId::new(app.preston_council);
    let id = app.store.add_tender(council, &tender, &cli).unwrap();
    let proxies = include_bytes!("../../docs/examples/social-value-proxies.csv");
    let set = lumbung_procurement::social_value::read_proxies("p.csv", proxies).unwrap();
    let proxy_set = app.store.import_proxies("p.csv", &set, &cli).unwrap().set;
    let bids = read_bids(
        "bids",
        b"bidder,price,quality\nRibble Cleaning Co-operative,900,80\nFaraway Cleaning PLC,800,70\n",
    )
    .unwrap();
    let commitments = read_commitments(
        "c",
        b"bidder,measure,quantity\nRibble Cleaning Co-operative,local_hire,2\n",
        &bids,
        &set,
    )
    .unwrap();
    let input = lumbung_store::VersionInput {
        weights: Weights::default(),
        bids,
        commitments,
        note: String::new(),
        proxy_set,
    };
    let version = app.store.add_evaluation_version(id, &input, &cli).unwrap();
    let e = lumbung_procurement::evaluation::evaluate(
        &input.weights,
        &input.bids,
        &input.commitments,
        &set,
    )
    .unwrap();
    let choice = check_award(&e, "Ribble Cleaning Co-operative", "Local co-operative").unwrap();
    app.store.award_tender(id, version, &choice, &cli).unwrap();
}

#[tokio::test]
async fn a_charter_shows_the_group_and_each_anchor_against_its_goals() {
    let (app, [lancs, auditor, serang_auditor]) =
        signed_in(["analyst-lancs", "auditor", "auditor-serang"]).await;
    seed(&app);
    award_cleaning(&app);
    let preston = app.preston_council.to_string();
    let serang = app
        .add_org("RSUD Serang", lumbung_domain::OrgKind::Anchor, "3604")
        .to_string();
    // An anchor outside the analyst's scope: refused, nothing agreed.
    let page = lancs
        .post_form_expect(
            "/procurement/charters",
            &[("name", "Lancs"), ("member", &preston), ("member", &serang)],
            StatusCode::OK,
        )
        .await;
    assert!(
        page.contains("id=\"e-members\"") && page.contains("value=\"Lancs\""),
        "{page}"
    );
    // The anchors ticked stay ticked.
    assert!(
        page.contains(&format!("value=\"{preston}\" checked")),
        "{page}"
    );
    assert!(app.store.charters().unwrap().is_empty());
    auditor
        .post_form_expect(
            "/procurement/charters",
            &[("name", "Lancs"), ("member", &preston)],
            StatusCode::FORBIDDEN,
        )
        .await;
    posted(
        &lancs,
        "/procurement/charters",
        &[("name", "Lancs"), ("member", &preston)],
    )
    .await;
    let charter = app.store.charters().unwrap()[0].id;
    let path = format!("/procurement/charters/{charter}");
    // 2013/14: the council paid 300 of 1,000 locally; the target is 10%.
    let page = lancs
        .page(&format!("{path}?year=2013"), StatusCode::OK)
        .await;
    assert_has_all(&page, &["30,0%", "Menyederhanakan proses pengadaan"]);
    // A manual goal needs what it counts; the form keeps what was typed.
    let goal = |title: &'static str, measure: &'static str, target: &'static str| {
        [
            ("title", title),
            ("indicator", "manual_percent"),
            ("measure", measure),
            ("target", target),
        ]
    };
    let page = lancs
        .post_form_expect(
            &format!("{path}/goals"),
            &goal("Living wage", "", "50"),
            StatusCode::OK,
        )
        .await;
    assert!(
        page.contains("id=\"e-measure\"") && page.contains("value=\"Living wage\""),
        "{page}"
    );
    let page = lancs
        .post_form_expect(
            &format!("{path}/goals"),
            &goal("Living wage", "suppliers paying it", "120"),
            StatusCode::OK,
        )
        .await;
    assert!(page.contains("id=\"e-target\""), "{page}");
    posted(
        &lancs,
        &format!("{path}/goals"),
        &goal("Living wage", "suppliers paying it", "50"),
    )
    .await;
    let goals = app.store.charter(charter).unwrap().unwrap().goals;
    assert_eq!(goals.len(), 7);
    let manual = goals[6].id.to_string();
    // A figure for an anchor outside the charter is refused; one for the
    // council is kept, and a later one replaces it.
    let value = |anchor: &str, v: &str| {
        [
            ("goal", manual.clone()),
            ("anchor", anchor.to_owned()),
            ("year", "2013".to_owned()),
            ("value", v.to_owned()),
        ]
    };
    let fields = value(&serang, "40");
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let page = lancs
        .post_form_expect(&format!("{path}/values"), &fields, StatusCode::OK)
        .await;
    assert!(page.contains("id=\"e-value_anchor\""), "{page}");
    for v in ["40", "55.5"] {
        let fields = value(&preston, v);
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        posted(&lancs, &format!("{path}/values"), &fields).await;
    }
    let page = auditor
        .page(&format!("{path}?year=2013"), StatusCode::OK)
        .await;
    assert!(page.contains("55,5%") && !page.contains("40,0%"), "{page}");
    assert!(
        !page.contains("id=\"enter\""),
        "an auditor only reads: {page}"
    );
    // This year: the co-operative's award (all of the awarded value, to a
    // local social enterprise), its bid and its promise of two hires.
    let year = this_fiscal_year();
    let council = lumbung_domain::OrgId::new(app.preston_council);
    // The council's figures this year, the charter naming it `name`.
    let known = |name: &str| {
        let fy = lumbung_domain::FiscalYear::new(year).unwrap();
        let known = app.store.charter_known(&[(council, name.into())], Some(fy));
        known.unwrap().members.remove(0).2
    };
    let k = known("x");
    assert_eq!(
        (k.awarded_total.to_string(), k.awarded_local.to_string()),
        ("900.00".to_owned(), "900.00".to_owned())
    );
    assert_eq!(k.awarded_social.to_string(), "900.00");
    assert_eq!(k.local_bids, 1);
    assert_eq!(k.promised.to_string(), "20000.00");
    let page = lancs
        .page(&format!("{path}?year={year}"), StatusCode::OK)
        .await;
    assert!(page.contains("100,0%"), "{page}");
    // A contract published in OCDS this year, its buyer named as the
    // council: 1,000 split between a local firm and one whose place is
    // not known, beside the hand-entered award.
    let published = format!(
        r#"{{"ocid": "ocds-w-9", "id": "1", "date": "{year}-04-02T00:00:00Z",
        "buyer": {{"name": "Preston City Council"}},
        "parties": [{{"id": "S1", "name": "Preston Roads Limited", "address": {{"postalCode": "PR1 2HE"}}}},
                    {{"id": "S2", "name": "Nowhere Supplies"}}],
        "awards": [{{"id": "A1", "status": "active", "value": {{"amount": 1000, "currency": "GBP"}},
                    "suppliers": [{{"id": "S1"}}, {{"id": "S2"}}]}},
                   {{"id": "A2", "status": "pending", "value": {{"amount": 5000, "currency": "GBP"}},
                    "suppliers": [{{"id": "S1"}}]}}]}}"#
    );
    app.store
        .import_ocds(
            &[("published.json".into(), published.into_bytes())],
            &lumbung_store::Actor::cli(),
        )
        .unwrap();
    let k = known("Preston City Council");
    assert_eq!(
        (
            k.awarded_total.to_string(),
            k.awarded_local.to_string(),
            k.awarded_social.to_string()
        ),
        (
            "1900.00".to_owned(),
            "1400.00".to_owned(),
            "900.00".to_owned()
        )
    );
    // Once the council is known by its OCDS identifier, a buyer of its name
    // is not it (another city's council, or a contract naming no
    // identifier), and its identifier under another name is.
    let org = app.store.org(council).unwrap().unwrap();
    let mut input = lumbung_domain::org_file::OrgInput {
        name: org.name.clone(),
        kind: lumbung_domain::OrgKind::Anchor,
        area_code: org
            .area_code
            .as_deref()
            .map(|c| lumbung_domain::AreaCode::parse(c).unwrap()),
        parent_id: org.parent_id,
        company_number: None,
        npwp: None,
        attributes: org.attributes.clone(),
    };
    input.attributes.insert(
        "ocds_buyer_id".into(),
        "GB-GOR-E99999998; GB-GOR-E07000123".into(),
    );
    app.store
        .update_org(council, &input, &lumbung_store::Actor::cli())
        .unwrap();
    let published = |ocid: &str, name: &str, identifier: &str, amount: u32| {
        format!(
            r#"{{"ocid": "{ocid}", "id": "1", "date": "{year}-04-03T00:00:00Z", "buyer": {{"id": "B"}},
            "parties": [{{"id": "B", "name": "{name}", "identifier": {{"scheme": "GB-GOR", "id": "{identifier}"}}}},
                        {{"id": "S2", "name": "Nowhere Supplies"}}],
            "awards": [{{"id": "A1", "status": "active", "value": {{"amount": {amount}, "currency": "GBP"}},
                        "suppliers": [{{"id": "S2"}}]}}]}}"#
        )
        .into_bytes()
    };
    app.store
        .import_ocds(
            &[
                (
                    "elsewhere.json".into(),
                    published("ocds-w-10", "Preston City Council", "E99999999", 3000),
                ),
                (
                    "renamed.json".into(),
                    published("ocds-w-11", "Preston CC", "E07000123", 400),
                ),
            ],
            &lumbung_store::Actor::cli(),
        )
        .unwrap();
    let k = known("Preston City Council");
    assert_eq!(
        (k.awarded_total.to_string(), k.awarded_local.to_string()),
        ("1300.00".to_owned(), "900.00".to_owned())
    );
    // Retired, a goal is no longer shown; its figures stay.
    posted(
        &lancs,
        &format!("{path}/goals/retire"),
        &[("goal", &manual)],
    )
    .await;
    assert_eq!(app.store.charter(charter).unwrap().unwrap().goals.len(), 6);
    // A viewer who does not see every anchor of the charter sees nothing.
    assert_eq!(serang_auditor.status(&path).await, StatusCode::NOT_FOUND);
    let list = serang_auditor
        .page("/procurement/charters", StatusCode::OK)
        .await;
    assert!(!list.contains(&path), "{list}");
    auditor.get("/lang/en").await;
    let english = auditor.page(&path, StatusCode::OK).await;
    assert!(
        english.contains("Simplify the procurement process") && !english.contains("??"),
        "{english}"
    );
}

#[tokio::test]
async fn a_respend_survey_goes_through_the_outbox_and_its_answers_give_the_multiplier() {
    let (app, [lancs, auditor, serang_auditor]) =
        signed_in(["analyst-lancs", "auditor", "auditor-serang"]).await;
    seed(&app);
    let preston = app.preston_council.to_string();
    let fields = |name: &'static str| [("name", name), ("anchor", &preston), ("year", "2013")];
    let page = lancs
        .post_form_expect("/procurement/lm3/surveys", &fields(""), StatusCode::OK)
        .await;
    assert!(page.contains("id=\"e-survey_name\""), "{page}");
    auditor
        .post_form_expect(
            "/procurement/lm3/surveys",
            &fields("Roads"),
            StatusCode::FORBIDDEN,
        )
        .await;
    posted(&lancs, "/procurement/lm3/surveys", &fields("Roads")).await;
    // Preston Roads (local, paid, consenting) is invited; Faraway
    // Cleaning is not local.
    let outbox = app.store.survey_outbox().unwrap();
    assert_eq!(outbox.len(), 1, "{outbox:?}");
    assert_eq!(outbox[0].email, "roads@example.org");
    let link = outbox[0]
        .body
        .split_whitespace()
        .find(|w| w.contains("/survey/"))
        .unwrap()
        .to_owned();
    let token = link.rsplit('/').next().unwrap().to_owned();
    assert_eq!(token.len(), 64, "{link}");
    let page = lancs.page("/procurement/outbox", StatusCode::OK).await;
    assert!(
        page.contains("id=\"invitations\"") && page.contains("roads@example.org"),
        "{page}"
    );
    let serang_outbox = serang_auditor
        .page("/procurement/outbox", StatusCode::OK)
        .await;
    assert!(
        !serang_outbox.contains("id=\"invitations\""),
        "{serang_outbox}"
    );
    // The supplier answers without an account; a sum above 100 is refused
    // and kept as typed.
    let visitor = app.anonymous();
    let path = format!("/survey/{token}");
    let form = visitor.page(&path, StatusCode::OK).await;
    assert!(form.contains("Preston Roads Ltd"), "{form}");
    // Not having chosen a language, the supplier reads the invitation's.
    assert!(form.contains("<html lang=\"en\">"), "{form}");
    let res = visitor
        .post_form_as_is(&path, &[("wages", "60"), ("suppliers", "50")])
        .await;
    let page = expect_status(&path, res, StatusCode::OK).await;
    assert!(
        page.contains("id=\"e-suppliers\"") && page.contains("value=\"60\""),
        "{page}"
    );
    let res = visitor
        .post_form_as_is(&path, &[("wages", "30"), ("suppliers", "20")])
        .await;
    let page = expect_status(&path, res, StatusCode::OK).await;
    assert!(page.contains("role=\"status\""), "{page}");
    assert_eq!(
        visitor.status("/survey/not-a-token").await,
        StatusCode::NOT_FOUND
    );
    // LM3 from the answers: (1,000 + 300 + 300 × 0.5) ÷ 1,000.
    let survey = app.store.surveys().unwrap()[0].id;
    let figured = format!("/procurement/lm3/surveys/{survey}");
    let page = auditor.page(&figured, StatusCode::OK).await;
    assert!(page.contains("1.4500") && page.contains("Roads"), "{page}");
    assert_eq!(serang_auditor.status(&figured).await, StatusCode::NOT_FOUND);
    // Marked sent by an analyst of the scope only.
    let sent = format!("/procurement/outbox/invitations/{}/sent", outbox[0].id);
    serang_auditor
        .post_form_expect(&sent, &[], StatusCode::FORBIDDEN)
        .await;
    app.add_user(
        "analyst-serang",
        lumbung_domain::Role::Analyst,
        crate::support::in_area("3604"),
    );
    let serang_analyst = app.login("analyst-serang").await;
    for path in [
        sent.clone(),
        "/procurement/outbox/invitations/999999/sent".into(),
    ] {
        serang_analyst
            .post_form_expect(&path, &[], StatusCode::NOT_FOUND)
            .await;
    }
    posted(&lancs, &sent, &[]).await;
    assert!(app.store.survey_outbox().unwrap()[0].sent_at.is_some());
}
