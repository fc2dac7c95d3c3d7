-- Files attached to a case (materials uploaded online or scanned at a window). The bytes live in the
-- content-addressed blob store under their SM3 digest; this table says what each file is.
CREATE TABLE attachments (
    id             {id},
    case_id        BIGINT NOT NULL REFERENCES cases (id),
    material_code  TEXT NOT NULL,
    file_name      TEXT NOT NULL,
    content_type   TEXT NOT NULL,
    size           BIGINT NOT NULL,
    digest         TEXT NOT NULL,
    uploaded_at    BIGINT NOT NULL,
    uploaded_by    TEXT NOT NULL
);
CREATE INDEX attachments_by_case ON attachments (case_id, material_code);
