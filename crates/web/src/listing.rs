//! Long lists, one way for every list: the page, its size and the order
//! the address asks for (`?page=2&per=50&sort=total&dir=desc`), read
//! leniently — a page that is no number is the first, one past the last is
//! the last, an unknown sort key is the list's own order, so that every
//! address answers 2xx; the links that keep the list's other parameters
//! (its filters); and the list's rows, all pages, as a CSV download.
//!
//! A list's sort keys are a whitelist ([`SortKey`], an enum): a store
//! method turns a key into its own `ORDER BY`, nothing from the address
//! reaches SQL.

use crate::i18n::Lang;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, Uri};
use axum::response::{IntoResponse, Response};
use lumbung_domain::csv_out::{CsvCell, CsvOut};
use serde::Serialize;
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::convert::Infallible;

/// Rows on a page unless the address asks for `per=`.
pub const PER_PAGE: u32 = 50;
/// The most rows a page shows, whatever `per=` asks.
pub const MAX_PER_PAGE: u32 = 500;

/// A list's sort keys: every key by its name in the address (`sort=`).
pub trait SortKey: Copy + PartialEq + Send + Sync + 'static {
    const KEYS: &'static [(&'static str, Self)];
    /// The order without `sort=`, when it is one of the keys (its header
    /// then shows it); `None`: the list's own order.
    const DEFAULT: Option<(Self, Dir)> = None;

    fn name(self) -> &'static str {
        Self::KEYS
            .iter()
            .find(|(_, k)| *k == self)
            .map_or("", |(name, _)| name)
    }
}

/// A list's sort keys: an enum whose variants are each named in the
/// address by the text after it, with its [`SortKey`]; `default Key Asc`
/// after the braces makes that key the order without `sort=`.
macro_rules! sort_keys {
    ($(#[$meta:meta])* $vis:vis enum $name:ident {
        $($(#[$doc:meta])* $variant:ident = $key:literal),+ $(,)?
    } $(default $default:ident $dir:ident)?) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        $vis enum $name {
            $($(#[$doc])* $variant),+
        }

        impl $crate::listing::SortKey for $name {
            const KEYS: &'static [(&'static str, Self)] = &[$(($key, $name::$variant)),+];
            $(const DEFAULT: Option<(Self, $crate::listing::Dir)> =
                Some(($name::$default, $crate::listing::Dir::$dir));)?
        }
    };
}
pub(crate) use sort_keys;

/// Which way a sorted list runs (`dir=asc|desc`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    Asc,
    Desc,
}

impl Dir {
    fn name(self) -> &'static str {
        match self {
            Dir::Asc => "asc",
            Dir::Desc => "desc",
        }
    }

    /// `ordering` as this direction orders.
    pub fn apply(self, ordering: Ordering) -> Ordering {
        match self {
            Dir::Asc => ordering,
            Dir::Desc => ordering.reverse(),
        }
    }
}

/// A list without orders to choose (paged only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unsorted {}

impl SortKey for Unsorted {
    const KEYS: &'static [(&'static str, Self)] = &[];
}

/// Which page, of how many rows: what a store method needs to page in SQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// From 1.
    pub page: u32,
    pub per: u32,
}

impl Window {
    pub fn limit(self) -> u32 {
        self.per
    }

    pub fn offset(self) -> u32 {
        (self.page - 1).saturating_mul(self.per)
    }

    /// The page shown of `total` rows: the one asked for, or the last.
    fn within(self, total: u64) -> Window {
        let last = pages(total, self.per).min(u32::MAX as u64) as u32;
        Window {
            page: self.page.min(last),
            ..self
        }
    }

    /// One page of rows that the store pages: `fetch(limit, offset)` gives
    /// the rows from `offset` and the count of all of them; a page past
    /// the last is fetched again as the last.
    pub fn fetch<R, E>(
        self,
        mut fetch: impl FnMut(u32, u32) -> Result<(R, u64), E>,
    ) -> Result<Paged<R>, E> {
        let (rows, total) = fetch(self.limit(), self.offset())?;
        let shown = self.within(total);
        if shown == self {
            return Ok(Paged {
                rows,
                total,
                window: self,
            });
        }
        let (rows, total) = fetch(shown.limit(), shown.offset())?;
        Ok(Paged {
            rows,
            total,
            window: shown,
        })
    }

    /// The part of rows held in memory (already in the order shown) that
    /// a page or a download shows.
    pub fn cut<T>(self, rows: Vec<T>, part: Part) -> Paged<Vec<T>> {
        match part {
            Part::Page => self.slice(rows),
            Part::Whole => Paged {
                total: rows.len() as u64,
                rows,
                window: self,
            },
        }
    }

    /// One page of rows held in memory, already in the order shown.
    pub fn slice<T>(self, rows: Vec<T>) -> Paged<Vec<T>> {
        let total = rows.len() as u64;
        let window = self.within(total);
        let rows = rows
            .into_iter()
            .skip(window.offset() as usize)
            .take(window.per as usize)
            .collect();
        Paged {
            rows,
            total,
            window,
        }
    }
}

/// What a list is read for: the page its address asks for, or every row
/// (its download).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Page,
    Whole,
}

/// How many pages `total` rows fill (one, when there are none).
pub fn pages(total: u64, per: u32) -> u64 {
    total.div_ceil(per.max(1) as u64).max(1)
}

/// A page of rows, the count of all of them and the page it is.
#[derive(Debug)]
pub struct Paged<R> {
    pub rows: R,
    pub total: u64,
    pub window: Window,
}

/// What the address asks of a list: its page, page size and order, and
/// its other parameters (kept in every link). An extractor that never
/// refuses.
#[derive(Debug, Clone)]
pub struct Listing<K: SortKey> {
    pub window: Window,
    sort: Option<K>,
    dir: Dir,
    /// `per=`, `sort=` and `dir=` as asked (valid ones only), for links.
    asked_per: Option<u32>,
    asked_sort: Option<(K, Dir)>,
    path: String,
    kept: Vec<(String, String)>,
    fragment: &'static str,
}

/// The listing's own parameters, and those never carried to another page
/// (a confirmation shown once).
const OWN: [&str; 4] = ["page", "per", "sort", "dir"];
const DROPPED: [&str; 1] = ["done"];

impl<K: SortKey> Listing<K> {
    /// The listing an address asks for.
    pub fn from_uri(uri: &Uri) -> Listing<K> {
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(uri.query().unwrap_or("")).unwrap_or_default();
        let value = |name: &str| {
            pairs
                .iter()
                .rev()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.trim())
        };
        let number = |name| value(name).and_then(|v| v.parse::<u32>().ok());
        let page = number("page").filter(|p| *p >= 1).unwrap_or(1);
        let asked_per = number("per").map(|p| p.clamp(1, MAX_PER_PAGE));
        let key = value("sort").and_then(|s| K::KEYS.iter().find(|(n, _)| *n == s).map(|k| k.1));
        let dir = match value("dir") {
            Some("desc") => Some(Dir::Desc),
            Some("asc") => Some(Dir::Asc),
            _ => None,
        };
        let asked_sort = key.map(|k| (k, dir.unwrap_or(Dir::Asc)));
        let (sort, dir) = match asked_sort.or(K::DEFAULT) {
            Some((k, d)) => (Some(k), d),
            None => (None, Dir::Asc),
        };
        Listing {
            window: Window {
                page,
                per: asked_per.unwrap_or(PER_PAGE),
            },
            sort,
            dir,
            asked_per,
            asked_sort,
            path: uri.path().to_owned(),
            kept: pairs
                .into_iter()
                .filter(|(n, _)| !OWN.contains(&n.as_str()) && !DROPPED.contains(&n.as_str()))
                .collect(),
            fragment: "",
        }
    }

    /// Leaves `names` out of the links (notices of what was just done).
    pub fn without(mut self, names: &[&str]) -> Listing<K> {
        self.kept.retain(|(n, _)| !names.contains(&n.as_str()));
        self
    }

    /// Links land on the list's `#id` on a longer page.
    pub fn at(mut self, id: &'static str) -> Listing<K> {
        self.fragment = id;
        self
    }

    /// The order asked for (or the list's default key), if any.
    pub fn sort(&self) -> Option<K> {
        self.sort
    }

    pub fn dir(&self) -> Dir {
        self.dir
    }

    /// Sorts rows held in memory: `cmp` compares two rows by a key, upward;
    /// ties keep the rows' own order. Without a key, the order is left.
    pub fn sort_rows<T>(&self, rows: &mut [T], cmp: impl Fn(K, &T, &T) -> Ordering) {
        if let Some(key) = self.sort {
            rows.sort_by(|a, b| self.dir.apply(cmp(key, a, b)));
        }
    }

    /// The address of this list with `own` as its own parameters.
    fn href(&self, path: &str, own: &[(&str, String)], fragment: &str) -> String {
        let pairs: Vec<(&str, &str)> = self
            .kept
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .chain(own.iter().map(|(n, v)| (*n, v.as_str())))
            .collect();
        let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
        let fragment = if fragment.is_empty() {
            String::new()
        } else {
            format!("#{fragment}")
        };
        match query.as_str() {
            "" => format!("{path}{fragment}"),
            q => format!("{path}?{q}{fragment}"),
        }
    }

    /// `sort=`, `dir=` and `per=` as asked (what every link keeps).
    fn order_pairs(&self, per: bool) -> Vec<(&'static str, String)> {
        let mut pairs = vec![];
        if let Some((key, dir)) = self.asked_sort {
            pairs.push(("sort", key.name().to_owned()));
            pairs.push(("dir", dir.name().to_owned()));
        }
        if let (true, Some(n)) = (per, self.asked_per) {
            pairs.push(("per", n.to_string()));
        }
        pairs
    }

    fn page_href(&self, page: u32) -> String {
        let mut own = self.order_pairs(true);
        own.push(("page", page.to_string()));
        self.href(&self.path, &own, self.fragment)
    }

    /// What a template needs of the list: the page, the links to the pages
    /// beside it, a header per sort key, and the download's address
    /// (`csv`: the path of the list's CSV, given the same parameters).
    pub fn view<R>(&self, paged: &Paged<R>, csv: Option<&str>) -> ListView {
        let page = paged.window.page;
        let pages = pages(paged.total, paged.window.per);
        let sort = K::KEYS
            .iter()
            .map(|(name, key)| {
                let current = (self.sort == Some(*key)).then_some(self.dir);
                let next = match current {
                    Some(Dir::Asc) => Dir::Desc,
                    _ => Dir::Asc,
                };
                let mut own = vec![
                    ("sort", (*name).to_owned()),
                    ("dir", next.name().to_owned()),
                ];
                own.extend(self.asked_per.map(|n| ("per", n.to_string())));
                let header = Header {
                    href: self.href(&self.path, &own, self.fragment),
                    aria: current.map(|d| match d {
                        Dir::Asc => "ascending",
                        Dir::Desc => "descending",
                    }),
                    arrow: match current {
                        Some(Dir::Asc) => "▲",
                        Some(Dir::Desc) => "▼",
                        None => "",
                    },
                };
                (*name, header)
            })
            .collect();
        ListView {
            page,
            pages,
            total: paged.total,
            prev: (page > 1).then(|| self.page_href(page - 1)),
            next: ((page as u64) < pages).then(|| self.page_href(page + 1)),
            sort,
            csv: csv.map(|path| self.href(path, &self.order_pairs(false), "")),
            keep: self.order_pairs(true),
        }
    }
}

impl<K: SortKey, S: Send + Sync> FromRequestParts<S> for Listing<K> {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Listing::from_uri(&parts.uri))
    }
}

/// A list as its template shows it (`list`; `pager.html` draws the links,
/// `listing.html`'s `th` a sortable header).
#[derive(Debug, Serialize)]
pub struct ListView {
    pub page: u32,
    pub pages: u64,
    pub total: u64,
    prev: Option<String>,
    next: Option<String>,
    /// Per sort key: its header's link, `aria-sort` and arrow.
    sort: BTreeMap<&'static str, Header>,
    csv: Option<String>,
    /// `sort`, `dir` and `per` as asked: hidden fields of the page's forms.
    keep: Vec<(&'static str, String)>,
}

#[derive(Debug, Serialize)]
struct Header {
    href: String,
    aria: Option<&'static str>,
    arrow: &'static str,
}

/// Text, with numbers in it compared as numbers ("L-2" before "L-10").
pub fn natural(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a, b);
    // Letter case and leading zeros only break ties.
    let mut tie = Ordering::Equal;
    loop {
        match (a.chars().next(), b.chars().next()) {
            (None, None) => return tie,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) if x.is_ascii_digit() && y.is_ascii_digit() => {
                let run = |s: &str| s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
                let (da, db) = (&a[..run(a)], &b[..run(b)]);
                let (ta, tb) = (da.trim_start_matches('0'), db.trim_start_matches('0'));
                let order = ta.len().cmp(&tb.len()).then_with(|| ta.cmp(tb));
                if order != Ordering::Equal {
                    return order;
                }
                tie = tie.then(da.len().cmp(&db.len()));
                (a, b) = (&a[da.len()..], &b[db.len()..]);
            }
            (Some(x), Some(y)) => {
                let order = x.to_lowercase().cmp(y.to_lowercase());
                if order != Ordering::Equal {
                    return order;
                }
                tie = tie.then(x.cmp(&y));
                (a, b) = (&a[x.len_utf8()..], &b[y.len_utf8()..]);
            }
        }
    }
}

/// A cell of a downloaded list.
pub enum Cell {
    /// Text, escaped if a spreadsheet would run it as a formula.
    Text(String),
    /// A number our code wrote (an amount, a count), as it is.
    Number(String),
}

impl Cell {
    pub fn text(t: impl Into<String>) -> Cell {
        Cell::Text(t.into())
    }

    pub fn number(n: impl std::fmt::Display) -> Cell {
        Cell::Number(n.to_string())
    }

    /// A number, or an empty cell.
    pub fn maybe(n: Option<impl std::fmt::Display>) -> Cell {
        n.map_or(Cell::Text(String::new()), Cell::number)
    }
}

/// A list as a CSV file: the header in the visitor's language (the page's
/// column names), then a row per item, through the one CSV writer
/// (`lumbung_domain::csv_out`, which defuses formulas).
pub struct Csv {
    out: CsvOut<Vec<u8>>,
}

impl Csv {
    /// A file whose header is the messages `columns` in `lang`.
    pub fn new(lang: Lang, columns: &[&str]) -> Csv {
        let mut out = CsvOut::new(Vec::new());
        out.text_row(columns.iter().map(|key| lang.t(key)))
            .expect("in memory");
        Csv { out }
    }

    pub fn row(&mut self, cells: impl IntoIterator<Item = Cell>) {
        let cells: Vec<Cell> = cells.into_iter().collect();
        let row = cells.iter().map(|c| match c {
            Cell::Text(t) => CsvCell::Text(t),
            Cell::Number(n) => CsvCell::Number(n),
        });
        self.out.row(row).expect("in memory");
    }

    /// The file as a download named `name`.
    pub fn download(self, name: &str) -> Response {
        let bytes = self.out.into_inner().expect("in memory");
        csv_download(&bytes, name)
    }
}

/// A CSV file as a download: with a byte-order mark, which tells
/// spreadsheets it is UTF-8.
pub fn csv_download(bytes: &[u8], name: &str) -> Response {
    let body = [b"\xEF\xBB\xBF".as_slice(), bytes].concat();
    download(body, "text/csv; charset=utf-8", name)
}

/// Bytes as a file to save, named `name`.
pub fn download(bytes: Vec<u8>, content_type: &str, name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    sort_keys! {
        enum Key { Name = "name", Total = "total" } default Name Asc
    }

    fn listing(uri: &str) -> Listing<Key> {
        Listing::from_uri(&uri.parse().unwrap())
    }

    #[test]
    fn the_address_is_read_leniently() {
        for uri in [
            "/s",
            "/s?page=",
            "/s?page=x&per=&sort=&dir=",
            "/s?page=0&sort=1;DROP",
        ] {
            let l = listing(uri);
            assert_eq!(
                l.window,
                Window {
                    page: 1,
                    per: PER_PAGE
                },
                "{uri}"
            );
            assert_eq!((l.sort(), l.dir()), (Some(Key::Name), Dir::Asc), "{uri}");
        }
        let l = listing("/s?page=3&per=100000&sort=total&dir=desc");
        assert_eq!(
            l.window,
            Window {
                page: 3,
                per: MAX_PER_PAGE
            }
        );
        assert_eq!((l.sort(), l.dir()), (Some(Key::Total), Dir::Desc));
    }

    #[test]
    fn a_page_past_the_last_is_the_last_and_links_keep_the_filters() {
        let l = listing("/s?q=a+b&page=9&per=2&done=saved&sort=total").at("list");
        let paged = l.window.slice((1..=5).collect::<Vec<_>>());
        assert_eq!(
            (paged.rows.clone(), paged.window.page, paged.total),
            (vec![5], 3, 5)
        );
        let view = l.view(&paged, Some("/s.csv"));
        assert_eq!(view.pages, 3);
        assert_eq!(
            view.prev.as_deref(),
            Some("/s?q=a+b&sort=total&dir=asc&per=2&page=2#list")
        );
        assert_eq!(view.next, None);
        assert_eq!(view.csv.as_deref(), Some("/s.csv?q=a+b&sort=total&dir=asc"));
        let total = &view.sort["total"];
        assert_eq!((total.aria, total.arrow), (Some("ascending"), "▲"));
        assert_eq!(total.href, "/s?q=a+b&sort=total&dir=desc&per=2#list");
        assert_eq!(view.sort["name"].aria, None);
        let empty = l.window.slice(Vec::<u8>::new());
        assert_eq!((empty.window.page, pages(empty.total, 2)), (1, 1));
    }

    #[test]
    fn the_store_is_asked_again_for_the_last_page() {
        let rows: Vec<u32> = (1..=7).collect();
        let mut asked = vec![];
        let paged = Window { page: 5, per: 3 }
            .fetch(|limit, offset| {
                asked.push((limit, offset));
                let page = rows.iter().skip(offset as usize).take(limit as usize);
                Ok::<_, ()>((page.copied().collect::<Vec<_>>(), 7))
            })
            .unwrap();
        assert_eq!(asked, [(3, 12), (3, 6)]);
        assert_eq!((paged.rows, paged.window.page), (vec![7], 3));
    }

    #[test]
    fn numbers_in_text_sort_as_numbers() {
        let mut ids = vec!["L-10", "L-2", "l-3", "L-02", "A", "10", "9"];
        ids.sort_by(|a, b| natural(a, b));
        assert_eq!(ids, ["9", "10", "A", "L-2", "L-02", "l-3", "L-10"]);
    }
}
