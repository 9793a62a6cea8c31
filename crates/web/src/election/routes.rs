//! The election's routes: the committee's pages, printable sheets and
//! minutes, published results for everyone, and the JSON API.

use super::{api, ballots, pages, register, results};
use crate::spec::{r, Need, Route};
use lumbung_domain::Resource;
use Need::{Public, Read, Write};

#[rustfmt::skip]
pub static ROUTES: &[Route] = &[
    // The BKM election (crate::election): the committee's work, printable
    // sheets and minutes, and the published results for everyone.
    r!(GET "/election", Public, pages::index, "Elections: published results; the polls in your scope"),
    r!(POST "/election", Write(Resource::Election), pages::create, "Open a poll: level (rt, bkm, coordinator), area, held_on"),
    r!(GET "/election/results", Public, results::results_page, "Published election results"),
    r!(GET "/election/results/{id}", Public, results::result_page, "A published result: votes per nominee, groupings, decisions, the files to recount"),
    r!(GET "/election/results/{id}/minutes", Public, results::result_minutes, "The minutes (berita acara) of a published result, printable"),
    r!(GET "/election/results/{id}/BALLOTS.csv", Public, results::ballots_csv, "The anonymised ballots of a published result (ballot id and names only)"),
    r!(GET "/election/results/{id}/GROUPS.csv", Public, results::groups_csv, "The groupings of written names of a published result"),
    r!(GET "/election/results/{id}/RESIDENTS.csv", Public, results::residents_csv, "Who could be named (level 2: the delegates), when the count checked it"),
    r!(GET "/election/kelurahan/{code}", Read(Resource::Election), pages::kelurahan_page, "A kelurahan's elections: settings, RTs and polls"),
    r!(POST "/election/kelurahan/{code}/settings", Write(Resource::Election), pages::settings_save, "Change a kelurahan's election settings"),
    r!(GET "/election/{id}", Read(Resource::Election), pages::poll_page, "A poll: the count, differences, groupings, ties, what is left"),
    r!(GET "/election/{id}/register", Read(Resource::Election), register::register_page, "A poll's voter register"),
    r!(POST "/election/{id}/register", Write(Resource::Election), register::add_voter, "Put a voter on the register"),
    r!(POST "/election/{id}/register/import", Write(Resource::Election), register::import_voters, "Import a register file: name,sex,birth_date or age,married (multipart)"),
    r!(POST "/election/{id}/register/remove", Write(Resource::Election), register::remove_voter, "Take a voter off the register"),
    r!(POST "/election/{id}/voted", Write(Resource::Election), register::mark_voted, "Record that voters voted (a flag only)"),
    r!(GET "/election/{id}/ballots", Read(Resource::Election), ballots::ballots_page, "Both ballot entries side by side, paged and sorted (?page=&sort=number|entered_by&dir=)"),
    r!(GET "/election/{id}/ballots.csv", Read(Resource::Election), ballots::ballots_csv, "Both ballot entries in the page's order, every page, as CSV"),
    r!(POST "/election/{id}/ballots", Write(Resource::Election), ballots::enter_ballots, "Enter ballots into entry A or B, one per line"),
    r!(POST "/election/{id}/ballots/correct", Write(Resource::Election), ballots::correct_ballot, "Correct a ballot in one's own entry"),
    r!(POST "/election/{id}/resolve", Write(Resource::Election), ballots::resolve, "Resolve a difference between the entries from the paper ballot"),
    r!(POST "/election/{id}/groups", Write(Resource::Election), ballots::add_groups, "Confirm that written names mean one person"),
    r!(POST "/election/{id}/groups/remove", Write(Resource::Election), ballots::remove_group, "Take a grouping back"),
    r!(POST "/election/{id}/door-to-door", Write(Resource::Election), ballots::door_to_door, "Record a door-to-door collection"),
    r!(POST "/election/{id}/tie", Write(Resource::Election), ballots::tie, "Record how a tie was broken (re-vote or lot)"),
    r!(POST "/election/{id}/publish", Write(Resource::ElectionResult), ballots::publish, "Propose publishing the result, or confirm another member's proposal (publishes it)"),
    r!(GET "/election/{id}/ballot-sheets", Read(Resource::Election), ballots::ballot_sheets, "Blank numbered ballots to print (?from=&count=&per_page=)"),
    r!(GET "/election/{id}/minutes", Read(Resource::Election), ballots::draft_minutes, "Draft minutes (berita acara) of the count as it stands, printable"),
    r!(GET "/api/v1/election/results", Public, api::api_results, "Published election results").answers(api::answers::RESULTS),
    r!(GET "/api/v1/election/results/{id}", Public, api::api_result, "A published result with its hash and the files to recount").answers(api::answers::RESULT),
    r!(GET "/api/v1/election/elections", Read(Resource::Election), api::api_elections, "Polls in your scope").answers(api::answers::ELECTIONS),
    r!(POST "/api/v1/election/elections", Write(Resource::Election), api::api_create, "Open a poll: {level, area, held_on}").takes::<api::NewElectionBody>().answers(api::answers::CREATE),
    r!(GET "/api/v1/election/elections/{id}", Read(Resource::Election), api::api_election, "A poll's count: entries, differences, recount, ties, blockers").answers(api::answers::ELECTION),
    r!(GET "/api/v1/election/elections/{id}/register", Read(Resource::Election), api::api_register, "A poll's voter register").answers(api::answers::REGISTER),
    r!(POST "/api/v1/election/elections/{id}/register", Write(Resource::Election), api::api_add_voters, "Add voters: a register CSV (text/csv) or {voters: [...]}").takes::<api::VotersBody>().answers(api::answers::ADD_VOTERS),
    r!(POST "/api/v1/election/elections/{id}/voted", Write(Resource::Election), api::api_voted, "Record that voters voted: {voters: [ids], voted}").takes::<api::VotedBody>().answers(api::answers::VOTED),
    r!(GET "/api/v1/election/elections/{id}/entries", Read(Resource::Election), api::api_entries, "Both ballot entries").answers(api::answers::ENTRIES),
    r!(POST "/api/v1/election/elections/{id}/ballots", Write(Resource::Election), api::api_ballots, "Enter ballots: {entry, ballots: [{ballot_id, names}]}").takes::<api::BallotsBody>().answers(api::answers::BALLOTS),
    r!(POST "/api/v1/election/elections/{id}/corrections", Write(Resource::Election), api::api_correct, "Correct a ballot of one's own entry: {entry, ballot_id, names|null}").takes::<api::CorrectionBody>().answers(api::answers::CORRECT),
    r!(POST "/api/v1/election/elections/{id}/resolutions", Write(Resource::Election), api::api_resolve, "Resolve a difference: {ballot_id, names|null, note}").takes::<api::ResolutionBody>().answers(api::answers::RESOLVE),
    r!(POST "/api/v1/election/elections/{id}/groups", Write(Resource::Election), api::api_group, "Confirm a grouping {written, person}, or take it back (person null)").takes::<api::GroupBody>().answers(api::answers::GROUP),
    r!(POST "/api/v1/election/elections/{id}/door-to-door", Write(Resource::Election), api::api_door_to_door, "Record a door-to-door collection: {on, note}").takes::<api::DoorBody>().answers(api::answers::DOOR_TO_DOOR),
    r!(POST "/api/v1/election/elections/{id}/tie", Write(Resource::Election), api::api_tie, "Record a tie decision: {rule, winners, revote: {person: votes}, note}").takes::<api::TieBody>().answers(api::answers::TIE),
    r!(POST "/api/v1/election/elections/{id}/publish", Write(Resource::ElectionResult), api::api_publish, "Propose publishing the result, or confirm another member's proposal (publishes it): {confirms: its count_sha256}, optional").takes::<api::PublishBody>().answers(api::answers::PUBLISH),
    r!(GET "/api/v1/election/settings/{code}", Read(Resource::Election), api::api_settings, "A kelurahan's election settings").answers(api::answers::SETTINGS),
    r!(PUT "/api/v1/election/settings/{code}", Write(Resource::Election), api::api_settings_save, "Replace a kelurahan's election settings (JSON; missing fields take defaults)").takes::<lumbung_community::election::SettingsText>().answers(api::answers::SETTINGS_SAVE),
];
