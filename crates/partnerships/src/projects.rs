//! Local projects seeking investment as they are kept (seed 000): the
//! pools' file with two more columns an investor reads, the area and the
//! expected return (percent a year).

use crate::pools::{read_projects, Project};
use lumbung_domain::{text, Fixed, Rejected, RowError};
use lumbung_tabular::small::{cell, read_table};

/// A project with where it is and what it expects to return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub line: u64,
    pub project: Project,
    /// An area code as written (the store checks it exists).
    pub area: Option<String>,
    /// Percent a year, 0 to 100.
    pub expected_return: Option<Fixed<2>>,
}

/// Reads a projects file `project,amount,sector,risk,social_value` with
/// optional `area` and `expected_return` columns; every problem by line
/// and column.
pub fn read_listed(name: &str, bytes: &[u8]) -> Result<Vec<Listed>, Rejected> {
    let projects = read_projects(name, bytes)?;
    let table = read_table(name, bytes)?;
    let area = table.column(&["area", "wilayah", "area_code", "kode_wilayah"]);
    let ret = table.column(&["expected_return", "imbal_hasil", "return"]);
    let mut errors = Vec::new();
    let mut out = Vec::with_capacity(projects.len());
    for (project, (line, cells)) in projects.into_iter().zip(&table.rows) {
        let expected_return = match cell(cells, ret) {
            None => None,
            Some(raw) => match Fixed::<2>::parse_plain(raw.trim_end_matches('%')) {
                Ok(v) if (0..=10_000).contains(&v.raw()) => Some(v),
                _ => {
                    errors.push(RowError::new(
                        *line,
                        Some("expected_return"),
                        text!("project_bad_return", value = raw;
                            id: "{value:?} bukan persen imbal hasil 0 sampai 100",
                            en: "{value:?} is not a return of 0 to 100 percent"),
                    ));
                    None
                }
            },
        };
        out.push(Listed {
            line: *line,
            project,
            area: cell(cells, area).map(str::to_owned),
            expected_return,
        });
    }
    Rejected::unless_any(name, errors, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn area_and_return_are_read_when_given() {
        let file = "project,amount,sector,risk,social_value,area,expected_return\n\
            Solar schools,8000000,energy,low,40,E07000123,4.5%\n\
            Co-op bakery,2500000,enterprise,high,30,,\n";
        let listed = read_listed("p.csv", file.as_bytes()).unwrap();
        assert_eq!(listed[0].area.as_deref(), Some("E07000123"));
        assert_eq!(listed[0].expected_return.map(|r| r.raw()), Some(450));
        assert_eq!(
            (listed[1].area.clone(), listed[1].expected_return),
            (None, None)
        );
        let bad =
            "project,amount,sector,risk,social_value,expected_return\nX,10,energy,low,1,150\n";
        let e = read_listed("p.csv", bad.as_bytes()).unwrap_err();
        assert!(e.to_string().contains("expected_return"), "{e}");
    }
}

/// An investor's constraints as typed on a form: amounts above 0, shares
/// from 0 to 1 (at most 4 decimals), the maximum not below the minimum;
/// problems by field.
pub fn check_constraints(
    min_size: &str,
    max_size: &str,
    max_high_risk: &str,
    max_sector_share: &str,
) -> Result<crate::pools::Constraints, crate::partnership::Problems> {
    use crate::pools::{Share4, AMOUNT_MAX};
    use lumbung_domain::Money;
    let mut errors: crate::partnership::Problems = Vec::new();
    let mut amount = |raw: &str, field: &'static str| match raw.trim() {
        "" => None,
        t => match Money::parse_plain(t) {
            Ok(m) if m.minor() > 0 && m <= AMOUNT_MAX => Some(m),
            _ => {
                errors.push((
                    field,
                    text!("invest_form_amount", value = t;
                        id: "{value:?} bukan jumlah di atas 0", en: "{value:?} is not an amount above 0"),
                ));
                None
            }
        },
    };
    let min = amount(min_size, "min_size");
    let max = amount(max_size, "max_size");
    let mut share = |raw: &str, field: &'static str| match raw.trim() {
        "" => None,
        t => match Share4::parse_plain(t) {
            Ok(s) if (0..=Share4::UNIT).contains(&s.raw()) => Some(s),
            _ => {
                errors.push((
                    field,
                    text!("invest_form_share", value = t;
                        id: "{value:?} bukan bagian 0 sampai 1, seperti 0.25",
                        en: "{value:?} is not a share from 0 to 1, such as 0.25"),
                ));
                None
            }
        },
    };
    let max_high_risk = share(max_high_risk, "max_high_risk");
    let max_sector_share = share(max_sector_share, "max_sector_share");
    if min.is_none() && !errors.iter().any(|(f, _)| *f == "min_size") {
        errors.push((
            "min_size",
            text!("invest_form_min_needed"; id: "tiket minimum wajib diisi", en: "the minimum ticket is required"),
        ));
    }
    if let (Some(lo), Some(hi)) = (min, max) {
        if hi < lo {
            errors.push((
                "max_size",
                text!("invest_form_max_below_min"; id: "lebih kecil dari tiket minimum",
                    en: "below the minimum ticket"),
            ));
        }
    }
    match min {
        Some(min_size) if errors.is_empty() => Ok(crate::pools::Constraints {
            min_size,
            max_size: max,
            max_high_risk,
            max_sector_share,
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod constraint_tests {
    use super::*;

    #[test]
    fn constraints_are_checked_by_field() {
        let c = check_constraints("20000000", "", "0.2", "").unwrap();
        assert_eq!(c.min_size.minor(), 2_000_000_000);
        assert_eq!(c.max_high_risk.map(|s| s.raw()), Some(2_000));
        let fields =
            |e: crate::partnership::Problems| e.into_iter().map(|(f, _)| f).collect::<Vec<_>>();
        assert_eq!(
            fields(check_constraints("", "", "", "").unwrap_err()),
            ["min_size"]
        );
        assert_eq!(
            fields(check_constraints("10", "5", "1.5", "x").unwrap_err()),
            ["max_high_risk", "max_sector_share", "max_size"]
        );
    }
}
