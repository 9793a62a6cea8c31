//! `lumbung migrate` and `lumbung backup`: the database file itself.

use crate::shared::Db;
use anyhow::Result;
use lumbung_domain::text;
use lumbung_store::Transport;
use std::path::Path;

/// `lumbung migrate`: brings the schema up to date and prints its version.
pub fn migrate(db: &Db) -> Result<()> {
    let store = db.open()?;
    println!(
        "{}: schema version {}",
        store.path().display(),
        store.schema_version()?
    );
    let said = match store.transport()? {
        None => return Ok(()),
        Some(Transport::Plain) => text!("transport_plain";
            id: "koneksi tidak dienkripsi (sslmode=require atau verify-full untuk TLS)",
            en: "connection not encrypted (sslmode=require or verify-full for TLS)"),
        Some(Transport::Encrypted) => text!("transport_encrypted";
            id: "koneksi TLS; identitas server tidak diperiksa (sslmode=verify-full dengan sslrootcert untuk memeriksanya)",
            en: "TLS connection; the server's identity not checked (sslmode=verify-full with sslrootcert checks it)"),
        Some(Transport::Verified) => text!("transport_verified";
            id: "koneksi TLS ke server yang sertifikatnya diperiksa",
            en: "TLS connection to a server whose certificate was checked"),
    };
    println!("{}", said.get(crate::shared::language()));
    Ok(())
}

/// `lumbung copy --from A --to B`: every row, ids kept, then checked: the
/// row counts of every table, the fund journal's hash chain on the target,
/// and the spend facts (what every spend report is computed from) equal.
pub fn copy(db: &Db, from: &Path, to: &Path) -> Result<()> {
    let is_file = |p: &Path| !p.to_str().is_some_and(lumbung_store::is_postgres_url);
    if is_file(from) && !from.exists() {
        return Err(crate::shared::said(
            text!("copy_no_source", path = from.display();
            id: "{path}: berkas tidak ada", en: "{path}: no such file"),
        ));
    }
    let open = |path: &Path| {
        Db {
            path: Some(path.to_path_buf()),
            busy_timeout: db.busy_timeout,
        }
        .open()
    };
    let (source, target) = (open(from)?, open(to)?);
    let bar = crate::shared::progress::bar("copying");
    let summary = source.copy_into(&target, &mut |table, rows| {
        bar.set_message(format!("{table}: {rows}"));
    })?;
    bar.finish_and_clear();
    let journal = target.verify_fund_journal()?;
    if journal != source.verify_fund_journal()? {
        return Err(crate::shared::said(text!("copy_journal_differs";
            id: "buku jurnal dana di tujuan tidak sama dengan di sumber",
            en: "the fund journal in the target does not verify as the source's")));
    }
    if source.spend_facts()? != target.spend_facts()? {
        return Err(crate::shared::said(text!("copy_facts_differ";
            id: "data belanja di tujuan tidak sama dengan di sumber",
            en: "the spend facts in the target differ from the source's")));
    }
    for (table, rows) in summary.tables.iter().filter(|(_, n)| *n > 0) {
        println!("{table}: {rows}");
    }
    println!(
        "{} -> {}: {} rows copied; every table's count equal, fund journal {}, spend facts equal",
        source.path().display(),
        target.path().display(),
        summary.rows,
        match journal {
            Ok(n) => format!("verified ({n} entries)"),
            Err(at) => format!("broken at entry {at} on both sides, as it was"),
        }
    );
    Ok(())
}

/// `lumbung backup FILE`: a consistent copy, never over an existing file.
pub fn backup(db: &Db, file: &Path) -> Result<()> {
    let store = db.open()?;
    store.backup(file)?;
    println!(
        "{}: backed up to {}",
        store.path().display(),
        file.display()
    );
    Ok(())
}
