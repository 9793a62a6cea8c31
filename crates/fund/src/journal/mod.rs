//! The UPK's books: balanced double-entry journal entries in whole rupiah,
//! append-only and hash-chained, so that a change to history is found.
//! A correction is a reversal plus a new entry, never an edit.

use crate::loan::Rupiah;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub mod compact;

/// The chart of accounts of a UPK.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "account", content = "ksm")]
pub enum Account {
    /// Cash and bank.
    Cash,
    /// Loans receivable from one KSM (by its organisation id).
    LoansReceivable(i64),
    /// Fee income (jasa).
    FeeIncome,
    /// Group savings held for KSM members.
    SavingsHeld,
    LoanLossReserve,
    OperatingCosts,
    /// Capital received (BLM grants).
    CapitalBlm,
    /// The cost of raising the loan-loss reserve.
    ReserveExpense,
}

impl Account {
    /// The account's kind, without the KSM: the name the per-day balances
    /// and the statements use.
    pub fn kind(&self) -> &'static str {
        match self {
            Account::Cash => "cash",
            Account::LoansReceivable(_) => "loans_receivable",
            Account::FeeIncome => "fee_income",
            Account::SavingsHeld => "savings_held",
            Account::LoanLossReserve => "loan_loss_reserve",
            Account::OperatingCosts => "operating_costs",
            Account::CapitalBlm => "capital_blm",
            Account::ReserveExpense => "reserve_expense",
        }
    }

    /// Writes the name in the hashed text: stable, so that hashes stay
    /// valid.
    fn write_key(&self, out: &mut String) {
        out.push_str(self.kind());
        if let Account::LoansReceivable(ksm) = self {
            use std::fmt::Write;
            let _ = write!(out, ":{ksm}");
        }
    }
}

/// One line: an account debited (positive) or credited (negative).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    pub account: Account,
    pub amount: Rupiah,
}

/// A journal entry before it is posted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub date: Date,
    pub memo: String,
    /// Posting the same key twice posts once (a repayment submitted twice).
    pub idempotency_key: String,
    pub lines: Vec<Line>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryError {
    #[error("debits and credits differ by {0} rupiah")]
    Unbalanced(i64),
    #[error("an entry needs at least two lines")]
    TooFewLines,
    #[error("a line of zero rupiah")]
    ZeroLine,
    #[error(transparent)]
    TooLarge(#[from] crate::loan::TooLarge),
    #[error(transparent)]
    Date(#[from] crate::loan::DateOutOfRange),
    #[error(transparent)]
    Ahead(#[from] crate::loan::DateAhead),
}

impl Entry {
    /// An entry from (account, amount) pairs; lines of zero rupiah (a
    /// repayment with no fee part) are left out.
    pub fn new(
        date: Date,
        memo: String,
        idempotency_key: String,
        lines: impl IntoIterator<Item = (Account, i64)>,
    ) -> Entry {
        Entry {
            date,
            memo,
            idempotency_key,
            lines: lines
                .into_iter()
                .filter(|(_, a)| *a != 0)
                .map(|(account, a)| Line {
                    account,
                    amount: Rupiah(a),
                })
                .collect(),
        }
    }

    /// [`Entry::check`] of an entry about to be posted: also not dated
    /// after `latest_today` ([`crate::not_ahead`]). (Entries held are
    /// checked without it: they were posted on their day.)
    pub fn check_new(&self, latest_today: Date) -> Result<(), EntryError> {
        crate::loan::not_ahead(self.date, latest_today)?;
        self.check()
    }

    /// Checks that the entry balances (debits = credits), has no empty
    /// lines and is dated on a day the books keep.
    pub fn check(&self) -> Result<(), EntryError> {
        crate::loan::book_day(self.date)?;
        if self.lines.len() < 2 {
            return Err(EntryError::TooFewLines);
        }
        if self.lines.iter().any(|l| l.amount.0 == 0) {
            return Err(EntryError::ZeroLine);
        }
        let sum = crate::loan::sum("entry", self.lines.iter().map(|l| l.amount.0))?;
        if sum != 0 {
            return Err(EntryError::Unbalanced(sum));
        }
        Ok(())
    }

    /// The entry that undoes this one: every line with its sign turned.
    pub fn reversal(&self, date: Date, idempotency_key: String) -> Entry {
        Entry {
            date,
            memo: format!("reversal of: {}", self.memo),
            idempotency_key,
            lines: self
                .lines
                .iter()
                .map(|l| Line {
                    account: l.account.clone(),
                    amount: Rupiah(-l.amount.0),
                })
                .collect(),
        }
    }

    /// The entry's hash, chained to the previous entry's: SHA-256 over the
    /// previous hash and a canonical text of the entry, in lower-case hex.
    pub fn chain_hash(&self, sequence: u64, previous: &str) -> String {
        hex_of(&self.chain_digest(sequence, previous, &mut String::new())).to_owned()
    }

    /// [`Entry::chain_hash`] as its 32 bytes; `scratch` holds the hashed
    /// text (reused from call to call).
    pub fn chain_digest(&self, sequence: u64, previous: &str, scratch: &mut String) -> [u8; 32] {
        use std::fmt::Write;
        scratch.clear();
        let _ = write!(
            scratch,
            "{previous}\n{sequence}\n{}\n{}\n{}\n",
            self.date, self.idempotency_key, self.memo
        );
        for l in &self.lines {
            l.account.write_key(scratch);
            let _ = writeln!(scratch, " {}", l.amount.0);
        }
        Sha256::digest(scratch.as_bytes()).into()
    }
}

/// A digest in lower-case hex, on the stack.
fn hex_of(digest: &[u8]) -> HexDigest {
    let mut out = HexDigest([0; 64]);
    hex::encode_to_slice(digest, &mut out.0).expect("a SHA-256 digest is 32 bytes");
    out
}

struct HexDigest([u8; 64]);

impl std::ops::Deref for HexDigest {
    type Target = str;
    fn deref(&self) -> &str {
        std::str::from_utf8(&self.0).expect("hex is ASCII")
    }
}

/// The hash before the first entry.
pub const GENESIS: &str = "lumbung-fund-journal";

/// A posted entry as stored: its place in the chain and its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Posted {
    pub sequence: u64,
    pub entry: Entry,
    pub hash: String,
}

/// The hash before the first entry of a UPK's own chain. The journal was
/// one chain for the city, so that every posting waited for the one
/// before; entries posted since the change (from the sequence stored with
/// it) form a chain per UPK, so that UPKs post at once. Each UPK's chain
/// starts from the city chain's last hash (`GENESIS` when there was none)
/// and the UPK's id: history before the change stays pinned, and an entry
/// moved to another UPK breaks both chains.
pub fn upk_genesis(city_tail: &str, upk: i64) -> String {
    format!("{city_tail}\nupk {upk}")
}

/// Checks one chain read back from storage, in sequence order: every entry
/// balances and its hash follows from the one before. Returns the sequence
/// number of the first broken entry.
pub fn verify(journal: &[Posted]) -> Result<(), u64> {
    verify_from(GENESIS, journal)
}

/// [`verify`] of a chain whose first entry follows `start` (a UPK's chain
/// follows [`upk_genesis`]).
pub fn verify_from<'a>(
    start: &str,
    journal: impl IntoIterator<Item = &'a Posted>,
) -> Result<(), u64> {
    let mut previous = start;
    for p in journal {
        if !follows(&p.entry, p.sequence, &p.hash, previous) {
            return Err(p.sequence);
        }
        previous = &p.hash;
    }
    Ok(())
}

/// The whole journal as stored: each entry with its UPK's id, in sequence
/// order, and the first sequence chained per UPK ([`upk_genesis`]).
#[derive(Debug, Clone)]
pub struct Journal {
    pub per_upk_from: u64,
    pub entries: Vec<(i64, Posted)>,
}

/// Checks every chain of the journal: the city's (entries before
/// `per_upk_from`, in order) and each UPK's after it. Returns the least
/// sequence number of a broken entry.
pub fn verify_journal(journal: &Journal) -> Result<(), u64> {
    let (city, per_upk): (Vec<_>, Vec<_>) = journal
        .entries
        .iter()
        .partition(|(_, p)| p.sequence < journal.per_upk_from);
    let mut broken = verify_from(GENESIS, city.iter().map(|(_, p)| p)).err();
    let tail = city.last().map_or(GENESIS, |(_, p)| p.hash.as_str());
    let mut chains: std::collections::BTreeMap<i64, Vec<&Posted>> = Default::default();
    for (upk, p) in per_upk {
        chains.entry(*upk).or_default().push(p);
    }
    for (upk, chain) in chains {
        if let Err(sequence) = verify_from(&upk_genesis(tail, upk), chain) {
            broken = Some(broken.map_or(sequence, |b| b.min(sequence)));
        }
    }
    broken.map_or(Ok(()), Err)
}

/// Whether a stored entry balances and its hash follows from the stored
/// hash before it (`GENESIS` for the first): what [`verify`] checks of each
/// entry, so that a journal can also be checked a piece at a time.
pub fn follows(entry: &Entry, sequence: u64, hash: &str, previous: &str) -> bool {
    entry.check().is_ok() && entry.chain_hash(sequence, previous) == hash
}

/// What checking one stored entry found ([`check_stored`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// Balanced, and its hash follows from the stored hash before it.
    Follows,
    Broken,
    /// Its text is not an entry.
    Unreadable,
}

/// [`follows`] of an entry as stored (its JSON text): the answer of
/// parsing it in full, found without building an [`Entry`] when the text
/// is exactly as the store writes entries (a city's journal is tens of
/// millions of them); any other text is parsed in full. `scratch` is
/// reused from call to call.
pub fn check_stored(
    text: &str,
    sequence: u64,
    hash: &str,
    previous: &str,
    scratch: &mut String,
) -> Stored {
    if canonical_follows(text, sequence, hash, previous, scratch) == Some(true) {
        return Stored::Follows;
    }
    match serde_json::from_str::<Entry>(text) {
        Err(_) => Stored::Unreadable,
        Ok(entry) if follows(&entry, sequence, hash, previous) => Stored::Follows,
        Ok(_) => Stored::Broken,
    }
}

/// An entry and its hash as a journal row keeps them, in either format:
/// JSON and the hash in hex (schemas before 48; what a row begins with
/// `{` tells), or [`compact`] with the hash's 32 bytes. `None` when the
/// row holds neither.
pub fn read_row(entry: &[u8], hash: &[u8]) -> Option<(Entry, String)> {
    if entry.first() == Some(&b'{') {
        let hash = std::str::from_utf8(hash).ok()?;
        return Some((serde_json::from_slice(entry).ok()?, hash.to_owned()));
    }
    let hash: &[u8; 32] = hash.try_into().ok()?;
    Some((compact::decode(entry)?, digest_hex(hash)))
}

/// A row's stored hash as the chain's text uses it (lower-case hex), in
/// either format of [`read_row`].
pub fn stored_hash(hash: &[u8]) -> Option<String> {
    match <&[u8; 32]>::try_from(hash) {
        Ok(digest) => Some(digest_hex(digest)),
        Err(_) => std::str::from_utf8(hash).ok().map(str::to_owned),
    }
}

/// Writes a row's stored hash into `out` (cleared first) as the chain's
/// text uses it, in either format of [`read_row`]; false when it is none.
pub fn write_stored_hash(hash: &[u8], out: &mut String) -> bool {
    out.clear();
    match <&[u8; 32]>::try_from(hash) {
        Ok(digest) => out.push_str(&hex_of(digest)),
        Err(_) => match std::str::from_utf8(hash) {
            Ok(text) => out.push_str(text),
            Err(_) => return false,
        },
    }
    true
}

/// A hash's 32 bytes as the chain's text writes them (lower-case hex).
pub fn digest_hex(digest: &[u8; 32]) -> String {
    hex_of(digest).to_owned()
}

/// [`check_stored`] of a journal row in either format of [`read_row`].
pub fn check_row(
    entry: &[u8],
    sequence: u64,
    hash: &[u8],
    previous: &str,
    scratch: &mut String,
) -> Stored {
    if entry.first() == Some(&b'{') {
        return match (std::str::from_utf8(entry), std::str::from_utf8(hash)) {
            (Ok(entry), Ok(hash)) => check_stored(entry, sequence, hash, previous, scratch),
            (Err(_), _) => Stored::Unreadable,
            (Ok(_), Err(_)) => Stored::Broken,
        };
    }
    compact::check(entry, sequence, hash, previous, scratch)
}

/// `Some(true)` when `text` is an entry exactly as serde writes it, valid,
/// and its hash is `hash`; `None` when that cannot be told this way.
/// Builds the hashed text of [`Entry::chain_hash`] from the text's parts.
fn canonical_follows(
    text: &str,
    sequence: u64,
    hash: &str,
    previous: &str,
    out: &mut String,
) -> Option<bool> {
    let mut rest = text.strip_prefix(r#"{"date":""#)?;
    let (date, after) = rest.split_at_checked(10)?;
    // Canonical texts are what `Display` writes of their values: the
    // hashed text takes them as they stand.
    crate::loan::book_day(canonical_date(date)?).ok()?;
    rest = after.strip_prefix(r#"","memo":""#)?;
    let (memo, after) = plain_string(rest)?;
    rest = after.strip_prefix(r#","idempotency_key":""#)?;
    let (key, after) = plain_string(rest)?;
    rest = after.strip_prefix(r#","lines":["#)?;
    out.clear();
    out.push_str(previous);
    out.push('\n');
    out.push_str(itoa::Buffer::new().format(sequence));
    out.push('\n');
    for part in [date, key, memo] {
        out.push_str(part);
        out.push('\n');
    }
    let (mut lines, mut total) = (0usize, 0i64);
    loop {
        rest = rest.strip_prefix(r#"{"account":{"account":""#)?;
        let (kind, after) = rest.split_once('"')?;
        rest = after;
        let ksm = match kind {
            "loans_receivable" => {
                let (_, ksm, after) = integer(rest.strip_prefix(r#","ksm":"#)?)?;
                rest = after;
                Some(ksm)
            }
            "cash" | "fee_income" | "savings_held" | "loan_loss_reserve" | "operating_costs"
            | "capital_blm" | "reserve_expense" => None,
            _ => return None,
        };
        let (amount, written, after) = integer(rest.strip_prefix(r#"},"amount":"#)?)?;
        rest = after.strip_prefix('}')?;
        if amount == 0 {
            return None;
        }
        total = total.checked_add(amount)?;
        lines += 1;
        out.push_str(kind);
        if let Some(ksm) = ksm {
            out.push(':');
            out.push_str(ksm);
        }
        out.push(' ');
        out.push_str(written);
        out.push('\n');
        match rest.strip_prefix(',') {
            Some(next) => rest = next,
            None => break,
        }
    }
    if rest != "]}" || lines < 2 || total != 0 {
        return None;
    }
    Some(hex_equals(&Sha256::digest(out.as_bytes()), hash.as_bytes()))
}

/// Whether `hex` is `digest` written in lower-case hex, as hashes are
/// stored (compared in place: no text is made of the digest).
fn hex_equals(digest: &[u8], hex: &[u8]) -> bool {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    hex.len() == 2 * digest.len()
        && digest.iter().zip(hex.chunks_exact(2)).all(|(byte, pair)| {
            pair[0] == DIGITS[usize::from(byte >> 4)] && pair[1] == DIGITS[usize::from(byte & 15)]
        })
}

/// `YYYY-MM-DD` with a real date, as a date is written.
fn canonical_date(text: &str) -> Option<Date> {
    let b = text.as_bytes();
    let digits = |r: std::ops::Range<usize>| -> Option<i32> {
        b[r].iter().try_fold(0i32, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + i32::from(c - b'0'))
        })
    };
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    Date::new(
        digits(0..4)? as i16,
        digits(5..7)? as i8,
        digits(8..10)? as i8,
    )
    .ok()
}

/// A JSON string's contents up to its closing quote, when they hold no
/// escape and no control character (so that they are the value itself),
/// and the text after the quote.
fn plain_string(text: &str) -> Option<(&str, &str)> {
    let end = text
        .bytes()
        .position(|c| c == b'"' || c == b'\\' || c < 0x20)?;
    (text.as_bytes()[end] == b'"').then(|| (&text[..end], &text[end + 1..]))
}

/// An integer as serde writes an `i64` (no sign but `-`, no leading zero,
/// no `-0`): its value, its text and the text after it.
fn integer(text: &str) -> Option<(i64, &str, &str)> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let len = digits.bytes().take_while(u8::is_ascii_digit).count();
    let sign = text.len() - digits.len();
    let written = &text[..sign + len];
    if len == 0 || (digits.starts_with('0') && (len > 1 || sign == 1)) {
        return None;
    }
    Some((written.parse().ok()?, written, &text[sign + len..]))
}

/// Appends an entry to a chain (in memory; the store does the same in a
/// transaction), refusing unbalanced entries and posting a repeated
/// idempotency key only once. Returns whether it was posted.
pub fn append(journal: &mut Vec<Posted>, entry: Entry) -> Result<bool, EntryError> {
    entry.check()?;
    if journal
        .iter()
        .any(|p| p.entry.idempotency_key == entry.idempotency_key)
    {
        return Ok(false);
    }
    let sequence = journal.last().map_or(1, |p| p.sequence + 1);
    let previous = journal
        .last()
        .map_or(GENESIS.to_owned(), |p| p.hash.clone());
    let hash = entry.chain_hash(sequence, &previous);
    journal.push(Posted {
        sequence,
        entry,
        hash,
    });
    Ok(true)
}

/// Each account's balance (debits positive); refused when one does not fit.
pub fn balances(
    journal: &[Posted],
) -> Result<std::collections::BTreeMap<Account, i64>, crate::loan::TooLarge> {
    let mut out = std::collections::BTreeMap::new();
    for p in journal {
        for l in &p.entry.lines {
            let b = out.entry(l.account.clone()).or_insert(0);
            *b = crate::loan::add("balance", *b, l.amount.0)?;
        }
    }
    Ok(out)
}

/// Any account, a KSM's id drawn from `ksm` (for the property tests).
#[cfg(test)]
pub(crate) fn any_account(
    ksm: impl proptest::strategy::Strategy<Value = i64> + 'static,
) -> impl proptest::strategy::Strategy<Value = Account> {
    use proptest::prelude::*;
    prop_oneof![
        Just(Account::Cash),
        ksm.prop_map(Account::LoansReceivable),
        Just(Account::FeeIncome),
        Just(Account::SavingsHeld),
        Just(Account::LoanLossReserve),
        Just(Account::OperatingCosts),
        Just(Account::CapitalBlm),
        Just(Account::ReserveExpense),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use proptest::prelude::*;

    #[test]
    fn a_digest_equals_its_lower_case_hex_only() {
        let digest = Sha256::digest(b"lumbung");
        let hex = hex::encode(digest);
        assert!(hex_equals(&digest, hex.as_bytes()));
        assert!(!hex_equals(&digest, hex.to_uppercase().as_bytes()));
        assert!(!hex_equals(&digest, &hex.as_bytes()[..62]));
        let mut other = hex.clone().into_bytes();
        other[63] = if other[63] == b'0' { b'1' } else { b'0' };
        assert!(!hex_equals(&digest, &other));
    }

    fn disbursement(key: &str, ksm: i64, amount: i64) -> Entry {
        Entry {
            date: date(2024, 1, 10),
            memo: format!("loan to KSM {ksm}"),
            idempotency_key: key.into(),
            lines: vec![
                Line {
                    account: Account::LoansReceivable(ksm),
                    amount: Rupiah(amount),
                },
                Line {
                    account: Account::Cash,
                    amount: Rupiah(-amount),
                },
            ],
        }
    }

    fn repayment(key: &str, ksm: i64, principal: i64, fee: i64) -> Entry {
        Entry::new(
            date(2024, 2, 10),
            format!("repayment by KSM {ksm}"),
            key.into(),
            [
                (Account::Cash, principal + fee),
                (Account::LoansReceivable(ksm), -principal),
                (Account::FeeIncome, -fee),
            ],
        )
    }

    #[test]
    fn a_new_entry_dated_after_the_latest_today_is_refused_an_entry_held_is_not() {
        let e = disbursement("d1", 7, 1_000_000);
        assert_eq!(e.check_new(e.date), Ok(()));
        let before = e.date.yesterday().unwrap();
        assert_eq!(
            e.check_new(before),
            Err(EntryError::Ahead(crate::DateAhead {
                date: e.date,
                today: before
            }))
        );
        assert_eq!(e.check(), Ok(()));
    }

    #[test]
    fn unbalanced_entries_are_refused() {
        let mut e = disbursement("d1", 7, 1_000_000);
        e.lines[1].amount = Rupiah(-999_999);
        assert_eq!(e.check(), Err(EntryError::Unbalanced(1)));
        let mut journal = Vec::new();
        assert!(append(&mut journal, e).is_err());
        assert!(journal.is_empty());
    }

    #[test]
    fn the_same_repayment_twice_is_posted_once() {
        let mut journal = Vec::new();
        assert!(append(&mut journal, disbursement("d1", 7, 1_000_000)).unwrap());
        assert!(append(&mut journal, repayment("r1", 7, 100_000, 15_000)).unwrap());
        assert!(!append(&mut journal, repayment("r1", 7, 100_000, 15_000)).unwrap());
        assert_eq!(journal.len(), 2);
        let b = balances(&journal).unwrap();
        assert_eq!(b[&Account::LoansReceivable(7)], 900_000);
        assert_eq!(b[&Account::FeeIncome], -15_000);
    }

    #[test]
    fn changed_history_is_found_at_the_first_broken_entry() {
        let mut journal = Vec::new();
        append(&mut journal, disbursement("d1", 7, 1_000_000)).unwrap();
        append(&mut journal, repayment("r1", 7, 100_000, 15_000)).unwrap();
        append(&mut journal, repayment("r2", 7, 100_000, 15_000)).unwrap();
        assert_eq!(verify(&journal), Ok(()));
        let mut tampered = journal.clone();
        tampered[1].entry.lines[0].amount = Rupiah(215_000);
        tampered[1].entry.lines[2].amount = Rupiah(-115_000);
        assert_eq!(
            verify(&tampered),
            Err(2),
            "balanced, but not what was posted"
        );
        let mut dropped = journal.clone();
        dropped.remove(1);
        assert_eq!(
            verify(&dropped),
            Err(3),
            "a removed entry breaks the chain after it"
        );
    }

    #[test]
    fn a_upk_chain_is_checked_from_its_own_start_and_not_anyone_elses() {
        let start = upk_genesis("tail-of-the-city", 7);
        let mut previous = start.clone();
        let mut chain = Vec::new();
        for (sequence, entry) in [
            (12, disbursement("d1", 7, 1_000_000)),
            (15, repayment("r1", 7, 100_000, 15_000)),
        ] {
            let hash = entry.chain_hash(sequence, &previous);
            previous = hash.clone();
            chain.push(Posted {
                sequence,
                entry,
                hash,
            });
        }
        assert_eq!(
            verify_from(&start, &chain),
            Ok(()),
            "gaps in sequence are fine"
        );
        assert_eq!(
            verify_from(&upk_genesis("tail-of-the-city", 8), &chain),
            Err(12),
            "moved to another UPK"
        );
        assert_eq!(verify(&chain), Err(12), "not the city's chain");
    }

    #[test]
    fn a_correction_is_a_reversal_and_a_new_entry() {
        let mut journal = Vec::new();
        let wrong = repayment("r1", 7, 100_000, 15_000);
        append(&mut journal, disbursement("d1", 7, 1_000_000)).unwrap();
        append(&mut journal, wrong.clone()).unwrap();
        append(
            &mut journal,
            wrong.reversal(date(2024, 2, 11), "r1-reversal".into()),
        )
        .unwrap();
        append(&mut journal, repayment("r1-fixed", 7, 90_000, 15_000)).unwrap();
        assert_eq!(verify(&journal), Ok(()));
        assert_eq!(
            balances(&journal).unwrap()[&Account::LoansReceivable(7)],
            910_000
        );
    }

    proptest! {
        #[test]
        fn debits_equal_credits_whatever_is_posted(ops in proptest::collection::vec((0u8..3, 1i64..1_000_000, 0i64..50_000), 1..40)) {
            let mut journal = Vec::new();
            for (i, (kind, amount, fee)) in ops.iter().enumerate() {
                let key = format!("op{i}");
                let entry = match kind {
                    0 => disbursement(&key, 1 + (i as i64 % 3), *amount),
                    1 => repayment(&key, 1 + (i as i64 % 3), *amount, *fee),
                    _ => match journal.last() {
                        Some(p) => {
                            let p: &Posted = p;
                            p.entry.reversal(date(2024, 3, 1), key)
                        }
                        None => disbursement(&key, 1, *amount),
                    },
                };
                append(&mut journal, entry).unwrap();
                prop_assert_eq!(balances(&journal).unwrap().values().sum::<i64>(), 0);
                prop_assert_eq!(verify(&journal), Ok(()));
            }
        }

        /// A stored entry checked from its text is what parsing it in full
        /// says, whatever the text: valid, unbalanced, tampered or not JSON.
        #[test]
        fn a_stored_text_is_checked_as_its_parsed_entry(
            memo in "[a-zA-Z0-9 éü\"\\\\\n\t/]{0,12}",
            key in "[a-z0-9:]{1,10}",
            lines in proptest::collection::vec((0u8..8, -3i64..300, prop_oneof![Just(0i64), -5i64..5, Just(i64::MAX), Just(i64::MIN)]), 0..5),
            balance in any::<bool>(),
            day in 0i32..100_000,
            sequence in 1u64..1_000_000,
            damage in proptest::option::of((0usize..400, any::<u8>())),
        ) {
            let accounts = [Account::Cash, Account::FeeIncome, Account::SavingsHeld, Account::LoanLossReserve,
                Account::OperatingCosts, Account::CapitalBlm, Account::ReserveExpense];
            let mut entry = Entry {
                date: date(1950, 1, 1).checked_add(jiff::ToSpan::days(day)).unwrap(),
                memo,
                idempotency_key: key,
                lines: lines
                    .into_iter()
                    .map(|(a, ksm, amount)| Line {
                        account: match a {
                            7 => Account::LoansReceivable(ksm),
                            a => accounts[a as usize].clone(),
                        },
                        amount: Rupiah(amount),
                    })
                    .collect(),
            };
            if balance {
                let sum = entry.lines.iter().try_fold(0i64, |t, l| t.checked_add(l.amount.0));
                if let Some(sum) = sum.filter(|s| *s != 0) {
                    entry.lines.push(Line { account: Account::Cash, amount: Rupiah(sum.wrapping_neg()) });
                }
            }
            let previous = "prev";
            let hash = entry.chain_hash(sequence, previous);
            let mut text = serde_json::to_string(&entry).unwrap();
            let mut scratch = String::new();
            let plain = |t: &str| !t.contains(|c: char| c == '"' || c == '\\' || c.is_control());
            if entry.check().is_ok() && damage.is_none() && plain(&entry.memo) {
                prop_assert_eq!(canonical_follows(&text, sequence, &hash, previous, &mut scratch), Some(true),
                    "an entry as the store writes it (no escapes) is read without parsing: {}", text);
            }
            if let Some((at, byte)) = damage {
                let mut bytes = text.into_bytes();
                let at = at % bytes.len();
                bytes[at] = byte;
                text = String::from_utf8_lossy(&bytes).into_owned();
            }
            let parsed = match serde_json::from_str::<Entry>(&text) {
                Err(_) => Stored::Unreadable,
                Ok(e) if follows(&e, sequence, &hash, previous) => Stored::Follows,
                Ok(_) => Stored::Broken,
            };
            prop_assert_eq!(check_stored(&text, sequence, &hash, previous, &mut scratch), parsed);
            prop_assert_eq!(check_stored(&text, sequence + 1, &hash, previous, &mut scratch) == Stored::Follows, false);
        }
    }
}
