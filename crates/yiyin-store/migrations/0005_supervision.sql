-- Approval–supervision separation (审管分离) and the life of a licence after the decision.

-- Every result pushed to the supervising department: in its inbox at once, and to its own system
-- (webhook) at least once, with an idempotency key and the bureau seal's signature; acknowledged
-- (签收) by its staff by ack_due.
CREATE TABLE pushes (
    id               {id},
    idempotency_key  TEXT NOT NULL UNIQUE,
    jurisdiction     TEXT NOT NULL,
    department       TEXT NOT NULL,
    kind             TEXT NOT NULL,
    case_id          BIGINT REFERENCES cases (id),
    licence          TEXT,
    event_seq        BIGINT NOT NULL,
    payload          TEXT NOT NULL,
    seal_id          BIGINT,
    signature        TEXT,
    sent_on          TEXT NOT NULL,
    ack_due          TEXT,
    acknowledged_at  BIGINT,
    acknowledged_by  TEXT,
    status           TEXT NOT NULL,
    attempts         BIGINT NOT NULL,
    next_attempt_at  BIGINT NOT NULL,
    lease_until      BIGINT NOT NULL,
    last_error       TEXT NOT NULL,
    delivered_at     BIGINT,
    created_at       BIGINT NOT NULL
);
CREATE INDEX pushes_inbox ON pushes (jurisdiction, department, acknowledged_at, id);
CREATE INDEX pushes_due ON pushes (status, next_attempt_at);

-- A department's own system, where its pushes are delivered.
CREATE TABLE webhooks (
    jurisdiction  TEXT NOT NULL,
    department    TEXT NOT NULL,
    url           TEXT NOT NULL,
    active        BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    PRIMARY KEY (jurisdiction, department)
);

-- What supervision found, reported back to the bureau (抄告).
CREATE TABLE findings (
    id            {id},
    jurisdiction  TEXT NOT NULL,
    department    TEXT NOT NULL,
    licence       TEXT,
    holder_id     TEXT NOT NULL,
    holder        TEXT NOT NULL,
    item_code     TEXT NOT NULL,
    kind          TEXT NOT NULL,
    summary       TEXT NOT NULL,
    found_on      TEXT NOT NULL,
    recorded_by   TEXT NOT NULL,
    event_seq     BIGINT NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE INDEX findings_by_licence ON findings (licence);
CREATE INDEX findings_by_holder ON findings (holder_id);
CREATE INDEX findings_by_item ON findings (jurisdiction, item_code);

-- The verification of each licence granted on a commitment (告知承诺).
CREATE TABLE verification_tasks (
    id            {id},
    licence       TEXT NOT NULL UNIQUE,
    case_id       BIGINT NOT NULL REFERENCES cases (id),
    jurisdiction  TEXT NOT NULL,
    department    TEXT NOT NULL,
    holder_id     TEXT NOT NULL,
    holder        TEXT NOT NULL,
    item_name     TEXT NOT NULL,
    due_on        TEXT,
    state         TEXT NOT NULL,
    rectify_by    TEXT,
    outcomes      TEXT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX verification_by_department ON verification_tasks (jurisdiction, department, state, due_on);

-- Applicants' credit records kept by the platform; a repair is an explicit, logged act.
CREATE TABLE credit_records (
    id             {id},
    holder_id      TEXT NOT NULL,
    holder         TEXT NOT NULL,
    jurisdiction   TEXT NOT NULL,
    kind           TEXT NOT NULL,
    reason         TEXT NOT NULL,
    source         TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    repaired_at    BIGINT,
    repaired_by    TEXT,
    repair_reason  TEXT
);
CREATE INDEX credit_by_holder ON credit_records (holder_id);
CREATE UNIQUE INDEX credit_once ON credit_records (kind, source);

-- Acts on a licence after the decision: change, renewal, revocation, cancellation, withdrawal,
-- rescission, expiry.
CREATE TABLE licence_acts (
    id            {id},
    licence       TEXT NOT NULL,
    case_id       BIGINT NOT NULL REFERENCES cases (id),
    jurisdiction  TEXT NOT NULL,
    kind          TEXT NOT NULL,
    state         TEXT NOT NULL,
    applied_on    TEXT NOT NULL,
    due_on        TEXT,
    decided_on    TEXT,
    details       TEXT NOT NULL,
    new_licence   TEXT,
    document_id   BIGINT,
    created_by    TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE INDEX licence_acts_by_licence ON licence_acts (licence);
CREATE INDEX licence_acts_open ON licence_acts (state, due_on);

-- The supervising department's risk grading of a licensee (分类分级监管), for random inspections.
ALTER TABLE licences ADD COLUMN risk TEXT NOT NULL DEFAULT 'medium';
ALTER TABLE licences ADD COLUMN supervising_department TEXT NOT NULL DEFAULT '';

-- The earliest due date of deferred materials not yet supplied (容缺), for the follow-up sweep.
ALTER TABLE cases ADD COLUMN deferred_due TEXT;
CREATE INDEX cases_deferred ON cases (deferred_due);

-- Random inspections (双随机一公开): the plan with its pools and seed fixed and published before
-- the draw; declared ties for recusal; the results, published.
CREATE TABLE inspection_plans (
    id            {id},
    jurisdiction  TEXT NOT NULL,
    department    TEXT NOT NULL,
    title         TEXT NOT NULL,
    item_code     TEXT NOT NULL,
    risk          TEXT NOT NULL,
    target_count  BIGINT NOT NULL,
    per_target    BIGINT NOT NULL,
    seed          TEXT NOT NULL,
    input         TEXT NOT NULL,
    published_at  BIGINT NOT NULL,
    drawn_at      BIGINT,
    result        TEXT,
    created_by    TEXT NOT NULL
);
CREATE INDEX inspection_plans_by_j ON inspection_plans (jurisdiction, department, id);
CREATE TABLE inspection_ties (
    id            {id},
    jurisdiction  TEXT NOT NULL,
    inspector     TEXT NOT NULL,
    holder_id     TEXT NOT NULL,
    reason        TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE TABLE inspection_results (
    plan_id       BIGINT NOT NULL REFERENCES inspection_plans (id),
    licence       TEXT NOT NULL,
    kind          TEXT NOT NULL,
    summary       TEXT NOT NULL,
    recorded_by   TEXT NOT NULL,
    recorded_on   TEXT NOT NULL,
    PRIMARY KEY (plan_id, licence)
);
