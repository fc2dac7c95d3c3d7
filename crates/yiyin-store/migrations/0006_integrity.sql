-- The event chain covers the state it produced, and public verification needs a code.
--
-- hash_version: how an event's hash is computed. 1 (the events written before this migration):
-- SM3 over the fields joined with U+001F. 2: SM3 over a length-prefixed encoding of every field,
-- the state digest included, so no text can move from one field into another.
-- state_digest: (version 2) the SM3 digest of the canonical encoding of the event's case row and
-- its licence rows as the event left them; the last event of each case must match the rows now.
ALTER TABLE events ADD COLUMN hash_version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE events ADD COLUMN state_digest TEXT;

-- The random verification code of each document (printed on it and carried by its QR code): a
-- lookup by number alone shows masked facts, with the code the full record. Documents issued
-- before this migration get one when their PDF is first rendered.
ALTER TABLE documents ADD COLUMN verification_code TEXT;
CREATE INDEX documents_by_code ON documents (verification_code);
