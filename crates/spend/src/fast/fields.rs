//! The row layout and the field parsers: quotes, delimiters, amounts,
//! dates, fiscal years, SME flags.

use super::*;

/// Where each field is in a row.
pub(super) struct Layout {
    pub(super) delim: u8,
    pub(super) headers: Vec<String>,
    pub(super) anchor: Option<usize>,
    pub(super) fiscal_year: Option<usize>,
    pub(super) payment_date: Option<usize>,
    pub(super) supplier_id: Option<usize>,
    pub(super) supplier_name: Option<usize>,
    pub(super) postcode: Option<usize>,
    pub(super) sic: Option<usize>,
    pub(super) sme: Option<usize>,
    pub(super) contract_type: Option<usize>,
    pub(super) amount: usize,
}

impl Layout {
    pub(super) fn from_header(
        name: &str,
        header: &[u8],
        opts: &ScanOptions,
    ) -> Result<Layout, Rejected> {
        let line = header.strip_suffix(b"\n").unwrap_or(header);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let Ok(text) = std::str::from_utf8(line) else {
            return Err(whole_file(
                name,
                1,
                text!("header_not_utf8";
                    id: "baris judul bukan UTF-8",
                    en: "the header line is not UTF-8"),
            ));
        };
        if text.trim().is_empty() {
            return Err(whole_file(
                name,
                1,
                text!("no_header_line";
                    id: "berkas tidak memiliki baris judul",
                    en: "the file has no header line"),
            ));
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
                text!("header_quote_open";
                    id: "baris judul memiliki tanda kutip yang tidak pernah ditutup",
                    en: "the header line has a quote that is never closed"),
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
                    text!("mapped_column_missing", column = want, field = f;
                        id: "kolom {column} (dipetakan ke {field}) tidak ada di baris judul",
                        en: "the column {column} (mapped to {field}) is not in the header line"),
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
                    text!("columns_read_alike", first = headers[j], second = h, field = f;
                        id: "kolom {first} dan {second} sama-sama dibaca sebagai {field}: sebutkan salah satunya dengan pemetaan",
                        en: "the columns {first} and {second} are both read as {field}: name one with a mapping"),
                ));
            } else {
                found.insert(f, i);
            }
        }
        let has = |f: Field| found.contains_key(&f);
        // Columns are named by their keys, in both languages.
        let missing = |columns: &[&str]| {
            let header = headers.join(&(delim as char).to_string());
            let (en, id) = (columns.join(" or "), columns.join(" atau "));
            RowError::new(
                1,
                None,
                Text::new(
                    "no_column",
                    vec![("columns", en.clone()), ("header", header.clone())],
                    format!("tidak ada kolom {id} (baris judul berisi: {header})"),
                    format!("no {en} column (the header line has: {header})"),
                ),
            )
        };
        if !has(Field::Amount) {
            errors.push(missing(&["amount"]));
        }
        if !has(Field::SupplierId) && !has(Field::SupplierName) {
            errors.push(missing(&["supplier_id", "supplier_name"]));
        }
        if !has(Field::FiscalYear) && !has(Field::PaymentDate) {
            errors.push(missing(&["fiscal_year", "payment_date"]));
        }
        if !has(Field::Anchor) && opts.anchor.is_none() {
            errors.push(missing(&["anchor"]));
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

    pub(super) fn columns(&self) -> BTreeMap<Field, String> {
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
pub(super) fn parse_quoted(
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
pub(super) fn split_fields(text: &[u8], delim: u8, ranges: &mut Vec<(u32, u32)>) {
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
pub(super) fn trim(s: &[u8]) -> &[u8] {
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
pub(super) fn parse_amount(s: &[u8]) -> Option<i64> {
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

pub(super) fn digits(s: &[u8]) -> Option<i32> {
    if s.is_empty() || s.len() > 4 || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(s.iter().fold(0, |v, &b| v * 10 + (b - b'0') as i32))
}

/// `31/03/2013` (also `1/3/2013`, `31-03-2013`, `31.03.2013`) or
/// `2013-03-31`, optionally followed by a time after a space or `T`.
pub(super) fn parse_date(s: &[u8]) -> Option<(i32, u8, u8)> {
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

pub(super) fn parse_date_slow(s: &[u8]) -> Option<(i32, i32, i32)> {
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
pub(super) fn days_from_civil(y: i32, m: u8, d: u8) -> i32 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = m as i32;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i32 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The problem of a cell that is not UTF-8.
pub(super) fn not_utf8() -> Text {
    text!("not_utf8_short"; id: "bukan UTF-8", en: "not UTF-8")
}

/// `2012/13` quickly, anything else through [`FiscalYear::parse`].
pub(super) fn parse_fiscal_year(s: &[u8]) -> Result<i16, Text> {
    if s.len() == 7 && (s[4] == b'/' || s[4] == b'-') {
        if let (Some(y), Some(next)) = (digits(&s[..4]), digits(&s[5..])) {
            if (y + 1) % 100 == next && (1900..=2200).contains(&y) {
                return Ok(y as i16);
            }
        }
    }
    let text = std::str::from_utf8(s).map_err(|_| not_utf8())?;
    FiscalYear::parse(text)
        .map(|y| y.start_year() as i16)
        .map_err(|e| e.0)
}

pub(super) fn parse_sme(s: &[u8]) -> Option<bool> {
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
pub(super) fn not_influenceable(s: &[u8]) -> bool {
    let norm = |b: u8| match b {
        b'-' | b'_' => b' ',
        b => b.to_ascii_lowercase(),
    };
    let s = trim(s);
    NOT_INFLUENCEABLE_CONTRACTS
        .iter()
        .any(|c| c.len() == s.len() && c.bytes().zip(s).all(|(c, &b)| c == norm(b)))
}
