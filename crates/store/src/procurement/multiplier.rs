//! The local multiplier (LM3) over the spend analysis: each anchor's net
//! spend per supplier in the selection, suppliers placed as the spend
//! report places them, and a re-spend survey matched to the catalogue.

use crate::db::OptionalExtension;
use crate::{Result, Store, StoreError};
use lumbung_domain::{text, AreaCode, FiscalYear, OrgId, Scope, Share, SupplierId};
use lumbung_procurement::lm3::{answers, lm3, Found, Lm3, Paid, RespendRow};
use lumbung_procurement::whatif::{what_if, Baseline, SectorLeak, Shift, WhatIf, WhatIfError};
use lumbung_spend::facts::Facts;
use lumbung_spend::report::{
    compute, spend_by_anchor_supplier, Dimensions, Location, ReportOptions,
};
use lumbung_spend::suppliers::{name_key, normalise_name};
use std::collections::BTreeSet;

/// Which payments a figure over the spend analysis counts.
#[derive(Debug, Clone, Default)]
pub struct SpendSelection {
    pub anchor: Option<OrgId>,
    pub year: Option<FiscalYear>,
    /// The local area (default: the spend settings').
    pub local: Option<AreaCode>,
}

impl Store {
    /// The names and places of the spend analysis as `selection` sees
    /// them (its local area, else the settings'), with its report options.
    pub(super) fn selected(
        &self,
        selection: &SpendSelection,
    ) -> Result<(Dimensions, ReportOptions)> {
        let settings = self.spend_settings()?;
        let code = |raw: &Option<String>| raw.as_deref().and_then(|c| AreaCode::parse(c).ok());
        let (local, region) = match &selection.local {
            Some(local) => {
                if self.area_path(local.as_str())?.is_none() {
                    return Err(StoreError::invalid(
                        "local",
                        text!("lm3_no_local_area", area = local;
                            id: "wilayah lokal {area} tidak ada", en: "local area {area} does not exist"),
                    ));
                }
                (Some(local.clone()), None)
            }
            None => (code(&settings.local), code(&settings.region)),
        };
        if local.is_none() {
            return Err(StoreError::invalid(
                "local",
                text!("lm3_needs_local";
                    id: "wilayah lokal belum ditetapkan: pakai --local AREA (atau spend settings --local)",
                    en: "no local area is set: give --local AREA (or spend settings --local)"),
            ));
        }
        let dims = self.spend_dimensions(local.as_ref(), region.as_ref(), settings.calendar())?;
        let options = ReportOptions {
            anchor: selection.anchor.map(|a| a.get() as u32),
            year: selection.year,
            ..ReportOptions::default()
        };
        Ok((dims, options))
    }

    /// Every anchor–supplier pair of the selection with its net spend and
    /// whether the supplier is local.
    pub fn paid_in(&self, selection: &SpendSelection) -> Result<Vec<Paid>> {
        let (dims, options) = self.selected(selection)?;
        let facts = self.spend_facts()?;
        let refs: Vec<_> = facts.iter().collect();
        paid_of(&dims, &refs, &options)
    }

    /// The supplier each (name, postal code) names, as a survey or an
    /// assessment file gives it: by identifier, else by normalised name
    /// (and postal code when given).
    pub fn find_suppliers(&self, rows: &[(&str, Option<&str>)]) -> Result<Vec<Found>> {
        let conn = self.conn()?;
        let mut by_key =
            conn.prepare("SELECT supplier_id FROM supplier_keys WHERE kind = ?1 AND key = ?2")?;
        let mut by_name = conn.prepare(
            "SELECT DISTINCT supplier_id FROM supplier_keys WHERE kind = 'name' AND key >= ?1 AND key < ?2 ORDER BY supplier_id",
        )?;
        let mut out = Vec::with_capacity(rows.len());
        for &(supplier, postcode) in rows {
            let one = |kind: &str, key: &str, stmt: &mut crate::db::CachedStatement<'_>| {
                stmt.query_row([kind, key], |r| r.get::<_, i64>(0))
                    .optional()
            };
            if let Some(id) = one("id", supplier.trim(), &mut by_key)? {
                out.push(Found::One(SupplierId::new(id)));
                continue;
            }
            if let Some(pc) = postcode {
                out.push(
                    match one("name", &name_key(supplier, Some(pc)), &mut by_key)? {
                        Some(id) => Found::One(SupplierId::new(id)),
                        None => Found::None,
                    },
                );
                continue;
            }
            // Every name key of the name, with any postal code: the keys
            // from `name|` up to `name}` (`}` follows `|`), a range the
            // primary key's index reads directly.
            let name = normalise_name(supplier);
            let (from, to) = (format!("{name}|"), format!("{name}}}"));
            let ids: BTreeSet<i64> = by_name
                .query_map([from, to], |r| r.get(0))?
                .collect::<crate::db::Result<_>>()?;
            out.push(match ids.len() {
                0 => Found::None,
                1 => Found::One(SupplierId::new(*ids.first().expect("one id"))),
                _ => Found::Several(ids.into_iter().map(SupplierId::new).collect()),
            });
        }
        Ok(out)
    }

    /// [`Store::find_suppliers`] for a reader of `scope`: a supplier no
    /// anchor of the scope paid is not found, as an unknown name is.
    pub fn find_suppliers_seen(
        &self,
        rows: &[(&str, Option<&str>)],
        scope: &Scope,
    ) -> Result<Vec<Found>> {
        let seen = self.assessable_suppliers(scope)?;
        let found = self.find_suppliers(rows)?;
        Ok(found.into_iter().map(|f| f.within(seen.as_ref())).collect())
    }

    /// The local multiplier of the selection with the survey's rows (read
    /// from `file`), each row's supplier among those `scope` sees: a row
    /// naming no supplier, or several, refuses it.
    pub fn local_multiplier(
        &self,
        selection: &SpendSelection,
        scope: &Scope,
        file: &str,
        rows: &[RespendRow],
    ) -> Result<Lm3> {
        let found = self.find_suppliers_seen(&names(rows), scope)?;
        let answers = answers(file, rows, &found)?;
        let paid = self.paid_in(selection)?;
        lm3(&paid, &answers).map_err(|_| too_large())
    }

    /// The sectors of the selection with spend outside the region, most
    /// first: what a scenario can move.
    pub fn leaking_sectors(&self, selection: &SpendSelection) -> Result<Vec<SectorLeak>> {
        let (dims, options) = self.selected(selection)?;
        let facts = self.spend_facts()?;
        let refs: Vec<_> = facts.iter().collect();
        let report = compute(&refs, &dims, &options).map_err(|_| too_large())?;
        let mut sectors = leaks(&report);
        sectors.retain(|s| s.outside.minor() > 0);
        sectors.sort_by(|a, b| {
            b.outside
                .cmp(&a.outside)
                .then_with(|| a.sector.cmp(&b.sector))
        });
        Ok(sectors)
    }

    /// A what-if scenario over the selection's spend (`spend whatif`): the
    /// target local share is `target`, else the spend settings'; the moved
    /// money re-spends at the survey's mean share (none: 0).
    pub fn what_if(
        &self,
        selection: &SpendSelection,
        shifts: &[Shift],
        target: Option<Share>,
        survey: Option<(&str, &[RespendRow])>,
    ) -> Result<WhatIf> {
        let target = target.or(self.spend_settings()?.target_local_share);
        // The survey is checked first, and the payments read once for both
        // the report and the multiplier.
        let answers = match survey {
            Some((file, rows)) => answers(file, rows, &self.find_suppliers(&names(rows))?)?,
            None => Vec::new(),
        };
        let (dims, options) = self.selected(selection)?;
        let facts = self.spend_facts()?;
        let refs: Vec<_> = facts.iter().collect();
        let report = compute(&refs, &dims, &options).map_err(|_| too_large())?;
        let f = &report.figures;
        let base = Baseline {
            total: f.total,
            local: f.local,
            regional: f.regional,
            outside: f.outside,
        };
        let sectors = leaks(&report);
        let paid = paid_of(&dims, &refs, &options)?;
        let multiplier = lm3(&paid, &answers).map_err(|_| too_large())?;
        what_if(base, &sectors, shifts, &multiplier, target).map_err(|e| match e {
            WhatIfError::TooLarge => too_large(),
            e => StoreError::invalid("shift", e.text()),
        })
    }
}

/// The sectors whose spend leaks outside the region in `report`, the
/// report's order (most leaking first).
fn leaks(report: &lumbung_spend::report::SpendReport) -> Vec<SectorLeak> {
    report
        .by_sector
        .iter()
        .filter_map(|s| {
            Some(SectorLeak {
                sector: s.sector.clone()?,
                sector_name: s.sector_name.clone(),
                outside: s.leakage,
            })
        })
        .collect()
}

/// Each anchor–supplier pair's net spend among the payments `options`
/// selects, the supplier local or not as `dims` places it.
fn paid_of(dims: &Dimensions, refs: &[&Facts], options: &ReportOptions) -> Result<Vec<Paid>> {
    let mut paid: Vec<Paid> = spend_by_anchor_supplier(refs, options)
        .into_iter()
        .map(|((anchor, supplier), net)| {
            let spend = i64::try_from(net)
                .map(lumbung_domain::Money::from_minor)
                .map_err(|_| too_large())?;
            Ok(Paid {
                anchor: dims.anchors.get(&anchor).cloned().unwrap_or_default(),
                supplier: SupplierId::new(i64::from(supplier)),
                local: dims.location(supplier) == Location::Local,
                spend,
            })
        })
        .collect::<Result<_>>()?;
    paid.sort_by(|a, b| (&a.anchor, a.supplier).cmp(&(&b.anchor, b.supplier)));
    Ok(paid)
}

pub(super) fn too_large() -> StoreError {
    StoreError::TooLarge {
        field: "spend".into(),
        max: None,
    }
}

fn names(rows: &[RespendRow]) -> Vec<(&str, Option<&str>)> {
    rows.iter()
        .map(|r| (r.supplier.as_str(), r.postcode.as_deref()))
        .collect()
}
