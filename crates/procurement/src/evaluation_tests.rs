use super::*;
use crate::social_value::read_proxies;
use proptest::prelude::*;

const PROXIES: &str = "measure,outcome,unit,proxy_value\n\
    local_jobs,employment,job-year,1000.00\n\
    apprentice_weeks,employment,week,200\n\
    volunteer_hours,voluntary_sector,hour,15.50\n\
    co2_saved,environment,tonne,80\n";

fn proxies() -> ProxySet {
    read_proxies("proxies.csv", PROXIES.as_bytes()).unwrap()
}

fn run(bids: &str, commitments: &str, weights: &Weights) -> Evaluation {
    let proxies = proxies();
    let bids = read_bids("bids.csv", bids.as_bytes()).unwrap();
    let commitments = read_commitments("c.csv", commitments.as_bytes(), &bids, &proxies).unwrap();
    evaluate(weights, &bids, &commitments, &proxies).unwrap()
}

/// The worked example of docs/procurement.md.
#[test]
fn the_worked_example_scores_and_ranks_the_bids() {
    let e = run(
        "bidder,price,quality\nAlpha Ltd,100000,80\nBeta Co,90000,70\nGamma CIC,120000,90\n",
        "bidder,measure,quantity\nAlpha Ltd,local_jobs,2\nalpha ltd,volunteer_hours,60\nAlpha Ltd,volunteer_hours,40\n\
         Beta Co,apprentice_weeks,5\nGamma CIC,co2_saved,10\nGamma CIC,LOCAL_JOBS,1\n",
        &Weights::default(),
    );
    fn row(b: &ScoredBid) -> (u32, &str, String, &str, &str, &str, &str) {
        (
            b.rank,
            b.bidder.as_str(),
            b.social_value.to_string(),
            b.price_score.as_str(),
            b.quality_score.as_str(),
            b.social_score.as_str(),
            b.total.as_str(),
        )
    }
    let rows: Vec<_> = e.bids.iter().map(row).collect();
    assert_eq!(
        rows,
        vec![
            (
                1,
                "Alpha Ltd",
                "3550.00".into(),
                "54.0000",
                "24.0000",
                "10.0000",
                "88.0000"
            ),
            (
                2,
                "Beta Co",
                "1000.00".into(),
                "60.0000",
                "21.0000",
                "2.8169",
                "83.8169"
            ),
            (
                3,
                "Gamma CIC",
                "1800.00".into(),
                "45.0000",
                "27.0000",
                "5.0704",
                "77.0704"
            ),
        ]
    );
    assert_eq!(e.winner, "Alpha Ltd");
    let json = serde_json::to_value(&e).unwrap();
    assert_eq!(
        json["weights"],
        serde_json::json!({"price": "60.0000", "quality": "30.0000", "social": "10.0000"})
    );
    assert_eq!(
        json["bids"][0]["social_value_by_outcome"],
        serde_json::json!({"employment": "2000.00", "living_standards": "0.00", "participation": "0.00",
            "voluntary_sector": "1550.00", "equity": "0.00", "environment": "0.00"})
    );
    assert_eq!(json["bids"][0]["price"], "100000.00");
    assert_eq!(json["bids"][0]["quality"], "80.0000");
    assert_eq!(json["bids"][0]["rank"], 1);
    assert_eq!(json["winner"], "Alpha Ltd");
}

#[test]
fn the_total_is_the_exact_sum_rounded_once() {
    let proxies = read_proxies(
        "p.csv",
        b"measure,outcome,unit,proxy_value\nm,equity,unit,1\n",
    )
    .unwrap();
    let bids = read_bids("b.csv", b"bidder,price,quality\nX,100,0.0001\nY,200,0\n").unwrap();
    let commitments = read_commitments(
        "c.csv",
        b"bidder,measure,quantity\nX,m,3\nY,m,1000000\n",
        &bids,
        &proxies,
    )
    .unwrap();
    let e = evaluate(&Weights::default(), &bids, &commitments, &proxies).unwrap();
    let x = e.bids.iter().find(|b| b.bidder == "X").unwrap();
    // 60 + 0.00003 + 0.00003: each score rounds to nothing, their sum does not.
    assert_eq!(
        (
            x.price_score.as_str(),
            x.quality_score.as_str(),
            x.social_score.as_str()
        ),
        ("60.0000", "0.0000", "0.0000")
    );
    assert_eq!(x.total, "60.0001");
}

#[test]
fn ties_go_to_the_lower_price_then_the_name() {
    let weights = Weights::parse("quality=100").unwrap();
    let e = run(
        "bidder,price,quality\nZeta,500,70\nEta,400,70\nAlpha,500,70\n",
        "bidder,measure,quantity\n",
        &weights,
    );
    let order: Vec<_> = e.bids.iter().map(|b| (b.bidder.as_str(), b.rank)).collect();
    assert_eq!(order, vec![("Eta", 1), ("Alpha", 2), ("Zeta", 3)]);
    // Nobody commits anything: every social score is 0, not a division by 0.
    assert!(e.bids.iter().all(|b| b.social_score == "0.0000"));
}

#[test]
fn weights_are_parts_of_exactly_100() {
    assert_eq!(
        Weights::parse("price=60,quality=30,social=10").unwrap(),
        Weights::default()
    );
    let w = Weights::parse("price=62.5, quality=37.5").unwrap();
    assert_eq!(exact::decimal(&w.social, 4), "0.0000");
    for bad in [
        "price=60,quality=30",
        "price=60,quality=30,social=10,price=0",
        "cost=100",
        "price=-10,quality=110",
        "price",
    ] {
        assert!(Weights::parse(bad).is_err(), "{bad}");
    }
    let e = Weights::parse("price=60,quality=30,social=9").unwrap_err();
    assert!(e.english().contains("not 99.00"), "{}", e.english());
}

/// Where each problem of a refused file is: line and column.
fn places(e: &Rejected) -> Vec<(u64, String)> {
    e.errors
        .iter()
        .map(|e| (e.line, e.column.clone().unwrap()))
        .collect()
}

#[test]
fn bad_rows_are_refused_naming_line_and_column() {
    let e = read_bids(
        "bids.csv",
        b"bidder,price,quality\nA,0,50\nB,100,101\nA,10,5\n,5,5\n",
    )
    .unwrap_err();
    assert_eq!(
        places(&e),
        vec![
            (2, "price".into()),
            (3, "quality".into()),
            (4, "bidder".into()),
            (5, "bidder".into())
        ]
    );
    let bids = read_bids("bids.csv", b"penawar,harga,kualitas\nA,100,50\n").unwrap();
    let e = read_commitments(
        "c.csv",
        b"bidder,measure,quantity\nA,local_jobs,1\nB,local_jobs,1\nA,hugs,1\nA,local_jobs,-1\n",
        &bids,
        &proxies(),
    )
    .unwrap_err();
    assert_eq!(
        places(&e),
        vec![
            (3, "bidder".into()),
            (4, "measure".into()),
            (5, "quantity".into())
        ]
    );
    assert_eq!(e.file, "c.csv");
    let e = read_bids("bids.csv", b"bidder,price\nA,1\n").unwrap_err();
    assert_eq!(
        (e.errors[0].line, e.errors[0].column.as_deref()),
        (1, Some("quality"))
    );
}

#[test]
fn proxies_name_one_of_the_six_outcomes_once() {
    let e = read_proxies(
        "p.csv",
        b"measure,outcome,unit,proxy_value\na,employment,x,1\nA,equity,x,2\nb,happiness,x,1\nc,equity,x,-1\nd,equity,x,0.12345\n",
    )
    .unwrap_err();
    assert_eq!(
        places(&e),
        vec![
            (3, "measure".into()),
            (4, "outcome".into()),
            (5, "proxy_value".into()),
            (6, "proxy_value".into())
        ]
    );
    let set = read_proxies("p.csv", "ukuran,hasil,satuan,nilai_proksi,keterangan\nPelatihan,living standards,jam,0.1550,contoh\n".as_bytes()).unwrap();
    assert_eq!(set.proxies[0].outcome, Outcome::LivingStandards);
    assert_eq!(set.proxies[0].value_text(), "0.155");
    assert_eq!(set.proxies[0].description.as_deref(), Some("contoh"));
}

fn arb_bids() -> impl Strategy<Value = Vec<(i64, u32, u32)>> {
    // (price in cents, quality 0..=100, quantity of the one measure)
    prop::collection::vec((1i64..10_000_000, 0u32..=100, 0u32..1000), 1..6)
}

fn scored(bids: &[(i64, u32, u32)], weights: &Weights) -> Evaluation {
    let proxies = read_proxies(
        "p.csv",
        b"measure,outcome,unit,proxy_value\nm,employment,job,12.34\n",
    )
    .unwrap();
    let mut list = Vec::new();
    let mut commitments = Vec::new();
    for (i, (price, quality, quantity)) in bids.iter().enumerate() {
        let bidder = format!("bidder {i}");
        list.push(Bid {
            bidder: bidder.clone(),
            price: Money::from_minor(*price),
            quality: exact::int(i64::from(*quality)),
        });
        commitments.push(Commitment {
            bidder,
            measure: "m".into(),
            quantity: exact::int(i64::from(*quantity)),
        });
    }
    evaluate(weights, &list, &commitments, &proxies).unwrap()
}

proptest! {
    /// More social value never lowers a bid's total nor worsens its rank.
    #[test]
    fn scores_rise_with_social_value(bids in arb_bids(), which in 0usize..6, more in 1u32..500) {
        let which = which % bids.len();
        let before = scored(&bids, &Weights::default());
        let mut raised = bids.clone();
        raised[which].2 += more;
        let after = scored(&raised, &Weights::default());
        let name = format!("bidder {which}");
        let find = |e: &Evaluation| e.bids.iter().find(|b| b.bidder == name).cloned().unwrap();
        let (b, a) = (find(&before), find(&after));
        prop_assert!(a.exact_total >= b.exact_total);
        prop_assert!(a.rank <= b.rank);
    }

    /// Totals lie in 0..=100, ranks follow the exact totals, the winner is first.
    #[test]
    fn ranks_follow_exact_totals(bids in arb_bids()) {
        let e = scored(&bids, &Weights::default());
        for (i, b) in e.bids.iter().enumerate() {
            prop_assert_eq!(b.rank as usize, i + 1);
            prop_assert!(b.exact_total >= Exact::zero() && b.exact_total <= exact::int(100));
            prop_assert_eq!(&b.total, &exact::decimal(&b.exact_total, 4));
            if i > 0 {
                prop_assert!(e.bids[i - 1].exact_total >= b.exact_total);
            }
        }
        prop_assert_eq!(&e.winner, &e.bids[0].bidder);
    }
}
