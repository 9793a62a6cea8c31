//! End-to-end tests of the web app and JSON API over real HTTP.

#[path = "../common/mod.rs"]
mod common;
mod community;
mod contract;
mod election;
mod fund;
mod lists;
mod load;
mod money;
mod partnerships;
mod privacy;
mod procurement;
mod programme;
mod readers;
mod reading;
mod replica;
mod scopes;
mod security;
mod servers;
mod spend;
mod support;
mod uploads;
mod words;
mod work;

use lumbung_domain::Role;
use lumbung_web::routes::{self, Need};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use support::{column, csrf_in, location, posted, signed_in, spawn_app, text_of, TestApp, Visitor};

fn concrete(app: &TestApp, path: &str, user_id: lumbung_domain::UserId) -> String {
    // A kelurahan of the seed (with an RW and an RT) for the community pages.
    path.replace(
        "community/kelurahan/{code}",
        "community/kelurahan/3604010001",
    )
    .replace("community/mapping/{code}", "community/mapping/3604010001")
    // A board is a kelurahan's.
    .replace("board/{code}", "board/3604010001")
    .replace("{code}", "3604")
    .replace("{lang}", "en")
    .replace("{postcode}", "PR12HE")
    .replace("/orgs/{id}", &format!("/orgs/{}", app.preston_council))
    .replace("/users/{id}", &format!("/users/{user_id}"))
    // The first import and supplier of `seed_spend`, where a test seeds it.
    .replace("/spend/imports/{id}", "/spend/imports/1")
    .replace("/suppliers/{id}", "/suppliers/1")
    .replace("/business/{id}", "/business/1")
    .replace("/tenders/{id}", "/tenders/1")
    .replace("/outbox/{id}", "/outbox/1")
}

fn denied(res: &reqwest::Response) -> bool {
    let to_login = res.status() == StatusCode::SEE_OTHER
        && res
            .headers()
            .get("location")
            .is_some_and(|l| l.to_str().unwrap().starts_with("/login"));
    matches!(
        res.status(),
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN
    ) || to_login
}

fn allowed(need: Need, role: Option<Role>) -> bool {
    match need {
        Need::Public => true,
        Need::SignedIn => role.is_some(),
        Need::Read(r) => role.is_some_and(|x| x.can_read(r)),
        Need::Write(r) => role.is_some_and(|x| x.can_write(r)),
    }
}

async fn send(v: &Visitor, method: &Method, path: &str) -> reqwest::Response {
    let url = format!("{}{path}", v.base);
    let mut req = v.client.request(method.clone(), url);
    if method != Method::GET {
        if let Some(csrf) = &v.csrf {
            req = req.header("x-csrf-token", csrf);
        }
        req = if path.starts_with("/api/") {
            req.json(&json!({}))
        } else {
            req.form(&[("x", "")])
        };
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn every_route_enforces_its_declared_permission_for_every_role() {
    let app = spawn_app().await;
    let user_id = app.user_id("auditor");
    let mut anonymous = app.anonymous();
    let login_page = anonymous.text("/login").await;
    anonymous.csrf = csrf_in(&login_page);
    let mut visitors = vec![(None, anonymous)];
    for role in Role::ALL {
        visitors.push((Some(role), app.login(role.as_str()).await));
    }
    for route in routes::all() {
        let path = concrete(&app, route.path, user_id);
        let ends_session = matches!(route.path, "/logout" | "/api/v1/session")
            && route.method != Method::POST
            || route.path == "/logout";
        for (role, visitor) in &visitors {
            let fresh;
            let visitor = match role {
                Some(r) if ends_session => {
                    fresh = app.login(r.as_str()).await;
                    &fresh
                }
                _ => visitor,
            };
            let res = send(visitor, &route.method, &path).await;
            let status = res.status();
            assert!(
                !status.is_server_error(),
                "{} {path} as {role:?}: {status}",
                route.method
            );
            if route.method == Method::POST && matches!(route.path, "/login" | "/api/v1/session") {
                // Public, and refuses the walk's empty credentials with 401.
                continue;
            }
            assert_eq!(
                denied(&res),
                !allowed(route.need, *role),
                "{} {path} as {role:?}: status {status}",
                route.method
            );
        }
    }
}

#[tokio::test]
async fn the_access_table_of_the_design_holds() {
    let app = spawn_app().await;
    for (user, path, status) in [
        ("analyst", "/users", StatusCode::FORBIDDEN),
        ("facilitator", "/audit", StatusCode::FORBIDDEN),
        ("upk", "/orgs/new", StatusCode::FORBIDDEN),
        ("auditor", "/users", StatusCode::OK),
        ("auditor", "/audit", StatusCode::OK),
        ("auditor", "/users/new", StatusCode::FORBIDDEN),
        ("admin", "/audit", StatusCode::OK),
        ("bkm", "/orgs", StatusCode::OK),
    ] {
        let v = app.login(user).await;
        assert_eq!(v.status(path).await, status, "{user} {path}");
    }
    let auditor = app.login("auditor").await;
    // Auditors are read-only
    auditor
        .post_json_expect(
            "/api/v1/orgs",
            json!({"name": "X", "kind": "ngo"}),
            StatusCode::FORBIDDEN,
        )
        .await;
}

#[tokio::test]
async fn public_pages_answer_anonymous_visitors_and_private_ones_ask_to_sign_in() {
    let app = spawn_app().await;
    let anon = app.anonymous();
    let home = anon.page("/", StatusCode::OK).await;
    assert!(home.contains("<html lang=\"id\">"));
    assert!(home.contains("Apa yang disimpan Lumbung ini"));
    let res = anon.get("/users").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/login?next=/users");
    let res = anon.get("/api/v1/users").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unauthenticated");
    let health: Value = anon.json("/health").await;
    assert_eq!(health["status"], "ok");
    let css = anon.get("/assets/app.css").await;
    assert_eq!(css.headers()["content-type"], "text/css; charset=utf-8");
    // Browsers ask for the icon by themselves: no 404 on any first visit.
    let icon = anon.get("/favicon.ico").await;
    assert_eq!(icon.status(), StatusCode::OK);
    assert_eq!(icon.headers()["content-type"], "image/svg+xml");
    assert!(text_of(icon).await.starts_with("<svg"));
}

#[tokio::test]
async fn the_language_switch_sets_lang_and_messages_on_every_page() {
    let app = spawn_app().await;
    // Spend data, so that the spend pages render their tables and the
    // import `concrete` names exists.
    spend::seed_spend(&app);
    let admin = app.login("admin").await;
    let analyst = app.login("analyst").await;
    let upk = app.login("upk").await;
    let res = admin.get("/lang/en?next=/areas").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/areas");
    let user_id = app.user_id("auditor");
    for lang in ["en", "id"] {
        admin.get(&format!("/lang/{lang}")).await;
        analyst.get(&format!("/lang/{lang}")).await;
        upk.get(&format!("/lang/{lang}")).await;
        for route in
            routes::all().filter(|r| r.method == Method::GET && !r.path.starts_with("/api/"))
        {
            // Downloads are no pages (tests/web/lists.rs reads them).
            if route.path.ends_with(".csv") {
                continue;
            }
            if matches!(
                route.path,
                "/health"
                    | "/assets/app.css"
                    | "/favicon.ico"
                    | "/lang/{lang}"
                    | "/spend/report.csv"
                    | "/spend/report.xlsx"
                    // These need an upload first; the upload test renders them.
                    | "/spend/import/{id}"
                    | "/spend/jobs/{id}"
                    | "/reports/{id}"
                    // The election's pages need a poll; tests/web/election.rs
                    // renders each in both languages.
                    | "/election/kelurahan/{code}"
                    | "/election/{id}"
                    | "/election/{id}/register"
                    | "/election/{id}/ballots"
                    | "/election/{id}/ballot-sheets"
                    | "/election/{id}/minutes"
                    | "/election/results/{id}"
                    | "/election/results/{id}/minutes"
                    | "/election/results/{id}/BALLOTS.csv"
                    | "/election/results/{id}/GROUPS.csv"
                    | "/election/results/{id}/RESIDENTS.csv"
                    // Need a business, a tender; tests/web/procurement.rs renders them.
                    | "/business/{id}"
                    | "/procurement/tenders/{id}/evaluation"
                    | "/procurement/charters/{id}"
                    | "/procurement/lm3/surveys/{id}"
                    | "/survey/{token}"
                    // Need a published board, a complaint; tests/web/programme.rs renders them.
                    | "/boards/{id}"
                    | "/boards/{id}/board.json"
                    | "/complaints/{id}"
                    // Need a partnership; tests/web/partnerships.rs renders them.
                    | "/partnerships/{id}"
                    | "/partnership/{id}"
                    // Facilitators and the BKM only; tests/web/community.rs renders it.
                    | "/community/kelurahan/{code}/mapping"
                    // The books' pages need a loan first; tests/web/fund.rs
                    // renders each in both languages.
                    | "/fund/upk/{id}"
                    | "/fund/upk/{id}/settings"
                    | "/fund/upk/{id}/statements"
                    | "/fund/ksm/{id}"
                    | "/fund/ksm/{id}/collection"
                    | "/fund/loans/{id}"
                    | "/fund/receipts/{id}"
            ) {
                continue;
            }
            // Each page as a user whose role may see it.
            let viewer = if allowed(route.need, Some(Role::Admin)) {
                &admin
            } else if allowed(route.need, Some(Role::Analyst)) {
                &analyst
            } else {
                &upk
            };
            let path = concrete(&app, route.path, user_id);
            let (status, html) = viewer.get_html(&path).await;
            assert_eq!(status, StatusCode::OK, "{path} in {lang}");
            assert!(
                html.contains(&format!("<html lang=\"{lang}\">")),
                "{path} in {lang}"
            );
            assert!(
                !html.contains("??"),
                "{path} in {lang} shows a missing message"
            );
        }
    }
    let (_, html) = admin.get_html("/orgs").await;
    assert!(html.contains("Lembaga jangkar"), "Indonesian kind labels");
    assert!(admin.status("/lang/fr").await == StatusCode::NOT_FOUND);
    let res = admin.get("/lang/en?next=//evil.example/").await;
    assert_eq!(res.headers()["location"], "/", "no open redirect");
}

#[tokio::test]
async fn sign_in_failures_expiry_and_sign_out() {
    let app = spawn_app().await;
    let v = app.anonymous();
    let res = v.sign_in("admin", "wrong password").await;
    let res = res.send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let html = text_of(res).await;
    assert!(html.contains("Nama pengguna atau kata sandi salah"));
    assert!(
        !html.contains("wrong password"),
        "the password is not echoed"
    );

    // A session past its expiry is no session.
    let admin = app.login("admin").await;
    let session_token = app.token("admin").await;
    app.store.expire_session_for_tests(&session_token).unwrap();
    let res = admin
        .client
        .get(format!("{}/api/v1/me", app.base))
        .bearer_auth(&session_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    // Sign-out ends the session on the server, not only in the browser.
    let res = admin.post_form("/logout", &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(admin.status("/audit").await, StatusCode::SEE_OTHER);
    let cookie = res.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.contains("Max-Age=0"));
}

#[tokio::test]
async fn session_cookies_are_http_only_and_same_site() {
    let app = spawn_app().await;
    let v = app.anonymous();
    let res = v.sign_in("admin", support::PASSWORD).await;
    let res = res.send().await.unwrap();
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("lumbung_session="));
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
}

#[tokio::test]
async fn forms_without_a_valid_csrf_token_are_refused() {
    let (app, [admin]) = signed_in(["admin"]).await;
    let fields = [("name", "Koperasi Forged"), ("kind", "cooperative")];
    let res = admin.post_form_as_is("/orgs", &fields).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let mut forged = fields.to_vec();
    forged.push(("csrf", "0000"));
    let res = admin.post_form_as_is("/orgs", &forged).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(text_of(res).await.contains("Formulir kedaluwarsa"));
    let res = admin
        .post_json_as_is("/api/v1/orgs", json!({"name": "X", "kind": "ngo"}))
        .await;
    assert_eq!(
        res.status(),
        StatusCode::FORBIDDEN,
        "cookie-borne JSON needs the header too"
    );
    let (orgs, _) = app.store.search_orgs(&Default::default(), 100, 0).unwrap();
    assert!(orgs
        .iter()
        .all(|o| o.name != "Koperasi Forged" && o.name != "X"));

    // Sign-in itself is protected by a double-submit token.
    let anon = app.anonymous();
    let res = anon.sign_in_with("admin", support::PASSWORD, "guess");
    let res = res.send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn bearer_tokens_need_no_csrf_token() {
    let app = spawn_app().await;
    let token = app.token("admin").await;
    let res = app.bearer(Method::POST, "/api/v1/orgs", &token)
        .json(&json!({"name": "Preston Co-operative Development Network", "kind": "cooperative", "area_code": "E07000123"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn areas_browse_search_and_unknown_codes() {
    let app = spawn_app().await;
    let anon = app.anonymous();
    let (_, roots) = anon.get_html("/areas").await;
    assert!(roots.contains("Indonesia") && roots.contains("United Kingdom"));
    let kel = anon.page("/areas/3604010001", StatusCode::OK).await;
    assert!(kel.contains("KABUPATEN SERANG"), "breadcrumbs");
    assert!(kel.contains("RW 01"), "children");
    assert!(
        kel.contains("BKM Umbul Sejahtera"),
        "organisations in the area"
    );
    let (_, found) = anon.get_html("/areas?q=kamasan").await;
    assert!(found.contains("/areas/3604010002"));
    let missing = anon.page("/areas/NOPE", StatusCode::NOT_FOUND).await;
    assert!(missing.contains("Tidak ditemukan"));
    let res = anon.get("/api/v1/areas/NOPE").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"]["code"],
        "not_found"
    );
    let api: Value = anon.json("/api/v1/areas/3604010001.01").await;
    assert_eq!(api["area"]["kind"], "rw");
    assert_eq!(api["lineage"].as_array().unwrap().len(), 5);
    let search: Value = anon.json("/api/v1/areas?q=serang").await;
    assert_eq!(search["total"], 1);
    let within: Value = anon.json("/api/v1/areas?within=3604&kind=kelurahan").await;
    assert_eq!(within["total"], 2);
}

#[tokio::test]
async fn anonymous_visitors_and_users_outside_the_scope_see_names_only() {
    let app = spawn_app().await;
    let path = format!("/api/v1/orgs/{}", app.bkm);
    let public: Value = app.anonymous().json(&path).await;
    assert_eq!(public["name"], "BKM Umbul Sejahtera");
    assert!(
        public.get("npwp").is_none() && public.get("attributes").is_none(),
        "{public}"
    );
    let outsider: Value = app.login("analyst-lancs").await.json(&path).await;
    assert!(outsider.get("npwp").is_none());
    let insider: Value = app.login("facilitator-kel").await.json(&path).await;
    assert_eq!(insider["npwp"], "012345678901000");
    let (_, html) = app
        .anonymous()
        .get_html(&format!("/orgs/{}", app.bkm))
        .await;
    assert!(!html.contains("012345678901000"));
    let (_, html) = app
        .login("bkm-user")
        .await
        .get_html(&format!("/orgs/{}", app.upk))
        .await;
    assert!(
        html.contains("BKM Umbul Sejahtera"),
        "the BKM's user sees its UPK in full, parent included"
    );
}

#[tokio::test]
async fn admins_create_and_edit_organisations_through_forms() {
    let (app, [admin]) = signed_in(["admin"]).await;
    let location = posted(
        &admin,
        "/orgs",
        &[
            ("name", "Koperasi Tani Makmur"),
            ("kind", "cooperative"),
            ("area_code", "3604010002"),
            ("npwp", "02.345.678.9-012.000"),
            ("attributes", "members = 45\nsector = pertanian"),
        ],
    )
    .await;
    let (_, page) = admin.get_html(&location).await;
    assert!(
        page.contains("Koperasi Tani Makmur")
            && page.contains("023456789012000")
            && page.contains("pertanian")
    );

    let id = location.rsplit('/').next().unwrap();
    let form = admin
        .page(&format!("/orgs/{id}/edit"), StatusCode::OK)
        .await;
    assert!(form.contains("members = 45"));
    posted(
        &admin,
        &format!("/orgs/{id}"),
        &[
            ("name", "Koperasi Tani Makmur Jaya"),
            ("kind", "cooperative"),
            ("area_code", "3604010002"),
        ],
    )
    .await;
    let org = app.store.org(id.parse().unwrap()).unwrap().unwrap();
    assert_eq!(org.name, "Koperasi Tani Makmur Jaya");
    assert!(
        org.npwp.is_none() && org.attributes.is_empty(),
        "the form replaces all fields"
    );

    let (entries, _) = app
        .store
        .audit_entries(&lumbung_domain::Scope::Global, 5, 0)
        .unwrap();
    assert_eq!(entries[0].action, "org.update");
    assert_eq!(entries[0].actor, "admin");
    assert_eq!(entries[1].action, "org.create");
}

#[tokio::test]
async fn bad_organisation_input_is_shown_beside_its_field_and_nothing_is_stored() {
    let (app, [admin]) = signed_in(["admin"]).await;
    let html = admin
        .post_form_expect(
            "/orgs",
            &[
                ("name", "Bad Npwp"),
                ("kind", "bank"),
                ("npwp", "123"),
                ("area_code", "NOWHERE"),
            ],
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert!(html.contains("must have 15 or 16 digits"), "{html}");
    assert!(html.contains("unknown organisation kind"));
    assert!(
        html.contains("value=\"Bad Npwp\""),
        "what was typed is kept"
    );
    let answer = admin
        .post_form_expect(
            "/orgs",
            &[
                ("name", "Nowhere"),
                ("kind", "ngo"),
                ("area_code", "NOWHERE"),
            ],
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert!(answer.contains("area NOWHERE tidak ada"));

    let body = admin
        .post_json_answer(
            "/api/v1/orgs",
            json!({"name": "", "kind": "ngo", "npwp": "1"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert!(
        body["error"]["fields"]["name"].is_string() && body["error"]["fields"]["npwp"].is_string()
    );
    let res = admin
        .client
        .post(format!("{}/api/v1/orgs", app.base))
        .header("x-csrf-token", admin.csrf.clone().unwrap())
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"]["code"],
        "bad_request"
    );
    assert_eq!(
        app.store
            .search_orgs(&Default::default(), 100, 0)
            .unwrap()
            .1,
        3
    );
}

#[tokio::test]
async fn scoped_admins_work_inside_their_area_only() {
    let (app, [admin]) = signed_in(["admin-serang"]).await;
    admin
        .post_json_expect(
            "/api/v1/orgs",
            json!({"name": "KSM Mawar", "kind": "ksm", "area_code": "3604010001.01.001"}),
            StatusCode::CREATED,
        )
        .await;
    admin
        .post_json_expect(
            "/api/v1/orgs",
            json!({"name": "Preston Bakery", "kind": "supplier", "area_code": "E07000123"}),
            StatusCode::FORBIDDEN,
        )
        .await;
    assert_eq!(
        admin
            .status(&format!("/orgs/{}/edit", app.preston_council))
            .await,
        StatusCode::FORBIDDEN
    );
    let res = admin
        .send_json(
            Method::PUT,
            &format!("/api/v1/orgs/{}", app.bkm),
            json!({"name": "BKM Umbul Sejahtera", "kind": "bkm", "area_code": "E07000123"}),
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::FORBIDDEN,
        "cannot move an organisation out of the scope"
    );

    // A scoped admin cannot create a global user
    admin
        .post_json_expect(
            "/api/v1/users",
            json!({"username": "rogue", "role": "admin", "password": "0123456789abc"}),
            StatusCode::FORBIDDEN,
        )
        .await;
    admin
        .post_json_expect(
            "/api/v1/users",
            json!({"username": "fasilitator2", "role": "facilitator", "area_code": "3604010002", "password": "0123456789abc"}),
            StatusCode::CREATED,
        )
        .await;
    let users: Value = admin.json("/api/v1/users").await;
    let names = column(&users, "users", "username");
    assert!(names.contains(&"fasilitator2") && names.contains(&"facilitator-kel"));
    assert!(
        !names.contains(&"analyst-lancs") && !names.contains(&"admin"),
        "{names:?}"
    );
}

#[tokio::test]
async fn admins_manage_users_and_reset_passwords() {
    let (app, [admin]) = signed_in(["admin"]).await;
    posted(
        &admin,
        "/users",
        &[
            ("username", "siti"),
            ("role", "upk"),
            ("org_id", &app.upk.to_string()),
            ("password", "kata-sandi-siti"),
        ],
    )
    .await;
    let answer = admin
        .post_form_expect(
            "/users",
            &[
                ("username", "siti"),
                ("role", "upk"),
                ("org_id", &app.upk.to_string()),
                ("password", "kata-sandi-siti"),
            ],
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert!(answer.contains("sudah ada"));
    let res = admin
        .post_form(
            "/users",
            &[("username", "x y"), ("role", "king"), ("password", "short")],
        )
        .await;
    let html = text_of(res).await;
    assert!(html.contains("unknown role") && html.contains("at least 10 characters"));

    let siti = app
        .store
        .user_by_name(&lumbung_domain::Username::parse("siti").unwrap())
        .unwrap()
        .unwrap();
    let siti_token = app.token_with("siti", "kata-sandi-siti").await;
    admin
        .post_form_expect(
            &format!("/users/{}/password", siti.id),
            &[
                ("password", "sandi-baru-siti"),
                ("password_confirm", "berbeda-sama-sekali"),
            ],
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    posted(
        &admin,
        &format!("/users/{}/password", siti.id),
        &[
            ("password", "sandi-baru-siti"),
            ("password_confirm", "sandi-baru-siti"),
        ],
    )
    .await;
    let res = app
        .bearer(Method::GET, "/api/v1/me", &siti_token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::UNAUTHORIZED,
        "a reset ends the user's sessions"
    );
    assert!(app
        .store
        .verify_login("siti", "sandi-baru-siti")
        .unwrap()
        .is_some());
}

/// Regression: an admin set every password and no one could change their
/// own, so the admin who made a UPK's and a BKM's accounts held both sides
/// of every loan's approval. A password an admin sets (a new account, a
/// reset) opens nothing but the form where its owner chooses their own.
#[tokio::test]
async fn a_password_an_admin_set_opens_nothing_until_its_owner_chooses_one() {
    let (app, [admin]) = signed_in(["admin"]).await;
    let upk = app.upk.to_string();
    let fields = [
        ("username", "siti"),
        ("role", "upk"),
        ("org_id", upk.as_str()),
        ("password", "kata-sandi-siti"),
    ];
    posted(&admin, "/users", &fields).await;
    let token = app.token_with("siti", "kata-sandi-siti").await;
    let siti = app.login_with("siti", "kata-sandi-siti").await;
    // Every page leads to the form; the API says why; who one is, and
    // signing out, stay open.
    let res = siti.get("/fund").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/account/password");
    let res = app
        .bearer(Method::GET, "/api/v1/fund/report", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "password_temporary", "{body}");
    let me: Value = siti.json("/api/v1/me").await;
    assert_eq!(me["user"]["password_temporary"], true, "{me}");
    let form = siti.page("/account/password", StatusCode::OK).await;
    assert!(form.contains("diatur oleh admin"), "{form}");
    // Wrong, unchanged or mistyped: refused, naming the field.
    for (current, new, again, field) in [
        (
            "salah-sekali-ini",
            "sandi-milik-siti",
            "sandi-milik-siti",
            "e-current",
        ),
        (
            "kata-sandi-siti",
            "kata-sandi-siti",
            "kata-sandi-siti",
            "e-password",
        ),
        (
            "kata-sandi-siti",
            "sandi-milik-siti",
            "sandi-lain-siti",
            "e-password_confirm",
        ),
    ] {
        let page = siti
            .post_form_expect(
                "/account/password",
                &[
                    ("current", current),
                    ("password", new),
                    ("password_confirm", again),
                ],
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        assert!(page.contains(&format!("id=\"{field}\"")), "{field}: {page}");
    }
    let to = posted(
        &siti,
        "/account/password",
        &[
            ("current", "kata-sandi-siti"),
            ("password", "sandi-milik-siti"),
            ("password_confirm", "sandi-milik-siti"),
        ],
    )
    .await;
    assert_eq!(to, "/?done=password_changed");
    siti.page("/fund", StatusCode::OK).await;
    // Whoever knew the old password is signed out, and cannot sign in.
    let res = app
        .bearer(Method::GET, "/api/v1/me", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(app
        .store
        .verify_login("siti", "kata-sandi-siti")
        .unwrap()
        .is_none());
    let user = app
        .store
        .verify_login("siti", "sandi-milik-siti")
        .unwrap()
        .unwrap();
    assert!(!user.password_temporary);
    let audit: Value = admin.json("/api/v1/audit").await;
    let text = audit.to_string();
    assert!(text.contains("user.password_change") && !text.contains("sandi-milik-siti"));
    // A reset makes it temporary again; the API changes it too, keeping
    // the session that asked.
    posted(
        &admin,
        &format!("/users/{}/password", user.id),
        &[
            ("password", "sandi-dari-admin"),
            ("password_confirm", "sandi-dari-admin"),
        ],
    )
    .await;
    let token = app.token_with("siti", "sandi-dari-admin").await;
    let change = |body: Value| {
        app.bearer(Method::POST, "/api/v1/me/password", &token)
            .json(&body)
            .send()
    };
    let res = change(json!({"current": "salah-sekali-ini", "password": "sandi-kedua-siti"}))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = change(json!({"current": "sandi-dari-admin", "password": "sandi-kedua-siti"}))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = app
        .bearer(Method::GET, "/api/v1/fund/report", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_audit_log_is_scoped_for_auditors() {
    let (app, [admin]) = signed_in(["admin"]).await;
    admin
        .post_json(
            "/api/v1/orgs",
            json!({"name": "Preston Bakery", "kind": "supplier", "area_code": "E07000123"}),
        )
        .await;
    admin
        .post_json(
            "/api/v1/orgs",
            json!({"name": "KSM Melati", "kind": "ksm", "area_code": "3604010001"}),
        )
        .await;
    let global: Value = app.login("auditor").await.json("/api/v1/audit").await;
    let serang: Value = app
        .login("auditor-serang")
        .await
        .json("/api/v1/audit")
        .await;
    let names = |v: &Value| -> Vec<String> {
        v["entries"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "org.create")
            .map(|e| e["details"]["name"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    assert!(names(&global).contains(&"Preston Bakery".to_owned()));
    assert_eq!(
        names(&serang),
        vec!["KSM Melati", "UPK Umbul Sejahtera", "BKM Umbul Sejahtera"],
        "only changes inside Kabupaten Serang"
    );
    let (status, html) = app.login("auditor").await.get_html("/audit").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Lembaga dibuat") && html.contains("admin"));
}

#[tokio::test]
async fn the_openapi_document_lists_the_api() {
    let app = spawn_app().await;
    let doc: Value = app.anonymous().json("/api/v1/openapi.json").await;
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["paths"]["/api/v1/orgs"]["post"]["summary"].is_string());
    assert!(doc["paths"]["/api/v1/areas/{code}"]["get"]["parameters"][0]["name"] == "code");
}

#[tokio::test]
async fn unknown_pages_and_bad_ids_are_clear_errors() {
    let app = spawn_app().await;
    let anon = app.anonymous();
    let html = anon.page("/no-such-page", StatusCode::NOT_FOUND).await;
    assert!(html.contains("<html lang=\"id\">"));
    assert_eq!(anon.status("/orgs/abc").await, StatusCode::NOT_FOUND);
    assert_eq!(anon.status("/orgs/999999").await, StatusCode::NOT_FOUND);
    let res = anon.get("/api/v1/orgs?kind=bank").await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.json::<Value>().await.unwrap()["error"]["detail"]
        .as_str()
        .unwrap()
        .contains("bank"));
    assert_eq!(
        anon.status("/api/v1/postcodes/PR1%202HE").await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        anon.status("/api/v1/postcodes/PR1-2HE").await,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn error_pages_keep_the_signed_in_header() {
    let (_app, [analyst]) = signed_in(["analyst"]).await;
    for (path, status) in [
        ("/no-such-page", StatusCode::NOT_FOUND),
        ("/orgs/999999", StatusCode::NOT_FOUND),
        ("/users", StatusCode::FORBIDDEN),
        (
            "/fund/health?as_of=tomorrow",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let html = analyst.page(path, status).await;
        assert!(
            html.contains("action=\"/logout\"") && html.contains("analyst"),
            "{path}: the header of a signed-in visitor\n{html}"
        );
        assert!(!html.contains("href=\"/login"), "{path}: no sign-in link");
    }
    // A date the fund's form cannot read stays in its field with the
    // reason beside it, in the visitor's language; today's figures show.
    let html = analyst
        .page(
            "/fund/health?as_of=tomorrow",
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert!(
        html.contains("value=\"tomorrow\" size=\"10\" aria-invalid=\"true\""),
        "{html}"
    );
    assert!(
        html.contains("id=\"as_of-error\"") && html.contains("angka hari ini"),
        "{html}"
    );
}

#[tokio::test]
async fn a_database_busy_with_another_program_is_a_clear_503() {
    let (app, [admin]) = signed_in(["admin"]).await;
    let other = rusqlite::Connection::open(app.store.path()).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    let answer = admin
        .post_json_answer(
            "/api/v1/orgs",
            json!({"name": "Koperasi Sibuk", "kind": "cooperative"}),
            StatusCode::SERVICE_UNAVAILABLE,
        )
        .await;
    assert_eq!(answer["error"]["code"], "busy");
    let answer = admin
        .post_form_expect(
            "/orgs",
            &[("name", "Koperasi Sibuk"), ("kind", "cooperative")],
            StatusCode::SERVICE_UNAVAILABLE,
        )
        .await;
    assert!(answer.contains("Basis data sedang sibuk"));
    other.execute_batch("ROLLBACK").unwrap();
    // Works again once the other program is done
    admin
        .post_json_expect(
            "/api/v1/orgs",
            json!({"name": "Koperasi Sibuk", "kind": "cooperative"}),
            StatusCode::CREATED,
        )
        .await;
}

#[tokio::test]
async fn wrong_methods_and_tricky_redirects_are_handled() {
    let (app, [admin]) = signed_in(["admin"]).await;
    assert_eq!(
        admin.status("/logout").await,
        StatusCode::METHOD_NOT_ALLOWED
    );
    let res = admin
        .send_json(
            Method::PATCH,
            &format!("/api/v1/orgs/{}", app.bkm),
            json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"]["code"],
        "method_not_allowed"
    );
    for next in [
        "/%09/evil.example/",
        "//evil.example",
        "/%5Cevil.example",
        "/a%0Ab",
    ] {
        let res = admin.get(&format!("/lang/en?next={next}")).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{next}");
        assert_eq!(res.headers()["location"], "/", "{next}");
    }
}

#[tokio::test]
async fn a_signed_in_user_can_sign_in_as_someone_else() {
    let (_app, [first]) = signed_in(["analyst"]).await;
    let res = first.sign_in("auditor", support::PASSWORD).await;
    let res = res.send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let me: Value = first.json("/api/v1/me").await;
    assert_eq!(me["user"]["username"], "auditor");
}

#[tokio::test]
async fn scoped_admins_cannot_hang_organisations_under_one_outside_their_scope() {
    let (app, [admin]) = signed_in(["admin-serang"]).await;
    admin
        .post_json_expect(
            "/api/v1/orgs",
            json!({"name": "KSM Titipan", "kind": "ksm", "area_code": "3604010001", "parent_id": app.preston_council}),
            StatusCode::FORBIDDEN,
        )
        .await;
}

#[tokio::test]
async fn identifiers_are_searchable_only_when_signed_in_and_numbers_may_be_numbers() {
    let app = spawn_app().await;
    let anon: Value = app.anonymous().json("/api/v1/orgs?q=012345678901000").await;
    assert_eq!(
        anon["total"], 0,
        "anonymous visitors cannot confirm an NPWP"
    );
    let admin = app.login("admin").await;
    let found: Value = admin.json("/api/v1/orgs?q=012345678901000").await;
    assert_eq!(found["total"], 1);
    admin
        .post_json_expect(
            "/api/v1/users",
            json!({"username": "kasir2", "role": "upk", "org_id": app.upk, "password": "0123456789abc"}),
            StatusCode::CREATED,
        )
        .await;
}

#[tokio::test]
async fn the_fund_report_for_its_readers_and_health_figures_for_everyone() {
    let app = spawn_app().await;
    fund::import_one_loan(&app);
    let upk = app.login("upk").await;
    let r: Value = upk.json("/api/v1/fund/report?as_of=2024-05-20").await;
    assert_eq!(r["outstanding"], 600_000);
    assert_eq!(r["loans_in_arrears"], 1);
    assert_eq!(r["health"]["par"], "inadequate");
    let html = upk.page("/fund?as_of=2024-05-20", StatusCode::OK).await;
    assert!(html.contains("UPK Umbul Sejahtera") && html.contains("600.000"));
    let anon = app.anonymous();
    let health: Value = anon.json("/api/v1/fund/health?as_of=2024-05-20").await;
    assert_eq!(health["all"]["par"], "1.000000");
    assert!(
        health["all"].get("outstanding").is_none(),
        "no money for the public"
    );
    let (_, public) = anon.get_html("/fund/health?as_of=2024-05-20").await;
    assert!(public.contains("UPK Umbul Sejahtera") && !public.contains("600.000"));
    assert_eq!(
        app.login("analyst").await.status("/fund").await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        anon.status("/api/v1/fund/report").await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        upk.status("/api/v1/fund/report?as_of=soon").await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
}
