//! What a flag on an imported row says, in the reader's language. Flags
//! are stored as the reader wrote them (English, `; ` between two), as the
//! API and the CLI give them; pages translate them on the way out.

/// `stored` in Indonesian when `indonesian`; a part this reader did not
/// write (none today) stays as it is.
pub fn flags(stored: &str, indonesian: bool) -> String {
    if !indonesian {
        return stored.to_owned();
    }
    stored
        .split("; ")
        .map(flag_in_indonesian)
        .collect::<Vec<_>>()
        .join("; ")
}

fn flag_in_indonesian(flag: &str) -> String {
    let prefixed = [
        ("date unreadable: ", "tanggal tak terbaca: "),
        ("fiscal year unreadable: ", "tahun anggaran tak terbaca: "),
        ("SME unreadable: ", "status UMKM tak terbaca: "),
    ];
    for (en, id) in prefixed {
        if let Some(value) = flag.strip_prefix(en) {
            return format!("{id}{value}");
        }
    }
    if let Some((decimal, money)) = flag
        .strip_prefix("amount ")
        .and_then(|rest| rest.split_once(" in the sheet rounded to "))
    {
        return format!("jumlah {decimal} di lembar kerja dibulatkan menjadi {money}");
    }
    match flag {
        crate::read::NO_SUPPLIER_NAME => "tanpa nama pemasok".to_owned(),
        crate::prepare::YEAR_FROM_FILE_NAME => "tahun anggaran diambil dari nama berkas".to_owned(),
        crate::prepare::DATE_FROM_FILE_NAME => "tanggal dari nama berkas".to_owned(),
        crate::prepare::DATE_FROM_PERIOD => "tanggal dari periode yang diberikan".to_owned(),
        _ => flag.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::flags;
    use crate::read::{read_ledger, ReadOptions};

    #[test]
    fn every_flag_the_reader_writes_reads_in_indonesian() {
        let file = "Supplier,Date,SME,Fiscal Year,Amount\n\
                    ,31/02/2024,perhaps,FY-what,10.00\n";
        let ledger = read_ledger("a.csv", file.as_bytes(), &ReadOptions::default()).unwrap();
        let stored = ledger.rows[0].flags.join("; ");
        for en in [
            "date unreadable",
            "fiscal year unreadable",
            "SME unreadable",
            "no supplier name",
        ] {
            assert!(stored.contains(en), "{stored}");
        }
        let id = flags(&stored, true);
        assert_eq!(
            id,
            "tanggal tak terbaca: 31/02/2024; tahun anggaran tak terbaca: FY-what; \
             status UMKM tak terbaca: perhaps; tanpa nama pemasok"
        );
        assert_eq!(flags(&stored, false), stored);
    }

    #[test]
    fn rounding_and_the_file_names_year_read_in_indonesian() {
        assert_eq!(
            flags("amount 1.005 in the sheet rounded to 1.01; fiscal year taken from the file name", true),
            "jumlah 1.005 di lembar kerja dibulatkan menjadi 1.01; tahun anggaran diambil dari nama berkas"
        );
    }
}
