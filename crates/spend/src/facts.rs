//! The spend facts in a compact columnar layout: one value per payment in
//! each column, dimensions as dense integer ids, money as integer minor
//! units. Reports scan these arrays; the store keeps them as blobs.

use lumbung_domain::{text, Money, Text};

/// `date` value for a payment whose date is not known.
pub const NO_DATE: i32 = i32::MIN;
/// `sector` value for a payment with no sector.
pub const NO_SECTOR: u32 = 0;

fn epoch() -> jiff::civil::Date {
    jiff::civil::date(1970, 1, 1)
}

/// A date as stored in [`Facts::date`]: days since 1970-01-01.
pub fn day_number(date: jiff::civil::Date) -> i32 {
    date.since(epoch()).map(|s| s.get_days()).unwrap_or(NO_DATE)
}

/// The date a stored day number stands for; `None` for [`NO_DATE`].
pub fn date_of(day: i32) -> Option<jiff::civil::Date> {
    if day == NO_DATE {
        return None;
    }
    epoch().checked_add(jiff::Span::new().days(day as i64)).ok()
}

/// Bits of [`Facts::flags`].
pub mod flag {
    /// The SME flag is known for this payment…
    pub const SME_KNOWN: u8 = 1;
    /// …and says the supplier is a small or medium enterprise.
    pub const SME: u8 = 2;
    /// The contract type puts the payment out of the anchor's influence
    /// (e.g. a national framework).
    pub const NOT_INFLUENCEABLE: u8 = 4;
}

/// Payments, column by column. All columns have the same length.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    /// Anchor institution (organisation id).
    pub anchor: Vec<u32>,
    /// Fiscal year, by the calendar year it starts in.
    pub year: Vec<i16>,
    /// Payment date as days since 1970-01-01, or [`NO_DATE`].
    pub date: Vec<i32>,
    /// Supplier id of the store's supplier catalogue.
    pub supplier: Vec<u32>,
    /// Amount in minor units (credit notes negative).
    pub amount: Vec<i64>,
    /// Sector id, or [`NO_SECTOR`].
    pub sector: Vec<u32>,
    pub flags: Vec<u8>,
    /// A digest of each payment's unique id ([`payment_key`]), when the
    /// file's mapping names a payment-id column; otherwise empty (not one
    /// value per row). 0 is a row without an id.
    pub payment: Vec<u64>,
}

const MAGIC: &[u8; 8] = b"LMBFACT1";
/// The layout with the payment-id column after the others.
const MAGIC_WITH_PAYMENT_IDS: &[u8; 8] = b"LMBFACT2";

/// The digest a payment id is kept as (FNV-1a, 64 bits; never 0): equal
/// ids have equal digests in every file and every run.
pub fn payment_key(id: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in id.trim().bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h.max(1)
}

impl Facts {
    pub fn len(&self) -> usize {
        self.amount.len()
    }

    pub fn is_empty(&self) -> bool {
        self.amount.is_empty()
    }

    #[allow(clippy::too_many_arguments)]
    pub fn push(
        &mut self,
        anchor: u32,
        year: i16,
        date: i32,
        supplier: u32,
        amount: Money,
        sector: u32,
        flags: u8,
    ) {
        self.anchor.push(anchor);
        self.year.push(year);
        self.date.push(date);
        self.supplier.push(supplier);
        self.amount.push(amount.minor());
        self.sector.push(sector);
        self.flags.push(flags);
    }

    /// Moves each dated payment of an anchor with its own fiscal calendar
    /// (`calendar_of` answers for those only) to that calendar's year;
    /// returns how many moved. Undated payments keep the year their file
    /// gave.
    pub fn reyear(
        &mut self,
        calendar_of: impl Fn(u32) -> Option<lumbung_domain::FiscalCalendar>,
    ) -> usize {
        let mut moved = 0;
        for i in 0..self.len() {
            let (Some(calendar), Some(date)) = (calendar_of(self.anchor[i]), date_of(self.date[i]))
            else {
                continue;
            };
            let year = calendar.year_of(date.year(), date.month()).start_year() as i16;
            if self.year[i] != year {
                self.year[i] = year;
                moved += 1;
            }
        }
        moved
    }

    /// The anchors whose payments these are (a stored chunk is most often
    /// one file's, of one anchor).
    pub fn anchors(&self) -> std::collections::HashSet<u32> {
        let mut seen = std::collections::HashSet::new();
        let mut last = None;
        for &a in &self.anchor {
            if last != Some(a) {
                seen.insert(a);
                last = Some(a);
            }
        }
        seen
    }

    /// The payments whose row passes `keep`, as a new set of columns.
    pub fn filter(&self, keep: impl Fn(&Facts, usize) -> bool) -> Facts {
        let mut out = Facts::default();
        for i in (0..self.len()).filter(|&i| keep(self, i)) {
            out.anchor.push(self.anchor[i]);
            out.year.push(self.year[i]);
            out.date.push(self.date[i]);
            out.supplier.push(self.supplier[i]);
            out.amount.push(self.amount[i]);
            out.sector.push(self.sector[i]);
            out.flags.push(self.flags[i]);
            if !self.payment.is_empty() {
                out.payment.push(self.payment[i]);
            }
        }
        out
    }

    /// The blob layout: magic, row count (u64), then each column's values
    /// little-endian, in field order.
    pub fn encode(&self) -> Vec<u8> {
        let n = self.len();
        let mut out = Vec::with_capacity(16 + n * 35);
        out.extend_from_slice(if self.payment.is_empty() {
            MAGIC
        } else {
            MAGIC_WITH_PAYMENT_IDS
        });
        out.extend_from_slice(&(n as u64).to_le_bytes());
        macro_rules! put {
            ($($column:expr),*) => {
                $($column.iter().for_each(|v| out.extend_from_slice(&v.to_le_bytes()));)*
            };
        }
        put!(
            self.anchor,
            self.year,
            self.date,
            self.supplier,
            self.amount,
            self.sector
        );
        out.extend_from_slice(&self.flags);
        put!(self.payment);
        out
    }

    pub fn decode(bytes: &[u8]) -> Result<Facts, Text> {
        if bytes.len() < 16 || (&bytes[..8] != MAGIC && &bytes[..8] != MAGIC_WITH_PAYMENT_IDS) {
            return Err(text!("not_a_facts_segment";
                id: "bukan segmen fakta", en: "not a facts segment"));
        }
        let with_ids = &bytes[..8] == MAGIC_WITH_PAYMENT_IDS;
        let n = u64::from_le_bytes(bytes[8..16].try_into().expect("8 bytes")) as usize;
        if bytes.len() != 16 + n * if with_ids { 35 } else { 27 } {
            return Err(text!("facts_segment_size", bytes = bytes.len(), rows = n;
                id: "segmen fakta sebesar {bytes} bait tidak memuat {rows} baris",
                en: "facts segment of {bytes} bytes does not hold {rows} rows"));
        }
        let mut at = 16;
        macro_rules! column {
            ($t:ty) => {{
                const W: usize = std::mem::size_of::<$t>();
                let col: Vec<$t> = bytes[at..at + n * W]
                    .chunks_exact(W)
                    .map(|c| <$t>::from_le_bytes(c.try_into().expect("width")))
                    .collect();
                at += n * W;
                col
            }};
        }
        let anchor = column!(u32);
        let year = column!(i16);
        let date = column!(i32);
        let supplier = column!(u32);
        let amount = column!(i64);
        let sector = column!(u32);
        let flags = bytes[at..at + n].to_vec();
        at += n;
        let payment = if with_ids { column!(u64) } else { Vec::new() };
        debug_assert_eq!(at, bytes.len(), "every byte is a value");
        Ok(Facts {
            anchor,
            year,
            date,
            supplier,
            amount,
            sector,
            flags,
            payment,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_anchors_own_calendar_moves_its_dated_payments_only() {
        let mut f = Facts::default();
        let day = day_number(jiff::civil::date(2023, 2, 10));
        f.push(1, 2022, day, 1, Money::from_minor(5), NO_SECTOR, 0);
        f.push(2, 2022, day, 1, Money::from_minor(5), NO_SECTOR, 0);
        f.push(1, 2020, NO_DATE, 1, Money::from_minor(5), NO_SECTOR, 0);
        let january = lumbung_domain::FiscalCalendar::starting(1).unwrap();
        let moved = f.reyear(|a| (a == 1).then_some(january));
        assert_eq!(moved, 1);
        assert_eq!(f.year, vec![2023, 2022, 2020]);
    }

    #[test]
    fn the_anchors_of_payments_are_each_named_once() {
        let mut f = Facts::default();
        assert!(f.anchors().is_empty());
        for a in [4, 4, 2, 4, 9, 9] {
            f.push(a, 2022, NO_DATE, 1, Money::from_minor(5), NO_SECTOR, 0);
        }
        assert_eq!(f.anchors(), [2, 4, 9].into());
    }

    #[test]
    fn encode_decode_round_trip() {
        let mut f = Facts::default();
        f.push(
            3,
            2012,
            15_000,
            7,
            Money::from_minor(-1250),
            NO_SECTOR,
            flag::SME_KNOWN | flag::SME,
        );
        f.push(4, 2013, NO_DATE, 8, Money::from_minor(99), 5, 0);
        let bytes = f.encode();
        assert_eq!(Facts::decode(&bytes).unwrap(), f);
        assert!(Facts::decode(&bytes[..bytes.len() - 1]).is_err());
        assert!(Facts::decode(b"nonsense nonsense").is_err());
        let d = jiff::civil::date(2013, 3, 31);
        assert_eq!(date_of(day_number(d)), Some(d));
        assert_eq!(date_of(NO_DATE), None);
        let mut with_ids = f.clone();
        with_ids.payment = vec![payment_key("INV-1"), 0];
        assert_eq!(Facts::decode(&with_ids.encode()).unwrap(), with_ids);
        assert_eq!(
            with_ids.filter(|f, i| f.anchor[i] == 3).payment,
            vec![payment_key("INV-1")]
        );
        assert_eq!(payment_key(" INV-1 "), payment_key("INV-1"));
        assert_ne!(payment_key("INV-1"), payment_key("INV-2"));
        let only_anchor_4 = f.filter(|f, i| f.anchor[i] == 4);
        assert_eq!(only_anchor_4.len(), 1);
        assert_eq!(only_anchor_4.amount, vec![99]);
    }
}
