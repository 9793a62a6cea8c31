//! The migrations of the procurement domain (issue 14 and after), listed in
//! `schema::MIGRATIONS` by number: never edited, only appended.

/// 17: public contracts in OCDS: every release as published, and each
/// process's compiled release.
pub(crate) const OCDS: &str = r#"
CREATE TABLE ocds_imports (
    id          INTEGER PRIMARY KEY,
    file_name   TEXT NOT NULL,
    releases    INTEGER NOT NULL,
    skipped     INTEGER NOT NULL,
    imported_at TEXT NOT NULL,
    imported_by TEXT NOT NULL
);
CREATE TABLE ocds_releases (
    id           INTEGER PRIMARY KEY,
    ocid         TEXT NOT NULL,
    identity     TEXT NOT NULL,
    release_date TEXT NOT NULL,
    release      TEXT NOT NULL,
    import_id    INTEGER NOT NULL REFERENCES ocds_imports(id),
    UNIQUE (ocid, identity)
);
CREATE TABLE ocds_processes (
    ocid     TEXT PRIMARY KEY,
    compiled TEXT NOT NULL
);
"#;

/// 18: the local business base: each business an organisation of the
/// registry, its current record, its identifiers, the supplier of the
/// spend analysis it is, and every earlier record.
pub(crate) const BUSINESS_BASE: &str = r#"
CREATE TABLE businesses (
    id          INTEGER PRIMARY KEY,
    org_id      INTEGER NOT NULL UNIQUE REFERENCES organisations(id),
    name_key    TEXT NOT NULL,
    record      TEXT NOT NULL,
    source      TEXT,
    supplier_id INTEGER REFERENCES suppliers(id),
    updated_at  TEXT NOT NULL
);
CREATE INDEX businesses_name_key ON businesses(name_key);
CREATE TABLE business_identifiers (
    scheme      TEXT NOT NULL,
    value       TEXT NOT NULL,
    business_id INTEGER NOT NULL REFERENCES businesses(id),
    PRIMARY KEY (scheme, value)
);
CREATE TABLE business_history (
    id          INTEGER PRIMARY KEY,
    business_id INTEGER NOT NULL REFERENCES businesses(id),
    record      TEXT NOT NULL,
    source      TEXT,
    file_name   TEXT NOT NULL,
    replaced_at TEXT NOT NULL
);
"#;

/// 19: what each compiled release says, typed for the report and the
/// business pages: the process's buyer, date and tender; its awards;
/// each award's suppliers, resolved to the spend analysis's catalogue.
/// Open tenders (from OCDS or entered by hand) and the outbox of notices
/// to consenting local businesses. The compiled releases held are
/// recompiled into these tables after this migration (see `migrate`).
pub(crate) const CONTRACT_ROWS: &str = r#"
ALTER TABLE ocds_processes ADD COLUMN buyer TEXT;
ALTER TABLE ocds_processes ADD COLUMN date TEXT NOT NULL DEFAULT '';
ALTER TABLE ocds_processes ADD COLUMN tender_status TEXT;
ALTER TABLE ocds_processes ADD COLUMN releases INTEGER NOT NULL DEFAULT 0;
CREATE TABLE ocds_awards (
    ocid      TEXT NOT NULL REFERENCES ocds_processes(ocid),
    position  INTEGER NOT NULL,
    award_id  TEXT,
    status    TEXT,
    date      TEXT NOT NULL,
    currency  TEXT,
    amount    INTEGER,
    PRIMARY KEY (ocid, position)
);
CREATE TABLE ocds_award_suppliers (
    ocid           TEXT NOT NULL,
    award_position INTEGER NOT NULL,
    position       INTEGER NOT NULL,
    party_key      TEXT NOT NULL,
    name           TEXT NOT NULL,
    postcode       TEXT,
    scale          TEXT,
    identifier     TEXT,
    supplier_id    INTEGER NOT NULL REFERENCES suppliers(id),
    PRIMARY KEY (ocid, award_position, position)
);
CREATE INDEX ocds_award_suppliers_supplier ON ocds_award_suppliers(supplier_id);
CREATE TABLE tenders (
    id          INTEGER PRIMARY KEY,
    ocid        TEXT UNIQUE,
    anchor_id   INTEGER REFERENCES organisations(id),
    buyer       TEXT,
    title       TEXT NOT NULL,
    cpv         TEXT NOT NULL,
    sectors     TEXT NOT NULL DEFAULT '',
    lots        INTEGER NOT NULL DEFAULT 0,
    currency    TEXT,
    value       INTEGER,
    closes_on   TEXT,
    status      TEXT NOT NULL,
    entered_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX tenders_anchor ON tenders(anchor_id);
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY,
    tender_id   INTEGER NOT NULL REFERENCES tenders(id),
    business_id INTEGER NOT NULL REFERENCES businesses(id),
    email       TEXT NOT NULL,
    language    TEXT NOT NULL,
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    queued_at   TEXT NOT NULL,
    queued_by   TEXT NOT NULL,
    sent_at     TEXT,
    sent_by     TEXT,
    UNIQUE (tender_id, business_id)
);
"#;

/// 20: awarded suppliers are found by company number (a scan of the
/// catalogue per party made a city's import quadratic); the compiled
/// releases move to a table of their own, so that the report reads the
/// narrow rows of the processes without paging through them.
pub(crate) const SUPPLIERS_BY_COMPANY_NUMBER: &str = r#"
CREATE INDEX suppliers_company_number ON suppliers(company_number);
CREATE TABLE ocds_compiled (
    ocid     TEXT PRIMARY KEY REFERENCES ocds_processes(ocid),
    compiled TEXT NOT NULL
);
INSERT INTO ocds_compiled (ocid, compiled) SELECT ocid, compiled FROM ocds_processes;
ALTER TABLE ocds_processes DROP COLUMN compiled;
"#;

/// 21: each process keeps what the report reads as a few bytes
/// (`contracts::Facts`), so that a city's report reads one short row per
/// process; the processes held are derived again to write them (see
/// `after_migration`).
pub(crate) const PROCESS_FACTS: &str = r#"
ALTER TABLE ocds_processes ADD COLUMN facts BLOB;
"#;

/// 22: social-value proxy sets, loaded as configuration; each import of
/// another set is kept beside the earlier ones, so that an evaluation
/// can name the set it was weighed with.
pub(crate) const PROXY_SETS: &str = r#"
CREATE TABLE sv_proxy_sets (
    id          INTEGER PRIMARY KEY,
    file_name   TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    imported_by TEXT NOT NULL
);
CREATE TABLE sv_proxies (
    set_id      INTEGER NOT NULL REFERENCES sv_proxy_sets(id),
    position    INTEGER NOT NULL,
    measure     TEXT NOT NULL,
    outcome     TEXT NOT NULL,
    unit        TEXT NOT NULL,
    proxy_value TEXT NOT NULL,
    description TEXT,
    PRIMARY KEY (set_id, position)
);
"#;

/// 23: a tender's evaluations, each change a new version beside the
/// old ones (never an edit), weighed with the proxy set it names; the
/// award (once per tender: who decided, on which version, why); and
/// the winner's promised social value as delivered, a mistaken report
/// reversed by a negated one.
pub(crate) const EVALUATIONS: &str = r#"
CREATE TABLE sv_evaluations (
    id             INTEGER PRIMARY KEY,
    tender_id      INTEGER NOT NULL REFERENCES tenders(id),
    version        INTEGER NOT NULL,
    proxy_set_id   INTEGER NOT NULL REFERENCES sv_proxy_sets(id),
    weight_price   TEXT NOT NULL,
    weight_quality TEXT NOT NULL,
    weight_social  TEXT NOT NULL,
    note           TEXT NOT NULL,
    created_by     TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    UNIQUE (tender_id, version)
);
CREATE TABLE sv_bids (
    evaluation_id INTEGER NOT NULL REFERENCES sv_evaluations(id),
    position      INTEGER NOT NULL,
    bidder        TEXT NOT NULL,
    price         INTEGER NOT NULL,
    quality       TEXT NOT NULL,
    PRIMARY KEY (evaluation_id, position)
);
CREATE TABLE sv_commitments (
    evaluation_id INTEGER NOT NULL REFERENCES sv_evaluations(id),
    position      INTEGER NOT NULL,
    bidder        TEXT NOT NULL,
    measure       TEXT NOT NULL,
    quantity      TEXT NOT NULL,
    PRIMARY KEY (evaluation_id, position)
);
CREATE TABLE sv_awards (
    id            INTEGER PRIMARY KEY,
    tender_id     INTEGER NOT NULL UNIQUE REFERENCES tenders(id),
    evaluation_id INTEGER NOT NULL REFERENCES sv_evaluations(id),
    bidder        TEXT NOT NULL,
    reason        TEXT NOT NULL,
    departs       INTEGER NOT NULL,
    decided_by    TEXT NOT NULL,
    decided_at    TEXT NOT NULL
);
CREATE TABLE sv_deliveries (
    id          INTEGER PRIMARY KEY,
    award_id    INTEGER NOT NULL REFERENCES sv_awards(id),
    measure     TEXT NOT NULL,
    quantity    TEXT NOT NULL,
    period      TEXT NOT NULL,
    evidence    TEXT NOT NULL,
    reverses    INTEGER UNIQUE REFERENCES sv_deliveries(id),
    reported_by TEXT NOT NULL,
    reported_at TEXT NOT NULL
);
CREATE INDEX sv_deliveries_award ON sv_deliveries(award_id);
"#;

/// 24: suppliers assessed against the six social-value outcomes, in
/// named rounds; a score changed is a new row, the latest per round,
/// supplier and outcome the one in use.
pub(crate) const ASSESSMENTS: &str = r#"
CREATE TABLE sv_assessments (
    id          INTEGER PRIMARY KEY,
    round       TEXT NOT NULL,
    supplier_id INTEGER NOT NULL REFERENCES suppliers(id),
    outcome     TEXT NOT NULL,
    score       INTEGER NOT NULL,
    evidence    TEXT NOT NULL,
    assessed_by TEXT NOT NULL,
    assessed_at TEXT NOT NULL
);
CREATE INDEX sv_assessments_key ON sv_assessments(round, supplier_id, outcome);
CREATE INDEX sv_assessments_supplier ON sv_assessments(supplier_id);
"#;

/// 25: what-if scenarios kept, to compare with what happened the year
/// after: the selection, the shifts as typed, and the figures foreseen.
pub(crate) const SCENARIOS: &str = r#"
CREATE TABLE whatif_scenarios (
    id                INTEGER PRIMARY KEY,
    name              TEXT NOT NULL,
    anchor_id         INTEGER REFERENCES organisations(id),
    year              INTEGER,
    shifts            TEXT NOT NULL,
    local_share_before TEXT,
    local_share_after TEXT,
    kept              INTEGER NOT NULL,
    created_by        TEXT NOT NULL,
    created_at        TEXT NOT NULL
);
"#;

/// 26: the anchors' charters: a group of anchors, its goals (changed
/// in place, each change in the audit log; a goal retired is kept with
/// its figures), and the figures entered by hand per year (kept; the
/// last one in use).
pub(crate) const CHARTERS: &str = r#"
CREATE TABLE charters (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE charter_members (
    charter_id INTEGER NOT NULL REFERENCES charters(id),
    anchor_id  INTEGER NOT NULL REFERENCES organisations(id),
    PRIMARY KEY (charter_id, anchor_id)
);
CREATE TABLE charter_goals (
    id         INTEGER PRIMARY KEY,
    charter_id INTEGER NOT NULL REFERENCES charters(id),
    position   INTEGER NOT NULL,
    preset     TEXT,
    title      TEXT,
    indicator  TEXT NOT NULL,
    measure    TEXT,
    target     TEXT NOT NULL,
    retired    INTEGER NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX charter_goals_charter ON charter_goals(charter_id);
CREATE TABLE charter_values (
    id         INTEGER PRIMARY KEY,
    goal_id    INTEGER NOT NULL REFERENCES charter_goals(id),
    anchor_id  INTEGER REFERENCES organisations(id),
    year       INTEGER NOT NULL,
    value      TEXT NOT NULL,
    entered_by TEXT NOT NULL,
    entered_at TEXT NOT NULL
);
CREATE INDEX charter_values_goal ON charter_values(goal_id, year);
"#;

/// 27: the re-spend survey sent to local suppliers through the outbox:
/// each invitation holds the hash of its link's token (the link itself
/// is only in the message), and each answer is kept (the last in use).
pub(crate) const RESPEND_SURVEYS: &str = r#"
CREATE TABLE respend_surveys (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    anchor_id  INTEGER REFERENCES organisations(id),
    year       INTEGER,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE respend_invitations (
    id          INTEGER PRIMARY KEY,
    survey_id   INTEGER NOT NULL REFERENCES respend_surveys(id),
    business_id INTEGER NOT NULL REFERENCES businesses(id),
    token_hash  TEXT NOT NULL UNIQUE,
    email       TEXT NOT NULL,
    language    TEXT NOT NULL,
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    queued_at   TEXT NOT NULL,
    queued_by   TEXT NOT NULL,
    sent_at     TEXT,
    sent_by     TEXT,
    UNIQUE (survey_id, business_id)
);
CREATE TABLE respend_answers (
    id              INTEGER PRIMARY KEY,
    invitation_id   INTEGER NOT NULL REFERENCES respend_invitations(id),
    wages_share     TEXT NOT NULL,
    suppliers_share TEXT NOT NULL,
    answered_at     TEXT NOT NULL
);
CREATE INDEX respend_answers_invitation ON respend_answers(invitation_id);
"#;

/// 50: a process's releases kept in blocks, one for each file of an
/// import that brought new ones, compressed (`procurement::blocks`): a
/// city's million releases had been a million rows of text (1.4 GB) and
/// an index of (ocid, identity) written under the import's lock. Added,
/// never changed. The releases held move into them after this migration
/// (`after_migration`); 51 drops their old table.
pub(crate) const RELEASE_BLOCKS: &str = r#"
CREATE TABLE ocds_release_blocks (
    ocid      TEXT NOT NULL,
    position  INTEGER NOT NULL,
    import_id INTEGER NOT NULL REFERENCES ocds_imports(id),
    releases  INTEGER NOT NULL,
    packed    BLOB NOT NULL,
    PRIMARY KEY (ocid, position)
);
CREATE TRIGGER ocds_release_blocks_no_update BEFORE UPDATE ON ocds_release_blocks
BEGIN SELECT RAISE(ABORT, 'releases are kept as published'); END;
CREATE TRIGGER ocds_release_blocks_no_delete BEFORE DELETE ON ocds_release_blocks
BEGIN SELECT RAISE(ABORT, 'releases are kept as published'); END;
"#;

/// 51: the releases are in their blocks (50).
pub(crate) const DROP_RELEASE_ROWS: &str = "DROP TABLE ocds_releases;";

/// 55: a process's awards, each with every field of its suppliers'
/// parties, kept as one value in the process's row
/// (`contracts::Award::encode_all`), and which catalogue suppliers each
/// process awarded to, for a business's page. Awards and awarded parties
/// a row each were two tables, three B-trees and ~40% of the work of
/// saving a city's import. The buyer's identifier too, by which a
/// charter finds its anchors' contracts (by their name alone, another
/// city's buyer of the same name was counted). Every process is derived
/// again from its releases after this migration (`after_migration`).
pub(crate) const AWARDS_IN_PROCESSES: &str = r#"
DROP INDEX ocds_award_suppliers_supplier;
DROP TABLE ocds_award_suppliers;
DROP TABLE ocds_awards;
ALTER TABLE ocds_processes ADD COLUMN awards BLOB;
ALTER TABLE ocds_processes ADD COLUMN buyer_identifier TEXT;
CREATE TABLE ocds_supplier_processes (
    supplier_id INTEGER NOT NULL REFERENCES suppliers(id),
    ocid        TEXT NOT NULL,
    PRIMARY KEY (supplier_id, ocid)
) WITHOUT ROWID;
"#;

/// 56: a process's releases kept in chunks of a few hundred kilobytes
/// shared by consecutive processes, its row listing the chunks that
/// hold them (`procurement::blocks`): a block for each process (50)
/// compressed 2.4 times where a chunk does 5.5 times, and its rows were a
/// third of a city's import. Added, never changed. Every process is
/// moved into chunks and derived again after this migration
/// (`after_migration`); 57 drops the blocks.
pub(crate) const RELEASE_CHUNKS: &str = r#"
CREATE TABLE ocds_release_chunks (
    id        INTEGER PRIMARY KEY,
    import_id INTEGER NOT NULL REFERENCES ocds_imports(id),
    releases  INTEGER NOT NULL,
    packed    BLOB NOT NULL
);
CREATE TRIGGER ocds_release_chunks_no_update BEFORE UPDATE ON ocds_release_chunks
BEGIN SELECT RAISE(ABORT, 'releases are kept as published'); END;
CREATE TRIGGER ocds_release_chunks_no_delete BEFORE DELETE ON ocds_release_chunks
BEGIN SELECT RAISE(ABORT, 'releases are kept as published'); END;
ALTER TABLE ocds_processes ADD COLUMN chunks BLOB;
"#;

/// 57: the releases are in their chunks (56).
pub(crate) const DROP_RELEASE_BLOCKS: &str = "DROP TABLE ocds_release_blocks;";
