//! The co-operative economy (seed 000, Preston): worker co-operatives grown
//! from an idea to trading, a credit union's members, savings and loans by
//! area where bank branches have closed, and employee buy-outs of
//! businesses whose owners retire — each stage dated, the pipeline read as
//! a funnel.

use crate::partnership::Problems;
use jiff::civil::Date;
use lumbung_domain::{text, Money, Rejected, RowError, Share};
use lumbung_spend::facts::Facts;
use lumbung_tabular::small::{cell, read_table, require};
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};

lumbung_domain::keyed! {
    /// Where a co-operative is on its way.
    CoopStage {
        Idea = "idea" | "gagasan",
        SteeringGroup = "steering_group" | "kelompok_perintis",
        Registered = "registered" | "terdaftar",
        Trading = "trading" | "beroperasi",
    }
}

lumbung_domain::keyed! {
    /// Where a buy-out is: the first four in order, then one of the ends.
    BuyoutStage {
        FirstContact = "first_contact" | "kontak_pertama",
        Feasibility = "feasibility" | "kelayakan",
        Valuation = "valuation" | "penilaian",
        Financing = "financing" | "pembiayaan",
        Converted = "converted" | "beralih",
        Dropped = "dropped" | "batal",
    }
}

lumbung_domain::keyed! {
    /// A credit union's service point.
    PointKind { Office = "office" | "kantor", Agent = "agent" | "agen", Mobile = "mobile" | "keliling" }
}

/// The longest name or text field, in characters.
pub const NAME_MAX: usize = 200;
/// The most members or jobs one record may count.
pub const COUNT_MAX: u64 = 10_000_000;

fn count(raw: &str, field: &'static str, errors: &mut Problems) -> u64 {
    match raw.trim() {
        "" => 0,
        t => match t.parse::<u64>() {
            Ok(n) if n <= COUNT_MAX => n,
            _ => {
                errors.push((
                    field,
                    text!("economy_bad_count", max = COUNT_MAX;
                        id: "bilangan bulat 0 sampai {max}", en: "a whole number from 0 to {max}"),
                ));
                0
            }
        },
    }
}

fn name(raw: &str, field: &'static str, required: bool, errors: &mut Problems) -> String {
    let v = raw.trim();
    if required && v.is_empty() {
        errors.push((
            field,
            text!("economy_needed"; id: "wajib diisi", en: "required"),
        ));
    } else if v.chars().count() > NAME_MAX {
        errors.push((
            field,
            text!("economy_too_long", max = NAME_MAX;
                id: "paling banyak {max} karakter", en: "at most {max} characters"),
        ));
    }
    v.to_owned()
}

/// A co-operative or a prospective one, as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coop {
    pub name: String,
    pub sector: String,
    pub stage: CoopStage,
    pub members: u64,
    pub members_women: u64,
    pub support_asked: String,
    pub mentor: String,
}

pub struct CoopDraft<'a> {
    pub name: &'a str,
    pub sector: &'a str,
    pub stage: &'a str,
    pub members: &'a str,
    pub members_women: &'a str,
    pub support_asked: &'a str,
    pub mentor: &'a str,
}

pub fn check_coop(d: &CoopDraft<'_>) -> Result<Coop, Problems> {
    let mut errors = Problems::new();
    let coop_name = name(d.name, "name", true, &mut errors);
    let sector = name(d.sector, "sector", false, &mut errors);
    let stage = CoopStage::parse(d.stage);
    if stage.is_none() {
        errors.push((
            "stage",
            text!("coop_bad_stage"; id: "pilih tahap: gagasan, kelompok perintis, terdaftar atau beroperasi",
                en: "choose a stage: idea, steering group, registered or trading"),
        ));
    }
    let members = count(d.members, "members", &mut errors);
    let members_women = count(d.members_women, "members_women", &mut errors);
    if members_women > members {
        errors.push((
            "members_women",
            text!("coop_women_above_members"; id: "lebih banyak dari anggota", en: "more than the members"),
        ));
    }
    let support_asked = name(d.support_asked, "support_asked", false, &mut errors);
    let mentor = name(d.mentor, "mentor", false, &mut errors);
    match stage {
        Some(stage) if errors.is_empty() => Ok(Coop {
            name: coop_name,
            sector,
            stage,
            members,
            members_women,
            support_asked,
            mentor,
        }),
        _ => Err(errors),
    }
}

/// A business whose owner plans to retire, as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Buyout {
    pub business: String,
    pub owner_retires: Option<i32>,
    pub jobs: u64,
}

pub fn check_buyout(business: &str, owner_retires: &str, jobs: &str) -> Result<Buyout, Problems> {
    let mut errors = Problems::new();
    let business = name(business, "business", true, &mut errors);
    let owner_retires = match owner_retires.trim() {
        "" => None,
        t => match t.parse::<i32>() {
            Ok(y) if (1900..=2200).contains(&y) => Some(y),
            _ => {
                errors.push((
                    "owner_retires",
                    text!("buyout_bad_year"; id: "tahun seperti 2028", en: "a year such as 2028"),
                ));
                None
            }
        },
    };
    let jobs = count(jobs, "jobs", &mut errors);
    errors
        .is_empty()
        .then_some(Buyout {
            business,
            owner_retires,
            jobs,
        })
        .ok_or(errors)
}

impl BuyoutStage {
    /// The ends: nothing moves after them.
    pub fn is_final(self) -> bool {
        matches!(self, BuyoutStage::Converted | BuyoutStage::Dropped)
    }

    /// The stages a buy-out moves through, in order (not `Dropped`).
    pub const PATH: [BuyoutStage; 5] = [
        BuyoutStage::FirstContact,
        BuyoutStage::Feasibility,
        BuyoutStage::Valuation,
        BuyoutStage::Financing,
        BuyoutStage::Converted,
    ];
}

/// A member a co-operative lists here, only with their consent.
pub fn check_member(name: &str, consent: bool) -> Result<String, Problems> {
    let mut errors = Problems::new();
    let name = self::name(name, "name", true, &mut errors);
    if !consent {
        errors.push((
            "consent",
            text!("coop_member_no_consent";
                id: "hanya dengan persetujuan anggota: centang bahwa ia setuju dicatat",
                en: "only with the member's consent: tick that they agreed to be listed"),
        ));
    }
    errors.is_empty().then_some(name).ok_or(errors)
}

/// Whether a buy-out at `from` may move to `to`: forward along the path
/// (a stage may be skipped), or dropped from any stage before the ends.
pub fn may_move(from: Option<BuyoutStage>, to: BuyoutStage) -> bool {
    match from {
        None => to == BuyoutStage::FirstContact,
        Some(f) if f.is_final() => false,
        Some(_) if to == BuyoutStage::Dropped => true,
        Some(f) => to > f,
    }
}

/// Whether a co-operative at `from` may move to `to`: forward only.
pub fn coop_may_move(from: CoopStage, to: CoopStage) -> bool {
    to > from
}

/// One stage of the funnel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FunnelStep {
    pub stage: BuyoutStage,
    /// Buy-outs that reached the stage (or a later one).
    pub reached: u64,
    /// reached ÷ those that began.
    pub share: Option<Share>,
    pub jobs: u64,
}

/// The pipeline as a funnel: how many reached each stage, with the jobs
/// at stake; how many were dropped and the jobs a conversion kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Funnel {
    pub steps: Vec<FunnelStep>,
    pub dropped: u64,
    pub open: u64,
    pub jobs_at_stake: u64,
    pub jobs_kept: u64,
}

/// The funnel of buy-outs, each given by the stages it went through and
/// its jobs.
pub fn funnel(buyouts: &[(Vec<BuyoutStage>, u64)]) -> Funnel {
    let began = buyouts.iter().filter(|(s, _)| !s.is_empty()).count() as u64;
    let furthest = |stages: &Vec<BuyoutStage>| {
        stages
            .iter()
            .copied()
            .filter(|s| *s != BuyoutStage::Dropped)
            .max()
    };
    let steps = BuyoutStage::PATH
        .iter()
        .map(|&stage| {
            let reaching: Vec<_> = buyouts
                .iter()
                .filter(|(s, _)| furthest(s).is_some_and(|f| f >= stage))
                .collect();
            let reached = reaching.len() as u64;
            FunnelStep {
                stage,
                reached,
                share: Share::of(
                    Money::from_units(reached as i64),
                    Money::from_units(began as i64),
                ),
                jobs: reaching.iter().map(|(_, j)| j).sum(),
            }
        })
        .collect();
    let last = |s: &Vec<BuyoutStage>| s.last().copied();
    Funnel {
        steps,
        dropped: buyouts
            .iter()
            .filter(|(s, _)| last(s) == Some(BuyoutStage::Dropped))
            .count() as u64,
        open: buyouts
            .iter()
            .filter(|(s, _)| last(s).is_some_and(|l| !l.is_final()))
            .count() as u64,
        jobs_at_stake: buyouts
            .iter()
            .filter(|(s, _)| last(s).is_some_and(|l| !l.is_final()))
            .map(|(_, j)| j)
            .sum(),
        jobs_kept: buyouts
            .iter()
            .filter(|(s, _)| last(s) == Some(BuyoutStage::Converted))
            .map(|(_, j)| j)
            .sum(),
    }
}

/// An anchor's spend in a year and the part of it paid to co-operatives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CoopSpend {
    pub anchor: u32,
    pub year: i16,
    pub total: Money,
    pub to_coops: Money,
    pub share: Option<Share>,
}

/// Each anchor's spend by fiscal year and what of it went to the
/// co-operatives' suppliers; `None` when a sum does not fit an amount.
pub fn coop_spend(facts: &[&Facts], coop_suppliers: &HashSet<u32>) -> Option<Vec<CoopSpend>> {
    let mut sums: BTreeMap<(u32, i16), (i128, i128)> = BTreeMap::new();
    for f in facts {
        for i in 0..f.len() {
            let e = sums.entry((f.anchor[i], f.year[i])).or_default();
            e.0 += i128::from(f.amount[i]);
            if coop_suppliers.contains(&f.supplier[i]) {
                e.1 += i128::from(f.amount[i]);
            }
        }
    }
    sums.into_iter()
        .map(|((anchor, year), (total, coops))| {
            let total = Money::from_minor(i64::try_from(total).ok()?);
            let to_coops = Money::from_minor(i64::try_from(coops).ok()?);
            Some(CoopSpend {
                anchor,
                year,
                total,
                to_coops,
                share: Share::of(to_coops, total),
            })
        })
        .collect()
}

/// A month of a credit union's figures in an area.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CuMonth {
    #[serde(skip)]
    pub line: u64,
    pub area: String,
    /// `YYYY-MM`.
    pub month: String,
    pub members: u64,
    pub savings: Money,
    pub loans: Money,
}

/// The largest savings or loans of one area in a month.
pub const AMOUNT_MAX: Money = Money::from_minor(10_000_000_000_000 * 100);

fn month_of(raw: &str) -> Option<String> {
    let (y, m) = raw.trim().split_once('-')?;
    let (y, m): (i32, u8) = (y.parse().ok()?, m.parse().ok()?);
    ((1900..=2200).contains(&y) && (1..=12).contains(&m)).then(|| format!("{y:04}-{m:02}"))
}

fn rejected(name: &str, errors: Vec<RowError>) -> Rejected {
    Rejected {
        file: name.to_owned(),
        errors,
    }
}

/// Reads a credit union's monthly figures: `area,month,members,savings,loans`
/// (one row an area and month), every problem by line and column.
pub fn read_cu_months(name: &str, bytes: &[u8]) -> Result<Vec<CuMonth>, Rejected> {
    let table = read_table(name, bytes)?;
    let at = require(
        name,
        &table,
        &[
            ("area", &["area", "wilayah", "area_code"]),
            ("month", &["month", "bulan"]),
            ("members", &["members", "anggota"]),
            ("savings", &["savings", "simpanan"]),
            ("loans", &["loans", "pinjaman"]),
        ],
    )?;
    let mut errors = Vec::new();
    let mut out: Vec<CuMonth> = Vec::new();
    for (line, cells) in &table.rows {
        let fields = [0, 1, 2, 3, 4].map(|i| cell(cells, at[i]).unwrap_or(""));
        match cu_month(*line, fields) {
            Ok(m) => {
                if out.iter().any(|o| o.area == m.area && o.month == m.month) {
                    errors.push(RowError::new(
                        *line,
                        Some("month"),
                        text!("cu_duplicate", area = m.area.clone(), month = m.month.clone();
                            id: "{area} {month} sudah ada di baris sebelumnya",
                            en: "{area} {month} is on an earlier line"),
                    ));
                }
                out.push(m);
            }
            Err(problems) => errors.extend(
                problems
                    .into_iter()
                    .map(|(column, message)| RowError::new(*line, Some(column), message)),
            ),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(rejected(name, errors))
    }
}

/// A month of a credit union's figures from its five fields (area,
/// month, members, savings, loans), as a file's row or a form gives them;
/// problems by field.
pub fn cu_month(
    line: u64,
    [area, month, members, savings, loans]: [&str; 5],
) -> Result<CuMonth, Problems> {
    let mut errors = Problems::new();
    let area = Some(area.trim())
        .filter(|a| !a.is_empty())
        .map(str::to_owned);
    if area.is_none() {
        errors.push((
            "area",
            text!("cu_required"; id: "wajib diisi", en: "required"),
        ));
    }
    let month = month_of(month);
    if month.is_none() {
        errors.push((
            "month",
            text!("cu_bad_month"; id: "bulan seperti 2026-01", en: "a month such as 2026-01"),
        ));
    }
    let members = members
        .trim()
        .parse::<u64>()
        .ok()
        .filter(|m| *m <= COUNT_MAX);
    if members.is_none() {
        errors.push(("members", text!("cu_bad_members"; id: "jumlah anggota: bilangan bulat", en: "members: a whole number")));
    }
    let mut money = |raw: &str, field: &'static str| {
        let m = Money::parse_plain(raw.trim())
            .ok()
            .filter(|m| *m >= Money::ZERO && *m <= AMOUNT_MAX);
        if m.is_none() {
            errors.push((field, text!("cu_bad_amount"; id: "jumlah uang 0 atau lebih", en: "an amount of 0 or more")));
        }
        m
    };
    let savings = money(savings, "savings");
    let loans = money(loans, "loans");
    match (area, month, members, savings, loans) {
        (Some(area), Some(month), Some(members), Some(savings), Some(loans)) => Ok(CuMonth {
            line,
            area,
            month,
            members,
            savings,
            loans,
        }),
        _ => Err(errors),
    }
}

/// A bank branch closed in an area.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Closure {
    #[serde(skip)]
    pub line: u64,
    pub area: String,
    pub bank: String,
    pub closed_on: Date,
}

/// Reads a list of closed bank branches: `area,bank,closed_on`.
pub fn read_closures(name: &str, bytes: &[u8]) -> Result<Vec<Closure>, Rejected> {
    let table = read_table(name, bytes)?;
    let at = require(
        name,
        &table,
        &[
            ("area", &["area", "wilayah", "area_code"]),
            ("bank", &["bank"]),
            ("closed_on", &["closed_on", "tanggal_tutup", "closed"]),
        ],
    )?;
    let mut errors = Vec::new();
    let mut out = Vec::new();
    for (line, cells) in &table.rows {
        let area = cell(cells, at[0]);
        let bank = cell(cells, at[1]).filter(|b| b.chars().count() <= NAME_MAX);
        let closed_on = cell(cells, at[2]).and_then(|d| d.parse::<Date>().ok());
        for (column, missing) in [
            ("area", area.is_none()),
            ("bank", bank.is_none()),
            ("closed_on", closed_on.is_none()),
        ] {
            if missing {
                errors.push(RowError::new(
                    *line,
                    Some(column),
                    text!("closure_bad"; id: "wajib diisi (tanggal seperti 2024-06-30)",
                        en: "required (a date such as 2024-06-30)"),
                ));
            }
        }
        if let (Some(area), Some(bank), Some(closed_on)) = (area, bank, closed_on) {
            out.push(Closure {
                line: *line,
                area: area.to_owned(),
                bank: bank.to_owned(),
                closed_on,
            });
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(rejected(name, errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use BuyoutStage::*;

    #[test]
    fn buyouts_move_forward_or_drop_and_read_as_a_funnel() {
        assert!(may_move(None, FirstContact) && !may_move(None, Valuation));
        assert!(
            may_move(Some(FirstContact), Valuation),
            "a stage may be skipped"
        );
        assert!(!may_move(Some(Valuation), Feasibility), "never back");
        assert!(may_move(Some(Financing), Dropped));
        assert!(!may_move(Some(Converted), Dropped) && !may_move(Some(Dropped), Financing));
        let f = funnel(&[
            (
                vec![FirstContact, Feasibility, Valuation, Financing, Converted],
                40,
            ),
            (vec![FirstContact, Feasibility, Dropped], 12),
            (vec![FirstContact, Valuation], 25),
            (vec![FirstContact], 8),
        ]);
        let reached: Vec<u64> = f.steps.iter().map(|s| s.reached).collect();
        assert_eq!(reached, [4, 3, 2, 1, 1]);
        assert_eq!(f.steps[2].jobs, 65);
        assert_eq!(f.steps[1].share.unwrap().to_string(), "0.750000");
        assert_eq!(
            (f.dropped, f.open, f.jobs_at_stake, f.jobs_kept),
            (1, 2, 33, 40)
        );
    }

    #[test]
    fn coops_and_buyouts_are_checked_by_field() {
        let d = CoopDraft {
            name: "Preston Cleaning Co-op",
            sector: "cleaning",
            stage: "kelompok_perintis",
            members: "12",
            members_women: "9",
            support_asked: "legal advice",
            mentor: "Preston Co-operative Development Network",
        };
        assert_eq!(check_coop(&d).unwrap().stage, CoopStage::SteeringGroup);
        let bad = CoopDraft {
            name: "",
            stage: "x",
            members: "3",
            members_women: "5",
            ..d
        };
        let fields: Vec<_> = check_coop(&bad)
            .unwrap_err()
            .into_iter()
            .map(|(f, _)| f)
            .collect();
        assert_eq!(fields, ["name", "stage", "members_women"]);
        assert!(coop_may_move(CoopStage::Idea, CoopStage::Registered));
        assert_eq!(check_member(" Ani ", true).unwrap(), "Ani");
        assert!(check_member("Ani", false).is_err() && check_member(" ", true).is_err());
        assert!(!coop_may_move(CoopStage::Trading, CoopStage::Idea));
        assert!(check_buyout("Bengkel Jaya", "2028", "14").is_ok());
        let fields: Vec<_> = check_buyout(" ", "soon", "-1")
            .unwrap_err()
            .into_iter()
            .map(|(f, _)| f)
            .collect();
        assert_eq!(fields, ["business", "owner_retires", "jobs"]);
    }

    #[test]
    fn an_anchors_spend_with_coops_is_a_share_of_its_year() {
        let facts = Facts {
            anchor: vec![1, 1, 1, 2],
            year: vec![2023, 2023, 2024, 2023],
            date: vec![0; 4],
            supplier: vec![10, 20, 10, 10],
            amount: vec![2_500, 7_500, 1_000, 4_000],
            sector: vec![0; 4],
            flags: vec![0; 4],
            payment: vec![],
        };
        let rows = coop_spend(&[&facts], &HashSet::from([10])).unwrap();
        let got: Vec<_> = rows
            .iter()
            .map(|r| {
                (
                    r.anchor,
                    r.year,
                    r.to_coops.minor(),
                    r.share.map(|s| s.to_string()),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (1, 2023, 2_500, Some("0.250000".into())),
                (1, 2024, 1_000, Some("1.000000".into())),
                (2, 2023, 4_000, Some("1.000000".into())),
            ]
        );
    }

    #[test]
    fn credit_union_months_and_closures_are_read_by_line_and_column() {
        let ok = "area,month,members,savings,loans\n3604240,2026-1,120,15000000,9000000\n";
        let m = read_cu_months("cu.csv", ok.as_bytes()).unwrap();
        assert_eq!((m[0].month.as_str(), m[0].members), ("2026-01", 120));
        let bad = "area,month,members,savings,loans\n3604240,Jan,x,-1,5\n3604240,2026-01,1,1,1\n3604240,2026-01,1,1,1\n";
        let e = read_cu_months("cu.csv", bad.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("month") && e.contains("members") && e.contains("savings"),
            "{e}"
        );
        assert!(e.contains("earlier line"), "{e}");
        let c = read_closures(
            "c.csv",
            "area,bank,closed_on\n3604240,Bank X,2024-03-31\n".as_bytes(),
        )
        .unwrap();
        assert_eq!(c[0].bank, "Bank X");
        assert!(read_closures("c.csv", "area,bank,closed_on\n3604240,,soon\n".as_bytes()).is_err());
    }
}

/// Whether a credit union serves an area that lost a bank branch: one of
/// its service points lies in the area, or in an area that holds it.
pub fn served(area: &lumbung_domain::AreaPath, points: &[lumbung_domain::AreaPath]) -> bool {
    points.iter().any(|p| area.contains(p) || p.contains(area))
}

#[cfg(test)]
mod served_tests {
    use super::*;
    use lumbung_domain::AreaPath;

    #[test]
    fn a_point_in_or_above_an_area_serves_it() {
        let p = |s: &str| AreaPath::from_stored(s.to_owned());
        let kec = p("/ID/36/3604/3604240/");
        assert!(served(&kec, &[p("/ID/36/3604/3604240/3604240003/")]));
        assert!(served(&kec, &[p("/ID/36/3604/")]));
        assert!(!served(&kec, &[p("/ID/36/3604/3604250/")]));
        assert!(!served(&kec, &[]));
    }
}
