//! Exact decimal numbers for numeric answers and thresholds (floor area in
//! m², income in rupiah a month, land in hectares).

use lumbung_domain::{text, Fixed, FixedError, ParseError};
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Ten-thousandths: four decimal places.
const SCALE: i64 = Fixed::<4>::UNIT;
/// The largest magnitude, exclusive, in whole units: 10¹¹ (a hundred
/// billion) keeps every value within the 15 significant digits that a JSON
/// number read as a double carries exactly.
const LIMIT_UNITS: i64 = 100_000_000_000;

/// A decimal number with up to four decimal places, kept exact (an integer
/// count of ten-thousandths). Written as a plain decimal with a `.` point
/// (`7.5`, `600000`, `-0.25`); in JSON it is a number (a string such as
/// `"7.5"` is accepted too).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Decimal(Fixed<4>);

impl Decimal {
    pub const ZERO: Decimal = Decimal(Fixed::ZERO);

    /// A whole number; `None` beyond ±10¹¹.
    pub fn from_int(units: i64) -> Option<Decimal> {
        (units.unsigned_abs() < LIMIT_UNITS as u64)
            .then(|| Fixed::from_units(units).map(Decimal))
            .flatten()
    }

    /// Parses a plain decimal: optional sign, digits, optional `.` and
    /// decimals (more than four only when the extra ones are zeros). No
    /// grouping, no decimal comma, no exponent.
    pub fn parse(raw: &str) -> Result<Decimal, ParseError> {
        let value = format!("{raw:?}");
        let too_large = || {
            ParseError(text!("too_large", value = value;
                id: "{value} terlalu besar", en: "{value} is too large"))
        };
        let v = Fixed::<4>::parse_plain(raw).map_err(|e| match e {
            FixedError::NotANumber => ParseError(text!("not_a_decimal", value = value;
                id: "{value} bukan angka seperti 12 atau 7.5",
                en: "{value} is not a number such as 12 or 7.5")),
            FixedError::TooManyDecimals => {
                ParseError(text!("more_than_four_decimals", value = value;
                id: "{value} punya lebih dari empat angka desimal",
                en: "{value} has more than four decimal places"))
            }
            FixedError::TooLarge => too_large(),
        })?;
        if v.raw().unsigned_abs() / SCALE as u64 >= LIMIT_UNITS as u64 {
            return Err(too_large());
        }
        Ok(Decimal(v))
    }

    /// The value in ten-thousandths.
    pub fn ten_thousandths(self) -> i64 {
        self.0.raw()
    }

    fn is_whole(self) -> bool {
        self.0.raw() % SCALE == 0
    }
}

impl fmt::Display for Decimal {
    /// The shortest plain form: `8`, `7.5`, `-0.0125`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.short().fmt(f)
    }
}

/// A JSON number (text such as `"7.5"` is read too).
impl schemars::JsonSchema for Decimal {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Decimal".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({"type": "number"})
    }
}

impl Serialize for Decimal {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.is_whole() {
            s.serialize_i64(self.0.raw() / SCALE)
        } else {
            // At most 15 significant digits: the double's shortest form is
            // this decimal again.
            let v: f64 = self
                .to_string()
                .parse()
                .map_err(serde::ser::Error::custom)?;
            s.serialize_f64(v)
        }
    }
}

impl<'de> Deserialize<'de> for Decimal {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Decimal;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number with up to four decimal places")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Decimal, E> {
                Decimal::from_int(v).ok_or_else(|| E::custom(format!("{v} is too large")))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Decimal, E> {
                i64::try_from(v)
                    .ok()
                    .and_then(Decimal::from_int)
                    .ok_or_else(|| E::custom(format!("{v} is too large")))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Decimal, E> {
                if !v.is_finite() {
                    return Err(E::custom("a number must be finite"));
                }
                // Display of a double is its shortest round-trip form.
                Decimal::parse(&v.to_string()).map_err(E::custom)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Decimal, E> {
                Decimal::parse(v).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_plain_decimals_exactly() {
        assert_eq!(Decimal::parse("7.5").unwrap().ten_thousandths(), 75_000);
        assert_eq!(Decimal::parse("600000").unwrap().to_string(), "600000");
        assert_eq!(Decimal::parse(" -0.25 ").unwrap().to_string(), "-0.25");
        assert_eq!(Decimal::parse(".5").unwrap().to_string(), "0.5");
        assert_eq!(Decimal::parse("8.00000").unwrap().to_string(), "8");
        assert_eq!(Decimal::parse("0.0001").unwrap().to_string(), "0.0001");
        for bad in ["", "-", "tiga", "7,5", "1e3", "1 000", "8.00001", "1.2.3"] {
            assert!(Decimal::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert!(Decimal::parse("99999999999").is_ok());
        assert!(Decimal::parse("100000000000").is_err());
    }

    #[test]
    fn json_numbers_and_strings() {
        let d: Decimal = serde_json::from_str("7.5").unwrap();
        assert_eq!(d, Decimal::parse("7.5").unwrap());
        let d: Decimal = serde_json::from_str("\"0.5\"").unwrap();
        assert_eq!(serde_json::to_string(&d).unwrap(), "0.5");
        assert_eq!(
            serde_json::to_string(&Decimal::from_int(600_000).unwrap()).unwrap(),
            "600000"
        );
        assert!(serde_json::from_str::<Decimal>("1e300").is_err());
    }

    proptest! {
        #[test]
        fn display_parse_and_json_round_trip(v in -(LIMIT_UNITS * SCALE - 1)..(LIMIT_UNITS * SCALE)) {
            let d = Decimal(Fixed::from_raw(v));
            prop_assert_eq!(Decimal::parse(&d.to_string()).unwrap(), d);
            let json = serde_json::to_string(&d).unwrap();
            prop_assert_eq!(serde_json::from_str::<Decimal>(&json).unwrap(), d);
        }
    }
}
