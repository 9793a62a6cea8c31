//! The six social-value outcomes of seed 000 (CLES's framework, used to
//! assess Preston City Council's top 300 suppliers) and the proxy values
//! that put a money figure on a measure of one of them.

use crate::exact::{self, Exact};
use crate::files::read_table;
use lumbung_domain::{text, Rejected, RowError, Text};
use serde::Serialize;
use std::collections::HashMap;

/// An outcome of the social-value framework.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Promoting employment and economic sustainability.
    Employment,
    /// Raising the living standards of all residents.
    LivingStandards,
    /// Promoting participation and citizen engagement.
    Participation,
    /// Building the capacity and sustainability of the voluntary and
    /// community sector.
    VoluntarySector,
    /// Promoting equity and fairness.
    Equity,
    /// Promoting environmental sustainability.
    Environment,
}

impl Outcome {
    pub const ALL: [Outcome; 6] = [
        Outcome::Employment,
        Outcome::LivingStandards,
        Outcome::Participation,
        Outcome::VoluntarySector,
        Outcome::Equity,
        Outcome::Environment,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Employment => "employment",
            Outcome::LivingStandards => "living_standards",
            Outcome::Participation => "participation",
            Outcome::VoluntarySector => "voluntary_sector",
            Outcome::Equity => "equity",
            Outcome::Environment => "environment",
        }
    }

    /// The outcome a code names (`living_standards`, `living standards`).
    pub fn parse(raw: &str) -> Option<Outcome> {
        let k = crate::files::key(raw);
        Outcome::ALL.into_iter().find(|o| o.as_str() == k)
    }

    /// Its name as seed 000 words it.
    pub fn name(self) -> Text {
        match self {
            Outcome::Employment => text!("outcome_employment";
                id: "Ketenagakerjaan dan keberlanjutan ekonomi",
                en: "Employment and economic sustainability"),
            Outcome::LivingStandards => text!("outcome_living_standards";
                id: "Standar hidup semua penduduk", en: "Living standards of all residents"),
            Outcome::Participation => text!("outcome_participation";
                id: "Partisipasi dan keterlibatan warga", en: "Participation and citizen engagement"),
            Outcome::VoluntarySector => text!("outcome_voluntary_sector";
                id: "Kapasitas sektor sukarela dan masyarakat",
                en: "Capacity of the voluntary and community sector"),
            Outcome::Equity => text!("outcome_equity";
                id: "Keadilan dan kesetaraan", en: "Equity and fairness"),
            Outcome::Environment => text!("outcome_environment";
                id: "Kelestarian lingkungan", en: "Environmental sustainability"),
        }
    }
}

/// The most decimals of a proxy value.
pub const PROXY_PLACES: usize = 4;

/// A measure's money value per unit, tied to one outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct Proxy {
    pub measure: String,
    pub outcome: Outcome,
    pub unit: String,
    pub value: Exact,
    pub description: Option<String>,
}

impl Proxy {
    /// The value as written back: at least two decimals, no trailing
    /// zeros past them.
    pub fn value_text(&self) -> String {
        plain(&self.value, PROXY_PLACES as u32)
    }
}

/// `value` with up to `places` decimals, trailing zeros past the second
/// dropped (`12.5000` → `12.50`, `0.1550` → `0.155`).
pub fn plain(value: &Exact, places: u32) -> String {
    let mut s = exact::decimal(value, places);
    if let Some(dot) = s.find('.') {
        while s.len() > dot + 3 && s.ends_with('0') {
            s.pop();
        }
    }
    s
}

/// A set of proxy values, measures compared case-insensitively.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProxySet {
    pub proxies: Vec<Proxy>,
}

impl ProxySet {
    /// The SHA-256 of the set's content (not of the file's bytes): the
    /// same values in another file, encoding or order of columns are the
    /// same set.
    pub fn fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        for p in &self.proxies {
            for field in [
                p.measure.as_str(),
                p.outcome.as_str(),
                p.unit.as_str(),
                &p.value_text(),
                p.description.as_deref().unwrap_or(""),
            ] {
                h.update(field.as_bytes());
                h.update([0]);
            }
            h.update([1]);
        }
        hex::encode(h.finalize())
    }

    pub fn find(&self, measure: &str) -> Option<&Proxy> {
        let m = measure.trim().to_lowercase();
        self.proxies.iter().find(|p| p.measure.to_lowercase() == m)
    }
}

pub(crate) use lumbung_tabular::small::{cell, require};

/// Reads a proxy file: `measure,outcome,unit,proxy_value[,description]`
/// (Indonesian headers `ukuran,hasil,satuan,nilai_proksi,keterangan`).
/// A repeated measure, an unknown outcome or a value that is not a
/// decimal ≥ 0 refuses the file, naming line and column.
pub fn read_proxies(name: &str, bytes: &[u8]) -> Result<ProxySet, Rejected> {
    let table = read_table(name, bytes)?;
    let at = require(
        name,
        &table,
        &[
            ("measure", &["measure", "ukuran"]),
            ("outcome", &["outcome", "hasil"]),
            ("unit", &["unit", "satuan"]),
            ("proxy_value", &["proxy_value", "nilai_proksi"]),
        ],
    )?;
    let description = table.column(&["description", "keterangan"]);
    let mut errors = Vec::new();
    let mut set = ProxySet::default();
    let mut first_line: HashMap<String, u64> = HashMap::new();
    for (line, cells) in &table.rows {
        let mut fail = |column: &str, message: Text| {
            errors.push(RowError::new(*line, Some(column), message));
        };
        let Some(measure) = cell(cells, at[0]) else {
            fail(
                "measure",
                text!("proxy_measure_empty"; id: "ukurannya kosong", en: "the measure is empty"),
            );
            continue;
        };
        if let Some(first) = first_line.insert(measure.to_lowercase(), *line) {
            fail(
                "measure",
                text!("proxy_measure_twice", measure = measure, first = first;
                    id: "ukuran {measure} sudah ada di baris {first}",
                    en: "the measure {measure} is on line {first} already"),
            );
        }
        let outcome = match cell(cells, at[1]).map(|o| (o, Outcome::parse(o))) {
            Some((_, Some(o))) => Some(o),
            other => {
                let all: Vec<&str> = Outcome::ALL.iter().map(|o| o.as_str()).collect();
                fail(
                    "outcome",
                    text!("proxy_outcome", value = other.map(|o| o.0).unwrap_or(""), outcomes = all.join(", ");
                        id: "{value:?} bukan hasil nilai sosial (salah satu dari {outcomes})",
                        en: "{value:?} is not a social-value outcome (one of {outcomes})"),
                );
                None
            }
        };
        let value = match cell(cells, at[3]).and_then(|v| exact::parse_decimal(v, PROXY_PLACES)) {
            Some(v) if !num_traits::Signed::is_negative(&v) => Some(v),
            _ => {
                fail(
                    "proxy_value",
                    text!("proxy_value_bad", value = cell(cells, at[3]).unwrap_or(""), places = PROXY_PLACES;
                        id: "{value:?} bukan nilai proksi (desimal ≥ 0, paling banyak {places} angka di belakang titik)",
                        en: "{value:?} is not a proxy value (a decimal ≥ 0 with at most {places} decimals)"),
                );
                None
            }
        };
        if let (Some(outcome), Some(value)) = (outcome, value) {
            set.proxies.push(Proxy {
                measure: measure.to_owned(),
                outcome,
                unit: cell(cells, at[2]).unwrap_or("").to_owned(),
                value,
                description: cell(cells, description).map(str::to_owned),
            });
        }
    }
    if set.proxies.is_empty() && errors.is_empty() {
        errors.push(RowError::new(
            1,
            None,
            text!("proxies_none"; id: "tidak ada nilai proksi", en: "there are no proxy values"),
        ));
    }
    Rejected::unless_any(name, errors, set)
}
