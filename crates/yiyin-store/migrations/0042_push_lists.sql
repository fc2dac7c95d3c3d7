-- Push lists that page and deliveries per department (issue 17).

-- The bureau's lists of a jurisdiction, newest first: the pushes unacknowledged past their date,
-- and the dead letters, each a range of its index.
CREATE INDEX pushes_unacknowledged ON pushes (jurisdiction, ack_due, id) WHERE acknowledged_at IS NULL;
CREATE INDEX pushes_by_status ON pushes (jurisdiction, status, id);
