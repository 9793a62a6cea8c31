//! Whole numbers in the few bytes their size needs, for the blocks the
//! store packs (repayments, releases): zig-zag, then seven bits a byte.

pub(crate) fn put(out: &mut Vec<u8>, v: i64) {
    let mut u = ((v << 1) ^ (v >> 63)) as u64;
    while u >= 0x80 {
        out.push(u as u8 | 0x80);
        u >>= 7;
    }
    out.push(u as u8);
}

/// The number at `at`, which moves past it (`None` when the bytes end
/// first or hold more than 64 bits).
pub(crate) fn take(data: &[u8], at: &mut usize) -> Option<i64> {
    let mut u = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *data.get(*at)?;
        *at += 1;
        u |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            return Some((u >> 1) as i64 ^ -((u & 1) as i64));
        }
    }
    None
}
