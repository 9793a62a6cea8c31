//! Money and shares, exact: integer minor units (hundredths of the
//! currency unit: pence, sen) and ratios of them. No floating point touches
//! a total.

use crate::fixed::{Fixed, FixedError, Ratio};
use crate::{text, ParseError};
use serde::{Serialize, Serializer};
use std::fmt;

/// The currency amounts are shown in: a country's own. Amounts are
/// stored without one (a ledger holds one country's payments).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Currency {
    #[serde(rename = "IDR")]
    Rupiah,
    #[serde(rename = "GBP")]
    Pound,
}

impl Currency {
    /// The currency of a country of the area tree (its root code: `ID`,
    /// `UK`/`GB`); `None` for a country Lumbung has no currency for.
    pub fn of_country(code: &str) -> Option<Currency> {
        match code.to_ascii_uppercase().as_str() {
            "ID" | "IDN" => Some(Currency::Rupiah),
            "UK" | "GB" | "GBR" => Some(Currency::Pound),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Currency::Rupiah => "IDR",
            Currency::Pound => "GBP",
        }
    }

    pub fn parse(code: &str) -> Option<Currency> {
        match code {
            "IDR" => Some(Currency::Rupiah),
            "GBP" => Some(Currency::Pound),
            _ => None,
        }
    }

    /// Written before the amount: `Rp 262.138`, `£262,138.23`.
    pub fn sign(self) -> &'static str {
        match self {
            Currency::Rupiah => "Rp\u{a0}",
            Currency::Pound => "£",
        }
    }
}

/// An amount in hundredths of the currency unit. Rupiah amounts carry two
/// zero decimals, so one type serves pounds and rupiah alike; a total of
/// ten million payments of a billion rupiah each still fits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(Fixed<2>);

impl Money {
    pub const ZERO: Money = Money(Fixed::ZERO);

    pub const fn from_minor(minor: i64) -> Money {
        Money(Fixed::from_raw(minor))
    }

    pub const fn minor(self) -> i64 {
        self.0.raw()
    }

    pub fn from_units(units: i64) -> Money {
        Money::from_minor(units * 100)
    }

    /// Parses a plain decimal: optional sign, digits, optional `.` and up to
    /// two decimals (more are accepted only when they are zeros). Locale
    /// handling (grouping, decimal comma, currency signs) belongs to the
    /// file reader, which hands over this plain form.
    pub fn parse_plain(raw: &str) -> Result<Money, ParseError> {
        Fixed::parse_plain(raw).map(Money).map_err(|e| {
            let value = format!("{raw:?}");
            ParseError::new(match e {
                FixedError::NotANumber => text!("not_an_amount", value = value;
                    id: "{value} bukan jumlah uang", en: "{value} is not an amount"),
                FixedError::TooManyDecimals => text!("amount_decimals", value = value;
                    id: "{value} punya lebih dari dua desimal; jumlah uang disimpan sampai perseratus",
                    en: "{value} has more than two decimals; amounts are kept to the hundredth"),
                FixedError::TooLarge => text!("too_large", value = value;
                    id: "{value} terlalu besar", en: "{value} is too large"),
            })
        })
    }

    /// `self + other`; `None` when the sum does not fit (refused, never
    /// wrapped: money has no `+` operator).
    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }

    /// `self − other`; `None` when the difference does not fit.
    pub fn checked_sub(self, other: Money) -> Option<Money> {
        self.0.checked_sub(other.0).map(Money)
    }

    /// This amount times a share, rounded half away from zero to the
    /// hundredth; `None` when the product does not fit.
    pub fn times(self, share: Share) -> Option<Money> {
        self.0.times(share.0).map(Money)
    }
}

impl fmt::Display for Money {
    /// `-1234.50`: a plain decimal with two places, as JSON and CSV carry it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.full().fmt(f)
    }
}

/// Serialised as its `Display` text, a JSON string of `pattern`.
macro_rules! as_json_text {
    ($ty:ident, $pattern:literal) => {
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl schemars::JsonSchema for $ty {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($ty).into()
            }

            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({"type": "string", "pattern": $pattern})
            }
        }
    };
}

// As JSON carries it: a decimal with two places, as text (`"-1234.50"`).
as_json_text!(Money, "^-?[0-9]+\\.[0-9]{2}$");

/// A ratio kept exact (numerator over a positive denominator) and shown
/// as a decimal fraction with six places (`0.050000`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Share(Ratio);

impl Share {
    /// `part ÷ whole`; `None` when the whole is zero.
    pub fn of(part: Money, whole: Money) -> Option<Share> {
        Ratio::new(part.minor(), whole.minor()).map(Share)
    }

    /// Parses a decimal fraction such as `0.10` exactly.
    pub fn parse(raw: &str) -> Result<Share, ParseError> {
        Ratio::parse_decimal(raw, 12).map(Share).ok_or_else(|| {
            ParseError::new(text!("not_a_fraction", value = format!("{raw:?}");
                id: "{value} bukan pecahan desimal seperti 0.10",
                en: "{value} is not a decimal fraction such as 0.10"))
        })
    }

    /// True when this share is at least `num / den` (exact; `den` > 0).
    pub fn at_least(self, num: i64, den: i64) -> bool {
        self.0.at_least(num, den)
    }

    /// True when this share is at most `num / den` (exact; `den` > 0).
    pub fn at_most(self, num: i64, den: i64) -> bool {
        self.0.at_most(num, den)
    }

    /// The difference `self − other`, exact.
    pub fn minus(self, other: Share) -> Share {
        Share(self.0.minus(other.0))
    }

    /// The share in percentage points with four decimals (`0.031` →
    /// `3.1000`): six decimals of a fraction are four of a percentage.
    pub fn percentage_points(self) -> String {
        let v = self.0.scaled(6);
        let sign = if v < 0 { "-" } else { "" };
        let abs = v.unsigned_abs();
        format!("{sign}{}.{:04}", abs / 10_000, abs % 10_000)
    }
}

impl fmt::Display for Share {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.decimal(6))
    }
}

// As JSON carries it: a decimal fraction with six places, as text
// (`"0.050000"`).
as_json_text!(Share, "^-?[0-9]+\\.[0-9]{6}$");

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn plain_amounts() {
        assert_eq!(Money::parse_plain("1234.5").unwrap().minor(), 123_450);
        assert_eq!(Money::parse_plain("-12.50").unwrap().minor(), -1_250);
        assert_eq!(Money::parse_plain(".5").unwrap().minor(), 50);
        assert_eq!(Money::parse_plain("1500").unwrap().minor(), 150_000);
        assert_eq!(Money::parse_plain("1.2300").unwrap().minor(), 123);
        assert!(Money::parse_plain("1.234").is_err());
        assert!(Money::parse_plain("1,234").is_err());
        assert!(Money::parse_plain("").is_err());
        assert!(Money::parse_plain("-").is_err());
        assert_eq!(Money::from_minor(-5).to_string(), "-0.05");
        assert_eq!(Money::from_units(750_000_000).to_string(), "750000000.00");
    }

    #[test]
    fn shares_are_exact_and_print_six_places() {
        let total = Money::from_units(750_000_000);
        let local = Money::from_units(37_500_000);
        assert_eq!(Share::of(local, total).unwrap().to_string(), "0.050000");
        assert_eq!(
            Share::of(Money::from_units(1), Money::from_units(3))
                .unwrap()
                .to_string(),
            "0.333333"
        );
        assert_eq!(
            Share::of(Money::from_units(2), Money::from_units(3))
                .unwrap()
                .to_string(),
            "0.666667"
        );
        assert!(Share::of(local, Money::ZERO).is_none());
        let target = Share::parse("0.10").unwrap();
        let gap = target.minus(Share::of(local, total).unwrap());
        assert_eq!(
            total.times(gap),
            Some(Money::from_units(37_500_000)),
            "Preston: 10% instead of 5% of £750m"
        );
        assert_eq!(
            Share::parse("0.1")
                .unwrap()
                .minus(Share::parse("0.25").unwrap())
                .to_string(),
            "-0.150000"
        );
        assert!(Share::parse("ten").is_err());
        assert!(Share::parse("0.10").unwrap().at_least(1, 10));
        assert!(!Share::parse("0.0999").unwrap().at_least(1, 10));
        let tenth = Share::of(Money::from_units(10), Money::from_units(100)).unwrap();
        assert!(tenth.at_most(1, 10) && tenth.at_least(1, 10));
        assert_eq!(Share::parse("0.031").unwrap().percentage_points(), "3.1000");
        assert_eq!(
            Share::parse("-0.0512345").unwrap().percentage_points(),
            "-5.1235"
        );
    }

    #[test]
    fn sums_and_products_that_do_not_fit_are_refused() {
        let max = Money::from_minor(i64::MAX);
        assert_eq!(max.checked_add(Money::from_minor(1)), None);
        assert_eq!(
            Money::from_minor(i64::MIN).checked_sub(Money::from_minor(1)),
            None
        );
        assert_eq!(
            max.checked_sub(Money::from_minor(1)),
            Some(Money::from_minor(i64::MAX - 1))
        );
        assert_eq!(max.times(Share::parse("2").unwrap()), None, "not wrapped");
        let min = Money::from_minor(i64::MIN);
        assert_eq!(Share::of(min, min).unwrap().to_string(), "1.000000");
        assert_eq!(
            Share::of(Money::from_minor(1), min).unwrap().to_string(),
            "0.000000"
        );
    }

    proptest! {
        #[test]
        fn display_then_parse_round_trips(minor in -10_000_000_000i64..10_000_000_000) {
            let m = Money::from_minor(minor);
            prop_assert_eq!(Money::parse_plain(&m.to_string()).unwrap(), m);
        }

        #[test]
        fn times_one_is_identity(minor in -1_000_000_000i64..1_000_000_000) {
            let m = Money::from_minor(minor);
            prop_assert_eq!(m.times(Share::parse("1").unwrap()), Some(m));
        }
    }
}
