//! Registers that say where a supplier is when its payments do not: the
//! Companies House "Free Company Data Product" and an anchor's own vendor
//! master. Reading them (streamed, row by row) and the matching rule live
//! here; the store keeps what they say and what an analyst decided.

use crate::suppliers::normalise_name;
use lumbung_domain::{text, PostalCode, Text};
use std::collections::{BTreeSet, HashMap};
use std::io::Read;

/// Which register a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegisterKind {
    CompaniesHouse,
    Vendors,
}

impl RegisterKind {
    pub fn name(self) -> &'static str {
        match self {
            RegisterKind::CompaniesHouse => "companies-house",
            RegisterKind::Vendors => "vendors",
        }
    }
}

/// A company as the public register lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Company {
    pub number: String,
    pub name: String,
    pub postcode: Option<String>,
    pub status: String,
    /// The first SIC code given (`62020`), if any.
    pub sic: Option<String>,
}

impl Company {
    /// Only active companies match by name ("Active", "Active - Proposal
    /// to Strike off"); a dissolved one never matches at all.
    pub fn is_active(&self) -> bool {
        is_active(&self.status)
    }
}

pub fn is_active(status: &str) -> bool {
    status.trim().to_ascii_lowercase().starts_with("active")
}

pub fn is_dissolved(status: &str) -> bool {
    status.to_ascii_lowercase().contains("dissolved")
}

/// One line of an anchor's vendor master.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vendor {
    /// The anchor's own supplier number, as its payment files give it.
    pub supplier_id: String,
    pub name: String,
    pub postcode: Option<String>,
    pub company_number: Option<String>,
    pub sic: Option<String>,
    pub sme: Option<bool>,
}

/// A company number as Companies House writes it: eight characters, a
/// number shorter than that padded with zeros (`1234567` → `01234567`).
pub fn company_number(raw: &str) -> Option<String> {
    let mut n: String = raw.trim().chars().filter(|c| !c.is_whitespace()).collect();
    n.make_ascii_uppercase();
    // ASCII only: the split below is by bytes (`€1` split inside its euro
    // sign, and the request panicked).
    if n.is_empty() || n.len() > 8 || !n.is_ascii() {
        return None;
    }
    if n.chars().all(|c| c.is_ascii_digit()) {
        return Some(format!("{n:0>8}"));
    }
    // Scotland's SC123456, Northern Ireland's NI…, LLPs' OC…: two letters
    // and six digits.
    let (prefix, digits) = n.split_at(2.min(n.len()));
    (n.len() == 8
        && prefix.chars().all(|c| c.is_ascii_alphabetic())
        && digits.chars().all(|c| c.is_ascii_digit()))
    .then_some(n)
}

/// Whether a payment file's supplier-number column holds company numbers
/// (`Company Number`, `Companies House No`, `CRN`), not the anchor's own
/// vendor numbers.
pub fn is_company_number_header(header: &str) -> bool {
    let key: String = header
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    [
        "companynumber",
        "companyno",
        "companieshousenumber",
        "companieshouseno",
        "crn",
        "companyregistrationnumber",
        "companyregno",
        "companyregistrationno",
    ]
    .contains(&key.as_str())
}

/// The code of a SIC cell (`62020 - Information technology consultancy
/// activities` → `62020`); "None Supplied" and empty cells have none.
pub fn sic_code(cell: &str) -> Option<String> {
    let code: String = cell
        .trim()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    (code.len() >= 4).then_some(code)
}

fn postcode(cell: &str) -> Option<String> {
    PostalCode::parse(cell.trim())
        .ok()
        .map(|p| p.as_str().to_owned())
}

/// A register file refused: which file, line and column, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {message}")]
pub struct RegisterError {
    pub file: String,
    pub message: Text,
}

/// The rows of a register file, one at a time, so that a file of millions
/// of companies never sits in memory whole.
pub struct RegisterRows<R: Read> {
    file: String,
    reader: csv::Reader<R>,
    record: csv::ByteRecord,
    columns: Columns,
}

enum Columns {
    Companies {
        number: usize,
        name: usize,
        postcode: usize,
        status: usize,
        sic: Vec<usize>,
    },
    Vendors {
        supplier_id: usize,
        name: usize,
        postcode: Option<usize>,
        company_number: Option<usize>,
        sic: Option<usize>,
        sme: Option<usize>,
    },
}

/// A row of either register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegisterRow {
    Company(Company),
    Vendor(Vendor),
}

/// A header as compared: spaces (the product's `" CompanyNumber"`),
/// dots, underscores and case ignored.
fn header_key(h: &str) -> String {
    h.trim_start_matches('\u{feff}')
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase()
}

impl<R: Read> RegisterRows<R> {
    /// Reads the header of `input` and checks it has the columns `kind`
    /// needs, naming any that is missing.
    pub fn open(kind: RegisterKind, file: &str, input: R) -> Result<Self, RegisterError> {
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(true)
            .from_reader(input);
        let refused = |message: Text| RegisterError {
            file: file.to_owned(),
            message,
        };
        let headers = reader.byte_headers().map_err(|e| {
            refused(text!("register_unreadable", error = e;
                id: "berkas tidak terbaca: {error}",
                en: "the file cannot be read: {error}"))
        })?;
        let keys: Vec<String> = headers
            .iter()
            .map(|h| header_key(&String::from_utf8_lossy(h)))
            .collect();
        let find = |name: &str| keys.iter().position(|k| k == &header_key(name));
        let need = |name: &str| {
            find(name).ok_or_else(|| {
                refused(text!("register_missing_column", column = name;
                    id: "tidak ada kolom “{column}” pada baris judul",
                    en: "no column “{column}” in the header"))
            })
        };
        let columns = match kind {
            RegisterKind::CompaniesHouse => Columns::Companies {
                number: need("CompanyNumber")?,
                name: need("CompanyName")?,
                postcode: need("RegAddress.PostCode")?,
                status: need("CompanyStatus")?,
                sic: (1..=4)
                    .filter_map(|i| find(&format!("SICCode.SicText_{i}")))
                    .collect(),
            },
            RegisterKind::Vendors => Columns::Vendors {
                supplier_id: need("supplier_id")?,
                name: need("name")?,
                postcode: find("postcode"),
                company_number: find("company_number"),
                sic: find("sic"),
                sme: find("sme"),
            },
        };
        Ok(RegisterRows {
            file: file.to_owned(),
            reader,
            record: csv::ByteRecord::new(),
            columns,
        })
    }

    /// The line the last row read ends on (1 is the header).
    pub fn line(&self) -> u64 {
        self.record.position().map_or(0, |p| p.line())
    }

    fn cell(&self, i: usize) -> String {
        let raw = self.record.get(i).unwrap_or_default();
        match std::str::from_utf8(raw) {
            Ok(s) => s.trim().to_owned(),
            Err(_) => String::from_utf8_lossy(raw).trim().to_owned(),
        }
    }

    fn refused(&self, column: &str, message: Text) -> RegisterError {
        let line = self.line();
        RegisterError {
            file: self.file.clone(),
            message: message.prefixed(
                &format!("baris {line}, kolom “{column}”: "),
                &format!("line {line}, column “{column}”: "),
            ),
        }
    }

    /// The next row, `None` at the end; a row without a company number or
    /// name (or supplier number) refuses the file, naming line and column.
    pub fn next_row(&mut self) -> Result<Option<RegisterRow>, RegisterError> {
        loop {
            match self.reader.read_byte_record(&mut self.record) {
                Ok(false) => return Ok(None),
                Ok(true) => {}
                Err(e) => {
                    let line = self.line();
                    return Err(RegisterError {
                        file: self.file.clone(),
                        message: text!("register_bad_line", line = line, error = e;
                            id: "baris {line} tidak terbaca: {error}",
                            en: "line {line} cannot be read: {error}"),
                    });
                }
            }
            if self
                .record
                .iter()
                .all(|c| c.iter().all(u8::is_ascii_whitespace))
            {
                continue;
            }
            return self.row().map(Some);
        }
    }

    fn row(&self) -> Result<RegisterRow, RegisterError> {
        let empty = || {
            text!("register_empty_cell";
                id: "kosong atau tidak terbaca",
                en: "empty or unreadable")
        };
        match &self.columns {
            Columns::Companies {
                number,
                name,
                postcode: pc,
                status,
                sic,
            } => {
                let number = company_number(&self.cell(*number))
                    .ok_or_else(|| self.refused("CompanyNumber", empty()))?;
                let name = self.cell(*name);
                if name.is_empty() {
                    return Err(self.refused("CompanyName", empty()));
                }
                Ok(RegisterRow::Company(Company {
                    number,
                    name,
                    postcode: postcode(&self.cell(*pc)),
                    status: self.cell(*status),
                    sic: sic.iter().find_map(|&i| sic_code(&self.cell(i))),
                }))
            }
            Columns::Vendors {
                supplier_id,
                name,
                postcode: pc,
                company_number: number,
                sic,
                sme,
            } => {
                let supplier_id = self.cell(*supplier_id);
                if supplier_id.is_empty() {
                    return Err(self.refused("supplier_id", empty()));
                }
                let name = self.cell(*name);
                if name.is_empty() {
                    return Err(self.refused("name", empty()));
                }
                let opt = |i: &Option<usize>| i.map(|i| self.cell(i)).filter(|c| !c.is_empty());
                let sme = match opt(sme) {
                    None => None,
                    Some(v) => Some(yes_no(&v).ok_or_else(|| {
                        self.refused(
                            "sme",
                            text!("register_not_yes_no", value = v;
                                id: "“{value}” bukan ya/tidak",
                                en: "“{value}” is not yes or no"),
                        )
                    })?),
                };
                Ok(RegisterRow::Vendor(Vendor {
                    supplier_id,
                    name,
                    postcode: opt(pc).and_then(|p| postcode(&p)),
                    company_number: opt(number).and_then(|n| company_number(&n)),
                    sic: opt(sic).and_then(|s| sic_code(&s).or(Some(s))),
                    sme,
                }))
            }
        }
    }
}

fn yes_no(v: &str) -> Option<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "y" | "yes" | "true" | "1" | "ya" | "sme" => Some(true),
        "n" | "no" | "false" | "0" | "tidak" => Some(false),
        _ => None,
    }
}

/// The key a register name is looked up by: the spend analysis's normal
/// name (legal forms, case and punctuation ignored).
pub fn register_key(name: &str) -> String {
    normalise_name(name)
}

/// How similar two normal names are: the share of their trigrams (each
/// word padded, as PostgreSQL's pg_trgm does) they have in common.
pub fn trigram_similarity(a: &str, b: &str) -> f64 {
    fn grams(s: &str) -> BTreeSet<[char; 3]> {
        let mut out = BTreeSet::new();
        for w in s.split_whitespace() {
            let padded: Vec<char> = "  ".chars().chain(w.chars()).chain(" ".chars()).collect();
            for g in padded.windows(3) {
                out.insert([g[0], g[1], g[2]]);
            }
        }
        out
    }
    let (ga, gb) = (grams(a), grams(b));
    let union = ga.union(&gb).count();
    if union == 0 {
        return 0.0;
    }
    ga.intersection(&gb).count() as f64 / union as f64
}

/// Near names at least this similar are suggested for review.
pub const SUGGEST_AT: f64 = 0.6;

/// Where a register places a supplier, with how it was found.
#[derive(Debug, Clone, PartialEq)]
pub enum Found {
    /// The anchor's vendor master lists it (by its supplier number, or by
    /// name when one vendor line alone has that name).
    Vendor {
        postcode: Option<String>,
        sic: Option<String>,
        sme: Option<bool>,
        company_number: Option<String>,
    },
    /// One register company: by number, by an analyst's confirmation, or
    /// the one active company of that normal name.
    Company {
        number: String,
    },
    /// Two or more active companies of that normal name: for review.
    Ambiguous(Vec<String>),
    /// Near names only: suggested for review, never applied.
    Suggested(Vec<(String, f64)>),
    Nothing,
}

/// What matching knows of one supplier.
#[derive(Debug, Clone, Default)]
pub struct Held {
    pub name: String,
    /// The company number its payment file (or vendor line) gave.
    pub company_number: Option<String>,
    /// A company an analyst confirmed for it.
    pub confirmed: Option<String>,
    /// Companies an analyst rejected for it.
    pub rejected: Vec<String>,
}

/// What the registers hold that could match one supplier.
#[derive(Debug, Clone, Default)]
pub struct Candidates {
    /// Vendor lines of its supplier numbers, else of its exact name.
    pub vendors: Vec<Vendor>,
    /// Companies by number (the confirmed one, the file's one), with
    /// their status.
    pub by_number: HashMap<String, Company>,
    /// Active companies with the same normal name.
    pub same_name: Vec<Company>,
    /// Active companies with a name near it.
    pub near: Vec<Company>,
}

/// The rule: the anchor's own vendor master first; then a company an
/// analyst confirmed; then the company number the payment file gave;
/// then the one active company of that normal name (two or more are
/// ambiguous); else near names are only suggested. Dissolved companies
/// and rejected ones never match.
pub fn decide(held: &Held, found: &Candidates) -> Found {
    if let Some(v) = found.vendors.first() {
        return Found::Vendor {
            postcode: v.postcode.clone(),
            sic: v.sic.clone(),
            sme: v.sme,
            company_number: v.company_number.clone(),
        };
    }
    let usable = |number: &str| {
        !held.rejected.iter().any(|r| r == number)
            && found
                .by_number
                .get(number)
                .is_some_and(|c| !is_dissolved(&c.status))
    };
    for number in [&held.confirmed, &held.company_number]
        .into_iter()
        .flatten()
    {
        if usable(number) {
            return Found::Company {
                number: number.clone(),
            };
        }
    }
    let key = register_key(&held.name);
    let mut same: Vec<&Company> = found
        .same_name
        .iter()
        .filter(|c| c.is_active() && !held.rejected.contains(&c.number))
        .filter(|c| register_key(&c.name) == key)
        .collect();
    same.sort_by(|a, b| a.number.cmp(&b.number));
    same.dedup_by(|a, b| a.number == b.number);
    match same.len() {
        1 => {
            return Found::Company {
                number: same[0].number.clone(),
            }
        }
        n if n > 1 => return Found::Ambiguous(same.iter().map(|c| c.number.clone()).collect()),
        _ => {}
    }
    let mut near: Vec<(String, f64)> = found
        .near
        .iter()
        .filter(|c| c.is_active() && !held.rejected.contains(&c.number))
        .map(|c| {
            (
                c.number.clone(),
                trigram_similarity(&key, &register_key(&c.name)),
            )
        })
        .filter(|(_, s)| *s >= SUGGEST_AT)
        .collect();
    near.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    near.dedup_by(|a, b| a.0 == b.0);
    near.truncate(3);
    if near.is_empty() {
        Found::Nothing
    } else {
        Found::Suggested(near)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PRODUCT_HEADER: &str = "CompanyName, CompanyNumber,RegAddress.CareOf,RegAddress.POBox,RegAddress.AddressLine1, RegAddress.AddressLine2,RegAddress.PostTown,RegAddress.County,RegAddress.Country,RegAddress.PostCode,CompanyCategory,CompanyStatus,CountryOfOrigin,DissolutionDate,IncorporationDate,SICCode.SicText_1,SICCode.SicText_2,SICCode.SicText_3,SICCode.SicText_4\n";

    fn rows(kind: RegisterKind, body: &str) -> Result<Vec<RegisterRow>, RegisterError> {
        let mut r = RegisterRows::open(kind, "f.csv", body.as_bytes())?;
        let mut out = vec![];
        while let Some(row) = r.next_row()? {
            out.push(row);
        }
        Ok(out)
    }

    #[test]
    fn the_free_company_data_product_reads_as_published() {
        let body = format!(
            "{PRODUCT_HEADER}\"FYLDE FOODS LIMITED\",\"1234567\",\"\",\"\",\"1 MARKET ST\",\"\",\"PRESTON\",\"\",\"UNITED KINGDOM\",\"PR1 2AB\",\"Private Limited Company\",\"Active\",\"United Kingdom\",\"\",\"01/02/2003\",\"None Supplied\",\"62020 - Information technology consultancy activities\",\"\",\"\"\n"
        );
        let got = rows(RegisterKind::CompaniesHouse, &body).unwrap();
        assert_eq!(
            got,
            vec![RegisterRow::Company(Company {
                number: "01234567".into(),
                name: "FYLDE FOODS LIMITED".into(),
                postcode: Some("PR12AB".into()),
                status: "Active".into(),
                sic: Some("62020".into()),
            })]
        );
    }

    #[test]
    fn a_row_without_a_number_names_its_line_and_column() {
        let body = format!("{PRODUCT_HEADER}\"A LTD\",\"01234567\",,,,,,,,,,Active\n\"B LTD\",\"\",,,,,,,,,,Active\n");
        let e = rows(RegisterKind::CompaniesHouse, &body).unwrap_err();
        assert!(
            e.message.english().contains("line 3"),
            "{}",
            e.message.english()
        );
        assert!(e.message.english().contains("CompanyNumber"));
        assert!(e.message.indonesian().contains("baris 3"));
        let e = rows(RegisterKind::CompaniesHouse, "CompanyName,CompanyNumber\n").unwrap_err();
        assert!(e.message.english().contains("RegAddress.PostCode"));
    }

    #[test]
    fn a_vendor_master_reads_its_six_columns() {
        let got = rows(
            RegisterKind::Vendors,
            "supplier_id,name,postcode,company_number,sic,sme\nV01,Ribble Print,pr1 1aa,sc123456,18129,yes\nV02,Other,,,,\n",
        )
        .unwrap();
        assert_eq!(
            got[0],
            RegisterRow::Vendor(Vendor {
                supplier_id: "V01".into(),
                name: "Ribble Print".into(),
                postcode: Some("PR11AA".into()),
                company_number: Some("SC123456".into()),
                sic: Some("18129".into()),
                sme: Some(true),
            })
        );
        let e = rows(
            RegisterKind::Vendors,
            "supplier_id,name,sme\nV1,A,perhaps\n",
        )
        .unwrap_err();
        assert!(
            e.message.english().contains("line 2, column “sme”"),
            "{}",
            e.message.english()
        );
    }

    fn company(number: &str, name: &str, status: &str) -> Company {
        Company {
            number: number.into(),
            name: name.into(),
            postcode: Some("PR1 1AA".into()),
            status: status.into(),
            sic: None,
        }
    }

    fn held(name: &str) -> Held {
        Held {
            name: name.into(),
            ..Held::default()
        }
    }

    #[test]
    fn one_active_company_of_the_name_locates_two_are_ambiguous_dissolved_never() {
        let one = Candidates {
            same_name: vec![
                company("00000001", "FYLDE FOODS LIMITED", "Active"),
                company("00000002", "Fylde Foods Ltd", "Dissolved"),
            ],
            ..Candidates::default()
        };
        assert_eq!(
            decide(&held("Fylde Foods Ltd."), &one),
            Found::Company {
                number: "00000001".into()
            }
        );
        let two = Candidates {
            same_name: vec![
                company("00000001", "FYLDE FOODS LIMITED", "Active"),
                company(
                    "00000003",
                    "Fylde Foods Ltd",
                    "Active - Proposal to Strike off",
                ),
            ],
            ..Candidates::default()
        };
        assert_eq!(
            decide(&held("Fylde Foods"), &two),
            Found::Ambiguous(vec!["00000001".into(), "00000003".into()])
        );
        let dissolved = Candidates {
            same_name: vec![company("00000002", "Fylde Foods Ltd", "Dissolved")],
            by_number: [(
                "00000002".to_owned(),
                company("00000002", "Fylde Foods Ltd", "Dissolved"),
            )]
            .into(),
            ..Candidates::default()
        };
        let mut by_number = held("Fylde Foods");
        by_number.company_number = Some("00000002".into());
        assert_eq!(decide(&by_number, &dissolved), Found::Nothing);
    }

    #[test]
    fn decisions_and_the_vendor_master_come_first() {
        let c = Candidates {
            same_name: vec![
                company("00000001", "Fylde Foods", "Active"),
                company("00000003", "Fylde Foods", "Active"),
            ],
            by_number: [(
                "00000003".to_owned(),
                company("00000003", "Fylde Foods", "Active"),
            )]
            .into(),
            ..Candidates::default()
        };
        let mut h = held("Fylde Foods");
        h.confirmed = Some("00000003".into());
        assert_eq!(
            decide(&h, &c),
            Found::Company {
                number: "00000003".into()
            }
        );
        let mut h = held("Fylde Foods");
        h.rejected = vec!["00000003".into()];
        assert_eq!(
            decide(&h, &c),
            Found::Company {
                number: "00000001".into()
            }
        );
        let with_vendor = Candidates {
            vendors: vec![Vendor {
                supplier_id: "V1".into(),
                name: "Fylde Foods".into(),
                postcode: Some("FY8 5AB".into()),
                company_number: None,
                sic: None,
                sme: Some(true),
            }],
            ..c
        };
        assert!(matches!(
            decide(&held("Fylde Foods"), &with_vendor),
            Found::Vendor {
                sme: Some(true),
                ..
            }
        ));
    }

    #[test]
    fn near_names_are_only_suggested() {
        let c = Candidates {
            near: vec![
                company("00000005", "FYLDE FOOD SUPPLIES LTD", "Active"),
                company("00000006", "FYLDE FOODS (NORTH) LTD", "Active"),
                company("00000007", "FYLDE ENGINEERING LTD", "Active"),
            ],
            ..Candidates::default()
        };
        match decide(&held("Fylde Foods Ltd"), &c) {
            Found::Suggested(s) => {
                assert_eq!(s[0].0, "00000006");
                assert!(s.iter().all(|(n, _)| n != "00000007"), "{s:?}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn company_numbers_and_sic_cells() {
        assert_eq!(company_number(" 1234567").as_deref(), Some("01234567"));
        assert_eq!(company_number("sc123456").as_deref(), Some("SC123456"));
        assert_eq!(company_number("ACME"), None);
        assert_eq!(company_number("123456789"), None);
        // Regression: a multibyte character at the split panicked.
        assert_eq!(company_number("€1"), None);
        assert_eq!(company_number("1€"), None);
        assert_eq!(sic_code("None Supplied"), None);
        assert_eq!(
            sic_code("99999 - Dormant Company").as_deref(),
            Some("99999")
        );
        assert!(trigram_similarity("fylde foods", "fylde foods") > 0.99);
        assert!(trigram_similarity("fylde foods", "bolton steel") < 0.1);
    }
}
