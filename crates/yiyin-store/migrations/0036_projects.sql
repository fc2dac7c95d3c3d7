-- Construction projects by stage (工程建设项目审批, 国办发〔2019〕11号). A jurisdiction's scheme (its
-- four stages — each stage's bundle, milestone items, completion rule and parallel items — and the
-- target of working days; JSON); the projects registered at the window (项目代码 unique in a
-- jurisdiction, name, builder and its credit code, location, investment type); each bundle
-- received as a stage of a project; and the materials the project has given once (by name), never
-- asked for again within it.
CREATE TABLE project_schemes (
    jurisdiction    TEXT PRIMARY KEY,
    body            TEXT NOT NULL,
    updated_by      TEXT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE TABLE projects (
    id              {id},
    jurisdiction    TEXT NOT NULL,
    code            TEXT NOT NULL,
    name            TEXT NOT NULL,
    builder         TEXT NOT NULL,
    builder_code    TEXT NOT NULL,
    location        TEXT NOT NULL,
    investment      TEXT NOT NULL,
    registered_by   BIGINT NOT NULL,
    registered_at   BIGINT NOT NULL,
    UNIQUE (jurisdiction, code)
);
CREATE INDEX projects_by_builder ON projects (builder_code);
ALTER TABLE bundles ADD COLUMN project_id BIGINT;
ALTER TABLE bundles ADD COLUMN project_stage TEXT;
CREATE INDEX bundles_by_project ON bundles (project_id);
CREATE TABLE project_materials (
    project_id      BIGINT NOT NULL REFERENCES projects (id),
    name            TEXT NOT NULL,
    stage           TEXT NOT NULL,
    bundle_id       BIGINT NOT NULL,
    given_at        BIGINT NOT NULL,
    PRIMARY KEY (project_id, name)
);
