//! Names as voters write them, and the people they mean.
//!
//! A written name is *normalised* — trimmed, inner whitespace collapsed to
//! one space, lowercased — into a [`NameKey`]. Two written names with the
//! same key are the same name. Different names of the same person ("H.
//! Udin", "Pak Haji Udin") are tied together by a [`Grouping`] that the
//! election committee confirms; [`crate::election::suggest_groups`] only
//! proposes one.

use serde::{Serialize, Serializer};
use std::collections::HashMap;
use std::fmt;

/// The normal form of a name: trimmed, inner whitespace collapsed to one
/// space, lowercase. Never empty.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NameKey(Box<str>);

impl NameKey {
    /// The key of a written name; `None` when it is blank.
    pub fn new(written: &str) -> Option<NameKey> {
        let mut out = String::with_capacity(written.len());
        normalise_into(written, &mut out);
        (!out.is_empty()).then(|| NameKey(out.into_boxed_str()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for NameKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for NameKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// Writes the normal form of `written` into `out` (cleared first).
pub(crate) fn normalise_into(written: &str, out: &mut String) {
    out.clear();
    for word in written.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        if word.is_ascii() {
            out.extend(word.bytes().map(|b| char::from(b.to_ascii_lowercase())));
        } else {
            for c in word.chars() {
                out.extend(c.to_lowercase());
            }
        }
    }
}

/// `written` trimmed with inner whitespace collapsed to one space: how a
/// name is shown.
pub(crate) fn collapse(written: &str) -> String {
    let mut out = String::with_capacity(written.len());
    for word in written.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// A person's name as shown (trimmed, inner whitespace collapsed, never
/// blank) with its [`NameKey`], which identifies the person. Ordered by key,
/// then by the shown form; serialised as the shown form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PersonName {
    key: NameKey,
    display: Box<str>,
}

impl PersonName {
    /// `None` when `written` is blank.
    pub fn new(written: &str) -> Option<PersonName> {
        let display = collapse(written);
        let key = NameKey::new(&display)?;
        Some(PersonName {
            key,
            display: display.into_boxed_str(),
        })
    }

    /// The name as shown.
    pub fn as_str(&self) -> &str {
        &self.display
    }

    /// The key that identifies the person.
    pub fn key(&self) -> &NameKey {
        &self.key
    }
}

impl PartialOrd for PersonName {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for PersonName {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key
            .cmp(&other.key)
            .then_with(|| self.display.cmp(&other.display))
    }
}

impl fmt::Display for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display)
    }
}

impl Serialize for PersonName {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.display)
    }
}

lumbung_domain::text_enum! {
    /// Why a grouping entry was refused.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum GroupingError {
        BlankWritten => "election_blank_written";
            id: "nama yang tertulis kosong", en: "the written name is empty",
        BlankPerson => "election_blank_person";
            id: "nama orangnya kosong", en: "the person's name is empty",
        /// The same written name (after normalisation) already means someone else.
        Conflict { written: String, first: String, second: String } => "election_grouping_conflict",
            written = format!("{written:?}"), first = format!("{first:?}"), second = format!("{second:?}");
            id: "{written} sudah dikelompokkan ke {first}; tidak bisa juga berarti {second}",
            en: "{written} is already grouped under {first}; it cannot also mean {second}",
        /// The person's name is already a variant of someone else (chains are
        /// refused: every variant must lead straight to the person).
        PersonIsVariant { name: String, other: String } => "election_person_is_variant",
            name = format!("{name:?}"), other = format!("{other:?}");
            id: "{name} sudah menjadi varian dari {other}; tidak bisa juga menjadi orang",
            en: "{name} is already a variant of {other}; it cannot also be a person",
        /// The written name is already a person's own name.
        VariantIsPerson { name: String, other: String } => "election_variant_is_person",
            name = format!("{name:?}"), other = format!("{other:?}");
            id: "{name} sudah menjadi orang; tidak bisa juga menjadi varian dari {other}",
            en: "{name} is already a person; it cannot also be a variant of {other}",
    }
}

/// The committee's record of which written names mean which person: each
/// written variant → the person. A person's own name always means that
/// person. Kept in the order entries were added ("as published").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grouping {
    variants: HashMap<NameKey, usize>,
    persons: HashMap<NameKey, usize>,
    people: Vec<PersonName>,
    record: Vec<(String, usize)>,
}

impl Grouping {
    pub fn new() -> Grouping {
        Grouping::default()
    }

    /// Records that `written` means `person`. The same entry twice (after
    /// normalisation) is kept once.
    pub fn add(&mut self, written: &str, person: &str) -> Result<(), GroupingError> {
        let variant = PersonName::new(written).ok_or(GroupingError::BlankWritten)?;
        let person = PersonName::new(person).ok_or(GroupingError::BlankPerson)?;
        // The person this entry means, as first written in the grouping.
        let existing = self.persons.get(person.key()).copied();
        let shown = |i: Option<usize>| match i {
            Some(i) => self.people[i].as_str().to_owned(),
            None => person.as_str().to_owned(),
        };
        if let Some(&first) = self.variants.get(variant.key()) {
            if Some(first) != existing {
                return Err(GroupingError::Conflict {
                    written: variant.as_str().to_owned(),
                    first: self.people[first].as_str().to_owned(),
                    second: shown(existing),
                });
            }
            return Ok(());
        }
        if let Some(&other) = self.variants.get(person.key()) {
            if Some(other) != existing {
                return Err(GroupingError::PersonIsVariant {
                    name: person.as_str().to_owned(),
                    other: self.people[other].as_str().to_owned(),
                });
            }
        }
        if let Some(&other) = self.persons.get(variant.key()) {
            if Some(other) != existing {
                return Err(GroupingError::VariantIsPerson {
                    name: self.people[other].as_str().to_owned(),
                    other: shown(existing),
                });
            }
        }
        let index = match existing {
            Some(i) => i,
            None => {
                self.people.push(person.clone());
                self.persons
                    .insert(person.key().clone(), self.people.len() - 1);
                self.people.len() - 1
            }
        };
        self.variants.insert(variant.key().clone(), index);
        self.record.push((variant.as_str().to_owned(), index));
        Ok(())
    }

    /// The person a written name means: through a variant, or because it is
    /// a person's own name.
    pub fn person_for(&self, key: &NameKey) -> Option<&PersonName> {
        self.variants
            .get(key)
            .or_else(|| self.persons.get(key))
            .map(|&i| &self.people[i])
    }

    /// Every entry, written variant → person, in the order added.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &PersonName)> + '_ {
        self.record
            .iter()
            .map(|(w, i)| (w.as_str(), &self.people[*i]))
    }

    pub fn len(&self) -> usize {
        self.record.len()
    }

    pub fn is_empty(&self) -> bool {
        self.record.is_empty()
    }
}

/// The record of a grouping as a JSON object, written → person, in order.
impl Serialize for Grouping {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.record.len()))?;
        for (written, person) in self.entries() {
            map.serialize_entry(written, person)?;
        }
        map.end()
    }
}

/// The residents of an RT (or, at level 2, the delegates): who may be named.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Residents {
    by_key: HashMap<NameKey, PersonName>,
    order: Vec<NameKey>,
}

impl Residents {
    pub fn new() -> Residents {
        Residents::default()
    }

    /// Adds a resident; the same person again (after normalisation) is kept
    /// once, with the name first given. Blank names are ignored.
    pub fn add(&mut self, name: &str) {
        if let Some(person) = PersonName::new(name) {
            if !self.by_key.contains_key(person.key()) {
                self.order.push(person.key().clone());
                self.by_key.insert(person.key().clone(), person);
            }
        }
    }

    pub fn get(&self, key: &NameKey) -> Option<&PersonName> {
        self.by_key.get(key)
    }

    pub fn contains(&self, key: &NameKey) -> bool {
        self.by_key.contains_key(key)
    }

    /// The residents in the order added.
    pub fn iter(&self) -> impl Iterator<Item = &PersonName> + '_ {
        self.order.iter().map(|k| &self.by_key[k])
    }

    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }
}

impl<'a> FromIterator<&'a str> for Residents {
    fn from_iter<I: IntoIterator<Item = &'a str>>(iter: I) -> Residents {
        let mut r = Residents::new();
        for name in iter {
            r.add(name);
        }
        r
    }
}

impl<'a> FromIterator<&'a PersonName> for Residents {
    fn from_iter<I: IntoIterator<Item = &'a PersonName>>(iter: I) -> Residents {
        iter.into_iter().map(PersonName::as_str).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn keys_trim_collapse_and_lowercase() {
        let k = NameKey::new("  Pak\t Haji   UDIN \n").unwrap();
        assert_eq!(k.as_str(), "pak haji udin");
        assert_eq!(NameKey::new(" \t "), None);
        assert_eq!(NameKey::new("ÉLISE  Ö").unwrap().as_str(), "élise ö");
        let p = PersonName::new("  H.   Udin ").unwrap();
        assert_eq!(p.as_str(), "H. Udin");
        assert_eq!(p.key().as_str(), "h. udin");
    }

    #[test]
    fn person_names_order_by_key_then_shown_form() {
        let mut names: Vec<_> = ["budi", "Asep", "ani", "Budi"]
            .iter()
            .map(|n| PersonName::new(n).unwrap())
            .collect();
        names.sort();
        let shown: Vec<_> = names.iter().map(PersonName::as_str).collect();
        assert_eq!(shown, ["ani", "Asep", "Budi", "budi"]);
    }

    #[test]
    fn grouping_maps_variants_and_the_person_itself() {
        let mut g = Grouping::new();
        g.add("Pak Haji Udin", "Udin").unwrap();
        g.add("h.  udin", "UDIN").unwrap();
        g.add("H. Udin", "Udin").unwrap(); // the same entry again
        let udin = |w: &str| g.person_for(&NameKey::new(w).unwrap()).map(|p| p.as_str());
        assert_eq!(udin("pak haji udin"), Some("Udin"));
        assert_eq!(udin("H. UDIN"), Some("Udin"));
        assert_eq!(udin("udin"), Some("Udin"));
        assert_eq!(udin("Asep"), None);
        let record: Vec<_> = g.entries().map(|(w, p)| (w, p.as_str())).collect();
        assert_eq!(record, [("Pak Haji Udin", "Udin"), ("h. udin", "Udin")]);
        assert_eq!(
            serde_json_like(&g),
            r#"{"Pak Haji Udin":"Udin","h. udin":"Udin"}"#
        );
    }

    fn serde_json_like(g: &Grouping) -> String {
        serde_json::to_string(g).unwrap()
    }

    #[test]
    fn a_variant_cannot_mean_two_people() {
        let mut g = Grouping::new();
        g.add("Udin", "Udin Saprudin").unwrap();
        let err = g.add(" UDIN ", "Udin Jaelani").unwrap_err();
        assert!(matches!(err, GroupingError::Conflict { .. }), "{err}");
        assert!(err.to_string().contains("Udin Saprudin"), "{err}");
        // A variant used as a person's own name.
        let err = g.add("Ucup", "udin").unwrap_err();
        assert!(
            matches!(err, GroupingError::PersonIsVariant { .. }),
            "{err}"
        );
        // A person's own name used as a variant of someone else.
        let err = g.add("udin saprudin", "Asep").unwrap_err();
        assert_eq!(
            err,
            GroupingError::VariantIsPerson {
                name: "Udin Saprudin".into(),
                other: "Asep".into()
            }
        );
        assert_eq!(g.add("", "x"), Err(GroupingError::BlankWritten));
        assert_eq!(g.add("x", " "), Err(GroupingError::BlankPerson));
        // The identity entry is fine.
        g.add("udin saprudin", "Udin Saprudin").unwrap();
    }

    #[test]
    fn residents_are_kept_once_in_order() {
        let r: Residents = ["Udin", " udin", "Asep", ""].into_iter().collect();
        assert_eq!(r.len(), 2);
        let shown: Vec<_> = r.iter().map(PersonName::as_str).collect();
        assert_eq!(shown, ["Udin", "Asep"]);
        assert!(r.contains(&NameKey::new("ASEP").unwrap()));
    }

    proptest! {
        #[test]
        fn normalising_is_idempotent_and_ignores_case_and_spacing(s in "[ a-zA-Zé\t]{0,20}") {
            if let Some(k) = NameKey::new(&s) {
                prop_assert_eq!(NameKey::new(k.as_str()), Some(k.clone()));
                let spaced = format!("  {}  ", s.to_uppercase().replace(' ', "   "));
                prop_assert_eq!(NameKey::new(&spaced), Some(k.clone()));
                prop_assert!(!k.as_str().starts_with(' ') && !k.as_str().ends_with(' '));
                prop_assert!(!k.as_str().contains("  "));
            } else {
                prop_assert!(s.trim().is_empty());
            }
        }
    }
}
