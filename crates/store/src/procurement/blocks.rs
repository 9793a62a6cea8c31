//! The releases as kept: in chunks of a few hundred kilobytes of text
//! compressed together (LZ4), each chunk the new releases of consecutive
//! processes from one file of an import, each release with its process,
//! identity and date; a process's row lists the chunks holding its
//! releases, in the order they came. A city's million releases are so
//! ~4,000 rows holding a fifth of the bytes: a block for each process
//! (schema 50 to 55) was ~450,000 rows, compressed 2.4 times instead of
//! 5.5 times, and a third of a city's import. Chunks are only ever added.
//! The blocks a process of schema 50 to 55 are read once, when the
//! database is migrated.

use crate::db::{Connection, Transaction};
use crate::{Result, StoreError};
use lumbung_domain::text;
use std::borrow::Cow;
use std::collections::HashSet;
use std::ops::Range;
use std::rc::Rc;

/// The first byte of a process's block (schema 50 to 55).
const BLOCK_VERSION: u8 = 1;
/// The first byte of a chunk.
const CHUNK_VERSION: u8 = 2;

/// LZ4 makes at most this many bytes of one.
const MOST_EXPANSION: usize = 256;

/// The text a chunk holds before it is cut (a release larger alone): a
/// chunk is read whole to read one process. Past ~256 KB JSON compresses
/// no better. (A few hundred bytes in the store's own tests, so that
/// they split.)
#[cfg(not(test))]
pub(super) const CHUNK_TEXT: usize = 256 << 10;
#[cfg(test)]
pub(super) const CHUNK_TEXT: usize = 256;

/// The most a thread's packing buffers keep between chunks.
const SCRATCH_KEPT: usize = 4 << 20;

/// The most text a process's block held (schema 50 to 55).
const BLOCK_TEXT: usize = 64 << 20;

/// Parts, each its length then its bytes, compressed behind `version`.
fn pack_parts<'a>(version: u8, parts: impl Iterator<Item = &'a str> + Clone) -> Vec<u8> {
    // Each thread packs in buffers of its own, kept from one chunk to the
    // next: a chunk's own were a memset of the text's size and fresh
    // pages each time.
    thread_local! {
        static SCRATCH: std::cell::RefCell<(Vec<u8>, Vec<u8>)> = Default::default();
    }
    SCRATCH.with_borrow_mut(|(plain, compressed)| {
        plain.clear();
        // Sized once: growing it was a fifth of the packing's time.
        plain.reserve(parts.clone().map(|p| p.len() + 10).sum());
        for part in parts {
            put_len(plain, part.len());
            plain.extend_from_slice(part.as_bytes());
        }
        let most = lz4_flex::block::get_maximum_output_size(plain.len());
        if compressed.len() < most {
            compressed.resize(most, 0);
        }
        let written = lz4_flex::block::compress_into(plain, compressed)
            .expect("the output is sized for the most LZ4 can make");
        // The version, the plain size, the compressed bytes.
        let mut out = Vec::with_capacity(written + 11);
        out.push(version);
        put_len(&mut out, plain.len());
        out.extend_from_slice(&compressed[..written]);
        // A release far larger than a chunk leaves no buffer behind its
        // size on a thread that lives on (a server's).
        if plain.capacity() > SCRATCH_KEPT {
            *plain = Vec::new();
            *compressed = Vec::new();
        }
        out
    })
}

/// The text of a block or chunk of `version` and where each of its parts
/// lies in it, `width` parts to a release.
fn unpack_parts(block: &[u8], version: u8, width: usize) -> Result<Unpacked> {
    let Some((&v, packed)) = block.split_first() else {
        return Err(unreadable());
    };
    if v != version {
        return Err(unreadable());
    }
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
    // The parts' texts end to end, each checked once: a chunk is read
    // for each of the processes it holds.
    let mut text = String::with_capacity(plain.len());
    let mut parts = Vec::new();
    let mut at = 0;
    while at < plain.len() {
        let len = take_len(&plain, &mut at).ok_or_else(unreadable)?;
        let end = at.checked_add(len).filter(|&e| e <= plain.len());
        let end = end.ok_or_else(unreadable)?;
        let part = std::str::from_utf8(&plain[at..end]).map_err(|_| unreadable())?;
        parts.push(text.len()..text.len() + len);
        text.push_str(part);
        at = end;
    }
    if parts.len() % width != 0 {
        return Err(unreadable());
    }
    Ok(Unpacked { text, parts })
}

/// A block's or chunk's texts, end to end, and where each lies.
struct Unpacked {
    text: String,
    parts: Vec<Range<usize>>,
}

impl Unpacked {
    fn part(&self, k: usize) -> &str {
        &self.text[self.parts[k].clone()]
    }
}

/// A chunk of releases, each its process's ocid, identity, date and text.
pub(super) fn pack_chunk<'a>(releases: impl Iterator<Item = [&'a str; 4]> + Clone) -> Vec<u8> {
    pack_parts(CHUNK_VERSION, releases.flatten())
}

/// A chunk read back: its text and the parts of each release.
pub(super) struct Chunk {
    unpacked: Unpacked,
}

impl Chunk {
    pub(super) fn unpack(bytes: &[u8]) -> Result<Chunk> {
        unpack_parts(bytes, CHUNK_VERSION, 4).map(|unpacked| Chunk { unpacked })
    }

    /// Each release, its ocid, identity, date and text, in the order they came.
    pub(super) fn releases(&self) -> impl Iterator<Item = [&str; 4]> {
        let u = &self.unpacked;
        (0..u.parts.len() / 4).map(move |r| std::array::from_fn(|i| u.part(4 * r + i)))
    }
}

/// How a batch's new releases of one file fall into chunks: cut before a
/// release that would take a chunk past [`CHUNK_TEXT`] (a larger release
/// alone). Each range indexes the releases, by their text sizes.
pub(super) fn cuts(sizes: &[usize]) -> Vec<Range<usize>> {
    let mut cuts = Vec::new();
    let mut start = 0;
    while start < sizes.len() {
        let mut bytes = sizes[start];
        let mut end = start + 1;
        while end < sizes.len() && bytes + sizes[end] <= CHUNK_TEXT {
            bytes += sizes[end];
            end += 1;
        }
        cuts.push(start..end);
        start = end;
    }
    cuts
}

/// A process's chunks as its row lists them.
pub(super) fn encode_chunks(ids: &[i64]) -> Vec<u8> {
    let mut out = Vec::with_capacity(ids.len() * 3);
    for &id in ids {
        crate::varint::put(&mut out, id);
    }
    out
}

fn decode_chunks(bytes: &[u8]) -> Result<Vec<i64>> {
    let (mut ids, mut at) = (Vec::new(), 0);
    while at < bytes.len() {
        ids.push(crate::varint::take(bytes, &mut at).ok_or_else(unreadable)?);
    }
    Ok(ids)
}

/// A release read back.
pub(super) struct Held {
    pub import: i64,
    pub identity: String,
    pub date: String,
    pub text: String,
}

fn unreadable() -> StoreError {
    StoreError::invalid(
        "ocds_release_chunks",
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

/// The chunks read last, with their imports: processes are read in ocid
/// order and lie together in their chunks, so that a chunk is read once
/// for the few hundred processes it holds, not once for each.
#[derive(Default)]
pub(super) struct Chunks {
    recent: Vec<(i64, i64, Rc<Chunk>)>,
}

impl Chunks {
    const KEPT: usize = 8;

    fn get(&mut self, conn: &Connection, id: i64) -> Result<(i64, Rc<Chunk>)> {
        if let Some(k) = self.recent.iter().position(|(i, _, _)| *i == id) {
            let (_, import, chunk) = &self.recent[k];
            return Ok((*import, Rc::clone(chunk)));
        }
        let (import, packed): (i64, Vec<u8>) = conn.query_row(
            "SELECT import_id, packed FROM ocds_release_chunks WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let chunk = Rc::new(Chunk::unpack(&packed)?);
        if self.recent.len() == Self::KEPT {
            self.recent.remove(0);
        }
        self.recent.push((id, import, Rc::clone(&chunk)));
        Ok((import, chunk))
    }

    /// Every release held of `ocid`, in the order they came, and the
    /// chunks holding them.
    pub(super) fn held(&mut self, conn: &Connection, ocid: &str) -> Result<(Vec<Held>, Vec<i64>)> {
        let listed: Option<Option<Vec<u8>>> = crate::sql::optional_row(
            conn,
            "SELECT chunks FROM ocds_processes WHERE ocid = ?1",
            [ocid],
            |r| r.get(0),
        )?;
        let ids = decode_chunks(&listed.flatten().unwrap_or_default())?;
        let mut held = Vec::new();
        for &id in &ids {
            let (import, chunk) = self.get(conn, id)?;
            let before = held.len();
            held.extend((chunk.releases()).filter(|[o, ..]| *o == ocid).map(
                |[_, identity, date, text]| Held {
                    import,
                    identity: identity.to_owned(),
                    date: date.to_owned(),
                    text: text.to_owned(),
                },
            ));
            if held.len() == before {
                // A chunk listed that holds none of it: damage.
                return Err(unreadable());
            }
        }
        Ok((held, ids))
    }
}

/// The identities of a process's releases met so far: a few compared
/// one by one (most processes have one to three), many hashed.
#[derive(Default)]
pub(super) struct Identities<'a> {
    few: Vec<Cow<'a, str>>,
    many: HashSet<Cow<'a, str>>,
}

impl<'a> Identities<'a> {
    const FEW: usize = 16;

    /// Adds `identity`; whether it was not met before.
    pub(super) fn insert(&mut self, identity: Cow<'a, str>) -> bool {
        if self.many.is_empty() {
            if self.few.contains(&identity) {
                return false;
            }
            if self.few.len() < Self::FEW {
                self.few.push(identity);
                return true;
            }
            self.many.extend(self.few.drain(..));
        }
        self.many.insert(identity)
    }
}

/// A new release to keep, its text among those of its process.
pub(super) struct NewRelease<'a> {
    pub import: i64,
    pub identity: Cow<'a, str>,
    pub date: Cow<'a, str>,
    /// Checked when read; else only scanned, to be checked as its process
    /// is compiled.
    pub checked: bool,
}

/// Moves the releases of the table that held them one a row (schema 49
/// and before) into a block for each process and import, in the order
/// they came (after migration 50; 51 drops the old table; 56 moves the
/// blocks into chunks).
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
        let mut position = 0i64;
        let mut start = 0;
        while start < rows.len() {
            // A run from one import, up to BLOCK_TEXT of text.
            let (import, mut bytes) = (rows[start].3, rows[start].2.len());
            let mut end = start + 1;
            while end < rows.len()
                && rows[end].3 == import
                && bytes + rows[end].2.len() <= BLOCK_TEXT
            {
                bytes += rows[end].2.len();
                end += 1;
            }
            let run = &rows[start..end];
            let parts = run.iter().flat_map(|(i, d, t, _)| [&**i, &**d, &**t]);
            let packed = pack_parts(BLOCK_VERSION, parts);
            write.execute(crate::db::params![
                ocid,
                position,
                import,
                run.len() as i64,
                packed
            ])?;
            position += 1;
            start = end;
        }
    }
    Ok(())
}

/// Every release a process's blocks held (schema 50 to 55), in the order
/// they came, for migration 56 to move them into chunks.
pub(super) fn held_in_blocks(conn: &Connection, ocid: &str) -> Result<Vec<Held>> {
    let blocks: Vec<(i64, Vec<u8>)> = crate::sql::all(
        conn,
        "SELECT import_id, packed FROM ocds_release_blocks WHERE ocid = ?1 ORDER BY position",
        [ocid],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let mut held = Vec::new();
    for (import, packed) in blocks {
        let u = unpack_parts(&packed, BLOCK_VERSION, 3)?;
        held.extend((0..u.parts.len() / 3).map(|r| Held {
            import,
            identity: u.part(3 * r).to_owned(),
            date: u.part(3 * r + 1).to_owned(),
            text: u.part(3 * r + 2).to_owned(),
        }));
    }
    Ok(held)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn a_chunk_gives_back_what_was_packed(
            releases in prop::collection::vec(
                (".{0,10}", ".{0,20}", ".{0,12}", ".{0,300}").prop_map(|(o, i, d, t)| [o, i, d, t]),
                0..6,
            )
        ) {
            let chunk = pack_chunk(releases.iter().map(|r| r.each_ref().map(String::as_str)));
            let back = Chunk::unpack(&chunk).unwrap();
            let back: Vec<[String; 4]> = back.releases().map(|r| r.map(str::to_owned)).collect();
            prop_assert_eq!(back, releases);
        }

        #[test]
        fn a_damaged_chunk_is_refused_not_a_panic(
            bytes in prop::collection::vec(any::<u8>(), 0..64),
            at in any::<prop::sample::Index>(),
            flip in 1..=255u8,
        ) {
            let _ = Chunk::unpack(&bytes);
            let good = pack_chunk([["o-1", "1", "2024-01-01", "{\"ocid\":\"o-1\",\"tender\":{\"title\":\"Lamps\"}}"]].into_iter());
            let mut cut = good.clone();
            cut.truncate(bytes.len() % good.len());
            prop_assert!(Chunk::unpack(&cut).is_err());
            // Any byte changed (the size's too): read as something or
            // refused, never a panic.
            let mut flipped = good.clone();
            flipped[at.index(good.len())] ^= flip;
            if let Ok(chunk) = Chunk::unpack(&flipped) {
                let _ = chunk.releases().count();
            }
        }

        #[test]
        fn a_process_lists_its_chunks_in_a_few_bytes(ids in prop::collection::vec(0i64..1 << 40, 0..20)) {
            prop_assert_eq!(decode_chunks(&encode_chunks(&ids)).unwrap(), ids);
        }
    }

    #[test]
    fn a_chunk_is_not_read_as_a_block_nor_a_block_as_a_chunk() {
        let chunk = pack_chunk([["o-1", "1", "2024-01-01", "{}"]].into_iter());
        assert!(unpack_parts(&chunk, BLOCK_VERSION, 3).is_err());
        let block = pack_parts(BLOCK_VERSION, ["1", "2024-01-01", "{}"].into_iter());
        assert!(Chunk::unpack(&block).is_err());
        // Three parts are not a release of four.
        let short = pack_parts(CHUNK_VERSION, ["o-1", "1", "{}"].into_iter());
        assert!(Chunk::unpack(&short).is_err());
    }

    #[test]
    fn cuts_keep_to_the_chunk_size() {
        let big = CHUNK_TEXT / 2 + 1;
        assert_eq!(cuts(&[]), Vec::<Range<usize>>::new());
        assert_eq!(cuts(&[10, 10, 10]), vec![Range { start: 0, end: 3 }]);
        assert_eq!(cuts(&[big, big, 1]), [0..1, 1..3]);
        assert_eq!(cuts(&[CHUNK_TEXT * 3, 1]), [0..1, 1..2]);
    }

    #[test]
    fn identities_are_met_once_however_many() {
        let mut seen = Identities::default();
        for round in 0..2 {
            for i in 0..40 {
                assert_eq!(seen.insert(i.to_string().into()), round == 0, "{i}");
            }
        }
    }
}
