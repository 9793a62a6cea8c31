//! Ballots and the rules a recount applies to them: names per ballot, the
//! quorum, turnout.

use lumbung_domain::{text, Text};

use serde::{Serialize, Serializer};
use std::collections::HashMap;
use std::fmt;
use std::num::NonZeroU64;

/// Why a ballot could not be put in the box.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BallotError {
    #[error("the ballot id is empty")]
    BlankId,
    #[error("the ballot id {0:?} is used twice")]
    Duplicate(String),
}

/// The ballots of one count, each with a unique id and the names written on
/// it (trimmed; blank cells are left out). Written names are stored once
/// each, in order of first appearance, so a box of a million ballots that
/// repeat a few thousand names stays small.
#[derive(Debug, Clone, Default)]
pub struct BallotBox {
    id_text: String,
    /// End of each ballot's id in `id_text` and of its names in `names`.
    ends: Vec<(usize, usize)>,
    names: Vec<u32>,
    written: Vec<Box<str>>,
    written_index: HashMap<Box<str>, u32>,
    ids: HashMap<u64, u32>,
    id_collisions: HashMap<Box<str>, u32>,
    hasher: std::collections::hash_map::RandomState,
}

/// One ballot in a [`BallotBox`].
#[derive(Debug, Clone, Copy)]
pub struct BallotRef<'a> {
    bx: &'a BallotBox,
    index: usize,
}

impl<'a> BallotRef<'a> {
    pub fn id(&self) -> &'a str {
        let start = match self.index {
            0 => 0,
            i => self.bx.ends[i - 1].0,
        };
        &self.bx.id_text[start..self.bx.ends[self.index].0]
    }

    /// The written names, in the order on the ballot.
    pub fn names(&self) -> impl ExactSizeIterator<Item = &'a str> + 'a {
        let bx = self.bx;
        self.written_ids()
            .iter()
            .map(move |&w| &*bx.written[w as usize])
    }

    /// Position of the ballot in the box (0 = first added).
    pub fn index(&self) -> usize {
        self.index
    }

    pub(crate) fn written_ids(&self) -> &'a [u32] {
        let start = match self.index {
            0 => 0,
            i => self.bx.ends[i - 1].1,
        };
        &self.bx.names[start..self.bx.ends[self.index].1]
    }
}

impl BallotBox {
    pub fn new() -> BallotBox {
        BallotBox::default()
    }

    /// A box of `(id, names)` rows, for tests: a refused ballot fails the
    /// test.
    #[cfg(test)]
    pub(crate) fn of(rows: &[(&str, &[&str])]) -> BallotBox {
        let mut bx = BallotBox::new();
        for (id, names) in rows {
            bx.push(id, names).unwrap();
        }
        bx
    }

    /// Adds a ballot. The id is trimmed and must be new; names are trimmed
    /// and blank ones left out.
    pub fn push<S: AsRef<str>>(&mut self, id: &str, names: &[S]) -> Result<(), BallotError> {
        self.push_iter(id, names.iter().map(AsRef::as_ref))
    }

    pub(crate) fn push_iter<'n>(
        &mut self,
        id: &str,
        names: impl Iterator<Item = &'n str>,
    ) -> Result<(), BallotError> {
        let id = id.trim();
        if id.is_empty() {
            return Err(BallotError::BlankId);
        }
        if self.position(id).is_some() {
            return Err(BallotError::Duplicate(id.to_owned()));
        }
        let index = u32::try_from(self.ends.len()).expect("fewer than 4 billion ballots");
        let hash = std::hash::BuildHasher::hash_one(&self.hasher, id);
        match self.ids.entry(hash) {
            std::collections::hash_map::Entry::Occupied(_) => {
                self.id_collisions.insert(id.into(), index);
            }
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(index);
            }
        }
        self.id_text.push_str(id);
        for name in names {
            let name = name.trim();
            if name.is_empty() {
                continue;
            }
            let w = match self.written_index.get(name) {
                Some(&w) => w,
                None => {
                    let w = u32::try_from(self.written.len()).expect("fewer than 4 billion names");
                    self.written.push(name.into());
                    self.written_index.insert(name.into(), w);
                    w
                }
            };
            self.names.push(w);
        }
        self.ends.push((self.id_text.len(), self.names.len()));
        Ok(())
    }

    /// The position of the ballot with this id (trimmed).
    pub fn position(&self, id: &str) -> Option<usize> {
        let id = id.trim();
        let hash = std::hash::BuildHasher::hash_one(&self.hasher, id);
        let &i = self.ids.get(&hash)?;
        if self.get(i as usize).id() == id {
            return Some(i as usize);
        }
        self.id_collisions.get(id).map(|&i| i as usize)
    }

    /// The ballot at a position.
    pub fn get(&self, index: usize) -> BallotRef<'_> {
        assert!(index < self.ends.len(), "no ballot {index}");
        BallotRef { bx: self, index }
    }

    /// The ballot with this id.
    pub fn find(&self, id: &str) -> Option<BallotRef<'_>> {
        self.position(id).map(|i| self.get(i))
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = BallotRef<'_>> + '_ {
        (0..self.ends.len()).map(|index| BallotRef { bx: self, index })
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Every distinct written name (trimmed, as first written), in order of
    /// first appearance, with how many times it was written.
    pub fn written_names(&self) -> Vec<(&str, u64)> {
        let mut counts = vec![0u64; self.written.len()];
        for &w in &self.names {
            counts[w as usize] += 1;
        }
        self.written
            .iter()
            .zip(counts)
            .map(|(w, n)| (&**w, n))
            .collect()
    }

    pub(crate) fn distinct_written(&self) -> &[Box<str>] {
        &self.written
    }
}

/// How many names a ballot must hold: between `min` and `max`, inclusive,
/// with `1 ≤ min ≤ max`. The P2KP rule is 2 to 3 (the default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct NamesPerBallot {
    min: usize,
    max: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "names per ballot must be at least 1, the minimum at most the maximum, and the maximum at most {MAX_NAMES_PER_BALLOT} (got {min} to {max})"
)]
pub struct NamesPerBallotError {
    pub min: usize,
    pub max: usize,
}

impl NamesPerBallotError {
    pub fn text(&self) -> Text {
        text!("election_names_per_ballot", most = MAX_NAMES_PER_BALLOT, min = self.min, max = self.max;
            id: "jumlah nama per surat suara paling sedikit 1, minimum paling banyak sama dengan maksimum, dan maksimum paling banyak {most} (tertulis {min} sampai {max})",
            en: "names per ballot must be at least 1, the minimum at most the maximum, and the maximum at most {most} (got {min} to {max})")
    }
}

/// The most names a ballot may ask for: a paper ballot has a few lines,
/// and sheets, counts and published files are as wide as this.
pub const MAX_NAMES_PER_BALLOT: usize = 50;

impl NamesPerBallot {
    pub fn new(min: usize, max: usize) -> Result<NamesPerBallot, NamesPerBallotError> {
        if min == 0 || min > max || max > MAX_NAMES_PER_BALLOT {
            return Err(NamesPerBallotError { min, max });
        }
        Ok(NamesPerBallot { min, max })
    }

    pub fn min(self) -> usize {
        self.min
    }

    pub fn max(self) -> usize {
        self.max
    }
}

impl Default for NamesPerBallot {
    fn default() -> Self {
        NamesPerBallot { min: 2, max: 3 }
    }
}

/// An exact decimal fraction between 0 and 1 (`0.30`), shown with at
/// least six decimals (`0.300000`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fraction {
    /// `num / 10^scale`.
    num: u64,
    scale: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a decimal fraction between 0 and 1, such as 0.30")]
pub struct FractionError(pub String);

impl FractionError {
    pub fn text(&self) -> Text {
        text!("election_fraction", value = format!("{:?}", self.0);
            id: "{value} bukan pecahan desimal antara 0 dan 1, seperti 0.30",
            en: "{value} is not a decimal fraction between 0 and 1, such as 0.30")
    }
}

impl Fraction {
    /// At most this many decimals.
    const MAX_SCALE: u32 = 18;

    /// 30% (`0.30`), the P2KP default for the quorum and the women target.
    pub const THIRTY_PERCENT: Fraction = Fraction { num: 30, scale: 2 };

    /// Parses a decimal fraction between 0 and 1 (`0.30`, `.3`, `1`).
    pub fn parse(raw: &str) -> Result<Fraction, FractionError> {
        let bad = || FractionError(raw.to_owned());
        let s = raw.trim();
        let (int, frac) = s.split_once('.').unwrap_or((s, ""));
        if (int.is_empty() && frac.is_empty())
            || frac.len() > Self::MAX_SCALE as usize
            || !int.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(bad());
        }
        let int = int.trim_start_matches('0');
        if int.len() > 1 || (int == "1" && frac.bytes().any(|b| b != b'0')) || int > "1" {
            return Err(bad());
        }
        let scale = frac.len() as u32;
        let frac_v: u64 = if frac.is_empty() {
            0
        } else {
            frac.parse().map_err(|_| bad())?
        };
        let num = if int == "1" { 10u64.pow(scale) } else { frac_v };
        Ok(Fraction { num, scale })
    }

    /// True when `part ÷ whole` is at least this fraction, exactly.
    pub fn met_by(self, part: u64, whole: NonZeroU64) -> bool {
        u128::from(part) * 10u128.pow(self.scale) >= u128::from(self.num) * u128::from(whole.get())
    }
}

impl fmt::Display for Fraction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scale = self.scale.max(6);
        let num = u128::from(self.num) * 10u128.pow(scale - self.scale);
        let den = 10u128.pow(scale);
        write!(
            f,
            "{}.{:0width$}",
            num / den,
            num % den,
            width = scale as usize
        )
    }
}

impl Serialize for Fraction {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The share of eligible voters that must vote for a result to stand
/// (default 0.30): a [`Fraction`], compared exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Quorum(Fraction);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a quorum: give a decimal fraction between 0 and 1, such as 0.30")]
pub struct QuorumError(pub String);

impl QuorumError {
    pub fn text(&self) -> Text {
        text!("election_quorum", value = format!("{:?}", self.0);
            id: "{value} bukan kuorum: tulis pecahan desimal antara 0 dan 1, seperti 0.30",
            en: "{value} is not a quorum: give a decimal fraction between 0 and 1, such as 0.30")
    }
}

impl Quorum {
    /// Parses a decimal fraction between 0 and 1 (`0.30`, `.3`, `1`).
    pub fn parse(raw: &str) -> Result<Quorum, QuorumError> {
        Fraction::parse(raw)
            .map(Quorum)
            .map_err(|_| QuorumError(raw.to_owned()))
    }

    pub fn new(fraction: Fraction) -> Quorum {
        Quorum(fraction)
    }

    pub fn fraction(self) -> Fraction {
        self.0
    }

    /// True when `part` of `whole` reaches the quorum, exactly.
    pub fn met_by(self, part: u64, whole: NonZeroU64) -> bool {
        self.0.met_by(part, whole)
    }
}

impl Default for Quorum {
    fn default() -> Self {
        Quorum(Fraction::THIRTY_PERCENT)
    }
}

impl fmt::Display for Quorum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::str::FromStr for Quorum {
    type Err = QuorumError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Quorum::parse(s)
    }
}

/// Ballots cast over eligible voters, kept exact; shown as a decimal
/// fraction with six places, rounded half up (`0.450000`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Turnout {
    pub ballots: u64,
    pub eligible: NonZeroU64,
}

impl Turnout {
    pub fn meets(self, quorum: Quorum) -> bool {
        quorum.met_by(self.ballots, self.eligible)
    }
}

impl fmt::Display for Turnout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", six_decimals(self.ballots, self.eligible))
    }
}

impl Serialize for Turnout {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// `part ÷ whole` with six decimals, rounded half up, from integers.
pub(crate) fn six_decimals(part: u64, whole: NonZeroU64) -> String {
    let num = u128::from(part) * 1_000_000;
    let den = u128::from(whole.get());
    let v = num / den + u128::from(2 * (num % den) >= den);
    format!("{}.{:06}", v / 1_000_000, v % 1_000_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nz(n: u64) -> NonZeroU64 {
        NonZeroU64::new(n).unwrap()
    }

    #[test]
    fn the_box_keeps_ids_unique_and_names_trimmed() {
        let mut bx = BallotBox::new();
        bx.push(" b1 ", &["Udin", " ", " Asep "]).unwrap();
        bx.push("b2", &["Asep"]).unwrap();
        assert_eq!(
            bx.push("b1", &["x"]),
            Err(BallotError::Duplicate("b1".into()))
        );
        assert_eq!(bx.push("  ", &["x"]), Err(BallotError::BlankId));
        assert_eq!(bx.len(), 2);
        let b1 = bx.find("b1").unwrap();
        assert_eq!(b1.id(), "b1");
        assert_eq!(b1.names().collect::<Vec<_>>(), ["Udin", "Asep"]);
        assert_eq!(bx.get(1).names().collect::<Vec<_>>(), ["Asep"]);
        assert_eq!(bx.written_names(), [("Udin", 1), ("Asep", 2)]);
        assert!(bx.find("b3").is_none());
    }

    #[test]
    fn names_per_ballot_must_make_sense() {
        assert!(NamesPerBallot::new(0, 3).is_err());
        assert!(NamesPerBallot::new(3, 2).is_err());
        assert!(
            NamesPerBallot::new(1, MAX_NAMES_PER_BALLOT + 1).is_err(),
            "sheets and files are as wide as the maximum"
        );
        assert!(NamesPerBallot::new(1, MAX_NAMES_PER_BALLOT).is_ok());
        let n = NamesPerBallot::new(2, 2).unwrap();
        assert_eq!((n.min(), n.max()), (2, 2));
        assert_eq!(
            NamesPerBallot::default(),
            NamesPerBallot::new(2, 3).unwrap()
        );
    }

    #[test]
    fn quorums_parse_exactly_between_0_and_1() {
        for (raw, shown) in [
            ("0.30", "0.300000"),
            ("0.3", "0.300000"),
            (".3", "0.300000"),
            ("1", "1.000000"),
            ("1.00", "1.000000"),
            ("0", "0.000000"),
            ("0.3333333", "0.3333333"),
            (" 0.5 ", "0.500000"),
        ] {
            assert_eq!(Quorum::parse(raw).unwrap().to_string(), shown, "{raw}");
        }
        for raw in [
            "", ".", "1.01", "2", "-0.1", "0,3", "30%", "abc", "0.3.1", "1e-1",
        ] {
            assert!(Quorum::parse(raw).is_err(), "{raw}");
        }
        assert_eq!(Quorum::default(), Quorum::parse("0.30").unwrap());
    }

    #[test]
    fn the_quorum_is_compared_exactly() {
        let q = Quorum::default();
        assert!(q.met_by(3, nz(10)));
        assert!(!q.met_by(29, nz(100)));
        assert!(q.met_by(30, nz(100)));
        assert!(!q.met_by(299_999, nz(1_000_000)));
        let third = Quorum::parse("0.333333").unwrap();
        assert!(third.met_by(1, nz(3)));
        assert!(!Quorum::parse("0.3333334").unwrap().met_by(1, nz(3)));
        assert!(Quorum::parse("0").unwrap().met_by(0, nz(5)));
        assert!(Quorum::parse("1").unwrap().met_by(5, nz(5)));
        assert!(!Quorum::parse("1").unwrap().met_by(4, nz(5)));
    }

    #[test]
    fn turnout_has_six_decimals_rounded_half_up() {
        let t = |b, e| {
            Turnout {
                ballots: b,
                eligible: nz(e),
            }
            .to_string()
        };
        assert_eq!(t(9, 20), "0.450000");
        assert_eq!(t(1, 3), "0.333333");
        assert_eq!(t(2, 3), "0.666667");
        assert_eq!(t(5, 5), "1.000000");
        assert_eq!(t(0, 7), "0.000000");
        assert_eq!(t(1, 2_000_000), "0.000001");
    }
}
