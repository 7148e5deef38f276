-- SMTP delivery of notification mails: a mail the relay refused for good is marked failed (with the
-- relay's answer) so it no longer blocks the queue; administrators see it in /admin/mail. Keep in step
-- with ../postgres.
ALTER TABLE mail_outbox ADD COLUMN failed_at TEXT;
ALTER TABLE mail_outbox ADD COLUMN failure TEXT;
CREATE INDEX mail_outbox_unsent_idx ON mail_outbox(created_at) WHERE sent_at IS NULL AND failed_at IS NULL;

-- Operations centre counters and live events: indexed reads instead of scans.
CREATE INDEX outbox_created_idx ON outbox(created_at);
CREATE INDEX dossiers_received_at_idx ON dossiers(received_at);
CREATE INDEX dossiers_open_due_idx ON dossiers(due_at) WHERE finished_at IS NULL;
