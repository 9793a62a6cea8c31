//! Published results, for everyone: one result, the list, and the
//! turnout they add up to.

use super::rows::invalid;
use super::types::{Published, PublishedSummary};
use crate::{Result, Store};
use lumbung_community::election::Level;
use lumbung_domain::PollId;
use rusqlite::OptionalExtension;
use serde_json::Value;

impl Store {
    /// A published result, for everyone.
    pub fn published_election(&self, poll: PollId) -> Result<Option<Published>> {
        let id = poll.get();
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
            election_id: poll,
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
                election_id: PollId::new(id),
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
