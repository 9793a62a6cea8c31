use super::*;
use crate::evaluation::{evaluate, read_bids, read_commitments, Weights};
use crate::social_value::read_proxies;
use proptest::prelude::*;

const PROXIES: &str = "measure,outcome,unit,proxy_value\n\
    local_jobs,employment,job-year,1000.00\n\
    volunteer_hours,voluntary_sector,hour,15.50\n\
    co2_saved,environment,tonne,80\n";

fn proxies() -> ProxySet {
    read_proxies("proxies.csv", PROXIES.as_bytes()).unwrap()
}

fn weighed() -> (Evaluation, Vec<Commitment>) {
    let proxies = proxies();
    let bids = read_bids(
        "bids.csv",
        b"bidder,price,quality\nAlpha Ltd,100000,80\nBeta Co,90000,70\n",
    )
    .unwrap();
    let commitments = read_commitments(
        "c.csv",
        b"bidder,measure,quantity\nAlpha Ltd,local_jobs,2\nAlpha Ltd,volunteer_hours,100\nBeta Co,co2_saved,1\n",
        &bids,
        &proxies,
    )
    .unwrap();
    let e = evaluate(&Weights::default(), &bids, &commitments, &proxies).unwrap();
    (e, commitments)
}

#[test]
fn an_award_names_a_bidder_and_says_why() {
    let (e, _) = weighed();
    assert_eq!(e.winner, "Alpha Ltd");
    let first = check_award(&e, " alpha ltd ", "Best value for the borough").unwrap();
    assert_eq!(first.bidder, "Alpha Ltd");
    assert!(!first.departs_from_ranking);
    let second = check_award(&e, "Beta Co", "Alpha withdrew").unwrap();
    assert!(second.departs_from_ranking);
    let fields = |r: Result<AwardChoice, Vec<(&'static str, Text)>>| -> Vec<&'static str> {
        r.unwrap_err().into_iter().map(|(f, _)| f).collect()
    };
    assert_eq!(fields(check_award(&e, "Gamma", "  ")), ["bidder", "reason"]);
    assert_eq!(
        fields(check_award(&e, "Beta Co", &"x".repeat(REASON_MAX + 1))),
        ["reason"]
    );
}

#[test]
fn deliveries_name_a_measure_of_the_set_and_a_positive_quantity() {
    let p = proxies();
    let d = check_delivery("LOCAL_JOBS", "1.5", &p).unwrap();
    assert_eq!(d.measure, "local_jobs");
    assert_eq!(d.quantity, exact::parse_decimal("1.5", 4).unwrap());
    let fields = |r: Result<Delivery, Vec<(&'static str, Text)>>| -> Vec<&'static str> {
        r.unwrap_err().into_iter().map(|(f, _)| f).collect()
    };
    assert_eq!(
        fields(check_delivery("trees", "0", &p)),
        ["measure", "quantity"]
    );
    assert_eq!(fields(check_delivery("co2_saved", "-1", &p)), ["quantity"]);
    assert_eq!(fields(check_delivery("co2_saved", "1e3", &p)), ["quantity"]);
}

/// Alpha promised 2 jobs (2,000.00) and 100 volunteer hours (1,550.00);
/// 1 job and 40 hours were reported, a wrong 10 hours reversed, and 3
/// tonnes of CO₂ that were never promised.
#[test]
fn promised_and_delivered_are_shown_per_measure_and_outcome() {
    let (e, commitments) = weighed();
    let p = proxies();
    let ten = exact::int(10);
    let deliveries = vec![
        check_delivery("local_jobs", "1", &p).unwrap(),
        check_delivery("volunteer_hours", "40", &p).unwrap(),
        check_delivery("volunteer_hours", "10", &p).unwrap(),
        Delivery {
            measure: "volunteer_hours".into(),
            quantity: -ten,
        },
        check_delivery("co2_saved", "3", &p).unwrap(),
    ];
    let m = monitor(&e.winner, &commitments, &deliveries, &p).unwrap();
    let rows: Vec<_> = m
        .measures
        .iter()
        .map(|r| {
            (
                r.measure.as_str(),
                r.promised.as_str(),
                r.delivered.as_str(),
                r.promised_value.to_string(),
                r.delivered_value.to_string(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (
                "local_jobs",
                "2.00",
                "1.00",
                "2000.00".into(),
                "1000.00".into()
            ),
            (
                "volunteer_hours",
                "100.00",
                "40.00",
                "1550.00".into(),
                "620.00".into()
            ),
            ("co2_saved", "0.00", "3.00", "0.00".into(), "240.00".into()),
        ]
    );
    assert_eq!(m.promised.to_string(), "3550.00");
    assert_eq!(m.delivered.to_string(), "1860.00");
    assert_eq!(m.delivered_pct.as_deref(), Some("52.4"));
    let employment = &m.outcomes[0];
    assert_eq!(employment.outcome, Outcome::Employment);
    assert_eq!(employment.delivered_pct.as_deref(), Some("50.0"));
    let environment = m
        .outcomes
        .iter()
        .find(|o| o.outcome == Outcome::Environment)
        .unwrap();
    assert_eq!(environment.delivered.to_string(), "240.00");
    assert_eq!(environment.delivered_pct, None, "nothing was promised");
    assert_eq!(m.outcomes.len(), 6);
}

proptest! {
    /// Delivered never counts a promise: with nothing reported it is 0 and
    /// the promises add up to the winner's social value.
    #[test]
    fn with_nothing_delivered_the_promises_are_the_social_value(jobs in 0u32..1_000, hours in 0u32..100_000) {
        let p = proxies();
        let bids = read_bids("b.csv", b"bidder,price,quality\nA,10,50\n").unwrap();
        let c = format!("bidder,measure,quantity\nA,local_jobs,{jobs}\nA,volunteer_hours,{hours}\n");
        let commitments = read_commitments("c.csv", c.as_bytes(), &bids, &p).unwrap();
        let e = evaluate(&Weights::default(), &bids, &commitments, &p).unwrap();
        let m = monitor("A", &commitments, &[], &p).unwrap();
        prop_assert_eq!(m.promised, e.bids[0].social_value);
        prop_assert_eq!(m.delivered, Money::from_minor(0));
        prop_assert!(m.outcomes.iter().all(|o| o.delivered.minor() == 0));
    }
}
