//! Import of a KoboToolbox/ODK export: the main CSV (one row per household,
//! `_uuid` and `_index`) and the household-roster CSV (one row per member,
//! `_parent_index` pointing at the household's `_index`). Columns carry
//! group paths (`household/rt`, `household/anggota/nama`); a mapped column
//! matches a header with the same full path or, failing that, the same last
//! segment. All or nothing: every problem with file, line and column.

use super::areas::KelurahanAreas;
use super::criteria::{Criteria, Test};
use super::decimal::Decimal;
use super::household::{Age, Answer, Household, Member, Nik, Relation, Sex};
use lumbung_domain::{text, AreaCode, Language, Text};
use lumbung_tabular::text::{sniff_delimiter, strip_bom};
use lumbung_tabular::{
    csv_error, row_width, too_many_fields, too_many_rows, FirstLines, Rejected, RowError,
    MAX_FIELDS, MAX_ROWS,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::fmt;

/// Kobo's submission id column in the main file: the household's id.
pub const UUID: &str = "_uuid";
/// Kobo's row number in each file; the main file's links the roster.
pub const INDEX: &str = "_index";
/// The roster's link to its household's `_index`.
pub const PARENT_INDEX: &str = "_parent_index";

/// One input file: its name (for messages) and its bytes (UTF-8, with or
/// without a byte-order mark; `,`, `;` or tab separated, as sniffed from
/// the header line).
#[derive(Debug, Clone, Copy)]
pub struct CsvFile<'a> {
    pub name: &'a str,
    pub bytes: &'a [u8],
}

impl<'a> CsvFile<'a> {
    pub fn new(name: &'a str, bytes: &'a [u8]) -> Self {
        CsvFile { name, bytes }
    }
}

/// Where a household's RT comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RtColumns {
    /// One column holding the RT's area code (`3604010001.03.005`).
    Code { column: String },
    /// RW and RT numbers (`3`/`03`, `5`/`005`); the code is made by the
    /// convention `<kelurahan>.<RW>.<RT>`.
    Numbers { rw: String, rt: String },
}

/// The roster's columns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberColumns {
    pub name: String,
    pub sex: String,
    /// Age in years; used when filled, otherwise the year of birth.
    pub age: Option<String>,
    pub birth_year: Option<String>,
    pub relation: String,
    pub nik: Option<String>,
}

/// Which columns of a form hold what: data, kept per form. `Default` is
/// the mapping of the sample form `pemetaan_swadaya` onto the BPS template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KoboMapping {
    pub rt: RtColumns,
    pub head_name: String,
    pub address: Option<String>,
    /// Column → indicator key.
    pub indicators: BTreeMap<String, String>,
    pub member: MemberColumns,
}

impl Default for KoboMapping {
    fn default() -> KoboMapping {
        let indicators = [
            ("criteria/luas_lantai", "floor_area"),
            ("criteria/lantai_tanah", "floor"),
            ("criteria/dinding_bambu", "wall"),
            ("criteria/tanpa_jamban", "toilet"),
            ("criteria/tanpa_listrik", "electricity"),
            ("criteria/air_tidak_terlindung", "water"),
            ("criteria/bahan_bakar_kayu", "cooking_fuel"),
            ("criteria/daging_seminggu_sekali", "protein"),
            ("criteria/pakaian_setahun_sekali", "clothing"),
            ("criteria/makan_dua_kali", "meals"),
            ("criteria/tidak_mampu_berobat", "healthcare"),
            ("criteria/penghasilan_rendah", "income"),
            ("criteria/pendidikan_rendah", "education"),
            ("criteria/tanpa_tabungan", "savings"),
        ]
        .into_iter()
        .map(|(c, k)| (c.to_owned(), k.to_owned()))
        .collect();
        KoboMapping {
            rt: RtColumns::Numbers {
                rw: "household/rw".into(),
                rt: "household/rt".into(),
            },
            head_name: "household/kk_name".into(),
            address: Some("household/alamat".into()),
            indicators,
            member: MemberColumns {
                name: "household/anggota/nama".into(),
                sex: "household/anggota/jenis_kelamin".into(),
                age: Some("household/anggota/umur".into()),
                birth_year: Some("household/anggota/tahun_lahir".into()),
                relation: "household/anggota/hubungan".into(),
                nik: Some("household/anggota/nik".into()),
            },
        }
    }
}

lumbung_domain::text_enum! {
    /// A mapping that does not fit the criteria.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum MappingError {
        UnknownIndicator { column: String, key: String } => "kobo_unknown_indicator",
            column = column, key = key;
            id: "kolom {column} dipetakan ke indikator {key}, yang tidak ada di kriteria",
            en: "column {column} is mapped to indicator {key}, which the criteria do not have",
        IndicatorTwice { key: String, columns: Vec<String> } => "kobo_indicator_twice",
            key = key, columns = columns.join(", ");
            id: "indikator {key} dipetakan dari lebih dari satu kolom: {columns}",
            en: "indicator {key} is mapped from more than one column: {columns}",
        EmptyColumn { field: String } => "kobo_empty_column", field = field;
            id: "nama kolom untuk {field} kosong", en: "the column name for {field} is empty",
        NoAge => "kobo_no_age";
            id: "daftar anggota perlu kolom umur, kolom tahun lahir, atau keduanya",
            en: "the roster needs an age column, a year-of-birth column or both",
    }
}

/// Why an import stored nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KoboError {
    #[error("the column mapping does not fit the criteria: {}", join(.0, "; "))]
    Mapping(Vec<MappingError>),
    /// One entry per file with problems, the main file first.
    #[error("{}", join(.0, ""))]
    Rejected(Vec<Rejected>),
}

impl KoboError {
    /// The error in both languages (the English is the `Display` text).
    pub fn text(&self) -> Text {
        let joined = |language: Language| match self {
            KoboError::Mapping(errors) => errors
                .iter()
                .map(|e| e.text().get(language).to_owned())
                .collect::<Vec<_>>()
                .join("; "),
            KoboError::Rejected(files) => files.iter().map(|f| f.in_language(language)).collect(),
        };
        match self {
            KoboError::Mapping(_) => Text::new(
                "kobo_mapping",
                Vec::new(),
                format!(
                    "pemetaan kolom tidak cocok dengan kriteria: {}",
                    joined(Language::Indonesian)
                ),
                format!(
                    "the column mapping does not fit the criteria: {}",
                    joined(Language::English)
                ),
            ),
            KoboError::Rejected(_) => Text::new(
                "kobo_rejected",
                Vec::new(),
                joined(Language::Indonesian),
                joined(Language::English),
            ),
        }
    }
}

fn join<T: fmt::Display>(items: &[T], sep: &str) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(sep)
}

/// `yes`, `no`, `ya`, `tidak`, `1`, `0`, `true`, `false`, any case.
pub fn parse_yes_no(raw: &str) -> Option<bool> {
    match raw.trim().to_lowercase().as_str() {
        "yes" | "ya" | "1" | "true" => Some(true),
        "no" | "tidak" | "0" | "false" => Some(false),
        _ => None,
    }
}

impl KoboMapping {
    /// Checks the mapping against the criteria.
    pub fn check(&self, criteria: &Criteria) -> Result<(), Vec<MappingError>> {
        let mut errors = Vec::new();
        let mut fields: Vec<(&str, &str)> = vec![
            ("the head's name", &self.head_name),
            ("the member's name", &self.member.name),
            ("the member's sex", &self.member.sex),
            ("the member's relation to the head", &self.member.relation),
        ];
        match &self.rt {
            RtColumns::Code { column } => fields.push(("the RT", column)),
            RtColumns::Numbers { rw, rt } => {
                fields.push(("the RW", rw));
                fields.push(("the RT", rt));
            }
        }
        for (field, col) in [
            ("the address", &self.address),
            ("the member's age", &self.member.age),
            ("the member's year of birth", &self.member.birth_year),
            ("the member's NIK", &self.member.nik),
        ] {
            if let Some(c) = col {
                fields.push((field, c));
            }
        }
        for (field, col) in fields {
            if col.trim().is_empty() {
                errors.push(MappingError::EmptyColumn {
                    field: field.to_owned(),
                });
            }
        }
        if self.member.age.is_none() && self.member.birth_year.is_none() {
            errors.push(MappingError::NoAge);
        }
        let mut by_key: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for (column, key) in &self.indicators {
            if column.trim().is_empty() {
                errors.push(MappingError::EmptyColumn {
                    field: format!("indicator {key}"),
                });
            }
            if criteria.indicator(key).is_none() {
                errors.push(MappingError::UnknownIndicator {
                    column: column.clone(),
                    key: key.clone(),
                });
            }
            by_key.entry(key).or_default().push(column.clone());
        }
        for (key, columns) in by_key {
            if columns.len() > 1 {
                errors.push(MappingError::IndicatorTwice {
                    key: key.to_owned(),
                    columns,
                });
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// A CSV file read into rows of text, with each row's line number.
struct Table {
    headers: Vec<String>,
    rows: Vec<(u64, Vec<String>)>,
}

fn read_table(file: &CsvFile<'_>, errors: &mut Vec<RowError>) -> Option<Table> {
    let bytes = strip_bom(file.bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(sniff_delimiter(bytes))
        .from_reader(bytes);
    let mut headers: Option<Vec<String>> = None;
    let mut rows = Vec::new();
    for result in reader.records() {
        let record = match result {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                match e.kind() {
                    csv::ErrorKind::Utf8 { err, .. } => {
                        let column = headers
                            .as_ref()
                            .and_then(|h| h.get(err.field()))
                            .map(String::as_str);
                        errors.push(RowError::new(
                            line,
                            column,
                            text!("kobo_not_utf8";
                                id: "teksnya bukan UTF-8 yang sah; ekspor berkas sebagai CSV UTF-8",
                                en: "the text is not valid UTF-8; export the file as UTF-8 CSV"),
                        ));
                    }
                    _ => errors.push(RowError::new(line, None, csv_error(&e))),
                }
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        // Reading stops at a file too large: the rest would only cost memory.
        if record.len() > MAX_FIELDS {
            errors.push(RowError::new(line, None, too_many_fields(record.len())));
            return None;
        }
        if rows.len() >= MAX_ROWS {
            errors.push(RowError::new(line, None, too_many_rows()));
            return None;
        }
        let cells: Vec<String> = record.iter().map(|c| c.trim().to_owned()).collect();
        let Some(h) = &headers else {
            headers = Some(cells);
            continue;
        };
        if cells.iter().all(String::is_empty) {
            continue;
        }
        if cells.len() < h.len() {
            errors.push(RowError::new(
                line,
                Some(&h[cells.len()]),
                row_width(cells.len(), h.len()),
            ));
            continue;
        }
        if cells[h.len()..].iter().any(|c| !c.is_empty()) {
            errors.push(RowError::new(line, None, row_width(cells.len(), h.len())));
            continue;
        }
        rows.push((line, cells));
    }
    match headers {
        Some(headers) if !headers.iter().all(String::is_empty) => Some(Table { headers, rows }),
        _ => {
            errors.push(RowError::new(
                1,
                None,
                text!("empty_file_no_header";
                    id: "berkasnya kosong: tidak ada baris judul",
                    en: "the file is empty: no header line"),
            ));
            None
        }
    }
}

fn last_segment(s: &str) -> String {
    s.trim()
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_lowercase()
}

/// The index of a mapped column: the header equal to its full path (any
/// case), else the only header with the same last path segment.
fn find(headers: &[String], wanted: &str) -> Result<usize, RowError> {
    let full = wanted.trim().to_lowercase();
    if let Some(i) = headers.iter().position(|h| h.to_lowercase() == full) {
        return Ok(i);
    }
    let seg = last_segment(wanted);
    let hits: Vec<usize> = (0..headers.len())
        .filter(|&i| last_segment(&headers[i]) == seg)
        .collect();
    match hits.as_slice() {
        [i] => Ok(*i),
        [] => Err(RowError::new(
            1,
            Some(wanted),
            text!("kobo_column_missing", column = wanted;
                id: "kolom {column} tidak ada di berkas", en: "column {column} is not in the file"),
        )),
        many => Err(RowError::new(
            1,
            Some(wanted),
            text!("kobo_column_ambiguous", column = wanted, matches = many
                    .iter()
                    .map(|&i| headers[i].as_str())
                    .collect::<Vec<_>>()
                    .join(", ");
                id: "kolom {column} cocok dengan beberapa kolom: {matches}",
                en: "column {column} matches several columns: {matches}"),
        )),
    }
}

/// Resolves columns, recording an error for each one not found.
struct Columns<'t> {
    headers: &'t [String],
    errors: Vec<RowError>,
}

impl<'t> Columns<'t> {
    fn need(&mut self, wanted: &str) -> usize {
        match find(self.headers, wanted) {
            Ok(i) => i,
            Err(e) => {
                self.errors.push(e);
                usize::MAX
            }
        }
    }

    fn maybe(&mut self, wanted: Option<&String>) -> Option<usize> {
        wanted.map(|w| self.need(w))
    }
}

/// One row's cells with its line, for messages that name the column.
struct Cells<'r> {
    line: u64,
    cells: &'r [String],
    headers: &'r [String],
}

impl Cells<'_> {
    fn get(&self, col: usize) -> &str {
        &self.cells[col]
    }
    fn err(&self, col: usize, msg: impl Into<lumbung_domain::Text>) -> RowError {
        RowError::new(self.line, Some(&self.headers[col]), msg)
    }
    /// The cell as `parse` reads it, or an error that quotes the cell in
    /// the words of `not_a`.
    fn read<T>(
        &self,
        col: usize,
        parse: impl FnOnce(&str) -> Option<T>,
        not_a: impl FnOnce(String) -> Text,
    ) -> Result<T, RowError> {
        let raw = self.get(col);
        parse(raw).ok_or_else(|| self.err(col, not_a(format!("{raw:?}"))))
    }
}

/// The value, or `None` with its error kept: a row reports every bad cell
/// at once.
fn keep<T>(errors: &mut Vec<RowError>, read: Result<T, RowError>) -> Option<T> {
    read.map_err(|e| errors.push(e)).ok()
}

struct HouseholdColumns {
    uuid: usize,
    index: usize,
    rt: RtIdx,
    head: usize,
    address: Option<usize>,
    /// (column, indicator key, its test)
    indicators: Vec<(usize, String, Test)>,
}

enum RtIdx {
    Code(usize),
    Numbers { rw: usize, rt: usize },
}

struct MemberIdx {
    parent: usize,
    name: usize,
    sex: usize,
    age: Option<usize>,
    birth_year: Option<usize>,
    relation: usize,
    nik: Option<usize>,
}

fn parse_index(c: &Cells<'_>, col: usize) -> Result<u64, RowError> {
    let raw = c.get(col);
    match raw.parse::<u64>() {
        Ok(n) if n > 0 => Ok(n),
        _ if raw.is_empty() => Err(c.err(
            col,
            text!("kobo_index_empty"; id: "nomor barisnya kosong", en: "the row number is empty"),
        )),
        _ => Err(c.err(
            col,
            text!("kobo_not_an_index", value = format!("{raw:?}");
                id: "{value} bukan nomor baris (1, 2, 3, …)",
                en: "{value} is not a row number (1, 2, 3, …)"),
        )),
    }
}

fn parse_rt(c: &Cells<'_>, idx: &RtIdx, areas: &KelurahanAreas) -> Result<AreaCode, RowError> {
    let kel = areas.kelurahan();
    match *idx {
        RtIdx::Code(col) => {
            let raw = c.get(col);
            if raw.is_empty() {
                return Err(c.err(
                    col,
                    text!("kobo_rt_empty"; id: "RT-nya kosong", en: "the RT is empty"),
                ));
            }
            let code = AreaCode::parse(raw).map_err(|e| c.err(col, e.0))?;
            if areas.rw_of(&code).is_none() {
                return Err(c.err(
                    col,
                    text!("kobo_not_an_rt", code = code, kel = kel;
                        id: "{code} bukan RT di kelurahan {kel}",
                        en: "{code} is not an RT of kelurahan {kel}"),
                ));
            }
            Ok(code)
        }
        RtIdx::Numbers { rw, rt } => {
            let number = |col: usize, what: &str| -> Result<u16, RowError> {
                let raw = c.get(col);
                if raw.is_empty() {
                    return Err(c.err(
                        col,
                        text!("kobo_number_empty", what = what;
                            id: "{what}-nya kosong", en: "the {what} is empty"),
                    ));
                }
                raw.parse::<u16>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| {
                        c.err(
                            col,
                            text!("kobo_not_a_number", value = format!("{raw:?}"), what = what;
                                id: "{value} bukan nomor {what}", en: "{value} is not an {what} number"),
                        )
                    })
            };
            let rw_n = number(rw, "RW")?;
            let rt_n = number(rt, "RT")?;
            let rw_code = kel.rw(rw_n).map_err(|e| c.err(rw, e.0))?;
            if !areas.rws().contains(&rw_code) {
                return Err(c.err(
                    rw,
                    text!("kobo_not_an_rw", rw = format!("{rw_n:02}"), code = rw_code, kel = kel;
                        id: "RW {rw} ({code}) bukan RW di kelurahan {kel}",
                        en: "RW {rw} ({code}) is not an RW of kelurahan {kel}"),
                ));
            }
            let code = rw_code.rt(rt_n).map_err(|e| c.err(rt, e.0))?;
            if areas.rw_of(&code) != Some(&rw_code) {
                return Err(c.err(
                    rt,
                    text!("kobo_rt_not_in_rw", rt = format!("{rt_n:03}"), rw = format!("{rw_n:02}"),
                        code = code, kel = kel;
                        id: "RT {rt} RW {rw} ({code}) bukan RT di kelurahan {kel}",
                        en: "RT {rt} of RW {rw} ({code}) is not an RT of kelurahan {kel}"),
                ));
            }
            Ok(code)
        }
    }
}

fn parse_answer(c: &Cells<'_>, col: usize, test: &Test) -> Result<Option<Answer>, RowError> {
    let raw = c.get(col);
    if raw.is_empty() {
        return Ok(None);
    }
    match test {
        Test::YesNo { .. } => c
            .read(col, parse_yes_no, |value| {
                text!("kobo_not_yes_no", value = value;
                    id: "{value} bukan ya atau tidak (yes/no, ya/tidak, 1/0, true/false)",
                    en: "{value} is not yes or no (yes/no, ya/tidak, 1/0, true/false)")
            })
            .map(|b| Some(Answer::YesNo(b))),
        Test::Number { .. } => Decimal::parse(raw)
            .map(|d| Some(Answer::Number(d)))
            .map_err(|e| c.err(col, e.0)),
    }
}

fn parse_member(c: &Cells<'_>, m: &MemberIdx) -> Result<Member, Vec<RowError>> {
    let mut errors = Vec::new();
    let name = c.get(m.name).to_owned();
    if name.is_empty() {
        errors.push(c.err(
            m.name,
            text!("member_name_empty"; id: "nama anggota kosong", en: "the member's name is empty"),
        ));
    }
    let sex = c.read(m.sex, Sex::parse, |value| {
        text!("kobo_not_a_sex", value = value;
            id: "{value} bukan jenis kelamin (perempuan/laki_laki, P/L, female/male)",
            en: "{value} is not a sex (perempuan/laki_laki, P/L, female/male)")
    });
    let sex = keep(&mut errors, sex);
    let age_cell = m.age.filter(|&i| !c.get(i).is_empty());
    let year_cell = m.birth_year.filter(|&i| !c.get(i).is_empty());
    let age = match (age_cell, year_cell) {
        (Some(i), _) => c.read(
            i,
            |raw| {
                raw.parse::<u16>()
                    .ok()
                    .filter(|&y| y <= 130)
                    .map(Age::Years)
            },
            |value| {
                text!("kobo_not_an_age", value = value;
                    id: "{value} bukan umur dalam tahun (0–130)",
                    en: "{value} is not an age in years (0–130)")
            },
        ),
        (None, Some(i)) => c.read(
            i,
            |raw| {
                raw.parse::<i16>()
                    .ok()
                    .filter(|y| (1880..=2100).contains(y))
                    .map(Age::BirthYear)
            },
            |value| {
                text!("kobo_not_a_birth_year", value = value;
                    id: "{value} bukan tahun lahir", en: "{value} is not a year of birth")
            },
        ),
        (None, None) => {
            let col = m.age.or(m.birth_year).expect("checked by the mapping");
            Err(c.err(
                col,
                text!("kobo_no_age";
                    id: "umur maupun tahun lahir tidak diisi",
                    en: "neither the age nor the year of birth is given"),
            ))
        }
    };
    let age = keep(&mut errors, age);
    let relation = c.read(m.relation, Relation::parse, |value| {
        text!("kobo_not_a_relation", value = value;
            id: "{value} bukan hubungan dengan kepala keluarga (kepala, istri, suami, anak, menantu, cucu, orang_tua, mertua, famili_lain, pembantu, lainnya)",
            en: "{value} is not a relation to the head (kepala, istri, suami, anak, menantu, cucu, orang_tua, mertua, famili_lain, pembantu, lainnya)")
    });
    let relation = keep(&mut errors, relation);
    let nik = match m.nik.map(|i| (i, c.get(i))) {
        Some((i, raw)) if !raw.is_empty() => {
            keep(&mut errors, Nik::parse(raw).map_err(|e| c.err(i, e.0)))
        }
        _ => None,
    };
    match (sex, age, relation) {
        (Some(sex), Some(age), Some(relation)) if errors.is_empty() => Ok(Member {
            name,
            sex,
            age,
            relation,
            nik,
        }),
        _ => Err(errors),
    }
}

/// Reads a Kobo export into households, all or nothing: either every
/// household of the main file with its members from the roster, in file
/// order, or every problem found in either file. Checked: the mapping
/// against the criteria; columns present; `_uuid` present and unique;
/// `_index` a unique row number; the RT one of the kelurahan's; the head's
/// name present; yes/no and numeric answers readable (an empty cell is no
/// answer); each roster row linked to a household by `_parent_index`, with
/// name, sex, age or year of birth, relation and an optional 16-digit NIK;
/// every household with at least one member.
pub fn import_kobo(
    households: CsvFile<'_>,
    roster: CsvFile<'_>,
    mapping: &KoboMapping,
    criteria: &Criteria,
    areas: &KelurahanAreas,
) -> Result<Vec<Household>, KoboError> {
    mapping.check(criteria).map_err(KoboError::Mapping)?;
    let mut main_errors = Vec::new();
    let mut roster_errors = Vec::new();
    let main = read_table(&households, &mut main_errors);
    let members_table = read_table(&roster, &mut roster_errors);

    // Households.
    let mut out: Vec<Household> = Vec::new();
    let mut lines: Vec<u64> = Vec::new();
    let mut index_col = 0;
    let mut by_index: HashMap<u64, usize> = HashMap::new();
    let mut main_ok = false;
    if let Some(t) = &main {
        let mut cols = Columns {
            headers: &t.headers,
            errors: Vec::new(),
        };
        let hc = HouseholdColumns {
            uuid: cols.need(UUID),
            index: cols.need(INDEX),
            rt: match &mapping.rt {
                RtColumns::Code { column } => RtIdx::Code(cols.need(column)),
                RtColumns::Numbers { rw, rt } => RtIdx::Numbers {
                    rw: cols.need(rw),
                    rt: cols.need(rt),
                },
            },
            head: cols.need(&mapping.head_name),
            address: cols.maybe(mapping.address.as_ref()),
            indicators: mapping
                .indicators
                .iter()
                .map(|(column, key)| {
                    let test = criteria.indicator(key).expect("checked").test.clone();
                    (cols.need(column), key.clone(), test)
                })
                .collect(),
        };
        main_ok = cols.errors.is_empty();
        main_errors.extend(cols.errors);
        index_col = hc.index;
        if main_ok {
            let mut uuids = FirstLines::default();
            let mut indices = FirstLines::default();
            for (line, cells) in &t.rows {
                let c = Cells {
                    line: *line,
                    cells,
                    headers: &t.headers,
                };
                let before = main_errors.len();
                let id = c.get(hc.uuid).to_owned();
                if id.is_empty() {
                    main_errors.push(c.err(
                        hc.uuid,
                        text!("kobo_uuid_empty"; id: "_uuid kosong", en: "the _uuid is empty"),
                    ));
                } else if let Some(first) = uuids.repeat_of(id.clone(), *line) {
                    main_errors.push(c.err(
                        hc.uuid,
                        text!("kobo_duplicate_uuid", id = id, first = first;
                            id: "_uuid {id} ganda (pertama di baris {first})",
                            en: "duplicate _uuid {id} (first on line {first})"),
                    ));
                }
                let index = keep(&mut main_errors, parse_index(&c, hc.index));
                let repeat = index.and_then(|i| Some((i, indices.repeat_of(i, *line)?)));
                if let Some((index, first)) = repeat {
                    main_errors.push(c.err(
                        hc.index,
                        text!("kobo_duplicate_index", index = index, first = first;
                            id: "_index {index} ganda (pertama di baris {first})",
                            en: "duplicate _index {index} (first on line {first})"),
                    ));
                }
                let rt = keep(&mut main_errors, parse_rt(&c, &hc.rt, areas));
                let head_name = c.get(hc.head).to_owned();
                if head_name.is_empty() {
                    main_errors.push(c.err(
                        hc.head,
                        text!("kobo_head_empty";
                            id: "nama kepala keluarga kosong",
                            en: "the head of household's name is empty"),
                    ));
                }
                let address = hc.address.map(|i| c.get(i).to_owned()).unwrap_or_default();
                let mut answers = BTreeMap::new();
                for (col, key, test) in &hc.indicators {
                    match parse_answer(&c, *col, test) {
                        Ok(Some(a)) => {
                            answers.insert(key.clone(), a);
                        }
                        Ok(None) => {}
                        Err(e) => main_errors.push(e),
                    }
                }
                if let (Some(index), Some(rt), true) = (index, rt, main_errors.len() == before) {
                    by_index.insert(index, out.len());
                    lines.push(*line);
                    out.push(Household {
                        id,
                        rt,
                        head_name,
                        address,
                        answers,
                        members: Vec::new(),
                    });
                } else if let Some(index) = index {
                    // Keep the link so that its members are not reported
                    // as orphans too.
                    by_index.entry(index).or_insert(usize::MAX);
                }
            }
        }
    }

    // Members.
    if let Some(t) = &members_table {
        let mut cols = Columns {
            headers: &t.headers,
            errors: Vec::new(),
        };
        let m = &mapping.member;
        let idx = MemberIdx {
            parent: cols.need(PARENT_INDEX),
            name: cols.need(&m.name),
            sex: cols.need(&m.sex),
            age: cols.maybe(m.age.as_ref()),
            birth_year: cols.maybe(m.birth_year.as_ref()),
            relation: cols.need(&m.relation),
            nik: cols.maybe(m.nik.as_ref()),
        };
        let roster_ok = cols.errors.is_empty();
        // Roster rows per household, valid or not.
        let mut linked = vec![0u32; out.len()];
        roster_errors.extend(cols.errors);
        if roster_ok {
            for (line, cells) in &t.rows {
                let c = Cells {
                    line: *line,
                    cells,
                    headers: &t.headers,
                };
                let parent = keep(&mut roster_errors, parse_index(&c, idx.parent));
                let member = parse_member(&c, &idx).map_err(|e| roster_errors.extend(e));
                let (Some(parent), true) = (parent, main_ok) else {
                    continue;
                };
                match by_index.get(&parent) {
                    None => roster_errors.push(c.err(
                        idx.parent,
                        text!("kobo_no_parent", file = households.name, parent = parent;
                            id: "tidak ada rumah tangga di {file} dengan _index {parent}",
                            en: "no household in {file} has _index {parent}"),
                    )),
                    Some(&usize::MAX) => {}
                    Some(&h) => {
                        linked[h] += 1;
                        if let Ok(member) = member {
                            out[h].members.push(member);
                        }
                    }
                }
            }
            if main_ok {
                for ((h, line), n) in out.iter().zip(&lines).zip(&linked) {
                    if *n == 0 {
                        main_errors.push(RowError::new(
                            *line,
                            Some(&main.as_ref().expect("read").headers[index_col]),
                            text!("kobo_no_members", head = h.head_name, file = roster.name;
                                id: "rumah tangga {head} tidak punya anggota di {file}",
                                en: "household {head} has no members in {file}"),
                        ));
                    }
                }
            }
        }
    }

    let mut rejected = Vec::new();
    for (file, mut errors) in [(households.name, main_errors), (roster.name, roster_errors)] {
        if !errors.is_empty() {
            errors.sort_by_key(|e| e.line);
            rejected.push(Rejected {
                file: file.to_owned(),
                errors,
            });
        }
    }
    if rejected.is_empty() {
        Ok(out)
    } else {
        Err(KoboError::Rejected(rejected))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::criteria::bps_template;

    fn areas() -> KelurahanAreas {
        KelurahanAreas::by_convention(
            AreaCode::parse("3604010001").unwrap(),
            &[(3, 4), (3, 5), (5, 1), (5, 2)],
        )
        .unwrap()
    }

    #[test]
    fn yes_and_no_words() {
        for y in ["yes", "YA", " Ya ", "1", "TRUE"] {
            assert_eq!(parse_yes_no(y), Some(true), "{y}");
        }
        for n in ["no", "Tidak", "0", "false"] {
            assert_eq!(parse_yes_no(n), Some(false), "{n}");
        }
        for bad in ["", "mungkin", "y", "2", "tdk"] {
            assert_eq!(parse_yes_no(bad), None, "{bad}");
        }
    }

    #[test]
    fn columns_match_by_full_path_or_last_segment() {
        let h: Vec<String> = [
            "start",
            "household/rt",
            "criteria/rt",
            "grp/kk_name",
            "_index",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(find(&h, "household/rt").unwrap(), 1);
        assert_eq!(find(&h, "HOUSEHOLD/RT").unwrap(), 1);
        assert_eq!(find(&h, "household/kk_name").unwrap(), 3);
        assert_eq!(find(&h, "kk_name").unwrap(), 3);
        let e = find(&h, "rt").unwrap_err();
        assert!(
            e.message
                .contains("several columns: household/rt, criteria/rt"),
            "{}",
            e.message
        );
        let e = find(&h, "x/alamat").unwrap_err();
        assert_eq!((e.line, e.column.as_deref()), (1, Some("x/alamat")));
        assert!(find(&h, "_parent_index").is_err());
    }

    #[test]
    fn the_mapping_is_checked_against_the_criteria() {
        let c = bps_template();
        assert_eq!(KoboMapping::default().check(&c), Ok(()));
        let mut m = KoboMapping::default();
        m.indicators
            .insert("criteria/lantai".into(), "floor".into());
        m.indicators.insert("criteria/rumah".into(), "house".into());
        m.member.age = None;
        m.member.birth_year = None;
        let errs = m.check(&c).unwrap_err();
        assert!(errs.contains(&MappingError::NoAge));
        assert!(errs.contains(&MappingError::UnknownIndicator {
            column: "criteria/rumah".into(),
            key: "house".into()
        }));
        assert!(errs
            .iter()
            .any(|e| matches!(e, MappingError::IndicatorTwice { key, .. } if key == "floor")));
        let json = serde_json::to_string(&KoboMapping::default()).unwrap();
        assert_eq!(
            serde_json::from_str::<KoboMapping>(&json).unwrap(),
            KoboMapping::default()
        );
    }

    fn import(main: &str, roster: &str, rt: RtColumns) -> Result<Vec<Household>, KoboError> {
        import_with(main, roster, &mapping(rt))
    }

    /// The mapping of these tests' files: the floor area and no address.
    fn mapping(rt: RtColumns) -> KoboMapping {
        KoboMapping {
            rt,
            address: None,
            indicators: [("criteria/luas_lantai".to_string(), "floor_area".to_string())].into(),
            ..KoboMapping::default()
        }
    }

    fn import_with(
        main: &str,
        roster: &str,
        mapping: &KoboMapping,
    ) -> Result<Vec<Household>, KoboError> {
        import_kobo(
            CsvFile::new("h.csv", main.as_bytes()),
            CsvFile::new("r.csv", roster.as_bytes()),
            mapping,
            &bps_template(),
            &areas(),
        )
    }

    const ROSTER: &str = "household/anggota/nama,household/anggota/jenis_kelamin,household/anggota/umur,household/anggota/tahun_lahir,household/anggota/hubungan,household/anggota/nik,_index,_parent_index\n\
        Sarta,laki_laki,40,,kepala,,1,1\n\
        Enah,perempuan,,1985,istri,3604014506850001,2,1\n";

    #[test]
    fn rt_as_a_code_column_and_short_rows() {
        let main =
            "\u{feff}household/rt_code,household/kk_name,criteria/luas_lantai,_uuid,_index\n\
            3604010001.03.005,Sarta,\"24.5\",u1,1\n";
        let hs = import(
            main,
            ROSTER,
            RtColumns::Code {
                column: "household/rt_code".into(),
            },
        )
        .unwrap();
        assert_eq!(hs.len(), 1);
        assert_eq!(hs[0].rt.as_str(), "3604010001.03.005");
        assert_eq!(hs[0].address, "");
        assert_eq!(hs[0].members[1].age, Age::BirthYear(1985));
        assert_eq!(
            hs[0].answers["floor_area"],
            Answer::Number(Decimal::parse("24.5").unwrap())
        );

        let main = "household/rt_code,household/kk_name,criteria/luas_lantai,_uuid,_index\n\
            3604010001.09.001,Sarta,24,u1,1\n\
            3604010001.03.005,Sarta\n";
        let Err(KoboError::Rejected(r)) = import(
            main,
            ROSTER,
            RtColumns::Code {
                column: "household/rt_code".into(),
            },
        ) else {
            panic!("accepted")
        };
        assert_eq!(
            r.len(),
            1,
            "roster rows linked to bad households are not blamed"
        );
        let e = &r[0].errors;
        assert_eq!(
            (e[0].line, e[0].column.as_deref()),
            (2, Some("household/rt_code"))
        );
        assert_eq!(
            (e[1].line, e[1].column.as_deref()),
            (3, Some("criteria/luas_lantai"))
        );
        assert!(e[1].message.contains("2 fields, the header has 5"));
    }

    #[test]
    fn a_household_whose_only_member_is_in_error_is_not_blamed_twice() {
        let main =
            "household/rw,household/rt,household/kk_name,criteria/luas_lantai,_uuid,_index\n\
            03,005,Sarta,24,u1,1\n\
            03,005,Juhri,30,u2,2\n";
        let roster = "household/anggota/nama,household/anggota/jenis_kelamin,household/anggota/umur,household/anggota/hubungan,_parent_index\n\
            Sarta,laki_laki,40,kepala,1\n\
            Juhri,-,40,kepala,2\n";
        let mut mapping = mapping(KoboMapping::default().rt);
        mapping.member.birth_year = None;
        mapping.member.nik = None;
        let result = import_with(main, roster, &mapping);
        let Err(KoboError::Rejected(r)) = result else {
            panic!("accepted")
        };
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].file, "r.csv");
        assert_eq!(r[0].errors.len(), 1);
        assert_eq!(r[0].errors[0].line, 3);
        assert_eq!(
            r[0].errors[0].column.as_deref(),
            Some("household/anggota/jenis_kelamin")
        );
        // Without any roster row, the household is blamed.
        let roster = "household/anggota/nama,household/anggota/jenis_kelamin,household/anggota/umur,household/anggota/hubungan,_parent_index\n\
            Sarta,laki_laki,40,kepala,1\n";
        let result = import_with(main, roster, &mapping);
        let Err(KoboError::Rejected(r)) = result else {
            panic!("accepted")
        };
        assert_eq!((r[0].file.as_str(), r[0].errors[0].line), ("h.csv", 3));
        assert_eq!(
            r[0].errors[0].message,
            "household Juhri has no members in r.csv"
        );
    }

    #[test]
    fn an_empty_file_and_a_missing_column() {
        let Err(KoboError::Rejected(r)) = import("", ROSTER, KoboMapping::default().rt) else {
            panic!("accepted")
        };
        assert_eq!(r[0].errors[0].message, "the file is empty: no header line");
        let main =
            "household/rw,household/kk_name,criteria/luas_lantai,_uuid,_index\n03,Sarta,24,u1,1\n";
        let Err(KoboError::Rejected(r)) = import(main, ROSTER, KoboMapping::default().rt) else {
            panic!("accepted")
        };
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].errors.len(), 1);
        assert_eq!(r[0].errors[0].line, 1);
        assert_eq!(r[0].errors[0].column.as_deref(), Some("household/rt"));
    }
}
