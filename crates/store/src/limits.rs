//! Uses counted in sliding windows (`lumbung_domain::limit`), kept in the
//! database so that every server of one database counts the same ones:
//! an attacker spreading failed sign-ins over several servers meets one
//! limit, not one per server.

use crate::db::params;
use crate::{Result, Store};
use lumbung_domain::limit::Window;
use std::time::Duration;

/// A use let through, to be taken back when it did not count after all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UseId(i64);

impl Store {
    /// Counts one use of `key` in `bucket` when `window` lets it through
    /// (the uses older than the window are forgotten first), or says how
    /// long to wait. Load, judge and save in one write, so that two
    /// servers never both take the last use.
    pub fn take_use(
        &self,
        bucket: &str,
        key: &str,
        window: Window,
    ) -> Result<std::result::Result<UseId, Duration>> {
        let now = self.clock().now().as_millisecond();
        self.write(|tx| {
            tx.prepare("DELETE FROM limit_uses WHERE bucket = ?1 AND at <= ?2")?
                .execute(params![bucket, now.saturating_sub(window.millis())])?;
            let uses: Vec<i64> = crate::sql::all(
                tx,
                "SELECT at FROM limit_uses WHERE bucket = ?1 AND key = ?2",
                params![bucket, key],
                |r| r.get(0),
            )?;
            if let Err(wait) = window.judge(&uses, now) {
                return Ok(Err(wait));
            }
            let id: i64 = tx
                .prepare(
                    "INSERT INTO limit_uses (bucket, key, at) VALUES (?1, ?2, ?3) RETURNING id",
                )?
                .query_row(params![bucket, key, now], |r| r.get::<_, i64>(0))?;
            Ok(Ok(UseId(id)))
        })
    }

    /// Takes back a use (it succeeded, or was never judged).
    pub fn forgive_use(&self, id: UseId) -> Result<()> {
        self.write(|tx| {
            tx.execute("DELETE FROM limit_uses WHERE id = ?1", [id.0])?;
            Ok(())
        })
    }

    /// Forgets every use of `key` in `bucket`.
    pub fn clear_uses(&self, bucket: &str, key: &str) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "DELETE FROM limit_uses WHERE bucket = ?1 AND key = ?2",
                params![bucket, key],
            )?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::test_support::store;
    use lumbung_domain::limit::Window;
    use std::time::Duration;

    #[test]
    fn two_stores_of_one_database_count_the_same_uses() {
        let (dir, first) = store();
        let second = dir.open_again();
        let w = Window::new(2, Duration::from_secs(60));
        let one = first.take_use("signin", "analyst", w).unwrap().unwrap();
        second.take_use("signin", "analyst", w).unwrap().unwrap();
        assert!(first.take_use("signin", "analyst", w).unwrap().is_err());
        assert!(second.take_use("signin", "analyst", w).unwrap().is_err());
        // Another key, another bucket: counted apart.
        assert!(second.take_use("signin", "auditor", w).unwrap().is_ok());
        assert!(second.take_use("forms", "analyst", w).unwrap().is_ok());
        first.forgive_use(one).unwrap();
        assert!(second.take_use("signin", "analyst", w).unwrap().is_ok());
        second.clear_uses("signin", "analyst").unwrap();
        assert!(first.take_use("signin", "analyst", w).unwrap().is_ok());
    }
}
