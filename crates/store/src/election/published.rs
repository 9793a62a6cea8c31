//! Publishing a poll's result (the snapshot, the CSV files anyone can
//! recount, their hashes), and reading published results.

use super::*;

/// Publishes a poll whose count is ready and confirmed: the snapshot of
/// its result, the agreed ballots (ballot id and names only) and the
/// groupings as the CSV files of `lumbung election recount` (cells that
/// start like a spreadsheet formula escaped), and their hashes. The poll
/// takes no more changes. A level-2 result starts the BKM's term.
pub(super) fn publish_tx(
    tx: &rusqlite::Transaction<'_>,
    e: &Election,
    count: &Count,
    actor: &Actor,
    proposed_by: &str,
) -> Result<Published> {
    let id = e.id;
    let r = count.recount.as_ref().expect("ready means counted");
    let ballots = count.ballots.as_ref().expect("ready means agreed");
    let width = ballots
        .iter()
        .map(|(_, n)| n.len())
        .max()
        .unwrap_or(0)
        .max(r.names_per_ballot.max());
    let header: Vec<String> = std::iter::once("ballot_id".to_owned())
        .chain((1..=width).map(|i| format!("name{i}")))
        .collect();
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let ballots_csv = csv_text(
        &header,
        ballots.iter().map(|(bid, names)| {
            let mut row = vec![bid.clone()];
            row.extend(names.iter().cloned());
            row.resize(width + 1, String::new());
            row
        }),
    );
    let groups_csv = csv_text(
        &["written", "person"],
        count
            .groups
            .iter()
            .map(|g| vec![g.written.clone(), g.person.clone()]),
    );
    // Who may be named: at level 2 the delegates (public already); at
    // level 1 only the named people who are on the register, so that
    // the register itself is never published.
    let residents_csv = r.residents_checked.then(|| {
        let people: Vec<Vec<String>> = match e.level {
            Level::Rt => {
                let register: HashMap<NameKey, String> = voters_tx(tx, id)
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|v| Some((NameKey::new(&v.name)?, v.name)))
                    .collect();
                let grouping = grouping_of(&count.groups).unwrap_or_default();
                let mut named: Vec<String> = Vec::new();
                for (_, names) in ballots {
                    for n in names {
                        let Some(k) = NameKey::new(n) else { continue };
                        let key = grouping
                            .person_for(&k)
                            .map(|p| p.key().clone())
                            .unwrap_or(k);
                        if let Some(shown) = register.get(&key) {
                            if !named.contains(shown) {
                                named.push(shown.clone());
                            }
                        }
                    }
                }
                named.sort_by_key(|n| n.to_lowercase());
                named.into_iter().map(|n| vec![n]).collect()
            }
            _ => voters_tx(tx, id)
                .unwrap_or_default()
                .into_iter()
                .map(|v| vec![v.name])
                .collect(),
        };
        csv_text(&["person"], people)
    });
    let published_at = now();
    let term = (e.level == Level::Bkm).then(|| {
        let start = e.held_on;
        let end = start
            .checked_add(i64::from(count.settings.term_years).years())
            .unwrap_or(start);
        (start, end)
    });
    let mut command = format!(
        "lumbung election recount BALLOTS.csv --groups GROUPS.csv --eligible {} --seats {} --min-names {} --max-names {} --quorum {}",
        r.eligible,
        r.seats,
        r.names_per_ballot.min(),
        r.names_per_ballot.max(),
        r.quorum
    );
    if residents_csv.is_some() {
        command.push_str(" --residents RESIDENTS.csv");
    }
    command.push_str(" --format json");
    let mut files = serde_json::Map::new();
    files.insert("BALLOTS.csv".into(), json!(sha256_hex(&ballots_csv)));
    files.insert("GROUPS.csv".into(), json!(sha256_hex(&groups_csv)));
    if let Some(res) = &residents_csv {
        files.insert("RESIDENTS.csv".into(), json!(sha256_hex(res)));
    }
    let mut snapshot = count.summary();
    snapshot["published_at"] = json!(published_at);
    snapshot["term"] = json!(term.map(|(s, t)| json!({"start": s, "end": t})));
    snapshot["files"] = Value::Object(files);
    snapshot["command"] = json!(command);
    let snapshot_text = snapshot.to_string();
    let sha = sha256_hex(&snapshot_text);
    tx.execute(
        "INSERT INTO election_results (poll, published_at, published_by, snapshot, ballots_csv, groups_csv, residents_csv, sha256)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            id,
            published_at,
            actor.label(),
            snapshot_text,
            ballots_csv,
            groups_csv,
            residents_csv,
            sha
        ],
    )?;
    tx.execute(
        "UPDATE election_polls SET published_at = ?2, term_start = ?3, term_end = ?4 WHERE id = ?1",
        params![
            id,
            published_at,
            term.map(|t| t.0.to_string()),
            term.map(|t| t.1.to_string())
        ],
    )?;
    record(
        tx,
        actor,
        "election_publish",
        "election",
        &id.to_string(),
        e.placement.area.as_ref().map(AreaPath::as_str),
        json!({"sha256": sha, "elected": count.elected, "proposed_by": proposed_by}),
    )?;
    Ok(Published {
        election_id: id,
        published_at,
        snapshot,
        ballots_csv,
        groups_csv,
        residents_csv,
        sha256: sha,
    })
}

impl Store {
    /// A published result, for everyone.
    pub fn published_election(&self, id: i64) -> Result<Option<Published>> {
        let conn = self.conn()?;
        let row = conn
            .query_row(
                "SELECT published_at, snapshot, ballots_csv, groups_csv, residents_csv, sha256
                 FROM election_results WHERE poll = ?1",
                [id],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, Option<String>>(4)?,
                        r.get::<_, String>(5)?,
                    ))
                },
            )
            .optional()?;
        Ok(row.map(|(at, snap, b, g, res, sha)| Published {
            election_id: id,
            published_at: at,
            snapshot: serde_json::from_str(&snap).unwrap_or(Value::Null),
            ballots_csv: b,
            groups_csv: g,
            residents_csv: res,
            sha256: sha,
        }))
    }

    /// Every published result, newest first.
    pub fn published_elections(&self) -> Result<Vec<PublishedSummary>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare(
            "SELECT p.id, p.level, p.area_code, a.name, k.name, p.held_on, r.published_at, r.snapshot
             FROM election_results r JOIN election_polls p ON p.id = r.poll
             JOIN areas a ON a.code = p.area_code JOIN areas k ON k.code = p.kelurahan_code
             ORDER BY r.published_at DESC, p.id DESC",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, String>(7)?,
            ))
        })?;
        rows.map(|row| {
            let (id, level, code, name, kel, held_on, at, snap) = row?;
            let snap: Value = serde_json::from_str(&snap).unwrap_or(Value::Null);
            Ok(PublishedSummary {
                election_id: id,
                level: Level::parse(&level).unwrap_or(Level::Rt),
                area_code: code,
                area_name: name,
                kelurahan_name: kel,
                held_on: held_on
                    .parse()
                    .map_err(|_| invalid("held_on", held_on.clone()))?,
                published_at: at,
                elected: snap["elected"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|v| v.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default(),
            })
        })
        .collect()
    }
}

impl Store {
    /// Adult turnout of the BKM election per kelurahan, from the published
    /// RT (level 1) results: (voted, eligible) summed over its RTs.
    pub fn election_turnout(&self) -> Result<std::collections::BTreeMap<String, (u64, u64)>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare(
            "SELECT p.kelurahan_code, r.snapshot FROM election_results r
             JOIN election_polls p ON p.id = r.poll WHERE p.level = 'rt'",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        let mut out: std::collections::BTreeMap<String, (u64, u64)> = Default::default();
        for row in rows {
            let (kel, snap) = row?;
            let snap: Value = serde_json::from_str(&snap)
                .map_err(|_| invalid("election_results", "a published snapshot is unreadable"))?;
            let t = out.entry(kel).or_default();
            t.0 += snap["recount"]["ballots"].as_u64().unwrap_or(0);
            t.1 += snap["recount"]["eligible"].as_u64().unwrap_or(0);
        }
        Ok(out)
    }
}
