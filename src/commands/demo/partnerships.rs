//! The demo's partnerships (seed 002): a gas company's CSR programme and
//! the BKM of Citerep, started by its facilitator, with commitments in
//! every state, a meeting, an indicator and its public summary; then the
//! company's second offer and a co-operative's need, matched and waiting
//! for one click.

use anyhow::Result;
use jiff::ToSpan;
use lumbung_domain::{AreaCode, OrgId, OrgKind};
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

pub fn load(store: &Store) -> Result<()> {
    let name = "demo: local projects seeking investment";
    let listed = lumbung_partnerships::projects::read_listed(name, PROJECTS.as_bytes())?;
    store.import_projects(name, &listed, &lumbung_store::Actor::cli())?;
    let today = store.clock().today();
    let (_, facilitator) = super::loans::demo_user(store, "facilitator.ciruas")?;
    let (_, ketua) = super::loans::demo_user(store, "bkm.ketua")?;
    let bkm = OrgId::new(super::org_id(store, "BKM Ciruas Sejahtera", OrgKind::Bkm)?);
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
