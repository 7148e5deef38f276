-- Running tallies of the dossiers behind the QĐ 766/QĐ-TTg indicators and the operations centre's tiles:
-- what each dossier adds to its unit on each local day (domain::indices::counts), kept up to date in the
-- transaction of every write that changes them (submission, workflow, payments, exemptions, fees, calendar).
-- The same tallies summed by month let a year's indices read a few hundred rows. Derived data: rebuilt from
-- the dossiers at start when `dossier_rollups_state` is empty (existing databases) and after an import.
-- Keep in step with ../sqlite.

CREATE TABLE dossier_rollups_daily (
    unit_code                   TEXT NOT NULL,
    day                         DATE NOT NULL,
    received                    BIGINT NOT NULL DEFAULT 0,
    received_online             BIGINT NOT NULL DEFAULT 0,
    fees_due                    BIGINT NOT NULL DEFAULT 0,
    paid_online                 BIGINT NOT NULL DEFAULT 0,
    reused                      BIGINT NOT NULL DEFAULT 0,
    open_now                    BIGINT NOT NULL DEFAULT 0,
    judged_open                 BIGINT NOT NULL DEFAULT 0,
    judged_open_on_time         BIGINT NOT NULL DEFAULT 0,
    judged_open_complained      BIGINT NOT NULL DEFAULT 0,
    finished                    BIGINT NOT NULL DEFAULT 0,
    completed                   BIGINT NOT NULL DEFAULT 0,
    completed_digitised         BIGINT NOT NULL DEFAULT 0,
    completed_timed             BIGINT NOT NULL DEFAULT 0,
    completed_days              BIGINT NOT NULL DEFAULT 0,
    judged_finished             BIGINT NOT NULL DEFAULT 0,
    judged_finished_on_time     BIGINT NOT NULL DEFAULT 0,
    judged_finished_complained  BIGINT NOT NULL DEFAULT 0,
    running_due                 BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (unit_code, day)
);

-- The same columns summed by calendar month (`month` is its first day).
CREATE TABLE dossier_rollups_monthly (
    unit_code                   TEXT NOT NULL,
    month                       DATE NOT NULL,
    received                    BIGINT NOT NULL DEFAULT 0,
    received_online             BIGINT NOT NULL DEFAULT 0,
    fees_due                    BIGINT NOT NULL DEFAULT 0,
    paid_online                 BIGINT NOT NULL DEFAULT 0,
    reused                      BIGINT NOT NULL DEFAULT 0,
    open_now                    BIGINT NOT NULL DEFAULT 0,
    judged_open                 BIGINT NOT NULL DEFAULT 0,
    judged_open_on_time         BIGINT NOT NULL DEFAULT 0,
    judged_open_complained      BIGINT NOT NULL DEFAULT 0,
    finished                    BIGINT NOT NULL DEFAULT 0,
    completed                   BIGINT NOT NULL DEFAULT 0,
    completed_digitised         BIGINT NOT NULL DEFAULT 0,
    completed_timed             BIGINT NOT NULL DEFAULT 0,
    completed_days              BIGINT NOT NULL DEFAULT 0,
    judged_finished             BIGINT NOT NULL DEFAULT 0,
    judged_finished_on_time     BIGINT NOT NULL DEFAULT 0,
    judged_finished_complained  BIGINT NOT NULL DEFAULT 0,
    running_due                 BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (unit_code, month)
);

-- One row once the tallies hold every dossier.
CREATE TABLE dossier_rollups_state (
    id                          BIGINT PRIMARY KEY,
    built_at                    TIMESTAMPTZ NOT NULL
);
