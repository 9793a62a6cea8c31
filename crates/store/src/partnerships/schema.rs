//! The migrations of the partnerships domain (issue 17), listed in
//! `schema::MIGRATIONS` by number: never edited, only appended.

/// 34: partnerships (issue 17): partners and roles, commitments (kept
/// in a table of their own, so that neither is ever edited), meetings,
/// indicators and their readings, the no-meeting setting; offers and
/// needs, the matches turned into partnerships and the notices to both
/// sides queued in an outbox.
pub(crate) const PARTNERSHIPS: &str = r#"CREATE TABLE partnerships (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    area_code    TEXT NOT NULL REFERENCES areas(code),
    owner_org_id INTEGER REFERENCES organisations(id),
    vision       TEXT NOT NULL,
    goals        TEXT NOT NULL,
    started_on   TEXT NOT NULL,
    published    INTEGER NOT NULL DEFAULT 0,
    created_by   TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX partnerships_area ON partnerships(area_code);
CREATE TABLE partnership_partners (
    partnership_id INTEGER NOT NULL REFERENCES partnerships(id),
    org_id         INTEGER NOT NULL REFERENCES organisations(id),
    role           TEXT NOT NULL,
    added_by       TEXT NOT NULL,
    added_at       TEXT NOT NULL,
    PRIMARY KEY (partnership_id, org_id)
);
CREATE INDEX partnership_partners_org ON partnership_partners(org_id);
CREATE TABLE partnership_commitments (
    id             INTEGER PRIMARY KEY,
    partnership_id INTEGER NOT NULL REFERENCES partnerships(id),
    org_id         INTEGER NOT NULL REFERENCES organisations(id),
    kind           TEXT NOT NULL,
    description    TEXT NOT NULL,
    amount         INTEGER,
    hours          INTEGER,
    due_on         TEXT NOT NULL,
    created_by     TEXT NOT NULL,
    created_at     TEXT NOT NULL
);
CREATE INDEX partnership_commitments_of ON partnership_commitments(partnership_id);
CREATE TABLE partnership_commitments_kept (
    commitment_id INTEGER PRIMARY KEY REFERENCES partnership_commitments(id),
    kept_on       TEXT NOT NULL,
    note          TEXT NOT NULL,
    recorded_by   TEXT NOT NULL,
    recorded_at   TEXT NOT NULL
);
CREATE TABLE partnership_meetings (
    id             INTEGER PRIMARY KEY,
    partnership_id INTEGER NOT NULL REFERENCES partnerships(id),
    held_on        TEXT NOT NULL,
    attendees      INTEGER NOT NULL,
    minutes        TEXT NOT NULL,
    decisions      TEXT NOT NULL,
    created_by     TEXT NOT NULL,
    created_at     TEXT NOT NULL
);
CREATE INDEX partnership_meetings_of ON partnership_meetings(partnership_id);
CREATE TABLE partnership_indicators (
    id             INTEGER PRIMARY KEY,
    partnership_id INTEGER NOT NULL REFERENCES partnerships(id),
    name           TEXT NOT NULL,
    unit           TEXT NOT NULL,
    baseline       INTEGER NOT NULL,
    target         INTEGER NOT NULL,
    created_by     TEXT NOT NULL,
    created_at     TEXT NOT NULL
);
CREATE TABLE partnership_readings (
    id           INTEGER PRIMARY KEY,
    indicator_id INTEGER NOT NULL REFERENCES partnership_indicators(id),
    read_on      TEXT NOT NULL,
    value        INTEGER NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX partnership_readings_of ON partnership_readings(indicator_id, read_on);
CREATE TABLE partnership_settings (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    no_meeting_days INTEGER NOT NULL
);
CREATE TABLE offers (
    id          INTEGER PRIMARY KEY,
    side        TEXT NOT NULL,
    org_id      INTEGER NOT NULL REFERENCES organisations(id),
    area_code   TEXT NOT NULL REFERENCES areas(code),
    title       TEXT NOT NULL,
    description TEXT NOT NULL,
    themes      TEXT NOT NULL,
    kinds       TEXT NOT NULL,
    contact     TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE TABLE offer_matches (
    id             INTEGER PRIMARY KEY,
    offer_id       INTEGER NOT NULL REFERENCES offers(id),
    need_id        INTEGER NOT NULL REFERENCES offers(id),
    partnership_id INTEGER NOT NULL REFERENCES partnerships(id),
    created_by     TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    UNIQUE (offer_id, need_id)
);
CREATE TABLE partnership_outbox (
    id             INTEGER PRIMARY KEY,
    partnership_id INTEGER NOT NULL REFERENCES partnerships(id),
    offer_id       INTEGER NOT NULL REFERENCES offers(id),
    email          TEXT NOT NULL,
    language       TEXT NOT NULL,
    subject        TEXT NOT NULL,
    body           TEXT NOT NULL,
    queued_at      TEXT NOT NULL,
    queued_by      TEXT NOT NULL,
    sent_at        TEXT,
    sent_by        TEXT
);
CREATE TRIGGER partnership_commitments_never_change BEFORE UPDATE ON partnership_commitments
BEGIN SELECT RAISE(ABORT, 'a commitment is never edited'); END;
CREATE TRIGGER partnership_commitments_kept_never_change BEFORE UPDATE ON partnership_commitments_kept
BEGIN SELECT RAISE(ABORT, 'a kept commitment is never edited'); END;
"#;

/// 35: local projects seeking investment (issue 17), one row a
/// project by its name; a re-import updates what changed.
/// 54: a project is its area's (or the whole system's, without one) by its
/// name: one name across every area let a kelurahan's writer take a name
/// from every other area, and a concurrent import of the same name move
/// another area's project to its own. SQLite keeps a column's UNIQUE
/// until the table is made again.
pub(crate) const INVEST_PROJECTS_BY_AREA: &str = r#"CREATE TABLE invest_projects_by_area (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL,
    amount          INTEGER NOT NULL,
    sector          TEXT NOT NULL,
    risk            TEXT NOT NULL,
    social_value    INTEGER NOT NULL,
    area_code       TEXT REFERENCES areas(code),
    expected_return INTEGER,
    updated_by      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
INSERT INTO invest_projects_by_area (id, name, amount, sector, risk, social_value, area_code,
    expected_return, updated_by, updated_at)
SELECT id, name, amount, sector, risk, social_value, area_code, expected_return, updated_by, updated_at
FROM invest_projects;
DROP TABLE invest_projects;
ALTER TABLE invest_projects_by_area RENAME TO invest_projects;
CREATE UNIQUE INDEX invest_projects_area_name ON invest_projects (coalesce(area_code, ''), name);
"#;

pub(crate) const INVEST_PROJECTS: &str = r#"CREATE TABLE invest_projects (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL UNIQUE,
    amount          INTEGER NOT NULL,
    sector          TEXT NOT NULL,
    risk            TEXT NOT NULL,
    social_value    INTEGER NOT NULL,
    area_code       TEXT REFERENCES areas(code),
    expected_return INTEGER,
    updated_by      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
"#;

/// 36: the co-operative economy (issue 17): co-operatives and their
/// stages, a credit union's monthly figures by area, its service points
/// and the bank branches closed, and employee buy-outs with their
/// stages. Stages are appended, never edited.
pub(crate) const COOPERATIVE_ECONOMY: &str = r#"CREATE TABLE coops (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    area_code     TEXT NOT NULL REFERENCES areas(code),
    owner_org_id  INTEGER REFERENCES organisations(id),
    org_id        INTEGER REFERENCES organisations(id),
    sector        TEXT NOT NULL,
    members       INTEGER NOT NULL,
    members_women INTEGER NOT NULL,
    support_asked TEXT NOT NULL,
    mentor        TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE TABLE coop_stages (
    id          INTEGER PRIMARY KEY,
    coop_id     INTEGER NOT NULL REFERENCES coops(id),
    stage       TEXT NOT NULL,
    on_date     TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE TABLE cu_months (
    area_code   TEXT NOT NULL REFERENCES areas(code),
    month       TEXT NOT NULL,
    members     INTEGER NOT NULL,
    savings     INTEGER NOT NULL,
    loans       INTEGER NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (area_code, month)
);
CREATE TABLE cu_points (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    area_code  TEXT NOT NULL REFERENCES areas(code),
    kind       TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE bank_closures (
    area_code   TEXT NOT NULL REFERENCES areas(code),
    bank        TEXT NOT NULL,
    closed_on   TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (area_code, bank, closed_on)
);
CREATE TABLE buyouts (
    id            INTEGER PRIMARY KEY,
    business      TEXT NOT NULL,
    area_code     TEXT NOT NULL REFERENCES areas(code),
    owner_org_id  INTEGER REFERENCES organisations(id),
    owner_retires INTEGER,
    jobs          INTEGER NOT NULL,
    created_by    TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE TABLE buyout_stages (
    id          INTEGER PRIMARY KEY,
    buyout_id   INTEGER NOT NULL REFERENCES buyouts(id),
    stage       TEXT NOT NULL,
    on_date     TEXT NOT NULL,
    note        TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE TRIGGER coop_stages_never_change BEFORE UPDATE ON coop_stages
BEGIN SELECT RAISE(ABORT, 'a stage is never edited'); END;
CREATE TRIGGER buyout_stages_never_change BEFORE UPDATE ON buyout_stages
BEGIN SELECT RAISE(ABORT, 'a stage is never edited'); END;
"#;

/// 37: community capitals and active citizens (issue 17): assets by
/// area and capital; active citizens kept only with their consent (its
/// date), and what they did month by month.
pub(crate) const CAPITALS: &str = r#"CREATE TABLE capital_assets (
    id           INTEGER PRIMARY KEY,
    area_code    TEXT NOT NULL REFERENCES areas(code),
    owner_org_id INTEGER REFERENCES organisations(id),
    kind         TEXT NOT NULL,
    name         TEXT NOT NULL,
    holder       TEXT NOT NULL,
    used_by      TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE TABLE active_citizens (
    id           INTEGER PRIMARY KEY,
    area_code    TEXT NOT NULL REFERENCES areas(code),
    owner_org_id INTEGER REFERENCES organisations(id),
    name         TEXT NOT NULL,
    leads        TEXT NOT NULL,
    consent_on   TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE TABLE citizen_activity (
    id          INTEGER PRIMARY KEY,
    citizen_id  INTEGER NOT NULL REFERENCES active_citizens(id),
    month       TEXT NOT NULL,
    note        TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
"#;

/// 38: a co-operative's own member list, when it keeps one here (names
/// with the date each agreed to be listed).
pub(crate) const COOP_MEMBERS: &str = r#"
CREATE TABLE coop_members (
    id          INTEGER PRIMARY KEY,
    coop_id     INTEGER NOT NULL REFERENCES coops(id),
    name        TEXT NOT NULL,
    consent_on  TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX coop_members_of ON coop_members(coop_id);
"#;
