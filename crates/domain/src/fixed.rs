//! The two exact-number shapes every figure of Lumbung is built on: a
//! decimal with a fixed number of places ([`Fixed`]), and a ratio of two
//! integers ([`Ratio`]). No floating point touches either. The types that
//! carry meaning — [`crate::Money`] and [`crate::Share`], the fund's
//! `Rupiah` and `FeeRate`, the mapping's `Decimal` — wrap these and add
//! only their own bounds, words and serialisation.

use std::fmt;

/// A decimal kept as an integer count of `10^-SCALE`: `Fixed<2>` counts
/// hundredths, `Fixed<0>` whole units.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Fixed<const SCALE: u32>(i64);

/// Why a plain decimal did not parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixedError {
    /// Not `[+-]digits[.digits]`.
    NotANumber,
    /// More decimals than the scale, and the extra ones are not zeros.
    TooManyDecimals,
    /// Does not fit.
    TooLarge,
}

impl<const SCALE: u32> Fixed<SCALE> {
    /// One whole unit in the counted fraction (`10^SCALE`).
    pub const UNIT: i64 = 10i64.pow(SCALE);
    pub const ZERO: Self = Fixed(0);

    /// A value of `raw` counted fractions.
    pub const fn from_raw(raw: i64) -> Self {
        Fixed(raw)
    }

    pub const fn raw(self) -> i64 {
        self.0
    }

    /// Whole units; `None` when they do not fit.
    pub fn from_units(units: i64) -> Option<Self> {
        units.checked_mul(Self::UNIT).map(Fixed)
    }

    /// Parses a plain decimal: optional sign, digits, optional `.` and up to
    /// `SCALE` decimals (more only when the extra ones are zeros). No
    /// grouping, decimal comma or exponent: locale handling belongs to the
    /// reader that hands over this plain form.
    pub fn parse_plain(raw: &str) -> Result<Self, FixedError> {
        let s = raw.trim();
        let (negative, body) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s.strip_prefix('+').unwrap_or(s)),
        };
        let (int, frac) = body.split_once('.').unwrap_or((body, ""));
        if int.is_empty() && frac.is_empty()
            || !int.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(FixedError::NotANumber);
        }
        let (kept, dropped) = frac.split_at(frac.len().min(SCALE as usize));
        if dropped.bytes().any(|b| b != b'0') {
            return Err(FixedError::TooManyDecimals);
        }
        // Counted in i128 so that i64::MIN parses back; refused once past it.
        let mut value: i128 = 0;
        let digits = int.bytes().chain(
            kept.bytes()
                .chain(std::iter::repeat(b'0'))
                .take(SCALE as usize),
        );
        for d in digits {
            value = value
                .checked_mul(10)
                .and_then(|v| v.checked_add(i128::from(d - b'0')))
                .filter(|v| *v <= 1 << 63)
                .ok_or(FixedError::TooLarge)?;
        }
        let value = if negative { -value } else { value };
        i64::try_from(value)
            .map(Fixed)
            .map_err(|_| FixedError::TooLarge)
    }

    /// `None` when the sum does not fit (refused, never wrapped).
    pub fn checked_add(self, other: Self) -> Option<Self> {
        self.0.checked_add(other.0).map(Fixed)
    }

    pub fn checked_sub(self, other: Self) -> Option<Self> {
        self.0.checked_sub(other.0).map(Fixed)
    }

    /// This value times a ratio, rounded half away from zero to the last
    /// place; `None` when the product does not fit.
    pub fn times(self, ratio: Ratio) -> Option<Self> {
        i64::try_from(round_div(
            i128::from(self.0) * i128::from(ratio.num),
            i128::from(ratio.den),
        ))
        .ok()
        .map(Fixed)
    }

    /// Every place written: `-1234.50` for `Fixed<2>`, `7` for `Fixed<0>`.
    pub fn full(self) -> impl fmt::Display {
        Written(self.0, SCALE, false)
    }

    /// The shortest plain form: `8`, `7.5`, `-0.0125`.
    pub fn short(self) -> impl fmt::Display {
        Written(self.0, SCALE, true)
    }
}

/// `value / 10^scale` written out, trailing zeros trimmed or not.
struct Written(i64, u32, bool);

impl fmt::Display for Written {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let &Written(value, scale, trim) = self;
        let sign = if value < 0 { "-" } else { "" };
        let abs = value.unsigned_abs();
        let unit = 10u64.pow(scale);
        let (units, frac) = (abs / unit, abs % unit);
        if scale == 0 || trim && frac == 0 {
            return write!(f, "{sign}{units}");
        }
        let digits = format!("{frac:0width$}", width = scale as usize);
        let digits = if trim {
            digits.trim_end_matches('0')
        } else {
            &digits
        };
        write!(f, "{sign}{units}.{digits}")
    }
}

/// `num / den` rounded half away from zero.
fn round_div(num: i128, den: i128) -> i128 {
    let (q, r) = (num / den, num % den);
    q + if 2 * r.abs() >= den.abs() {
        num.signum() * den.signum()
    } else {
        0
    }
}

/// A ratio kept exact: a numerator over a positive denominator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ratio {
    num: i64,
    den: i64,
}

impl Ratio {
    /// `num ÷ den`; `None` when `den` is zero. The sign moves to the
    /// numerator; a pair with no i64 counterpart is reduced.
    pub fn new(num: i64, den: i64) -> Option<Ratio> {
        match den {
            0 => None,
            d if d < 0 => Some(match (num.checked_neg(), d.checked_neg()) {
                (Some(num), Some(den)) => Ratio { num, den },
                _ => Ratio::reduced(-i128::from(num), -i128::from(d)),
            }),
            den => Some(Ratio { num, den }),
        }
    }

    pub const fn num(self) -> i64 {
        self.num
    }

    pub const fn den(self) -> i64 {
        self.den
    }

    /// Parses a decimal fraction (`0.10`, `-.5`, `2`) with at most
    /// `max_decimals` places, exactly.
    pub fn parse_decimal(raw: &str, max_decimals: u32) -> Option<Ratio> {
        let s = raw.trim();
        let (negative, body) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let (int, frac) = body.split_once('.').unwrap_or((body, ""));
        if int.is_empty() && frac.is_empty()
            || frac.len() > max_decimals as usize
            || !int.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let den = 10i64.checked_pow(frac.len() as u32)?;
        let int: i64 = if int.is_empty() { 0 } else { int.parse().ok()? };
        let frac: i64 = if frac.is_empty() {
            0
        } else {
            frac.parse().ok()?
        };
        let num = int.checked_mul(den)?.checked_add(frac)?;
        Some(Ratio {
            num: if negative { -num } else { num },
            den,
        })
    }

    /// True when this ratio is at least `num / den` (exact; `den` > 0).
    pub fn at_least(self, num: i64, den: i64) -> bool {
        i128::from(self.num) * i128::from(den) >= i128::from(num) * i128::from(self.den)
    }

    /// True when this ratio is at most `num / den` (exact; `den` > 0).
    pub fn at_most(self, num: i64, den: i64) -> bool {
        i128::from(self.num) * i128::from(den) <= i128::from(num) * i128::from(self.den)
    }

    /// `self − other`, exact down to 10⁻¹² when the terms are large.
    pub fn minus(self, other: Ratio) -> Ratio {
        let num = i128::from(self.num) * i128::from(other.den)
            - i128::from(other.num) * i128::from(self.den);
        Ratio::reduced(num, i128::from(self.den) * i128::from(other.den))
    }

    /// The value in `10^-places`, rounded half away from zero.
    pub fn scaled(self, places: u32) -> i128 {
        round_div(
            i128::from(self.num) * 10i128.pow(places),
            i128::from(self.den),
        )
    }

    /// The value with `places` decimals (`0.050000` for six).
    pub fn decimal(self, places: u32) -> String {
        let v = self.scaled(places);
        let sign = if v < 0 { "-" } else { "" };
        let abs = v.unsigned_abs();
        let unit = 10u128.pow(places);
        if places == 0 {
            return format!("{sign}{abs}");
        }
        format!(
            "{sign}{}.{:0width$}",
            abs / unit,
            abs % unit,
            width = places as usize
        )
    }

    fn reduced(mut num: i128, mut den: i128) -> Ratio {
        fn gcd(a: i128, b: i128) -> i128 {
            if b == 0 {
                a.abs()
            } else {
                gcd(b, a % b)
            }
        }
        let g = gcd(num, den).max(1);
        num /= g;
        den /= g;
        // Keep within i64 by giving up precision only beyond 1e-12.
        while num.abs() > i128::from(i64::MAX) || den > i128::from(i64::MAX) {
            num /= 10;
            den /= 10;
        }
        Ratio {
            num: num as i64,
            den: den.max(1) as i64,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn fixed_parses_and_writes_each_scale() {
        assert_eq!(Fixed::<2>::parse_plain("1234.5").unwrap().raw(), 123_450);
        assert_eq!(Fixed::<2>::parse_plain("+.5").unwrap().raw(), 50);
        assert_eq!(Fixed::<2>::parse_plain("1.2300").unwrap().raw(), 123);
        assert_eq!(
            Fixed::<2>::parse_plain("1.234"),
            Err(FixedError::TooManyDecimals)
        );
        assert_eq!(Fixed::<0>::parse_plain("7.0").unwrap().raw(), 7);
        assert_eq!(
            Fixed::<0>::parse_plain("7.5"),
            Err(FixedError::TooManyDecimals)
        );
        assert_eq!(Fixed::<4>::parse_plain("-0.0125").unwrap().raw(), -125);
        for bad in ["", "-", ".", "1,5", "1e3", "1 0", "1.2.3"] {
            assert_eq!(
                Fixed::<2>::parse_plain(bad),
                Err(FixedError::NotANumber),
                "{bad:?}"
            );
        }
        assert_eq!(
            Fixed::<2>::parse_plain("92233720368547758.08"),
            Err(FixedError::TooLarge)
        );
        assert_eq!(Fixed::<2>::from_raw(-5).full().to_string(), "-0.05");
        assert_eq!(Fixed::<4>::from_raw(75_000).short().to_string(), "7.5");
        assert_eq!(Fixed::<4>::from_raw(80_000).short().to_string(), "8");
        assert_eq!(Fixed::<0>::from_raw(-42).full().to_string(), "-42");
        assert_eq!(Fixed::<2>::from_units(i64::MAX / 10), None);
    }

    #[test]
    fn ratios_compare_and_subtract_exactly() {
        let third = Ratio::new(1, 3).unwrap();
        assert_eq!(third.decimal(6), "0.333333");
        assert_eq!(Ratio::new(2, -3).unwrap().decimal(6), "-0.666667");
        assert!(Ratio::new(1, 0).is_none());
        let tenth = Ratio::parse_decimal("0.10", 12).unwrap();
        assert!(tenth.at_least(1, 10) && tenth.at_most(1, 10));
        assert_eq!(
            tenth
                .minus(Ratio::parse_decimal("0.25", 12).unwrap())
                .decimal(6),
            "-0.150000"
        );
        assert!(Ratio::parse_decimal("0.1234567890123", 12).is_none());
        assert_eq!(
            Fixed::<2>::from_raw(100).times(Ratio::new(1, 8).unwrap()),
            Some(Fixed::from_raw(13)),
            "12.5 rounds half away from zero"
        );
        assert_eq!(
            Fixed::<2>::from_raw(i64::MAX).times(Ratio::new(2, 1).unwrap()),
            None
        );
        assert_eq!(
            Ratio::new(i64::MIN, i64::MIN).unwrap().decimal(6),
            "1.000000"
        );
    }

    proptest! {
        #[test]
        fn written_forms_parse_back(raw in proptest::num::i64::ANY) {
            let v = Fixed::<2>::from_raw(raw);
            prop_assert_eq!(Fixed::<2>::parse_plain(&v.full().to_string()), Ok(v));
            let v = Fixed::<4>::from_raw(raw);
            prop_assert_eq!(Fixed::<4>::parse_plain(&v.short().to_string()), Ok(v));
        }
    }
}
