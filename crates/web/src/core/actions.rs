//! What pages and the API both do: the scope checks and store calls behind
//! creating and changing things, and what a viewer may see of an
//! organisation. Pages and API differ only in how they render the result.

use crate::auth::Viewer;
use crate::core::forms::{FieldErrors, OrgFields, UserFields};
use crate::error::AppError;
use crate::AppState;
use lumbung_domain::{OrgId, Password, Placement, Resource, Scope, UserId};
use lumbung_store::{Org, StoreError, User};
use serde::Serialize;
use std::collections::BTreeMap;

/// Why an action failed: bad fields (shown beside the inputs) or anything
/// else.
#[derive(Debug)]
pub enum Failure {
    Fields(FieldErrors),
    App(AppError),
}

impl From<AppError> for Failure {
    fn from(e: AppError) -> Self {
        Failure::App(e)
    }
}

/// "organisation 7", as what was not found.
pub fn no_org(id: impl std::fmt::Display) -> AppError {
    AppError::not_found(lumbung_domain::text!("no_organisation", organisation = id;
        id: "organisasi {organisation}", en: "organisation {organisation}"))
}

/// "user 7", as what was not found.
pub fn no_user(id: impl std::fmt::Display) -> AppError {
    AppError::not_found(lumbung_domain::text!("no_user", user = id;
        id: "pengguna {user}", en: "user {user}"))
}

/// "area 3604", as what was not found.
pub fn no_area(code: impl std::fmt::Display) -> AppError {
    AppError::not_found(lumbung_domain::text!("no_area", area = code;
        id: "wilayah {area}", en: "area {area}"))
}

/// The key of errors that belong to no single field.
pub const FORM_ERROR: &str = "_form";

fn store_failure(e: StoreError) -> Failure {
    match e {
        StoreError::Invalid { field, message } => {
            Failure::Fields(BTreeMap::from([(field, message)]))
        }
        StoreError::Conflict(message) => {
            Failure::Fields(BTreeMap::from([(FORM_ERROR.to_owned(), message)]))
        }
        other => Failure::App(other.into()),
    }
}

pub(crate) async fn blocking<T: Send + 'static>(
    state: &AppState,
    work: impl FnOnce(&lumbung_store::Store) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, Failure> {
    match state.run(work).await {
        Ok(result) => result.map_err(store_failure),
        Err(e) => Err(Failure::App(e)),
    }
}

/// Where an organisation would sit with these fields: its area and, as its
/// organisation lineage, its parent's (a new one has no id yet). The
/// parent's own placement comes second: a writer must cover both, so that
/// nobody hangs an organisation under one outside their scope. Third, the
/// placement of the kelurahan its area lies in, if any: an organisation
/// placed there reaches the kelurahan's data (its mapping, the PS-2 list),
/// so a writer scoped to an organisation must reach that data already.
async fn placement_of(
    state: &AppState,
    input: &lumbung_store::OrgInput,
) -> Result<(Placement, Option<Placement>, Option<Placement>), Failure> {
    let area = input.area_code.clone();
    let parent = input.parent_id;
    blocking(state, move |s| {
        let kelurahan = match &area {
            Some(code) => match s
                .area_lineage(code.as_str())?
                .into_iter()
                .find(|a| a.kind.as_deref() == Some("kelurahan"))
            {
                Some(k) => Some(s.kelurahan(&k.code)?.placement),
                None => None,
            },
            None => None,
        };
        let area = match area {
            Some(code) => s.area_path(code.as_str())?,
            None => None,
        };
        let parent = match parent {
            Some(id) => s.org(id)?.map(|o| o.placement),
            None => None,
        };
        let orgs = parent.as_ref().map(|p| p.orgs.clone()).unwrap_or_default();
        Ok((Placement { area, orgs }, parent, kelurahan))
    })
    .await
}

fn require_write_at_both(
    viewer: &Viewer,
    (own, parent, kelurahan): &(Placement, Option<Placement>, Option<Placement>),
) -> Result<(), Failure> {
    viewer.require_write_at(Resource::AreasOrgs, own)?;
    if let Some(parent) = parent {
        viewer.require_write_at(Resource::AreasOrgs, parent)?;
    }
    // An area scope covering the organisation's area covers what lies
    // there; an organisation scope reaches a kelurahan only through an
    // organisation of its own placed in it.
    if let (Some(kelurahan), Scope::Org { .. }) = (kelurahan, viewer.scope()) {
        viewer.require_write_at(Resource::AreasOrgs, kelurahan)?;
    }
    Ok(())
}

pub async fn create_org(
    state: &AppState,
    viewer: &Viewer,
    fields: &OrgFields,
    attributes: BTreeMap<String, String>,
) -> Result<Org, Failure> {
    let input = fields.parse(attributes).map_err(Failure::Fields)?;
    let placement = placement_of(state, &input).await?;
    require_write_at_both(viewer, &placement)?;
    let actor = viewer.actor()?;
    blocking(state, move |s| s.create_org(&input, &actor)).await
}

/// An organisation the viewer may change.
pub async fn editable_org(state: &AppState, viewer: &Viewer, id: i64) -> Result<Org, AppError> {
    let org = state
        .blocking(move |s| s.org(OrgId::new(id)))
        .await?
        .ok_or_else(|| no_org(id))?;
    viewer.require_write_at(Resource::AreasOrgs, &org.placement)?;
    Ok(org)
}

pub async fn update_org(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    fields: &OrgFields,
    attributes: BTreeMap<String, String>,
) -> Result<Org, Failure> {
    editable_org(state, viewer, id).await?;
    let input = fields.parse(attributes).map_err(Failure::Fields)?;
    let placement = placement_of(state, &input).await?;
    require_write_at_both(viewer, &placement)?;
    let actor = viewer.actor()?;
    blocking(state, move |s| s.update_org(OrgId::new(id), &input, &actor)).await
}

/// What a viewer sees of an organisation: everything when their role and
/// scope cover it, otherwise its name, kind and area only (as the public
/// does).
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum OrgView {
    Full(Box<Org>),
    Public {
        id: i64,
        name: String,
        kind: String,
        area_code: Option<String>,
        area_name: Option<String>,
    },
}

pub fn org_view(viewer: &Viewer, org: Org) -> OrgView {
    let sees_all = viewer
        .user()
        .is_some_and(|u| u.role.can_read(Resource::AreasOrgs) && u.scope.covers(&org.placement));
    if sees_all {
        OrgView::Full(Box::new(org))
    } else {
        OrgView::Public {
            id: org.id.get(),
            name: org.name,
            kind: org.kind,
            area_code: org.area_code,
            area_name: org.area_name,
        }
    }
}

pub async fn create_user(
    state: &AppState,
    viewer: &Viewer,
    fields: &UserFields,
) -> Result<User, Failure> {
    let new = fields.parse().map_err(Failure::Fields)?;
    let scope_ref = new.scope.clone();
    let (scope, placement, kelurahan) = blocking(state, move |s| {
        let (scope, placement) = s.resolve_scope(&scope_ref)?;
        let kelurahan = kelurahan_of(s, &placement)?;
        Ok((scope, placement, kelurahan))
    })
    .await?;
    let me = viewer.require().map_err(Failure::App)?;
    if !me
        .scope
        .may_manage(new.role, &scope, &placement, kelurahan.as_ref())
    {
        return Err(Failure::App(AppError::Forbidden));
    }
    let actor = viewer.actor()?;
    blocking(state, move |s| {
        s.create_user(&new.username, &new.password, new.role, &new.scope, &actor)
    })
    .await
}

/// The kelurahan a placement lies in, if any.
fn kelurahan_of(
    s: &lumbung_store::Store,
    placement: &Placement,
) -> lumbung_store::Result<Option<lumbung_domain::AreaPath>> {
    match &placement.area {
        Some(area) => s.kelurahan_above(area),
        None => Ok(None),
    }
}

/// A user whose account the viewer may manage: their scope lies inside the
/// viewer's, strictly when they approve loans (`Scope::may_manage`).
pub async fn managed_user(state: &AppState, viewer: &Viewer, id: i64) -> Result<User, AppError> {
    let (user, kelurahan) = state
        .blocking(move |s| match s.user(UserId::new(id))? {
            Some(user) => {
                let kelurahan = kelurahan_of(s, &user.placement)?;
                Ok(Some((user, kelurahan)))
            }
            None => Ok(None),
        })
        .await?
        .ok_or_else(|| no_user(id))?;
    let me = viewer.require()?;
    if !me
        .scope
        .may_manage(user.role, &user.scope, &user.placement, kelurahan.as_ref())
    {
        return Err(AppError::Forbidden);
    }
    Ok(user)
}

pub async fn reset_password(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    password: &str,
    confirm: Option<&str>,
) -> Result<(), Failure> {
    managed_user(state, viewer, id).await?;
    let password = Password::parse(password).map_err(|e| {
        Failure::Fields(BTreeMap::from([(
            "password".to_owned(),
            crate::error::refused_text(e),
        )]))
    })?;
    if confirm.is_some_and(|c| c != password.expose()) {
        return Err(Failure::Fields(BTreeMap::from([(
            "password_confirm".to_owned(),
            lumbung_domain::text!("passwords_differ";
                id: "kedua kata sandi berbeda",
                en: "the two passwords differ"),
        )])));
    }
    let actor = viewer.actor()?;
    blocking(state, move |s| {
        s.set_password(UserId::new(id), &password, &actor)
    })
    .await
}
