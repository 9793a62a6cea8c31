//! A mapped household: where it lives, its answers and its members, and
//! its score against the criteria.

use super::areas::KelurahanAreas;
use super::criteria::{Criteria, Indicator, Test};
use super::decimal::Decimal;
pub use lumbung_domain::Sex;
use lumbung_domain::{text, AreaCode, Language, ParseError, Text};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// An answer to an indicator's question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
#[schemars(rename = "IndicatorAnswer")]
pub enum Answer {
    YesNo(bool),
    Number(Decimal),
}

/// A member's age as asked: years at the time of mapping, or the year of
/// birth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Age {
    Years(u16),
    BirthYear(i16),
}

impl Age {
    /// Age in whole years in `year` (a birth year is taken as a birthday
    /// already passed); `mapped_in` is the year the age was asked.
    pub fn in_year(self, year: i16, mapped_in: i16) -> i32 {
        match self {
            Age::Years(y) => i32::from(y) + i32::from(year) - i32::from(mapped_in),
            Age::BirthYear(b) => i32::from(year) - i32::from(b),
        }
    }
}

/// Relation to the head of household (the BPS household roster codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    Head,
    Spouse,
    Child,
    ChildInLaw,
    Grandchild,
    ParentOrInLaw,
    OtherRelative,
    DomesticWorker,
    Other,
}

impl Relation {
    /// Indonesian and English words (`kepala`, `istri`, `suami`, `anak`,
    /// `menantu`, `cucu`, `orang_tua`, `mertua`, `famili_lain`,
    /// `pembantu`, `lainnya`, `head`, `spouse`, …), any case, with `_`,
    /// `-` or a space between words.
    pub fn parse(raw: &str) -> Option<Relation> {
        let norm: String = raw
            .trim()
            .to_lowercase()
            .chars()
            .map(|c| if c == '-' || c == ' ' { '_' } else { c })
            .collect();
        Some(match norm.as_str() {
            "kepala" | "kepala_keluarga" | "kepala_rumah_tangga" | "kk" | "krt" | "head" => {
                Relation::Head
            }
            "istri" | "suami" | "istri_suami" | "suami_istri" | "pasangan" | "spouse" | "wife"
            | "husband" => Relation::Spouse,
            "anak" | "anak_kandung" | "anak_tiri" | "anak_angkat" | "child" => Relation::Child,
            "menantu" | "child_in_law" => Relation::ChildInLaw,
            "cucu" | "grandchild" => Relation::Grandchild,
            "orang_tua" | "orangtua" | "mertua" | "orang_tua_mertua" | "parent"
            | "parent_in_law" | "parent_or_in_law" => Relation::ParentOrInLaw,
            "famili_lain" | "keluarga_lain" | "other_relative" => Relation::OtherRelative,
            "pembantu" | "pembantu_rumah_tangga" | "art" | "domestic_worker" => {
                Relation::DomesticWorker
            }
            "lainnya" | "lain_lain" | "other" => Relation::Other,
            _ => return None,
        })
    }
}

/// A NIK (nomor induk kependudukan): 16 digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(try_from = "String", into = "String")]
pub struct Nik(String);

impl Nik {
    pub fn parse(raw: &str) -> Result<Nik, ParseError> {
        let s = raw.trim();
        if s.len() == 16 && s.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Nik(s.to_owned()))
        } else {
            Err(ParseError(text!("nik_digits", nik = format!("{s:?}");
                id: "NIK {nik} harus 16 angka", en: "NIK {nik} must be 16 digits")))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Nik {
    type Error = ParseError;
    fn try_from(s: String) -> Result<Nik, ParseError> {
        Nik::parse(&s)
    }
}

impl From<Nik> for String {
    fn from(n: Nik) -> String {
        n.0
    }
}

impl fmt::Display for Nik {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One person in the household roster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "HouseholdMember")]
pub struct Member {
    pub name: String,
    pub sex: Sex,
    pub age: Age,
    pub relation: Relation,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nik: Option<Nik>,
}

/// A mapped household. `id` is the household's identifier in its source
/// (the Kobo `_uuid`); `rt` an area of kind RT; `answers` are keyed by
/// indicator key (answers to keys the criteria do not have are ignored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Household {
    pub id: String,
    #[serde(deserialize_with = "super::serde_util::area_code")]
    pub rt: AreaCode,
    pub head_name: String,
    pub address: String,
    pub answers: BTreeMap<String, Answer>,
    pub members: Vec<Member>,
}

/// A household as the API takes it: `id` and `address` may be left out
/// (an empty id: the store gives one).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct NewHousehold {
    #[serde(default)]
    pub id: String,
    #[serde(deserialize_with = "super::serde_util::area_code")]
    pub rt: AreaCode,
    pub head_name: String,
    #[serde(default)]
    pub address: String,
    pub answers: BTreeMap<String, Answer>,
    pub members: Vec<Member>,
}

impl From<NewHousehold> for Household {
    fn from(h: NewHousehold) -> Household {
        Household {
            id: h.id,
            rt: h.rt,
            head_name: h.head_name,
            address: h.address,
            answers: h.answers,
            members: h.members,
        }
    }
}

impl Household {
    pub fn women(&self) -> usize {
        self.members.iter().filter(|m| m.sex == Sex::Female).count()
    }
}

/// The prefix of the ids Lumbung gives households typed in without one.
pub const MANUAL_PREFIX: &str = "manual-";

/// The longest household id taken (a Kobo `_uuid` has 36 characters).
pub const MAX_HOUSEHOLD_ID: usize = 100;

/// Why a household typed in (or sent to the API) is refused: the field and
/// what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct InvalidHousehold {
    pub field: &'static str,
    pub message: Text,
}

fn invalid(field: &'static str, message: Text) -> InvalidHousehold {
    InvalidHousehold { field, message }
}

/// Several problems of one field as one message, `; ` between them.
fn joined(code: &'static str, problems: &[Text]) -> Text {
    let words = |language| {
        problems
            .iter()
            .map(|p| p.get(language))
            .collect::<Vec<_>>()
            .join("; ")
    };
    Text::new(
        code,
        Vec::new(),
        words(Language::Indonesian),
        words(Language::English),
    )
}

impl Household {
    /// This household checked against the kelurahan's RT and the criteria
    /// in force, and tidied (names and address trimmed). The id is left as
    /// given (empty: one is made by the caller).
    pub fn checked(
        &self,
        criteria: &Criteria,
        areas: &KelurahanAreas,
    ) -> Result<Household, InvalidHousehold> {
        let mut h = self.clone();
        h.id = h.id.trim().to_owned();
        if h.id.chars().count() > MAX_HOUSEHOLD_ID || h.id.chars().any(char::is_control) {
            return Err(invalid(
                "id",
                text!("household_id_too_long", max = MAX_HOUSEHOLD_ID;
                    id: "id rumah tangga paling banyak {max} karakter dan tanpa karakter kendali",
                    en: "a household id has at most {max} characters and no control characters"),
            ));
        }
        if areas.rw_of(&h.rt).is_none() {
            return Err(invalid(
                "rt",
                text!("household_rt_unknown", rt = h.rt, kelurahan = areas.kelurahan();
                    id: "{rt} bukan RT di kelurahan {kelurahan} (RT adalah wilayah berjenis rt di bawah RW-nya)",
                    en: "{rt} is not an RT of kelurahan {kelurahan} (RTs are areas of kind rt under its RWs)"),
            ));
        }
        h.head_name = h.head_name.trim().to_owned();
        if h.head_name.is_empty() {
            return Err(invalid(
                "head_name",
                text!("household_head_empty";
                    id: "nama kepala rumah tangga kosong", en: "the head of household's name is empty"),
            ));
        }
        h.address = h.address.trim().to_owned();
        let mut problems = Vec::new();
        for (key, answer) in &h.answers {
            match (criteria.indicator(key).map(|i| &i.test), answer) {
                (None, _) => problems.push(
                    text!("answer_not_an_indicator", key = format!("{key:?}"), criteria = criteria.name();
                        id: "{key} bukan indikator kriteria yang berlaku ({criteria})",
                        en: "{key} is not an indicator of the criteria in force ({criteria})"),
                ),
                (Some(Test::YesNo { .. }), Answer::Number(n)) => problems.push(
                    text!("answer_yes_no_not_number", key = format!("{key:?}"), n = n;
                        id: "{key} dijawab ya atau tidak, bukan dengan angka ({n})",
                        en: "{key} is answered yes or no, not with a number ({n})"),
                ),
                (Some(Test::Number { unit, .. }), Answer::YesNo(_)) => problems.push({
                    let unit = unit
                        .as_deref()
                        .map(|u| format!(" ({u})"))
                        .unwrap_or_default();
                    text!("answer_number_not_yes_no", key = format!("{key:?}"), unit = unit;
                        id: "{key} dijawab dengan angka{unit}, bukan ya atau tidak",
                        en: "{key} is answered with a number{unit}, not yes or no")
                }),
                _ => {}
            }
        }
        if !problems.is_empty() {
            return Err(invalid("answers", joined("household_answers", &problems)));
        }
        if h.members.is_empty() {
            return Err(invalid(
                "members",
                text!("household_no_members";
                    id: "rumah tangga punya paling sedikit satu anggota (kepalanya)",
                    en: "a household has at least one member (its head)"),
            ));
        }
        for (i, m) in h.members.iter_mut().enumerate() {
            let n = i + 1;
            m.name = m.name.trim().to_owned();
            if m.name.is_empty() {
                problems.push(text!("member_name_empty", n = n;
                    id: "anggota {n}: namanya kosong", en: "member {n}: the name is empty"));
            }
            match m.age {
                Age::Years(y) if y > 130 => problems.push(text!("member_age_years", n = n, y = y;
                        id: "anggota {n}: {y} bukan umur dalam tahun (0–130)",
                        en: "member {n}: {y} is not an age in years (0–130)")),
                Age::BirthYear(y) if !(1880..=2100).contains(&y) => {
                    problems.push(text!("member_birth_year", n = n, y = y;
                        id: "anggota {n}: {y} bukan tahun lahir",
                        en: "member {n}: {y} is not a year of birth"))
                }
                _ => {}
            }
        }
        if !problems.is_empty() {
            return Err(invalid("members", joined("household_members", &problems)));
        }
        Ok(h)
    }

    /// Whether this household may be added under its own id: ids of the
    /// form `manual-<n>` are Lumbung's to give (an empty id asks for one).
    pub fn check_own_id(&self) -> Result<(), InvalidHousehold> {
        if self.id.to_lowercase().starts_with(MANUAL_PREFIX) {
            return Err(invalid(
                "id",
                text!("household_manual_id", prefix = MANUAL_PREFIX;
                    id: "id yang berawalan {prefix} diberikan oleh Lumbung: kosongkan id-nya",
                    en: "ids starting with {prefix} are given by Lumbung: leave the id empty"),
            ));
        }
        Ok(())
    }
}

/// The first candidate id for a household typed in without one:
/// `manual-<n>`, n one more than the households added by hand so far
/// (`added`, so a removed household's id is not given again) and than any
/// `manual-` id stored. The caller skips candidates already taken.
pub fn manual_ids<'a>(
    added: u64,
    stored: impl IntoIterator<Item = &'a str>,
) -> impl Iterator<Item = String> {
    let highest = stored
        .into_iter()
        .filter_map(|id| id.get(MANUAL_PREFIX.len()..)?.parse::<u64>().ok())
        .max()
        .unwrap_or(0);
    (added.max(highest) + 1..).map(|n| format!("{MANUAL_PREFIX}{n}"))
}

/// Poor, not poor, or not decidable from the answers given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Classification {
    Poor,
    NotPoor,
    /// Missing answers could still change the outcome.
    Incomplete,
}

/// A household's score: the indicators that hold and those without a
/// usable answer (both in the criteria's order), and the classification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[schemars(rename = "HouseholdScore")]
pub struct Score {
    pub holds: Vec<String>,
    pub missing: Vec<String>,
    pub classification: Classification,
}

impl Score {
    /// How many indicators hold.
    pub fn count(&self) -> usize {
        self.holds.len()
    }
}

impl Indicator {
    /// Whether this indicator holds for an answer, given the number of
    /// members; `None` when there is no usable answer (missing, of the
    /// other kind, or per member with no members).
    pub fn holds(&self, answer: Option<&Answer>, members: usize) -> Option<bool> {
        match (&self.test, answer?) {
            (Test::YesNo { holds_when }, Answer::YesNo(a)) => Some(a == holds_when),
            (
                Test::Number {
                    op,
                    threshold,
                    per_member,
                    ..
                },
                Answer::Number(v),
            ) => {
                // value ÷ members OP threshold ⇔ value OP threshold × members
                // (members > 0): exact, no division.
                let divisor = if *per_member {
                    if members == 0 {
                        return None;
                    }
                    members as i128
                } else {
                    1
                };
                let lhs = v.ten_thousandths() as i128;
                let rhs = threshold.ten_thousandths() as i128 * divisor;
                Some(op.accepts(lhs.cmp(&rhs)))
            }
            _ => None,
        }
    }
}

impl Criteria {
    /// Classifies from counts alone: poor when at least k hold; not poor
    /// when even every missing answer holding would leave fewer than k;
    /// otherwise incomplete.
    pub fn classify(&self, holds: usize, missing: usize) -> Classification {
        let k = self.poor_when_at_least();
        if holds >= k {
            Classification::Poor
        } else if holds + missing < k {
            Classification::NotPoor
        } else {
            Classification::Incomplete
        }
    }

    /// Scores a household: which indicators hold, which lack an answer,
    /// and the classification.
    pub fn score(&self, household: &Household) -> Score {
        let mut holds = Vec::new();
        let mut missing = Vec::new();
        for ind in self.indicators() {
            match ind.holds(household.answers.get(&ind.key), household.members.len()) {
                Some(true) => holds.push(ind.key.clone()),
                Some(false) => {}
                None => missing.push(ind.key.clone()),
            }
        }
        let classification = self.classify(holds.len(), missing.len());
        Score {
            holds,
            missing,
            classification,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::mapping::criteria::{bps_template, Comparison, Label};
    use proptest::prelude::*;

    pub(crate) fn member(sex: Sex) -> Member {
        Member {
            name: "Siti".into(),
            sex,
            age: Age::Years(30),
            relation: Relation::Head,
            nik: None,
        }
    }

    pub(crate) fn household(
        rt: &str,
        answers: BTreeMap<String, Answer>,
        members: Vec<Member>,
    ) -> Household {
        Household {
            id: format!("hh-{rt}"),
            rt: AreaCode::parse(rt).unwrap(),
            head_name: "Siti".into(),
            address: "Kp. Cinangka".into(),
            answers,
            members,
        }
    }

    fn bps_answers(yes: usize, floor_area: Option<&str>) -> BTreeMap<String, Answer> {
        // The 13 yes/no indicators: the first `yes` answered yes.
        let c = bps_template();
        let mut a = BTreeMap::new();
        for (i, ind) in c.indicators().iter().skip(1).enumerate() {
            a.insert(ind.key.clone(), Answer::YesNo(i < yes));
        }
        if let Some(f) = floor_area {
            a.insert(
                "floor_area".into(),
                Answer::Number(Decimal::parse(f).unwrap()),
            );
        }
        a
    }

    fn kelurahan_areas() -> KelurahanAreas {
        KelurahanAreas::by_convention(AreaCode::parse("3604010001").unwrap(), &[(3, 4)]).unwrap()
    }

    fn refused(h: &Household) -> InvalidHousehold {
        h.checked(&bps_template(), &kelurahan_areas())
            .expect_err("refused")
    }

    #[test]
    fn a_household_typed_in_is_tidied_and_checked_field_by_field() {
        let rt = "3604010001.03.004";
        let mut h = household(rt, bps_answers(13, Some("10")), vec![member(Sex::Female)]);
        h.id = " kk-7 ".into();
        h.head_name = " Siti Aminah ".into();
        h.members[0].name = " Siti ".into();
        let ok = h.checked(&bps_template(), &kelurahan_areas()).unwrap();
        assert_eq!(
            (
                ok.id.as_str(),
                ok.head_name.as_str(),
                ok.members[0].name.as_str()
            ),
            ("kk-7", "Siti Aminah", "Siti")
        );

        let mut bad = h.clone();
        bad.id = "x".repeat(MAX_HOUSEHOLD_ID + 1);
        assert_eq!(refused(&bad).field, "id");
        bad.id = "a\u{7}b".into();
        assert_eq!(refused(&bad).field, "id");

        let mut bad = h.clone();
        bad.rt = AreaCode::parse("3604010002.03.004").unwrap();
        let e = refused(&bad);
        assert_eq!(e.field, "rt");
        assert!(e.message.contains("3604010002.03.004"), "{e}");

        let mut bad = h.clone();
        bad.head_name = "  ".into();
        assert_eq!(refused(&bad).field, "head_name");

        let mut bad = h.clone();
        bad.answers.insert("no_such".into(), Answer::YesNo(true));
        bad.answers.insert("floor_area".into(), Answer::YesNo(true));
        let e = refused(&bad);
        assert_eq!(e.field, "answers");
        assert!(
            e.message.contains("no_such") && e.message.contains("floor_area"),
            "{e}"
        );

        let mut bad = h.clone();
        bad.members.clear();
        assert_eq!(refused(&bad).field, "members");

        let mut bad = h.clone();
        bad.members.push(member(Sex::Male));
        bad.members[1].name = " ".into();
        bad.members[0].age = Age::Years(200);
        let e = refused(&bad);
        assert_eq!(e.field, "members");
        assert!(
            e.message.contains("member 1: 200") && e.message.contains("member 2: the name"),
            "{e}"
        );
        bad.members = vec![member(Sex::Male)];
        bad.members[0].age = Age::BirthYear(1879);
        assert_eq!(refused(&bad).field, "members");
    }

    #[test]
    fn manual_ids_are_lumbungs_to_give_and_never_given_twice() {
        let mut h = household("3604010001.03.004", BTreeMap::new(), vec![]);
        h.id = "Manual-9".into();
        assert_eq!(h.check_own_id().unwrap_err().field, "id");
        h.id = "kk-7".into();
        assert!(h.check_own_id().is_ok());

        let first = |added, stored: &[&str]| manual_ids(added, stored.iter().copied()).next();
        assert_eq!(first(0, &[]).as_deref(), Some("manual-1"));
        assert_eq!(first(3, &["manual-2"]).as_deref(), Some("manual-4"));
        assert_eq!(
            first(1, &["manual-7", "manual-x"]).as_deref(),
            Some("manual-8")
        );
        let two: Vec<String> = manual_ids(0, []).take(2).collect();
        assert_eq!(two, ["manual-1", "manual-2"]);
    }

    #[test]
    fn nine_of_fourteen_is_poor_and_eight_is_not() {
        let c = bps_template();
        let four = vec![
            member(Sex::Female),
            member(Sex::Male),
            member(Sex::Female),
            member(Sex::Male),
        ];
        // 36 m² for 4 people = 9 m² each: the floor-area indicator does not hold.
        let h = household(
            "3604010001.03.005",
            bps_answers(9, Some("36")),
            four.clone(),
        );
        let s = c.score(&h);
        assert_eq!(s.count(), 9);
        assert!(s.missing.is_empty());
        assert_eq!(s.classification, Classification::Poor);
        let h = household(
            "3604010001.03.005",
            bps_answers(8, Some("36")),
            four.clone(),
        );
        assert_eq!(c.score(&h).classification, Classification::NotPoor);
        // 31.99 m² for 4 = 7.9975 m² each: holds, 8 + 1 = 9.
        let h = household(
            "3604010001.03.005",
            bps_answers(8, Some("31.99")),
            four.clone(),
        );
        let s = c.score(&h);
        assert_eq!(s.holds[0], "floor_area");
        assert_eq!(s.classification, Classification::Poor);
        // Exactly 8 m² each is not "less than 8".
        let h = household("3604010001.03.005", bps_answers(8, Some("32")), four);
        assert_eq!(c.score(&h).classification, Classification::NotPoor);
    }

    #[test]
    fn missing_answers_give_incomplete_only_when_they_could_matter() {
        let c = bps_template();
        let one = vec![member(Sex::Female)];
        // 8 yes, floor area missing: one more could make 9.
        let s = c.score(&household("x", bps_answers(8, None), one.clone()));
        assert_eq!(s.missing, vec!["floor_area".to_string()]);
        assert_eq!(s.classification, Classification::Incomplete);
        // 9 yes already: poor whatever the floor area.
        let s = c.score(&household("x", bps_answers(9, None), one.clone()));
        assert_eq!(s.classification, Classification::Poor);
        // 7 yes + 1 missing cannot reach 9.
        let s = c.score(&household("x", bps_answers(7, None), one));
        assert_eq!(s.classification, Classification::NotPoor);
        // Per member with no members: no answer.
        let s = c.score(&household("x", bps_answers(8, Some("10")), vec![]));
        assert_eq!(s.classification, Classification::Incomplete);
        // An answer of the wrong kind counts as missing.
        let mut a = bps_answers(8, None);
        a.insert("floor_area".into(), Answer::YesNo(true));
        let s = c.score(&household("x", a, vec![member(Sex::Male)]));
        assert_eq!(s.missing, vec!["floor_area".to_string()]);
    }

    #[test]
    fn numeric_comparisons_and_yes_no_polarity() {
        let ind = |op| Indicator {
            key: "income".into(),
            label: Label::new("p", "i"),
            test: Test::Number {
                op,
                threshold: Decimal::from_int(600_000).unwrap(),
                per_member: false,
                unit: None,
            },
        };
        let at = Answer::Number(Decimal::from_int(600_000).unwrap());
        let below = Answer::Number(Decimal::parse("599999.99").unwrap());
        assert_eq!(ind(Comparison::Less).holds(Some(&at), 0), Some(false));
        assert_eq!(ind(Comparison::Less).holds(Some(&below), 0), Some(true));
        assert_eq!(ind(Comparison::AtMost).holds(Some(&at), 0), Some(true));
        assert_eq!(ind(Comparison::Greater).holds(Some(&at), 0), Some(false));
        assert_eq!(ind(Comparison::AtLeast).holds(Some(&at), 0), Some(true));
        assert_eq!(ind(Comparison::Less).holds(None, 0), None);
        let has_toilet = Indicator {
            key: "toilet".into(),
            label: Label::new("p", "t"),
            test: Test::YesNo { holds_when: false },
        };
        assert_eq!(has_toilet.holds(Some(&Answer::YesNo(false)), 1), Some(true));
        assert_eq!(has_toilet.holds(Some(&Answer::YesNo(true)), 1), Some(false));
    }

    #[test]
    fn words_for_sex_relation_and_nik() {
        assert_eq!(Sex::parse(" Perempuan "), Some(Sex::Female));
        assert_eq!(Sex::parse("laki_laki"), Some(Sex::Male));
        assert_eq!(Sex::parse("x"), None);
        assert_eq!(Relation::parse("Kepala Keluarga"), Some(Relation::Head));
        assert_eq!(Relation::parse("suami"), Some(Relation::Spouse));
        assert_eq!(Relation::parse("orang-tua"), Some(Relation::ParentOrInLaw));
        assert_eq!(Relation::parse("tetangga"), None);
        assert!(Nik::parse("3604014506780001").is_ok());
        assert!(Nik::parse("36040145067800").is_err());
        assert_eq!(Age::BirthYear(1990).in_year(2024, 2024), 34);
        assert_eq!(Age::Years(16).in_year(2025, 2024), 17);
    }

    #[test]
    fn households_round_trip_as_json() {
        let mut m = member(Sex::Female);
        m.nik = Some(Nik::parse("3604014506780001").unwrap());
        m.age = Age::BirthYear(1978);
        let h = household("3604010001.03.005", bps_answers(3, Some("21.5")), vec![m]);
        let json = serde_json::to_string(&h).unwrap();
        assert!(json.contains("\"birth_year\":1978"), "{json}");
        assert_eq!(serde_json::from_str::<Household>(&json).unwrap(), h);
        assert!(
            serde_json::from_str::<Household>(&json.replace("3604010001.03.005", "RT 5")).is_err()
        );
    }

    /// `n` yes/no indicators `i0`, `i1`, …, poor when `k` hold.
    pub(crate) fn yes_no_criteria(n: usize, k: usize) -> Criteria {
        let inds: Vec<Indicator> = (0..n)
            .map(|i| Indicator {
                key: format!("i{i}"),
                label: Label::new("x", "x"),
                test: Test::YesNo { holds_when: true },
            })
            .collect();
        Criteria::new("c", inds, k).unwrap()
    }

    proptest! {
        /// All answered: poor exactly when at least k hold.
        #[test]
        fn k_of_n_threshold(answers in prop::collection::vec(any::<bool>(), 1..16), k_seed in 0usize..100) {
            let n = answers.len();
            let k = 1 + k_seed % n;
            let c = yes_no_criteria(n, k);
            let a = answers.iter().enumerate().map(|(i, &b)| (format!("i{i}"), Answer::YesNo(b))).collect();
            let s = c.score(&household("x", a, vec![]));
            let yes = answers.iter().filter(|b| **b).count();
            prop_assert_eq!(s.count(), yes);
            prop_assert_eq!(s.classification == Classification::Poor, yes >= k);
            prop_assert_eq!(s.classification == Classification::NotPoor, yes < k);
        }

        /// With missing answers, the classification is decided exactly when
        /// every way of filling them in gives the same outcome.
        #[test]
        fn incomplete_means_the_missing_answers_could_decide(
            answers in prop::collection::vec(prop::option::of(any::<bool>()), 1..10),
            k_seed in 0usize..100,
        ) {
            let n = answers.len();
            let k = 1 + k_seed % n;
            let c = yes_no_criteria(n, k);
            let a = answers.iter().enumerate()
                .filter_map(|(i, b)| b.map(|b| (format!("i{i}"), Answer::YesNo(b)))).collect();
            let s = c.score(&household("x", a, vec![]));
            let missing: Vec<usize> = (0..n).filter(|&i| answers[i].is_none()).collect();
            let outcomes: std::collections::BTreeSet<bool> = (0u32..1 << missing.len()).map(|fill| {
                let extra = (0..missing.len()).filter(|j| fill >> j & 1 == 1).count();
                s.count() + extra >= k
            }).collect();
            let expected = match (outcomes.len(), outcomes.contains(&true)) {
                (2, _) => Classification::Incomplete,
                (_, true) => Classification::Poor,
                _ => Classification::NotPoor,
            };
            prop_assert_eq!(s.classification, expected);
            prop_assert_eq!(s.missing.len(), missing.len());
        }
    }
}
