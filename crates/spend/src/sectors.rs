//! Sector lists: UK SIC 2007 and Indonesia's KBLI 2020 (five-digit codes,
//! embedded; sources and licences in `crates/spend/data/SOURCE.txt`). A
//! payment's sector is the code or text its file gives; the lists name it.

use std::collections::HashMap;
use std::sync::OnceLock;

/// Which list names a five-digit code first: the two lists share the code
/// space, so the programme's setting decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SectorList {
    Sic2007,
    Kbli2020,
}

impl SectorList {
    /// `sic` or `kbli`, in any case.
    pub fn parse(raw: &str) -> Option<SectorList> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "sic" => Some(SectorList::Sic2007),
            "kbli" => Some(SectorList::Kbli2020),
            _ => None,
        }
    }

    /// The list's key: `sic` or `kbli`.
    pub fn key(self) -> &'static str {
        match self {
            SectorList::Sic2007 => "sic",
            SectorList::Kbli2020 => "kbli",
        }
    }
}

fn load(text: &str) -> HashMap<String, String> {
    csv::Reader::from_reader(text.as_bytes())
        .records()
        .filter_map(Result::ok)
        .filter(|r| r.len() >= 2)
        .map(|r| (r[0].trim().to_owned(), r[1].trim().to_owned()))
        .collect()
}

fn sic() -> &'static HashMap<String, String> {
    static SIC: OnceLock<HashMap<String, String>> = OnceLock::new();
    SIC.get_or_init(|| load(include_str!("../data/sic2007.csv")))
}

fn kbli() -> &'static HashMap<String, String> {
    static KBLI: OnceLock<HashMap<String, String>> = OnceLock::new();
    KBLI.get_or_init(|| load(include_str!("../data/kbli2020.csv")))
}

/// The name of a sector code, from the preferred list first. Codes are
/// matched as written, and with a leading zero restored when a spreadsheet
/// dropped it (`1110` → `01110`).
pub fn name(code: &str, prefer: SectorList) -> Option<&'static str> {
    let code = code.trim();
    let padded;
    let code = if code.len() == 4 && code.bytes().all(|b| b.is_ascii_digit()) {
        padded = format!("0{code}");
        padded.as_str()
    } else {
        code
    };
    let (first, second) = match prefer {
        SectorList::Sic2007 => (sic(), kbli()),
        SectorList::Kbli2020 => (kbli(), sic()),
    };
    first
        .get(code)
        .or_else(|| second.get(code))
        .map(String::as_str)
}

/// Words that say nothing about a trade.
const STOP: &[&str] = &[
    "and",
    "the",
    "for",
    "of",
    "other",
    "services",
    "service",
    "activities",
    "dan",
    "lainnya",
    "jasa",
    "kegiatan",
    "ltd",
];

fn words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 3 && !STOP.contains(w))
        .map(str::to_owned)
        .collect()
}

/// A free-text sector ("Catering", "cleaning services") matched to the
/// preferred list: the code whose name shares most of its words (a word
/// matches when one starts with the other), when exactly one code is
/// best. Returns the code and its name.
pub fn match_text(text: &str, prefer: SectorList) -> Option<(String, String)> {
    let wanted = words(text);
    if wanted.is_empty() {
        return None;
    }
    let list = match prefer {
        SectorList::Sic2007 => sic(),
        SectorList::Kbli2020 => kbli(),
    };
    let mut best: Option<(usize, &String, &String)> = None;
    let mut tie = false;
    let mut codes: Vec<(&String, &String)> = list.iter().collect();
    codes.sort();
    for (code, name) in codes {
        let have = words(name);
        let score = wanted
            .iter()
            .filter(|w| {
                have.iter()
                    .any(|h| h.starts_with(w.as_str()) || w.starts_with(h.as_str()))
            })
            .count();
        if score == 0 {
            continue;
        }
        match best {
            Some((b, _, _)) if score < b => {}
            Some((b, _, _)) if score == b => tie = true,
            _ => {
                best = Some((score, code, name));
                tie = false;
            }
        }
    }
    match best {
        Some((_, code, name)) if !tie => Some((code.clone(), name.clone())),
        _ => None,
    }
}

/// What a report shows for a payment's sector: the list's name of a code,
/// or for free text the best-matching sector's name with its code.
pub fn label(code_or_text: &str, prefer: SectorList) -> Option<String> {
    name(code_or_text, prefer)
        .map(str::to_owned)
        .or_else(|| match_text(code_or_text, prefer).map(|(code, name)| format!("{name} ({code})")))
}

/// Calendar-year programmes are Indonesian: KBLI names first; otherwise SIC.
pub fn list_for(fiscal_year_start: u8) -> SectorList {
    if fiscal_year_start == 1 {
        SectorList::Kbli2020
    } else {
        SectorList::Sic2007
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_named_from_the_preferred_list() {
        assert_eq!(
            name("81210", SectorList::Sic2007),
            Some("General cleaning of buildings")
        );
        assert_eq!(
            name("1110", SectorList::Sic2007).map(|n| n.starts_with("Growing of cereals")),
            Some(true)
        );
        assert_eq!(
            name("01111", SectorList::Kbli2020),
            Some("Pertanian jagung")
        );
        assert_eq!(name("catering", SectorList::Sic2007), None);
        assert!(sic().len() > 700 && kbli().len() > 1500);
    }

    #[test]
    fn free_text_finds_its_sector_when_one_fits_best() {
        assert_eq!(
            match_text("Event catering", SectorList::Sic2007)
                .map(|m| m.0)
                .as_deref(),
            Some("56210")
        );
        assert_eq!(match_text("the and of", SectorList::Sic2007), None);
        assert_eq!(match_text("zzzz", SectorList::Sic2007), None);
    }
}
