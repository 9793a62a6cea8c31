//! What a file reader reports: every problem with its place in the file,
//! and the one error of a file refused whole.

use lumbung_text::{text, Language, Text};
use serde::Serialize;
use std::collections::hash_map::{Entry, HashMap};
use std::fmt;
use std::hash::Hash;

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
pub fn too_many_fields(fields: usize) -> Text {
    text!("too_many_fields", fields = fields, max = MAX_FIELDS;
        id: "baris ini {fields} kolom, lebih dari {max} yang dibaca",
        en: "the row has {fields} fields, more than the {max} read")
}

/// The problem with the row after the first [`MAX_ROWS`].
pub fn too_many_rows() -> Text {
    text!("too_many_rows", max = MAX_ROWS;
        id: "berkas ini lebih dari {max} baris: pecah menjadi berkas yang lebih kecil",
        en: "the file has more than {max} rows: split it into smaller files")
}

/// The problem with a row of `fields` fields under a header of `width`.
pub fn row_width(fields: usize, width: usize) -> Text {
    text!("row_width", fields = fields, width = width;
        id: "baris ini {fields} kolom, judulnya {width}",
        en: "the row has {fields} fields, the header has {width}")
}

/// A CSV reader's own error, as it words it.
pub fn csv_error(e: &csv::Error) -> Text {
    text!("csv_error", error = e; id: "CSV tidak terbaca: {error}", en: "{error}")
}

/// A row the CSV reader could not read.
pub fn cannot_read_row(e: &csv::Error) -> Text {
    text!("cannot_read_row", error = e;
        id: "baris ini tidak bisa dibaca: {error}", en: "cannot read the row: {error}")
}

/// One problem in an input file: the line number in the file (1 = first
/// line, the header included) and the column, when one is to blame.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    pub line: u64,
    pub column: Option<String>,
    pub message: Text,
}

impl RowError {
    pub fn new(line: u64, column: Option<&str>, message: impl Into<Text>) -> Self {
        Self {
            line,
            column: column.map(str::to_owned),
            message: message.into(),
        }
    }
}

/// The line each key of a file was first seen on, so that a row repeating
/// a key can name where it first stood.
#[derive(Debug)]
pub struct FirstLines<K>(HashMap<K, u64>);

impl<K> Default for FirstLines<K> {
    fn default() -> Self {
        FirstLines(HashMap::new())
    }
}

impl<K: Eq + Hash> FirstLines<K> {
    /// Notes `key` as seen on `line`; when it was seen before, the line
    /// it was first seen on (which stays the first).
    pub fn repeat_of(&mut self, key: K, line: u64) -> Option<u64> {
        match self.0.entry(key) {
            Entry::Occupied(first) => Some(*first.get()),
            Entry::Vacant(slot) => {
                slot.insert(line);
                None
            }
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
        self.write(f, Language::English)
    }
}

impl Rejected {
    /// `value` when no row of `file` was refused; else the file refused
    /// with every row's errors (nothing of it is to be stored).
    pub fn unless_any<T>(file: &str, errors: Vec<RowError>, value: T) -> Result<T, Rejected> {
        if errors.is_empty() {
            Ok(value)
        } else {
            Err(Rejected {
                file: file.to_owned(),
                errors,
            })
        }
    }

    /// The short form, for a file read on its own (a recount's files): a
    /// single problem on one line, several after their count.
    pub fn brief(&self) -> Brief<'_> {
        Brief(self, Language::English)
    }

    /// The whole rejection in `language`.
    pub fn in_language(&self, language: Language) -> String {
        struct In<'a>(&'a Rejected, Language);
        impl fmt::Display for In<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.write(f, self.1)
            }
        }
        In(self, language).to_string()
    }

    /// The problems, line by line, without the file's name: for text
    /// typed into a form, shown beside the field it came from.
    pub fn by_line(&self) -> Text {
        let lines = |language: Language| {
            let mut out: Vec<String> = self
                .errors
                .iter()
                .take(LISTED_PROBLEMS)
                .map(|e| {
                    let line = match language {
                        Language::English => "line",
                        Language::Indonesian => "baris",
                    };
                    format!("{line} {}: {}", e.line, e.message.get(language))
                })
                .collect();
            if self.errors.len() > LISTED_PROBLEMS {
                out.push(more(self.errors.len() - LISTED_PROBLEMS, language));
            }
            out.join("; ")
        };
        Text::new(
            "rejected_lines",
            vec![("problems", self.errors.len().to_string())],
            lines(Language::Indonesian),
            lines(Language::English),
        )
    }

    /// [`Rejected::brief`] in `language`.
    pub fn brief_in(&self, language: Language) -> Brief<'_> {
        Brief(self, language)
    }

    fn write(&self, f: &mut fmt::Formatter<'_>, language: Language) -> fmt::Result {
        let n = self.errors.len();
        match language {
            Language::English => writeln!(
                f,
                "{}: rejected, nothing imported ({n} problem{})",
                self.file,
                if n == 1 { "" } else { "s" }
            )?,
            Language::Indonesian => writeln!(
                f,
                "{}: ditolak, tidak ada yang diimpor ({n} masalah)",
                self.file
            )?,
        }
        for e in self.errors.iter().take(LISTED_PROBLEMS) {
            f.write_str("  ")?;
            self.problem(f, e, language)?;
            f.write_str("\n")?;
        }
        if n > LISTED_PROBLEMS {
            writeln!(f, "  {}", more(n - LISTED_PROBLEMS, language))?;
        }
        Ok(())
    }

    /// `FILE: line N, column C: message` (no column when none is to blame).
    fn problem(&self, f: &mut fmt::Formatter<'_>, e: &RowError, language: Language) -> fmt::Result {
        let (line, column) = match language {
            Language::English => ("line", "column"),
            Language::Indonesian => ("baris", "kolom"),
        };
        let message = e.message.get(language);
        match &e.column {
            Some(col) => write!(
                f,
                "{}: {line} {}, {column} {col}: {message}",
                self.file, e.line
            ),
            None => write!(f, "{}: {line} {}: {message}", self.file, e.line),
        }
    }
}

fn more(n: usize, language: Language) -> String {
    match language {
        Language::English => format!("… and {n} more"),
        Language::Indonesian => format!("… dan {n} lagi"),
    }
}

/// [`Rejected::brief`].
pub struct Brief<'a>(&'a Rejected, Language);

impl fmt::Display for Brief<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (r, language) = (self.0, self.1);
        if let [only] = &r.errors[..] {
            return r.problem(f, only, language);
        }
        match language {
            Language::English => write!(f, "{}: {} problems", r.file, r.errors.len())?,
            Language::Indonesian => write!(f, "{}: {} masalah", r.file, r.errors.len())?,
        }
        for e in r.errors.iter().take(LISTED_PROBLEMS) {
            f.write_str("\n  ")?;
            r.problem(f, e, language)?;
        }
        if r.errors.len() > LISTED_PROBLEMS {
            write!(
                f,
                "\n  {}",
                more(r.errors.len() - LISTED_PROBLEMS, language)
            )?;
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

    #[test]
    fn rejection_in_indonesian() {
        let rejected = Rejected {
            file: "areas.csv".into(),
            errors: vec![RowError::new(
                2,
                Some("code"),
                lumbung_text::text!("empty_code"; id: "kode wilayah kosong", en: "area code is empty"),
            )],
        };
        assert_eq!(
            rejected.in_language(Language::Indonesian),
            "areas.csv: ditolak, tidak ada yang diimpor (1 masalah)\n  areas.csv: baris 2, kolom code: kode wilayah kosong\n"
        );
        assert_eq!(
            rejected.brief().to_string(),
            "areas.csv: line 2, column code: area code is empty"
        );
    }

    #[test]
    fn a_file_is_refused_when_any_row_is() {
        assert_eq!(Rejected::unless_any("a.csv", vec![], 7), Ok(7));
        let error = RowError::new(
            3,
            Some("amount"),
            lumbung_text::text!("bad_amount"; id: "jumlah salah", en: "bad amount"),
        );
        assert_eq!(
            Rejected::unless_any("a.csv", vec![error.clone()], 7),
            Err(Rejected {
                file: "a.csv".into(),
                errors: vec![error],
            })
        );
    }
}
