//! The releases of a process as kept: a block for each file of an import
//! that brought new releases of it, their identities, dates and texts
//! compressed together (LZ4). A city's million releases are so ~450,000
//! rows holding a third of the bytes, instead of a million rows and an
//! index of (ocid, identity) beside them. Blocks are only ever added: a
//! later release of a process goes into a block after those held.

use crate::db::{Connection, Transaction};
use crate::{Result, StoreError};
use lumbung_domain::text;
use std::borrow::Cow;
use std::collections::HashSet;

/// The format's version, the first byte of every block.
const VERSION: u8 = 1;

/// LZ4 makes at most this many bytes of one.
const MOST_EXPANSION: usize = 256;

/// The most text a block holds (a release larger alone): a block is read
/// whole. (A few hundred bytes in the store's own tests, so that they
/// split.)
#[cfg(not(test))]
pub(super) const BLOCK_TEXT: usize = 64 << 20;
#[cfg(test)]
pub(super) const BLOCK_TEXT: usize = 256;

/// A block's releases, each its identity, date and text, packed.
pub(super) fn pack<'a>(
    releases: impl IntoIterator<Item = (&'a str, &'a str, &'a str)> + Clone,
) -> Vec<u8> {
    // Sized once: growing it was a fifth of the packing's time.
    let size = (releases.clone().into_iter())
        .map(|(i, d, t)| i.len() + d.len() + t.len() + 3 * 10)
        .sum();
    let mut plain = Vec::with_capacity(size);
    for (identity, date, text) in releases {
        for part in [identity, date, text] {
            put_len(&mut plain, part.len());
            plain.extend_from_slice(part.as_bytes());
        }
    }
    // The version, the plain size, the compressed bytes.
    let mut out = vec![VERSION];
    put_len(&mut out, plain.len());
    let head = out.len();
    out.resize(
        head + lz4_flex::block::get_maximum_output_size(plain.len()),
        0,
    );
    let written = lz4_flex::block::compress_into(&plain, &mut out[head..])
        .expect("the output is sized for the most LZ4 can make");
    out.truncate(head + written);
    out
}

/// How a process's new releases fall into blocks: a run of releases from
/// one file (their imports and text sizes given in order), cut before a
/// release that would take the block past [`BLOCK_TEXT`] (a larger
/// release alone). Each range indexes the releases.
pub(super) fn runs(releases: &[(i64, usize)]) -> Vec<std::ops::Range<usize>> {
    let mut runs = Vec::new();
    let mut start = 0;
    while start < releases.len() {
        let (import, mut bytes) = releases[start];
        let mut end = start + 1;
        while end < releases.len()
            && releases[end].0 == import
            && bytes + releases[end].1 <= BLOCK_TEXT
        {
            bytes += releases[end].1;
            end += 1;
        }
        runs.push(start..end);
        start = end;
    }
    runs
}

/// A release read back from its block.
pub(super) struct Held {
    pub identity: String,
    pub text: String,
}

/// The releases a block holds, in the order they came.
pub(super) fn unpack(block: &[u8]) -> Result<Vec<Held>> {
    let Some((&VERSION, packed)) = block.split_first() else {
        return Err(unreadable());
    };
    let mut at = 0;
    let size = take_len(packed, &mut at).ok_or_else(unreadable)?;
    let compressed = &packed[at..];
    if size > compressed.len().saturating_mul(MOST_EXPANSION) {
        return Err(unreadable());
    }
    let plain = lz4_flex::block::decompress(compressed, size).map_err(|_| unreadable())?;
    if plain.len() != size {
        return Err(unreadable());
    }
    let mut at = 0;
    let mut held = Vec::new();
    while at < plain.len() {
        let mut part = || -> Result<String> {
            let len = take_len(&plain, &mut at).ok_or_else(unreadable)?;
            let bytes = plain.get(at..at.checked_add(len).ok_or_else(unreadable)?);
            at += len;
            let bytes = bytes.ok_or_else(unreadable)?;
            String::from_utf8(bytes.to_vec()).map_err(|_| unreadable())
        };
        let identity = part()?;
        let _date = part()?;
        let text = part()?;
        held.push(Held { identity, text });
    }
    Ok(held)
}

fn unreadable() -> StoreError {
    StoreError::invalid(
        "ocds_release_blocks",
        text!("ocds_block_unreadable";
            id: "rilis sebuah proses yang tersimpan tidak terbaca",
            en: "the releases kept of a process cannot be read"),
    )
}

fn put_len(out: &mut Vec<u8>, n: usize) {
    crate::varint::put(out, n as i64);
}

fn take_len(data: &[u8], at: &mut usize) -> Option<usize> {
    usize::try_from(crate::varint::take(data, at)?).ok()
}

/// Every release held of `ocid`, in the order they came, and the position
/// its next block takes.
pub(super) fn held(conn: &Connection, ocid: &str) -> Result<(Vec<Held>, i64)> {
    let mut read = conn.prepare(
        "SELECT position, packed FROM ocds_release_blocks WHERE ocid = ?1 ORDER BY position",
    )?;
    let mut rows = read.query([ocid])?;
    let (mut releases, mut next) = (Vec::new(), 0);
    while let Some(r) = rows.next()? {
        next = r.get::<_, i64>(0)? + 1;
        releases.extend(unpack(r.get_ref(1)?.as_blob()?)?);
    }
    Ok((releases, next))
}

/// The identities of a process's releases met so far: a few compared
/// one by one (most processes have one to three), many hashed.
#[derive(Default)]
pub(super) struct Identities {
    few: Vec<String>,
    many: HashSet<String>,
}

impl Identities {
    const FEW: usize = 16;

    /// Adds `identity`; whether it was not met before.
    pub(super) fn insert(&mut self, identity: &str) -> bool {
        if self.many.is_empty() {
            if self.few.iter().any(|i| i == identity) {
                return false;
            }
            if self.few.len() < Self::FEW {
                self.few.push(identity.to_owned());
                return true;
            }
            self.many.extend(self.few.drain(..));
        }
        self.many.insert(identity.to_owned())
    }
}

/// Moves the releases of the table that held them one a row (schema 49
/// and before) into blocks as an import makes them ([`runs`]), in the
/// order they came (after migration 50; 51 drops the old table).
pub(crate) fn pack_all(tx: &Transaction<'_>) -> Result<()> {
    let ocids: Vec<String> = crate::sql::all(
        tx,
        "SELECT DISTINCT ocid FROM ocds_releases ORDER BY ocid",
        [],
        |r| r.get(0),
    )?;
    let mut read = tx.prepare(
        "SELECT identity, release_date, release, import_id FROM ocds_releases WHERE ocid = ?1 ORDER BY id",
    )?;
    let mut write = tx.prepare(
        "INSERT INTO ocds_release_blocks (ocid, position, import_id, releases, packed) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for ocid in &ocids {
        let rows: Vec<(String, String, String, i64)> = read
            .query_map([ocid], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<crate::db::Result<_>>()?;
        let sizes: Vec<(i64, usize)> = rows.iter().map(|r| (r.3, r.2.len())).collect();
        for (position, run) in runs(&sizes).into_iter().enumerate() {
            let run = &rows[run];
            let packed = pack(run.iter().map(|(i, d, t, _)| (&**i, &**d, &**t)));
            write.execute(crate::db::params![
                ocid,
                position as i64,
                run[0].3,
                run.len() as i64,
                packed
            ])?;
        }
    }
    Ok(())
}

/// A new release to keep, its text among those of its process.
pub(super) struct NewRelease<'a> {
    pub import: i64,
    pub identity: String,
    pub date: Cow<'a, str>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn a_block_gives_back_what_was_packed(
            releases in prop::collection::vec((".{0,20}", ".{0,12}", ".{0,300}"), 0..6)
        ) {
            let block = pack(releases.iter().map(|(i, d, t)| (&**i, &**d, &**t)));
            let back = unpack(&block).unwrap();
            prop_assert_eq!(back.len(), releases.len());
            for (b, (i, _, t)) in back.iter().zip(&releases) {
                prop_assert_eq!(&b.identity, i);
                prop_assert_eq!(&b.text, t);
            }
        }

        #[test]
        fn a_damaged_block_is_refused_not_a_panic(
            bytes in prop::collection::vec(any::<u8>(), 0..64),
            at in any::<prop::sample::Index>(),
            flip in 1..=255u8,
        ) {
            let _ = unpack(&bytes);
            let good = pack([("1", "2024-01-01", "{\"ocid\":\"o-1\",\"tender\":{\"title\":\"Lamps\"}}")]);
            let mut cut = good.clone();
            cut.truncate(bytes.len() % good.len());
            prop_assert!(unpack(&cut).is_err());
            // Any byte changed (the size's too): read as something or
            // refused, never a panic.
            let mut flipped = good.clone();
            flipped[at.index(good.len())] ^= flip;
            let _ = unpack(&flipped);
        }
    }

    #[test]
    fn runs_keep_to_a_file_and_to_the_block_size() {
        let big = BLOCK_TEXT / 2 + 1;
        assert_eq!(runs(&[]), Vec::<std::ops::Range<usize>>::new());
        assert_eq!(runs(&[(1, 10), (1, 10), (2, 10)]), [0..2, 2..3]);
        assert_eq!(runs(&[(1, big), (1, big), (1, 1)]), [0..1, 1..3]);
        assert_eq!(runs(&[(1, BLOCK_TEXT * 3), (1, 1)]), [0..1, 1..2]);
    }

    #[test]
    fn identities_are_met_once_however_many() {
        let mut seen = Identities::default();
        for round in 0..2 {
            for i in 0..40 {
                assert_eq!(seen.insert(&i.to_string()), round == 0, "{i}");
            }
        }
    }
}
