//! Exact decimal numbers for numeric answers and thresholds (floor area in
//! m², income in rupiah a month, land in hectares).

use lumbung_domain::ParseError;
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Ten-thousandths: four decimal places.
const SCALE: i64 = 10_000;
/// The largest magnitude, exclusive, in whole units: 10¹¹ (a hundred
/// billion) keeps every value within the 15 significant digits that a JSON
/// number read as a double carries exactly.
const LIMIT_UNITS: i64 = 100_000_000_000;

/// A decimal number with up to four decimal places, kept exact (an integer
/// count of ten-thousandths). Written as a plain decimal with a `.` point
/// (`7.5`, `600000`, `-0.25`); in JSON it is a number (a string such as
/// `"7.5"` is accepted too).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Decimal(i64);

impl Decimal {
    pub const ZERO: Decimal = Decimal(0);

    /// A whole number; `None` beyond ±10¹¹.
    pub fn from_int(units: i64) -> Option<Decimal> {
        (units.abs() < LIMIT_UNITS).then_some(Decimal(units * SCALE))
    }

    /// Parses a plain decimal: optional sign, digits, optional `.` and
    /// decimals (more than four only when the extra ones are zeros). No
    /// grouping, no decimal comma, no exponent.
    pub fn parse(raw: &str) -> Result<Decimal, ParseError> {
        let s = raw.trim();
        let bad = || ParseError(format!("{raw:?} is not a number such as 12 or 7.5"));
        let (negative, body) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s.strip_prefix('+').unwrap_or(s)),
        };
        let (int, frac) = body.split_once('.').unwrap_or((body, ""));
        if int.is_empty() && frac.is_empty() {
            return Err(bad());
        }
        if !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let (kept, dropped) = frac.split_at(frac.len().min(4));
        if dropped.bytes().any(|b| b != b'0') {
            return Err(ParseError(format!(
                "{raw:?} has more than four decimal places"
            )));
        }
        let int = int.trim_start_matches('0');
        if int.len() > 11 {
            return Err(ParseError(format!("{raw:?} is too large")));
        }
        let units: i64 = if int.is_empty() {
            0
        } else {
            int.parse().map_err(|_| bad())?
        };
        if units >= LIMIT_UNITS {
            return Err(ParseError(format!("{raw:?} is too large")));
        }
        let frac: i64 = format!("{kept:0<4}").parse().map_err(|_| bad())?;
        let v = units * SCALE + frac;
        Ok(Decimal(if negative { -v } else { v }))
    }

    /// The value in ten-thousandths.
    pub fn ten_thousandths(self) -> i64 {
        self.0
    }

    fn is_whole(self) -> bool {
        self.0 % SCALE == 0
    }
}

impl fmt::Display for Decimal {
    /// The shortest plain form: `8`, `7.5`, `-0.0125`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let units = abs / SCALE as u64;
        let frac = abs % SCALE as u64;
        if frac == 0 {
            write!(f, "{sign}{units}")
        } else {
            let digits = format!("{frac:04}");
            write!(f, "{sign}{units}.{}", digits.trim_end_matches('0'))
        }
    }
}

impl Serialize for Decimal {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.is_whole() {
            s.serialize_i64(self.0 / SCALE)
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
            let d = Decimal(v);
            prop_assert_eq!(Decimal::parse(&d.to_string()).unwrap(), d);
            let json = serde_json::to_string(&d).unwrap();
            prop_assert_eq!(serde_json::from_str::<Decimal>(&json).unwrap(), d);
        }
    }
}
