-- Files attached to a requests-centre ticket (12345 工单): photos and PDFs given at intake (by the
-- hotline agent, the applicant or the public form) and the department's evidence given with its
-- reply. The bytes live in the content-addressed blob store under their SM3 digest; this table
-- says what each file is and who gave it.
CREATE TABLE ticket_attachments (
    id             {id},
    ticket_id      BIGINT NOT NULL REFERENCES tickets (id),
    stage          TEXT NOT NULL,
    file_name      TEXT NOT NULL,
    content_type   TEXT NOT NULL,
    size           BIGINT NOT NULL,
    digest         TEXT NOT NULL,
    uploaded_by    TEXT NOT NULL,
    uploaded_at    BIGINT NOT NULL
);
CREATE INDEX ticket_attachments_by_ticket ON ticket_attachments (ticket_id, stage, id);
