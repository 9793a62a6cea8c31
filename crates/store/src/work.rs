//! The web app's work in progress: files uploaded and waiting for their
//! uploader's confirmation, and the imports started from them. Kept in the
//! database, not in one server's memory, so that with several servers of
//! one database an upload received by one can be confirmed through another
//! and its import followed through any. Which uploads and jobs are
//! forgotten is the caller's rule (`lumbung_domain::work`), judged on what is held here, inside the
//! write that adds a new one.

use crate::db::params;
use crate::sql::{all, optional_row};
use crate::{Result, Store};
use lumbung_domain::work::{JobTimes, Waiting};
use lumbung_domain::{OrgId, UserId};

/// What an upload says besides its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadMeta {
    pub owner: UserId,
    pub file_name: String,
    pub anchor: String,
    pub anchor_id: Option<OrgId>,
    pub year: String,
    pub locale: String,
}

/// An import started from an upload; `summary` is its outcome as the API
/// shows it (JSON), `notes_id` the reader's notes in Indonesian.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRecord {
    pub token: String,
    pub owner: UserId,
    pub file_name: String,
    pub state: JobState,
    pub summary: Option<String>,
    pub notes_id: Option<String>,
    pub problems: Option<String>,
    pub started_at: i64,
    pub finished_at: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    Running,
    Done,
    Failed,
}

impl JobState {
    fn as_str(self) -> &'static str {
        match self {
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Failed => "failed",
        }
    }

    fn parse(s: String) -> JobState {
        match s.as_str() {
            "done" => JobState::Done,
            "failed" => JobState::Failed,
            // The schema's CHECK admits nothing else.
            _ => JobState::Running,
        }
    }
}

/// How an import ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobOutcome {
    Done { summary: String, notes_id: String },
    Failed { problems: String },
}

impl Store {
    /// Keeps an upload under `token`, first forgetting the uploads that
    /// `forget` picks among those waiting (oldest first), in one write.
    pub fn put_upload(
        &self,
        token: &str,
        meta: &UploadMeta,
        bytes: &[u8],
        forget: impl FnOnce(&[Waiting], i64) -> Vec<String>,
    ) -> Result<()> {
        let now = self.clock().now().as_millisecond();
        self.write(|tx| {
            let waiting: Vec<Waiting> = all(
                tx,
                "SELECT token, owner, created_at FROM web_uploads ORDER BY seq",
                [],
                |r| from_row!(r, Waiting { token, owner: UserId::new, created_at }),
            )?;
            let mut delete = tx.prepare("DELETE FROM web_uploads WHERE token = ?1")?;
            for token in forget(&waiting, now) {
                delete.execute([token])?;
            }
            tx.prepare(
                "INSERT INTO web_uploads (token, owner, file_name, anchor, anchor_id, year, locale, bytes, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?
            .execute(params![
                token,
                meta.owner.get(),
                meta.file_name,
                meta.anchor,
                meta.anchor_id.map(OrgId::get),
                meta.year,
                meta.locale,
                bytes,
                now
            ])?;
            Ok(())
        })
    }

    /// The upload `token` of `owner` (anyone else's is not found), without
    /// its bytes, with when it arrived.
    pub fn upload(&self, token: &str, owner: UserId) -> Result<Option<(UploadMeta, i64)>> {
        let conn = self.conn()?;
        optional_row(
            &conn,
            "SELECT file_name, anchor, anchor_id, year, locale, created_at FROM web_uploads
             WHERE token = ?1 AND owner = ?2",
            params![token, owner.get()],
            |r| {
                Ok((
                    UploadMeta {
                        owner,
                        file_name: r.get(0)?,
                        anchor: r.get(1)?,
                        anchor_id: r.get::<_, Option<i64>>(2)?.map(OrgId::new),
                        year: r.get(3)?,
                        locale: r.get(4)?,
                    },
                    r.get(5)?,
                ))
            },
        )
    }

    /// The bytes of `owner`'s upload `token`.
    pub fn upload_bytes(&self, token: &str, owner: UserId) -> Result<Option<Vec<u8>>> {
        let conn = self.conn()?;
        crate::sql::optional(
            &conn,
            "SELECT bytes FROM web_uploads WHERE token = ?1 AND owner = ?2",
            params![token, owner.get()],
        )
    }

    /// Takes `owner`'s upload `token` out of the waiting ones and records
    /// the import `job` started from it, first forgetting the jobs that
    /// `forget` picks, in one write: the upload's bytes, or `None` when it
    /// was not waiting (confirmed meanwhile through another server, or
    /// forgotten).
    pub fn start_job(
        &self,
        token: &str,
        owner: UserId,
        job: &str,
        forget: impl FnOnce(&[JobTimes], i64) -> Vec<String>,
    ) -> Result<Option<Vec<u8>>> {
        let now = self.clock().now().as_millisecond();
        self.write(|tx| {
            let Some((file_name, bytes)) = optional_row(
                tx,
                "DELETE FROM web_uploads WHERE token = ?1 AND owner = ?2 RETURNING file_name, bytes",
                params![token, owner.get()],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?)),
            )?
            else {
                return Ok(None);
            };
            let jobs: Vec<JobTimes> = all(
                tx,
                "SELECT token, started_at, finished_at FROM web_jobs ORDER BY seq",
                [],
                |r| from_row!(r, JobTimes { token, started_at, finished_at }),
            )?;
            let mut delete = tx.prepare("DELETE FROM web_jobs WHERE token = ?1")?;
            for token in forget(&jobs, now) {
                delete.execute([token])?;
            }
            tx.prepare(
                "INSERT INTO web_jobs (token, owner, file_name, state, started_at) VALUES (?1, ?2, ?3, 'running', ?4)",
            )?
            .execute(params![job, owner.get(), file_name, now])?;
            Ok(Some(bytes))
        })
    }

    /// Records how the import `job` ended.
    pub fn finish_job(&self, job: &str, outcome: &JobOutcome) -> Result<()> {
        let now = self.clock().now().as_millisecond();
        let (state, summary, notes_id, problems) = match outcome {
            JobOutcome::Done { summary, notes_id } => {
                (JobState::Done, Some(summary), Some(notes_id), None)
            }
            JobOutcome::Failed { problems } => (JobState::Failed, None, None, Some(problems)),
        };
        self.write(|tx| {
            tx.prepare(
                "UPDATE web_jobs SET state = ?2, summary = ?3, notes_id = ?4, problems = ?5, finished_at = ?6
                 WHERE token = ?1",
            )?
            .execute(params![job, state.as_str(), summary, notes_id, problems, now])?;
            Ok(())
        })
    }

    /// The import `job` of `owner` (anyone else's is not found).
    pub fn job(&self, job: &str, owner: UserId) -> Result<Option<JobRecord>> {
        let conn = self.conn()?;
        optional_row(
            &conn,
            &format!("{JOB_COLUMNS} WHERE token = ?1 AND owner = ?2"),
            params![job, owner.get()],
            job_row,
        )
    }
}

const JOB_COLUMNS: &str = "SELECT token, owner, file_name, state, summary, notes_id, problems, started_at, finished_at FROM web_jobs";

fn job_row(r: &crate::db::Row<'_>) -> crate::db::Result<JobRecord> {
    from_row!(
        r,
        JobRecord {
            token,
            owner: UserId::new,
            file_name,
            state: JobState::parse,
            summary,
            notes_id,
            problems,
            started_at,
            finished_at,
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::store;

    fn meta(owner: UserId) -> UploadMeta {
        UploadMeta {
            owner,
            file_name: "payments.csv".into(),
            anchor: "Council".into(),
            anchor_id: Some(OrgId::new(7)),
            year: "2024/25".into(),
            locale: "en".into(),
        }
    }

    #[test]
    fn an_upload_kept_by_one_store_is_confirmed_through_another_once() {
        let (db, first) = store();
        let second = db.open_again();
        let owner = crate::test_support::user(&first, "analyst");
        let other = crate::test_support::user(&first, "intruder");
        let bytes = b"supplier,amount\nA,1\n\x00\xff".to_vec();
        first
            .put_upload("u1", &meta(owner), &bytes, |waiting, _| {
                assert!(waiting.is_empty());
                vec![]
            })
            .unwrap();
        // Only its owner finds it, through any store of the database.
        assert_eq!(second.upload("u1", other).unwrap(), None);
        assert_eq!(second.upload_bytes("u1", other).unwrap(), None);
        let (found, _) = second.upload("u1", owner).unwrap().unwrap();
        assert_eq!(found, meta(owner));
        assert_eq!(
            second.upload_bytes("u1", owner).unwrap(),
            Some(bytes.clone())
        );
        assert_eq!(
            second.start_job("u1", other, "j0", |_, _| vec![]).unwrap(),
            None
        );
        let taken = second.start_job("u1", owner, "j1", |_, _| vec![]).unwrap();
        assert_eq!(taken, Some(bytes));
        // Confirmed once: a second confirmation finds nothing to start.
        assert_eq!(
            first.start_job("u1", owner, "j2", |_, _| vec![]).unwrap(),
            None
        );
        let job = first.job("j1", owner).unwrap().unwrap();
        assert_eq!(
            (job.state, job.file_name.as_str()),
            (JobState::Running, "payments.csv")
        );
        assert_eq!(first.job("j1", other).unwrap(), None);
        assert_eq!(first.job("j2", owner).unwrap(), None);
        let outcome = JobOutcome::Done {
            summary: r#"{"rows":1}"#.into(),
            notes_id: "[]".into(),
        };
        second.finish_job("j1", &outcome).unwrap();
        let job = first.job("j1", owner).unwrap().unwrap();
        assert_eq!(job.state, JobState::Done);
        assert_eq!(job.summary.as_deref(), Some(r#"{"rows":1}"#));
        assert!(job.finished_at.is_some());
    }

    #[test]
    fn what_the_rule_picks_is_forgotten_in_the_same_write() {
        let (_db, s) = store();
        let owner = crate::test_support::user(&s, "analyst");
        for token in ["a", "b", "c"] {
            s.put_upload(token, &meta(owner), b"x", |waiting, _| {
                // Keeps at most two: the oldest goes.
                if waiting.len() >= 2 {
                    vec![waiting[0].token.clone()]
                } else {
                    vec![]
                }
            })
            .unwrap();
        }
        assert!(s.upload("a", owner).unwrap().is_none());
        assert!(s.upload("b", owner).unwrap().is_some());
        s.start_job("b", owner, "jb", |_, _| vec![]).unwrap();
        s.start_job("c", owner, "jc", |jobs, _| {
            assert_eq!(jobs.len(), 1);
            vec![jobs[0].token.clone()]
        })
        .unwrap();
        assert!(s.job("jb", owner).unwrap().is_none());
        assert!(s.job("jc", owner).unwrap().is_some());
    }
}
