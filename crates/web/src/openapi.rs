//! The OpenAPI document, built from the route table so that it lists
//! exactly the routes that exist, with the permission each needs, and for
//! the typed operations the schemas of their bodies and answers, generated
//! from the Rust types the handlers use.

use crate::routes;
use crate::routes::spec::{Answer, Need, Route, SchemaFn};
use schemars::generate::{Contract, SchemaSettings};
use schemars::{JsonSchema, SchemaGenerator};
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// The body of every API error ([`crate::error`] writes it for one error,
/// [`crate::core::api::failure`] for invalid fields, each named in `fields`).
#[derive(Serialize, JsonSchema)]
pub struct ApiError {
    pub error: ApiErrorDetail,
}

#[derive(Serialize, JsonSchema)]
pub struct ApiErrorDetail {
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<BTreeMap<String, String>>,
}

fn need_text(need: Need) -> String {
    match need {
        Need::Public => "public".into(),
        Need::SignedIn => "any signed-in user".into(),
        Need::Read(r) => format!("a role that may read {r:?}, within its scope"),
        Need::Write(r) => format!("a role that may write {r:?}, within its scope"),
    }
}

/// Schemas are written where OpenAPI 3.1 keeps them; answers are described
/// as they are sent, bodies as they are read (a field with a default may be
/// left out).
fn generator(contract: Contract) -> SchemaGenerator {
    let mut settings = SchemaSettings::draft2020_12();
    settings.definitions_path = "/components/schemas".into();
    settings.contract = contract;
    SchemaGenerator::new(settings)
}

fn describe(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "Done; no body",
        400 => "Bad request: a malformed body, query or path",
        401 => "Not signed in, or a failed sign-in",
        403 => "Not allowed, or a missing CSRF token on a cookie session",
        404 => "Not found (or not within your scope)",
        409 => "Conflicts with what is stored",
        413 => "Body too large",
        415 => "The body must be JSON (Content-Type: application/json)",
        422 => "Invalid fields, each named",
        429 => "Too many failed sign-ins; see Retry-After",
        503 => "Busy; try again (see Retry-After)",
        _ => "Answer",
    }
}

/// The errors every operation of this kind can answer, beside its own.
fn common_errors(r: &Route) -> Vec<Answer> {
    let mut statuses = vec![503];
    if r.need != Need::Public {
        statuses.extend([401, 403]);
    }
    if !matches!(r.method.as_str(), "GET" | "HEAD") && !r.csrf_exempt {
        statuses.push(403);
    }
    if r.body.is_some() {
        statuses.extend([400, 413, 415, 422]);
    }
    statuses
        .into_iter()
        .map(crate::routes::spec::error)
        .collect()
}

fn content(schema: Value) -> Value {
    json!({"application/json": {"schema": schema}})
}

fn typed_responses(
    r: &Route,
    responses: &mut SchemaGenerator,
    errors: &mut SchemaGenerator,
) -> Map<String, Value> {
    let mut out = Map::new();
    for answer in r.answers.iter().copied().chain(common_errors(r)) {
        let mut entry = json!({"description": describe(answer.status)});
        if let Some(schema) = answer.body {
            let generator = if answer.status < 400 {
                &mut *responses
            } else {
                &mut *errors
            };
            entry["content"] = content(schema(generator).to_value());
        }
        out.entry(answer.status.to_string()).or_insert(entry);
    }
    out
}

fn untyped_responses() -> Map<String, Value> {
    let mut out = Map::new();
    out.insert(
        "200".into(),
        json!({"description": "OK", "content": {"application/json": {}}}),
    );
    out.insert(
        "4XX".into(),
        json!({"description": "Error", "content": content(json!({"$ref": "#/components/schemas/Error"}))}),
    );
    out
}

fn request_body(body: Option<SchemaFn>, requests: &mut SchemaGenerator) -> Value {
    let schema = match body {
        Some(schema) => schema(requests).to_value(),
        None => json!({"type": "object"}),
    };
    json!({"required": true, "content": content(schema)})
}

pub fn document() -> Value {
    let mut responses = generator(Contract::Serialize);
    let mut requests = generator(Contract::Deserialize);
    let mut errors = generator(Contract::Serialize);
    let mut paths: Map<String, Value> = Map::new();
    for r in routes::all().filter(|r| r.path.starts_with("/api/") || r.path == "/health") {
        let params: Vec<Value> = r
            .path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
            .collect();
        let typed = !r.answers.is_empty();
        let mut op = json!({
            "summary": r.summary,
            "description": format!("Permission: {}.", need_text(r.need)),
            "responses": if typed {
                typed_responses(r, &mut responses, &mut errors)
            } else {
                untyped_responses()
            },
        });
        if !params.is_empty() {
            op["parameters"] = json!(params);
        }
        if r.need == Need::Public {
            op["security"] = json!([]);
        }
        if matches!(r.method.as_str(), "POST" | "PUT") && (r.body.is_some() || !typed) {
            op["requestBody"] = request_body(r.body, &mut requests);
        }
        let entry = paths.entry(r.path.to_owned()).or_insert_with(|| json!({}));
        entry[r.method.as_str().to_lowercase()] = op;
    }
    let mut schemas = Map::new();
    // The error body under its old name too, for the untyped operations.
    schemas.insert(
        "Error".into(),
        json!({"$ref": "#/components/schemas/ApiError"}),
    );
    errors.subschema_for::<ApiError>();
    for mut generator in [requests, responses, errors] {
        for (name, schema) in generator.take_definitions(true) {
            if let Some(other) = schemas.get(&name) {
                assert_eq!(other, &schema, "two schemas named {name}");
            }
            schemas.insert(name, schema);
        }
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Lumbung API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Community wealth building: areas, organisations, users. Sign in with POST /api/v1/session and send the token as a bearer token."
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "security": [{"bearer": []}, {"cookie": []}],
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "cookie": {"type": "apiKey", "in": "cookie", "name": crate::auth::SESSION_COOKIE}
            },
            "schemas": schemas
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_api_route_is_documented() {
        let doc = document();
        for r in routes::all().filter(|r| r.path.starts_with("/api/")) {
            let method = r.method.as_str().to_lowercase();
            assert!(
                doc["paths"][r.path][&method].is_object(),
                "{method} {} missing",
                r.path
            );
        }
    }

    /// Every `$ref` in the document points at a schema it holds.
    #[test]
    fn every_reference_resolves() {
        fn walk(v: &Value, doc: &Value, seen: &mut usize) {
            match v {
                Value::Object(map) => {
                    if let Some(Value::String(r)) = map.get("$ref") {
                        let name = r.strip_prefix("#/components/schemas/").expect(r);
                        assert!(doc["components"]["schemas"][name].is_object(), "{r}");
                        *seen += 1;
                    }
                    map.values().for_each(|v| walk(v, doc, seen));
                }
                Value::Array(items) => items.iter().for_each(|v| walk(v, doc, seen)),
                _ => {}
            }
        }
        let doc = document();
        let mut seen = 0;
        walk(&doc, &doc, &mut seen);
        assert!(seen > 20, "{seen} references");
    }

    #[test]
    fn typed_operations_carry_their_schemas() {
        let doc = document();
        let areas = &doc["paths"]["/api/v1/areas"]["get"]["responses"];
        assert_eq!(
            areas["200"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/Areas"
        );
        assert!(areas["404"].is_object() && areas["4XX"].is_null());
        let user = &doc["components"]["schemas"]["User"];
        assert!(user["properties"]["username"].is_object(), "{user}");
        let login = &doc["paths"]["/api/v1/session"]["post"];
        assert_eq!(
            login["requestBody"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/LoginRequest"
        );
        assert!(login["responses"]["429"].is_object());
        // An operation not typed yet keeps the loose description.
        let report = &doc["paths"]["/api/v1/spend/report"]["get"]["responses"];
        assert!(report["4XX"].is_object());
    }
}
