//! The audit log: who changed what and when. Rows are written in the same
//! transaction as the change they describe; triggers refuse edits.

use crate::db::{params, Transaction};
use crate::{Result, Store};
use lumbung_domain::id::AuditId;
use lumbung_domain::Scope;
use serde::Serialize;

/// Who is making a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// A signed-in user of the web app or API.
    User { id: i64, username: String },
    /// Someone at the command line, named by their operating-system login.
    Cli { os_user: String },
    /// Someone not signed in (a failed sign-in), by their network address.
    Visitor { address: String },
}

impl Actor {
    pub fn cli() -> Actor {
        let os_user = std::env::var("USER")
            .or_else(|_| std::env::var("LOGNAME"))
            .or_else(|_| std::env::var("USERNAME"))
            .unwrap_or_else(|_| "unknown".into());
        Actor::Cli { os_user }
    }

    pub fn label(&self) -> String {
        match self {
            Actor::User { username, .. } => username.clone(),
            Actor::Cli { os_user } => format!("cli:{os_user}"),
            Actor::Visitor { address } => format!("visitor:{address}"),
        }
    }
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct AuditEntry {
    pub id: AuditId,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub details: serde_json::Value,
}

/// Records one change. `scope_path` is the area path the changed thing sits
/// in, so that auditors scoped to an area see its entries; when it is not
/// given, the area of the organisation the change is about (below).
pub(crate) fn record(
    tx: &Transaction<'_>,
    actor: &Actor,
    action: &str,
    entity: &str,
    entity_id: &str,
    scope_path: Option<&str>,
    details: serde_json::Value,
) -> Result<()> {
    // The organisation the change is about: the organisation itself, or
    // the one a user is scoped to.
    let org: Option<i64> = match entity {
        "organisation" => entity_id.parse().ok(),
        "user" => crate::sql::optional(
            tx,
            "SELECT scope_org FROM users WHERE username = ?1",
            [entity_id],
        )?
        .flatten(),
        _ => None,
    };
    write(
        tx,
        actor,
        (action, entity, entity_id),
        scope_path,
        org,
        details,
    )
}

/// Records `action` on the organisation `org` (a UPK's books and settings,
/// an anchor's mapping): an `organisation` entry of no area of its own,
/// scoped by the organisation's.
pub(crate) fn record_on_org(
    tx: &Transaction<'_>,
    actor: &Actor,
    action: &str,
    org: i64,
    details: serde_json::Value,
) -> Result<()> {
    record(
        tx,
        actor,
        action,
        "organisation",
        &org.to_string(),
        None,
        details,
    )
}

/// Records a change to something an organisation holds (a UPK's member,
/// its books): scoped by the organisation's area and lineage, so that
/// auditors of its area or of an organisation above it see the entry.
pub(crate) fn record_for_org(
    tx: &Transaction<'_>,
    actor: &Actor,
    action: &str,
    entity: &str,
    entity_id: &str,
    org: i64,
    details: serde_json::Value,
) -> Result<()> {
    write(
        tx,
        actor,
        (action, entity, entity_id),
        None,
        Some(org),
        details,
    )
}

/// Where an organisation's entries are seen: its lineage as
/// `/id/parent/…/`, and the area path of the nearest placed organisation
/// of that lineage (a UPK without an area sits in its BKM's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OrgScope {
    lineage: Option<String>,
    area: Option<String>,
}

impl OrgScope {
    /// The scope of organisation `id`, as stored.
    pub(crate) fn of(tx: &Transaction<'_>, id: i64) -> Result<OrgScope> {
        let lineage = crate::lineage::lineage(tx, id)?;
        let mut area = None;
        for o in &lineage {
            area = crate::sql::optional(
                tx,
                "SELECT a.path FROM organisations o JOIN areas a ON a.code = o.area_code WHERE o.id = ?1",
                [o],
            )?;
            if area.is_some() {
                break;
            }
        }
        let lineage = (!lineage.is_empty()).then(|| {
            let ids: Vec<String> = lineage.iter().map(i64::to_string).collect();
            format!("/{}/", ids.join("/"))
        });
        Ok(OrgScope { lineage, area })
    }

    /// The scope of organisation `id`, placed in no area of its own, under
    /// `parent` (with that parent's scope) or under none: what
    /// [`OrgScope::of`] reads once it is stored.
    pub(crate) fn unplaced(id: i64, parent: Option<&OrgScope>) -> OrgScope {
        let above = parent.and_then(|p| p.lineage.as_deref()).unwrap_or("/");
        OrgScope {
            lineage: Some(format!("/{id}{above}")),
            area: parent.and_then(|p| p.area.clone()),
        }
    }
}

#[cfg(test)]
impl OrgScope {
    /// The scope an entry was stored with (its `org_path`, `scope_path`).
    pub(crate) fn stored(lineage: Option<String>, area: Option<String>) -> OrgScope {
        OrgScope { lineage, area }
    }
}

/// Records the creation of organisation `id` whose scope is known (many
/// created at once, at the same time `at`).
pub(crate) fn record_created(
    tx: &Transaction<'_>,
    actor: &Actor,
    at: &str,
    (id, scope): (i64, &OrgScope),
    details: serde_json::Value,
) -> Result<()> {
    insert(
        tx,
        (at, actor),
        ("org.create", "organisation", &id.to_string()),
        None,
        scope,
        details,
    )
}

/// Writes the entry: what was done (`action`) to which `entity`.
fn write(
    tx: &Transaction<'_>,
    actor: &Actor,
    what: (&str, &str, &str),
    scope_path: Option<&str>,
    org: Option<i64>,
    details: serde_json::Value,
) -> Result<()> {
    let scope = match org {
        Some(id) => OrgScope::of(tx, id)?,
        None => OrgScope {
            lineage: None,
            area: None,
        },
    };
    insert(
        tx,
        (&crate::now(), actor),
        what,
        scope_path,
        &scope,
        details,
    )
}

/// Inserts the entry, seen in `scope_path` or else the organisation's area.
fn insert(
    tx: &Transaction<'_>,
    (at, actor): (&str, &Actor),
    (action, entity, entity_id): (&str, &str, &str),
    scope_path: Option<&str>,
    scope: &OrgScope,
    details: serde_json::Value,
) -> Result<()> {
    let scope_path = scope_path.or(scope.area.as_deref());
    tx.execute(
        "INSERT INTO audit_log (at, actor, action, entity, entity_id, scope_path, details, org_path)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            at,
            actor.label(),
            action,
            entity,
            entity_id,
            scope_path,
            details.to_string(),
            scope.lineage
        ],
    )?;
    Ok(())
}

impl Store {
    /// Records that personal data was read (a PS-2 list, a voter register,
    /// a self-mapping's households): who, what (`read.<what>`), which area
    /// and when — never the data itself. Scoped by the area's path, so
    /// that its auditors see it.
    pub fn record_read(
        &self,
        actor: &Actor,
        what: &str,
        area_code: &str,
        details: serde_json::Value,
    ) -> Result<()> {
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        let path = crate::sql::area_path(&tx, area_code)?;
        let action = format!("read.{what}");
        write(
            &tx,
            actor,
            (&action, "area", area_code),
            path.as_deref(),
            None,
            details,
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The newest entries first, limited to what `scope` covers: an
    /// area-scoped reader sees the changes made inside their area.
    pub fn audit_entries(
        &self,
        scope: &Scope,
        limit: u32,
        offset: u32,
    ) -> Result<(Vec<AuditEntry>, u64)> {
        let conn = self.conn()?;
        // An empty lower bound means "everything", entries without an area
        // included; an empty range (lo = hi) means nothing.
        let (lo, hi) = match scope {
            Scope::Global => (String::new(), String::new()),
            Scope::Area { path, .. } => (path.as_str().to_owned(), path.subtree_end()),
            // Organisation-scoped readers: no area range, their lineage below.
            Scope::Org { .. } => ("/".to_owned(), "/".to_owned()),
        };
        let org = match scope {
            Scope::Org { id, .. } => format!("%/{id}/%"),
            _ => String::new(),
        };
        let rows = "FROM audit_log
             WHERE (?1 = '' OR (scope_path >= ?1 AND scope_path < ?2) OR (?3 <> '' AND org_path LIKE ?3))";
        crate::sql::page(
            &conn,
            (
                "id, at, actor, action, entity, entity_id, details",
                rows,
                "id DESC",
            ),
            params![lo, hi, org],
            (limit, offset),
            |r| {
                from_row!(
                    r,
                    AuditEntry {
                        id: AuditId::new,
                        at,
                        actor,
                        action,
                        entity,
                        entity_id,
                        details: |d: String| serde_json::from_str(&d)
                            .unwrap_or(serde_json::Value::Null),
                    }
                )
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::store;
    use crate::OrgInput;
    use lumbung_domain::OrgKind;

    /// Audit entries and sessions take their time from the store's clock
    /// (they read the system clock before), so a fixed clock fixes them.
    #[test]
    fn audit_entries_and_sessions_follow_the_injected_clock() {
        let (_d, s) = store();
        let at: jiff::Timestamp = "2020-02-03T04:05:06Z".parse().unwrap();
        let s = s.with_clock(lumbung_domain::Clock::fixed(at));
        let input = crate::test_support::org_input("BKM", OrgKind::Bkm, None);
        s.create_org(&input, &Actor::cli()).unwrap();
        let (entries, _) = s.audit_entries(&Scope::Global, 10, 0).unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].at, at.to_string());
        let user = s
            .create_user(
                &lumbung_domain::Username::parse("ana").unwrap(),
                &lumbung_domain::Password::parse("a-long-password-1").unwrap(),
                lumbung_domain::Role::Admin,
                &crate::ScopeRef::Global,
                &Actor::cli(),
            )
            .unwrap();
        let token = s.create_session(user.id).unwrap();
        assert!(s.session_user(&token).unwrap().is_some());
        // Twelve hours on, by the clock, the session has ended.
        let later = s.with_clock(lumbung_domain::Clock::fixed(
            at.checked_add(jiff::SignedDuration::from_hours(13))
                .unwrap(),
        ));
        assert!(later.session_user(&token).unwrap().is_none());
    }

    #[test]
    fn organisation_scoped_readers_see_their_organisations_entries() {
        let (_d, s) = store();
        let actor = Actor::cli();
        let org = |name: &str, parent: Option<i64>| OrgInput {
            parent_id: parent.map(lumbung_domain::OrgId::new),
            ..crate::test_support::org_input(name, OrgKind::Bkm, None)
        };
        let bkm = s.create_org(&org("BKM", None), &actor).unwrap().id.get();
        s.create_org(&org("UPK", Some(bkm)), &actor).unwrap();
        let other = s.create_org(&org("Other", None), &actor).unwrap().id.get();
        let (seen, total) = s
            .audit_entries(
                &Scope::Org {
                    id: bkm,
                    area: None,
                },
                10,
                0,
            )
            .unwrap();
        assert_eq!(total, 2, "the BKM and the UPK under it");
        assert!(seen.iter().all(|e| e.entity_id != other.to_string()));
        assert_eq!(s.audit_entries(&Scope::Global, 10, 0).unwrap().1, 3);
    }
}
