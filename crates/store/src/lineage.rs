//! Where an organisation sits: its lineage of parents and its effective
//! area. Read by the audit log, users' scopes and organisations alike, so
//! it depends on none of them.

use lumbung_domain::org::lies_within;
use lumbung_domain::AreaPath;

/// The organisation and its ancestors' ids, nearest first.
pub(crate) fn lineage(conn: &crate::db::Connection, id: i64) -> crate::db::Result<Vec<i64>> {
    let mut stmt = conn.prepare(
        "WITH RECURSIVE up(id, parent_id, n) AS (
             SELECT id, parent_id, 0 FROM organisations WHERE id = ?1
             UNION ALL SELECT o.id, o.parent_id, up.n + 1 FROM organisations o JOIN up ON o.id = up.parent_id
             WHERE up.n < 64)
         SELECT id FROM up ORDER BY n",
    )?;
    let rows = stmt.query_map([id], |r| r.get(0))?;
    rows.collect()
}

/// Where an organisation sits for scopes: its own area, else its nearest
/// placed ancestor's (a UPK created by a fund import sits where its BKM
/// sits). `None` when no organisation of the lineage has an area, or when
/// that area is not inside every placed ancestor's (a placement the store
/// refuses today, perhaps made before): such a scope reaches no area.
pub(crate) fn effective_area(
    conn: &crate::db::Connection,
    id: i64,
) -> crate::db::Result<Option<AreaPath>> {
    let mut stmt = conn.prepare(
        "WITH RECURSIVE up(id, parent_id, area_code, n) AS (
             SELECT id, parent_id, area_code, 0 FROM organisations WHERE id = ?1
             UNION ALL SELECT o.id, o.parent_id, o.area_code, up.n + 1
             FROM organisations o JOIN up ON o.id = up.parent_id
             WHERE up.n < 64)
         SELECT a.path FROM up JOIN areas a ON a.code = up.area_code ORDER BY up.n",
    )?;
    let placed = stmt
        .query_map([id], |r| r.get::<_, String>(0))?
        .collect::<crate::db::Result<Vec<_>>>()?;
    let mut up = placed.into_iter().map(AreaPath::from_stored);
    let Some(own) = up.next() else {
        return Ok(None);
    };
    Ok(up
        .all(|ancestor| lies_within(Some(&ancestor), Some(&own)))
        .then_some(own))
}
