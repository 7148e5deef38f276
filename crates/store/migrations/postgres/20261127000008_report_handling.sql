-- Field-report handling (pages): which unit each agency kind routes to, idempotent submissions from
-- the offline-capable reporting page, "+1" supports of existing reports, and the reminders sent
-- before and after a deadline (PostgreSQL dialect; keep in step with ../sqlite).

CREATE TABLE report_agencies (
    agency_kind         TEXT PRIMARY KEY,
    unit_code           TEXT NOT NULL REFERENCES units(code),
    updated_at          TIMESTAMPTZ NOT NULL
);

CREATE TABLE report_submissions (
    idempotency_key     TEXT PRIMARY KEY,
    report_id           UUID REFERENCES reports(id),
    created_at          TIMESTAMPTZ NOT NULL
);

CREATE TABLE report_supports (
    report_id           UUID NOT NULL REFERENCES reports(id),
    supporter           TEXT NOT NULL,
    created_at          TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (report_id, supporter)
);

CREATE TABLE report_reminders (
    report_id           UUID NOT NULL REFERENCES reports(id),
    kind                TEXT NOT NULL,
    due_at              TIMESTAMPTZ NOT NULL,
    sent_at             TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (report_id, kind, due_at)
);
CREATE INDEX reports_due_at_idx ON reports(due_at);
CREATE INDEX reports_ward_code_idx ON reports(ward_code, created_at);
