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

use serde_json::{Map, Value};

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
    compile_owned(ocid, releases.into_iter().cloned().collect())
}

/// [`compile`] of releases given away: their values move into the output
/// instead of being copied.
pub fn compile_owned(ocid: &str, mut releases: Vec<Map<String, Value>>) -> Map<String, Value> {
    releases.sort_by(|a, b| date(a).cmp(date(b)));
    let latest = releases
        .last()
        .map(|r| date(r).to_owned())
        .unwrap_or_default();
    let mut out = Map::new();
    out.insert("tag".into(), Value::Array(vec![Value::from("compiled")]));
    for release in releases {
        merge_object(&mut out, release, true);
    }
    out.insert("id".into(), Value::from(format!("{ocid}-{latest}")));
    out.insert("date".into(), Value::from(latest));
    out
}

/// A release's `date` as text ("" when it has none).
fn date(release: &Map<String, Value>) -> &str {
    release.get("date").and_then(Value::as_str).unwrap_or("")
}

/// Merges the object `input` into `out`; at the top of a release
/// (`release`), its own metadata is left out.
fn merge_object(out: &mut Map<String, Value>, input: Map<String, Value>, release: bool) {
    for (key, value) in input {
        if release && OMITTED.contains(&key.as_str()) {
            continue;
        }
        if value.is_null() {
            out.remove(&key);
            continue;
        }
        match out.get_mut(&key) {
            Some(held) => merge_field(held, &key, value),
            None => {
                if let Some(fresh) = fresh(&key, value) {
                    out.insert(key, fresh);
                }
            }
        }
    }
}

/// What `value` becomes where the output has nothing yet: what merging
/// it into an empty value of its kind makes (its nulls dropped, repeated
/// ids one entry), made in place; `None` for an empty object or
/// identifier array.
fn fresh(key: &str, value: Value) -> Option<Value> {
    match value {
        Value::Object(mut map) => {
            fresh_object(&mut map);
            (!map.is_empty()).then_some(Value::Object(map))
        }
        Value::Array(items) if merges_by_id(key, &items) => {
            let mut out: Vec<Value> = Vec::with_capacity(items.len());
            for item in items {
                let Value::Object(mut input) = item else {
                    unreachable!("merges_by_id: objects only")
                };
                let id = input.get("id").filter(|id| !id.is_null());
                match id.and_then(|id| out.iter().position(|o| o.get("id") == Some(id))) {
                    Some(at) => {
                        let object = out[at].as_object_mut().expect("objects only");
                        merge_object(object, input, false);
                    }
                    None => {
                        fresh_object(&mut input);
                        if !input.is_empty() {
                            out.push(Value::Object(input));
                        }
                    }
                }
            }
            (!out.is_empty()).then_some(Value::Array(out))
        }
        literal => Some(literal),
    }
}

/// An object as merging it into an empty one makes it (each field once:
/// its nulls dropped, the rest fresh), in place.
fn fresh_object(map: &mut Map<String, Value>) {
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
fn merges_by_id(key: &str, items: &[Value]) -> bool {
    !whole_list(key) && items.iter().all(Value::is_object)
}

/// Whether an array under `key` is replaced whole whatever it holds.
pub(crate) fn whole_list(key: &str) -> bool {
    WHOLE_LISTS.contains(&key)
}

/// Merges `value` (not null) into the output's `held` value of `key`.
fn merge_field(held: &mut Value, key: &str, value: Value) {
    match value {
        Value::Object(input) => {
            if let Value::Object(out) = held {
                merge_object(out, input, false);
            } else if let Some(fresh) = fresh(key, Value::Object(input)) {
                *held = fresh;
            }
        }
        Value::Array(items) if merges_by_id(key, &items) => {
            if items.is_empty() {
                return;
            }
            if !matches!(held, Value::Array(out) if out.iter().all(Value::is_object)) {
                *held = Value::Array(Vec::new());
            }
            let Value::Array(out) = held else {
                unreachable!("made an array above")
            };
            for item in items {
                let Value::Object(input) = item else {
                    unreachable!("merges_by_id: objects only")
                };
                let id = input.get("id").filter(|id| !id.is_null());
                let matching = id.and_then(|id| out.iter().position(|o| o.get("id") == Some(id)));
                match matching {
                    Some(at) => {
                        let object = out[at].as_object_mut().expect("objects only");
                        merge_object(object, input, false);
                    }
                    None => {
                        let mut object = Map::new();
                        merge_object(&mut object, input, false);
                        if !object.is_empty() {
                            out.push(Value::Object(object));
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
