//! Amounts as people write them: currency signs and codes, grouping,
//! decimal point or comma, and the several ways of writing a negative.
//!
//! A value is first *lexed*: signs, currency and spaces are taken off,
//! leaving digits with `.` and `,`. Which of those is the decimal separator
//! is decided per column from all its values ([`decide`]), and only then is
//! each value read ([`parse`]), strictly: grouping must come in threes, and
//! more than two non-zero decimals is an error. No floating point is used,
//! except to read numbers that a spreadsheet stores as floats
//! ([`sheet_number`]).

use super::Locale;
use lumbung_domain::{text, Money, Text};
use lumbung_tabular::table::trim;

/// Which separator is the decimal one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NumberFormat {
    /// `1,234.56`: English.
    Point,
    /// `1.234,56`: Indonesian (and most of continental Europe).
    Comma,
}

impl NumberFormat {
    pub fn of(locale: Locale) -> NumberFormat {
        match locale {
            Locale::En => NumberFormat::Point,
            Locale::Id => NumberFormat::Comma,
        }
    }

    pub fn example(self) -> &'static str {
        match self {
            NumberFormat::Point => "1,234.56",
            NumberFormat::Comma => "1.234,56",
        }
    }
}

/// A value with its sign and currency taken off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Lexed {
    pub negative: bool,
    /// Digits, `.` and `,` only.
    pub body: String,
    /// The currency written with it hints at the number format: `Rp`/`IDR`
    /// → comma, `£`/`$`/`GBP`/`USD` → point.
    pub hint: Option<NumberFormat>,
}

fn not_an_amount(raw: &str) -> Text {
    text!("not_an_amount", value = format!("{raw:?}");
        id: "{value} bukan jumlah uang", en: "{value} is not an amount")
}

fn too_large(raw: &str) -> Text {
    text!("too_large", value = format!("{raw:?}"); id: "{value} terlalu besar", en: "{value} is too large")
}

/// Takes a value apart. Err says why it is not an amount.
pub(crate) fn lex(raw: &str) -> Result<Lexed, Text> {
    let s = trim(raw);
    let bad = || not_an_amount(s);
    let mut body = String::with_capacity(s.len());
    let mut minus = 0;
    let mut minus_after_digits = false;
    let (mut open, mut close) = (false, false);
    let mut hint = None;
    let mut digits = false;
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '0'..='9' => {
                if minus_after_digits || close {
                    return Err(bad());
                }
                digits = true;
                body.push(c);
            }
            '.' | ',' => {
                if minus_after_digits || close {
                    return Err(bad());
                }
                body.push(c);
            }
            '-' | '\u{2212}' | '\u{2013}' => {
                minus += 1;
                minus_after_digits = digits;
            }
            '+' => {}
            '(' if !open && !digits => open = true,
            ')' if open && !close && digits => close = true,
            // Spaces group digits in both formats: `1 234,50`.
            ' ' | '\u{a0}' | '\u{202f}' | '\u{2009}' | '\'' | '\u{2019}' => {}
            '£' | '$' => hint = Some(NumberFormat::Point),
            '€' => {}
            c if c.is_alphabetic() => {
                let mut end = i + c.len_utf8();
                while let Some(&(j, d)) = chars.peek() {
                    if !d.is_alphabetic() {
                        break;
                    }
                    end = j + d.len_utf8();
                    chars.next();
                }
                let word = s[i..end].to_ascii_lowercase();
                match word.as_str() {
                    "rp" => {
                        hint = Some(NumberFormat::Comma);
                        // `Rp.` — the dot belongs to the sign.
                        if let Some(&(_, '.')) = chars.peek() {
                            chars.next();
                        }
                    }
                    "idr" => hint = Some(NumberFormat::Comma),
                    "gbp" | "usd" => hint = Some(NumberFormat::Point),
                    "eur" => {}
                    _ => return Err(bad()),
                }
            }
            _ => return Err(bad()),
        }
    }
    if !digits || minus > 1 || open != close || (minus == 1 && open) {
        return Err(bad());
    }
    Ok(Lexed {
        negative: minus == 1 || open,
        body,
        hint,
    })
}

/// What one value says about the column's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Evidence {
    /// No separator: any format reads it the same.
    None,
    /// Could be either (`1,234`, `1.234`).
    Ambiguous,
    Says(NumberFormat),
}

pub(crate) fn evidence(body: &str) -> Evidence {
    let dots = body.bytes().filter(|&b| b == b'.').count();
    let commas = body.bytes().filter(|&b| b == b',').count();
    // A lone separator followed by exactly three digits, after one to three
    // digits not starting with a zero, reads as grouping or as decimals.
    let lone = |sep: char, decimal_if_not: NumberFormat| {
        let (before, after) = body.split_once(sep).unwrap_or((body, ""));
        let could_group =
            after.len() == 3 && (1..=3).contains(&before.len()) && !before.starts_with('0');
        if could_group {
            Evidence::Ambiguous
        } else {
            Evidence::Says(decimal_if_not)
        }
    };
    match (dots, commas) {
        (0, 0) => Evidence::None,
        (d, c) if d > 0 && c > 0 => {
            if body.rfind('.') > body.rfind(',') {
                Evidence::Says(NumberFormat::Point)
            } else {
                Evidence::Says(NumberFormat::Comma)
            }
        }
        (0, 1) => lone(',', NumberFormat::Comma),
        (1, 0) => lone('.', NumberFormat::Point),
        (0, _) => Evidence::Says(NumberFormat::Point),
        _ => Evidence::Says(NumberFormat::Comma),
    }
}

/// Tallies the evidence of a column's values.
#[derive(Debug, Clone, Default)]
pub(crate) struct Tally {
    point: usize,
    comma: usize,
    ambiguous: usize,
    hint_point: usize,
    hint_comma: usize,
    example_ambiguous: Option<String>,
}

impl Tally {
    #[cfg(test)]
    pub fn add(&mut self, raw: &str) {
        if let Ok(lexed) = lex(raw) {
            self.add_lexed(&lexed, raw);
        }
    }

    pub fn add_lexed(&mut self, lexed: &Lexed, raw: &str) {
        match evidence(&lexed.body) {
            Evidence::None => {}
            Evidence::Ambiguous => {
                self.ambiguous += 1;
                if self.example_ambiguous.is_none() {
                    self.example_ambiguous = Some(trim(raw).to_string());
                }
            }
            Evidence::Says(NumberFormat::Point) => self.point += 1,
            Evidence::Says(NumberFormat::Comma) => self.comma += 1,
        }
        match lexed.hint {
            Some(NumberFormat::Point) => self.hint_point += 1,
            Some(NumberFormat::Comma) => self.hint_comma += 1,
            None => {}
        }
    }
}

/// The format of a column, and a note when the decision was not forced by
/// its values.
pub(crate) fn decide(tally: &Tally, locale: Locale, column: &str) -> (NumberFormat, Option<Text>) {
    use NumberFormat::*;
    match (tally.point, tally.comma) {
        (p, 0) if p > 0 => (Point, None),
        (0, c) if c > 0 => (Comma, None),
        (p, c) if p > 0 && c > 0 => {
            let format = if p > c {
                Point
            } else if c > p {
                Comma
            } else {
                NumberFormat::of(locale)
            };
            let note = text!("mixed_number_formats", column = format!("{column:?}"), p = p, c = c,
                example = format.example();
                id: "kolom {column} mencampur format angka ({p} nilai seperti 1,234.56, {c} seperti \
                     1.234,56): dibaca sebagai {example}; nilai dalam format lain menjadi galat",
                en: "column {column} mixes number formats ({p} values like 1,234.56, {c} like \
                     1.234,56): read as {example}; the values in the other format are errors");
            (format, Some(note))
        }
        _ if tally.ambiguous == 0 => (NumberFormat::of(locale), None),
        _ => {
            let example = tally.example_ambiguous.as_deref().unwrap_or("");
            let code = match locale {
                Locale::En => "en",
                Locale::Id => "id",
            };
            let (format, id_why, why) = match (tally.hint_point, tally.hint_comma) {
                (0, c) if c > 0 => (
                    Comma,
                    "seperti ditunjukkan jumlah rupiahnya".to_owned(),
                    "as the rupiah amounts suggest".to_owned(),
                ),
                (p, 0) if p > 0 => (
                    Point,
                    "seperti ditunjukkan tanda mata uangnya".to_owned(),
                    "as the currency sign suggests".to_owned(),
                ),
                _ => (
                    NumberFormat::of(locale),
                    format!("menurut bahasa ({code})"),
                    format!("by the locale ({code})"),
                ),
            };
            let (column, read_as) = (format!("{column:?}"), format.example());
            let note = Text::new(
                "ambiguous_number_format",
                vec![("column", column.clone()), ("example", example.to_owned())],
                format!("kolom {column}: nilai seperti {example:?} dapat dibaca dua cara; dibaca sebagai {read_as} {id_why}"),
                format!("column {column}: values such as {example:?} read either way; read as {read_as} {why}"),
            );
            (format, Some(note))
        }
    }
}

/// Reads a value written as text, in the column's format.
#[cfg(test)]
pub(crate) fn parse(raw: &str, format: NumberFormat) -> Result<Money, Text> {
    parse_lexed(&lex(raw)?, raw, format)
}

/// Reads a lexed value in the column's format (`raw` for messages):
/// grouping in threes, one decimal separator, at most two non-zero
/// decimals; straight into hundredths.
pub(crate) fn parse_lexed(lexed: &Lexed, raw: &str, format: NumberFormat) -> Result<Money, Text> {
    let raw = trim(raw);
    let (group, decimal) = match format {
        NumberFormat::Point => (b',', b'.'),
        NumberFormat::Comma => (b'.', b','),
    };
    let wrong = || {
        text!("amount_not_in_format", value = format!("{raw:?}"), example = format.example();
            id: "{value} bukan jumlah uang dalam format kolom ini ({example})",
            en: "{value} is not an amount in this column's format ({example})")
    };
    let too_large = || too_large(raw);
    let (mut units, mut cents) = (0i64, 0i64);
    let (mut in_frac, mut frac_digits, mut excess) = (false, 0, false);
    // Digits since the last group separator, and whether there was one.
    let (mut run, mut grouped) = (0, false);
    for &b in lexed.body.as_bytes() {
        if b.is_ascii_digit() {
            let d = i64::from(b - b'0');
            if in_frac {
                frac_digits += 1;
                if frac_digits <= 2 {
                    cents = cents * 10 + d;
                } else if d != 0 {
                    excess = true;
                }
            } else {
                units = units
                    .checked_mul(10)
                    .and_then(|u| u.checked_add(d))
                    .ok_or_else(too_large)?;
                run += 1;
            }
        } else if b == decimal {
            if in_frac || (grouped && run != 3) {
                return Err(wrong());
            }
            in_frac = true;
        } else if b == group {
            let ok = if grouped {
                run == 3
            } else {
                (1..=3).contains(&run)
            };
            if in_frac || !ok {
                return Err(wrong());
            }
            grouped = true;
            run = 0;
        }
    }
    if grouped && !in_frac && run != 3 {
        return Err(wrong());
    }
    if excess {
        return Err(
            text!("amount_more_than_two_decimals", value = format!("{raw:?}");
            id: "{value} punya lebih dari dua desimal", en: "{value} has more than two decimals"),
        );
    }
    if frac_digits == 1 {
        cents *= 10;
    }
    let minor = units
        .checked_mul(100)
        .and_then(|m| m.checked_add(cents))
        .ok_or_else(too_large)?;
    Ok(Money::from_minor(if lexed.negative {
        -minor
    } else {
        minor
    }))
}

/// Reads a number from a spreadsheet cell (its
/// [`lumbung_tabular::sheet::sheet_decimal`] form).
/// More than two decimals are rounded half away from zero, as the sheet
/// most likely shows it; `Some(note)` says so.
pub(crate) fn sheet_number(decimal: &str) -> Result<(Money, Option<String>), Text> {
    if let Ok(m) = Money::parse_plain(decimal) {
        return Ok((m, None));
    }
    let bad = || not_an_amount(decimal);
    let (negative, body) = match decimal.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, decimal),
    };
    let (int, frac) = body.split_once('.').ok_or_else(bad)?;
    if frac.len() <= 2 || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    // Half away from zero at two decimals turns on the third alone (the
    // digits checked ASCII above): 10^(digits - 2) overflowed, then
    // divided by zero, for a cell of 1E-300.
    let n: i128 = format!("{int}{}", &frac[..3]).parse().map_err(|_| bad())?;
    let cents = (n + 5) / 10;
    let cents = i64::try_from(cents).map_err(|_| too_large(decimal))?;
    let money = Money::from_minor(if negative { -cents } else { cents });
    Ok((
        money,
        Some(format!("amount {decimal} in the sheet rounded to {money}")),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use NumberFormat::{Comma, Point};

    /// `minor` written as a person would: grouped, with a currency and one
    /// of the ways of writing a negative.
    fn written(minor: i64, comma: bool, style: usize) -> String {
        let abs = minor.unsigned_abs();
        let units = (abs / 100).to_string();
        let mut body = String::new();
        for (i, ch) in units.chars().enumerate() {
            if i > 0 && (units.len() - i).is_multiple_of(3) {
                body.push(if comma { '.' } else { ',' });
            }
            body.push(ch);
        }
        body.push(if comma { ',' } else { '.' });
        body.push_str(&format!("{:02}", abs % 100));
        let cur = if comma { "Rp " } else { "£" };
        if minor >= 0 {
            return format!("{cur}{body}");
        }
        match style {
            0 => format!("-{cur}{body}"),
            1 => format!("{cur}{body}-"),
            2 => format!("({cur}{body})"),
            _ => format!("{cur}-{body}"),
        }
    }

    proptest! {
        #[test]
        fn written_amounts_read_back_exactly(
            minor in -10_000_000_000_000i64..10_000_000_000_000,
            comma in any::<bool>(),
            style in 0usize..4,
        ) {
            let text = written(minor, comma, style);
            let format = if comma { Comma } else { Point };
            prop_assert_eq!(parse(&text, format), Ok(Money::from_minor(minor)), "{}", text);
            prop_assert_eq!(evidence(&lex(&text).unwrap().body), Evidence::Says(format));
        }
    }

    fn minor(raw: &str, format: NumberFormat) -> i64 {
        parse(raw, format)
            .unwrap_or_else(|e| panic!("{raw}: {e}"))
            .minor()
    }

    #[test]
    fn currency_signs_codes_and_spaces() {
        for (raw, want) in [
            ("£1,234.50", 123_450),
            ("$ 12.50", 1_250),
            ("€12.50", 1_250),
            ("GBP 12.50", 1_250),
            ("12.50 GBP", 1_250),
            (" 1 234.50 ", 123_450),
            ("1\u{a0}234.50", 123_450),
            ("500", 50_000),
            ("1500", 150_000),
            ("8310.6", 831_060),
            (".5", 50),
        ] {
            assert_eq!(minor(raw, Point), want, "{raw}");
        }
        for (raw, want) in [
            ("Rp 1.234.500", 123_450_000),
            ("Rp. 1.234.500,00", 123_450_000),
            ("Rp1.234.500", 123_450_000),
            ("IDR 1.500.000", 150_000_000),
            ("1.234,5", 123_450),
            ("12,50", 1_250),
            ("1 234,50", 123_450),
        ] {
            assert_eq!(minor(raw, Comma), want, "{raw}");
        }
    }

    #[test]
    fn negatives_in_every_spelling() {
        for raw in [
            "-12.50",
            "12.50-",
            "(12.50)",
            "-£12.50",
            "£-12.50",
            "(£12.50)",
            "\u{2212}12.50",
            "- 12.50",
        ] {
            assert_eq!(minor(raw, Point), -1_250, "{raw}");
        }
        assert_eq!(minor("-Rp 1.250,00", Comma), -125_000);
        assert_eq!(minor("-0.01", Point), -1);
        for raw in [
            "--12", "(12.50", "12.50)", "-(12.50)", "1-2", "12)(", "(12)-",
        ] {
            assert!(parse(raw, Point).is_err(), "{raw}");
        }
    }

    #[test]
    fn rejects_what_is_not_an_amount() {
        for raw in [
            "",
            " ",
            "abc",
            "12 apples",
            "£",
            "#REF!",
            "1.2.3",
            "12:00",
            "N/A",
        ] {
            assert!(parse(raw, Point).is_err(), "{raw:?}");
        }
        // Grouping must come in threes.
        for raw in ["1,23", "12,3456.00", "1,2345", "1234,567.00"] {
            assert!(parse(raw, Point).is_err(), "{raw}");
        }
        assert!(parse("1.23", Comma).is_err());
        // More than two non-zero decimals.
        let e = parse("12.345", Point).unwrap_err();
        assert!(e.contains("more than two decimals"), "{e}");
        assert_eq!(minor("12.3400", Point), 1_234);
        // Written in the other format.
        assert!(parse("1.234,50", Point)
            .unwrap_err()
            .contains("format (1,234.56)"));
        assert!(parse("99999999999999999999", Point)
            .unwrap_err()
            .contains("too large"));
        assert_eq!(minor("0.5", Point), 50);
        assert_eq!(minor("1.", Point), 100);
        assert!(parse("1,234.50", Comma).is_err());
    }

    #[test]
    fn evidence_of_single_values() {
        let ev = |raw: &str| evidence(&lex(raw).unwrap().body);
        assert_eq!(ev("1.05"), Evidence::Says(Point));
        assert_eq!(ev("1,234.50"), Evidence::Says(Point));
        assert_eq!(ev("1,234,567"), Evidence::Says(Point));
        assert_eq!(ev("1.234,50"), Evidence::Says(Comma));
        assert_eq!(ev("Rp 1.234.500"), Evidence::Says(Comma));
        assert_eq!(ev("12,5"), Evidence::Says(Comma));
        assert_eq!(ev("0,125"), Evidence::Says(Comma));
        assert_eq!(ev("0.125"), Evidence::Says(Point));
        assert_eq!(ev("1234.567"), Evidence::Says(Point));
        assert_eq!(ev("1,234"), Evidence::Ambiguous);
        assert_eq!(ev("1.234"), Evidence::Ambiguous);
        assert_eq!(ev("500"), Evidence::None);
    }

    fn column(values: &[&str], locale: Locale) -> (NumberFormat, Option<Text>) {
        let mut t = Tally::default();
        for v in values {
            t.add(v);
        }
        decide(&t, locale, "Amount")
    }

    #[test]
    fn the_format_is_decided_per_column() {
        // One value with a comma decimal decides for the ambiguous ones.
        assert_eq!(column(&["1.234", "1.234,50", "500"], Locale::En).0, Comma);
        assert_eq!(column(&["1,234", "1,234.50"], Locale::Id).0, Point);
        assert_eq!(column(&["1.05"], Locale::Id).0, Point);
        assert_eq!(column(&["Rp 1.234.500", "Rp 500"], Locale::En).0, Comma);
        // Integers only: the locale, silently.
        assert_eq!(column(&["500", "1000"], Locale::Id), (Comma, None));
        // Only ambiguous values: the locale, with a note.
        let (f, note) = column(&["1,234", "2,500"], Locale::En);
        assert_eq!(f, Point);
        assert!(note.unwrap().contains("locale (en)"));
        let (f, note) = column(&["1.234"], Locale::Id);
        assert_eq!(f, Comma);
        assert!(note.unwrap().contains("locale (id)"));
        // … unless the currency says.
        assert_eq!(column(&["Rp 150.000"], Locale::En).0, Comma);
        assert_eq!(column(&["£1,500"], Locale::Id).0, Point);
        // Mixed: the majority, with a note.
        let (f, note) = column(&["1.234,50", "2.000,00", "12.50"], Locale::En);
        assert_eq!(f, Comma);
        assert!(note.unwrap().contains("mixes"));
    }

    #[test]
    fn the_locale_reads_ambiguous_values() {
        assert_eq!(minor("1,234", NumberFormat::of(Locale::En)), 123_400);
        assert_eq!(minor("1.234", NumberFormat::of(Locale::Id)), 123_400);
        assert!(parse("1.234", NumberFormat::of(Locale::En)).is_err());
    }

    #[test]
    fn spreadsheet_decimals_are_read_as_money() {
        assert_eq!(
            sheet_number("1234.5").unwrap(),
            (Money::from_minor(123_450), None)
        );
        let (m, note) = sheet_number("123.455").unwrap();
        assert_eq!(m, Money::from_minor(12_346));
        assert!(note.unwrap().contains("rounded to 123.46"));
        assert_eq!(
            sheet_number("-123.454").unwrap().0,
            Money::from_minor(-12_345)
        );
        assert_eq!(
            sheet_number("0.0049999999").unwrap().0,
            Money::from_minor(0)
        );
        assert_eq!(
            sheet_number("2.1250000001").unwrap().0,
            Money::from_minor(213)
        );
    }

    /// Regression: a cell of 1E-300 (three hundred decimals) overflowed the
    /// rounding's power of ten, then divided by zero: the import panicked.
    #[test]
    fn a_number_of_many_decimals_is_rounded_not_a_panic() {
        let tiny = format!("0.{}1", "0".repeat(299));
        assert_eq!(sheet_number(&tiny).unwrap().0, Money::ZERO);
        let many = format!("7.{}", "9".repeat(60));
        assert_eq!(sheet_number(&many).unwrap().0, Money::from_minor(800));
    }
}
