//! The P2KP programme's grants and activities: imports kept as versions
//! (all or nothing, the same bytes twice a no-op), what they flag for
//! review, and the inputs of an area's report. The rules live in
//! `lumbung_programme`.

use crate::audit::{self, Actor};
use crate::db::{params, OptionalExtension, Transaction};
use crate::{Result, Store, StoreError};
use jiff::civil::Date;
use lumbung_domain::{text, Money, UpkId};
use lumbung_programme::board::{ActivityView, GrantView};
use lumbung_programme::files::{ActivityRow, GrantRow};
use lumbung_programme::plan::{Approved, PlanKind};
use lumbung_programme::report::{report, HeldActivity, HeldGrant, Report};
use lumbung_programme::review::{flags, Flag, Held};
use lumbung_programme::versions::Versioned;
use lumbung_programme::{KelurahanRow, Kind};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// What an import of grants or activities did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ProgrammeImport {
    /// The same file was imported before: nothing changed.
    pub held_already: bool,
    /// Rows new to Lumbung.
    pub stored: u64,
    /// Rows that changed one held before: a new version of it.
    pub versions: u64,
    /// Rows as held already.
    pub unchanged: u64,
    /// What is flagged for review once the file is in (never refused).
    pub flags: Vec<Flag>,
    /// BLM capital posted to UPKs' books: received, or returned (negative).
    pub capital: Vec<CapitalPosted>,
}

/// A difference of economic allocation posted to a UPK's journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CapitalPosted {
    pub kelurahan: String,
    pub programme: String,
    pub year: i32,
    pub upk_id: UpkId,
    /// Positive: capital received; negative: returned.
    pub amount: Money,
    pub journal_sequence: i64,
}

/// What a programme or implementer is known by: its name, lower case,
/// spaces collapsed.
pub(crate) fn name_key(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The first rows naming an area Lumbung does not hold: refused.
fn unknown_areas(tx: &Transaction<'_>, file: &str, codes: &[(u64, &str)]) -> Result<()> {
    let mut stmt = tx.prepare("SELECT 1 FROM areas WHERE code = ?1")?;
    let mut errors = Vec::new();
    for (line, code) in codes {
        if stmt.query_row([code], |_| Ok(())).optional()?.is_none() {
            errors.push(lumbung_domain::RowError::new(
                *line,
                Some("kelurahan"),
                text!("programme_unknown_area", code = code;
                    id: "wilayah {code} tidak ada (impor wilayah dulu)",
                    en: "there is no area {code} (import the areas first)"),
            ));
        }
    }
    lumbung_domain::Rejected::unless_any(file, errors, ()).map_err(Into::into)
}

pub(crate) fn programme_id(tx: &Transaction<'_>, name: &str) -> Result<i64> {
    let key = name_key(name);
    if let Some(id) = tx
        .query_row(
            "SELECT id FROM programmes WHERE name_key = ?1",
            [&key],
            |r| r.get(0),
        )
        .optional()?
    {
        return Ok(id);
    }
    let inserted: i64 = tx.query_row(
        "INSERT INTO programmes (name, name_key, created_at) VALUES (?1, ?2, ?3) RETURNING id",
        params![name.trim(), key, crate::now()],
        |r| r.get::<_, i64>(0),
    )?;
    Ok(inserted)
}

fn implementer_id(tx: &Transaction<'_>, area: &str, name: &str) -> Result<i64> {
    let key = name_key(name);
    if let Some(id) = tx
        .query_row(
            "SELECT id FROM programme_implementers WHERE area_code = ?1 AND name_key = ?2",
            [area, &key],
            |r| r.get(0),
        )
        .optional()?
    {
        return Ok(id);
    }
    let inserted: i64 = tx.query_row(
        "INSERT INTO programme_implementers (area_code, name, name_key) VALUES (?1, ?2, ?3) RETURNING id",
        params![area, name.trim(), key], |r| r.get::<_, i64>(0),
    )?;
    Ok(inserted)
}

/// Opens the import of `file` (its bytes' fingerprint): `None` when the
/// same bytes were imported before.
fn open_import(
    tx: &Transaction<'_>,
    what: &str,
    file: &str,
    bytes: &[u8],
    rows: usize,
    actor: &Actor,
) -> Result<Option<i64>> {
    let fingerprint = hex::encode(Sha256::digest(bytes));
    let held: Option<i64> = tx
        .query_row(
            "SELECT id FROM programme_imports WHERE what = ?1 AND fingerprint = ?2",
            [what, &fingerprint],
            |r| r.get(0),
        )
        .optional()?;
    if held.is_some() {
        return Ok(None);
    }
    let inserted: i64 = tx.query_row(
        "INSERT INTO programme_imports (what, file, fingerprint, rows, flags, imported_at, imported_by)
         VALUES (?1, ?2, ?3, ?4, '[]', ?5, ?6) RETURNING id",
        params![what, file, fingerprint, rows as i64, crate::now(), actor.label()], |r| r.get::<_, i64>(0),
    )?;
    Ok(Some(inserted))
}

impl ProgrammeImport {
    /// The same file was imported before.
    pub(crate) fn held() -> ProgrammeImport {
        ProgrammeImport {
            held_already: true,
            ..ProgrammeImport::default()
        }
    }

    pub(crate) fn count(&mut self, kept: Versioned) {
        match kept {
            Versioned::New => self.stored += 1,
            Versioned::Next(_) => self.versions += 1,
            Versioned::Same => self.unchanged += 1,
        }
    }
}

impl Store {
    /// Imports a programme file's `rows` (`file`'s, read from `bytes`),
    /// all or nothing: its areas must be held (else the file is refused),
    /// the same bytes are imported once, each row changed from its latest
    /// version becomes a new version; then what is held is flagged and the
    /// audit entry written.
    pub fn import_programme<R: ProgrammeRows>(
        &self,
        file: &str,
        bytes: &[u8],
        rows: &[R],
        actor: &Actor,
    ) -> Result<ProgrammeImport> {
        self.write(|tx| {
            let codes: Vec<_> = rows.iter().map(KelurahanRow::place).collect();
            unknown_areas(tx, file, &codes)?;
            let Some(import) = open_import(tx, R::WHAT, file, bytes, codes.len(), actor)? else {
                return Ok(ProgrammeImport::held());
            };
            let mut out = ProgrammeImport::default();
            for row in rows {
                out.count(row.keep(tx, import, actor)?);
            }
            R::close(rows, tx, import, &mut out)?;
            self.finish_import(tx, import, file, R::WHAT, &mut out, actor)?;
            Ok(out)
        })
    }
}

/// A programme file's rows as the store keeps them.
pub trait ProgrammeRows: KelurahanRow + Sized {
    /// What an import of them is: `plans`, `grants` or `activities`.
    const WHAT: &'static str;
    /// Stores the row as a new version of what is held, unless unchanged
    /// (`actor` bringing it in).
    fn keep(&self, tx: &Transaction<'_>, import: i64, actor: &Actor) -> Result<Versioned>;
    /// Ends the import of `rows`, before what is held is flagged.
    fn close(
        _rows: &[Self],
        _tx: &Transaction<'_>,
        _import: i64,
        _out: &mut ProgrammeImport,
    ) -> Result<()> {
        Ok(())
    }
}

/// A tranche received.
impl ProgrammeRows for GrantRow {
    const WHAT: &'static str = "grants";

    fn keep(&self, tx: &Transaction<'_>, import: i64, _: &Actor) -> Result<Versioned> {
        let r = self;
        let programme = programme_id(tx, &r.programme)?;
        let area = r.kelurahan.as_str();
        let latest: Option<(i64, (String, i64))> = tx
            .query_row(
                "SELECT version, date, amount FROM programme_grants
                 WHERE area_code = ?1 AND programme_id = ?2 AND tranche = ?3 ORDER BY version DESC LIMIT 1",
                params![area, programme, r.tranche],
                |x| Ok((x.get(0)?, (x.get(1)?, x.get(2)?))),
            )
            .optional()?;
        let date = r.date.to_string();
        let kept = Versioned::of(latest, &(date.clone(), r.amount.minor()));
        if let Some(version) = kept.version() {
            tx.execute(
                "INSERT INTO programme_grants (area_code, programme_id, tranche, version, date, amount, import_id, line)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![area, programme, r.tranche, version, date, r.amount.minor(), import, r.line as i64],
            )?;
        }
        Ok(kept)
    }
}

/// An activity as reported for a year.
impl ProgrammeRows for ActivityRow {
    const WHAT: &'static str = "activities";

    fn keep(&self, tx: &Transaction<'_>, import: i64, _: &Actor) -> Result<Versioned> {
        let r = self;
        let programme = programme_id(tx, &r.programme)?;
        let area = r.kelurahan.as_str();
        let implementer = implementer_id(tx, area, &r.implementer)?;
        let values = [
            implementer,
            r.blm.minor(),
            r.spent.minor(),
            r.swadaya_cash.minor(),
            r.labour_days,
            r.wage.minor(),
            r.swadaya_materials.minor(),
            r.other_funds.minor(),
            r.beneficiaries as i64,
            r.poor as i64,
            r.women as i64,
            i64::from(r.progress),
        ];
        let key = name_key(&r.activity);
        // Its name, kind and figures, as held and as brought.
        type Values = (String, String, Vec<i64>);
        let latest: Option<(i64, Values)> = tx
            .query_row(
                "SELECT version, name, kind, implementer_id, blm, spent, swadaya_cash, labour_days, wage,
                        swadaya_materials, other_funds, beneficiaries, poor, women, progress
                 FROM programme_activities WHERE area_code = ?1 AND programme_id = ?2 AND year = ?3 AND name_key = ?4
                 ORDER BY version DESC LIMIT 1",
                params![area, programme, r.year, key],
                |x| {
                    let mut held = Vec::with_capacity(12);
                    for i in 3..15 {
                        held.push(x.get(i)?);
                    }
                    Ok((x.get(0)?, (x.get(1)?, x.get(2)?, held)))
                },
            )
            .optional()?;
        let brought = (
            r.activity.clone(),
            r.kind.as_str().to_owned(),
            values.to_vec(),
        );
        let kept = Versioned::of(latest, &brought);
        let Some(version) = kept.version() else {
            return Ok(kept);
        };
        tx.execute(
            "INSERT INTO programme_activities (area_code, programme_id, year, name, name_key, version, kind,
                implementer_id, blm, spent, swadaya_cash, labour_days, wage, swadaya_materials, other_funds,
                beneficiaries, poor, women, progress, import_id, line)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)",
            params![
                area, programme, r.year, r.activity, key, version, r.kind.as_str(), values[0], values[1],
                values[2], values[3], values[4], values[5], values[6], values[7], values[8], values[9],
                values[10], values[11], import, r.line as i64
            ],
        )?;
        Ok(kept)
    }

    /// Posts the capital of the kelurahan of this file only: another's
    /// waits for its own import (its writer's scope, not this one's).
    fn close(
        rows: &[Self],
        tx: &Transaction<'_>,
        import: i64,
        out: &mut ProgrammeImport,
    ) -> Result<()> {
        let kelurahan: std::collections::BTreeSet<&str> =
            rows.iter().map(|r| r.kelurahan.as_str()).collect();
        out.capital = post_capital(tx, import, &kelurahan)?;
        Ok(())
    }
}

impl Store {
    /// Flags what is held once the import is in, keeps the flags with the
    /// import, and writes the audit entry.
    fn finish_import(
        &self,
        tx: &Transaction<'_>,
        import: i64,
        file: &str,
        what: &str,
        out: &mut ProgrammeImport,
        actor: &Actor,
    ) -> Result<()> {
        out.flags = flags(&held(tx)?);
        tx.execute(
            "UPDATE programme_imports SET flags = ?2 WHERE id = ?1",
            params![
                import,
                serde_json::to_string(&out.flags).expect("flags serialise")
            ],
        )?;
        audit::record(
            tx,
            actor,
            &format!("programme.import_{what}"),
            "programme_import",
            &import.to_string(),
            None,
            serde_json::json!({"file": file, "stored": out.stored, "versions": out.versions,
                "unchanged": out.unchanged, "flags": out.flags.len(), "capital": out.capital}),
        )
    }

    /// The report of area `code` (any level) over the latest versions,
    /// for one programme (by name) and year, or all; `as_of` a date, over
    /// the tranches received by then and the activities of its year and
    /// before (as last reported).
    pub fn programme_report(
        &self,
        code: &str,
        programme: Option<&str>,
        year: Option<i32>,
        as_of: Option<Date>,
    ) -> Result<Report> {
        let area = self.area(code)?.ok_or_else(|| {
            StoreError::invalid(
                "area",
                text!("programme_no_area", code = code; id: "wilayah {code} tidak ada", en: "there is no area {code}"),
            )
        })?;
        let conn = self.conn()?;
        let children: Vec<(String, String, String)> = conn
            .prepare("SELECT code, name, path FROM areas WHERE parent_code = ?1 ORDER BY code")?
            .query_map([code], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<crate::db::Result<_>>()?;
        let key = programme.map(name_key);
        let year_text = year.map(|y| format!("{y:04}"));
        let mut grants = Vec::new();
        let mut stmt = conn.prepare(
            "SELECT a.path, g.amount FROM programme_grants g JOIN areas a ON a.code = g.area_code
             JOIN programmes p ON p.id = g.programme_id
             WHERE a.path >= ?1 AND a.path < ?2 AND (p.name_key = ?3 OR ?3 IS NULL)
               AND (substr(g.date, 1, 4) = ?4 OR ?4 IS NULL)
               AND (g.date <= ?5 OR ?5 IS NULL) AND g.version = (SELECT max(version) FROM programme_grants l
                   WHERE l.area_code = g.area_code AND l.programme_id = g.programme_id AND l.tranche = g.tranche)",
        )?;
        let subtree = crate::areas::area_path_in(&conn, code)?.expect("the area was just read");
        let (from, end) = (subtree.as_str().to_owned(), subtree.subtree_end());
        let as_of_year = as_of.map(|d| i32::from(d.year()));
        let as_of = as_of.map(|d| d.to_string());
        let mut rows = stmt.query(params![from, end, key, year_text, as_of])?;
        while let Some(r) = rows.next()? {
            grants.push(HeldGrant {
                path: r.get(0)?,
                amount: Money::from_minor(r.get(1)?),
            });
        }
        let mut activities = Vec::new();
        let mut stmt = conn.prepare(
            "SELECT ar.path, x.area_code, x.kind, i.name, x.blm, x.spent, x.swadaya_cash, x.labour_days, x.wage,
                    x.swadaya_materials, x.beneficiaries, x.poor, x.women
             FROM programme_activities x JOIN areas ar ON ar.code = x.area_code
             JOIN programmes p ON p.id = x.programme_id JOIN programme_implementers i ON i.id = x.implementer_id
             WHERE ar.path >= ?1 AND ar.path < ?2 AND (p.name_key = ?3 OR ?3 IS NULL) AND (x.year = ?4 OR ?4 IS NULL)
               AND (x.year <= ?5 OR ?5 IS NULL)
               AND x.version = (SELECT max(version) FROM programme_activities l
                   WHERE l.area_code = x.area_code AND l.programme_id = x.programme_id AND l.year = x.year
                     AND l.name_key = x.name_key)",
        )?;
        let mut rows = stmt.query(params![from, end, key, year, as_of_year])?;
        while let Some(r) = rows.next()? {
            let kind: String = r.get(2)?;
            let labour = lumbung_programme::labour_value(r.get(7)?, Money::from_minor(r.get(8)?))
                .ok_or_else(too_large)?;
            activities.push(HeldActivity {
                path: r.get(0)?,
                kelurahan: r.get(1)?,
                kind: Kind::parse(&kind)
                    .map_err(|m| StoreError::invalid("programme_activities", m))?,
                implementer: r.get(3)?,
                blm: Money::from_minor(r.get(4)?),
                spent: Money::from_minor(r.get(5)?),
                swadaya_cash: Money::from_minor(r.get(6)?),
                swadaya_labour: labour,
                swadaya_materials: Money::from_minor(r.get(9)?),
                beneficiaries: r.get::<_, i64>(10)? as u64,
                poor: r.get::<_, i64>(11)? as u64,
                women: r.get::<_, i64>(12)? as u64,
            });
        }
        report(
            (&area.code, &area.name, &area.path),
            &children,
            &grants,
            &activities,
        )
        .map_err(|_| too_large())
    }
}

/// Posts to each UPK's journal the difference between the economic BLM
/// allocated (latest versions) and the capital posted before, per
/// programme and year of each of `kelurahan` (`lumbung_programme::capital`).
fn post_capital(
    tx: &Transaction<'_>,
    import: i64,
    kelurahan: &std::collections::BTreeSet<&str>,
) -> Result<Vec<CapitalPosted>> {
    use lumbung_fund::journal::Entry;
    use lumbung_programme::capital::{capital_lines, postings, CapitalKey};
    use std::collections::BTreeMap;
    let mut allocated: BTreeMap<CapitalKey, Money> = BTreeMap::new();
    let mut ids: BTreeMap<String, i64> = BTreeMap::new();
    let mut stmt = tx.prepare(
        "SELECT x.area_code, p.name, x.year, x.blm, p.id FROM programme_activities x JOIN programmes p ON p.id = x.programme_id
         WHERE x.kind = 'economic' AND x.version = (SELECT max(version) FROM programme_activities l
             WHERE l.area_code = x.area_code AND l.programme_id = x.programme_id AND l.year = x.year AND l.name_key = x.name_key)",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let key: CapitalKey = (r.get(0)?, r.get(1)?, r.get(2)?);
        if !kelurahan.contains(key.0.as_str()) {
            continue;
        }
        ids.insert(key.1.clone(), r.get(4)?);
        let sum = allocated.entry(key).or_insert(Money::ZERO);
        *sum = sum
            .checked_add(Money::from_minor(r.get(3)?))
            .ok_or_else(too_large)?;
    }
    let mut posted: BTreeMap<CapitalKey, i64> = BTreeMap::new();
    let mut stmt = tx.prepare(
        "SELECT c.area_code, p.name, c.year, sum(c.amount), p.id FROM programme_capital c JOIN programmes p ON p.id = c.programme_id
         GROUP BY c.area_code, p.name, c.year, p.id",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let key: CapitalKey = (r.get(0)?, r.get(1)?, r.get(2)?);
        if !kelurahan.contains(key.0.as_str()) {
            continue;
        }
        ids.insert(key.1.clone(), r.get(4)?);
        posted.insert(key, r.get(3)?);
    }
    // The kelurahan's UPK: the first registered there.
    let mut upks = BTreeMap::new();
    let mut stmt = tx.prepare(
        "SELECT area_code, min(id) FROM organisations WHERE kind = 'upk' AND area_code IS NOT NULL GROUP BY area_code",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        upks.insert(r.get::<_, String>(0)?, UpkId::new(r.get(1)?));
    }
    let mut out = Vec::new();
    for p in postings(&allocated, &posted, &upks).ok_or_else(too_large)? {
        // The books keep whole rupiah (the allocation counts hundredths).
        let rupiah = p.rupiah().ok_or_else(|| {
            StoreError::invalid(
                "blm",
                text!("programme_capital_not_whole", kelurahan = p.key.0, programme = p.key.1,
                    year = p.key.2, amount = Money::from_minor(p.amount);
                    id: "modal BLM ekonomi {programme} {year} kelurahan {kelurahan} berubah {amount}: buku UPK hanya mencatat rupiah utuh",
                    en: "the economic BLM capital of {programme} {year} in kelurahan {kelurahan} changes by {amount}: a UPK's books hold whole rupiah only"),
            )
        })?;
        let (kelurahan, programme, year) = p.key;
        let amount = p.amount;
        let said = if amount > 0 { "received" } else { "returned" };
        let lines = capital_lines(rupiah);
        // The books' own narration, in English as all of them are
        // (`lumbung_fund::words::narration` reads it in Indonesian).
        let entry = Entry::new(
            crate::today(),
            format!("BLM economic capital {programme} {year} {said} (import {import})"),
            format!("programme:{import}:{kelurahan}:{programme}:{year}"),
            lines,
        );
        let sequence =
            crate::fund::post_entry(tx, p.upk.get(), None, &entry)?.ok_or_else(|| {
                StoreError::conflict(
                    text!("programme_capital_posted", key = entry.idempotency_key.clone();
                id: "entri {key} sudah diposting", en: "the entry {key} is posted already"),
                )
            })?;
        tx.execute(
            "INSERT INTO programme_capital (area_code, programme_id, year, upk_id, amount, journal_seq, import_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![kelurahan, ids[&programme], year, p.upk.get(), amount, sequence, import],
        )?;
        out.push(CapitalPosted {
            kelurahan,
            programme,
            year,
            upk_id: p.upk,
            amount: Money::from_minor(amount),
            journal_sequence: sequence,
        });
    }
    Ok(out)
}

/// Migration 58: BLM capital posted before it was in hundredths of a
/// rupiah where the books count whole rupiah (a hundred times the
/// allocation). Each such entry is reversed and the capital posted again
/// in rupiah, both dated today, and the pair noted in
/// `programme_capital_corrections`; the entries themselves stay as they
/// were, as every entry does. (A part of a rupiah, which the books cannot
/// hold, is left out of the posting again.)
pub(crate) fn correct_capital_scale(tx: &Transaction<'_>) -> Result<()> {
    use lumbung_fund::journal::Entry;
    use lumbung_programme::capital::capital_lines;
    let posted: Vec<(i64, i64, i64)> = crate::sql::all(
        tx,
        "SELECT upk_id, amount, journal_seq FROM programme_capital ORDER BY journal_seq",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    for (upk, hundredths, sequence) in posted {
        let today = crate::today();
        let wrong = capital_lines(hundredths);
        let reversal = Entry::new(
            today,
            format!("correction of entry {sequence}: BLM capital posted in hundredths of a rupiah, reversed"),
            format!("programme-capital-scale:{sequence}:reversal"),
            wrong.map(|(account, amount)| (account, -amount)),
        );
        let reversed = crate::fund::post_entry(tx, upk, None, &reversal)?;
        let rupiah = hundredths / 100;
        let reposted = if rupiah == 0 {
            None
        } else {
            let again = Entry::new(
                today,
                format!("correction of entry {sequence}: BLM capital posted again in rupiah"),
                format!("programme-capital-scale:{sequence}:repost"),
                capital_lines(rupiah),
            );
            crate::fund::post_entry(tx, upk, None, &again)?
        };
        tx.execute(
            "INSERT INTO programme_capital_corrections (journal_seq, reversal_seq, repost_seq) VALUES (?1, ?2, ?3)",
            params![sequence, reversed, reposted],
        )?;
    }
    Ok(())
}

fn too_large() -> StoreError {
    StoreError::invalid(
        "programme",
        text!("programme_too_large"; id: "angka program terlalu besar untuk dijumlah",
            en: "the programme's figures are too large to add up"),
    )
}

/// What the flags are judged on: every grant and activity held (latest
/// versions), and the kelurahan with a UPK.
pub(crate) fn held(tx: &Transaction<'_>) -> Result<Held> {
    let mut held = Held::default();
    let mut stmt = tx.prepare(
        "SELECT g.area_code, p.name, g.tranche, g.amount FROM programme_grants g JOIN programmes p ON p.id = g.programme_id
         WHERE g.version = (SELECT max(version) FROM programme_grants l
             WHERE l.area_code = g.area_code AND l.programme_id = g.programme_id AND l.tranche = g.tranche)",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        held.tranches
            .entry((r.get(0)?, r.get(1)?))
            .or_default()
            .push((r.get::<_, i64>(2)? as u32, Money::from_minor(r.get(3)?)));
    }
    let mut stmt = tx.prepare(
        "SELECT x.area_code, p.name, x.kind, x.spent FROM programme_activities x JOIN programmes p ON p.id = x.programme_id
         WHERE x.version = (SELECT max(version) FROM programme_activities l
             WHERE l.area_code = x.area_code AND l.programme_id = x.programme_id AND l.year = x.year AND l.name_key = x.name_key)",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let (area, programme, kind): (String, String, String) = (r.get(0)?, r.get(1)?, r.get(2)?);
        let spent = Money::from_minor(r.get(3)?);
        let sum = held.spent.entry((area.clone(), programme)).or_default();
        *sum = sum.checked_add(spent).ok_or_else(too_large)?;
        if kind == Kind::Economic.as_str() {
            held.economic.insert(area);
        }
    }
    let mut stmt = tx.prepare(
        "SELECT DISTINCT area_code FROM organisations WHERE kind = 'upk' AND area_code IS NOT NULL",
    )?;
    held.with_upk = stmt
        .query_map([], |r| r.get(0))?
        .collect::<crate::db::Result<_>>()?;
    let mut stmt = tx.prepare(
        "SELECT g.area_code, p.name, g.tranche, g.date FROM programme_grants g JOIN programmes p ON p.id = g.programme_id
         WHERE g.version = (SELECT max(version) FROM programme_grants l
             WHERE l.area_code = g.area_code AND l.programme_id = g.programme_id AND l.tranche = g.tranche)",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let date: String = r.get(3)?;
        if let Ok(year) = date.get(..4).unwrap_or("").parse::<i32>() {
            held.tranche_years
                .insert((r.get(0)?, r.get(1)?, r.get::<_, i64>(2)? as u32), year);
        }
    }
    let mut stmt = tx.prepare(
        "SELECT x.area_code, p.name, x.year, x.name, x.poor FROM programme_activities x JOIN programmes p ON p.id = x.programme_id
         WHERE x.version = (SELECT max(version) FROM programme_activities l
             WHERE l.area_code = x.area_code AND l.programme_id = x.programme_id AND l.year = x.year AND l.name_key = x.name_key)
         ORDER BY x.area_code, p.name, x.year, x.name",
    )?;
    held.activities = stmt
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get::<_, i64>(4)? as u64,
            ))
        })?
        .collect::<crate::db::Result<_>>()?;
    // The people of each mapped kelurahan's PS-2 list (its poor
    // households by its own criteria).
    let kelurahan: std::collections::BTreeSet<String> =
        held.activities.iter().map(|a| a.0.clone()).collect();
    for code in kelurahan {
        if let Some(people) = ps2_people_in(tx, &code)? {
            held.ps2_people.insert(code, people);
        }
    }
    held.plans = approved_plans(tx)?;
    let mut stmt = tx.prepare(
        "SELECT p.name, r.plan_required, r.previous_spent_percent, r.shares FROM programme_rules r
         JOIN programmes p ON p.id = r.programme_id",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let rules = stored_rules(r.get(1)?, r.get(2)?, &r.get::<_, String>(3)?)?;
        held.rules.insert(r.get(0)?, rules);
    }
    Ok(held)
}

impl Store {
    /// The tranches and activities of kelurahan `code` (latest versions;
    /// as of a date as [`Store::programme_report`] reads one), by
    /// programme, tranche or year and name.
    pub fn programme_in_kelurahan(
        &self,
        code: &str,
        as_of: Option<Date>,
    ) -> Result<(Vec<GrantView>, Vec<ActivityView>)> {
        let conn = self.conn()?;
        let as_of_year = as_of.map(|d| i32::from(d.year()));
        let as_of = as_of.map(|d| d.to_string());
        let grants = conn
            .prepare(
                "SELECT p.name, g.tranche, g.date, g.amount, g.version FROM programme_grants g
                 JOIN programmes p ON p.id = g.programme_id
                 WHERE g.area_code = ?1 AND (g.date <= ?2 OR ?2 IS NULL)
                   AND g.version = (SELECT max(version) FROM programme_grants l
                     WHERE l.area_code = g.area_code AND l.programme_id = g.programme_id AND l.tranche = g.tranche)
                 ORDER BY p.name, g.tranche",
            )?
            .query_map(params![code, as_of], |r| {
                from_row!(
                    r,
                    GrantView {
                        programme,
                        tranche: |v: i64| v as u32,
                        date,
                        amount: Money::from_minor,
                        version: |v: i64| v as u32,
                    }
                )
            })?
            .collect::<crate::db::Result<Vec<_>>>()?;
        let mut stmt = conn.prepare(
            "SELECT p.name, x.year, x.name, x.kind, i.name, x.blm, x.spent, x.swadaya_cash, x.labour_days, x.wage,
                    x.swadaya_materials, x.beneficiaries, x.poor, x.women, x.progress, x.version
             FROM programme_activities x JOIN programmes p ON p.id = x.programme_id
             JOIN programme_implementers i ON i.id = x.implementer_id
             WHERE x.area_code = ?1 AND (x.year <= ?2 OR ?2 IS NULL)
               AND x.version = (SELECT max(version) FROM programme_activities l
                 WHERE l.area_code = x.area_code AND l.programme_id = x.programme_id AND l.year = x.year
                   AND l.name_key = x.name_key)
             ORDER BY p.name, x.year, x.name",
        )?;
        let mut rows = stmt.query(params![code, as_of_year])?;
        let mut activities = Vec::new();
        while let Some(r) = rows.next()? {
            let kind: String = r.get(3)?;
            let labour = lumbung_programme::labour_value(r.get(8)?, Money::from_minor(r.get(9)?))
                .ok_or_else(too_large)?;
            let materials = Money::from_minor(r.get(10)?);
            let swadaya = Money::from_minor(r.get(7)?)
                .checked_add(labour)
                .and_then(|s| s.checked_add(materials))
                .ok_or_else(too_large)?;
            activities.push(ActivityView {
                programme: r.get(0)?,
                year: r.get(1)?,
                name: r.get(2)?,
                kind: Kind::parse(&kind)
                    .map_err(|m| StoreError::invalid("programme_activities", m))?,
                implementer: r.get(4)?,
                blm: Money::from_minor(r.get(5)?),
                spent: Money::from_minor(r.get(6)?),
                swadaya,
                beneficiaries: r.get::<_, i64>(11)? as u64,
                poor: r.get::<_, i64>(12)? as u64,
                women: r.get::<_, i64>(13)? as u64,
                progress: r.get::<_, i64>(14)? as u8,
                version: r.get::<_, i64>(15)? as u32,
            });
        }
        Ok((grants, activities))
    }

    /// The top areas (without a parent) whose subtree holds grants or
    /// activities: where a whole-system viewer starts.
    pub fn programme_roots(&self) -> Result<Vec<(String, String)>> {
        let conn = self.conn()?;
        let held: Vec<String> = conn
            .prepare(
                "SELECT DISTINCT a.path FROM areas a WHERE a.code IN
                    (SELECT area_code FROM programme_grants UNION SELECT area_code FROM programme_activities)",
            )?
            .query_map([], |r| r.get(0))?
            .collect::<crate::db::Result<_>>()?;
        let roots: Vec<(String, String, String)> = conn
            .prepare("SELECT code, name, path FROM areas WHERE parent_code IS NULL ORDER BY code")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<crate::db::Result<_>>()?;
        Ok(roots
            .into_iter()
            .filter(|(_, _, path)| held.iter().any(|h| h.starts_with(path.as_str())))
            .map(|(code, name, _)| (code, name))
            .collect())
    }
}

/// Each kelurahan's approved plans: of each plan (kind, first year), its
/// latest approved version, with its activities' names.
fn approved_plans(
    tx: &Transaction<'_>,
) -> Result<std::collections::BTreeMap<String, Vec<Approved>>> {
    let mut stmt = tx.prepare(
        "SELECT p.id, p.area_code, p.kind, p.first_year, p.last_year FROM programme_plans p
         WHERE p.version = (SELECT max(l.version) FROM programme_plans l JOIN programme_plan_approvals a ON a.plan_id = l.id
             WHERE l.area_code = p.area_code AND l.kind = p.kind AND l.first_year = p.first_year)",
    )?;
    let plans: Vec<(i64, String, String, i32, i32)> = stmt
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<crate::db::Result<_>>()?;
    let mut names =
        tx.prepare("SELECT name_key FROM programme_plan_activities WHERE plan_id = ?1")?;
    let mut out: std::collections::BTreeMap<String, Vec<Approved>> = Default::default();
    for (id, area, kind, first_year, last_year) in plans {
        let activities = names
            .query_map([id], |r| r.get(0))?
            .collect::<crate::db::Result<_>>()?;
        out.entry(area).or_default().push(Approved {
            kind: PlanKind::parse(&kind).ok_or_else(|| {
                StoreError::invalid(
                    "programme_plans",
                    text!("plan_unreadable_kind"; id: "jenis rencana yang tersimpan tidak terbaca",
                        en: "a plan's stored kind cannot be read"),
                )
            })?,
            first_year,
            last_year,
            activities,
        });
    }
    Ok(out)
}

/// The people in the poor households of kelurahan `code`'s PS-2 list (by
/// its own criteria); `None` without a mapping (or for an area that is
/// not a kelurahan).
pub(crate) fn ps2_people_in(conn: &crate::db::Connection, code: &str) -> Result<Option<u64>> {
    let data = match crate::community::mapping_data_in(conn, code) {
        Ok(data) => data,
        Err(StoreError::NotFound(_)) => return Ok(None),
        Err(e) => return Err(e),
    };
    if data.households.is_empty() {
        return Ok(None);
    }
    Ok(Some(
        data.households
            .iter()
            .filter(|h| {
                data.criteria.score(h).classification
                    == lumbung_community::mapping::Classification::Poor
            })
            .map(|h| h.members.len() as u64)
            .sum(),
    ))
}

/// A programme's rules as stored, checked again.
pub(crate) fn stored_rules(
    plan_required: i64,
    previous_spent_percent: i64,
    shares: &str,
) -> Result<lumbung_programme::review::TrancheRules> {
    let unreadable = |m| StoreError::invalid("programme_rules", m);
    let shares = shares
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<u8>())
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|_| {
            unreadable(text!("programme_rules_unreadable";
                id: "bagian tahap yang tersimpan tidak terbaca", en: "the stored tranche shares cannot be read"))
        })?;
    lumbung_programme::review::TrancheRules::new(
        shares,
        plan_required != 0,
        u8::try_from(previous_spent_percent).unwrap_or(u8::MAX),
    )
    .map_err(unreadable)
}
