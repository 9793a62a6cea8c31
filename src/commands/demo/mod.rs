//! `lumbung demo`: a fresh database with realistic data for Banten
//! (Indonesia) and Lancashire (UK), loaded through the same code paths as
//! the import commands, then served.

mod community;
mod election;
mod loans;
mod partnerships;
mod procurement;
mod programme;

use super::{areas, orgs, serve};
use crate::shared::{self, table};
use anyhow::{bail, Context, Result};
use clap::Args;
use lumbung_domain::{
    text, AreaCode, AreaKind, AreaRecord, OrgKind, Password, Role, Scope, Username,
};
use lumbung_store::{Actor, OrgInput, ScopeRef, Store, StoreError};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::time::Instant;

/// The password of every demo user.
pub const DEMO_PASSWORD: &str = "lumbung-demo-2026";

const BPS_DIR: &str = "demo/id-wilayah-bps-2018";
const BPS_FILES: [&str; 4] = [
    include_str!("../../../demo/id-wilayah-bps-2018/provinces.csv"),
    include_str!("../../../demo/id-wilayah-bps-2018/regencies.csv"),
    include_str!("../../../demo/id-wilayah-bps-2018/districts.csv"),
    include_str!("../../../demo/id-wilayah-bps-2018/villages.csv"),
];
const UK_AREAS: (&str, &str) = (
    "demo/uk-lancashire/areas.csv",
    include_str!("../../../demo/uk-lancashire/areas.csv"),
);
const UK_POSTCODES: (&str, &str) = (
    "demo/uk-lancashire/postcodes.csv",
    include_str!("../../../demo/uk-lancashire/postcodes.csv"),
);
const ORGS: (&str, &str) = ("demo/orgs.csv", include_str!("../../../demo/orgs.csv"));

/// Desa of KABUPATEN SERANG that get RW and RT areas: the desa code and,
/// per RW (numbered from 1), how many RT it has.
const RW_RT: [(&str, &[u16]); 3] = [
    ("3604240003", &[5, 4, 3, 4]), // CIRUAS, kecamatan Ciruas
    ("3604240002", &[4, 3, 5]),    // RANJENG, kecamatan Ciruas
    ("3604220004", &[3, 4, 4, 3]), // KRAMATWATU, kecamatan Kramatwatu
];

const BKM: &str = "BKM Ciruas Sejahtera";
const UPK: &str = "UPK BKM Ciruas Sejahtera";
/// KSM under the UPK: name and the RW of Ciruas it meets in.
const KSM: [(&str, u16); 3] = [("KSM Melati", 1), ("KSM Mawar", 2), ("KSM Kenanga", 3)];

#[derive(Clone, Copy)]
enum DemoScope {
    Global,
    Area(&'static str),
    Org(&'static str),
}

/// Two users of every role, with sensible scopes, and an analyst of the
/// whole system, who decides about the one supplier catalogue of all
/// anchors.
const USERS: [(&str, Role, DemoScope); 13] = [
    ("admin", Role::Admin, DemoScope::Global),
    ("analyst", Role::Analyst, DemoScope::Global),
    ("admin.serang", Role::Admin, DemoScope::Area("3604")),
    (
        "analyst.lancashire",
        Role::Analyst,
        DemoScope::Area("E10000017"),
    ),
    ("analyst.serang", Role::Analyst, DemoScope::Area("3604")),
    (
        "facilitator.ciruas",
        Role::Facilitator,
        DemoScope::Area("3604240003"),
    ),
    (
        "facilitator.kramatwatu",
        Role::Facilitator,
        DemoScope::Area("3604220004"),
    ),
    ("bkm.ketua", Role::Bkm, DemoScope::Org(BKM)),
    ("bkm.sekretaris", Role::Bkm, DemoScope::Org(BKM)),
    ("upk.manajer", Role::Upk, DemoScope::Org(UPK)),
    ("upk.kasir", Role::Upk, DemoScope::Org(UPK)),
    ("auditor", Role::Auditor, DemoScope::Global),
    ("auditor.serang", Role::Auditor, DemoScope::Area("3604")),
];

#[derive(Debug, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    pub listen: serve::ListenArgs,

    #[command(flatten)]
    pub proxy: serve::ProxyArgs,
}

/// `lumbung demo`: the database `--db` names, else ./lumbung-demo.db: a
/// file it rebuilds, or an empty PostgreSQL database it fills.
pub fn run(db: Option<&Path>, args: DemoArgs) -> Result<()> {
    let target = db.unwrap_or(Path::new(shared::DEFAULT_DEMO_DB));
    let config = lumbung_web::WebConfig {
        behind_proxy: args.proxy.behind_proxy,
        behind_tls_proxy: args.proxy.behind_tls_proxy,
        ..Default::default()
    };
    let started = Instant::now();
    let (store, shown) = match target
        .to_str()
        .filter(|t| lumbung_store::is_postgres_url(t))
    {
        Some(url) => (empty_server_database(url)?, "PostgreSQL".to_owned()),
        None => {
            replace_file(target)?;
            (Store::open(target)?, target.display().to_string())
        }
    };
    let store = store.with_clock(shared::clock()?);
    let logins = load(&store)?;
    let overview = store.overview()?;
    tracing::info!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        "demo data loaded"
    );
    println!(
        "Demo database {shown}: {} areas, {} postcode prefixes, {} organisations, {} users",
        overview.areas,
        overview.postcode_prefixes,
        overview.organisations,
        logins.len()
    );
    serve::listen(store, args.listen.addr, config, |bound| {
        serve::announce(bound);
        println!("Demo logins (every password is {DEMO_PASSWORD}):");
        print!(
            "{}",
            table::render(&["USER", "ROLE", "SCOPE", "PASSWORD"], &logins)
        );
        println!("Stop with Ctrl-C. The next `lumbung demo` starts again from scratch.");
        let _ = std::io::stdout().flush();
    })
}

/// The PostgreSQL database at `url`, migrated, when it holds no data: the
/// demo never deletes a server's data (not even an earlier demo's: drop
/// and create the database again for a new one).
fn empty_server_database(url: &str) -> Result<Store> {
    let store = Store::open_postgres(url)?;
    if !store.holds_no_data()? {
        return Err(shared::said(text!("demo_server_not_empty";
            id: "basis data PostgreSQL ini sudah berisi data: demo hanya mengisi basis data kosong (hapus lalu buat lagi basis datanya untuk demo baru)",
            en: "this PostgreSQL database already holds data: the demo fills only an empty database (drop and create it again for a new demo)")));
    }
    Ok(store)
}

/// Deletes the demo database file and its -wal and -shm files, and nothing
/// else. An existing file is deleted only when it is an earlier demo
/// database (the first demo user signs in with the demo password) or holds
/// no data; anything else is refused and left as it is.
fn replace_file(path: &Path) -> Result<()> {
    let refuse = || {
        format!(
            "{}: `lumbung demo` deletes and rebuilds its database, and this file is not a demo database; \
             it is left untouched (choose another --db, or delete it yourself)",
            path.display()
        )
    };
    if path.exists() {
        let store = match Store::open(path) {
            Ok(store) => store,
            Err(e @ StoreError::NotLumbung { .. }) => {
                return Err(anyhow::Error::new(e).context(refuse()))
            }
            Err(e) => return Err(e.into()),
        };
        let is_demo = store.verify_login(USERS[0].0, DEMO_PASSWORD)?.is_some();
        let overview = store.overview()?;
        let empty = overview.areas == 0
            && overview.organisations == 0
            && store.users(&Scope::Global)?.is_empty();
        drop(store);
        if !is_demo && !empty {
            bail!(refuse());
        }
    }
    for suffix in ["", "-wal", "-shm"] {
        let mut file = path.as_os_str().to_owned();
        file.push(suffix);
        match std::fs::remove_file(&file) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(e)
                    .with_context(|| format!("cannot delete {}", Path::new(&file).display()))
            }
        }
    }
    Ok(())
}

/// Loads everything; returns the logins table (user, role, scope, password).
fn load(store: &Store) -> Result<Vec<Vec<String>>> {
    areas::import_areas_file(store, UK_AREAS.0, UK_AREAS.1.as_bytes())?;
    areas::import_postcodes_file(store, UK_POSTCODES.0, UK_POSTCODES.1.as_bytes())?;
    let files: [(String, &[u8]); 4] = std::array::from_fn(|i| {
        (
            format!("{BPS_DIR}/{}", lumbung_domain::area_file::BPS_LEVELS[i].0),
            BPS_FILES[i].as_bytes(),
        )
    });
    areas::import_bps(store, BPS_DIR, &files)?;
    areas::import_records(
        store,
        "demo: RW and RT of Kabupaten Serang",
        rw_rt()?,
        vec![],
        vec![],
    )?;
    orgs::import_orgs_file(store, ORGS.0, ORGS.1.as_bytes())?;
    create_upk_and_ksm(store)?;
    load_spend(store)?;
    procurement::load(store)?;
    programme::load(store)?;
    loans::load_books(store)?;
    create_users(store)?;
    loans::run(store)?;
    community::load(store)?;
    election::load(store)?;
    programme::plans_complaints_and_board(store)?;
    partnerships::load(store)?;
    logins(store)
}

/// Every login the demo made (the cycle's and the election's too), by
/// name: user, role, scope, password.
fn logins(store: &Store) -> Result<Vec<Vec<String>>> {
    Ok(store
        .users(&lumbung_domain::Scope::Global)?
        .into_iter()
        .map(|u| {
            let scope = match (&u.scope, &u.scope_name) {
                (lumbung_domain::Scope::Global, _) => "global".to_owned(),
                (lumbung_domain::Scope::Area { code, .. }, name) => {
                    format!("area {code} {}", name.as_deref().unwrap_or(""))
                }
                (lumbung_domain::Scope::Org { id, .. }, name) => {
                    format!("org {id} {}", name.as_deref().unwrap_or(""))
                }
            };
            vec![
                u.username,
                u.role.to_string(),
                scope.trim_end().to_owned(),
                DEMO_PASSWORD.to_owned(),
            ]
        })
        .collect())
}

/// The six Preston anchors of seed 000.
const ANCHORS: [&str; 6] = [
    "Preston City Council",
    "Lancashire County Council",
    "Lancashire Teaching Hospitals NHS Foundation Trust",
    "Preston's College",
    "University of Central Lancashire",
    "Lancashire Constabulary",
];

/// The Preston anchors' spend, generated (a fixed seed, so every demo is
/// the same): three years in which the local share grows, as Preston's
/// did, imported through the same path as real files.
fn load_spend(store: &Store) -> Result<()> {
    store.set_spend_settings(
        &lumbung_store::SpendSettings {
            local: Some("E07000123".into()),
            region: Some("E10000017".into()),
            fiscal_year_start: 4,
            count_branches: false,
            // Above the generated anchors' local share (about 37%), so that
            // a what-if scenario shows the way to it.
            target_local_share: Some(lumbung_domain::Share::parse("0.45")?),
        },
        &Actor::cli(),
    )?;
    let anchors = ANCHORS;
    let suppliers = [
        ("Ribble Print Ltd", "PR1 2HE", "18129", "Y"),
        ("Preston Catering Co-operative", "PR1 3JJ", "56290", "Y"),
        ("Fishergate Facilities Ltd", "PR2 8AB", "81100", "Y"),
        ("Ashton Care Services CIC", "PR2 1XT", "87100", "Y"),
        ("Bowland Construction Ltd", "LA1 1QJ", "41201", "N"),
        ("Pennine IT Solutions Ltd", "BB10 1AA", "62020", "Y"),
        ("Fylde Foods Ltd", "FY8 5AB", "10890", "Y"),
        ("Red Rose Cleaning Ltd", "LA1 4XY", "81210", "Y"),
        ("Northern Energy PLC", "M1 1AE", "35110", "N"),
        ("National Office Supplies PLC", "LS1 4AP", "47990", "N"),
        ("Mersey Engineering Ltd", "L1 8JQ", "71129", "N"),
        ("Capital Consulting LLP", "EC1A 1BB", "70229", "N"),
        ("Midlands Transport Ltd", "B1 1BB", "49410", "N"),
    ];
    let mut csv =
        String::from("anchor,payment_date,supplier_name,postcode,sic,sme,contract_type,amount\n");
    let mut seed: u64 = 2012;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as u32
    };
    for (y, year) in [2012, 2013, 2014].iter().enumerate() {
        for anchor in anchors {
            for k in 0..40 {
                // Local suppliers get a larger part of the picks each year.
                let local_bias = y as u32 * 2;
                let pick = (next() % (suppliers.len() as u32 + local_bias)) as usize;
                let supplier = if pick >= suppliers.len() {
                    &suppliers[pick % 4]
                } else {
                    &suppliers[pick]
                };
                let pounds = 500 + next() % 40_000;
                let pence = next() % 100;
                let month = 1 + (k % 12);
                let cal_year = if month >= 4 { *year } else { year + 1 };
                let contract = if next() % 7 == 0 {
                    "national framework"
                } else {
                    "local contract"
                };
                csv.push_str(&format!(
                    "{anchor},{:02}/{month:02}/{cal_year},{},{},{},{},{contract},{pounds}.{pence:02}\n",
                    1 + next() % 28,
                    supplier.0,
                    supplier.1,
                    supplier.2,
                    supplier.3
                ));
            }
        }
    }
    // Another spelling and a second site at another postal code: what the
    // analyst's review queue is for (listed as perhaps the same).
    for (name, postcode) in [
        ("Preston Catering Coop", "PR1 3JJ"),
        ("Fylde Foods Limited", "FY1 1AA"),
    ] {
        csv.push_str(&format!(
            "Preston City Council,15/03/2015,{name},{postcode},56290,Y,local contract,1200.00\n"
        ));
    }
    let file = lumbung_store::SpendFile {
        name: "demo: Preston anchors' spend 2012/13–2014/15",
        bytes: csv.as_bytes(),
        anchor: None,
        year: None,
        period: None,
        skip_bad_rows: false,
        locale: lumbung_spend::read::Locale::En,
        sheet: None,
        mapping: None,
        reach: lumbung_domain::Scope::Global,
    };
    store.import_spend_file(&file, &Actor::cli())?;
    Ok(())
}

/// RW and RT areas under the desa of [`RW_RT`].
fn rw_rt() -> Result<Vec<AreaRecord>> {
    let rw_kind = AreaKind::parse("rw")?;
    let rt_kind = AreaKind::parse("rt")?;
    let mut records = Vec::new();
    for (desa, rts) in RW_RT {
        let desa = AreaCode::parse(desa)?;
        for (rw_no, rt_count) in (1..).zip(rts.iter().copied()) {
            let rw = desa.rw(rw_no)?;
            records.push(AreaRecord {
                line: records.len() as u64 + 1,
                code: rw.clone(),
                name: format!("RW {rw_no:02}"),
                parent: Some(desa.clone()),
                kind: Some(rw_kind.clone()),
            });
            for rt_no in 1..=rt_count {
                records.push(AreaRecord {
                    line: records.len() as u64 + 1,
                    code: rw.rt(rt_no)?,
                    name: format!("RT {rt_no:03}"),
                    parent: Some(rw.clone()),
                    kind: Some(rt_kind.clone()),
                });
            }
        }
    }
    Ok(records)
}

fn org_id(store: &Store, name: &str, kind: OrgKind) -> Result<lumbung_domain::OrgId> {
    let r = lumbung_store::OrgRef::Name(name.to_owned());
    store
        .find_org(kind, &r, &lumbung_domain::Scope::Global)?
        .map(|o| o.id)
        .with_context(|| format!("demo organisation {name} not found"))
}

/// The UPK under the BKM and the KSM under the UPK: parents are ids, known
/// only once the BKM is stored.
fn create_upk_and_ksm(store: &Store) -> Result<()> {
    let bkm_id = org_id(store, BKM, OrgKind::Bkm)?;
    let bkm = store.org(bkm_id)?.context("demo BKM vanished")?;
    let desa = bkm.area_code.as_deref().map(AreaCode::parse).transpose()?;
    let note = |extra: &[(&str, &str)]| -> BTreeMap<String, String> {
        std::iter::once(("note", "Fiktif (data demo)"))
            .chain(extra.iter().copied())
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    };
    let upk = store.create_org(
        &OrgInput {
            name: UPK.to_owned(),
            kind: OrgKind::Upk,
            area_code: desa.clone(),
            parent_id: Some(bkm_id),
            company_number: None,
            npwp: None,
            attributes: note(&[("unit", "Unit Pengelola Keuangan (pinjaman bergulir)")]),
        },
        &Actor::cli(),
    )?;
    let desa = desa.context("the demo BKM has an area")?;
    for (name, rw) in KSM {
        store.create_org(
            &OrgInput {
                name: name.to_owned(),
                kind: OrgKind::Ksm,
                area_code: Some(desa.rw(rw)?),
                parent_id: Some(upk.id),
                company_number: None,
                npwp: None,
                attributes: note(&[("anggota", "7"), ("tanggung_renteng", "ya")]),
            },
            &Actor::cli(),
        )?;
    }
    Ok(())
}

/// The demo users of `USERS`, one after the other: the store's write
/// transactions start deferred, so two concurrent writers can fail with
/// SQLITE_BUSY_SNAPSHOT.
fn create_users(store: &Store) -> Result<()> {
    let password = Password::parse(DEMO_PASSWORD)?;
    for (name, role, scope) in USERS {
        let scope = match scope {
            DemoScope::Global => ScopeRef::Global,
            DemoScope::Area(code) => ScopeRef::Area(AreaCode::parse(code)?),
            DemoScope::Org(org) => {
                let kind = if org == BKM {
                    OrgKind::Bkm
                } else {
                    OrgKind::Upk
                };
                ScopeRef::Org(org_id(store, org, kind)?)
            }
        };
        store.create_user(
            &Username::parse(name)?,
            &password,
            role,
            &scope,
            &Actor::cli(),
        )?;
    }
    Ok(())
}

/// A fresh database in a temporary folder, cheap passwords.
#[cfg(test)]
fn test_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("demo.db"))
        .unwrap()
        .with_password_cost(lumbung_store::PasswordCost::TestsOnly);
    (dir, store)
}

/// [`test_store`] on whose clock it is noon of `today`.
#[cfg(test)]
fn test_store_on(today: &str) -> (tempfile::TempDir, Store) {
    let (dir, store) = test_store();
    let noon: jiff::Timestamp = format!("{today}T12:00:00Z").parse().unwrap();
    (dir, store.with_clock(lumbung_domain::Clock::fixed(noon)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rw_and_rt_follow_the_code_convention() {
        let records = rw_rt().unwrap();
        let rw = records
            .iter()
            .filter(|r| r.kind.as_ref().unwrap().as_str() == "rw")
            .count();
        let rt = records.len() - rw;
        assert_eq!(rw, 11);
        assert_eq!(rt, 5 + 4 + 3 + 4 + 4 + 3 + 5 + 3 + 4 + 4 + 3);
        assert_eq!(records[0].code.as_str(), "3604240003.01");
        assert_eq!(records[0].name, "RW 01");
        assert_eq!(records[1].code.as_str(), "3604240003.01.001");
        assert_eq!(records[1].name, "RT 001");
        assert_eq!(
            records[1].parent.as_ref().unwrap().as_str(),
            "3604240003.01"
        );
    }

    #[test]
    fn two_users_of_every_role_and_an_analyst_of_the_whole_system() {
        for role in Role::ALL {
            let extra = usize::from(role == Role::Analyst);
            assert_eq!(
                USERS.iter().filter(|(_, r, _)| *r == role).count(),
                2 + extra,
                "{role}"
            );
        }
        assert!(USERS
            .iter()
            .any(|(_, r, s)| *r == Role::Analyst && matches!(s, DemoScope::Global)));
        assert!(Password::parse(DEMO_PASSWORD).is_ok());
    }

    #[test]
    fn the_demo_loads_into_a_fresh_database() {
        let (_dir, store) = super::test_store();
        let logins = load(&store).unwrap();
        // The startup list names every login: USERS, the cycle's
        // coordinator and facilitators, the election committee's two.
        let names: Vec<&str> = logins.iter().map(|l| l[0].as_str()).collect();
        assert_eq!(logins.len(), USERS.len() + 4, "{names:?}");
        for name in USERS.iter().map(|u| u.0).chain([
            community::COORDINATOR,
            community::FACILITATORS,
            election::SECOND_ENTERER,
            election::THIRD_MEMBER,
        ]) {
            assert!(names.contains(&name), "{name} missing from {names:?}");
        }
        // The analyst of the whole system has suppliers to review.
        let review: Vec<String> = store
            .suppliers(None, true, 100)
            .unwrap()
            .into_iter()
            .map(|s| s.name)
            .collect();
        for name in ["Preston Catering Coop", "Fylde Foods Limited"] {
            assert!(review.iter().any(|r| r == name), "{name} not in {review:?}");
        }
        let o = store.overview().unwrap();
        // UK: 17 areas; Banten: ID + 1 + 8 + 155 + 1501; RW/RT: 11 + 42.
        assert_eq!(o.areas, 17 + 1 + 1 + 8 + 155 + 1501 + 11 + 42);
        assert_eq!(o.postcode_prefixes, 3114);
        let ksm = org_id(&store, "KSM Melati", OrgKind::Ksm).unwrap();
        let ksm = store.org(ksm).unwrap().unwrap();
        assert_eq!(ksm.placement.orgs.len(), 3, "KSM → UPK → BKM");
        assert_eq!(ksm.area_code.as_deref(), Some("3604240003.01"));
        let pc = lumbung_domain::PostalCode::parse("PR1 2HE").unwrap();
        assert_eq!(
            store.locate_postcode(&pc).unwrap().unwrap().area.code,
            "E07000123"
        );
        assert!(store
            .verify_login("upk.kasir", DEMO_PASSWORD)
            .unwrap()
            .is_some());
        let apps = store.fund_applications(None).unwrap();
        assert_eq!(
            apps.iter().map(|a| a.status.as_str()).collect::<Vec<_>>(),
            ["pending", "disbursed"]
        );
        let j = store.fund_journal_chains().unwrap();
        assert_eq!(lumbung_fund::journal::verify_journal(&j), Ok(()));
    }

    /// Whatever day the demo runs on, its programme is the same living
    /// one: the same portfolio at risk, an instalment falling due in the
    /// coming month, an application a few days old, and elections held
    /// after the cycle began and before today.
    #[test]
    fn the_demo_programme_is_alive_on_any_date() {
        let mut figures = Vec::new();
        for today in ["2026-12-03", "2031-05-03", "2029-02-28"] {
            let (_dir, store) = super::test_store_on(today);
            load(&store).unwrap();
            let on: jiff::civil::Date = today.parse().unwrap();
            assert_eq!(store.clock().today(), on);
            let (books, ctx) = store.fund_report_inputs(&Scope::Global, on).unwrap();
            let report = lumbung_fund::report::portfolio(&books, on, &ctx).unwrap();
            let i = &report.indicators;
            assert_eq!(
                (i.loans_in_arrears, i.active_ksm, i.ksm_in_arrears),
                (1, 2, 1),
                "{today} {i:#?}"
            );
            assert_eq!(i.written_off_loans, 1, "{today}");
            assert!(i.ccr.is_some(), "{today}: costs this year");
            let par = i.par.unwrap().to_string();
            figures.push((today, par, i.outstanding_in_arrears));
            let due_soon = books.iter().filter_map(|b| b.due(on).unwrap().next);
            assert!(
                due_soon
                    .map(|(due, _)| due)
                    .any(|due| due > on && due <= on.checked_add(jiff::ToSpan::months(1)).unwrap()),
                "{today}: nothing falls due in the coming month"
            );
            let pending = store.fund_applications(None).unwrap();
            let pending = pending
                .iter()
                .find(|a| a.status.as_str() == "pending")
                .unwrap();
            assert_eq!(on.since(pending.applied_on).unwrap().get_days(), 10);
            let began = community::programme_start(&store).unwrap();
            let elections = store.elections(&Scope::Global).unwrap();
            assert_eq!(elections.len(), 8, "{today}");
            for e in elections {
                assert!(e.held_on > began && e.held_on < on, "{today}: {e:?}");
            }
        }
        // The same portfolio at risk on every date (the instalments fall
        // on the same days of the month).
        assert_eq!(figures[0].1, figures[1].1, "{figures:?}");
        assert_eq!(figures[0].2, figures[2].2, "{figures:?}");
    }
}
