//! Typed row ids: a `UpkId` cannot be passed where a `LoanId` is meant.
//! Each is the database's integer id of one kind of row, positive. On the
//! wire it is a plain number; readers also take a numeric string, as the
//! forms and API have always accepted.

use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;
use std::str::FromStr;

/// An id that did not parse: not a positive whole number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an id: {0:?}")]
pub struct BadId(pub String);

/// Number or numeric string, for [`Deserialize`].
#[derive(Deserialize)]
#[serde(untagged)]
enum Raw<'a> {
    Number(i64),
    Text(&'a str),
    Owned(String),
}

fn parse_id(raw: &str) -> Result<i64, BadId> {
    match raw.trim().parse::<i64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(BadId(raw.to_string())),
    }
}

macro_rules! ids {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(transparent)]
        pub struct $name(i64);

        impl $name {
            /// The id of a row read from the database.
            pub const fn new(raw: i64) -> Self {
                Self(raw)
            }
            pub const fn get(self) -> i64 {
                self.0
            }
        }

        impl From<$name> for i64 {
            fn from(id: $name) -> i64 {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = BadId;
            fn from_str(raw: &str) -> Result<Self, BadId> {
                parse_id(raw).map(Self)
            }
        }

        /// A positive integer on the wire (a request may also send it as
        /// a numeric string).
        impl schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                "Id".into()
            }
            fn inline_schema() -> bool {
                true
            }
            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({"type": "integer", "format": "int64"})
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let n = match Raw::deserialize(d)? {
                    Raw::Number(n) if n > 0 => n,
                    Raw::Number(n) => return Err(serde::de::Error::custom(BadId(n.to_string()))),
                    Raw::Text(t) => parse_id(t).map_err(serde::de::Error::custom)?,
                    Raw::Owned(t) => parse_id(&t).map_err(serde::de::Error::custom)?,
                };
                Ok(Self(n))
            }
        }
    )*};
}

ids! {
    /// An organisation of the registry (any kind).
    OrgId;
    /// An organisation that is a UPK (its organisation id).
    UpkId;
    /// An organisation that is an anchor institution (its organisation id).
    AnchorId;
    /// A user account.
    UserId;
    /// A KSM (borrowing group) of a UPK.
    KsmId;
    /// A KSM member.
    MemberId;
    /// A loan's row (its public loan number is text).
    LoanId;
    /// A loan application.
    ApplicationId;
    /// A repayment row.
    RepaymentId;
    /// A supplier of the spend catalogue.
    SupplierId;
    /// A business of the local business base.
    BusinessId;
    /// An open tender (published in OCDS or entered by hand).
    TenderId;
    /// A notice queued in the outbox.
    NoticeId;
    /// A set of social-value proxy values, as imported.
    ProxySetId;
    /// A report of social value delivered under an awarded contract.
    DeliveryId;
    /// A charter a group of anchors agreed.
    CharterId;
    /// A goal of a charter.
    GoalId;
    /// A re-spend survey sent to local suppliers.
    SurveyId;
    /// An invitation to a local supplier to answer a re-spend survey.
    InvitationId;
    /// A kelurahan's public board as published (frozen).
    BoardId;
    /// A complaint or question (PPM).
    ComplaintId;
    /// A version of a kelurahan's plan (PJM Pronangkis or annual).
    PlanId;
    /// A KSM's or panitia's proposal for BLM.
    ProposalId;
    /// A what-if scenario kept.
    ScenarioId;
    /// A spend import (one file).
    ImportId;
    /// A mapped household.
    HouseholdId;
    /// An election poll.
    PollId;
    /// A published election result.
    PublicationId;
    /// A person on an election poll's register.
    VoterId;
    /// An entry of the audit log.
    AuditId;
    /// A KoboToolbox export imported into a kelurahan's self-mapping.
    KoboImportId;
    /// A partnership (partners, vision, commitments, meetings, indicators).
    PartnershipId;
    /// A partner's commitment to a partnership.
    CommitmentId;
    /// An indicator of a partnership.
    IndicatorId;
    /// An offer or a need published for partners to find.
    OfferId;
    /// A notice to one side of a match, queued in the partnerships' outbox.
    PartnershipNoticeId;
    /// A co-operative (or a prospective one) of the co-operative economy.
    CoopId;
    /// An employee buy-out: a business whose owner plans to retire.
    BuyoutId;
    /// An active citizen, kept with their consent.
    CitizenId;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_numbers_and_numeric_strings_only() {
        assert_eq!(serde_json::from_str::<UpkId>("7").unwrap(), UpkId::new(7));
        assert_eq!(
            serde_json::from_str::<UpkId>("\" 7\"").unwrap(),
            UpkId::new(7)
        );
        assert!(serde_json::from_str::<UpkId>("0").is_err());
        assert!(serde_json::from_str::<UpkId>("-3").is_err());
        assert!(serde_json::from_str::<UpkId>("\"x\"").is_err());
        assert!(serde_json::from_str::<UpkId>("\"\"").is_err());
        assert_eq!(serde_json::to_string(&LoanId::new(12)).unwrap(), "12");
        assert_eq!("42".parse::<PollId>().unwrap().get(), 42);
    }
}
