//! Households' privacy on public pages and in the audit log: the public
//! self-mapping shows no small cell (and no difference reveals one), and
//! every reading of personal data (the PS-2 list, a self-mapping's
//! households, a voter register) is audited where the area's auditors see
//! it.

use crate::community::{add_household, household_fields, sample_areas};
use crate::support::{in_area, item, location, signed_in, spawn_app, TestApp, Visitor};
use lumbung_domain::{AreaCode, Role};
use reqwest::StatusCode;
use serde_json::Value;

const KEL: &str = "3604010001";

async fn public_summary(app: &TestApp) -> Value {
    app.anonymous()
        .get(&format!("/api/v1/community/mapping/{KEL}"))
        .await
        .json::<Value>()
        .await
        .unwrap()
}

async fn add(field: &Visitor, rt: &str, head: &str, poor: bool) {
    let (yes_no, number, members) = if poor {
        ("yes", "7,5", format!("{head}; P; 41; kepala"))
    } else {
        ("no", "60", format!("{head}; L; 1980; kepala"))
    };
    let fields = household_fields(field, rt, head, yes_no, number, &members).await;
    let res = add_household(field, &fields).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{head}");
}

#[tokio::test]
async fn small_rts_are_withheld_from_public_counts_and_differences_reveal_nothing() {
    let (app, [field]) = signed_in(["facilitator-kel"]).await;
    sample_areas(&app);
    let kel = AreaCode::parse(KEL).unwrap();
    let big = kel.rw(3).unwrap().rt(4).unwrap();
    let small = kel.rw(3).unwrap().rt(5).unwrap();
    // Five households, none poor, in one RT; three poor ones in another.
    for i in 0..5 {
        add(&field, big.as_str(), &format!("Warga Besar {i}"), false).await;
    }
    for i in 0..3 {
        add(&field, small.as_str(), &format!("Warga Kecil {i}"), true).await;
    }
    let before = public_summary(&app).await;
    let s = &before["summary"];
    let rts: Vec<&str> = s["rts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["households"].as_u64() > Some(0))
        .map(|r| r["area"].as_str().unwrap())
        .collect();
    assert_eq!(rts, vec![big.as_str()], "the RT of three is not shown");
    assert!(
        s["rts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["area"] != small.as_str()),
        "{s}"
    );
    assert_eq!(before["withheld"], serde_json::json!(["RW 03 · RT 005"]));
    assert_eq!(before["min_cell"], 5);
    assert_eq!(
        (&s["kelurahan"]["households"], &s["kelurahan"]["poor"]),
        (&serde_json::json!(5), &serde_json::json!(0)),
        "the kelurahan less the shown RTs leaves nothing of the small one"
    );
    let rw = |code: &str| item(s, "rws", "area", code)["households"].clone();
    assert_eq!(rw("3604010001.03"), 5, "the RW is the sum of its shown RTs");
    // Facilitators keep the exact counts.
    let exact: Value = field
        .json(&format!("/api/v1/community/kelurahan/{KEL}/mapping"))
        .await;
    assert_eq!(exact["summary"]["kelurahan"]["households"], 8);
    // One more household in the small RT: no public figure moves.
    add(&field, small.as_str(), "Warga Kecil 3", true).await;
    assert_eq!(public_summary(&app).await, before);
    // The page says why, in both languages.
    let anon = app.anonymous();
    let html = anon
        .page(&format!("/community/mapping/{KEL}"), StatusCode::OK)
        .await;
    assert!(html.contains("angka di bawah 5 disembunyikan"), "{html}");
    assert!(html.contains("RT yang disembunyikan: RW 03 · RT 005"));
    assert!(!html.contains("Warga Kecil"));
    anon.get("/lang/en").await;
    let (_, html) = anon.get_html(&format!("/community/mapping/{KEL}")).await;
    assert!(html.contains("counts below 5 are hidden"), "{html}");
}

/// An auditor scoped to Lancashire: outside the kelurahan.
fn auditor_elsewhere(app: &TestApp) {
    app.add_user("auditor-lancs", Role::Auditor, in_area("E10000017"));
}

async fn audited(v: &Visitor, action: &str) -> Vec<Value> {
    let log: Value = v.json("/api/v1/audit").await;
    log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == action)
        .cloned()
        .collect()
}

#[tokio::test]
async fn reading_personal_data_is_audited_for_the_areas_auditors() {
    let app = spawn_app().await;
    sample_areas(&app);
    auditor_elsewhere(&app);
    let field = app.login("facilitator-kel").await;
    let rt = AreaCode::parse(KEL).unwrap().rw(3).unwrap().rt(4).unwrap();
    add(&field, rt.as_str(), "Siti Aminah", true).await;
    let _ = field
        .page(&format!("/community/kelurahan/{KEL}/ps2"), StatusCode::OK)
        .await;
    let _ = field
        .page(
            &format!("/community/kelurahan/{KEL}/mapping"),
            StatusCode::OK,
        )
        .await;
    let poll = field
        .post_form(
            "/election",
            &[
                ("level", "rt"),
                ("area", "3604010001.01.001"),
                ("held_on", "2025-03-02"),
            ],
        )
        .await;
    let poll = location(&poll);
    let _ = field
        .page(&format!("{poll}/register"), StatusCode::OK)
        .await;

    let serang = app.login("auditor-serang").await;
    let lancs = app.login("auditor-lancs").await;
    // The mapping was read twice: by the form's helper (its API) and the page.
    for (action, area, readings) in [
        ("read.ps2", KEL, 1),
        ("read.mapping", KEL, 2),
        ("read.register", "3604010001.01.001", 1),
    ] {
        let seen = audited(&serang, action).await;
        assert_eq!(seen.len(), readings, "{action}: one entry per reading");
        assert_eq!(seen[0]["actor"], "facilitator-kel");
        assert_eq!(seen[0]["entity_id"], area);
        let text = seen[0].to_string();
        assert!(!text.contains("Siti Aminah"), "no personal data: {text}");
        assert!(audited(&lancs, action).await.is_empty(), "{action} outside");
    }
}

/// Review of issue 10: the KSM page lists the PS-2 list's names to pick
/// members from, and wrote no audit entry for it. Since, it shows the
/// names a search finds, and only those are read.
#[tokio::test]
async fn the_ps2_names_on_a_ksm_page_are_an_audited_reading() {
    let (app, [field]) = signed_in(["facilitator-kel"]).await;
    sample_areas(&app);
    let rt = AreaCode::parse(KEL).unwrap().rw(3).unwrap().rt(4).unwrap();
    add(&field, rt.as_str(), "Siti Aminah", true).await;
    let upk = app.login("upk").await;
    let ksm = crate::fund::group(&app, &upk).await;
    let auditor = app.login("auditor-serang").await;
    let page = upk.page(&format!("/fund/ksm/{ksm}"), StatusCode::OK).await;
    assert!(!page.contains("Siti Aminah"), "no name without a search");
    assert!(audited(&auditor, "read.ps2").await.is_empty());
    let page = (upk.page(&format!("/fund/ksm/{ksm}?ps2=siti"), StatusCode::OK)).await;
    assert!(
        page.contains("Siti Aminah"),
        "the PS-2 names found are offered"
    );
    let seen = audited(&auditor, "read.ps2").await;
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0]["actor"], "upk");
    assert_eq!(seen[0]["entity_id"], KEL);
}
