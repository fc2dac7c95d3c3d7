-- E-monitoring (电子监察): the yellow and red cards the monitoring sweep issues, and their appeals.

-- A card is issued once per case and limit (the UNIQUE key makes the sweep idempotent across app
-- servers: insert-if-absent) and is never deleted or edited.
CREATE TABLE monitoring_cards (
    id            {id},
    case_id       BIGINT NOT NULL REFERENCES cases (id),
    case_number   TEXT NOT NULL,
    jurisdiction  TEXT NOT NULL,
    department    TEXT NOT NULL,
    item_code     TEXT NOT NULL,
    item_name     TEXT NOT NULL,
    color         TEXT NOT NULL,
    card_limit    TEXT NOT NULL,
    card_on       TEXT NOT NULL,
    due_on        TEXT NOT NULL,
    reason        TEXT NOT NULL,
    issued_at     BIGINT NOT NULL,
    UNIQUE (case_id, card_limit)
);
CREATE INDEX monitoring_cards_desk ON monitoring_cards (jurisdiction, card_on, id);

-- One appeal (申诉) per card: it annotates the card, which stays as issued; decided by the
-- discipline supervisor with the reason kept.
CREATE TABLE card_appeals (
    card_id          BIGINT PRIMARY KEY REFERENCES monitoring_cards (id),
    filed_by         TEXT NOT NULL,
    reason           TEXT NOT NULL,
    filed_at         BIGINT NOT NULL,
    state            TEXT NOT NULL,
    decided_by       TEXT,
    decision_reason  TEXT,
    decided_at       BIGINT
);

-- The desk reads a card with its appeal, if any.
CREATE VIEW monitoring_desk AS
SELECT c.id, c.case_id, c.case_number, c.jurisdiction, c.department, c.item_code, c.item_name,
       c.color, c.card_limit, c.card_on, c.due_on, c.reason, c.issued_at,
       a.filed_by AS appeal_filed_by, a.reason AS appeal_reason, a.filed_at AS appeal_filed_at,
       a.state AS appeal_state, a.decided_by AS appeal_decided_by,
       a.decision_reason AS appeal_decision_reason, a.decided_at AS appeal_decided_at
FROM monitoring_cards c LEFT JOIN card_appeals a ON a.card_id = c.id;
