//! Rendering a page: a template with what every page's layout needs.

use crate::auth::Viewer;
use crate::error::AppError;
use crate::templates;
use axum::http::Uri;
use axum::response::Html;
use lumbung_domain::Resource;
use minijinja::{context, Value};

/// What every page's layout needs: the viewer and the current path (for the
/// language switch).
pub(crate) fn common(viewer: &Viewer, uri: &Uri) -> Value {
    let me = viewer.session.as_ref().map(|s| {
        let u = &s.user;
        context! {
            username => u.username,
            role => u.role.as_str(),
            scope_name => u.scope_name,
            csrf => s.csrf_token,
            can_users => u.role.can_read(Resource::Users),
            can_audit => u.role.can_read(Resource::AuditLog),
            can_write_orgs => u.role.can_write(Resource::AreasOrgs),
            can_write_users => u.role.can_write(Resource::Users),
            can_write_spend => u.role.can_write(Resource::Spend),
            can_decide_suppliers => viewer.decides_catalogue(),
            can_fund => u.role.can_read(Resource::Fund),
            can_write_fund => u.role.can_write(Resource::Fund),
            can_approve_fund => u.role.can_write(Resource::FundApproval),
            can_spend => u.role.can_read(Resource::Spend),
            can_cycle => u.role.can_read(Resource::Cycle),
            can_business => u.role.can_read(Resource::BusinessBase),
            can_contracts => u.role.can_read(Resource::Contracts),
            can_write_contracts => u.role.can_write(Resource::Contracts),
            can_programme => u.role.can_read(Resource::Programme),
            can_write_programme => u.role.can_write(Resource::Programme),
            can_complaints => u.role.can_read(Resource::Complaints),
            can_write_complaints => u.role.can_write(Resource::Complaints),
            can_partnerships => u.role.can_read(Resource::Partnerships),
        }
    });
    context! {
        me => me,
        path => uri.path_and_query().map(|p| p.as_str()).unwrap_or("/"),
        flash => flash(viewer, uri),
    }
}

/// The confirmation of a change just made (`?done=what`, see
/// `edge::done`): a message of the catalogues, never the address's text.
fn flash(viewer: &Viewer, uri: &Uri) -> Option<&'static str> {
    let what = uri
        .query()?
        .split('&')
        .find_map(|pair| pair.strip_prefix("done="))?;
    viewer
        .lang
        .catalogue()
        .get(&format!("flash_{what}"))
        .map(String::as_str)
}

pub(crate) fn render(
    viewer: &Viewer,
    uri: &Uri,
    name: &str,
    ctx: Value,
) -> Result<Html<String>, AppError> {
    Ok(Html(templates::render(
        name,
        viewer.lang,
        common(viewer, uri),
        ctx,
    )?))
}
