//! Partnerships and the co-operative economy (seeds 000, 002, 003, 004).
//!
//! - [`pools`]: local projects, each too small for a pension fund's
//!   minimum ticket, grouped into disjoint pools that meet an investor's
//!   constraints, placing as much social value as can be placed.

pub mod pools;
