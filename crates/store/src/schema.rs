//! Versioned migrations. `PRAGMA user_version` holds the number of
//! migrations applied; each runs in its own transaction. Never edit a
//! migration that has shipped: add the next one.

/// SQLite's triggers counting every change of `$table` in `cache_versions`
/// under `$name` (one trigger an event: SQLite has no `INSERT OR UPDATE`).
macro_rules! counts_changes {
    ($table:literal, $name:literal) => {
        concat!(
            counts_changes!(@ $table, $name, "insert"),
            counts_changes!(@ $table, $name, "update"),
            counts_changes!(@ $table, $name, "delete"),
        )
    };
    (@ $table:literal, $name:literal, $event:literal) => {
        concat!(
            "CREATE TRIGGER ", $table, "_", $event, "_version AFTER ", $event, " ON ", $table,
            " BEGIN INSERT INTO cache_versions (name, version) VALUES ('", $name, "', 1)",
            " ON CONFLICT (name) DO UPDATE SET version = version + 1; END;\n",
        )
    };
}

pub const MIGRATIONS: &[&str] = &[
    // 1: areas, postcode map, organisations, users, sessions, audit log.
    r#"
CREATE TABLE areas (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    parent_code TEXT REFERENCES areas(code) DEFERRABLE INITIALLY DEFERRED,
    kind        TEXT,
    path        TEXT NOT NULL UNIQUE,
    depth       INTEGER NOT NULL
);
CREATE INDEX areas_parent ON areas(parent_code);
CREATE INDEX areas_name ON areas(name COLLATE NOCASE);

CREATE TABLE postcode_prefixes (
    prefix    TEXT PRIMARY KEY,
    area_code TEXT NOT NULL REFERENCES areas(code)
);

CREATE TABLE organisations (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL,
    kind           TEXT NOT NULL,
    area_code      TEXT REFERENCES areas(code),
    parent_id      INTEGER REFERENCES organisations(id),
    company_number TEXT UNIQUE,
    npwp           TEXT UNIQUE,
    attributes     TEXT NOT NULL DEFAULT '{}',
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX organisations_name ON organisations(name COLLATE NOCASE);
CREATE INDEX organisations_area ON organisations(area_code);
CREATE INDEX organisations_parent ON organisations(parent_id);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL,
    scope_area    TEXT REFERENCES areas(code),
    scope_org     INTEGER REFERENCES organisations(id),
    created_at    TEXT NOT NULL,
    CHECK (scope_area IS NULL OR scope_org IS NULL)
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    entity     TEXT NOT NULL,
    entity_id  TEXT NOT NULL,
    scope_path TEXT,
    details    TEXT NOT NULL
);
CREATE INDEX audit_log_scope ON audit_log(scope_path);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"#,
    // 2: spend analysis — settings, sectors, suppliers and the keys that
    // find them, imports, and the payment facts as columnar blobs.
    r#"
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE sectors (
    id   INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE
);

CREATE TABLE suppliers (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    postcode   TEXT,
    area_code  TEXT REFERENCES areas(code),
    review     TEXT,
    created_at TEXT NOT NULL
);

CREATE TABLE supplier_keys (
    kind        TEXT NOT NULL CHECK (kind IN ('id', 'name')),
    key         TEXT NOT NULL,
    supplier_id INTEGER NOT NULL REFERENCES suppliers(id),
    decided_by  TEXT,
    PRIMARY KEY (kind, key)
);
CREATE INDEX supplier_keys_supplier ON supplier_keys(supplier_id);

CREATE TABLE spend_imports (
    id          INTEGER PRIMARY KEY,
    file_name   TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    rows_read   INTEGER NOT NULL,
    rows_stored INTEGER NOT NULL,
    rows_skipped INTEGER NOT NULL,
    total       INTEGER NOT NULL,
    anchors     TEXT NOT NULL,
    mapping     TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    imported_by TEXT NOT NULL
);
CREATE INDEX spend_imports_sha ON spend_imports(sha256);

CREATE TABLE spend_facts (
    import_id INTEGER NOT NULL REFERENCES spend_imports(id) ON DELETE CASCADE,
    chunk     INTEGER NOT NULL,
    rows      INTEGER NOT NULL,
    data      BLOB NOT NULL,
    PRIMARY KEY (import_id, chunk)
);

CREATE TABLE spend_flags (
    import_id INTEGER NOT NULL REFERENCES spend_imports(id) ON DELETE CASCADE,
    line      INTEGER NOT NULL,
    message   TEXT NOT NULL
);
CREATE INDEX spend_flags_import ON spend_flags(import_id);

CREATE TABLE spend_mappings (
    anchor_id INTEGER PRIMARY KEY REFERENCES organisations(id),
    mapping   TEXT NOT NULL
);
"#,
    // 3: spend reports an analyst publishes for everyone to read.
    r#"
CREATE TABLE spend_publications (
    id           INTEGER PRIMARY KEY,
    title        TEXT NOT NULL,
    report       TEXT NOT NULL,
    published_at TEXT NOT NULL,
    published_by TEXT NOT NULL
);
"#,
    // 4: suppliers' branch sites (CLES: "based or branched in" the area).
    r#"
CREATE TABLE supplier_sites (
    supplier_id INTEGER NOT NULL REFERENCES suppliers(id),
    area_code   TEXT NOT NULL REFERENCES areas(code),
    PRIMARY KEY (supplier_id, area_code)
);
"#,
    // 5: the organisation lineage of audited changes, so that users scoped
    // to an organisation can read the entries about it and those under it.
    r#"
ALTER TABLE audit_log ADD COLUMN org_path TEXT;
"#,
    // 6: an undone import keeps its row (ids are never reused; the audit
    // log's references stay unambiguous) and loses its payments.
    r#"
ALTER TABLE spend_imports ADD COLUMN undone_at TEXT;
"#,
    // 7: the UPK revolving fund: loans, repayments and the hash-chained
    // double-entry journal (append-only).
    r#"
CREATE TABLE fund_loans (
    id           INTEGER PRIMARY KEY,
    loan_id      TEXT NOT NULL UNIQUE,
    upk_id       INTEGER NOT NULL REFERENCES organisations(id),
    ksm_id       INTEGER NOT NULL REFERENCES organisations(id),
    disbursed_on TEXT NOT NULL,
    principal    INTEGER NOT NULL,
    term_months  INTEGER NOT NULL,
    fee_rate     TEXT NOT NULL,
    schedule     TEXT NOT NULL,
    migrated     INTEGER NOT NULL DEFAULT 0,
    created_at   TEXT NOT NULL
);
CREATE INDEX fund_loans_upk ON fund_loans(upk_id);

CREATE TABLE fund_repayments (
    id      INTEGER PRIMARY KEY,
    loan    INTEGER NOT NULL REFERENCES fund_loans(id),
    paid_on TEXT NOT NULL,
    amount  INTEGER NOT NULL
);
CREATE INDEX fund_repayments_loan ON fund_repayments(loan);

CREATE TABLE fund_journal (
    sequence        INTEGER PRIMARY KEY,
    upk_id          INTEGER NOT NULL REFERENCES organisations(id),
    entry           TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    hash            TEXT NOT NULL
);
CREATE TRIGGER fund_journal_no_update BEFORE UPDATE ON fund_journal
BEGIN SELECT RAISE(ABORT, 'the journal is append-only: post a reversal'); END;
CREATE TRIGGER fund_journal_no_delete BEFORE DELETE ON fund_journal
BEGIN SELECT RAISE(ABORT, 'the journal is append-only: post a reversal'); END;
"#,
    // 8: the revolving fund's lifecycle: settings per UPK, KSM members,
    // joint liability and savings, applications with maker-checker
    // approval, loan shares per member, reschedulings, write-offs and
    // reversals. Money still moves only through the journal.
    r#"
CREATE TABLE fund_settings (
    upk_id     INTEGER PRIMARY KEY REFERENCES organisations(id),
    settings   TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE fund_ksm (
    ksm_id              INTEGER PRIMARY KEY REFERENCES organisations(id),
    joint_liability_on  TEXT,
    joint_liability_ref TEXT
);

CREATE TABLE fund_members (
    id         INTEGER PRIMARY KEY,
    ksm_id     INTEGER NOT NULL REFERENCES organisations(id),
    name       TEXT NOT NULL,
    sex        TEXT NOT NULL CHECK (sex IN ('f', 'm')),
    nik        TEXT,
    -- The PS-2 household (self-mapping) the member was picked from.
    household  TEXT,
    joined_on  TEXT NOT NULL,
    left_on    TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX fund_members_ksm ON fund_members(ksm_id);

CREATE TABLE fund_savings (
    id          INTEGER PRIMARY KEY,
    ksm_id      INTEGER NOT NULL REFERENCES organisations(id),
    member_id   INTEGER REFERENCES fund_members(id),
    on_date     TEXT NOT NULL,
    amount      INTEGER NOT NULL CHECK (amount <> 0),
    journal_seq INTEGER NOT NULL REFERENCES fund_journal(sequence)
);
CREATE INDEX fund_savings_ksm ON fund_savings(ksm_id);

CREATE TABLE fund_applications (
    id          INTEGER PRIMARY KEY,
    upk_id      INTEGER NOT NULL REFERENCES organisations(id),
    ksm_id      INTEGER NOT NULL REFERENCES organisations(id),
    applied_on  TEXT NOT NULL,
    amounts     TEXT NOT NULL,
    principal   INTEGER NOT NULL,
    term_months INTEGER NOT NULL,
    fee_rate    TEXT NOT NULL,
    schedule    TEXT NOT NULL,
    warnings    TEXT NOT NULL DEFAULT '[]',
    entered_by  INTEGER NOT NULL REFERENCES users(id),
    entered_at  TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'disbursed')),
    decided_by  INTEGER REFERENCES users(id),
    decided_at  TEXT,
    note        TEXT,
    loan        INTEGER REFERENCES fund_loans(id),
    CHECK (decided_by IS NULL OR decided_by <> entered_by)
);
CREATE INDEX fund_applications_upk ON fund_applications(upk_id, status);

CREATE TABLE fund_loan_members (
    loan      INTEGER NOT NULL REFERENCES fund_loans(id),
    member_id INTEGER NOT NULL REFERENCES fund_members(id),
    amount    INTEGER NOT NULL,
    PRIMARY KEY (loan, member_id)
);
CREATE INDEX fund_loan_members_member ON fund_loan_members(member_id);

CREATE TABLE fund_reschedules (
    id          INTEGER PRIMARY KEY,
    loan        INTEGER NOT NULL REFERENCES fund_loans(id),
    on_date     TEXT NOT NULL,
    principal   INTEGER NOT NULL,
    term_months INTEGER NOT NULL,
    fee_rate    TEXT NOT NULL,
    schedule    TEXT NOT NULL,
    reason      TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX fund_reschedules_loan ON fund_reschedules(loan);

CREATE TABLE fund_write_offs (
    loan        INTEGER PRIMARY KEY REFERENCES fund_loans(id),
    on_date     TEXT NOT NULL,
    principal   INTEGER NOT NULL,
    reason      TEXT NOT NULL,
    journal_seq INTEGER NOT NULL REFERENCES fund_journal(sequence),
    created_at  TEXT NOT NULL
);

CREATE TABLE fund_reversals (
    repayment   INTEGER PRIMARY KEY REFERENCES fund_repayments(id),
    reason      TEXT NOT NULL,
    journal_seq INTEGER NOT NULL REFERENCES fund_journal(sequence),
    created_at  TEXT NOT NULL
);

ALTER TABLE fund_repayments ADD COLUMN journal_seq INTEGER;

-- Each UPK's balance movements per account and day, kept with every
-- posting, so that statements and the city's report need not read the
-- whole journal. Per-KSM receivables are summed into one account.
CREATE TABLE fund_account_days (
    upk_id  INTEGER NOT NULL,
    account TEXT NOT NULL,
    day     TEXT NOT NULL,
    amount  INTEGER NOT NULL,
    PRIMARY KEY (upk_id, account, day)
) WITHOUT ROWID;
INSERT INTO fund_account_days (upk_id, account, day, amount)
SELECT j.upk_id, json_extract(l.value, '$.account.account'), json_extract(j.entry, '$.date'),
       sum(json_extract(l.value, '$.amount'))
FROM fund_journal j, json_each(j.entry, '$.lines') l
GROUP BY 1, 2, 3;
ALTER TABLE fund_journal ADD COLUMN loan INTEGER;
CREATE INDEX fund_journal_upk ON fund_journal(upk_id);
CREATE INDEX fund_repayments_journal ON fund_repayments(journal_seq);

-- Rows that record a money movement are kept as they were: a correction
-- is a reversal.
CREATE TRIGGER fund_repayments_no_update BEFORE UPDATE ON fund_repayments
BEGIN SELECT RAISE(ABORT, 'repayments are kept: post a reversal'); END;
CREATE TRIGGER fund_repayments_no_delete BEFORE DELETE ON fund_repayments
BEGIN SELECT RAISE(ABORT, 'repayments are kept: post a reversal'); END;
CREATE TRIGGER fund_savings_no_change BEFORE UPDATE ON fund_savings
BEGIN SELECT RAISE(ABORT, 'savings movements are kept: post a correction'); END;
"#,
    // 9: the P2KP community cycle and self-mapping per kelurahan: the plan
    // (steps, targets, start), the steps done and their verification, the
    // community's poverty criteria, mapped households (personal data) and
    // the KoboToolbox exports they came from.
    r#"
CREATE TABLE community_plans (
    kelurahan  TEXT PRIMARY KEY REFERENCES areas(code),
    plan       TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE community_steps (
    kelurahan        TEXT NOT NULL REFERENCES areas(code),
    step             TEXT NOT NULL,
    done_on          TEXT NOT NULL,
    attendance_total INTEGER NOT NULL CHECK (attendance_total >= 0),
    attendance_women INTEGER NOT NULL CHECK (attendance_women BETWEEN 0 AND attendance_total),
    attendance_poor  INTEGER NOT NULL CHECK (attendance_poor BETWEEN 0 AND attendance_total),
    documents        TEXT NOT NULL DEFAULT '[]',
    recorded_by      TEXT NOT NULL,
    recorded_at      TEXT NOT NULL,
    verified_by      TEXT,
    verified_at      TEXT,
    PRIMARY KEY (kelurahan, step),
    CHECK (verified_by IS NULL OR verified_by <> recorded_by),
    CHECK ((verified_by IS NULL) = (verified_at IS NULL))
);
-- A step is recorded once and verified once: never deleted, and only the
-- verification may be added.
CREATE TRIGGER community_steps_no_delete BEFORE DELETE ON community_steps
BEGIN SELECT RAISE(ABORT, 'recorded steps are kept'); END;
CREATE TRIGGER community_steps_verify_once BEFORE UPDATE ON community_steps
WHEN OLD.verified_by IS NOT NULL OR NEW.done_on IS NOT OLD.done_on
  OR NEW.recorded_by IS NOT OLD.recorded_by OR NEW.attendance_total IS NOT OLD.attendance_total
  OR NEW.attendance_women IS NOT OLD.attendance_women OR NEW.attendance_poor IS NOT OLD.attendance_poor
  OR NEW.documents IS NOT OLD.documents
BEGIN SELECT RAISE(ABORT, 'a recorded step changes only by its one verification'); END;

CREATE TABLE community_criteria (
    kelurahan  TEXT PRIMARY KEY REFERENCES areas(code),
    criteria   TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE community_imports (
    id                INTEGER PRIMARY KEY,
    kelurahan         TEXT NOT NULL REFERENCES areas(code),
    households_file   TEXT NOT NULL,
    roster_file       TEXT NOT NULL,
    households_sha256 TEXT NOT NULL,
    roster_sha256     TEXT NOT NULL,
    households        INTEGER NOT NULL,
    members           INTEGER NOT NULL,
    created           INTEGER NOT NULL,
    updated           INTEGER NOT NULL,
    unchanged         INTEGER NOT NULL,
    imported_at       TEXT NOT NULL,
    imported_by       TEXT NOT NULL,
    UNIQUE (kelurahan, households_sha256, roster_sha256)
);

CREATE TABLE community_households (
    kelurahan  TEXT NOT NULL REFERENCES areas(code),
    id         TEXT NOT NULL,
    rt         TEXT NOT NULL REFERENCES areas(code),
    household  TEXT NOT NULL,
    import_id  INTEGER REFERENCES community_imports(id),
    updated_at TEXT NOT NULL,
    PRIMARY KEY (kelurahan, id)
);
CREATE INDEX community_households_rt ON community_households(kelurahan, rt);
"#,
    // 10: the BKM election: settings per kelurahan, polls (an RT's level 1,
    // a kelurahan's level 2 and its coordinator vote), the voter register
    // (a voted flag only: no time, no order), the two ballot entries (made
    // by two committee members) and the committee's resolutions of their
    // differences, groupings of written names, door-to-door collections,
    // tie decisions and published results (kept as they were).
    r#"
CREATE TABLE election_settings (
    kelurahan_code TEXT PRIMARY KEY REFERENCES areas(code),
    settings       TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);

CREATE TABLE election_polls (
    id             INTEGER PRIMARY KEY,
    level          TEXT NOT NULL CHECK (level IN ('rt', 'bkm', 'coordinator')),
    area_code      TEXT NOT NULL REFERENCES areas(code),
    kelurahan_code TEXT NOT NULL REFERENCES areas(code),
    held_on        TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    published_at   TEXT,
    term_start     TEXT,
    term_end       TEXT
);
CREATE INDEX election_polls_kelurahan ON election_polls(kelurahan_code, level, held_on);
CREATE INDEX election_polls_area ON election_polls(area_code);

-- The published polls a level-2 register (delegates) or a coordinator
-- vote's register (members) was taken from.
CREATE TABLE election_sources (
    poll   INTEGER NOT NULL REFERENCES election_polls(id),
    source INTEGER NOT NULL REFERENCES election_polls(id),
    PRIMARY KEY (poll, source)
) WITHOUT ROWID;

CREATE TABLE election_voters (
    id         INTEGER PRIMARY KEY,
    poll       INTEGER NOT NULL REFERENCES election_polls(id),
    name       TEXT NOT NULL,
    name_key   TEXT NOT NULL,
    sex        TEXT CHECK (sex IN ('female', 'male')),
    birth_date TEXT,
    age        INTEGER,
    married    INTEGER NOT NULL DEFAULT 0,
    eligible   INTEGER NOT NULL,
    voted      INTEGER NOT NULL DEFAULT 0,
    UNIQUE (poll, name_key)
);

CREATE TABLE election_ballots (
    poll       INTEGER NOT NULL REFERENCES election_polls(id),
    entry      TEXT NOT NULL CHECK (entry IN ('a', 'b')),
    ballot_id  TEXT NOT NULL,
    names      TEXT NOT NULL,
    entered_by TEXT NOT NULL,
    entered_at TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    PRIMARY KEY (poll, entry, ballot_id)
);
CREATE TRIGGER election_ballots_two_enterers BEFORE INSERT ON election_ballots
WHEN EXISTS (SELECT 1 FROM election_ballots
             WHERE poll = NEW.poll AND entry <> NEW.entry AND entered_by = NEW.entered_by)
BEGIN SELECT RAISE(ABORT, 'the two entries of a ballot box are made by two committee members'); END;

CREATE TABLE election_resolutions (
    poll        INTEGER NOT NULL REFERENCES election_polls(id),
    ballot_id   TEXT NOT NULL,
    names       TEXT,
    note        TEXT NOT NULL,
    resolved_by TEXT NOT NULL,
    resolved_at TEXT NOT NULL,
    PRIMARY KEY (poll, ballot_id)
);

CREATE TABLE election_groups (
    id           INTEGER PRIMARY KEY,
    poll         INTEGER NOT NULL REFERENCES election_polls(id),
    written      TEXT NOT NULL,
    written_key  TEXT NOT NULL,
    person       TEXT NOT NULL,
    confirmed_by TEXT NOT NULL,
    confirmed_at TEXT NOT NULL,
    UNIQUE (poll, written_key)
);

CREATE TABLE election_door_to_door (
    id          INTEGER PRIMARY KEY,
    poll        INTEGER NOT NULL REFERENCES election_polls(id),
    on_date     TEXT NOT NULL,
    note        TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);

CREATE TABLE election_ties (
    poll       INTEGER PRIMARY KEY REFERENCES election_polls(id),
    decision   TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    decided_at TEXT NOT NULL
);

CREATE TABLE election_results (
    poll          INTEGER PRIMARY KEY REFERENCES election_polls(id),
    published_at  TEXT NOT NULL,
    published_by  TEXT NOT NULL,
    snapshot      TEXT NOT NULL,
    ballots_csv   TEXT NOT NULL,
    groups_csv    TEXT NOT NULL,
    residents_csv TEXT,
    sha256        TEXT NOT NULL
);
CREATE TRIGGER election_results_no_update BEFORE UPDATE ON election_results
BEGIN SELECT RAISE(ABORT, 'a published result is kept as it was'); END;
CREATE TRIGGER election_results_no_delete BEFORE DELETE ON election_results
BEGIN SELECT RAISE(ABORT, 'a published result is kept as it was'); END;
"#,
    // 11: instalments weekly or fortnightly as well as monthly (each loan,
    // rescheduling and application keeps its own); per-day balances keyed
    // by day first, so that a day's postings across the city write a few
    // neighbouring pages rather than three pages per UPK, with an index
    // for the readers that ask per account and UPK; a loan's repayments
    // read from an index.
    r#"
ALTER TABLE fund_loans ADD COLUMN frequency TEXT NOT NULL DEFAULT 'monthly'
    CHECK (frequency IN ('monthly', 'fortnightly', 'weekly'));
ALTER TABLE fund_reschedules ADD COLUMN frequency TEXT NOT NULL DEFAULT 'monthly'
    CHECK (frequency IN ('monthly', 'fortnightly', 'weekly'));
ALTER TABLE fund_applications ADD COLUMN frequency TEXT NOT NULL DEFAULT 'monthly'
    CHECK (frequency IN ('monthly', 'fortnightly', 'weekly'));

CREATE TABLE fund_account_days_by_day (
    day     TEXT NOT NULL,
    upk_id  INTEGER NOT NULL,
    account TEXT NOT NULL,
    amount  INTEGER NOT NULL,
    PRIMARY KEY (day, upk_id, account)
) WITHOUT ROWID;
INSERT INTO fund_account_days_by_day (day, upk_id, account, amount)
SELECT day, upk_id, account, amount FROM fund_account_days ORDER BY day, upk_id, account;
DROP TABLE fund_account_days;
ALTER TABLE fund_account_days_by_day RENAME TO fund_account_days;
CREATE INDEX fund_account_days_account ON fund_account_days(account, upk_id, day);

-- A loan's repayments read from the index alone: one or two pages per
-- loan instead of a page per repayment when loans are posted at random.
DROP INDEX fund_repayments_loan;
CREATE INDEX fund_repayments_loan ON fund_repayments(loan, paid_on, amount);
"#,
    // 12: the election's two-member rules (issue 10, finding 1): a poll counts
    // with the settings frozen when it opened; a difference is resolved
    // by a member who made neither entry, and only a real difference; a
    // lot is confirmed by a second member; a result is published when a
    // second member confirms the proposal, with every ballot in both
    // entries. The store checks each first (`lumbung_community::election::
    // committee`); these triggers refuse whatever slips past.
    r#"
ALTER TABLE election_polls ADD COLUMN settings TEXT;
UPDATE election_polls SET settings = coalesce(
    (SELECT json_extract(r.snapshot, '$.settings') FROM election_results r
     WHERE r.poll = election_polls.id),
    (SELECT s.settings FROM election_settings s
     WHERE s.kelurahan_code = election_polls.kelurahan_code),
    '{}');
CREATE TRIGGER election_polls_settings_given BEFORE INSERT ON election_polls
WHEN NEW.settings IS NULL
BEGIN SELECT RAISE(ABORT, 'a poll keeps the settings it opened with'); END;
CREATE TRIGGER election_polls_settings_frozen BEFORE UPDATE OF settings ON election_polls
WHEN NEW.settings IS NOT OLD.settings
BEGIN SELECT RAISE(ABORT, 'a poll counts with the settings frozen when it opened'); END;

CREATE TRIGGER election_resolutions_third_member BEFORE INSERT ON election_resolutions
WHEN EXISTS (SELECT 1 FROM election_ballots WHERE poll = NEW.poll AND entered_by = NEW.resolved_by)
BEGIN SELECT RAISE(ABORT, 'a difference is resolved by a committee member who made neither entry'); END;
CREATE TRIGGER election_resolutions_third_member_update BEFORE UPDATE ON election_resolutions
WHEN EXISTS (SELECT 1 FROM election_ballots WHERE poll = NEW.poll AND entered_by = NEW.resolved_by)
BEGIN SELECT RAISE(ABORT, 'a difference is resolved by a committee member who made neither entry'); END;
CREATE TRIGGER election_ballots_not_by_a_resolver BEFORE INSERT ON election_ballots
WHEN EXISTS (SELECT 1 FROM election_resolutions WHERE poll = NEW.poll AND resolved_by = NEW.entered_by)
BEGIN SELECT RAISE(ABORT, 'a member who resolved differences makes no entry'); END;

-- Only a difference is resolved: not a ballot both entries hold with the
-- same names (lowercased, in any order), and a ballot missing from one
-- entry only as "not a ballot".
CREATE TRIGGER election_resolutions_differences_only BEFORE INSERT ON election_resolutions
WHEN (SELECT count(*) FROM election_ballots WHERE poll = NEW.poll AND ballot_id = NEW.ballot_id) = 2
 AND (SELECT group_concat(k, char(31)) FROM (
        SELECT lower(trim(j.value)) AS k FROM election_ballots b, json_each(b.names) j
        WHERE b.poll = NEW.poll AND b.ballot_id = NEW.ballot_id AND b.entry = 'a' ORDER BY k))
  IS (SELECT group_concat(k, char(31)) FROM (
        SELECT lower(trim(j.value)) AS k FROM election_ballots b, json_each(b.names) j
        WHERE b.poll = NEW.poll AND b.ballot_id = NEW.ballot_id AND b.entry = 'b' ORDER BY k))
BEGIN SELECT RAISE(ABORT, 'entries A and B agree on this ballot: there is nothing to resolve'); END;
CREATE TRIGGER election_resolutions_differences_only_update BEFORE UPDATE ON election_resolutions
WHEN (SELECT count(*) FROM election_ballots WHERE poll = NEW.poll AND ballot_id = NEW.ballot_id) = 2
 AND (SELECT group_concat(k, char(31)) FROM (
        SELECT lower(trim(j.value)) AS k FROM election_ballots b, json_each(b.names) j
        WHERE b.poll = NEW.poll AND b.ballot_id = NEW.ballot_id AND b.entry = 'a' ORDER BY k))
  IS (SELECT group_concat(k, char(31)) FROM (
        SELECT lower(trim(j.value)) AS k FROM election_ballots b, json_each(b.names) j
        WHERE b.poll = NEW.poll AND b.ballot_id = NEW.ballot_id AND b.entry = 'b' ORDER BY k))
BEGIN SELECT RAISE(ABORT, 'entries A and B agree on this ballot: there is nothing to resolve'); END;
CREATE TRIGGER election_resolutions_missing_not_named BEFORE INSERT ON election_resolutions
WHEN NEW.names IS NOT NULL
 AND (SELECT count(*) FROM election_ballots WHERE poll = NEW.poll AND ballot_id = NEW.ballot_id) < 2
BEGIN SELECT RAISE(ABORT, 'a ballot missing from one entry is entered by that entry''s maker'); END;
CREATE TRIGGER election_resolutions_missing_not_named_update BEFORE UPDATE ON election_resolutions
WHEN NEW.names IS NOT NULL
 AND (SELECT count(*) FROM election_ballots WHERE poll = NEW.poll AND ballot_id = NEW.ballot_id) < 2
BEGIN SELECT RAISE(ABORT, 'a ballot missing from one entry is entered by that entry''s maker'); END;

-- A lot's winners count once a second member confirms them.
ALTER TABLE election_ties ADD COLUMN confirmed_by TEXT;
ALTER TABLE election_ties ADD COLUMN confirmed_at TEXT;
CREATE TRIGGER election_ties_second_member BEFORE UPDATE ON election_ties
WHEN NEW.confirmed_by = NEW.decided_by
BEGIN SELECT RAISE(ABORT, 'a tie decision is confirmed by a second committee member'); END;
CREATE TRIGGER election_ties_second_member_insert BEFORE INSERT ON election_ties
WHEN NEW.confirmed_by IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'a tie decision is confirmed by a second committee member'); END;

-- Publishing: proposed by one member, confirmed by another, for the count
-- as it stood when proposed (its SHA-256).
CREATE TABLE election_publications (
    poll         INTEGER PRIMARY KEY REFERENCES election_polls(id),
    proposed_by  TEXT NOT NULL,
    proposed_at  TEXT NOT NULL,
    count_sha256 TEXT NOT NULL,
    confirmed_by TEXT,
    confirmed_at TEXT,
    CHECK (confirmed_by IS NULL OR confirmed_by <> proposed_by),
    CHECK ((confirmed_by IS NULL) = (confirmed_at IS NULL))
);
CREATE TRIGGER election_publications_kept BEFORE UPDATE ON election_publications
WHEN OLD.confirmed_by IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'a confirmed publication is kept as it was'); END;
CREATE TRIGGER election_publications_kept_delete BEFORE DELETE ON election_publications
WHEN OLD.confirmed_by IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'a confirmed publication is kept as it was'); END;
CREATE TRIGGER election_results_confirmed BEFORE INSERT ON election_results
WHEN NOT EXISTS (SELECT 1 FROM election_publications
                 WHERE poll = NEW.poll AND confirmed_by = NEW.published_by
                   AND confirmed_by <> proposed_by)
BEGIN SELECT RAISE(ABORT, 'a result is published when a second committee member confirms it'); END;
CREATE TRIGGER election_results_double_entry BEFORE INSERT ON election_results
WHEN NOT EXISTS (SELECT 1 FROM election_ballots WHERE poll = NEW.poll AND entry = 'a')
  OR NOT EXISTS (SELECT 1 FROM election_ballots WHERE poll = NEW.poll AND entry = 'b')
  OR EXISTS (SELECT 1 FROM election_ballots x WHERE x.poll = NEW.poll
       AND NOT EXISTS (SELECT 1 FROM election_ballots y
                       WHERE y.poll = x.poll AND y.entry <> x.entry AND y.ballot_id = x.ballot_id)
       AND NOT EXISTS (SELECT 1 FROM election_resolutions r
                       WHERE r.poll = x.poll AND r.ballot_id = x.ballot_id AND r.names IS NULL))
BEGIN SELECT RAISE(ABORT, 'every ballot is entered twice, by two committee members, before publishing'); END;
CREATE TRIGGER election_results_lot_confirmed BEFORE INSERT ON election_results
WHEN EXISTS (SELECT 1 FROM election_ties WHERE poll = NEW.poll
             AND json_extract(decision, '$.rule') = 'lot' AND confirmed_by IS NULL)
BEGIN SELECT RAISE(ABORT, 'a lot is confirmed by a second committee member before publishing'); END;
"#,
    // 13: a per-day balance that would leave the integer range is refused
    // (SQLite would turn the sum into an inexact REAL and break the books).
    r#"
CREATE TRIGGER fund_account_days_integer_insert BEFORE INSERT ON fund_account_days
WHEN typeof(NEW.amount) <> 'integer'
BEGIN SELECT RAISE(ABORT, 'fund_account_days: a balance too large to keep'); END;
CREATE TRIGGER fund_account_days_integer_update BEFORE UPDATE ON fund_account_days
WHEN typeof(NEW.amount) <> 'integer'
BEGIN SELECT RAISE(ABORT, 'fund_account_days: a balance too large to keep'); END;
"#,
    // 14: a loan application remembers the form it came from, so that a
    // second click on the same form records nothing twice.
    r#"
ALTER TABLE fund_applications ADD COLUMN form_key TEXT;
CREATE UNIQUE INDEX fund_applications_form_key ON fund_applications(ksm_id, form_key);
"#,
    // 15: rows an import skipped as damaged (`--skip-bad-rows`), as read.
    r#"
CREATE TABLE spend_bad_rows (
    import_id INTEGER NOT NULL REFERENCES spend_imports(id) ON DELETE CASCADE,
    line      INTEGER NOT NULL,
    text      TEXT NOT NULL,
    amount    INTEGER,
    reason    TEXT NOT NULL,
    reason_id TEXT NOT NULL
);
CREATE INDEX spend_bad_rows_import ON spend_bad_rows(import_id);
"#,
    // 16: registers that locate suppliers (Companies House, an anchor's
    // vendor master), the analyst's decisions on their matches, where a
    // register placed each supplier, and each anchor's fiscal calendar.
    r#"
CREATE TABLE register_companies (
    number   TEXT PRIMARY KEY,
    name     TEXT NOT NULL,
    name_key TEXT NOT NULL,
    postcode TEXT,
    status   TEXT NOT NULL,
    active   INTEGER NOT NULL,
    sic      TEXT
);
CREATE INDEX register_companies_name ON register_companies(name_key) WHERE active = 1;
CREATE TABLE register_vendors (
    anchor_id      INTEGER NOT NULL REFERENCES organisations(id),
    supplier_ref   TEXT NOT NULL,
    name           TEXT NOT NULL,
    name_key       TEXT NOT NULL,
    postcode       TEXT,
    company_number TEXT,
    sic            TEXT,
    sme            INTEGER,
    PRIMARY KEY (anchor_id, supplier_ref)
);
CREATE INDEX register_vendors_ref ON register_vendors(supplier_ref);
CREATE INDEX register_vendors_name ON register_vendors(name_key);
CREATE TABLE register_imports (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    anchor_id   INTEGER REFERENCES organisations(id),
    file_name   TEXT NOT NULL,
    rows_read   INTEGER NOT NULL,
    imported_at TEXT NOT NULL,
    imported_by TEXT NOT NULL
);
CREATE TABLE supplier_register_matches (
    supplier_id    INTEGER NOT NULL REFERENCES suppliers(id),
    company_number TEXT NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('ambiguous', 'suggested', 'confirmed', 'rejected')),
    similarity     REAL,
    decided_by     TEXT,
    PRIMARY KEY (supplier_id, company_number)
);
ALTER TABLE suppliers ADD COLUMN company_number TEXT;
ALTER TABLE suppliers ADD COLUMN located_by TEXT;
ALTER TABLE suppliers ADD COLUMN located_ref TEXT;
ALTER TABLE suppliers ADD COLUMN located_postcode TEXT;
ALTER TABLE suppliers ADD COLUMN located_sector INTEGER;
ALTER TABLE suppliers ADD COLUMN located_sme INTEGER;
ALTER TABLE organisations ADD COLUMN fiscal_year_start INTEGER;
"#,
    // 17: see `procurement::schema`.
    crate::procurement::schema::OCDS,
    // 18: see `procurement::schema`.
    crate::procurement::schema::BUSINESS_BASE,
    // 19: see `procurement::schema`.
    crate::procurement::schema::CONTRACT_ROWS,
    // 20: see `procurement::schema`.
    crate::procurement::schema::SUPPLIERS_BY_COMPANY_NUMBER,
    // 21: see `procurement::schema`.
    crate::procurement::schema::PROCESS_FACTS,
    // 22: see `procurement::schema`.
    crate::procurement::schema::PROXY_SETS,
    // 23: see `procurement::schema`.
    crate::procurement::schema::EVALUATIONS,
    // 24: see `procurement::schema`.
    crate::procurement::schema::ASSESSMENTS,
    // 25: see `procurement::schema`.
    crate::procurement::schema::SCENARIOS,
    // 26: see `procurement::schema`.
    crate::procurement::schema::CHARTERS,
    // 27: see `procurement::schema`.
    crate::procurement::schema::RESPEND_SURVEYS,
    // 28: the P2KP programme's grants and activities, per kelurahan and
    // programme: each a version (a changed row of a later file is a new
    // version beside the old, never an edit), the files imported (the
    // same bytes twice change nothing) with what they flagged for review;
    // programmes and implementers are created by name on first use.
    r#"
CREATE TABLE programmes (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    name_key   TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);
CREATE TABLE programme_imports (
    id          INTEGER PRIMARY KEY,
    what        TEXT NOT NULL,
    file        TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    rows        INTEGER NOT NULL,
    flags       TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    imported_by TEXT NOT NULL,
    UNIQUE (what, fingerprint)
);
CREATE TABLE programme_grants (
    id           INTEGER PRIMARY KEY,
    area_code    TEXT NOT NULL REFERENCES areas(code),
    programme_id INTEGER NOT NULL REFERENCES programmes(id),
    tranche      INTEGER NOT NULL,
    version      INTEGER NOT NULL,
    date         TEXT NOT NULL,
    amount       INTEGER NOT NULL,
    import_id    INTEGER NOT NULL REFERENCES programme_imports(id),
    line         INTEGER NOT NULL,
    UNIQUE (area_code, programme_id, tranche, version)
);
CREATE TABLE programme_implementers (
    id        INTEGER PRIMARY KEY,
    area_code TEXT NOT NULL REFERENCES areas(code),
    name      TEXT NOT NULL,
    name_key  TEXT NOT NULL,
    UNIQUE (area_code, name_key)
);
CREATE TABLE programme_activities (
    id                INTEGER PRIMARY KEY,
    area_code         TEXT NOT NULL REFERENCES areas(code),
    programme_id      INTEGER NOT NULL REFERENCES programmes(id),
    year              INTEGER NOT NULL,
    name              TEXT NOT NULL,
    name_key          TEXT NOT NULL,
    version           INTEGER NOT NULL,
    kind              TEXT NOT NULL,
    implementer_id    INTEGER NOT NULL REFERENCES programme_implementers(id),
    blm               INTEGER NOT NULL,
    spent             INTEGER NOT NULL,
    swadaya_cash      INTEGER NOT NULL,
    labour_days       INTEGER NOT NULL,
    wage              INTEGER NOT NULL,
    swadaya_materials INTEGER NOT NULL,
    other_funds       INTEGER NOT NULL,
    beneficiaries     INTEGER NOT NULL,
    poor              INTEGER NOT NULL,
    women             INTEGER NOT NULL,
    progress          INTEGER NOT NULL,
    import_id         INTEGER NOT NULL REFERENCES programme_imports(id),
    line              INTEGER NOT NULL,
    UNIQUE (area_code, programme_id, year, name_key, version)
);
"#,
    // 29: the economic allocation posted as BLM capital to the UPK's
    // journal: each posting of a difference (received or returned), the
    // journal entry it is, and the import that made it.
    r#"
CREATE TABLE programme_capital (
    id           INTEGER PRIMARY KEY,
    area_code    TEXT NOT NULL REFERENCES areas(code),
    programme_id INTEGER NOT NULL REFERENCES programmes(id),
    year         INTEGER NOT NULL,
    upk_id       INTEGER NOT NULL REFERENCES organisations(id),
    amount       INTEGER NOT NULL,
    journal_seq  INTEGER NOT NULL REFERENCES fund_journal(sequence),
    import_id    INTEGER NOT NULL REFERENCES programme_imports(id)
);
CREATE INDEX programme_capital_key ON programme_capital(area_code, programme_id, year);
"#,
    // 30: public boards as published (frozen: never updated nor
    // deleted), and complaints (PPM) with their append-only events and the
    // deadlines set per area. A complainant's name and contact are kept
    // only when not anonymous; the tracking code only as its hash.
    r#"
CREATE TABLE boards (
    id           INTEGER PRIMARY KEY,
    area_code    TEXT NOT NULL REFERENCES areas(code),
    as_of        TEXT NOT NULL,
    published_at TEXT NOT NULL,
    published_by TEXT NOT NULL,
    body         TEXT NOT NULL,
    sha256       TEXT NOT NULL
);
CREATE INDEX boards_area ON boards(area_code, id);
CREATE TRIGGER boards_never_change BEFORE UPDATE ON boards
BEGIN SELECT RAISE(ABORT, 'a published board never changes'); END;
CREATE TRIGGER boards_never_go BEFORE DELETE ON boards
BEGIN SELECT RAISE(ABORT, 'a published board is never deleted'); END;
CREATE TABLE complaints (
    id            INTEGER PRIMARY KEY,
    area_code     TEXT NOT NULL REFERENCES areas(code),
    tracking_hash TEXT NOT NULL UNIQUE,
    category      TEXT NOT NULL,
    subject       TEXT NOT NULL,
    channel       TEXT NOT NULL,
    body          TEXT NOT NULL,
    name          TEXT,
    contact       TEXT,
    language      TEXT NOT NULL,
    received_on   TEXT NOT NULL,
    received_at   TEXT NOT NULL,
    entered_by    TEXT
);
CREATE INDEX complaints_area ON complaints(area_code, received_on);
CREATE TABLE complaint_events (
    id           INTEGER PRIMARY KEY,
    complaint_id INTEGER NOT NULL REFERENCES complaints(id),
    on_date      TEXT NOT NULL,
    at           TEXT NOT NULL,
    by_user      TEXT NOT NULL,
    status       TEXT NOT NULL,
    reply        TEXT NOT NULL
);
CREATE INDEX complaint_events_of ON complaint_events(complaint_id, id);
CREATE TABLE complaint_settings (
    area_code    TEXT PRIMARY KEY REFERENCES areas(code),
    answer_days  INTEGER NOT NULL,
    resolve_days INTEGER NOT NULL,
    set_at       TEXT NOT NULL,
    set_by       TEXT NOT NULL
);
"#,
    // 31: the kelurahan's plans (PJM Pronangkis, annual) as versions, each
    // with its activities; the BKM's approval of a version (append-only);
    // each programme's tranche rules.
    r#"
CREATE TABLE programme_plans (
    id          INTEGER PRIMARY KEY,
    area_code   TEXT NOT NULL REFERENCES areas(code),
    kind        TEXT NOT NULL,
    first_year  INTEGER NOT NULL,
    last_year   INTEGER NOT NULL,
    version     INTEGER NOT NULL,
    musrenbang  TEXT NOT NULL,
    spkd        TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    import_id   INTEGER NOT NULL REFERENCES programme_imports(id),
    made_at     TEXT NOT NULL,
    made_by     TEXT NOT NULL,
    UNIQUE (area_code, kind, first_year, version)
);
CREATE TABLE programme_plan_activities (
    plan_id          INTEGER NOT NULL REFERENCES programme_plans(id),
    position         INTEGER NOT NULL,
    name             TEXT NOT NULL,
    name_key         TEXT NOT NULL,
    kind             TEXT NOT NULL,
    problem          TEXT NOT NULL,
    location         TEXT NOT NULL,
    poor_households  INTEGER NOT NULL,
    women            INTEGER NOT NULL,
    cost             INTEGER NOT NULL,
    blm              INTEGER NOT NULL,
    swadaya          INTEGER NOT NULL,
    government       INTEGER NOT NULL,
    companies        INTEGER NOT NULL,
    other_programmes INTEGER NOT NULL,
    schedule         TEXT NOT NULL,
    responsible      TEXT NOT NULL,
    PRIMARY KEY (plan_id, position)
);
CREATE TABLE programme_plan_approvals (
    plan_id     INTEGER PRIMARY KEY REFERENCES programme_plans(id),
    approved_at TEXT NOT NULL,
    approved_by TEXT NOT NULL
);
CREATE TRIGGER programme_plans_never_change BEFORE UPDATE ON programme_plans
BEGIN SELECT RAISE(ABORT, 'a plan changes only by a new version'); END;
CREATE TRIGGER programme_plan_activities_never_change BEFORE UPDATE ON programme_plan_activities
BEGIN SELECT RAISE(ABORT, 'a plan changes only by a new version'); END;
CREATE TABLE programme_rules (
    programme_id           INTEGER PRIMARY KEY REFERENCES programmes(id),
    plan_required          INTEGER NOT NULL,
    previous_spent_percent INTEGER NOT NULL,
    set_at                 TEXT NOT NULL,
    set_by                 TEXT NOT NULL
);
"#,
    // 32: proposals of KSM and panitia for BLM, and the BKM's decision on
    // each (once; append-only).
    r#"
CREATE TABLE programme_proposals (
    id          INTEGER PRIMARY KEY,
    area_code   TEXT NOT NULL REFERENCES areas(code),
    year        INTEGER NOT NULL,
    activity    TEXT NOT NULL,
    activity_key TEXT NOT NULL,
    implementer TEXT NOT NULL,
    requested   INTEGER NOT NULL,
    poor        INTEGER NOT NULL,
    women       INTEGER NOT NULL,
    made_at     TEXT NOT NULL,
    made_by     TEXT NOT NULL
);
CREATE INDEX programme_proposals_area ON programme_proposals(area_code, activity_key);
CREATE TABLE programme_proposal_decisions (
    proposal_id INTEGER PRIMARY KEY REFERENCES programme_proposals(id),
    decision    TEXT NOT NULL,
    decided_at  TEXT NOT NULL,
    decided_by  TEXT NOT NULL
);
CREATE TRIGGER programme_proposals_never_change BEFORE UPDATE ON programme_proposals
BEGIN SELECT RAISE(ABORT, 'a proposal is never edited'); END;
CREATE TRIGGER programme_proposal_decisions_never_change BEFORE UPDATE ON programme_proposal_decisions
BEGIN SELECT RAISE(ABORT, 'a decision is never edited'); END;
"#,
    // 33: each programme's tranche shares (percent, comma-separated; empty:
    // not set).
    r#"
ALTER TABLE programme_rules ADD COLUMN shares TEXT NOT NULL DEFAULT '';
"#,
    // 34: see `partnerships::schema`.
    crate::partnerships::schema::PARTNERSHIPS,
    // 35: see `partnerships::schema`.
    crate::partnerships::schema::INVEST_PROJECTS,
    // 36: see `partnerships::schema`.
    crate::partnerships::schema::COOPERATIVE_ECONOMY,
    // 37: see `partnerships::schema`.
    crate::partnerships::schema::CAPITALS,
    // 38: see `partnerships::schema`.
    crate::partnerships::schema::COOP_MEMBERS,
    // 39: compiled releases are no longer kept: `procurement release`
    // compiles a process from its releases when asked, and an import
    // writes only what the reports read.
    r#"
DROP TABLE ocds_compiled;
"#,
    // 40: uses counted in sliding windows (failed sign-ins, public forms),
    // shared by every server of the database (`limits.rs`).
    r#"
CREATE TABLE limit_uses (
    id     INTEGER PRIMARY KEY,
    bucket TEXT NOT NULL,
    key    TEXT NOT NULL,
    at     INTEGER NOT NULL
);
CREATE INDEX limit_uses_key ON limit_uses(bucket, key);
CREATE INDEX limit_uses_at ON limit_uses(bucket, at);
"#,
    // 41: names sorted and searched by lower(name), as both databases
    // can (SQLite's NOCASE collation is its own); households keep the
    // order they were entered in a column of their own, not SQLite's rowid.
    r#"
ALTER TABLE community_households ADD COLUMN seq INTEGER;
UPDATE community_households SET seq = rowid;
CREATE INDEX community_households_seq ON community_households(seq);
DROP INDEX areas_name;
CREATE INDEX areas_name ON areas(lower(name));
DROP INDEX organisations_name;
CREATE INDEX organisations_name ON organisations(lower(name));
"#,
    // 42: files uploaded through the web app waiting for their uploader's
    // confirmation, and the imports started from them, kept in the
    // database so that every server of it sees them (`work.rs`).
    r#"
CREATE TABLE web_uploads (
    seq        INTEGER PRIMARY KEY,
    token      TEXT NOT NULL UNIQUE,
    owner      INTEGER NOT NULL REFERENCES users(id),
    file_name  TEXT NOT NULL,
    anchor     TEXT NOT NULL,
    anchor_id  INTEGER,
    year       TEXT NOT NULL,
    locale     TEXT NOT NULL,
    bytes      BLOB NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX web_uploads_owner ON web_uploads(owner);
CREATE TABLE web_jobs (
    seq         INTEGER PRIMARY KEY,
    token       TEXT NOT NULL UNIQUE,
    owner       INTEGER NOT NULL REFERENCES users(id),
    file_name   TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('running', 'done', 'failed')),
    summary     TEXT,
    notes_id    TEXT,
    problems    TEXT,
    started_at  INTEGER NOT NULL,
    finished_at INTEGER
);
CREATE INDEX web_jobs_owner ON web_jobs(owner);
"#,
    // 43: the fund journal's entries from here on chain per UPK (see
    // `lumbung_fund::journal::upk_genesis`): the first sequence so chained,
    // kept only when entries came before (none: every entry is).
    r#"
CREATE TABLE fund_chains (
    one          INTEGER PRIMARY KEY CHECK (one = 1),
    per_upk_from INTEGER NOT NULL
);
INSERT INTO fund_chains (one, per_upk_from)
SELECT 1, max(sequence) + 1 FROM fund_journal HAVING count(*) > 0;
CREATE TRIGGER fund_chains_no_update BEFORE UPDATE ON fund_chains
BEGIN SELECT RAISE(ABORT, 'where the journal''s chains begin is fixed'); END;
CREATE TRIGGER fund_chains_no_delete BEFORE DELETE ON fund_chains
BEGIN SELECT RAISE(ABORT, 'where the journal''s chains begin is fixed'); END;
"#,
    // 44: how often the postcode map or the areas changed, counted by
    // triggers so that every server of the database sees it: a server
    // keeps the map of prefixes to area paths until the count moves
    // (`Store::postcode_paths`).
    concat!(
        "CREATE TABLE cache_versions (
    name    TEXT PRIMARY KEY,
    version INTEGER NOT NULL
);
",
        counts_changes!("postcode_prefixes", "postcode_map"),
        counts_changes!("areas", "postcode_map"),
    ),
    // 45: those triggers, one upsert a row, doubled an import of the areas:
    // the store counts the change once a transaction instead.
    "DROP TRIGGER postcode_prefixes_insert_version;
     DROP TRIGGER postcode_prefixes_update_version;
     DROP TRIGGER postcode_prefixes_delete_version;
     DROP TRIGGER areas_insert_version;
     DROP TRIGGER areas_update_version;
     DROP TRIGGER areas_delete_version;",
    // 46: the repayments packed in blocks for the reports
    // (`fund::packed`), kept as they are written.
    r#"
CREATE TABLE fund_repayment_blocks (
    first_id  INTEGER PRIMARY KEY,
    last_id   INTEGER NOT NULL,
    row_count INTEGER NOT NULL,
    data      BLOB NOT NULL
);
CREATE TRIGGER fund_repayment_blocks_no_update BEFORE UPDATE ON fund_repayment_blocks
BEGIN SELECT RAISE(ABORT, 'packed repayments are kept as written'); END;
CREATE TRIGGER fund_repayment_blocks_no_delete BEFORE DELETE ON fund_repayment_blocks
BEGIN SELECT RAISE(ABORT, 'packed repayments are kept as written'); END;
"#,
    // 47: no query looks a repayment up by its journal entry (the entry is
    // found from the repayment): the index only cost 15 bytes a repayment
    // and an update with each one posted.
    "DROP INDEX fund_repayments_journal;",
    // 48: entries are kept compact from here on (`lumbung_fund::journal::
    // compact`): the entry in a few dozen bytes, its hash as its 32 bytes,
    // its key as `compact::key_column` (the JSON, the hex and the key
    // twice were four fifths of a city's database). Entries
    // before stay as they were (every hash holds); their keys, held as
    // text, are looked up as text too: from which sequence on none is.
    r#"
CREATE TABLE fund_text_keys (
    one             INTEGER PRIMARY KEY CHECK (one = 1),
    before_sequence INTEGER NOT NULL
);
INSERT INTO fund_text_keys (one, before_sequence)
SELECT 1, max(sequence) + 1 FROM fund_journal HAVING count(*) > 0;
CREATE TRIGGER fund_text_keys_no_update BEFORE UPDATE ON fund_text_keys
BEGIN SELECT RAISE(ABORT, 'where the journal''s text keys end is fixed'); END;
CREATE TRIGGER fund_text_keys_no_delete BEFORE DELETE ON fund_text_keys
BEGIN SELECT RAISE(ABORT, 'where the journal''s text keys end is fixed'); END;
"#,
    // 49: a ballot entered numbers itself after the poll's last one, and
    // its trigger looks for the other entry's maker: without these, each
    // scanned the whole poll, so a batch of ballots took quadratic time
    // under the write lock (60,000 ballots: minutes of every write
    // waiting).
    "CREATE INDEX election_ballots_seq ON election_ballots (poll, seq);
     CREATE INDEX election_ballots_makers ON election_ballots (poll, entered_by);",
    // 50: see `procurement::schema`.
    crate::procurement::schema::RELEASE_BLOCKS,
    // 51: see `procurement::schema`.
    crate::procurement::schema::DROP_RELEASE_ROWS,
    // 52: a password an admin set (a new account's, a reset) is the
    // account's only until its owner chooses one: the admin who made both
    // a UPK's and a BKM's accounts would otherwise hold both sides of
    // every loan's approval.
    "ALTER TABLE users ADD COLUMN password_temporary INTEGER NOT NULL DEFAULT 0;",
    // 53: a charter's awards ask whether each supplier is a co-operative
    // or social enterprise of the business base; without this, each award
    // row scanned the whole base.
    "CREATE INDEX businesses_supplier ON businesses(supplier_id);",
    // 54: see `partnerships::schema`.
    crate::partnerships::schema::INVEST_PROJECTS_BY_AREA,
    // 55: see `procurement::schema`.
    crate::procurement::schema::AWARDS_IN_PROCESSES,
    // 56, 57: see `procurement::schema`.
    crate::procurement::schema::RELEASE_CHUNKS,
    crate::procurement::schema::DROP_RELEASE_BLOCKS,
    // 58: BLM capital had been posted to the UPKs' books in hundredths of
    // a rupiah; each such entry is reversed and posted again in rupiah
    // (`programme::correct_capital_scale`), the pair noted here.
    r#"
CREATE TABLE programme_capital_corrections (
    journal_seq  INTEGER PRIMARY KEY REFERENCES fund_journal(sequence),
    reversal_seq INTEGER REFERENCES fund_journal(sequence),
    repost_seq   INTEGER REFERENCES fund_journal(sequence)
);
CREATE TRIGGER programme_capital_corrections_no_update BEFORE UPDATE ON programme_capital_corrections
BEGIN SELECT RAISE(ABORT, 'corrections are kept as made'); END;
CREATE TRIGGER programme_capital_corrections_no_delete BEFORE DELETE ON programme_capital_corrections
BEGIN SELECT RAISE(ABORT, 'corrections are kept as made'); END;
"#,
];

mod postgres;
pub use postgres::{PG_BASE, PG_BASELINE, PG_MIGRATIONS};

#[cfg(test)]
mod tests {
    #[test]
    fn every_migration_has_its_postgresql_twin() {
        assert_eq!(
            super::PG_BASELINE + super::PG_MIGRATIONS.len(),
            super::MIGRATIONS.len(),
            "a SQLite migration was added without its PostgreSQL text in PG_MIGRATIONS"
        );
    }
}
