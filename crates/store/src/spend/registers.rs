//! Registers that locate suppliers: what they list, the analyst's
//! decisions on their matches, and where each supplier was placed. The
//! rule is `lumbung_spend::registers::decide`; this file loads its inputs
//! and saves its answer.

use super::resolve::sector_id;
use crate::audit::{self, Actor};
use crate::db::{params, OptionalExtension, Transaction};
use crate::{Result, Store, StoreError};
use lumbung_domain::{text, OrgId, SupplierId};
use lumbung_spend::registers::{
    decide, is_active, register_key, Candidates, Company, Found, Held, RegisterKind, RegisterRow,
    RegisterRows, Vendor,
};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::io::Read;

/// What a register import read and what it changed.
#[derive(Debug, Clone, Default, Serialize, schemars::JsonSchema)]
pub struct RegisterImportSummary {
    pub kind: String,
    /// Rows read, per file in the order given.
    pub files: Vec<(String, u64)>,
    pub rows: u64,
    /// Companies listed as active (the only ones matched by name).
    pub active: u64,
    #[serde(flatten)]
    pub located: Relocated,
}

/// Suppliers looked at again, and where the registers now place them.
#[derive(Debug, Clone, Default, Serialize, schemars::JsonSchema)]
pub struct Relocated {
    pub suppliers_checked: u64,
    pub located_by_register: u64,
    pub located_by_vendor: u64,
    /// Listed for review: two or more active companies of the name.
    pub ambiguous: u64,
    /// Listed for review: only near names.
    pub suggested: u64,
}

/// Why a supplier and a company are listed together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    Ambiguous,
    Suggested,
    Confirmed,
    Rejected,
}

impl MatchKind {
    fn of(s: &str) -> MatchKind {
        match s {
            "ambiguous" => MatchKind::Ambiguous,
            "suggested" => MatchKind::Suggested,
            "confirmed" => MatchKind::Confirmed,
            _ => MatchKind::Rejected,
        }
    }
}

/// A supplier and a register company listed for review (or decided).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct RegisterMatch {
    #[schemars(with = "i64")]
    pub supplier: SupplierId,
    pub supplier_name: String,
    pub kind: MatchKind,
    pub company_number: String,
    pub company_name: Option<String>,
    pub postcode: Option<String>,
    pub status: Option<String>,
    pub similarity: Option<f64>,
}

fn match_row(r: &crate::db::Row<'_>) -> crate::db::Result<RegisterMatch> {
    from_row!(
        r,
        RegisterMatch {
            supplier: SupplierId::new,
            supplier_name,
            kind: |v: String| MatchKind::of(&v),
            company_number,
            company_name,
            postcode,
            status,
            similarity,
        }
    )
}

fn refused(file: &str, e: lumbung_spend::registers::RegisterError) -> StoreError {
    StoreError::Invalid {
        field: file.to_owned(),
        message: e.message,
    }
}

impl Store {
    /// Imports register files, all or nothing: a company (or vendor line)
    /// already held is replaced by the file's, so the same file again
    /// changes nothing. Then every supplier held is matched again.
    pub fn import_register<R: Read>(
        &self,
        kind: RegisterKind,
        anchor: Option<OrgId>,
        files: Vec<(String, R)>,
        actor: &Actor,
    ) -> Result<RegisterImportSummary> {
        if kind == RegisterKind::Vendors && anchor.is_none() {
            return Err(StoreError::invalid(
                "anchor",
                text!("register_vendors_anchor";
                    id: "daftar pemasok milik satu lembaga jangkar: sebutkan --anchor",
                    en: "a vendor master is one anchor's: name it with --anchor"),
            ));
        }
        let mut conn = self.conn()?;
        // The full product is millions of rows into two indexes: a page
        // cache that holds them keeps the import from waiting on the disk.
        crate::sql::with_cache(&mut conn, crate::fund::import::BULK_CACHE_MIB, |conn| {
            crate::write_on(conn, |tx| import_rows(tx, kind, anchor, files, actor))
        })
    }

    /// The matches listed for review (ambiguous, suggested), then the
    /// decided ones, by supplier.
    pub fn register_matches(&self, decided: bool) -> Result<Vec<RegisterMatch>> {
        let conn = self.conn()?;
        let kinds = if decided {
            "('confirmed', 'rejected')"
        } else {
            "('ambiguous', 'suggested')"
        };
        let sql = format!(
            "SELECT m.supplier_id, s.name, m.kind, m.company_number, c.name, c.postcode, c.status, m.similarity
             FROM supplier_register_matches m JOIN suppliers s ON s.id = m.supplier_id
             LEFT JOIN register_companies c ON c.number = m.company_number
             WHERE m.kind IN {kinds}
             ORDER BY lower(s.name), m.supplier_id, m.similarity DESC, m.company_number"
        );
        crate::sql::all(&conn, &sql, [], match_row)
    }

    /// The matches of one supplier waiting for review, the most likely
    /// first.
    pub fn pending_register_matches(&self, supplier: SupplierId) -> Result<Vec<RegisterMatch>> {
        let conn = self.conn()?;
        crate::sql::all(
            &conn,
            "SELECT m.supplier_id, s.name, m.kind, m.company_number, c.name, c.postcode, c.status, m.similarity
             FROM supplier_register_matches m JOIN suppliers s ON s.id = m.supplier_id
             LEFT JOIN register_companies c ON c.number = m.company_number
             WHERE m.supplier_id = ?1 AND m.kind IN ('ambiguous', 'suggested')
             ORDER BY m.similarity DESC, m.company_number",
            [supplier.get()],
            match_row,
        )
    }

    /// An analyst confirms (or rejects) that a supplier is a register's
    /// company; the decision is kept across later register imports, and
    /// the supplier is matched again at once.
    pub fn decide_register_match(
        &self,
        supplier: SupplierId,
        company_number: &str,
        confirm: bool,
        actor: &Actor,
    ) -> Result<Relocated> {
        let number = lumbung_spend::registers::company_number(company_number).ok_or_else(|| {
            StoreError::invalid(
                "company",
                text!("register_not_a_number", value = company_number;
                    id: "“{value}” bukan nomor perusahaan",
                    en: "“{value}” is not a company number"),
            )
        })?;
        self.write(|tx| {
            let held: Option<i64> = crate::sql::optional(
                tx,
                "SELECT id FROM suppliers WHERE id = ?1",
                [supplier.get()],
            )?;
            if held.is_none() {
                return Err(super::no_supplier(supplier.get()));
            }
            let listed: Option<String> = crate::sql::optional(
                tx,
                "SELECT number FROM register_companies WHERE number = ?1",
                [&number],
            )?;
            if listed.is_none() {
                return Err(StoreError::NotFound(text!("register_company", number = number;
                    id: "perusahaan {number} di daftar", en: "company {number} in the register")));
            }
            let kind = if confirm { "confirmed" } else { "rejected" };
            if confirm {
                // One company per supplier: an earlier confirmation goes.
                tx.execute(
                    "DELETE FROM supplier_register_matches WHERE supplier_id = ?1 AND kind = 'confirmed'",
                    [supplier.get()],
                )?;
            }
            tx.execute(
                "INSERT INTO supplier_register_matches (supplier_id, company_number, kind, decided_by)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (supplier_id, company_number) DO UPDATE SET kind = excluded.kind,
                   decided_by = excluded.decided_by, similarity = NULL",
                params![supplier.get(), number, kind, actor.label()],
            )?;
            let only: HashSet<i64> = [supplier.get()].into();
            let relocated = locate_suppliers(tx, Some(&only))?;
            audit::record(
                tx,
                actor,
                "spend.register_match",
                "supplier",
                &supplier.get().to_string(),
                None,
                serde_json::json!({"company_number": number, "decision": kind}),
            )?;
            Ok(relocated)
        })
    }
}

/// [`Store::import_register`] within its transaction.
fn import_rows<R: Read>(
    tx: &Transaction<'_>,
    kind: RegisterKind,
    anchor: Option<OrgId>,
    files: Vec<(String, R)>,
    actor: &Actor,
) -> Result<RegisterImportSummary> {
    let mut summary = RegisterImportSummary {
        kind: kind.name().to_owned(),
        ..Default::default()
    };
    // Into an empty register (the first import of the full product), the
    // name index is built once after the rows: sorting millions of names
    // once is faster than inserting each into the index.
    let first = kind == RegisterKind::CompaniesHouse
        && !crate::sql::exists(tx, "SELECT 1 FROM register_companies LIMIT 1", [])?;
    if first {
        tx.execute_batch("DROP INDEX register_companies_name")?;
    }
    let mut company = tx.prepare(
        "INSERT INTO register_companies (number, name, name_key, postcode, status, active, sic)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (number) DO UPDATE SET name = excluded.name, name_key = excluded.name_key,
           postcode = excluded.postcode, status = excluded.status, active = excluded.active,
           sic = excluded.sic",
    )?;
    let mut vendor = tx.prepare(
        "INSERT INTO register_vendors (anchor_id, supplier_ref, name, name_key, postcode, company_number, sic, sme)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (anchor_id, supplier_ref) DO UPDATE SET name = excluded.name,
           name_key = excluded.name_key, postcode = excluded.postcode,
           company_number = excluded.company_number, sic = excluded.sic, sme = excluded.sme",
    )?;
    for (file, input) in files {
        let mut rows = RegisterRows::open(kind, &file, input).map_err(|e| refused(&file, e))?;
        let mut read = 0u64;
        while let Some(row) = rows.next_row().map_err(|e| refused(&file, e))? {
            read += 1;
            match row {
                RegisterRow::Company(c) => {
                    let active = is_active(&c.status);
                    summary.active += active as u64;
                    company.execute(params![
                        c.number,
                        c.name,
                        register_key(&c.name),
                        c.postcode,
                        c.status,
                        active as i64,
                        c.sic
                    ])?;
                }
                RegisterRow::Vendor(v) => {
                    vendor.execute(params![
                        anchor.map(|a| a.get()),
                        v.supplier_id,
                        v.name,
                        register_key(&v.name),
                        v.postcode,
                        v.company_number,
                        v.sic,
                        v.sme
                    ])?;
                }
            }
        }
        tx.execute(
            "INSERT INTO register_imports (kind, anchor_id, file_name, rows_read, imported_at, imported_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![kind.name(), anchor.map(|a| a.get()), file, read as i64, crate::now(), actor.label()],
        )?;
        summary.rows += read;
        summary.files.push((file, read));
    }
    drop((company, vendor));
    if first {
        // As migration 16 made it.
        tx.execute_batch(
            "CREATE INDEX register_companies_name ON register_companies(name_key) WHERE active = 1",
        )?;
    }
    summary.located = locate_suppliers(tx, None)?;
    audit::record(
        tx,
        actor,
        "spend.register_import",
        "register",
        kind.name(),
        None,
        serde_json::json!({
            "files": summary.files,
            "rows": summary.rows,
            "anchor": anchor.map(|a| a.get()),
        }),
    )?;
    Ok(summary)
}

/// Matches suppliers (those of `only`, or all) against the registers and
/// saves where each is placed, replacing earlier matches but never an
/// analyst's decision. Nothing to do while no register is held.
pub(super) fn locate_suppliers(
    tx: &Transaction<'_>,
    only: Option<&HashSet<i64>>,
) -> Result<Relocated> {
    let mut out = Relocated::default();
    let held: i64 = tx.query_row(
        "SELECT (SELECT count(*) FROM (SELECT 1 FROM register_companies LIMIT 1) AS c)
              + (SELECT count(*) FROM (SELECT 1 FROM register_vendors LIMIT 1) AS v)",
        [],
        |r| r.get(0),
    )?;
    if held == 0 {
        return Ok(out);
    }
    let suppliers: Vec<(i64, String, Option<String>)> = crate::sql::all(
        tx,
        "SELECT id, name, company_number FROM suppliers ORDER BY id",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    let mut keys = tx.prepare(
        "SELECT key FROM supplier_keys WHERE supplier_id = ?1 AND kind = 'id' ORDER BY key",
    )?;
    let mut decisions = tx.prepare(
        "SELECT company_number, kind FROM supplier_register_matches
         WHERE supplier_id = ?1 AND kind IN ('confirmed', 'rejected')",
    )?;
    let mut vendors_by_ref = tx.prepare(
        "SELECT supplier_ref, name, postcode, company_number, sic, sme FROM register_vendors
         WHERE supplier_ref = ?1 ORDER BY anchor_id",
    )?;
    let mut vendors_by_name = tx.prepare(
        "SELECT supplier_ref, name, postcode, company_number, sic, sme FROM register_vendors
         WHERE name_key = ?1 ORDER BY anchor_id, supplier_ref LIMIT 2",
    )?;
    let mut by_number = tx.prepare(
        "SELECT number, name, postcode, status, sic FROM register_companies WHERE number = ?1",
    )?;
    let mut same_name = tx.prepare(
        "SELECT number, name, postcode, status, sic FROM register_companies
         WHERE name_key = ?1 AND active = 1 ORDER BY number LIMIT 20",
    )?;
    let mut near = tx.prepare(
        "SELECT number, name, postcode, status, sic FROM register_companies
         WHERE name_key >= ?1 AND name_key < ?2 AND active = 1 ORDER BY name_key LIMIT 500",
    )?;
    let mut clear = tx.prepare(
        "DELETE FROM supplier_register_matches WHERE supplier_id = ?1 AND kind IN ('ambiguous', 'suggested')",
    )?;
    let mut list = tx.prepare(
        "INSERT INTO supplier_register_matches (supplier_id, company_number, kind, similarity)
         VALUES (?1, ?2, ?3, ?4) ON CONFLICT (supplier_id, company_number) DO NOTHING",
    )?;
    let mut place = tx.prepare(
        "UPDATE suppliers SET located_by = ?2, located_ref = ?3, located_postcode = ?4,
           located_sector = ?5, located_sme = ?6,
           company_number = coalesce(company_number, ?7)
         WHERE id = ?1",
    )?;
    let company = |r: &crate::db::Row<'_>| -> crate::db::Result<Company> {
        from_row!(
            r,
            Company {
                number,
                name,
                postcode,
                status,
                sic
            }
        )
    };
    let vendor = |r: &crate::db::Row<'_>| -> crate::db::Result<Vendor> {
        from_row!(
            r,
            Vendor {
                supplier_id,
                name,
                postcode,
                company_number,
                sic,
                sme
            }
        )
    };
    let mut sectors = HashMap::new();
    for (id, name, number) in suppliers {
        if only.is_some_and(|o| !o.contains(&id)) {
            continue;
        }
        out.suppliers_checked += 1;
        let mut held = Held {
            name,
            company_number: number,
            ..Held::default()
        };
        for d in decisions.query_map([id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })? {
            let (number, kind) = d?;
            if kind == "confirmed" {
                held.confirmed = Some(number);
            } else {
                held.rejected.push(number);
            }
        }
        let mut found = Candidates::default();
        let refs: Vec<String> = keys
            .query_map([id], |r| r.get(0))?
            .collect::<crate::db::Result<_>>()?;
        for key in &refs {
            for v in vendors_by_ref.query_map([key], vendor)? {
                found.vendors.push(v?);
            }
        }
        let key = register_key(&held.name);
        if found.vendors.is_empty() && !key.is_empty() {
            let by_name: Vec<Vendor> = vendors_by_name
                .query_map([&key], vendor)?
                .collect::<crate::db::Result<_>>()?;
            // One vendor line of that name alone locates it.
            if by_name.len() == 1 {
                found.vendors = by_name;
            }
        }
        for number in [&held.confirmed, &held.company_number]
            .into_iter()
            .flatten()
        {
            if let Some(c) = by_number.query_row([number], company).optional()? {
                found.by_number.insert(number.clone(), c);
            }
        }
        if !key.is_empty() {
            found.same_name = same_name
                .query_map([&key], company)?
                .collect::<crate::db::Result<_>>()?;
            if found.same_name.is_empty() {
                // Near names: those that share the first word.
                let first = key.split(' ').next().unwrap_or(&key);
                let upper = format!("{first}\u{10ffff}");
                found.near = near
                    .query_map([first, upper.as_str()], company)?
                    .collect::<crate::db::Result<_>>()?;
            }
        }
        clear.execute([id])?;
        let decision = decide(&held, &found);
        let (by, reference, postcode, sic, sme, number) = match decision {
            Found::Vendor {
                postcode,
                sic,
                sme,
                company_number,
            } => {
                out.located_by_vendor += 1;
                let reference = found.vendors.first().map(|v| v.supplier_id.clone());
                (
                    Some("vendor"),
                    reference,
                    postcode,
                    sic,
                    sme,
                    company_number,
                )
            }
            Found::Company { number } => {
                out.located_by_register += 1;
                let c = match found.by_number.get(&number) {
                    Some(c) => c.clone(),
                    None => found
                        .same_name
                        .iter()
                        .find(|c| c.number == number)
                        .cloned()
                        .expect("the decided company is a candidate"),
                };
                (
                    Some("register"),
                    Some(number),
                    c.postcode,
                    c.sic,
                    None,
                    None,
                )
            }
            Found::Ambiguous(numbers) => {
                out.ambiguous += 1;
                for n in numbers {
                    list.execute(params![id, n, "ambiguous", Option::<f64>::None])?;
                }
                (None, None, None, None, None, None)
            }
            Found::Suggested(near) => {
                out.suggested += 1;
                for (n, similarity) in near {
                    list.execute(params![id, n, "suggested", similarity])?;
                }
                (None, None, None, None, None, None)
            }
            Found::Nothing => (None, None, None, None, None, None),
        };
        let sector = match sic {
            Some(code) => Some(sector_id(tx, &code, &mut sectors)?),
            None => None,
        };
        place.execute(params![id, by, reference, postcode, sector, sme, number])?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "CompanyName, CompanyNumber,RegAddress.PostCode,CompanyStatus\n";

    fn import(s: &Store, body: &str) -> Result<RegisterImportSummary> {
        let file = vec![("ch.csv".to_owned(), body.as_bytes())];
        s.import_register(RegisterKind::CompaniesHouse, None, file, &Actor::cli())
    }

    fn companies(s: &Store) -> i64 {
        let conn = s.conn().unwrap();
        conn.query_row("SELECT count(*) FROM register_companies", [], |r| r.get(0))
            .unwrap()
    }

    fn name_index(s: &Store) -> bool {
        let conn = s.conn().unwrap();
        crate::sql::exists(
            &conn,
            "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = 'register_companies_name'",
            [],
        )
        .unwrap()
    }

    #[test]
    fn a_refused_first_import_leaves_nothing_and_keeps_the_name_index() {
        let (_dir, s) = crate::test_support::sqlite_store();
        let bad =
            format!("{HEADER}ACME LTD,01234567,PR1 1AA,Active\nNO NUMBER LTD,,PR1 1AA,Active\n");
        let e = import(&s, &bad).unwrap_err();
        assert!(e.to_string().contains("line 3"), "{e}");
        assert_eq!(companies(&s), 0);
        assert!(name_index(&s));
        // The first import that succeeds builds the index again, once.
        let good = format!("{HEADER}ACME LTD,01234567,PR1 1AA,Active\n");
        assert_eq!(import(&s, &good).unwrap().rows, 1);
        assert!(name_index(&s));
        // The same file again changes nothing.
        assert_eq!(import(&s, &good).unwrap().active, 1);
        assert_eq!(companies(&s), 1);
    }
}
