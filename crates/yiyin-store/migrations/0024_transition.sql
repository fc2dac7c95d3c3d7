-- The switch-over (划转) of items from the departments to the bureau, in batches, and the transition
-- period with the departments' observers (审批观察员).
-- One transfer plan per jurisdiction: approved on a day by whom, with the last day of its
-- transition period (default three months from the approval, set by the application).
CREATE TABLE transfer_plans (
    jurisdiction    TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    approved_on     TEXT NOT NULL,
    approved_by     TEXT NOT NULL,
    period_end      TEXT NOT NULL,
    created_by      BIGINT NOT NULL,
    created_at      BIGINT NOT NULL
);
-- Its batches: the items (catalog codes, JSON array), the source department, the switch date and
-- the status (preparing / switched), with who switched it and when.
CREATE TABLE transfer_batches (
    id                  {id},
    jurisdiction        TEXT NOT NULL REFERENCES transfer_plans (jurisdiction),
    name                TEXT NOT NULL,
    items               TEXT NOT NULL,
    source_department   TEXT NOT NULL,
    switch_date         TEXT NOT NULL,
    status              TEXT NOT NULL,
    switched_by         BIGINT,
    switched_at         BIGINT
);
CREATE UNIQUE INDEX transfer_batch_names ON transfer_batches (jurisdiction, name);
-- A case's earlier numbers: a case migrated to the bureau gets a new number and keeps the old one
-- here, so that lookups by the old number find it.
CREATE TABLE case_aliases (
    number          TEXT PRIMARY KEY,
    case_id         BIGINT NOT NULL REFERENCES cases (id),
    created_at      BIGINT NOT NULL
);
CREATE INDEX case_aliases_by_case ON case_aliases (case_id);
-- The observers a source department named for the transition period.
CREATE TABLE transition_observers (
    id              {id},
    jurisdiction    TEXT NOT NULL REFERENCES transfer_plans (jurisdiction),
    department      TEXT NOT NULL,
    account_id      BIGINT NOT NULL REFERENCES accounts (id),
    named_by        BIGINT NOT NULL,
    named_at        BIGINT NOT NULL
);
CREATE UNIQUE INDEX transition_observer_accounts ON transition_observers (jurisdiction, account_id);
-- The observers' comments (评注) on cases, shown to the case's handlers.
CREATE TABLE case_comments (
    id              {id},
    case_id         BIGINT NOT NULL REFERENCES cases (id),
    author          BIGINT NOT NULL REFERENCES accounts (id),
    author_name     TEXT NOT NULL,
    department      TEXT NOT NULL,
    body            TEXT NOT NULL,
    created_at      BIGINT NOT NULL
);
CREATE INDEX case_comments_by_case ON case_comments (case_id);
