//! The Open Contracting Data Standard, 1.1.

pub mod merge;
pub mod read;

pub use merge::compile;
pub use read::{read, read_each, Release};
