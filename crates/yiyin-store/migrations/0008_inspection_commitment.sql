-- Random inspections that cannot be predicted or shopped (双随机一公开): a plan is published with the
-- SM3 digest of its pools and no seed; the seed is taken at the draw from the first signed daily
-- chain head after publication (seed_source, JSON); one open plan (neither drawn nor cancelled) per
-- department and item; a cancelled plan stays public with its reason. Plans published before this
-- migration have no digest (pools_digest = '').
ALTER TABLE inspection_plans ADD COLUMN pools_digest TEXT NOT NULL DEFAULT '';
ALTER TABLE inspection_plans ADD COLUMN seed_source TEXT;
ALTER TABLE inspection_plans ADD COLUMN cancelled_at BIGINT;
ALTER TABLE inspection_plans ADD COLUMN cancel_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE inspection_plans ADD COLUMN cancelled_by TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX inspection_plans_one_open ON inspection_plans (jurisdiction, department, item_code)
    WHERE drawn_at IS NULL AND cancelled_at IS NULL AND pools_digest <> '';
