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

    pub fn spend_publications(&self) -> Result<Vec<Publication>> {
        let conn = self.conn()?;
        crate::sql::all(
            &conn,
            "SELECT id, title, report, published_at, published_by FROM spend_publications ORDER BY id DESC",
            [],
            publication,
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
