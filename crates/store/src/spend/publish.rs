//! Spend reports published for the public.

use crate::audit::{self, Actor};
use crate::db::params;
use crate::{Result, Store, StoreError};
use lumbung_domain::PublicationId;
use serde::Serialize;

/// A spend report published for the public: a snapshot of aggregate
/// figures, without supplier names (a supplier may be a person).
#[derive(Debug, Clone, Serialize)]
pub struct Publication {
    pub id: PublicationId,
    pub title: String,
    pub report: serde_json::Value,
    pub published_at: String,
    pub published_by: String,
}

/// A published report as its list names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicationHead {
    pub id: PublicationId,
    pub title: String,
    pub published_at: String,
    pub published_by: String,
}

impl Store {
    pub fn publish_spend_report(
        &self,
        title: &str,
        report: &serde_json::Value,
        actor: &Actor,
    ) -> Result<PublicationId> {
        let title = title.trim();
        if title.is_empty() {
            return Err(StoreError::invalid(
                "title",
                lumbung_domain::text!("report_needs_title";
                    id: "laporan yang diterbitkan memerlukan judul",
                    en: "a published report needs a title"),
            ));
        }
        self.write(|tx| {
            let id: i64 = tx.query_row(
                "INSERT INTO spend_publications (title, report, published_at, published_by) VALUES (?1, ?2, ?3, ?4) RETURNING id",
                params![title, report.to_string(), crate::now(), actor.label()], |r| r.get::<_, i64>(0),
            )?;
            audit::record(
                tx,
                actor,
                "spend.publish",
                "spend_publication",
                &id.to_string(),
                None,
                serde_json::json!({"title": title}),
            )?;
            Ok(PublicationId::new(id))
        })
    }

    /// The newest `most` reports published, without their figures: the
    /// lists and the home page name them (each view read every report
    /// published, whole, and an analyst may publish any number).
    pub fn spend_publications(&self, most: u32) -> Result<Vec<PublicationHead>> {
        let conn = self.conn()?;
        crate::sql::all(
            &conn,
            "SELECT id, title, published_at, published_by FROM spend_publications ORDER BY id DESC LIMIT ?1",
            [i64::from(most)],
            |r| {
                from_row!(
                    r,
                    PublicationHead {
                        id: PublicationId::new,
                        title,
                        published_at,
                        published_by,
                    }
                )
            },
        )
    }

    pub fn spend_publication(&self, id: PublicationId) -> Result<Option<Publication>> {
        let conn = self.conn()?;
        crate::sql::optional_row(
            &conn,
            "SELECT id, title, report, published_at, published_by FROM spend_publications WHERE id = ?1",
            [id.get()],
            publication,
        )
    }
}

/// A publication from its row: id, title, report, when, by whom.
fn publication(r: &crate::db::Row<'_>) -> crate::db::Result<Publication> {
    from_row!(
        r,
        Publication {
            id: PublicationId::new,
            title,
            report: crate::sql::json_or_default,
            published_at,
            published_by,
        }
    )
}

#[cfg(test)]
mod tests {
    use crate::test_support::store;
    use crate::Actor;

    /// Regression: the lists and the home page read every report ever
    /// published, whole, on each view.
    #[test]
    fn the_lists_name_the_newest_reports_without_their_figures() {
        let (_d, s) = store();
        let report = serde_json::json!({"figures": {"total": "1.00"}});
        for title in ["first", "second", "third"] {
            s.publish_spend_report(title, &report, &Actor::cli())
                .unwrap();
        }
        let titles = |most| -> Vec<String> {
            (s.spend_publications(most).unwrap().into_iter())
                .map(|p| p.title)
                .collect()
        };
        assert_eq!(titles(2), ["third", "second"]);
        assert_eq!(titles(10), ["third", "second", "first"]);
        let newest = &s.spend_publications(1).unwrap()[0];
        let whole = s.spend_publication(newest.id).unwrap().unwrap();
        assert_eq!(whole.report, report);
    }
}
