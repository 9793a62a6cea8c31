//! `lumbung demo`: a fresh database with realistic data for Banten
//! (Indonesia) and Lancashire (UK), loaded through the same code paths as
//! the import commands, then served.

mod community;
mod election;

use super::{areas, fund, orgs, serve};
use crate::shared::{self, table};
use anyhow::{bail, Context, Result};
use clap::Args;
use jiff::civil::date;
use lumbung_domain::UserId;
use lumbung_domain::{AreaCode, AreaKind, AreaRecord, OrgKind, Password, Role, Scope, Username};
use lumbung_store::{Actor, Movement, OrgInput, ScopeRef, Store, StoreError};
use std::collections::BTreeMap;
use std::io::Write;
use std::net::SocketAddr;
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

/// `lumbung demo`: the database `--db` names, else ./lumbung-demo.db.
pub fn run(db: Option<&Path>, args: DemoArgs) -> Result<()> {
    let path = db.unwrap_or(Path::new(shared::DEFAULT_DEMO_DB));
    let config = lumbung_web::WebConfig {
        behind_proxy: args.proxy.behind_proxy,
        behind_tls_proxy: args.proxy.behind_tls_proxy,
        ..Default::default()
    };
    build_and_serve(path, args.listen.addr, config)
}

/// Builds the demo database at `path` and serves it on `addr`.
fn build_and_serve(path: &Path, addr: SocketAddr, config: lumbung_web::WebConfig) -> Result<()> {
    let started = Instant::now();
    replace_file(path)?;
    let store = Store::open(path)?.with_clock(shared::clock()?);
    let logins = load(&store)?;
    let overview = store.overview()?;
    tracing::info!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        "demo data loaded"
    );
    println!(
        "Demo database {}: {} areas, {} postcode prefixes, {} organisations, {} users",
        path.display(),
        overview.areas,
        overview.postcode_prefixes,
        overview.organisations,
        logins.len()
    );
    serve::listen(store, addr, config, |bound| {
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
    load_fund(store)?;
    create_users(store)?;
    run_fund(store)?;
    community::load(store)?;
    election::load(store)?;
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

/// A year of the UPK's work after its books were moved in: members and
/// joint liability, monthly group savings, a second loan to Melati entered
/// by the cashier and approved by the BKM's chair (maker-checker) and
/// repaid on time, Mawar's loan rescheduled, Kenanga's written off against
/// a reserve, and an application waiting for the BKM.
fn run_fund(store: &Store) -> Result<()> {
    use jiff::civil::date;
    use jiff::ToSpan;
    use lumbung_domain::Sex;
    use lumbung_fund::loan::Rupiah;
    let cli = Actor::cli();
    let user = |name: &str| -> Result<(i64, Actor)> {
        let u = store
            .user_by_name(&Username::parse(name)?)?
            .with_context(|| format!("demo user {name} not found"))?;
        Ok((
            u.id.get(),
            Actor::User {
                id: u.id.get(),
                username: u.username,
            },
        ))
    };
    let (maker, kasir) = user("upk.kasir")?;
    let (checker, ketua) = user("bkm.ketua")?;
    let (maker, checker) = (UserId::new(maker), UserId::new(checker));
    const MEMBERS: [[(&str, Sex); 7]; 3] = [
        [
            ("Siti Aminah", Sex::Female),
            ("Nur Hayati", Sex::Female),
            ("Euis Kurniasih", Sex::Female),
            ("Dedi Supriadi", Sex::Male),
            ("Ujang Saepudin", Sex::Male),
            ("Rohmat", Sex::Male),
            ("Iis Sumiati", Sex::Female),
        ],
        [
            ("Aisyah", Sex::Female),
            ("Entin Kartini", Sex::Female),
            ("Asep Saepuloh", Sex::Male),
            ("Jajang Nurjaman", Sex::Male),
            ("Yayah Rokayah", Sex::Female),
            ("Endang", Sex::Male),
            ("Cucu Suryani", Sex::Female),
        ],
        [
            ("Imas Masitoh", Sex::Female),
            ("Tatang", Sex::Male),
            ("Ade Rahmat", Sex::Male),
            ("Neneng Hasanah", Sex::Female),
            ("Oman Abdurahman", Sex::Male),
            ("Wawan Setiawan", Sex::Male),
            ("Lilis Suryani", Sex::Female),
        ],
    ];
    let mut ids = Vec::new();
    for ((name, _), members) in KSM.iter().zip(MEMBERS) {
        let ksm = lumbung_domain::KsmId::new(org_id(store, name, OrgKind::Ksm)?);
        let mut member_ids = Vec::new();
        for (person, sex) in members {
            member_ids.push(store.add_ksm_member(
                ksm,
                person,
                sex,
                None,
                date(2023, 11, 1),
                &kasir,
            )?);
        }
        store.record_joint_liability(
            ksm,
            date(2023, 11, 1),
            "Surat perjanjian tanggung renteng 2023",
            &kasir,
        )?;
        let mut month = date(2024, 10, 5);
        while month <= date(2025, 6, 5) {
            store.post_savings(
                ksm,
                None,
                month,
                Rupiah(70_000),
                &format!("demo:savings:{name}:{month}"),
                &kasir,
            )?;
            month = month.checked_add(1.month())?;
        }
        ids.push((ksm, member_ids));
    }
    // Melati's second loan: 7 × 400,000 over 6 months, repaid on time.
    let (melati, members) = &ids[0];
    let amounts: Vec<_> = members.iter().map(|m| (*m, Rupiah(400_000))).collect();
    let app = store.apply_for_loan(*melati, date(2025, 1, 10), &amounts, 6, maker, None, &kasir)?;
    store.decide_application(app, true, "Rapat BKM 12 Januari 2025", checker, &ketua)?;
    let loan = store.disburse(app, date(2025, 1, 15), &kasir)?;
    let view = store.loan(&loan)?.context("the demo loan was disbursed")?;
    for (k, i) in view.book.schedule.iter().enumerate() {
        store.repay(
            &lumbung_store::RepaymentInput {
                loan_id: loan.clone(),
                paid_on: i.due,
                amount: Rupiah(i.principal.0 + i.fee.0),
                key: format!("demo:kuitansi:{loan}:{}", k + 1),
            },
            &kasir,
        )?;
    }
    // Mawar could not keep up: the rest over 12 months from July 2024.
    store.reschedule(
        "CRS-2024-002",
        date(2024, 7, 1),
        12,
        "Usaha anggota terdampak banjir",
        &cli,
    )?;
    for month in 8..=12 {
        store.repay(
            &lumbung_store::RepaymentInput {
                loan_id: "CRS-2024-002".into(),
                paid_on: date(2024, month, 3),
                amount: Rupiah(176_389),
                key: format!("demo:mawar:{month}"),
            },
            &kasir,
        )?;
    }
    let upk = fund::upk_id(store, UPK)?;
    store.provision(upk, date(2025, 6, 30), &kasir)?;
    store.write_off(
        "CRS-2024-003",
        date(2025, 6, 30),
        "Kelompok bubar; ditagih terus secara kekeluargaan",
        &kasir,
    )?;
    // Mawar asks again; the BKM has not decided yet.
    let (mawar, members) = &ids[1];
    let amounts: Vec<_> = members
        .iter()
        .take(5)
        .map(|m| (*m, Rupiah(300_000)))
        .collect();
    store.apply_for_loan(*mawar, date(2025, 7, 1), &amounts, 10, maker, None, &kasir)?;
    Ok(())
}

/// The UPK's books: a loan to each KSM in January 2024 (Rp 500,000 per
/// member for 5–6 members, 6 months, 1.5% flat), Melati paying on time,
/// Mawar late, Kenanga not at all; BLM capital and a month's costs.
fn load_fund(store: &Store) -> Result<()> {
    use lumbung_fund::loan::{FeeRate, Frequency, Rupiah, ScheduleKind};
    let on = jiff::civil::date(2024, 1, 10);
    let rate = FeeRate::parse("0.015")?;
    let loans: Vec<lumbung_store::LoanRecord> = KSM
        .iter()
        .enumerate()
        .map(|(i, (ksm, _))| lumbung_store::LoanRecord {
            line: i as u64 + 2,
            upk: UPK.into(),
            ksm: (*ksm).into(),
            loan_id: format!("CRS-2024-{:03}", i + 1),
            disbursed_on: on,
            principal: Rupiah(if i == 1 { 2_500_000 } else { 3_000_000 }),
            term_months: 6,
            fee_rate: rate,
            schedule: ScheduleKind::Flat,
            frequency: Frequency::Monthly,
        })
        .collect();
    // Instalments: 500,000 + 45,000 (Melati, Kenanga); 416,666 + 37,500 (Mawar).
    let mut repayments = Vec::new();
    for month in 2..=6 {
        repayments.push(("CRS-2024-001", jiff::civil::date(2024, month, 10), 545_000));
    }
    repayments.push(("CRS-2024-002", jiff::civil::date(2024, 2, 12), 454_166));
    repayments.push(("CRS-2024-002", jiff::civil::date(2024, 5, 2), 454_166));
    let repayments = repayments
        .into_iter()
        .enumerate()
        .map(
            |(i, (loan, paid_on, amount))| lumbung_store::RepaymentRecord {
                line: i as u64 + 2,
                loan_id: loan.into(),
                paid_on,
                amount: Rupiah(amount),
            },
        )
        .collect();
    store.import_fund(
        ("demo: loans", "demo: repayments"),
        loans,
        repayments,
        (vec![], vec![]),
        &Actor::cli(),
    )?;
    let upk = fund::upk_id(store, UPK)?;
    for (movement, on, amount, memo, key) in [
        (
            Movement::Capital,
            date(2024, 1, 2),
            25_000_000,
            "BLM",
            "demo:blm",
        ),
        (
            Movement::Cost,
            date(2024, 3, 1),
            150_000,
            "ATK dan rapat",
            "demo:cost",
        ),
    ] {
        store.post_fund_movement(upk, movement, on, Rupiah(amount), memo, key, &Actor::cli())?;
    }
    Ok(())
}

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
        },
        &Actor::cli(),
    )?;
    let anchors = [
        "Preston City Council",
        "Lancashire County Council",
        "Lancashire Teaching Hospitals NHS Foundation Trust",
        "Preston's College",
        "University of Central Lancashire",
        "Lancashire Constabulary",
    ];
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

fn org_id(store: &Store, name: &str, kind: OrgKind) -> Result<i64> {
    let r = lumbung_store::OrgRef::Name(name.to_owned());
    store
        .find_org(kind, &r, &lumbung_domain::Scope::Global)?
        .map(|o| o.id.get())
        .with_context(|| format!("demo organisation {name} not found"))
}

/// The UPK under the BKM and the KSM under the UPK: parents are ids, known
/// only once the BKM is stored.
fn create_upk_and_ksm(store: &Store) -> Result<()> {
    let bkm_id = org_id(store, BKM, OrgKind::Bkm)?;
    let bkm = store
        .org(lumbung_domain::OrgId::new(bkm_id))?
        .context("demo BKM vanished")?;
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
                parent_id: Some(upk.id.get()),
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
        let ksm = store.org(lumbung_domain::OrgId::new(ksm)).unwrap().unwrap();
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
        let j = store.fund_journal().unwrap();
        assert_eq!(lumbung_fund::journal::verify(&j), Ok(()));
    }
}
