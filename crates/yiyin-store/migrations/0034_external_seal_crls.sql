-- The revocation lists (CRL) of the county seal makers behind external seals (外部签章系统): per
-- external seal, the address Yiyin fetches its maker's CRL from ('' when only uploaded), the latest
-- CRL accepted (DER, hex; its signature checked against the maker's certificate) and its issue day,
-- and the outcome of the last fetch (the reason in Chinese when it failed, '' otherwise).
-- Pushes queued with an external seal wait for its signature (seal_id set, signature NULL).
CREATE TABLE seal_crls (
    seal_id      BIGINT PRIMARY KEY REFERENCES seals (id),
    url          TEXT NOT NULL DEFAULT '',
    crl          TEXT NOT NULL DEFAULT '',
    this_update  TEXT NOT NULL DEFAULT '',
    accepted_at  BIGINT,
    checked_at   BIGINT,
    problem      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX pushes_awaiting_signature ON pushes (id) WHERE signature IS NULL AND seal_id IS NOT NULL;
