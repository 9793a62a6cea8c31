//! The report as files: JSON, the per anchor × year table as CSV, and a
//! workbook with one sheet per table. The CLI and the web app both export
//! through here, so a file is the same whichever made it.

use crate::report::SpendReport;

/// Why an export failed (writing to memory only fails on a bug).
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
    #[error("csv: {0}")]
    Csv(#[from] csv::Error),
    #[error("xlsx: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
}

/// An optional value as text, empty when absent.
pub fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(ToString::to_string).unwrap_or_default()
}

pub const CELL_HEADERS: [&str; 15] = [
    "anchor",
    "fiscal_year",
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

/// The per anchor × year table, as text cells under [`CELL_HEADERS`].
pub fn cell_rows(report: &SpendReport) -> Vec<Vec<String>> {
    report
        .by_anchor_year
        .iter()
        .map(|c| {
            let f = &c.figures;
            vec![
                c.anchor.clone(),
                c.fiscal_year.clone(),
                f.total.to_string(),
                f.local.to_string(),
                f.regional.to_string(),
                f.outside.to_string(),
                f.unknown.to_string(),
                f.leakage.to_string(),
                opt(&f.local_share),
                opt(&f.regional_share),
                opt(&f.outside_share),
                opt(&f.unknown_share),
                f.sme.to_string(),
                opt(&f.sme_share),
                f.payments.to_string(),
            ]
        })
        .collect()
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
    let mut w = ::csv::Writer::from_writer(Vec::new());
    w.write_record(CELL_HEADERS)?;
    for row in cell_rows(report) {
        w.write_record(row)?;
    }
    w.into_inner()
        .map_err(|e| ExportError::Csv(e.into_error().into()))
}

/// One sheet per table; money as numbers with two decimals, shares as
/// numbers, so that the workbook computes further in a spreadsheet.
pub fn xlsx(report: &SpendReport) -> Result<Vec<u8>, ExportError> {
    use rust_xlsxwriter::{Format as XFormat, Workbook};
    let mut book = Workbook::new();
    let bold = XFormat::new().set_bold();
    let money = XFormat::new().set_num_format("#,##0.00");
    let share = XFormat::new().set_num_format("0.0000");
    let number = |s: &str| s.parse::<f64>().ok();
    {
        let sheet = book.add_worksheet().set_name("by_anchor_year")?;
        for (c, h) in CELL_HEADERS.iter().enumerate() {
            sheet.write_string_with_format(0, c as u16, *h, &bold)?;
        }
        for (r, row) in cell_rows(report).iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let (r, c) = (r as u32 + 1, c as u16);
                match (c, number(cell)) {
                    (0 | 1, _) | (_, None) => sheet.write_string(r, c, cell)?,
                    (8..=11 | 13, Some(v)) => sheet.write_number_with_format(r, c, v, &share)?,
                    (14, Some(v)) => sheet.write_number(r, c, v)?,
                    (_, Some(v)) => sheet.write_number_with_format(r, c, v, &money)?,
                };
            }
        }
    }
    {
        let sheet = book.add_worksheet().set_name("by_sector")?;
        for (c, h) in ["sector", "sector_name", "total", "leakage", "leakage_share"]
            .iter()
            .enumerate()
        {
            sheet.write_string_with_format(0, c as u16, *h, &bold)?;
        }
        for (r, s) in report.by_sector.iter().enumerate() {
            let r = r as u32 + 1;
            sheet.write_string(r, 0, s.sector.as_deref().unwrap_or(""))?;
            sheet.write_string(r, 1, s.sector_name.as_deref().unwrap_or(""))?;
            sheet.write_number_with_format(
                r,
                2,
                number(&s.total.to_string()).unwrap_or(0.0),
                &money,
            )?;
            sheet.write_number_with_format(
                r,
                3,
                number(&s.leakage.to_string()).unwrap_or(0.0),
                &money,
            )?;
            if let Some(v) = s.leakage_share.and_then(|v| number(&v.to_string())) {
                sheet.write_number_with_format(r, 4, v, &share)?;
            }
        }
    }
    {
        let sheet = book.add_worksheet().set_name("top_leaking_suppliers")?;
        for (c, h) in ["supplier", "leakage"].iter().enumerate() {
            sheet.write_string_with_format(0, c as u16, *h, &bold)?;
        }
        for (r, s) in report.top_leaking_suppliers.iter().enumerate() {
            let r = r as u32 + 1;
            sheet.write_string(r, 0, &s.supplier)?;
            sheet.write_number_with_format(
                r,
                1,
                number(&s.leakage.to_string()).unwrap_or(0.0),
                &money,
            )?;
        }
    }
    {
        let sheet = book.add_worksheet().set_name("progress")?;
        let headers = [
            "fiscal_year",
            "baseline_year",
            "total",
            "local",
            "local_share",
            "local_share_change_pp",
            "local_change",
        ];
        for (c, h) in headers.iter().enumerate() {
            sheet.write_string_with_format(0, c as u16, *h, &bold)?;
        }
        for (r, p) in report.progress.iter().enumerate() {
            let r = r as u32 + 1;
            sheet.write_string(r, 0, &p.fiscal_year)?;
            sheet.write_string(r, 1, &p.baseline_year)?;
            sheet.write_number_with_format(
                r,
                2,
                number(&p.total.to_string()).unwrap_or(0.0),
                &money,
            )?;
            sheet.write_number_with_format(
                r,
                3,
                number(&p.local.to_string()).unwrap_or(0.0),
                &money,
            )?;
            if let Some(v) = p.local_share.and_then(|v| number(&v.to_string())) {
                sheet.write_number_with_format(r, 4, v, &share)?;
            }
            if let Some(v) = p.local_share_change_pp.as_deref().and_then(number) {
                sheet.write_number(r, 5, v)?;
            }
            sheet.write_number_with_format(
                r,
                6,
                number(&p.local_change.to_string()).unwrap_or(0.0),
                &money,
            )?;
        }
    }
    Ok(book.save_to_buffer()?)
}
