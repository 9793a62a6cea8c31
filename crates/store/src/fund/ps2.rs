//! KSM members picked from the kelurahan's poor-household list (PS-2) of
//! the self-mapping: loans go to the poor by the community's own criteria.

use crate::{Result, Store};
use lumbung_community::mapping::{Classification, Sex as MappingSex};
use lumbung_domain::{Scope, Sex};
use std::collections::HashSet;

pub use lumbung_fund::ps2::Candidate as Ps2Candidate;

/// The kelurahan a KSM meets in: the kelurahan area at or above its own
/// area (or its UPK's).
fn kelurahan_of(conn: &crate::db::Connection, ksm: i64) -> Result<Option<String>> {
    crate::sql::optional(
        conn,
        "SELECT k.code FROM organisations o
             LEFT JOIN organisations u ON u.id = o.parent_id
             JOIN areas a ON a.code = coalesce(o.area_code, u.area_code)
             JOIN areas k ON k.kind = 'kelurahan' AND substr(a.path, 1, length(k.path)) = k.path
             WHERE o.id = ?1 ORDER BY length(k.path) DESC LIMIT 1",
        [ksm],
    )
}

impl Store {
    /// The poor households of the KSM's kelurahan (by its current
    /// criteria), member by member; `None` when the kelurahan has no
    /// mapping yet, or when `scope` does not cover the whole kelurahan
    /// (one scoped to an RW of it reads no other RW's households).
    pub fn ps2_candidates(
        &self,
        ksm: lumbung_domain::KsmId,
        scope: &Scope,
    ) -> Result<Option<Vec<Ps2Candidate>>> {
        let conn = self.conn()?;
        match kelurahan_of(&conn, ksm.get())? {
            Some(code)
                if scope.covers(&crate::community::kelurahan_in(&conn, &code)?.placement) =>
            {
                ps2_candidates_in(&conn, ksm.get())
            }
            _ => Ok(None),
        }
    }
}

/// [`Store::ps2_candidates`] on a connection the caller holds.
pub(super) fn ps2_candidates_in(
    conn: &crate::db::Connection,
    ksm: i64,
) -> Result<Option<Vec<Ps2Candidate>>> {
    let Some(code) = kelurahan_of(conn, ksm)? else {
        return Ok(None);
    };
    let data = crate::community::mapping_data_in(conn, &code)?;
    if data.households.is_empty() {
        return Ok(None);
    }
    let mut out = Vec::new();
    for h in &data.households {
        if data.criteria.score(h).classification != Classification::Poor {
            continue;
        }
        for (i, m) in h.members.iter().enumerate() {
            out.push(Ps2Candidate {
                household_id: h.id.clone(),
                rt: h.rt.as_str().to_owned(),
                head_name: h.head_name.clone(),
                member_index: i,
                name: m.name.clone(),
                sex: match m.sex {
                    MappingSex::Female => Sex::Female,
                    MappingSex::Male => Sex::Male,
                },
                nik: m.nik.as_ref().map(|n| n.as_str().to_owned()),
            });
        }
    }
    Ok(Some(out))
}

/// The PS-2 households of the KSM's kelurahan (`None` without a mapping).
pub(super) fn ps2_households(
    conn: &crate::db::Connection,
    ksm: i64,
) -> Result<Option<HashSet<String>>> {
    Ok(ps2_candidates_in(conn, ksm)?.map(|c| c.into_iter().map(|c| c.household_id).collect()))
}
