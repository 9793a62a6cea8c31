//! "No text of the other language": the phrases of two words or more that
//! only the other language's catalogue holds must not appear on a page.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

const CATALOGUES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/crates/web/src/i18n");

/// Every message of one language, from all its catalogue files.
fn catalogue(lang: &str) -> Vec<String> {
    let mut messages = Vec::new();
    for entry in std::fs::read_dir(CATALOGUES).expect("the web's catalogues") {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name == format!("{lang}.json") || name.ends_with(&format!(".{lang}.json")) {
            let map: BTreeMap<String, Value> =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            messages.extend(
                map.into_values()
                    .filter_map(|v| v.as_str().map(str::to_string)),
            );
        }
    }
    assert!(
        !messages.is_empty(),
        "no catalogue for {lang} in {CATALOGUES}"
    );
    messages.extend(worded(lang));
    messages
}

/// The wordings written with `text!` (`id: "…", en: "…"`) in the
/// workspace's sources: what errors and reports say.
fn worded(lang: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut dirs = vec![std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/crates"
    ))];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let source = std::fs::read_to_string(&path).unwrap();
                found.extend(pairs(&source).map(|(id, en)| if lang == "id" { id } else { en }));
            }
        }
    }
    assert!(
        found.len() > 100,
        "too few text! wordings found: {}",
        found.len()
    );
    found
}

/// Each `id: "…"` followed by `en: "…"` in a source file.
fn pairs(source: &str) -> impl Iterator<Item = (String, String)> + '_ {
    source.match_indices("id: \"").filter_map(move |(at, m)| {
        let (id, rest) = literal(&source[at + m.len()..])?;
        let rest = rest.trim_start().strip_prefix(',')?.trim_start();
        let (en, _) = literal(rest.strip_prefix("en: \"")?)?;
        Some((id, en))
    })
}

/// A string literal's text up to its closing quote, and what follows.
fn literal(s: &str) -> Option<(String, &str)> {
    let mut text = String::new();
    let mut chars = s.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((text, &s[i + 1..])),
            '\\' => match chars.next()?.1 {
                'n' => text.push('\n'),
                // A line continued: the next line's indent is not text.
                '\n' => {
                    let rest = &s[i + 2..];
                    let skip = rest.len() - rest.trim_start().len();
                    for _ in rest[..skip].chars() {
                        chars.next();
                    }
                }
                other => text.push(other),
            },
            c => text.push(c),
        }
    }
    None
}

/// The phrases that give the other language away: fragments between
/// placeholders and markup, of two words or more, that no message of
/// `lang` contains.
fn giveaways(lang: &str) -> &'static Vec<String> {
    static ID: OnceLock<Vec<String>> = OnceLock::new();
    static EN: OnceLock<Vec<String>> = OnceLock::new();
    let (cell, other) = match lang {
        "id" => (&ID, "en"),
        _ => (&EN, "id"),
    };
    cell.get_or_init(|| {
        let own = catalogue(lang).join("\n");
        let mut phrases = BTreeSet::new();
        for message in catalogue(other) {
            for fragment in message.split(['{', '}', '<', '>', '(', ')', ':', '.', ',', ';']) {
                let fragment = fragment.trim();
                let words = fragment.split_whitespace().count();
                if words >= 2
                    && fragment.chars().any(char::is_alphabetic)
                    && !own.contains(fragment)
                {
                    phrases.insert(fragment.to_string());
                }
            }
        }
        phrases.into_iter().collect()
    })
}

/// The other language's phrases found in a page's text.
pub fn foreign(lang: &str, text: &str) -> Vec<String> {
    giveaways(lang)
        .iter()
        .filter(|p| as_words(text, p))
        .cloned()
        .collect()
}

/// Whether `phrase` stands in `text` as whole words ("suara sama" is not in
/// "bersuara samar").
fn as_words(text: &str, phrase: &str) -> bool {
    text.match_indices(phrase).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + phrase.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}
