-- Electronic seals: an SM2 key pair per holder (a bureau, a resident department, the platform). The
-- private key is kept only encrypted with the passphrase given at start-up; retired seals stay so
-- that documents they signed still verify.
CREATE TABLE seals (
    id             {id},
    jurisdiction   TEXT NOT NULL,
    department     TEXT NOT NULL,
    name           TEXT NOT NULL,
    holder         TEXT NOT NULL,
    public_key     TEXT NOT NULL,
    encrypted_key  TEXT NOT NULL,
    valid_from     TEXT NOT NULL,
    valid_until    TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    retired_at     BIGINT
);
CREATE INDEX seals_by_holder ON seals (jurisdiction, department, retired_at);

-- The sealed form of each document (record, seal, SM2 signature), and its rendered PDF (a blob).
ALTER TABLE documents ADD COLUMN sealed TEXT;
ALTER TABLE documents ADD COLUMN seal_id BIGINT;
ALTER TABLE documents ADD COLUMN pdf_digest TEXT;
CREATE INDEX documents_by_pdf ON documents (pdf_digest);

-- The register of e-licences: identifier after GB/T 36904, holder, issuer, validity and status.
CREATE TABLE licences (
    id                  {id},
    identifier          TEXT NOT NULL UNIQUE,
    case_id             BIGINT NOT NULL REFERENCES cases (id),
    jurisdiction        TEXT NOT NULL,
    item_code           TEXT NOT NULL,
    name                TEXT NOT NULL,
    holder              TEXT NOT NULL,
    holder_id           TEXT NOT NULL,
    issuer              TEXT NOT NULL,
    issuer_credit_code  TEXT NOT NULL,
    issued_on           TEXT NOT NULL,
    valid_until         TEXT,
    status              TEXT NOT NULL,
    version             BIGINT NOT NULL,
    document_id         BIGINT,
    updated_at          BIGINT NOT NULL
);
CREATE INDEX licences_by_case ON licences (case_id);
CREATE TABLE licence_serials (
    jurisdiction  TEXT PRIMARY KEY,
    next          BIGINT NOT NULL
);

-- The chain head published each day, signed by the platform seal, so that anyone holding an old head
-- can prove later history was not rewritten.
CREATE TABLE chain_heads (
    day        TEXT PRIMARY KEY,
    seq        BIGINT NOT NULL,
    hash       TEXT NOT NULL,
    signed_at  TEXT NOT NULL,
    seal_id    BIGINT NOT NULL,
    signature  TEXT NOT NULL
);

-- Closed cases' archive packages (zip blobs) with the SM3 digest of their manifest.
CREATE TABLE archives (
    case_id          BIGINT PRIMARY KEY REFERENCES cases (id),
    digest           TEXT NOT NULL,
    manifest_digest  TEXT NOT NULL,
    created_at       BIGINT NOT NULL
);
