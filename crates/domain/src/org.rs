//! Organisations: the bodies the programme deals with.

use crate::{text, ParseError};
use serde::Serialize;
use std::fmt;

/// The kinds of body in one registry. Parsing accepts the English key and
/// common Indonesian or English synonyms, so spreadsheets need no recoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    Anchor,
    Supplier,
    Cooperative,
    SocialEnterprise,
    Bkm,
    Ksm,
    Upk,
    Government,
    Company,
    Ngo,
    University,
}

impl OrgKind {
    pub const ALL: [OrgKind; 11] = [
        OrgKind::Anchor,
        OrgKind::Supplier,
        OrgKind::Cooperative,
        OrgKind::SocialEnterprise,
        OrgKind::Bkm,
        OrgKind::Ksm,
        OrgKind::Upk,
        OrgKind::Government,
        OrgKind::Company,
        OrgKind::Ngo,
        OrgKind::University,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::Anchor => "anchor",
            OrgKind::Supplier => "supplier",
            OrgKind::Cooperative => "cooperative",
            OrgKind::SocialEnterprise => "social_enterprise",
            OrgKind::Bkm => "bkm",
            OrgKind::Ksm => "ksm",
            OrgKind::Upk => "upk",
            OrgKind::Government => "government",
            OrgKind::Company => "company",
            OrgKind::Ngo => "ngo",
            OrgKind::University => "university",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let key = raw.trim().to_lowercase().replace([' ', '-'], "_");
        let kind = match key.as_str() {
            "anchor" | "anchor_institution" | "institusi_jangkar" => OrgKind::Anchor,
            "supplier" | "business" | "penyedia" | "usaha" => OrgKind::Supplier,
            "cooperative" | "co_operative" | "coop" | "koperasi" => OrgKind::Cooperative,
            "social_enterprise" | "wirausaha_sosial" => OrgKind::SocialEnterprise,
            "bkm" => OrgKind::Bkm,
            "ksm" => OrgKind::Ksm,
            "upk" => OrgKind::Upk,
            "government" | "government_unit" | "pemerintah" => OrgKind::Government,
            "company" | "perusahaan" => OrgKind::Company,
            "ngo" | "lsm" => OrgKind::Ngo,
            "university" | "universitas" | "college" => OrgKind::University,
            _ => {
                let known: Vec<_> = Self::ALL.iter().map(|k| k.as_str()).collect();
                return Err(ParseError::new(text!("unknown_org_kind",
                    kind = format!("{:?}", raw.trim()), known = known.join(", ");
                    id: "jenis organisasi {kind} tidak dikenal; pilih salah satu dari {known}",
                    en: "unknown organisation kind {kind}; expected one of {known}")));
            }
        };
        Ok(kind)
    }
}

impl fmt::Display for OrgKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An Indonesian taxpayer number: 15 digits (the classic
/// `01.234.567.8-901.000`) or the 16-digit form used since 2024. Stored as
/// bare digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Npwp(String);

impl Npwp {
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let digits: String = raw
            .chars()
            .filter(|c| !matches!(c, '.' | '-' | ' '))
            .collect();
        if !digits.chars().all(|c| c.is_ascii_digit()) || !(15..=16).contains(&digits.len()) {
            return Err(ParseError::new(
                text!("npwp_digits", npwp = format!("{:?}", raw.trim());
                id: "NPWP {npwp} harus 15 atau 16 angka",
                en: "NPWP {npwp} must have 15 or 16 digits"),
            ));
        }
        Ok(Self(digits))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A UK Companies House number: 8 characters, digits or a two-letter
/// prefix (SC, NI, OC, …) then digits. Shorter all-digit numbers are padded
/// with zeros, as Companies House prints them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct CompanyNumber(String);

impl CompanyNumber {
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let s: String = raw
            .trim()
            .chars()
            .filter(|c| *c != ' ')
            .collect::<String>()
            .to_uppercase();
        let bad = || {
            ParseError::new(
                text!("company_number_format", number = format!("{:?}", raw.trim());
                id: "nomor perusahaan {number} harus 8 karakter: angka, atau dua huruf lalu angka",
                en: "company number {number} must be 8 characters: digits, or two letters then digits"),
            )
        };
        // Only ASCII can be a company number; checking first also keeps the
        // byte split below on a character boundary (`GÑ` once panicked).
        if s.is_empty() || s.len() > 8 || !s.is_ascii() {
            return Err(bad());
        }
        if s.chars().all(|c| c.is_ascii_digit()) {
            return Ok(Self(format!("{s:0>8}")));
        }
        let (prefix, rest) = s.split_at(2.min(s.len()));
        if s.len() == 8
            && prefix.chars().all(|c| c.is_ascii_uppercase())
            && rest.chars().all(|c| c.is_ascii_digit())
        {
            Ok(Self(s))
        } else {
            Err(bad())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The placement rule of the registry: a child organisation with an area
/// lies inside its parent's area (the parent's own, else its nearest placed
/// ancestor's), so that an organisation's subtree never reaches beyond
/// where the organisation sits. A child without an area sits where its
/// parent sits; a parent without one (anywhere up the line) places nothing.
pub fn lies_within(
    parent_area: Option<&crate::AreaPath>,
    own_area: Option<&crate::AreaPath>,
) -> bool {
    match (parent_area, own_area) {
        (Some(parent), Some(own)) => parent.contains(own),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_child_organisation_lies_inside_its_parents_area() {
        use crate::{AreaCode, AreaPath};
        let code = |c: &str| AreaCode::parse(c).unwrap();
        let serang = AreaPath::root(&code("ID")).child(&code("3604"));
        let kel = serang.child(&code("3604010001"));
        let other = AreaPath::root(&code("ID")).child(&code("3603"));
        assert!(lies_within(Some(&serang), Some(&kel)));
        assert!(lies_within(Some(&kel), Some(&kel)));
        assert!(!lies_within(Some(&kel), Some(&serang)));
        assert!(!lies_within(Some(&serang), Some(&other)));
        assert!(lies_within(Some(&kel), None), "sits where its parent sits");
        assert!(lies_within(None, Some(&other)));
    }

    #[test]
    fn kinds_accept_synonyms_and_name_the_choices_on_error() {
        assert_eq!(OrgKind::parse("Koperasi").unwrap(), OrgKind::Cooperative);
        assert_eq!(
            OrgKind::parse("anchor institution").unwrap(),
            OrgKind::Anchor
        );
        assert_eq!(
            OrgKind::parse("social-enterprise").unwrap(),
            OrgKind::SocialEnterprise
        );
        for kind in OrgKind::ALL {
            assert_eq!(OrgKind::parse(kind.as_str()).unwrap(), kind);
        }
        let err = OrgKind::parse("bank").unwrap_err().to_string();
        assert!(err.contains("bank") && err.contains("cooperative"), "{err}");
    }

    #[test]
    fn npwp_keeps_digits_only() {
        assert_eq!(
            Npwp::parse("01.234.567.8-901.000").unwrap().as_str(),
            "012345678901000"
        );
        assert!(Npwp::parse("1234").is_err());
        assert!(Npwp::parse("01.234.567.8-901.00A").is_err());
    }

    #[test]
    fn company_numbers_are_padded_and_checked() {
        assert_eq!(CompanyNumber::parse("123456").unwrap().as_str(), "00123456");
        assert_eq!(
            CompanyNumber::parse("sc123456").unwrap().as_str(),
            "SC123456"
        );
        assert!(CompanyNumber::parse("S1234567").is_err());
        assert!(CompanyNumber::parse("123456789").is_err());
        // Found by the API fuzzer: a letter of two bytes in the prefix.
        assert!(CompanyNumber::parse("Gñ").is_err());
        assert!(CompanyNumber::parse("ñ1234567").is_err());
    }
}
