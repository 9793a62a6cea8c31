//! The Preston Model's spend analysis: reading anchor institutions' payment
//! files, naming suppliers consistently, and the figures (local, regional,
//! outside = leakage) by anchor, year, sector and supplier.

pub mod export;
pub mod facts;
pub mod fast;
pub mod prepare;
pub mod read;
pub mod registers;
pub mod report;
pub mod sectors;
pub mod suppliers;
pub mod words;
