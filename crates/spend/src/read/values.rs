//! The smaller typed fields: SME and fiscal year.

use lumbung_domain::FiscalYear;

/// Yes/no in English and Indonesian, or a size word: micro, small and
/// medium enterprises are SMEs, large ones are not.
pub(crate) fn sme(raw: &str) -> Option<bool> {
    let s = raw.trim().to_lowercase();
    let s = s.trim_end_matches('.');
    let yes = [
        "yes", "y", "true", "t", "1", "ya", "iya", "benar", "sme", "umkm", "micro", "small",
        "medium", "mikro", "kecil", "menengah", "x",
    ];
    let no = [
        "no",
        "n",
        "false",
        "f",
        "0",
        "tidak",
        "tdk",
        "bukan",
        "large",
        "besar",
        "non sme",
        "non-sme",
        "nonsme",
        "not sme",
        "bukan umkm",
        "non umkm",
        "non-umkm",
    ];
    if yes.contains(&s) {
        return Some(true);
    }
    if no.contains(&s) {
        return Some(false);
    }
    // "Usaha Kecil", "Small enterprise", "Large company", "Usaha Besar".
    let words: Vec<&str> = s.split(|c: char| !c.is_alphanumeric()).collect();
    let any = |list: &[&str]| words.iter().any(|w| list.contains(w));
    let small = any(&[
        "micro", "small", "medium", "mikro", "kecil", "menengah", "sme", "umkm",
    ]);
    let large = any(&["large", "besar", "non", "bukan", "not"]);
    match (small, large) {
        (true, false) => Some(true),
        (false, true) => Some(false),
        _ => None,
    }
}

/// A fiscal year with the words people put before it taken off:
/// `TA 2023`, `Tahun Anggaran 2023`, `FY 2013/14`.
pub(crate) fn fiscal_year(raw: &str) -> Option<FiscalYear> {
    let s = raw
        .trim()
        .trim_start_matches(|c: char| c.is_alphabetic() || c == ' ' || c == '.' || c == ':');
    // A spreadsheet number: 2023 stored as a float is written "2023".
    FiscalYear::parse(s).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sme_words() {
        for raw in [
            "yes",
            "Y",
            "TRUE",
            "1",
            "ya",
            "Ya",
            "micro",
            "Small",
            "medium",
            "Mikro",
            "kecil",
            "Menengah",
            "Usaha Kecil",
            "Small enterprise",
            "SME",
            "UMKM",
        ] {
            assert_eq!(sme(raw), Some(true), "{raw}");
        }
        for raw in [
            "no",
            "N",
            "false",
            "0",
            "tidak",
            "Tidak",
            "large",
            "Besar",
            "Usaha Besar",
            "Non-SME",
            "Large company",
        ] {
            assert_eq!(sme(raw), Some(false), "{raw}");
        }
        for raw in ["maybe", "", "?", "small and large"] {
            assert_eq!(sme(raw), None, "{raw}");
        }
    }

    #[test]
    fn fiscal_years() {
        for (raw, want) in [
            ("2013/14", 2013),
            ("2013-14", 2013),
            ("FY2013/14", 2013),
            ("FY 2013/14", 2013),
            ("TA 2023", 2023),
            ("Tahun Anggaran 2023", 2023),
            ("2023", 2023),
        ] {
            assert_eq!(
                fiscal_year(raw).map(|f| f.start_year()),
                Some(want),
                "{raw}"
            );
        }
        assert_eq!(fiscal_year("next year"), None);
        assert_eq!(fiscal_year("2013/15"), None);
    }
}
