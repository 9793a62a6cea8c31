//! The re-spend survey collected in the web app: a short form sent
//! through the outbox to the local suppliers the anchors paid, each
//! answering what share of what it receives it spends in the local area —
//! on local staff's wages and on local sub-suppliers. The answers feed
//! [`crate::lm3::lm3`] as a survey file's rows would.

use crate::exact::{self, Exact};
use crate::lm3::{Answer, Paid};
use lumbung_domain::{text, Language, SupplierId, Text};
use std::collections::BTreeSet;

/// The longest name of a survey.
pub const SURVEY_NAME_MAX: usize = 120;

/// The invitation a supplier is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub subject: String,
    pub body: String,
}

/// The invitation to `business` about the spend of `anchors`, answered
/// at `link`.
pub fn invitation(business: &str, anchors: &str, link: &str, language: Language) -> Invitation {
    let subject = text!("respend_invitation_subject";
        id: "Survei singkat: belanja lokal usaha Anda",
        en: "A short survey: your business's local spending");
    let body = text!("respend_invitation_body", business = business, anchors = anchors, link = link;
        id: "Yth. {business},\n\n{anchors} ingin mengetahui berapa banyak dari pembayaran mereka yang dibelanjakan kembali di wilayah ini. Dua pertanyaan saja: dari setiap 100 yang Anda terima, berapa yang dibayarkan sebagai upah kepada staf yang tinggal di wilayah ini, dan berapa kepada pemasok di wilayah ini.\n\nJawab di sini (tautan ini hanya untuk usaha Anda): {link}\n\nBalas surel ini bila Anda tidak ingin dihubungi lagi.",
        en: "Dear {business},\n\n{anchors} would like to know how much of what they pay you is spent again in the area. Two questions only: of every 100 you receive, how much goes in wages to staff living in the area, and how much to suppliers in the area.\n\nAnswer here (the link is for your business only): {link}\n\nReply to this e-mail if you no longer wish to be contacted.");
    Invitation {
        subject: subject.get(language).to_owned(),
        body: body.get(language).to_owned(),
    }
}

/// The local suppliers of the selection: who is asked.
pub fn local_suppliers(paid: &[Paid]) -> BTreeSet<SupplierId> {
    paid.iter()
        .filter(|p| p.local)
        .map(|p| p.supplier)
        .collect()
}

/// A supplier's answer: percentages of what it receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurveyAnswer {
    /// Paid in wages to staff living in the local area.
    pub wages: Exact,
    /// Paid to suppliers in the local area.
    pub suppliers: Exact,
}

impl SurveyAnswer {
    /// Its local re-spend share, 0–1.
    pub fn share(&self) -> Exact {
        (&self.wages + &self.suppliers) / exact::int(100)
    }
}

/// Checks an answer as typed: two percentages (at most 2 decimals, 0 to
/// 100) whose sum is at most 100. Problems by field.
pub fn check_answer(
    wages: &str,
    suppliers: &str,
) -> Result<SurveyAnswer, Vec<(&'static str, Text)>> {
    let pct = |raw: &str| {
        exact::parse_decimal(raw, 2).filter(|v| *v >= exact::int(0) && *v <= exact::int(100))
    };
    let bad = |raw: &str| {
        text!("respend_bad_percent", value = raw.trim();
            id: "{value:?} bukan persentase 0 sampai 100 (paling banyak 2 desimal)",
            en: "{value:?} is not a percentage from 0 to 100 (at most 2 decimals)")
    };
    let mut problems = Vec::new();
    let w = pct(wages);
    if w.is_none() {
        problems.push(("wages", bad(wages)));
    }
    let s = pct(suppliers);
    if s.is_none() {
        problems.push(("suppliers", bad(suppliers)));
    }
    match (w, s) {
        (Some(w), Some(s)) if &w + &s > exact::int(100) => {
            problems.push((
                "suppliers",
                text!("respend_over_100";
                    id: "upah dan pemasok lokal bersama paling banyak 100",
                    en: "wages and local suppliers together are at most 100"),
            ));
            Err(problems)
        }
        (Some(wages), Some(suppliers)) if problems.is_empty() => {
            Ok(SurveyAnswer { wages, suppliers })
        }
        _ => Err(problems),
    }
}

/// The answers kept as the multiplier takes a survey's rows: each
/// invitation (its number standing for a file's line) with its supplier
/// and the last answer given.
pub fn answers(kept: &[(u64, String, SupplierId, SurveyAnswer)]) -> Vec<Answer> {
    kept.iter()
        .map(|(line, name, supplier, a)| Answer {
            line: *line,
            name: name.clone(),
            supplier: *supplier,
            share: a.share(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use lumbung_domain::Money;

    #[test]
    fn an_answer_is_two_percentages_adding_to_at_most_100() {
        let a = check_answer("40", "12.5").unwrap();
        assert_eq!(exact::decimal(&a.share(), 3), "0.525");
        let fields = |w, s| -> Vec<&'static str> {
            check_answer(w, s)
                .unwrap_err()
                .into_iter()
                .map(|(f, _)| f)
                .collect()
        };
        assert_eq!(fields("-1", "abc"), ["wages", "suppliers"]);
        assert_eq!(fields("60", "50"), ["suppliers"]);
        assert_eq!(fields("101", "0"), ["wages"]);
        assert!(check_answer("100", "0").is_ok());
    }

    #[test]
    fn only_local_suppliers_are_asked_and_answers_feed_the_multiplier() {
        let paid = |s: i64, local: bool, pounds: i64| Paid {
            anchor: "Council".into(),
            supplier: SupplierId::new(s),
            local,
            spend: Money::from_units(pounds),
        };
        let paid = [paid(1, true, 600), paid(2, false, 400), paid(1, true, 0)];
        assert_eq!(
            local_suppliers(&paid).into_iter().collect::<Vec<_>>(),
            [SupplierId::new(1)]
        );
        let kept = [(
            7,
            "Joinery".to_owned(),
            SupplierId::new(1),
            check_answer("30", "20").unwrap(),
        )];
        let m = crate::lm3::lm3(&paid, &answers(&kept)).unwrap();
        // 1,000 + 600 + 600 × 0.5 = 1,900 ÷ 1,000.
        assert_eq!(m.rounds.lm3.as_deref(), Some("1.9000"));
    }

    #[test]
    fn the_invitation_speaks_the_businesss_language_and_carries_its_link() {
        let i = invitation(
            "Joinery",
            "Preston City Council",
            "https://x/survey/abc",
            Language::Indonesian,
        );
        assert!(i.body.contains("Yth. Joinery") && i.body.contains("https://x/survey/abc"));
        let e = invitation(
            "Joinery",
            "Preston City Council",
            "https://x/survey/abc",
            Language::English,
        );
        assert!(e.subject.starts_with("A short survey"));
    }
}
