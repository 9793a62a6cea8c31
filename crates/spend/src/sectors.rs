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
}
