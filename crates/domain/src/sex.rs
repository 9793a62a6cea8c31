//! A person's sex as the programme records it (P2KP counts women among
//! members, borrowers and elected volunteers).

use serde::{Deserialize, Serialize};

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Female,
    Male,
}

impl Sex {
    /// `perempuan`, `p`, `wanita`, `female`, `f`, `woman` / `laki-laki`,
    /// `laki_laki`, `laki laki`, `lakilaki`, `l`, `pria`, `male`, `m`,
    /// `man` (any case).
    pub fn parse(raw: &str) -> Option<Sex> {
        match raw.trim().to_lowercase().as_str() {
            "perempuan" | "p" | "wanita" | "female" | "f" | "woman" => Some(Sex::Female),
            "laki-laki" | "laki_laki" | "laki laki" | "lakilaki" | "l" | "pria" | "male" | "m"
            | "man" => Some(Sex::Male),
            _ => None,
        }
    }

    /// The one-letter code (`f`/`m`) some files and the fund's API use.
    pub fn letter(self) -> &'static str {
        match self {
            Sex::Female => "f",
            Sex::Male => "m",
        }
    }
}

/// Serde for fields written as `f`/`m` (the fund's members): reads any
/// spelling [`Sex::parse`] knows.
pub mod letter {
    use super::Sex;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(sex: &Sex, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(sex.letter())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Sex, D::Error> {
        let raw = String::deserialize(d)?;
        Sex::parse(&raw).ok_or_else(|| serde::de::Error::custom(format!("not a sex: {raw:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings() {
        assert_eq!(Sex::parse(" Perempuan "), Some(Sex::Female));
        assert_eq!(Sex::parse("L"), Some(Sex::Male));
        assert_eq!(Sex::parse("x"), None);
        assert_eq!(serde_json::to_string(&Sex::Female).unwrap(), "\"female\"");
    }
}
