//! Areas: a tree of territories identified by opaque codes.
//!
//! Indonesian RW and RT are areas under their kelurahan. Their codes extend
//! the kelurahan code with dot-separated, zero-padded numbers: RW 3 of
//! kelurahan `3604010001` is `3604010001.03`, its RT 5 is `3604010001.03.005`.

use crate::{text, ParseError};
use serde::Serialize;
use std::fmt;

const MAX_CODE_LEN: usize = 64;

/// An area code: 1–64 characters from `A–Z a–z 0–9 . - _`. Opaque: the tree
/// comes from the parent link, never from the shape of the code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
#[serde(transparent)]
pub struct AreaCode(String);

impl AreaCode {
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let code = raw.trim();
        if code.is_empty() {
            return Err(ParseError::new(text!("area_code_empty";
                id: "kode wilayah kosong", en: "area code is empty")));
        }
        if code.len() > MAX_CODE_LEN {
            return Err(ParseError::new(
                text!("area_code_too_long", max = MAX_CODE_LEN;
                id: "kode wilayah lebih dari {max} karakter",
                en: "area code is longer than {max} characters"),
            ));
        }
        if let Some(bad) = code
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')))
        {
            return Err(ParseError::new(text!("area_code_character",
                code = format!("{code:?}"), bad = format!("{bad:?}");
                id: "kode wilayah {code} memuat {bad}; hanya huruf, angka, '.', '-' dan '_' yang boleh",
                en: "area code {code} contains {bad}; only letters, digits, '.', '-' and '_' are allowed")));
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
            return Err(ParseError::new(text!("area_kind_length";
                id: "jenis wilayah harus 1–32 karakter", en: "area kind must be 1–32 characters")));
        }
        if !kind
            .chars()
            .all(|c| c.is_ascii_lowercase() || c == '_' || c == '-')
        {
            return Err(ParseError::new(
                text!("area_kind_word", kind = format!("{kind:?}");
                id: "jenis wilayah {kind} harus satu kata dari huruf, '-' atau '_'",
                en: "area kind {kind} must be a word of letters, '-' or '_'"),
            ));
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
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
        assert_eq!(
            AreaCode::parse(" E07000123 ").unwrap().as_str(),
            "E07000123"
        );
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
        assert_eq!(
            AreaKind::parse(" Kelurahan ").unwrap().as_str(),
            "kelurahan"
        );
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
        assert!(
            !other.contains(&banten),
            "code 3 is a prefix of 36 but not its parent"
        );
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

/// One area as a file or form gives it, already parsed, with the line it
/// came from (for error messages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AreaRecord {
    pub line: u64,
    pub code: AreaCode,
    pub name: String,
    pub parent: Option<AreaCode>,
    pub kind: Option<AreaKind>,
}

/// An area as stored: what a batch is checked against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredArea {
    pub name: String,
    pub parent: Option<AreaCode>,
    pub kind: Option<AreaKind>,
}

/// What applying a batch of areas will do.
#[derive(Debug, Default)]
pub struct AreaPlan {
    pub inserts: Vec<AreaRecord>,
    pub updates: Vec<AreaRecord>,
    pub unchanged: u64,
    /// True when some existing area gets a new parent, so stored paths of
    /// whole subtrees change.
    pub moves: bool,
}

/// Checks a batch against itself and the stored tree: duplicate codes,
/// parents that exist nowhere, and cycles. Returns every problem, or the
/// plan. Pure, so the rules are tested without a database.
pub fn plan_area_import(
    records: Vec<AreaRecord>,
    stored: &std::collections::HashMap<AreaCode, StoredArea>,
) -> Result<AreaPlan, Vec<crate::import::RowError>> {
    use crate::import::RowError;
    use std::collections::HashMap;

    let mut errors = Vec::new();
    let mut first_lines = lumbung_tabular::FirstLines::default();
    for r in &records {
        if let Some(first) = first_lines.repeat_of(&r.code, r.line) {
            errors.push(RowError::new(
                r.line,
                Some("code"),
                text!("duplicate_area_code", code = r.code, first = first;
                    id: "kode {code} ganda (pertama di baris {first})",
                    en: "duplicate code {code} (first on line {first})"),
            ));
        }
    }
    let in_file: HashMap<&AreaCode, &AreaRecord> = records.iter().map(|r| (&r.code, r)).collect();
    let parent_of = |code: &AreaCode| -> Option<AreaCode> {
        match in_file.get(code) {
            Some(r) => r.parent.clone(),
            None => stored.get(code).and_then(|s| s.parent.clone()),
        }
    };
    for r in &records {
        if let Some(parent) = &r.parent {
            if parent == &r.code {
                errors.push(RowError::new(
                    r.line,
                    Some("parent_code"),
                    text!("area_own_parent", code = r.code;
                        id: "wilayah {code} menjadi induknya sendiri",
                        en: "area {code} is its own parent"),
                ));
            } else if !in_file.contains_key(parent) && !stored.contains_key(parent) {
                errors.push(RowError::new(
                    r.line,
                    Some("parent_code"),
                    text!("parent_not_found", parent = parent;
                        id: "induk {parent} tidak ada di berkas ini maupun yang tersimpan",
                        en: "parent {parent} is neither in this file nor stored"),
                ));
            }
        }
    }
    // A cycle is found by walking up from each record; the walk is bounded
    // by the number of known areas, and areas already proven to reach a
    // root are not walked again.
    let mut reaches_root: std::collections::HashSet<AreaCode> = std::collections::HashSet::new();
    let limit = in_file.len() + stored.len() + 1;
    for r in &records {
        let mut trail = vec![r.code.clone()];
        let mut current = r.code.clone();
        let mut cyclic = false;
        while let Some(parent) = parent_of(&current) {
            if reaches_root.contains(&parent) {
                break;
            }
            if trail.contains(&parent) || trail.len() > limit {
                cyclic = parent != r.code || trail.len() > 1;
                break;
            }
            if !in_file.contains_key(&parent) && !stored.contains_key(&parent) {
                break;
            }
            trail.push(parent.clone());
            current = parent;
        }
        if cyclic {
            let chain: Vec<_> = trail.iter().map(AreaCode::as_str).collect();
            errors.push(RowError::new(
                r.line,
                Some("parent_code"),
                text!("parent_cycle", chain = chain.join(" → ");
                    id: "tautan induk membentuk lingkaran: {chain} → …",
                    en: "parent links form a cycle: {chain} → …"),
            ));
        } else {
            reaches_root.extend(trail);
        }
    }
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.line);
        return Err(errors);
    }

    let mut plan = AreaPlan::default();
    for r in records {
        match stored.get(&r.code) {
            None => plan.inserts.push(r),
            Some(s) if s.name == r.name && s.parent == r.parent && s.kind == r.kind => {
                plan.unchanged += 1
            }
            Some(s) => {
                plan.moves |= s.parent != r.parent;
                plan.updates.push(r);
            }
        }
    }
    Ok(plan)
}

#[cfg(test)]
mod plan_tests {
    use super::*;
    use std::collections::HashMap;

    fn rec(line: u64, code: &str, parent: Option<&str>) -> AreaRecord {
        AreaRecord {
            line,
            code: AreaCode::parse(code).unwrap(),
            name: format!("Area {code}"),
            parent: parent.map(|p| AreaCode::parse(p).unwrap()),
            kind: None,
        }
    }

    fn stored(entries: &[(&str, Option<&str>)]) -> HashMap<AreaCode, StoredArea> {
        entries
            .iter()
            .map(|(c, p)| {
                (
                    AreaCode::parse(c).unwrap(),
                    StoredArea {
                        name: format!("Area {c}"),
                        parent: p.map(|p| AreaCode::parse(p).unwrap()),
                        kind: None,
                    },
                )
            })
            .collect()
    }

    #[test]
    fn parents_may_come_later_in_the_file_or_from_the_store() {
        let plan = plan_area_import(
            vec![rec(2, "B", Some("A")), rec(3, "A", Some("ROOT"))],
            &stored(&[("ROOT", None)]),
        )
        .unwrap();
        assert_eq!(plan.inserts.len(), 2);
    }

    #[test]
    fn every_problem_is_reported_with_its_line() {
        let errors = plan_area_import(
            vec![
                rec(2, "A", None),
                rec(3, "A", None),
                rec(4, "B", Some("MISSING")),
                rec(5, "C", Some("D")),
                rec(6, "D", Some("C")),
                rec(7, "E", Some("E")),
            ],
            &HashMap::new(),
        )
        .unwrap_err();
        let lines: Vec<_> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![3, 4, 5, 6, 7], "{errors:#?}");
        assert!(errors[0]
            .message
            .contains("duplicate code A (first on line 2)"));
        assert!(errors[1].message.contains("MISSING"));
        assert!(errors[2].message.contains("cycle"));
        assert!(errors.iter().all(|e| e.column.is_some()));
    }

    #[test]
    fn a_cycle_through_stored_areas_is_found() {
        // Stored: X under Y. The file puts Y under X.
        let errors = plan_area_import(
            vec![rec(2, "Y", Some("X"))],
            &stored(&[("Y", None), ("X", Some("Y"))]),
        )
        .unwrap_err();
        assert!(errors[0].message.contains("cycle"), "{errors:?}");
    }

    #[test]
    fn same_rows_again_change_nothing() {
        let plan = plan_area_import(vec![rec(2, "A", None)], &stored(&[("A", None)])).unwrap();
        assert_eq!(
            (plan.inserts.len(), plan.updates.len(), plan.unchanged),
            (0, 0, 1)
        );
        let mut moved = rec(2, "A", Some("B"));
        moved.name = "Area A".into();
        let plan = plan_area_import(vec![moved], &stored(&[("A", None), ("B", None)])).unwrap();
        assert!(plan.moves);
        assert_eq!(plan.updates.len(), 1);
    }
}
