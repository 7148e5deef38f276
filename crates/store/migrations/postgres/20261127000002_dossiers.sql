-- One-stop public services: procedure catalogue (versioned), dossiers and their events, documents
-- (content-addressed), the citizen's document store, code counters, idempotency, outbox, mail,
-- holiday adjustments (PostgreSQL dialect; keep in step with ../sqlite).

CREATE TABLE procedures (
    id                  UUID PRIMARY KEY,
    code                TEXT NOT NULL,
    version             BIGINT NOT NULL,
    valid_from          DATE NOT NULL,
    valid_to            DATE,
    name_vi             TEXT NOT NULL,
    name_en             TEXT NOT NULL,
    name_folded         TEXT NOT NULL,
    field_vi            TEXT NOT NULL,
    field_en            TEXT NOT NULL,
    level               TEXT NOT NULL,
    unit_code           TEXT REFERENCES units(code),
    agency_vi           TEXT NOT NULL,
    processing_days     BIGINT NOT NULL,
    online_level        TEXT NOT NULL,
    fee_vnd             BIGINT NOT NULL,
    fee_note            TEXT NOT NULL,
    legal_basis         TEXT NOT NULL,
    documents           TEXT NOT NULL,
    form_fields         TEXT NOT NULL,
    steps               TEXT NOT NULL,
    paper_result        BOOLEAN NOT NULL,
    created_at          TIMESTAMPTZ NOT NULL,
    created_by          TEXT
);
CREATE UNIQUE INDEX procedures_code_version_key ON procedures(code, version);
CREATE INDEX procedures_folded_idx ON procedures(name_folded);

CREATE TABLE blobs (
    sha256              TEXT PRIMARY KEY,
    content_type        TEXT NOT NULL,
    size                BIGINT NOT NULL,
    bytes               BYTEA NOT NULL,
    created_at          TIMESTAMPTZ NOT NULL
);

CREATE TABLE dossiers (
    id                  UUID PRIMARY KEY,
    code                TEXT NOT NULL,
    procedure_id        UUID NOT NULL REFERENCES procedures(id),
    procedure_code      TEXT NOT NULL,
    unit_code           TEXT NOT NULL REFERENCES units(code),
    current_unit_code   TEXT NOT NULL REFERENCES units(code),
    applicant_id        UUID REFERENCES accounts(id),
    applicant_name      TEXT NOT NULL,
    applicant_folded    TEXT NOT NULL,
    applicant_citizen_id TEXT,
    applicant_kind      BIGINT NOT NULL,
    applicant_tax_code  TEXT,
    applicant_contact   TEXT NOT NULL,
    channel             BIGINT NOT NULL,
    status              BIGINT NOT NULL,
    status_before_pause BIGINT,
    form_data           TEXT NOT NULL,
    received_at         TIMESTAMPTZ NOT NULL,
    accepted_at         TIMESTAMPTZ,
    due_at              TIMESTAMPTZ,
    original_due_at     TIMESTAMPTZ,
    finished_at         TIMESTAMPTZ,
    returned_at         TIMESTAMPTZ,
    supplement_requests BIGINT NOT NULL,
    supplement_due_at   TIMESTAMPTZ,
    paused_at           TIMESTAMPTZ,
    paused_seconds      BIGINT NOT NULL,
    current_step        BIGINT NOT NULL,
    step_started_at     TIMESTAMPTZ,
    has_e_result        BOOLEAN NOT NULL,
    reused_documents    BOOLEAN NOT NULL,
    rating              TEXT,
    rating_comment      TEXT,
    rated_at            TIMESTAMPTZ,
    created_by          UUID REFERENCES accounts(id),
    updated_at          TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX dossiers_code_key ON dossiers(code);
CREATE INDEX dossiers_queue_idx ON dossiers(current_unit_code, status, due_at);
CREATE INDEX dossiers_applicant_idx ON dossiers(applicant_id, received_at);
CREATE INDEX dossiers_received_idx ON dossiers(unit_code, received_at);

CREATE TABLE dossier_events (
    id                  UUID PRIMARY KEY,
    dossier_id          UUID NOT NULL REFERENCES dossiers(id),
    at                  TIMESTAMPTZ NOT NULL,
    action              TEXT NOT NULL,
    from_status         BIGINT,
    to_status           BIGINT NOT NULL,
    actor_id            UUID REFERENCES accounts(id),
    actor_name          TEXT NOT NULL,
    from_unit           TEXT,
    to_unit             TEXT,
    step                BIGINT NOT NULL,
    step_deadline       TIMESTAMPTZ,
    form                TEXT,
    note                TEXT NOT NULL,
    details             TEXT NOT NULL
);
CREATE INDEX dossier_events_dossier_idx ON dossier_events(dossier_id, at);

CREATE TABLE dossier_documents (
    id                  UUID PRIMARY KEY,
    dossier_id          UUID NOT NULL REFERENCES dossiers(id),
    document_key        TEXT NOT NULL,
    purpose             TEXT NOT NULL,
    sha256              TEXT NOT NULL REFERENCES blobs(sha256),
    file_name           TEXT NOT NULL,
    content_type        TEXT NOT NULL,
    size                BIGINT NOT NULL,
    copy_kind           BIGINT NOT NULL,
    reused_from         UUID,
    uploaded_at         TIMESTAMPTZ NOT NULL,
    uploaded_by         UUID REFERENCES accounts(id)
);
CREATE INDEX dossier_documents_dossier_idx ON dossier_documents(dossier_id);

CREATE TABLE personal_documents (
    id                  UUID PRIMARY KEY,
    account_id          UUID NOT NULL REFERENCES accounts(id),
    kind                TEXT NOT NULL,
    title               TEXT NOT NULL,
    sha256              TEXT NOT NULL REFERENCES blobs(sha256),
    file_name           TEXT NOT NULL,
    content_type        TEXT NOT NULL,
    size                BIGINT NOT NULL,
    source_dossier_id   UUID REFERENCES dossiers(id),
    created_at          TIMESTAMPTZ NOT NULL
);
CREATE INDEX personal_documents_account_idx ON personal_documents(account_id, created_at);

CREATE TABLE dossier_counters (
    agency_code         TEXT NOT NULL,
    day                 DATE NOT NULL,
    last_seq            BIGINT NOT NULL,
    PRIMARY KEY (agency_code, day)
);

CREATE TABLE idempotency_keys (
    account_id          UUID NOT NULL REFERENCES accounts(id),
    key                 TEXT NOT NULL,
    dossier_id          UUID NOT NULL REFERENCES dossiers(id),
    created_at          TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (account_id, key)
);

CREATE TABLE outbox (
    id                  UUID PRIMARY KEY,
    topic               TEXT NOT NULL,
    payload             TEXT NOT NULL,
    created_at          TIMESTAMPTZ NOT NULL,
    delivered_at        TIMESTAMPTZ,
    attempts            BIGINT NOT NULL
);
CREATE INDEX outbox_pending_idx ON outbox(delivered_at, created_at);

CREATE TABLE mail_outbox (
    id                  UUID PRIMARY KEY,
    to_address          TEXT NOT NULL,
    subject             TEXT NOT NULL,
    body                TEXT NOT NULL,
    created_at          TIMESTAMPTZ NOT NULL,
    sent_at             TIMESTAMPTZ
);
CREATE INDEX mail_outbox_created_idx ON mail_outbox(created_at);

CREATE TABLE holiday_adjustments (
    day                 DATE PRIMARY KEY,
    kind                TEXT NOT NULL,
    reason              TEXT NOT NULL,
    created_at          TIMESTAMPTZ NOT NULL
);
