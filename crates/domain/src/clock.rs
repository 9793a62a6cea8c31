//! The one source of "now": the system's clock, or a fixed instant so that
//! tests (and `LUMBUNG_NOW` at the command line) can choose the date.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::Timestamp;

/// Where the time comes from. Cheap to copy; pass it, never call the system
/// clock elsewhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Clock {
    fixed: Option<Timestamp>,
}

impl Clock {
    pub const fn system() -> Clock {
        Clock { fixed: None }
    }

    /// A clock stopped at `at`.
    pub const fn fixed(at: Timestamp) -> Clock {
        Clock { fixed: Some(at) }
    }

    /// The system clock, unless `LUMBUNG_NOW` holds an RFC 3339 instant
    /// (`2026-03-31T09:00:00Z`) or a date (noon UTC that day).
    pub fn from_env() -> Result<Clock, String> {
        match std::env::var("LUMBUNG_NOW") {
            Ok(raw) if !raw.trim().is_empty() => parse_instant(raw.trim())
                .map(Clock::fixed)
                .ok_or_else(|| format!("LUMBUNG_NOW: not an instant or a date: {raw:?}")),
            _ => Ok(Clock::system()),
        }
    }

    pub fn now(&self) -> Timestamp {
        self.fixed.unwrap_or_else(Timestamp::now)
    }

    /// Today in the machine's time zone.
    pub fn today(&self) -> Date {
        self.now().to_zoned(TimeZone::system()).date()
    }

    /// The latest date anywhere on Earth now (UTC+14): the day a person
    /// far east of the machine may rightly call today.
    pub fn latest_today(&self) -> Date {
        let east = jiff::tz::Offset::constant(14);
        self.now().to_zoned(TimeZone::fixed(east)).date()
    }
}

fn parse_instant(raw: &str) -> Option<Timestamp> {
    if let Ok(at) = raw.parse::<Timestamp>() {
        return Some(at);
    }
    let day: Date = raw.parse().ok()?;
    day.at(12, 0, 0, 0)
        .to_zoned(TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_clock_stays() {
        let at: Timestamp = "2026-03-31T09:00:00Z".parse().unwrap();
        let clock = Clock::fixed(at);
        assert_eq!(clock.now(), at);
        assert_eq!(clock.now(), clock.now());
        assert_eq!(
            parse_instant("2026-03-31"),
            "2026-03-31T12:00:00Z".parse().ok()
        );
        assert_eq!(parse_instant("yesterday"), None);
    }

    #[test]
    fn the_latest_today_is_the_date_at_utc_plus_14() {
        let late: Timestamp = "2026-03-31T09:00:00Z".parse().unwrap();
        assert_eq!(
            Clock::fixed(late).latest_today(),
            jiff::civil::date(2026, 3, 31)
        );
        let evening: Timestamp = "2026-03-31T10:00:00Z".parse().unwrap();
        assert_eq!(
            Clock::fixed(evening).latest_today(),
            jiff::civil::date(2026, 4, 1)
        );
    }
}
