//! The programme's routes. Listed in [`crate::routes::TABLES`].

use super::{board, complaints, pages, plans};
use crate::spec::{r, Need, Route};
use lumbung_domain::Resource::{Complaints, Programme};
use Need::{Public, Read, Write};

/// The largest body the public forms take: a complaint of 4,000
/// characters, each up to 4 bytes and percent-encoded, fits.
const PUBLIC_FORM_BYTES: usize = 64 * 1024;

#[rustfmt::skip]
pub static ROUTES: &[Route] = &[
    r!(GET "/programme", Read(Programme), pages::page, "BLM received, allocated and spent by kind, the unallocated gap, swadaya and its leverage, beneficiaries and implementers of an area in your scope and of each area below it; a kelurahan's tranches and activities (?area=&programme=&year=)"),
    r!(POST "/programme/{code}/plans", Write(Programme), plans::import::<plans::Plans>, "Bring in a plan file (PJM Pronangkis or annual) for a kelurahan of your scope: each changed plan a new version (multipart `file`; all or nothing)", limit plans::MAX_PLAN_BYTES),
    r!(POST "/programme/{code}/grants", Write(Programme), plans::import::<plans::Grants>, "Bring in a grants file (kelurahan,programme,tranche,date,amount) of a kelurahan of your scope (multipart `file`; all or nothing; the same file twice changes nothing)", limit plans::MAX_PLAN_BYTES),
    r!(POST "/programme/{code}/activities", Write(Programme), plans::import::<plans::Activities>, "Bring in an activities file of a kelurahan of your scope, as the CLI takes it (multipart `file`; a changed row a new version; the economic allocation posted as the UPK's capital)", limit plans::MAX_PLAN_BYTES),
    r!(POST "/programme/plans/{id}/approve", Write(Programme), plans::approve, "The BKM approves a version of a plan of its kelurahan (never whoever brought it in)"),
    r!(POST "/programme/{code}/proposals", Write(Programme), plans::propose, "Enter a KSM's or panitia's proposal (year, activity, implementer, requested, poor, women) for a kelurahan of your scope; checked against the approved plan and the PS-2 list"),
    r!(POST "/programme/proposals/{id}/decide", Write(Programme), plans::decide, "The BKM funds or refuses a proposal of its kelurahan (decision: funded|refused); never whoever entered it, and never funding one with findings"),
    r!(GET "/board/{code}", Public, board::page, "A kelurahan's public board as of today, printable: BLM received, allocated and spent by kind (each figure linked to its breakdown), the unallocated gap, swadaya, tranches, activities with progress, BLM capital down to its journal entries, the fund's health, complaints by status, and the versions published (aggregates only, no personal data)"),
    r!(POST "/board/{code}/publish", Write(Programme), board::publish, "Publish the board of a kelurahan in your scope as of a date (as_of, default today): a frozen version with its SHA-256 and the fund journal's head"),
    r!(GET "/boards/{id}", Public, board::published, "A published board as it was frozen, printable on one page, with its SHA-256, the fund journal's head hash and a QR code to this address"),
    r!(GET "/boards/{id}/board.json", Public, board::export, "A published board as the JSON file `lumbung board verify` checks"),
    r!(GET "/complaints/new", Public, complaints::new_form, "The public complaint form: kelurahan, information request or problem, subject, text; named or anonymous (?kelurahan=)"),
    r!(POST "/complaints/new", Public, complaints::file, "File a complaint; answers with its tracking code (at most 10 an hour per address, 64 KiB a form)", limit PUBLIC_FORM_BYTES).csrf_exempt(),
    r!(GET "/complaints/track", Public, complaints::track_form, "Follow a complaint by its tracking code"),
    r!(POST "/complaints/track", Public, complaints::track, "A complaint's status, deadlines and replies by its tracking code (code in the body; limited per address)", limit PUBLIC_FORM_BYTES).csrf_exempt(),
    r!(GET "/complaints", Read(Complaints), complaints::list, "The complaints of your scope with their status, deadlines and level (BKM, facilitator, coordinator); forms to enter one received otherwise and to set deadlines"),
    r!(POST "/complaints", Write(Complaints), complaints::enter, "Enter a complaint received by text message, paper or a visit (channel) for a kelurahan of your scope"),
    r!(GET "/complaints/summary", Read(Complaints), complaints::summary, "Complaints received each month in an area of your scope: information requests and problems, open, resolved, closed, overdue (?area=&year=)"),
    r!(POST "/complaints/deadlines", Write(Complaints), complaints::deadlines, "A facilitator sets the days to answer and to resolve complaints in an area of its scope"),
    r!(GET "/complaints/{id}", Read(Complaints), complaints::show, "A complaint of your scope with its replies"),
    r!(POST "/complaints/{id}/answer", Write(Complaints), complaints::answer, "Reply to a complaint and set its status (in_progress, resolved, closed)"),
];
