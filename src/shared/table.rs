//! Plain text tables for the terminal.

use std::fmt::Write;

/// Renders rows under a header, columns padded to their widest cell (the
/// last column is not padded). Each line ends with a newline.
pub fn render(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let mut out = String::new();
    let mut line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut text = String::new();
        for (i, cell) in cells.enumerate() {
            if i > 0 {
                text.push_str("  ");
            }
            let pad = widths
                .get(i)
                .copied()
                .unwrap_or(0)
                .saturating_sub(cell.chars().count());
            text.push_str(cell);
            text.extend(std::iter::repeat_n(' ', pad));
        }
        let _ = writeln!(out, "{}", text.trim_end());
    };
    line(&mut headers.iter().copied());
    for row in rows {
        line(&mut row.iter().map(String::as_str));
    }
    out
}

/// One table row per item, its cells made by `row`.
pub fn rows<I: IntoIterator>(
    items: I,
    row: impl FnMut(I::Item) -> Vec<String>,
) -> Vec<Vec<String>> {
    items.into_iter().map(row).collect()
}

/// Notes on stderr that a listing of `shown` `what` may have been cut at
/// `limit`.
pub fn note_limit(shown: usize, limit: u32, what: &str) {
    if shown as u32 >= limit {
        eprintln!("note: the first {limit} {what} are listed; --limit shows more");
    }
}

/// Prints one page of a listing, and on stderr how many more there are.
pub fn print_page(headers: &[&str], rows: &[Vec<String>], total: u64) {
    print!("{}", render(headers, rows));
    if total > rows.len() as u64 {
        eprintln!(
            "… and {} more (use --limit or --search)",
            total - rows.len() as u64
        );
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn columns_line_up() {
        let text = super::render(
            &["CODE", "NAME"],
            &[
                vec!["ID".into(), "Indonesia".into()],
                vec!["E10000017".into(), "Lancashire".into()],
            ],
        );
        assert_eq!(
            text,
            "CODE       NAME\nID         Indonesia\nE10000017  Lancashire\n"
        );
    }
}
