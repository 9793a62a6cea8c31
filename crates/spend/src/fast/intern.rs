//! Interning keys into dense ids: [`KeyMap`], [`Interner`] and the
//! suppliers each thread meets.

use super::*;

/// Byte keys → ids, kept compact so that lookups stay in cache: keys of
/// up to 7 bytes and all-digit keys of up to 16 digits (supplier ids,
/// sector codes) live inline as one `u64`, keys of up to 15 bytes (anchor
/// names) as one `u128`; longer keys are boxed.
#[derive(Default)]
pub(super) struct KeyMap {
    pub(super) small: FxHashMap<u64, u32>,
    pub(super) mid: FxHashMap<u128, u32>,
    pub(super) long: FxHashMap<Box<[u8]>, u32>,
}

pub(super) enum Packed {
    Small(u64),
    Mid(u128),
    Long,
}

/// Digits flag of a small key.
pub(super) const DIGITS: u64 = 1 << 63;

/// Up to 7 bytes, little-endian, without a round trip through memory.
#[inline]
pub(super) fn le_bytes(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .enumerate()
        .fold(0, |v, (i, &b)| v | (b as u64) << (8 * i))
}

#[inline]
pub(super) fn pack(key: &[u8]) -> Packed {
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

pub(super) fn unpack_small(k: u64) -> Vec<u8> {
    if k & DIGITS != 0 {
        let n = (k >> 56 & 0x7f) as usize;
        let v = k & ((1 << 56) - 1);
        format!("{v:0n$}").into_bytes()
    } else {
        let b = k.to_le_bytes();
        b[..b[7] as usize].to_vec()
    }
}

pub(super) fn unpack_mid(k: u128) -> Vec<u8> {
    let b = k.to_le_bytes();
    b[..b[15] as usize].to_vec()
}

impl KeyMap {
    #[inline]
    pub(super) fn get(&self, key: &[u8]) -> Option<u32> {
        match pack(key) {
            Packed::Small(k) => self.small.get(&k).copied(),
            Packed::Mid(k) => self.mid.get(&k).copied(),
            Packed::Long => self.long.get(key).copied(),
        }
    }

    pub(super) fn insert(&mut self, key: &[u8], id: u32) {
        match pack(key) {
            Packed::Small(k) => self.small.insert(k, id),
            Packed::Mid(k) => self.mid.insert(k, id),
            Packed::Long => self.long.insert(key.into(), id),
        };
    }

    /// Every key with its id.
    pub(super) fn entries(&self) -> impl Iterator<Item = (Vec<u8>, u32)> + '_ {
        let small = self.small.iter().map(|(k, &id)| (unpack_small(*k), id));
        let mid = self.mid.iter().map(|(k, &id)| (unpack_mid(*k), id));
        let long = self.long.iter().map(|(k, &id)| (k.to_vec(), id));
        small.chain(mid).chain(long)
    }
}

/// Keys → dense local ids, with the place each key was first seen. A
/// small direct-mapped cache in front answers for dictionaries of a few
/// hundred keys (anchors, sectors) without a hash-table probe.
pub(super) struct Interner {
    pub(super) map: KeyMap,
    pub(super) first: Vec<u64>,
    pub(super) cache: Box<[(u128, u32); CACHE]>,
}

pub(super) const CACHE: usize = 256;

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
    pub(super) fn intern(&mut self, key: &[u8], first: u64) -> u32 {
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
pub(super) struct LocalSupplier {
    pub(super) id: Option<(u32, u32)>,
    pub(super) name: (u32, u32),
    pub(super) postcode: Option<(u32, u32)>,
    pub(super) first: u64,
    /// [`crate::suppliers::name_key`] of a supplier without an id.
    pub(super) name_key: Option<String>,
}

#[derive(Default)]
pub(super) struct Suppliers {
    pub(super) by_id: KeyMap,
    /// Name and postcode as written → supplier (a cache in front of
    /// `by_name_key`).
    pub(super) by_name: KeyMap,
    pub(super) by_name_key: FxHashMap<String, u32>,
    pub(super) list: Vec<LocalSupplier>,
    pub(super) text: Vec<u8>,
}

impl Suppliers {
    /// A new supplier (the name defaults to the id); its local id.
    pub(super) fn add(
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

    pub(super) fn text(&self, (start, len): (u32, u32)) -> String {
        let bytes = &self.text[start as usize..(start + len) as usize];
        // Blocks with bytes that are not UTF-8 reject the file, so this is
        // UTF-8 whenever the result is used.
        String::from_utf8(bytes.to_vec())
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }

    pub(super) fn file_supplier(&self, s: &LocalSupplier) -> FileSupplier {
        FileSupplier {
            id: s.id.map(|r| self.text(r)),
            name: self.text(s.name),
            postcode: s.postcode.map(|r| self.text(r)),
        }
    }
}
