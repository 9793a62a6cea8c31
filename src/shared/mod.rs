//! What every command shares: opening the database with the clock, the
//! language of messages, reading an import file, tables and progress bars.

pub mod progress;
pub mod table;

use anyhow::{Context, Result};
use lumbung_domain::{text, Clock, ImportSummary, Language, Text};
use lumbung_store::Store;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The database used when neither `--db` nor `LUMBUNG_DB` is given.
pub const DEFAULT_DB: &str = "./lumbung.db";
/// The database `demo` replaces when neither `--db` nor `LUMBUNG_DB` is given.
pub const DEFAULT_DEMO_DB: &str = "./lumbung-demo.db";

/// The database the global options name, opened only by the commands that
/// need it.
pub struct Db {
    pub path: Option<PathBuf>,
    pub busy_timeout: Duration,
}

impl Db {
    /// Opens (creating and migrating) the database, with the clock.
    pub fn open(&self) -> Result<Store> {
        self.open_as(Store::open_with)
    }

    /// [`Db::open`] for a bulk import: one connection, so that an import
    /// into a file no other program has open writes it once
    /// ([`Store::open_alone`]).
    pub fn open_alone(&self) -> Result<Store> {
        self.open_as(Store::open_alone)
    }

    fn open_as(
        &self,
        sqlite: fn(&Path, Duration) -> lumbung_store::Result<Store>,
    ) -> Result<Store> {
        let path = self.path.as_deref().unwrap_or(Path::new(DEFAULT_DB));
        // A bad clock is refused before any file is created.
        let clock = clock()?;
        let store = match path.to_str().filter(|p| lumbung_store::is_postgres_url(p)) {
            Some(url) => Store::open_postgres(url)?,
            None => sqlite(path, self.busy_timeout)?,
        };
        Ok(store.with_clock(clock))
    }
}

/// The clock every command reads "now" from: the system's, or the instant
/// `LUMBUNG_NOW` fixes (a testing aid); a value that is neither is refused.
pub fn clock() -> Result<Clock> {
    Clock::from_env().map_err(anyhow::Error::msg)
}

/// The language of the CLI's messages: `LUMBUNG_LANG` (`id` or `en`),
/// English when unset, as the CLI always spoke.
pub fn language() -> Language {
    std::env::var("LUMBUNG_LANG")
        .ok()
        .and_then(|code| Language::parse(&code))
        .unwrap_or(Language::English)
}

/// A message for the person at the command line, in both languages:
/// `main` shows it in [`language`]'s. Fails a command as an error
/// ([`said`]) or as the context of one (`.with_context(|| Said(…))`).
#[derive(Debug)]
pub struct Said(pub Text);

impl std::fmt::Display for Said {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Said {}

/// The error a command fails with, in both languages (`bail!` for a [`Text`]).
pub fn said(text: Text) -> anyhow::Error {
    anyhow::Error::new(Said(text))
}

/// A file named on the command line that cannot be read.
pub fn cannot_read(name: impl std::fmt::Display) -> Said {
    Said(
        text!("cannot_read", file = name; id: "tidak dapat membaca {file}", en: "cannot read {file}"),
    )
}

/// Reads the file at `path` and hands its bytes to `import` (one of the
/// `import_*_file` functions), then prints the summary: the shape of every
/// `… import FILE` command.
pub fn import_path(
    store: &Store,
    path: &Path,
    import: fn(&Store, &str, &[u8]) -> Result<ImportSummary>,
) -> Result<()> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).with_context(|| cannot_read(&name))?;
    let summary = import(store, &name, &bytes)?;
    print!("{name}: {summary}");
    Ok(())
}
