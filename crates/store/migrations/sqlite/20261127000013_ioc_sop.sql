-- Operations centre: standard operating procedures (SOP, quy trình xử lý) per alarm type, editable by
-- administrators, and the steps an operator ticked on each alarm (SQLite dialect; keep in step with ../postgres).
--
-- A step that an administrator removes is retired, not deleted, so that the ticks of past alarms still name it.
-- The starting procedures are written by `serve` (domain::operations::sop::DEFAULT_PROCEDURES) for alarm types that
-- never had one, not here, so that `import` still finds a fresh database empty.
CREATE TABLE sop_steps (
    id                  BLOB PRIMARY KEY,
    alarm_type          TEXT NOT NULL,
    position            INTEGER NOT NULL,
    text_vi             TEXT NOT NULL,
    text_en             TEXT NOT NULL,
    retired_at          TEXT
);
CREATE INDEX sop_steps_type_idx ON sop_steps(alarm_type, position);

CREATE TABLE alarm_sop_ticks (
    alarm_id            BLOB NOT NULL REFERENCES alarms(id),
    step_id             BLOB NOT NULL REFERENCES sop_steps(id),
    ticked_by           BLOB REFERENCES accounts(id),
    ticked_at           TEXT NOT NULL,
    PRIMARY KEY (alarm_id, step_id)
);

-- Mean time to acknowledge and open alarms by severity are read by the dashboard on every change.
CREATE INDEX alarms_ack_idx ON alarms(ack_ts);
CREATE INDEX alarms_cleared_severity_idx ON alarms(cleared, severity);


-- The dashboard's report tiles: open and overdue reports by status (then deadline), satisfaction by answer date.
CREATE INDEX reports_status_due_idx ON reports(status, due_at);
CREATE INDEX reports_answered_idx ON reports(answered_at);
