//! Complaints and questions (PPM): filed from the public form or entered
//! by a facilitator, followed by a tracking code (only its hash kept),
//! handled through append-only events, judged by the deadlines set for
//! the nearest area. The rules live in `lumbung_programme::complaints`.

use crate::audit::{self, Actor};
use crate::db::{params, Connection};
use crate::{Result, Store, StoreError};
use jiff::civil::Date;
use lumbung_domain::{text, AreaPath, ComplaintId, Scope};
use lumbung_programme::complaints::{
    by_status, may_move, monthly, received_on, standing, Category, Channel, Counted, Deadlines,
    Month, Standing, Status, Subject, Submission, Timeline,
};
use rand::RngCore;
use serde::Serialize;
use std::collections::BTreeMap;

/// A complaint filed: its id and the code its complainant follows it by
/// (shown once, never stored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Filed {
    pub id: ComplaintId,
    pub tracking_code: String,
}

/// A reply or change of status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ComplaintEvent {
    pub on: String,
    pub status: Status,
    pub reply: String,
}

/// What the complainant sees by its tracking code: no name, no contact.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tracked {
    pub area_name: String,
    pub category: Category,
    pub subject: Subject,
    pub text: String,
    pub received_on: String,
    pub status: Status,
    pub standing: Standing,
    pub events: Vec<ComplaintEvent>,
}

/// A complaint as its handlers see it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComplaintView {
    pub id: ComplaintId,
    pub area_code: String,
    pub area_name: String,
    /// Where the complaint sits, for scope checks.
    #[serde(skip)]
    pub area_path: AreaPath,
    pub category: Category,
    pub subject: Subject,
    pub channel: Channel,
    pub text: String,
    /// `None` for an anonymous complaint.
    pub name: Option<String>,
    pub contact: Option<String>,
    pub received_on: String,
    pub status: Status,
    pub standing: Standing,
    pub events: Vec<ComplaintEvent>,
}

/// The random code a complainant follows a complaint by:
/// `PPM-XXXX-XXXX-XXXX`, 60 bits in Crockford's base 32 (no I, L, O, U).
fn tracking_code() -> String {
    const DIGITS: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut bytes = [0u8; 8];
    rand::rng().fill_bytes(&mut bytes);
    let mut n = u64::from_le_bytes(bytes);
    let mut out = String::from("PPM");
    for i in 0..12 {
        if i % 4 == 0 {
            out.push('-');
        }
        out.push(DIGITS[(n % 32) as usize] as char);
        n /= 32;
    }
    out
}

/// A typed code as its hash: case, spaces and dashes do not matter.
fn code_hash(code: &str) -> String {
    let clean: String = code
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    crate::users::token_hash(&clean)
}

fn stored<T>(what: &str, parsed: Option<T>) -> Result<T> {
    parsed.ok_or_else(|| {
        StoreError::invalid(
            "complaints",
            text!("complaint_unreadable", what = what;
            id: "nilai {what} pengaduan yang tersimpan tidak terbaca",
            en: "a complaint's stored {what} cannot be read"),
        )
    })
}

/// The deadlines of every area that has its own, by path.
fn settings(conn: &Connection) -> Result<Vec<(String, Deadlines)>> {
    let rows: Vec<(String, i64, i64)> = crate::sql::all(
        conn,
        "SELECT a.path, s.answer_days, s.resolve_days FROM complaint_settings s JOIN areas a ON a.code = s.area_code",
        [],
        |r| r.try_into(),
    )?;
    Ok(rows
        .into_iter()
        .map(|(p, a, r)| {
            (
                p,
                Deadlines {
                    answer_days: a as u16,
                    resolve_days: r as u16,
                },
            )
        })
        .collect())
}

/// The subtree `scope` reaches, as a path range; `None`: nothing.
fn reach(scope: &Scope) -> Option<(String, String)> {
    let range = |p: &AreaPath| (p.as_str().to_owned(), p.subtree_end());
    match scope {
        Scope::Global => Some((String::new(), "\u{10FFFF}".to_owned())),
        Scope::Area { path, .. } => Some(range(path)),
        Scope::Org { area, .. } => area.as_ref().map(range),
    }
}

const COMPLAINT: &str = "SELECT c.id, c.area_code, a.name, a.path, c.category, c.subject, c.channel, c.body,
        c.name, c.contact, c.received_on,
        (SELECT e.status FROM complaint_events e WHERE e.complaint_id = c.id ORDER BY e.id DESC LIMIT 1),
        (SELECT min(e.on_date) FROM complaint_events e WHERE e.complaint_id = c.id)
    FROM complaints c JOIN areas a ON a.code = c.area_code";

/// A complaint's row, read.
struct Row {
    id: i64,
    area_code: String,
    area_name: String,
    path: String,
    category: String,
    subject: String,
    channel: String,
    body: String,
    name: Option<String>,
    contact: Option<String>,
    received_on: String,
    status: Option<String>,
    answered: Option<String>,
}

fn read_row(r: &crate::db::Row<'_>) -> crate::db::Result<Row> {
    from_row!(
        r,
        Row {
            id,
            area_code,
            area_name,
            path,
            category,
            subject,
            channel,
            body,
            name,
            contact,
            received_on,
            status,
            answered,
        }
    )
}

fn date(raw: &str) -> Result<Date> {
    stored("date", raw.parse().ok())
}

/// A complaint's status as its last event left it.
fn status_of(last: Option<&str>) -> Result<Status> {
    match last {
        None => Ok(Status::Received),
        Some(s) => stored("status", Status::parse(s)),
    }
}

/// A complaint's status and where it stands against its deadlines, from
/// when it was received and first answered and its last event's status.
fn judged(
    received_on: &str,
    answered: Option<&str>,
    last: Option<&str>,
    deadlines: Deadlines,
    today: Date,
) -> Result<(Status, Standing)> {
    let status = status_of(last)?;
    let timeline = Timeline {
        received: date(received_on)?,
        answered: answered.map(date).transpose()?,
        status,
    };
    Ok((status, standing(&timeline, deadlines, today)))
}

impl Row {
    fn status(&self) -> Result<Status> {
        status_of(self.status.as_deref())
    }

    fn judged(&self, deadlines: Deadlines, today: Date) -> Result<(Status, Standing)> {
        let (received, answered) = (&self.received_on, self.answered.as_deref());
        judged(received, answered, self.status.as_deref(), deadlines, today)
    }
}

/// What a month's summary counts of a complaint: never its subject, text
/// or who sent it (a city's summary read every complaint's whole text).
const TALLIED: &str = "SELECT a.path, c.category, c.received_on,
        (SELECT e.status FROM complaint_events e WHERE e.complaint_id = c.id ORDER BY e.id DESC LIMIT 1),
        (SELECT min(e.on_date) FROM complaint_events e WHERE e.complaint_id = c.id)
    FROM complaints c JOIN areas a ON a.code = c.area_code";

fn events(conn: &Connection, id: i64) -> Result<Vec<ComplaintEvent>> {
    let rows: Vec<(String, String, String)> = crate::sql::all(
        conn,
        "SELECT on_date, status, reply FROM complaint_events WHERE complaint_id = ?1 ORDER BY id",
        [id],
        |r| r.try_into(),
    )?;
    rows.into_iter()
        .map(|(on, status, reply)| {
            Ok(ComplaintEvent {
                on,
                status: stored("status", Status::parse(&status))?,
                reply,
            })
        })
        .collect()
}

/// Complaints by status in the subtree at `path` (the public board's).
pub(crate) fn counts_in(conn: &Connection, path: &str) -> Result<BTreeMap<String, u64>> {
    let end = AreaPath::from_stored(path.to_owned()).subtree_end();
    let rows: Vec<Option<String>> = crate::sql::all(
        conn,
        "SELECT (SELECT e.status FROM complaint_events e WHERE e.complaint_id = c.id ORDER BY e.id DESC LIMIT 1)
         FROM complaints c JOIN areas a ON a.code = c.area_code WHERE a.path >= ?1 AND a.path < ?2",
        params![path, end],
        |r| r.get(0),
    )?;
    let statuses = rows
        .into_iter()
        .map(|s| match s {
            None => Ok(Status::Received),
            Some(s) => stored("status", Status::parse(&s)),
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(by_status(statuses))
}

impl Store {
    /// The kelurahan complaints may be about: those holding the
    /// programme's grants or activities, or a BKM or UPK; by name (code,
    /// name, path).
    pub fn complaint_places(&self) -> Result<Vec<(String, String, String)>> {
        let conn = self.conn()?;
        crate::sql::all(
            &conn,
            "SELECT code, name, path FROM areas WHERE code IN (
                 SELECT area_code FROM programme_grants UNION SELECT area_code FROM programme_activities
                 UNION SELECT area_code FROM organisations WHERE kind IN ('bkm', 'upk') AND area_code IS NOT NULL)
             ORDER BY name, code",
            [],
            |r| r.try_into(),
        )
    }

    /// Files a complaint about area `code`: from the public form (a
    /// visitor) or entered by a user from a text message, paper or a
    /// visit, received on a day of the past year (default today).
    /// Returns its tracking code.
    pub fn file_complaint(
        &self,
        code: &str,
        submission: &Submission,
        channel: Channel,
        received: Option<Date>,
        language: &str,
        actor: &Actor,
    ) -> Result<Filed> {
        self.write(|tx| {
            let today = received_on(received, crate::today())
                .map_err(|m| StoreError::invalid("received_on", m))?;
            let path = crate::sql::area_path(tx, code)?;
            let Some(path) = path else {
                return Err(StoreError::invalid(
                    "kelurahan",
                    text!("complaint_no_area", code = code;
                        id: "wilayah {code} tidak ada", en: "there is no area {code}"),
                ));
            };
            let tracking_code = tracking_code();
            let entered_by = matches!(actor, Actor::User { .. }).then(|| actor.label());
            let id: i64 = tx.query_row(
                "INSERT INTO complaints (area_code, tracking_hash, category, subject, channel, body, name, contact,
                    language, received_on, received_at, entered_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) RETURNING id",
                params![
                    code,
                    code_hash(&tracking_code),
                    submission.category.as_str(),
                    submission.subject.as_str(),
                    channel.as_str(),
                    submission.text,
                    submission.name,
                    submission.contact,
                    language,
                    today.to_string(),
                    crate::now(),
                    entered_by
                ], |r| r.get::<_, i64>(0),
            )?;
            audit::record(
                tx,
                actor,
                "complaint.file",
                "complaint",
                &id.to_string(),
                Some(&path),
                serde_json::json!({"category": submission.category, "subject": submission.subject,
                    "channel": channel}),
            )?;
            Ok(Filed {
                id: ComplaintId::new(id),
                tracking_code,
            })
        })
    }

    /// The complaint a tracking code follows, as its complainant sees it.
    pub fn complaint_by_code(&self, code: &str) -> Result<Option<Tracked>> {
        let conn = self.conn()?;
        let Some(row) = crate::sql::optional_row(
            &conn,
            &format!("{COMPLAINT} WHERE c.tracking_hash = ?1"),
            [code_hash(code)],
            read_row,
        )?
        else {
            return Ok(None);
        };
        let deadlines = Deadlines::nearest(&settings(&conn)?, &row.path);
        let (status, standing) = row.judged(deadlines, self.clock().today())?;
        Ok(Some(Tracked {
            area_name: row.area_name.clone(),
            category: stored("category", Category::parse(&row.category))?,
            subject: stored("subject", Subject::parse(&row.subject))?,
            events: events(&conn, row.id)?,
            text: row.body,
            received_on: row.received_on,
            status,
            standing,
        }))
    }

    fn view(
        &self,
        conn: &Connection,
        row: Row,
        all: &[(String, Deadlines)],
    ) -> Result<ComplaintView> {
        let (status, standing) =
            row.judged(Deadlines::nearest(all, &row.path), self.clock().today())?;
        Ok(ComplaintView {
            id: ComplaintId::new(row.id),
            area_code: row.area_code,
            area_name: row.area_name,
            area_path: AreaPath::from_stored(row.path),
            category: stored("category", Category::parse(&row.category))?,
            subject: stored("subject", Subject::parse(&row.subject))?,
            channel: stored("channel", Channel::parse(&row.channel))?,
            text: row.body,
            name: row.name,
            contact: row.contact,
            received_on: row.received_on,
            status,
            standing,
            events: events(conn, row.id)?,
        })
    }

    /// A complaint by its id, with its replies.
    pub fn complaint(&self, id: ComplaintId) -> Result<Option<ComplaintView>> {
        let conn = self.conn()?;
        let Some(row) = crate::sql::optional_row(
            &conn,
            &format!("{COMPLAINT} WHERE c.id = ?1"),
            [id.get()],
            read_row,
        )?
        else {
            return Ok(None);
        };
        let all = settings(&conn)?;
        Ok(Some(self.view(&conn, row, &all)?))
    }

    /// The complaints `scope` reaches, newest first (at most `limit`).
    pub fn complaints_in(&self, scope: &Scope, limit: u32) -> Result<Vec<ComplaintView>> {
        let Some((lo, hi)) = reach(scope) else {
            return Ok(vec![]);
        };
        let conn = self.conn()?;
        let rows: Vec<Row> = crate::sql::all(
            &conn,
            &format!("{COMPLAINT} WHERE a.path >= ?1 AND a.path < ?2 ORDER BY c.id DESC LIMIT ?3"),
            params![lo, hi, limit],
            read_row,
        )?;
        let all = settings(&conn)?;
        rows.into_iter()
            .map(|row| self.view(&conn, row, &all))
            .collect()
    }

    /// Records a reply and the status it leaves the complaint in.
    pub fn answer_complaint(
        &self,
        id: ComplaintId,
        to: Status,
        reply: &str,
        actor: &Actor,
    ) -> Result<()> {
        self.write(|tx| {
            let today = crate::today();
            let row = crate::sql::optional_row(
                tx,
                &format!("{COMPLAINT} WHERE c.id = ?1"),
                [id.get()],
                read_row,
            )?
            .ok_or_else(|| {
                StoreError::not_found(text!("complaint_missing", id = id.get();
                    id: "pengaduan {id}", en: "complaint {id}"))
            })?;
            may_move(row.status()?, to).map_err(|m| StoreError::invalid("status", m))?;
            tx.execute(
                "INSERT INTO complaint_events (complaint_id, on_date, at, by_user, status, reply)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    id.get(),
                    today.to_string(),
                    crate::now(),
                    actor.label(),
                    to.as_str(),
                    reply.trim()
                ],
            )?;
            audit::record(
                tx,
                actor,
                "complaint.answer",
                "complaint",
                &id.get().to_string(),
                Some(&row.path),
                serde_json::json!({"status": to}),
            )
        })
    }

    /// The deadlines complaints about area `code` are judged by: its own,
    /// else the nearest area's above it, else the defaults.
    pub fn complaint_deadlines(&self, code: &str) -> Result<Deadlines> {
        let conn = self.conn()?;
        let path = crate::areas::area_path_in(&conn, code)?;
        Ok(match path {
            Some(p) => Deadlines::nearest(&settings(&conn)?, p.as_str()),
            None => Deadlines::default(),
        })
    }

    /// Sets the deadlines of complaints in area `code` and below.
    pub fn set_complaint_deadlines(
        &self,
        code: &str,
        deadlines: Deadlines,
        actor: &Actor,
    ) -> Result<()> {
        self.write(|tx| {
            let path = crate::sql::area_path(tx, code)?;
            tx.execute(
                "INSERT INTO complaint_settings (area_code, answer_days, resolve_days, set_at, set_by)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (area_code) DO UPDATE SET answer_days = excluded.answer_days,
                     resolve_days = excluded.resolve_days, set_at = excluded.set_at, set_by = excluded.set_by",
                params![code, deadlines.answer_days, deadlines.resolve_days, crate::now(), actor.label()],
            )?;
            audit::record(
                tx,
                actor,
                "complaint.deadlines",
                "area",
                code,
                path.as_deref(),
                serde_json::json!(deadlines),
            )
        })
    }

    /// The complaints received each month in area `code` and below (a
    /// city's summary), of one year or all.
    pub fn complaint_summary(&self, code: &str, year: Option<i32>) -> Result<Vec<Month>> {
        let conn = self.conn()?;
        let Some(path) = crate::areas::area_path_in(&conn, code)? else {
            return Ok(vec![]);
        };
        let year = year.map(|y| format!("{y:04}"));
        // Its area's path, category, when received, last status, when answered.
        type Tallied = (String, String, String, Option<String>, Option<String>);
        let rows: Vec<Tallied> = crate::sql::all(
            &conn,
            &format!(
                "{TALLIED} WHERE a.path >= ?1 AND a.path < ?2 AND (substr(c.received_on, 1, 4) = ?3 OR ?3 IS NULL)"
            ),
            params![path.as_str(), path.subtree_end(), year],
            |r| r.try_into(),
        )?;
        let all = settings(&conn)?;
        let today = self.clock().today();
        let counted = rows
            .iter()
            .map(|(path, category, received_on, last, answered)| {
                let deadlines = Deadlines::nearest(&all, path);
                let (status, standing) = judged(
                    received_on,
                    answered.as_deref(),
                    last.as_deref(),
                    deadlines,
                    today,
                )?;
                Ok(Counted {
                    received: date(received_on)?,
                    category: stored("category", Category::parse(category))?,
                    status,
                    overdue: standing.overdue,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(monthly(&counted))
    }
}
