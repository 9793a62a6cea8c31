//! Bytes before they are rows: the byte-order mark, the separator, and
//! the line a record starts on.

/// The UTF-8 byte-order mark, which spreadsheets write before "CSV UTF-8".
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The problem with a cell whose bytes are not UTF-8.
pub fn not_utf8() -> lumbung_text::Text {
    lumbung_text::text!("not_utf8";
        id: "sel ini bukan UTF-8 yang sah; simpan berkas sebagai UTF-8 (CSV UTF-8)",
        en: "the cell is not valid UTF-8; save the file as UTF-8 (CSV UTF-8)")
}

/// The bytes without a leading UTF-8 byte-order mark.
pub fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(BOM).unwrap_or(bytes)
}

/// The separator of the header line: the most frequent of `,` `;` tab
/// outside quotes (`,` when none).
pub fn sniff_delimiter(bytes: &[u8]) -> u8 {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for &b in bytes {
        match b {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => break,
            b',' if !quoted => counts[0] += 1,
            b';' if !quoted => counts[1] += 1,
            b'\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let seps = [b',', b';', b'\t'];
    let best = (0..3).max_by_key(|&i| (counts[i], 3 - i)).expect("three");
    if counts[best] == 0 {
        b','
    } else {
        seps[best]
    }
}

/// Line numbers from byte offsets. The csv crate's own line count misses
/// line breaks inside quoted fields and is one short after a CRLF (the LF is
/// read with the next record), so lines are counted here: a record starts
/// at its byte offset after any line breaks, and a line ends with LF, CRLF
/// or a lone CR.
pub struct Lines<'a> {
    bytes: &'a [u8],
    pos: usize,
    line: u64,
}

impl<'a> Lines<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Self {
            bytes,
            pos: 0,
            line: 1,
        }
    }

    /// The line of the record that starts at `byte`; offsets must not
    /// decrease from one call to the next.
    pub fn at(&mut self, byte: u64) -> u64 {
        let len = self.bytes.len();
        let mut start = usize::try_from(byte).unwrap_or(len).min(len).max(self.pos);
        while start < len && matches!(self.bytes[start], b'\r' | b'\n') {
            start += 1;
        }
        for i in self.pos..start {
            match self.bytes[i] {
                b'\n' => self.line += 1,
                b'\r' if self.bytes.get(i + 1) != Some(&b'\n') => self.line += 1,
                _ => {}
            }
        }
        self.pos = start;
        self.line
    }
}

/// The line of a record at any byte offset, asked in any order: where
/// each line starts is found once. Line breaks are LF, CRLF or a lone CR.
pub struct LineIndex<'a> {
    bytes: &'a [u8],
    /// Where each line starts after the first.
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        let mut starts = Vec::new();
        for (i, &b) in bytes.iter().enumerate() {
            match b {
                b'\n' => starts.push(i + 1),
                b'\r' if bytes.get(i + 1) != Some(&b'\n') => starts.push(i + 1),
                _ => {}
            }
        }
        Self { bytes, starts }
    }

    /// The line of the record that starts at byte `offset`, after skipping
    /// the line breaks the offset may point at.
    pub fn line(&self, offset: u64) -> u64 {
        let len = self.bytes.len();
        let mut start = usize::try_from(offset).unwrap_or(len).min(len);
        while start < len && matches!(self.bytes[start], b'\r' | b'\n') {
            start += 1;
        }
        1 + self.starts.partition_point(|&s| s <= start) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators_are_sniffed_from_the_header() {
        assert_eq!(sniff_delimiter(b"a;b;c\n1,5;2;3"), b';');
        assert_eq!(sniff_delimiter(b"a,b,\"x;y;z\"\n"), b',');
        assert_eq!(sniff_delimiter(b"a\tb\n"), b'\t');
        assert_eq!(sniff_delimiter(b"a\n"), b',');
    }

    #[test]
    fn lines_are_found_at_any_offset() {
        let bytes = b"a\r\nb\rc\n\nd";
        let index = LineIndex::new(bytes);
        assert_eq!(index.line(9), 5);
        assert_eq!(index.line(0), 1);
        assert_eq!(index.line(2), 2);
        assert_eq!(index.line(5), 3);
    }
}
