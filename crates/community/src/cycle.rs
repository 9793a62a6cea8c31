//! The kelurahan programme cycle (siklus): the steps as data with the
//! programme's defaults, each kelurahan's record of the steps it has done
//! (in order, recorded by a facilitator and verified by someone else), and
//! the progress of a set of kelurahan. Rules and decisions: `docs/cycle.md`.

use crate::mapping::Label;
use crate::mapping::{count_share, serde_util};
use jiff::civil::Date;
use jiff::Timestamp;
use lumbung_domain::{AreaCode, Share, Username};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};

/// One step of the cycle. `target` is the programme's target date for it
/// (none by default).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "CycleStep")]
pub struct Step {
    pub key: String,
    pub label: Label,
    pub order: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Date>,
}

fn step(order: u16, key: &str, id: &str, en: &str) -> Step {
    Step {
        key: key.to_owned(),
        label: Label::new(id, en),
        order,
        target: None,
    }
}

/// The steps of the P2KP cycle, in order, without target dates.
pub fn default_steps() -> Vec<Step> {
    vec![
        step(
            1,
            "rkm",
            "Rembug Kesiapan Masyarakat (RKM)",
            "Community readiness meeting (RKM)",
        ),
        step(
            2,
            "volunteers",
            "Rekrutmen relawan",
            "Volunteer recruitment",
        ),
        step(
            3,
            "poverty_reflection",
            "Refleksi kemiskinan",
            "Poverty reflection",
        ),
        step(4, "self_mapping", "Pemetaan swadaya", "Self-mapping"),
        step(5, "bkm_formation", "Pembentukan BKM", "BKM formation"),
        step(
            6,
            "pjm_pronangkis",
            "PJM Pronangkis dan Renta (rencana tahunan)",
            "PJM Pronangkis (3-year plan) and annual plan",
        ),
        step(
            7,
            "musrenbang",
            "Integrasi dengan Musrenbang",
            "Linking with Musrenbang (regional planning)",
        ),
        step(
            8,
            "implementation",
            "Pelaksanaan dan pemantauan (KSM, BLM)",
            "Implementation and monitoring (KSM, BLM)",
        ),
        step(
            9,
            "review",
            "Tinjauan partisipatif (rencana, kelembagaan, keuangan)",
            "Review of plan, institution and finances",
        ),
        step(
            10,
            "bkm_reelection",
            "Pemilihan ulang BKM (tahun IV)",
            "BKM re-election (year IV)",
        ),
    ]
}

/// A programme's steps, valid: at least one, unique keys of `a–z 0–9 _`,
/// unique orders, both labels; kept sorted by order. `starts_on` is the
/// programme's start, from which a kelurahan with no step recorded counts
/// as stalled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(try_from = "PlanData")]
pub struct CyclePlan {
    steps: Vec<Step>,
    // Optional in the schema of both directions (one schema for both).
    #[schemars(skip_serializing_if = "Option::is_none")]
    starts_on: Option<Date>,
}

#[derive(Deserialize, JsonSchema)]
struct PlanData {
    steps: Vec<Step>,
    // Absent: none.
    starts_on: Option<Date>,
}

impl TryFrom<PlanData> for CyclePlan {
    type Error = PlanError;
    fn try_from(d: PlanData) -> Result<CyclePlan, PlanError> {
        CyclePlan::new(d.steps, d.starts_on)
    }
}

lumbung_domain::text_enum! {
    /// A list of steps that is not a plan.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum PlanError {
        NoSteps => "plan_no_steps"; id: "rencana tidak punya langkah", en: "the plan has no steps",
        BadKey(key: String) => "plan_bad_key", key = format!("{key:?}");
            id: "kunci langkah {key} harus 1–64 karakter berupa huruf kecil, angka dan '_'",
            en: "step key {key} must be 1–64 characters of lowercase letters, digits and '_'",
        DuplicateKey(key: String) => "plan_duplicate_key", key = key;
            id: "kunci langkah {key} dipakai dua kali", en: "step key {key} is used twice",
        DuplicateOrder(a: String, b: String, order: u16) => "plan_duplicate_order",
            a = a, b = b, order = order;
            id: "langkah {a} dan {b} punya urutan yang sama {order}",
            en: "steps {a} and {b} have the same order {order}",
        EmptyLabel { key: String, language: &'static str } => "plan_empty_label",
            key = key, language = language;
            id: "langkah {key}: label {language} kosong",
            en: "step {key}: the {language} label is empty",
        UnknownStep(step: String) => "plan_unknown_step", step = step;
            id: "rencana tidak punya langkah {step}", en: "the plan has no step {step}",
        TooManySteps(max: usize) => "plan_too_many_steps", max = max;
            id: "rencana paling banyak {max} langkah", en: "a plan has at most {max} steps",
        LongLabel { key: String, language: &'static str, max: usize } => "plan_long_label",
            key = key, language = language, max = max;
            id: "langkah {key}: label {language} paling banyak {max} karakter",
            en: "step {key}: the {language} label is at most {max} characters",
    }
}

/// The most steps a plan has (the programme's are eight): the progress
/// report compares every kelurahan's plan step by step, and one plan of
/// tens of thousands of steps took it minutes.
pub const MAX_STEPS: usize = 100;
/// The longest label of a step, in characters.
pub const LABEL_MAX: usize = 200;

impl Default for CyclePlan {
    /// The default steps, no start, no targets.
    fn default() -> CyclePlan {
        CyclePlan::new(default_steps(), None).expect("the default steps are valid")
    }
}

impl CyclePlan {
    pub fn new(mut steps: Vec<Step>, starts_on: Option<Date>) -> Result<CyclePlan, PlanError> {
        if steps.is_empty() {
            return Err(PlanError::NoSteps);
        }
        if steps.len() > MAX_STEPS {
            return Err(PlanError::TooManySteps(MAX_STEPS));
        }
        let mut keys = HashSet::new();
        for s in &steps {
            if !crate::mapping::criteria_key_ok(&s.key) {
                return Err(PlanError::BadKey(s.key.clone()));
            }
            if !keys.insert(s.key.as_str()) {
                return Err(PlanError::DuplicateKey(s.key.clone()));
            }
            for (language, text) in [("Indonesian", &s.label.id), ("English", &s.label.en)] {
                if text.trim().is_empty() {
                    return Err(PlanError::EmptyLabel {
                        key: s.key.clone(),
                        language,
                    });
                }
                if text.chars().count() > LABEL_MAX {
                    return Err(PlanError::LongLabel {
                        key: s.key.clone(),
                        language,
                        max: LABEL_MAX,
                    });
                }
            }
        }
        steps.sort_by_key(|s| s.order);
        if let Some(w) = steps.windows(2).find(|w| w[0].order == w[1].order) {
            return Err(PlanError::DuplicateOrder(
                w[0].key.clone(),
                w[1].key.clone(),
                w[0].order,
            ));
        }
        Ok(CyclePlan { steps, starts_on })
    }

    /// The steps in order.
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    pub fn starts_on(&self) -> Option<Date> {
        self.starts_on
    }

    pub fn step(&self, key: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.key == key)
    }

    fn position(&self, key: &str) -> Option<usize> {
        self.steps.iter().position(|s| s.key == key)
    }

    /// Sets or clears a step's target date.
    pub fn set_target(&mut self, key: &str, target: Option<Date>) -> Result<(), PlanError> {
        let i = self
            .position(key)
            .ok_or_else(|| PlanError::UnknownStep(key.to_owned()))?;
        self.steps[i].target = target;
        Ok(())
    }

    pub fn set_start(&mut self, starts_on: Option<Date>) {
        self.starts_on = starts_on;
    }
}

/// Who came to a step's meeting. Valid: women ≤ total, poor ≤ total.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(try_from = "AttendanceData")]
pub struct Attendance {
    total: u32,
    women: u32,
    poor: u32,
}

#[derive(Deserialize, JsonSchema)]
struct AttendanceData {
    total: u32,
    women: u32,
    poor: u32,
}

impl TryFrom<AttendanceData> for Attendance {
    type Error = CycleError;
    fn try_from(d: AttendanceData) -> Result<Attendance, CycleError> {
        Attendance::new(d.total, d.women, d.poor)
    }
}

impl Attendance {
    pub fn new(total: u32, women: u32, poor: u32) -> Result<Attendance, CycleError> {
        if women > total {
            return Err(CycleError::MoreWomenThanAttendance { women, total });
        }
        if poor > total {
            return Err(CycleError::MorePoorThanAttendance { poor, total });
        }
        Ok(Attendance { total, women, poor })
    }
    pub fn total(self) -> u32 {
        self.total
    }
    pub fn women(self) -> u32 {
        self.women
    }
    /// Poor residents (on the PS-2 list or poor by the local criteria).
    pub fn poor(self) -> u32 {
        self.poor
    }
}

/// A document of a step: minutes (berita acara), attendance list, plan…
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "StepDocument")]
pub struct Document {
    pub title: String,
    /// A file name, number or link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

/// What a facilitator reports for a step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct StepReport {
    pub step: String,
    pub done_on: Date,
    pub attendance: Attendance,
    #[serde(default)]
    pub documents: Vec<Document>,
}

/// Where a step record stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Verification {
    /// Recorded by the facilitator, not yet verified.
    Recorded,
    /// Verified by the city coordinator.
    Verified {
        #[serde(deserialize_with = "serde_util::username")]
        by: Username,
        at: Timestamp,
    },
}

/// A step done by a kelurahan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepRecord {
    pub step: String,
    pub done_on: Date,
    pub attendance: Attendance,
    pub documents: Vec<Document>,
    #[serde(deserialize_with = "serde_util::username")]
    pub recorded_by: Username,
    pub recorded_at: Timestamp,
    pub verification: Verification,
}

impl StepRecord {
    pub fn is_verified(&self) -> bool {
        matches!(self.verification, Verification::Verified { .. })
    }
}

lumbung_domain::text_enum! {
    /// A broken cycle rule.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum CycleError {
        UnknownStep(step: String) => "cycle_unknown_step", step = step;
            id: "program tidak punya langkah {step}", en: "the programme has no step {step}",
        AlreadyRecorded(step: String) => "cycle_already_recorded", step = step;
            id: "langkah {step} sudah dicatat", en: "step {step} is already recorded",
        PreviousNotDone { step: String, previous: String } => "cycle_previous_not_done",
            step = step, previous = previous;
            id: "langkah {step} tidak bisa dicatat sebelum langkah {previous} selesai",
            en: "step {step} cannot be recorded before step {previous} is done",
        DoneBeforePrevious {
            step: String,
            done_on: Date,
            previous: String,
            previous_done_on: Date,
        } => "cycle_done_before_previous", step = step, done_on = done_on,
            previous = previous, previous_done_on = previous_done_on;
            id: "langkah {step} bertanggal {done_on}, sebelum langkah {previous} ({previous_done_on})",
            en: "step {step} is dated {done_on}, before step {previous} ({previous_done_on})",
        MoreWomenThanAttendance { women: u32, total: u32 } => "cycle_more_women",
            women = women, total = total;
            id: "kehadiran: {women} perempuan lebih banyak dari {total} orang yang datang",
            en: "attendance: {women} women is more than the {total} people who came",
        MorePoorThanAttendance { poor: u32, total: u32 } => "cycle_more_poor",
            poor = poor, total = total;
            id: "kehadiran: {poor} warga miskin lebih banyak dari {total} orang yang datang",
            en: "attendance: {poor} poor residents is more than the {total} people who came",
        EmptyDocumentTitle(n: usize) => "cycle_empty_document_title", n = n;
            id: "dokumen {n}: judulnya kosong", en: "document {n}: the title is empty",
        NotRecorded(step: String) => "cycle_not_recorded", step = step;
            id: "langkah {step} belum dicatat, jadi tidak bisa diverifikasi",
            en: "step {step} is not recorded, so it cannot be verified",
        AlreadyVerified { step: String, by: Username } => "cycle_already_verified",
            step = step, by = by;
            id: "langkah {step} sudah diverifikasi oleh {by}",
            en: "step {step} is already verified by {by}",
        SelfVerification { step: String, user: Username } => "cycle_self_verification",
            step = step, user = user;
            id: "langkah {step} dicatat oleh {user}; orang lain yang harus memverifikasinya",
            en: "step {step} was recorded by {user}; someone else must verify it",
        VerifiedBeforeRecorded(step: String) => "cycle_verified_before_recorded", step = step;
            id: "langkah {step} tidak bisa diverifikasi sebelum dicatat",
            en: "step {step} cannot be verified before it was recorded",
        DuplicateKelurahan(code: AreaCode) => "cycle_duplicate_kelurahan", code = code;
            id: "kelurahan {code} tercantum dua kali", en: "kelurahan {code} is listed twice",
    }
}

/// The steps a kelurahan has done, in the plan's order. Read back from
/// storage with `from_records`, which checks the rules again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KelurahanCycle {
    pub kelurahan: AreaCode,
    records: Vec<StepRecord>,
}

impl KelurahanCycle {
    pub fn new(kelurahan: AreaCode) -> KelurahanCycle {
        KelurahanCycle {
            kelurahan,
            records: Vec::new(),
        }
    }

    /// Rebuilds a cycle from stored records (any order), checking every
    /// rule again.
    pub fn from_records(
        kelurahan: AreaCode,
        plan: &CyclePlan,
        mut records: Vec<StepRecord>,
    ) -> Result<KelurahanCycle, CycleError> {
        records.sort_by_key(|r| plan.position(&r.step).unwrap_or(usize::MAX));
        let mut cycle = KelurahanCycle::new(kelurahan);
        for r in records {
            let report = StepReport {
                step: r.step.clone(),
                done_on: r.done_on,
                attendance: r.attendance,
                documents: r.documents.clone(),
            };
            cycle.record(plan, report, r.recorded_by.clone(), r.recorded_at)?;
            if let Verification::Verified { by, at } = &r.verification {
                cycle.verify(&r.step, by, *at)?;
            }
        }
        Ok(cycle)
    }

    /// The records in the plan's order.
    pub fn records(&self) -> &[StepRecord] {
        &self.records
    }

    /// Steps recorded that the city coordinator has not verified yet.
    pub fn awaiting_verification(&self) -> impl Iterator<Item = &StepRecord> {
        self.records.iter().filter(|r| !r.is_verified())
    }

    pub fn record_of(&self, step: &str) -> Option<&StepRecord> {
        self.records.iter().find(|r| r.step == step)
    }

    /// The first step not yet recorded; `None` when all are.
    pub fn next_step<'p>(&self, plan: &'p CyclePlan) -> Option<&'p Step> {
        plan.steps().get(self.records.len())
    }

    /// Records a step done. Refused: an unknown step, one already recorded,
    /// one whose previous step is not recorded, a date before the previous
    /// step's, an empty document title.
    pub fn record(
        &mut self,
        plan: &CyclePlan,
        report: StepReport,
        by: Username,
        at: Timestamp,
    ) -> Result<&StepRecord, CycleError> {
        let pos = plan
            .position(&report.step)
            .ok_or_else(|| CycleError::UnknownStep(report.step.clone()))?;
        if self.record_of(&report.step).is_some() {
            return Err(CycleError::AlreadyRecorded(report.step));
        }
        // Records are kept in plan order, one per step from the first, so
        // the previous step is done exactly when `pos` steps are recorded.
        if pos > self.records.len() {
            return Err(CycleError::PreviousNotDone {
                step: report.step,
                previous: plan.steps()[pos - 1].key.clone(),
            });
        }
        if let Some(prev) = self.records.last() {
            if report.done_on < prev.done_on {
                return Err(CycleError::DoneBeforePrevious {
                    step: report.step,
                    done_on: report.done_on,
                    previous: prev.step.clone(),
                    previous_done_on: prev.done_on,
                });
            }
        }
        if let Some(i) = report
            .documents
            .iter()
            .position(|d| d.title.trim().is_empty())
        {
            return Err(CycleError::EmptyDocumentTitle(i + 1));
        }
        self.records.push(StepRecord {
            step: report.step,
            done_on: report.done_on,
            attendance: report.attendance,
            documents: report.documents,
            recorded_by: by,
            recorded_at: at,
            verification: Verification::Recorded,
        });
        Ok(self.records.last().expect("just pushed"))
    }

    /// Verifies a recorded step. Refused: a step not recorded, one already
    /// verified, by the user who recorded it, or at a time before it was
    /// recorded. (Whether the user is a city coordinator for this
    /// kelurahan is the access rule's to check.)
    pub fn verify(
        &mut self,
        step: &str,
        by: &Username,
        at: Timestamp,
    ) -> Result<&StepRecord, CycleError> {
        let record = self
            .records
            .iter_mut()
            .find(|r| r.step == step)
            .ok_or_else(|| CycleError::NotRecorded(step.to_owned()))?;
        if let Verification::Verified { by: first, .. } = &record.verification {
            return Err(CycleError::AlreadyVerified {
                step: step.to_owned(),
                by: first.clone(),
            });
        }
        if &record.recorded_by == by {
            return Err(CycleError::SelfVerification {
                step: step.to_owned(),
                user: by.clone(),
            });
        }
        if at < record.recorded_at {
            return Err(CycleError::VerifiedBeforeRecorded(step.to_owned()));
        }
        record.verification = Verification::Verified { by: by.clone(), at };
        Ok(record)
    }
}

/// Settings of the progress report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ProgressSettings {
    /// A kelurahan is stalled when no step was done for this many days.
    pub stalled_after_days: u32,
}

impl Default for ProgressSettings {
    fn default() -> ProgressSettings {
        ProgressSettings {
            stalled_after_days: 90,
        }
    }
}

/// Adult turnout in a kelurahan's BKM election: voters of the eligible.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Turnout {
    voted: u64,
    eligible: u64,
    share: Option<Share>,
}

impl Turnout {
    pub fn voted(self) -> u64 {
        self.voted
    }
    pub fn eligible(self) -> u64 {
        self.eligible
    }
    /// voted ÷ eligible; `None` when no one was eligible.
    pub fn share(self) -> Option<Share> {
        self.share
    }

    /// `None` when more voted than were eligible.
    pub fn new(voted: u64, eligible: u64) -> Option<Turnout> {
        (voted <= eligible).then(|| Turnout {
            voted,
            eligible,
            share: count_share(voted, eligible),
        })
    }
}

/// `part ÷ whole` in whole percent, rounded half up (9 of 11 → 82).
pub fn whole_percent(part: u64, whole: u64) -> Option<u64> {
    (whole > 0).then(|| (200 * part + whole) / (2 * whole))
}

/// Attendance summed over meetings, and the shares of women and of poor
/// residents in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub struct Participation {
    pub meetings: u64,
    pub total: u64,
    pub women: u64,
    pub poor: u64,
    pub share_women: Option<Share>,
    pub share_poor: Option<Share>,
}

impl Participation {
    fn add(&mut self, a: Attendance) {
        self.meetings += 1;
        self.total += u64::from(a.total);
        self.women += u64::from(a.women);
        self.poor += u64::from(a.poor);
        self.share_women = count_share(self.women, self.total);
        self.share_poor = count_share(self.poor, self.total);
    }
}

/// One step over the set of kelurahan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepProgress {
    pub key: String,
    pub label: Label,
    pub order: u16,
    pub target: Option<Date>,
    /// Kelurahan that did the step on or before the report date.
    pub done: u64,
    /// Of those, verified by the city coordinator.
    pub verified: u64,
    /// done ÷ kelurahan.
    pub share_done: Option<Share>,
    /// The same in whole percent (9 of 11 → 82).
    pub percent_done: Option<u64>,
    /// Kelurahan that did it on or before the target date (`None` without
    /// a target).
    pub on_time: Option<u64>,
    /// on time ÷ kelurahan.
    pub share_on_time: Option<Share>,
    pub participation: Participation,
}

/// One kelurahan's standing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KelurahanProgress {
    pub kelurahan: AreaCode,
    pub steps_done: u64,
    pub next_step: Option<String>,
    pub last_done_on: Option<Date>,
    /// Steps whose target date has passed and that are not done.
    pub late: Vec<String>,
    /// No step done for the stalled period (from the last step, or from the
    /// programme's start when none is done), and the cycle not complete.
    pub stalled: bool,
    /// Days since the last step (or the start), when known.
    pub days_idle: Option<i64>,
    pub turnout: Option<Turnout>,
}

impl KelurahanProgress {
    pub fn flagged(&self) -> bool {
        self.stalled || !self.late.is_empty()
    }
}

/// The progress of a set of kelurahan (a kecamatan, a city, a programme)
/// on a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Progress {
    pub as_of: Date,
    pub kelurahan_count: u64,
    pub steps: Vec<StepProgress>,
    /// Late or stalled first, then by code.
    pub kelurahan: Vec<KelurahanProgress>,
    /// Every step's attendance together.
    pub participation: Participation,
    /// Turnout over the kelurahan that reported one.
    pub turnout: Option<Turnout>,
}

/// The progress as of a date: records dated after it do not count.
/// `turnout` is optional per kelurahan (election results).
pub fn progress(
    plan: &CyclePlan,
    cycles: &[KelurahanCycle],
    turnout: &BTreeMap<AreaCode, Turnout>,
    as_of: Date,
    settings: &ProgressSettings,
) -> Result<Progress, CycleError> {
    let planned: Vec<(&CyclePlan, &KelurahanCycle)> = cycles.iter().map(|c| (plan, c)).collect();
    progress_planned(plan, &planned, turnout, as_of, settings)
}

/// [`progress`] for kelurahan that each follow their own copy of the
/// programme's plan (their own target dates and start, perhaps a step
/// renamed, added or dropped). A step's row counts the kelurahan that did
/// the step with that key; on time is judged against each kelurahan's own
/// target; late, stalled and the next step follow each kelurahan's plan.
/// The rows are the programme's steps, then any step only some kelurahan
/// plan, by order. A row shows the programme's target, or else the target
/// every kelurahan plan with that step agrees on.
pub fn progress_planned(
    programme: &CyclePlan,
    cycles: &[(&CyclePlan, &KelurahanCycle)],
    turnout: &BTreeMap<AreaCode, Turnout>,
    as_of: Date,
    settings: &ProgressSettings,
) -> Result<Progress, CycleError> {
    let mut seen = HashSet::new();
    for (_, c) in cycles {
        if !seen.insert(&c.kelurahan) {
            return Err(CycleError::DuplicateKelurahan(c.kelurahan.clone()));
        }
    }
    let n = cycles.len() as u64;
    let mut overall = Participation::default();
    // Each plan's steps read once (a step looked for in every plan, for
    // every step of every plan, was quadratic in the plans).
    let mut all_steps: Vec<&Step> = programme.steps().iter().collect();
    let mut known: HashSet<&str> = all_steps.iter().map(|s| s.key.as_str()).collect();
    let mut planned: HashMap<&str, Vec<Option<Date>>> = HashMap::new();
    for (plan, _) in cycles {
        for s in plan.steps() {
            if known.insert(&s.key) {
                all_steps.push(s);
            }
            planned.entry(&s.key).or_default().push(s.target);
        }
    }
    all_steps.sort_by_key(|s| s.order);
    let mut steps: Vec<StepProgress> = all_steps
        .iter()
        .map(|s| {
            let targets = planned.get(s.key.as_str()).map_or(&[][..], Vec::as_slice);
            let shared = match targets.split_first() {
                Some((first, rest)) if rest.iter().all(|t| t == first) => *first,
                _ => None,
            };
            let any_target = s.target.is_some() || targets.iter().any(Option::is_some);
            StepProgress {
                key: s.key.clone(),
                label: s.label.clone(),
                order: s.order,
                target: s.target.or(shared),
                done: 0,
                verified: 0,
                share_done: None,
                percent_done: None,
                on_time: any_target.then_some(0),
                share_on_time: None,
                participation: Participation::default(),
            }
        })
        .collect();
    let index: BTreeMap<String, usize> = steps
        .iter()
        .enumerate()
        .map(|(i, s)| (s.key.clone(), i))
        .collect();
    let mut rows = Vec::new();
    for (plan, c) in cycles {
        let done: Vec<&StepRecord> = c.records.iter().filter(|r| r.done_on <= as_of).collect();
        for r in &done {
            let Some(sp) = index.get(&r.step).map(|&i| &mut steps[i]) else {
                continue;
            };
            sp.done += 1;
            sp.verified += u64::from(r.is_verified());
            let target = plan.step(&r.step).and_then(|s| s.target);
            if let (Some(t), Some(on_time)) = (target, sp.on_time.as_mut()) {
                *on_time += u64::from(r.done_on <= t);
            }
            sp.participation.add(r.attendance);
            overall.add(r.attendance);
        }
        let rest = plan.steps().get(done.len()..).unwrap_or_default();
        let late = rest
            .iter()
            .filter(|s| s.target.is_some_and(|t| t < as_of))
            .map(|s| s.key.clone())
            .collect();
        let last_done_on = done.last().map(|r| r.done_on);
        let since = last_done_on.or(plan.starts_on());
        let days_idle = since.map(|d| (as_of - d).get_days() as i64);
        let complete = done.len() >= plan.steps().len();
        let stalled =
            !complete && days_idle.is_some_and(|d| d >= i64::from(settings.stalled_after_days));
        rows.push(KelurahanProgress {
            kelurahan: c.kelurahan.clone(),
            steps_done: done.len() as u64,
            next_step: plan.steps().get(done.len()).map(|s| s.key.clone()),
            last_done_on,
            late,
            stalled,
            days_idle,
            turnout: turnout.get(&c.kelurahan).copied(),
        });
    }
    for sp in &mut steps {
        sp.share_done = count_share(sp.done, n);
        sp.percent_done = whole_percent(sp.done, n);
        sp.share_on_time = sp.on_time.and_then(|t| count_share(t, n));
    }
    rows.sort_by(|a, b| (!a.flagged(), &a.kelurahan).cmp(&(!b.flagged(), &b.kelurahan)));
    let reported: Vec<&Turnout> = rows.iter().filter_map(|r| r.turnout.as_ref()).collect();
    let total_turnout = (!reported.is_empty()).then(|| {
        let voted = reported.iter().map(|t| t.voted).sum();
        let eligible = reported.iter().map(|t| t.eligible).sum();
        Turnout::new(voted, eligible).expect("each has voted ≤ eligible")
    });
    Ok(Progress {
        as_of,
        kelurahan_count: n,
        steps,
        kelurahan: rows,
        participation: overall,
        turnout: total_turnout,
    })
}

#[cfg(test)]
mod tests {

    #[test]
    fn errors_speak_both_languages_with_the_display_english() {
        let user = Username::parse("fas").unwrap();
        let d = jiff::civil::date(2024, 1, 10);
        let plan = [
            PlanError::NoSteps,
            PlanError::BadKey("A".into()),
            PlanError::DuplicateKey("rkm".into()),
            PlanError::DuplicateOrder("a".into(), "b".into(), 2),
            PlanError::EmptyLabel {
                key: "rkm".into(),
                language: "en",
            },
            PlanError::UnknownStep("x".into()),
            PlanError::TooManySteps(MAX_STEPS),
            PlanError::LongLabel {
                key: "rkm".into(),
                language: "en",
                max: LABEL_MAX,
            },
        ];
        for e in plan {
            assert_eq!(e.text().english(), e.to_string());
            assert_ne!(e.text().indonesian(), e.to_string(), "{e}");
        }
        let cycle = [
            CycleError::UnknownStep("x".into()),
            CycleError::AlreadyRecorded("rkm".into()),
            CycleError::PreviousNotDone {
                step: "b".into(),
                previous: "a".into(),
            },
            CycleError::DoneBeforePrevious {
                step: "b".into(),
                done_on: d,
                previous: "a".into(),
                previous_done_on: d,
            },
            CycleError::MoreWomenThanAttendance { women: 3, total: 2 },
            CycleError::MorePoorThanAttendance { poor: 3, total: 2 },
            CycleError::EmptyDocumentTitle(1),
            CycleError::NotRecorded("rkm".into()),
            CycleError::AlreadyVerified {
                step: "rkm".into(),
                by: user.clone(),
            },
            CycleError::SelfVerification {
                step: "rkm".into(),
                user,
            },
            CycleError::VerifiedBeforeRecorded("rkm".into()),
            CycleError::DuplicateKelurahan(AreaCode::parse("3604010001").unwrap()),
        ];
        for e in cycle {
            assert_eq!(e.text().english(), e.to_string());
            assert_ne!(e.text().indonesian(), e.to_string(), "{e}");
        }
    }

    use super::*;
    use jiff::civil::date;
    use proptest::prelude::*;

    fn user(u: &str) -> Username {
        Username::parse(u).unwrap()
    }

    fn at(d: Date) -> Timestamp {
        d.at(5, 0, 0, 0)
            .to_zoned(jiff::tz::TimeZone::UTC)
            .unwrap()
            .timestamp()
    }

    fn report(step: &str, done_on: Date) -> StepReport {
        StepReport {
            step: step.into(),
            done_on,
            attendance: Attendance::new(40, 18, 12).unwrap(),
            documents: vec![Document {
                title: "Berita acara".into(),
                reference: Some("BA-01/2024".into()),
            }],
        }
    }

    fn kel(code: &str) -> KelurahanCycle {
        KelurahanCycle::new(AreaCode::parse(code).unwrap())
    }

    #[test]
    fn the_default_plan_is_in_order_and_round_trips() {
        let plan = CyclePlan::default();
        let keys: Vec<&str> = plan.steps().iter().map(|s| s.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "rkm",
                "volunteers",
                "poverty_reflection",
                "self_mapping",
                "bkm_formation",
                "pjm_pronangkis",
                "musrenbang",
                "implementation",
                "review",
                "bkm_reelection"
            ]
        );
        let mut plan = plan;
        plan.set_target("rkm", Some(date(2024, 2, 29))).unwrap();
        plan.set_start(Some(date(2024, 1, 15)));
        assert!(plan.set_target("nope", None).is_err());
        let json = serde_json::to_string(&plan).unwrap();
        assert_eq!(serde_json::from_str::<CyclePlan>(&json).unwrap(), plan);
    }

    #[test]
    fn plans_are_checked() {
        let mut steps = default_steps();
        steps[1].order = 1;
        assert!(matches!(
            CyclePlan::new(steps, None),
            Err(PlanError::DuplicateOrder(_, _, 1))
        ));
        let mut steps = default_steps();
        steps[2].key = "rkm".into();
        assert_eq!(
            CyclePlan::new(steps, None),
            Err(PlanError::DuplicateKey("rkm".into()))
        );
        assert_eq!(CyclePlan::new(vec![], None), Err(PlanError::NoSteps));
        // Regression: a plan of tens of thousands of steps was kept, and
        // the public progress report compared them all, plan by plan.
        let many = |n: u16| {
            (0..n)
                .map(|i| step(i, &format!("s{i}"), "langkah", "step"))
                .collect::<Vec<_>>()
        };
        assert!(CyclePlan::new(many(MAX_STEPS as u16), None).is_ok());
        assert_eq!(
            CyclePlan::new(many(MAX_STEPS as u16 + 1), None),
            Err(PlanError::TooManySteps(MAX_STEPS))
        );
        let mut long = default_steps();
        long[1].label = Label::new(&"x".repeat(LABEL_MAX + 1), "fine");
        assert!(matches!(
            CyclePlan::new(long, None),
            Err(PlanError::LongLabel {
                language: "Indonesian",
                ..
            })
        ));
        // Orders need not be consecutive, and are sorted.
        let mut steps = default_steps();
        steps.reverse();
        steps[0].order = 100;
        let plan = CyclePlan::new(steps, None).unwrap();
        assert_eq!(plan.steps()[0].key, "rkm");
        assert_eq!(plan.steps()[9].key, "bkm_reelection");
    }

    #[test]
    fn attendance_counts_are_checked() {
        assert!(Attendance::new(10, 10, 10).is_ok());
        assert_eq!(
            Attendance::new(10, 11, 0),
            Err(CycleError::MoreWomenThanAttendance {
                women: 11,
                total: 10
            })
        );
        assert!(Attendance::new(10, 0, 11).is_err());
        assert!(serde_json::from_str::<Attendance>(r#"{"total":5,"women":6,"poor":0}"#).is_err());
    }

    #[test]
    fn steps_are_recorded_in_order() {
        let plan = CyclePlan::default();
        let mut c = kel("3604010001");
        let f = user("fasilitator.ani");
        let err = c
            .record(
                &plan,
                report("poverty_reflection", date(2024, 2, 1)),
                f.clone(),
                at(date(2024, 2, 1)),
            )
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "step poverty_reflection cannot be recorded before step volunteers is done"
        );
        c.record(
            &plan,
            report("rkm", date(2024, 1, 20)),
            f.clone(),
            at(date(2024, 1, 20)),
        )
        .unwrap();
        assert_eq!(c.next_step(&plan).unwrap().key, "volunteers");
        assert_eq!(
            c.record(
                &plan,
                report("rkm", date(2024, 1, 21)),
                f.clone(),
                at(date(2024, 1, 21))
            ),
            Err(CycleError::AlreadyRecorded("rkm".into()))
        );
        assert!(matches!(
            c.record(
                &plan,
                report("volunteers", date(2024, 1, 19)),
                f.clone(),
                at(date(2024, 1, 22))
            ),
            Err(CycleError::DoneBeforePrevious { .. })
        ));
        assert_eq!(
            c.record(
                &plan,
                report("nope", date(2024, 1, 25)),
                f.clone(),
                at(date(2024, 1, 25))
            ),
            Err(CycleError::UnknownStep("nope".into()))
        );
        let mut r = report("volunteers", date(2024, 1, 20));
        r.documents.push(Document {
            title: " ".into(),
            reference: None,
        });
        assert_eq!(
            c.record(&plan, r, f.clone(), at(date(2024, 1, 22))),
            Err(CycleError::EmptyDocumentTitle(2))
        );
        // The same day as the previous step is fine.
        c.record(
            &plan,
            report("volunteers", date(2024, 1, 20)),
            f,
            at(date(2024, 1, 22)),
        )
        .unwrap();
        assert_eq!(c.records().len(), 2);
    }

    #[test]
    fn verification_by_someone_else_of_a_recorded_step() {
        let plan = CyclePlan::default();
        let mut c = kel("3604010001");
        let f = user("fasilitator.ani");
        let korkot = user("korkot.budi");
        assert_eq!(
            c.verify("rkm", &korkot, at(date(2024, 1, 25))),
            Err(CycleError::NotRecorded("rkm".into()))
        );
        c.record(
            &plan,
            report("rkm", date(2024, 1, 20)),
            f.clone(),
            at(date(2024, 1, 20)),
        )
        .unwrap();
        let err = c.verify("rkm", &f, at(date(2024, 1, 25))).unwrap_err();
        assert_eq!(
            err.to_string(),
            "step rkm was recorded by fasilitator.ani; someone else must verify it"
        );
        assert_eq!(
            c.verify("rkm", &korkot, at(date(2024, 1, 19))),
            Err(CycleError::VerifiedBeforeRecorded("rkm".into()))
        );
        let r = c.verify("rkm", &korkot, at(date(2024, 1, 25))).unwrap();
        assert!(r.is_verified());
        assert!(matches!(
            c.verify("rkm", &user("korkot.lain"), at(date(2024, 1, 26))),
            Err(CycleError::AlreadyVerified { .. })
        ));
        // Rebuilt from stored records in any order, with the same checks.
        let mut records = c.records().to_vec();
        c.record(
            &plan,
            report("volunteers", date(2024, 2, 1)),
            f,
            at(date(2024, 2, 1)),
        )
        .unwrap();
        records.insert(0, c.records()[1].clone());
        let json = serde_json::to_string(&records).unwrap();
        let back: Vec<StepRecord> = serde_json::from_str(&json).unwrap();
        let rebuilt = KelurahanCycle::from_records(c.kelurahan.clone(), &plan, back).unwrap();
        assert_eq!(rebuilt, c);
        let gap = vec![c.records()[1].clone()];
        assert!(matches!(
            KelurahanCycle::from_records(c.kelurahan.clone(), &plan, gap),
            Err(CycleError::PreviousNotDone { .. })
        ));
    }

    /// Eleven kelurahan, nine of which finished the PJM by the report date
    /// (the Serang figure of 2004: 9 of 11 = 82%).
    fn serang() -> (CyclePlan, Vec<KelurahanCycle>) {
        let mut plan = CyclePlan::default();
        plan.set_start(Some(date(2024, 1, 2)));
        plan.set_target("rkm", Some(date(2024, 1, 31))).unwrap();
        plan.set_target("pjm_pronangkis", Some(date(2024, 6, 30)))
            .unwrap();
        plan.set_target("musrenbang", Some(date(2024, 9, 30)))
            .unwrap();
        let f = user("fasilitator.ani");
        let mut cycles = Vec::new();
        for i in 1..=11u16 {
            let mut c = kel(&format!("36040100{i:02}"));
            let steps_done = match i {
                1..=9 => 6,
                10 => 3,
                _ => 0,
            };
            let mut d = date(2024, 1, 10);
            for s in plan.steps().iter().take(steps_done) {
                // Kelurahan 8, 9 and 10 take 30 days a step, the others 20.
                d = d
                    .checked_add(jiff::Span::new().days(if i >= 8 { 30 } else { 20 }))
                    .unwrap();
                c.record(&plan, report(&s.key, d), f.clone(), at(d))
                    .unwrap();
            }
            cycles.push(c);
        }
        (plan, cycles)
    }

    /// The progress on `as_of` without turnout, by the default settings.
    fn plain(plan: &CyclePlan, cycles: &[KelurahanCycle], as_of: Date) -> Progress {
        progress(
            plan,
            cycles,
            &BTreeMap::new(),
            as_of,
            &ProgressSettings::default(),
        )
        .unwrap()
    }

    #[test]
    fn nine_of_eleven_is_82_percent() {
        let (plan, cycles) = serang();
        let p = plain(&plan, &cycles, date(2024, 8, 31));
        let pjm = p.steps.iter().find(|s| s.key == "pjm_pronangkis").unwrap();
        assert_eq!(pjm.done, 9);
        assert_eq!(pjm.share_done.unwrap().to_string(), "0.818182");
        assert_eq!(pjm.percent_done, Some(82));
        // Kelurahan 1–7 finished on 2024-05-09 (six steps × 20 days), 8
        // and 9 on 2024-07-08, after the 30 June target.
        assert_eq!(pjm.on_time, Some(7));
        assert_eq!(pjm.share_on_time.unwrap().to_string(), "0.636364");
        assert_eq!(pjm.verified, 0);
        assert_eq!(pjm.participation.total, 9 * 40);
        assert_eq!(
            pjm.participation.share_women.unwrap().to_string(),
            "0.450000"
        );
        assert_eq!(
            pjm.participation.share_poor.unwrap().to_string(),
            "0.300000"
        );
        let rkm = &p.steps[0];
        assert_eq!((rkm.done, rkm.percent_done), (10, Some(91)));
        let musrenbang = p.steps.iter().find(|s| s.key == "musrenbang").unwrap();
        assert_eq!(
            (
                musrenbang.done,
                musrenbang.on_time,
                musrenbang.share_done.is_some()
            ),
            (0, Some(0), true)
        );
        assert_eq!(p.steps.last().unwrap().on_time, None);
    }

    #[test]
    fn late_and_stalled_kelurahan_come_first() {
        let (plan, cycles) = serang();
        let as_of = date(2024, 8, 31);
        let p = plain(&plan, &cycles, as_of);
        let flagged: Vec<&str> = p
            .kelurahan
            .iter()
            .take_while(|k| k.flagged())
            .map(|k| k.kelurahan.as_str())
            .collect();
        // 10 stopped after three steps (last on 2024-04-09: 144 days) and is
        // late for the PJM; 11 never started (since 2 January: 242 days) and
        // is late for the RKM and the PJM; 1–7 last moved on 2024-05-09
        // (114 days): stalled.
        assert_eq!(
            flagged,
            [
                "3604010001",
                "3604010002",
                "3604010003",
                "3604010004",
                "3604010005",
                "3604010006",
                "3604010007",
                "3604010010",
                "3604010011"
            ]
        );
        let k10 = p
            .kelurahan
            .iter()
            .find(|k| k.kelurahan.as_str() == "3604010010")
            .unwrap();
        assert_eq!(k10.late, vec!["pjm_pronangkis"]);
        assert!(k10.stalled);
        assert_eq!(k10.days_idle, Some(144));
        assert_eq!(k10.next_step.as_deref(), Some("self_mapping"));
        let k11 = p
            .kelurahan
            .iter()
            .find(|k| k.kelurahan.as_str() == "3604010011")
            .unwrap();
        assert_eq!(k11.late, vec!["rkm", "pjm_pronangkis"]);
        assert_eq!(k11.days_idle, Some(242));
        let k8 = p
            .kelurahan
            .iter()
            .find(|k| k.kelurahan.as_str() == "3604010008")
            .unwrap();
        assert!(!k8.flagged());
        assert_eq!(k8.days_idle, Some(54));
        // The stalled period is a setting.
        let lax = ProgressSettings {
            stalled_after_days: 180,
        };
        let p = progress(&plan, &cycles, &BTreeMap::new(), as_of, &lax).unwrap();
        let stalled: Vec<&str> = p
            .kelurahan
            .iter()
            .filter(|k| k.stalled)
            .map(|k| k.kelurahan.as_str())
            .collect();
        assert_eq!(stalled, ["3604010011"]);
        // The RKM's target is 31 January: on that day nothing is late yet;
        // the day after, 8–10 (RKM on 9 February) and 11 are.
        let p = progress(&plan, &cycles, &BTreeMap::new(), date(2024, 1, 31), &lax).unwrap();
        assert!(p.kelurahan.iter().all(|k| k.late.is_empty()));
        let p = progress(&plan, &cycles, &BTreeMap::new(), date(2024, 2, 1), &lax).unwrap();
        let late: Vec<&str> = p
            .kelurahan
            .iter()
            .filter(|k| !k.late.is_empty())
            .map(|k| k.kelurahan.as_str())
            .collect();
        assert_eq!(
            late,
            ["3604010008", "3604010009", "3604010010", "3604010011"]
        );
        assert_eq!(p.kelurahan[0].kelurahan.as_str(), "3604010008");
        assert_eq!(p.kelurahan[4].kelurahan.as_str(), "3604010001");
    }

    #[test]
    fn records_after_the_report_date_do_not_count_and_turnout_is_optional() {
        let (plan, cycles) = serang();
        let p = plain(&plan, &cycles, date(2024, 1, 29));
        // Kelurahan 1–7 did the RKM on 2024-01-30, 8–10 on 2024-02-09.
        assert_eq!(p.steps[0].done, 0);
        assert!(p.turnout.is_none());
        let turnout: BTreeMap<AreaCode, Turnout> = [
            ("3604010001", Turnout::new(412, 1_030).unwrap()),
            ("3604010002", Turnout::new(288, 960).unwrap()),
        ]
        .into_iter()
        .map(|(k, t)| (AreaCode::parse(k).unwrap(), t))
        .collect();
        assert!(Turnout::new(5, 4).is_none());
        let p = progress(
            &plan,
            &cycles,
            &turnout,
            date(2024, 8, 31),
            &ProgressSettings::default(),
        )
        .unwrap();
        let t = p.turnout.unwrap();
        assert_eq!((t.voted(), t.eligible()), (700, 1_990));
        assert_eq!(t.share().unwrap().to_string(), "0.351759");
        assert_eq!(p.kelurahan[0].turnout.unwrap().voted(), 412);
        let mut twice = cycles.clone();
        twice.push(cycles[0].clone());
        assert!(matches!(
            progress(
                &plan,
                &twice,
                &turnout,
                date(2024, 8, 31),
                &ProgressSettings::default()
            ),
            Err(CycleError::DuplicateKelurahan(_))
        ));
    }

    #[test]
    fn whole_percent_rounds_half_up() {
        assert_eq!(whole_percent(9, 11), Some(82));
        assert_eq!(whole_percent(1, 8), Some(13));
        assert_eq!(whole_percent(0, 3), Some(0));
        assert_eq!(whole_percent(3, 3), Some(100));
        assert_eq!(whole_percent(1, 0), None);
    }

    #[test]
    fn each_kelurahan_is_judged_against_its_own_plan() {
        let programme = CyclePlan::default();
        let mut early = CyclePlan::default();
        early.set_target("rkm", Some(date(2024, 1, 31))).unwrap();
        early
            .set_target("volunteers", Some(date(2024, 2, 29)))
            .unwrap();
        let mut late = CyclePlan::default();
        late.set_target("rkm", Some(date(2024, 3, 31))).unwrap();
        let mut extra_steps = default_steps();
        extra_steps.push(step(11, "evaluation", "Evaluasi", "Evaluation"));
        let extra = CyclePlan::new(extra_steps, None).unwrap();
        let f = user("fasilitator");
        let mut a = kel("3604010001");
        let mut b = kel("3604010002");
        let c = kel("3604010003");
        a.record(
            &early,
            report("rkm", date(2024, 2, 10)),
            f.clone(),
            at(date(2024, 2, 10)),
        )
        .unwrap();
        b.record(
            &late,
            report("rkm", date(2024, 2, 10)),
            f,
            at(date(2024, 2, 10)),
        )
        .unwrap();
        let p = progress_planned(
            &programme,
            &[(&early, &a), (&late, &b), (&extra, &c)],
            &BTreeMap::new(),
            date(2024, 3, 15),
            &ProgressSettings::default(),
        )
        .unwrap();
        let rkm = &p.steps[0];
        assert_eq!((rkm.done, rkm.on_time, rkm.target), (2, Some(1), None));
        assert_eq!(rkm.percent_done, Some(67));
        assert_eq!(p.steps.last().unwrap().key, "evaluation");
        let a_row = p
            .kelurahan
            .iter()
            .find(|k| k.kelurahan == a.kelurahan)
            .unwrap();
        assert_eq!(a_row.late, ["volunteers"]);
        let b_row = p
            .kelurahan
            .iter()
            .find(|k| k.kelurahan == b.kelurahan)
            .unwrap();
        assert!(b_row.late.is_empty() && !b_row.flagged());
        // The same plan for all is the plain progress.
        let cycles = [a.clone(), b.clone()];
        assert_eq!(
            progress(
                &early,
                &cycles,
                &BTreeMap::new(),
                date(2024, 3, 15),
                &ProgressSettings::default()
            )
            .unwrap(),
            progress_planned(
                &early,
                &[(&early, &a), (&early, &b)],
                &BTreeMap::new(),
                date(2024, 3, 15),
                &ProgressSettings::default()
            )
            .unwrap()
        );
    }

    proptest! {
        /// Whatever order steps are tried in, only the next one in the plan
        /// is accepted, and the records stay a prefix of the plan.
        #[test]
        fn only_the_next_step_can_be_recorded(tries in prop::collection::vec(0usize..10, 0..40)) {
            let plan = CyclePlan::default();
            let mut c = kel("3604010001");
            let f = user("fasilitator.ani");
            for t in tries {
                let key = plan.steps()[t].key.clone();
                let expected_ok = t == c.records().len();
                let d = date(2024, 1, 1);
                let ok = c.record(&plan, report(&key, d), f.clone(), at(d)).is_ok();
                prop_assert_eq!(ok, expected_ok);
            }
            for (r, s) in c.records().iter().zip(plan.steps()) {
                prop_assert_eq!(&r.step, &s.key);
            }
        }

        /// Each step's count of done kelurahan is the number whose cycle
        /// reached it, and never grows along the plan.
        #[test]
        fn done_counts_follow_the_records(reached in prop::collection::vec(0usize..=10, 1..15)) {
            let plan = CyclePlan::default();
            let f = user("fasilitator.ani");
            let cycles: Vec<KelurahanCycle> = reached.iter().enumerate().map(|(i, &n)| {
                let mut c = kel(&format!("36040100{i:02}"));
                for s in plan.steps().iter().take(n) {
                    let d = date(2024, 1, 1);
                    c.record(&plan, report(&s.key, d), f.clone(), at(d)).unwrap();
                }
                c
            }).collect();
            let p = plain(&plan, &cycles, date(2024, 1, 1));
            for (i, s) in p.steps.iter().enumerate() {
                prop_assert_eq!(s.done, reached.iter().filter(|&&n| n > i).count() as u64);
            }
            prop_assert!(p.steps.windows(2).all(|w| w[0].done >= w[1].done));
            let flagged_first = p.kelurahan.iter().skip_while(|k| k.flagged()).all(|k| !k.flagged());
            prop_assert!(flagged_first);
        }
    }
}
