//! From bytes to rows of cells: text decoding and CSV dialects (a
//! spreadsheet's sheet is in [`crate::sheet`]). Each row keeps the line a
//! person would look at.

use jiff::civil::Date;
use lumbung_text::{text, Text};
use std::borrow::Cow;

/// `str::trim`, also of the padding marks [`PADDING`], with a fast path
/// for ASCII edges (this runs for every cell, in debug builds too).
pub fn trim(s: &str) -> &str {
    let t = s.trim_ascii();
    match (t.as_bytes().first(), t.as_bytes().last()) {
        (Some(a), Some(z)) if *a >= 0x80 || *z >= 0x80 => {
            t.trim_matches(|c: char| c.is_whitespace() || PADDING.contains(&c))
        }
        _ => t,
    }
}

/// Marks some exports pad cells with, beside spaces (non-breaking ones
/// too): a cell of only these is blank.
const PADDING: [char; 2] = ['†', '‡'];

/// One cell's value, as the file holds it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    Empty,
    /// Text, untrimmed.
    Text(&'a str),
    /// A spreadsheet number, as an exact decimal (see [`sheet_decimal`]).
    Number(&'a str),
    /// A spreadsheet date cell.
    Date(Date),
}

impl<'a> Value<'a> {
    /// The value as text, trimmed; None when empty.
    pub fn text(self) -> Option<Cow<'a, str>> {
        match self {
            Value::Empty => None,
            Value::Text(s) | Value::Number(s) => {
                let t = trim(s);
                (!t.is_empty()).then_some(Cow::Borrowed(t))
            }
            Value::Date(d) => Some(Cow::Owned(d.to_string())),
        }
    }

    pub fn is_blank(self) -> bool {
        match self {
            Value::Empty => true,
            Value::Text(s) => trim(s).is_empty(),
            Value::Number(_) | Value::Date(_) => false,
        }
    }
}

/// A row of a file: its line (or sheet row) number and its cells.
// `is_blank` is the emptiness a reader asks about, not `is_empty`.
#[allow(clippy::len_without_is_empty)]
pub trait Row {
    fn line(&self) -> u64;
    fn get(&self, col: usize) -> Value<'_>;
    fn len(&self) -> usize;
    fn is_blank(&self) -> bool {
        (0..self.len()).all(|c| self.get(c).is_blank())
    }
    /// Every cell as trimmed text (for header rows).
    fn texts(&self) -> Vec<String> {
        (0..self.len())
            .map(|c| self.get(c).text().map(Cow::into_owned).unwrap_or_default())
            .collect()
    }
}

pub struct CsvRow {
    pub line: u64,
    pub record: csv::StringRecord,
}

impl Row for CsvRow {
    fn line(&self) -> u64 {
        self.line
    }
    fn get(&self, col: usize) -> Value<'_> {
        match self.record.get(col) {
            Some(s) => Value::Text(s),
            None => Value::Empty,
        }
    }
    fn len(&self) -> usize {
        self.record.len()
    }
}

/// Is this a spreadsheet rather than text? Zip (xlsx, ods) or OLE (xls)
/// magic, or the name says so.
pub fn is_spreadsheet(name: &str, bytes: &[u8]) -> bool {
    let lower = name.to_lowercase();
    bytes.starts_with(b"PK\x03\x04")
        || bytes.starts_with(&OLE_MAGIC)
        || [".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"]
            .iter()
            .any(|ext| lower.ends_with(ext))
}

/// Whether the bytes write `£` as DOS code pages 437 and 850 do, 0x9C
/// (which Windows-1252 reads as `œ`): a 0x9C before a digit (`\x9C12.50`)
/// or closing a bracket (`Net Amount(\x9C)`). `œ` is not written so in
/// English or Indonesian text.
fn dos_pound(bytes: &[u8]) -> bool {
    bytes
        .windows(2)
        .any(|w| w[0] == 0x9C && (w[1].is_ascii_digit() || w[1] == b')'))
}

/// The first bytes of an old Excel workbook (OLE).
pub const OLE_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Bytes as text: UTF-8 (a BOM is dropped), UTF-16 with a BOM, DOS code
/// page 850 when the bytes show it (see [`dos_pound`]), and otherwise
/// Windows-1252 (which Latin-1 files also read as). Lone CRs
/// (old Mac line ends) become LFs so that line numbers count them. Err when
/// the bytes are not text at all.
pub fn decode(bytes: &[u8], notes: &mut Vec<Text>) -> Result<String, Text> {
    let text: Cow<'_, str> = if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        match std::str::from_utf8(rest) {
            Ok(s) => Cow::Borrowed(s),
            Err(_) => {
                notes.push(text!("bytes_replaced";
                    id: "sebagian bita bukan UTF-8 dan diganti",
                    en: "some bytes were not UTF-8 and were replaced"));
                String::from_utf8_lossy(rest)
            }
        }
    } else if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        let (text, encoding, _) = encoding_rs::UTF_16LE.decode(bytes);
        notes.push(text!("read_as", encoding = encoding.name();
            id: "dibaca sebagai {encoding}", en: "read as {encoding}"));
        text
    } else {
        match std::str::from_utf8(bytes) {
            Ok(s) => Cow::Borrowed(s),
            Err(_) if dos_pound(bytes) => {
                notes.push(text!("read_as_cp850";
                    id: "bukan UTF-8: dibaca sebagai kode halaman DOS 850 (£ ditulis sebagai bita 0x9C)",
                    en: "not UTF-8: read as DOS code page 850 (£ written as byte 0x9C)"));
                Cow::Owned(oem_cp::decode_string_complete_table(
                    bytes,
                    &oem_cp::code_table::DECODING_TABLE_CP850,
                ))
            }
            Err(_) => {
                let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
                notes.push(text!("read_as_windows_1252";
                    id: "bukan UTF-8: dibaca sebagai Windows-1252 (Latin-1)",
                    en: "not UTF-8: read as Windows-1252 (Latin-1)"));
                text
            }
        }
    };
    if text.as_bytes().contains(&0) {
        return Err(text!("not_text_nor_spreadsheet";
            id: "ini bukan berkas teks (CSV) maupun lembar kerja",
            en: "this is not a text (CSV) file nor a spreadsheet"));
    }
    let bytes = text.as_bytes();
    let mut lone_cr = false;
    let mut from = 0;
    while let Some(i) = text[from..].find('\r') {
        from += i + 1;
        if bytes.get(from) != Some(&b'\n') {
            lone_cr = true;
            break;
        }
    }
    if !lone_cr {
        return Ok(text.into_owned());
    }
    let mut out = String::with_capacity(text.len());
    let mut rest: &str = &text;
    while let Some(i) = rest.find('\r') {
        out.push_str(&rest[..i]);
        if rest[i + 1..].starts_with('\n') {
            out.push_str("\r\n");
            rest = &rest[i + 2..];
        } else {
            out.push('\n');
            rest = &rest[i + 1..];
        }
    }
    out.push_str(rest);
    Ok(out)
}

pub const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

pub fn delimiter_name(d: u8) -> Text {
    let (id, en) = match d {
        b',' => ("koma", "comma"),
        b';' => ("titik koma", "semicolon"),
        b'\t' => ("tab", "tab"),
        b'|' => ("garis tegak", "pipe"),
        _ => ("?", "?"),
    };
    Text::new("delimiter", Vec::new(), id.to_owned(), en.to_owned())
}

/// Reads CSV rows with a delimiter; `limit` rows at most. Line numbers are
/// counted here, from the byte where each record starts: the CSV reader's
/// own count lags behind blank lines and CRLF line ends. Err when the file
/// has more rows, or a row more fields, than [`limits`] allow.
pub fn csv_rows(
    text: &str,
    delimiter: u8,
    limit: Option<usize>,
) -> Result<Vec<CsvRow>, (u64, Text)> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let bytes = text.as_bytes();
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    let (mut counted_to, mut line) = (0usize, 1u64);
    loop {
        if limit.is_some_and(|n| rows.len() >= n) {
            break;
        }
        // The input is a str and flexible: reading cannot fail.
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) | Err(_) => break,
        }
        // The reader's position is where it stood before the record: the
        // line ends and blank lines before the record come first.
        let mut start = record.position().map_or(0, |p| p.byte() as usize);
        while start < bytes.len() && (bytes[start] == b'\n' || bytes[start] == b'\r') {
            start += 1;
        }
        if start > counted_to {
            line += newlines(&text[counted_to..start]);
            counted_to = start;
        }
        if record.len() > limits::CSV_FIELDS {
            return Err((
                line,
                text!("too_many_fields", fields = thousands(record.len() as u64),
                    max = thousands(limits::CSV_FIELDS as u64);
                    id: "baris ini {fields} kolom, lebih dari {max} yang dibaca",
                    en: "the row has {fields} fields, more than the {max} read"),
            ));
        }
        if rows.len() == limits::CSV_ROWS {
            return Err((
                line,
                text!("too_many_rows", max = thousands(limits::CSV_ROWS as u64);
                    id: "berkas ini lebih dari {max} baris: pecah menjadi berkas yang lebih kecil",
                    en: "the file has more than {max} rows: split it into smaller files"),
            ));
        }
        rows.push(CsvRow {
            line,
            record: record.clone(),
        });
    }
    Ok(rows)
}

fn newlines(text: &str) -> u64 {
    let mut n = 0;
    let mut rest = text;
    // `str::find` with a char uses memchr: fast even in a debug build.
    while let Some(i) = rest.find('\n') {
        n += 1;
        rest = &rest[i + 1..];
    }
    n
}

/// What a file may hold before it is refused as too large: the reader
/// keeps a file's rows in memory, so a small file must not unfold into
/// gigabytes (a zip bomb, a sheet spanning A1:XFD1048576, millions of
/// empty fields). Each limit is far above any real ledger.
pub mod limits {
    /// Cells of a sheet's used area (rows × columns from column A): a
    /// million rows of twenty columns.
    pub const SHEET_CELLS: u64 = 20_000_000;
    /// Bytes a workbook's parts unzip to, all together: a sheet of
    /// `SHEET_CELLS` cells is well under it. (A part is parsed as it
    /// unzips, but one text node of it is held whole.)
    pub const UNZIPPED_BYTES: u64 = 1 << 30;
    /// Bytes of its shared strings, which are held in memory whole (an
    /// empty string of 9 bytes of XML takes 24 in memory).
    pub const SHARED_STRINGS_BYTES: u64 = 128 << 20;
    /// Parts (files) in a workbook's zip.
    pub const ZIP_PARTS: usize = 10_000;
    /// Rows of a CSV file.
    pub const CSV_ROWS: usize = 5_000_000;
    /// Fields of one CSV row (as many as a spreadsheet has columns).
    pub const CSV_FIELDS: usize = crate::MAX_FIELDS;
}

/// `1234567` → `1,234,567`, for the limits in messages.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_ascii_and_unicode_spaces() {
        assert_eq!(trim("  a b \t"), "a b");
        assert_eq!(trim("\u{a0}a\u{a0}"), "a");
        assert_eq!(trim(" é "), "é");
        assert_eq!(trim(""), "");
    }

    #[test]
    fn decodes_utf8_bom_utf16_and_windows_1252() {
        let mut notes = Vec::new();
        assert_eq!(decode(b"\xEF\xBB\xBFa,b\n", &mut notes).unwrap(), "a,b\n");
        assert_eq!(
            decode("Pósto,£\n".as_bytes(), &mut notes).unwrap(),
            "Pósto,£\n"
        );
        assert!(notes.is_empty());
        assert_eq!(
            decode(b"P\xF3sto,\xA3\x80\n", &mut notes).unwrap(),
            "Pósto,£€\n"
        );
        assert!(notes[0].english().contains("Windows-1252"));
        // A DOS export: £ as 0x9C, é as 0x82 (code page 850).
        notes.clear();
        assert_eq!(
            decode(
                b"Supplier,Net Amount(\x9C)\nCaf\x82 Ltd,\x9C12.50\n",
                &mut notes
            )
            .unwrap(),
            "Supplier,Net Amount(£)\nCafé Ltd,£12.50\n"
        );
        assert!(notes[0].english().contains("code page 850"), "{notes:?}");
        // Without that evidence, 0x9C stays Windows-1252's œ.
        notes.clear();
        assert_eq!(decode(b"C\x9Cur\n", &mut notes).unwrap(), "C\u{153}ur\n");
        assert!(trim("\u{a0}† \u{a0}").is_empty() && trim(" †Total†") == "Total");
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("a;£\n".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(decode(&utf16, &mut notes).unwrap(), "a;£\n");
        assert!(decode(b"\x00\x01\x02", &mut notes).is_err());
    }

    #[test]
    fn lone_carriage_returns_become_line_feeds() {
        let mut notes = Vec::new();
        assert_eq!(decode(b"a\rb\r\nc\r", &mut notes).unwrap(), "a\nb\r\nc\n");
        assert_eq!(decode(b"a\r\nb", &mut notes).unwrap(), "a\r\nb");
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(1_048_576), "1,048,576");
        assert_eq!(thousands(999), "999");
    }

    #[test]
    fn csv_lines_count_blank_lines_and_quoted_newlines() {
        let text = "title\n\nh1,h2\n\"a\nb\",1\r\nc,2\n,\n\nd,3";
        let rows = csv_rows(text, b',', None).unwrap();
        let lines: Vec<u64> = rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, vec![1, 3, 4, 6, 7, 9]);
        assert_eq!(rows[2].record.get(0), Some("a\nb"));
        assert!(rows[4].is_blank());
        assert_eq!(csv_rows(text, b',', Some(2)).unwrap().len(), 2);
    }
}
