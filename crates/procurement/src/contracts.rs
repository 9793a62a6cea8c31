//! What a compiled release says about who was awarded what, and the
//! figures of a set of processes (`lumbung procurement report`): awarded
//! value per currency, to small firms, and by where the suppliers are —
//! with the spend analysis's rule that local is part of regional and
//! unknown is never counted as outside.

use crate::ocds::{Json, Object};
use jiff::civil::Date;
use lumbung_domain::{Money, SupplierId};
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};

/// A party of a process, as its compiled release describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Party {
    /// Its `id` in the release, else its name: how awards name it.
    pub key: String,
    pub name: String,
    /// From `address.postalCode`, else found in the address's text.
    pub postcode: Option<String>,
    /// `details.scale` (`sme`, `micro`, `small`, `medium`, `large`).
    pub scale: Option<String>,
    /// Its `identifier`: a company number when the scheme is Companies
    /// House's (`GB-COH`), as the registers write it; else `SCHEME-ID`.
    pub identifier: Option<String>,
    /// The supplier of the spend analysis's catalogue it is, once the
    /// store has resolved it (the same rules as a payment's supplier).
    pub supplier: Option<SupplierId>,
}

/// An award of a process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Award {
    pub id: Option<String>,
    pub status: Option<String>,
    /// Its `date`, else the compiled release's.
    pub date: String,
    /// `value.amount` and `value.currency` (`""` without one).
    pub value: Option<(Money, String)>,
    /// The suppliers' parties.
    pub suppliers: Vec<Party>,
}

/// A process as the report reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Process {
    pub ocid: String,
    pub date: String,
    pub buyer: Option<String>,
    /// The buyer's party's `identifier`, as [`Party::identifier`] (a
    /// company number, else `SCHEME-ID`): what an anchor is known by.
    pub buyer_identifier: Option<String>,
    pub tender_status: Option<String>,
    pub tender: Tender,
    pub awards: Vec<Award>,
}

/// What a compiled release says of its tender, to match it to local firms.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tender {
    pub title: Option<String>,
    /// The CPV codes of `tender.classification`, its additional
    /// classifications and its items' (8 digits each, once, in order).
    pub cpv: Vec<String>,
    /// `tender.value`.
    pub value: Option<(Money, String)>,
    /// `tenderPeriod.endDate`.
    pub closes: Option<String>,
    /// How many lots.
    pub lots: u64,
}

fn text<'a>(value: Option<&'a Json<'a>>, key: &str) -> Option<&'a str> {
    value?
        .get(key)?
        .as_str()
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

impl Process {
    /// The process a compiled release describes.
    pub fn of(compiled: &Map<String, Value>) -> Process {
        Process::of_json(&Object::of_map(compiled))
    }

    /// [`Process::of`] a compiled release read as [`Json`].
    pub fn of_json(compiled: &Object<'_>) -> Process {
        let date = compiled
            .get("date")
            .and_then(Json::as_str)
            .unwrap_or("")
            .to_owned();
        let parties: HashMap<String, &Json<'_>> = compiled
            .get("parties")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .filter_map(|p| Some((party_key(p)?, p)))
            .collect();
        let buyer = compiled.get("buyer");
        let buyer_party = buyer
            .and_then(party_key)
            .and_then(|key| parties.get(&key).copied());
        let buyer_identifier = buyer_party.and_then(identifier);
        let buyer = text(buyer, "name")
            .or_else(|| text(buyer_party, "name"))
            .map(str::to_owned);
        let awards = compiled
            .get("awards")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .map(|a| Award {
                id: party_key_id(a),
                status: text(Some(a), "status").map(str::to_owned),
                date: text(Some(a), "date").unwrap_or(&date).to_owned(),
                value: a.get("value").and_then(|v| {
                    Some((
                        v.get("amount")?.amount()?,
                        text(Some(v), "currency").unwrap_or("").to_owned(),
                    ))
                }),
                suppliers: a
                    .get("suppliers")
                    .and_then(Json::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|s| {
                        let key = party_key(s)?;
                        // The party's own entry says more than the reference.
                        Some(party(&key, parties.get(&key).copied().unwrap_or(s)))
                    })
                    .collect(),
            })
            .collect();
        Process {
            ocid: compiled
                .get("ocid")
                .and_then(Json::as_str)
                .unwrap_or("")
                .to_owned(),
            date,
            buyer,
            buyer_identifier,
            tender_status: text(compiled.get("tender"), "status").map(str::to_owned),
            tender: compiled.get("tender").map(Tender::of).unwrap_or_default(),
            awards,
        }
    }
}

impl Tender {
    fn of(tender: &Json<'_>) -> Tender {
        let mut cpv: Vec<String> = Vec::new();
        let mut note = |classification: Option<&Json<'_>>| {
            let Some(c) = classification else { return };
            let scheme = text(Some(c), "scheme").unwrap_or("");
            if let Some(code) = text(Some(c), "id")
                .filter(|_| scheme.eq_ignore_ascii_case("CPV"))
                .and_then(cpv_code)
            {
                if !cpv.contains(&code) {
                    cpv.push(code);
                }
            }
        };
        note(tender.get("classification"));
        fn array<'v>(v: &'v Json<'v>, key: &str) -> &'v [Json<'v>] {
            v.get(key).and_then(Json::as_array).unwrap_or(&[])
        }
        for c in array(tender, "additionalClassifications") {
            note(Some(c));
        }
        for item in array(tender, "items") {
            note(item.get("classification"));
            for c in array(item, "additionalClassifications") {
                note(Some(c));
            }
        }
        Tender {
            title: text(Some(tender), "title").map(str::to_owned),
            cpv,
            value: tender.get("value").and_then(|v| {
                Some((
                    v.get("amount")?.amount()?,
                    text(Some(v), "currency").unwrap_or("").to_owned(),
                ))
            }),
            closes: text(tender.get("tenderPeriod"), "endDate").map(str::to_owned),
            lots: tender
                .get("lots")
                .and_then(Json::as_array)
                .map_or(0, |l| l.len() as u64),
        }
    }
}

/// A CPV code's 8 digits (`45233142-6` → `45233142`).
pub fn cpv_code(raw: &str) -> Option<String> {
    let digits: String = raw.trim().chars().take(8).collect();
    (digits.len() == 8 && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

fn party_key_id(p: &Json<'_>) -> Option<String> {
    match p.get("id") {
        Some(Json::String(id)) if !id.trim().is_empty() => Some(id.trim().to_owned()),
        Some(Json::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

fn party_key(p: &Json<'_>) -> Option<String> {
    party_key_id(p).or_else(|| text(Some(p), "name").map(str::to_owned))
}

/// A party's identifier: a Companies House number as the registers write
/// it, else `SCHEME-ID`.
fn identifier(p: &Json<'_>) -> Option<String> {
    let identifier = p.get("identifier")?;
    let id = match identifier.get("id")? {
        Json::String(s) => s.trim().to_owned(),
        Json::Number(n) => n.to_string(),
        _ => return None,
    };
    identifier_of(text(Some(identifier), "scheme"), id)
}

/// An identifier's id (trimmed) in its scheme, as [`Party::identifier`].
fn identifier_of(scheme: Option<&str>, id: String) -> Option<String> {
    if id.is_empty() {
        return None;
    }
    match scheme {
        Some(s) if s.eq_ignore_ascii_case("GB-COH") => {
            lumbung_spend::registers::company_number(&id)
        }
        Some(scheme) => Some(format!("{scheme}-{id}")),
        None => None,
    }
}

fn party(key: &str, p: &Json<'_>) -> Party {
    let address = p.get("address");
    let postcode = text(address, "postalCode")
        .map(str::to_owned)
        .or_else(|| text(address, "locality").and_then(postcode_in))
        .or_else(|| text(address, "streetAddress").and_then(postcode_in));
    Party {
        key: key.to_owned(),
        name: text(Some(p), "name").unwrap_or(key).to_owned(),
        postcode,
        scale: text(p.get("details"), "scale").map(str::to_lowercase),
        identifier: identifier(p),
        supplier: None,
    }
}

/// The postcode publishers put in an address's free text: the last whole
/// word run matching a UK postcode (`[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}`,
/// any case), else the last Indonesian 5-digit postal code.
pub fn postcode_in(text: &str) -> Option<String> {
    let words: Vec<&str> = text
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    // A postcode is one word (`PR12HE`) or two (`PR1 2HE`).
    let mut found = None;
    for (i, word) in words.iter().enumerate() {
        if is_uk_postcode(word) {
            found = Some(word.to_uppercase());
        } else if let Some(next) = words.get(i + 1) {
            // The cheap tests first: each pair of words was joined.
            if next.len() == 3 && is_outward(word) && is_uk_postcode(&format!("{word}{next}")) {
                found = Some(format!("{} {}", word.to_uppercase(), next.to_uppercase()));
            }
        }
    }
    found.or_else(|| {
        words
            .iter()
            .rev()
            .find(|w| w.len() == 5 && w.bytes().all(|b| b.is_ascii_digit()))
            .map(|w| (*w).to_owned())
    })
}

/// `[A-Z]{1,2}[0-9][A-Z0-9]?`, any case.
fn is_outward(w: &str) -> bool {
    let b = w.as_bytes();
    let letters = b.iter().take_while(|c| c.is_ascii_alphabetic()).count();
    if !(1..=2).contains(&letters) || b.len() <= letters || !b[letters].is_ascii_digit() {
        return false;
    }
    match &b[letters + 1..] {
        [] => true,
        [c] => c.is_ascii_alphanumeric(),
        _ => false,
    }
}

/// A whole UK postcode without its space.
fn is_uk_postcode(w: &str) -> bool {
    let b = w.as_bytes();
    b.len() >= 5
        && is_outward(&w[..b.len() - 3])
        && b[b.len() - 3].is_ascii_digit()
        && b[b.len() - 2..].iter().all(u8::is_ascii_alphabetic)
}

/// Which processes a report covers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// The buyer's name, any case.
    pub buyer: Option<String>,
    /// The compiled release's date (its day) on or after.
    pub from: Option<Date>,
    /// The compiled release's date on or before.
    pub to: Option<Date>,
}

impl Filter {
    pub fn keeps(&self, p: &Process) -> bool {
        self.keeps_at(p.buyer.as_deref(), &p.date)
    }

    /// Whether a process of `buyer` whose compiled date is `date` is kept.
    pub fn keeps_at(&self, buyer: Option<&str>, date: &str) -> bool {
        let buyer = self
            .buyer
            .as_deref()
            .is_none_or(|b| buyer.is_some_and(|name| name.trim().eq_ignore_ascii_case(b.trim())));
        let on = date.get(..10).and_then(|d| d.parse::<Date>().ok());
        let dated = match (self.from, self.to) {
            (None, None) => true,
            (from, to) => {
                on.is_some_and(|on| from.is_none_or(|f| on >= f) && to.is_none_or(|t| on <= t))
            }
        };
        buyer && dated
    }
}

/// Where suppliers are: the area paths of the local area and the region
/// (the region holds the local area; without one, it is the local area),
/// and the area path each postcode is mapped to (`None`: not mapped).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Placing {
    pub local: String,
    pub region: String,
    pub located: HashMap<String, Option<String>>,
}

impl Placing {
    /// Where a supplier at `postcode` is, as the spend analysis places one.
    pub fn place(&self, postcode: Option<&str>) -> Place {
        self.at(postcode.and_then(|pc| self.located.get(pc)?.as_deref()))
    }

    /// Where the area of `path` is (`None`: not placed).
    pub fn at(&self, path: Option<&str>) -> Place {
        match path {
            None => Place::Unknown,
            Some(path) if path.starts_with(&self.local) => Place::Local,
            Some(path) if path.starts_with(&self.region) => Place::Regional,
            Some(_) => Place::Outside,
        }
    }
}

/// Where a supplier is, as the spend analysis places it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Local,
    /// In the region, not in the local area.
    Regional,
    Outside,
    Unknown,
}

/// Sums per currency, as decimal strings with two decimals.
pub type PerCurrency = BTreeMap<String, Money>;

/// Awarded value by where the suppliers are. `regional` includes `local`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ByLocation {
    pub local: PerCurrency,
    pub regional: PerCurrency,
    pub outside: PerCurrency,
    pub unknown: PerCurrency,
}

/// The figures of a set of processes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Figures {
    pub processes: u64,
    pub releases: u64,
    /// Processes whose compiled tender status is `active`.
    pub open_tenders: u64,
    /// Awards whose compiled status is `active`.
    pub awards: u64,
    pub awarded_value: PerCurrency,
    /// To suppliers whose `details.scale` is `sme`, `micro`, `small` or
    /// `medium` (an award with several suppliers split equally).
    pub awarded_sme: PerCurrency,
    pub by_location: ByLocation,
    /// Distinct awarded suppliers.
    pub suppliers: u64,
}

/// [`Figures`] in all and per buyer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    #[serde(flatten)]
    pub all: Figures,
    pub by_buyer: Vec<BuyerFigures>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BuyerFigures {
    pub buyer: String,
    #[serde(flatten)]
    pub figures: Figures,
}

#[path = "contracts_awards.rs"]
mod awards;
#[path = "contracts_facts.rs"]
mod facts;
#[path = "contracts_read.rs"]
mod read;
pub use facts::{AwardFacts, Facts, SupplierFacts, Tally, Who};

/// A sum would not fit: refused, never wrapped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the awarded value of {currency} does not fit")]
pub struct Overflow {
    pub currency: String,
}

fn add(sums: &mut PerCurrency, currency: &str, amount: Money) -> Result<(), Overflow> {
    // A currency's sum is found without allocating its code again: a
    // city's report adds up a million parts.
    let sum = match sums.get_mut(currency) {
        Some(sum) => sum,
        None => sums.entry(currency.to_owned()).or_insert(Money::ZERO),
    };
    *sum = sum.checked_add(amount).ok_or_else(|| Overflow {
        currency: currency.to_owned(),
    })?;
    Ok(())
}

/// `amount` split into `n` parts that sum to it exactly: the hundredths
/// left over go one each to the first parts. (Euclid's division: a
/// negative amount's remainder, taken by truncation, was negative and
/// never given out, so its parts summed to less.)
pub(crate) fn split(amount: Money, n: usize) -> Vec<Money> {
    let minor = amount.minor();
    let n64 = n as i64;
    if n64 == 0 {
        return Vec::new();
    }
    let (each, left) = (minor.div_euclid(n64), minor.rem_euclid(n64));
    (0..n64)
        .map(|i| Money::from_minor(each + i64::from(i < left)))
        .collect()
}

/// The report of `processes`: in all and per buyer (by name; processes
/// without a buyer under ""). `releases` counts the releases held per
/// ocid; `place` says where a supplier's postcode is.
pub fn report(
    processes: &[Process],
    releases: &HashMap<String, u64>,
    place: &impl Fn(Option<&str>) -> Place,
) -> Result<Report, Overflow> {
    let mut tally = Tally::default();
    for p in processes {
        let held = releases.get(&p.ocid).copied().unwrap_or(0);
        tally.add(p.buyer.as_deref(), held, &p.facts(), place)?;
    }
    Ok(tally.finish())
}

#[cfg(test)]
#[path = "contracts_tests.rs"]
mod tests;
