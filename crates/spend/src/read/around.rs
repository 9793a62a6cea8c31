//! What surrounds the payments in a published report: title lines above
//! the header ("Report Date: …", "Parameters: …"), total lines (`Total`,
//! `Sub-total`, `Grand Total`) and footer lines. None of them is a
//! payment: they are skipped and said in the file's notes, and a grand
//! total is checked against the sum of the payments read.

use lumbung_domain::{Money, Text};
use serde::Serialize;

/// Labels of a total line that totals the whole file.
const GRAND: &[&str] = &[
    "grandtotal",
    "grandtotalrp",
    "totalkeseluruhan",
    "jumlahtotal",
    "jumlahkeseluruhan",
];

/// A total line of the file: its line, its label (compact) and amount.
#[derive(Debug, Clone)]
pub(crate) struct TotalLine {
    pub line: u64,
    pub label: String,
    pub amount: Money,
}

/// The file's grand total beside the sum of the payments read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct TotalCheck {
    /// The line of the grand total.
    pub line: u64,
    /// The amount the file states.
    pub stated: Money,
    /// The sum of the payments read from the file.
    pub sum: Money,
    pub matches: bool,
}

/// Lines as a person reads a list of them: the first ten, then "…".
pub(crate) fn line_list(lines: &[u64]) -> String {
    let shown: Vec<String> = lines.iter().take(10).map(u64::to_string).collect();
    let more = if lines.len() > 10 { ", …" } else { "" };
    format!("{}{more}", shown.join(", "))
}

/// The note on the title lines above the header, each as read (cells
/// joined), at most six of at most 100 characters.
pub(crate) fn title_note(lines: &[String]) -> Option<Text> {
    if lines.is_empty() {
        return None;
    }
    let shown: Vec<String> = lines
        .iter()
        .take(6)
        .map(|l| match l.char_indices().nth(100) {
            Some((cut, _)) => format!("\"{}…\"", &l[..cut]),
            None => format!("\"{l}\""),
        })
        .collect();
    let more = if lines.len() > 6 { "; …" } else { "" };
    let texts = format!("{}{more}", shown.join("; "));
    Some(Text::new(
        "title_lines",
        vec![("lines", texts.clone())],
        format!("baris di atas judul kolom (judul laporan, parameter) dilewati: {texts}"),
        format!("lines above the header (report title, parameters) skipped: {texts}"),
    ))
}

/// The grand total, checked: the last line labelled a grand total, else
/// the only total line when it comes after every payment and is not
/// labelled a sub-total. Sub-totals are not checked.
pub(crate) fn check_totals(totals: &[TotalLine], payments: &[(u64, Money)]) -> Option<TotalCheck> {
    let last_payment = payments.iter().map(|(line, _)| *line).max().unwrap_or(0);
    let grand = totals
        .iter()
        .rev()
        .find(|t| GRAND.contains(&t.label.as_str()))
        .or(match totals {
            [only] if only.line > last_payment && only.label != "subtotal" => Some(only),
            _ => None,
        })?;
    let sum = payments
        .iter()
        .try_fold(Money::ZERO, |sum, (_, amount)| sum.checked_add(*amount))?;
    Some(TotalCheck {
        line: grand.line,
        stated: grand.amount,
        sum,
        matches: grand.amount == sum,
    })
}

/// The notes on the total lines skipped and on the grand total's check.
pub(crate) fn total_notes(
    totals: &[TotalLine],
    check: Option<&TotalCheck>,
    payments: usize,
) -> Vec<Text> {
    let mut notes = Vec::new();
    if totals.is_empty() {
        return notes;
    }
    let lines: Vec<u64> = totals.iter().map(|t| t.line).collect();
    let (count, list) = (lines.len(), line_list(&lines));
    let s = if count == 1 { "" } else { "s" };
    notes.push(Text::new(
        "total_lines_skipped",
        vec![("count", count.to_string()), ("lines", list.clone())],
        format!("{count} baris total dilewati (bukan pembayaran): baris {list}"),
        format!("skipped {count} total line{s} (not payments): line{s} {list}"),
    ));
    if let Some(c) = check {
        let (line, stated, sum) = (c.line, c.stated, c.sum);
        notes.push(if c.matches {
            lumbung_domain::text!("grand_total_matches", line = line, stated = stated, n = payments;
                id: "total keseluruhan di baris {line} ({stated}) sama dengan jumlah {n} pembayaran",
                en: "the grand total on line {line} ({stated}) matches the sum of the {n} payments")
        } else {
            lumbung_domain::text!("grand_total_differs", line = line, stated = stated, n = payments, sum = sum;
                id: "total keseluruhan di baris {line} ({stated}) TIDAK sama dengan jumlah {n} \
                     pembayaran ({sum}): periksa berkasnya",
                en: "the grand total on line {line} ({stated}) does NOT match the sum of the {n} \
                     payments ({sum}): check the file")
        });
    }
    notes
}

/// The note on footer lines after the last payment.
pub(crate) fn footer_note(lines: &[u64]) -> Option<Text> {
    if lines.is_empty() {
        return None;
    }
    let (count, list) = (lines.len(), line_list(lines));
    let s = if count == 1 { "" } else { "s" };
    Some(Text::new(
        "footer_lines",
        vec![("count", count.to_string()), ("lines", list.clone())],
        format!("{count} baris catatan kaki setelah pembayaran dilewati: baris {list}"),
        format!("skipped {count} footer line{s} after the payments: line{s} {list}"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn total(line: u64, label: &str, pounds: i64) -> TotalLine {
        TotalLine {
            line,
            label: label.into(),
            amount: Money::from_minor(pounds * 100),
        }
    }

    #[test]
    fn the_grand_total_is_the_labelled_one_or_the_only_one_at_the_end() {
        let pays = [
            (2, Money::from_minor(1000)),
            (3, Money::from_minor(2000)),
            (5, Money::from_minor(500)),
        ];
        let sub = total(4, "subtotal", 30);
        let grand = total(6, "grandtotal", 35);
        let c = check_totals(&[sub.clone(), grand], &pays).unwrap();
        assert_eq!((c.line, c.matches), (6, true));
        // The only total, after every payment: the grand total, here wrong.
        let c = check_totals(&[total(6, "total", 36)], &pays).unwrap();
        assert_eq!(
            (c.line, c.matches, c.sum),
            (6, false, Money::from_minor(3500))
        );
        // A lone sub-total in the middle checks nothing.
        assert_eq!(check_totals(&[sub], &pays), None);
    }
}
