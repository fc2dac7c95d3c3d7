-- The statistics summary (政务服务统计的汇总表), kept in the same transaction as each write that
-- changes a case's figures, so that a table of a jurisdiction-year reads sums, never every case.

-- Per case: the groups it counts in, and its figures as last added to the sums (the domain's
-- `CaseFigures` as JSON), so that a change takes the old ones away; `volatile` 1: the case is not
-- settled (waiting for acceptance, suspended, or a clock the calendar cannot read yet) and is
-- counted from its facts when a table is asked for. A simulated case has no row.
CREATE TABLE statistics_facts (
    case_id       BIGINT PRIMARY KEY REFERENCES cases (id),
    jurisdiction  TEXT NOT NULL,
    item_code     TEXT NOT NULL,
    item_name     TEXT NOT NULL,
    department    TEXT NOT NULL,
    unit          TEXT NOT NULL,
    received_on   TEXT NOT NULL,
    volatile      BIGINT NOT NULL,
    figures       TEXT NOT NULL
);
CREATE INDEX statistics_facts_volatile ON statistics_facts (jurisdiction, received_on) WHERE volatile = 1;

-- The staff accounts that recorded a transition of a case (the staff grouping).
CREATE TABLE statistics_case_staff (
    case_id     BIGINT NOT NULL REFERENCES cases (id),
    account_id  BIGINT NOT NULL,
    PRIMARY KEY (case_id, account_id)
);

-- The sums of the settled cases' tallies by day ('d'), month ('m') and year ('y'), the bucket
-- named by its first day, per group: staff 0 is the case itself (by item, department and unit);
-- a staff account's rows (item and unit empty) count each case it acted on.
CREATE TABLE statistics_sums (
    jurisdiction        TEXT NOT NULL,
    span                TEXT NOT NULL,
    bucket              TEXT NOT NULL,
    staff               BIGINT NOT NULL,
    department          TEXT NOT NULL,
    item_code           TEXT NOT NULL,
    item_name           TEXT NOT NULL,
    unit                TEXT NOT NULL,
    received            BIGINT NOT NULL,
    accepted            BIGINT NOT NULL,
    refused             BIGINT NOT NULL,
    decided             BIGINT NOT NULL,
    approved            BIGINT NOT NULL,
    denied              BIGINT NOT NULL,
    withdrawn           BIGINT NOT NULL,
    instant             BIGINT NOT NULL,
    early               BIGINT NOT NULL,
    on_time             BIGINT NOT NULL,
    late                BIGINT NOT NULL,
    working_days        BIGINT NOT NULL,
    working_days_cases  BIGINT NOT NULL,
    promised_days       BIGINT NOT NULL,
    statutory_days      BIGINT NOT NULL,
    cards_promised      BIGINT NOT NULL,
    cards_statutory     BIGINT NOT NULL,
    cards_certificate   BIGINT NOT NULL,
    cards_conduct       BIGINT NOT NULL,
    cards_all           BIGINT NOT NULL,
    opened              BIGINT NOT NULL,
    ended               BIGINT NOT NULL,
    overdue_in          BIGINT NOT NULL,
    overdue_out         BIGINT NOT NULL,
    PRIMARY KEY (jurisdiction, span, bucket, staff, department, item_code, item_name, unit)
);

-- The version of the summary's rules the rows were built with: behind the build's, the summary is
-- rebuilt from the cases at start (0: never built, e.g. a store that had cases before this
-- migration).
CREATE TABLE statistics_summary (
    id       BIGINT PRIMARY KEY,
    version  BIGINT NOT NULL
);
INSERT INTO statistics_summary (id, version) VALUES (1, 0);

-- The monitoring desk at scale: each filter it offers walks an index in date order.
CREATE INDEX monitoring_cards_desk_department ON monitoring_cards (jurisdiction, department, card_on, id);
CREATE INDEX monitoring_cards_desk_item ON monitoring_cards (jurisdiction, item_code, card_on, id);
