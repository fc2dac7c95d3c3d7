-- Reconsideration and litigation against the bureau's decisions (行政复议、行政诉讼): the register.
-- Each entry names the challenged case and/or licence, the applicant or plaintiff, the reviewing
-- body or court and its file number, the day the copy was received, the reply period's counting
-- rule kept as data (counting_rule, period_days, basis: a correction of the rule is a correction of
-- data) and the due date it gives, the staff account responsible, and then the reply filed and the
-- outcome with its date and its effect on the licence. One entry per body and file number.
CREATE TABLE redress_entries (
    id              {id},
    jurisdiction    TEXT NOT NULL,
    kind            TEXT NOT NULL,
    case_id         BIGINT REFERENCES cases (id),
    licence         TEXT NOT NULL DEFAULT '',
    applicant       TEXT NOT NULL,
    body            TEXT NOT NULL,
    file_number     TEXT NOT NULL,
    received_on     TEXT NOT NULL,
    counting_rule   TEXT NOT NULL,
    period_days     BIGINT NOT NULL,
    basis           TEXT NOT NULL,
    reply_due       TEXT NOT NULL,
    explanation     TEXT NOT NULL,
    responsible     BIGINT NOT NULL REFERENCES accounts (id),
    state           TEXT NOT NULL,
    replied_on      TEXT,
    replied_late    BIGINT NOT NULL DEFAULT 0,
    outcome         TEXT,
    outcome_on      TEXT,
    effect          TEXT NOT NULL DEFAULT '',
    licence_act     BIGINT,
    notes           TEXT NOT NULL DEFAULT '',
    registered_by   BIGINT NOT NULL,
    registered_at   BIGINT NOT NULL
);
CREATE UNIQUE INDEX redress_file_numbers ON redress_entries (jurisdiction, body, file_number);
CREATE INDEX redress_by_jurisdiction ON redress_entries (jurisdiction, state);
CREATE INDEX redress_by_case ON redress_entries (case_id);
