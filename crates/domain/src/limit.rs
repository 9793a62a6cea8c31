//! Uses counted in a sliding window (failed sign-ins per account and per
//! client address, public forms per address): at most `limit` uses of one
//! key within `window`. The uses are kept by the store, so that every
//! server of one database counts the same ones.

use std::time::Duration;

/// At most `limit` uses of a key within `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub limit: usize,
    pub window: Duration,
}

impl Window {
    pub const fn new(limit: usize, window: Duration) -> Window {
        Window { limit, window }
    }

    /// The window's length in milliseconds.
    pub fn millis(self) -> i64 {
        i64::try_from(self.window.as_millis()).unwrap_or(i64::MAX)
    }

    /// Whether one more use at `now` is let through, given the key's uses
    /// at the times `uses` (milliseconds, any order; those older than the
    /// window do not count): `Ok`, or how long to wait until the oldest
    /// use counted leaves the window.
    pub fn judge(self, uses: &[i64], now: i64) -> Result<(), Duration> {
        let from = now.saturating_sub(self.millis());
        let mut counted: Vec<i64> = uses.iter().copied().filter(|&t| t > from).collect();
        if counted.len() < self.limit {
            return Ok(());
        }
        counted.sort_unstable();
        let oldest = counted[counted.len() - self.limit];
        let wait = oldest.saturating_sub(from).max(0);
        Err(Duration::from_millis(wait.unsigned_abs()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn past_the_limit_a_use_waits_until_the_oldest_leaves_the_window() {
        let w = Window::new(2, Duration::from_secs(60));
        let s = |secs: i64| secs * 1000;
        assert_eq!(w.judge(&[], s(0)), Ok(()));
        assert_eq!(w.judge(&[s(0)], s(10)), Ok(()));
        assert_eq!(w.judge(&[s(10), s(0)], s(20)), Err(Duration::from_secs(40)));
        // The oldest has left: one more is let through.
        assert_eq!(w.judge(&[s(0), s(10)], s(61)), Ok(()));
        // Uses older than the window never count, whatever their number.
        let old: Vec<i64> = (0..100).map(|i| s(-100) - i).collect();
        assert_eq!(w.judge(&old, s(0)), Ok(()));
    }
}
