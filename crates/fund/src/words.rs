//! Amounts in words for receipts (kuitansi): Indonesian *terbilang* and
//! English, as a receipt states the sum twice, in figures and in words.

const ID_UNITS: [&str; 12] = [
    "", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan", "sepuluh",
    "sebelas",
];

fn id_below_thousand(n: u64) -> String {
    match n {
        0..=11 => ID_UNITS[n as usize].to_owned(),
        12..=19 => format!("{} belas", ID_UNITS[(n - 10) as usize]),
        20..=99 => join(
            format!("{} puluh", ID_UNITS[(n / 10) as usize]),
            id_below_thousand(n % 10),
        ),
        100..=199 => join("seratus".into(), id_below_thousand(n - 100)),
        _ => join(
            format!("{} ratus", ID_UNITS[(n / 100) as usize]),
            id_below_thousand(n % 100),
        ),
    }
}

fn join(a: String, b: String) -> String {
    if b.is_empty() {
        a
    } else {
        format!("{a} {b}")
    }
}

/// Indonesian words: 1,250,000 → "satu juta dua ratus lima puluh ribu rupiah".
pub fn terbilang(amount: i64) -> String {
    in_words(
        amount,
        "nol",
        ["triliun", "miliar", "juta", "ribu"],
        |group, name| match (group, name) {
            (1, "ribu") => "seribu".to_owned(),
            (_, "") => id_below_thousand(group),
            _ => format!("{} {name}", id_below_thousand(group)),
        },
    )
}

/// `amount` in words: each non-zero group of three digits, the largest
/// first, as `group` says it with its scale's name ("" for the last),
/// then "rupiah".
fn in_words(
    amount: i64,
    zero: &str,
    scales: [&str; 4],
    group: impl Fn(u64, &str) -> String,
) -> String {
    let n = amount.unsigned_abs();
    let words = if n == 0 {
        zero.to_owned()
    } else {
        [1_000_000_000_000u64, 1_000_000_000, 1_000_000, 1_000, 1]
            .into_iter()
            .zip(scales.into_iter().chain([""]))
            .map(|(scale, name)| (n / scale % 1000, name))
            .filter(|(g, _)| *g > 0)
            .map(|(g, name)| group(g, name))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let sign = if amount < 0 { "minus " } else { "" };
    format!("{sign}{words} rupiah")
}

const EN_UNITS: [&str; 20] = [
    "",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
];
const EN_TENS: [&str; 10] = [
    "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
];

fn en_below_thousand(n: u64) -> String {
    match n {
        0..=19 => EN_UNITS[n as usize].to_owned(),
        20..=99 => match n % 10 {
            0 => EN_TENS[(n / 10) as usize].to_owned(),
            u => format!("{}-{}", EN_TENS[(n / 10) as usize], EN_UNITS[u as usize]),
        },
        _ => join(
            format!("{} hundred", EN_UNITS[(n / 100) as usize]),
            en_below_thousand(n % 100),
        ),
    }
}

/// English words: 1,250,000 → "one million two hundred fifty thousand rupiah".
pub fn in_english(amount: i64) -> String {
    in_words(
        amount,
        "zero",
        ["trillion", "billion", "million", "thousand"],
        |group, name| join(en_below_thousand(group), name.to_owned()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indonesian_words_follow_the_usual_forms() {
        assert_eq!(terbilang(0), "nol rupiah");
        assert_eq!(terbilang(11), "sebelas rupiah");
        assert_eq!(terbilang(15), "lima belas rupiah");
        assert_eq!(terbilang(100), "seratus rupiah");
        assert_eq!(terbilang(1_000), "seribu rupiah");
        assert_eq!(terbilang(109_000), "seratus sembilan ribu rupiah");
        assert_eq!(
            terbilang(1_250_000),
            "satu juta dua ratus lima puluh ribu rupiah"
        );
        assert_eq!(
            terbilang(2_011_111),
            "dua juta sebelas ribu seratus sebelas rupiah"
        );
        assert_eq!(terbilang(1_000_001_000), "satu miliar seribu rupiah");
    }

    #[test]
    fn english_words() {
        assert_eq!(in_english(109_000), "one hundred nine thousand rupiah");
        assert_eq!(
            in_english(1_250_021),
            "one million two hundred fifty thousand twenty-one rupiah"
        );
    }
}

/// A journal entry's narration in the reader's language. The books write
/// their own narrations in English (`repayment of loan L-1`, `savings
/// deposit`) and keep them as written; a narration a person typed is shown
/// as it is.
pub fn narration(memo: &str, indonesian: bool) -> String {
    if !indonesian {
        return memo.to_owned();
    }
    if let Some(rest) = memo.strip_prefix("reversal of: ") {
        return format!("pembalikan: {}", narration(rest, true));
    }
    if let Some(loan) = memo.strip_prefix("repayment of loan ") {
        return format!("angsuran pinjaman {loan}");
    }
    if let Some(rest) = memo.strip_prefix("write-off of loan ") {
        return format!("penghapusan pinjaman {rest}");
    }
    if let Some(amount) = memo.strip_prefix("loan-loss reserve to ") {
        return format!("cadangan kerugian pinjaman menjadi {amount}");
    }
    if let Some(rest) = memo.strip_prefix("BLM economic capital ") {
        let rest = rest
            .replace(" received (import ", " diterima (impor ")
            .replace(" returned (import ", " dikembalikan (impor ");
        return format!("modal BLM ekonomi {rest}");
    }
    if let Some(ksm) = memo.strip_prefix("loan to KSM ") {
        return format!("pinjaman kepada KSM {ksm}");
    }
    if let Some((loan, ksm)) = memo
        .strip_prefix("loan ")
        .and_then(|rest| rest.split_once(" to KSM "))
    {
        return format!("pinjaman {loan} kepada KSM {ksm}");
    }
    match memo {
        "savings deposit" => "setoran simpanan".to_owned(),
        "savings withdrawal" => "penarikan simpanan".to_owned(),
        _ => memo.to_owned(),
    }
}

#[cfg(test)]
mod narration_tests {
    use super::narration;

    #[test]
    fn the_books_own_narrations_read_in_indonesian_and_typed_ones_stay() {
        for (en, id) in [
            (
                "BLM economic capital P2KP 2008 received (import 2)",
                "modal BLM ekonomi P2KP 2008 diterima (impor 2)",
            ),
            (
                "BLM economic capital P2KP 2008 returned (import 5)",
                "modal BLM ekonomi P2KP 2008 dikembalikan (impor 5)",
            ),
            (
                "repayment of loan CRS-2025-002",
                "angsuran pinjaman CRS-2025-002",
            ),
            ("savings deposit", "setoran simpanan"),
            ("savings withdrawal", "penarikan simpanan"),
            (
                "loan UPK22-000001 to KSM Melati",
                "pinjaman UPK22-000001 kepada KSM Melati",
            ),
            ("loan to KSM Mawar", "pinjaman kepada KSM Mawar"),
            (
                "write-off of loan L-3: bubar",
                "penghapusan pinjaman L-3: bubar",
            ),
            (
                "loan-loss reserve to Rp 3000000",
                "cadangan kerugian pinjaman menjadi Rp 3000000",
            ),
            (
                "reversal of: repayment of loan L-1",
                "pembalikan: angsuran pinjaman L-1",
            ),
            ("ATK dan rapat", "ATK dan rapat"),
        ] {
            assert_eq!(narration(en, true), id);
            assert_eq!(narration(en, false), en);
        }
    }
}
