//! The demo's BKM election in Ciruas (fictitious people): the five RTs of
//! RW 01 elect their delegates — registers, ballots entered twice by two
//! committee members (one difference resolved from the paper in RT 001),
//! nicknames grouped, results published — then the delegates elect the BKM
//! members (a tie broken by a re-vote) and the members their coordinator.
//! RT 001 of RW 02 is still counting: the quorum was not met, a
//! door-to-door collection is recorded and the entries still differ.
//!
//! No member decides alone: `facilitator.ciruas` makes entry A and
//! proposes publishing, `panitia.ciruas` makes entry B, and `saksi.ciruas`
//! (who enters nothing) resolves differences and confirms publishing.

use super::DEMO_PASSWORD;
use anyhow::{Context, Result};
use jiff::civil::{date, Date};
use lumbung_domain::{AreaCode, Password, PollId, Role, Scope, Sex, Username};
use lumbung_store::{
    Actor, BallotEntry, ElectionLevel, NewElection, PublishStep, ScopeRef, Store, TieInput,
    VoterInput,
};
use std::collections::HashSet;

/// The kelurahan (desa Ciruas), its committee's second member, who makes
/// entry B (entry A is `facilitator.ciruas`), and its third, who resolves
/// differences and confirms what another member proposes.
const KELURAHAN: &str = "3604240003";
pub const SECOND_ENTERER: &str = "panitia.ciruas";
pub const THIRD_MEMBER: &str = "saksi.ciruas";

const WOMEN: [&str; 20] = [
    "Siti", "Nur", "Euis", "Iis", "Aisyah", "Entin", "Yayah", "Cucu", "Imas", "Neneng", "Lilis",
    "Ani", "Wati", "Yanti", "Rina", "Dewi", "Ratna", "Tati", "Eti", "Nining",
];
const MEN: [&str; 20] = [
    "Udin", "Dedi", "Ujang", "Rohmat", "Asep", "Jajang", "Endang", "Tatang", "Ade", "Oman",
    "Wawan", "Dodi", "Budi", "Agus", "Heri", "Iwan", "Dadang", "Maman", "Yusuf", "Komar",
];
/// Second names, as women's and men's names go in West Java.
const FAMILY_W: [&str; 8] = [
    "Aminah",
    "Hayati",
    "Kurniasih",
    "Sumiati",
    "Rokayah",
    "Suryani",
    "Masitoh",
    "Hasanah",
];
const FAMILY_M: [&str; 8] = [
    "Saepudin", "Supriadi", "Nurjaman", "Setiawan", "Rahmat", "Hidayat", "Sudrajat", "Gunawan",
];

fn user(store: &Store, name: &str) -> Result<Actor> {
    let u = store
        .user_by_name(&Username::parse(name)?)?
        .with_context(|| format!("demo user {name} not found"))?;
    Ok(Actor::User {
        id: u.id.get(),
        username: u.username,
    })
}

/// The voter register of poll `id` in RT `rt`: its residents, married as
/// `married` says of the i-th.
fn register(
    store: &Store,
    id: PollId,
    rt: &AreaCode,
    people: &[(String, Sex, Date)],
    married: impl Fn(usize) -> bool,
    by: &Actor,
) -> Result<()> {
    let voters: Vec<VoterInput> = people
        .iter()
        .enumerate()
        .map(|(i, (name, sex, born))| VoterInput {
            line: i as u64 + 2,
            name: name.clone(),
            sex: Some(*sex),
            birth_date: Some(*born),
            age: None,
            married: married(i),
        })
        .collect();
    store.add_voters(id, &format!("demo: daftar pemilih {rt}"), &voters, by)?;
    Ok(())
}

/// The names on poll `id`'s voter register.
fn voter_names(store: &Store, id: PollId) -> Result<Vec<String>> {
    Ok(store
        .election_voters(id)?
        .into_iter()
        .map(|v| v.name)
        .collect())
}

/// The same ballot box entered twice (by `a` and `b`), everyone marked
/// as voted, a tie broken, then published (proposed by `proposer`,
/// confirmed by `confirmer`).
fn count_and_publish(
    store: &Store,
    id: PollId,
    ballots: &[(String, Vec<String>)],
    [a, b, proposer, confirmer]: [&Actor; 4],
) -> Result<()> {
    store.enter_ballots(id, BallotEntry::A, ballots, a)?;
    store.enter_ballots(id, BallotEntry::B, ballots, b)?;
    mark_all_voted(store, id, ballots.len(), a)?;
    break_tie(store, id, a)?;
    publish(store, id, proposer, confirmer)
}

/// The residents of the `k`-th RT: twelve adults, half of them women.
fn residents(k: usize, taken: &mut HashSet<String>) -> Vec<(String, Sex, Date)> {
    let mut out = Vec::new();
    let mut i = 0;
    while out.len() < 12 {
        let woman = out.len() % 2 == 0;
        let first = if woman {
            WOMEN[(k * 7 + i) % WOMEN.len()]
        } else {
            MEN[(k * 7 + i) % MEN.len()]
        };
        let family = if woman { &FAMILY_W } else { &FAMILY_M };
        let name = format!("{first} {}", family[(k * 5 + i * 3) % family.len()]);
        i += 1;
        if !taken.insert(name.clone()) {
            continue;
        }
        let born = date(
            1960 + ((k * 11 + i * 7) % 40) as i16,
            1 + (i % 12) as i8,
            1 + (i % 27) as i8,
        );
        out.push((name, if woman { Sex::Female } else { Sex::Male }, born));
    }
    out
}

/// Eight ballots naming favourites (two women, a man) and some others.
fn ballots(people: &[String], nick: Option<(&str, &str)>) -> Vec<(String, Vec<String>)> {
    let fav = [&people[0], &people[1], &people[2], &people[3]];
    (0..8usize)
        .map(|j| {
            let mut names = vec![fav[j % 2].clone(), fav[2 + usize::from(j % 3 == 0)].clone()];
            if j % 2 == 0 {
                names.push(people[4 + j % 6].clone());
            }
            // Nicknames for the first favourite on some ballots.
            if let Some((a, b)) = nick {
                if j == 2 {
                    names[0] = a.to_owned();
                }
                if j == 4 {
                    names[0] = b.to_owned();
                }
            }
            (format!("{}", j + 1), names)
        })
        .collect()
}

fn open(store: &Store, level: ElectionLevel, area: &str, on: Date, who: &Actor) -> Result<PollId> {
    Ok(store.create_election(
        &NewElection {
            level,
            area_code: area.to_owned(),
            held_on: on,
        },
        &Scope::Global,
        who,
    )?)
}

/// Breaks a tie by a re-vote among the tied, when there is one.
fn break_tie(store: &Store, id: PollId, who: &Actor) -> Result<()> {
    let count = store.election_count(id)?;
    if let Some(r) = count.recount.filter(|r| !r.ties.is_empty()) {
        let n = r.ties.len() as u64;
        let revote = r
            .ties
            .iter()
            .enumerate()
            .map(|(i, p)| (p.as_str().to_owned(), n - i as u64 + 2))
            .collect();
        store.record_tie(
            id,
            &TieInput {
                rule: count.settings.tie_rule,
                winners: vec![],
                revote,
                note: "Diulang oleh rapat yang sama: dua calon bersuara sama".into(),
            },
            who,
        )?;
    }
    Ok(())
}

/// Publishes with two members: `proposer` proposes, `confirmer` confirms
/// the count it looked at.
fn publish(store: &Store, id: PollId, proposer: &Actor, confirmer: &Actor) -> Result<()> {
    store.publish_election(id, None, proposer)?;
    let seen = store.election_count(id)?.count_sha256;
    match store.publish_election(id, seen.as_deref(), confirmer)? {
        PublishStep::Published(_) => Ok(()),
        PublishStep::Proposed(_) => anyhow::bail!("election {id} was not published"),
    }
}

fn mark_all_voted(store: &Store, id: PollId, ballots: usize, who: &Actor) -> Result<()> {
    let voters: Vec<lumbung_domain::VoterId> = store
        .election_voters(id)?
        .iter()
        .filter(|v| v.eligible)
        .take(ballots)
        .map(|v| v.id)
        .collect();
    store.mark_voted(id, &voters, true, who)?;
    Ok(())
}

pub fn load(store: &Store) -> Result<()> {
    for name in [SECOND_ENTERER, THIRD_MEMBER] {
        store.create_user(
            &Username::parse(name)?,
            &Password::parse(DEMO_PASSWORD)?,
            Role::Facilitator,
            &ScopeRef::Area(AreaCode::parse(KELURAHAN)?),
            &Actor::cli(),
        )?;
    }
    let a = user(store, "facilitator.ciruas")?;
    let b = user(store, SECOND_ENTERER)?;
    let c = user(store, THIRD_MEMBER)?;
    let rw1 = AreaCode::parse(KELURAHAN)?.rw(1)?;
    // The RTs vote in the two weeks before the BKM is elected, on the
    // day the cycle records the BKM's formation.
    use super::community::{day, programme_start, BKM_FORMED};
    let start = programme_start(store)?;
    let held = day(start, BKM_FORMED - 14)?;
    let mut taken = HashSet::new();

    // Level 1: the five RTs of RW 01.
    for k in 0..5u16 {
        let rt = rw1.rt(k + 1)?;
        let id = open(store, ElectionLevel::Rt, rt.as_str(), held, &a)?;
        let people = residents(usize::from(k), &mut taken);
        register(store, id, &rt, &people, |i| i % 3 != 2, &a)?;
        let names: Vec<String> = people.iter().map(|p| p.0.clone()).collect();
        let first = names[0].split(' ').next().unwrap_or("").to_owned();
        let (nick_a, nick_b) = (format!("Bu Haji {first}"), format!("Hj. {first}"));
        let nick = (k == 0).then_some((nick_a.as_str(), nick_b.as_str()));
        let box_a = ballots(&names, nick);
        let mut box_b = box_a.clone();
        if k == 0 {
            // Entry B misreads ballot 3.
            box_b[2].1[1].pop();
        }
        store.enter_ballots(id, BallotEntry::A, &box_a, &a)?;
        store.enter_ballots(id, BallotEntry::B, &box_b, &b)?;
        if k == 0 {
            store.resolve_ballot(
                id,
                "3",
                Some(&box_a[2].1),
                "Kertas no. 3 dibaca bersama saksi: entri A benar",
                &c,
            )?;
            for variant in [&nick_a, &nick_b] {
                store.add_group(id, variant, &names[0], &a)?;
            }
        }
        mark_all_voted(store, id, box_a.len(), &a)?;
        break_tie(store, id, &a)?;
        publish(store, id, &a, &c)?;
    }

    // Level 2: the delegates elect the BKM's members, then the coordinator.
    let on = day(start, BKM_FORMED)?;
    let bkm = open(store, ElectionLevel::Bkm, KELURAHAN, on, &a)?;
    let delegates = voter_names(store, bkm)?;
    let n = delegates.len();
    let box2: Vec<(String, Vec<String>)> = (0..12usize)
        .map(|j| {
            let mut names: Vec<String> = Vec::new();
            for at in [(j * 2) % n, (j * 2 + 5) % n, (j * 3 + 1) % n] {
                if !names.contains(&delegates[at]) {
                    names.push(delegates[at].clone());
                }
            }
            (format!("{}", j + 1), names)
        })
        .collect();
    count_and_publish(store, bkm, &box2, [&a, &b, &a, &c])?;

    let coord = open(store, ElectionLevel::Coordinator, KELURAHAN, on, &a)?;
    let members = voter_names(store, coord)?;
    let box3: Vec<(String, Vec<String>)> = (0..members.len())
        .map(|j| {
            (
                format!("{}", j + 1),
                vec![members[usize::from(j % 3 == 2)].clone()],
            )
        })
        .collect();
    count_and_publish(store, coord, &box3, [&a, &b, &b, &c])?;

    // Still counting: RT 001 of RW 02.
    let rt = AreaCode::parse(KELURAHAN)?.rw(2)?.rt(1)?;
    let id = open(store, ElectionLevel::Rt, rt.as_str(), held, &a)?;
    let people = residents(5, &mut taken);
    register(store, id, &rt, &people, |_| true, &a)?;
    let names: Vec<String> = people.iter().map(|p| p.0.clone()).collect();
    let few: Vec<(String, Vec<String>)> = ballots(&names, None).into_iter().take(3).collect();
    let mut other = few.clone();
    other[1].1.pop();
    store.enter_ballots(id, BallotEntry::A, &few, &a)?;
    store.enter_ballots(id, BallotEntry::B, &other, &b)?;
    store.record_door_to_door(
        id,
        day(start, BKM_FORMED - 7)?,
        "Kuorum belum tercapai (3 dari 12): panitia RW 02 mendatangi warga rumah ke rumah",
        &a,
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use lumbung_domain::{AreaKind, AreaRecord};

    /// The kelurahan, its RW 01 (five RTs) and RW 02 (one), and the
    /// facilitator who makes entry A.
    fn seeded() -> (tempfile::TempDir, Store) {
        let (dir, store) = super::super::test_store();
        let rec = |line: u64, code: &str, parent: Option<&str>, kind: &str| AreaRecord {
            line,
            code: AreaCode::parse(code).unwrap(),
            name: code.rsplit('.').next().unwrap().to_owned(),
            parent: parent.map(|p| AreaCode::parse(p).unwrap()),
            kind: Some(AreaKind::parse(kind).unwrap()),
        };
        let mut areas = vec![
            rec(1, "ID", None, "country"),
            rec(2, KELURAHAN, Some("ID"), "kelurahan"),
        ];
        for (rw, rts) in [(1u16, 5u16), (2, 1)] {
            let rw_code = AreaCode::parse(KELURAHAN).unwrap().rw(rw).unwrap();
            areas.push(rec(
                areas.len() as u64 + 1,
                rw_code.as_str(),
                Some(KELURAHAN),
                "rw",
            ));
            for rt in 1..=rts {
                let code = rw_code.rt(rt).unwrap();
                areas.push(rec(
                    areas.len() as u64 + 1,
                    code.as_str(),
                    Some(rw_code.as_str()),
                    "rt",
                ));
            }
        }
        store
            .import_areas("t", areas, vec![], vec![], &Actor::cli(), &mut |_, _| {})
            .unwrap();
        store
            .create_user(
                &Username::parse("facilitator.ciruas").unwrap(),
                &Password::parse(DEMO_PASSWORD).unwrap(),
                Role::Facilitator,
                &ScopeRef::Area(AreaCode::parse(KELURAHAN).unwrap()),
                &Actor::cli(),
            )
            .unwrap();
        (dir, store)
    }

    #[test]
    fn the_demo_election_publishes_rt_and_kelurahan_results() {
        let (_dir, store) = seeded();
        load(&store).unwrap();
        let published = store.published_elections(u32::MAX).unwrap();
        assert_eq!(published.len(), 5 + 2);
        // A list reads the newest only.
        let newest = store.published_elections(3).unwrap();
        assert_eq!(newest, published[..3]);
        let bkm = published
            .iter()
            .find(|p| p.level == ElectionLevel::Bkm)
            .unwrap();
        assert_eq!(bkm.elected.len(), 9);
        let coord = published
            .iter()
            .find(|p| p.level == ElectionLevel::Coordinator)
            .unwrap();
        assert_eq!(coord.elected.len(), 1);
        let rt1 = published
            .iter()
            .find(|p| p.area_code.ends_with(".01.001"))
            .unwrap();
        let p = store.published_election(rt1.election_id).unwrap().unwrap();
        assert_eq!(p.snapshot["entries"]["differences"], 1);
        assert_eq!(p.snapshot["groups"].as_array().unwrap().len(), 2);
        assert_eq!(p.snapshot["women"]["target_met"], true);
        let c = store.election_count(rt1.election_id).unwrap();
        let publication = c.publication.unwrap();
        assert_eq!(publication.proposed_by, "facilitator.ciruas");
        assert_eq!(publication.confirmed_by.as_deref(), Some(THIRD_MEMBER));
        assert_eq!(c.resolutions[0].resolved_by, THIRD_MEMBER);
        let all = store.elections(&Scope::Global).unwrap();
        let counting = all.iter().find(|e| e.published_at.is_none()).unwrap();
        let c = store.election_count(counting.id).unwrap();
        assert!(c.unresolved > 0 && c.door_to_door.len() == 1);
    }
}
