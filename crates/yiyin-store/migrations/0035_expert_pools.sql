-- Expert and site-inspector pools (专家库、踏勘人员库) of a jurisdiction, by specialty.
CREATE TABLE expert_pools (
    id              {id},
    jurisdiction    TEXT NOT NULL,
    kind            TEXT NOT NULL,
    name            TEXT NOT NULL,
    specialty       TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    created_at      BIGINT NOT NULL
);
CREATE UNIQUE INDEX expert_pool_names ON expert_pools (jurisdiction, name);

-- A pool's members: a member of staff (account_id) or an outside expert (organisation); active 0/1.
CREATE TABLE pool_members (
    id              {id},
    pool_id         BIGINT NOT NULL REFERENCES expert_pools (id),
    name            TEXT NOT NULL,
    account_id      BIGINT REFERENCES accounts (id),
    organisation    TEXT NOT NULL,
    title           TEXT NOT NULL DEFAULT '',
    active          BIGINT NOT NULL DEFAULT 1,
    created_by      TEXT NOT NULL,
    created_at      BIGINT NOT NULL
);
CREATE INDEX pool_members_by_pool ON pool_members (pool_id);

-- The ties a member declared with an applicant (by ID number or credit code): kind and note.
CREATE TABLE pool_ties (
    id              {id},
    member_id       BIGINT NOT NULL REFERENCES pool_members (id),
    holder_id       TEXT NOT NULL,
    kind            TEXT NOT NULL,
    note            TEXT NOT NULL,
    declared_by     TEXT NOT NULL,
    declared_at     BIGINT NOT NULL
);
CREATE INDEX pool_ties_by_holder ON pool_ties (holder_id);

-- A case's draw: the seed and the input (pool, exclusions; JSON) published before the draw, the
-- result (JSON), each redraw (rounds, JSON array) and when the review started (the case suspended).
CREATE TABLE expert_draws (
    id              {id},
    case_id         BIGINT NOT NULL REFERENCES cases (id),
    pool_id         BIGINT NOT NULL REFERENCES expert_pools (id),
    jurisdiction    TEXT NOT NULL,
    seed            TEXT NOT NULL,
    pool_digest     TEXT NOT NULL,
    input           TEXT NOT NULL,
    published_by    TEXT NOT NULL,
    published_at    BIGINT NOT NULL,
    result          TEXT,
    rounds          TEXT NOT NULL DEFAULT '[]',
    drawn_at        BIGINT,
    started_at      BIGINT
);
CREATE UNIQUE INDEX expert_draws_by_case ON expert_draws (case_id);

-- A drawn member's recusal (recorded by staff) or the applicant's objection (申请回避), and its
-- decision: '' pending, upheld, rejected.
CREATE TABLE expert_objections (
    id              {id},
    draw_id         BIGINT NOT NULL REFERENCES expert_draws (id),
    member          TEXT NOT NULL,
    kind            TEXT NOT NULL,
    reason          TEXT NOT NULL,
    filed_by        TEXT NOT NULL,
    filed_at        BIGINT NOT NULL,
    decision        TEXT NOT NULL DEFAULT '',
    decision_reason TEXT NOT NULL DEFAULT '',
    decided_by      TEXT NOT NULL DEFAULT '',
    decided_at      BIGINT
);
CREATE INDEX expert_objections_by_draw ON expert_objections (draw_id);
