//! The BKM election without candidates (P2KP; `shared/p2kp-rules.md`,
//! "BKM election without candidates"; docs/election.md).
//!
//! - Level 1, per RT: voters write 2–3 names of residents of their RT on a
//!   secret ballot; the count stands when turnout reaches the quorum (30% of
//!   eligible voters); the names with most votes become the RT's delegates
//!   (target: at least 30% women).
//! - Level 2, the kelurahan: the delegates elect the BKM members from among
//!   themselves (9 seats by default), the members elect a coordinator.
//!
//! Both levels are counted by [`recount`] (its [`RecountConfig`] presets:
//! [`RecountConfig::rt`], [`RecountConfig::kelurahan`],
//! [`RecountConfig::coordinator`]; at level 2 the [`Residents`] are the
//! delegates) over the generic [`tally`]. Names written freely are tied to
//! people by a [`Grouping`] the committee confirms ([`suggest_groups`] only
//! proposes). A count never breaks a tie: a [`TieDecision`], recorded under
//! the configured [`TieRule`], does. Two entries of the same batch are
//! compared with [`compare_entries`]; [`committee`] checks that no member
//! decides alone (a third member resolves, a second confirms).

pub mod ballot;
pub mod committee;
pub mod entry;
pub mod files;
pub mod names;
pub mod recount;
pub mod suggest;
pub mod tally;
pub mod women;

pub use ballot::{
    BallotBox, BallotError, BallotRef, Fraction, FractionError, NamesPerBallot,
    NamesPerBallotError, Quorum, QuorumError, Turnout,
};
pub use committee::{
    check_double_entry, check_resolution, check_second_member, CommitteeError, Entries,
    TwoMemberStep,
};
pub use entry::{compare_entries, EntryDifference};
pub use files::{read_ballots, read_groups, read_residents};
pub use names::{Grouping, GroupingError, NameKey, PersonName, Residents};
pub use recount::{recount, InvalidBallot, InvalidReason, Recount, RecountConfig, RecountError};
pub use suggest::{core_name, suggest_groups, SuggestedVariant, Suggestion, HONORIFICS};
pub use tally::{tally, Outcome, TieDecision, TieError, TieRule};
pub use women::{women_share, Sex, WomenShare};

#[cfg(test)]
mod tests;
