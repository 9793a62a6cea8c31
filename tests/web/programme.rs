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
        .import_grants("g.csv", grants, &rows, &cli)
        .unwrap();
    let activities = b"kelurahan,programme,year,activity,kind,implementer,blm,spent,swadaya_cash,swadaya_labour_days,swadaya_wage\n\
        3604010001,P2KP,2008,Jalan setapak RW 01,fisik,Panitia RW 01,60000000,60000000,3000000,100,60000\n\
        3604010002,P2KP,2008,Pinjaman bergulir,ekonomi,KSM Kamasan,80000000,80000000,,,\n";
    let rows = lumbung_programme::files::read_activities("a.csv", activities).unwrap();
    app.store
        .import_activities("a.csv", activities, &rows, &cli)
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
}
