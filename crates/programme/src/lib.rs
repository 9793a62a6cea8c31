//! The P2KP programme's money in a kelurahan (seeds 001 and 002): BLM
//! grants received in tranches, the activities of the *tridaya* they fund
//! (economic, physical, social) with what the community adds itself
//! (*swadaya*: cash, labour, materials), and the roll-up of any area
//! that reproduces Kabupaten Serang's table — a gap between grants
//! received and allocated shown, never hidden.
//!
//! - [`files`]: the grants and activities files read into checked rows,
//!   every problem by line and column.
//! - [`review`]: what an import records for review (never refuses):
//!   spending beyond the grants, a tranche before the one it follows, a
//!   kelurahan without a UPK.
//! - [`report`]: the figures of an area and of each area below it.
//! - [`board`]: a kelurahan's public board, its fingerprint once
//!   published, and the first field where a file differs from it.
//! - [`complaints`]: complaints and questions (PPM): submissions,
//!   statuses, deadlines and escalation, the monthly summary.
//! - [`plan`]: the PJM Pronangkis and annual plans read from a file,
//!   their versions' fingerprints, the plan governing a year.
//! - [`proposal`]: a KSM's or panitia's proposal checked against the
//!   plan and the PS-2 list before the BKM funds it.
//! - [`capital`]: the economic allocation kept equal to the BLM capital
//!   on the UPK's books, by postings of the difference.
//! - [`versions`]: rows brought in again kept as versions, an unchanged
//!   one held as it is.

pub mod board;
pub mod capital;
pub mod complaints;
pub mod files;
pub mod plan;
pub mod proposal;
pub mod report;
pub mod review;
pub mod versions;

use lumbung_domain::{text, Money, Text};
use serde::Serialize;

/// A row of a file a kelurahan brings in: its line, and the kelurahan it
/// is of (a file is refused where a row is of an area not held, and a
/// kelurahan's page takes only its own rows).
pub trait KelurahanRow {
    fn place(&self) -> (u64, &str);
}

macro_rules! kelurahan_rows {
    ($($row:ty),*) => {$(
        impl KelurahanRow for $row {
            fn place(&self) -> (u64, &str) {
                (self.line, self.kelurahan.as_str())
            }
        }
    )*};
}

kelurahan_rows!(files::GrantRow, files::ActivityRow, plan::Plan);

/// The three kinds of activity of the *tridaya*.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Economic,
    /// Physical works, the environment (*fisik*, *lingkungan*).
    Physical,
    Social,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Economic, Kind::Physical, Kind::Social];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Economic => "economic",
            Kind::Physical => "physical",
            Kind::Social => "social",
        }
    }

    /// The English key, or the Indonesian word (`fisik` and `lingkungan`
    /// both mean physical).
    pub fn parse(raw: &str) -> Result<Kind, Text> {
        match raw.trim().to_lowercase().as_str() {
            "economic" | "ekonomi" => Ok(Kind::Economic),
            "physical" | "fisik" | "lingkungan" | "environment" => Ok(Kind::Physical),
            "social" | "sosial" => Ok(Kind::Social),
            _ => Err(text!("programme_bad_kind", kind = raw.trim();
                id: "jenis kegiatan {kind:?} tidak dikenal: ekonomi, fisik (lingkungan) atau sosial",
                en: "unknown activity kind {kind:?}: economic, physical or social")),
        }
    }
}

/// Labour given, valued: `days` (hundredths of a day) × the local daily
/// `wage`, rounded half-up to the smallest unit; `None` past an amount.
pub fn labour_value(days_hundredths: i64, wage: Money) -> Option<Money> {
    let product = i128::from(days_hundredths).checked_mul(i128::from(wage.minor()))?;
    let rounded = (product + 50).div_euclid(100);
    i64::try_from(rounded).ok().map(Money::from_minor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_read_in_both_languages_and_labour_is_days_times_wage() {
        assert_eq!(Kind::parse(" Fisik "), Ok(Kind::Physical));
        assert_eq!(Kind::parse("lingkungan"), Ok(Kind::Physical));
        assert_eq!(Kind::parse("EKONOMI"), Ok(Kind::Economic));
        assert!(Kind::parse("budaya").is_err());
        // 12.5 days at Rp 80,000.
        assert_eq!(
            labour_value(1_250, Money::from_units(80_000)),
            Some(Money::from_units(1_000_000))
        );
        // Half a day at Rp 0.03: 0.015, rounded half-up to 0.02.
        assert_eq!(
            labour_value(50, Money::from_minor(3)),
            Some(Money::from_minor(2))
        );
        assert_eq!(labour_value(i64::MAX, Money::from_minor(i64::MAX)), None);
    }
}
