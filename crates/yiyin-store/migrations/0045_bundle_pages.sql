-- A jurisdiction's bundles (一件事) read a page at a time, newest first: keyed by id within the
-- jurisdiction, so a page starts where the one before ended without scanning what came before.
CREATE INDEX bundles_by_jurisdiction_id ON bundles (jurisdiction, id);
