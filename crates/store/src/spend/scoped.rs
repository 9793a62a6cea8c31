//! Payments as a scope sees them: only those of the anchors it covers
//! (see [`Store::spend_anchors_in`]), filtered here rather than by each
//! caller.

use crate::{Result, Store};
use lumbung_domain::Scope;
use lumbung_spend::facts::Facts;
use std::collections::HashSet;
use std::sync::Arc;

impl Store {
    /// The stored payments of the anchors `scope` covers, as columnar
    /// chunks; every payment for the whole system.
    pub fn spend_facts_in(&self, scope: &Scope) -> Result<Arc<Vec<Facts>>> {
        let allowed = self.anchor_numbers_in(scope)?;
        let facts = self.spend_facts()?;
        Ok(match allowed {
            None => facts,
            Some(allowed) => Arc::new(
                facts
                    .iter()
                    .map(|f| f.filter(|f, i| allowed.contains(&f.anchor[i])))
                    .collect(),
            ),
        })
    }

    /// The suppliers paid by an anchor `scope` covers; `None` (all of them)
    /// for the whole system.
    pub fn spend_supplier_ids_in(&self, scope: &Scope) -> Result<Option<HashSet<i64>>> {
        let Some(allowed) = self.anchor_numbers_in(scope)? else {
            return Ok(None);
        };
        let facts = self.spend_facts()?;
        Ok(Some(
            facts
                .iter()
                .flat_map(|f| {
                    (0..f.len())
                        .filter(|&i| allowed.contains(&f.anchor[i]))
                        .map(move |i| f.supplier[i] as i64)
                })
                .collect(),
        ))
    }

    /// The anchors `scope` covers as the facts number them (by their id).
    fn anchor_numbers_in(&self, scope: &Scope) -> Result<Option<HashSet<u32>>> {
        let anchors = self.spend_anchors_in(scope)?;
        Ok(anchors.map(|ids| ids.into_iter().map(|a| a.get() as u32).collect()))
    }
}
