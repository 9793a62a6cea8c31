//! Message catalogues. Every visible string of the interface comes from
//! the Indonesian catalogue (the default) or the English one; each is the
//! union of per-part files (`i18n/id.json`, `i18n/fund.id.json`,
//! `i18n/community.id.json`, …) so that parts grow apart. Both languages
//! have the same keys, a key lives in one file only (tests check), and
//! templates read them as `t.key`.

use std::collections::BTreeMap;
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Id,
    En,
}

impl From<Lang> for lumbung_domain::Language {
    fn from(lang: Lang) -> Self {
        match lang {
            Lang::Id => lumbung_domain::Language::Indonesian,
            Lang::En => lumbung_domain::Language::English,
        }
    }
}

/// The visitor's language: the cookie's, else Indonesian.
pub fn lang_of(headers: &axum::http::HeaderMap) -> Lang {
    crate::headers::cookie(headers, LANG_COOKIE)
        .and_then(Lang::parse)
        .unwrap_or_default()
}

/// The cookie that remembers the chosen language.
pub const LANG_COOKIE: &str = "lumbung_lang";

impl Lang {
    pub fn parse(code: &str) -> Option<Lang> {
        match code {
            "id" => Some(Lang::Id),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Id => "id",
            Lang::En => "en",
        }
    }

    pub fn catalogue(self) -> &'static BTreeMap<String, String> {
        static ID: OnceLock<BTreeMap<String, String>> = OnceLock::new();
        static EN: OnceLock<BTreeMap<String, String>> = OnceLock::new();
        match self {
            Lang::Id => ID.get_or_init(|| load(&CATALOGUES.map(|c| c.1))),
            Lang::En => EN.get_or_init(|| load(&CATALOGUES.map(|c| c.2))),
        }
    }

    /// One message; a missing key is a bug, shown as the key itself.
    pub fn t(self, key: &str) -> &'static str {
        self.catalogue()
            .get(key)
            .map(String::as_str)
            .unwrap_or_else(|| {
                tracing::error!(key, "missing message");
                "??"
            })
    }
}

/// Each part's catalogues: (part, Indonesian, English).
const CATALOGUES: [(&str, &str, &str); 10] = [
    (
        "base",
        include_str!("i18n/id.json"),
        include_str!("i18n/en.json"),
    ),
    (
        "fund",
        include_str!("i18n/fund.id.json"),
        include_str!("i18n/fund.en.json"),
    ),
    (
        "community",
        include_str!("i18n/community.id.json"),
        include_str!("i18n/community.en.json"),
    ),
    (
        "election",
        include_str!("i18n/election.id.json"),
        include_str!("i18n/election.en.json"),
    ),
    (
        "security",
        include_str!("i18n/security.id.json"),
        include_str!("i18n/security.en.json"),
    ),
    (
        "money",
        include_str!("i18n/money.id.json"),
        include_str!("i18n/money.en.json"),
    ),
    (
        "procurement",
        include_str!("i18n/procurement.id.json"),
        include_str!("i18n/procurement.en.json"),
    ),
    (
        "programme",
        include_str!("i18n/programme.id.json"),
        include_str!("i18n/programme.en.json"),
    ),
    (
        "partnerships",
        include_str!("i18n/partnerships.id.json"),
        include_str!("i18n/partnerships.en.json"),
    ),
    (
        "disclosure",
        include_str!("i18n/disclosure.id.json"),
        include_str!("i18n/disclosure.en.json"),
    ),
];

fn parse(json: &str) -> BTreeMap<String, String> {
    serde_json::from_str(json).expect("message catalogue is valid JSON of strings")
}

fn load(parts: &[&str]) -> BTreeMap<String, String> {
    parts.iter().flat_map(|json| parse(json)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogues_have_the_same_keys_and_no_empty_messages() {
        let id: Vec<_> = Lang::Id.catalogue().keys().collect();
        let en: Vec<_> = Lang::En.catalogue().keys().collect();
        assert_eq!(id, en);
        for lang in [Lang::Id, Lang::En] {
            assert!(lang.catalogue().values().all(|m| !m.trim().is_empty()));
        }
    }

    #[test]
    fn a_key_lives_in_one_part_only() {
        let mut seen = BTreeMap::new();
        for (part, id, _) in CATALOGUES {
            for key in parse(id).into_keys() {
                if let Some(other) = seen.insert(key.clone(), part) {
                    panic!("{key} is in both the {other} and the {part} catalogues");
                }
            }
        }
    }

    #[test]
    fn every_key_a_template_uses_exists() {
        let keys = Lang::Id.catalogue();
        for (name, source) in crate::templates::SOURCES {
            let mut rest = *source;
            while let Some(i) = rest.find("t.") {
                let before = rest[..i].chars().last();
                rest = &rest[i + 2..];
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
                    continue;
                }
                let key: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                assert!(
                    keys.contains_key(&key),
                    "{name} uses t.{key}, which is not in the catalogues"
                );
            }
        }
    }
}
