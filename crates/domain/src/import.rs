//! What an import reports: every problem with its place in the file, or a
//! summary of what changed.

use serde::Serialize;
use std::fmt;

pub use lumbung_tabular::{
    too_many_fields, too_many_rows, Rejected, RowError, LISTED_PROBLEMS, MAX_FIELDS, MAX_ROWS,
};

/// What an accepted import changed. `warnings` are things the importer
/// decided that a person should know about (e.g. a duplicate code renamed).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub warnings: Vec<String>,
}

impl fmt::Display for ImportSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} created, {} updated, {} unchanged",
            self.created, self.updated, self.unchanged
        )?;
        for w in &self.warnings {
            writeln!(f, "warning: {w}")?;
        }
        Ok(())
    }
}
