-- Bundles (一件事一次办, 并联审批; 行政许可法 Art. 26, 42 para 2). The catalog's bundle definitions,
-- versioned like items (body: the definition as JSON — lead department, member item codes,
-- situations); the bundles received: one number (from the cases' sequence), the applicant, the
-- definition resolved for the application (members, merged materials; JSON), the bundle's one case
-- of the engine with its members' decisions and release (JSON), its state and a version for
-- optimistic concurrency; and each member item of a bundle with its department.
CREATE TABLE bundle_versions (
    jurisdiction    TEXT NOT NULL,
    code            TEXT NOT NULL,
    version         BIGINT NOT NULL,
    effective_on    TEXT NOT NULL,
    name            TEXT NOT NULL,
    lead_department TEXT NOT NULL,
    body            TEXT NOT NULL,
    note            TEXT NOT NULL DEFAULT '',
    published_on    TEXT NOT NULL,
    published_by    TEXT NOT NULL,
    published_at    BIGINT NOT NULL,
    PRIMARY KEY (jurisdiction, code, version)
);
CREATE TABLE bundles (
    id              {id},
    jurisdiction    TEXT NOT NULL,
    number          TEXT NOT NULL UNIQUE,
    bundle_code     TEXT NOT NULL,
    bundle_version  BIGINT NOT NULL,
    name            TEXT NOT NULL,
    lead_department TEXT NOT NULL,
    applicant       TEXT NOT NULL,
    applicant_id    TEXT NOT NULL,
    applicant_account BIGINT,
    resolved        TEXT NOT NULL,
    body            TEXT NOT NULL,
    state           TEXT NOT NULL,
    version         BIGINT NOT NULL,
    received_by     BIGINT NOT NULL,
    received_at     BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX bundles_by_jurisdiction ON bundles (jurisdiction, state);
CREATE TABLE bundle_members (
    bundle_id       BIGINT NOT NULL REFERENCES bundles (id),
    item_code       TEXT NOT NULL,
    item_version    BIGINT NOT NULL,
    item_name       TEXT NOT NULL,
    department      TEXT NOT NULL,
    handling_mode   TEXT NOT NULL,
    PRIMARY KEY (bundle_id, item_code)
);
CREATE INDEX bundle_members_by_department ON bundle_members (department);
