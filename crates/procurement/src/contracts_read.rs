//! A release's text read only as far as [`Process::of`] reads its
//! compiled release: the fields it never looks at are skipped while
//! parsing, not made into values. The OCDS merge treats each field on its
//! own, so merging these partial releases gives the same process as
//! merging the whole ones, provided nothing it counts by position can
//! vanish: an array of objects merged by `id` drops an entry that merges
//! to nothing, so a partial entry may only be made where an entry without
//! what is kept changes nothing the process reads (a party without `id`
//! or name is never referred to; an item without a classification gives
//! no CPV code). Awards and lots, counted and numbered by position, are
//! read whole. Where a field skipped would stay in the compiled release
//! (anything but a null or what merges to nothing), the partial object
//! gets a field `""` in its place, so that it is empty exactly when the
//! whole one would be (an object that replaces a list, an entry of a list
//! merged by `id`). A test compares both ways on generated releases.

use super::Process;
use crate::ocds::json::{same_key, Key, Reading, Shape};
use crate::ocds::{Json, Object};
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// What is read of a value: all of it, or (of an object, or of each
/// object of an array) the fields named, each as its own [`Keep`] says.
#[derive(Clone, Copy)]
enum Keep {
    All,
    Fields(&'static [(&'static str, Keep)]),
}

const SCHEME_ID: Keep = Keep::Fields(&[("scheme", Keep::All), ("id", Keep::All)]);

const CLASSIFICATION: (&str, Keep) = ("classification", SCHEME_ID);
const MORE_CLASSIFICATIONS: (&str, Keep) = ("additionalClassifications", SCHEME_ID);

/// What [`Process::of`] reads of a compiled release, and what the merge
/// needs to compile it (`date` orders the releases; `id` matches entries).
const RELEASE: Keep = Keep::Fields(&[
    ("ocid", Keep::All),
    ("date", Keep::All),
    (
        "buyer",
        Keep::Fields(&[("id", Keep::All), ("name", Keep::All)]),
    ),
    (
        "parties",
        Keep::Fields(&[
            ("id", Keep::All),
            ("name", Keep::All),
            ("identifier", SCHEME_ID),
            (
                "address",
                Keep::Fields(&[
                    ("postalCode", Keep::All),
                    ("locality", Keep::All),
                    ("streetAddress", Keep::All),
                ]),
            ),
            ("details", Keep::Fields(&[("scale", Keep::All)])),
        ]),
    ),
    ("awards", Keep::All),
    (
        "tender",
        Keep::Fields(&[
            ("title", Keep::All),
            ("status", Keep::All),
            CLASSIFICATION,
            MORE_CLASSIFICATIONS,
            (
                "items",
                Keep::Fields(&[("id", Keep::All), CLASSIFICATION, MORE_CLASSIFICATIONS]),
            ),
            ("value", Keep::All),
            ("tenderPeriod", Keep::Fields(&[("endDate", Keep::All)])),
            ("lots", Keep::All),
        ]),
    ),
]);

impl Process {
    /// A release's text as far as [`Process::of`] reads it once compiled
    /// (see the module's note): a JSON object, its other fields skipped.
    pub fn read_release(text: &str) -> serde_json::Result<Object<'_>> {
        let mut de = serde_json::Deserializer::from_str(text);
        let value = Read(RELEASE).deserialize(&mut de)?;
        de.end()?;
        match value {
            Json::Object(map) => Ok(map),
            _ => Err(serde::de::Error::custom("a release is a JSON object")),
        }
    }
}

/// Reads a value as its [`Keep`] says.
struct Read(Keep);

impl<'de> DeserializeSeed<'de> for Read {
    type Value = Json<'de>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Json<'de>, D::Error> {
        match self.0 {
            Keep::All => serde::Deserialize::deserialize(d),
            Keep::Fields(fields) => d.deserialize_any(Reading(Partial(fields))),
        }
    }
}

/// An object's named fields; an array's elements, each read so.
struct Partial(&'static [(&'static str, Keep)]);

impl<'de> Shape<'de> for Partial {
    fn object<A: MapAccess<'de>>(self, mut map: A) -> Result<Json<'de>, A::Error> {
        let mut fields = Vec::new();
        let mut skipped_stays = false;
        while let Some(key) = map.next_key_seed(Key)? {
            match self.0.iter().find(|(name, _)| same_key(name, &key)) {
                Some((_, keep)) => {
                    let value = map.next_value_seed(Read(*keep))?;
                    fields.push((key, value));
                }
                None => skipped_stays |= map.next_value_seed(Stays(&key))?,
            }
        }
        if skipped_stays {
            fields.push(("".into(), Json::Bool(true)));
        }
        Ok(Json::Object(Object::from_fields(fields)))
    }

    fn array<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json<'de>, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(Read(Keep::Fields(self.0)))? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }
}

/// Whether a value under key `.0` would stay in a compiled release, as
/// `ocds::merge` keeps a value new to it: not a null, an object with a
/// field that stays, a list merged by `id` with an entry that stays, or
/// any other list (replaced whole, even empty). Read without making it.
struct Stays<'k>(&'k str);

impl<'de> DeserializeSeed<'de> for Stays<'_> {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Stays<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        let mut stays = false;
        while let Some(key) = map.next_key_seed(Key)? {
            stays |= map.next_value_seed(Stays(&key))?;
        }
        Ok(stays)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
        let (mut objects, mut any_stays) = (true, false);
        while let Some((object, stays)) = seq.next_element_seed(Entry)? {
            objects &= object;
            any_stays |= stays;
        }
        Ok(crate::ocds::merge::whole_list(self.0) || !objects || any_stays)
    }

    fn visit_bool<E>(self, _: bool) -> Result<bool, E> {
        Ok(true)
    }

    fn visit_i64<E>(self, _: i64) -> Result<bool, E> {
        Ok(true)
    }

    fn visit_u64<E>(self, _: u64) -> Result<bool, E> {
        Ok(true)
    }

    fn visit_f64<E>(self, _: f64) -> Result<bool, E> {
        Ok(true)
    }

    fn visit_str<E>(self, _: &str) -> Result<bool, E> {
        Ok(true)
    }

    fn visit_unit<E>(self) -> Result<bool, E> {
        Ok(false)
    }

    fn visit_none<E>(self) -> Result<bool, E> {
        Ok(false)
    }
}

/// An entry of a list: whether it is an object, and whether it stays (an
/// object with a field that does; anything else makes the list a literal).
struct Entry;

impl<'de> DeserializeSeed<'de> for Entry {
    type Value = (bool, bool);

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(bool, bool), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Entry {
    type Value = (bool, bool);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(bool, bool), A::Error> {
        Stays("").visit_map(map).map(|stays| (true, stays))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(bool, bool), A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok((false, true))
    }

    fn visit_bool<E>(self, _: bool) -> Result<(bool, bool), E> {
        Ok((false, true))
    }

    fn visit_i64<E>(self, _: i64) -> Result<(bool, bool), E> {
        Ok((false, true))
    }

    fn visit_u64<E>(self, _: u64) -> Result<(bool, bool), E> {
        Ok((false, true))
    }

    fn visit_f64<E>(self, _: f64) -> Result<(bool, bool), E> {
        Ok((false, true))
    }

    fn visit_str<E>(self, _: &str) -> Result<(bool, bool), E> {
        Ok((false, true))
    }

    fn visit_unit<E>(self) -> Result<(bool, bool), E> {
        Ok((false, true))
    }

    fn visit_none<E>(self) -> Result<(bool, bool), E> {
        Ok((false, true))
    }
}

#[cfg(test)]
#[path = "contracts_read_tests.rs"]
mod tests;
