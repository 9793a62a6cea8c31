//! One file (or folder) per command group, each owning its clap
//! subcommand and its `run`.

pub mod areas;
pub mod assessment;
pub mod board;
pub mod business;
pub mod community;
pub mod compare;
pub mod database;
pub mod demo;
pub mod election;
pub mod fund;
pub mod invest;
pub mod multiplier;
pub mod orgs;
pub mod procurement;
pub mod programme;
pub mod registers;
pub mod serve;
pub mod social_value;
pub mod spend;
pub mod tenders;
pub mod users;
