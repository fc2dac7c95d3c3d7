-- Simulation mode (模拟运行): per jurisdiction, as its bureau head set it last (enabled 0/1; items:
-- a JSON array of item codes, empty for every item), and the simulated cases. A case is simulated
-- when it is received under the mode and stays so: switching the mode off changes no row here.
CREATE TABLE simulation_settings (
    jurisdiction    TEXT PRIMARY KEY,
    enabled         BIGINT NOT NULL,
    items           TEXT NOT NULL,
    reason          TEXT NOT NULL DEFAULT '',
    set_by          BIGINT NOT NULL,
    set_at          BIGINT NOT NULL
);
CREATE TABLE simulated_cases (
    case_id         BIGINT PRIMARY KEY REFERENCES cases (id),
    jurisdiction    TEXT NOT NULL,
    marked_at       BIGINT NOT NULL
);
CREATE INDEX simulated_cases_by_jurisdiction ON simulated_cases (jurisdiction);
