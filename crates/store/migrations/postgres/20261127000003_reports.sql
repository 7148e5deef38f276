-- Field reports (phản ánh hiện trường): category catalogue, reports, their public timeline, photos
-- (content-addressed in `blobs`) and Open311 partner API keys (PostgreSQL dialect; keep in step with
-- ../sqlite).

CREATE TABLE report_categories (
    code                TEXT PRIMARY KEY,
    name_vi             TEXT NOT NULL,
    name_en             TEXT NOT NULL,
    examples_vi         TEXT NOT NULL,
    agency_kind         TEXT NOT NULL,
    deadline_days       BIGINT NOT NULL,
    process             TEXT NOT NULL,
    active              BOOLEAN NOT NULL,
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL
);

CREATE TABLE open311_api_keys (
    id                  UUID PRIMARY KEY,
    name                TEXT NOT NULL,
    key_hash            TEXT NOT NULL,
    created_at          TIMESTAMPTZ NOT NULL,
    revoked_at          TIMESTAMPTZ,
    last_used_at        TIMESTAMPTZ
);
CREATE UNIQUE INDEX open311_api_keys_key_hash_key ON open311_api_keys(key_hash);

CREATE TABLE reports (
    id                  UUID PRIMARY KEY,
    service_code        TEXT NOT NULL REFERENCES report_categories(code),
    description         TEXT NOT NULL,
    lat                 DOUBLE PRECISION NOT NULL,
    lon                 DOUBLE PRECISION NOT NULL,
    address             TEXT,
    ward_code           TEXT REFERENCES units(code),
    handling_unit_code  TEXT REFERENCES units(code),
    status              TEXT NOT NULL,
    reporter_account_id UUID REFERENCES accounts(id),
    reporter_name       TEXT,
    reporter_email      TEXT,
    reporter_phone      TEXT,
    api_key_id          UUID REFERENCES open311_api_keys(id),
    due_at              TIMESTAMPTZ,
    answered_at         TIMESTAMPTZ,
    answer              TEXT,
    rating              TEXT,
    duplicate_of        UUID REFERENCES reports(id),
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL
);
CREATE INDEX reports_created_idx ON reports(created_at);
CREATE INDEX reports_updated_idx ON reports(updated_at);
CREATE INDEX reports_service_created_idx ON reports(service_code, created_at);
CREATE INDEX reports_location_idx ON reports(lat, lon);
CREATE INDEX reports_handling_idx ON reports(handling_unit_code, status);

CREATE TABLE report_events (
    id                  UUID PRIMARY KEY,
    report_id           UUID NOT NULL REFERENCES reports(id),
    at                  TIMESTAMPTZ NOT NULL,
    action              TEXT NOT NULL,
    from_status         TEXT,
    to_status           TEXT NOT NULL,
    actor_id            UUID REFERENCES accounts(id),
    from_unit           TEXT,
    to_unit             TEXT,
    public_note         TEXT NOT NULL,
    details             TEXT NOT NULL
);
CREATE INDEX report_events_report_idx ON report_events(report_id, at);
CREATE INDEX report_events_at_idx ON report_events(at);

CREATE TABLE report_photos (
    id                  UUID PRIMARY KEY,
    report_id           UUID NOT NULL REFERENCES reports(id),
    purpose             TEXT NOT NULL,
    sha256              TEXT NOT NULL REFERENCES blobs(sha256),
    content_type        TEXT NOT NULL,
    size                BIGINT NOT NULL,
    created_at          TIMESTAMPTZ NOT NULL
);
CREATE INDEX report_photos_report_idx ON report_photos(report_id);
