//! Where suppliers are: postcode → local, regional, outside or unknown.

use super::*;

/// The key [`classify_suppliers`] memoises a short ASCII postal code by,
/// as [`PostalCode`] would make it: upper case without spaces, the outward
/// code for a UK postcode. None when the slow path must decide.
pub(super) fn memo_key<'b>(raw: &str, buf: &'b mut [u8; 16]) -> Option<&'b str> {
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
