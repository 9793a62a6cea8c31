//! What publishing a poll writes, as pure functions of what the store
//! loaded: the CSV files anyone can recount the result from, the BKM's
//! term, the published snapshot; and, from published results, the register
//! of the next level (the RTs' delegates, the BKM's members).

use super::ballot::NamesPerBallot;
use super::names::{Grouping, NameKey};
use super::recount::Recount;
use super::settings::Level;
use super::snapshot::{recount_command, PublishedSnapshot, ResultSummary, SnapshotVersion, Term};
use jiff::civil::Date;
use jiff::ToSpan;
use lumbung_domain::{csv_text, PollId, Sex};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

/// The files of a published result, as `lumbung election recount` reads
/// them (cells that start like a spreadsheet formula escaped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishFiles {
    /// The agreed ballots: ballot id and names only.
    pub ballots_csv: String,
    /// The groupings: a written variant and the person it means.
    pub groups_csv: String,
    /// Who may be named, when the count checked it.
    pub residents_csv: Option<String>,
}

/// What the files are made of.
pub struct PublishInput<'a> {
    pub level: Level,
    pub names_per_ballot: NamesPerBallot,
    /// Whether the count checked the names against the register.
    pub residents_checked: bool,
    /// The agreed ballots: ballot id and names.
    pub ballots: &'a [(String, Vec<String>)],
    /// The confirmed groupings: written, person.
    pub groups: &'a [(String, String)],
    pub grouping: &'a Grouping,
    /// The names on the poll's register.
    pub register: &'a [String],
}

impl PublishFiles {
    pub fn of(input: &PublishInput<'_>) -> PublishFiles {
        let width = input
            .ballots
            .iter()
            .map(|(_, n)| n.len())
            .max()
            .unwrap_or(0)
            .max(input.names_per_ballot.max());
        let header: Vec<String> = std::iter::once("ballot_id".to_owned())
            .chain((1..=width).map(|i| format!("name{i}")))
            .collect();
        let header: Vec<&str> = header.iter().map(String::as_str).collect();
        let ballots_csv = csv_text(
            &header,
            input.ballots.iter().map(|(bid, names)| {
                let mut row = vec![bid.clone()];
                row.extend(names.iter().cloned());
                row.resize(width + 1, String::new());
                row
            }),
        );
        let groups_csv = csv_text(
            &["written", "person"],
            input.groups.iter().map(|(w, p)| vec![w.clone(), p.clone()]),
        );
        let residents_csv = input.residents_checked.then(|| {
            let people = residents(input).into_iter().map(|n| vec![n]);
            csv_text(&["person"], people)
        });
        PublishFiles {
            ballots_csv,
            groups_csv,
            residents_csv,
        }
    }

    /// Each file by its published name.
    pub fn named(&self) -> Vec<(&'static str, &str)> {
        let mut out = vec![
            ("BALLOTS.csv", self.ballots_csv.as_str()),
            ("GROUPS.csv", self.groups_csv.as_str()),
        ];
        if let Some(r) = &self.residents_csv {
            out.push(("RESIDENTS.csv", r.as_str()));
        }
        out
    }
}

/// Who may be named: at level 2 the delegates (public already); at level 1
/// only the named people who are on the register, so that the register
/// itself is never published.
fn residents(input: &PublishInput<'_>) -> Vec<String> {
    if input.level != Level::Rt {
        return input.register.to_vec();
    }
    let register: HashMap<NameKey, &String> = input
        .register
        .iter()
        .filter_map(|n| Some((NameKey::new(n)?, n)))
        .collect();
    let mut named: Vec<String> = Vec::new();
    for (_, names) in input.ballots {
        for n in names {
            let Some(k) = NameKey::new(n) else { continue };
            let key = input
                .grouping
                .person_for(&k)
                .map(|p| p.key().clone())
                .unwrap_or(k);
            if let Some(shown) = register.get(&key) {
                if !named.contains(shown) {
                    named.push((*shown).clone());
                }
            }
        }
    }
    named.sort_by_key(|n| n.to_lowercase());
    named
}

/// The BKM's term a level-2 result starts: from the day of the poll, for
/// the kelurahan's term in years.
pub fn term_of(level: Level, held_on: Date, term_years: u8) -> Option<Term> {
    (level == Level::Bkm).then(|| Term {
        start: held_on,
        end: held_on
            .checked_add(i64::from(term_years).years())
            .unwrap_or(held_on),
    })
}

/// The snapshot to publish: the summary with its term, when, the SHA-256
/// of each file (`sha256` of its text) and the command that recounts it.
pub fn snapshot_of(
    summary: ResultSummary,
    term: Option<Term>,
    recount: &Recount,
    files: &PublishFiles,
    published_at: String,
    sha256: impl Fn(&str) -> String,
) -> PublishedSnapshot {
    PublishedSnapshot {
        version: SnapshotVersion::FIRST,
        summary: ResultSummary { term, ..summary },
        published_at,
        files: files
            .named()
            .into_iter()
            .map(|(name, text)| (name.to_owned(), sha256(text)))
            .collect::<BTreeMap<_, _>>(),
        command: recount_command(recount, files.residents_csv.is_some()),
    }
}

/// The part of a stored snapshot the next level reads: who was elected
/// and the turnout. A snapshot it cannot read reads as empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct PublishedFacts {
    pub elected: Option<Vec<String>>,
    pub recount: Option<TurnoutFacts>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct TurnoutFacts {
    pub ballots: u64,
    pub eligible: u64,
}

impl PublishedFacts {
    /// Reads a stored snapshot; `None` when it is not one.
    pub fn read(snapshot: &str) -> Option<PublishedFacts> {
        serde_json::from_str(snapshot).ok()
    }

    pub fn elected(&self) -> &[String] {
        self.elected.as_deref().unwrap_or_default()
    }
}

/// A published result the next level's register is made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceResult {
    pub poll: PollId,
    /// The RT's name (level 1), to tell apart two delegates of one name.
    pub area_name: String,
    pub elected: Vec<String>,
    /// The sex of the people on its register, by name.
    pub register: Vec<(String, Option<Sex>)>,
}

/// One person put on a level-2 register, and the result they came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delegate {
    pub name: String,
    pub sex: Option<Sex>,
    pub source: PollId,
}

lumbung_domain::text_enum! {
    /// Why a level-2 register cannot be made yet.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum SourceError {
        NoRtResult(k: String) => "election_no_rt_result", kelurahan = k;
            id: "belum ada RT di {kelurahan} yang hasilnya diumumkan: para utusan berasal dari sana",
            en: "no RT of {kelurahan} has a published result yet: the delegates come from them",
        NoBkmResult(k: String) => "election_no_bkm_result", kelurahan = k;
            id: "{kelurahan} belum punya hasil BKM yang diumumkan: para anggota memilih koordinator",
            en: "{kelurahan} has no published BKM result yet: the members elect the coordinator",
    }
}

fn elected_of(result: &SourceResult) -> impl Iterator<Item = (String, Option<Sex>)> + '_ {
    let sex: HashMap<NameKey, Sex> = result
        .register
        .iter()
        .filter_map(|(n, s)| Some((NameKey::new(n)?, (*s)?)))
        .collect();
    result.elected.iter().map(move |n| {
        let s = NameKey::new(n).and_then(|k| sex.get(&k).copied());
        (n.clone(), s)
    })
}

/// The delegates of a kelurahan: the elected of the latest result of each
/// of its RTs (`rts`, in the order of the RTs), with their sex from that
/// RT's register. A name two RTs share gets the RT's name.
pub fn delegates(kelurahan: &str, rts: &[SourceResult]) -> Result<Vec<Delegate>, SourceError> {
    let mut out: Vec<(Delegate, &str)> = Vec::new();
    for rt in rts {
        for (name, sex) in elected_of(rt) {
            let source = rt.poll;
            out.push((Delegate { name, sex, source }, &rt.area_name));
        }
    }
    if out.is_empty() {
        return Err(SourceError::NoRtResult(kelurahan.to_owned()));
    }
    let mut counts: HashMap<Option<NameKey>, usize> = HashMap::new();
    for (d, _) in &out {
        *counts.entry(NameKey::new(&d.name)).or_default() += 1;
    }
    Ok(out
        .into_iter()
        .map(|(mut d, rt)| {
            if counts[&NameKey::new(&d.name)] > 1 {
                d.name = format!("{} ({rt})", d.name);
            }
            d
        })
        .collect())
}

/// The BKM members: the elected of the kelurahan's latest level-2 result,
/// with their sex from its register.
pub fn members(kelurahan: &str, bkm: Option<&SourceResult>) -> Result<Vec<Delegate>, SourceError> {
    let bkm = bkm.ok_or_else(|| SourceError::NoBkmResult(kelurahan.to_owned()))?;
    Ok(elected_of(bkm)
        .map(|(name, sex)| Delegate {
            name,
            sex,
            source: bkm.poll,
        })
        .collect())
}

/// What kind of area a poll is held in (an area's kind is free text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PollArea {
    Rt,
    Kelurahan,
    Other,
}

impl PollArea {
    pub fn of_kind(kind: Option<&str>) -> PollArea {
        match kind {
            Some("rt") => PollArea::Rt,
            Some("kelurahan") => PollArea::Kelurahan,
            _ => PollArea::Other,
        }
    }
}

lumbung_domain::text_enum! {
    /// An area refused for an election step.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum AreaRefused {
        NotKelurahan(a: String) => "election_not_kelurahan", area = a;
            id: "{area} bukan kelurahan", en: "{area} is not a kelurahan",
        NotRt(a: String) => "election_not_rt", area = a;
            id: "{area} bukan RT: tahap 1 diadakan per RT",
            en: "{area} is not an RT: level 1 is held per RT",
        NotKelurahanForLevel2(a: String) => "election_not_kelurahan_level2", area = a;
            id: "{area} bukan kelurahan: BKM dan koordinatornya dipilih per kelurahan",
            en: "{area} is not a kelurahan: the BKM and its coordinator are elected per kelurahan",
    }
}

/// A kelurahan's settings are set on a kelurahan only.
pub fn check_settings_area(code: &str, area: PollArea) -> Result<(), AreaRefused> {
    match area {
        PollArea::Kelurahan => Ok(()),
        _ => Err(AreaRefused::NotKelurahan(code.to_owned())),
    }
}

/// Level 1 is held in an RT, the BKM and coordinator votes in a kelurahan.
pub fn check_poll_area(code: &str, level: Level, area: PollArea) -> Result<(), AreaRefused> {
    match (level, area) {
        (Level::Rt, PollArea::Rt) => Ok(()),
        (Level::Rt, _) => Err(AreaRefused::NotRt(code.to_owned())),
        (_, PollArea::Kelurahan) => Ok(()),
        _ => Err(AreaRefused::NotKelurahanForLevel2(code.to_owned())),
    }
}

#[cfg(test)]
mod tests;
