//! The pages a bulk write puts in the file sent to the disk while it
//! runs, not all at its commit: the operating system keeps written pages
//! in memory until they are synced, and a city's OCDS import left half a
//! gigabyte for the commit's `fsync` (0.4 s of its 8 with both cores
//! idle).

use std::fs::File;
use std::path::Path;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

/// How often the file is synced while the write runs.
const EVERY: Duration = Duration::from_millis(200);

/// Runs `f` while a thread syncs the file at `path` every [`EVERY`]
/// through a handle of its own; the handle is closed once `f` returns.
/// `f` must have ended its transaction by then: closing any handle of a
/// file drops the locks the process holds on it (POSIX), SQLite's too.
/// Without a file to sync (`None`, or one that does not open), `f` just
/// runs.
pub(crate) fn while_writing<T>(path: Option<&Path>, f: impl FnOnce() -> T) -> T {
    let Some(file) = path.and_then(|p| File::open(p).ok()) else {
        return f();
    };
    let (stop, stopped) = mpsc::channel::<()>();
    let syncing = thread::spawn(move || {
        while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(EVERY) {
            // Only early: SQLite syncs what it commits itself.
            let _ = file.sync_data();
        }
        drop(file);
    });
    let out = f();
    drop(stop);
    let _ = syncing.join();
    out
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    /// Synced meanwhile, the file keeps every byte written; with nothing
    /// to sync, the write still runs.
    #[test]
    fn the_write_runs_and_the_file_keeps_what_it_wrote() {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        let path = file.path().to_owned();
        let written = super::while_writing(Some(&path), || {
            for _ in 0..3 {
                file.write_all(&[7u8; 4096]).unwrap();
                std::thread::sleep(super::EVERY);
            }
            42
        });
        assert_eq!(
            (written, std::fs::read(&path).unwrap()),
            (42, vec![7u8; 3 * 4096])
        );
        assert_eq!(super::while_writing(None, || 1), 1);
        assert_eq!(
            super::while_writing(Some(&path.with_extension("none")), || 2),
            2
        );
    }
}
