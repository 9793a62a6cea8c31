//! What names a release, read from the start of its text: its `ocid`,
//! `id` and `date`, the reading stopping once it has met all three
//! (publishers write them first). What follows them is not even checked
//! to be JSON here: the release is checked whole as it is compiled
//! ([`crate::contracts::Process::compile_texts`] with its [`Named`]), and
//! a file with a release that fails is read again the checking way
//! ([`super::read_kept`] without `scanned`), which refuses it with its
//! problems or keeps what it keeps.
//!
//! A city's import read each release twice, once to key and check it and
//! once typed to compile it; this reading is a tenth of the first.

use super::read::{plain_release, Id, Kept};
use crate::ocds::json::Key;
use serde::de::{Error as _, MapAccess, Visitor};
use std::borrow::Cow;
use std::fmt;

/// What a scan said names a release of process `ocid`: the release is
/// kept only if its whole text says the same and passes the checks of
/// [`super::read_each`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Named<'s> {
    pub ocid: &'s str,
    pub identity: &'s str,
    pub date: &'s str,
}

impl Named<'_> {
    /// Whether `text` is a release that passes the checks, named so (read
    /// the checking way: what [`super::read_kept`] reads of a line).
    pub fn holds(&self, text: &str) -> bool {
        plain_release(text).is_some_and(|k| self.names(&k))
    }

    /// Whether `kept` is named so.
    fn names(&self, kept: &Kept<'_>) -> bool {
        (kept.ocid == self.ocid) && (kept.identity == self.identity) && (kept.date == self.date)
    }
}

/// The `ocid`, `id` and `date` at the start of release `text`, kept
/// unchecked; `None` for anything else (not an object, a package, one of
/// them missing, of another type or given twice, an `id` that is not a
/// text or a number): such a release is read the checking way.
pub(super) fn scan(text: &str) -> Option<Kept<'_>> {
    if !text.starts_with('{') {
        return None;
    }
    let mut found = Found::default();
    let mut de = serde_json::Deserializer::from_str(text);
    let read = serde::Deserializer::deserialize_map(&mut de, Fields(&mut found));
    match read {
        // Read whole: a release without `date`, or with it last.
        Ok(()) => de.end().ok()?,
        Err(_) if found.enough => {}
        Err(_) => return None,
    }
    kept(found.ocid, found.id, found.date, text, false)
}

/// The release `text` kept by what names it, as the checking reading
/// names it: its `ocid` trimmed (not blank), its `id` trimmed (a text not
/// blank, or a number), its `date` ("" without one).
pub(super) fn kept<'a>(
    ocid: Option<Cow<'a, str>>,
    id: Option<Id<'a>>,
    date: Option<Cow<'a, str>>,
    text: &'a str,
    checked: bool,
) -> Option<Kept<'a>> {
    let ocid = trimmed(ocid?);
    if ocid.is_empty() {
        return None;
    }
    let identity = match id? {
        Id::Text(id) if !id.trim().is_empty() => trimmed(id),
        Id::Number(n) => Cow::Owned(n.to_string()),
        _ => return None,
    };
    Some(Kept {
        ocid,
        identity,
        date: date.unwrap_or_default(),
        text: Cow::Borrowed(text),
        checked,
    })
}

/// `text` trimmed, borrowed where it was.
fn trimmed(text: Cow<'_, str>) -> Cow<'_, str> {
    match text {
        Cow::Borrowed(text) => Cow::Borrowed(text.trim()),
        Cow::Owned(text) => Cow::Owned(text.trim().to_owned()),
    }
}

#[derive(Default)]
struct Found<'a> {
    ocid: Option<Cow<'a, str>>,
    id: Option<Id<'a>>,
    date: Option<Cow<'a, str>>,
    /// All three met: the reading stopped there.
    enough: bool,
}

struct Fields<'f, 'a>(&'f mut Found<'a>);

impl<'de, 'f> Visitor<'de> for Fields<'f, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let found = self.0;
        while let Some(key) = map.next_key_seed(Key)? {
            let fresh = match &*key {
                "ocid" => text(map.next_value()?).map(|t| found.ocid.replace(t)),
                "date" => match map.next_value()? {
                    // As if not there.
                    Id::Null => Some(found.date.replace(Cow::Borrowed(""))),
                    id => text(id).map(|t| found.date.replace(t)),
                },
                "id" => Some(
                    found
                        .id
                        .replace(map.next_value()?)
                        .map(|_| Cow::Borrowed("")),
                ),
                // A package, not a release.
                "releases" | "records" => None,
                _ => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                    continue;
                }
            };
            // Not a text, a package, or given twice.
            if !matches!(fresh, Some(None)) {
                return Err(A::Error::custom("read the checking way"));
            }
            if found.ocid.is_some() && found.id.is_some() && found.date.is_some() {
                found.enough = true;
                return Err(A::Error::custom("enough"));
            }
        }
        Ok(())
    }
}

/// The text of a value read as an [`Id`] (`None` for any other value).
fn text(id: Id<'_>) -> Option<Cow<'_, str>> {
    match id {
        Id::Text(text) => Some(text),
        _ => None,
    }
}
