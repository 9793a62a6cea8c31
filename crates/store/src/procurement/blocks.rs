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
/// and before) into blocks, a block for each run of a process's releases
/// from one import, in the order they came (after migration 50; 51 drops
/// the old table).
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
        for (position, run) in rows.chunk_by(|a, b| a.3 == b.3).enumerate() {
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
        fn a_damaged_block_is_refused_not_a_panic(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
            let _ = unpack(&bytes);
            let mut block = pack([("1", "2024-01-01", "{\"ocid\":\"o-1\"}")]);
            block.truncate(bytes.len() % block.len());
            prop_assert!(unpack(&block).is_err());
        }
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
