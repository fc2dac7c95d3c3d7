-- The monitoring desk's window and staff filters, its counts and its paging by key (issue 13).

-- The unit (window) of a card's case, kept with the card (and moved with a hand-over of the case).
ALTER TABLE monitoring_cards ADD COLUMN unit TEXT NOT NULL DEFAULT '';
UPDATE monitoring_cards SET unit = (SELECT c.unit FROM cases c WHERE c.id = monitoring_cards.case_id);

-- The staff accounts counted with a card's case in the statistics (`statistics_case_staff`), one
-- row per card and account, kept with the summary: the staff filter walks it in date order.
CREATE TABLE monitoring_card_staff (
    account_id    BIGINT NOT NULL,
    jurisdiction  TEXT NOT NULL,
    card_on       TEXT NOT NULL,
    card_id       BIGINT NOT NULL REFERENCES monitoring_cards (id),
    PRIMARY KEY (account_id, jurisdiction, card_on, card_id)
);
INSERT INTO monitoring_card_staff (account_id, jurisdiction, card_on, card_id)
SELECT s.account_id, c.jurisdiction, c.card_on, c.id
FROM monitoring_cards c JOIN statistics_case_staff s ON s.case_id = c.case_id;

-- Each filter the desk offers leads an index in date order, so that a page and a count read a
-- range of one index, never every card.
CREATE INDEX monitoring_cards_desk_unit ON monitoring_cards (jurisdiction, unit, card_on, id);
CREATE INDEX monitoring_cards_desk_color ON monitoring_cards (jurisdiction, color, card_on, id);

-- The desk reads a card with its appeal, if any, and now its unit.
DROP VIEW monitoring_desk;
CREATE VIEW monitoring_desk AS
SELECT c.id, c.case_id, c.case_number, c.jurisdiction, c.department, c.item_code, c.item_name,
       c.color, c.card_limit, c.card_on, c.due_on, c.reason, c.issued_at, c.unit,
       a.filed_by AS appeal_filed_by, a.reason AS appeal_reason, a.filed_at AS appeal_filed_at,
       a.state AS appeal_state, a.decided_by AS appeal_decided_by,
       a.decision_reason AS appeal_decision_reason, a.decided_at AS appeal_decided_at
FROM monitoring_cards c LEFT JOIN card_appeals a ON a.card_id = c.id;
