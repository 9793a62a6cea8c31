//! KSM members picked from the kelurahan's poor-household list (PS-2) of
//! the self-mapping: who may still be picked, and what a search of the
//! list shows. Pure; the store reads the list and the KSM's members.

use lumbung_domain::{text, Sex, Text};
use serde::Serialize;
use std::collections::HashSet;

/// A member of a poor household who may join a KSM.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Candidate {
    pub household_id: String,
    /// The RT's area code (`kelurahan.rw.rt`).
    pub rt: String,
    pub head_name: String,
    /// The member's place in the household roster.
    pub member_index: usize,
    pub name: String,
    #[serde(with = "lumbung_domain::sex::letter")]
    pub sex: Sex,
    pub nik: Option<String>,
}

impl Candidate {
    /// The code of the kelurahan the member lives in (an RT's code starts
    /// with its kelurahan's).
    pub fn kelurahan(&self) -> &str {
        self.rt.split('.').next().unwrap_or(&self.rt)
    }
}

/// The most members of the PS-2 list a search shows: the list is a
/// kelurahan's poor households, and only those searched for are shown
/// (and their reading audited).
pub const SHOWN: usize = 50;

/// What a search of the PS-2 list shows on a KSM's page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Search {
    /// Whether the KSM's kelurahan has a PS-2 list to pick from.
    pub open: bool,
    /// The first [`SHOWN`] members found, in the list's order.
    pub shown: Vec<Candidate>,
    /// How many more were found than are shown.
    pub more: usize,
}

/// Searches `list` (`None`: no list to pick from) for `search`: the
/// members not yet in the KSM (`taken`: its members' household and name)
/// whose name, head of household or RT holds it, case aside. An empty
/// search shows no one.
pub fn search<'m>(
    list: Option<Vec<Candidate>>,
    taken: impl IntoIterator<Item = (&'m str, &'m str)>,
    search: &str,
) -> Search {
    let Some(list) = list.filter(|l| !l.is_empty()) else {
        return Search::default();
    };
    let search = search.trim().to_lowercase();
    if search.is_empty() {
        return Search {
            open: true,
            ..Search::default()
        };
    }
    let taken: HashSet<(&str, &str)> = taken.into_iter().collect();
    let mut shown: Vec<Candidate> = (list.into_iter())
        .filter(|c| !taken.contains(&(c.household_id.as_str(), c.name.as_str())))
        .filter(|c| {
            [&c.name, &c.head_name, &c.rt]
                .iter()
                .any(|t| t.to_lowercase().contains(&search))
        })
        .collect();
    let more = shown.len().saturating_sub(SHOWN);
    shown.truncate(SHOWN);
    Search {
        open: true,
        shown,
        more,
    }
}

/// Why a member cannot be picked from the PS-2 list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// The list holds no member `member` of household `household`.
    NotOnList { household: String, member: usize },
    /// The member is in the KSM already (or was: a member who left is
    /// typed in again, not picked twice).
    InKsm { household: String, name: String },
}

impl Refused {
    /// The refusal in both languages.
    pub fn text(&self) -> Text {
        match self {
            Refused::NotOnList { household, member } => text!("not_on_ps2_list",
                member = member, household = format!("{household:?}");
                id: "anggota {member} dari rumah tangga {household} tidak ada di daftar PS-2 kelurahan ini",
                en: "member {member} of household {household} is not on this kelurahan's PS-2 list"),
            Refused::InKsm { household, name } => text!("ps2_member_in_ksm",
                name = name, household = format!("{household:?}");
                id: "{name} dari rumah tangga {household} sudah tercatat sebagai anggota KSM ini",
                en: "{name} of household {household} is already a member of this KSM"),
        }
    }
}

/// The member `member` of household `household` on `list`, to join a KSM
/// whose members are `taken` (their household and name, as [`search`]
/// takes them): refused when the list has no such member, or the KSM has
/// them already.
pub fn pick<'m>(
    list: Option<Vec<Candidate>>,
    mut taken: impl Iterator<Item = (&'m str, &'m str)>,
    household: &str,
    member: usize,
) -> Result<Candidate, Refused> {
    let found = (list.into_iter().flatten())
        .find(|c| c.household_id == household && c.member_index == member)
        .ok_or_else(|| Refused::NotOnList {
            household: household.to_owned(),
            member,
        })?;
    if taken.any(|(h, name)| h == found.household_id && name == found.name) {
        return Err(Refused::InKsm {
            household: found.household_id,
            name: found.name,
        });
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(i: usize) -> Candidate {
        Candidate {
            household_id: format!("h{i}"),
            rt: format!("3604010001.0{}.0{}", i % 3, i % 5),
            head_name: if i.is_multiple_of(2) {
                "Pak Darto"
            } else {
                "Bu Sri"
            }
            .to_owned(),
            member_index: 0,
            name: format!("Anggota {i}"),
            sex: Sex::Female,
            nik: None,
        }
    }

    fn list() -> Option<Vec<Candidate>> {
        Some((0..200).map(candidate).collect())
    }

    /// A search finds by name, head of household or RT, case aside, and
    /// shows the first 50 of those it finds, counting the rest.
    #[test]
    fn a_search_of_the_ps2_list_shows_the_first_fifty_it_finds() {
        let names = |s: Search| {
            (
                s.shown.into_iter().map(|c| c.name).collect::<Vec<_>>(),
                s.more,
            )
        };
        assert_eq!(
            names(search(list(), [], " aNGGOTA 199 ")),
            (vec!["Anggota 199".to_owned()], 0)
        );
        let found = search(list(), [], "darto");
        assert_eq!((found.shown.len(), found.more), (SHOWN, 50));
        assert!(found.shown.iter().all(|c| c.head_name == "Pak Darto"));
        assert_eq!(found.shown[0].name, "Anggota 0");
        let found = search(list(), [], "3604010001.02.");
        assert_eq!((found.shown.len(), found.more), (SHOWN, 16));
        let nobody = search(list(), [], "nobody");
        assert!(nobody.open && nobody.shown.is_empty() && nobody.more == 0);
    }

    /// A member already in the KSM (same household and name) is not
    /// shown again; a namesake of another household is.
    #[test]
    fn members_of_the_ksm_are_not_offered_again() {
        let taken = [("h1", "Anggota 1"), ("h3", "Anggota 5")];
        let found = search(list(), taken, "anggota 1");
        let names: Vec<&str> = found.shown.iter().map(|c| c.name.as_str()).collect();
        assert!(!names.contains(&"Anggota 1"));
        assert!(names.contains(&"Anggota 10"));
        let found = search(list(), taken, "anggota 5");
        assert!(found.shown.iter().any(|c| c.name == "Anggota 5"));
    }

    /// Without a list (or with an empty one) nothing is open; with one,
    /// an empty search opens the picker and shows no one.
    #[test]
    fn the_picker_is_open_only_with_a_list() {
        assert_eq!(search(None, [], "darto"), Search::default());
        assert_eq!(search(Some(vec![]), [], "darto"), Search::default());
        let blank = search(list(), [], "  ");
        assert!(blank.open && blank.shown.is_empty() && blank.more == 0);
        assert_eq!(candidate(7).kelurahan(), "3604010001");
    }

    /// A member is picked once: the list's own, not twice into one KSM.
    #[test]
    fn a_member_is_picked_from_the_list_once() {
        let picked = pick(list(), std::iter::empty(), "h3", 0).unwrap();
        assert_eq!(picked.name, "Anggota 3");
        let taken = [("h3", "Anggota 3")];
        assert_eq!(
            pick(list(), taken.into_iter(), "h3", 0),
            Err(Refused::InKsm {
                household: "h3".into(),
                name: "Anggota 3".into()
            })
        );
        assert_eq!(
            pick(list(), std::iter::empty(), "h3", 1),
            Err(Refused::NotOnList {
                household: "h3".into(),
                member: 1
            })
        );
        assert!(matches!(
            pick(None, std::iter::empty(), "h3", 0),
            Err(Refused::NotOnList { .. })
        ));
        let refused = Refused::InKsm {
            household: "h3".into(),
            name: "Anggota 3".into(),
        };
        assert!(refused.text().english().contains("already a member"));
    }
}
