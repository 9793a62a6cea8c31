//! Public contracts in OCDS: every release as published, kept once per
//! (ocid, release identity), and each process's compiled release, made
//! again by [`lumbung_procurement::ocds::compile`] whenever a release of
//! the process arrives.

mod assessments;
mod blocks;
mod business;
mod charters;
mod evaluations;
mod multiplier;
mod opportunities;
mod processes;
mod scenarios;
pub(crate) mod schema;
mod social_value;
mod surveys;
mod tenders;

pub use assessments::{NewScore, ScoreRecord, ScoresKept};
pub(crate) use blocks::pack_all as pack_releases;
pub use business::{AwardTo, BusinessCount, BusinessImportSummary, BusinessView, PaymentsTo};
pub use charters::{Charter, CharterSummary, CharterYear};
pub use evaluations::{Award, DeliveryReport, EvaluationVersion, VersionInput};
pub use multiplier::SpendSelection;
pub(crate) use processes::{derive_all, merge_supplier};
pub use scenarios::SavedScenario;
pub use social_value::ProxyImport;
pub use surveys::{InvitationView, SurveyNotice, SurveyQueued, SurveySummary};
pub use tenders::{NoticeStatus, OutboxNotice, Queued, TenderMatches};

use crate::audit::{self, Actor};
use crate::db::{params, Transaction};
use crate::spend::SupplierResolver;
use crate::{Result, Store, StoreError};
use lumbung_domain::text;
use lumbung_procurement::contracts::{Filter, Placing, Report};
use lumbung_procurement::ocds::{parallel, read_kept, unpacked, Kept};
use serde::Serialize;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::cell::Cell;

/// What an OCDS import stored and skipped.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OcdsImportSummary {
    /// Releases stored.
    pub releases: u64,
    /// Processes whose compiled release was made again.
    pub processes: u64,
    /// Releases held already (same ocid and id, or the same content when
    /// the release has no id), skipped even when their bytes differ.
    pub skipped: Vec<SkippedRelease>,
}

/// A release held already.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkippedRelease {
    pub file: String,
    pub ocid: String,
    pub identity: String,
}

impl Store {
    /// Stores the releases of OCDS files (name and bytes, every file read
    /// by [`lumbung_procurement::ocds::read_kept`] before anything is
    /// stored), all or nothing: a refused file refuses the whole import.
    /// Each process the new releases touch is compiled again as its
    /// releases are stored.
    pub fn import_ocds<B: AsRef<[u8]>>(
        &self,
        files: &[(String, B)],
        actor: &Actor,
    ) -> Result<OcdsImportSummary> {
        let mut conn = self.conn()?;
        self.written_once(&mut conn, |conn| {
            crate::sql::with_cache(conn, IMPORT_CACHE_MIB, |conn| {
                crate::sql::foreign_keys_at_end(conn, |conn| {
                    let unnamed = Cell::new(false);
                    let scanned =
                        crate::write_on(conn, |tx| import_tx(tx, files, actor, Some(&unnamed)));
                    if !unnamed.get() {
                        return scanned;
                    }
                    // A release only scanned is not what its scan said
                    // (rolled back): the files are read again, checking,
                    // which refuses them with their problems.
                    crate::write_on(conn, |tx| import_tx(tx, files, actor, None))
                })
            })
        })
    }

    /// The compiled release of `ocid`, if a release of it is held.
    pub fn ocds_compiled(&self, ocid: &str) -> Result<Option<Map<String, Value>>> {
        processes::compiled_release(&*self.conn()?, ocid)
    }

    /// The contracts report (`lumbung procurement report`): the processes
    /// `filter` keeps, each supplier placed by the postcode map against
    /// `local` and `region` (area codes; the spend settings' when `local`
    /// is not given).
    pub fn procurement_report(
        &self,
        filter: &Filter,
        local: Option<&str>,
        region: Option<&str>,
    ) -> Result<Report> {
        let settings = self.spend_settings()?;
        let (local, region) = match local {
            Some(local) => (local.to_owned(), region.map(str::to_owned)),
            None => match settings.local {
                Some(local) => (local, settings.region),
                None => {
                    return Err(StoreError::invalid(
                        "local",
                        text!("procurement_needs_local";
                            id: "wilayah lokal belum ditetapkan: pakai --local AREA (atau spend settings --local)",
                            en: "no local area is set: give --local AREA (or spend settings --local)"),
                    ))
                }
            },
        };
        let path_of = |field: &str, code: &str| -> Result<String> {
            match self.area_path(code.trim())? {
                Some(path) => Ok(path.as_str().to_owned()),
                None => Err(StoreError::invalid(
                    field,
                    text!("unknown_area", area = code; id: "wilayah {area} tidak ada", en: "no area {area}"),
                )),
            }
        };
        let local = path_of("local", &local)?;
        let region = match region {
            Some(region) => path_of("region", &region)?,
            None => local.clone(),
        };
        let placing = Placing {
            local,
            region,
            located: Default::default(),
        };
        let conn = self.conn()?;
        let prefixes = self.postcode_paths(&conn)?;
        processes::report(&conn, &prefixes, filter, &placing).map_err(|e| match e {
            processes::ReportError::Store(e) => e,
            processes::ReportError::Overflow(e) => StoreError::invalid(
                "amount",
                text!("procurement_sum_overflow", currency = e.currency;
                    id: "jumlah nilai kontrak dalam {currency} terlalu besar",
                    en: "the awarded value in {currency} is too large to add up"),
            ),
        })
    }
}

/// The page cache of an OCDS import: the few pages of each index it
/// writes stay in memory instead of being read back (2 MiB by default; 32
/// MiB took the city's import from 13.8 to 13.0 s, more was no faster).
const IMPORT_CACHE_MIB: i64 = 32;

/// The import of `files`: with `unnamed`, their JSON Lines only scanned
/// for what names each release ([`read_kept`] `scanned`), each checked
/// whole as its process is compiled; a release that is not what its scan
/// said sets `unnamed` and fails the import (to be read again, checking).
fn import_tx<B: AsRef<[u8]>>(
    tx: &Transaction<'_>,
    files: &[(String, B)],
    actor: &Actor,
    unnamed: Option<&Cell<bool>>,
) -> Result<OcdsImportSummary> {
    let bodies = files
        .iter()
        .map(|(file, bytes)| unpacked(file, bytes.as_ref()))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    // Every release of every file read (and checked, or scanned) before
    // any is stored (a refused file refuses the import), each with its
    // file and place.
    let threads = parallel::threads();
    let mut kept: Vec<Arrived<'_>> = Vec::new();
    for (file, ((name, _), body)) in files.iter().zip(&bodies).enumerate() {
        read_kept(name, body, threads, unnamed.is_some(), |release| {
            kept.push(Arrived { file, release })
        })?;
    }
    let imports = files
        .iter()
        .map(|(name, _)| {
            tx.query_row(
                "INSERT INTO ocds_imports (file_name, releases, skipped, imported_at, imported_by) VALUES (?1, 0, 0, ?2, ?3) RETURNING id",
                params![name, crate::now(), actor.label()],
                |r| r.get::<_, i64>(0),
            )
        })
        .collect::<crate::db::Result<Vec<i64>>>()?;
    // Whether any release was held before this import (a fresh database
    // reads nothing back).
    let held_before = tx.query_row(
        "SELECT count(*) FROM (SELECT 1 FROM ocds_release_chunks LIMIT 1) AS one",
        [],
        |r| r.get::<_, i64>(0),
    )? > 0;
    // In ocid order, each process's releases in the order they came: each
    // table's rows go to the end of its index.
    let order = by_ocid(&kept);
    let mut counts = vec![(0i64, 0i64); files.len()];
    let mut skipped: Vec<(usize, SkippedRelease)> = Vec::new();
    let mut derived = 0u64;
    let mut processes_read = order.processes();
    let mut chunks = blocks::Chunks::default();
    // Each process with a new release: the releases held of it read back
    // first, then the new ones (the files' own text) after them; it is
    // compiled, and its new releases packed, on the workers while the
    // next ones are read.
    let processes = std::iter::from_fn(|| loop {
        let process = processes_read.next()?;
        let ocid = kept[process[0]].release.ocid.clone().into_owned();
        let mut seen = blocks::Identities::default();
        let (mut texts, mut held_chunks) = (Vec::new(), Vec::new());
        if held_before {
            match chunks.held(tx, &ocid) {
                Ok((held, ids)) => {
                    for h in held {
                        seen.insert(Cow::Owned(h.identity));
                        texts.push(Cow::Owned(h.text));
                    }
                    held_chunks = ids;
                }
                Err(e) => return Some(Err(e)),
            }
        }
        let held = !texts.is_empty();
        let (mut new, mut checks) = (Vec::new(), Vec::new());
        for &at in process {
            // Each release is taken once: what it leaves is never read.
            let file = kept[at].file;
            let release = std::mem::take(&mut kept[at].release);
            if seen.insert(release.identity.clone()) {
                counts[file].0 += 1;
                new.push(blocks::NewRelease {
                    import: imports[file],
                    identity: release.identity,
                    date: release.date,
                    checked: release.checked,
                });
                texts.push(release.text);
            } else {
                let identity = if release.checked {
                    release.identity.into_owned()
                } else {
                    // Skipped, yet checked whole.
                    let identity = release.identity.to_string();
                    checks.push(release);
                    identity
                };
                counts[file].1 += 1;
                skipped.push((
                    at,
                    SkippedRelease {
                        file: files[file].0.clone(),
                        ocid: ocid.clone(),
                        identity,
                    },
                ));
            }
        }
        if new.is_empty() && checks.is_empty() {
            // Every release of it held already: nothing to compile again.
            continue;
        }
        derived += u64::from(!new.is_empty());
        return Some(Ok(processes::Touched {
            ocid,
            texts,
            new,
            checks,
            chunks: held_chunks,
            held,
        }));
    });
    let mut resolver = SupplierResolver::new(tx);
    resolver.company_numbers = true;
    let derived_all = processes::derive_many(tx, &mut resolver, processes)?;
    drop(resolver);
    if let (processes::Derived::Unnamed, Some(unnamed)) = (derived_all, unnamed) {
        unnamed.set(true);
        return Err(StoreError::Conflict(text!("ocds_release_not_as_scanned";
            id: "sebuah rilis tidak seperti yang terbaca di awalnya; berkas dibaca ulang",
            en: "a release is not what its first reading said; the files are read again")));
    }
    for ((stored, skipped), import) in counts.iter().zip(&imports) {
        tx.execute(
            "UPDATE ocds_imports SET releases = ?1, skipped = ?2 WHERE id = ?3",
            params![stored, skipped, import],
        )?;
    }
    skipped.sort_unstable_by_key(|(at, _)| *at);
    let summary = OcdsImportSummary {
        releases: counts.iter().map(|(stored, _)| *stored as u64).sum(),
        processes: derived,
        skipped: skipped.into_iter().map(|(_, s)| s).collect(),
    };
    // The rows written refer to others (`foreign_keys_at_end`); the
    // releases only to this import's own rows of `ocds_imports`.
    crate::sql::foreign_keys_hold(tx, &["ocds_supplier_processes", "tenders"])?;
    if summary.releases > 0 {
        audit::record(
            tx,
            actor,
            "procurement.import_ocds",
            "ocds",
            &summary.releases.to_string(),
            None,
            serde_json::json!({"releases": summary.releases, "processes": summary.processes, "skipped": summary.skipped.len()}),
        )?;
    }
    Ok(summary)
}

/// A release read, with the file it came from.
struct Arrived<'a> {
    file: usize,
    release: Kept<'a>,
}

/// Where each release stands (its index in `releases`, where it came
/// among the import's releases) in ocid order, each process's releases
/// in the order they came. Each is ordered first by the 8 bytes of its
/// ocid after the prefix every ocid shares, as a number, and only
/// releases alike in those by their whole ocid: a city's million ocids,
/// alike for their first dozen bytes, compared whole took a twentieth of
/// its import. The releases stay where they are (moving a million of
/// them into order was a pass of its own).
fn by_ocid(releases: &[Arrived<'_>]) -> ByOcid {
    let Some(first) = releases.first().map(|a| a.release.ocid.as_bytes()) else {
        return ByOcid::default();
    };
    let shared = releases.iter().fold(first.len(), |shared, a| {
        let ocid = a.release.ocid.as_bytes();
        (first[..shared].iter().zip(ocid))
            .take_while(|(x, y)| x == y)
            .count()
    });
    // Bytes past an ocid's end count as 0: an ocid before another by its
    // bytes is never after it by its number.
    let number = |ocid: &str| {
        let rest = &ocid.as_bytes()[shared..];
        let mut bytes = [0u8; 8];
        let n = rest.len().min(8);
        bytes[..n].copy_from_slice(&rest[..n]);
        u64::from_be_bytes(bytes)
    };
    // Where each came breaks a tie: the order they came in is kept.
    let mut order: Vec<(u64, usize)> = (releases.iter().enumerate())
        .map(|(at, a)| (number(&a.release.ocid), at))
        .collect();
    order.sort_unstable();
    let ocid = |at: usize| releases[at].release.ocid.as_ref();
    // Where each process ends, found while its ocids are still in the
    // cache: told apart later, a million ocids compared from all over
    // memory took a fortieth of the import.
    let mut ends = Vec::new();
    let mut end = 0;
    for alike in order.chunk_by_mut(|a, b| a.0 == b.0) {
        if alike.len() > 1 {
            alike.sort_unstable_by(|a, b| (ocid(a.1), a.1).cmp(&(ocid(b.1), b.1)));
            for process in alike.chunk_by(|a, b| ocid(a.1) == ocid(b.1)) {
                end += process.len();
                ends.push(end);
            }
        } else {
            end += 1;
            ends.push(end);
        }
    }
    ByOcid {
        order: order.into_iter().map(|(_, at)| at).collect(),
        ends,
    }
}

/// Releases in ocid order (where each lies among those read), and where
/// each process's run of them ends in that order.
#[derive(Debug, Default)]
struct ByOcid {
    order: Vec<usize>,
    ends: Vec<usize>,
}

impl ByOcid {
    /// Each process's releases, in the order they came.
    fn processes(&self) -> impl Iterator<Item = &[usize]> {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts
            .zip(&self.ends)
            .map(|(start, &end)| &self.order[start..end])
    }
}

#[cfg(test)]
mod scanned_tests;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::store;
    use std::borrow::Cow;

    fn actor() -> Actor {
        Actor::Cli {
            os_user: "test".into(),
        }
    }

    fn supplier_named(s: &Store, name: &str) -> lumbung_domain::SupplierId {
        let conn = s.conn().unwrap();
        let sql = "SELECT id FROM suppliers WHERE name = ?1";
        lumbung_domain::SupplierId::new(conn.query_row(sql, [name], |r| r.get(0)).unwrap())
    }

    /// How many (supplier, process) pairs say who was awarded what.
    fn supplier_process_pairs(s: &Store) -> i64 {
        let conn = s.conn().unwrap();
        let sql = "SELECT count(*) FROM ocds_supplier_processes";
        conn.query_row(sql, [], |r| r.get(0)).unwrap()
    }

    #[test]
    fn releases_are_kept_once_and_a_later_one_updates_the_compiled_view() {
        let (_d, s) = store();
        let first = br#"{"releases": [
            {"ocid": "o-1", "id": "1", "date": "2024-01-01", "tag": ["tender"], "tender": {"status": "active", "title": "Lamps"}},
            {"ocid": "o-2", "date": "2024-01-05", "tender": {"status": "active"}}
        ]}"#;
        let read_file = |name: &str, bytes: &[u8]| (name.to_owned(), bytes.to_vec());
        let summary = s
            .import_ocds(&[read_file("a.json", first)], &actor())
            .unwrap();
        assert_eq!(
            (summary.releases, summary.processes, summary.skipped.len()),
            (2, 2, 0)
        );
        // The same file again changes nothing; a release with a held id
        // is skipped even when its bytes differ.
        let again = s
            .import_ocds(&[read_file("a.json", first)], &actor())
            .unwrap();
        assert_eq!(
            (again.releases, again.skipped.len(), again.processes),
            (0, 2, 0)
        );
        let changed = br#"{"ocid": "o-1", "id": "1", "date": "2024-01-01", "tender": {"status": "cancelled"}}"#;
        let skipped = s
            .import_ocds(&[read_file("b.json", changed)], &actor())
            .unwrap();
        assert_eq!(
            skipped.skipped[0],
            SkippedRelease {
                file: "b.json".into(),
                ocid: "o-1".into(),
                identity: "1".into()
            }
        );
        assert_eq!(
            s.ocds_compiled("o-1").unwrap().unwrap()["tender"]["status"],
            "active"
        );
        // A later release updates the compiled view.
        let update = br#"{"ocid": "o-1", "id": "2", "date": "2024-02-01", "tag": ["tenderUpdate"], "tender": {"status": "complete"}}"#;
        s.import_ocds(&[read_file("c.json", update)], &actor())
            .unwrap();
        let compiled = s.ocds_compiled("o-1").unwrap().unwrap();
        assert_eq!(
            Value::Object(compiled.clone())["tender"],
            serde_json::json!({"status": "complete", "title": "Lamps"})
        );
        assert_eq!(compiled["id"], "o-1-2024-02-01");
        assert!(s.ocds_compiled("o-3").unwrap().is_none());
    }

    /// An award kept in its process's row shows on its suppliers' pages,
    /// one with two suppliers on each; an `awardUpdate` taking its
    /// suppliers away (`null`, as the merge rules remove a field) takes it
    /// from their pages.
    #[test]
    fn an_award_whose_suppliers_are_removed_leaves_their_awards() {
        let (_d, s) = store();
        let first = br#"{"ocid": "o-1", "id": "1", "date": "2024-01-01", "buyer": {"name": "Preston City Council"},
            "parties": [{"id": "A", "name": "Alpha Ltd"}, {"id": "B", "name": "Beta Ltd"}],
            "awards": [{"id": "X", "status": "active", "value": {"amount": 5, "currency": "GBP"}, "suppliers": [{"id": "A"}]},
                       {"id": "Y", "status": "active", "value": {"amount": 7, "currency": "GBP"}, "suppliers": [{"id": "A"}, {"id": "B"}]}]}"#;
        let read_file = |name: &str, bytes: &[u8]| (name.to_owned(), bytes.to_vec());
        s.import_ocds(&[read_file("a.json", first)], &actor())
            .unwrap();
        let id = |name: &str| supplier_named(&s, name);
        let (alpha, beta) = (id("Alpha Ltd"), id("Beta Ltd"));
        let awards = |supplier| -> Vec<(String, Option<String>, Option<i64>)> {
            s.awards_to(supplier)
                .unwrap()
                .into_iter()
                .map(|a| (a.ocid, a.award, a.value.map(|m| m.minor())))
                .collect()
        };
        let x = ("o-1".to_owned(), Some("X".to_owned()), Some(500));
        let y = ("o-1".to_owned(), Some("Y".to_owned()), Some(700));
        assert_eq!(awards(alpha), vec![x.clone(), y.clone()]);
        assert_eq!(awards(beta), vec![y.clone()]);
        let update = br#"{"ocid": "o-1", "id": "2", "date": "2024-02-01", "tag": ["awardUpdate"],
            "awards": [{"id": "Y", "suppliers": null}]}"#;
        s.import_ocds(&[read_file("b.json", update)], &actor())
            .unwrap();
        assert_eq!(awards(alpha), vec![x]);
        assert_eq!(awards(beta), vec![]);
        let pairs = supplier_process_pairs(&s);
        assert_eq!(pairs, 1);
    }

    /// Suppliers merged by hand are one supplier in the awards too: its
    /// awards on the kept supplier's page, counted once in the report.
    #[test]
    fn a_merge_of_suppliers_moves_their_awards() {
        let (_d, s) = store();
        let release = |ocid: &str, parties: &[&str]| {
            let list: Vec<String> = parties
                .iter()
                .map(|p| format!(r#"{{"id": "{p}", "name": "{p}"}}"#))
                .collect();
            let refs: Vec<String> = parties
                .iter()
                .map(|p| format!(r#"{{"id": "{p}"}}"#))
                .collect();
            format!(
                r#"{{"ocid": "{ocid}", "id": "1", "date": "2024-01-01", "buyer": {{"name": "Preston City Council"}},
                "parties": [{}], "awards": [{{"id": "A", "status": "active",
                "value": {{"amount": 10, "currency": "GBP"}}, "suppliers": [{}]}}]}}"#,
                list.join(", "),
                refs.join(", ")
            )
        };
        let lines = [
            release("o-1", &["Alpha Joinery"]),
            release("o-2", &["Beta Roofing"]),
            release("o-3", &["Alpha Joinery", "Beta Roofing"]),
        ]
        .join("\n");
        s.import_ocds(&[("a.jsonl".to_owned(), lines.into_bytes())], &actor())
            .unwrap();
        let id = |name: &str| supplier_named(&s, name);
        let (alpha, beta) = (id("Alpha Joinery"), id("Beta Roofing"));
        let processes = |supplier| -> Vec<String> {
            let mut ocids: Vec<String> = s
                .awards_to(supplier)
                .unwrap()
                .into_iter()
                .map(|a| a.ocid)
                .collect();
            ocids.sort();
            ocids
        };
        // The distinct suppliers the report's facts name.
        let suppliers = || {
            let conn = s.conn().unwrap();
            let facts: Vec<Vec<u8>> =
                crate::sql::all(&conn, "SELECT facts FROM ocds_processes", [], |r| r.get(0))
                    .unwrap();
            let mut named = std::collections::BTreeSet::new();
            for bytes in &facts {
                for a in lumbung_procurement::contracts::Facts::decode(bytes)
                    .unwrap()
                    .awards
                {
                    named.extend(a.suppliers.iter().map(|s| format!("{:?}", s.who)));
                }
            }
            named.len()
        };
        assert_eq!(suppliers(), 2);
        s.merge_suppliers(alpha, beta, &actor()).unwrap();
        assert_eq!(processes(alpha), ["o-1", "o-2", "o-3"]);
        assert!(processes(beta).is_empty());
        assert_eq!(suppliers(), 1);
        let pairs = supplier_process_pairs(&s);
        assert_eq!(pairs, 3);
    }

    /// From the CLI the import holds the file alone: written once, the WAL
    /// left empty, the file back in WAL after; the releases as kept.
    #[test]
    fn an_import_holding_the_file_alone_writes_it_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let s = Store::open_alone(&path, std::time::Duration::from_secs(5)).unwrap();
        let bytes =
            br#"{"ocid": "o-1", "id": "1", "date": "2024-01-01", "tender": {"status": "active"}}"#;
        let summary = s
            .import_ocds(&[("a.json".into(), bytes.to_vec())], &actor())
            .unwrap();
        assert_eq!((summary.releases, summary.processes), (1, 1));
        let mut wal = path.as_os_str().to_owned();
        wal.push("-wal");
        assert_eq!(std::fs::metadata(&wal).map_or(0, |m| m.len()), 0);
        let raw = rusqlite::Connection::open(&path).unwrap();
        let mode: String = raw
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        assert!(s.ocds_compiled("o-1").unwrap().is_some());
    }

    /// Sorted by ocid: each process's releases in the order they came.
    #[test]
    fn releases_sort_by_ocid_keeping_their_order_within_a_process() {
        // Ocids alike far beyond their first 8 bytes after the shared
        // prefix, ones ending where others go on (with a 0 byte, or
        // digits), and ones told apart in their 8 bytes.
        let ocids = |k: usize| match k % 5 {
            0 => format!("ocds-x-{}", k % 997),
            1 => format!("ocds-x-00000000000000-{}", k % 89),
            2 => format!("ocds-x-00000000000000-{}\0", k % 89),
            3 => format!("ocds-x-0000000000000{}", k % 7),
            _ => format!("ocds-x-{}", (k * 31) % 13),
        };
        let releases: Vec<Arrived<'static>> = (0..40_000usize)
            .map(|at| Arrived {
                file: at % 3,
                release: Kept {
                    ocid: Cow::Owned(ocids((at * 7919) % 4001)),
                    identity: at.to_string().into(),
                    date: Cow::Borrowed(""),
                    text: Cow::Borrowed("{}"),
                    checked: true,
                },
            })
            .collect();
        let mut expected: Vec<(String, usize)> = (releases.iter().enumerate())
            .map(|(at, a)| (a.release.ocid.to_string(), at))
            .collect();
        expected.sort_by(|a, b| a.0.cmp(&b.0));
        let by = by_ocid(&releases);
        let got: Vec<(String, usize)> = (by.order.iter())
            .map(|&at| (releases[at].release.ocid.to_string(), at))
            .collect();
        assert_eq!(got, expected);
        // One run for each ocid, of it alone.
        let runs: Vec<&str> = (by.processes())
            .map(|run| {
                let ocid = releases[run[0]].release.ocid.as_ref();
                assert!(run.iter().all(|&at| releases[at].release.ocid == ocid));
                ocid
            })
            .collect();
        let mut distinct: Vec<&str> = expected.iter().map(|(o, _)| o.as_str()).collect();
        distinct.dedup();
        assert_eq!(runs, distinct);
        assert_eq!(by_ocid(&[]).processes().count(), 0);
    }

    /// A database made before the typed tables (schema 18; 19 with the
    /// compiled release beside them; 20 without the facts) opens with every
    /// process's typed rows and facts derived, its compiled release made
    /// from its releases (no longer kept, from 39).
    #[test]
    fn databases_with_releases_from_before_migrate_with_their_processes_derived() {
        for version in [18usize, 19, 20] {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("old.db");
            {
                let conn = rusqlite::Connection::open(&path).unwrap();
                for sql in &crate::schema::MIGRATIONS[..version] {
                    conn.execute_batch(sql).unwrap();
                }
                conn.execute_batch(&format!(
                    "PRAGMA application_id = {}; PRAGMA user_version = {version};",
                    crate::APPLICATION_ID
                ))
                .unwrap();
                let release = r#"{"ocid": "o-1", "id": "1", "date": "2024-01-01", "buyer": {"name": "Preston City Council"},
                    "parties": [{"id": "S", "name": "Joinery Ltd", "address": {"postalCode": "PR1 2HE"}}],
                    "awards": [{"id": "A", "status": "active", "value": {"amount": 5, "currency": "GBP"}, "suppliers": [{"id": "S"}]}]}"#;
                conn.execute_batch(&format!(
                    "INSERT INTO ocds_imports VALUES (1, 'a.json', 1, 0, '2024-01-01', 'test');
                     INSERT INTO ocds_releases VALUES (1, 'o-1', '1', '2024-01-01', '{}', 1);
                     {}",
                    release.replace('\'', "''"),
                    if version < 20 {
                        "INSERT INTO ocds_processes (ocid, compiled) VALUES ('o-1', '{}');"
                    } else {
                        "INSERT INTO ocds_processes (ocid) VALUES ('o-1');
                         INSERT INTO ocds_compiled (ocid, compiled) VALUES ('o-1', '{}');"
                    }
                ))
                .unwrap();
            }
            let s = Store::open(&path).unwrap();
            assert_eq!(
                s.schema_version().unwrap(),
                crate::schema::MIGRATIONS.len() as i64
            );
            let compiled = s.ocds_compiled("o-1").unwrap().unwrap();
            assert_eq!(
                compiled["buyer"]["name"], "Preston City Council",
                "from {version}"
            );
            let conn = s.conn().unwrap();
            let (buyer, awards, facts): (String, Vec<u8>, bool) = conn
                .query_row(
                    "SELECT buyer, awards, length(facts) > 0 FROM ocds_processes",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .unwrap();
            let awards = lumbung_procurement::contracts::Award::decode_all(&awards).unwrap();
            let supplier = awards[0].suppliers[0].supplier.unwrap();
            assert_eq!(
                (
                    buyer.as_str(),
                    awards[0].value.as_ref().map(|(m, _)| m.minor()),
                    awards[0].suppliers[0].name.as_str(),
                    facts
                ),
                ("Preston City Council", Some(500), "Joinery Ltd", true),
                "from {version}"
            );
            let awarded: i64 = conn
                .query_row(
                    "SELECT supplier_id FROM ocds_supplier_processes WHERE ocid = 'o-1'",
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(awarded, supplier.get(), "from {version}");
        }
    }

    /// A database of schema 49 keeps its releases a row each: they move
    /// into their processes' blocks (50), then into chunks (56), a chunk
    /// for each import shared by the processes, in the order they came;
    /// a later import finds them held.
    #[test]
    fn releases_kept_a_row_each_move_into_chunks_and_stay_held() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        {
            let mut conn = rusqlite::Connection::open(&path).unwrap();
            for sql in &crate::schema::MIGRATIONS[..49] {
                conn.execute_batch(sql).unwrap();
            }
            conn.execute_batch(&format!(
                "PRAGMA application_id = {}; PRAGMA user_version = 49;",
                crate::APPLICATION_ID
            ))
            .unwrap();
            let tx = conn.transaction().unwrap();
            tx.execute_batch(
                "INSERT INTO ocds_imports VALUES (1, 'a.json', 2, 0, '2024-01-01', 'test');
                 INSERT INTO ocds_imports VALUES (2, 'b.json', 1, 0, '2024-02-01', 'test');",
            )
            .unwrap();
            for (id, ocid, identity, release, import) in [
                (
                    1,
                    "o-1",
                    "1",
                    r#"{"ocid": "o-1", "id": "1", "date": "2024-01-01", "tender": {"title": "Lamps", "status": "active"}}"#,
                    1,
                ),
                (
                    2,
                    "o-2",
                    "1",
                    r#"{"ocid": "o-2", "id": "1", "date": "2024-01-02", "tender": {"title": "Chairs"}}"#,
                    1,
                ),
                (
                    3,
                    "o-1",
                    "2",
                    r#"{"ocid": "o-1", "id": "2", "date": "2024-02-01", "tender": {"status": "complete"}}"#,
                    2,
                ),
            ] {
                tx.execute(
                    "INSERT INTO ocds_releases VALUES (?1, ?2, ?3, '', ?4, ?5)",
                    rusqlite::params![id, ocid, identity, release, import],
                )
                .unwrap();
            }
            tx.commit().unwrap();
        }
        let s = Store::open(&path).unwrap();
        let conn = s.conn().unwrap();
        let chunks: Vec<(i64, i64, i64)> = crate::sql::all(
            &conn,
            "SELECT id, import_id, releases FROM ocds_release_chunks ORDER BY id",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
        assert_eq!(chunks, [(1, 1, 2), (2, 2, 1)]);
        let listed: Vec<(String, Vec<u8>)> = crate::sql::all(
            &conn,
            "SELECT ocid, chunks FROM ocds_processes ORDER BY ocid",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
        assert_eq!(
            listed,
            [
                ("o-1".into(), blocks::encode_chunks(&[1, 2])),
                ("o-2".into(), blocks::encode_chunks(&[1]))
            ]
        );
        let old: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master
                 WHERE name IN ('ocds_releases', 'ocds_release_blocks')",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(old, 0);
        drop(conn);
        let compiled = s.ocds_compiled("o-1").unwrap().unwrap();
        assert_eq!(compiled["tender"]["title"], "Lamps");
        assert_eq!(compiled["tender"]["status"], "complete");
        assert_eq!(compiled["id"], "o-1-2024-02-01");

        let again = br#"[{"ocid": "o-1", "id": "2", "date": "2024-02-01", "tender": {"status": "changed bytes"}},
                         {"ocid": "o-1", "id": "3", "date": "2024-03-01", "tender": {"title": "Lamps and posts"}}]"#;
        let summary = s
            .import_ocds(&[("c.json".into(), again.to_vec())], &actor())
            .unwrap();
        assert_eq!(summary.releases, 1);
        assert_eq!(
            summary.skipped,
            [SkippedRelease {
                file: "c.json".into(),
                ocid: "o-1".into(),
                identity: "2".into()
            }]
        );
        let compiled = s.ocds_compiled("o-1").unwrap().unwrap();
        assert_eq!(compiled["tender"]["title"], "Lamps and posts");
        assert_eq!(compiled["tender"]["status"], "complete");
        let last: (i64, Vec<u8>) = s
            .conn()
            .unwrap()
            .query_row(
                "SELECT releases, chunks FROM ocds_processes WHERE ocid = 'o-1'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(last, (3, blocks::encode_chunks(&[1, 2, 3])));
        let o2 = s.ocds_compiled("o-2").unwrap().unwrap();
        assert_eq!(o2["tender"]["title"], "Chairs");
    }

    /// One import of two files: a process's new releases from each file
    /// are in a chunk of their own, in the order the files came; a release
    /// met again in the second file is skipped.
    #[test]
    fn each_file_of_an_import_packs_its_own_chunk() {
        let (_d, s) = store();
        let a =
            br#"{"ocid": "o-1", "id": "1", "date": "2024-01-01", "tender": {"title": "Lamps"}}"#;
        let b = br#"[{"ocid": "o-1", "id": "1", "date": "2024-01-01"},
                     {"ocid": "o-1", "id": "2", "date": "2024-02-01", "tender": {"title": "Posts"}},
                     {"ocid": "o-1", "id": "3", "date": "2024-03-01", "tender": {"status": "active"}}]"#;
        let summary = s
            .import_ocds(
                &[("a.json".into(), a.to_vec()), ("b.json".into(), b.to_vec())],
                &actor(),
            )
            .unwrap();
        assert_eq!((summary.releases, summary.skipped.len()), (3, 1));
        let chunks: Vec<(String, i64)> = crate::sql::all(
            &s.conn().unwrap(),
            "SELECT i.file_name, c.releases FROM ocds_release_chunks c
             JOIN ocds_imports i ON i.id = c.import_id ORDER BY c.id",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
        assert_eq!(chunks, [("a.json".into(), 1), ("b.json".into(), 2)]);
        let compiled = s.ocds_compiled("o-1").unwrap().unwrap();
        assert_eq!(compiled["tender"]["title"], "Posts");
        assert_eq!(compiled["tender"]["status"], "active");
    }

    /// A process's releases from one file fill chunks of at most
    /// `CHUNK_TEXT` bytes of text each (a larger release alone), read
    /// back in the order they came.
    #[test]
    fn a_large_run_of_releases_splits_into_chunks() {
        let (_d, s) = store();
        let release = |i: usize, pad: usize| {
            format!(
                r#"{{"ocid": "o-1", "id": "{i}", "date": "2024-01-0{i}", "tender": {{"title": "T{i}", "description": "{}"}}}}"#,
                "x".repeat(pad)
            )
        };
        let lines = [
            release(1, 20),
            release(2, 20),
            release(3, 400),
            release(4, 20),
            release(5, 20),
        ];
        s.import_ocds(
            &[("a.jsonl".into(), lines.join("\n").into_bytes())],
            &actor(),
        )
        .unwrap();
        let chunks: Vec<(i64, i64)> = crate::sql::all(
            &s.conn().unwrap(),
            "SELECT id, releases FROM ocds_release_chunks ORDER BY id",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
        assert_eq!(chunks, [(1, 2), (2, 1), (3, 2)]);
        assert_eq!(
            s.ocds_compiled("o-1").unwrap().unwrap()["tender"]["title"],
            "T5"
        );
    }

    /// A process's row lists its chunks: one that holds none of its
    /// releases, or none at all, is damage, refused, not read as a
    /// process without releases.
    #[test]
    fn a_chunk_listed_wrongly_is_refused() {
        let (_d, s) = store();
        let a = br#"[{"ocid": "o-1", "id": "1", "date": "2024-01-01", "tender": {"title": "Lamps"}},
                     {"ocid": "o-2", "id": "1", "date": "2024-01-01", "tender": {"title": "Chairs"}}]"#;
        let b =
            br#"{"ocid": "o-3", "id": "1", "date": "2024-01-01", "tender": {"title": "Desks"}}"#;
        s.import_ocds(&[("a.json".into(), a.to_vec())], &actor())
            .unwrap();
        s.import_ocds(&[("b.json".into(), b.to_vec())], &actor())
            .unwrap();
        let list = |ocid: &str, ids: &[i64]| {
            s.conn()
                .unwrap()
                .execute(
                    "UPDATE ocds_processes SET chunks = ?1 WHERE ocid = ?2",
                    crate::db::params![blocks::encode_chunks(ids), ocid],
                )
                .unwrap();
        };
        list("o-1", &[2]);
        assert!(s.ocds_compiled("o-1").is_err());
        list("o-1", &[99]);
        assert!(s.ocds_compiled("o-1").is_err());
        list("o-1", &[1]);
        assert_eq!(
            s.ocds_compiled("o-1").unwrap().unwrap()["tender"]["title"],
            "Lamps"
        );
        assert_eq!(
            s.ocds_compiled("o-2").unwrap().unwrap()["tender"]["title"],
            "Chairs"
        );
    }
}
