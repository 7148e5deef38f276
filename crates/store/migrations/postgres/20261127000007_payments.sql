-- Payments of fees and e-receipts: fees per procedure version, exemptions, payments and their events, receipt
-- series with their number counter, receipts (immutable once issued), refunds (PostgreSQL dialect; keep in step
-- with ../sqlite).

CREATE TABLE procedure_fees (
    procedure_id        UUID NOT NULL REFERENCES procedures(id),
    fee_key             TEXT NOT NULL,
    kind                TEXT NOT NULL,
    name_vi             TEXT NOT NULL,
    name_en             TEXT NOT NULL,
    amount_vnd          BIGINT NOT NULL,
    collect_at          TEXT NOT NULL,
    before_processing   BOOLEAN NOT NULL,
    position            BIGINT NOT NULL,
    PRIMARY KEY (procedure_id, fee_key)
);

CREATE TABLE fee_exemptions (
    dossier_id          UUID NOT NULL REFERENCES dossiers(id),
    fee_key             TEXT NOT NULL,
    reason              TEXT NOT NULL,
    approved_by         TEXT NOT NULL,
    created_by          UUID REFERENCES accounts(id),
    created_at          TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (dossier_id, fee_key)
);

CREATE TABLE receipt_series (
    id                  UUID PRIMARY KEY,
    unit_code           TEXT NOT NULL REFERENCES units(code),
    template_symbol     TEXT NOT NULL,
    series_symbol       TEXT NOT NULL,
    slug                TEXT NOT NULL,
    collector_name      TEXT NOT NULL,
    collector_tax_code  TEXT NOT NULL,
    last_number         BIGINT NOT NULL,
    active              BOOLEAN NOT NULL,
    created_at          TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX receipt_series_slug_key ON receipt_series(slug);
CREATE INDEX receipt_series_unit_idx ON receipt_series(unit_code, active);

CREATE TABLE payments (
    id                  UUID PRIMARY KEY,
    dossier_id          UUID NOT NULL REFERENCES dossiers(id),
    fee_key             TEXT NOT NULL,
    fee_kind            TEXT NOT NULL,
    fee_name_vi         TEXT NOT NULL,
    fee_name_en         TEXT NOT NULL,
    amount_vnd          BIGINT NOT NULL,
    method              TEXT NOT NULL,
    status              TEXT NOT NULL,
    txn_ref             TEXT NOT NULL,
    gateway_txn_no      TEXT,
    bank_code           TEXT,
    payer_name          TEXT NOT NULL,
    created_by          UUID REFERENCES accounts(id),
    created_at          TIMESTAMPTZ NOT NULL,
    expires_at          TIMESTAMPTZ NOT NULL,
    paid_at             TIMESTAMPTZ,
    updated_at          TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX payments_txn_ref_key ON payments(txn_ref);
-- One open or paid payment per fee of a dossier: two tabs paying the same fee get the same order.
CREATE UNIQUE INDEX payments_open_fee_key ON payments(dossier_id, fee_key)
    WHERE status IN ('created', 'pending', 'paid');
CREATE INDEX payments_dossier_idx ON payments(dossier_id, created_at);
CREATE INDEX payments_expiry_idx ON payments(status, expires_at);

CREATE TABLE payment_events (
    id                  UUID PRIMARY KEY,
    payment_id          UUID NOT NULL REFERENCES payments(id),
    at                  TIMESTAMPTZ NOT NULL,
    kind                TEXT NOT NULL,
    from_status         TEXT,
    to_status           TEXT NOT NULL,
    rsp_code            TEXT,
    details             TEXT NOT NULL
);
CREATE INDEX payment_events_payment_idx ON payment_events(payment_id, at);

CREATE TABLE receipts (
    id                  UUID PRIMARY KEY,
    series_id           UUID NOT NULL REFERENCES receipt_series(id),
    number              BIGINT NOT NULL,
    kind                TEXT NOT NULL,
    original_id         UUID REFERENCES receipts(id),
    payment_id          UUID NOT NULL REFERENCES payments(id),
    dossier_id          UUID NOT NULL REFERENCES dossiers(id),
    dossier_code        TEXT NOT NULL,
    template_symbol     TEXT NOT NULL,
    series_symbol       TEXT NOT NULL,
    collector_unit      TEXT NOT NULL,
    collector_name      TEXT NOT NULL,
    collector_tax_code  TEXT NOT NULL,
    payer_name          TEXT NOT NULL,
    payer_id_number     TEXT,
    fee_kind            TEXT NOT NULL,
    fee_name_vi         TEXT NOT NULL,
    fee_name_en         TEXT NOT NULL,
    procedure_name      TEXT NOT NULL,
    amount_vnd          BIGINT NOT NULL,
    amount_words        TEXT NOT NULL,
    method              TEXT NOT NULL,
    issued_at           TIMESTAMPTZ NOT NULL,
    issued_by_name      TEXT NOT NULL,
    verification_code   TEXT NOT NULL,
    note                TEXT NOT NULL
);
CREATE UNIQUE INDEX receipts_series_id_number_key ON receipts(series_id, number);
CREATE UNIQUE INDEX receipts_verification_code_key ON receipts(verification_code);
CREATE INDEX receipts_dossier_idx ON receipts(dossier_id, issued_at);
CREATE INDEX receipts_payment_idx ON receipts(payment_id);
-- An issued receipt is never changed or deleted (ND 123/2020): corrections are new receipts linked to it.
CREATE FUNCTION receipts_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'issued receipts are immutable'; END $$;
CREATE TRIGGER receipts_immutable BEFORE UPDATE OR DELETE ON receipts
FOR EACH ROW EXECUTE FUNCTION receipts_refuse_change();

CREATE TABLE refunds (
    id                  UUID PRIMARY KEY,
    payment_id          UUID NOT NULL REFERENCES payments(id),
    amount_vnd          BIGINT NOT NULL,
    reason              TEXT NOT NULL,
    approved_by         TEXT NOT NULL,
    receipt_id          UUID NOT NULL REFERENCES receipts(id),
    created_by          UUID REFERENCES accounts(id),
    created_at          TIMESTAMPTZ NOT NULL
);
CREATE INDEX refunds_payment_idx ON refunds(payment_id);
