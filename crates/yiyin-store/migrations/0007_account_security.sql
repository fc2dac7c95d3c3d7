-- Authentication strength and accountable user management (GB/T 22239-2019 level 3).
-- A staff account's TOTP secret (base32; empty: not enrolled) and the one offered at enrolment,
-- until a code from it confirms it.
ALTER TABLE accounts ADD COLUMN totp_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN totp_pending TEXT NOT NULL DEFAULT '';

-- When a session last served a request (milliseconds), for the idle timeout.
ALTER TABLE sessions ADD COLUMN last_seen BIGINT NOT NULL DEFAULT 0;

-- Grants of a deciding role made by a system administrator, waiting for the bureau head of the
-- jurisdiction to confirm them; the account cannot act with the role before.
CREATE TABLE pending_grants (
    id            {id},
    account_id    BIGINT NOT NULL REFERENCES accounts (id),
    role          TEXT NOT NULL,
    jurisdiction  TEXT NOT NULL REFERENCES jurisdictions (code),
    department    TEXT NOT NULL DEFAULT '',
    unit          TEXT NOT NULL DEFAULT '',
    requested_by  TEXT NOT NULL,
    requested_at  BIGINT NOT NULL
);
CREATE INDEX pending_grants_by_jurisdiction ON pending_grants (jurisdiction);
