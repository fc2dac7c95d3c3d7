-- The event log as sixteen hash chains, so that writes of different cases do not queue behind one
-- row. A case's events go to chain 1 + (case id mod 16), the events of no case to chain 1; each
-- event keeps its number (`seq`, drawn when it is appended, unique over all chains) and takes its
-- place in its chain (`pos`) when its transaction commits, under that chain's head alone. The events
-- before this migration stay chain 1 at their numbers; every other chain starts after them (`base`),
-- so a case's events are in order by position across the change. The chains' heads are combined
-- into one root, which is what the platform seal signs each day (`chain_root_parts` keeps the heads
-- each root published or shown by the audit was made of, so a root kept by anyone can be checked).
ALTER TABLE events ADD COLUMN chain BIGINT NOT NULL DEFAULT 1;
ALTER TABLE events ADD COLUMN pos BIGINT NOT NULL DEFAULT 0;
UPDATE events SET pos = seq;
CREATE UNIQUE INDEX events_by_chain ON events (chain, pos);
CREATE INDEX events_by_case_pos ON events (case_id, pos);
DROP INDEX events_by_case;

-- `seq`: the number of the chain's last event (0: none yet); `pos`: its position; `base`: the
-- position before the chain's first event.
ALTER TABLE chain_head ADD COLUMN pos BIGINT NOT NULL DEFAULT 0;
ALTER TABLE chain_head ADD COLUMN base BIGINT NOT NULL DEFAULT 0;
UPDATE chain_head SET pos = seq;
WITH RECURSIVE k(n) AS (SELECT 2 UNION ALL SELECT n + 1 FROM k WHERE n < 16)
INSERT INTO chain_head (id, seq, hash, locked_at, pos, base)
SELECT k.n, 0, '0000000000000000000000000000000000000000000000000000000000000000', 0, h.seq, h.seq
FROM k, chain_head h WHERE h.id = 1;

-- Event numbers: a sequence on PostgreSQL (drawn without a lock); a counter on SQLite, whose one
-- writer takes it in turn.
{postgres} CREATE SEQUENCE event_seqs;
{postgres} SELECT setval('event_seqs', (SELECT seq FROM chain_head WHERE id = 1) + 1, false);
{sqlite} CREATE TABLE event_seqs (id BIGINT PRIMARY KEY, last BIGINT NOT NULL);
{sqlite} INSERT INTO event_seqs (id, last) SELECT 1, seq FROM chain_head WHERE id = 1;

-- The chains' heads each root handed out (published, or shown by the audit) was made of.
CREATE TABLE chain_root_parts (
    root   TEXT NOT NULL,
    chain  BIGINT NOT NULL,
    seq    BIGINT NOT NULL,
    pos    BIGINT NOT NULL,
    hash   TEXT NOT NULL,
    PRIMARY KEY (root, chain)
);
