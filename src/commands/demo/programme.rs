//! The demo's P2KP money: BLM tranches and activities of the tridaya in
//! three desa of Kabupaten Serang, with the community's swadaya, imported
//! through the same path as files (Ranjeng has no UPK: flagged).

use anyhow::Result;
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
    store.import_grants(name, GRANTS.as_bytes(), &rows, &cli)?;
    let name = "demo: activities 2008";
    let rows = read_activities(name, ACTIVITIES.as_bytes())?;
    store.import_activities(name, ACTIVITIES.as_bytes(), &rows, &cli)?;
    Ok(())
}
