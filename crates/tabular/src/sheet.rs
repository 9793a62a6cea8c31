//! A spreadsheet's sheet as rows of cells, read only after the workbook's
//! size is checked: a small file must not unfold into gigabytes.

use crate::table::{limits, thousands, Row, Value, OLE_MAGIC};
use jiff::civil::Date;
use lumbung_text::{text, Text};
use std::fmt;

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
) -> Result<(Book<'a>, Vec<String>), Text> {
    use calamine::Reader;
    if bytes.starts_with(&OLE_MAGIC) {
        return Err(text!("old_excel_workbook";
            id: "ini buku kerja Excel lama (.xls), yang tidak dibaca: simpan sebagai buku kerja \
                 Excel (.xlsx) atau sebagai CSV",
            en: "this is an old Excel workbook (.xls), which is not read: save it as an Excel \
                 workbook (.xlsx) or as CSV"));
    }
    check_zip(bytes)?;
    let book = match guarded(|| calamine::Xlsx::new(std::io::Cursor::new(bytes))) {
        Ok(read) => read.map_err(cannot_read_workbook)?,
        Err(damaged) => {
            return Err(damaged.prefixed(
                "buku kerja tidak bisa dibaca: ",
                "cannot read the workbook: ",
            ))
        }
    };
    let names = book.sheet_names();
    let chosen = match wanted {
        Some(w) => {
            let found = names
                .iter()
                .find(|n| n.trim().eq_ignore_ascii_case(w.trim()))
                .ok_or_else(|| {
                    let sheets = names
                        .iter()
                        .map(|n| format!("{n:?}"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    text!("no_such_sheet", sheet = format!("{w:?}"), sheets = sheets;
                        id: "tidak ada lembar bernama {sheet}; lembar yang ada: {sheets}",
                        en: "no sheet named {sheet}; the sheets are: {sheets}")
                })?;
            vec![found.clone()]
        }
        None => names,
    };
    Ok((book, chosen))
}

/// Runs the spreadsheet library on untrusted bytes: a panic in it is a
/// damaged file, not a crashed server.
fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, Text> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .map_err(|_| text!("file_damaged"; id: "berkasnya rusak", en: "the file is damaged"))
}

/// `cannot read the workbook: {error}`.
fn cannot_read_workbook(error: impl fmt::Display) -> Text {
    text!("cannot_read_workbook", error = error;
        id: "buku kerja tidak bisa dibaca: {error}", en: "cannot read the workbook: {error}")
}

/// Refuses a zip that is not an XLSX workbook, or whose parts unzip to
/// more than [`limits::UNZIPPED_BYTES`] (the bytes are counted as they
/// unzip: a part's declared size is not trusted).
fn check_zip(bytes: &[u8]) -> Result<(), Text> {
    check_zip_within(bytes, limits::UNZIPPED_BYTES, limits::SHARED_STRINGS_BYTES)
}

fn check_zip_within(bytes: &[u8], most: u64, most_strings: u64) -> Result<(), Text> {
    use std::io::Read;
    let mut zip =
        zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(cannot_read_workbook)?;
    if zip.len() > limits::ZIP_PARTS {
        return Err(text!("too_many_parts", parts = thousands(zip.len() as u64),
            max = thousands(limits::ZIP_PARTS as u64);
            id: "buku kerja ini punya {parts} bagian, lebih dari {max} yang dibaca",
            en: "the workbook has {parts} parts, more than the {max} read"));
    }
    let names: Vec<Vec<u8>> = zip.file_names_raw().map(<[u8]>::to_vec).collect();
    let has = |part: &str| {
        names
            .iter()
            .any(|n| n.eq_ignore_ascii_case(part.as_bytes()))
    };
    if !has("xl/workbook.xml") {
        let (code, id, en) = if has("xl/workbook.bin") {
            (
                "xlsb",
                "buku kerja Excel biner (.xlsb)",
                "a binary Excel workbook (.xlsb)",
            )
        } else if has("content.xml") {
            (
                "ods",
                "lembar kerja OpenDocument (.ods)",
                "an OpenDocument spreadsheet (.ods)",
            )
        } else {
            (
                "not_excel",
                "bukan buku kerja Excel",
                "not an Excel workbook",
            )
        };
        return Err(Text::new(
            "workbook_not_read",
            vec![("kind", code.to_owned())],
            format!("ini {id}, yang tidak dibaca: simpan sebagai buku kerja Excel (.xlsx) atau sebagai CSV"),
            format!("this is {en}, which is not read: save it as an Excel workbook (.xlsx) or as CSV"),
        ));
    }
    let mut total = 0u64;
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).map_err(cannot_read_workbook)?;
        let name = String::from_utf8_lossy(part.name_raw()).into_owned();
        let strings = name.eq_ignore_ascii_case("xl/sharedStrings.xml");
        let room = if strings {
            most_strings.min(most - total)
        } else {
            most - total
        };
        let size =
            std::io::copy(&mut (&mut part).take(room + 1), &mut std::io::sink()).map_err(|e| {
                text!("cannot_read_part", part = name, error = e;
                    id: "bagian {part} buku kerja tidak bisa dibaca: {error}",
                    en: "cannot read the workbook's part {part}: {error}")
            })?;
        if size > room {
            let ((id, en), limit) = if strings && most_strings < most - total {
                (
                    ("teks bersamanya", "its shared strings unzip"),
                    most_strings,
                )
            } else {
                (("isinya", "it unzips"), most)
            };
            let limit = thousands(limit);
            return Err(Text::new(
                "workbook_too_large",
                vec![("limit", limit.clone()), ("part", name.clone())],
                format!(
                    "buku kerja terlalu besar untuk dibaca: {id} melebihi {limit} bait setelah \
                     diekstrak (di {name}); simpan lembarnya sebagai CSV"
                ),
                format!(
                    "the workbook is too large to read: {en} to more than {limit} bytes (at {name}); \
                     save the sheet as CSV"
                ),
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
pub fn sheet(book: &mut Book<'_>, name: &str) -> Result<Vec<SheetRow>, Text> {
    guarded(|| read_sheet(book, name)).and_then(|r| r)
}

fn read_sheet(book: &mut Book<'_>, name: &str) -> Result<Vec<SheetRow>, Text> {
    let cannot_read = |e: calamine::XlsxError| {
        text!("cannot_read_sheet", sheet = format!("{name:?}"), error = e;
            id: "lembar {sheet} tidak bisa dibaca: {error}",
            en: "cannot read sheet {sheet}: {error}")
    };
    let mut reader = book.worksheet_cells_reader(name).map_err(cannot_read)?;
    let too_large = |(id, en): (String, String)| {
        let max = thousands(limits::SHEET_CELLS);
        Text::new(
            "sheet_too_large",
            vec![("sheet", name.to_owned()), ("max", max.clone())],
            format!(
                "lembar {name:?} terlalu besar untuk dibaca: {id}; paling banyak {max} sel yang \
                 dibaca. Hapus sel yang tercecer di bawah atau di kanan tabel, atau simpan \
                 lembarnya sebagai CSV"
            ),
            format!(
                "sheet {name:?} is too large to read: {en}; at most {max} cells are read. Delete the \
                 stray cells below or to the right of the table, or save the sheet as CSV"
            ),
        )
    };
    let mut cells: Vec<(u32, u32, SheetCell)> = Vec::new();
    let mut seen = 0u64;
    let (mut top, mut bottom, mut right) = (u32::MAX, 0u32, 0u32);
    while let Some(cell) = reader.next_cell().map_err(cannot_read)? {
        seen += 1;
        if seen > limits::SHEET_CELLS {
            let max = thousands(limits::SHEET_CELLS);
            return Err(too_large((
                format!("isinya lebih dari {max} sel"),
                format!("it holds more than {max} cells"),
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
            let span = format!(
                "A{}:{}{}",
                u64::from(top) + 1,
                column_letters(right),
                u64::from(bottom) + 1
            );
            let (rows, cols) = (
                thousands(u64::from(bottom - top) + 1),
                thousands(u64::from(right) + 1),
            );
            return Err(too_large((
                format!("selnya membentang {span} ({rows} baris kali {cols} kolom)"),
                format!("its cells span {span} ({rows} rows by {cols} columns)"),
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
