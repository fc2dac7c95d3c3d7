-- Review certificates in the register of documents (施工图审查合格书): a drawing review's
-- certificate is a sealed document like a case's, kept in `documents`, but it belongs to a
-- drawing review, not to a case. The case link becomes optional and a link to the review is
-- added; exactly one of the two is set (`documents_one_owner`). Existing documents keep their
-- case.
--
-- PostgreSQL drops the NOT NULL in place. SQLite cannot alter a column's constraint, so there the
-- table is rebuilt the way SQLite documents (copy, drop, create, copy back), inside the
-- migration's one transaction; with `defer_foreign_keys` the table that references documents (id)
-- (deliveries) is checked at commit, when every id is back unchanged. Statements starting with
-- {sqlite} or {postgres} run on that backend only (see `migrate::for_backend`).
{postgres} ALTER TABLE documents ALTER COLUMN case_id DROP NOT NULL;
{postgres} ALTER TABLE documents ADD COLUMN drawing_review_id BIGINT REFERENCES drawing_reviews (id);
{postgres} ALTER TABLE documents ADD CONSTRAINT documents_one_owner CHECK (
    (case_id IS NOT NULL AND drawing_review_id IS NULL)
    OR (case_id IS NULL AND drawing_review_id IS NOT NULL));

{sqlite} PRAGMA defer_foreign_keys = ON;
{sqlite} CREATE TABLE documents_0044 AS SELECT * FROM documents;
{sqlite} DROP TABLE documents;
{sqlite} CREATE TABLE documents (
    id                 {id},
    case_id            BIGINT REFERENCES cases (id),
    kind               TEXT NOT NULL,
    number             TEXT NOT NULL,
    title              TEXT NOT NULL,
    issued_on          TEXT NOT NULL,
    event_seq          BIGINT NOT NULL,
    body               TEXT NOT NULL,
    created_at         BIGINT NOT NULL,
    sealed             TEXT,
    seal_id            BIGINT,
    pdf_digest         TEXT,
    verification_code  TEXT,
    seal_pending       BIGINT,
    seal_problem       TEXT,
    ofd_digest         TEXT,
    drawing_review_id  BIGINT REFERENCES drawing_reviews (id),
    CONSTRAINT documents_one_owner CHECK (
        (case_id IS NOT NULL AND drawing_review_id IS NULL)
        OR (case_id IS NULL AND drawing_review_id IS NOT NULL))
);
{sqlite} INSERT INTO documents (id, case_id, kind, number, title, issued_on, event_seq, body,
    created_at, sealed, seal_id, pdf_digest, verification_code, seal_pending, seal_problem,
    ofd_digest, drawing_review_id)
SELECT id, case_id, kind, number, title, issued_on, event_seq, body, created_at, sealed, seal_id,
    pdf_digest, verification_code, seal_pending, seal_problem, ofd_digest, NULL
FROM documents_0044;
{sqlite} DROP TABLE documents_0044;
{sqlite} CREATE INDEX documents_by_case ON documents (case_id, id);
{sqlite} CREATE INDEX documents_by_number ON documents (number);
{sqlite} CREATE INDEX documents_by_pdf ON documents (pdf_digest);
{sqlite} CREATE INDEX documents_by_code ON documents (verification_code);
{sqlite} CREATE INDEX documents_by_seal_pending ON documents (seal_pending);

-- One certificate per review.
CREATE UNIQUE INDEX documents_by_drawing_review ON documents (drawing_review_id);
