//! Complaints and questions (PPM, *penanganan pengaduan masyarakat*):
//! what a submission must hold, how a complaint's status may move, the
//! deadlines it is judged by and the level it has escalated to when one
//! is missed (BKM → the kelurahan's facilitator → the city coordinator),
//! and the monthly summary per city (p2kp-rules: information request vs
//! problem, in progress vs resolved).

use jiff::civil::Date;
use jiff::ToSpan;
use lumbung_domain::{text, Text};
use serde::Serialize;
use std::collections::BTreeMap;

/// The longest complaint text, in characters.
pub const MAX_TEXT: usize = 4_000;
/// The longest name or contact, in characters.
pub const MAX_FIELD: usize = 200;

lumbung_domain::keyed! {
    /// What is asked: information, or a problem to be put right.
    Category { Information = "information" | "informasi", Problem = "problem" | "masalah" }
}

lumbung_domain::keyed! {
    /// What it is about.
    Subject {
        Funds = "funds" | "dana",
        Election = "election" | "pemilihan",
        Construction = "construction" | "pembangunan",
        Targeting = "targeting" | "sasaran",
        Other = "other" | "lainnya",
    }
}

lumbung_domain::keyed! {
    /// How it reached the programme: the public form, or entered by a
    /// facilitator from a text message, paper or a visit.
    Channel { Web = "web", Sms = "sms", Paper = "paper" | "surat", InPerson = "in_person" | "langsung" }
}

lumbung_domain::keyed! {
    /// Where a complaint stands.
    Status {
        Received = "received",
        InProgress = "in_progress",
        Resolved = "resolved",
        Closed = "closed",
    }
}

lumbung_domain::keyed! {
    /// Who answers for a complaint now.
    Level { Bkm = "bkm", Facilitator = "facilitator", Coordinator = "coordinator" }
}

impl Status {
    /// Whether the complaint is still open.
    pub fn open(self) -> bool {
        matches!(self, Status::Received | Status::InProgress)
    }
}

/// The days a complaint may take (settings; defaults 3 and 30).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Deadlines {
    /// A first answer within this many days of receipt.
    pub answer_days: u16,
    /// Resolved (or closed) within this many days of receipt.
    pub resolve_days: u16,
}

impl Default for Deadlines {
    fn default() -> Self {
        Deadlines {
            answer_days: 3,
            resolve_days: 30,
        }
    }
}

impl Deadlines {
    /// The deadlines that hold at `path` (an area path): those of the
    /// nearest area at or above it that has its own (`set`: area paths and
    /// their deadlines), else the defaults.
    pub fn nearest(set: &[(String, Deadlines)], path: &str) -> Deadlines {
        set.iter()
            .filter(|(p, _)| path.starts_with(p.as_str()))
            .max_by_key(|(p, _)| p.len())
            .map(|(_, d)| *d)
            .unwrap_or_default()
    }

    /// Checked settings: 1 ≤ answer ≤ resolve ≤ 365 days.
    pub fn new(answer_days: u16, resolve_days: u16) -> Result<Deadlines, Text> {
        if answer_days == 0 || answer_days > resolve_days || resolve_days > 365 {
            return Err(text!("complaint_bad_deadlines";
                id: "batas waktu tidak sah: 1 ≤ hari menjawab ≤ hari menyelesaikan ≤ 365",
                en: "invalid deadlines: 1 ≤ days to answer ≤ days to resolve ≤ 365"));
        }
        Ok(Deadlines {
            answer_days,
            resolve_days,
        })
    }
}

/// A submission as typed, before it is checked.
#[derive(Debug, Clone, Default)]
pub struct Draft<'a> {
    pub category: &'a str,
    pub subject: &'a str,
    pub text: &'a str,
    pub anonymous: bool,
    pub name: &'a str,
    pub contact: &'a str,
}

/// A checked submission. An anonymous one keeps no name and no contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    pub category: Category,
    pub subject: Subject,
    pub text: String,
    pub name: Option<String>,
    pub contact: Option<String>,
}

/// Checks a draft; every problem by its field.
pub fn check(draft: &Draft<'_>) -> Result<Submission, Vec<(&'static str, Text)>> {
    let mut errors = Vec::new();
    let category = Category::parse(draft.category);
    if category.is_none() {
        errors.push((
            "category",
            text!("complaint_bad_category";
            id: "pilih jenis: permintaan informasi atau masalah",
            en: "choose a kind: information request or problem"),
        ));
    }
    let subject = Subject::parse(draft.subject);
    if subject.is_none() {
        errors.push((
            "subject",
            text!("complaint_bad_subject";
            id: "pilih pokok: dana, pemilihan, pembangunan, sasaran atau lainnya",
            en: "choose a subject: funds, election, construction, targeting or other"),
        ));
    }
    let body = draft.text.trim();
    if body.is_empty() {
        errors.push((
            "text",
            text!("complaint_empty"; id: "tuliskan pengaduan atau pertanyaan", en: "write the complaint or question"),
        ));
    } else if body.chars().count() > MAX_TEXT {
        errors.push((
            "text",
            text!("complaint_too_long", max = MAX_TEXT;
            id: "paling banyak {max} karakter", en: "at most {max} characters"),
        ));
    }
    let field = |raw: &str, name: &'static str, errors: &mut Vec<(&'static str, Text)>| {
        let v = raw.trim();
        if v.chars().count() > MAX_FIELD {
            errors.push((
                name,
                text!("complaint_field_too_long", max = MAX_FIELD;
                id: "paling banyak {max} karakter", en: "at most {max} characters"),
            ));
        }
        (!draft.anonymous && !v.is_empty()).then(|| v.to_owned())
    };
    let name = field(draft.name, "name", &mut errors);
    let contact = field(draft.contact, "contact", &mut errors);
    match (category, subject) {
        (Some(category), Some(subject)) if errors.is_empty() => Ok(Submission {
            category,
            subject,
            text: body.to_owned(),
            name,
            contact,
        }),
        _ => Err(errors),
    }
}

/// The day a complaint was received: today for the public form; for one
/// entered later from a text message or paper, the day it came, never in
/// the future nor more than a year back.
pub fn received_on(given: Option<Date>, today: Date) -> Result<Date, Text> {
    let Some(day) = given else {
        return Ok(today);
    };
    if day > today || day < today.saturating_sub(1.year()) {
        return Err(text!("complaint_bad_received", day = day.to_string();
            id: "tanggal diterima {day} harus antara setahun lalu dan hari ini",
            en: "the day received, {day}, must be between a year ago and today"));
    }
    Ok(day)
}

/// Whether a complaint may move from `from` to `to`: forward, or a
/// resolved one reopened; a closed one stays closed.
pub fn may_move(from: Status, to: Status) -> Result<(), Text> {
    use Status::*;
    let allowed = matches!(
        (from, to),
        (Received, InProgress | Resolved | Closed)
            | (InProgress, InProgress | Resolved | Closed)
            | (Resolved, InProgress | Closed)
    );
    if allowed {
        Ok(())
    } else {
        Err(
            text!("complaint_bad_move", from = from.as_str(), to = to.as_str();
            id: "status tidak dapat berubah dari {from} menjadi {to}",
            en: "the status cannot change from {from} to {to}"),
        )
    }
}

/// What a complaint's deadlines are judged on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeline {
    pub received: Date,
    /// The first answer (any change of status with its reply).
    pub answered: Option<Date>,
    pub status: Status,
}

/// A complaint's deadlines and who answers for it today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Standing {
    pub answer_by: Date,
    pub resolve_by: Date,
    /// The answer came late, or has not come and is late.
    pub answer_late: bool,
    /// Open past its resolution deadline.
    pub overdue: bool,
    /// The BKM; the facilitator once the answer is late; the city
    /// coordinator once the resolution is. A closed or resolved complaint
    /// stays where it ended.
    pub level: Level,
}

/// Judges a complaint today.
pub fn standing(t: &Timeline, deadlines: Deadlines, today: Date) -> Standing {
    let answer_by = t
        .received
        .saturating_add(i64::from(deadlines.answer_days).days());
    let resolve_by = t
        .received
        .saturating_add(i64::from(deadlines.resolve_days).days());
    let answer_late = match t.answered {
        Some(on) => on > answer_by,
        None => today > answer_by,
    };
    let overdue = t.status.open() && today > resolve_by;
    let level = if overdue {
        Level::Coordinator
    } else if answer_late {
        Level::Facilitator
    } else {
        Level::Bkm
    };
    Standing {
        answer_by,
        resolve_by,
        answer_late,
        overdue,
        level,
    }
}

/// One complaint as the monthly summary counts it.
#[derive(Debug, Clone, Copy)]
pub struct Counted {
    pub received: Date,
    pub category: Category,
    pub status: Status,
    pub overdue: bool,
}

/// A month's complaints in a city.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Month {
    /// `YYYY-MM`.
    pub month: String,
    pub received: u64,
    pub information: u64,
    pub problem: u64,
    /// Still received or in progress.
    pub open: u64,
    pub resolved: u64,
    pub closed: u64,
    /// Open past the resolution deadline.
    pub overdue: u64,
}

/// The complaints received each month, oldest first.
pub fn monthly(complaints: &[Counted]) -> Vec<Month> {
    let mut months: BTreeMap<String, Month> = BTreeMap::new();
    for c in complaints {
        let key = format!("{:04}-{:02}", c.received.year(), c.received.month());
        let m = months.entry(key.clone()).or_insert_with(|| Month {
            month: key,
            ..Month::default()
        });
        m.received += 1;
        match c.category {
            Category::Information => m.information += 1,
            Category::Problem => m.problem += 1,
        }
        match c.status {
            Status::Received | Status::InProgress => m.open += 1,
            Status::Resolved => m.resolved += 1,
            Status::Closed => m.closed += 1,
        }
        m.overdue += u64::from(c.overdue);
    }
    months.into_values().collect()
}

/// Complaints by status, every status present (zero included).
pub fn by_status(statuses: impl IntoIterator<Item = Status>) -> BTreeMap<String, u64> {
    let mut out: BTreeMap<String, u64> = Status::ALL
        .iter()
        .map(|s| (s.as_str().to_owned(), 0))
        .collect();
    for s in statuses {
        *out.entry(s.as_str().to_owned()).or_default() += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn the_nearest_area_with_its_own_deadlines_sets_them() {
        let city = Deadlines::new(5, 20).unwrap();
        let kelurahan = Deadlines::new(2, 10).unwrap();
        let set = vec![
            ("/ID/36/3604/".to_owned(), city),
            ("/ID/36/3604/3604010/3604010001/".to_owned(), kelurahan),
        ];
        let at = |path: &str| Deadlines::nearest(&set, path);
        assert_eq!(at("/ID/36/3604/3604010/3604010001/"), kelurahan);
        assert_eq!(at("/ID/36/3604/3604010/3604010002/"), city);
        assert_eq!(at("/ID/36/3671/"), Deadlines::default());
    }

    #[test]
    fn a_submission_needs_its_fields_and_anonymity_keeps_no_name() {
        let draft = Draft {
            category: "masalah",
            subject: "dana",
            text: "  Dana BLM tahap 2 belum diumumkan  ",
            anonymous: true,
            name: "Siti",
            contact: "0812",
        };
        let s = check(&draft).unwrap();
        assert_eq!(s.category, Category::Problem);
        assert_eq!(s.subject, Subject::Funds);
        assert_eq!(s.text, "Dana BLM tahap 2 belum diumumkan");
        assert_eq!((s.name, s.contact), (None, None));
        let named = check(&Draft {
            anonymous: false,
            ..draft.clone()
        })
        .unwrap();
        assert_eq!(named.name.as_deref(), Some("Siti"));
        let long = "x".repeat(MAX_TEXT + 1);
        let errors = check(&Draft {
            category: "complaint",
            subject: "",
            text: &long,
            ..Draft::default()
        })
        .unwrap_err();
        let fields: Vec<_> = errors.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, ["category", "subject", "text"]);
    }

    #[test]
    fn a_complaint_is_received_today_or_on_a_day_of_the_past_year() {
        let today = date(2026, 12, 4);
        assert_eq!(received_on(None, today), Ok(today));
        assert_eq!(
            received_on(Some(date(2026, 11, 30)), today),
            Ok(date(2026, 11, 30))
        );
        assert!(received_on(Some(date(2026, 12, 5)), today).is_err());
        assert!(received_on(Some(date(2025, 12, 3)), today).is_err());
        assert!(received_on(Some(date(2025, 12, 4)), today).is_ok());
    }

    #[test]
    fn statuses_move_forward_and_a_closed_complaint_stays_closed() {
        use Status::*;
        assert!(may_move(Received, InProgress).is_ok());
        assert!(may_move(Resolved, InProgress).is_ok());
        assert!(may_move(InProgress, Received).is_err());
        assert!(may_move(Closed, InProgress).is_err());
        assert!(may_move(Received, Received).is_err());
    }

    #[test]
    fn a_missed_answer_goes_to_the_facilitator_and_a_missed_resolution_to_the_coordinator() {
        let d = Deadlines::default();
        let t = Timeline {
            received: date(2026, 3, 1),
            answered: None,
            status: Status::Received,
        };
        assert_eq!(standing(&t, d, date(2026, 3, 4)).level, Level::Bkm);
        let late = standing(&t, d, date(2026, 3, 5));
        assert_eq!(late.answer_by, date(2026, 3, 4));
        assert!(late.answer_late && !late.overdue);
        assert_eq!(late.level, Level::Facilitator);
        let answered = Timeline {
            answered: Some(date(2026, 3, 2)),
            status: Status::InProgress,
            ..t
        };
        assert_eq!(standing(&answered, d, date(2026, 3, 31)).level, Level::Bkm);
        let overdue = standing(&answered, d, date(2026, 4, 1));
        assert!(overdue.overdue);
        assert_eq!(overdue.level, Level::Coordinator);
        let resolved = Timeline {
            status: Status::Resolved,
            ..answered
        };
        assert_eq!(standing(&resolved, d, date(2027, 1, 1)).level, Level::Bkm);
        assert!(Deadlines::new(0, 30).is_err());
        assert!(Deadlines::new(31, 30).is_err());
        assert!(Deadlines::new(3, 366).is_err());
    }

    #[test]
    fn months_count_kinds_and_outcomes() {
        let c = |m, category, status, overdue| Counted {
            received: date(2026, m, 10),
            category,
            status,
            overdue,
        };
        let months = monthly(&[
            c(3, Category::Problem, Status::Resolved, false),
            c(3, Category::Information, Status::InProgress, true),
            c(1, Category::Problem, Status::Closed, false),
        ]);
        assert_eq!(months.len(), 2);
        assert_eq!(months[0].month, "2026-01");
        assert_eq!(
            months[1],
            Month {
                month: "2026-03".into(),
                received: 2,
                information: 1,
                problem: 1,
                open: 1,
                resolved: 1,
                closed: 0,
                overdue: 1
            }
        );
        let counts = by_status([Status::Received, Status::Received]);
        assert_eq!(counts["received"], 2);
        assert_eq!(counts["closed"], 0);
        assert_eq!(counts.len(), 4);
    }
}
