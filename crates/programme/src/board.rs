//! A kelurahan's public board (seed 001: anyone may check): what it shows
//! — the programme's money by kind, tranches, activities and progress,
//! the BLM capital on the UPK's books down to its journal entries, the
//! revolving fund's health, complaints by status — aggregates only, no
//! person named. A published board is frozen: its fingerprint is the
//! SHA-256 of its figures as stored, and a file claiming to be it is
//! checked field by field.

use crate::report::Report;
use crate::Kind;
use lumbung_domain::{BoardId, Money, Share};
use lumbung_fund::report::{Health, Indicators};
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// A grant tranche as a kelurahan's pages list it (its latest version).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GrantView {
    pub programme: String,
    pub tranche: u32,
    pub date: String,
    pub amount: Money,
    pub version: u32,
}

/// An activity as a kelurahan's pages list it (its latest version). The
/// implementer is a KSM or panitia: a group, never a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActivityView {
    pub programme: String,
    pub year: i32,
    pub name: String,
    pub kind: Kind,
    pub implementer: String,
    pub blm: Money,
    pub spent: Money,
    pub swadaya: Money,
    pub beneficiaries: u64,
    pub poor: u64,
    pub women: u64,
    pub progress: u8,
    pub version: u32,
}

/// A posting of BLM capital to the UPK's books, with the journal entry it
/// is: where the economic allocation can be followed into the books.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CapitalLine {
    pub programme: String,
    pub year: i32,
    pub date: String,
    /// Positive: received; negative: returned.
    pub amount: Money,
    pub journal_sequence: u64,
    pub journal_hash: String,
}

/// The revolving fund's health of the kelurahan's UPKs as of the board's
/// date: portfolio sums and the SOP's bands, no loan or member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FundHealth {
    pub upks: u64,
    pub loans: u64,
    pub active_ksm: u64,
    /// Whole rupiah, as the fund's report keeps them.
    pub outstanding: i64,
    pub arrears: i64,
    pub par: Option<Share>,
    pub rr: Option<Share>,
    pub lar: Option<Share>,
    pub health: Health,
}

impl FundHealth {
    /// The board's part of a portfolio report of `upks` UPKs; `None`
    /// without a UPK.
    pub fn of(upks: u64, i: &Indicators) -> Option<FundHealth> {
        (upks > 0).then_some(FundHealth {
            upks,
            loans: i.loans,
            active_ksm: i.active_ksm,
            outstanding: i.outstanding,
            arrears: i.arrears,
            par: i.par,
            rr: i.rr,
            lar: i.lar,
            health: i.health,
        })
    }
}

/// An approved plan as the board shows it: what it answers and costs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanSummary {
    pub kind: crate::plan::PlanKind,
    pub first_year: i32,
    pub last_year: i32,
    pub version: u32,
    pub approved_on: String,
    pub problems: Vec<String>,
    pub activities: u64,
    pub cost: Money,
    pub blm: Money,
}

/// A version of a plan as the board weighs it.
#[derive(Debug, Clone, Copy)]
pub struct PlanVersion<'a> {
    pub kind: crate::plan::PlanKind,
    pub first_year: i32,
    pub last_year: i32,
    pub version: u32,
    /// When the BKM approved it (RFC 3339 or a day); `None`: not approved.
    pub approved_at: Option<&'a str>,
    pub activities: &'a [crate::plan::PlannedActivity],
    pub cost: Money,
}

/// The sum of a plan's BLM would not fit: refused, never wrapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the plan's BLM is too large to add up")]
pub struct PlanOverflow;

/// What a board shows of `plans` as of `as_of`: of each plan (kind, first
/// year), its latest version approved by then, summed up. `plans` come
/// newest version first within each plan.
pub fn plan_summaries<'a>(
    plans: impl IntoIterator<Item = PlanVersion<'a>>,
    as_of: jiff::civil::Date,
) -> Result<Vec<PlanSummary>, PlanOverflow> {
    let day = as_of.to_string();
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for p in plans {
        let Some(on) = p.approved_at.map(|a| a.get(..10).unwrap_or(a)) else {
            continue;
        };
        if on > day.as_str() || !seen.insert((p.kind, p.first_year)) {
            continue;
        }
        let blm = p
            .activities
            .iter()
            .try_fold(Money::ZERO, |s, a| s.checked_add(a.funding.blm))
            .ok_or(PlanOverflow)?;
        let mut problems: Vec<String> = Vec::new();
        for a in p.activities {
            if !a.problem.is_empty() && !problems.contains(&a.problem) {
                problems.push(a.problem.clone());
            }
        }
        out.push(PlanSummary {
            kind: p.kind,
            first_year: p.first_year,
            last_year: p.last_year,
            version: p.version,
            approved_on: on.to_owned(),
            problems,
            activities: p.activities.len() as u64,
            cost: p.cost,
            blm,
        });
    }
    Ok(out)
}

/// The fund journal's last entry when the board was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JournalHead {
    pub sequence: u64,
    pub hash: String,
}

/// Everything a kelurahan's board shows as of a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Board {
    pub area_code: String,
    pub area_name: String,
    pub as_of: String,
    /// The approved plans (the latest approved version of each).
    pub plans: Vec<PlanSummary>,
    /// The programme's figures (the keys of `lumbung programme report`).
    pub figures: Report,
    pub grants: Vec<GrantView>,
    pub activities: Vec<ActivityView>,
    pub capital: Vec<CapitalLine>,
    pub fund: Option<FundHealth>,
    /// Complaints by status (every status, zero included).
    pub complaints: BTreeMap<String, u64>,
    pub journal_head: Option<JournalHead>,
}

/// A board as published: frozen, its figures kept as the text they were
/// published as, fingerprinted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedBoard {
    pub id: BoardId,
    pub area_code: String,
    pub as_of: String,
    pub published_at: String,
    /// [`fingerprint`] of `body`, as published.
    pub sha256: String,
    /// The [`Board`] as JSON, as published.
    pub body: String,
}

impl PublishedBoard {
    /// The document `lumbung board export` writes and `verify` reads; an
    /// error when the stored figures do not read as JSON.
    pub fn document(&self) -> Result<Value, serde_json::Error> {
        Ok(serde_json::json!({
            "id": self.id,
            "area_code": self.area_code,
            "as_of": self.as_of,
            "published_at": self.published_at,
            "sha256": self.sha256,
            "board": serde_json::from_str::<Value>(&self.body)?,
        }))
    }

    /// Whether the stored figures still have the fingerprint they were
    /// published with.
    pub fn intact(&self) -> bool {
        fingerprint(&self.body) == self.sha256
    }
}

/// The SHA-256 of a board's text, in hex.
pub fn fingerprint(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// The first place, in the published document's order, where `file`
/// differs from `published`: a dotted path (`board.figures.blm_received`,
/// `board.grants[2].amount`), or the field that is extra in the file.
/// `None` when they are the same.
pub fn first_difference(published: &Value, file: &Value) -> Option<String> {
    fn walk(path: &str, a: &Value, b: &Value) -> Option<String> {
        let join = |key: &str| {
            if path.is_empty() {
                key.to_owned()
            } else {
                format!("{path}.{key}")
            }
        };
        match (a, b) {
            (Value::Object(a), Value::Object(b)) => {
                for (key, value) in a {
                    match b.get(key) {
                        Some(other) => {
                            if let Some(found) = walk(&join(key), value, other) {
                                return Some(found);
                            }
                        }
                        None => return Some(join(key)),
                    }
                }
                b.keys().find(|k| !a.contains_key(*k)).map(|k| join(k))
            }
            (Value::Array(a), Value::Array(b)) => {
                for (i, value) in a.iter().enumerate() {
                    let here = format!("{path}[{i}]");
                    match b.get(i) {
                        Some(other) => {
                            if let Some(found) = walk(&here, value, other) {
                                return Some(found);
                            }
                        }
                        None => return Some(here),
                    }
                }
                (b.len() > a.len()).then(|| format!("{path}[{}]", a.len()))
            }
            _ if a == b => None,
            _ => Some(if path.is_empty() {
                "(document)".to_owned()
            } else {
                path.to_owned()
            }),
        }
    }
    walk("", published, file)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Funding, PlanKind, PlannedActivity};
    use serde_json::json;

    #[test]
    fn a_board_shows_each_plans_latest_version_approved_by_its_day() {
        let activity = |problem: &str, blm: i64| PlannedActivity {
            name: "Jalan".into(),
            kind: crate::Kind::Physical,
            problem: problem.into(),
            location: "RW 02".into(),
            poor_households: 10,
            women: 5,
            cost: Money::from_units(blm),
            funding: Funding {
                blm: Money::from_units(blm),
                ..Funding::default()
            },
            schedule: "2025".into(),
            responsible: "KSM".into(),
        };
        let (v2, v1) = (
            vec![
                activity("banjir", 70),
                activity("banjir", 30),
                activity("", 5),
            ],
            vec![activity("sampah", 10)],
        );
        let version = |version, approved_at, activities: &'static [PlannedActivity]| PlanVersion {
            kind: PlanKind::Pjm,
            first_year: 2025,
            last_year: 2027,
            version,
            approved_at,
            activities,
            cost: Money::from_units(1),
        };
        let (v2, v1): (&'static [_], &'static [_]) = (v2.leak(), v1.leak());
        // Newest first: version 3 was never approved, 2 on 1 March, 1 in January.
        let plans = [
            version(3, None, v2),
            version(2, Some("2025-03-01T10:00:00Z"), v2),
            version(1, Some("2025-01-10"), v1),
        ];
        let on = |day: &str| plan_summaries(plans, day.parse().unwrap()).unwrap();
        assert!(on("2025-01-09").is_empty());
        let january = on("2025-02-28");
        assert_eq!(
            (january[0].version, january[0].problems.clone()),
            (1, vec!["sampah".to_owned()])
        );
        let march = on("2025-03-01");
        assert_eq!(march.len(), 1, "one summary a plan");
        assert_eq!(
            (
                march[0].version,
                march[0].approved_on.as_str(),
                march[0].blm,
                march[0].problems.clone()
            ),
            (
                2,
                "2025-03-01",
                Money::from_units(105),
                vec!["banjir".to_owned()]
            )
        );
        let huge = [activity("x", i64::MAX / 100), activity("x", i64::MAX / 100)];
        let huge: &'static [_] = Vec::from(huge).leak();
        assert_eq!(
            plan_summaries(
                [version(1, Some("2025-01-01"), huge)],
                "2025-02-01".parse().unwrap()
            ),
            Err(PlanOverflow)
        );
    }

    #[test]
    fn the_first_altered_field_is_named_by_its_path() {
        let published = json!({"id": 1, "sha256": "ab", "board": {"figures": {"blm_received": "100.00",
            "blm_spent": {"total": "90.00"}}, "grants": [{"amount": "60.00"}, {"amount": "40.00"}]}});
        assert_eq!(first_difference(&published, &published.clone()), None);
        let mut file = published.clone();
        file["board"]["grants"][1]["amount"] = json!("400.00");
        file["board"]["figures"]["blm_spent"]["total"] = json!("9.00");
        assert_eq!(
            first_difference(&published, &file).as_deref(),
            Some("board.figures.blm_spent.total")
        );
        let mut file = published.clone();
        file["board"]["grants"][1]["amount"] = json!(40);
        assert_eq!(
            first_difference(&published, &file).as_deref(),
            Some("board.grants[1].amount")
        );
        let mut file = published.clone();
        file["board"]["grants"]
            .as_array_mut()
            .unwrap()
            .push(json!({}));
        assert_eq!(
            first_difference(&published, &file).as_deref(),
            Some("board.grants[2]")
        );
        let mut file = published.clone();
        file["board"].as_object_mut().unwrap().remove("figures");
        assert_eq!(
            first_difference(&published, &file).as_deref(),
            Some("board.figures")
        );
        let mut file = published.clone();
        file["note"] = json!("added");
        assert_eq!(first_difference(&published, &file).as_deref(), Some("note"));
        assert_eq!(
            first_difference(&published, &json!([])).as_deref(),
            Some("(document)")
        );
    }

    #[test]
    fn the_fingerprint_is_the_sha256_of_the_text() {
        assert_eq!(
            fingerprint("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
