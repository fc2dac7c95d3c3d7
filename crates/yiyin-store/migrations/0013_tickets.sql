-- The requests centre (民生和企业诉求服务中心, 12345 工单): the category catalog (诉求分类 → the
-- responsible department, versioned), each jurisdiction's deadline matrix, the tickets with their
-- serialised domain state, and each ticket's history.

-- 诉求分类: an edit adds a new version of the code; old versions stay (a ticket names the version
-- it was registered under). The current version of a code is its highest.
CREATE TABLE ticket_categories (
    id            {id},
    jurisdiction  TEXT NOT NULL,
    code          TEXT NOT NULL,
    version       BIGINT NOT NULL,
    name          TEXT NOT NULL,
    department    TEXT NOT NULL,
    duty          TEXT NOT NULL,
    active        BIGINT NOT NULL,
    created_by    TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    UNIQUE (jurisdiction, code, version)
);

-- The deadline matrix (type × urgency → limits) and merge window of a jurisdiction, as JSON of
-- `yiyin_domain::tickets::DeadlineMatrix`; absent: Yiyin's defaults.
CREATE TABLE ticket_matrices (
    jurisdiction  TEXT PRIMARY KEY,
    matrix        TEXT NOT NULL,
    updated_by    TEXT NOT NULL,
    updated_at    BIGINT NOT NULL
);

-- Readable numbers per jurisdiction and year: {case_prefix}-12345-{year}-{serial:06}.
CREATE TABLE ticket_numbers (
    jurisdiction  TEXT NOT NULL,
    year          BIGINT NOT NULL,
    next          BIGINT NOT NULL,
    PRIMARY KEY (jurisdiction, year)
);

-- A ticket: `ticket` is the domain's `Ticket` (the one truth of its state and clock); the columns
-- beside it are kept in step in the same write for the desks' queries. The caller's name and
-- callback phone are read apart (`Store::ticket_caller`), never with the ticket.
CREATE TABLE tickets (
    id                 {id},
    number             TEXT NOT NULL UNIQUE,
    query_code         TEXT NOT NULL,
    jurisdiction       TEXT NOT NULL,
    source             TEXT NOT NULL,
    partner            TEXT,
    ticket_type        TEXT NOT NULL,
    urgency            TEXT NOT NULL,
    category_code      TEXT NOT NULL,
    category_version   BIGINT NOT NULL,
    category_name      TEXT NOT NULL,
    duty               TEXT NOT NULL,
    content            TEXT NOT NULL,
    location           TEXT NOT NULL,
    latitude           DOUBLE PRECISION,
    longitude          DOUBLE PRECISION,
    caller_name        TEXT,
    caller_phone       TEXT,
    applicant_account  BIGINT,
    state              TEXT NOT NULL,
    department         TEXT,
    awaiting           TEXT,
    master_id          BIGINT REFERENCES tickets (id),
    reply              TEXT,
    satisfaction       TEXT,
    dispatch_due       TEXT NOT NULL,
    reply_due          TEXT,
    callback_due       TEXT,
    ticket             TEXT NOT NULL,
    version            BIGINT NOT NULL,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL
);
CREATE INDEX tickets_queue ON tickets (jurisdiction, state, id);
CREATE INDEX tickets_desk ON tickets (jurisdiction, department, state);
CREATE INDEX tickets_applicant ON tickets (applicant_account, id);
CREATE INDEX tickets_caller ON tickets (jurisdiction, caller_phone, created_at);

-- What happened to a ticket, in order (each also an event of the hash chain).
CREATE TABLE ticket_events (
    id             {id},
    ticket_id      BIGINT NOT NULL REFERENCES tickets (id),
    at             BIGINT NOT NULL,
    actor          TEXT NOT NULL,
    actor_account  BIGINT,
    action         TEXT NOT NULL,
    department     TEXT,
    note           TEXT NOT NULL,
    data           TEXT NOT NULL
);
CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id, id);
