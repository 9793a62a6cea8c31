//! The demo's procurement: a local business base around Preston, contracts
//! two anchors published in OCDS (one award local, one not), an open tender
//! matched to local firms, a notice queued to the one that consented, and
//! a cleaning contract weighed with social value, awarded and followed,
//! and the anchors' charter.

use anyhow::Result;
use lumbung_domain::TenderId;
use lumbung_procurement::monitoring::monitor;
use lumbung_procurement::tenders::TenderForm;
use lumbung_store::{Actor, Store, VersionInput};
use serde_json::json;

/// Local firms able to supply what the anchors buy from outside Lancashire
/// (energy, office supplies, engineering, consulting, transport, cleaning).
const BUSINESSES: &str = "\
name,company_number,postcode,sic,cpv,size,form,capacity,contact_email,consent
Preston Community Energy Co-operative,,PR1 3BQ,35110,09310000,small,cooperative,Solar installation and supply for public buildings,hello@pcenergy.example,yes
Ribble Office Supplies Ltd,08123456,PR1 2HE,47990,30190000,micro,conventional,Stationery and office furniture,sales@ribbleoffice.example,yes
Fylde Engineering Services Ltd,07654321,FY8 5AB,71129,71300000,small,employee_owned,Structural and civil engineering design,,no
Lancashire Consulting CIC,,BB10 1AA,70229,79400000,micro,social_enterprise,Business and management consultancy,team@lancsconsult.example,yes
Red Rose Cleaning Ltd,,LA1 4XY,81210,90910000,small,conventional,Office and school cleaning,office@redrose.example,yes
Preston Catering Co-operative,,PR1 3JJ,56290,55520000,small,cooperative,School and hospital meals,kitchen@prestoncatering.example,yes
Bowland Construction Ltd,06111222,LA1 1QJ,41201,45233142,medium,conventional,Road surfacing and repairs,bids@bowland.example,yes
";

pub fn load(store: &Store) -> Result<()> {
    let cli = Actor::cli();
    let records =
        lumbung_procurement::business::read_file("demo: business base", BUSINESSES.as_bytes())?;
    store.import_businesses(
        &[("demo: business base".into(), records)],
        Some("Preston chamber of commerce (demo)"),
        &cli,
    )?;
    let party = |id: &str, name: &str, street: &str, scale: &str| {
        json!({"id": id, "name": name, "roles": ["supplier"], "address": {"streetAddress": street},
               "details": {"scale": scale}})
    };
    let council = json!({"id": "GB-LAC-E07000123", "name": "Preston City Council"});
    let county = json!({"id": "GB-LAC-E10000017", "name": "Lancashire County Council"});
    let releases = json!({"releases": [
        {"ocid": "ocds-demo-1", "id": "1", "date": "2014-05-01T09:00:00Z", "tag": ["tender"],
         "buyer": council, "tender": {"id": "T1", "title": "Printing of council publications", "status": "complete",
            "items": [{"id": "1", "classification": {"scheme": "CPV", "id": "79810000-5"}}],
            "value": {"amount": 60000, "currency": "GBP"}}},
        {"ocid": "ocds-demo-1", "id": "2", "date": "2014-07-01T09:00:00Z", "tag": ["award"],
         "buyer": council,
         "parties": [party("S1", "Ribble Print Ltd", "12 Fishergate, Preston PR1 2HE", "sme")],
         "awards": [{"id": "A1", "status": "active", "date": "2014-07-01", "value": {"amount": 48250.5, "currency": "GBP"},
                     "suppliers": [{"id": "S1", "name": "Ribble Print Ltd"}]}]},
        {"ocid": "ocds-demo-2", "id": "1", "date": "2014-09-15T09:00:00Z", "tag": ["award"],
         "buyer": county,
         "tender": {"id": "T2", "title": "Electricity supply", "status": "complete"},
         "parties": [party("S2", "Northern Energy PLC", "1 Piccadilly, Manchester M1 1AE", "large")],
         "awards": [{"id": "A2", "status": "active", "date": "2014-09-15", "value": {"amount": 310000, "currency": "GBP"},
                     "suppliers": [{"id": "S2", "name": "Northern Energy PLC"}]}]},
        {"ocid": "ocds-demo-3", "id": "1", "date": "2015-02-01T09:00:00Z", "tag": ["tender"],
         "buyer": county,
         "tender": {"id": "T3", "title": "Resurfacing of rural roads", "status": "active",
            "tenderPeriod": {"endDate": "2015-03-31T12:00:00Z"},
            "items": [{"id": "1", "classification": {"scheme": "CPV", "id": "45233142-6"}}],
            "value": {"amount": 250000, "currency": "GBP"}, "suitability": {"sme": true}}}
    ]});
    let bytes = serde_json::to_vec(&releases)?;
    store.import_ocds(&[("demo: contracts.json".into(), bytes)], &cli)?;

    // An analyst enters a cleaning tender for the council and queues its
    // notices: Red Rose Cleaning consented, so it is written to.
    let council = store
        .anchor_id("Preston City Council")?
        .expect("the demo's organisations hold the council");
    let tender = TenderForm {
        title: "Cleaning of council offices".into(),
        cpv: "90910000".into(),
        sectors: "8121".into(),
        value: "85000".into(),
        currency: "GBP".into(),
        closes_on: "2015-06-30".into(),
        ..TenderForm::default()
    }
    .check()
    .map_err(|p| anyhow::anyhow!("the demo's tender: {:?}", p))?;
    let id = store.add_tender(council, &tender, &cli)?;
    store.queue_notices(id, &cli)?;
    evaluate_cleaning(store, id, &cli)?;
    assess_suppliers(store, &cli)?;
    agree_charter(store, &cli)
}

/// The six anchors' charter with seed 000's goals, and two figures
/// entered by hand for 2014/15.
fn agree_charter(store: &Store, cli: &Actor) -> anyhow::Result<()> {
    use lumbung_procurement::charter::{default_goals, Preset};
    let mut members = Vec::new();
    for name in super::ANCHORS {
        members.extend(store.anchor_id(name)?);
    }
    let charter = store.create_charter(
        "Preston 2014",
        &members,
        &default_goals(Some(lumbung_procurement::exact::int(45))),
        cli,
    )?;
    let goals = store.charter(charter)?.expect("just agreed").goals;
    let goal = |preset| {
        goals
            .iter()
            .find(|g| g.preset == Some(preset))
            .map(|g| g.id)
            .expect("a default goal")
    };
    let year = lumbung_domain::FiscalYear::new(2014)?;
    let council = store.anchor_id("Preston City Council")?;
    store.enter_charter_value(
        charter,
        goal(Preset::KnowBusinessBase),
        None,
        year,
        &lumbung_procurement::exact::int(7),
        cli,
    )?;
    store.enter_charter_value(
        charter,
        goal(Preset::OpportunityAwareness),
        council,
        year,
        &lumbung_procurement::exact::int(2),
        cli,
    )?;
    Ok(())
}

/// Two rounds of supplier assessment: the main suppliers scored in 2014,
/// and again in 2015 after the council talked with them.
fn assess_suppliers(store: &Store, cli: &Actor) -> anyhow::Result<()> {
    use lumbung_procurement::assessment::read_assessments;
    for (round, file) in [
        (
            "2014",
            "supplier,outcome,score,evidence\n\
             Bowland Construction Ltd,employment,3,Local crews\n\
             Bowland Construction Ltd,environment,1,\n\
             Red Rose Cleaning Ltd,employment,2,\n\
             Red Rose Cleaning Ltd,living_standards,1,Below the living wage\n\
             Preston Catering Co-operative,employment,4,Staff own the firm\n\
             Preston Catering Co-operative,participation,3,Open members' meetings\n\
             Midlands Transport Ltd,employment,1,\n\
             Capital Consulting LLP,equity,1,\n",
        ),
        (
            "2015",
            "supplier,outcome,score,evidence\n\
             Bowland Construction Ltd,employment,4,Two local apprentices\n\
             Bowland Construction Ltd,environment,2,Recycled aggregate\n\
             Red Rose Cleaning Ltd,employment,2,\n\
             Red Rose Cleaning Ltd,living_standards,4,Pays the living wage since April\n\
             Preston Catering Co-operative,employment,4,Staff own the firm\n\
             Preston Catering Co-operative,participation,4,Residents on the board\n\
             Midlands Transport Ltd,employment,1,\n\
             Capital Consulting LLP,equity,2,\n",
        ),
    ] {
        let name = format!("demo: assessment {round}");
        let rows = read_assessments(&name, file.as_bytes())?;
        store.assess(round, &name, &rows, &lumbung_domain::Scope::Global, cli)?;
    }
    Ok(())
}

/// The example proxy set, and the cleaning tender weighed (a second
/// version with more weight on social value), awarded, and its first
/// promises reported delivered.
fn evaluate_cleaning(store: &Store, tender: TenderId, cli: &Actor) -> anyhow::Result<()> {
    use lumbung_procurement::evaluation::{read_bids, read_commitments, Weights};
    use lumbung_procurement::monitoring::{check_award, check_delivery};
    let proxies = include_bytes!("../../../docs/examples/social-value-proxies.csv");
    let set = lumbung_procurement::social_value::read_proxies("social-value-proxies.csv", proxies)?;
    let proxy_set = store
        .import_proxies("social-value-proxies.csv", &set, cli)?
        .set;
    let bids = read_bids(
        "demo: bids",
        b"bidder,price,quality\nRed Rose Cleaning Ltd,82000,78\nNationwide Facilities PLC,74500,72\nRibble Cleaning Co-operative,86000,81\n",
    )?;
    let commitments = read_commitments(
        "demo: commitments",
        b"bidder,measure,quantity\nRed Rose Cleaning Ltd,local_hire,3\nRed Rose Cleaning Ltd,apprenticeship_week,40\n\
          Nationwide Facilities PLC,vcs_donation,1500\nRibble Cleaning Co-operative,local_hire,4\n\
          Ribble Cleaning Co-operative,volunteer_hour,200\nRibble Cleaning Co-operative,carbon_saved,6\n",
        &bids,
        &set,
    )?;
    let mut input = VersionInput {
        weights: Weights::default(),
        bids,
        commitments,
        note: String::new(),
        proxy_set,
    };
    store.add_evaluation_version(tender, &input, cli)?;
    input.weights =
        Weights::parse("price=50,quality=30,social=20").map_err(|e| anyhow::anyhow!("{e}"))?;
    input.note = "Weights revised after the suppliers' day".into();
    let version = store.add_evaluation_version(tender, &input, cli)?;
    let evaluation = lumbung_procurement::evaluation::evaluate(
        &input.weights,
        &input.bids,
        &input.commitments,
        &set,
    )?;
    let choice = check_award(
        &evaluation,
        &evaluation.winner,
        "Highest total; four local hires and an apprenticeship programme",
    )
    .map_err(|p| anyhow::anyhow!("the demo's award: {p:?}"))?;
    store.award_tender(tender, version, &choice, cli)?;
    for (measure, quantity, period, evidence) in [
        ("local_hire", "2", "2015-12-31", "Payroll, December 2015"),
        ("volunteer_hour", "120", "2015-12-31", "Volunteering log"),
    ] {
        let delivery = check_delivery(measure, quantity, &set)
            .map_err(|p| anyhow::anyhow!("the demo's delivery: {p:?}"))?;
        let monitored = |all: &[_]| {
            let promised = &input.commitments;
            let monitored = monitor(&evaluation.winner, promised, all, &set);
            monitored.map(|_| ()).map_err(|e| e.text())
        };
        store.report_delivery(tender, &delivery, period, evidence, cli, monitored)?;
    }
    Ok(())
}
