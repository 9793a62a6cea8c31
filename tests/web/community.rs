//! The P2KP community cycle and self-mapping through the web app and the
//! API: steps recorded in order by the kelurahan's facilitator and verified
//! by the city coordinator (never the recorder); progress in scope and in
//! public without names; the Kobo upload all or nothing and once; personal
//! data for the roles of the access table inside their scope only; every
//! page in both languages.

use crate::support::{
    area, assert_has_all, borrowed, column, file_form, file_part, import_areas, in_area, item,
    json_of, location, posted, signed_in, text_of, TestApp, Visitor,
};
use lumbung_domain::{AreaCode, Role};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

pub(crate) const KEL: &str = "3604010001";
const OTHER: &str = "3604010002";
pub(crate) const HOUSEHOLDS: &[u8] =
    include_bytes!("../../crates/community/tests/data/kobo/households.csv");
pub(crate) const ROSTER: &[u8] =
    include_bytes!("../../crates/community/tests/data/kobo/roster.csv");
const HOUSEHOLDS_BAD: &[u8] =
    include_bytes!("../../crates/community/tests/data/kobo/households_bad.csv");
const ROSTER_BAD: &[u8] = include_bytes!("../../crates/community/tests/data/kobo/roster_bad.csv");

/// The city coordinator: a facilitator scoped to Kabupaten Serang.
async fn coordinator(app: &TestApp) -> Visitor {
    app.add_user("korkot-serang", Role::Facilitator, in_area("3604"));
    app.login("korkot-serang").await
}

/// The RW and RT of the sample Kobo export under the seed's kelurahan.
pub(crate) fn sample_areas(app: &TestApp) {
    let mut records = Vec::new();
    for (rw, rts) in [(3u16, [4u16, 5]), (5, [1, 2])] {
        let rw_code = AreaCode::parse(KEL).unwrap().rw(rw).unwrap();
        let (line, name) = (records.len() as u64 + 2, format!("RW {rw:02}"));
        records.push(area(line, rw_code.as_str(), &name, Some(KEL), "rw"));
        for rt in rts {
            let (line, name) = (records.len() as u64 + 2, format!("RT {rt:03}"));
            let rt_code = rw_code.rt(rt).unwrap();
            records.push(area(
                line,
                rt_code.as_str(),
                &name,
                Some(rw_code.as_str()),
                "rt",
            ));
        }
    }
    import_areas(&app.store, "rt.csv", records);
}

pub(crate) async fn upload(
    v: &Visitor,
    code: &str,
    households: &[u8],
    roster: &[u8],
) -> reqwest::Response {
    let form = reqwest::multipart::Form::new()
        .part("households", file_part(households, "households.csv"))
        .part("roster", file_part(roster, "roster.csv"));
    v.upload(&format!("/community/kelurahan/{code}/mapping/import"), form)
        .await
}

async fn bearer(
    app: &TestApp,
    user: &str,
    method: Method,
    path: &str,
    body: Value,
) -> reqwest::Response {
    let token = app.token(user).await;
    let req = app.bearer(method, path, &token);
    req.json(&body).send().await.unwrap()
}

/// Verifies the seed kelurahan's step `step` through its form.
async fn verify(v: &Visitor, step: &str) -> reqwest::Response {
    let path = format!("/community/kelurahan/{KEL}/verify");
    v.post_form(&path, &[("step", step)]).await
}

fn step(key: &str, on: &str) -> Vec<(&'static str, String)> {
    vec![
        ("step", key.to_owned()),
        ("done_on", on.to_owned()),
        ("total", "40".into()),
        ("women", "18".into()),
        ("poor", "12".into()),
        (
            "documents",
            "Berita acara | BA-01/2024\nDaftar hadir".into(),
        ),
    ]
}

pub(crate) async fn record(v: &Visitor, code: &str, key: &str, on: &str) -> reqwest::Response {
    let fields = step(key, on);
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    v.post_form(&format!("/community/kelurahan/{code}/steps"), &fields)
        .await
}

#[tokio::test]
async fn steps_are_recorded_in_order_and_verified_by_the_city_coordinator() {
    let (app, [field]) = signed_in(["facilitator-kel"]).await;
    let korkot = coordinator(&app).await;
    let page = format!("/community/kelurahan/{KEL}");

    // In order only.
    let res = record(&field, KEL, "volunteers", "2024-01-10").await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(text_of(res).await.contains("rkm"));
    // A value that is no number comes back beside the form, in the
    // visitor's language, with everything typed kept.
    let mut typo = step("rkm", "2024-01-10");
    for (k, v) in typo.iter_mut() {
        if *k == "women" {
            *v = "dua belas".into();
        }
    }
    let typo: Vec<(&str, &str)> = typo.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let answer = field
        .post_form_expect(
            &format!("/community/kelurahan/{KEL}/steps"),
            &typo,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert!(answer.contains("id=\"step-errors\"") && answer.contains("role=\"alert\""));
    assert!(
        answer.contains("value=\"dua belas\" aria-invalid=\"true\""),
        "{answer}"
    );
    assert!(
        answer.contains("value=\"2024-01-10\""),
        "the date typed is kept"
    );
    assert!(answer.contains("action=\"/logout\""), "still signed in");
    let res = record(&field, KEL, "rkm", "2024-01-10").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), format!("{page}?done=saved"), "confirmed");
    let html = field.page(&page, StatusCode::OK).await;
    assert!(html.contains("BA-01&#x2f;2024") && html.contains("facilitator-kel"));
    // The next step's record, the page's main action, comes before the
    // table of steps (first on a phone's narrow screen).
    let form = html.find("/steps\"").expect("the next step's form");
    assert!(form < html.find("<table").unwrap(), "{html}");
    assert!(
        !html.contains(&format!("/community/kelurahan/{KEL}/verify")),
        "the kelurahan's facilitator gets no verify button"
    );
    // Women above attendance: refused with the reason.
    let mut bad = step("volunteers", "2024-02-01");
    bad[3].1 = "41".into();
    let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    field
        .post_form_expect(
            &format!("/community/kelurahan/{KEL}/steps"),
            &bad,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;

    // The recorder's own scope is the kelurahan: not a coordinator; the
    // BKM reads but does not verify.
    let bkm = app.login("bkm-user").await;
    for v in [&field, &bkm] {
        assert_eq!(verify(v, "rkm").await.status(), StatusCode::FORBIDDEN);
    }

    let (_, html) = korkot.get_html(&page).await;
    assert!(html.contains(&format!("/community/kelurahan/{KEL}/verify")));
    assert_eq!(verify(&korkot, "rkm").await.status(), StatusCode::SEE_OTHER);
    let again = verify(&korkot, "rkm").await;
    assert_eq!(again.status(), StatusCode::CONFLICT, "verified once");
    let (_, html) = field.get_html(&page).await;
    assert!(html.contains("✓ korkot-serang"));

    // A coordinator who recorded a step never verifies it; another does.
    let res = record(&korkot, KEL, "volunteers", "2024-02-01").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = verify(&korkot, "volunteers").await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    // The detail in the page's language (Indonesian by default).
    assert!(text_of(res)
        .await
        .contains("orang lain yang harus memverifikasinya"));
    let res = bearer(
        &app,
        "facilitator",
        Method::POST,
        &format!("/api/v1/community/kelurahan/{KEL}/verify"),
        json!({"step": "volunteers"}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["verified_by"], "facilitator");

    // The API records the next step and reads the cycle back.
    let res = bearer(
        &app,
        "facilitator-kel",
        Method::POST,
        &format!("/api/v1/community/kelurahan/{KEL}/steps"),
        json!({"step": "poverty_reflection", "done_on": "2024-03-01",
               "attendance": {"total": 30, "women": 12, "poor": 20},
               "documents": [{"title": "Notulen refleksi"}]}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let res = bearer(
        &app,
        "facilitator-kel",
        Method::POST,
        &format!("/api/v1/community/kelurahan/{KEL}/steps"),
        json!({"step": "self_mapping", "done_on": "2024-03-02",
               "attendance": {"total": 3, "women": 4, "poor": 0}}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let cycle: Value = json_of(&bkm, &format!("/api/v1/community/kelurahan/{KEL}")).await;
    assert_eq!(cycle["progress"]["steps_done"], 3);
    assert_eq!(cycle["steps"][0]["record"]["verified_by"], "korkot-serang");
    assert_eq!(cycle["next_step"]["key"], "self_mapping");

    // Every change is in the audit log.
    let audit: Value = json_of(&app.login("auditor").await, "/api/v1/audit").await;
    let actions = column(&audit, "entries", "action");
    assert_eq!(
        actions.iter().filter(|a| a.starts_with("cycle.")).count(),
        5,
        "{actions:?}"
    );
}

#[tokio::test]
async fn progress_in_scope_and_in_public_without_names() {
    let (app, [field, facilitator]) = signed_in(["facilitator-kel", "facilitator"]).await;
    record(&field, KEL, "rkm", "2024-01-10").await;
    // The other kelurahan joins the programme with a target already past.
    posted(
        &facilitator,
        &format!("/community/kelurahan/{OTHER}/plan"),
        &[("starts_on", "2024-01-02"), ("target_rkm", "2024-01-31")],
    )
    .await;
    let all: Value = app
        .anonymous()
        .json("/api/v1/community/progress?as_of=2024-02-15")
        .await;
    assert_eq!(all["kelurahan_count"], 2);
    assert_eq!(all["steps"][0]["key"], "rkm");
    assert_eq!(all["steps"][0]["done"], 1);
    assert_eq!(all["steps"][0]["percent_done"], 50);
    assert_eq!(all["kelurahan"][0]["code"], OTHER, "late kelurahan first");
    assert_eq!(all["kelurahan"][0]["flagged"], true);
    let text = all.to_string();
    assert!(!text.contains("facilitator"), "no names of people");

    let (status, html) = app
        .anonymous()
        .get_html("/community/progress?as_of=2024-02-15")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("50%") && html.contains("KAMASAN"));
    assert!(!html.contains("facilitator-kel"));

    // Regression: a plan of any number of steps was kept, and the public
    // progress compared every step of every plan with every other.
    let steps = |n: usize| -> Vec<Value> {
        (0..n)
            .map(|i| json!({"key": format!("s{i}"), "label": {"id": "langkah", "en": "step"}, "order": i}))
            .collect()
    };
    for (n, status) in [
        (101, StatusCode::UNPROCESSABLE_ENTITY),
        (100, StatusCode::OK),
    ] {
        let res = facilitator
            .send_json(
                Method::PUT,
                &format!("/api/v1/community/kelurahan/{OTHER}/plan"),
                json!({"steps": steps(n)}),
            )
            .await;
        assert_eq!(res.status(), status, "{n} steps");
    }

    // In scope: the kelurahan facilitator sees their own kelurahan only.
    let mine: Value = json_of(&field, "/api/v1/community/cycle?as_of=2024-02-15").await;
    assert_eq!(mine["kelurahan_count"], 1);
    assert_eq!(mine["steps"][0]["percent_done"], 100);
    let html = field.page("/community/cycle", StatusCode::OK).await;
    assert!(html.contains(&format!("/community/kelurahan/{KEL}")));
    assert!(!html.contains(&format!("/community/kelurahan/{OTHER}")));
    // Filtered by area.
    let none: Value = json_of(&facilitator, "/api/v1/community/cycle?area=E10000017").await;
    assert_eq!(none["kelurahan_count"], 0);
    assert_eq!(
        facilitator
            .status("/api/v1/community/cycle?area=nowhere")
            .await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

#[tokio::test]
async fn roles_and_scope_decide_who_reads_and_writes() {
    let (app, [field]) = signed_in(["facilitator-kel"]).await;
    sample_areas(&app);
    assert_eq!(
        upload(&field, KEL, HOUSEHOLDS, ROSTER).await.status(),
        StatusCode::SEE_OTHER
    );
    let kel = format!("/community/kelurahan/{KEL}");
    let other = format!("/community/kelurahan/{OTHER}");
    for (user, path, status) in [
        ("facilitator-kel", kel.clone(), StatusCode::OK),
        ("facilitator-kel", other.clone(), StatusCode::FORBIDDEN),
        (
            "facilitator-kel",
            format!("{other}/mapping"),
            StatusCode::FORBIDDEN,
        ),
        ("bkm-user", kel.clone(), StatusCode::OK),
        ("bkm-user", format!("{kel}/mapping"), StatusCode::OK),
        ("bkm-user", format!("{kel}/ps2"), StatusCode::OK),
        ("bkm-user", other.clone(), StatusCode::FORBIDDEN),
        ("bkm-user", format!("{other}/ps2"), StatusCode::FORBIDDEN),
        ("upk", format!("{kel}/ps2"), StatusCode::OK),
        ("upk", format!("{kel}/mapping"), StatusCode::FORBIDDEN),
        ("auditor", format!("{kel}/ps2"), StatusCode::OK),
        ("auditor", format!("{kel}/mapping"), StatusCode::FORBIDDEN),
        ("auditor-serang", format!("{kel}/ps2"), StatusCode::OK),
        ("analyst", kel.clone(), StatusCode::OK),
        ("analyst", format!("{kel}/ps2"), StatusCode::FORBIDDEN),
        ("analyst-lancs", kel.clone(), StatusCode::FORBIDDEN),
        (
            "admin",
            "/community/cycle".to_owned(),
            StatusCode::FORBIDDEN,
        ),
        ("admin", format!("{kel}/mapping"), StatusCode::FORBIDDEN),
    ] {
        let v = app.login(user).await;
        assert_eq!(v.status(&path).await, status, "{user} {path}");
    }
    // Writes: only the facilitator, only in scope.
    let bkm = app.login("bkm-user").await;
    assert_eq!(
        record(&bkm, KEL, "rkm", "2024-01-10").await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        upload(&bkm, KEL, HOUSEHOLDS, ROSTER).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        record(&field, OTHER, "rkm", "2024-01-10").await.status(),
        StatusCode::FORBIDDEN
    );
    field
        .post_form_expect(
            &format!("{other}/criteria"),
            &[("template", "bps")],
            StatusCode::FORBIDDEN,
        )
        .await;
    // What the pages offer follows the same rules.
    let (_, html) = bkm.get_html(&format!("{kel}/mapping")).await;
    assert!(
        !html.contains("mapping/import"),
        "no upload form for the BKM"
    );
    let (_, html) = field.get_html(&format!("{kel}/mapping")).await;
    assert!(html.contains("mapping/import\" enctype=\"multipart/form-data\""));
    // Anonymous visitors are sent to sign in; the API answers 401.
    let anon = app.anonymous();
    assert_eq!(anon.status(&kel).await, StatusCode::SEE_OTHER);
    assert_eq!(
        anon.status(&format!("/api/v1/community/kelurahan/{KEL}/ps2"))
            .await,
        StatusCode::UNAUTHORIZED
    );
    // Not a kelurahan.
    assert_eq!(
        app.login("facilitator")
            .await
            .status("/community/kelurahan/3604")
            .await,
        StatusCode::NOT_FOUND
    );
}

/// Every head of household's name in the sample export.
pub(crate) fn head_names() -> Vec<String> {
    let mut reader = csv::Reader::from_reader(HOUSEHOLDS);
    let headers = reader.headers().unwrap().clone();
    let col = headers
        .iter()
        .position(|h| h == "household/kk_name")
        .unwrap();
    reader
        .records()
        .map(|r| r.unwrap()[col].to_owned())
        .collect()
}

#[tokio::test]
async fn a_kobo_export_imports_whole_once_and_public_pages_show_counts_only() {
    let (app, [field]) = signed_in(["facilitator-kel"]).await;
    sample_areas(&app);
    let mapping = format!("/community/kelurahan/{KEL}/mapping");

    // A bad export: refused whole, every problem with its line.
    let res = upload(&field, KEL, HOUSEHOLDS_BAD, ROSTER_BAD).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = text_of(res).await;
    assert!(html.contains("households.csv") && html.contains("roster.csv"));
    assert!(
        html.contains("<td>5</td>") && html.contains("RT 009"),
        "{html}"
    );
    assert!(html.contains("<td>42</td>"), "the roster's problems too");
    let data: Value = json_of(
        &field,
        &format!("/api/v1/community/kelurahan/{KEL}/mapping"),
    )
    .await;
    assert_eq!(data["summary"]["kelurahan"]["households"], 0);
    assert_eq!(data["imports"].as_array().unwrap().len(), 0);
    // One file missing.
    let import = format!("/community/kelurahan/{KEL}/mapping/import");
    let form = file_form("households", HOUSEHOLDS, "h.csv");
    let res = field.upload(&import, form).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Without the token: refused.
    let form = reqwest::multipart::Form::new();
    let res = field.post_multipart(&import, form).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // The sample: 30 households, once.
    let res = upload(&field, KEL, HOUSEHOLDS, ROSTER).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to = location(&res);
    assert!(to.starts_with(&format!("{mapping}?import=")), "{to}");
    let html = field.page(&to, StatusCode::OK).await;
    assert!(html.contains("Mulyadi"), "facilitators see the households");
    let res = upload(&field, KEL, HOUSEHOLDS, ROSTER).await;
    assert!(location(&res).ends_with("&again=1"));
    let data: Value = json_of(
        &field,
        &format!("/api/v1/community/kelurahan/{KEL}/mapping"),
    )
    .await;
    assert_eq!(data["summary"]["kelurahan"]["households"], 30);
    assert_eq!(data["summary"]["rts"].as_array().unwrap().len(), 5);
    assert_eq!(
        data["imports"].as_array().unwrap().len(),
        1,
        "the same files once"
    );
    assert_eq!(data["criteria_adopted"], false);
    let poor = data["summary"]["kelurahan"]["poor"].as_u64().unwrap();
    assert!(poor > 0);

    // The PS-2 list: names, for the UPK too.
    let upk = app.login("upk").await;
    let ps2: Value = json_of(&upk, &format!("/api/v1/community/kelurahan/{KEL}/ps2")).await;
    assert_eq!(ps2["poor"].as_array().unwrap().len() as u64, poor);
    let first_poor = ps2["poor"][0]["head_name"].as_str().unwrap().to_owned();
    let (status, html) = app
        .login("upk")
        .await
        .get_html(&format!("/community/kelurahan/{KEL}/ps2"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&first_poor));

    // Public: counts only, never a name or a household id.
    let anon = app.anonymous();
    let public = anon
        .page(&format!("/community/mapping/{KEL}"), StatusCode::OK)
        .await;
    let api = anon.text(&format!("/api/v1/community/mapping/{KEL}")).await;
    // Small cells withheld (issue 10, finding 11): the public totals are
    // the sums of the RTs shown, each with no count between 1 and 4.
    let counts: Value = serde_json::from_str(&api).unwrap();
    let shown: u64 = counts["summary"]["rts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["households"].as_u64().unwrap())
        .sum();
    assert_eq!(counts["summary"]["kelurahan"]["households"], shown);
    assert!(shown <= 30 && counts["min_cell"] == 5);
    for name in head_names() {
        assert!(!public.contains(&name), "the public page shows {name}");
        assert!(!api.contains(&name), "the public API shows {name}");
    }
    assert!(!public.contains("696c63d6-f5ea-4065-877e-f32a3f3f37ea"));
    assert!(!api.contains("696c63d6-f5ea-4065-877e-f32a3f3f37ea"));
    assert!(!public.contains("Kp. Pasir Awi"), "no addresses");

    // Criteria: the community's own, or the BPS template.
    field
        .post_form_expect(
            &format!("/community/kelurahan/{KEL}/criteria"),
            &[(
                "criteria",
                "{\"name\": \"\", \"indicators\": [], \"poor_when_at_least\": 0}",
            )],
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    posted(
        &field,
        &format!("/community/kelurahan/{KEL}/criteria"),
        &[("template", "bps")],
    )
    .await;
    let mut criteria: Value = field
        .get(&format!("/api/v1/community/kelurahan/{KEL}/mapping"))
        .await
        .json::<Value>()
        .await
        .unwrap()["criteria"]
        .clone();
    criteria["name"] = json!("Kriteria warga Umbul Tanjung");
    criteria["poor_when_at_least"] = json!(3);
    let res = field
        .send_json(
            Method::PUT,
            &format!("/api/v1/community/kelurahan/{KEL}/criteria"),
            criteria,
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let data: Value = json_of(
        &field,
        &format!("/api/v1/community/kelurahan/{KEL}/mapping"),
    )
    .await;
    assert_eq!(data["criteria_adopted"], true);
    assert!(data["summary"]["kelurahan"]["poor"].as_u64().unwrap() > poor);
}

#[tokio::test]
async fn community_pages_speak_both_languages() {
    let (app, [field]) = signed_in(["facilitator-kel"]).await;
    sample_areas(&app);
    record(&field, KEL, "rkm", "2024-01-10").await;
    upload(&field, KEL, HOUSEHOLDS, ROSTER).await;
    let bkm = app.login("bkm-user").await;
    let anon = app.anonymous();
    for (lang, words) in [("id", "Pemetaan swadaya"), ("en", "Self-mapping")] {
        for v in [&field, &bkm, &anon] {
            v.get(&format!("/lang/{lang}")).await;
        }
        for (v, path) in [
            (&field, format!("/community/kelurahan/{KEL}/mapping")),
            (&bkm, format!("/community/kelurahan/{KEL}/mapping")),
            (&bkm, format!("/community/kelurahan/{KEL}/ps2")),
            (&field, format!("/community/kelurahan/{KEL}")),
            (&field, "/community/cycle".to_owned()),
            (&anon, format!("/community/mapping/{KEL}")),
            (&anon, "/community/progress".to_owned()),
        ] {
            let (status, html) = v.get_html(&path).await;
            assert_eq!(status, StatusCode::OK, "{path} in {lang}");
            assert!(html.contains(&format!("<html lang=\"{lang}\">")), "{path}");
            assert!(!html.contains("??"), "{path} in {lang} misses a message");
        }
        let (_, html) = field
            .get_html(&format!("/community/kelurahan/{KEL}/mapping"))
            .await;
        assert!(html.contains(words), "{lang}");
        let res = upload(&field, KEL, HOUSEHOLDS_BAD, ROSTER_BAD).await;
        let html = text_of(res).await;
        assert!(html.contains(&format!("<html lang=\"{lang}\">")) && !html.contains("??"));
    }
}

/// The add-a-household form's fields: every indicator of the criteria in
/// force answered (`yes` and `number`), the given members.
pub(crate) async fn household_fields(
    v: &Visitor,
    rt: &str,
    head: &str,
    yes_no: &str,
    number: &str,
    members: &str,
) -> Vec<(String, String)> {
    let data: Value = json_of(v, &format!("/api/v1/community/kelurahan/{KEL}/mapping")).await;
    let mut fields = vec![
        ("rt".to_owned(), rt.to_owned()),
        ("head_name".to_owned(), head.to_owned()),
        ("address".to_owned(), "Kp. Cibogo".to_owned()),
        ("members".to_owned(), members.to_owned()),
    ];
    for i in data["criteria"]["indicators"].as_array().unwrap() {
        let answer = match i["test"]["kind"].as_str().unwrap() {
            "yes_no" => yes_no,
            _ => number,
        };
        fields.push((
            format!("answer_{}", i["key"].as_str().unwrap()),
            answer.to_owned(),
        ));
    }
    fields
}

pub(crate) async fn add_household(v: &Visitor, fields: &[(String, String)]) -> reqwest::Response {
    let fields = borrowed(fields);
    v.post_form(&format!("/community/kelurahan/{KEL}/households"), &fields)
        .await
}

fn with(fields: &[(String, String)], name: &str, value: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> =
        fields.iter().filter(|(k, _)| k != name).cloned().collect();
    out.push((name.to_owned(), value.to_owned()));
    out
}

#[tokio::test]
async fn households_are_typed_in_per_rt_scored_and_removed() {
    let (app, [field]) = signed_in(["facilitator-kel"]).await;
    sample_areas(&app);
    field.get("/lang/en").await;
    let bkm = app.login("bkm-user").await;
    let mapping = format!("/community/kelurahan/{KEL}/mapping");
    let api = format!("/api/v1/community/kelurahan/{KEL}/mapping");
    let rt = AreaCode::parse(KEL).unwrap().rw(3).unwrap().rt(4).unwrap();
    let rt = rt.as_str();

    // The form: for the facilitator, with the kelurahan's RTs.
    let (_, html) = field.get_html(&mapping).await;
    assert!(html.contains(&format!("action=\"/community/kelurahan/{KEL}/households\"")));
    assert!(html.contains("RW 03 · RT 004"), "the RTs by name");
    assert!(html.contains("name=\"answer_floor_area\""));
    let (_, html) = bkm.get_html(&mapping).await;
    assert!(!html.contains(&format!("/community/kelurahan/{KEL}/households")));

    // Poor: every criterion holds (7.5 m² for 2 people, under 8 each).
    let poor = household_fields(
        &field,
        rt,
        "Siti Aminah",
        "yes",
        "7,5",
        "Siti Aminah; P; 41; kepala; 3604014506780001\n\n Rudi ; L; 2010; anak;\n",
    )
    .await;
    let res = add_household(&field, &poor).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to = location(&res);
    assert!(to.starts_with(&format!("{mapping}?added=manual-1")), "{to}");
    let html = field.page(&to, StatusCode::OK).await;
    assert!(html.contains("Household added: Siti Aminah"), "{html}");
    assert!(html.contains("Typed in"));
    // Not poor: every criterion answered no.
    let not_poor = household_fields(
        &field,
        rt,
        "Jaka Sembung",
        "no",
        "60",
        "Jaka Sembung; M; 1980; head",
    )
    .await;
    let res = add_household(&field, &not_poor).await;
    assert!(location(&res).contains("added=manual-2"));

    let data: Value = json_of(&field, &api).await;
    let k = &data["summary"]["kelurahan"];
    assert_eq!(
        (k["households"].as_u64(), k["poor"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(k["not_poor"], 1);
    assert_eq!(k["members"], 3);
    assert_eq!(k["women"], 1);
    let rt_row = item(&data["summary"], "rts", "area", rt);
    assert_eq!(rt_row["households"], 2);
    let siti = item(&data, "households", "id", "manual-1");
    assert_eq!(siti["classification"], "poor");
    assert_eq!(siti["holds"], 14);
    assert_eq!(siti["import"], Value::Null);
    let ps2: Value = json_of(&bkm, &format!("/api/v1/community/kelurahan/{KEL}/ps2")).await;
    let names = column(&ps2, "poor", "head_name");
    assert_eq!(names, ["Siti Aminah"]);

    // Refused with 422, the form kept, every problem next to its field.
    let bad = with(
        &poor,
        "members",
        "Sari; P; 41; kepala\nRudi; X; 2010; anak\nAni; P; 300; cucu; 123\nonly a name",
    );
    let res = add_household(&field, &bad).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = text_of(res).await;
    assert_has_all(
        &html,
        &[
            "Line 2: &quot;X&quot;: is not a sex",
            "Line 3: &quot;300&quot;: is not an age",
            "Line 3: &quot;123&quot;: is not a NIK",
            "Line 4: needs name; sex",
        ],
    );
    assert!(!html.contains("Line 1:"), "the first line is fine");
    assert!(
        html.contains("Sari; P; 41; kepala"),
        "the form keeps what was typed"
    );
    let res = add_household(&field, &with(&poor, "members", " \n")).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text_of(res).await.contains("Write at least one member"));
    let other_rt = AreaCode::parse(OTHER)
        .unwrap()
        .rw(3)
        .unwrap()
        .rt(4)
        .unwrap();
    let res = add_household(&field, &with(&poor, "rt", other_rt.as_str())).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = text_of(res).await;
    assert!(html.contains("is not an RT of this kelurahan"), "{html}");
    assert!(html.contains(other_rt.as_str()));
    let res = add_household(&field, &with(&poor, "rt", "")).await;
    assert!(text_of(res).await.contains("Choose the RT."));
    let res = add_household(&field, &with(&poor, "answer_floor_area", "lots")).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text_of(res)
        .await
        .contains("&quot;lots&quot;: is not a number"));
    // An id already taken: the store's check, on the form.
    let res = add_household(&field, &with(&poor, "id", "kk-7")).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = add_household(&field, &with(&poor, "id", "kk-7")).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text_of(res).await.contains("already mapped"));
    // In Indonesian too.
    field.get("/lang/id").await;
    let res = add_household(&field, &bad).await;
    let html = text_of(res).await;
    assert!(html.contains("Baris 2: &quot;X&quot;: bukan jenis kelamin") && !html.contains("??"));
    field.get("/lang/en").await;

    // The API takes the Household JSON; the id is optional.
    let body = json!({
        "rt": rt, "head_name": "Ujang", "address": "Kp. Cibogo",
        "answers": {"floor_area": 30, "toilet": true},
        "members": [{"name": "Ujang", "sex": "male", "age": {"years": 52}, "relation": "head"}],
    });
    let path = format!("/api/v1/community/kelurahan/{KEL}/households");
    let res = bearer(&app, "facilitator-kel", Method::POST, &path, body.clone()).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["household"]["id"], "manual-4");
    assert_eq!(created["score"]["classification"], "incomplete");
    let mut wrong = body.clone();
    wrong["rt"] = json!(other_rt.as_str());
    let res = bearer(&app, "facilitator-kel", Method::POST, &path, wrong).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json::<Value>().await.unwrap()["error"]["field"], "rt");
    let mut wrong = body.clone();
    wrong["answers"]["toilet"] = json!(3);
    let res = bearer(&app, "facilitator-kel", Method::POST, &path, wrong).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let err: Value = res.json().await.unwrap();
    assert_eq!(err["error"]["field"], "answers");
    assert!(err["error"]["detail"].as_str().unwrap().contains("toilet"));

    // Permission and scope: the BKM reads only; not another kelurahan.
    assert_eq!(
        add_household(&bkm, &poor).await.status(),
        StatusCode::FORBIDDEN
    );
    bkm.post_form_expect(
        &format!("/community/kelurahan/{KEL}/households/remove"),
        &[("household", "manual-1"), ("confirm", "1")],
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_eq!(
        bearer(&app, "bkm-user", Method::POST, &path, body.clone())
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let fields: Vec<(&str, &str)> = poor.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    field
        .post_form_expect(
            &format!("/community/kelurahan/{OTHER}/households"),
            &fields,
            StatusCode::FORBIDDEN,
        )
        .await;

    // Removed: confirmed, then gone from the counts and the PS-2 list.
    let remove = format!("/community/kelurahan/{KEL}/households/remove");
    // Not confirmed
    field
        .post_form_expect(
            &remove,
            &[("household", "manual-1")],
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    let to = posted(
        &field,
        &remove,
        &[("household", "manual-1"), ("confirm", "1")],
    )
    .await;
    assert!(
        to.starts_with(&format!("{mapping}?removed=manual-1")),
        "{to}"
    );
    let (_, html) = field.get_html(&to).await;
    assert!(html.contains("Household removed: manual-1"));
    field
        .post_form_expect(
            &remove,
            &[("household", "manual-1"), ("confirm", "1")],
            StatusCode::NOT_FOUND,
        )
        .await;
    let data: Value = json_of(&field, &api).await;
    assert_eq!(data["summary"]["kelurahan"]["households"], 3);
    assert!(data["households"]
        .as_array()
        .unwrap()
        .iter()
        .all(|h| h["id"] != "manual-1"));
    let ps2: Value = json_of(&bkm, &format!("/api/v1/community/kelurahan/{KEL}/ps2")).await;
    assert_eq!(ps2["poor"].as_array().unwrap().len(), 1, "kk-7 only");
    assert_eq!(ps2["poor"][0]["household_id"], "kk-7");
}

#[tokio::test]
async fn an_imported_household_can_be_removed() {
    let (app, [field]) = signed_in(["facilitator-kel"]).await;
    sample_areas(&app);
    upload(&field, KEL, HOUSEHOLDS, ROSTER).await;
    let api = format!("/api/v1/community/kelurahan/{KEL}/mapping");
    let data: Value = json_of(&field, &api).await;
    let first = &data["households"][0];
    assert!(first["import"].as_i64().is_some(), "{first}");
    let id = first["id"].as_str().unwrap().to_owned();
    let (_, html) = field
        .get_html(&format!("/community/kelurahan/{KEL}/mapping"))
        .await;
    assert!(html.contains(&format!("name=\"household\" value=\"{id}\"")));
    posted(
        &field,
        &format!("/community/kelurahan/{KEL}/households/remove"),
        &[("household", &id), ("confirm", "1")],
    )
    .await;
    let data: Value = json_of(&field, &api).await;
    assert_eq!(data["summary"]["kelurahan"]["households"], 29);
}

/// The progress "as of today" takes today from the store's clock, so a
/// server whose clock is fixed answers for that day (the page once read
/// the system clock directly).
#[tokio::test]
async fn progress_as_of_today_follows_the_clock() {
    let at: jiff::Timestamp = "2025-01-15T12:00:00Z".parse().unwrap();
    let app = crate::support::spawn_app_at(
        lumbung_web::WebConfig::default(),
        lumbung_domain::Clock::fixed(at),
    )
    .await;
    let res = app.anonymous().get("/api/v1/community/progress").await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    let today = lumbung_domain::Clock::fixed(at).today().to_string();
    assert_eq!(body["as_of"], json!(today), "{body}");
}

/// The criteria are edited as a form: each indicator a row (labels, a
/// yes/no or a number test), new ones in the empty rows, "poor when at
/// least k"; a refused form comes back with every problem in the
/// visitor's language and everything typed kept.
#[tokio::test]
async fn criteria_are_edited_in_a_form_and_problems_come_back_beside_it() {
    let (_app, [field]) = signed_in(["facilitator-kel"]).await;
    let page = format!("/community/kelurahan/{KEL}/mapping");
    let html = field.page(&page, StatusCode::OK).await;
    assert!(html.contains("id=\"criteria-form\"") && html.contains("name=\"label_id_0\""));
    assert!(
        !html.contains("<small>floor_area</small>"),
        "no internal key shown"
    );
    let action = format!("/community/kelurahan/{KEL}/criteria");
    // Two indicators: a yes/no one and a number per member; one too many asked.
    let rows: &[(&str, &str)] = &[
        ("name", "Kriteria warga"),
        ("label_id_0", "Lantai tanah"),
        ("label_en_0", "Earth floor"),
        ("kind_0", "yes_no"),
        ("holds_0", "yes"),
        ("label_id_1", "Luas lantai sempit"),
        ("label_en_1", "Small floor"),
        ("kind_1", "number"),
        ("op_1", "<"),
        ("threshold_1", "8,5"),
        ("unit_1", "m²"),
        ("per_member_1", "1"),
        ("label_id_2", ""),
        ("label_en_2", ""),
        ("kind_2", "yes_no"),
    ];
    let mut too_many = rows.to_vec();
    too_many.push(("poor_when_at_least", "3"));
    let answer = field
        .post_form_expect(&action, &too_many, StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert_has_all(&answer, &["id=\"criteria-errors\"", "3 dari 2 indikator"]);
    assert!(
        answer.contains("value=\"Luas lantai sempit\""),
        "typed kept"
    );
    assert!(answer.contains("value=\"8,5\""), "typed kept");
    assert!(answer.contains("action=\"/logout\""), "still signed in");

    let mut fine = rows.to_vec();
    fine.push(("poor_when_at_least", "1"));
    let res = field.post_form(&action, &fine).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(location(&res).contains("done=criteria"));
    let data: Value = field
        .json(&format!("/api/v1/community/kelurahan/{KEL}/mapping"))
        .await;
    let c = &data["criteria"];
    assert_eq!(c["name"], "Kriteria warga");
    assert_eq!(c["poor_when_at_least"], 1);
    assert_eq!(
        column(c, "indicators", "key"),
        ["lantai_tanah", "luas_lantai_sempit"]
    );
    assert_eq!(c["indicators"][1]["test"]["threshold"], json!(8.5));
    assert_eq!(c["indicators"][1]["test"]["per_member"], true);
    // Editing again keeps the keys of the rows in force and removes one.
    let html = field.page(&page, StatusCode::OK).await;
    assert!(
        html.contains("name=\"key_1\" value=\"luas_lantai_sempit\""),
        "{html}"
    );
    posted(
        &field,
        &action,
        &[
            ("name", "Kriteria warga"),
            ("key_0", "lantai_tanah"),
            ("existing_0", "1"),
            ("label_id_0", "Lantai tanah"),
            ("label_en_0", "Earth floor"),
            ("kind_0", "yes_no"),
            ("remove_0", "1"),
            ("key_1", "luas_lantai_sempit"),
            ("existing_1", "1"),
            ("label_id_1", "Luas lantai sempit sekali"),
            ("label_en_1", "Very small floor"),
            ("kind_1", "number"),
            ("op_1", "<="),
            ("threshold_1", "6"),
            ("poor_when_at_least", "1"),
        ],
    )
    .await;
    let data: Value = field
        .json(&format!("/api/v1/community/kelurahan/{KEL}/mapping"))
        .await;
    let indicators = data["criteria"]["indicators"].as_array().unwrap();
    assert_eq!(indicators.len(), 1);
    assert_eq!(indicators[0]["key"], "luas_lantai_sempit");
    assert_eq!(indicators[0]["label"]["id"], "Luas lantai sempit sekali");
}
