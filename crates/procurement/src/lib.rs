//! Bringing spend back (seed 000): what an anchor's contracts were awarded
//! to, read from the Open Contracting Data Standard, so that the local
//! share of awarded value can be measured beside the local share of spend.
//!
//! - [`ocds::read`]: OCDS 1.1 files as publishers serve them (release and
//!   record packages, single releases, arrays, JSON Lines, gzipped) into
//!   releases, every problem with its position and JSON path.
//! - [`ocds::merge`]: releases of one process compiled by the OCDS merge
//!   routine.
//! - [`business`]: the local business base's file read into records, and
//!   a business's size judged by the UK SME thresholds or PP 7/2021.
//! - [`contracts`]: who a compiled release says was awarded what, and the
//!   report's figures (awarded value, to small firms, by location).
//! - [`opportunities`]: leaking spend per anchor and sector matched to the
//!   local businesses able to supply it.
//! - [`tenders`]: open tenders matched to local businesses by CPV code and
//!   sector, and the notices the consenting ones are sent.
//! - [`social_value`]: the six outcomes of seed 000 and the proxy values
//!   that price a measure of one; [`evaluation`]: a tender's bids weighed
//!   on price, quality and social value, exactly.
//! - [`charter`]: the anchors' charter, its goals, indicators and
//!   targets, and where each anchor of the group stands in a year.
//! - [`lm3`]: the local multiplier of the anchors' spend, from a survey of
//!   the local suppliers' re-spend ([`respend_survey`]: the survey sent
//!   through the outbox and answered in the web app); [`whatif`]: scenarios that move a
//!   share of a sector's leaking spend to local suppliers.

pub mod assessment;
pub mod business;
pub mod charter;
pub mod contracts;
pub mod evaluation;
pub mod exact;
mod files;
pub mod lm3;
pub mod monitoring;
pub mod ocds;
pub mod opportunities;
pub mod respend_survey;
pub mod social_value;
pub mod tenders;
pub mod whatif;
