-- Central drawing review (集中图审): a project's review of its construction drawings by a technical
-- review institution (a department of the organisation with the relation technical_institution).
-- The review (assignment, draw, rounds, opinions, certificate) is kept whole as JSON (`body`, the
-- domain's DrawingReview); the columns beside it are what lists and the rotation look up: the
-- institution, the state and the certificate's number (unique in the jurisdiction).
CREATE TABLE drawing_reviews (
    id              {id},
    jurisdiction    TEXT NOT NULL,
    project_id      BIGINT NOT NULL REFERENCES projects (id),
    institution     TEXT NOT NULL,
    state           TEXT NOT NULL,
    body            TEXT NOT NULL,
    certificate_no  TEXT,
    version         BIGINT NOT NULL DEFAULT 1,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX drawing_reviews_by_project ON drawing_reviews (project_id);
CREATE INDEX drawing_reviews_by_institution ON drawing_reviews (jurisdiction, institution);
CREATE UNIQUE INDEX drawing_review_certificates ON drawing_reviews (jurisdiction, certificate_no);
