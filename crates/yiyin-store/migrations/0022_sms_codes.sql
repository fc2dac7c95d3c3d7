-- SMS one-time codes (短信验证码) for registration and password recovery: one code per phone and
-- purpose ('register' | 'recover') at a time, kept only as its SM3 hash (salted with the phone and
-- the purpose), with when it was made and runs out, its wrong tries and when it was used. A
-- recovery code names the account it resets (0 for registration).
CREATE TABLE sms_codes (
    phone       TEXT NOT NULL,
    purpose     TEXT NOT NULL,
    code_hash   TEXT NOT NULL,
    account_id  BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    tries       BIGINT NOT NULL,
    used_at     BIGINT,
    PRIMARY KEY (phone, purpose)
);
