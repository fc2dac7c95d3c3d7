-- Ratings of requests-centre tickets (诉求工单, 一事一评 after the callback closes the ticket):
-- a rating gets a subject — 'case' (办件) or 'ticket' (诉求工单) — and a link to its ticket, so
-- that a ticket's rating is a row of `ratings` like a case's and runs the same rectification
-- loop (rectifications, rectification_steps, rating_raters all keep referencing ratings (id)).
--
-- The case link becomes optional: a ticket's rating has no case. PostgreSQL drops the NOT NULL in
-- place. SQLite cannot alter a column's constraint, so there the table is rebuilt the way SQLite
-- documents (copy, drop, create, copy back), inside the migration's one transaction; with
-- `defer_foreign_keys` the tables that reference ratings (id) are checked at commit, when every
-- id is back unchanged. Statements starting with {sqlite} or {postgres} run on that backend
-- only (see `migrate::for_backend`). The view is dropped first and recreated with the new
-- columns. Existing ratings become subject 'case'; `case_number` keeps the rated subject's
-- number (the ticket's number for a ticket) and `item_code`/`item_name` its item (the ticket's
-- category). One rating per ticket online: the unique index on (ticket_id, channel, visit_key).
DROP VIEW rating_desk;

{postgres} ALTER TABLE ratings ALTER COLUMN case_id DROP NOT NULL;
{postgres} ALTER TABLE ratings ADD COLUMN subject TEXT NOT NULL DEFAULT 'case';
{postgres} ALTER TABLE ratings ADD COLUMN ticket_id BIGINT REFERENCES tickets (id);

{sqlite} PRAGMA defer_foreign_keys = ON;
{sqlite} CREATE TABLE ratings_0016 AS SELECT * FROM ratings;
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
    UNIQUE (case_id, channel, visit_key),
    CONSTRAINT ratings_one_subject CHECK (
        (subject = 'case' AND case_id IS NOT NULL AND ticket_id IS NULL)
        OR (subject = 'ticket' AND ticket_id IS NOT NULL AND case_id IS NULL))
);
{sqlite} INSERT INTO ratings (id, jurisdiction, case_id, case_number, department, item_code,
    item_name, channel, visit_key, level, bad, indicators, comment, named, rated_on, rated_at,
    subject, ticket_id)
SELECT id, jurisdiction, case_id, case_number, department, item_code, item_name, channel,
    visit_key, level, bad, indicators, comment, named, rated_on, rated_at, 'case', NULL
FROM ratings_0016;
{sqlite} DROP TABLE ratings_0016;
{sqlite} CREATE INDEX ratings_by_jurisdiction ON ratings (jurisdiction, rated_on, department);

-- Exactly one subject per rating (on SQLite in the table above).
{postgres} ALTER TABLE ratings ADD CONSTRAINT ratings_one_subject CHECK (
    (subject = 'case' AND case_id IS NOT NULL AND ticket_id IS NULL)
    OR (subject = 'ticket' AND ticket_id IS NOT NULL AND case_id IS NULL));

CREATE UNIQUE INDEX ratings_ticket_once ON ratings (ticket_id, channel, visit_key);

CREATE VIEW rating_desk AS
SELECT r.id, r.jurisdiction, r.subject, r.case_id, r.ticket_id, r.case_number, r.department,
       r.item_code, r.item_name, r.channel, r.level, r.bad, r.indicators, r.comment, r.named,
       r.rated_on, r.rated_at,
       t.state AS task_state, t.body AS task, t.version AS task_version
FROM ratings r LEFT JOIN rectifications t ON t.rating_id = r.id;
