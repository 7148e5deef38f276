-- Foundation: units, identity, sessions, tokens, e-cards, audit (PostgreSQL dialect).
-- Keep version numbers and table shapes in step with ../sqlite.

CREATE TABLE units (
    code            TEXT PRIMARY KEY,
    parent_code     TEXT REFERENCES units(code),
    kind            TEXT NOT NULL,
    name_vi         TEXT NOT NULL,
    name_en         TEXT NOT NULL,
    name_folded     TEXT NOT NULL,
    lat             DOUBLE PRECISION,
    lon             DOUBLE PRECISION,
    valid_from      DATE NOT NULL,
    valid_to        DATE,
    successor_code  TEXT REFERENCES units(code),
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX units_parent_idx ON units(parent_code);

CREATE TABLE unit_changes (
    id              UUID PRIMARY KEY,
    unit_code       TEXT NOT NULL REFERENCES units(code),
    kind            TEXT NOT NULL,
    effective_on    DATE NOT NULL,
    details         TEXT NOT NULL,
    recorded_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX unit_changes_unit_idx ON unit_changes(unit_code);

CREATE TABLE unit_boundaries (
    unit_code       TEXT PRIMARY KEY REFERENCES units(code),
    geometry        TEXT NOT NULL,
    min_lat         DOUBLE PRECISION NOT NULL,
    min_lon         DOUBLE PRECISION NOT NULL,
    max_lat         DOUBLE PRECISION NOT NULL,
    max_lon         DOUBLE PRECISION NOT NULL
);
CREATE INDEX unit_boundaries_bbox_idx ON unit_boundaries(min_lat, max_lat, min_lon, max_lon);

CREATE TABLE accounts (
    id              UUID PRIMARY KEY,
    kind            TEXT NOT NULL,
    display_name    TEXT NOT NULL,
    name_folded     TEXT NOT NULL,
    email           TEXT,
    phone           TEXT,
    citizen_id      TEXT,
    password_hash   TEXT NOT NULL,
    active          BOOLEAN NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX accounts_email_key ON accounts(email);
CREATE UNIQUE INDEX accounts_phone_key ON accounts(phone);
CREATE UNIQUE INDEX accounts_citizen_id_key ON accounts(citizen_id);

CREATE TABLE organisations (
    tax_code        TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    address         TEXT NOT NULL,
    representative_id UUID NOT NULL REFERENCES accounts(id),
    created_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX organisations_representative_idx ON organisations(representative_id);

CREATE TABLE role_grants (
    id              UUID PRIMARY KEY,
    account_id      UUID NOT NULL REFERENCES accounts(id),
    role            TEXT NOT NULL,
    unit_code       TEXT NOT NULL REFERENCES units(code),
    granted_by      UUID REFERENCES accounts(id),
    granted_at      TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX role_grants_account_role_unit_key ON role_grants(account_id, role, unit_code);

CREATE TABLE sessions (
    id_hash         TEXT PRIMARY KEY,
    account_id      UUID NOT NULL REFERENCES accounts(id),
    csrf_token      TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    last_seen_at    TIMESTAMPTZ NOT NULL,
    expires_at      TIMESTAMPTZ NOT NULL,
    ip              TEXT,
    user_agent      TEXT
);
CREATE INDEX sessions_account_idx ON sessions(account_id);

CREATE TABLE api_tokens (
    id              UUID PRIMARY KEY,
    account_id      UUID NOT NULL REFERENCES accounts(id),
    name            TEXT NOT NULL,
    token_hash      TEXT NOT NULL,
    prefix          TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    last_used_at    TIMESTAMPTZ,
    revoked_at      TIMESTAMPTZ
);
CREATE UNIQUE INDEX api_tokens_token_hash_key ON api_tokens(token_hash);
CREATE INDEX api_tokens_account_idx ON api_tokens(account_id);

CREATE TABLE ecards (
    id              UUID PRIMARY KEY,
    card_number     TEXT NOT NULL,
    qr_token        TEXT NOT NULL,
    account_id      UUID NOT NULL REFERENCES accounts(id),
    status          TEXT NOT NULL,
    issued_at       TIMESTAMPTZ NOT NULL,
    issued_by       UUID REFERENCES accounts(id),
    revoked_at      TIMESTAMPTZ,
    revoked_by      UUID REFERENCES accounts(id),
    revoke_reason   TEXT
);
CREATE UNIQUE INDEX ecards_card_number_key ON ecards(card_number);
CREATE UNIQUE INDEX ecards_qr_token_key ON ecards(qr_token);
CREATE INDEX ecards_account_idx ON ecards(account_id);

-- Append-only, hash-chained. The trigger refuses edits so a rewrite needs deliberate DDL,
-- and `smartcity audit verify` still catches anything done around it.
CREATE TABLE audit_log (
    seq             BIGINT PRIMARY KEY,
    at              TIMESTAMPTZ NOT NULL,
    actor           TEXT,
    action          TEXT NOT NULL,
    record_type     TEXT NOT NULL,
    record_id       TEXT NOT NULL,
    ip              TEXT,
    details         TEXT NOT NULL,
    prev_hash       TEXT NOT NULL,
    hash            TEXT NOT NULL
);
CREATE INDEX audit_log_record_idx ON audit_log(record_type, record_id);
CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
