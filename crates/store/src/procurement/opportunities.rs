//! Leaking spend matched to local capacity: the spend report's outside
//! spend per anchor and sector, with the business base.

use crate::{Result, Store, StoreError};
use lumbung_domain::{text, AreaCode, FiscalYear};
use lumbung_procurement::opportunities::{opportunities, Leak, Opportunities};
use lumbung_spend::report::{compute, ReportOptions};
use lumbung_spend::sectors::{self, SectorList};

impl Store {
    /// The list the spend's sector codes are of, by the spend settings
    /// (the list that names them first in the reports).
    pub fn sector_list(&self) -> Result<SectorList> {
        Ok(sectors::list_for(
            self.spend_settings()?.calendar().start_month(),
        ))
    }

    /// The opportunities of the anchors `keep` admits (by id and name) in
    /// `year` (all years when none): each anchor's outside spend per sector
    /// (with the spend settings' local area and region), matched to the
    /// businesses of the base within the region, nearest the anchor's own
    /// area first (the local area for an anchor without one).
    pub fn procurement_opportunities(
        &self,
        keep: impl Fn(u32, &str) -> bool,
        year: Option<FiscalYear>,
    ) -> Result<Opportunities> {
        let settings = self.spend_settings()?;
        let (local_path, region_path) = self.local_and_region()?;
        let code = |raw: &Option<String>| raw.as_deref().and_then(|c| AreaCode::parse(c).ok());
        let (local, region) = (code(&settings.local), code(&settings.region));
        let dims = self.spend_dimensions(local.as_ref(), region.as_ref(), settings.calendar())?;
        let facts = self.spend_facts()?;
        let list = sectors::list_for(settings.calendar().start_month());
        // Each anchor's report reads only the chunks holding its payments
        // (a stored chunk is most often one file's, of one anchor): a pass
        // over every payment for each anchor took a city's page seconds of
        // every core.
        let anchors_in: Vec<_> = facts.iter().map(|f| f.anchors()).collect();
        let mut anchors: Vec<(u32, &String)> = dims
            .anchors
            .iter()
            .map(|(id, name)| (*id, name))
            .filter(|(id, name)| keep(*id, name))
            .collect();
        anchors.sort_by_key(|a| (a.1.to_lowercase(), a.0));
        let mut leaks = Vec::new();
        for (id, name) in anchors {
            let own: Vec<_> = (facts.iter().zip(&anchors_in))
                .filter(|(_, held)| held.contains(&id))
                .map(|(f, _)| f)
                .collect();
            let report = compute(
                &own,
                &dims,
                &ReportOptions {
                    anchor: Some(id),
                    year,
                    ..ReportOptions::default()
                },
            )
            .map_err(|e| {
                StoreError::invalid(
                    "spend",
                    text!("opportunities_spend_too_large", what = e.0;
                        id: "belanja ({what}) terlalu besar untuk dijumlahkan",
                        en: "the spend ({what}) is too large to add up"),
                )
            })?;
            let anchor_area = self
                .org_area_path(i64::from(id))?
                .unwrap_or_else(|| local_path.clone());
            for s in report.by_sector {
                if let Some(sector) = s.sector {
                    leaks.push(Leak {
                        anchor: name.clone(),
                        anchor_area: anchor_area.clone(),
                        sector,
                        list,
                        sector_name: s.sector_name,
                        outside_spend: s.leakage,
                    });
                }
            }
        }
        let candidates = self.business_candidates()?;
        opportunities(&leaks, &candidates, &region_path).map_err(|_| {
            StoreError::invalid(
                "spend",
                text!("opportunities_sum_overflow";
                    id: "jumlah belanja yang dapat dialihkan terlalu besar",
                    en: "the redirectable spend is too large to add up"),
            )
        })
    }
}
