//! Column headers: recognising a header cell as a [`Field`], finding the
//! header row among the first rows of a file, and applying a mapping.
//!
//! Headers are compared in a compact form: lower-case letters and digits
//! only, so `Supplier Name `, `supplier_name` and `SUPPLIER-NAME` are the
//! same header. Each field has a list of spellings in ranks: when two
//! columns could be the same field, the lower rank wins, and between equal
//! ranks the leftmost column.

use super::Field;
use lumbung_domain::Text;
use std::collections::BTreeMap;

/// Lower-case letters and digits only: `"Supplier Name "` → `"suppliername"`.
pub(crate) fn compact(s: &str) -> String {
    if s.is_ascii() {
        let mut out = String::with_capacity(s.len());
        for b in s.bytes() {
            if b.is_ascii_alphanumeric() {
                out.push(b.to_ascii_lowercase() as char);
            }
        }
        return out;
    }
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The spellings of each field, compact, in ranks (0 is best).
const NAMES: &[(Field, u8, &[&str])] = &[
    (
        Field::Anchor,
        0,
        &[
            "anchor",
            "anchorinstitution",
            "bodyname",
            "body",
            "organisation",
            "organization",
            "organisationname",
            "organizationname",
            "client",
            "buyer",
            "buyername",
            "publicbody",
            "namainstansi",
            "instansi",
            "satker",
            "namasatker",
            "satuankerja",
            "opd",
            "namaopd",
            "skpd",
            "namaskpd",
        ],
    ),
    (
        Field::FiscalYear,
        0,
        &["fiscalyear", "financialyear", "tahunanggaran", "fy", "ta"],
    ),
    (Field::FiscalYear, 1, &["year", "tahun"]),
    (
        Field::PaymentDate,
        0,
        &[
            "paymentdate",
            "paiddate",
            "datepaid",
            "dateofpayment",
            "transactiondate",
            "tanggalbayar",
            "tanggalpembayaran",
            "tglbayar",
            "tanggalsp2d",
            "tglsp2d",
        ],
    ),
    (
        Field::PaymentDate,
        1,
        &["date", "tanggal", "tgl", "postingdate", "effectivedate"],
    ),
    (Field::PaymentDate, 2, &["invoicedate", "tanggalinvoice"]),
    (
        Field::SupplierId,
        0,
        &[
            "supplierid",
            "suppliernumber",
            "supplierno",
            "suppliercode",
            "supplierref",
            "vendorid",
            "vendornumber",
            "vendorno",
            "vendorcode",
            "payeeid",
            "npwp",
            "npwppenyedia",
            "npwprekanan",
            "companynumber",
            "companyno",
            "companieshousenumber",
            "crn",
            "idpenyedia",
            "kodepenyedia",
            "idrekanan",
            "koderekanan",
        ],
    ),
    (
        Field::SupplierName,
        0,
        &[
            "suppliername",
            "vendorname",
            "payeename",
            "beneficiaryname",
            "merchantname",
            "namapenyedia",
            "namarekanan",
            "namasupplier",
            "namavendor",
            "namapenerima",
        ],
    ),
    (
        Field::SupplierName,
        1,
        &[
            "supplier",
            "vendor",
            "payee",
            "beneficiary",
            "merchant",
            "penyedia",
            "rekanan",
            "penerima",
        ],
    ),
    // A bare "Name" beside a date and an amount: the payee, when no other
    // column names the supplier.
    (Field::SupplierName, 2, &["name", "nama"]),
    (
        Field::Postcode,
        0,
        &[
            "postcode",
            "postalcode",
            "supplierpostcode",
            "vendorpostcode",
            "zip",
            "zipcode",
            "kodepos",
            "kodewilayah",
        ],
    ),
    (
        Field::Sic,
        0,
        &[
            "sic",
            "siccode",
            "sic2007",
            "siccodes",
            "kbli",
            "kodekbli",
            "sector",
            "sektor",
            "industry",
            "industrycode",
        ],
    ),
    (
        Field::Sme,
        0,
        &[
            "sme",
            "smeflag",
            "smestatus",
            "issme",
            "umkm",
            "size",
            "suppliersize",
            "vendorsize",
            "skalausaha",
            "ukuranusaha",
        ],
    ),
    (
        Field::ContractType,
        0,
        &[
            "contracttype",
            "typeofcontract",
            "procurementtype",
            "jeniskontrak",
            "jenispengadaan",
        ],
    ),
    (
        Field::Amount,
        0,
        &[
            "netamount",
            "nettamount",
            "net",
            "nett",
            "invoicenetamount",
            "invoicenettamount",
            "amountnet",
            "netvalue",
            "amountexvat",
            "amountexclvat",
            "amountexcludingvat",
        ],
    ),
    (
        Field::Amount,
        1,
        &[
            "amount",
            "value",
            "nilai",
            "jumlah",
            "total",
            "totalamount",
            "totalvalue",
            "paymentamount",
            "amountpaid",
            "grossamount",
            "grossvalue",
            "amountincvat",
            "amountinclvat",
            "nilaipembayaran",
            "jumlahpembayaran",
            "totalpembayaran",
            "nilaikontrak",
            "nominal",
        ],
    ),
    (
        Field::Transaction,
        0,
        &[
            "transno",
            "transactionno",
            "transactionnumber",
            "transactionid",
            "transactionref",
            "transactionreference",
            "notransaksi",
            "nomortransaksi",
            "nosp2d",
            "nomorsp2d",
            "nospm",
            "nomorspm",
        ],
    ),
    (
        Field::Transaction,
        1,
        &[
            "invoicenumber",
            "invoiceno",
            "invoiceref",
            "noinvoice",
            "nofaktur",
            "nomorfaktur",
            "paymentreference",
            "paymentref",
            "paymentid",
            "paymentnumber",
            "voucherno",
            "vouchernumber",
            "documentnumber",
            "documentno",
        ],
    ),
    (Field::Transaction, 2, &["reference", "ref", "refno"]),
    (
        Field::Description,
        0,
        &[
            "description",
            "expenditurecategory",
            // A real file spells it so.
            "expenditurecatergory",
            "expensecategory",
            "expensetype",
            "expendituretype",
            "spendcategory",
            "category",
            "purpose",
            "purposeofexpenditure",
            "accountdescription",
            "narrative",
            "details",
            "uraian",
            "uraianbelanja",
            "uraianpekerjaan",
            "keterangan",
            "namapaket",
            "namapekerjaan",
        ],
    ),
    // Oxford's January–March 2015 file names its category column so.
    (Field::Description, 1, &["expenditureunit"]),
    // The last resort: a code for what was bought is better than nothing
    // (Oxford's July–September 2017 file has only this).
    (
        Field::Description,
        2,
        &[
            "expenditurecode",
            "expensecode",
            "accountcode",
            "kodeakun",
            "kodebelanja",
            "koderekening",
        ],
    ),
];

/// Currency words a header may end with: `Amount GBP`, `Nilai (Rp)`.
const CURRENCY_SUFFIXES: &[&str] = &["gbp", "idr", "rupiah", "rp", "eur", "usd"];

/// The field a header names, and the rank of that spelling (0 is best).
/// Annotations are set aside: a unit or currency in brackets (`Net
/// Amount(£)`, `Nilai (Rp)`, even `Net Amount(œ)` from a file read in the
/// wrong code page), a currency word at the end (`Amount GBP`), and a
/// pivot table's `Sum of` (`Sum of Invoice Nett Amount`).
pub(crate) fn recognise(header: &str) -> Option<(Field, u8)> {
    let plain = compact(header);
    let bare = compact(without_brackets(header));
    [plain, bare].iter().find_map(|c| {
        let c = c.strip_prefix("sumof").unwrap_or(c);
        if c.is_empty() {
            return None;
        }
        lookup(c).or_else(|| {
            CURRENCY_SUFFIXES.iter().find_map(|suffix| {
                c.strip_suffix(suffix)
                    .map(|rest| rest.strip_suffix("in").unwrap_or(rest))
                    .filter(|rest| !rest.is_empty())
                    .and_then(lookup)
            })
        })
    })
}

fn lookup(c: &str) -> Option<(Field, u8)> {
    NAMES
        .iter()
        .find(|(_, _, names)| names.contains(&c))
        .map(|(f, rank, _)| (*f, *rank))
}

/// The header before a bracketed annotation at its end: `Net Amount (£)`
/// → `Net Amount `.
fn without_brackets(header: &str) -> &str {
    let h = header.trim_end();
    match h.chars().last() {
        Some(')') => h.rfind('(').map_or(h, |at| &h[..at]),
        Some(']') => h.rfind('[').map_or(h, |at| &h[..at]),
        _ => h,
    }
}

/// A header row found: which column holds each field.
#[derive(Debug, Clone)]
pub(crate) struct HeaderMatch {
    /// Index of the header row among the rows given.
    pub row: usize,
    /// Field → column index.
    pub columns: BTreeMap<Field, usize>,
    /// Decisions a person should know about (several amount columns, …).
    pub notes: Vec<Text>,
}

impl HeaderMatch {
    /// How many fields were found: used to choose between delimiters.
    pub fn score(&self) -> usize {
        self.columns.len()
    }
}

/// Why no header row was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum HeaderProblem {
    /// No row with an amount column and another recognised column.
    NotFound,
    /// A header row was found but these mapped headers (field, header) are
    /// not in it (`row` None: no header row was found at all, and these
    /// mapped headers are in none of the rows searched).
    MappedMissing {
        row: Option<usize>,
        missing: Vec<(Field, String)>,
    },
}

/// How many rows at the top of a file may come before the header.
pub(crate) const HEADER_SEARCH_ROWS: usize = 30;

/// Finds the header row: the first of `rows` (at most the first
/// [`HEADER_SEARCH_ROWS`]) that has an amount column (mapped or
/// recognised) and at least one other field.
pub(crate) fn find_header(
    rows: &[Vec<String>],
    mapping: &BTreeMap<Field, String>,
) -> Result<HeaderMatch, HeaderProblem> {
    let mapped: Vec<(Field, String)> = mapping.iter().map(|(f, h)| (*f, compact(h))).collect();
    let mut seen = vec![false; mapped.len()];
    for (index, cells) in rows.iter().take(HEADER_SEARCH_ROWS).enumerate() {
        let compacts: Vec<String> = cells.iter().map(|c| compact(c)).collect();
        let mut columns = BTreeMap::new();
        let mut missing = Vec::new();
        for (field, want) in &mapped {
            match compacts.iter().position(|c| c == want) {
                Some(col) => {
                    columns.insert(*field, col);
                }
                None => missing.push((*field, mapping[field].clone())),
            }
        }
        for (i, (_, want)) in mapped.iter().enumerate() {
            seen[i] |= compacts.contains(want);
        }
        let taken: Vec<usize> = columns.values().copied().collect();
        let mut notes = Vec::new();
        // Recognition for the fields the mapping leaves open.
        let mut best: BTreeMap<Field, (u8, usize)> = BTreeMap::new();
        let mut amounts: Vec<(u8, usize)> = Vec::new();
        for (col, cell) in cells.iter().enumerate() {
            if taken.contains(&col) {
                continue;
            }
            let Some((field, rank)) = recognise(cell) else {
                continue;
            };
            if mapping.contains_key(&field) {
                continue;
            }
            if field == Field::Amount {
                amounts.push((rank, col));
            }
            match best.get(&field) {
                Some((r, _)) if *r <= rank => {}
                _ => {
                    best.insert(field, (rank, col));
                }
            }
        }
        for (field, (_, col)) in &best {
            columns.insert(*field, *col);
        }
        if amounts.len() > 1 {
            let chosen = columns[&Field::Amount];
            let names: Vec<String> = amounts
                .iter()
                .map(|(_, c)| format!("{:?}", cells[*c].trim()))
                .collect();
            let (id_why, why) = if amounts.iter().any(|(rank, _)| *rank == 0) {
                ("jumlah bersih", "the net amount")
            } else {
                ("yang pertama", "the first")
            };
            let (names, used) = (names.join(", "), format!("{:?}", cells[chosen].trim()));
            notes.push(Text::new(
                "several_amounts",
                vec![("columns", names.clone()), ("used", used.clone())],
                format!("beberapa kolom jumlah ({names}): dipakai {used}, {id_why}; petakan amount untuk memilih yang lain"),
                format!("several amount columns ({names}): used {used}, {why}; map amount to choose another"),
            ));
        }
        let has_amount = columns.contains_key(&Field::Amount);
        if has_amount && columns.len() >= 2 {
            if !missing.is_empty() {
                return Err(HeaderProblem::MappedMissing {
                    row: Some(index),
                    missing,
                });
            }
            return Ok(HeaderMatch {
                row: index,
                columns,
                notes,
            });
        }
    }
    let missing: Vec<(Field, String)> = mapped
        .iter()
        .zip(&seen)
        .filter(|(_, seen)| !**seen)
        .map(|((field, _), _)| (*field, mapping[field].clone()))
        .collect();
    if missing.is_empty() {
        Err(HeaderProblem::NotFound)
    } else {
        Err(HeaderProblem::MappedMissing { row: None, missing })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn spellings_are_unique_across_fields() {
        let mut seen = std::collections::BTreeSet::new();
        for (_, _, names) in NAMES {
            for n in *names {
                assert_eq!(compact(n), *n, "{n} is not compact");
                assert!(seen.insert(*n), "{n} is listed twice");
            }
        }
    }

    #[test]
    fn recognises_english_indonesian_and_snake_case() {
        let cases: &[(&str, Field)] = &[
            ("Body Name", Field::Anchor),
            ("body_name", Field::Anchor),
            ("Organisation", Field::Anchor),
            ("Client", Field::Anchor),
            ("Nama Instansi", Field::Anchor),
            ("Satker", Field::Anchor),
            ("fiscal_year", Field::FiscalYear),
            ("Financial Year", Field::FiscalYear),
            ("Tahun Anggaran", Field::FiscalYear),
            ("Paid Date", Field::PaymentDate),
            ("Tanggal Bayar", Field::PaymentDate),
            ("Date", Field::PaymentDate),
            ("Vendor ID", Field::SupplierId),
            ("NPWP", Field::SupplierId),
            ("Company Number", Field::SupplierId),
            ("Supplier Name ", Field::SupplierName),
            ("Payee", Field::SupplierName),
            ("Nama Rekanan", Field::SupplierName),
            ("Penyedia", Field::SupplierName),
            ("Post Code", Field::Postcode),
            ("Kode Pos", Field::Postcode),
            ("Kode Wilayah", Field::Postcode),
            ("SIC Code", Field::Sic),
            ("KBLI", Field::Sic),
            ("Sektor", Field::Sic),
            ("UMKM", Field::Sme),
            ("Size", Field::Sme),
            ("Jenis Kontrak", Field::ContractType),
            ("contract_type", Field::ContractType),
            ("Net Amount", Field::Amount),
            ("Nilai", Field::Amount),
            ("Jumlah (Rp)", Field::Amount),
            ("Amount £", Field::Amount),
            ("Amount GBP", Field::Amount),
            ("Total", Field::Amount),
            ("Trans No", Field::Transaction),
            ("Invoice Number", Field::Transaction),
            ("No Transaksi", Field::Transaction),
            ("Expenditure Category", Field::Description),
            ("Expenditure Catergory", Field::Description),
            ("Uraian", Field::Description),
            ("Keterangan", Field::Description),
        ];
        for (header, field) in cases {
            assert_eq!(recognise(header).map(|r| r.0), Some(*field), "{header}");
        }
        for header in [
            "Organisational Unit",
            "Service Area",
            "Type",
            "caporrev",
            "Type of Expenditure",
            "",
        ] {
            assert_eq!(recognise(header), None, "{header}");
        }
    }

    /// Real councils' headers carry units, currencies and pivot tables'
    /// words; the annotation is set aside (issue 13).
    #[test]
    fn headers_with_units_currencies_and_pivot_words() {
        for header in [
            "Net Amount(£)",
            "Net Amount(œ)",
            "Amount (GBP)",
            "Nilai (Rp)",
            "Value £",
            "Amount in GBP",
            "Nett",
            "Sum of Invoice Nett Amount",
            "Sum of Amount",
            "Net Amount [excl. VAT]",
        ] {
            assert_eq!(
                recognise(header).map(|r| r.0),
                Some(Field::Amount),
                "{header}"
            );
        }
        assert_eq!(
            recognise("Sum of Supplier Name").map(|r| r.0),
            Some(Field::SupplierName)
        );
        // Brackets that are the whole header name nothing.
        assert_eq!(recognise("(£)"), None);
    }

    /// A bare `Name` is the supplier beside a date and an amount, and only
    /// when no other column names the supplier.
    #[test]
    fn a_bare_name_is_the_supplier_only_when_nothing_else_is() {
        let m = find_header(
            &[row(&["Payment date", "Name", "Amount"])],
            &BTreeMap::new(),
        )
        .unwrap();
        assert_eq!(m.columns[&Field::SupplierName], 1);
        let m = find_header(
            &[row(&["Name", "Supplier Name", "Amount"])],
            &BTreeMap::new(),
        )
        .unwrap();
        assert_eq!(m.columns[&Field::SupplierName], 1);
    }

    #[test]
    fn header_after_title_lines_and_blank_rows() {
        let rows = vec![
            row(&["Spend over £500, Q1"]),
            row(&[]),
            row(&["", "", ""]),
            row(&["Supplier", "", "Amount", "Notes"]),
            row(&["ACME", "", "12.50", "x"]),
        ];
        let m = find_header(&rows, &BTreeMap::new()).unwrap();
        assert_eq!(m.row, 3);
        assert_eq!(m.columns[&Field::Amount], 2);
        assert_eq!(m.columns[&Field::SupplierName], 0);
        assert_eq!(m.columns.len(), 2);
    }

    #[test]
    fn an_amount_alone_is_not_a_header() {
        let rows = vec![row(&["Total", "Amount"]), row(&["Supplier", "Amount"])];
        // "Total" and "Amount" are both amount columns: that is one field.
        assert_eq!(find_header(&rows, &BTreeMap::new()).unwrap().row, 1);
    }

    #[test]
    fn prefers_net_amount_then_the_first_with_a_note() {
        let rows = vec![row(&["Supplier", "Gross Amount", "Net Amount", "VAT"])];
        let m = find_header(&rows, &BTreeMap::new()).unwrap();
        assert_eq!(m.columns[&Field::Amount], 2);
        assert!(
            m.notes[0].english().contains("\"Net Amount\""),
            "{:?}",
            m.notes
        );

        let rows = vec![row(&["Supplier", "Value", "Amount"])];
        let m = find_header(&rows, &BTreeMap::new()).unwrap();
        assert_eq!(m.columns[&Field::Amount], 1);
        assert!(m.notes[0].english().contains("the first"), "{:?}", m.notes);
    }

    #[test]
    fn better_spelling_wins() {
        let rows = vec![row(&[
            "Supplier",
            "Supplier Name",
            "Date",
            "Paid Date",
            "Amount",
        ])];
        let m = find_header(&rows, &BTreeMap::new()).unwrap();
        assert_eq!(m.columns[&Field::SupplierName], 1);
        assert_eq!(m.columns[&Field::PaymentDate], 3);
    }

    #[test]
    fn mapping_overrides_and_missing_mapped_headers_are_named() {
        let rows = vec![row(&["Pemasok", "Rupiah", "Amount", "Tgl"])];
        let mut mapping = BTreeMap::new();
        mapping.insert(Field::SupplierName, "pemasok".to_string());
        mapping.insert(Field::Amount, "Rupiah".to_string());
        let m = find_header(&rows, &mapping).unwrap();
        assert_eq!(m.columns[&Field::SupplierName], 0);
        assert_eq!(m.columns[&Field::Amount], 1);
        assert_eq!(m.columns[&Field::PaymentDate], 3);
        assert!(m.notes.is_empty());

        mapping.insert(Field::Description, "Uraian Belanja".to_string());
        match find_header(&rows, &mapping) {
            Err(HeaderProblem::MappedMissing { row, missing }) => {
                assert_eq!(row, Some(0));
                assert_eq!(
                    missing,
                    vec![(Field::Description, "Uraian Belanja".to_string())]
                );
            }
            other => panic!("{other:?}"),
        }

        let mut mapping = BTreeMap::new();
        mapping.insert(Field::Amount, "Harga".to_string());
        assert_eq!(
            find_header(&rows, &mapping).unwrap_err(),
            HeaderProblem::MappedMissing {
                row: None,
                missing: vec![(Field::Amount, "Harga".to_string())]
            }
        );
    }
}
