-- Accounts of staff and applicants. Passwords are argon2id hashes; a locked account waits until
-- locked_until (milliseconds since the epoch).
CREATE TABLE accounts (
    id             {id},
    kind           TEXT NOT NULL,
    login          TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    subject_kind   TEXT NOT NULL DEFAULT '',
    id_number      TEXT NOT NULL DEFAULT '',
    phone          TEXT NOT NULL DEFAULT '',
    active         BIGINT NOT NULL,
    failed_logins  BIGINT NOT NULL DEFAULT 0,
    locked_until   BIGINT NOT NULL DEFAULT 0,
    created_at     BIGINT NOT NULL
);

-- The roles of a staff account, each in a jurisdiction and optionally a department and a unit
-- (window or township centre). Empty text means "not limited".
CREATE TABLE account_roles (
    account_id    BIGINT NOT NULL REFERENCES accounts (id),
    role          TEXT NOT NULL,
    jurisdiction  TEXT NOT NULL REFERENCES jurisdictions (code),
    department    TEXT NOT NULL DEFAULT '',
    unit          TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (account_id, role, jurisdiction, department, unit)
);

-- Sessions: the token is kept only as its SM3 hash.
CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    account_id  BIGINT NOT NULL REFERENCES accounts (id),
    csrf        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX sessions_by_account ON sessions (account_id);

-- Readable case numbers: one counter per jurisdiction and year.
CREATE TABLE case_numbers (
    jurisdiction  TEXT NOT NULL,
    year          BIGINT NOT NULL,
    next          BIGINT NOT NULL,
    PRIMARY KEY (jurisdiction, year)
);

-- Cases (办件). `body` holds the engine's case and the item rules it was received under; the other
-- columns are kept in step with it in the same transaction, for queries.
CREATE TABLE cases (
    id                      {id},
    jurisdiction            TEXT NOT NULL REFERENCES jurisdictions (code),
    number                  TEXT NOT NULL,
    query_code              TEXT NOT NULL,
    item_code               TEXT NOT NULL,
    item_version            BIGINT NOT NULL,
    item_name               TEXT NOT NULL,
    department              TEXT NOT NULL,
    supervising_department  TEXT NOT NULL,
    handling_mode           TEXT NOT NULL,
    applicant_account       BIGINT,
    applicant_kind          TEXT NOT NULL,
    applicant_name          TEXT NOT NULL,
    applicant_id            TEXT NOT NULL,
    applicant_phone         TEXT NOT NULL,
    channel                 TEXT NOT NULL,
    unit                    TEXT NOT NULL,
    state                   TEXT NOT NULL,
    closed                  BIGINT NOT NULL,
    next_role               TEXT NOT NULL,
    received_on             TEXT NOT NULL,
    intake_due              TEXT NOT NULL,
    accepted_on             TEXT,
    statutory_due           TEXT,
    promised_due            TEXT,
    decided_on              TEXT,
    certificate_due         TEXT,
    -- statutory_due, or 9999-12-31 when there is none: sorts the same on both databases.
    due_sort                TEXT NOT NULL,
    body                    TEXT NOT NULL,
    version                 BIGINT NOT NULL,
    created_at              BIGINT NOT NULL,
    updated_at              BIGINT NOT NULL,
    UNIQUE (jurisdiction, number)
);
CREATE INDEX cases_worklist ON cases (jurisdiction, next_role, closed, due_sort, id);
CREATE INDEX cases_by_jurisdiction ON cases (jurisdiction, closed, due_sort, id);
CREATE INDEX cases_by_applicant ON cases (applicant_account, created_at);
CREATE INDEX cases_intake ON cases (state, intake_due);

-- Idempotency keys of case creation: a retried submission finds its case.
CREATE TABLE case_keys (
    key         TEXT PRIMARY KEY,
    case_id     BIGINT NOT NULL REFERENCES cases (id),
    created_at  BIGINT NOT NULL
);

-- The append-only event log of the whole system, hash-chained with SM3: hash = SM3(prev_hash | the
-- event's fields). `chain_head` holds the last link; appending locks it, so the chain never forks.
CREATE TABLE events (
    seq            BIGINT PRIMARY KEY,
    case_id        BIGINT,
    jurisdiction   TEXT NOT NULL,
    at             BIGINT NOT NULL,
    actor          TEXT NOT NULL,
    actor_account  BIGINT,
    channel        TEXT NOT NULL,
    action         TEXT NOT NULL,
    reason         TEXT NOT NULL,
    data           TEXT NOT NULL,
    prev_hash      TEXT NOT NULL,
    hash           TEXT NOT NULL
);
CREATE INDEX events_by_case ON events (case_id, seq);

CREATE TABLE chain_head (
    id         BIGINT PRIMARY KEY,
    seq        BIGINT NOT NULL,
    hash       TEXT NOT NULL,
    locked_at  BIGINT NOT NULL
);
INSERT INTO chain_head (id, seq, hash, locked_at) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000', 0);

-- Documents issued on a case: the canonical record as JSON.
CREATE TABLE documents (
    id          {id},
    case_id     BIGINT NOT NULL REFERENCES cases (id),
    kind        TEXT NOT NULL,
    number      TEXT NOT NULL,
    title       TEXT NOT NULL,
    issued_on   TEXT NOT NULL,
    event_seq   BIGINT NOT NULL,
    body        TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX documents_by_case ON documents (case_id, id);
CREATE INDEX documents_by_number ON documents (number);
