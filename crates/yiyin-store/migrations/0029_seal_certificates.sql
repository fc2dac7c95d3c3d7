-- The local seal-making authority (制章机构) and the seals' certificates (GB/T 38540).
-- seal_authority: the installation's SM2 root, made once: its certificate (DER, hex) and its private
-- key encrypted with the seal passphrase like the seals' keys. seal_certificates: one SM2 certificate
-- per seal issued by that root (subject = the holder, validity = the seal's), the SES_Seal (the seal
-- data signed by the maker, DER, hex) built on it, and the certificate's revocation, if any (a
-- revoked certificate is listed in the published CRL).
CREATE TABLE seal_authority (
    id             {id},
    name           TEXT NOT NULL,
    public_key     TEXT NOT NULL,
    encrypted_key  TEXT NOT NULL,
    certificate    TEXT NOT NULL,
    created_at     BIGINT NOT NULL
);
CREATE TABLE seal_certificates (
    seal_id        BIGINT PRIMARY KEY REFERENCES seals (id),
    serial         TEXT NOT NULL UNIQUE,
    certificate    TEXT NOT NULL,
    eseal          TEXT NOT NULL,
    issued_at      BIGINT NOT NULL,
    revoked_at     BIGINT,
    revoked_on     TEXT,
    revocation_reason TEXT
);
