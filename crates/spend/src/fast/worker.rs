//! One parsing thread: blocks in, facts and dictionaries out, every bad
//! row reported with its line and column.

use super::*;

/// What one thread learnt: its own id spaces.
#[derive(Default)]
pub(super) struct Dicts {
    pub(super) anchors: Interner,
    pub(super) sectors: Interner,
    pub(super) suppliers: Suppliers,
}

pub(super) struct Job {
    pub(super) index: u32,
    pub(super) data: Vec<u8>,
}

pub(super) struct BlockOut {
    pub(super) index: u32,
    pub(super) worker: usize,
    /// The block's bytes, handed back for reuse.
    pub(super) data: Vec<u8>,
    pub(super) bytes: u64,
    pub(super) facts: Facts,
    /// `\n`s in the block.
    pub(super) lines: u64,
    /// Problems, with the line relative to the block's first line.
    pub(super) errors: Vec<(u64, RowError)>,
    pub(super) error_count: u64,
}

pub(super) struct Worker<'a> {
    pub(super) id: usize,
    pub(super) layout: &'a Layout,
    pub(super) calendar: FiscalCalendar,
    pub(super) dicts: Dicts,
    pub(super) ranges: Vec<(u32, u32)>,
    pub(super) scratch: Vec<u8>,
    pub(super) key: Vec<u8>,
    pub(super) pending: Vec<Pending>,
}

/// A supplier id lookup put off to be done in a batch: many independent
/// lookups in flight at once hide the cache misses of a big dictionary.
/// Places are byte ranges (start, length) in the block.
pub(super) struct Pending {
    /// The row in the block's facts.
    pub(super) index: u32,
    pub(super) key: u64,
    pub(super) id: (u32, u32),
    pub(super) name: Option<(u32, u32)>,
    pub(super) postcode: Option<(u32, u32)>,
    pub(super) first: u64,
    pub(super) found: u32,
}

/// How many lookups a batch holds.
pub(super) const BATCH: usize = 256;

/// Where a row is: its block, its line within the block, its row within
/// the block.
#[derive(Clone, Copy)]
pub(super) struct At {
    pub(super) block: u32,
    pub(super) line: u64,
    pub(super) row: u32,
}

impl At {
    pub(super) fn first(self) -> u64 {
        (self.block as u64) << 32 | self.row as u64
    }
}

pub(super) struct Sink<'e> {
    pub(super) errors: &'e mut Vec<(u64, RowError)>,
    pub(super) count: &'e mut u64,
}

impl Sink<'_> {
    pub(super) fn push(
        &mut self,
        line: u64,
        column: Option<&str>,
        message: impl Into<lumbung_domain::Text>,
    ) {
        *self.count += 1;
        if self.errors.len() < MAX_LISTED_ERRORS {
            self.errors.push((line, RowError::new(0, column, message)));
        }
    }
}

impl<'a> Worker<'a> {
    pub(super) fn new(id: usize, layout: &'a Layout, calendar: FiscalCalendar) -> Self {
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
    pub(super) fn flush(&mut self, data: &[u8], facts: &mut Facts) {
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
    pub(super) fn end_row(
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

    pub(super) fn block(&mut self, index: u32, data: Vec<u8>) -> BlockOut {
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
            sink.push(
                line,
                None,
                text!("text_not_utf8"; id: "teksnya bukan UTF-8", en: "the text is not UTF-8"),
            );
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
                            sink.push(
                                line,
                                None,
                                text!("quote_never_closed";
                                    id: "ada kolom berkutip yang tidak pernah ditutup",
                                    en: "a quoted field is never closed"),
                            );
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
pub(super) fn row_into(
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
                text!("row_width", fields = n, width = width;
                    id: "baris ini memiliki {fields} kolom, baris judul {width}",
                    en: "the row has {fields} fields, the header has {width}"),
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
                .map_err(|_| not_utf8())
                .and_then(|t| Money::parse_plain(t).map_err(|e| e.0));
            match parsed {
                Ok(m) => m.minor(),
                Err(e) => {
                    let message = if raw.is_empty() {
                        crate::read::amount_empty()
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
                    text!("not_a_payment_date", value = format!("{:?}", String::from_utf8_lossy(d));
                        id: "{value} bukan tanggal seperti 31/03/2013 atau 2013-03-31",
                        en: "{value} is not a date such as 31/03/2013 or 2013-03-31"),
                );
                ok = false;
            }
        }
    }
    if year.is_none() && ok {
        sink.push(
            at.line,
            None,
            text!("no_year_no_date";
                id: "tidak ada tahun anggaran dan tidak ada tanggal pembayaran",
                en: "no fiscal year and no payment date"),
        );
        ok = false;
    }

    let anchor = match l.anchor {
        None => 0,
        Some(c) => {
            let a = field(c);
            if a.is_empty() {
                sink.push(
                    at.line,
                    col(c),
                    text!("anchor_empty"; id: "lembaga jangkarnya kosong", en: "the anchor is empty"),
                );
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
        sink.push(
            at.line,
            None,
            text!("no_supplier";
                id: "tidak ada id pemasok maupun nama pemasok",
                en: "no supplier id and no supplier name"),
        );
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
                    text!("not_an_sme_flag", value = format!("{:?}", String::from_utf8_lossy(s));
                        id: "{value} bukan penanda UKM (Y/N, yes/no, true/false, 1/0)",
                        en: "{value} is not an SME flag (Y/N, yes/no, true/false, 1/0)"),
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
