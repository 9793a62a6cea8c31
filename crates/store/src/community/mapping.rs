//! The self-mapping of a kelurahan: its criteria and its households,
//! typed in, edited and removed.

use super::*;
use crate::audit::Actor;
use crate::db::{params, Transaction};
use crate::{Result, Store, StoreError};
use lumbung_community::mapping::{bps_template, manual_ids, Criteria, Household, InvalidHousehold};
use std::collections::BTreeMap;

pub(super) fn households_in(
    tx: &crate::db::Connection,
    code: &str,
) -> Result<(
    Vec<Household>,
    BTreeMap<String, lumbung_domain::id::KoboImportId>,
)> {
    let mut stmt = tx.prepare(
        "SELECT household, import_id FROM community_households WHERE kelurahan = ?1
         ORDER BY rt, seq",
    )?;
    let raws = stmt
        .query_map([code], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Option<i64>>(1)?))
        })?
        .collect::<crate::db::Result<Vec<_>>>()?;
    let mut imported = BTreeMap::new();
    let households = raws
        .iter()
        .map(|(raw, import)| {
            let h = stored_json::<Household>("household", raw)?;
            if let Some(i) = import {
                imported.insert(h.id.clone(), lumbung_domain::id::KoboImportId::new(*i));
            }
            Ok(h)
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((households, imported))
}

/// The stored household `id` of kelurahan `code` and the import it came
/// from (`None`: typed in).
pub(super) fn household_in(
    tx: &crate::db::Connection,
    code: &str,
    id: &str,
) -> Result<Option<(Household, Option<i64>)>> {
    let row: Option<(String, Option<i64>)> = crate::sql::optional_row(
        tx,
        "SELECT household, import_id FROM community_households WHERE kelurahan = ?1 AND id = ?2",
        params![code, id],
        |r| r.try_into(),
    )?;
    row.map(|(raw, import)| Ok((stored_json::<Household>("household", &raw)?, import)))
        .transpose()
}

/// A household refused by `lumbung_community`'s check, as the store's
/// refusal of the field it names.
fn household_not_found(id: &str, code: &str) -> StoreError {
    StoreError::not_found(
        text!("household_in_kelurahan", id = format!("{id:?}"), code = code;
        id: "rumah tangga {id} di kelurahan {code}", en: "household {id} in kelurahan {code}"),
    )
}

pub(super) fn refused(e: InvalidHousehold) -> StoreError {
    StoreError::invalid(e.field, e.message)
}

/// What the audit log keeps of a household: its id, RT and counts — no
/// names, addresses or NIKs (the log's readers are not the mapping's).
pub(super) fn household_audit(h: &Household, import: Option<i64>) -> serde_json::Value {
    serde_json::json!({
        "household": h.id,
        "rt": h.rt,
        "members": h.members.len(),
        "answers": h.answers.len(),
        "import": import,
    })
}

impl Store {
    /// The criteria the community of `code` adopted, if any.
    pub fn mapping_criteria(&self, code: &str) -> Result<Option<Criteria>> {
        let conn = self.conn()?;
        kelurahan_in(&conn, code)?;
        criteria_in(&conn, code)
    }

    /// Adopts (or replaces) the kelurahan's poverty criteria. Households
    /// keep their answers and are scored against the criteria in force
    /// whenever they are read.
    pub fn set_mapping_criteria(
        &self,
        code: &str,
        criteria: &Criteria,
        actor: &Actor,
    ) -> Result<()> {
        self.write(|tx| {
            let kel = kelurahan_in(tx, code)?;
            let before = criteria_in(tx, code)?;
            if before.as_ref() == Some(criteria) {
                return Ok(());
            }
            tx.execute(
                "INSERT INTO community_criteria (kelurahan, criteria, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (kelurahan) DO UPDATE SET criteria = excluded.criteria,
                     updated_at = excluded.updated_at",
                params![
                    code,
                    serde_json::to_string(criteria).expect("criteria serialise"),
                    self.clock().now().to_string()
                ],
            )?;
            kel.audit(
tx,
actor,
"mapping.criteria",
serde_json::json!({"criteria": criteria, "replaced": before.is_some()}),
            )?;
            Ok(())
        })
    }

    /// Everything the mapping pages show: criteria in force, RW/RT and
    /// households (personal data: the caller decides who sees what).
    pub fn mapping_data(&self, code: &str) -> Result<MappingData> {
        mapping_data_in(&*self.conn()?, code)
    }

    /// [`Store::mapping_data`] without the households: what a form adding
    /// one is checked against (a kelurahan may hold a million).
    pub fn mapping_frame(&self, code: &str) -> Result<MappingData> {
        frame_in(&*self.conn()?, code)
    }

    /// Adds a household typed in by hand (a facilitator's form, or the
    /// API) to kelurahan `code`. Checked: the RT is one of the kelurahan's;
    /// every answer is to an indicator of the criteria in force and of its
    /// kind (yes/no or a number); the head is named; at least one member,
    /// each named, with an age of 0–130 or a year of birth of 1880–2100.
    /// The id must be new in the kelurahan; an empty one becomes
    /// `manual-<n>` (ids of that form are Lumbung's to give). Stored
    /// without an import, audited as `mapping.household.add`, scored by
    /// the criteria in force whenever read. Returns the household as
    /// stored (trimmed, with its id).
    pub fn add_household(
        &self,
        code: &str,
        household: &Household,
        actor: &Actor,
    ) -> Result<Household> {
        self.write(|tx| {
            let (kel, mut h) = checked_in(tx, code, household)?;
            if h.id.is_empty() {
                h.id = next_manual_id(tx, &kel)?;
            } else if let Err(e) = h.check_own_id() {
                return Err(refused(e));
            } else if household_in(tx, code, &h.id)?.is_some() {
                return Err(StoreError::invalid(
                    "id",
                    text!("household_already_mapped", id = format!("{:?}", h.id);
                        id: "rumah tangga {id} sudah dipetakan di kelurahan ini",
                        en: "household {id} is already mapped in this kelurahan"),
                ));
            }
            save_household(
                tx,
                "INSERT INTO community_households (kelurahan, id, rt, household, import_id, updated_at, seq)
                 VALUES (?1, ?2, ?3, ?4, NULL, ?5, (SELECT coalesce(max(seq), 0) + 1 FROM community_households))",
                code,
                &h,
            )?;
            kel.audit(
tx,
actor,
"mapping.household.add",
household_audit(&h, None),
            )?;
            Ok(h)
        })
    }

    /// Replaces a stored household (typed in or imported), known by its
    /// id, after the checks of [`Store::add_household`]; the import it came
    /// from stays recorded (a later export with the same `_uuid` replaces
    /// the edit). The same household again is no change. Audited as
    /// `mapping.household.update`.
    pub fn update_household(&self, code: &str, household: &Household, actor: &Actor) -> Result<()> {
        self.write(|tx| {
            let (kel, h) = checked_in(tx, code, household)?;
            let Some((before, import)) = household_in(tx, code, &h.id)? else {
                return Err(household_not_found(&h.id, code));
            };
            if before == h {
                return Ok(());
            }
            save_household(
                tx,
                "UPDATE community_households SET rt = ?3, household = ?4, updated_at = ?5
                 WHERE kelurahan = ?1 AND id = ?2",
                code,
                &h,
            )?;
            let mut details = household_audit(&h, import);
            details["rt_before"] = serde_json::json!(before.rt);
            kel.audit(tx, actor, "mapping.household.update", details)?;
            Ok(())
        })
    }

    /// Removes a household, typed in or imported, from kelurahan `code`;
    /// audited as `mapping.household.remove` (id, RT, counts and the
    /// import it came from). An imported household comes back with a
    /// later export that still holds its `_uuid` (the very same two files
    /// again change nothing). Returns the household removed.
    pub fn remove_household(&self, code: &str, id: &str, actor: &Actor) -> Result<Household> {
        self.write(|tx| {
            let kel = kelurahan_in(tx, code)?;
            let Some((h, import)) = household_in(tx, code, id)? else {
                return Err(household_not_found(id, code));
            };
            tx.execute(
                "DELETE FROM community_households WHERE kelurahan = ?1 AND id = ?2",
                params![code, id],
            )?;
            kel.audit(
                tx,
                actor,
                "mapping.household.remove",
                household_audit(&h, import),
            )?;
            Ok(h)
        })
    }
}

/// The id of the next household typed in without one
/// (`lumbung_community::mapping::manual_ids`): the households added by
/// hand so far are counted in the audit log (append-only, so a removed
/// household's id is not given again).
pub(super) fn next_manual_id(tx: &Transaction<'_>, kel: &Kelurahan) -> Result<String> {
    let added: i64 = tx.query_row(
        "SELECT count(*) FROM audit_log
         WHERE scope_path = ?1 AND action = 'mapping.household.add' AND entity_id = ?2",
        params![kel.path.as_str(), kel.code],
        |r| r.get(0),
    )?;
    let mut stmt = tx.prepare(
        "SELECT id FROM community_households WHERE kelurahan = ?1 AND id LIKE 'manual-%'",
    )?;
    let stored = stmt
        .query_map([&kel.code], |r| r.get::<_, String>(0))?
        .collect::<crate::db::Result<Vec<_>>>()?;
    for id in manual_ids(added.max(0) as u64, stored.iter().map(String::as_str)) {
        if household_in(tx, &kel.code, &id)?.is_none() {
            return Ok(id);
        }
    }
    unreachable!("manual_ids never ends")
}

/// [`Store::mapping_data`] on a connection the caller holds.
pub(crate) fn mapping_data_in(conn: &crate::db::Connection, code: &str) -> Result<MappingData> {
    let frame = frame_in(conn, code)?;
    let (households, imported) = households_in(conn, code)?;
    Ok(MappingData {
        households,
        imported,
        ..frame
    })
}

/// A kelurahan's mapping without its households.
fn frame_in(conn: &crate::db::Connection, code: &str) -> Result<MappingData> {
    let kelurahan = kelurahan_in(conn, code)?;
    let adopted = criteria_in(conn, code)?;
    let areas = areas_in(conn, &kelurahan)?;
    let mut stmt = conn.prepare(
        "SELECT code, name FROM areas WHERE path > ?1 AND path < ?2 AND kind IN ('rw', 'rt')",
    )?;
    let area_names = stmt
        .query_map(
            params![kelurahan.path.as_str(), kelurahan.path.subtree_end()],
            |r| r.try_into(),
        )?
        .collect::<crate::db::Result<_>>()?;
    Ok(MappingData {
        area_names,
        criteria_adopted: adopted.is_some(),
        criteria: adopted.unwrap_or_else(bps_template),
        areas,
        households: Vec::new(),
        imported: BTreeMap::new(),
        kelurahan,
    })
}

/// `household` checked against kelurahan `code`'s criteria in force and
/// its RTs and RWs, with the kelurahan.
fn checked_in(
    tx: &crate::db::Connection,
    code: &str,
    household: &Household,
) -> Result<(Kelurahan, Household)> {
    let kel = kelurahan_in(tx, code)?;
    let criteria = criteria_in(tx, code)?.unwrap_or_else(bps_template);
    let areas = areas_in(tx, &kel)?;
    let h = household.checked(&criteria, &areas).map_err(refused)?;
    Ok((kel, h))
}

/// Writes household `h` of kelurahan `code` with `sql`, an insert or an
/// update that takes the kelurahan, id, RT, household and time as ?1–?5.
fn save_household(tx: &crate::db::Connection, sql: &str, code: &str, h: &Household) -> Result<()> {
    tx.execute(
        sql,
        params![
            code,
            h.id,
            h.rt.as_str(),
            serde_json::to_string(h).expect("households serialise"),
            crate::now()
        ],
    )?;
    Ok(())
}
