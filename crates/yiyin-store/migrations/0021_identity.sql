-- One identity per person and organisation (一人一档). An applicant account bound to the identity a
-- real-name provider verified (OpenID Connect): the kind and number of the verified ID (citizen ID
-- number or unified social credit code), the verified name, the provider and its subject, and when.
-- One account per verified ID number and per provider subject. The cases and licences under the
-- verified ID number are the account's, whoever filed them.
CREATE TABLE account_identities (
    account_id        BIGINT PRIMARY KEY REFERENCES accounts (id),
    subject_kind      TEXT NOT NULL,
    id_number         TEXT NOT NULL UNIQUE,
    name              TEXT NOT NULL,
    provider          TEXT NOT NULL,
    provider_subject  TEXT NOT NULL,
    verified_at       BIGINT NOT NULL,
    UNIQUE (provider, provider_subject)
);

-- A login through the provider under way: the state (kept only as its hash), the nonce and the
-- PKCE verifier it was started with, where to return, and the account binding its identity (0 when
-- logging in). Taken once by the callback: a replayed callback finds nothing.
CREATE TABLE identity_logins (
    state_hash     TEXT PRIMARY KEY,
    nonce          TEXT NOT NULL,
    pkce_verifier  TEXT NOT NULL,
    next_path      TEXT NOT NULL,
    bind_account   BIGINT NOT NULL,
    created_at     BIGINT NOT NULL
);

-- The cases under an ID number (the applicant's 我的办件 by verified identity, the name check at
-- intake).
CREATE INDEX cases_by_applicant_id ON cases (applicant_id, applicant_kind);
CREATE INDEX licences_by_holder ON licences (holder_id);
