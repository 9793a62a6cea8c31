//! A process's awards kept as one value in its row: every field of every
//! award and of its suppliers' parties, so that the pages listing awards
//! (a business's, a charter's year) read them from the process they
//! belong to. A city's 441,000 awards and 481,000 awarded parties as rows
//! of their own were two tables, three B-trees and most of the work of
//! saving an import.

use super::facts::Reader;
use super::{Award, Party};
use lumbung_domain::{Money, SupplierId};

fn put_count(out: &mut Vec<u8>, n: usize) {
    let n = u32::try_from(n).expect("fewer than 4 billion entries in a process");
    out.extend_from_slice(&n.to_le_bytes());
}

fn put_text(out: &mut Vec<u8>, text: &str) {
    put_count(out, text.len());
    out.extend_from_slice(text.as_bytes());
}

fn put_optional_text(out: &mut Vec<u8>, text: Option<&str>) {
    match text {
        Some(t) => {
            out.push(1);
            put_text(out, t);
        }
        None => out.push(0),
    }
}

impl Reader<'_> {
    fn owned_text(&mut self) -> Option<String> {
        self.long_text().map(str::to_owned)
    }
    fn optional_text(&mut self) -> Option<Option<String>> {
        match self.byte()? {
            0 => Some(None),
            1 => Some(Some(self.owned_text()?)),
            _ => None,
        }
    }
}

impl Award {
    /// Every award of a process, as bytes [`Award::decode_all`] reads.
    pub fn encode_all(awards: &[Award]) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 * awards.len() + 4);
        put_count(&mut out, awards.len());
        for a in awards {
            put_optional_text(&mut out, a.id.as_deref());
            put_optional_text(&mut out, a.status.as_deref());
            put_text(&mut out, &a.date);
            match &a.value {
                Some((amount, currency)) => {
                    out.push(1);
                    out.extend_from_slice(&amount.minor().to_le_bytes());
                    put_text(&mut out, currency);
                }
                None => out.push(0),
            }
            put_count(&mut out, a.suppliers.len());
            for p in &a.suppliers {
                put_text(&mut out, &p.key);
                put_text(&mut out, &p.name);
                put_optional_text(&mut out, p.postcode.as_deref());
                put_optional_text(&mut out, p.scale.as_deref());
                put_optional_text(&mut out, p.identifier.as_deref());
                match p.supplier {
                    Some(id) => {
                        out.push(1);
                        out.extend_from_slice(&id.get().to_le_bytes());
                    }
                    None => out.push(0),
                }
            }
        }
        out
    }

    /// Makes every party of `awards` that is supplier `from` supplier
    /// `into` (a merge of suppliers by hand); how many were.
    pub fn merge_supplier(awards: &mut [Award], from: SupplierId, into: SupplierId) -> u64 {
        let mut moved = 0;
        for party in awards.iter_mut().flat_map(|a| a.suppliers.iter_mut()) {
            if party.supplier == Some(from) {
                party.supplier = Some(into);
                moved += 1;
            }
        }
        moved
    }

    /// What [`Award::encode_all`] wrote; `None` for bytes it did not write.
    pub fn decode_all(bytes: &[u8]) -> Option<Vec<Award>> {
        let mut r = Reader(bytes);
        let n = r.count()?;
        let mut awards = Vec::with_capacity(n.min(bytes.len()));
        for _ in 0..n {
            let id = r.optional_text()?;
            let status = r.optional_text()?;
            let date = r.owned_text()?;
            let value = match r.byte()? {
                0 => None,
                1 => Some((Money::from_minor(r.number()?), r.owned_text()?)),
                _ => return None,
            };
            let m = r.count()?;
            let mut suppliers = Vec::with_capacity(m.min(bytes.len()));
            for _ in 0..m {
                suppliers.push(Party {
                    key: r.owned_text()?,
                    name: r.owned_text()?,
                    postcode: r.optional_text()?,
                    scale: r.optional_text()?,
                    identifier: r.optional_text()?,
                    supplier: match r.byte()? {
                        0 => None,
                        1 => Some(SupplierId::new(r.number()?)),
                        _ => return None,
                    },
                });
            }
            awards.push(Award {
                id,
                status,
                date,
                value,
                suppliers,
            });
        }
        r.0.is_empty().then_some(awards)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn text() -> impl Strategy<Value = String> {
        "\\PC{0,12}"
    }

    fn party() -> impl Strategy<Value = Party> {
        (
            text(),
            text(),
            proptest::option::of(text()),
            proptest::option::of(text()),
            proptest::option::of(text()),
            proptest::option::of(any::<i64>()),
        )
            .prop_map(|(key, name, postcode, scale, identifier, supplier)| Party {
                key,
                name,
                postcode,
                scale,
                identifier,
                supplier: supplier.map(SupplierId::new),
            })
    }

    fn award() -> impl Strategy<Value = Award> {
        (
            proptest::option::of(text()),
            proptest::option::of(text()),
            text(),
            proptest::option::of((any::<i64>(), text())),
            proptest::collection::vec(party(), 0..4),
        )
            .prop_map(|(id, status, date, value, suppliers)| Award {
                id,
                status,
                date,
                value: value.map(|(m, c)| (Money::from_minor(m), c)),
                suppliers,
            })
    }

    proptest! {
        #[test]
        fn awards_read_back_as_they_were_kept(awards in proptest::collection::vec(award(), 0..5)) {
            let bytes = Award::encode_all(&awards);
            prop_assert_eq!(Award::decode_all(&bytes), Some(awards));
        }

        #[test]
        fn bytes_cut_short_or_extended_are_refused(
            awards in proptest::collection::vec(award(), 1..4),
            cut in any::<prop::sample::Index>(),
        ) {
            let bytes = Award::encode_all(&awards);
            let at = cut.index(bytes.len());
            prop_assert_eq!(Award::decode_all(&bytes[..at]), None);
            let mut longer = bytes.clone();
            longer.push(0);
            prop_assert_eq!(Award::decode_all(&longer), None);
        }
    }
}
