//! The figures of the Preston Model baseline, computed in one place for
//! every surface (CLI, web, API, exports). Definitions are in
//! `docs/spend.md`; in short, for any set of payments:
//!
//! - `total` — net spend (credit notes included) = `regional` + `outside` + `unknown`;
//! - `local` — spend with suppliers located in the local area; `local` ⊆ `regional`;
//! - `regional` — spend with suppliers in the region (which contains the local area);
//! - `outside` = `leakage` — spend with suppliers located outside the region;
//! - `unknown` — suppliers without a usable location (never counted as outside);
//! - each `*_share` is the amount ÷ `total` (unknown stays in the denominator).

use crate::facts::{flag, Facts, NO_SECTOR};
use lumbung_domain::{FiscalCalendar, FiscalYear, Money, Share};
use schemars::JsonSchema;
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// Where a supplier is, relative to the programme's local area and region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Location {
    Local,
    /// In the region but not in the local area.
    Regional,
    Outside,
    Unknown,
}

/// How a supplier's location was found: the payment file's postal code,
/// a public register (Companies House), the anchor's vendor master, or an
/// analyst (a fixed area or a branch site).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LocatedBy {
    File,
    Register,
    Vendor,
    Manual,
}

impl LocatedBy {
    /// The register a stored `located_by` names (`vendor`, `register`).
    pub fn of_register(name: &str) -> Option<LocatedBy> {
        match name {
            "vendor" => Some(LocatedBy::Vendor),
            "register" => Some(LocatedBy::Register),
            _ => None,
        }
    }
}

/// Which of a supplier's locations counts: an analyst's area, then the
/// payment file's postal code, then the vendor master's or the public
/// register's. Each is the area path it leads to, if any.
pub fn winning_location<P>(
    manual: Option<P>,
    file: Option<P>,
    register: Option<(LocatedBy, P)>,
) -> Option<(P, LocatedBy)> {
    manual
        .map(|p| (p, LocatedBy::Manual))
        .or_else(|| file.map(|p| (p, LocatedBy::File)))
        .or_else(|| register.map(|(by, p)| (p, by)))
}

/// Names and locations for the ids in the facts.
#[derive(Debug, Clone)]
pub struct Dimensions {
    /// The calendar of anchors without their own.
    pub calendar: FiscalCalendar,
    /// Anchors whose fiscal year starts in another month.
    pub anchor_calendar: HashMap<u32, FiscalCalendar>,
    pub anchors: HashMap<u32, String>,
    /// Indexed by supplier id; ids past the end are `Unknown`.
    pub supplier_location: Vec<Location>,
    /// Indexed by supplier id.
    pub supplier_name: Vec<String>,
    /// Sector id → (code or text as given, name from the sector list).
    pub sectors: HashMap<u32, (String, Option<String>)>,
    /// Indexed by supplier id: how its location was found (none: unknown).
    pub supplier_source: Vec<Option<LocatedBy>>,
    /// Indexed by supplier id: its sector from a register, for payments
    /// whose file gives none ([`NO_SECTOR`]: none known).
    pub supplier_sector: Vec<u32>,
    /// Indexed by supplier id: whether a vendor master says it is an SME,
    /// for payments whose file does not say.
    pub supplier_sme: Vec<Option<bool>>,
}

impl Dimensions {
    /// Names and locations without any register's or anchor's own
    /// calendar (files read on their own, tests).
    pub fn plain(
        calendar: FiscalCalendar,
        anchors: HashMap<u32, String>,
        supplier_location: Vec<Location>,
        supplier_name: Vec<String>,
        sectors: HashMap<u32, (String, Option<String>)>,
    ) -> Dimensions {
        Dimensions {
            calendar,
            anchor_calendar: HashMap::new(),
            anchors,
            supplier_location,
            supplier_name,
            sectors,
            supplier_source: vec![],
            supplier_sector: vec![],
            supplier_sme: vec![],
        }
    }

    /// Where a supplier is (unknown for an id past the end).
    pub fn location(&self, supplier: u32) -> Location {
        self.supplier_location
            .get(supplier as usize)
            .copied()
            .unwrap_or(Location::Unknown)
    }

    /// The fiscal calendar of an anchor's payments.
    pub fn calendar_of(&self, anchor: u32) -> FiscalCalendar {
        self.anchor_calendar
            .get(&anchor)
            .copied()
            .unwrap_or(self.calendar)
    }

    /// Payment `i`'s sector: the file's, else its supplier's register's.
    #[inline]
    pub fn sector_of(&self, f: &Facts, i: usize) -> u32 {
        match f.sector[i] {
            NO_SECTOR => self
                .supplier_sector
                .get(f.supplier[i] as usize)
                .copied()
                .unwrap_or(NO_SECTOR),
            sector => sector,
        }
    }

    /// Whether payment `i` went to an SME: as the file says, else as the
    /// supplier's vendor master says.
    #[inline]
    fn sme_of(&self, flags: u8, supplier: u32) -> bool {
        if flags & flag::SME_KNOWN != 0 {
            flags & flag::SME != 0
        } else {
            self.supplier_sme
                .get(supplier as usize)
                .copied()
                .flatten()
                .unwrap_or(false)
        }
    }

    /// Which `located` sum a supplier's payments add to: 0 when its
    /// location is unknown, else 1 + its [`LocatedBy`].
    #[inline]
    fn located_index(&self, supplier: u32, location: Location) -> usize {
        if location == Location::Unknown {
            return 0;
        }
        match self
            .supplier_source
            .get(supplier as usize)
            .copied()
            .flatten()
        {
            None | Some(LocatedBy::File) => 1,
            Some(LocatedBy::Register) => 2,
            Some(LocatedBy::Vendor) => 3,
            Some(LocatedBy::Manual) => 4,
        }
    }
}

/// Located spend by how the location was found.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq, JsonSchema)]
pub struct Located {
    pub file: Money,
    pub register: Money,
    pub vendor: Money,
    pub manual: Money,
}

#[derive(Debug, Clone, Default)]
pub struct ReportOptions {
    pub year: Option<FiscalYear>,
    pub anchor: Option<u32>,
    /// Keep only each anchor-year's N largest suppliers by net spend.
    pub top_suppliers: Option<usize>,
    pub target_local_share: Option<Share>,
    /// How many leaking suppliers to list (default 20).
    pub top_leaking: Option<usize>,
}

/// A figure whose sum does not fit in an amount: the report is refused,
/// never shown wrapped or cut to the largest amount. Names the figure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}: the total is too large to keep")]
pub struct TooLarge(pub &'static str);

/// An exact sum back to an amount, or [`TooLarge`] naming it.
fn money(what: &'static str, v: i128) -> Result<Money, TooLarge> {
    i64::try_from(v)
        .map(Money::from_minor)
        .map_err(|_| TooLarge(what))
}

/// The figures for one set of payments.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, JsonSchema)]
pub struct Figures {
    pub total: Money,
    pub local: Money,
    pub regional: Money,
    pub outside: Money,
    pub unknown: Money,
    pub leakage: Money,
    pub local_share: Option<Share>,
    pub regional_share: Option<Share>,
    pub outside_share: Option<Share>,
    pub unknown_share: Option<Share>,
    pub sme: Money,
    pub sme_share: Option<Share>,
    pub payments: u64,
}

/// Sums kept in i128: a payment fits in i64, so fewer than 2^64 of them
/// cannot overflow, and each figure is checked once when it becomes an
/// amount.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Sums {
    total: i128,
    local: i128,
    regional_only: i128,
    outside: i128,
    unknown: i128,
    sme: i128,
    payments: u64,
}

impl Sums {
    fn add(&mut self, amount: i64, location: Location, sme: bool) {
        let amount = amount as i128;
        self.total += amount;
        match location {
            Location::Local => self.local += amount,
            Location::Regional => self.regional_only += amount,
            Location::Outside => self.outside += amount,
            Location::Unknown => self.unknown += amount,
        }
        if sme {
            self.sme += amount;
        }
        self.payments += 1;
    }

    fn merge(&mut self, o: &Sums) {
        self.total += o.total;
        self.local += o.local;
        self.regional_only += o.regional_only;
        self.outside += o.outside;
        self.unknown += o.unknown;
        self.sme += o.sme;
        self.payments += o.payments;
    }

    fn figures(&self) -> Result<Figures, TooLarge> {
        let total = money("total", self.total)?;
        let local = money("local", self.local)?;
        let regional = money("regional", self.local + self.regional_only)?;
        let outside = money("outside", self.outside)?;
        let unknown = money("unknown", self.unknown)?;
        let sme = money("sme", self.sme)?;
        let share = |part: Money| Share::of(part, total);
        Ok(Figures {
            total,
            local,
            regional,
            outside,
            unknown,
            leakage: outside,
            local_share: share(local),
            regional_share: share(regional),
            outside_share: share(outside),
            unknown_share: share(unknown),
            sme,
            sme_share: share(sme),
            payments: self.payments,
        })
    }
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct AnchorFigures {
    pub anchor_id: u32,
    pub anchor: String,
    #[serde(flatten)]
    pub figures: Figures,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct YearFigures {
    pub fiscal_year: String,
    pub fiscal_year_start: i32,
    /// The month the year starts in (4: April, 1: January): anchors keep
    /// their own fiscal calendars, and years of different ones stay apart.
    pub fiscal_year_start_month: u8,
    #[serde(flatten)]
    pub figures: Figures,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct AnchorYearFigures {
    pub anchor_id: u32,
    pub anchor: String,
    pub fiscal_year: String,
    pub fiscal_year_start: i32,
    pub fiscal_year_start_month: u8,
    #[serde(flatten)]
    pub figures: Figures,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SectorFigures {
    /// The sector's id (0: payments without a sector), for links to its payments.
    pub sector_id: u32,
    pub sector: Option<String>,
    pub sector_name: Option<String>,
    pub total: Money,
    pub leakage: Money,
    pub leakage_share: Option<Share>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct LeakingSupplier {
    pub supplier_id: u32,
    pub supplier: String,
    pub leakage: Money,
}

/// One year against the baseline (the first year of the selection).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Progress {
    pub anchor: Option<String>,
    pub fiscal_year: String,
    pub baseline_year: String,
    pub total: Money,
    pub local: Money,
    pub local_share: Option<Share>,
    pub baseline_local_share: Option<Share>,
    /// `local_share − baseline_local_share`, a fraction.
    pub local_share_change: Option<Share>,
    /// The same in percentage points.
    pub local_share_change_pp: Option<String>,
    pub regional_share: Option<Share>,
    pub regional_share_change: Option<Share>,
    pub regional_share_change_pp: Option<String>,
    /// `local − baseline local`.
    pub local_change: Money,
    /// The money kept local beyond the baseline share: `total × local_share_change`.
    pub redirected_local: Option<Money>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TargetYear {
    pub fiscal_year: String,
    pub total: Money,
    pub local: Money,
    pub target_local: Money,
    /// `target_local − local`: the extra money a year kept local at the target share.
    pub extra_local: Money,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Target {
    pub target_local_share: Share,
    pub target_local: Money,
    pub extra_local: Money,
    pub years: Vec<TargetYear>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SpendReport {
    #[serde(flatten)]
    pub figures: Figures,
    /// Spend with located suppliers, by how they were located.
    pub located: Located,
    /// `located` (all four) ÷ `total`.
    pub located_share: Option<Share>,
    pub by_anchor: Vec<AnchorFigures>,
    pub by_year: Vec<YearFigures>,
    pub by_anchor_year: Vec<AnchorYearFigures>,
    pub by_sector: Vec<SectorFigures>,
    pub top_leaking_suppliers: Vec<LeakingSupplier>,
    pub influenceable: Figures,
    pub target: Option<Target>,
    pub progress: Vec<Progress>,
    pub progress_by_anchor: Vec<Progress>,
}

/// What one pass over the payments collects.
#[derive(Default)]
struct Acc {
    cells: HashMap<(u32, i16), Sums>,
    influenceable: Sums,
    sector_total: HashMap<u32, i128>,
    sector_outside: HashMap<u32, i128>,
    supplier_outside: HashMap<u32, i128>,
    /// Indexed by [`Dimensions::located_index`].
    located: [i128; 5],
}

impl Acc {
    fn merge(&mut self, o: Acc) {
        for (a, b) in self.located.iter_mut().zip(o.located) {
            *a += b;
        }
        for (k, v) in o.cells {
            self.cells.entry(k).or_default().merge(&v);
        }
        self.influenceable.merge(&o.influenceable);
        for (k, v) in o.sector_total {
            *self.sector_total.entry(k).or_default() += v;
        }
        for (k, v) in o.sector_outside {
            *self.sector_outside.entry(k).or_default() += v;
        }
        for (k, v) in o.supplier_outside {
            *self.supplier_outside.entry(k).or_default() += v;
        }
    }
}

fn selected(f: &Facts, i: usize, opts: &ReportOptions) -> bool {
    opts.year.is_none_or(|y| f.year[i] as i32 == y.start_year())
        && opts.anchor.is_none_or(|a| f.anchor[i] == a)
}

/// The suppliers kept per anchor-year when only the top N count.
/// The (anchor, year, supplier) triples a `--top-suppliers N` report keeps:
/// each anchor-year's N suppliers with the largest net spend. Pages use it
/// to list the payments behind such a report's figures.
pub fn top_suppliers(facts: &[&Facts], opts: &ReportOptions, n: usize) -> HashSet<(u32, i16, u32)> {
    let mut net: HashMap<(u32, i16, u32), i128> = HashMap::new();
    for f in facts {
        for i in 0..f.len() {
            if selected(f, i, opts) {
                *net.entry((f.anchor[i], f.year[i], f.supplier[i]))
                    .or_default() += f.amount[i] as i128;
            }
        }
    }
    let mut per_cell: HashMap<(u32, i16), Vec<(i128, u32)>> = HashMap::new();
    for ((a, y, s), v) in net {
        per_cell.entry((a, y)).or_default().push((v, s));
    }
    let mut keep = HashSet::new();
    for ((a, y), mut list) in per_cell {
        // Largest net spend first; ties by supplier id so the cut is stable.
        list.sort_unstable_by(|x, y| y.0.cmp(&x.0).then(x.1.cmp(&y.1)));
        keep.extend(list.into_iter().take(n).map(|(_, s)| (a, y, s)));
    }
    keep
}

/// Each (anchor, supplier)'s net spend among the payments of the year and
/// anchor `opts` selects (every supplier: no top-N cut): what the local
/// multiplier weighs each supplier's re-spend by.
pub fn spend_by_anchor_supplier(
    facts: &[&Facts],
    opts: &ReportOptions,
) -> HashMap<(u32, u32), i128> {
    let mut net: HashMap<(u32, u32), i128> = HashMap::new();
    for f in facts {
        for i in 0..f.len() {
            if selected(f, i, opts) {
                *net.entry((f.anchor[i], f.supplier[i])).or_default() += f.amount[i] as i128;
            }
        }
    }
    net
}

/// A supplier's payments, as the supplier list shows them: how many, and
/// their net sum.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SupplierTotal {
    pub payments: u64,
    pub total: Money,
}

/// Each supplier's payments among `facts` (count and net sum), by the
/// supplier's id; a supplier without a payment there is not in the map.
pub fn supplier_totals(facts: &[&Facts]) -> Result<HashMap<u32, SupplierTotal>, TooLarge> {
    let mut sums: HashMap<u32, (u64, i128)> = HashMap::new();
    for f in facts {
        for i in 0..f.len() {
            let entry = sums.entry(f.supplier[i]).or_default();
            entry.0 += 1;
            entry.1 += f.amount[i] as i128;
        }
    }
    sums.into_iter()
        .map(|(supplier, (payments, sum))| {
            let total = money("supplier total", sum)?;
            Ok((supplier, SupplierTotal { payments, total }))
        })
        .collect()
}

/// The id ranges in the facts, to size dense accumulators.
#[derive(Debug, Clone, Copy)]
struct Bounds {
    anchor_max: u32,
    year_min: i16,
    year_max: i16,
    sector_max: u32,
    supplier_max: u32,
}

impl Bounds {
    fn of(facts: &[&Facts], work: &[Work]) -> Option<Bounds> {
        let mut b: Option<Bounds> = None;
        for (seg, range) in work {
            let f = facts[*seg];
            if range.is_empty() {
                continue;
            }
            let r = range.clone();
            let max = |v: &[u32]| v.iter().copied().max().unwrap_or(0);
            let part = Bounds {
                anchor_max: max(&f.anchor[r.clone()]),
                year_min: f.year[r.clone()].iter().copied().min().unwrap_or(0),
                year_max: f.year[r.clone()].iter().copied().max().unwrap_or(0),
                sector_max: max(&f.sector[r.clone()]),
                supplier_max: max(&f.supplier[r]),
            };
            b = Some(b.map_or(part, |b| b.merge(part)));
        }
        b
    }

    fn merge(self, o: Bounds) -> Bounds {
        Bounds {
            anchor_max: self.anchor_max.max(o.anchor_max),
            year_min: self.year_min.min(o.year_min),
            year_max: self.year_max.max(o.year_max),
            sector_max: self.sector_max.max(o.sector_max),
            supplier_max: self.supplier_max.max(o.supplier_max),
        }
    }

    /// Dense arrays when they stay small (ids are dense in the store and
    /// in files); None sends the scan to hash maps.
    fn shape(self) -> Option<Shape> {
        let anchors = self.anchor_max as usize + 1;
        let span = (self.year_max as i32 - self.year_min as i32 + 1) as usize;
        let fits = anchors.checked_mul(span).is_some_and(|c| c <= 1 << 20)
            && self.sector_max < 1 << 22
            && self.supplier_max < 1 << 23;
        fits.then_some(Shape {
            anchors,
            year0: self.year_min,
            span,
            sectors: self.sector_max as usize + 1,
            suppliers: self.supplier_max as usize + 1,
        })
    }
}

#[derive(Debug, Clone, Copy)]
struct Shape {
    anchors: usize,
    year0: i16,
    span: usize,
    sectors: usize,
    suppliers: usize,
}

/// [`Sums`] added without branches: amounts by location (indexed by the
/// `Location` discriminant), the total being their sum.
#[derive(Debug, Clone, Copy, Default)]
struct FlatSums {
    by_location: [i128; 4],
    sme: i128,
    payments: u64,
}

impl FlatSums {
    /// `mask` is all ones to count the payment, zero to leave it out.
    #[inline]
    fn add(&mut self, amount: i64, location: usize, sme_mask: i64, mask: i64) {
        let amount = amount & mask;
        self.by_location[location] += amount as i128;
        self.sme += (amount & sme_mask) as i128;
        self.payments += (mask & 1) as u64;
    }

    fn merge(&mut self, o: &FlatSums) {
        for (a, b) in self.by_location.iter_mut().zip(o.by_location) {
            *a += b;
        }
        self.sme += o.sme;
        self.payments += o.payments;
    }

    fn sums(&self) -> Sums {
        let [local, regional_only, outside, unknown] = self.by_location;
        Sums {
            total: local + regional_only + outside + unknown,
            local,
            regional_only,
            outside,
            unknown,
            sme: self.sme,
            payments: self.payments,
        }
    }
}

/// [`Acc`] as arrays indexed by id, for one pass over many rows. "Seen"
/// marks keep the hash maps' notion of which keys occur.
struct Dense {
    shape: Shape,
    cells: Vec<FlatSums>,
    influenceable: FlatSums,
    sector_total: Vec<i128>,
    sector_seen: Vec<bool>,
    sector_outside: Vec<i128>,
    supplier_outside: Vec<i128>,
    supplier_seen: Vec<bool>,
    located: [i128; 5],
}

impl Dense {
    fn new(shape: Shape) -> Dense {
        Dense {
            shape,
            cells: vec![FlatSums::default(); shape.anchors * shape.span],
            influenceable: FlatSums::default(),
            sector_total: vec![0; shape.sectors],
            sector_seen: vec![false; shape.sectors],
            sector_outside: vec![0; shape.sectors],
            supplier_outside: vec![0; shape.suppliers],
            supplier_seen: vec![false; shape.suppliers],
            located: [0; 5],
        }
    }

    fn merge(&mut self, o: &Dense) {
        for (a, b) in self.cells.iter_mut().zip(&o.cells) {
            a.merge(b);
        }
        self.influenceable.merge(&o.influenceable);
        let add = |a: &mut Vec<i128>, b: &Vec<i128>| a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
        let or = |a: &mut Vec<bool>, b: &Vec<bool>| a.iter_mut().zip(b).for_each(|(x, y)| *x |= y);
        add(&mut self.sector_total, &o.sector_total);
        or(&mut self.sector_seen, &o.sector_seen);
        add(&mut self.sector_outside, &o.sector_outside);
        add(&mut self.supplier_outside, &o.supplier_outside);
        or(&mut self.supplier_seen, &o.supplier_seen);
        for (a, b) in self.located.iter_mut().zip(o.located) {
            *a += b;
        }
    }

    fn into_acc(self) -> Acc {
        let Shape { span, year0, .. } = self.shape;
        let mut acc = Acc {
            influenceable: self.influenceable.sums(),
            located: self.located,
            ..Acc::default()
        };
        for (i, s) in self.cells.iter().enumerate() {
            if s.payments > 0 {
                acc.cells
                    .insert(((i / span) as u32, year0 + (i % span) as i16), s.sums());
            }
        }
        for (s, seen) in self.sector_seen.iter().enumerate() {
            if *seen {
                acc.sector_total.insert(s as u32, self.sector_total[s]);
                acc.sector_outside.insert(s as u32, self.sector_outside[s]);
            }
        }
        for (s, seen) in self.supplier_seen.iter().enumerate() {
            if *seen {
                acc.supplier_outside
                    .insert(s as u32, self.supplier_outside[s]);
            }
        }
        acc
    }
}

/// A segment and a range of its rows.
type Work = (usize, std::ops::Range<usize>);

/// Splits all rows of all segments into `parts` runs of about equal size.
fn split(facts: &[&Facts], parts: usize) -> Vec<Vec<Work>> {
    let total: usize = facts.iter().map(|f| f.len()).sum();
    let per = total.div_ceil(parts.max(1)).max(1);
    let mut out: Vec<Vec<Work>> = vec![Vec::new()];
    let mut room = per;
    for (seg, f) in facts.iter().enumerate() {
        let mut start = 0;
        while start < f.len() {
            if room == 0 {
                out.push(Vec::new());
                room = per;
            }
            let end = (start + room).min(f.len());
            out.last_mut().expect("one").push((seg, start..end));
            room -= end - start;
            start = end;
        }
    }
    out
}

/// Runs `job` over each part, on its own thread when there are several.
fn each_part<T: Send>(parts: &[Vec<Work>], job: impl Fn(&[Work]) -> T + Sync) -> Vec<T> {
    if parts.len() <= 1 {
        return parts.iter().map(|w| job(w)).collect();
    }
    std::thread::scope(|s| {
        let handles: Vec<_> = parts
            .iter()
            .map(|w| {
                let job = &job;
                s.spawn(move || job(w))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("scan thread"))
            .collect()
    })
}

fn scan_dense(
    facts: &[&Facts],
    work: &[Work],
    dims: &Dimensions,
    opts: &ReportOptions,
    keep: Option<&HashSet<(u32, i16, u32)>>,
    shape: Shape,
) -> Dense {
    let mut d = Dense::new(shape);
    let filtered = opts.year.is_some() || opts.anchor.is_some();
    for (seg, range) in work {
        let f = facts[*seg];
        for i in range.clone() {
            if filtered && !selected(f, i, opts) {
                continue;
            }
            let (anchor, year, supplier) = (f.anchor[i], f.year[i], f.supplier[i]);
            if keep.is_some_and(|k| !k.contains(&(anchor, year, supplier))) {
                continue;
            }
            let amount = f.amount[i];
            let flags = f.flags[i];
            let known = dims.location(supplier);
            let location = known as usize;
            let sme = dims.sme_of(flags, supplier);
            let sme_mask = -(sme as i64);
            d.located[dims.located_index(supplier, known)] += amount as i128;
            let cell = anchor as usize * shape.span + (year as i32 - shape.year0 as i32) as usize;
            d.cells[cell].add(amount, location, sme_mask, -1);
            let influenceable = -((flags & flag::NOT_INFLUENCEABLE == 0) as i64);
            d.influenceable
                .add(amount, location, sme_mask, influenceable);
            let sector = dims.sector_of(f, i) as usize;
            d.sector_total[sector] += amount as i128;
            d.sector_seen[sector] = true;
            let outside = location == Location::Outside as usize;
            let outside_amount = (amount & -(outside as i64)) as i128;
            d.sector_outside[sector] += outside_amount;
            d.supplier_outside[supplier as usize] += outside_amount;
            d.supplier_seen[supplier as usize] |= outside;
        }
    }
    d
}

/// The hash-map scan, for ids too sparse for arrays.
fn scan(
    facts: &[&Facts],
    work: &[Work],
    dims: &Dimensions,
    opts: &ReportOptions,
    keep: Option<&HashSet<(u32, i16, u32)>>,
) -> Acc {
    let mut acc = Acc::default();
    for (seg, range) in work {
        let facts = facts[*seg];
        for i in range.clone() {
            if !selected(facts, i, opts) {
                continue;
            }
            let (anchor, year, supplier) = (facts.anchor[i], facts.year[i], facts.supplier[i]);
            if keep.is_some_and(|k| !k.contains(&(anchor, year, supplier))) {
                continue;
            }
            let amount = facts.amount[i];
            let wide = amount as i128;
            let flags = facts.flags[i];
            let location = dims.location(supplier);
            let sme = dims.sme_of(flags, supplier);
            acc.located[dims.located_index(supplier, location)] += wide;
            acc.cells
                .entry((anchor, year))
                .or_default()
                .add(amount, location, sme);
            if flags & flag::NOT_INFLUENCEABLE == 0 {
                acc.influenceable.add(amount, location, sme);
            }
            let sector = dims.sector_of(facts, i);
            *acc.sector_total.entry(sector).or_default() += wide;
            if location == Location::Outside {
                *acc.sector_outside.entry(sector).or_default() += wide;
                *acc.supplier_outside.entry(supplier).or_default() += wide;
            }
        }
    }
    acc
}

/// Computes the report over `facts` (any number of segments), scanning
/// them in parallel: dense arrays indexed by id when the ids allow it,
/// hash maps otherwise; both give the same figures. A figure too large for
/// an amount refuses the whole report.
pub fn compute(
    facts: &[&Facts],
    dims: &Dimensions,
    opts: &ReportOptions,
) -> Result<SpendReport, TooLarge> {
    let keep = opts.top_suppliers.map(|n| top_suppliers(facts, opts, n));
    let keep = keep.as_ref();
    let rows: usize = facts.iter().map(|f| f.len()).sum();
    // Threads pay off only on many rows.
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, rows.div_ceil(100_000).max(1));
    let parts = split(facts, threads);
    let bounds = each_part(&parts, |w| Bounds::of(facts, w))
        .into_iter()
        .flatten()
        .reduce(Bounds::merge);
    let register_sectors = dims
        .supplier_sector
        .iter()
        .max()
        .map_or(0, |m| *m as usize + 1);
    let acc = match bounds.and_then(Bounds::shape) {
        Some(mut shape) => {
            shape.sectors = shape.sectors.max(register_sectors);
            let mut dense = each_part(&parts, |w| scan_dense(facts, w, dims, opts, keep, shape));
            let mut whole = dense.pop().expect("one part at least");
            for d in &dense {
                whole.merge(d);
            }
            whole.into_acc()
        }
        None => {
            let mut acc = Acc::default();
            for p in each_part(&parts, |w| scan(facts, w, dims, opts, keep)) {
                acc.merge(p);
            }
            acc
        }
    };
    assemble(acc, dims, opts)
}

fn assemble(acc: Acc, dims: &Dimensions, opts: &ReportOptions) -> Result<SpendReport, TooLarge> {
    let anchor_name = |id: u32| {
        dims.anchors
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("anchor {id}"))
    };
    let calendar = |month: u8| FiscalCalendar::starting(month).unwrap_or(dims.calendar);
    let label = |(y, month): (i16, u8)| {
        calendar(month).label(
            FiscalYear::new(y as i32).unwrap_or_else(|_| FiscalYear::new(1900).expect("in range")),
        )
    };
    let month_of = |anchor: u32| dims.calendar_of(anchor).start_month();

    let mut cells: Vec<((u32, i16), Sums)> = acc.cells.into_iter().collect();
    cells.sort_by(|a, b| {
        anchor_name(a.0 .0)
            .cmp(&anchor_name(b.0 .0))
            .then(a.0 .0.cmp(&b.0 .0))
            .then(a.0 .1.cmp(&b.0 .1))
    });

    let mut whole = Sums::default();
    let mut by_anchor: Vec<(u32, Sums)> = Vec::new();
    // Years of different calendars (2011/12 from April, 2011 from
    // January) are different years.
    let mut by_year: std::collections::BTreeMap<(i16, u8), Sums> = Default::default();
    for ((a, y), s) in &cells {
        whole.merge(s);
        match by_anchor.last_mut() {
            Some((last, sums)) if last == a => sums.merge(s),
            _ => by_anchor.push((*a, *s)),
        }
        by_year.entry((*y, month_of(*a))).or_default().merge(s);
    }
    // The total first: the figure a refusal names is the one most read.
    let figures = whole.figures()?;

    let mut by_sector: Vec<SectorFigures> = acc
        .sector_total
        .iter()
        .map(|(id, total)| {
            let total = money("sector total", *total)?;
            let leakage = money(
                "sector leakage",
                acc.sector_outside.get(id).copied().unwrap_or(0),
            )?;
            let (code, name) = dims
                .sectors
                .get(id)
                .cloned()
                .map_or((None, None), |(c, n)| (Some(c), n));
            Ok(SectorFigures {
                sector_id: *id,
                sector: code,
                sector_name: name,
                total,
                leakage,
                leakage_share: Share::of(leakage, total),
            })
        })
        .collect::<Result<_, TooLarge>>()?;
    by_sector.sort_by(|a, b| b.leakage.cmp(&a.leakage).then(a.sector.cmp(&b.sector)));

    let mut leaking: Vec<(u32, i128)> = acc.supplier_outside.into_iter().collect();
    leaking.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let top_leaking_suppliers = leaking
        .into_iter()
        .take(opts.top_leaking.unwrap_or(20))
        .map(|(id, v)| {
            Ok(LeakingSupplier {
                supplier_id: id,
                supplier: dims
                    .supplier_name
                    .get(id as usize)
                    .cloned()
                    .unwrap_or_default(),
                leakage: money("supplier leakage", v)?,
            })
        })
        .collect::<Result<_, TooLarge>>()?;

    let progress_of =
        |anchor: Option<String>, years: &[((i16, u8), Sums)]| -> Result<Vec<Progress>, TooLarge> {
            let Some((base_year, base)) = years.first() else {
                return Ok(vec![]);
            };
            let base_fig = base.figures()?;
            years
                .iter()
                .map(|(y, s)| {
                    let fig = s.figures()?;
                    let change = |now: Option<Share>, then: Option<Share>| {
                        now.zip(then).map(|(n, t)| n.minus(t))
                    };
                    let local_change = change(fig.local_share, base_fig.local_share);
                    let regional_change = change(fig.regional_share, base_fig.regional_share);
                    let redirected_local = match local_change {
                        Some(c) => Some(fig.total.times(c).ok_or(TooLarge("redirected local"))?),
                        None => None,
                    };
                    Ok(Progress {
                        anchor: anchor.clone(),
                        fiscal_year: label(*y),
                        baseline_year: label(*base_year),
                        total: fig.total,
                        local: fig.local,
                        local_share: fig.local_share,
                        baseline_local_share: base_fig.local_share,
                        local_share_change: local_change,
                        local_share_change_pp: local_change.map(|c| c.percentage_points()),
                        regional_share: fig.regional_share,
                        regional_share_change: regional_change,
                        regional_share_change_pp: regional_change.map(|c| c.percentage_points()),
                        local_change: fig
                            .local
                            .checked_sub(base_fig.local)
                            .ok_or(TooLarge("local change"))?,
                        redirected_local,
                    })
                })
                .collect()
        };
    let years: Vec<((i16, u8), Sums)> = by_year.iter().map(|(y, s)| (*y, *s)).collect();
    let progress = progress_of(None, &years)?;
    let mut progress_by_anchor = Vec::new();
    for (a, _) in &by_anchor {
        let own: Vec<((i16, u8), Sums)> = cells
            .iter()
            .filter(|((ca, _), _)| ca == a)
            .map(|((_, y), s)| ((*y, month_of(*a)), *s))
            .collect();
        progress_by_anchor.extend(progress_of(Some(anchor_name(*a)), &own)?);
    }

    let target = match opts.target_local_share {
        None => None,
        Some(t) => {
            let years: Vec<TargetYear> = by_year
                .iter()
                .map(|(y, s)| {
                    let total = money("total", s.total)?;
                    let local = money("local", s.local)?;
                    let target_local = total.times(t).ok_or(TooLarge("target local"))?;
                    Ok(TargetYear {
                        fiscal_year: label(*y),
                        total,
                        local,
                        target_local,
                        extra_local: target_local
                            .checked_sub(local)
                            .ok_or(TooLarge("extra local"))?,
                    })
                })
                .collect::<Result<_, TooLarge>>()?;
            let sum = |what, each: fn(&TargetYear) -> Money| {
                years.iter().try_fold(Money::ZERO, |t, y| {
                    t.checked_add(each(y)).ok_or(TooLarge(what))
                })
            };
            Some(Target {
                target_local_share: t,
                target_local: sum("target local", |y| y.target_local)?,
                extra_local: sum("extra local", |y| y.extra_local)?,
                years,
            })
        }
    };

    let located = Located {
        file: money("located by file", acc.located[1])?,
        register: money("located by register", acc.located[2])?,
        vendor: money("located by vendor", acc.located[3])?,
        manual: money("located by hand", acc.located[4])?,
    };
    let located_total = money("located", acc.located[1..].iter().sum())?;
    Ok(SpendReport {
        located_share: Share::of(located_total, figures.total),
        located,
        figures,
        by_anchor: by_anchor
            .iter()
            .map(|(a, s)| {
                Ok(AnchorFigures {
                    anchor_id: *a,
                    anchor: anchor_name(*a),
                    figures: s.figures()?,
                })
            })
            .collect::<Result<_, TooLarge>>()?,
        by_year: by_year
            .iter()
            .map(|(y, s)| {
                Ok(YearFigures {
                    fiscal_year: label(*y),
                    fiscal_year_start: y.0 as i32,
                    fiscal_year_start_month: y.1,
                    figures: s.figures()?,
                })
            })
            .collect::<Result<_, TooLarge>>()?,
        by_anchor_year: cells
            .iter()
            .map(|((a, y), s)| {
                Ok(AnchorYearFigures {
                    anchor_id: *a,
                    anchor: anchor_name(*a),
                    fiscal_year: label((*y, month_of(*a))),
                    fiscal_year_start: *y as i32,
                    fiscal_year_start_month: month_of(*a),
                    figures: s.figures()?,
                })
            })
            .collect::<Result<_, TooLarge>>()?,
        by_sector,
        top_leaking_suppliers,
        influenceable: acc.influenceable.figures()?,
        target,
        progress,
        progress_by_anchor,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::{NO_DATE, NO_SECTOR};

    const LOCAL: u32 = 1;
    const REGIONAL: u32 = 2;
    const OUTSIDE: u32 = 3;
    const UNKNOWN: u32 = 4;

    #[test]
    fn an_analysts_area_wins_then_the_file_then_a_register() {
        let reg = Some((LocatedBy::Register, "r"));
        assert_eq!(
            winning_location(Some("m"), Some("f"), reg),
            Some(("m", LocatedBy::Manual))
        );
        assert_eq!(
            winning_location(None, Some("f"), reg),
            Some(("f", LocatedBy::File))
        );
        assert_eq!(
            winning_location(None, None, reg),
            Some(("r", LocatedBy::Register))
        );
        assert_eq!(winning_location::<&str>(None, None, None), None);
    }

    fn dims() -> Dimensions {
        Dimensions::plain(
            FiscalCalendar::UK,
            HashMap::from([(10, "Preston City Council".into()), (11, "UCLan".into())]),
            vec![
                Location::Unknown,
                Location::Local,
                Location::Regional,
                Location::Outside,
                Location::Unknown,
            ],
            vec![
                "".into(),
                "Local Ltd".into(),
                "Regional Ltd".into(),
                "Outside PLC".into(),
                "Nowhere".into(),
            ],
            HashMap::from([(
                1,
                ("81210".into(), Some("General cleaning of buildings".into())),
            )]),
        )
    }

    fn pay(f: &mut Facts, anchor: u32, year: i16, supplier: u32, pounds: i64, flags: u8) {
        f.push(
            anchor,
            year,
            NO_DATE,
            supplier,
            Money::from_units(pounds),
            if supplier == OUTSIDE { 1 } else { NO_SECTOR },
            flags,
        );
    }

    fn sample() -> Facts {
        let mut f = Facts::default();
        pay(&mut f, 10, 2012, LOCAL, 100, flag::SME_KNOWN | flag::SME);
        pay(&mut f, 10, 2012, REGIONAL, 200, flag::SME_KNOWN);
        pay(&mut f, 10, 2012, OUTSIDE, 600, flag::NOT_INFLUENCEABLE);
        pay(&mut f, 10, 2012, UNKNOWN, 100, 0);
        pay(&mut f, 10, 2013, LOCAL, 300, 0);
        pay(&mut f, 10, 2013, OUTSIDE, 700, 0);
        pay(&mut f, 10, 2013, OUTSIDE, -100, 0); // a credit note
        pay(&mut f, 11, 2012, OUTSIDE, 1000, 0);
        f
    }

    #[test]
    fn each_supplier_is_counted_and_summed_net() {
        let f = sample();
        let totals = supplier_totals(&[&f, &f]).unwrap();
        let outside = totals[&OUTSIDE];
        assert_eq!(outside.payments, 8);
        assert_eq!(
            outside.total,
            Money::from_units(2 * (600 + 700 - 100 + 1000))
        );
        assert_eq!(totals[&LOCAL].total, Money::from_units(800));
        assert!(!totals.contains_key(&0), "no payment, no line");
        let mut huge = Facts::default();
        pay(&mut huge, 10, 2012, LOCAL, i64::MAX / 100, 0);
        pay(&mut huge, 10, 2012, LOCAL, i64::MAX / 100, 0);
        assert_eq!(supplier_totals(&[&huge]), Err(TooLarge("supplier total")));
    }

    #[test]
    fn totals_split_into_regional_outside_and_unknown() {
        let f = sample();
        let r = compute(&[&f], &dims(), &ReportOptions::default()).unwrap();
        assert_eq!(r.figures.total, Money::from_units(2900));
        assert_eq!(
            r.figures.regional.minor() + r.figures.outside.minor() + r.figures.unknown.minor(),
            r.figures.total.minor()
        );
        assert_eq!(r.figures.local, Money::from_units(400));
        assert_eq!(
            r.figures.regional,
            Money::from_units(600),
            "regional includes local"
        );
        assert_eq!(
            r.figures.leakage,
            Money::from_units(2200),
            "credit note netted"
        );
        assert_eq!(
            r.figures.unknown_share.unwrap().to_string(),
            "0.034483",
            "unknown stays in the denominator"
        );
        assert_eq!(r.figures.sme, Money::from_units(100));
        assert_eq!(r.figures.payments, 8);
    }

    #[test]
    fn anchors_years_and_cells() {
        let r = compute(&[&sample()], &dims(), &ReportOptions::default()).unwrap();
        let names: Vec<_> = r
            .by_anchor
            .iter()
            .map(|a| (a.anchor.as_str(), a.figures.total))
            .collect();
        assert_eq!(
            names,
            vec![
                ("Preston City Council", Money::from_units(1900)),
                ("UCLan", Money::from_units(1000))
            ]
        );
        let years: Vec<_> = r
            .by_year
            .iter()
            .map(|y| (y.fiscal_year.as_str(), y.figures.total))
            .collect();
        assert_eq!(
            years,
            vec![
                ("2012/13", Money::from_units(2000)),
                ("2013/14", Money::from_units(900))
            ]
        );
        assert_eq!(r.by_anchor_year.len(), 3);
        assert_eq!(
            r.by_anchor_year[0].figures.local_share.unwrap().to_string(),
            "0.100000"
        );
    }

    #[test]
    fn sectors_suppliers_and_influence() {
        let r = compute(&[&sample()], &dims(), &ReportOptions::default()).unwrap();
        assert_eq!(r.by_sector[0].sector.as_deref(), Some("81210"));
        assert_eq!(r.by_sector[0].leakage, Money::from_units(2200));
        assert_eq!(r.top_leaking_suppliers[0].supplier, "Outside PLC");
        assert_eq!(
            r.influenceable.total,
            Money::from_units(2300),
            "the national framework payment is left out"
        );
        assert_eq!(r.influenceable.outside, Money::from_units(1600));
    }

    #[test]
    fn progress_against_the_first_year_and_a_target() {
        let opts = ReportOptions {
            anchor: Some(10),
            target_local_share: Some(Share::parse("0.5").unwrap()),
            ..Default::default()
        };
        let r = compute(&[&sample()], &dims(), &opts).unwrap();
        assert_eq!(r.progress.len(), 2);
        let later = &r.progress[1];
        assert_eq!(later.baseline_year, "2012/13");
        assert_eq!(later.local_share.unwrap().to_string(), "0.333333");
        assert_eq!(later.local_share_change_pp.as_deref(), Some("23.3333"));
        assert_eq!(later.local_change, Money::from_units(200));
        assert_eq!(
            later.redirected_local,
            Some(Money::from_units(210)),
            "900 × (1/3 − 1/10) = 210"
        );
        let target = r.target.unwrap();
        assert_eq!(
            target.years[0].extra_local,
            Money::from_units(400),
            "50% of 1000 minus 100"
        );
        assert_eq!(target.extra_local, Money::from_units(400 + 150));
    }

    #[test]
    fn filters_and_an_empty_selection() {
        let opts = ReportOptions {
            year: Some(FiscalYear::new(2013).unwrap()),
            ..Default::default()
        };
        let r = compute(&[&sample()], &dims(), &opts).unwrap();
        assert_eq!(r.figures.total, Money::from_units(900));
        let none = compute(&[&Facts::default()], &dims(), &ReportOptions::default()).unwrap();
        assert_eq!(none.figures.total, Money::ZERO);
        assert!(none.figures.local_share.is_none());
        assert!(none.progress.is_empty());
    }

    /// Amounts past the entry bound (facts built directly): a total beyond
    /// an amount is refused, on the dense and the hash-map scan alike,
    /// never wrapped.
    #[test]
    fn totals_too_large_for_an_amount_are_refused() {
        let big = |supplier: u32| {
            let mut f = Facts::default();
            for _ in 0..2 {
                f.push(
                    10,
                    2012,
                    NO_DATE,
                    supplier,
                    Money::from_minor(i64::MAX),
                    NO_SECTOR,
                    0,
                );
            }
            f
        };
        let mut sparse = dims();
        sparse.supplier_location = vec![Location::Local; 1 << 23];
        sparse.supplier_location.push(Location::Local);
        for (f, dims) in [(big(LOCAL), dims()), (big(1 << 23), sparse)] {
            assert_eq!(
                compute(&[&f], &dims, &ReportOptions::default()).unwrap_err(),
                TooLarge("total")
            );
        }
        // Sums that pass i64 on the way but end within it are exact.
        let mut f = big(OUTSIDE);
        f.push(
            10,
            2012,
            NO_DATE,
            OUTSIDE,
            Money::from_minor(-i64::MAX),
            NO_SECTOR,
            0,
        );
        let r = compute(&[&f], &dims(), &ReportOptions::default()).unwrap();
        assert_eq!(r.figures.total, Money::from_minor(i64::MAX));
        assert_eq!(r.by_sector[0].leakage, Money::from_minor(i64::MAX));
        // A target share above one that takes the target past an amount.
        let opts = ReportOptions {
            target_local_share: Some(Share::parse("3").unwrap()),
            ..Default::default()
        };
        assert_eq!(
            compute(&[&f], &dims(), &opts).unwrap_err(),
            TooLarge("target local")
        );
        let err = compute(&[&big(LOCAL)], &dims(), &ReportOptions::default()).unwrap_err();
        assert_eq!(err.to_string(), "total: the total is too large to keep");
    }

    /// The published Preston baseline (seed 000): six anchors' top-300
    /// suppliers, £750m in total, 5% in Preston, 39% in Lancashire, so
    /// £457.5m outside. The generated data adds suppliers below each
    /// anchor's top 300, which `top_suppliers` must cut.
    #[test]
    fn reproduces_the_preston_2012_13_baseline() {
        let anchors = 6u32;
        let per_anchor = Money::from_units(125_000_000).minor();
        let mut f = Facts::default();
        let mut locations = vec![Location::Unknown];
        let mut names = vec![String::new()];
        let mut next_supplier = 1u32;
        for a in 0..anchors {
            // 300 suppliers: 15 local, 102 regional, 183 outside, sharing the anchor's
            // spend so that 5% / 34% / 61% of it falls in each class; every top
            // supplier gets more than any of the extra small ones.
            for (count, class, share_pct) in [
                (15u32, Location::Local, 5i64),
                (102, Location::Regional, 34),
                (183, Location::Outside, 61),
            ] {
                let class_total = per_anchor * share_pct / 100;
                let each = class_total / count as i64;
                for k in 0..count {
                    let amount = if k == count - 1 {
                        class_total - each * (count as i64 - 1)
                    } else {
                        each
                    };
                    // Two payments and a credit note per supplier, netting to `amount`.
                    f.push(
                        a,
                        2012,
                        NO_DATE,
                        next_supplier,
                        Money::from_minor(amount / 2),
                        NO_SECTOR,
                        0,
                    );
                    f.push(
                        a,
                        2012,
                        NO_DATE,
                        next_supplier,
                        Money::from_minor(amount - amount / 2 + 1_000),
                        NO_SECTOR,
                        0,
                    );
                    f.push(
                        a,
                        2012,
                        NO_DATE,
                        next_supplier,
                        Money::from_minor(-1_000),
                        NO_SECTOR,
                        0,
                    );
                    locations.push(class);
                    names.push(format!("Supplier {next_supplier}"));
                    next_supplier += 1;
                }
            }
            for _ in 0..40 {
                f.push(
                    a,
                    2012,
                    NO_DATE,
                    next_supplier,
                    Money::from_units(500),
                    NO_SECTOR,
                    0,
                );
                locations.push(Location::Local);
                names.push(format!("Small {next_supplier}"));
                next_supplier += 1;
            }
        }
        let dims = Dimensions::plain(
            FiscalCalendar::UK,
            (0..anchors).map(|a| (a, format!("Anchor {a}"))).collect(),
            locations,
            names,
            HashMap::new(),
        );
        let opts = ReportOptions {
            top_suppliers: Some(300),
            target_local_share: Some(Share::parse("0.10").unwrap()),
            ..Default::default()
        };
        let r = compute(&[&f], &dims, &opts).unwrap();
        assert_eq!(r.figures.total.to_string(), "750000000.00");
        assert_eq!(r.figures.leakage.to_string(), "457500000.00");
        assert_eq!(r.figures.local_share.unwrap().to_string(), "0.050000");
        assert_eq!(r.figures.regional_share.unwrap().to_string(), "0.390000");
        assert_eq!(
            r.target.unwrap().extra_local.to_string(),
            "37500000.00",
            "seed: £37m more kept local at 10%"
        );
        let all = compute(&[&f], &dims, &ReportOptions::default()).unwrap();
        assert_eq!(
            all.figures.total.to_string(),
            "750120000.00",
            "without the cut the small suppliers count"
        );
    }
}
