//! The fund's books as files: LOANS.csv (`upk,ksm,loan_id,disbursed_on,
//! principal,term_months,fee_rate_monthly[,schedule,frequency]`) and
//! REPAYMENTS.csv (`loan_id,paid_on,amount`), read on the shared reader
//! layer into records for the store, every problem with its line and
//! column.

use crate::loan::{FeeRate, Frequency, Rupiah, ScheduleKind};
use jiff::civil::Date;
use lumbung_domain::{text, Text};
use lumbung_tabular::csv_file::CsvRows;
use lumbung_tabular::{CsvFile, CsvRow, Rejected, RowCheck, RowError};
use std::io::Read;

/// A loan as a LOANS.csv row gives it.
#[derive(Debug, Clone)]
pub struct LoanRecord {
    pub line: u64,
    pub upk: String,
    pub ksm: String,
    pub loan_id: String,
    pub terms: LoanTerms,
}

/// The terms a loan is held with: an import may name a loan held
/// already only with the same terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoanTerms {
    pub disbursed_on: Date,
    pub principal: Rupiah,
    pub term_months: u16,
    pub fee_rate: FeeRate,
    pub schedule: ScheduleKind,
    pub frequency: Frequency,
}

impl LoanRecord {
    /// The row's error when its loan is held (with `held`) on other terms.
    pub fn check_held(&self, held: &LoanTerms) -> Result<(), RowError> {
        if self.terms == *held {
            return Ok(());
        }
        Err(RowError::new(
            self.line,
            Some("loan_id"),
            lumbung_domain::text!("loan_held_with_other_terms", loan = self.loan_id;
                id: "pinjaman {loan} sudah tersimpan dengan ketentuan lain",
                en: "loan {loan} is held with other terms"),
        ))
    }
}

/// A repayment as a REPAYMENTS.csv row gives it.
#[derive(Debug, Clone)]
pub struct RepaymentRecord {
    pub line: u64,
    pub loan_id: String,
    pub paid_on: Date,
    pub amount: Rupiah,
}

/// A date as spreadsheets write it (`2024-01-31` or `31/01/2024`), on a
/// day the books keep.
pub fn date(raw: &str) -> Result<Date, Text> {
    crate::loan::book_day(calendar_date(raw)?).map_err(|e| e.text())
}

fn calendar_date(raw: &str) -> Result<Date, Text> {
    let s = raw.trim();
    if let Ok(d) = s.parse::<Date>() {
        return Ok(d);
    }
    let parts: Vec<&str> = s.split(['/', '-', '.']).collect();
    if let [d, m, y] = parts[..] {
        if let (Ok(d), Ok(m), Ok(y)) = (d.parse::<i8>(), m.parse::<i8>(), y.parse::<i16>()) {
            if let Ok(date) = Date::new(y, m, d) {
                return Ok(date);
            }
        }
    }
    Err(text!("not_a_book_date", value = format!("{s:?}");
        id: "{value} bukan tanggal (2024-01-31 atau 31/01/2024)",
        en: "{value} is not a date (2024-01-31 or 31/01/2024)"))
}

/// The problem of an empty cell in `column`.
fn empty(column: &str) -> Text {
    text!("column_empty", column = column; id: "{column} kosong", en: "{column} is empty")
}

/// Whole rupiah, thousands separators allowed ([`Rupiah::parse_written`]).
fn rupiah(raw: &str) -> Result<Rupiah, Text> {
    Rupiah::parse_written(raw).ok_or_else(|| {
        text!("not_whole_rupiah", value = format!("{:?}", raw.trim());
                id: "{value} bukan jumlah rupiah bulat",
                en: "{value} is not a whole-rupiah amount")
    })
}

/// A loan's principal: more than nothing (a negative one was disbursed as
/// money coming into the cash book).
fn lent(principal: Rupiah) -> Result<Rupiah, Text> {
    match principal.0 {
        1.. => Ok(principal),
        _ => Err(text!("principal_not_positive";
            id: "pokok pinjaman harus lebih dari nol",
            en: "a loan's principal must be more than zero")),
    }
}

const LOAN_COLUMNS: [&str; 7] = [
    "upk",
    "ksm",
    "loan_id",
    "disbursed_on",
    "principal",
    "term_months",
    "fee_rate_monthly",
];

/// Where a LOANS.csv's columns are.
struct LoanColumns {
    required: Vec<usize>,
    schedule: Option<usize>,
    frequency: Option<usize>,
}

pub fn loans(file: &CsvFile) -> Result<(Vec<LoanRecord>, Vec<RowError>), Rejected> {
    let cols = LoanColumns {
        required: file.require(&LOAN_COLUMNS)?,
        schedule: file.column("schedule"),
        frequency: file.column("frequency"),
    };
    Ok(file.records(|row, check| loan(&cols, row, check)))
}

/// LOANS.csv read row by row from a stream.
pub fn loan_rows<R: Read>(
    rows: CsvRows<R>,
) -> Result<impl Iterator<Item = Result<LoanRecord, RowError>>, Rejected> {
    let cols = LoanColumns {
        required: rows.require(&LOAN_COLUMNS)?,
        schedule: rows.column("schedule"),
        frequency: rows.column("frequency"),
    };
    Ok(rows.records(move |row, check| loan(&cols, row, check)))
}

fn loan(cols: &LoanColumns, row: &CsvRow, check: &mut RowCheck<'_>) -> Option<LoanRecord> {
    let req = &cols.required;
    let text = |i: usize| row.get(req[i]).trim().to_owned();
    let (upk, ksm, loan_id) = (text(0), text(1), text(2));
    for (name, v) in [("upk", &upk), ("ksm", &ksm), ("loan_id", &loan_id)] {
        if v.is_empty() {
            check.fail(name, empty(name));
        }
    }
    let disbursed_on = check.ok("disbursed_on", date(row.get(req[3])));
    let principal = check.ok("principal", rupiah(row.get(req[4])).and_then(lent));
    let term = row.get(req[5]).trim();
    let term_months = check.ok(
        "term_months",
        term.parse::<u16>().ok().filter(|t| *t >= 1).ok_or_else(|| {
            text!("not_months", value = format!("{term:?}");
                    id: "{value} bukan jumlah bulan", en: "{value} is not a number of months")
        }),
    );
    let fee_rate = check.ok("fee_rate_monthly", FeeRate::parse(row.get(req[6])));
    let schedule = check.ok(
        "schedule",
        ScheduleKind::parse(row.opt(cols.schedule).unwrap_or_default()),
    );
    let frequency = check.ok(
        "frequency",
        Frequency::parse(row.opt(cols.frequency).unwrap_or_default()),
    );
    Some(LoanRecord {
        line: row.line,
        upk,
        ksm,
        loan_id,
        terms: LoanTerms {
            disbursed_on: disbursed_on?,
            principal: principal?,
            term_months: term_months?,
            fee_rate: fee_rate?,
            schedule: schedule?,
            frequency: frequency?,
        },
    })
}

pub fn repayments(file: &CsvFile) -> Result<(Vec<RepaymentRecord>, Vec<RowError>), Rejected> {
    let cols = file.require(&REPAYMENT_COLUMNS)?;
    Ok(file.records(|row, check| repayment(&cols, row, check)))
}

/// REPAYMENTS.csv read row by row from a stream.
pub fn repayment_rows<R: Read>(
    rows: CsvRows<R>,
) -> Result<impl Iterator<Item = RepaymentRow>, Rejected> {
    let cols = rows.require(&REPAYMENT_COLUMNS)?;
    Ok(rows.records(move |row, check| repayment(&cols, row, check)))
}

const REPAYMENT_COLUMNS: [&str; 3] = ["loan_id", "paid_on", "amount"];

fn repayment(cols: &[usize], row: &CsvRow, check: &mut RowCheck<'_>) -> Option<RepaymentRecord> {
    let loan_id = row.get(cols[0]).trim().to_owned();
    if loan_id.is_empty() {
        check.fail("loan_id", empty("loan_id"));
    }
    let paid_on = check.ok("paid_on", date(row.get(cols[1])));
    let amount = check.ok("amount", rupiah(row.get(cols[2])));
    Some(RepaymentRecord {
        line: row.line,
        loan_id,
        paid_on: paid_on?,
        amount: amount?,
    })
}

/// The repayments of an import, read as often as the import needs (checked
/// in a first pass, posted in a second) and never held whole: a city's
/// are tens of millions of rows.
pub trait RepaymentSource {
    /// The rows from the first: each good row, or a problem of a bad one
    /// (a row may have several).
    fn rows(&mut self) -> RepaymentReading<'_>;
}

pub type RepaymentRow = Result<RepaymentRecord, RowError>;

/// A reading of the repayments: its rows, or the file refused.
/// (`Send`: the import reads the file on one core while it posts on another.)
pub type RepaymentReading<'a> =
    Result<Box<dyn Iterator<Item = RepaymentRow> + Send + 'a>, Rejected>;

/// Repayments already read (a demo's, a test's).
impl RepaymentSource for Vec<RepaymentRecord> {
    fn rows(&mut self) -> RepaymentReading<'_> {
        Ok(Box::new(self.iter().cloned().map(Ok)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    /// Regression: a decimal point in a LOANS or REPAYMENTS cell was
    /// dropped as a thousands separator (`1500000.50` read as 150,000,050).
    #[test]
    fn amounts_take_thousands_separators_and_refuse_decimals() {
        for (cell, amount) in [
            ("1.500.000", 1_500_000),
            ("Rp 1.500.000", 1_500_000),
            ("Rp1,500,000", 1_500_000),
            ("1500000", 1_500_000),
        ] {
            assert_eq!(rupiah(cell), Ok(Rupiah(amount)), "{cell}");
        }
        for cell in ["1500000.50", "1.500.000,00", "1.5", "", "Rp"] {
            assert!(rupiah(cell).is_err(), "{cell}");
        }
    }

    /// Regression: a LOANS.csv row lending nothing or less was imported
    /// (a negative principal posted the cash book up by as much).
    #[test]
    fn a_loan_lends_more_than_nothing() {
        let file = CsvFile::read(
            "LOANS.csv",
            b"upk,ksm,loan_id,disbursed_on,principal,term_months,fee_rate_monthly\n\
              U,K,L-1,2024-01-31,-1.000.000.000,10,0.015\n\
              U,K,L-2,2024-01-31,0,10,0.015\n\
              U,K,L-3,2024-01-31,1.000,10,0.015\n",
            lumbung_tabular::Header::InFile,
        );
        let (read, errors) = loans(&file).unwrap();
        let at: Vec<(u64, Option<&str>)> = (errors.iter())
            .map(|e| (e.line, e.column.as_deref()))
            .collect();
        assert_eq!(at, [(2, Some("principal")), (3, Some("principal"))]);
        assert!(errors[0].message.english().contains("more than zero"));
        assert_eq!(read.len(), 1);
        assert_eq!(read[0].terms.principal, Rupiah(1_000));
    }

    #[test]
    fn a_loan_held_is_named_again_only_with_its_terms() {
        let record = LoanRecord {
            line: 4,
            upk: "UPK".into(),
            ksm: "Mawar".into(),
            loan_id: "L-1".into(),
            terms: LoanTerms {
                disbursed_on: date(2024, 1, 31),
                principal: Rupiah(1_000_000),
                term_months: 10,
                fee_rate: FeeRate::parse("0.015").unwrap(),
                schedule: ScheduleKind::parse("flat").unwrap(),
                frequency: Frequency::parse("monthly").unwrap(),
            },
        };
        let held = record.terms;
        assert!(record.check_held(&held).is_ok());
        for other in [
            LoanTerms {
                term_months: 12,
                ..held
            },
            LoanTerms {
                principal: Rupiah(999_999),
                ..held
            },
            LoanTerms {
                frequency: Frequency::parse("weekly").unwrap(),
                ..held
            },
            LoanTerms {
                fee_rate: FeeRate::parse("0.02").unwrap(),
                ..held
            },
        ] {
            let e = record.check_held(&other).unwrap_err();
            assert_eq!((e.line, e.column.as_deref()), (4, Some("loan_id")));
            assert_eq!(e.message, "loan L-1 is held with other terms");
        }
    }
}
