//! Every file reader on untrusted bytes. The corpus in
//! `fuzz/corpus/<reader>/` (seed files and the finds worth keeping) is
//! replayed by `cargo test`: no reader may panic on any file of it. The
//! ignored test `fuzz_readers` mutates the corpus for
//! `LUMBUNG_FUZZ_SECS` seconds looking for inputs that make a reader panic
//! or take seconds (docs/security.md, "Fuzzing").

use lumbung_domain::import::{MAX_FIELDS, MAX_ROWS};
use lumbung_domain::RowError;
use lumbung_tabular::{CsvFile, Header};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// One reader's entry point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reader {
    /// `lumbung_spend::read::read_ledger` on text.
    SpendCsv,
    /// The same on a workbook's bytes.
    SpendXlsx,
    /// The same on a workbook made around the bytes as its sheet's XML
    /// (and, after [`SHARED_STRINGS`], its shared strings): reaches the
    /// sheet reader past the zip's checksums.
    SpendSheetXml,
    /// `lumbung_spend::fast::scan_reader`, with small blocks.
    SpendFast,
    /// `lumbung_community::mapping::import_kobo`: households, then the
    /// roster after [`NEXT_FILE`].
    Kobo,
    Ballots,
    Groups,
    Residents,
    /// `lumbung_store::read_voters`, the voter register.
    Voters,
    /// `lumbung_store::read_ballot_lines`, ballots typed one per line.
    BallotLines,
    FundLoans,
    FundRepayments,
    Areas,
    Orgs,
    Postcodes,
    /// The four BPS files, separated by [`NEXT_FILE`].
    Bps,
    /// `lumbung_procurement::ocds::read`, then every process compiled and
    /// reported.
    Ocds,
    /// `lumbung_programme::files::read_grants`.
    Grants,
    /// `lumbung_programme::files::read_activities`.
    Activities,
}

/// Separates the files of a reader that reads more than one.
const NEXT_FILE: &[u8] = b"\n==== next ====\n";
/// Separates a sheet's XML from its shared strings.
const SHARED_STRINGS: &[u8] = b"\n==== sharedStrings ====\n";

impl Reader {
    const ALL: [Reader; 19] = [
        Reader::SpendCsv,
        Reader::SpendXlsx,
        Reader::SpendSheetXml,
        Reader::SpendFast,
        Reader::Kobo,
        Reader::Ballots,
        Reader::Groups,
        Reader::Residents,
        Reader::Voters,
        Reader::BallotLines,
        Reader::FundLoans,
        Reader::FundRepayments,
        Reader::Areas,
        Reader::Orgs,
        Reader::Postcodes,
        Reader::Bps,
        Reader::Ocds,
        Reader::Grants,
        Reader::Activities,
    ];

    fn dir(self) -> &'static str {
        match self {
            Reader::SpendCsv => "spend-csv",
            Reader::SpendXlsx => "spend-xlsx",
            Reader::SpendSheetXml => "spend-sheet-xml",
            Reader::SpendFast => "spend-fast",
            Reader::Kobo => "kobo",
            Reader::Ballots => "ballots",
            Reader::Groups => "groups",
            Reader::Residents => "residents",
            Reader::Voters => "voters",
            Reader::BallotLines => "ballot-lines",
            Reader::FundLoans => "fund-loans",
            Reader::FundRepayments => "fund-repayments",
            Reader::Areas => "areas",
            Reader::Orgs => "orgs",
            Reader::Postcodes => "postcodes",
            Reader::Bps => "bps",
            Reader::Ocds => "ocds",
            Reader::Grants => "grants",
            Reader::Activities => "activities",
        }
    }

    /// Reads the bytes; the outcome in a few words (what the fuzzer takes
    /// as a sign that an input went somewhere new).
    fn run(self, bytes: &[u8]) -> String {
        let ledger = |name: &str, bytes: &[u8]| {
            let options = lumbung_spend::read::ReadOptions::default();
            match lumbung_spend::read::read_ledger(name, bytes, &options) {
                // What the reader decided tells inputs apart, too.
                Ok(l) => shape(&format!(
                    "{} rows; {}; {}; {}",
                    l.rows.len().min(3),
                    l.errors.first().map_or("", |e| e.message.as_str()),
                    l.rows.first().map_or(String::new(), |r| r.flags.join(";")),
                    l.notes
                        .iter()
                        .map(|n| n.as_str())
                        .collect::<Vec<_>>()
                        .join("; ")
                )),
                Err(e) => shape(&e.to_string()),
            }
        };
        match self {
            Reader::SpendCsv => ledger("ledger.csv", bytes),
            Reader::SpendXlsx => ledger("ledger.xlsx", bytes),
            Reader::SpendSheetXml => ledger("ledger.xlsx", &workbook(bytes)),
            _ => match self.read(bytes) {
                Ok(()) => "ok".to_owned(),
                Err(e) => shape(&e),
            },
        }
    }

    /// Reads the bytes: Err with the reader's message (the first problem
    /// of readers that list them).
    fn read(self, bytes: &[u8]) -> Result<(), String> {
        fn outcome<T, E: ToString>(r: Result<T, E>) -> Result<(), String> {
            r.map(|_| ()).map_err(|e| e.to_string())
        }
        fn listed<T, E: ToString>(r: Result<(T, Vec<RowError>), E>) -> Result<(), String> {
            match r.map_err(|e| e.to_string())? {
                (_, errors) if !errors.is_empty() => {
                    Err(format!("line {}: {}", errors[0].line, errors[0].message))
                }
                _ => Ok(()),
            }
        }
        let csv = |name: &str| CsvFile::read(name, bytes, Header::InFile);
        match self {
            Reader::SpendCsv => outcome(spend(bytes, "ledger.csv")),
            Reader::SpendXlsx => outcome(spend(bytes, "ledger.xlsx")),
            Reader::SpendSheetXml => outcome(spend(&workbook(bytes), "ledger.xlsx")),
            Reader::SpendFast => {
                let mut options =
                    lumbung_spend::fast::ScanOptions::new(lumbung_domain::FiscalCalendar::UK);
                options.threads = 1;
                options.block_size = 1 + bytes.len() % 97;
                outcome(lumbung_spend::fast::scan_reader(
                    "ledger.csv",
                    bytes,
                    bytes.len() as u64,
                    &options,
                    &mut |_, _| {},
                ))
            }
            Reader::Kobo => {
                use lumbung_community::mapping::{
                    bps_template, import_kobo, CsvFile, KelurahanAreas, KoboMapping,
                };
                let [households, roster] = split::<2>(bytes, NEXT_FILE);
                let areas = KelurahanAreas::by_convention(
                    lumbung_domain::AreaCode::parse("3604010001").expect("a code"),
                    &[(3, 4), (3, 5), (5, 1), (5, 2)],
                )
                .expect("RT codes");
                outcome(import_kobo(
                    CsvFile::new("households.csv", households),
                    CsvFile::new("roster.csv", roster),
                    &KoboMapping::default(),
                    &bps_template(),
                    &areas,
                ))
            }
            Reader::Ballots => outcome(lumbung_community::election::read_ballots(
                "BALLOTS.csv",
                bytes,
            )),
            Reader::Groups => outcome(lumbung_community::election::read_groups(
                "GROUPS.csv",
                bytes,
            )),
            Reader::Residents => outcome(lumbung_community::election::read_residents(
                "RESIDENTS.csv",
                bytes,
            )),
            Reader::Voters => outcome(lumbung_store::read_voters("register.csv", bytes)),
            Reader::BallotLines => outcome(lumbung_store::read_ballot_lines(
                &String::from_utf8_lossy(bytes),
            )),
            Reader::FundLoans => listed(lumbung_fund::books_file::loans(&csv("loans.csv"))),
            Reader::FundRepayments => {
                listed(lumbung_fund::books_file::repayments(&csv("repayments.csv")))
            }
            Reader::Areas => listed(lumbung_domain::area_file::parse_areas(&csv("areas.csv"))),
            Reader::Orgs => listed(lumbung_domain::org_file::parse_orgs(&csv("orgs.csv"))),
            Reader::Postcodes => listed(lumbung_domain::area_file::parse_postcodes(&csv(
                "postcodes.csv",
            ))),
            Reader::Bps => {
                let parts = split::<4>(bytes, NEXT_FILE);
                let files: [(String, &[u8]); 4] =
                    std::array::from_fn(|i| (format!("bps-{i}.csv"), parts[i]));
                let batch = lumbung_domain::area_file::parse_bps(&files, false);
                listed(Ok::<_, String>(((), batch.errors)))
            }
            Reader::Grants => outcome(lumbung_programme::files::read_grants("grants.csv", bytes)),
            Reader::Activities => outcome(lumbung_programme::files::read_activities(
                "activities.csv",
                bytes,
            )),
            Reader::Ocds => outcome(ocds(bytes)),
        }
    }
}

/// An OCDS file read, each process compiled and the report made of them.
fn ocds(bytes: &[u8]) -> Result<(), String> {
    use lumbung_procurement::{contracts, ocds};
    let releases = ocds::read("releases.json", bytes).map_err(|e| e.to_string())?;
    let mut by_ocid: std::collections::BTreeMap<
        &str,
        Vec<&serde_json::Map<String, serde_json::Value>>,
    > = Default::default();
    for r in &releases {
        by_ocid.entry(&r.ocid).or_default().push(&r.json);
    }
    let processes: Vec<contracts::Process> = by_ocid
        .into_iter()
        .map(|(ocid, rs)| contracts::Process::of(&ocds::compile(ocid, rs)))
        .collect();
    contracts::report(&processes, &Default::default(), &|_| {
        contracts::Place::Unknown
    })
    .map(|_| ())
    .map_err(|e| e.to_string())
}

fn spend(bytes: &[u8], name: &str) -> Result<(), lumbung_domain::Rejected> {
    let options = lumbung_spend::read::ReadOptions::default();
    lumbung_spend::read::read_ledger(name, bytes, &options).map(|_| ())
}

/// An error message without its numbers and quoted values: its kind.
fn shape(message: &str) -> String {
    let mut out = String::new();
    let mut quoted = false;
    for c in message.chars().take(160) {
        match c {
            '"' => quoted = !quoted,
            _ if quoted || c.is_ascii_digit() => {}
            _ => out.push(c),
        }
    }
    out
}

/// The bytes cut at the first `N - 1` separators; missing parts are empty.
fn split<'a, const N: usize>(bytes: &'a [u8], separator: &[u8]) -> [&'a [u8]; N] {
    let mut parts = [&[][..]; N];
    let mut rest = bytes;
    for part in parts.iter_mut().take(N - 1) {
        match rest.windows(separator.len()).position(|w| w == separator) {
            Some(i) => {
                *part = &rest[..i];
                rest = &rest[i + separator.len()..];
            }
            None => {
                *part = rest;
                rest = &[];
                break;
            }
        }
    }
    if !rest.is_empty() {
        parts[N - 1] = rest;
    }
    parts
}

/// A workbook of one sheet whose XML is `bytes` (and whose shared strings
/// follow [`SHARED_STRINGS`]), stored uncompressed.
fn workbook(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let [sheet, strings] = split::<2>(bytes, SHARED_STRINGS);
    let parts: [(&str, &[u8]); 6] = [
        (
            "[Content_Types].xml",
            br#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>"#,
        ),
        (
            "_rels/.rels",
            br#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        ),
        (
            "xl/workbook.xml",
            br#"<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Payments" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        ),
        (
            "xl/_rels/workbook.xml.rels",
            br#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#,
        ),
        ("xl/worksheets/sheet1.xml", sheet),
        ("xl/sharedStrings.xml", strings),
    ];
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, content) in parts {
        if name == "xl/sharedStrings.xml" && content.is_empty() {
            continue;
        }
        zip.start_file(name, options).expect("in memory");
        zip.write_all(content).expect("in memory");
    }
    zip.finish().expect("in memory").into_inner()
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus")
}

/// The corpus files of a reader, in name order.
fn corpus(reader: Reader) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = corpus_dir().join(reader.dir());
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let bytes = std::fs::read(&path).expect("a corpus file");
            (path, bytes)
        })
        .collect()
}

/// Runs a reader, a panic caught: Err names it.
fn survives(reader: Reader, bytes: &[u8]) -> Result<String, String> {
    catch_unwind(AssertUnwindSafe(|| reader.run(bytes))).map_err(|panic| {
        panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_default()
    })
}

#[test]
fn every_reader_survives_the_whole_corpus() {
    let mut failures = Vec::new();
    for seeds in Reader::ALL {
        let files = corpus(seeds);
        assert!(!files.is_empty(), "no corpus for {}", seeds.dir());
        for (path, bytes) in &files {
            for reader in Reader::ALL {
                if let Err(panic) = survives(reader, bytes) {
                    failures.push(format!("{:?} on {}: {panic}", reader, path.display()));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn the_seeds_are_read_as_expected() {
    let file = |reader: Reader, name: &str| {
        let bytes = std::fs::read(corpus_dir().join(reader.dir()).join(name)).unwrap();
        reader.read(&bytes).err().unwrap_or_else(|| "ok".to_owned())
    };
    for (reader, name) in [
        (Reader::SpendCsv, "english.csv"),
        (Reader::SpendXlsx, "payments.xlsx"),
        (Reader::SpendSheetXml, "payments.xml"),
        (Reader::SpendFast, "clean.csv"),
        (Reader::Kobo, "sample.csv"),
        (Reader::FundLoans, "sample.csv"),
        (Reader::Areas, "lancashire.csv"),
        (Reader::Orgs, "demo.csv"),
    ] {
        assert_eq!(file(reader, name), "ok", "{reader:?} {name}");
    }
    let bomb = file(Reader::SpendXlsx, "a1-xfd1048576.xlsx");
    assert!(bomb.contains("is too large to read"), "{bomb}");
    assert_eq!(bomb, file(Reader::SpendSheetXml, "a1-xfd1048576.xml"));
}

fn reader_index(reader: Reader) -> usize {
    Reader::ALL
        .iter()
        .position(|r| *r == reader)
        .expect("a reader")
}

#[test]
fn a_row_wider_than_a_spreadsheet_is_refused_not_held() {
    // Not blank: rows of empty fields only are skipped unread.
    let wide = "x,".repeat(MAX_FIELDS + 9);
    for reader in [
        Reader::SpendCsv,
        Reader::Kobo,
        Reader::Ballots,
        Reader::Groups,
        Reader::Residents,
        Reader::Voters,
        Reader::BallotLines,
    ] {
        let bytes = format!("{wide}\n==== next ====\nx\n");
        let message = reader.read(bytes.as_bytes()).unwrap_err();
        assert!(
            message.contains("16,394 fields, more than the 16,384 read")
                || message.contains("16394 fields, more than the 16384 read"),
            "{reader:?}: {message}"
        );
    }
    let file = CsvFile::read(
        "w.csv",
        format!("a,b\n1,2\n{wide}\n3,4\n").as_bytes(),
        Header::InFile,
    );
    assert_eq!(file.rows.len(), 1, "reading stopped at the wide row");
    assert_eq!(file.errors[0].line, 3);
    assert!(file.errors[0].message.contains("more than the 16384"));
}

/// Asserts that `reader` stops at the row after the first [`MAX_ROWS`].
fn stops_after_a_million_rows(reader: Reader, header: &str, row: impl Fn(usize) -> String) {
    let mut text = format!("{header}\n");
    for i in 0..=MAX_ROWS {
        text.push_str(&row(i));
        text.push('\n');
    }
    let message = reader.read(text.as_bytes()).unwrap_err();
    assert!(
        message.contains("more than 1000000 rows"),
        "{reader:?}: {}",
        &message[..message.len().min(500)]
    );
}

// One test per reader: they run side by side.
#[test]
fn a_residents_file_stops_after_a_million_rows() {
    stops_after_a_million_rows(Reader::Residents, "person", |i| format!("p{i}"));
}

#[test]
fn a_voter_register_stops_after_a_million_rows() {
    stops_after_a_million_rows(Reader::Voters, "name,age", |i| format!("p{i},30"));
}

#[test]
fn a_kobo_export_stops_after_a_million_rows() {
    stops_after_a_million_rows(Reader::Kobo, "_uuid", |i| format!("u{i}"));
}

#[test]
fn typed_ballot_lines_stop_after_a_million_rows() {
    stops_after_a_million_rows(Reader::BallotLines, "1,A", |i| format!("{},A", i + 2));
}

/// A small random generator (xorshift): the fuzzer needs no more.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Pieces that mean something to one reader or another.
const TOKENS: &[&[u8]] = &[
    b",",
    b";",
    b"\t",
    b"|",
    b"\"",
    b"\"\"",
    b"\n",
    b"\r\n",
    b"\r",
    b"\xEF\xBB\xBF",
    b"\xFF\xFE",
    b"\xFF",
    b"\xC3",
    b"\0",
    b"0",
    b"-1",
    b"1e308",
    b"NaN",
    b"-0,00",
    b"(1.234,50)",
    b"99999999999999999999",
    b"9223372036854775807",
    b"-9223372036854775808",
    b"1.234.567,89",
    b"\xC2\xA3",
    b"Rp",
    b"Total",
    b"Jumlah",
    b"Amount",
    b"Supplier Name",
    b"Paid Date",
    b"2024-02-30",
    b"31/12/9999",
    b"29/02/2023",
    b"00/00/0000",
    b"ya",
    b"tidak",
    b"_index",
    b"_parent_index",
    b"_uuid",
    b"household/rt",
    b"ballot_id",
    b"written",
    b"person",
    b"name",
    b"birth_date",
    b"loan_id",
    b"principal",
    b"code",
    b"parent_code",
    b"ID",
    b"<c r=\"A1\">",
    b"<c r=\"XFD1048576\">",
    b"<c r=\"ZZZZ0\">",
    b"<row r=\"0\">",
    b"<row r=\"4294967295\">",
    b"</c>",
    b"</row>",
    b"<v>",
    b"</v>",
    b" t=\"s\"",
    b" t=\"inlineStr\"",
    b" t=\"d\"",
    b" t=\"e\"",
    b" t=\"b\"",
    b" s=\"99\"",
    b"<is><t>",
    b"</t></is>",
    b"<f>",
    b"&amp;",
    b"&#0;",
    b"&#xFFFFFF;",
    b"<si><t>x</t></si>",
    b"<dimension ref=\"A1:XFD1048576\"/>",
    b"==== next ====",
    b"==== sharedStrings ====",
    b"45251",
    b"-693594",
    b"2958466",
];

/// One to four random changes.
fn mutate(rng: &mut Rng, input: &[u8], other: &[u8]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(out.len() + 1);
        match rng.below(9) {
            0 if !out.is_empty() => {
                let i = rng.below(out.len());
                out[i] ^= 1 << rng.below(8);
            }
            1 if !out.is_empty() => {
                let i = rng.below(out.len());
                out[i] = rng.next() as u8;
            }
            2 => out.insert(at, rng.next() as u8),
            3 if !out.is_empty() => {
                let from = rng.below(out.len());
                let to = (from + 1 + rng.below(16)).min(out.len());
                out.drain(from..to);
            }
            4 | 5 => {
                let token = TOKENS[rng.below(TOKENS.len())];
                out.splice(at..at, token.iter().copied());
            }
            6 if !out.is_empty() => {
                // A piece of the input again, elsewhere (rows, cells).
                let from = rng.below(out.len());
                let len = 1 + rng.below((out.len() - from).min(256));
                let piece = out[from..from + len].to_vec();
                let times = 1 + rng.below(4);
                for _ in 0..times {
                    out.splice(at..at, piece.iter().copied());
                }
            }
            7 if !other.is_empty() => {
                // Crossover: the start of one input, the end of another.
                let cut = rng.below(other.len());
                out.truncate(at);
                out.extend_from_slice(&other[cut..]);
            }
            _ => out.truncate(at),
        }
    }
    out.truncate(64 << 10);
    out
}

/// Mutates the corpus for `LUMBUNG_FUZZ_SECS` seconds (30 by default),
/// every reader in turn. An input that makes a reader panic, or take more
/// than two seconds, is written to `fuzz/crashes/` and fails the test;
/// with `LUMBUNG_FUZZ_SAVE=1`, the first 20 small inputs per reader that
/// reach a new outcome are added to the corpus. The input being read is in `/dev/shm/lumbung-fuzz-input`
/// (or the temporary directory), for when the process itself dies.
#[test]
#[ignore = "runs for minutes: LUMBUNG_FUZZ_SECS=600 cargo test --bin lumbung fuzz_readers -- --ignored"]
fn fuzz_readers() {
    let secs: u64 = std::env::var("LUMBUNG_FUZZ_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30);
    let save = std::env::var("LUMBUNG_FUZZ_SAVE").is_ok_and(|v| v == "1");
    let seed = std::env::var("LUMBUNG_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x9E37_79B9_7F4A_7C15);
    let mut rng = Rng(seed | 1);
    // In memory when the system has a place for it: written before every run.
    let shm = Path::new("/dev/shm");
    let in_flight = if shm.is_dir() {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    }
    .join("lumbung-fuzz-input");
    let crashes = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/crashes");
    // The panics are counted here; their messages would flood the output.
    std::panic::set_hook(Box::new(|_| {}));
    let mut pools: Vec<Vec<Vec<u8>>> = Reader::ALL
        .iter()
        .map(|r| corpus(*r).into_iter().map(|(_, b)| b).collect())
        .collect();
    let mut outcomes: Vec<std::collections::HashSet<String>> =
        vec![Default::default(); Reader::ALL.len()];
    let mut runs = [0u64; Reader::ALL.len()];
    let mut saved = [0usize; Reader::ALL.len()];
    // Each reader gets the same share of the time, the slow ones too.
    let mut spent = [Duration::ZERO; Reader::ALL.len()];
    let mut found = Vec::new();
    let end = Instant::now() + Duration::from_secs(secs);
    let mut turn = 0usize;
    while Instant::now() < end {
        let r = (0..Reader::ALL.len())
            .min_by_key(|&r| spent[r])
            .expect("readers");
        turn += 1;
        let reader = Reader::ALL[r];
        let pool = &pools[r];
        let pick = rng.below(pool.len());
        let input = mutate(&mut rng, &pool[pick], &pool[turn % pool.len()]);
        std::fs::write(&in_flight, &input).expect("the temporary directory");
        let started = Instant::now();
        let result = survives(reader, &input);
        runs[r] += 1;
        let took = started.elapsed();
        spent[r] += took;
        let slow = took > Duration::from_secs(2);
        match result {
            Err(panic) => found.push((reader, input, format!("panic: {panic}"))),
            Ok(_) if slow => found.push((reader, input, "slow".to_owned())),
            Ok(outcome) => {
                if outcomes[r].insert(outcome) && pools[r].len() < 5_000 {
                    if save && saved[r] < 20 && input.len() <= 8 << 10 {
                        saved[r] += 1;
                        let name = format!("found-{:016x}", rng.next());
                        std::fs::write(corpus_dir().join(reader.dir()).join(name), &input)
                            .expect("the corpus directory");
                    }
                    pools[r].push(input);
                }
            }
        }
    }
    let _ = std::panic::take_hook();
    for (reader, input, what) in &found {
        std::fs::create_dir_all(&crashes).expect("fuzz/crashes");
        let path = crashes.join(format!("{}-{:016x}", reader.dir(), rng.next()));
        std::fs::write(&path, input).expect("fuzz/crashes");
        eprintln!("{reader:?}: {what} ({})", path.display());
    }
    let total: u64 = runs.iter().sum();
    eprintln!("{total} runs in {secs} s:");
    for ((reader, n), time) in Reader::ALL.iter().zip(runs).zip(spent) {
        let kept = pools[reader_index(*reader)].len();
        eprintln!(
            "  {:<16} {n:>9} runs  {:>6.1} s  {kept} inputs in the pool",
            reader.dir(),
            time.as_secs_f64()
        );
    }
    assert!(found.is_empty(), "{} inputs found", found.len());
}
