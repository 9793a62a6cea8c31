//! The core's routes: sign-in, areas, organisations, users, the audit log
//! and the core JSON API. One line per route, as in [`crate::routes`].

use super::{account, api, forms, pages};
use crate::spec::r;
use crate::spec::{Need, Route};
use lumbung_domain::Resource;

use Need::{Public, Read, SignedIn, Write};
use Resource::{AreasOrgs, AuditLog, Users};

#[rustfmt::skip]
pub static ROUTES: &[Route] = &[
    // Core: sign-in, areas, organisations, users, the audit log.
    r!(GET "/health", Public, api::health, "Liveness and database check").answers(api::answers::HEALTH),
    r!(GET "/assets/app.css", Public, pages::stylesheet, "Stylesheet"),
    r!(GET "/favicon.ico", Public, pages::icon, "The app's icon (a lumbung)"),
    r!(GET "/lang/{lang}", Public, pages::switch_lang, "Switch the interface language"),
    r!(GET "/login", Public, pages::login_form, "Sign-in form"),
    r!(POST "/login", Public, pages::login, "Sign in"),
    r!(POST "/logout", SignedIn, pages::logout, "Sign out"),
    r!(GET "/areas", Public, pages::areas, "Areas: roots or search"),
    r!(GET "/areas/{code}", Public, pages::area, "One area with its children"),
    r!(GET "/orgs", Public, pages::orgs, "Organisations"),
    r!(GET "/orgs/new", Write(AreasOrgs), pages::org_new, "New organisation form"),
    r!(POST "/orgs", Write(AreasOrgs), pages::org_create, "Create an organisation"),
    r!(GET "/orgs/{id}", Public, pages::org, "One organisation"),
    r!(GET "/orgs/{id}/edit", Write(AreasOrgs), pages::org_edit, "Edit form"),
    r!(POST "/orgs/{id}", Write(AreasOrgs), pages::org_update, "Save an organisation"),
    r!(GET "/users", Read(Users), pages::users, "Users"),
    r!(GET "/users/new", Write(Users), pages::user_new, "New user form"),
    r!(POST "/users", Write(Users), pages::user_create, "Create a user"),
    r!(GET "/users/{id}/password", Write(Users), pages::password_form, "Password reset form"),
    r!(POST "/users/{id}/password", Write(Users), pages::password_reset, "Reset a password"),
    r!(GET "/account/password", SignedIn, account::form, "Change your own password (required first when an admin set it)"),
    r!(POST "/account/password", SignedIn, account::change, "Change your own password: current, password, password_confirm"),
    r!(GET "/audit", Read(AuditLog), pages::audit, "Audit log"),
    // The core JSON API (crate::core::api), typed: see crate::core::api::typed.
    r!(POST "/api/v1/session", Public, api::login, "Sign in; returns a bearer token").csrf_exempt().takes::<api::LoginRequest>().answers(api::answers::SIGN_IN),
    r!(DELETE "/api/v1/session", SignedIn, api::logout, "Sign out (ends the token's session)").answers(api::answers::SIGN_OUT),
    r!(GET "/api/v1/me", SignedIn, api::me, "The signed-in user").answers(api::answers::ME),
    r!(POST "/api/v1/me/password", SignedIn, api::own_password, "Change your own password: current, password (and password_confirm); every other session ends").takes::<account::OwnPassword>().answers(api::answers::OWN_PASSWORD),
    r!(GET "/api/v1/overview", Public, api::overview, "What this Lumbung holds").answers(api::answers::OVERVIEW),
    r!(GET "/api/v1/areas", Public, api::areas, "Areas: roots, children of `parent`, or search by `q`").answers(api::answers::AREAS),
    r!(GET "/api/v1/areas/{code}", Public, api::area, "One area with its lineage and children").answers(api::answers::AREA),
    r!(GET "/api/v1/postcodes/{postcode}", Public, api::locate_postcode, "The area a postal code maps to").answers(api::answers::POSTCODE),
    r!(GET "/api/v1/orgs", Public, api::orgs, "Organisations (names only outside your scope)").answers(api::answers::ORGS),
    r!(POST "/api/v1/orgs", Write(AreasOrgs), api::org_create, "Create an organisation").takes::<api::OrgBody>().answers(api::answers::ORG_CREATE),
    r!(GET "/api/v1/orgs/{id}", Public, api::org, "One organisation").answers(api::answers::ORG),
    r!(PUT "/api/v1/orgs/{id}", Write(AreasOrgs), api::org_update, "Replace an organisation's fields").takes::<api::OrgBody>().answers(api::answers::ORG_UPDATE),
    r!(GET "/api/v1/users", Read(Users), api::users, "Users in your scope").answers(api::answers::USERS),
    r!(POST "/api/v1/users", Write(Users), api::user_create, "Create a user").takes::<forms::UserFields>().answers(api::answers::USER_CREATE),
    r!(POST "/api/v1/users/{id}/password", Write(Users), api::password_reset, "Reset a user's password").takes::<api::PasswordBody>().answers(api::answers::PASSWORD),
    r!(GET "/api/v1/audit", Read(AuditLog), api::audit, "Audit log, newest first").answers(api::answers::AUDIT),
];
