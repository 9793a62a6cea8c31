//! The community's routes (see [`crate::routes`]): the P2KP cycle and
//! self-mapping.

use super::{criteria, cycle, households, mapping, progress, ps2, public};
use crate::spec::r;
use crate::spec::{Need, Route};
use lumbung_community::cycle::{CyclePlan, StepReport};
use lumbung_community::mapping::{Criteria, NewHousehold};
use lumbung_domain::Resource::{Cycle, Mapping, PoorList};
use Need::{Public, Read, Write};

#[rustfmt::skip]
pub static ROUTES: &[Route] = &[
    // The P2KP community cycle and self-mapping (crate::community).
    r!(GET "/community/progress", Public, progress::public_progress_page, "The P2KP cycle's progress: per step and per kelurahan, no names of people (?area=&as_of=)"),
    r!(GET "/community/cycle", Read(Cycle), progress::cycle_page, "The cycle's progress of the kelurahan in your scope, late and stalled first (?area=&as_of=)"),
    r!(GET "/community/kelurahan/{code}", Read(Cycle), cycle::kelurahan_page, "A kelurahan's cycle: steps, records, verification, plan"),
    r!(POST "/community/kelurahan/{code}/steps", Write(Cycle), cycle::record_step, "Record the next step (the kelurahan's facilitator)"),
    r!(POST "/community/kelurahan/{code}/verify", Write(Cycle), cycle::verify_step, "Verify a recorded step (the city coordinator, never the recorder)"),
    r!(POST "/community/kelurahan/{code}/plan", Write(Cycle), cycle::plan_save, "Set the start and target dates of a kelurahan's plan"),
    r!(GET "/community/kelurahan/{code}/mapping", Read(Mapping), mapping::mapping_page, "A kelurahan's self-mapping: criteria, households (paged and sorted: ?page=&sort=rt|head|members|score|status&dir=), tables and charts per RT/RW"),
    r!(GET "/community/kelurahan/{code}/households.csv", Read(Mapping), mapping::households_csv, "A kelurahan's households as its mapping page sorts them, every page, as CSV (the reading audited)"),
    r!(POST "/community/kelurahan/{code}/criteria", Write(Mapping), criteria::criteria_save, "Adopt the community's poverty criteria (JSON, or the BPS 14 template)"),
    r!(POST "/community/kelurahan/{code}/households", Write(Mapping), households::household_add, "Add a household typed in by hand: RT, head, address, answers, members (one per line)"),
    r!(POST "/community/kelurahan/{code}/households/remove", Write(Mapping), households::household_remove, "Remove a household (typed in or imported): household, confirm"),
    r!(POST "/community/kelurahan/{code}/mapping/import", Write(Mapping), mapping::import_upload, "Import a KoboToolbox export: households and roster CSV (multipart; all or nothing)", limit super::MAX_KOBO_BYTES),
    r!(GET "/community/kelurahan/{code}/ps2", Read(PoorList), ps2::ps2_page, "The PS-2 list of poor households, printable"),
    r!(GET "/community/mapping/{code}", Public, public::public_mapping_page, "A kelurahan's poverty map in counts per RT and RW (no personal data)"),
    r!(GET "/api/v1/community/progress", Public, progress::api_progress, "The cycle's progress, aggregates only (?area=&as_of=)").answers(answers::PROGRESS),
    r!(GET "/api/v1/community/cycle", Read(Cycle), progress::api_cycle, "The cycle's progress in your scope (?area=&as_of=)").answers(answers::PROGRESS),
    r!(GET "/api/v1/community/kelurahan/{code}", Read(Cycle), cycle::api_kelurahan, "A kelurahan's cycle: plan, steps and records").answers(answers::KELURAHAN),
    r!(POST "/api/v1/community/kelurahan/{code}/steps", Write(Cycle), cycle::api_record_step, "Record the next step: {step, done_on, attendance: {total, women, poor}, documents: [{title, reference}]}").takes::<StepReport>().answers(answers::RECORD_STEP),
    r!(POST "/api/v1/community/kelurahan/{code}/verify", Write(Cycle), cycle::api_verify_step, "Verify a recorded step: {step} (the city coordinator)").takes::<cycle::VerifyBody>().answers(answers::VERIFY_STEP),
    r!(PUT "/api/v1/community/kelurahan/{code}/plan", Write(Cycle), cycle::api_plan_save, "Replace a kelurahan's plan: {steps: [{key, label: {id, en}, order, target}], starts_on}").takes::<CyclePlan>().answers(answers::PLAN),
    r!(GET "/api/v1/community/kelurahan/{code}/mapping", Read(Mapping), mapping::api_mapping, "A kelurahan's self-mapping: criteria, summary per RT/RW, households, imports").answers(answers::MAPPING),
    r!(PUT "/api/v1/community/kelurahan/{code}/criteria", Write(Mapping), mapping::api_criteria_save, "Adopt poverty criteria: {name, indicators, poor_when_at_least}").takes::<Criteria>().answers(answers::CRITERIA),
    r!(POST "/api/v1/community/kelurahan/{code}/households", Write(Mapping), households::api_household_add, "Add a household: {id (optional), rt, head_name, address, answers: {key: true/false or number}, members: [{name, sex, age: {years} or {birth_year}, relation, nik}]}").takes::<NewHousehold>().answers(answers::HOUSEHOLD_ADD),
    r!(GET "/api/v1/community/kelurahan/{code}/ps2", Read(PoorList), ps2::api_ps2, "The PS-2 list of poor households").answers(answers::PS2),
    r!(GET "/api/v1/community/mapping/{code}", Public, public::api_public_mapping, "A kelurahan's mapping in counts per RT and RW").answers(answers::PUBLIC_MAPPING),
];

/// What each community API operation answers, beside the errors every
/// operation of its kind can answer (see `crate::openapi`).
mod answers {
    use super::super::{cycle, households, mapping, progress, ps2, public};
    use crate::spec::{error, json, Answer};
    use schemars::JsonSchema;

    /// `T` with `status`, or a missing kelurahan, a conflict with what is
    /// stored, or an invalid field.
    const fn or_refused<T: JsonSchema>(status: u16) -> [Answer; 4] {
        [json::<T>(status), error(404), error(409), error(422)]
    }

    pub const PROGRESS: &[Answer] = &[json::<progress::CycleProgress>(200), error(409), error(422)];
    pub const KELURAHAN: &[Answer] = &or_refused::<cycle::KelurahanCycleView>(200);
    pub const RECORD_STEP: &[Answer] = &or_refused::<cycle::StepRecorded>(201);
    pub const VERIFY_STEP: &[Answer] = &or_refused::<cycle::StepRecorded>(200);
    pub const PLAN: &[Answer] = &or_refused::<cycle::PlanSaved>(200);
    pub const MAPPING: &[Answer] = &or_refused::<mapping::Mapping>(200);
    pub const CRITERIA: &[Answer] = &or_refused::<mapping::CriteriaAdopted>(200);
    pub const HOUSEHOLD_ADD: &[Answer] = &or_refused::<households::HouseholdAdded>(201);
    pub const PS2: &[Answer] = &or_refused::<ps2::Ps2>(200);
    pub const PUBLIC_MAPPING: &[Answer] = &or_refused::<public::PublicMapping>(200);
}
