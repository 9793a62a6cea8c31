//! The Open Contracting Data Standard, 1.1.

pub mod json;
pub mod merge;
pub mod parallel;
pub mod read;
pub mod scan;

pub use json::{Json, Object};
pub use merge::{compile, compile_json, compile_owned};
pub use read::{read, read_each, read_kept, unpacked, Kept, Release};
