//! A kelurahan's plans (seed 001): the three-year PJM Pronangkis and the
//! annual plan (*Renta*), each a list of activities answering the
//! problems the community found in its poverty reflection and
//! self-mapping, with kind, location, the poor households and women it
//! targets, its cost and where the money comes from (BLM, swadaya, local
//! government, companies, other programmes), its schedule and who is
//! responsible — and the plan's links to regional planning (Musrenbang,
//! SPKD). A plan changes only by a new version; a version counts once the
//! BKM approves it (someone other than who brought it in).
//!
//! The plan file, CSV or XLSX, one row per planned activity:
//! `kelurahan,plan,years,problem,activity,kind,location,poor_households,
//! women,cost,blm,swadaya,government,companies,other_programmes,schedule,
//! responsible,musrenbang,spkd` (the first six and `cost` required).

use crate::files::{each_row, required, Reader, KELURAHAN};
use crate::Kind;
use lumbung_domain::{text, Money, Rejected, RowError, Text};
use lumbung_tabular::small::{cell, read_table, require};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

/// The longest problem, location or schedule.
pub const TEXT_MAX: usize = 500;
/// The most activities one plan may hold.
pub const ACTIVITIES_MAX: usize = 500;

/// Which plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanKind {
    /// PJM Pronangkis: three years.
    Pjm,
    /// The annual plan (*Renta*): one year.
    Annual,
}

impl PlanKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PlanKind::Pjm => "pjm",
            PlanKind::Annual => "annual",
        }
    }

    pub fn parse(raw: &str) -> Option<PlanKind> {
        match raw.trim().to_lowercase().as_str() {
            "pjm" | "pjm pronangkis" | "pjm_pronangkis" => Some(PlanKind::Pjm),
            "annual" | "tahunan" | "renta" => Some(PlanKind::Annual),
            _ => None,
        }
    }

    /// The years it spans.
    pub fn span(self) -> i32 {
        match self {
            PlanKind::Pjm => 3,
            PlanKind::Annual => 1,
        }
    }
}

/// Where a planned activity's money comes from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Funding {
    pub blm: Money,
    pub swadaya: Money,
    pub government: Money,
    pub companies: Money,
    pub other_programmes: Money,
}

impl Funding {
    /// Every source added up; `None` past an amount.
    pub fn total(&self) -> Option<Money> {
        [
            self.swadaya,
            self.government,
            self.companies,
            self.other_programmes,
        ]
        .into_iter()
        .try_fold(self.blm, Money::checked_add)
    }
}

/// An activity of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedActivity {
    pub name: String,
    pub kind: Kind,
    /// The problem it answers (from the reflection or the mapping).
    pub problem: String,
    /// Where: an RW or RT, as the community writes it.
    pub location: String,
    /// Poor households it targets (from the PS-2 list).
    pub poor_households: u64,
    pub women: u64,
    pub cost: Money,
    pub funding: Funding,
    pub schedule: String,
    /// The KSM or panitia responsible.
    pub responsible: String,
}

/// A plan as brought in: one version's content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    /// The file's line of its first activity (not part of the content).
    #[serde(skip)]
    pub line: u64,
    pub kelurahan: String,
    pub kind: PlanKind,
    pub first_year: i32,
    pub last_year: i32,
    /// The reference of the Musrenbang this plan was taken to.
    pub musrenbang: String,
    /// The regional poverty strategy (SPKD) it follows.
    pub spkd: String,
    pub activities: Vec<PlannedActivity>,
}

impl Plan {
    /// The SHA-256 of the content: the same plan brought in again makes
    /// no new version.
    pub fn fingerprint(&self) -> String {
        let text = serde_json::to_string(self).expect("a plan serialises");
        hex::encode(Sha256::digest(text.as_bytes()))
    }

    /// The problems its activities answer, each once, in order.
    pub fn problems(&self) -> Vec<&str> {
        let mut seen = BTreeSet::new();
        self.activities
            .iter()
            .map(|a| a.problem.as_str())
            .filter(|p| !p.is_empty() && seen.insert(*p))
            .collect()
    }

    /// Whether the plan covers `year`.
    pub fn covers(&self, year: i32) -> bool {
        (self.first_year..=self.last_year).contains(&year)
    }
}

/// What an activity or a grant is judged against: an approved plan's
/// kind, years and its activities' names (as keys).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approved {
    pub kind: PlanKind,
    pub first_year: i32,
    pub last_year: i32,
    pub activities: BTreeSet<String>,
}

/// The approved plan that governs `year`: the annual plan of that year,
/// else the PJM covering it.
pub fn governing(plans: &[Approved], year: i32) -> Option<&Approved> {
    governing_at(plans, year).map(|i| &plans[i])
}

/// Where in `plans` the one governing `year` is (see [`governing`]).
pub fn governing_at(plans: &[Approved], year: i32) -> Option<usize> {
    let covering = |kind: PlanKind| {
        plans
            .iter()
            .position(|p| p.kind == kind && (p.first_year..=p.last_year).contains(&year))
    };
    covering(PlanKind::Annual).or_else(|| covering(PlanKind::Pjm))
}

/// What an activity's name is known by: lower case, spaces collapsed.
pub fn name_key(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// `2008-2010` or `2008`: the first and last year.
fn years(raw: &str) -> Option<(i32, i32)> {
    let year = |s: &str| {
        s.trim()
            .parse::<i32>()
            .ok()
            .filter(|y| (1990..=2200).contains(y))
    };
    match raw.split_once(['-', '–', '/']) {
        Some((a, b)) => Some((year(a)?, year(b)?)),
        None => year(raw).map(|y| (y, y)),
    }
}

/// Reads a plan file: the plans it holds, one per (kelurahan, plan,
/// years), each with its activities in the file's order.
pub fn read_plans(name: &str, bytes: &[u8]) -> Result<Vec<Plan>, Rejected> {
    let table = read_table(name, bytes)?;
    let at = require(
        name,
        &table,
        &[
            KELURAHAN,
            ("plan", &["plan", "rencana"]),
            ("years", &["years", "tahun"]),
            ("activity", &["activity", "kegiatan"]),
            ("kind", &["kind", "jenis"]),
            ("cost", &["cost", "biaya"]),
        ],
    )?;
    let optional = |names: &[&str]| table.column(names);
    let problem = optional(&["problem", "masalah"]);
    let location = optional(&["location", "lokasi"]);
    let poor = optional(&["poor_households", "kk_miskin", "sasaran_kk_miskin"]);
    let women = optional(&["women", "perempuan"]);
    let blm = optional(&["blm"]);
    let swadaya = optional(&["swadaya"]);
    let government = optional(&["government", "pemda", "apbd"]);
    let companies = optional(&["companies", "swasta", "csr"]);
    let other = optional(&["other_programmes", "program_lain"]);
    let schedule = optional(&["schedule", "jadwal"]);
    let responsible = optional(&["responsible", "penanggung_jawab", "pelaksana"]);
    let musrenbang = optional(&["musrenbang"]);
    let spkd = optional(&["spkd"]);
    let mut errors: Vec<RowError> = Vec::new();
    let mut plans: BTreeMap<(String, PlanKind, i32, i32), (u64, Plan)> = BTreeMap::new();
    let mut names: BTreeSet<(String, PlanKind, i32, String)> = BTreeSet::new();
    each_row(&table, &mut errors, |r| {
        let (line, cells) = (r.line, r.cells);
        let kelurahan = r.area("kelurahan", at[0]);
        let kind_of_plan = match cell(cells, at[1]) {
            Some(raw) => PlanKind::parse(raw).or_else(|| {
                r.fail("plan", text!("plan_bad_kind", value = raw;
                    id: "{value:?} bukan rencana: pjm atau tahunan", en: "{value:?} is not a plan: pjm or annual"));
                None
            }),
            None => {
                r.fail("plan", required());
                None
            }
        };
        let span = match cell(cells, at[2]).map(|y| (y, years(y))) {
            Some((_, Some(span))) => Some(span),
            Some((raw, None)) => {
                r.fail(
                    "years",
                    text!("plan_bad_years", value = raw;
                    id: "{value:?} bukan tahun seperti 2008 atau 2008-2010",
                    en: "{value:?} is not a year such as 2008 or 2008-2010"),
                );
                None
            }
            None => {
                r.fail("years", required());
                None
            }
        };
        if let (Some(k), Some((first, last))) = (kind_of_plan, span) {
            if last - first + 1 != k.span() {
                r.fail("years", text!("plan_span", kind = k.as_str(), years = k.span();
                    id: "rencana {kind} mencakup {years} tahun", en: "a {kind} plan spans {years} years"));
            }
        }
        let activity = r.text("activity", at[3]);
        let kind = r.kind("kind", at[4]);
        let cost = r.money("cost", at[5], true);
        let long_text = |r: &mut Reader<'_>, column: &str, at: Option<usize>| {
            let v = cell(cells, at).unwrap_or("");
            if v.chars().count() > TEXT_MAX {
                r.fail(
                    column,
                    text!("plan_text_long", max = TEXT_MAX;
                    id: "paling banyak {max} karakter", en: "at most {max} characters"),
                );
            }
            v.to_owned()
        };
        let problem = long_text(r, "problem", problem);
        let location = long_text(r, "location", location);
        let schedule = long_text(r, "schedule", schedule);
        let responsible = long_text(r, "responsible", responsible);
        let musrenbang = long_text(r, "musrenbang", musrenbang);
        let spkd = long_text(r, "spkd", spkd);
        let poor_households = r.count("poor_households", poor, 10_000_000);
        let women = r.count("women", women, 10_000_000);
        let funding = (|| {
            Some(Funding {
                blm: r.money("blm", blm, false)?,
                swadaya: r.money("swadaya", swadaya, false)?,
                government: r.money("government", government, false)?,
                companies: r.money("companies", companies, false)?,
                other_programmes: r.money("other_programmes", other, false)?,
            })
        })();
        if let (Some(f), Some(c)) = (funding, cost) {
            match f.total() {
                Some(t) if t == c => {}
                _ => r.fail("cost", text!("plan_funding_sum", cost = c.to_string(),
                    sources = f.total().map_or_else(|| "—".to_owned(), |t| t.to_string());
                    id: "sumber dana berjumlah {sources}, biaya {cost}: harus sama",
                    en: "the sources add up to {sources} and the cost is {cost}: they must be equal")),
            }
        }
        if let (Some(k), Some(kp), Some((first, _)), Some(a)) =
            (&kelurahan, kind_of_plan, span, &activity)
        {
            if !names.insert((k.as_str().to_owned(), kp, first, name_key(a))) {
                r.fail(
                    "activity",
                    text!("plan_duplicate_activity", name = a.clone();
                    id: "kegiatan {name:?} sudah ada di rencana ini", en: "the activity {name:?} is in this plan already"),
                );
            }
        }
        let row_ok = r.errors.iter().all(|e| e.line != line);
        if let (
            true,
            Some(kelurahan),
            Some(plan_kind),
            Some((first, last)),
            Some(name),
            Some(kind),
            Some(cost),
            Some(poor_households),
            Some(women),
            Some(funding),
        ) = (
            row_ok,
            kelurahan,
            kind_of_plan,
            span,
            activity,
            kind,
            cost,
            poor_households,
            women,
            funding,
        ) {
            let key = (kelurahan.as_str().to_owned(), plan_kind, first, last);
            let (_, plan) = plans.entry(key).or_insert_with(|| {
                (
                    line,
                    Plan {
                        line,
                        kelurahan: kelurahan.as_str().to_owned(),
                        kind: plan_kind,
                        first_year: first,
                        last_year: last,
                        musrenbang: String::new(),
                        spkd: String::new(),
                        activities: Vec::new(),
                    },
                )
            });
            if plan.musrenbang.is_empty() {
                plan.musrenbang = musrenbang;
            }
            if plan.spkd.is_empty() {
                plan.spkd = spkd;
            }
            if plan.activities.len() == ACTIVITIES_MAX {
                r.fail("activity", too_many());
                return;
            }
            plan.activities.push(PlannedActivity {
                name,
                kind,
                problem,
                location,
                poor_households,
                women,
                cost,
                funding,
                schedule,
                responsible,
            });
        }
    });
    let mut plans: Vec<(u64, Plan)> = plans.into_values().collect();
    plans.sort_by_key(|(line, _)| *line);
    Rejected::unless_any(name, errors, plans.into_iter().map(|(_, p)| p).collect())
}

fn too_many() -> Text {
    text!("plan_too_many", max = ACTIVITIES_MAX;
        id: "satu rencana paling banyak {max} kegiatan", en: "a plan holds at most {max} activities")
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "kelurahan,plan,years,problem,activity,kind,location,poor_households,women,cost,blm,swadaya,government,companies,other_programmes,schedule,responsible,musrenbang,spkd\n";

    #[test]
    fn a_plan_file_holds_plans_by_kelurahan_kind_and_years() {
        let file = format!(
            "{HEADER}3604240003,pjm,2008-2010,Jalan becek saat hujan,Jalan lingkungan RW 02,fisik,RW 02,140,150,70000000,60000000,10000000,,,,2008,Panitia RW 02,Musrenbang Ciruas 2008,SPKD Serang 2008\n\
             3604240003,pjm,2008-2010,Modal usaha kecil,Pinjaman bergulir KSM,ekonomi,RW 01-05,36,30,70000000,70000000,,,,,2008-2010,UPK,,\n\
             3604240003,tahunan,2008,Modal usaha kecil,Pinjaman bergulir KSM,ekonomi,,36,30,70000000,70000000,,,,,2008,UPK,,\n"
        );
        let plans = read_plans("plan.csv", file.as_bytes()).unwrap();
        assert_eq!(plans.len(), 2);
        let pjm = &plans[0];
        assert_eq!(
            (pjm.kind, pjm.first_year, pjm.last_year),
            (PlanKind::Pjm, 2008, 2010)
        );
        assert_eq!(pjm.activities.len(), 2);
        assert_eq!(pjm.musrenbang, "Musrenbang Ciruas 2008");
        assert_eq!(
            pjm.problems(),
            ["Jalan becek saat hujan", "Modal usaha kecil"]
        );
        assert_eq!(
            pjm.activities[0].funding.swadaya,
            Money::from_units(10_000_000)
        );
        assert_ne!(pjm.fingerprint(), plans[1].fingerprint());
        let approved = |p: &Plan| Approved {
            kind: p.kind,
            first_year: p.first_year,
            last_year: p.last_year,
            activities: p.activities.iter().map(|a| name_key(&a.name)).collect(),
        };
        let held = [approved(&plans[0]), approved(&plans[1])];
        assert_eq!(
            governing(&held, 2008).map(|p| p.kind),
            Some(PlanKind::Annual)
        );
        assert_eq!(governing(&held, 2009).map(|p| p.kind), Some(PlanKind::Pjm));
        assert_eq!(governing(&held, 2011), None);
    }

    #[test]
    fn every_problem_is_named_by_line_and_column() {
        let file = format!(
            "{HEADER}3604240003,pjm,2008,,Jalan,fisik,,,,100,60,,,,,,,,\n\
             3604240003,renstra,2008,,Jalan,fisik,,,,100,100,,,,,,,,\n\
             3604240003,tahunan,2008,,Jalan,fisik,,,,100,100,,,,,,,,\n\
             3604240003,tahunan,2008,,jalan ,fisik,,,,100,100,,,,,,,,\n\
             3604240003,tahunan,20x8,,Saluran,budaya,,,,,,,,,,,,,\n"
        );
        let e = read_plans("plan.csv", file.as_bytes()).unwrap_err();
        let at: Vec<(u64, &str)> = e
            .errors
            .iter()
            .map(|e| (e.line, e.column.as_deref().unwrap_or("")))
            .collect();
        assert_eq!(
            at,
            [
                (2, "years"),
                (2, "cost"),
                (3, "plan"),
                (5, "activity"),
                (6, "years"),
                (6, "kind"),
                (6, "cost"),
            ]
        );
    }
}
