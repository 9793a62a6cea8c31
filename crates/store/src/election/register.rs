//! The register of a poll: who is on it (read from a file or typed in,
//! checked by `lumbung_community::election::register_additions`), and the
//! flag that a person voted — no time, no order, nothing that could tie a
//! voter to a ballot.

use super::rows::{area_of, invalid, open_poll, record_on_poll, sex_str, voters_tx};
use crate::audit::record;
use crate::db::params;
use crate::{Actor, Result, Store, StoreError};
use lumbung_community::election::{
    register_additions, Level, NewVoter, RegisterError, Registered, Voter, VoterInput,
};
use lumbung_domain::{text, ImportSummary, PollId, Text, VoterId};
use serde_json::json;

/// A level-2 register is made from the published results, never by hand.
fn level2_register() -> StoreError {
    invalid(
        "level",
        text!("election_level2_register";
            id: "daftar pemilih tahap 2 adalah para utusan (atau anggota) dari hasil yang diumumkan",
            en: "a level-2 register is the delegates (or members) of the published results"),
    )
}

impl Store {
    pub fn election_voters(&self, poll: PollId) -> Result<Vec<Voter>> {
        let conn = self.conn()?;
        voters_tx(&conn, poll)
    }

    /// Puts voters on an RT's register, all or none. A voter already on it
    /// with the same details is left as is (the same file twice changes
    /// nothing); with other details, or a name used by someone else, the
    /// file is refused with the lines to blame.
    pub fn add_voters(
        &self,
        poll: PollId,
        file: &str,
        voters: &[VoterInput],
        actor: &Actor,
    ) -> Result<ImportSummary> {
        let id = poll.get();
        self.write(|tx| {
        let e = open_poll(tx, poll)?;
        if e.level != Level::Rt {
            return Err(level2_register());
        }
        let existing: Vec<Registered> = voters_tx(tx, poll)?
            .into_iter()
            .map(|v| Registered {
                name: v.name,
                sex: v.sex,
                birth_date: v.birth_date,
                age: v.age,
                married: v.married,
            })
            .collect();
        let (added, summary) =
            register_additions(file, &existing, voters, e.held_on).map_err(|e| match e {
                RegisterError::Invalid(e) => StoreError::from(e),
                RegisterError::Rejected(r) => StoreError::from(r),
            })?;
        for NewVoter {
            voter: v,
            key,
            eligible,
        } in &added
        {
            tx.execute(
                "INSERT INTO election_voters (poll, name, name_key, sex, birth_date, age, married, eligible)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    id,
                    v.name,
                    key.as_str(),
                    sex_str(v.sex),
                    v.birth_date.map(|d| d.to_string()),
                    v.age,
                    v.married,
                    eligible
                ],
            )?;
        }
        if summary.created > 0 {
            record_on_poll(
                tx,
                actor,
                "election_register",
                &e,
                json!({"file": file, "added": summary.created, "unchanged": summary.unchanged}),
            )?;
        }
        Ok(summary)
        })
    }

    /// Takes a voter off the register (entered by mistake).
    pub fn remove_voter(&self, poll: PollId, voter: VoterId, actor: &Actor) -> Result<()> {
        let id = poll.get();
        self.write(|tx| {
            let e = open_poll(tx, poll)?;
            // A level-2 register is the published results' delegates: one
            // member removing a rival would void the ballots naming them.
            if e.level != Level::Rt {
                return Err(level2_register());
            }
            let n = tx.execute(
                "DELETE FROM election_voters WHERE poll = ?1 AND id = ?2",
                params![id, voter.get()],
            )?;
            if n == 0 {
                return Err(StoreError::not_found(voter_text(voter)));
            }
            record_on_poll(
                tx,
                actor,
                "election_register_remove",
                &e,
                json!({"voter": voter}),
            )?;
            Ok(())
        })
    }

    /// Records that voters voted (or undoes it). Only the flag is kept: no
    /// time, no order, nothing that could tie a voter to a ballot.
    pub fn mark_voted(
        &self,
        poll: PollId,
        voters: &[VoterId],
        voted: bool,
        actor: &Actor,
    ) -> Result<usize> {
        let id = poll.get();
        self.write(|tx| {
            let e = open_poll(tx, poll)?;
            let mut changed = 0;
            for v in voters {
                let eligible: Option<bool> = crate::sql::optional(
                    tx,
                    "SELECT eligible FROM election_voters WHERE poll = ?1 AND id = ?2",
                    params![id, v.get()],
                )?;
                match eligible {
                    None => return Err(StoreError::not_found(voter_text(*v))),
                    Some(false) if voted => {
                        return Err(invalid(
                            "voter",
                            text!("election_not_eligible", voter = v;
                                id: "pemilih {voter} tidak berhak memilih (di bawah 17 tahun dan belum menikah)",
                                en: "voter {voter} is not eligible (under 17 and not married)"),
                        ))
                    }
                    _ => {}
                }
                changed += tx.execute(
                "UPDATE election_voters SET voted = ?3 WHERE poll = ?1 AND id = ?2 AND voted <> ?3",
                params![id, v.get(), voted],
            )?;
            }
            if changed > 0 {
                record(
                    tx,
                    actor,
                    if voted {
                        "election_voted"
                    } else {
                        "election_voted_undo"
                    },
                    "election",
                    &id.to_string(),
                    area_of(&e),
                    json!({"voters": changed}),
                )?;
            }
            Ok(changed)
        })
    }
}

/// "voter 7", as what was not found.
fn voter_text(voter: VoterId) -> Text {
    text!("election_voter", voter = voter; id: "pemilih {voter}", en: "voter {voter}")
}
