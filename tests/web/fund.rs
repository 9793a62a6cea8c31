//! The revolving fund's books through the web app: a KSM formed, its
//! members and savings, an application entered by the UPK and approved by
//! the BKM (never by its maker), disbursed, repaid once however often the
//! form is sent, receipted, reversed; every page in both languages; scope.

use crate::support::{
    assert_has_all, borrowed, column, in_org, last_segment, location, posted, signed_in, spawn_app,
    TestApp, Visitor,
};
use jiff::ToSpan;
use lumbung_domain::{OrgKind, Role};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// A KSM of five members (two women) that saved in each of the three months
/// before this one, with its joint liability and a UPK holding capital.
pub(crate) async fn group(app: &TestApp, upk: &Visitor) -> i64 {
    let to = posted(
        upk,
        &format!("/fund/upk/{}/ksm", app.upk),
        &[("name", "KSM Mawar")],
    )
    .await;
    let ksm: i64 = last_segment(&to).parse().unwrap();
    for (name, sex) in [
        ("Siti", "f"),
        ("Aminah", "f"),
        ("Budi", "m"),
        ("Joko", "m"),
        ("Rudi", "m"),
    ] {
        posted(
            upk,
            &format!("/fund/ksm/{ksm}/members"),
            &[("name", name), ("sex", sex), ("joined_on", "2024-01-01")],
        )
        .await;
    }
    posted(
        upk,
        &format!("/fund/ksm/{ksm}/joint-liability"),
        &[("reference", "No. 7/2024"), ("date", "2024-01-02")],
    )
    .await;
    let first = jiff::Zoned::now().date().first_of_month();
    for k in 1..=3 {
        let on = first.checked_sub(k.months()).unwrap().to_string();
        posted(
            upk,
            &format!("/fund/ksm/{ksm}/savings"),
            &[
                ("amount", "25.000"),
                ("date", &on),
                ("key", &format!("s{k}")),
                ("direction", "deposit"),
            ],
        )
        .await;
    }
    posted(
        upk,
        &format!("/fund/upk/{}/post", app.upk),
        &[
            ("kind", "capital"),
            ("amount", "10000000"),
            ("date", "2024-01-01"),
            ("key", "blm-1"),
            ("memo", "BLM"),
        ],
    )
    .await;
    ksm
}

/// [`group`] applies for 100,000 for each of its five members: the KSM.
pub(crate) async fn group_applies(app: &TestApp, upk: &Visitor) -> i64 {
    let ksm = group(app, upk).await;
    let page = upk.page(&format!("/fund/ksm/{ksm}"), StatusCode::OK).await;
    let fields = application(&member_ids(&page));
    posted(upk, &format!("/fund/ksm/{ksm}/apply"), &borrowed(&fields)).await;
    ksm
}

/// Imports the books of one loan: KSM Melati's L-1 of 600,000 from the
/// seed's UPK, disbursed on 10 January 2024 over six months.
pub(crate) fn import_one_loan(app: &TestApp) {
    let on = jiff::civil::date(2024, 1, 10);
    import_loans(app, vec![loan_record("KSM Melati", "L-1", on, 600_000)]);
}

/// A monthly loan of the seed's UPK over six months, at a flat 1.5 %.
pub(crate) fn loan_record(
    ksm: &str,
    loan_id: &str,
    disbursed_on: jiff::civil::Date,
    principal: i64,
) -> lumbung_store::LoanRecord {
    lumbung_store::LoanRecord {
        line: 2,
        upk: "UPK Umbul Sejahtera".into(),
        ksm: ksm.into(),
        loan_id: loan_id.into(),
        terms: lumbung_fund::books_file::LoanTerms {
            disbursed_on,
            principal: lumbung_fund::loan::Rupiah(principal),
            term_months: 6,
            fee_rate: lumbung_fund::loan::FeeRate::parse("0.015").unwrap(),
            schedule: lumbung_fund::loan::ScheduleKind::Flat,
            frequency: lumbung_fund::loan::Frequency::Monthly,
        },
    }
}

/// Imports the books of `loans` (without repayments), as the command line.
pub(crate) fn import_loans(app: &TestApp, loans: Vec<lumbung_store::LoanRecord>) {
    let cli = lumbung_store::Actor::cli();
    let files = ("l.csv", "r.csv");
    app.store
        .import_fund(files, loans, &mut vec![], vec![], &cli)
        .unwrap();
}

/// Applies for a loan with `fields`, has the BKM decide with `approval`
/// and disburses it: the loan's id.
pub(crate) async fn lend(
    upk: &Visitor,
    bkm: &Visitor,
    ksm: i64,
    fields: &[(&str, &str)],
    approval: &[(&str, &str)],
) -> String {
    posted(upk, &format!("/fund/ksm/{ksm}/apply"), fields).await;
    let apps: Value = upk.json("/api/v1/fund/applications").await;
    let id = apps["applications"][0]["id"].as_i64().unwrap();
    posted(bkm, &format!("/fund/applications/{id}/decide"), approval).await;
    let to = posted(upk, &format!("/fund/applications/{id}/disburse"), &[]).await;
    last_segment(&to).to_owned()
}

/// The application form: 100,000 for each member, over five months.
pub(crate) fn application(members: &[String]) -> Vec<(String, String)> {
    let amounts = members
        .iter()
        .map(|m| (format!("amount_{m}"), "100000".to_owned()));
    let term = ("term_months".to_owned(), "5".to_owned());
    amounts.chain([term]).collect()
}

pub(crate) fn member_ids(ksm_page: &str) -> Vec<String> {
    ksm_page
        .match_indices("name=\"amount_")
        .map(|(i, _)| {
            ksm_page[i + 13..]
                .chars()
                .take_while(|c| c.is_ascii_digit())
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn a_loan_is_entered_by_the_upk_approved_by_the_bkm_repaid_and_receipted() {
    let (app, [upk, bkm]) = signed_in(["upk", "bkm"]).await;
    let ksm = group(&app, &upk).await;
    let (_, page) = upk.get_html(&format!("/fund/ksm/{ksm}")).await;
    let members = member_ids(&page);
    assert_eq!(members.len(), 5);
    let fields = application(&members);
    let fields = borrowed(&fields);
    // A member above the first-loan limit: refused with the rule named.
    let mut greedy = fields.clone();
    greedy[0].1 = "600000";
    let answer = upk
        .post_form_expect(
            &format!("/fund/ksm/{ksm}/apply"),
            &greedy,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    // Shown again on the KSM's page: the rule in the visitor's language
    // beside the form, and what was typed kept.
    assert!(answer.contains("di atas Rp 500000"), "{answer}");
    assert!(answer.contains("id=\"apply-errors\"") && answer.contains("role=\"alert\""));
    assert!(
        answer.contains("value=\"600000\""),
        "the typed amount is kept"
    );
    assert!(answer.contains("action=\"/logout\""), "still signed in");
    // The form as shown carries its key: sent twice (a second click), it
    // records one application; the KSM's page confirms it and lists it.
    let mut once = fields.clone();
    once.push(("key", "form-apply-1"));
    let to = posted(&upk, &format!("/fund/ksm/{ksm}/apply"), &once).await;
    let again = posted(&upk, &format!("/fund/ksm/{ksm}/apply"), &once).await;
    assert_eq!(to, again, "the same application");
    let apps: Value = upk.json("/api/v1/fund/applications").await;
    assert_eq!(apps["applications"].as_array().unwrap().len(), 1, "{apps}");
    let id = apps["applications"][0]["id"].as_i64().unwrap();
    assert_eq!(apps["applications"][0]["status"], "pending");
    let (_, page) = upk.get_html(&to).await;
    assert!(
        page.contains("role=\"status\"") && page.contains("menunggu persetujuan BKM"),
        "a confirmation: {page}"
    );
    assert!(
        page.contains(&format!("id=\"application-{id}\"")),
        "listed on the KSM page"
    );
    assert!(page.contains("name=\"key\""), "the form carries a key");
    // The maker's role cannot approve; the BKM can, and then the UPK disburses.
    let decide = format!("/fund/applications/{id}/decide");
    upk.post_form_expect(&decide, &[("decision", "approve")], StatusCode::FORBIDDEN)
        .await;
    // Not approved yet
    upk.post_form_expect(
        &format!("/fund/applications/{id}/disburse"),
        &[],
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    // On the UPK's page approving asks first: the button that sends it
    // sits behind a confirmation.
    let upk_page = format!("/fund/upk/{}", app.upk);
    let (_, page) = bkm.get_html(&upk_page).await;
    let confirm = page
        .find("<details class=\"confirm\"><summary>Setujui</summary>")
        .expect("approving asks for confirmation");
    assert!(page[confirm..].contains("value=\"approve\">Ya: Setujui</button></details>"));
    let approval = [("decision", "approve"), ("note", "rapat BKM 3")];
    posted(&bkm, &decide, &approval).await;
    let to = posted(&upk, &format!("/fund/applications/{id}/disburse"), &[]).await;
    let loan = last_segment(&to).to_owned();
    // 100,000 principal + 7,500 fee a month; the form sent twice posts once.
    let pay = [("amount", "107.500"), ("key", "form-1")];
    let receipt = posted(&upk, &format!("/fund/loans/{loan}/repay"), &pay).await;
    assert!(receipt.starts_with("/fund/receipts/"), "{receipt}");
    let again = posted(&upk, &format!("/fund/loans/{loan}/repay"), &pay).await;
    assert_eq!(again, format!("/fund/loans/{loan}"));
    let ledger: Value = upk.json(&format!("/api/v1/fund/loans/{loan}")).await;
    assert_eq!(ledger["repayments"].as_array().unwrap().len(), 1);
    assert_eq!(ledger["repayments"][0]["principal"], 100_000);
    assert_eq!(ledger["repayments"][0]["fee"], 7_500);
    let (_, kuitansi) = upk.get_html(&receipt).await;
    assert!(
        kuitansi.contains("seratus tujuh ribu lima ratus rupiah"),
        "terbilang"
    );
    assert!(kuitansi.contains("KSM Mawar"));
    // The API posts with its own key, once.
    let body =
        json!({"paid_on": jiff::Zoned::now().date().to_string(), "amount": 50_000, "key": "KW-2"});
    for posted_now in [true, false] {
        let r = api_repay(&upk, &loan, &body).await;
        assert_eq!(r["posted"], posted_now);
    }
    // Money is recorded on the day it moves: a date ahead of today
    // anywhere is refused, by the API and by the form.
    let ahead = jiff::Zoned::now()
        .date()
        .checked_add(jiff::ToSpan::days(3))
        .unwrap()
        .to_string();
    let res = upk
        .send_json(
            reqwest::Method::POST,
            &format!("/api/v1/fund/loans/{loan}/repayments"),
            json!({"paid_on": ahead, "amount": 50_000, "key": "KW-3"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let refusal = res.text().await.unwrap();
    assert!(
        refusal.contains("paid_on") && refusal.contains(&ahead),
        "{refusal}"
    );
    let res = upk
        .post_form(
            &format!("/fund/loans/{loan}/repay"),
            &[("amount", "50.000"), ("key", "form-2"), ("date", &ahead)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("belum tiba"));
    // A reversal, never an edit: the row stays, marked, and the books follow.
    let first = ledger["repayments"][0]["id"].as_i64().unwrap();
    posted(
        &upk,
        &format!("/fund/repayments/{first}/reverse"),
        &[("reason", "salah ketik")],
    )
    .await;
    let ledger: Value = upk.json(&format!("/api/v1/fund/loans/{loan}")).await;
    assert_eq!(ledger["repayments"][0]["reversed"], "salah ketik");
    assert_eq!(
        ledger["standing"]["outstanding"],
        500_000 - 50_000 + 7_500,
        "the 50,000 now pays the fee first"
    );
    let s: Value = upk
        .json(&format!("/api/v1/fund/upk/{}/statements", app.upk))
        .await;
    assert_eq!(
        s["balance_sheet"]["total_assets"],
        s["balance_sheet"]["total_liabilities_and_equity"]
    );
    assert_eq!(s["balance_sheet"]["savings_held"], 75_000);
    assert!(app
        .store
        .fund_journal_chains()
        .map(|j| lumbung_fund::journal::verify_journal(&j).is_ok())
        .unwrap());

    // Every page of the books, in both languages.
    let pages = [
        format!("/fund/upk/{}", app.upk),
        format!("/fund/upk/{}/settings", app.upk),
        format!("/fund/upk/{}/statements", app.upk),
        format!("/fund/ksm/{ksm}"),
        format!("/fund/ksm/{ksm}/collection"),
        format!("/fund/loans/{loan}"),
        receipt.clone(),
        "/fund".to_owned(),
    ];
    for lang in ["en", "id"] {
        upk.get(&format!("/lang/{lang}")).await;
        for p in &pages {
            let (status, html) = upk.get_html(p).await;
            assert_eq!(status, StatusCode::OK, "{p} in {lang}");
            assert!(
                html.contains(&format!("<html lang=\"{lang}\">")),
                "{p} in {lang}"
            );
        }
    }
    upk.get("/lang/en").await;
    let (_, en_receipt) = upk.get_html(&receipt).await;
    assert!(en_receipt.contains("one hundred seven thousand five hundred rupiah"));
}

#[tokio::test]
async fn settings_scope_and_the_public_stay_in_their_place() {
    let (app, [upk]) = signed_in(["upk"]).await;
    // A setting changes the rules; a contradiction is refused, naming it.
    let settings = format!("/fund/upk/{}/settings", app.upk);
    // The form's fields but the ones that differ below.
    let form = |arrears: &'static str, classes: &'static str, reserve: &'static str| {
        vec![
            ("arrears_threshold", arrears),
            ("further_classes", classes),
            ("min_members", "5"),
            ("women_target_percent", "30"),
            ("savings_months", "3"),
            ("first_loan_limit", "500000"),
            ("loan_limit", "2000000"),
            ("loans_before_bank", "4"),
            ("term_min", "3"),
            ("term_max", "12"),
            ("fee_rate", "0.015"),
            ("reserve_rates", reserve),
            ("schedule", "flat"),
        ]
    };
    let mut weekly = form("2", "4, 6", "0.01, 0.1, 0.5, 1");
    weekly.push(("frequency", "weekly"));
    posted(&upk, &settings, &weekly).await;
    let saved = app
        .store
        .fund_settings(lumbung_domain::UpkId::new(app.upk))
        .unwrap();
    assert_eq!(saved.further_classes, vec![4, 6]);
    assert_eq!(saved.frequency, lumbung_fund::loan::Frequency::Weekly);
    let page = upk.text(&format!("/fund/upk/{}/settings", app.upk)).await;
    assert!(
        page.contains(r#"<option value="weekly" selected>mingguan</option>"#),
        "the page shows the frequency chosen"
    );
    let answer = upk
        .post_form_expect(
            &settings,
            &form("3", "2", "0.01"),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert!(answer.contains("further_classes"));
    // Beside the form: why, and what was typed, the field marked.
    assert_has_all(
        &answer,
        &[
            "id=\"settings-errors\"",
            "name=\"further_classes\" value=\"2\" aria-invalid=\"true\"",
            "name=\"arrears_threshold\" value=\"3\"",
        ],
    );
    // The BKM's scoped user sees its UPK; a UPK elsewhere does not exist for it.
    let other = app.add_org("UPK Lain", lumbung_domain::OrgKind::Upk, "E07000123");
    let scoped = app.login("bkm-user").await;
    assert_eq!(
        scoped.status(&format!("/fund/upk/{}", app.upk)).await,
        StatusCode::OK
    );
    assert_eq!(
        scoped.status(&format!("/fund/upk/{other}")).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        scoped
            .post_form(&format!("/fund/upk/{}/ksm", app.upk), &[("name", "X")])
            .await
            .status(),
        StatusCode::FORBIDDEN,
        "the BKM reads the books; the UPK writes them"
    );
    let anon = app.anonymous();
    let res = anon.get(&format!("/fund/upk/{}", app.upk)).await;
    assert!(location(&res).starts_with("/login"));
    assert_eq!(
        anon.status(&format!("/api/v1/fund/upk/{}", app.upk)).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login("analyst")
            .await
            .status(&format!("/fund/upk/{}", app.upk))
            .await,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_oversight_lists_upks_needing_attention_first_and_rolls_up_per_area() {
    let (app, [facilitator]) = signed_in(["facilitator"]).await;
    import_one_loan(&app);
    let r: Value = facilitator
        .json("/api/v1/fund/report?as_of=2024-05-20&trend=3")
        .await;
    assert_eq!(r["attention"][0]["upk"], "UPK Umbul Sejahtera");
    assert_eq!(r["attention"][0]["inadequate"], json!(["par", "rr", "lar"]));
    let areas = column(&r, "by_area", "code");
    assert!(
        areas.contains(&"3604"),
        "rolled up into the kabupaten: {areas:?}"
    );
    assert!(r["by_area"]
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a["outstanding"] == 600_000));
    let trend = r["trend"].as_array().unwrap();
    assert_eq!(trend.len(), 3);
    assert_eq!(trend[0]["as_of"], "2024-03-31");
    assert_eq!(trend[2]["as_of"], "2024-05-20");
    let html = facilitator
        .page("/fund?as_of=2024-05-20", StatusCode::OK)
        .await;
    let attention = html.find("UPK Umbul Sejahtera").unwrap();
    assert!(
        attention < html.find("<th>PAR</th>").unwrap(),
        "attention first"
    );
}

#[tokio::test]
async fn members_are_picked_from_the_ps2_list_and_others_are_flagged() {
    use crate::community::{sample_areas, upload, HOUSEHOLDS, ROSTER};
    let (app, [field]) = signed_in(["facilitator-kel"]).await;
    sample_areas(&app);
    let res = upload(&field, "3604010001", HOUSEHOLDS, ROSTER).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let upk = app.login("upk").await;
    let to = posted(
        &upk,
        &format!("/fund/upk/{}/ksm", app.upk),
        &[("name", "KSM Dahlia")],
    )
    .await;
    let ksm: i64 = last_segment(&to).parse().unwrap();
    // The list is searched, not shown whole: without a search, no name.
    let (_, page) = upk.get_html(&format!("/fund/ksm/{ksm}")).await;
    assert!(page.contains("name=\"ps2\""), "the PS-2 search shows");
    assert!(!page.contains("name=\"from_ps2\""), "no list unsearched");
    let (_, page) = upk
        .get_html(&format!("/fund/ksm/{ksm}?ps2=nobody-by-this-name"))
        .await;
    assert!(!page.contains("name=\"from_ps2\""), "nothing found");
    // Every RT of the kelurahan holds its code.
    let (_, page) = upk
        .get_html(&format!("/fund/ksm/{ksm}?ps2=3604010001"))
        .await;
    let i = page
        .find("name=\"from_ps2\"")
        .expect("the PS-2 picker shows what the search finds");
    let value: String = page[i..]
        .split("value=\"")
        .nth(1)
        .unwrap()
        .chars()
        .take_while(|c| *c != '"')
        .collect();
    posted(
        &upk,
        &format!("/fund/ksm/{ksm}/members"),
        &[("from_ps2", value.as_str())],
    )
    .await;
    posted(
        &upk,
        &format!("/fund/ksm/{ksm}/members"),
        &[("name", "Tamu"), ("sex", "m")],
    )
    .await;
    // Picked again (a second submit, or a form kept open): refused, in
    // the visitor's language, and the member is in the KSM once.
    let again = [("from_ps2", value.as_str()), ("ps2", "3604010001")];
    let members = format!("/fund/ksm/{ksm}/members");
    let page = (upk.post_form_expect(&members, &again, StatusCode::UNPROCESSABLE_ENTITY)).await;
    assert!(
        page.contains("sudah tercatat sebagai anggota KSM ini"),
        "the refusal says why"
    );
    let ksm = lumbung_domain::KsmId::new(ksm);
    let view = app.store.ksm(ksm).unwrap().unwrap();
    assert_eq!(
        (view.members.iter())
            .filter(|m| m.household.as_deref() == value.split('|').next())
            .count(),
        1,
        "picked once"
    );
    let picked = view.members.iter().find(|m| m.household.is_some()).unwrap();
    assert_eq!(
        Some(picked.household.as_deref().unwrap()),
        value.split('|').next()
    );
    let j = app
        .store
        .judge_application(
            ksm,
            jiff::Zoned::now().date(),
            &[(picked.id, lumbung_fund::loan::Rupiah(100_000))],
            6,
        )
        .unwrap();
    let off: Vec<_> = j
        .warnings
        .iter()
        .filter(|w| w.code == "not_on_ps2")
        .collect();
    assert_eq!(off.len(), 1);
    assert!(off[0].detail.contains("Tamu") && !off[0].detail.contains(&picked.name));
    // A refused pick shows its search's list again.
    let refused = [("from_ps2", "no-such-household|0"), ("ps2", "3604010001")];
    let members = format!("/fund/ksm/{ksm}/members");
    let page = (upk.post_form_expect(&members, &refused, StatusCode::UNPROCESSABLE_ENTITY)).await;
    assert!(page.contains("name=\"from_ps2\"") && page.contains("value=\"3604010001\""));
    // A pick on a day that is none keeps the day typed, beside its error.
    let no_day = [
        ("from_ps2", value.as_str()),
        ("joined_on", "2024-02-30"),
        ("ps2", "3604010001"),
    ];
    let page = (upk.post_form_expect(&members, &no_day, StatusCode::UNPROCESSABLE_ENTITY)).await;
    assert!(page.contains("value=\"2024-02-30\" aria-invalid"), "{page}");

    // Regression: a cashier scoped to one RW read the whole kelurahan's
    // PS-2 list (names, households) on its KSM's page, and could copy any
    // of them into its books. The list is the kelurahan's: it shows only
    // to those whose scope covers the kelurahan.
    let rw = "3604010001.03";
    let in_rw = app
        .store
        .create_org(
            &crate::support::org("KSM Anggrek", OrgKind::Ksm, rw, Some(app.upk)),
            &lumbung_store::Actor::cli(),
        )
        .unwrap()
        .id;
    app.add_user("upk-rw", Role::Upk, crate::support::in_area(rw));
    let cashier = app.login("upk-rw").await;
    // A search that finds every RT of the kelurahan in its scope finds
    // nobody outside.
    let (_, page) = cashier
        .get_html(&format!("/fund/ksm/{in_rw}?ps2=3604010001"))
        .await;
    assert!(!page.contains("name=\"from_ps2\""), "no PS-2 picker");
    assert!(!page.contains("name=\"ps2\""), "no PS-2 search");
    assert!(!page.contains(&picked.name), "no household of the list");
    cashier
        .post_form_expect(
            &format!("/fund/ksm/{in_rw}/members"),
            &[("from_ps2", value.as_str())],
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
}

/// Review of issue 10: one cashier rescheduled a loan to 9999-12-01, and
/// from then on every load of the books panicked — the city's oversight
/// and the public health page answered 500 for good. Dates outside the
/// books' days are refused where they are typed.
#[tokio::test]
async fn a_date_beyond_the_books_is_refused_and_the_reports_stay_up() {
    let (app, [upk, bkm]) = signed_in(["upk", "bkm"]).await;
    let ksm = group(&app, &upk).await;
    let (_, page) = upk.get_html(&format!("/fund/ksm/{ksm}")).await;
    let fields = application(&member_ids(&page));
    let fields = borrowed(&fields);
    let mut far = fields.clone();
    far.push(("applied_on", "9999-12-01"));
    upk.post_form_expect(
        &format!("/fund/ksm/{ksm}/apply"),
        &far,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let approval = [("decision", "approve"), ("note", "rapat BKM")];
    let loan = lend(&upk, &bkm, ksm, &fields, &approval).await;
    for (path, fields) in [
        (
            format!("/fund/loans/{loan}/reschedule"),
            vec![
                ("date", "9999-12-01"),
                ("term_months", "6"),
                ("reason", "x"),
            ],
        ),
        (
            format!("/fund/loans/{loan}/repay"),
            vec![("date", "9999-12-01"), ("amount", "1000"), ("key", "far-1")],
        ),
    ] {
        let body = upk
            .post_form_expect(&path, &fields, StatusCode::UNPROCESSABLE_ENTITY)
            .await;
        assert!(body.contains("2199-12-31"), "{path}");
    }
    let res = upk.get("/fund?as_of=-009999-01-01&trend=2").await;
    assert!(res.status().is_client_error(), "{}", res.status());
    for path in ["/fund/health", "/api/v1/fund/health", "/fund"] {
        let res = upk.get(path).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
    }
}

/// Every form of a KSM's page that is refused comes back beside itself:
/// the reason in the visitor's language, what was typed kept, still
/// signed in — a member without a name, savings of "lots", a withdrawal
/// beyond what the group saved, an agreement without a reference.
#[tokio::test]
async fn each_ksm_form_refused_shows_why_beside_what_was_typed() {
    let (app, [upk]) = signed_in(["upk"]).await;
    let ksm = group(&app, &upk).await;
    let base = format!("/fund/ksm/{ksm}");
    let member = upk
        .post_form_expect(
            &format!("{base}/members"),
            &[
                ("name", " "),
                ("sex", "x"),
                ("nik", "3604"),
                ("joined_on", "2024-02-30"),
            ],
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert!(member.contains("id=\"member-errors\""), "{member}");
    assert!(member.contains("value=\"3604\" aria-invalid") || member.contains("value=\"3604\""));
    assert!(member.contains("action=\"/logout\""), "still signed in");

    let savings = upk
        .post_form_expect(
            &format!("{base}/savings"),
            &[
                ("amount", "lots"),
                ("date", ""),
                ("key", "s-bad"),
                ("direction", "deposit"),
            ],
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_has_all(
        &savings,
        &[
            "id=\"savings-errors\"",
            "value=\"lots\" aria-invalid=\"true\"",
        ],
    );
    // The group saved 75,000: taking out a million is refused, kept.
    let more = upk
        .post_form_expect(
            &format!("{base}/savings"),
            &[
                ("amount", "1000000"),
                ("key", "s-more"),
                ("direction", "withdrawal"),
            ],
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_has_all(
        &more,
        &[
            "id=\"savings-errors\"",
            "value=\"withdrawal\" selected",
            "value=\"1000000\"",
        ],
    );

    let agreement = upk
        .post_form_expect(
            &format!("{base}/joint-liability"),
            &[("reference", ""), ("date", "2024-03-01")],
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_has_all(
        &agreement,
        &[
            "id=\"agreement-errors\"",
            "sebutkan perjanjian",
            "value=\"2024-03-01\"",
        ],
    );
}

/// The cashier's main action on a loan's page, taking a repayment, comes
/// before the schedule and the ledger (first on a phone's narrow screen);
/// those who only read the books get no form.
#[tokio::test]
async fn a_loans_repayment_form_comes_first() {
    let (app, [upk, auditor]) = signed_in(["upk", "auditor"]).await;
    import_one_loan(&app);
    let html = upk.page("/fund/loans/L-1", StatusCode::OK).await;
    let form = html
        .find("action=\"/fund/loans/L-1/repay\"")
        .expect("a repayment form");
    let schedule = html.find("<table").expect("the schedule");
    assert!(form < schedule, "{html}");
    let html = auditor.page("/fund/loans/L-1", StatusCode::OK).await;
    assert!(!html.contains("/repay\""), "{html}");
}

/// Posts a repayment of `loan` through the API: its answer.
async fn api_repay(upk: &Visitor, loan: &str, body: &Value) -> Value {
    upk.send_json(
        reqwest::Method::POST,
        &format!("/api/v1/fund/loans/{loan}/repayments"),
        body.clone(),
    )
    .await
    .json()
    .await
    .unwrap()
}

/// Regression: an API repayment's key was one for the whole system, so a
/// UPK numbering its receipts as another did (`KW-1`) had its repayment
/// dropped as "posted already" — or another UPK could drop it on purpose.
/// A key now holds for its loan only.
#[tokio::test]
async fn two_upks_using_the_same_receipt_number_both_post() {
    let app = spawn_app().await;
    let other = app.add_org("UPK Tetangga", OrgKind::Upk, "3604010002");
    let on = jiff::civil::date(2024, 1, 10);
    let mut theirs = loan_record("KSM Kenanga", "T-1", on, 600_000);
    theirs.upk = "UPK Tetangga".into();
    import_loans(
        &app,
        vec![loan_record("KSM Melati", "L-1", on, 600_000), theirs],
    );
    app.add_user("upk-tetangga", Role::Upk, in_org(other));
    let ours = app.login("upk").await;
    let neighbour = app.login("upk-tetangga").await;
    let body = json!({"paid_on": "2024-02-10", "amount": 100_000, "key": "KW-1"});
    for (upk, loan) in [(&neighbour, "T-1"), (&ours, "L-1")] {
        let r = api_repay(upk, loan, &body).await;
        assert_eq!(r["posted"], true, "{loan}: {r}");
        let ledger: Value = upk.json(&format!("/api/v1/fund/loans/{loan}")).await;
        assert_eq!(ledger["repayments"].as_array().unwrap().len(), 1, "{loan}");
    }
}

/// The applications listed are those of the UPKs in the viewer's scope,
/// read as such (not the city's, filtered).
#[tokio::test]
async fn applications_are_listed_within_the_viewers_scope() {
    let (app, [upk]) = signed_in(["upk"]).await;
    group_applies(&app, &upk).await;
    let ours: Value = upk.json("/api/v1/fund/applications").await;
    assert_eq!(ours["applications"].as_array().unwrap().len(), 1);
    let other = app.add_org("UPK Tetangga", OrgKind::Upk, "3604010002");
    app.add_user("upk-tetangga", Role::Upk, in_org(other));
    let neighbour = app.login("upk-tetangga").await;
    let theirs: Value = neighbour.json("/api/v1/fund/applications").await;
    assert_eq!(theirs["applications"], serde_json::json!([]), "{theirs}");
}
