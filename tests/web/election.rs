//! The BKM election through the web app and the API: an RT's register,
//! the double entry of its ballots (two committee members, differences
//! resolved from the paper), groupings, the quorum, a tie decision, the
//! published result (no voter identity, CSVs that recount to the same
//! result with the library and the command line), level 2 and the
//! coordinator; permissions per role and scope; every page in id and en.

use crate::support::{
    assert_has_all, column, expect_status, file_form, in_area, item, json_of, location, posted,
    signed_in, spawn_app, text_of, Visitor,
};
use lumbung_community::election::{read_ballots, read_groups, read_residents, recount};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const KEL: &str = "3604010001";
const RT: &str = "3604010001.01.001";

/// The register of RT 001: ten adults. Only some are ever named.
const REGISTER: &str = "nama,jenis_kelamin,tanggal_lahir,kawin\n\
Udin,L,1970-02-11,ya\n\
Siti,P,1982-07-30,ya\n\
Ani,P,1990-01-05,tidak\n\
Dodi,L,1988-09-09,ya\n\
Wartini Register,P,1975-03-14,ya\n\
Rahmat Register,L,1966-12-01,ya\n\
Yanti Register,P,2001-06-21,tidak\n\
Asep Register,L,1999-10-10,tidak\n\
Euis Register,P,1979-04-04,ya\n\
Budiman Register,L,1984-08-18,ya\n";

/// What the command line that a published result names
/// (`result.command`) prints when run beside its BALLOTS.csv and
/// GROUPS.csv.
fn recount_on_the_command_line(result: &Value, ballots: &str, groups: &str) -> Value {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("BALLOTS.csv"), ballots).unwrap();
    std::fs::write(dir.path().join("GROUPS.csv"), groups).unwrap();
    let command = result["result"]["command"].as_str().unwrap();
    let args: Vec<&str> = command.split_whitespace().skip(1).collect();
    assert_eq!(args[..2], ["election", "recount"], "{command}");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_lumbung"))
        .args(&args)
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{command}: {stderr}");
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The election's count, as the API gives it.
async fn count_of(v: &Visitor, id: i64) -> Value {
    json_of(v, &format!("/api/v1/election/elections/{id}")).await
}

/// Renders each page in Indonesian and in English.
async fn in_both_languages(v: &Visitor, paths: &[String]) {
    for lang in ["en", "id"] {
        v.get(&format!("/lang/{lang}")).await;
        for path in paths {
            let (status, html) = v.get_html(path).await;
            assert_eq!(status, StatusCode::OK, "{path} in {lang}: {html}");
            assert!(
                html.contains(&format!("<html lang=\"{lang}\">")),
                "{path} in {lang}"
            );
            assert!(!html.contains("??"), "{path} in {lang}");
        }
    }
    v.get("/lang/id").await;
}

async fn open_poll(v: &Visitor, level: &str, area: &str) -> i64 {
    let to = posted(
        v,
        "/election",
        &[("level", level), ("area", area), ("held_on", "2025-03-02")],
    )
    .await;
    to.trim_start_matches("/election/").parse().unwrap()
}

async fn import_register(v: &Visitor, id: i64, csv: &str) -> reqwest::Response {
    let form = file_form("file", csv.as_bytes(), "register.csv");
    v.upload(&format!("/election/{id}/register/import"), form)
        .await
}

async fn enter(v: &Visitor, id: i64, entry: &str, ballots: Value) -> reqwest::Response {
    v.post_json(
        &format!("/api/v1/election/elections/{id}/ballots"),
        json!({"entry": entry, "ballots": ballots}),
    )
    .await
}

/// A third committee member of the kelurahan: makes no entry, resolves
/// differences and confirms what another member proposes.
async fn third_member(app: &crate::support::TestApp) -> Visitor {
    app.add_user("saksi-kel", lumbung_domain::Role::Facilitator, in_area(KEL));
    app.login("saksi-kel").await
}

/// Publishes through the form with two members: `proposer` proposes (back
/// to the poll's page), `confirmer` confirms (to the published result).
async fn publish_by_two(proposer: &Visitor, confirmer: &Visitor, id: i64) -> String {
    let to = posted(proposer, &format!("/election/{id}/publish"), &[]).await;
    assert_eq!(to, format!("/election/{id}#publication"));
    // The confirmation names the count its member sees.
    let (_, page) = confirmer.get_html(&format!("/election/{id}")).await;
    let field = "name=\"confirms\" value=\"";
    let at = page.find(field).expect("the count confirmed") + field.len();
    let confirms: String = page[at..].chars().take_while(|c| *c != '"').collect();
    posted(
        confirmer,
        &format!("/election/{id}/publish"),
        &[("confirms", confirms.as_str())],
    )
    .await
}

fn all_pages(id: i64) -> Vec<String> {
    [
        "/election".to_owned(),
        "/election/results".to_owned(),
        format!("/election/kelurahan/{KEL}"),
        format!("/election/{id}"),
        format!("/election/{id}/register"),
        format!("/election/{id}/ballots"),
        format!("/election/{id}/ballot-sheets?count=7&per_page=6"),
        format!("/election/{id}/minutes"),
    ]
    .into()
}

#[tokio::test]
async fn the_committee_runs_an_rt_election_to_a_published_result_anyone_can_recount() {
    let (app, [ani, budi]) = signed_in(["facilitator-kel", "facilitator"]).await;
    let saksi = third_member(&app).await;
    let id = open_poll(&ani, "rt", RT).await;

    // The register, from a file; a bad file is refused whole.
    let bad = import_register(
        &ani,
        id,
        "nama,jenis_kelamin,umur,kawin\nA,L,30,ya\nB,X,30,ya\n",
    )
    .await;
    // Said beside the form, in the viewer's language, the text kept.
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = bad.text().await.unwrap();
    assert_has_all(
        &html,
        &[
            "id=\"import-errors\"",
            "baris 3",
            "accept=\".csv,text/csv\" aria-invalid=\"true\"",
        ],
    );
    // A register pasted in comes back as it was pasted.
    let pasted = "nama,jenis_kelamin,umur,kawin\nB,X,30,ya\n";
    let form = reqwest::multipart::Form::new().text("text", pasted);
    let res = ani
        .upload(&format!("/election/{id}/register/import"), form)
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(
        html.contains(&format!(" aria-invalid=\"true\">{pasted}</textarea>")),
        "{html}"
    );
    // So is a voter typed in without an age.
    let html = ani
        .post_form_expect(
            &format!("/election/{id}/register"),
            &[("name", "Wartini"), ("sex", "female")],
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_has_all(
        &html,
        &[
            "id=\"voter-errors\"",
            "tulis tanggal lahir atau umur",
            "value=\"Wartini\"",
            "<option value=\"female\" selected>",
            "type=\"date\" value=\"\" aria-invalid=\"true\"",
        ],
    );
    let res = import_register(&ani, id, REGISTER).await;
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "{}",
        text_of(res).await
    );
    let (_, html) = ani.get_html(&format!("/election/{id}/register")).await;
    assert!(html.contains("Wartini Register") && !html.contains(">A<"));
    let count = count_of(&ani, id).await;
    assert_eq!(count["eligible"], 10);

    // Double entry: Ani makes entry A, Budi entry B, with one difference.
    posted(
        &ani,
        &format!("/election/{id}/ballots"),
        &[
            ("entry", "a"),
            (
                "lines",
                "1, Pak Haji Udin, Siti\n2, H. Udin, Siti, Dodi\n3, Udin, Ani\n",
            ),
        ],
    )
    .await;
    // The two enterers must differ: said beside the form, what was typed
    // kept.
    let refused = ani
        .post_form_expect(
            &format!("/election/{id}/ballots"),
            &[("entry", "b"), ("lines", "1, Pak Haji Udin, Siti\n")],
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert!(refused.contains("id=\"ballots-errors\""), "{refused}");
    assert!(
        refused.contains(">1, Pak Haji Udin, Siti\n</textarea>")
            && refused.contains("<option value=\"b\" selected>"),
        "{refused}"
    );
    assert!(refused.contains("action=\"/logout\""), "still signed in");
    posted(
        &budi,
        &format!("/election/{id}/ballots"),
        &[
            ("entry", "b"),
            (
                "lines",
                "1,Pak Haji Udin,Siti\n2,H. Udin,Siti,Dedi\n3,udin,ani\n",
            ),
        ],
    )
    .await;
    let count = count_of(&ani, id).await;
    assert_eq!(count["unresolved"], 1);
    assert_eq!(count["differences"][0]["ballot_id"], "2");
    assert_eq!(count["differences"][0]["kind"], "different_names");
    assert!(
        count["recount"].is_null(),
        "no result before the difference is resolved"
    );
    assert_eq!(count["blockers"][0]["code"], "differences");
    // Double entry is two independent readings of the paper: before the
    // result is published, entry A's typist reads A's names only and
    // entry B's typist B's, on every page, download and API (ani could
    // once read all of B's and "correct" A to match; budi could read A
    // before typing B). Counts and which ballots differ stay in sight.
    assert_eq!(count["withheld"], json!(["b"]));
    assert_eq!(count["differences"][0]["second"], json!([]));
    let (_, html) = ani.get_html(&format!("/election/{id}")).await;
    assert!(
        html.contains(", Dodi") && !html.contains(", Dedi"),
        "{html}"
    );
    let (_, html) = budi.get_html(&format!("/election/{id}")).await;
    assert!(
        html.contains(", Dedi") && !html.contains(", Dodi"),
        "{html}"
    );
    let (_, html) = budi.get_html(&format!("/election/{id}/ballots")).await;
    assert!(
        !html.contains(", Dodi") && html.contains("tidak ditampilkan kepada Anda"),
        "{html}"
    );
    let csv = budi
        .get(&format!("/election/{id}/ballots.csv"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!csv.contains("Dodi") && csv.contains("Dedi"), "{csv}");
    let entries = json_of(&budi, &format!("/api/v1/election/elections/{id}/entries")).await;
    assert_eq!(
        (&entries["a"], &entries["withheld"]),
        (&json!([]), &json!(["a"]))
    );
    assert_eq!(entries["b"].as_array().map(Vec::len), Some(3));
    // Who may not type (an auditor) reads both, and the grouping
    // suggestions made from entry A's names; a typist reads none of them
    // while the entries differ.
    let auditor = app.login("auditor").await;
    let (_, html) = auditor.get_html(&format!("/election/{id}")).await;
    assert!(html.contains(", Dodi") && html.contains(", Dedi"));
    let seen = count_of(&auditor, id).await;
    assert!(
        seen["suggestions"]
            .as_array()
            .is_some_and(|s| !s.is_empty()),
        "{seen}"
    );
    assert_eq!(count_of(&budi, id).await["suggestions"], json!([]));
    // An entry is made by one member: a third cannot join entry A (and so
    // read it), nor guess at its ballots.
    app.add_user("citra", lumbung_domain::Role::Facilitator, in_area(KEL));
    let citra = app.login("citra").await;
    let res = citra
        .post_form(
            &format!("/election/{id}/ballots"),
            &[("entry", "a"), ("lines", "9,Udin,Siti\n")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("entri A dibuat oleh facilitator-kel"),
        "{html}"
    );
    assert_eq!(count_of(&citra, id).await["withheld"], json!(["a", "b"]));
    // The draft minutes say what the election's page says: one open.
    let (_, minutes) = ani.get_html(&format!("/election/{id}/minutes")).await;
    assert!(
        minutes.contains("1 perbedaan, 1 belum diselesaikan")
            && !minutes.contains("semua diselesaikan"),
        "{minutes}"
    );
    // A line without its ballot's number is refused, not counted as a
    // ballot called "Dewi Hayati".
    let refused = ani
        .post_form_expect(
            &format!("/election/{id}/ballots"),
            &[("entry", "a"), ("lines", "4, Siti\nDewi Hayati\n")],
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert!(
        refused.contains("baris 2: Dewi Hayati bukan nomor surat suara"),
        "{refused}"
    );
    assert!(
        refused.contains("aria-invalid=\"true\">4, Siti\nDewi Hayati\n</textarea>"),
        "the lines kept, marked: {refused}"
    );
    // A correction refused the same way: beside its form.
    let refused = ani
        .post_form_expect(
            &format!("/election/{id}/ballots/correct"),
            &[("entry", "b"), ("ballot_id", "2"), ("names", "Dodi")],
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_has_all(&refused, &["id=\"correct-errors\"", "value=\"Dodi\""]);
    in_both_languages(&ani, &all_pages(id)).await;
    // Blocked by the difference: said on the poll's page, where the
    // publish button is.
    let refused = ani
        .post_form_expect(
            &format!("/election/{id}/publish"),
            &[],
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert!(refused.contains("id=\"publish-errors\""), "{refused}");

    // The committee reads paper ballot 2: Dodi. Neither enterer may
    // decide it; a third member, who made neither entry, does.
    for v in [&ani, &budi] {
        let refused = v
            .post_form_expect(
                &format!("/election/{id}/resolve"),
                &[
                    ("ballot_id", "2"),
                    ("names", "H. Udin, Siti, Dedi"),
                    ("note", "dibaca ulang"),
                ],
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        // Beside the difference's own form, what was typed kept.
        assert!(refused.contains("id=\"resolve-1-errors\""), "{refused}");
        assert!(
            refused.contains("value=\"H. Udin, Siti, Dedi\"")
                && refused.contains("value=\"dibaca ulang\""),
            "{refused}"
        );
    }
    posted(
        &saksi,
        &format!("/election/{id}/resolve"),
        &[
            ("ballot_id", "2"),
            ("names", "H. Udin, Siti, Dodi"),
            ("note", "kertas no. 2 dibaca bersama: Dodi"),
        ],
    )
    .await;
    // The app suggests; the committee confirms.
    let count = count_of(&ani, id).await;
    assert_eq!(count["unresolved"], 0);
    assert_eq!(
        count["recount"]["quorum_met"], true,
        "3 of 10 is exactly 30%"
    );
    assert!(count["groups"].as_array().unwrap().is_empty());
    let suggested = &count["suggestions"][0];
    assert_eq!(suggested["person"], "Udin");
    posted(
        &ani,
        &format!("/election/{id}/groups"),
        &[
            ("written", "Pak Haji Udin"),
            ("written", "H. Udin"),
            ("person", "Udin"),
        ],
    )
    .await;

    // Udin 3, Siti 2, Ani and Dodi 1 each for the third seat: a tie.
    let count = count_of(&ani, id).await;
    assert_eq!(count["recount"]["elected"], json!(["Udin", "Siti"]));
    assert_eq!(count["recount"]["ties"], json!(["Ani", "Dodi"]));
    assert_eq!(count["blockers"][0]["code"], "tie_undecided");
    in_both_languages(&budi, &all_pages(id)).await;
    // The kelurahan's rule is a re-vote; a lot is refused, so is a new tie.
    let refused = ani
        .post_form_expect(
            &format!("/election/{id}/tie"),
            &[("rule", "lot"), ("winner", "Ani"), ("note", "undian")],
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_has_all(&refused, &["id=\"tie-errors\"", "value=\"undian\""]);
    ani.post_form_expect(
        &format!("/election/{id}/tie"),
        &[
            ("rule", "revote"),
            ("votes:Ani", "4"),
            ("votes:Dodi", "4"),
            ("note", "ulang"),
        ],
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    posted(
        &ani,
        &format!("/election/{id}/tie"),
        &[
            ("rule", "revote"),
            ("votes:Ani", "5"),
            ("votes:Dodi", "3"),
            ("note", "Pemilihan ulang 3 Maret di balai RT, 8 pemilih"),
        ],
    )
    .await;
    let voters: Value = json_of(&ani, &format!("/api/v1/election/elections/{id}/register")).await;
    let ids: Vec<String> = voters["voters"]
        .as_array()
        .unwrap()
        .iter()
        .take(3)
        .map(|v| v["id"].to_string())
        .collect();
    let mut fields: Vec<(&str, &str)> = ids.iter().map(|i| ("voter", i.as_str())).collect();
    fields.push(("voted", "1"));
    posted(&ani, &format!("/election/{id}/voted"), &fields).await;
    let count = count_of(&ani, id).await;
    assert_eq!(count["ready"], true, "{}", count["blockers"]);
    assert_eq!(count["elected"], json!(["Udin", "Siti", "Ani"]));
    assert_eq!(count["women"]["women"], 2);
    assert_eq!(count["women"]["target_met"], true);
    assert_eq!(count["voted"], 3);
    let (_, html) = ani.get_html(&format!("/election/{id}/minutes")).await;
    assert!(html.contains("Pemilihan ulang 3 Maret"));

    // Published: Ani proposes, Budi checks and confirms.
    let to = publish_by_two(&ani, &budi, id).await;
    assert_eq!(to, format!("/election/results/{id}"));
    // The adult turnout joins the cycle's progress of the kelurahan.
    let res = crate::community::record(&ani, KEL, "rkm", "2024-01-10").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let progress = json_of(&ani, "/api/v1/community/cycle").await;
    let row = item(&progress, "kelurahan", "code", KEL).clone();
    assert!(row["turnout"]["voted"].as_u64().unwrap() > 0);
    assert_eq!(row["turnout"]["voted"], count["recount"]["ballots"]);
    assert_eq!(row["turnout"]["eligible"], count["recount"]["eligible"]);
    // A published poll is kept
    let refused = ani
        .post_form_expect(
            &format!("/election/{id}/groups"),
            &[("written", "Udin S"), ("person", "Udin")],
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert!(refused.contains("id=\"groups-errors\""), "{refused}");

    // Everyone sees it; no voter identity, no register, no enterers.
    let anon = app.anonymous();
    let html = anon.page(&to, StatusCode::OK).await;
    for shown in [
        "Udin",
        "Siti",
        "Ani",
        "Dodi",
        "Pak Haji Udin",
        "BALLOTS.csv",
    ] {
        assert!(html.contains(shown), "{shown}");
    }
    for hidden in ["Register", "1970-02-11", "facilitator", "voted"] {
        assert!(!html.contains(hidden), "the public page shows {hidden}");
    }
    let api: Value = json_of(&anon, &format!("/api/v1/election/results/{id}")).await;
    let text = api.to_string();
    assert!(!text.contains("Register") && !text.contains("facilitator") && !text.contains("1982"));
    assert_eq!(api["result"]["elected"], json!(["Udin", "Siti", "Ani"]));
    assert_eq!(
        api["result"]["register"],
        json!({"eligible": 10, "voted": 3})
    );
    let minutes = anon.page(&format!("{to}/minutes"), StatusCode::OK).await;
    assert!(minutes.contains("BERITA ACARA") && !minutes.contains("Register"));
    in_both_languages(
        &anon,
        &[
            to.clone(),
            format!("{to}/minutes"),
            "/election/results".into(),
        ],
    )
    .await;

    // The published files recount to the published result, with the
    // library and with the command line.
    let ballots = anon.get(&format!("{to}/BALLOTS.csv")).await;
    assert_eq!(ballots.headers()["content-type"], "text/csv; charset=utf-8");
    let ballots = ballots.text().await.unwrap();
    let groups = anon.text(&format!("{to}/GROUPS.csv")).await;
    assert!(!ballots.contains("Register") && ballots.starts_with("ballot_id,name1,name2,name3\n"));
    assert_eq!(
        anon.status(&format!("{to}/RESIDENTS.csv")).await,
        StatusCode::NOT_FOUND
    );
    let published = &api["result"]["recount"];
    let settings = &api["result"]["settings"];
    let config = lumbung_community::election::RecountConfig {
        eligible: std::num::NonZeroU64::new(10).unwrap(),
        seats: std::num::NonZeroUsize::new(settings["delegates_per_rt"].as_u64().unwrap() as usize)
            .unwrap(),
        names: lumbung_community::election::NamesPerBallot::new(2, 3).unwrap(),
        quorum: settings["quorum"].as_str().unwrap().parse().unwrap(),
    };
    let again = recount(
        &read_ballots("BALLOTS.csv", ballots.as_bytes()).unwrap(),
        &config,
        &read_groups("GROUPS.csv", groups.as_bytes()).unwrap(),
        None,
    )
    .unwrap();
    assert_eq!(&serde_json::to_value(&again).unwrap(), published);
    assert_eq!(
        &recount_on_the_command_line(&api, &ballots, &groups),
        published,
        "the command line recounts the same"
    );

    // Every correction is in the audit log.
    let admin = app.login("admin").await;
    let log: Value = json_of(&admin, "/api/v1/audit?limit=100").await;
    let actions: Vec<&str> = log["entries"]
        .as_array()
        .or_else(|| log.as_array())
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for a in [
        "election_ballot_resolve",
        "election_group",
        "election_tie",
        "election_publish_propose",
        "election_publish",
    ] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }

    // Level 2: the delegates elect the BKM members, who elect a coordinator.
    let bkm = open_poll(&ani, "bkm", KEL).await;
    let voters = json_of(&ani, &format!("/api/v1/election/elections/{bkm}/register")).await;
    let names = column(&voters, "voters", "name");
    assert_eq!(names, ["Ani", "Siti", "Udin"]);
    for (v, entry) in [(&ani, "a"), (&budi, "b")] {
        posted(
            v,
            &format!("/election/{bkm}/ballots"),
            &[
                ("entry", entry),
                ("lines", "1,Udin,Siti\n2,Siti,Ani\n3,Ani,Outsider\n"),
            ],
        )
        .await;
    }
    let count = json_of(&ani, &format!("/api/v1/election/elections/{bkm}")).await;
    assert_eq!(
        count["recount"]["invalid"], 1,
        "delegates elect from among themselves"
    );
    assert_eq!(count["ready"], true, "{}", count["blockers"]);
    publish_by_two(&ani, &saksi, bkm).await;
    let result = json_of(&anon, &format!("/api/v1/election/results/{bkm}")).await;
    assert_eq!(
        result["result"]["term"],
        json!({"start": "2025-03-02", "end": "2028-03-02"})
    );
    let residents = anon
        .text(&format!("/election/results/{bkm}/RESIDENTS.csv"))
        .await;
    let rc = recount(
        &read_ballots(
            "B",
            anon.text(&format!("/election/results/{bkm}/BALLOTS.csv"))
                .await
                .as_bytes(),
        )
        .unwrap(),
        &lumbung_community::election::RecountConfig {
            eligible: std::num::NonZeroU64::new(3).unwrap(),
            seats: std::num::NonZeroUsize::new(9).unwrap(),
            names: lumbung_community::election::NamesPerBallot::new(2, 3).unwrap(),
            quorum: "0.30".parse().unwrap(),
        },
        &read_groups("G", b"written,person\n").unwrap(),
        Some(&read_residents("R", residents.as_bytes()).unwrap()),
    )
    .unwrap();
    assert_eq!(
        serde_json::to_value(&rc).unwrap(),
        result["result"]["recount"]
    );
    let coordinator = open_poll(&ani, "coordinator", KEL).await;
    for (v, entry) in [(&ani, "a"), (&budi, "b")] {
        posted(
            v,
            &format!("/election/{coordinator}/ballots"),
            &[("entry", entry), ("lines", "1,Siti\n2,Siti\n3,Udin\n")],
        )
        .await;
    }
    publish_by_two(&budi, &ani, coordinator).await;
    let result = json_of(&anon, &format!("/api/v1/election/results/{coordinator}")).await;
    assert_eq!(result["result"]["elected"], json!(["Siti"]));
    in_both_languages(&ani, &all_pages(bkm)).await;
    in_both_languages(
        &ani,
        &[
            format!("/election/results/{bkm}"),
            format!("/election/results/{coordinator}/minutes"),
        ],
    )
    .await;
}

#[tokio::test]
async fn the_quorum_is_met_at_exactly_thirty_percent_and_not_just_below() {
    let (_app, [a, b]) = signed_in(["facilitator-kel", "facilitator"]).await;
    let id = a
        .post_json_answer(
            "/api/v1/election/elections",
            json!({"level": "rt", "area": RT, "held_on": "2025-03-02"}),
            StatusCode::OK,
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let voters: Vec<Value> = (1..=10)
        .map(|i| json!({"name": format!("Warga {i}"), "sex": "P", "age": 30 + i}))
        .collect();
    let res = a
        .post_json(
            &format!("/api/v1/election/elections/{id}/register"),
            json!({ "voters": voters }),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK, "{}", text_of(res).await);
    let two = json!([
        {"ballot_id": "1", "names": ["Warga 1", "Warga 2"]},
        {"ballot_id": "2", "names": ["Warga 1", "Warga 3"]},
    ]);
    assert_eq!(
        enter(&a, id, "a", two.clone()).await.status(),
        StatusCode::OK
    );
    assert_eq!(enter(&b, id, "b", two).await.status(), StatusCode::OK);
    let count = count_of(&a, id).await;
    assert_eq!(count["recount"]["turnout"], "0.200000");
    assert_eq!(count["recount"]["quorum_met"], false);
    assert!(count["blockers"]
        .as_array()
        .unwrap()
        .iter()
        .any(|b| b["code"] == "quorum_not_met"));
    a.post_json_expect(
        &format!("/api/v1/election/elections/{id}/publish"),
        json!({}),
        StatusCode::CONFLICT,
    )
    .await;
    // Lowering the kelurahan's quorum while the poll is open changes
    // nothing for it: it counts with the settings it opened with.
    let res = a
        .send_json(
            Method::PUT,
            &format!("/api/v1/election/settings/{KEL}"),
            json!({"quorum": "0.1", "delegates_per_rt": 1, "names_min": 1}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let count = count_of(&a, id).await;
    assert_eq!(count["recount"]["quorum"], "0.300000");
    assert_eq!(count["recount"]["quorum_met"], false);
    assert_eq!(count["seats"], 3);
    a.post_json_expect(
        &format!("/api/v1/election/elections/{id}/publish"),
        json!({}),
        StatusCode::CONFLICT,
    )
    .await;
    // The committee goes door to door and brings one more ballot.
    a.post_json_expect(
        &format!("/api/v1/election/elections/{id}/door-to-door"),
        json!({"on": "2025-03-04", "note": "RT 001, 2 petugas, rumah ke rumah"}),
        StatusCode::OK,
    )
    .await;
    let third = json!([{"ballot_id": "3", "names": ["Warga 3", "Warga 2"]}]);
    enter(&a, id, "a", third.clone()).await;
    // Just below: 3 of 11 when an eleventh voter is on the register.
    a.post_json(
        &format!("/api/v1/election/elections/{id}/register"),
        json!({"voters": [{"name": "Warga 11", "married": true}]}),
    )
    .await;
    enter(&b, id, "b", third).await;
    let count = count_of(&a, id).await;
    assert_eq!(count["recount"]["turnout"], "0.272727");
    assert_eq!(count["recount"]["quorum_met"], false);
    // Exactly at: Warga 11 was on the register by mistake.
    let voters = json_of(&a, &format!("/api/v1/election/elections/{id}/register")).await;
    let eleventh = item(&voters, "voters", "name", "Warga 11")["id"].to_string();
    posted(
        &a,
        &format!("/election/{id}/register/remove"),
        &[("voter", &eleventh)],
    )
    .await;
    let count = count_of(&a, id).await;
    assert_eq!(count["recount"]["turnout"], "0.300000");
    assert_eq!(count["recount"]["quorum_met"], true);
    assert_eq!(count["door_to_door"][0]["on"], "2025-03-04");
    assert_eq!(count["ready"], true, "{}", count["blockers"]);
    // A quorum set per kelurahan applies to the polls opened afterwards:
    // 0.5 leaves this count as it is, and a new poll takes it.
    let res = a
        .send_json(
            Method::PUT,
            &format!("/api/v1/election/settings/{KEL}"),
            json!({"quorum": "0.5"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let count = count_of(&a, id).await;
    assert_eq!(count["recount"]["quorum_met"], true);
    let later = open_poll(&a, "rt", RT).await;
    let count = json_of(&a, &format!("/api/v1/election/elections/{later}")).await;
    assert_eq!(count["settings"]["quorum"], "0.5");
}

#[tokio::test]
async fn roles_and_scopes_follow_the_access_table() {
    let app = spawn_app().await;
    // A facilitator of the neighbouring kelurahan.
    app.add_user(
        "facilitator-kamasan",
        lumbung_domain::Role::Facilitator,
        in_area("3604010002"),
    );
    let committee = app.login("facilitator-kel").await;
    let id = open_poll(&committee, "rt", RT).await;
    let page = format!("/election/{id}");
    for (user, status) in [
        ("facilitator", StatusCode::OK),
        ("facilitator-kel", StatusCode::OK),
        ("bkm", StatusCode::OK),
        ("bkm-user", StatusCode::OK),
        ("auditor", StatusCode::OK),
        ("auditor-serang", StatusCode::OK),
        ("upk", StatusCode::FORBIDDEN),
        ("admin", StatusCode::FORBIDDEN),
        ("analyst", StatusCode::FORBIDDEN),
        ("facilitator-kamasan", StatusCode::NOT_FOUND),
    ] {
        let v = app.login(user).await;
        assert_eq!(v.status(&page).await, status, "{user} reads {page}");
        assert_eq!(
            v.status(&format!("{page}/register")).await,
            status,
            "{user} reads the register"
        );
    }
    let anon = app.anonymous();
    assert_eq!(anon.status(&page).await, StatusCode::SEE_OTHER);
    assert_eq!(anon.status("/election").await, StatusCode::OK);

    // Readers do not write; the other kelurahan's facilitator finds nothing.
    for (user, status) in [
        ("bkm", StatusCode::FORBIDDEN),
        ("auditor", StatusCode::FORBIDDEN),
        ("upk", StatusCode::FORBIDDEN),
        ("facilitator-kamasan", StatusCode::NOT_FOUND),
    ] {
        let v = app.login(user).await;
        let res = v
            .post_form(
                &format!("{page}/ballots"),
                &[("entry", "a"), ("lines", "1,A,B")],
            )
            .await;
        assert_eq!(res.status(), status, "{user} enters ballots");
        let res = v
            .post_form(
                "/election",
                &[("level", "rt"), ("area", RT), ("held_on", "2025-03-02")],
            )
            .await;
        let expected = if user == "facilitator-kamasan" {
            StatusCode::NOT_FOUND
        } else {
            StatusCode::FORBIDDEN
        };
        assert_eq!(res.status(), expected, "{user} opens a poll");
    }
    let kamasan = app.login("facilitator-kamasan").await;
    let list: Value = json_of(&kamasan, "/api/v1/election/elections").await;
    assert_eq!(list["elections"], json!([]));
    assert_eq!(
        kamasan.status(&format!("/election/kelurahan/{KEL}")).await,
        StatusCode::NOT_FOUND
    );
    let upk = app.login("upk").await;
    assert_eq!(
        upk.status("/api/v1/election/elections").await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(upk.status("/election").await, StatusCode::OK);
    let res = committee.get(&format!("/election?kelurahan={KEL}")).await;
    assert_eq!(location(&res), format!("/election/kelurahan/{KEL}"));
    let res = committee
        .get("/election?kelurahan=%2F%2Fevil.example")
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let bkm = app.login("bkm-user").await;
    let list: Value = json_of(&bkm, "/api/v1/election/elections").await;
    assert_eq!(
        list["elections"][0]["id"], id,
        "the BKM reads its kelurahan's polls"
    );
    // Bearer tokens work for the committee's API.
    let token = app.token("facilitator-kel").await;
    let res = app
        .bearer(
            Method::POST,
            &format!("/api/v1/election/elections/{id}/register"),
            &token,
        )
        .header("content-type", "text/csv")
        .body(REGISTER)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>().await.unwrap()["added"], 10);
    // Not published: nothing public.
    assert_eq!(
        anon.status(&format!("/election/results/{id}")).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        anon.status(&format!("/api/v1/election/results/{id}")).await,
        StatusCode::NOT_FOUND
    );
}

async fn api(v: &Visitor, id: i64, what: &str, body: Value) -> reqwest::Response {
    v.post_json(&format!("/api/v1/election/elections/{id}/{what}"), body)
        .await
}

/// The body of an [`api`] call that must answer `status`.
async fn api_answers(v: &Visitor, id: i64, what: &str, body: Value, status: StatusCode) -> String {
    expect_status(what, api(v, id, what, body).await, status).await
}

/// The body of a resolution of ballot `ballot` as `names` through the
/// API, which must answer `status`.
async fn resolve(
    v: &Visitor,
    id: i64,
    ballot: &str,
    names: [&str; 2],
    note: &str,
    status: StatusCode,
) -> String {
    let body = json!({"ballot_id": ballot, "names": names, "note": note});
    api_answers(v, id, "resolutions", body, status).await
}

/// Every way one committee member could count and publish alone, tried
/// through the API: each is refused, and the two- and three-member path
/// publishes. A name written as a spreadsheet formula is published escaped
/// and the downloaded files still recount to the published result.
#[tokio::test]
async fn one_committee_member_cannot_count_or_publish_alone() {
    let (app, [ani, budi]) = signed_in(["facilitator-kel", "facilitator"]).await;
    let saksi = third_member(&app).await;
    let id = open_poll(&ani, "rt", RT).await;
    assert_eq!(
        import_register(&ani, id, REGISTER).await.status(),
        StatusCode::SEE_OTHER
    );
    let formula = "=HYPERLINK(\"http://x\",\"y\")";
    let entry_a = json!([
        {"ballot_id": "1", "names": ["Udin", formula]},
        {"ballot_id": "2", "names": ["Udin", "Siti"]},
        {"ballot_id": "3", "names": ["Siti", "Udin"]},
    ]);
    assert_eq!(enter(&ani, id, "a", entry_a).await.status(), StatusCode::OK);

    // Entry B is empty: Ani resolves the ballots "missing from B" herself
    // and publishes. Refused.
    for b in ["1", "2", "3"] {
        let body = resolve(&ani, id, b, ["Udin", "Siti"], "x", StatusCode::CONFLICT).await;
        assert!(body.contains("made neither entry"), "{body}");
    }
    api_answers(&ani, id, "publish", json!({}), StatusCode::CONFLICT).await;
    // A third member cannot fill entry B by resolving either.
    let body = resolve(&saksi, id, "2", ["Udin", "Siti"], "x", StatusCode::CONFLICT).await;
    assert!(body.contains("missing from entry B"), "{body}");

    let entry_b = json!([
        {"ballot_id": "1", "names": [formula, "udin"]},
        {"ballot_id": "2", "names": ["Udin", "Dodi"]},
        {"ballot_id": "3", "names": ["Siti", "Udin"]},
    ]);
    assert_eq!(
        enter(&budi, id, "b", entry_b).await.status(),
        StatusCode::OK
    );
    // Budi made entry B: he does not resolve; nobody overwrites a ballot
    // both entries agree on.
    resolve(&budi, id, "2", ["Udin", "Dodi"], "x", StatusCode::CONFLICT).await;
    let body = resolve(&saksi, id, "3", ["Dodi", "Ani"], "x", StatusCode::CONFLICT).await;
    assert!(body.contains("agree on ballot 3"), "{body}");
    resolve(
        &saksi,
        id,
        "2",
        ["Udin", "Siti"],
        "kertas no. 2",
        StatusCode::OK,
    )
    .await;
    let count = count_of(&ani, id).await;
    assert_eq!(count["ready"], true, "{}", count["blockers"]);
    assert_eq!(count["resolutions"][0]["resolved_by"], "saksi-kel");

    // Ani proposes publishing; Ani again is not a second member.
    let res = api(&ani, id, "publish", json!({})).await;
    assert_eq!(res.status(), StatusCode::OK);
    let proposed: Value = res.json().await.unwrap();
    assert_eq!(proposed["published"], false);
    assert_eq!(proposed["proposed_by"], "facilitator-kel");
    let shown = count_of(&ani, id).await["count_sha256"].clone();
    let body = api_answers(
        &ani,
        id,
        "publish",
        json!({ "confirms": shown }),
        StatusCode::CONFLICT,
    )
    .await;
    assert!(body.contains("a second committee member"), "{body}");
    let anon = app.anonymous();
    assert_eq!(
        anon.status(&format!("/election/results/{id}")).await,
        StatusCode::NOT_FOUND,
        "proposed is not published"
    );
    let (_, html) = saksi.get_html(&format!("/election/{id}")).await;
    assert!(html.contains("id=\"publication\"") && html.contains("facilitator-kel"));
    in_both_languages(&saksi, &[format!("/election/{id}")]).await;
    // A confirmation of another count than the one proposed is refused.
    let other = json!({"confirms": "0".repeat(64)});
    api_answers(&saksi, id, "publish", other, StatusCode::CONFLICT).await;
    let seen = count_of(&saksi, id).await["publication"]["count_sha256"].clone();
    let res = api(&saksi, id, "publish", json!({ "confirms": seen })).await;
    assert_eq!(res.status(), StatusCode::OK);
    let published: Value = res.json().await.unwrap();
    assert_eq!(published["published"], true);
    assert_eq!(published["url"], format!("/election/results/{id}"));

    // The formula is published escaped, and the files still recount.
    let to = format!("/election/results/{id}");
    let ballots = anon.text(&format!("{to}/BALLOTS.csv")).await;
    assert!(
        ballots.contains("\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""),
        "{ballots}"
    );
    assert!(!ballots.contains(",\"=HYPERLINK") && !ballots.contains(",=HYPERLINK"));
    let groups = anon.text(&format!("{to}/GROUPS.csv")).await;
    let result: Value = json_of(&anon, &format!("/api/v1/election/results/{id}")).await;
    let published = &result["result"]["recount"];
    assert_eq!(published["votes"][formula], 1, "{published}");
    assert_eq!(
        &recount_on_the_command_line(&result, &ballots, &groups),
        published,
        "the command line recounts the escaped file"
    );
}

/// A tie broken by lot counts only once a second member records the same
/// winners; the first member alone cannot confirm it.
#[tokio::test]
async fn a_lot_needs_a_second_committee_member() {
    let (_app, [ani, budi]) = signed_in(["facilitator-kel", "facilitator"]).await;
    let res = ani
        .send_json(
            Method::PUT,
            &format!("/api/v1/election/settings/{KEL}"),
            json!({"tie_rule": "lot"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let id = open_poll(&ani, "rt", RT).await;
    import_register(&ani, id, REGISTER).await;
    let lines = "1,Udin,Siti\n2,Udin,Siti\n3,Ani,Dodi\n";
    for (v, entry) in [(&ani, "a"), (&budi, "b")] {
        posted(
            v,
            &format!("/election/{id}/ballots"),
            &[("entry", entry), ("lines", lines)],
        )
        .await;
    }
    let lot = json!({"rule": "lot", "winners": ["Ani"], "note": "undian di balai RT"});
    assert_eq!(
        api(&ani, id, "tie", lot.clone()).await.status(),
        StatusCode::OK
    );
    let count = count_of(&ani, id).await;
    assert!(
        count["elected"].is_null(),
        "one member's lot does not count"
    );
    assert!(count["blockers"]
        .as_array()
        .unwrap()
        .iter()
        .any(|b| b["code"] == "tie_unconfirmed"));
    assert_eq!(count["tie_signers"]["decided_by"], "facilitator-kel");
    in_both_languages(&budi, &[format!("/election/{id}")]).await;
    api_answers(&ani, id, "tie", lot.clone(), StatusCode::CONFLICT).await;
    assert_eq!(
        api(&ani, id, "publish", json!({})).await.status(),
        StatusCode::CONFLICT
    );
    posted(
        &budi,
        &format!("/election/{id}/tie"),
        &[
            ("rule", "lot"),
            ("winner", "Ani"),
            ("note", "undian di balai RT"),
        ],
    )
    .await;
    let count = count_of(&ani, id).await;
    assert_eq!(count["elected"], json!(["Siti", "Udin", "Ani"]));
    assert_eq!(count["tie_signers"]["confirmed_by"], "facilitator");
    assert_eq!(count["ready"], true, "{}", count["blockers"]);
}

/// Review of issue 10: a names limit of a trillion made the ballot sheets
/// allocate 8 TB and abort the server. Limits are bounded where they are
/// set, and a sheet's numbering stays in range.
#[tokio::test]
async fn absurd_election_limits_are_refused_and_sheets_stay_bounded() {
    let (app, [a]) = signed_in(["facilitator-kel"]).await;
    for (field, value) in [
        ("names_max", json!(1_000_000_000_000u64)),
        ("bkm_names_max", json!(51)),
        ("delegates_per_rt", json!(1_000_000)),
        ("bkm_seats", json!(101)),
    ] {
        let res = a
            .send_json(
                Method::PUT,
                &format!("/api/v1/election/settings/{KEL}"),
                json!({ field: value }),
            )
            .await;
        assert!(res.status().is_client_error(), "{field}: {}", res.status());
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"]["field"], field, "{body}");
    }
    let id = open_poll(&a, "rt", RT).await;
    let res = a
        .get(&format!(
            "/election/{id}/ballot-sheets?from=4294967295&count=1000"
        ))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(app.anonymous().status("/health").await.is_success());
}

/// The kelurahan's election settings refused come back beside the form:
/// why, in the visitor's language, with what was typed; saved, they are
/// confirmed.
#[tokio::test]
async fn refused_election_settings_come_back_beside_the_form() {
    let (_app, [field]) = signed_in(["facilitator-kel"]).await;
    let action = format!("/election/kelurahan/{KEL}/settings");
    let answer = field
        .post_form_expect(
            &action,
            &[("names_min", "dua"), ("quorum", "0,6"), ("term_years", "5")],
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_has_all(
        &answer,
        &[
            "id=\"settings-errors\"",
            "&quot;dua&quot; bukan bilangan bulat",
            "value=\"dua\" aria-invalid=\"true\"",
        ],
    );
    assert!(answer.contains("value=\"0,6\""), "typed kept: {answer}");
    assert!(answer.contains("action=\"/logout\""), "still signed in");
    let res = field
        .post_form(
            &action,
            &[("names_min", "1"), ("names_max", "3"), ("term_years", "5")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(
        location(&res).ends_with("?done=saved"),
        "{}",
        location(&res)
    );
}

/// A register is a kelurahan's adults: its page shows 50 at a time, its
/// counts of all, its links to the register's own pages.
#[tokio::test]
async fn the_register_is_shown_a_page_at_a_time() {
    let (_app, [ani]) = signed_in(["facilitator-kel"]).await;
    let id = open_poll(&ani, "rt", RT).await;
    let mut csv = String::from("nama,jenis_kelamin,umur,kawin\n");
    for n in 1..=120 {
        csv.push_str(&format!("Warga Nomor {n:03},P,{},ya\n", 20 + n % 50));
    }
    let res = import_register(&ani, id, &csv).await;
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "{}",
        text_of(res).await
    );
    let rows = |html: &str| html.matches("<td>Warga Nomor ").count();
    let (_, first) = ani.get_html(&format!("/election/{id}/register")).await;
    assert_eq!(rows(&first), 50);
    assert_has_all(
        &first,
        &[
            "<p class=\"lead\">120 ",
            "1 / 3",
            // The template escapes the slashes.
            &format!("href=\"&#x2f;election&#x2f;{id}&#x2f;register?page=2#voted-form\""),
        ],
    );
    let (_, last) = ani
        .get_html(&format!("/election/{id}/register?page=3"))
        .await;
    assert_eq!(rows(&last), 20);
    assert!(last.contains("Warga Nomor 120") && !last.contains("Warga Nomor 001"));
}
