//! The demo's P2KP community cycle: eleven kelurahan of kecamatan Ciruas
//! (Kabupaten Serang) in the programme since about 400 days before the
//! demo starts, nine of which have finished the PJM Pronangkis (9 of 11 =
//! 82%), one late and one stalled; older steps verified by the city
//! coordinator; and the self-mapping of Ciruas from a KoboToolbox export
//! (`demo/kobo/`, the test sample with its RW/RT moved to Ciruas's RW 01
//! and 02). Dates are relative to today, so the flags hold whenever the
//! demo runs. Loaded through the same store methods as the web app.

use anyhow::{Context, Result};
use jiff::civil::Date;
use jiff::ToSpan;
use lumbung_community::cycle::{Attendance, CyclePlan, Document, StepReport};
use lumbung_community::mapping::{bps_template, Criteria, CsvFile};
use lumbung_domain::{AreaCode, Password, Role, Username};
use lumbung_store::{Actor, ScopeRef, Store};

const HOUSEHOLDS: (&str, &[u8]) = (
    "demo/kobo/households.csv",
    include_bytes!("../../../demo/kobo/households.csv"),
);
const ROSTER: (&str, &[u8]) = (
    "demo/kobo/roster.csv",
    include_bytes!("../../../demo/kobo/roster.csv"),
);

/// The desa that maps its households (it has RW and RT in the demo tree).
pub const MAPPED: &str = "3604240003";

/// The city coordinator (verifies) and the kecamatan's facilitator team
/// (records for the desa without a facilitator of their own). The desa
/// facilitator `facilitator.ciruas` is one of the demo's users.
pub const COORDINATOR: &str = "korkot.serang";
pub const FACILITATORS: &str = "faskel.ciruas";
const CIRUAS_FACILITATOR: &str = "facilitator.ciruas";

/// The day of the programme on which the mapped desa formed its BKM, by
/// the election of `election`.
pub const BKM_FORMED: i64 = 190;

/// Each kelurahan with the days after the programme's start on which it
/// did its steps, in the plan's order.
const SCHEDULE: [(&str, &[i64]); 11] = [
    // Six on time, into Musrenbang.
    (MAPPED, &[5, 35, 75, 130, BKM_FORMED, 250, 340]),
    ("3604240001", &[6, 37, 78, 132, 195, 255, 345]),
    ("3604240002", &[7, 38, 80, 135, 198, 258, 350]),
    ("3604240004", &[8, 40, 82, 138, 200, 262, 355]),
    ("3604240005", &[9, 41, 84, 140, 205, 266, 360]),
    ("3604240006", &[10, 42, 86, 142, 208, 270, 365]),
    // Three that finished the PJM after its target.
    ("3604240008", &[10, 45, 90, 150, 230, 330]),
    ("3604240009", &[12, 47, 92, 152, 235, 335]),
    ("3604240010", &[14, 49, 94, 155, 240, 340]),
    // Late: the PJM's target has passed.
    ("3604240011", &[15, 60, 110, 170, 330]),
    // Stalled: nothing for 200 days.
    ("3604240012", &[20, 70, 120, 200]),
];

/// Days after the start by which each step should be done.
const TARGETS: [(&str, i64); 9] = [
    ("rkm", 30),
    ("volunteers", 60),
    ("poverty_reflection", 100),
    ("self_mapping", 160),
    ("bkm_formation", 220),
    ("pjm_pronangkis", 280),
    ("musrenbang", 420),
    ("implementation", 600),
    ("review", 760),
];

/// The day the programme started in the demo's kecamatan: 400 days ago.
pub fn programme_start(store: &Store) -> Result<Date> {
    Ok(store.clock().today().checked_sub(400.days())?)
}

pub fn day(start: Date, offset: i64) -> Result<Date> {
    Ok(start.checked_add(offset.days())?)
}

fn attendance(k: usize, s: usize) -> Result<Attendance> {
    let total = 28 + ((k * 7 + s * 11) % 45) as u32;
    let women = total * (35 + ((k + s) % 4) as u32 * 5) / 100;
    let poor = total * (25 + ((k * 3 + s) % 5) as u32 * 4) / 100;
    Ok(Attendance::new(total, women, poor)?)
}

/// Loads the cycle and the mapping; needs the BPS areas of Banten and the
/// RW/RT of Ciruas.
pub fn load(store: &Store) -> Result<()> {
    let cli = Actor::cli();
    let password = Password::parse(super::DEMO_PASSWORD)?;
    for (name, area) in [(COORDINATOR, "3604"), (FACILITATORS, "3604240")] {
        store.create_user(
            &Username::parse(name)?,
            &password,
            Role::Facilitator,
            &ScopeRef::Area(AreaCode::parse(area)?),
            &cli,
        )?;
    }
    let start = programme_start(store)?;
    let mut plan = CyclePlan::default();
    plan.set_start(Some(start));
    for (key, offset) in TARGETS {
        plan.set_target(key, Some(day(start, offset)?))?;
    }
    let coordinator = Username::parse(COORDINATOR)?;
    for (k, (code, days)) in SCHEDULE.iter().enumerate() {
        store.set_cycle_plan(code, &plan, &cli)?;
        let by = Username::parse(if *code == MAPPED {
            CIRUAS_FACILITATOR
        } else {
            FACILITATORS
        })?;
        for (s, (step, offset)) in plan.steps().iter().zip(days.iter()).enumerate() {
            let done_on = day(start, *offset)?;
            let report = StepReport {
                step: step.key.clone(),
                done_on,
                attendance: attendance(k, s)?,
                documents: vec![
                    Document {
                        title: "Notulen rapat".into(),
                        reference: Some(format!("BA-{:02}/{}", s + 1, done_on.year())),
                    },
                    Document {
                        title: "Daftar hadir".into(),
                        reference: None,
                    },
                ],
            };
            store
                .record_cycle_step(code, report, &by, &cli)
                .with_context(|| format!("demo cycle of {code}, step {}", step.key))?;
            // The newest step of each kelurahan still awaits verification.
            if s + 1 < days.len() {
                store.verify_cycle_step(code, &step.key, &coordinator, &cli)?;
            }
        }
    }
    let mut criteria = serde_json::to_value(bps_template())?;
    criteria["name"] = "Ciruas 2026 (BPS 14)".into();
    let criteria: Criteria = serde_json::from_value(criteria)?;
    store.set_mapping_criteria(MAPPED, &criteria, &cli)?;
    store
        .import_kobo(
            MAPPED,
            CsvFile::new(HOUSEHOLDS.0, HOUSEHOLDS.1),
            CsvFile::new(ROSTER.0, ROSTER.1),
            None,
            &cli,
            &mut |_, _| {},
        )
        .map_err(|e| anyhow::anyhow!("demo Kobo export: {e}"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_step_in_the_schedule_is_a_step_of_the_plan_and_in_order() {
        let plan = CyclePlan::default();
        for (code, days) in SCHEDULE {
            assert!(days.len() <= plan.steps().len(), "{code}");
            assert!(days.windows(2).all(|w| w[0] < w[1]), "{code}");
            assert!(days.iter().all(|d| *d <= 400), "{code}: not in the future");
        }
        for (key, _) in TARGETS {
            assert!(plan.step(key).is_some(), "{key}");
        }
        for k in 0..11 {
            for s in 0..10 {
                attendance(k, s).unwrap();
            }
        }
    }

    /// The areas the cycle needs: Ciruas's desa, and RW 01–02 of Ciruas
    /// with RT 001–005 for the Kobo export.
    fn areas(store: &Store) {
        use lumbung_domain::{AreaKind, AreaRecord};
        let rec = |code: &str, parent: Option<&str>, kind: &str| AreaRecord {
            line: 1,
            code: AreaCode::parse(code).unwrap(),
            name: code.to_owned(),
            parent: parent.map(|p| AreaCode::parse(p).unwrap()),
            kind: Some(AreaKind::parse(kind).unwrap()),
        };
        let mut records = vec![
            rec("ID", None, "country"),
            rec("36", Some("ID"), "province"),
            rec("3604", Some("36"), "regency"),
            rec("3604240", Some("3604"), "district"),
        ];
        for (code, _) in SCHEDULE {
            records.push(rec(code, Some("3604240"), "kelurahan"));
        }
        let ciruas = AreaCode::parse(MAPPED).unwrap();
        for rw in 1..=2 {
            let rw = ciruas.rw(rw).unwrap();
            records.push(rec(rw.as_str(), Some(MAPPED), "rw"));
            for rt in 1..=5 {
                records.push(rec(rw.rt(rt).unwrap().as_str(), Some(rw.as_str()), "rt"));
            }
        }
        for (i, r) in records.iter_mut().enumerate() {
            r.line = i as u64 + 2;
        }
        store
            .import_areas(
                "t.csv",
                records,
                vec![],
                vec![],
                &Actor::cli(),
                &mut |_, _| {},
            )
            .unwrap();
    }

    #[test]
    fn nine_of_eleven_finished_the_pjm_one_is_late_and_one_stalled() {
        use lumbung_community::cycle::{progress_planned, ProgressSettings};
        let (_dir, store) = super::super::test_store();
        areas(&store);
        load(&store).unwrap();
        let cycles = store
            .programme_cycles(None, &lumbung_domain::Scope::Global)
            .unwrap();
        assert_eq!(cycles.len(), 11);
        let pairs: Vec<_> = cycles.iter().map(|c| (&c.plan, &c.cycle)).collect();
        let p = progress_planned(
            &CyclePlan::default(),
            &pairs,
            &Default::default(),
            jiff::Zoned::now().date(),
            &ProgressSettings::default(),
        )
        .unwrap();
        let pjm = p.steps.iter().find(|s| s.key == "pjm_pronangkis").unwrap();
        assert_eq!(
            (pjm.done, pjm.percent_done, pjm.on_time),
            (9, Some(82), Some(6))
        );
        let flagged: Vec<_> = p.kelurahan.iter().filter(|k| k.flagged()).collect();
        assert_eq!(flagged.len(), 2);
        assert_eq!(flagged[0].kelurahan.as_str(), "3604240011");
        assert!(!flagged[0].stalled && !flagged[0].late.is_empty());
        assert_eq!(flagged[1].kelurahan.as_str(), "3604240012");
        assert!(flagged[1].stalled);
        let mapping = store.mapping_data(MAPPED).unwrap();
        assert_eq!(mapping.households.len(), 30);
        assert!(mapping.criteria_adopted);
    }
}
