//! Journeys: what each role does through the forms, as its people do it,
//! each page checked like the crawl's and with axe-core. Every journey runs
//! twice on one demo, in Indonesian on a desktop and then in English on a
//! phone; where the first run changes the demo (an import, a published
//! poll, a recorded step), the second works on other data, so that both
//! runs have the same work to do.

use crate::cdp::Browser;
use crate::demo::{self, Demo};
use crate::{Visit, DESKTOP, PHONE};
use serde_json::{json, Value};

/// The two runs of every journey: language, device, viewport.
const RUNS: [(&str, &str, (u32, u32, bool)); 2] =
    [("id", "desktop", DESKTOP), ("en", "phone", PHONE)];

/// Starts one demo and one browser, and runs `journey` in each of
/// [`RUNS`] (given its index), as a visitor at first; fails with every
/// page's problems at the end.
fn twice(journey: impl Fn(&mut Visit, usize)) {
    let demo = Demo::start();
    let mut browser = Browser::launch();
    let mut failures = Vec::new();
    for (run, (lang, device, (w, h, mobile))) in RUNS.into_iter().enumerate() {
        browser.viewport(w, h, mobile);
        let mut v = Visit::start(&mut browser, &demo, lang, device, demo::VISITOR, true);
        let done = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| journey(&mut v, run)));
        failures.append(&mut v.failures);
        if let Err(panic) = done {
            // What the pages showed before an outcome went wrong.
            eprintln!(
                "pages of the failed journey ({lang}, {device}):\n{}",
                failures.join("\n")
            );
            std::panic::resume_unwind(panic);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

impl Visit<'_> {
    /// Signs out whoever is signed in and signs `who` in.
    fn as_user(&mut self, who: &'static str) {
        self.sign_out();
        self.who = who;
        self.sign_in(who);
    }

    /// Signs out and goes on as a visitor.
    fn as_visitor(&mut self) {
        self.sign_out();
        self.who = demo::VISITOR;
    }

    /// The value of `js` in the page.
    fn js(&mut self, js: &str) -> Value {
        self.browser.eval(js)
    }

    /// The text of the first element matching `selector`, trimmed ("" if
    /// none).
    fn text_of(&mut self, selector: &str) -> String {
        let found = self.js(&format!(
            "((document.querySelector({selector:?}) || {{}}).innerText || '').trim()"
        ));
        found.as_str().unwrap_or("").to_owned()
    }

    /// The texts of every element matching `selector`, trimmed.
    fn texts_of(&mut self, selector: &str) -> Vec<String> {
        let found = self.js(&format!(
            "[...document.querySelectorAll({selector:?})].map(e => e.innerText.trim())"
        ));
        serde_json::from_value(found).unwrap_or_default()
    }

    /// Whether an element matches `selector` (a CSS selector).
    fn shows(&mut self, selector: &str) -> bool {
        self.js(&format!("!!document.querySelector({selector:?})")) == json!(true)
    }

    /// The value of the form field whose id is `id`.
    fn value_of(&mut self, id: &str) -> Value {
        self.js(&format!("document.getElementById({id:?}).value"))
    }

    /// The confirmation the page shows after a change (`?done=`).
    fn flash(&mut self) -> String {
        self.text_of(".flash[role=status]")
    }

    /// Opens the first link matching `selector` (a CSS selector).
    fn go(&mut self, selector: &str) {
        let href = format!("(document.querySelector({selector:?}) || {{}}).href || ''");
        self.open_link(&href, selector);
    }

    /// The words of the page's language.
    fn say(&self, id: &'static str, en: &'static str) -> &'static str {
        if self.lang == "id" {
            id
        } else {
            en
        }
    }
}

/// A KSM's loan as its people make it, through the pages only: the UPK's
/// cashier applies, the BKM approves, the cashier disburses, takes the
/// first repayment and prints the receipt. Each run makes its own loan.
#[test]
fn a_loan_goes_from_application_to_receipt_through_the_pages() {
    twice(|v, _| {
        v.as_user("upk.kasir");
        v.open("/fund");
        v.follow("UPK BKM Ciruas Sejahtera");
        let upk_page = v.path();
        v.follow("KSM Mawar");
        // The first member asks for 300,000 over the form's term.
        let member = v
            .js("document.querySelector('form[action$=\"/apply\"] input[name^=\"amount_\"]').name");
        let member = member.as_str().unwrap().to_owned();
        v.submit("form[action$=\"/apply\"]", &[(&member, "300000")], None);
        let here = v.path();
        let application = here
            .split("applied=")
            .nth(1)
            .and_then(|a| a.split('&').next())
            .unwrap_or_else(|| panic!("no application in {here}"))
            .to_owned();
        assert!(!v.flash().is_empty(), "a confirmation after applying");
        assert!(
            v.shows(&format!("#application-{application}")),
            "the application is listed on its KSM's page"
        );

        // The BKM approves it on the UPK's page.
        v.as_user("bkm.ketua");
        v.open(&upk_page);
        v.submit(
            &format!("form[action=\"/fund/applications/{application}/decide\"]"),
            &[("note", "rapat BKM")],
            Some("approve"),
        );

        // The cashier disburses it and takes the first instalment.
        v.as_user("upk.kasir");
        v.open(&upk_page);
        v.submit(
            &format!("form[action=\"/fund/applications/{application}/disburse\"]"),
            &[],
            None,
        );
        let loan = v.path();
        assert!(
            loan.starts_with("/fund/loans/"),
            "a disbursal shows its loan: {loan}"
        );
        v.submit("form[action$=\"/repay\"]", &[("amount", "50000")], None);
        let receipt = v.path();
        assert!(
            receipt.starts_with("/fund/receipts/"),
            "a receipt after paying: {receipt}"
        );
        let text = v.text().to_lowercase();
        let words = v.say("lima puluh ribu rupiah", "fifty thousand rupiah");
        assert!(text.contains(words), "{receipt}: {text}");
    });
}

/// The spend dashboard as an analyst of Lancashire reads it: narrowed to
/// one anchor and year through its form, drilled down from the top
/// leaking supplier to its payments, then published; a visitor finds the
/// published figures on `/reports` with the other public pages (the fund's
/// health, the cycle's progress, a poll's result and minutes). Each run
/// narrows to another anchor and year and publishes its own report.
#[test]
fn an_analyst_narrows_the_spend_report_drills_down_and_publishes_it_for_visitors() {
    twice(|v, run| {
        let (anchor, anchor_name, year) = [
            ("1", "Preston City Council", "2013/14"),
            ("6", "Lancashire Constabulary", "2014/15"),
        ][run];
        v.as_user("analyst.lancashire");
        v.open("/spend");
        let everything = v.text_of(".cards .card .big");
        v.submit(
            "form[action=\"/spend\"]",
            &[("anchor", anchor), ("year", year)],
            None,
        );
        let narrowed = v.path();
        assert!(
            narrowed.contains(&format!("anchor={anchor}")),
            "the filter is in the address: {narrowed}"
        );
        // The form shows the filter it was sent with, the figures are the
        // anchor's in that year alone.
        assert_eq!(v.value_of("anchor"), json!(anchor));
        assert_eq!(v.value_of("year"), json!(year));
        let total = v.text_of(".cards .card .big");
        assert_ne!(total, everything, "the filter changes the total");
        let rows = v.js(
            "[...document.querySelectorAll('main table')[0].tBodies[0].rows]
               .map(r => [r.cells[0].innerText, r.cells[1].innerText, r.cells[2].innerText])",
        );
        assert_eq!(
            rows,
            json!([[anchor_name, year, total]]),
            "one anchor and year, the total's"
        );
        let local_share = v.text_of(".cards .card:nth-child(2) p:last-child");

        // Down from the supplier leaking most to its payments.
        let top = "a[href*='supplier='][href*='location=outside']";
        let supplier = v.js(&format!(
            "document.querySelector({top:?}).closest('tr').cells[0].innerText"
        ));
        let leakage = v.text_of(top);
        v.go(top);
        assert_eq!(
            v.text_of("main p strong"),
            leakage,
            "the payments add up to the figure they are behind"
        );
        let payments = v.js("[...document.querySelector('main table').tBodies[0].rows]
               .map(r => [r.cells[0].innerText, r.cells[1].innerText, r.cells[3].innerText])");
        let payments = payments.as_array().unwrap();
        assert!(!payments.is_empty(), "payments behind {leakage}");
        for p in payments {
            assert_eq!(p, &json!([anchor_name, year, supplier]), "{payments:?}");
        }

        // Published with its filter, for everyone.
        v.open(&narrowed);
        let title = format!("{anchor_name} {year}");
        v.submit(
            "form[action=\"/spend/publish\"]",
            &[("title", &title)],
            None,
        );
        let report = v.path();
        assert!(report.starts_with("/reports/"), "published: {report}");

        v.as_visitor();
        v.open("/reports");
        v.follow(&title);
        assert_eq!(v.path(), report);
        assert_eq!(v.text_of("h1"), title);
        assert_eq!(v.text_of(".cards .card .big"), total, "the total published");
        // The shares read as on the dashboard (45,61% in Indonesian).
        assert_eq!(
            v.text_of(".cards .card:nth-child(2) p:last-child"),
            local_share,
            "the local share published"
        );

        // The other public pages.
        v.open("/fund/health");
        assert!(
            v.texts_of("tbody td:first-child")
                .contains(&"UPK BKM Ciruas Sejahtera".to_owned()),
            "the UPK's health is public"
        );
        v.open("/community/progress");
        assert!(!v.texts_of("tbody tr").is_empty(), "the cycle's progress");
        v.follow("CIRUAS");
        assert!(v.path().starts_with("/community/mapping/3604240003"));
        v.open("/election/results");
        v.go("a[href^='/election/results/']");
        let elected = v.texts_of(".card ol li");
        assert!(!elected.is_empty(), "a published poll names its elected");
        v.go("a[href$='/minutes']");
        let minutes = v.text();
        for name in &elected {
            assert!(minutes.contains(name.as_str()), "{name} in the minutes");
        }
    });
}

/// The terms of a `<dl class="facts">` on the page, each with its value.
fn facts(v: &mut Visit) -> Vec<(String, String)> {
    let found = v.js("[...document.querySelectorAll('dl.facts dt')]
           .map(dt => [dt.innerText.trim(), dt.nextElementSibling.innerText.trim()])");
    serde_json::from_value(found).unwrap_or_default()
}

/// The global analyst's file and catalogue work: a payment file uploaded
/// from the home page's link, its preview, the import and its summary,
/// listed with the imports; then a pair the review queue lists as perhaps
/// the same supplier is merged, with a confirmation and the payments
/// moved. Each run uploads its own file (another anchor's rows, another
/// spelling of another known supplier) and merges the other pair the demo
/// lists (Preston Catering, then Fylde Foods).
#[test]
fn an_analyst_imports_a_spend_file_and_merges_a_supplier_from_the_review_queue() {
    let files = tempfile::tempdir().unwrap();
    twice(|v, run| {
        let (file, anchor, known, new) = [
            (
                "journey-a.csv",
                "Preston City Council",
                "Ribble Print Limited,PR1 2HE",
                "Avenham Bakery Ltd,PR1 3AT",
            ),
            (
                "journey-b.csv",
                "Preston's College",
                "Fishergate Facilities Limited,PR2 8AB",
                "Deepdale Bakery Ltd,PR1 6PA",
            ),
        ][run];
        let path = files.path().join(file);
        std::fs::write(
            &path,
            format!(
                "anchor,payment_date,supplier_name,postcode,amount\n\
                 {anchor},10/05/2015,{known},1500.00\n\
                 {anchor},11/06/2015,{new},250.50\n"
            ),
        )
        .unwrap();
        let total = v.say("1.750,50", "1,750.50");

        v.as_user("analyst");
        v.go("main a[href='/spend/import']");
        v.browser.set_files("#file", &[&path]);
        v.submit("form[action=\"/spend/import\"]", &[("locale", "en")], None);
        let preview = v.path();
        assert!(
            preview.starts_with("/spend/import/"),
            "a preview: {preview}"
        );
        assert!(v.text_of("h1").ends_with(file), "{}", v.text_of("h1"));
        let suppliers = v.js(
            "[...document.querySelector('main table').tBodies[0].rows].map(r => r.cells[2].innerText)",
        );
        let known_name = known.split(',').next().unwrap();
        let new_name = new.split(',').next().unwrap();
        assert_eq!(suppliers, json!([known_name, new_name]), "the file's rows");
        assert_eq!(
            v.value_of("map_supplier_name"),
            json!("supplier_name"),
            "the columns found by their headers"
        );
        v.submit("form[action^=\"/spend/import/\"]", &[], None);
        // A small file is done at once; while one runs, its page says so
        // with a link to reload it (no page reloads itself under a reader:
        // axe-core's meta-refresh).
        for _ in 0..60 {
            if v.text_of("main p[role=status]").is_empty() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(500));
            v.go("main p[role=status] a");
        }
        let job = v.path();
        assert!(job.starts_with("/spend/jobs/"), "the import's page: {job}");
        let summary = facts(v);
        let mut values: Vec<&str> = summary.iter().map(|(_, value)| value.as_str()).collect();
        // The total, grouped the page's way (with or without its currency).
        assert!(values[2].ends_with(total), "{summary:?}");
        values[2] = total;
        // Rows, stored, total, skipped, flagged, new anchors, new
        // suppliers, merged (another spelling), suggested.
        assert_eq!(
            values,
            ["2", "2", total, "0", "0", "–", "1", "1", "0"],
            "{summary:?}"
        );
        v.open("/spend/imports");
        let newest = v.js(
            "[...document.querySelector('main table').tBodies[0].rows[0].cells].map(c => c.innerText.trim())",
        );
        assert_eq!(
            newest[1],
            json!(file),
            "the import is listed first: {newest}"
        );
        assert_eq!(newest[2], json!("2"));
        assert!(newest[5].as_str().unwrap().ends_with(total), "{newest}");

        // The review queue, from the home page.
        v.open("/");
        v.go("main a[href='/spend/suppliers?review=1']");
        let (merged, kept) = [(14, 12), (15, 5)][run];
        let row = |id: i64| format!("#supplier-{id}");
        let payments = |v: &mut Visit, id: i64| -> u64 {
            let cell = v.text_of(&format!("{} td:nth-child(3)", row(id)));
            cell.parse()
                .unwrap_or_else(|_| panic!("payments of {id}: {cell:?}"))
        };
        let listed = v.texts_of("tbody tr[id^=supplier-]").len();
        let name = v.text_of(&format!("{} td:nth-child(2)", row(kept)));
        let before = payments(v, kept) + payments(v, merged);
        // The note says why each is listed, in signs that read the same
        // in either language (≈ #12: perhaps the same as supplier 12).
        assert_eq!(
            v.text_of(&format!("{} td:nth-child(9)", row(merged))),
            format!(
                "≈ #{kept} {:?} {}",
                name,
                v.text_of(&format!("{} td:nth-child(5)", row(kept)))
            )
        );
        let spelling = v.js(&format!(
            "[...document.querySelectorAll('tbody tr[id^=supplier-]')]
               .find(r => r.cells[1].innerText.trim() === {:?}).cells[8].innerText.trim()",
            known_name.replace("Limited", "Ltd")
        ));
        assert_eq!(
            spelling,
            json!(format!(
                "{:?} = {known_name:?}",
                known_name.replace("Limited", "Ltd")
            )),
            "another spelling merged, listed in signs"
        );
        v.submit(
            &format!("form[action=\"/spend/suppliers/{merged}/merge\"]"),
            &[("into", &kept.to_string())],
            None,
        );
        assert_eq!(v.flash(), v.say("Tersimpan.", "Saved."));
        assert!(
            v.path().starts_with("/spend/suppliers?review=1"),
            "back on the review queue: {}",
            v.path()
        );
        // The one kept leaves the queue; the one merged stays, saying into
        // which (→ #12), with no payment left.
        assert_eq!(v.texts_of("tbody tr[id^=supplier-]").len(), listed - 1);
        assert_eq!(v.texts_of(&row(kept)), Vec::<String>::new());
        assert_eq!(
            v.text_of(&format!("{} td:nth-child(9)", row(merged))),
            format!("→ #{kept}")
        );
        assert_eq!(payments(v, merged), 0);
        v.open(&format!("/spend/suppliers?q={}", name.replace(' ', "+")));
        assert_eq!(payments(v, kept), before, "the payments moved to {name}");
    });
}

/// The cells of the row of `table` (a CSS selector) whose first cell is
/// `first`, as their texts.
fn row_of(v: &mut Visit, table: &str, first: &str) -> Vec<String> {
    let found = v.js(&format!(
        "(() => {{ const t = document.querySelector({table:?}); if (!t) return [];
           const r = [...t.tBodies[0].rows].find(r => r.cells[0].innerText.trim() === {first:?});
           return r ? [...r.cells].map(c => c.innerText.trim()) : []; }})()"
    ));
    serde_json::from_value(found).unwrap_or_default()
}

/// The P2KP cycle in Ciruas: the kelurahan's facilitator records its next
/// step from the home page's work list, the city coordinator verifies it
/// from his, and a visitor sees it counted as verified on the public
/// progress; then the facilitator types in a household of the
/// self-mapping and sees it scored and listed. The first run records and
/// verifies step 8 and adds a poor household in RT 001; the second, the
/// step after it (9) and a household that is not poor in RT 002.
#[test]
fn a_facilitator_records_a_step_and_a_household_and_the_coordinator_verifies_the_step() {
    twice(|v, run| {
        let kelurahan = "/community/kelurahan/3604240003";
        // Each run's minutes in its language, in one word: a page of the
        // other language shows them as the data they are.
        let (order, minutes) = [("8", "Notulen | BA-08/2026"), ("9", "Minutes | BA-09/2026")][run];
        let reference = minutes.split(" | ").nth(1).unwrap();
        v.open("/community/progress");
        let public_before = row_of(v, "main table", order);
        assert!(
            !public_before.is_empty(),
            "step {order} on the public progress"
        );

        v.as_user("facilitator.ciruas");
        v.go(&format!("main a[href='{kelurahan}']"));
        let done_before = v.text_of(".cards .card .big");
        let step =
            v.js("document.querySelector('form[action$=\"/steps\"] input[name=step]').value");
        let step = step.as_str().unwrap().to_owned();
        v.submit(
            "form[action$=\"/steps\"]",
            &[
                ("total", "45"),
                ("women", "20"),
                ("poor", "15"),
                ("documents", minutes),
            ],
            None,
        );
        assert_eq!(v.flash(), v.say("Tersimpan.", "Saved."));
        let row = row_of(v, "main table", order);
        assert!(
            row[4].starts_with("45 · "),
            "the attendance recorded: {row:?}"
        );
        assert!(row[5].contains(reference), "the minutes recorded: {row:?}");
        assert_eq!(row[6], "facilitator.ciruas");
        assert_eq!(
            row[7],
            v.say("Menunggu verifikasi", "Awaiting verification")
        );
        assert_ne!(v.text_of(".cards .card .big"), done_before, "one step more");

        // The coordinator finds it in his work list and verifies it.
        v.as_user("korkot.serang");
        v.go(&format!("main .work a[href='{kelurahan}']"));
        v.submit(
            &format!("form[action$=\"/verify\"]:has(input[name=step][value={step:?}])"),
            &[],
            None,
        );
        assert_eq!(v.flash(), v.say("Tersimpan.", "Saved."));
        let row = row_of(v, "main table", order);
        assert!(row[7].starts_with("✓ korkot.serang"), "verified: {row:?}");

        // The public progress counts it: done and verified by one more.
        v.as_visitor();
        v.open("/community/progress");
        let public_after = row_of(v, "main table", order);
        let count = |cells: &[String], at: usize| -> u64 {
            let n = cells[at].split(' ').next().unwrap_or("");
            n.parse().unwrap_or_else(|_| panic!("a count: {cells:?}"))
        };
        assert_eq!(count(&public_after, 2), count(&public_before, 2) + 1);
        assert_eq!(count(&public_after, 4), count(&public_before, 4) + 1);

        // A household typed in on the self-mapping page.
        v.as_user("facilitator.ciruas");
        v.open(kelurahan);
        v.go(&format!("main a[href='{kelurahan}/mapping']"));
        let households = v.text_of(".cards .card .big");
        let (rt, head, members, poor, score, class) = [
            (
                "3604240003.01.001",
                "Sumarni",
                "Sumarni; P; 45; kepala\nDarsa; L; 1980; suami\nRina; P; 12; anak\nAde; L; 2015; anak",
                true,
                "10 / 14",
                ("Miskin", "Poor"),
            ),
            (
                "3604240003.01.002",
                "Karta Wijaya",
                "Karta Wijaya; L; 50; kepala\nEem; P; 47; istri",
                false,
                "0 / 14",
                ("Tidak miskin", "Not poor"),
            ),
        ][run];
        let class = v.say(class.0, class.1);
        // The first run's household meets nine of the yes-or-no
        // indicators and the floor area; the second, none.
        let answers: Vec<(String, &str)> = [
            "floor",
            "wall",
            "toilet",
            "electricity",
            "water",
            "cooking_fuel",
            "protein",
            "clothing",
            "meals",
            "healthcare",
            "income",
            "education",
            "savings",
        ]
        .iter()
        .enumerate()
        .map(|(i, key)| {
            let holds = poor && i < 9;
            (format!("answer_{key}"), if holds { "yes" } else { "no" })
        })
        .collect();
        let mut fields = vec![
            ("rt", rt),
            ("head_name", head),
            ("address", "Kp. Pasir Awi No. 3"),
            ("members", members),
            // m² for the whole household: under 8 per member, or not.
            ("answer_floor_area", if poor { "10" } else { "60" }),
        ];
        fields.extend(answers.iter().map(|(key, a)| (key.as_str(), *a)));
        v.submit("#add-household", &fields, None);
        let added = v.text_of("main p.card");
        assert!(
            added.contains(head) && added.contains(class) && added.contains(score),
            "the household added, scored: {added:?}"
        );
        let n: u64 = households.parse().unwrap();
        assert_eq!(v.text_of(".cards .card .big"), (n + 1).to_string());
        let listed = v.js(&format!(
            "[...document.querySelectorAll('main table tbody tr')]
               .filter(r => r.cells.length > 7 && r.cells[2].innerText.trim() === {head:?})
               .map(r => [r.cells[6].innerText.trim(), r.cells[7].innerText.trim()])"
        ));
        assert_eq!(listed, json!([[score, class]]), "listed with its score");
    });
}

/// An RT's poll counted by its committee through the pages, each step by
/// the member the programme allows: entry A by one member and entry B by
/// another from the same paper ballots, each difference resolved from the
/// paper by a third, the voters marked, and the result proposed by one
/// member and confirmed (published) by another; a visitor then reads it.
/// The first run finishes the demo's poll still counting (RT 001 of RW
/// 02: the door-to-door collection brings ballots 4 and 5; entry B misreads
/// ballot 5, and ballot 2 still differs); the second opens a poll in RT
/// 002 of RW 02, imports its register and counts it from the start.
#[test]
fn a_poll_goes_from_double_entry_to_a_published_result() {
    twice(|v, run| {
        let kelurahan = "/election/kelurahan/3604240003";
        v.as_user("facilitator.ciruas");
        v.open(kelurahan);
        let poll = if run == 0 {
            // The RT's row links to its poll (and, once published, to
            // the result).
            let poll = v.js("[...document.querySelectorAll('main tbody tr')]
                   .find(r => r.cells[0].innerText.includes('3604240003.02.001'))
                   .cells[1].querySelector('a').getAttribute('href')");
            let poll = poll.as_str().unwrap().to_owned();
            v.go(&format!("main a[href='{poll}']"));
            poll
        } else {
            v.submit(
                "form[action=\"/election\"]:has(input[name=area][value=\"3604240003.02.002\"])",
                &[],
                None,
            );
            let poll = v.path();
            v.follow(v.say("Daftar pemilih", "Voter register"));
            v.submit(
                &format!("form[action=\"{poll}/register/import\"]"),
                &[(
                    "text",
                    "nama,jenis_kelamin,umur,kawin\n\
                     Siti Rohmah,P,40,ya\nAgus Salim,L,45,ya\nEuis Komariah,P,33,ya\n\
                     Budi Santoso,L,28,tidak\nLilis Suryani,P,51,ya\nHeri Gunawan,L,37,ya\n\
                     Wawan Hidayat,L,22,tidak\nNeneng Hasanah,P,19,tidak",
                )],
                None,
            );
            let lead = v.text_of("p.lead");
            assert!(lead.starts_with("8 "), "eight on the register: {lead:?}");
            v.open(&poll);
            poll
        };
        assert!(
            v.text_of("p.lead")
                .contains(["3604240003.02.001", "3604240003.02.002"][run]),
            "{poll}: {}",
            v.text_of("p.lead")
        );
        let (a, b, differ, voters, elected) = [
            (
                "4, Dewi Hayati, Yusuf Nurjaman\n5, Tati Hasanah, Yusuf Nurjaman",
                "4, Dewi Hayati, Yusuf Nurjaman\n5, Tati Hasanah, Yusup Nurjaman",
                vec![("2", "Dadang Rahmat, Tati Hasanah"), ("5", "Tati Hasanah, Yusuf Nurjaman")],
                vec!["Asep Rahmat", "Dadang Rahmat", "Dewi Hayati", "Tati Hasanah", "Yusuf Nurjaman"],
                vec!["Dewi Hayati", "Tati Hasanah", "Yusuf Nurjaman"],
            ),
            (
                "1, Siti Rohmah, Agus Salim\n2, Siti Rohmah, Euis Komariah\n3, Agus Salim, Siti Rohmah",
                "1, Siti Rohmah, Agus Salim\n2, Siti Rohmah, Euis Komaria\n3, Agus Salim, Siti Rohmah",
                vec![("2", "Siti Rohmah, Euis Komariah")],
                vec!["Siti Rohmah", "Agus Salim", "Euis Komariah"],
                vec!["Siti Rohmah", "Agus Salim", "Euis Komariah"],
            ),
        ][run]
            .clone();
        let ballots = a.lines().count() + [3, 0][run];

        // Entry A, then entry B by the second member.
        // How many ballots each entry holds, as its heading says.
        let entries = |v: &mut Visit| -> (usize, usize) {
            let n = v.js("[...document.querySelectorAll('#entries > div > h2')]
                   .map(h => +h.innerText.match(/\\((\\d+)\\)/)[1])");
            (
                n[0].as_u64().unwrap() as usize,
                n[1].as_u64().unwrap() as usize,
            )
        };
        v.go(&format!("a[href='{poll}/ballots']"));
        v.submit(
            &format!("form[action=\"{poll}/ballots\"]"),
            &[("entry", "a"), ("lines", a)],
            None,
        );
        assert_eq!(entries(v).0, ballots, "entry A holds every ballot");
        v.as_user("panitia.ciruas");
        v.open(&format!("{poll}/ballots"));
        v.submit(
            &format!("form[action=\"{poll}/ballots\"]"),
            &[("entry", "b"), ("lines", b)],
            None,
        );
        assert_eq!(
            entries(v),
            (ballots, ballots),
            "both entries hold every ballot"
        );

        // The third member reads the paper of each difference.
        v.as_user("saksi.ciruas");
        v.open(&poll);
        let listed: Vec<String> = v
            .texts_of("#differences ~ table tbody tr td:first-child")
            .into_iter()
            .collect();
        let expected: Vec<String> = differ.iter().map(|(n, _)| n.to_string()).collect();
        assert_eq!(listed, expected, "the differences between A and B");
        for (number, names) in &differ {
            v.submit(
                &format!("form[action=\"{poll}/resolve\"]:has(input[name=ballot_id][value=\"{number}\"])"),
                &[("names", names), ("note", "kertas dibaca bersama saksi")],
                None,
            );
        }
        let resolved = v.texts_of("#differences ~ table td.decisions p");
        assert_eq!(
            resolved.len(),
            differ.len(),
            "each difference resolved: {resolved:?}"
        );

        // Those who voted are marked on the register.
        v.as_user("facilitator.ciruas");
        v.open(&format!("{poll}/register"));
        let marked: Vec<(&str, String)> = voters
            .iter()
            .map(|name| {
                let id = v.js(&format!(
                    "document.querySelector('#voted-form input[aria-label={name:?}]').value"
                ));
                ("voter", id.as_str().unwrap().to_owned())
            })
            .collect();
        let fields: Vec<(&str, &str)> = marked.iter().map(|(k, id)| (*k, id.as_str())).collect();
        v.submit("#voted-form", &fields, Some("1"));
        let lead = v.text_of("p.lead");
        assert!(
            lead.ends_with(&format!(
                "{} {}",
                voters.len(),
                v.say("ditandai sudah memilih", "marked as voted")
            )),
            "{lead:?}"
        );

        // Proposed by one member, confirmed by another: published.
        let (proposer, confirmer) = [
            ("facilitator.ciruas", "saksi.ciruas"),
            ("panitia.ciruas", "facilitator.ciruas"),
        ][run];
        v.as_user(proposer);
        v.open(&poll);
        v.submit(&format!("form[action=\"{poll}/publish\"]"), &[], None);
        let proposal = v.text_of("#publication");
        assert!(proposal.contains(proposer), "the proposal: {proposal:?}");
        v.as_user(confirmer);
        v.open(&poll);
        v.submit(&format!("form[action=\"{poll}/publish\"]"), &[], None);
        let result = v.path();
        assert!(
            result.starts_with("/election/results/"),
            "published: {result}"
        );
        assert_eq!(v.texts_of(".card ol li"), elected, "the elected");

        v.as_visitor();
        v.open("/election/results");
        v.go(&format!("a[href='{result}']"));
        assert_eq!(v.texts_of(".card ol li"), elected, "the public result");
    });
}

/// Bringing spend back: an analyst finds a local firm in the base (by a
/// misspelt name), sees what leaks and who could supply it, enters a tender
/// (a mistake first: the form keeps what was typed) and queues its notices;
/// the firm that consented is in the outbox; the public sees only counts.
#[test]
fn an_analyst_finds_local_firms_and_tells_the_consenting_ones_of_a_tender() {
    twice(|v, run| {
        let (typo, firm) = [
            ("ribble ofice", "Ribble Office Supplies Ltd"),
            (
                "preston comunity energy",
                "Preston Community Energy Co-operative",
            ),
        ][run];
        v.as_user("analyst.lancashire");
        v.open("/business");
        v.submit("form[action=\"/business\"]", &[("q", typo)], None);
        v.follow(firm);
        assert_eq!(v.text_of("h1"), firm);
        let facts = facts(v);
        assert!(
            facts.iter().any(|(_, value)| value.contains("@")),
            "the base's readers see the contact: {facts:?}"
        );

        v.open("/procurement/opportunities");
        assert!(
            v.texts_of("main section.opportunity a")
                .contains(&firm.to_owned()),
            "{firm} can supply leaking spend"
        );
        assert!(v.shows("svg.chart"));
        v.open("/procurement");
        let shares = v.texts_of("main table tbody tr:first-child td:nth-child(4)");
        assert!(shares[0].contains('%'), "the local share: {shares:?}");

        v.open("/procurement/tenders");
        let title = ["Pembersihan kantor kecamatan", "Cleaning of the town hall"][run];
        let form = "form[action=\"/procurement/tenders#add\"]";
        v.submit(
            form,
            &[
                ("anchor", "1"),
                ("title", title),
                ("cpv", "9091"),
                ("closes_on", "2027-01-31"),
            ],
            None,
        );
        assert!(v.shows("#e-cpv"), "the CPV code is refused");
        assert_eq!(v.value_of("t-title"), json!(title));
        v.submit(form, &[("cpv", "90910000")], None);
        assert!(v.path().contains("done=tender_added"), "{}", v.path());
        let notify = v.js(&format!(
            "[...document.querySelectorAll('section.card')].find(s => s.querySelector('h2').innerText.trim() === {title:?})
               .querySelector('form').getAttribute('action')"
        ));
        let notify = notify.as_str().unwrap().to_owned();
        assert!(
            v.texts_of(&format!(
                "section.card:has(form[action=\"{notify}\"]) tbody td:first-child"
            ))
            .contains(&"Red Rose Cleaning Ltd".to_owned()),
            "the cleaners match the tender"
        );
        v.submit(&format!("form[action=\"{notify}\"]"), &[], None);
        assert!(v.path().starts_with("/procurement/outbox"), "{}", v.path());
        let emails = v.texts_of("main table tbody td:nth-child(3)");
        assert!(
            emails.contains(&"office@redrose.example".to_owned()),
            "{emails:?}"
        );

        v.as_visitor();
        v.open("/business/counts");
        let page = v.text();
        for private in [firm, "@"] {
            assert!(!page.contains(private), "{private} is not public");
        }
    });
}

/// Social value in a tender: an analyst enters a tender, pastes its bids
/// and commitments (a mistake first: the form keeps what was pasted),
/// keeps a second version with other weights, awards it (a reason is
/// asked for) and reports what the winner delivered, seen against its
/// promises per outcome.
#[test]
fn an_analyst_weighs_bids_with_social_value_awards_the_tender_and_follows_its_promises() {
    twice(|v, run| {
        v.as_user("analyst.lancashire");
        v.open("/procurement/tenders");
        let title = ["Katering rapat dewan", "Catering for council meetings"][run];
        v.submit(
            "form[action=\"/procurement/tenders#add\"]",
            &[
                ("anchor", "1"),
                ("title", title),
                ("cpv", "55520000"),
                ("closes_on", "2027-02-28"),
            ],
            None,
        );
        assert!(v.path().contains("done=tender_added"), "{}", v.path());
        let evaluation = v.js(&format!(
            "[...document.querySelectorAll('section.card')].find(s => s.querySelector('h2').innerText.trim() === {title:?})
               .querySelector('a[href$=\"/evaluation\"]').getAttribute('href')"
        ));
        let evaluation = evaluation.as_str().unwrap().to_owned();
        v.open(&evaluation);
        let form = "form[action$=\"/evaluation#version\"]";
        let bids =
            "bidder,price,quality\nPreston Catering Co-operative,41000,75\nBigFood PLC,36000,70\n";
        v.submit(
            form,
            &[("bids", "bidder,price,quality\nBigFood PLC,free,70\n")],
            None,
        );
        assert!(v.shows("#e-bids"), "the price is refused");
        assert!(v
            .value_of("v-bids")
            .as_str()
            .unwrap()
            .contains("BigFood PLC,free"));
        v.submit(
            form,
            &[
                ("bids", bids),
                (
                    "commitments",
                    "bidder,measure,quantity\nPreston Catering Co-operative,local_hire,2\nBigFood PLC,vcs_donation,500\n",
                ),
            ],
            None,
        );
        assert!(v.path().contains("done=evaluation_saved"), "{}", v.path());
        assert_eq!(v.texts_of("#bids tbody tr").len(), 2);
        let note = v.say(
            "Bobot nilai sosial dinaikkan",
            "More weight on social value",
        );
        v.submit(
            form,
            &[
                ("price", "50"),
                ("quality", "30"),
                ("social", "20"),
                ("note", note),
            ],
            None,
        );
        assert_eq!(v.texts_of("#history tbody tr").len(), 2, "two versions");
        assert_eq!(
            v.text_of("#bids tbody tr:first-child td:nth-child(2)"),
            "Preston Catering Co-operative"
        );
        let award = "form[action$=\"/award#decide\"]";
        v.submit(award, &[("reason", "")], None);
        assert!(v.shows("#e-award_reason"), "a reason is asked for");
        let reason = v.say(
            "Total tertinggi dan dua pekerja lokal",
            "Highest total and two local hires",
        );
        v.submit(award, &[("reason", reason)], None);
        assert!(v.path().contains("done=tender_awarded"), "{}", v.path());
        assert!(v.text_of("#award").contains(reason));
        v.submit(
            "form[action$=\"/deliveries#report\"]",
            &[
                ("measure", "local_hire"),
                ("quantity", "1"),
                ("period", "2027-06-30"),
                ("evidence", v.say("Daftar gaji Juni", "June payroll")),
            ],
            None,
        );
        assert!(v.path().contains("done=delivery_reported"), "{}", v.path());
        assert!(
            v.text_of("#outcomes tbody tr:first-child")
                .contains("50.0%"),
            "half the promised employment is delivered"
        );
    });
}

/// Supplier assessment: an analyst opens the dashboard, picks a supplier
/// among the most paid, scores it for a new round (a mistake first: the
/// form keeps what was typed) and sees the round on the dashboard.
#[test]
fn an_analyst_scores_a_supplier_for_a_new_round_and_reads_the_dashboard() {
    twice(|v, run| {
        v.as_user("analyst.lancashire");
        v.open("/procurement/assessments");
        assert!(
            !v.texts_of("#outcomes tbody tr").is_empty(),
            "the demo's rounds are on the dashboard"
        );
        v.go("#to-assess a[href^=\"/procurement/assessments/suppliers/\"]");
        let round = ["2016", "2017"][run];
        let form = "form[action$=\"#score\"]";
        let evidence = v.say("Upah layak untuk semua staf", "Living wage for all staff");
        v.submit(
            form,
            &[
                ("round", round),
                ("score_living_standards", "5"),
                ("evidence_living_standards", evidence),
                ("evidence_equity", &"x".repeat(2_001)),
            ],
            None,
        );
        assert!(
            v.shows("#e-evidence_equity"),
            "evidence too long is refused"
        );
        assert_eq!(v.value_of("s-evidence_living_standards"), json!(evidence));
        v.submit(form, &[("evidence_equity", "")], None);
        assert!(v.path().contains("done=scores_kept"), "{}", v.path());
        assert!(v.text_of("#history").contains(evidence));
        v.open(&format!("/procurement/assessments?round={round}"));
        assert!(
            v.text_of("h2").contains(round),
            "the round's dashboard: {}",
            v.text_of("h2")
        );
    });
}

/// What if: an analyst moves a sector's slider, sees the chart and the
/// money kept, and keeps the scenario, which is then listed.
#[test]
fn an_analyst_tries_a_what_if_scenario_and_keeps_it() {
    twice(|v, run| {
        v.as_user("analyst.lancashire");
        v.open("/procurement/whatif");
        let slider =
            v.js("(document.querySelector('#scenario input[type=range]') || {}).name || ''");
        let slider = slider.as_str().unwrap().to_owned();
        assert!(slider.starts_with("s_"), "a slider per leaking sector");
        v.submit("#scenario", &[("year", "2014"), (&slider, "40")], None);
        assert!(v.shows("#result svg.chart"));
        assert!(
            v.text_of("#moved").contains("40"),
            "{}",
            v.text_of("#moved")
        );
        let name = [
            v.say("Katering lokal", "Local catering"),
            v.say("Katering lokal 2", "Local catering 2"),
        ][run];
        v.submit("#keep", &[("name", name)], None);
        assert!(v.path().contains("done=scenario_kept"), "{}", v.path());
        assert!(v.text_of("#kept").contains(name));
    });
}

/// LM3: an analyst pastes a re-spend survey and reads the three rounds.
#[test]
fn an_analyst_figures_the_local_multiplier_from_a_pasted_survey() {
    twice(|v, _| {
        v.as_user("analyst.lancashire");
        v.open("/procurement/lm3");
        v.submit(
            "#survey",
            &[
                ("anchor", "1"),
                (
                    "text",
                    "supplier,local_respend_share\nRed Rose Cleaning Ltd,0.6\n",
                ),
            ],
            None,
        );
        let group = v.text_of("#rounds tbody tr:first-child");
        assert!(group.contains("1."), "an LM3 above 1: {group}");
    });
}

/// The anchors' charter: an analyst reads where the group stands, enters
/// a figure measured by hand, and adds a goal (a target above 100% is
/// refused first, the form keeping what was typed).
#[test]
fn an_analyst_reads_the_anchors_charter_enters_a_figure_and_adds_a_goal() {
    twice(|v, run| {
        v.as_user("analyst.lancashire");
        v.open("/procurement/charters");
        v.go("#charters a[href^=\"/procurement/charters/\"]");
        let goals = v.texts_of("#scorecard tbody tr").len();
        assert!(goals >= 6, "seed 000's six goals: {goals}");
        v.submit("#enter form", &[("value", ["3", "5"][run])], None);
        assert!(v.path().contains("done=charter_value_kept"), "{}", v.path());
        let title = [
            v.say("Upah layak", "Living wage"),
            v.say("Upah layak lagi", "Living wage again"),
        ][run];
        let measure = v.say("pemasok yang membayarnya", "suppliers paying it");
        v.submit(
            "#add-goal form",
            &[
                ("title", title),
                ("indicator", "manual_percent"),
                ("measure", measure),
                ("target", "150"),
            ],
            None,
        );
        assert!(v.shows("#e-target"), "a percentage above 100 is refused");
        assert_eq!(v.value_of("n-title"), json!(title));
        v.submit("#add-goal form", &[("target", "50")], None);
        assert!(v.path().contains("done=charter_goal_saved"), "{}", v.path());
        assert!(v.text_of("#scorecard").contains(title));
    });
}

/// The re-spend survey: an analyst queues it for the council's local
/// suppliers, a supplier answers through its link without an account,
/// and the analyst reads the multiplier from the answers.
#[test]
fn a_supplier_answers_the_respend_survey_and_the_analyst_reads_lm3() {
    twice(|v, run| {
        v.as_user("analyst.lancashire");
        v.open("/procurement/lm3");
        let name = [
            v.say("Survei 2014", "Survey 2014"),
            v.say("Survei lagi", "Survey again"),
        ][run];
        v.submit(
            "#new-survey",
            &[("name", name), ("anchor", "1"), ("year", "2014")],
            None,
        );
        assert!(v.path().contains("done=survey_queued"), "{}", v.path());
        let link = v.js(
            "[...document.querySelectorAll('#invitations pre')].map(p => p.textContent).join(' ').split(/\\s+/).filter(w => w.includes('/survey/')).pop() || ''",
        );
        let link = link.as_str().unwrap_or("").to_owned();
        let path = link
            .split_once("/survey/")
            .map(|(_, t)| format!("/survey/{t}"));
        let path = path.unwrap_or_else(|| panic!("a link in the invitations: {link:?}"));
        v.as_visitor();
        v.open(&path);
        v.submit("#answer", &[("wages", "70"), ("suppliers", "40")], None);
        assert!(v.shows("#e-suppliers"), "more than 100 in all is refused");
        v.submit("#answer", &[("suppliers", "20")], None);
        assert!(!v.flash().is_empty(), "the answer is kept");
        v.as_user("analyst.lancashire");
        v.open("/procurement/lm3");
        v.go("#surveys a[href^=\"/procurement/lm3/surveys/\"]");
        let group = v.text_of("#rounds tbody tr:first-child");
        assert!(group.contains("1."), "an LM3 above 1: {group}");
    });
}

/// An admin makes an account with a password it gives its owner; the
/// owner signs in with it, is led to choose their own before any other
/// page opens, and goes on. Each run makes its own account.
#[test]
fn a_new_account_chooses_its_own_password_before_anything_else() {
    twice(|v, run| {
        let name = ["auditor.baru", "auditor.baru2"][run];
        v.as_user("admin");
        v.open("/users/new");
        v.submit(
            "form[action=\"/users\"]",
            &[
                ("username", name),
                ("role", "auditor"),
                ("area_code", "3604"),
                ("password", demo::PASSWORD),
            ],
            None,
        );
        v.as_user(name);
        v.open("/audit");
        assert_eq!(v.path(), "/account/password", "{name} went past the form");
        assert!(v.shows("p[role=alert]"), "the form says why");
        v.submit(
            "form[action=\"/account/password\"]",
            &[
                ("current", demo::PASSWORD),
                ("password", "pilihan-sendiri-2026"),
                ("password_confirm", "pilihan-sendiri-2026"),
            ],
            None,
        );
        let flash = v.flash();
        assert!(
            flash.contains(v.say("Kata sandi Anda telah diganti", "Your password is changed")),
            "{flash}"
        );
        v.open("/audit");
        assert_eq!(v.path(), "/audit");
    });
}

/// The programme's money: the city coordinator reads the kabupaten's
/// roll-up, goes down to a kecamatan and to a desa, and finds its tranches
/// and activities.
#[test]
fn a_coordinator_goes_down_from_the_kabupaten_to_a_desas_activities() {
    twice(|v, _| {
        v.as_user("korkot.serang");
        v.open("/programme");
        assert!(
            v.text_of("#rollup").contains("KABUPATEN SERANG"),
            "{}",
            v.text_of("#rollup")
        );
        v.go("#rollup a[href=\"/programme?area=3604240\"]");
        v.go("#rollup a[href=\"/programme?area=3604240003\"]");
        assert!(
            v.text_of("#activities").contains("Jalan lingkungan RW 02"),
            "{}",
            v.text_of("#activities")
        );
        assert!(!v.texts_of("#grants tbody tr").is_empty());
    });
}

/// The pages of a PDF: its `/Type /Page` objects (not `/Pages`).
fn pdf_pages(pdf: &[u8]) -> usize {
    let text = String::from_utf8_lossy(pdf);
    text.match_indices("/Type")
        .filter(|(at, _)| {
            let rest = text[at + 5..].trim_start();
            rest.starts_with("/Page") && !rest.starts_with("/Pages")
        })
        .count()
}

/// A resident asks about a desa's programme from its public board,
/// anonymously, and keeps the tracking code; the BKM answers; the
/// resident reads the answer by the code and the board counts it; the
/// facilitator publishes the board, which prints on one A4 page with its
/// fingerprint and QR code.
#[test]
fn a_resident_complains_from_the_board_the_bkm_answers_and_the_board_is_published() {
    twice(|v, run| {
        v.as_visitor();
        v.open("/board/3604240003");
        let before = v.text_of("#board-complaints + table");
        v.go("a[href^=\"/complaints/new\"]");
        let text = [
            "Dana tahap 2 dipakai untuk apa?",
            "What was tranche 2 spent on?",
        ][run];
        v.submit(
            "#complaint",
            &[
                ("category", "information"),
                ("subject", "funds"),
                ("text", text),
                ("anonymous", "on"),
            ],
            None,
        );
        let code = v.text_of("#filed .tracking");
        assert!(code.starts_with("PPM-"), "{}", v.text());
        v.as_user("bkm.ketua");
        v.open("/complaints");
        v.go("#complaints a");
        assert!(v.text_of("blockquote").contains(text), "{}", v.text());
        v.submit(
            "#answer",
            &[
                ("status", "resolved"),
                ("reply", "Rp 70.000.000 untuk kegiatan 2008."),
            ],
            None,
        );
        assert!(!v.flash().is_empty(), "{}", v.text());
        v.as_visitor();
        v.open("/complaints/track");
        v.submit("#track", &[("code", &code)], None);
        assert!(
            v.text_of("#tracked")
                .contains("Rp 70.000.000 untuk kegiatan 2008."),
            "{}",
            v.text()
        );
        v.open("/board/3604240003");
        assert_ne!(v.text_of("#board-complaints + table"), before);
        v.as_user("facilitator.ciruas");
        v.open("/board/3604240003");
        v.submit("#publish-board", &[], None);
        assert!(v.path().starts_with("/boards/"), "{}", v.path());
        assert_eq!(v.text_of("#board-proof .hash").len(), 64);
        assert!(v.shows("#board-proof svg"));
        let pdf = v.browser.pdf();
        assert_eq!(pdf_pages(&pdf), 1, "the printed board fits one A4 page");
    });
}

/// A partnership as its people keep it (seed 002): the facilitator records
/// a commitment and a meeting, the BKM keeps its own commitment and makes
/// a matching offer a partnership with one click, and a visitor reads the
/// published summary. The second run posts the BKM's need first, so that
/// it has a match of its own to take.
#[test]
fn a_partnership_keeps_its_commitments_and_an_offer_meets_a_need() {
    twice(|v, run| {
        v.as_user("facilitator.ciruas");
        v.open("/partnerships");
        v.go("#partnerships a[href^=\"/partnerships/\"]");
        let promise = [
            v.say("Ruang rapat balai warga", "Meeting room at the hall"),
            v.say("Ruang pelatihan", "Training room"),
        ][run];
        v.submit(
            "#add-commitment",
            &[
                ("kind", "in_kind"),
                ("description", promise),
                ("amount", "abc"),
                ("due_on", "2030-01-31"),
            ],
            None,
        );
        assert!(
            v.shows("#e-commitment-amount"),
            "an amount that is not one is named"
        );
        v.submit("#add-commitment", &[("amount", "1500000")], None);
        assert!(v.path().contains("done=saved"), "{}", v.path());
        assert!(v.text_of("#commitment-list").contains(promise));
        v.submit(
            "#add-meeting",
            &[
                ("attendees", "12"),
                ("minutes", v.say("Rapat bulanan", "Monthly meeting")),
            ],
            None,
        );
        assert!(v.path().contains("done=saved"), "{}", v.path());

        v.as_user("bkm.ketua");
        if run == 1 {
            v.open("/partnerships/offers");
            v.submit(
                "#new-offer",
                &[
                    ("side", "need"),
                    ("area", "3604240003"),
                    ("title", "Pelatihan kader kesehatan"),
                    ("theme", "education"),
                    ("kind", "skills"),
                    ("contact", "bkm.citerep@example.id"),
                ],
                None,
            );
            assert!(v.path().contains("done=saved"), "{}", v.path());
        }
        v.open("/partnerships/offers");
        v.submit("#match-list form", &[], None);
        assert!(
            v.path().contains("done=partnership_created"),
            "{}",
            v.path()
        );
        assert!(v.text_of("#partner-list").contains("PT Gas Banten"));
        v.open("/partnerships/offers");
        assert!(v.text_of("#notices").contains("bkm.citerep@example.id"));

        v.as_visitor();
        v.open("/partnership/1");
        assert!(v.text().contains("BKM Ciruas Sejahtera"));
        assert!(
            !v.text().contains(promise),
            "no commitment's text in public"
        );
    });
}

/// Seed 000's other half through the pages: an analyst of Lancashire
/// groups the kept projects for a £20m ticket, adds a co-operative and
/// moves a buy-out on, enters a credit union's month; a facilitator
/// records an asset and an active citizen (with consent) of Citerep. The
/// second run adds other ones.
#[test]
fn an_analyst_pools_projects_and_follows_the_cooperative_economy_and_a_facilitator_maps_capitals() {
    twice(|v, run| {
        v.as_user("analyst.lancashire");
        v.open("/invest");
        v.submit(
            "#investor",
            &[("min_size", "20000000"), ("max_high_risk", "2")],
            None,
        );
        assert!(v.shows("#e-max_high_risk"), "a share above 1 is named");
        v.submit("#investor", &[("max_high_risk", "0.2")], None);
        assert!(v.text_of("#pools").contains("Community-led homes Deepdale"));

        v.open("/economy");
        let coop = ["Fishergate Bike Co-op", "Avenham Care Co-op"][run];
        v.submit(
            "#add-coop",
            &[
                ("name", coop),
                ("area", "E07000123"),
                ("stage", "steering_group"),
                ("members", "7"),
                ("members_women", "4"),
            ],
            None,
        );
        assert!(v.path().contains("done=saved"), "{}", v.path());
        assert!(v.text_of("#coop-list").contains(coop));
        v.submit(
            "#buyout-list form",
            &[("stage", ["financing", "converted"][run])],
            None,
        );
        assert!(v.path().contains("done=saved"), "{}", v.path());
        v.submit(
            "#cu-month",
            &[
                ("area", "E07000123"),
                ("month", ["2026-11", "2026-12"][run]),
                ("members", "4300"),
                ("savings", "1950000"),
                ("loans", "1040000"),
            ],
            None,
        );
        assert!(v.path().contains("done=saved"), "{}", v.path());
        assert!(v.text_of("#credit").contains("4300"));

        v.as_user("facilitator.ciruas");
        v.open("/capitals");
        let asset = [
            v.say("Kebun gizi RW 03", "Nutrition garden RW 03"),
            "Lumbung padi RW 04",
        ][run];
        v.submit(
            "#add-asset",
            &[("kind", "natural"), ("name", asset), ("holder", "RW 03")],
            None,
        );
        assert!(v.path().contains("done=saved"), "{}", v.path());
        assert!(v.text_of("#asset-list").contains(asset));
        let person = ["Ibu Nur (fiktif)", "Pak Dedi (fiktif)"][run];
        v.submit(
            "#add-citizen",
            &[("name", person), ("leads", "Kelompok tani")],
            None,
        );
        assert!(v.shows("#e-citizen-consent"), "no record without consent");
        v.submit("#add-citizen", &[("consent", "yes")], None);
        assert!(v.path().contains("done=saved"), "{}", v.path());
        assert!(v.text_of("#citizen-list").contains(person));
    });
}
