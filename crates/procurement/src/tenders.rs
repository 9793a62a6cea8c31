//! Open tenders matched early to local capacity (seed 000: approach local
//! firms with procurement opportunities before the tender closes): each
//! tender's local businesses by CPV code and sector, and the notices the
//! consenting ones are sent.

use crate::business::Size;
use crate::contracts::cpv_code;
use crate::opportunities::{fit, shared_depth, Candidate};
use jiff::civil::Date;
use lumbung_domain::{text, AnchorId, BusinessId, Language, Money, TenderId, Text};
use lumbung_spend::sectors::SectorList;
use serde::Serialize;

/// The most CPV codes or sector codes a tender entered by hand may name.
pub const MAX_CODES: usize = 50;
/// The longest title.
pub const MAX_TITLE: usize = 300;

/// An open tender, as held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tender {
    pub id: TenderId,
    /// Its process, when published in OCDS.
    pub ocid: Option<String>,
    /// The anchor that entered it (tenders entered by hand).
    pub anchor: Option<AnchorId>,
    pub anchor_name: Option<String>,
    /// The buyer's name as published.
    pub buyer: Option<String>,
    pub title: String,
    /// CPV codes, 8 digits each.
    pub cpv: Vec<String>,
    /// SIC/KBLI codes of the sectors it buys from.
    pub sectors: Vec<String>,
    pub lots: u64,
    pub value: Option<Money>,
    pub currency: Option<String>,
    /// `YYYY-MM-DD`, or the `endDate` as published.
    pub closes_on: Option<String>,
    pub status: String,
}

impl Tender {
    /// Open to bids, or about to be: notices are sent about these only.
    pub fn is_open(&self) -> bool {
        matches!(self.status.as_str(), "active" | "planned")
    }
}

/// A tender entered by hand, read at the edge.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TenderForm {
    pub title: String,
    /// CPV codes, separated by `;`, `,` or spaces.
    pub cpv: String,
    /// SIC/KBLI codes, separated likewise.
    pub sectors: String,
    pub lots: String,
    pub value: String,
    pub currency: String,
    pub closes_on: String,
}

/// A tender entered by hand, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTender {
    pub title: String,
    pub cpv: Vec<String>,
    pub sectors: Vec<String>,
    pub lots: u64,
    pub value: Option<Money>,
    pub currency: Option<String>,
    pub closes_on: Option<Date>,
}

/// A field of a tender form that does not hold, in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub field: &'static str,
    pub text: Text,
}

fn codes(raw: &str) -> Vec<&str> {
    raw.split(|c: char| c == ';' || c == ',' || c.is_whitespace())
        .filter(|c| !c.is_empty())
        .collect()
}

/// An optional field as typed: blank is none; else what `read` makes of
/// it, or its problem noted under `field`.
fn optional<T>(
    raw: &str,
    field: &'static str,
    problems: &mut Vec<Problem>,
    read: impl FnOnce(&str) -> Result<T, Text>,
) -> Option<T> {
    match raw.trim() {
        "" => None,
        raw => read(raw)
            .map_err(|text| problems.push(Problem { field, text }))
            .ok(),
    }
}

impl TenderForm {
    /// The tender the form describes, or every field's problem.
    pub fn check(&self) -> Result<NewTender, Vec<Problem>> {
        let mut problems = Vec::new();
        let mut problem = |field: &'static str, text: Text| problems.push(Problem { field, text });
        let title = self.title.trim().to_owned();
        if title.is_empty() || title.chars().count() > MAX_TITLE {
            problem(
                "title",
                text!("tender_title", max = MAX_TITLE;
                    id: "judul tender wajib diisi, paling banyak {max} huruf",
                    en: "a tender needs a title of at most {max} characters"),
            );
        }
        let mut cpv = Vec::new();
        for raw in codes(&self.cpv) {
            match cpv_code(raw) {
                Some(code) if raw.len() == 8 || raw.as_bytes().get(8) == Some(&b'-') => {
                    if !cpv.contains(&code) {
                        cpv.push(code)
                    }
                }
                _ => problem(
                    "cpv",
                    text!("tender_cpv", code = raw;
                        id: "kode CPV {code} tidak sah: 8 angka (misalnya 45233142 atau 45233142-6)",
                        en: "the CPV code {code} is not valid: 8 digits (such as 45233142 or 45233142-6)"),
                ),
            }
        }
        let mut sectors = Vec::new();
        for raw in codes(&self.sectors) {
            if (2..=5).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_digit()) {
                if !sectors.iter().any(|s| s == raw) {
                    sectors.push(raw.to_owned());
                }
            } else {
                problem(
                    "sectors",
                    text!("tender_sector", code = raw;
                        id: "kode sektor {code} tidak sah: 2 sampai 5 angka (SIC atau KBLI)",
                        en: "the sector code {code} is not valid: 2 to 5 digits (SIC or KBLI)"),
                );
            }
        }
        if codes(&self.cpv).is_empty() && codes(&self.sectors).is_empty() {
            problem(
                "cpv",
                text!("tender_needs_codes";
                    id: "sebutkan sedikitnya satu kode CPV atau kode sektor agar tender dapat dicocokkan",
                    en: "give at least one CPV code or sector code so that the tender can be matched"),
            );
        }
        if cpv.len() > MAX_CODES || sectors.len() > MAX_CODES {
            problem(
                "cpv",
                text!("tender_too_many_codes", max = MAX_CODES;
                    id: "paling banyak {max} kode per tender",
                    en: "at most {max} codes per tender"),
            );
        }
        let lots = optional(&self.lots, "lots", &mut problems, |raw| {
            raw.parse::<u64>()
                .ok()
                .filter(|n| *n <= 1_000)
                .ok_or_else(|| {
                    text!("tender_lots"; id: "jumlah lot: bilangan bulat 0 sampai 1000",
                    en: "lots: a whole number from 0 to 1000")
                })
        })
        .unwrap_or(0);
        let value = optional(&self.value, "value", &mut problems, |raw| {
            Money::parse_plain(raw).ok().filter(|v| *v >= Money::ZERO).ok_or_else(|| {
                text!("tender_value", value = raw;
                    id: "nilai perkiraan {value} tidak sah: angka tanpa pemisah ribuan, paling banyak 2 desimal",
                    en: "the estimated value {value} is not valid: a number without thousands separators, at most 2 decimals")
            })
        });
        let currency = optional(&self.currency, "currency", &mut problems, |raw| {
            (raw.len() == 3 && raw.bytes().all(|b| b.is_ascii_alphabetic()))
                .then(|| raw.to_ascii_uppercase())
                .ok_or_else(|| {
                    text!("tender_currency", currency = raw;
                        id: "mata uang {currency} tidak sah: tiga huruf (IDR, GBP)",
                        en: "the currency {currency} is not valid: three letters (IDR, GBP)")
                })
        });
        let closes_on = optional(&self.closes_on, "closes_on", &mut problems, |raw| {
            raw.parse::<Date>().map_err(|_| {
                text!("tender_closes_on", date = raw;
                    id: "tanggal penutupan {date} tidak sah: TTTT-BB-HH",
                    en: "the closing date {date} is not valid: YYYY-MM-DD")
            })
        });
        if problems.is_empty() {
            Ok(NewTender {
                title,
                cpv,
                sectors,
                lots,
                value,
                currency,
                closes_on,
            })
        } else {
            Err(problems)
        }
    }
}

/// How many leading digits two CPV codes share — division (2), group
/// (3), class (4), category (5) and finer — or none below a division.
pub fn cpv_fit(a: &str, b: &str) -> Option<usize> {
    let shared = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    (shared >= 2).then_some(shared)
}

/// A local business able to answer a tender.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TenderMatch {
    pub id: BusinessId,
    pub name: String,
    pub size: Option<Size>,
    pub area: Option<String>,
    /// The longest CPV prefix shared with the tender (0: matched by sector).
    pub cpv_fit: usize,
    /// The sector fit (0: matched by CPV only).
    pub sector_fit: usize,
    pub consent: bool,
}

/// The businesses among `candidates` within `region` (an area path) able
/// to answer `tender`: by the longest CPV prefix shared, then sector fit
/// (the tender's sector codes being of `list`), then nearness to `near`
/// (an area path), smaller first, then name.
pub fn matches(
    tender: &Tender,
    candidates: &[Candidate],
    region: &str,
    near: &str,
    list: SectorList,
) -> Vec<TenderMatch> {
    let mut ranked: Vec<(usize, usize, usize, &Candidate)> = candidates
        .iter()
        .filter_map(|c| {
            let path = c.area_path.as_deref().filter(|p| p.starts_with(region))?;
            let by_cpv = tender
                .cpv
                .iter()
                .flat_map(|t| c.cpv.iter().filter_map(move |b| cpv_fit(t, b)))
                .max()
                .unwrap_or(0);
            let by_sector = tender
                .sectors
                .iter()
                .flat_map(|t| c.codes(list).iter().filter_map(move |b| fit(b, t)))
                .max()
                .unwrap_or(0);
            (by_cpv > 0 || by_sector > 0).then(|| (by_cpv, by_sector, shared_depth(path, near), c))
        })
        .collect();
    ranked.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then(b.1.cmp(&a.1))
            .then(b.2.cmp(&a.2))
            .then(
                a.3.size
                    .unwrap_or(Size::Large)
                    .cmp(&b.3.size.unwrap_or(Size::Large)),
            )
            .then(a.3.size.is_none().cmp(&b.3.size.is_none()))
            .then(a.3.name.to_lowercase().cmp(&b.3.name.to_lowercase()))
            .then(a.3.id.cmp(&b.3.id))
    });
    ranked
        .into_iter()
        .map(|(cpv_fit, sector_fit, _, c)| TenderMatch {
            id: c.id,
            name: c.name.clone(),
            size: c.size,
            area: c.area.clone(),
            cpv_fit,
            sector_fit,
            consent: c.consent,
        })
        .collect()
}

/// A notice to one business about one tender, in its language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub subject: String,
    pub body: String,
}

/// The notice a consenting business is sent about `tender`.
pub fn notice(tender: &Tender, business: &str, language: Language) -> Notice {
    let buyer = tender
        .anchor_name
        .as_deref()
        .or(tender.buyer.as_deref())
        .unwrap_or("");
    let closes = tender.closes_on.as_deref().unwrap_or("-");
    let codes = tender.cpv.join(", ");
    let subject = text!("notice_subject", title = tender.title;
        id: "Peluang pengadaan: {title}",
        en: "Procurement opportunity: {title}");
    let body = text!("notice_body", business = business, buyer = buyer, title = tender.title,
            closes = closes, codes = codes;
        id: "Yth. {business},\n\n{buyer} membuka tender \"{title}\" (CPV: {codes}), ditutup {closes}. Usaha Anda tercatat dalam basis usaha lokal dan bersedia dihubungi tentang peluang seperti ini.\n\nBalas surel ini bila Anda tidak ingin dihubungi lagi.",
        en: "Dear {business},\n\n{buyer} has opened the tender \"{title}\" (CPV: {codes}), closing {closes}. Your business is in the local business base and agreed to be told about opportunities like this one.\n\nReply to this e-mail if you no longer wish to be contacted.");
    Notice {
        subject: subject.get(language).to_owned(),
        body: body.get(language).to_owned(),
    }
}

#[cfg(test)]
#[path = "tenders_tests.rs"]
mod tests;
