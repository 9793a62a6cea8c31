//! The lists of the partnership pages are read within the reader's scope.

use crate::audit::Actor;
use crate::test_support::store;
use crate::{OrgInput, Store};
use lumbung_domain::{AreaCode, AreaKind, AreaRecord, Money, OrgId, OrgKind, Scope};
use lumbung_partnerships::capitals::{Asset, Capital, Citizen};
use lumbung_partnerships::economy::{Buyout, Closure, CuMonth, PointKind};
use lumbung_partnerships::offers::{Kind, Posting, Side, Theme};
use lumbung_partnerships::partnership::{Founding, PartnerRole};

const FLOODED: &str = "3604010001";
const OURS: &str = "3604010002";

fn code(c: &str) -> AreaCode {
    AreaCode::parse(c).unwrap()
}

fn org(s: &Store, name: &str, area: &str, parent: Option<OrgId>) -> OrgId {
    let input = OrgInput {
        name: name.into(),
        kind: OrgKind::Ngo,
        area_code: Some(code(area)),
        parent_id: parent,
        company_number: None,
        npwp: None,
        attributes: Default::default(),
    };
    s.create_org(&input, &Actor::cli()).unwrap().id
}

/// Indonesia and the kelurahan given (code, name) in it.
fn kelurahan(s: &Store, kelurahan: &[(&str, &str)]) {
    let country = std::iter::once(("ID", None, "country", "Indonesia"));
    let records = country
        .chain(
            kelurahan
                .iter()
                .map(|&(c, name)| (c, Some("ID"), "kelurahan", name)),
        )
        .zip(1..)
        .map(|((c, parent, kind, name), line)| AreaRecord {
            line,
            code: code(c),
            name: name.to_owned(),
            parent: parent.map(code),
            kind: Some(AreaKind::parse(kind).unwrap()),
        });
    let cli = Actor::cli();
    s.import_areas("t", records.collect(), vec![], vec![], &cli, &mut |_, _| {})
        .unwrap();
}

/// Runs each insert of `sql` (`;`-separated) over `n(i)`, 20,001 rows:
/// more than any list holds.
fn flood(s: &Store, sql: &str) {
    let conn = s.conn().unwrap();
    for insert in sql.split(';') {
        conn.execute_batch(&format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20001) {insert}"
        ))
        .unwrap();
    }
}

/// Regression: each list read a fixed number of rows of every area, then
/// kept the reader's, so that one account filling its own area (5,000
/// co-operatives named "!", 2,000 newer partnerships, …) left another
/// area's readers with empty lists.
#[test]
fn a_flood_in_one_area_pushes_no_other_areas_rows_out_of_its_lists() {
    let (_d, s) = store();
    let cli = Actor::cli();
    kelurahan(&s, &[(FLOODED, "A"), (OURS, "B")]);
    let ours = code(OURS);
    let (flooder, mine) = (
        org(&s, "Pembanjir", FLOODED, None),
        org(&s, "Kami", OURS, None),
    );
    let beside = org(&s, "Tetangga", OURS, None);
    let on = jiff::civil::date(2024, 1, 10);

    // Lists newest first: ours come before the flood.
    let founding = Founding {
        name: "Kemitraan Kami".into(),
        vision: "v".into(),
        goals: "g".into(),
    };
    let partnership = s
        .create_partnership(
            &ours,
            Some(mine),
            &founding,
            &[(mine, PartnerRole::Lead)],
            &cli,
        )
        .unwrap();
    let posting = Posting {
        side: Side::parse("need").unwrap(),
        title: "Butuh mesin jahit".into(),
        description: "d".into(),
        themes: vec![Theme::ALL[0]],
        kinds: vec![Kind::ALL[0]],
        contact: "kami@example.org".into(),
    };
    let offer = s.post_offer(mine, &ours, &posting, &cli).unwrap();
    let flood_offer = s
        .post_offer(flooder, &code(FLOODED), &posting, &cli)
        .unwrap();
    let notice = |offer: i64| {
        format!(
            "INSERT INTO partnership_outbox (partnership_id, offer_id, email, language, subject, body, queued_at, queued_by)
             VALUES ({}, {offer}, 'x@example.org', 'id', 's', 'b', '2024-01-10', 'cli:t')",
            partnership.get()
        )
    };
    s.conn()
        .unwrap()
        .execute_batch(&notice(offer.get()))
        .unwrap();
    s.conn()
        .unwrap()
        .execute_batch(&format!(
            "INSERT INTO partnership_outbox (partnership_id, offer_id, email, language, subject, body, queued_at, queued_by)
             SELECT {}, {}, 'x@example.org', 'id', 's', 'b', '2024-01-10', 'cli:t'
             FROM (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2001) SELECT i FROM n) AS n",
            partnership.get(),
            flood_offer.get()
        ))
        .unwrap();
    flood(
        &s,
        &format!(
            "INSERT INTO partnerships (name, area_code, owner_org_id, vision, goals, started_on, created_by, created_at)
             SELECT '!', '{FLOODED}', {}, 'v', 'g', '2024-01-10', 'cli:flood', '2024-01-10' FROM n",
            flooder.get()
        ),
    );
    // The rest in order of area name, record name, oldest first or
    // latest first: the flood's sort before ours.
    flood(
        &s,
        &format!(
            "INSERT INTO coops (name, area_code, owner_org_id, sector, members, members_women, support_asked, mentor, created_by, created_at)
             SELECT '!', '{FLOODED}', {0}, 'x', 1, 0, '', '', 'cli:flood', '2024-01-10' FROM n;
             INSERT INTO buyouts (business, area_code, owner_org_id, jobs, created_by, created_at)
             SELECT '!', '{FLOODED}', {0}, 1, 'cli:flood', '2024-01-10' FROM n;
             INSERT INTO capital_assets (area_code, owner_org_id, kind, name, holder, used_by, created_by, created_at)
             SELECT '{FLOODED}', {0}, 'social', '!', 'h', 'u', 'cli:flood', '2024-01-10' FROM n;
             INSERT INTO active_citizens (area_code, owner_org_id, name, leads, consent_on, created_by, created_at)
             SELECT '{FLOODED}', {0}, '!', 'l', '2024-01-10', 'cli:flood', '2024-01-10' FROM n;
             INSERT INTO cu_points (name, area_code, kind, created_by, created_at)
             SELECT '!', '{FLOODED}', 'office', 'cli:flood', '2024-01-10' FROM n;
             INSERT INTO bank_closures (area_code, bank, closed_on, recorded_by, recorded_at)
             SELECT '{FLOODED}', 'Bank ' || i, '2024-01-10', 'cli:flood', '2024-01-10' FROM n;
             INSERT INTO cu_months (area_code, month, members, savings, loans, recorded_by, recorded_at)
             SELECT '{FLOODED}', 'M' || i, 1, 0, 0, 'cli:flood', '2024-01-10' FROM n",
            flooder.get()
        ),
    );
    let coop = super::economy::tests::coop("Koperasi Kami");
    s.add_coop(&ours, Some(mine), None, &coop, on, &cli)
        .unwrap();
    let buyout = Buyout {
        business: "Bengkel Kami".into(),
        owner_retires: None,
        jobs: 3,
    };
    s.add_buyout(&ours, Some(mine), &buyout, on, &cli).unwrap();
    let asset = Asset {
        kind: Capital::Social,
        name: "Balai Kami".into(),
        holder: "h".into(),
        used_by: "u".into(),
    };
    s.add_asset(&ours, Some(mine), &asset, &cli).unwrap();
    let citizen = Citizen {
        name: "Ibu Kami".into(),
        leads: "posyandu".into(),
    };
    s.add_citizen(&ours, Some(mine), &citizen, on, &cli)
        .unwrap();
    s.add_cu_point("Kantor Kami", &ours, PointKind::Office, &cli)
        .unwrap();
    let closure = Closure {
        line: 1,
        area: OURS.into(),
        bank: "Bank Kami".into(),
        closed_on: jiff::civil::date(2020, 1, 1),
    };
    s.import_closures("c.csv", &[closure], &cli).unwrap();
    let month = CuMonth {
        line: 1,
        area: OURS.into(),
        month: "2024-01".into(),
        members: 5,
        savings: Money::ZERO,
        loans: Money::ZERO,
    };
    s.import_cu_months("m.csv", &[month], &cli).unwrap();

    let path = s.area_path(OURS).unwrap().unwrap();
    let area = Scope::Area {
        code: ours.clone(),
        path: path.clone(),
    };
    let org_scope = |id: OrgId| Scope::Org {
        id: id.get(),
        area: Some(path.clone()),
    };
    for (who, scope) in [("area", area), ("organisation", org_scope(mine))] {
        let holds = |found: bool, list: &str| assert!(found, "{who}: {list}");
        holds(
            s.coops(&scope)
                .unwrap()
                .iter()
                .any(|c| c.name == "Koperasi Kami"),
            "coops",
        );
        holds(
            s.buyouts(&scope)
                .unwrap()
                .iter()
                .any(|b| b.business == "Bengkel Kami"),
            "buyouts",
        );
        holds(
            s.assets(&scope)
                .unwrap()
                .iter()
                .any(|a| a.name == "Balai Kami"),
            "assets",
        );
        holds(
            s.citizens(&scope)
                .unwrap()
                .iter()
                .any(|c| c.name == "Ibu Kami"),
            "citizens",
        );
        holds(
            s.cu_points(&scope)
                .unwrap()
                .iter()
                .any(|p| p.name == "Kantor Kami"),
            "points",
        );
        holds(
            s.closures(&scope)
                .unwrap()
                .iter()
                .any(|c| c.bank == "Bank Kami"),
            "closures",
        );
        holds(
            s.cu_months(&scope)
                .unwrap()
                .iter()
                .any(|m| m.area_code == OURS),
            "months",
        );
        holds(
            s.partnerships(&scope)
                .unwrap()
                .iter()
                .any(|p| p.id == partnership),
            "partnerships",
        );
        holds(
            s.partnership_outbox(&scope)
                .unwrap()
                .iter()
                .any(|n| n.offer_id == offer),
            "outbox",
        );
    }
    // An organisation's scope sees what is placed under it, not what its
    // neighbour in the same area holds (nor what has no organisation).
    let neighbour = org_scope(beside);
    assert!(s.coops(&neighbour).unwrap().is_empty());
    assert!(s.buyouts(&neighbour).unwrap().is_empty());
    assert!(s.partnerships(&neighbour).unwrap().is_empty());
    assert!(s.partnership_outbox(&neighbour).unwrap().is_empty());
    // By its area alone, for rows no organisation owns.
    assert_eq!(s.cu_points(&neighbour).unwrap().len(), 1);
    // Nothing of the flooded area reaches ours.
    let scope = org_scope(mine);
    assert!(s.coops(&scope).unwrap().iter().all(|c| c.name != "!"));
    let under = org(&s, "Cabang Kami", OURS, Some(mine));
    s.add_coop(&ours, Some(under), None, &coop, on, &cli)
        .unwrap();
    assert_eq!(
        s.coops(&scope).unwrap().len(),
        2,
        "a branch's is its parent's too"
    );
}

/// The list reads each partnership without its meetings' minutes or its
/// indicators; what it shows of one (partners, standing, where it sits)
/// is what the partnership's own page shows.
#[test]
fn the_list_shows_the_partners_and_standing_the_page_shows() {
    use lumbung_partnerships::partnership::{CommitmentKind, Minutes, Pledge};
    let (_d, s) = store();
    let cli = Actor::cli();
    kelurahan(&s, &[(OURS, "B")]);
    let (mine, other) = (org(&s, "Kami", OURS, None), org(&s, "Mitra", OURS, None));
    let founding = Founding {
        name: "Kemitraan Kami".into(),
        vision: "v".into(),
        goals: "g".into(),
    };
    let partners = [(mine, PartnerRole::Lead), (other, PartnerRole::Funder)];
    let id = s
        .create_partnership(&code(OURS), Some(mine), &founding, &partners, &cli)
        .unwrap();
    // Two commitments long overdue; a meeting with its minutes.
    for (due, description) in [((2020, 1, 1), "Dana awal"), ((2020, 2, 1), "Ruang rapat")] {
        let pledge = Pledge {
            kind: CommitmentKind::Money,
            description: description.into(),
            amount: Some(Money::parse_plain("100").unwrap()),
            hours: None,
            due_on: jiff::civil::date(due.0, due.1, due.2),
        };
        s.add_commitment(id, other, &pledge, &cli).unwrap();
    }
    let minutes = Minutes {
        held_on: jiff::civil::date(2020, 3, 1),
        attendees: 7,
        minutes: "Notulen panjang".into(),
        decisions: "Keputusan".into(),
    };
    s.add_meeting(id, &minutes, &cli).unwrap();

    let rows = s.partnerships(&Scope::Global).unwrap();
    let page = s.partnership(id).unwrap().unwrap();
    let [row] = &rows[..] else {
        panic!("one partnership listed: {rows:?}")
    };
    assert_eq!(
        (&row.name, &row.area_name, row.published, &row.partners),
        (&page.name, &page.area_name, page.published, &page.partners)
    );
    assert_eq!(
        (&row.standing, &row.placement),
        (&page.standing, &page.placement)
    );
    assert_eq!(row.partners.len(), 2);
    assert_eq!(row.standing.commitments, 2);
    assert_eq!(row.standing.overdue, 2);
    assert_eq!(row.standing.last_meeting, Some(minutes.held_on));
}
