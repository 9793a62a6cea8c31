//! Whole files through `read_ledger`: dialects, encodings, headers,
//! amounts, dates, errors, spreadsheets, and Oxford City Council's real
//! files.

use super::*;
use jiff::civil::date;
use std::path::{Path, PathBuf};

fn read(name: &str, text: &str) -> Ledger {
    read_bytes(name, text.as_bytes(), &ReadOptions::default())
}

fn read_bytes(name: &str, bytes: &[u8], options: &ReadOptions) -> Ledger {
    read_ledger(name, bytes, options).unwrap_or_else(|e| panic!("{e}"))
}

fn amounts(ledger: &Ledger) -> Vec<i64> {
    ledger.rows.iter().map(|r| r.amount.minor()).collect()
}

fn lines(ledger: &Ledger) -> Vec<u64> {
    ledger.rows.iter().map(|r| r.line).collect()
}

/// The line and column of each error.
fn error_places(ledger: &Ledger) -> Vec<(u64, Option<&str>)> {
    let places = ledger.errors.iter();
    places.map(|e| (e.line, e.column.as_deref())).collect()
}

/// Panics unless one of the ledger's notes holds `text`.
fn assert_noted(ledger: &Ledger, text: &str) {
    let notes = &ledger.notes;
    assert!(notes.iter().any(|n| n.contains(text)), "{text}: {notes:?}");
}

/// `text` read as `x.csv`, which must have no errors.
fn read_clean(text: &str) -> Ledger {
    let ledger = read("x.csv", text);
    no_errors(&ledger);
    ledger
}

fn no_errors(ledger: &Ledger) {
    assert!(ledger.errors.is_empty(), "{:?}", ledger.errors);
}

#[test]
fn every_delimiter_is_sniffed() {
    for d in [",", ";", "\t", "|"] {
        let text = format!(
            "Supplier Name{d}Paid Date{d}Amount\nACME Ltd{d}21/01/2014{d}12.50\nBeta{d}22/01/2014{d}7\n"
        );
        let l = read("spend.csv", &text);
        no_errors(&l);
        assert_eq!(amounts(&l), vec![1_250, 700], "delimiter {d:?}");
        assert_eq!(l.rows[0].supplier_name.as_deref(), Some("ACME Ltd"));
        assert_eq!(l.rows[1].date, Some(date(2014, 1, 22)));
        assert_eq!(l.mapping[&Field::PaymentDate], "Paid Date");
    }
}

#[test]
fn semicolons_win_over_commas_inside_amounts() {
    let l = read(
        "belanja.csv",
        "Nama Penyedia;Tanggal;Nilai\nCV Maju, Jaya;21/11/2023;1.234,50\nPT Abadi;22/11/2023;Rp 2.000.000\n",
    );
    no_errors(&l);
    assert_eq!(amounts(&l), vec![123_450, 200_000_000]);
    assert_eq!(l.rows[0].supplier_name.as_deref(), Some("CV Maju, Jaya"));
    assert_noted(&l, "semicolon");
}

#[test]
fn quoted_fields_with_delimiters_quotes_and_newlines() {
    let text = "Supplier,Description,Amount\n\
                \"Smith, Jones & Co\",\"two\nlines\",\"1,234.50\"\n\
                \"Say \"\"Hi\"\" Ltd\",x,2\n";
    let l = read("spend.csv", text);
    no_errors(&l);
    assert_eq!(amounts(&l), vec![123_450, 200]);
    assert_eq!(
        l.rows[0].supplier_name.as_deref(),
        Some("Smith, Jones & Co")
    );
    assert_eq!(l.rows[0].description.as_deref(), Some("two\nlines"));
    assert_eq!(l.rows[1].supplier_name.as_deref(), Some("Say \"Hi\" Ltd"));
    // The quoted newline moves the next row down a line.
    assert_eq!(lines(&l), vec![2, 4]);
}

#[test]
fn utf8_with_bom_and_windows_1252() {
    let l = read("a.csv", "\u{feff}Supplier Name,Amount\nCafé Ltd,£12.50\n");
    no_errors(&l);
    assert_eq!(l.mapping[&Field::SupplierName], "Supplier Name");
    assert_eq!(l.rows[0].supplier_name.as_deref(), Some("Café Ltd"));
    assert!(l.notes.is_empty(), "{:?}", l.notes);

    let latin: &[u8] = b"Supplier Name,Amount\nCaf\xE9 Ltd,\xA312.50\nM\xFCller \x96 Sons,\x80 3\n";
    let l = read_bytes("b.csv", latin, &ReadOptions::default());
    no_errors(&l);
    assert_eq!(l.rows[0].supplier_name.as_deref(), Some("Café Ltd"));
    assert_eq!(l.rows[1].supplier_name.as_deref(), Some("Müller – Sons"));
    assert_eq!(amounts(&l), vec![1_250, 300]);
    assert!(l.notes.iter().any(|n| n.contains("Windows-1252")));

    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(
            "Supplier\tAmount\r\nCafé\t5\r\n"
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        )
        .collect();
    let l = read_bytes("c.txt", &utf16, &ReadOptions::default());
    no_errors(&l);
    assert_eq!(l.rows[0].supplier_name.as_deref(), Some("Café"));
}

#[test]
fn line_ends_lf_crlf_and_cr_only() {
    for end in ["\n", "\r\n", "\r"] {
        let text = ["Supplier,Amount", "", "A,1", "B,2", "", "C,3"].join(end);
        let l = read("x.csv", &text);
        no_errors(&l);
        assert_eq!(lines(&l), vec![3, 4, 6], "line end {end:?}");
        assert_eq!(amounts(&l), vec![100, 200, 300]);
    }
}

#[test]
fn header_after_title_and_blank_lines_with_interleaved_empty_columns() {
    let text = "Payments over £500\n\
                Oxford City Council, Q1 2014\n\
                \n\
                ,,,\n\
                Supplier Name ,,Paid Date,, AMOUNT ,Notes\n\
                ACME,,21/01/2014,,12.50,hello\n\
                ,,,,,\n\
                Beta,,22/01/2014,,3,\n";
    let l = read("spend.csv", text);
    no_errors(&l);
    assert_eq!(l.header_line, 5);
    assert!(!l.headers.is_empty() && l.headers.iter().all(|h| !h.trim().is_empty()));
    assert_eq!(lines(&l), vec![6, 8]);
    assert_eq!(amounts(&l), vec![1_250, 300]);
    assert_eq!(l.mapping[&Field::Amount], "AMOUNT");
    assert_eq!(l.mapping[&Field::SupplierName], "Supplier Name");
    assert_eq!(l.mapping.len(), 3);
}

#[test]
fn amount_formats_and_negatives_in_a_file() {
    let text = "Supplier,Amount\n\
                A,\"£1,234.50\"\n\
                B,-12.50\n\
                C,12.50-\n\
                D,(12.50)\n\
                E,-£12.50\n\
                F,£-12.50\n\
                G,\"1 234.50\"\n\
                H,GBP 7\n\
                I,1.05\n";
    let l = read_clean(text);
    assert_eq!(
        amounts(&l),
        vec![123_450, -1_250, -1_250, -1_250, -1_250, -1_250, 123_450, 700, 105]
    );
}

#[test]
fn number_format_is_decided_per_column() {
    // Comma decimals somewhere make `1.234` a thousand, whatever the locale.
    let text = "Supplier;Amount;Gross Amount\nA;1.234;9\nB;1.234,50;9\n";
    let l = read_clean(text);
    assert_eq!(amounts(&l), vec![123_400, 123_450]);

    // Three-digit dot groups: rupiah.
    let l = read_clean("Penyedia,Jumlah\nA,Rp 1.234.500\nB,500\n");
    assert_eq!(amounts(&l), vec![123_450_000, 50_000]);

    // `1.05` with nothing else is a decimal point, even for locale id.
    let id = ReadOptions {
        locale: Locale::Id,
        ..ReadOptions::default()
    };
    let l = read_bytes("x.csv", b"Supplier,Amount\nA,1.05\n", &id);
    assert_eq!(amounts(&l), vec![105]);

    // Ambiguous only: the locale decides, and a note says so.
    let text = b"Supplier;Amount\nA;1.234\nB;2.500\n";
    let l = read_bytes("x.csv", text, &id);
    no_errors(&l);
    assert_eq!(amounts(&l), vec![123_400, 250_000]);
    assert_noted(&l, "either way");
    let l = read_bytes("x.csv", text, &ReadOptions::default());
    assert_eq!(amounts(&l), vec![250], "2.500 in en is 2.50");
    assert_eq!(l.errors.len(), 1, "1.234 in en has three decimals");
    assert!(l.errors[0].message.contains("more than two decimals"));

    let l = read("x.csv", "Supplier;Amount\nA;1,234\n");
    assert_eq!(amounts(&l), vec![123_400]);
}

#[test]
fn errors_carry_line_and_column() {
    let text = "Title line\n\
                Supplier,Trans No,Net Amount\n\
                A,1,12.50\n\
                B,2,\n\
                C,3,twelve\n\
                D,4,12.345\n\
                E,5,1.234,50\n\
                ,,\n\
                F,6,5\n";
    let l = read("x.csv", text);
    assert_eq!(amounts(&l), vec![1_250, 500]);
    let lines = [4, 5, 6, 7];
    assert_eq!(error_places(&l), lines.map(|n| (n, Some("Net Amount"))));
    assert!(l.errors[0].message.contains("empty"));
    assert!(l.errors[1].message.contains("\"twelve\""));
    assert!(l.errors[2].message.contains("more than two decimals"));
}

/// Total lines are no payments: skipped, and a grand total checked against
/// the sum of the payments, a mismatch said but not fatal (issue 13).
#[test]
fn total_lines_are_skipped_and_the_grand_total_checked() {
    let text = "Supplier,Paid Date,Amount,Notes\n\
                A,21/01/2014,10,\n\
                Total,,,\n\
                ,,10,Sub-total\n\
                Grand Total,,20,\n\
                ,,,Source: the council\n\
                Total,22/01/2014,,\n\
                Total,23/01/2014,5,\n";
    let l = read("x.csv", text);
    // A supplier called "Total" with a date is a payment all the same.
    assert_eq!(amounts(&l), vec![1_000, 500]);
    assert_eq!(l.rows[1].supplier_name.as_deref(), Some("Total"));
    // A dated row without an amount is an error.
    assert_eq!(error_places(&l), vec![(7, Some("Amount"))]);
    assert_noted(&l, "skipped 2 total lines (not payments): lines 4, 5");
    // 20 stated, 15 read: flagged in the notes, the rows kept.
    let check = l.total_check.clone().unwrap();
    assert_eq!((check.line, check.matches), (5, false));
    assert_eq!((check.stated.minor(), check.sum.minor()), (2_000, 1_500));
    assert_noted(&l, "does NOT match the sum of the 2 payments (15.00)");
    // Rows with neither an amount nor anything naming a payment: skipped.
    assert_noted(
        &l,
        "skipped 2 rows with no amount and no supplier, transaction or date: lines 3, 6",
    );

    // A file with nothing naming a payment: total words give a total line
    // away; an amount with no supplier, date or transaction and no such
    // label is still refused.
    let l = read(
        "x.csv",
        "Description,Amount,Anchor\nRent,10,X\nGrand Total,10,\n",
    );
    no_errors(&l);
    assert_eq!(amounts(&l), vec![1_000]);
    assert!(l.total_check.unwrap().matches);
    let l = read("x.csv", "Supplier,Amount\nA,10\n,10\n");
    assert_eq!(error_places(&l), vec![(3, Some("Amount"))]);
    assert!(l.errors[0].message.contains("total"), "{:?}", l.errors[0]);
}

/// A published report as councils export it: a title block with its
/// parameters above the header, cells padded with non-breaking spaces and
/// daggers, a grand total and footer lines below (issue 13).
#[test]
fn a_report_with_a_title_block_totals_and_footers_reads_as_its_payments() {
    let text = "Spend over \u{a3}500 Report\n\
                Report Date: 03/02/2020,,\n\
                Parameters: Period 10 2019/20; Threshold 500,,\n\
                \u{2020},,\n\
                Name,Payment date,Net Amount(\u{a3})\n\
                Fylde Foods Ltd,\u{a0}14/01/2020\u{a0},\u{a3}600.00\n\
                Ribble Print,15/01/2020,1200.50\n\
                Grand Total\u{2020},,1800.50\n\
                \u{2020} Net of VAT,,\n\
                Produced by the finance system on 03/02/2020,,\n";
    let l = read_clean(text);
    assert_eq!(amounts(&l), vec![60_000, 120_050]);
    assert_eq!(l.rows[0].supplier_name.as_deref(), Some("Fylde Foods Ltd"));
    assert_eq!(l.rows[0].date, Some(date(2020, 1, 14)));
    assert_eq!(l.header_line, 5);
    assert_noted(
        &l,
        "\"Report Date: 03/02/2020\"; \"Parameters: Period 10 2019/20; Threshold 500\"",
    );
    assert!(
        l.total_check.clone().unwrap().matches,
        "{:?}",
        l.total_check
    );
    assert_noted(&l, "skipped 2 footer lines after the payments: lines 9, 10");
    assert!(l
        .notes
        .iter()
        .any(|n| n.indonesian().contains("baris di atas judul kolom")));
}

/// A DOS export: `£` as byte 0x9C, in the header and before amounts.
#[test]
fn a_dos_code_page_file_reads_its_pound_signs() {
    let bytes = b"Supplier Name,Paid Date,Net Amount(\x9C)\nCaf\x82 Ltd,14/01/2020,\x9C12.50\n";
    let l = read_bytes("x.csv", bytes, &ReadOptions::default());
    no_errors(&l);
    assert_eq!(l.mapping[&Field::Amount], "Net Amount(£)");
    assert_eq!(l.rows[0].supplier_name.as_deref(), Some("Café Ltd"));
    assert_eq!(amounts(&l), vec![1_250]);
    assert_noted(&l, "code page 850");
}

/// Pivot-table exports: "Sum of …" headers and a bare Name, no date.
#[test]
fn a_pivot_tables_sum_of_headers_are_read() {
    let l = read_clean("Name,Sum of Invoice Nett Amount\nACME,10\nBeta,5\nGrand Total,15\n");
    assert_eq!(amounts(&l), vec![1_000, 500]);
    assert_eq!(l.mapping[&Field::SupplierName], "Name");
    assert!(l.total_check.unwrap().matches);
}

#[test]
fn a_repeated_header_is_skipped() {
    let text = "Supplier,Amount\nA,1\nSupplier,Amount\nB,2\n";
    let l = read_clean(text);
    assert_eq!(amounts(&l), vec![100, 200]);
    assert_noted(&l, "repeated on line 3");
}

#[test]
fn rows_without_supplier_are_kept_and_flagged() {
    let l = read_clean("Supplier Name,Trans No,Amount\n,T1,-0.01\n");
    assert_eq!(l.rows[0].supplier_name, None);
    assert_eq!(l.rows[0].transaction.as_deref(), Some("T1"));
    assert_eq!(l.rows[0].flags, vec![NO_SUPPLIER_NAME.to_string()]);
    assert_eq!(amounts(&l), vec![-1]);
}

#[test]
fn dates_in_a_file_and_unreadable_ones_flagged() {
    let text = "Supplier,Tanggal Bayar,Nilai\n\
                A,21 Nopember 2023,1\n\
                B,21-Nov-2023,1\n\
                C,2023-11-21T00:00:00,1\n\
                D,00:00:00,1\n\
                E,21.11.2023,1\n\
                F,,1\n";
    let l = read_clean(text);
    let dates: Vec<Option<Date>> = l.rows.iter().map(|r| r.date).collect();
    let d = Some(date(2023, 11, 21));
    assert_eq!(dates, vec![d, d, d, None, d, None]);
    assert_eq!(
        l.rows[3].flags,
        vec!["date unreadable: 00:00:00".to_string()]
    );
    assert!(l.rows[5].flags.is_empty());
}

#[test]
fn month_first_dates_when_the_column_proves_it() {
    let l = read(
        "x.csv",
        "Supplier,Date,Amount\nA,01/21/2014,1\nB,02/03/2014,1\n",
    );
    assert_eq!(l.rows[0].date, Some(date(2014, 1, 21)));
    assert_eq!(l.rows[1].date, Some(date(2014, 2, 3)));
    assert!(l.notes.iter().any(|n| n.contains("month first")));
    let l = read("x.csv", "Supplier,Date,Amount\nA,02/03/2014,1\n");
    assert_eq!(l.rows[0].date, Some(date(2014, 3, 2)));
}

#[test]
fn all_fields_english_and_indonesian() {
    let text = "Satker,Tahun Anggaran,Tanggal,NPWP,Nama Penyedia,Kode Pos,KBLI,UMKM,Jenis Kontrak,Nilai,No Transaksi,Uraian\n\
                Dinas PU,2023,5 Mei 2023,01.234.567.8-901.000,CV Maju,42111,41011,Ya,Pengadaan Langsung,Rp 1.500.000,T-1,Semen\n\
                Dinas PU,TA 2023,6 Mei 2023,,PT Besar,42112,,Besar,,Rp 2.000.000,T-2,\n";
    let l = read("belanja-mei-2023.csv", text);
    no_errors(&l);
    assert_eq!(l.mapping.len(), 12);
    let r = &l.rows[0];
    assert_eq!(r.anchor.as_deref(), Some("Dinas PU"));
    assert_eq!(r.fiscal_year.map(|f| f.start_year()), Some(2023));
    assert_eq!(r.date, Some(date(2023, 5, 5)));
    assert_eq!(r.supplier_id.as_deref(), Some("01.234.567.8-901.000"));
    assert_eq!(r.supplier_name.as_deref(), Some("CV Maju"));
    assert_eq!(r.postcode.as_deref(), Some("42111"));
    assert_eq!(r.sic.as_deref(), Some("41011"));
    assert_eq!(r.sme, Some(true));
    assert_eq!(r.contract_type.as_deref(), Some("Pengadaan Langsung"));
    assert_eq!(r.amount, Money::from_minor(150_000_000));
    assert_eq!(r.transaction.as_deref(), Some("T-1"));
    assert_eq!(r.description.as_deref(), Some("Semen"));
    assert!(r.flags.is_empty());
    let r = &l.rows[1];
    assert_eq!(r.fiscal_year.map(|f| f.start_year()), Some(2023));
    assert_eq!(r.sme, Some(false));
    assert_eq!((r.supplier_id.as_deref(), r.sic.as_deref()), (None, None));
    assert_eq!(l.period_hint, Some(date(2023, 5, 1)));

    let text = "anchor,fiscal_year,payment_date,supplier_id,supplier_name,postcode,sic,sme,contract_type,amount,trans_no,description\n\
                Preston CC,2013/14,2013-04-02,123,Acme,PR1 2HE,41100,maybe,Framework,10,9,Bricks\n";
    let l = read_clean(text);
    assert_eq!(l.mapping.len(), 12);
    assert_eq!(l.rows[0].sme, None);
    assert_eq!(l.rows[0].flags, vec!["SME unreadable: maybe".to_string()]);
    assert_eq!(l.period_hint, None);
}

#[test]
fn mapping_overrides_recognition() {
    let text = "Pemasok,Rupiah,Amount\nA,5,7\n";
    let mut options = ReadOptions::default();
    options.mapping.insert(Field::Amount, "rupiah".into());
    options
        .mapping
        .insert(Field::SupplierName, "PEMASOK".into());
    let l = read_bytes("x.csv", text.as_bytes(), &options);
    no_errors(&l);
    assert_eq!(amounts(&l), vec![500]);
    assert_eq!(l.mapping[&Field::Amount], "Rupiah");
    assert_eq!(l.mapping[&Field::SupplierName], "Pemasok");

    options
        .mapping
        .insert(Field::PaymentDate, "Tgl Bayar".into());
    let e = read_ledger("x.csv", text.as_bytes(), &options).unwrap_err();
    assert_eq!(e.errors.len(), 1);
    assert_eq!(e.errors[0].column.as_deref(), Some("Tgl Bayar"));
    assert!(e.errors[0].message.contains("payment_date"));

    let mut options = ReadOptions::default();
    options.mapping.insert(Field::Amount, " - ".into());
    let e = read_ledger("x.csv", text.as_bytes(), &options).unwrap_err();
    assert!(e.errors[0].message.contains("names no column"), "{e}");

    let mut options = ReadOptions::default();
    options.mapping.insert(Field::Amount, "Harga".into());
    let e = read_ledger("x.csv", text.as_bytes(), &options).unwrap_err();
    assert_eq!(e.errors[0].column.as_deref(), Some("Harga"), "{e}");
}

#[test]
fn files_that_are_not_ledgers_are_rejected() {
    let e = read_ledger("x.csv", b"", &ReadOptions::default()).unwrap_err();
    assert!(e.to_string().contains("empty"));
    let e = read_ledger("x.csv", b"\nname,code\na,b\n", &ReadOptions::default()).unwrap_err();
    assert!(e.to_string().contains("no header row"), "{e}");
    assert!(
        e.to_string().contains("the first line reads: name, code"),
        "{e}"
    );
    assert_eq!(e.errors[0].line, 2);
    assert_eq!(e.file, "x.csv");
    let e = read_ledger("x.csv", b"\x00\x01\x02\x03", &ReadOptions::default()).unwrap_err();
    assert!(e.to_string().contains("not a text"), "{e}");
    let e = read_ledger("x.xlsx", b"PK\x03\x04 broken", &ReadOptions::default()).unwrap_err();
    assert!(e.to_string().contains("workbook"), "{e}");
}

#[test]
fn field_names() {
    for f in Field::ALL {
        assert_eq!(Field::from_name(f.name()), Some(f));
        assert_eq!(
            serde_json::to_string(&f).unwrap(),
            format!("\"{}\"", f.name())
        );
    }
    assert_eq!(Field::from_name("Supplier-Name"), Some(Field::SupplierName));
    assert_eq!(Field::from_name("nope"), None);
    assert_eq!(recognise_header("Nama Penyedia"), Some(Field::SupplierName));
    assert_eq!(recognise_header("Organisational Unit"), None);
}

fn workbook() -> Vec<u8> {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut book = Workbook::new();
    let notes = book.add_worksheet();
    notes.set_name("Notes").unwrap();
    notes.write_string(0, 0, "About this file").unwrap();

    let sheet = book.add_worksheet();
    sheet.set_name("Payments").unwrap();
    let dmy = Format::new().set_num_format("dd/mm/yyyy");
    sheet.write_string(0, 0, "Spend over £500").unwrap();
    for (c, h) in [
        "Supplier Name",
        "",
        "Paid Date",
        "Amount",
        "Supplier ID",
        "SME",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(2, c as u16, *h).unwrap();
    }
    // A date cell, a float amount, a numeric id.
    sheet.write_string(3, 0, "ACME Ltd").unwrap();
    let d = ExcelDateTime::from_ymd(2023, 11, 21).unwrap();
    sheet.write_datetime_with_format(3, 2, &d, &dmy).unwrap();
    sheet.write_number(3, 3, 1234.56).unwrap();
    sheet.write_number(3, 4, 20016580.0).unwrap();
    sheet.write_boolean(3, 5, true).unwrap();
    // A serial date left as a number, a float with binary noise.
    sheet.write_string(4, 0, "Beta").unwrap();
    sheet.write_number(4, 2, 45251.0).unwrap();
    sheet.write_number(4, 3, 0.1 + 0.2).unwrap();
    // Dates and amounts as text.
    sheet.write_string(5, 0, "Gamma").unwrap();
    sheet.write_string(5, 2, "21/11/2023").unwrap();
    sheet.write_string(5, 3, "£1,500.00").unwrap();
    // More than two decimals: rounded, flagged. Negative.
    sheet.write_string(6, 0, "Delta").unwrap();
    sheet.write_number(6, 3, -12.345).unwrap();
    // A blank row, then a row without an amount.
    sheet.write_string(8, 0, "Epsilon").unwrap();
    sheet.write_string(8, 2, "00:00:00").unwrap();
    book.save_to_buffer().unwrap()
}

#[test]
fn xlsx_written_and_read_back() {
    let bytes = workbook();
    // No sheet named: the first sheet has no header, the second is read.
    let l = read_bytes(
        "belanja-nopember-2023.xlsx",
        &bytes,
        &ReadOptions::default(),
    );
    assert_noted(&l, "\"Payments\"");
    assert_eq!(l.header_line, 3);
    assert_eq!(lines(&l), vec![4, 5, 6, 7]);
    assert_eq!(amounts(&l), vec![123_456, 30, 150_000, -1_235]);
    let r = &l.rows[0];
    assert_eq!(r.date, Some(date(2023, 11, 21)));
    assert_eq!(r.supplier_id.as_deref(), Some("20016580"));
    assert_eq!(r.sme, Some(true));
    assert_eq!(l.rows[1].date, Some(date(2023, 11, 21)));
    assert_eq!(l.rows[2].date, Some(date(2023, 11, 21)));
    assert_eq!(l.rows[3].date, None);
    assert!(
        l.rows[3].flags[0].contains("rounded to -12.35"),
        "{:?}",
        l.rows[3].flags
    );
    assert_eq!(l.errors.len(), 1);
    assert_eq!(l.errors[0].line, 9);
    assert_eq!(l.errors[0].column.as_deref(), Some("Amount"));
    assert_eq!(l.period_hint, Some(date(2023, 11, 1)));

    // By name; an unknown name lists the sheets.
    let options = ReadOptions {
        sheet: Some("payments".into()),
        ..ReadOptions::default()
    };
    let l = read_bytes("spend.bin", &bytes, &options);
    assert_eq!(l.rows.len(), 4);
    // Only its title line is noted: no other sheet was tried.
    let codes: Vec<&str> = l.notes.iter().map(Text::code).collect();
    assert_eq!(codes, ["title_lines"], "{:?}", l.notes);
    let options = ReadOptions {
        sheet: Some("Sheet9".into()),
        ..ReadOptions::default()
    };
    let e = read_ledger("spend.xlsx", &bytes, &options).unwrap_err();
    assert!(e.to_string().contains("\"Payments\""), "{e}");
    let options = ReadOptions {
        sheet: Some("Notes".into()),
        ..ReadOptions::default()
    };
    let e = read_ledger("spend.xlsx", &bytes, &options).unwrap_err();
    assert!(e.to_string().contains("no header row"), "{e}");
}

/// `rel` under `shared/` beside the repository (CI always has it). Panics
/// naming the path when it is missing: the test fails rather than passing
/// without having run.
fn shared_dir(rel: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared")
        .join(rel);
    assert!(
        path.exists(),
        "{} is missing: these tests read the shared data beside the repository \
         (check out `shared` next to it, as CI does)",
        path.display()
    );
    path
}

#[test]
fn oxford_city_council_real_files() {
    let dir = shared_dir("data/uk-oxford-spend-over-500/csv");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 17);
    let mut ledgers = BTreeMap::new();
    let mut total_rows = 0;
    let mut bytes_read = 0;
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let bytes = std::fs::read(path).unwrap();
        bytes_read += bytes.len();
        let l =
            read_ledger(&name, &bytes, &ReadOptions::default()).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            l.errors.is_empty(),
            "{name}: {:?}",
            &l.errors[..l.errors.len().min(5)]
        );
        for f in [
            Field::Amount,
            Field::PaymentDate,
            Field::SupplierName,
            Field::SupplierId,
            Field::Transaction,
            Field::Description,
        ] {
            assert!(
                l.mapping.contains_key(&f),
                "{name}: no {f} in {:?}",
                l.mapping
            );
        }
        assert!(l.period_hint.is_some(), "{name}");
        total_rows += l.rows.len();
        ledgers.insert(name, l);
    }
    eprintln!(
        "Oxford: {} files, {total_rows} rows, {} bytes read",
        files.len(),
        bytes_read
    );
    assert_eq!(total_rows, 61_528);
    // Speed is a benchmark's business (bench/), not a test's.
    for (name, l) in &ledgers {
        for note in &l.notes {
            eprintln!("{name}: {note}");
        }
    }

    let l = &ledgers["expenditure-over-500-jan-mar-2014.csv"];
    let r = &l.rows[0];
    assert_eq!(r.line, 2);
    assert_eq!(r.amount, Money::from_minor(50_000));
    assert_eq!(r.supplier_name.as_deref(), Some("NIRA EVENTS"));
    assert_eq!(r.date, Some(date(2014, 1, 21)));
    assert_eq!(r.anchor.as_deref(), Some("Oxford City Council"));
    assert_eq!(r.transaction.as_deref(), Some("46279931_1"));
    assert_eq!(r.supplier_id.as_deref(), Some("20000000_46279931"));
    assert_eq!(r.description.as_deref(), Some("Pitch & Site Rents"));
    assert!(r.flags.is_empty());
    // Trailing spaces go.
    assert_eq!(l.rows[1].supplier_name.as_deref(), Some("CgMs Ltd."));
    assert_eq!(l.rows[1].amount, Money::from_minor(10_056_540));
    // The last line, `,,xxx,,,,,,,`, is skipped, and said so.
    assert_noted(l, "line 3861");
    assert_eq!(l.period_hint, Some(date(2014, 1, 1)));
    assert_eq!(l.mapping[&Field::Amount], "amount");

    // Every date is 00:00:00: no dates, every row flagged.
    let l = &ledgers["expenditure-over-500-apr-jun-2014.csv"];
    assert!(l
        .rows
        .iter()
        .all(|r| r.date.is_none() && r.flags.contains(&"date unreadable: 00:00:00".to_string())));
    assert_eq!(l.rows[0].amount, Money::from_minor(150_000));
    assert_eq!(
        l.rows[0].supplier_name.as_deref(),
        Some("OXFORD ROUND TABLE CHARITABLE TRUST")
    );
    assert_eq!(l.period_hint, Some(date(2014, 4, 1)));

    // No body name column; a row without supplier.
    let l = &ledgers["expenditure-over-500-apr-jun-2017.csv"];
    assert!(!l.mapping.contains_key(&Field::Anchor));
    let r = &l.rows[0];
    assert_eq!(r.amount, Money::from_minor(-1));
    assert_eq!(r.anchor, None);
    assert_eq!(r.supplier_name, None);
    assert_eq!(r.flags, vec![NO_SUPPLIER_NAME.to_string()]);
    assert_eq!(r.date, Some(date(2017, 5, 3)));
    assert_eq!(r.transaction.as_deref(), Some("1036863 - 4"));
    assert_eq!(r.description.as_deref(), Some("Difference A/c"));

    // "Client" is the anchor, and the category is misspelt.
    let l = &ledgers["expenditure-over-500-jan-mar-2018.csv"];
    assert_eq!(l.mapping[&Field::Anchor], "Client");
    assert_eq!(l.mapping[&Field::Description], "Expenditure Catergory");
    assert_eq!(l.rows[0].anchor.as_deref(), Some("OCC"));

    // No category at all: the expenditure code describes.
    let l = &ledgers["expenditure-over-500-jul-sep-2017.csv"];
    assert_eq!(l.mapping[&Field::Description], "Expenditure Code");
    assert_eq!(l.rows[0].description.as_deref(), Some("Z110205"));
    assert_eq!(l.rows[0].amount, Money::from_minor(19_835));

    // "Organisation" and "Expenditure Unit"; LF line ends.
    let l = &ledgers["expenditure-over-500-jan-mar-2015.csv"];
    assert_eq!(l.mapping[&Field::Anchor], "Organisation");
    assert_eq!(l.mapping[&Field::Description], "Expenditure Unit");
    assert_eq!(l.rows[0].supplier_name.as_deref(), Some("MR Y ALI"));
    assert_eq!(l.rows[0].amount, Money::from_minor(106_860));

    // A quoted supplier name with a comma; a header with a trailing space.
    let l = &ledgers["expenditure-over-500-oct-dec-2015.csv"];
    assert_eq!(
        l.rows[1].supplier_name.as_deref(),
        Some("Redacted, personal data")
    );
    assert_eq!(l.rows[1].line, 3);
    let l = &ledgers["expenditure-over-500-jul-sep-2014.csv"];
    assert_eq!(l.mapping[&Field::SupplierName], "Supplier Name");

    // Every row of the data sums to the same as a plain reading would.
    let sum = ledgers
        .values()
        .flat_map(|l| l.rows.iter().map(|r| r.amount))
        .try_fold(Money::ZERO, Money::checked_add)
        .expect("the sample ledgers fit");
    assert!(sum > Money::ZERO);
}

/// A payment row above the reader's limit is the row's error, named by
/// line and column; the limit itself is a payment.
#[test]
fn amounts_above_the_largest_payment_are_row_errors() {
    let text = "Date,Supplier,Amount\n\
                01/04/2024,Acme,1000000000.00\n\
                02/04/2024,Acme,1000000000.01\n\
                03/04/2024,Acme,-92233720368547758.07\n\
                04/04/2024,Acme,\"92,233,720,368,547,758.07\"\n";
    let ledger = read("pay.csv", text);
    assert_eq!(amounts(&ledger), vec![100_000_000_000]);
    let lines = [3, 4, 5];
    assert_eq!(error_places(&ledger), lines.map(|n| (n, Some("Amount"))));
    assert!(
        ledger.errors[0].message.contains("1000000000.00"),
        "{:?}",
        ledger.errors
    );
}

/// The attack of issue 10: cells at A1 and XFD1048576 make a 549 GB
/// dense range of a file of a few kilobytes.
fn corner_to_corner_workbook() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Payments").unwrap();
    sheet.write_string(0, 0, "Amount").unwrap();
    sheet.write_string(0, 1, "Supplier Name").unwrap();
    sheet.write_number(1, 0, 10.0).unwrap();
    sheet.write_string(1, 1, "ACME").unwrap();
    sheet.write_number(1_048_575, 16_383, 1.0).unwrap();
    book.save_to_buffer().unwrap()
}

#[test]
fn a_sheet_spanning_a1_to_xfd1048576_is_refused_before_it_is_allocated() {
    let bytes = corner_to_corner_workbook();
    assert!(bytes.len() < 8 * 1024, "{} bytes", bytes.len());
    let e = read_ledger("bomb.xlsx", &bytes, &ReadOptions::default()).unwrap_err();
    assert_eq!(e.file, "bomb.xlsx");
    let msg = e.to_string();
    for part in [
        "sheet \"Payments\" is too large",
        "A1:XFD1048576",
        "1,048,576 rows by 16,384 columns",
        "20,000,000 cells",
    ] {
        assert!(msg.contains(part), "{part}: {msg}");
    }
}

#[test]
fn a_stray_cell_far_right_costs_only_its_row() {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["Supplier Name", "Amount"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for r in 1..=3 {
        sheet.write_string(r, 0, "ACME").unwrap();
        sheet.write_number(r, 1, 5.0).unwrap();
    }
    sheet.write_string(2, 16_383, "note").unwrap();
    let l = read_bytes(
        "s.xlsx",
        &book.save_to_buffer().unwrap(),
        &ReadOptions::default(),
    );
    assert_eq!(amounts(&l), vec![500, 500, 500]);
    assert_eq!(lines(&l), vec![2, 3, 4]);
}

#[test]
fn workbooks_read_whole_on_opening_are_refused_by_name() {
    let ole = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0];
    let e = read_ledger("old.xls", &ole, &ReadOptions::default()).unwrap_err();
    assert!(e.to_string().contains("(.xls), which is not read"), "{e}");
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file("content.xml", zip::write::SimpleFileOptions::default())
        .unwrap();
    std::io::Write::write_all(&mut zip, b"<office:document-content/>").unwrap();
    let ods = zip.finish().unwrap().into_inner();
    let e = read_ledger("s.ods", &ods, &ReadOptions::default()).unwrap_err();
    assert!(e.to_string().contains("(.ods), which is not read"), "{e}");
}

#[test]
fn a_row_of_more_fields_than_a_spreadsheet_has_columns_is_refused() {
    let text = format!("Supplier,Amount\nACME,1\n{}\n", ",".repeat(20_000));
    let e = read_ledger("wide.csv", text.as_bytes(), &ReadOptions::default()).unwrap_err();
    assert_eq!(e.errors[0].line, 3);
    assert!(
        e.to_string()
            .contains("20,001 fields, more than the 16,384"),
        "{e}"
    );
}
