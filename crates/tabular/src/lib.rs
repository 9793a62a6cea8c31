//! One way to read a file: the layer every file reader of Lumbung stands
//! on. Bytes become text (byte-order mark, encoding, line ends), text or a
//! guarded spreadsheet sheet becomes rows of cells that keep their line in
//! the file, and every problem is a [`RowError`] naming line and column;
//! a file refused whole is one [`Rejected`]. The formats themselves (a
//! ledger, an area list, a voter register) are read beside their domain.
//!
//! - [`text`]: byte-order mark, separator sniffing, line numbers.
//! - [`table`]: decoding (UTF-8, UTF-16, Windows-1252) and CSV dialects
//!   into [`table::Row`]s, with the size limits.
//! - [`csv_file`]: a UTF-8 CSV file with a header, read row by row from a
//!   stream ([`csv_file::CsvRows`]) or whole into trimmed text rows
//!   ([`csv_file::CsvFile`]), columns found by name.
//! - [`sheet`] (feature `xlsx`): an XLSX sheet, its size checked before
//!   it is unzipped.
//! - [`small`] (feature `xlsx`): a small table read whole, CSV or an
//!   XLSX's first sheet, its header the first non-blank row.

#[cfg(feature = "xlsx")]
pub mod archive;
pub mod csv_file;
mod error;
#[cfg(feature = "xlsx")]
pub mod sheet;
#[cfg(feature = "xlsx")]
pub mod small;
pub mod table;
pub mod text;

pub use csv_file::{CsvFile, CsvRow, Header, RowCheck};
pub use error::{
    cannot_read_row, csv_error, row_width, too_many_fields, too_many_rows, Brief, FirstLines,
    Rejected, RowError, LISTED_PROBLEMS, MAX_FIELDS, MAX_ROWS,
};
pub use table::limits;
