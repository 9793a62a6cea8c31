//! Bytes before they are rows: the byte-order mark, the separator, and
//! the line a record starts on.

use std::collections::VecDeque;

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

/// A reader that notes its line breaks as the bytes pass, so that the line
/// a record starts on is known while the file streams: the csv crate's own
/// line count misses line breaks inside quoted fields and is one short
/// after a CRLF (the LF is read with the next record). A record starts at
/// its byte offset after any line breaks, and a line ends with LF, CRLF or
/// a lone CR.
pub struct LineCounting<R> {
    inner: R,
    /// Bytes read so far.
    offset: u64,
    /// For each line break read and not yet passed: where its run of CR
    /// and LF bytes starts (a record at or after that byte is past it).
    breaks: VecDeque<u64>,
    /// Where the run of CR and LF bytes at the end of what was read starts.
    run: Option<u64>,
    /// The last byte read was a CR: a lone one unless an LF follows.
    cr_pending: bool,
    line: u64,
}

impl<R> LineCounting<R> {
    pub fn new(inner: R) -> Self {
        Self {
            inner,
            offset: 0,
            breaks: VecDeque::new(),
            run: None,
            cr_pending: false,
            line: 1,
        }
    }

    /// The line of the record that starts at `byte`; offsets must not
    /// decrease from one call to the next, and the record must have been
    /// read.
    pub fn line_at(&mut self, byte: u64) -> u64 {
        while self.breaks.front().is_some_and(|&run| run <= byte) {
            self.breaks.pop_front();
            self.line += 1;
        }
        self.line
    }

    fn lone_cr(&mut self) {
        if std::mem::take(&mut self.cr_pending) {
            self.breaks
                .push_back(self.run.expect("a CR starts or continues a run"));
        }
    }
}

impl<R: std::io::Read> std::io::Read for LineCounting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 {
            self.lone_cr();
        }
        for (i, &b) in buf[..n].iter().enumerate() {
            match b {
                b'\n' => {
                    let run = *self.run.get_or_insert(self.offset + i as u64);
                    // A CR before this LF is one break with it.
                    self.cr_pending = false;
                    self.breaks.push_back(run);
                }
                b'\r' => {
                    self.lone_cr();
                    self.run.get_or_insert(self.offset + i as u64);
                    self.cr_pending = true;
                }
                _ => {
                    self.lone_cr();
                    self.run = None;
                }
            }
        }
        self.offset += n as u64;
        Ok(n)
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
