//! Reading payment files — CSV of any common dialect, and spreadsheets
//! (XLSX, also XLS and ODS) — into rows of typed values.
//!
//! Anchor institutions publish their payments in messy files, so the
//! reader decides as much as it can from the file itself:
//!
//! - **Text** (`read/table.rs`): UTF-8 with or without BOM, UTF-16 with
//!   a BOM, or else Windows-1252; LF, CRLF or CR line ends; the delimiter
//!   (`,` `;` TAB `|`) is the one with which a header row is found.
//! - **Header** (`read/header.rs`): the first of the first 30 rows with an
//!   amount column and at least one other known column; title lines and
//!   blank rows before it are passed over, unknown and blank columns
//!   ignored. [`ReadOptions::mapping`] overrides recognition.
//! - **Amounts** (`read/amount.rs`): exact, with the decimal separator
//!   decided per column from all its values, and [`ReadOptions::locale`]
//!   only when they leave it open.
//! - **Dates** (`read/date.rs`): day first unless the column proves
//!   otherwise; an unreadable date is a flag on the row, not an error.
//!
//! What is an error and what is not:
//! - A row whose amount is missing or unreadable is an error (line and
//!   column).
//! - So is a row with an amount but nothing that names a payment — no
//!   supplier, supplier id, transaction or date (a cell reading `Total`,
//!   `Grand Total` or `Jumlah` names nothing) although the file has such
//!   columns; in a file without them, a row with a cell reading so. That
//!   is what a summary line at the end looks like, and counting it would
//!   count the file twice: a person must remove it.
//! - A row with neither an amount nor anything naming a payment (a footer,
//!   a `Total` label, a stray note such as Oxford's `,,xxx,,,,,,,`) is
//!   skipped, and a note says which lines were; so is the header repeated
//!   (files pasted one after another).
//! - Entirely blank rows are skipped silently.
//! - Unreadable dates, fiscal years and SME values, and missing supplier
//!   names, are flags on the row; so are spreadsheet amounts with more
//!   than two decimals, which are rounded to the hundredth as the sheet
//!   shows them.

mod amount;
mod around;
mod date;
mod header;
mod values;

/// The cells of the rows a header is looked for in.
fn header_texts<R: Row>(rows: &[R]) -> Vec<Vec<String>> {
    rows.iter()
        .take(header::HEADER_SEARCH_ROWS)
        .map(Row::texts)
        .collect()
}

#[cfg(test)]
mod mixtures;
#[cfg(test)]
mod tests;

pub use date::{period_hint, period_of, Period};
pub use lumbung_tabular::limits;

use jiff::civil::Date;
use lumbung_domain::{text, FiscalYear, Money, Rejected, RowError, Text};
use lumbung_tabular::sheet;
use lumbung_tabular::table::{self, Row, Value};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

/// The fields of a payment, as Lumbung names them. Column headers of a
/// file are recognised as one of these.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Anchor,
    FiscalYear,
    PaymentDate,
    SupplierId,
    SupplierName,
    Postcode,
    Sic,
    Sme,
    ContractType,
    Amount,
    Transaction,
    Description,
    /// A column that identifies each payment uniquely. Never recognised
    /// from a header (a reference that repeats, such as an invoice number,
    /// is not one): only a mapping names it.
    PaymentId,
}

impl Field {
    pub const ALL: [Field; 13] = [
        Field::Anchor,
        Field::FiscalYear,
        Field::PaymentDate,
        Field::SupplierId,
        Field::SupplierName,
        Field::Postcode,
        Field::Sic,
        Field::Sme,
        Field::ContractType,
        Field::Amount,
        Field::Transaction,
        Field::Description,
        Field::PaymentId,
    ];

    /// The snake_case name (`supplier_name`), as in mappings and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Field::Anchor => "anchor",
            Field::FiscalYear => "fiscal_year",
            Field::PaymentDate => "payment_date",
            Field::SupplierId => "supplier_id",
            Field::SupplierName => "supplier_name",
            Field::Postcode => "postcode",
            Field::Sic => "sic",
            Field::Sme => "sme",
            Field::ContractType => "contract_type",
            Field::Amount => "amount",
            Field::Transaction => "transaction",
            Field::Description => "description",
            Field::PaymentId => "payment_id",
        }
    }

    /// The field a name names: `supplier_name`, `Supplier-Name`, `supplier
    /// name` (case, `-`, `_` and spaces aside).
    pub fn from_name(name: &str) -> Option<Field> {
        let want = header::compact(name);
        Field::ALL
            .into_iter()
            .find(|f| header::compact(f.name()) == want)
    }
}

/// The field a column header names, by the reader's own recognition
/// (English, Indonesian and snake_case spellings; case, spaces and
/// punctuation aside): `"Supplier Name "` → `SupplierName`.
pub fn recognise_header(header: &str) -> Option<Field> {
    header::recognise(header).map(|(field, _)| field)
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How the reader was asked to read.
/// The largest payment one row may hold, either way: 1,000,000,000.00. A
/// larger amount is a typing mistake or an attack, and refused as the
/// row's error; with every row within it, the report's sums of a ledger of
/// up to ninety million rows cannot leave the range of an i64.
pub const MAX_PAYMENT: Money = Money::from_minor(100_000_000_000);

/// The row error of an amount above [`MAX_PAYMENT`], if it is.
pub(crate) fn above_max(amount: Money) -> Option<Text> {
    (amount.minor().unsigned_abs() > MAX_PAYMENT.minor().unsigned_abs()).then(|| {
        text!("above_max_payment", amount = amount, max = MAX_PAYMENT;
            id: "{amount} melebihi batas satu pembayaran ({max}); kelebihan satu digit?",
            en: "{amount} is more than one payment may be ({max}); is a digit too many?")
    })
}

#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Field → column header, overriding recognition (from `--mapping`).
    /// Headers compare as recognition does (case, spaces and punctuation
    /// aside).
    pub mapping: BTreeMap<Field, String>,
    /// Number format when a column is ambiguous: `en` (1,234.50) or `id`
    /// (1.234,50).
    pub locale: Locale,
    /// The sheet of a workbook to read, by name. None: the first sheet
    /// with a header row.
    pub sheet: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Locale {
    #[default]
    En,
    Id,
}

/// One payment row, typed. `line` is the row's line in the file (1 = the
/// first line of the file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRow {
    pub line: u64,
    pub anchor: Option<String>,
    pub fiscal_year: Option<FiscalYear>,
    pub date: Option<Date>,
    pub supplier_id: Option<String>,
    pub supplier_name: Option<String>,
    pub postcode: Option<String>,
    pub sic: Option<String>,
    pub sme: Option<bool>,
    pub contract_type: Option<String>,
    pub amount: Money,
    pub transaction: Option<String>,
    pub description: Option<String>,
    /// The payment's unique id, when a mapping names a payment-id column.
    pub payment_id: Option<String>,
    /// Things a person should look at (e.g. "no supplier name").
    pub flags: Vec<String>,
}

/// A file read whole: its rows, the mapping used (field → header as
/// written), and every problem found.
#[derive(Debug, Clone)]
pub struct Ledger {
    pub rows: Vec<PaymentRow>,
    pub mapping: BTreeMap<Field, String>,
    pub errors: Vec<RowError>,
    /// The first day of the period the file's name names
    /// (`…-apr-jun-2014.csv` → 2014-04-01), see [`period_hint`].
    pub period_hint: Option<Date>,
    /// The whole period the file's name names, see [`period_of`].
    pub period: Option<Period>,
    /// The line (sheet row) of the header.
    pub header_line: u64,
    /// The header row's column names as written (blank ones left out): what
    /// a person picks from when mapping fields to columns.
    pub headers: Vec<String>,
    /// What the reader decided that a person may want to check: encoding,
    /// delimiter, sheet, number formats, title, total and footer lines
    /// skipped, the grand total's check.
    pub notes: Vec<Text>,
    /// The file's grand total beside the sum of its payments, when it
    /// states one.
    pub total_check: Option<TotalCheck>,
    /// The rows with errors, as read: what `--skip-bad-rows` skips.
    pub bad_rows: Vec<BadRow>,
}

/// A row that could not be read as a payment, kept as the file has it so
/// that a person can find it (`spend import --skip-bad-rows`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct BadRow {
    pub line: u64,
    /// The row's cells, joined by commas.
    pub text: String,
    /// The amount, where it could be read.
    pub amount: Option<Money>,
    /// Why it was refused (the row's errors, joined).
    #[schemars(with = "String")]
    pub reason: Text,
}

pub use around::TotalCheck;

/// The problem of a payment row without an amount.
pub(crate) fn amount_empty() -> Text {
    text!("amount_empty"; id: "jumlahnya kosong", en: "the amount is empty")
}

/// Flag on a row without a supplier name.
pub const NO_SUPPLIER_NAME: &str = "no supplier name";

/// A workbook's sheets by whether they have a header row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sheets {
    /// Read as payment files of their own.
    pub with_header: Vec<String>,
    /// A cover sheet, notes: skipped.
    pub without: Vec<String>,
}

/// A workbook's sheets, split by whether they have a header row. None
/// when the file is no workbook.
pub fn sheets_with_header(
    name: &str,
    bytes: &[u8],
    options: &ReadOptions,
) -> Result<Option<Sheets>, Rejected> {
    if !table::is_spreadsheet(name, bytes) {
        return Ok(None);
    }
    let whole = |msg: Text| Rejected {
        file: name.to_string(),
        errors: vec![RowError::new(1, None, msg)],
    };
    let (mut book, names) = sheet::open_book(bytes, None).map_err(whole)?;
    let mut sheets = Sheets::default();
    for sheet in names {
        let rows = sheet::sheet(&mut book, &sheet).map_err(whole)?;
        match header::find_header(&header_texts(&rows), &options.mapping) {
            Ok(_) => sheets.with_header.push(sheet),
            Err(_) => sheets.without.push(sheet),
        }
    }
    Ok(Some(sheets))
}

/// Reads a payment file. Err when the file cannot be read as a ledger at
/// all (no amount column found, not text, …); row problems are in
/// `Ledger::errors`.
pub fn read_ledger(name: &str, bytes: &[u8], options: &ReadOptions) -> Result<Ledger, Rejected> {
    let reject = |errors: Vec<RowError>| Rejected {
        file: name.to_string(),
        errors,
    };
    let whole = |msg: Text| reject(vec![RowError::new(1, None, msg)]);
    let at = |(line, msg): (u64, Text)| reject(vec![RowError::new(line, None, msg)]);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(whole(
            text!("file_empty"; id: "berkasnya kosong", en: "the file is empty"),
        ));
    }
    let blank: Vec<RowError> = options
        .mapping
        .iter()
        .filter(|(_, head)| header::compact(head).is_empty())
        .map(|(field, head)| {
            RowError::new(
                1,
                Some(head),
                lumbung_domain::text!("mapping_names_no_column", field = field;
                    id: "pemetaan untuk {field} tidak menyebut kolom",
                    en: "the mapping for {field} names no column"),
            )
        })
        .collect();
    if !blank.is_empty() {
        return Err(reject(blank));
    }
    let mut notes = Vec::new();
    if table::is_spreadsheet(name, bytes) {
        let (mut book, names) = sheet::open_book(bytes, options.sheet.as_deref()).map_err(whole)?;
        let mut problem = None;
        for (i, sheet) in names.iter().enumerate() {
            let rows = sheet::sheet(&mut book, sheet).map_err(whole)?;
            match header::find_header(&header_texts(&rows), &options.mapping) {
                Ok(found) => {
                    if i > 0 {
                        notes.push(text!("read_sheet", sheet = format!("{sheet:?}");
                            id: "dibaca lembar {sheet}: lembar sebelumnya tanpa baris judul kolom",
                            en: "read sheet {sheet}: the sheets before it have no header row"));
                    }
                    return Ok(build(name, &rows, found, options, notes));
                }
                Err(p) => {
                    if problem.is_none() {
                        problem = Some(header_errors(p, &rows));
                    }
                }
            }
        }
        let errors = problem.unwrap_or_else(|| {
            let none = lumbung_domain::text!("workbook_without_sheets";
                    id: "buku kerja tidak memiliki lembar",
                    en: "the workbook has no sheets");
            vec![RowError::new(1, None, none)]
        });
        Err(reject(errors))
    } else {
        let text = table::decode(bytes, &mut notes).map_err(whole)?;
        let mut best: Option<(u8, header::HeaderMatch)> = None;
        let mut problem: Option<Vec<RowError>> = None;
        let mut problem_in_header = false;
        for delimiter in table::DELIMITERS {
            let rows =
                table::csv_rows(&text, delimiter, Some(header::HEADER_SEARCH_ROWS)).map_err(at)?;
            let texts: Vec<Vec<String>> = rows.iter().map(Row::texts).collect();
            match header::find_header(&texts, &options.mapping) {
                Ok(found) => {
                    if best.as_ref().is_none_or(|(_, b)| found.score() > b.score()) {
                        best = Some((delimiter, found));
                    }
                }
                Err(p @ header::HeaderProblem::MappedMissing { row, .. }) => {
                    // A header row lacking a mapped column says more than
                    // a mapped column found nowhere.
                    if problem.is_none() || (row.is_some() && !problem_in_header) {
                        problem_in_header = row.is_some();
                        problem = Some(header_errors(p, &rows));
                    }
                }
                Err(header::HeaderProblem::NotFound) => {}
            }
        }
        let Some((delimiter, found)) = best else {
            return Err(match problem {
                Some(p) => reject(p),
                None => {
                    let rows = table::csv_rows(&text, b',', Some(header::HEADER_SEARCH_ROWS))
                        .map_err(at)?;
                    reject(header_errors(header::HeaderProblem::NotFound, &rows))
                }
            });
        };
        if delimiter != b',' {
            let by = table::delimiter_name(delimiter);
            notes.push(Text::new(
                "separated_by",
                vec![("delimiter", by.english().to_owned())],
                format!("kolom dipisahkan oleh {}", by.indonesian()),
                format!("columns separated by {by}"),
            ));
        }
        let rows = table::csv_rows(&text, delimiter, None).map_err(at)?;
        Ok(build(name, &rows, found, options, notes))
    }
}

fn header_errors<R: Row>(problem: header::HeaderProblem, rows: &[R]) -> Vec<RowError> {
    match problem {
        header::HeaderProblem::NotFound => {
            let first = rows.iter().find(|r| !r.is_blank()).map(|r| {
                let text = r.texts().join(", ");
                match text.char_indices().nth(100) {
                    Some((cut, _)) => format!("{}…", &text[..cut]),
                    None => text,
                }
            });
            let (line, seen) = match (rows.iter().find(|r| !r.is_blank()), first) {
                (Some(r), Some(text)) => (
                    r.line(),
                    (
                        format!("; baris pertama berbunyi: {text}"),
                        format!("; the first line reads: {text}"),
                    ),
                ),
                _ => (1, (String::new(), String::new())),
            };
            vec![RowError::new(
                line,
                None,
                Text::new(
                    "no_header_row",
                    vec![("rows", header::HEADER_SEARCH_ROWS.to_string())],
                    format!(
                        "tidak ada baris judul di {} baris pertama: baris judul perlu kolom jumlah \
                         (Amount, Net Amount, Value, Nilai, Jumlah, …) dan paling sedikit satu \
                         kolom lain yang dikenal (Supplier Name, Paid Date, Trans No, …); beri \
                         nama kolom dengan pemetaan{}",
                        header::HEADER_SEARCH_ROWS,
                        seen.0
                    ),
                    format!(
                        "no header row in the first {} rows: a header needs an amount column \
                         (Amount, Net Amount, Value, Nilai, Jumlah, …) and at least one other known \
                         column (Supplier Name, Paid Date, Trans No, …); name the columns with a \
                         mapping{}",
                        header::HEADER_SEARCH_ROWS,
                        seen.1
                    ),
                ),
            )]
        }
        header::HeaderProblem::MappedMissing { row, missing } => {
            let line = row.and_then(|r| rows.get(r)).map_or(1, Row::line);
            missing
                .into_iter()
                .map(|(field, head)| {
                    RowError::new(
                        line,
                        Some(&head),
                        if row.is_some() {
                            text!("mapped_column_not_in_header", column = format!("{head:?}"), field = field;
                                id: "kolom {column}, yang dipetakan ke {field}, tidak ada di baris judul",
                                en: "column {column}, mapped to {field}, is not in the header row")
                        } else {
                            text!("mapped_column_not_found", column = format!("{head:?}"), field = field,
                                rows = header::HEADER_SEARCH_ROWS;
                                id: "kolom {column}, yang dipetakan ke {field}, tidak ada di {rows} baris pertama",
                                en: "column {column}, mapped to {field}, is in none of the first {rows} rows")
                        },
                    )
                })
                .collect()
        }
    }
}

/// Is this cell a word that labels a total or summary line (`Total`,
/// `Grand Total`, `Jumlah`)?
fn is_total_word(value: Value<'_>) -> bool {
    let Value::Text(s) = value else {
        return false;
    };
    let t = table::trim(s);
    // Cheap first: dates, numbers and long names are not total words.
    t.len() <= 24
        && t.as_bytes().first().is_some_and(u8::is_ascii_alphabetic)
        && TOTAL_WORDS.contains(&header::compact(t).as_str())
}

/// Cells that mark a total or summary line.
const TOTAL_WORDS: &[&str] = &[
    "total",
    "totals",
    "grandtotal",
    "subtotal",
    "sum",
    "jumlah",
    "jumlahtotal",
    "totalkeseluruhan",
    "grandtotalrp",
];

fn build<R: Row>(
    name: &str,
    rows: &[R],
    found: header::HeaderMatch,
    options: &ReadOptions,
    mut notes: Vec<Text>,
) -> Ledger {
    let header_row = &rows[found.row];
    let titles: Vec<String> = rows[..found.row]
        .iter()
        .filter(|r| !r.is_blank())
        .map(|r| {
            let cells: Vec<String> = r.texts().into_iter().filter(|c| !c.is_empty()).collect();
            cells.join(" ")
        })
        .collect();
    notes.extend(around::title_note(&titles));
    let heads = header_row.texts();
    let header_line = header_row.line();
    let headers: Vec<String> = heads
        .iter()
        .filter(|h| !h.trim().is_empty())
        .cloned()
        .collect();
    notes.extend(found.notes.iter().cloned());
    let columns = found.columns;
    let mapping: BTreeMap<Field, String> = columns
        .iter()
        .map(|(f, c)| (*f, heads[*c].clone()))
        .collect();
    // Field → column, as an array: looked up for every cell.
    let mut by_field = [None; Field::ALL.len()];
    for (f, c) in &columns {
        by_field[*f as usize] = Some(*c);
    }
    let col = |f: Field| by_field[f as usize];
    let data = &rows[found.row + 1..];

    // Decisions for whole columns: the amounts' number format, the dates'
    // order of day and month.
    let amount_col = columns[&Field::Amount];
    let amount_head = heads[amount_col].as_str();
    let mut tally = amount::Tally::default();
    // Each text amount is lexed once, here, and read below.
    let lexed: Vec<Option<Result<amount::Lexed, Text>>> = data
        .iter()
        .map(|row| match row.get(amount_col) {
            Value::Text(s) if !table::trim(s).is_empty() => {
                let l = amount::lex(s);
                if let Ok(l) = &l {
                    tally.add_lexed(l, s);
                }
                Some(l)
            }
            _ => None,
        })
        .collect();
    let (format, note) = amount::decide(&tally, options.locale, amount_head);
    notes.extend(note);
    let order = match col(Field::PaymentDate) {
        None => date::Order::DayFirst,
        Some(c) => {
            let (mut day, mut month) = (0usize, 0usize);
            for row in data {
                if let Value::Text(s) = row.get(c) {
                    match date::order_evidence(s) {
                        Some(date::Order::DayFirst) => day += 1,
                        Some(date::Order::MonthFirst) => month += 1,
                        None => {}
                    }
                }
            }
            if month > 0 && day == 0 {
                notes.push(text!("month_first", column = format!("{:?}", heads[c]);
                    id: "kolom {column}: tanggal dibaca bulan dulu (seperti 01/21/2014)",
                    en: "column {column}: dates read month first (as 01/21/2014)"));
                date::Order::MonthFirst
            } else {
                if month > 0 {
                    notes.push(text!("day_and_month_first", column = format!("{:?}", heads[c]);
                        id: "kolom {column} berisi tanggal hari dulu dan bulan dulu: dibaca hari dulu",
                        en: "column {column} has dates both day first and month first: read day first"));
                }
                date::Order::DayFirst
            }
        }
    };

    // What names a payment. Dates and numbers first: they are quickest to
    // tell apart from a total word.
    let identifying: Vec<usize> = [
        Field::PaymentDate,
        Field::Transaction,
        Field::SupplierId,
        Field::SupplierName,
    ]
    .into_iter()
    .filter_map(col)
    .collect();

    let mut out = Vec::with_capacity(data.len());
    let mut errors = Vec::new();
    let mut skipped: Vec<u64> = Vec::new();
    let mut repeated: Vec<u64> = Vec::new();
    let mut totals: Vec<around::TotalLine> = Vec::new();
    // The amounts of rows refused after their amount was read.
    let mut read_amounts: std::collections::HashMap<u64, Money> = Default::default();
    // Rows naming something without an amount: a footer when they come
    // after the last payment, carry no readable date and hold one text (or
    // a sentence its commas cut into the first cells), else errors.
    let mut no_amount: Vec<(u64, bool)> = Vec::new();
    let amount_head_compact = header::compact(amount_head);
    for (row, lexed) in data.iter().zip(lexed) {
        if row.is_blank() {
            continue;
        }
        let line = row.line();
        // A cell reading "Total" names nothing.
        let named = identifying.iter().any(|&c| {
            let v = row.get(c);
            !v.is_blank() && !is_total_word(v)
        });
        let raw_amount = row.get(amount_col);
        // The header again (files pasted one after another).
        if let (Some(Err(_)), Value::Text(s)) = (&lexed, raw_amount) {
            if header::compact(s) == amount_head_compact {
                repeated.push(line);
                continue;
            }
        }
        if raw_amount.is_blank() {
            if named {
                let dated = col(Field::PaymentDate).is_some_and(|c| match row.get(c) {
                    Value::Empty => false,
                    Value::Date(_) => true,
                    Value::Number(s) => date::serial_decimal(s).is_some(),
                    Value::Text(s) => date::parse(s, order).is_some(),
                });
                let filled = (0..row.len()).filter(|&c| !row.get(c).is_blank()).count();
                let leading = (0..row.len())
                    .take_while(|&c| !row.get(c).is_blank())
                    .count();
                let sentence = filled == 1 || leading == filled;
                no_amount.push((line, sentence && !dated));
            } else {
                skipped.push(line);
            }
            continue;
        }
        let read = match raw_amount {
            Value::Number(s) => amount::sheet_number(s),
            Value::Text(s) => match lexed {
                Some(Ok(l)) => amount::parse_lexed(&l, s, format).map(|m| (m, None)),
                Some(Err(e)) => Err(e),
                None => Err(amount_empty()),
            },
            Value::Date(d) => Err(text!("date_not_amount", date = d;
                id: "{date} adalah tanggal, bukan jumlah uang", en: "{date} is a date, not an amount")),
            Value::Empty => Err(amount_empty()),
        };
        let (amount, rounded) = match read.and_then(|(m, r)| match above_max(m) {
            Some(msg) => Err(msg),
            None => Ok((m, r)),
        }) {
            Ok(v) => v,
            Err(msg) => {
                errors.push(RowError::new(line, Some(amount_head), msg));
                continue;
            }
        };
        // A row labelled a total that names no payment is none: skipped,
        // and a grand total checked. With columns that name payments, a
        // row that names none and has no such label is refused.
        let label = (0..row.len())
            .filter(|&c| c != amount_col && !named)
            .map(|c| row.get(c))
            .find(|v| is_total_word(*v))
            .and_then(Value::text);
        if let Some(label) = label {
            totals.push(around::TotalLine {
                line,
                label: header::compact(&label),
                amount,
            });
            continue;
        }
        if !identifying.is_empty() && !named {
            read_amounts.insert(line, amount);
            errors.push(RowError::new(
                line,
                Some(amount_head),
                lumbung_domain::text!("total_line", amount = amount;
                    id: "jumlah ({amount}) tanpa pemasok, transaksi, atau tanggal: baris total \
                         atau ringkasan? Hapus, atau isi kepada siapa dibayarkan",
                    en: "an amount ({amount}) with no supplier, transaction or date: a total or \
                         summary line? Remove it, or fill in whom it was paid to"),
            ));
            continue;
        }

        let mut flags = Vec::new();
        flags.extend(rounded);
        let text = |f: Field| -> Option<String> {
            col(f).and_then(|c| row.get(c).text()).map(Cow::into_owned)
        };
        let date = match col(Field::PaymentDate).map(|c| row.get(c)) {
            None | Some(Value::Empty) => None,
            Some(Value::Date(d)) => Some(d),
            Some(v @ (Value::Text(_) | Value::Number(_))) => {
                let parsed = match v {
                    Value::Number(s) => date::serial_decimal(s),
                    Value::Text(s) => date::parse(s, order),
                    _ => None,
                };
                if parsed.is_none() {
                    if let Some(t) = v.text() {
                        flags.push(format!("date unreadable: {t}"));
                    }
                }
                parsed
            }
        };
        let fiscal_year = text(Field::FiscalYear).and_then(|t| {
            let fy = values::fiscal_year(&t);
            if fy.is_none() {
                flags.push(format!("fiscal year unreadable: {t}"));
            }
            fy
        });
        let sme = text(Field::Sme).and_then(|t| {
            let sme = values::sme(&t);
            if sme.is_none() {
                flags.push(format!("SME unreadable: {t}"));
            }
            sme
        });
        let supplier_name = text(Field::SupplierName);
        if supplier_name.is_none() {
            flags.push(NO_SUPPLIER_NAME.to_string());
        }
        out.push(PaymentRow {
            line,
            anchor: text(Field::Anchor),
            fiscal_year,
            date,
            supplier_id: text(Field::SupplierId),
            supplier_name,
            postcode: text(Field::Postcode),
            sic: text(Field::Sic),
            sme,
            contract_type: text(Field::ContractType),
            amount,
            transaction: text(Field::Transaction),
            description: text(Field::Description),
            payment_id: text(Field::PaymentId),
            flags,
        });
    }
    let last_payment = out.last().map_or(0, |p| p.line);
    let mut footers = Vec::new();
    for (line, footer_like) in no_amount {
        if footer_like && line > last_payment {
            footers.push(line);
        } else {
            errors.push(RowError::new(line, Some(amount_head), amount_empty()));
        }
    }
    errors.sort_by_key(|e| e.line);
    let bad_rows = bad_rows_of(data, &errors, &read_amounts);
    let payments: Vec<(u64, Money)> = out.iter().map(|p| (p.line, p.amount)).collect();
    let total_check = around::check_totals(&totals, &payments);
    notes.extend(around::total_notes(
        &totals,
        total_check.as_ref(),
        payments.len(),
    ));
    notes.extend(around::footer_note(&footers));
    if !skipped.is_empty() {
        let (count, s) = (skipped.len(), if skipped.len() == 1 { "" } else { "s" });
        let lines = around::line_list(&skipped);
        notes.push(Text::new(
            "rows_skipped",
            vec![("count", count.to_string()), ("lines", lines.clone())],
            format!("{count} baris tanpa jumlah dan tanpa pemasok, transaksi, atau tanggal dilewati: baris {lines}"),
            format!("skipped {count} row{s} with no amount and no supplier, transaction or date: line{s} {lines}"),
        ));
    }
    if !repeated.is_empty() {
        let s = if repeated.len() == 1 { "" } else { "s" };
        let lines = around::line_list(&repeated);
        notes.push(Text::new(
            "header_repeated",
            vec![("lines", lines.clone())],
            format!("judul kolom yang diulang pada baris {lines} dilewati"),
            format!("skipped the header repeated on line{s} {lines}"),
        ));
    }
    Ledger {
        rows: out,
        mapping,
        errors,
        period_hint: date::period_hint(name),
        period: date::period_of(name),
        header_line,
        headers,
        notes,
        total_check,
        bad_rows,
    }
}

/// Several sentences as one, in both languages.
fn joined(texts: &[&Text]) -> Text {
    match texts {
        [one] => (*one).clone(),
        _ => {
            let join = |get: fn(&Text) -> &str| {
                texts.iter().map(|t| get(t)).collect::<Vec<_>>().join("; ")
            };
            Text::new(
                "row_errors",
                Vec::new(),
                join(Text::indonesian),
                join(Text::english),
            )
        }
    }
}

/// The rows `errors` name, as the file has them.
fn bad_rows_of<R: Row>(
    data: &[R],
    errors: &[RowError],
    amounts: &std::collections::HashMap<u64, Money>,
) -> Vec<BadRow> {
    let mut reasons: BTreeMap<u64, Vec<&Text>> = BTreeMap::new();
    for e in errors {
        reasons.entry(e.line).or_default().push(&e.message);
    }
    data.iter()
        .filter_map(|row| {
            let why = reasons.get(&row.line())?;
            let mut cells = row.texts();
            while cells.last().is_some_and(String::is_empty) {
                cells.pop();
            }
            Some(BadRow {
                line: row.line(),
                text: cells.join(","),
                amount: amounts.get(&row.line()).copied(),
                reason: joined(why),
            })
        })
        .collect()
}
