//! Entries as the store keeps them from schema 48 on: a few dozen bytes
//! instead of ~260 of JSON. The hashed text ([`Entry::chain_hash`]) is the
//! same whichever way an entry is kept, so that a journal may hold both
//! and every hash stays valid.
//!
//! Layout, after the first byte [`FORMAT`] (a JSON entry begins with `{`):
//! the date as one unsigned LEB128 number (`(year × 13 + month) × 32 + day`,
//! zig-zagged); the memo and the key, each a tag byte and what it needs;
//! the number of lines, then each line's account (a byte, a KSM's id after
//! `loans_receivable`) and amount (zig-zagged). Memos and keys that the
//! store itself writes for every repayment are kept as their variable
//! parts only; any other text is kept whole.

use super::{Account, Entry, Line};
use crate::loan::Rupiah;
use jiff::civil::Date;
use sha2::Digest;

/// The first byte of an entry kept in this format.
pub const FORMAT: u8 = 1;

/// A memo or key kept whole: its length, then its UTF-8 bytes.
const LITERAL: u8 = 0;
/// The memo `repayment of loan {loan}`, kept as `{loan}`; as a key tag,
/// the import's `repayment:{loan}:{date}:{cash}:{n}` (the loan from the
/// memo, the date and the cash line from the entry), kept as `n`.
const REPAYMENT: u8 = 1;

const REPAYMENT_MEMO: &str = "repayment of loan ";

/// How an idempotency key is kept in the journal's unique column: the
/// import's keys `repayment:{loan}:{date}:{amount}:{n}` as their parts
/// (~17 bytes instead of ~37), after [`KEY_PARTS`]; any other key whole,
/// after [`KEY_TEXT`]. One key, one value, and no two keys the same value;
/// neither first byte ever begins UTF-8 text, so no value is a key kept
/// as text before schema 48. A loan's keys stay neighbours in the index
/// (an import writes them one after the other, not all over it).
pub fn key_column(key: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(24);
    match import_key_parts(key) {
        Some((loan, date, amount, n)) => {
            out.push(KEY_PARTS);
            text(&mut out, loan);
            unsigned(&mut out, packed_date(date));
            unsigned(&mut out, zigzag(amount));
            unsigned(&mut out, n);
        }
        None => {
            out.push(KEY_TEXT);
            out.extend_from_slice(key.as_bytes());
        }
    }
    out
}

/// The first byte of a key kept as its parts ([`key_column`]).
pub const KEY_PARTS: u8 = 0xff;
/// The first byte of a key kept whole ([`key_column`]).
pub const KEY_TEXT: u8 = 0xfe;

/// The parts of a key that is exactly `repayment:{loan}:{date}:{amount}:{n}`
/// as the import writes it (read from the right: a loan's id may hold `:`).
fn import_key_parts(key: &str) -> Option<(&str, Date, i64, u64)> {
    let rest = key.strip_prefix("repayment:")?;
    let (rest, n) = rest.rsplit_once(':')?;
    let (rest, amount) = rest.rsplit_once(':')?;
    let (loan, date) = rest.rsplit_once(':')?;
    // Only parts written as their values write themselves, so that the
    // key reads back to itself: one key, one value.
    let (n_value, amount_value): (u64, i64) = (n.parse().ok()?, amount.parse().ok()?);
    let canonical = itoa::Buffer::new().format(n_value) == n
        && itoa::Buffer::new().format(amount_value) == amount;
    let date = super::canonical_date(date)?;
    canonical.then_some((loan, date, amount_value, n_value))
}

fn packed_date(d: Date) -> u64 {
    zigzag((i64::from(d.year()) * 13 + i64::from(d.month())) * 32 + i64::from(d.day()))
}

/// Appends `entry` in this format to `out`.
pub fn encode(entry: &Entry, out: &mut Vec<u8>) {
    out.push(FORMAT);
    unsigned(out, packed_date(entry.date));
    let loan = entry.memo.strip_prefix(REPAYMENT_MEMO);
    match loan {
        Some(loan) => {
            out.push(REPAYMENT);
            text(out, loan);
        }
        None => {
            out.push(LITERAL);
            text(out, &entry.memo);
        }
    }
    match loan.and_then(|loan| repayment_occurrence(entry, loan)) {
        Some(n) => {
            out.push(REPAYMENT);
            unsigned(out, n);
        }
        None => {
            out.push(LITERAL);
            text(out, &entry.idempotency_key);
        }
    }
    unsigned(out, entry.lines.len() as u64);
    for l in &entry.lines {
        let (tag, ksm) = match l.account {
            Account::Cash => (0, None),
            Account::LoansReceivable(ksm) => (1, Some(ksm)),
            Account::FeeIncome => (2, None),
            Account::SavingsHeld => (3, None),
            Account::LoanLossReserve => (4, None),
            Account::OperatingCosts => (5, None),
            Account::CapitalBlm => (6, None),
            Account::ReserveExpense => (7, None),
        };
        out.push(tag);
        if let Some(ksm) = ksm {
            unsigned(out, zigzag(ksm));
        }
        unsigned(out, zigzag(l.amount.0));
    }
}

/// The entry kept in `bytes`, or `None` when they are not an entry in
/// this format (a byte too many is as unreadable as one too few).
pub fn decode(bytes: &[u8]) -> Option<Entry> {
    let parts = Parts::read(bytes)?;
    let lines: Vec<Line> = parts
        .lines()
        .map(|(account, amount)| Line {
            account,
            amount: Rupiah(amount),
        })
        .collect();
    let mut key = String::new();
    parts.write_key(&mut key);
    let mut memo = String::new();
    parts.write_memo(&mut memo);
    Some(Entry {
        date: parts.date,
        memo,
        idempotency_key: key,
        lines,
    })
}

/// [`super::check_row`] of an entry in this format, without building the
/// entry: its hashed text ([`Entry::chain_digest`]) written straight from
/// the bytes into `out`, what a city's journal check does 20 M times.
pub(super) fn check(
    bytes: &[u8],
    sequence: u64,
    hash: &[u8],
    previous: &str,
    out: &mut String,
) -> super::Stored {
    use super::Stored;
    let Some(parts) = Parts::read(bytes) else {
        return Stored::Unreadable;
    };
    // What `Entry::check` asks of an entry.
    let mut total = Some(0i64);
    let mut zero = false;
    for (_, amount) in parts.lines() {
        total = total.and_then(|t| t.checked_add(amount));
        zero |= amount == 0;
    }
    if crate::loan::book_day(parts.date).is_err() || parts.count < 2 || zero || total != Some(0) {
        return Stored::Broken;
    }
    out.clear();
    out.push_str(previous);
    out.push('\n');
    out.push_str(itoa::Buffer::new().format(sequence));
    out.push('\n');
    write_date(out, parts.date);
    out.push('\n');
    parts.write_key(out);
    out.push('\n');
    parts.write_memo(out);
    out.push('\n');
    for (account, amount) in parts.lines() {
        out.push_str(account.kind());
        if let Account::LoansReceivable(ksm) = account {
            out.push(':');
            out.push_str(itoa::Buffer::new().format(ksm));
        }
        out.push(' ');
        out.push_str(itoa::Buffer::new().format(amount));
        out.push('\n');
    }
    if sha2::Sha256::digest(out.as_bytes()).as_slice() == hash {
        Stored::Follows
    } else {
        Stored::Broken
    }
}

/// A date of the books (years 0–9999) as `Display` writes it.
fn write_date(out: &mut String, d: Date) {
    if !(0..=9999).contains(&d.year()) {
        use std::fmt::Write;
        let _ = write!(out, "{d}");
        return;
    }
    let digits = |out: &mut String, n: i16, width: usize| {
        let mut buf = itoa::Buffer::new();
        let text = buf.format(n);
        for _ in text.len()..width {
            out.push('0');
        }
        out.push_str(text);
    };
    digits(out, d.year(), 4);
    out.push('-');
    digits(out, i16::from(d.month()), 2);
    out.push('-');
    digits(out, i16::from(d.day()), 2);
}

/// An entry's parts as its bytes hold them, read and checked once.
struct Parts<'a> {
    date: Date,
    /// The memo kept whole, or the loan of `repayment of loan {loan}`.
    memo: &'a str,
    memo_is_repayment: bool,
    /// The key kept whole, or the `n` of the import's key.
    key: Result<&'a str, u64>,
    count: usize,
    /// The lines' bytes, `count` of them, each read whole already.
    lines: &'a [u8],
}

impl<'a> Parts<'a> {
    fn read(bytes: &'a [u8]) -> Option<Parts<'a>> {
        let mut r = Reader(bytes);
        if r.byte()? != FORMAT {
            return None;
        }
        let packed = unzigzag(r.unsigned()?);
        let (rest, day) = (packed.div_euclid(32), packed.rem_euclid(32));
        let (year, month) = (rest.div_euclid(13), rest.rem_euclid(13));
        let date = Date::new(i16::try_from(year).ok()?, month as i8, day as i8).ok()?;
        let memo_is_repayment = match r.byte()? {
            LITERAL => false,
            REPAYMENT => true,
            _ => return None,
        };
        let memo = r.text()?;
        let key = match r.byte()? {
            LITERAL => Ok(r.text()?),
            REPAYMENT => Err(r.unsigned()?),
            _ => return None,
        };
        let count = usize::try_from(r.unsigned()?).ok()?;
        let lines = r.0;
        for _ in 0..count {
            line(&mut r)?;
        }
        let parts = Parts {
            date,
            memo,
            memo_is_repayment,
            key,
            count,
            lines,
        };
        // The import's key needs the loan of a repayment's memo and a
        // cash line.
        let whole =
            r.0.is_empty() && (key.is_ok() || (memo_is_repayment && parts.cash().is_some()));
        whole.then_some(parts)
    }

    fn lines(&self) -> impl Iterator<Item = (Account, i64)> + 'a {
        let mut r = Reader(self.lines);
        (0..self.count).map_while(move |_| line(&mut r))
    }

    fn cash(&self) -> Option<i64> {
        self.lines()
            .find(|(account, _)| *account == Account::Cash)
            .map(|(_, amount)| amount)
    }

    fn write_memo(&self, out: &mut String) {
        if self.memo_is_repayment {
            out.push_str(REPAYMENT_MEMO);
        }
        out.push_str(self.memo);
    }

    fn write_key(&self, out: &mut String) {
        match self.key {
            Ok(key) => out.push_str(key),
            Err(n) => {
                out.push_str("repayment:");
                out.push_str(self.memo);
                out.push(':');
                write_date(out, self.date);
                out.push(':');
                out.push_str(itoa::Buffer::new().format(self.cash().unwrap_or_default()));
                out.push(':');
                out.push_str(itoa::Buffer::new().format(n));
            }
        }
    }
}

/// One line: its account and amount.
fn line(r: &mut Reader<'_>) -> Option<(Account, i64)> {
    let account = match r.byte()? {
        0 => Account::Cash,
        1 => Account::LoansReceivable(unzigzag(r.unsigned()?)),
        2 => Account::FeeIncome,
        3 => Account::SavingsHeld,
        4 => Account::LoanLossReserve,
        5 => Account::OperatingCosts,
        6 => Account::CapitalBlm,
        7 => Account::ReserveExpense,
        _ => return None,
    };
    Some((account, unzigzag(r.unsigned()?)))
}

/// The `n` of an import's key `repayment:{loan}:{date}:{cash}:{n}` when
/// the entry's key is exactly that.
fn repayment_occurrence(entry: &Entry, loan: &str) -> Option<u64> {
    let rest = entry
        .idempotency_key
        .strip_prefix("repayment:")?
        .strip_prefix(loan)?
        .strip_prefix(':')?;
    let rest = rest
        .strip_prefix(entry.date.to_string().as_str())?
        .strip_prefix(':')?;
    let rest = rest
        .strip_prefix(itoa::Buffer::new().format(cash(&entry.lines)?))?
        .strip_prefix(':')?;
    let n: u64 = rest.parse().ok()?;
    (itoa::Buffer::new().format(n) == rest).then_some(n)
}

/// The amount of an entry's first cash line.
fn cash(lines: &[Line]) -> Option<i64> {
    lines
        .iter()
        .find(|l| l.account == Account::Cash)
        .map(|l| l.amount.0)
}

fn zigzag(n: i64) -> u64 {
    ((n << 1) ^ (n >> 63)) as u64
}

fn unzigzag(n: u64) -> i64 {
    ((n >> 1) as i64) ^ -((n & 1) as i64)
}

/// LEB128: seven bits a byte, the high bit set on all but the last.
fn unsigned(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn text(out: &mut Vec<u8>, s: &str) {
    unsigned(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

/// What is left of an entry's bytes to read.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }

    fn unsigned(&mut self) -> Option<u64> {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            let bits = u64::from(b & 0x7f);
            // The tenth byte may carry one bit only.
            if shift == 63 && bits > 1 {
                return None;
            }
            n |= bits << shift;
            if b < 0x80 {
                return Some(n);
            }
        }
        None
    }

    fn text(&mut self) -> Option<&'a str> {
        let len = usize::try_from(self.unsigned()?).ok()?;
        if len > self.0.len() {
            return None;
        }
        let (s, rest) = self.0.split_at(len);
        self.0 = rest;
        std::str::from_utf8(s).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::super::Stored;
    use super::*;
    use jiff::civil::date;
    use proptest::prelude::*;

    fn repayment(key: &str) -> Entry {
        Entry::new(
            date(2026, 5, 5),
            "repayment of loan L0010072".into(),
            key.into(),
            [
                (Account::Cash, 115_000),
                (Account::LoansReceivable(2387), -100_000),
                (Account::FeeIncome, -15_000),
            ],
        )
    }

    #[test]
    fn an_imported_repayment_is_kept_in_a_tenth_of_its_json() {
        let entry = repayment("repayment:L0010072:2026-05-05:115000:1");
        let mut bytes = Vec::new();
        encode(&entry, &mut bytes);
        let json = serde_json::to_string(&entry).unwrap();
        assert!(bytes.len() <= 32, "{} bytes", bytes.len());
        assert!(json.len() > 8 * bytes.len());
        let digest = entry.chain_digest(7, "before", &mut String::new());
        let mut scratch = String::new();
        assert_eq!(
            check(&bytes, 7, &digest, "before", &mut scratch),
            Stored::Follows
        );
        assert_eq!(
            check(&bytes, 8, &digest, "before", &mut scratch),
            Stored::Broken
        );
        assert_eq!(decode(&bytes), Some(entry));
    }

    #[test]
    fn keys_that_only_look_like_the_imports_are_kept_whole() {
        for key in [
            "repayment:L0010072:2026-05-05:115000:01",
            "repayment:L0010072:2026-05-05:115001:1",
            "repayment:L0010073:2026-05-05:115000:1",
            "repayment:L0010072:2026-05-06:115000:1",
            "repayment:L0010072:2026-05-05:115000:",
            "repayment:L0010072:2026-05-05:115000:1 ",
            "KUITANSI-2026-12-05-0001-000001",
        ] {
            let entry = repayment(key);
            let mut bytes = Vec::new();
            encode(&entry, &mut bytes);
            assert!(bytes.len() > key.len(), "{key}");
            assert_eq!(decode(&bytes), Some(entry), "{key}");
        }
    }

    #[test]
    fn damaged_bytes_do_not_read_as_an_entry() {
        let mut bytes = Vec::new();
        encode(
            &repayment("repayment:L0010072:2026-05-05:115000:1"),
            &mut bytes,
        );
        assert_eq!(decode(&bytes[..bytes.len() - 1]), None, "one byte short");
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(decode(&longer), None, "one byte too many");
        let mut other = bytes.clone();
        other[0] = b'{';
        assert_eq!(decode(&other), None, "another format");
        assert_eq!(decode(&[FORMAT, 0xff, 0xff, 0xff]), None);
        assert_eq!(decode(&[]), None);
    }

    #[test]
    fn the_imports_keys_are_kept_as_their_parts_and_others_whole() {
        let key = "repayment:L0010072:2026-05-05:115000:1";
        let kept = key_column(key);
        assert_eq!(kept[0], KEY_PARTS);
        assert!(kept.len() <= 17, "{} bytes", kept.len());
        assert!(std::str::from_utf8(&kept).is_err());
        for other in [
            "repayment:L0010072:2026-05-05:115000:01",
            "repayment:L0010072:2026-5-5:115000:1",
            "repayment:L0010072:2026-05-05:+115000:1",
            "KUITANSI-2026-12-05-0001-000001",
            "",
        ] {
            let kept = key_column(other);
            assert_eq!(kept[0], KEY_TEXT, "{other}");
            assert_eq!(&kept[1..], other.as_bytes());
        }
        assert_eq!(
            key_column("repayment:a:b:2026-05-05:-5:2")[0],
            KEY_PARTS,
            "a loan's id may hold a colon"
        );
    }

    fn account() -> impl Strategy<Value = Account> {
        crate::journal::any_account(any::<i64>())
    }

    proptest! {
        /// Keys that differ are kept as values that differ, however alike
        /// they are written.
        #[test]
        fn no_two_keys_share_a_column_value(
            loan in "[:a-z0-9]{0,6}",
            days in -800_000i32..2_932_896,
            amount in any::<i64>(),
            n in any::<u64>(),
        ) {
            let date = date(1970, 1, 1).checked_add(jiff::Span::new().days(days)).unwrap();
            let keys = [
                format!("repayment:{loan}:{date}:{amount}:{n}"),
                format!("repayment:{loan}:{date}:{amount}:0{n}"),
                format!("repayment:{loan}:{date}:+{amount}:{n}"),
                format!("repayment:{loan}:{date}:{amount}:{n}:"),
                format!("repayment:{loan}:{date}:{amount}"),
                format!("repayment:{loan}:x:{date}:{amount}:{n}"),
                format!("repayment:{loan}:{}:{amount}:{n}", date.strftime("%Y-%-m-%-d")),
            ];
            let mut seen = std::collections::HashMap::new();
            for key in &keys {
                if let Some(other) = seen.insert(key_column(key), key) {
                    prop_assert_eq!(other, key);
                }
            }
            prop_assert_eq!(key_column(&keys[0])[0] == KEY_PARTS, (0..=9999).contains(&date.year()));
        }

        /// Any entry reads back as it was, and so hashes the same.
        #[test]
        fn every_entry_reads_back_as_it_was(
            days in prop_oneof![0i32..83_600, -3_652_059i32..2_932_896],
            loan in "[ -~]{0,12}",
            memo_is_repayment in any::<bool>(),
            key in "[ -~é]{0,40}",
            key_is_imports in any::<bool>(),
            n in any::<u64>(),
            lines in proptest::collection::vec((account(), prop_oneof![any::<i64>(), -5i64..5]), 0..6),
            balanced in any::<bool>(),
            sequence in any::<u64>(),
        ) {
            let date = date(1970, 1, 1).checked_add(jiff::Span::new().days(days)).unwrap();
            let memo = if memo_is_repayment { format!("{REPAYMENT_MEMO}{loan}") } else { loan.clone() };
            let mut lines: Vec<Line> = lines.into_iter().map(|(account, a)| Line { account, amount: Rupiah(a) }).collect();
            let sum = lines.iter().try_fold(0i64, |t, l| t.checked_add(l.amount.0));
            if let (true, Some(sum)) = (balanced, sum) {
                if let Some(rest) = sum.checked_neg() {
                    lines.push(Line { account: Account::FeeIncome, amount: Rupiah(rest) });
                }
            }
            let key = match (key_is_imports, cash(&lines)) {
                (true, Some(c)) => format!("repayment:{loan}:{date}:{c}:{n}"),
                _ => key,
            };
            let other = format!("{key}:");
            prop_assert_ne!(key_column(&key), key_column(&other));
            let entry = Entry { date, memo, idempotency_key: key, lines };
            let mut bytes = Vec::new();
            encode(&entry, &mut bytes);
            let decoded = decode(&bytes);
            prop_assert_eq!(decoded.as_ref(), Some(&entry));
            // Checked from its bytes as the entry itself would be.
            let digest = entry.chain_digest(sequence, &loan, &mut String::new());
            let follows = if entry.check().is_ok() { Stored::Follows } else { Stored::Broken };
            prop_assert_eq!(check(&bytes, sequence, &digest, &loan, &mut String::new()), follows);
            let mut other = digest;
            other[31] ^= 1;
            prop_assert_eq!(check(&bytes, sequence, &other, &loan, &mut String::new()), Stored::Broken);
        }
    }
}
