//! The RW and RT of one kelurahan, as stored in the area tree.

use lumbung_domain::{AreaCode, ParseError};
use std::collections::{BTreeMap, BTreeSet};

/// A kelurahan with its RTs, each linked to its RW. Built from the stored
/// area tree (areas of kind `rt` under areas of kind `rw` under the
/// kelurahan): codes are opaque, so the RW of an RT is the parent link,
/// never read off the code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KelurahanAreas {
    kelurahan: AreaCode,
    rw_of: BTreeMap<AreaCode, AreaCode>,
}

impl KelurahanAreas {
    /// From `(rw, rt)` pairs of stored codes.
    pub fn new(
        kelurahan: AreaCode,
        rts: impl IntoIterator<Item = (AreaCode, AreaCode)>,
    ) -> KelurahanAreas {
        KelurahanAreas {
            kelurahan,
            rw_of: rts.into_iter().map(|(rw, rt)| (rt, rw)).collect(),
        }
    }

    /// From `(rw number, rt number)` pairs, with codes made by the
    /// convention `<kelurahan>.<RW 2 digits>.<RT 3 digits>`.
    pub fn by_convention(
        kelurahan: AreaCode,
        rts: &[(u16, u16)],
    ) -> Result<KelurahanAreas, ParseError> {
        let mut pairs = Vec::new();
        for &(rw, rt) in rts {
            let rw = kelurahan.rw(rw)?;
            let rt = rw.rt(rt)?;
            pairs.push((rw, rt));
        }
        Ok(Self::new(kelurahan, pairs))
    }

    pub fn kelurahan(&self) -> &AreaCode {
        &self.kelurahan
    }

    /// The RW an RT belongs to; `None` when the RT is not in this kelurahan.
    pub fn rw_of(&self, rt: &AreaCode) -> Option<&AreaCode> {
        self.rw_of.get(rt)
    }

    /// Every RT, in code order.
    pub fn rts(&self) -> impl Iterator<Item = &AreaCode> {
        self.rw_of.keys()
    }

    /// Every RW that has an RT, in code order.
    pub fn rws(&self) -> BTreeSet<&AreaCode> {
        self.rw_of.values().collect()
    }
}
