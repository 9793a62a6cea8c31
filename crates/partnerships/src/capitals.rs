//! Community capitals and active citizens (seed 004): community
//! organisers start from what a community has — its human, social,
//! physical, financial, natural and cultural assets, who holds them and
//! which programmes use them — and from its self-starting people, and look
//! for where leadership is thin.

use crate::partnership::Problems;
use lumbung_domain::text;
use serde::Serialize;

lumbung_domain::keyed! {
    /// The six community capitals.
    Capital {
        Human = "human" | "manusia",
        Social = "social" | "sosial",
        Physical = "physical" | "fisik",
        Financial = "financial" | "keuangan",
        Natural = "natural" | "alam",
        Cultural = "cultural" | "budaya",
    }
}

/// The longest name or text field, in characters.
pub const NAME_MAX: usize = 200;

/// Leadership is thin below this many active citizens per 100 households.
pub const THIN_PER_100: u64 = 2;

fn field(raw: &str, name: &'static str, required: bool, errors: &mut Problems) -> String {
    let v = raw.trim();
    if required && v.is_empty() {
        errors.push((
            name,
            text!("capital_needed"; id: "wajib diisi", en: "required"),
        ));
    } else if v.chars().count() > NAME_MAX {
        errors.push((
            name,
            text!("capital_too_long", max = NAME_MAX;
                id: "paling banyak {max} karakter", en: "at most {max} characters"),
        ));
    }
    v.to_owned()
}

/// An asset of a community, as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asset {
    pub kind: Capital,
    pub name: String,
    pub holder: String,
    pub used_by: String,
}

pub fn check_asset(kind: &str, name: &str, holder: &str, used_by: &str) -> Result<Asset, Problems> {
    let mut errors = Problems::new();
    let kind = Capital::parse(kind);
    if kind.is_none() {
        errors.push((
            "kind",
            text!("capital_bad_kind";
                id: "pilih modal: manusia, sosial, fisik, keuangan, alam atau budaya",
                en: "choose a capital: human, social, physical, financial, natural or cultural"),
        ));
    }
    let name = field(name, "name", true, &mut errors);
    let holder = field(holder, "holder", false, &mut errors);
    let used_by = field(used_by, "used_by", false, &mut errors);
    match kind {
        Some(kind) if errors.is_empty() => Ok(Asset {
            kind,
            name,
            holder,
            used_by,
        }),
        _ => Err(errors),
    }
}

/// An active citizen as typed: kept only with their consent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Citizen {
    pub name: String,
    pub leads: String,
}

pub fn check_citizen(name: &str, leads: &str, consent: bool) -> Result<Citizen, Problems> {
    let mut errors = Problems::new();
    let name = field(name, "name", true, &mut errors);
    let leads = field(leads, "leads", true, &mut errors);
    if !consent {
        errors.push((
            "consent",
            text!("citizen_no_consent";
                id: "hanya dengan persetujuan orangnya: centang bahwa ia setuju dicatat",
                en: "only with the person's consent: tick that they agreed to be recorded"),
        ));
    }
    errors
        .is_empty()
        .then_some(Citizen { name, leads })
        .ok_or(errors)
}

/// How thick leadership is in an area.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Leadership {
    pub households: Option<u64>,
    pub citizens: u64,
    /// Active citizens per 100 households, one decimal; `None` without
    /// households.
    pub per_100: Option<String>,
    /// Fewer than [`THIN_PER_100`] per 100 households (or none at all).
    pub thin: bool,
}

/// Leadership of an area with `citizens` active citizens and, when the
/// self-mapping counted them, `households`.
pub fn leadership(citizens: u64, households: Option<u64>) -> Leadership {
    let per_100 = households.filter(|h| *h > 0).map(|h| {
        // Tenths, rounded half up.
        let tenths = (citizens * 2_000 + h) / (2 * h);
        format!("{}.{}", tenths / 10, tenths % 10)
    });
    let thin = match households.filter(|h| *h > 0) {
        Some(h) => citizens * 100 < THIN_PER_100 * h,
        None => citizens == 0,
    };
    Leadership {
        households,
        citizens,
        per_100,
        thin,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assets_and_citizens_are_checked_and_citizens_need_consent() {
        assert_eq!(
            check_asset("budaya", "Seni rebana", "Sanggar RW 02", "")
                .unwrap()
                .kind,
            Capital::Cultural
        );
        let fields: Vec<_> = check_asset("gold", " ", "", "")
            .unwrap_err()
            .into_iter()
            .map(|(f, _)| f)
            .collect();
        assert_eq!(fields, ["kind", "name"]);
        assert!(check_citizen("Bu Siti", "posyandu", true).is_ok());
        let fields: Vec<_> = check_citizen("Bu Siti", "posyandu", false)
            .unwrap_err()
            .into_iter()
            .map(|(f, _)| f)
            .collect();
        assert_eq!(fields, ["consent"]);
    }

    #[test]
    fn leadership_is_thin_below_two_per_hundred_households() {
        let l = leadership(3, Some(200));
        assert_eq!((l.per_100.as_deref(), l.thin), (Some("1.5"), true));
        let l = leadership(4, Some(200));
        assert_eq!((l.per_100.as_deref(), l.thin), (Some("2.0"), false));
        assert!(leadership(0, None).thin && !leadership(1, None).thin);
    }
}
