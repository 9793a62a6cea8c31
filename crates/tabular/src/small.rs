//! A small table read whole, as the domain files of a few thousand rows
//! are (a business base, bids, proxy values, grants, activities): CSV in
//! any common encoding and separator, or an XLSX workbook's first sheet,
//! the header its first non-blank row, columns found by [`key`].

use crate::{Rejected, RowError};
use lumbung_text::{text, Text};

/// A table as read: its header cells and each later row with its line.
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<(u64, Vec<String>)>,
}

impl Table {
    /// Where the column named by any of `names` (compared by [`key`]) is.
    pub fn column(&self, names: &[&str]) -> Option<usize> {
        self.headers
            .iter()
            .position(|h| names.contains(&key(h).as_str()))
    }
}

/// Reads `bytes` (file `name`) into a [`Table`], or refuses it whole.
pub fn read_table(name: &str, bytes: &[u8]) -> Result<Table, Rejected> {
    use crate::table::{self, Row};
    let whole = |message: Text| Rejected {
        file: name.to_owned(),
        errors: vec![RowError::new(1, None, message)],
    };
    let rows: Vec<(u64, Vec<String>)> = if table::is_spreadsheet(name, bytes) {
        let (mut book, sheets) = crate::sheet::open_book(bytes, None).map_err(whole)?;
        let first = sheets.first().ok_or_else(|| {
            whole(text!("workbook_without_sheets";
                id: "buku kerja tidak memiliki lembar", en: "the workbook has no sheets"))
        })?;
        crate::sheet::sheet(&mut book, first)
            .map_err(whole)?
            .iter()
            .map(|r| (r.line(), r.texts()))
            .collect()
    } else {
        let mut notes = Vec::new();
        let text = table::decode(bytes, &mut notes).map_err(whole)?;
        let delimiter = crate::text::sniff_delimiter(text.as_bytes());
        table::csv_rows(&text, delimiter, None)
            .map_err(|(line, message)| Rejected {
                file: name.to_owned(),
                errors: vec![RowError::new(line, None, message)],
            })?
            .iter()
            .map(|r| (r.line(), r.texts()))
            .collect()
    };
    let mut rows = rows
        .into_iter()
        .skip_while(|(_, cells)| cells.iter().all(String::is_empty));
    let Some((_, headers)) = rows.next() else {
        return Err(whole(
            text!("file_empty"; id: "berkasnya kosong", en: "the file is empty"),
        ));
    };
    Ok(Table {
        headers,
        rows: rows
            .filter(|(_, cells)| !cells.iter().all(|c| c.trim().is_empty()))
            .collect(),
    })
}

/// A header's comparable form: lower case, spaces and dashes as `_`.
pub fn key(header: &str) -> String {
    header
        .trim()
        .to_lowercase()
        .split(|c: char| c.is_whitespace() || c == '-' || c == '_')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("_")
}

/// A cell of a row, trimmed; `None` when blank or the column is absent.
pub fn cell(cells: &[String], at: Option<usize>) -> Option<&str> {
    at.and_then(|i| cells.get(i))
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
}

/// The columns named by `wanted` (each its names), or the file refused
/// naming the first one missing.
pub fn require(
    file: &str,
    table: &Table,
    wanted: &[(&str, &[&str])],
) -> Result<Vec<Option<usize>>, Rejected> {
    let at: Vec<Option<usize>> = wanted
        .iter()
        .map(|(_, names)| table.column(names))
        .collect();
    let missing: Vec<&str> = wanted
        .iter()
        .zip(&at)
        .filter(|(_, a)| a.is_none())
        .map(|((c, _), _)| *c)
        .collect();
    if let Some(first) = missing.first() {
        return Err(Rejected {
            file: file.to_owned(),
            errors: vec![RowError::new(
                1,
                Some(first),
                text!("table_columns_missing", columns = missing.join(", "), header = table.headers.join(",");
                    id: "kolom {columns} tidak ada (baris judulnya berisi: {header})",
                    en: "the column {columns} is missing (the header line has: {header})"),
            )],
        });
    }
    Ok(at)
}
