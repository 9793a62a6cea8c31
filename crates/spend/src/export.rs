//! The report as files: JSON, any of its tables as CSV, and a workbook with
//! one sheet per table. The CLI and the web app both export through here,
//! so a file is the same whichever made it.

use crate::report::{Figures, SpendReport};
use lumbung_domain::{CsvCell, CsvOut, Money, Share};

/// Why an export failed (writing to memory only fails on a bug).
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
    #[error("csv: {0}")]
    Csv(#[from] csv::Error),
    #[error("xlsx: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    #[error("no table named {0:?}; tables: {TABLES:?}")]
    UnknownTable(String),
}

/// An optional value as text, empty when absent.
pub fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(ToString::to_string).unwrap_or_default()
}

/// One cell: text, or a number kept exact until the file is written.
#[derive(Debug, Clone)]
pub enum Cell {
    Text(String),
    Money(Money),
    Share(Option<Share>),
    Count(u64),
    /// A decimal given as text (percentage points), a number in a workbook.
    Decimal(Option<String>),
}

impl Cell {
    fn text(&self) -> String {
        match self {
            Cell::Text(t) => t.clone(),
            Cell::Money(m) => m.to_string(),
            Cell::Share(s) => opt(s),
            Cell::Count(n) => n.to_string(),
            Cell::Decimal(d) => d.clone().unwrap_or_default(),
        }
    }
}

/// A table of the report: a name (the CSV's and the sheet's), headers and rows.
pub struct Table {
    pub name: &'static str,
    pub headers: Vec<&'static str>,
    pub rows: Vec<Vec<Cell>>,
}

/// The tables, in the order of the workbook's sheets; the first is the
/// default CSV.
pub const TABLES: [&str; 8] = [
    "by_anchor_year",
    "by_anchor",
    "by_year",
    "by_sector",
    "top_leaking_suppliers",
    "progress",
    "influenceable",
    "target",
];

const FIGURE_HEADERS: [&str; 13] = [
    "total",
    "local",
    "regional",
    "outside",
    "unknown",
    "leakage",
    "local_share",
    "regional_share",
    "outside_share",
    "unknown_share",
    "sme",
    "sme_share",
    "payments",
];

fn figures(f: &Figures) -> Vec<Cell> {
    vec![
        Cell::Money(f.total),
        Cell::Money(f.local),
        Cell::Money(f.regional),
        Cell::Money(f.outside),
        Cell::Money(f.unknown),
        Cell::Money(f.leakage),
        Cell::Share(f.local_share),
        Cell::Share(f.regional_share),
        Cell::Share(f.outside_share),
        Cell::Share(f.unknown_share),
        Cell::Money(f.sme),
        Cell::Share(f.sme_share),
        Cell::Count(f.payments),
    ]
}

fn with_figures(first: &[&'static str]) -> Vec<&'static str> {
    first.iter().copied().chain(FIGURE_HEADERS).collect()
}

/// Every table of the report.
pub fn tables(report: &SpendReport) -> Vec<Table> {
    let text = |s: &str| Cell::Text(s.to_owned());
    vec![
        Table {
            name: "by_anchor_year",
            headers: with_figures(&["anchor", "fiscal_year"]),
            rows: report
                .by_anchor_year
                .iter()
                .map(|c| {
                    [
                        vec![text(&c.anchor), text(&c.fiscal_year)],
                        figures(&c.figures),
                    ]
                    .concat()
                })
                .collect(),
        },
        Table {
            name: "by_anchor",
            headers: with_figures(&["anchor"]),
            rows: report
                .by_anchor
                .iter()
                .map(|a| [vec![text(&a.anchor)], figures(&a.figures)].concat())
                .collect(),
        },
        Table {
            name: "by_year",
            headers: with_figures(&["fiscal_year"]),
            rows: report
                .by_year
                .iter()
                .map(|y| [vec![text(&y.fiscal_year)], figures(&y.figures)].concat())
                .collect(),
        },
        Table {
            name: "by_sector",
            headers: vec!["sector", "sector_name", "total", "leakage", "leakage_share"],
            rows: report
                .by_sector
                .iter()
                .map(|s| {
                    vec![
                        text(s.sector.as_deref().unwrap_or("")),
                        text(s.sector_name.as_deref().unwrap_or("")),
                        Cell::Money(s.total),
                        Cell::Money(s.leakage),
                        Cell::Share(s.leakage_share),
                    ]
                })
                .collect(),
        },
        Table {
            name: "top_leaking_suppliers",
            headers: vec!["supplier", "leakage"],
            rows: report
                .top_leaking_suppliers
                .iter()
                .map(|s| vec![text(&s.supplier), Cell::Money(s.leakage)])
                .collect(),
        },
        Table {
            name: "progress",
            headers: vec![
                "anchor",
                "fiscal_year",
                "baseline_year",
                "total",
                "local",
                "local_share",
                "local_share_change",
                "local_share_change_pp",
                "regional_share",
                "regional_share_change",
                "local_change",
                "redirected_local",
            ],
            rows: report
                .progress
                .iter()
                .chain(&report.progress_by_anchor)
                .map(|p| {
                    vec![
                        text(p.anchor.as_deref().unwrap_or("")),
                        text(&p.fiscal_year),
                        text(&p.baseline_year),
                        Cell::Money(p.total),
                        Cell::Money(p.local),
                        Cell::Share(p.local_share),
                        Cell::Share(p.local_share_change),
                        Cell::Decimal(p.local_share_change_pp.clone()),
                        Cell::Share(p.regional_share),
                        Cell::Share(p.regional_share_change),
                        Cell::Money(p.local_change),
                        p.redirected_local.map_or_else(|| text(""), Cell::Money),
                    ]
                })
                .collect(),
        },
        Table {
            name: "influenceable",
            headers: FIGURE_HEADERS.to_vec(),
            rows: vec![figures(&report.influenceable)],
        },
        Table {
            name: "target",
            headers: vec![
                "fiscal_year",
                "target_local_share",
                "total",
                "local",
                "target_local",
                "extra_local",
            ],
            rows: report
                .target
                .iter()
                .flat_map(|t| {
                    t.years.iter().map(move |y| {
                        vec![
                            text(&y.fiscal_year),
                            Cell::Share(Some(t.target_local_share)),
                            Cell::Money(y.total),
                            Cell::Money(y.local),
                            Cell::Money(y.target_local),
                            Cell::Money(y.extra_local),
                        ]
                    })
                })
                .collect(),
        },
    ]
}

/// The report as pretty JSON with the selection it was made with.
pub fn json(report: &SpendReport, selection: &serde_json::Value) -> Result<Vec<u8>, ExportError> {
    let mut value = serde_json::to_value(report)?;
    value["selection"] = selection.clone();
    let mut out = serde_json::to_vec_pretty(&value)?;
    out.push(b'\n');
    Ok(out)
}

/// The per anchor × year table as CSV.
pub fn csv(report: &SpendReport) -> Result<Vec<u8>, ExportError> {
    csv_table(report, TABLES[0])
}

/// One table (see [`TABLES`]) as CSV: money and shares as plain decimals.
pub fn csv_table(report: &SpendReport, name: &str) -> Result<Vec<u8>, ExportError> {
    let table = tables(report)
        .into_iter()
        .find(|t| t.name == name)
        .ok_or_else(|| ExportError::UnknownTable(name.to_owned()))?;
    // Text that a spreadsheet would run as a formula is escaped by the
    // shared writer (`lumbung_domain::csv_out`); numbers are written as
    // they are.
    let mut w = CsvOut::new(Vec::new());
    w.text_row(&table.headers)?;
    for row in &table.rows {
        write_row(&mut w, row)?;
    }
    Ok(w.into_inner()?)
}

fn write_row<W: std::io::Write>(w: &mut CsvOut<W>, row: &[Cell]) -> Result<(), ExportError> {
    let texts: Vec<String> = row.iter().map(Cell::text).collect();
    w.row(row.iter().zip(&texts).map(|(cell, text)| match cell {
        Cell::Text(_) => CsvCell::Text(text),
        _ => CsvCell::Number(text),
    }))?;
    Ok(())
}

/// The per anchor × year table as text cells (for terminal tables).
pub fn cell_rows(report: &SpendReport) -> Vec<Vec<String>> {
    tables(report)
        .into_iter()
        .next()
        .map(|t| {
            t.rows
                .iter()
                .map(|r| r.iter().map(Cell::text).collect())
                .collect()
        })
        .unwrap_or_default()
}

/// One sheet per table; money as numbers with two decimals, shares as
/// numbers, so that the workbook computes further in a spreadsheet. (A
/// spreadsheet keeps numbers as doubles; they are written from the exact
/// decimal text.)
pub fn xlsx(report: &SpendReport) -> Result<Vec<u8>, ExportError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("#,##0.00");
    let share = Format::new().set_num_format("0.0000");
    for table in tables(report) {
        let sheet = book.add_worksheet().set_name(table.name)?;
        for (c, h) in table.headers.iter().enumerate() {
            sheet.write_string_with_format(0, c as u16, *h, &bold)?;
        }
        for (r, row) in table.rows.iter().enumerate() {
            let r = r as u32 + 1;
            for (c, cell) in row.iter().enumerate() {
                let c = c as u16;
                let number = cell.text().parse::<f64>().ok();
                match (cell, number) {
                    (Cell::Money(_), Some(v)) => sheet.write_number_with_format(r, c, v, &money)?,
                    (Cell::Share(_), Some(v)) => sheet.write_number_with_format(r, c, v, &share)?,
                    (Cell::Count(_) | Cell::Decimal(_), Some(v)) => sheet.write_number(r, c, v)?,
                    _ => sheet.write_string(r, c, cell.text())?,
                };
            }
        }
        sheet.set_freeze_panes(1, 0)?;
    }
    Ok(book.save_to_buffer()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::{Facts, NO_DATE, NO_SECTOR};
    use crate::report::{compute, Dimensions, Location, ReportOptions};
    use calamine::{DataType, Reader, Xlsx};
    use lumbung_domain::FiscalCalendar;
    use std::collections::HashMap;

    fn report() -> SpendReport {
        let mut f = Facts::default();
        f.push(
            1,
            2012,
            NO_DATE,
            1,
            Money::from_minor(123_456),
            NO_SECTOR,
            0,
        );
        f.push(1, 2013, NO_DATE, 2, Money::from_minor(-500), NO_SECTOR, 0);
        let dims = Dimensions::plain(
            FiscalCalendar::UK,
            HashMap::from([(1, "Preston, \"City\" Council".to_owned())]),
            vec![Location::Unknown, Location::Local, Location::Outside],
            vec![String::new(), "A".into(), "B".into()],
            HashMap::new(),
        );
        compute(&[&f], &dims, &ReportOptions::default()).unwrap()
    }

    #[test]
    fn every_table_exports_as_csv_with_exact_decimals() {
        let r = report();
        for name in TABLES {
            let text = String::from_utf8(csv_table(&r, name).unwrap()).unwrap();
            // Every table has its header; all but the target (asked for
            // with an option) have rows here.
            let rows = text.lines().count() - 1;
            assert!(rows >= 1 || name == "target", "{name}: {text}");
        }
        let cells = String::from_utf8(csv(&r).unwrap()).unwrap();
        assert!(
            cells.contains("\"Preston, \"\"City\"\" Council\",2012/13,1234.56,1234.56"),
            "{cells}"
        );
        assert!(matches!(
            csv_table(&r, "nope"),
            Err(ExportError::UnknownTable(_))
        ));
        let mut w = CsvOut::new(Vec::new());
        write_row(
            &mut w,
            &[
                Cell::Text("=HYPERLINK(\"x\")".into()),
                Cell::Money(Money::from_minor(-500)),
            ],
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(w.into_inner().unwrap()).unwrap(),
            "\"'=HYPERLINK(\"\"x\"\")\",-5.00\n",
            "formulas escaped, numbers stay numbers"
        );
    }

    #[test]
    fn the_workbook_opens_with_one_sheet_per_table_and_numbers_as_numbers() {
        let bytes = xlsx(&report()).unwrap();
        let mut book: Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(book.sheet_names(), TABLES.map(str::to_owned).to_vec());
        let sheet = book.worksheet_range("by_anchor_year").unwrap();
        assert_eq!(
            sheet.get_value((1, 0)).unwrap().to_string(),
            "Preston, \"City\" Council"
        );
        assert_eq!(sheet.get_value((1, 2)).unwrap().get_float(), Some(1234.56));
    }
}
