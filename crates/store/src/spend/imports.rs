//! Imports of payments (from rows, a file or the fast scanner), their
//! list, undo, and the column mapping saved per anchor.

use super::resolve::*;
use super::*;
use crate::audit::{self, Actor};
use crate::db::{params, OptionalExtension, TransactionBehavior};
use crate::orgs::OrgRef;
use crate::{Result, Store, StoreError};
use lumbung_domain::{ImportId, OrgId};
use lumbung_domain::{Money, OrgKind, Scope};
use lumbung_spend::facts::{day_number, flag, payment_key, Facts, NO_DATE, NO_SECTOR};
use lumbung_spend::prepare::Payment;
use lumbung_spend::read::Field;
use lumbung_spend::registers::is_company_number_header;
use std::collections::{HashMap, HashSet};

impl Store {
    /// Stores one file's payments as one import, all or nothing. The same
    /// file (by content) again changes nothing; a payment already held —
    /// the k-th row with a given anchor, date, supplier and amount when the
    /// store holds at least k such payments — is skipped and counted.
    pub fn import_spend(
        &self,
        file: &str,
        sha256: &str,
        payments: &[Payment],
        mapping: &serde_json::Value,
        actor: &Actor,
    ) -> Result<SpendImportSummary> {
        let reach = AnchorReach {
            scope: &Scope::Global,
            known: None,
        };
        self.import_spend_within(file, sha256, payments, mapping, &reach, &[], actor)
    }

    /// [`Store::import_spend`], naming anchors within a reach.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn import_spend_within(
        &self,
        file: &str,
        sha256: &str,
        payments: &[Payment],
        mapping: &serde_json::Value,
        reach: &AnchorReach<'_>,
        bad_rows: &[lumbung_spend::read::BadRow],
        actor: &Actor,
    ) -> Result<SpendImportSummary> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if let Some(earlier) = already_imported(&tx, sha256, payments.len() as u64)? {
            return Ok(earlier);
        }
        let mut summary = SpendImportSummary {
            rows: payments.len() as u64,
            ..Default::default()
        };

        let mut anchors: HashMap<String, u32> = reach.known.iter().cloned().collect();
        for p in payments {
            if !anchors.contains_key(&p.anchor) {
                let id = anchor_or_create(&tx, reach.scope, &p.anchor, file, actor, &mut summary)
                    .map_err(|e| at_line(e, file, p.line))?;
                anchors.insert(p.anchor.clone(), id);
            }
        }
        let mut sectors: HashMap<String, u32> = HashMap::new();
        let mut resolver = SupplierResolver::new(&tx);
        resolver.company_numbers = mapping
            .get(Field::SupplierId.name())
            .and_then(|h| h.as_str())
            .is_some_and(is_company_number_header);
        let mut facts = Facts::default();
        for p in payments {
            let supplier = resolver.resolve(
                p.supplier_id.as_deref(),
                p.supplier_name.as_deref(),
                p.postcode.as_deref(),
            )?;
            let sector = match p.sector.as_deref() {
                Some(code) => sector_id(&tx, code, &mut sectors)?,
                None => NO_SECTOR,
            };
            let mut flags = 0;
            if let Some(sme) = p.sme {
                flags |= flag::SME_KNOWN;
                if sme {
                    flags |= flag::SME;
                }
            }
            if !p.influenceable {
                flags |= flag::NOT_INFLUENCEABLE;
            }
            facts.push(
                anchors[&p.anchor],
                p.year.start_year() as i16,
                p.date.map(day_number).unwrap_or(NO_DATE),
                supplier as u32,
                p.amount,
                sector,
                flags,
            );
        }
        summary.suppliers_created = resolver.created;
        summary.suppliers_merged = resolver.merged.len() as u64;
        summary.suppliers_suggested = resolver.suggest_near_duplicates()?;
        summary.suppliers_located = located(&tx, &resolver)?;
        if payments.iter().any(|p| p.payment_id.is_some()) {
            facts.payment = payments
                .iter()
                .map(|p| p.payment_id.as_deref().map_or(0, payment_key))
                .collect();
        }
        let anchor_ids: HashSet<u32> = anchors.values().copied().collect();
        let flag_of = |i: usize| -> Option<(u64, String)> {
            let p = &payments[i];
            (!p.flags.is_empty()).then(|| (p.line, p.flags.join("; ")))
        };
        store_facts(
            tx,
            file,
            sha256,
            mapping,
            actor,
            vec![facts],
            &anchor_ids,
            &flag_of,
            bad_rows,
            &mut summary,
        )?;
        Ok(summary)
    }

    pub fn spend_imports(&self) -> Result<Vec<SpendImport>> {
        let conn = self.conn()?;
        crate::sql::all(
            &conn,
            "SELECT id, file_name, rows_read, rows_stored, rows_skipped, total, imported_at, imported_by, undone_at, anchors FROM spend_imports ORDER BY id",
            [],
            |r| {
            from_row!(r, SpendImport {
                id: ImportId::new,
                file_name,
                rows_read,
                rows_stored,
                rows_skipped,
                total: Money::from_minor,
                imported_at,
                imported_by,
                undone_at,
                anchors: crate::sql::json_or_default,
            })
        },
        )
    }

    /// Removes an import and its payments; recorded in the audit log.
    pub fn undo_spend_import(&self, id: ImportId, actor: &Actor) -> Result<SpendImport> {
        let id = id.get();
        let import = self
            .spend_imports()?
            .into_iter()
            .find(|i| i.id == ImportId::new(id))
            .ok_or_else(|| super::no_import(id))?;
        if import.undone_at.is_some() {
            return Err(StoreError::conflict(
                lumbung_domain::text!("import_undone_already", import = id;
                id: "impor {import} sudah dibatalkan",
                en: "import {import} was undone already"),
            ));
        }
        self.write(|tx| {
            // A later import that skipped payments as held may have skipped this
            // one's: undoing it would lose them. Those go first.
            let anchors_of = |list: String| -> HashSet<u32> {
                serde_json::from_str::<Vec<u32>>(&list)
                    .unwrap_or_default()
                    .into_iter()
                    .collect()
            };
            let mine: String = tx.query_row(
                "SELECT anchors FROM spend_imports WHERE id = ?1",
                [id],
                |r| r.get(0),
            )?;
            let mine = anchors_of(mine);
            let later: Vec<(i64, String)> = {
                let mut stmt = tx.prepare(
                    "SELECT id, anchors FROM spend_imports WHERE id > ?1 AND rows_skipped > 0 AND undone_at IS NULL ORDER BY id",
                )?;
                let rows = stmt.query_map([id], |r| r.try_into())?;
                rows.collect::<crate::db::Result<_>>()?
            };
            if let Some((blocking, _)) = later
                .into_iter()
                .find(|(_, a)| !anchors_of(a.clone()).is_disjoint(&mine))
            {
                return Err(StoreError::conflict(lumbung_domain::text!("import_undo_order", blocking = blocking;
                    id: "impor {blocking} melewati pembayaran karena sudah tersimpan, mungkin milik impor ini: batalkan impor {blocking} dahulu, lalu impor ini, lalu impor berkasnya lagi",
                    en: "import {blocking} skipped payments as already held, perhaps this import's: undo import {blocking} first, then this one, then import its file again")));
            }
            tx.execute("DELETE FROM spend_facts WHERE import_id = ?1", [id])?;
            crate::cached::count_change(tx, super::PAYMENTS)?;
            tx.execute("DELETE FROM spend_flags WHERE import_id = ?1", [id])?;
            tx.execute(
                "UPDATE spend_imports SET undone_at = ?2 WHERE id = ?1",
                params![id, crate::now()],
            )?;
            audit::record(
                tx,
                actor,
                "spend.undo",
                "spend_import",
                &id.to_string(),
                None,
                serde_json::json!({
                    "file": import.file_name, "rows_stored": import.rows_stored, "total": import.total,
                }),
            )?;
            Ok(import)
        })
    }

    /// The import that holds a file with this SHA-256, if any.
    pub fn spend_import_by_sha(&self, sha256: &str) -> Result<Option<ImportId>> {
        Ok(self
            .conn()?
            .query_row(
                "SELECT id FROM spend_imports WHERE sha256 = ?1 AND undone_at IS NULL",
                [sha256],
                |r| r.get(0).map(ImportId::new),
            )
            .optional()?)
    }

    /// The column mapping saved for an anchor's files, if any.
    pub fn spend_mapping(&self, anchor: OrgId) -> Result<Option<serde_json::Value>> {
        let text: Option<String> = self
            .conn()?
            .query_row(
                "SELECT mapping FROM spend_mappings WHERE anchor_id = ?1",
                [anchor.get()],
                |r| r.get(0),
            )
            .optional()?;
        Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
    }

    /// Saves the mapping an analyst gave for an anchor's files, to be used
    /// again for its next file.
    pub fn save_spend_mapping(
        &self,
        anchor: OrgId,
        mapping: &serde_json::Value,
        actor: &Actor,
    ) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO spend_mappings (anchor_id, mapping) VALUES (?1, ?2)
                 ON CONFLICT (anchor_id) DO UPDATE SET mapping = excluded.mapping",
                params![anchor.get(), mapping.to_string()],
            )?;
            audit::record_on_org(tx, actor, "spend.mapping", anchor.get(), mapping.clone())?;
            Ok(())
        })
    }

    /// The id of the anchor institution with this name, of any scope (an
    /// operator's question: the CLI's `--anchor`); a name that fits several
    /// is refused with their ids, a whole number is also taken as an id.
    pub fn anchor_id(&self, name: &str) -> Result<Option<OrgId>> {
        let r = OrgRef::NameOrId(name.to_owned());
        Ok(self
            .find_org(OrgKind::Anchor, &r, &Scope::Global)?
            .map(|o| o.id))
    }
}

/// One payment file to import, with what the analyst said about it.
#[derive(Debug, Clone)]
pub struct SpendFile<'a> {
    pub name: &'a str,
    pub bytes: &'a [u8],
    /// The anchor institution of the whole file (wins over a column), by
    /// id or by name within `reach`.
    pub anchor: Option<OrgRef>,
    /// The fiscal year for rows without a readable date.
    pub year: Option<lumbung_domain::FiscalYear>,
    /// The period a file without dates covers (`--period`), when its name
    /// does not say.
    pub period: Option<lumbung_spend::read::Period>,
    /// Import the good rows of a file with bad ones; each bad row is kept
    /// with the import (`--skip-bad-rows`).
    pub skip_bad_rows: bool,
    pub locale: lumbung_spend::read::Locale,
    pub sheet: Option<String>,
    /// Field → column header, given by the analyst; saved for the anchor.
    pub mapping: Option<std::collections::BTreeMap<lumbung_spend::read::Field, String>>,
    /// The importer's scope: anchors are named among those it covers, and
    /// new ones are placed inside it (an area-scoped analyst's area, so
    /// that they see what they import). The CLI's is the whole system.
    pub reach: Scope,
}

impl SpendFile<'_> {
    fn payment_file(&self) -> lumbung_spend::prepare::PaymentFile<'_> {
        lumbung_spend::prepare::PaymentFile {
            name: self.name,
            bytes: self.bytes,
            locale: self.locale,
            sheet: self.sheet.clone(),
            mapping: self.mapping.clone(),
        }
    }
}

/// Where an import names its anchors: among those `scope` covers, the
/// file's own anchor (name → id) already resolved.
pub(super) struct AnchorReach<'a> {
    scope: &'a Scope,
    known: Option<(String, u32)>,
}

impl Store {
    /// Reads a file with the analyst's mapping, else the anchor's saved
    /// one (when it fits the file), else recognised headers.
    pub fn read_spend_file(&self, file: &SpendFile<'_>) -> Result<lumbung_spend::read::Ledger> {
        let saved = match (&file.mapping, self.spend_file_anchor(file)?) {
            (None, Some((Some(id), _))) => self
                .spend_mapping(OrgId::new(id))?
                .and_then(|v| serde_json::from_value(v).ok()),
            _ => None,
        };
        Ok(file.payment_file().read(saved)?)
    }

    /// Reads, checks and imports one file as one import (see
    /// [`Store::import_spend`]). Any bad row rejects the file with every
    /// problem listed. A mapping the analyst gave is saved for the anchor.
    pub fn import_spend_file(
        &self,
        file: &SpendFile<'_>,
        actor: &Actor,
    ) -> Result<SpendImportSummary> {
        use lumbung_spend::prepare::{prepare_ledger, Defaults};
        use sha2::Digest;
        let ledger = self.read_spend_file(file)?;
        let anchor = self.spend_file_anchor(file)?;
        let defaults = Defaults {
            anchor: anchor.as_ref().map(|(_, name)| name.clone()),
            year: file.year,
            calendar: self.spend_settings()?.calendar(),
            period_hint: ledger.period_hint,
            period: file.period,
            skip_bad_rows: file.skip_bad_rows,
        };
        let prepared = prepare_ledger(file.name, ledger, &defaults)?;
        let payments = prepared.payments;
        let mapping = serde_json::to_value(&prepared.mapping).unwrap_or_default();
        // The same bytes for another period are another file.
        let mut digest = sha2::Sha256::new();
        digest.update(file.bytes);
        if let Some(p) = prepared.dated_by {
            digest.update(format!("\0period {} {}", p.first, p.last));
        }
        // Each sheet of a workbook is a file of its own.
        if let Some(sheet) = &file.sheet {
            digest.update(format!("\0sheet {}", sheet.trim().to_lowercase()));
        }
        let sha = hex::encode(digest.finalize());
        let reach = AnchorReach {
            scope: &file.reach,
            known: anchor
                .as_ref()
                .and_then(|(id, name)| id.map(|id| (name.clone(), id as u32))),
        };
        let skipped = prepared.skipped;
        let mut summary = self.import_spend_within(
            file.name, &sha, &payments, &mapping, &reach, &skipped, actor,
        )?;
        summary.bad_rows_skipped = skipped.len() as u64;
        summary.bad_rows_unreadable = skipped.iter().filter(|b| b.amount.is_none()).count() as u64;
        summary.bad_rows_amount = skipped
            .iter()
            .filter_map(|b| b.amount)
            .try_fold(Money::ZERO, Money::checked_add)
            .unwrap_or(Money::ZERO);
        summary.notes = prepared.notes;
        summary.total_check = prepared.total_check;
        if let (Some(m), false) = (&file.mapping, summary.already_imported) {
            // The file's anchor exists now, created by the import if new.
            if let Some((Some(id), _)) = self.spend_file_anchor(file)? {
                self.save_spend_mapping(
                    OrgId::new(id),
                    &serde_json::to_value(m).unwrap_or_default(),
                    actor,
                )?;
            }
        }
        Ok(summary)
    }

    /// The file's own anchor, resolved within its reach (see `file_anchor`).
    fn spend_file_anchor(&self, file: &SpendFile<'_>) -> Result<Option<(Option<i64>, String)>> {
        match &file.anchor {
            Some(r) => {
                let conn = self.conn()?;
                Ok(Some(file_anchor(&conn, &file.reach, r)?))
            }
            None => Ok(None),
        }
    }
}

impl Store {
    /// Stores a large clean ledger read by the fast scanner
    /// ([`lumbung_spend::fast::scan_file`]) as one import, with the same
    /// rules as [`Store::import_spend`]: suppliers resolved against the
    /// catalogue, payments already held skipped, all or nothing. `anchor`
    /// names the anchor of every row when given (as `--anchor` does). The
    /// CLI's import: anchors are named among all of them.
    pub fn import_spend_facts(
        &self,
        file: &str,
        sha256: &str,
        mut scanned: lumbung_spend::fast::FileFacts,
        anchor: Option<&OrgRef>,
        actor: &Actor,
    ) -> Result<SpendImportSummary> {
        let reach = Scope::Global;
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if let Some(earlier) = already_imported(&tx, sha256, scanned.rows)? {
            return Ok(earlier);
        }
        let mut summary = SpendImportSummary {
            rows: scanned.rows,
            ..Default::default()
        };
        let anchors: Vec<u32> = match anchor {
            Some(r) => {
                let id = match file_anchor(&tx, &reach, r)? {
                    (Some(id), _) => id as u32,
                    (None, name) => {
                        anchor_or_create(&tx, &reach, &name, file, actor, &mut summary)?
                    }
                };
                vec![id; scanned.anchors.len()]
            }
            None => scanned
                .anchors
                .iter()
                .map(|name| anchor_or_create(&tx, &reach, name, file, actor, &mut summary))
                .collect::<Result<_>>()?,
        };
        let mut resolver = SupplierResolver::new(&tx);
        resolver.company_numbers = scanned
            .columns
            .get(&Field::SupplierId)
            .is_some_and(|h| is_company_number_header(h));
        let suppliers: Vec<u32> = scanned
            .suppliers
            .iter()
            .map(|s| {
                let name = Some(s.name.as_str()).filter(|n| !n.trim().is_empty());
                resolver
                    .resolve(s.id.as_deref(), name, s.postcode.as_deref())
                    .map(|id| id as u32)
            })
            .collect::<Result<_>>()?;
        summary.suppliers_created = resolver.created;
        summary.suppliers_merged = resolver.merged.len() as u64;
        summary.suppliers_suggested = resolver.suggest_near_duplicates()?;
        summary.suppliers_located = located(&tx, &resolver)?;
        let mut cache = HashMap::new();
        let sectors: Vec<u32> = scanned
            .sectors
            .iter()
            .enumerate()
            .map(|(i, code)| {
                if i == 0 {
                    Ok(NO_SECTOR)
                } else {
                    sector_id(&tx, code, &mut cache)
                }
            })
            .collect::<Result<_>>()?;
        for f in &mut scanned.facts {
            f.anchor.iter_mut().for_each(|a| *a = anchors[*a as usize]);
            f.supplier
                .iter_mut()
                .for_each(|s| *s = suppliers[*s as usize]);
            f.sector.iter_mut().for_each(|s| *s = sectors[*s as usize]);
        }
        let anchor_ids: HashSet<u32> = anchors.iter().copied().collect();
        let mapping = serde_json::to_value(&scanned.columns).unwrap_or_default();
        store_facts(
            tx,
            file,
            sha256,
            &mapping,
            actor,
            scanned.facts,
            &anchor_ids,
            &|_| None,
            &[],
            &mut summary,
        )?;
        Ok(summary)
    }
}

/// Places the suppliers an import created from the registers held;
/// returns how many they located.
fn located(tx: &crate::db::Transaction<'_>, resolver: &SupplierResolver<'_>) -> Result<u64> {
    if resolver.created_ids.is_empty() {
        return Ok(0);
    }
    let found = super::registers::locate_suppliers(tx, Some(&resolver.created_ids))?;
    Ok(found.located_by_register + found.located_by_vendor)
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::test_support::store;
    use lumbung_domain::SupplierId;
    use lumbung_spend::facts::Facts;
    use lumbung_spend::fast::{scan_reader, ScanOptions};
    use lumbung_spend::read::{read_ledger, ReadOptions};
    use std::sync::Arc;

    const LEDGER: &str = "anchor,fiscal_year,payment_date,supplier_id,supplier_name,postcode,sic,sme,contract_type,amount
Anchor 00,2012/13,01/05/2012,00000001,Acme Print 1 Ltd,PR1 2HE,18129,Y,local contract,100.50
Anchor 00,2012/13,02/05/2012,00000002,Mersey Foods 2 Ltd,M1 1AE,10890,N,national framework,-20.00
Anchor 01,2013/14,03/05/2013,00000001,Acme Print 1 Ltd,PR1 2HE,18129,Y,local contract,75.25
Anchor 01,2013/14,03/05/2013,00000001,Acme Print 1 Ltd,PR1 2HE,18129,Y,local contract,75.25
";

    fn general(s: &Store, sha: &str) -> SpendImportSummary {
        general_of(s, "l.csv", LEDGER, sha)
    }

    fn fast(s: &Store, sha: &str) -> SpendImportSummary {
        fast_of(s, "l.csv", LEDGER, sha)
    }

    /// `ledger` read row by row and imported.
    fn general_of(s: &Store, file: &str, ledger: &str, sha: &str) -> SpendImportSummary {
        let ledger = read_ledger(file, ledger.as_bytes(), &ReadOptions::default()).unwrap();
        let defaults = lumbung_spend::prepare::Defaults {
            anchor: None,
            year: None,
            calendar: FiscalCalendar::UK,
            period_hint: None,
            period: None,
            skip_bad_rows: false,
        };
        let (payments, errors) = lumbung_spend::prepare::prepare(ledger.rows, &defaults);
        assert!(errors.is_empty());
        let mapping = serde_json::Value::Null;
        s.import_spend(file, sha, &payments, &mapping, &Actor::cli())
            .unwrap()
    }

    /// `ledger` scanned by the fast reader and imported.
    fn fast_of(s: &Store, file: &str, ledger: &str, sha: &str) -> SpendImportSummary {
        let scanned = scan_reader(
            file,
            ledger.as_bytes(),
            0,
            &ScanOptions::new(FiscalCalendar::UK),
            &mut |_, _| {},
        )
        .unwrap();
        s.import_spend_facts(file, sha, scanned, None, &Actor::cli())
            .unwrap()
    }

    fn sorted_facts(s: &Store) -> Vec<(u32, i16, i32, u32, i64, u32, u8)> {
        let mut rows: Vec<_> = s
            .spend_facts()
            .unwrap()
            .iter()
            .flat_map(|f| {
                (0..f.len())
                    .map(|i| {
                        (
                            f.anchor[i],
                            f.year[i],
                            f.date[i],
                            f.supplier[i],
                            f.amount[i],
                            f.sector[i],
                            f.flags[i],
                        )
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        rows.sort();
        rows
    }

    #[test]
    fn the_fast_import_stores_what_the_general_import_stores() {
        let (_a, by_rows) = store();
        let (_b, by_scan) = store();
        let one = general(&by_rows, "x");
        let two = fast(&by_scan, "x");
        assert_eq!(
            (one.stored, one.total, one.suppliers_created),
            (two.stored, two.total, two.suppliers_created)
        );
        assert_eq!(one.anchors_created, two.anchors_created);
        assert_eq!(sorted_facts(&by_rows), sorted_facts(&by_scan));
    }

    #[test]
    fn the_fast_import_skips_what_is_held_and_the_same_file_changes_nothing() {
        let (_d, s) = store();
        fast(&s, "first");
        let again = fast(&s, "first");
        assert!(again.already_imported);
        let overlap = general(&s, "a re-issued copy");
        assert_eq!(
            (overlap.stored, overlap.skipped_duplicates),
            (0, 4),
            "all four already held"
        );
        assert_eq!(s.spend_imports().unwrap().len(), 1);
    }

    #[test]
    fn new_suppliers_that_look_like_others_are_listed_for_review() {
        const MORE: &str = "anchor,fiscal_year,payment_date,supplier_name,postcode,amount
Anchor 00,2013/14,01/06/2013,Acme Print 1 Limited,FY1 1AA,10.00
Anchor 00,2013/14,01/06/2013,Preston Co-operative Society,,11.00
Anchor 00,2013/14,01/06/2013,Preston Coop Society,PR2 2AA,12.00
Anchor 00,2013/14,01/06/2013,Acme Print 2 Ltd,PR1 2HE,13.00
";
        let (_a, by_rows) = store();
        let (_b, by_scan) = store();
        let first = general(&by_rows, "x");
        assert_eq!(first.suppliers_suggested, 0, "nothing looks alike yet");
        fast(&by_scan, "x");
        let rows = general_of(&by_rows, "m.csv", MORE, "y");
        let scan = fast_of(&by_scan, "m.csv", MORE, "y");
        for (s, summary) in [(&by_rows, rows), (&by_scan, scan)] {
            // Acme Print 1 at another postal code, and both spellings of
            // the co-operative (each like the other); never Acme Print 2.
            assert_eq!(summary.suppliers_suggested, 3, "{summary:?}");
            let listed: Vec<(String, String)> = s
                .suppliers(None, true, 100)
                .unwrap()
                .into_iter()
                .map(|x| (x.name, x.review.unwrap_or_default()))
                .collect();
            assert!(
                listed.iter().any(|(n, r)| n == "Acme Print 1 Limited"
                    && r.contains("Acme Print 1 Ltd")
                    && r.contains("PR12HE")),
                "{listed:?}"
            );
            assert!(
                listed
                    .iter()
                    .any(|(n, r)| n.starts_with("Preston Co") && r.contains("Preston Co")),
                "{listed:?}"
            );
            assert!(
                !listed.iter().any(|(n, _)| n == "Acme Print 2 Ltd"),
                "{listed:?}"
            );
        }
    }

    #[test]
    fn the_payments_are_read_once_and_again_after_any_change_on_any_server() {
        let (d, s) = store();
        fast(&s, "a");
        let first = s.spend_facts().unwrap();
        assert!(
            Arc::ptr_eq(&first, &s.spend_facts().unwrap()),
            "unchanged, the payments read are kept"
        );
        let rows = |s: &Store| {
            s.spend_facts()
                .unwrap()
                .iter()
                .map(Facts::len)
                .sum::<usize>()
        };
        let suppliers = |s: &Store| -> Vec<u32> {
            let mut v: Vec<u32> = (s.spend_facts().unwrap().iter())
                .flat_map(|f| f.supplier.clone())
                .collect();
            v.sort();
            v.dedup();
            v
        };
        let held = rows(&s);
        assert!(held > 0);

        // Another server of the same database imports a file…
        let other = d.open_again();
        let more = fast_of(
            &other,
            "b.csv",
            &LEDGER.replace("Anchor 0", "Anchor 1"),
            "b",
        );
        assert_eq!(rows(&s), 2 * held);
        // …merges two suppliers…
        let paid = suppliers(&s);
        assert_eq!(paid.len(), 2, "{paid:?}");
        let (keep, gone) = (
            SupplierId::new(paid[0].into()),
            SupplierId::new(paid[1].into()),
        );
        other.merge_suppliers(keep, gone, &Actor::cli()).unwrap();
        assert_eq!(suppliers(&s), vec![paid[0]]);
        // …moves an anchor's fiscal year…
        let anchor = other.anchor_id("Anchor 00").unwrap().unwrap();
        let years = |s: &Store| -> Vec<i16> {
            let mut v: Vec<i16> = (s.spend_facts().unwrap().iter())
                .flat_map(|f| f.year.clone())
                .collect();
            v.sort();
            v
        };
        let before = years(&s);
        other
            .set_anchor_fiscal_year_start(anchor, Some(6), &Actor::cli())
            .unwrap();
        assert_ne!(years(&s), before, "the anchor's payments moved year");
        // …and undoes the import: each seen by this server.
        other
            .undo_spend_import(more.import_id.unwrap(), &Actor::cli())
            .unwrap();
        assert_eq!(rows(&s), held);
    }

    /// Regression: the import's total was added unchecked, so a file of
    /// enough payments at the largest amount wrapped it (about 92 million
    /// at the edge's bound; here a few past it, as the store would hold).
    #[test]
    fn an_import_whose_total_does_not_fit_is_refused_whole() {
        let (_d, s) = store();
        let mut scanned = scan_reader(
            "l.csv",
            LEDGER.as_bytes(),
            0,
            &ScanOptions::new(FiscalCalendar::UK),
            &mut |_, _| {},
        )
        .unwrap();
        for f in &mut scanned.facts {
            f.amount.iter_mut().for_each(|a| *a = i64::MAX / 2);
        }
        let refused = s
            .import_spend_facts("l.csv", "big", scanned, None, &Actor::cli())
            .unwrap_err();
        assert!(refused.to_string().contains("total"), "{refused}");
        assert!(s.spend_imports().unwrap().is_empty(), "nothing kept");
        assert_eq!(s.spend_facts().unwrap().len(), 0);
    }
}
