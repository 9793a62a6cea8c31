//! Each process's compiled release and what it says, typed: its buyer,
//! date and tender; its awards; each award's suppliers resolved to the
//! spend analysis's catalogue by the same rules as a payment's supplier,
//! so that one firm is one supplier across payments, awards and the
//! business base.

use super::blocks::{self, NewRelease};
use crate::areas::PostcodePaths;
use crate::db::Value as SqlValue;
use crate::db::{Connection, Transaction};
use crate::spend::SupplierResolver;
use crate::sql::Bulk;
use crate::{Result, StoreError};
use lumbung_domain::{text, PostalCode, SupplierId};
use lumbung_procurement::contracts::{
    Award, Facts, Filter, Overflow, Party, Place, Placing, Process, Report, Tally, Who,
};
use lumbung_procurement::ocds::scan::Named;
use lumbung_procurement::ocds::{compile_json, parallel, Json, Kept, Object};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;

/// A process to compile again: the text of every release of it in the
/// order they came, the last of them new ones to keep.
pub(super) struct Touched<'a> {
    pub ocid: String,
    pub texts: Vec<Cow<'a, str>>,
    /// What names each of the last `new.len()` texts.
    pub new: Vec<NewRelease<'a>>,
    /// Releases of it skipped (held already) that were only scanned: each
    /// checked whole all the same.
    pub checks: Vec<Kept<'a>>,
    /// The chunks holding its releases from before, in order.
    pub chunks: Vec<i64>,
    /// Whether rows of the process may be held from before.
    pub held: bool,
}

/// A process compiled off the store's thread, to be saved.
struct Compiled {
    ocid: String,
    process: Process,
    releases: usize,
    held: bool,
    /// The chunks holding its releases from before.
    chunks: Vec<i64>,
    /// The chunks of its batch ([`Batch::chunks`]) holding its new ones.
    new_chunks: Vec<usize>,
}

/// A batch of processes compiled, and their new releases packed.
struct Batch {
    /// A release only scanned is not what its scan said: nothing of the
    /// batch is kept.
    unnamed: bool,
    processes: Vec<Compiled>,
    /// Each chunk's import, how many releases it holds, and its bytes.
    chunks: Vec<(i64, i64, Vec<u8>)>,
}

/// Compiles each process from its releases' text (`Process::compile_texts`:
/// each read only as far as the process needs, typed), and packs the
/// batch's new releases into chunks, for each file of the import in turn,
/// cut at [`blocks::CHUNK_TEXT`].
fn compiled(batch: Vec<Touched<'_>>) -> Batch {
    let unnamed = Batch {
        unnamed: true,
        processes: Vec::new(),
        chunks: Vec::new(),
    };
    let skipped_hold = (batch.iter().flat_map(|t| &t.checks)).all(|k| {
        let named = Named {
            ocid: &k.ocid,
            identity: &k.identity,
            date: &k.date,
        };
        named.holds(&k.text)
    });
    if !skipped_hold {
        return unnamed;
    }
    let batch: Vec<Touched<'_>> = batch.into_iter().filter(|t| !t.new.is_empty()).collect();
    let mut news: Vec<(i64, usize, [&str; 4])> = Vec::new();
    for (p, t) in batch.iter().enumerate() {
        let first_new = t.texts.len() - t.new.len();
        for (r, text) in t.new.iter().zip(&t.texts[first_new..]) {
            let release = [t.ocid.as_str(), &r.identity, &r.date, text];
            news.push((r.import, p, release));
        }
    }
    // A process's releases came in the order of the files, as the
    // imports are numbered: it lists its chunks in the order they came.
    news.sort_by_key(|(import, ..)| *import);
    let mut chunks = Vec::new();
    let mut new_chunks = vec![Vec::new(); batch.len()];
    for file in news.chunk_by(|a, b| a.0 == b.0) {
        let sizes: Vec<usize> = file.iter().map(|(.., r)| r[3].len()).collect();
        for cut in blocks::cuts(&sizes) {
            let releases = &file[cut];
            for (_, p, _) in releases {
                if new_chunks[*p].last() != Some(&chunks.len()) {
                    new_chunks[*p].push(chunks.len());
                }
            }
            let packed = blocks::pack_chunk(releases.iter().map(|(.., r)| *r));
            chunks.push((releases[0].0, releases.len() as i64, packed));
        }
    }
    let mut processes = Vec::with_capacity(batch.len());
    for (t, new_chunks) in batch.into_iter().zip(new_chunks) {
        let all: Vec<&str> = t.texts.iter().map(AsRef::as_ref).collect();
        let named: Vec<Option<Named<'_>>> = (t.new.iter())
            .map(|r| {
                (!r.checked).then(|| Named {
                    ocid: &t.ocid,
                    identity: &r.identity,
                    date: &r.date,
                })
            })
            .collect();
        let Some(process) = Process::compile_texts(&t.ocid, &all, &named) else {
            return unnamed;
        };
        drop(named);
        processes.push(Compiled {
            held: t.held,
            releases: t.texts.len(),
            process: process.expect("releases are stored as JSON objects"),
            ocid: t.ocid,
            chunks: t.chunks,
            new_chunks,
        });
    }
    Batch {
        unnamed: false,
        processes,
        chunks,
    }
}

/// Releases as kept, read whole as the import's compiling reads them
/// (`ocds::Json`: `serde_json`'s own value would take an object whose
/// first key is its private raw-value marker for the text inside it).
fn parsed<'t>(texts: &'t [Cow<'_, str>]) -> Vec<Object<'t>> {
    texts
        .iter()
        .map(|t| match serde_json::from_str(t) {
            Ok(Json::Object(release)) => release,
            _ => unreachable!("releases are stored as JSON objects"),
        })
        .collect()
}

/// The compiled release of `ocid` from every release held of it (`None`
/// when none is).
pub(super) fn compiled_release(
    conn: &Connection,
    ocid: &str,
) -> Result<Option<Map<String, Value>>> {
    let (held, _) = blocks::Chunks::default().held(conn, ocid)?;
    let texts: Vec<Cow<'static, str>> = held.into_iter().map(|h| Cow::Owned(h.text)).collect();
    Ok((!texts.is_empty()).then(|| compile_json(ocid, parsed(&texts)).into_map()))
}

/// How many processes go to a compiling thread at a time, and to a
/// statement writing their rows.
const BATCH: usize = 256;

/// What [`derive_many`] saved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Derived {
    /// Every process it was given.
    All,
    /// Not all: a release only scanned is not what its scan said (the
    /// caller rolls back).
    Unnamed,
}

/// Compiles each process of `processes` again from the text of every
/// release held of it (read on this thread, with whether the process may
/// have been derived before) and saves what it says: its awards, their
/// suppliers and its tender. The compiling (parsing and merging) runs on
/// worker threads while this one reads the next batch and saves the last:
/// the transaction never leaves this thread.
pub(super) fn derive_many<'a>(
    tx: &Transaction<'_>,
    resolver: &mut SupplierResolver<'_>,
    processes: impl IntoIterator<Item = Result<Touched<'a>>>,
) -> Result<Derived> {
    let mut failed = None;
    let mut processes = processes.into_iter();
    let batches = std::iter::from_fn(|| {
        let batch: Result<Vec<_>> = processes.by_ref().take(BATCH).collect();
        batch
            .map_err(|e| failed = Some(e))
            .ok()
            .filter(|b| !b.is_empty())
    });
    let mut rows = Rows::new(tx)?;
    let saved = parallel::ordered_map(batches, parallel::threads(), compiled, |done| {
        if done.unnamed {
            // Stops the workers: nothing more is saved.
            return Err(None);
        }
        rows.save(tx, resolver, done).map_err(Some)
    });
    match saved {
        Err(None) => return Ok(Derived::Unnamed),
        Err(Some(e)) => return Err(e),
        Ok(()) => {}
    }
    if let Some(e) = failed {
        return Err(e);
    }
    rows.finish(tx)?;
    Ok(Derived::All)
}

/// The rows of the processes saved, written many a statement: a batch's
/// processes at once, with their awards; their tenders and chunks of
/// releases as their statements fill (after their processes); which
/// suppliers each awarded to at the end, in the order of their table's key.
struct Rows<'t> {
    processes: Bulk,
    chunks: Bulk,
    /// The id the next chunk takes.
    next_chunk: i64,
    /// (supplier, process) pairs, written last: in the order they come
    /// they fell all over their table's B-tree (a tenth of a city's
    /// import), sorted they go to its end.
    pairs: Vec<(SupplierId, String)>,
    tenders: Bulk,
    /// When the tenders are saved: this import's time.
    now: String,
    /// The statements of full chunks of processes, tenders and chunks,
    /// kept from one batch to the next ([`Bulk::write_full_on`]).
    held: [Option<crate::db::Statement<'t>>; 3],
}

impl<'t> Rows<'t> {
    fn new(tx: &'t Transaction<'_>) -> Result<Rows<'t>> {
        Ok(Rows {
            processes: Bulk::new(
                "INSERT INTO ocds_processes
                   (ocid, buyer, buyer_identifier, date, tender_status, releases, facts, awards,
                    chunks)",
                "ON CONFLICT (ocid) DO UPDATE SET buyer = excluded.buyer,
                     buyer_identifier = excluded.buyer_identifier, date = excluded.date,
                     tender_status = excluded.tender_status, releases = excluded.releases,
                     facts = excluded.facts, awards = excluded.awards, chunks = excluded.chunks",
                9,
                BATCH,
            ),
            // A few a statement: each is ~50 KB.
            chunks: Bulk::new(
                "INSERT INTO ocds_release_chunks (id, import_id, releases, packed)",
                "",
                4,
                16,
            ),
            next_chunk: tx.query_row(
                "SELECT coalesce(max(id), 0) + 1 FROM ocds_release_chunks",
                [],
                |r| r.get(0),
            )?,
            pairs: Vec::new(),
            tenders: super::tenders::published_rows(BATCH),
            now: crate::now(),
            held: [None, None, None],
        })
    }

    /// Saves compiled processes, their suppliers resolved (in order: the
    /// catalogue numbers new suppliers as they come).
    fn save(
        &mut self,
        tx: &'t Transaction<'_>,
        resolver: &mut SupplierResolver<'_>,
        batch: Batch,
    ) -> Result<()> {
        let first = self.next_chunk;
        for (import, count, packed) in batch.chunks {
            self.chunks.push([
                self.next_chunk.into(),
                import.into(),
                count.into(),
                packed.into(),
            ]);
            self.chunks.write_full_on(tx, &mut self.held[2])?;
            self.next_chunk += 1;
        }
        for c in batch.processes {
            self.add(tx, resolver, c, first)?;
        }
        self.processes.write_full_on(tx, &mut self.held[0])?;
        self.processes.finish(tx)?;
        self.tenders.write_full_on(tx, &mut self.held[1])
    }

    fn add(
        &mut self,
        tx: &Transaction<'_>,
        resolver: &mut SupplierResolver<'_>,
        c: Compiled,
        first_chunk: i64,
    ) -> Result<()> {
        let Compiled {
            ocid,
            mut process,
            releases,
            held,
            mut chunks,
            new_chunks,
        } = c;
        chunks.extend(new_chunks.into_iter().map(|k| first_chunk + k as i64));
        let mut suppliers = Vec::new();
        for award in &mut process.awards {
            for party in &mut award.suppliers {
                let id = supplier_of(resolver, party)?;
                party.supplier = Some(id);
                suppliers.push(id);
            }
        }
        // Each once (sorted: a process may name thousands).
        suppliers.sort_unstable();
        suppliers.dedup();
        if held {
            // Its suppliers from before go before their successors are written.
            forget_suppliers(tx, &ocid)?;
        }
        super::tenders::push_published(&mut self.tenders, &process, &self.now);
        let facts = process.facts().encode();
        let awards = Award::encode_all(&process.awards);
        let Process {
            date,
            buyer,
            buyer_identifier,
            tender_status,
            ..
        } = process;
        self.processes.push([
            SqlValue::from(ocid.as_str()),
            buyer.into(),
            buyer_identifier.into(),
            date.into(),
            tender_status.into(),
            (releases as i64).into(),
            facts.into(),
            awards.into(),
            blocks::encode_chunks(&chunks).into(),
        ]);
        self.pairs
            .extend(suppliers.into_iter().map(|id| (id, ocid.clone())));
        Ok(())
    }

    /// Writes the rows still held.
    fn finish(mut self, tx: &'t Transaction<'_>) -> Result<()> {
        self.held = [None, None, None];
        self.processes.finish(tx)?;
        self.chunks.finish(tx)?;
        self.tenders.finish(tx)?;
        // By supplier, each supplier's processes in the order they came:
        // in ocid order (and were they not, still one row each).
        self.pairs.sort_by_key(|(supplier, _)| *supplier);
        let mut pairs = Bulk::new(
            "INSERT INTO ocds_supplier_processes (supplier_id, ocid)",
            "",
            2,
            BATCH,
        );
        let mut held = None;
        for (id, ocid) in self.pairs {
            pairs.push([id.get().into(), ocid.into()]);
            pairs.write_full_on(tx, &mut held)?;
        }
        drop(held);
        pairs.finish(tx)
    }
}

/// The awards kept of a process (none when it has none, or was kept
/// before awards were: schema 54 and before).
pub(super) fn awards_of(bytes: Option<&[u8]>) -> Result<Vec<Award>> {
    match bytes {
        None => Ok(Vec::new()),
        Some(b) => Award::decode_all(b).ok_or_else(|| {
            StoreError::invalid(
                "ocds_processes",
                lumbung_domain::text!("ocds_awards_unreadable";
                    id: "penghargaan kontrak yang tersimpan tidak terbaca",
                    en: "the awards kept of a process cannot be read"),
            )
        }),
    }
}

/// Makes every award to supplier `from` an award to `into` (a merge of
/// suppliers by hand): the awards kept of each process that awarded to
/// `from`, its facts for the report and the pairs naming it. How many
/// awarded parties were `from`.
pub(crate) fn merge_supplier(
    tx: &Transaction<'_>,
    from: SupplierId,
    into: SupplierId,
) -> Result<u64> {
    let ocids: Vec<String> = crate::sql::all(
        tx,
        "SELECT ocid FROM ocds_supplier_processes WHERE supplier_id = ?1",
        [from.get()],
        |r| r.get(0),
    )?;
    let mut moved = 0u64;
    for ocid in &ocids {
        let (facts, awards): (Option<Vec<u8>>, Option<Vec<u8>>) = tx.query_row(
            "SELECT facts, awards FROM ocds_processes WHERE ocid = ?1",
            [ocid],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let mut awards = awards_of(awards.as_deref())?;
        moved += Award::merge_supplier(&mut awards, from, into);
        let facts = facts
            .map(|bytes| {
                let mut facts = Facts::decode(&bytes).ok_or_else(|| {
                    StoreError::invalid(
                        "ocds_processes",
                        lumbung_domain::text!("ocds_facts_unreadable";
                            id: "ringkasan proses yang tersimpan tidak terbaca",
                            en: "the facts kept of a process cannot be read"),
                    )
                })?;
                facts.merge_supplier(from, into);
                Ok::<_, StoreError>(facts.encode())
            })
            .transpose()?;
        tx.execute(
            "UPDATE ocds_processes SET facts = ?2, awards = ?3 WHERE ocid = ?1",
            crate::db::params![ocid, facts, Award::encode_all(&awards)],
        )?;
        tx.execute(
            "DELETE FROM ocds_supplier_processes WHERE supplier_id = ?1 AND ocid = ?2",
            crate::db::params![from.get(), ocid],
        )?;
        tx.execute(
            "INSERT INTO ocds_supplier_processes (supplier_id, ocid) VALUES (?1, ?2)
             ON CONFLICT (supplier_id, ocid) DO NOTHING",
            crate::db::params![into.get(), ocid],
        )?;
    }
    Ok(moved)
}

/// Removes the pairs saying which suppliers a process held from before
/// awarded to, read from its awards as kept.
fn forget_suppliers(tx: &Transaction<'_>, ocid: &str) -> Result<()> {
    let kept: Option<Option<Vec<u8>>> = crate::sql::optional_row(
        tx,
        "SELECT awards FROM ocds_processes WHERE ocid = ?1",
        [ocid],
        |r| r.get(0),
    )?;
    let mut delete =
        tx.prepare("DELETE FROM ocds_supplier_processes WHERE supplier_id = ?1 AND ocid = ?2")?;
    for award in awards_of(kept.flatten().as_deref())? {
        for id in award.suppliers.iter().filter_map(|p| p.supplier) {
            delete.execute(crate::db::params![id.get(), ocid])?;
        }
    }
    Ok(())
}

/// The catalogue's supplier a party is: the one holding its company
/// number, else the spend analysis's rule (identifier, then normal name
/// and postcode), creating it when none is.
fn supplier_of(resolver: &mut SupplierResolver<'_>, party: &Party) -> Result<SupplierId> {
    if let Some(number) = party.identifier.as_deref() {
        if let Some(id) = resolver.by_company_number(number)? {
            return Ok(SupplierId::new(id));
        }
    }
    let id = resolver.resolve(
        party.identifier.as_deref(),
        Some(&party.name),
        party.postcode.as_deref(),
    )?;
    Ok(SupplierId::new(id))
}

/// Moves every process's releases from its blocks (schema 50 to 55)
/// into chunks, and derives it again from them (after migration 56;
/// migration 55, which keeps the awards in their process's row, left
/// the deriving to it).
pub(crate) fn derive_all(tx: &Transaction<'_>) -> Result<()> {
    let ocids: Vec<String> = crate::sql::all(
        tx,
        "SELECT DISTINCT ocid FROM ocds_release_blocks ORDER BY ocid",
        [],
        |r| r.get(0),
    )?;
    let mut resolver = SupplierResolver::new(tx);
    resolver.company_numbers = true;
    let processes = ocids.into_iter().map(|ocid| {
        let held = blocks::held_in_blocks(tx, &ocid)?;
        let (texts, new) = held
            .into_iter()
            .map(|h| {
                let new = NewRelease {
                    import: h.import,
                    identity: Cow::Owned(h.identity),
                    date: Cow::Owned(h.date),
                    checked: true,
                };
                (Cow::Owned(h.text), new)
            })
            .unzip();
        Ok(Touched {
            ocid,
            texts,
            new,
            checks: Vec::new(),
            chunks: Vec::new(),
            held: true,
        })
    });
    // Releases kept are checked.
    derive_many(tx, &mut resolver, processes).map(|_| ())
}

/// Why the report could not be made.
pub(super) enum ReportError {
    Store(StoreError),
    Overflow(Overflow),
}

impl From<StoreError> for ReportError {
    fn from(e: StoreError) -> Self {
        ReportError::Store(e)
    }
}

impl From<crate::db::Error> for ReportError {
    fn from(e: crate::db::Error) -> Self {
        ReportError::Store(e.into())
    }
}

/// The report of the processes `filter` keeps, read one compact record
/// per process ([`Facts`]); a supplier whose party gives no postcode takes
/// its catalogue supplier's (from payments or the registers); each
/// postcode placed by the postcode map (read once) and `placing`.
pub(super) fn report(
    conn: &Connection,
    prefixes: &PostcodePaths,
    filter: &Filter,
    placing: &Placing,
) -> std::result::Result<Report, ReportError> {
    let mut catalogue: HashMap<SupplierId, String> = HashMap::new();
    let mut stmt = conn.prepare(
        "SELECT id, coalesce(postcode, located_postcode) FROM suppliers
         WHERE coalesce(postcode, located_postcode) IS NOT NULL",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        catalogue.insert(SupplierId::new(r.get(0)?), r.get(1)?);
    }
    let places: RefCell<HashMap<String, Place>> = RefCell::default();
    let place = |postcode: Option<&str>| -> Place {
        let Some(pc) = postcode else {
            return Place::Unknown;
        };
        if let Some(known) = places.borrow().get(pc) {
            return *known;
        }
        let path = PostalCode::parse(pc).ok().and_then(|code| {
            code.lookup_prefixes()
                .into_iter()
                .find_map(|p| prefixes.get(p).map(String::as_str))
        });
        let found = placing.at(path);
        places.borrow_mut().insert(pc.to_owned(), found);
        found
    };
    let mut tally = Tally::default();
    let mut stmt = conn.prepare("SELECT buyer, date, releases, facts FROM ocds_processes")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let buyer = r.get_ref(0)?.as_str_or_null()?;
        let date = r.get_ref(1)?.as_str()?;
        if !filter.keeps_at(buyer, date) {
            continue;
        }
        let releases = r.get::<_, i64>(2)? as u64;
        let bytes = r.get_ref(3)?.as_blob()?;
        let mut facts = Facts::decode(bytes).ok_or_else(|| {
            StoreError::invalid(
                "ocds_processes",
                text!("ocds_facts_unreadable";
                    id: "ringkasan sebuah proses tidak terbaca", en: "a process's summary cannot be read"),
            )
        })?;
        for s in facts.awards.iter_mut().flat_map(|a| a.suppliers.iter_mut()) {
            if let (None, Who::Supplier(id)) = (s.postcode, s.who) {
                s.postcode = catalogue.get(&id).map(String::as_str);
            }
        }
        tally
            .add(buyer, releases, &facts, &place)
            .map_err(ReportError::Overflow)?;
    }
    Ok(tally.finish())
}
