//! No committee member decides alone. Two members enter every ballot (one
//! entry each); a difference between the entries is resolved by a third
//! member, who made neither, reading the paper ballot; publishing and a
//! tie broken by lot are proposed by one member and confirmed by another.
//! These checks are pure; the store applies them and its triggers back
//! them up.

use lumbung_domain::{text, Text};

use super::ballot::BallotBox;
use super::entry::{compare_entries, EntryDifference};
use std::fmt;

/// The two entries of a ballot box and the members who made each.
#[derive(Debug, Clone, Copy)]
pub struct Entries<'a> {
    pub a: &'a BallotBox,
    pub b: &'a BallotBox,
    pub made_a: &'a [String],
    pub made_b: &'a [String],
}

/// A step that one member proposes and a second confirms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TwoMemberStep {
    /// Publishing the result.
    Publication,
    /// The winners of a lot drawn to break a tie.
    Lot,
}

impl fmt::Display for TwoMemberStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TwoMemberStep::Publication => "publishing the result",
            TwoMemberStep::Lot => "the lot's winners",
        })
    }
}

/// Why a committee step is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommitteeError {
    #[error(
        "{member} made entry {entry}: a difference is resolved by a committee member who made neither entry"
    )]
    ResolverMadeEntry { member: String, entry: char },
    #[error("entries A and B agree on ballot {0}: there is nothing to resolve")]
    NotADifference(String),
    #[error("ballot {0} is in neither entry")]
    UnknownBallot(String),
    #[error(
        "ballot {ballot} is missing from entry {entry}: whoever made entry {entry} enters it from the paper (or it is resolved as not a ballot)"
    )]
    MissingFromEntry { ballot: String, entry: char },
    #[error("entry {0} has no ballot: two committee members each enter every ballot")]
    EntryEmpty(char),
    #[error("{0} made both entries: each entry is made by a different committee member")]
    OneMemberBothEntries(String),
    #[error("ballot {ballot} is only in entry {entry}: every ballot counted is entered twice")]
    SingleEntry { ballot: String, entry: char },
    #[error("{member} proposed {step}: a second committee member confirms it")]
    SameMember { step: TwoMemberStep, member: String },
    #[error("{member} made entry {made}: entry {entry} is made by another committee member")]
    MadeOtherEntry {
        member: String,
        made: char,
        entry: char,
    },
    #[error("entry {entry} is made by {maker}: an entry is made by one committee member")]
    EntryMadeBy { entry: char, maker: String },
    #[error(
        "{0} resolved differences of this poll: the entries are made by other committee members"
    )]
    ResolverEnters(String),
}

impl CommitteeError {
    /// The refusal in both languages.
    pub fn text(&self) -> Text {
        match self {
            CommitteeError::ResolverMadeEntry { member, entry } => {
                text!("election_resolver_made_entry", member = member, entry = entry;
                id: "{member} membuat entri {entry}: selisih diselesaikan oleh anggota panitia yang tidak membuat entri mana pun",
                en: "{member} made entry {entry}: a difference is resolved by a committee member who made neither entry")
            }
            CommitteeError::NotADifference(b) => text!("election_not_a_difference", ballot = b;
                id: "entri A dan B sama untuk surat suara {ballot}: tidak ada yang perlu diselesaikan",
                en: "entries A and B agree on ballot {ballot}: there is nothing to resolve"),
            CommitteeError::UnknownBallot(b) => text!("election_unknown_ballot", ballot = b;
                id: "surat suara {ballot} tidak ada di entri mana pun",
                en: "ballot {ballot} is in neither entry"),
            CommitteeError::MissingFromEntry { ballot, entry } => {
                text!("election_missing_from_entry", ballot = ballot, entry = entry;
                id: "surat suara {ballot} tidak ada di entri {entry}: pembuat entri {entry} memasukkannya dari kertasnya (atau diselesaikan sebagai bukan surat suara)",
                en: "ballot {ballot} is missing from entry {entry}: whoever made entry {entry} enters it from the paper (or it is resolved as not a ballot)")
            }
            CommitteeError::EntryEmpty(e) => text!("election_entry_empty", entry = e;
                id: "entri {entry} belum berisi surat suara: dua anggota panitia masing-masing memasukkan setiap surat suara",
                en: "entry {entry} has no ballot: two committee members each enter every ballot"),
            CommitteeError::OneMemberBothEntries(m) => {
                text!("election_one_member_both_entries", member = m;
                id: "{member} membuat kedua entri: setiap entri dibuat oleh anggota panitia yang berbeda",
                en: "{member} made both entries: each entry is made by a different committee member")
            }
            CommitteeError::SingleEntry { ballot, entry } => {
                text!("election_single_entry", ballot = ballot, entry = entry;
                id: "surat suara {ballot} hanya ada di entri {entry}: setiap surat suara yang dihitung dimasukkan dua kali",
                en: "ballot {ballot} is only in entry {entry}: every ballot counted is entered twice")
            }
            CommitteeError::MadeOtherEntry {
                member,
                made,
                entry,
            } => {
                text!("election_other_entry_maker", member = member, made = made, entry = entry;
                id: "{member} membuat entri {made}: entri {entry} dibuat oleh anggota panitia lain",
                en: "{member} made entry {made}: entry {entry} is made by another committee member")
            }
            CommitteeError::EntryMadeBy { entry, maker } => {
                text!("election_entry_maker", entry = entry, maker = maker;
                id: "entri {entry} dibuat oleh {maker}: satu entri dibuat oleh satu anggota panitia",
                en: "entry {entry} is made by {maker}: an entry is made by one committee member")
            }
            CommitteeError::ResolverEnters(member) => {
                text!("election_resolver_enters", member = member;
                id: "{member} menyelesaikan selisih pemungutan ini: entri dibuat oleh anggota panitia lain",
                en: "{member} resolved differences of this poll: the entries are made by other committee members")
            }
            CommitteeError::SameMember { step, member } => Text::new(
                "election_same_member",
                vec![("member", member.clone()), ("step", step.to_string())],
                format!(
                    "{member} mengusulkan {}: anggota panitia kedua yang mengonfirmasinya",
                    match step {
                        TwoMemberStep::Publication => "penerbitan hasil",
                        TwoMemberStep::Lot => "pemenang undian",
                    }
                ),
                self.to_string(),
            ),
        }
    }
}

fn entry_of(d: &EntryDifference) -> Option<char> {
    match d {
        EntryDifference::MissingInFirst { .. } => Some('A'),
        EntryDifference::MissingInSecond { .. } => Some('B'),
        EntryDifference::DifferentNames { .. } => None,
    }
}

/// May `member` resolve `ballot` — with the names read on the paper
/// (`names_given`) or as not a ballot? Only a member who made neither
/// entry, only a ballot the entries disagree on, and a ballot missing from
/// one entry only as "not a ballot" (else that entry's maker enters it, so
/// that every counted ballot is typed twice).
pub fn check_resolution(
    entries: &Entries<'_>,
    ballot: &str,
    names_given: bool,
    member: &str,
) -> Result<(), CommitteeError> {
    for (made, entry) in [(entries.made_a, 'A'), (entries.made_b, 'B')] {
        if made.iter().any(|m| m == member) {
            return Err(CommitteeError::ResolverMadeEntry {
                member: member.to_owned(),
                entry,
            });
        }
    }
    let ballot = ballot.trim();
    let differences = compare_entries(entries.a, entries.b);
    match differences.iter().find(|d| d.ballot_id() == ballot) {
        None if entries.a.find(ballot).is_some() || entries.b.find(ballot).is_some() => {
            Err(CommitteeError::NotADifference(ballot.to_owned()))
        }
        None => Err(CommitteeError::UnknownBallot(ballot.to_owned())),
        Some(d) => match entry_of(d) {
            Some(entry) if names_given => Err(CommitteeError::MissingFromEntry {
                ballot: ballot.to_owned(),
                entry,
            }),
            _ => Ok(()),
        },
    }
}

/// May `member` enter ballots into entry `entry` (made so far by
/// `made_this`; the other entry by `made_other`)? Not who makes the other
/// entry, not into an entry another member makes (joining it, it would
/// read it: [`super::Sight`]), and not who resolved a difference of the
/// poll (`resolver`).
pub fn check_entry_maker(
    entry: char,
    member: &str,
    made_this: &[String],
    made_other: &[String],
    resolver: bool,
) -> Result<(), CommitteeError> {
    if made_other.iter().any(|m| m == member) {
        return Err(CommitteeError::MadeOtherEntry {
            member: member.to_owned(),
            made: if entry == 'A' { 'B' } else { 'A' },
            entry,
        });
    }
    if let Some(maker) = made_this.iter().find(|m| *m != member) {
        return Err(CommitteeError::EntryMadeBy {
            entry,
            maker: maker.clone(),
        });
    }
    if resolver {
        return Err(CommitteeError::ResolverEnters(member.to_owned()));
    }
    Ok(())
}

/// Before publishing: both entries made, by different members, and every
/// ballot of one entry in the other too, unless resolved as not a ballot
/// (`not_ballots`).
pub fn check_double_entry(
    entries: &Entries<'_>,
    not_ballots: &[&str],
) -> Result<(), CommitteeError> {
    for (bx, entry) in [(entries.a, 'A'), (entries.b, 'B')] {
        if bx.is_empty() {
            return Err(CommitteeError::EntryEmpty(entry));
        }
    }
    if let Some(m) = entries.made_a.iter().find(|m| entries.made_b.contains(m)) {
        return Err(CommitteeError::OneMemberBothEntries(m.clone()));
    }
    for d in compare_entries(entries.a, entries.b) {
        if let Some(missing) = entry_of(&d) {
            if !not_ballots.contains(&d.ballot_id()) {
                return Err(CommitteeError::SingleEntry {
                    ballot: d.ballot_id().to_owned(),
                    entry: if missing == 'A' { 'B' } else { 'A' },
                });
            }
        }
    }
    Ok(())
}

/// A step proposed by `proposer` is confirmed by `confirmer`: another member.
pub fn check_second_member(
    step: TwoMemberStep,
    proposer: &str,
    confirmer: &str,
) -> Result<(), CommitteeError> {
    if proposer == confirmer {
        return Err(CommitteeError::SameMember {
            step,
            member: proposer.to_owned(),
        });
    }
    Ok(())
}

/// What a request to publish does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublishRequest {
    /// It confirms the proposal held (when its member is another).
    Confirm,
    /// It proposes the count as it stands in its member's name.
    Propose,
    /// It names a count that is no longer the count: refused.
    CountChanged,
}

/// What a request to publish does, from the fingerprint of the count
/// proposed (if any), of the count as it stands (`now`), and the one the
/// request names (`confirms`, the count its member saw). It confirms
/// only a proposal of the count its member names; naming none, it only
/// proposes (a click on a page opened before another member changed the
/// count and proposed it once published what its member never saw).
pub fn publish_request(
    proposed: Option<&str>,
    now: &str,
    confirms: Option<&str>,
) -> PublishRequest {
    match confirms {
        Some(seen) if seen != now => PublishRequest::CountChanged,
        Some(_) if proposed == Some(now) => PublishRequest::Confirm,
        _ => PublishRequest::Propose,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_confirms_only_the_count_its_member_names() {
        use PublishRequest::*;
        for (proposed, confirms, does) in [
            (None, None, Propose),
            (None, Some("now"), Propose),
            (None, Some("old"), CountChanged),
            (Some("now"), None, Propose),
            (Some("now"), Some("now"), Confirm),
            (Some("now"), Some("old"), CountChanged),
            (Some("old"), None, Propose),
            (Some("old"), Some("now"), Propose),
            (Some("old"), Some("old"), CountChanged),
        ] {
            assert_eq!(
                publish_request(proposed, "now", confirms),
                does,
                "{proposed:?} {confirms:?}"
            );
        }
    }

    fn who(name: &str) -> Vec<String> {
        vec![name.to_owned()]
    }

    #[test]
    fn a_difference_is_resolved_by_a_member_who_made_neither_entry() {
        let a = BallotBox::of(&[
            ("1", &["Udin", "Siti"]),
            ("2", &["Ani", "Dodi"]),
            ("3", &["Ani", "Siti"]),
        ]);
        let b = BallotBox::of(&[("1", &["siti", " UDIN"]), ("2", &["Ani", "Dedi"])]);
        let (made_a, made_b) = (who("ani"), who("budi"));
        let e = Entries {
            a: &a,
            b: &b,
            made_a: &made_a,
            made_b: &made_b,
        };
        let made = |member: &str, entry| {
            Err(CommitteeError::ResolverMadeEntry {
                member: member.into(),
                entry,
            })
        };
        for (ballot, is_ballot, member, expected) in [
            // The maker of entry A, or of entry B, resolves nothing.
            ("2", true, "ani", made("ani", 'A')),
            ("2", true, "budi", made("budi", 'B')),
            ("2", true, "citra", Ok(())),
            // The entries agree on ballot 1 (case, spacing and order aside).
            (
                "1",
                true,
                "citra",
                Err(CommitteeError::NotADifference("1".into())),
            ),
            // Missing from entry B: entry B's maker types it, or it is not a ballot.
            (
                "3",
                true,
                "citra",
                Err(CommitteeError::MissingFromEntry {
                    ballot: "3".into(),
                    entry: 'B',
                }),
            ),
            ("3", false, "citra", Ok(())),
            (
                "9",
                false,
                "citra",
                Err(CommitteeError::UnknownBallot("9".into())),
            ),
        ] {
            assert_eq!(
                check_resolution(&e, ballot, is_ballot, member),
                expected,
                "ballot {ballot} resolved by {member}"
            );
        }
    }

    #[test]
    fn publishing_needs_every_ballot_in_both_entries_by_two_members() {
        let a = BallotBox::of(&[("1", &["Udin", "Siti"]), ("2", &["Ani", "Dodi"])]);
        let empty = BallotBox::new();
        let (made_a, made_b, none) = (who("ani"), who("budi"), vec![]);
        let e = Entries {
            a: &a,
            b: &empty,
            made_a: &made_a,
            made_b: &none,
        };
        assert_eq!(
            check_double_entry(&e, &[]),
            Err(CommitteeError::EntryEmpty('B'))
        );
        let b = BallotBox::of(&[("1", &["Udin", "Siti"])]);
        let e = Entries {
            a: &a,
            b: &b,
            made_a: &made_a,
            made_b: &made_b,
        };
        assert_eq!(
            check_double_entry(&e, &[]),
            Err(CommitteeError::SingleEntry {
                ballot: "2".into(),
                entry: 'A'
            })
        );
        assert_eq!(check_double_entry(&e, &["2"]), Ok(()));
        let e = Entries {
            a: &a,
            b: &b,
            made_a: &made_a,
            made_b: &made_a,
        };
        assert_eq!(
            check_double_entry(&e, &["2"]),
            Err(CommitteeError::OneMemberBothEntries("ani".into()))
        );
    }

    #[test]
    fn a_second_member_confirms() {
        assert!(check_second_member(TwoMemberStep::Publication, "ani", "budi").is_ok());
        let err = check_second_member(TwoMemberStep::Lot, "ani", "ani").unwrap_err();
        assert_eq!(
            err.to_string(),
            "ani proposed the lot's winners: a second committee member confirms it"
        );
    }

    #[test]
    fn an_entry_is_made_by_one_member_who_makes_no_other_and_resolves_nothing() {
        let (ani, none) = (who("ani"), Vec::new());
        assert_eq!(check_entry_maker('A', "ani", &ani, &none, false), Ok(()));
        assert_eq!(check_entry_maker('B', "budi", &none, &ani, false), Ok(()));
        assert_eq!(
            check_entry_maker('B', "ani", &none, &ani, false),
            Err(CommitteeError::MadeOtherEntry {
                member: "ani".into(),
                made: 'A',
                entry: 'B'
            })
        );
        assert_eq!(
            check_entry_maker('A', "citra", &ani, &none, false),
            Err(CommitteeError::EntryMadeBy {
                entry: 'A',
                maker: "ani".into()
            })
        );
        assert_eq!(
            check_entry_maker('A', "citra", &none, &none, true),
            Err(CommitteeError::ResolverEnters("citra".into()))
        );
    }
}
