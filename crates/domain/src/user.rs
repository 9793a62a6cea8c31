//! User names and passwords.

use crate::{text, ParseError};
use serde::Serialize;
use std::fmt;

/// A login name: 2–64 characters, lowercase letters, digits, `.`, `_`, `-`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let name = raw.trim().to_lowercase();
        if !(2..=64).contains(&name.chars().count()) {
            return Err(ParseError::new(text!("username_length";
                id: "nama pengguna harus 2–64 karakter", en: "user name must be 2–64 characters")));
        }
        if !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
        {
            return Err(ParseError::new(
                text!("username_characters", name = format!("{name:?}");
                id: "nama pengguna {name} hanya boleh berisi huruf, angka, '.', '_' dan '-'",
                en: "user name {name} may hold only letters, digits, '.', '_' and '-'"),
            ));
        }
        Ok(Self(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A new password: at least 10 characters, at most 256 (long enough to
/// resist guessing, bounded so hashing cannot be used to exhaust the server).
/// Its Debug output never shows the secret.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    pub const MIN_LEN: usize = 10;

    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let pw = raw.trim_end_matches(['\r', '\n']);
        let len = pw.chars().count();
        if len < Self::MIN_LEN {
            return Err(ParseError::new(
                text!("password_too_short", min = Self::MIN_LEN;
                id: "kata sandi minimal {min} karakter",
                en: "password must be at least {min} characters"),
            ));
        }
        if len > 256 {
            return Err(ParseError::new(text!("password_too_long";
                id: "kata sandi maksimal 256 karakter", en: "password must be at most 256 characters")));
        }
        Ok(Self(pw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert_eq!(
            Username::parse(" Siti.Aminah ").unwrap().as_str(),
            "siti.aminah"
        );
        assert!(Username::parse("a").is_err());
        assert!(Username::parse("siti aminah").is_err());
    }

    #[test]
    fn passwords_are_long_enough_and_hidden() {
        assert!(Password::parse("short").is_err());
        let pw = Password::parse("correct horse\n").unwrap();
        assert_eq!(pw.expose(), "correct horse");
        assert_eq!(format!("{pw:?}"), "Password(***)");
    }
}
