//! The UPK revolving fund (dana bergulir): KSM group loans, their
//! schedules, how repayments are allocated, and arrears. Pure rules, no
//! I/O; the store keeps the books. Rules and defaults:
//! `shared/p2kp-rules.md` ("Revolving fund").

pub mod application;
pub mod books_file;
pub mod collection;
pub mod group;
pub mod journal;
pub mod loan;
pub mod ps2;
pub mod report;
pub mod rules;
pub mod servicing;
pub mod settings;
pub mod statements;
pub mod words;

pub use loan::{
    allocate, arrears, book_day, not_ahead, schedule, Allocation, Arrears, DateAhead,
    DateOutOfRange, FeeRate, Frequency, Instalment, Rupiah, ScheduleKind, TooLarge,
};
