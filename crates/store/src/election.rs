//! The BKM election as stored: per-kelurahan settings, polls (an RT's level
//! 1, a kelurahan's level 2 and its coordinator vote), the voter register,
//! the two ballot entries and the committee's resolutions of their
//! differences, groupings of written names, door-to-door collections, tie
//! decisions and published results.
//!
//! The store loads and saves; the rules are `lumbung_community::
//! election`'s (settings, eligibility, the register file, the count, tie
//! decisions, the published snapshot). Every change is audited in its own
//! transaction ([`crate::Store::write`]), and a published poll takes no
//! more changes.
//!
//! Modules: [`rows`] reads a poll's rows and counts them; [`polls`],
//! [`register`], [`entries`], [`publish`] and [`published`] are the use
//! cases, each importing only `rows`, `types` and `committee`.
//!
//! Secrecy: the register records only *that* a person voted (a flag — no
//! time, no order); ballots carry a ballot id and the names written, never
//! who wrote them.

mod committee;
mod entries;
mod polls;
mod publish;
mod published;
mod register;
mod rows;
mod types;

pub use lumbung_community::election::{
    ballot_order, parse_married, parse_sex, read_ballot_lines, read_voters, BallotRow, Blocker,
    Difference, ElectionSettings, EntryInfo, Level, Resolution, TieInput, TieRecord, Voter,
    VoterInput,
};
pub use types::{
    BallotOrder, Count, DoorToDoor, Election, Entry, EntryList, GroupRow, NewElection, Publication,
    PublishStep, Published, PublishedSummary, TieSigners,
};

#[cfg(test)]
mod tests;
