//! Offers and needs (seed 002: a gas company's CSR programme looking for a
//! BKM to work with). A company publishes what it offers — money, skills,
//! goods — on some themes in some area; BKMs, co-operatives and community
//! groups publish what they need. An offer matches a need when they share
//! a theme and neither side is closed; matches are ranked nearest in the
//! area tree first (the steps from each side up to the areas' nearest
//! common ancestor), then by the themes and kinds they share.

use lumbung_domain::{text, AreaPath, OfferId, OrgId, Text};
use serde::Serialize;
use std::cmp::Reverse;

/// The longest title, in characters.
pub const TITLE_MAX: usize = 200;
/// The longest description, in characters.
pub const DESCRIPTION_MAX: usize = 4_000;
/// The longest contact address, in characters.
pub const CONTACT_MAX: usize = 254;

lumbung_domain::keyed! {
    /// An offer (what a company or another partner gives) or a need.
    Side { Offer = "offer" | "tawaran", Need = "need" | "kebutuhan" }
}

lumbung_domain::keyed! {
    /// What an offer or a need is about.
    Theme {
        Economy = "economy" | "ekonomi",
        Environment = "environment" | "lingkungan",
        Health = "health" | "kesehatan",
        Education = "education" | "pendidikan",
        Housing = "housing" | "perumahan",
        Infrastructure = "infrastructure" | "prasarana",
        Social = "social" | "sosial",
        Culture = "culture" | "budaya",
    }
}

lumbung_domain::keyed! {
    /// What is given or wanted.
    Kind { Money = "money" | "uang", Skills = "skills" | "keahlian", Goods = "goods" | "barang" }
}

/// An open offer or need, as matching reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    pub id: OfferId,
    pub side: Side,
    pub org: OrgId,
    pub themes: Vec<Theme>,
    pub kinds: Vec<Kind>,
    pub area: AreaPath,
}

/// An offer that fits a need.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Match {
    pub offer: OfferId,
    pub need: OfferId,
    /// Themes both name.
    pub themes: Vec<Theme>,
    /// Kinds both name (none shared still matches on a theme).
    pub kinds: Vec<Kind>,
    /// Steps through the area tree from one area to the other (0: the
    /// same area; 1: one holds the other directly, …).
    pub distance: usize,
}

/// The steps between two areas through their nearest common ancestor.
pub fn distance(a: &AreaPath, b: &AreaPath) -> usize {
    let (a, b): (Vec<&str>, Vec<&str>) = (segments(a).collect(), segments(b).collect());
    steps(&a, &b)
}

/// [`distance`] between areas given by their paths' segments.
fn steps(a: &[&str], b: &[&str]) -> usize {
    let common = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    (a.len() - common) + (b.len() - common)
}

fn segments(p: &AreaPath) -> impl Iterator<Item = &str> {
    p.as_str().split('/').filter(|s| !s.is_empty())
}

/// How many offers of each need are matched at most (its best ones).
pub const MATCHES_PER_NEED: usize = 5;
/// How many matches are listed at most (the best ones): every need with
/// every offer would be millions of pairs from a few thousand listings.
pub const MATCHES_SHOWN: usize = 1_000;

/// Whether `offer` fits `need`: an offer and a need of different
/// organisations sharing a theme.
pub fn pair(need: &Listing, offer: &Listing) -> Option<Match> {
    if need.side != Side::Need || offer.side != Side::Offer || offer.org == need.org {
        return None;
    }
    let themes: Vec<Theme> = (need.themes.iter().copied())
        .filter(|t| offer.themes.contains(t))
        .collect();
    if themes.is_empty() {
        return None;
    }
    let kinds = (need.kinds.iter().copied())
        .filter(|k| offer.kinds.contains(k))
        .collect();
    Some(Match {
        offer: offer.id,
        need: need.id,
        themes,
        kinds,
        distance: distance(&offer.area, &need.area),
    })
}

/// Nearest first, then most themes and kinds shared, then by ids.
fn better(a: &Match, b: &Match) -> std::cmp::Ordering {
    a.distance
        .cmp(&b.distance)
        .then(b.themes.len().cmp(&a.themes.len()))
        .then(b.kinds.len().cmp(&a.kinds.len()))
        .then(a.need.cmp(&b.need))
        .then(a.offer.cmp(&b.offer))
}

/// An offer's rank among a need's fits, in the order of [`better`]:
/// nearest, most themes shared, most kinds shared, then by its id.
type Rank = (usize, Reverse<usize>, Reverse<usize>, OfferId);

/// The offers that fit each need ([`pair`]), its best
/// [`MATCHES_PER_NEED`], and of all those the best [`MATCHES_SHOWN`]:
/// nearest first, then most themes and kinds shared, then by ids.
pub fn matches(listings: &[Listing]) -> Vec<Match> {
    let (offers, needs): (Vec<&Listing>, Vec<&Listing>) =
        listings.iter().partition(|l| l.side == Side::Offer);
    let mut found = Vec::new();
    // Each need's fits are ranked by a key of four numbers, the best few
    // chosen without sorting the rest, and only those made matches: a
    // few thousand listings are millions of pairs.
    let offers: Vec<(&Listing, Vec<&str>)> = (offers.into_iter())
        .map(|o| (o, segments(&o.area).collect()))
        .collect();
    let mut fits: Vec<(Rank, &Listing)> = Vec::new();
    for need in &needs {
        let at: Vec<&str> = segments(&need.area).collect();
        fits.clear();
        fits.extend(offers.iter().filter_map(|(o, from)| {
            let shared = fit(need, o)?;
            let key = (steps(from, &at), Reverse(shared.0), Reverse(shared.1), o.id);
            Some((key, *o))
        }));
        if fits.len() > MATCHES_PER_NEED {
            fits.select_nth_unstable_by_key(MATCHES_PER_NEED, |f| f.0);
            fits.truncate(MATCHES_PER_NEED);
        }
        found.extend(fits.iter().filter_map(|(_, o)| pair(need, o)));
    }
    found.sort_by(better);
    found.truncate(MATCHES_SHOWN);
    found
}

/// How many themes and kinds `offer` shares with `need` when it fits it
/// (as [`pair`] has it), without making the match.
fn fit(need: &Listing, offer: &Listing) -> Option<(usize, usize)> {
    if need.side != Side::Need || offer.side != Side::Offer || offer.org == need.org {
        return None;
    }
    let shared = |a: &[Theme], b: &[Theme]| a.iter().filter(|t| b.contains(t)).count();
    let themes = shared(&need.themes, &offer.themes);
    let kinds = (need.kinds.iter())
        .filter(|k| offer.kinds.contains(k))
        .count();
    (themes > 0).then_some((themes, kinds))
}

/// An offer or a need as typed, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posting {
    pub side: Side,
    pub title: String,
    pub description: String,
    pub themes: Vec<Theme>,
    pub kinds: Vec<Kind>,
    pub contact: String,
}

pub struct PostingDraft<'a> {
    pub side: &'a str,
    pub title: &'a str,
    pub description: &'a str,
    pub themes: &'a [String],
    pub kinds: &'a [String],
    pub contact: &'a str,
}

/// Checks a posting; its problems by field otherwise.
pub fn check_posting(d: &PostingDraft<'_>) -> Result<Posting, crate::partnership::Problems> {
    let mut errors: Vec<(&'static str, Text)> = Vec::new();
    let side = Side::parse(d.side);
    if side.is_none() {
        errors.push((
            "side",
            text!("offer_bad_side"; id: "pilih: tawaran atau kebutuhan", en: "choose: offer or need"),
        ));
    }
    let title = d.title.trim().to_owned();
    if title.is_empty() || title.chars().count() > TITLE_MAX {
        errors.push((
            "title",
            text!("offer_title", max = TITLE_MAX;
                id: "judul wajib, paling banyak {max} karakter",
                en: "a title is required, at most {max} characters"),
        ));
    }
    let description = d.description.trim().to_owned();
    if description.chars().count() > DESCRIPTION_MAX {
        errors.push((
            "description",
            text!("offer_description", max = DESCRIPTION_MAX;
                id: "paling banyak {max} karakter", en: "at most {max} characters"),
        ));
    }
    let mut themes = Vec::new();
    for raw in d.themes {
        match Theme::parse(raw) {
            Some(t) if !themes.contains(&t) => themes.push(t),
            Some(_) => {}
            None => errors.push((
                "themes",
                text!("offer_bad_theme", theme = format!("{raw:?}");
                    id: "tema {theme} tidak dikenal", en: "unknown theme {theme}"),
            )),
        }
    }
    if themes.is_empty() && !errors.iter().any(|e| e.0 == "themes") {
        errors.push((
            "themes",
            text!("offer_no_theme"; id: "pilih sedikitnya satu tema", en: "choose at least one theme"),
        ));
    }
    let mut kinds = Vec::new();
    for raw in d.kinds {
        match Kind::parse(raw) {
            Some(k) if !kinds.contains(&k) => kinds.push(k),
            Some(_) => {}
            None => errors.push((
                "kinds",
                text!("offer_bad_kind", kind = format!("{raw:?}");
                    id: "jenis {kind} tidak dikenal", en: "unknown kind {kind}"),
            )),
        }
    }
    if kinds.is_empty() && !errors.iter().any(|e| e.0 == "kinds") {
        errors.push((
            "kinds",
            text!("offer_no_kind"; id: "pilih sedikitnya satu: uang, keahlian atau barang",
                en: "choose at least one: money, skills or goods"),
        ));
    }
    let contact = d.contact.trim().to_owned();
    let looks_like_mail = contact.split_once('@').is_some_and(|(user, host)| {
        !user.is_empty() && host.contains('.') && !contact.contains(char::is_whitespace)
    });
    if !looks_like_mail || contact.chars().count() > CONTACT_MAX {
        errors.push((
            "contact",
            text!("offer_contact"; id: "alamat surel untuk pemberitahuan, seperti nama@contoh.id",
                en: "an e-mail address for notices, such as name@example.org"),
        ));
    }
    match side {
        Some(side) if errors.is_empty() => Ok(Posting {
            side,
            title,
            description,
            themes,
            kinds,
            contact,
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(p: &str) -> AreaPath {
        AreaPath::from_stored(p.to_owned())
    }

    fn listing(id: i64, side: Side, org: i64, themes: &[Theme], area: &str) -> Listing {
        Listing {
            id: OfferId::new(id),
            side,
            org: OrgId::new(org),
            themes: themes.to_vec(),
            kinds: vec![Kind::Money],
            area: path(area),
        }
    }

    #[test]
    fn distance_goes_through_the_nearest_common_ancestor() {
        let kel = path("/ID/36/3604/3604010/3604010001/");
        assert_eq!(distance(&kel, &kel), 0);
        assert_eq!(distance(&path("/ID/36/3604/"), &kel), 2);
        assert_eq!(
            distance(&path("/ID/36/3604/3604010/3604010002/"), &kel),
            2,
            "two kelurahan of one kecamatan"
        );
        assert_eq!(distance(&path("/UK/E10000017/"), &kel), 7);
    }

    #[test]
    fn needs_meet_offers_on_a_theme_nearest_first() {
        use Theme::*;
        let kel = "/ID/36/3604/3604010/3604010001/";
        let listings = [
            listing(1, Side::Offer, 10, &[Economy, Health], "/ID/36/"),
            listing(2, Side::Offer, 11, &[Economy], "/ID/36/3604/"),
            listing(3, Side::Offer, 12, &[Culture], kel),
            listing(4, Side::Need, 20, &[Economy], kel),
            // An organisation's offer never matches its own need.
            listing(5, Side::Need, 10, &[Health], "/ID/36/"),
        ];
        let found = matches(&listings);
        let pairs: Vec<_> = found
            .iter()
            .map(|m| (m.offer.get(), m.need.get(), m.distance))
            .collect();
        assert_eq!(pairs, [(2, 4, 2), (1, 4, 3)]);
        assert_eq!(found[0].themes, [Economy]);
        assert_eq!(found[0].kinds, [Kind::Money]);
    }

    /// Regression: every need was paired with every offer, so a few
    /// thousand listings on one theme made millions of matches (and a
    /// page that ran out of memory). Each need keeps its best few, and
    /// the list its best thousand.
    #[test]
    fn each_need_keeps_its_best_offers_and_the_list_its_best_thousand() {
        use Theme::*;
        let kel = "/ID/36/3604/3604010/3604010001/";
        let near = "/ID/36/3604/";
        let mut listings: Vec<Listing> = (0..300)
            .map(|i| {
                listing(
                    i,
                    Side::Offer,
                    1_000 + i,
                    &[Economy],
                    if i < 3 { kel } else { near },
                )
            })
            .collect();
        listings.extend((300..600).map(|i| listing(i, Side::Need, 2_000 + i, &[Economy], kel)));
        let found = matches(&listings);
        assert_eq!(found.len(), MATCHES_SHOWN.min(300 * MATCHES_PER_NEED));
        let first_need: Vec<_> = (found.iter())
            .filter(|m| m.need.get() == 300)
            .map(|m| (m.offer.get(), m.distance))
            .collect();
        assert_eq!(first_need, [(0, 0), (1, 0), (2, 0), (3, 2), (4, 2)]);
        assert!(found.windows(2).all(|w| better(&w[0], &w[1]).is_lt()));
        assert_eq!(
            pair(&listings[300], &listings[0]).map(|m| m.offer.get()),
            Some(0)
        );
        assert_eq!(pair(&listings[0], &listings[300]), None, "sides");
    }

    proptest::proptest! {
        /// Ranking each need's fits by a key, its best chosen unsorted, is
        /// the same as making every match and sorting them.
        #[test]
        fn matching_by_key_is_matching_every_pair_sorted(
            drawn in proptest::collection::vec(
                (proptest::bool::ANY, 0..4i64, 1u8..8, 0u8..8, 0usize..5),
                0..60,
            ),
        ) {
            let areas = ["/ID/", "/ID/36/", "/ID/36/3604/", "/ID/36/3604/3604010/", "/ID/36/3671/"];
            let themes = [Theme::Economy, Theme::Health, Theme::Social];
            let kinds = [Kind::Money, Kind::Skills, Kind::Goods];
            let listings: Vec<Listing> = (drawn.iter().enumerate())
                .map(|(i, &(offer, org, theme_bits, kind_bits, area))| Listing {
                    id: OfferId::new(i as i64 + 1),
                    side: if offer { Side::Offer } else { Side::Need },
                    org: OrgId::new(org),
                    themes: (0..3).filter(|b| theme_bits & (1 << b) != 0).map(|b| themes[b]).collect(),
                    kinds: (0..3).filter(|b| kind_bits & (1 << b) != 0).map(|b| kinds[b]).collect(),
                    area: path(areas[area]),
                })
                .collect();
            let mut every = Vec::new();
            for need in &listings {
                let mut fits: Vec<Match> = listings.iter().filter_map(|o| pair(need, o)).collect();
                fits.sort_by(better);
                fits.truncate(MATCHES_PER_NEED);
                every.append(&mut fits);
            }
            every.sort_by(better);
            every.truncate(MATCHES_SHOWN);
            proptest::prop_assert_eq!(matches(&listings), every);
        }
    }

    #[test]
    fn postings_are_checked_by_field() {
        let themes = ["ekonomi".to_owned(), "economy".to_owned()];
        let kinds = ["skills".to_owned()];
        let ok = check_posting(&PostingDraft {
            side: "tawaran",
            title: "CSR pelatihan usaha",
            description: "",
            themes: &themes,
            kinds: &kinds,
            contact: "csr@pgas.example.id",
        })
        .unwrap();
        assert_eq!((ok.side, ok.themes.len()), (Side::Offer, 1));
        let bad = check_posting(&PostingDraft {
            side: "gift",
            title: " ",
            description: "",
            themes: &["weather".to_owned()],
            kinds: &[],
            contact: "not mail",
        })
        .unwrap_err();
        let fields: Vec<_> = bad.into_iter().map(|(f, _)| f).collect();
        assert_eq!(fields, ["side", "title", "themes", "kinds", "contact"]);
    }
}
