//! The demo's P2KP money: BLM tranches and activities of the tridaya in
//! three desa of Kabupaten Serang, with the community's swadaya, imported
//! through the same path as files (Ranjeng has no UPK: flagged). Then
//! complaints about Citerep in every state (one answered late, one past
//! its resolution deadline) and a board of Citerep published.

use anyhow::Result;
use jiff::ToSpan;
use lumbung_programme::complaints::{check, Channel, Draft, Status};
use lumbung_programme::files::{read_activities, read_grants};
use lumbung_store::{Actor, Store};

const GRANTS: &str = "kelurahan,programme,tranche,date,amount
3604240003,P2KP,1,2008-03-03,105000000
3604240003,P2KP,2,2008-08-11,70000000
3604240002,P2KP,1,2008-03-03,90000000
3604240002,P2KP,2,2008-08-11,60000000
3604220004,P2KP,1,2008-04-07,120000000
";

const ACTIVITIES: &str = "kelurahan,programme,year,activity,kind,implementer,blm,spent,swadaya_cash,swadaya_labour_days,swadaya_wage,swadaya_materials,other_funds,beneficiaries,beneficiaries_poor,beneficiaries_women,progress
3604240003,P2KP,2008,Pinjaman bergulir KSM,ekonomi,UPK BKM Ciruas Sejahtera,70000000,70000000,,,,,,48,36,30,100
3604240003,P2KP,2008,Jalan lingkungan RW 02,fisik,Panitia RW 02,60000000,58500000,4000000,950,60000,9000000,,310,140,150,100
3604240003,P2KP,2008,Santunan lansia dan beasiswa,sosial,Panitia sosial,25000000,25000000,1500000,,,,,85,85,50,100
3604240002,P2KP,2008,Pinjaman bergulir KSM,ekonomi,KSM Ranjeng Mandiri,60000000,45000000,,,,,,30,24,18,75
3604240002,P2KP,2008,Saluran air RW 01,lingkungan,Panitia RW 01,70000000,64000000,2500000,1200,55000,12000000,,260,120,130,90
3604220004,P2KP,2008,Pinjaman bergulir KSM,ekonomi,KSM Kramat Jaya,50000000,50000000,,,,,,35,28,21,100
3604220004,P2KP,2008,Pelatihan menjahit,sosial,Panitia pelatihan,15000000,12000000,1000000,80,50000,,,40,32,40,80
";

pub fn load(store: &Store) -> Result<()> {
    let cli = Actor::cli();
    let name = "demo: BLM tranches";
    let rows = read_grants(name, GRANTS.as_bytes())?;
    store.import_programme(name, GRANTS.as_bytes(), &rows, &cli)?;
    let name = "demo: activities 2008";
    let rows = read_activities(name, ACTIVITIES.as_bytes())?;
    store.import_programme(name, ACTIVITIES.as_bytes(), &rows, &cli)?;
    Ok(())
}

/// Citerep's PJM Pronangkis 2008–2010, brought in by its facilitator and
/// approved by the BKM's chair; Ranjeng and Kramat have none (their
/// activities are flagged outside a plan).
const PLAN: &str = "kelurahan,plan,years,problem,activity,kind,location,poor_households,women,cost,blm,swadaya,government,companies,other_programmes,schedule,responsible,musrenbang,spkd
3604240003,pjm,2008-2010,Modal usaha warga miskin kurang,Pinjaman bergulir KSM,ekonomi,RW 01-05,36,30,70000000,70000000,,,,,2008-2010,UPK BKM Ciruas Sejahtera,Musrenbang Kecamatan Ciruas 2008,SPKD Kabupaten Serang 2008
3604240003,pjm,2008-2010,Jalan becek dan rusak saat hujan,Jalan lingkungan RW 02,fisik,RW 02,140,150,74000000,60000000,14000000,,,,Juli-Agustus 2008,Panitia RW 02,,
3604240003,pjm,2008-2010,Lansia miskin dan anak putus sekolah,Santunan lansia dan beasiswa,sosial,RW 01-05,85,50,26500000,25000000,1500000,,,,2008,Panitia sosial,,
3604240003,pjm,2008-2010,Genangan air di RW 04,Drainase RW 04,fisik,RW 04,60,70,90000000,50000000,15000000,25000000,,,2009,Panitia RW 04,,
";

/// Citerep's plan, then complaints about Citerep (the demo BKM's desa):
/// filed on the public form or entered by its facilitator, answered by
/// the BKM; one still unanswered past 3 days (the facilitator's now), one
/// open past 30 days (the city coordinator's). Then Citerep's board
/// published as of today.
pub fn plans_complaints_and_board(store: &Store) -> Result<()> {
    const CITEREP: &str = "3604240003";
    let today = store.clock().today();
    let (_, facilitator) = super::loans::demo_user(store, "facilitator.ciruas")?;
    let (_, ketua) = super::loans::demo_user(store, "bkm.ketua")?;
    let name = "demo: PJM Pronangkis Citerep 2008-2010";
    let plans = lumbung_programme::plan::read_plans(name, PLAN.as_bytes())?;
    store.import_programme(name, PLAN.as_bytes(), &plans, &facilitator)?;
    for plan in store.plans_of(CITEREP)? {
        store.approve_plan(plan.id, &ketua)?;
    }
    // Two proposals waiting for the BKM: one in the plan, one not.
    for (activity, implementer, requested) in [
        ("Drainase RW 04", "Panitia RW 04", 50_000_000),
        ("Balai warga RW 05", "Panitia RW 05", 35_000_000),
    ] {
        let proposal = lumbung_programme::proposal::Proposal {
            year: 2009,
            activity: activity.into(),
            implementer: implementer.into(),
            requested: lumbung_domain::Money::from_units(requested),
            poor: 0,
            women: 0,
        };
        store.propose(CITEREP, &proposal, &facilitator)?;
    }
    let visitor = Actor::Visitor {
        address: "public form".into(),
    };
    let filed = |category, subject, text: &str, days_ago: i64, channel: Channel, who: &Actor| {
        let submission = check(&Draft {
            category,
            subject,
            text,
            anonymous: days_ago != 0,
            name: "Warga RW 02",
            contact: "",
        })
        .map_err(|e| anyhow::anyhow!("demo complaint: {e:?}"))?;
        let received = (channel != Channel::Web).then(|| today.saturating_sub(days_ago.days()));
        anyhow::Ok(store.file_complaint(CITEREP, &submission, channel, received, "id", who)?)
    };
    let asked = filed(
        "informasi",
        "dana",
        "Berapa dana BLM tahap 2 yang sudah diterima dan untuk kegiatan apa saja?",
        0,
        Channel::Web,
        &visitor,
    )?;
    store.answer_complaint(
        asked.id,
        Status::Resolved,
        "Tahap 2 Rp 70.000.000 diterima 11 Agustus 2008; rinciannya ada di papan informasi kelurahan.",
        &ketua,
    )?;
    filed(
        "masalah",
        "pembangunan",
        "Saluran di ujung jalan lingkungan RW 02 belum selesai dan air menggenang.",
        5,
        Channel::Sms,
        &facilitator,
    )?;
    let overdue = filed(
        "masalah",
        "sasaran",
        "Ada keluarga miskin di RT 03 yang tidak masuk daftar penerima santunan.",
        40,
        Channel::Paper,
        &facilitator,
    )?;
    store.answer_complaint(
        overdue.id,
        Status::InProgress,
        "Daftar PS-2 RT 03 sedang dicek ulang bersama relawan.",
        &ketua,
    )?;
    filed(
        "masalah",
        "dana",
        "Kapan laporan keuangan UPK ditempel di papan informasi?",
        0,
        Channel::Web,
        &visitor,
    )?;
    store.publish_board(CITEREP, today, &Actor::cli())?;
    Ok(())
}
