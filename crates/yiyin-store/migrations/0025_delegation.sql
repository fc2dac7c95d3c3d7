-- Township delegation (委托实施, 行政许可法 Art. 24): the delegating authority (bureau or county
-- government), the entrusted township, the items (JSON array of catalog codes), the scope (intake
-- only / intake and decision), the period, the legal basis, the notice number and the working days a
-- village agency point has to forward an application; revoked_on is the day from which it no longer
-- applies.
CREATE TABLE delegations (
    id              {id},
    jurisdiction    TEXT NOT NULL,
    delegator       TEXT NOT NULL,
    township        TEXT NOT NULL,
    items           TEXT NOT NULL,
    scope           TEXT NOT NULL,
    valid_from      TEXT NOT NULL,
    valid_until     TEXT NOT NULL,
    legal_basis     TEXT NOT NULL,
    forward_days    BIGINT NOT NULL,
    notice_number   TEXT NOT NULL,
    revoked_on      TEXT,
    revoke_reason   TEXT NOT NULL DEFAULT '',
    created_by      BIGINT NOT NULL,
    created_at      BIGINT NOT NULL
);
CREATE UNIQUE INDEX delegation_notice_numbers ON delegations (jurisdiction, notice_number);
CREATE INDEX delegations_by_township ON delegations (jurisdiction, township);

-- Applications a village agency point took (代收) and forwards to its township (代办): the
-- application as taken (JSON), the day taken and the day it is due at the township; once the
-- township receives it, the case it became and the day. The case's clock starts that day.
CREATE TABLE village_forwardings (
    id              {id},
    jurisdiction    TEXT NOT NULL,
    village         TEXT NOT NULL,
    township        TEXT NOT NULL,
    item_code       TEXT NOT NULL,
    applicant_name  TEXT NOT NULL,
    application     TEXT NOT NULL,
    taken_on        TEXT NOT NULL,
    due_on          TEXT NOT NULL,
    taken_by        BIGINT NOT NULL,
    taken_at        BIGINT NOT NULL,
    case_id         BIGINT REFERENCES cases (id),
    received_on     TEXT,
    received_by     BIGINT
);
CREATE INDEX village_forwardings_by_township ON village_forwardings (jurisdiction, township, case_id);
