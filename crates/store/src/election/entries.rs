//! The ballot box: the two entries (each by its own committee member),
//! corrections, the committee's resolutions of their differences,
//! groupings of written names, door-to-door collections and tie
//! decisions. Every change is audited; a published poll takes no more.

use super::committee;
use super::rows::{
    ballot_row, count_tx, entry_tx, grouping_of, groups_tx, invalid, makers_tx, names_from,
    names_json, open_poll, record_on_poll, tie_tx, BALLOT_COLUMNS,
};
use super::types::{BallotOrder, Entry, EntryList};
use crate::db::params;
use crate::{now, Actor, Result, Store, StoreError};
use jiff::civil::Date;
use lumbung_community::election::{
    check_entry_maker, check_resolution, check_second_member, confirms_lot, decide_tie, BallotRow,
    NameKey, TieInput, TieRecord, TieRefused, TwoMemberStep,
};
use lumbung_domain::{text, PollId, Rejected, RowError};
use serde_json::json;

/// Names as entered: inner spaces collapsed, blanks dropped.
fn clean_names(names: &[String]) -> Vec<String> {
    names
        .iter()
        .map(|n| n.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|n| !n.is_empty())
        .collect()
}

impl Store {
    /// Both entries of the ballot box, each in the order entered.
    pub fn election_entries(&self, poll: PollId) -> Result<(Vec<BallotRow>, Vec<BallotRow>)> {
        let conn = self.conn()?;
        Ok((
            entry_tx(&conn, poll, Entry::A)?,
            entry_tx(&conn, poll, Entry::B)?,
        ))
    }

    /// Both entries of the ballot box, each listed in `order` (downward
    /// when `desc`) with its count and who entered it: `window` (limit,
    /// offset) of each entry's ballots, or all of them.
    pub fn election_entry_lists(
        &self,
        poll: PollId,
        order: BallotOrder,
        desc: bool,
        window: Option<(u32, u32)>,
    ) -> Result<[EntryList; 2]> {
        let conn = self.conn()?;
        let order = match (order, desc) {
            (BallotOrder::Entered, false) => "seq",
            (BallotOrder::Entered, true) => "seq DESC",
            // Ids of digits by their number; others by length, then text.
            (BallotOrder::Number, false) => {
                "length(ltrim(ballot_id, '0')), ltrim(ballot_id, '0'), ballot_id"
            }
            (BallotOrder::Number, true) => {
                "length(ltrim(ballot_id, '0')) DESC, ltrim(ballot_id, '0') DESC, ballot_id DESC"
            }
            (BallotOrder::EnteredBy, false) => "entered_by, seq",
            (BallotOrder::EnteredBy, true) => "entered_by DESC, seq DESC",
        };
        let rows = "FROM election_ballots WHERE poll = ?1 AND entry = ?2";
        let list = |entry: Entry| -> Result<EntryList> {
            let params: [&dyn crate::db::ToSql; 2] = [&poll.get(), &entry.as_str()];
            let window = window.unwrap_or((u32::MAX, 0));
            let sql = (BALLOT_COLUMNS, rows, order);
            let (ballots, count) = crate::sql::page(&conn, sql, &params, window, ballot_row)?;
            let entered_by = makers_tx(&conn, poll, entry)?;
            Ok(EntryList {
                ballots,
                count,
                entered_by,
            })
        };
        Ok([list(Entry::A)?, list(Entry::B)?])
    }

    /// Enters ballots into one entry. A committee member makes only one of
    /// the two entries of a poll, and an entry is made by one member (who
    /// could join the other's entry would read it: `Sight`). A ballot already in the entry with the
    /// same names is left as is (a batch sent twice enters once); with other
    /// names it is refused: correct it instead.
    pub fn enter_ballots(
        &self,
        poll: PollId,
        entry: Entry,
        ballots: &[(String, Vec<String>)],
        actor: &Actor,
    ) -> Result<usize> {
        let id = poll.get();
        self.write(|tx| {
        let e = open_poll(tx, poll)?;
        let me = actor.label();
        let resolver: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM election_resolutions WHERE poll = ?1 AND resolved_by = ?2)",
            params![id, me],
            |r| r.get(0),
        )?;
        let letter = |e: Entry| if e == Entry::A { 'A' } else { 'B' };
        check_entry_maker(
            letter(entry),
            &me,
            &makers_tx(tx, poll, entry)?,
            &makers_tx(tx, poll, entry.other())?,
            resolver,
        )
        .map_err(committee::refused)?;
        let mut added = 0;
        let mut errors = Vec::new();
        for (i, (bid, names)) in ballots.iter().enumerate() {
            let bid = bid.trim();
            if bid.is_empty() {
                errors.push(RowError::new(
                    i as u64 + 1,
                    Some("ballot_id"),
                    text!("election_ballot_id_empty"; id: "nomor surat suara kosong", en: "the ballot id is empty"),
                ));
                continue;
            }
            let names = clean_names(names);
            let old: Option<String> = crate::sql::optional(
                tx,
                "SELECT names FROM election_ballots WHERE poll = ?1 AND entry = ?2 AND ballot_id = ?3",
                params![id, entry.as_str(), bid],
            )?;
            match old {
                Some(old) if names_from(&old) == names => {}
                Some(_) => errors.push(RowError::new(
                    i as u64 + 1,
                    Some("ballot_id"),
                    text!("election_ballot_other_names", ballot = bid, entry = entry.as_str().to_uppercase();
                        id: "surat suara {ballot} sudah ada di entri {entry} dengan nama lain; koreksi saja",
                        en: "ballot {ballot} is already in entry {entry} with other names; correct it instead"),
                )),
                None => {
                    tx.execute(
                        "INSERT INTO election_ballots (poll, entry, ballot_id, names, entered_by, entered_at, seq)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6,
                                 (SELECT coalesce(max(seq), 0) + 1 FROM election_ballots WHERE poll = ?1))",
                        params![id, entry.as_str(), bid, names_json(&names), me, now()],
                    )?;
                    added += 1;
                }
            }
        }
        if !errors.is_empty() {
            return Err(Rejected {
                file: format!("entry {}", entry.as_str().to_uppercase()),
                errors,
            }
            .into());
        }
        if added > 0 {
            record_on_poll(
                tx,
                actor,
                "election_ballots",
                &e,
                json!({"entry": entry, "added": added}),
            )?;
        }
        Ok(added)
        })
    }

    /// Corrects a ballot in one entry (a typing mistake of its own
    /// enterer), or takes it out (`names` = `None`). Logged with the names
    /// before and after.
    pub fn correct_ballot(
        &self,
        poll: PollId,
        entry: Entry,
        ballot_id: &str,
        names: Option<&[String]>,
        actor: &Actor,
    ) -> Result<()> {
        let id = poll.get();
        self.write(|tx| {
        let e = open_poll(tx, poll)?;
        let old: Option<(String, String)> = crate::sql::optional_row(
            tx,
            "SELECT names, entered_by FROM election_ballots WHERE poll = ?1 AND entry = ?2 AND ballot_id = ?3",
            params![id, entry.as_str(), ballot_id.trim()],
            |r| r.try_into(),
        )?;
        let Some((old, by)) = old else {
            return Err(StoreError::not_found(text!("election_ballot_in_entry",
                ballot = ballot_id, entry = entry.as_str().to_uppercase();
                id: "surat suara {ballot} di entri {entry}",
                en: "ballot {ballot} in entry {entry}")));
        };
        if by != actor.label() {
            return Err(StoreError::conflict(text!("election_correct_own_entry",
                entry = entry.as_str().to_uppercase(), ballot = ballot_id, by = by;
                id: "entri {entry} surat suara {ballot} dibuat oleh {by}: hanya dia yang mengoreksinya; panitia menyelesaikan selisih",
                en: "entry {entry} of ballot {ballot} was made by {by}: only they correct it; the committee resolves differences")));
        }
        let new = names.map(clean_names);
        match &new {
            Some(n) => tx.execute(
                "UPDATE election_ballots SET names = ?4 WHERE poll = ?1 AND entry = ?2 AND ballot_id = ?3",
                params![id, entry.as_str(), ballot_id.trim(), names_json(n)],
            )?,
            None => tx.execute(
                "DELETE FROM election_ballots WHERE poll = ?1 AND entry = ?2 AND ballot_id = ?3",
                params![id, entry.as_str(), ballot_id.trim()],
            )?,
        };
        record_on_poll(
            tx,
            actor,
            "election_ballot_correct",
            &e,
            json!({"entry": entry, "ballot_id": ballot_id.trim(), "before": names_from(&old), "after": new}),
        )?;
        Ok(())
        })
    }

    /// The committee's reading of a paper ballot where the two entries
    /// differ: the names on it, or `None` when it is not a ballot. Only by
    /// a member who made neither entry, only for a real difference, and a
    /// ballot missing from one entry only as "not a ballot" (that entry's
    /// maker types it in otherwise). Replaces an earlier resolution of the
    /// same ballot; both stay in the audit log.
    pub fn resolve_ballot(
        &self,
        poll: PollId,
        ballot_id: &str,
        names: Option<&[String]>,
        note: &str,
        actor: &Actor,
    ) -> Result<()> {
        let id = poll.get();
        self.write(|tx| {
        let e = open_poll(tx, poll)?;
        let bid = ballot_id.trim();
        check_resolution(
            &committee::EntryBoxes::of(tx, poll)?.entries(),
            bid,
            names.is_some(),
            &actor.label(),
        )
        .map_err(committee::refused)?;
        let names = names.map(clean_names);
        let before: Option<Option<String>> = crate::sql::optional(
            tx,
            "SELECT names FROM election_resolutions WHERE poll = ?1 AND ballot_id = ?2",
            params![id, bid],
        )?;
        tx.execute(
            "INSERT INTO election_resolutions (poll, ballot_id, names, note, resolved_by, resolved_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (poll, ballot_id) DO UPDATE SET names = excluded.names, note = excluded.note,
                 resolved_by = excluded.resolved_by, resolved_at = excluded.resolved_at",
            params![
                id,
                bid,
                names.as_deref().map(names_json),
                note.trim(),
                actor.label(),
                now()
            ],
        )?;
        record_on_poll(
            tx,
            actor,
            "election_ballot_resolve",
            &e,
            json!({
                "ballot_id": bid,
                "names": names,
                "note": note.trim(),
                "before": before.map(|b| b.map(|n| names_from(&n))),
            }),
        )?;
        Ok(())
        })
    }

    /// Confirms that `written` means `person` (the committee decides; the
    /// app only suggests). Refused when it contradicts an earlier grouping.
    pub fn add_group(
        &self,
        poll: PollId,
        written: &str,
        person: &str,
        actor: &Actor,
    ) -> Result<()> {
        let id = poll.get();
        self.write(|tx| {
        let e = open_poll(tx, poll)?;
        let mut g = grouping_of(&groups_tx(tx, poll)?)?;
        let before = g.len();
        g.add(written, person)
            .map_err(|e| invalid("written", e.text()))?;
        if g.len() > before {
            let (w, p) = g.entries().last().expect("just added");
            tx.execute(
                "INSERT INTO election_groups (poll, written, written_key, person, confirmed_by, confirmed_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    id,
                    w,
                    NameKey::new(w).expect("not blank").as_str(),
                    p.as_str(),
                    actor.label(),
                    now()
                ],
            )?;
            record_on_poll(
                tx,
                actor,
                "election_group",
                &e,
                json!({"written": w, "person": p.as_str()}),
            )?;
        }
        Ok(())
        })
    }

    /// Takes a grouping back.
    pub fn remove_group(&self, poll: PollId, written: &str, actor: &Actor) -> Result<()> {
        let id = poll.get();
        self.write(|tx| {
            let e = open_poll(tx, poll)?;
            let key = NameKey::new(written).ok_or_else(|| {
                invalid(
                    "written",
                    text!("election_empty"; id: "kosong", en: "empty"),
                )
            })?;
            let person: Option<String> = crate::sql::optional(
                tx,
                "SELECT person FROM election_groups WHERE poll = ?1 AND written_key = ?2",
                params![id, key.as_str()],
            )?;
            let Some(person) = person else {
                return Err(StoreError::not_found(
                    text!("election_grouping_of", written = format!("{written:?}");
                    id: "pengelompokan {written}", en: "grouping of {written}"),
                ));
            };
            tx.execute(
                "DELETE FROM election_groups WHERE poll = ?1 AND written_key = ?2",
                params![id, key.as_str()],
            )?;
            // What is left must still be a grouping (a person's own name may
            // have been a variant's only link).
            grouping_of(&groups_tx(tx, poll)?)?;
            record_on_poll(
                tx,
                actor,
                "election_group_remove",
                &e,
                json!({"written": written.trim(), "person": person}),
            )?;
            Ok(())
        })
    }

    /// Records a door-to-door collection (the quorum was not met); the
    /// ballots collected are then entered like the others.
    pub fn record_door_to_door(
        &self,
        poll: PollId,
        on: Date,
        note: &str,
        actor: &Actor,
    ) -> Result<()> {
        let id = poll.get();
        if note.trim().is_empty() {
            return Err(invalid(
                "note",
                text!("election_door_to_door_note";
                    id: "sebutkan di mana dan oleh siapa suara dikumpulkan",
                    en: "say where and by whom the votes were collected"),
            ));
        }
        self.write(|tx| {
            let e = open_poll(tx, poll)?;
            tx.execute(
                "INSERT INTO election_door_to_door (poll, on_date, note, recorded_by, recorded_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id, on.to_string(), note.trim(), actor.label(), now()],
            )?;
            record_on_poll(
                tx,
                actor,
                "election_door_to_door",
                &e,
                json!({"on": on, "note": note.trim()}),
            )?;
            Ok(())
        })
    }

    /// Records how a tie was broken, checked against the count and the
    /// kelurahan's rule: a re-vote's count among the tied (the winners
    /// follow from it; a new tie is refused) or the winners of a lot.
    /// Replaces an earlier decision. A lot counts once a second committee
    /// member records the same winners: that confirms it.
    pub fn record_tie(&self, poll: PollId, input: &TieInput, actor: &Actor) -> Result<TieRecord> {
        let id = poll.get();
        self.write(|tx| {
        let e = open_poll(tx, poll)?;
        let count = count_tx(tx, poll)?;
        let r = count.recount.as_ref().ok_or_else(|| {
            StoreError::conflict(text!("election_no_count_for_tie";
                id: "belum ada hasil hitung untuk memutuskan suara sama",
                en: "there is no count yet to break a tie in"))
        })?;
        let rec = decide_tie(r, count.settings.tie_rule, input).map_err(|e| match e {
            TieRefused::Invalid(e) => StoreError::from(e),
            TieRefused::Tie(e) => invalid("tie", e.text()),
        })?;
        if let Some((old, signers)) = tie_tx(tx, poll)? {
            if confirms_lot(&old, signers.confirmed_by.is_some(), &rec) {
                check_second_member(TwoMemberStep::Lot, &signers.decided_by, &actor.label())
                    .map_err(committee::refused)?;
                tx.execute(
                    "UPDATE election_ties SET confirmed_by = ?2, confirmed_at = ?3 WHERE poll = ?1",
                    params![id, actor.label(), now()],
                )?;
                record_on_poll(
                    tx,
                    actor,
                    "election_tie_confirm",
                    &e,
                    json!({"winners": old.winners, "decided_by": signers.decided_by}),
                )?;
                return Ok(old);
            }
        }
        let json = serde_json::to_string(&rec).expect("decision serialises");
        tx.execute(
            "INSERT INTO election_ties (poll, decision, decided_by, decided_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (poll) DO UPDATE SET decision = excluded.decision,
                 decided_by = excluded.decided_by, decided_at = excluded.decided_at,
                 confirmed_by = NULL, confirmed_at = NULL",
            params![id, json, actor.label(), now()],
        )?;
        record_on_poll(
            tx,
            actor,
            "election_tie",
            &e,
            serde_json::to_value(&rec).expect("decision serialises"),
        )?;
        Ok(rec)
        })
    }
}
