//! Proposed groupings of written names for the committee to confirm. Names
//! are compared without honorifics (pak, bu, haji, h., …) and with the old
//! spelling (oe, dj, tj, sj, nj, ch) read as the new (u, j, c, sy, ny, kh).
//! Nothing here changes a [`Grouping`]: the committee decides.

use super::names::{collapse, Grouping, NameKey, PersonName};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// Words of address and titles left out when names are compared, lowercase
/// and without their dot.
pub const HONORIFICS: &[&str] = &[
    "pak", "bapak", "bpk", "bp", "bu", "ibu", "haji", "hajjah", "hajah", "h", "hj", "mas", "mbak",
    "mba", "teh", "kang", "bang", "ustadz", "ustad", "ustadzah", "ust", "kyai", "kiai",
];

/// A written form proposed as a variant, with how often it was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SuggestedVariant {
    pub written: String,
    pub count: u64,
}

/// A proposal: these written forms probably mean `person`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suggestion {
    /// The proposed person: one already in the grouping when the name
    /// matches one, else the bare name as most often written.
    pub person: String,
    /// Whether `person` is already in the grouping.
    pub existing_person: bool,
    /// The name compared, without honorifics, in the new spelling.
    pub core: String,
    /// Written forms not yet grouped, most written first.
    pub variants: Vec<SuggestedVariant>,
}

/// The name as compared: honorifics at the front removed (one word always
/// stays), dots and commas dropped, the old spelling read as the new.
pub fn core_name(written: &str) -> String {
    let key = match NameKey::new(written) {
        Some(k) => k,
        None => return String::new(),
    };
    // Words, split at spaces and after dots ("h.udin" → "h.", "udin").
    let mut words: Vec<String> = Vec::new();
    for part in key.as_str().split(' ') {
        let mut word = String::new();
        for c in part.chars() {
            if c == '.' || c == ',' {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
            } else {
                word.push(c);
            }
        }
        if !word.is_empty() {
            words.push(word);
        }
    }
    let skip = words
        .iter()
        .take(words.len().saturating_sub(1))
        .take_while(|w| HONORIFICS.contains(&w.as_str()))
        .count();
    let joined = words[skip..].join(" ");
    new_spelling(&joined)
}

fn new_spelling(s: &str) -> String {
    s.replace("oe", "u")
        .replace("dj", "j")
        .replace("tj", "c")
        .replace("sj", "sy")
        .replace("nj", "ny")
        .replace("ch", "kh")
}

/// The shown form of a name without the honorifics at its front.
fn without_honorifics(shown: &str) -> String {
    let words: Vec<&str> = shown.split(' ').collect();
    let skip = words
        .iter()
        .take(words.len().saturating_sub(1))
        .take_while(|w| {
            let bare = w.trim_end_matches(['.', ',']).to_lowercase();
            HONORIFICS.contains(&bare.as_str())
        })
        .count();
    words[skip..].join(" ")
}

struct Seen {
    key: NameKey,
    shown: String,
    count: u64,
}

/// Proposes groupings of `written` names (each with how often it was
/// written, e.g. [`super::BallotBox::written_names`]) that `grouping` does
/// not hold yet. Names whose core matches are proposed as one person; a
/// group that already leads to a grouped person is proposed as more
/// variants of that person. Written forms already in the grouping are
/// never proposed again. Sorted by how often the group was written, then
/// by core.
pub fn suggest_groups<'a>(
    written: impl IntoIterator<Item = (&'a str, u64)>,
    grouping: &Grouping,
) -> Vec<Suggestion> {
    let mut seen: Vec<Seen> = Vec::new();
    let mut index: HashMap<NameKey, usize> = HashMap::new();
    for (w, n) in written {
        let Some(key) = NameKey::new(w) else { continue };
        match index.get(&key) {
            Some(&i) => seen[i].count += n,
            None => {
                index.insert(key.clone(), seen.len());
                seen.push(Seen {
                    key,
                    shown: collapse(w),
                    count: n,
                });
            }
        }
    }
    let mut by_core: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, s) in seen.iter().enumerate() {
        by_core.entry(core_name(&s.shown)).or_default().push(i);
    }
    let mut out: Vec<(u64, Suggestion)> = Vec::new();
    for (core, mut members) in by_core {
        members.sort_by(|&a, &b| seen[b].count.cmp(&seen[a].count).then(a.cmp(&b)));
        // A person the grouping already has for this name.
        let existing: Option<&PersonName> = NameKey::new(&core)
            .and_then(|k| grouping.person_for(&k))
            .or_else(|| {
                members
                    .iter()
                    .find_map(|&i| grouping.person_for(&seen[i].key))
            });
        let person: String = match existing {
            Some(p) => p.as_str().to_owned(),
            None => {
                if members.len() < 2 {
                    continue;
                }
                // The bare name as written, else the most written form
                // without its honorifics.
                members
                    .iter()
                    .find(|&&i| seen[i].key.as_str() == core)
                    .map(|&i| seen[i].shown.clone())
                    .unwrap_or_else(|| without_honorifics(&seen[members[0]].shown))
            }
        };
        let person_key = NameKey::new(&person);
        let variants: Vec<SuggestedVariant> = members
            .iter()
            .filter(|&&i| grouping.person_for(&seen[i].key).is_none())
            .filter(|&&i| Some(&seen[i].key) != person_key.as_ref())
            .map(|&i| SuggestedVariant {
                written: seen[i].shown.clone(),
                count: seen[i].count,
            })
            .collect();
        if variants.is_empty() {
            continue;
        }
        let total = members.iter().map(|&i| seen[i].count).sum();
        out.push((
            total,
            Suggestion {
                person,
                existing_person: existing.is_some(),
                core,
                variants,
            },
        ));
    }
    out.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.core.cmp(&b.1.core)));
    out.into_iter().map(|(_, s)| s).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cores_drop_honorifics_dots_and_the_old_spelling() {
        assert_eq!(core_name("Pak Haji Udin"), "udin");
        assert_eq!(core_name("H. Udin"), "udin");
        assert_eq!(core_name("h.udin"), "udin");
        assert_eq!(core_name("  UDIN "), "udin");
        assert_eq!(core_name("Bu Hj. Siti Aminah"), "siti aminah");
        assert_eq!(core_name("Ustadz Soekarno"), "sukarno");
        assert_eq!(core_name("Djoko Tjiptono"), "joko ciptono");
        // One word always stays: a person may be called Bang.
        assert_eq!(core_name("Bang"), "bang");
        assert_eq!(core_name("Pak Bang"), "bang");
        assert_eq!(core_name(""), "");
    }

    #[test]
    fn variants_of_one_name_are_proposed_not_applied() {
        let written = [
            ("Pak Haji Udin", 3),
            ("H. Udin", 5),
            ("Udin", 2),
            ("udin", 1),
            ("Asep", 4),
            ("Bu Siti", 1),
            ("Teh Siti", 2),
        ];
        let g = Grouping::new();
        let s = suggest_groups(written, &g);
        assert_eq!(s.len(), 2, "{s:#?}");
        assert_eq!(s[0].person, "Udin");
        assert!(!s[0].existing_person);
        assert_eq!(s[0].core, "udin");
        let v: Vec<_> = s[0]
            .variants
            .iter()
            .map(|v| (v.written.as_str(), v.count))
            .collect();
        assert_eq!(v, [("H. Udin", 5), ("Pak Haji Udin", 3)]);
        assert_eq!(s[1].person, "Siti");
        let v: Vec<_> = s[1].variants.iter().map(|v| v.written.as_str()).collect();
        assert_eq!(v, ["Teh Siti", "Bu Siti"]);
        assert!(g.is_empty(), "suggestions never change the grouping");
    }

    #[test]
    fn grouped_names_are_not_proposed_again() {
        let mut g = Grouping::new();
        g.add("H. Udin", "Udin Saprudin").unwrap();
        let s = suggest_groups([("H. Udin", 5), ("Pak Udin", 2)], &g);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].person, "Udin Saprudin");
        assert!(s[0].existing_person);
        assert_eq!(s[0].variants.len(), 1);
        assert_eq!(s[0].variants[0].written, "Pak Udin");
        g.add("Pak Udin", "Udin Saprudin").unwrap();
        assert!(suggest_groups([("H. Udin", 5), ("Pak Udin", 2)], &g).is_empty());
    }
}
