//! Areas: a tree of territories identified by opaque codes.
//!
//! Indonesian RW and RT are areas under their kelurahan. Their codes extend
//! the kelurahan code with dot-separated, zero-padded numbers: RW 3 of
//! kelurahan `3604010001` is `3604010001.03`, its RT 5 is `3604010001.03.005`.

use crate::ParseError;
use serde::Serialize;
use std::fmt;

const MAX_CODE_LEN: usize = 64;

/// An area code: 1–64 characters from `A–Z a–z 0–9 . - _`. Opaque: the tree
/// comes from the parent link, never from the shape of the code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct AreaCode(String);

impl AreaCode {
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let code = raw.trim();
        if code.is_empty() {
            return Err(ParseError::new("area code is empty"));
        }
        if code.len() > MAX_CODE_LEN {
            return Err(ParseError::new(format!(
                "area code is longer than {MAX_CODE_LEN} characters"
            )));
        }
        if let Some(bad) = code
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')))
        {
            return Err(ParseError::new(format!(
                "area code {code:?} contains {bad:?}; only letters, digits, '.', '-' and '_' are allowed"
            )));
        }
        Ok(Self(code.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The RW numbered `rw` under this kelurahan (`3604010001.03`).
    pub fn rw(&self, rw: u16) -> Result<Self, ParseError> {
        Self::parse(&format!("{}.{rw:02}", self.0))
    }

    /// The RT numbered `rt` under this RW (`3604010001.03.005`).
    pub fn rt(&self, rt: u16) -> Result<Self, ParseError> {
        Self::parse(&format!("{}.{rt:03}", self.0))
    }
}

impl fmt::Display for AreaCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What an area is (country, province, regency, district, kelurahan, rw, rt,
/// county, unitary, …): a lowercase word, open-ended because every country
/// names its tiers differently.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct AreaKind(String);

impl AreaKind {
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let kind = raw.trim().to_lowercase();
        if kind.is_empty() || kind.len() > 32 {
            return Err(ParseError::new("area kind must be 1–32 characters"));
        }
        if !kind
            .chars()
            .all(|c| c.is_ascii_lowercase() || c == '_' || c == '-')
        {
            return Err(ParseError::new(format!(
                "area kind {kind:?} must be a word of letters, '-' or '_'"
            )));
        }
        Ok(Self(kind))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The materialised path of an area: `/ID/36/3604/` — its ancestors' codes
/// and its own, each followed by `/`. A subtree is every path that starts
/// with the root's path, which makes "this area and everything under it" one
/// indexed range query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct AreaPath(String);

impl AreaPath {
    pub fn root(code: &AreaCode) -> Self {
        Self(format!("/{code}/"))
    }

    pub fn child(&self, code: &AreaCode) -> Self {
        Self(format!("{}{code}/", self.0))
    }

    /// Rebuilds a path read back from storage.
    pub fn from_stored(raw: String) -> Self {
        Self(raw)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True when `other` is this area or lies under it.
    pub fn contains(&self, other: &AreaPath) -> bool {
        other.0.starts_with(&self.0)
    }

    /// The exclusive upper bound of the subtree's paths in byte order
    /// (`/` + 1 is `0`), for range scans.
    pub fn subtree_end(&self) -> String {
        let mut end = self.0.clone();
        end.pop();
        end.push('0');
        end
    }

    pub fn depth(&self) -> usize {
        self.0.matches('/').count() - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn codes_are_trimmed_and_checked() {
        assert_eq!(AreaCode::parse(" E07000123 ").unwrap().as_str(), "E07000123");
        assert!(AreaCode::parse("").is_err());
        assert!(AreaCode::parse("36 04").is_err());
        assert!(AreaCode::parse("a/b").is_err());
        assert!(AreaCode::parse(&"9".repeat(65)).is_err());
        assert!(AreaCode::parse("UK-OTHER").is_ok());
    }

    #[test]
    fn rw_and_rt_codes_follow_the_convention() {
        let kel = AreaCode::parse("3604010001").unwrap();
        let rw = kel.rw(3).unwrap();
        assert_eq!(rw.as_str(), "3604010001.03");
        assert_eq!(rw.rt(5).unwrap().as_str(), "3604010001.03.005");
    }

    #[test]
    fn kinds_are_lowercase_words() {
        assert_eq!(AreaKind::parse(" Kelurahan ").unwrap().as_str(), "kelurahan");
        assert!(AreaKind::parse("rt 1").is_err());
        assert!(AreaKind::parse("").is_err());
    }

    #[test]
    fn paths_contain_their_subtree_only() {
        let id = AreaCode::parse("ID").unwrap();
        let p36 = AreaCode::parse("36").unwrap();
        let p3 = AreaCode::parse("3").unwrap();
        let root = AreaPath::root(&id);
        let banten = root.child(&p36);
        let other = root.child(&p3);
        assert!(root.contains(&banten));
        assert!(banten.contains(&banten));
        assert!(!other.contains(&banten), "code 3 is a prefix of 36 but not its parent");
        assert_eq!(banten.depth(), 2);
    }

    proptest! {
        #[test]
        fn subtree_end_bounds_every_descendant(a in "[A-Za-z0-9._-]{1,8}", b in "[A-Za-z0-9._-]{1,8}") {
            let root = AreaPath::root(&AreaCode::parse(&a).unwrap());
            let child = root.child(&AreaCode::parse(&b).unwrap());
            prop_assert!(child.as_str() >= root.as_str());
            prop_assert!(child.as_str() < root.subtree_end().as_str());
        }
    }
}
