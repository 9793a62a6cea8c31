//! Signing in, for the form and the API alike: failed attempts are
//! limited per account and per client address, password hashes run a few
//! at a time (each argon2id check takes ~19 MB and a core for a while),
//! and sign-ins, failures and sign-outs go to the audit log.

use crate::auth::Viewer;
use crate::error::AppError;
use crate::AppState;
use lumbung_store::{SessionEvent, User};
use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Failed sign-ins one account may have within [`ACCOUNT_WINDOW`].
pub const ACCOUNT_LIMIT: usize = 10;
pub const ACCOUNT_WINDOW: Duration = Duration::from_secs(15 * 60);
/// Failed sign-ins one client address may have within [`ADDRESS_WINDOW`].
pub const ADDRESS_LIMIT: usize = 30;
pub const ADDRESS_WINDOW: Duration = Duration::from_secs(60);
/// Accounts and addresses remembered at most (each): an attacker rotating
/// names or addresses pushes out the quietest, never grows memory.
const MAX_KEYS: usize = 10_000;

/// Recent failures per key, within a sliding window.
struct Window<K> {
    limit: usize,
    window: Duration,
    failures: HashMap<K, VecDeque<Instant>>,
}

impl<K: Hash + Eq + Clone> Window<K> {
    fn new(limit: usize, window: Duration) -> Self {
        Window {
            limit,
            window,
            failures: HashMap::new(),
        }
    }

    /// Counts an attempt as failed until it is [`Window::forgive`]n, or
    /// says how long to wait when the key has used up its attempts.
    fn take(&mut self, key: &K, now: Instant) -> Result<(), Duration> {
        if !self.failures.contains_key(key) && self.failures.len() >= MAX_KEYS {
            self.make_room(now);
        }
        let times = self.failures.entry(key.clone()).or_default();
        while times
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.window)
        {
            times.pop_front();
        }
        if times.len() >= self.limit {
            let oldest = *times.front().expect("over the limit");
            return Err(self.window.saturating_sub(now.duration_since(oldest)));
        }
        times.push_back(now);
        Ok(())
    }

    /// Takes back the attempt made at `at` (it succeeded, or was never
    /// judged).
    fn forgive(&mut self, key: &K, at: Instant) {
        if let Some(times) = self.failures.get_mut(key) {
            if let Some(i) = times.iter().rposition(|t| *t == at) {
                times.remove(i);
            }
            if times.is_empty() {
                self.failures.remove(key);
            }
        }
    }

    fn clear(&mut self, key: &K) {
        self.failures.remove(key);
    }

    /// Forgets keys whose failures have all expired; if too few have, the
    /// tenth of the keys whose latest failure is oldest (a tenth at once,
    /// so that a flood of new keys costs little per key).
    fn make_room(&mut self, now: Instant) {
        let window = self.window;
        self.failures
            .retain(|_, t| t.back().is_some_and(|t| now.duration_since(*t) < window));
        if self.failures.len() >= MAX_KEYS {
            let mut latest: Vec<Instant> = self
                .failures
                .values()
                .filter_map(|t| t.back().copied())
                .collect();
            let cut = latest.len() / 10;
            let (_, &mut edge, _) = latest.select_nth_unstable(cut);
            self.failures
                .retain(|_, t| t.back().is_some_and(|t| *t > edge));
        }
    }
}

/// Public forms' uses per client address within a window (the complaint
/// form, the tracking lookup): past the limit, how long to wait.
#[derive(Clone)]
pub struct Limit(Arc<Mutex<Window<IpAddr>>>);

impl Limit {
    pub fn new(limit: usize, window: Duration) -> Limit {
        Limit(Arc::new(Mutex::new(Window::new(limit, window))))
    }

    /// Counts one use by `address` (none known: not limited here; the
    /// server's own limits still hold).
    pub fn take(&self, address: Option<IpAddr>) -> Result<(), Duration> {
        match address {
            Some(a) => self.0.lock().expect("limit lock").take(&a, Instant::now()),
            None => Ok(()),
        }
    }
}

/// The sign-in limits of one server.
#[derive(Clone)]
pub struct Throttle(Arc<Mutex<(Window<String>, Window<IpAddr>)>>);

impl Default for Throttle {
    fn default() -> Self {
        Throttle(Arc::new(Mutex::new((
            Window::new(ACCOUNT_LIMIT, ACCOUNT_WINDOW),
            Window::new(ADDRESS_LIMIT, ADDRESS_WINDOW),
        ))))
    }
}

/// An attempt let through; it counts as a failure until it succeeds.
struct Attempt {
    account: String,
    address: Option<IpAddr>,
    at: Instant,
}

impl Throttle {
    fn attempt(&self, account: String, address: Option<IpAddr>) -> Result<Attempt, Duration> {
        let now = Instant::now();
        let mut guard = self.0.lock().expect("throttle lock");
        let (accounts, addresses) = &mut *guard;
        if let Some(a) = address {
            addresses.take(&a, now)?;
        }
        if let Err(wait) = accounts.take(&account, now) {
            if let Some(a) = address {
                addresses.forgive(&a, now);
            }
            return Err(wait);
        }
        Ok(Attempt {
            account,
            address,
            at: now,
        })
    }

    /// A success clears the account's failures and takes back this one.
    fn succeeded(&self, attempt: &Attempt) {
        let mut guard = self.0.lock().expect("throttle lock");
        let (accounts, addresses) = &mut *guard;
        accounts.clear(&attempt.account);
        if let Some(a) = attempt.address {
            addresses.forgive(&a, attempt.at);
        }
    }

    /// The attempt was not judged (the server was too busy to hash).
    fn withdrawn(&self, attempt: &Attempt) {
        let mut guard = self.0.lock().expect("throttle lock");
        let (accounts, addresses) = &mut *guard;
        accounts.forgive(&attempt.account, attempt.at);
        if let Some(a) = attempt.address {
            addresses.forgive(&a, attempt.at);
        }
    }
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
    let attempt = state
        .sign_ins
        .attempt(account_key(username), viewer.address)
        .map_err(|wait| {
            tracing::warn!(username = %account_key(username), address = %address_text(viewer), "sign-in limited");
            // Whole seconds, rounded up: never "come back in 0 s".
            Refused::Limited(wait.as_secs() + u64::from(wait.subsec_nanos() > 0))
        })?;
    let name = username.to_owned();
    let candidate = match state.blocking(move |s| s.login_candidate(&name)).await {
        Ok(c) => c,
        Err(e) => {
            state.sign_ins.withdrawn(&attempt);
            return Err(e.into());
        }
    };
    let permit = match state.hashing.admit().await {
        Ok(p) => p,
        Err(e) => {
            state.sign_ins.withdrawn(&attempt);
            return Err(e.into());
        }
    };
    let user = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        candidate.check(&password)
    })
    .await
    .map_err(AppError::from)?;
    let address = address_text(viewer);
    let (event, audited) = match &user {
        Some(u) => {
            state.sign_ins.succeeded(&attempt);
            (SessionEvent::SignIn, Some(u.clone()))
        }
        None => (SessionEvent::SignInFailed, None),
    };
    let name = username.to_owned();
    state
        .blocking(move |s| s.audit_session(event, &name, audited.as_ref(), &address))
        .await?;
    user.ok_or(Refused::Failed)
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
    use super::*;

    #[test]
    fn the_window_refuses_past_the_limit_and_forgets_after_it() {
        let mut w = Window::new(2, Duration::from_secs(60));
        let t0 = Instant::now();
        assert!(w.take(&"a", t0).is_ok());
        assert!(w.take(&"a", t0 + Duration::from_secs(10)).is_ok());
        let wait = w.take(&"a", t0 + Duration::from_secs(20)).unwrap_err();
        assert_eq!(wait, Duration::from_secs(40));
        assert!(w.take(&"b", t0 + Duration::from_secs(20)).is_ok());
        assert!(w.take(&"a", t0 + Duration::from_secs(61)).is_ok());
        w.forgive(&"b", t0 + Duration::from_secs(20));
        assert!(!w.failures.contains_key("b"));
    }

    #[test]
    fn rotating_keys_never_grow_the_memory() {
        let mut w = Window::new(10, Duration::from_secs(900));
        let t0 = Instant::now();
        for i in 0..(MAX_KEYS as u64 * 3) {
            let _ = w.take(&i, t0 + Duration::from_millis(i));
        }
        assert!(w.failures.len() <= MAX_KEYS);
        // The newest keys are the ones kept.
        assert!(w.failures.contains_key(&(MAX_KEYS as u64 * 3 - 1)));
    }
}
