//! What the report reads of a process, compact: its active awards with
//! their values and suppliers (who, small or not, the postcode), kept as a
//! few bytes per process when the process is compiled, so that a city's
//! report reads one short record per process instead of its rows of text;
//! and [`Tally`], the report's figures added up one process at a time.

use super::{add, split, BuyerFigures, Figures, Overflow, Place, Process, Report};
use lumbung_domain::{Money, SupplierId};
use std::collections::{BTreeMap, HashSet};

/// The report's view of one process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts<'a> {
    /// The compiled tender status is `active`.
    pub tender_active: bool,
    /// Its awards whose compiled status is `active` (the only ones the
    /// figures count).
    pub awards: Vec<AwardFacts<'a>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwardFacts<'a> {
    /// Amount and currency code (`""` without one).
    pub value: Option<(Money, &'a str)>,
    pub suppliers: Vec<SupplierFacts<'a>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupplierFacts<'a> {
    pub who: Who<'a>,
    /// `details.scale` is `sme`, `micro`, `small` or `medium`.
    pub sme: bool,
    /// The party's postcode, as published or found in its address.
    pub postcode: Option<&'a str>,
}

/// Who a supplier is: the catalogue's supplier, once resolved, else the
/// party's key in its release.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Who<'a> {
    Supplier(SupplierId),
    Party(&'a str),
}

impl Process {
    /// The report's view of this process.
    pub fn facts(&self) -> Facts<'_> {
        Facts {
            tender_active: self.tender_status.as_deref() == Some("active"),
            awards: self
                .awards
                .iter()
                .filter(|a| a.status.as_deref() == Some("active"))
                .map(|a| AwardFacts {
                    value: a.value.as_ref().map(|(m, c)| (*m, c.as_str())),
                    suppliers: a
                        .suppliers
                        .iter()
                        .map(|s| SupplierFacts {
                            who: match s.supplier {
                                Some(id) => Who::Supplier(id),
                                None => Who::Party(&s.key),
                            },
                            sme: matches!(
                                s.scale.as_deref(),
                                Some("sme" | "micro" | "small" | "medium")
                            ),
                            postcode: s.postcode.as_deref(),
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

fn put_text(out: &mut Vec<u8>, text: &str) {
    // Currency codes and postcodes are short; longer text is cut at a
    // character boundary (never met: postcodes are found in ≤ 8 letters).
    let mut end = text.len().min(255);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    out.push(end as u8);
    out.extend_from_slice(&text.as_bytes()[..end]);
}

/// Reads the bytes [`Facts::encode`] (and `Award::encode_all`) wrote, in
/// order.
pub(super) struct Reader<'a>(pub(super) &'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, rest) = (self.0.get(..n)?, self.0.get(n..)?);
        self.0 = rest;
        Some(head)
    }
    pub(super) fn byte(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }
    pub(super) fn number(&mut self) -> Option<i64> {
        Some(i64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    pub(super) fn count(&mut self) -> Option<usize> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?) as usize)
    }
    /// A short text: its length in a byte.
    fn text(&mut self) -> Option<&'a str> {
        let n = self.byte()? as usize;
        std::str::from_utf8(self.take(n)?).ok()
    }
    /// A text of any length: its length in four bytes.
    pub(super) fn long_text(&mut self) -> Option<&'a str> {
        let n = self.count()?;
        std::str::from_utf8(self.take(n)?).ok()
    }
}

impl<'a> Facts<'a> {
    /// A few bytes: the tender flag; per active award its value and
    /// suppliers; per supplier who, small or not, and its postcode.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = vec![u8::from(self.tender_active)];
        out.extend_from_slice(&(self.awards.len() as u32).to_le_bytes());
        for a in &self.awards {
            match a.value {
                Some((amount, currency)) => {
                    out.push(1);
                    out.extend_from_slice(&amount.minor().to_le_bytes());
                    put_text(&mut out, currency);
                }
                None => out.push(0),
            }
            out.extend_from_slice(&(a.suppliers.len() as u32).to_le_bytes());
            for s in &a.suppliers {
                match s.who {
                    Who::Supplier(id) => {
                        out.push(1);
                        out.extend_from_slice(&id.get().to_le_bytes());
                    }
                    Who::Party(key) => {
                        out.push(0);
                        put_text(&mut out, key);
                    }
                }
                out.push(u8::from(s.sme));
                match s.postcode {
                    Some(pc) => {
                        out.push(1);
                        put_text(&mut out, pc);
                    }
                    None => out.push(0),
                }
            }
        }
        out
    }

    /// Makes supplier `from` supplier `into` wherever it was awarded (a
    /// merge of suppliers by hand).
    pub fn merge_supplier(&mut self, from: SupplierId, into: SupplierId) {
        for s in self.awards.iter_mut().flat_map(|a| a.suppliers.iter_mut()) {
            if s.who == Who::Supplier(from) {
                s.who = Who::Supplier(into);
            }
        }
    }

    /// What [`Facts::encode`] wrote; `None` for bytes it did not write.
    pub fn decode(bytes: &'a [u8]) -> Option<Facts<'a>> {
        let mut r = Reader(bytes);
        let tender_active = r.byte()? == 1;
        let n = r.count()?;
        let mut awards = Vec::with_capacity(n.min(bytes.len()));
        for _ in 0..n {
            let value = match r.byte()? {
                1 => Some((Money::from_minor(r.number()?), r.text()?)),
                _ => None,
            };
            let m = r.count()?;
            let mut suppliers = Vec::with_capacity(m.min(bytes.len()));
            for _ in 0..m {
                let who = match r.byte()? {
                    1 => Who::Supplier(SupplierId::new(r.number()?)),
                    _ => Who::Party(r.text()?),
                };
                let sme = r.byte()? == 1;
                let postcode = match r.byte()? {
                    1 => Some(r.text()?),
                    _ => None,
                };
                suppliers.push(SupplierFacts { who, sme, postcode });
            }
            awards.push(AwardFacts { value, suppliers });
        }
        r.0.is_empty().then_some(Facts {
            tender_active,
            awards,
        })
    }
}

/// Figures being added up, and the distinct suppliers behind them.
#[derive(Debug, Default)]
struct Sum {
    figures: Figures,
    suppliers: HashSet<Result<SupplierId, String>>,
}

impl Sum {
    fn add(
        &mut self,
        releases: u64,
        facts: &Facts<'_>,
        place: &impl Fn(Option<&str>) -> Place,
    ) -> Result<(), Overflow> {
        let f = &mut self.figures;
        f.processes += 1;
        f.releases += releases;
        f.open_tenders += u64::from(facts.tender_active);
        for a in &facts.awards {
            f.awards += 1;
            for s in &a.suppliers {
                let who = match s.who {
                    Who::Supplier(id) => Ok(id),
                    Who::Party(key) => Err(key),
                };
                // Owned only the first time a supplier is met.
                let known = match who {
                    Ok(id) => self.suppliers.contains(&Ok(id)),
                    Err(key) => self.suppliers.contains(&Err(key.to_owned())),
                };
                if !known {
                    self.suppliers.insert(who.map_err(str::to_owned));
                }
            }
            let Some((amount, currency)) = a.value else {
                continue;
            };
            add(&mut f.awarded_value, currency, amount)?;
            if a.suppliers.is_empty() {
                add(&mut f.by_location.unknown, currency, amount)?;
                continue;
            }
            for (s, part) in a.suppliers.iter().zip(split(amount, a.suppliers.len())) {
                if s.sme {
                    add(&mut f.awarded_sme, currency, part)?;
                }
                match place(s.postcode) {
                    Place::Local => {
                        add(&mut f.by_location.local, currency, part)?;
                        add(&mut f.by_location.regional, currency, part)?;
                    }
                    Place::Regional => add(&mut f.by_location.regional, currency, part)?,
                    Place::Outside => add(&mut f.by_location.outside, currency, part)?,
                    Place::Unknown => add(&mut f.by_location.unknown, currency, part)?,
                }
            }
        }
        Ok(())
    }

    fn finish(mut self) -> Figures {
        self.figures.suppliers = self.suppliers.len() as u64;
        self.figures
    }
}

/// The report's figures, in all and per buyer, added up one process at a
/// time ([`Tally::add`]) and read at the end ([`Tally::finish`]).
#[derive(Debug, Default)]
pub struct Tally {
    all: Sum,
    buyers: BTreeMap<String, Sum>,
}

impl Tally {
    /// Adds a process of `buyer` (none: under `""`) with `releases` held.
    pub fn add(
        &mut self,
        buyer: Option<&str>,
        releases: u64,
        facts: &Facts<'_>,
        place: &impl Fn(Option<&str>) -> Place,
    ) -> Result<(), Overflow> {
        self.all.add(releases, facts, place)?;
        let buyer = buyer.unwrap_or("");
        let sum = match self.buyers.get_mut(buyer) {
            Some(sum) => sum,
            None => self.buyers.entry(buyer.to_owned()).or_default(),
        };
        sum.add(releases, facts, place)
    }

    pub fn finish(self) -> Report {
        Report {
            all: self.all.finish(),
            by_buyer: self
                .buyers
                .into_iter()
                .map(|(buyer, sum)| BuyerFigures {
                    buyer,
                    figures: sum.finish(),
                })
                .collect(),
        }
    }
}
