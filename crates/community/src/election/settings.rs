//! A kelurahan's election rules (its tata tertib) and which vote a poll
//! is. The settings are stored and typed in as text (`SettingsText`) and
//! held parsed (`ElectionSettings`): a quorum or target is read once, when
//! the settings are checked, never re-read with a silent default.

use lumbung_domain::{text, Text};

use super::ballot::{Fraction, NamesPerBallot, Quorum};
use super::recount::RecountConfig;
use super::tally::TieRule;
use serde::{Deserialize, Serialize, Serializer};
use std::num::{NonZeroU64, NonZeroUsize};

/// A value refused, with the field it came from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct Invalid {
    pub field: &'static str,
    pub message: Text,
}

impl Invalid {
    pub fn new(field: &'static str, message: impl Into<Text>) -> Invalid {
        Invalid {
            field,
            message: message.into(),
        }
    }
}

/// Which vote a poll is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Level 1: an RT's residents elect its delegates (utusan).
    Rt,
    /// Level 2: the kelurahan's delegates elect the BKM members.
    Bkm,
    /// The members elect their coordinator.
    Coordinator,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Rt => "rt",
            Level::Bkm => "bkm",
            Level::Coordinator => "coordinator",
        }
    }

    pub fn parse(raw: &str) -> Option<Level> {
        match raw.trim() {
            "rt" => Some(Level::Rt),
            "bkm" => Some(Level::Bkm),
            "coordinator" => Some(Level::Coordinator),
            _ => None,
        }
    }
}

/// A parsed value with the text it was written as: the settings show and
/// publish what the committee typed (`0.30`, not `0.300000`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stated<T> {
    text: String,
    value: T,
}

impl<T: Copy> Stated<T> {
    pub fn value(&self) -> T {
        self.value
    }

    pub fn text(&self) -> &str {
        &self.text
    }
}

impl<T> Serialize for Stated<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

/// The settings as stored and typed in: every field has the programme's
/// default (`shared/p2kp-rules.md`). [`SettingsText::checked`] parses them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct SettingsText {
    /// Names a valid level-1 ballot holds (2–3).
    pub names_min: usize,
    pub names_max: usize,
    /// Share of the eligible voters that must vote, a decimal fraction.
    pub quorum: String,
    /// Delegates each RT elects (unconfirmed in the sources: 3).
    pub delegates_per_rt: usize,
    /// BKM members, from the bylaws (9).
    pub bkm_seats: usize,
    /// Names a valid level-2 ballot holds (as level 1 by default).
    pub bkm_names_min: usize,
    pub bkm_names_max: usize,
    /// How a tie for the last seat is broken.
    pub tie_rule: TieRule,
    /// The women target among delegates and members, a decimal fraction.
    pub women_target: String,
    /// The BKM's term.
    pub term_years: u8,
    /// Level 1: a ballot naming someone not on the RT's register is
    /// invalid (off by default: nicknames must then be grouped to the
    /// register's names).
    pub check_residents: bool,
}

impl Default for SettingsText {
    fn default() -> Self {
        SettingsText {
            names_min: 2,
            names_max: 3,
            quorum: "0.30".into(),
            delegates_per_rt: 3,
            bkm_seats: 9,
            bkm_names_min: 2,
            bkm_names_max: 3,
            tie_rule: TieRule::Revote,
            women_target: "0.30".into(),
            term_years: 3,
            check_residents: false,
        }
    }
}

/// The most seats a poll fills (delegates of an RT, members of a BKM):
/// counts and published files grow with it.
pub const MAX_SEATS: usize = 100;

impl SettingsText {
    /// The settings when every value is usable; else the first field at
    /// fault.
    pub fn checked(self) -> Result<ElectionSettings, Invalid> {
        let names = NamesPerBallot::new(self.names_min, self.names_max)
            .map_err(|e| Invalid::new("names_max", e.text()))?;
        let bkm_names = NamesPerBallot::new(self.bkm_names_min, self.bkm_names_max)
            .map_err(|e| Invalid::new("bkm_names_max", e.text()))?;
        let quorum = Quorum::parse(&self.quorum).map_err(|e| Invalid::new("quorum", e.text()))?;
        let women_target = Fraction::parse(&self.women_target)
            .map_err(|e| Invalid::new("women_target", e.text()))?;
        for (field, ok, refused) in [
            (
                "delegates_per_rt",
                (1..=MAX_SEATS).contains(&self.delegates_per_rt),
                text!("election_delegates_per_rt", max = MAX_SEATS;
                    id: "satu RT memilih 1 sampai {max} utusan",
                    en: "an RT elects 1 to {max} delegates"),
            ),
            (
                "bkm_seats",
                (1..=MAX_SEATS).contains(&self.bkm_seats),
                text!("election_bkm_seats", max = MAX_SEATS;
                    id: "BKM beranggota 1 sampai {max} orang",
                    en: "a BKM has 1 to {max} members"),
            ),
            (
                "term_years",
                (1..=10).contains(&self.term_years),
                text!("election_term_years";
                    id: "masa bakti 1 sampai 10 tahun", en: "a term is 1 to 10 years"),
            ),
        ] {
            if !ok {
                return Err(Invalid::new(field, refused));
            }
        }
        Ok(ElectionSettings {
            names,
            quorum: Stated {
                text: self.quorum,
                value: quorum,
            },
            delegates_per_rt: self.delegates_per_rt,
            bkm_seats: self.bkm_seats,
            bkm_names,
            tie_rule: self.tie_rule,
            women_target: Stated {
                text: self.women_target,
                value: women_target,
            },
            term_years: self.term_years,
            check_residents: self.check_residents,
        })
    }
}

/// A kelurahan's election rules, checked and parsed. Serialised (and
/// stored) as its [`SettingsText`], exactly as typed.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "SettingsText")]
pub struct ElectionSettings {
    /// Names a valid level-1 ballot holds.
    pub names: NamesPerBallot,
    pub quorum: Stated<Quorum>,
    /// Delegates each RT elects (1 to [`MAX_SEATS`]).
    pub delegates_per_rt: usize,
    /// BKM members (1 to [`MAX_SEATS`]).
    pub bkm_seats: usize,
    /// Names a valid level-2 ballot holds.
    pub bkm_names: NamesPerBallot,
    pub tie_rule: TieRule,
    pub women_target: Stated<Fraction>,
    /// The BKM's term (1 to 10 years).
    pub term_years: u8,
    pub check_residents: bool,
}

impl TryFrom<SettingsText> for ElectionSettings {
    type Error = Invalid;
    fn try_from(text: SettingsText) -> Result<Self, Invalid> {
        text.checked()
    }
}

impl Default for ElectionSettings {
    fn default() -> Self {
        SettingsText::default()
            .checked()
            .expect("the defaults are valid")
    }
}

impl Serialize for ElectionSettings {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.text().serialize(s)
    }
}

/// Written as its [`SettingsText`] (under its own name: as a request
/// body the text's fields may be left out).
impl schemars::JsonSchema for ElectionSettings {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ElectionSettings".into()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        SettingsText::json_schema(generator)
    }
}

impl ElectionSettings {
    /// Reads settings from JSON (missing fields take their default) and
    /// checks them.
    pub fn from_json(json: &str) -> Result<ElectionSettings, Invalid> {
        let text: SettingsText = serde_json::from_str(json).map_err(|e| {
            Invalid::new(
                "settings",
                text!("election_settings_json", error = e;
                    id: "pengaturan tidak terbaca: {error}", en: "{error}"),
            )
        })?;
        text.checked()
    }

    /// The settings as written.
    pub fn text(&self) -> SettingsText {
        SettingsText {
            names_min: self.names.min(),
            names_max: self.names.max(),
            quorum: self.quorum.text.clone(),
            delegates_per_rt: self.delegates_per_rt,
            bkm_seats: self.bkm_seats,
            bkm_names_min: self.bkm_names.min(),
            bkm_names_max: self.bkm_names.max(),
            tie_rule: self.tie_rule,
            women_target: self.women_target.text.clone(),
            term_years: self.term_years,
            check_residents: self.check_residents,
        }
    }

    /// Names a valid ballot of a poll at `level` holds.
    pub fn names_per_ballot(&self, level: Level) -> NamesPerBallot {
        match level {
            Level::Rt => self.names,
            Level::Bkm => self.bkm_names,
            Level::Coordinator => NamesPerBallot::new(1, 1).expect("1 to 1"),
        }
    }

    /// Seats a poll at `level` fills.
    pub fn seats(&self, level: Level) -> NonZeroUsize {
        let seats = match level {
            Level::Rt => self.delegates_per_rt,
            Level::Bkm => self.bkm_seats,
            Level::Coordinator => 1,
        };
        NonZeroUsize::new(seats).expect("checked: at least one seat")
    }

    /// What a recount of a poll at `level` needs.
    pub fn config(&self, level: Level, eligible: NonZeroU64) -> RecountConfig {
        RecountConfig {
            eligible,
            seats: self.seats(level),
            names: self.names_per_ballot(level),
            quorum: self.quorum.value(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_keep_the_text_typed_and_refuse_the_field_at_fault() {
        let s = ElectionSettings::from_json(r#"{"quorum": ".5", "women_target": "0.25"}"#).unwrap();
        assert_eq!(s.quorum.value(), Quorum::parse("0.5").unwrap());
        assert_eq!(s.women_target.value(), Fraction::parse("0.25").unwrap());
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(
            json,
            r#"{"names_min":2,"names_max":3,"quorum":".5","delegates_per_rt":3,"bkm_seats":9,"bkm_names_min":2,"bkm_names_max":3,"tie_rule":"revote","women_target":"0.25","term_years":3,"check_residents":false}"#
        );
        assert_eq!(serde_json::from_str::<ElectionSettings>(&json).unwrap(), s);
        let field = |json: &str| ElectionSettings::from_json(json).unwrap_err().field;
        assert_eq!(field(r#"{"quorum": "1.5"}"#), "quorum");
        assert_eq!(field(r#"{"women_target": "x"}"#), "women_target");
        assert_eq!(field(r#"{"names_min": 4}"#), "names_max");
        assert_eq!(field(r#"{"bkm_names_max": 0}"#), "bkm_names_max");
        assert_eq!(field(r#"{"delegates_per_rt": 0}"#), "delegates_per_rt");
        assert_eq!(field(r#"{"bkm_seats": 101}"#), "bkm_seats");
        assert_eq!(field(r#"{"term_years": 11}"#), "term_years");
        assert_eq!(field(r#"{"colour": "red"}"#), "settings");
    }

    #[test]
    fn a_poll_is_counted_with_its_levels_seats_and_names() {
        let s = ElectionSettings::default();
        let one = NonZeroU64::MIN;
        let rt = s.config(Level::Rt, one);
        assert_eq!((rt.seats.get(), rt.names.min(), rt.names.max()), (3, 2, 3));
        let bkm = s.config(Level::Bkm, one);
        assert_eq!(bkm.seats.get(), 9);
        let c = s.config(Level::Coordinator, one);
        assert_eq!((c.seats.get(), c.names.min(), c.names.max()), (1, 1, 1));
        assert_eq!(rt.quorum, Quorum::default());
    }
}
