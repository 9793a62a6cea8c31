//! Bringing spend back: the business base, contracts, opportunities,
//! tenders and the outbox. Listed in [`crate::routes::TABLES`].

use super::{
    assessments, business, charters, contracts, evaluations, lm3, surveys, tenders, whatif,
};
use crate::spec::{r, Need, Route};
use lumbung_domain::Resource::{BusinessBase, Contracts};
use Need::{Public, Read, Write};

#[rustfmt::skip]
pub static ROUTES: &[Route] = &[
    r!(GET "/business", Read(BusinessBase), business::page, "The local business base: search by name (typo-tolerant), sector, area, size and form (?q=&sector=&area=&size=&form=), and counts per area"),
    r!(GET "/business/counts", Public, business::counts_page, "How many local businesses per area and form (no names, no contacts)"),
    r!(GET "/business/{id}", Read(BusinessBase), business::business_page, "A business of the base: its record, the payments the anchors made to it and the contracts awarded to it"),
    r!(GET "/procurement", Read(Contracts), contracts::page, "Contracts awarded (OCDS): processes, awards, local and SME shares of the awarded value, by buyer (?buyer=&from=&to=)"),
    r!(GET "/procurement/opportunities", Read(Contracts), contracts::opportunities_page, "Leaking spend per anchor and sector matched to local businesses, the redirectable spend in a chart (?year=)"),
    r!(GET "/procurement/tenders", Read(Contracts), tenders::page, "Open tenders, each with the local businesses able to answer it"),
    r!(POST "/procurement/tenders", Write(Contracts), tenders::add, "Enter an open tender for an anchor: anchor, title, cpv, sectors, lots, value, currency, closes_on"),
    r!(GET "/procurement/tenders.csv", Read(Contracts), tenders::csv, "Every tender and its matches, a row per match, as CSV"),
    r!(POST "/procurement/tenders/{id}/notify", Write(Contracts), tenders::notify, "Queue a notice to each matched business that consented"),
    r!(GET "/procurement/tenders/{id}/evaluation", Read(Contracts), evaluations::page, "A tender's evaluation with social value: the bids weighed, every version, the award and promised vs delivered social value (?version=)"),
    r!(POST "/procurement/tenders/{id}/evaluation", Write(Contracts), evaluations::add_version, "Keep a new version of the evaluation: price, quality, social (weights), bids and commitments as pasted tables, note"),
    r!(POST "/procurement/tenders/{id}/award", Write(Contracts), evaluations::award, "Award the tender on the latest version: version, bidder, reason"),
    r!(POST "/procurement/tenders/{id}/deliveries", Write(Contracts), evaluations::report_delivery, "Report social value delivered under the award: measure, quantity, period (date), evidence"),
    r!(POST "/procurement/tenders/{id}/deliveries/{delivery}/reverse", Write(Contracts), evaluations::reverse_delivery, "Reverse a report of delivery (the original stays)"),
    r!(GET "/procurement/assessments", Read(Contracts), assessments::page, "Supplier assessment on the six social-value outcomes: a round's mean scores by outcome, anchor and sector, the change since the round before, the suppliers most paid to assess (?round=)"),
    r!(POST "/procurement/assessments", Write(Contracts), assessments::import, "Import a round's scores (multipart: round, file or text; supplier,outcome,score[,evidence])"),
    r!(GET "/procurement/assessments/suppliers/{id}", Read(Contracts), assessments::supplier_page, "A supplier's scores, round by round, and the form to score it"),
    r!(POST "/procurement/assessments/suppliers/{id}", Write(Contracts), assessments::score_supplier, "Score a supplier for a round: round, score_<outcome> (0-5, blank: leave), evidence_<outcome>"),
    r!(GET "/procurement/charters", Read(Contracts), charters::list, "The anchors' charters the viewer sees (every anchor of each its own), and the form to agree a new one"),
    r!(POST "/procurement/charters", Write(Contracts), charters::create, "Agree a charter: name, member (an anchor id, repeated); it starts with the six goals of seed 000"),
    r!(GET "/procurement/charters/{id}", Read(Contracts), charters::page, "A charter against a year: each goal's indicator, target, the group and every anchor, figured or entered (?year=)"),
    r!(POST "/procurement/charters/{id}/goals", Write(Contracts), charters::save_goal, "Add a goal, or change one (goal): title, indicator, measure, target"),
    r!(POST "/procurement/charters/{id}/goals/retire", Write(Contracts), charters::retire_goal, "Retire a goal (goal): kept with its figures, no longer shown"),
    r!(POST "/procurement/charters/{id}/values", Write(Contracts), charters::enter_value, "Enter a figure of a goal measured by hand: goal, anchor (an id, or group), year, value"),
    r!(GET "/procurement/whatif", Read(Contracts), whatif::page, "What-if: a slider per leaking sector moves a share of its outside spend to local suppliers; the local share, money kept, LM3 and progress to the target before and after, in a chart; kept scenarios beside the year after (?anchor=&year=&s_<sector>=<percent>)"),
    r!(POST "/procurement/whatif/scenarios", Write(Contracts), whatif::save, "Keep a scenario: name, anchor, year, s_<sector>=<percent>"),
    r!(GET "/procurement/lm3", Read(Contracts), lm3::page, "The local multiplier: the form to give a re-spend survey"),
    r!(POST "/procurement/lm3", Read(Contracts), lm3::figure, "LM3 of the viewer's anchors from a survey given (multipart: anchor, year, file or text; nothing kept)"),
    r!(POST "/procurement/lm3/surveys", Write(Contracts), surveys::create, "Queue a re-spend survey to the local suppliers of an anchor (one of the viewer's; blank: all, for a whole-system viewer) and year: name, anchor, year"),
    r!(GET "/procurement/lm3/surveys/{id}", Read(Contracts), surveys::figured, "LM3 of a survey's anchor and year from the answers kept"),
    r!(POST "/procurement/outbox/invitations/{id}/sent", Write(Contracts), surveys::mark_sent, "Mark a survey invitation sent"),
    r!(GET "/survey/{token}", Public, surveys::answer_form, "The re-spend survey a supplier's link opens: two percentages"),
    r!(POST "/survey/{token}", Public, surveys::answer, "A supplier's answer: wages, suppliers (percentages of what it receives spent locally); the link's token is the key").csrf_exempt(),
    r!(GET "/procurement/outbox", Read(Contracts), tenders::outbox_page, "The notices queued for the mail relay, sent and withheld"),
    r!(POST "/procurement/outbox/{id}/sent", Write(Contracts), tenders::mark_sent, "Mark a notice sent"),
];
