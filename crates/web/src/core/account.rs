//! A user's own password: changed by its owner at any time, and chosen
//! before anything else when an admin set it (a new account, a reset), so
//! that no admin keeps the password of an account that checks another.

use super::actions::{blocking, Failure};
use super::forms::FieldErrors;
use super::signin::{own_password, Refused};
use crate::auth::{Ctx, Viewer};
use crate::edge::done;
use crate::error::AppError;
use crate::AppState;
use axum::http::Uri;
use axum::response::Response;
use axum::Form;
use lumbung_domain::{text, Password};
use minijinja::context;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The form as typed (passwords are never shown again).
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct OwnPassword {
    /// The password now.
    pub current: String,
    /// The new one (at least 10 characters).
    pub password: String,
    /// The new one again (forms; the API may leave it out).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub password_confirm: String,
}

pub async fn form(Ctx { viewer, uri, .. }: Ctx) -> Result<Response, AppError> {
    page(&viewer, &uri, &FieldErrors::new())
}

fn page(viewer: &Viewer, uri: &Uri, errors: &FieldErrors) -> Result<Response, AppError> {
    let temporary = viewer.require()?.password_temporary;
    super::pages::form_page(
        viewer,
        uri,
        "own_password.html",
        errors,
        context! { temporary => temporary },
    )
}

pub async fn change(
    Ctx { state, viewer, uri }: Ctx,
    Form(f): Form<OwnPassword>,
) -> Result<Response, AppError> {
    match change_own(&state, &viewer, f, true).await {
        Ok(()) => Ok(done("/", "password_changed")),
        Err(Failure::Fields(errors)) => page(&viewer, &uri, &errors),
        Err(Failure::App(e)) => Err(e),
    }
}

fn field(name: &str, message: lumbung_domain::Text) -> Failure {
    Failure::Fields(BTreeMap::from([(name.to_owned(), message)]))
}

/// Checks and saves the viewer's own new password (the form's and the
/// API's): the current one right, the new one valid, other than the
/// current and, where `confirmed`, typed twice alike. Every other session
/// of the user ends.
pub async fn change_own(
    state: &AppState,
    viewer: &Viewer,
    f: OwnPassword,
    confirmed: bool,
) -> Result<(), Failure> {
    let user = viewer.require()?.clone();
    let new = Password::parse(&f.password)
        .map_err(|e| field("password", crate::error::refused_text(e)))?;
    if confirmed && f.password_confirm != f.password {
        return Err(field(
            "password_confirm",
            text!("passwords_differ"; id: "kedua kata sandi berbeda", en: "the two passwords differ"),
        ));
    }
    if f.password == f.current {
        return Err(field(
            "password",
            text!("password_same";
                id: "pilih kata sandi yang lain dari yang sekarang",
                en: "choose a password other than the current one"),
        ));
    }
    match own_password(state, viewer, &user, f.current).await {
        Ok(()) => {}
        Err(Refused::Failed) => {
            return Err(field(
                "current",
                text!("password_current_wrong";
                    id: "kata sandi sekarang salah", en: "the current password is wrong"),
            ))
        }
        Err(other) => return Err(Failure::App(other.into())),
    }
    let keep = viewer.token.clone().unwrap_or_default();
    blocking(state, move |s| s.change_own_password(&user, &new, &keep)).await
}
