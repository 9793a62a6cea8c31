//! `spawn_app`: the real server on a random port over a fresh database,
//! seeded with a small area tree, organisations and one user per role.

use lumbung_domain::Clock;
use lumbung_domain::{AreaCode, AreaKind, AreaRecord, OrgKind, Password, Role, Username};
use lumbung_store::{Actor, OrgInput, PasswordCost, ScopeRef, Store};
use reqwest::redirect::Policy;
use reqwest::{Client, StatusCode};
use std::collections::BTreeMap;

// Shared with the command-line suites.
pub use crate::common::{assert_has_all, column, item};

pub const PASSWORD: &str = "test-password-123";

pub struct TestApp {
    pub base: String,
    pub store: Store,
    pub preston_council: i64,
    pub bkm: i64,
    pub upk: i64,
    _dir: tempfile::TempDir,
    /// The PostgreSQL database when the suite runs there
    /// (`LUMBUNG_TEST_WEB_PG=1` beside `LUMBUNG_TEST_PG`).
    pg: Option<std::sync::Arc<crate::common::PgDatabase>>,
}

/// Whether this run of the web suite is on PostgreSQL.
fn on_postgres() -> bool {
    std::env::var("LUMBUNG_TEST_WEB_PG").is_ok_and(|v| v == "1")
}

/// A visitor with their own cookie jar; `csrf` is set after sign-in.
pub struct Visitor {
    pub client: Client,
    pub base: String,
    pub csrf: Option<String>,
}

/// An area as a file line gives it.
pub fn area(line: u64, code: &str, name: &str, parent: Option<&str>, kind: &str) -> AreaRecord {
    let parse = |code: &str| AreaCode::parse(code).unwrap();
    AreaRecord {
        line,
        code: parse(code),
        name: name.into(),
        parent: parent.map(parse),
        kind: Some(AreaKind::parse(kind).unwrap()),
    }
}

/// Imports `records` as the file `file` would, by the command line.
pub fn import_areas(store: &Store, file: &str, records: Vec<AreaRecord>) {
    let cli = Actor::cli();
    let no_progress = &mut |_, _| {};
    let summary = store.import_areas(file, records, vec![], vec![], &cli, no_progress);
    summary.unwrap();
}

pub fn org(name: &str, kind: OrgKind, area: &str, parent: Option<i64>) -> OrgInput {
    OrgInput {
        name: name.into(),
        kind,
        area_code: Some(AreaCode::parse(area).unwrap()),
        parent_id: parent.map(lumbung_domain::OrgId::new),
        company_number: None,
        npwp: None,
        attributes: BTreeMap::new(),
    }
}

/// The users of the seed: `<role>` with the whole system as scope, and
/// scoped ones named after their scope.
pub const SCOPED_USERS: &[(&str, &str)] = &[
    ("admin-serang", "admin"),
    ("auditor-serang", "auditor"),
    ("analyst-lancs", "analyst"),
    ("bkm-user", "bkm"),
    ("facilitator-kel", "facilitator"),
];

pub async fn spawn_app() -> TestApp {
    spawn_app_with(lumbung_web::WebConfig::default()).await
}

/// [`spawn_app`] with chosen server settings.
pub async fn spawn_app_with(config: lumbung_web::WebConfig) -> TestApp {
    spawn_app_at(config, Clock::system()).await
}

/// The database every test starts from, made off the async runtime (a
/// PostgreSQL connection blocks its thread, as the web app's workers do);
/// `base` is left empty until the server listens.
fn seed(clock: Clock, postgres: bool) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let pg = postgres.then(|| std::sync::Arc::new(crate::common::PgDatabase::new()));
    // Requests within a test run one after another; a short wait for the
    // write lock lets the busy-database test finish quickly.
    // The least password cost: the seed alone hashes ten passwords.
    let store = match &pg {
        Some(pg) => Store::open_postgres(&pg.url),
        None => Store::open_with(
            &dir.path().join("test.db"),
            std::time::Duration::from_millis(300),
        ),
    }
    .unwrap()
    .with_clock(clock)
    .with_password_cost(PasswordCost::TestsOnly);
    let cli = Actor::cli();
    let kel = "3604010001";
    import_areas(
        &store,
        "seed.csv",
        vec![
            area(2, "ID", "Indonesia", None, "country"),
            area(3, "36", "BANTEN", Some("ID"), "province"),
            area(4, "3604", "KABUPATEN SERANG", Some("36"), "regency"),
            area(5, "3604010", "CINANGKA", Some("3604"), "district"),
            area(6, kel, "UMBUL TANJUNG", Some("3604010"), "kelurahan"),
            area(7, "3604010001.01", "RW 01", Some(kel), "rw"),
            area(
                8,
                "3604010001.01.001",
                "RT 001",
                Some("3604010001.01"),
                "rt",
            ),
            area(9, "3604010002", "KAMASAN", Some("3604010"), "kelurahan"),
            area(10, "UK", "United Kingdom", None, "country"),
            area(11, "E10000017", "Lancashire", Some("UK"), "county"),
            area(12, "E07000123", "Preston", Some("E10000017"), "district"),
        ],
    );
    let mut council = org("Preston City Council", OrgKind::Anchor, "E07000123", None);
    council.attributes.insert("employees".into(), "1200".into());
    let preston_council = store.create_org(&council, &cli).unwrap().id.get();
    let mut bkm = org("BKM Umbul Sejahtera", OrgKind::Bkm, kel, None);
    bkm.npwp = Some(lumbung_domain::Npwp::parse("01.234.567.8-901.000").unwrap());
    let bkm = store.create_org(&bkm, &cli).unwrap().id.get();
    let upk = store
        .create_org(
            &org("UPK Umbul Sejahtera", OrgKind::Upk, kel, Some(bkm)),
            &cli,
        )
        .unwrap()
        .id
        .get();

    let pw = Password::parse(PASSWORD).unwrap();
    for role in Role::ALL {
        store
            .create_user(
                &Username::parse(role.as_str()).unwrap(),
                &pw,
                role,
                &ScopeRef::Global,
                &cli,
            )
            .unwrap();
    }
    let scopes = [
        ScopeRef::Area(AreaCode::parse("3604").unwrap()),
        ScopeRef::Area(AreaCode::parse("3604").unwrap()),
        ScopeRef::Area(AreaCode::parse("E10000017").unwrap()),
        in_org(bkm),
        ScopeRef::Area(AreaCode::parse(kel).unwrap()),
    ];
    for ((name, role), scope) in SCOPED_USERS.iter().zip(scopes) {
        store
            .create_user(
                &Username::parse(name).unwrap(),
                &pw,
                Role::parse(role).unwrap(),
                &scope,
                &cli,
            )
            .unwrap();
    }

    TestApp {
        base: String::new(),
        store,
        preston_council,
        bkm,
        upk,
        _dir: dir,
        pg,
    }
}

/// [`spawn_app_with`] on a chosen clock (`Clock::fixed` fixes "today").
pub async fn spawn_app_at(config: lumbung_web::WebConfig, clock: Clock) -> TestApp {
    spawn_app_on(config, clock, on_postgres()).await
}

/// [`spawn_app`] on PostgreSQL whichever backend the suite runs on, with
/// `read_replica` naming the read replica the server is given: the URL of
/// a database on the server `LUMBUNG_TEST_PG` names or another, with the
/// app's own database's URL when `None`.
pub async fn spawn_app_with_replica(read_replica: impl FnOnce(&str) -> String) -> TestApp {
    let mut app = std::thread::spawn(|| seed(Clock::system(), true))
        .join()
        .unwrap();
    let url = read_replica(&app.pg.as_ref().unwrap().url);
    // A hot standby holds the new database once it has replayed it. Its
    // replay may wait out a conflict with another test's query on it (up
    // to `max_standby_streaming_delay`, 30 s, each): a generous deadline.
    let replica = std::thread::spawn(move || {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(180);
        loop {
            match Store::open_replica(&url) {
                Ok(replica) => return replica,
                Err(e) if std::time::Instant::now() > deadline => panic!("the replica: {e}"),
                Err(_) => std::thread::sleep(std::time::Duration::from_millis(100)),
            }
        }
    })
    .join()
    .unwrap();
    let config = lumbung_web::WebConfig {
        read_replica: Some(replica),
        ..Default::default()
    };
    app.base = serve(app.store.clone(), config).await;
    app
}

async fn spawn_app_on(config: lumbung_web::WebConfig, clock: Clock, postgres: bool) -> TestApp {
    let mut app = std::thread::spawn(move || seed(clock, postgres))
        .join()
        .unwrap();
    app.base = serve(app.store.clone(), config).await;
    app
}

/// Serves `store` on a free port; returns the server's address.
async fn serve(store: Store, config: lumbung_web::WebConfig) -> String {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(std::env::var("LUMBUNG_TEST_LOG").unwrap_or_else(|_| "error".into()))
        .with_test_writer()
        .try_init();
    let listener = lumbung_web::bind("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(lumbung_web::serve(store, config, listener));
    base
}

/// A fresh app with `users` signed in, each with their own cookie jar.
pub async fn signed_in<const N: usize>(users: [&str; N]) -> (TestApp, [Visitor; N]) {
    let app = spawn_app().await;
    let mut visitors = Vec::with_capacity(N);
    for user in users {
        visitors.push(app.login(user).await);
    }
    let Ok(visitors) = visitors.try_into() else {
        unreachable!("one visitor a user")
    };
    (app, visitors)
}

/// The value of the first `name="csrf" value="…"` in a page.
pub fn csrf_in(html: &str) -> Option<String> {
    let at = html.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    Some(html[at..].split('"').next()?.to_owned())
}

/// Where a redirect points (empty when there is none).
pub fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

/// The id an address ends with, without its query (`/fund/ksm/7?done=saved`
/// → `7`).
pub fn last_segment(to: &str) -> &str {
    let path = to.split('?').next().unwrap_or(to);
    path.rsplit('/').next().unwrap_or(path)
}

/// Posts a form that must redirect (303); returns where to.
pub async fn posted(v: &Visitor, path: &str, fields: &[(&str, &str)]) -> String {
    let res = v.post_form(path, fields).await;
    let status = res.status();
    let to = location(&res);
    assert_eq!(
        status,
        StatusCode::SEE_OTHER,
        "{path}: {}",
        res.text().await.unwrap()
    );
    to
}

/// The scope of the area `code`.
pub fn in_area(code: &str) -> ScopeRef {
    ScopeRef::Area(AreaCode::parse(code).unwrap())
}

/// The scope of organisation `id` and those under it.
pub fn in_org(id: i64) -> ScopeRef {
    ScopeRef::Org(lumbung_domain::OrgId::new(id))
}

/// Owned form fields as `post_form` takes them.
pub fn borrowed(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

/// The body of `res`, the answer to `path`, which must have `status`.
pub async fn expect_status(path: &str, res: reqwest::Response, status: StatusCode) -> String {
    let got = res.status();
    let body = res.text().await.unwrap();
    assert_eq!(got, status, "{path}: {body}");
    body
}

/// The body of an answer as text.
pub async fn text_of(res: reqwest::Response) -> String {
    res.text().await.unwrap()
}

/// A file part of a multipart form.
pub fn file_part(bytes: &[u8], name: &str) -> reqwest::multipart::Part {
    reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_owned())
}

/// A multipart form of one file, in the field `field`.
pub fn file_form(field: &str, bytes: &[u8], name: &str) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new().part(field.to_owned(), file_part(bytes, name))
}

/// The JSON of a GET that must answer 200.
pub async fn json_of(v: &Visitor, path: &str) -> serde_json::Value {
    let res = v.get(path).await;
    assert_eq!(res.status(), StatusCode::OK, "{path}");
    res.json().await.unwrap()
}

impl TestApp {
    /// A second server over the same database, as another process would
    /// serve it (nothing shared but the database); the same users and
    /// data. Returns an app whose visitors talk to the second server.
    pub async fn another_server(&self) -> TestApp {
        let (pg, dir) = (self.pg.clone(), self._dir.path().join("test.db"));
        let store = std::thread::spawn(move || match pg {
            Some(pg) => Store::open_postgres(&pg.url),
            None => Store::open(&dir),
        })
        .join()
        .unwrap()
        .unwrap()
        .with_password_cost(PasswordCost::TestsOnly);
        let listener = lumbung_web::bind("127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(lumbung_web::serve(
            store.clone(),
            lumbung_web::WebConfig::default(),
            listener,
        ));
        TestApp {
            base,
            store,
            preston_council: self.preston_council,
            bkm: self.bkm,
            upk: self.upk,
            _dir: tempfile::tempdir().unwrap(),
            pg: self.pg.clone(),
        }
    }

    pub fn anonymous(&self) -> Visitor {
        Visitor {
            client: Client::builder()
                .cookie_store(true)
                .redirect(Policy::none())
                .build()
                .unwrap(),
            base: self.base.clone(),
            csrf: None,
        }
    }

    /// Signs in through the sign-in form, as a browser would.
    pub async fn login(&self, username: &str) -> Visitor {
        self.login_with(username, PASSWORD).await
    }

    /// Signs in through the sign-in form with `password`.
    pub async fn login_with(&self, username: &str, password: &str) -> Visitor {
        let mut v = self.anonymous();
        let res = v.sign_in(username, password).await.send().await.unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "sign-in of {username}");
        let me: serde_json::Value = v.get("/api/v1/me").await.json().await.unwrap();
        v.csrf = Some(me["csrf_token"].as_str().unwrap().to_owned());
        v
    }

    /// Adds an organisation of `kind` named `name` in the area `area`,
    /// by the command line; its id.
    pub fn add_org(&self, name: &str, kind: OrgKind, area: &str) -> i64 {
        let org = self
            .store
            .create_org(&org(name, kind, area, None), &Actor::cli());
        org.unwrap().id.get()
    }

    /// The id of the user named `name`.
    pub fn user_id(&self, name: &str) -> lumbung_domain::UserId {
        let name = Username::parse(name).unwrap();
        self.store.user_by_name(&name).unwrap().unwrap().id
    }

    /// The user named `name`, made by an admin with the test password,
    /// has chosen it as their own (what `/account/password` does), so that
    /// a test of something else can sign them in and go on.
    pub fn owns_password(&self, name: &str) {
        let name = Username::parse(name).unwrap();
        let user = self.store.user_by_name(&name).unwrap().unwrap();
        assert!(user.password_temporary, "{name} was made by an admin");
        let pw = Password::parse(PASSWORD).unwrap();
        self.store.change_own_password(&user, &pw, "").unwrap();
    }

    /// Adds a user with the test password, `role` and `scope`.
    pub fn add_user(&self, name: &str, role: Role, scope: ScopeRef) -> lumbung_domain::UserId {
        let pw = Password::parse(PASSWORD).unwrap();
        let name = Username::parse(name).unwrap();
        let cli = Actor::cli();
        let user = self.store.create_user(&name, &pw, role, &scope, &cli);
        user.unwrap().id
    }

    /// A request to `path` with a bearer token (no cookie, no CSRF token).
    pub fn bearer(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
    ) -> reqwest::RequestBuilder {
        let url = format!("{}{path}", self.base);
        self.anonymous()
            .client
            .request(method, url)
            .bearer_auth(token)
    }

    /// POSTs a payment file as it is to the spend import API (`query`
    /// names it and its anchor) with a bearer token.
    pub async fn import_spend(
        &self,
        token: &str,
        query: &str,
        file: impl Into<reqwest::Body>,
    ) -> reqwest::Response {
        let path = format!("/api/v1/spend/imports?{query}");
        let req = self.bearer(reqwest::Method::POST, &path, token);
        req.body(file).send().await.unwrap()
    }

    /// The JSON sign-in's answer.
    pub async fn api_sign_in(&self, username: &str, password: &str) -> reqwest::Response {
        let body = serde_json::json!({"username": username, "password": password});
        let req = self
            .anonymous()
            .client
            .post(format!("{}/api/v1/session", self.base));
        req.json(&body).send().await.unwrap()
    }

    /// A bearer token from the JSON sign-in.
    pub async fn token(&self, username: &str) -> String {
        self.token_with(username, PASSWORD).await
    }

    /// A bearer token from the JSON sign-in with `password`.
    pub async fn token_with(&self, username: &str, password: &str) -> String {
        let res = self.api_sign_in(username, password).await;
        assert_eq!(res.status(), StatusCode::OK);
        let body: serde_json::Value = res.json().await.unwrap();
        body["token"].as_str().unwrap().to_owned()
    }
}

impl Visitor {
    /// The sign-in form as a browser sends it, with a fresh form's CSRF
    /// token; ready to send (or to add a header to).
    pub async fn sign_in(&self, username: &str, password: &str) -> reqwest::RequestBuilder {
        let form = self.get("/login").await;
        assert_eq!(form.status(), StatusCode::OK);
        let token = csrf_in(&form.text().await.unwrap()).expect("sign-in form has a CSRF token");
        self.sign_in_with(username, password, &token)
    }

    /// The sign-in form with the CSRF token `csrf`, whatever it is.
    pub fn sign_in_with(
        &self,
        username: &str,
        password: &str,
        csrf: &str,
    ) -> reqwest::RequestBuilder {
        self.client.post(format!("{}/login", self.base)).form(&[
            ("username", username),
            ("password", password),
            ("next", "/"),
            ("csrf", csrf),
        ])
    }

    /// GETs a path; an API answer is checked against the OpenAPI document.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        let res = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        crate::contract::checked("GET", path, res).await
    }

    /// The JSON of a GET, whatever its status.
    pub async fn json(&self, path: &str) -> serde_json::Value {
        self.get(path).await.json().await.unwrap()
    }

    /// The status of a GET.
    pub async fn status(&self, path: &str) -> StatusCode {
        self.get(path).await.status()
    }

    /// The body of a GET as text, whatever its status.
    pub async fn text(&self, path: &str) -> String {
        self.get(path).await.text().await.unwrap()
    }

    /// The HTML of a GET that must answer `status`.
    pub async fn page(&self, path: &str, status: StatusCode) -> String {
        let (got, html) = self.get_html(path).await;
        assert_eq!(got, status, "{path}");
        html
    }

    pub async fn get_html(&self, path: &str) -> (StatusCode, String) {
        let res = self.get(path).await;
        (res.status(), res.text().await.unwrap())
    }

    /// Posts a form with this visitor's CSRF token added.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut fields: Vec<(&str, &str)> = fields.to_vec();
        if let Some(csrf) = &self.csrf {
            fields.push(("csrf", csrf));
        }
        self.post_form_as_is(path, &fields).await
    }

    /// Posts a form (CSRF token added) that must answer `status`; returns
    /// the body of the answer.
    pub async fn post_form_expect(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        status: StatusCode,
    ) -> String {
        expect_status(path, self.post_form(path, fields).await, status).await
    }

    /// Posts a form as it is: no CSRF token added.
    pub async fn post_form_as_is(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let url = format!("{}{path}", self.base);
        self.client.post(url).form(fields).send().await.unwrap()
    }

    /// POSTs JSON with the session cookie alone: no CSRF header.
    pub async fn post_json_as_is(&self, path: &str, body: serde_json::Value) -> reqwest::Response {
        let url = format!("{}{path}", self.base);
        self.client.post(url).json(&body).send().await.unwrap()
    }

    /// Posts a multipart form as it is (no CSRF token added).
    pub async fn post_multipart(
        &self,
        path: &str,
        form: reqwest::multipart::Form,
    ) -> reqwest::Response {
        let url = format!("{}{path}", self.base);
        self.client.post(url).multipart(form).send().await.unwrap()
    }

    /// Uploads a multipart form with the CSRF token in the query, as the
    /// upload forms send it.
    pub async fn upload(&self, path: &str, form: reqwest::multipart::Form) -> reqwest::Response {
        let csrf = self.csrf.as_deref().unwrap_or_default();
        let glue = if path.contains('?') { '&' } else { '?' };
        self.post_multipart(&format!("{path}{glue}csrf={csrf}"), form)
            .await
    }

    /// POSTs JSON with the CSRF header (see [`Visitor::send_json`]).
    pub async fn post_json(&self, path: &str, body: serde_json::Value) -> reqwest::Response {
        self.send_json(reqwest::Method::POST, path, body).await
    }

    /// POSTs JSON with the CSRF header that must answer `status`; returns
    /// the body of the answer.
    pub async fn post_json_expect(
        &self,
        path: &str,
        body: serde_json::Value,
        status: StatusCode,
    ) -> String {
        expect_status(path, self.post_json(path, body).await, status).await
    }

    /// POSTs JSON with the CSRF header that must answer `status`; the
    /// answer's JSON.
    pub async fn post_json_answer(
        &self,
        path: &str,
        body: serde_json::Value,
        status: StatusCode,
    ) -> serde_json::Value {
        let text = self.post_json_expect(path, body, status).await;
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}: {text}"))
    }

    /// Sends JSON with the CSRF header, as a script in the page would.
    pub async fn send_json(
        &self,
        method: reqwest::Method,
        path: &str,
        body: serde_json::Value,
    ) -> reqwest::Response {
        let mut req = self
            .client
            .request(method.clone(), format!("{}{path}", self.base))
            .json(&body);
        if let Some(csrf) = &self.csrf {
            req = req.header("x-csrf-token", csrf);
        }
        let res = req.send().await.unwrap();
        crate::contract::checked(method.as_str(), path, res).await
    }
}
