//! Sign-in limits and their audit, security headers and Secure cookies,
//! and the upload cache's eviction.

use crate::support::{
    csrf_in, file_form, location, signed_in, spawn_app, spawn_app_with, text_of, Visitor, PASSWORD,
};
use lumbung_domain::Scope;
use reqwest::StatusCode;
use serde_json::Value;

/// One sign-in through the form, with a fresh form's CSRF token.
async fn form_sign_in(v: &Visitor, username: &str, password: &str) -> reqwest::Response {
    form_sign_in_from(v, username, password, None).await
}

async fn form_sign_in_from(
    v: &Visitor,
    username: &str,
    password: &str,
    forwarded_for: Option<&str>,
) -> reqwest::Response {
    let mut req = v.sign_in(username, password).await;
    if let Some(a) = forwarded_for {
        req = req.header("x-forwarded-for", a);
    }
    req.send().await.unwrap()
}

fn retry_after(res: &reqwest::Response) -> u64 {
    res.headers()
        .get("retry-after")
        .expect("Retry-After")
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn failed_sign_ins_spread_over_two_servers_of_one_database_meet_one_limit() {
    // Regression: each server counted failures in its own memory, so an
    // attacker alternating between two servers had twice the attempts.
    let app = spawn_app().await;
    let other = app.another_server().await;
    let (here, there) = (app.anonymous(), other.anonymous());
    for i in 0..10 {
        let v = if i % 2 == 0 { &here } else { &there };
        let res = form_sign_in(v, "analyst", &format!("wrong-password-{i}")).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "attempt {}", i + 1);
    }
    for v in [&here, &there] {
        let res = form_sign_in(v, "analyst", "wrong-password-x").await;
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    }
    // Once its failures are forgotten (the window passed), the account
    // signs in on either server.
    app.store.clear_uses("signin.account", "analyst").unwrap();
    assert_eq!(
        form_sign_in(&there, "analyst", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn the_eleventh_failed_sign_in_of_an_account_is_refused_on_form_and_api() {
    let app = spawn_app().await;
    let v = app.anonymous();
    for i in 0..10 {
        let res = form_sign_in(&v, "analyst", &format!("wrong-password-{i}")).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "attempt {}", i + 1);
    }
    let res = form_sign_in(&v, "analyst", "wrong-password-x").await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait = retry_after(&res);
    assert!((1..=15 * 60).contains(&wait), "{wait}");
    let page = text_of(res).await;
    assert!(page.contains("Terlalu banyak percobaan masuk"), "{page}");
    assert!(
        page.contains("value=\"analyst\""),
        "the form keeps the name"
    );
    // Even the right password waits now: the limit must not become an oracle.
    let res = form_sign_in(&v, "analyst", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let res = app.api_sign_in("ANALYST ", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(retry_after(&res) > 0);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "too_many_attempts");

    // Another account signs in, from the same address, on both doors.
    let res = form_sign_in(&v, "auditor", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.api_sign_in("admin", PASSWORD).await.status(),
        StatusCode::OK
    );
    // Ordinary pages are not limited.
    assert_eq!(v.status("/").await, StatusCode::OK);

    // Sign-ins, failures and sign-outs are audited, without passwords.
    let me: Value = v.json("/api/v1/me").await;
    let csrf = me["csrf_token"].as_str().unwrap();
    let res = v
        .client
        .post(format!("{}/logout", v.base))
        .form(&[("csrf", csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (entries, _) = app.store.audit_entries(&Scope::Global, 500, 0).unwrap();
    let count = |action: &str, who: &str| {
        entries
            .iter()
            .filter(|e| e.action == action && e.entity_id == who)
            .count()
    };
    assert_eq!(count("user.sign_in_failed", "analyst"), 10);
    assert_eq!(count("user.sign_in", "auditor"), 1);
    assert_eq!(count("user.sign_in", "admin"), 1);
    assert_eq!(count("user.sign_out", "auditor"), 1);
    let failed = entries
        .iter()
        .find(|e| e.action == "user.sign_in_failed")
        .unwrap();
    assert_eq!(failed.details["address"], "127.0.0.1");
    assert!(failed.actor.starts_with("visitor:"), "{}", failed.actor);
    for e in &entries {
        let text = e.details.to_string();
        assert!(!text.contains("wrong-password") && !text.contains(PASSWORD));
    }
}

#[tokio::test]
async fn the_thirty_first_failure_from_one_address_is_refused() {
    let app = spawn_app().await;
    let v = app.anonymous();
    // A different name each time (below every account's limit), and a
    // forged X-Forwarded-For, which no proxy setting says to trust.
    for i in 0..30 {
        let res = form_sign_in_from(
            &v,
            &format!("guess{i}"),
            "wrong-password",
            Some(&format!("10.0.0.{i}")),
        )
        .await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "attempt {}", i + 1);
    }
    let res = form_sign_in_from(&v, "guess30", "wrong-password", Some("10.9.9.9")).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!((1..=60).contains(&retry_after(&res)));
    let res = app.api_sign_in("guess31", "wrong-password").await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn behind_a_proxy_the_forwarded_address_is_the_one_counted() {
    let app = spawn_app_with(lumbung_web::WebConfig {
        behind_proxy: true,
        ..Default::default()
    })
    .await;
    let v = app.anonymous();
    for i in 0..30 {
        let res =
            form_sign_in_from(&v, &format!("guess{i}"), "wrong", Some("1.2.3.4, 10.0.0.1")).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    let limited = form_sign_in_from(&v, "guess30", "wrong", Some("5.6.7.8, 10.0.0.1")).await;
    assert_eq!(
        limited.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "the proxy's last entry counts"
    );
    let other = form_sign_in_from(&v, "guess30", "wrong", Some("10.0.0.2")).await;
    assert_eq!(other.status(), StatusCode::UNAUTHORIZED);
}

fn header<'a>(res: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    res.headers().get(name).map(|v| v.to_str().unwrap())
}

fn cookies(res: &reqwest::Response) -> Vec<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    let (app, [analyst]) = signed_in(["analyst"]).await;
    for path in [
        "/",
        "/login",
        "/spend",
        "/no-such-page",
        "/api/v1/health",
        "/assets/app.css",
    ] {
        let res = analyst.get(path).await;
        let csp = header(&res, "content-security-policy").unwrap_or_default();
        assert!(csp.contains("default-src 'none'"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}");
        assert!(!csp.contains("unsafe-inline"), "{path}");
        assert_eq!(header(&res, "x-frame-options"), Some("DENY"), "{path}");
        assert_eq!(
            header(&res, "x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        assert!(header(&res, "referrer-policy").is_some(), "{path}");
        assert_eq!(
            header(&res, "strict-transport-security"),
            None,
            "{path}: plain HTTP"
        );
    }
    let res = app.anonymous().get("/login").await;
    assert!(cookies(&res).iter().all(|c| !c.contains("Secure")));
}

#[tokio::test]
async fn behind_a_tls_proxy_cookies_are_secure_and_hsts_is_sent() {
    let app = spawn_app_with(lumbung_web::WebConfig {
        behind_tls_proxy: true,
        ..Default::default()
    })
    .await;
    let v = app.anonymous();
    let form = v.get("/login").await;
    assert!(header(&form, "strict-transport-security").is_some_and(|h| h.contains("max-age=")));
    let csrf_cookie = cookies(&form);
    assert!(
        csrf_cookie
            .iter()
            .any(|c| c.starts_with("lumbung_csrf=") && c.contains("; Secure")),
        "{csrf_cookie:?}"
    );
    let token = csrf_in(&form.text().await.unwrap()).unwrap();
    let res = v.sign_in_with("analyst", PASSWORD, &token);
    let res = res.send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(cookies(&res)
        .iter()
        .any(|c| c.starts_with("lumbung_session=") && c.contains("; Secure")));
    let lang = v.get("/lang/en?next=/").await;
    assert!(cookies(&lang).iter().all(|c| c.contains("; Secure")));
    let api = app.api_sign_in("auditor", PASSWORD).await;
    assert!(cookies(&api).iter().all(|c| c.contains("; Secure")));
}

async fn upload(v: &Visitor, name: &str) -> String {
    let csv = b"Paid Date,Vendor,Amount\n01/05/2013,Ribble Print Ltd,100.00\n";
    let form = file_form("file", csv, name).text("anchor", "UCLan");
    let res = v.upload("/spend/import", form).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    location(&res)
}

#[tokio::test]
async fn an_analyst_uploading_many_files_pushes_out_only_their_own_oldest() {
    let (_app, [mine, busy]) = signed_in(["analyst-lancs", "analyst"]).await;
    let kept = upload(&mine, "mine.csv").await;
    let mut theirs = Vec::new();
    for i in 0..40 {
        theirs.push(upload(&busy, &format!("f{i}.csv")).await);
    }
    assert_eq!(
        mine.status(&kept).await,
        StatusCode::OK,
        "another's uploads leave mine"
    );
    let newest = busy.page(theirs.last().unwrap(), StatusCode::OK).await;
    assert!(newest.contains("f39.csv"));
    // Their oldest went first; only their latest few wait.
    assert_eq!(busy.status(&theirs[0]).await, StatusCode::NOT_FOUND);
    let mut waiting = 0;
    for path in &theirs {
        if busy.status(path).await == StatusCode::OK {
            waiting += 1;
        }
    }
    assert!((1..=8).contains(&waiting), "{waiting}");
}
