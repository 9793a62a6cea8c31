//! Partnerships and the co-operative economy (seeds 000, 002, 003, 004).
//!
//! - [`partnership`]: partners and roles, vision, commitments, meetings
//!   and indicators; what stands out (overdue commitments, no meeting).
//! - [`compare`]: many cities side by side, each figure as its own
//!   report gives it.
//! - [`offers`]: offers and needs, matched by theme, nearest first.
//! - [`pools`]: local projects, each too small for a pension fund's
//!   minimum ticket, grouped into disjoint pools that meet an investor's
//!   constraints, placing as much social value as can be placed.

pub mod capitals;
pub mod compare;
pub mod economy;
pub mod offers;
pub mod partnership;
pub mod pools;
pub mod projects;
