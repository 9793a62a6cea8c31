//! Re-spend surveys sent through the outbox: a survey of the local
//! suppliers an anchor (or all) paid, an invitation per consenting
//! business of the base with a link of its own (only the token's hash is
//! kept), and the answers (kept, the last one in use). The rules live in
//! `lumbung_procurement::respend_survey`.

use super::business::{reachable, stored_record};
use super::SpendSelection;
use crate::audit::{self, Actor};
use crate::db::{params, OptionalExtension};
use crate::users::{random_token, token_hash};
use crate::{Result, Store, StoreError};
use lumbung_domain::{text, BusinessId, FiscalYear, InvitationId, OrgId, SupplierId, SurveyId};
use lumbung_procurement::exact;
use lumbung_procurement::lm3::{lm3, Lm3};
use lumbung_procurement::respend_survey::{answers, invitation, local_suppliers, SurveyAnswer};
use serde::Serialize;

/// A survey as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SurveySummary {
    pub id: SurveyId,
    pub name: String,
    pub anchor: Option<OrgId>,
    pub anchor_name: Option<String>,
    pub year: Option<i32>,
    pub invited: u64,
    pub answered: u64,
    pub created_by: String,
    pub created_at: String,
}

/// How many invitations a survey queued, and who was left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SurveyQueued {
    pub survey: Option<SurveyId>,
    pub invited: u64,
    pub without_consent: u64,
    pub without_email: u64,
    /// Local suppliers the base holds no business for.
    pub not_in_base: u64,
}

/// An invitation of the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SurveyNotice {
    pub id: InvitationId,
    pub survey: SurveyId,
    pub survey_name: String,
    pub anchor: Option<OrgId>,
    pub business_id: BusinessId,
    pub business: String,
    pub email: String,
    pub language: String,
    pub subject: String,
    pub body: String,
    pub queued_at: String,
    pub sent_at: Option<String>,
    pub answered: bool,
}

/// What the answer page shows of the invitation its link names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InvitationView {
    pub id: InvitationId,
    pub survey_name: String,
    pub business: String,
    pub language: String,
    /// The last answer: wages and suppliers, as percentages.
    pub wages: Option<String>,
    pub suppliers: Option<String>,
}

impl Store {
    /// Queues a survey of the local suppliers of `selection` (its anchor,
    /// or all, and year): an invitation to each business of the base that
    /// is one of them, consented and has an address, written in its
    /// language, with a link of its own under `link_base`.
    pub fn create_survey(
        &self,
        name: &str,
        selection: &SpendSelection,
        link_base: &str,
        actor: &Actor,
    ) -> Result<SurveyQueued> {
        let local = local_suppliers(&self.paid_in(selection)?);
        let anchors = match selection.anchor {
            Some(a) => self.org(a)?.map(|o| o.name).ok_or_else(|| {
                StoreError::not_found(
                    text!("survey_anchor", id = a; id: "institusi {id}", en: "anchor {id}"),
                )
            })?,
            None => "Lumbung".to_owned(),
        };
        self.write(|tx| {
            let mut q = SurveyQueued::default();
            let mut firms = Vec::new();
            {
                let mut stmt = tx.prepare(
                    "SELECT id, supplier_id, record FROM businesses WHERE supplier_id IS NOT NULL ORDER BY id",
                )?;
                let mut rows = stmt.query([])?;
                while let Some(r) = rows.next()? {
                    let supplier = SupplierId::new(r.get(1)?);
                    if local.contains(&supplier) {
                        firms.push((BusinessId::new(r.get(0)?), r.get::<_, String>(2)?));
                    }
                }
            }
            q.not_in_base = local.len().saturating_sub(firms.len()) as u64;
            let inserted: i64 = tx.query_row(
                "INSERT INTO respend_surveys (name, anchor_id, year, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
                params![
                    name,
                    selection.anchor.map(|a| a.get()),
                    selection.year.map(|y| y.start_year()),
                    actor.label(),
                    crate::now()
                ], |r| r.get::<_, i64>(0),
            )?;
            let survey = SurveyId::new(inserted);
            q.survey = Some(survey);
            for (business, record) in firms {
                let record = stored_record(&record);
                let Some((email, language)) =
                    reachable(&record, &mut q.without_consent, &mut q.without_email)
                else {
                    continue;
                };
                let token = random_token();
                let link = format!("{}/survey/{token}", link_base.trim_end_matches('/'));
                let i = invitation(&record.name, &anchors, &link, language);
                tx.execute(
                    "INSERT INTO respend_invitations (survey_id, business_id, token_hash, email, language, subject, body, queued_at, queued_by)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                    params![
                        survey.get(),
                        business.get(),
                        token_hash(&token),
                        email,
                        language.code(),
                        i.subject,
                        i.body,
                        crate::now(),
                        actor.label()
                    ],
                )?;
                q.invited += 1;
            }
            audit::record(
                tx,
                actor,
                "procurement.create_survey",
                "respend_survey",
                &survey.to_string(),
                None,
                serde_json::json!({"name": name, "invited": q.invited}),
            )?;
            Ok(q)
        })
    }

    /// Every survey, the newest first, with how many were invited and
    /// answered.
    pub fn surveys(&self) -> Result<Vec<SurveySummary>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare(
            "SELECT s.id, s.name, s.anchor_id, o.name, s.year, s.created_by, s.created_at,
                    (SELECT count(*) FROM respend_invitations i WHERE i.survey_id = s.id),
                    (SELECT count(DISTINCT a.invitation_id) FROM respend_answers a
                       JOIN respend_invitations i ON i.id = a.invitation_id WHERE i.survey_id = s.id)
             FROM respend_surveys s LEFT JOIN organisations o ON o.id = s.anchor_id ORDER BY s.id DESC",
        )?;
        let rows = stmt.query_map([], |r| {
            from_row!(
                r,
                SurveySummary {
                    id: SurveyId::new,
                    name,
                    anchor: |v: Option<i64>| v.map(OrgId::new),
                    anchor_name,
                    year,
                    created_by,
                    created_at,
                    invited: |v: i64| v as u64,
                    answered: |v: i64| v as u64,
                }
            )
        })?;
        Ok(rows.collect::<crate::db::Result<_>>()?)
    }

    /// The invitations queued, the oldest first.
    pub fn survey_outbox(&self) -> Result<Vec<SurveyNotice>> {
        invitations_where(&*self.conn()?, "", "i.id", u32::MAX)
    }

    /// The invitations of `surveys` as a page shows them: those still to
    /// send first, then the sent, each the oldest first, at most `most`
    /// (surveys repeated for every supplier would make the page endless).
    pub fn survey_outbox_of(&self, surveys: &[SurveyId], most: u32) -> Result<Vec<SurveyNotice>> {
        if surveys.is_empty() {
            return Ok(vec![]);
        }
        // Survey ids are numbers the store read: written into the query.
        let ids: Vec<String> = surveys.iter().map(|s| s.get().to_string()).collect();
        let filter = format!("WHERE i.survey_id IN ({})", ids.join(", "));
        invitations_where(&*self.conn()?, &filter, "i.sent_at IS NOT NULL, i.id", most)
    }

    /// The survey an invitation is of, if it is held (found by its id, not
    /// in the outbox, which grows with every survey).
    pub fn invitation_survey(&self, id: InvitationId) -> Result<Option<SurveyId>> {
        let survey: Option<i64> = crate::sql::optional(
            &*self.conn()?,
            "SELECT survey_id FROM respend_invitations WHERE id = ?1",
            [id.get()],
        )?;
        Ok(survey.map(SurveyId::new))
    }

    /// Marks an invitation sent (by whoever sent it).
    pub fn mark_invitation_sent(&self, id: InvitationId, actor: &Actor) -> Result<()> {
        self.write(|tx| {
            let changed = tx.execute(
                "UPDATE respend_invitations SET sent_at = ?2, sent_by = ?3 WHERE id = ?1 AND sent_at IS NULL",
                params![id.get(), crate::now(), actor.label()],
            )?;
            if changed == 0 {
                return Err(StoreError::conflict(text!("invitation_not_queued", id = id;
                    id: "undangan {id} tidak menunggu dikirim", en: "invitation {id} is not waiting to be sent")));
            }
            audit::record(
                tx,
                actor,
                "procurement.invitation_sent",
                "respend_invitation",
                &id.to_string(),
                None,
                serde_json::json!({}),
            )
        })
    }

    /// The invitation a link's `token` names.
    pub fn invitation(&self, token: &str) -> Result<Option<InvitationView>> {
        let conn = self.conn()?;
        let found = conn
            .query_row(
                "SELECT i.id, s.name, o.name, i.language FROM respend_invitations i
                 JOIN respend_surveys s ON s.id = i.survey_id
                 JOIN businesses b ON b.id = i.business_id JOIN organisations o ON o.id = b.org_id
                 WHERE i.token_hash = ?1",
                [token_hash(token)],
                |r| Ok((r.get::<_, i64>(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        let Some((id, survey_name, business, language)) = found else {
            return Ok(None);
        };
        let last: Option<(String, String)> = conn
            .query_row(
                "SELECT wages_share, suppliers_share FROM respend_answers WHERE invitation_id = ?1 ORDER BY id DESC LIMIT 1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        Ok(Some(InvitationView {
            id: InvitationId::new(id),
            survey_name,
            business,
            language,
            wages: last.as_ref().map(|l| l.0.clone()),
            suppliers: last.map(|l| l.1),
        }))
    }

    /// Keeps the answer given through the link of invitation `id`.
    pub fn answer_survey(
        &self,
        id: InvitationId,
        answer: &SurveyAnswer,
        actor: &Actor,
    ) -> Result<()> {
        let (wages, suppliers) = (
            exact::decimal(&answer.wages, 2),
            exact::decimal(&answer.suppliers, 2),
        );
        self.write(|tx| {
            tx.execute(
                "INSERT INTO respend_answers (invitation_id, wages_share, suppliers_share, answered_at) VALUES (?1, ?2, ?3, ?4)",
                params![id.get(), wages, suppliers, crate::now()],
            )?;
            audit::record(
                tx,
                actor,
                "procurement.answer_survey",
                "respend_invitation",
                &id.to_string(),
                None,
                serde_json::json!({"wages": wages, "suppliers": suppliers}),
            )
        })
    }

    /// The local multiplier of a survey's selection (its anchor, or all,
    /// and year) from the answers kept, with the survey.
    pub fn survey_multiplier(&self, survey: SurveyId) -> Result<Option<(SurveySummary, Lm3)>> {
        let Some(summary) = self.surveys()?.into_iter().find(|s| s.id == survey) else {
            return Ok(None);
        };
        let year = match summary.year {
            Some(y) => Some(FiscalYear::new(y).map_err(|e| StoreError::invalid("year", e.0))?),
            None => None,
        };
        let selection = SpendSelection {
            anchor: summary.anchor,
            year,
            local: None,
        };
        let paid = self.paid_in(&selection)?;
        let kept = self.survey_answers(survey)?;
        let m = lm3(&paid, &answers(&kept)).map_err(|_| super::multiplier::too_large())?;
        Ok(Some((summary, m)))
    }

    /// The last answer of each invitation of `survey` that was answered:
    /// (invitation, business name, its supplier, the answer).
    pub fn survey_answers(
        &self,
        survey: SurveyId,
    ) -> Result<Vec<(u64, String, SupplierId, SurveyAnswer)>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare(
            "SELECT i.id, o.name, b.supplier_id, a.wages_share, a.suppliers_share
             FROM respend_invitations i JOIN businesses b ON b.id = i.business_id
             JOIN organisations o ON o.id = b.org_id
             JOIN respend_answers a ON a.id = (SELECT max(id) FROM respend_answers l WHERE l.invitation_id = i.id)
             WHERE i.survey_id = ?1 AND b.supplier_id IS NOT NULL ORDER BY i.id",
        )?;
        let rows = stmt.query_map([survey.get()], |r| {
            <(i64, String, i64, String, String)>::try_from(r)
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, name, supplier, wages, suppliers) = row?;
            let read = |v: &str| {
                exact::parse_decimal(v, 2).ok_or_else(|| {
                    StoreError::invalid(
                        "respend_answers",
                        text!("respend_answer_unreadable", id = id;
                            id: "jawaban undangan {id} tidak terbaca", en: "the answer to invitation {id} cannot be read"),
                    )
                })
            };
            out.push((
                id as u64,
                name,
                SupplierId::new(supplier),
                SurveyAnswer {
                    wages: read(&wages)?,
                    suppliers: read(&suppliers)?,
                },
            ));
        }
        Ok(out)
    }
}

/// The invitations `filter` keeps (`WHERE …` over the invitation `i`, or
/// empty), in `order`, at most `most`.
fn invitations_where(
    conn: &crate::db::Connection,
    filter: &str,
    order: &str,
    most: u32,
) -> Result<Vec<SurveyNotice>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT i.id, s.id, s.name, s.anchor_id, i.business_id, o.name, i.email, i.language, i.subject, i.body,
                i.queued_at, i.sent_at, EXISTS (SELECT 1 FROM respend_answers a WHERE a.invitation_id = i.id)
         FROM respend_invitations i JOIN respend_surveys s ON s.id = i.survey_id
         JOIN businesses b ON b.id = i.business_id JOIN organisations o ON o.id = b.org_id
         {filter} ORDER BY {order} LIMIT ?1"
    ))?;
    let rows = stmt.query_map([i64::from(most)], |r| {
        from_row!(
            r,
            SurveyNotice {
                id: InvitationId::new,
                survey: SurveyId::new,
                survey_name,
                anchor: |v: Option<i64>| v.map(OrgId::new),
                business_id: BusinessId::new,
                business,
                email,
                language,
                subject,
                body,
                queued_at,
                sent_at,
                answered,
            }
        )
    })?;
    Ok(rows.collect::<crate::db::Result<_>>()?)
}
