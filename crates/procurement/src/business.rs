//! The local business base (seed 000: Preston's database of local firms to
//! approach with opportunities early): the business file read into
//! records, and a business's size judged from its staff and turnover.
//!
//! Columns, by header (English or Indonesian, case and spaces aside):
//! `name`/`nama`; `company_number`, `npwp`, `nib` (identifiers);
//! `address`/`alamat`; `postcode`/`kode_pos`; `area_code`/`kode_wilayah`;
//! `sic`/`kbli` (several, `;`-separated); `cpv` (several); `size`/`skala`
//! (`micro|small|medium|large`, or `mikro|kecil|menengah|besar`), or
//! `employees`/`karyawan` and `turnover`/`omzet` to judge it; `form`/
//! `bentuk`; `capacity`/`kapasitas`; `contact_email`/`email`;
//! `consent`/`persetujuan` (yes/no, ya/tidak).

use lumbung_domain::{text, Language, Money, Rejected, RowError, Text};
use lumbung_spend::sectors::SectorList;
use serde::Serialize;

/// A business's size class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Size {
    Micro,
    Small,
    Medium,
    Large,
}

impl Size {
    pub fn parse(raw: &str) -> Option<Size> {
        match raw.trim().to_lowercase().as_str() {
            "micro" | "mikro" => Some(Size::Micro),
            "small" | "kecil" => Some(Size::Small),
            "medium" | "menengah" => Some(Size::Medium),
            "large" | "besar" => Some(Size::Large),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Size::Micro => "micro",
            Size::Small => "small",
            Size::Medium => "medium",
            Size::Large => "large",
        }
    }

    /// The UK SME thresholds (staff headcount below, annual turnover at
    /// most): micro 10 and £2 m, small 50 and £10 m, medium 250 and £50 m;
    /// a business must meet both that it gives.
    pub fn judge_uk(employees: Option<u64>, turnover: Option<Money>) -> Option<Size> {
        const CLASSES: [(Size, u64, i64); 3] = [
            (Size::Micro, 10, 2_000_000),
            (Size::Small, 50, 10_000_000),
            (Size::Medium, 250, 50_000_000),
        ];
        judge(&CLASSES, employees, turnover, true)
    }

    /// Indonesia's UMKM classes by annual sales (PP 7/2021, art. 35):
    /// mikro up to Rp 2 miliar, kecil up to Rp 15 miliar, menengah up to
    /// Rp 50 miliar; above, besar. Staff do not decide the class there.
    pub fn judge_id(turnover: Option<Money>) -> Option<Size> {
        const CLASSES: [(Size, u64, i64); 3] = [
            (Size::Micro, u64::MAX, 2_000_000_000),
            (Size::Small, u64::MAX, 15_000_000_000),
            (Size::Medium, u64::MAX, 50_000_000_000),
        ];
        judge(&CLASSES, None, turnover, false)
    }
}

/// The first class whose limits the figures given meet (staff below the
/// limit, turnover in whole units at most the limit), else large; `None`
/// when no figure is given.
fn judge(
    classes: &[(Size, u64, i64)],
    employees: Option<u64>,
    turnover: Option<Money>,
    staff_count: bool,
) -> Option<Size> {
    let employees = employees.filter(|_| staff_count);
    if employees.is_none() && turnover.is_none() {
        return None;
    }
    let size = classes
        .iter()
        .find(|(_, staff, units)| {
            employees.is_none_or(|e| e < *staff)
                && turnover.is_none_or(|t| t.minor() <= units * 100)
        })
        .map_or(Size::Large, |(size, _, _)| *size);
    Some(size)
}

/// The legal and ownership form, as the seeds tell businesses apart.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Form {
    Cooperative,
    EmployeeOwned,
    SocialEnterprise,
    CommunityBusiness,
    Charity,
    Conventional,
}

impl Form {
    pub fn parse(raw: &str) -> Option<Form> {
        match raw.trim().to_lowercase().replace([' ', '-'], "_").as_str() {
            "cooperative" | "co_operative" | "koperasi" => Some(Form::Cooperative),
            "employee_owned" | "milik_karyawan" => Some(Form::EmployeeOwned),
            "social_enterprise" | "usaha_sosial" => Some(Form::SocialEnterprise),
            "community_business" | "usaha_komunitas" => Some(Form::CommunityBusiness),
            "charity" | "yayasan" => Some(Form::Charity),
            "conventional" | "konvensional" => Some(Form::Conventional),
            _ => None,
        }
    }
}

/// Why a business is not written to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unreachable {
    /// It did not agree to be contacted (or withdrew).
    NoConsent,
    /// It gave no address.
    NoEmail,
}

/// How a business is identified in its country's registers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(tag = "scheme", content = "value", rename_all = "snake_case")]
pub enum Identifier {
    /// A Companies House company number.
    CompanyNumber(String),
    /// An Indonesian tax number (NPWP).
    Npwp(String),
    /// An Indonesian business number (NIB, OSS).
    Nib(String),
}

/// A business as a row of the file gives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct BusinessRecord {
    pub line: u64,
    pub name: String,
    pub identifiers: Vec<Identifier>,
    pub address: Option<String>,
    pub postcode: Option<String>,
    pub area_code: Option<String>,
    /// Every sector code, SIC 2007 (UK) and KBLI 2020 (Indonesia), as
    /// digits: `sic` then `kbli`.
    pub sectors: Vec<String>,
    /// The SIC 2007 codes of `sectors` (its `sic` column). A record kept
    /// before the lists were told apart has neither list: see
    /// [`sector_codes`].
    #[serde(default)]
    pub sic: Vec<String>,
    /// The KBLI 2020 codes of `sectors` (its `kbli` column).
    #[serde(default)]
    pub kbli: Vec<String>,
    /// CPV codes of interest, 8 digits.
    pub cpv: Vec<String>,
    pub size: Option<Size>,
    pub form: Option<Form>,
    pub capacity: Option<String>,
    pub contact_email: Option<String>,
    /// May be contacted about opportunities.
    pub consent: bool,
}

/// The codes of `sectors` that are of `list`: its own list's codes, or
/// all of them for a record kept before the two lists were told apart
/// (one with neither `sic` nor `kbli`), which fit a code of either list.
/// SIC and KBLI share the five-digit space, so a KBLI code never fits a
/// SIC one by its digits alone.
pub fn sector_codes<'a>(
    sectors: &'a [String],
    sic: &'a [String],
    kbli: &'a [String],
    list: SectorList,
) -> &'a [String] {
    if sic.is_empty() && kbli.is_empty() {
        return sectors;
    }
    match list {
        SectorList::Sic2007 => sic,
        SectorList::Kbli2020 => kbli,
    }
}

impl Identifier {
    /// Its scheme and value, as stored.
    pub fn parts(&self) -> (&'static str, &str) {
        match self {
            Identifier::CompanyNumber(v) => ("company_number", v),
            Identifier::Npwp(v) => ("npwp", v),
            Identifier::Nib(v) => ("nib", v),
        }
    }
}

impl BusinessRecord {
    /// The record as the business base keeps it: without its line, so
    /// that the same business in another file is the same record.
    pub fn kept(&self) -> BusinessRecord {
        BusinessRecord {
            line: 0,
            ..self.clone()
        }
    }

    /// Where and in which language the business may be written to: only
    /// when it agreed to be contacted and gave an address; Indonesian for
    /// a business the base places in Indonesia (an NPWP or NIB, a numeric
    /// area code or a 5-digit postcode), else English.
    pub fn contact(&self) -> Result<(&str, Language), Unreachable> {
        if !self.consent {
            return Err(Unreachable::NoConsent);
        }
        let email = self.contact_email.as_deref().ok_or(Unreachable::NoEmail)?;
        let indonesian = self
            .identifiers
            .iter()
            .any(|i| matches!(i, Identifier::Npwp(_) | Identifier::Nib(_)))
            || self
                .area_code
                .as_deref()
                .is_some_and(|a| a.bytes().all(|b| b.is_ascii_digit()))
            || self
                .postcode
                .as_deref()
                .is_some_and(|p| p.len() == 5 && p.bytes().all(|b| b.is_ascii_digit()));
        let language = if indonesian {
            Language::Indonesian
        } else {
            Language::English
        };
        Ok((email, language))
    }

    /// The organisation kind of the registry it is.
    pub fn org_kind(&self) -> &'static str {
        match self.form {
            Some(Form::Cooperative) => "cooperative",
            Some(Form::SocialEnterprise | Form::CommunityBusiness) => "social_enterprise",
            Some(Form::Charity) => "ngo",
            _ => "company",
        }
    }
}

/// The columns a business file may have: each field's header names.
const COLUMNS: [(&str, &[&str]); 16] = [
    ("name", &["name", "nama", "business_name", "nama_usaha"]),
    (
        "company_number",
        &["company_number", "companynumber", "nomor_perusahaan"],
    ),
    ("npwp", &["npwp"]),
    ("nib", &["nib"]),
    ("address", &["address", "alamat"]),
    ("postcode", &["postcode", "postal_code", "kode_pos"]),
    ("area_code", &["area_code", "kode_wilayah"]),
    ("sic", &["sic", "sic_codes"]),
    ("kbli", &["kbli"]),
    ("cpv", &["cpv", "cpv_codes"]),
    ("size", &["size", "skala", "ukuran"]),
    (
        "employees",
        &["employees", "staff", "karyawan", "jumlah_karyawan"],
    ),
    ("turnover", &["turnover", "omzet", "hasil_penjualan"]),
    ("form", &["form", "bentuk", "bentuk_usaha"]),
    ("capacity", &["capacity", "kapasitas"]),
    ("contact_email", &["contact_email", "email", "surel"]),
];

/// The consent column's names; read apart (it is a yes/no).
const CONSENT: [&str; 3] = ["consent", "persetujuan", "bersedia_dihubungi"];

use crate::files::key;

/// Where each field's column is in `headers`.
#[derive(Debug, Default)]
struct Columns {
    at: [Option<usize>; 16],
    consent: Option<usize>,
}

fn columns(headers: &[String]) -> Columns {
    let keys: Vec<String> = headers.iter().map(|h| key(h)).collect();
    let find = |names: &[&str]| keys.iter().position(|k| names.contains(&k.as_str()));
    let mut c = Columns::default();
    for (i, (_, names)) in COLUMNS.iter().enumerate() {
        c.at[i] = find(names);
    }
    c.consent = find(&CONSENT);
    c
}

/// Reads a business file (CSV in any common encoding and separator, or an
/// XLSX workbook's first sheet): the header is its first non-blank row.
pub fn read_file(name: &str, bytes: &[u8]) -> Result<Vec<BusinessRecord>, Rejected> {
    let table = crate::files::read_table(name, bytes)?;
    records(name, &table.headers, table.rows)
}

/// Reads a business file's rows (`headers` then each row's line and
/// cells, trimmed): the records, or the file refused with every problem
/// by line and column.
pub fn records(
    file: &str,
    headers: &[String],
    rows: impl IntoIterator<Item = (u64, Vec<String>)>,
) -> Result<Vec<BusinessRecord>, Rejected> {
    let refuse = |errors| Rejected {
        file: file.to_owned(),
        errors,
    };
    let c = columns(headers);
    if c.at[0].is_none() {
        return Err(refuse(vec![RowError::new(
            1,
            Some("name"),
            text!("business_needs_name", header = headers.join(",");
                id: "kolom name (nama) tidak ada (baris judulnya berisi: {header})",
                en: "the column name (nama) is missing (the header line has: {header})"),
        )]));
    }
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (line, cells) in rows {
        let cell = |field: usize| {
            c.at[field]
                .and_then(|i| cells.get(i))
                .map(|s| s.trim())
                .filter(|s| !s.is_empty())
        };
        let mut fail = |column: &str, message: Text| {
            errors.push(RowError::new(line, Some(column), message));
        };
        let Some(name) = cell(0) else {
            if cells.iter().all(|s| s.trim().is_empty()) {
                continue;
            }
            fail(
                "name",
                text!("business_name_empty"; id: "nama kosong", en: "the name is empty"),
            );
            continue;
        };
        let mut identifiers = Vec::new();
        for (field, make) in [
            (1, Identifier::CompanyNumber as fn(String) -> Identifier),
            (2, Identifier::Npwp),
            (3, Identifier::Nib),
        ] {
            if let Some(v) = cell(field) {
                let v: String = v.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
                identifiers.push(make(v.to_uppercase()));
            }
        }
        let (mut sic, mut kbli) = (Vec::new(), Vec::new());
        for (field, sectors) in [(7, &mut sic), (8, &mut kbli)] {
            for code in cell(field).into_iter().flat_map(|v| v.split(';')) {
                let digits: String = code
                    .trim()
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect();
                if digits.is_empty() || digits.len() > 5 {
                    fail(
                        COLUMNS[field].0,
                        text!("business_sector_code", code = code.trim();
                        id: "{code} bukan kode sektor (2 sampai 5 angka)",
                        en: "{code} is not a sector code (2 to 5 digits)"),
                    );
                } else {
                    sectors.push(digits);
                }
            }
        }
        let mut cpv = Vec::new();
        for code in cell(9).into_iter().flat_map(|v| v.split(';')) {
            let digits: String = code
                .trim()
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            if digits.len() == 8 {
                cpv.push(digits);
            } else {
                fail(
                    "cpv",
                    text!("business_cpv_code", code = code.trim();
                    id: "{code} bukan kode CPV (8 angka)", en: "{code} is not a CPV code (8 digits)"),
                );
            }
        }
        let employees = match cell(11).map(|v| v.replace([',', '.'], "").parse::<u64>()) {
            None => None,
            Some(Ok(n)) => Some(n),
            Some(Err(_)) => {
                fail(
                    "employees",
                    text!("business_employees", value = cell(11).unwrap_or("");
                    id: "{value} bukan jumlah orang", en: "{value} is not a number of people"),
                );
                None
            }
        };
        let turnover = match cell(12).map(|v| Money::parse_plain(&v.replace(',', ""))) {
            None => None,
            Some(Ok(m)) if m.minor() >= 0 => Some(m),
            Some(_) => {
                fail(
                    "turnover",
                    text!("business_turnover", value = cell(12).unwrap_or("");
                    id: "{value} bukan jumlah uang", en: "{value} is not an amount"),
                );
                None
            }
        };
        let indonesian = identifiers
            .iter()
            .any(|i| matches!(i, Identifier::Npwp(_) | Identifier::Nib(_)))
            || cell(6).is_some_and(|a| a.bytes().all(|b| b.is_ascii_digit()))
            || cell(5).is_some_and(|p| p.len() == 5 && p.bytes().all(|b| b.is_ascii_digit()));
        let size = match cell(10) {
            Some(v) => Size::parse(v).or_else(|| {
                fail(
                    "size",
                    text!("business_size", value = v;
                    id: "{value} bukan skala usaha (micro, small, medium, large)",
                    en: "{value} is not a size (micro, small, medium, large)"),
                );
                None
            }),
            None if indonesian => Size::judge_id(turnover),
            None => Size::judge_uk(employees, turnover),
        };
        let form = cell(13).and_then(|v| {
            Form::parse(v).or_else(|| {
                fail("form", text!("business_form", value = v;
                    id: "{value} bukan bentuk usaha (cooperative, employee_owned, social_enterprise, community_business, charity, conventional)",
                    en: "{value} is not a form (cooperative, employee_owned, social_enterprise, community_business, charity, conventional)"));
                None
            })
        });
        let email = cell(15).map(str::to_owned);
        if let Some(e) = &email {
            if !e.contains('@') || e.contains(char::is_whitespace) {
                fail(
                    "contact_email",
                    text!("business_email", value = e;
                    id: "{value} bukan alamat surel", en: "{value} is not an email address"),
                );
            }
        }
        let consent = match c
            .consent
            .and_then(|i| cells.get(i))
            .map(|s| s.trim().to_lowercase())
        {
            None => false,
            Some(v) => match v.as_str() {
                "" | "no" | "n" | "tidak" | "false" | "0" => false,
                "yes" | "y" | "ya" | "true" | "1" => true,
                _ => {
                    fail(
                        "consent",
                        text!("business_consent", value = v;
                        id: "{value} bukan ya/tidak", en: "{value} is not yes/no"),
                    );
                    false
                }
            },
        };
        out.push(BusinessRecord {
            line,
            name: name.to_owned(),
            identifiers,
            address: cell(4).map(str::to_owned),
            postcode: cell(5).map(str::to_owned),
            area_code: cell(6).map(str::to_owned),
            sectors: sic.iter().chain(&kbli).cloned().collect(),
            sic,
            kbli,
            cpv,
            size,
            form,
            capacity: cell(14).map(str::to_owned),
            contact_email: email,
            consent,
        });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(refuse(errors))
    }
}

/// A supplier's payments per anchor (by the anchor's number in the facts):
/// how many and their sum; `None` when a sum would not fit.
pub fn payments_to(
    facts: &[lumbung_spend::facts::Facts],
    supplier: u32,
) -> Option<std::collections::BTreeMap<u32, (u64, Money)>> {
    let mut sums: std::collections::BTreeMap<u32, (u64, Money)> = Default::default();
    for f in facts {
        for i in (0..f.supplier.len()).filter(|&i| f.supplier[i] == supplier) {
            let entry = sums.entry(f.anchor[i]).or_insert((0, Money::ZERO));
            entry.0 += 1;
            entry.1 = entry.1.checked_add(Money::from_minor(f.amount[i]))?;
        }
    }
    Some(sums)
}

#[cfg(test)]
#[path = "business_tests.rs"]
mod tests;
