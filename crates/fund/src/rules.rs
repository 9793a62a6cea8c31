//! The rules a new loan must meet before it is approved (imported history
//! only warns about them): group size, joint liability, savings before a
//! first loan, limits per member, term. A target (women's share) warns.

use crate::loan::Rupiah;
use crate::settings::Settings;
use jiff::civil::Date;
use jiff::ToSpan;
use lumbung_domain::{text, MemberId, Sex, Text};
use serde::Serialize;
use std::collections::BTreeSet;

/// A KSM member as the rules see them.
#[derive(Debug, Clone)]
pub struct Member {
    pub id: MemberId,
    pub name: String,
    pub sex: Sex,
    /// Loans this member had a share of before.
    pub earlier_loans: u16,
    /// Every earlier loan was repaid in full and never reached the arrears
    /// threshold.
    pub good_record: bool,
    /// Whether the member's household is on the kelurahan's PS-2 list;
    /// `None` while the kelurahan has no self-mapping.
    pub on_ps2: Option<bool>,
}

/// What is known of a KSM when its application is judged.
#[derive(Debug, Clone)]
pub struct Group {
    pub members: Vec<Member>,
    pub joint_liability: bool,
    /// The calendar months (year, month) in which the group deposited savings.
    pub savings_months: BTreeSet<(i16, i8)>,
    /// The group had a loan before (the savings rule is for a first loan).
    pub had_loan: bool,
}

/// An application: the amount for each member (by member id) and the terms.
#[derive(Debug, Clone)]
pub struct Application {
    pub applied_on: Date,
    pub amounts: Vec<(MemberId, Rupiah)>,
    pub term_months: u16,
}

/// A rule broken (refused) or a target missed (warned), for the user to read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct Finding {
    /// A stable code for scripts and translations.
    pub code: String,
    /// In English.
    pub detail: String,
    /// In Indonesian (empty in findings stored before it was kept).
    #[serde(default)]
    pub detail_id: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Judgement {
    pub refused: Vec<Finding>,
    pub warnings: Vec<Finding>,
}

fn finding(text: Text) -> Finding {
    Finding {
        code: text.code().to_owned(),
        detail: text.english().to_owned(),
        detail_id: text.indonesian().to_owned(),
    }
}

impl Finding {
    /// What a person reads, in both languages (the English one alone for
    /// findings stored before the Indonesian was kept).
    pub fn text(&self) -> Text {
        let id = if self.detail_id.is_empty() {
            &self.detail
        } else {
            &self.detail_id
        };
        Text::new(
            "application_finding",
            Vec::new(),
            id.clone(),
            self.detail.clone(),
        )
    }
}

impl Application {
    /// The members' amounts together; refused when they do not fit.
    pub fn principal(&self) -> Result<Rupiah, crate::loan::TooLarge> {
        crate::loan::sum("principal", self.amounts.iter().map(|(_, a)| a.0)).map(Rupiah)
    }
}

/// Judges an application against the UPK's settings.
pub fn judge(settings: &Settings, group: &Group, app: &Application) -> Judgement {
    let mut j = Judgement::default();
    let n = group.members.len();
    if n < settings.min_members as usize {
        j.refused.push(finding(
            text!("too_few_members", n = n, min = settings.min_members;
            id: "KSM beranggota {n}; paling sedikit {min} yang diperlukan",
            en: "the KSM has {n} members; at least {min} are needed"),
        ));
    }
    let women = group
        .members
        .iter()
        .filter(|m| m.sex == Sex::Female)
        .count();
    if n > 0 && women * 100 < settings.women_target_percent as usize * n {
        j.warnings
            .push(finding(text!("women_below_target", women = women, n = n,
            target = settings.women_target_percent;
            id: "{women} dari {n} anggota perempuan; targetnya {target}%",
            en: "{women} of {n} members are women; the target is {target}%")));
    }
    let off_list: Vec<&str> = group
        .members
        .iter()
        .filter(|m| m.on_ps2 == Some(false))
        .map(|m| m.name.as_str())
        .collect();
    if !off_list.is_empty() {
        j.warnings
            .push(finding(text!("not_on_ps2", names = off_list.join(", ");
            id: "tidak ada di daftar PS-2 rumah tangga miskin kelurahan: {names}",
            en: "not on the kelurahan's PS-2 list of poor households: {names}")));
    }
    if !group.joint_liability {
        j.refused.push(finding(text!("no_joint_liability";
            id: "tanggung renteng kelompok belum tercatat",
            en: "the group's joint liability (tanggung renteng) is not recorded")));
    }
    if !group.had_loan {
        let missing: Vec<String> = (1..=settings.savings_months as i32)
            .map(|k| {
                app.applied_on
                    .first_of_month()
                    .checked_sub(k.months())
                    .expect("dates in range")
            })
            .filter(|d| !group.savings_months.contains(&(d.year(), d.month())))
            .map(|d| format!("{}-{:02}", d.year(), d.month()))
            .collect();
        if !missing.is_empty() {
            j.refused.push(finding(text!("savings_too_short", months = settings.savings_months,
                missing = missing.join(", ");
                id: "pinjaman pertama perlu tabungan kelompok di tiap {months} bulan sebelumnya; tidak ada di {missing}",
                en: "a first loan needs group savings in each of the {months} months before; none in {missing}")));
        }
    }
    if !(settings.term_min..=settings.term_max).contains(&app.term_months) {
        j.refused
            .push(finding(text!("term_out_of_range", term = app.term_months,
            min = settings.term_min, max = settings.term_max;
            id: "jangka waktu {term} bulan di luar {min}–{max}",
            en: "a term of {term} months is outside {min}–{max}")));
    }
    if app.amounts.is_empty() {
        j.refused.push(finding(text!("no_amounts";
            id: "pengajuan tidak menyebut jumlah untuk anggota mana pun",
            en: "the application names no member's amount")));
    }
    let mut seen = BTreeSet::new();
    for (id, amount) in &app.amounts {
        let Some(m) = group.members.iter().find(|m| m.id == *id) else {
            j.refused.push(finding(text!("not_a_member", id = id;
                id: "anggota {id} tidak ada di KSM ini",
                en: "member {id} is not in this KSM")));
            continue;
        };
        if !seen.insert(*id) {
            j.refused.push(finding(text!("member_twice", name = m.name;
                id: "{name} disebut dua kali",
                en: "{name} is named twice")));
        }
        if amount.0 <= 0 {
            j.refused
                .push(finding(text!("amount_not_positive", name = m.name;
                id: "{name}: jumlahnya harus lebih dari nol",
                en: "{name}: the amount must be more than zero")));
        } else if m.earlier_loans >= settings.loans_before_bank || *amount > settings.loan_limit {
            j.refused.push(finding(text!("refer_to_bank", name = m.name,
                loans = settings.loans_before_bank, limit = settings.loan_limit.0;
                id: "{name}: setelah {loans} pinjaman atau di atas Rp {limit} anggota dirujuk ke bank",
                en: "{name}: after {loans} loans or above Rp {limit} the member is referred to a bank")));
        } else if (m.earlier_loans == 0 || !m.good_record) && *amount > settings.first_loan_limit {
            j.refused.push(finding(text!("above_first_loan_limit", name = m.name,
                amount = amount.0, limit = settings.first_loan_limit.0;
                id: "{name}: Rp {amount} di atas Rp {limit}, batas pinjaman pertama atau anggota tanpa catatan baik",
                en: "{name}: Rp {amount} is above Rp {limit}, the limit of a first loan or of a member without a good record")));
        }
    }
    j
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn member(id: i64, sex: Sex, earlier: u16, good: bool) -> Member {
        Member {
            id: MemberId::new(id),
            name: format!("m{id}"),
            sex,
            earlier_loans: earlier,
            good_record: good,
            on_ps2: None,
        }
    }

    fn group() -> Group {
        Group {
            members: vec![
                member(1, Sex::Female, 0, true),
                member(2, Sex::Female, 1, true),
                member(3, Sex::Male, 1, false),
                member(4, Sex::Male, 4, true),
                member(5, Sex::Male, 0, true),
            ],
            joint_liability: true,
            savings_months: [(2025, 1), (2025, 2), (2025, 3)].into(),
            had_loan: false,
        }
    }

    fn codes(v: &[Finding]) -> Vec<&str> {
        v.iter().map(|f| f.code.as_str()).collect()
    }

    fn app(amounts: &[(i64, i64)], term: u16) -> Application {
        Application {
            applied_on: date(2025, 4, 20),
            amounts: amounts
                .iter()
                .map(|(m, a)| (MemberId::new(*m), Rupiah(*a)))
                .collect(),
            term_months: term,
        }
    }

    #[test]
    fn a_sound_first_loan_passes() {
        let j = judge(
            &Settings::default(),
            &group(),
            &app(&[(1, 500_000), (2, 2_000_000)], 12),
        );
        assert!(j.refused.is_empty(), "{j:?}");
        assert!(j.warnings.is_empty(), "2 of 5 women meets 30%");
    }

    #[test]
    fn limits_per_member() {
        let s = Settings::default();
        let j = judge(&s, &group(), &app(&[(1, 500_001)], 6));
        assert_eq!(codes(&j.refused), ["above_first_loan_limit"]);
        let j = judge(&s, &group(), &app(&[(3, 600_000)], 6));
        assert_eq!(
            codes(&j.refused),
            ["above_first_loan_limit"],
            "no good record"
        );
        let j = judge(&s, &group(), &app(&[(2, 2_000_001)], 6));
        assert_eq!(codes(&j.refused), ["refer_to_bank"]);
        let j = judge(&s, &group(), &app(&[(4, 100_000)], 6));
        assert_eq!(codes(&j.refused), ["refer_to_bank"], "four loans already");
        let j = judge(
            &s,
            &group(),
            &app(&[(9, 100_000), (1, 0), (5, 1), (5, 1)], 6),
        );
        assert_eq!(
            codes(&j.refused),
            ["not_a_member", "amount_not_positive", "member_twice"]
        );
    }

    #[test]
    fn group_rules_and_the_womens_target() {
        let s = Settings::default();
        let mut g = group();
        g.members.truncate(4);
        g.members[1].sex = Sex::Male;
        g.joint_liability = false;
        g.savings_months.remove(&(2025, 2));
        let j = judge(&s, &g, &app(&[(1, 100_000)], 2));
        assert_eq!(
            codes(&j.refused),
            [
                "too_few_members",
                "no_joint_liability",
                "savings_too_short",
                "term_out_of_range"
            ]
        );
        assert!(j.refused[2].detail.contains("2025-02"));
        assert_eq!(codes(&j.warnings), ["women_below_target"]);
        g.members[0].on_ps2 = Some(false);
        g.members[1].on_ps2 = Some(true);
        let j = judge(&s, &g, &app(&[(1, 100_000)], 6));
        assert_eq!(codes(&j.warnings), ["women_below_target", "not_on_ps2"]);
        assert!(
            j.warnings[1].detail.ends_with("m1"),
            "names who is off the list"
        );
        g.had_loan = true;
        let j = judge(&s, &g, &app(&[(1, 100_000)], 13));
        assert!(
            !codes(&j.refused).contains(&"savings_too_short"),
            "only a first loan waits"
        );
    }
}
