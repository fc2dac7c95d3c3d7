-- Satisfaction ratings (好差评, 国办发〔2019〕51号) and the rectification of bad ratings.

-- A rating is kept as given and never changed or deleted. One per case and channel online
-- (visit_key ''), one per visit at the window or by SMS (visit_key: the id of the one-time token
-- the visit was rated with). The rater's identity is not here: see rating_raters.
CREATE TABLE ratings (
    id            {id},
    jurisdiction  TEXT NOT NULL,
    case_id       BIGINT NOT NULL REFERENCES cases (id),
    case_number   TEXT NOT NULL,
    department    TEXT NOT NULL,
    item_code     TEXT NOT NULL,
    item_name     TEXT NOT NULL,
    channel       TEXT NOT NULL,
    visit_key     TEXT NOT NULL,
    level         TEXT NOT NULL,
    bad           BIGINT NOT NULL,
    indicators    TEXT NOT NULL,
    comment       TEXT NOT NULL,
    named         BIGINT NOT NULL,
    rated_on      TEXT NOT NULL,
    rated_at      BIGINT NOT NULL,
    UNIQUE (case_id, channel, visit_key)
);
CREATE INDEX ratings_by_jurisdiction ON ratings (jurisdiction, rated_on, department);

-- Who rated, for a named (实名) rating only: read by the rating administrator's query alone.
CREATE TABLE rating_raters (
    rating_id  BIGINT PRIMARY KEY REFERENCES ratings (id),
    account    BIGINT,
    name       TEXT NOT NULL,
    phone      TEXT NOT NULL
);

-- The rectification task of a bad rating: the domain's task as JSON, the columns the desk filters
-- on kept in step with it; an upheld appeal sets state 'excluded', which leaves the rates.
CREATE TABLE rectifications (
    rating_id    BIGINT PRIMARY KEY REFERENCES ratings (id),
    jurisdiction TEXT NOT NULL,
    department   TEXT NOT NULL,
    state        TEXT NOT NULL,
    contact_due  TEXT,
    rectify_due  TEXT NOT NULL,
    closed_on    TEXT,
    body         TEXT NOT NULL,
    version      BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX rectifications_desk ON rectifications (jurisdiction, state, rectify_due);

-- Each act on a task, in order, with who did it.
CREATE TABLE rectification_steps (
    id         {id},
    rating_id  BIGINT NOT NULL REFERENCES ratings (id),
    action     TEXT NOT NULL,
    actor      TEXT NOT NULL,
    detail     TEXT NOT NULL,
    on_date    TEXT NOT NULL,
    at         BIGINT NOT NULL
);
CREATE INDEX rectification_steps_of ON rectification_steps (rating_id, id);

-- The bad-rating deadlines of a jurisdiction (absent: Yiyin's defaults, 1 and 15 working days).
CREATE TABLE rating_settings (
    jurisdiction  TEXT PRIMARY KEY,
    contact_days  BIGINT NOT NULL,
    rectify_days  BIGINT NOT NULL,
    updated_by    TEXT NOT NULL,
    updated_at    BIGINT NOT NULL
);

-- One-time rating links for a visit (the window's tablet, an SMS): only the SM3 of the token is
-- kept; a token is used once and expires.
CREATE TABLE rating_tokens (
    id          {id},
    token_hash  TEXT NOT NULL UNIQUE,
    case_id     BIGINT NOT NULL REFERENCES cases (id),
    jurisdiction TEXT NOT NULL,
    channel     TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT
);

-- The desk reads a rating with its task, if any.
CREATE VIEW rating_desk AS
SELECT r.id, r.jurisdiction, r.case_id, r.case_number, r.department, r.item_code, r.item_name,
       r.channel, r.level, r.bad, r.indicators, r.comment, r.named, r.rated_on, r.rated_at,
       t.state AS task_state, t.body AS task, t.version AS task_version
FROM ratings r LEFT JOIN rectifications t ON t.rating_id = r.id;
