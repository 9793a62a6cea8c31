//! Social-value proxy sets: each import kept beside the earlier ones, the
//! latest the one in use.

use crate::audit::{self, Actor};
use crate::db::{params, Connection, OptionalExtension};
use crate::{Result, Store, StoreError};
use lumbung_domain::{text, ProxySetId};
use lumbung_procurement::exact;
use lumbung_procurement::social_value::{Outcome, Proxy, ProxySet, PROXY_PLACES};
use serde::Serialize;

/// What importing a proxy set did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProxyImport {
    pub set: ProxySetId,
    pub measures: usize,
    /// The set in use had the same values already: nothing was stored.
    pub unchanged: bool,
}

impl Store {
    /// Makes `set` (read from `file`) the proxy set in use, unless the set
    /// in use has the same values.
    pub fn import_proxies(&self, file: &str, set: &ProxySet, actor: &Actor) -> Result<ProxyImport> {
        let fingerprint = set.fingerprint();
        self.write(|tx| {
            let current: Option<(i64, String)> = tx
                .query_row(
                    "SELECT id, fingerprint FROM sv_proxy_sets ORDER BY id DESC LIMIT 1",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            if let Some((id, held)) = current {
                if held == fingerprint {
                    return Ok(ProxyImport {
                        set: ProxySetId::new(id),
                        measures: set.proxies.len(),
                        unchanged: true,
                    });
                }
            }
            let id: i64 = tx.query_row(
                "INSERT INTO sv_proxy_sets (file_name, fingerprint, imported_at, imported_by) VALUES (?1, ?2, ?3, ?4) RETURNING id",
                params![file, fingerprint, crate::now(), actor.label()], |r| r.get::<_, i64>(0),
            )?;
            let mut insert = tx.prepare(
                "INSERT INTO sv_proxies (set_id, position, measure, outcome, unit, proxy_value, description)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            for (position, p) in set.proxies.iter().enumerate() {
                insert.execute(params![
                    id,
                    position as i64,
                    p.measure,
                    p.outcome.as_str(),
                    p.unit,
                    p.value_text(),
                    p.description
                ])?;
            }
            audit::record(
                tx,
                actor,
                "procurement.import_proxies",
                "proxy_set",
                &id.to_string(),
                None,
                serde_json::json!({"file": file, "measures": set.proxies.len()}),
            )?;
            Ok(ProxyImport {
                set: ProxySetId::new(id),
                measures: set.proxies.len(),
                unchanged: false,
            })
        })
    }

    /// The proxy set in use (the latest imported), if any.
    pub fn proxies(&self) -> Result<Option<(ProxySetId, ProxySet)>> {
        let conn = self.conn()?;
        let Some(id) = conn.query_row("SELECT max(id) FROM sv_proxy_sets", [], |r| {
            r.get::<_, Option<i64>>(0)
        })?
        else {
            return Ok(None);
        };
        let id = ProxySetId::new(id);
        Ok(Some((id, load_set(&conn, id)?)))
    }

    /// A proxy set kept, in use or not (the one an evaluation names).
    pub fn proxy_set(&self, id: ProxySetId) -> Result<ProxySet> {
        load_set(&*self.conn()?, id)
    }
}

fn load_set(conn: &Connection, id: ProxySetId) -> Result<ProxySet> {
    let mut stmt = conn.prepare(
        "SELECT measure, outcome, unit, proxy_value, description FROM sv_proxies WHERE set_id = ?1 ORDER BY position",
    )?;
    let rows = stmt.query_map([id.get()], |r| {
        <(String, String, String, String, Option<String>)>::try_from(r)
    })?;
    let mut set = ProxySet::default();
    for row in rows {
        let (measure, outcome, unit, value, description) = row?;
        let corrupt = || {
            StoreError::invalid(
                "sv_proxies",
                text!("proxy_row_corrupt", measure = measure;
                    id: "nilai proksi {measure} yang tersimpan rusak",
                    en: "the stored proxy value of {measure} is damaged"),
            )
        };
        set.proxies.push(Proxy {
            outcome: Outcome::parse(&outcome).ok_or_else(corrupt)?,
            value: exact::parse_decimal(&value, PROXY_PLACES).ok_or_else(corrupt)?,
            measure,
            unit,
            description,
        });
    }
    Ok(set)
}
