-- Drafts of application forms (一张表单): one per applicant account and catalog item, replaced at
-- each save, restored when the applicant opens the form again, dropped once the application is
-- received. The submitted form's data itself is kept in the case's body.
CREATE TABLE form_drafts (
    account_id    BIGINT NOT NULL,
    jurisdiction  TEXT NOT NULL,
    item_code     TEXT NOT NULL,
    data          TEXT NOT NULL,
    saved_at      BIGINT NOT NULL,
    PRIMARY KEY (account_id, jurisdiction, item_code)
);
