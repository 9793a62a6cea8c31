//! OCDS files as publishers serve them, into releases: a release package
//! (`{"releases": [...]}`), a record package (`records[]`, each record's
//! `compiledRelease` when it has one, else its `releases`), a single
//! release, a JSON array of releases, or JSON Lines (a release or a
//! package per line); any of them gzipped. A file with any problem is
//! refused whole, each problem with its line (of a JSON Lines file; 1
//! otherwise) and the JSON path of what is wrong.

use super::parallel;
use lumbung_domain::{text, Rejected, RowError, Text};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::io::Read;
use std::ops::Range;

/// The most a gzipped file may unpack to: more is refused, not unpacked
/// into memory.
pub const MAX_UNPACKED: u64 = 2 << 30;

/// One release read from a file.
#[derive(Debug, Clone, PartialEq)]
pub struct Release {
    /// The line it starts on (of a JSON Lines file; 1 otherwise).
    pub line: u64,
    /// Where it stands in its value (`/releases/3`; `` for a lone release).
    pub path: String,
    pub ocid: String,
    /// The release's `id` as published, if it has one.
    pub id: Option<String>,
    /// What names the release within its process: its `id`, or, without
    /// one, `sha256:` and the SHA-256 of its canonical JSON.
    pub identity: String,
    /// Its `date` as published ("" without one).
    pub date: String,
    pub json: Map<String, Value>,
    /// Where its text stands in the (unpacked) bytes read, when it is a
    /// whole value of them (a line of JSON Lines, a lone release).
    pub span: Option<Range<usize>>,
}

/// The releases of file `name`, or the file refused with every problem.
pub fn read(name: &str, bytes: &[u8]) -> Result<Vec<Release>, Rejected> {
    let mut releases = Vec::new();
    read_each(name, bytes, |r| releases.push(r))?;
    Ok(releases)
}

/// Each release of file `name` handed to `each` as it is read, one JSON
/// value at a time (a city's JSON Lines are never held as values all at
/// once); the file refused with every problem. A caller that stores
/// releases as they come undoes them when the file is refused.
pub fn read_each(name: &str, bytes: &[u8], mut each: impl FnMut(Release)) -> Result<(), Rejected> {
    let refuse = |errors: Vec<RowError>| Rejected {
        file: name.to_owned(),
        errors,
    };
    let unpacked;
    let bytes = if bytes.starts_with(&[0x1f, 0x8b]) {
        unpacked = gunzip(bytes).map_err(|e| refuse(vec![RowError::new(1, None, e)]))?;
        &unpacked[..]
    } else {
        bytes
    };
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut errors = Vec::new();
    let mut releases = Vec::new();
    values(bytes, false, |value, line, span| {
        unpack(value, line, span, &mut releases, &mut errors);
        // Once the file is refused, its releases are only checked.
        for r in releases.drain(..) {
            if errors.is_empty() {
                each(r);
            }
        }
    })
    .map_err(|e| refuse(vec![e]))?;
    if errors.is_empty() {
        Ok(())
    } else {
        Err(refuse(errors))
    }
}

/// The bytes of file `name` as they are read: a gzipped file unpacked
/// (within [`MAX_UNPACKED`]), any other as it is.
pub fn unpacked<'a>(name: &str, bytes: &'a [u8]) -> Result<Cow<'a, [u8]>, Rejected> {
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        return Ok(Cow::Borrowed(bytes));
    }
    gunzip(bytes).map(Cow::Owned).map_err(|e| Rejected {
        file: name.to_owned(),
        errors: vec![RowError::new(1, None, e)],
    })
}

/// A release as it is kept: what names it, and its JSON text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Kept<'a> {
    /// Borrowed from the file's text where it can be (a city's million
    /// releases are held at once while they are sorted by process).
    pub ocid: Cow<'a, str>,
    /// As [`Release::identity`], borrowed from the file's text where it
    /// can be.
    pub identity: Cow<'a, str>,
    pub date: Cow<'a, str>,
    /// Its text as the file gives it when it is a whole value of the file
    /// (a line of JSON Lines, a lone release); else written compact.
    pub text: Cow<'a, str>,
    /// Whether it passed the checks of [`read_each`]; else it was only
    /// scanned ([`read_kept`] with `scanned`), and is kept only once its
    /// whole text is checked ([`super::scan::Named::holds`]).
    pub checked: bool,
}

impl<'a> Kept<'a> {
    fn of(release: Release, bytes: &'a [u8]) -> Kept<'a> {
        let as_given = release
            .span
            .and_then(|span| bytes.get(span))
            .and_then(|text| std::str::from_utf8(text).ok());
        let text = match as_given {
            Some(text) => Cow::Borrowed(text),
            None => {
                Cow::Owned(serde_json::to_string(&release.json).expect("JSON values serialise"))
            }
        };
        Kept {
            ocid: Cow::Owned(release.ocid),
            identity: Cow::Owned(release.identity),
            date: Cow::Owned(release.date),
            text,
            checked: true,
        }
    }
}

/// How many bytes of JSON Lines a worker reads at a time.
const CHUNK: usize = 1 << 22;

/// Each release of `bytes` (file `name`, as [`unpacked`] gives it) handed
/// to `each` as it is kept, in the file's order; or the file refused as
/// [`read_each`] refuses it. JSON Lines are read in chunks of whole lines
/// on `threads` threads; any other file, and any file with a problem, is
/// read as [`read_each`] reads it (a caller that stores releases as they
/// come undoes them when the file is refused). With `scanned`, a line of
/// JSON Lines is read only as far as what names it
/// ([`super::scan::scan`]): kept unchecked, for the caller to check
/// whole later.
pub fn read_kept<'a>(
    name: &str,
    bytes: &'a [u8],
    threads: usize,
    scanned: bool,
    each: impl FnMut(Kept<'a>),
) -> Result<(), Rejected> {
    read_kept_in(name, bytes, threads, CHUNK, scanned, each)
}

/// [`read_kept`] in chunks of about `size` bytes.
fn read_kept_in<'a>(
    name: &str,
    bytes: &'a [u8],
    threads: usize,
    size: usize,
    scanned: bool,
    mut each: impl FnMut(Kept<'a>),
) -> Result<(), Rejected> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut given = 0usize;
    if let Some(chunks) = json_lines(body, size) {
        let read: Result<(), ()> = parallel::ordered_map(
            chunks,
            threads,
            |range| chunk(body, range, scanned),
            |kept: Option<Vec<Kept<'a>>>| {
                for k in kept.ok_or(())? {
                    given += 1;
                    each(k);
                }
                Ok(())
            },
        );
        if read.is_ok() {
            return Ok(());
        }
    }
    // Read whole; the releases handed out already are not handed again.
    // A gzipped file is unpacked by `read_each` into bytes of its own,
    // where the releases' spans point: their text is written again.
    let given_bytes: &'a [u8] = if body.starts_with(&[0x1f, 0x8b]) {
        &[]
    } else {
        body
    };
    let mut seen = 0usize;
    read_each(name, body, |release| {
        seen += 1;
        if seen > given {
            each(Kept::of(release, given_bytes));
        }
    })
}

/// The chunks of whole lines of `body` when it is JSON Lines (its first
/// line a whole JSON value, and more lines after it); `None` otherwise.
fn json_lines(body: &[u8], size: usize) -> Option<Vec<Range<usize>>> {
    let first = body.iter().position(|&b| b == b'\n')?;
    if first + 1 >= body.len()
        || serde_json::from_slice::<serde::de::IgnoredAny>(&body[..first]).is_err()
    {
        return None;
    }
    let mut chunks = Vec::new();
    let mut start = 0;
    while start < body.len() {
        let end = match body[(start + size).min(body.len())..]
            .iter()
            .position(|&b| b == b'\n')
        {
            Some(at) => (start + size).min(body.len()) + at + 1,
            None => body.len(),
        };
        chunks.push(start..end);
        start = end;
    }
    Some(chunks)
}

/// The releases of a chunk of JSON Lines as they are kept; `None` when
/// anything in it is wrong (the whole file is then read again, for the
/// problems' lines).
fn chunk(body: &[u8], range: Range<usize>, scanned: bool) -> Option<Vec<Kept<'_>>> {
    plain_lines(body, range.clone(), scanned).or_else(|| chunk_as_values(body, range))
}

/// The releases of a chunk whose every line is one plain release that
/// passes the checks of [`release`] and has an `id`, read without making
/// a value of the JSON (what [`release`] checks picked out of the text,
/// the rest only checked to be JSON); `None` for any other chunk, which
/// [`chunk_as_values`] then reads as values. Both keep the same releases.
/// With `scanned`, each line is only scanned for what names it, and kept
/// unchecked.
fn plain_lines(body: &[u8], range: Range<usize>, scanned: bool) -> Option<Vec<Kept<'_>>> {
    const SPACE: [u8; 3] = [b' ', b'\t', b'\r'];
    let mut kept = Vec::new();
    let body = &body[range];
    // Lines as `split` cuts them (an empty one after a last newline), the
    // newlines found a word at a time: the byte loop was a tenth of the
    // first reading.
    let mut start = 0;
    let ends = memchr::memchr_iter(b'\n', body).chain([body.len()]);
    for end in ends {
        let line = &body[start..end];
        start = end + 1;
        let lead = line.iter().take_while(|b| SPACE.contains(b)).count();
        let trail = line[lead..]
            .iter()
            .rev()
            .take_while(|b| SPACE.contains(b))
            .count();
        let text = &line[lead..line.len() - trail];
        if text.is_empty() {
            continue;
        }
        let text = std::str::from_utf8(text).ok()?;
        kept.push(if scanned {
            super::scan::scan(text)?
        } else {
            plain_release(text)?
        });
    }
    Some(kept)
}

/// What [`release`] reads of a release, borrowed from its text; a field
/// of another type than expected (or given twice) fails, and the line is
/// then read as a value.
#[derive(serde::Deserialize)]
struct Plain<'a> {
    #[serde(borrow)]
    ocid: Option<Cow<'a, str>>,
    #[serde(borrow)]
    id: Option<Id<'a>>,
    #[serde(borrow)]
    date: Option<Cow<'a, str>>,
    tender: Option<Valued>,
    awards: Option<Vec<Valued>>,
    contracts: Option<Vec<Valued>>,
    // A package, not a release (when either key is there, even null).
    #[serde(default)]
    releases: Present,
    #[serde(default)]
    records: Present,
}

/// Whether a field is there, whatever its value.
#[derive(Default)]
struct Present(bool);

impl<'de> serde::Deserialize<'de> for Present {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        serde::de::IgnoredAny::deserialize(d).map(|_| Present(true))
    }
}

/// A release's `id` as [`release`] reads it: a text, a number (as JSON
/// writes it), or anything else.
pub(super) enum Id<'a> {
    Text(Cow<'a, str>),
    Number(serde_json::Number),
    Null,
    Other,
}

impl<'de: 'a, 'a> serde::Deserialize<'de> for Id<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(IdVisitor(std::marker::PhantomData))
    }
}

struct IdVisitor<'a>(std::marker::PhantomData<&'a str>);

impl<'de: 'a, 'a> serde::de::Visitor<'de> for IdVisitor<'a> {
    type Value = Id<'a>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_borrowed_str<E>(self, id: &'de str) -> Result<Id<'a>, E> {
        Ok(Id::Text(Cow::Borrowed(id)))
    }

    fn visit_str<E>(self, id: &str) -> Result<Id<'a>, E> {
        Ok(Id::Text(Cow::Owned(id.to_owned())))
    }

    // The numbers as `serde_json::Value` makes them.
    fn visit_u64<E>(self, n: u64) -> Result<Id<'a>, E> {
        Ok(Id::Number(n.into()))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Id<'a>, E> {
        Ok(Id::Number(n.into()))
    }

    fn visit_f64<E>(self, n: f64) -> Result<Id<'a>, E> {
        Ok(serde_json::Number::from_f64(n).map_or(Id::Other, Id::Number))
    }

    fn visit_bool<E>(self, _: bool) -> Result<Id<'a>, E> {
        Ok(Id::Other)
    }

    fn visit_unit<E>(self) -> Result<Id<'a>, E> {
        Ok(Id::Null)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Id<'a>, A::Error> {
        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(Id::Other)
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Id<'a>, A::Error> {
        while map
            .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
            .is_some()
        {}
        Ok(Id::Other)
    }
}

#[derive(serde::Deserialize)]
struct Valued {
    value: Option<Amounted>,
}

#[derive(serde::Deserialize)]
struct Amounted {
    amount: Option<Value>,
}

/// A plain release as [`release`] keeps it, when it passes its checks
/// and has an `id`.
pub(super) fn plain_release(text: &str) -> Option<Kept<'_>> {
    // A struct would also be read from an array.
    if !text.starts_with('{') {
        return None;
    }
    let plain: Plain<'_> = serde_json::from_str(text).ok()?;
    if plain.releases.0 || plain.records.0 {
        return None;
    }
    let valued = plain.tender.iter().chain(plain.awards.iter().flatten());
    for v in valued.chain(plain.contracts.iter().flatten()) {
        if let Some(value) = &v.value {
            super::json::amount(value.amount.as_ref()?)?;
        }
    }
    super::scan::kept(plain.ocid, plain.id, plain.date, text, true)
}

/// A chunk of JSON Lines read value by value, as [`read_each`] reads.
fn chunk_as_values(body: &[u8], range: Range<usize>) -> Option<Vec<Kept<'_>>> {
    let (mut releases, mut errors, mut kept) = (Vec::new(), Vec::new(), Vec::new());
    values(&body[range.clone()], true, |value, line, span| {
        unpack(value, line, span, &mut releases, &mut errors);
        for mut r in releases.drain(..) {
            r.span = r.span.map(|s| s.start + range.start..s.end + range.start);
            kept.push(Kept::of(r, body));
        }
    })
    .ok()?;
    errors.is_empty().then_some(kept)
}

/// The file unpacked, within [`MAX_UNPACKED`].
fn gunzip(bytes: &[u8]) -> Result<Vec<u8>, Text> {
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(bytes)
        .take(MAX_UNPACKED + 1)
        .read_to_end(&mut out)
        .map_err(|e| {
            text!("not_gzip", error = e;
                id: "berkas gzip ini tidak dapat dibuka: {error}",
                en: "the gzipped file cannot be unpacked: {error}")
        })?;
    if out.len() as u64 > MAX_UNPACKED {
        return Err(text!("gzip_too_large", max = MAX_UNPACKED >> 30;
            id: "isi berkas gzip ini lebih dari {max} GiB",
            en: "the gzipped file unpacks to more than {max} GiB"));
    }
    Ok(out)
}

/// Each JSON value of the file, one or (JSON Lines) several, handed to
/// `each` with the line it starts on and where it stands; none at all is
/// an error unless `may_be_empty`.
fn values(
    bytes: &[u8],
    may_be_empty: bool,
    mut each: impl FnMut(Value, u64, Range<usize>),
) -> Result<(), RowError> {
    let mut stream = serde_json::Deserializer::from_slice(bytes).into_iter::<Value>();
    let mut line = 1u64;
    let mut counted = 0usize;
    let mut any = false;
    loop {
        // Where the next value starts: after the white space that follows
        // the last one.
        let start = stream.byte_offset()
            + bytes[stream.byte_offset()..]
                .iter()
                .take_while(|b| b.is_ascii_whitespace())
                .count();
        match stream.next() {
            None => break,
            Some(Ok(value)) => {
                line += bytes[counted..start]
                    .iter()
                    .filter(|&&b| b == b'\n')
                    .count() as u64;
                counted = start;
                any = true;
                each(value, line, start..stream.byte_offset());
            }
            Some(Err(e)) => {
                return Err(RowError::new(
                    e.line() as u64,
                    None,
                    text!("not_json", column = e.column(), error = e;
                        id: "bukan JSON yang sah (kolom {column}): {error}",
                        en: "not valid JSON (column {column}): {error}"),
                ))
            }
        }
    }
    if !any && !may_be_empty {
        return Err(RowError::new(
            1,
            None,
            text!("ocds_empty"; id: "berkas ini kosong", en: "the file is empty"),
        ));
    }
    Ok(())
}

/// The releases of one JSON value: a package, a release or an array.
fn unpack(
    value: Value,
    line: u64,
    span: Range<usize>,
    releases: &mut Vec<Release>,
    errors: &mut Vec<RowError>,
) {
    let path = String::new();
    match value {
        Value::Array(items) => {
            for (i, item) in items.into_iter().enumerate() {
                release(item, line, format!("{path}/{i}"), None, releases, errors);
            }
        }
        Value::Object(mut map) => {
            // Its text is the release's only when nothing is taken out.
            let whole = !map.contains_key("records") && !map.contains_key("releases");
            if let Some(Value::Array(records)) = map.remove("records") {
                for (i, record) in records.into_iter().enumerate() {
                    let at = format!("{path}/records/{i}");
                    match record {
                        Value::Object(mut record) => match record.remove("compiledRelease") {
                            Some(compiled) if compiled.is_object() => release(
                                compiled,
                                line,
                                format!("{at}/compiledRelease"),
                                None,
                                releases,
                                errors,
                            ),
                            _ => match record.remove("releases") {
                                Some(Value::Array(items)) => {
                                    for (j, item) in items.into_iter().enumerate() {
                                        release(
                                            item,
                                            line,
                                            format!("{at}/releases/{j}"),
                                            None,
                                            releases,
                                            errors,
                                        );
                                    }
                                }
                                _ => errors.push(problem(line, &at, not_a_record())),
                            },
                        },
                        _ => errors.push(problem(line, &at, not_a_record())),
                    }
                }
            } else if let Some(Value::Array(items)) = map.remove("releases") {
                for (i, item) in items.into_iter().enumerate() {
                    release(
                        item,
                        line,
                        format!("{path}/releases/{i}"),
                        None,
                        releases,
                        errors,
                    );
                }
            } else {
                let span = whole.then_some(span);
                release(Value::Object(map), line, path, span, releases, errors);
            }
        }
        _ => errors.push(problem(
            line,
            &path,
            text!("not_ocds_value";
                id: "bukan objek atau larik JSON", en: "not a JSON object or array"),
        )),
    }
}

fn not_a_record() -> Text {
    text!("not_an_ocds_record";
        id: "rekaman tanpa compiledRelease maupun releases",
        en: "a record with neither compiledRelease nor releases")
}

/// A problem at `path` (`/` when empty) of the value on `line`.
fn problem(line: u64, path: &str, message: Text) -> RowError {
    let path = if path.is_empty() { "/" } else { path };
    RowError::new(line, Some(path), message)
}

/// One release, checked: an `ocid`, and an amount in every value read
/// (the tender's, the awards', the contracts').
fn release(
    value: Value,
    line: u64,
    path: String,
    span: Option<Range<usize>>,
    releases: &mut Vec<Release>,
    errors: &mut Vec<RowError>,
) {
    let Value::Object(json) = value else {
        errors.push(problem(
            line,
            &path,
            text!("release_not_object"; id: "rilis ini bukan objek JSON", en: "the release is not a JSON object"),
        ));
        return;
    };
    let before = errors.len();
    let ocid = match json.get("ocid").and_then(Value::as_str).map(str::trim) {
        Some(ocid) if !ocid.is_empty() => ocid.to_owned(),
        _ => {
            errors.push(problem(
                line,
                &format!("{path}/ocid"),
                text!("release_without_ocid"; id: "rilis tanpa ocid", en: "a release without ocid"),
            ));
            String::new()
        }
    };
    let mut values = vec![(
        format!("{path}/tender/value"),
        json.get("tender").and_then(|t| t.get("value")),
    )];
    for list in ["awards", "contracts"] {
        if let Some(Value::Array(items)) = json.get(list) {
            for (i, item) in items.iter().enumerate() {
                values.push((format!("{path}/{list}/{i}/value"), item.get("value")));
            }
        }
    }
    for (at, value) in values {
        if let Some(Value::Object(value)) = value {
            match value.get("amount").filter(|a| !a.is_null()) {
                None => errors.push(problem(
                    line,
                    &at,
                    text!("value_without_amount";
                        id: "nilai tanpa amount", en: "a value without amount"),
                )),
                Some(amount) if super::json::amount(amount).is_none() => errors.push(problem(
                    line,
                    &format!("{at}/amount"),
                    text!("ocds_amount", value = amount;
                        id: "{value} bukan jumlah uang (paling banyak dua desimal)",
                        en: "{value} is not an amount (two decimals at most)"),
                )),
                Some(_) => {}
            }
        }
    }
    if errors.len() > before {
        return;
    }
    let id = match json.get("id") {
        Some(Value::String(id)) if !id.trim().is_empty() => Some(id.trim().to_owned()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let identity = id.clone().unwrap_or_else(|| {
        let mut text = Vec::new();
        canonical(&Value::Object(json.clone()), &mut text);
        format!("sha256:{}", hex::encode(Sha256::digest(text)))
    });
    let date = json
        .get("date")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    releases.push(Release {
        line,
        path,
        ocid,
        id,
        identity,
        date,
        json,
        span,
    });
}

/// The canonical JSON text of `value`: compact, object keys in byte
/// order at every depth (whatever order the map keeps them in).
pub fn canonical(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push(b'{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                serde_json::to_writer(&mut *out, key).expect("a key serialises");
                out.push(b':');
                canonical(&map[key], out);
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                canonical(item, out);
            }
            out.push(b']');
        }
        literal => serde_json::to_writer(&mut *out, literal).expect("a literal serialises"),
    }
}

#[cfg(test)]
#[path = "read_tests.rs"]
mod tests;
