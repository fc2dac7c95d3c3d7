-- Joint site inspections and joint final acceptances (联合踏勘、联合验收): one visit of a received
-- bundle (a project's stage, project_id when it is one) by every department concerned, its kind,
-- date (YYYY-MM-DD) and round, the visit it re-inspects, its state, and its body (JSON: the
-- departments' teams of staff, any draw from a 踏勘人员库, the opinions); version for optimistic
-- concurrency.
CREATE TABLE joint_visits (
    id              {id},
    jurisdiction    TEXT NOT NULL,
    bundle_id       BIGINT NOT NULL REFERENCES bundles (id),
    project_id      BIGINT,
    kind            TEXT NOT NULL,
    visit_date      TEXT NOT NULL,
    round           BIGINT NOT NULL,
    previous_id     BIGINT REFERENCES joint_visits (id),
    state           TEXT NOT NULL,
    body            TEXT NOT NULL,
    version         BIGINT NOT NULL,
    scheduled_by    BIGINT NOT NULL,
    scheduled_at    BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX joint_visits_by_jurisdiction ON joint_visits (jurisdiction, visit_date);
CREATE INDEX joint_visits_by_bundle ON joint_visits (bundle_id);
CREATE INDEX joint_visits_by_project ON joint_visits (project_id);
CREATE UNIQUE INDEX joint_visits_one_reinspection ON joint_visits (previous_id);
