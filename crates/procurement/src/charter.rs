//! The anchors' collaborative procurement charter (seed 000): goals, each
//! with an indicator and a target, and where every anchor of the group
//! stands against them in a year. The indicators Lumbung already knows
//! (spend, awards, bids, social value) fill themselves from [`Known`];
//! the others are entered per year ([`Entered`]). See `docs/procurement.md`.

use crate::exact::{self, Exact};
use lumbung_domain::{text, FiscalYear, GoalId, Money, OrgId, Text};
use num_traits::{Signed, Zero};
use serde::Serialize;

/// The longest name of a charter, title of a goal or manual measure.
pub const TITLE_MAX: usize = 200;
/// The most goals a charter holds.
pub const GOALS_MAX: usize = 20;
/// The most anchors in a group.
pub const MEMBERS_MAX: usize = 50;

lumbung_domain::keyed! {
    /// What a goal is measured by.
    Indicator {
        /// Spend with local suppliers ÷ all spend (spend analysis).
        LocalShare = "local_share",
        /// Spend with suppliers in the region (local included) ÷ all spend.
        RegionalShare = "regional_share",
        /// Spend with small and medium firms ÷ all spend.
        SmeShare = "sme_share",
        /// Awarded value to local firms ÷ all awarded value.
        AwardedLocalShare = "awarded_local_share",
        /// Awarded value to co-operatives and social enterprises ÷ all.
        AwardedSocialShare = "awarded_social_share",
        /// Bids from local firms in the tenders weighed in the year.
        LocalBids = "local_bids",
        /// Social value the winners of the year's awards promised.
        SocialValuePromised = "social_value_promised",
        /// Social value delivered under the year's awards.
        SocialValueDelivered = "social_value_delivered",
        /// Entered by hand, a count.
        ManualCount = "manual_count",
        /// Entered by hand, a percentage.
        ManualPercent = "manual_percent",
        /// Entered by hand, an amount of money.
        ManualAmount = "manual_amount",
    }
}

/// How an indicator's value reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Percent,
    Count,
    Amount,
}

impl Indicator {
    pub fn unit(self) -> Unit {
        use Indicator::*;
        match self {
            LocalShare | RegionalShare | SmeShare | AwardedLocalShare | AwardedSocialShare
            | ManualPercent => Unit::Percent,
            LocalBids | ManualCount => Unit::Count,
            SocialValuePromised | SocialValueDelivered | ManualAmount => Unit::Amount,
        }
    }

    /// Whether its values are entered by hand.
    pub fn is_manual(self) -> bool {
        matches!(
            self,
            Indicator::ManualCount | Indicator::ManualPercent | Indicator::ManualAmount
        )
    }
}

lumbung_domain::keyed! {
    /// The six goals of the Preston charter (seed 000), a new charter's
    /// goals until the group edits them.
    Preset {
        SimplerProcess = "simpler_process",
        LessLeakage = "less_leakage",
        KnowBusinessBase = "know_business_base",
        LocalCapacity = "local_capacity",
        OpportunityAwareness = "opportunity_awareness",
        WorkerCooperatives = "worker_cooperatives",
    }
}

/// A goal as a charter keeps it. A preset goal's title and measure are
/// the preset's (in the reader's language) until edited.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Goal {
    pub id: GoalId,
    pub preset: Option<Preset>,
    pub title: Option<String>,
    pub indicator: Indicator,
    /// What a manual indicator counts (its label).
    pub measure: Option<String>,
    /// The target, in the indicator's unit (a percentage for shares).
    #[serde(serialize_with = "two_places")]
    pub target: Exact,
}

fn two_places<S: serde::Serializer>(v: &Exact, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&plain(v))
}

/// A goal as typed, checked: what is stored.
#[derive(Debug, Clone, PartialEq)]
pub struct GoalInput {
    pub preset: Option<Preset>,
    pub title: Option<String>,
    pub indicator: Indicator,
    pub measure: Option<String>,
    pub target: Exact,
}

/// The year a charter is shown for: the one asked, else the latest year
/// with spend (`years`), else the year `today` falls in by the calendar.
pub fn year_shown(
    asked: Option<FiscalYear>,
    years: &[i32],
    today: FiscalYear,
) -> Result<FiscalYear, lumbung_domain::ParseError> {
    match (asked, years.iter().max()) {
        (Some(year), _) => Ok(year),
        (None, Some(&latest)) => FiscalYear::new(latest),
        (None, None) => Ok(today),
    }
}

/// The six goals of seed 000 with the indicators and targets a group
/// starts from. The local share's target is `local_share_target` (a
/// percentage: the spend settings' target) when given, else Preston's
/// 10% (it meant to lift its local share from 5% to 10%).
pub fn default_goals(local_share_target: Option<Exact>) -> Vec<GoalInput> {
    use Indicator::*;
    use Preset::*;
    [
        (SimplerProcess, LocalBids, 10),
        (LessLeakage, LocalShare, 10),
        (KnowBusinessBase, ManualCount, 300),
        (LocalCapacity, AwardedLocalShare, 25),
        (OpportunityAwareness, ManualCount, 4),
        (WorkerCooperatives, AwardedSocialShare, 5),
    ]
    .into_iter()
    .map(|(preset, indicator, target)| GoalInput {
        preset: Some(preset),
        title: None,
        indicator,
        measure: None,
        target: match (indicator, &local_share_target) {
            (LocalShare, Some(t)) => t.clone(),
            _ => exact::int(target),
        },
    })
    .collect()
}

/// Why a goal as typed is refused, with the field it names.
#[derive(Debug, Clone, PartialEq)]
pub struct GoalProblem {
    pub field: &'static str,
    pub message: Text,
}

/// Checks a goal as typed: a title (a preset's may stay blank), a
/// measure for a manual indicator, and a target of at most 2 decimals,
/// ≥ 0, at most 100 for a percentage and whole for a count.
pub fn check_goal(
    preset: Option<Preset>,
    title: &str,
    indicator: &str,
    measure: &str,
    target: &str,
) -> Result<GoalInput, Vec<GoalProblem>> {
    let mut problems = Vec::new();
    let mut fail = |field, message| problems.push(GoalProblem { field, message });
    let title = title.trim();
    if title.chars().count() > TITLE_MAX {
        fail("title", too_long());
    } else if title.is_empty() && preset.is_none() {
        fail(
            "title",
            text!("charter_goal_needs_title"; id: "tulis tujuannya", en: "write the goal"),
        );
    }
    let indicator = Indicator::parse(indicator.trim());
    if indicator.is_none() {
        fail(
            "indicator",
            text!("charter_pick_indicator"; id: "pilih indikatornya", en: "pick the indicator"),
        );
    }
    let measure = measure.trim();
    if measure.chars().count() > TITLE_MAX {
        fail("measure", too_long());
    } else if measure.is_empty() && preset.is_none() && indicator.is_some_and(Indicator::is_manual)
    {
        fail(
            "measure",
            text!("charter_goal_needs_measure";
                id: "indikator yang diisi tangan perlu keterangan apa yang diukur",
                en: "an indicator entered by hand needs what it measures"),
        );
    }
    let target = check_value(target, indicator.map(Indicator::unit));
    if let Err(m) = &target {
        fail("target", m.clone());
    }
    match (indicator, target) {
        (Some(indicator), Ok(target)) if problems.is_empty() => Ok(GoalInput {
            preset,
            title: (!title.is_empty()).then(|| title.to_owned()),
            indicator,
            measure: (!measure.is_empty() && indicator.is_manual()).then(|| measure.to_owned()),
            target,
        }),
        _ => Err(problems),
    }
}

fn too_long() -> Text {
    text!("charter_too_long", max = TITLE_MAX;
        id: "paling banyak {max} karakter", en: "at most {max} characters")
}

/// A value (a target or a figure entered) in `unit`: a plain decimal with
/// at most 2 places, ≥ 0, at most 100 for a percentage, whole for a count,
/// at most an amount for money.
pub fn check_value(raw: &str, unit: Option<Unit>) -> Result<Exact, Text> {
    let bad = || {
        text!("charter_bad_value", value = raw.trim();
            id: "{value:?} bukan angka ≥ 0 dengan paling banyak 2 desimal",
            en: "{value:?} is not a number ≥ 0 with at most 2 decimals")
    };
    let v = exact::parse_decimal(raw, 2).ok_or_else(bad)?;
    if v.is_negative() {
        return Err(bad());
    }
    match unit {
        Some(Unit::Percent) if v > exact::int(100) => Err(text!("charter_percent_over";
            id: "persentase paling tinggi 100", en: "a percentage is at most 100")),
        Some(Unit::Count) if !v.is_integer() => Err(text!("charter_count_whole";
            id: "jumlah harus bilangan bulat", en: "a count is a whole number")),
        Some(Unit::Amount) if exact::to_money(&v).is_none() => Err(bad()),
        _ => Ok(v),
    }
}

/// What Lumbung knows of an anchor (or the group) in a year.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Known {
    pub spend_total: Money,
    pub spend_local: Money,
    /// In the region, local included.
    pub spend_regional: Money,
    pub spend_sme: Money,
    /// Awarded value in the spend's currency.
    pub awarded_total: Money,
    pub awarded_local: Money,
    /// To co-operatives and social enterprises.
    pub awarded_social: Money,
    pub local_bids: u64,
    pub promised: Money,
    pub delivered: Money,
}

/// A sum of knowns would not fit an amount: refused, never wrapped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the group's figures do not fit")]
pub struct TooLarge;

impl Known {
    /// The sum of `self` and `o`, checked.
    pub fn plus(&self, o: &Known) -> Result<Known, TooLarge> {
        let add = |a: Money, b: Money| a.checked_add(b).ok_or(TooLarge);
        Ok(Known {
            spend_total: add(self.spend_total, o.spend_total)?,
            spend_local: add(self.spend_local, o.spend_local)?,
            spend_regional: add(self.spend_regional, o.spend_regional)?,
            spend_sme: add(self.spend_sme, o.spend_sme)?,
            awarded_total: add(self.awarded_total, o.awarded_total)?,
            awarded_local: add(self.awarded_local, o.awarded_local)?,
            awarded_social: add(self.awarded_social, o.awarded_social)?,
            local_bids: self.local_bids.checked_add(o.local_bids).ok_or(TooLarge)?,
            promised: add(self.promised, o.promised)?,
            delivered: add(self.delivered, o.delivered)?,
        })
    }

    /// The value of a known indicator (`None`: nothing to divide by, or
    /// a manual indicator).
    fn value(&self, indicator: Indicator) -> Option<Exact> {
        use Indicator::*;
        let pct = |part: Money, whole: Money| {
            (whole.minor() != 0).then(|| exact::money(part) * exact::int(100) / exact::money(whole))
        };
        match indicator {
            LocalShare => pct(self.spend_local, self.spend_total),
            RegionalShare => pct(self.spend_regional, self.spend_total),
            SmeShare => pct(self.spend_sme, self.spend_total),
            AwardedLocalShare => pct(self.awarded_local, self.awarded_total),
            AwardedSocialShare => pct(self.awarded_social, self.awarded_total),
            LocalBids => Some(exact::int(self.local_bids as i64)),
            SocialValuePromised => Some(exact::money(self.promised)),
            SocialValueDelivered => Some(exact::money(self.delivered)),
            ManualCount | ManualPercent | ManualAmount => None,
        }
    }
}

/// A figure entered by hand for a goal in the year: for one anchor, or
/// for the group as a whole (`anchor: None`). Later entries replace
/// earlier ones (the store gives them oldest first).
#[derive(Debug, Clone, PartialEq)]
pub struct Entered {
    pub goal: GoalId,
    pub anchor: Option<OrgId>,
    pub value: Exact,
    pub by: String,
    pub at: String,
}

/// Where one anchor (or the group) stands on a goal.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Standing {
    /// In the indicator's unit: a percentage with 1 decimal, a count, or
    /// an amount with 2 decimals; none when not known or not entered.
    pub value: Option<String>,
    /// value ≥ target.
    pub met: Option<bool>,
    /// value ÷ target as a whole percentage, at most 100 (for a bar).
    pub progress: Option<u8>,
    /// Who entered a manual figure, and when (none: figured, or summed).
    pub entered_by: Option<String>,
    pub entered_at: Option<String>,
}

/// A goal and where the group and each anchor stand on it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GoalStanding {
    #[serde(flatten)]
    pub goal: Goal,
    pub unit: Unit,
    pub manual: bool,
    pub group: Standing,
    /// In the order of the members given.
    pub anchors: Vec<AnchorStanding>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnchorStanding {
    pub anchor_id: OrgId,
    pub anchor: String,
    #[serde(flatten)]
    pub standing: Standing,
}

/// The charter against a year: each goal, the group and its anchors.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scorecard {
    pub goals: Vec<GoalStanding>,
    /// Goals the group meets, of those with a value.
    pub met: usize,
    pub measured: usize,
}

/// Where the group of `members` (id, name, what is known of it in the
/// year) stands on each goal: known indicators from [`Known`] (the
/// group's is the members' sum, so its shares are of the whole group's
/// money), manual ones from the last figure entered (the group's, else
/// the members' sum for counts and amounts).
pub fn scorecard(
    goals: &[Goal],
    members: &[(OrgId, String, Known)],
    entered: &[Entered],
) -> Result<Scorecard, TooLarge> {
    let mut group = Known::default();
    for (_, _, k) in members {
        group = group.plus(k)?;
    }
    let last = |goal: GoalId, anchor: Option<OrgId>| {
        entered
            .iter()
            .rev()
            .find(|e| e.goal == goal && e.anchor == anchor)
    };
    let mut out = Vec::with_capacity(goals.len());
    for goal in goals {
        let unit = goal.indicator.unit();
        let stand = |value: Option<Exact>, by: Option<&Entered>| {
            standing(value.as_ref(), &goal.target, unit, by)
        };
        let (group_standing, anchors) = if goal.indicator.is_manual() {
            let anchors: Vec<_> = members
                .iter()
                .map(|(id, name, _)| {
                    let e = last(goal.id, Some(*id));
                    AnchorStanding {
                        anchor_id: *id,
                        anchor: name.clone(),
                        standing: stand(e.map(|e| e.value.clone()), e),
                    }
                })
                .collect();
            let own = last(goal.id, None);
            let group = match own {
                Some(e) => stand(Some(e.value.clone()), Some(e)),
                None if unit == Unit::Percent => stand(None, None),
                None => {
                    let values: Vec<_> = members
                        .iter()
                        .filter_map(|(id, _, _)| last(goal.id, Some(*id)))
                        .map(|e| e.value.clone())
                        .collect();
                    let sum = (!values.is_empty())
                        .then(|| values.into_iter().fold(Exact::zero(), |a, b| a + b));
                    if unit == Unit::Amount
                        && sum.as_ref().is_some_and(|s| exact::to_money(s).is_none())
                    {
                        return Err(TooLarge);
                    }
                    stand(sum, None)
                }
            };
            (group, anchors)
        } else {
            let anchors = members
                .iter()
                .map(|(id, name, k)| AnchorStanding {
                    anchor_id: *id,
                    anchor: name.clone(),
                    standing: stand(k.value(goal.indicator), None),
                })
                .collect();
            (stand(group.value(goal.indicator), None), anchors)
        };
        out.push(GoalStanding {
            goal: goal.clone(),
            unit,
            manual: goal.indicator.is_manual(),
            group: group_standing,
            anchors,
        });
    }
    let measured = out.iter().filter(|g| g.group.met.is_some()).count();
    let met = out.iter().filter(|g| g.group.met == Some(true)).count();
    Ok(Scorecard {
        goals: out,
        met,
        measured,
    })
}

fn standing(value: Option<&Exact>, target: &Exact, unit: Unit, by: Option<&Entered>) -> Standing {
    let progress = value.map(|v| {
        if target.is_zero() {
            100
        } else {
            let p = (v * exact::int(100) / target).floor().to_integer();
            p.min(100.into()).try_into().unwrap_or(100)
        }
    });
    Standing {
        value: value.map(|v| shown(v, unit)),
        met: value.map(|v| v >= target),
        progress,
        entered_by: by.map(|e| e.by.clone()),
        entered_at: by.map(|e| e.at.clone()),
    }
}

/// A value as the scorecard shows it in `unit`.
pub fn shown(v: &Exact, unit: Unit) -> String {
    match unit {
        Unit::Percent => exact::decimal(v, 1),
        Unit::Count => exact::decimal(v, 0),
        Unit::Amount => exact::decimal(v, 2),
    }
}

/// A target or an entered figure as stored and typed: up to 2 decimals,
/// without trailing zeros (`10`, `12.5`).
pub fn plain(v: &Exact) -> String {
    let s = exact::decimal(v, 2);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_owned()
}

/// How a charter's anchor is known as the buyer of a published contract:
/// by the identifiers it holds (its company number, the OCDS identifiers
/// it was given as `ocds_buyer_id`), else — only when it holds none — by
/// its name, any case. A name alone is not unique: another city's buyer
/// of the same name would be counted as the anchor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuyerKey {
    pub anchor: OrgId,
    name: String,
    identifiers: Vec<String>,
}

impl BuyerKey {
    pub fn new(anchor: OrgId, name: &str, identifiers: impl IntoIterator<Item = String>) -> Self {
        BuyerKey {
            anchor,
            name: name.trim().to_lowercase(),
            identifiers: identifiers
                .into_iter()
                .map(|i| i.trim().to_owned())
                .filter(|i| !i.is_empty())
                .collect(),
        }
    }
}

/// The first anchor of `keys` that bought a process whose buyer is named
/// `name` and identified by `identifier` (as `contracts::Process` reads
/// them).
pub fn buyer_anchor(keys: &[BuyerKey], name: &str, identifier: Option<&str>) -> Option<OrgId> {
    let name = name.trim().to_lowercase();
    keys.iter()
        .find(|k| match (k.identifiers.is_empty(), identifier) {
            (true, _) => k.name == name,
            (false, Some(id)) => k.identifiers.iter().any(|own| own.eq_ignore_ascii_case(id)),
            (false, None) => false,
        })
        .map(|k| k.anchor)
}

/// One award counted in the charter's awarded value: its amount in the
/// spend's currency and, per supplier (split equally), whether it is
/// local and whether a co-operative or social enterprise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwardPart {
    pub amount: Money,
    pub suppliers: Vec<(bool, bool)>,
}

/// Adds awards to a [`Known`]: their value, the local parts and the
/// co-operative and social-enterprise parts (an award's value split
/// equally among its suppliers, the hundredths left over one each to the
/// first ones, as the contracts report splits them).
pub fn add_awards(known: &mut Known, awards: &[AwardPart]) -> Result<(), TooLarge> {
    let add = |a: &mut Money, b: Money| -> Result<(), TooLarge> {
        *a = a.checked_add(b).ok_or(TooLarge)?;
        Ok(())
    };
    for award in awards {
        add(&mut known.awarded_total, award.amount)?;
        let parts = crate::contracts::split(award.amount, award.suppliers.len());
        for ((local, social), part) in award.suppliers.iter().zip(parts) {
            if *local {
                add(&mut known.awarded_local, part)?;
            }
            if *social {
                add(&mut known.awarded_social, part)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "charter_tests.rs"]
mod tests;
