//! The vocabulary of Lumbung: values that cannot hold invalid data, and the
//! access rule. No I/O, no SQL, no HTTP — every other crate builds on this.

pub mod access;
pub mod area;
pub mod area_file;
pub mod clock;
pub mod csv_out;
pub mod fiscal;
pub mod fixed;
pub mod id;
pub mod import;
mod keyed;
pub mod limit;
pub mod money;
pub mod org;
pub mod org_file;
pub mod postcode;
pub mod sex;
pub mod user;
pub mod work;

pub use access::{Access, Placement, Resource, Role, Scope};
pub use area::{AreaCode, AreaKind, AreaPath, AreaRecord};
pub use clock::Clock;
pub use csv_out::{csv_text, escape_cell, unescape_cell, CsvCell, CsvOut};
pub use fiscal::{FiscalCalendar, FiscalYear};
pub use fixed::{Fixed, FixedError, Ratio};
pub use id::{
    AnchorId, ApplicationId, BadId, BoardId, BusinessId, BuyoutId, CharterId, CitizenId,
    CommitmentId, ComplaintId, CoopId, DeliveryId, GoalId, HouseholdId, ImportId, IndicatorId,
    InvitationId, KsmId, LoanId, MemberId, NoticeId, OfferId, OrgId, PartnershipId,
    PartnershipNoticeId, PlanId, PollId, ProposalId, ProxySetId, PublicationId, RepaymentId,
    ScenarioId, SupplierId, SurveyId, TenderId, UpkId, UserId, VoterId,
};
pub use import::{ImportSummary, Rejected, RowError};
pub use lumbung_text::{text, text_enum, Language, Text};
pub use money::{Currency, Money, Share};
pub use org::{CompanyNumber, Npwp, OrgKind};
pub use postcode::PostalCode;
pub use sex::Sex;
pub use user::{Password, Username};

/// A value that failed to parse, with the reason in both languages.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(pub Text);

impl From<ParseError> for Text {
    fn from(e: ParseError) -> Text {
        e.0
    }
}

impl ParseError {
    pub(crate) fn new(reason: Text) -> Self {
        Self(reason)
    }
}
