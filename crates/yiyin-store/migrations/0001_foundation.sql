-- Organisation: one row per jurisdiction; its bureau, departments, halls, windows, township centres and
-- village points are kept as the JSON of `yiyin_domain::org::Jurisdiction`.
CREATE TABLE jurisdictions (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    parent      TEXT,
    position    BIGINT NOT NULL,
    body        TEXT NOT NULL,
    updated_at  BIGINT NOT NULL
);

-- Every published version of every catalog item; never updated, never deleted.
CREATE TABLE catalog_versions (
    jurisdiction  TEXT NOT NULL REFERENCES jurisdictions (code),
    code          TEXT NOT NULL,
    version       BIGINT NOT NULL,
    change_kind   TEXT NOT NULL,
    effective_on  TEXT NOT NULL,
    name          TEXT NOT NULL,
    department    TEXT NOT NULL,
    body          TEXT NOT NULL,
    note          TEXT NOT NULL,
    published_on  TEXT NOT NULL,
    published_by  TEXT NOT NULL,
    published_at  BIGINT NOT NULL,
    PRIMARY KEY (jurisdiction, code, version)
);
CREATE INDEX catalog_versions_by_date ON catalog_versions (jurisdiction, effective_on);

-- Drafts being edited before publication: at most one per item.
CREATE TABLE catalog_drafts (
    jurisdiction  TEXT NOT NULL REFERENCES jurisdictions (code),
    code          TEXT NOT NULL,
    name          TEXT NOT NULL,
    body          TEXT NOT NULL,
    updated_at    BIGINT NOT NULL,
    updated_by    TEXT NOT NULL,
    PRIMARY KEY (jurisdiction, code)
);

-- Holiday data uploaded by an administrator (holiday-cn YEAR.json), adding to or overriding the
-- built-in years.
CREATE TABLE calendar_years (
    year         BIGINT PRIMARY KEY,
    body         TEXT NOT NULL,
    uploaded_at  BIGINT NOT NULL,
    uploaded_by  TEXT NOT NULL
);
