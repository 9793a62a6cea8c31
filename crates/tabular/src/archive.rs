//! Payment files inside a ZIP archive, read one at a time within the same
//! bounds as a workbook's parts: at most [`limits::ZIP_PARTS`] entries and
//! [`limits::UNZIPPED_BYTES`] unzipped in all, counted as they unzip (the
//! sizes an archive declares are not trusted).

use crate::table::{limits, thousands};
use lumbung_text::{text, Text};
use std::io::Read;

/// The kinds of file read as payment files, in an archive or a folder.
pub const PAYMENT_FILES: &[&str] = &["csv", "txt", "tsv", "xlsx", "xlsm"];

/// Whether a file's name says it is one of [`PAYMENT_FILES`].
pub fn is_payment_file(name: &str) -> bool {
    name.rsplit_once('.')
        .is_some_and(|(_, ext)| PAYMENT_FILES.iter().any(|r| ext.eq_ignore_ascii_case(r)))
}

/// An open archive and what is left of its unzipping budget.
pub struct Archive<'a> {
    zip: zip::ZipArchive<std::io::Cursor<&'a [u8]>>,
    budget: u64,
}

impl<'a> Archive<'a> {
    pub fn open(bytes: &'a [u8]) -> Result<Archive<'a>, Text> {
        let zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| {
            text!("archive_unreadable", error = e;
                id: "arsip ZIP tidak bisa dibaca: {error}",
                en: "cannot read the ZIP archive: {error}")
        })?;
        if zip.len() > limits::ZIP_PARTS {
            return Err(
                text!("archive_too_many", parts = thousands(zip.len() as u64),
                max = thousands(limits::ZIP_PARTS as u64);
                id: "arsip ini berisi {parts} berkas, lebih dari {max} yang dibaca",
                en: "the archive holds {parts} files, more than the {max} read"),
            );
        }
        Ok(Archive {
            zip,
            budget: limits::UNZIPPED_BYTES,
        })
    }

    /// The payment files inside (CSV, TXT, TSV, XLSX, XLSM; folders and
    /// others left out), in byte order of their names.
    pub fn payment_files(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .zip
            .file_names()
            .filter_map(Result::ok)
            .map(std::borrow::Cow::into_owned)
            .filter(|n| !n.ends_with('/') && is_payment_file(n))
            .collect();
        names.sort_unstable_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        names
    }

    /// One entry's bytes, refused once the archive's budget is spent.
    pub fn read(&mut self, name: &str) -> Result<Vec<u8>, Text> {
        let unreadable = |e: &dyn std::fmt::Display| {
            text!("archive_entry_unreadable", file = name, error = e;
                id: "{file} di dalam arsip tidak bisa dibaca: {error}",
                en: "cannot read {file} inside the archive: {error}")
        };
        let entry = self.zip.by_name(name).map_err(|e| unreadable(&e))?;
        let mut bytes = Vec::new();
        let read = entry
            .take(self.budget + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| unreadable(&e))? as u64;
        if read > self.budget {
            return Err(
                text!("archive_too_large", max = thousands(limits::UNZIPPED_BYTES);
                id: "isi arsip melebihi {max} bita setelah dibuka",
                en: "the archive unzips to more than {max} bytes"),
            );
        }
        self.budget -= read;
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zipped(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = std::io::Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut out);
        for (name, bytes) in entries {
            zip.start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            zip.write_all(bytes).unwrap();
        }
        zip.finish().unwrap();
        out.into_inner()
    }

    #[test]
    fn payment_files_in_byte_order_within_the_budget() {
        let bytes = zipped(&[
            ("b/2011-02.csv", b"x"),
            ("README.md", b"no"),
            ("a/Z.xlsx", b"y"),
            ("a/a.CSV", b"z"),
        ]);
        let mut archive = Archive::open(&bytes).unwrap();
        assert_eq!(
            archive.payment_files(),
            ["a/Z.xlsx", "a/a.CSV", "b/2011-02.csv"]
        );
        assert_eq!(archive.read("a/a.CSV").unwrap(), b"z");
        archive.budget = 1;
        assert_eq!(archive.read("a/Z.xlsx").unwrap(), b"y");
        let spent = archive.read("b/2011-02.csv").unwrap_err();
        assert!(spent.english().contains("unzips to more than"), "{spent}");
        assert!(Archive::open(b"not a zip").is_err());
    }
}
