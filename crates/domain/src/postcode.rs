//! Postal codes and the prefix they are mapped by.

use crate::{text, ParseError};

/// A postal code, normalised (upper-cased, spaces removed). UK postcodes
/// contain letters and are mapped by their outward code; other postal codes
/// (Indonesian 5-digit kode pos) by the longest mapped prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostalCode(String);

impl PostalCode {
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let code: String = raw
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_uppercase();
        if code.is_empty() {
            return Err(ParseError::new(text!("postcode_empty";
                id: "kode pos kosong", en: "postal code is empty")));
        }
        if !code.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(ParseError::new(
                text!("postcode_characters", code = format!("{:?}", raw.trim());
                id: "kode pos {code} hanya boleh berisi huruf dan angka",
                en: "postal code {code} may hold only letters and digits"),
            ));
        }
        Ok(Self(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// UK postcodes are the ones with letters in them.
    pub fn is_uk(&self) -> bool {
        self.0.chars().any(|c| c.is_ascii_alphabetic())
    }

    /// The UK outward code: everything but the last three characters
    /// (`PR12HE` → `PR1`). A code of three characters or fewer is taken as
    /// an outward code already (`PR1`).
    pub fn outward(&self) -> &str {
        if self.0.len() > 3 {
            &self.0[..self.0.len() - 3]
        } else {
            &self.0
        }
    }

    /// The prefixes to look up, best first: the outward code alone for UK
    /// postcodes, every prefix from longest to shortest otherwise.
    pub fn lookup_prefixes(&self) -> Vec<&str> {
        if self.is_uk() {
            vec![self.outward()]
        } else {
            (1..=self.0.len()).rev().map(|n| &self.0[..n]).collect()
        }
    }
}

/// A prefix in the postcode map: normalised like a postal code.
pub fn normalise_prefix(raw: &str) -> Result<String, ParseError> {
    PostalCode::parse(raw).map(|p| p.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uk_outward_codes() {
        assert_eq!(PostalCode::parse("PR1 2HE").unwrap().outward(), "PR1");
        assert_eq!(PostalCode::parse("ab12ab").unwrap().outward(), "AB1");
        assert_eq!(
            PostalCode::parse("OX4 2AB").unwrap().lookup_prefixes(),
            vec!["OX4"]
        );
        assert_eq!(
            PostalCode::parse("pr1").unwrap().lookup_prefixes(),
            vec!["PR1"]
        );
    }

    #[test]
    fn other_codes_try_longest_prefix_first() {
        let pos = PostalCode::parse("42111").unwrap();
        assert!(!pos.is_uk());
        assert_eq!(
            pos.lookup_prefixes(),
            vec!["42111", "4211", "421", "42", "4"]
        );
    }

    #[test]
    fn rejects_junk() {
        assert!(PostalCode::parse("  ").is_err());
        assert!(PostalCode::parse("PR1-2HE").is_err());
    }
}
