-- Running tallies of the dossiers behind the QĐ 766/QĐ-TTg indicators and the operations centre's tiles:
-- what each dossier adds to its unit on each local day (domain::indices::counts), kept up to date in the
-- transaction of every write that changes them (submission, workflow, payments, exemptions, fees, calendar).
-- The same tallies summed by month let a year's indices read a few hundred rows. Derived data: rebuilt from
-- the dossiers at start when `dossier_rollups_state` is empty (existing databases) and after an import.
-- Keep in step with ../postgres.

CREATE TABLE dossier_rollups_daily (
    unit_code                   TEXT NOT NULL,
    day                         TEXT NOT NULL,
    received                    INTEGER NOT NULL DEFAULT 0,
    received_online             INTEGER NOT NULL DEFAULT 0,
    fees_due                    INTEGER NOT NULL DEFAULT 0,
    paid_online                 INTEGER NOT NULL DEFAULT 0,
    reused                      INTEGER NOT NULL DEFAULT 0,
    open_now                    INTEGER NOT NULL DEFAULT 0,
    judged_open                 INTEGER NOT NULL DEFAULT 0,
    judged_open_on_time         INTEGER NOT NULL DEFAULT 0,
    judged_open_complained      INTEGER NOT NULL DEFAULT 0,
    finished                    INTEGER NOT NULL DEFAULT 0,
    completed                   INTEGER NOT NULL DEFAULT 0,
    completed_digitised         INTEGER NOT NULL DEFAULT 0,
    completed_timed             INTEGER NOT NULL DEFAULT 0,
    completed_days              INTEGER NOT NULL DEFAULT 0,
    judged_finished             INTEGER NOT NULL DEFAULT 0,
    judged_finished_on_time     INTEGER NOT NULL DEFAULT 0,
    judged_finished_complained  INTEGER NOT NULL DEFAULT 0,
    running_due                 INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (unit_code, day)
);

-- The same columns summed by calendar month (`month` is its first day).
CREATE TABLE dossier_rollups_monthly (
    unit_code                   TEXT NOT NULL,
    month                       TEXT NOT NULL,
    received                    INTEGER NOT NULL DEFAULT 0,
    received_online             INTEGER NOT NULL DEFAULT 0,
    fees_due                    INTEGER NOT NULL DEFAULT 0,
    paid_online                 INTEGER NOT NULL DEFAULT 0,
    reused                      INTEGER NOT NULL DEFAULT 0,
    open_now                    INTEGER NOT NULL DEFAULT 0,
    judged_open                 INTEGER NOT NULL DEFAULT 0,
    judged_open_on_time         INTEGER NOT NULL DEFAULT 0,
    judged_open_complained      INTEGER NOT NULL DEFAULT 0,
    finished                    INTEGER NOT NULL DEFAULT 0,
    completed                   INTEGER NOT NULL DEFAULT 0,
    completed_digitised         INTEGER NOT NULL DEFAULT 0,
    completed_timed             INTEGER NOT NULL DEFAULT 0,
    completed_days              INTEGER NOT NULL DEFAULT 0,
    judged_finished             INTEGER NOT NULL DEFAULT 0,
    judged_finished_on_time     INTEGER NOT NULL DEFAULT 0,
    judged_finished_complained  INTEGER NOT NULL DEFAULT 0,
    running_due                 INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (unit_code, month)
);

-- One row once the tallies hold every dossier.
CREATE TABLE dossier_rollups_state (
    id                          INTEGER PRIMARY KEY,
    built_at                    TEXT NOT NULL
);
