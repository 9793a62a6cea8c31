//! The voter register and the ballots as people give them: a register
//! file (CSV, Indonesian or English headers) and voters typed in a form,
//! who is eligible, what a second file may add to a register; ballots
//! typed one per line, and the order ballot ids are read in.

use super::names::{NameKey, PersonName};
use super::settings::Invalid;
use jiff::civil::Date;
use lumbung_domain::import::{too_many_fields, too_many_rows, MAX_FIELDS, MAX_ROWS};
use lumbung_domain::{text, ImportSummary, Rejected, RowError, Sex, Text};
use lumbung_tabular::{csv_error, FirstLines};

fn name_empty() -> Text {
    text!("election_name_empty"; id: "namanya kosong", en: "the name is empty")
}
use std::collections::HashMap;

/// A person to put on the register. `line` is the file line, for errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoterInput {
    pub line: u64,
    pub name: String,
    pub sex: Option<Sex>,
    pub birth_date: Option<Date>,
    pub age: Option<u16>,
    pub married: bool,
}

impl VoterInput {
    /// Eligible on `on`: 17 or older, or married (now or before).
    pub fn eligible(&self, on: Date) -> bool {
        self.married || self.age_on(on).is_some_and(|a| a >= 17)
    }

    fn age_on(&self, on: Date) -> Option<i64> {
        match (self.birth_date, self.age) {
            (Some(b), _) => {
                let mut years = i64::from(on.year() - b.year());
                if (on.month(), on.day()) < (b.month(), b.day()) {
                    years -= 1;
                }
                Some(years)
            }
            (None, Some(a)) => Some(i64::from(a)),
            (None, None) => None,
        }
    }

    /// Checks a voter typed in a form (the file reader checks its own rows).
    pub fn checked(self, on: Date) -> Result<VoterInput, Invalid> {
        if PersonName::new(&self.name).is_none() {
            return Err(Invalid::new("name", name_empty()));
        }
        if self.birth_date.is_none() && self.age.is_none() && !self.married {
            return Err(Invalid::new(
                "birth_date",
                text!("election_age_needed";
                    id: "tulis tanggal lahir atau umur (atau centang sudah menikah)",
                    en: "give the birth date or the age (or tick married)"),
            ));
        }
        if self.birth_date.is_some_and(|b| b > on) {
            return Err(Invalid::new(
                "birth_date",
                text!("election_born_after";
                    id: "tanggal lahirnya sesudah pemilihan",
                    en: "the birth date is after the election"),
            ));
        }
        Ok(self)
    }
}

/// A person already on the register, as far as a new file is compared
/// with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registered {
    pub name: String,
    pub sex: Option<Sex>,
    pub birth_date: Option<Date>,
    pub age: Option<u16>,
    pub married: bool,
}

/// A voter to add, with the key their name is kept under and whether
/// they may vote on the poll's day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewVoter<'a> {
    pub voter: &'a VoterInput,
    pub key: NameKey,
    pub eligible: bool,
}

/// Why voters cannot go on a register: a value refused, or the file's
/// rows to blame.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegisterError {
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Rejected(#[from] Rejected),
}

/// What `voters` (from `file`) add to a register holding `existing`, for a
/// poll held on `held_on`: the new people, and how many are already on it
/// with the same details (the same file twice changes nothing). A name
/// twice in the input, or on the register with other details, is a row
/// error; an empty name refuses the whole input.
pub fn register_additions<'a>(
    file: &str,
    existing: &[Registered],
    voters: &'a [VoterInput],
    held_on: Date,
) -> Result<(Vec<NewVoter<'a>>, ImportSummary), RegisterError> {
    let existing: HashMap<NameKey, &Registered> = existing
        .iter()
        .filter_map(|v| Some((NameKey::new(&v.name)?, v)))
        .collect();
    let mut summary = ImportSummary::default();
    let mut errors = Vec::new();
    let mut seen = HashMap::new();
    let mut added = Vec::new();
    for v in voters {
        let key = NameKey::new(&v.name).ok_or_else(|| Invalid::new("name", name_empty()))?;
        if let Some(first) = seen.insert(key.clone(), v.line) {
            errors.push(RowError::new(
                v.line,
                Some("name"),
                text!("voter_already_on_line", name = format!("{:?}", v.name), first = first;
                    id: "{name} sudah ada di baris {first}", en: "{name} is already on line {first}"),
            ));
            continue;
        }
        match existing.get(&key) {
            Some(old) => {
                let same = old.sex == v.sex
                    && old.birth_date == v.birth_date
                    && old.age == v.age
                    && old.married == v.married;
                if same {
                    summary.unchanged += 1;
                } else {
                    errors.push(RowError::new(
                        v.line,
                        Some("name"),
                        text!("voter_other_details", name = format!("{:?}", old.name);
                            id: "{name} sudah ada di daftar pemilih dengan data lain; perbaiki atau hapus entri itu dulu",
                            en: "{name} is already on the register with other details; correct or remove that entry first"),
                    ));
                }
            }
            None => {
                summary.created += 1;
                added.push(NewVoter {
                    voter: v,
                    key,
                    eligible: v.eligible(held_on),
                });
            }
        }
    }
    if !errors.is_empty() {
        return Err(Rejected {
            file: file.to_owned(),
            errors,
        }
        .into());
    }
    Ok((added, summary))
}

/// Reads a sex as people write it: f/female/p/perempuan/w/wanita,
/// m/male/l/laki-laki/pria; blank is unknown.
pub fn parse_sex(raw: &str) -> Result<Option<Sex>, Text> {
    match raw.trim().to_lowercase().as_str() {
        "" => Ok(None),
        "f" | "female" | "p" | "perempuan" | "w" | "wanita" => Ok(Some(Sex::Female)),
        "m" | "male" | "l" | "laki-laki" | "laki laki" | "lk" | "pria" => Ok(Some(Sex::Male)),
        other => Err(text!("voter_not_a_sex", value = format!("{other:?}");
            id: "{value} bukan jenis kelamin: tulis P atau L (perempuan, laki-laki), F atau M",
            en: "{value} is not a sex: write P or L (perempuan, laki-laki), F or M")),
    }
}

/// Reads married as people write it: ya/yes/y/1/true/kawin/menikah/sudah,
/// and cerai/janda/duda (married before); tidak/no/n/0/false/belum or
/// blank is not married.
pub fn parse_married(raw: &str) -> Result<bool, Text> {
    match raw.trim().to_lowercase().as_str() {
        "ya" | "yes" | "y" | "1" | "true" | "kawin" | "menikah" | "sudah" | "sudah menikah"
        | "cerai" | "cerai hidup" | "cerai mati" | "janda" | "duda" => Ok(true),
        "" | "tidak" | "no" | "n" | "t" | "0" | "false" | "belum" | "belum kawin"
        | "belum menikah" => Ok(false),
        other => Err(text!("voter_not_yes_no", value = format!("{other:?}");
            id: "{value} bukan ya atau tidak (ya/tidak)", en: "{value} is not yes or no (ya/tidak)")),
    }
}

/// Reads a voter register file: `name,sex,birth_date,married` or
/// `name,sex,age,married` (both birth_date and age may be columns; one is
/// enough), with Indonesian headers too (nama, jenis_kelamin, tanggal_lahir,
/// umur, kawin). Every problem is reported with its line and column; a
/// name twice is refused.
pub fn read_voters(file: &str, bytes: &[u8]) -> Result<Vec<VoterInput>, Rejected> {
    let reject = |errors: Vec<RowError>| Rejected {
        file: file.to_owned(),
        errors,
    };
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut records = reader.byte_records();
    let header = match records.next() {
        Some(Ok(h)) => h,
        Some(Err(e)) => return Err(reject(vec![RowError::new(1, None, csv_error(&e))])),
        None => {
            return Err(reject(vec![RowError::new(
                1,
                None,
                text!("register_empty";
                    id: "berkasnya kosong; yang diharapkan baris judul name,sex,birth_date,married",
                    en: "the file is empty; expected a header name,sex,birth_date,married"),
            )]))
        }
    };
    if header.len() > MAX_FIELDS {
        return Err(reject(vec![RowError::new(
            1,
            None,
            too_many_fields(header.len()),
        )]));
    }
    let names: Vec<String> = header
        .iter()
        .map(|c| {
            String::from_utf8_lossy(c)
                .trim()
                .to_lowercase()
                .replace([' ', '-'], "_")
        })
        .collect();
    let find = |aliases: &[&str]| names.iter().position(|n| aliases.contains(&n.as_str()));
    let col_name = find(&["name", "nama", "nama_lengkap"]);
    let col_sex = find(&["sex", "jenis_kelamin", "jk", "gender", "kelamin"]);
    let col_birth = find(&["birth_date", "tanggal_lahir", "tgl_lahir", "date_of_birth"]);
    let col_age = find(&["age", "umur", "usia"]);
    let col_married = find(&[
        "married",
        "kawin",
        "menikah",
        "status_kawin",
        "status_perkawinan",
    ]);
    let Some(col_name) = col_name else {
        return Err(reject(vec![RowError::new(
            1,
            None,
            text!("register_no_name_column";
                id: "tidak ada kolom nama; yang diharapkan baris judul name,sex,birth_date,married (atau age sebagai ganti birth_date)",
                en: "no name column; expected a header name,sex,birth_date,married (or age instead of birth_date)"),
        )]));
    };
    if col_birth.is_none() && col_age.is_none() && col_married.is_none() {
        return Err(reject(vec![RowError::new(
            1,
            None,
            text!("register_no_age_column";
                id: "tidak ada kolom birth_date, age atau married: hak pilih (17+ atau sudah kawin) tidak bisa dinilai",
                en: "no birth_date, age or married column: eligibility (17+ or married) cannot be judged"),
        )]));
    }
    let mut errors = Vec::new();
    let mut out: Vec<VoterInput> = Vec::new();
    let mut first_lines = FirstLines::default();
    for (i, rec) in records.enumerate() {
        let line = i as u64 + 2;
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                errors.push(RowError::new(line, None, csv_error(&e)));
                continue;
            }
        };
        if i >= MAX_ROWS {
            errors.push(RowError::new(line, None, too_many_rows()));
            break;
        }
        if rec.len() > names.len() {
            errors.push(RowError::new(
                line,
                None,
                text!("register_too_many_cells", cells = rec.len(), columns = names.len();
                    id: "{cells} sel, padahal baris judul punya {columns} kolom",
                    en: "{cells} cells, but the header has {columns} columns"),
            ));
            continue;
        }
        let mut cells: Vec<&str> = Vec::with_capacity(names.len());
        let mut utf8_ok = true;
        for (c, raw) in rec.iter().enumerate() {
            match std::str::from_utf8(raw) {
                Ok(s) => cells.push(s.trim()),
                Err(_) => {
                    errors.push(RowError::new(
                        line,
                        Some(&names[c]),
                        text!("register_not_utf8";
                            id: "sel ini bukan teks UTF-8; simpan berkas sebagai UTF-8",
                            en: "the cell is not UTF-8 text; save the file as UTF-8"),
                    ));
                    utf8_ok = false;
                    cells.push("");
                }
            }
        }
        if !utf8_ok {
            continue;
        }
        if cells.iter().all(|c| c.is_empty()) {
            continue;
        }
        let cell = |c: Option<usize>| c.and_then(|c| cells.get(c).copied()).unwrap_or("");
        let colname = |c: Option<usize>| c.map(|c| names[c].clone());
        let before = errors.len();
        let name = cell(Some(col_name))
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        match NameKey::new(&name) {
            None => errors.push(RowError::new(line, Some(&names[col_name]), name_empty())),
            Some(key) => {
                if let Some(first) = first_lines.repeat_of(key, line) {
                    errors.push(RowError::new(
                        line,
                        Some(&names[col_name]),
                        text!("register_name_twice", quoted = format!("{name:?}"), name = name, first = first;
                            id: "{quoted} sudah ada di baris {first}; bedakan dua orang bernama sama (mis. \"{name} (no. 12)\")",
                            en: "{quoted} is already on line {first}; write two people of one name apart (e.g. \"{name} (no. 12)\")"),
                    ));
                }
            }
        }
        let sex = parse_sex(cell(col_sex)).unwrap_or_else(|m| {
            errors.push(RowError::new(line, colname(col_sex).as_deref(), m));
            None
        });
        let birth_date = optional_cell(
            &mut errors,
            (line, colname(col_birth)),
            cell(col_birth),
            |raw| raw.parse::<Date>().ok(),
            |raw| {
                text!("register_not_a_date", value = format!("{raw:?}");
                    id: "{value} bukan tanggal seperti 1980-04-17",
                    en: "{value} is not a date such as 1980-04-17")
            },
        );
        let age = optional_cell(
            &mut errors,
            (line, colname(col_age)),
            cell(col_age),
            |raw| raw.parse::<u16>().ok().filter(|a| *a <= 130),
            |raw| {
                text!("register_not_an_age", value = format!("{raw:?}");
                    id: "{value} bukan umur dalam tahun penuh",
                    en: "{value} is not an age in whole years")
            },
        );
        let married = parse_married(cell(col_married)).unwrap_or_else(|m| {
            errors.push(RowError::new(line, colname(col_married).as_deref(), m));
            false
        });
        if errors.len() > before {
            continue;
        }
        if birth_date.is_none() && age.is_none() && !married {
            errors.push(RowError::new(
                line,
                None,
                text!("register_no_age";
                    id: "isi tanggal lahir atau umur (atau married = ya)",
                    en: "give the birth date or the age (or married = ya)"),
            ));
            continue;
        }
        out.push(VoterInput {
            line,
            name,
            sex,
            birth_date,
            age,
            married,
        });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(reject(errors))
    }
}

/// An optional cell read by `read`: `None` when it is empty, else the
/// value, or `None` with `problem(raw)` kept for the cell's column.
fn optional_cell<T>(
    errors: &mut Vec<RowError>,
    (line, column): (u64, Option<String>),
    raw: &str,
    read: impl FnOnce(&str) -> Option<T>,
    problem: impl FnOnce(&str) -> Text,
) -> Option<T> {
    if raw.is_empty() {
        return None;
    }
    let value = read(raw);
    if value.is_none() {
        errors.push(RowError::new(line, column.as_deref(), problem(raw)));
    }
    value
}

/// Reads ballots typed one per line: `ballot_id,name,name,…` (CSV, no
/// header). Every problem is reported with its line.
pub fn read_ballot_lines(text: &str) -> Result<Vec<(String, Vec<String>)>, Rejected> {
    let mut errors = Vec::new();
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    for (i, rec) in reader.records().enumerate() {
        let line = i as u64 + 1;
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                errors.push(RowError::new(line, None, csv_error(&e)));
                continue;
            }
        };
        if i >= MAX_ROWS || rec.len() > MAX_FIELDS {
            let message = if i >= MAX_ROWS {
                too_many_rows()
            } else {
                too_many_fields(rec.len())
            };
            errors.push(RowError::new(line, None, message));
            break;
        }
        let mut cells = rec.iter().map(str::trim);
        let id = cells.next().unwrap_or("").to_owned();
        let names: Vec<String> = cells.filter(|c| !c.is_empty()).map(str::to_owned).collect();
        if id.is_empty() && names.is_empty() {
            continue;
        }
        if id.is_empty() {
            errors.push(RowError::new(
                line,
                Some("ballot_id"),
                text!("ballot_id_empty"; id: "id surat suara kosong", en: "the ballot id is empty"),
            ));
            continue;
        }
        // A line that starts with a name has lost its ballot's number: it
        // would count as a ballot called "Dewi Hayati" with no names.
        if !id.chars().any(|c| c.is_ascii_digit()) {
            errors.push(RowError::new(
                line,
                Some("ballot_id"),
                text!("ballot_id_no_number", id = id;
                    id: "{id} bukan nomor surat suara: tiap baris dimulai dengan nomor surat suara, lalu nama-nama",
                    en: "{id} is not a ballot number: each line starts with the ballot's number, then the names"),
            ));
            continue;
        }
        if let Some(first) = seen.insert(id.clone(), line) {
            errors.push(RowError::new(
                line,
                Some("ballot_id"),
                text!("ballot_id_twice", id = id, first = first;
                    id: "id surat suara {id} dipakai dua kali (pertama di baris {first})",
                    en: "the ballot id {id} is used twice (first on line {first})"),
            ));
            continue;
        }
        out.push((id, names));
    }
    Rejected::unless_any("ballots", errors, out)
}

/// Ballot ids in the order people read them: digit runs by their number
/// ("2" before "10"), the rest as text.
pub fn ballot_order(a: &str, b: &str) -> std::cmp::Ordering {
    fn parts(s: &str) -> Vec<(bool, &str)> {
        let mut out = Vec::new();
        let mut start = 0;
        let bytes = s.as_bytes();
        for i in 1..=bytes.len() {
            if i == bytes.len() || bytes[i].is_ascii_digit() != bytes[start].is_ascii_digit() {
                out.push((bytes[start].is_ascii_digit(), &s[start..i]));
                start = i;
            }
        }
        out
    }
    let (pa, pb) = (parts(a), parts(b));
    for (x, y) in pa.iter().zip(&pb) {
        let o = match (x.0, y.0) {
            (true, true) => {
                let (tx, ty) = (x.1.trim_start_matches('0'), y.1.trim_start_matches('0'));
                tx.len().cmp(&ty.len()).then(tx.cmp(ty))
            }
            _ => x.1.cmp(y.1),
        };
        if o.is_ne() {
            return o;
        }
    }
    pa.len().cmp(&pb.len()).then(a.cmp(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_register_reads_ages_birth_dates_and_marriage() {
        let csv = "name,sex,birth_date,married\n\
                   Siti Aminah,P,1990-05-01,ya\n\
                   Udin,L,2008-03-03,tidak\n\
                   Ujang,L,2008-03-02,\n\
                   Neng,P,2010-01-01,kawin\n";
        let v = read_voters("r.csv", csv.as_bytes()).unwrap();
        let on: Date = "2025-03-02".parse().unwrap();
        let eligible: Vec<bool> = v.iter().map(|v| v.eligible(on)).collect();
        // Udin turns 17 the day after; Ujang on the day; Neng is married.
        assert_eq!(eligible, [true, false, true, true]);
        let bad = "nama,jk,umur,kawin\nA,X,20,ya\n,P,20,ya\nB,P,abc,ya\nC,P,,tidak\nA,P,30,ya\n";
        let err = read_voters("r.csv", bad.as_bytes()).unwrap_err();
        let lines: Vec<(u64, Option<&str>)> = err
            .errors
            .iter()
            .map(|e| (e.line, e.column.as_deref()))
            .collect();
        assert_eq!(
            lines,
            [
                (2, Some("jk")),
                (3, Some("nama")),
                (4, Some("umur")),
                (5, None),
                (6, Some("nama"))
            ]
        );
        assert!(read_voters("r.csv", b"nama,jk\nA,P\n").is_err());
    }

    #[test]
    fn ballot_ids_sort_as_people_read_them() {
        let mut ids = vec!["10", "2", "A-10", "A-9", "1", "B1"];
        ids.sort_by(|a, b| ballot_order(a, b));
        assert_eq!(ids, ["1", "2", "10", "A-9", "A-10", "B1"]);
    }

    fn voter(line: u64, name: &str, age: u16) -> VoterInput {
        VoterInput {
            line,
            name: name.into(),
            sex: Some(Sex::Female),
            birth_date: None,
            age: Some(age),
            married: false,
        }
    }

    #[test]
    fn a_register_takes_new_people_keeps_the_same_and_refuses_other_details() {
        let on: Date = "2025-03-02".parse().unwrap();
        let existing = [Registered {
            name: "Siti".into(),
            sex: Some(Sex::Female),
            birth_date: None,
            age: Some(30),
            married: false,
        }];
        let file = [voter(2, "siti", 30), voter(3, "Ani", 16)];
        let (added, sum) = register_additions("r.csv", &existing, &file, on).unwrap();
        assert_eq!((sum.created, sum.unchanged), (1, 1));
        assert_eq!(added.len(), 1);
        assert_eq!(added[0].key.as_str(), "ani");
        assert!(!added[0].eligible, "16 and not married");
        let clash = [
            voter(2, "SITI", 31),
            voter(3, "Budi", 40),
            voter(4, "budi", 40),
        ];
        let err = register_additions("r.csv", &existing, &clash, on).unwrap_err();
        let RegisterError::Rejected(r) = err else {
            panic!("{err}")
        };
        let lines: Vec<u64> = r.errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [2, 4]);
        assert!(matches!(
            register_additions("r.csv", &existing, &[voter(2, " ", 40)], on),
            Err(RegisterError::Invalid(_))
        ));
    }

    #[test]
    fn a_ballot_line_starts_with_the_ballots_number() {
        let ballots = read_ballot_lines("1, Dewi Hayati, Siti\nA-02, Siti\n").unwrap();
        assert_eq!(ballots.len(), 2);
        let e = read_ballot_lines("1, Siti\nDewi Hayati\n").unwrap_err();
        assert_eq!(e.errors.len(), 1, "{e:?}");
        assert_eq!(e.errors[0].line, 2);
        assert_eq!(
            e.errors[0].message.english(),
            "Dewi Hayati is not a ballot number: each line starts with the ballot's number, then the names"
        );
    }
}
