//! The OpenAPI document, built from the route table so that it lists
//! exactly the routes that exist, with the permission each needs.

use crate::routes::{Need, ROUTES};
use serde_json::{json, Map, Value};

fn need_text(need: Need) -> String {
    match need {
        Need::Public => "public".into(),
        Need::SignedIn => "any signed-in user".into(),
        Need::Read(r) => format!("a role that may read {r:?}, within its scope"),
        Need::Write(r) => format!("a role that may write {r:?}, within its scope"),
    }
}

pub fn document() -> Value {
    let mut paths: Map<String, Value> = Map::new();
    for r in ROUTES
        .iter()
        .filter(|r| r.path.starts_with("/api/") || r.path == "/health")
    {
        let params: Vec<Value> = r
            .path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
            .collect();
        let mut op = json!({
            "summary": r.summary,
            "description": format!("Permission: {}.", need_text(r.need)),
            "responses": {
                "200": {"description": "OK", "content": {"application/json": {}}},
                "4XX": {"description": "Error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            }
        });
        if !params.is_empty() {
            op["parameters"] = json!(params);
        }
        if r.need == Need::Public {
            op["security"] = json!([]);
        }
        if matches!(r.method.as_str(), "POST" | "PUT") {
            op["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": {"type": "object"}}}});
        }
        let entry = paths.entry(r.path.to_owned()).or_insert_with(|| json!({}));
        entry[r.method.as_str().to_lowercase()] = op;
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
            "schemas": {
                "Error": {
                    "type": "object",
                    "properties": {"error": {"type": "object", "properties": {
                        "code": {"type": "string"}, "message": {"type": "string"},
                        "detail": {"type": ["string", "null"]}, "field": {"type": ["string", "null"]},
                        "fields": {"type": "object"}
                    }}}
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_api_route_is_documented() {
        let doc = super::document();
        for r in super::ROUTES.iter().filter(|r| r.path.starts_with("/api/")) {
            let method = r.method.as_str().to_lowercase();
            assert!(
                doc["paths"][r.path][&method].is_object(),
                "{method} {} missing",
                r.path
            );
        }
    }
}
