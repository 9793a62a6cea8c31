//! Charts as inline SVG, drawn on the server: no JavaScript, no fonts to
//! fetch, readable on a phone (the drawing scales to the page width).

use std::fmt::Write;

/// Labels longer than this are cut with "…" (the full text is in the table).
const MAX_LABEL: usize = 30;

fn short(s: &str) -> String {
    if s.chars().count() <= MAX_LABEL {
        s.to_owned()
    } else {
        let cut: String = s.chars().take(MAX_LABEL - 1).collect();
        format!("{cut}…")
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const WIDTH: f64 = 600.0;
const LABEL: f64 = 190.0;
const ROW: f64 = 22.0;

/// One bar per row, split into parts (e.g. local, regional, outside,
/// unknown) that fill the row in proportion to their size; `legend` names
/// the parts. Negative parts (net credit) are drawn as zero.
pub fn stacked(title: &str, rows: &[(String, Vec<i64>)], legend: &[&str]) -> String {
    let height = 30.0 + ROW * rows.len() as f64 + 24.0;
    let mut svg = format!(
        r#"<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{}"><title>{}</title>"#,
        escape(title),
        escape(title)
    );
    for (k, name) in legend.iter().enumerate() {
        let x = LABEL + k as f64 * 100.0;
        let _ = write!(
            svg,
            r#"<rect class="part{k}" x="{x}" y="4" width="12" height="12"/><text x="{}" y="14">{}</text>"#,
            x + 16.0,
            escape(name)
        );
    }
    for (i, (label, parts)) in rows.iter().enumerate() {
        let y = 30.0 + ROW * i as f64;
        // i128: parts that each fit can pass i64 together.
        let total: i128 = parts.iter().map(|p| i128::from((*p).max(0))).sum();
        let _ = write!(
            svg,
            r#"<text x="0" y="{}">{}</text>"#,
            y + 14.0,
            escape(&short(label))
        );
        let mut x = LABEL;
        for (k, part) in parts.iter().enumerate() {
            if total <= 0 {
                break;
            }
            let w = (WIDTH - LABEL) * (*part).max(0) as f64 / total as f64;
            let _ = write!(
                svg,
                r#"<rect class="part{k}" x="{x:.1}" y="{y}" width="{w:.1}" height="{}"/>"#,
                ROW - 6.0
            );
            x += w;
        }
    }
    svg.push_str("</svg>");
    svg
}

/// Simple bars, longest first as given; `values` are shown beside them.
pub fn bars(title: &str, rows: &[(String, i64, String)]) -> String {
    let height = 10.0 + ROW * rows.len() as f64;
    let max = rows.iter().map(|r| r.1.max(0)).max().unwrap_or(0).max(1);
    let mut svg = format!(
        r#"<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{}"><title>{}</title>"#,
        escape(title),
        escape(title)
    );
    for (i, (label, value, text)) in rows.iter().enumerate() {
        let y = 4.0 + ROW * i as f64;
        let w = (WIDTH - LABEL - 110.0) * (*value).max(0) as f64 / max as f64;
        let _ = write!(
            svg,
            r#"<text x="0" y="{}">{}</text><rect class="part2" x="{LABEL}" y="{y}" width="{w:.1}" height="{}"/><text x="{:.1}" y="{}">{}</text>"#,
            y + 14.0,
            escape(&short(label)),
            ROW - 6.0,
            LABEL + w + 4.0,
            y + 14.0,
            escape(text)
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stacked_parts_fill_the_row_in_proportion() {
        let svg = stacked(
            "t",
            &[("Preston <CC>".into(), vec![1, 1, 2, 0])],
            &["a", "b", "c", "d"],
        );
        assert!(svg.contains("Preston &lt;CC&gt;"), "labels are escaped");
        assert!(svg.contains(r#"width="102.5""#), "a quarter of 410");
        assert!(svg.contains(r#"width="205.0""#), "a half of 410");
    }

    #[test]
    fn long_labels_are_cut() {
        let svg = bars(
            "t",
            &[(
                "Lancashire Teaching Hospitals NHS Foundation Trust 2012/13".into(),
                1,
                "1".into(),
            )],
        );
        assert!(svg.contains("Lancashire Teaching Hospitals…"), "{svg}");
    }

    #[test]
    fn bars_scale_to_the_largest() {
        let svg = bars(
            "t",
            &[("a".into(), 10, "10".into()), ("b".into(), 5, "5".into())],
        );
        assert!(svg.contains(r#"width="300.0""#) && svg.contains(r#"width="150.0""#));
    }
}
