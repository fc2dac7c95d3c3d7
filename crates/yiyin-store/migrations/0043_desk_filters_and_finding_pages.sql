-- The monitoring desk's last filters that scanned (issue 13): a staff member with an item or a
-- window, and the appeal state; and the findings read a page at a time (issue 17).

-- A staff member's cards by item or by window: the card's item (never changes) and window (moved
-- with a hand-over of the case, as the card's own) are kept beside each of its staff rows, which
-- the pair's index leads with.
ALTER TABLE monitoring_card_staff ADD COLUMN item_code TEXT NOT NULL DEFAULT '';
ALTER TABLE monitoring_card_staff ADD COLUMN unit TEXT NOT NULL DEFAULT '';
UPDATE monitoring_card_staff SET
    item_code = (SELECT c.item_code FROM monitoring_cards c WHERE c.id = monitoring_card_staff.card_id),
    unit = (SELECT c.unit FROM monitoring_cards c WHERE c.id = monitoring_card_staff.card_id);
CREATE INDEX monitoring_card_staff_item ON monitoring_card_staff (account_id, jurisdiction, item_code, card_on, card_id);
CREATE INDEX monitoring_card_staff_unit ON monitoring_card_staff (account_id, jurisdiction, unit, card_on, card_id);

-- The appeals in one state: an appeal keeps its card's jurisdiction and date (neither ever
-- changes), so the appeal filter reads a range of the appeals in date order and joins their
-- cards, instead of reading every card of the jurisdiction for the few appealed.
ALTER TABLE card_appeals ADD COLUMN jurisdiction TEXT NOT NULL DEFAULT '';
ALTER TABLE card_appeals ADD COLUMN card_on TEXT NOT NULL DEFAULT '';
UPDATE card_appeals SET
    jurisdiction = (SELECT c.jurisdiction FROM monitoring_cards c WHERE c.id = card_appeals.card_id),
    card_on = (SELECT c.card_on FROM monitoring_cards c WHERE c.id = card_appeals.card_id);
CREATE INDEX card_appeals_desk ON card_appeals (jurisdiction, state, card_on, card_id);

-- The findings of a jurisdiction and of one of its departments, newest first, a page at a time
-- (issue 17): each list reads a range of its index from the page's key on.
CREATE INDEX findings_by_jurisdiction ON findings (jurisdiction, id);
CREATE INDEX findings_by_department ON findings (jurisdiction, department, id);
