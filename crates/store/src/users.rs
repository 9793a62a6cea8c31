//! Users, passwords (argon2) and sessions.
//!
//! Session tokens are 256 random bits; only their SHA-256 is stored, so a
//! copy of the database does not let anyone sign in. Each session has its
//! own CSRF token for forms.

use crate::audit::{self, Actor};
use crate::db::{params, Row, TransactionBehavior};
use crate::{Result, Store, StoreError};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use lumbung_domain::{
    text, AreaCode, AreaPath, Password, Placement, Role, Scope, UserId, Username,
};
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

/// How long a session lasts from sign-in.
pub const SESSION_HOURS: i64 = 12;

/// Where a new user's role holds, as given on the command line or a form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopeRef {
    Global,
    Area(AreaCode),
    Org(lumbung_domain::OrgId),
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub role: Role,
    pub scope: Scope,
    /// A readable name of the scope (area or organisation name).
    pub scope_name: Option<String>,
    pub created_at: String,
    /// The password was set by an admin (a new account, a reset): the
    /// user must choose their own before doing anything else.
    pub password_temporary: bool,
    #[serde(skip)]
    pub placement: Placement,
}

/// Whether a password set by `actor` is temporary: one a signed-in admin
/// set (the server's operator, at the command line, holds the database
/// anyway).
fn set_by_admin(actor: &Actor) -> i64 {
    i64::from(matches!(actor, Actor::User { .. }))
}

/// A sign-in's user and stored hash, if the name is a user's.
pub struct LoginCandidate(Option<(User, String)>);

impl LoginCandidate {
    /// The user when the password is theirs. Takes as long for an unknown
    /// name (a dummy hash) as for a wrong password, and about as much
    /// memory (argon2id): callers bound how many run at once.
    pub fn check(self, password: &str) -> Option<User> {
        let ok = {
            let hash_text: &str = match &self.0 {
                Some((_, hash)) => hash,
                None => dummy_hash(),
            };
            PasswordHash::new(hash_text).is_ok_and(|hash| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &hash)
                    .is_ok()
            })
        };
        self.0.filter(|_| ok).map(|(user, _)| user)
    }
}

/// What the audit log records at the sign-in door.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionEvent {
    SignIn,
    SignInFailed,
    SignOut,
}

impl SessionEvent {
    fn action(self) -> &'static str {
        match self {
            SessionEvent::SignIn => "user.sign_in",
            SessionEvent::SignInFailed => "user.sign_in_failed",
            SessionEvent::SignOut => "user.sign_out",
        }
    }
}

/// The user behind a live session, with that session's CSRF token.
#[derive(Debug, Clone)]
pub struct SessionUser {
    pub user: User,
    pub csrf_token: String,
}

/// How much work hashing a new password costs. A stored hash names its own
/// parameters, so hashes of either cost verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PasswordCost {
    /// argon2id at its recommended minimum (19 MiB, 2 passes, 1 lane): every
    /// database a person signs in to.
    #[default]
    Production,
    /// The least argon2id allows (8 KiB, 1 pass): only for databases built
    /// by tests, whose passwords protect nothing and whose many users would
    /// otherwise take most of a test's time to hash.
    TestsOnly,
}

impl PasswordCost {
    fn hasher(self) -> Argon2<'static> {
        match self {
            PasswordCost::Production => Argon2::default(),
            PasswordCost::TestsOnly => Argon2::new(
                argon2::Algorithm::Argon2id,
                argon2::Version::V0x13,
                argon2::Params::new(
                    argon2::Params::MIN_M_COST,
                    argon2::Params::MIN_T_COST,
                    1,
                    None,
                )
                .expect("argon2's least parameters are valid"),
            ),
        }
    }
}

/// The hasher refused (a bug or a broken random source, never the
/// password typed).
fn password_unhashable(e: impl std::fmt::Display) -> lumbung_domain::Text {
    text!("password_unhashable", e = e; id: "kata sandi tidak dapat di-hash: {e}", en: "{e}")
}

fn hash_password(password: &Password, cost: PasswordCost) -> Result<String> {
    let mut salt_bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut salt_bytes);
    let salt = SaltString::encode_b64(&salt_bytes)
        .map_err(|e| StoreError::invalid("password", password_unhashable(e)))?;
    cost.hasher()
        .hash_password(password.expose().as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StoreError::invalid("password", password_unhashable(e)))
}

/// A hash to verify against when the user does not exist, so that a wrong
/// name takes as long as a wrong password.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        hash_password(
            &Password::parse("not-a-real-password").expect("valid"),
            PasswordCost::Production,
        )
        .expect("hashing works")
    })
}

pub(crate) fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

pub(crate) fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

const USER_SELECT: &str =
    "SELECT u.id, u.username, u.role, u.scope_area, a.path, a.name, u.scope_org, o.name, oa.path,
        u.created_at, u.password_temporary
    FROM users u
    LEFT JOIN areas a ON a.code = u.scope_area
    LEFT JOIN organisations o ON o.id = u.scope_org
    LEFT JOIN areas oa ON oa.code = o.area_code";

fn user_from_row(r: &Row<'_>) -> crate::db::Result<User> {
    let role: String = r.get(2)?;
    let role =
        Role::parse(&role).map_err(|e| crate::db::Error::conversion(format!("column 2: {e}")))?;
    let area: Option<String> = r.get(3)?;
    let area_path: Option<String> = r.get(4)?;
    let org: Option<i64> = r.get(6)?;
    let org_area_path: Option<String> = r.get(8)?;
    let (scope, scope_name, placement) = match (area, area_path, org) {
        (Some(code), Some(path), _) => {
            let code = AreaCode::parse(&code)
                .map_err(|e| crate::db::Error::conversion(format!("column 3: {e}")))?;
            let path = AreaPath::from_stored(path);
            (
                Scope::Area {
                    code,
                    path: path.clone(),
                },
                r.get(5)?,
                Placement {
                    area: Some(path),
                    orgs: vec![],
                },
            )
        }
        (_, _, Some(id)) => {
            let area = org_area_path.map(AreaPath::from_stored);
            (
                Scope::Org {
                    id,
                    area: area.clone(),
                },
                r.get(7)?,
                Placement {
                    area,
                    orgs: vec![id],
                },
            )
        }
        _ => (Scope::Global, None, Placement::default()),
    };
    Ok(User {
        id: UserId::new(r.get(0)?),
        username: r.get(1)?,
        role,
        scope,
        scope_name,
        created_at: r.get(9)?,
        password_temporary: r.get::<_, i64>(10)? != 0,
        placement,
    })
}

fn user_in(conn: &crate::db::Connection, id: UserId) -> Result<Option<User>> {
    crate::sql::optional_row(
        conn,
        &format!("{USER_SELECT} WHERE u.id = ?1"),
        [id.get()],
        user_from_row,
    )?
    .map(|u| with_lineage(conn, u))
    .transpose()
}

/// A user scoped to an organisation sits where that organisation sits: in
/// its area (its own, else its nearest placed ancestor's) and under its
/// parents, so that admins and auditors of a parent organisation cover
/// them; their scope reaches that area and no further.
fn with_lineage(conn: &crate::db::Connection, mut user: User) -> Result<User> {
    if let Scope::Org { id, .. } = user.scope {
        let area = crate::lineage::effective_area(conn, id)?;
        user.placement.orgs = crate::lineage::lineage(conn, id)?;
        user.placement.area = area.clone();
        user.scope = Scope::Org { id, area };
    }
    Ok(user)
}

impl Store {
    pub fn user(&self, id: UserId) -> Result<Option<User>> {
        user_in(&*self.conn()?, id)
    }

    pub fn user_by_name(&self, username: &Username) -> Result<Option<User>> {
        let conn = self.conn()?;
        crate::sql::optional_row(
            &conn,
            &format!("{USER_SELECT} WHERE u.username = ?1"),
            [username.as_str()],
            user_from_row,
        )?
        .map(|u| with_lineage(&conn, u))
        .transpose()
    }

    /// Users whose scope lies inside `scope`, by name.
    pub fn users(&self, scope: &Scope) -> Result<Vec<User>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare(&format!("{USER_SELECT} ORDER BY u.username"))?;
        let rows = stmt.query_map([], user_from_row)?;
        let all: Vec<User> = rows.collect::<crate::db::Result<_>>()?;
        let all = all
            .into_iter()
            .map(|u| with_lineage(&conn, u))
            .collect::<Result<Vec<_>>>()?;
        Ok(all
            .into_iter()
            .filter(|u| scope.encloses(&u.scope, &u.placement))
            .collect())
    }

    /// The placement a scope reference would give a user, for checking
    /// that an admin hands out only scopes inside their own.
    pub fn resolve_scope(&self, scope: &ScopeRef) -> Result<(Scope, Placement)> {
        let conn = self.conn()?;
        match scope {
            ScopeRef::Global => Ok((Scope::Global, Placement::default())),
            ScopeRef::Area(code) => {
                let path: String = crate::sql::area_path(&conn, code.as_str())?
                    .ok_or_else(|| StoreError::invalid("area", crate::words::no_area(code)))?;
                let path = AreaPath::from_stored(path);
                Ok((
                    Scope::Area {
                        code: code.clone(),
                        path: path.clone(),
                    },
                    Placement {
                        area: Some(path),
                        orgs: vec![],
                    },
                ))
            }
            ScopeRef::Org(id) => {
                let id = &id.get();
                let org = crate::orgs::load(&conn, *id)?
                    .ok_or_else(|| StoreError::invalid("org", crate::orgs::no_org(id)))?;
                let area = crate::lineage::effective_area(&conn, *id)?;
                Ok((
                    Scope::Org {
                        id: *id,
                        area: area.clone(),
                    },
                    Placement {
                        area,
                        orgs: org.placement.orgs,
                    },
                ))
            }
        }
    }

    pub fn create_user(
        &self,
        username: &Username,
        password: &Password,
        role: Role,
        scope: &ScopeRef,
        actor: &Actor,
    ) -> Result<User> {
        let (_, placement) = self.resolve_scope(scope)?;
        let hash = hash_password(password, self.password_cost())?;
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let taken: bool = crate::sql::exists(
            &tx,
            "SELECT 1 FROM users WHERE username = ?1",
            [username.as_str()],
        )?;
        if taken {
            return Err(StoreError::conflict(
                text!("user_exists", username = username;
                id: "pengguna {username} sudah ada",
                en: "user {username} already exists"),
            ));
        }
        let (area, org) = match scope {
            ScopeRef::Global => (None, None),
            ScopeRef::Area(code) => (Some(code.as_str()), None),
            ScopeRef::Org(id) => (None, Some(id.get())),
        };
        let id: i64 = tx.query_row(
            "INSERT INTO users (username, password_hash, role, scope_area, scope_org, created_at, password_temporary)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
            params![
                username.as_str(),
                hash,
                role.as_str(),
                area,
                org,
                crate::now(),
                set_by_admin(actor)
            ],
            |r| r.get::<_, i64>(0),
        )?;
        audit::record(
            &tx,
            actor,
            "user.create",
            "user",
            username.as_str(),
            placement.area.as_ref().map(AreaPath::as_str),
            serde_json::json!({"role": role.as_str(), "scope_area": area, "scope_org": org}),
        )?;
        tx.commit()?;
        drop(conn);
        self.user(UserId::new(id))?.ok_or_else(|| {
            StoreError::not_found(
                text!("user", user = id; id: "pengguna {user}", en: "user {user}"),
            )
        })
    }

    /// Sets a new password and ends every session of that user. Set by a
    /// signed-in admin, it is temporary: the user must choose their own.
    pub fn set_password(&self, user_id: UserId, password: &Password, actor: &Actor) -> Result<()> {
        let user = self.user(user_id)?.ok_or_else(|| {
            StoreError::not_found(
                text!("user", user = user_id; id: "pengguna {user}", en: "user {user}"),
            )
        })?;
        let hash = hash_password(password, self.password_cost())?;
        self.write(|tx| {
            tx.execute(
                "UPDATE users SET password_hash = ?2, password_temporary = ?3 WHERE id = ?1",
                params![user_id.get(), hash, set_by_admin(actor)],
            )?;
            tx.execute("DELETE FROM sessions WHERE user_id = ?1", [user_id.get()])?;
            audit::record(
                tx,
                actor,
                "user.password_reset",
                "user",
                &user.username,
                user.placement.area.as_ref().map(AreaPath::as_str),
                // Who the account is, never the password.
                serde_json::json!({"role": user.role.as_str(), "scope_org": match user.scope {
                    Scope::Org { id, .. } => Some(id),
                    _ => None,
                }}),
            )?;
            Ok(())
        })
    }

    /// The signed-in user's own new password (the current one checked by
    /// the caller, [`LoginCandidate::check`]): no longer temporary, and
    /// every other session of the user ended (whoever knew the old one is
    /// signed out); the session `keep` (its token) stays.
    pub fn change_own_password(&self, user: &User, password: &Password, keep: &str) -> Result<()> {
        let hash = hash_password(password, self.password_cost())?;
        let actor = Actor::User {
            id: user.id.get(),
            username: user.username.clone(),
        };
        self.write(|tx| {
            tx.execute(
                "UPDATE users SET password_hash = ?2, password_temporary = 0 WHERE id = ?1",
                params![user.id.get(), hash],
            )?;
            tx.execute(
                "DELETE FROM sessions WHERE user_id = ?1 AND token_hash <> ?2",
                params![user.id.get(), token_hash(keep)],
            )?;
            audit::record(
                tx,
                &actor,
                "user.password_change",
                "user",
                &user.username,
                user.placement.area.as_ref().map(AreaPath::as_str),
                serde_json::json!({"role": user.role.as_str()}),
            )?;
            Ok(())
        })
    }

    /// Checks a name and password; `None` for either being wrong (callers
    /// must not say which).
    pub fn verify_login(&self, username: &str, password: &str) -> Result<Option<User>> {
        Ok(self.login_candidate(username)?.check(password))
    }

    /// The user a sign-in names and their stored hash, read without
    /// hashing, so that the caller can bound how many hashes run at once
    /// ([`LoginCandidate::check`] does the slow part, without a connection).
    pub fn login_candidate(&self, username: &str) -> Result<LoginCandidate> {
        let Ok(name) = Username::parse(username) else {
            return Ok(LoginCandidate(None));
        };
        let conn = self.conn()?;
        let user = crate::sql::optional_row(
            &conn,
            &format!("{USER_SELECT} WHERE u.username = ?1"),
            [name.as_str()],
            user_from_row,
        )?
        .map(|u| with_lineage(&conn, u))
        .transpose()?;
        let Some(user) = user else {
            return Ok(LoginCandidate(None));
        };
        let hash: String = conn.query_row(
            "SELECT password_hash FROM users WHERE id = ?1",
            [user.id.get()],
            |r| r.get(0),
        )?;
        Ok(LoginCandidate(Some((user, hash))))
    }

    /// Writes a sign-in, a failed sign-in or a sign-out to the audit log:
    /// the name given (cut to 64 characters), the client's address, never
    /// a password.
    pub fn audit_session(
        &self,
        event: SessionEvent,
        username: &str,
        user: Option<&User>,
        address: &str,
    ) -> Result<()> {
        let name: String = username.trim().chars().take(64).collect();
        let actor = match user {
            Some(u) => Actor::User {
                id: u.id.get(),
                username: u.username.clone(),
            },
            None => Actor::Visitor {
                address: address.to_owned(),
            },
        };
        self.write(|tx| {
            audit::record(
                tx,
                &actor,
                event.action(),
                "user",
                &name,
                user.and_then(|u| u.placement.area.as_ref().map(AreaPath::as_str)),
                serde_json::json!({"address": address}),
            )
        })
    }

    /// Starts a session; returns the token for the cookie.
    pub fn create_session(&self, user_id: UserId) -> Result<String> {
        let token = random_token();
        let now = self.clock.now();
        let expires = now
            .checked_add(jiff::SignedDuration::from_hours(SESSION_HOURS))
            .map_err(|e| {
                StoreError::invalid(
                    "expires_at",
                    text!("session_end_out_of_range", e = e;
                    id: "akhir sesi di luar jangkauan waktu: {e}", en: "{e}"),
                )
            })?;
        let conn = self.conn()?;
        conn.execute(
            "DELETE FROM sessions WHERE expires_at < ?1",
            [now.to_string()],
        )?;
        conn.execute(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![token_hash(&token), user_id.get(), random_token(), now.to_string(), expires.to_string()],
        )?;
        Ok(token)
    }

    /// The user of a live session; `None` when the token is unknown or the
    /// session has expired.
    pub fn session_user(&self, token: &str) -> Result<Option<SessionUser>> {
        let conn = self.conn()?;
        let found: Option<(i64, String)> = crate::sql::optional_row(
            &conn,
            "SELECT user_id, csrf_token FROM sessions WHERE token_hash = ?1 AND expires_at > ?2",
            params![token_hash(token), self.clock.now().to_string()],
            |r| r.try_into(),
        )?;
        let Some((user_id, csrf_token)) = found else {
            return Ok(None);
        };
        Ok(user_in(&conn, UserId::new(user_id))?.map(|user| SessionUser { user, csrf_token }))
    }

    pub fn end_session(&self, token: &str) -> Result<()> {
        self.conn()?.execute(
            "DELETE FROM sessions WHERE token_hash = ?1",
            [token_hash(token)],
        )?;
        Ok(())
    }

    /// Makes a session look older than it is, for tests of expiry.
    #[doc(hidden)]
    pub fn expire_session_for_tests(&self, token: &str) -> Result<()> {
        self.conn()?.execute(
            "UPDATE sessions SET expires_at = '2000-01-01T00:00:00Z' WHERE token_hash = ?1",
            [token_hash(token)],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::store;

    fn stored_hash(s: &Store, name: &str) -> String {
        s.conn()
            .unwrap()
            .query_row(
                "SELECT password_hash FROM users WHERE username = ?1",
                [name],
                |r| r.get(0),
            )
            .unwrap()
    }

    /// Whether user `siti` signs in with `password`.
    fn siti_signs_in(s: &Store, password: &str) -> bool {
        s.verify_login("siti", password).unwrap().is_some()
    }

    /// The one test that hashes at the production cost: a store opened
    /// as the program opens it writes argon2id at its recommended minimum;
    /// a test's store, the least argon2id allows. Both verify.
    #[test]
    fn passwords_are_hashed_at_the_production_cost_unless_a_test_chooses_less() {
        let dir = tempfile::tempdir().unwrap();
        let production = Store::open(&dir.path().join("p.db")).unwrap();
        let (_d, test) = store();
        let pw = Password::parse("tanggung-renteng").unwrap();
        for (s, params) in [(&production, "m=19456,t=2,p=1"), (&test, "m=8,t=1,p=1")] {
            s.create_user(
                &Username::parse("siti").unwrap(),
                &pw,
                Role::Auditor,
                &ScopeRef::Global,
                &Actor::cli(),
            )
            .unwrap();
            let hash = stored_hash(s, "siti");
            assert!(
                hash.starts_with(&format!("$argon2id$v=19${params}$")),
                "{hash}"
            );
            assert!(siti_signs_in(s, "tanggung-renteng"));
            assert!(!siti_signs_in(s, "tanggung-rentenk"));
        }
        assert_eq!(production.password_cost(), PasswordCost::Production);
    }

    #[test]
    fn login_sessions_and_password_reset() {
        let (_d, s) = store();
        let name = Username::parse("siti").unwrap();
        let pw = Password::parse("tanggung-renteng").unwrap();
        let user = s
            .create_user(&name, &pw, Role::Auditor, &ScopeRef::Global, &Actor::cli())
            .unwrap();
        assert!(!siti_signs_in(&s, "wrong password"));
        assert!(s
            .verify_login("nobody", "tanggung-renteng")
            .unwrap()
            .is_none());
        assert_eq!(
            s.verify_login("SITI", "tanggung-renteng")
                .unwrap()
                .unwrap()
                .id,
            user.id
        );

        let token = s.create_session(user.id).unwrap();
        let session = s.session_user(&token).unwrap().unwrap();
        assert_eq!(session.user.role, Role::Auditor);
        assert_eq!(session.csrf_token.len(), 64);

        s.set_password(
            user.id,
            &Password::parse("a new long password").unwrap(),
            &Actor::cli(),
        )
        .unwrap();
        assert!(
            s.session_user(&token).unwrap().is_none(),
            "reset ends sessions"
        );
        assert!(!siti_signs_in(&s, "tanggung-renteng"));
        assert!(siti_signs_in(&s, "a new long password"));
    }

    #[test]
    fn users_of_an_organisation_sit_under_its_parents() {
        let (_d, s) = store();
        let actor = Actor::cli();
        let org = |name: &str, parent: Option<i64>| crate::OrgInput {
            parent_id: parent.map(lumbung_domain::OrgId::new),
            ..crate::test_support::org_input(name, lumbung_domain::OrgKind::Bkm, None)
        };
        let bkm = s.create_org(&org("BKM", None), &actor).unwrap().id.get();
        let upk = s
            .create_org(&org("UPK", Some(bkm)), &actor)
            .unwrap()
            .id
            .get();
        let pw = Password::parse("0123456789").unwrap();
        s.create_user(
            &Username::parse("kasir").unwrap(),
            &pw,
            Role::Upk,
            &ScopeRef::Org(lumbung_domain::OrgId::new(upk)),
            &actor,
        )
        .unwrap();
        let seen = s
            .users(&Scope::Org {
                id: bkm,
                area: None,
            })
            .unwrap();
        assert_eq!(seen.len(), 1, "the BKM's scope covers the UPK's users");
        assert!(s
            .users(&Scope::Org {
                id: upk + 100,
                area: None,
            })
            .unwrap()
            .is_empty());
    }

    #[test]
    fn expired_sessions_are_not_accepted() {
        let (_d, s) = store();
        let user = crate::test_support::add_ana(&s).unwrap();
        let token = s.create_session(user.id).unwrap();
        s.expire_session_for_tests(&token).unwrap();
        assert!(s.session_user(&token).unwrap().is_none());
    }

    #[test]
    fn duplicate_names_and_unknown_scopes_are_refused() {
        let (_d, s) = store();
        let name = Username::parse("ana").unwrap();
        let pw = Password::parse("0123456789").unwrap();
        s.create_user(&name, &pw, Role::Admin, &ScopeRef::Global, &Actor::cli())
            .unwrap();
        assert!(matches!(
            s.create_user(&name, &pw, Role::Admin, &ScopeRef::Global, &Actor::cli()),
            Err(StoreError::Conflict(_))
        ));
        let other = Username::parse("budi").unwrap();
        assert!(matches!(
            s.create_user(
                &other,
                &pw,
                Role::Analyst,
                &ScopeRef::Area(AreaCode::parse("X").unwrap()),
                &Actor::cli()
            ),
            Err(StoreError::Invalid { .. })
        ));
    }
}
