//! Partnerships (`lumbung_partnerships`): partners and their roles, the
//! shared vision, commitments, meetings and indicators; offers and needs
//! matched into partnerships. Admins, analysts and facilitators write in
//! their scope, the BKM for its organisation, auditors read; a partner's
//! own people see the partnership whole and keep their own commitments.

mod capitals;
mod compare;
mod economy;
mod invest;
mod offers;
mod pages;
pub mod routes;

use crate::auth::Viewer;
use crate::error::AppError;
use crate::AppState;
use lumbung_domain::{text, PartnershipId, Resource};
use lumbung_partnerships::partnership::Reach;
use lumbung_store::PartnershipView;
use std::collections::BTreeMap;

/// A refused form's problems by field, and what was typed.
pub(crate) type Errors = BTreeMap<String, String>;

fn unseen(raw: &str) -> AppError {
    AppError::not_found(
        text!("partnership_page", id = raw; id: "kemitraan {id}", en: "partnership {id}"),
    )
}

/// What the viewer may do in a partnership.
pub(crate) fn reach_of(viewer: &Viewer, view: &PartnershipView) -> Reach {
    reach(viewer, &view.placement, &view.partners)
}

/// What the viewer may do with a partnership placed so, with these partners.
pub(crate) fn reach(
    viewer: &Viewer,
    placement: &lumbung_domain::Placement,
    partners: &[lumbung_store::PartnerView],
) -> Reach {
    let writes = viewer
        .user()
        .is_some_and(|u| u.role.can_write(Resource::Partnerships));
    let partners: Vec<_> = partners.iter().map(|p| (p.org_id, &p.placement)).collect();
    Reach::of(&viewer.scope(), writes, placement, &partners)
}

/// A partnership by the id in the address, with the viewer's reach, when
/// the viewer sees it (a not-found otherwise: nobody learns what exists).
pub(crate) async fn seen(
    state: &AppState,
    viewer: &Viewer,
    raw: &str,
) -> Result<(PartnershipView, Reach), AppError> {
    let id: PartnershipId = raw.parse().map_err(|_| unseen(raw))?;
    let view = state
        .blocking(move |s| s.partnership(id))
        .await?
        .ok_or_else(|| unseen(raw))?;
    let reach = reach_of(viewer, &view);
    if !reach.sees() {
        return Err(unseen(raw));
    }
    Ok((view, reach))
}

/// The problems of a checked form, by field, in the viewer's language.
pub(crate) fn errors_of(
    problems: Vec<(&'static str, lumbung_domain::Text)>,
    viewer: &Viewer,
) -> Errors {
    problems
        .into_iter()
        .map(|(f, m)| (f.to_owned(), m.get(viewer.lang.into()).to_owned()))
        .collect()
}

/// The problems of a checked form, and the area of the viewer's scope it
/// names (with a problem of its own when it names none).
pub(crate) async fn problems_and_area<T>(
    ctx: &crate::auth::Ctx,
    checked: &Result<T, Vec<(&'static str, lumbung_domain::Text)>>,
    area: &str,
) -> Result<(Errors, Option<lumbung_domain::AreaCode>), AppError> {
    let mut errors = match checked {
        Ok(_) => Errors::new(),
        Err(p) => errors_of(p.clone(), &ctx.viewer),
    };
    let area = area_of(ctx, area).await?;
    if area.is_none() {
        errors.insert(
            "area".into(),
            ctx.viewer.lang.t("partnership_pick_area").to_owned(),
        );
    }
    Ok((errors, area))
}

/// A refused form: which one, what was typed, and its problems.
#[derive(Debug, Default, serde::Serialize)]
pub(crate) struct Sent {
    pub form: &'static str,
    pub typed: BTreeMap<String, String>,
    pub errors: Errors,
}

pub(crate) fn sent(form: &'static str, typed: &impl serde::Serialize, errors: Errors) -> Sent {
    let typed = serde_json::to_value(typed)
        .ok()
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default();
    Sent {
        form,
        typed,
        errors,
    }
}

/// The area of a form, when the viewer's scope reaches it.
pub(crate) async fn area_of(
    ctx: &crate::auth::Ctx,
    raw: &str,
) -> Result<Option<lumbung_domain::AreaCode>, AppError> {
    let mut found = areas_of(ctx, [raw]).await?;
    Ok(found.remove(raw.trim()).flatten())
}

/// [`area_of`] for each of the codes a file's rows give, read in one
/// store call (a call a row let one upload make tens of thousands),
/// by the code as trimmed.
pub(crate) async fn areas_of<'a>(
    ctx: &crate::auth::Ctx,
    raws: impl IntoIterator<Item = &'a str>,
) -> Result<BTreeMap<String, Option<lumbung_domain::AreaCode>>, AppError> {
    let codes: std::collections::BTreeSet<String> =
        raws.into_iter().map(|r| r.trim().to_owned()).collect();
    let scope = ctx.viewer.scope();
    ctx.state
        .blocking(move |s| {
            let mut found = BTreeMap::new();
            for code in codes {
                let area = s.area(&code)?.filter(|a| {
                    crate::programme::pages::reaches(
                        &scope,
                        &lumbung_domain::AreaPath::from_stored(a.path.clone()),
                    )
                });
                let area = area.and_then(|a| lumbung_domain::AreaCode::parse(&a.code).ok());
                found.insert(code, area);
            }
            Ok(found)
        })
        .await
}

/// The organisation a viewer of an organisation scope acts for: what it
/// records is placed under it.
pub(crate) fn owner(viewer: &Viewer) -> Option<lumbung_domain::OrgId> {
    match viewer.scope() {
        lumbung_domain::Scope::Org { id, .. } => Some(lumbung_domain::OrgId::new(id)),
        _ => None,
    }
}
