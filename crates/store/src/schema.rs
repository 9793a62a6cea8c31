//! Versioned migrations. `PRAGMA user_version` holds the number of
//! migrations applied; each runs in its own transaction. Never edit a
//! migration that has shipped: add the next one.

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
];
