//! Scopes hold where data is placed: organisations cannot be placed, nor
//! scopes handed out, outside what the writer's own scope covers, and the
//! loan checker's account is made only from above (issue 10, findings 2
//! and 13).

use crate::support::{
    in_area, in_org, posted, signed_in, spawn_app, text_of, TestApp, Visitor, PASSWORD,
};
use lumbung_domain::{OrgKind, Role};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const KEL: &str = "3604010001";
const OTHER_KEL: &str = "3604010002";

fn org_named(app: &TestApp, name: &str) -> Option<i64> {
    app.store
        .search_orgs(
            &lumbung_store::OrgFilter {
                query: Some(name.into()),
                ..Default::default()
            },
            10,
            0,
        )
        .unwrap()
        .0
        .into_iter()
        .find(|o| o.name == name)
        .map(|o| o.id.get())
}

/// `admin` asks, by form and by API, for a KSM in `area` under `parent`:
/// refused both ways, and nothing is created.
async fn ksm_refused(app: &TestApp, admin: &Visitor, area: &str, parent: i64) {
    admin
        .post_form_expect(
            "/orgs",
            &[
                ("name", "KSM Titipan"),
                ("kind", "ksm"),
                ("area_code", area),
                ("parent_id", &parent.to_string()),
            ],
            StatusCode::FORBIDDEN,
        )
        .await;
    admin
        .post_json_expect(
            "/api/v1/orgs",
            json!({"name": "KSM Titipan", "kind": "ksm", "area_code": area, "parent_id": parent}),
            StatusCode::FORBIDDEN,
        )
        .await;
    assert_eq!(org_named(app, "KSM Titipan"), None, "nothing was created");
}

/// The attack as reported: the admin of one BKM makes a child organisation
/// in another kelurahan, then a facilitator scoped to it, who reads that
/// kelurahan's PS-2 list, self-mapping and voter register. The first step
/// is refused, by form and by API; a facilitator the admin may make (scoped
/// to the BKM) reads its own kelurahan and not the other.
#[tokio::test]
async fn an_organisation_admin_cannot_place_a_child_organisation_in_another_kelurahan() {
    let app = spawn_app().await;
    app.add_user("admin-bkm", Role::Admin, in_org(app.bkm));
    let admin = app.login("admin-bkm").await;
    ksm_refused(&app, &admin, OTHER_KEL, app.bkm).await;
    // Inside the BKM's kelurahan (an RW of it) the admin may place one.
    admin
        .post_json_expect(
            "/api/v1/orgs",
            json!({"name": "KSM Melati", "kind": "ksm", "area_code": "3604010001.01", "parent_id": app.bkm}),
            StatusCode::CREATED,
        )
        .await;
    let melati = org_named(&app, "KSM Melati").unwrap();
    // … but not move it out afterwards.
    let res = admin
        .send_json(
            Method::PUT,
            &format!("/api/v1/orgs/{melati}"),
            json!({"name": "KSM Melati", "kind": "ksm", "area_code": OTHER_KEL, "parent_id": app.bkm}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "no move out either");

    // A facilitator scoped to the BKM is made from above (the BKM's own
    // admin may not: facilitators take part in two-person decisions)…
    admin
        .post_json_expect(
            "/api/v1/users",
            json!({"username": "fasilitator-bkm", "role": "facilitator", "org_id": app.bkm, "password": PASSWORD}),
            StatusCode::FORBIDDEN,
        )
        .await;
    app.add_user("fasilitator-bkm", Role::Facilitator, in_org(app.bkm));
    // … and reaches the BKM's kelurahan only.
    let facilitator = app.login("fasilitator-bkm").await;
    for path in [
        format!("/community/kelurahan/{KEL}/ps2"),
        format!("/api/v1/community/kelurahan/{KEL}/ps2"),
        format!("/community/kelurahan/{KEL}/mapping"),
    ] {
        assert_eq!(facilitator.status(&path).await, StatusCode::OK, "{path}");
    }
    for path in [
        format!("/community/kelurahan/{OTHER_KEL}/ps2"),
        format!("/api/v1/community/kelurahan/{OTHER_KEL}/ps2"),
        format!("/community/kelurahan/{OTHER_KEL}/mapping"),
        format!("/api/v1/community/kelurahan/{OTHER_KEL}/mapping"),
    ] {
        let status = facilitator.status(&path).await;
        assert!(
            matches!(status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
            "{path}: {status}"
        );
    }
}

/// Regression (review of 2026-12-06): the admin of an organisation placed
/// above the kelurahan (a city office) made a child organisation inside a
/// kelurahan, then an account scoped to it, who read that kelurahan's
/// households and PS-2 list, which the city office's own scope does not
/// reach. An organisation scope places one in a kelurahan only where an
/// organisation of its own already sits.
#[tokio::test]
async fn an_organisation_admin_above_the_kelurahan_cannot_place_a_child_in_it() {
    let app = spawn_app().await;
    let office = app.add_org("Dinas Sosial Kabupaten", OrgKind::Government, "3604");
    app.add_user("admin-dinas", Role::Admin, in_org(office));
    let admin = app.login("admin-dinas").await;
    ksm_refused(&app, &admin, KEL, office).await;
    ksm_refused(&app, &admin, "3604010001.01", office).await;
    // At its own level it still places one.
    admin
        .post_json_expect(
            "/api/v1/orgs",
            json!({"name": "Unit Pelayanan", "kind": "government", "area_code": "3604", "parent_id": office}),
            StatusCode::CREATED,
        )
        .await;
}

/// An area-scoped admin places organisations only inside their area: not
/// outside it, not by moving one out, and not as the child of an
/// organisation outside the child's area (a child lies inside its parent's
/// area, whoever writes it).
#[tokio::test]
async fn an_area_admin_cannot_place_an_organisation_outside_its_area() {
    let (app, [admin]) = signed_in(["admin-serang"]).await;
    // By form
    admin
        .post_form_expect(
            "/orgs",
            &[
                ("name", "Koperasi Luar"),
                ("kind", "cooperative"),
                ("area_code", "E07000123"),
            ],
            StatusCode::FORBIDDEN,
        )
        .await;
    // By API
    admin
        .post_json_expect(
            "/api/v1/orgs",
            json!({"name": "Koperasi Luar", "kind": "cooperative", "area_code": "E07000123"}),
            StatusCode::FORBIDDEN,
        )
        .await;
    let res = admin
        .send_json(
            Method::PUT,
            &format!("/api/v1/orgs/{}", app.upk),
            json!({"name": "UPK Umbul Sejahtera", "kind": "upk", "area_code": "E07000123", "parent_id": app.bkm}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "no move out");

    // Inside Serang, but in another kelurahan than its parent: refused
    // with the reason beside the area field.
    let body = admin
        .post_json_answer(
            "/api/v1/orgs",
            json!({"name": "KSM Titipan", "kind": "ksm", "area_code": OTHER_KEL, "parent_id": app.bkm}),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert!(body.to_string().contains("area_code"), "{body}");
    let res = admin
        .send_json(
            Method::PUT,
            &format!("/api/v1/orgs/{}", app.bkm),
            json!({"name": "BKM Umbul Sejahtera", "kind": "bkm", "area_code": OTHER_KEL}),
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "moving the BKM would leave its UPK outside it"
    );
    assert_eq!(org_named(&app, "KSM Titipan"), None);
    assert_eq!(org_named(&app, "Koperasi Luar"), None);
}

/// Whoever approves loans is made, and has their password reset, only by
/// an admin strictly above their organisation: not by the admin of the
/// kelurahan or of the BKM itself. Both are audited, without the password.
#[tokio::test]
async fn loan_checkers_are_made_and_reset_only_from_above() {
    let app = spawn_app().await;
    app.add_user("admin-kel", Role::Admin, in_area(KEL));
    app.add_user("admin-bkm", Role::Admin, in_org(app.bkm));
    let checker = app.user_id("bkm-user");
    let new_checker = |name: &str| json!({"username": name, "role": "bkm", "org_id": app.bkm, "password": "0123456789abc"});
    for admin in ["admin-kel", "admin-bkm"] {
        let v = app.login(admin).await;
        let res = v.post_json("/api/v1/users", new_checker("pemeriksa")).await;
        assert_eq!(
            res.status(),
            StatusCode::FORBIDDEN,
            "{admin} creates a checker"
        );
        let res = v
            .post_form(
                &format!("/users/{checker}/password"),
                &[
                    ("password", "sandi-baru-bkm"),
                    ("password_confirm", "sandi-baru-bkm"),
                ],
            )
            .await;
        assert_eq!(
            res.status(),
            StatusCode::FORBIDDEN,
            "{admin} resets a checker"
        );
        let res = v
            .post_json(
                &format!("/api/v1/users/{checker}/password"),
                json!({"password": "sandi-baru-bkm"}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{admin} resets by API");
        // Nor the loan's maker (regression: a BKM member holding the BKM's
        // admin account made a cashier, then approved its loans); other
        // accounts of the BKM they may still make.
        let res = v
            .post_json("/api/v1/users",
                json!({"username": format!("kasir-{admin}"), "role": "upk", "org_id": app.upk, "password": "0123456789abc"}),
            )
            .await;
        assert_eq!(
            res.status(),
            StatusCode::FORBIDDEN,
            "{admin} makes a cashier"
        );
        let res = v
            .post_json("/api/v1/users",
                json!({"username": format!("pemeriksa-{admin}"), "role": "auditor", "org_id": app.upk, "password": "0123456789abc"}),
            )
            .await;
        assert_eq!(
            res.status(),
            StatusCode::CREATED,
            "{admin} makes an auditor"
        );
    }
    // Regression: nor at an organisation under the BKM. Its admin made a
    // checker scoped to its own UPK, then approved the loans its cashier
    // entered. Nor may the kelurahan's admin make one in an RW of it
    // (where it may move the UPK first).
    let bkm_admin = app.login("admin-bkm").await;
    let at_upk = json!({"username": "pemeriksa-upk", "role": "bkm", "org_id": app.upk, "password": "0123456789abc"});
    bkm_admin
        .post_json_expect("/api/v1/users", at_upk, StatusCode::FORBIDDEN)
        .await;
    let kel_admin = app.login("admin-kel").await;
    let at_rw = json!({"username": "pemeriksa-rw", "role": "bkm", "area_code": "3604010001.01", "password": "0123456789abc"});
    kel_admin
        .post_json_expect("/api/v1/users", at_rw, StatusCode::FORBIDDEN)
        .await;

    // The admin of the kabupaten is above the BKM.
    let serang = app.login("admin-serang").await;
    serang
        .post_json_expect(
            "/api/v1/users",
            new_checker("pemeriksa"),
            StatusCode::CREATED,
        )
        .await;
    let res = serang
        .post_json(
            &format!("/api/v1/users/{checker}/password"),
            json!({"password": "sandi-baru-bkm"}),
        )
        .await;
    assert!(res.status().is_success(), "{}", res.status());
    let (log, _) = app
        .store
        .audit_entries(&lumbung_domain::Scope::Global, 50, 0)
        .unwrap();
    let reset = log
        .iter()
        .find(|e| e.action == "user.password_reset" && e.entity_id == "bkm-user")
        .expect("the reset is audited");
    assert!(reset.actor.contains("admin-serang"), "{}", reset.actor);
    assert_eq!(reset.details["role"], "bkm", "{}", reset.details);
    assert!(!reset.details.to_string().contains("sandi-baru-bkm"));
    assert!(log
        .iter()
        .any(|e| e.action == "user.create" && e.entity_id == "pemeriksa"));
}

/// Names are not unique: a cost posted to the second of two UPKs with the
/// same name lands in the second's books, not the first's (finding 4).
#[tokio::test]
async fn a_posting_lands_in_the_books_of_the_upk_it_was_posted_to() {
    let app = spawn_app().await;
    let twin = app.add_org(
        "UPK Umbul Sejahtera",
        lumbung_domain::OrgKind::Upk,
        OTHER_KEL,
    );
    assert!(twin > app.upk);
    let upk = app.login("upk").await;
    posted(
        &upk,
        &format!("/fund/upk/{twin}/post"),
        &[
            ("kind", "cost"),
            ("amount", "150000"),
            ("date", "2024-03-01"),
            ("memo", "ATK"),
            ("key", "kembar-1"),
        ],
    )
    .await;
    let cash = |id: i64| {
        let upk = &upk;
        async move {
            let body: Value = upk
                .json(&format!(
                    "/api/v1/fund/upk/{id}/statements?from=2024-01-01&as_of=2024-12-31"
                ))
                .await;
            body["balance_sheet"]["cash"].as_i64().unwrap()
        }
    };
    assert_eq!(
        cash(twin).await,
        -150_000,
        "the cost is in the twin's books"
    );
    assert_eq!(cash(app.upk).await, 0, "and not in the first UPK's");
}

fn spend_anchors_of(app: &TestApp, name: &str) -> Vec<(i64, Option<String>)> {
    app.store
        .search_orgs(
            &lumbung_store::OrgFilter {
                query: Some(name.into()),
                kind: Some(lumbung_domain::OrgKind::Anchor),
                ..Default::default()
            },
            10,
            0,
        )
        .unwrap()
        .0
        .into_iter()
        .filter(|o| o.name == name)
        .map(|o| (o.id.get(), o.area_code))
        .collect()
}

/// The attack as reported: an analyst of Serang names Preston City
/// Council's anchor and its payment lands in Preston's books. Names are
/// looked for only inside the analyst's scope (a new anchor is placed
/// there, unless the name is an anchor's outside it); an anchor outside by
/// id is not found; an ambiguous name is
/// refused with the candidates' ids, and `anchor_id` picks one (finding 6).
#[tokio::test]
async fn a_spend_import_names_anchors_only_inside_the_analysts_scope() {
    let app = spawn_app().await;
    app.add_user("analyst-serang", Role::Analyst, in_area("3604"));
    let token = app.token("analyst-serang").await;
    let file = "Date,Supplier,Amount\n03/05/2013,Toko Maju,5.00\n";
    let preston = app.preston_council as u32;

    let res = app
        .import_spend(
            &token,
            "file_name=a.csv&anchor=Preston%20City%20Council",
            file,
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let text = text_of(res).await;
    assert!(
        text.contains("outside your scope") && text.contains(&preston.to_string()),
        "{text}"
    );
    let facts = app.store.spend_facts().unwrap();
    assert!(
        facts.iter().all(|f| f.anchor.iter().all(|&a| a != preston)),
        "nothing lands in Preston City Council's books"
    );
    // Nor is a second anchor of that name made, which would make the name
    // ambiguous for Preston's own analysts.
    let same_name = spend_anchors_of(&app, "Preston City Council");
    assert_eq!(same_name.len(), 1, "{same_name:?}");

    let res = app
        .import_spend(
            &token,
            &format!("file_name=b.csv&anchor_id={preston}"),
            file,
        )
        .await;
    assert!(res.status().is_client_error(), "{}", res.status());
    assert!(text_of(res).await.contains("within your scope"));

    // Two anchors of one name inside the scope: refused, naming both.
    let res = app
        .import_spend(
            &token,
            "file_name=c.csv&anchor=RSUD%20Serang",
            "Date,Supplier,Amount\n03/05/2013,Toko Maju,6.00\n",
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.json::<Value>().await.unwrap()["anchors_created"],
        json!(["RSUD Serang"])
    );
    let serang_file = "Date,Supplier,Amount\n04/05/2013,Toko Maju,7.00\n";
    let second = app.add_org("RSUD Serang", lumbung_domain::OrgKind::Anchor, KEL);
    let first = spend_anchors_of(&app, "RSUD Serang")[0].0;
    let res = app
        .import_spend(&token, "file_name=d.csv&anchor=RSUD%20Serang", serang_file)
        .await;
    assert!(res.status().is_client_error(), "{}", res.status());
    let text = text_of(res).await;
    assert!(
        text.contains(&first.to_string()) && text.contains(&second.to_string()),
        "{text}"
    );
    let res = app
        .import_spend(
            &token,
            &format!("file_name=d.csv&anchor_id={second}"),
            serang_file,
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let facts = app.store.spend_facts().unwrap();
    let anchors: Vec<u32> = facts.iter().flat_map(|f| f.anchor.clone()).collect();
    assert!(anchors.contains(&(second as u32)), "{anchors:?}");
}

/// Review of issue 10: an admin of a BKM made three facilitators scoped to
/// its own organisations, who then ran the BKM's own election as entry A,
/// entry B and resolver. The committee and the cycle's recorders are made
/// only from above, and a facilitator scoped to an organisation is no
/// committee member.
#[tokio::test]
async fn an_admin_cannot_make_an_election_committee_inside_its_own_scope() {
    let app = spawn_app().await;
    app.add_user("admin-kel", Role::Admin, in_area(KEL));
    app.add_user("admin-bkm", Role::Admin, in_org(app.bkm));
    for (admin, scope) in [
        ("admin-kel", json!({"area_code": KEL})),
        ("admin-bkm", json!({"org_id": app.bkm})),
    ] {
        let v = app.login(admin).await;
        let mut body =
            json!({"username": "panitia-x", "role": "facilitator", "password": "0123456789abc"});
        body.as_object_mut()
            .unwrap()
            .extend(scope.as_object().unwrap().clone());
        let res = v.post_json("/api/v1/users", body).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{admin} {scope}");
    }
    let serang = app.login("admin-serang").await;
    // The kabupaten makes it
    serang
        .post_json_expect(
            "/api/v1/users",
            json!({"username": "panitia-kel", "role": "facilitator", "area_code": KEL, "password": PASSWORD}),
            StatusCode::CREATED,
        )
        .await;
    app.owns_password("panitia-kel");
    // Nor a facilitator of the UPK below the BKM: an organisation's admin
    // makes no one of a two-person decision (regression: it made its own
    // UPK's loan checker the same way).
    let res = app
        .login("admin-bkm")
        .await
        .post_json("/api/v1/users",
            json!({"username": "panitia-bkm", "role": "facilitator", "org_id": app.upk, "password": PASSWORD}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // One scoped to an organisation (made from above) is no committee
    // member: it opens no poll and lists none (regression: it listed the
    // kelurahan's polls it could not open).
    let panitia = app.login("panitia-kel").await;
    panitia
        .post_json_expect(
            "/api/v1/election/elections",
            json!({"level": "rt", "area": format!("{KEL}.01.001"), "held_on": "2025-03-02"}),
            StatusCode::OK,
        )
        .await;
    let listed: Value = panitia.json("/api/v1/election/elections").await;
    assert_eq!(listed["elections"].as_array().unwrap().len(), 1);
    app.add_user("panitia-bkm", Role::Facilitator, in_org(app.upk));
    let v = app.login("panitia-bkm").await;
    let listed: Value = v.json("/api/v1/election/elections").await;
    assert_eq!(listed["elections"], json!([]), "{listed}");
    let res = v
        .post_json(
            "/api/v1/election/elections",
            json!({"level": "rt", "area": format!("{KEL}.01.001"), "held_on": "2025-03-02"}),
        )
        .await;
    assert!(res.status().is_client_error(), "{}", res.status());
    let res = v
        .send_json(
            Method::PUT,
            &format!("/api/v1/election/settings/{KEL}"),
            json!({"quorum": "0.1"}),
        )
        .await;
    assert!(res.status().is_client_error(), "{}", res.status());
}
