//! Server-rendered pages: minijinja templates compiled into the binary.
//! Undefined values are errors, so a missing message key or a typo fails a
//! test instead of rendering an empty string.

use crate::i18n::Lang;
use lumbung_domain::Currency;
use minijinja::{Environment, UndefinedBehavior, Value};
use std::sync::OnceLock;

/// Each template's name and source, read from `templates/<name>`.
macro_rules! sources {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("templates/", $name)))),*]
    };
}

pub const SOURCES: &[(&str, &str)] = sources![
    "base.html",
    "home.html",
    "error.html",
    "login.html",
    "areas.html",
    "area.html",
    "orgs.html",
    "org.html",
    "org_form.html",
    "users.html",
    "user_form.html",
    "password_form.html",
    "own_password.html",
    "audit.html",
    "pager.html",
    "listing.html",
    "forms.html",
    "field_errors.html",
    "sent_forms.html",
    "upload_form.html",
    "spend.html",
    "spend_payments.html",
    "spend_import.html",
    "spend_preview.html",
    "spend_job.html",
    "spend_suppliers.html",
    "business.html",
    "business_counts.html",
    "business_one.html",
    "contracts.html",
    "opportunities.html",
    "tenders.html",
    "evaluation.html",
    "lm3.html",
    "whatif.html",
    "assessments.html",
    "assessment_supplier.html",
    "outbox.html",
    "partnerships.html",
    "partnership.html",
    "partnership_public.html",
    "offers.html",
    "compare.html",
    "invest.html",
    "economy.html",
    "capitals.html",
    "charters.html",
    "charter.html",
    "respend_answer.html",
    "programme.html",
    "board.html",
    "complaint_new.html",
    "complaint_fields.html",
    "complaint_track.html",
    "complaints.html",
    "complaint.html",
    "complaint_summary.html",
    "spend_imports.html",
    "spend_flagged.html",
    "reports.html",
    "fund.html",
    "fund_upk.html",
    "fund_ksm.html",
    "fund_loan.html",
    "fund_receipt.html",
    "fund_statements.html",
    "fund_settings.html",
    "fund_collection.html",
    "report.html",
    "community_progress.html",
    "community_kelurahan.html",
    "community_criteria.html",
    "community_summary.html",
    "community_mapping.html",
    "community_mapping_public.html",
    "community_ps2.html",
    "community_rejected.html",
    "election_index.html",
    "election_results.html",
    "election_results_table.html",
    "election_kelurahan.html",
    "election_poll.html",
    "election_register.html",
    "election_ballots.html",
    "election_sheets.html",
    "election_minutes.html",
    "election_result.html",
];

fn env() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.add_filter("label", label);
        env.add_filter("money", money);
        env.add_filter("percent", percent);
        env.add_filter("narration", narration);
        env.add_filter("supplier_key", supplier_key);
        env.add_filter("row_flags", row_flags);
        for (name, source) in SOURCES {
            env.add_template(name, source).expect("templates compile");
        }
        env
    })
}

/// Renders `name` with the page's own `ctx` merged over the common context:
/// `t` (messages), `lang`, `me` (the signed-in user or none) and `path`.
pub fn render(
    name: &str,
    lang: Lang,
    common: Value,
    ctx: Value,
) -> Result<String, minijinja::Error> {
    let tmpl = env().get_template(name)?;
    let base = minijinja::context! {
        t => catalogue(lang),
        lang => lang.code(),
    };
    tmpl.render(minijinja::value::merge_maps([ctx, common, base]))
}

/// The messages of `lang` as a template value, made once: converting the
/// whole catalogue for every page cost more than rendering most pages.
fn catalogue(lang: Lang) -> Value {
    static ID: OnceLock<Value> = OnceLock::new();
    static EN: OnceLock<Value> = OnceLock::new();
    let cell = match lang {
        Lang::Id => &ID,
        Lang::En => &EN,
    };
    cell.get_or_init(|| Value::from_serialize(lang.catalogue()))
        .clone()
}

/// `memo|narration(lang)`: a journal entry's narration in the reader's
/// language (see [`lumbung_fund::words::narration`]).
fn narration(memo: String, lang: String) -> String {
    lumbung_fund::words::narration(&memo, lang == "id")
}

/// `flags|row_flags(lang)`: an imported row's flags in the reader's
/// language (see [`lumbung_spend::words::flags`]).
fn row_flags(flags: String, lang: String) -> String {
    lumbung_spend::words::flags(&flags, lang == "id")
}

/// `key|supplier_key(lang)`: a supplier's key as a person reads it.
fn supplier_key(key: String, lang: String) -> String {
    lumbung_spend::suppliers::describe_key(&key, lang == "id")
}

/// `t|label("org_kind_", kind)`: the message for an open-ended key (area
/// kinds come from data files), or the key itself when there is none.
fn label(t: Value, prefix: String, key: Option<String>) -> String {
    let key = key.unwrap_or_default();
    match t.get_item(&Value::from(format!("{prefix}{key}"))) {
        Ok(v) if !v.is_undefined() => v.to_string(),
        _ => key,
    }
}

/// `amount|money(lang)` or `amount|money(lang, "IDR")`: a plain decimal
/// (`-14588360.72`) grouped for reading — `-14,588,360.72` in English,
/// `-14.588.360,72` in Indonesian — with its currency's sign when given
/// (`Rp 262.138`, `£262,138.23`). Files and the API keep the plain form;
/// only pages group.
fn money(value: Value, lang: String, currency: Option<String>) -> String {
    let currency = currency.as_deref().and_then(Currency::parse);
    money_text(&value.to_string(), &lang, currency)
}

/// What [`money`] writes, for text made outside templates (chart labels).
pub(crate) fn money_text(text: &str, lang: &str, currency: Option<Currency>) -> String {
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
        return text.to_owned();
    }
    let (group, point) = if lang == "id" { ('.', ',') } else { (',', '.') };
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(group);
        }
        grouped.push(c);
    }
    let unit = currency.map_or("", Currency::sign);
    if frac.is_empty() {
        format!("{sign}{unit}{grouped}")
    } else {
        format!("{sign}{unit}{grouped}{point}{frac}")
    }
}

/// `share|percent(lang)`: a fraction as written (`0.373100`, `1`, `0.30`)
/// read as a percentage to two places, rounded half up, without trailing
/// zeros — `37,31%` in Indonesian, `37.31%` in English. Anything that is
/// not such a fraction is shown as it is.
fn percent(value: Value, lang: String) -> String {
    percent_text(&value.to_string(), &lang)
}

/// What [`percent`] writes, for text made outside templates (chart labels).
pub(crate) fn percent_text(text: &str, lang: &str) -> String {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let is_number = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || !is_number(int) || !is_number(frac) || int.len() > 12 {
        return text.to_owned();
    }
    // Hundredths of a percent: the fraction's first four decimals, and the
    // fifth to round.
    let padded = format!("{frac:0<5}");
    let (kept, next) = padded.split_at(4);
    let next = next.as_bytes()[0] - b'0';
    let (Ok(int), Ok(kept)) = (int.parse::<u64>(), kept.parse::<u64>()) else {
        return text.to_owned();
    };
    let hundredths = int * 10_000 + kept + u64::from(next >= 5);
    let (whole, part) = (hundredths / 100, hundredths % 100);
    let point = if lang == "id" { ',' } else { '.' };
    let sign = if negative && hundredths > 0 { "-" } else { "" };
    let whole = money_text(&whole.to_string(), lang, None);
    match part {
        0 => format!("{sign}{whole}%"),
        p if p % 10 == 0 => format!("{sign}{whole}{point}{}%", p / 10),
        p => format!("{sign}{whole}{point}{p:02}%"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A page that reloads itself takes a screen reader's place away and
    /// fails axe-core's meta-refresh rule: a running import's page offers
    /// a link to reload it instead.
    #[test]
    fn no_page_reloads_itself() {
        for (name, source) in SOURCES {
            assert!(
                !source.to_lowercase().contains("http-equiv=\"refresh\""),
                "{name} reloads itself"
            );
        }
    }

    #[test]
    fn shares_read_as_percentages_per_language() {
        let p = |v: &str, lang: &str| percent(Value::from(v), lang.to_owned());
        assert_eq!(p("0.373100", "id"), "37,31%");
        assert_eq!(p("0.373100", "en"), "37.31%");
        assert_eq!(p("1.000000", "id"), "100%");
        assert_eq!(p("0.30", "id"), "30%");
        assert_eq!(p("0.015", "en"), "1.5%");
        assert_eq!(p("0.123456", "en"), "12.35%");
        assert_eq!(p("12.5", "en"), "1,250%");
        assert_eq!(p("-0.0042", "id"), "-0,42%");
        assert_eq!(p("-0.00001", "id"), "0%");
        assert_eq!(p("n/a", "id"), "n/a");
    }

    #[test]
    fn money_is_grouped_per_language() {
        assert_eq!(
            money(Value::from("-14588360.72"), "en".into(), None),
            "-14,588,360.72"
        );
        assert_eq!(
            money(Value::from("14588360.72"), "id".into(), None),
            "14.588.360,72"
        );
        assert_eq!(money(Value::from("500.00"), "en".into(), None), "500.00");
        assert_eq!(money(Value::from("n/a"), "en".into(), None), "n/a");
        let gbp = Some("GBP".to_owned());
        assert_eq!(
            money(Value::from("-262138.23"), "en".into(), gbp.clone()),
            "-£262,138.23"
        );
        assert_eq!(
            money(Value::from(262138), "id".into(), Some("IDR".into())),
            "Rp\u{a0}262.138"
        );
        assert_eq!(money(Value::from(5), "en".into(), Some("XYZ".into())), "5");
    }
}
