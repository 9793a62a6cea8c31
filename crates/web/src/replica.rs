//! Reads sent to a read replica (a PostgreSQL hot standby): public pages
//! and reports, the reads that may lag the primary by a moment. What the
//! replica does not hold yet is read from the primary, and a replica that
//! does not answer is left to rest while the primary answers for it.

use crate::error::AppError;
use crate::{gate, AppState};
use lumbung_store::{Store, StoreError};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long a replica that did not answer is left alone before it is
/// asked again: a replica that is down costs one wait, not one a request.
const REST: Duration = Duration::from_secs(30);

pub(crate) struct Replica {
    store: Store,
    /// One permit per connection of the replica's pool, as the primary's.
    gate: gate::Gate,
    started: Instant,
    /// Until when (milliseconds after `started`) the replica is not asked.
    resting_until: AtomicU64,
}

impl Replica {
    pub(crate) fn new(store: Store, queue_wait: Duration) -> Replica {
        let connections = store.max_connections();
        Replica {
            store,
            gate: gate::Gate::new(connections, 64 * connections, queue_wait),
            started: Instant::now(),
            resting_until: AtomicU64::new(0),
        }
    }

    fn now(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Whether the replica answers now (not asked while it rests).
    pub(crate) async fn answers(&self) -> bool {
        if self.resting() {
            return false;
        }
        let Ok(permit) = self.gate.admit().await else {
            return false;
        };
        let store = self.store.clone();
        let answer = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            store.ping()
        })
        .await;
        match answer {
            Ok(Ok(())) => true,
            Ok(Err(e)) if e.is_unreachable() => {
                self.rest(&e);
                false
            }
            _ => false,
        }
    }

    fn resting(&self) -> bool {
        self.now() < self.resting_until.load(Ordering::Relaxed)
    }

    /// The replica did not answer: the primary reads for it a while.
    fn rest(&self, e: &StoreError) {
        tracing::warn!(error = %e, "the read replica did not answer; the primary reads for it a while");
        let until = self.now().saturating_add(REST.as_millis() as u64);
        self.resting_until.store(until, Ordering::Relaxed);
    }

    /// Runs `work` on the replica; on the primary (`state`'s store) when
    /// the replica is resting, does not answer, or does not hold what
    /// `work` looks for (`missing`: a page just published, say, so that a
    /// visitor sent to it never finds it missing).
    pub(crate) async fn read<T: Send + 'static>(
        &self,
        state: &AppState,
        work: impl Fn(&Store) -> Result<T, StoreError> + Send + Sync + 'static,
        missing: impl Fn(&T) -> bool,
    ) -> Result<T, AppError> {
        if self.resting() {
            return state.blocking(work).await;
        }
        let work = Arc::new(work);
        let permit = self.gate.admit().await?;
        let (store, on_replica) = (self.store.clone(), work.clone());
        let answer = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            on_replica(&store)
        })
        .await?;
        match answer {
            Ok(found) if !missing(&found) => return Ok(found),
            Ok(_) | Err(StoreError::NotFound(_)) => {}
            Err(e) if e.is_unreachable() => self.rest(&e),
            Err(e) => return Err(e.into()),
        }
        state.blocking(move |store| work(store)).await
    }
}
