//! Fast reading of large, clean payment files straight into [`Facts`], and
//! the supplier locations a report from such a file needs.
//!
//! [`crate::read`] reads any messy file a person hands over, row by row.
//! This module is for the other case: a big ledger (millions of rows) that
//! is already clean — UTF-8 (a BOM is skipped), LF or CRLF line ends, a
//! one-byte delimiter (`,` `;` TAB `|`, the most frequent in the header),
//! the header on the first line, RFC 4180 quotes allowed, amounts as plain
//! decimals (`-123.45`). It streams the file in blocks
//! ([`DEFAULT_BLOCK_SIZE`], cut at line ends outside quotes), parses the
//! blocks on every core, interns anchors, suppliers and sectors into dense
//! ids, and keeps only the columnar facts (27 bytes a row) and the
//! dictionaries — never the whole file. 10M rows (1 GB) take about 1.3 s
//! and 380 MB on 2 cores (see `BENCHMARKS.md`).
//!
//! ```text
//! scan_file(path, calendar, progress) ─▶ FileFacts { facts, anchors, suppliers, sectors, rows }
//! classify_suppliers(&suppliers, locate) ─▶ Vec<Location>        (postcode → local/regional/outside/unknown)
//! FileFacts::dimensions(calendar, locations) ─▶ report::Dimensions ─▶ report::compute
//! ```
//!
//! Columns are recognised by [`crate::read::recognise_header`] (the
//! snake_case names of [`Field`] and common spellings), or named by
//! [`ScanOptions::mapping`]. A supplier is keyed by `supplier_id` when
//! the row has one, else by name and postcode as
//! [`crate::suppliers::name_key`] normalises them; its name and postcode
//! are those of its first row. The fiscal year comes from `fiscal_year`
//! (`2012/13`, see [`FiscalYear::parse`]) or else from `payment_date`
//! (`31/03/2013` or `2013-03-31`) through the calendar. `sme` reads
//! Y/N, yes/no, true/false, 1/0 (empty = unknown); `contract_type` in
//! [`NOT_INFLUENCEABLE_CONTRACTS`] marks a payment not influenceable.
//!
//! This reader is strict where the general one flags: every bad row (an
//! amount, date, fiscal year or SME value that does not read, a missing
//! anchor or supplier, a wrong number of fields, bytes that are not UTF-8)
//! is reported with its line and column (up to [`MAX_LISTED_ERRORS`]) and
//! the whole file is then [`Rejected`].

use crate::facts::{flag, Facts, NO_DATE, NO_SECTOR};
use crate::read::{recognise_header, Field};
use crate::report::{Dimensions, Location};
use lumbung_domain::{AreaPath, FiscalCalendar, FiscalYear, Money, PostalCode, Rejected, RowError};
use memchr::{memchr2, memchr_iter, memrchr_iter};
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::sync::{mpsc, Mutex};

/// Contract types whose payments the anchor cannot influence: they get
/// [`flag::NOT_INFLUENCEABLE`]. The general reader's list, compared the
/// same way (case, `-` and `_` aside).
pub const NOT_INFLUENCEABLE_CONTRACTS: &[&str] = crate::prepare::NOT_INFLUENCEABLE;

/// Bytes per block handed to one parsing thread.
/// 8 MB measured best on the benchmark: a block is parsed while the
/// kernel's copy of it is still in the cache, and three blocks in flight
/// cost little memory.
pub const DEFAULT_BLOCK_SIZE: usize = 8 << 20;

/// How many row problems are kept; past this a last entry counts the rest.
pub const MAX_LISTED_ERRORS: usize = 10_000;

/// A record (a row with its quoted newlines) longer than this is refused:
/// it almost surely means a quote that is never closed.
pub const MAX_RECORD_BYTES: usize = 256 << 20;

/// A supplier as the file names it. `id` is the file's `supplier_id`, when
/// it has one; name and postcode are those of the supplier's first row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSupplier {
    pub id: Option<String>,
    pub name: String,
    pub postcode: Option<String>,
}

/// A payment file read into facts. The ids in `facts` index `anchors`,
/// `suppliers` and `sectors`; sector 0 means none, so `sectors[0]` is an
/// empty placeholder. Ids are given in the order of first appearance in
/// the file, whatever the number of threads.
#[derive(Debug, Clone, Default)]
pub struct FileFacts {
    /// One segment per block of the file, in file order.
    pub facts: Vec<Facts>,
    pub anchors: Vec<String>,
    pub suppliers: Vec<FileSupplier>,
    pub sectors: Vec<String>,
    /// Payment rows read (blank lines not counted).
    pub rows: u64,
    /// The columns used: field → header as written in the file.
    pub columns: BTreeMap<Field, String>,
    /// The delimiter found in the header line.
    pub delimiter: u8,
}

impl FileFacts {
    /// The segments, as [`crate::report::compute`] takes them.
    pub fn segments(&self) -> Vec<&Facts> {
        self.facts.iter().collect()
    }

    /// Names and locations for [`crate::report::compute`]; `supplier_location`
    /// is indexed like `suppliers` (see [`classify_suppliers`]).
    pub fn dimensions(
        &self,
        calendar: FiscalCalendar,
        supplier_location: Vec<Location>,
    ) -> Dimensions {
        Dimensions {
            calendar,
            anchors: self
                .anchors
                .iter()
                .enumerate()
                .map(|(i, a)| (i as u32, a.clone()))
                .collect(),
            supplier_location,
            supplier_name: self.suppliers.iter().map(|s| s.name.clone()).collect(),
            sectors: self
                .sectors
                .iter()
                .enumerate()
                .skip(1)
                .map(|(i, s)| (i as u32, (s.clone(), None)))
                .collect(),
        }
    }
}

/// How to scan.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Turns payment dates into fiscal years when the file has no
    /// `fiscal_year` column (or the cell is empty).
    pub calendar: FiscalCalendar,
    /// The anchor of every row, for a file without an anchor column.
    pub anchor: Option<String>,
    /// Bytes per block (at least 1; tests use tiny blocks).
    pub block_size: usize,
    /// Parsing threads; 0 = as many as the machine has.
    pub threads: usize,
    /// Field → column header, overriding recognition (headers compare with
    /// case, spaces and punctuation aside).
    pub mapping: BTreeMap<Field, String>,
}

impl ScanOptions {
    pub fn new(calendar: FiscalCalendar) -> Self {
        Self {
            calendar,
            anchor: None,
            block_size: DEFAULT_BLOCK_SIZE,
            threads: 0,
            mapping: BTreeMap::new(),
        }
    }
}

/// Reads a payment file. `progress` is called with (bytes parsed, file
/// size) as blocks are done.
pub fn scan_file(
    path: &Path,
    calendar: FiscalCalendar,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<FileFacts, Rejected> {
    scan_file_with(path, &ScanOptions::new(calendar), progress)
}

/// [`scan_file`] with every option.
pub fn scan_file_with(
    path: &Path,
    opts: &ScanOptions,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<FileFacts, Rejected> {
    let name = path.display().to_string();
    let file = std::fs::File::open(path)
        .map_err(|e| whole_file(&name, 0, format!("cannot open the file: {e}")))?;
    let total = file.metadata().map(|m| m.len()).unwrap_or(0);
    scan_reader(&name, file, total, opts, progress)
}

/// [`scan_file`] over any reader; `name` is the file name for messages and
/// `total` its size in bytes for `progress` (0 when unknown).
pub fn scan_reader<R: Read>(
    name: &str,
    mut reader: R,
    total: u64,
    opts: &ScanOptions,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<FileFacts, Rejected> {
    let block_size = opts.block_size.max(1);
    let threads = match opts.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    }
    .max(1);
    let io = |e: std::io::Error| whole_file(name, 0, format!("cannot read the file: {e}"));

    // The header: read until its record ends.
    let mut buf: Vec<u8> = Vec::with_capacity(block_size);
    let mut eof = false;
    let header_end = loop {
        if let Some(end) = record_end(&buf) {
            break end;
        }
        if eof {
            break buf.len();
        }
        if buf.len() > MAX_RECORD_BYTES {
            return Err(whole_file(name, 1, "the header line never ends"));
        }
        let want = block_size.max(buf.len());
        eof = fill(&mut reader, &mut buf, want).map_err(io)?;
    };
    let bom = if buf.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    let header_bytes = &buf[bom..header_end];
    let header_lines = 1 + memchr_iter(
        b'\n',
        header_bytes.strip_suffix(b"\n").unwrap_or(header_bytes),
    )
    .count() as u64;
    let layout = Layout::from_header(name, header_bytes, opts)?;
    let mut done_bytes = header_end as u64;
    buf.drain(..header_end);

    let (job_tx, job_rx) = mpsc::channel::<Job>();
    let job_rx = Mutex::new(job_rx);
    let (res_tx, res_rx) = mpsc::channel::<BlockOut>();
    let mut blocks: Vec<BlockOut> = Vec::new();
    let mut stopped: Option<(u32, String)> = None;

    let dicts: Vec<Dicts> = std::thread::scope(|s| -> Result<Vec<Dicts>, Rejected> {
        let handles: Vec<_> = (0..threads)
            .map(|w| {
                let job_rx = &job_rx;
                let res_tx = res_tx.clone();
                let layout = &layout;
                s.spawn(move || {
                    let mut worker = Worker::new(w, layout, opts.calendar);
                    loop {
                        let job = job_rx.lock().expect("job queue").recv();
                        let Ok(job) = job else { break };
                        let out = worker.block(job.index, job.data);
                        if res_tx.send(out).is_err() {
                            break;
                        }
                    }
                    worker.dicts
                })
            })
            .collect();
        drop(res_tx);

        let mut handle = |out: BlockOut, free: &mut Vec<Vec<u8>>, blocks: &mut Vec<BlockOut>| {
            done_bytes += out.bytes;
            progress(done_bytes, total.max(done_bytes));
            let mut out = out;
            free.push(std::mem::take(&mut out.data));
            blocks.push(out);
        };

        let mut free: Vec<Vec<u8>> = Vec::new();
        let mut allocated = 1usize;
        let mut index = 0u32;
        let read_result = (|| -> Result<(), std::io::Error> {
            loop {
                let mut limit = block_size;
                let cut = loop {
                    if !eof && buf.len() < limit {
                        let want = limit - buf.len();
                        eof = fill(&mut reader, &mut buf, want)?;
                    }
                    if eof {
                        break Some(buf.len());
                    }
                    if let Some(cut) = find_cut(&buf) {
                        break Some(cut);
                    }
                    if limit > MAX_RECORD_BYTES {
                        break None;
                    }
                    limit = limit.saturating_mul(2);
                };
                let Some(cut) = cut else {
                    stopped = Some((
                        index,
                        format!(
                            "a record runs past {} MB: a quote that is never closed?",
                            MAX_RECORD_BYTES >> 20
                        ),
                    ));
                    return Ok(());
                };
                let mut next = match free.pop() {
                    Some(b) => b,
                    None if allocated <= threads => {
                        allocated += 1;
                        Vec::with_capacity(block_size)
                    }
                    None => {
                        let out = res_rx.recv().expect("a parsing thread ended early");
                        handle(out, &mut free, &mut blocks);
                        free.pop().expect("a buffer came back")
                    }
                };
                next.clear();
                next.extend_from_slice(&buf[cut..]);
                buf.truncate(cut);
                let data = std::mem::replace(&mut buf, next);
                if data.is_empty() {
                    free.push(data);
                } else {
                    job_tx
                        .send(Job { index, data })
                        .expect("parsing threads are running");
                    index += 1;
                }
                if eof && buf.is_empty() {
                    return Ok(());
                }
                while let Ok(out) = res_rx.try_recv() {
                    handle(out, &mut free, &mut blocks);
                }
            }
        })();
        drop(job_tx);
        for out in res_rx.iter() {
            handle(out, &mut free, &mut blocks);
        }
        let dicts = handles
            .into_iter()
            .map(|h| h.join().expect("parsing thread"))
            .collect();
        read_result.map_err(io)?;
        Ok(dicts)
    })?;

    blocks.sort_by_key(|b| b.index);
    // Line numbers: each block starts where the previous ones ended.
    let mut errors: Vec<RowError> = Vec::new();
    let mut error_count = 0u64;
    let mut line = header_lines + 1;
    for b in &mut blocks {
        error_count += b.error_count;
        for (rel, mut e) in b.errors.drain(..) {
            e.line = line + rel;
            errors.push(e);
        }
        line += b.lines;
    }
    if let Some((at, message)) = stopped {
        let start = header_lines
            + 1
            + blocks
                .iter()
                .filter(|b| b.index < at)
                .map(|b| b.lines)
                .sum::<u64>();
        errors.push(RowError::new(start, None, message));
        error_count += 1;
    }
    if error_count > 0 {
        errors.sort_by_key(|e| e.line);
        if errors.len() > MAX_LISTED_ERRORS || error_count > errors.len() as u64 {
            errors.truncate(MAX_LISTED_ERRORS);
            let last = errors.last().map_or(0, |e| e.line);
            errors.push(RowError::new(
                last,
                None,
                format!(
                    "… and {} more problems, not listed",
                    error_count - MAX_LISTED_ERRORS as u64
                ),
            ));
        }
        return Err(Rejected {
            file: name.to_owned(),
            errors,
        });
    }

    let rows = blocks.iter().map(|b| b.facts.len() as u64).sum();
    let merged = merge(dicts, &layout, opts);
    let mut facts: Vec<(usize, Facts)> = blocks.into_iter().map(|b| (b.worker, b.facts)).collect();
    remap(&mut facts, &merged.remaps, threads);
    Ok(FileFacts {
        facts: facts.into_iter().map(|(_, f)| f).collect(),
        anchors: merged.anchors,
        suppliers: merged.suppliers,
        sectors: merged.sectors,
        rows,
        columns: layout.columns(),
        delimiter: layout.delim,
    })
}

fn whole_file(name: &str, line: u64, message: impl Into<lumbung_domain::Text>) -> Rejected {
    Rejected {
        file: name.to_owned(),
        errors: vec![RowError::new(line, None, message)],
    }
}

/// Reads up to `want` more bytes into `buf`; true at the end of the input.
fn fill<R: Read>(reader: &mut R, buf: &mut Vec<u8>, want: usize) -> std::io::Result<bool> {
    buf.reserve(want);
    let got = reader.by_ref().take(want as u64).read_to_end(buf)?;
    Ok(got < want)
}

/// The end (just past the `\n`) of the first record, quotes considered.
fn record_end(buf: &[u8]) -> Option<usize> {
    let mut quoted = false;
    for i in memchr::memchr2_iter(b'"', b'\n', buf) {
        match buf[i] {
            b'"' => quoted = !quoted,
            _ if !quoted => return Some(i + 1),
            _ => {}
        }
    }
    None
}

/// Where to cut a block so that it ends at a record end: just past the
/// last `\n` that has an even number of quotes before it (the block starts
/// at a record start). None when there is no such line end.
fn find_cut(buf: &[u8]) -> Option<usize> {
    let quotes = memchr_iter(b'"', buf).count();
    let mut newlines = memrchr_iter(b'\n', buf);
    let last = newlines.next()?;
    if quotes == 0 {
        return Some(last + 1);
    }
    let mut after = memchr_iter(b'"', &buf[last..]).count();
    let mut end = last;
    if (quotes - after).is_multiple_of(2) {
        return Some(last + 1);
    }
    for nl in newlines {
        after += memchr_iter(b'"', &buf[nl..end]).count();
        end = nl;
        if (quotes - after).is_multiple_of(2) {
            return Some(nl + 1);
        }
    }
    None
}

/// Where each field is in a row.
struct Layout {
    delim: u8,
    headers: Vec<String>,
    anchor: Option<usize>,
    fiscal_year: Option<usize>,
    payment_date: Option<usize>,
    supplier_id: Option<usize>,
    supplier_name: Option<usize>,
    postcode: Option<usize>,
    sic: Option<usize>,
    sme: Option<usize>,
    contract_type: Option<usize>,
    amount: usize,
}

impl Layout {
    fn from_header(name: &str, header: &[u8], opts: &ScanOptions) -> Result<Layout, Rejected> {
        let line = header.strip_suffix(b"\n").unwrap_or(header);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let Ok(text) = std::str::from_utf8(line) else {
            return Err(whole_file(name, 1, "the header line is not UTF-8"));
        };
        if text.trim().is_empty() {
            return Err(whole_file(name, 1, "the file has no header line"));
        }
        // The delimiter: the most frequent candidate outside quotes.
        let mut counts = [0usize; 4];
        let candidates = [b',', b';', b'\t', b'|'];
        let mut quoted = false;
        for &b in line {
            if b == b'"' {
                quoted = !quoted;
            } else if !quoted {
                if let Some(i) = candidates.iter().position(|&c| c == b) {
                    counts[i] += 1;
                }
            }
        }
        let best = (0..4)
            .max_by_key(|&i| (counts[i], usize::MAX - i))
            .expect("four");
        let delim = if counts[best] == 0 {
            b','
        } else {
            candidates[best]
        };
        let mut ranges = Vec::new();
        let mut scratch = Vec::new();
        let mut nl = 0;
        if parse_quoted(line, delim, &mut scratch, &mut ranges, &mut nl).is_err() {
            return Err(whole_file(
                name,
                1,
                "the header line has a quote that is never closed",
            ));
        }
        let headers: Vec<String> = ranges
            .iter()
            .map(|&(s, e)| {
                String::from_utf8_lossy(&scratch[s as usize..e as usize])
                    .trim()
                    .to_owned()
            })
            .collect();
        let mut found: BTreeMap<Field, usize> = BTreeMap::new();
        let mut errors = Vec::new();
        let compact = |h: &str| -> String {
            h.chars()
                .filter(|c| c.is_alphanumeric())
                .flat_map(char::to_lowercase)
                .collect()
        };
        let compacts: Vec<String> = headers.iter().map(|h| compact(h)).collect();
        for (f, want) in &opts.mapping {
            match compacts.iter().position(|c| *c == compact(want)) {
                Some(i) => {
                    found.insert(*f, i);
                }
                None => errors.push(RowError::new(
                    1,
                    Some(want),
                    format!("the column {want} (mapped to {f}) is not in the header line"),
                )),
            }
        }
        for (i, h) in headers.iter().enumerate() {
            let Some(f) = recognise_header(h) else {
                continue;
            };
            if opts.mapping.contains_key(&f) || found.values().any(|&j| j == i) {
                continue;
            }
            if let Some(&j) = found.get(&f) {
                errors.push(RowError::new(
                    1,
                    Some(h),
                    format!(
                        "the columns {} and {h} are both read as {f}: name one with a mapping",
                        headers[j]
                    ),
                ));
            } else {
                found.insert(f, i);
            }
        }
        let has = |f: Field| found.contains_key(&f);
        let missing = |what: &str| {
            RowError::new(
                1,
                None,
                format!(
                    "no {what} column (the header line has: {})",
                    headers.join(&(delim as char).to_string())
                ),
            )
        };
        if !has(Field::Amount) {
            errors.push(missing("amount"));
        }
        if !has(Field::SupplierId) && !has(Field::SupplierName) {
            errors.push(missing("supplier_id or supplier_name"));
        }
        if !has(Field::FiscalYear) && !has(Field::PaymentDate) {
            errors.push(missing("fiscal_year or payment_date"));
        }
        if !has(Field::Anchor) && opts.anchor.is_none() {
            errors.push(missing("anchor"));
        }
        if !errors.is_empty() {
            return Err(Rejected {
                file: name.to_owned(),
                errors,
            });
        }
        let col = |f: Field| found.get(&f).copied();
        Ok(Layout {
            delim,
            anchor: col(Field::Anchor),
            fiscal_year: col(Field::FiscalYear),
            payment_date: col(Field::PaymentDate),
            supplier_id: col(Field::SupplierId),
            supplier_name: col(Field::SupplierName),
            postcode: col(Field::Postcode),
            sic: col(Field::Sic),
            sme: col(Field::Sme),
            contract_type: col(Field::ContractType),
            amount: col(Field::Amount).expect("checked"),
            headers,
        })
    }

    fn columns(&self) -> BTreeMap<Field, String> {
        [
            (Field::Anchor, self.anchor),
            (Field::FiscalYear, self.fiscal_year),
            (Field::PaymentDate, self.payment_date),
            (Field::SupplierId, self.supplier_id),
            (Field::SupplierName, self.supplier_name),
            (Field::Postcode, self.postcode),
            (Field::Sic, self.sic),
            (Field::Sme, self.sme),
            (Field::ContractType, self.contract_type),
            (Field::Amount, Some(self.amount)),
        ]
        .into_iter()
        .filter_map(|(f, c)| c.map(|c| (f, self.headers[c].clone())))
        .collect()
    }
}

/// Parses one record that may hold quoted fields, from the start of `buf`.
/// Field values (unquoted) go to `scratch`, their places to `ranges`.
/// Returns the bytes consumed (through the record's `\n`, if any); counts
/// the `\n`s consumed in `newlines`. Err(bytes consumed) when a quote is
/// never closed.
fn parse_quoted(
    buf: &[u8],
    delim: u8,
    scratch: &mut Vec<u8>,
    ranges: &mut Vec<(u32, u32)>,
    newlines: &mut u64,
) -> Result<usize, usize> {
    scratch.clear();
    ranges.clear();
    let mut pos = 0;
    loop {
        let start = scratch.len();
        if buf.get(pos) == Some(&b'"') {
            pos += 1;
            loop {
                let Some(q) = memchr::memchr(b'"', &buf[pos..]) else {
                    *newlines += memchr_iter(b'\n', &buf[pos..]).count() as u64;
                    return Err(buf.len());
                };
                let part = &buf[pos..pos + q];
                *newlines += memchr_iter(b'\n', part).count() as u64;
                scratch.extend_from_slice(part);
                pos += q + 1;
                if buf.get(pos) == Some(&b'"') {
                    scratch.push(b'"');
                    pos += 1;
                } else {
                    break;
                }
            }
            // Anything between the closing quote and the delimiter is kept
            // as it is (lenient, like most readers).
        }
        // Unquoted part (or the rest after a closing quote).
        let rest = &buf[pos..];
        let end = rest
            .iter()
            .position(|&b| b == delim || b == b'\n')
            .unwrap_or(rest.len());
        let mut part = &rest[..end];
        let at_newline = rest.get(end) == Some(&b'\n');
        if at_newline || end == rest.len() {
            part = part.strip_suffix(b"\r").unwrap_or(part);
        }
        scratch.extend_from_slice(part);
        ranges.push((start as u32, scratch.len() as u32));
        pos += end;
        match buf.get(pos) {
            Some(&b) if b == delim => pos += 1,
            Some(_) => {
                *newlines += 1;
                return Ok(pos + 1);
            }
            None => return Ok(pos),
        }
    }
}

/// The fields of a row without quotes, as (start, end) in `text`: eight
/// bytes at a time, each delimiter found by a bit trick (a byte of
/// `w ^ delim×8` is zero exactly where `w` has the delimiter).
#[inline]
fn split_fields(text: &[u8], delim: u8, ranges: &mut Vec<(u32, u32)>) {
    const LOW: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    ranges.clear();
    let pattern = u64::from_ne_bytes([delim; 8]);
    let mut start = 0u32;
    let mut chunks = text.chunks_exact(8);
    let mut base = 0u32;
    for chunk in &mut chunks {
        let x = u64::from_le_bytes(chunk.try_into().expect("8 bytes")) ^ pattern;
        let mut zeros = !(((x & LOW).wrapping_add(LOW)) | x | LOW);
        while zeros != 0 {
            let i = base + zeros.trailing_zeros() / 8;
            ranges.push((start, i));
            start = i + 1;
            zeros &= zeros - 1;
        }
        base += 8;
    }
    for (j, &b) in chunks.remainder().iter().enumerate() {
        if b == delim {
            let i = base + j as u32;
            ranges.push((start, i));
            start = i + 1;
        }
    }
    ranges.push((start, text.len() as u32));
}

#[inline]
fn trim(s: &[u8]) -> &[u8] {
    let blank = |b: Option<&u8>| matches!(b, Some(b' ' | b'\t'));
    if !blank(s.first()) && !blank(s.last()) {
        return s;
    }
    let mut s = s;
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

/// Amounts: `-123.45`, `1500`, `.5`; None for anything else (the slow
/// path then explains or accepts it).
#[inline]
fn parse_amount(s: &[u8]) -> Option<i64> {
    let (neg, d) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let mut v: i64 = 0;
    let mut i = 0;
    while i < d.len() && d[i].is_ascii_digit() {
        // More than 16 digits would overflow: the slow path explains them.
        if i == 16 {
            return None;
        }
        v = v * 10 + (d[i] - b'0') as i64;
        i += 1;
    }
    let int_digits = i;
    let mut frac = 0;
    if i < d.len() {
        if d[i] != b'.' {
            return None;
        }
        i += 1;
        while i < d.len() && frac < 2 && d[i].is_ascii_digit() {
            v = v * 10 + (d[i] - b'0') as i64;
            frac += 1;
            i += 1;
        }
        if i != d.len() {
            return None;
        }
    }
    if int_digits + frac == 0 {
        return None;
    }
    v *= [100, 10, 1][frac];
    Some(if neg { -v } else { v })
}

fn digits(s: &[u8]) -> Option<i32> {
    if s.is_empty() || s.len() > 4 || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(s.iter().fold(0, |v, &b| v * 10 + (b - b'0') as i32))
}

/// `31/03/2013` (also `1/3/2013`, `31-03-2013`, `31.03.2013`) or
/// `2013-03-31`, optionally followed by a time after a space or `T`.
fn parse_date(s: &[u8]) -> Option<(i32, u8, u8)> {
    let (y, m, d) = if s.len() == 10 && s[2] == b'/' && s[5] == b'/' {
        (digits(&s[6..])?, digits(&s[3..5])?, digits(&s[..2])?)
    } else {
        parse_date_slow(s)?
    };
    if !(1900..=2200).contains(&y) || !(1..=12).contains(&m) || d < 1 {
        return None;
    }
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let len = match m {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    (d <= len).then_some((y, m as u8, d as u8))
}

fn parse_date_slow(s: &[u8]) -> Option<(i32, i32, i32)> {
    let s = match s.iter().position(|&b| b == b' ' || b == b'T') {
        Some(i) => &s[..i],
        None => s,
    };
    let (y, m, d) = if s.len() == 10 && s[4] == b'-' && s[7] == b'-' {
        (digits(&s[..4])?, digits(&s[5..7])?, digits(&s[8..])?)
    } else {
        let sep = *s.iter().find(|b| matches!(b, b'/' | b'-' | b'.'))?;
        let mut parts = s.split(|&b| b == sep);
        let (d, m, y) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || d.len() > 2 || m.len() > 2 || y.len() != 4 {
            return None;
        }
        (digits(y)?, digits(m)?, digits(d)?)
    };
    Some((y, m, d))
}

/// Days since 1970-01-01 (proleptic Gregorian).
fn days_from_civil(y: i32, m: u8, d: u8) -> i32 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = m as i32;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i32 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `2012/13` quickly, anything else through [`FiscalYear::parse`].
fn parse_fiscal_year(s: &[u8]) -> Result<i16, String> {
    if s.len() == 7 && (s[4] == b'/' || s[4] == b'-') {
        if let (Some(y), Some(next)) = (digits(&s[..4]), digits(&s[5..])) {
            if (y + 1) % 100 == next && (1900..=2200).contains(&y) {
                return Ok(y as i16);
            }
        }
    }
    let text = std::str::from_utf8(s).map_err(|_| "not UTF-8".to_owned())?;
    FiscalYear::parse(text)
        .map(|y| y.start_year() as i16)
        .map_err(|e| e.0)
}

fn parse_sme(s: &[u8]) -> Option<bool> {
    match s {
        b"Y" | b"y" => return Some(true),
        b"N" | b"n" => return Some(false),
        _ => {}
    }
    let mut low = [0u8; 5];
    if s.len() > low.len() {
        return None;
    }
    for (l, b) in low.iter_mut().zip(s) {
        *l = b.to_ascii_lowercase();
    }
    match &low[..s.len()] {
        b"y" | b"yes" | b"true" | b"1" => Some(true),
        b"n" | b"no" | b"false" | b"0" => Some(false),
        _ => None,
    }
}

/// [`crate::prepare::influenceable`] without allocating.
fn not_influenceable(s: &[u8]) -> bool {
    let norm = |b: u8| match b {
        b'-' | b'_' => b' ',
        b => b.to_ascii_lowercase(),
    };
    let s = trim(s);
    NOT_INFLUENCEABLE_CONTRACTS
        .iter()
        .any(|c| c.len() == s.len() && c.bytes().zip(s).all(|(c, &b)| c == norm(b)))
}

/// Byte keys → ids, kept compact so that lookups stay in cache: keys of
/// up to 7 bytes and all-digit keys of up to 16 digits (supplier ids,
/// sector codes) live inline as one `u64`, keys of up to 15 bytes (anchor
/// names) as one `u128`; longer keys are boxed.
#[derive(Default)]
struct KeyMap {
    small: FxHashMap<u64, u32>,
    mid: FxHashMap<u128, u32>,
    long: FxHashMap<Box<[u8]>, u32>,
}

enum Packed {
    Small(u64),
    Mid(u128),
    Long,
}

/// Digits flag of a small key.
const DIGITS: u64 = 1 << 63;

/// Up to 7 bytes, little-endian, without a round trip through memory.
#[inline]
fn le_bytes(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .enumerate()
        .fold(0, |v, (i, &b)| v | (b as u64) << (8 * i))
}

#[inline]
fn pack(key: &[u8]) -> Packed {
    let n = key.len();
    if n <= 7 {
        return Packed::Small(le_bytes(key) | (n as u64) << 56);
    }
    if n <= 16 {
        let mut v = 0u64;
        let mut all = true;
        for &c in key {
            all &= c.is_ascii_digit();
            v = v.wrapping_mul(10).wrapping_add(c.wrapping_sub(b'0') as u64);
        }
        if all {
            return Packed::Small(DIGITS | (n as u64) << 56 | v);
        }
    }
    if n <= 15 {
        let lo = u64::from_le_bytes(key[..8].try_into().expect("8 bytes"));
        let hi = le_bytes(&key[8..]) | (n as u64) << 56;
        return Packed::Mid((hi as u128) << 64 | lo as u128);
    }
    Packed::Long
}

fn unpack_small(k: u64) -> Vec<u8> {
    if k & DIGITS != 0 {
        let n = (k >> 56 & 0x7f) as usize;
        let v = k & ((1 << 56) - 1);
        format!("{v:0n$}").into_bytes()
    } else {
        let b = k.to_le_bytes();
        b[..b[7] as usize].to_vec()
    }
}

fn unpack_mid(k: u128) -> Vec<u8> {
    let b = k.to_le_bytes();
    b[..b[15] as usize].to_vec()
}

impl KeyMap {
    #[inline]
    fn get(&self, key: &[u8]) -> Option<u32> {
        match pack(key) {
            Packed::Small(k) => self.small.get(&k).copied(),
            Packed::Mid(k) => self.mid.get(&k).copied(),
            Packed::Long => self.long.get(key).copied(),
        }
    }

    fn insert(&mut self, key: &[u8], id: u32) {
        match pack(key) {
            Packed::Small(k) => self.small.insert(k, id),
            Packed::Mid(k) => self.mid.insert(k, id),
            Packed::Long => self.long.insert(key.into(), id),
        };
    }

    /// Every key with its id.
    fn entries(&self) -> impl Iterator<Item = (Vec<u8>, u32)> + '_ {
        let small = self.small.iter().map(|(k, &id)| (unpack_small(*k), id));
        let mid = self.mid.iter().map(|(k, &id)| (unpack_mid(*k), id));
        let long = self.long.iter().map(|(k, &id)| (k.to_vec(), id));
        small.chain(mid).chain(long)
    }
}

/// Keys → dense local ids, with the place each key was first seen. A
/// small direct-mapped cache in front answers for dictionaries of a few
/// hundred keys (anchors, sectors) without a hash-table probe.
struct Interner {
    map: KeyMap,
    first: Vec<u64>,
    cache: Box<[(u128, u32); CACHE]>,
}

const CACHE: usize = 256;

impl Default for Interner {
    fn default() -> Self {
        Interner {
            map: KeyMap::default(),
            first: Vec::new(),
            // No packed key is all ones (its length byte is at most 16).
            cache: Box::new([(u128::MAX, 0); CACHE]),
        }
    }
}

impl Interner {
    #[inline]
    fn intern(&mut self, key: &[u8], first: u64) -> u32 {
        let packed = match pack(key) {
            Packed::Small(k) => Some(k as u128),
            Packed::Mid(k) => Some(k),
            Packed::Long => None,
        };
        let slot = packed.map(|k| {
            let h = ((k as u64) ^ (k >> 64) as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            (h >> 56) as usize % CACHE
        });
        if let (Some(k), Some(slot)) = (packed, slot) {
            let (ck, id) = self.cache[slot];
            if ck == k {
                return id;
            }
        }
        let id = match self.map.get(key) {
            Some(id) => id,
            None => {
                let id = self.first.len() as u32;
                self.map.insert(key, id);
                self.first.push(first);
                id
            }
        };
        if let (Some(k), Some(slot)) = (packed, slot) {
            self.cache[slot] = (k, id);
        }
        id
    }
}

/// A supplier as one thread first saw it; its texts are (start, length)
/// in [`Suppliers::text`], which saves a few allocations per supplier.
struct LocalSupplier {
    id: Option<(u32, u32)>,
    name: (u32, u32),
    postcode: Option<(u32, u32)>,
    first: u64,
    /// [`crate::suppliers::name_key`] of a supplier without an id.
    name_key: Option<String>,
}

#[derive(Default)]
struct Suppliers {
    by_id: KeyMap,
    /// Name and postcode as written → supplier (a cache in front of
    /// `by_name_key`).
    by_name: KeyMap,
    by_name_key: FxHashMap<String, u32>,
    list: Vec<LocalSupplier>,
    text: Vec<u8>,
}

impl Suppliers {
    /// A new supplier (the name defaults to the id); its local id.
    fn add(
        &mut self,
        id: Option<&[u8]>,
        name: Option<&[u8]>,
        postcode: Option<&[u8]>,
        first: u64,
        name_key: Option<String>,
    ) -> u32 {
        let mut keep = |t: &[u8]| {
            let start = self.text.len() as u32;
            self.text.extend_from_slice(t);
            (start, t.len() as u32)
        };
        let id = id.map(&mut keep);
        let name = match name {
            Some(n) => keep(n),
            None => id.unwrap_or_default(),
        };
        let postcode = postcode.map(&mut keep);
        self.list.push(LocalSupplier {
            id,
            name,
            postcode,
            first,
            name_key,
        });
        self.list.len() as u32 - 1
    }

    fn text(&self, (start, len): (u32, u32)) -> String {
        let bytes = &self.text[start as usize..(start + len) as usize];
        // Blocks with bytes that are not UTF-8 reject the file, so this is
        // UTF-8 whenever the result is used.
        String::from_utf8(bytes.to_vec())
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }

    fn file_supplier(&self, s: &LocalSupplier) -> FileSupplier {
        FileSupplier {
            id: s.id.map(|r| self.text(r)),
            name: self.text(s.name),
            postcode: s.postcode.map(|r| self.text(r)),
        }
    }
}

/// What one thread learnt: its own id spaces.
#[derive(Default)]
struct Dicts {
    anchors: Interner,
    sectors: Interner,
    suppliers: Suppliers,
}

struct Job {
    index: u32,
    data: Vec<u8>,
}

struct BlockOut {
    index: u32,
    worker: usize,
    /// The block's bytes, handed back for reuse.
    data: Vec<u8>,
    bytes: u64,
    facts: Facts,
    /// `\n`s in the block.
    lines: u64,
    /// Problems, with the line relative to the block's first line.
    errors: Vec<(u64, RowError)>,
    error_count: u64,
}

struct Worker<'a> {
    id: usize,
    layout: &'a Layout,
    calendar: FiscalCalendar,
    dicts: Dicts,
    ranges: Vec<(u32, u32)>,
    scratch: Vec<u8>,
    key: Vec<u8>,
    pending: Vec<Pending>,
}

/// A supplier id lookup put off to be done in a batch: many independent
/// lookups in flight at once hide the cache misses of a big dictionary.
/// Places are byte ranges (start, length) in the block.
struct Pending {
    /// The row in the block's facts.
    index: u32,
    key: u64,
    id: (u32, u32),
    name: Option<(u32, u32)>,
    postcode: Option<(u32, u32)>,
    first: u64,
    found: u32,
}

/// How many lookups a batch holds.
const BATCH: usize = 256;

/// Where a row is: its block, its line within the block, its row within
/// the block.
#[derive(Clone, Copy)]
struct At {
    block: u32,
    line: u64,
    row: u32,
}

impl At {
    fn first(self) -> u64 {
        (self.block as u64) << 32 | self.row as u64
    }
}

struct Sink<'e> {
    errors: &'e mut Vec<(u64, RowError)>,
    count: &'e mut u64,
}

impl Sink<'_> {
    fn push(&mut self, line: u64, column: Option<&str>, message: impl Into<lumbung_domain::Text>) {
        *self.count += 1;
        if self.errors.len() < MAX_LISTED_ERRORS {
            self.errors.push((line, RowError::new(0, column, message)));
        }
    }
}

impl<'a> Worker<'a> {
    fn new(id: usize, layout: &'a Layout, calendar: FiscalCalendar) -> Self {
        Worker {
            id,
            layout,
            calendar,
            dicts: Dicts::default(),
            ranges: Vec::with_capacity(layout.headers.len() + 1),
            scratch: Vec::new(),
            key: Vec::new(),
            pending: Vec::with_capacity(BATCH),
        }
    }

    /// Resolves the put-off supplier lookups of rows in `data`.
    fn flush(&mut self, data: &[u8], facts: &mut Facts) {
        let sup = &mut self.dicts.suppliers;
        for p in &mut self.pending {
            p.found = sup.by_id.small.get(&p.key).copied().unwrap_or(u32::MAX);
        }
        let text = |(start, len): (u32, u32)| &data[start as usize..(start + len) as usize];
        for p in self.pending.drain(..) {
            let found = if p.found != u32::MAX {
                Some(p.found)
            } else {
                sup.by_id.small.get(&p.key).copied()
            };
            let s = found.unwrap_or_else(|| {
                let s = sup.add(
                    Some(text(p.id)),
                    p.name.map(text),
                    p.postcode.map(text),
                    p.first,
                    None,
                );
                sup.by_id.small.insert(p.key, s);
                s
            });
            facts.supplier[p.index as usize] = s;
        }
    }

    /// A row without quotes: `text` is the record without its `\n`, at
    /// `rec` in the block `data`. False for a blank line.
    fn end_row(
        &mut self,
        data: &[u8],
        rec: usize,
        text: &[u8],
        at: At,
        facts: &mut Facts,
        sink: &mut Sink<'_>,
    ) -> bool {
        let text = text.strip_suffix(b"\r").unwrap_or(text);
        if text.is_empty() {
            return false;
        }
        split_fields(text, self.layout.delim, &mut self.ranges);
        row_into(
            self.layout,
            self.calendar,
            &mut self.dicts,
            &mut self.key,
            text,
            &self.ranges,
            at,
            facts,
            sink,
            Some((rec, &mut self.pending)),
        );
        if self.pending.len() >= BATCH {
            self.flush(data, facts);
        }
        true
    }

    fn block(&mut self, index: u32, data: Vec<u8>) -> BlockOut {
        let mut errors = Vec::new();
        let mut error_count = 0;
        let mut sink = Sink {
            errors: &mut errors,
            count: &mut error_count,
        };
        // Room for rows of 64 bytes and more; shorter ones grow the columns,
        // which are trimmed at the end (a cheap `mremap` for big ones).
        let mut facts = Facts::default();
        let cap = data.len() / 64 + 16;
        facts.anchor.reserve_exact(cap);
        facts.year.reserve_exact(cap);
        facts.date.reserve_exact(cap);
        facts.supplier.reserve_exact(cap);
        facts.amount.reserve_exact(cap);
        facts.sector.reserve_exact(cap);
        facts.flags.reserve_exact(cap);

        // Bytes that are not UTF-8, one problem per place.
        let mut from = 0;
        while let Err(e) = std::str::from_utf8(&data[from..]) {
            let bad = from + e.valid_up_to();
            let line = memchr_iter(b'\n', &data[..bad]).count() as u64;
            sink.push(line, None, "the text is not UTF-8");
            from = bad + e.error_len().unwrap_or(data.len() - bad).max(1);
            if from >= data.len() {
                break;
            }
        }

        // Row by row: the line end (or a quote) by SIMD search, then the
        // fields of a row without quotes by `split_fields`; a quote sends
        // its record to `parse_quoted`.
        let delim = self.layout.delim;
        let mut line = 0u64;
        let mut row = 0u32;
        let mut pos = 0usize;
        while pos < data.len() {
            let rest = &data[pos..];
            let at = At {
                block: index,
                line,
                row,
            };
            match memchr2(b'\n', b'"', rest) {
                Some(i) if rest[i] == b'"' => {
                    self.flush(&data, &mut facts);
                    let mut nl = 0;
                    let used = match parse_quoted(
                        rest,
                        delim,
                        &mut self.scratch,
                        &mut self.ranges,
                        &mut nl,
                    ) {
                        Ok(used) => {
                            row_into(
                                self.layout,
                                self.calendar,
                                &mut self.dicts,
                                &mut self.key,
                                &self.scratch,
                                &self.ranges,
                                at,
                                &mut facts,
                                &mut sink,
                                None,
                            );
                            row += 1;
                            used
                        }
                        Err(used) => {
                            sink.push(line, None, "a quoted field is never closed");
                            used
                        }
                    };
                    line += nl;
                    pos += used.max(1);
                }
                found => {
                    let end = found.unwrap_or(rest.len());
                    if self.end_row(&data, pos, &rest[..end], at, &mut facts, &mut sink) {
                        row += 1;
                    }
                    if found.is_some() {
                        line += 1;
                    }
                    pos += end + 1;
                }
            }
        }
        self.flush(&data, &mut facts);
        facts.anchor.shrink_to_fit();
        facts.year.shrink_to_fit();
        facts.date.shrink_to_fit();
        facts.supplier.shrink_to_fit();
        facts.amount.shrink_to_fit();
        facts.sector.shrink_to_fit();
        facts.flags.shrink_to_fit();
        BlockOut {
            index,
            worker: self.id,
            bytes: data.len() as u64,
            data,
            facts,
            lines: line,
            errors,
            error_count,
        }
    }
}

/// Parses one row's fields into `facts`, or reports its problems.
#[allow(clippy::too_many_arguments)]
#[inline]
fn row_into(
    l: &Layout,
    calendar: FiscalCalendar,
    dicts: &mut Dicts,
    key: &mut Vec<u8>,
    base: &[u8],
    ranges: &[(u32, u32)],
    at: At,
    facts: &mut Facts,
    sink: &mut Sink<'_>,
    defer: Option<(usize, &mut Vec<Pending>)>,
) {
    let n = ranges.len();
    let width = l.headers.len();
    if n != width {
        let extra_empty = n > width
            && ranges[width..]
                .iter()
                .all(|&(s, e)| trim(&base[s as usize..e as usize]).is_empty());
        if !extra_empty {
            sink.push(
                at.line,
                None,
                format!("the row has {n} fields, the header has {width}"),
            );
            return;
        }
    }
    let field = |c: usize| -> &[u8] {
        let (s, e) = ranges[c];
        trim(&base[s as usize..e as usize])
    };
    let opt = |c: Option<usize>| c.map(field).filter(|f| !f.is_empty());
    let col = |c: usize| Some(l.headers[c].as_str());
    let mut ok = true;

    let raw = field(l.amount);
    let amount = match parse_amount(raw) {
        Some(v) => v,
        None => {
            let parsed = std::str::from_utf8(raw)
                .map_err(|_| "not UTF-8".to_owned())
                .and_then(|t| Money::parse_plain(t).map_err(|e| e.0));
            match parsed {
                Ok(m) => m.minor(),
                Err(e) => {
                    let message = if raw.is_empty() {
                        "the amount is empty".to_owned()
                    } else {
                        e
                    };
                    sink.push(at.line, col(l.amount), message);
                    ok = false;
                    0
                }
            }
        }
    };
    if let Some(message) = crate::read::above_max(Money::from_minor(amount)) {
        sink.push(at.line, col(l.amount), message);
        ok = false;
    }

    let mut date = NO_DATE;
    let mut year: Option<i16> = None;
    if let Some(fy) = opt(l.fiscal_year) {
        match parse_fiscal_year(fy) {
            Ok(y) => year = Some(y),
            Err(e) => {
                sink.push(at.line, col(l.fiscal_year.expect("present")), e);
                ok = false;
            }
        }
    }
    if let Some(d) = opt(l.payment_date) {
        match parse_date(d) {
            Some((y, m, dd)) => {
                date = days_from_civil(y, m, dd);
                if year.is_none() {
                    year = Some(calendar.year_of(y as i16, m as i8).start_year() as i16);
                }
            }
            None => {
                sink.push(
                    at.line,
                    col(l.payment_date.expect("present")),
                    format!(
                        "{:?} is not a date such as 31/03/2013 or 2013-03-31",
                        String::from_utf8_lossy(d)
                    ),
                );
                ok = false;
            }
        }
    }
    if year.is_none() && ok {
        sink.push(at.line, None, "no fiscal year and no payment date");
        ok = false;
    }

    let anchor = match l.anchor {
        None => 0,
        Some(c) => {
            let a = field(c);
            if a.is_empty() {
                sink.push(at.line, col(c), "the anchor is empty");
                ok = false;
                0
            } else {
                dicts.anchors.intern(a, at.first())
            }
        }
    };

    let postcode = opt(l.postcode);
    let sup = &mut dicts.suppliers;
    // Where a field is in the block, for a put-off lookup.
    let place = |f: &[u8], base_at: usize| {
        (
            (f.as_ptr() as usize - base.as_ptr() as usize + base_at) as u32,
            f.len() as u32,
        )
    };
    let mut deferred = None;
    let supplier = if let Some(id) = opt(l.supplier_id) {
        if let (Some((base_at, _)), Packed::Small(key)) = (&defer, pack(id)) {
            deferred = Some(Pending {
                index: 0,
                key,
                id: place(id, *base_at),
                name: opt(l.supplier_name).map(|n| place(n, *base_at)),
                postcode: postcode.map(|p| place(p, *base_at)),
                first: at.first(),
                found: u32::MAX,
            });
            u32::MAX
        } else {
            match sup.by_id.get(id) {
                Some(s) => s,
                None => {
                    let name = opt(l.supplier_name);
                    let s = sup.add(Some(id), name, postcode, at.first(), None);
                    sup.by_id.insert(id, s);
                    s
                }
            }
        }
    } else if let Some(name) = opt(l.supplier_name) {
        key.clear();
        key.extend_from_slice(name);
        key.push(0);
        key.extend_from_slice(postcode.unwrap_or_default());
        match sup.by_name.get(key) {
            Some(s) => s,
            None => {
                let name_key = crate::suppliers::name_key(
                    &String::from_utf8_lossy(name),
                    postcode.map(String::from_utf8_lossy).as_deref(),
                );
                let s = match sup.by_name_key.get(&name_key) {
                    Some(&s) => s,
                    None => {
                        let s = sup.add(
                            None,
                            Some(name),
                            postcode,
                            at.first(),
                            Some(name_key.clone()),
                        );
                        sup.by_name_key.insert(name_key, s);
                        s
                    }
                };
                sup.by_name.insert(key, s);
                s
            }
        }
    } else {
        sink.push(at.line, None, "no supplier id and no supplier name");
        ok = false;
        0
    };

    let sector = match opt(l.sic) {
        Some(s) => dicts.sectors.intern(s, at.first()) + 1,
        None => NO_SECTOR,
    };

    let mut flags = 0;
    if let Some(s) = opt(l.sme) {
        match parse_sme(s) {
            Some(true) => flags |= flag::SME_KNOWN | flag::SME,
            Some(false) => flags |= flag::SME_KNOWN,
            None => {
                sink.push(
                    at.line,
                    col(l.sme.expect("present")),
                    format!(
                        "{:?} is not an SME flag (Y/N, yes/no, true/false, 1/0)",
                        String::from_utf8_lossy(s)
                    ),
                );
                ok = false;
            }
        }
    }
    if opt(l.contract_type).is_some_and(not_influenceable) {
        flags |= flag::NOT_INFLUENCEABLE;
    }

    if ok {
        facts.anchor.push(anchor);
        facts.year.push(year.expect("checked"));
        facts.date.push(date);
        facts.supplier.push(supplier);
        facts.amount.push(amount);
        facts.sector.push(sector);
        facts.flags.push(flags);
        if let (Some(mut p), Some((_, pending))) = (deferred, defer) {
            p.index = facts.len() as u32 - 1;
            pending.push(p);
        }
    }
}

/// Local → global ids for one thread.
#[derive(Default)]
struct Remap {
    anchor: Vec<u32>,
    supplier: Vec<u32>,
    /// Indexed by the stored sector (local id + 1; 0 = none).
    sector: Vec<u32>,
}

struct Merged {
    anchors: Vec<String>,
    suppliers: Vec<FileSupplier>,
    sectors: Vec<String>,
    remaps: Vec<Remap>,
}

/// One global id space, ids by first appearance in the file.
fn merge_interners(parts: Vec<&Interner>, remaps: &mut [Vec<u32>]) -> Vec<String> {
    let mut all: Vec<(u64, usize, Vec<u8>, u32)> = parts
        .iter()
        .enumerate()
        .flat_map(|(w, i)| {
            i.map
                .entries()
                .map(move |(k, id)| (i.first[id as usize], w, k, id))
        })
        .collect();
    all.sort_unstable_by_key(|e| (e.0, e.1));
    for (w, p) in parts.iter().enumerate() {
        remaps[w] = vec![0; p.first.len()];
    }
    let mut global: FxHashMap<Vec<u8>, u32> = FxHashMap::default();
    let mut names = Vec::new();
    for (_, w, k, id) in all {
        let g = match global.get(&k) {
            Some(&g) => g,
            None => {
                let g = names.len() as u32;
                names.push(String::from_utf8_lossy(&k).into_owned());
                global.insert(k, g);
                g
            }
        };
        remaps[w][id as usize] = g;
    }
    names
}

fn merge(dicts: Vec<Dicts>, layout: &Layout, opts: &ScanOptions) -> Merged {
    let n = dicts.len();
    let mut remaps: Vec<Remap> = (0..n).map(|_| Remap::default()).collect();

    let anchors = if layout.anchor.is_some() {
        let mut maps = vec![Vec::new(); n];
        let names = merge_interners(dicts.iter().map(|d| &d.anchors).collect(), &mut maps);
        for (r, m) in remaps.iter_mut().zip(maps) {
            r.anchor = m;
        }
        names
    } else {
        for r in &mut remaps {
            r.anchor = vec![0];
        }
        vec![opts.anchor.clone().unwrap_or_default()]
    };

    let mut maps = vec![Vec::new(); n];
    let mut sectors = vec![String::new()];
    sectors.extend(merge_interners(
        dicts.iter().map(|d| &d.sectors).collect(),
        &mut maps,
    ));
    for (r, m) in remaps.iter_mut().zip(maps) {
        r.sector = std::iter::once(0)
            .chain(m.into_iter().map(|g| g + 1))
            .collect();
    }

    // Each thread's suppliers by first appearance (already in that order
    // but for the rare key put off behind another), merged across threads:
    // a key is new the first time it comes, and another thread's own
    // dictionary tells whether it came before.
    let orders: Vec<Vec<u32>> = dicts
        .iter()
        .map(|d| {
            let list = &d.suppliers.list;
            let mut order: Vec<u32> = (0..list.len() as u32).collect();
            order.sort_by_key(|&i| list[i as usize].first);
            order
        })
        .collect();
    for (w, d) in dicts.iter().enumerate() {
        remaps[w].supplier = vec![u32::MAX; d.suppliers.list.len()];
    }
    // Each supplier's earliest twin in the other threads' dictionaries,
    // looked up in bulk and in parallel: independent lookups overlap their
    // cache misses, which one after another would cost a round trip each.
    let twins: Vec<Vec<Option<(u32, u32)>>> = std::thread::scope(|s| {
        let dicts = &dicts;
        let handles: Vec<_> = (0..n)
            .map(|w| {
                s.spawn(move || {
                    let sup = &dicts[w].suppliers;
                    sup.list
                        .iter()
                        .map(|local| {
                            // The earliest twin, if it is not this one.
                            (0..n)
                                .filter(|&v| v != w)
                                .filter_map(|v| {
                                    let other = &dicts[v].suppliers;
                                    let j = match (local.id, &local.name_key) {
                                        (Some((start, len)), _) => other
                                            .by_id
                                            .get(&sup.text[start as usize..(start + len) as usize]),
                                        (None, key) => other
                                            .by_name_key
                                            .get(key.as_deref().unwrap_or_default())
                                            .copied(),
                                    }?;
                                    Some((other.list[j as usize].first, v as u32, j))
                                })
                                .min()
                                .filter(|&(first, _, _)| first < local.first)
                                .map(|(_, v, j)| (v, j))
                        })
                        .collect()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("merge thread"))
            .collect()
    });
    let mut heads = vec![0usize; n];
    // Where each global supplier was first seen: (thread, local id).
    let mut origin: Vec<(u32, u32)> =
        Vec::with_capacity(orders.iter().map(Vec::len).max().unwrap_or(0));
    loop {
        let mut next: Option<(u64, usize)> = None;
        for (w, order) in orders.iter().enumerate() {
            if let Some(&i) = order.get(heads[w]) {
                let first = dicts[w].suppliers.list[i as usize].first;
                if next.is_none_or(|(f, _)| first < f) {
                    next = Some((first, w));
                }
            }
        }
        let Some((_, w)) = next else { break };
        let i = orders[w][heads[w]] as usize;
        heads[w] += 1;
        // The earliest twin came earlier, so it has its global id already.
        let seen = twins[w][i].map(|(v, j)| remaps[v as usize].supplier[j as usize]);
        debug_assert!(seen != Some(u32::MAX), "the earliest twin comes first");
        remaps[w].supplier[i] = seen.unwrap_or_else(|| {
            origin.push((w as u32, i as u32));
            origin.len() as u32 - 1
        });
    }
    // The suppliers' texts, built in parallel.
    let chunk = origin.len().div_ceil(n).max(1);
    let suppliers: Vec<FileSupplier> = std::thread::scope(|s| {
        let dicts = &dicts;
        let handles: Vec<_> = origin
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || {
                    part.iter()
                        .map(|&(w, i)| {
                            let sup = &dicts[w as usize].suppliers;
                            sup.file_supplier(&sup.list[i as usize])
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut all = Vec::with_capacity(origin.len());
        for h in handles {
            all.extend(h.join().expect("merge thread"));
        }
        all
    });
    Merged {
        anchors,
        suppliers,
        sectors,
        remaps,
    }
}

/// Rewrites every segment's ids into the global id spaces, in parallel.
fn remap(facts: &mut [(usize, Facts)], remaps: &[Remap], threads: usize) {
    let chunk = facts.len().div_ceil(threads.max(1)).max(1);
    std::thread::scope(|s| {
        for part in facts.chunks_mut(chunk) {
            s.spawn(move || {
                for (w, f) in part {
                    let r = &remaps[*w];
                    f.anchor.iter_mut().for_each(|a| *a = r.anchor[*a as usize]);
                    f.supplier
                        .iter_mut()
                        .for_each(|x| *x = r.supplier[*x as usize]);
                    f.sector.iter_mut().for_each(|x| *x = r.sector[*x as usize]);
                }
            });
        }
    });
}

/// The key [`classify_suppliers`] memoises a short ASCII postal code by,
/// as [`PostalCode`] would make it: upper case without spaces, the outward
/// code for a UK postcode. None when the slow path must decide.
fn memo_key<'b>(raw: &str, buf: &'b mut [u8; 16]) -> Option<&'b str> {
    let mut n = 0;
    let mut letters = false;
    for b in raw.bytes() {
        if b.is_ascii_whitespace() {
            continue;
        }
        if !b.is_ascii_alphanumeric() || n == buf.len() {
            return None;
        }
        letters |= b.is_ascii_alphabetic();
        buf[n] = b.to_ascii_uppercase();
        n += 1;
    }
    let len = if letters && n > 3 { n - 3 } else { n };
    std::str::from_utf8(&buf[..len])
        .ok()
        .filter(|k| !k.is_empty())
}

/// Where an area is relative to the programme's local area and region.
pub fn location_of(area: &AreaPath, local: &AreaPath, region: &AreaPath) -> Location {
    if local.contains(area) {
        Location::Local
    } else if region.contains(area) {
        Location::Regional
    } else {
        Location::Outside
    }
}

/// Where each supplier is, from its postcode: `locate` answers for one
/// lookup prefix (normalised, e.g. `PR1`; see
/// [`PostalCode::lookup_prefixes`]) and the first prefix it knows wins.
/// No postcode, an invalid one or an unmapped one is
/// [`Location::Unknown`]. Answers are memoised per outward code (UK) or
/// per postal code (elsewhere), so `locate` may be a database query.
pub fn classify_suppliers(
    suppliers: &[FileSupplier],
    locate: &dyn Fn(&str) -> Option<Location>,
) -> Vec<Location> {
    let mut memo: FxHashMap<String, Location> = FxHashMap::default();
    suppliers
        .iter()
        .map(|s| {
            let Some(raw) = s.postcode.as_deref() else {
                return Location::Unknown;
            };
            // The memo key without allocating, for the common case.
            let mut buf = [0u8; 16];
            if let Some(key) = memo_key(raw, &mut buf) {
                if let Some(&l) = memo.get(key) {
                    return l;
                }
            }
            let Ok(code) = PostalCode::parse(raw) else {
                return Location::Unknown;
            };
            let key = if code.is_uk() {
                code.outward()
            } else {
                code.as_str()
            };
            if let Some(&l) = memo.get(key) {
                return l;
            }
            let l = code
                .lookup_prefixes()
                .into_iter()
                .find_map(locate)
                .unwrap_or(Location::Unknown);
            memo.insert(key.to_owned(), l);
            l
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{compute, ReportOptions};
    use lumbung_domain::AreaCode;
    use std::cell::Cell;
    use std::collections::HashMap;

    /// Found by the fuzzer: 17 digits and more overflowed (a panic in a
    /// debug build) before they were sent to the slow path.
    #[test]
    fn amounts_too_long_for_the_fast_path_go_to_the_slow_one() {
        assert_eq!(
            parse_amount(b"1234567890123456"),
            Some(123_456_789_012_345_600)
        );
        assert_eq!(parse_amount(b"12345678901234567"), None);
        assert_eq!(parse_amount(b"19999999999999999999900.0"), None);
        assert_eq!(parse_amount(b"-99999999999999999999"), None);
    }

    const HEADER: &str = "anchor,fiscal_year,payment_date,supplier_id,supplier_name,postcode,sic,sme,contract_type,amount\n";

    fn scan_with(
        text: &str,
        block: usize,
        threads: usize,
        calendar: FiscalCalendar,
    ) -> Result<FileFacts, Rejected> {
        let opts = ScanOptions {
            block_size: block,
            threads,
            ..ScanOptions::new(calendar)
        };
        scan_reader(
            "test.csv",
            text.as_bytes(),
            text.len() as u64,
            &opts,
            &mut |_, _| {},
        )
    }

    fn scan(text: &str) -> FileFacts {
        scan_with(text, DEFAULT_BLOCK_SIZE, 1, FiscalCalendar::UK).unwrap()
    }

    fn rejected(text: &str) -> Vec<RowError> {
        scan_with(text, DEFAULT_BLOCK_SIZE, 2, FiscalCalendar::UK)
            .unwrap_err()
            .errors
    }

    /// The reader's limit on one payment, as in `read`: the row's error.
    #[test]
    fn amounts_above_the_largest_payment_are_row_errors() {
        let text = format!(
            "{HEADER}A,2012/13,,S1,Acme,,,,,1000000000.00\n\
             A,2012/13,,S1,Acme,,,,,1000000000.01\n\
             A,2012/13,,S1,Acme,,,,,-9223372036854775.80\n"
        );
        let errors = rejected(&text);
        let got: Vec<(u64, Option<&str>)> = errors
            .iter()
            .map(|e| (e.line, e.column.as_deref()))
            .collect();
        assert_eq!(got, vec![(3, Some("amount")), (4, Some("amount"))]);
        assert!(errors[0].message.contains("1000000000.00"));
    }

    /// Every payment with its names: (anchor, year, date, supplier, amount, sector, flags).
    type Row = (String, i16, i32, String, i64, String, u8);

    fn rows(ff: &FileFacts) -> Vec<Row> {
        let mut out = Vec::new();
        for f in &ff.facts {
            for i in 0..f.len() {
                out.push((
                    ff.anchors[f.anchor[i] as usize].clone(),
                    f.year[i],
                    f.date[i],
                    ff.suppliers[f.supplier[i] as usize].name.clone(),
                    f.amount[i],
                    ff.sectors[f.sector[i] as usize].clone(),
                    f.flags[i],
                ));
            }
        }
        out
    }

    fn all_facts(ff: &FileFacts) -> Facts {
        let mut all = Facts::default();
        for f in &ff.facts {
            all.anchor.extend_from_slice(&f.anchor);
            all.year.extend_from_slice(&f.year);
            all.date.extend_from_slice(&f.date);
            all.supplier.extend_from_slice(&f.supplier);
            all.amount.extend_from_slice(&f.amount);
            all.sector.extend_from_slice(&f.sector);
            all.flags.extend_from_slice(&f.flags);
        }
        all
    }

    #[test]
    fn headers_in_common_spellings_a_bom_and_semicolons() {
        let text = "\u{feff}Anchor;Financial Year;Payment Date;Supplier Name;Postcode;SIC;SME;Contract Type;Amount\n\
                    Preston City Council;2012/13;01/04/2012;Acme Ltd;PR1 2HE;81210;Y;local contract;10.50\n";
        let ff = scan(text);
        assert_eq!(ff.delimiter, b';');
        assert_eq!(ff.columns[&Field::SupplierName], "Supplier Name");
        assert_eq!(ff.columns[&Field::Amount], "Amount");
        assert_eq!(ff.columns[&Field::Anchor], "Anchor");
        assert_eq!(ff.columns.len(), 9);
        assert_eq!(
            rows(&ff),
            vec![(
                "Preston City Council".into(),
                2012,
                days_from_civil(2012, 4, 1),
                "Acme Ltd".into(),
                1050,
                "81210".into(),
                flag::SME_KNOWN | flag::SME
            )]
        );
        // The snake_case names are recognised, in any order.
        let ff = scan(&format!("{HEADER}A,2012/13,,S1,Acme,,,,,1\n"));
        assert_eq!(ff.columns.len(), 10);
        assert_eq!(ff.columns[&Field::SupplierId], "supplier_id");

        // A mapping names a column recognition would not find.
        let opts = ScanOptions {
            mapping: BTreeMap::from([(Field::Amount, "Betrag".to_owned())]),
            ..ScanOptions::new(FiscalCalendar::UK)
        };
        let text = "anchor,fiscal_year,supplier_name,Betrag\nA,2012/13,Acme,5\n";
        let ff = scan_reader("m.csv", text.as_bytes(), 0, &opts, &mut |_, _| {}).unwrap();
        assert_eq!(all_facts(&ff).amount, vec![500]);
    }

    #[test]
    fn missing_columns_reject_the_file_at_line_one() {
        let errors = rejected("anchor,supplier_name,note\nA,Acme,x\n");
        assert!(errors.iter().all(|e| e.line == 1));
        let text: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
        assert!(
            text.iter().any(|m| m.starts_with("no amount column")),
            "{text:?}"
        );
        assert!(text
            .iter()
            .any(|m| m.starts_with("no fiscal_year or payment_date column")));
        // Without an anchor column every row is the given anchor's.
        let opts = ScanOptions {
            anchor: Some("UCLan".into()),
            ..ScanOptions::new(FiscalCalendar::UK)
        };
        let text = "fiscal_year,supplier_name,amount\n2013/14,Acme,5\n";
        let ff = scan_reader("a.csv", text.as_bytes(), 0, &opts, &mut |_, _| {}).unwrap();
        assert_eq!(ff.anchors, vec!["UCLan".to_owned()]);
        assert_eq!(all_facts(&ff).anchor, vec![0]);
        assert!(!rejected("").is_empty());
    }

    /// Rows with quoted delimiters, quotes and newlines, read with blocks
    /// of every small size so that block ends fall everywhere.
    #[test]
    fn quoted_fields_across_block_boundaries() {
        let mut text = HEADER.to_owned();
        for i in 0..40 {
            match i % 4 {
                0 => text.push_str(&format!(
                    "A,2012/13,,S{i},\"Smith, Jones\nand \"\"Sons\"\"\",PR1 2HE,,,,{i}.25\n"
                )),
                1 => text.push_str(&format!("\"B\",2012/13,,\"S{i}\",Plain {i},,,,,\"-{i}\"\n")),
                2 => text.push_str(&format!("A,2013/14,,S{i},\"\",,,,,{i}\n")),
                _ => text.push_str(&format!("A,2013/14,,S{i},\"Quote \"\"x\"\"\",,,,,{i}\n")),
            }
        }
        let whole = scan(&text);
        assert_eq!(whole.rows, 40);
        let r = rows(&whole);
        assert_eq!(r[0].3, "Smith, Jones\nand \"Sons\"");
        assert_eq!(r[0].4, 25);
        assert_eq!(
            (r[1].0.as_str(), r[1].3.as_str(), r[1].4),
            ("B", "Plain 1", -100)
        );
        assert_eq!(r[2].3, "S2", "an empty name falls back to the id");
        assert_eq!(r[3].3, "Quote \"x\"");
        for block in [1, 2, 7, 16, 33, 64, 100, 1000] {
            for threads in [1, 2, 3] {
                let ff = scan_with(&text, block, threads, FiscalCalendar::UK).unwrap();
                assert_eq!(rows(&ff), r, "block {block}, threads {threads}");
                assert_eq!(ff.suppliers, whole.suppliers, "ids by first appearance");
                assert_eq!(all_facts(&ff), all_facts(&whole));
            }
        }
        // Lines count the newlines inside quotes: row 37 (0-based 36, a
        // multi-line one) starts on line 2 + 36 + 9.
        let bad = text.replacen("36.25", "36.2x5", 1);
        for block in [5, 64, DEFAULT_BLOCK_SIZE] {
            let errors = scan_with(&bad, block, 2, FiscalCalendar::UK)
                .unwrap_err()
                .errors;
            assert_eq!(errors.len(), 1);
            assert_eq!(errors[0].line, 2 + 36 + 9, "block {block}");
            assert_eq!(errors[0].column.as_deref(), Some("amount"));
        }
    }

    #[test]
    fn crlf_line_ends() {
        let lf = format!("{HEADER}A,2012/13,31/03/2013,S1,Acme,PR1 2HE,81210,N,national framework,12.5\nA,2012/13,,S2,\"Two\nlines\",,,,,7\n\nB,2013/14,,S1,Acme,,,Y,,-3\n");
        let crlf = lf.replace('\n', "\r\n");
        let (a, b) = (scan(&lf), scan(&crlf));
        assert_eq!(a.rows, 3, "the blank line is no row");
        let mut expected = rows(&a);
        expected[1].3 = "Two\r\nlines".into();
        assert_eq!(rows(&b), expected);
        assert_eq!(rows(&b)[0].4, 1250);
        assert_eq!(rows(&b)[2].4, -300);
        assert_eq!(b.suppliers[0].postcode.as_deref(), Some("PR1 2HE"));
        // A last line without a line end.
        let ff = scan(crlf.trim_end());
        assert_eq!(ff.rows, 3);
    }

    #[test]
    fn bad_rows_are_reported_with_line_and_column() {
        let text = format!(
            "{HEADER}A,2012/13,,S1,Acme,,,,,1.00\n\
             A,2012/13,,S1,Acme,,,,,\"12,34\"\n\
             A,2012/13,,S1,Acme,,,,,1.234\n\
             A,2012/13,,S1,Acme,,,,,\n\
             A,2012/13,32/01/2013,S1,Acme,,,maybe,,1\n\
             ,2012/14,,,,,,,,1\n\
             A,2012/13,,S1\n"
        );
        let errors = rejected(&text);
        let got: Vec<(u64, Option<&str>)> = errors
            .iter()
            .map(|e| (e.line, e.column.as_deref()))
            .collect();
        assert_eq!(
            got,
            vec![
                (3, Some("amount")),
                (4, Some("amount")),
                (5, Some("amount")),
                (6, Some("payment_date")),
                (6, Some("sme")),
                (7, Some("fiscal_year")),
                (7, Some("anchor")),
                (7, None),
                (8, None),
            ]
        );
        assert!(errors[0].message.contains("\"12,34\" is not an amount"));
        assert!(errors[1].message.contains("more than two decimals"));
        assert_eq!(errors[2].message, "the amount is empty");
        assert_eq!(errors[7].message, "no supplier id and no supplier name");
        assert_eq!(errors[8].message, "the row has 4 fields, the header has 10");
        // Bytes that are not UTF-8.
        let mut bytes = format!("{HEADER}A,2012/13,,S1,Acme,,,,,1\n").into_bytes();
        bytes.extend_from_slice(b"A,2012/13,,S1,Ac\xffme,,,,,1\n");
        let err = scan_reader(
            "b.csv",
            bytes.as_slice(),
            0,
            &ScanOptions::new(FiscalCalendar::UK),
            &mut |_, _| {},
        )
        .unwrap_err();
        assert_eq!(err.errors[0].line, 3);
        // A quote never closed.
        let errors = rejected(&format!("{HEADER}A,2012/13,,S1,Acme,,,,,1\nA,2012/13,,S1,\"Acme,,,,,1\nA,2012/13,,S1,Acme,,,,,1\n"));
        assert_eq!(errors.len(), 1);
        assert_eq!(
            (errors[0].line, errors[0].message.as_str()),
            (3, "a quoted field is never closed")
        );
    }

    #[test]
    fn too_many_problems_are_counted_not_listed() {
        let mut text = HEADER.to_owned();
        for _ in 0..MAX_LISTED_ERRORS + 5 {
            text.push_str("A,2012/13,,S1,Acme,,,,,x\n");
        }
        let errors = scan_with(&text, 4096, 2, FiscalCalendar::UK)
            .unwrap_err()
            .errors;
        assert_eq!(errors.len(), MAX_LISTED_ERRORS + 1);
        assert_eq!(
            errors[MAX_LISTED_ERRORS - 1].line,
            MAX_LISTED_ERRORS as u64 + 1
        );
        assert_eq!(
            errors[MAX_LISTED_ERRORS].message,
            "… and 5 more problems, not listed"
        );
    }

    #[test]
    fn suppliers_are_keyed_by_id_else_by_name_and_postcode() {
        let text = format!(
            "{HEADER}A,2012/13,,7,Acme,PR1 2HE,,,,1\n\
             A,2012/13,,7,Acme Trading Ltd,M1 1AA,,,,1\n\
             A,2012/13,,,Beta Ltd,PR1 2HE,,,,1\n\
             A,2012/13,,,BETA LIMITED,pr12he,,,,1\n\
             A,2012/13,,,Beta Ltd,M1 1AA,,,,1\n\
             A,2012/13,,8,Beta Ltd,PR1 2HE,,,,1\n\
             A,2012/13,,12345678901234567890,Long Id,,,,,1\n\
             A,2012/13,,007,Seven,,,,,1\n"
        );
        let ff = scan(&text);
        let names: Vec<(Option<&str>, &str, Option<&str>)> = ff
            .suppliers
            .iter()
            .map(|s| (s.id.as_deref(), s.name.as_str(), s.postcode.as_deref()))
            .collect();
        assert_eq!(
            names,
            vec![
                (Some("7"), "Acme", Some("PR1 2HE")),
                (None, "Beta Ltd", Some("PR1 2HE")),
                (None, "Beta Ltd", Some("M1 1AA")),
                (Some("8"), "Beta Ltd", Some("PR1 2HE")),
                (Some("12345678901234567890"), "Long Id", None),
                (Some("007"), "Seven", None),
            ]
        );
        assert_eq!(all_facts(&ff).supplier, vec![0, 0, 1, 1, 2, 3, 4, 5]);
        // The same with several threads and tiny blocks.
        let ff2 = scan_with(&text, 8, 3, FiscalCalendar::UK).unwrap();
        assert_eq!(ff2.suppliers, ff.suppliers);
        assert_eq!(all_facts(&ff2), all_facts(&ff));
    }

    proptest::proptest! {
        /// The bit-trick splitter agrees with a plain split, whatever the
        /// bytes (delimiters at every place of the 8-byte words).
        #[test]
        fn fields_split_as_a_plain_split_does(
            text in proptest::collection::vec(proptest::sample::select(vec![b'a', b',', b';', b'\t', b'|', b' ', 0x80, 0xff, 0x00]), 0..80),
            delim in proptest::sample::select(vec![b',', b';', b'\t', b'|']),
        ) {
            let mut ranges = Vec::new();
            split_fields(&text, delim, &mut ranges);
            let got: Vec<&[u8]> = ranges.iter().map(|&(s, e)| &text[s as usize..e as usize]).collect();
            let want: Vec<&[u8]> = text.split(|&b| b == delim).collect();
            proptest::prop_assert_eq!(got, want);
        }
    }

    #[test]
    fn key_packing_round_trips() {
        for key in [
            "",
            "7",
            "1234567",
            "12345678",
            "0000000000000001",
            "00000061",
            "Anchor 13",
            "123456789012345",
            "12345678901234567",
            "a longer key than fifteen",
        ] {
            let mut map = KeyMap::default();
            map.insert(key.as_bytes(), 3);
            assert_eq!(map.get(key.as_bytes()), Some(3), "{key}");
            let entries: Vec<_> = map.entries().collect();
            assert_eq!(entries, vec![(key.as_bytes().to_vec(), 3)], "{key}");
        }
        let mut map = KeyMap::default();
        map.insert(b"61", 1);
        map.insert(b"0000061", 2);
        map.insert(b"00000061", 3);
        assert_eq!(map.get(b"61"), Some(1));
        assert_eq!(map.get(b"0000061"), Some(2));
        assert_eq!(map.get(b"00000061"), Some(3));
        assert_eq!(map.get(b"000000061"), None);
    }

    #[test]
    fn sme_and_contract_type_flags() {
        let mut text = HEADER.to_owned();
        for (sme, ct) in [
            ("Y", "national framework"),
            ("yes", "National Framework"),
            ("TRUE", " long-term contract "),
            ("1", "long_term contract"),
            ("N", "local contract"),
            ("no", ""),
            ("false", "framework"),
            ("0", "Kontrak Jangka Panjang"),
            ("", "national frameworks"),
        ] {
            text.push_str(&format!("A,2012/13,,S1,Acme,,,{sme},{ct},1\n"));
        }
        let (y, n, ni) = (
            flag::SME_KNOWN | flag::SME,
            flag::SME_KNOWN,
            flag::NOT_INFLUENCEABLE,
        );
        assert_eq!(
            all_facts(&scan(&text)).flags,
            vec![y | ni, y | ni, y | ni, y | ni, n, n, n, n | ni, 0]
        );
    }

    #[test]
    fn fiscal_year_from_the_column_or_the_date() {
        let text = format!(
            "{HEADER}A,2012/13,,S1,Acme,,,,,1\n\
             A,2013-14,,S1,Acme,,,,,1\n\
             A,FY2014/15,,S1,Acme,,,,,1\n\
             A,2015,,S1,Acme,,,,,1\n\
             A,,31/03/2013,S1,Acme,,,,,1\n\
             A,,2013-04-01,S1,Acme,,,,,1\n\
             A,2016/17,29/02/2016,S1,Acme,,,,,1\n"
        );
        let f = all_facts(&scan(&text));
        assert_eq!(f.year, vec![2012, 2013, 2014, 2015, 2012, 2013, 2016]);
        assert_eq!(
            f.date,
            vec![NO_DATE, NO_DATE, NO_DATE, NO_DATE, 15795, 15796, 16860]
        );
        // No fiscal_year column: years from the dates, by the calendar.
        let text = "anchor,payment_date,supplier_name,amount\n\
                    A,31/03/2013,Acme,1\nA,1/4/2013,Acme,1\nA,2013-01-15 00:00:00,Acme,1\nA,31.12.2012,Acme,1\n";
        let uk = all_facts(&scan(text));
        assert_eq!(uk.year, vec![2012, 2013, 2012, 2012]);
        let cal = scan_with(text, 64, 2, FiscalCalendar::CALENDAR).unwrap();
        assert_eq!(all_facts(&cal).year, vec![2013, 2013, 2013, 2012]);
        for (y, m, d) in [(1970, 1, 1), (1900, 3, 1), (2013, 4, 1), (2200, 12, 31)] {
            assert_eq!(
                days_from_civil(y, m, d),
                crate::facts::day_number(jiff::civil::date(y as i16, m as i8, d as i8)),
                "as the store counts days"
            );
        }
        for bad in ["2012/14", "12/13"] {
            let errors = rejected(&format!("{HEADER}A,{bad},,S1,Acme,,,,,1\n"));
            assert_eq!(errors[0].column.as_deref(), Some("fiscal_year"), "{bad}");
        }
        for bad in ["29/02/2013", "2013/02/01", "31/13/2013", "1/1/13"] {
            let errors = rejected(&format!("{HEADER}A,,{bad},S1,Acme,,,,,1\n"));
            assert_eq!(errors[0].column.as_deref(), Some("payment_date"), "{bad}");
        }
    }

    #[test]
    fn progress_reaches_the_file_size() {
        let text = format!("{HEADER}{}", "A,2012/13,,S1,Acme,,,,,1\n".repeat(100));
        let mut last = (0, 0);
        let opts = ScanOptions {
            block_size: 200,
            ..ScanOptions::new(FiscalCalendar::UK)
        };
        scan_reader(
            "p.csv",
            text.as_bytes(),
            text.len() as u64,
            &opts,
            &mut |done, total| {
                assert!(done >= last.0);
                last = (done, total);
            },
        )
        .unwrap();
        assert_eq!(last, (text.len() as u64, text.len() as u64));
    }

    #[test]
    fn locations_from_postcodes_memoised_per_outward_code() {
        let sup = |p: Option<&str>| FileSupplier {
            id: None,
            name: "x".into(),
            postcode: p.map(str::to_owned),
        };
        let suppliers = [
            sup(Some("PR1 2HE")),
            sup(Some("pr12ab")),
            sup(Some("BB1 1AA")),
            sup(Some("M1 1AA")),
            sup(Some("ZZ9 9ZZ")),
            sup(None),
            sup(Some("P-R1")),
            sup(Some("42111")),
        ];
        let calls = Cell::new(0);
        let map: HashMap<&str, Location> = HashMap::from([
            ("PR1", Location::Local),
            ("BB1", Location::Regional),
            ("M1", Location::Outside),
            ("421", Location::Local),
        ]);
        let locate = |p: &str| {
            calls.set(calls.get() + 1);
            map.get(p).copied()
        };
        assert_eq!(
            classify_suppliers(&suppliers, &locate),
            vec![
                Location::Local,
                Location::Local,
                Location::Regional,
                Location::Outside,
                Location::Unknown,
                Location::Unknown,
                Location::Unknown,
                Location::Local,
            ]
        );
        assert_eq!(
            calls.get(),
            4 + 3,
            "PR1, BB1, M1, ZZ9 once each; 42111, 4211 and 421 for the kode pos"
        );

        // The quick memo key is the one PostalCode gives.
        for raw in [
            "PR1 2HE",
            "pr12he",
            " SW1A 1AA ",
            "M1",
            "42111",
            "EC1A1BB",
            "A",
        ] {
            let code = PostalCode::parse(raw).unwrap();
            let want = if code.is_uk() {
                code.outward()
            } else {
                code.as_str()
            };
            assert_eq!(memo_key(raw, &mut [0; 16]), Some(want), "{raw}");
        }
        assert_eq!(memo_key("P-R1", &mut [0; 16]), None);
        assert_eq!(memo_key("ÄB1 2CD", &mut [0; 16]), None);

        let code = |c: &str| AreaCode::parse(c).unwrap();
        let region = AreaPath::root(&code("E10000017"));
        let local = region.child(&code("E07000123"));
        let neighbour = region.child(&code("E07000120"));
        let elsewhere = AreaPath::root(&code("E92000001"));
        assert_eq!(location_of(&local, &local, &region), Location::Local);
        assert_eq!(
            location_of(&local.child(&code("W1")), &local, &region),
            Location::Local
        );
        assert_eq!(location_of(&neighbour, &local, &region), Location::Regional);
        assert_eq!(location_of(&region, &local, &region), Location::Regional);
        assert_eq!(location_of(&elsewhere, &local, &region), Location::Outside);
    }

    /// A small deterministic generator.
    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self, n: u64) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (self.0 >> 33) % n
        }
    }

    /// A generated ledger scanned and reported gives the figures summed
    /// straight from the rows.
    #[test]
    fn report_from_a_scanned_file_equals_the_sums_of_its_rows() {
        let anchors = ["Anchor A", "Anchor B", "Preston City Council"];
        let years = ["2012/13", "2013/14", "2014/15"];
        let postcodes = [
            ("PR1 1AA", Location::Local),
            ("BB1 2BB", Location::Regional),
            ("M1 3CC", Location::Outside),
            ("EC1A 1BB", Location::Outside),
            ("ZZ9 9ZZ", Location::Unknown),
            ("", Location::Unknown),
        ];
        let sics = ["", "81210", "62020", "41201"];
        let mut g = Lcg(42);
        // Suppliers: (id, name, postcode index, sic, sme).
        let suppliers: Vec<(Option<String>, String, usize, &str, &str)> = (0..60)
            .map(|i| {
                let id = (i % 5 != 0).then(|| format!("{:08}", i));
                let name = if i % 7 == 0 {
                    format!("\"Smith, Jones & Co {i}\"")
                } else {
                    format!("Supplier {i} Ltd")
                };
                (
                    id,
                    name,
                    g.next(6) as usize,
                    sics[g.next(4) as usize],
                    ["Y", "N", ""][g.next(3) as usize],
                )
            })
            .collect();
        let mut text = HEADER.to_owned();
        #[derive(Default)]
        struct Expect {
            total: i64,
            local: i64,
            regional: i64,
            outside: i64,
            unknown: i64,
            sme: i64,
            infl_total: i64,
            infl_outside: i64,
            cells: BTreeMap<(String, i16), i64>,
            sector: BTreeMap<String, (i64, i64)>,
            leak: BTreeMap<String, i64>,
        }
        let mut e = Expect::default();
        for _ in 0..3000 {
            let s = &suppliers[g.next(60) as usize];
            let anchor = anchors[g.next(3) as usize];
            let yi = g.next(3) as usize;
            let framework = g.next(5) == 0;
            let pence = g.next(1_000_000) as i64 - 20_000;
            let amount = match g.next(3) {
                0 => format!(
                    "{}{}.{:02}",
                    if pence < 0 { "-" } else { "" },
                    pence.abs() / 100,
                    pence.abs() % 100
                ),
                1 => format!("{}", pence / 100),
                _ => format!("{}.{}", pence / 100, (pence.abs() % 100) / 10),
            };
            let minor = Money::parse_plain(&amount).unwrap().minor();
            let (pc, loc) = postcodes[s.2];
            text.push_str(&format!(
                "{anchor},{},,{},{},{pc},{},{},{},{amount}\n",
                years[yi],
                s.0.as_deref().unwrap_or(""),
                s.1,
                s.3,
                s.4,
                if framework {
                    "national framework"
                } else {
                    "local contract"
                },
            ));
            e.total += minor;
            match loc {
                Location::Local => {
                    e.local += minor;
                    e.regional += minor
                }
                Location::Regional => e.regional += minor,
                Location::Outside => e.outside += minor,
                Location::Unknown => e.unknown += minor,
            }
            if s.4 == "Y" {
                e.sme += minor;
            }
            if !framework {
                e.infl_total += minor;
                if loc == Location::Outside {
                    e.infl_outside += minor;
                }
            }
            *e.cells
                .entry((anchor.to_owned(), 2012 + yi as i16))
                .or_default() += minor;
            let sec = e.sector.entry(s.3.to_owned()).or_default();
            sec.0 += minor;
            if loc == Location::Outside {
                sec.1 += minor;
                *e.leak.entry(s.1.trim_matches('"').to_owned()).or_default() += minor;
            }
        }

        let prefixes: HashMap<&str, Location> = HashMap::from([
            ("PR1", Location::Local),
            ("BB1", Location::Regional),
            ("M1", Location::Outside),
            ("EC1A", Location::Outside),
        ]);
        for (block, threads) in [(DEFAULT_BLOCK_SIZE, 1), (997, 2), (4096, 3)] {
            let ff = scan_with(&text, block, threads, FiscalCalendar::UK).unwrap();
            assert_eq!(ff.rows, 3000);
            assert_eq!(ff.suppliers.len(), 60);
            let locations = classify_suppliers(&ff.suppliers, &|p| prefixes.get(p).copied());
            let dims = ff.dimensions(FiscalCalendar::UK, locations);
            let r = compute(&ff.segments(), &dims, &ReportOptions::default()).unwrap();
            let m = Money::from_minor;
            assert_eq!(r.figures.total, m(e.total));
            assert_eq!(r.figures.local, m(e.local));
            assert_eq!(r.figures.regional, m(e.regional));
            assert_eq!(r.figures.outside, m(e.outside));
            assert_eq!(r.figures.unknown, m(e.unknown));
            assert_eq!(r.figures.sme, m(e.sme));
            assert_eq!(r.figures.payments, 3000);
            assert_eq!(r.influenceable.total, m(e.infl_total));
            assert_eq!(r.influenceable.outside, m(e.infl_outside));
            let cells: BTreeMap<(String, i16), i64> = r
                .by_anchor_year
                .iter()
                .map(|c| {
                    (
                        (c.anchor.clone(), c.fiscal_year_start as i16),
                        c.figures.total.minor(),
                    )
                })
                .collect();
            assert_eq!(cells, e.cells);
            let sectors: BTreeMap<String, (i64, i64)> = r
                .by_sector
                .iter()
                .map(|s| {
                    (
                        s.sector.clone().unwrap_or_default(),
                        (s.total.minor(), s.leakage.minor()),
                    )
                })
                .collect();
            assert_eq!(sectors, e.sector);
            let mut leak: Vec<(i64, String)> =
                e.leak.iter().map(|(k, v)| (*v, k.clone())).collect();
            leak.sort_by_key(|l| std::cmp::Reverse(l.0));
            let top: Vec<(i64, String)> = r
                .top_leaking_suppliers
                .iter()
                .map(|s| (s.leakage.minor(), s.supplier.clone()))
                .collect();
            assert_eq!(top, leak.into_iter().take(20).collect::<Vec<_>>());

            // Anchor ids too sparse for arrays take the hash-map path: the
            // same figures.
            let mut sparse: Vec<Facts> = ff.facts.clone();
            for f in &mut sparse {
                f.anchor.iter_mut().for_each(|a| *a += 1 << 21);
            }
            let mut sparse_dims = dims.clone();
            sparse_dims.anchors = dims
                .anchors
                .iter()
                .map(|(k, v)| (k + (1 << 21), v.clone()))
                .collect();
            let segments: Vec<&Facts> = sparse.iter().collect();
            let h = compute(&segments, &sparse_dims, &ReportOptions::default()).unwrap();
            assert_eq!(h.figures, r.figures);
            assert_eq!(h.influenceable, r.influenceable);
            let strip = |v: &serde_json::Value| {
                let mut v = v.clone();
                for k in ["by_anchor", "by_anchor_year"] {
                    for c in v[k].as_array_mut().unwrap() {
                        c.as_object_mut().unwrap().remove("anchor_id");
                    }
                }
                v
            };
            assert_eq!(
                strip(&serde_json::to_value(&h).unwrap()),
                strip(&serde_json::to_value(&r).unwrap())
            );
        }
    }
}
