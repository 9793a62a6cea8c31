//! Published results, for everyone: one result, the list, and the
//! turnout they add up to.

use super::rows::{invalid, stored_date};
use super::types::{Published, PublishedSummary};
use crate::{Result, Store};
use lumbung_community::election::publish::PublishedFacts;
use lumbung_community::election::Level;
use lumbung_domain::{text, PollId};
use serde_json::Value;

impl Store {
    /// A published result, for everyone.
    pub fn published_election(&self, poll: PollId) -> Result<Option<Published>> {
        let conn = self.conn()?;
        let row = crate::sql::optional_row(
            &conn,
            "SELECT published_at, snapshot, ballots_csv, groups_csv, residents_csv, sha256
                 FROM election_results WHERE poll = ?1",
            [poll.get()],
            |r| {
                from_row!(r, Published {
                    published_at,
                    snapshot: |s: String| serde_json::from_str(&s).unwrap_or(Value::Null),
                    ballots_csv,
                    groups_csv,
                    residents_csv,
                    sha256,
                }; election_id: poll)
            },
        )?;
        Ok(row)
    }

    /// The `most` newest published results, newest first (each list read
    /// every result's snapshot, whole, on each view).
    pub fn published_elections(&self, most: u32) -> Result<Vec<PublishedSummary>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare(
            "SELECT p.id, p.level, p.area_code, a.name, k.name, p.held_on, r.published_at, r.snapshot
             FROM election_results r JOIN election_polls p ON p.id = r.poll
             JOIN areas a ON a.code = p.area_code JOIN areas k ON k.code = p.kelurahan_code
             ORDER BY r.published_at DESC, p.id DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map([most], |r| {
            from_row!(
                r,
                ListRow {
                    id: PollId::new,
                    level,
                    area_code,
                    area_name,
                    kelurahan_name,
                    held_on,
                    published_at,
                    snapshot
                }
            )
        })?;
        rows.map(|row| {
            let row = row?;
            let facts = PublishedFacts::read(&row.snapshot).unwrap_or_default();
            Ok(PublishedSummary {
                election_id: row.id,
                level: Level::parse(&row.level).unwrap_or(Level::Rt),
                area_code: row.area_code,
                area_name: row.area_name,
                kelurahan_name: row.kelurahan_name,
                held_on: row
                    .held_on
                    .parse()
                    .map_err(|_| invalid("held_on", stored_date(row.held_on.clone())))?,
                published_at: row.published_at,
                elected: facts.elected.unwrap_or_default(),
            })
        })
        .collect()
    }
}

/// A line of the list of published results as stored.
struct ListRow {
    id: PollId,
    level: String,
    area_code: String,
    area_name: String,
    kelurahan_name: String,
    held_on: String,
    published_at: String,
    snapshot: String,
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
            let facts = PublishedFacts::read(&snap).ok_or_else(|| {
                invalid(
                    "election_results",
                    text!("election_snapshot_unreadable";
                    id: "ringkasan hasil yang diumumkan tidak terbaca",
                    en: "a published snapshot is unreadable"),
                )
            })?;
            let turnout = facts.recount.unwrap_or_default();
            let t = out.entry(kel).or_default();
            t.0 += turnout.ballots;
            t.1 += turnout.eligible;
        }
        Ok(out)
    }
}
