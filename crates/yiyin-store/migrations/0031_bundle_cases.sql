-- A bundle's member items are ordinary cases (一件事, 行政许可法 Art. 26, 42 para 2): each case
-- names the bundle it belongs to (NULL for a case applied for on its own).
ALTER TABLE cases ADD COLUMN bundle_id BIGINT;
CREATE INDEX cases_by_bundle ON cases (bundle_id);
