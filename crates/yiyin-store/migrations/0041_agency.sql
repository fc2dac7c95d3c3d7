-- Full agency service (全程代办, issue 14 part 6): the agency centre's service list (代办服务清单)
-- of a jurisdiction, the applicants' agency mandates (授权委托) for their agents (代办员), and the
-- rating of the agency service (好差评) as a third subject of `ratings`.

-- The service list as published (the domain's list as JSON), one per jurisdiction.
CREATE TABLE agency_service_lists (
    jurisdiction  TEXT PRIMARY KEY,
    body          TEXT NOT NULL,
    updated_by    TEXT NOT NULL,
    updated_at    BIGINT NOT NULL
);

-- A mandate: the applicant's account, the agent's, the project or case it is for, the acts it
-- allows (JSON array of codes), its period (dates) and its revocation. Never deleted.
CREATE TABLE agency_mandates (
    id                 {id},
    jurisdiction       TEXT NOT NULL,
    applicant_account  BIGINT NOT NULL REFERENCES accounts (id),
    agent_account      BIGINT NOT NULL REFERENCES accounts (id),
    subject            TEXT NOT NULL,
    subject_id         BIGINT NOT NULL,
    subject_label      TEXT NOT NULL,
    acts               TEXT NOT NULL,
    starts_on          TEXT NOT NULL,
    ends_on            TEXT NOT NULL,
    revoked_on         TEXT,
    created_at         BIGINT NOT NULL,
    revoked_at         BIGINT
);
CREATE INDEX agency_mandates_of_applicant ON agency_mandates (applicant_account, id);
CREATE INDEX agency_mandates_of_agent ON agency_mandates (agent_account, id);

-- A rating of the agency service under a mandate (subject 'agency', rated once online by the
-- applicant): a mandate link like the ticket link of 0016, the same table and rectification loop.
-- PostgreSQL alters in place; SQLite rebuilds the table as 0016 does.
DROP VIEW rating_desk;

{postgres} ALTER TABLE ratings ADD COLUMN mandate_id BIGINT REFERENCES agency_mandates (id);
{postgres} ALTER TABLE ratings DROP CONSTRAINT ratings_one_subject;
{postgres} ALTER TABLE ratings ADD CONSTRAINT ratings_one_subject CHECK (
    (subject = 'case' AND case_id IS NOT NULL AND ticket_id IS NULL AND mandate_id IS NULL)
    OR (subject = 'ticket' AND ticket_id IS NOT NULL AND case_id IS NULL AND mandate_id IS NULL)
    OR (subject = 'agency' AND mandate_id IS NOT NULL AND case_id IS NULL AND ticket_id IS NULL));

{sqlite} PRAGMA defer_foreign_keys = ON;
{sqlite} CREATE TABLE ratings_0041 AS SELECT * FROM ratings;
{sqlite} DROP TABLE ratings;
{sqlite} CREATE TABLE ratings (
    id            {id},
    jurisdiction  TEXT NOT NULL,
    case_id       BIGINT REFERENCES cases (id),
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
    subject       TEXT NOT NULL DEFAULT 'case',
    ticket_id     BIGINT REFERENCES tickets (id),
    mandate_id    BIGINT REFERENCES agency_mandates (id),
    UNIQUE (case_id, channel, visit_key),
    CONSTRAINT ratings_one_subject CHECK (
        (subject = 'case' AND case_id IS NOT NULL AND ticket_id IS NULL AND mandate_id IS NULL)
        OR (subject = 'ticket' AND ticket_id IS NOT NULL AND case_id IS NULL AND mandate_id IS NULL)
        OR (subject = 'agency' AND mandate_id IS NOT NULL AND case_id IS NULL AND ticket_id IS NULL))
);
{sqlite} INSERT INTO ratings (id, jurisdiction, case_id, case_number, department, item_code,
    item_name, channel, visit_key, level, bad, indicators, comment, named, rated_on, rated_at,
    subject, ticket_id, mandate_id)
SELECT id, jurisdiction, case_id, case_number, department, item_code, item_name, channel,
    visit_key, level, bad, indicators, comment, named, rated_on, rated_at, subject, ticket_id, NULL
FROM ratings_0041;
{sqlite} DROP TABLE ratings_0041;
{sqlite} CREATE INDEX ratings_by_jurisdiction ON ratings (jurisdiction, rated_on, department);
{sqlite} CREATE UNIQUE INDEX ratings_ticket_once ON ratings (ticket_id, channel, visit_key);

CREATE UNIQUE INDEX ratings_mandate_once ON ratings (mandate_id, channel, visit_key);

CREATE VIEW rating_desk AS
SELECT r.id, r.jurisdiction, r.subject, r.case_id, r.ticket_id, r.mandate_id, r.case_number,
       r.department, r.item_code, r.item_name, r.channel, r.level, r.bad, r.indicators, r.comment,
       r.named, r.rated_on, r.rated_at,
       t.state AS task_state, t.body AS task, t.version AS task_version
FROM ratings r LEFT JOIN rectifications t ON t.rating_id = r.id;
