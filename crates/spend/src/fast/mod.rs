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
use lumbung_domain::{
    text, AreaPath, FiscalCalendar, FiscalYear, Money, PostalCode, Rejected, RowError, Text,
};
use memchr::{memchr2, memchr_iter, memrchr_iter};
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::sync::{mpsc, Mutex};

mod fields;
mod intern;
mod locate;
mod merge;
mod worker;

use fields::*;
use intern::*;
pub use locate::{classify_suppliers, location_of};
use merge::*;
use worker::*;

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
        Dimensions::plain(
            calendar,
            self.anchors
                .iter()
                .enumerate()
                .map(|(i, a)| (i as u32, a.clone()))
                .collect(),
            supplier_location,
            self.suppliers.iter().map(|s| s.name.clone()).collect(),
            self.sectors
                .iter()
                .enumerate()
                .skip(1)
                .map(|(i, s)| (i as u32, (s.clone(), None)))
                .collect(),
        )
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
    let file = std::fs::File::open(path).map_err(|e| {
        whole_file(
            &name,
            0,
            text!("cannot_open_file", error = e;
                    id: "berkas tidak dapat dibuka: {error}",
                    en: "cannot open the file: {error}"),
        )
    })?;
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
    let io = |e: std::io::Error| {
        whole_file(
            name,
            0,
            text!("cannot_read_file", error = e;
                id: "berkas tidak dapat dibaca: {error}",
                en: "cannot read the file: {error}"),
        )
    };

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
            return Err(whole_file(
                name,
                1,
                text!("header_never_ends";
                    id: "baris judul tidak pernah berakhir",
                    en: "the header line never ends"),
            ));
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
    let mut stopped: Option<(u32, Text)> = None;

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
                        text!("record_too_long", mb = MAX_RECORD_BYTES >> 20;
                            id: "satu rekaman melewati {mb} MB: ada kutip yang tidak pernah ditutup?",
                            en: "a record runs past {mb} MB: a quote that is never closed?"),
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
                text!("more_problems", count = error_count - MAX_LISTED_ERRORS as u64;
                    id: "… dan {count} masalah lain, tidak dicantumkan",
                    en: "… and {count} more problems, not listed"),
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

#[cfg(test)]
mod tests;
