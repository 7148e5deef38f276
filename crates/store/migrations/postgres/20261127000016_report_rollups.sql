-- Running tallies of the field reports behind the transparency pages (issue 8): what each report adds to its
-- handling unit ('' = not routed) on the local day it was sent (domain::transparency::reports::report_tally),
-- kept up to date in the transaction of every write that changes a report's status, unit, deadline, answer or
-- rating (submission, handling actions, the bulk generator). The same tallies summed by month let a year read a
-- few hundred rows. The handling times are a histogram of bands (domain handling_bucket) per unit and day/month.
-- Derived data: built from the reports at start when `report_rollups_state` is empty (existing databases) and
-- after an import. Keep in step with ../sqlite and ../postgres.

CREATE TABLE report_rollups_daily (
    unit_code       TEXT NOT NULL,
    day             DATE NOT NULL,
    received        BIGINT NOT NULL DEFAULT 0,
    rejected        BIGINT NOT NULL DEFAULT 0,
    processed       BIGINT NOT NULL DEFAULT 0,
    on_time         BIGINT NOT NULL DEFAULT 0,
    rated           BIGINT NOT NULL DEFAULT 0,
    satisfied       BIGINT NOT NULL DEFAULT 0,
    acceptable      BIGINT NOT NULL DEFAULT 0,
    dissatisfied    BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (unit_code, day)
);

-- The same columns summed by calendar month (`month` is its first day).
CREATE TABLE report_rollups_monthly (
    unit_code       TEXT NOT NULL,
    month           DATE NOT NULL,
    received        BIGINT NOT NULL DEFAULT 0,
    rejected        BIGINT NOT NULL DEFAULT 0,
    processed       BIGINT NOT NULL DEFAULT 0,
    on_time         BIGINT NOT NULL DEFAULT 0,
    rated           BIGINT NOT NULL DEFAULT 0,
    satisfied       BIGINT NOT NULL DEFAULT 0,
    acceptable      BIGINT NOT NULL DEFAULT 0,
    dissatisfied    BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (unit_code, month)
);

-- Processed reports by handling-time band (`bucket` = the band's first hour) and sending day / month.
CREATE TABLE report_handling_daily (
    unit_code       TEXT NOT NULL,
    day             DATE NOT NULL,
    bucket          BIGINT NOT NULL,
    reports         BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (unit_code, day, bucket)
);

CREATE TABLE report_handling_monthly (
    unit_code       TEXT NOT NULL,
    month           DATE NOT NULL,
    bucket          BIGINT NOT NULL,
    reports         BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (unit_code, month, bucket)
);

-- One row once the tallies hold every report.
CREATE TABLE report_rollups_state (
    id              INTEGER PRIMARY KEY,
    built_at        TIMESTAMPTZ NOT NULL
);

-- Open reports past their deadline change with the clock, not with a write, so they are counted when read:
-- this index holds the open reports only, with what that count groups by, so it never reads a table row.
CREATE INDEX reports_open_due_idx ON reports(due_at, created_at, handling_unit_code)
    WHERE status IN ('submitted', 'verified', 'assigned', 'in_progress', 'extended', 'transferred', 'reopened');
-- The operations centre's ward page counts the open reports of one ward.
CREATE INDEX reports_open_ward_idx ON reports(ward_code, due_at)
    WHERE status IN ('submitted', 'verified', 'assigned', 'in_progress', 'extended', 'transferred', 'reopened');

-- Its satisfaction tile reads the ratings of the reports answered in the last 30 days from the index alone.
DROP INDEX reports_answered_idx;
CREATE INDEX reports_answered_rating_idx ON reports(answered_at, rating, ward_code);
