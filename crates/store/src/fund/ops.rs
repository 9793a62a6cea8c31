//! The groups' day-to-day: KSMs, members, joint liability and savings;
//! applications judged by the rules, approved by a second person, and
//! disbursed.

use super::books::book_of;
use super::ledger::post;
use super::ps2::ps2_households;
use super::rows::{
    bad, invalid, no_upk, parse_date, parse_frequency, parse_kind, settings_tx, ApplicationRow,
    KsmSummary, KsmView, MemberRow, SavingsRow,
};
use crate::audit::{self, Actor};
use crate::db::{params, OptionalExtension};
use crate::{Result, Store, StoreError};
use jiff::civil::Date;
use lumbung_domain::{text, Text};
use lumbung_domain::{ApplicationId, KsmId, MemberId, Scope, Sex, UpkId, UserId};
use lumbung_fund::application::{self, ApplicationStatus};
use lumbung_fund::group;
use lumbung_fund::journal::{Account, Entry};
use lumbung_fund::loan::Rupiah;
use lumbung_fund::rules::{self, Application, Finding, Group, Judgement, Member};
use lumbung_fund::settings::Settings;
use std::collections::BTreeSet;

fn upk_of_ksm(tx: &crate::db::Connection, ksm: i64) -> Result<(i64, String)> {
    crate::sql::optional_row(
        tx,
        "SELECT k.parent_id, u.name FROM organisations k JOIN organisations u ON u.id = k.parent_id
         WHERE k.id = ?1 AND k.kind = 'ksm' AND u.kind = 'upk'",
        [ksm],
        |r| r.try_into(),
    )?
    .ok_or_else(|| {
        invalid(
            "ksm",
            text!("no_ksm_under_upk", ksm = ksm; id: "tidak ada KSM {ksm} di bawah sebuah UPK", en: "no KSM {ksm} under a UPK"),
        )
    })
}

fn cash_of(tx: &crate::db::Connection, upk: i64) -> Result<i64> {
    Ok(tx.query_row(
        "SELECT coalesce(sum(amount), 0) FROM fund_account_days WHERE upk_id = ?1 AND account = 'cash'",
        [upk],
        |r| r.get(0),
    )?)
}

impl Store {
    /// Creates a KSM under a UPK (in the UPK's area); a KSM of that name
    /// under it already is an error.
    pub fn create_ksm(&self, upk: UpkId, name: &str, actor: &Actor) -> Result<KsmId> {
        let upk = upk.get();
        let name = group::ksm_name(name)?;
        self.write(|tx| {
            let area: Option<Option<String>> = crate::sql::optional(
                tx,
                "SELECT coalesce(u.area_code, p.area_code) FROM organisations u
                     LEFT JOIN organisations p ON p.id = u.parent_id WHERE u.id = ?1 AND u.kind = 'upk'",
                [upk],
            )?;
            let Some(area) = area else {
                return Err(invalid("upk", no_upk(upk)));
            };
            let taken: bool = crate::sql::exists(
                tx,
                "SELECT 1 FROM organisations WHERE kind = 'ksm' AND parent_id = ?1 AND lower(name) = lower(?2)",
                params![upk, name],
            )?;
            if taken {
                return Err(invalid(
                    "name",
                    text!("ksm_name_taken", name = format!("{name:?}");
                        id: "UPK ini sudah punya KSM bernama {name}",
                        en: "this UPK has a KSM named {name}"),
                ));
            }
            let id = crate::orgs::create_named(
                tx,
                actor,
                name,
                "ksm",
                (area.as_deref(), Some(upk)),
                serde_json::json!({"name": name, "kind": "ksm", "upk": upk}),
            )?;
            Ok(KsmId::new(id))
        })
    }

    pub fn ksm(&self, id: KsmId) -> Result<Option<KsmView>> {
        let ksm = id.get();
        let conn = self.conn()?;
        let head: Option<(String, Option<String>, Option<String>)> = crate::sql::optional_row(
            &conn,
            "SELECT o.name, f.joint_liability_on, f.joint_liability_ref FROM organisations o
                 LEFT JOIN fund_ksm f ON f.ksm_id = o.id WHERE o.id = ?1 AND o.kind = 'ksm'",
            [ksm],
            |r| r.try_into(),
        )?;
        let Some((name, jl_on, jl_ref)) = head else {
            return Ok(None);
        };
        let (upk_id, upk) = upk_of_ksm(&conn, ksm)?;
        let members = members_tx(&conn, ksm)?;
        let mut stmt = conn.prepare(
            "SELECT s.id, m.name, s.on_date, s.amount, s.journal_seq FROM fund_savings s
             LEFT JOIN fund_members m ON m.id = s.member_id WHERE s.ksm_id = ?1 ORDER BY s.on_date, s.id",
        )?;
        let savings = stmt
            .query_map([ksm], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get::<_, String>(2)?,
                    r.get(3)?,
                    r.get(4)?,
                ))
            })?
            .map(|row| {
                let (id, member, on, amount, journal_seq) = row?;
                Ok(SavingsRow {
                    id,
                    member,
                    on_date: parse_date(&on)?,
                    amount,
                    journal_seq,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Some(KsmView {
            id,
            name,
            upk_id: UpkId::new(upk_id),
            upk,
            joint_liability_on: jl_on.as_deref().map(parse_date).transpose()?,
            joint_liability_ref: jl_ref,
            savings_balance: lumbung_fund::loan::sum("savings", savings.iter().map(|s| s.amount))?,
            members,
            savings,
        }))
    }

    /// The KSMs of a UPK, by name.
    pub fn ksms_of(&self, upk: UpkId) -> Result<Vec<KsmSummary>> {
        let conn = self.conn()?;
        crate::sql::all(
            &conn,
            "SELECT o.id, o.name, (SELECT count(*) FROM fund_members m WHERE m.ksm_id = o.id AND m.left_on IS NULL)
             FROM organisations o WHERE o.kind = 'ksm' AND o.parent_id = ?1 ORDER BY lower(o.name), o.id",
            [upk.get()],
            |r| from_row!(r, KsmSummary { id: KsmId::new, name, members }),
        )
    }

    pub fn add_ksm_member(
        &self,
        ksm: KsmId,
        name: &str,
        sex: Sex,
        nik: Option<&str>,
        joined_on: Date,
        actor: &Actor,
    ) -> Result<MemberId> {
        let name = group::member_name(name)?;
        let nik = group::nik(nik)?;
        let joined_on = self.day_passed("joined_on", joined_on)?;
        self.write(|tx| insert_member_on(tx, ksm.get(), name, sex, nik, None, joined_on, actor))
    }

    /// Records that a member left the group on a date (kept in history).
    pub fn member_leaves(&self, member: MemberId, on: Date, actor: &Actor) -> Result<()> {
        let member = member.get();
        self.write(|tx| {
            let changed = tx.execute(
                "UPDATE fund_members SET left_on = ?2 WHERE id = ?1 AND left_on IS NULL",
                params![member, on.to_string()],
            )?;
            if changed == 0 {
                return Err(invalid(
                    "member",
                    text!("no_current_member", member = member;
                        id: "tidak ada anggota aktif {member}", en: "no current member {member}"),
                ));
            }
            let ksm: i64 = tx.query_row(
                "SELECT ksm_id FROM fund_members WHERE id = ?1",
                [member],
                |r| r.get(0),
            )?;
            let (upk, _) = upk_of_ksm(tx, ksm)?;
            audit::record_for_org(
                tx,
                actor,
                "fund.member.leave",
                "fund_member",
                &member.to_string(),
                upk,
                serde_json::json!({"on": on.to_string()}),
            )?;
            Ok(())
        })
    }

    /// Records the group's written joint liability (tanggung renteng).
    pub fn record_joint_liability(
        &self,
        ksm: KsmId,
        on: Date,
        reference: &str,
        actor: &Actor,
    ) -> Result<()> {
        let ksm = ksm.get();
        self.write(|tx| {
            let (upk, _) = upk_of_ksm(tx, ksm)?;
            tx.execute(
                "INSERT INTO fund_ksm (ksm_id, joint_liability_on, joint_liability_ref) VALUES (?1, ?2, ?3)
                 ON CONFLICT (ksm_id) DO UPDATE SET joint_liability_on = excluded.joint_liability_on,
                     joint_liability_ref = excluded.joint_liability_ref",
                params![ksm, on.to_string(), reference.trim()],
            )?;
            audit::record_on_org(
                tx,
                actor,
                "fund.joint_liability",
                upk,
                serde_json::json!({"ksm": ksm, "on": on.to_string(), "reference": reference.trim()}),
            )?;
            Ok(())
        })
    }

    /// A savings deposit (positive) or withdrawal (negative) of a KSM,
    /// posted against cash and savings held; a withdrawal beyond the
    /// group's balance is refused. The same key again posts once.
    #[allow(clippy::too_many_arguments)]
    pub fn post_savings(
        &self,
        ksm: KsmId,
        member: Option<MemberId>,
        on: Date,
        amount: Rupiah,
        key: &str,
        actor: &Actor,
    ) -> Result<bool> {
        let (ksm, member) = (ksm.get(), member.map(MemberId::get));
        group::savings_amount(amount)?;
        self.write(|tx| {
            let (upk, _) = upk_of_ksm(tx, ksm)?;
            settings_tx(tx, upk)?.movement("amount", amount)?;
            if let Some(m) = member {
                let ok: bool = crate::sql::exists(
                    tx,
                    "SELECT 1 FROM fund_members WHERE id = ?1 AND ksm_id = ?2",
                    params![m, ksm],
                )?;
                if !ok {
                    return Err(invalid(
                        "member",
                        text!("member_not_in_ksm", member = m;
                            id: "anggota {member} tidak ada di KSM ini", en: "member {member} is not in this KSM"),
                    ));
                }
            }
            if amount.0 < 0 {
                let balance: i64 = tx.query_row(
                    "SELECT coalesce(sum(amount), 0) FROM fund_savings WHERE ksm_id = ?1",
                    [ksm],
                    |r| r.get(0),
                )?;
                group::check_withdrawal(balance, amount)?;
            }
            let memo = if amount.0 > 0 {
                "savings deposit"
            } else {
                "savings withdrawal"
            };
            let Some(seq) = post(
                tx,
                upk,
                None,
                &Entry::new(
                    on,
                    memo.into(),
                    key.to_owned(),
                    [(Account::Cash, amount.0), (Account::SavingsHeld, -amount.0)],
                ),
            )?
            else {
                return Ok(false);
            };
            tx.execute(
                "INSERT INTO fund_savings (ksm_id, member_id, on_date, amount, journal_seq) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![ksm, member, on.to_string(), amount.0, seq],
            )?;
            audit::record_on_org(
                tx,
                actor,
                "fund.savings",
                upk,
                serde_json::json!({"ksm": ksm, "amount": amount.0, "journal": seq}),
            )?;
            Ok(true)
        })
    }

    /// What the rules know of a group on a date.
    fn group_tx(
        &self,
        conn: &crate::db::Connection,
        ksm: i64,
        settings: &Settings,
    ) -> Result<Group> {
        let members = members_tx(conn, ksm)?;
        let ps2 = ps2_households(conn, ksm)?;
        // Applications not decided or not paid out yet: each a loan its
        // members will hold, not paid off (else two applications entered
        // before either is paid out were each a member's first loan).
        let open: Vec<String> = crate::sql::all(
            conn,
            "SELECT amounts FROM fund_applications WHERE ksm_id = ?1 AND status IN ('pending', 'approved')",
            [ksm],
            |r| r.get(0),
        )?;
        let mut applied: std::collections::HashMap<i64, u16> = std::collections::HashMap::new();
        for amounts in &open {
            let named: Vec<(i64, i64)> =
                serde_json::from_str(amounts).map_err(|_| bad("amounts"))?;
            for (member, _) in named {
                *applied.entry(member).or_default() += 1;
            }
        }
        let mut out = Vec::new();
        for m in members.into_iter().filter(|m| m.left_on.is_none()) {
            // A member's earlier loans: their shares of the KSM's loans.
            let loans: Vec<i64> = conn
                .prepare("SELECT loan FROM fund_loan_members WHERE member_id = ?1")?
                .query_map([m.id.get()], |r| r.get(0))?
                .collect::<crate::db::Result<_>>()?;
            let mut good = true;
            for loan in &loans {
                let book = book_of(conn, *loan)?;
                let far = Date::constant(9999, 12, 31);
                let paid_off = book
                    .standing(far, &[])
                    .is_some_and(|a| a.outstanding.0 == 0);
                let never_late = book.schedule.iter().all(|i| {
                    book.standing(i.due, &settings.class_thresholds())
                        .is_some_and(|a| a.missed < settings.arrears_threshold)
                });
                good &= paid_off && never_late;
            }
            let applied = applied.get(&m.id.get()).copied().unwrap_or(0);
            out.push(Member {
                id: m.id,
                name: m.name,
                sex: m.sex,
                earlier_loans: (loans.len() as u16).saturating_add(applied),
                good_record: good && applied == 0,
                on_ps2: ps2
                    .as_ref()
                    .map(|set| m.household.as_ref().is_some_and(|h| set.contains(h))),
            });
        }
        let joint_liability: bool = crate::sql::optional(
            conn,
            "SELECT joint_liability_on IS NOT NULL FROM fund_ksm WHERE ksm_id = ?1",
            [ksm],
        )?
        .unwrap_or(false);
        let mut savings_months = BTreeSet::new();
        let mut stmt =
            conn.prepare("SELECT on_date FROM fund_savings WHERE ksm_id = ?1 AND amount > 0")?;
        for d in stmt.query_map([ksm], |r| r.get::<_, String>(0))? {
            let d = parse_date(&d?)?;
            savings_months.insert((d.year(), d.month()));
        }
        let had_loan: bool = crate::sql::exists(
            conn,
            "SELECT 1 FROM fund_loans WHERE ksm_id = ?1 LIMIT 1",
            [ksm],
        )?;
        Ok(Group {
            members: out,
            joint_liability,
            savings_months,
            had_loan,
        })
    }

    /// Judges an application without storing it (for a form's preview).
    pub fn judge_application(
        &self,
        ksm: KsmId,
        applied_on: Date,
        amounts: &[(MemberId, Rupiah)],
        term_months: u16,
    ) -> Result<Judgement> {
        self.judge_on(&*self.conn()?, ksm, applied_on, amounts, term_months)
    }

    /// [`Store::judge_application`] on a connection the caller holds.
    fn judge_on(
        &self,
        conn: &crate::db::Connection,
        ksm: KsmId,
        applied_on: Date,
        amounts: &[(MemberId, Rupiah)],
        term_months: u16,
    ) -> Result<Judgement> {
        let ksm = ksm.get();
        let (upk, _) = upk_of_ksm(conn, ksm)?;
        let settings = settings_tx(conn, upk)?;
        for (_, a) in amounts {
            settings.movement("amount", *a)?;
        }
        let group = self.group_tx(conn, ksm, &settings)?;
        Ok(rules::judge(
            &settings,
            &group,
            &Application {
                applied_on,
                amounts: amounts.to_vec(),
                term_months,
            },
        ))
    }

    /// Enters an application (the maker). A broken rule refuses it, every
    /// finding listed; missed targets are kept as warnings for the checker.
    #[allow(clippy::too_many_arguments)]
    pub fn apply_for_loan(
        &self,
        ksm: KsmId,
        applied_on: Date,
        amounts: &[(MemberId, Rupiah)],
        term_months: u16,
        entered_by: UserId,
        form_key: Option<&str>,
        actor: &Actor,
    ) -> Result<ApplicationId> {
        self.day_passed("applied_on", applied_on)?;
        let form_key = form_key.map(str::trim).filter(|k| !k.is_empty());
        // The same form sent again: the application it recorded, once.
        if let Some(earlier) = application_of_form(&*self.conn()?, ksm.get(), form_key)? {
            return Ok(earlier);
        }
        let (ksm_id, entered_by) = (ksm, entered_by.get());
        let ksm = ksm.get();
        self.write(|tx| {
            // Checked again inside the transaction: two clicks race.
            if let Some(earlier) = application_of_form(tx, ksm, form_key)? {
                return Ok(earlier);
            }
            // Judged in it too: two applications entered at once each
            // count the other.
            let judgement = self.judge_on(tx, ksm_id, applied_on, amounts, term_months)?;
            if !judgement.refused.is_empty() {
                let texts: Vec<Text> = judgement.refused.iter().map(Finding::text).collect();
                let (id, en): (Vec<&str>, Vec<&str>) =
                    texts.iter().map(|t| (t.indonesian(), t.english())).unzip();
                let text = Text::new(
                    "application_refused",
                    Vec::new(),
                    id.join("; "),
                    en.join("; "),
                );
                return Err(invalid("application", text));
            }
            let (upk, _) = upk_of_ksm(tx, ksm)?;
            let settings = settings_tx(tx, upk)?;
            let principal = lumbung_fund::loan::sum("principal", amounts.iter().map(|(_, a)| a.0))?;
            let id: i64 = tx.query_row(
                "INSERT INTO fund_applications (upk_id, ksm_id, applied_on, amounts, principal, term_months, fee_rate, schedule,
                     frequency, warnings, entered_by, entered_at, status, form_key)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) RETURNING id",
                params![
                    upk,
                    ksm,
                    applied_on.to_string(),
                    serde_json::to_string(&amounts.iter().map(|(m, a)| (m.get(), a.0)).collect::<Vec<_>>()).expect("json"),
                    principal,
                    term_months,
                    settings.fee_rate,
                    settings.schedule.as_str(),
                    settings.frequency.as_str(),
                    serde_json::to_string(&judgement.warnings).expect("json"),
                    entered_by,
                    crate::now(),
                    ApplicationStatus::Pending.as_str(),
                    form_key
                ], |r| r.get::<_, i64>(0),
            )?;
            audit::record_on_org(
                tx,
                actor,
                "fund.apply",
                upk,
                serde_json::json!({"application": id, "ksm": ksm, "principal": principal}),
            )?;
            Ok(ApplicationId::new(id))
        })
    }

    /// Approves or rejects a pending application (the checker). The
    /// checker is never the one who entered it.
    pub fn decide_application(
        &self,
        application: ApplicationId,
        approve: bool,
        note: &str,
        decided_by: UserId,
        actor: &Actor,
    ) -> Result<()> {
        let id = application.get();
        self.write(|tx| {
            let (upk, status, entered_by): (i64, String, i64) = crate::sql::optional_row(
                tx,
                "SELECT upk_id, status, entered_by FROM fund_applications WHERE id = ?1",
                [id],
                |r| r.try_into(),
            )?
            .ok_or_else(|| invalid("application", no_application(id)))?;
            let to = lumbung_fund::application::decide(
                application,
                parse_status(&status)?,
                UserId::new(entered_by),
                decided_by,
                approve,
            )
                .map_err(refused)?
                .as_str();
            tx.execute(
                "UPDATE fund_applications SET status = ?2, decided_by = ?3, decided_at = ?4, note = ?5 WHERE id = ?1",
                params![id, to, decided_by.get(), crate::now(), note.trim()],
            )?;
            audit::record_on_org(
                tx,
                actor,
                &format!("fund.application.{to}"),
                upk,
                serde_json::json!({"application": id, "note": note.trim()}),
            )?;
            Ok(())
        })
    }

    /// Disburses an approved application: the loan, its members' shares and
    /// the entry moving cash to loans receivable, in one transaction. A UPK
    /// cannot lend cash it does not hold. Returns the new loan's id.
    pub fn disburse(&self, id: ApplicationId, on: Date, actor: &Actor) -> Result<String> {
        let application = id.get();
        self.write(|tx| {
            let app = crate::sql::optional_row(
                tx,
                "SELECT upk_id, ksm_id, status, amounts, principal, term_months, fee_rate, schedule, applied_on, frequency
                     FROM fund_applications WHERE id = ?1",
                [application],
                |r| {
                    from_row!(
                        r,
                        ApplicationTerms {
                            upk,
                            ksm,
                            status,
                            amounts,
                            principal,
                            term_months,
                            fee_rate,
                            schedule,
                            applied_on,
                            frequency
                        }
                    )
                },
            )?
            .ok_or_else(|| invalid("application", no_application(application)))?;
            let (upk, ksm, principal) = (app.upk, app.ksm, app.principal);
            let stored = application::Approved {
                id,
                status: parse_status(&app.status)?,
                applied_on: parse_date(&app.applied_on)?,
                principal,
            };
            application::check_disbursal(&stored, on, cash_of(tx, upk)?).map_err(refused)?;
            let loan_id = application::loan_id(UpkId::new(upk), id);
            let loan: i64 = tx.query_row(
                "INSERT INTO fund_loans (loan_id, upk_id, ksm_id, disbursed_on, principal, term_months, fee_rate, schedule, frequency, migrated, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 0, ?10) RETURNING id",
                params![loan_id, upk, ksm, on.to_string(), principal, app.term_months, app.fee_rate, app.schedule, app.frequency, crate::now()], |r| r.get::<_, i64>(0),
            )?;
            let shares: Vec<(i64, i64)> =
                serde_json::from_str(&app.amounts).map_err(|_| {
                    invalid(
                        "amounts",
                        text!("amounts_unreadable"; id: "tidak terbaca", en: "unreadable"),
                    )
                })?;
            for (member, amount) in shares {
                tx.execute(
                    "INSERT INTO fund_loan_members (loan, member_id, amount) VALUES (?1, ?2, ?3)",
                    params![loan, member, amount],
                )?;
            }
            let ksm_name: String =
                tx.query_row("SELECT name FROM organisations WHERE id = ?1", [ksm], |r| {
                    r.get(0)
                })?;
            post(
                tx,
                upk,
                Some(loan),
                &Entry::new(
                    on,
                    format!("loan {loan_id} to {ksm_name}"),
                    format!("loan:{loan_id}"),
                    [
                        (Account::LoansReceivable(ksm), principal),
                        (Account::Cash, -principal),
                    ],
                ),
            )?;
            tx.execute(
                "UPDATE fund_applications SET status = ?3, loan = ?2 WHERE id = ?1",
                params![application, loan, ApplicationStatus::Disbursed.as_str()],
            )?;
            audit::record_on_org(
                tx,
                actor,
                "fund.disburse",
                upk,
                serde_json::json!({"application": application, "loan": loan_id, "principal": principal}),
            )?;
            Ok(loan_id)
        })
    }

    /// The UPK an application belongs to.
    pub fn application_upk(&self, id: ApplicationId) -> Result<Option<UpkId>> {
        Ok(self
            .conn()?
            .query_row(
                "SELECT upk_id FROM fund_applications WHERE id = ?1",
                [id.get()],
                |r| r.get(0).map(UpkId::new),
            )
            .optional()?)
    }

    /// The applications of the UPKs `scope` covers, newest first: only
    /// those are read (a city's whole list, member names and all, was read
    /// for one kelurahan's cashier, then filtered).
    pub fn fund_applications_in(&self, scope: &Scope) -> Result<Vec<ApplicationRow>> {
        let (upks, all) = super::books::upks_within(&*self.conn()?, scope)?;
        if all {
            return self.fund_applications(None);
        }
        let mut out = Vec::new();
        for upk in upks {
            out.extend(self.fund_applications(Some(UpkId::new(upk)))?);
        }
        out.sort_by_key(|a| std::cmp::Reverse(a.id));
        Ok(out)
    }

    /// The applications of a UPK (every UPK's with `None`), newest first.
    pub fn fund_applications(&self, upk: Option<UpkId>) -> Result<Vec<ApplicationRow>> {
        Self::applications_where(
            &*self.conn()?,
            "a.upk_id = ?1 OR ?1 IS NULL",
            upk.map(UpkId::get),
        )
    }

    /// The applications of one KSM, newest first: its page read its
    /// UPK's every application, member names and all, then kept its own.
    pub fn ksm_applications(&self, ksm: KsmId) -> Result<Vec<ApplicationRow>> {
        Self::applications_where(&*self.conn()?, "a.ksm_id = ?1", Some(ksm.get()))
    }

    /// The applications `condition` keeps (of its parameter `?1`), newest first.
    fn applications_where(
        conn: &crate::db::Connection,
        condition: &str,
        param: Option<i64>,
    ) -> Result<Vec<ApplicationRow>> {
        let mut stmt = conn.prepare(&format!(
            "SELECT a.id, a.upk_id, u.name, a.ksm_id, k.name, a.applied_on, a.amounts, a.principal, a.term_months,
                    a.fee_rate, a.schedule, a.warnings, e.username, a.entered_by, a.entered_at, a.status,
                    d.username, a.decided_at, a.note, l.loan_id, a.frequency
             FROM fund_applications a
             JOIN organisations u ON u.id = a.upk_id JOIN organisations k ON k.id = a.ksm_id
             JOIN users e ON e.id = a.entered_by LEFT JOIN users d ON d.id = a.decided_by
             LEFT JOIN fund_loans l ON l.id = a.loan
             WHERE {condition} ORDER BY a.id DESC"
        ))?;
        // The names of the members of the applications' KSMs, in one
        // query (it was one a member named).
        let names: std::collections::HashMap<i64, String> = crate::sql::all(
            conn,
            &format!(
                "SELECT m.id, m.name FROM fund_members m
                 WHERE m.ksm_id IN (SELECT a.ksm_id FROM fund_applications a WHERE {condition})"
            ),
            [param],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let mut rows = stmt.query([param])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let amounts: Vec<(i64, i64)> =
                serde_json::from_str(&r.get::<_, String>(6)?).unwrap_or_default();
            let mut named = Vec::new();
            for (m, a) in amounts {
                let name = match names.get(&m) {
                    Some(name) => name.clone(),
                    // Not a member of the KSM applying (an application
                    // entered here never names one): read alone.
                    None => crate::sql::optional_row(
                        conn,
                        "SELECT name FROM fund_members WHERE id = ?1",
                        [m],
                        |r| r.get(0),
                    )?
                    .unwrap_or_else(|| m.to_string()),
                };
                named.push((MemberId::new(m), name, a));
            }
            out.push(ApplicationRow {
                id: ApplicationId::new(r.get(0)?),
                upk_id: UpkId::new(r.get(1)?),
                upk: r.get(2)?,
                ksm_id: KsmId::new(r.get(3)?),
                ksm: r.get(4)?,
                applied_on: parse_date(&r.get::<_, String>(5)?)?,
                amounts: named,
                principal: r.get(7)?,
                term_months: r.get::<_, i64>(8)? as u16,
                fee_rate: r.get(9)?,
                schedule: parse_kind(&r.get::<_, String>(10)?)?,
                frequency: parse_frequency(&r.get::<_, String>(20)?)?,
                warnings: serde_json::from_str(&r.get::<_, String>(11)?).unwrap_or_default(),
                entered_by: r.get(12)?,
                entered_by_id: UserId::new(r.get(13)?),
                entered_at: r.get(14)?,
                status: parse_status(&r.get::<_, String>(15)?)?,
                decided_by: r.get(16)?,
                decided_at: r.get(17)?,
                note: r.get(18)?,
                loan_id: r.get(19)?,
            });
        }
        Ok(out)
    }

    /// Adds a member of a poor household to a KSM, with their name, sex
    /// and NIK as the mapping recorded them; once (`ps2::pick`: checked
    /// in the transaction that adds them, so that two picks at once add
    /// one).
    pub fn add_ksm_member_from_ps2(
        &self,
        ksm: KsmId,
        household: &str,
        member_index: usize,
        joined_on: Date,
        scope: &Scope,
        actor: &Actor,
    ) -> Result<MemberId> {
        let list = self.ps2_candidates(ksm, scope)?;
        self.write(|tx| {
            let members = members_tx(tx, ksm.get())?;
            let taken =
                (members.iter()).filter_map(|m| Some((m.household.as_deref()?, m.name.as_str())));
            let candidate = lumbung_fund::ps2::pick(list, taken, household, member_index)
                .map_err(|e| StoreError::invalid("household", e.text()))?;
            let name = group::member_name(&candidate.name)?;
            let nik = group::nik(candidate.nik.as_deref())?;
            let joined_on = self.day_passed("joined_on", joined_on)?;
            insert_member_on(
                tx,
                ksm.get(),
                name,
                candidate.sex,
                nik,
                Some(household),
                joined_on,
                actor,
            )
        })
    }
}

/// Writes a member checked already (but for its NIK, which no current
/// member may hold), with its audit entry.
#[allow(clippy::too_many_arguments)]
fn insert_member_on(
    tx: &crate::db::Transaction<'_>,
    ksm: i64,
    name: &str,
    sex: Sex,
    nik: Option<&str>,
    household: Option<&str>,
    joined_on: Date,
    actor: &Actor,
) -> Result<MemberId> {
    let (upk, _) = upk_of_ksm(tx, ksm)?;
    let members = members_tx(tx, ksm)?;
    let held = (members.iter())
        .filter(|m| m.left_on.is_none())
        .filter_map(|m| m.nik.as_deref());
    group::nik_not_held(nik, held)?;
    let id: i64 = tx.query_row(
        "INSERT INTO fund_members (ksm_id, name, sex, nik, household, joined_on, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
        params![ksm, name, sex.letter(), nik, household, joined_on.to_string(), crate::now()], |r| r.get::<_, i64>(0),
    )?;
    audit::record_on_org(
        tx,
        actor,
        "fund.member.add",
        upk,
        serde_json::json!({"ksm": ksm, "member": id, "name": name, "household": household}),
    )?;
    Ok(MemberId::new(id))
}

/// A member's row as stored.
struct StoredMember {
    id: i64,
    name: String,
    sex: String,
    nik: Option<String>,
    joined_on: String,
    left_on: Option<String>,
    household: Option<String>,
}

fn members_tx(conn: &crate::db::Connection, ksm: i64) -> Result<Vec<MemberRow>> {
    let rows: Vec<StoredMember> = crate::sql::all(
        conn,
        "SELECT id, name, sex, nik, joined_on, left_on, household FROM fund_members WHERE ksm_id = ?1 ORDER BY lower(name), id",
        [ksm],
        |r| {
            from_row!(
                r,
                StoredMember {
                    id,
                    name,
                    sex,
                    nik,
                    joined_on,
                    left_on,
                    household
                }
            )
        },
    )?;
    rows.into_iter()
        .map(|m| {
            Ok(MemberRow {
                id: MemberId::new(m.id),
                ksm_id: KsmId::new(ksm),
                name: m.name,
                sex: Sex::parse(&m.sex).ok_or_else(|| bad("sex"))?,
                nik: m.nik,
                household: m.household,
                joined_on: parse_date(&m.joined_on)?,
                left_on: m.left_on.as_deref().map(parse_date).transpose()?,
            })
        })
        .collect()
}

/// An application's row as a disbursal reads it.
struct ApplicationTerms {
    upk: i64,
    ksm: i64,
    status: String,
    /// JSON: (member id, amount) pairs.
    amounts: String,
    principal: i64,
    term_months: i64,
    fee_rate: String,
    schedule: String,
    applied_on: String,
    frequency: String,
}

/// An application's stored status.
fn parse_status(raw: &str) -> Result<ApplicationStatus> {
    ApplicationStatus::parse(raw).ok_or_else(|| bad("status"))
}

/// A refusal of the application rules, naming its field.
fn refused(e: application::Refused) -> StoreError {
    invalid(e.field(), e.text())
}

fn no_application(id: i64) -> lumbung_domain::Text {
    text!("no_application", application = id;
        id: "tidak ada permohonan {application}", en: "no application {application}")
}

/// The application a form (by its key) already recorded for a KSM.
fn application_of_form(
    conn: &crate::db::Connection,
    ksm: i64,
    key: Option<&str>,
) -> Result<Option<ApplicationId>> {
    let Some(key) = key else { return Ok(None) };
    let id = crate::sql::optional(
        conn,
        "SELECT id FROM fund_applications WHERE ksm_id = ?1 AND form_key = ?2",
        params![ksm, key],
    )?;
    Ok(id.map(ApplicationId::new))
}
