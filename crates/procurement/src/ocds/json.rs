//! A JSON value borrowing its text, for compiling releases: strings and
//! keys stay in the release's text (unless escaped), and an object is its
//! fields sorted by key — what `serde_json`'s map holds, in the same order
//! and with the same equality, without a node and a `String` per field.
//! The merge and the contracts' `Process::of` read it; values made of
//! `serde_json::Value` convert both ways.

use lumbung_domain::Money;
use serde::de::{Deserialize, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;

/// A JSON value, its text borrowed where it can be.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Json<'a> {
    #[default]
    Null,
    Bool(bool),
    Number(Number),
    String(Cow<'a, str>),
    Array(Vec<Json<'a>>),
    Object(Object<'a>),
}

/// An object's fields sorted by key, each key once.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Object<'a>(Vec<(Cow<'a, str>, Json<'a>)>);

impl<'a> Object<'a> {
    /// The fields as given: sorted by key, of a key given twice the later
    /// kept (as `serde_json` reads an object).
    pub fn from_fields(mut fields: Vec<(Cow<'a, str>, Json<'a>)>) -> Object<'a> {
        if !fields.is_sorted_by(|a, b| key_order(&a.0, &b.0).is_lt()) {
            fields.sort_by(|a, b| key_order(&a.0, &b.0));
            // `dedup_by` hands the later of two neighbours first.
            fields.dedup_by(|later, kept| {
                let same = same_key(&later.0, &kept.0);
                if same {
                    std::mem::swap(&mut later.1, &mut kept.1);
                }
                same
            });
        }
        Object(fields)
    }

    pub fn get(&self, key: &str) -> Option<&Json<'a>> {
        self.at(key).ok().map(|at| &self.0[at].1)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Json<'a>> {
        self.at(key).ok().map(|at| &mut self.0[at].1)
    }

    /// Sets `key`, in its place among the others.
    pub fn insert(&mut self, key: impl Into<Cow<'a, str>>, value: Json<'a>) {
        let key = key.into();
        match self.at(&key) {
            Ok(at) => self.0[at].1 = value,
            Err(at) => self.0.insert(at, (key, value)),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Json<'a>)> {
        self.0.iter().map(|(k, v)| (&**k, v))
    }

    /// The fields in key order, given away.
    pub fn into_fields(self) -> Vec<(Cow<'a, str>, Json<'a>)> {
        self.0
    }

    /// Keeps the fields `keep` says yes to (and may change).
    pub fn retain(&mut self, mut keep: impl FnMut(&str, &mut Json<'a>) -> bool) {
        self.0.retain_mut(|(k, v)| keep(k, v));
    }

    fn at(&self, key: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(k, _)| key_order(k, key))
    }

    /// A `serde_json` object, borrowed.
    pub fn of_map(map: &'a Map<String, Value>) -> Object<'a> {
        // A map iterates in key order, each key once.
        Object(
            map.iter()
                .map(|(k, v)| (Cow::Borrowed(k.as_str()), Json::of_value(v)))
                .collect(),
        )
    }

    /// A `serde_json` object, given away.
    pub fn from_map(map: Map<String, Value>) -> Object<'static> {
        Object(
            map.into_iter()
                .map(|(k, v)| (Cow::Owned(k), Json::from_value(v)))
                .collect(),
        )
    }

    pub fn into_map(self) -> Map<String, Value> {
        self.0
            .into_iter()
            .map(|(k, v)| (k.into_owned(), v.into_value()))
            .collect()
    }
}

/// Keys in byte order (`serde_json`'s map's), most told apart by their
/// first byte: a release's keys are short, and comparing them was a
/// seventh of compiling its process.
pub(crate) fn key_order(a: &str, b: &str) -> Ordering {
    match (a.as_bytes().first(), b.as_bytes().first()) {
        (Some(x), Some(y)) if x != y => x.cmp(y),
        _ => a.cmp(b),
    }
}

/// Whether two keys are the same, most told apart without reading them.
pub(crate) fn same_key(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.as_bytes().first() == b.as_bytes().first() && a == b
}

impl<'a> Json<'a> {
    pub fn get(&self, key: &str) -> Option<&Json<'a>> {
        match self {
            Json::Object(o) => o.get(key),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Json<'a>]> {
        match self {
            Json::Array(items) => Some(items),
            _ => None,
        }
    }

    /// The amount of an OCDS value: a JSON number (or numeric text) with
    /// at most two decimals, within Money's bounds.
    pub fn amount(&self) -> Option<Money> {
        let raw = match self {
            Json::Number(n) => n.to_string(),
            Json::String(s) => s.trim().to_owned(),
            _ => return None,
        };
        Money::parse_plain(&raw).ok()
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Json::Null)
    }

    pub fn is_object(&self) -> bool {
        matches!(self, Json::Object(_))
    }

    /// A `serde_json` value, borrowed.
    pub fn of_value(value: &'a Value) -> Json<'a> {
        match value {
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Number(n) => Json::Number(n.clone()),
            Value::String(s) => Json::String(Cow::Borrowed(s)),
            Value::Array(items) => Json::Array(items.iter().map(Json::of_value).collect()),
            Value::Object(map) => Json::Object(Object::of_map(map)),
        }
    }

    /// A `serde_json` value, given away.
    pub fn from_value(value: Value) -> Json<'static> {
        match value {
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(b),
            Value::Number(n) => Json::Number(n),
            Value::String(s) => Json::String(Cow::Owned(s)),
            Value::Array(items) => Json::Array(items.into_iter().map(Json::from_value).collect()),
            Value::Object(map) => Json::Object(Object::from_map(map)),
        }
    }

    pub fn into_value(self) -> Value {
        match self {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Bool(b),
            Json::Number(n) => Value::Number(n),
            Json::String(s) => Value::String(s.into_owned()),
            Json::Array(items) => Value::Array(items.into_iter().map(Json::into_value).collect()),
            Json::Object(o) => Value::Object(o.into_map()),
        }
    }
}

/// [`Json::amount`] of a `serde_json` value.
pub fn amount(value: &Value) -> Option<Money> {
    Json::of_value(value).amount()
}

impl<'de> Deserialize<'de> for Json<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Json<'de>, D::Error> {
        d.deserialize_any(Reading(Whole))
    }
}

/// How an object's and an array's contents are read into [`Json`] (any
/// other value is read whole).
pub(crate) trait Shape<'de> {
    fn object<A: MapAccess<'de>>(self, map: A) -> Result<Json<'de>, A::Error>;
    fn array<A: SeqAccess<'de>>(self, seq: A) -> Result<Json<'de>, A::Error>;
}

/// Every field and every entry.
struct Whole;

impl<'de> Shape<'de> for Whole {
    fn object<A: MapAccess<'de>>(self, mut map: A) -> Result<Json<'de>, A::Error> {
        let mut fields = Vec::with_capacity(map.size_hint().unwrap_or(0));
        while let Some(key) = map.next_key_seed(Key)? {
            fields.push((key, map.next_value::<Json<'de>>()?));
        }
        Ok(Json::Object(Object::from_fields(fields)))
    }

    fn array<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json<'de>, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element::<Json<'de>>()? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }
}

/// Reads a JSON value as `serde_json::Value` reads it (a float JSON
/// cannot hold becomes a null), borrowing its text; objects and arrays as
/// its [`Shape`] says.
pub(crate) struct Reading<S>(pub S);

impl<'de, S: Shape<'de>> Visitor<'de> for Reading<S> {
    type Value = Json<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Json<'de>, A::Error> {
        self.0.object(map)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Json<'de>, A::Error> {
        self.0.array(seq)
    }

    fn visit_bool<E>(self, v: bool) -> Result<Json<'de>, E> {
        Ok(Json::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Json<'de>, E> {
        Ok(Json::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Json<'de>, E> {
        Ok(Json::Number(v.into()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Json<'de>, E> {
        Ok(Number::from_f64(v).map_or(Json::Null, Json::Number))
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Json<'de>, E> {
        Ok(Json::String(Cow::Borrowed(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Json<'de>, E> {
        Ok(Json::String(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E>(self, v: String) -> Result<Json<'de>, E> {
        Ok(Json::String(Cow::Owned(v)))
    }

    fn visit_unit<E>(self) -> Result<Json<'de>, E> {
        Ok(Json::Null)
    }

    fn visit_none<E>(self) -> Result<Json<'de>, E> {
        Ok(Json::Null)
    }
}

/// An object's key, borrowed from the text when it has no escapes.
pub(crate) struct Key;

impl<'de> DeserializeSeed<'de> for Key {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_object_read_is_what_serde_json_reads() {
        let text = r#"{"b": 1, "a": {"z": null, "y": [1.5, "t\u00e9"]}, "b": 2, "c": true}"#;
        let read: Json = serde_json::from_str(text).unwrap();
        let value: Value = serde_json::from_str(text).unwrap();
        assert_eq!(read.clone().into_value(), value);
        assert_eq!(Json::of_value(&value), read);
        let Json::Object(o) = &read else {
            panic!("an object")
        };
        let keys: Vec<_> = o.iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["a", "b", "c"]);
        assert_eq!(o.get("b"), Some(&Json::Number(2.into())));
        assert!(matches!(
            read.get("a")
                .and_then(|a| a.get("y"))
                .and_then(|y| y.as_array()),
            Some([_, Json::String(Cow::Owned(_))])
        ));
    }

    #[test]
    fn fields_are_set_in_key_order() {
        let mut o = Object::from_map(json!({"b": 1}).as_object().unwrap().clone());
        o.insert("c", Json::Null);
        o.insert("a", Json::Bool(true));
        o.insert("b", Json::Bool(false));
        assert_eq!(
            Json::Object(o).into_value(),
            json!({"a": true, "b": false, "c": null})
        );
    }

    proptest::proptest! {
        #[test]
        fn keys_compare_as_text_compares(a in "[a-c\u{e9}]{0,3}", b in "[a-c\u{e9}]{0,3}") {
            proptest::prop_assert_eq!(key_order(&a, &b), a.cmp(&b));
            proptest::prop_assert_eq!(same_key(&a, &b), a == b);
        }
    }
}
