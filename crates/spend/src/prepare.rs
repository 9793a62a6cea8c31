//! From rows as read to payments ready to store: the anchor and fiscal year
//! of every row decided, contract types classified, and the rows that a
//! person should look at flagged.

use crate::read::{read_ledger, BadRow, Field, Ledger, Locale, PaymentRow, Period, ReadOptions};
use jiff::civil::Date;
use lumbung_domain::{FiscalCalendar, FiscalYear, Money, Rejected, RowError};
use std::collections::BTreeMap;

/// Flag on a row whose fiscal year came from the file's name alone.
pub const YEAR_FROM_FILE_NAME: &str = "fiscal year taken from the file name";

/// Flag on a row of a file without dates, dated the last day of the
/// period its name names.
pub const DATE_FROM_FILE_NAME: &str = "date from file name";

/// Flag on a row of a file without dates, dated the last day of the
/// period the analyst gave (`--period`).
pub const DATE_FROM_PERIOD: &str = "date from the period given";

/// Contract types whose spend an anchor cannot steer locally (compared
/// case-insensitively, ignoring `-`/`_`).
pub const NOT_INFLUENCEABLE: &[&str] = &[
    "national framework",
    "long term contract",
    "framework nasional",
    "kontrak jangka panjang",
];

pub fn influenceable(contract_type: Option<&str>) -> bool {
    let Some(ct) = contract_type else {
        return true;
    };
    let ct = ct.to_lowercase().replace(['-', '_'], " ");
    !NOT_INFLUENCEABLE.iter().any(|n| ct.trim() == *n)
}

/// A payment ready for the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    pub line: u64,
    pub anchor: String,
    pub year: FiscalYear,
    pub date: Option<Date>,
    pub supplier_id: Option<String>,
    pub supplier_name: Option<String>,
    pub postcode: Option<String>,
    pub sector: Option<String>,
    pub sme: Option<bool>,
    pub influenceable: bool,
    pub amount: Money,
    /// The payment's unique id, when a mapping names a payment-id column:
    /// it, not the k-th-row rule, decides whether the payment is held.
    pub payment_id: Option<String>,
    /// Why a person should look at this row (empty when nothing).
    pub flags: Vec<String>,
}

/// What applies to every row of a file unless the row says otherwise.
#[derive(Debug, Clone)]
pub struct Defaults {
    /// Overrides the rows' anchor column when given.
    pub anchor: Option<String>,
    pub year: Option<FiscalYear>,
    pub calendar: FiscalCalendar,
    /// The first day of the period the file's name names, the last resort
    /// for the fiscal year of rows without a readable date.
    pub period_hint: Option<Date>,
    /// The period the file covers as the analyst gave it (`--period`): it
    /// wins over the one its name names.
    pub period: Option<Period>,
    /// Import the good rows of a file with bad ones, keeping each bad row
    /// as read (`--skip-bad-rows`), instead of refusing the file.
    pub skip_bad_rows: bool,
}

/// Decides anchor and fiscal year for each row. A row without an anchor
/// (and no default) or without any way to tell its year is an error.
pub fn prepare(rows: Vec<PaymentRow>, defaults: &Defaults) -> (Vec<Payment>, Vec<RowError>) {
    let mut payments = Vec::with_capacity(rows.len());
    let mut errors = Vec::new();
    // A payment id names one payment: one that repeats within the file is a
    // reference (an invoice, a card statement), not a payment id.
    let mut first_lines = lumbung_tabular::FirstLines::default();
    for row in &rows {
        if let Some(id) = row
            .payment_id
            .as_deref()
            .map(str::trim)
            .filter(|id| !id.is_empty())
        {
            if let Some(first) = first_lines.repeat_of(id, row.line) {
                errors.push(RowError::new(
                    row.line,
                    Some("payment_id"),
                    lumbung_domain::text!("payment_id_repeats", payment = format!("{id:?}"), first = first;
                        id: "id pembayaran {payment} berulang (pertama di baris {first}): rujukan yang berulang bukan id pembayaran; petakan sebagai `transaction`",
                        en: "payment id {payment} repeats (first on line {first}): a reference that repeats is not a payment id; map it as `transaction`"),
                ));
            }
        }
    }
    for row in rows {
        let mut flags = row.flags.clone();
        // An anchor named on the command line is the analyst saying whose
        // file this is: it wins over the file's own column (which may hold
        // an abbreviation such as "OCC").
        let anchor = defaults.anchor.clone().or_else(|| row.anchor.clone());
        let Some(anchor) = anchor else {
            errors.push(RowError::new(
                row.line,
                Some("anchor"),
                lumbung_domain::text!("no_anchor_institution";
                    id: "tidak ada lembaga jangkar: berikan --anchor atau kolom anchor",
                    en: "no anchor institution: give --anchor or an anchor column"),
            ));
            continue;
        };
        let from_date = row
            .date
            .map(|d| defaults.calendar.year_of(d.year(), d.month()));
        let year = match (
            row.fiscal_year,
            from_date,
            defaults.year,
            defaults.period_hint,
        ) {
            (Some(y), _, _, _) => y,
            (None, Some(y), _, _) => y,
            (None, None, Some(y), _) => y,
            (None, None, None, Some(hint)) => {
                flags.push(YEAR_FROM_FILE_NAME.into());
                defaults.calendar.year_of(hint.year(), hint.month())
            }
            (None, None, None, None) => {
                errors.push(RowError::new(
                    row.line,
                    Some("payment_date"),
                    lumbung_domain::text!("no_date_or_year";
                        id: "tidak ada tanggal atau tahun anggaran yang terbaca: berikan --year atau kolom fiscal_year",
                        en: "no readable date or fiscal year: give --year or a fiscal_year column"),
                ));
                continue;
            }
        };
        if row.supplier_name.is_none() && !flags.iter().any(|f| f.contains("supplier")) {
            flags.push(crate::read::NO_SUPPLIER_NAME.into());
        }
        payments.push(Payment {
            line: row.line,
            anchor,
            year,
            date: row.date,
            influenceable: influenceable(row.contract_type.as_deref()),
            supplier_id: row.supplier_id,
            supplier_name: row.supplier_name,
            postcode: row.postcode,
            sector: row.sic,
            sme: row.sme,
            amount: row.amount,
            payment_id: row.payment_id,
            flags,
        });
    }
    (payments, errors)
}

/// One payment file as the analyst gave it.
#[derive(Debug, Clone)]
pub struct PaymentFile<'a> {
    pub name: &'a str,
    pub bytes: &'a [u8],
    pub locale: Locale,
    pub sheet: Option<String>,
    /// Field → column header, given by the analyst for this file.
    pub mapping: Option<BTreeMap<Field, String>>,
}

impl PaymentFile<'_> {
    /// Reads the file with the analyst's mapping, else `saved` (the
    /// anchor's, kept from an earlier file) when it fits this file, else
    /// by recognising the headers.
    pub fn read(&self, saved: Option<BTreeMap<Field, String>>) -> Result<Ledger, Rejected> {
        let fallback = self.mapping.is_none() && saved.is_some();
        let mut options = ReadOptions {
            mapping: self.mapping.clone().or(saved).unwrap_or_default(),
            locale: self.locale,
            sheet: self.sheet.clone(),
        };
        match read_ledger(self.name, self.bytes, &options) {
            // A saved mapping that does not fit this file gives way to recognition.
            Err(_) if fallback => {
                options.mapping.clear();
                read_ledger(self.name, self.bytes, &options)
            }
            other => other,
        }
    }
}

/// A file whose every row was read and prepared.
#[derive(Debug, Clone)]
pub struct PreparedFile {
    pub payments: Vec<Payment>,
    /// Field → column header, as the reader used them.
    pub mapping: BTreeMap<Field, String>,
    /// What the reader noticed (see [`Ledger::notes`]).
    pub notes: Vec<lumbung_domain::Text>,
    /// The file's grand total beside the sum of its payments.
    pub total_check: Option<crate::read::TotalCheck>,
    /// The period whose last day dates every row, in a file without dates:
    /// part of what the file is (the same sums for another month are
    /// other payments).
    pub dated_by: Option<Period>,
    /// The rows skipped as bad (with `skip_bad_rows`), in line order.
    pub skipped: Vec<BadRow>,
}

/// A file without a date column (per-supplier sums of a month): each row
/// takes the last day of the period given, else of the one the file's
/// name names, flagged so. Rows of different periods then never look like
/// the same payment.
fn date_by_period(ledger: &mut Ledger, given: Option<Period>) -> Option<Period> {
    if ledger.mapping.contains_key(&Field::PaymentDate) {
        return None;
    }
    let (period, flag) = match (given, ledger.period) {
        (Some(p), _) => (p, DATE_FROM_PERIOD),
        (None, Some(p)) => (p, DATE_FROM_FILE_NAME),
        (None, None) => return None,
    };
    for row in &mut ledger.rows {
        row.date = Some(period.last);
        row.flags.push(flag.to_owned());
    }
    Some(period)
}

/// Prepares every row of a file read (see [`prepare`]). Any bad row, the
/// reader's or the preparation's, rejects the whole file with every
/// problem, in line order.
pub fn prepare_ledger(
    file: &str,
    mut ledger: Ledger,
    defaults: &Defaults,
) -> Result<PreparedFile, Rejected> {
    let dated_by = date_by_period(&mut ledger, defaults.period);
    // A row refused here is kept as read, for when bad rows are skipped.
    let as_read: BTreeMap<u64, BadRow> = if defaults.skip_bad_rows {
        ledger.rows.iter().map(|r| (r.line, as_read(r))).collect()
    } else {
        BTreeMap::new()
    };
    let (payments, mut errors) = prepare(ledger.rows, defaults);
    let mut skipped = ledger.bad_rows;
    if defaults.skip_bad_rows && !payments.is_empty() {
        for e in &errors {
            if let Some(mut row) = as_read.get(&e.line).cloned() {
                row.reason = e.message.clone();
                skipped.push(row);
            }
        }
        skipped.sort_by_key(|r| r.line);
        skipped.dedup_by_key(|r| r.line);
    } else {
        errors.extend(ledger.errors);
        if !errors.is_empty() {
            errors.sort_by_key(|e| e.line);
            return Err(Rejected {
                file: file.to_owned(),
                errors,
            });
        }
        skipped.clear();
    }
    Ok(PreparedFile {
        payments,
        mapping: ledger.mapping,
        notes: ledger.notes,
        total_check: ledger.total_check,
        dated_by,
        skipped,
    })
}

/// A row the reader read, as a person finds it in the file.
fn as_read(r: &PaymentRow) -> BadRow {
    let date = r.date.map(|d| d.to_string());
    let amount = r.amount.to_string();
    let cells = [
        r.anchor.as_deref(),
        date.as_deref(),
        r.supplier_id.as_deref(),
        r.supplier_name.as_deref(),
        r.postcode.as_deref(),
        Some(amount.as_str()),
    ];
    BadRow {
        line: r.line,
        text: cells.into_iter().flatten().collect::<Vec<_>>().join(","),
        amount: Some(r.amount),
        reason: lumbung_domain::Text::verbatim("as_read", ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(line: u64) -> PaymentRow {
        PaymentRow {
            line,
            anchor: None,
            fiscal_year: None,
            date: None,
            supplier_id: None,
            supplier_name: Some("Acme".into()),
            postcode: None,
            sic: None,
            sme: None,
            contract_type: None,
            amount: Money::from_units(10),
            transaction: None,
            description: None,
            payment_id: None,
            flags: vec![],
        }
    }

    fn defaults() -> Defaults {
        Defaults {
            anchor: Some("Oxford City Council".into()),
            year: None,
            calendar: FiscalCalendar::UK,
            period_hint: None,
            period: None,
            skip_bad_rows: false,
        }
    }

    #[test]
    fn the_year_comes_from_the_row_the_date_the_option_or_the_file_name() {
        let mut with_fy = row(2);
        with_fy.fiscal_year = Some(FiscalYear::new(2012).unwrap());
        let mut with_date = row(3);
        with_date.date = Some(jiff::civil::date(2014, 3, 31));
        let (p, e) = prepare(vec![with_fy, with_date], &defaults());
        assert!(e.is_empty());
        assert_eq!(p[0].year.start_year(), 2012);
        assert_eq!(p[1].year.start_year(), 2013, "31 March 2014 is in 2013/14");

        let (_, e) = prepare(vec![row(4)], &defaults());
        assert_eq!(e[0].line, 4);
        let hinted = Defaults {
            period_hint: Some(jiff::civil::date(2014, 4, 1)),
            period: None,
            skip_bad_rows: false,
            ..defaults()
        };
        let (p, _) = prepare(vec![row(5)], &hinted);
        assert_eq!(p[0].year.start_year(), 2014);
        assert!(p[0].flags.iter().any(|f| f.contains("file name")));
    }

    #[test]
    fn rows_need_an_anchor_and_unnamed_suppliers_are_flagged() {
        let d = Defaults {
            anchor: None,
            year: Some(FiscalYear::new(2012).unwrap()),
            ..defaults()
        };
        let (_, e) = prepare(vec![row(2)], &d);
        assert_eq!(e[0].column.as_deref(), Some("anchor"));
        let mut unnamed = row(3);
        unnamed.supplier_name = None;
        let (p, _) = prepare(
            vec![unnamed],
            &Defaults {
                anchor: Some("A".into()),
                ..d
            },
        );
        assert_eq!(p[0].flags, vec!["no supplier name".to_owned()]);
    }

    #[test]
    fn a_payment_id_that_repeats_is_refused() {
        let mut a = row(2);
        a.payment_id = Some("P-1".into());
        let mut b = row(3);
        b.payment_id = Some("P-1".into());
        let (_, e) = prepare(
            vec![a, b],
            &Defaults {
                year: Some(FiscalYear::new(2012).unwrap()),
                ..defaults()
            },
        );
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].line, 3);
        assert!(e[0].message.contains("first on line 2"));
    }

    #[test]
    fn national_frameworks_are_not_influenceable() {
        assert!(!influenceable(Some("National Framework")));
        assert!(!influenceable(Some("long-term contract")));
        assert!(influenceable(Some("local contract")));
        assert!(influenceable(None));
    }

    const FILE: &str = "Supplier Name,Paid Date,Amount\nACME Ltd,21/01/2014,12.50\nBeta,,7\n";

    fn file(mapping: Option<BTreeMap<Field, String>>) -> PaymentFile<'static> {
        PaymentFile {
            name: "spend.csv",
            bytes: FILE.as_bytes(),
            locale: Locale::En,
            sheet: None,
            mapping,
        }
    }

    #[test]
    fn a_saved_mapping_that_does_not_fit_gives_way_but_the_analysts_does_not() {
        let misfit = BTreeMap::from([(Field::Amount, "Rupiah".to_owned())]);
        let l = file(None).read(Some(misfit.clone())).unwrap();
        assert_eq!(l.mapping[&Field::Amount], "Amount");
        let e = file(Some(misfit)).read(None).unwrap_err();
        assert_eq!(e.errors[0].column.as_deref(), Some("Rupiah"), "{e}");
        let fits = BTreeMap::from([(Field::SupplierName, "Paid Date".to_owned())]);
        let l = file(None).read(Some(fits)).unwrap();
        assert_eq!(l.rows[0].supplier_name.as_deref(), Some("21/01/2014"));
    }

    #[test]
    fn a_file_is_prepared_whole_or_rejected_with_every_problem_in_line_order() {
        let defaults = |anchor: Option<&str>| Defaults {
            anchor: anchor.map(str::to_owned),
            year: None,
            calendar: FiscalCalendar::UK,
            period_hint: None,
            period: None,
            skip_bad_rows: false,
        };
        let rejected = |d: &Defaults| {
            let e = prepare_ledger("spend.csv", file(None).read(None).unwrap(), d).unwrap_err();
            assert_eq!(e.file, "spend.csv");
            e.errors
                .iter()
                .map(|e| (e.line, e.column.clone().unwrap_or_default()))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            rejected(&defaults(None)),
            [(2, "anchor".to_owned()), (3, "anchor".to_owned())]
        );
        assert_eq!(
            rejected(&defaults(Some("OCC"))),
            [(3, "payment_date".to_owned())]
        );
        let p = prepare_ledger(
            "spend.csv",
            file(None).read(None).unwrap(),
            &Defaults {
                year: Some(FiscalYear::new(2013).unwrap()),
                ..defaults(Some("OCC"))
            },
        )
        .unwrap();
        assert_eq!(p.payments.len(), 2);
        assert_eq!(p.mapping[&Field::Amount], "Amount");
    }
}
