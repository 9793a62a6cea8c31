//! Self-mapping of poor households (pemetaan swadaya): the community's own
//! poverty criteria, household records and their scores, the import of a
//! KoboToolbox/ODK export, the public aggregates per RT, RW and kelurahan,
//! and the PS-2 list of poor households. Rules and decisions:
//! `docs/mapping.md`.

mod areas;
mod criteria;
mod decimal;
mod household;
mod kobo;
mod public;
pub(crate) mod serde_util;
mod summary;

pub use areas::KelurahanAreas;
pub(crate) use criteria::valid_key as criteria_key_ok;
pub use criteria::{
    bps_template, key_from_label, Comparison, Criteria, CriteriaError, Indicator, InvalidCriteria,
    Label, Test,
};
pub use decimal::Decimal;
pub use household::{
    manual_ids, Age, Answer, Classification, Household, InvalidHousehold, Member, NewHousehold,
    Nik, Relation, Score, Sex, MANUAL_PREFIX, MAX_HOUSEHOLD_ID,
};
pub use kobo::{
    import_kobo, parse_yes_no, CsvFile, KoboError, KoboMapping, MappingError, MemberColumns,
    RtColumns, INDEX, PARENT_INDEX, UUID,
};
pub use public::{public_summary, PublicSummary, MIN_PUBLIC_CELL};
pub(crate) use summary::count_share;
pub use summary::{
    ps2_list, summarise, AreaTally, CriterionTally, Level, MappingSummary, Ps2Entry, Ps2List,
    UnknownRt,
};
