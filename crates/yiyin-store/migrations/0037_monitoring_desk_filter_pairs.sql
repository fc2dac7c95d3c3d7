-- The monitoring desk's filters two at a time (issue 13): each pair the desk offers leads an index
-- in date order, so that a page and its count read a range of one index, not the first filter's
-- range scanned for the second. (A filter with a date range reads a range of the same index: the
-- date follows the filters' columns.)
CREATE INDEX monitoring_cards_desk_department_color ON monitoring_cards (jurisdiction, department, color, card_on, id);
CREATE INDEX monitoring_cards_desk_department_unit ON monitoring_cards (jurisdiction, department, unit, card_on, id);
CREATE INDEX monitoring_cards_desk_department_item ON monitoring_cards (jurisdiction, department, item_code, card_on, id);
CREATE INDEX monitoring_cards_desk_item_color ON monitoring_cards (jurisdiction, item_code, color, card_on, id);
CREATE INDEX monitoring_cards_desk_item_unit ON monitoring_cards (jurisdiction, item_code, unit, card_on, id);
CREATE INDEX monitoring_cards_desk_unit_color ON monitoring_cards (jurisdiction, unit, color, card_on, id);

-- The staff filter with a colour or a department: the card's colour and department (neither ever
-- changes) are kept beside each of its staff rows, which the pair's index leads with.
ALTER TABLE monitoring_card_staff ADD COLUMN color TEXT NOT NULL DEFAULT '';
ALTER TABLE monitoring_card_staff ADD COLUMN department TEXT NOT NULL DEFAULT '';
UPDATE monitoring_card_staff SET
    color = (SELECT c.color FROM monitoring_cards c WHERE c.id = monitoring_card_staff.card_id),
    department = (SELECT c.department FROM monitoring_cards c WHERE c.id = monitoring_card_staff.card_id);
CREATE INDEX monitoring_card_staff_color ON monitoring_card_staff (account_id, jurisdiction, color, card_on, card_id);
CREATE INDEX monitoring_card_staff_department ON monitoring_card_staff (account_id, jurisdiction, department, card_on, card_id);
