//! Signing in, for the form and the API alike: failed attempts are
//! limited per account and per client address, password hashes run a few
//! at a time (each argon2id check takes ~19 MB and a core for a while),
//! and sign-ins, failures and sign-outs go to the audit log.

use crate::auth::Viewer;
use crate::error::AppError;
use crate::AppState;
use lumbung_domain::limit::Window;
use lumbung_store::{SessionEvent, UseId, User};
use std::net::IpAddr;
use std::time::Duration;

/// Failed sign-ins one account may have within [`ACCOUNT_WINDOW`].
pub const ACCOUNT_LIMIT: usize = 10;
pub const ACCOUNT_WINDOW: Duration = Duration::from_secs(15 * 60);
/// Failed sign-ins one client address may have within [`ADDRESS_WINDOW`].
pub const ADDRESS_LIMIT: usize = 30;
pub const ADDRESS_WINDOW: Duration = Duration::from_secs(60);
/// The buckets the sign-in limits count uses in.
const ACCOUNTS: &str = "signin.account";
const ADDRESSES: &str = "signin.address";

/// Public forms' uses per client address within a window (the complaint
/// form, the tracking lookup): past the limit, how long to wait. The uses
/// are counted in the database, so that every server of it counts the
/// same ones.
#[derive(Clone, Copy)]
pub struct Limit {
    bucket: &'static str,
    window: Window,
}

impl Limit {
    pub const fn new(bucket: &'static str, limit: usize, window: Duration) -> Limit {
        Limit {
            bucket,
            window: Window::new(limit, window),
        }
    }

    /// Counts one use by `address` (none known: not limited here; the
    /// server's own limits still hold); `Err` with how long to wait.
    pub async fn take(
        self,
        state: &AppState,
        address: Option<IpAddr>,
    ) -> Result<Result<(), Duration>, AppError> {
        let Some(address) = address else {
            return Ok(Ok(()));
        };
        let used = state
            .blocking(move |s| s.take_use(self.bucket, &limited(address), self.window))
            .await?;
        Ok(used.map(|_| ()))
    }
}

/// The key an address is limited under: an IPv6 address by its /64 (one
/// subscriber holds the whole /64, so it would otherwise have 2^64 fresh
/// allowances), an IPv4 address as it is.
fn limited(address: IpAddr) -> String {
    match address {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// An attempt let through; it counts as a failure until it succeeds.
struct Attempt {
    account: String,
    account_use: UseId,
    address_use: Option<UseId>,
}

/// Counts a sign-in attempt against the account's and the address's
/// limits (the address first; an account over its limit takes the
/// address's use back), or says how long to wait.
async fn attempt(
    state: &AppState,
    account: String,
    address: Option<IpAddr>,
) -> Result<Result<Attempt, Duration>, AppError> {
    state
        .blocking(move |s| {
            let address_use = match address {
                Some(a) => match s.take_use(
                    ADDRESSES,
                    &limited(a),
                    Window::new(ADDRESS_LIMIT, ADDRESS_WINDOW),
                )? {
                    Ok(used) => Some(used),
                    Err(wait) => return Ok(Err(wait)),
                },
                None => None,
            };
            match s.take_use(
                ACCOUNTS,
                &account,
                Window::new(ACCOUNT_LIMIT, ACCOUNT_WINDOW),
            )? {
                Ok(account_use) => Ok(Ok(Attempt {
                    account,
                    account_use,
                    address_use,
                })),
                Err(wait) => {
                    if let Some(used) = address_use {
                        s.forgive_use(used)?;
                    }
                    Ok(Err(wait))
                }
            }
        })
        .await
}

/// A success clears the account's failures and takes back this attempt.
async fn succeeded(state: &AppState, attempt: Attempt) -> Result<(), AppError> {
    state
        .blocking(move |s| {
            s.clear_uses(ACCOUNTS, &attempt.account)?;
            match attempt.address_use {
                Some(used) => s.forgive_use(used),
                None => Ok(()),
            }
        })
        .await
}

/// The attempt was not judged (the server was too busy to hash).
async fn withdrawn(state: &AppState, attempt: Attempt) -> Result<(), AppError> {
    state
        .blocking(move |s| {
            s.forgive_use(attempt.account_use)?;
            match attempt.address_use {
                Some(used) => s.forgive_use(used),
                None => Ok(()),
            }
        })
        .await
}

/// Why a sign-in did not succeed.
pub enum Refused {
    /// Wrong name or password (never which).
    Failed,
    /// Too many failures: try again after this many seconds.
    Limited(u64),
    App(AppError),
}

impl From<AppError> for Refused {
    fn from(e: AppError) -> Self {
        Refused::App(e)
    }
}

impl From<Refused> for AppError {
    fn from(r: Refused) -> Self {
        match r {
            Refused::Failed => AppError::Unauthenticated,
            Refused::Limited(retry_after) => AppError::TooManyAttempts { retry_after },
            Refused::App(e) => e,
        }
    }
}

/// The account a sign-in names, as the limit counts it.
fn account_key(username: &str) -> String {
    username.trim().to_lowercase().chars().take(64).collect()
}

fn address_text(viewer: &Viewer) -> String {
    viewer
        .address
        .map_or_else(|| "unknown".to_owned(), |a| a.to_string())
}

/// Checks a sign-in against the limits, the hashing queue and the store.
pub async fn sign_in(
    state: &AppState,
    viewer: &Viewer,
    username: &str,
    password: String,
) -> Result<User, Refused> {
    let user = verify(state, viewer, username, password).await?;
    let address = address_text(viewer);
    let (event, audited) = match &user {
        Some(u) => (SessionEvent::SignIn, Some(u.clone())),
        None => (SessionEvent::SignInFailed, None),
    };
    let name = username.to_owned();
    state
        .blocking(move |s| s.audit_session(event, &name, audited.as_ref(), &address))
        .await?;
    user.ok_or(Refused::Failed)
}

/// A signed-in user's current password, checked as a sign-in is (its
/// limits, its hashing queue; a wrong one audited as a failed sign-in), so
/// that a session left open cannot try passwords.
pub async fn own_password(
    state: &AppState,
    viewer: &Viewer,
    user: &User,
    password: String,
) -> Result<(), Refused> {
    if verify(state, viewer, &user.username, password)
        .await?
        .is_some()
    {
        return Ok(());
    }
    let (address, name) = (address_text(viewer), user.username.clone());
    state
        .blocking(move |s| s.audit_session(SessionEvent::SignInFailed, &name, None, &address))
        .await?;
    Err(Refused::Failed)
}

/// The user a name and password are, within the limits (counted) and the
/// hashing queue; `None` when either is wrong.
async fn verify(
    state: &AppState,
    viewer: &Viewer,
    username: &str,
    password: String,
) -> Result<Option<User>, Refused> {
    let attempt = attempt(state, account_key(username), viewer.address)
        .await?
        .map_err(|wait| {
            tracing::warn!(username = %account_key(username), address = %address_text(viewer), "sign-in limited");
            // Whole seconds, rounded up: never "come back in 0 s".
            Refused::Limited(wait.as_secs() + u64::from(wait.subsec_nanos() > 0))
        })?;
    let name = username.to_owned();
    let candidate = match state.blocking(move |s| s.login_candidate(&name)).await {
        Ok(c) => c,
        Err(e) => {
            withdrawn(state, attempt).await?;
            return Err(e.into());
        }
    };
    let permit = match state.hashing.admit().await {
        Ok(p) => p,
        Err(e) => {
            withdrawn(state, attempt).await?;
            return Err(e.into());
        }
    };
    let user = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        candidate.check(&password)
    })
    .await
    .map_err(AppError::from)?;
    if user.is_some() {
        succeeded(state, attempt).await?;
    }
    Ok(user)
}

/// Writes a sign-out to the audit log.
pub async fn audit_sign_out(state: &AppState, viewer: &Viewer) -> Result<(), AppError> {
    let Some(user) = viewer.user().cloned() else {
        return Ok(());
    };
    let address = address_text(viewer);
    state
        .blocking(move |s| {
            s.audit_session(SessionEvent::SignOut, &user.username, Some(&user), &address)
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::limited;

    /// Regression: the limits per address keyed an IPv6 address whole, so
    /// one holder of a /64 had a fresh allowance at each of its addresses.
    #[test]
    fn an_ipv6_address_is_limited_by_its_64() {
        let key = |a: &str| limited(a.parse().unwrap());
        assert_eq!(key("2001:db8:1:2::1"), key("2001:db8:1:2:ffff::9"));
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
        assert_eq!(key("::ffff:192.0.2.7"), key("192.0.2.7"));
        assert_ne!(key("192.0.2.7"), key("192.0.2.8"));
    }
}
