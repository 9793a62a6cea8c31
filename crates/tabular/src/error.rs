//! What a file reader reports: every problem with its place in the file,
//! and the one error of a file refused whole.

use serde::Serialize;
use std::fmt;

/// How many problems an error message lists before it only counts the rest.
pub const LISTED_PROBLEMS: usize = 50;

/// The most fields a row of an imported file may have (as many as a
/// spreadsheet has columns): a longer row is refused, not held in memory.
pub const MAX_FIELDS: usize = 16_384;

/// The most rows of a community file (Kobo export, voter register,
/// ballots, groupings, residents), far above any kelurahan's: a file of
/// millions of tiny rows would otherwise unfold into gigabytes.
pub const MAX_ROWS: usize = 1_000_000;

/// The problem with a row of more than [`MAX_FIELDS`] fields.
pub fn too_many_fields(fields: usize) -> String {
    format!("the row has {fields} fields, more than the {MAX_FIELDS} read")
}

/// The problem with the row after the first [`MAX_ROWS`].
pub fn too_many_rows() -> String {
    format!("the file has more than {MAX_ROWS} rows: split it into smaller files")
}

/// One problem in an input file: the line number in the file (1 = first
/// line, the header included) and the column, when one is to blame.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    pub line: u64,
    pub column: Option<String>,
    pub message: String,
}

impl RowError {
    pub fn new(line: u64, column: Option<&str>, message: impl Into<String>) -> Self {
        Self {
            line,
            column: column.map(str::to_owned),
            message: message.into(),
        }
    }
}

/// A whole file refused: nothing from it was stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
pub struct Rejected {
    pub file: String,
    pub errors: Vec<RowError>,
}

impl fmt::Display for Rejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}: rejected, nothing imported ({} problem{})",
            self.file,
            self.errors.len(),
            if self.errors.len() == 1 { "" } else { "s" }
        )?;
        for e in self.errors.iter().take(LISTED_PROBLEMS) {
            f.write_str("  ")?;
            self.problem(f, e)?;
            f.write_str("\n")?;
        }
        if self.errors.len() > LISTED_PROBLEMS {
            writeln!(f, "  … and {} more", self.errors.len() - LISTED_PROBLEMS)?;
        }
        Ok(())
    }
}

impl Rejected {
    /// The short form, for a file read on its own (a recount's files): a
    /// single problem on one line, several after their count.
    pub fn brief(&self) -> Brief<'_> {
        Brief(self)
    }

    /// `FILE: line N, column C: message` (no column when none is to blame).
    fn problem(&self, f: &mut fmt::Formatter<'_>, e: &RowError) -> fmt::Result {
        match &e.column {
            Some(col) => write!(
                f,
                "{}: line {}, column {col}: {}",
                self.file, e.line, e.message
            ),
            None => write!(f, "{}: line {}: {}", self.file, e.line, e.message),
        }
    }
}

/// [`Rejected::brief`].
pub struct Brief<'a>(&'a Rejected);

impl fmt::Display for Brief<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = self.0;
        if let [only] = &r.errors[..] {
            return r.problem(f, only);
        }
        write!(f, "{}: {} problems", r.file, r.errors.len())?;
        for e in r.errors.iter().take(LISTED_PROBLEMS) {
            f.write_str("\n  ")?;
            r.problem(f, e)?;
        }
        if r.errors.len() > LISTED_PROBLEMS {
            write!(f, "\n  … and {} more", r.errors.len() - LISTED_PROBLEMS)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejection_lists_fifty_and_counts_the_rest() {
        let errors = (1..=60)
            .map(|i| RowError::new(i + 1, Some("code"), "area code is empty"))
            .collect();
        let text = Rejected {
            file: "areas.csv".into(),
            errors,
        }
        .to_string();
        assert!(text.contains("60 problems"));
        assert!(text.contains("areas.csv: line 2, column code: area code is empty"));
        assert!(text.contains("line 51,"));
        assert!(!text.contains("line 52,"));
        assert!(text.contains("… and 10 more"));
    }
}
