-- Files kept from an upload form refused for another file (a wrong type, too large): bound to the
-- session that sent them (its token's hash) and to the form's idempotency key, attached when that
-- form is sent again in that session. The bytes live in the blob store under the digest the server
-- computed; a client never names a digest.
CREATE TABLE pending_uploads (
    id             {id},
    session_hash   TEXT NOT NULL,
    form_key       TEXT NOT NULL,
    material_code  TEXT NOT NULL,
    file_name      TEXT NOT NULL,
    size           BIGINT NOT NULL,
    digest         TEXT NOT NULL,
    kept_at        BIGINT NOT NULL
);
CREATE INDEX pending_uploads_by_form ON pending_uploads (session_hash, form_key);
