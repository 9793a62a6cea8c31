//! `Role::access` against the access table of `shared/design.md`, read
//! from the file itself: when either changes, this test says where they
//! part. The route walk of the web tests checks every route against
//! `Role::access`, so together they hold every route to the design.

use lumbung_domain::{Access, Resource, Role};
use std::path::Path;

/// What a cell of the design's table grants. "approve", "publish" and
/// "handle" are writes of their row; a parenthesis only narrows the scope.
fn access_of(cell: &str) -> Access {
    let word = cell.split('(').next().unwrap().trim();
    match word {
        "—" | "-" | "" => Access::None,
        "read" => Access::Read,
        "write" | "approve" | "publish" | "handle" | "submit" => Access::Write,
        // "approve plan, write activities"
        w if w.starts_with("approve") || w.contains("write") => Access::Write,
        other => panic!("design.md: a cell this test cannot read: {other:?}"),
    }
}

/// The design's rows that Lumbung implements, with the resource that
/// carries each. A bkm "approves" the fund's books: it reads them and
/// writes approvals (`FundApproval`), which is checked separately below.
fn resource_of(row: &str) -> Option<Resource> {
    Some(match row {
        "areas, organisations" => Resource::AreasOrgs,
        "users, roles" => Resource::Users,
        "spend ledgers, suppliers, spend reports" => Resource::Spend,
        "household self-mapping (personal data)" => Resource::Mapping,
        "poor-household list (PS-2, names)" => Resource::PoorList,
        "revolving-fund books" => Resource::Fund,
        "election register, ballot entry" => Resource::Election,
        "published election result" => Resource::ElectionResult,
        "audit log" => Resource::AuditLog,
        "local business base (contacts)" => Resource::BusinessBase,
        "contracts (OCDS), tenders, evaluations, LM3" => Resource::Contracts,
        _ => return None,
    })
}

/// Rows of the design for domains that later issues add (procurement,
/// programme, partnerships). A row that is neither implemented nor listed
/// here fails the test, so a new row of the design is never skipped.
const PLANNED: &[&str] = &[
    "plans, BLM grants, activities, swadaya",
    "complaints",
    "partnerships, offers/needs, co-ops, pools, capitals",
];

fn design_table() -> Vec<(String, Vec<String>)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/design.md");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (the design sits in ../shared)", path.display()));
    let mut lines = text.lines().skip_while(|l| {
        !l.starts_with("| data | admin | analyst | facilitator | bkm | upk | auditor")
    });
    let header = lines.next().expect("design.md has the access table");
    assert!(header.ends_with("| public |"), "{header}");
    lines
        .skip(1) // |---|
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            let cells: Vec<String> = l
                .trim_matches('|')
                .split('|')
                .map(|c| c.trim().to_string())
                .collect();
            assert_eq!(cells.len(), 8, "design.md row {l:?}");
            (cells[0].clone(), cells[1..7].to_vec())
        })
        .collect()
}

#[test]
fn role_access_is_the_design_table() {
    let rows = design_table();
    assert!(rows.len() >= 9, "the table was read: {rows:?}");
    let mut checked = 0;
    for (row, cells) in &rows {
        let Some(resource) = resource_of(row) else {
            assert!(
                PLANNED.contains(&row.as_str()),
                "design.md row {row:?} is neither implemented nor planned"
            );
            continue;
        };
        for (role, cell) in Role::ALL.into_iter().zip(cells) {
            let want = access_of(cell);
            let mut have = role.access(resource);
            if resource == Resource::Fund && role == Role::Bkm {
                // "approve (maker-checker)": reads the books, writes
                // approvals only.
                assert_eq!(have, Access::Read, "bkm reads the fund's books");
                have = role.access(Resource::FundApproval);
            }
            assert_eq!(have, want, "{row} / {role}: design says {cell:?}");
            checked += 1;
        }
    }
    assert_eq!(
        checked,
        11 * Role::ALL.len(),
        "every implemented row was checked"
    );
    // Only the checker approves, so no one who writes the books approves.
    for role in Role::ALL {
        assert!(
            !(role.can_write(Resource::Fund) && role.can_write(Resource::FundApproval)),
            "{role} would be maker and checker"
        );
    }
}
