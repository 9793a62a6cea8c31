//! Exact numbers for scores and multipliers: ratios of big integers, so
//! that a sum of quotients (a bid's three scores, LM3's rounds) is kept
//! whole and rounded once, for display.

use lumbung_domain::Money;
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{Signed, Zero};

/// An exact rational number.
pub type Exact = BigRational;

/// A whole number as an [`Exact`].
pub fn int(n: i64) -> Exact {
    Exact::from_integer(BigInt::from(n))
}

/// An amount of money, exactly.
pub fn money(m: Money) -> Exact {
    Exact::new(BigInt::from(m.minor()), BigInt::from(100))
}

/// Parses a plain decimal (`12`, `-0.125`, `+3.`) with at most
/// `max_places` decimals; grouping, exponents and decimal commas are not
/// read. `None` when it is not such a decimal.
pub fn parse_decimal(raw: &str, max_places: usize) -> Option<Exact> {
    let s = raw.trim();
    let (negative, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let (int_part, frac) = body.split_once('.').unwrap_or((body, ""));
    let digits = |d: &str| d.bytes().all(|b| b.is_ascii_digit());
    if (int_part.is_empty() && frac.is_empty())
        || !digits(int_part)
        || !digits(frac)
        || frac.len() > max_places
        // Bounded at the edge: no figure of a tender needs 30 digits.
        || int_part.len() > 30
    {
        return None;
    }
    let whole: BigInt = format!("{int_part}{frac}").parse().unwrap_or_default();
    let value = Exact::new(whole, BigInt::from(10).pow(frac.len() as u32));
    Some(if negative { -value } else { value })
}

/// `value` with exactly `places` decimals, rounded half away from zero
/// (half-up for the non-negative figures shown).
pub fn decimal(value: &Exact, places: u32) -> String {
    let scale = BigInt::from(10).pow(places);
    let scaled = value.abs() * Exact::from_integer(scale.clone());
    let rounded = (scaled + Exact::new(BigInt::from(1), BigInt::from(2))).floor();
    let n = rounded.to_integer();
    let sign = if value.is_negative() && !n.is_zero() {
        "-"
    } else {
        ""
    };
    let units = &n / &scale;
    if places == 0 {
        return format!("{sign}{units}");
    }
    let frac = (&n % &scale).to_string();
    format!("{sign}{units}.{frac:0>width$}", width = places as usize)
}

/// `value` rounded to cents, half away from zero; `None` past an amount.
pub fn to_money(value: &Exact) -> Option<Money> {
    let cents: i64 = decimal(value, 2).replace('.', "").parse().ok()?;
    Some(Money::from_minor(cents))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_round_half_up_once() {
        let third = Exact::new(BigInt::from(1), BigInt::from(3));
        assert_eq!(decimal(&third, 4), "0.3333");
        assert_eq!(decimal(&(int(2) / int(3)), 4), "0.6667");
        assert_eq!(decimal(&parse_decimal("0.00005", 5).unwrap(), 4), "0.0001");
        assert_eq!(decimal(&parse_decimal("0.00004", 5).unwrap(), 4), "0.0000");
        assert_eq!(decimal(&parse_decimal("-1.005", 3).unwrap(), 2), "-1.01");
        assert_eq!(decimal(&int(60), 4), "60.0000");
        assert_eq!(decimal(&int(7), 0), "7");
    }

    #[test]
    fn only_plain_decimals_parse() {
        assert_eq!(
            parse_decimal(" 12.50 ", 2),
            Some(Exact::new(1250.into(), 100.into()))
        );
        assert_eq!(parse_decimal("1.234", 2), None);
        for bad in ["", ".", "1,5", "1e3", "abc", "--1", "1.2.3"] {
            assert_eq!(parse_decimal(bad, 6), None, "{bad}");
        }
        assert_eq!(
            to_money(&parse_decimal("10.005", 3).unwrap()),
            Some(Money::from_minor(1001))
        );
    }
}
