//! What a route declares: its method and path, the permission it needs, and
//! for the API the types of its request body and of every answer. Imports no
//! handler, so the guard and the OpenAPI document depend on this alone.

use crate::AppState;
use axum::http::Method;
use axum::routing::MethodRouter;
use lumbung_domain::Resource;
use schemars::{JsonSchema, Schema, SchemaGenerator};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Anyone, signed in or not. Handlers show only public data to visitors.
    Public,
    SignedIn,
    Read(Resource),
    Write(Resource),
}

/// The JSON schema of a type, for the OpenAPI document.
pub type SchemaFn = fn(&mut SchemaGenerator) -> Schema;

/// The schema of `T`, as a reference to the document's components.
pub fn schema<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

/// One status an operation answers, with the schema of its JSON body
/// (`None`: no body).
#[derive(Clone, Copy)]
pub struct Answer {
    pub status: u16,
    pub body: Option<SchemaFn>,
}

/// A success with a JSON body of type `T`.
pub const fn json<T: JsonSchema>(status: u16) -> Answer {
    Answer {
        status,
        body: Some(schema::<T>),
    }
}

/// A success without a body (204).
pub const fn empty(status: u16) -> Answer {
    Answer { status, body: None }
}

/// An error, with the API's error body.
pub const fn error(status: u16) -> Answer {
    json::<crate::error::ApiError>(status)
}

pub struct Route {
    pub method: Method,
    pub path: &'static str,
    pub need: Need,
    /// Requests that may come without a CSRF token: only the JSON sign-in,
    /// which has no session yet and needs a JSON body (which a cross-site
    /// form cannot send).
    pub csrf_exempt: bool,
    pub summary: &'static str,
    pub handler: fn() -> MethodRouter<AppState>,
    /// The JSON body an API operation takes (`None`: none, or not typed yet).
    pub body: Option<SchemaFn>,
    /// Every status an API operation answers; empty while not typed yet
    /// (the document then says only "an object" or an error).
    pub answers: &'static [Answer],
}

impl Route {
    pub const fn new(
        method: Method,
        path: &'static str,
        need: Need,
        summary: &'static str,
        handler: fn() -> MethodRouter<AppState>,
    ) -> Route {
        Route {
            method,
            path,
            need,
            csrf_exempt: false,
            summary,
            handler,
            body: None,
            answers: &[],
        }
    }

    pub const fn csrf_exempt(mut self) -> Route {
        self.csrf_exempt = true;
        self
    }

    /// The operation takes a JSON body of type `T`.
    pub const fn takes<T: JsonSchema>(mut self) -> Route {
        self.body = Some(schema::<T>);
        self
    }

    pub const fn answers(mut self, answers: &'static [Answer]) -> Route {
        self.answers = answers;
        self
    }
}

/// One route of the table, its method stated once:
/// `r!(GET "/path", need, handler, "summary")`, optionally followed by
/// `, limit BYTES` for a larger body than axum's default.
macro_rules! r {
    ($method:ident $path:literal, $need:expr, $handler:expr, $summary:literal) => {
        $crate::spec::Route::new(axum::http::Method::$method, $path, $need, $summary, || {
            axum::routing::on(axum::routing::MethodFilter::$method, $handler)
        })
    };
    ($method:ident $path:literal, $need:expr, $handler:expr, $summary:literal, limit $limit:expr) => {
        $crate::spec::Route::new(axum::http::Method::$method, $path, $need, $summary, || {
            axum::routing::on(axum::routing::MethodFilter::$method, $handler)
                .layer(axum::extract::DefaultBodyLimit::max($limit))
        })
    };
}
pub(crate) use r;
