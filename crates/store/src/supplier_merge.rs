//! A merge of two suppliers of the catalogue by hand: one firm is one
//! supplier across payments (the spend analysis) and awards (public
//! contracts), so the merge moves both. It sits above both domains' store
//! modules, which it changes together.

use crate::audit::{self, Actor};
use crate::db::params;
use crate::{Result, Store, StoreError};
use lumbung_domain::{text, SupplierId};
use lumbung_spend::facts::Facts;

impl Store {
    /// Merges `other` into `keep` by hand: its payments and awards become
    /// `keep`'s and its identifiers and name keys lead to `keep` from now
    /// on, so later imports follow the decision.
    pub fn merge_suppliers(
        &self,
        keep: SupplierId,
        other: SupplierId,
        actor: &Actor,
    ) -> Result<u64> {
        let (keep, other) = (keep.get(), other.get());
        if keep == other {
            return Err(StoreError::invalid(
                "supplier",
                text!("supplier_into_itself";
                    id: "pemasok tidak dapat digabung ke dirinya sendiri",
                    en: "a supplier cannot be merged into itself"),
            ));
        }
        self.write(|tx| {
            for id in [keep, other] {
                crate::spend::supplier_exists(tx, id)?;
            }
            tx.execute(
                "UPDATE supplier_keys SET supplier_id = ?1, decided_by = ?3 WHERE supplier_id = ?2",
                params![keep, other, actor.label()],
            )?;
            let mut moved = 0u64;
            let chunks: Vec<(i64, i64, Vec<u8>)> = {
                let mut stmt = tx.prepare("SELECT import_id, chunk, data FROM spend_facts")?;
                let rows = stmt.query_map([], |r| r.try_into())?;
                rows.collect::<crate::db::Result<_>>()?
            };
            for (import_id, chunk, blob) in chunks {
                let mut facts =
                    Facts::decode(&blob).map_err(|e| StoreError::invalid("spend_facts", e))?;
                let mut changed = false;
                for s in facts.supplier.iter_mut().filter(|s| **s == other as u32) {
                    *s = keep as u32;
                    changed = true;
                    moved += 1;
                }
                if changed {
                    tx.execute(
                        "UPDATE spend_facts SET data = ?3 WHERE import_id = ?1 AND chunk = ?2",
                        params![import_id, chunk, facts.encode()],
                    )?;
                }
            }
            crate::cached::count_change(tx, crate::spend::PAYMENTS)?;
            // One firm is one supplier across payments and awards.
            let awards_moved = crate::procurement::merge_supplier(
                tx,
                SupplierId::new(other),
                SupplierId::new(keep),
            )?;
            tx.execute("UPDATE suppliers SET review = NULL WHERE id = ?1", [keep])?;
            tx.execute(
                "UPDATE suppliers SET review = ?2 WHERE id = ?1",
                params![other, format!("→ #{keep}")],
            )?;
            audit::record(
                tx,
                actor,
                "spend.supplier_merge",
                "supplier",
                &keep.to_string(),
                None,
                serde_json::json!({"kept": keep, "merged": other, "payments_moved": moved, "awards_moved": awards_moved}),
            )?;
            Ok(moved)
        })
    }
}
