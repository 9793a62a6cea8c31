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

/// A supplier's key as a person reads it: `name:fylde foods|FY85AB` is
/// the name "fylde foods" at postal code FY85AB, `id:0123` the identifier
/// 0123. A key of another shape is shown as it is.
pub fn describe_key(key: &str, indonesian: bool) -> String {
    let (name_word, postcode_word, id_word) = if indonesian {
        ("nama", "kode pos", "nomor identitas")
    } else {
        ("name", "postcode", "identifier")
    };
    if let Some(id) = key.strip_prefix("id:") {
        return format!("{id_word} {id}");
    }
    match key
        .strip_prefix("name:")
        .map(|k| k.split_once('|').unwrap_or((k, "")))
    {
        Some((name, "")) => format!("{name_word} “{name}”"),
        Some((name, postcode)) => format!("{name_word} “{name}”, {postcode_word} {postcode}"),
        None => key.to_owned(),
    }
}

/// The review note of a new supplier whose name looks like supplier
/// `like`'s: in signs, not words, so it reads in either language
/// (`≈ #7 "Fylde Foods Ltd" FY85AB`).
pub fn suggestion_note(like: i64, name: &str, postcode: Option<&str>) -> String {
    let at = postcode.map(|pc| format!(" {pc}")).unwrap_or_default();
    format!("≈ #{like} {name:?}{at}")
}

/// The suppliers a review note suggests (each `≈ #N`), in order.
pub fn suggested_in(note: &str) -> Vec<i64> {
    note.split("≈ #")
        .skip(1)
        .filter_map(|rest| {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
        .collect()
}

/// A review note as a viewer who does not see the whole catalogue reads
/// it: the parts naming a supplier it may not see left out — a
/// suggestion `≈ #N "Name" PC` of a supplier outside `sees`, and `id:X =
/// "Other"` (an identifier naming another supplier, which one not said);
/// `None` when nothing is left.
pub fn note_seen(note: &str, sees: impl Fn(i64) -> bool) -> Option<String> {
    let kept: Vec<&str> = note
        .split("; ")
        .filter(|part| match part.strip_prefix("≈ #") {
            Some(_) => suggested_in(part).first().is_some_and(|id| sees(*id)),
            None => !(part.starts_with("id:") && part.contains(" = ")),
        })
        .collect();
    (!kept.is_empty()).then(|| kept.join("; "))
}

/// A supplier of the catalogue as the near-duplicate search sees it.
#[derive(Debug, Clone, Copy)]
pub struct Listed<'a> {
    pub id: i64,
    pub name: &'a str,
    pub postcode: Option<&'a str>,
}

/// How many neighbours, in the order of normal names, each new supplier
/// is compared with on either side: spellings of one name sort together.
const NEIGHBOURS: usize = 4;

/// The suppliers of `new` whose names look like another supplier's of the
/// catalogue: the same normal name at another postal code, or a spelling
/// close to it ("Fylde Co-op" and "Fylde Cooperative Society"), never two
/// names whose numbers differ ("Ribble Print 12", "Ribble Print 13").
/// Each new supplier once, with the one it looks like: (new, other).
pub fn near_duplicates(
    catalogue: &[Listed],
    new: &std::collections::HashSet<i64>,
) -> Vec<(i64, i64)> {
    let mut sorted: Vec<(String, &Listed)> = catalogue
        .iter()
        .map(|s| (normalise_name(s.name), s))
        .filter(|(n, _)| !n.is_empty())
        .collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.id.cmp(&b.1.id)));
    let mut found = Vec::new();
    for (i, (name, s)) in sorted.iter().enumerate() {
        if !new.contains(&s.id) {
            continue;
        }
        let around =
            sorted[i.saturating_sub(NEIGHBOURS)..(i + NEIGHBOURS + 1).min(sorted.len())].iter();
        let like = around
            .filter(|(_, o)| o.id != s.id)
            .filter(|(other, _)| look_alike(name, other))
            // The oldest first: the one a merge should keep.
            .min_by_key(|(_, o)| o.id);
        if let Some((_, o)) = like {
            found.push((s.id, o.id));
        }
    }
    found
}

/// Two normal names that may be one business's.
fn look_alike(a: &str, b: &str) -> bool {
    let numbers = |n: &str| -> Vec<String> {
        n.split(' ')
            .filter(|w| w.chars().any(|c| c.is_ascii_digit()))
            .map(str::to_owned)
            .collect()
    };
    if numbers(a) != numbers(b) {
        return false;
    }
    let squashed = |n: &str| n.replace("cooperative", "coop").replace(' ', "");
    let close = |a: &str, b: &str| {
        a == b || (a.len().min(b.len()) >= 6 && strsim::jaro_winkler(a, b) >= 0.93)
    };
    close(a, b) || close(&squashed(a), &squashed(b))
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

    #[test]
    fn near_duplicates_are_spellings_and_other_postcodes_of_one_name() {
        let catalogue = [
            Listed {
                id: 1,
                name: "Fylde Foods Ltd",
                postcode: Some("FY1 1AA"),
            },
            Listed {
                id: 2,
                name: "Preston Co-operative Society",
                postcode: None,
            },
            Listed {
                id: 3,
                name: "Ribble Print 12 Ltd",
                postcode: None,
            },
            Listed {
                id: 10,
                name: "Fylde Foods Limited",
                postcode: Some("FY8 2BB"),
            },
            Listed {
                id: 11,
                name: "Preston Coop Society",
                postcode: None,
            },
            Listed {
                id: 12,
                name: "Preston Cooperativ Society",
                postcode: None,
            },
            Listed {
                id: 13,
                name: "Ribble Print 13 Ltd",
                postcode: None,
            },
            Listed {
                id: 14,
                name: "Lancaster Bakery",
                postcode: None,
            },
        ];
        let new = [10, 11, 12, 13, 14].into_iter().collect();
        let mut found = near_duplicates(&catalogue, &new);
        found.sort();
        assert_eq!(found, vec![(10, 1), (11, 2), (12, 2)]);
        // Nothing new, nothing suggested.
        assert!(near_duplicates(&catalogue, &Default::default()).is_empty());
    }

    #[test]
    fn keys_and_suggestions_read_as_people_read_them() {
        assert_eq!(
            describe_key("name:fylde foods|FY85AB", true),
            "nama “fylde foods”, kode pos FY85AB"
        );
        assert_eq!(describe_key("name:acme|", false), "name “acme”");
        assert_eq!(describe_key("id:07361234", false), "identifier 07361234");
        assert_eq!(describe_key("other", true), "other");
        // A viewer sees only the suggestions of suppliers it may see.
        let seen = |note: &str| note_seen(note, |id| id == 12);
        assert_eq!(
            seen("spellings merged; ≈ #12 \"A\"; ≈ #3 \"B\" PR12HE").as_deref(),
            Some("spellings merged; ≈ #12 \"A\"")
        );
        assert_eq!(seen("≈ #3 \"Budi Santoso\" 42111"), None);
        assert_eq!(seen("id:1001 = \"Other\""), None);
        assert_eq!(
            seen("id:1001 ≠ id:2002").as_deref(),
            Some("id:1001 ≠ id:2002")
        );
        assert_eq!(seen("→ #7").as_deref(), Some("→ #7"));
        let note = suggestion_note(7, "Fylde Foods Ltd", Some("FY85AB"));
        assert_eq!(note, "≈ #7 \"Fylde Foods Ltd\" FY85AB");
        assert_eq!(suggested_in(&note), [7]);
        assert_eq!(
            suggested_in("spellings merged; ≈ #12 \"A\"; ≈ #3 \"B\""),
            [12, 3]
        );
        assert!(suggested_in("≈ #x").is_empty());
    }
}
