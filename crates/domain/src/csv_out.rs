//! The one CSV writer of every export: a cell a spreadsheet would run as a
//! formula is written with an apostrophe in front, and the election files'
//! reader takes it off again (`unescape_cell`), so that a file anyone
//! downloads is safe to open and still recounts to the published result.
//!
//! The rule, exact both ways: the writer puts `'` before every text cell
//! that starts with `=`, `+`, `-`, `@`, a tab, a carriage return or `'`
//! itself; the reader removes one leading `'` from every cell that has
//! one. `unescape_cell(&escape_cell(s)) == s` for every `s`.

use std::borrow::Cow;
use std::io::Write;

/// What a text cell may not start with unescaped: a spreadsheet's formula
/// prefixes, and the escape itself (so that reading back is unambiguous).
const ESCAPED_FIRST: [char; 7] = ['=', '+', '-', '@', '\t', '\r', '\''];

/// A text cell as written: `'` in front when it starts like a formula.
pub fn escape_cell(text: &str) -> Cow<'_, str> {
    if text.starts_with(ESCAPED_FIRST) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// A cell as it was before [`escape_cell`]: one leading `'` removed.
pub fn unescape_cell(cell: &str) -> &str {
    cell.strip_prefix('\'').unwrap_or(cell)
}

/// One cell of a row: text (escaped) or a number written by our own code
/// (written as it is, so that `-5` stays a number).
#[derive(Debug, Clone, Copy)]
pub enum CsvCell<'a> {
    Text(&'a str),
    Number(&'a str),
}

/// A CSV writer that escapes every text cell.
pub struct CsvOut<W: Write> {
    inner: csv::Writer<W>,
}

impl<W: Write> CsvOut<W> {
    pub fn new(out: W) -> CsvOut<W> {
        CsvOut {
            inner: csv::Writer::from_writer(out),
        }
    }

    /// A row of text cells (a header, names, ids), each escaped.
    pub fn text_row<I, S>(&mut self, row: I) -> csv::Result<()>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let cells: Vec<String> = row
            .into_iter()
            .map(|c| escape_cell(c.as_ref()).into_owned())
            .collect();
        self.inner.write_record(&cells)
    }

    /// A row of typed cells: text escaped, numbers as they are.
    pub fn row<'a>(&mut self, row: impl IntoIterator<Item = CsvCell<'a>>) -> csv::Result<()> {
        let cells: Vec<Cow<'a, str>> = row
            .into_iter()
            .map(|c| match c {
                CsvCell::Text(t) => escape_cell(t),
                CsvCell::Number(n) => Cow::Borrowed(n),
            })
            .collect();
        self.inner.write_record(cells.iter().map(|c| c.as_bytes()))
    }

    pub fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }

    pub fn into_inner(self) -> Result<W, csv::Error> {
        self.inner
            .into_inner()
            .map_err(|e| csv::Error::from(e.into_error()))
    }
}

/// A whole file of text cells, in memory: the header, then the rows.
pub fn csv_text<R, S>(header: &[&str], rows: impl IntoIterator<Item = R>) -> String
where
    R: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut w = CsvOut::new(Vec::new());
    w.text_row(header).expect("in memory");
    for row in rows {
        w.text_row(row).expect("in memory");
    }
    String::from_utf8(w.into_inner().expect("in memory")).expect("UTF-8 in, UTF-8 out")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn formula_cells_are_escaped_and_read_back_exactly() {
        let text = csv_text(
            &["ballot_id", "name1"],
            [["1", "=HYPERLINK(\"http://x\",\"y\")"], ["2", "'Udin"]],
        );
        assert_eq!(
            text,
            "ballot_id,name1\n1,\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"\n2,''Udin\n"
        );
        for cell in ["+1", "-1", "@x", "\tx", "\rx", "'", "''", "Udin", ""] {
            assert_eq!(unescape_cell(&escape_cell(cell)), cell);
            assert!(!escape_cell(cell).starts_with(['=', '+', '-', '@', '\t', '\r']));
        }
    }

    #[test]
    fn numbers_are_written_as_they_are() {
        let mut w = CsvOut::new(Vec::new());
        w.row([CsvCell::Text("-x"), CsvCell::Number("-5.00")])
            .unwrap();
        assert_eq!(w.into_inner().unwrap(), b"'-x,-5.00\n");
    }

    proptest! {
        #[test]
        fn unescape_undoes_escape(s in ".*") {
            let escaped = escape_cell(&s);
            prop_assert_eq!(unescape_cell(&escaped), s.as_str());
        }
    }
}
