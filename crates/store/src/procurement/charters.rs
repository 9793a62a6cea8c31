//! The anchors' charters: a group of anchors, its goals (edited in place,
//! each change in the audit log), the figures entered by hand per year
//! (kept, the last one in use), and what Lumbung knows of each anchor in a
//! year for the indicators that fill themselves. The rules live in
//! `lumbung_procurement::charter`.

use super::SpendSelection;
use crate::audit::{self, Actor};
use crate::db::{params, Connection, OptionalExtension, Transaction};
use crate::{Result, Store, StoreError};
use lumbung_domain::{
    text, CharterId, FiscalYear, GoalId, Money, OrgId, PostalCode, SupplierId, TenderId,
};
use lumbung_procurement::charter::{
    add_awards, buyer_anchor, plain, year_shown, AwardPart, BuyerKey, Entered, Goal, GoalInput,
    Indicator, Known, Preset,
};
use lumbung_procurement::contracts::{Place, Placing};
use lumbung_procurement::exact;
use lumbung_procurement::monitoring::monitor;
use lumbung_spend::report::compute;
use lumbung_spend::suppliers::normalise_name;
use serde::Serialize;
use std::collections::HashMap;

/// A charter as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CharterSummary {
    pub id: CharterId,
    pub name: String,
    /// Its anchors (id, name), by name.
    pub members: Vec<(OrgId, String)>,
    pub created_by: String,
    pub created_at: String,
}

/// A charter with its goals in order (retired ones left out).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Charter {
    #[serde(flatten)]
    pub summary: CharterSummary,
    pub goals: Vec<Goal>,
}

/// What Lumbung knows of a charter's anchors in a year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CharterYear {
    /// The fiscal years with spend (their first calendar year), oldest first.
    pub years: Vec<i32>,
    /// The year shown: the one asked for, else the latest with spend.
    pub year: FiscalYear,
    pub members: Vec<(OrgId, String, Known)>,
}

impl Store {
    /// A new charter of `members` (anchors) with `goals`.
    pub fn create_charter(
        &self,
        name: &str,
        members: &[OrgId],
        goals: &[GoalInput],
        actor: &Actor,
    ) -> Result<CharterId> {
        self.write(|tx| {
            let inserted: i64 = tx.query_row(
                "INSERT INTO charters (name, created_by, created_at) VALUES (?1, ?2, ?3) RETURNING id",
                params![name, actor.label(), crate::now()], |r| r.get::<_, i64>(0),
            )?;
            let id = CharterId::new(inserted);
            for m in members {
                let kind: Option<String> = tx
                    .query_row("SELECT kind FROM organisations WHERE id = ?1", [m.get()], |r| {
                        r.get(0)
                    })
                    .optional()?;
                if kind.as_deref() != Some("anchor") {
                    return Err(StoreError::invalid(
                        "members",
                        text!("charter_member_not_anchor", id = m;
                            id: "organisasi {id} bukan institusi jangkar", en: "organisation {id} is not an anchor"),
                    ));
                }
                tx.execute(
                    "INSERT INTO charter_members (charter_id, anchor_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                    params![id.get(), m.get()],
                )?;
            }
            for (i, g) in goals.iter().enumerate() {
                insert_goal(tx, id, i as i64 + 1, g, actor)?;
            }
            audit::record(
                tx,
                actor,
                "procurement.create_charter",
                "charter",
                &id.to_string(),
                None,
                serde_json::json!({"name": name, "members": members, "goals": goals.len()}),
            )?;
            Ok(id)
        })
    }

    /// Every charter, the newest first.
    pub fn charters(&self) -> Result<Vec<CharterSummary>> {
        let conn = self.conn()?;
        let ids: Vec<i64> = conn
            .prepare("SELECT id FROM charters ORDER BY id DESC")?
            .query_map([], |r| r.get(0))?
            .collect::<crate::db::Result<_>>()?;
        ids.into_iter()
            .map(|id| summary(&conn, CharterId::new(id)).map(|s| s.expect("listed just now")))
            .collect()
    }

    /// A charter and its goals.
    pub fn charter(&self, id: CharterId) -> Result<Option<Charter>> {
        let conn = self.conn()?;
        let Some(summary) = summary(&conn, id)? else {
            return Ok(None);
        };
        let goals = conn
            .prepare(
                "SELECT id, preset, title, indicator, measure, target FROM charter_goals
                 WHERE charter_id = ?1 AND retired = 0 ORDER BY position, id",
            )?
            .query_map([id.get()], |r| {
                <(
                    i64,
                    Option<String>,
                    Option<String>,
                    String,
                    Option<String>,
                    String,
                )>::try_from(r)
            })?
            .map(|row| {
                let (id, preset, title, indicator, measure, target) = row?;
                let corrupt = || {
                    StoreError::invalid(
                        "charter_goals",
                        text!("charter_goal_unreadable", id = id;
                            id: "tujuan {id} tidak terbaca", en: "goal {id} cannot be read"),
                    )
                };
                Ok(Goal {
                    id: GoalId::new(id),
                    preset: preset.as_deref().and_then(Preset::parse),
                    title,
                    indicator: Indicator::parse(&indicator).ok_or_else(corrupt)?,
                    measure,
                    target: exact::parse_decimal(&target, 2).ok_or_else(corrupt)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Some(Charter { summary, goals }))
    }

    /// Adds a goal at the end of the charter's.
    pub fn add_goal(&self, charter: CharterId, goal: &GoalInput, actor: &Actor) -> Result<GoalId> {
        self.write(|tx| {
            let position: i64 = tx.query_row(
                "SELECT coalesce(max(position), 0) + 1 FROM charter_goals WHERE charter_id = ?1",
                [charter.get()],
                |r| r.get(0),
            )?;
            let id = insert_goal(tx, charter, position, goal, actor)?;
            audit::record(
                tx,
                actor,
                "procurement.add_goal",
                "charter_goal",
                &id.to_string(),
                None,
                goal_json(goal),
            )?;
            Ok(id)
        })
    }

    /// Changes a goal of `charter` (its old form kept in the audit log).
    pub fn edit_goal(
        &self,
        charter: CharterId,
        goal: GoalId,
        input: &GoalInput,
        actor: &Actor,
    ) -> Result<()> {
        self.write(|tx| {
            let before = self
                .charter_goal_in(tx, charter, goal)?
                .ok_or_else(|| goal_not_found(goal))?;
            tx.execute(
                "UPDATE charter_goals SET title = ?2, indicator = ?3, measure = ?4, target = ?5,
                        updated_by = ?6, updated_at = ?7 WHERE id = ?1",
                params![
                    goal.get(),
                    input.title,
                    input.indicator.as_str(),
                    input.measure,
                    plain(&input.target),
                    actor.label(),
                    crate::now()
                ],
            )?;
            audit::record(
                tx,
                actor,
                "procurement.edit_goal",
                "charter_goal",
                &goal.to_string(),
                None,
                serde_json::json!({"before": before, "after": goal_json(input)}),
            )?;
            Ok(())
        })
    }

    /// Retires a goal of `charter`: kept, with its figures, but no longer
    /// shown.
    pub fn retire_goal(&self, charter: CharterId, goal: GoalId, actor: &Actor) -> Result<()> {
        self.write(|tx| {
            let before = self
                .charter_goal_in(tx, charter, goal)?
                .ok_or_else(|| goal_not_found(goal))?;
            tx.execute(
                "UPDATE charter_goals SET retired = 1, updated_by = ?2, updated_at = ?3 WHERE id = ?1",
                params![goal.get(), actor.label(), crate::now()],
            )?;
            audit::record(
                tx,
                actor,
                "procurement.retire_goal",
                "charter_goal",
                &goal.to_string(),
                None,
                serde_json::json!({"before": before, "retired": true}),
            )?;
            Ok(())
        })
    }

    fn charter_goal_in(
        &self,
        tx: &Transaction<'_>,
        charter: CharterId,
        goal: GoalId,
    ) -> Result<Option<serde_json::Value>> {
        Ok(tx
            .query_row(
                "SELECT title, indicator, measure, target FROM charter_goals
                 WHERE id = ?1 AND charter_id = ?2 AND retired = 0",
                params![goal.get(), charter.get()],
                |r| {
                    Ok(serde_json::json!({
                        "title": r.get::<_, Option<String>>(0)?,
                        "indicator": r.get::<_, String>(1)?,
                        "measure": r.get::<_, Option<String>>(2)?,
                        "target": r.get::<_, String>(3)?,
                    }))
                },
            )
            .optional()?)
    }

    /// Keeps a figure entered for a manual goal of `charter` in `year`, for
    /// one of its anchors or for the group (`anchor: None`).
    pub fn enter_charter_value(
        &self,
        charter: CharterId,
        goal: GoalId,
        anchor: Option<OrgId>,
        year: FiscalYear,
        value: &exact::Exact,
        actor: &Actor,
    ) -> Result<()> {
        self.write(|tx| {
            if self.charter_goal_in(tx, charter, goal)?.is_none() {
                return Err(goal_not_found(goal));
            }
            if let Some(a) = anchor {
                let member: Option<i64> = tx
                    .query_row(
                        "SELECT 1 FROM charter_members WHERE charter_id = ?1 AND anchor_id = ?2",
                        params![charter.get(), a.get()],
                        |r| r.get(0),
                    )
                    .optional()?;
                if member.is_none() {
                    return Err(StoreError::invalid(
                        "anchor",
                        text!("charter_not_member", id = a;
                            id: "institusi {id} bukan anggota piagam ini", en: "anchor {id} is not a member of this charter"),
                    ));
                }
            }
            tx.execute(
                "INSERT INTO charter_values (goal_id, anchor_id, year, value, entered_by, entered_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    goal.get(),
                    anchor.map(|a| a.get()),
                    year.start_year(),
                    plain(value),
                    actor.label(),
                    crate::now()
                ],
            )?;
            audit::record(
                tx,
                actor,
                "procurement.enter_charter_value",
                "charter_goal",
                &goal.to_string(),
                None,
                serde_json::json!({"anchor": anchor, "year": year.start_year(), "value": plain(value)}),
            )?;
            Ok(())
        })
    }

    /// The figures entered for `charter`'s goals in `year`, oldest first.
    pub fn charter_entries(&self, charter: CharterId, year: FiscalYear) -> Result<Vec<Entered>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare(
            "SELECT v.goal_id, v.anchor_id, v.value, v.entered_by, v.entered_at
             FROM charter_values v JOIN charter_goals g ON g.id = v.goal_id
             WHERE g.charter_id = ?1 AND v.year = ?2 ORDER BY v.id",
        )?;
        let rows = stmt.query_map(params![charter.get(), year.start_year()], |r| {
            <(i64, Option<i64>, String, String, String)>::try_from(r)
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (goal, anchor, value, by, at) = row?;
            let value = exact::parse_decimal(&value, 2).ok_or_else(|| {
                StoreError::invalid(
                    "charter_values",
                    text!("charter_value_unreadable", goal = goal;
                        id: "angka tujuan {goal} tidak terbaca", en: "a figure of goal {goal} cannot be read"),
                )
            })?;
            out.push(Entered {
                goal: GoalId::new(goal),
                anchor: anchor.map(OrgId::new),
                value,
                by,
                at,
            });
        }
        Ok(out)
    }

    /// What Lumbung knows of each of `members` in `year`: its spend (the
    /// spend analysis), the value awarded in its processes published in
    /// OCDS (buyer named as the anchor) and in its tenders entered by hand,
    /// in the spend's currency; bids from local firms in its tenders'
    /// evaluations; and the social value its awards promised and delivered.
    pub fn charter_known(
        &self,
        members: &[(OrgId, String)],
        year: Option<FiscalYear>,
    ) -> Result<CharterYear> {
        let mut known: HashMap<OrgId, Known> = members
            .iter()
            .map(|(id, _)| (*id, Known::default()))
            .collect();
        // Every year at once: the years with spend are offered to choose.
        let (dims, options) = self.selected(&SpendSelection::default())?;
        let facts = self.spend_facts()?;
        let refs: Vec<_> = facts.iter().collect();
        let report = compute(&refs, &dims, &options).map_err(|_| super::multiplier::too_large())?;
        let mut years: Vec<i32> = report.by_year.iter().map(|y| y.fiscal_year_start).collect();
        years.sort_unstable();
        years.dedup();
        let settings = self.spend_settings()?;
        let calendar = settings.calendar();
        let today = self.clock().today();
        let year = year_shown(year, &years, calendar.year_of(today.year(), today.month()))
            .map_err(|e| StoreError::invalid("year", e.0))?;
        for a in report
            .by_anchor_year
            .iter()
            .filter(|a| a.fiscal_year_start == year.start_year())
        {
            if let Some(k) = known.get_mut(&OrgId::new(i64::from(a.anchor_id))) {
                k.spend_total = a.figures.total;
                k.spend_local = a.figures.local;
                k.spend_regional = a.figures.regional;
                k.spend_sme = a.figures.sme;
            }
        }
        let (from, to) = calendar.bounds(year);
        {
            let conn = self.conn()?;
            let place =
                self.placing(&conn, settings.local.as_deref(), settings.region.as_deref())?;
            let currency = self.spend_currency(&conn, settings.local.as_deref())?;
            let mut awards: HashMap<OrgId, Vec<AwardPart>> = HashMap::new();
            self.ocds_awards(
                &conn,
                members,
                &from,
                &to,
                currency.as_deref(),
                &place,
                &mut awards,
            )?;
            self.tender_awards(&conn, members, &from, &to, &place, &mut awards)?;
            for (anchor, parts) in awards {
                let k = known.get_mut(&anchor).expect("awards of members only");
                add_awards(k, &parts).map_err(|_| super::multiplier::too_large())?;
            }
            self.local_bids(&conn, &from, &to, &place, &mut known)?;
        }
        // Each award's evaluation is read through the store's own readers,
        // on connections of their own.
        self.promises(&from, &to, &mut known)?;
        Ok(CharterYear {
            years,
            year,
            members: members
                .iter()
                .map(|(id, name)| (*id, name.clone(), known.remove(id).unwrap_or_default()))
                .collect(),
        })
    }

    /// Where a supplier is, from a postcode or an area code, as the spend
    /// analysis places it.
    fn placing<'c>(
        &self,
        conn: &'c Connection,
        local: Option<&str>,
        region: Option<&str>,
    ) -> Result<impl Fn(Option<&str>, Option<&str>) -> Place + 'c> {
        let path = |code: Option<&str>| -> Result<Option<String>> {
            Ok(match code {
                Some(c) => crate::areas::area_path_in(conn, c)?.map(|p| p.as_str().to_owned()),
                None => None,
            })
        };
        let local = path(local)?.unwrap_or_else(|| "\u{0}none".to_owned());
        let region = path(region)?.unwrap_or_else(|| local.clone());
        let placing = Placing {
            local,
            region,
            located: HashMap::new(),
        };
        Ok(move |postcode: Option<&str>, area: Option<&str>| {
            let by_area = area.and_then(|c| crate::areas::area_path_in(conn, c).ok().flatten());
            let path = by_area.map(|p| p.as_str().to_owned()).or_else(|| {
                let pc = PostalCode::parse(postcode?).ok()?;
                let mut stmt = conn
                    .prepare(
                        "SELECT a.path FROM postcode_prefixes p JOIN areas a ON a.code = p.area_code WHERE p.prefix = ?1",
                    )
                    .ok()?;
                pc.lookup_prefixes()
                    .into_iter()
                    .find_map(|prefix| stmt.query_row([prefix], |r| r.get::<_, String>(0)).ok())
            });
            placing.at(path.as_deref())
        })
    }

    /// The currency of the local area's country (none: amounts in any).
    fn spend_currency(&self, conn: &Connection, local: Option<&str>) -> Result<Option<String>> {
        let Some(local) = local else {
            return Ok(None);
        };
        let path = crate::areas::area_path_in(conn, local)?;
        Ok(path.and_then(|p| {
            let root = p
                .as_str()
                .trim_start_matches('/')
                .split('/')
                .next()?
                .to_owned();
            lumbung_domain::Currency::of_country(&root).map(|c| c.code().to_owned())
        }))
    }

    /// Active awards with a value in the year's processes whose buyer is a
    /// member (`charter::buyer_anchor`: by its identifiers, else by its
    /// name), in `currency` ([`YEAR_PROCESSES`]).
    #[allow(clippy::too_many_arguments)]
    fn ocds_awards(
        &self,
        conn: &Connection,
        members: &[(OrgId, String)],
        from: &str,
        to: &str,
        currency: Option<&str>,
        place: &impl Fn(Option<&str>, Option<&str>) -> Place,
        out: &mut HashMap<OrgId, Vec<AwardPart>>,
    ) -> Result<()> {
        let mut keys = Vec::with_capacity(members.len());
        for (id, name) in members {
            let org = crate::orgs::load(conn, id.get())?;
            let identifiers = org.into_iter().flat_map(|o| {
                let given = o.attributes.get(OCDS_BUYER_ID).cloned().unwrap_or_default();
                let given: Vec<String> = given.split(';').map(str::to_owned).collect();
                o.company_number.into_iter().chain(given)
            });
            keys.push(BuyerKey::new(*id, name, identifiers));
        }
        let mut stmt = conn.prepare(YEAR_PROCESSES)?;
        let mut rows = stmt.query([from, to])?;
        let mut about = conn.prepare(SUPPLIER_PLACE_AND_FORM)?;
        // Where each supplier is and whether it is a co-operative or a
        // social enterprise, asked once a supplier.
        let mut known: HashMap<SupplierId, (Option<String>, bool)> = HashMap::new();
        while let Some(r) = rows.next()? {
            let (buyer, identifier): (String, Option<String>) = (r.get(0)?, r.get(1)?);
            let Some(anchor) = buyer_anchor(&keys, &buyer, identifier.as_deref()) else {
                continue;
            };
            let awards = super::processes::awards_of(r.get_ref(2)?.as_blob_or_null()?)?;
            for a in awards {
                let Some((amount, award_currency)) = a.value else {
                    continue;
                };
                if a.status.as_deref() != Some("active") {
                    continue;
                }
                if let Some(want) = currency {
                    if !award_currency.is_empty() && !award_currency.eq_ignore_ascii_case(want) {
                        continue;
                    }
                }
                let mut suppliers = Vec::with_capacity(a.suppliers.len());
                for party in &a.suppliers {
                    let (catalogued, social) = match party.supplier {
                        Some(id) => match known.get(&id) {
                            Some(k) => k.clone(),
                            None => {
                                let k = about
                                    .query_row([id.get()], |r| Ok((r.get(0)?, r.get(1)?)))
                                    .optional()?
                                    .unwrap_or((None, false));
                                known.insert(id, k.clone());
                                k
                            }
                        },
                        None => (None, false),
                    };
                    let postcode = party.postcode.as_deref().or(catalogued.as_deref());
                    suppliers.push((place(postcode, None) == Place::Local, social));
                }
                out.entry(anchor)
                    .or_default()
                    .push(AwardPart { amount, suppliers });
            }
        }
        Ok(())
    }

    /// Awards of the members' tenders entered by hand (those published in
    /// OCDS are counted there), decided in the year: the winner's price,
    /// the winner placed and its form read from the business base.
    fn tender_awards(
        &self,
        conn: &Connection,
        members: &[(OrgId, String)],
        from: &str,
        to: &str,
        place: &impl Fn(Option<&str>, Option<&str>) -> Place,
        out: &mut HashMap<OrgId, Vec<AwardPart>>,
    ) -> Result<()> {
        let mut stmt = conn.prepare(
            "SELECT t.anchor_id, w.bidder, b.price FROM sv_awards w JOIN tenders t ON t.id = w.tender_id
             JOIN sv_bids b ON b.evaluation_id = w.evaluation_id AND b.bidder = w.bidder
             WHERE t.ocid IS NULL AND t.anchor_id IS NOT NULL AND w.decided_at >= ?1 AND w.decided_at < ?2
             ORDER BY w.id",
        )?;
        let rows: Vec<(i64, String, i64)> = stmt
            .query_map([from, to], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<crate::db::Result<_>>()?;
        for (anchor, winner, price) in rows {
            let anchor = OrgId::new(anchor);
            if !members.iter().any(|(id, _)| *id == anchor) {
                continue;
            }
            let firm = business_named(conn, &winner)?;
            let local = firm
                .as_ref()
                .is_some_and(|f| place(f.postcode.as_deref(), f.area.as_deref()) == Place::Local);
            let social = firm.as_ref().is_some_and(|f| f.social);
            out.entry(anchor).or_default().push(AwardPart {
                amount: Money::from_minor(price),
                suppliers: vec![(local, social)],
            });
        }
        Ok(())
    }

    /// Bids from local firms (named in the business base) in the latest
    /// evaluation of each member's tender, weighed in the year.
    fn local_bids(
        &self,
        conn: &Connection,
        from: &str,
        to: &str,
        place: &impl Fn(Option<&str>, Option<&str>) -> Place,
        known: &mut HashMap<OrgId, Known>,
    ) -> Result<()> {
        let mut stmt = conn.prepare(
            "SELECT t.anchor_id, b.bidder FROM sv_evaluations e JOIN tenders t ON t.id = e.tender_id
             JOIN sv_bids b ON b.evaluation_id = e.id
             WHERE t.anchor_id IS NOT NULL AND e.created_at >= ?1 AND e.created_at < ?2
               AND e.version = (SELECT max(version) FROM sv_evaluations l WHERE l.tender_id = e.tender_id)",
        )?;
        let rows: Vec<(i64, String)> = stmt
            .query_map([from, to], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<crate::db::Result<_>>()?;
        for (anchor, bidder) in rows {
            let Some(k) = known.get_mut(&OrgId::new(anchor)) else {
                continue;
            };
            let firm = business_named(conn, &bidder)?;
            if firm.is_some_and(|f| place(f.postcode.as_deref(), f.area.as_deref()) == Place::Local)
            {
                k.local_bids += 1;
            }
        }
        Ok(())
    }

    /// The social value promised by the winners of the members' awards
    /// decided in the year, and delivered under them so far.
    fn promises(&self, from: &str, to: &str, known: &mut HashMap<OrgId, Known>) -> Result<()> {
        let rows: Vec<(i64, i64)> = self
            .conn()?
            .prepare(
                "SELECT t.id, t.anchor_id FROM sv_awards w JOIN tenders t ON t.id = w.tender_id
                 WHERE t.anchor_id IS NOT NULL AND w.decided_at >= ?1 AND w.decided_at < ?2 ORDER BY w.id",
            )?
            .query_map([from, to], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<crate::db::Result<_>>()?;
        for (tender, anchor) in rows {
            let Some(k) = known.get_mut(&OrgId::new(anchor)) else {
                continue;
            };
            let tender = TenderId::new(tender);
            let award = self.tender_award(tender)?.expect("an award was just read");
            let versions = self.evaluation_versions(tender)?;
            let version = versions
                .iter()
                .find(|v| v.version == award.version)
                .expect("an award names a kept version");
            let set = self.proxy_set(version.input.proxy_set)?;
            let delivered: Vec<_> = self
                .deliveries(tender)?
                .iter()
                .map(|d| d.delivery())
                .collect();
            let m = monitor(&award.bidder, &version.input.commitments, &delivered, &set)
                .map_err(|_| super::multiplier::too_large())?;
            let add =
                |a: Money, b: Money| a.checked_add(b).ok_or_else(super::multiplier::too_large);
            k.promised = add(k.promised, m.promised)?;
            k.delivered = add(k.delivered, m.delivered)?;
        }
        Ok(())
    }
}

/// A firm of the business base as a winner or bidder names it.
struct Firm {
    postcode: Option<String>,
    area: Option<String>,
    social: bool,
}

/// The one business whose name is `name` (any postcode); none when no
/// business, or several, have it.
fn business_named(conn: &Connection, name: &str) -> Result<Option<Firm>> {
    let key = normalise_name(name);
    let (from, to) = (format!("{key}|"), format!("{key}}}"));
    let mut stmt = conn.prepare(
        "SELECT b.record, o.kind FROM businesses b JOIN organisations o ON o.id = b.org_id
         WHERE b.name_key >= ?1 AND b.name_key < ?2 LIMIT 2",
    )?;
    let found: Vec<(String, String)> = stmt
        .query_map([from, to], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<crate::db::Result<_>>()?;
    let [(record, kind)] = found.as_slice() else {
        return Ok(None);
    };
    let record: lumbung_procurement::business::BusinessRecord = serde_json::from_str(record)
        .map_err(|_| {
            StoreError::invalid(
                "businesses",
                text!("charter_business_unreadable"; id: "catatan usaha tidak terbaca", en: "a business record cannot be read"),
            )
        })?;
    Ok(Some(Firm {
        postcode: record.postcode,
        area: record.area_code,
        social: matches!(kind.as_str(), "cooperative" | "social_enterprise"),
    }))
}

fn insert_goal(
    tx: &Transaction<'_>,
    charter: CharterId,
    position: i64,
    g: &GoalInput,
    actor: &Actor,
) -> Result<GoalId> {
    let inserted: i64 = tx.query_row(
        "INSERT INTO charter_goals (charter_id, position, preset, title, indicator, measure, target, retired, updated_by, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, ?8, ?9) RETURNING id",
        params![
            charter.get(),
            position,
            g.preset.map(Preset::as_str),
            g.title,
            g.indicator.as_str(),
            g.measure,
            plain(&g.target),
            actor.label(),
            crate::now()
        ], |r| r.get::<_, i64>(0),
    )?;
    Ok(GoalId::new(inserted))
}

fn goal_json(g: &GoalInput) -> serde_json::Value {
    serde_json::json!({
        "title": g.title, "indicator": g.indicator.as_str(), "measure": g.measure,
        "target": plain(&g.target),
    })
}

fn goal_not_found(goal: GoalId) -> StoreError {
    StoreError::not_found(text!("charter_goal", id = goal; id: "tujuan {id}", en: "goal {id}"))
}

fn summary(conn: &Connection, id: CharterId) -> Result<Option<CharterSummary>> {
    let Some((name, created_by, created_at)) = conn
        .query_row(
            "SELECT name, created_by, created_at FROM charters WHERE id = ?1",
            [id.get()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?
    else {
        return Ok(None);
    };
    let members = conn
        .prepare(
            "SELECT o.id, o.name FROM charter_members m JOIN organisations o ON o.id = m.anchor_id
             WHERE m.charter_id = ?1 ORDER BY o.name, o.id",
        )?
        .query_map([id.get()], |r| Ok((OrgId::new(r.get(0)?), r.get(1)?)))?
        .collect::<crate::db::Result<_>>()?;
    Ok(Some(CharterSummary {
        id,
        name,
        members,
        created_by,
        created_at,
    }))
}

/// The processes dated in [?1, ?2) with a buyer: its name and identifier
/// and the awards kept of the process.
/// The attribute of an organisation holding the OCDS identifiers it is
/// published under as a buyer (`SCHEME-ID`, several `;`-separated), set
/// by the organisations' file like any other column.
pub const OCDS_BUYER_ID: &str = "ocds_buyer_id";

const YEAR_PROCESSES: &str = "SELECT buyer, buyer_identifier, awards FROM ocds_processes
    WHERE date >= ?1 AND date < ?2 AND buyer IS NOT NULL ORDER BY ocid";

/// A catalogue supplier's postcode (as its payments gave it, else as it
/// was located) and whether the business base holds it as a co-operative
/// or social enterprise (found by the index on `businesses(supplier_id)`:
/// without it, every awarded supplier scanned the whole base).
const SUPPLIER_PLACE_AND_FORM: &str = "SELECT coalesce(sp.postcode, sp.located_postcode),
        EXISTS (SELECT 1 FROM businesses b JOIN organisations o ON o.id = b.org_id
                WHERE b.supplier_id = sp.id AND o.kind IN ('cooperative', 'social_enterprise'))
    FROM suppliers sp WHERE sp.id = ?1";

#[cfg(test)]
mod tests {
    /// Regression: the charter page's awards asked the business base about
    /// each supplier without an index on `businesses(supplier_id)`, each
    /// award row of the year scanning the whole base (40,000 award rows
    /// and 20,000 businesses: 38 s a view).
    #[test]
    fn the_years_awards_find_each_supplier_in_the_business_base_by_its_index() {
        let (_d, s) = crate::test_support::sqlite_store();
        let conn = s.conn().unwrap();
        let plan: Vec<String> = crate::sql::all(
            &conn,
            &format!("EXPLAIN QUERY PLAN {}", super::SUPPLIER_PLACE_AND_FORM),
            [1],
            |r| r.get(3),
        )
        .unwrap();
        assert!(
            plan.iter().any(|step| step.contains("businesses_supplier")),
            "{plan:#?}"
        );
        assert!(plan.iter().all(|step| step != "SCAN b"), "{plan:#?}");
    }
}
