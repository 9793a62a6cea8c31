//! One supplier across anchors, years and spellings. Names are compared in
//! a normal form: case folded, punctuation and legal forms dropped, so
//! "ACME Services Ltd." and "Acme Services Limited" are the same name.

/// Legal-form words that say nothing about which business it is, in
/// English and Indonesian use.
const LEGAL_FORMS: &[&str] = &[
    "ltd",
    "limited",
    "plc",
    "llp",
    "lp",
    "inc",
    "llc",
    "co",
    "company",
    "corp",
    "corporation",
    "cic",
    "cio",
    "pt",
    "cv",
    "tbk",
    "persero",
    "perum",
    "ud",
    "koperasi",
    "kop",
    "fa",
    "firma",
    "yayasan",
];

/// The normal form of a supplier name: lowercase ASCII words without
/// punctuation and without legal forms, `&` read as `and`. Empty when the
/// name has nothing else (e.g. "Ltd").
pub fn normalise_name(name: &str) -> String {
    // "Co-op" is a co-operative, not the legal form "Co.".
    let lowered = name
        .to_lowercase()
        .replace('&', " and ")
        .replace("co-operative", "cooperative")
        .replace("co-op", "coop");
    let words: Vec<String> = lowered
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect();
    // "P.T." splits into "p" "t": join single letters back before checking.
    let mut joined: Vec<String> = Vec::new();
    let mut letters = String::new();
    for w in words {
        if w.chars().count() == 1 && w.chars().all(char::is_alphabetic) {
            letters.push_str(&w);
            continue;
        }
        if !letters.is_empty() {
            joined.push(std::mem::take(&mut letters));
        }
        joined.push(w);
    }
    if !letters.is_empty() {
        joined.push(letters);
    }
    joined
        .into_iter()
        .filter(|w| !LEGAL_FORMS.contains(&w.as_str()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The key that merges rows automatically when they have no identifier in
/// common: the normal name and the postal code (normalised, possibly empty).
pub fn name_key(name: &str, postcode: Option<&str>) -> String {
    let postcode: String = postcode
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    format!("{}|{postcode}", normalise_name(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legal_forms_case_and_punctuation_do_not_matter() {
        assert_eq!(normalise_name("ACME Services Ltd."), "acme services");
        assert_eq!(normalise_name("Acme Services Limited"), "acme services");
        assert_eq!(normalise_name("Smith & Sons PLC"), "smith and sons");
        assert_eq!(normalise_name("P.T. Maju Jaya Tbk"), "maju jaya");
        assert_eq!(normalise_name("PT Maju Jaya (Persero)"), "maju jaya");
        assert_eq!(normalise_name("CV. Sumber Rejeki"), "sumber rejeki");
        assert_eq!(normalise_name("Koperasi Tani Makmur"), "tani makmur");
        assert_eq!(normalise_name("Ltd"), "");
        assert_eq!(normalise_name("Lancaster Co-op"), "lancaster coop");
        assert_eq!(
            normalise_name("Preston Co-operative Ltd"),
            "preston cooperative"
        );
    }

    #[test]
    fn different_businesses_stay_different() {
        assert_ne!(
            normalise_name("Ribble Print 12 Ltd"),
            normalise_name("Ribble Print 13 Ltd")
        );
        assert_ne!(
            name_key("Acme", Some("PR1 2HE")),
            name_key("Acme", Some("M1 1AA"))
        );
        assert_eq!(
            name_key("Acme Ltd", Some("pr1 2he")),
            name_key("ACME LIMITED", Some("PR12HE"))
        );
    }
}
