-- Delivery of documents (送达, Art. 44). The applicant's consent to electronic delivery on a case:
-- how it was given (online by the applicant, or written and recorded by the clerk), by which
-- account, and when. One per case; the first consent stands.
CREATE TABLE delivery_consents (
    case_id       BIGINT PRIMARY KEY REFERENCES cases (id),
    channel       TEXT NOT NULL,
    recorded_by   BIGINT NOT NULL,
    consented_at  BIGINT NOT NULL
);

-- The delivery of a document of a case: its method (electronic, window, post), the consent it
-- relied on (electronic), the recipient (and for window collection the collector's ID number, the
-- signer of the receipt, whether an agent), carrier and tracking number (post), the delivery date
-- (empty while a letter is on its way), who recorded it and when. One per document.
CREATE TABLE deliveries (
    id             {id},
    case_id        BIGINT NOT NULL REFERENCES cases (id),
    document_id    BIGINT NOT NULL UNIQUE REFERENCES documents (id),
    method         TEXT NOT NULL,
    consent_case   BIGINT,
    recipient      TEXT NOT NULL,
    recipient_id   TEXT NOT NULL DEFAULT '',
    signed_by      TEXT NOT NULL DEFAULT '',
    as_agent       BIGINT NOT NULL DEFAULT 0,
    carrier        TEXT NOT NULL DEFAULT '',
    tracking_no    TEXT NOT NULL DEFAULT '',
    delivered_on   TEXT,
    recorded_by    BIGINT NOT NULL,
    recorded_at    BIGINT NOT NULL
);
CREATE INDEX deliveries_by_case ON deliveries (case_id);
