-- Partner applications' keys for the Open311 GeoReport v2 interface of the requests centre.

-- A key is issued by a jurisdiction's centre manager to one partner application and shown once;
-- only its SM3 is kept. A revoked key (revoked = 1) is refused.
CREATE TABLE open311_keys (
    id            {id},
    jurisdiction  TEXT NOT NULL,
    name          TEXT NOT NULL,
    key_hash      TEXT NOT NULL UNIQUE,
    created_by    TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    revoked       BIGINT NOT NULL
);
CREATE INDEX open311_keys_by_jurisdiction ON open311_keys (jurisdiction, created_at);
