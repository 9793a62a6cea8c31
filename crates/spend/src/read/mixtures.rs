//! Published files as councils export them, mixed at random around known
//! payments: title blocks, header spellings, sub-totals and a grand total,
//! footers, padding, code pages and line ends that change within the file.
//! Exactly the known payments are read, whatever surrounds them.

use super::*;
use proptest::prelude::*;

/// A payment as generated: supplier, day, month, pence.
type Known = (usize, i8, i8, i64);

const SUPPLIERS: [&str; 5] = [
    "Fylde Foods Ltd",
    "Ribble Print",
    "Preston Co-operative",
    "Lancs Care CIC",
    "Acme Widgets",
];

const TITLES: [&str; 5] = [
    "Spend over £500 Report",
    "Report Date: 03/02/2020",
    "Parameters: Period 10 2019/20; Threshold 500",
    "01/04/2019 to 31/03/2020",
    "\u{a0}",
];

const HEADERS: [&str; 4] = [
    "Supplier Name,Payment Date,Net Amount(£)",
    "Name,Payment date,Amount (GBP)",
    "Vendor,Paid Date,Sum of Invoice Nett Amount",
    "Supplier,Date,Value £",
];

#[derive(Debug, Clone, Copy)]
enum CodePage {
    Utf8,
    Windows1252,
    Dos850,
}

/// The text in the code page's bytes (every character used here has one).
fn encode(text: &str, page: CodePage) -> Vec<u8> {
    match page {
        CodePage::Utf8 => text.as_bytes().to_vec(),
        CodePage::Windows1252 | CodePage::Dos850 => text
            .chars()
            .map(|c| match (c, page) {
                ('£', CodePage::Dos850) => 0x9C,
                ('\u{a0}', CodePage::Dos850) => 0xFF,
                ('£', _) => 0xA3,
                ('\u{a0}', _) => 0xA0,
                _ => u8::try_from(c as u32).expect("ASCII"),
            })
            .collect(),
    }
}

fn money(pence: i64, pound: bool) -> String {
    let sign = if pound { "£" } else { "" };
    format!("{sign}{}.{:02}", pence / 100, pence % 100)
}

prop_compose! {
    fn file()(
        known in prop::collection::vec((0..5usize, 1..=28i8, 1..=12i8, 1..10_000_000i64), 1..20),
        titles in prop::collection::vec(0..5usize, 0..5),
        header in 0..4usize,
        subtotals in prop::collection::vec(any::<bool>(), 20),
        grand in 0..3u8,
        footers in 0..3usize,
        page in prop_oneof![Just(CodePage::Utf8), Just(CodePage::Windows1252), Just(CodePage::Dos850)],
        ends in prop::collection::vec(0..3usize, 64),
        padded in any::<bool>(),
    ) -> (Vec<Known>, Vec<u8>, u8, bool) {
        let mut lines: Vec<String> = titles.iter().map(|t| TITLES[*t].to_owned()).collect();
        lines.push(HEADERS[header].to_owned());
        // A DOS file shows its code page by its pound signs.
        let pound = matches!(page, CodePage::Dos850);
        let pad = if padded { "\u{a0}" } else { "" };
        let mut with_subtotals = false;
        for (i, (s, d, m, p)) in known.iter().enumerate() {
            lines.push(format!("{pad}{}{pad},{d:02}/{m:02}/2020,{}", SUPPLIERS[*s], money(*p, pound)));
            if subtotals[i] {
                with_subtotals = true;
                lines.push(format!("Sub-total,,{}", money(*p, pound)));
            }
        }
        let sum: i64 = known.iter().map(|k| k.3).sum();
        match grand {
            1 => lines.push(format!("Grand Total,,{}", money(sum, pound))),
            2 => lines.push(format!("Total,,{}", money(sum, pound))),
            _ => {}
        }
        for f in 0..footers {
            lines.push(format!("Produced by the finance system, page {f}"));
        }
        let mut text = String::new();
        for (i, line) in lines.iter().enumerate() {
            text.push_str(line);
            text.push_str(["\n", "\r\n", "\r"][ends[i % ends.len()]]);
        }
        let checked = grand == 1 || (grand == 2 && !with_subtotals);
        (known, encode(&text, page), grand, checked)
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn exactly_the_known_payments_are_read((known, bytes, grand, checked) in file()) {
        let ledger = read_ledger("spend.csv", &bytes, &ReadOptions::default())
            .unwrap_or_else(|e| panic!("{e}\n{}", String::from_utf8_lossy(&bytes)));
        prop_assert!(ledger.errors.is_empty(), "{:?}\n{:?}", ledger.errors, String::from_utf8_lossy(&bytes));
        let read: Vec<(Option<&str>, Option<Date>, i64)> = ledger
            .rows
            .iter()
            .map(|r| (r.supplier_name.as_deref(), r.date, r.amount.minor()))
            .collect();
        let want: Vec<(Option<&str>, Option<Date>, i64)> = known
            .iter()
            .map(|(s, d, m, p)| (Some(SUPPLIERS[*s]), Some(jiff::civil::date(2020, *m, *d)), *p))
            .collect();
        prop_assert_eq!(read, want);
        match (&ledger.total_check, checked) {
            (Some(c), true) => prop_assert!(c.matches, "{:?}", c),
            (None, false) => {}
            (check, _) => prop_assert!(false, "grand {}: {:?}", grand, check),
        }
    }
}
