//! The election's input files: a voter register (CSV, Indonesian or
//! English headers) and ballots typed one per line; and the order ballot
//! ids are read in.

use super::*;

/// Reads a sex as people write it: f/female/p/perempuan/w/wanita,
/// m/male/l/laki-laki/pria; blank is unknown.
pub fn parse_sex(raw: &str) -> std::result::Result<Option<Sex>, String> {
    match raw.trim().to_lowercase().as_str() {
        "" => Ok(None),
        "f" | "female" | "p" | "perempuan" | "w" | "wanita" => Ok(Some(Sex::Female)),
        "m" | "male" | "l" | "laki-laki" | "laki laki" | "lk" | "pria" => Ok(Some(Sex::Male)),
        other => Err(format!(
            "{other:?} is not a sex: write P or L (perempuan, laki-laki), F or M"
        )),
    }
}

/// Reads married as people write it: ya/yes/y/1/true/kawin/menikah/sudah,
/// and cerai/janda/duda (married before); tidak/no/n/0/false/belum or
/// blank is not married.
pub fn parse_married(raw: &str) -> std::result::Result<bool, String> {
    match raw.trim().to_lowercase().as_str() {
        "ya" | "yes" | "y" | "1" | "true" | "kawin" | "menikah" | "sudah" | "sudah menikah"
        | "cerai" | "cerai hidup" | "cerai mati" | "janda" | "duda" => Ok(true),
        "" | "tidak" | "no" | "n" | "t" | "0" | "false" | "belum" | "belum kawin"
        | "belum menikah" => Ok(false),
        other => Err(format!("{other:?} is not yes or no (ya/tidak)")),
    }
}

/// Reads a voter register file: `name,sex,birth_date,married` or
/// `name,sex,age,married` (both birth_date and age may be columns; one is
/// enough), with Indonesian headers too (nama, jenis_kelamin, tanggal_lahir,
/// umur, kawin). Every problem is reported with its line and column; a
/// name twice is refused.
pub fn read_voters(file: &str, bytes: &[u8]) -> std::result::Result<Vec<VoterInput>, Rejected> {
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
        Some(Err(e)) => return Err(reject(vec![RowError::new(1, None, e.to_string())])),
        None => {
            return Err(reject(vec![RowError::new(
                1,
                None,
                "the file is empty; expected a header name,sex,birth_date,married",
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
            "no name column; expected a header name,sex,birth_date,married (or age instead of birth_date)",
        )]));
    };
    if col_birth.is_none() && col_age.is_none() && col_married.is_none() {
        return Err(reject(vec![RowError::new(
            1,
            None,
            "no birth_date, age or married column: eligibility (17+ or married) cannot be judged",
        )]));
    }
    let mut errors = Vec::new();
    let mut out: Vec<VoterInput> = Vec::new();
    let mut seen: HashMap<NameKey, u64> = HashMap::new();
    for (i, rec) in records.enumerate() {
        let line = i as u64 + 2;
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                errors.push(RowError::new(line, None, e.to_string()));
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
                format!(
                    "{} cells, but the header has {} columns",
                    rec.len(),
                    names.len()
                ),
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
                        "the cell is not UTF-8 text; save the file as UTF-8",
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
            None => errors.push(RowError::new(
                line,
                Some(&names[col_name]),
                "the name is empty",
            )),
            Some(key) => {
                if let Some(first) = seen.get(&key) {
                    errors.push(RowError::new(
                        line,
                        Some(&names[col_name]),
                        format!(
                            "{name:?} is already on line {first}; write two people of one name apart (e.g. \"{name} (no. 12)\")"
                        ),
                    ));
                } else {
                    seen.insert(key, line);
                }
            }
        }
        let sex = parse_sex(cell(col_sex)).unwrap_or_else(|m| {
            errors.push(RowError::new(line, colname(col_sex).as_deref(), m));
            None
        });
        let birth_date = match cell(col_birth) {
            "" => None,
            raw => match raw.parse::<Date>() {
                Ok(d) => Some(d),
                Err(_) => {
                    errors.push(RowError::new(
                        line,
                        colname(col_birth).as_deref(),
                        format!("{raw:?} is not a date such as 1980-04-17"),
                    ));
                    None
                }
            },
        };
        let age = match cell(col_age) {
            "" => None,
            raw => match raw.parse::<u16>() {
                Ok(a) if a <= 130 => Some(a),
                _ => {
                    errors.push(RowError::new(
                        line,
                        colname(col_age).as_deref(),
                        format!("{raw:?} is not an age in whole years"),
                    ));
                    None
                }
            },
        };
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
                "give the birth date or the age (or married = ya)",
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

/// Reads ballots typed one per line: `ballot_id,name,name,…` (CSV, no
/// header). Every problem is reported with its line.
pub fn read_ballot_lines(text: &str) -> std::result::Result<Vec<(String, Vec<String>)>, Rejected> {
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
                errors.push(RowError::new(line, None, e.to_string()));
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
                "the ballot id is empty",
            ));
            continue;
        }
        if let Some(first) = seen.insert(id.clone(), line) {
            errors.push(RowError::new(
                line,
                Some("ballot_id"),
                format!("the ballot id {id} is used twice (first on line {first})"),
            ));
            continue;
        }
        out.push((id, names));
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(Rejected {
            file: "ballots".into(),
            errors,
        })
    }
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
