//! The demo's partnerships (seed 002): a gas company's CSR programme and
//! the BKM of Citerep, started by its facilitator, with commitments in
//! every state, a meeting, an indicator and its public summary; then the
//! company's second offer and a co-operative's need, matched and waiting
//! for one click.

use anyhow::Result;
use jiff::ToSpan;
use lumbung_domain::{AreaCode, OrgKind};
use lumbung_partnerships::offers::{check_posting, PostingDraft};
use lumbung_partnerships::partnership::{
    check_founding, check_measure, check_minutes, check_pledge, check_reading, PartnerRole,
    PledgeDraft,
};
use lumbung_store::{OrgInput, Store};

const CITEREP: &str = "3604240003";

/// Seed 000: Lancashire schemes each under £10m, while pension managers
/// want tickets of about £20m (fictional figures).
const PROJECTS: &str = "project,amount,sector,risk,social_value,area,expected_return
Preston solar schools,8000000,energy,low,40,E07000123,4.5
Community-led homes Deepdale,9500000,housing,medium,55,E07000123,3.2
Co-op bakery expansion,2500000,enterprise,high,30,E07000123,6
Heat network Lancaster,7000000,energy,medium,20,E07000121,4
Community wind share,6000000,energy,high,10,E07000119,5.5
";

/// Preston's co-operative economy (fictional): co-operatives on their
/// way, a credit union's months where a branch closed, buy-outs.
fn economy(store: &Store) -> Result<()> {
    use lumbung_partnerships::economy::{
        check_buyout, check_coop, read_closures, read_cu_months, BuyoutStage, CoopDraft, CoopStage,
    };
    let cli = lumbung_store::Actor::cli();
    let today = store.clock().today();
    let preston = AreaCode::parse("E07000123")?;
    for (name, sector, stage, members, women, support, mentor) in [
        (
            "Preston Cleaning Co-operative",
            "cleaning",
            "trading",
            "14",
            "9",
            "",
            "Preston Co-operative Development Network",
        ),
        (
            "Deepdale Digital Co-op",
            "IT services",
            "registered",
            "6",
            "2",
            "first contracts",
            "UCLan",
        ),
        (
            "Riverside Food Co-op",
            "food",
            "steering_group",
            "8",
            "5",
            "legal form, premises",
            "",
        ),
    ] {
        let coop = check_coop(&CoopDraft {
            name,
            sector,
            stage: "idea",
            members,
            members_women: women,
            support_asked: support,
            mentor,
        })
        .map_err(|_| anyhow::anyhow!("demo co-operative"))?;
        let id = store.add_coop(&preston, None, None, &coop, today - 400.days(), &cli)?;
        let target = CoopStage::parse(stage).unwrap_or(CoopStage::Idea);
        for (i, s) in CoopStage::ALL.iter().enumerate().skip(1) {
            if *s <= target {
                store.move_coop(id, *s, today - (300 - 90 * i as i64).days(), &cli)?;
            }
        }
    }
    for (business, jobs, stages) in [
        (
            "Harris Joinery",
            "22",
            &["feasibility", "valuation", "financing", "converted"][..],
        ),
        ("Moor Park Bakery", "9", &["feasibility", "valuation"][..]),
        ("Ribble Print", "15", &["feasibility", "dropped"][..]),
        ("Fishergate Florist", "4", &[][..]),
    ] {
        let b =
            check_buyout(business, "2027", jobs).map_err(|_| anyhow::anyhow!("demo buy-out"))?;
        let id = store.add_buyout(&preston, None, &b, today - 500.days(), &cli)?;
        for (i, s) in stages.iter().enumerate() {
            let stage = BuyoutStage::parse(s).unwrap_or(BuyoutStage::Dropped);
            store.move_buyout(id, stage, today - (400 - 80 * i as i64).days(), "", &cli)?;
        }
    }
    let months = "area,month,members,savings,loans
        E07000123,2026-08,4120,1820000,960000
        E07000123,2026-09,4185,1861000,978000
        E07000123,2026-10,4260,1903000,1011000
        E07000119,2026-10,1310,402000,221000
";
    let rows = read_cu_months("demo: credit union months", months.as_bytes())?;
    store.import_cu_months("demo: credit union months", &rows, &cli)?;
    let closed = "area,bank,closed_on
E07000119,High Street Bank,2025-03-31
E07000123,Old Bank Fishergate,2024-09-30
";
    let rows = read_closures("demo: closed branches", closed.as_bytes())?;
    store.import_closures("demo: closed branches", &rows, &cli)?;
    store.add_cu_point(
        "Preston credit union office",
        &preston,
        lumbung_partnerships::economy::PointKind::Office,
        &cli,
    )?;
    Ok(())
}

/// Citerep's capitals and two active citizens (fictional, who agreed).
fn capitals(store: &Store) -> Result<()> {
    use lumbung_partnerships::capitals::{check_asset, check_citizen};
    let (_, facilitator) = super::loans::demo_user(store, "facilitator.ciruas")?;
    let citerep = AreaCode::parse(CITEREP)?;
    for (kind, name, holder, used_by) in [
        (
            "human",
            "Penjahit terlatih (12 orang)",
            "KSM Melati",
            "Pelatihan menjahit P2KP",
        ),
        ("social", "Arisan ibu-ibu RW 02", "RW 02", ""),
        ("physical", "Balai warga RW 05", "Kelurahan", "Rapat BKM"),
        (
            "financial",
            "Kelompok simpan pinjam perempuan",
            "PKK",
            "Pinjaman bergulir",
        ),
        ("natural", "Lahan kosong tepi sungai", "Desa", ""),
        (
            "cultural",
            "Sanggar rebana",
            "Karang taruna",
            "Peringatan hari besar",
        ),
    ] {
        let asset =
            check_asset(kind, name, holder, used_by).map_err(|_| anyhow::anyhow!("demo asset"))?;
        store.add_asset(&citerep, None, &asset, &facilitator)?;
    }
    let today = store.clock().today();
    for (name, leads) in [
        ("Ibu Rohmah (fiktif)", "Posyandu RW 02"),
        ("Pak Jaenudin (fiktif)", "Kerja bakti RW 05"),
    ] {
        let c = check_citizen(name, leads, true).map_err(|_| anyhow::anyhow!("demo citizen"))?;
        let id = store.add_citizen(&citerep, None, &c, today - 120.days(), &facilitator)?;
        for back in [0, 1, 2] {
            let month = (today - (back * 31).days()).strftime("%Y-%m").to_string();
            store.add_citizen_activity(id, &month, "", &facilitator)?;
        }
    }
    Ok(())
}

pub fn load(store: &Store) -> Result<()> {
    economy(store)?;
    capitals(store)?;
    let name = "demo: local projects seeking investment";
    let listed = lumbung_partnerships::projects::read_listed(name, PROJECTS.as_bytes())?;
    store.import_projects(name, &listed, &lumbung_store::Actor::cli())?;
    let today = store.clock().today();
    let (_, facilitator) = super::loans::demo_user(store, "facilitator.ciruas")?;
    let (_, ketua) = super::loans::demo_user(store, "bkm.ketua")?;
    let bkm = super::org_id(store, "BKM Ciruas Sejahtera", OrgKind::Bkm)?;
    let company = store
        .create_org(
            &OrgInput {
                name: "PT Gas Banten Sejahtera (fiktif)".into(),
                kind: OrgKind::Company,
                area_code: Some(AreaCode::parse("3604")?),
                parent_id: None,
                company_number: None,
                npwp: None,
                attributes: Default::default(),
            },
            &lumbung_store::Actor::cli(),
        )?
        .id;
    let founding = check_founding(
        "Kemitraan CSR Citerep",
        "Warga miskin Citerep punya usaha yang tumbuh dan lingkungan yang sehat",
        "40 usaha baru warga miskin dalam 3 tahun; pelatihan bagi 100 perempuan",
    )
    .map_err(|_| anyhow::anyhow!("demo partnership"))?;
    let area = AreaCode::parse(CITEREP)?;
    let id = store.create_partnership(
        &area,
        None,
        &founding,
        &[(bkm, PartnerRole::Lead), (company, PartnerRole::Funder)],
        &facilitator,
    )?;
    let day = |days: i64| (today - days.days()).to_string();
    let later = |days: i64| (today + days.days()).to_string();
    for (org, kind, description, amount, hours, due) in [
        (
            bkm,
            "money",
            "Swadaya tunai warga untuk modal",
            "5000000",
            "",
            day(10),
        ),
        (
            company,
            "staff_time",
            "Pendampingan usaha oleh staf CSR",
            "",
            "120",
            day(40),
        ),
        (
            company,
            "money",
            "Dana pelatihan menjahit",
            "75000000",
            "",
            later(60),
        ),
        (
            company,
            "in_kind",
            "Mesin jahit bekas pakai",
            "12000000",
            "",
            later(30),
        ),
    ] {
        let pledge = check_pledge(&PledgeDraft {
            kind,
            description,
            amount,
            hours,
            due_on: &due,
        })
        .map_err(|_| anyhow::anyhow!("demo commitment"))?;
        let cid = store.add_commitment(id, org, &pledge, &facilitator)?;
        if kind == "staff_time" {
            store.keep_commitment(cid, today - 45.days(), "Dua kali sebulan", &ketua)?;
        }
    }
    let minutes = check_minutes(
        &day(20),
        "18",
        "Rapat perdana: pembagian peran dan jadwal pelatihan",
        "BKM menyiapkan daftar KSM calon peserta",
        today,
    )
    .map_err(|_| anyhow::anyhow!("demo meeting"))?;
    store.add_meeting(id, &minutes, &facilitator)?;
    let measure = check_measure("Usaha baru warga miskin", "usaha", "0", "40")
        .map_err(|_| anyhow::anyhow!("demo indicator"))?;
    let indicator = store.add_indicator(id, &measure, &facilitator)?;
    let value = check_reading("12").map_err(|_| anyhow::anyhow!("demo reading"))?;
    store.add_reading(indicator, today - 5.days(), value, &facilitator)?;
    store.publish_partnership(id, true, &facilitator)?;

    // Another offer of the company and the BKM's need: a match waiting.
    for (org, side, title, themes, kinds, contact) in [
        (
            company,
            "offer",
            "Beasiswa dan pelatihan keterampilan",
            ["education", "economy"],
            ["money", "skills"],
            "csr@gasbanten.example.id",
        ),
        (
            bkm,
            "need",
            "Modal dan pelatihan untuk KSM perempuan",
            ["economy", "social"],
            ["money", "skills"],
            "bkm.citerep@example.id",
        ),
    ] {
        let themes = themes.map(str::to_owned);
        let kinds = kinds.map(str::to_owned);
        let posting = check_posting(&PostingDraft {
            side,
            title,
            description: "",
            themes: &themes,
            kinds: &kinds,
            contact,
        })
        .map_err(|_| anyhow::anyhow!("demo posting"))?;
        let place = if side == "offer" {
            AreaCode::parse("3604")?
        } else {
            area.clone()
        };
        let by = if side == "offer" {
            lumbung_store::Actor::cli()
        } else {
            ketua.clone()
        };
        store.post_offer(org, &place, &posting, &by)?;
    }
    Ok(())
}
