//! A partnership (seed 000: government, business, civil society and the
//! community with a shared vision and clear responsibilities; seed 002:
//! a company's CSR programme with a BKM): its partners and their roles,
//! the vision and goals, commitments (money, in kind, staff time) each
//! with an owner and a due date, meetings with minutes and decisions, and
//! indicators with a baseline and a target. What stands out: commitments
//! past their due date and not kept, and a partnership that has not met
//! for the days a setting says.

use jiff::civil::Date;
use lumbung_domain::{text, Money, Text};
use serde::{Deserialize, Serialize};

/// The longest name, role or title, in characters.
pub const NAME_MAX: usize = 200;
/// The longest vision, goals, minutes or decisions, in characters.
pub const TEXT_MAX: usize = 4_000;
/// The largest amount a commitment may hold (money or in-kind value).
pub const AMOUNT_MAX: Money = Money::from_minor(10_000_000_000_000 * 100);
/// The most hours of staff time one commitment may hold.
pub const HOURS_MAX: u32 = 1_000_000;
/// Partners one partnership may have.
pub const PARTNERS_MAX: usize = 100;

lumbung_domain::keyed! {
    /// What a partner brings to the partnership.
    PartnerRole {
        Lead = "lead" | "pemimpin",
        Funder = "funder" | "penyandang_dana",
        Implementer = "implementer" | "pelaksana",
        Adviser = "adviser" | "pendamping",
        Member = "member" | "anggota",
    }
}

lumbung_domain::keyed! {
    /// What a commitment is of.
    CommitmentKind {
        Money = "money" | "uang",
        InKind = "in_kind" | "natura",
        StaffTime = "staff_time" | "waktu_staf",
    }
}

/// Where a commitment stands on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CommitmentState {
    /// Not yet due.
    Open,
    /// Past its due date and not kept.
    Overdue,
    /// Kept on or before its due date.
    Kept,
    /// Kept, after its due date.
    KeptLate,
}

impl CommitmentState {
    pub fn of(due_on: Date, kept_on: Option<Date>, today: Date) -> CommitmentState {
        match kept_on {
            Some(k) if k <= due_on => CommitmentState::Kept,
            Some(_) => CommitmentState::KeptLate,
            None if today > due_on => CommitmentState::Overdue,
            None => CommitmentState::Open,
        }
    }

    pub fn is_kept(self) -> bool {
        matches!(self, CommitmentState::Kept | CommitmentState::KeptLate)
    }
}

/// The settings partnerships are judged by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Settings {
    /// A partnership stands out when it has not met for this many days
    /// (counted from its start when it never met).
    pub no_meeting_days: u32,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            no_meeting_days: 90,
        }
    }
}

/// The most days `no_meeting_days` may be set to (ten years).
pub const NO_MEETING_DAYS_MAX: u32 = 3_650;

impl Settings {
    pub fn new(no_meeting_days: u32) -> Result<Settings, Text> {
        if no_meeting_days == 0 || no_meeting_days > NO_MEETING_DAYS_MAX {
            return Err(text!("partnership_days_range", max = NO_MEETING_DAYS_MAX;
                id: "jumlah hari harus antara 1 dan {max}",
                en: "the number of days must be between 1 and {max}"));
        }
        Ok(Settings { no_meeting_days })
    }
}

/// How a partnership stands on a day: commitments counted by state, and
/// the days since it last met.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, schemars::JsonSchema)]
pub struct Standing {
    pub commitments: u64,
    pub open: u64,
    pub overdue: u64,
    pub kept: u64,
    pub kept_late: u64,
    /// The last meeting held on or before the day.
    pub last_meeting: Option<Date>,
    /// Days since the last meeting, or since the start when it never met.
    pub days_without_meeting: i64,
    /// True when `days_without_meeting` exceeds the setting.
    pub no_recent_meeting: bool,
}

impl Standing {
    /// Kept commitments, on time or late.
    pub fn kept_total(&self) -> u64 {
        self.kept + self.kept_late
    }

    /// True when something stands out: an overdue commitment, or no
    /// recent meeting.
    pub fn stands_out(&self) -> bool {
        self.overdue > 0 || self.no_recent_meeting
    }
}

/// The standing on `today` of a partnership begun on `started_on`, from
/// its commitments' (due, kept) dates and its meetings' dates.
pub fn standing(
    started_on: Date,
    commitments: &[(Date, Option<Date>)],
    meetings: &[Date],
    today: Date,
    settings: &Settings,
) -> Standing {
    let mut s = Standing {
        commitments: commitments.len() as u64,
        ..Standing::default()
    };
    for &(due, kept) in commitments {
        match CommitmentState::of(due, kept, today) {
            CommitmentState::Open => s.open += 1,
            CommitmentState::Overdue => s.overdue += 1,
            CommitmentState::Kept => s.kept += 1,
            CommitmentState::KeptLate => s.kept_late += 1,
        }
    }
    s.last_meeting = meetings.iter().copied().filter(|m| *m <= today).max();
    let since = s.last_meeting.unwrap_or(started_on);
    s.days_without_meeting = days_between(since, today);
    s.no_recent_meeting = s.days_without_meeting > i64::from(settings.no_meeting_days);
    s
}

fn days_between(from: Date, to: Date) -> i64 {
    // A date's span is counted in days by default.
    from.until(to).map_or(0, |span| i64::from(span.get_days()))
}

/// A partnership as typed: checked, trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Founding {
    pub name: String,
    pub vision: String,
    pub goals: String,
}

fn too_long(max: usize) -> Text {
    text!("partnership_too_long", max = max;
        id: "paling banyak {max} karakter", en: "at most {max} characters")
}

fn needed() -> Text {
    text!("partnership_needed"; id: "wajib diisi", en: "required")
}

/// A field that must hold something, at most `max` characters.
fn required(
    raw: &str,
    field: &'static str,
    max: usize,
    errors: &mut Vec<(&'static str, Text)>,
) -> String {
    let v = optional(raw, field, max, errors);
    if v.is_empty() {
        errors.push((field, needed()));
    }
    v
}

/// A field that may be empty, at most `max` characters.
fn optional(
    raw: &str,
    field: &'static str,
    max: usize,
    errors: &mut Vec<(&'static str, Text)>,
) -> String {
    let v = raw.trim();
    if v.chars().count() > max {
        errors.push((field, too_long(max)));
    }
    v.to_owned()
}

pub type Problems = Vec<(&'static str, Text)>;

pub fn check_founding(name: &str, vision: &str, goals: &str) -> Result<Founding, Problems> {
    let mut errors = Vec::new();
    let founding = Founding {
        name: required(name, "name", NAME_MAX, &mut errors),
        vision: required(vision, "vision", TEXT_MAX, &mut errors),
        goals: optional(goals, "goals", TEXT_MAX, &mut errors),
    };
    errors.is_empty().then_some(founding).ok_or(errors)
}

/// A commitment as typed: what, of which kind, how much, by when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pledge {
    pub kind: CommitmentKind,
    pub description: String,
    /// Money: the amount; in kind: its value when known.
    pub amount: Option<Money>,
    /// Staff time: the hours.
    pub hours: Option<u32>,
    pub due_on: Date,
}

/// The raw fields of a commitment's form.
pub struct PledgeDraft<'a> {
    pub kind: &'a str,
    pub description: &'a str,
    pub amount: &'a str,
    pub hours: &'a str,
    pub due_on: &'a str,
}

pub fn check_pledge(d: &PledgeDraft<'_>) -> Result<Pledge, Problems> {
    let mut errors = Vec::new();
    let kind = CommitmentKind::parse(d.kind);
    if kind.is_none() {
        errors.push((
            "kind",
            text!("commitment_bad_kind";
                id: "pilih jenis: uang, natura atau waktu staf",
                en: "choose a kind: money, in kind or staff time"),
        ));
    }
    let description = required(d.description, "description", NAME_MAX, &mut errors);
    let amount = match d.amount.trim() {
        "" => None,
        raw => match Money::parse_plain(raw) {
            Ok(m) if m > Money::ZERO && m <= AMOUNT_MAX => Some(m),
            Ok(_) => {
                errors.push((
                    "amount",
                    text!("commitment_amount_range", max = AMOUNT_MAX;
                        id: "jumlah harus lebih dari 0 dan paling banyak {max}",
                        en: "the amount must be more than 0 and at most {max}"),
                ));
                None
            }
            Err(e) => {
                errors.push(("amount", e.into()));
                None
            }
        },
    };
    let hours = match d.hours.trim() {
        "" => None,
        raw => match raw.parse::<u32>() {
            Ok(h) if (1..=HOURS_MAX).contains(&h) => Some(h),
            _ => {
                errors.push((
                    "hours",
                    text!("commitment_hours_range", max = HOURS_MAX;
                        id: "jam harus bilangan bulat antara 1 dan {max}",
                        en: "hours must be a whole number between 1 and {max}"),
                ));
                None
            }
        },
    };
    match kind {
        Some(CommitmentKind::Money)
            if amount.is_none() && !errors.iter().any(|e| e.0 == "amount") =>
        {
            errors.push(("amount", needed()))
        }
        Some(CommitmentKind::StaffTime)
            if hours.is_none() && !errors.iter().any(|e| e.0 == "hours") =>
        {
            errors.push(("hours", needed()))
        }
        _ => {}
    }
    let due_on = match d.due_on.trim().parse::<Date>() {
        Ok(date) => Some(date),
        Err(_) => {
            errors.push((
                "due_on",
                text!("commitment_bad_due";
                    id: "tanggal jatuh tempo seperti 2026-06-30", en: "a due date such as 2026-06-30"),
            ));
            None
        }
    };
    match (kind, due_on) {
        (Some(kind), Some(due_on)) if errors.is_empty() => Ok(Pledge {
            kind,
            description,
            amount: if kind == CommitmentKind::StaffTime {
                None
            } else {
                amount
            },
            hours: if kind == CommitmentKind::StaffTime {
                hours
            } else {
                None
            },
            due_on,
        }),
        _ => Err(errors),
    }
}

/// A meeting as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Minutes {
    pub held_on: Date,
    pub attendees: u32,
    pub minutes: String,
    pub decisions: String,
}

pub fn check_minutes(
    held_on: &str,
    attendees: &str,
    minutes: &str,
    decisions: &str,
    today: Date,
) -> Result<Minutes, Problems> {
    let mut errors = Vec::new();
    let held_on = match held_on.trim().parse::<Date>() {
        Ok(d) if d <= today => Some(d),
        Ok(_) => {
            errors.push((
                "held_on",
                text!("meeting_in_future"; id: "rapat belum terjadi: tanggalnya setelah hari ini",
                    en: "the meeting has not happened: its date is after today"),
            ));
            None
        }
        Err(_) => {
            errors.push((
                "held_on",
                text!("meeting_bad_date"; id: "tanggal rapat seperti 2026-06-30", en: "a meeting date such as 2026-06-30"),
            ));
            None
        }
    };
    let attendees = match attendees.trim() {
        "" => 0,
        raw => match raw.parse::<u32>() {
            Ok(n) if n <= 100_000 => n,
            _ => {
                errors.push((
                    "attendees",
                    text!("meeting_bad_attendees"; id: "jumlah hadir: bilangan bulat sampai 100000",
                        en: "attendees: a whole number up to 100000"),
                ));
                0
            }
        },
    };
    let minutes = required(minutes, "minutes", TEXT_MAX, &mut errors);
    let decisions = optional(decisions, "decisions", TEXT_MAX, &mut errors);
    match held_on {
        Some(held_on) if errors.is_empty() => Ok(Minutes {
            held_on,
            attendees,
            minutes,
            decisions,
        }),
        _ => Err(errors),
    }
}

/// An indicator as typed: a name, its unit, the baseline and the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Measure {
    pub name: String,
    pub unit: String,
    pub baseline: lumbung_domain::Fixed<2>,
    pub target: lumbung_domain::Fixed<2>,
}

fn number(
    raw: &str,
    field: &'static str,
    errors: &mut Vec<(&'static str, Text)>,
) -> Option<lumbung_domain::Fixed<2>> {
    match lumbung_domain::Fixed::<2>::parse_plain(raw.trim()) {
        Ok(v) if v.raw().unsigned_abs() <= 1_000_000_000_000_000 => Some(v),
        _ => {
            errors.push((
                field,
                text!("indicator_bad_number", value = format!("{:?}", raw.trim());
                    id: "{value} bukan angka seperti 12,5 (titik sebagai desimal)",
                    en: "{value} is not a number such as 12.5"),
            ));
            None
        }
    }
}

pub fn check_measure(
    name: &str,
    unit: &str,
    baseline: &str,
    target: &str,
) -> Result<Measure, Problems> {
    let mut errors = Vec::new();
    let name = required(name, "name", NAME_MAX, &mut errors);
    let unit = optional(unit, "unit", 40, &mut errors);
    let baseline = number(baseline, "baseline", &mut errors);
    let target = number(target, "target", &mut errors);
    if let (Some(b), Some(t)) = (baseline, target) {
        if b == t {
            errors.push((
                "target",
                text!("indicator_target_is_baseline"; id: "target sama dengan nilai awal",
                    en: "the target equals the baseline"),
            ));
        }
    }
    match (baseline, target) {
        (Some(baseline), Some(target)) if errors.is_empty() => Ok(Measure {
            name,
            unit,
            baseline,
            target,
        }),
        _ => Err(errors),
    }
}

/// A reading of an indicator, checked.
pub fn check_reading(raw: &str) -> Result<lumbung_domain::Fixed<2>, Problems> {
    let mut errors = Vec::new();
    number(raw, "value", &mut errors).ok_or(errors)
}

/// How far an indicator has come from its baseline towards its target,
/// in whole percent (may pass 100 or fall below 0); `None` before any
/// reading.
pub fn indicator_progress(
    baseline: lumbung_domain::Fixed<2>,
    target: lumbung_domain::Fixed<2>,
    latest: Option<lumbung_domain::Fixed<2>>,
) -> Option<i64> {
    let latest = latest?;
    let span = i128::from(target.raw()) - i128::from(baseline.raw());
    if span == 0 {
        return None;
    }
    let done = i128::from(latest.raw()) - i128::from(baseline.raw());
    // Rounded half away from zero.
    let scaled = done * 200 / span;
    let percent = (scaled + scaled.signum()) / 2;
    i64::try_from(percent).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn a_commitment_is_open_overdue_or_kept() {
        let due = date(2026, 6, 30);
        assert_eq!(
            CommitmentState::of(due, None, date(2026, 6, 30)),
            CommitmentState::Open
        );
        assert_eq!(
            CommitmentState::of(due, None, date(2026, 7, 1)),
            CommitmentState::Overdue
        );
        assert_eq!(
            CommitmentState::of(due, Some(date(2026, 6, 1)), date(2027, 1, 1)),
            CommitmentState::Kept
        );
        assert_eq!(
            CommitmentState::of(due, Some(date(2026, 7, 2)), date(2027, 1, 1)),
            CommitmentState::KeptLate
        );
    }

    #[test]
    fn a_partnership_that_has_not_met_stands_out() {
        let settings = Settings::new(30).unwrap();
        let start = date(2026, 1, 1);
        let today = date(2026, 3, 1);
        let never = standing(start, &[], &[], today, &settings);
        assert_eq!(never.days_without_meeting, 59);
        assert!(never.no_recent_meeting && never.stands_out());
        let met = standing(start, &[], &[date(2026, 2, 15)], today, &settings);
        assert_eq!(met.last_meeting, Some(date(2026, 2, 15)));
        assert_eq!(met.days_without_meeting, 14);
        assert!(!met.stands_out());
        // A meeting dated after the day does not count.
        let later = standing(start, &[], &[date(2026, 4, 1)], today, &settings);
        assert_eq!(later.last_meeting, None);
        let c = [
            (date(2026, 2, 1), None),
            (date(2026, 4, 1), None),
            (date(2026, 2, 1), Some(date(2026, 1, 20))),
            (date(2026, 2, 1), Some(date(2026, 2, 20))),
        ];
        let s = standing(start, &c, &[date(2026, 2, 28)], today, &settings);
        assert_eq!((s.open, s.overdue, s.kept, s.kept_late), (1, 1, 1, 1));
        assert_eq!(s.kept_total(), 2);
        assert!(s.stands_out(), "one commitment is overdue");
        assert!(Settings::new(0).is_err() && Settings::new(3_651).is_err());
    }

    #[test]
    fn commitments_are_checked_by_field() {
        let draft = |kind, amount, hours, due| PledgeDraft {
            kind,
            description: "Dana pelatihan",
            amount,
            hours,
            due_on: due,
        };
        let ok = check_pledge(&draft("uang", "25000000", "", "2026-09-30")).unwrap();
        assert_eq!(ok.kind, CommitmentKind::Money);
        assert_eq!(ok.amount, Some(Money::from_units(25_000_000)));
        let staff = check_pledge(&draft("staff_time", "", "40", "2026-09-30")).unwrap();
        assert_eq!((staff.hours, staff.amount), (Some(40), None));
        let fields = |e: Problems| e.into_iter().map(|(f, _)| f).collect::<Vec<_>>();
        assert_eq!(
            fields(check_pledge(&draft("money", "", "", "2026-09-30")).unwrap_err()),
            ["amount"]
        );
        assert_eq!(
            fields(check_pledge(&draft("gift", "-5", "x", "30/9")).unwrap_err()),
            ["kind", "amount", "hours", "due_on"]
        );
        assert_eq!(
            fields(check_pledge(&draft("money", "10000000000001", "", "2026-09-30")).unwrap_err()),
            ["amount"],
            "bounded at the edge"
        );
    }

    #[test]
    fn meetings_and_indicators_are_checked() {
        let today = date(2026, 3, 1);
        assert!(check_minutes("2026-02-01", "12", "Rapat pertama", "", today).is_ok());
        let e = check_minutes("2026-03-02", "-1", " ", "", today).unwrap_err();
        let fields: Vec<_> = e.into_iter().map(|(f, _)| f).collect();
        assert_eq!(fields, ["held_on", "attendees", "minutes"]);
        let m = check_measure("Usaha baru", "usaha", "10", "30").unwrap();
        let p = |v: &str| indicator_progress(m.baseline, m.target, Some(check_reading(v).unwrap()));
        assert_eq!(p("20"), Some(50));
        assert_eq!(p("10"), Some(0));
        assert_eq!(p("40"), Some(150));
        assert_eq!(p("5"), Some(-25));
        assert_eq!(indicator_progress(m.baseline, m.target, None), None);
        let down = check_measure("Pengangguran", "%", "12", "8").unwrap();
        assert_eq!(
            indicator_progress(
                down.baseline,
                down.target,
                Some(check_reading("11").unwrap())
            ),
            Some(25),
            "a target below the baseline counts downwards"
        );
        assert!(check_measure("X", "", "5", "5").is_err());
        assert!(check_reading("lots").is_err());
    }
}

/// What a viewer may do in a partnership: those whose scope holds the
/// partnership manage it (partners, meetings, indicators, publishing);
/// a partner's own people see it whole, and make and keep their own
/// organisation's commitments.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, schemars::JsonSchema)]
pub struct Reach {
    /// The viewer's scope holds the partnership.
    pub holds: bool,
    /// The viewer may write and holds it.
    pub manages: bool,
    /// The partners whose people the viewer is (its organisation scope
    /// holds them).
    pub member_of: Vec<lumbung_domain::OrgId>,
    /// The viewer may write for those partners.
    pub writes: bool,
}

impl Reach {
    pub fn of(
        scope: &lumbung_domain::Scope,
        writes: bool,
        placement: &lumbung_domain::Placement,
        partners: &[(lumbung_domain::OrgId, &lumbung_domain::Placement)],
    ) -> Reach {
        let holds = scope.covers(placement);
        Reach {
            holds,
            manages: writes && holds,
            member_of: partners
                .iter()
                // Only an organisation's own people: an area's user holds
                // partnerships, it is no partner's.
                .filter(|(_, p)| {
                    matches!(scope, lumbung_domain::Scope::Org { .. }) && scope.covers(p)
                })
                .map(|(id, _)| *id)
                .collect(),
            writes,
        }
    }

    /// The viewer sees the partnership whole.
    pub fn sees(&self) -> bool {
        self.holds || !self.member_of.is_empty()
    }

    /// The viewer may make, or record as kept, a commitment of `org`.
    pub fn commits_for(&self, org: lumbung_domain::OrgId) -> bool {
        self.manages || self.writes && self.member_of.contains(&org)
    }
}

#[cfg(test)]
mod reach_tests {
    use super::*;
    use lumbung_domain::{AreaCode, AreaPath, OrgId, Placement, Scope};

    fn path(p: &str) -> AreaPath {
        AreaPath::from_stored(p.to_owned())
    }

    #[test]
    fn a_partner_sees_the_partnership_and_commits_only_for_itself() {
        let kel = path("/ID/36/3604/3604010/3604010001/");
        let here = Placement {
            area: Some(kel.clone()),
            orgs: vec![7],
        };
        let company = Placement {
            area: Some(path("/ID/36/3673/")),
            orgs: vec![30],
        };
        let bkm_placement = Placement {
            area: Some(kel.clone()),
            orgs: vec![7],
        };
        let partners = [(OrgId::new(7), &bkm_placement), (OrgId::new(30), &company)];
        // The company's own admin (organisation scope) is a partner, not
        // the owner.
        let company_scope = Scope::Org {
            id: 30,
            area: Some(path("/ID/36/3673/")),
        };
        let r = Reach::of(&company_scope, true, &here, &partners);
        assert!(r.sees() && !r.manages);
        assert!(r.commits_for(OrgId::new(30)));
        assert!(!r.commits_for(OrgId::new(7)), "never for another partner");
        // A facilitator of the kelurahan holds it.
        let fac = Scope::Area {
            code: AreaCode::parse("3604010001").unwrap(),
            path: kel,
        };
        let f = Reach::of(&fac, true, &here, &partners);
        assert!(f.manages && f.commits_for(OrgId::new(30)));
        assert!(f.member_of.is_empty(), "a facilitator is no partner's");
        // An auditor reads without writing.
        let a = Reach::of(&Scope::Global, false, &here, &partners);
        assert!(a.sees() && !a.manages && !a.commits_for(OrgId::new(7)));
        // Someone of another city sees nothing.
        let other = Scope::Area {
            code: AreaCode::parse("3673").unwrap(),
            path: path("/ID/36/3673/"),
        };
        assert!(!Reach::of(&other, true, &here, &[]).sees());
    }
}
