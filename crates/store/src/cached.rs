//! What a server keeps of the database between requests: a value read
//! whole (the postcode map, every payment's facts) and the count of
//! changes it was read at (`cache_versions`), read again only when the
//! count moved. The count lives in the database, so every server of it
//! sees a change made by any other; whatever writes the value's rows
//! counts the change in its transaction ([`count_change`]).

use crate::db::{Connection, Transaction};
use crate::Result;
use std::sync::{Arc, Mutex};

/// A value read whole and the count it was read at.
pub(crate) struct Cached<T>(Mutex<Option<(i64, Arc<T>)>>);

impl<T> Default for Cached<T> {
    fn default() -> Self {
        Cached(Mutex::new(None))
    }
}

impl<T> Cached<T> {
    /// The value counted under `names` (what it is made of), read by
    /// `read` when any of their counts moved since it was last read (or it
    /// never was): their sum, as each count only grows. The counts are
    /// read first: a change committed between the two reads leaves a newer
    /// value under an older count, read again next time, never the other
    /// way round.
    pub(crate) fn get(
        &self,
        conn: &Connection,
        names: &[&str],
        read: impl FnOnce() -> Result<T>,
    ) -> Result<Arc<T>> {
        let mut version = 0i64;
        for name in names {
            let count: Option<i64> = crate::sql::optional_row(
                conn,
                "SELECT version FROM cache_versions WHERE name = ?1",
                [name],
                |r| r.get(0),
            )?;
            version += count.unwrap_or(0);
        }
        if let Some((held, value)) = &*self.0.lock().unwrap_or_else(|e| e.into_inner()) {
            if *held == version {
                return Ok(value.clone());
            }
        }
        // Read without the lock: a slow read must not hold up a request
        // that finds the value current.
        let value = Arc::new(read()?);
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some((version, value.clone()));
        Ok(value)
    }
}

/// Counts a change of what `name` stands for, once in the writing
/// transaction, where every server of the database sees it at its commit.
/// (Triggers on each row, migration 44, doubled the cost of an import of
/// the areas.)
pub(crate) fn count_change(tx: &Transaction<'_>, name: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO cache_versions (name, version) VALUES (?1, 1)
         ON CONFLICT (name) DO UPDATE SET version = cache_versions.version + 1",
        [name],
    )?;
    Ok(())
}
