//! A process compiled from its releases' text, typed: each release read
//! only as far as [`Process::of`] reads its compiled release, into structs
//! of the fields it reads (the others skipped while parsing, never made
//! into values), merged by the OCDS rules field by field, and the process
//! taken from the result. The OCDS merge treats each field on its own, so
//! this gives the process the general merge of the whole releases gives,
//! provided nothing counted by position can vanish: an entry of a list
//! merged by `id` that merges to nothing is dropped, so an entry counted
//! by position (an award, a lot) remembers whether a field it skipped
//! would stay in the compiled release (anything but a null or what merges
//! to nothing). Any other object only matters by the fields read: one
//! without them reads as one that is not there (a party or supplier
//! without `id` or name is never referred to, an item without a
//! classification gives no CPV code), so what it skips is only checked
//! to be JSON.
//!
//! A value of another shape than this reading expects where it descends
//! (an object where a text is read is fine; a text where an object is
//! descended into is not), a key given twice, or an award or lot (or a
//! value it skips) of more than [`MOST_KEYS`] keys, and the process is
//! compiled the general way instead, from its
//! releases read whole. A property test compares both ways on generated
//! releases, well and badly shaped.

use super::Process;
use crate::ocds::json::Key;
use crate::ocds::merge;
use crate::ocds::scan::Named;
use crate::ocds::{compile_json, Json};
use serde::de::{DeserializeSeed, Deserializer, Error as _, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

impl Process {
    /// The process the releases `texts` (each a JSON object, as stored)
    /// compile to; an error when one is not a JSON object. The last
    /// `named.len()` texts are each checked, when named, to be a release
    /// named so that passes the checks of [`crate::ocds::read_each`]
    /// (they were only scanned): `None` when one is not.
    pub fn compile_texts(
        ocid: &str,
        texts: &[&str],
        named: &[Option<Named<'_>>],
    ) -> Option<serde_json::Result<Process>> {
        let mut releases: Vec<Release<'_>> = Vec::with_capacity(texts.len());
        let typed = texts.iter().try_for_each(|t| {
            releases.push(Release::default());
            let last = releases.last_mut().expect("pushed just above");
            Release::read_into(t, last)
        });
        let first_named = texts.len() - named.len();
        if typed.is_ok() {
            let agree = (releases[first_named..].iter().zip(named))
                .all(|(r, n)| n.as_ref().is_none_or(|n| r.is_named(n)));
            return agree.then(|| Ok(compile(releases).process()));
        }
        // Read the checking way (the typed reading is stricter).
        let hold = (texts[first_named..].iter().zip(named))
            .all(|(t, n)| n.as_ref().is_none_or(|n| n.holds(t)));
        if !hold {
            return None;
        }
        Some(Self::compile_whole(ocid, texts))
    }

    /// The process of releases `texts` read whole (the general merge).
    fn compile_whole(ocid: &str, texts: &[&str]) -> serde_json::Result<Process> {
        let mut whole = Vec::with_capacity(texts.len());
        for text in texts {
            match serde_json::from_str(text)? {
                Json::Object(release) => whole.push(release),
                _ => return Err(serde_json::Error::custom("a release is a JSON object")),
            }
        }
        Ok(Process::of_json(&compile_json(ocid, whole)))
    }
}

/// A field as a release gives it: not there, `null` (which removes it),
/// or a value. In a compiled release, never `Null`.
#[derive(Debug, Clone, Default, PartialEq)]
enum Slot<T> {
    #[default]
    Absent,
    Null,
    Set(T),
}

/// What the OCDS merge does with a value of a kind.
trait Node: Sized {
    /// Merges `later` (not a null) into this value of the output.
    fn merge(&mut self, later: Self);
    /// What this value becomes where the output has nothing yet: `None`
    /// when nothing of it stays.
    fn fresh(self) -> Option<Self>;
}

impl<T: Node> Slot<T> {
    fn merge(&mut self, later: Slot<T>) {
        match later {
            Slot::Absent => {}
            Slot::Null => *self = Slot::Absent,
            Slot::Set(value) => match self {
                Slot::Set(held) => held.merge(value),
                _ => *self = Slot::Set(value).fresh(),
            },
        }
    }

    fn fresh(self) -> Slot<T> {
        match self {
            Slot::Set(value) => value.fresh().map_or(Slot::Absent, Slot::Set),
            _ => Slot::Absent,
        }
    }

    fn is_set(&self) -> bool {
        matches!(self, Slot::Set(_))
    }

    fn get(&self) -> Option<&T> {
        match self {
            Slot::Set(value) => Some(value),
            _ => None,
        }
    }
}

/// A value read whole (where the process reads a text, an amount or an
/// id), merged as the general merge merges any value.
#[derive(Debug, Clone, Default, PartialEq)]
struct Leaf<'a>(Json<'a>);

impl Node for Leaf<'_> {
    fn merge(&mut self, later: Self) {
        // No field read as a leaf is one of the lists merged whole.
        merge::merge_field(&mut self.0, "", later.0);
    }

    fn fresh(self) -> Option<Self> {
        merge::fresh("", self.0).map(Leaf)
    }
}

/// A list merged by `id`: each entry an object.
#[derive(Debug, Clone, Default, PartialEq)]
struct List<T>(Vec<T>);

/// An object that may be an entry of a [`List`].
trait Entry {
    fn id(&self) -> Option<&Json<'_>>;
}

impl<T: Node + Entry> Node for List<T> {
    fn merge(&mut self, later: Self) {
        let mut by_id = merge::ById::default();
        for entry in later.0 {
            let at = (entry.id().filter(|id| !id.is_null()))
                .and_then(|id| by_id.find(&self.0, T::id, id));
            match at {
                Some(at) => self.0[at].merge(entry),
                None => {
                    if let Some(fresh) = entry.fresh() {
                        self.0.push(fresh);
                        by_id.pushed(&self.0, T::id);
                    }
                }
            }
        }
    }

    fn fresh(self) -> Option<Self> {
        let mut out = List(Vec::with_capacity(self.0.len()));
        out.merge(self);
        (!out.0.is_empty()).then_some(out)
    }
}

/// A list merged whole (`additionalClassifications`): replaced by a later
/// one, kept even empty, its entries as given (the objects among them
/// read, anything else `None`).
#[derive(Debug, Clone, Default, PartialEq)]
struct Whole<T>(Vec<Option<T>>);

impl<T> Node for Whole<T> {
    fn merge(&mut self, later: Self) {
        *self = later;
    }

    fn fresh(self) -> Option<Self> {
        Some(self)
    }
}

/// Typed objects: their fields, each a [`Slot`], and (of an entry
/// `counted` by position) whether a field not read would stay (`other`),
/// merged field by field.
macro_rules! objects {
    ($($name:ident($counted:literal) { $($field:ident: $ty:ty = $key:literal),* $(,)? })*) => {$(
        #[derive(Debug, Clone, Default, PartialEq)]
        struct $name<'a> {
            $($field: Slot<$ty>,)*
            other: bool,
            _text: PhantomData<&'a str>,
        }

        impl<'a> Fields<'a> for $name<'a> {
            const COUNTED: bool = $counted;

            fn field<A: MapAccess<'a>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
                match key {
                    $($key => slot(&mut self.$field, map).map(|()| true),)*
                    _ => Ok(false),
                }
            }

            fn other(&mut self) -> &mut bool {
                &mut self.other
            }
        }

        impl Node for $name<'_> {
            fn merge(&mut self, later: Self) {
                $(self.$field.merge(later.$field);)*
                self.other |= later.other;
            }

            fn fresh(self) -> Option<Self> {
                let out = Self {
                    $($field: self.$field.fresh(),)*
                    other: self.other,
                    _text: PhantomData,
                };
                (out.other $(|| out.$field.is_set())*).then_some(out)
            }
        }
    )*};
}

objects! {
    Release(false) {
        ocid: Leaf<'a> = "ocid", date: Leaf<'a> = "date", buyer: Buyer<'a> = "buyer",
        parties: List<Party<'a>> = "parties", awards: List<Award<'a>> = "awards",
        tender: Tender<'a> = "tender",
        // Read only to check a release named by a scan ([`Release::is_named`]).
        id: Leaf<'a> = "id", contracts: Leaf<'a> = "contracts",
        releases: Leaf<'a> = "releases", records: Leaf<'a> = "records",
    }
    Buyer(false) { id: Leaf<'a> = "id", name: Leaf<'a> = "name" }
    Party(false) {
        id: Leaf<'a> = "id", name: Leaf<'a> = "name", identifier: SchemeId<'a> = "identifier",
        address: Address<'a> = "address", details: Details<'a> = "details",
    }
    SchemeId(false) { scheme: Leaf<'a> = "scheme", id: Leaf<'a> = "id" }
    Address(false) {
        postal_code: Leaf<'a> = "postalCode", locality: Leaf<'a> = "locality",
        street_address: Leaf<'a> = "streetAddress",
    }
    Details(false) { scale: Leaf<'a> = "scale" }
    Award(true) {
        id: Leaf<'a> = "id", status: Leaf<'a> = "status", date: Leaf<'a> = "date",
        value: Amount<'a> = "value", suppliers: List<Party<'a>> = "suppliers",
    }
    Amount(false) { amount: Leaf<'a> = "amount", currency: Leaf<'a> = "currency" }
    Tender(false) {
        title: Leaf<'a> = "title", status: Leaf<'a> = "status",
        classification: SchemeId<'a> = "classification",
        more_classifications: Whole<SchemeId<'a>> = "additionalClassifications",
        items: List<Item<'a>> = "items", value: Amount<'a> = "value",
        period: Period<'a> = "tenderPeriod", lots: List<Lot<'a>> = "lots",
    }
    Item(false) {
        id: Leaf<'a> = "id", classification: SchemeId<'a> = "classification",
        more_classifications: Whole<SchemeId<'a>> = "additionalClassifications",
    }
    Period(false) { end_date: Leaf<'a> = "endDate" }
    Lot(true) { id: Leaf<'a> = "id" }
}

macro_rules! entries {
    ($($name:ident),*) => {$(
        impl Entry for $name<'_> {
            fn id(&self) -> Option<&Json<'_>> {
                self.id.get().map(|leaf| &leaf.0)
            }
        }
    )*};
}

entries!(Party, Award, Item, Lot);

/// The releases of a process merged in `date` order (a stable sort of
/// their dates' text, as the general merge sorts them).
fn compile(mut releases: Vec<Release<'_>>) -> Compiled<'_> {
    releases.sort_by(|a, b| date_of(a).cmp(date_of(b)));
    let date = releases.last().map(|r| date_of(r).to_owned());
    let mut out = Release::default();
    for r in releases {
        // `id`, `date` and `tag` are the release's own: never merged.
        out.ocid.merge(r.ocid);
        out.buyer.merge(r.buyer);
        out.parties.merge(r.parties);
        out.awards.merge(r.awards);
        out.tender.merge(r.tender);
    }
    Compiled {
        date: date.unwrap_or_default(),
        release: out,
    }
}

impl Release<'_> {
    /// Whether this release (read typed) is one the checking reading
    /// ([`crate::ocds::read_each`]) keeps, named as `named` says: a
    /// release, not a package; its `ocid`, `id` and `date` as named; an
    /// amount in each value of its tender, awards and contracts.
    fn is_named(&self, named: &Named<'_>) -> bool {
        let ocid = (self.ocid.get()).and_then(|o| o.0.as_str()).map(str::trim);
        let identity = match self.id.get().map(|id| &id.0) {
            Some(Json::String(id)) if !id.trim().is_empty() => Some(Cow::Borrowed(id.trim())),
            Some(Json::Number(n)) => Some(Cow::Owned(n.to_string())),
            _ => None,
        };
        let date = self.date.get().and_then(|d| d.0.as_str()).unwrap_or("");
        let valued = |value: &Slot<Amount<'_>>| match value {
            Slot::Set(v) => v.amount.get().is_some_and(|a| a.0.amount().is_some()),
            _ => true,
        };
        let awards = self.awards.get().into_iter().flat_map(|l| &l.0);
        // Each contract's value, as the checking reading finds it.
        let contracts = (self.contracts.get())
            .and_then(|c| c.0.as_array())
            .into_iter()
            .flatten()
            .filter_map(|c| c.get("value").filter(|v| v.is_object()));
        matches!(
            (&self.releases, &self.records),
            (Slot::Absent, Slot::Absent)
        ) && ocid.is_some_and(|o| !o.is_empty() && o == named.ocid)
            && identity.is_some_and(|i| i == named.identity)
            && date == named.date
            && self.tender.get().is_none_or(|t| valued(&t.value))
            && awards.into_iter().all(|a| valued(&a.value))
            && contracts.into_iter().all(|v| {
                (v.get("amount").filter(|a| !a.is_null())).is_some_and(|a| a.amount().is_some())
            })
    }
}

fn date_of<'r>(release: &'r Release<'_>) -> &'r str {
    release.date.get().and_then(|d| d.0.as_str()).unwrap_or("")
}

/// A compiled release as far as it is read: the latest release's date.
struct Compiled<'a> {
    date: String,
    release: Release<'a>,
}

/// A leaf's text, trimmed, when it is a text that is not blank.
fn text<'r>(leaf: &'r Slot<Leaf<'_>>) -> Option<&'r str> {
    leaf.get()?
        .0
        .as_str()
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// An `id` as a key: a text not blank, or a number.
fn key_id<'r>(id: &'r Slot<Leaf<'_>>) -> Option<Cow<'r, str>> {
    match &id.get()?.0 {
        Json::String(id) if !id.trim().is_empty() => Some(Cow::Borrowed(id.trim())),
        Json::Number(n) => Some(Cow::Owned(n.to_string())),
        _ => None,
    }
}

impl Party<'_> {
    /// How awards name it: its `id`, else its name.
    fn key(&self) -> Option<Cow<'_, str>> {
        key_id(&self.id).or_else(|| text(&self.name).map(Cow::Borrowed))
    }

    fn identifier(&self) -> Option<String> {
        let identifier = self.identifier.get()?;
        let id = match &identifier.id.get()?.0 {
            Json::String(s) => s.trim().to_owned(),
            Json::Number(n) => n.to_string(),
            _ => return None,
        };
        super::identifier_of(text(&identifier.scheme), id)
    }

    fn party(&self, key: &str) -> super::Party {
        let address = self.address.get();
        let postcode = address.and_then(|a| {
            text(&a.postal_code)
                .map(str::to_owned)
                .or_else(|| text(&a.locality).and_then(super::postcode_in))
                .or_else(|| text(&a.street_address).and_then(super::postcode_in))
        });
        super::Party {
            key: key.to_owned(),
            name: text(&self.name).unwrap_or(key).to_owned(),
            postcode,
            scale: self
                .details
                .get()
                .and_then(|d| text(&d.scale))
                .map(str::to_lowercase),
            identifier: self.identifier(),
            supplier: None,
        }
    }
}

impl Amount<'_> {
    fn money(&self) -> Option<(lumbung_domain::Money, String)> {
        Some((
            self.amount.get()?.0.amount()?,
            text(&self.currency).unwrap_or("").to_owned(),
        ))
    }
}

impl Compiled<'_> {
    /// What [`Process::of_json`] reads of the same compiled release.
    fn process(&self) -> Process {
        let release = &self.release;
        let date = &self.date;
        let parties: std::collections::HashMap<Cow<'_, str>, &Party<'_>> = (release.parties.get())
            .into_iter()
            .flat_map(|l| &l.0)
            .filter_map(|p| Some((p.key()?, p)))
            .collect();
        let buyer = release.buyer.get();
        let buyer_party = buyer
            .and_then(|b| key_id(&b.id).or_else(|| text(&b.name).map(Cow::Borrowed)))
            .and_then(|key| parties.get(&key).copied());
        let awards = (release.awards.get().into_iter().flat_map(|l| &l.0))
            .map(|a| super::Award {
                id: key_id(&a.id).map(Cow::into_owned),
                status: text(&a.status).map(str::to_owned),
                date: text(&a.date).unwrap_or(date).to_owned(),
                value: a.value.get().and_then(Amount::money),
                suppliers: (a.suppliers.get().into_iter().flat_map(|l| &l.0))
                    .filter_map(|s| {
                        let key = s.key()?;
                        // The party's own entry says more than the reference.
                        Some(parties.get(&key).copied().unwrap_or(s).party(&key))
                    })
                    .collect(),
            })
            .collect();
        let tender = release.tender.get();
        Process {
            ocid: (release.ocid.get())
                .and_then(|o| o.0.as_str())
                .unwrap_or("")
                .to_owned(),
            date: date.clone(),
            buyer_identifier: buyer_party.and_then(|p| p.identifier()),
            buyer: buyer
                .and_then(|b| text(&b.name))
                .or_else(|| buyer_party.and_then(|p| text(&p.name)))
                .map(str::to_owned),
            tender_status: tender.and_then(|t| text(&t.status)).map(str::to_owned),
            tender: tender.map(Tender::tender).unwrap_or_default(),
            awards,
        }
    }
}

impl Tender<'_> {
    fn tender(&self) -> super::Tender {
        let mut cpv: Vec<String> = Vec::new();
        let mut note = |classification: Option<&SchemeId<'_>>| {
            let Some(c) = classification else { return };
            let scheme = text(&c.scheme).unwrap_or("");
            if let Some(code) = text(&c.id)
                .filter(|_| scheme.eq_ignore_ascii_case("CPV"))
                .and_then(super::cpv_code)
            {
                if !cpv.contains(&code) {
                    cpv.push(code);
                }
            }
        };
        note(self.classification.get());
        whole(&self.more_classifications).for_each(&mut note);
        for item in self.items.get().into_iter().flat_map(|l| &l.0) {
            note(item.classification.get());
            whole(&item.more_classifications).for_each(&mut note);
        }
        super::Tender {
            title: text(&self.title).map(str::to_owned),
            cpv,
            value: self.value.get().and_then(Amount::money),
            closes: (self.period.get())
                .and_then(|p| text(&p.end_date))
                .map(str::to_owned),
            lots: self.lots.get().map_or(0, |l| l.0.len() as u64),
        }
    }
}

/// The objects of a list merged whole (`None` for anything else in it).
fn whole<'r, 'a>(
    list: &'r Slot<Whole<SchemeId<'a>>>,
) -> impl Iterator<Item = Option<&'r SchemeId<'a>>> {
    (list.get().into_iter().flat_map(|w| &w.0)).map(Option::as_ref)
}

// Reading. Each value is read into its place (a release's typed parts
// are hundreds of bytes: returned up each level of nesting, their copies
// were a tenth of the reading).

impl<'a> Release<'a> {
    /// Reads `text` into `out` (a default release).
    fn read_into(text: &'a str, out: &mut Release<'a>) -> serde_json::Result<()> {
        let mut de = serde_json::Deserializer::from_str(text);
        Typed(out).deserialize(&mut de)?;
        de.end()
    }
}

/// An object read field by field: the fields it reads set, the others
/// only checked for whether they would stay.
trait Fields<'de>: Default {
    /// Whether it is an entry counted by position: what it skips is read
    /// for whether it would stay.
    const COUNTED: bool;

    /// Reads the value of `key` when it is a field of this object
    /// (`false`: it is not, and is left unread).
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error>;
    fn other(&mut self) -> &mut bool;
}

/// A value read as a [`Slot`] of its kind holds it.
trait Read<'de>: Default {
    /// Reads the value `d` gives into `out` (a default value).
    fn read_into<D: Deserializer<'de>>(d: D, out: &mut Self) -> Result<(), D::Error>;
}

impl<'de> Read<'de> for Leaf<'de> {
    fn read_into<D: Deserializer<'de>>(d: D, out: &mut Self) -> Result<(), D::Error> {
        out.0 = serde::Deserialize::deserialize(d)?;
        Ok(())
    }
}

impl<'de, T: Fields<'de>> Read<'de> for T {
    fn read_into<D: Deserializer<'de>>(d: D, out: &mut Self) -> Result<(), D::Error> {
        Typed(out).deserialize(d)
    }
}

impl<'de, T: Fields<'de>> Read<'de> for List<T> {
    fn read_into<D: Deserializer<'de>>(d: D, out: &mut Self) -> Result<(), D::Error> {
        d.deserialize_seq(Entries(&mut out.0))
    }
}

impl<'de, T: Fields<'de>> Read<'de> for Whole<T> {
    fn read_into<D: Deserializer<'de>>(d: D, out: &mut Self) -> Result<(), D::Error> {
        d.deserialize_seq(Entries(&mut out.0))
    }
}

/// Sets `slot` from the next value of `map`; a field given twice fails.
fn slot<'de, T: Read<'de>, A: MapAccess<'de>>(
    slot: &mut Slot<T>,
    map: &mut A,
) -> Result<(), A::Error> {
    if !matches!(slot, Slot::Absent) {
        return Err(A::Error::custom("a field given twice"));
    }
    map.next_value_seed(SlotSeed(slot))
}

/// Reads a value or `null` into an absent slot.
struct SlotSeed<'s, T>(&'s mut Slot<T>);

impl<'de, T: Read<'de>> DeserializeSeed<'de> for SlotSeed<'_, T> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de, T: Read<'de>> Visitor<'de> for SlotSeed<'_, T> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a value or null")
    }

    fn visit_none<E>(self) -> Result<(), E> {
        *self.0 = Slot::Null;
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        *self.0 = Slot::Null;
        Ok(())
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        *self.0 = Slot::Set(T::default());
        let Slot::Set(out) = self.0 else {
            unreachable!("set just above")
        };
        T::read_into(d, out)
    }
}

/// The most keys an object counted by position (or a value it skips) may
/// have to be read typed: each key is checked against those before it,
/// so a hostile object of a million keys would take quadratic time; one
/// with more goes to the general merge, which reads it in linear time.
const MOST_KEYS: usize = 64;

/// The hashes of an object's keys, to refuse one given twice (a hash met
/// twice refuses too: the process is then compiled the general way). On
/// the stack: one was allocated for every award.
struct Seen {
    hashes: [u64; MOST_KEYS],
    len: usize,
}

impl Seen {
    fn new() -> Seen {
        Seen {
            hashes: [0; MOST_KEYS],
            len: 0,
        }
    }

    /// Notes `key`; `false` when it (or its hash) was met, or when there
    /// are more than [`MOST_KEYS`].
    fn first(&mut self, key: &str) -> bool {
        // FNV-1a: keys are short.
        let hash = key.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        if self.len == MOST_KEYS || self.hashes[..self.len].contains(&hash) {
            return false;
        }
        self.hashes[self.len] = hash;
        self.len += 1;
        true
    }
}

/// Reads an object (and nothing else) into `.0` (a default `T`).
struct Typed<'o, T>(&'o mut T);

impl<'de, T: Fields<'de>> DeserializeSeed<'de> for Typed<'_, T> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, T: Fields<'de>> Visitor<'de> for Typed<'_, T> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let out = self.0;
        let mut seen = T::COUNTED.then(Seen::new);
        while let Some(key) = map.next_key_seed(Key)? {
            if out.field(&key, &mut map)? {
                continue;
            }
            if let Some(seen) = &mut seen {
                if !seen.first(&key) {
                    return Err(A::Error::custom("a key given twice"));
                }
                let stays = map.next_value_seed(Stays(&key))?;
                *out.other() |= stays;
            } else {
                map.next_value::<serde::de::IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// An entry of a list, read into its place: an object as `T`; in a list
/// merged whole (`Option<T>`) anything else is `None`, in a list merged
/// by `id` (`T`) it fails.
trait EntryOf<'de>: Default {
    fn read_entry<D: Deserializer<'de>>(d: D, out: &mut Self) -> Result<(), D::Error>;
}

impl<'de, T: Fields<'de>> EntryOf<'de> for T {
    fn read_entry<D: Deserializer<'de>>(d: D, out: &mut T) -> Result<(), D::Error> {
        Typed(out).deserialize(d)
    }
}

impl<'de, T: Fields<'de>> EntryOf<'de> for Option<T> {
    fn read_entry<D: Deserializer<'de>>(d: D, out: &mut Option<T>) -> Result<(), D::Error> {
        d.deserialize_any(AnyEntry(out))
    }
}

/// The entries of a list, each read into its place at the end of `.0`.
struct Entries<'v, E>(&'v mut Vec<E>);

impl<'de, E: EntryOf<'de>> Visitor<'de> for Entries<'_, E> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON array")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let out = self.0;
        out.reserve(seq.size_hint().unwrap_or(0));
        loop {
            out.push(E::default());
            let last = out.last_mut().expect("pushed just above");
            if seq.next_element_seed(EntrySeed(last))?.is_none() {
                // There was no next entry.
                out.pop();
                return Ok(());
            }
        }
    }
}

struct EntrySeed<'e, E>(&'e mut E);

impl<'de, E: EntryOf<'de>> DeserializeSeed<'de> for EntrySeed<'_, E> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        E::read_entry(d, self.0)
    }
}

/// An entry of a list merged whole: an object read as `T`, anything else
/// `None`.
struct AnyEntry<'e, T>(&'e mut Option<T>);

impl<'de, T: Fields<'de>> Visitor<'de> for AnyEntry<'_, T> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        Typed(self.0.insert(T::default())).visit_map(map)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(())
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_none<E>(self) -> Result<(), E> {
        Ok(())
    }
}

/// Whether a value under key `.0` would stay in a compiled release, as
/// the general merge keeps a value new to it: not a null, an object with
/// a field that stays, a list merged by `id` with an entry that stays, or
/// any other list (replaced whole, even empty). Read without making it; a
/// key given twice in an object fails.
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
        let mut seen = Seen::new();
        while let Some(key) = map.next_key_seed(Key)? {
            if !seen.first(&key) {
                return Err(A::Error::custom("a key given twice"));
            }
            stays |= map.next_value_seed(Stays(&key))?;
        }
        Ok(stays)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
        let (mut objects, mut any_stays) = (true, false);
        while let Some((object, stays)) = seq.next_element_seed(ListEntry)? {
            objects &= object;
            any_stays |= stays;
        }
        Ok(merge::whole_list(self.0) || !objects || any_stays)
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
struct ListEntry;

impl<'de> DeserializeSeed<'de> for ListEntry {
    type Value = (bool, bool);

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(bool, bool), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ListEntry {
    type Value = (bool, bool);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(bool, bool), A::Error> {
        Stays("").visit_map(map).map(|stays| (true, stays))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(bool, bool), A::Error> {
        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
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
