//! The API keeps its word: every API answer the web tests see through the
//! [`crate::support::Visitor`] helpers is checked against the OpenAPI
//! document (`/api/v1/openapi.json`): a typed operation answers only the
//! statuses it documents, each with a body inside its schema.

use reqwest::StatusCode;
use serde_json::{json, Value};
use std::sync::OnceLock;

fn document() -> &'static Value {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    DOCUMENT.get_or_init(lumbung_web::openapi_document)
}

/// The documented operation for a concrete request path: the template
/// that matches it with the fewest `{parameters}`.
fn operation(method: &str, path: &str) -> Option<(&'static str, &'static Value)> {
    let path = path.split('?').next().unwrap_or_default();
    let segments: Vec<&str> = path.split('/').collect();
    let method = method.to_lowercase();
    document()["paths"]
        .as_object()?
        .iter()
        .filter_map(|(template, item)| {
            let parts: Vec<&str> = template.split('/').collect();
            let matches = parts.len() == segments.len()
                && parts
                    .iter()
                    .zip(&segments)
                    .all(|(t, s)| t == s || (t.starts_with('{') && !s.is_empty()));
            let op = item.get(&method)?;
            matches.then(|| {
                (
                    parts.iter().filter(|t| t.starts_with('{')).count(),
                    template,
                    op,
                )
            })
        })
        .min_by_key(|(wild, _, _)| *wild)
        .map(|(_, template, op)| (template.as_str(), op))
}

/// Panics when the answer to `method path` breaks the document: a status it
/// does not list, or a body outside the status's schema. Operations not
/// typed yet (documented with a loose `4XX`) are not checked.
pub fn check(method: &str, path: &str, status: StatusCode, body: &[u8]) {
    let Some((template, op)) = operation(method, path) else {
        return;
    };
    let responses = &op["responses"];
    if responses.get("4XX").is_some() {
        return;
    }
    let answer = responses
        .get(status.as_str())
        .unwrap_or_else(|| panic!("{method} {path}: {status} is not documented for {template}"));
    let Some(schema) = answer.pointer("/content/application~1json/schema") else {
        assert!(body.is_empty(), "{method} {path}: {status} has no body");
        return;
    };
    let value: Value = serde_json::from_slice(body)
        .unwrap_or_else(|e| panic!("{method} {path}: {status} is not JSON: {e}"));
    let root = json!({"components": document()["components"], "allOf": [schema]});
    let validator = jsonschema::validator_for(&root).expect("the document's schemas compile");
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{method} {path} ({template}): {status} outside its schema: {errors:?}\n{value}"
    );
}

/// Reads an answer, checks it, and gives it back whole.
pub async fn checked(method: &str, path: &str, res: reqwest::Response) -> reqwest::Response {
    if !path.starts_with("/api/") && path != "/health" {
        return res;
    }
    let status = res.status();
    let headers = res.headers().clone();
    let body = res.bytes().await.unwrap();
    check(method, path, status, &body);
    let mut rebuilt = http::Response::new(body);
    *rebuilt.status_mut() = status;
    *rebuilt.headers_mut() = headers;
    reqwest::Response::from(rebuilt)
}

#[tokio::test]
async fn the_core_api_answers_each_role_within_its_schemas() {
    let app = crate::support::spawn_app().await;
    let mut visitors = vec![app.anonymous()];
    for role in lumbung_domain::Role::ALL {
        visitors.push(app.login(role.as_str()).await);
    }
    let paths = [
        "/health",
        "/api/v1/me",
        "/api/v1/overview",
        "/api/v1/areas",
        "/api/v1/areas?q=a&limit=3",
        "/api/v1/areas?parent=nowhere",
        "/api/v1/areas?limit=many",
        "/api/v1/orgs",
        "/api/v1/orgs?kind=anchor&limit=2&offset=1",
        "/api/v1/orgs?kind=nonsense",
        "/api/v1/orgs/1",
        "/api/v1/orgs/999999",
        "/api/v1/users",
        "/api/v1/audit?limit=5",
        "/api/v1/postcodes/PR1%202HE",
        "/api/v1/postcodes/nonsense",
    ];
    let mut seen = 0;
    for v in &visitors {
        for path in paths {
            // `get` checks the answer against the document.
            let res = v.get(path).await;
            assert!(!res.status().is_server_error(), "{path}");
            seen += 1;
        }
        let created = v
            .send_json(reqwest::Method::POST, "/api/v1/orgs", json!({"name": ""}))
            .await;
        assert!(created.status().is_client_error(), "{}", created.status());
    }
    assert!(seen > 100);
}

#[test]
fn a_body_outside_its_schema_or_an_undocumented_status_is_caught() {
    let health = br#"{"status": "ok", "schema_version": 3}"#;
    check("GET", "/health", StatusCode::OK, health);
    let wrong = std::panic::catch_unwind(|| {
        check("GET", "/health", StatusCode::OK, br#"{"status": "ok"}"#)
    });
    assert!(wrong.is_err(), "a missing field is caught");
    let undocumented = std::panic::catch_unwind(|| {
        check("GET", "/api/v1/overview", StatusCode::IM_A_TEAPOT, b"{}")
    });
    assert!(undocumented.is_err(), "an undocumented status is caught");
}
