//! A KSM's own records: its name, its members' names and NIKs, and its
//! group savings. Pure checks; the store saves what passes.

use crate::loan::{add, Rupiah, TooLarge};
use lumbung_domain::{text, Text};

/// Why a group's record is refused; `field()` names the input at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    KsmWithoutName,
    MemberWithoutName,
    /// A NIK that is not 16 digits, as typed (trimmed).
    Nik(String),
    /// A NIK a current member of the KSM holds already.
    NikHeld(String),
    ZeroAmount,
    Withdrawal {
        amount: u64,
        balance: i64,
    },
    TooLarge(TooLarge),
}

impl Refused {
    pub fn field(&self) -> &'static str {
        match self {
            Refused::KsmWithoutName | Refused::MemberWithoutName => "name",
            Refused::Nik(_) | Refused::NikHeld(_) => "nik",
            Refused::ZeroAmount | Refused::Withdrawal { .. } | Refused::TooLarge(_) => "amount",
        }
    }

    /// The refusal in both languages.
    pub fn text(&self) -> Text {
        match self {
            Refused::KsmWithoutName => text!("ksm_needs_name";
                id: "KSM perlu nama",
                en: "a KSM needs a name"),
            Refused::MemberWithoutName => text!("member_needs_name";
                id: "anggota perlu nama",
                en: "a member needs a name"),
            Refused::Nik(nik) => text!("nik_digits", nik = format!("{nik:?}");
                id: "NIK {nik} harus 16 angka",
                en: "NIK {nik} must be 16 digits"),
            Refused::NikHeld(nik) => text!("nik_held_in_ksm", nik = nik;
                id: "NIK {nik} sudah milik anggota KSM ini",
                en: "NIK {nik} belongs to a member of this KSM already"),
            Refused::ZeroAmount => text!("amount_zero";
                id: "jumlah nol tidak memindahkan apa pun",
                en: "an amount of zero moves nothing"),
            Refused::Withdrawal { amount, balance } => text!("withdrawal_above_savings",
                amount = amount, balance = balance;
                id: "penarikan {amount} melebihi tabungan kelompok sebesar {balance}",
                en: "a withdrawal of {amount} is more than the group's savings of {balance}"),
            Refused::TooLarge(e) => e.text(),
        }
    }
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.text().english())
    }
}

impl std::error::Error for Refused {}

/// A KSM's name, trimmed; never empty.
pub fn ksm_name(name: &str) -> Result<&str, Refused> {
    Some(name.trim())
        .filter(|n| !n.is_empty())
        .ok_or(Refused::KsmWithoutName)
}

/// A member's name, trimmed; never empty.
pub fn member_name(name: &str) -> Result<&str, Refused> {
    Some(name.trim())
        .filter(|n| !n.is_empty())
        .ok_or(Refused::MemberWithoutName)
}

/// A member's NIK, trimmed, when one is given: 16 digits (an empty one is
/// none).
pub fn nik(nik: Option<&str>) -> Result<Option<&str>, Refused> {
    match nik.map(str::trim).filter(|n| !n.is_empty()) {
        Some(n) if n.len() != 16 || !n.bytes().all(|b| b.is_ascii_digit()) => {
            Err(Refused::Nik(n.to_owned()))
        }
        n => Ok(n),
    }
}

/// A NIK (checked by [`nik`]) that may join a KSM whose current members
/// hold `held`: a NIK names one person, a member of a group once (a
/// second submit of the same member is refused so).
pub fn nik_not_held<'a>(
    nik: Option<&str>,
    mut held: impl Iterator<Item = &'a str>,
) -> Result<(), Refused> {
    match nik {
        Some(n) if held.any(|h| h == n) => Err(Refused::NikHeld(n.to_owned())),
        _ => Ok(()),
    }
}

/// A savings movement moves something.
pub fn savings_amount(amount: Rupiah) -> Result<Rupiah, Refused> {
    match amount.0 {
        0 => Err(Refused::ZeroAmount),
        _ => Ok(amount),
    }
}

/// A withdrawal (a negative `amount`) takes no more than the group's
/// `balance`; a deposit always passes.
pub fn check_withdrawal(balance: i64, amount: Rupiah) -> Result<(), Refused> {
    if amount.0 < 0 && add("savings", balance, amount.0).map_err(Refused::TooLarge)? < 0 {
        return Err(Refused::Withdrawal {
            amount: amount.0.unsigned_abs(),
            balance,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_never_empty() {
        assert_eq!(ksm_name("  Mawar "), Ok("Mawar"));
        assert_eq!(ksm_name("   "), Err(Refused::KsmWithoutName));
        assert_eq!(member_name("Siti"), Ok("Siti"));
        let e = member_name("").unwrap_err();
        assert_eq!(
            (e.field(), e.to_string().as_str()),
            ("name", "a member needs a name")
        );
        assert_eq!(e.text().indonesian(), "anggota perlu nama");
    }

    #[test]
    fn a_nik_is_sixteen_digits_or_none() {
        assert_eq!(nik(None), Ok(None));
        assert_eq!(nik(Some("  ")), Ok(None));
        assert_eq!(
            nik(Some(" 3201234567890123 ")),
            Ok(Some("3201234567890123"))
        );
        for bad in ["320123456789012", "32012345678901234", "320123456789012x"] {
            let e = nik(Some(bad)).unwrap_err();
            assert_eq!(e.field(), "nik");
            assert_eq!(e.to_string(), format!("NIK {bad:?} must be 16 digits"));
        }
        // Sixteen bytes but not sixteen digits.
        assert!(nik(Some("३२०१२३४५६७")).is_err());
    }

    #[test]
    fn a_withdrawal_takes_no_more_than_the_savings() {
        assert_eq!(savings_amount(Rupiah(0)), Err(Refused::ZeroAmount));
        assert_eq!(savings_amount(Rupiah(-5)), Ok(Rupiah(-5)));
        assert_eq!(check_withdrawal(0, Rupiah(10)), Ok(()));
        assert_eq!(check_withdrawal(100, Rupiah(-100)), Ok(()));
        let e = check_withdrawal(100, Rupiah(-101)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "a withdrawal of 101 is more than the group's savings of 100"
        );
        assert_eq!(
            e.text().indonesian(),
            "penarikan 101 melebihi tabungan kelompok sebesar 100"
        );
        assert_eq!(
            check_withdrawal(i64::MIN, Rupiah(-1)),
            Err(Refused::TooLarge(TooLarge("savings")))
        );
    }

    /// A NIK is a member of a KSM once; a member without one is never
    /// refused so (namesakes are common).
    #[test]
    fn a_nik_is_a_member_once() {
        let held = ["3604010101800001", "3604010101800002"];
        assert_eq!(
            nik_not_held(Some("3604010101800002"), held.into_iter()),
            Err(Refused::NikHeld("3604010101800002".into()))
        );
        assert_eq!(
            nik_not_held(Some("3604010101800003"), held.into_iter()),
            Ok(())
        );
        assert_eq!(nik_not_held(None, held.into_iter()), Ok(()));
        assert_eq!(Refused::NikHeld(String::new()).field(), "nik");
    }
}
