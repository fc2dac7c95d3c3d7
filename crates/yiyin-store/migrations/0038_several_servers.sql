-- Several app servers on one database (issue 17).

-- The archiving sweep's attempts at a closed case's package: which server builds it (a lease, so
-- that two servers never build the same package) and, after a failure, when it is tried again
-- (a back-off, so that a case that cannot be archived now does not hold up the others).
CREATE TABLE archive_attempts (
    case_id          BIGINT PRIMARY KEY REFERENCES cases (id),
    attempts         BIGINT NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT NOT NULL DEFAULT 0,
    lease_until      BIGINT NOT NULL DEFAULT 0,
    last_error       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX archive_attempts_due ON archive_attempts (next_attempt_at);

-- The version of each setting every server keeps in memory (the calendar years, the organisation,
-- the township delegations): raised in the transaction that changes it, compared on use by every
-- server, which rereads what changed.
CREATE TABLE settings_versions (
    name     TEXT PRIMARY KEY,
    version  BIGINT NOT NULL
);
INSERT INTO settings_versions (name, version) VALUES ('calendar', 0), ('organisation', 0), ('delegations', 0);
