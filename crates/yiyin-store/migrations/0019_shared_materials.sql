-- Shared data instead of copies (免提交): every attempt to fetch a material a case's item marks as
-- fetched (部门共享 or 证照库) — the record the source answered with, or why it could not — with the
-- source, the endpoint asked and the time. The latest fetched row of a material is what stands for it
-- on the case.
CREATE TABLE shared_materials (
    id             {id},
    case_id        BIGINT NOT NULL REFERENCES cases (id),
    material_code  TEXT NOT NULL,
    -- The material's source: shared (部门共享) or licence_register (证照库).
    source         TEXT NOT NULL,
    -- Who answered: the configured source's name, or Yiyin's own licence register.
    answered_by    TEXT NOT NULL,
    -- fetched, not_found or unavailable.
    outcome        TEXT NOT NULL,
    -- The record as answered (JSON, the data-sharing contract's body); empty unless fetched.
    record         TEXT NOT NULL,
    document_no    TEXT NOT NULL,
    -- Why the fetch did not succeed, in Chinese; empty when fetched.
    problem        TEXT NOT NULL,
    fetched_by     TEXT NOT NULL,
    fetched_at     BIGINT NOT NULL
);
CREATE INDEX shared_materials_by_case ON shared_materials (case_id, material_code, id);
