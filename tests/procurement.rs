//! `lumbung procurement …` end to end: OCDS files in, compiled releases out.

use serde_json::{json, Value};
use std::io::Write;

mod common;
use common::{column, item, Env, Out};

#[test]
fn ocds_files_of_every_shape_import_once_and_compile() {
    let env = Env::new();
    let package = env.write(
        "package.json",
        &json!({"uri": "https://example.org/p.json", "releases": [
            {"ocid": "ocds-abc-1", "id": "1", "date": "2024-01-10T09:00:00Z", "tag": ["tender"],
             "buyer": {"id": "GB-LAC-E07000123", "name": "Preston City Council"},
             "tender": {"id": "T1", "title": "Street lighting", "status": "active",
                        "value": {"amount": 100000, "currency": "GBP"}}}
        ]})
        .to_string(),
    );
    // JSON Lines, gzipped: an award, then an update replacing its status.
    let lines = [
        json!({"ocid": "ocds-abc-1", "id": "2", "date": "2024-03-01T09:00:00Z", "tag": ["award"],
               "awards": [{"id": "A1", "status": "pending", "value": {"amount": 90000, "currency": "GBP"},
                           "suppliers": [{"id": "GB-COH-1", "name": "Lancashire Lamps Ltd"}]}]}),
        json!({"ocid": "ocds-abc-1", "id": "3", "date": "2024-03-15T09:00:00Z", "tag": ["awardUpdate"],
               "awards": [{"id": "A1", "status": "active"}], "tender": {"status": "complete"}}),
    ]
    .map(|l| l.to_string())
    .join("\n");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(lines.as_bytes()).unwrap();
    let gz_path = env.path("awards.jsonl.gz");
    std::fs::write(&gz_path, gz.finish().unwrap()).unwrap();
    let gz_path = gz_path.to_str().unwrap();

    let out = env.stdout(&["procurement", "import-ocds", &package, gz_path]);
    assert!(out.contains("releases: 3 stored, 0 already held"), "{out}");
    let again = env.stdout(&["procurement", "import-ocds", &package, gz_path]);
    assert!(
        again.contains("releases: 0 stored, 3 already held"),
        "{again}"
    );

    let compiled = env.json(&["procurement", "release", "ocds-abc-1"]);
    assert_eq!(compiled["tag"], json!(["compiled"]));
    assert_eq!(compiled["id"], "ocds-abc-1-2024-03-15T09:00:00Z");
    assert_eq!(compiled["date"], "2024-03-15T09:00:00Z");
    assert_eq!(compiled["tender"]["status"], "complete");
    assert_eq!(compiled["tender"]["title"], "Street lighting");
    assert_eq!(
        compiled["awards"],
        json!([{"id": "A1", "status": "active", "value": {"amount": 90000, "currency": "GBP"},
                "suppliers": [{"id": "GB-COH-1", "name": "Lancashire Lamps Ltd"}]}])
    );
}

#[test]
fn a_bad_file_refuses_the_import_whole_naming_line_and_path() {
    let env = Env::new();
    let good = env.write(
        "good.json",
        &json!({"ocid": "ocds-abc-2", "id": "1", "date": "2024-01-01"}).to_string(),
    );
    let bad = env.write(
        "bad.jsonl",
        &[
            json!({"ocid": "ocds-abc-3", "id": "1", "date": "2024-01-01"}).to_string(),
            json!({"ocid": "ocds-abc-3", "id": "2", "date": "2024-01-02",
                   "awards": [{"id": "A", "value": {"currency": "GBP"}}]})
            .to_string(),
        ]
        .join("\n"),
    );
    let out = env.output(&["procurement", "import-ocds", &good, &bad]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.jsonl"), "{err}");
    assert!(
        err.contains("2") && err.contains("/awards/0/value"),
        "{err}"
    );
    // Nothing of the good file was kept.
    let out = env.output(&["procurement", "release", "ocds-abc-2"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("ocds-abc-2"));
    // An empty file (which cannot be mapped into memory) is refused by name.
    let empty = env.write("empty.json", "");
    let out = env.output(&["procurement", "import-ocds", &good, &empty]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("empty.json"), "{err}");
    let out = env.output(&["procurement", "release", "ocds-abc-2"]);
    assert!(!out.status.success());
}

/// The report places each awarded supplier by its postcode (found in its
/// street address where publishers put it) against the local area and
/// region: local ⊆ regional, unknown never outside.
/// A key that `serde_json`'s own value reserves (its private raw-value
/// marker, first in an object: it would read the text inside as the
/// object) is a key like any other, as OCDS's reference merge takes it:
/// the report and `procurement release` read the same award, and one
/// whose marker holds no text no longer stops the import with a panic.
#[test]
fn a_key_serde_json_reserves_is_a_key_like_any_other() {
    let env = Env::lancashire();
    const MARK: &str = "$serde_json::private::RawValue";
    let inner = r#"{"id":"A9","status":"active","value":{"amount":5,"currency":"GBP"}}"#;
    let lines = [
        json!({"ocid": "ocds-raw-1", "id": "1", "date": "2024-01-10T09:00:00Z",
               "awards": [{MARK: inner}]}),
        json!({"ocid": "ocds-raw-2", "id": "1", "date": "2024-01-10T09:00:00Z",
               "awards": [{MARK: 1}]}),
    ]
    .map(|l| l.to_string())
    .join("\n");
    assert!(lines.starts_with(r#"{"awards":[{"$serde_json"#), "{lines}");
    let file = env.write("raw.jsonl", &lines);
    let out = env.stdout(&["procurement", "import-ocds", &file]);
    assert!(out.contains("releases: 2 stored"), "{out}");
    // Read as text: this test's own `serde_json` would take the marker.
    let release = |ocid: &str| {
        let args = ["procurement", "release", ocid, "--format", "json"];
        env.stdout(&args).split_whitespace().collect::<String>()
    };
    let escaped = serde_json::to_string(inner).unwrap();
    assert!(
        release("ocds-raw-1").contains(&format!(r#""awards":[{{"{MARK}":{escaped}}}]"#)),
        "{}",
        release("ocds-raw-1")
    );
    assert!(
        release("ocds-raw-2").contains(&format!(r#""awards":[{{"{MARK}":1}}]"#)),
        "{}",
        release("ocds-raw-2")
    );
    let r = env.json(&[
        "procurement",
        "report",
        "--local",
        "E07000123",
        "--region",
        "E10000017",
    ]);
    assert_eq!(
        (r["processes"].as_u64(), r["awards"].as_u64()),
        (Some(2), Some(0))
    );
    assert_eq!(r["awarded_value"], json!({}));
}

#[test]
fn the_report_places_awards_by_their_suppliers_postcodes() {
    let env = Env::lancashire();
    let release = |id: &str, date: &str, buyer: &str, awards: Value| {
        json!({"ocid": format!("ocds-x-{id}"), "id": id, "date": date,
               "buyer": {"id": buyer, "name": buyer},
               "tender": {"status": "complete"},
               "parties": [
                   {"id": "S-PRE", "name": "Preston Joinery", "address": {"streetAddress": "2 Fishergate, Preston, PR1 2HE"},
                    "details": {"scale": "micro"}},
                   {"id": "S-LAN", "name": "Lancaster Print", "address": {"postalCode": "LA1 1AA"}},
                   {"id": "S-MAN", "name": "Manchester Supplies", "address": {"locality": "Manchester M1 1AA"},
                    "details": {"scale": "large"}},
                   {"id": "S-NONE", "name": "Somewhere Ltd"}
               ],
               "awards": awards})
    };
    let lines = [
        release(
            "1",
            "2024-05-01T00:00:00Z",
            "Preston City Council",
            json!([
            {"id": "A", "status": "active", "value": {"amount": 1000, "currency": "GBP"},
             "suppliers": [{"id": "S-PRE"}, {"id": "S-LAN"}]},
            {"id": "B", "status": "cancelled", "value": {"amount": 5000, "currency": "GBP"},
             "suppliers": [{"id": "S-MAN"}]}]),
        ),
        release(
            "2",
            "2024-06-01T00:00:00Z",
            "Lancashire Police",
            json!([
            {"id": "C", "status": "active", "value": {"amount": 300.5, "currency": "GBP"},
             "suppliers": [{"id": "S-MAN"}]},
            {"id": "D", "status": "active", "value": {"amount": 200, "currency": "GBP"},
             "suppliers": [{"id": "S-NONE"}]}]),
        ),
    ]
    .map(|l| l.to_string())
    .join("\n");
    let file = env.write("contracts.jsonl", &lines);
    env.stdout(&["procurement", "import-ocds", &file]);
    let report = |args: &[&str]| env.stdout(&[&["procurement", "report"], args].concat());
    const PLACES: [&str; 4] = ["--local", "E07000123", "--region", "E10000017"];
    let json =
        |extra: &[&str]| env.json(&[&["procurement", "report"], &PLACES[..], extra].concat());
    let r = json(&[]);
    assert_eq!(
        (
            r["processes"].as_u64(),
            r["releases"].as_u64(),
            r["awards"].as_u64()
        ),
        (Some(2), Some(2), Some(3))
    );
    assert_eq!(r["awarded_value"], json!({"GBP": "1500.50"}));
    assert_eq!(r["awarded_sme"], json!({"GBP": "500.00"}));
    assert_eq!(
        r["by_location"],
        json!({"local": {"GBP": "500.00"}, "regional": {"GBP": "1000.00"},
               "outside": {"GBP": "300.50"}, "unknown": {"GBP": "200.00"}})
    );
    assert_eq!(r["suppliers"], 4);
    assert_eq!(r["open_tenders"], 0);
    assert_eq!(
        column(&r, "by_buyer", "buyer"),
        ["Lancashire Police", "Preston City Council"]
    );
    // One buyer; a date range.
    let preston = json(&["--buyer", "preston city council"]);
    assert_eq!(preston["awarded_value"], json!({"GBP": "1000.00"}));
    let june = json(&["--from", "2024-06-01", "--to", "2024-06-30"]);
    assert_eq!(june["processes"], 1);
    assert_eq!(june["awarded_value"], json!({"GBP": "500.50"}));
    // Without a region, regional is local.
    let r = env.json(&["procurement", "report", "--local", "E07000123"]);
    assert_eq!(r["by_location"]["regional"], json!({"GBP": "500.00"}));
    assert_eq!(r["by_location"]["outside"], json!({"GBP": "800.50"}));
    // The CSV, the table and the workbook carry the same figures.
    let csv = report(&[&PLACES[..], &["--format", "csv"]].concat());
    assert!(csv.starts_with("buyer,currency,processes"), "{csv}");
    assert!(
        csv.contains("(all),GBP,2,2,0,3,1500.50,500.00,500.00,1000.00,300.50,200.00,4"),
        "{csv}"
    );
    let table = report(&PLACES);
    assert!(
        table.contains("Lancashire Police") && table.contains("1500.50"),
        "{table}"
    );
    let xlsx = env.path("r.xlsx");
    report(&[
        "--local",
        "E07000123",
        "--format",
        "xlsx",
        "--output",
        xlsx.to_str().unwrap(),
    ]);
    assert!(std::fs::read(&xlsx).unwrap().starts_with(b"PK"));
}

/// Leaking spend is matched to the local businesses able to supply it:
/// best sector fit first, nearer before further, never outside the region.
#[test]
fn leaking_spend_is_matched_to_local_businesses() {
    let env = Env::preston();
    env.anchor_with_spend(
        "Preston City Council",
        "Date,Supplier,Postcode,SIC,Amount\n\
         03/05/2023,Far Cleaning Ltd,M1 1AA,81210,1000.00\n\
         04/05/2023,Preston IT Ltd,PR1 2HE,62020,400.00\n",
    );
    let firms = env.write(
        "firms.csv",
        "name,postcode,sic,size,consent\n\
         Preston Cleaners,PR1 2HE,81210,micro,yes\n\
         Lancaster Cleaning,LA1 1AA,812,small,no\n\
         Manchester Cleaning,M1 1AA,81210,micro,yes\n",
    );
    env.stdout(&["business", "import", &firms]);
    let o = env.json(&[
        "procurement",
        "opportunities",
        "--anchor",
        "preston city council",
    ]);
    assert_eq!(o["opportunities"].as_array().unwrap().len(), 1, "{o}");
    let op = &o["opportunities"][0];
    assert_eq!(
        (op["anchor"].as_str(), op["sector"].as_str()),
        (Some("Preston City Council"), Some("81210"))
    );
    assert_eq!(op["outside_spend"], "1000.00");
    let names: Vec<(&str, u64, &str)> = op["businesses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["name"].as_str().unwrap(),
                b["fit"].as_u64().unwrap(),
                b["size"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            ("Preston Cleaners", 5, "micro"),
            ("Lancaster Cleaning", 3, "small")
        ]
    );
    assert_eq!(o["redirectable_spend"], "1000.00");
    let table = env.stdout(&["procurement", "opportunities"]);
    assert!(
        table.contains("Preston Cleaners") && table.contains("redirectable spend: 1000.00"),
        "{table}"
    );
    let csv = env.stdout(&["procurement", "opportunities", "--format", "csv"]);
    assert!(
        csv.starts_with("anchor,sector,sector_name,outside_spend,business_id"),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), 3, "{csv}");

    // Another anchor's payments, another import: each anchor's leak is
    // its own (each report reads the stored chunks holding its payments).
    env.anchor_with_spend(
        "Lancashire Police",
        "Date,Supplier,Postcode,SIC,Amount\n\
         05/05/2023,Far Cleaning Ltd,M1 1AA,81210,250.00\n",
    );
    let o = env.json(&["procurement", "opportunities"]);
    let leaks: Vec<(&str, &str)> = (o["opportunities"].as_array().unwrap().iter())
        .map(|op| {
            (
                op["anchor"].as_str().unwrap(),
                op["outside_spend"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        leaks,
        [
            ("Lancashire Police", "250.00"),
            ("Preston City Council", "1000.00")
        ],
        "{o}"
    );
    assert_eq!(o["redirectable_spend"], "1250.00");
}

/// One firm is one supplier across payments and awards: an awarded
/// supplier joins the spend analysis's catalogue by its name and postcode,
/// and by its company number in another process that names it otherwise.
#[test]
fn awarded_suppliers_join_the_spend_catalogue() {
    let env = Env::preston();
    env.anchor_with_spend(
        "Preston City Council",
        "Date,Supplier,Postcode,Amount\n03/05/2023,Preston Joinery Ltd,PR1 2HE,120.00\n",
    );
    let lines = [
        json!({"ocid": "ocds-j-1", "id": "1", "date": "2024-01-01T00:00:00Z",
               "parties": [{"id": "P1", "name": "Preston Joinery Limited",
                            "identifier": {"scheme": "GB-COH", "id": "1234567"},
                            "address": {"streetAddress": "2 Fishergate, Preston PR1 2HE"}}],
               "awards": [{"id": "A", "status": "active", "value": {"amount": 10, "currency": "GBP"},
                           "suppliers": [{"id": "P1", "name": "Preston Joinery Limited"}]}]}),
        json!({"ocid": "ocds-j-2", "id": "1", "date": "2024-02-01T00:00:00Z",
               "parties": [{"id": "X9", "name": "PJ Ltd",
                            "identifier": {"scheme": "GB-COH", "id": "01234567"}}],
               "awards": [{"id": "A", "status": "active", "value": {"amount": 20, "currency": "GBP"},
                           "suppliers": [{"id": "X9", "name": "PJ Ltd"}]}]}),
    ]
    .map(|l| l.to_string())
    .join("\n");
    let file = env.write("joinery.jsonl", &lines);
    env.stdout(&["procurement", "import-ocds", &file]);
    let suppliers = env.sqlite(
        "SELECT DISTINCT a.supplier_id, s.name, coalesce(s.company_number, '')
         FROM ocds_supplier_processes a JOIN suppliers s ON s.id = a.supplier_id",
    );
    assert_eq!(suppliers.len(), 1, "{suppliers:?}");
    assert_eq!(
        suppliers[0][1], "Preston Joinery Ltd",
        "the payments' supplier"
    );
    assert_eq!(suppliers[0][2], "01234567");
    let r = env.json(&["procurement", "report"]);
    assert_eq!(r["suppliers"], 1, "{r}");
    assert_eq!(r["by_location"]["local"], json!({"GBP": "30.00"}), "{r}");
}

/// Open tenders, published or entered by hand, are matched to local
/// businesses by CPV code; notices go to the ones that consented, once,
/// and never after consent is withdrawn.
#[test]
fn open_tenders_are_matched_and_only_consenting_businesses_are_written_to() {
    let env = Env::preston();
    env.add_anchor("Preston City Council");
    let anchor = env.sqlite("SELECT id FROM organisations WHERE kind = 'anchor'")[0][0].clone();
    let firms = |consent: &str| {
        env.write(
            "firms.csv",
            &format!(
                "name,postcode,cpv,sic,size,contact_email,consent\n\
                 Preston Roads,PR1 2HE,45233000,42110,small,roads@example.org,{consent}\n\
                 Lancaster Builders,LA1 1AA,45000000,,micro,build@example.org,no\n\
                 Preston Paving,PR1 3AB,45233142,,micro,,yes\n\
                 Leeds Roads,LS1 1AA,45233142,,micro,leeds@example.org,yes\n\
                 Preston Bakery,PR1 2HE,15810000,10710,micro,bread@example.org,yes\n"
            ),
        )
    };
    env.stdout(&["business", "import", &firms("yes")]);
    let published = env.write(
        "tender.json",
        &json!({"ocid": "ocds-t-1", "id": "1", "date": "2024-01-01T00:00:00Z",
                "buyer": {"name": "Lancashire County Council"},
                "tender": {"id": "T", "title": "Resurfacing", "status": "active",
                           "tenderPeriod": {"endDate": "2027-03-01T12:00:00Z"},
                           "items": [{"id": "1", "classification": {"scheme": "CPV", "id": "45233142-6"}}]}})
        .to_string(),
    );
    env.stdout(&["procurement", "import-ocds", &published]);
    // A bad form is refused naming its fields; nothing is entered.
    Out::from(env.output(&[
        "procurement",
        "tender-add",
        "--anchor",
        &anchor,
        "--title",
        "Cleaning",
        "--cpv",
        "9091",
        "--closes-on",
        "31/03/2027",
    ]))
    .refused(1, "--cpv")
    .stderr_has("--closes-on");
    let added = env.stdout(&[
        "procurement",
        "tender-add",
        "--anchor",
        &anchor,
        "--title",
        "Road markings",
        "--cpv",
        "45233221",
        "--sectors",
        "4211",
        "--value",
        "50000",
        "--currency",
        "GBP",
        "--closes-on",
        "2027-02-01",
    ]);
    assert!(added.starts_with("tender "), "{added}");
    let list = env.json(&["procurement", "tenders", "--open"]);
    let tenders = list["tenders"].as_array().unwrap();
    assert_eq!(tenders.len(), 2, "{list}");
    // By closing date: the hand-entered one first.
    assert_eq!(tenders[0]["title"], "Road markings");
    assert_eq!(tenders[0]["anchor_name"], "Preston City Council");
    let names = |t: &Value| -> Vec<String> {
        t["matches"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        names(&tenders[0]),
        ["Preston Roads", "Preston Paving", "Lancaster Builders"]
    );
    assert_eq!(tenders[1]["ocid"], "ocds-t-1");
    assert_eq!(tenders[1]["cpv"], json!(["45233142"]));
    assert_eq!(
        names(&tenders[1]),
        ["Preston Paving", "Preston Roads", "Lancaster Builders"]
    );

    let id = tenders[0]["id"].to_string();
    let queued = env.stdout(&["procurement", "notify", &id]);
    assert!(
        queued.contains("notices queued: 1; queued before: 0; matched without consent (never written to): 1; consenting without an email address: 1"),
        "{queued}"
    );
    let again = env.stdout(&["procurement", "notify", &id]);
    assert!(
        again.contains("notices queued: 0; queued before: 1"),
        "{again}"
    );
    let outbox = env.json(&["procurement", "outbox"]);
    let notices = outbox["notices"].as_array().unwrap();
    assert_eq!(notices.len(), 1, "{outbox}");
    assert_eq!(notices[0]["email"], "roads@example.org");
    assert_eq!(notices[0]["status"], "queued");
    assert_eq!(notices[0]["language"], "en");
    assert_eq!(
        notices[0]["subject"],
        "Procurement opportunity: Road markings"
    );
    let notice = notices[0]["id"].to_string();

    // Consent withdrawn before the relay sends: withheld, never sent.
    env.stdout(&["business", "import", &firms("no")]);
    let outbox: Value =
        serde_json::from_str(&env.stdout(&["procurement", "outbox", "--unsent"])).unwrap();
    assert_eq!(outbox["notices"], json!([]));
    Out::from(env.output(&["procurement", "outbox", "--mark-sent", &notice]))
        .refused(1, "withheld");
    env.stdout(&["business", "import", &firms("yes")]);
    env.stdout(&["procurement", "outbox", "--mark-sent", &notice]);
    let outbox: Value = serde_json::from_str(&env.stdout(&["procurement", "outbox"])).unwrap();
    assert_eq!(outbox["notices"][0]["status"], "sent");
    Out::from(env.output(&["procurement", "outbox", "--mark-sent", &notice]))
        .refused(1, "sent already");
}

/// `procurement proxies import` keeps the example set once; `evaluate`
/// weighs bids with it (or with a file), and refuses a bad row by file,
/// line and column.
#[test]
fn bids_are_weighed_on_price_quality_and_social_value() {
    let env = Env::new();
    let example = common::repo().join("docs/examples/social-value-proxies.csv");
    let example = example.to_str().unwrap();
    let first = env.stdout(&["procurement", "proxies", "import", example]);
    assert!(first.contains("proxy set 1 in use: 8 measures"), "{first}");
    let again = env.stdout(&["procurement", "proxies", "import", example]);
    assert!(again.contains("nothing changed"), "{again}");
    assert_eq!(env.sqlite("SELECT count(*) FROM sv_proxy_sets")[0][0], "1");

    let bids = env.write(
        "bids.csv",
        "bidder,price,quality\nAlpha Ltd,100000,80\nBeta Co,90000,70\nGamma CIC,120000,90\n",
    );
    let commitments = env.write(
        "commitments.csv",
        "bidder,measure,quantity\nAlpha Ltd,volunteer_hour,100\nAlpha Ltd,carbon_saved,2.5\nGamma CIC,local_hire,0.5\n",
    );
    let e = env.json(&[
        "procurement",
        "evaluate",
        &bids,
        "--commitments",
        &commitments,
    ]);
    // Alpha: 1500 + 250 = 1750 of social value; Gamma 5000, the highest:
    // Gamma 45 + 27 + 10 = 82, Alpha 54 + 24 + 3.5, Beta 60 + 21 + 0.
    assert_eq!(e["winner"], "Gamma CIC", "{e}");
    let alpha = &e["bids"][1];
    assert_eq!(
        (
            &alpha["bidder"],
            &alpha["social_value"],
            &alpha["price_score"],
            &alpha["social_score"],
            &alpha["total"],
            &alpha["rank"]
        ),
        (
            &json!("Alpha Ltd"),
            &json!("1750.00"),
            &json!("54.0000"),
            &json!("3.5000"),
            &json!("81.5000"),
            &json!(2)
        )
    );
    assert_eq!(alpha["social_value_by_outcome"]["environment"], "250.00");
    let totals: Vec<&Value> = e["bids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| &b["total"])
        .collect();
    assert_eq!(
        totals,
        [&json!("82.0000"), &json!("81.5000"), &json!("81.0000")]
    );

    let with_weights = env.stdout(&[
        "procurement",
        "evaluate",
        &bids,
        "--commitments",
        &commitments,
        "--proxies",
        example,
        "--weights",
        "price=80,quality=20",
    ]);
    assert!(with_weights.contains("winner: Beta Co"), "{with_weights}");

    let bad = env.write(
        "bad.csv",
        "bidder,measure,quantity\nAlpha Ltd,volunteer_hour,1\nDelta,local_hire,1\n",
    );
    Out::from(env.output(&["procurement", "evaluate", &bids, "--commitments", &bad]))
        .refused(1, "line 3")
        .stderr_has("bad.csv")
        .stderr_has("bidder");
    Out::from(env.output(&[
        "procurement",
        "evaluate",
        &bids,
        "--weights",
        "price=50,quality=30,social=10",
    ]))
    .refused(1, "add up to 100, not 90");
}

/// Two anchors' spend, the worked example of docs/procurement.md.
fn two_anchors_spending() -> Env {
    let env = Env::preston();
    env.anchor_with_spend(
        "Preston City Council",
        "Date,Supplier,Postcode,SIC,Amount\n\
         03/05/2023,Preston Joinery Ltd,PR1 2HE,43320,1000.00\n\
         04/05/2023,Fishergate Cafe,PR1 2AA,56101,500.00\n\
         05/05/2023,Far Builders Ltd,M1 1AA,43320,2500.00\n",
    );
    env.anchor_with_spend(
        "Preston College",
        "Date,Supplier,Postcode,SIC,Amount\n\
         03/06/2023,Preston Joinery Ltd,PR1 2HE,43320,200.00\n\
         04/06/2023,Avenham Print,PR1 3BB,18129,300.00\n\
         05/06/2023,Far Builders Ltd,M1 1AA,43320,500.00\n",
    );
    env
}

#[test]
fn the_local_multiplier_counts_three_rounds_from_the_survey() {
    let env = two_anchors_spending();
    let survey = env.write(
        "respend.csv",
        "supplier,local_respend_share\nPreston Joinery Ltd,0.5\navenham print,0.2\nFar Builders Ltd,0.9\n",
    );
    let out = Out::from(env.output(&[
        "procurement",
        "lm3",
        "--respend",
        &survey,
        "--format",
        "json",
    ]))
    .code(0)
    .stderr_has("line 4: Far Builders Ltd is not a local supplier, ignored");
    let m = out.json();
    for (key, want) in [
        ("round1", json!("5000.00")),
        ("round2", json!("2000.00")),
        ("round3", json!("880.00")),
        ("lm3", json!("1.5760")),
        ("coverage", json!("0.750000")),
        ("surveyed_suppliers", json!(2)),
        ("local_suppliers", json!(3)),
    ] {
        assert_eq!(m[key], want, "{key}: {m}");
    }
    assert_eq!(m["by_anchor"][0]["anchor"], "Preston City Council");
    assert_eq!(m["by_anchor"][0]["lm3"], "1.5550");
    assert!(m["method"].as_str().unwrap().contains("0.440000"), "{m}");
    // The group's first round is the spend report's total.
    let report = env.json(&["spend", "report"]);
    assert_eq!(report["total"], m["round1"]);
    let one = env.json(&[
        "procurement",
        "lm3",
        "--respend",
        &survey,
        "--anchor",
        "Preston College",
    ]);
    assert_eq!(
        (&one["round1"], &one["lm3"]),
        (&json!("1000.00"), &json!("1.6600")),
        "{one}"
    );

    let unknown = env.write(
        "unknown.csv",
        "supplier,local_respend_share\nPreston Joinery Ltd,0.5\nNobody Ltd,0.3\n",
    );
    Out::from(env.output(&["procurement", "lm3", "--respend", &unknown]))
        .refused(1, "line 3, column supplier: no supplier \"Nobody Ltd\"");
    let share = env.write(
        "share.csv",
        "supplier,local_respend_share\nPreston Joinery Ltd,1.5\n",
    );
    Out::from(env.output(&["procurement", "lm3", "--respend", &share]))
        .refused(1, "line 2, column local_respend_share");
}

#[test]
fn a_what_if_scenario_keeps_a_share_of_a_sector_local() {
    let env = two_anchors_spending();
    let survey = env.write(
        "respend.csv",
        "supplier,local_respend_share\nPreston Joinery Ltd,0.5\nAvenham Print,0.2\n",
    );
    let w = env.json(&[
        "spend",
        "whatif",
        "--shift",
        "43320=20%",
        "--target-local-share",
        "0.6",
        "--respend",
        &survey,
    ]);
    assert_eq!(w["shifts"][0]["outside_before"], "3000.00", "{w}");
    assert_eq!(w["kept"], "600.00");
    assert_eq!(
        (&w["before"]["local_share"], &w["after"]["local_share"]),
        (&json!("0.400000"), &json!("0.520000"))
    );
    assert_eq!(
        (&w["before"]["lm3"], &w["after"]["lm3"], &w["lm3_change"]),
        (&json!("1.5760"), &json!("1.7488"), &json!("0.1728"))
    );
    assert_eq!(
        (&w["progress"]["gap_before"], &w["progress"]["gap_after"]),
        (&json!("1000.00"), &json!("400.00"))
    );
    assert_eq!(w["progress"]["reached"], false);
    // Shifting nothing changes nothing; the target may come from the settings.
    env.stdout(&["spend", "settings", "--target-local-share", "0.4"]);
    let none = env.json(&["spend", "whatif", "--shift", "43320=0"]);
    assert_eq!(none["before"], none["after"]);
    assert_eq!(none["progress"]["reached"], true, "{none}");
    Out::from(env.output(&["spend", "whatif", "--shift", "99999=0.1"]))
        .refused(1, "no spend in sector 99999");
    Out::from(env.output(&["spend", "whatif", "--shift", "43320=2"]))
        .refused(1, "--shift: \"43320=2\" is not a shift");
}

/// Writes `csv` to `name` and runs `procurement assess` on it for `round`.
fn assess(env: &Env, name: &str, csv: &str, round: &str) -> Out {
    let file = env.write(name, csv);
    Out::from(env.output(&["procurement", "assess", &file, "--round", round]))
}

#[test]
fn suppliers_are_assessed_in_rounds_and_the_dashboard_shows_the_change() {
    let env = two_anchors_spending();
    let first = "supplier,outcome,score,evidence\nPreston Joinery Ltd,employment,2,\nFar Builders Ltd,employment,1,\nAvenham Print,environment,3,FSC paper\n";
    assess(&env, "2025.csv", first, "2025")
        .code(0)
        .stdout_has("round 2025: 3 scores kept, 0 held already");
    // The same file again changes nothing.
    assess(&env, "2025.csv", first, "2025")
        .code(0)
        .stdout_has("round 2025: 0 scores kept, 3 held already");
    // A bad file is refused whole, naming line and column.
    let bad = "supplier,outcome,score\nPreston Joinery Ltd,employment,4\nNobody Ltd,equity,2\nAvenham Print,joy,9\n";
    assess(&env, "bad.csv", bad, "2026")
        .code(1)
        .stderr_has("line 4, column outcome")
        .stderr_has("line 4, column score");
    let unknown = "supplier,outcome,score\nPreston Joinery Ltd,employment,4\nNobody Ltd,equity,2\n";
    assess(&env, "unknown.csv", unknown, "2026")
        .code(1)
        .stderr_has("line 3, column supplier: no supplier \"Nobody Ltd\"");
    let second =
        "pemasok,hasil,skor\npreston joinery ltd,employment,4\nFar Builders Ltd,employment,2\n";
    assess(&env, "2026.csv", second, "2026").code(0);
    let d = env.json(&["procurement", "assessments"]);
    assert_eq!(d["round"], "2026");
    assert_eq!(d["previous"], "2025");
    let employment = &d["by_outcome"][0];
    assert_eq!(
        (
            &employment["mean"],
            &employment["previous_mean"],
            &employment["change"]
        ),
        (&json!("3.00"), &json!("1.50"), &json!("+1.50"))
    );
    // The council paid Joinery 1,000 and Far Builders 2,500:
    // (4 × 1,000 + 2 × 2,500) ÷ 3,500 = 2.57, weighted by spend.
    let council = item(&d, "by_anchor", "name", "Preston City Council");
    assert_eq!(council["means"]["employment"], "2.57");
    // The largest move first.
    assert_eq!(d["changes"][0]["name"], "Preston Joinery Ltd");
    assert_eq!(
        (&d["changes"][0]["from"], &d["changes"][0]["to"]),
        (&json!(2), &json!(4))
    );
    let earlier = Out::from(env.output(&["procurement", "assessments", "--round", "2025"])).code(0);
    earlier.stdout_has("round 2025 (3 suppliers)");
}
