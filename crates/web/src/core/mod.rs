//! The core of the app: sign-in, areas, organisations, users and the audit
//! log — their pages, JSON API, shared actions, forms and routes.

pub mod account;
pub mod actions;
pub mod api;
pub mod forms;
pub mod pages;
pub mod routes;
pub mod signin;
