//! Leaking spend matched to local capacity (seed 000: approach local firms
//! early): for each anchor and sector with spend outside the region, the
//! local businesses able to supply it, best fit first.

use crate::business::{sector_codes, Form, Size};
use lumbung_domain::{BusinessId, Money};
use lumbung_spend::sectors::SectorList;
use serde::Serialize;
use std::collections::BTreeMap;

/// An anchor's spend outside the region in one sector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leak {
    pub anchor: String,
    /// The area path the anchor counts as near (its own area, else the
    /// local area).
    pub anchor_area: String,
    /// The sector's code (SIC or KBLI digits).
    pub sector: String,
    /// The list `sector` is of (the spend settings').
    pub list: SectorList,
    pub sector_name: Option<String>,
    pub outside_spend: Money,
}

/// A business of the base, placed in the area tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Candidate {
    pub id: BusinessId,
    pub name: String,
    pub form: Option<Form>,
    pub size: Option<Size>,
    pub area: Option<String>,
    /// Its area's path; `None` when it cannot be placed.
    pub area_path: Option<String>,
    /// Every sector code: `sic` then `kbli`.
    pub sectors: Vec<String>,
    pub sic: Vec<String>,
    pub kbli: Vec<String>,
    /// CPV codes of interest, 8 digits each.
    pub cpv: Vec<String>,
    pub consent: bool,
}

impl Candidate {
    /// Its sector codes of `list` ([`sector_codes`]).
    pub fn codes(&self, list: SectorList) -> &[String] {
        sector_codes(&self.sectors, &self.sic, &self.kbli, list)
    }
}

/// A business able to supply a leaking sector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Match {
    pub id: BusinessId,
    pub name: String,
    pub form: Option<Form>,
    pub size: Option<Size>,
    pub area: Option<String>,
    /// How many leading digits its sector code and the spend's share (the
    /// shorter code whole: one is a prefix of the other).
    pub fit: usize,
    pub consent: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Opportunity {
    pub anchor: String,
    pub sector: String,
    pub sector_name: Option<String>,
    pub outside_spend: Money,
    pub businesses: Vec<Match>,
}

impl Opportunity {
    /// Whether a business it matched consents to be contacted: its
    /// outside spend is then redirectable.
    pub fn redirectable(&self) -> bool {
        self.businesses.iter().any(|b| b.consent)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Opportunities {
    pub opportunities: Vec<Opportunity>,
    /// The outside spend of the rows with at least one matched local
    /// business that consents to be contacted.
    pub redirectable_spend: Money,
}

impl Opportunities {
    /// The redirectable spend of each anchor with an opportunity, by name
    /// (zero where no matched business consents).
    pub fn redirectable_by_anchor(&self) -> Result<BTreeMap<String, Money>, Overflow> {
        let mut per_anchor = BTreeMap::new();
        for op in &self.opportunities {
            let sum: &mut Money = per_anchor.entry(op.anchor.clone()).or_default();
            if op.redirectable() {
                *sum = sum.checked_add(op.outside_spend).ok_or(Overflow)?;
            }
        }
        Ok(per_anchor)
    }
}

/// The sector fit of a business code to a spend code: the shorter's
/// length when one is a prefix of the other (at least two digits), else
/// none.
pub fn fit(business: &str, spend: &str) -> Option<usize> {
    let (short, long) = if business.len() <= spend.len() {
        (business, spend)
    } else {
        (spend, business)
    };
    (short.len() >= 2 && long.starts_with(short)).then_some(short.len())
}

/// How many areas two paths share from the root (`/UK/E10000017/…/`).
pub fn shared_depth(a: &str, b: &str) -> usize {
    a.split('/')
        .zip(b.split('/'))
        .take_while(|(x, y)| x == y)
        .filter(|(x, _)| !x.is_empty())
        .count()
}

/// The opportunities of `leaks` among `candidates` located within
/// `region` (an area path): ranked by fit, then nearness to the anchor's
/// area, then smaller businesses (of known size) first, then name.
pub fn opportunities(
    leaks: &[Leak],
    candidates: &[Candidate],
    region: &str,
) -> Result<Opportunities, Overflow> {
    let mut redirectable = Money::ZERO;
    let mut out = Vec::new();
    for leak in leaks.iter().filter(|l| l.outside_spend > Money::ZERO) {
        let mut ranked: Vec<(usize, usize, &Candidate)> = candidates
            .iter()
            .filter_map(|c| {
                let path = c.area_path.as_deref().filter(|p| p.starts_with(region))?;
                let fit = c
                    .codes(leak.list)
                    .iter()
                    .filter_map(|s| fit(s, &leak.sector))
                    .max()?;
                Some((fit, shared_depth(path, &leak.anchor_area), c))
            })
            .collect();
        ranked.sort_by(|a, b| {
            b.0.cmp(&a.0)
                .then(b.1.cmp(&a.1))
                .then(
                    a.2.size
                        .unwrap_or(Size::Large)
                        .cmp(&b.2.size.unwrap_or(Size::Large)),
                )
                .then(a.2.size.is_none().cmp(&b.2.size.is_none()))
                .then(a.2.name.to_lowercase().cmp(&b.2.name.to_lowercase()))
                .then(a.2.id.cmp(&b.2.id))
        });
        let businesses: Vec<Match> = ranked
            .into_iter()
            .map(|(fit, _, c)| Match {
                id: c.id,
                name: c.name.clone(),
                form: c.form,
                size: c.size,
                area: c.area.clone(),
                fit,
                consent: c.consent,
            })
            .collect();
        let opportunity = Opportunity {
            anchor: leak.anchor.clone(),
            sector: leak.sector.clone(),
            sector_name: leak.sector_name.clone(),
            outside_spend: leak.outside_spend,
            businesses,
        };
        if opportunity.redirectable() {
            redirectable = redirectable
                .checked_add(leak.outside_spend)
                .ok_or(Overflow)?;
        }
        out.push(opportunity);
    }
    Ok(Opportunities {
        opportunities: out,
        redirectable_spend: redirectable,
    })
}

/// A search of the business base; every criterion given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Search {
    /// Part of the name, or a name spelt nearly so.
    pub name: Option<String>,
    /// A SIC/KBLI code: businesses whose codes fit it.
    pub sector: Option<String>,
    /// The list `sector` is of; either list when none.
    pub list: Option<SectorList>,
    /// An area path: businesses within it.
    pub area_path: Option<String>,
    pub size: Option<Size>,
    pub form: Option<Form>,
}

/// How alike two normal names must be (trigram similarity) to be a typo's
/// match.
const NEAR: f64 = 0.45;

impl Search {
    /// The businesses found, best name match first, then by name.
    pub fn run<'a>(&self, candidates: &'a [Candidate]) -> Vec<&'a Candidate> {
        use lumbung_spend::registers::trigram_similarity;
        use lumbung_spend::suppliers::normalise_name;
        let query = self.name.as_deref().map(normalise_name);
        let mut found: Vec<(f64, &Candidate)> = candidates
            .iter()
            .filter(|c| {
                self.sector.as_deref().is_none_or(|s| {
                    let codes = match self.list {
                        Some(list) => c.codes(list),
                        None => &c.sectors,
                    };
                    codes.iter().any(|code| fit(code, s).is_some())
                }) && self
                    .area_path
                    .as_deref()
                    .is_none_or(|a| c.area_path.as_deref().is_some_and(|p| p.starts_with(a)))
                    && self.size.is_none_or(|s| c.size == Some(s))
                    && self.form.is_none_or(|f| c.form == Some(f))
            })
            .filter_map(|c| match &query {
                None => Some((1.0, c)),
                Some(q) => {
                    let name = normalise_name(&c.name);
                    // The query against the run of as many of the name's
                    // words as it has, wherever it stands in the name.
                    let words: Vec<&str> = name.split_whitespace().collect();
                    let k = q.split_whitespace().count().clamp(1, words.len().max(1));
                    let score = if name.contains(q.as_str()) {
                        1.0
                    } else {
                        words
                            .windows(k)
                            .map(|w| trigram_similarity(&w.join(" "), q))
                            .fold(trigram_similarity(&name, q), f64::max)
                    };
                    (score >= NEAR).then_some((score, c))
                }
            })
            .collect();
        found.sort_by(|a, b| {
            b.0.total_cmp(&a.0)
                .then(a.1.name.to_lowercase().cmp(&b.1.name.to_lowercase()))
                .then(a.1.id.cmp(&b.1.id))
        });
        found.into_iter().map(|(_, c)| c).collect()
    }
}

/// The redirectable spend would not fit: refused, never wrapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the redirectable spend is too large to add up")]
pub struct Overflow;

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(
        id: i64,
        name: &str,
        path: &str,
        sectors: &[&str],
        size: Option<Size>,
        consent: bool,
    ) -> Candidate {
        Candidate {
            id: BusinessId::new(id),
            name: name.into(),
            form: None,
            size,
            area: path.rsplit('/').nth(1).map(str::to_owned),
            area_path: Some(path.into()),
            sectors: sectors.iter().map(|s| (*s).to_owned()).collect(),
            sic: sectors.iter().map(|s| (*s).to_owned()).collect(),
            kbli: Vec::new(),
            cpv: Vec::new(),
            consent,
        }
    }

    #[test]
    fn a_kbli_code_never_fits_a_sic_code_of_the_same_digits() {
        let preston = "/UK/E10000017/E07000123/";
        // 16230 is builders' joinery in SIC 2007 and wooden containers
        // in KBLI 2020.
        let sic = candidate(1, "Preston Joinery", preston, &["16230"], None, true);
        let mut kbli = candidate(2, "Industri Peti Kayu", preston, &[], None, true);
        kbli.sectors = vec!["16230".into()];
        kbli.kbli = vec!["16230".into()];
        let mut legacy = candidate(3, "Kept before", preston, &[], None, true);
        legacy.sectors = vec!["16230".into()];
        let all = vec![sic, kbli, legacy];
        let leak = |list| Leak {
            anchor: "Preston City Council".into(),
            anchor_area: preston.into(),
            sector: "16230".into(),
            list,
            sector_name: None,
            outside_spend: Money::from_units(100),
        };
        let ids = |list| {
            opportunities(&[leak(list)], &all, "/UK/")
                .unwrap()
                .opportunities[0]
                .businesses
                .iter()
                .map(|b| b.id.get())
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(SectorList::Sic2007), vec![3, 1]);
        assert_eq!(ids(SectorList::Kbli2020), vec![2, 3]);
        let search = |list| {
            Search {
                sector: Some("1623".into()),
                list,
                ..Search::default()
            }
            .run(&all)
            .iter()
            .map(|c| c.id.get())
            .collect::<Vec<_>>()
        };
        assert_eq!(search(Some(SectorList::Kbli2020)), vec![2, 3]);
        assert_eq!(search(None).len(), 3);
    }

    #[test]
    fn the_base_is_searched_by_a_misspelt_name_sector_area_size_and_form() {
        let preston = "/UK/E10000017/E07000123/";
        let mut coop = candidate(
            1,
            "Preston Cleaning Co-operative Ltd",
            preston,
            &["81210"],
            Some(Size::Small),
            true,
        );
        coop.form = Some(Form::Cooperative);
        let all = vec![
            coop,
            candidate(
                2,
                "Lancaster Joinery",
                "/UK/E10000017/E07000121/",
                &["16230"],
                Some(Size::Micro),
                true,
            ),
            candidate(3, "Preston IT", preston, &["62020"], None, false),
        ];
        let ids = |s: Search| s.run(&all).iter().map(|c| c.id.get()).collect::<Vec<_>>();
        let name = |n: &str| Search {
            name: Some(n.into()),
            ..Search::default()
        };
        assert_eq!(ids(name("cleaning")), vec![1]);
        assert_eq!(ids(name("Prestn Claning Cooperative")), vec![1]);
        assert_eq!(ids(name("lancastr joinry")), vec![2]);
        assert_eq!(ids(name("zzz")), Vec::<i64>::new());
        assert_eq!(
            ids(Search {
                area_path: Some(preston.into()),
                ..Search::default()
            }),
            vec![1, 3]
        );
        assert_eq!(
            ids(Search {
                sector: Some("16".into()),
                ..Search::default()
            }),
            vec![2]
        );
        assert_eq!(
            ids(Search {
                size: Some(Size::Small),
                form: Some(Form::Cooperative),
                ..Search::default()
            }),
            vec![1]
        );
    }

    #[test]
    fn sector_fit_is_a_shared_prefix() {
        assert_eq!(fit("81210", "81210"), Some(5));
        assert_eq!(fit("812", "81210"), Some(3));
        assert_eq!(fit("81210", "81"), Some(2));
        assert_eq!(fit("81220", "81210"), None);
        assert_eq!(fit("8", "81210"), None);
        assert_eq!(
            shared_depth("/UK/E10000017/E07000123/", "/UK/E10000017/E07000121/"),
            2
        );
        assert_eq!(
            shared_depth("/UK/E10000017/E07000123/", "/UK/E10000017/E07000123/"),
            3
        );
    }

    #[test]
    fn businesses_rank_by_fit_then_nearness_then_size_then_name() {
        let preston = "/UK/E10000017/E07000123/";
        let lancaster = "/UK/E10000017/E07000121/";
        let leaks = vec![
            Leak {
                anchor: "Preston City Council".into(),
                anchor_area: preston.into(),
                sector: "81210".into(),
                list: SectorList::Sic2007,
                sector_name: Some("General cleaning of buildings".into()),
                outside_spend: Money::from_units(1000),
            },
            Leak {
                anchor: "Preston City Council".into(),
                anchor_area: preston.into(),
                sector: "62020".into(),
                list: SectorList::Sic2007,
                sector_name: None,
                outside_spend: Money::from_units(500),
            },
            Leak {
                anchor: "Preston City Council".into(),
                anchor_area: preston.into(),
                sector: "49410".into(),
                list: SectorList::Sic2007,
                sector_name: None,
                outside_spend: Money::ZERO,
            },
        ];
        let candidates = vec![
            candidate(
                1,
                "Lancaster Cleaners",
                lancaster,
                &["81210"],
                Some(Size::Micro),
                true,
            ),
            candidate(
                2,
                "Preston Clean Co-op",
                preston,
                &["81210"],
                Some(Size::Small),
                false,
            ),
            candidate(
                3,
                "Preston Facilities",
                preston,
                &["812"],
                Some(Size::Micro),
                true,
            ),
            candidate(
                4,
                "Another Preston Cleaner",
                preston,
                &["81210"],
                Some(Size::Small),
                true,
            ),
            candidate(
                5,
                "Manchester Cleaning",
                "/UK/UK-OTHER/",
                &["81210"],
                Some(Size::Micro),
                true,
            ),
            candidate(6, "Preston IT", preston, &["62020"], None, false),
        ];
        let got = opportunities(&leaks, &candidates, "/UK/E10000017/").unwrap();
        let names = |o: &Opportunity| o.businesses.iter().map(|b| b.id.get()).collect::<Vec<_>>();
        assert_eq!(
            got.opportunities.len(),
            2,
            "a sector without outside spend is no opportunity"
        );
        assert_eq!(names(&got.opportunities[0]), vec![4, 2, 1, 3]);
        assert_eq!(names(&got.opportunities[1]), vec![6]);
        // IT has a match, but it does not consent: not redirectable.
        assert_eq!(got.redirectable_spend, Money::from_units(1000));
        assert_eq!(
            got.redirectable_by_anchor().unwrap(),
            BTreeMap::from([("Preston City Council".to_owned(), Money::from_units(1000))])
        );
    }
}
