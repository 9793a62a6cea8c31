//! Local projects seeking investment, kept by name: an import is all or
//! nothing, and the same file twice changes nothing.

use crate::audit::{self, Actor};
use crate::db::params;
use crate::{Result, Store, StoreError};
use lumbung_domain::{text, Fixed, Money, Rejected, RowError};
use lumbung_partnerships::pools::{Project, Risk};
use lumbung_partnerships::projects::Listed;
use serde::Serialize;

/// A kept project with where it is and what it expects to return.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProjectView {
    pub name: String,
    pub amount: Money,
    pub sector: String,
    pub risk: Risk,
    pub social_value: String,
    pub area_code: Option<String>,
    pub area_name: Option<String>,
    /// Percent a year.
    pub expected_return: Option<String>,
    #[serde(skip)]
    pub project: Project,
    /// Where it is, for scope checks.
    #[serde(skip)]
    pub area_path: Option<lumbung_domain::AreaPath>,
}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct ProjectsImport {
    pub new: u64,
    pub changed: u64,
    pub unchanged: u64,
}

/// A project's stored columns: amount, sector, risk, social value, area,
/// expected return.
type Stored = (i64, String, String, i64, Option<String>, Option<i64>);

fn risk_key(r: Risk) -> &'static str {
    match r {
        Risk::Low => "low",
        Risk::Medium => "medium",
        Risk::High => "high",
    }
}

impl Store {
    pub fn import_projects(
        &self,
        file: &str,
        listed: &[Listed],
        actor: &Actor,
    ) -> Result<ProjectsImport> {
        self.write(|tx| {
            let mut errors = Vec::new();
            for l in listed {
                if let Some(code) = &l.area {
                    if !crate::sql::exists(tx, "SELECT 1 FROM areas WHERE code = ?1", [code])? {
                        errors.push(RowError::new(
                            l.line,
                            Some("area"),
                            text!("project_no_area", code = code;
                                id: "wilayah {code} tidak ada", en: "there is no area {code}"),
                        ));
                    }
                }
            }
            if !errors.is_empty() {
                return Err(StoreError::Rejected(Rejected {
                    file: file.to_owned(),
                    errors,
                }));
            }
            let mut done = ProjectsImport::default();
            for l in listed {
                let p = &l.project;
                let row = (
                    p.amount.minor(),
                    p.sector.clone(),
                    risk_key(p.risk).to_owned(),
                    p.social_value.raw(),
                    l.area.clone(),
                    l.expected_return.map(|r| r.raw()),
                );
                // A project is its area's by its name (migration 54).
                let before: Option<(i64, Stored)> = crate::sql::optional_row(
                    tx,
                    "SELECT id, amount, sector, risk, social_value, area_code, expected_return
                     FROM invest_projects WHERE coalesce(area_code, '') = coalesce(?1, '') AND name = ?2",
                    params![l.area, p.name],
                    |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?))),
                )?;
                match before {
                    Some((_, b)) if b == row => done.unchanged += 1,
                    Some((id, _)) => {
                        done.changed += 1;
                        tx.execute(
                            "UPDATE invest_projects SET amount = ?2, sector = ?3, risk = ?4, social_value = ?5,
                                expected_return = ?6, updated_by = ?7, updated_at = ?8 WHERE id = ?1",
                            params![id, row.0, row.1, row.2, row.3, row.5, actor.label(), crate::now()],
                        )?;
                    }
                    None => {
                        done.new += 1;
                        tx.execute(
                            "INSERT INTO invest_projects (name, amount, sector, risk, social_value, area_code,
                                expected_return, updated_by, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                            params![p.name, row.0, row.1, row.2, row.3, row.4, row.5, actor.label(), crate::now()],
                        )?;
                    }
                }
            }
            // Every project kept is grouped at once: their sums fit only
            // while they are at most as many as one file may hold.
            let kept: i64 = tx.query_row("SELECT count(*) FROM invest_projects", [], |r| r.get(0))?;
            let most = lumbung_partnerships::pools::PROJECTS_MAX;
            if kept as usize > most {
                return Err(StoreError::invalid(
                    "file",
                    text!("projects_too_many_kept", kept = kept, most = most;
                        id: "dengan berkas ini tersimpan {kept} proyek; paling banyak {most} proyek disimpan untuk dikelompokkan",
                        en: "with this file {kept} projects would be kept; at most {most} are kept to be grouped"),
                ));
            }
            if done.new + done.changed > 0 {
                audit::record(
                    tx,
                    actor,
                    "invest.import",
                    "invest_projects",
                    file,
                    None,
                    serde_json::json!({"file": file, "new": done.new, "changed": done.changed}),
                )?;
            }
            Ok(done)
        })
    }

    /// Every kept project, by name, then area.
    pub fn invest_projects(&self) -> Result<Vec<ProjectView>> {
        let conn = self.conn()?;
        struct ProjectRow {
            name: String,
            amount: i64,
            sector: String,
            risk: String,
            social_value: i64,
            area_code: Option<String>,
            area_name: Option<String>,
            expected_return: Option<i64>,
            path: Option<String>,
        }
        let rows: Vec<ProjectRow> = crate::sql::all(
            &conn,
            "SELECT p.name, p.amount, p.sector, p.risk, p.social_value, p.area_code, a.name, p.expected_return, a.path
             FROM invest_projects p LEFT JOIN areas a ON a.code = p.area_code ORDER BY p.name, coalesce(p.area_code, '')",
            [],
            |r| {
                from_row!(
                    r,
                    ProjectRow {
                        name,
                        amount,
                        sector,
                        risk,
                        social_value,
                        area_code,
                        area_name,
                        expected_return,
                        path
                    }
                )
            },
        )?;
        rows.into_iter()
            .map(|p| {
                let risk = Risk::parse(&p.risk).ok_or_else(|| {
                    StoreError::invalid(
                        "invest_projects",
                        text!("project_unreadable"; id: "risiko proyek yang tersimpan tidak terbaca",
                            en: "a project's stored risk cannot be read"),
                    )
                })?;
                let project = Project {
                    name: p.name.clone(),
                    amount: Money::from_minor(p.amount),
                    sector: p.sector.clone(),
                    risk,
                    social_value: Fixed::from_raw(p.social_value),
                };
                Ok(ProjectView {
                    name: p.name,
                    amount: project.amount,
                    sector: p.sector,
                    risk,
                    social_value: project.social_value.short().to_string(),
                    area_code: p.area_code,
                    area_name: p.area_name,
                    expected_return: p
                        .expected_return
                        .map(|r| Fixed::<2>::from_raw(r).short().to_string()),
                    project,
                    area_path: p.path.map(lumbung_domain::AreaPath::from_stored),
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lumbung_domain::{Fixed, Money};
    use lumbung_partnerships::pools::{group, Constraints, Project, AMOUNT_MAX, PROJECTS_MAX};

    fn listed(first: usize, n: usize) -> Vec<Listed> {
        (first..first + n)
            .map(|i| Listed {
                line: (i - first + 2) as u64,
                project: Project {
                    name: format!("Proyek {i}"),
                    amount: AMOUNT_MAX,
                    sector: "pangan".into(),
                    risk: Risk::Low,
                    social_value: Fixed::from_raw(AMOUNT_MAX.minor()),
                },
                area: None,
                expected_return: None,
            })
            .collect()
    }

    /// Regression (review of 2026-12-08): every project kept is grouped at
    /// once, and files of at most 5,000 projects each could keep more
    /// than whose amounts add up (the pools' totals wrapped to negative).
    /// An import that would keep more is refused whole; what is kept
    /// groups into totals that fit.
    #[test]
    fn no_more_projects_are_kept_than_can_be_grouped() {
        let (_d, s) = crate::test_support::store();
        let actor = Actor::Cli {
            os_user: "test".into(),
        };
        s.import_projects("a.csv", &listed(0, PROJECTS_MAX - 1), &actor)
            .unwrap();
        let refused = s.import_projects("b.csv", &listed(PROJECTS_MAX - 1, 2), &actor);
        let Err(StoreError::Invalid { field, message }) = refused else {
            panic!("refused: {refused:?}");
        };
        assert_eq!(field, "file");
        assert!(
            message.english().contains("at most 5000"),
            "{}",
            message.english()
        );
        assert_eq!(s.invest_projects().unwrap().len(), PROJECTS_MAX - 1);
        // Up to the most, the grouping adds every one of them up.
        s.import_projects("b.csv", &listed(PROJECTS_MAX - 1, 1), &actor)
            .unwrap();
        let projects: Vec<Project> = (s.invest_projects().unwrap().into_iter())
            .map(|p| p.project)
            .collect();
        let c = Constraints {
            min_size: Money::from_minor(1),
            max_size: None,
            max_high_risk: None,
            max_sector_share: None,
        };
        let pools = group(&projects, &c);
        assert!(pools.amount_placed.minor() > 0);
        assert_eq!(
            i128::from(pools.amount_placed.minor()),
            i128::from(AMOUNT_MAX.minor()) * PROJECTS_MAX as i128
        );
    }
}
