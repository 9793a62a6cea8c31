//! A kelurahan's public board: what it shows as of a date, read from the
//! programme, the fund and the complaints; publishing it as a frozen
//! version; and whether the fund journal still holds an entry a printed
//! board carries. The board's shape lives in `lumbung_programme::board`.

use crate::audit::{self, Actor};
use crate::db::params;
use crate::{Result, Store, StoreError};
use jiff::civil::Date;
use lumbung_domain::{text, AreaCode, BoardId, Money, Scope};
use lumbung_fund::journal::Posted;
use lumbung_programme::board::{
    self, fingerprint, Board, CapitalLine, FundHealth, JournalHead, PlanSummary, PlanVersion,
    PublishedBoard,
};

fn no_area(code: &str) -> StoreError {
    StoreError::not_found(text!("board_no_area", code = code;
        id: "wilayah {code} tidak ada", en: "there is no area {code}"))
}

/// Of each plan (kind, first year), its latest version approved by
/// `as_of`, summed up (`lumbung_programme::board::plan_summaries`).
fn plan_summaries(plans: &[crate::PlanView], as_of: Date) -> Result<Vec<PlanSummary>> {
    let versions = plans.iter().map(|p| PlanVersion {
        kind: p.kind,
        first_year: p.first_year,
        last_year: p.last_year,
        version: p.version,
        approved_at: p.approved_at.as_deref(),
        activities: &p.activities,
        cost: p.cost,
    });
    board::plan_summaries(versions, as_of).map_err(|_| {
        StoreError::invalid(
            "programme_plans",
            text!("board_plan_sum";
                id: "jumlah rencana terlalu besar", en: "the plan's sum is too large"),
        )
    })
}

impl Store {
    /// The board of area `code` as of `as_of`: the programme's figures,
    /// tranches and activities imported by then, the BLM capital posted
    /// by then with its journal entries, the fund's health of the UPKs in
    /// the area, complaints by status, and the journal's head now.
    pub fn board(&self, code: &str, as_of: Date) -> Result<Board> {
        let area = self.area(code)?.ok_or_else(|| no_area(code))?;
        // A kelurahan's board (or a smaller area's): one above kelurahan
        // would have anyone compute every loan of every UPK in it.
        let below = lumbung_domain::AreaPath::from_stored(area.path.clone());
        if crate::sql::exists(
            &*self.conn()?,
            "SELECT 1 FROM areas WHERE kind = 'kelurahan' AND path > ?1 AND path < ?2",
            params![below.as_str(), below.subtree_end()],
        )? {
            return Err(no_area(code));
        }
        let figures = self.programme_report(code, None, None, Some(as_of))?;
        let (grants, activities) = self.programme_in_kelurahan(code, Some(as_of))?;
        let plans = plan_summaries(&self.plans_of(code)?, as_of)?;
        let conn = self.conn()?;
        let mut capital = Vec::new();
        let mut stmt = conn.prepare(
            "SELECT p.name, c.year, c.amount, c.journal_seq, j.entry, j.hash FROM programme_capital c
             JOIN programmes p ON p.id = c.programme_id JOIN fund_journal j ON j.sequence = c.journal_seq
             WHERE c.area_code = ?1 ORDER BY c.journal_seq",
        )?;
        let mut rows = stmt.query([code])?;
        while let Some(r) = rows.next()? {
            let Posted {
                entry,
                hash: journal_hash,
                ..
            } = crate::fund::stored_entry(r.get(3)?, r.get_bytes(4)?, r.get_bytes(5)?)?;
            if entry.date > as_of {
                continue;
            }
            capital.push(CapitalLine {
                programme: r.get(0)?,
                year: r.get(1)?,
                date: entry.date.to_string(),
                amount: Money::from_minor(r.get(2)?),
                journal_sequence: r.get::<_, i64>(3)? as u64,
                journal_hash,
            });
        }
        let scope = Scope::Area {
            code: AreaCode::parse(&area.code).map_err(|_| no_area(code))?,
            path: lumbung_domain::AreaPath::from_stored(area.path.clone()),
        };
        // The last entry of the area's UPKs (a kelurahan has one): each
        // UPK's entries form a chain of their own, which this head pins.
        let mut journal_head: Option<JournalHead> = None;
        for upk in crate::fund::upks_within(&conn, &scope)?.0 {
            let last = crate::sql::optional_row(
                &conn,
                "SELECT sequence, hash FROM fund_journal WHERE upk_id = ?1 ORDER BY sequence DESC LIMIT 1",
                [upk],
                |r| Ok((r.get::<_, i64>(0)?, r.get_bytes(1)?.to_vec())),
            )?;
            if let Some((sequence, hash)) = last {
                let hash = crate::fund::stored_hash(sequence, &hash)?;
                let sequence = sequence as u64;
                if journal_head.as_ref().is_none_or(|h| h.sequence < sequence) {
                    journal_head = Some(JournalHead { sequence, hash });
                }
            }
        }
        let complaints = crate::complaints::counts_in(&conn, &area.path)?;
        drop(rows);
        drop(stmt);
        drop(conn);
        let (books, ctx) = self.fund_report_inputs(&scope, as_of)?;
        let upks = self.upks_in(&scope)?;
        let report = lumbung_fund::report::portfolio(&books, as_of, &ctx)?;
        Ok(Board {
            area_code: area.code,
            area_name: area.name,
            as_of: as_of.to_string(),
            plans,
            figures,
            grants,
            activities,
            capital,
            fund: FundHealth::of(upks, &report.indicators),
            complaints,
            journal_head,
        })
    }

    /// Publishes the board of area `code` as of `as_of`: a new frozen
    /// version, with its fingerprint.
    pub fn publish_board(&self, code: &str, as_of: Date, actor: &Actor) -> Result<PublishedBoard> {
        // A board published as of a day still to come would be fixed, and
        // fingerprinted, before its figures are.
        let today = self.clock().latest_today();
        if as_of > today {
            return Err(StoreError::invalid(
                "as_of",
                text!("board_as_of_ahead", date = as_of, today = today;
                    id: "{date} belum tiba: papan diumumkan per hari ini ({today}) paling lambat",
                    en: "{date} has not come yet: a board is published as of today ({today}) at the latest"),
            ));
        }
        let board = self.board(code, as_of)?;
        let body = serde_json::to_string(&board).expect("a board serialises");
        let sha256 = fingerprint(&body);
        let published_at = crate::now();
        let id = self.write(|tx| {
            let id: i64 = tx.query_row(
                "INSERT INTO boards (area_code, as_of, published_at, published_by, body, sha256)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
                params![code, board.as_of, published_at, actor.label(), body, sha256],
                |r| r.get::<_, i64>(0),
            )?;
            let path = crate::sql::area_path(tx, code)?;
            audit::record(
                tx,
                actor,
                "board.publish",
                "board",
                &id.to_string(),
                path.as_deref(),
                serde_json::json!({"area": code, "as_of": board.as_of, "sha256": sha256}),
            )?;
            Ok(id)
        })?;
        Ok(PublishedBoard {
            id: BoardId::new(id),
            area_code: code.to_owned(),
            as_of: board.as_of,
            published_at,
            sha256,
            body,
        })
    }

    /// A published board by its id.
    pub fn published_board(&self, id: BoardId) -> Result<Option<PublishedBoard>> {
        let conn = self.conn()?;
        let row = crate::sql::optional_row(
            &conn,
            "SELECT area_code, as_of, published_at, sha256, body FROM boards WHERE id = ?1",
            [id.get()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )?;
        Ok(row.map(
            |(area_code, as_of, published_at, sha256, body)| PublishedBoard {
                id,
                area_code,
                as_of,
                published_at,
                sha256,
                body,
            },
        ))
    }

    /// The boards published for area `code`, newest first: id, as-of date,
    /// when, fingerprint.
    pub fn published_boards(&self, code: &str) -> Result<Vec<(BoardId, String, String, String)>> {
        let conn = self.conn()?;
        let rows: Vec<(i64, String, String, String)> = crate::sql::all(
            &conn,
            "SELECT id, as_of, published_at, sha256 FROM boards WHERE area_code = ?1 ORDER BY id DESC",
            [code],
            |r| r.try_into(),
        )?;
        Ok(rows
            .into_iter()
            .map(|(id, a, p, s)| (BoardId::new(id), a, p, s))
            .collect())
    }

    /// The sequence of the journal entry whose hash is `hash`, if the
    /// journal holds one.
    pub fn fund_journal_entry_with_hash(&self, hash: &str) -> Result<Option<u64>> {
        let conn = self.conn()?;
        // Hashes are held as their bytes, those of entries from before
        // migration 48 as hex (text, or its bytes in a copy from
        // PostgreSQL).
        let hash = hash.trim();
        let Ok(digest) = hex::decode(hash) else {
            return Ok(None);
        };
        let seq: Option<i64> = crate::sql::optional(
            &conn,
            "SELECT sequence FROM fund_journal WHERE hash = ?1 OR hash = ?2 OR hash = ?3",
            params![
                digest,
                hash.to_ascii_lowercase(),
                hash.to_ascii_lowercase().into_bytes()
            ],
        )?;
        Ok(seq.map(|s| s as u64))
    }
}
