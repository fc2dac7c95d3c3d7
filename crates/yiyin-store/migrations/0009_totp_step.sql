-- A TOTP code is accepted once (RFC 6238 5.2): the time step of the last code accepted for the
-- account (enrolment or login); a code of that step or an earlier one is refused. 0: none yet.
ALTER TABLE accounts ADD COLUMN totp_step BIGINT NOT NULL DEFAULT 0;
