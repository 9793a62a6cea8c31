//! Leaking spend matched to local capacity (seed 000: approach local firms
//! early): for each anchor and sector with spend outside the region, the
//! local businesses able to supply it, best fit first.

use crate::business::{Form, Size};
use lumbung_domain::Money;
use serde::Serialize;

/// An anchor's spend outside the region in one sector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leak {
    pub anchor: String,
    /// The area path the anchor counts as near (its own area, else the
    /// local area).
    pub anchor_area: String,
    /// The sector's code (SIC or KBLI digits).
    pub sector: String,
    pub sector_name: Option<String>,
    pub outside_spend: Money,
}

/// A business of the base, placed in the area tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub id: i64,
    pub name: String,
    pub form: Option<Form>,
    pub size: Option<Size>,
    pub area: Option<String>,
    /// Its area's path; `None` when it cannot be placed.
    pub area_path: Option<String>,
    pub sectors: Vec<String>,
    pub consent: bool,
}

/// A business able to supply a leaking sector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Match {
    pub id: i64,
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Opportunities {
    pub opportunities: Vec<Opportunity>,
    /// The outside spend of the rows with at least one matched local
    /// business that consents to be contacted.
    pub redirectable_spend: Money,
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
fn shared_depth(a: &str, b: &str) -> usize {
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
                    .sectors
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
        if businesses.iter().any(|b| b.consent) {
            redirectable = redirectable
                .checked_add(leak.outside_spend)
                .ok_or(Overflow)?;
        }
        out.push(Opportunity {
            anchor: leak.anchor.clone(),
            sector: leak.sector.clone(),
            sector_name: leak.sector_name.clone(),
            outside_spend: leak.outside_spend,
            businesses,
        });
    }
    Ok(Opportunities {
        opportunities: out,
        redirectable_spend: redirectable,
    })
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
            id,
            name: name.into(),
            form: None,
            size,
            area: path.rsplit('/').nth(1).map(str::to_owned),
            area_path: Some(path.into()),
            sectors: sectors.iter().map(|s| (*s).to_owned()).collect(),
            consent,
        }
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
                sector_name: Some("General cleaning of buildings".into()),
                outside_spend: Money::from_units(1000),
            },
            Leak {
                anchor: "Preston City Council".into(),
                anchor_area: preston.into(),
                sector: "62020".into(),
                sector_name: None,
                outside_spend: Money::from_units(500),
            },
            Leak {
                anchor: "Preston City Council".into(),
                anchor_area: preston.into(),
                sector: "49410".into(),
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
        let names = |o: &Opportunity| o.businesses.iter().map(|b| b.id).collect::<Vec<_>>();
        assert_eq!(
            got.opportunities.len(),
            2,
            "a sector without outside spend is no opportunity"
        );
        assert_eq!(names(&got.opportunities[0]), vec![4, 2, 1, 3]);
        assert_eq!(names(&got.opportunities[1]), vec![6]);
        // IT has a match, but it does not consent: not redirectable.
        assert_eq!(got.redirectable_spend, Money::from_units(1000));
    }
}
