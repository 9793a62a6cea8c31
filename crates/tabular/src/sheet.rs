//! A spreadsheet's sheet as rows of cells, read only after the workbook's
//! size is checked: a small file must not unfold into gigabytes.

use crate::table::{limits, thousands, Row, Value, OLE_MAGIC};
use jiff::civil::Date;

#[derive(Debug, Clone, PartialEq)]
pub enum SheetCell {
    Empty,
    Text(String),
    Number(String),
    Date(Date),
}

pub struct SheetRow {
    pub line: u64,
    pub cells: Vec<SheetCell>,
}

impl Row for SheetRow {
    fn line(&self) -> u64 {
        self.line
    }
    fn get(&self, col: usize) -> Value<'_> {
        match self.cells.get(col) {
            None | Some(SheetCell::Empty) => Value::Empty,
            Some(SheetCell::Text(s)) => Value::Text(s),
            Some(SheetCell::Number(s)) => Value::Number(s),
            Some(SheetCell::Date(d)) => Value::Date(*d),
        }
    }
    fn len(&self) -> usize {
        self.cells.len()
    }
}

/// A column's letters: 0 → `A`, 16383 → `XFD`.
fn column_letters(col: u32) -> String {
    let mut n = u64::from(col) + 1;
    let mut out = Vec::new();
    while n > 0 {
        let rem = ((n - 1) % 26) as u8;
        out.push(b'A' + rem);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// An open workbook (XLSX or XLSM), its size checked.
pub type Book<'a> = calamine::Xlsx<std::io::Cursor<&'a [u8]>>;

/// Opens a workbook and names the sheets to try: `wanted` by name (case
/// and surrounding spaces aside), or every sheet in order. Only XLSX (and
/// XLSM) is read, and only after [`check_zip`]: the other formats' readers
/// unfold every sheet whole as they open, before any size can be checked.
pub fn open_book<'a>(
    bytes: &'a [u8],
    wanted: Option<&str>,
) -> Result<(Book<'a>, Vec<String>), String> {
    use calamine::Reader;
    if bytes.starts_with(&OLE_MAGIC) {
        return Err(
            "this is an old Excel workbook (.xls), which is not read: save it as an Excel \
             workbook (.xlsx) or as CSV"
                .to_string(),
        );
    }
    check_zip(bytes)?;
    let book = guarded(|| calamine::Xlsx::new(std::io::Cursor::new(bytes)))
        .and_then(|r| r.map_err(|e| e.to_string()))
        .map_err(|e| format!("cannot read the workbook: {e}"))?;
    let names = book.sheet_names();
    let chosen = match wanted {
        Some(w) => {
            let found = names
                .iter()
                .find(|n| n.trim().eq_ignore_ascii_case(w.trim()))
                .ok_or_else(|| {
                    format!(
                        "no sheet named {w:?}; the sheets are: {}",
                        names
                            .iter()
                            .map(|n| format!("{n:?}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                })?;
            vec![found.clone()]
        }
        None => names,
    };
    Ok((book, chosen))
}

/// Runs the spreadsheet library on untrusted bytes: a panic in it is a
/// damaged file, not a crashed server.
fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .map_err(|_| "the file is damaged".to_string())
}

/// Refuses a zip that is not an XLSX workbook, or whose parts unzip to
/// more than [`limits::UNZIPPED_BYTES`] (the bytes are counted as they
/// unzip: a part's declared size is not trusted).
fn check_zip(bytes: &[u8]) -> Result<(), String> {
    check_zip_within(bytes, limits::UNZIPPED_BYTES, limits::SHARED_STRINGS_BYTES)
}

fn check_zip_within(bytes: &[u8], most: u64, most_strings: u64) -> Result<(), String> {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| format!("cannot read the workbook: {e}"))?;
    if zip.len() > limits::ZIP_PARTS {
        return Err(format!(
            "the workbook has {} parts, more than the {} read",
            thousands(zip.len() as u64),
            thousands(limits::ZIP_PARTS as u64)
        ));
    }
    let names: Vec<Vec<u8>> = zip.file_names_raw().map(<[u8]>::to_vec).collect();
    let has = |part: &str| {
        names
            .iter()
            .any(|n| n.eq_ignore_ascii_case(part.as_bytes()))
    };
    if !has("xl/workbook.xml") {
        let kind = if has("xl/workbook.bin") {
            "a binary Excel workbook (.xlsb)"
        } else if has("content.xml") {
            "an OpenDocument spreadsheet (.ods)"
        } else {
            "not an Excel workbook"
        };
        return Err(format!(
            "this is {kind}, which is not read: save it as an Excel workbook (.xlsx) or as CSV"
        ));
    }
    let mut total = 0u64;
    for i in 0..zip.len() {
        let mut part = zip
            .by_index(i)
            .map_err(|e| format!("cannot read the workbook: {e}"))?;
        let name = String::from_utf8_lossy(part.name_raw()).into_owned();
        let strings = name.eq_ignore_ascii_case("xl/sharedStrings.xml");
        let room = if strings {
            most_strings.min(most - total)
        } else {
            most - total
        };
        let size = std::io::copy(&mut (&mut part).take(room + 1), &mut std::io::sink())
            .map_err(|e| format!("cannot read the workbook's part {name}: {e}"))?;
        if size > room {
            let (what, limit) = if strings && most_strings < most - total {
                ("its shared strings unzip", most_strings)
            } else {
                ("it unzips", most)
            };
            return Err(format!(
                "the workbook is too large to read: {what} to more than {} bytes (at {name}); \
                 save the sheet as CSV",
                thousands(limit)
            ));
        }
        total += size;
    }
    Ok(())
}

/// The rows of one sheet, streamed cell by cell: nothing is allocated for
/// the sheet's declared dimension, and the sheet is refused as soon as its
/// cells span more than [`limits::SHEET_CELLS`] or the XML holds more
/// cells than that. Rows run from the first with a value to the last;
/// each row's cells from column A to its last value.
pub fn sheet(book: &mut Book<'_>, name: &str) -> Result<Vec<SheetRow>, String> {
    guarded(|| read_sheet(book, name)).and_then(|r| r)
}

fn read_sheet(book: &mut Book<'_>, name: &str) -> Result<Vec<SheetRow>, String> {
    let mut reader = book
        .worksheet_cells_reader(name)
        .map_err(|e| format!("cannot read sheet {name:?}: {e}"))?;
    let too_large = |what: String| {
        format!(
            "sheet {name:?} is too large to read: {what}; at most {} cells are read. Delete the \
             stray cells below or to the right of the table, or save the sheet as CSV",
            thousands(limits::SHEET_CELLS)
        )
    };
    let mut cells: Vec<(u32, u32, SheetCell)> = Vec::new();
    let mut seen = 0u64;
    let (mut top, mut bottom, mut right) = (u32::MAX, 0u32, 0u32);
    while let Some(cell) = reader
        .next_cell()
        .map_err(|e| format!("cannot read sheet {name:?}: {e}"))?
    {
        seen += 1;
        if seen > limits::SHEET_CELLS {
            return Err(too_large(format!(
                "it holds more than {} cells",
                thousands(limits::SHEET_CELLS)
            )));
        }
        let (row, col) = cell.get_position();
        let value = sheet_cell(calamine::Data::from(cell.get_value().clone()));
        if value == SheetCell::Empty {
            continue;
        }
        (top, bottom, right) = (top.min(row), bottom.max(row), right.max(col));
        let area = (u64::from(bottom - top) + 1) * (u64::from(right) + 1);
        if area > limits::SHEET_CELLS {
            return Err(too_large(format!(
                "its cells span A{}:{}{} ({} rows by {} columns)",
                u64::from(top) + 1,
                column_letters(right),
                u64::from(bottom) + 1,
                thousands(u64::from(bottom - top) + 1),
                thousands(u64::from(right) + 1)
            )));
        }
        cells.push((row, col, value));
    }
    // Cells come in the file's order; a position written twice keeps the
    // last value (the sort is stable).
    cells.sort_by_key(|&(row, col, _)| (row, col));
    let Some(&(first, ..)) = cells.first() else {
        return Ok(Vec::new());
    };
    let mut rows: Vec<SheetRow> = (first..=bottom)
        .map(|r| SheetRow {
            line: u64::from(r) + 1,
            cells: Vec::new(),
        })
        .collect();
    for (row, col, value) in cells {
        let row = &mut rows[(row - first) as usize].cells;
        let col = col as usize;
        if row.len() <= col {
            row.resize(col + 1, SheetCell::Empty);
        }
        row[col] = value;
    }
    Ok(rows)
}

fn sheet_cell(cell: calamine::Data) -> SheetCell {
    use calamine::Data;
    match cell {
        Data::Empty => SheetCell::Empty,
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => SheetCell::Text(s),
        Data::Int(n) => SheetCell::Number(n.to_string()),
        Data::Float(f) => match sheet_decimal(f) {
            Some(d) => SheetCell::Number(d),
            None => SheetCell::Text(f.to_string()),
        },
        Data::Bool(b) => SheetCell::Text(if b { "TRUE" } else { "FALSE" }.to_string()),
        Data::DateTime(dt) => {
            let (y, m, d, hh, mm, ss, _) = dt.to_ymd_hms_milli();
            if dt.is_datetime() && dt.as_f64() >= 1.0 {
                match Date::new(y as i16, m as i8, d as i8) {
                    Ok(date) => SheetCell::Date(date),
                    Err(_) => SheetCell::Text(dt.as_f64().to_string()),
                }
            } else {
                // A time of day or a duration: no date in it.
                SheetCell::Text(format!("{hh:02}:{mm:02}:{ss:02}"))
            }
        }
        Data::Error(e) => SheetCell::Text(format!("#{e:?}")),
    }
}

/// A number as a spreadsheet stores it (a binary float), written as the
/// decimal a person sees: rounded to 15 significant digits, as Excel shows
/// numbers, which takes off the noise of binary fractions (`0.1 + 0.2`).
pub fn sheet_decimal(v: f64) -> Option<String> {
    if !v.is_finite() {
        return None;
    }
    let sci = format!("{v:.14e}");
    let (mantissa, exp) = sci.split_once('e')?;
    let exp: i32 = exp.parse().ok()?;
    let (negative, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => (true, m),
        None => (false, mantissa),
    };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    // The decimal point goes after digit number exp + 1.
    let point = exp + 1;
    let (int, frac) = if point <= 0 {
        (
            "0".to_string(),
            format!("{}{digits}", "0".repeat((-point) as usize)),
        )
    } else if point as usize >= digits.len() {
        (
            format!("{digits}{}", "0".repeat(point as usize - digits.len())),
            String::new(),
        )
    } else {
        (
            digits[..point as usize].to_string(),
            digits[point as usize..].to_string(),
        )
    };
    let frac = frac.trim_end_matches('0');
    let int = int.trim_start_matches('0');
    let int = if int.is_empty() { "0" } else { int };
    let sign = if negative && (int != "0" || !frac.is_empty()) {
        "-"
    } else {
        ""
    };
    Some(if frac.is_empty() {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A workbook whose shared strings unzip to `strings` spaces.
    fn zipped(strings: usize) -> Vec<u8> {
        use std::io::Write;
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default();
        zip.start_file("xl/workbook.xml", options).unwrap();
        zip.write_all(b"<workbook/>").unwrap();
        zip.start_file("xl/sharedStrings.xml", options).unwrap();
        let block = vec![b' '; 1 << 16];
        for _ in 0..strings / block.len() {
            zip.write_all(&block).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    #[test]
    fn unzipped_sizes_are_counted_not_trusted() {
        let bytes = zipped(4 << 20);
        assert!(bytes.len() < 64 << 10, "{}", bytes.len());
        assert!(check_zip_within(&bytes, 8 << 20, 8 << 20).is_ok());
        let e = check_zip_within(&bytes, 8 << 20, 1 << 20).unwrap_err();
        assert!(
            e.contains("shared strings unzip to more than 1,048,576 bytes"),
            "{e}"
        );
        let e = check_zip_within(&bytes, 2 << 20, 8 << 20).unwrap_err();
        assert!(e.contains("it unzips to more than 2,097,152 bytes"), "{e}");
    }

    #[test]
    fn column_letters_are_spreadsheet_names() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(16_383), "XFD");
    }

    #[test]
    fn spreadsheet_floats_become_exact_decimals() {
        assert_eq!(sheet_decimal(1500.0).unwrap(), "1500");
        assert_eq!(sheet_decimal(8310.6).unwrap(), "8310.6");
        assert_eq!(sheet_decimal(0.1 + 0.2).unwrap(), "0.3");
        assert_eq!(sheet_decimal(1234.56 * 3.0).unwrap(), "3703.68");
        assert_eq!(sheet_decimal(-0.01).unwrap(), "-0.01");
        assert_eq!(sheet_decimal(0.0).unwrap(), "0");
        assert_eq!(sheet_decimal(20016580.0).unwrap(), "20016580");
        assert_eq!(sheet_decimal(1.5e15).unwrap(), "1500000000000000");
        assert_eq!(sheet_decimal(0.000123).unwrap(), "0.000123");
        assert_eq!(sheet_decimal(f64::NAN), None);
    }
}
