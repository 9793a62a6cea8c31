//! Many cities side by side: each area's inputs loaded as its own reports
//! load them, each report computed by its domain's function, and the
//! headline figures picked by `lumbung_partnerships::compare`.

use crate::{Result, Store, StoreError};
use jiff::civil::Date;
use lumbung_community::cycle::{
    progress_planned, CyclePlan, KelurahanCycle, ProgressSettings, Turnout,
};
use lumbung_domain::{text, AreaCode, AreaPath, Placement, Scope};
use lumbung_partnerships::compare::{City, CycleFigures, FundFigures, SpendFigures};
use lumbung_spend::facts::Facts;
use lumbung_spend::report::{compute, ReportOptions};
use std::collections::{BTreeMap, HashSet};

fn too_large(what: &str) -> StoreError {
    StoreError::conflict(text!("compare_too_large", what = what;
        id: "angka {what} terlalu besar untuk dijumlahkan", en: "the {what} figures are too large to add up"))
}

impl Store {
    /// The figures of each area (`codes`, in their order) as of a date
    /// (default today; the BLM roll-up as its report reads without one):
    /// the spend report of the anchors inside it with the area as the
    /// local area (and the settings' region when it holds the area), the
    /// fund report of its UPKs, the cycle's progress of its kelurahan and
    /// its BLM roll-up. The spend figures only of an area the viewer's
    /// `scope` covers: another area's anchors' payments are not its to read.
    pub fn compare(
        &self,
        codes: &[String],
        as_of: Option<Date>,
        scope: &Scope,
    ) -> Result<Vec<City>> {
        let viewer = scope;
        let on = as_of.unwrap_or_else(crate::today);
        let settings = self.spend_settings()?;
        let region = match settings.region.as_deref() {
            Some(r) => self.area_path(r)?.map(|p| (r.to_owned(), p)),
            None => None,
        };
        let turnout: BTreeMap<AreaCode, Turnout> = self
            .election_turnout()?
            .into_iter()
            .filter_map(|(code, (voted, eligible))| {
                Some((AreaCode::parse(&code).ok()?, Turnout::new(voted, eligible)?))
            })
            .collect();
        // Read once, and only when some area's spend is the viewer's.
        let mut facts: Option<std::sync::Arc<Vec<Facts>>> = None;
        let mut cities = Vec::with_capacity(codes.len());
        for code in codes {
            let Some(area) = self.area(code)? else {
                return Err(StoreError::invalid(
                    "areas",
                    text!("compare_no_area", code = code;
                        id: "wilayah {code} tidak ada", en: "there is no area {code}"),
                ));
            };
            let path = AreaPath::from_stored(area.path.clone());
            let code = AreaCode::parse(&area.code).map_err(|e| StoreError::invalid("areas", e))?;
            let scope = Scope::Area {
                code: code.clone(),
                path: path.clone(),
            };

            // Spend: the anchors inside the area, the area as local.
            let spend = if viewer.covers(&Placement {
                area: Some(path.clone()),
                orgs: Vec::new(),
            }) {
                let anchors: HashSet<u32> = self
                    .spend_anchors_in(&scope)?
                    .unwrap_or_default()
                    .into_iter()
                    .map(|a| a.get() as u32)
                    .collect();
                let facts = match &mut facts {
                    Some(f) => f,
                    None => facts.insert(self.spend_facts()?),
                };
                let own: Vec<Facts> = facts
                    .iter()
                    .map(|f| f.filter(|f, i| anchors.contains(&f.anchor[i])))
                    .collect();
                let region = region
                    .as_ref()
                    .filter(|(_, rp)| rp.contains(&path))
                    .and_then(|(r, _)| AreaCode::parse(r).ok());
                let dims =
                    self.spend_dimensions(Some(&code), region.as_ref(), settings.calendar())?;
                let refs: Vec<&Facts> = own.iter().collect();
                SpendFigures::of(
                    &compute(&refs, &dims, &ReportOptions::default())
                        .map_err(|_| too_large("spend"))?,
                )
            } else {
                None
            };

            // The revolving fund: the UPKs inside the area.
            let (books, ctx) = self.fund_report_inputs(&scope, on)?;
            let fund =
                lumbung_fund::report::portfolio(&books, on, &ctx).map_err(|_| too_large("fund"))?;

            // The cycle: the programme's kelurahan inside the area.
            let cycles = self.programme_cycles(Some(&path), &Scope::Global)?;
            let pairs: Vec<(&CyclePlan, &KelurahanCycle)> =
                cycles.iter().map(|c| (&c.plan, &c.cycle)).collect();
            let progress = progress_planned(
                &CyclePlan::default(),
                &pairs,
                &turnout,
                on,
                &ProgressSettings::default(),
            )
            .map_err(|e| StoreError::conflict(e.text()))?;

            let programme = self.programme_report(code.as_str(), None, None, as_of)?;
            cities.push(City {
                code: area.code,
                name: area.name,
                spend,
                fund: FundFigures::of(&fund),
                cycle: CycleFigures::of(&progress),
                programme: (programme.figures.kelurahan > 0).then_some(programme.figures),
            });
        }
        Ok(cities)
    }
}
