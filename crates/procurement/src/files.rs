//! The tables this crate reads (business base, bids, commitments, proxy
//! values, re-spend surveys): the shared reader of small tables.

pub use lumbung_tabular::small::{key, read_table};
