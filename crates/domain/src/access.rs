//! Who may see and do what: the access table of the design, as code.
//!
//! A user has one role and one scope. The role says what kind of data they
//! may read or write ([`Role::access`]); the scope says where: the whole
//! system, an area and everything under it, or an organisation and the
//! organisations under it ([`Scope::covers`]). Both must allow an action.
//!
//! An organisation scope holds in two dimensions at once: the
//! organisation's subtree *and* the area the organisation sits in (its
//! own, else its nearest placed ancestor's). A child organisation lies
//! inside its parent's area (the store refuses anything else), so the
//! second dimension only narrows; it is what stops an organisation's admin
//! from reaching another kelurahan by placing a child organisation there.

use crate::{text, AreaCode, AreaPath, ParseError};
use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Analyst,
    Facilitator,
    Bkm,
    Upk,
    Auditor,
}

/// The kinds of data the access table has a row for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    /// The area tree, the postcode map and the organisation registry.
    AreasOrgs,
    /// User accounts and their roles.
    Users,
    AuditLog,
    /// Spend ledgers, suppliers and spend reports (Preston Model).
    Spend,
    /// The UPK revolving fund's books.
    Fund,
    /// Approving the fund's loan applications: the checker of
    /// maker-checker, who is never the maker.
    FundApproval,
    /// A kelurahan's household self-mapping: personal data (names,
    /// answers, members). Public pages show aggregates only.
    Mapping,
    /// The PS-2 list of poor households (names). Public: counts only.
    PoorList,
    /// The programme cycle of each kelurahan (steps, attendance,
    /// verification). Not in the design's table; public: progress
    /// aggregates only (`docs/cycle.md`).
    Cycle,
    /// A BKM election's working data: the voter register, the two ballot
    /// entries, groupings, door-to-door records and tie decisions.
    Election,
    /// A published election result. The public sees it too, without any
    /// voter identity (`docs/election.md`).
    ElectionResult,
    /// The local business base, with its contacts. Public: counts per
    /// area and form only.
    BusinessBase,
    /// Public contracts (OCDS), open tenders and the outbox of notices.
    /// Public: aggregates only.
    Contracts,
    /// The P2KP programme's plans, BLM grants, activities and swadaya.
    /// Facilitators and the BKM write (the BKM approves plans and writes
    /// activities); analysts, the UPK and auditors read. Public: the
    /// kelurahan's public board.
    Programme,
    /// Complaints and questions (PPM), with the complainant's name and
    /// contact unless anonymous. Facilitators handle those of their scope,
    /// the BKM those of its kelurahan; admins and auditors read. Public:
    /// anyone submits, and follows one by its tracking code; the board
    /// shows counts by status.
    Complaints,
    /// Partnerships (partners, commitments, meetings, indicators), offers
    /// and needs, the co-operative economy, investment projects and
    /// community capitals. Admins, analysts and facilitators write in
    /// their scope, the BKM for its organisation; auditors read. Public:
    /// a published partnership's summary.
    Partnerships,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Access {
    None,
    Read,
    Write,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Admin,
        Role::Analyst,
        Role::Facilitator,
        Role::Bkm,
        Role::Upk,
        Role::Auditor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Analyst => "analyst",
            Role::Facilitator => "facilitator",
            Role::Bkm => "bkm",
            Role::Upk => "upk",
            Role::Auditor => "auditor",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let key = raw.trim().to_lowercase();
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == key)
            .ok_or_else(|| {
                let known: Vec<_> = Self::ALL.iter().map(|r| r.as_str()).collect();
                ParseError::new(text!("unknown_role",
                    role = format!("{:?}", raw.trim()), known = known.join(", ");
                    id: "peran {role} tidak dikenal; pilih salah satu dari {known}",
                    en: "unknown role {role}; expected one of {known}"))
            })
    }

    /// The access table of `shared/design.md`, one row per resource.
    pub fn access(self, resource: Resource) -> Access {
        use Role::*;
        match resource {
            Resource::AreasOrgs => match self {
                Admin => Access::Write,
                _ => Access::Read,
            },
            Resource::Users => match self {
                Admin => Access::Write,
                Auditor => Access::Read,
                _ => Access::None,
            },
            Resource::AuditLog => match self {
                Admin | Auditor => Access::Read,
                _ => Access::None,
            },
            Resource::Spend => match self {
                Analyst => Access::Write,
                Auditor => Access::Read,
                _ => Access::None,
            },
            Resource::Fund => match self {
                Upk => Access::Write,
                Facilitator | Bkm | Auditor => Access::Read,
                _ => Access::None,
            },
            // The UPK enters applications; the BKM approves them.
            Resource::FundApproval => match self {
                Bkm => Access::Write,
                Facilitator | Upk | Auditor => Access::Read,
                _ => Access::None,
            },
            Resource::Mapping => match self {
                Facilitator => Access::Write,
                Bkm => Access::Read,
                _ => Access::None,
            },
            // The UPK reads the list to form KSMs.
            Resource::PoorList => match self {
                Facilitator => Access::Write,
                Bkm | Upk | Auditor => Access::Read,
                _ => Access::None,
            },
            // Facilitators record the steps; those who oversee or build
            // on the programme read them. Admins run the system, not the
            // programme.
            Resource::Cycle => match self {
                Facilitator => Access::Write,
                Bkm | Upk | Auditor | Analyst => Access::Read,
                Admin => Access::None,
            },
            // The facilitator works as the election committee.
            Resource::Election => match self {
                Facilitator => Access::Write,
                Bkm | Auditor => Access::Read,
                _ => Access::None,
            },
            Resource::ElectionResult => match self {
                Facilitator => Access::Write,
                Bkm | Upk | Auditor => Access::Read,
                _ => Access::None,
            },
            Resource::BusinessBase => match self {
                Analyst => Access::Write,
                Facilitator | Auditor => Access::Read,
                _ => Access::None,
            },
            Resource::Contracts => match self {
                Analyst => Access::Write,
                Auditor => Access::Read,
                _ => Access::None,
            },
            Resource::Programme => match self {
                Facilitator | Bkm => Access::Write,
                Analyst | Upk | Auditor => Access::Read,
                Admin => Access::None,
            },
            Resource::Complaints => match self {
                Facilitator | Bkm => Access::Write,
                Admin | Auditor => Access::Read,
                Analyst | Upk => Access::None,
            },
            Resource::Partnerships => match self {
                Admin | Analyst | Facilitator | Bkm => Access::Write,
                Auditor => Access::Read,
                Upk => Access::None,
            },
        }
    }

    pub fn can_read(self, resource: Resource) -> bool {
        self.access(resource) >= Access::Read
    }

    pub fn can_write(self, resource: Resource) -> bool {
        self.access(resource) == Access::Write
    }

    /// The city coordinator of a kelurahan, who verifies the steps its
    /// facilitators record: a facilitator whose scope strictly encloses the
    /// kelurahan (the city, the kabupaten, a kecamatan or the whole
    /// system), never one scoped to the kelurahan itself or to an
    /// organisation. That the coordinator is not the recorder is the
    /// cycle's own rule (`lumbung_community::cycle`).
    pub fn coordinates(self, scope: &Scope, kelurahan: &AreaPath) -> bool {
        self.can_write(Resource::Cycle) && scope.strictly_encloses(kelurahan)
    }

    /// A member of an election committee: one who writes elections for an
    /// area or the whole system, never one scoped to an organisation
    /// inside the kelurahan (an admin of that organisation could make
    /// several, and run the BKM's own election alone).
    pub fn sits_on_committee(self, scope: &Scope) -> bool {
        self.can_write(Resource::Election) && !matches!(scope, Scope::Org { .. })
    }

    /// Sets the days complaints may take in an area of its scope: the
    /// facilitator alone. The BKM answers for the deadlines, so it never
    /// sets its own.
    pub fn sets_complaint_deadlines(self) -> bool {
        self == Role::Facilitator
    }

    /// Brings in a kelurahan's plans and the BLM grants it received: the
    /// facilitator (design.md's access table), whose plan the BKM then
    /// approves; the BKM writes activities only.
    pub fn brings_in_plans(self) -> bool {
        self == Role::Facilitator
    }

    /// Approves a plan version and funds or refuses a proposal: the BKM
    /// alone, the community's own board (seed 001); a facilitator guides
    /// and records, and never decides for it.
    pub fn decides_plans(self) -> bool {
        self == Role::Bkm
    }

    /// Changes a setting the partnerships of the whole system share (the
    /// days without a meeting after which one stands out): a writer of
    /// partnerships over the whole system, never one of an area deciding
    /// for the others.
    pub fn sets_partnership_settings(self, scope: &Scope) -> bool {
        self.can_write(Resource::Partnerships) && *scope == Scope::Global
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a user's role holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Scope {
    Global,
    Area {
        code: AreaCode,
        path: AreaPath,
    },
    Org {
        id: i64,
        /// Where the organisation sits: its own area, else its nearest
        /// placed ancestor's; `None` when none of them has one (then the
        /// scope reaches only data without an area).
        #[serde(skip)]
        area: Option<AreaPath>,
    },
}

/// Where a piece of data sits, for scope checks: the area path it belongs
/// to (if any) and the organisation it belongs to with that
/// organisation's ancestors (nearest first).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Placement {
    pub area: Option<AreaPath>,
    pub orgs: Vec<i64>,
}

impl Scope {
    /// True when the data sits inside the scope: for an area scope, its
    /// area lies in the scope's area; for an organisation scope, it belongs
    /// to the organisation's subtree *and* its area (if it has one) lies in
    /// the organisation's area.
    pub fn covers(&self, placement: &Placement) -> bool {
        match self {
            Scope::Global => true,
            Scope::Area { path, .. } => placement.area.as_ref().is_some_and(|a| path.contains(a)),
            Scope::Org { id, area } => {
                placement.orgs.contains(id)
                    && placement
                        .area
                        .as_ref()
                        .is_none_or(|a| area.as_ref().is_some_and(|own| own.contains(a)))
            }
        }
    }

    /// True when the scope covers the area and more: the whole system, or
    /// an area above it.
    pub fn strictly_encloses(&self, area: &AreaPath) -> bool {
        match self {
            Scope::Global => true,
            Scope::Area { path, .. } => path != area && path.contains(area),
            Scope::Org { .. } => false,
        }
    }

    /// The area path this scope limits listings to, if it is an area scope.
    pub fn area_path(&self) -> Option<&AreaPath> {
        match self {
            Scope::Area { path, .. } => Some(path),
            _ => None,
        }
    }

    /// True when everything `other` covers, this scope covers too: an admin
    /// may hand out only scopes inside their own. `other_placement` is where
    /// `other` sits (an area scope: its area; an organisation scope: the
    /// organisation's area and lineage), so both dimensions are compared.
    pub fn encloses(&self, other: &Scope, other_placement: &Placement) -> bool {
        match (self, other) {
            (Scope::Global, _) => true,
            (_, Scope::Global) => false,
            _ => self.covers(other_placement),
        }
    }

    /// True when this scope encloses `other` and reaches beyond it: an area
    /// above `other`'s area, or an organisation above `other`'s
    /// organisation. Nobody strictly encloses their own scope, so the admin
    /// of a BKM or of its kelurahan cannot make its loan checkers.
    pub fn strictly_encloses_scope(&self, other: &Scope, other_placement: &Placement) -> bool {
        match (self, other) {
            (_, Scope::Global) => false,
            (Scope::Global, _) => true,
            (Scope::Area { path, .. }, _) => other_placement
                .area
                .as_ref()
                .is_some_and(|a| a != path && path.contains(a)),
            (Scope::Org { id, .. }, Scope::Org { id: other_id, .. }) => {
                id != other_id && self.covers(other_placement)
            }
            (Scope::Org { .. }, Scope::Area { .. }) => false,
        }
    }

    /// True when an admin of this scope may create, or reset the password
    /// of, an account with `role` at `other`, whose placement lies in the
    /// kelurahan at `kelurahan` (if any). Whoever takes part in a decision
    /// the programme gives to two people (the loan's maker and checker,
    /// the election committee, the cycle's recorder and verifier) needs an
    /// admin above their kelurahan, so that no admin makes both sides
    /// inside their own reach: never one scoped to an organisation (a
    /// BKM's admin would make the checker of its own UPK, or, being on the
    /// BKM, a cashier to approve), nor one scoped to the kelurahan or an
    /// RW of it. Other accounts: an admin whose scope encloses theirs.
    pub fn may_manage(
        &self,
        role: Role,
        other: &Scope,
        other_placement: &Placement,
        kelurahan: Option<&AreaPath>,
    ) -> bool {
        let two_person = [
            Resource::Fund,
            Resource::FundApproval,
            Resource::Election,
            Resource::ElectionResult,
            Resource::Cycle,
        ];
        if two_person.into_iter().any(|r| role.can_write(r)) {
            !matches!(self, Scope::Org { .. })
                && self.strictly_encloses_scope(other, other_placement)
                && kelurahan.is_none_or(|k| self.strictly_encloses(k))
        } else {
            self.encloses(other, other_placement)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(codes: &[&str]) -> AreaPath {
        let mut codes = codes.iter().map(|c| AreaCode::parse(c).unwrap());
        let mut p = AreaPath::root(&codes.next().unwrap());
        for c in codes {
            p = p.child(&c);
        }
        p
    }

    #[test]
    fn access_table_rows() {
        for role in Role::ALL {
            assert!(role.can_read(Resource::AreasOrgs));
            assert_eq!(role.can_write(Resource::AreasOrgs), role == Role::Admin);
            assert_eq!(
                role.can_read(Resource::Users),
                matches!(role, Role::Admin | Role::Auditor)
            );
            assert_eq!(role.can_write(Resource::Users), role == Role::Admin);
            assert_eq!(
                role.can_read(Resource::AuditLog),
                matches!(role, Role::Admin | Role::Auditor)
            );
            assert!(
                !role.can_write(Resource::AuditLog),
                "the audit log is append-only"
            );
            assert_eq!(
                role.can_read(Resource::Spend),
                matches!(role, Role::Analyst | Role::Auditor)
            );
            assert_eq!(role.can_write(Resource::Spend), role == Role::Analyst);
            assert_eq!(
                role.can_read(Resource::Fund),
                matches!(
                    role,
                    Role::Facilitator | Role::Bkm | Role::Upk | Role::Auditor
                )
            );
            assert_eq!(role.can_write(Resource::Fund), role == Role::Upk);
            assert_eq!(
                role.can_write(Resource::FundApproval),
                role == Role::Bkm,
                "the maker (UPK) never approves"
            );
            assert_eq!(
                role.access(Resource::Mapping),
                match role {
                    Role::Facilitator => Access::Write,
                    Role::Bkm => Access::Read,
                    _ => Access::None,
                },
                "household self-mapping: {role}"
            );
            assert_eq!(
                role.access(Resource::PoorList),
                match role {
                    Role::Facilitator => Access::Write,
                    Role::Bkm | Role::Upk | Role::Auditor => Access::Read,
                    _ => Access::None,
                },
                "PS-2 list: {role}"
            );
            assert_eq!(
                role.access(Resource::Cycle),
                match role {
                    Role::Facilitator => Access::Write,
                    Role::Admin => Access::None,
                    _ => Access::Read,
                },
                "programme cycle: {role}"
            );
            assert_eq!(
                role.access(Resource::Election),
                match role {
                    Role::Facilitator => Access::Write,
                    Role::Bkm | Role::Auditor => Access::Read,
                    _ => Access::None,
                },
                "election register and ballot entry: {role}"
            );
            assert_eq!(
                role.access(Resource::Programme),
                match role {
                    Role::Facilitator | Role::Bkm => Access::Write,
                    Role::Analyst | Role::Upk | Role::Auditor => Access::Read,
                    Role::Admin => Access::None,
                },
                "plans, BLM grants, activities, swadaya: {role}"
            );
            assert_eq!(
                role.access(Resource::Complaints),
                match role {
                    Role::Facilitator | Role::Bkm => Access::Write,
                    Role::Admin | Role::Auditor => Access::Read,
                    _ => Access::None,
                },
                "complaints: {role}"
            );
            assert_eq!(
                role.access(Resource::Partnerships),
                match role {
                    Role::Admin | Role::Analyst | Role::Facilitator | Role::Bkm => Access::Write,
                    Role::Auditor => Access::Read,
                    Role::Upk => Access::None,
                },
                "partnerships, offers and needs, co-operatives, pools, capitals: {role}"
            );
            assert_eq!(
                role.access(Resource::ElectionResult),
                match role {
                    Role::Facilitator => Access::Write,
                    Role::Bkm | Role::Upk | Role::Auditor => Access::Read,
                    _ => Access::None,
                },
                "published election result: {role}"
            );
        }
    }

    #[test]
    fn duties_the_programme_gives_one_role_alone() {
        let kel = Scope::Area {
            code: AreaCode::parse("3604010001").unwrap(),
            path: path(&["ID", "36", "3604", "3604010", "3604010001"]),
        };
        for role in Role::ALL {
            assert_eq!(role.sets_complaint_deadlines(), role == Role::Facilitator);
            assert_eq!(role.decides_plans(), role == Role::Bkm);
            assert_eq!(
                role.sets_partnership_settings(&Scope::Global),
                matches!(
                    role,
                    Role::Admin | Role::Analyst | Role::Facilitator | Role::Bkm
                ),
                "{role}"
            );
            assert!(!role.sets_partnership_settings(&kel), "{role} of one area");
        }
    }

    #[test]
    fn an_election_committee_works_for_an_area() {
        let kel = Scope::Area {
            code: AreaCode::parse("3604010001").unwrap(),
            path: path(&["ID", "36", "3604", "3604010", "3604010001"]),
        };
        assert!(Role::Facilitator.sits_on_committee(&kel));
        assert!(Role::Facilitator.sits_on_committee(&Scope::Global));
        let bkm = Scope::Org { id: 7, area: None };
        assert!(!Role::Facilitator.sits_on_committee(&bkm));
        assert!(!Role::Bkm.sits_on_committee(&kel), "the BKM reads only");
    }

    #[test]
    fn roles_parse_and_explain() {
        assert_eq!(Role::parse(" UPK ").unwrap(), Role::Upk);
        assert!(Role::parse("root")
            .unwrap_err()
            .to_string()
            .contains("auditor"));
    }

    #[test]
    fn area_scope_covers_its_subtree_only() {
        let serang = Scope::Area {
            code: AreaCode::parse("3604").unwrap(),
            path: path(&["ID", "36", "3604"]),
        };
        let inside = Placement {
            area: Some(path(&["ID", "36", "3604", "3604010"])),
            orgs: vec![],
        };
        let beside = Placement {
            area: Some(path(&["ID", "36", "3603"])),
            orgs: vec![],
        };
        assert!(serang.covers(&inside));
        assert!(!serang.covers(&beside));
        assert!(!serang.covers(&Placement::default()));
        assert!(Scope::Global.covers(&Placement::default()));
    }

    #[test]
    fn org_scope_covers_the_org_and_its_children() {
        let bkm = Scope::Org { id: 7, area: None };
        let ksm_of_bkm = Placement {
            area: None,
            orgs: vec![12, 9, 7],
        };
        let other = Placement {
            area: None,
            orgs: vec![13, 8],
        };
        assert!(bkm.covers(&ksm_of_bkm));
        assert!(!bkm.covers(&other));
    }

    #[test]
    fn org_scope_covers_only_inside_its_organisations_area() {
        let kel = path(&["ID", "36", "3604", "3604010", "3604010001"]);
        let other_kel = path(&["ID", "36", "3604", "3604010", "3604010002"]);
        let rw = path(&["ID", "36", "3604", "3604010", "3604010001", "RW01"]);
        let bkm = Scope::Org {
            id: 7,
            area: Some(kel.clone()),
        };
        let at = |area: &AreaPath, orgs: Vec<i64>| Placement {
            area: Some(area.clone()),
            orgs,
        };
        assert!(bkm.covers(&at(&kel, vec![7])));
        assert!(bkm.covers(&at(&rw, vec![12, 7])));
        assert!(
            !bkm.covers(&at(&other_kel, vec![12, 7])),
            "a child organisation placed in another kelurahan is outside the BKM's scope"
        );
        let unplaced = Scope::Org { id: 7, area: None };
        assert!(!unplaced.covers(&at(&kel, vec![7])));
        // A child placed elsewhere cannot be handed out as a scope either.
        let child = Scope::Org {
            id: 12,
            area: Some(other_kel.clone()),
        };
        assert!(!bkm.encloses(&child, &at(&other_kel, vec![12, 7])));
        let child_here = Scope::Org {
            id: 12,
            area: Some(rw.clone()),
        };
        assert!(bkm.encloses(&child_here, &at(&rw, vec![12, 7])));
    }

    #[test]
    fn loan_checkers_need_an_admin_strictly_above_them() {
        let serang_path = path(&["ID", "36", "3604"]);
        let kel = path(&["ID", "36", "3604", "3604010", "3604010001"]);
        let serang = Scope::Area {
            code: AreaCode::parse("3604").unwrap(),
            path: serang_path,
        };
        let kel_admin = Scope::Area {
            code: AreaCode::parse("3604010001").unwrap(),
            path: kel.clone(),
        };
        let bkm = Scope::Org {
            id: 7,
            area: Some(kel.clone()),
        };
        let bkm_placement = Placement {
            area: Some(kel.clone()),
            orgs: vec![7],
        };
        let upk = Scope::Org {
            id: 9,
            area: Some(kel.clone()),
        };
        let upk_placement = Placement {
            area: Some(kel.clone()),
            orgs: vec![9, 7],
        };
        for (admin, may) in [
            (&Scope::Global, true),
            (&serang, true),
            (&kel_admin, false),
            (&bkm, false),
        ] {
            assert_eq!(
                admin.may_manage(Role::Bkm, &bkm, &bkm_placement, Some(&kel)),
                may,
                "{admin:?}"
            );
            // The loan's maker too (regression: a BKM member holding the
            // BKM's admin account made a cashier, then approved its loans).
            assert_eq!(
                admin.may_manage(Role::Upk, &upk, &upk_placement, Some(&kel)),
                may,
                "{admin:?}"
            );
            // The election committee and the cycle's recorder: the same.
            assert_eq!(
                admin.may_manage(Role::Facilitator, &bkm, &bkm_placement, Some(&kel)),
                may,
                "{admin:?}"
            );
        }
        let kel_placement = Placement {
            area: Some(kel.clone()),
            orgs: vec![],
        };
        assert!(
            !kel_admin.may_manage(Role::Facilitator, &kel_admin, &kel_placement, Some(&kel)),
            "a kelurahan's admin makes no committee of its own"
        );
        assert!(serang.may_manage(Role::Facilitator, &kel_admin, &kel_placement, Some(&kel)));
        // Regression: a BKM's admin made the checker of its own UPK (an
        // organisation under the BKM), then approved that UPK's loans.
        assert!(!bkm.may_manage(Role::Bkm, &upk, &upk_placement, Some(&kel)));
        // Nor does a kelurahan's admin make one in an RW of it (where it may
        // move the UPK first).
        let rw = path(&["ID", "36", "3604", "3604010", "3604010001", "3604010001.01"]);
        let at_rw = Scope::Area {
            code: AreaCode::parse("3604010001.01").unwrap(),
            path: rw.clone(),
        };
        let rw_placement = Placement {
            area: Some(rw),
            orgs: vec![],
        };
        assert!(!kel_admin.may_manage(Role::Bkm, &at_rw, &rw_placement, Some(&kel)));
        assert!(!kel_admin.may_manage(Role::Upk, &at_rw, &rw_placement, Some(&kel)));
        assert!(kel_admin.may_manage(Role::Auditor, &at_rw, &rw_placement, Some(&kel)));
        assert!(serang.may_manage(Role::Bkm, &at_rw, &rw_placement, Some(&kel)));
        assert!(!Scope::Global.may_manage(Role::Bkm, &Scope::Global, &Placement::default(), None));
        assert!(!serang.may_manage(
            Role::Bkm,
            &serang,
            &Placement {
                area: serang.area_path().cloned(),
                orgs: vec![],
            },
            None
        ));
    }

    #[test]
    fn scopes_enclose_only_narrower_scopes() {
        let serang_path = path(&["ID", "36", "3604"]);
        let serang = Scope::Area {
            code: AreaCode::parse("3604").unwrap(),
            path: serang_path.clone(),
        };
        let kel = path(&["ID", "36", "3604", "3604010", "3604010001"]);
        let kel_scope = Scope::Area {
            code: AreaCode::parse("3604010001").unwrap(),
            path: kel.clone(),
        };
        let kel_placement = Placement {
            area: Some(kel),
            orgs: vec![],
        };
        assert!(serang.encloses(&kel_scope, &kel_placement));
        assert!(!serang.encloses(&Scope::Global, &Placement::default()));
        assert!(Scope::Global.encloses(&serang, &Placement::default()));
    }

    #[test]
    fn a_city_coordinator_is_a_facilitator_above_the_kelurahan() {
        let kel = path(&["ID", "36", "3604", "3604010", "3604010001"]);
        let area = |code: &str, p: AreaPath| Scope::Area {
            code: AreaCode::parse(code).unwrap(),
            path: p,
        };
        let city = area("3604", path(&["ID", "36", "3604"]));
        let own = area("3604010001", kel.clone());
        let other_city = area("3603", path(&["ID", "36", "3603"]));
        assert!(Role::Facilitator.coordinates(&city, &kel));
        assert!(Role::Facilitator.coordinates(&Scope::Global, &kel));
        assert!(
            !Role::Facilitator.coordinates(&own, &kel),
            "the kelurahan's own facilitator records, never verifies"
        );
        assert!(!Role::Facilitator.coordinates(&other_city, &kel));
        assert!(!Role::Facilitator.coordinates(&Scope::Org { id: 7, area: None }, &kel));
        for role in [
            Role::Admin,
            Role::Analyst,
            Role::Bkm,
            Role::Upk,
            Role::Auditor,
        ] {
            assert!(!role.coordinates(&Scope::Global, &kel), "{role}");
        }
    }
}
