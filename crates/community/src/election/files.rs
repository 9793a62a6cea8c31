//! The recount's CSV files (UTF-8, comma-separated, a header line; a
//! byte-order mark is allowed), read whole: every problem is reported with
//! its line (1 = the header line) and column, and nothing is returned when
//! there is one.
//!
//! - BALLOTS: `ballot_id,name1,name2,…` — every column but `ballot_id` holds
//!   names; blank cells are ignored; rows with every cell blank are skipped.
//! - GROUPS: `written,person` — each written variant → the person it means.
//! - RESIDENTS: `person` — who may be named.
//!
//! A cell starting with `'` has it removed before anything else: the
//! published files escape cells that a spreadsheet would run as formulas
//! (`lumbung_domain::csv_out`), and a recount reads the names as written.

use super::ballot::{BallotBox, BallotError};
use super::names::{Grouping, GroupingError, NameKey, Residents};
use lumbung_domain::unescape_cell;
use lumbung_domain::{text, Text};
use lumbung_tabular::text::{not_utf8, strip_bom, LineIndex};
use lumbung_tabular::{
    cannot_read_row, row_width, too_many_fields, too_many_rows, Rejected, RowError, MAX_FIELDS,
    MAX_ROWS,
};
use std::collections::HashMap;

/// Reads a BALLOTS file.
pub fn read_ballots(file: &str, bytes: &[u8]) -> Result<BallotBox, Rejected> {
    let (mut csv, header, cols) =
        Csv::open(file, bytes, "ballot_id,name1,name2,…", &["ballot_id"])?;
    let id_col = cols[0];
    if header.len() < 2 {
        csv.problem(
            csv.header_offset,
            None,
            text!("ballots_no_name_columns";
                id: "baris judul tidak punya kolom nama (yang diharapkan ballot_id,name1,name2,…)",
                en: "the header has no name columns (expected ballot_id,name1,name2,…)"),
        );
        return Err(csv.error());
    }
    let mut bx = BallotBox::new();
    let mut offsets: Vec<u64> = Vec::new();
    let mut record = csv::ByteRecord::new();
    while let Some(offset) = csv.next(&mut record) {
        if !csv.fits(offset, &record, &header) {
            continue;
        }
        let mut utf8 = true;
        for (i, raw) in record.iter().enumerate() {
            if std::str::from_utf8(raw).is_err() {
                utf8 = false;
                csv.problem(offset, header.get(i).map(String::as_str), not_utf8());
            }
        }
        if !utf8 {
            continue;
        }
        fn text(raw: &[u8]) -> &str {
            unescape_cell(std::str::from_utf8(raw).unwrap_or(""))
        }
        let id = text(record.get(id_col).unwrap_or(b""));
        let names = record
            .iter()
            .enumerate()
            .filter(|&(i, _)| i != id_col)
            .map(|(_, raw)| text(raw));
        match bx.push_iter(id, names) {
            Ok(()) => offsets.push(offset),
            Err(BallotError::BlankId) => csv.problem(
                offset,
                Some("ballot_id"),
                text!("ballot_id_empty"; id: "id surat suara kosong", en: "the ballot id is empty"),
            ),
            Err(BallotError::Duplicate(id)) => {
                let first = bx.position(&id).map_or(0, |i| csv.line(offsets[i]));
                csv.problem(
                    offset,
                    Some("ballot_id"),
                    text!("ballot_id_twice", id = id, first = first;
                        id: "id surat suara {id} dipakai dua kali (pertama di baris {first})",
                        en: "the ballot id {id} is used twice (first on line {first})"),
                );
            }
        }
    }
    csv.finish(bx)
}

/// Reads a GROUPS file into the grouping it records.
pub fn read_groups(file: &str, bytes: &[u8]) -> Result<Grouping, Rejected> {
    let (mut csv, header, cols) = Csv::open(file, bytes, "written,person", &["written", "person"])?;
    let (w_col, p_col) = (cols[0], cols[1]);
    let mut grouping = Grouping::new();
    // Where each name first appeared, for the messages.
    let mut lines: HashMap<NameKey, u64> = HashMap::new();
    let mut record = csv::ByteRecord::new();
    while let Some(offset) = csv.next(&mut record) {
        let Some(cells) = csv.text_cells(offset, &record, &header) else {
            continue;
        };
        let (written, person) = (cells[w_col].as_str(), cells[p_col].as_str());
        let result = grouping.add(written, person);
        let line = csv.line(offset);
        let first_line = |name: &str, lines: &HashMap<NameKey, u64>| {
            NameKey::new(name)
                .and_then(|k| lines.get(&k).copied())
                .map_or((String::new(), String::new()), |l| {
                    (format!(" (baris {l})"), format!(" (line {l})"))
                })
        };
        match result {
            Ok(()) => {
                for name in [written, person] {
                    if let Some(k) = NameKey::new(name) {
                        lines.entry(k).or_insert(line);
                    }
                }
            }
            Err(GroupingError::BlankWritten) => {
                csv.problem(
                    offset,
                    Some("written"),
                    text!("written_name_empty"; id: "nama tertulis kosong", en: "the written name is empty"),
                )
            }
            Err(GroupingError::BlankPerson) => {
                csv.problem(offset, Some("person"), person_empty())
            }
            Err(GroupingError::Conflict {
                written: w,
                first,
                second,
            }) => {
                let at = first_line(&w, &lines);
                csv.problem(
                    offset,
                    Some("person"),
                    Text::new(
                        "grouping_conflict",
                        vec![
                            ("written", w.clone()),
                            ("first", first.clone()),
                            ("second", second.clone()),
                        ],
                        format!(
                            "{w:?} dipetakan ke dua orang yang berbeda: {first:?}{} dan {second:?}",
                            at.0
                        ),
                        format!(
                            "{w:?} is mapped to two different persons: {first:?}{} and {second:?}",
                            at.1
                        ),
                    ),
                );
            }
            Err(GroupingError::PersonIsVariant { name, other }) => {
                let at = first_line(&name, &lines);
                csv.problem(
                    offset,
                    Some("person"),
                    Text::new(
                        "grouping_person_is_variant",
                        vec![("name", name.clone()), ("other", other.clone())],
                        format!(
                            "{name:?} sudah menjadi varian dari {other:?}{} dan tidak bisa juga \
                             menjadi orang; petakan setiap varian langsung ke orangnya",
                            at.0
                        ),
                        format!(
                            "{name:?} is already a variant of {other:?}{} and cannot also be a \
                             person; map every variant straight to the person",
                            at.1
                        ),
                    ),
                );
            }
            Err(GroupingError::VariantIsPerson { name, other }) => {
                let at = first_line(&name, &lines);
                csv.problem(
                    offset,
                    Some("written"),
                    Text::new(
                        "grouping_variant_is_person",
                        vec![("name", name.clone()), ("other", other.clone())],
                        format!(
                            "{name:?} sudah menjadi orang{} dan tidak bisa juga menjadi varian \
                             dari {other:?}; petakan setiap varian langsung ke orangnya",
                            at.0
                        ),
                        format!(
                            "{name:?} is already a person{} and cannot also be a variant of \
                             {other:?}; map every variant straight to the person",
                            at.1
                        ),
                    ),
                );
            }
        }
    }
    csv.finish(grouping)
}

/// Reads a RESIDENTS file.
pub fn read_residents(file: &str, bytes: &[u8]) -> Result<Residents, Rejected> {
    let (mut csv, header, cols) = Csv::open(file, bytes, "person", &["person"])?;
    let p_col = cols[0];
    let mut residents = Residents::new();
    let mut record = csv::ByteRecord::new();
    while let Some(offset) = csv.next(&mut record) {
        let Some(cells) = csv.text_cells(offset, &record, &header) else {
            continue;
        };
        if cells[p_col].is_empty() {
            csv.problem(offset, Some("person"), person_empty());
        } else {
            residents.add(&cells[p_col]);
        }
    }
    csv.finish(residents)
}

/// The problem of a row without a person.
fn person_empty() -> Text {
    text!("person_empty"; id: "orangnya kosong", en: "the person is empty")
}

/// A CSV file being read: records with their byte offsets, problems with
/// lines worked out only when there is a problem.
struct Csv<'a> {
    name: &'a str,
    bytes: &'a [u8],
    reader: csv::Reader<&'a [u8]>,
    problems: Vec<(u64, RowError)>,
    /// Built on the first problem.
    lines: Option<LineIndex<'a>>,
    header_offset: u64,
    /// Records read so far (the header included).
    rows: usize,
}

impl<'a> Csv<'a> {
    fn new(name: &'a str, bytes: &'a [u8]) -> Csv<'a> {
        let bytes = strip_bom(bytes);
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(bytes);
        Csv {
            name,
            bytes,
            reader,
            problems: Vec::new(),
            lines: None,
            header_offset: 0,
            rows: 0,
        }
    }

    /// The next record that has a non-blank cell, with its byte offset.
    fn next(&mut self, record: &mut csv::ByteRecord) -> Option<u64> {
        loop {
            match self.reader.read_byte_record(record) {
                Ok(false) => return None,
                Ok(true) => {
                    if record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
                        continue;
                    }
                    let offset = record.position().map_or(0, csv::Position::byte);
                    self.rows += 1;
                    // Reading stops: the rest would only cost memory.
                    if record.len() > MAX_FIELDS {
                        self.problem(offset, None, too_many_fields(record.len()));
                        return None;
                    }
                    if self.rows > MAX_ROWS {
                        self.problem(offset, None, too_many_rows());
                        return None;
                    }
                    return Some(offset);
                }
                Err(e) => {
                    let offset = e.position().map_or(0, csv::Position::byte);
                    self.problem(offset, None, cannot_read_row(&e));
                    if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                        return None;
                    }
                }
            }
        }
    }

    /// The header line, trimmed; `None` (and a problem) when the file is
    /// empty or the header is not UTF-8.
    fn header(&mut self, expected: &str) -> Option<Vec<String>> {
        let mut record = csv::ByteRecord::new();
        let Some(offset) = self.next(&mut record) else {
            if self.problems.is_empty() {
                self.problem(
                    0,
                    None,
                    text!("file_empty_header_missing", expected = expected;
                        id: "berkasnya kosong; baris judul {expected} tidak ada",
                        en: "the file is empty; the header line {expected} is missing"),
                );
            }
            return None;
        };
        self.header_offset = offset;
        let mut header = Vec::with_capacity(record.len());
        for raw in record.iter() {
            match std::str::from_utf8(raw) {
                Ok(t) => header.push(t.trim().to_owned()),
                Err(_) => {
                    self.problem(
                        offset,
                        None,
                        text!("header_not_utf8";
                            id: "baris judul bukan UTF-8 (sel ini bukan UTF-8 yang sah; simpan berkas sebagai UTF-8 (CSV UTF-8))",
                            en: "the header is not UTF-8 (the cell is not valid UTF-8; save the file as UTF-8 (CSV UTF-8))"),
                    );
                    return None;
                }
            }
        }
        Some(header)
    }

    /// The indexes of `columns` (case and spaces ignored), each exactly
    /// once; `None` (and problems) otherwise.
    fn require(&mut self, header: &[String], columns: &[&str]) -> Option<Vec<usize>> {
        let mut found = Vec::new();
        for col in columns {
            let at: Vec<usize> = header
                .iter()
                .enumerate()
                .filter(|(_, h)| h.eq_ignore_ascii_case(col))
                .map(|(i, _)| i)
                .collect();
            match at[..] {
                [i] => found.push(i),
                [] => self.problem(
                    self.header_offset,
                    Some(col),
                    text!("required_column_missing", column = col, header = header.join(",");
                        id: "kolom wajib {column} tidak ada (baris judulnya berisi: {header})",
                        en: "the required column {column} is missing (the header line has: {header})"),
                ),
                _ => self.problem(
                    self.header_offset,
                    Some(col),
                    text!("column_repeated", column = col, times = at.len();
                        id: "kolom {column} muncul {times} kali di baris judul",
                        en: "the column {column} appears {times} times in the header"),
                ),
            }
        }
        (found.len() == columns.len()).then_some(found)
    }

    /// False (and a problem) when the row has non-empty cells beyond the
    /// header's columns. Shorter rows are fine: missing cells are blank.
    fn fits(&mut self, offset: u64, record: &csv::ByteRecord, header: &[String]) -> bool {
        let extra = record
            .iter()
            .skip(header.len())
            .any(|f| !f.iter().all(u8::is_ascii_whitespace));
        if extra {
            self.problem(offset, None, row_width(record.len(), header.len()));
        }
        !extra
    }

    /// The row's cells, trimmed, as many as the header has columns.
    fn text_cells(
        &mut self,
        offset: u64,
        record: &csv::ByteRecord,
        header: &[String],
    ) -> Option<Vec<String>> {
        if !self.fits(offset, record, header) {
            return None;
        }
        let mut cells = Vec::with_capacity(header.len());
        for (i, column) in header.iter().enumerate() {
            let raw = record.get(i).unwrap_or(b"");
            match std::str::from_utf8(raw) {
                Ok(t) => cells.push(unescape_cell(t).trim().to_owned()),
                Err(_) => {
                    self.problem(offset, Some(column), not_utf8());
                    return None;
                }
            }
        }
        Some(cells)
    }

    fn problem(&mut self, offset: u64, column: Option<&str>, message: Text) {
        let line = self.line(offset);
        self.problems
            .push((offset, RowError::new(line, column, message)));
    }

    /// The line of the record that starts at byte `offset`.
    fn line(&mut self, offset: u64) -> u64 {
        let bytes = self.bytes;
        self.lines
            .get_or_insert_with(|| LineIndex::new(bytes))
            .line(offset)
    }

    /// A reader past the header of `bytes`, with the header and the
    /// indexes of `columns`; the file refused when the header (`expected`
    /// in the message for an empty file) or a column is not there.
    fn open(
        name: &'a str,
        bytes: &'a [u8],
        expected: &str,
        columns: &[&str],
    ) -> Result<(Csv<'a>, Vec<String>, Vec<usize>), Rejected> {
        let mut csv = Csv::new(name, bytes);
        let header = csv.header(expected);
        let cols = header.as_ref().and_then(|h| csv.require(h, columns));
        match (header, cols) {
            (Some(h), Some(c)) => Ok((csv, h, c)),
            _ => Err(csv.error()),
        }
    }

    /// `value` when no row had a problem, else the file refused.
    fn finish<T>(self, value: T) -> Result<T, Rejected> {
        if self.problems.is_empty() {
            Ok(value)
        } else {
            Err(self.error())
        }
    }

    fn error(self) -> Rejected {
        let mut problems = self.problems;
        problems.sort_by_key(|(offset, _)| *offset);
        Rejected {
            file: self.name.to_owned(),
            errors: problems.into_iter().map(|(_, e)| e).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ballots_are_read_with_any_number_of_name_columns() {
        let text = "\u{feff}Ballot_ID , name1,name2,name3,name4\n\
                    1,Udin,Asep,,\n\
                    \n\
                    2, Siti ,\"Ani\",Budi\n\
                    ,,,,\n\
                    3\n";
        let bx = read_ballots("b.csv", text.as_bytes()).unwrap();
        assert_eq!(bx.len(), 3);
        assert_eq!(bx.get(0).names().collect::<Vec<_>>(), ["Udin", "Asep"]);
        assert_eq!(
            bx.get(1).names().collect::<Vec<_>>(),
            ["Siti", "Ani", "Budi"]
        );
        assert_eq!(bx.get(2).id(), "3");
        assert_eq!(bx.get(2).names().len(), 0);
    }

    #[test]
    fn escaped_cells_are_read_as_written_before_the_escape() {
        let text = lumbung_domain::csv_text(
            &["ballot_id", "name1", "name2"],
            [["'1", "=HYPERLINK(\"http://x\",\"y\")", "-Udin"]],
        );
        assert!(text.contains("''1,\"'=HYPERLINK("), "{text}");
        let bx = read_ballots("b.csv", text.as_bytes()).unwrap();
        assert_eq!(bx.get(0).id(), "'1");
        assert_eq!(
            bx.get(0).names().collect::<Vec<_>>(),
            ["=HYPERLINK(\"http://x\",\"y\")", "-Udin"]
        );
        let groups = lumbung_domain::csv_text(&["written", "person"], [["@Udin", "+Udin"]]);
        let g = read_groups("g.csv", groups.as_bytes()).unwrap();
        let (written, person) = g.entries().next().unwrap();
        assert_eq!((written, person.as_str()), ("@Udin", "+Udin"));
        let residents = lumbung_domain::csv_text(&["person"], [["=Siti"]]);
        let r = read_residents("r.csv", residents.as_bytes()).unwrap();
        assert!(r.contains(&NameKey::new("=Siti").unwrap()));
    }

    #[test]
    fn ballot_file_problems_name_the_line_and_column() {
        let err = read_ballots("b.csv", b"id,name1\n1,a\n").unwrap_err();
        assert_eq!(err.errors.len(), 1);
        assert_eq!(
            err.brief().to_string(),
            "b.csv: line 1, column ballot_id: the required column ballot_id is missing \
             (the header line has: id,name1)"
        );
        let err = read_ballots("b.csv", b"").unwrap_err();
        assert!(
            err.brief()
                .to_string()
                .contains("b.csv: line 1: the file is empty"),
            "{err}"
        );
        let err = read_ballots("b.csv", b"ballot_id\n1\n").unwrap_err();
        assert!(err.brief().to_string().contains("no name columns"), "{err}");

        let text = "ballot_id,name1,name2\r\n\
                    1,a,b\r\n\
                    2,\"c\nd\",e\r\n\
                    1,f,g\r\n\
                    ,h,i\r\n\
                    3,j,k,l\r\n\
                    4,\u{1},k\r\n";
        let mut bytes = text.as_bytes().to_vec();
        let bad = bytes.iter().position(|&b| b == 1).unwrap();
        bytes[bad] = 0xff;
        let err = read_ballots("b.csv", &bytes).unwrap_err();
        let lines: Vec<_> = err.errors.iter().map(|p| p.line).collect();
        assert_eq!(lines, [5, 6, 7, 8], "{err}");
        let text = err.brief().to_string();
        assert!(text.starts_with("b.csv: 4 problems\n"), "{text}");
        assert!(
            text.contains(
                "b.csv: line 5, column ballot_id: the ballot id 1 is used twice (first on line 2)"
            ),
            "{text}"
        );
        assert!(
            text.contains("line 6, column ballot_id: the ballot id is empty"),
            "{text}"
        );
        assert!(
            text.contains("line 7: the row has 4 fields, the header has 3"),
            "{text}"
        );
        assert!(
            text.contains("line 8, column name1: the cell is not valid UTF-8"),
            "{text}"
        );
    }

    #[test]
    fn groups_are_read_and_conflicts_named_with_both_lines() {
        let g = read_groups(
            "g.csv",
            b"written,person,note\nH. Udin,Udin,ok\nPak Haji Udin,Udin,\n",
        )
        .unwrap();
        assert_eq!(g.len(), 2);
        let err = read_groups(
            "g.csv",
            b"written,person\nH. Udin,Udin\nh.  udin,Udin Saprudin\n",
        )
        .unwrap_err();
        assert_eq!(
            err.brief().to_string(),
            "g.csv: line 3, column person: \"h. udin\" is mapped to two different persons: \
             \"Udin\" (line 2) and \"Udin Saprudin\""
        );
        let err = read_groups("g.csv", b"written,name\n").unwrap_err();
        assert!(err
            .brief()
            .to_string()
            .contains("column person: the required column person is missing"));
        let err = read_groups("g.csv", b"variant,name\n").unwrap_err();
        assert_eq!(err.errors.len(), 2);
        let err =
            read_groups("g.csv", b"written,person\nUdin,\nUcup,Udin\nUdin,Asep\n").unwrap_err();
        let text = err.brief().to_string();
        assert!(
            text.contains("line 2, column person: the person is empty"),
            "{text}"
        );
        assert!(
            text.contains(
                "line 4, column written: \"Udin\" is already a person (line 3) and cannot also \
                 be a variant of \"Asep\""
            ),
            "{text}"
        );
    }

    #[test]
    fn residents_are_read() {
        let r = read_residents("r.csv", b"person\nUdin\n Asep \n").unwrap();
        assert_eq!(r.len(), 2);
        let err = read_residents("r.csv", b"name\nUdin\n").unwrap_err();
        assert!(
            err.brief().to_string().contains("line 1, column person"),
            "{err}"
        );
        let err = read_residents("r.csv", b"person,rw\n,01\n").unwrap_err();
        assert!(err
            .brief()
            .to_string()
            .contains("line 2, column person: the person is empty"));
    }
}
