//! Dates as payment files write them: `21/01/2014` (day first, as in the
//! UK and Indonesia; month first only when a column proves it),
//! `2014-01-21` (with or without a time), `21 November 2023`,
//! `21-Nov-2023`, Indonesian month names (`21 Nopember 2023`), `20140121`,
//! and spreadsheet serial numbers. And the period a file's name names
//! ([`period_hint`]).

use jiff::civil::Date;
use lumbung_tabular::table::trim;

/// Day first (`21/01/2014`) or month first (`01/21/2014`) in numeric dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Order {
    #[default]
    DayFirst,
    MonthFirst,
}

/// Month names and abbreviations, English and Indonesian, lower case.
const MONTHS: &[(&str, i8)] = &[
    ("january", 1),
    ("januari", 1),
    ("jan", 1),
    ("february", 2),
    ("februari", 2),
    ("pebruari", 2),
    ("feb", 2),
    ("peb", 2),
    ("march", 3),
    ("maret", 3),
    ("mar", 3),
    ("april", 4),
    ("apr", 4),
    ("may", 5),
    ("mei", 5),
    ("june", 6),
    ("juni", 6),
    ("jun", 6),
    ("july", 7),
    ("juli", 7),
    ("jul", 7),
    ("august", 8),
    ("agustus", 8),
    ("aug", 8),
    ("agu", 8),
    ("agt", 8),
    ("ags", 8),
    ("agust", 8),
    ("september", 9),
    ("sept", 9),
    ("sep", 9),
    ("october", 10),
    ("oktober", 10),
    ("oct", 10),
    ("okt", 10),
    ("november", 11),
    ("nopember", 11),
    ("nov", 11),
    ("nop", 11),
    ("december", 12),
    ("desember", 12),
    ("dec", 12),
    ("des", 12),
];

const WEEKDAYS: &[&str] = &[
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "mon",
    "tue",
    "tues",
    "wed",
    "thu",
    "thur",
    "thurs",
    "fri",
    "sat",
    "sun",
    "senin",
    "selasa",
    "rabu",
    "kamis",
    "jumat",
    "sabtu",
    "minggu",
    "ahad",
];

fn month_named(word: &str) -> Option<i8> {
    let lower = word.to_lowercase();
    MONTHS.iter().find(|(n, _)| *n == lower).map(|(_, m)| *m)
}

/// The date part of a value: a time (`00:00:00`, `T10:00`) and what follows
/// it are cut off.
fn date_part(s: &str) -> &str {
    let s = trim(s);
    match s.find(':') {
        None => s,
        Some(colon) => {
            let head = &s[..colon];
            match head.rfind([' ', 'T']) {
                Some(cut) => head[..cut].trim_end(),
                None => "",
            }
        }
    }
}

fn tokens(s: &str) -> Vec<&str> {
    s.split([' ', '/', '-', '.', ',', '\u{a0}'])
        .filter(|t| !t.is_empty())
        .collect()
}

fn number(t: &str) -> Option<i32> {
    if t.is_empty() || t.len() > 4 || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}

fn year(t: &str) -> Option<i16> {
    year_of((number(t)?, t.len()))
}

fn civil(y: i16, m: i32, d: i32) -> Option<Date> {
    Date::new(y, i8::try_from(m).ok()?, i8::try_from(d).ok()?).ok()
}

/// `21/01/2014`, `2014-01-21`, `21.1.14`: three runs of digits (at most
/// four each) between `/`, `-` or `.`, read byte by byte — the common case,
/// kept fast. Each part is (value, number of digits).
fn numeric3(s: &str) -> Option<[(i32, usize); 3]> {
    let mut parts = [(0i32, 0usize); 3];
    let mut k = 0;
    for &c in s.as_bytes() {
        if c.is_ascii_digit() {
            if parts[k].1 == 4 {
                return None;
            }
            parts[k].0 = parts[k].0 * 10 + i32::from(c - b'0');
            parts[k].1 += 1;
        } else if matches!(c, b'/' | b'-' | b'.') && parts[k].1 > 0 && k < 2 {
            k += 1;
        } else {
            return None;
        }
    }
    (k == 2 && parts[2].1 > 0).then_some(parts)
}

fn year_of(part: (i32, usize)) -> Option<i16> {
    match part.1 {
        4 => Some(part.0 as i16),
        // Two-digit years are this century's: payments are recent.
        2 => Some(2000 + part.0 as i16),
        _ => None,
    }
}

fn from_numeric3(p: [(i32, usize); 3], order: Order) -> Option<Date> {
    if p[0].1 == 4 {
        return civil(p[0].0 as i16, p[1].0, p[2].0);
    }
    let y = year_of(p[2])?;
    match order {
        Order::DayFirst => civil(y, p[1].0, p[0].0),
        Order::MonthFirst => civil(y, p[0].0, p[1].0),
    }
}

/// What a numeric date says about the column's order: `Some` only when one
/// of the first two parts is over 12.
pub(crate) fn order_evidence(raw: &str) -> Option<Order> {
    let p = numeric3(date_part(raw))?;
    if p[0].1 == 4 {
        return None;
    }
    year_of(p[2])?;
    match (p[0].0 > 12, p[1].0 > 12) {
        (true, false) => Some(Order::DayFirst),
        (false, true) => Some(Order::MonthFirst),
        _ => None,
    }
}

/// Reads a date written as text. None when it cannot be read.
pub(crate) fn parse(raw: &str, order: Order) -> Option<Date> {
    let part = date_part(raw);
    if let Some(p) = numeric3(part) {
        return from_numeric3(p, order);
    }
    let mut t = tokens(part);
    if t.len() == 4 && WEEKDAYS.contains(&t[0].to_lowercase().as_str()) {
        t.remove(0);
    }
    match t.as_slice() {
        [one] => {
            let digits = one.bytes().all(|b| b.is_ascii_digit());
            if digits && one.len() == 8 {
                // 20140121
                let n: i32 = one.parse().ok()?;
                civil((n / 10_000) as i16, n / 100 % 100, n % 100)
            } else if digits && one.len() == 5 {
                // A spreadsheet serial written out as text.
                serial(one.parse().ok()?)
            } else {
                None
            }
        }
        [a, b, c] => {
            if let (Some(x), Some(y), Some(z)) = (number(a), number(b), number(c)) {
                // With spaces: `21 01 2014`.
                from_numeric3([(x, a.len()), (y, b.len()), (z, c.len())], order)
            } else if let Some(m) = month_named(b) {
                // 21 Nov 2023, 21-Nov-2023, 2023 Nov 21
                if a.len() == 4 {
                    civil(year(a)?, m.into(), number(c)?)
                } else {
                    civil(year(c)?, m.into(), number(a)?)
                }
            } else if let Some(m) = month_named(a) {
                // November 21, 2023
                civil(year(c)?, m.into(), number(b)?)
            } else {
                None
            }
        }
        _ => None,
    }
}

/// A spreadsheet serial date: days since 1899-12-30 (the 1900 system).
/// Only serials of 1950–2099 are taken for payment dates: a number outside
/// them (a year, an amount in the wrong column) is not a date. Fractions
/// are times of day and are dropped.
pub(crate) fn serial(days: i64) -> Option<Date> {
    // 1950-01-01 ..= 2099-12-31
    if !(18_264..=73_050).contains(&days) {
        return None;
    }
    jiff::civil::date(1899, 12, 30)
        .checked_add(jiff::Span::new().days(days))
        .ok()
}

/// A serial written as a decimal (`45250`, `45250.5`).
pub(crate) fn serial_decimal(decimal: &str) -> Option<Date> {
    let int = decimal.split('.').next()?;
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    serial(int.parse().ok()?)
}

/// A period a file covers: its first and last day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub first: Date,
    pub last: Date,
}

impl Period {
    /// The months `first..=last` of `year` (`last` before `first` runs
    /// into the next year: `nov-jan-2014`).
    fn months(year: i16, first: i8, last: i8) -> Option<Period> {
        let start = Date::new(year, first, 1).ok()?;
        let end_year = if last < first {
            year.checked_add(1)?
        } else {
            year
        };
        let end = Date::new(end_year, last, 1).ok()?.last_of_month();
        Some(Period {
            first: start,
            last: end,
        })
    }

    /// `YYYY-MM` (as `--period` takes it): that month.
    pub fn month(raw: &str) -> Option<Period> {
        let (y, m) = raw.trim().split_once('-')?;
        if y.len() != 4 || !(1..=2).contains(&m.len()) {
            return None;
        }
        let m: i8 = m.parse().ok()?;
        Period::months(y.parse().ok()?, m, m)
    }
}

/// The first day of the period that a file's name names (see
/// [`period_of`]).
pub fn period_hint(name: &str) -> Option<Date> {
    period_of(name).map(|p| p.first)
}

/// The period that a file's name names, from its last path segment or the
/// `filename=` of a downloaded name (`?wpdmdl=…&filename=November-2020.csv`):
/// `expenditure-over-500-apr-jun-2014.csv` → April to June 2014,
/// `spend-2013-04.csv`, `spend_2013_04.csv`, `201304.csv` → April 2013,
/// `belanja-januari-2023.xlsx`, `Jan-2011.csv` → that month, `2011-Q3` →
/// July to September 2011. A year alone names no period here: whether
/// `2014` is a calendar or a fiscal year (and which) the name does not say.
pub fn period_of(name: &str) -> Option<Period> {
    let name = match name.rfind("filename=") {
        Some(at) => &name[at + "filename=".len()..],
        None => name,
    };
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let base = base.split('&').next().unwrap_or(base);
    let stem = match base.rsplit_once('.') {
        Some((stem, ext)) if !ext.is_empty() && ext.len() <= 4 => stem,
        _ => base,
    };
    let words: Vec<String> = stem
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let is_year = |w: &str| {
        w.len() == 4
            && w.bytes().all(|b| b.is_ascii_digit())
            && (1990..=2100).contains(&w.parse::<i32>().unwrap_or(0))
    };
    let month_number = |w: &str| {
        (1..=2).contains(&w.len()) && w.bytes().all(|b| b.is_ascii_digit()) && {
            let n: i32 = w.parse().unwrap_or(0);
            (1..=12).contains(&n)
        }
    };
    // yyyymm or yyyymmdd in one word.
    for w in &words {
        if (w.len() == 6 || w.len() == 8) && w.bytes().all(|b| b.is_ascii_digit()) {
            if let (true, Ok(m)) = (is_year(&w[..4]), w[4..6].parse::<i8>()) {
                if let Some(p) = Period::months(w[..4].parse().ok()?, m, m) {
                    return Some(p);
                }
            }
        }
    }
    let year_at = words.iter().position(|w| is_year(w))?;
    let y: i16 = words[year_at].parse().ok()?;
    // Months named in words: from the first to the last (`apr-jun-2014`).
    let named: Vec<i8> = words.iter().filter_map(|w| month_named(w)).collect();
    if let (Some(first), Some(last)) = (named.first(), named.last()) {
        return Period::months(y, *first, *last);
    }
    // A calendar quarter: `2011-Q3`, `q3-2011`.
    if let Some(q) = words.iter().find_map(|w| {
        let q = w.strip_prefix('q')?;
        (q.len() == 1)
            .then(|| q.parse::<i8>().ok())
            .flatten()
            .filter(|q| (1..=4).contains(q))
    }) {
        return Period::months(y, q * 3 - 2, q * 3);
    }
    // A month number next to the year: `2013-04`, `04-2013`.
    let after = words.get(year_at + 1).filter(|w| month_number(w));
    let before = year_at
        .checked_sub(1)
        .and_then(|i| words.get(i))
        .filter(|w| month_number(w));
    let m: i8 = after.or(before)?.parse().ok()?;
    Period::months(y, m, m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn d(raw: &str) -> Option<Date> {
        parse(raw, Order::DayFirst)
    }

    #[test]
    fn numeric_dates_day_first() {
        let want = Some(date(2014, 1, 21));
        for raw in [
            "21/01/2014",
            "21-01-2014",
            "21.01.2014",
            "21/1/2014",
            "21/01/14",
            " 21/01/2014 ",
            "21/01/2014 00:00:00",
            "21/01/2014 10:30",
            "2014-01-21",
            "2014/01/21",
            "2014-01-21T10:00:00Z",
            "2014-01-21 10:00:00",
            "20140121",
            "Tuesday 21/01/2014",
            "21 01 2014",
        ] {
            assert_eq!(d(raw), want, "{raw}");
        }
        assert_eq!(d("1/2/2014"), Some(date(2014, 2, 1)));
        assert_eq!(parse("1/2/2014", Order::MonthFirst), Some(date(2014, 1, 2)));
        assert_eq!(parse("01/21/2014", Order::MonthFirst), want);
    }

    #[test]
    fn month_names_english_and_indonesian() {
        for (raw, want) in [
            ("21 November 2023", date(2023, 11, 21)),
            ("21-Nov-2023", date(2023, 11, 21)),
            ("21 Nov 2023", date(2023, 11, 21)),
            ("21 nov. 2023", date(2023, 11, 21)),
            ("21-NOV-23", date(2023, 11, 21)),
            ("November 21, 2023", date(2023, 11, 21)),
            ("21 Nopember 2023", date(2023, 11, 21)),
            ("21 Agustus 2023", date(2023, 8, 21)),
            ("1 Januari 2023", date(2023, 1, 1)),
            ("28 Februari 2023", date(2023, 2, 28)),
            ("3 Maret 2023", date(2023, 3, 3)),
            ("4 April 2023", date(2023, 4, 4)),
            ("5 Mei 2023", date(2023, 5, 5)),
            ("6 Juni 2023", date(2023, 6, 6)),
            ("7 Juli 2023", date(2023, 7, 7)),
            ("9 September 2023", date(2023, 9, 9)),
            ("10 Oktober 2023", date(2023, 10, 10)),
            ("12 Desember 2023", date(2023, 12, 12)),
            ("Senin, 4 Desember 2023", date(2023, 12, 4)),
            ("21 Nov 2023 09:15", date(2023, 11, 21)),
        ] {
            assert_eq!(d(raw), Some(want), "{raw}");
        }
    }

    #[test]
    fn what_cannot_be_read() {
        for raw in [
            "00:00:00",
            "",
            "soon",
            "31/02/2014",
            "13/13/2014",
            "21/01",
            "21 Foo 2023",
            "2014",
            "1/2/3/4",
        ] {
            assert_eq!(d(raw), None, "{raw}");
        }
    }

    #[test]
    fn serials() {
        assert_eq!(serial(41660), Some(date(2014, 1, 21)));
        assert_eq!(serial(18_264), Some(date(1950, 1, 1)));
        assert_eq!(serial(73_050), Some(date(2099, 12, 31)));
        assert_eq!(serial(2014), None);
        assert_eq!(serial(0), None);
        assert_eq!(serial_decimal("41660.75"), Some(date(2014, 1, 21)));
        assert_eq!(d("41660"), Some(date(2014, 1, 21)));
    }

    #[test]
    fn order_evidence_needs_a_part_over_twelve() {
        assert_eq!(order_evidence("21/01/2014"), Some(Order::DayFirst));
        assert_eq!(order_evidence("01/21/2014"), Some(Order::MonthFirst));
        assert_eq!(order_evidence("01/02/2014"), None);
        assert_eq!(order_evidence("2014-01-21"), None);
        assert_eq!(order_evidence("21 Nov 2023"), None);
    }

    #[test]
    fn period_hints_from_file_names() {
        for (name, want) in [
            (
                "expenditure-over-500-apr-jun-2014.csv",
                Some(date(2014, 4, 1)),
            ),
            (
                "expenditure-over-500-jan-mar-2018.csv",
                Some(date(2018, 1, 1)),
            ),
            (
                "data/expenditure-over-500-oct-dec-2016.csv",
                Some(date(2016, 10, 1)),
            ),
            ("spend-2013-04.csv", Some(date(2013, 4, 1))),
            ("spend_04_2013.csv", Some(date(2013, 4, 1))),
            ("spend-201304.csv", Some(date(2013, 4, 1))),
            ("belanja-januari-2023.xlsx", Some(date(2023, 1, 1))),
            ("Belanja Nopember 2023.xlsx", Some(date(2023, 11, 1))),
            ("C:\\data\\Spend May 2015.csv", Some(date(2015, 5, 1))),
            ("spend.csv", None),
            ("spend-2014.csv", None),
            ("over-500-march.csv", None),
            ("marketing-2014.csv", None),
        ] {
            assert_eq!(period_hint(name), want, "{name}");
        }
    }

    /// Every common form of a month's or a quarter's file name, with its
    /// last day (issue 13).
    #[test]
    fn periods_from_file_names_end_on_their_last_day() {
        for (name, first, last) in [
            ("2011-01-payments.csv", date(2011, 1, 1), date(2011, 1, 31)),
            ("spend_2011_01.csv", date(2011, 1, 1), date(2011, 1, 31)),
            ("Jan-2011.csv", date(2011, 1, 1), date(2011, 1, 31)),
            ("january-2011.csv", date(2011, 1, 1), date(2011, 1, 31)),
            ("2011-Q3", date(2011, 7, 1), date(2011, 9, 30)),
            ("apr-jun-2014.csv", date(2014, 4, 1), date(2014, 6, 30)),
            ("feb-2012.csv", date(2012, 2, 1), date(2012, 2, 29)),
            ("nov-jan-2014.csv", date(2014, 11, 1), date(2015, 1, 31)),
            (
                "download?wpdmdl=4411&filename=November-2020.csv",
                date(2020, 11, 1),
                date(2020, 11, 30),
            ),
            (
                "data/2019/spend-201903.csv",
                date(2019, 3, 1),
                date(2019, 3, 31),
            ),
        ] {
            assert_eq!(period_of(name), Some(Period { first, last }), "{name}");
        }
        assert_eq!(period_of("spend-2014.csv"), None);
        assert_eq!(
            Period::month("2011-01"),
            Some(Period {
                first: date(2011, 1, 1),
                last: date(2011, 1, 31)
            })
        );
        for bad in ["2011", "2011-13", "11-01", "2011-1-1", "january"] {
            assert_eq!(Period::month(bad), None, "{bad}");
        }
    }
}
