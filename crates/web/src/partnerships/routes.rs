//! The partnerships' routes. Listed in [`crate::routes::TABLES`].

use super::{capitals, compare, economy, invest, offers, pages};
use crate::spec::{r, Need, Route};
use lumbung_domain::Resource::Partnerships;
use Need::{Public, Read, Write};

#[rustfmt::skip]
pub static ROUTES: &[Route] = &[
    r!(GET "/partnerships", Read(Partnerships), pages::list, "The partnerships you hold or are a partner of, with overdue commitments and those that have not met for the set number of days; forms to start one and (whole-system users) the setting"),
    r!(POST "/partnerships", Write(Partnerships), pages::create, "Start a partnership in an area of your scope: name, vision, goals and a leading partner (an organisation's user: its organisation leads)"),
    r!(POST "/partnerships/settings", Write(Partnerships), pages::settings, "The days without a meeting after which a partnership stands out (no_meeting_days; whole-system users)"),
    r!(GET "/partnerships/offers", Read(Partnerships), offers::page, "Offers and needs, the offers that fit each need (a theme shared; nearest in the area tree first) and the notices queued for both sides of a match"),
    r!(POST "/partnerships/offers", Write(Partnerships), offers::post, "Publish an offer or a need (side, org, area, title, description, theme…, kind…, contact) of an organisation you act for"),
    r!(POST "/partnerships/matches", Write(Partnerships), offers::partner_up, "Make a match of an offer and a need a partnership of both organisations (offer, need), notifying both through the outbox; by one who acts for the side in need"),
    r!(POST "/partnerships/outbox/{id}/sent", Write(Partnerships), offers::mark_sent, "Mark a notice to a side you act for sent (once)"),
    r!(GET "/partnerships/{id}", Read(Partnerships), pages::page, "A partnership you hold or are a partner of: partners and roles, vision and goals, commitments with their state, meetings and indicators"),
    r!(POST "/partnerships/{id}/partners", Write(Partnerships), pages::add_partner, "Add a partner (org, role) to a partnership you hold"),
    r!(POST "/partnerships/{id}/commitments", Write(Partnerships), pages::add_commitment, "A partner's commitment (org, kind money|in_kind|staff_time, description, amount, hours, due_on): those who hold the partnership, or the partner's own people"),
    r!(POST "/partnerships/{id}/meetings", Write(Partnerships), pages::add_meeting, "A meeting's date, attendance, minutes and decisions, in a partnership you hold"),
    r!(POST "/partnerships/{id}/indicators", Write(Partnerships), pages::add_indicator, "An indicator (name, unit, baseline, target) of a partnership you hold"),
    r!(POST "/partnerships/{id}/publish", Write(Partnerships), pages::publish, "Show a partnership's summary to the public, or stop (published: yes|no)"),
    r!(POST "/partnerships/commitments/{id}/kept", Write(Partnerships), pages::keep, "Record a commitment kept (kept_on, note): those who hold the partnership, or the committed partner's own people; once"),
    r!(POST "/partnerships/indicators/{id}/readings", Write(Partnerships), pages::add_reading, "A reading of an indicator (read_on, value)"),
    r!(GET "/compare", Read(Partnerships), compare::page, "Several cities or programmes side by side (?areas=CODE,CODE,…&as_of=): spend baselines and progress (to those who read spend), fund health, programme cycle progress and BLM roll-ups, each as its own report gives them"),
    r!(GET "/invest", Read(Partnerships), invest::page, "Local projects seeking investment, and the pools an investor could take (?min_size=&max_size=&max_high_risk=&max_sector_share=): each pool's projects, amount, social value, high-risk and sector shares, and why each project left out is out"),
    r!(POST "/invest/projects", Write(Partnerships), invest::import, "Bring in a projects file (project,amount,sector,risk,social_value and optional area, expected_return; multipart `file`; all or nothing; the same file twice changes nothing)", limit invest::MAX_PROJECTS_BYTES),
    r!(GET "/economy", Read(Partnerships), economy::page, "The co-operative economy of your scope: co-operatives with their stages, members, support asked and mentors; each anchor's spend with co-operatives by year (to those who read spend); a credit union's members, savings and loans by area, its service points and the bank branches closed; employee buy-outs with their stages and the funnel"),
    r!(POST "/economy/coops", Write(Partnerships), economy::add_coop, "Add a co-operative or a prospective one (name, area, org: its organisation of the registry when registered, sector, stage, members, members_women, support_asked, mentor) in your scope"),
    r!(POST "/economy/coops/{id}/stage", Write(Partnerships), economy::move_coop, "Move a co-operative of your scope to a later stage (stage, on)"),
    r!(POST "/economy/coops/{id}/members", Write(Partnerships), economy::add_member, "Add a member to a co-operative's own list (name) with their consent (consent=yes, dated today), in your scope; the list is shown only to those who write here"),
    r!(POST "/economy/credit-union", Write(Partnerships), economy::import_months, "Bring in a credit union's monthly figures (area,month,members,savings,loans; multipart `file`; areas of your scope; all or nothing)", limit economy::MAX_FILE_BYTES),
    r!(POST "/economy/credit-union/month", Write(Partnerships), economy::enter_month, "Enter a credit union's month by hand (area, month, members, savings, loans) in your scope; a month given again replaces its figures"),
    r!(POST "/economy/closures", Write(Partnerships), economy::import_closures, "Bring in the bank branches closed (area,bank,closed_on; multipart `file`; areas of your scope; all or nothing)", limit economy::MAX_FILE_BYTES),
    r!(POST "/economy/points", Write(Partnerships), economy::add_point, "Add a credit union service point (name, area, kind office|agent|mobile) in your scope"),
    r!(POST "/economy/buyouts", Write(Partnerships), economy::add_buyout, "Add a business whose owner plans to retire (business, area, owner_retires, jobs) in your scope, at first contact"),
    r!(POST "/economy/buyouts/{id}/stage", Write(Partnerships), economy::move_buyout, "Move a buy-out of your scope on (stage feasibility|valuation|financing|converted|dropped, on, note): forward only, or dropped before it ends"),
    r!(GET "/capitals", Read(Partnerships), capitals::page, "Community capitals of your scope counted per area and capital with who holds them and which programmes use them; active citizens (named only to those who write here), activity by month, and where leadership is thin per 100 households of the self-mapping"),
    r!(POST "/capitals/assets", Write(Partnerships), capitals::add_asset, "Add an asset (area, kind human|social|physical|financial|natural|cultural, name, holder, used_by) in your scope"),
    r!(POST "/capitals/citizens", Write(Partnerships), capitals::add_citizen, "Add an active citizen (area, name, leads) with their consent (consent=yes, dated today) in your scope"),
    r!(POST "/capitals/citizens/{id}/activity", Write(Partnerships), capitals::add_activity, "Record what an active citizen of your scope did in a month (month YYYY-MM, note)"),
    r!(GET "/partnership/{id}", Public, pages::public, "A published partnership: vision, goals, partners and their roles, commitments kept, open and overdue, meetings held and indicators (aggregates only)"),
];
