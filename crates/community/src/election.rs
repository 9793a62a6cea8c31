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
pub mod count;
pub mod entry;
pub mod files;
pub mod names;
pub mod publish;
pub mod recount;
pub mod register;
pub mod settings;
pub mod snapshot;
pub mod suggest;
pub mod tally;
pub mod women;

pub use ballot::{
    BallotBox, BallotError, BallotRef, Fraction, FractionError, NamesPerBallot,
    NamesPerBallotError, Quorum, QuorumError, Turnout,
};
pub use committee::{
    check_double_entry, check_entry_maker, check_resolution, check_second_member, CommitteeError,
    Entries, TwoMemberStep,
};
pub use count::{
    boxed, confirms_lot, count, decide_tie, makers, BallotRow, Blocker, BlockerCode, CountInput,
    Difference, EntryInfo, Resolution, Tally, TieInput, TieRecord, TieRefused, Voter,
};
pub use entry::{compare_entries, EntryDifference, Sight};
pub use files::{read_ballots, read_groups, read_residents};
pub use names::{Grouping, GroupingError, NameKey, PersonName, Residents};
pub use recount::{recount, InvalidBallot, InvalidReason, Recount, RecountConfig, RecountError};
pub use register::{
    ballot_order, parse_married, parse_sex, read_ballot_lines, read_voters, register_additions,
    NewVoter, RegisterError, Registered, VoterInput,
};
pub use settings::{ElectionSettings, Invalid, Level, SettingsText, Stated, MAX_SEATS};
pub use snapshot::{DoorToDoorNote, Poll, PublishedSnapshot, ResolutionNote, ResultSummary, Term};
pub use suggest::{core_name, suggest_groups, SuggestedVariant, Suggestion, HONORIFICS};
pub use tally::{tally, Outcome, TieDecision, TieError, TieRule};
pub use women::{women_share, WomenShare};

#[cfg(test)]
mod tests;
