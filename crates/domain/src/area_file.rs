//! The area files, read on the shared reader layer into records for the
//! store: an areas file (`code,name,parent_code[,kind]`), the four BPS
//! files of Indonesia, and a postcode map (`prefix,area_code`).

use crate::{AreaCode, AreaKind, AreaRecord};
use lumbung_tabular::{CsvFile, Header, Rejected, RowError};
use std::collections::{HashMap, HashSet};

// ---------------------------------------------------------------- areas CSV

/// Parses an areas file (`code,name,parent_code[,kind]`) into records and
/// the problems of the rows that could not be parsed.
pub fn parse_areas(file: &CsvFile) -> Result<(Vec<AreaRecord>, Vec<RowError>), Rejected> {
    let cols = file.require(&["code", "name", "parent_code"])?;
    file.unique_headers()?;
    let (code_col, name_col, parent_col) = (cols[0], cols[1], cols[2]);
    let kind_col = file.column("kind");
    Ok(file.records_by_line(|row, check| {
        let code = check.ok("code", AreaCode::parse(row.get(code_col)));
        let name = row.get(name_col);
        if name.is_empty() {
            check.fail("name", name_empty());
        }
        let parent = check.opt("parent_code", row.opt(Some(parent_col)), AreaCode::parse);
        let kind = check.opt("kind", row.opt(kind_col), AreaKind::parse);
        Some(AreaRecord {
            line: row.line,
            code: code?,
            name: name.to_owned(),
            parent,
            kind,
        })
    }))
}

/// The problem of a row without a name.
pub(crate) fn name_empty() -> crate::Text {
    crate::text!("name_empty"; id: "nama kosong", en: "name is empty")
}

// ------------------------------------------------------------ BPS Indonesia

/// The code, name and kind of the root area the BPS provinces sit under.
pub const INDONESIA: (&str, &str, &str) = ("ID", "Indonesia", "country");

/// The four BPS files, top level first: file name, columns, kind.
pub const BPS_LEVELS: [(&str, &[&str], &str); 4] = [
    ("provinces.csv", &["id", "name"], "province"),
    ("regencies.csv", &["id", "parent_id", "name"], "regency"),
    ("districts.csv", &["id", "parent_id", "name"], "district"),
    ("villages.csv", &["id", "parent_id", "name"], "kelurahan"),
];

/// Records of the BPS files carry a line number that is unique across the
/// files: `(file index + 1) * LINE_BLOCK + line in the file`; the root
/// area has line 0. [`BpsBatch::explain`] turns them back into file and line.
const LINE_BLOCK: u64 = 1_000_000_000;

/// The parsed BPS files, ready for the store.
#[derive(Debug)]
pub struct BpsBatch {
    pub records: Vec<AreaRecord>,
    pub errors: Vec<RowError>,
    pub warnings: Vec<String>,
    /// Rows read per level (provinces, regencies, districts, villages).
    pub counts: [u64; 4],
    files: Vec<String>,
}

/// Parses the four BPS files (`files[i]` is the display name and the bytes
/// of `BPS_LEVELS[i]`). The root area is added unless `root_stored`.
///
/// Duplicate ids: the first row with an id keeps it; every later row with
/// that id gets the id with the first free suffix `-2`, `-3`, … and a
/// warning. Rows naming a duplicated id as their parent belong to the
/// first row with it.
pub fn parse_bps(files: &[(String, &[u8]); 4], root_stored: bool) -> BpsBatch {
    let root = AreaCode::parse(INDONESIA.0).expect("valid code");
    let mut batch = BpsBatch {
        records: Vec::new(),
        errors: Vec::new(),
        warnings: Vec::new(),
        counts: [0; 4],
        files: files.iter().map(|(name, _)| name.clone()).collect(),
    };
    if !root_stored {
        batch.records.push(AreaRecord {
            line: 0,
            code: root.clone(),
            name: INDONESIA.1.to_owned(),
            parent: None,
            kind: Some(AreaKind::parse(INDONESIA.2).expect("valid kind")),
        });
    }
    // Every code given out so far: (file index, line, name) of its row.
    let mut taken: HashMap<String, (usize, u64, String)> = HashMap::new();
    taken.insert(
        root.as_str().to_owned(),
        (usize::MAX, 0, INDONESIA.1.to_owned()),
    );
    let mut previous_ids: HashSet<String> = HashSet::new();
    for (level, ((name, bytes), (file_name, columns, kind))) in
        files.iter().zip(BPS_LEVELS).enumerate()
    {
        let file = CsvFile::read(name, bytes, Header::Given(columns));
        let offset = (level as u64 + 1) * LINE_BLOCK;
        let kind = AreaKind::parse(kind).expect("valid kind");
        let name_col = columns.len() - 1;
        let mut ids = HashSet::with_capacity(file.rows.len());
        for e in &file.errors {
            batch.errors.push(RowError {
                line: offset + e.line,
                ..e.clone()
            });
        }
        if file.rows.len() as u64 >= LINE_BLOCK {
            batch.errors.push(RowError::new(
                offset,
                None,
                crate::text!("bps_too_many_rows", file = file_name;
                    id: "{file} terlalu banyak barisnya", en: "{file} has too many rows"),
            ));
            continue;
        }
        for row in &file.rows {
            batch.counts[level] += 1;
            let line = offset + row.line;
            let mut problems = Vec::new();
            let mut fail = |column: &str, message: crate::Text| {
                problems.push(RowError::new(line, Some(column), message))
            };
            let id = AreaCode::parse(row.get(0))
                .map_err(|e| fail("id", e.0))
                .ok();
            let area_name = row.get(name_col);
            if area_name.is_empty() {
                fail("name", name_empty());
            }
            let parent = if level == 0 {
                Some(root.clone())
            } else {
                let raw = row.get(1);
                match AreaCode::parse(raw) {
                    Err(e) => {
                        fail("parent_id", e.0);
                        None
                    }
                    Ok(p) if previous_ids.contains(p.as_str()) => Some(p),
                    Ok(p) => {
                        fail(
                            "parent_id",
                            crate::text!("bps_parent_unknown", id = p, file = BPS_LEVELS[level - 1].0;
                                id: "{id} bukan id di {file}", en: "{id} is not an id in {file}"),
                        );
                        None
                    }
                }
            };
            if !problems.is_empty() {
                batch.errors.append(&mut problems);
                continue;
            }
            let id = id.expect("parsed");
            let code = match taken.get(id.as_str()) {
                None => {
                    ids.insert(id.as_str().to_owned());
                    id
                }
                Some((first_file, first_line, first_name)) => {
                    let new = (2..)
                        .map(|n| format!("{id}-{n}"))
                        .find(|c| !taken.contains_key(c))
                        .expect("a free suffix");
                    let Ok(new_code) = AreaCode::parse(&new) else {
                        batch.errors.push(RowError::new(
                            line,
                            Some("id"),
                            crate::text!("bps_suffix_too_long", id = id;
                                id: "id ganda {id} tidak bisa diberi akhiran (terlalu panjang)",
                                en: "duplicate id {id} cannot be given a suffix (too long)"),
                        ));
                        continue;
                    };
                    let first_at = if *first_file == level {
                        format!("line {first_line}")
                    } else if *first_file == usize::MAX {
                        "the root area".to_owned()
                    } else {
                        format!("{} line {first_line}", batch.files[*first_file])
                    };
                    batch.warnings.push(format!(
                        "{name}: line {}: id {id} ({area_name}) is already used by {first_name} on {first_at}; \
                         {area_name} is imported as {new_code}",
                        row.line
                    ));
                    new_code
                }
            };
            taken.insert(
                code.as_str().to_owned(),
                (level, row.line, area_name.to_owned()),
            );
            batch.records.push(AreaRecord {
                line,
                code,
                name: area_name.to_owned(),
                parent,
                kind: Some(kind.clone()),
            });
        }
        previous_ids = ids;
    }
    batch.errors.sort_by_key(|e| e.line);
    batch
}

impl BpsBatch {
    /// Rewrites a rejection of the batch per file, with the lines of each
    /// file.
    pub fn explain(&self, rejected: Rejected) -> String {
        let mut per_file: Vec<(String, Vec<RowError>)> = Vec::new();
        for e in rejected.errors {
            let (file, line) = match e.line / LINE_BLOCK {
                0 => (format!("root area {}", INDONESIA.0), 0),
                n => (
                    self.files
                        .get(n as usize - 1)
                        .cloned()
                        .unwrap_or_else(|| rejected.file.clone()),
                    e.line % LINE_BLOCK,
                ),
            };
            let error = RowError { line, ..e };
            match per_file.iter_mut().find(|(f, _)| *f == file) {
                Some((_, errors)) => errors.push(error),
                None => per_file.push((file, vec![error])),
            }
        }
        per_file
            .into_iter()
            .map(|(file, errors)| Rejected { file, errors }.to_string())
            .collect::<Vec<_>>()
            .join("")
    }
}

// ------------------------------------------------------------ postcode map

/// One row of a postcode map file.
#[derive(Debug, Clone)]
pub struct PostcodeRecord {
    pub line: u64,
    pub prefix: String,
    pub area_code: AreaCode,
}

/// Parses a postcode map file (`prefix,area_code`).
pub fn parse_postcodes(file: &CsvFile) -> Result<(Vec<PostcodeRecord>, Vec<RowError>), Rejected> {
    let cols = file.require(&["prefix", "area_code"])?;
    file.unique_headers()?;
    Ok(file.records_by_line(|row, check| {
        let prefix = check.ok(
            "prefix",
            crate::postcode::normalise_prefix(row.get(cols[0])),
        );
        let area_code = check.ok("area_code", AreaCode::parse(row.get(cols[1])));
        Some(PostcodeRecord {
            line: row.line,
            prefix: prefix?,
            area_code: area_code?,
        })
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn areas(text: &str) -> (Vec<AreaRecord>, Vec<RowError>) {
        parse_areas(&CsvFile::read("a.csv", text.as_bytes(), Header::InFile)).unwrap()
    }

    #[test]
    fn area_rows_parse_with_optional_kind() {
        let (records, errors) = areas("Name,Code,Parent_Code\nIndonesia,ID,\nBanten,36,ID\n");
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(records[1].parent.as_ref().unwrap().as_str(), "ID");
        assert_eq!(records[1].line, 3);
        assert!(records[0].parent.is_none() && records[0].kind.is_none());
        let (records, _) = areas("code,name,parent_code,kind\nUK,United Kingdom,,Country\n");
        assert_eq!(records[0].kind.as_ref().unwrap().as_str(), "country");
    }

    #[test]
    fn bad_area_rows_name_line_and_column() {
        let (records, errors) = areas("code,name,parent_code,kind\n,Nameless,,\nA B,Spaced,,\nC,,,\nD,Dee,X/Y,\nE,Eee,,rt 1\nF,Fine,,\n");
        assert_eq!(records.len(), 1);
        let found: Vec<_> = errors
            .iter()
            .map(|e| (e.line, e.column.as_deref().unwrap()))
            .collect();
        assert_eq!(
            found,
            vec![
                (2, "code"),
                (3, "code"),
                (4, "name"),
                (5, "parent_code"),
                (6, "kind")
            ]
        );
    }

    #[test]
    fn a_missing_column_refuses_the_file() {
        let err =
            parse_areas(&CsvFile::read("a.csv", b"code,name\nA,B\n", Header::InFile)).unwrap_err();
        assert!(err.to_string().contains("column parent_code"), "{err}");
    }

    fn bps(villages: &str) -> BpsBatch {
        let files = [
            ("p.csv".to_owned(), "36,BANTEN\r\n".as_bytes()),
            (
                "r.csv".to_owned(),
                "3604,36,KABUPATEN SERANG\r\n".as_bytes(),
            ),
            (
                "d.csv".to_owned(),
                "3604240,3604,CIRUAS\r\n3604240,3604,CIRUAS LAGI\r\n".as_bytes(),
            ),
            ("v.csv".to_owned(), villages.as_bytes()),
        ];
        parse_bps(&files, false)
    }

    #[test]
    fn bps_duplicates_get_suffixes_and_warnings() {
        let batch = bps("3604240003,3604240,CIRUAS\r\n3604240003,3604240,KWARI\r\n3604240003,3604240,ANARUM\r\n");
        assert!(batch.errors.is_empty(), "{:?}", batch.errors);
        let codes: Vec<_> = batch.records.iter().map(|r| r.code.as_str()).collect();
        assert_eq!(
            codes,
            vec![
                "ID",
                "36",
                "3604",
                "3604240",
                "3604240-2",
                "3604240003",
                "3604240003-2",
                "3604240003-3"
            ]
        );
        assert_eq!(batch.counts, [1, 1, 2, 3]);
        assert_eq!(batch.warnings.len(), 3);
        let w = &batch.warnings[1];
        assert!(
            w.contains("v.csv: line 2") && w.contains("3604240003") && w.contains("CIRUAS"),
            "{w}"
        );
        assert!(w.contains("KWARI") && w.contains("3604240003-2"), "{w}");
        // Villages under the duplicated district belong to the first one.
        assert_eq!(
            batch.records[5].parent.as_ref().unwrap().as_str(),
            "3604240"
        );
        assert_eq!(batch.records[3].kind.as_ref().unwrap().as_str(), "district");
    }

    #[test]
    fn bps_errors_are_explained_per_file() {
        let batch = bps("3604240003,9999999,NOWHERE\r\n3604240004,3604240\r\n");
        let lines: Vec<_> = batch.errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![4 * LINE_BLOCK + 1, 4 * LINE_BLOCK + 2]);
        let text = batch.explain(Rejected {
            file: "dir".into(),
            errors: batch.errors.clone(),
        });
        assert!(
            text.contains("v.csv: line 1, column parent_id: 9999999 is not an id in districts.csv"),
            "{text}"
        );
        assert!(text.contains("v.csv: line 2, column name"), "{text}");
    }

    #[test]
    fn postcode_rows_are_normalised() {
        let f = CsvFile::read(
            "p.csv",
            b"prefix,area_code\npr 1,E07000123\nPR-2,E07000123\nPR3,\n",
            Header::InFile,
        );
        let (records, errors) = parse_postcodes(&f).unwrap();
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].prefix, "PR1");
        let found: Vec<_> = errors
            .iter()
            .map(|e| (e.line, e.column.as_deref().unwrap()))
            .collect();
        assert_eq!(found, vec![(3, "prefix"), (4, "area_code")]);
    }
}
