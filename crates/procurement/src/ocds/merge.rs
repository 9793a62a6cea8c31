//! The OCDS merge routine for a compiled release (OCDS 1.1, "Merging"):
//! a process's releases in `date` order, each merged into the output
//! field by field, the later value winning.
//!
//! - `id`, `date` and `tag` of a release are discarded (`omitWhenMerged`);
//!   the compiled release gets `tag` `["compiled"]`, `date` the latest
//!   release's date and `id` `{ocid}-{date}`.
//! - A `null` removes the field from the output.
//! - Objects merge field by field; an empty object changes nothing.
//! - An array holding anything but objects, or one the 1.1 schema marks
//!   `wholeListMerge` (`additionalIdentifiers`, `additionalClassifications`)
//!   or whose objects have no `id` in the schema (`Amendment.changes`), is
//!   a literal: replaced whole.
//! - Other arrays of objects merge by `id`: an object whose `id` matches
//!   one in the output merges into it, others are appended; inside one
//!   release too, a repeated `id` is one entry, the later winning; an
//!   empty array changes nothing.
//!
//! Releases sort by their `date` text, as the reference implementation
//! (`ocdsmerge`) sorts them; releases of one date keep their order.

use super::json::{key_order, same_key, Json, Object};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// The fields of a release that are metadata about it alone.
const OMITTED: [&str; 3] = ["id", "date", "tag"];

/// The arrays the 1.1 release schema merges whole, by name (each name
/// occurs nowhere else in the schema): `wholeListMerge`
/// (`Organization.additionalIdentifiers`, `OrganizationReference.
/// additionalIdentifiers`, `Item.additionalClassifications`), arrays of
/// objects without `id` (`Amendment.changes`) and arrays of strings
/// (`Organization.roles`, `RelatedProcess.relationship`,
/// `Tender.additionalProcurementCategories`, `Tender.submissionMethod`),
/// so that an empty one replaces too. Other arrays holding anything but
/// objects are whole lists by what they hold.
const WHOLE_LISTS: [&str; 7] = [
    "additionalIdentifiers",
    "additionalClassifications",
    "changes",
    "roles",
    "relationship",
    "additionalProcurementCategories",
    "submissionMethod",
];

/// The compiled release of `ocid` from its releases (each a JSON object).
pub fn compile<'a>(
    ocid: &str,
    releases: impl IntoIterator<Item = &'a Map<String, Value>>,
) -> Map<String, Value> {
    let releases = releases.into_iter().map(Object::of_map).collect();
    compile_json(ocid, releases).into_map()
}

/// [`compile`] of releases given away.
pub fn compile_owned(ocid: &str, releases: Vec<Map<String, Value>>) -> Map<String, Value> {
    let releases = releases.into_iter().map(Object::from_map).collect();
    compile_json(ocid, releases).into_map()
}

/// [`compile`] of releases read as [`Json`]: their values move into the
/// output instead of being copied.
pub fn compile_json<'a>(ocid: &str, mut releases: Vec<Object<'a>>) -> Object<'a> {
    releases.sort_by(|a, b| date(a).cmp(date(b)));
    let latest = releases
        .last()
        .map(|r| date(r).to_owned())
        .unwrap_or_default();
    let mut out = Object::default();
    out.insert("tag", Json::Array(vec![Json::String("compiled".into())]));
    for release in releases {
        merge_object(&mut out, release, true);
    }
    out.insert("id", Json::String(format!("{ocid}-{latest}").into()));
    out.insert("date", Json::String(latest.into()));
    out
}

/// A release's `date` as text ("" when it has none).
fn date<'r>(release: &'r Object<'_>) -> &'r str {
    release.get("date").and_then(Json::as_str).unwrap_or("")
}

/// Merges the object `input` into `out`; at the top of a release
/// (`release`), its own metadata is left out. Both are sorted by key, so
/// they are walked side by side.
fn merge_object<'a>(out: &mut Object<'a>, input: Object<'a>, release: bool) {
    let mut held = std::mem::take(out).into_fields().into_iter().peekable();
    let input = input.into_fields();
    let mut merged = Vec::with_capacity(held.len() + input.len());
    for (key, value) in input {
        if release && OMITTED.contains(&&*key) {
            continue;
        }
        merged.extend(std::iter::from_fn(|| {
            held.next_if(|(k, _)| key_order(k, &key).is_lt())
        }));
        let before = held.next_if(|(k, _)| same_key(k, &key));
        if value.is_null() {
            // A null removes the field.
            continue;
        }
        match before {
            Some((key, mut held)) => {
                merge_field(&mut held, &key, value);
                merged.push((key, held));
            }
            None => {
                if let Some(fresh) = fresh(&key, value) {
                    merged.push((key, fresh));
                }
            }
        }
    }
    merged.extend(held);
    *out = Object::from_fields(merged);
}

/// What `value` becomes where the output has nothing yet: what merging
/// it into an empty value of its kind makes (its nulls dropped, repeated
/// ids one entry), made in place; `None` for an empty object or
/// identifier array.
pub(crate) fn fresh<'a>(key: &str, value: Json<'a>) -> Option<Json<'a>> {
    match value {
        Json::Object(mut map) => {
            fresh_object(&mut map);
            (!map.is_empty()).then_some(Json::Object(map))
        }
        Json::Array(items) if merges_by_id(key, &items) => {
            let mut out: Vec<Json<'a>> = Vec::with_capacity(items.len());
            let mut by_id = ById::default();
            for item in items {
                let Json::Object(mut input) = item else {
                    unreachable!("merges_by_id: objects only")
                };
                match matching(&mut by_id, &out, &input) {
                    Some(at) => merge_into(&mut out[at], input),
                    None => {
                        fresh_object(&mut input);
                        if !input.is_empty() {
                            out.push(Json::Object(input));
                            by_id.pushed(&out, entry_id);
                        }
                    }
                }
            }
            (!out.is_empty()).then_some(Json::Array(out))
        }
        literal => Some(literal),
    }
}

/// Where in `out` the entry with `input`'s `id` is (none without one).
fn matching(by_id: &mut ById, out: &[Json<'_>], input: &Object<'_>) -> Option<usize> {
    let id = input.get("id").filter(|id| !id.is_null())?;
    by_id.find(out, entry_id, id)
}

fn entry_id<'j>(entry: &'j Json<'_>) -> Option<&'j Json<'j>> {
    entry.get("id")
}

/// Finds the entries of a list merged by `id`: scanned one by one while
/// the list is short (most hold one to three), looked up by id once it
/// is longer, so that a release naming thousands of parties merges in
/// time linear in their number, not quadratic.
#[derive(Default)]
pub(crate) struct ById {
    hashed: Option<Hashed>,
    /// How many ids were compared one by one (for the tests of the above).
    #[cfg(test)]
    pub(crate) compared: usize,
}

/// A long list's entries: where each id first stands, and the entries
/// whose id is an array or object (compared one by one: no OCDS id is).
#[derive(Default)]
struct Hashed {
    first: HashMap<IdKey, usize>,
    other: Vec<usize>,
}

/// An id as a map's key, equal where the ids are equal as JSON (numbers
/// as `serde_json` compares them: an integer never equals a decimal).
#[derive(PartialEq, Eq, Hash)]
enum IdKey {
    Bool(bool),
    Unsigned(u64),
    Signed(i64),
    Float(u64),
    Text(String),
}

impl IdKey {
    fn of(id: &Json<'_>) -> Option<IdKey> {
        Some(match id {
            Json::Bool(b) => IdKey::Bool(*b),
            Json::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
                (Some(u), ..) => IdKey::Unsigned(u),
                (None, Some(i), _) => IdKey::Signed(i),
                // -0.0 equals 0.0.
                (None, None, Some(f)) => IdKey::Float((f + 0.0).to_bits()),
                (None, None, None) => return None,
            },
            Json::String(s) => IdKey::Text(s.as_ref().to_owned()),
            Json::Null | Json::Array(_) | Json::Object(_) => return None,
        })
    }
}

impl ById {
    /// Lists this long are scanned.
    const SCANNED: usize = 16;

    /// Where the first entry of `entries` whose id (`id_of`) equals `id`
    /// stands.
    pub(crate) fn find<T>(
        &mut self,
        entries: &[T],
        id_of: impl Fn(&T) -> Option<&Json<'_>>,
        id: &Json<'_>,
    ) -> Option<usize> {
        if self.hashed.is_none() && entries.len() > Self::SCANNED {
            let mut hashed = Hashed::default();
            for (at, entry) in entries.iter().enumerate() {
                hashed.add(at, id_of(entry));
            }
            self.hashed = Some(hashed);
        }
        let Some(hashed) = &self.hashed else {
            #[cfg(test)]
            {
                self.compared += entries.len();
            }
            return entries.iter().position(|e| id_of(e) == Some(id));
        };
        match IdKey::of(id) {
            Some(key) => hashed.first.get(&key).copied(),
            None => {
                #[cfg(test)]
                {
                    self.compared += hashed.other.len();
                }
                (hashed.other.iter().copied()).find(|&at| id_of(&entries[at]) == Some(id))
            }
        }
    }

    /// Takes note of the entry just pushed onto `entries`.
    pub(crate) fn pushed<T>(&mut self, entries: &[T], id_of: impl Fn(&T) -> Option<&Json<'_>>) {
        if let (Some(hashed), Some(last)) = (&mut self.hashed, entries.last()) {
            hashed.add(entries.len() - 1, id_of(last));
        }
    }
}

impl Hashed {
    fn add(&mut self, at: usize, id: Option<&Json<'_>>) {
        let Some(id) = id.filter(|id| !id.is_null()) else {
            // Never matched: an entry matches by an id that is not null.
            return;
        };
        match IdKey::of(id) {
            Some(key) => {
                self.first.entry(key).or_insert(at);
            }
            None => self.other.push(at),
        }
    }
}

/// Merges `input` into the entry `object` of a list merged by `id`.
fn merge_into<'a>(object: &mut Json<'a>, input: Object<'a>) {
    let Json::Object(object) = object else {
        unreachable!("lists merged by id hold objects only")
    };
    merge_object(object, input, false);
}

/// An object as merging it into an empty one makes it (each field once:
/// its nulls dropped, the rest fresh), in place.
fn fresh_object(map: &mut Object<'_>) {
    map.retain(|key, value| {
        if value.is_null() {
            return false;
        }
        match fresh(key, std::mem::take(value)) {
            Some(made) => {
                *value = made;
                true
            }
            None => false,
        }
    });
}

/// Whether an array under `key` merges by `id` rather than whole.
fn merges_by_id(key: &str, items: &[Json<'_>]) -> bool {
    !whole_list(key) && items.iter().all(Json::is_object)
}

/// Whether an array under `key` is replaced whole whatever it holds.
pub(crate) fn whole_list(key: &str) -> bool {
    WHOLE_LISTS.contains(&key)
}

/// Merges `value` (not null) into the output's `held` value of `key`.
pub(crate) fn merge_field<'a>(held: &mut Json<'a>, key: &str, value: Json<'a>) {
    match value {
        Json::Object(input) => {
            if let Json::Object(out) = held {
                merge_object(out, input, false);
            } else if let Some(fresh) = fresh(key, Json::Object(input)) {
                *held = fresh;
            }
        }
        Json::Array(items) if merges_by_id(key, &items) => {
            if items.is_empty() {
                return;
            }
            if !matches!(held, Json::Array(out) if out.iter().all(Json::is_object)) {
                *held = Json::Array(Vec::new());
            }
            let Json::Array(out) = held else {
                unreachable!("made an array above")
            };
            let mut by_id = ById::default();
            for item in items {
                let Json::Object(input) = item else {
                    unreachable!("merges_by_id: objects only")
                };
                match matching(&mut by_id, out, &input) {
                    Some(at) => merge_into(&mut out[at], input),
                    None => {
                        let mut object = Object::default();
                        merge_object(&mut object, input, false);
                        if !object.is_empty() {
                            out.push(Json::Object(object));
                            by_id.pushed(out, entry_id);
                        }
                    }
                }
            }
        }
        literal => *held = literal,
    }
}

#[cfg(test)]
#[path = "merge_tests.rs"]
mod tests;
