//! Admission to scarce resources: the store's connections and the CPU
//! that password hashing takes. A request waits for a permit on the async
//! side (no thread is blocked while it waits), in a bounded queue, for a
//! bounded time; past either bound it is answered 503 at once, so a crowd
//! slows the server down but never stalls it.

use crate::error::AppError;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

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
    /// `size` holders at once; up to `max_waiting` more wait, each at most
    /// `max_wait`.
    pub fn new(size: usize, max_waiting: usize, max_wait: Duration) -> Gate {
        Gate {
            permits: Arc::new(Semaphore::new(size.max(1))),
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
}
