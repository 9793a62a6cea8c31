//! Work a web server keeps in the database for every server of it: spend
//! files uploaded and waiting for their uploader's confirmation, and the
//! imports started from them. Which of them to forget is decided here,
//! inside the write that adds a new one, so that the bounds hold however
//! many servers there are.

use crate::UserId;
use std::time::Duration;

/// Uploads waiting for confirmation, in all and per user.
pub const MAX_WAITING: usize = 32;
pub const PER_USER: usize = 4;
/// An upload not confirmed within this time is forgotten.
pub const UPLOAD_TTL: Duration = Duration::from_secs(60 * 60);
/// A finished job can be followed for this long, and only the latest
/// [`MAX_FINISHED`] finished jobs are kept.
pub const JOB_TTL: Duration = Duration::from_secs(60 * 60);
pub const MAX_FINISHED: usize = 256;
/// A job still running after this long was left by a server that stopped.
pub const RUNNING_TTL: Duration = Duration::from_secs(24 * 60 * 60);

/// An upload waiting, as the rule that forgets uploads sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    pub token: String,
    pub owner: UserId,
    /// Milliseconds since the epoch.
    pub created_at: i64,
}

/// An import job's times, as the rule that forgets jobs sees them
/// (milliseconds since the epoch).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobTimes {
    pub token: String,
    pub started_at: i64,
    pub finished_at: Option<i64>,
}

/// Which waiting uploads to forget before `owner`'s new one is kept:
/// expired ones, then the owner's oldest beyond [`PER_USER`], then the
/// oldest of anyone's beyond [`MAX_WAITING`] (`waiting` oldest first).
pub fn uploads_to_forget(waiting: &[Waiting], owner: UserId, now: i64) -> Vec<String> {
    let (expired, mut kept): (Vec<&Waiting>, Vec<&Waiting>) = waiting
        .iter()
        .partition(|w| now - w.created_at >= UPLOAD_TTL.as_millis() as i64);
    let mut forget: Vec<String> = expired.into_iter().map(|w| w.token.clone()).collect();
    let mine = kept.iter().filter(|w| w.owner == owner).count();
    let mut over = (mine + 1).saturating_sub(PER_USER);
    kept.retain(|w| {
        let goes = over > 0 && w.owner == owner;
        if goes {
            over -= 1;
            forget.push(w.token.clone());
        }
        !goes
    });
    let over = (kept.len() + 1).saturating_sub(MAX_WAITING);
    forget.extend(kept.iter().take(over).map(|w| w.token.clone()));
    forget
}

/// Which jobs to forget before a new one starts: finished ones after
/// [`JOB_TTL`] and beyond the latest [`MAX_FINISHED`], and running ones
/// after [`RUNNING_TTL`] (their server stopped).
pub fn jobs_to_forget(jobs: &[JobTimes], now: i64) -> Vec<String> {
    let age = |at: i64| Duration::from_millis(now.saturating_sub(at).max(0) as u64);
    let mut forget = Vec::new();
    let mut finished: Vec<(i64, &str)> = Vec::new();
    for job in jobs {
        match job.finished_at {
            None if age(job.started_at) >= RUNNING_TTL => forget.push(job.token.clone()),
            None => {}
            Some(at) if age(at) >= JOB_TTL => forget.push(job.token.clone()),
            Some(at) => finished.push((at, &job.token)),
        }
    }
    finished.sort();
    let over = finished.len().saturating_sub(MAX_FINISHED);
    forget.extend(finished[..over].iter().map(|(_, t)| t.to_string()));
    forget
}

#[cfg(test)]
mod tests {
    use super::*;

    fn waiting(token: &str, owner: i64, created_at: i64) -> Waiting {
        Waiting {
            token: token.into(),
            owner: UserId::new(owner),
            created_at,
        }
    }

    #[test]
    fn uploads_are_forgotten_oldest_first_per_user_then_overall() {
        let now = 10_000_000;
        let mut held: Vec<Waiting> = vec![waiting("a0", 1, now)];
        let put = |held: &mut Vec<Waiting>, token: String, owner: i64, at: i64| {
            let forget = uploads_to_forget(held, UserId::new(owner), at);
            held.retain(|w| !forget.contains(&w.token));
            held.push(waiting(&token, owner, at));
        };
        // Another analyst's many uploads push out only their own oldest.
        for i in 0..(PER_USER + 3) {
            put(&mut held, format!("b{i}"), 2, now);
        }
        let tokens = |held: &Vec<Waiting>| held.iter().map(|w| w.token.clone()).collect::<Vec<_>>();
        let mut expected = vec!["a0".to_owned()];
        expected.extend((3..PER_USER + 3).map(|i| format!("b{i}")));
        assert_eq!(tokens(&held), expected);
        // Past the overall bound the oldest of anyone goes.
        for owner in 10..10 + MAX_WAITING as i64 {
            put(&mut held, format!("u{owner}"), owner, now);
        }
        assert_eq!(held.len(), MAX_WAITING);
        assert!(!tokens(&held).contains(&"a0".to_owned()));
        // Expired ones go first, whoever's they are.
        let later = now + UPLOAD_TTL.as_millis() as i64;
        put(&mut held, "late".into(), 99, later);
        assert_eq!(tokens(&held), vec!["late".to_owned()]);
    }

    fn times(token: &str, started_at: i64, finished_at: Option<i64>) -> JobTimes {
        JobTimes {
            token: token.into(),
            started_at,
            finished_at,
        }
    }

    #[test]
    fn finished_jobs_are_pruned_running_ones_kept_until_abandoned() {
        let now = 10_000_000;
        let mut jobs = vec![times("running", now, None)];
        jobs.extend(
            (0..MAX_FINISHED + 5).map(|i| times(&format!("j{i}"), now, Some(now + i as i64))),
        );
        let end = now + MAX_FINISHED as i64 + 5;
        let forget = jobs_to_forget(&jobs, end);
        assert_eq!(forget, (0..5).map(|i| format!("j{i}")).collect::<Vec<_>>());
        let expired = jobs_to_forget(&jobs, end + JOB_TTL.as_millis() as i64);
        assert_eq!(expired.len(), MAX_FINISHED + 5);
        assert!(!expired.contains(&"running".to_owned()));
        let abandoned = jobs_to_forget(&jobs[..1], now + RUNNING_TTL.as_millis() as i64);
        assert_eq!(abandoned, vec!["running".to_owned()]);
    }
}
