//! `lumbung migrate` and `lumbung backup`: the database file itself.

use crate::shared::Db;
use anyhow::Result;
use std::path::Path;

/// `lumbung migrate`: brings the schema up to date and prints its version.
pub fn migrate(db: &Db) -> Result<()> {
    let store = db.open()?;
    println!(
        "{}: schema version {}",
        store.path().display(),
        store.schema_version()?
    );
    Ok(())
}

/// `lumbung backup FILE`: a consistent copy, never over an existing file.
pub fn backup(db: &Db, file: &Path) -> Result<()> {
    let store = db.open()?;
    store.backup(file)?;
    println!(
        "{}: backed up to {}",
        store.path().display(),
        file.display()
    );
    Ok(())
}
