//! Poverty criteria set by the community, as data: indicators with a test
//! each, and the rule "poor when at least k of the n indicators hold".

use super::decimal::Decimal;
use lumbung_domain::{Language, Text};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::HashMap;
use std::fmt;

/// A text in Bahasa Indonesia and in English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Label {
    pub id: String,
    pub en: String,
}

impl Label {
    pub fn new(id: &str, en: &str) -> Label {
        Label {
            id: id.to_owned(),
            en: en.to_owned(),
        }
    }
}

/// How a numeric answer is compared with the threshold: the indicator
/// holds when `answer OP threshold`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum Comparison {
    #[serde(rename = "<")]
    Less,
    #[serde(rename = "<=")]
    AtMost,
    #[serde(rename = ">")]
    Greater,
    #[serde(rename = ">=")]
    AtLeast,
}

impl Comparison {
    /// True when `answer` compared with the threshold gave `ord` and this
    /// comparison accepts it.
    pub fn accepts(self, ord: Ordering) -> bool {
        match self {
            Comparison::Less => ord == Ordering::Less,
            Comparison::AtMost => ord != Ordering::Greater,
            Comparison::Greater => ord == Ordering::Greater,
            Comparison::AtLeast => ord != Ordering::Less,
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            Comparison::Less => "<",
            Comparison::AtMost => "≤",
            Comparison::Greater => ">",
            Comparison::AtLeast => "≥",
        }
    }
}

fn yes() -> bool {
    true
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// The test of one indicator on a household's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[schemars(rename = "IndicatorTest")]
pub enum Test {
    /// A yes/no answer; the indicator holds when the answer equals
    /// `holds_when` (default yes: the question is phrased as the criterion).
    YesNo {
        // Optional in both directions, so that the request and the answer
        // share one schema.
        #[serde(default = "yes")]
        #[schemars(skip_serializing_if = "is_false")]
        holds_when: bool,
    },
    /// A numeric answer; the indicator holds when `answer OP threshold`.
    /// With `per_member` the answer is first divided by the number of
    /// household members (floor area per person from the total floor area);
    /// a household with no members then has no answer.
    Number {
        op: Comparison,
        threshold: Decimal,
        #[serde(default, skip_serializing_if = "is_false")]
        per_member: bool,
        /// Shown after the numbers (`m²`, `Rp/bulan`); no effect on the test.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        unit: Option<String>,
    },
}

/// One poverty indicator: a key (the name answers are stored under), its
/// label in both languages and its test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Indicator {
    pub key: String,
    pub label: Label,
    pub test: Test,
}

/// A key for a new indicator from its label: lowercase letters, digits
/// and `_` (at most 40, then a number to make it unused by `taken`), so
/// that a community adding an indicator by its words gets a valid key.
pub fn key_from_label(label: &str, taken: &[String]) -> String {
    let mut key = String::new();
    for c in label.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            key.push(c);
        } else if !key.ends_with('_') && !key.is_empty() {
            key.push('_');
        }
        if key.len() >= 40 {
            break;
        }
    }
    let key = key.trim_end_matches('_').to_owned();
    let key = if key.is_empty() {
        "indikator".into()
    } else {
        key
    };
    let mut candidate = key.clone();
    let mut n = 2;
    while taken.contains(&candidate) {
        candidate = format!("{key}_{n}");
        n += 1;
    }
    candidate
}

/// A valid set of poverty criteria: at least one indicator, unique keys of
/// `a–z 0–9 _` (1–64 characters), both labels present, and
/// `1 ≤ poor_when_at_least ≤ n`. Deserialising checks the same rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(try_from = "CriteriaData")]
pub struct Criteria {
    name: String,
    indicators: Vec<Indicator>,
    poor_when_at_least: usize,
}

#[derive(Deserialize, JsonSchema)]
struct CriteriaData {
    name: String,
    indicators: Vec<Indicator>,
    poor_when_at_least: usize,
}

impl TryFrom<CriteriaData> for Criteria {
    type Error = InvalidCriteria;
    fn try_from(d: CriteriaData) -> Result<Criteria, InvalidCriteria> {
        Criteria::new(d.name, d.indicators, d.poor_when_at_least)
    }
}

lumbung_domain::text_enum! {
    /// One rule a criteria set breaks. Positions count from 1.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum CriteriaError {
        EmptyName => "criteria_empty_name";
            id: "kriteria perlu nama", en: "the criteria need a name",
        NoIndicators => "criteria_no_indicators";
            id: "kriteria tidak punya indikator", en: "the criteria have no indicators",
        BadKey { position: usize, key: String } => "criteria_bad_key",
            position = position, key = format!("{key:?}");
            id: "indikator {position}: kunci {key} harus 1–64 karakter berupa huruf kecil, angka dan '_'",
            en: "indicator {position}: key {key} must be 1–64 characters of lowercase letters, digits and '_'",
        DuplicateKey { position: usize, key: String, first: usize } => "criteria_duplicate_key",
            position = position, key = format!("{key:?}"), first = first;
            id: "indikator {position}: kunci {key} sudah dipakai indikator {first}",
            en: "indicator {position}: key {key} is already used by indicator {first}",
        EmptyLabel { key: String, language: &'static str } => "criteria_empty_label",
            key = key, language = language;
            id: "indikator {key}: label {language} kosong",
            en: "indicator {key}: the {language} label is empty",
        ThresholdOutOfRange { k: usize, n: usize } => "criteria_threshold", k = k, n = n;
            id: "miskin bila paling sedikit {k} dari {n} indikator terpenuhi: k harus dari 1 sampai {n}",
            en: "poor when at least {k} of {n} indicators hold: k must be from 1 to {n}",
    }
}

/// Every rule a criteria set breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct InvalidCriteria(pub Vec<CriteriaError>);

impl fmt::Display for InvalidCriteria {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid poverty criteria: ")?;
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl InvalidCriteria {
    /// Every rule broken, in both languages (the English is the `Display`
    /// text).
    pub fn text(&self) -> Text {
        let words = |language: Language, lead: &str| {
            let rules: Vec<String> = self
                .0
                .iter()
                .map(|e| e.text().get(language).to_owned())
                .collect();
            format!("{lead}{}", rules.join("; "))
        };
        Text::new(
            "invalid_criteria",
            Vec::new(),
            words(Language::Indonesian, "kriteria kemiskinan tidak sah: "),
            words(Language::English, "invalid poverty criteria: "),
        )
    }
}

pub(crate) fn valid_key(key: &str) -> bool {
    (1..=64).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

impl Criteria {
    /// Checks every rule and lists every problem.
    pub fn new(
        name: impl Into<String>,
        indicators: Vec<Indicator>,
        poor_when_at_least: usize,
    ) -> Result<Criteria, InvalidCriteria> {
        let name = name.into().trim().to_owned();
        let mut errors = Vec::new();
        if name.is_empty() {
            errors.push(CriteriaError::EmptyName);
        }
        if indicators.is_empty() {
            errors.push(CriteriaError::NoIndicators);
        }
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (i, ind) in indicators.iter().enumerate() {
            let position = i + 1;
            if !valid_key(&ind.key) {
                errors.push(CriteriaError::BadKey {
                    position,
                    key: ind.key.clone(),
                });
            }
            if let Some(&first) = seen.get(ind.key.as_str()) {
                errors.push(CriteriaError::DuplicateKey {
                    position,
                    key: ind.key.clone(),
                    first,
                });
            } else {
                seen.insert(&ind.key, position);
            }
            for (language, text) in [("Indonesian", &ind.label.id), ("English", &ind.label.en)] {
                if text.trim().is_empty() {
                    errors.push(CriteriaError::EmptyLabel {
                        key: ind.key.clone(),
                        language,
                    });
                }
            }
        }
        let n = indicators.len();
        if n > 0 && !(1..=n).contains(&poor_when_at_least) {
            errors.push(CriteriaError::ThresholdOutOfRange {
                k: poor_when_at_least,
                n,
            });
        }
        if errors.is_empty() {
            Ok(Criteria {
                name,
                indicators,
                poor_when_at_least,
            })
        } else {
            Err(InvalidCriteria(errors))
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn indicators(&self) -> &[Indicator] {
        &self.indicators
    }

    pub fn indicator(&self, key: &str) -> Option<&Indicator> {
        self.indicators.iter().find(|i| i.key == key)
    }

    /// k: a household is poor when at least this many indicators hold.
    pub fn poor_when_at_least(&self) -> usize {
        self.poor_when_at_least
    }
}

fn yes_no(key: &str, id: &str, en: &str) -> Indicator {
    Indicator {
        key: key.to_owned(),
        label: Label::new(id, en),
        test: Test::YesNo { holds_when: true },
    }
}

/// The 14 BPS criteria of a poor household, "poor when 9 of 14 hold" (a BPS
/// rule offered as a template; the community may change any of it). Floor
/// area is asked as the dwelling's total in m² and divided by the number of
/// members; every other indicator is a yes/no question phrased as the
/// criterion itself (yes = the criterion holds).
pub fn bps_template() -> Criteria {
    let indicators = vec![
        Indicator {
            key: "floor_area".into(),
            label: Label::new(
                "Luas lantai bangunan tempat tinggal kurang dari 8 m² per orang",
                "Floor area of the dwelling less than 8 m² per person",
            ),
            test: Test::Number {
                op: Comparison::Less,
                threshold: Decimal::from_int(8).expect("small"),
                per_member: true,
                unit: Some("m²".into()),
            },
        },
        yes_no(
            "floor",
            "Jenis lantai tempat tinggal terbuat dari tanah/bambu/kayu murahan",
            "Floor of earth, bamboo or cheap wood",
        ),
        yes_no(
            "wall",
            "Jenis dinding tempat tinggal dari bambu/rumbia/kayu berkualitas rendah/tembok tanpa diplester",
            "Walls of bamboo, thatch, low-quality wood or unplastered brick",
        ),
        yes_no(
            "toilet",
            "Tidak memiliki fasilitas buang air besar sendiri/bersama-sama dengan rumah tangga lain",
            "No toilet of its own (none, or shared with other households)",
        ),
        yes_no(
            "electricity",
            "Sumber penerangan rumah tangga tidak menggunakan listrik",
            "No electricity for lighting",
        ),
        yes_no(
            "water",
            "Sumber air minum berasal dari sumur/mata air tidak terlindung/sungai/air hujan",
            "Drinking water from an unprotected well or spring, a river or rain",
        ),
        yes_no(
            "cooking_fuel",
            "Bahan bakar untuk memasak sehari-hari adalah kayu bakar/arang/minyak tanah",
            "Cooks with firewood, charcoal or kerosene",
        ),
        yes_no(
            "protein",
            "Hanya mengonsumsi daging/susu/ayam satu kali dalam seminggu atau kurang",
            "Eats meat, milk or chicken once a week or less",
        ),
        yes_no(
            "clothing",
            "Hanya membeli satu stel pakaian baru dalam setahun",
            "Buys only one new set of clothes a year",
        ),
        yes_no(
            "meals",
            "Hanya sanggup makan sebanyak satu/dua kali dalam sehari",
            "Can afford only one or two meals a day",
        ),
        yes_no(
            "healthcare",
            "Tidak sanggup membayar biaya pengobatan di puskesmas/poliklinik",
            "Cannot pay for treatment at the puskesmas or a clinic",
        ),
        yes_no(
            "income",
            "Sumber penghasilan kepala rumah tangga: petani dengan luas lahan kurang dari 0,5 ha, buruh tani, nelayan, buruh bangunan, buruh perkebunan, atau pekerjaan lain dengan pendapatan di bawah Rp 600.000 per bulan",
            "Head of household earns a living as a farmer with less than 0.5 ha, a farm, fishing, building or plantation labourer, or in other work paying less than Rp 600,000 a month",
        ),
        yes_no(
            "education",
            "Pendidikan tertinggi kepala rumah tangga: tidak sekolah/tidak tamat SD",
            "Head of household never went to school or did not finish primary school (SD)",
        ),
        yes_no(
            "savings",
            "Tidak memiliki tabungan/barang yang mudah dijual dengan nilai minimal Rp 500.000, seperti sepeda motor, emas, ternak, kapal motor, atau barang modal lainnya",
            "No savings or goods easy to sell worth at least Rp 500,000 (motorbike, gold, livestock, motor boat or other capital goods)",
        ),
    ];
    Criteria::new("BPS 14", indicators, 9).expect("the BPS template is valid")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn criteria_errors_speak_both_languages_with_the_display_english() {
        let all = InvalidCriteria(vec![
            CriteriaError::EmptyName,
            CriteriaError::NoIndicators,
            CriteriaError::BadKey {
                position: 1,
                key: "A".into(),
            },
            CriteriaError::DuplicateKey {
                position: 2,
                key: "a".into(),
                first: 1,
            },
            CriteriaError::EmptyLabel {
                key: "a".into(),
                language: "id",
            },
            CriteriaError::ThresholdOutOfRange { k: 0, n: 3 },
        ]);
        for e in &all.0 {
            assert_eq!(e.text().english(), e.to_string());
            assert_ne!(e.text().indonesian(), e.to_string(), "{e}");
        }
        assert_eq!(all.text().english(), all.to_string());
        assert!(all
            .text()
            .indonesian()
            .starts_with("kriteria kemiskinan tidak sah: "));
    }

    #[test]
    fn the_bps_template_is_valid_and_round_trips_as_json() {
        let c = bps_template();
        assert_eq!(c.indicators().len(), 14);
        assert_eq!(c.poor_when_at_least(), 9);
        let json = serde_json::to_string_pretty(&c).unwrap();
        assert!(json.contains("\"kind\": \"number\""));
        assert!(json.contains("\"op\": \"<\""));
        assert!(json.contains("\"threshold\": 8"));
        let back: Criteria = serde_json::from_str(&json).unwrap();
        assert_eq!(back, c);
        assert!(c
            .indicators()
            .iter()
            .all(|i| !i.label.id.is_empty() && !i.label.en.is_empty()));
    }

    #[test]
    fn every_broken_rule_is_listed() {
        let ind = |key: &str| yes_no(key, "x", "x");
        let err = Criteria::new(
            " ",
            vec![
                ind("a"),
                ind("a"),
                ind("Bad Key"),
                Indicator {
                    label: Label::new("", "y"),
                    ..ind("c")
                },
            ],
            5,
        )
        .unwrap_err();
        assert_eq!(
            err.0,
            vec![
                CriteriaError::EmptyName,
                CriteriaError::DuplicateKey {
                    position: 2,
                    key: "a".into(),
                    first: 1
                },
                CriteriaError::BadKey {
                    position: 3,
                    key: "Bad Key".into()
                },
                CriteriaError::EmptyLabel {
                    key: "c".into(),
                    language: "Indonesian"
                },
                CriteriaError::ThresholdOutOfRange { k: 5, n: 4 },
            ]
        );
        assert!(err
            .to_string()
            .contains("poor when at least 5 of 4 indicators hold: k must be from 1 to 4"));
        assert_eq!(
            Criteria::new("x", vec![], 0).unwrap_err().0,
            vec![CriteriaError::NoIndicators]
        );
        assert!(Criteria::new("x", vec![ind("a")], 0).is_err());
        assert!(Criteria::new("x", vec![ind("a")], 1).is_ok());
    }

    #[test]
    fn deserialising_checks_the_rules() {
        let json = r#"{"name":"RW 03","poor_when_at_least":3,"indicators":[
            {"key":"income","label":{"id":"Penghasilan < Rp 1.500.000/bulan","en":"Income < Rp 1,500,000 a month"},
             "test":{"kind":"number","op":"<","threshold":1500000,"unit":"Rp/bulan"}},
            {"key":"toilet","label":{"id":"Punya jamban sendiri","en":"Has own toilet"},
             "test":{"kind":"yes_no","holds_when":false}}]}"#;
        let err = serde_json::from_str::<Criteria>(json).unwrap_err();
        assert!(err.to_string().contains("k must be from 1 to 2"), "{err}");
        let ok: Criteria = serde_json::from_str(&json.replace(":3,", ":2,")).unwrap();
        assert_eq!(
            ok.indicator("toilet").unwrap().test,
            Test::YesNo { holds_when: false }
        );
    }

    proptest! {
        #[test]
        fn k_is_valid_exactly_from_1_to_n(n in 1usize..20, k in 0usize..25) {
            let inds = (0..n).map(|i| yes_no(&format!("k{i}"), "x", "x")).collect();
            prop_assert_eq!(Criteria::new("c", inds, k).is_ok(), (1..=n).contains(&k));
        }
    }

    #[test]
    fn a_key_made_from_a_label_is_valid_and_unused() {
        let taken = vec!["lantai_tanah".to_owned()];
        assert_eq!(key_from_label("Lantai tanah", &taken), "lantai_tanah_2");
        assert_eq!(key_from_label("Luas < 8 m²", &[]), "luas_8_m");
        assert_eq!(key_from_label("—", &[]), "indikator");
        assert!(key_from_label(&"a".repeat(500), &[]).len() <= 40);
    }
}
