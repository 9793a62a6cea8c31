//! The programme's routes. Listed in [`crate::routes::TABLES`].

use super::{board, pages};
use crate::spec::{r, Need, Route};
use lumbung_domain::Resource::Programme;
use Need::{Public, Read};

#[rustfmt::skip]
pub static ROUTES: &[Route] = &[
    r!(GET "/programme", Read(Programme), pages::page, "BLM received, allocated and spent by kind, the unallocated gap, swadaya and its leverage, beneficiaries and implementers of an area in your scope and of each area below it; a kelurahan's tranches and activities (?area=&programme=&year=)"),
    r!(GET "/board/{code}", Public, board::page, "A kelurahan's public board, printable: BLM received, allocated and spent by kind, the unallocated gap, swadaya, tranches and activities with progress (aggregates only, no personal data)"),
];
