//! Fiscal years. A calendar says in which month the year starts: April in
//! the UK (`2012/13` runs April 2012 – March 2013), January in Indonesia
//! (`2012`). A year is named by the calendar year it starts in.

use crate::{text, ParseError};
use serde::{Serialize, Serializer};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FiscalYear(i32);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FiscalCalendar {
    start_month: u8,
}

impl FiscalCalendar {
    pub const UK: FiscalCalendar = FiscalCalendar { start_month: 4 };
    pub const CALENDAR: FiscalCalendar = FiscalCalendar { start_month: 1 };

    pub fn starting(month: u8) -> Result<FiscalCalendar, ParseError> {
        if (1..=12).contains(&month) {
            Ok(FiscalCalendar { start_month: month })
        } else {
            Err(ParseError::new(text!("fiscal_start_month", month = month;
                id: "tahun anggaran dimulai pada bulan 1–12, bukan {month}",
                en: "fiscal years start in a month 1–12, not {month}")))
        }
    }

    pub fn start_month(self) -> u8 {
        self.start_month
    }

    /// The fiscal year a date falls in.
    pub fn year_of(self, year: i16, month: i8) -> FiscalYear {
        let y = year as i32;
        FiscalYear(if (month as u8) < self.start_month {
            y - 1
        } else {
            y
        })
    }

    /// The days a fiscal year runs, as `YYYY-MM-DD` text: from its first
    /// day (included) to the next year's first day (excluded).
    pub fn bounds(self, fy: FiscalYear) -> (String, String) {
        let first = |year: i32| format!("{year:04}-{:02}-01", self.start_month);
        (first(fy.0), first(fy.0 + 1))
    }

    /// `2012/13` for years that straddle two calendar years, `2012` otherwise.
    pub fn label(self, fy: FiscalYear) -> String {
        if self.start_month == 1 {
            fy.0.to_string()
        } else {
            format!("{}/{:02}", fy.0, (fy.0 + 1).rem_euclid(100))
        }
    }
}

impl FiscalYear {
    pub fn new(start_year: i32) -> Result<FiscalYear, ParseError> {
        if (1900..=2200).contains(&start_year) {
            Ok(FiscalYear(start_year))
        } else {
            Err(ParseError::new(
                text!("fiscal_year_out_of_range", start_year = start_year;
                id: "tahun anggaran {start_year} di luar jangkauan",
                en: "fiscal year {start_year} is out of range"),
            ))
        }
    }

    pub fn start_year(self) -> i32 {
        self.0
    }

    /// Parses `2012/13`, `2012-13`, `2012/2013`, `FY2012/13` or `2012`.
    pub fn parse(raw: &str) -> Result<FiscalYear, ParseError> {
        let s = raw.trim();
        let s = s
            .strip_prefix("FY")
            .or_else(|| s.strip_prefix("fy"))
            .unwrap_or(s)
            .trim();
        let bad = || {
            ParseError::new(text!("not_a_fiscal_year", value = format!("{raw:?}");
                id: "{value} bukan tahun anggaran seperti 2012/13 atau 2012",
                en: "{value} is not a fiscal year such as 2012/13 or 2012"))
        };
        let (first, second) = match s.split_once(['/', '-']) {
            Some((a, b)) => (a, Some(b)),
            None => (s, None),
        };
        if first.len() != 4 || !first.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let start: i32 = first.parse().map_err(|_| bad())?;
        if let Some(second) = second {
            let next = (start + 1).to_string();
            let ok = match second.len() {
                2 => second == &next[2..],
                4 => second == next,
                _ => false,
            };
            if !ok {
                return Err(ParseError::new(
                    text!("fiscal_second_year", value = format!("{raw:?}");
                    id: "{value}: tahun kedua harus tepat sesudah tahun pertama",
                    en: "{value}: the second year must follow the first"),
                ));
            }
        }
        FiscalYear::new(start)
    }
}

impl fmt::Display for FiscalYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl Serialize for FiscalYear {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i32(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uk_years_run_april_to_march() {
        let uk = FiscalCalendar::UK;
        assert_eq!(uk.year_of(2013, 3), FiscalYear(2012));
        assert_eq!(uk.year_of(2013, 4), FiscalYear(2013));
        assert_eq!(uk.label(FiscalYear(2012)), "2012/13");
        assert_eq!(uk.label(FiscalYear(1999)), "1999/00");
        assert_eq!(FiscalCalendar::CALENDAR.year_of(2013, 3), FiscalYear(2013));
        assert_eq!(FiscalCalendar::CALENDAR.label(FiscalYear(2013)), "2013");
        assert_eq!(
            uk.bounds(FiscalYear(2012)),
            ("2012-04-01".to_owned(), "2013-04-01".to_owned())
        );
        assert_eq!(
            FiscalCalendar::CALENDAR.bounds(FiscalYear(2013)),
            ("2013-01-01".to_owned(), "2014-01-01".to_owned())
        );
    }

    #[test]
    fn parses_common_spellings() {
        for s in ["2012/13", "2012-13", "2012/2013", "FY2012/13", " 2012 "] {
            assert_eq!(FiscalYear::parse(s).unwrap(), FiscalYear(2012), "{s}");
        }
        assert!(FiscalYear::parse("2012/14").is_err());
        assert!(FiscalYear::parse("12/13").is_err());
        assert!(FiscalCalendar::starting(13).is_err());
    }
}
