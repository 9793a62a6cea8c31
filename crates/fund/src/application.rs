//! An application's way from entry to loan: the maker enters it, a second
//! person (the checker) approves or rejects it, and an approved one is
//! disbursed when the UPK holds the cash. Pure decisions; the store loads
//! the application and saves what these return.

use jiff::civil::Date;
use lumbung_domain::{ApplicationId, UserId};
use serde::{Deserialize, Serialize};

/// Where an application stands (stored and shown as its snake_case name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApplicationStatus {
    Pending,
    Approved,
    Rejected,
    Disbursed,
}

impl ApplicationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ApplicationStatus::Pending => "pending",
            ApplicationStatus::Approved => "approved",
            ApplicationStatus::Rejected => "rejected",
            ApplicationStatus::Disbursed => "disbursed",
        }
    }

    pub fn parse(raw: &str) -> Option<ApplicationStatus> {
        [
            ApplicationStatus::Pending,
            ApplicationStatus::Approved,
            ApplicationStatus::Rejected,
            ApplicationStatus::Disbursed,
        ]
        .into_iter()
        .find(|s| s.as_str() == raw)
    }
}

impl std::fmt::Display for ApplicationStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

lumbung_domain::text_enum! {
    /// Why a decision or a disbursal is refused; `field()` names the input
    /// at fault.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum Refused {
        NotPending { id: ApplicationId, status: ApplicationStatus } => "application_not_pending",
            application = id, status = status;
            id: "permohonan {application} berstatus {status}, bukan pending",
            en: "application {application} is {status}, not pending",
        OwnApplication => "maker_checker";
            id: "orang yang memasukkan permohonan tidak boleh menyetujuinya (maker-checker)",
            en: "the person who entered an application cannot approve it (maker-checker)",
        NotApproved { id: ApplicationId, status: ApplicationStatus } => "application_not_approved",
            application = id, status = status;
            id: "permohonan {application} berstatus {status}; hanya yang disetujui yang dicairkan",
            en: "application {application} is {status}; only an approved one is disbursed",
        BeforeApplied => "disbursed_before_applied";
            id: "pinjaman tidak bisa dicairkan sebelum tanggal permohonannya",
            en: "a loan cannot be disbursed before it was applied for",
        NotEnoughCash { cash: i64, principal: i64 } => "not_enough_cash",
            cash = cash, principal = principal;
            id: "kas UPK Rp {cash}, kurang dari Rp {principal} yang akan dipinjamkan",
            en: "the UPK holds Rp {cash} in cash, less than the Rp {principal} to lend",
    }
}

impl Refused {
    pub fn field(&self) -> &'static str {
        match self {
            Refused::NotPending { .. } | Refused::OwnApplication | Refused::NotApproved { .. } => {
                "application"
            }
            Refused::BeforeApplied => "on",
            Refused::NotEnoughCash { .. } => "principal",
        }
    }
}

/// What a disbursal reads of an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Approved {
    pub id: ApplicationId,
    pub status: ApplicationStatus,
    pub applied_on: Date,
    pub principal: i64,
}

/// The checker's decision: the status it moves a pending application to.
/// The one who entered it never decides it.
pub fn decide(
    id: ApplicationId,
    status: ApplicationStatus,
    entered_by: UserId,
    decided_by: UserId,
    approve: bool,
) -> Result<ApplicationStatus, Refused> {
    if status != ApplicationStatus::Pending {
        return Err(Refused::NotPending { id, status });
    }
    if entered_by == decided_by {
        return Err(Refused::OwnApplication);
    }
    Ok(if approve {
        ApplicationStatus::Approved
    } else {
        ApplicationStatus::Rejected
    })
}

/// Whether an application may be disbursed on `on` by a UPK holding
/// `cash`: approved, not before it was applied for, and the UPK lends only
/// cash it holds.
pub fn check_disbursal(app: &Approved, on: Date, cash: i64) -> Result<(), Refused> {
    if app.status != ApplicationStatus::Approved {
        return Err(Refused::NotApproved {
            id: app.id,
            status: app.status,
        });
    }
    if on < app.applied_on {
        return Err(Refused::BeforeApplied);
    }
    if cash < app.principal {
        return Err(Refused::NotEnoughCash {
            cash,
            principal: app.principal,
        });
    }
    Ok(())
}

/// The public id of the loan an application becomes.
pub fn loan_id(upk: lumbung_domain::UpkId, application: ApplicationId) -> String {
    format!("UPK{upk}-{:06}", application.get())
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn app(status: ApplicationStatus) -> Approved {
        Approved {
            id: ApplicationId::new(7),
            status,
            applied_on: date(2024, 3, 1),
            principal: 1_000_000,
        }
    }

    #[test]
    fn statuses_read_back_as_stored() {
        for s in [
            ApplicationStatus::Pending,
            ApplicationStatus::Approved,
            ApplicationStatus::Rejected,
            ApplicationStatus::Disbursed,
        ] {
            assert_eq!(ApplicationStatus::parse(s.as_str()), Some(s));
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", s.as_str())
            );
        }
        assert_eq!(ApplicationStatus::parse("Pending"), None);
    }

    #[test]
    fn a_second_person_decides_a_pending_application() {
        let id = ApplicationId::new(7);
        let pending = |by: i64, approve: bool| {
            decide(
                id,
                ApplicationStatus::Pending,
                UserId::new(1),
                UserId::new(by),
                approve,
            )
        };
        assert_eq!(pending(2, true), Ok(ApplicationStatus::Approved));
        assert_eq!(pending(2, false), Ok(ApplicationStatus::Rejected));
        assert_eq!(pending(1, true), Err(Refused::OwnApplication));
        let done = decide(
            id,
            ApplicationStatus::Rejected,
            UserId::new(1),
            UserId::new(2),
            true,
        )
        .unwrap_err();
        assert_eq!(done.to_string(), "application 7 is rejected, not pending");
        assert_eq!(done.field(), "application");
        assert_eq!(done.text().english(), done.to_string());
        assert_eq!(
            done.text().indonesian(),
            "permohonan 7 berstatus rejected, bukan pending"
        );
    }

    #[test]
    fn only_an_approved_application_with_cash_behind_it_is_disbursed() {
        let approved = app(ApplicationStatus::Approved);
        assert_eq!(
            check_disbursal(&approved, date(2024, 3, 1), 1_000_000),
            Ok(())
        );
        assert_eq!(
            check_disbursal(&approved, date(2024, 2, 29), 5_000_000),
            Err(Refused::BeforeApplied)
        );
        let short = check_disbursal(&approved, date(2024, 3, 2), 999_999).unwrap_err();
        assert_eq!(short.field(), "principal");
        assert_eq!(
            short.to_string(),
            "the UPK holds Rp 999999 in cash, less than the Rp 1000000 to lend"
        );
        let pending = check_disbursal(&app(ApplicationStatus::Pending), date(2024, 3, 2), 0);
        assert_eq!(
            pending.unwrap_err().to_string(),
            "application 7 is pending; only an approved one is disbursed"
        );
        assert_eq!(
            loan_id(lumbung_domain::UpkId::new(3), ApplicationId::new(42)),
            "UPK3-000042"
        );
    }
}
