//! The grants file (`kelurahan,programme,tranche,date,amount`) and the
//! activities file (`kelurahan,programme,year,activity,kind,implementer,
//! blm,spent,swadaya_cash,swadaya_labour_days,swadaya_wage,
//! swadaya_materials,other_funds,beneficiaries,beneficiaries_poor,
//! beneficiaries_women,progress`), CSV or XLSX, read whole: a file with
//! any problem is refused with every problem by line and column.

use crate::{labour_value, Kind};
use lumbung_domain::{text, AreaCode, Money, Rejected, RowError, Text};
use lumbung_tabular::small::{cell, read_table, require, Table};

/// The longest programme, activity or implementer name.
pub const NAME_MAX: usize = 200;
/// The largest amount of one row (Rp 10 trillion): bounded at the edge.
pub const AMOUNT_MAX: Money = Money::from_minor(10_000_000_000_000 * 100);

/// A tranche of a BLM grant received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantRow {
    pub line: u64,
    pub kelurahan: AreaCode,
    pub programme: String,
    pub tranche: u32,
    pub date: jiff::civil::Date,
    pub amount: Money,
}

/// An activity as reported for a year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityRow {
    pub line: u64,
    pub kelurahan: AreaCode,
    pub programme: String,
    pub year: i32,
    pub activity: String,
    pub kind: Kind,
    pub implementer: String,
    /// BLM allocated to it.
    pub blm: Money,
    /// BLM spent on it.
    pub spent: Money,
    pub swadaya_cash: Money,
    /// Labour days in hundredths (12.5 days: 1250).
    pub labour_days: i64,
    /// The local daily wage the labour is valued at.
    pub wage: Money,
    pub swadaya_materials: Money,
    pub other_funds: Money,
    pub beneficiaries: u64,
    pub poor: u64,
    pub women: u64,
    /// Physical progress, 0–100.
    pub progress: u8,
}

impl ActivityRow {
    /// Labour valued at the wage (checked when read).
    pub fn labour(&self) -> Money {
        labour_value(self.labour_days, self.wage).unwrap_or(Money::ZERO)
    }
}

/// A required column: the name its problems go by, and every header
/// name it is found by.
pub(crate) type Column = (&'static str, &'static [&'static str]);

/// The kelurahan's column, in every programme file.
pub(crate) const KELURAHAN: Column = ("kelurahan", &["kelurahan", "kode_kelurahan", "desa"]);
const PROGRAMME: Column = ("programme", &["programme", "program"]);

/// Each row of `table` handed to `row` as a [`Reader`] of its cells, every
/// problem collected in `errors`.
pub(crate) fn each_row(
    table: &Table,
    errors: &mut Vec<RowError>,
    mut row: impl FnMut(&mut Reader<'_>),
) {
    for (line, cells) in &table.rows {
        row(&mut Reader {
            line: *line,
            cells,
            errors,
        });
    }
}

/// The rows `row` reads off the lines of `table` (`None` for a row with
/// problems), or file `name` refused with every problem.
fn rows_of<T>(
    name: &str,
    table: &Table,
    mut row: impl FnMut(&mut Reader<'_>) -> Option<T>,
) -> Result<Vec<T>, Rejected> {
    let mut errors = Vec::new();
    let mut rows = Vec::new();
    each_row(table, &mut errors, |r| rows.extend(row(r)));
    Rejected::unless_any(name, errors, rows)
}

/// Reads the columns of one row, collecting every problem.
pub(crate) struct Reader<'a> {
    pub(crate) line: u64,
    pub(crate) cells: &'a [String],
    pub(crate) errors: &'a mut Vec<RowError>,
}

impl Reader<'_> {
    pub(crate) fn fail(&mut self, column: &str, message: Text) {
        self.errors
            .push(RowError::new(self.line, Some(column), message));
    }

    pub(crate) fn text(&mut self, column: &str, at: Option<usize>) -> Option<String> {
        match cell(self.cells, at) {
            Some(v) if v.chars().count() <= NAME_MAX => Some(v.to_owned()),
            Some(_) => {
                self.fail(
                    column,
                    text!("programme_name_long", max = NAME_MAX;
                    id: "paling banyak {max} karakter", en: "at most {max} characters"),
                );
                None
            }
            None => {
                self.fail(column, required());
                None
            }
        }
    }

    pub(crate) fn area(&mut self, column: &str, at: Option<usize>) -> Option<AreaCode> {
        let raw = cell(self.cells, at);
        match raw.map(AreaCode::parse) {
            Some(Ok(code)) => Some(code),
            Some(Err(e)) => {
                self.fail(column, e.0);
                None
            }
            None => {
                self.fail(column, required());
                None
            }
        }
    }

    /// An activity's kind (required).
    pub(crate) fn kind(&mut self, column: &str, at: Option<usize>) -> Option<Kind> {
        match cell(self.cells, at).map(Kind::parse) {
            Some(Ok(k)) => Some(k),
            Some(Err(m)) => {
                self.fail(column, m);
                None
            }
            None => {
                self.fail(column, required());
                None
            }
        }
    }

    /// An amount ≥ 0 and at most [`AMOUNT_MAX`]; blank is 0 unless
    /// `needed`.
    pub(crate) fn money(&mut self, column: &str, at: Option<usize>, needed: bool) -> Option<Money> {
        let Some(raw) = cell(self.cells, at) else {
            if needed {
                self.fail(column, required());
                return None;
            }
            return Some(Money::ZERO);
        };
        match Money::parse_plain(raw) {
            Ok(m) if m.minor() >= 0 && m <= AMOUNT_MAX => Some(m),
            Ok(_) => {
                self.fail(column, text!("programme_amount_range", value = raw;
                    id: "{value:?} harus antara 0 dan 10 triliun", en: "{value:?} must be from 0 to 10 trillion"));
                None
            }
            Err(e) => {
                self.fail(column, e.0);
                None
            }
        }
    }

    /// A whole number ≥ 0 up to `max`; blank is 0.
    pub(crate) fn count(&mut self, column: &str, at: Option<usize>, max: u64) -> Option<u64> {
        let Some(raw) = cell(self.cells, at) else {
            return Some(0);
        };
        match raw.parse::<u64>().ok().filter(|n| *n <= max) {
            Some(n) => Some(n),
            None => {
                self.fail(column, text!("programme_bad_count", value = raw, max = max;
                    id: "{value:?} bukan bilangan bulat 0 sampai {max}", en: "{value:?} is not a whole number from 0 to {max}"));
                None
            }
        }
    }
}

pub(crate) fn required() -> Text {
    text!("programme_required"; id: "wajib diisi", en: "required")
}

/// Reads a grants file.
pub fn read_grants(name: &str, bytes: &[u8]) -> Result<Vec<GrantRow>, Rejected> {
    let table = read_table(name, bytes)?;
    let at = require(
        name,
        &table,
        &[
            KELURAHAN,
            PROGRAMME,
            ("tranche", &["tranche", "tahap", "termin"]),
            ("date", &["date", "tanggal"]),
            ("amount", &["amount", "jumlah", "nilai"]),
        ],
    )?;
    rows_of(name, &table, |r| {
        let (line, cells) = (r.line, r.cells);
        let kelurahan = r.area("kelurahan", at[0]);
        let programme = r.text("programme", at[1]);
        let tranche = r.count("tranche", at[2], 99).and_then(|t| {
            if t == 0 {
                r.fail(
                    "tranche",
                    text!("programme_tranche_from_one";
                    id: "tahap dimulai dari 1", en: "tranches count from 1"),
                );
                None
            } else {
                Some(t as u32)
            }
        });
        let date = match cell(cells, at[3]).map(|d| d.parse::<jiff::civil::Date>()) {
            Some(Ok(d)) => Some(d),
            Some(Err(_)) => {
                r.fail("date", text!("programme_bad_date", value = cell(cells, at[3]).unwrap_or("");
                    id: "{value:?} bukan tanggal (TTTT-BB-HH)", en: "{value:?} is not a date (YYYY-MM-DD)"));
                None
            }
            None => {
                r.fail("date", required());
                None
            }
        };
        let amount = r.money("amount", at[4], true);
        Some(GrantRow {
            line,
            kelurahan: kelurahan?,
            programme: programme?,
            tranche: tranche?,
            date: date?,
            amount: amount?,
        })
    })
}

/// Reads an activities file.
pub fn read_activities(name: &str, bytes: &[u8]) -> Result<Vec<ActivityRow>, Rejected> {
    let table = read_table(name, bytes)?;
    let at = require(
        name,
        &table,
        &[
            KELURAHAN,
            PROGRAMME,
            ("year", &["year", "tahun"]),
            ("activity", &["activity", "kegiatan"]),
            ("kind", &["kind", "jenis"]),
            ("implementer", &["implementer", "pelaksana"]),
            ("blm", &["blm"]),
            ("spent", &["spent", "realisasi"]),
        ],
    )?;
    let optional = |names: &[&str]| table.column(names);
    let cash = optional(&["swadaya_cash", "swadaya_tunai"]);
    let days = optional(&["swadaya_labour_days", "swadaya_hok", "hari_orang_kerja"]);
    let wage = optional(&["swadaya_wage", "upah_harian"]);
    let materials = optional(&["swadaya_materials", "swadaya_bahan"]);
    let other = optional(&["other_funds", "dana_lain"]);
    let all = optional(&["beneficiaries", "penerima_manfaat"]);
    let poor = optional(&["beneficiaries_poor", "penerima_miskin"]);
    let women = optional(&["beneficiaries_women", "penerima_perempuan"]);
    let progress = optional(&["progress", "kemajuan"]);
    rows_of(name, &table, |r| {
        let (line, cells) = (r.line, r.cells);
        let kelurahan = r.area("kelurahan", at[0]);
        let programme = r.text("programme", at[1]);
        let year = r
            .count("year", at[2], 2200)
            .filter(|y| *y >= 1990)
            .map(|y| y as i32);
        if year.is_none() && cell(cells, at[2]).is_none_or(|y| y.parse::<u64>().is_ok()) {
            r.fail(
                "year",
                text!("programme_bad_year";
                id: "tahun antara 1990 dan 2200", en: "a year from 1990 to 2200"),
            );
        }
        let activity = r.text("activity", at[3]);
        let kind = r.kind("kind", at[4]);
        let implementer = r.text("implementer", at[5]);
        let blm = r.money("blm", at[6], true);
        let spent = r.money("spent", at[7], false);
        let swadaya_cash = r.money("swadaya_cash", cash, false);
        let labour_days = match cell(cells, days) {
            None => Some(0),
            Some(raw) => match lumbung_domain::Fixed::<2>::parse_plain(raw) {
                Ok(d) if d.raw() >= 0 && d.raw() <= 100_000_000 => Some(d.raw()),
                _ => {
                    r.fail("swadaya_labour_days", text!("programme_bad_days", value = raw;
                        id: "{value:?} bukan jumlah hari 0 sampai 1.000.000 (paling banyak 2 desimal)",
                        en: "{value:?} is not a number of days from 0 to 1,000,000 (at most 2 decimals)"));
                    None
                }
            },
        };
        let wage_value = r.money("swadaya_wage", wage, false);
        if let (Some(d), Some(w)) = (labour_days, wage_value) {
            if d > 0 && w == Money::ZERO {
                r.fail(
                    "swadaya_wage",
                    text!("programme_wage_needed";
                    id: "hari kerja swadaya perlu upah harian untuk dinilai",
                    en: "labour days need the daily wage they are valued at"),
                );
            } else if labour_value(d, w).is_none_or(|v| v > AMOUNT_MAX) {
                r.fail(
                    "swadaya_labour_days",
                    text!("programme_labour_too_large";
                    id: "nilai kerja swadaya terlalu besar", en: "the labour's value is too large"),
                );
            }
        }
        let swadaya_materials = r.money("swadaya_materials", materials, false);
        let other_funds = r.money("other_funds", other, false);
        let beneficiaries = r.count("beneficiaries", all, 10_000_000);
        let poor_n = r.count("beneficiaries_poor", poor, 10_000_000);
        let women_n = r.count("beneficiaries_women", women, 10_000_000);
        if let (Some(a), Some(p), Some(w)) = (beneficiaries, poor_n, women_n) {
            if p > a {
                r.fail("beneficiaries_poor", within_all());
            }
            if w > a {
                r.fail("beneficiaries_women", within_all());
            }
        }
        let progress_pct = r.count("progress", progress, 100).map(|p| p as u8);
        Some(ActivityRow {
            line,
            kelurahan: kelurahan?,
            programme: programme?,
            year: year?,
            activity: activity?,
            kind: kind?,
            implementer: implementer?,
            blm: blm?,
            spent: spent?,
            swadaya_cash: swadaya_cash?,
            labour_days: labour_days?,
            wage: wage_value?,
            swadaya_materials: swadaya_materials?,
            other_funds: other_funds?,
            beneficiaries: beneficiaries?,
            poor: poor_n?,
            women: women_n?,
            progress: progress_pct?,
        })
    })
}

fn within_all() -> Text {
    text!("programme_within_all";
        id: "tidak boleh lebih dari seluruh penerima manfaat",
        en: "cannot exceed all beneficiaries")
}

#[cfg(test)]
#[path = "files_tests.rs"]
mod tests;
