//! Partnerships, offers and needs through the pages: who sees and does
//! what, what stands out, the public summary, and a match made a
//! partnership with both sides notified.

use crate::support::{file_form, last_segment, posted, spawn_app, TestApp, Visitor};
use lumbung_domain::{BuyoutId, OrgKind, Role, Scope};
use reqwest::StatusCode;

const KEL: &str = "3604010001";

/// Uploads `csv` as the file of the upload form at `path`, which must
/// answer `status`; the answer's body.
async fn upload_csv(v: &Visitor, path: &str, csv: &str, status: StatusCode) -> String {
    let res = v
        .upload(path, file_form("file", csv.as_bytes(), "upload.csv"))
        .await;
    let got = res.status();
    let body = res.text().await.unwrap();
    assert_eq!(got, status, "{path} given {csv:?}: {body}");
    body
}

/// Signed in: a facilitator of Kamasan, the kelurahan beside the seed's.
async fn kamasan_facilitator(app: &TestApp) -> Visitor {
    app.add_user(
        "fac-kamasan",
        Role::Facilitator,
        crate::support::in_area("3604010002"),
    );
    app.login("fac-kamasan").await
}

/// The seed's today moved by `span`, as a form takes a date.
fn today_plus(app: &TestApp, span: jiff::Span) -> String {
    let today = app.store.clock().today();
    today.checked_add(span).unwrap().to_string()
}

/// The table that follows `id="ID"` in `html`.
fn table<'a>(html: &'a str, id: &str) -> &'a str {
    let after = html.split(&format!("id=\"{id}\"")).nth(1);
    let after = after.unwrap_or_else(|| panic!("no {id}: {html}"));
    after.split("</table>").next().unwrap()
}

/// A partnership of the seed's kelurahan started by its facilitator, the
/// BKM leading, and a company partner; its id.
async fn started(app: &TestApp, fac: &Visitor) -> (String, i64) {
    let company = app.add_org("PT Gas Banten", OrgKind::Company, "36");
    let to = posted(
        fac,
        "/partnerships",
        &[
            ("name", "Kemitraan Umbul Tanjung"),
            ("area", KEL),
            ("vision", "Usaha warga miskin tumbuh"),
            ("goals", "50 usaha baru dalam 3 tahun"),
            ("lead", &app.bkm.to_string()),
        ],
    )
    .await;
    let id = last_segment(&to).to_owned();
    posted(
        fac,
        &format!("/partnerships/{id}/partners"),
        &[("org", &company.to_string()), ("role", "funder")],
    )
    .await;
    (id, company)
}

#[tokio::test]
async fn a_partnership_shows_who_promised_what_and_what_is_overdue() {
    let app = spawn_app().await;
    let fac = app.login("facilitator-kel").await;
    // A refused form keeps what was typed and names the field.
    let html = fac
        .post_form_expect(
            "/partnerships",
            &[
                ("name", "Kemitraan Kamasan"),
                ("area", "3604010002"),
                ("vision", "x"),
            ],
            StatusCode::OK,
        )
        .await;
    assert!(html.contains("id=\"e-create-area\""), "{html}");
    assert!(html.contains("value=\"Kemitraan Kamasan\""));
    let (id, company) = started(&app, &fac).await;
    let page = format!("/partnerships/{id}");
    // The BKM's money is overdue (due yesterday), the company's staff time open.
    let yesterday = app.store.clock().today().yesterday().unwrap().to_string();
    let next_year = today_plus(&app, jiff::Span::new().years(1));
    posted(
        &fac,
        &format!("{page}/commitments"),
        &[
            ("org", &app.bkm.to_string()),
            ("kind", "money"),
            ("description", "Swadaya tunai"),
            ("amount", "2500000"),
            ("due_on", &yesterday),
        ],
    )
    .await;
    posted(
        &fac,
        &format!("{page}/commitments"),
        &[
            ("org", &company.to_string()),
            ("kind", "staff_time"),
            ("description", "Pendampingan usaha"),
            ("hours", "120"),
            ("due_on", &next_year),
        ],
    )
    .await;
    // A commitment's problems by field, what was typed kept.
    let html = fac
        .post_form_expect(
            &format!("{page}/commitments"),
            &[
                ("org", &company.to_string()),
                ("kind", "money"),
                ("description", "Dana hibah"),
                ("amount", "12,5x"),
                ("due_on", "besok"),
            ],
            StatusCode::OK,
        )
        .await;
    assert!(html.contains("id=\"e-commitment-amount\""));
    assert!(html.contains("id=\"e-commitment-due_on\""));
    assert!(html.contains("value=\"Dana hibah\""));
    let html = fac.page(&page, StatusCode::OK).await;
    assert!(html.contains("1 komitmen lewat jatuh tempo"), "{html}");
    assert!(html.contains("0 dari 2 komitmen ditepati; 1 terlambat"));

    // A meeting ten days ago; with a five-day setting the partnership stands out.
    let ten_days_ago = today_plus(&app, jiff::Span::new().days(-10));
    posted(
        &fac,
        &format!("{page}/meetings"),
        &[
            ("held_on", &ten_days_ago),
            ("attendees", "14"),
            ("minutes", "Rapat perdana: pembagian peran"),
            ("decisions", "BKM menyiapkan daftar usaha"),
        ],
    )
    .await;
    let admin = app.login("admin").await;
    posted(
        &admin,
        "/partnerships/settings",
        &[("no_meeting_days", "5")],
    )
    .await;
    let list = fac.page("/partnerships", StatusCode::OK).await;
    assert!(list.contains("tidak rapat selama 10 hari"), "{list}");
    // Only whole-system users change the setting.
    fac.post_form_expect(
        "/partnerships/settings",
        &[("no_meeting_days", "30")],
        StatusCode::CONFLICT,
    )
    .await;

    // The BKM (a partner) sees it whole, keeps its own commitment, and
    // commits only for itself; it does not run the partnership.
    let bkm = app.login("bkm-user").await;
    let html = bkm.page(&page, StatusCode::OK).await;
    assert!(
        html.contains("Pendampingan usaha"),
        "sees the others' commitments"
    );
    let bkm_commitment = app
        .store
        .partnership(id.parse().unwrap())
        .unwrap()
        .unwrap()
        .commitments
        .iter()
        .find(|c| c.org_id.get() == app.bkm)
        .unwrap()
        .id;
    posted(
        &bkm,
        &format!("/partnerships/commitments/{bkm_commitment}/kept"),
        &[
            ("kept_on", &app.store.clock().today().to_string()),
            ("note", ""),
        ],
    )
    .await;
    let html = bkm
        .post_form_expect(
            &format!("{page}/commitments"),
            &[
                ("org", &company.to_string()),
                ("kind", "goods"),
                ("description", "x"),
                ("due_on", &next_year),
            ],
            StatusCode::OK,
        )
        .await;
    assert!(
        html.contains("id=\"e-commitment-org\""),
        "never for another partner"
    );
    bkm.post_form_expect(
        &format!("{page}/meetings"),
        &[("held_on", &yesterday), ("minutes", "x")],
        StatusCode::CONFLICT,
    )
    .await;
    let view = app.store.partnership(id.parse().unwrap()).unwrap().unwrap();
    assert_eq!((view.standing.kept_late, view.standing.overdue), (1, 0));
    assert_eq!(view.meetings.len(), 1);
    // Kept once.
    bkm.post_form_expect(
        &format!("/partnerships/commitments/{bkm_commitment}/kept"),
        &[("kept_on", &app.store.clock().today().to_string())],
        StatusCode::OK,
    )
    .await;

    // Someone of another kelurahan learns nothing; auditors read only; the UPK nothing.
    let other = kamasan_facilitator(&app).await;
    other.page(&page, StatusCode::NOT_FOUND).await;
    assert!(!other
        .page("/partnerships", StatusCode::OK)
        .await
        .contains("Kemitraan Umbul Tanjung"));
    other
        .post_form_expect(
            &format!("{page}/meetings"),
            &[("held_on", &yesterday), ("minutes", "x")],
            StatusCode::NOT_FOUND,
        )
        .await;
    let auditor = app.login("auditor").await;
    auditor.page(&page, StatusCode::OK).await;
    auditor
        .post_form_expect(
            &format!("{page}/publish"),
            &[("published", "yes")],
            StatusCode::FORBIDDEN,
        )
        .await;
    let upk = app.login("upk").await;
    assert_eq!(upk.status("/partnerships").await, StatusCode::FORBIDDEN);

    // Indicators, in both languages.
    let to = posted(
        &fac,
        &format!("{page}/indicators"),
        &[
            ("name", "Usaha baru"),
            ("unit", "usaha"),
            ("baseline", "0"),
            ("target", "50"),
        ],
    )
    .await;
    assert!(to.ends_with("#indicators"));
    let indicator = app
        .store
        .partnership(id.parse().unwrap())
        .unwrap()
        .unwrap()
        .indicators[0]
        .id;
    posted(
        &fac,
        &format!("/partnerships/indicators/{indicator}/readings"),
        &[("read_on", &yesterday), ("value", "12.5")],
    )
    .await;
    let html = fac.page(&page, StatusCode::OK).await;
    assert!(html.contains("25%"), "12.5 of 50 from 0");
    fac.get("/lang/en").await;
    let html = fac.page(&page, StatusCode::OK).await;
    assert!(html.contains("<html lang=\"en\">") && html.contains("Commitments"));
}

#[tokio::test]
async fn a_published_partnership_shows_only_its_summary() {
    let app = spawn_app().await;
    let fac = app.login("facilitator-kel").await;
    let (id, _) = started(&app, &fac).await;
    let yesterday = app.store.clock().today().yesterday().unwrap().to_string();
    posted(
        &fac,
        &format!("/partnerships/{id}/commitments"),
        &[
            ("org", &app.bkm.to_string()),
            ("kind", "money"),
            ("description", "Rahasia: rekening 1234"),
            ("amount", "777000"),
            ("due_on", &yesterday),
        ],
    )
    .await;
    posted(
        &fac,
        &format!("/partnerships/{id}/meetings"),
        &[
            ("held_on", &yesterday),
            ("minutes", "Notulen internal Bu Siti"),
        ],
    )
    .await;
    let anon = app.anonymous();
    anon.page(&format!("/partnership/{id}"), StatusCode::NOT_FOUND)
        .await;
    posted(
        &fac,
        &format!("/partnerships/{id}/publish"),
        &[("published", "yes")],
    )
    .await;
    for lang in ["id", "en"] {
        anon.get(&format!("/lang/{lang}")).await;
        let html = anon
            .page(&format!("/partnership/{id}"), StatusCode::OK)
            .await;
        assert!(html.contains("50 usaha baru dalam 3 tahun"), "goals");
        assert!(html.contains("PT Gas Banten") && html.contains("BKM Umbul Sejahtera"));
        assert!(html.contains(&format!("<html lang=\"{lang}\">")));
        for private in ["Rahasia", "777", "Notulen internal", "Bu Siti"] {
            assert!(!html.contains(private), "{private} on the public page");
        }
    }
    let html = anon
        .page(&format!("/partnership/{id}"), StatusCode::OK)
        .await;
    assert!(
        html.contains("Commitments overdue</th><td class=\"num\">1<"),
        "{html}"
    );
}

#[tokio::test]
async fn an_offer_meets_a_need_and_becomes_a_partnership() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let company = app.add_org("PT Gas Banten", OrgKind::Company, "36");
    posted(
        &admin,
        "/partnerships/offers",
        &[
            ("side", "offer"),
            ("org", &company.to_string()),
            ("area", "36"),
            ("title", "CSR pelatihan dan modal usaha"),
            ("theme", "economy"),
            ("theme", "education"),
            ("kind", "money"),
            ("kind", "skills"),
            ("contact", "csr@gas.example.id"),
        ],
    )
    .await;
    let bkm = app.login("bkm-user").await;
    // The BKM speaks only for its own organisation.
    let html = bkm
        .post_form_expect(
            "/partnerships/offers",
            &[
                ("side", "offer"),
                ("org", &company.to_string()),
                ("area", KEL),
                ("title", "x"),
                ("theme", "economy"),
                ("kind", "money"),
                ("contact", "a@b.id"),
            ],
            StatusCode::OK,
        )
        .await;
    assert!(html.contains("id=\"e-org\""), "{html}");
    posted(
        &bkm,
        "/partnerships/offers",
        &[
            ("side", "need"),
            ("org", &app.bkm.to_string()),
            ("area", KEL),
            ("title", "Modal bergulir untuk KSM perempuan"),
            ("description", "Dua puluh KSM menunggu modal"),
            ("theme", "economy"),
            ("kind", "money"),
            ("contact", "bkm@umbul.example.id"),
        ],
    )
    .await;
    let html = bkm.page("/partnerships/offers", StatusCode::OK).await;
    assert!(html.contains("Jadikan kemitraan"), "{html}");
    let offers = app.store.offers().unwrap();
    let (offer, need) = (offers[1].id.to_string(), offers[0].id.to_string());
    // The company's side (not the BKM's) cannot make it for the BKM.
    let other = kamasan_facilitator(&app).await;
    other
        .post_form_expect(
            "/partnerships/matches",
            &[("offer", &offer), ("need", &need)],
            StatusCode::CONFLICT,
        )
        .await;
    let to = posted(
        &bkm,
        "/partnerships/matches",
        &[("offer", &offer), ("need", &need)],
    )
    .await;
    let id: i64 = last_segment(&to).parse().unwrap();
    let view = app
        .store
        .partnership(lumbung_domain::PartnershipId::new(id))
        .unwrap()
        .unwrap();
    let partners: Vec<_> = view.partners.iter().map(|p| p.org_id.get()).collect();
    assert_eq!(partners, [app.bkm, company]);
    let outbox = app.store.partnership_outbox(&Scope::Global).unwrap();
    let mut to: Vec<_> = outbox.iter().map(|n| n.email.as_str()).collect();
    to.sort();
    assert_eq!(to, ["bkm@umbul.example.id", "csr@gas.example.id"]);
    // Once per match.
    bkm.post_form_expect(
        "/partnerships/matches",
        &[("offer", &offer), ("need", &need)],
        StatusCode::CONFLICT,
    )
    .await;
    // The BKM sees its own side's notice, not the company's address.
    let html = bkm.page("/partnerships/offers", StatusCode::OK).await;
    assert!(html.contains("bkm@umbul.example.id") && !html.contains("csr@gas.example.id"));
    // The BKM marks its own side's notice sent, never the company's.
    let notices = app.store.partnership_outbox(&Scope::Global).unwrap();
    let own = notices
        .iter()
        .find(|n| n.email == "bkm@umbul.example.id")
        .unwrap()
        .id;
    let theirs = notices
        .iter()
        .find(|n| n.email == "csr@gas.example.id")
        .unwrap()
        .id;
    posted(&bkm, &format!("/partnerships/outbox/{own}/sent"), &[]).await;
    bkm.post_form_expect(
        &format!("/partnerships/outbox/{theirs}/sent"),
        &[],
        StatusCode::NOT_FOUND,
    )
    .await;
    let sent: Vec<_> = app
        .store
        .partnership_outbox(&Scope::Global)
        .unwrap()
        .into_iter()
        .map(|n| n.sent_at.is_some())
        .collect();
    assert_eq!(sent.iter().filter(|s| **s).count(), 1);
    // The BKM runs the partnership it made.
    bkm.page(&format!("/partnerships/{id}"), StatusCode::OK)
        .await;
    posted(
        &bkm,
        &format!("/partnerships/{id}/meetings"),
        &[
            ("held_on", &app.store.clock().today().to_string()),
            ("minutes", "Rapat pertama"),
        ],
    )
    .await;
}

#[tokio::test]
async fn cities_are_compared_side_by_side_spend_only_for_its_readers() {
    let app = spawn_app().await;
    let analyst = app.login("analyst").await;
    let html = analyst
        .page("/compare?areas=3604,E07000123", StatusCode::OK)
        .await;
    assert!(html.contains("KABUPATEN SERANG") && html.contains("Preston"));
    assert!(
        html.contains("Belanja lembaga jangkar"),
        "analysts read spend"
    );
    let fac = app.login("facilitator").await;
    let html = fac
        .page("/compare?areas=3604,E07000123", StatusCode::OK)
        .await;
    assert!(html.contains("Kesehatan dana bergulir") && !html.contains("Belanja lembaga jangkar"));
    // An unknown area is named; the form keeps what was typed.
    let html = fac.page("/compare?areas=3604,99999", StatusCode::OK).await;
    assert!(
        html.contains("id=\"e-areas\"") && html.contains("99999"),
        "{html}"
    );
    assert!(html.contains("value=\"3604,99999\""));
    let upk = app.login("upk").await;
    assert_eq!(
        upk.status("/compare?areas=3604").await,
        StatusCode::FORBIDDEN
    );
}

/// Regression (review of 2026-12-06): an analyst scoped to Lancashire read
/// Kabupaten Serang's anchors' spend through `/compare`. The spend of an
/// area outside the viewer's scope is left out; its other figures stay.
#[tokio::test]
async fn the_spend_compared_is_only_that_of_areas_in_the_viewers_scope() {
    let app = spawn_app().await;
    crate::spend::spend_places(&app);
    app.add_org("RSUD Serang", lumbung_domain::OrgKind::Anchor, "3604");
    let payments = [
        crate::spend::payment("Preston City Council", "Ribble Print Ltd", "PR1 2HE", 300),
        crate::spend::payment("RSUD Serang", "Apotek Sehat", "42111", 50),
    ];
    let cli = lumbung_store::Actor::cli();
    app.store
        .import_spend("two.csv", "two", &payments, &serde_json::json!({}), &cli)
        .unwrap();
    // The spend-total row of the page: a cell per area.
    let totals = |html: &str| -> Vec<String> {
        let row = html
            .split("<td>Total belanja</td>")
            .nth(1)
            .expect("the spend rows")
            .split("</tr>")
            .next()
            .unwrap()
            .to_owned();
        row.split("<td class=\"num\">")
            .skip(1)
            .map(|c| c.split("</td>").next().unwrap().to_owned())
            .collect()
    };
    let everywhere = app.login("analyst").await;
    let html = everywhere
        .page("/compare?areas=3604,E07000123", StatusCode::OK)
        .await;
    let all = totals(&html);
    assert!(all.iter().all(|c| c != "–"), "{all:?}");
    let lancs = app.login("analyst-lancs").await;
    let html = lancs
        .page("/compare?areas=3604,E07000123", StatusCode::OK)
        .await;
    assert_eq!(totals(&html), ["–".to_owned(), all[1].clone()], "{html}");
    assert!(html.contains("KABUPATEN SERANG"));
}

const PROJECTS: &str = "project,amount,sector,risk,social_value,area,expected_return\n\
    Solar schools,8000000,energy,low,40,E07000123,4.5\n\
    Community homes,9500000,housing,medium,55,E07000123,3\n\
    Co-op bakery,2500000,enterprise,high,30,,\n\
    Heat network,7000000,energy,medium,20,,\n\
    Wind share,6000000,energy,high,10,,\n";

#[tokio::test]
async fn an_investor_sees_the_pools_its_ticket_allows_and_why_a_project_is_out() {
    let app = spawn_app().await;
    let analyst = app.login("analyst").await;
    // An unknown area is named by line and column; nothing is kept.
    let bad = PROJECTS.replace(
        "Wind share,6000000,energy,high,10,,",
        "Wind share,6000000,energy,high,10,XX99,",
    );
    let body = upload_csv(&analyst, "/invest/projects", &bad, StatusCode::BAD_REQUEST).await;
    assert!(body.contains("XX99") && body.contains('6'), "{body}");
    assert!(
        app.store.invest_projects().unwrap().is_empty(),
        "all or nothing"
    );
    for _ in 0..2 {
        upload_csv(
            &analyst,
            "/invest/projects",
            PROJECTS,
            StatusCode::SEE_OTHER,
        )
        .await;
    }
    assert_eq!(
        app.store.invest_projects().unwrap().len(),
        5,
        "the same file twice"
    );
    // Seed 000's case: a 20m ticket, at most 20% high risk.
    let html = analyst
        .page(
            "/invest?min_size=20000000&max_high_risk=0.2",
            StatusCode::OK,
        )
        .await;
    assert!(html.contains("Terbukti optimal"), "{html}");
    assert!(html.contains("id=\"unplaced\""));
    let pools_section = html.split("id=\"pools\"").nth(1).unwrap();
    assert!(pools_section.contains("Community homes"));
    // A refused constraint is named, what was typed kept.
    let html = analyst
        .page("/invest?min_size=20000000&max_high_risk=2", StatusCode::OK)
        .await;
    assert!(html.contains("id=\"e-max_high_risk\"") && html.contains("value=\"2\""));
    let auditor = app.login("auditor").await;
    auditor.page("/invest", StatusCode::OK).await;
    upload_csv(
        &auditor,
        "/invest/projects",
        PROJECTS,
        StatusCode::FORBIDDEN,
    )
    .await;
    let upk = app.login("upk").await;
    assert_eq!(upk.status("/invest").await, StatusCode::FORBIDDEN);
    // A facilitator of a kelurahan adds no project elsewhere.
    let fac = app.login("facilitator-kel").await;
    for file in [
        "project,amount,sector,risk,social_value,area\nKebun warga,1000000,food,low,5,E07000123\n",
        "project,amount,sector,risk,social_value\nKebun warga,1000000,food,low,5\n",
    ] {
        upload_csv(
            &fac,
            "/invest/projects",
            file,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    // A project is its area's by its name: Preston's name is free in the
    // kelurahan, and taking it changes nothing of Preston's (regression:
    // one name across every area, so the first area to use a name kept
    // it from all others, and an import racing the check moved it).
    let own = "project,amount,sector,risk,social_value,area\n\
               Kebun warga,1000000,food,low,5,3604010001\n\
               Solar schools,1,energy,low,1,3604010001\n";
    upload_csv(&fac, "/invest/projects", own, StatusCode::SEE_OTHER).await;
    let solar: Vec<(i64, Option<String>)> = (app.store.invest_projects().unwrap().into_iter())
        .filter(|p| p.name == "Solar schools")
        .map(|p| (p.amount.minor(), p.area_code))
        .collect();
    assert_eq!(
        solar,
        [
            (100, Some("3604010001".to_owned())),
            (800_000_000, Some("E07000123".to_owned()))
        ],
        "Preston's unchanged"
    );
}

#[tokio::test]
async fn the_cooperative_economy_follows_coops_a_credit_union_and_buyouts() {
    let app = spawn_app().await;
    let fac = app.login("facilitator-kel").await;
    // A co-operative's problems by field, what was typed kept.
    let html = fac
        .post_form_expect(
            "/economy/coops",
            &[
                ("name", "Koperasi Jahit Umbul"),
                ("area", KEL),
                ("stage", "x"),
                ("members", "5"),
                ("members_women", "9"),
            ],
            StatusCode::OK,
        )
        .await;
    assert!(html.contains("id=\"e-coop-stage\"") && html.contains("id=\"e-coop-members_women\""));
    assert!(html.contains("value=\"Koperasi Jahit Umbul\""));
    let registered = app.add_org(
        "Koperasi Jahit Umbul (badan hukum)",
        OrgKind::Cooperative,
        KEL,
    );
    // A co-op naming `org` as its registry entry: the form again.
    let refused_with = |org: i64| {
        let fac = &fac;
        async move {
            fac.post_form_expect(
                "/economy/coops",
                &[
                    ("name", "Koperasi Jahit Umbul"),
                    ("area", KEL),
                    ("stage", "idea"),
                    ("org", &org.to_string()),
                ],
                StatusCode::OK,
            )
            .await
        }
    };
    let html = refused_with(app.bkm).await;
    assert!(
        html.contains("id=\"e-coop-org\""),
        "only a co-operative or social enterprise"
    );
    // Regression (review of 2026-12-06): a writer of one kelurahan named a
    // social enterprise of another city as its co-op's registry entry, and
    // so counted that firm's payments as spend with co-operatives in every
    // anchor's figures. Only one of its own scope is offered and taken.
    let elsewhere = app.add_org(
        "Preston Social Bakery",
        OrgKind::SocialEnterprise,
        "E07000123",
    );
    let html = refused_with(elsewhere).await;
    assert!(html.contains("id=\"e-coop-org\""), "{html}");
    assert!(
        !html.contains("Preston Social Bakery")
            && html.contains("Koperasi Jahit Umbul (badan hukum)")
    );
    assert!(app.store.coops(&Scope::Global).unwrap().is_empty());
    posted(
        &fac,
        "/economy/coops",
        &[
            ("name", "Koperasi Jahit Umbul"),
            ("area", KEL),
            ("org", &registered.to_string()),
            ("sector", "garmen"),
            ("stage", "steering_group"),
            ("members", "12"),
            ("members_women", "10"),
            ("support_asked", "badan hukum"),
            ("mentor", "Dinas Koperasi"),
        ],
    )
    .await;
    let coop = app.store.coops(&Scope::Global).unwrap()[0].id;
    // Its own member list: only with consent, shown only to writers.
    let html = fac
        .post_form_expect(
            &format!("/economy/coops/{coop}/members"),
            &[("name", "Ibu Warsih")],
            StatusCode::OK,
        )
        .await;
    assert!(html.contains("id=\"e-member-consent\"") && html.contains("value=\"Ibu Warsih\""));
    posted(
        &fac,
        &format!("/economy/coops/{coop}/members"),
        &[("name", "Ibu Warsih"), ("consent", "yes")],
    )
    .await;
    assert_eq!(
        app.store.coops(&Scope::Global).unwrap()[0].member_list,
        ["Ibu Warsih"]
    );
    let auditor = app.login("auditor").await;
    assert!(!auditor
        .page("/economy", StatusCode::OK)
        .await
        .contains("Ibu Warsih"));
    posted(
        &fac,
        &format!("/economy/coops/{coop}/stage"),
        &[("stage", "registered")],
    )
    .await;
    fac.post_form_expect(
        &format!("/economy/coops/{coop}/stage"),
        &[("stage", "idea")],
        StatusCode::CONFLICT,
    )
    .await;
    // Buy-outs: two businesses, one converted, one dropped, read as a funnel.
    for (business, jobs) in [("Bengkel Jaya", "14"), ("Toko Besi Makmur", "6")] {
        posted(
            &fac,
            "/economy/buyouts",
            &[
                ("business", business),
                ("area", KEL),
                ("owner_retires", "2028"),
                ("jobs", jobs),
            ],
        )
        .await;
    }
    let ids: Vec<BuyoutId> = app
        .store
        .buyouts(&Scope::Global)
        .unwrap()
        .iter()
        .map(|b| b.id)
        .collect();
    for stage in ["feasibility", "financing", "converted"] {
        posted(
            &fac,
            &format!("/economy/buyouts/{}/stage", ids[0]),
            &[("stage", stage)],
        )
        .await;
    }
    posted(
        &fac,
        &format!("/economy/buyouts/{}/stage", ids[1]),
        &[("stage", "dropped")],
    )
    .await;
    fac.post_form_expect(
        &format!("/economy/buyouts/{}/stage", ids[0]),
        &[("stage", "dropped")],
        StatusCode::CONFLICT,
    )
    .await;
    // The credit union: figures of the facilitator's kelurahan only.
    let months = "area,month,members,savings,loans\n3604010001,2026-09,120,15000000,9000000\n3604010001,2026-10,131,16500000,9800000\n";
    upload_csv(&fac, "/economy/credit-union", months, StatusCode::SEE_OTHER).await;
    let outside = "area,month,members,savings,loans\n3604010002,2026-10,1,1,1\n";
    let body = upload_csv(
        &fac,
        "/economy/credit-union",
        outside,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(body.contains("3604010002"));
    // The areas of a file's rows are read in one go; the first row
    // outside is the one named.
    let mixed = "area,month,members,savings,loans\n3604010001,2026-11,1,1,1\n3604010002,2026-11,1,1,1\n9999999999,2026-11,1,1,1\n";
    let body = upload_csv(
        &fac,
        "/economy/credit-union",
        mixed,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(
        body.contains("baris 3") && body.contains("3604010002") && !body.contains("9999999999"),
        "{body}"
    );
    // A month by hand: problems by field, then kept.
    let html = fac
        .post_form_expect(
            "/economy/credit-union/month",
            &[
                ("area", KEL),
                ("month", "Nov"),
                ("members", "140"),
                ("savings", "17000000"),
                ("loans", "x"),
            ],
            StatusCode::OK,
        )
        .await;
    assert!(html.contains("id=\"e-month-month\"") && html.contains("id=\"e-month-loans\""));
    assert!(html.contains("value=\"140\""));
    let closures = "area,bank,closed_on\n3604010001,Bank Contoh,2025-06-30\n";
    upload_csv(&fac, "/economy/closures", closures, StatusCode::SEE_OTHER).await;
    let html = fac.page("/economy", StatusCode::OK).await;
    assert!(
        html.contains("131 (+11)"),
        "the latest month against the one before"
    );
    assert!(
        html.contains("<strong>belum</strong>"),
        "no service point yet"
    );
    assert!(
        html.contains("1 batal") && html.contains("14 pekerjaan terselamatkan"),
        "{html}"
    );
    assert!(html.contains("terdaftar") && html.contains("Koperasi Jahit Umbul (badan hukum)"));
    posted(
        &fac,
        "/economy/points",
        &[("name", "Agen CU Umbul"), ("area", KEL), ("kind", "agent")],
    )
    .await;
    let html = fac.page("/economy", StatusCode::OK).await;
    assert!(!html.contains("<strong>belum</strong>"), "served now");

    // Others of another kelurahan see none of it; the UPK nothing.
    let other = kamasan_facilitator(&app).await;
    let html = other.page("/economy", StatusCode::OK).await;
    // (The registry's names are everyone's: the co-op's own record is not.)
    assert!(!html.contains("id=\"coop-list\"") && !html.contains("Bengkel Jaya"));
    other
        .post_form_expect(
            &format!("/economy/coops/{coop}/stage"),
            &[("stage", "trading")],
            StatusCode::NOT_FOUND,
        )
        .await;
    let upk = app.login("upk").await;
    assert_eq!(upk.status("/economy").await, StatusCode::FORBIDDEN);
    // Spend with co-operatives only for those who read spend.
    let analyst = app.login("analyst").await;
    assert!(analyst
        .page("/economy", StatusCode::OK)
        .await
        .contains("Belanja lembaga jangkar ke koperasi"));
    assert!(!fac
        .page("/economy", StatusCode::OK)
        .await
        .contains("Belanja lembaga jangkar ke koperasi"));
}

#[tokio::test]
async fn capitals_are_counted_and_active_citizens_named_only_with_consent_to_those_who_need_it() {
    let app = spawn_app().await;
    let fac = app.login("facilitator-kel").await;
    for (kind, name) in [
        ("cultural", "Sanggar rebana"),
        ("social", "Arisan ibu-ibu RW 01"),
        ("social", "Karang taruna"),
    ] {
        posted(
            &fac,
            "/capitals/assets",
            &[
                ("area", KEL),
                ("kind", kind),
                ("name", name),
                ("holder", "RW 01"),
            ],
        )
        .await;
    }
    let html = fac
        .post_form_expect(
            "/capitals/assets",
            &[("area", KEL), ("kind", "gold"), ("name", "Emas")],
            StatusCode::OK,
        )
        .await;
    assert!(html.contains("id=\"e-asset-kind\"") && html.contains("value=\"Emas\""));
    // No consent, no record; the form keeps what was typed.
    let html = fac
        .post_form_expect(
            "/capitals/citizens",
            &[
                ("area", KEL),
                ("name", "Bu Siti Aminah"),
                ("leads", "posyandu"),
            ],
            StatusCode::OK,
        )
        .await;
    assert!(html.contains("id=\"e-citizen-consent\"") && html.contains("value=\"Bu Siti Aminah\""));
    assert!(app.store.citizens(&Scope::Global).unwrap().is_empty());
    posted(
        &fac,
        "/capitals/citizens",
        &[
            ("area", KEL),
            ("name", "Bu Siti Aminah"),
            ("leads", "posyandu"),
            ("consent", "yes"),
        ],
    )
    .await;
    let id = app.store.citizens(&Scope::Global).unwrap()[0].id;
    let month = app.store.clock().today().strftime("%Y-%m").to_string();
    posted(
        &fac,
        &format!("/capitals/citizens/{id}/activity"),
        &[("month", &month), ("note", "posyandu")],
    )
    .await;
    fac.post_form_expect(
        &format!("/capitals/citizens/{id}/activity"),
        &[("month", "2999-01")],
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let html = fac.page("/capitals", StatusCode::OK).await;
    assert!(html.contains("Bu Siti Aminah") && html.contains("id=\"asset-counts\""));
    let counts = table(&html, "asset-counts");
    assert!(
        counts.contains("<td class=\"num\">2</td>"),
        "two social assets: {counts}"
    );
    // No household count of the self-mapping here: one active citizen is
    // not thin leadership (none would be).
    let leadership = table(&html, "leadership");
    assert!(
        leadership.contains("UMBUL TANJUNG") && !leadership.contains("tipis"),
        "{leadership}"
    );
    // An auditor reads the counts, never the names; another kelurahan sees nothing.
    let auditor = app.login("auditor").await;
    let html = auditor.page("/capitals", StatusCode::OK).await;
    assert!(!html.contains("Bu Siti Aminah") && html.contains("Sanggar rebana"));
    let other = kamasan_facilitator(&app).await;
    let html = other.page("/capitals", StatusCode::OK).await;
    assert!(!html.contains("Bu Siti Aminah") && !html.contains("Sanggar rebana"));
    other
        .post_form_expect(
            &format!("/capitals/citizens/{id}/activity"),
            &[("month", &month)],
            StatusCode::NOT_FOUND,
        )
        .await;
    assert_eq!(
        app.login("upk").await.status("/capitals").await,
        StatusCode::FORBIDDEN
    );
    // The audit log names no one.
    let (entries, _) = app
        .store
        .audit_entries(&lumbung_domain::Scope::Global, 1_000, 0)
        .unwrap();
    assert!(!serde_json::to_string(&entries).unwrap().contains("Bu Siti"));
}
