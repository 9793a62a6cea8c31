//! Public contracts in OCDS: every release as published, kept once per
//! (ocid, release identity), and each process's compiled release, made
//! again by [`lumbung_procurement::ocds::compile`] whenever a release of
//! the process arrives.

mod assessments;
mod business;
mod charters;
mod evaluations;
mod multiplier;
mod opportunities;
mod processes;
mod scenarios;
mod social_value;
mod surveys;
mod tenders;

pub use assessments::{NewScore, ScoreRecord, ScoresKept};
pub use business::{AwardTo, BusinessCount, BusinessImportSummary, BusinessView, PaymentsTo};
pub use charters::{Charter, CharterSummary, CharterYear};
pub use evaluations::{Award, DeliveryReport, EvaluationVersion, VersionInput};
pub use multiplier::SpendSelection;
pub(crate) use processes::derive_all;
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
    /// Stores the releases of OCDS files (name and bytes, each read by
    /// [`lumbung_procurement::ocds::read_each`] as it is stored), all or
    /// nothing: a refused file undoes the whole import. Then compiles again
    /// each process the new releases touch.
    pub fn import_ocds(
        &self,
        files: &[(String, Vec<u8>)],
        actor: &Actor,
    ) -> Result<OcdsImportSummary> {
        let mut conn = self.conn()?;
        self.written_once(&mut conn, |conn| {
            crate::sql::with_cache(conn, IMPORT_CACHE_MIB, |conn| {
                crate::sql::foreign_keys_at_end(conn, |conn| {
                    crate::write_on(conn, |tx| import_tx(tx, files, actor))
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

fn import_tx(
    tx: &Transaction<'_>,
    files: &[(String, Vec<u8>)],
    actor: &Actor,
) -> Result<OcdsImportSummary> {
    let mut summary = OcdsImportSummary::default();
    let bodies = files
        .iter()
        .map(|(file, bytes)| unpacked(file, bytes))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    // Releases held before this import have ids up to `last_before`: a
    // process with one of them reads those back for its compile (an index
    // seek per process touched, nothing for a fresh database); the new ones
    // are compiled from the files' own text.
    let last_before: i64 =
        tx.query_row("SELECT coalesce(max(id), 0) FROM ocds_releases", [], |r| {
            r.get(0)
        })?;
    // A process's releases by its ocid; foldhash, keyed afresh in each
    // run, is several times faster than the standard hasher here.
    let mut new: foldhash::HashMap<String, Vec<Cow<'_, str>>> = Default::default();
    let threads = parallel::threads();
    for ((file, _), body) in files.iter().zip(&bodies) {
        let (mut stored, mut skipped) = (0i64, 0i64);
        let import: i64 = tx.query_row(
            "INSERT INTO ocds_imports (file_name, releases, skipped, imported_at, imported_by) VALUES (?1, 0, 0, ?2, ?3) RETURNING id",
            params![file, crate::now(), actor.label()], |r| r.get::<_, i64>(0),
        )?;
        let mut insert = tx.prepare(
            "INSERT INTO ocds_releases (ocid, identity, release_date, release, import_id) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (ocid, identity) DO NOTHING",
        )?;
        let mut failed = None;
        let read = read_kept(file, body, threads, |r: Kept<'_>| {
            if failed.is_some() {
                return;
            }
            match insert.execute(params![r.ocid, r.identity, r.date, r.text, import]) {
                Ok(0) => {
                    skipped += 1;
                    summary.skipped.push(SkippedRelease {
                        file: file.clone(),
                        ocid: r.ocid,
                        identity: r.identity,
                    });
                }
                Ok(_) => {
                    stored += 1;
                    new.entry(r.ocid).or_default().push(r.text);
                }
                Err(e) => failed = Some(e),
            }
        });
        if let Some(e) = failed {
            return Err(e.into());
        }
        read?;
        tx.execute(
            "UPDATE ocds_imports SET releases = ?1, skipped = ?2 WHERE id = ?3",
            params![stored, skipped, import],
        )?;
        summary.releases += stored as u64;
    }
    let mut resolver = SupplierResolver::new(tx);
    resolver.company_numbers = true;
    // In ocid order: each table's rows go to the end of its index.
    let mut touched: Vec<(String, Vec<Cow<'_, str>>)> = new.into_iter().collect();
    touched.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    summary.processes = touched.len() as u64;
    let processes = touched.into_iter().map(|(ocid, new)| {
        let mut texts = Vec::new();
        if last_before > 0 {
            texts = processes::texts_before(tx, &ocid, last_before)?;
        }
        let held = !texts.is_empty();
        texts.extend(new);
        Ok((ocid, texts, held))
    });
    processes::derive_many(tx, &mut resolver, processes)?;
    // The rows written refer to others (`foreign_keys_at_end`); the
    // releases only to this import's own rows of `ocds_imports`.
    crate::sql::foreign_keys_hold(tx, &["ocds_awards", "ocds_award_suppliers", "tenders"])?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::store;

    fn actor() -> Actor {
        Actor::Cli {
            os_user: "test".into(),
        }
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
        assert_eq!((again.releases, again.skipped.len()), (0, 2));
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

    /// A database from before the typed tables holds releases and
    /// compiled releases only: the migration derives the rest.
    #[test]
    fn the_migration_derives_awards_from_the_releases_held() {
        let (_d, s) = crate::test_support::sqlite_store();
        let bytes = br#"{"ocid": "o-9", "id": "1", "date": "2024-01-01",
            "parties": [{"id": "S", "name": "Joinery Ltd", "address": {"postalCode": "PR1 2HE"}}],
            "awards": [{"id": "A", "status": "active", "value": {"amount": 5, "currency": "GBP"}, "suppliers": [{"id": "S"}]}]}"#;
        s.import_ocds(&[("a.json".into(), bytes.to_vec())], &actor())
            .unwrap();
        let mut conn = s.conn().unwrap();
        let tx = conn.transaction().unwrap();
        tx.execute_batch("DELETE FROM ocds_award_suppliers; DELETE FROM ocds_awards; DELETE FROM ocds_processes; DELETE FROM tenders;")
            .unwrap();
        crate::after_migration(&tx, 21).unwrap();
        let n: (i64, i64, String) = tx
            .query_row(
                "SELECT (SELECT count(*) FROM ocds_processes), (SELECT count(*) FROM ocds_awards),
                        (SELECT s.name FROM ocds_award_suppliers a JOIN suppliers s ON s.id = a.supplier_id)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        assert_eq!(n, (1, 1, "Joinery Ltd".to_owned()));
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
            let report = s
                .conn()
                .unwrap()
                .query_row(
                    "SELECT p.buyer, a.amount, x.name, length(p.facts) > 0 FROM ocds_processes p
                     JOIN ocds_awards a ON a.ocid = p.ocid JOIN ocds_award_suppliers x ON x.ocid = a.ocid",
                    [],
                    |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, i64>(1)?,
                            r.get::<_, String>(2)?,
                            r.get::<_, bool>(3)?,
                        ))
                    },
                )
                .unwrap();
            assert_eq!(
                report,
                (
                    "Preston City Council".to_owned(),
                    500,
                    "Joinery Ltd".to_owned(),
                    true
                ),
                "from {version}"
            );
        }
    }
}
