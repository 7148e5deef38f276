-- One-stop public services: procedure catalogue (versioned), dossiers and their events, documents
-- (content-addressed), the citizen's document store, code counters, idempotency, outbox, mail,
-- holiday adjustments (SQLite dialect; keep in step with ../postgres).

CREATE TABLE procedures (
    id                  BLOB PRIMARY KEY,
    code                TEXT NOT NULL,
    version             INTEGER NOT NULL,
    valid_from          TEXT NOT NULL,
    valid_to            TEXT,
    name_vi             TEXT NOT NULL,
    name_en             TEXT NOT NULL,
    name_folded         TEXT NOT NULL,
    field_vi            TEXT NOT NULL,
    field_en            TEXT NOT NULL,
    level               TEXT NOT NULL,
    unit_code           TEXT REFERENCES units(code),
    agency_vi           TEXT NOT NULL,
    processing_days     INTEGER NOT NULL,
    online_level        TEXT NOT NULL,
    fee_vnd             INTEGER NOT NULL,
    fee_note            TEXT NOT NULL,
    legal_basis         TEXT NOT NULL,
    documents           TEXT NOT NULL,
    form_fields         TEXT NOT NULL,
    steps               TEXT NOT NULL,
    paper_result        BOOLEAN NOT NULL,
    created_at          TEXT NOT NULL,
    created_by          TEXT
);
CREATE UNIQUE INDEX procedures_code_version_key ON procedures(code, version);
CREATE INDEX procedures_folded_idx ON procedures(name_folded);

CREATE TABLE blobs (
    sha256              TEXT PRIMARY KEY,
    content_type        TEXT NOT NULL,
    size                INTEGER NOT NULL,
    bytes               BLOB NOT NULL,
    created_at          TEXT NOT NULL
);

CREATE TABLE dossiers (
    id                  BLOB PRIMARY KEY,
    code                TEXT NOT NULL,
    procedure_id        BLOB NOT NULL REFERENCES procedures(id),
    procedure_code      TEXT NOT NULL,
    unit_code           TEXT NOT NULL REFERENCES units(code),
    current_unit_code   TEXT NOT NULL REFERENCES units(code),
    applicant_id        BLOB REFERENCES accounts(id),
    applicant_name      TEXT NOT NULL,
    applicant_folded    TEXT NOT NULL,
    applicant_citizen_id TEXT,
    applicant_kind      INTEGER NOT NULL,
    applicant_tax_code  TEXT,
    applicant_contact   TEXT NOT NULL,
    channel             INTEGER NOT NULL,
    status              INTEGER NOT NULL,
    status_before_pause INTEGER,
    form_data           TEXT NOT NULL,
    received_at         TEXT NOT NULL,
    accepted_at         TEXT,
    due_at              TEXT,
    original_due_at     TEXT,
    finished_at         TEXT,
    returned_at         TEXT,
    supplement_requests INTEGER NOT NULL,
    supplement_due_at   TEXT,
    paused_at           TEXT,
    paused_seconds      INTEGER NOT NULL,
    current_step        INTEGER NOT NULL,
    step_started_at     TEXT,
    has_e_result        BOOLEAN NOT NULL,
    reused_documents    BOOLEAN NOT NULL,
    rating              TEXT,
    rating_comment      TEXT,
    rated_at            TEXT,
    created_by          BLOB REFERENCES accounts(id),
    updated_at          TEXT NOT NULL
);
CREATE UNIQUE INDEX dossiers_code_key ON dossiers(code);
CREATE INDEX dossiers_queue_idx ON dossiers(current_unit_code, status, due_at);
CREATE INDEX dossiers_applicant_idx ON dossiers(applicant_id, received_at);
CREATE INDEX dossiers_received_idx ON dossiers(unit_code, received_at);

CREATE TABLE dossier_events (
    id                  BLOB PRIMARY KEY,
    dossier_id          BLOB NOT NULL REFERENCES dossiers(id),
    at                  TEXT NOT NULL,
    action              TEXT NOT NULL,
    from_status         INTEGER,
    to_status           INTEGER NOT NULL,
    actor_id            BLOB REFERENCES accounts(id),
    actor_name          TEXT NOT NULL,
    from_unit           TEXT,
    to_unit             TEXT,
    step                INTEGER NOT NULL,
    step_deadline       TEXT,
    form                TEXT,
    note                TEXT NOT NULL,
    details             TEXT NOT NULL
);
CREATE INDEX dossier_events_dossier_idx ON dossier_events(dossier_id, at);

CREATE TABLE dossier_documents (
    id                  BLOB PRIMARY KEY,
    dossier_id          BLOB NOT NULL REFERENCES dossiers(id),
    document_key        TEXT NOT NULL,
    purpose             TEXT NOT NULL,
    sha256              TEXT NOT NULL REFERENCES blobs(sha256),
    file_name           TEXT NOT NULL,
    content_type        TEXT NOT NULL,
    size                INTEGER NOT NULL,
    copy_kind           INTEGER NOT NULL,
    reused_from         BLOB,
    uploaded_at         TEXT NOT NULL,
    uploaded_by         BLOB REFERENCES accounts(id)
);
CREATE INDEX dossier_documents_dossier_idx ON dossier_documents(dossier_id);

CREATE TABLE personal_documents (
    id                  BLOB PRIMARY KEY,
    account_id          BLOB NOT NULL REFERENCES accounts(id),
    kind                TEXT NOT NULL,
    title               TEXT NOT NULL,
    sha256              TEXT NOT NULL REFERENCES blobs(sha256),
    file_name           TEXT NOT NULL,
    content_type        TEXT NOT NULL,
    size                INTEGER NOT NULL,
    source_dossier_id   BLOB REFERENCES dossiers(id),
    created_at          TEXT NOT NULL
);
CREATE INDEX personal_documents_account_idx ON personal_documents(account_id, created_at);

CREATE TABLE dossier_counters (
    agency_code         TEXT NOT NULL,
    day                 TEXT NOT NULL,
    last_seq            INTEGER NOT NULL,
    PRIMARY KEY (agency_code, day)
);

CREATE TABLE idempotency_keys (
    account_id          BLOB NOT NULL REFERENCES accounts(id),
    key                 TEXT NOT NULL,
    dossier_id          BLOB NOT NULL REFERENCES dossiers(id),
    created_at          TEXT NOT NULL,
    PRIMARY KEY (account_id, key)
);

CREATE TABLE outbox (
    id                  BLOB PRIMARY KEY,
    topic               TEXT NOT NULL,
    payload             TEXT NOT NULL,
    created_at          TEXT NOT NULL,
    delivered_at        TEXT,
    attempts            INTEGER NOT NULL
);
CREATE INDEX outbox_pending_idx ON outbox(delivered_at, created_at);

CREATE TABLE mail_outbox (
    id                  BLOB PRIMARY KEY,
    to_address          TEXT NOT NULL,
    subject             TEXT NOT NULL,
    body                TEXT NOT NULL,
    created_at          TEXT NOT NULL,
    sent_at             TEXT
);
CREATE INDEX mail_outbox_created_idx ON mail_outbox(created_at);

CREATE TABLE holiday_adjustments (
    day                 TEXT PRIMARY KEY,
    kind                TEXT NOT NULL,
    reason              TEXT NOT NULL,
    created_at          TEXT NOT NULL
);
