//! A UPK's settings. Every number of the programme's rules is a setting
//! with the default of `shared/p2kp-rules.md`; stored as JSON, so a setting
//! left out keeps its default.

use crate::loan::{FeeRate, Frequency, Rupiah, ScheduleKind};
use lumbung_domain::{text, Text};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Missed instalments that put a loan in arrears (quality class 3).
    pub arrears_threshold: u16,
    /// Missed instalments that start classes 4, 5, … (ascending, each
    /// above the arrears threshold). Unconfirmed in the sources: none by
    /// default.
    pub further_classes: Vec<u16>,
    /// A KSM needs at least this many members before a loan.
    pub min_members: u16,
    /// Target share of women among members, in percent (a target: warned
    /// about, not enforced).
    pub women_target_percent: u16,
    /// Months of group savings before a first loan.
    pub savings_months: u16,
    /// The most a member may borrow in a first loan.
    pub first_loan_limit: Rupiah,
    /// The most a member may borrow with a good record; above it the
    /// member is referred to a bank.
    pub loan_limit: Rupiah,
    /// After this many loans a member is referred to a bank.
    pub loans_before_bank: u16,
    pub term_min: u16,
    pub term_max: u16,
    /// The monthly fee rate of new loans, a fraction (`0.015`).
    pub fee_rate: String,
    pub schedule: ScheduleKind,
    /// How often new loans' instalments fall due (monthly, fortnightly or
    /// weekly; the term stays in months). The arrears thresholds count
    /// instalments, so a UPK lending weekly may want them higher.
    pub frequency: Frequency,
    /// Loan-loss reserve rates per quality class (class 1 first), as
    /// fractions; a class beyond the list takes the last rate.
    /// Unconfirmed in the sources: 1%, 10%, 50% by default.
    pub reserve_rates: Vec<String>,
    /// The most one movement of money may be (a savings deposit or
    /// withdrawal, a repayment, a member's part of a loan, a cost or a
    /// capital injection); a larger amount is refused as a typing mistake
    /// or an attack. At most [`MOVEMENT_CEILING`].
    pub max_movement: Rupiah,
}

/// The highest `max_movement` a UPK may set: Rp 10 trillion. With every
/// movement below it, a book needs close to a million movements at the
/// ceiling before a total could leave the range of an i64 (and those sums
/// are checked and refused).
pub const MOVEMENT_CEILING: Rupiah = Rupiah(10_000_000_000_000);

/// The most quality-class thresholds beyond the arrears threshold.
pub const MAX_FURTHER_CLASSES: usize = 10;

/// A movement above its UPK's `max_movement`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {amount} is more than one movement may be ({max} rupiah, setting max_movement)")]
pub struct AboveMax {
    /// The field or column of the amount.
    pub field: &'static str,
    pub amount: Rupiah,
    pub max: Rupiah,
}

impl AboveMax {
    pub fn text(&self) -> lumbung_domain::Text {
        lumbung_domain::text!("above_max_movement", field = self.field, amount = self.amount, max = self.max;
            id: "{field}: {amount} melebihi batas satu gerakan ({max} rupiah, pengaturan max_movement)",
            en: "{field}: {amount} is more than one movement may be ({max} rupiah, setting max_movement)")
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            arrears_threshold: 3,
            further_classes: Vec::new(),
            min_members: 5,
            women_target_percent: 30,
            savings_months: 3,
            first_loan_limit: Rupiah(500_000),
            loan_limit: Rupiah(2_000_000),
            loans_before_bank: 4,
            term_min: 3,
            term_max: 12,
            fee_rate: "0.015".into(),
            schedule: ScheduleKind::Flat,
            frequency: Frequency::Monthly,
            reserve_rates: vec!["0.01".into(), "0.10".into(), "0.50".into()],
            max_movement: Rupiah(100_000_000_000),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("setting {field}: {message}")]
pub struct SettingsError {
    pub field: &'static str,
    pub message: Text,
}

fn bad(field: &'static str, message: Text) -> SettingsError {
    SettingsError { field, message }
}

/// The problem of a count below one.
fn at_least_one() -> Text {
    text!("settings_at_least_one"; id: "paling sedikit 1", en: "must be at least 1")
}

impl Settings {
    /// Parses stored or typed JSON and checks every rule between settings.
    pub fn from_json(raw: &str) -> Result<Settings, SettingsError> {
        let s: Settings = serde_json::from_str(raw).map_err(|e| {
            bad(
                "json",
                text!("settings_json", error = e;
                id: "pengaturan bukan JSON yang sah: {error}", en: "{error}"),
            )
        })?;
        s.checked()
    }

    pub fn checked(self) -> Result<Settings, SettingsError> {
        if self.arrears_threshold == 0 {
            return Err(bad("arrears_threshold", at_least_one()));
        }
        // A class is a number to 255 (`quality_class`); a dozen is more
        // than any programme names.
        if self.further_classes.len() > MAX_FURTHER_CLASSES {
            return Err(bad(
                "further_classes",
                text!("settings_too_many_classes", max = MAX_FURTHER_CLASSES;
                    id: "paling banyak {max} ambang", en: "at most {max} thresholds"),
            ));
        }
        let mut last = self.arrears_threshold;
        for t in &self.further_classes {
            if *t <= last {
                return Err(bad(
                    "further_classes",
                    text!("settings_further_classes";
                        id: "setiap ambang harus di atas ambang sebelumnya dan ambang tunggakan",
                        en: "each threshold must be above the one before and the arrears threshold"),
                ));
            }
            last = *t;
        }
        if self.min_members == 0 {
            return Err(bad("min_members", at_least_one()));
        }
        if self.women_target_percent > 100 {
            return Err(bad(
                "women_target_percent",
                text!("settings_percentage"; id: "berupa persen, 0–100", en: "is a percentage, 0–100"),
            ));
        }
        if self.first_loan_limit.0 <= 0 || self.first_loan_limit > self.loan_limit {
            return Err(bad(
                "first_loan_limit",
                text!("settings_first_loan_limit";
                    id: "harus di atas nol dan tidak lebih dari loan_limit",
                    en: "must be above zero and no more than loan_limit"),
            ));
        }
        if self.term_min == 0 || self.term_min > self.term_max {
            return Err(bad(
                "term_min",
                text!("settings_term_min";
                    id: "harus paling sedikit 1 dan tidak lebih dari term_max",
                    en: "must be at least 1 and no more than term_max"),
            ));
        }
        // A century of weekly instalments still fits a schedule's count.
        if self.term_max > 1200 {
            return Err(bad(
                "term_max",
                text!("settings_term_max";
                    id: "paling lama 1200 bulan", en: "must be at most 1200 months"),
            ));
        }
        FeeRate::parse(&self.fee_rate).map_err(|e| bad("fee_rate", e.0))?;
        if self.reserve_rates.is_empty() {
            return Err(bad(
                "reserve_rates",
                text!("settings_no_reserve_rate";
                    id: "perlu paling sedikit satu tarif", en: "needs at least one rate"),
            ));
        }
        if self.reserve_rates.len() > MAX_FURTHER_CLASSES + 2 {
            return Err(bad(
                "reserve_rates",
                text!("settings_too_many_rates", max = MAX_FURTHER_CLASSES + 2;
                    id: "paling banyak {max} tarif", en: "at most {max} rates"),
            ));
        }
        for r in &self.reserve_rates {
            FeeRate::parse(r).map_err(|e| bad("reserve_rates", e.0))?;
        }
        if self.max_movement.0 <= 0 || self.max_movement > MOVEMENT_CEILING {
            return Err(bad(
                "max_movement",
                text!("settings_max_movement", max = MOVEMENT_CEILING;
                    id: "harus di atas nol dan paling banyak {max}",
                    en: "must be above zero and at most {max}"),
            ));
        }
        if self.loan_limit > self.max_movement {
            return Err(bad(
                "loan_limit",
                text!("settings_loan_limit";
                    id: "tidak boleh lebih dari max_movement", en: "must be no more than max_movement"),
            ));
        }
        Ok(self)
    }

    /// `amount` when its size (a withdrawal's too) is within
    /// `max_movement`; refused otherwise, naming the field.
    pub fn movement(&self, field: &'static str, amount: Rupiah) -> Result<Rupiah, AboveMax> {
        if amount.0.unsigned_abs() > self.max_movement.0.unsigned_abs() {
            return Err(AboveMax {
                field,
                amount,
                max: self.max_movement,
            });
        }
        Ok(amount)
    }

    pub fn fee(&self) -> FeeRate {
        FeeRate::parse(&self.fee_rate).expect("checked when the settings were made")
    }

    /// The thresholds that start classes 3, 4, … for [`crate::arrears`].
    pub fn class_thresholds(&self) -> Vec<u16> {
        let mut t = vec![self.arrears_threshold];
        t.extend(&self.further_classes);
        t
    }

    /// The reserve rate of a quality class (1-based).
    pub fn reserve_rate(&self, class: u8) -> FeeRate {
        let i = (class.max(1) as usize - 1).min(self.reserve_rates.len() - 1);
        FeeRate::parse(&self.reserve_rates[i]).expect("checked when the settings were made")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_rules_and_partial_json_keeps_them() {
        let s = Settings::from_json(r#"{"arrears_threshold": 2}"#).unwrap();
        assert_eq!(s.arrears_threshold, 2);
        assert_eq!(s.first_loan_limit, Rupiah(500_000));
        assert_eq!(s.class_thresholds(), vec![2]);
        assert_eq!(s.reserve_rate(1).of(Rupiah(1_000_000)), Rupiah(10_000));
        assert_eq!(s.reserve_rate(7).of(Rupiah(1_000_000)), Rupiah(500_000));
        assert_eq!(s.max_movement, Rupiah(100_000_000_000));
    }

    #[test]
    fn a_movement_above_the_bound_is_refused_either_way() {
        let s = Settings::default();
        assert_eq!(
            s.movement("amount", Rupiah(100_000_000_000)),
            Ok(Rupiah(100_000_000_000))
        );
        assert_eq!(
            s.movement("amount", Rupiah(-100_000_000_000)),
            Ok(Rupiah(-100_000_000_000))
        );
        let e = s.movement("amount", Rupiah(i64::MAX)).unwrap_err();
        assert_eq!((e.field, e.max), ("amount", Rupiah(100_000_000_000)));
        assert!(s.movement("amount", Rupiah(i64::MIN)).is_err());
    }

    /// Regression: 253 thresholds overflowed a loan's class (a `u8`):
    /// every report of the UPK panicked, or wrapped to class 0.
    #[test]
    fn thresholds_and_rates_are_bounded() {
        let many: Vec<String> = (0..253).map(|i| (3 + i).to_string()).collect();
        let e = Settings::from_json(&format!(r#"{{"further_classes": [{}]}}"#, many.join(",")))
            .unwrap_err();
        assert_eq!(e.field, "further_classes");
        let rates = vec!["\"0.1\""; 13].join(",");
        let e = Settings::from_json(&format!(r#"{{"reserve_rates": [{rates}]}}"#)).unwrap_err();
        assert_eq!(e.field, "reserve_rates");
        let ten: Vec<String> = (0..10).map(|i| (4 + i).to_string()).collect();
        let s =
            Settings::from_json(&format!(r#"{{"further_classes": [{}]}}"#, ten.join(","))).unwrap();
        assert_eq!(s.class_thresholds().len(), 11);
    }

    #[test]
    fn contradictions_name_the_setting() {
        let e = Settings::from_json(r#"{"further_classes": [3]}"#).unwrap_err();
        assert_eq!(e.field, "further_classes");
        let e = Settings::from_json(r#"{"first_loan_limit": 3000000}"#).unwrap_err();
        assert_eq!(e.field, "first_loan_limit");
        let e = Settings::from_json(r#"{"term_min": 13}"#).unwrap_err();
        assert_eq!(e.field, "term_min");
        let e = Settings::from_json(r#"{"fee_rate": "abc"}"#).unwrap_err();
        assert_eq!(e.field, "fee_rate");
        let e = Settings::from_json(r#"{"max_movement": 0}"#).unwrap_err();
        assert_eq!(e.field, "max_movement");
        let e = Settings::from_json(r#"{"max_movement": 9223372036854775807}"#).unwrap_err();
        assert_eq!(e.field, "max_movement", "no bound beyond the ceiling");
        let e = Settings::from_json(r#"{"colour": 1}"#).unwrap_err();
        assert_eq!(
            e.field, "json",
            "an unknown setting is refused, not ignored"
        );
    }
}
