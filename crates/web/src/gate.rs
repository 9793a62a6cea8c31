//! Admission to scarce resources: the store's connections and the CPU
//! that password hashing takes. A request waits for a permit on the async
//! side (no thread is blocked while it waits), in a bounded queue, for a
//! bounded time; past either bound it is answered 503 at once, so a crowd
//! slows the server down but never stalls it.

use crate::error::AppError;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{OnceCell, OwnedSemaphorePermit, Semaphore};

/// How long a request waits for a permit before it is told to come back.
pub const MAX_WAIT: Duration = Duration::from_secs(10);

#[derive(Clone)]
pub struct Gate {
    permits: Arc<Semaphore>,
    waiting: Arc<AtomicUsize>,
    max_waiting: usize,
    max_wait: Duration,
}

/// Leaves the queue however the wait ends (permit, timeout, or the
/// request being dropped).
struct Queued<'a>(&'a AtomicUsize);

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Gate {
    /// `size` holders at once (none: everyone waits, then is turned
    /// away); up to `max_waiting` more wait, each at most `max_wait`.
    pub fn new(size: usize, max_waiting: usize, max_wait: Duration) -> Gate {
        Gate {
            permits: Arc::new(Semaphore::new(size)),
            waiting: Arc::new(AtomicUsize::new(0)),
            max_waiting,
            max_wait,
        }
    }

    /// A permit, held until dropped (move it into the blocking task).
    pub async fn admit(&self) -> Result<OwnedSemaphorePermit, AppError> {
        if let Ok(permit) = self.permits.clone().try_acquire_owned() {
            return Ok(permit);
        }
        if self.waiting.fetch_add(1, Ordering::SeqCst) >= self.max_waiting {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            return Err(AppError::Overloaded);
        }
        let _queued = Queued(&self.waiting);
        match tokio::time::timeout(self.max_wait, self.permits.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(AppError::Overloaded),
        }
    }
}

/// Work that many ask for at once, done once: whoever asks for a key
/// while its work runs waits for that work and shares its result; once it
/// ends, the next to ask starts it anew, so no result is older than the
/// work that was running when it was asked for. A crowd on one report
/// costs one computation, not one each.
pub struct Shared<K, V> {
    running: Mutex<HashMap<K, Arc<OnceCell<V>>>>,
}

impl<K, V> Default for Shared<K, V> {
    fn default() -> Self {
        Shared {
            running: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Eq + Hash + Clone, V: Clone> Shared<K, V> {
    /// The result of `work` for `key`, run by this caller or by one
    /// already running it. When the running one fails (or its visitor
    /// leaves), one of those waiting runs it again.
    pub async fn get<F, Fut>(&self, key: K, work: F) -> Result<V, AppError>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<V, AppError>>,
    {
        let cell = self.lock().entry(key.clone()).or_default().clone();
        let result = cell.get_or_try_init(work).await.cloned();
        let mut running = self.lock();
        if running.get(&key).is_some_and(|c| Arc::ptr_eq(c, &cell)) {
            running.remove(&key);
        }
        result
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, Arc<OnceCell<V>>>> {
        // The map is left whole by every holder (no panic while held).
        self.running.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_full_gate_queues_a_bounded_number_for_a_bounded_time() {
        let gate = Gate::new(1, 1, Duration::from_millis(300));
        let held = gate.admit().await.unwrap();
        // One may wait; it gives up after the wait.
        let started = std::time::Instant::now();
        assert!(matches!(gate.admit().await, Err(AppError::Overloaded)));
        assert!(started.elapsed() < Duration::from_secs(2));
        // While one waits, the next is refused at once.
        let waiter = tokio::spawn({
            let gate = gate.clone();
            async move { gate.admit().await.map(drop) }
        });
        while gate.waiting.load(Ordering::SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
        assert!(matches!(gate.admit().await, Err(AppError::Overloaded)));
        // A freed permit goes to the one waiting.
        drop(held);
        assert!(waiter.await.unwrap().is_ok());
        assert!(gate.admit().await.is_ok());
    }

    #[tokio::test]
    async fn those_asking_while_the_work_runs_share_it_and_later_ones_start_anew() {
        let shared = Arc::new(Shared::<u8, usize>::default());
        let runs = Arc::new(AtomicUsize::new(0));
        let (release, hold) = tokio::sync::watch::channel(false);
        let ask = |shared: Arc<Shared<u8, usize>>| {
            let (runs, mut hold) = (runs.clone(), hold.clone());
            tokio::spawn(async move {
                shared
                    .get(1, || async move {
                        let n = runs.fetch_add(1, Ordering::SeqCst) + 1;
                        hold.wait_for(|go| *go).await.unwrap();
                        Ok(n)
                    })
                    .await
            })
        };
        let first = ask(shared.clone());
        while runs.load(Ordering::SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
        let crowd: Vec<_> = (0..10).map(|_| ask(shared.clone())).collect();
        for _ in 0..100 {
            tokio::task::yield_now().await;
        }
        release.send(true).unwrap();
        assert_eq!(first.await.unwrap().unwrap(), 1);
        for c in crowd {
            assert_eq!(c.await.unwrap().unwrap(), 1);
        }
        assert_eq!(ask(shared.clone()).await.unwrap().unwrap(), 2);
        assert!(shared.lock().is_empty());
    }
}
