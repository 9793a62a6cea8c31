//! Reading CSV files into trimmed text rows, with every problem kept as a
//! [`RowError`] that names the line (1 = the first line of the file) and
//! the column.

use crate::text::{not_utf8, Lines};
use crate::{cannot_read_row, row_width, too_many_fields, Rejected, RowError, MAX_FIELDS};
use lumbung_text::{text, Text};

/// Where the column names come from.
pub enum Header<'a> {
    /// The first line of the file names the columns.
    InFile,
    /// The file has no header line; these are its columns, in order.
    Given(&'a [&'a str]),
}

/// One data row: its line in the file and its fields, trimmed.
#[derive(Debug, Clone)]
pub struct CsvRow {
    pub line: u64,
    fields: Vec<String>,
}

impl CsvRow {
    /// The field at `index`, or "" when the row is shorter.
    pub fn get(&self, index: usize) -> &str {
        self.fields.get(index).map(String::as_str).unwrap_or("")
    }

    /// The field of an optional column: `None` when the column is absent
    /// or the cell is empty.
    pub fn opt(&self, index: Option<usize>) -> Option<&str> {
        index.map(|i| self.get(i)).filter(|v| !v.is_empty())
    }
}

/// A whole CSV file: column names, the rows that could be read, and the
/// problems with the others.
#[derive(Debug)]
pub struct CsvFile {
    pub name: String,
    pub headers: Vec<String>,
    pub rows: Vec<CsvRow>,
    pub errors: Vec<RowError>,
}

impl CsvFile {
    /// Reads `bytes` (UTF-8, with or without a byte-order mark). Rows with
    /// every cell empty are skipped. A row with fewer fields than the
    /// header, or with more non-empty ones, is an error.
    pub fn read(name: &str, bytes: &[u8], header: Header<'_>) -> CsvFile {
        let bytes = crate::text::strip_bom(bytes);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(bytes);
        let mut file = CsvFile {
            name: name.to_owned(),
            headers: match header {
                Header::InFile => vec![],
                Header::Given(cols) => cols.iter().map(|c| (*c).to_owned()).collect(),
            },
            rows: vec![],
            errors: vec![],
        };
        let mut want_header = matches!(header, Header::InFile);
        let mut lines = Lines::new(bytes);
        let mut record = csv::ByteRecord::new();
        loop {
            match reader.read_byte_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => {
                    let line = lines.at(e.position().map_or(0, csv::Position::byte));
                    file.errors
                        .push(RowError::new(line, None, cannot_read_row(&e)));
                    if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                        break;
                    }
                    continue;
                }
            }
            let line = lines.at(record.position().map_or(0, csv::Position::byte));
            if record.len() > MAX_FIELDS {
                // Reading stops: the rest would only cost memory.
                file.errors
                    .push(RowError::new(line, None, too_many_fields(record.len())));
                break;
            }
            if want_header {
                want_header = false;
                file.headers = record
                    .iter()
                    .map(|h| String::from_utf8_lossy(h).trim().to_owned())
                    .collect();
                continue;
            }
            if record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
                continue;
            }
            file.push_row(line, &record);
        }
        file
    }

    fn push_row(&mut self, line: u64, record: &csv::ByteRecord) {
        let width = self.headers.len();
        let mut fields = Vec::with_capacity(record.len());
        let mut ok = true;
        for (i, raw) in record.iter().enumerate() {
            match std::str::from_utf8(raw) {
                Ok(text) => fields.push(text.trim().to_owned()),
                Err(_) => {
                    ok = false;
                    let column = self.headers.get(i).map(String::as_str);
                    self.errors
                        .push(RowError::new(line, column.or(Some("?")), not_utf8()));
                    fields.push(String::new());
                }
            }
        }
        if fields.len() < width {
            self.errors.push(RowError::new(
                line,
                Some(&self.headers[fields.len()]),
                row_too_short(fields.len(), &self.headers),
            ));
            return;
        }
        if fields[width..].iter().any(|f| !f.is_empty()) {
            self.errors
                .push(RowError::new(line, None, row_width(fields.len(), width)));
            return;
        }
        fields.truncate(width);
        if ok {
            self.rows.push(CsvRow { line, fields });
        }
    }

    /// The index of a column, by name: case and surrounding spaces ignored.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.headers
            .iter()
            .position(|h| h.eq_ignore_ascii_case(name))
    }

    /// The indexes of required columns, or the whole file refused with
    /// each missing column named.
    pub fn require(&self, columns: &[&str]) -> Result<Vec<usize>, Rejected> {
        let mut found = Vec::with_capacity(columns.len());
        let mut errors = Vec::new();
        for col in columns {
            match self.column(col) {
                Some(i) => found.push(i),
                None => errors.push(RowError::new(
                    1,
                    Some(col),
                    if self.headers.is_empty() {
                        text!("required_column_missing_empty", column = col;
                            id: "kolom wajib {column} tidak ada (baris judulnya kosong)",
                            en: "the required column {column} is missing (the header line has: nothing)")
                    } else {
                        text!("required_column_missing", column = col, header = self.headers.join(",");
                            id: "kolom wajib {column} tidak ada (baris judulnya berisi: {header})",
                            en: "the required column {column} is missing (the header line has: {header})")
                    },
                )),
            }
        }
        if errors.is_empty() {
            Ok(found)
        } else {
            Err(self.rejected(errors))
        }
    }

    /// Refuses the file if two columns have the same name.
    pub fn unique_headers(&self) -> Result<(), Rejected> {
        let mut errors = Vec::new();
        for (i, h) in self.headers.iter().enumerate() {
            if !h.is_empty() && self.headers[..i].iter().any(|o| o.eq_ignore_ascii_case(h)) {
                errors.push(RowError::new(
                    1,
                    Some(h),
                    text!("column_twice", column = h;
                        id: "kolom {column} muncul dua kali di baris judul",
                        en: "the column {column} appears twice in the header"),
                ));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(self.rejected(errors))
        }
    }

    pub fn rejected(&self, errors: Vec<RowError>) -> Rejected {
        Rejected {
            file: self.name.clone(),
            errors,
        }
    }

    /// Every row through `read`, the one loop of a file reader: the
    /// records of the rows where nothing failed, and the file's problems
    /// followed by the rows' (in row order).
    pub fn records<R>(
        &self,
        mut read: impl FnMut(&CsvRow, &mut RowCheck<'_>) -> Option<R>,
    ) -> (Vec<R>, Vec<RowError>) {
        let mut errors = self.errors.clone();
        let mut records = Vec::with_capacity(self.rows.len());
        for row in &self.rows {
            let mut check = RowCheck {
                line: row.line,
                errors: &mut errors,
                failed: false,
            };
            let record = read(row, &mut check);
            if !check.failed {
                records.extend(record);
            }
        }
        (records, errors)
    }

    /// [`CsvFile::records`] with the problems in line order, the file's
    /// and the rows' together.
    pub fn records_by_line<R>(
        &self,
        read: impl FnMut(&CsvRow, &mut RowCheck<'_>) -> Option<R>,
    ) -> (Vec<R>, Vec<RowError>) {
        let (records, mut errors) = self.records(read);
        errors.sort_by_key(|e| e.line);
        (records, errors)
    }
}

/// The problem of a row with `fields` fields under `headers`: the columns
/// it lacks.
fn row_too_short(fields: usize, headers: &[String]) -> Text {
    let (width, missing) = (headers.len(), headers[fields..].join(", "));
    // English counts: "1 field", "2 fields"; "c is missing", "b, c are missing".
    let noun = if fields == 1 { "field" } else { "fields" };
    let verb = if width - fields == 1 { "is" } else { "are" };
    let en =
        format!("the row has {fields} {noun}, the header has {width}: {missing} {verb} missing");
    let id = format!("baris ini {fields} kolom, judulnya {width}: {missing} tidak ada");
    let params = vec![
        ("fields", fields.to_string()),
        ("width", width.to_string()),
        ("missing", missing),
    ];
    Text::new("row_too_short", params, id, en)
}

/// The problems of one row as [`CsvFile::records`] reads it: each names
/// its column, and a row with one keeps no record.
pub struct RowCheck<'a> {
    line: u64,
    errors: &'a mut Vec<RowError>,
    failed: bool,
}

impl RowCheck<'_> {
    /// A problem with the cell of `column`.
    pub fn fail(&mut self, column: &str, message: impl Into<Text>) {
        self.failed = true;
        self.errors
            .push(RowError::new(self.line, Some(column), message));
    }

    /// The parsed value, or `None` with the problem kept for `column`.
    pub fn ok<T, E: Into<Text>>(&mut self, column: &str, parsed: Result<T, E>) -> Option<T> {
        parsed.map_err(|e| self.fail(column, e)).ok()
    }

    /// An optional cell parsed: `None` when it is empty or fails (the
    /// problem kept for `column`).
    pub fn opt<T, E: Into<Text>>(
        &mut self,
        column: &str,
        raw: Option<&str>,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<T> {
        raw.and_then(|raw| self.ok(column, parse(raw)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_found_in_any_case_after_a_bom() {
        let f = CsvFile::read(
            "a.csv",
            "\u{feff} Code ,NAME,parent_code\nX,Ex,\n".as_bytes(),
            Header::InFile,
        );
        assert_eq!(f.column("code"), Some(0));
        assert_eq!(
            f.require(&["code", "name", "parent_code"]).unwrap(),
            vec![0, 1, 2]
        );
        assert_eq!(f.rows.len(), 1);
        assert_eq!(f.rows[0].line, 2);
        assert_eq!(f.rows[0].get(1), "Ex");
        assert!(f.errors.is_empty());
    }

    #[test]
    fn missing_columns_are_named() {
        let f = CsvFile::read("a.csv", b"code,title\n", Header::InFile);
        let err = f
            .require(&["code", "name", "parent_code"])
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 1, column name"), "{err}");
        assert!(err.contains("column parent_code"), "{err}");
        let empty = CsvFile::read("e.csv", b"", Header::InFile);
        assert!(empty.require(&["code"]).is_err());
    }

    #[test]
    fn lines_count_quoted_newlines_blank_lines_and_crlf() {
        let text = "id,name\r\n1,\"two\nlines\"\r\n\r\n2,ok\r\n , \r\n3\r\n4,x,y\r\n5,z,,\r\n";
        let f = CsvFile::read("a.csv", text.as_bytes(), Header::InFile);
        let lines: Vec<_> = f.rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, vec![2, 5, 9], "{f:?}");
        assert_eq!(f.rows[0].get(1), "two\nlines");
        assert_eq!(f.errors.len(), 2, "{:?}", f.errors);
        assert_eq!(f.errors[0].line, 7);
        assert_eq!(f.errors[0].column.as_deref(), Some("name"));
        assert_eq!(f.errors[1].line, 8);

        let lf = CsvFile::read("b.csv", b"id,name\n\n1,\"a\nb\nc\"\n2,d\n", Header::InFile);
        let lines: Vec<_> = lf.rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, vec![3, 6]);
        let cr = CsvFile::read("c.csv", b"id,name\r1,a\r2,b", Header::InFile);
        let lines: Vec<_> = cr.rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, vec![2, 3]);
    }

    #[test]
    fn given_columns_and_bad_bytes() {
        let f = CsvFile::read(
            "p.csv",
            b"11,ACEH\n12,SUMATERA \xff\n",
            Header::Given(&["id", "name"]),
        );
        assert_eq!(f.rows.len(), 1);
        assert_eq!(f.rows[0].line, 1);
        assert_eq!(f.errors[0].line, 2);
        assert_eq!(f.errors[0].column.as_deref(), Some("name"));
    }

    #[test]
    fn duplicate_headers_are_refused() {
        let f = CsvFile::read("o.csv", b"name,kind,Name\n", Header::InFile);
        assert!(f
            .unique_headers()
            .unwrap_err()
            .to_string()
            .contains("column Name"));
    }
}
