//! Imports of KoboToolbox exports (households and roster files).

use super::*;
use crate::audit::Actor;
use crate::db::{params, OptionalExtension, TransactionBehavior};
use crate::{Result, Store, StoreError};
use lumbung_community::mapping::{
    bps_template, import_kobo, CsvFile, Household, KoboError, KoboMapping,
};
use lumbung_domain::id::KoboImportId;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// One stored import of a Kobo export (both files).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct KoboImport {
    pub id: KoboImportId,
    pub kelurahan: String,
    pub households_file: String,
    pub roster_file: String,
    pub households_sha256: String,
    pub roster_sha256: String,
    /// Households and members in the files.
    pub households: u64,
    pub members: u64,
    /// What this import changed: households added, replaced (same `_uuid`,
    /// other content) and left as they were.
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub imported_at: String,
    pub imported_by: String,
    /// True when these very files were imported before: nothing changed,
    /// and this is the earlier import.
    pub already_imported: bool,
}

/// Why an import of a Kobo export stored nothing.
#[derive(Debug, thiserror::Error)]
pub enum KoboImportError {
    /// The files or the column mapping: every problem, with file, line and
    /// column.
    #[error(transparent)]
    Kobo(#[from] KoboError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<crate::db::Error> for KoboImportError {
    fn from(e: crate::db::Error) -> Self {
        KoboImportError::Store(e.into())
    }
}

pub(super) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

pub(super) fn import_from_row(r: &crate::db::Row<'_>) -> crate::db::Result<KoboImport> {
    let count = |n: i64| n as u64;
    from_row!(r, KoboImport {
        id: KoboImportId::new,
        kelurahan,
        households_file,
        roster_file,
        households_sha256,
        roster_sha256,
        households: count,
        members: count,
        created: count,
        updated: count,
        unchanged: count,
        imported_at,
        imported_by,
    }; already_imported: false)
}

pub(super) const IMPORT_COLUMNS: &str = "id, kelurahan, households_file, roster_file, households_sha256, roster_sha256, households, members, created, updated, unchanged, imported_at, imported_by";

impl Store {
    /// The Kobo imports of a kelurahan, newest first.
    pub fn kobo_imports(&self, code: &str) -> Result<Vec<KoboImport>> {
        let conn = self.conn()?;
        crate::sql::all(
            &conn,
            &format!(
            "SELECT {IMPORT_COLUMNS} FROM community_imports WHERE kelurahan = ?1 ORDER BY id DESC"
        ),
            [code],
            import_from_row,
        )
    }

    /// Imports a KoboToolbox export (the household file and its roster) into
    /// kelurahan `code`, all or nothing: every problem of either file is
    /// reported and nothing is stored, or every household is. A household
    /// is known by its `_uuid`: one already stored is replaced, others are
    /// added, and stored households missing from the files are kept (an
    /// export may be filtered, e.g. per RW). The same two files again change
    /// nothing. `mapping` defaults to the sample form's, limited to the
    /// indicators of the criteria in force. `progress` is called with
    /// (households written, households to write).
    pub fn import_kobo(
        &self,
        code: &str,
        households: CsvFile<'_>,
        roster: CsvFile<'_>,
        mapping: Option<&KoboMapping>,
        actor: &Actor,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<KoboImport, KoboImportError> {
        let (h_sha, r_sha) = (sha256_hex(households.bytes), sha256_hex(roster.bytes));
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let kel = kelurahan_in(&tx, code)?;
        let earlier = crate::sql::optional_row(
            &tx,
            &format!(
                "SELECT {IMPORT_COLUMNS} FROM community_imports
                     WHERE kelurahan = ?1 AND households_sha256 = ?2 AND roster_sha256 = ?3"
            ),
            params![code, h_sha, r_sha],
            import_from_row,
        )?;
        if let Some(mut earlier) = earlier {
            earlier.already_imported = true;
            return Ok(earlier);
        }
        let criteria = criteria_in(&tx, code)?.unwrap_or_else(bps_template);
        let areas = areas_in(&tx, &kel)?;
        let mapping = match mapping {
            Some(m) => m.clone(),
            None => {
                let mut m = KoboMapping::default();
                m.indicators
                    .retain(|_, key| criteria.indicator(key).is_some());
                m
            }
        };
        let read = import_kobo(households, roster, &mapping, &criteria, &areas)?;
        let total = read.len() as u64;
        let members: u64 = read.iter().map(|h| h.members.len() as u64).sum();
        let now = self.clock().now().to_string();
        let import_id: i64 = tx.query_row(
            "INSERT INTO community_imports (kelurahan, households_file, roster_file,
                 households_sha256, roster_sha256, households, members, created, updated,
                 unchanged, imported_at, imported_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, 0, 0, ?8, ?9) RETURNING id",
            params![
                code,
                households.name,
                roster.name,
                h_sha,
                r_sha,
                total as i64,
                members as i64,
                now,
                actor.label()
            ],
            |r| r.get::<_, i64>(0),
        )?;
        let (mut created, mut updated, mut unchanged) = (0u64, 0u64, 0u64);
        {
            let mut find = tx.prepare(
                "SELECT household FROM community_households WHERE kelurahan = ?1 AND id = ?2",
            )?;
            let mut insert = tx.prepare(
                "INSERT INTO community_households (kelurahan, id, rt, household, import_id, updated_at, seq)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, (SELECT coalesce(max(seq), 0) + 1 FROM community_households))",
            )?;
            let mut replace = tx.prepare(
                "UPDATE community_households SET rt = ?3, household = ?4, import_id = ?5,
                     updated_at = ?6 WHERE kelurahan = ?1 AND id = ?2",
            )?;
            for (i, h) in read.iter().enumerate() {
                let json = serde_json::to_string(h).expect("households serialise");
                let stored: Option<String> = find
                    .query_row(params![code, h.id], |r| r.get(0))
                    .optional()?;
                match stored {
                    None => {
                        insert.execute(params![code, h.id, h.rt.as_str(), json, import_id, now])?;
                        created += 1;
                    }
                    Some(old) if stored_json::<Household>("household", &old)? == *h => {
                        unchanged += 1;
                    }
                    Some(_) => {
                        replace.execute(params![
                            code,
                            h.id,
                            h.rt.as_str(),
                            json,
                            import_id,
                            now
                        ])?;
                        updated += 1;
                    }
                }
                if i % 500 == 499 || i + 1 == read.len() {
                    progress(i as u64 + 1, total);
                }
            }
        }
        tx.execute(
            "UPDATE community_imports SET created = ?2, updated = ?3, unchanged = ?4 WHERE id = ?1",
            params![import_id, created as i64, updated as i64, unchanged as i64],
        )?;
        kel.audit(
            &tx,
            actor,
            "mapping.import",
            serde_json::json!({
                "import": import_id,
                "households_file": households.name,
                "roster_file": roster.name,
                "households_sha256": h_sha,
                "roster_sha256": r_sha,
                "households": total,
                "members": members,
                "created": created,
                "updated": updated,
                "unchanged": unchanged,
            }),
        )?;
        let stored = tx.query_row(
            &format!("SELECT {IMPORT_COLUMNS} FROM community_imports WHERE id = ?1"),
            [import_id],
            import_from_row,
        )?;
        tx.commit()?;
        Ok(stored)
    }
}
