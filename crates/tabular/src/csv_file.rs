//! Reading CSV files into trimmed text rows, with every problem kept as a
//! [`RowError`] that names the line (1 = the first line of the file) and
//! the column.

use crate::text::{not_utf8, LineCounting, BOM};
use crate::{cannot_read_row, row_width, too_many_fields, Rejected, RowError, MAX_FIELDS};
use lumbung_text::{text, Text};
use std::collections::VecDeque;
use std::io::{Chain, Cursor, Read};

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

/// A CSV file read row by row from a stream: memory holds one row, not
/// the file (a city's repayments are gigabytes).
pub struct CsvRows<R> {
    pub name: String,
    pub headers: Vec<String>,
    reader: csv::Reader<LineCounting<Chain<Cursor<Vec<u8>>, R>>>,
    record: csv::ByteRecord,
    /// The header line's problems, handed out with the first rows'.
    early: Vec<RowError>,
    done: bool,
}

impl<R: Read> CsvRows<R> {
    /// Opens `source` (UTF-8, with or without a byte-order mark) and reads
    /// the header line when the file has one.
    pub fn new(name: &str, mut source: R, header: Header<'_>) -> CsvRows<R> {
        // The first bytes, to see whether they are a byte-order mark (a
        // read error shows again on the next read, as the row's problem).
        let mut first = Vec::with_capacity(BOM.len());
        let _ = (&mut source).take(BOM.len() as u64).read_to_end(&mut first);
        if first == BOM {
            first.clear();
        }
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(LineCounting::new(Cursor::new(first).chain(source)));
        let mut rows = CsvRows {
            name: name.to_owned(),
            headers: match header {
                Header::InFile => vec![],
                Header::Given(cols) => cols.iter().map(|c| (*c).to_owned()).collect(),
            },
            reader,
            record: csv::ByteRecord::new(),
            early: vec![],
            done: false,
        };
        if matches!(header, Header::InFile) {
            let mut early = vec![];
            if rows.next_record(&mut early).is_some() {
                rows.headers = rows
                    .record
                    .iter()
                    .map(|h| String::from_utf8_lossy(h).trim().to_owned())
                    .collect();
            }
            rows.early = early;
        }
        rows
    }

    /// The next record's line, the record in `self.record`; the problems
    /// of records that cannot be read go to `errors`. Rows with every
    /// cell empty are skipped.
    fn next_record(&mut self, errors: &mut Vec<RowError>) -> Option<u64> {
        while !self.done {
            match self.reader.read_byte_record(&mut self.record) {
                Ok(false) => self.done = true,
                Ok(true) => {
                    let byte = self.record.position().map_or(0, csv::Position::byte);
                    let line = self.reader.get_mut().line_at(byte);
                    if self.record.len() > MAX_FIELDS {
                        // Reading stops: the rest would only cost memory.
                        errors.push(RowError::new(
                            line,
                            None,
                            too_many_fields(self.record.len()),
                        ));
                        self.done = true;
                    } else if self
                        .record
                        .iter()
                        .any(|f| !f.iter().all(u8::is_ascii_whitespace))
                    {
                        return Some(line);
                    }
                }
                Err(e) => {
                    let byte = e.position().map_or(0, csv::Position::byte);
                    let line = self.reader.get_mut().line_at(byte);
                    errors.push(RowError::new(line, None, cannot_read_row(&e)));
                    self.done = matches!(e.kind(), csv::ErrorKind::Io(_));
                }
            }
        }
        None
    }

    /// The next row that can be read, each problem of the rows before it
    /// (and of the header line) added to `errors`; `None` at the end.
    pub fn next_row(&mut self, errors: &mut Vec<RowError>) -> Option<CsvRow> {
        errors.append(&mut self.early);
        while let Some(line) = self.next_record(errors) {
            if let Some(row) = row(&self.headers, line, &self.record, errors) {
                return Some(row);
            }
        }
        None
    }

    /// The next row through `read` (see [`CsvFile::records`]): the record
    /// of the next row where nothing failed, the problems of the others
    /// added to `errors`; `None` at the end.
    pub fn next_checked<T>(
        &mut self,
        errors: &mut Vec<RowError>,
        mut read: impl FnMut(&CsvRow, &mut RowCheck<'_>) -> Option<T>,
    ) -> Option<T> {
        while let Some(row) = self.next_row(errors) {
            if let Some(record) = checked(&row, errors, &mut read) {
                return Some(record);
            }
        }
        None
    }

    /// The indexes of required columns, or the whole file refused with
    /// each missing column named.
    pub fn require(&self, columns: &[&str]) -> Result<Vec<usize>, Rejected> {
        require(&self.name, &self.headers, columns)
    }

    /// The index of a column, by name: case and surrounding spaces ignored.
    pub fn column(&self, name: &str) -> Option<usize> {
        column(&self.headers, name)
    }

    /// The rows through `read`, one at a time (see [`Records`]).
    pub fn records<T, F>(self, read: F) -> Records<R, T, F>
    where
        F: FnMut(&CsvRow, &mut RowCheck<'_>) -> Option<T>,
    {
        Records {
            rows: self,
            read,
            problems: VecDeque::new(),
            next: None,
        }
    }
}

/// A stream's rows through a reader of records: each good row's record,
/// or one problem of a bad row (a row may have several; the problems of
/// the rows before a good row come before its record).
pub struct Records<R, T, F> {
    rows: CsvRows<R>,
    read: F,
    problems: VecDeque<RowError>,
    /// A good row's record read after problems still to be handed out.
    next: Option<T>,
}

impl<R, T, F> Iterator for Records<R, T, F>
where
    R: Read,
    F: FnMut(&CsvRow, &mut RowCheck<'_>) -> Option<T>,
{
    type Item = Result<T, RowError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.problems.is_empty() && self.next.is_none() {
            let mut problems = Vec::new();
            self.next = self.rows.next_checked(&mut problems, &mut self.read);
            self.problems.extend(problems);
        }
        match self.problems.pop_front() {
            Some(problem) => Some(Err(problem)),
            None => self.next.take().map(Ok),
        }
    }
}

/// A row's trimmed fields, or `None` with its problems added to `errors`:
/// a row with fewer fields than the header, or with more non-empty ones,
/// is an error.
fn row(
    headers: &[String],
    line: u64,
    record: &csv::ByteRecord,
    errors: &mut Vec<RowError>,
) -> Option<CsvRow> {
    let width = headers.len();
    let mut fields = Vec::with_capacity(record.len());
    let mut ok = true;
    for (i, raw) in record.iter().enumerate() {
        match std::str::from_utf8(raw) {
            Ok(text) => fields.push(text.trim().to_owned()),
            Err(_) => {
                ok = false;
                let column = headers.get(i).map(String::as_str);
                errors.push(RowError::new(line, column.or(Some("?")), not_utf8()));
                fields.push(String::new());
            }
        }
    }
    if fields.len() < width {
        errors.push(RowError::new(
            line,
            Some(&headers[fields.len()]),
            row_too_short(fields.len(), headers),
        ));
        return None;
    }
    if fields[width..].iter().any(|f| !f.is_empty()) {
        errors.push(RowError::new(line, None, row_width(fields.len(), width)));
        return None;
    }
    fields.truncate(width);
    ok.then_some(CsvRow { line, fields })
}

/// `read` on one row: its record when nothing failed, every problem
/// added to `errors`.
fn checked<T>(
    row: &CsvRow,
    errors: &mut Vec<RowError>,
    read: &mut impl FnMut(&CsvRow, &mut RowCheck<'_>) -> Option<T>,
) -> Option<T> {
    let mut check = RowCheck {
        line: row.line,
        errors,
        failed: false,
    };
    let record = read(row, &mut check);
    if check.failed {
        None
    } else {
        record
    }
}

/// The index of a column among `headers`, by name: case and surrounding
/// spaces ignored.
fn column(headers: &[String], name: &str) -> Option<usize> {
    headers.iter().position(|h| h.eq_ignore_ascii_case(name))
}

/// [`CsvFile::require`] over a file's name and headers.
fn require(file: &str, headers: &[String], columns: &[&str]) -> Result<Vec<usize>, Rejected> {
    let mut found = Vec::with_capacity(columns.len());
    let mut errors = Vec::new();
    for col in columns {
        match column(headers, col) {
            Some(i) => found.push(i),
            None => errors.push(RowError::new(
                1,
                Some(col),
                if headers.is_empty() {
                    text!("required_column_missing_empty", column = col;
                        id: "kolom wajib {column} tidak ada (baris judulnya kosong)",
                        en: "the required column {column} is missing (the header line has: nothing)")
                } else {
                    text!("required_column_missing", column = col, header = headers.join(",");
                        id: "kolom wajib {column} tidak ada (baris judulnya berisi: {header})",
                        en: "the required column {column} is missing (the header line has: {header})")
                },
            )),
        }
    }
    Rejected::unless_any(file, errors, found)
}

impl CsvFile {
    /// Reads `bytes` whole (see [`CsvRows`]): UTF-8, with or without a
    /// byte-order mark. Rows with every cell empty are skipped. A row with
    /// fewer fields than the header, or with more non-empty ones, is an
    /// error.
    pub fn read(name: &str, bytes: &[u8], header: Header<'_>) -> CsvFile {
        let mut stream = CsvRows::new(name, bytes, header);
        let (mut rows, mut errors) = (vec![], vec![]);
        while let Some(row) = stream.next_row(&mut errors) {
            rows.push(row);
        }
        CsvFile {
            name: stream.name,
            headers: stream.headers,
            rows,
            errors,
        }
    }

    /// The index of a column, by name: case and surrounding spaces ignored.
    pub fn column(&self, name: &str) -> Option<usize> {
        column(&self.headers, name)
    }

    /// The indexes of required columns, or the whole file refused with
    /// each missing column named.
    pub fn require(&self, columns: &[&str]) -> Result<Vec<usize>, Rejected> {
        require(&self.name, &self.headers, columns)
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
            records.extend(checked(row, &mut errors, &mut read));
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
    fn a_stream_read_a_byte_at_a_time_finds_the_same_lines() {
        let texts: [&[u8]; 4] = [
            b"id,name\r\n1,\"two\nlines\"\r\n\r\n2,ok\r\n , \r\n3\r\n4,x,y\r\n5,z,,\r\n",
            b"\xEF\xBB\xBFid,name\n\n1,\"a\nb\nc\"\n2,d\n",
            b"id,name\r1,a\r\r2,b\r",
            b"id,name\r\n\r\r\n1,\"a\rb\"\n\r2,b",
        ];
        for text in texts {
            let whole = CsvFile::read("a.csv", text, Header::InFile);
            let mut stream = CsvRows::new(
                "a.csv",
                std::io::BufReader::with_capacity(1, text),
                Header::InFile,
            );
            let (mut rows, mut errors) = (vec![], vec![]);
            while let Some(row) = stream.next_row(&mut errors) {
                rows.push((row.line, row.get(0).to_owned(), row.get(1).to_owned()));
            }
            let want: Vec<_> = whole
                .rows
                .iter()
                .map(|r| (r.line, r.get(0).to_owned(), r.get(1).to_owned()))
                .collect();
            assert_eq!(rows, want, "{}", String::from_utf8_lossy(text));
            assert_eq!(errors, whole.errors);
            assert_eq!(stream.headers, ["id", "name"]);
        }
        let cr = CsvFile::read(
            "c.csv",
            b"id,name\r\n\r\r\n1,\"a\rb\"\n\r2,b",
            Header::InFile,
        );
        let lines: Vec<_> = cr.rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, vec![4, 7]);
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
