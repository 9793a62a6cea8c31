//! The P2KP programme's money (`lumbung_programme`): the roll-up of an
//! area (seed 002's table) with its charts, and a kelurahan's grants and
//! activities. Facilitators and the BKM write; analysts, the UPK and
//! auditors read; each within its scope.

mod board;
pub(crate) mod complaints;
pub(crate) mod pages;
pub(crate) mod plans;
pub mod routes;
