//! The programme's page: an area's BLM and swadaya within the viewer's
//! scope, down to a kelurahan's tranches and activities.

use crate::support::*;
use reqwest::StatusCode;

fn seed(app: &TestApp) {
    let cli = lumbung_store::Actor::cli();
    let grants = b"kelurahan,programme,tranche,date,amount\n\
        3604010001,P2KP,1,2008-03-01,100000000\n\
        3604010002,P2KP,1,2008-03-01,80000000\n";
    let rows = lumbung_programme::files::read_grants("g.csv", grants).unwrap();
    app.store
        .import_programme("g.csv", grants, &rows, &cli)
        .unwrap();
    let activities = b"kelurahan,programme,year,activity,kind,implementer,blm,spent,swadaya_cash,swadaya_labour_days,swadaya_wage\n\
        3604010001,P2KP,2008,Jalan setapak RW 01,fisik,Panitia RW 01,60000000,60000000,3000000,100,60000\n\
        3604010002,P2KP,2008,Pinjaman bergulir,ekonomi,KSM Kamasan,80000000,80000000,,,\n";
    let rows = lumbung_programme::files::read_activities("a.csv", activities).unwrap();
    app.store
        .import_programme("a.csv", activities, &rows, &cli)
        .unwrap();
}

#[tokio::test]
async fn each_role_reads_the_programme_of_its_own_area_only() {
    let (app, [kel, bkm, serang, analyst, admin]) = signed_in([
        "facilitator-kel",
        "bkm-user",
        "auditor-serang",
        "analyst",
        "admin",
    ])
    .await;
    seed(&app);
    // The facilitator's kelurahan: its tranche and activity; the gap of
    // Rp 40,000,000 not allocated shown.
    let page = kel.page("/programme", StatusCode::OK).await;
    assert!(
        page.contains("UMBUL TANJUNG") && page.contains("Jalan setapak RW 01"),
        "{page}"
    );
    assert!(page.contains("Rp\u{a0}40.000.000,00"), "{page}");
    assert!(!page.contains("KSM Kamasan"), "{page}");
    assert_eq!(
        kel.status("/programme?area=3604010002").await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        kel.status("/programme?area=3604").await,
        StatusCode::NOT_FOUND
    );
    // The BKM reads its organisation's kelurahan.
    let page = bkm.page("/programme", StatusCode::OK).await;
    assert!(page.contains("Jalan setapak RW 01"), "{page}");
    // The kabupaten's auditor: both kelurahan rolled up under their
    // kecamatan, a link down to each.
    let page = serang.page("/programme", StatusCode::OK).await;
    assert!(
        page.contains("KABUPATEN SERANG") && page.contains("href=\"/programme?area=3604010\""),
        "{page}"
    );
    assert!(page.contains("Rp\u{a0}180.000.000,00"), "{page}");
    // A whole-system analyst starts at the top area holding grants.
    let page = analyst.page("/programme", StatusCode::OK).await;
    assert!(page.contains("Indonesia"), "{page}");
    // A bad year is named; the admin runs the system, not the programme.
    let bad = analyst
        .page("/programme?area=3604&year=19", StatusCode::OK)
        .await;
    assert!(bad.contains("id=\"e-year\""), "{bad}");
    assert_eq!(admin.status("/programme").await, StatusCode::FORBIDDEN);
    assert_eq!(
        app.anonymous().status("/programme").await,
        StatusCode::SEE_OTHER
    );
    serang.get("/lang/en").await;
    let english = serang
        .page("/programme?area=3604010001", StatusCode::OK)
        .await;
    assert!(
        english.contains("<html lang=\"en\">") && english.contains("Grant tranches"),
        "{english}"
    );
}

#[tokio::test]
async fn the_public_board_shows_the_kelurahans_money_and_no_person() {
    let (app, [field]) = signed_in(["facilitator-kel"]).await;
    seed(&app);
    crate::community::sample_areas(&app);
    // Households mapped in the kelurahan: their names never reach the
    // board.
    let fields = crate::community::household_fields(
        &field,
        "3604010001.03.004",
        "Siti Rahmawati",
        "yes",
        "7,5",
        "Siti Rahmawati; P; 41; kepala\nAhmad Fauzi; L; 12; anak",
    )
    .await;
    let res = crate::community::add_household(&field, &fields).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let visitor = app.anonymous();
    let board = visitor.page("/board/3604010001", StatusCode::OK).await;
    assert!(
        board.contains("Jalan setapak RW 01") && board.contains("Rp\u{a0}40.000.000,00"),
        "{board}"
    );
    for name in ["Siti Rahmawati", "Ahmad Fauzi"] {
        assert!(!board.contains(name), "{name} on the public board");
    }
    assert_eq!(
        visitor.status("/board/9999999999").await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(visitor.status("/board/3604010001.01").await, StatusCode::OK);
    // Regression: a regency's or the country's board had anyone compute
    // every loan of every UPK in it. A board is a kelurahan's (or an
    // area's below one).
    for code in ["3604", "36", "ID"] {
        assert_eq!(
            visitor.status(&format!("/board/{code}")).await,
            StatusCode::NOT_FOUND,
            "{code}"
        );
    }
}

/// The tracking code a page shows.
fn tracking_code(page: &str) -> String {
    let at = page
        .find("PPM-")
        .unwrap_or_else(|| panic!("no tracking code: {page}"));
    page[at..at + 18].to_owned()
}

/// A complaint about `kel` as the public form sends it.
fn complaint<'a>(kel: &'a str, text: &'a str, name: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("kelurahan", kel),
        ("category", "problem"),
        ("subject", "construction"),
        ("text", text),
        ("name", name),
        ("contact", ""),
    ]
}

#[tokio::test]
async fn a_complaint_goes_from_the_public_form_to_a_reply_its_complainant_reads() {
    let (app, [bkm, kel, serang, analyst]) =
        signed_in(["bkm-user", "facilitator-kel", "auditor-serang", "analyst"]).await;
    let visitor = app.anonymous();
    let form = visitor.page("/complaints/new", StatusCode::OK).await;
    assert!(form.contains("value=\"3604010001\""), "{form}");
    // Problems named by field; what was typed is kept.
    let refused = visitor
        .post_form_expect(
            "/complaints/new",
            &[
                ("kelurahan", "3604010001"),
                ("subject", "funds"),
                ("text", " "),
                ("name", "Pak Budi"),
            ],
            StatusCode::OK,
        )
        .await;
    assert!(
        refused.contains("id=\"e-category\"")
            && refused.contains("id=\"e-text\"")
            && refused.contains("value=\"Pak Budi\"")
            && refused.contains("value=\"funds\" selected"),
        "{refused}"
    );
    // A body past the public form's size is refused unread.
    let huge = "x".repeat(100_000);
    let res = visitor
        .post_form_as_is("/complaints/new", &complaint("3604010001", &huge, ""))
        .await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // Only a kelurahan of the programme: not a province, not an unknown code.
    for place in ["36", "9999999999"] {
        let refused = visitor
            .post_form_expect(
                "/complaints/new",
                &complaint(place, "x", ""),
                StatusCode::OK,
            )
            .await;
        assert!(refused.contains("id=\"e-kelurahan\""), "{place}: {refused}");
    }
    let long = "x".repeat(4_001);
    let too_long = visitor
        .post_form_expect(
            "/complaints/new",
            &complaint("3604010001", &long, ""),
            StatusCode::OK,
        )
        .await;
    assert!(too_long.contains("id=\"e-text\""), "{too_long}");
    // Filed anonymously: the name typed is not kept.
    let mut fields = complaint("3604010001", "Saluran RW 01 belum selesai", "Pak Budi");
    fields.push(("anonymous", "on"));
    let filed = visitor
        .post_form_expect("/complaints/new", &fields, StatusCode::OK)
        .await;
    let code = tracking_code(&filed);
    let kept = app
        .store
        .complaints_in(&lumbung_domain::Scope::Global, 10)
        .unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(
        (kept[0].name.as_deref(), kept[0].contact.as_deref()),
        (None, None)
    );
    let id = kept[0].id.get();
    // Its kelurahan's BKM and facilitator and the kabupaten's auditor read
    // it; an analyst does not, nor a BKM of another kelurahan.
    for v in [&bkm, &kel, &serang] {
        let list = v.page("/complaints", StatusCode::OK).await;
        assert!(
            list.contains(&format!("href=\"/complaints/{id}\"")),
            "{list}"
        );
    }
    assert_eq!(analyst.status("/complaints").await, StatusCode::FORBIDDEN);
    let other_bkm = app.add_org("BKM Kamasan", lumbung_domain::OrgKind::Bkm, "3604010002");
    app.add_user(
        "bkm-kamasan",
        lumbung_domain::Role::Bkm,
        crate::support::in_org(other_bkm),
    );
    let other = app.login("bkm-kamasan").await;
    assert_eq!(
        other.status(&format!("/complaints/{id}")).await,
        StatusCode::NOT_FOUND
    );
    assert!(!other
        .page("/complaints", StatusCode::OK)
        .await
        .contains("Saluran RW 01"));
    let refused = other
        .post_form(
            &format!("/complaints/{id}/answer"),
            &[("status", "closed"), ("reply", "x")],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
    // The BKM answers and resolves; the complainant reads it by the code,
    // typed loosely.
    let page = bkm.page(&format!("/complaints/{id}"), StatusCode::OK).await;
    assert!(page.contains("Tanpa nama"), "{page}");
    posted(
        &bkm,
        &format!("/complaints/{id}/answer"),
        &[
            ("status", "resolved"),
            ("reply", "Saluran diselesaikan minggu ini."),
        ],
    )
    .await;
    let typed = code.to_lowercase().replace('-', " ");
    let tracked = visitor
        .post_form_expect("/complaints/track", &[("code", &typed)], StatusCode::OK)
        .await;
    assert!(
        tracked.contains("Saluran diselesaikan minggu ini.") && tracked.contains("Selesai"),
        "{tracked}"
    );
    let unknown = visitor
        .post_form_expect(
            "/complaints/track",
            &[("code", "PPM-0000-0000-0000")],
            StatusCode::OK,
        )
        .await;
    assert!(unknown.contains("id=\"e-code\""), "{unknown}");
    // Closed, it stays closed.
    posted(
        &bkm,
        &format!("/complaints/{id}/answer"),
        &[("status", "closed"), ("reply", "Ditutup.")],
    )
    .await;
    let again = bkm
        .post_form_expect(
            &format!("/complaints/{id}/answer"),
            &[("status", "in_progress"), ("reply", "Dibuka lagi")],
            StatusCode::OK,
        )
        .await;
    assert!(again.contains("id=\"e-status\""), "{again}");
    // The board counts it, and names nobody; a named complaint's name
    // never reaches it either.
    visitor
        .post_form_expect(
            "/complaints/new",
            &complaint("3604010001", "Dana tahap 2?", "Pak Budi"),
            StatusCode::OK,
        )
        .await;
    let board = visitor.page("/board/3604010001", StatusCode::OK).await;
    assert!(
        !board.contains("Pak Budi") && !board.contains("Saluran RW 01"),
        "{board}"
    );
    let counts = app
        .store
        .board("3604010001", app.store.clock().today())
        .unwrap()
        .complaints;
    assert_eq!(
        (counts["closed"], counts["received"], counts["resolved"]),
        (1, 1, 0)
    );
    // Ten filings an hour from one address (the refused ones count).
    let mut limited = None;
    for n in 0..20 {
        let res = visitor
            .post_form("/complaints/new", &complaint("3604010001", "Spam", ""))
            .await;
        if res.status() == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(n);
            break;
        }
    }
    assert_eq!(limited, Some(4), "the 11th filing of the hour is refused");
    let stored = app
        .store
        .complaints_in(&lumbung_domain::Scope::Global, 50)
        .unwrap();
    assert_eq!(stored.len(), 6);
}

/// Sets the days to answer and to resolve a complaint in `area` as `v`;
/// the answer must have `status`. Its body.
async fn set_deadlines(v: &Visitor, area: &str, days: [&str; 2], status: StatusCode) -> String {
    let fields = [
        ("area", area),
        ("answer_days", days[0]),
        ("resolve_days", days[1]),
    ];
    v.post_form_expect("/complaints/deadlines", &fields, status)
        .await
}

#[tokio::test]
async fn a_facilitator_enters_a_complaint_by_sms_and_a_late_answer_escalates() {
    let (app, [kel, bkm, serang]) =
        signed_in(["facilitator-kel", "bkm-user", "auditor-serang"]).await;
    let today = app.store.clock().today();
    let five_days_ago = today.saturating_sub(jiff::ToSpan::days(5)).to_string();
    let tomorrow = today.tomorrow().unwrap().to_string();
    let mut fields = complaint("3604010001", "SMS: jalan RW 01 rusak lagi", "Bu Sri");
    fields.extend([("channel", "sms"), ("received_on", tomorrow.as_str())]);
    let refused = kel
        .post_form_expect("/complaints", &fields, StatusCode::OK)
        .await;
    assert!(
        refused.contains("id=\"e-received_on\"") && refused.contains("SMS: jalan RW 01 rusak lagi"),
        "{refused}"
    );
    // Outside the facilitator's scope: refused by field.
    let mut outside = complaint("3604010002", "x", "");
    outside.extend([("channel", "paper"), ("received_on", "")]);
    let refused = kel
        .post_form_expect("/complaints", &outside, StatusCode::OK)
        .await;
    assert!(refused.contains("id=\"e-kelurahan\""), "{refused}");
    // Received five days ago and unanswered: late, the facilitator's.
    let mut fields = complaint("3604010001", "SMS: jalan RW 01 rusak lagi", "Bu Sri");
    fields.extend([("channel", "sms"), ("received_on", five_days_ago.as_str())]);
    let entered = kel
        .post_form_expect("/complaints", &fields, StatusCode::OK)
        .await;
    tracking_code(&entered);
    assert!(
        entered.contains("Fasilitator kelurahan") && entered.contains("Bu Sri"),
        "{entered}"
    );
    // Ten days to answer in this kelurahan: the BKM's again. The BKM
    // cannot change the deadlines it is judged by.
    let refused = set_deadlines(&bkm, "3604010001", ["30", "60"], StatusCode::OK).await;
    assert!(refused.contains("role=\"alert\""), "{refused}");
    let bad = set_deadlines(&kel, "3604010001", ["40", "30"], StatusCode::OK).await;
    assert!(bad.contains("id=\"e-deadlines\""), "{bad}");
    set_deadlines(&kel, "3604010001", ["10", "30"], StatusCode::SEE_OTHER).await;
    let deadlines = app.store.complaint_deadlines("3604010001").unwrap();
    assert_eq!((deadlines.answer_days, deadlines.resolve_days), (10, 30));
    let listed = kel.page("/complaints", StatusCode::OK).await;
    assert!(listed.contains(">BKM<"), "{listed}");
    set_deadlines(&kel, "3604010002", ["10", "30"], StatusCode::NOT_FOUND).await;
    // The kabupaten's monthly summary.
    let summary = serang
        .page("/complaints/summary?area=3604", StatusCode::OK)
        .await;
    let month = &five_days_ago[..7];
    assert!(summary.contains(month), "{summary}");
    assert_eq!(
        serang.status("/complaints/summary?area=E07000123").await,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_board_published_in_the_browser_is_frozen_and_its_file_verifies() {
    let (app, [kel, analyst]) = signed_in(["facilitator-kel", "analyst"]).await;
    seed(&app);
    let visitor = app.anonymous();
    let live = kel.page("/board/3604010001", StatusCode::OK).await;
    assert!(live.contains("id=\"publish-board\""), "{live}");
    assert!(!visitor
        .page("/board/3604010001", StatusCode::OK)
        .await
        .contains("id=\"publish-board\""));
    // Every figure links to its breakdown.
    for anchor in ["#board-grants", "#kind-physical", "#board-activities"] {
        assert!(live.contains(&format!("href=\"{anchor}\"")), "{anchor}");
    }
    analyst
        .post_form_expect(
            "/board/3604010001/publish",
            &[("as_of", "")],
            StatusCode::FORBIDDEN,
        )
        .await;
    kel.post_form_expect(
        "/board/3604010002/publish",
        &[("as_of", "")],
        StatusCode::NOT_FOUND,
    )
    .await;
    // A board as of a day still to come is not fixed before its figures.
    kel.post_form_expect(
        "/board/3604010001/publish",
        &[("as_of", "2199-01-01")],
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let res = kel
        .post_form("/board/3604010001/publish", &[("as_of", "2008-06-30")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to = location(&res);
    assert!(to.starts_with("/boards/"), "{to}");
    let id = last_segment(to.split('?').next().unwrap()).to_owned();
    let stored = app
        .store
        .published_board(lumbung_domain::BoardId::new(id.parse().unwrap()))
        .unwrap()
        .unwrap();
    let page = visitor.page(&format!("/boards/{id}"), StatusCode::OK).await;
    assert!(
        page.contains(&stored.sha256) && page.contains("<svg") && page.contains("2008-06-30"),
        "{page}"
    );
    let file = visitor.json(&format!("/boards/{id}/board.json")).await;
    assert_eq!(
        lumbung_programme::board::first_difference(&stored.document().unwrap(), &file),
        None
    );
    assert_eq!(file["board"]["figures"]["blm_received"], "100000000.00");
    for missing in ["/boards/999", "/boards/abc", "/boards/0/board.json"] {
        assert_eq!(
            visitor.status(missing).await,
            StatusCode::NOT_FOUND,
            "{missing}"
        );
    }
    // The live page lists the version.
    let live = visitor.page("/board/3604010001", StatusCode::OK).await;
    assert!(live.contains(&format!("href=\"/boards/{id}\"")), "{live}");
}

/// A plan file's form as the page sends it: the CSRF token first.
fn plan_form(v: &Visitor, csv: &str) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new()
        .text("csrf", v.csrf.clone().unwrap_or_default())
        .part("file", file_part(csv.as_bytes(), "plan.csv"))
}

#[tokio::test]
async fn a_plan_is_brought_in_by_one_person_and_approved_by_the_bkm() {
    let (app, [kel, bkm, serang]) =
        signed_in(["facilitator-kel", "bkm-user", "auditor-serang"]).await;
    seed(&app);
    let csv = "kelurahan,plan,years,problem,activity,kind,location,poor_households,women,cost,blm,swadaya\n\
        3604010001,tahunan,2008,Jalan setapak rusak,Jalan setapak RW 01,fisik,RW 01,40,30,70000000,60000000,10000000\n";
    // Another kelurahan's plan on this page: refused.
    let other = csv.replace("3604010001,", "3604010002,");
    let res = kel
        .post_multipart("/programme/3604010001/plans", plan_form(&kel, &other))
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = kel
        .post_multipart("/programme/3604010001/plans", plan_form(&kel, csv))
        .await;
    expect_status("/programme/3604010001/plans", res, StatusCode::SEE_OTHER).await;
    let plans = app.store.plans_of("3604010001").unwrap();
    assert_eq!(plans.len(), 1);
    let id = plans[0].id.get();
    // Outside a kelurahan of the scope: not found.
    assert_eq!(
        kel.post_multipart("/programme/3604010002/plans", plan_form(&kel, &other))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    // Only the BKM approves; the facilitator who brought it in cannot.
    let page = kel.page("/programme?area=3604010001", StatusCode::OK).await;
    assert!(
        page.contains("Jalan setapak rusak")
            && !page.contains(&format!("/programme/plans/{id}/approve")),
        "{page}"
    );
    kel.post_form_expect(
        &format!("/programme/plans/{id}/approve"),
        &[],
        StatusCode::CONFLICT,
    )
    .await;
    let page = bkm.page("/programme", StatusCode::OK).await;
    assert!(
        page.contains(&format!("/programme/plans/{id}/approve")),
        "{page}"
    );
    // Before approval the activity is outside any plan.
    let flags = app.store.programme_flags("3604010001").unwrap();
    assert!(
        flags
            .iter()
            .any(|f| matches!(f, lumbung_programme::review::Flag::OutsidePlan { .. })),
        "{flags:?}"
    );
    posted(&bkm, &format!("/programme/plans/{id}/approve"), &[]).await;
    let flags = app.store.programme_flags("3604010001").unwrap();
    assert!(
        !flags
            .iter()
            .any(|f| matches!(f, lumbung_programme::review::Flag::OutsidePlan { .. })),
        "{flags:?}"
    );
    bkm.post_form_expect(
        &format!("/programme/plans/{id}/approve"),
        &[],
        StatusCode::CONFLICT,
    )
    .await;
    // Regression (review of 2026-12-06): plans are brought in by the
    // facilitator (design.md); a BKM's plan or grants file is refused and
    // adds nothing.
    let v2 = csv.replace("Jalan setapak rusak", "Jalan setapak rusak berat");
    for (path, file) in [
        ("/programme/3604010001/plans", v2.as_str()),
        (
            "/programme/3604010001/grants",
            "kelurahan,programme,tranche,date,amount\n3604010001,P2KP,1,2024-03-01,1000000\n",
        ),
    ] {
        let refused = bkm.post_multipart(path, plan_form(&bkm, file)).await;
        expect_status(path, refused, StatusCode::CONFLICT).await;
    }
    assert_eq!(app.store.plans_of("3604010001").unwrap()[0].id.get(), id);
    let (grants, _) = app
        .store
        .programme_in_kelurahan("3604010001", None)
        .unwrap();
    assert!(grants.iter().all(|g| g.date != "2024-03-01"), "{grants:?}");
    // Nor does the BKM's page offer those files; activities it writes.
    let page = bkm.page("/programme?area=3604010001", StatusCode::OK).await;
    assert!(
        page.contains("id=\"activities-import\"")
            && !page.contains("id=\"plan-import\"")
            && !page.contains("id=\"grants-import\""),
        "{page}"
    );
    let page = kel.page("/programme?area=3604010001", StatusCode::OK).await;
    assert!(page.contains("id=\"plan-import\"") && page.contains("id=\"grants-import\""));
    // A new version the facilitator brings in is a draft until approved.
    kel.post_multipart("/programme/3604010001/plans", plan_form(&kel, &v2))
        .await;
    let newest = app.store.plans_of("3604010001").unwrap()[0].id.get();
    assert_ne!(newest, id);
    // The auditor reads; the board shows the approved plan, not the draft.
    serang
        .post_form_expect(
            &format!("/programme/plans/{id}/approve"),
            &[],
            StatusCode::FORBIDDEN,
        )
        .await;
    let board = app
        .anonymous()
        .page("/board/3604010001", StatusCode::OK)
        .await;
    assert!(
        board.contains("Jalan setapak rusak") && !board.contains("rusak berat"),
        "{board}"
    );
    assert_eq!(
        kel.status(&format!("/programme/plans/{id}/approve")).await,
        StatusCode::METHOD_NOT_ALLOWED
    );
}

/// Decides the proposal `id` as `v`; the answer must have `status`.
async fn decide(v: &Visitor, id: i64, decision: &str, status: StatusCode) {
    let path = format!("/programme/proposals/{id}/decide");
    v.post_form_expect(&path, &[("decision", decision)], status)
        .await;
}

#[tokio::test]
async fn proposals_are_checked_against_the_plan_and_funded_by_the_bkm_alone() {
    let (app, [kel, bkm]) = signed_in(["facilitator-kel", "bkm-user"]).await;
    seed(&app);
    let csv = "kelurahan,plan,years,activity,kind,cost,blm\n\
        3604010001,tahunan,2008,Jalan setapak RW 01,fisik,60000000,60000000\n";
    let res = kel
        .post_multipart("/programme/3604010001/plans", plan_form(&kel, csv))
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let plan = app.store.plans_of("3604010001").unwrap()[0].id.get();
    bkm.post_form(&format!("/programme/plans/{plan}/approve"), &[])
        .await;
    let fields = |activity: &'static str, requested: &'static str, poor: &'static str| {
        vec![
            ("year", "2008"),
            ("activity", activity),
            ("implementer", "Panitia RW 01"),
            ("requested", requested),
            ("poor", poor),
            ("women", ""),
        ]
    };
    // Problems by field; what was typed is kept.
    let mut bad = fields("Jalan setapak RW 01", "-5", "");
    bad[0] = ("year", "20x8");
    let page = kel
        .post_form_expect("/programme/3604010001/proposals", &bad, StatusCode::OK)
        .await;
    assert!(
        page.contains("id=\"e-pr-year\"")
            && page.contains("id=\"e-pr-requested\"")
            && page.contains("value=\"20x8\""),
        "{page}"
    );
    kel.post_form_expect(
        "/programme/3604010002/proposals",
        &fields("x", "1", ""),
        StatusCode::NOT_FOUND,
    )
    .await;
    for requested in ["40000000", "30000000"] {
        posted(
            &kel,
            "/programme/3604010001/proposals",
            &fields("jalan setapak  rw 01", requested, ""),
        )
        .await;
    }
    posted(
        &kel,
        "/programme/3604010001/proposals",
        &fields("Balai warga", "1000000", "5"),
    )
    .await;
    let proposals = app.store.proposals_of("3604010001").unwrap();
    let (hall, second, first) = (&proposals[0], &proposals[1], &proposals[2]);
    assert_eq!(
        serde_json::to_value(&hall.findings).unwrap(),
        serde_json::json!([{"finding": "not_in_plan"}, {"finding": "beyond_ps2", "poor": 5, "on_list": null}])
    );
    assert!(first.findings.is_empty() && second.findings.is_empty());
    // The facilitator does not decide; the BKM funds the first.
    decide(&kel, first.id.get(), "funded", StatusCode::CONFLICT).await;
    decide(&bkm, first.id.get(), "funded", StatusCode::SEE_OTHER).await;
    // 40 of 60 funded: the second's 30 is now beyond the plan, and is
    // not funded; it is refused.
    let now = app.store.proposals_of("3604010001").unwrap();
    assert!(
        matches!(
            now[1].findings[..],
            [lumbung_programme::proposal::Finding::BeyondPlan { .. }]
        ),
        "{:?}",
        now[1].findings
    );
    decide(&bkm, second.id.get(), "funded", StatusCode::CONFLICT).await;
    decide(&bkm, second.id.get(), "refused", StatusCode::SEE_OTHER).await;
    decide(&bkm, first.id.get(), "refused", StatusCode::CONFLICT).await;
    // The BKM does not decide a proposal it entered itself.
    bkm.post_form(
        "/programme/3604010001/proposals",
        &fields("Jalan setapak RW 01", "1000000", ""),
    )
    .await;
    let own = app.store.proposals_of("3604010001").unwrap()[0].id.get();
    decide(&bkm, own, "refused", StatusCode::CONFLICT).await;
    let page = bkm.page("/programme", StatusCode::OK).await;
    assert!(
        page.contains("Didanai") && page.contains("Ditolak"),
        "{page}"
    );
}

#[tokio::test]
async fn grants_and_activities_are_brought_in_from_the_kelurahans_page() {
    let (app, [kel, analyst]) = signed_in(["facilitator-kel", "analyst"]).await;
    let grants =
        "kelurahan,programme,tranche,date,amount\n3604010001,P2KP,1,2008-03-01,100000000\n";
    let res = kel
        .post_multipart("/programme/3604010001/grants", plan_form(&kel, grants))
        .await;
    expect_status("/programme/3604010001/grants", res, StatusCode::SEE_OTHER).await;
    let again = kel
        .post_multipart("/programme/3604010001/grants", plan_form(&kel, grants))
        .await;
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
    let (held, _) = app
        .store
        .programme_in_kelurahan("3604010001", None)
        .unwrap();
    assert_eq!(held.len(), 1);
    // A row of another kelurahan, a bad row: refused whole.
    let other = grants.replace("3604010001,", "3604010002,");
    let res = kel
        .post_multipart("/programme/3604010001/grants", plan_form(&kel, &other))
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let bad = format!("{grants}3604010001,P2KP,x,2008-03-01,1\n");
    let res = kel
        .post_multipart("/programme/3604010001/grants", plan_form(&kel, &bad))
        .await;
    assert!(text_of(res).await.contains("tranche"));
    let activities = "kelurahan,programme,year,activity,kind,implementer,blm,spent\n\
        3604010001,P2KP,2008,Jalan setapak RW 01,fisik,Panitia RW 01,60000000,30000000\n";
    let res = kel
        .post_multipart(
            "/programme/3604010001/activities",
            plan_form(&kel, activities),
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = kel.page("/programme?area=3604010001", StatusCode::OK).await;
    assert!(
        page.contains("Jalan setapak RW 01") && page.contains("id=\"activities-import\""),
        "{page}"
    );
    assert_eq!(
        analyst
            .post_multipart(
                "/programme/3604010001/activities",
                plan_form(&analyst, activities)
            )
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        kel.post_multipart("/programme/3604010002/grants", plan_form(&kel, &other))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}
